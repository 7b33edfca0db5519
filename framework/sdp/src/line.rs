//! One `<type>=<value>` line after `v=`/`o=`/`s=` or after an `m=` line, and
//! the RFC 4566 ordering rules used to place lines.

use std::fmt;
use std::str::FromStr;

use crate::attribute::Attribute;
use crate::connection::Connection;
use crate::error::ParseErrorKind;
use crate::syntax::{digits_or, is_token};

/// `b=<bwtype>:<bandwidth>` (RFC 4566 §5.8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bandwidth {
    /// Bandwidth type, e.g. `CT` or `AS`.
    pub kind: String,
    /// Bandwidth, normally in kilobits per second.
    pub value: u64,
}

impl fmt::Display for Bandwidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}

impl FromStr for Bandwidth {
    type Err = ParseErrorKind;

    /// Parses the value of a `b=` line.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| ParseErrorKind::BadBandwidth { reason };
        let (kind, value) = s.split_once(':').ok_or(bad("missing \":\""))?;
        if !is_token(kind) {
            return Err(bad("bandwidth type is not a token"));
        }
        let value = digits_or(value, bad("bandwidth is not a number"))?;
        Ok(Self {
            kind: kind.to_owned(),
            value,
        })
    }
}

/// `t=<start-time> <stop-time>` (RFC 4566 §5.9), NTP seconds; `0 0` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timing {
    /// Start time, 0 if unbounded.
    pub start: u64,
    /// Stop time, 0 if unbounded.
    pub stop: u64,
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.start, self.stop)
    }
}

impl FromStr for Timing {
    type Err = ParseErrorKind;

    /// Parses the value of a `t=` line.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason| ParseErrorKind::BadTiming { reason };
        let fields: Vec<&str> = s.split_ascii_whitespace().collect();
        let [start, stop] = fields[..] else {
            return Err(bad("expected 2 fields"));
        };
        Ok(Self {
            start: digits_or(start, bad("start time is not a number"))?,
            stop: digits_or(stop, bad("stop time is not a number"))?,
        })
    }
}

/// One parsed line; `Display` writes `<type>=<value>` (no line ending).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Line {
    /// `i=` session or media title.
    Info(String),
    /// `u=` URI of a description.
    Uri(String),
    /// `e=` email address.
    Email(String),
    /// `p=` phone number.
    Phone(String),
    /// `c=` connection data.
    Connection(Connection),
    /// `b=` bandwidth.
    Bandwidth(Bandwidth),
    /// `t=` timing.
    Timing(Timing),
    /// `r=` repeat times, verbatim.
    Repeat(String),
    /// `z=` time zone adjustments, verbatim.
    Zone(String),
    /// `k=` encryption key, verbatim.
    Key(String),
    /// `a=` attribute.
    Attribute(Attribute),
    /// Any other lowercase-letter line type, kept verbatim and in order.
    ///
    /// `kind` should not be one of the known letters (`v o s i u e p c b t r z k a m`),
    /// or the written line will parse back differently.
    Unknown {
        /// The line type letter.
        kind: char,
        /// Everything after `=`.
        value: String,
    },
}

impl Line {
    /// The line type letter, e.g. `'c'`.
    pub fn kind(&self) -> char {
        match self {
            Self::Info(_) => 'i',
            Self::Uri(_) => 'u',
            Self::Email(_) => 'e',
            Self::Phone(_) => 'p',
            Self::Connection(_) => 'c',
            Self::Bandwidth(_) => 'b',
            Self::Timing(_) => 't',
            Self::Repeat(_) => 'r',
            Self::Zone(_) => 'z',
            Self::Key(_) => 'k',
            Self::Attribute(_) => 'a',
            Self::Unknown { kind, .. } => *kind,
        }
    }

    /// Parses the value of a line of type `kind` (not `v`, `o`, `s` or `m`).
    pub(crate) fn parse(kind: char, value: &str) -> Result<Self, ParseErrorKind> {
        Ok(match kind {
            'i' => Self::Info(value.to_owned()),
            'u' => Self::Uri(value.to_owned()),
            'e' => Self::Email(value.to_owned()),
            'p' => Self::Phone(value.to_owned()),
            'c' => Self::Connection(value.parse()?),
            'b' => Self::Bandwidth(value.parse()?),
            't' => Self::Timing(value.parse()?),
            'r' => Self::Repeat(value.to_owned()),
            'z' => Self::Zone(value.to_owned()),
            'k' => Self::Key(value.to_owned()),
            'a' => Self::Attribute(value.parse()?),
            _ => Self::Unknown {
                kind,
                value: value.to_owned(),
            },
        })
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=", self.kind())?;
        match self {
            Self::Info(v)
            | Self::Uri(v)
            | Self::Email(v)
            | Self::Phone(v)
            | Self::Repeat(v)
            | Self::Zone(v)
            | Self::Key(v)
            | Self::Unknown { value: v, .. } => f.write_str(v),
            Self::Connection(c) => write!(f, "{c}"),
            Self::Bandwidth(b) => write!(f, "{b}"),
            Self::Timing(t) => write!(f, "{t}"),
            Self::Attribute(a) => write!(f, "{a}"),
        }
    }
}

/// Where lines may go: the session level or a media description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// After `v= o= s=`: order `i u e p c b t r z k a`.
    Session,
    /// After `m=`: order `i c b k a`.
    Media,
}

/// Placement rules for a known line type at one level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Reserved or not allowed at this level (`v o s`, or session-only types in media).
    Forbidden,
    /// Not a known type: allowed anywhere.
    Anywhere,
    /// Known type with its rank in the RFC order, and whether it may repeat.
    Ranked { rank: u8, repeat: bool },
}

impl Level {
    /// Placement of line type `kind` at this level.
    pub(crate) fn slot(self, kind: char) -> Slot {
        let ranked = |rank, repeat| Slot::Ranked { rank, repeat };
        match (self, kind) {
            (_, 'v' | 'o' | 's' | 'm') => Slot::Forbidden,
            (Self::Session, 'i') => ranked(1, false),
            (Self::Session, 'u') => ranked(2, false),
            (Self::Session, 'e') => ranked(3, true),
            (Self::Session, 'p') => ranked(4, true),
            (Self::Session, 'c') => ranked(5, false),
            (Self::Session, 'b') => ranked(6, true),
            // `t` and `r` share a rank: `r` lines follow their `t` line.
            (Self::Session, 't' | 'r') => ranked(7, true),
            (Self::Session, 'z') => ranked(8, false),
            (Self::Session, 'k') => ranked(9, false),
            (Self::Session, 'a') => ranked(10, true),
            (Self::Media, 'i') => ranked(1, false),
            (Self::Media, 'c') => ranked(2, true),
            (Self::Media, 'b') => ranked(3, true),
            (Self::Media, 'k') => ranked(4, false),
            (Self::Media, 'a') => ranked(5, true),
            (Self::Media, 'u' | 'e' | 'p' | 't' | 'r' | 'z') => Slot::Forbidden,
            _ => Slot::Anywhere,
        }
    }

    /// Adds `line` to `lines` keeping the RFC order: a type that may appear
    /// once replaces the existing line; a ranked type goes after the last line
    /// of its own or an earlier rank; unknown types go at the end.
    pub(crate) fn place(self, lines: &mut Vec<Line>, line: Line) {
        let Slot::Ranked { rank, repeat } = self.slot(line.kind()) else {
            lines.push(line);
            return;
        };
        if !repeat {
            if let Some(existing) = lines.iter_mut().find(|l| l.kind() == line.kind()) {
                *existing = line;
                return;
            }
        }
        let at = lines
            .iter()
            .rposition(|l| matches!(self.slot(l.kind()), Slot::Ranked { rank: r, .. } if r <= rank))
            .map_or(0, |i| i + 1);
        lines.insert(at, line);
    }
}

/// Checks the order of lines while parsing one level.
#[derive(Debug)]
pub(crate) struct OrderCheck {
    level: Level,
    rank: u8,
    last_kind: Option<char>,
}

impl OrderCheck {
    /// A check for a fresh session level or media description.
    pub(crate) fn new(level: Level) -> Self {
        Self {
            level,
            rank: 0,
            last_kind: None,
        }
    }

    /// Accepts the next line type, or says it is out of order.
    pub(crate) fn next(&mut self, kind: char) -> Result<(), ParseErrorKind> {
        let err = match self.level {
            Level::Session => ParseErrorKind::OutOfOrder { kind },
            Level::Media => ParseErrorKind::OutOfOrderInMedia { kind },
        };
        match self.level.slot(kind) {
            Slot::Forbidden => Err(err),
            Slot::Anywhere => Ok(()),
            Slot::Ranked { rank, repeat } => {
                let repeated = rank == self.rank && !repeat;
                let orphan_repeat = kind == 'r' && !matches!(self.last_kind, Some('t' | 'r'));
                if rank < self.rank || repeated || orphan_repeat {
                    return Err(err);
                }
                self.rank = rank;
                self.last_kind = Some(kind);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(level: Level, kinds: &str) -> Result<(), ParseErrorKind> {
        let mut c = OrderCheck::new(level);
        kinds.chars().try_for_each(|k| c.next(k))
    }

    #[test]
    fn session_order() {
        assert!(check(Level::Session, "iueeppcbbtrrtrzkaa").is_ok());
        assert!(check(Level::Session, "xcxtxa").is_ok());
        assert!(check(Level::Session, "").is_ok());
        assert_eq!(
            check(Level::Session, "ac"),
            Err(ParseErrorKind::OutOfOrder { kind: 'c' })
        );
        assert!(check(Level::Session, "cc").is_err());
        assert!(check(Level::Session, "r").is_err());
        assert!(check(Level::Session, "tzr").is_err());
        assert!(check(Level::Session, "o").is_err());
    }

    #[test]
    fn media_order() {
        assert!(check(Level::Media, "iccbbkaa").is_ok());
        assert!(check(Level::Media, "ac").is_err());
        assert!(check(Level::Media, "t").is_err());
        assert!(check(Level::Media, "ii").is_err());
        assert_eq!(
            check(Level::Media, "u"),
            Err(ParseErrorKind::OutOfOrderInMedia { kind: 'u' })
        );
    }

    #[test]
    fn place_keeps_order() {
        let mut lines = vec![
            Line::Timing(Timing { start: 0, stop: 0 }),
            Line::Attribute(Attribute::Uri("x:y".into())),
        ];
        Level::Session.place(&mut lines, Line::Connection(Connection::ip4("a")));
        Level::Session.place(&mut lines, Line::Info("title".into()));
        Level::Session.place(&mut lines, Line::Connection(Connection::ip4("b")));
        Level::Session.place(&mut lines, Line::Repeat("7d 1h 0".into()));
        let kinds: String = lines.iter().map(Line::kind).collect();
        assert_eq!(kinds, "ictra");
        assert_eq!(lines[1], Line::Connection(Connection::ip4("b")));
    }

    #[test]
    fn line_values() {
        assert_eq!(Line::parse('b', "AS:64").unwrap().to_string(), "b=AS:64");
        assert!(Line::parse('b', "AS64").is_err());
        assert!(Line::parse('b', "AS:x").is_err());
        assert_eq!(
            Line::parse('t', "2873397496 2873404696").unwrap(),
            Line::Timing(Timing {
                start: 2_873_397_496,
                stop: 2_873_404_696
            })
        );
        assert!(Line::parse('t', "0").is_err());
        assert_eq!(Line::parse('y', " odd ").unwrap().to_string(), "y= odd ");
    }
}
