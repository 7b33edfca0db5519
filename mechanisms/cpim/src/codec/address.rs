//! `[Formal-name] "<" URI ">"` values (From, To, cc) and `[Name-prefix] "<" URI ">"` (NS).

use std::fmt;

use super::header::{is_name, is_name_char};

/// An address from a From, To or cc header: `Name <uri>` or `<uri>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// The Formal-name, quotes removed, if present.
    pub display_name: Option<String>,
    /// The URI between the angle brackets.
    pub uri: String,
}

impl Address {
    /// Creates an address.
    pub fn new(display_name: Option<String>, uri: impl Into<String>) -> Self {
        Self {
            display_name,
            uri: uri.into(),
        }
    }

    /// Parses an unescaped header value; `None` if it is not `[Formal-name] <URI>`.
    ///
    /// A quoted Formal-name (`"Pooh Bear" <im:pooh@x>`) has its delimiting quotes removed.
    pub fn parse(value: &str) -> Option<Self> {
        let (before, uri) = split_angle(value)?;
        let name = before.trim_end_matches(' ');
        let display_name = if name.is_empty() {
            None
        } else {
            let inner = name.strip_prefix('"').and_then(|n| n.strip_suffix('"'));
            Some(inner.unwrap_or(name).to_owned())
        };
        Some(Self {
            display_name,
            uri: uri.to_owned(),
        })
    }
}

impl fmt::Display for Address {
    /// Writes `Name <uri>`, quoting the name unless it is space-separated tokens, or `<uri>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.display_name {
            Some(n) if is_token_words(n) => write!(f, "{n} <{}>", self.uri),
            Some(n) => write!(f, "\"{n}\" <{}>", self.uri),
            None => write!(f, "<{}>", self.uri),
        }
    }
}

/// A namespace declaration from an NS header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Namespace {
    /// The declared prefix; `None` declares the default namespace.
    pub prefix: Option<String>,
    /// The namespace URI.
    pub uri: String,
}

impl Namespace {
    /// Parses an NS header value; `None` if it is not `[Name-prefix] <URI>`.
    pub fn parse(value: &str) -> Option<Self> {
        let (before, uri) = split_angle(value)?;
        let prefix = before.trim_end_matches(' ');
        let prefix = if prefix.is_empty() {
            None
        } else if is_name(prefix) {
            Some(prefix.to_owned())
        } else {
            return None;
        };
        Some(Self {
            prefix,
            uri: uri.to_owned(),
        })
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.prefix {
            Some(p) => write!(f, "{p} <{}>", self.uri),
            None => write!(f, "<{}>", self.uri),
        }
    }
}

/// The URI of an address header value, borrowed: `Some` exactly when [`Address::parse`]
/// succeeds, without building the [`Address`].
pub(crate) fn address_uri(value: &str) -> Option<&str> {
    split_angle(value).map(|(_, uri)| uri)
}

/// Splits `stuff <uri>` into `("stuff ", "uri")`; the URI must be non-empty, contain a colon
/// (absolute URI) and no whitespace or angle brackets.
fn split_angle(value: &str) -> Option<(&str, &str)> {
    let inner = value.strip_suffix('>')?;
    let open = inner.rfind('<')?;
    let uri = &inner[open + 1..];
    let scheme = uri.split_once(':')?.0;
    let ok = !scheme.is_empty()
        && !uri
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'>');
    ok.then_some((&inner[..open], uri))
}

/// `1*( Token SP )`-style names: non-empty words of token characters separated by single spaces.
fn is_token_words(n: &str) -> bool {
    !n.is_empty()
        && n.split(' ')
            .all(|w| !w.is_empty() && w.bytes().all(|b| is_name_char(b) || b == b'.' || b >= 0x80))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses() {
        let a = Address::parse("MR SANDERS <im:piglet@100akerwood.com>").unwrap();
        assert_eq!(a.display_name.as_deref(), Some("MR SANDERS"));
        assert_eq!(a.uri, "im:piglet@100akerwood.com");
        assert_eq!(a.to_string(), "MR SANDERS <im:piglet@100akerwood.com>");
        let a = Address::parse("<im:tigger@100akerwood.com>").unwrap();
        assert_eq!(a.display_name, None);
        assert_eq!(a.to_string(), "<im:tigger@100akerwood.com>");
        let a = Address::parse("\"Pooh, Bear\" <im:p@x>").unwrap();
        assert_eq!(a.display_name.as_deref(), Some("Pooh, Bear"));
        assert_eq!(a.to_string(), "\"Pooh, Bear\" <im:p@x>");
        for bad in [
            "im:x",
            "<>",
            "<nocolon>",
            "Name <im:a b>",
            "<im:x> trailing",
            "<:x>",
        ] {
            assert_eq!(Address::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_namespaces() {
        let n = Namespace::parse("MyFeatures <mid:MessageFeatures@id.foo.com>").unwrap();
        assert_eq!(n.prefix.as_deref(), Some("MyFeatures"));
        assert_eq!(n.to_string(), "MyFeatures <mid:MessageFeatures@id.foo.com>");
        let n = Namespace::parse("<http://id.acme.widgets/wily-headers/>").unwrap();
        assert_eq!(n.prefix, None);
        assert_eq!(Namespace::parse("two words <urn:x>"), None);
    }
}
