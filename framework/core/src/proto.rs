//! [`ProtoToken`]: the SDP m-line proto field that names a session mechanism and a transport.

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::error::ProtoError;

/// Longest proto token accepted, in bytes.
pub const MAX_PROTO_LEN: usize = 64;

/// Transport names that, when they open a proto token, mean the token is written
/// transport-first (`TCP/MSRP`, `TCP/TLS/MSRP`) rather than mechanism-first (`cpim/tcp`).
pub const TRANSPORT_FIRST_NAMES: &[&str] = &["tcp", "udp", "sctp", "ws", "wss", "dccp"];

/// Which part of the token comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProtoOrder {
    /// `mechanism/transport`, as `cpim/tcp` (im-sessions-00 §4.1).
    MechanismFirst,
    /// `transport/mechanism`, as `TCP/MSRP` or `TCP/TLS/MSRP` (RFC 4975).
    TransportFirst,
}

/// A validated SDP proto token such as `cpim/tcp` or `TCP/TLS/MSRP`.
///
/// Tokens compare and hash case-insensitively and keep the spelling they were built with.
/// A token knows its mechanism part and its transport part in either order.
///
/// ```
/// use imsession::ProtoToken;
/// let p: ProtoToken = "CPIM/TCP".parse().unwrap();
/// assert_eq!(p, ProtoToken::mechanism_first("cpim", "tcp").unwrap());
/// assert_eq!((p.mechanism(), p.transport()), ("CPIM", "TCP"));
/// let m: ProtoToken = "TCP/TLS/MSRP".parse().unwrap();
/// assert_eq!((m.mechanism(), m.transport()), ("MSRP", "TCP/TLS"));
/// ```
#[derive(Clone, Debug)]
pub struct ProtoToken {
    text: String,
    order: ProtoOrder,
    /// Byte index of the `/` that separates the mechanism from the transport.
    split: usize,
}

impl ProtoToken {
    /// Builds `mechanism/transport` (for example `cpim/tcp`).
    pub fn mechanism_first(mechanism: &str, transport: &str) -> Result<Self, ProtoError> {
        let text = format!("{mechanism}/{transport}");
        validate(&text)?;
        Ok(Self {
            split: mechanism.len(),
            text,
            order: ProtoOrder::MechanismFirst,
        })
    }

    /// Builds `transport/mechanism` (for example `TCP/TLS/MSRP`).
    pub fn transport_first(transport: &str, mechanism: &str) -> Result<Self, ProtoError> {
        let text = format!("{transport}/{mechanism}");
        validate(&text)?;
        Ok(Self {
            split: transport.len(),
            text,
            order: ProtoOrder::TransportFirst,
        })
    }

    /// Parses a token read from an m-line.
    ///
    /// The order is inferred: a token whose first part is a network transport name listed in
    /// [`TRANSPORT_FIRST_NAMES`] is transport-first and its last part is the mechanism;
    /// any other token is mechanism-first and its first part is the mechanism.
    /// Negotiation itself never relies on this inference: it compares whole tokens built by
    /// each mechanism with [`crate::SessionMechanism::proto`].
    pub fn parse(text: &str) -> Result<Self, ProtoError> {
        validate(text)?;
        let Some(first_slash) = text.find('/') else {
            return Err(ProtoError::MissingSlash(text.to_owned()));
        };
        let first = &text[..first_slash];
        if TRANSPORT_FIRST_NAMES
            .iter()
            .any(|t| t.eq_ignore_ascii_case(first))
        {
            let last_slash = text.rfind('/').unwrap_or(first_slash);
            Ok(Self {
                text: text.to_owned(),
                order: ProtoOrder::TransportFirst,
                split: last_slash,
            })
        } else {
            Ok(Self {
                text: text.to_owned(),
                order: ProtoOrder::MechanismFirst,
                split: first_slash,
            })
        }
    }

    /// The token as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Which part comes first.
    pub fn order(&self) -> ProtoOrder {
        self.order
    }

    /// The mechanism part (`cpim`, `MSRP`).
    pub fn mechanism(&self) -> &str {
        match self.order {
            ProtoOrder::MechanismFirst => &self.text[..self.split],
            ProtoOrder::TransportFirst => &self.text[self.split + 1..],
        }
    }

    /// The transport part (`tcp`, `TCP/TLS`).
    pub fn transport(&self) -> &str {
        match self.order {
            ProtoOrder::MechanismFirst => &self.text[self.split + 1..],
            ProtoOrder::TransportFirst => &self.text[..self.split],
        }
    }
}

fn validate(text: &str) -> Result<(), ProtoError> {
    if text.len() > MAX_PROTO_LEN {
        return Err(ProtoError::TooLong(text.len()));
    }
    for part in text.split('/') {
        if part.is_empty() {
            return Err(ProtoError::EmptyPart(text.to_owned()));
        }
        if let Some(c) = part.chars().find(|c| !is_token_char(*c)) {
            return Err(ProtoError::BadChar {
                token: text.to_owned(),
                found: c,
            });
        }
    }
    if !text.contains('/') {
        return Err(ProtoError::MissingSlash(text.to_owned()));
    }
    Ok(())
}

/// RFC 4566 `token-char`.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`{|}~".contains(c)
}

impl PartialEq for ProtoToken {
    fn eq(&self, other: &Self) -> bool {
        self.text.eq_ignore_ascii_case(&other.text)
    }
}

impl Eq for ProtoToken {}

impl Hash for ProtoToken {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.text.bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl PartialEq<str> for ProtoToken {
    fn eq(&self, other: &str) -> bool {
        self.text.eq_ignore_ascii_case(other)
    }
}

impl fmt::Display for ProtoToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for ProtoToken {
    type Err = ProtoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_in_either_order() {
        let p = ProtoToken::parse("cpim/tcp").unwrap();
        assert_eq!((p.mechanism(), p.transport()), ("cpim", "tcp"));
        let p = ProtoToken::parse("TCP/MSRP").unwrap();
        assert_eq!((p.mechanism(), p.transport()), ("MSRP", "TCP"));
        let p = ProtoToken::parse("TCP/TLS/MSRP").unwrap();
        assert_eq!((p.mechanism(), p.transport()), ("MSRP", "TCP/TLS"));
        let p = ProtoToken::transport_first("TCP/TLS", "MSRP").unwrap();
        assert_eq!((p.mechanism(), p.transport()), ("MSRP", "TCP/TLS"));
    }

    #[test]
    fn case_insensitive_equality_and_hash() {
        use std::collections::HashSet;
        let a = ProtoToken::parse("CPIM/Tcp").unwrap();
        let b = ProtoToken::mechanism_first("cpim", "tcp").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "CPIM/Tcp");
        let set: HashSet<_> = [a].into_iter().collect();
        assert!(set.contains(&b));
    }

    #[test]
    fn rejects_bad_tokens() {
        assert!(matches!(
            ProtoToken::parse("cpim"),
            Err(ProtoError::MissingSlash(_))
        ));
        assert!(matches!(
            ProtoToken::parse("cpim//tcp"),
            Err(ProtoError::EmptyPart(_))
        ));
        assert!(matches!(
            ProtoToken::parse("cp im/tcp"),
            Err(ProtoError::BadChar { found: ' ', .. })
        ));
        assert!(matches!(
            ProtoToken::parse(&"a/".repeat(40)),
            Err(ProtoError::TooLong(_))
        ));
    }
}
