//! [`FaultyStream`]: a byte stream with [`Faults`] applied.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::faults::{FaultLog, Faults};
use crate::transport::ByteStream;

/// Wraps one connection's byte stream and breaks it as its [`Faults`] say.
pub struct FaultyStream {
    /// `None` once reset.
    inner: Option<Box<dyn ByteStream>>,
    faults: Faults,
    log: Arc<FaultLog>,
    written: u64,
    delay: Option<Pin<Box<tokio::time::Sleep>>>,
    stalled: bool,
    read_buf: Vec<u8>,
}

impl std::fmt::Debug for FaultyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyStream")
            .field("faults", &self.faults)
            .field("written", &self.written)
            .field("reset", &self.inner.is_none())
            .field("stalled", &self.stalled)
            .finish_non_exhaustive()
    }
}

fn reset() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "fault injected: reset")
}

impl FaultyStream {
    /// Wraps `inner`; what happens is recorded in `log`.
    pub fn new(inner: Box<dyn ByteStream>, faults: Faults, log: Arc<FaultLog>) -> Self {
        Self {
            inner: Some(inner),
            faults,
            log,
            written: 0,
            delay: None,
            stalled: false,
            read_buf: Vec::new(),
        }
    }

    /// How many bytes of `want` may be written now; `Err` when a fault stops the write.
    fn allowance(&mut self, want: usize) -> Poll<io::Result<usize>> {
        let mut n = want as u64;
        if let Some(at) = self.faults.reset_after {
            if self.written >= at {
                if self.inner.take().is_some() {
                    self.log.trip();
                }
                return Poll::Ready(Err(reset()));
            }
            n = n.min(at - self.written);
        }
        if let Some(at) = self.faults.stall_after {
            if self.written >= at {
                if !self.stalled {
                    self.stalled = true;
                    self.log.trip();
                }
                // Never woken: the peer sees a stall.
                return Poll::Pending;
            }
            n = n.min(at - self.written);
        }
        if let Some(chunk) = self.faults.write_chunk {
            n = n.min(chunk as u64);
        }
        Poll::Ready(Ok(n as usize))
    }
}

impl AsyncWrite for FaultyStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.inner.is_none() {
            return Poll::Ready(Err(reset()));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if let Some(delay) = this.faults.write_delay {
            let sleep = this
                .delay
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(delay)));
            ready!(sleep.as_mut().poll(cx));
            this.delay = None;
        }
        let mut n = ready!(this.allowance(buf.len()))?;
        let start = this.written;
        let flipped;
        let chunk: &[u8] = match this.faults.flip_at {
            Some(at) if at == start => {
                flipped = [!buf[0]];
                &flipped
            }
            Some(at) if at > start && at < start + n as u64 => {
                n = (at - start) as usize;
                &buf[..n]
            }
            _ => &buf[..n],
        };
        let inner = this.inner.as_mut().expect("checked above");
        let wrote = ready!(Pin::new(inner).poll_write(cx, chunk))?;
        if this.faults.flip_at == Some(start) && wrote > 0 {
            this.log.flip();
        }
        this.written += wrote as u64;
        this.log.wrote(wrote);
        Poll::Ready(Ok(wrote))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.inner.as_mut() {
            Some(inner) => Pin::new(inner).poll_flush(cx),
            None => Poll::Ready(Err(reset())),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.inner.as_mut() {
            Some(inner) => Pin::new(inner).poll_shutdown(cx),
            None => Poll::Ready(Ok(())),
        }
    }
}

use std::future::Future;

impl AsyncRead for FaultyStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(Err(reset()));
        };
        let Some(chunk) = this.faults.read_chunk else {
            return Pin::new(inner).poll_read(cx, buf);
        };
        let n = chunk.min(buf.remaining());
        this.read_buf.resize(n, 0);
        let mut small = ReadBuf::new(&mut this.read_buf);
        ready!(Pin::new(inner).poll_read(cx, &mut small))?;
        buf.put_slice(small.filled());
        Poll::Ready(Ok(()))
    }
}
