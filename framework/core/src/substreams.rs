//! Multi-stream connections: several independent, ordered byte sub-streams in one connection
//! (the streams of an SCTP association).
//!
//! A transport whose connections carry several ordered streams yields
//! [`crate::ConnectionIo::SubStreams`]. The hub then gives every session its own outbound
//! sub-stream, cuts each frame into chunks of at most [`SubStreamWrite::max_chunk`] bytes and
//! interleaves the chunks of different sub-streams, so a large frame on one session does not
//! hold up another session's frames. Inbound, each sub-stream is an ordered byte stream with its
//! own frame decoder; frames are routed by session key as on a single byte stream, so the
//! sub-stream a peer picks for a session does not matter.
//!
//! Transports implement the two halves with poll methods; the hub calls them from its reader
//! and writer tasks.

use std::io;
use std::task::{Context, Poll};

use bytes::Bytes;

/// The inbound half: chunks of the peer's sub-streams, each tagged with its sub-stream id.
pub trait SubStreamRead: Send + 'static {
    /// The next chunk. Chunks of one sub-stream come in the order they were sent; chunks of
    /// different sub-streams may interleave. `Ok(None)` when the peer closed the connection
    /// cleanly.
    ///
    /// # Errors
    /// When the connection failed (aborted, timed out); nothing more follows.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<(u16, Bytes)>>>;
}

/// The outbound half.
pub trait SubStreamWrite: Send + 'static {
    /// How many outbound sub-streams there are; ids run from 0 to `streams() - 1`.
    fn streams(&self) -> u16;

    /// The largest chunk [`SubStreamWrite::send`] takes.
    fn max_chunk(&self) -> usize;

    /// Ready when the transport has room for one more chunk. Registers the waker otherwise.
    ///
    /// # Errors
    /// When the connection failed.
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Queues `chunk` (at most [`SubStreamWrite::max_chunk`] bytes) as the next bytes of
    /// sub-stream `stream`. Call only after [`SubStreamWrite::poll_ready`] returned ready.
    ///
    /// # Errors
    /// When the connection failed or the chunk is too large.
    fn send(&mut self, stream: u16, chunk: Bytes) -> io::Result<()>;

    /// Closes the connection gracefully once everything queued is delivered.
    ///
    /// # Errors
    /// When the connection had already failed.
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// The two halves of a multi-stream connection.
pub struct SubStreams {
    /// The inbound half.
    pub reader: Box<dyn SubStreamRead>,
    /// The outbound half.
    pub writer: Box<dyn SubStreamWrite>,
}

impl std::fmt::Debug for SubStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubStreams")
            .field("streams", &self.writer.streams())
            .finish_non_exhaustive()
    }
}
