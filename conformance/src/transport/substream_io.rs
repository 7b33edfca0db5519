//! [`SubStreamIo`]: one sub-stream of a multi-stream connection (SCTP) as a byte stream, so
//! the cases that write and read raw bytes run over it as over TCP.
//!
//! Writes go out on sub-stream 0, cut into chunks of at most the transport's
//! [`SubStreamWrite::max_chunk`]; reads return the chunks of sub-stream 0 in order. Bytes
//! arriving on any other sub-stream fail the read: the suite writes only sub-stream 0, so they
//! were misrouted. Shutting down closes the whole connection gracefully, as
//! [`SubStreamWrite::poll_close`] does (a multi-stream connection has no half-close).
//!
//! The benchmark harness frames its raw-SCTP baseline over the same adapter, so it is public.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use imsession::{SubStreamRead, SubStreamWrite, SubStreams};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The sub-stream the suite writes and reads.
pub const SUITE_SUB_STREAM: u16 = 0;

/// Sub-stream [`SUITE_SUB_STREAM`] of a multi-stream connection as a byte stream.
pub struct SubStreamIo {
    reader: Box<dyn SubStreamRead>,
    writer: Box<dyn SubStreamWrite>,
    /// What is left of the last chunk read.
    pending: Bytes,
}

impl std::fmt::Debug for SubStreamIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubStreamIo")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl SubStreamIo {
    /// Sub-stream [`SUITE_SUB_STREAM`] of `io`.
    pub fn new(io: SubStreams) -> Self {
        Self {
            reader: io.reader,
            writer: io.writer,
            pending: Bytes::new(),
        }
    }

    /// Like [`AsyncWrite::poll_write`], but the chunk sent is a slice of `buf`, not a copy:
    /// takes up to [`SubStreamWrite::max_chunk`] bytes off the front of `buf` and returns how
    /// many.
    ///
    /// # Errors
    /// When the connection failed.
    pub fn poll_write_shared(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut Bytes,
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        ready!(self.writer.poll_ready(cx))?;
        let n = buf.len().min(self.writer.max_chunk().max(1));
        self.writer.send(SUITE_SUB_STREAM, buf.split_to(n))?;
        Poll::Ready(Ok(n))
    }
}

impl AsyncRead for SubStreamIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        while self.pending.is_empty() {
            match ready!(self.reader.poll_read(cx))? {
                None => return Poll::Ready(Ok(())),
                Some((SUITE_SUB_STREAM, chunk)) => self.pending = chunk,
                Some((id, chunk)) => {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "{} bytes arrived on sub-stream {id}; only sub-stream \
                             {SUITE_SUB_STREAM} was written",
                            chunk.len()
                        ),
                    )));
                }
            }
        }
        let n = self.pending.len().min(buf.remaining());
        let part = self.pending.split_to(n);
        buf.put_slice(&part);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for SubStreamIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        ready!(self.writer.poll_ready(cx))?;
        let n = buf.len().min(self.writer.max_chunk().max(1));
        self.writer
            .send(SUITE_SUB_STREAM, Bytes::copy_from_slice(&buf[..n]))?;
        Poll::Ready(Ok(n))
    }

    /// Chunks are queued in the transport, which delivers them on its own: nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer.poll_close(cx)
    }
}
