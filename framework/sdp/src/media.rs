//! A media description: the `m=` line and the lines that follow it.

use std::fmt;
use std::str::FromStr;

use crate::attribute::{Attribute, MediaDirection};
use crate::comedia::{ConnectionMode, LegacyDirection, Setup};
use crate::connection::Connection;
use crate::error::ParseErrorKind;
use crate::fingerprint::Fingerprint;
use crate::line::{Level, Line};
use crate::syntax::{Number, digits, is_non_ws, is_token};

/// One media description (`m=` section).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MediaDescription {
    /// Media type, e.g. `message` or `audio`.
    pub media: String,
    /// Transport port.
    pub port: u16,
    /// Number of ports, from `port/count`.
    pub port_count: Option<u32>,
    /// Transport protocol, e.g. `TCP/MSRP` or `cpim/tcp`.
    pub proto: String,
    /// Formats: payload types, MIME types such as `text/plain`, or `*`. At least one.
    pub formats: Vec<String>,
    lines: Vec<Line>,
}

impl MediaDescription {
    /// An `m=` line with no further lines.
    pub fn new(
        media: impl Into<String>,
        port: u16,
        proto: impl Into<String>,
        formats: Vec<String>,
    ) -> Self {
        Self {
            media: media.into(),
            port,
            port_count: None,
            proto: proto.into(),
            formats,
            lines: Vec::new(),
        }
    }

    /// The `i c b k a` and unknown lines after the `m=` line, in order.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Adds a line keeping the RFC 4566 media order (`i c b k a`): an `i=` or
    /// `k=` replaces an existing one, other known types go after the last line
    /// of their own or an earlier type, unknown types go at the end.
    ///
    /// Session-only types (`u e p t r z`) are appended as is and will make the
    /// written description unparsable.
    pub fn push_line(&mut self, line: Line) {
        Level::Media.place(&mut self.lines, line);
    }

    /// Appends a parsed line as is (the parser has checked the order).
    pub(crate) fn push_parsed(&mut self, line: Line) {
        self.lines.push(line);
    }

    /// The first media-level `c=`.
    pub fn connection(&self) -> Option<&Connection> {
        self.lines.iter().find_map(|l| match l {
            Line::Connection(c) => Some(c),
            _ => None,
        })
    }

    /// Replaces all media-level `c=` lines with `c`, placed after any `i=`.
    pub fn set_connection(&mut self, c: Connection) {
        self.lines.retain(|l| !matches!(l, Line::Connection(_)));
        self.push_line(Line::Connection(c));
    }

    /// The media-level attributes, in order.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.lines.iter().filter_map(|l| match l {
            Line::Attribute(a) => Some(a),
            _ => None,
        })
    }

    /// Appends an attribute after all existing lines.
    pub fn push_attribute(&mut self, a: Attribute) {
        self.lines.push(Line::Attribute(a));
    }

    /// Removes every attribute named `name` (case-insensitive).
    pub fn remove_attributes(&mut self, name: &str) {
        self.lines
            .retain(|l| !matches!(l, Line::Attribute(a) if a.name().eq_ignore_ascii_case(name)));
    }

    /// The first attribute named `name` (case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// First `a=setup`.
    pub fn setup(&self) -> Option<Setup> {
        self.attributes().find_map(|a| match a {
            Attribute::Setup(s) => Some(*s),
            _ => None,
        })
    }

    /// First `a=connection` (`new` or `existing`).
    pub fn connection_mode(&self) -> Option<ConnectionMode> {
        self.attributes().find_map(|a| match a {
            Attribute::Connection(c) => Some(*c),
            _ => None,
        })
    }

    /// First legacy `a=direction`.
    pub fn direction(&self) -> Option<&LegacyDirection> {
        self.attributes().find_map(|a| match a {
            Attribute::Direction(d) => Some(d),
            _ => None,
        })
    }

    /// First `a=uri`.
    pub fn uri(&self) -> Option<&str> {
        self.attributes().find_map(|a| match a {
            Attribute::Uri(u) => Some(u.as_str()),
            _ => None,
        })
    }

    /// First `a=path`: its URIs in order.
    pub fn path(&self) -> Option<&[String]> {
        self.attributes().find_map(|a| match a {
            Attribute::Path(p) => Some(p.as_slice()),
            _ => None,
        })
    }

    /// First `a=accept-types`.
    pub fn accept_types(&self) -> Option<&[String]> {
        self.attributes().find_map(|a| match a {
            Attribute::AcceptTypes(t) => Some(t.as_slice()),
            _ => None,
        })
    }

    /// First `a=accept-wrapped-types`.
    pub fn accept_wrapped_types(&self) -> Option<&[String]> {
        self.attributes().find_map(|a| match a {
            Attribute::AcceptWrappedTypes(t) => Some(t.as_slice()),
            _ => None,
        })
    }

    /// First `a=max-size`, in octets.
    pub fn max_size(&self) -> Option<u64> {
        self.attributes().find_map(|a| match a {
            Attribute::MaxSize(n) => Some(*n),
            _ => None,
        })
    }

    /// Every `a=fingerprint`, in order.
    pub fn fingerprints(&self) -> impl Iterator<Item = &Fingerprint> {
        self.attributes().filter_map(|a| match a {
            Attribute::Fingerprint(f) => Some(f),
            _ => None,
        })
    }

    /// First of `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive`.
    pub fn mode(&self) -> Option<MediaDirection> {
        self.attributes().find_map(|a| match a {
            Attribute::Mode(m) => Some(*m),
            _ => None,
        })
    }

    /// Writes the value of the `m=` line.
    pub(crate) fn write_media_line(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.media, self.port)?;
        if let Some(count) = self.port_count {
            write!(f, "/{count}")?;
        }
        write!(f, " {}", self.proto)?;
        for format in &self.formats {
            write!(f, " {format}")?;
        }
        Ok(())
    }
}

impl FromStr for MediaDescription {
    type Err = ParseErrorKind;

    /// Parses the value of an `m=` line (without `m=`) into a description with no lines.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| ParseErrorKind::BadMedia { reason };
        let fields: Vec<&str> = s.split_ascii_whitespace().collect();
        let [media, port, proto, ref formats @ ..] = fields[..] else {
            return Err(bad("missing fields"));
        };
        if !is_token(media) {
            return Err(bad("media type is not a token"));
        }
        let (port, count) = match port.split_once('/') {
            Some((port, count)) => (port, Some(count)),
            None => (port, None),
        };
        let port = match digits::<u16>(port) {
            Number::Ok(p) => p,
            Number::TooLarge => return Err(bad("port out of range")),
            Number::Invalid => return Err(bad("port is not a number")),
        };
        let port_count = match count.map(digits::<u32>) {
            None => None,
            Some(Number::Ok(n)) => Some(n),
            Some(_) => return Err(bad("port count is not a number")),
        };
        if !proto.split('/').all(is_token) {
            return Err(bad("bad protocol"));
        }
        if formats.is_empty() {
            return Err(bad("missing format"));
        }
        if !formats.iter().all(|f| is_non_ws(f)) {
            return Err(bad("bad format"));
        }
        Ok(Self {
            media: media.to_owned(),
            port,
            port_count,
            proto: proto.to_owned(),
            formats: formats.iter().map(|f| (*f).to_owned()).collect(),
            lines: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(s: &str) -> Attribute {
        s.parse().unwrap()
    }

    #[test]
    fn media_line_parses() {
        let m: MediaDescription = "message 7394 cpim/tcp text/plain".parse().unwrap();
        assert_eq!(m.media, "message");
        assert_eq!(m.port, 7394);
        assert_eq!(m.port_count, None);
        assert_eq!(m.proto, "cpim/tcp");
        assert_eq!(m.formats, ["text/plain"]);
        let m: MediaDescription = "audio 49170/2 RTP/AVP 0 8".parse().unwrap();
        assert_eq!(m.port_count, Some(2));
        assert_eq!(m.formats, ["0", "8"]);
    }

    #[test]
    fn media_line_errors() {
        let reason = |s: &str| match s.parse::<MediaDescription>() {
            Err(ParseErrorKind::BadMedia { reason }) => reason,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(
            reason("message x cpim/tcp text/plain"),
            "port is not a number"
        );
        assert_eq!(reason("message 70000 tcp *"), "port out of range");
        assert_eq!(reason("message 1/x tcp *"), "port count is not a number");
        assert_eq!(reason("message 1 tcp"), "missing format");
        assert_eq!(reason("message 1"), "missing fields");
        assert_eq!(reason("message 1 tcp/ *"), "bad protocol");
    }

    #[test]
    fn attribute_helpers() {
        let mut m = MediaDescription::new("message", 9, "TCP/MSRP", vec!["*".into()]);
        m.push_attribute(attr("setup:active"));
        m.push_attribute(attr("X-A:1"));
        m.push_attribute(attr("x-a:2"));
        m.push_attribute(attr("setup:passive"));
        assert_eq!(m.setup(), Some(Setup::Active));
        assert_eq!(m.attribute("x-A"), Some(&attr("X-A:1")));
        m.remove_attributes("X-a");
        m.remove_attributes("SETUP");
        assert_eq!(m.attributes().count(), 0);
        assert_eq!(m.setup(), None);
    }

    #[test]
    fn set_connection_replaces_all_and_goes_after_info() {
        let mut m = MediaDescription::new("message", 9, "TCP/MSRP", vec!["*".into()]);
        m.push_attribute(attr("setup:active"));
        m.push_line(Line::Connection(Connection::ip4("a")));
        m.push_line(Line::Connection(Connection::ip4("b")));
        m.push_line(Line::Info("chat".into()));
        m.set_connection(Connection::ip6("::1"));
        let kinds: String = m.lines().iter().map(Line::kind).collect();
        assert_eq!(kinds, "ica");
        assert_eq!(m.connection(), Some(&Connection::ip6("::1")));
    }
}
