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
    /// Write one frame given as its head and its body, the body uncopied when it is at least
    /// [`WRITE_BUFFER`] bytes; tracked like `Frame`, written only once both parts are.
    Split(Bytes, Bytes, Option<Tracked>),
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
    /// Writes a frame made of `parts`, in order; `tracked` is confirmed once all are written.
    async fn frame<const N: usize>(
        &mut self,
        parts: [Bytes; N],
        tracked: Option<Tracked>,
    ) -> io::Result<()> {
        self.queued += parts.iter().map(|p| p.len() as u64).sum::<u64>();
        if let Some(t) = tracked {
            self.pending.push_back((self.queued, t));
        }
        for part in parts {
            self.put(part).await?;
        }
        Ok(())
    }

    /// Buffers a small part; writes a large one directly, after what is buffered.
    async fn put(&mut self, mut frame: Bytes) -> io::Result<()> {
        if frame.len() < WRITE_BUFFER {
            if self.buf.len() + frame.len() > WRITE_BUFFER {
                // Write what is buffered first: growing the buffer past its capacity would
                // reallocate it and copy everything buffered (every 64 frames of 1 KiB).
                self.drain_buf().await?;
            }
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
    abandon_queue(&mut rx);
    result.map(|_| ())
}

/// Closes a queue the writer will no longer read: reports every tracked frame in it as not
/// sent and fails every flush.
pub(super) fn abandon_queue(rx: &mut mpsc::Receiver<WriteCmd>) {
    rx.close();
    while let Ok(cmd) = rx.try_recv() {
        abandon(cmd);
    }
}

/// A command that will never be carried out: its tracked message is reported not sent, its
/// flush fails.
pub(super) fn abandon(cmd: WriteCmd) {
    match cmd {
        WriteCmd::Frame(_, Some((ledger, id))) | WriteCmd::Split(_, _, Some((ledger, id))) => {
            ledger.not_sent(id);
        }
        WriteCmd::Flush(ack) => {
            let _ = ack.send(false);
        }
        WriteCmd::Frame(_, None) | WriteCmd::Split(_, _, None) => {}
    }
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
                WriteCmd::Frame(b, tracked) => out.frame([b], tracked).await?,
                WriteCmd::Split(head, body, tracked) => out.frame([head, body], tracked).await?,
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

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use super::*;
    use crate::message::{DeliveryEvent, DeliveryStatus};

    /// Takes `budget` bytes, at most `chunk` per write, then fails.
    struct Budget {
        budget: usize,
        chunk: usize,
    }

    impl AsyncWrite for Budget {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            if self.budget == 0 {
                return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
            }
            let n = buf.len().min(self.chunk).min(self.budget);
            self.budget -= n;
            Poll::Ready(Ok(n))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn frames_cut_by_a_failed_write_are_reported_not_sent() {
        let ledger = Arc::new(SendLedger::new());
        let mut events = ledger.take_receiver().expect("first take");
        let (tx, rx) = mpsc::channel(16);
        // Frames of 10, 10, 100 000 (bypasses the buffer) and 10 bytes; 25 bytes get through.
        for (id, len) in [(1, 10), (2, 10), (3, 100_000), (4, 10)] {
            let frame = Bytes::from(vec![b'x'; len]);
            tx.send(WriteCmd::Frame(
                frame,
                Some((ledger.clone(), MessageId(id))),
            ))
            .await
            .unwrap();
        }
        // An untracked reply is not reported.
        tx.send(WriteCmd::Frame(Bytes::from_static(b"reply"), None))
            .await
            .unwrap();
        let (ack_tx, ack) = oneshot::channel();
        tx.send(WriteCmd::Flush(ack_tx)).await.unwrap();
        let io = Budget {
            budget: 25,
            chunk: 7,
        };
        let result = write_loop(io, rx, CancellationToken::new(), CancellationToken::new()).await;
        assert!(result.is_err());
        assert_eq!(ack.await, Ok(false));
        assert_eq!(ledger.last_written(), Some(MessageId(2)));
        let not_sent = |id| DeliveryEvent {
            id: MessageId(id),
            status: DeliveryStatus::NotSent,
        };
        assert_eq!(events.recv().await, Some(not_sent(3)));
        assert_eq!(events.recv().await, Some(not_sent(4)));
        assert!(events.try_recv().is_err());
        // Sends after the writer stopped fail: nothing can be queued and then forgotten.
        assert!(
            tx.send(WriteCmd::Flush(oneshot::channel().0))
                .await
                .is_err()
        );
    }

    /// Collects everything written.
    struct Sink(Vec<u8>);

    impl AsyncWrite for Sink {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.0.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn split_frames_are_written_head_then_body_in_queue_order() {
        let ledger = Arc::new(SendLedger::new());
        let (tx, rx) = mpsc::channel(16);
        let tracked = |id| Some((ledger.clone(), MessageId(id)));
        let big = Bytes::from(vec![b'b'; WRITE_BUFFER + 1]);
        let cmds = [
            WriteCmd::Frame(Bytes::from_static(b"one;"), tracked(1)),
            WriteCmd::Split(Bytes::from_static(b"head;"), big.clone(), tracked(2)),
            WriteCmd::Split(
                Bytes::from_static(b"h;"),
                Bytes::from_static(b"small;"),
                None,
            ),
            WriteCmd::Frame(Bytes::from_static(b"three"), tracked(3)),
        ];
        for cmd in cmds {
            tx.send(cmd).await.unwrap();
        }
        drop(tx);
        let mut io = Sink(Vec::new());
        let token = CancellationToken::new;
        write_loop(&mut io, rx, token(), token()).await.unwrap();
        let mut want = b"one;head;".to_vec();
        want.extend_from_slice(&big);
        want.extend_from_slice(b"h;small;three");
        assert!(io.0 == want, "frames interleaved or reordered");
        assert_eq!(ledger.last_written(), Some(MessageId(3)));
        let mut events = ledger.take_receiver().expect("first take");
        assert!(events.try_recv().is_err(), "nothing reported not sent");
    }

    #[tokio::test]
    async fn a_split_frame_whose_body_is_cut_is_not_sent_though_its_head_was_written() {
        let ledger = Arc::new(SendLedger::new());
        let (tx, rx) = mpsc::channel(16);
        let tracked = |id| Some((ledger.clone(), MessageId(id)));
        let head = || Bytes::from(vec![b'h'; 10]);
        let body = || Bytes::from(vec![b'b'; WRITE_BUFFER]);
        // Message 1 gets through whole; of message 2 the head and part of the body do.
        tx.send(WriteCmd::Split(head(), body(), tracked(1)))
            .await
            .unwrap();
        tx.send(WriteCmd::Split(head(), body(), tracked(2)))
            .await
            .unwrap();
        tx.send(WriteCmd::Split(head(), body(), tracked(3)))
            .await
            .unwrap();
        let io = Budget {
            budget: 2 * (10 + WRITE_BUFFER) - 1,
            chunk: 4096,
        };
        let result = write_loop(io, rx, CancellationToken::new(), CancellationToken::new()).await;
        assert!(result.is_err());
        assert_eq!(ledger.last_written(), Some(MessageId(1)));
        let mut events = ledger.take_receiver().expect("first take");
        let not_sent = |id| DeliveryEvent {
            id: MessageId(id),
            status: DeliveryStatus::NotSent,
        };
        assert_eq!(events.recv().await, Some(not_sent(2)));
        assert_eq!(events.recv().await, Some(not_sent(3)));
        assert!(events.try_recv().is_err());
    }
}
