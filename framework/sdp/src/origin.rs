//! `o=` origin (RFC 4566 §5.2).

use std::fmt;
use std::str::FromStr;

use crate::connection::Connection;
use crate::error::ParseErrorKind;
use crate::syntax::{is_digits, is_non_ws};

/// The originator of the session and the session identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// User name on the originating host, `-` if none.
    pub username: String,
    /// Numeric session identifier (kept as written; may exceed 64 bits).
    pub session_id: String,
    /// Numeric session version (kept as written).
    pub session_version: String,
    /// Network type, address type and unicast address of the originating host.
    pub address: Connection,
}

impl Origin {
    /// An origin whose version equals `session_id`.
    pub fn new(username: impl Into<String>, session_id: u64, address: Connection) -> Self {
        Self {
            username: username.into(),
            session_id: session_id.to_string(),
            session_version: session_id.to_string(),
            address,
        }
    }
}

impl fmt::Display for Origin {
    /// Writes the value of an `o=` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.username, self.session_id, self.session_version, self.address
        )
    }
}

impl FromStr for Origin {
    type Err = ParseErrorKind;

    /// Parses the value of an `o=` line (without `o=`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| ParseErrorKind::BadOrigin { reason };
        let fields: Vec<&str> = s.split_ascii_whitespace().collect();
        let [username, id, version, net, addr, address] = fields[..] else {
            return Err(bad("expected 6 fields"));
        };
        if !is_non_ws(username) {
            return Err(bad("bad username"));
        }
        if !is_digits(id) {
            return Err(bad("session id is not a number"));
        }
        if !is_digits(version) {
            return Err(bad("session version is not a number"));
        }
        let address = Connection::from_parts(net, addr, address).map_err(bad)?;
        Ok(Self {
            username: username.to_owned(),
            session_id: id.to_owned(),
            session_version: version.to_owned(),
            address,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let text = "jdoe 2890844526 2890842807 IN IP4 10.47.16.5";
        let o: Origin = text.parse().unwrap();
        assert_eq!(o.username, "jdoe");
        assert_eq!(o.session_id, "2890844526");
        assert_eq!(o.session_version, "2890842807");
        assert_eq!(o.address, Connection::ip4("10.47.16.5"));
        assert_eq!(o.to_string(), text);
    }

    #[test]
    fn new_sets_version_to_id() {
        let o = Origin::new("-", 42, Connection::ip6("::1"));
        assert_eq!(o.to_string(), "- 42 42 IN IP6 ::1");
    }

    #[test]
    fn rejects_bad_fields() {
        let err = |s: &str| s.parse::<Origin>().unwrap_err();
        assert_eq!(
            err("jdoe x 1 IN IP4 h"),
            ParseErrorKind::BadOrigin {
                reason: "session id is not a number"
            }
        );
        assert_eq!(
            err("jdoe 1 v2 IN IP4 h"),
            ParseErrorKind::BadOrigin {
                reason: "session version is not a number"
            }
        );
        assert_eq!(
            err("jdoe 1 1 IN IP4"),
            ParseErrorKind::BadOrigin {
                reason: "expected 6 fields"
            }
        );
    }
}
