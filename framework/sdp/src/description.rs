//! The session description: `v=`, `o=`, `s=`, session-level lines and media.

use std::str::FromStr;

use crate::attribute::Attribute;
use crate::connection::Connection;
use crate::error::ParseError;
use crate::line::{Level, Line, Timing};
use crate::media::MediaDescription;
use crate::origin::Origin;

/// A whole SDP session description (RFC 4566), version 0.
///
/// Parse with [`SessionDescription::parse`] (or `str::parse`), write with
/// `Display` (CRLF line endings).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionDescription {
    pub(crate) origin: Origin,
    pub(crate) session_name: String,
    pub(crate) lines: Vec<Line>,
    pub(crate) media: Vec<MediaDescription>,
}

impl SessionDescription {
    /// `v=0`, the given `o=` and `s=`, `t=0 0`; no `c=`, no media.
    pub fn new(origin: Origin, session_name: impl Into<String>) -> Self {
        Self {
            origin,
            session_name: session_name.into(),
            lines: vec![Line::Timing(Timing { start: 0, stop: 0 })],
            media: Vec::new(),
        }
    }

    /// Parses a description; lines may end in CRLF or a bare LF.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        crate::parse::parse(text.as_bytes())
    }

    /// Parses a description from bytes; a line that is not UTF-8 is an error naming it.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        crate::parse::parse(bytes)
    }

    /// The `o=` line.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The `o=` line, to change e.g. the session version.
    pub fn origin_mut(&mut self) -> &mut Origin {
        &mut self.origin
    }

    /// The `s=` text.
    pub fn session_name(&self) -> &str {
        &self.session_name
    }

    /// The session-level `c=`.
    pub fn connection(&self) -> Option<&Connection> {
        self.lines.iter().find_map(|l| match l {
            Line::Connection(c) => Some(c),
            _ => None,
        })
    }

    /// Replaces the session-level `c=`, or inserts it in its RFC position.
    pub fn set_connection(&mut self, c: Connection) {
        self.push_line(Line::Connection(c));
    }

    /// The session-level attributes, in order.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.lines.iter().filter_map(|l| match l {
            Line::Attribute(a) => Some(a),
            _ => None,
        })
    }

    /// The first session-level attribute named `name` (case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// Appends a session-level attribute after all existing session-level lines.
    pub fn push_attribute(&mut self, a: Attribute) {
        self.lines.push(Line::Attribute(a));
    }

    /// Adds a session-level line keeping the RFC 4566 order
    /// (`i u e p c b t r z k a`): a type that may appear once (`i u c z k`)
    /// replaces the existing line, other known types go after the last line of
    /// their own or an earlier type, unknown types go at the end.
    ///
    /// An `r=` needs a `t=` before it to be parsed back.
    pub fn push_line(&mut self, line: Line) {
        Level::Session.place(&mut self.lines, line);
    }

    /// The media descriptions.
    pub fn media(&self) -> &[MediaDescription] {
        &self.media
    }

    /// The media descriptions, to change them in place.
    pub fn media_mut(&mut self) -> &mut [MediaDescription] {
        &mut self.media
    }

    /// Appends a media description.
    pub fn push_media(&mut self, m: MediaDescription) {
        self.media.push(m);
    }

    /// The session-level lines after `v= o= s=`, in order.
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Keeps only the session-level lines for which `keep` returns true.
    pub fn retain_lines(&mut self, keep: impl FnMut(&Line) -> bool) {
        self.lines.retain(keep);
    }
}

impl FromStr for SessionDescription {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SessionDescription {
        SessionDescription::new(
            Origin::new("alice", 7, Connection::ip4("alice.example.com")),
            "-",
        )
    }

    #[test]
    fn new_is_minimal() {
        let sd = sample();
        assert_eq!(
            sd.to_string(),
            "v=0\r\no=alice 7 7 IN IP4 alice.example.com\r\ns=-\r\nt=0 0\r\n"
        );
        assert_eq!(sd.connection(), None);
        assert!(sd.media().is_empty());
        assert_eq!(SessionDescription::parse(&sd.to_string()), Ok(sd));
    }

    #[test]
    fn set_connection_inserts_before_timing_then_replaces() {
        let mut sd = sample();
        sd.push_attribute("tool:x".parse().unwrap());
        sd.set_connection(Connection::ip4("a.example"));
        sd.set_connection(Connection::ip4("b.example"));
        let kinds: String = sd.lines().iter().map(Line::kind).collect();
        assert_eq!(kinds, "cta");
        assert_eq!(sd.connection(), Some(&Connection::ip4("b.example")));
        assert_eq!(sd.attribute("TOOL").map(Attribute::name), Some("tool"));
        assert_eq!(SessionDescription::parse(&sd.to_string()), Ok(sd));
    }

    #[test]
    fn mutators_change_the_model() {
        let mut sd = sample();
        sd.origin_mut().session_version = "8".into();
        sd.push_media(MediaDescription::new("message", 1, "tcp", vec!["*".into()]));
        sd.media_mut()[0].port = 2;
        assert_eq!(sd.origin().session_version, "8");
        assert_eq!(sd.media()[0].port, 2);
        assert_eq!(sd.session_name(), "-");
    }
}
