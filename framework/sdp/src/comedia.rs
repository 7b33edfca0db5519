//! Connection-oriented media attributes: `a=setup` and `a=connection`
//! (RFC 4145 / comedia-10) and the legacy `a=direction` (comedia-04 §4).

use std::fmt;
use std::str::FromStr;

use crate::connection::{AddrType, Connection};
use crate::error::ParseErrorKind;
use crate::syntax::{Number, digits};

/// Matches `s` case-insensitively against `table`, or fails with a
/// [`ParseErrorKind::BadAttribute`] for `name`.
fn lookup<T: Copy>(
    table: &[(&str, T)],
    s: &str,
    name: &'static str,
    reason: &'static str,
) -> Result<T, ParseErrorKind> {
    table
        .iter()
        .find(|(text, _)| text.eq_ignore_ascii_case(s))
        .map(|&(_, v)| v)
        .ok_or(ParseErrorKind::BadAttribute { name, reason })
}

/// `a=setup` role: which endpoint opens the TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setup {
    /// `active`: will initiate an outgoing connection.
    Active,
    /// `passive`: will accept an incoming connection.
    Passive,
    /// `actpass`: willing to do either.
    ActPass,
    /// `holdconn`: does not want the connection established for now.
    HoldConn,
}

impl Setup {
    const TABLE: [(&'static str, Self); 4] = [
        ("active", Self::Active),
        ("passive", Self::Passive),
        ("actpass", Self::ActPass),
        ("holdconn", Self::HoldConn),
    ];

    /// The value as written (`"active"`, `"passive"`, `"actpass"`, `"holdconn"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Passive => "passive",
            Self::ActPass => "actpass",
            Self::HoldConn => "holdconn",
        }
    }
}

impl fmt::Display for Setup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Setup {
    type Err = ParseErrorKind;

    /// Case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        lookup(&Self::TABLE, s, "setup", "unknown role")
    }
}

/// `a=connection` value: whether to reuse an existing connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionMode {
    /// `new`: a new connection is to be established.
    New,
    /// `existing`: the existing connection is to be reused.
    Existing,
}

impl ConnectionMode {
    const TABLE: [(&'static str, Self); 2] = [("new", Self::New), ("existing", Self::Existing)];

    /// The value as written (`"new"` or `"existing"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Existing => "existing",
        }
    }
}

impl fmt::Display for ConnectionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ConnectionMode {
    type Err = ParseErrorKind;

    /// Case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        lookup(&Self::TABLE, s, "connection", "expected new or existing")
    }
}

/// Role in the legacy `a=direction` attribute (comedia-04 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyRole {
    /// `active`: will initiate an outgoing connection.
    Active,
    /// `passive`: will accept an incoming connection.
    Passive,
    /// `both`: will accept and also initiate.
    Both,
}

impl LegacyRole {
    const TABLE: [(&'static str, Self); 3] = [
        ("active", Self::Active),
        ("passive", Self::Passive),
        ("both", Self::Both),
    ];

    /// The value as written (`"active"`, `"passive"` or `"both"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Passive => "passive",
            Self::Both => "both",
        }
    }
}

impl fmt::Display for LegacyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LegacyRole {
    type Err = ParseErrorKind;

    /// Case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        lookup(&Self::TABLE, s, "direction", "unknown role")
    }
}

/// The `source` of a legacy `a=direction`: where the connection will
/// originate from, `nettype addrtype unicast-address [port]` (comedia-04 Appendix A).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LegacyAddress {
    /// Network type, normally `IN`.
    pub net_type: String,
    /// Address type.
    pub addr_type: AddrType,
    /// Unicast address (host name or literal).
    pub address: String,
    /// Source port; recommended but optional.
    pub port: Option<u16>,
}

impl fmt::Display for LegacyAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.net_type, self.addr_type, self.address)?;
        if let Some(port) = self.port {
            write!(f, " {port}")?;
        }
        Ok(())
    }
}

/// Legacy `a=direction:<role> [<source-address>]` (comedia-04 §4).
///
/// The grammar allows a source after any role; the prose forbids one after
/// `passive`, which senders must respect but the parser does not enforce.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LegacyDirection {
    /// Who initiates the connection.
    pub role: LegacyRole,
    /// Where the connection will originate from, if given.
    pub address: Option<LegacyAddress>,
}

impl fmt::Display for LegacyDirection {
    /// Writes the attribute value, e.g. `active IN IP4 10.1.1.1 1892`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.role)?;
        if let Some(address) = &self.address {
            write!(f, " {address}")?;
        }
        Ok(())
    }
}

impl FromStr for LegacyDirection {
    type Err = ParseErrorKind;

    /// Parses the attribute value (after `direction:`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| ParseErrorKind::BadAttribute {
            name: "direction",
            reason,
        };
        let fields: Vec<&str> = s.split_ascii_whitespace().collect();
        let Some((role, source)) = fields.split_first() else {
            return Err(bad("missing role"));
        };
        let role = role.parse()?;
        let address = match *source {
            [] => None,
            [net, addr, address, ref port @ ..] if port.len() <= 1 => {
                let port = match port.first().map(|p| digits::<u16>(p)) {
                    None => None,
                    Some(Number::Ok(p)) => Some(p),
                    Some(_) => return Err(bad("source port is not a number")),
                };
                let source = Connection::from_parts(net, addr, address).map_err(bad)?;
                Some(LegacyAddress {
                    net_type: source.net_type,
                    addr_type: source.addr_type,
                    address: source.address,
                    port,
                })
            }
            _ => return Err(bad("expected role [nettype addrtype address [port]]")),
        };
        Ok(Self { role, address })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_is_case_insensitive_and_writes_lowercase() {
        assert_eq!("ActPass".parse::<Setup>(), Ok(Setup::ActPass));
        assert_eq!("holdconn".parse::<Setup>(), Ok(Setup::HoldConn));
        assert_eq!(Setup::ActPass.to_string(), "actpass");
        assert_eq!(
            "sideways".parse::<Setup>(),
            Err(ParseErrorKind::BadAttribute {
                name: "setup",
                reason: "unknown role"
            })
        );
    }

    #[test]
    fn connection_mode() {
        assert_eq!(
            "EXISTING".parse::<ConnectionMode>(),
            Ok(ConnectionMode::Existing)
        );
        assert_eq!(ConnectionMode::New.to_string(), "new");
        assert!("old".parse::<ConnectionMode>().is_err());
    }

    #[test]
    fn direction_forms() {
        let d: LegacyDirection = "both".parse().unwrap();
        assert_eq!(d.role, LegacyRole::Both);
        assert_eq!(d.address, None);

        let d: LegacyDirection = "active IN IP4 10.1.1.1 1892".parse().unwrap();
        assert_eq!(d.role, LegacyRole::Active);
        let a = d.address.as_ref().unwrap();
        assert_eq!(a.net_type, "IN");
        assert_eq!(a.addr_type, AddrType::Ip4);
        assert_eq!(a.address, "10.1.1.1");
        assert_eq!(a.port, Some(1892));
        assert_eq!(d.to_string(), "active IN IP4 10.1.1.1 1892");

        let d: LegacyDirection = "both IN IP6 ::1".parse().unwrap();
        assert_eq!(d.address.as_ref().unwrap().port, None);
        assert_eq!(d.to_string(), "both IN IP6 ::1");
    }

    #[test]
    fn direction_rejects_malformed() {
        for bad in [
            "",
            "sideways",
            "active IN",
            "active IN IP4 h x",
            "active IN IP4 h 1 2",
        ] {
            assert!(bad.parse::<LegacyDirection>().is_err(), "{bad:?}");
        }
    }
}
