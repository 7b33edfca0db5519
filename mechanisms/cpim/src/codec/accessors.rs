//! Typed accessors over [`CpimMessage`] meta-data headers (RFC 3862 §4, cpimmsg-sessions §3).

use time::OffsetDateTime;

use super::datetime::parse_date_time;
use super::{Address, CpimError, CpimMessage, Header, Namespace};

/// A Subject header: text with its optional `;lang=` tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject {
    /// Language tag (RFC 3066), if given.
    pub lang: Option<String>,
    /// Subject text.
    pub text: String,
}

impl CpimMessage {
    /// Meta-data headers whose name (without parameters) is `name`, ignoring ASCII case.
    pub fn meta_headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Header> + 'a {
        self.meta.iter().filter(move |h| h.is(name))
    }

    /// The first meta-data header value named `name`.
    pub fn meta_value(&self, name: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|h| h.is(name))
            .map(|h| h.value.as_str())
    }

    /// The first From header.
    pub fn from(&self) -> Result<Option<Address>, CpimError> {
        self.meta
            .iter()
            .find(|h| h.is("From"))
            .map(address)
            .transpose()
    }

    /// All To headers, in order.
    pub fn to(&self) -> Result<Vec<Address>, CpimError> {
        self.meta_headers("To").map(address).collect()
    }

    /// All cc headers, in order.
    pub fn cc(&self) -> Result<Vec<Address>, CpimError> {
        self.meta_headers("cc").map(address).collect()
    }

    /// The first DateTime header, parsed as RFC 3339.
    pub fn date_time(&self) -> Result<Option<OffsetDateTime>, CpimError> {
        self.meta_value("DateTime")
            .map(|v| parse_date_time(v).ok_or_else(|| CpimError::BadDateTime { value: v.into() }))
            .transpose()
    }

    /// All Subject headers with their language tags.
    pub fn subjects(&self) -> Vec<Subject> {
        self.meta_headers("Subject")
            .map(|h| Subject {
                lang: h.param("lang").map(str::to_owned),
                text: h.value.to_string(),
            })
            .collect()
    }

    /// The first MsgID header (cpimmsg-sessions §3).
    pub fn msg_id(&self) -> Option<&str> {
        self.meta_value("MsgID")
    }

    /// All NS declarations, in order.
    pub fn namespaces(&self) -> Result<Vec<Namespace>, CpimError> {
        self.meta_headers("NS")
            .map(|h| {
                Namespace::parse(&h.value).ok_or_else(|| CpimError::BadNamespace {
                    value: h.value.to_string(),
                })
            })
            .collect()
    }

    /// Header names listed in all Require headers (comma separated, whitespace trimmed).
    pub fn require(&self) -> Vec<String> {
        self.meta_headers("Require")
            .flat_map(|h| h.value.split(','))
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The first inner Content-Type value, surrounding whitespace trimmed.
    pub fn content_type(&self) -> Option<&str> {
        self.content
            .iter()
            .find(|h| h.is("Content-Type"))
            .map(|h| h.value.trim())
    }
}

fn address(h: &Header) -> Result<Address, CpimError> {
    Address::parse(&h.value).ok_or_else(|| CpimError::BadAddress {
        header: h.base_name().to_owned(),
        value: h.value.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(meta: &[(&str, &str)]) -> CpimMessage {
        let mut m = CpimMessage::new("text/plain", "x");
        m.meta = meta.iter().map(|(n, v)| Header::new(*n, *v)).collect();
        m
    }

    #[test]
    fn typed_values() {
        let m = msg(&[
            ("From", "Me <im:me@x>"),
            ("To", "<im:a@x>"),
            ("To", "B <im:b@x>"),
            ("cc", "<im:c@x>"),
            ("DateTime", "2000-12-13T13:40:00-08:00"),
            ("Subject", "plain"),
            ("Subject;lang=fr", "français"),
            ("MsgID", "7"),
            ("NS", "<urn:default>"),
            ("Require", "A.b, C"),
            ("Require", "D"),
        ]);
        assert_eq!(
            m.from().unwrap().unwrap().display_name.as_deref(),
            Some("Me")
        );
        assert_eq!(m.to().unwrap().len(), 2);
        assert_eq!(m.cc().unwrap()[0].uri, "im:c@x");
        assert_eq!(m.date_time().unwrap().unwrap().offset().whole_hours(), -8);
        assert_eq!(
            m.subjects()[1],
            Subject {
                lang: Some("fr".into()),
                text: "français".into()
            }
        );
        assert_eq!(m.msg_id(), Some("7"));
        assert_eq!(m.namespaces().unwrap()[0].prefix, None);
        assert_eq!(m.require(), ["A.b", "C", "D"]);
        assert_eq!(m.content_type(), Some("text/plain"));
    }

    #[test]
    fn errors_name_header() {
        let m = msg(&[
            ("From", "nobody"),
            ("cc", "x"),
            ("DateTime", "noon"),
            ("NS", "a b <u:x>"),
        ]);
        assert_eq!(
            m.from(),
            Err(CpimError::BadAddress {
                header: "From".into(),
                value: "nobody".into()
            })
        );
        assert!(m.cc().unwrap_err().to_string().contains("cc"));
        assert!(matches!(m.date_time(), Err(CpimError::BadDateTime { .. })));
        assert!(matches!(
            m.namespaces(),
            Err(CpimError::BadNamespace { .. })
        ));
        assert_eq!(msg(&[]).from(), Ok(None));
    }
}
