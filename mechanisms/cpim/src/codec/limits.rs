//! Resource limits applied while decoding.

/// Default largest accepted message/cpim body (the envelope's Content-Length): 16 MiB.
pub const DEFAULT_MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// Default largest accepted header block: 64 KiB.
///
/// Applies to the CPIM meta-data plus inner MIME headers of one message, and separately to the
/// outer envelope headers of one frame.
pub const DEFAULT_MAX_HEADER_BLOCK: usize = 64 * 1024;

/// Default largest run of bytes discarded before an envelope: 64 KiB.
pub const DEFAULT_MAX_GARBAGE: usize = 64 * 1024;

/// Limits protecting the decoders against oversized or hostile input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodecLimits {
    /// Largest message/cpim body, in bytes, that a frame may announce or a message may have.
    pub max_message: usize,
    /// Largest header block, in bytes (see [`DEFAULT_MAX_HEADER_BLOCK`]).
    pub max_header_block: usize,
    /// Largest number of bytes discarded in a row while looking for an envelope.
    pub max_garbage: usize,
}

impl Default for CodecLimits {
    fn default() -> Self {
        Self {
            max_message: DEFAULT_MAX_MESSAGE,
            max_header_block: DEFAULT_MAX_HEADER_BLOCK,
            max_garbage: DEFAULT_MAX_GARBAGE,
        }
    }
}
