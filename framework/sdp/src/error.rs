//! Parse errors: which line failed, its text, and why.

use std::fmt;

/// Longest excerpt of the offending line kept in a [`ParseError`], in characters.
const MAX_EXCERPT_CHARS: usize = 100;

/// Why a description (or a single value) could not be parsed.
///
/// The `Display` text says what was expected and what was wrong; it does not
/// include the line number or text, which [`ParseError`] adds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input is longer than [`crate::MAX_DESCRIPTION_LEN`].
    #[error("description is {len} bytes, more than the limit of {max}")]
    TooLong {
        /// Length of the input in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The input has more lines than [`crate::MAX_LINES`].
    #[error("more than {max} lines")]
    TooManyLines {
        /// The limit.
        max: usize,
    },
    /// The input has more media descriptions than [`crate::MAX_MEDIA`].
    #[error("more than {max} media descriptions")]
    TooManyMedia {
        /// The limit.
        max: usize,
    },
    /// The line is not valid UTF-8.
    #[error("line is not valid UTF-8")]
    NonUtf8,
    /// The line contains a NUL or a bare CR.
    #[error("line contains a NUL or CR character")]
    InvalidCharacter,
    /// The line is not of the form `x=value` with a lowercase letter type.
    #[error("expected \"<type>=<value>\" with a lowercase letter type")]
    NotTypeValue,
    /// The first line is not a `v=` line.
    #[error("expected \"v=0\" as the first line")]
    MissingVersion,
    /// The `v=` line carries a version other than 0.
    #[error("unsupported version, expected \"v=0\"")]
    UnsupportedVersion,
    /// The line after `v=` is not an `o=` line.
    #[error("expected an \"o=\" line after \"v=\"")]
    MissingOrigin,
    /// The line after `o=` is not an `s=` line.
    #[error("expected an \"s=\" line after \"o=\"")]
    MissingSessionName,
    /// Malformed `o=` line.
    #[error(
        "expected \"o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>\": {reason}"
    )]
    BadOrigin {
        /// What was wrong.
        reason: &'static str,
    },
    /// Malformed `c=` line.
    #[error("expected \"c=<nettype> <addrtype> <connection-address>\": {reason}")]
    BadConnection {
        /// What was wrong.
        reason: &'static str,
    },
    /// Malformed `b=` line.
    #[error("expected \"b=<bwtype>:<bandwidth>\": {reason}")]
    BadBandwidth {
        /// What was wrong.
        reason: &'static str,
    },
    /// Malformed `t=` line.
    #[error("expected \"t=<start-time> <stop-time>\": {reason}")]
    BadTiming {
        /// What was wrong.
        reason: &'static str,
    },
    /// Malformed `m=` line.
    #[error("expected \"m=<media> <port> <proto> <fmt> ...\": {reason}")]
    BadMedia {
        /// What was wrong.
        reason: &'static str,
    },
    /// An `a=` line whose name is not a token.
    #[error("expected \"a=<name>\" or \"a=<name>:<value>\": {reason}")]
    MalformedAttribute {
        /// What was wrong.
        reason: &'static str,
    },
    /// A known attribute with a value that does not follow its grammar.
    #[error("bad value for attribute \"{name}\": {reason}")]
    BadAttribute {
        /// The attribute name, e.g. `"setup"`.
        name: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// A session-level line out of the RFC 4566 order, or repeated when it may appear once.
    #[error("\"{kind}=\" line out of order (session order is v o s i u e p c b t r z k a)")]
    OutOfOrder {
        /// The line type.
        kind: char,
    },
    /// A line not allowed, out of order or repeated in a media description.
    #[error("\"{kind}=\" line not allowed here in a media description (order is m i c b k a)")]
    OutOfOrderInMedia {
        /// The line type.
        kind: char,
    },
}

/// A description could not be parsed: the 1-based line number, an excerpt of
/// the offending line and the [`ParseErrorKind`].
///
/// Displays as `line 4: expected "m=...": port is not a number: "m=message x ..."`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    line: usize,
    text: String,
    kind: ParseErrorKind,
}

impl ParseError {
    /// Builds an error, truncating `text` to about 100 characters.
    pub(crate) fn new(line: usize, text: &str, kind: ParseErrorKind) -> Self {
        let text = match text.char_indices().nth(MAX_EXCERPT_CHARS) {
            Some((cut, _)) => format!("{}...", &text[..cut]),
            None => text.to_owned(),
        };
        Self { line, text, kind }
    }

    /// The 1-based line number (one past the last line if the input ended early).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The offending line, truncated; empty if the input ended early.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What went wrong.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)?;
        if self.text.is_empty() {
            f.write_str(": end of input")
        } else {
            write!(f, ": \"{}\"", self.text.escape_debug())
        }
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_line_reason_and_text() {
        let e = ParseError::new(
            4,
            "m=message x cpim/tcp text/plain",
            ParseErrorKind::BadMedia {
                reason: "port is not a number",
            },
        );
        assert_eq!(
            e.to_string(),
            "line 4: expected \"m=<media> <port> <proto> <fmt> ...\": port is not a number: \"m=message x cpim/tcp text/plain\""
        );
    }

    #[test]
    fn long_text_is_truncated() {
        let long = "a=".to_owned() + &"é".repeat(300);
        let e = ParseError::new(1, &long, ParseErrorKind::NotTypeValue);
        assert_eq!(e.text().chars().count(), 103);
        assert!(e.text().ends_with("..."));
    }

    #[test]
    fn end_of_input_is_said() {
        let e = ParseError::new(2, "", ParseErrorKind::MissingOrigin);
        assert_eq!(
            e.to_string(),
            "line 2: expected an \"o=\" line after \"v=\": end of input"
        );
    }
}
