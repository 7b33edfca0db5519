//! The writer task: drains a connection's frame queue into the transport, batching small
//! frames and flushing when the queue runs dry. It knows, per message, whether its frame was
//! completely written, and reports every one that was not as
//! [`DeliveryStatus::NotSent`](crate::DeliveryStatus::NotSent) when it stops.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::ledger::SendLedger;
use crate::message::MessageId;

/// Size of the writer's coalescing buffer; larger frames bypass it.
pub(crate) const WRITE_BUFFER: usize = 64 * 1024;

/// Which session's message a frame carries, so the writer can say whether it was written.
pub(crate) type Tracked = (Arc<SendLedger>, MessageId);

/// What sessions ask of the writer.
pub(crate) enum WriteCmd {
    /// Write one encoded frame; tracked when it carries an application message.
    Frame(Bytes, Option<Tracked>),
    /// Flush, then say whether it worked.
    Flush(oneshot::Sender<bool>),
}

/// The transport plus what has been handed to it.
struct Out<W> {
    io: W,
    buf: BytesMut,
    /// Bytes accepted from sessions so far (stream offset of the end of the last frame).
    queued: u64,
    /// Bytes the transport has taken so far.
    written: u64,
    /// Tracked frames not yet completely written, with their end offsets, in order.
    pending: VecDeque<(u64, Tracked)>,
}

impl<W: AsyncWrite + Unpin> Out<W> {
    async fn frame(&mut self, mut frame: Bytes, tracked: Option<Tracked>) -> io::Result<()> {
        self.queued += frame.len() as u64;
        if let Some(t) = tracked {
            self.pending.push_back((self.queued, t));
        }
        if frame.len() < WRITE_BUFFER {
            self.buf.extend_from_slice(&frame);
            if self.buf.len() >= WRITE_BUFFER {
                self.drain_buf().await?;
            }
            return Ok(());
        }
        self.drain_buf().await?;
        while frame.has_remaining() {
            let n = self.io.write_buf(&mut frame).await?;
            self.advanced(n)?;
        }
        Ok(())
    }

    async fn drain_buf(&mut self) -> io::Result<()> {
        while !self.buf.is_empty() {
            let n = self.io.write(&self.buf).await?;
            self.buf.advance(n);
            self.advanced(n)?;
        }
        self.buf.clear();
        Ok(())
    }

    async fn flush(&mut self) -> io::Result<()> {
        self.drain_buf().await?;
        self.io.flush().await
    }

    /// Records `n` more bytes taken by the transport; confirms the frames now complete.
    fn advanced(&mut self, n: usize) -> io::Result<()> {
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        self.written += n as u64;
        while let Some((end, _)) = self.pending.front() {
            if *end > self.written {
                break;
            }
            let (_, (ledger, id)) = self.pending.pop_front().expect("front exists");
            ledger.written(id);
        }
        Ok(())
    }
}

/// Runs until the queue closes, `closing` fires and the queue is empty (then it flushes and
/// shuts the write side down), a write fails, or `abort` fires. Returns the write error, if
/// any. Before returning it reports every tracked frame not completely
/// written (including those still queued) as not sent, and only then fails pending flushes.
pub(crate) async fn write_loop<W: AsyncWrite + Unpin>(
    io: W,
    mut rx: mpsc::Receiver<WriteCmd>,
    closing: CancellationToken,
    abort: CancellationToken,
) -> io::Result<()> {
    let mut out = Out {
        io,
        buf: BytesMut::with_capacity(WRITE_BUFFER),
        queued: 0,
        written: 0,
        pending: VecDeque::new(),
    };
    let mut acks = Vec::new();
    let result = tokio::select! {
        biased;
        () = abort.cancelled() => Ok(false),
        r = run(&mut out, &mut rx, &mut acks, &closing) => r.map(|()| true),
    };
    let clean = matches!(result, Ok(true));
    for (_, (ledger, id)) in out.pending.drain(..) {
        ledger.not_sent(id);
    }
    for ack in acks {
        let _ = ack.send(clean);
    }
    // Whatever is still queued (also after a clean close) will never be written.
    rx.close();
    while let Ok(cmd) = rx.try_recv() {
        match cmd {
            WriteCmd::Frame(_, Some((ledger, id))) => ledger.not_sent(id),
            WriteCmd::Flush(ack) => {
                let _ = ack.send(false);
            }
            WriteCmd::Frame(_, None) => {}
        }
    }
    result.map(|_| ())
}

async fn run<W: AsyncWrite + Unpin>(
    out: &mut Out<W>,
    rx: &mut mpsc::Receiver<WriteCmd>,
    acks: &mut Vec<oneshot::Sender<bool>>,
    closing: &CancellationToken,
) -> io::Result<()> {
    loop {
        // Queued commands first: closing takes effect once the queue is empty.
        let mut cmd = tokio::select! {
            biased;
            cmd = rx.recv() => match cmd {
                Some(cmd) => cmd,
                None => break,
            },
            () = closing.cancelled() => break,
        };
        loop {
            match cmd {
                WriteCmd::Frame(b, tracked) => out.frame(b, tracked).await?,
                WriteCmd::Flush(ack) => acks.push(ack),
            }
            match rx.try_recv() {
                Ok(next) => cmd = next,
                Err(_) => break,
            }
        }
        out.flush().await?;
        for ack in acks.drain(..) {
            let _ = ack.send(true);
        }
    }
    out.flush().await?;
    out.io.shutdown().await
}
