//! `a=` attributes: the typed ones used by message sessions, and any other
//! attribute kept verbatim.

use std::fmt;
use std::str::FromStr;

use crate::comedia::{ConnectionMode, LegacyDirection, Setup};
use crate::error::ParseErrorKind;
use crate::fingerprint::Fingerprint;
use crate::syntax::{Number, digits, is_token};

/// Media direction property attributes (RFC 4566 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaDirection {
    /// `a=sendrecv`.
    SendRecv,
    /// `a=sendonly`.
    SendOnly,
    /// `a=recvonly`.
    RecvOnly,
    /// `a=inactive`.
    Inactive,
}

impl MediaDirection {
    /// The attribute name, e.g. `"sendrecv"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SendRecv => "sendrecv",
            Self::SendOnly => "sendonly",
            Self::RecvOnly => "recvonly",
            Self::Inactive => "inactive",
        }
    }
}

impl fmt::Display for MediaDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `a=` attribute (written without the `a=` prefix by `Display`).
///
/// Known names are recognised case-insensitively when parsing; an `Other`
/// whose name is a known one will parse back as the typed variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Attribute {
    /// `a=setup:<role>` (RFC 4145).
    Setup(Setup),
    /// `a=connection:new|existing` (RFC 4145).
    Connection(ConnectionMode),
    /// Legacy `a=direction:<role> [<source>]` (comedia-04).
    Direction(LegacyDirection),
    /// `a=uri:<uri>`.
    Uri(String),
    /// `a=path:<uri> ...`: MSRP URIs, space separated.
    Path(Vec<String>),
    /// `a=accept-types:<type> ...`: media types or `*`.
    AcceptTypes(Vec<String>),
    /// `a=accept-wrapped-types:<type> ...`.
    AcceptWrappedTypes(Vec<String>),
    /// `a=max-size:<octets>`.
    MaxSize(u64),
    /// `a=fingerprint:<hash> <hex>`.
    Fingerprint(Fingerprint),
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly` or `a=inactive`.
    Mode(MediaDirection),
    /// Any other attribute, kept verbatim.
    Other {
        /// Attribute name (`att-field`).
        name: String,
        /// `None` for a property attribute (`a=foo`), else the text after the first `:`.
        value: Option<String>,
    },
}

impl Attribute {
    /// The attribute name: `"setup"`, `"uri"`, ..., `"sendrecv"`, or the `Other` name.
    pub fn name(&self) -> &str {
        match self {
            Self::Setup(_) => "setup",
            Self::Connection(_) => "connection",
            Self::Direction(_) => "direction",
            Self::Uri(_) => "uri",
            Self::Path(_) => "path",
            Self::AcceptTypes(_) => "accept-types",
            Self::AcceptWrappedTypes(_) => "accept-wrapped-types",
            Self::MaxSize(_) => "max-size",
            Self::Fingerprint(_) => "fingerprint",
            Self::Mode(m) => m.as_str(),
            Self::Other { name, .. } => name,
        }
    }

    /// Parses a known attribute's value, or keeps an unknown one verbatim.
    fn from_parts(name: &str, value: Option<&str>) -> Result<Self, ParseErrorKind> {
        let lower = name.to_ascii_lowercase();
        let mode = match lower.as_str() {
            "sendrecv" => Some(MediaDirection::SendRecv),
            "sendonly" => Some(MediaDirection::SendOnly),
            "recvonly" => Some(MediaDirection::RecvOnly),
            "inactive" => Some(MediaDirection::Inactive),
            _ => None,
        };
        if let Some(mode) = mode {
            return match value {
                None => Ok(Self::Mode(mode)),
                Some(_) => Err(ParseErrorKind::BadAttribute {
                    name: mode.as_str(),
                    reason: "takes no value",
                }),
            };
        }
        let known: &'static str = match lower.as_str() {
            "setup" => "setup",
            "connection" => "connection",
            "direction" => "direction",
            "uri" => "uri",
            "path" => "path",
            "accept-types" => "accept-types",
            "accept-wrapped-types" => "accept-wrapped-types",
            "max-size" => "max-size",
            "fingerprint" => "fingerprint",
            _ => {
                return Ok(Self::Other {
                    name: name.to_owned(),
                    value: value.map(str::to_owned),
                });
            }
        };
        let bad = |reason| ParseErrorKind::BadAttribute {
            name: known,
            reason,
        };
        let value = value.ok_or(bad("missing value"))?.trim_matches([' ', '\t']);
        Ok(match known {
            "setup" => Self::Setup(value.parse()?),
            "connection" => Self::Connection(value.parse()?),
            "direction" => Self::Direction(value.parse()?),
            "uri" => {
                if value.is_empty() || value.contains([' ', '\t']) {
                    return Err(bad("expected one uri"));
                }
                Self::Uri(value.to_owned())
            }
            "path" => Self::Path(list(value).ok_or(bad("expected one or more uris"))?),
            "accept-types" | "accept-wrapped-types" => {
                let types = list(value).ok_or(bad("expected one or more media types"))?;
                if !types.iter().all(|t| is_format_entry(t)) {
                    return Err(bad("expected type/subtype or *"));
                }
                if known == "accept-types" {
                    Self::AcceptTypes(types)
                } else {
                    Self::AcceptWrappedTypes(types)
                }
            }
            "max-size" => match digits(value) {
                Number::Ok(n) => Self::MaxSize(n),
                Number::TooLarge => return Err(bad("too large")),
                Number::Invalid => return Err(bad("not a number")),
            },
            _ => Self::Fingerprint(value.parse()?),
        })
    }
}

/// Splits a space-separated list; `None` if empty.
fn list(value: &str) -> Option<Vec<String>> {
    let items: Vec<String> = value.split_ascii_whitespace().map(str::to_owned).collect();
    (!items.is_empty()).then_some(items)
}

/// `format-entry` of message-sessions §8.6: `*` or `type/subtype` (subtype
/// may be `*`), optionally followed by `;param=value` parameters.
fn is_format_entry(entry: &str) -> bool {
    if entry == "*" {
        return true;
    }
    let mime = entry.split(';').next().unwrap_or_default();
    mime.split_once('/')
        .is_some_and(|(ty, sub)| is_token(ty) && (sub == "*" || is_token(sub)))
}

impl fmt::Display for Attribute {
    /// Writes `name` or `name:value`, without `a=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name();
        match self {
            Self::Setup(v) => write!(f, "{name}:{v}"),
            Self::Connection(v) => write!(f, "{name}:{v}"),
            Self::Direction(v) => write!(f, "{name}:{v}"),
            Self::Uri(v) => write!(f, "{name}:{v}"),
            Self::Path(v) | Self::AcceptTypes(v) | Self::AcceptWrappedTypes(v) => {
                write!(f, "{name}:{}", v.join(" "))
            }
            Self::MaxSize(v) => write!(f, "{name}:{v}"),
            Self::Fingerprint(v) => write!(f, "{name}:{v}"),
            Self::Mode(_) | Self::Other { value: None, .. } => f.write_str(name),
            Self::Other { value: Some(v), .. } => write!(f, "{name}:{v}"),
        }
    }
}

impl FromStr for Attribute {
    type Err = ParseErrorKind;

    /// Parses `name` or `name:value` (the text after `a=`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, value) = match s.split_once(':') {
            Some((name, value)) => (name, Some(value)),
            None => (s, None),
        };
        if !is_token(name) {
            return Err(ParseErrorKind::MalformedAttribute {
                reason: "name is not a token",
            });
        }
        Self::from_parts(name, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comedia::LegacyRole;
    use crate::fingerprint::HashFunction;

    fn parse(s: &str) -> Attribute {
        s.parse().unwrap()
    }

    #[test]
    fn typed_values() {
        assert_eq!(parse("setup:passive"), Attribute::Setup(Setup::Passive));
        assert_eq!(parse("SETUP:passive"), Attribute::Setup(Setup::Passive));
        assert_eq!(
            parse("connection:new"),
            Attribute::Connection(ConnectionMode::New)
        );
        assert_eq!(
            parse("direction:both"),
            Attribute::Direction(LegacyDirection {
                role: LegacyRole::Both,
                address: None
            })
        );
        assert_eq!(
            parse("uri:im:2s93i9@alice.example.com"),
            Attribute::Uri("im:2s93i9@alice.example.com".into())
        );
        assert_eq!(
            parse("path:msrp://a:1/x;tcp msrp://b:2/y;tcp"),
            Attribute::Path(vec!["msrp://a:1/x;tcp".into(), "msrp://b:2/y;tcp".into()])
        );
        assert_eq!(
            parse("accept-types: message/cpim text/plain text/*;charset=utf-8"),
            Attribute::AcceptTypes(vec![
                "message/cpim".into(),
                "text/plain".into(),
                "text/*;charset=utf-8".into()
            ])
        );
        assert_eq!(
            parse("accept-wrapped-types:*"),
            Attribute::AcceptWrappedTypes(vec!["*".into()])
        );
        assert_eq!(parse("max-size:2048"), Attribute::MaxSize(2048));
        assert_eq!(
            parse("fingerprint:sha-1 00:FF"),
            Attribute::Fingerprint(Fingerprint::new(HashFunction::Sha1, vec![0, 255]))
        );
        assert_eq!(parse("recvonly"), Attribute::Mode(MediaDirection::RecvOnly));
    }

    #[test]
    fn other_kept_verbatim() {
        let a = parse("X-Foo: some value:with colons ");
        assert_eq!(
            a,
            Attribute::Other {
                name: "X-Foo".into(),
                value: Some(" some value:with colons ".into())
            }
        );
        assert_eq!(a.to_string(), "X-Foo: some value:with colons ");
        assert_eq!(a.name(), "X-Foo");
        let p = parse("rtcp-mux");
        assert_eq!(p.to_string(), "rtcp-mux");
        assert_eq!(parse("empty:").to_string(), "empty:");
    }

    #[test]
    fn display_writes_name_and_value() {
        assert_eq!(
            Attribute::Setup(Setup::ActPass).to_string(),
            "setup:actpass"
        );
        assert_eq!(Attribute::MaxSize(7).to_string(), "max-size:7");
        assert_eq!(
            Attribute::Mode(MediaDirection::SendOnly).to_string(),
            "sendonly"
        );
        assert_eq!(
            Attribute::AcceptTypes(vec!["a/b".into(), "*".into()]).to_string(),
            "accept-types:a/b *"
        );
    }

    #[test]
    fn malformed_known_values_are_errors() {
        let cases = [
            ("setup:sideways", "setup"),
            ("setup", "setup"),
            ("connection:maybe", "connection"),
            ("direction:", "direction"),
            ("uri:", "uri"),
            ("uri:a b", "uri"),
            ("path:", "path"),
            ("accept-types:plain", "accept-types"),
            ("accept-wrapped-types:", "accept-wrapped-types"),
            ("max-size:abc", "max-size"),
            ("max-size:-1", "max-size"),
            ("max-size:99999999999999999999999", "max-size"),
            ("fingerprint:sha-1 XY", "fingerprint"),
            ("sendrecv:x", "sendrecv"),
        ];
        for (text, name) in cases {
            match text.parse::<Attribute>() {
                Err(ParseErrorKind::BadAttribute { name: n, .. }) => assert_eq!(n, name, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(
            ":x".parse::<Attribute>(),
            Err(ParseErrorKind::MalformedAttribute { .. })
        ));
    }
}
