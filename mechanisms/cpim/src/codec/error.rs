//! Error types of the codec.

use thiserror::Error;

/// An error decoding or interpreting a message/cpim body (RFC 3862).
///
/// Line numbers are 1-based and count lines from the start of the message/cpim body; byte
/// offsets are 0-based from the start of the body.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CpimError {
    /// A header cannot be written as given (it would break the header block).
    #[error("header {name:?} cannot be encoded: {reason}")]
    Unencodable {
        /// The header name.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The message is larger than [`CodecLimits::max_message`](super::CodecLimits::max_message).
    #[error("message of {size} bytes exceeds limit of {limit}")]
    MessageTooLarge {
        /// Size of the message.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A header section is not terminated by an empty line.
    #[error("missing blank line after {section} headers")]
    MissingBlankLine {
        /// `"meta-data"` or `"content"`.
        section: &'static str,
    },
    /// The header sections exceed the configured limit.
    #[error("header block exceeds {limit} bytes")]
    HeaderBlockTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// A header line does not follow the header syntax.
    #[error("malformed header line {line} at byte {offset}: {reason}")]
    MalformedHeader {
        /// Line number.
        line: usize,
        /// Byte offset of the start of the line.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A meta-data header line starts with whitespace: RFC 3862 forbids folding.
    #[error("folded header line {line} at byte {offset}: folding not allowed")]
    FoldedHeader {
        /// Line number.
        line: usize,
        /// Byte offset of the start of the line.
        offset: usize,
    },
    /// A header line is not valid UTF-8.
    #[error("non-utf-8 header line {line} at byte {offset}")]
    NonUtf8Header {
        /// Line number.
        line: usize,
        /// Byte offset of the start of the line.
        offset: usize,
    },
    /// An escape sequence in a header value cannot be decoded (e.g. a lone UTF-16 surrogate).
    #[error("bad escape in header {name} on line {line}")]
    BadEscape {
        /// Line number.
        line: usize,
        /// Header name.
        name: String,
    },
    /// The inner MIME headers have no Content-Type.
    #[error("missing content-type")]
    MissingContentType,
    /// An address header (From, To, cc) is not `[Formal-name] <URI>`.
    #[error("bad address in {header}: {value:?}")]
    BadAddress {
        /// Header name.
        header: String,
        /// The offending value.
        value: String,
    },
    /// The DateTime header is not an RFC 3339 timestamp.
    #[error("bad datetime: {value:?}")]
    BadDateTime {
        /// The offending value.
        value: String,
    },
    /// An NS header is not `[Name-prefix] <URI>`.
    #[error("bad ns header: {value:?}")]
    BadNamespace {
        /// The offending value.
        value: String,
    },
    /// A required header is absent.
    #[error("missing {header} header")]
    MissingHeader {
        /// Header name.
        header: &'static str,
    },
    /// A header value is invalid for its header.
    #[error("bad {header} header: {reason}")]
    BadHeaderValue {
        /// Header name.
        header: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// An error framing the outer message/cpim envelope (cpimmsg-sessions §5, §6.1).
///
/// After an error the stream cannot be resynchronised reliably; drop the [`FrameDecoder`](super::FrameDecoder)
/// and the connection.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A Content-Type envelope header names another media type.
    #[error("envelope content-type {value:?} is not message/cpim")]
    NotMessageCpim {
        /// The Content-Type value.
        value: String,
    },
    /// Content-Length is not a decimal number.
    #[error("bad content-length {value:?}")]
    BadContentLength {
        /// The Content-Length value.
        value: String,
    },
    /// Content-Length is negative.
    #[error("negative content-length {value:?}")]
    NegativeContentLength {
        /// The Content-Length value.
        value: String,
    },
    /// Content-Length appears twice.
    #[error("duplicate content-length {value:?}")]
    DuplicateContentLength {
        /// The second Content-Length value.
        value: String,
    },
    /// The envelope ended without a Content-Length header.
    #[error("missing content-length")]
    MissingContentLength,
    /// The announced length exceeds [`CodecLimits::max_message`](super::CodecLimits::max_message).
    #[error("message of {size} bytes exceeds limit of {limit}")]
    TooLarge {
        /// The announced size.
        size: u64,
        /// The configured limit.
        limit: usize,
    },
    /// More than [`CodecLimits::max_garbage`](super::CodecLimits::max_garbage) bytes preceded an envelope.
    #[error("{discarded} bytes of garbage exceed limit of {limit}")]
    GarbageOverLimit {
        /// Bytes discarded in a row when the limit was crossed: a garbage line is dropped as
        /// far as it has arrived, so this depends on how the bytes were split, the error does
        /// not.
        discarded: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The envelope headers exceed [`CodecLimits::max_header_block`](super::CodecLimits::max_header_block).
    #[error("envelope header exceeds {limit} bytes")]
    HeaderTooLong {
        /// The configured limit.
        limit: usize,
    },
    /// An envelope header line has no colon or is not UTF-8.
    #[error("malformed envelope header {line:?}")]
    MalformedHeader {
        /// The line, lossily decoded.
        line: String,
    },
}
