//! [`Header`]: one header line, name with its parameters, value unescaped.

use crate::shared_str::SharedStr;

/// One header line.
///
/// `name` is the header name as written before the colon followed by any `;param=value`
/// parameters (for CPIM meta-data headers the parameters follow the colon on the wire,
/// RFC 3862 §3.3: the line `Subject:;lang=fr Objet` has name `"Subject;lang=fr"` and value
/// `"Objet"`). A namespace prefix is part of the name (`"MyFeatures.VitalMessageOption"`).
/// `value` is unescaped; mechanisms escape it on the wire as their format requires.
///
/// Name and value are [`SharedStr`]s: a received header's name and value are usually slices
/// of the received frame, not copies, and cloning a header allocates nothing. Both deref to
/// `str` and compare equal to `&str` and `String`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Header {
    /// Header name, with NS prefix and `;param=value` parameters.
    pub name: SharedStr,
    /// Header value, unescaped.
    pub value: SharedStr,
}

impl Header {
    /// Creates a header.
    pub fn new(name: impl Into<SharedStr>, value: impl Into<SharedStr>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }

    /// Whether the name without parameters equals `name`, ignoring ASCII case.
    ///
    /// (RFC 3862 says CPIM header names match exactly; this comparison is deliberately lenient.)
    pub fn is(&self, name: &str) -> bool {
        // Byte comparisons only: this runs several times per received message.
        // Cheapest test first: most calls compare names of different lengths.
        let (own, want) = (self.name.as_bytes(), name.as_bytes());
        own.get(want.len()).is_none_or(|&b| b == b';')
            && own.len() >= want.len()
            && own[..want.len()].eq_ignore_ascii_case(want)
            && want.iter().all(|&b| b != b';')
    }

    /// The name without parameters (NS prefix included).
    pub fn base_name(&self) -> &str {
        let end = self.name.bytes().position(|b| b == b';');
        &self.name[..end.unwrap_or(self.name.len())]
    }

    /// The namespace prefix of the name, if any (`"MyFeatures"` for `MyFeatures.Option`).
    pub fn prefix(&self) -> Option<&str> {
        self.base_name().split_once('.').map(|(p, _)| p)
    }

    /// The value of parameter `p` (ASCII case-insensitive name), surrounding double quotes
    /// removed; escape sequences inside a quoted parameter are not undone.
    pub fn param(&self, p: &str) -> Option<&str> {
        self.params()
            .find(|(n, _)| n.eq_ignore_ascii_case(p))
            .map(|(_, v)| v)
    }

    /// All `(name, value)` parameters in order, values as returned by [`Header::param`].
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        ParamIter {
            rest: &self.name[self.base_name().len()..],
        }
    }
}

/// Iterates `;name=value` parameters, honouring quoted strings.
struct ParamIter<'a> {
    rest: &'a str,
}

impl<'a> Iterator for ParamIter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let body = self.rest.strip_prefix(';')?;
        let end = param_end(body.as_bytes());
        let (param, rest) = body.split_at(end);
        self.rest = rest;
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Some((name, value))
    }
}

/// Length of a parameter up to (not including) the next unquoted `;`.
fn param_end(b: &[u8]) -> usize {
    let mut quoted = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if quoted => i += 1,
            b'"' => quoted = !quoted,
            b';' if !quoted => return i,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::Header;

    #[test]
    fn names_match_without_parameters_ignoring_case() {
        let h = Header::new("Subject;lang=fr", "x");
        assert!(h.is("subject") && h.is("SUBJECT"));
        assert!(!h.is("Subj") && !h.is("Subjects") && !h.is("Subject;lang=fr"));
        assert_eq!(h.base_name(), "Subject");
        let plain = Header::new("To", "<im:a@x>");
        assert!(plain.is("to") && !plain.is("T") && !plain.is("Top") && !plain.is(""));
        assert_eq!(plain.base_name(), "To");
        assert!(Header::new("", "v").is(""));
    }
}
