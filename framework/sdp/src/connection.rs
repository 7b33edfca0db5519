//! `c=` connection data (RFC 4566 §5.7), also used for the address of `o=`.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::error::ParseErrorKind;
use crate::syntax::{is_non_ws, is_token};

/// Address type of a connection or origin (`addrtype`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddrType {
    /// `IP4`.
    Ip4,
    /// `IP6`.
    Ip6,
    /// Any other token, kept as written.
    Other(String),
}

impl AddrType {
    /// The token as written in SDP (`"IP4"`, `"IP6"` or the other token).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Ip4 => "IP4",
            Self::Ip6 => "IP6",
            Self::Other(s) => s,
        }
    }

    /// Reads a token; `IP4`/`IP6` are matched case-insensitively.
    fn from_token(s: &str) -> Self {
        if s.eq_ignore_ascii_case("IP4") {
            Self::Ip4
        } else if s.eq_ignore_ascii_case("IP6") {
            Self::Ip6
        } else {
            Self::Other(s.to_owned())
        }
    }
}

impl fmt::Display for AddrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Connection data: `<nettype> <addrtype> <connection-address>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Connection {
    /// Network type, normally `IN`.
    pub net_type: String,
    /// Address type.
    pub addr_type: AddrType,
    /// Host name or literal address, with any `/ttl` or `/count` suffix as written.
    pub address: String,
}

impl Connection {
    /// `IN IP4 <host>`.
    pub fn ip4(host: impl Into<String>) -> Self {
        Self {
            net_type: "IN".to_owned(),
            addr_type: AddrType::Ip4,
            address: host.into(),
        }
    }

    /// `IN IP6 <host>`.
    pub fn ip6(host: impl Into<String>) -> Self {
        Self {
            net_type: "IN".to_owned(),
            addr_type: AddrType::Ip6,
            address: host.into(),
        }
    }

    /// `IN IP4` or `IN IP6` with the literal address.
    pub fn from_ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::ip4(v4.to_string()),
            IpAddr::V6(v6) => Self::ip6(v6.to_string()),
        }
    }

    /// The address without any `/ttl` or `/count` suffix.
    pub fn host(&self) -> &str {
        self.address
            .split_once('/')
            .map_or(self.address.as_str(), |(host, _)| host)
    }

    /// Builds a connection from its three fields, or says what is wrong.
    pub(crate) fn from_parts(
        net_type: &str,
        addr_type: &str,
        address: &str,
    ) -> Result<Self, &'static str> {
        if !is_token(net_type) {
            return Err("network type is not a token");
        }
        if !is_token(addr_type) {
            return Err("address type is not a token");
        }
        if !is_non_ws(address) {
            return Err("bad address");
        }
        Ok(Self {
            net_type: net_type.to_owned(),
            addr_type: AddrType::from_token(addr_type),
            address: address.to_owned(),
        })
    }
}

impl fmt::Display for Connection {
    /// Writes the value of a `c=` line, e.g. `IN IP4 host`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.net_type, self.addr_type, self.address)
    }
}

impl FromStr for Connection {
    type Err = ParseErrorKind;

    /// Parses the value of a `c=` line (without `c=`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| ParseErrorKind::BadConnection { reason };
        let fields: Vec<&str> = s.split_ascii_whitespace().collect();
        let [net, addr, address] = fields[..] else {
            return Err(bad("expected 3 fields"));
        };
        Self::from_parts(net, addr, address).map_err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes() {
        let c: Connection = "IN IP4 alice.example.com".parse().unwrap();
        assert_eq!(c, Connection::ip4("alice.example.com"));
        assert_eq!(c.to_string(), "IN IP4 alice.example.com");
        let c: Connection = "IN X25 0123".parse().unwrap();
        assert_eq!(c.addr_type, AddrType::Other("X25".into()));
        assert_eq!(c.to_string(), "IN X25 0123");
    }

    #[test]
    fn host_strips_ttl_and_count() {
        let c: Connection = "IN IP4 224.2.1.1/127/3".parse().unwrap();
        assert_eq!(c.host(), "224.2.1.1");
        assert_eq!(c.address, "224.2.1.1/127/3");
        assert_eq!(Connection::ip6("::1").host(), "::1");
    }

    #[test]
    fn from_ip() {
        let c = Connection::from_ip("2001:db8::1".parse().unwrap());
        assert_eq!(c.to_string(), "IN IP6 2001:db8::1");
        let c = Connection::from_ip("10.0.0.1".parse().unwrap());
        assert_eq!(c.to_string(), "IN IP4 10.0.0.1");
    }

    #[test]
    fn rejects_wrong_field_count() {
        assert_eq!(
            "IN IP4".parse::<Connection>(),
            Err(ParseErrorKind::BadConnection {
                reason: "expected 3 fields"
            })
        );
        assert!("IN IP4 a b".parse::<Connection>().is_err());
    }
}
