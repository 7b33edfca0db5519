//! The writer of multi-stream connections ([`crate::substreams`]): one outbound lane (queue
//! and sub-stream) per session, chunks of different lanes interleaved. Like
//! [`super::write_loop`] it knows, per message, whether its frame was completely handed to the
//! transport, and reports every one that was not as
//! [`DeliveryStatus::NotSent`](crate::DeliveryStatus::NotSent) when it stops.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use tokio::sync::mpsc;
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use super::connection::Shared;
use super::writer::{Tracked, WriteCmd, abandon, abandon_queue};
use crate::substreams::SubStreamWrite;

/// How sessions of a multi-stream connection get their own lane.
pub(crate) struct Lanes {
    register: mpsc::UnboundedSender<mpsc::Receiver<WriteCmd>>,
    queue: usize,
}

impl Lanes {
    /// A registry whose lanes queue `queue` commands each, and its receiving end for the writer.
    pub(crate) fn new(queue: usize) -> (Self, mpsc::UnboundedReceiver<mpsc::Receiver<WriteCmd>>) {
        let (register, rx) = mpsc::unbounded_channel();
        (
            Self {
                register,
                queue: queue.max(1),
            },
            rx,
        )
    }
}

impl Shared {
    /// The queue a new session writes into: the connection's queue on a byte stream, a lane of
    /// its own on a multi-stream connection.
    pub(crate) fn session_writer(&self) -> mpsc::Sender<WriteCmd> {
        match &self.lanes {
            None => self.writer.clone(),
            Some(lanes) => {
                let (tx, rx) = mpsc::channel(lanes.queue);
                // If the writer is gone, the dropped receiver makes sends fail as `Closed`.
                let _ = lanes.register.send(rx);
                tx
            }
        }
    }
}

/// One session's outbound queue and the sub-stream it writes.
struct Lane {
    rx: mpsc::Receiver<WriteCmd>,
    stream: u16,
    /// A command taken from `rx` that did not fit the last batch; next in line.
    held: Option<WriteCmd>,
    /// The rest of the chunk source being sent: one frame, a batch of small frames, or the
    /// head of a split frame.
    current: Bytes,
    /// The body of a split frame, sent once `current` is; empty whenever `current` is.
    body: Bytes,
    /// The messages `current` (and `body`) carry, confirmed written once both are sent.
    tracked: Vec<Tracked>,
    /// The queue is closed and drained.
    done: bool,
}

impl Lane {
    fn new(rx: mpsc::Receiver<WriteCmd>, stream: u16) -> Self {
        Self {
            rx,
            stream,
            held: None,
            current: Bytes::new(),
            body: Bytes::new(),
            tracked: Vec::new(),
            done: false,
        }
    }

    /// The next command: the held one, else the queue's.
    fn poll_cmd(&mut self, cx: &mut Context<'_>) -> Poll<Option<WriteCmd>> {
        match self.held.take() {
            Some(cmd) => Poll::Ready(Some(cmd)),
            None => self.rx.poll_recv(cx),
        }
    }

    /// Appends to `batch` the queued frames that fit in `max` bytes with it, stopping at the
    /// first command that is not a small frame (held for next time) or an empty queue.
    fn gather(&mut self, batch: &mut BytesMut, max: usize, cx: &mut Context<'_>) {
        loop {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(WriteCmd::Frame(b, t))) if batch.len() + b.len() <= max => {
                    batch.extend_from_slice(&b);
                    self.tracked.extend(t);
                }
                Poll::Ready(Some(WriteCmd::Split(h, b, t)))
                    if batch.len() + h.len() + b.len() <= max =>
                {
                    batch.extend_from_slice(&h);
                    batch.extend_from_slice(&b);
                    self.tracked.extend(t);
                }
                Poll::Ready(Some(cmd)) => {
                    self.held = Some(cmd);
                    return;
                }
                Poll::Ready(None) => {
                    self.done = true;
                    return;
                }
                Poll::Pending => return,
            }
        }
    }

    /// Moves on to a split frame's body once its head is sent.
    fn next_part(&mut self) {
        if self.current.is_empty() {
            self.current = std::mem::take(&mut self.body);
        }
    }

    /// Everything in progress is completely handed to the transport.
    fn confirm(&mut self) {
        for (ledger, id) in self.tracked.drain(..) {
            ledger.written(id);
        }
    }

    /// The writer stopped: reports the frames in progress and every queued one as not sent.
    fn abandon(&mut self) {
        for (ledger, id) in self.tracked.drain(..) {
            ledger.not_sent(id);
        }
        if let Some(cmd) = self.held.take() {
            abandon(cmd);
        }
        abandon_queue(&mut self.rx);
    }
}

/// Per outbound sub-stream: how many lanes write it, and whether one is midway through a
/// frame on it (then no other lane may start one there).
#[derive(Clone, Copy, Default)]
struct StreamUse {
    lanes: u32,
    busy: bool,
}

/// The writer of a multi-stream connection.
struct LaneWriter {
    io: Box<dyn SubStreamWrite>,
    /// The connection's own queue (frames not sent by a session) on sub-stream 0.
    main: Lane,
    register: mpsc::UnboundedReceiver<mpsc::Receiver<WriteCmd>>,
    registry_open: bool,
    lanes: Vec<Lane>,
    /// Indexed by sub-stream id.
    streams: Vec<StreamUse>,
    /// Where small frames are gathered into one chunk; split off for each batch.
    batch: BytesMut,
    /// Round-robin position.
    next: usize,
    /// Fires when the connection is to be closed once everything queued is sent.
    closing: Pin<Box<WaitForCancellationFutureOwned>>,
    closing_seen: bool,
}

/// Runs until every queue is closed, or `closing` fires and every queue is empty, then closes
/// the connection gracefully; or until a write fails, or `abort` fires (the connection is
/// dropped, which aborts it). Returns the write error, if any. Before returning it reports
/// every tracked frame not completely written (including those still queued) as not sent.
///
/// Consecutive frames of one lane smaller than [`SubStreamWrite::max_chunk`] (split ones
/// included) are sent together as one chunk: a message of a few hundred bytes does not cost an SCTP user message
/// of its own when more are queued behind it.
pub(crate) async fn write_substreams(
    io: Box<dyn SubStreamWrite>,
    main: mpsc::Receiver<WriteCmd>,
    register: mpsc::UnboundedReceiver<mpsc::Receiver<WriteCmd>>,
    closing: CancellationToken,
    abort: CancellationToken,
) -> io::Result<()> {
    let streams = vec![StreamUse::default(); usize::from(io.streams().max(1))];
    let mut w = LaneWriter {
        io,
        main: Lane::new(main, 0),
        register,
        registry_open: true,
        lanes: Vec::new(),
        streams,
        batch: BytesMut::new(),
        next: 0,
        closing: Box::pin(closing.cancelled_owned()),
        closing_seen: false,
    };
    let result = tokio::select! {
        biased;
        () = abort.cancelled() => Ok(()),
        r = async {
            poll_fn(|cx| w.poll_run(cx)).await?;
            poll_fn(|cx| w.io.poll_close(cx)).await
        } => r,
    };
    w.main.abandon();
    for lane in &mut w.lanes {
        lane.abandon();
    }
    w.register.close();
    while let Ok(rx) = w.register.try_recv() {
        Lane::new(rx, 0).abandon();
    }
    result
}

impl LaneWriter {
    /// The sub-stream for a new lane: the lowest one no lane writes (0 is the connection's
    /// own), else the one with the fewest lanes.
    fn pick_stream(&mut self) -> u16 {
        let stream = if self.streams.len() <= 1 {
            0
        } else {
            (1..self.streams.len())
                .min_by_key(|&s| self.streams[s].lanes)
                .expect("at least one sub-stream besides 0")
        };
        self.streams[stream].lanes += 1;
        u16::try_from(stream).expect("sub-stream ids are u16")
    }

    fn poll_run(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            if !self.closing_seen && self.closing.as_mut().poll(cx).is_ready() {
                self.closing_seen = true;
            }
            while self.registry_open {
                match self.register.poll_recv(cx) {
                    Poll::Ready(Some(rx)) => {
                        let stream = self.pick_stream();
                        self.lanes.push(Lane::new(rx, stream));
                    }
                    Poll::Ready(None) => self.registry_open = false,
                    Poll::Pending => break,
                }
            }
            let mut progress = false;
            match self.step(None, cx)? {
                Step::Progress => progress = true,
                Step::Blocked => return Poll::Pending,
                Step::Idle => {}
            }
            let n = self.lanes.len();
            for k in 0..n {
                let i = (self.next + k) % n;
                match self.step(Some(i), cx)? {
                    Step::Progress => progress = true,
                    Step::Blocked => {
                        self.next = i;
                        return Poll::Pending;
                    }
                    Step::Idle => {}
                }
            }
            if n > 0 {
                self.next = (self.next + 1) % n;
            }
            let streams = &mut self.streams;
            self.lanes.retain(|l| {
                let keep = !l.done || !l.current.is_empty();
                if !keep {
                    streams[usize::from(l.stream)].lanes -= 1;
                }
                keep
            });
            if progress {
                continue;
            }
            // A whole round found nothing to send: every queue is empty (or closed).
            let idle =
                self.lanes.iter().all(|l| l.current.is_empty()) && self.main.current.is_empty();
            let all_closed = self.main.done && !self.registry_open && self.lanes.is_empty();
            if idle && (self.closing_seen || all_closed) {
                return Poll::Ready(Ok(()));
            }
            return Poll::Pending;
        }
    }

    /// Sends one chunk of lane `i` (or the main queue), taking its next command if it has
    /// nothing in progress.
    fn step(&mut self, i: Option<usize>, cx: &mut Context<'_>) -> io::Result<Step> {
        let max = self.io.max_chunk().max(1);
        let lane = match i {
            None => &mut self.main,
            Some(i) => &mut self.lanes[i],
        };
        let stream = usize::from(lane.stream);
        if lane.current.is_empty() {
            if lane.done && lane.held.is_none() {
                return Ok(Step::Idle);
            }
            if self.streams[stream].busy {
                // Another lane is midway through a frame on this sub-stream.
                return Ok(Step::Idle);
            }
            match lane.poll_cmd(cx) {
                Poll::Ready(Some(WriteCmd::Frame(b, tracked))) if b.len() < max => {
                    self.batch.extend_from_slice(&b);
                    lane.tracked.extend(tracked);
                    lane.gather(&mut self.batch, max, cx);
                    lane.current = self.batch.split().freeze();
                }
                Poll::Ready(Some(WriteCmd::Split(h, b, tracked))) if h.len() + b.len() < max => {
                    // A split frame smaller than a chunk is cheaper copied than sent in two.
                    self.batch.extend_from_slice(&h);
                    self.batch.extend_from_slice(&b);
                    lane.tracked.extend(tracked);
                    lane.gather(&mut self.batch, max, cx);
                    lane.current = self.batch.split().freeze();
                }
                Poll::Ready(Some(WriteCmd::Frame(b, tracked))) => {
                    lane.current = b;
                    lane.tracked.extend(tracked);
                }
                Poll::Ready(Some(WriteCmd::Split(head, body, tracked))) => {
                    lane.current = head;
                    lane.body = body;
                    lane.tracked.extend(tracked);
                    lane.next_part();
                }
                Poll::Ready(Some(WriteCmd::Flush(ack))) => {
                    // Everything this lane queued before has been handed to the transport.
                    let _ = ack.send(true);
                    return Ok(Step::Progress);
                }
                Poll::Ready(None) => {
                    lane.done = true;
                    return Ok(Step::Progress);
                }
                Poll::Pending => return Ok(Step::Idle),
            }
            if lane.current.is_empty() {
                lane.confirm();
                return Ok(Step::Progress);
            }
            self.streams[stream].busy = true;
        }
        match self.io.poll_ready(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Err(e),
            Poll::Pending => return Ok(Step::Blocked),
        }
        let lane = match i {
            None => &mut self.main,
            Some(i) => &mut self.lanes[i],
        };
        let take = lane.current.len().min(max);
        let chunk = lane.current.split_to(take);
        self.io.send(lane.stream, chunk)?;
        lane.next_part();
        if lane.current.is_empty() {
            lane.confirm();
            self.streams[stream].busy = false;
        }
        Ok(Step::Progress)
    }
}

enum Step {
    Progress,
    Idle,
    Blocked,
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tokio::sync::oneshot;

    use super::*;
    use crate::hub::ledger::SendLedger;
    use crate::message::{DeliveryEvent, DeliveryStatus, MessageId};

    /// What a [`Budget`] took: (sub-stream, chunk length) in order.
    type ChunkLog = Arc<Mutex<Vec<(u16, usize)>>>;

    /// Takes `budget` chunks of at most `chunk` bytes, then fails; logs what it took.
    struct Budget {
        budget: usize,
        chunk: usize,
        log: ChunkLog,
        closed: Arc<Mutex<bool>>,
    }

    impl SubStreamWrite for Budget {
        fn streams(&self) -> u16 {
            4
        }
        fn max_chunk(&self) -> usize {
            self.chunk
        }
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            if self.budget == 0 {
                return Poll::Ready(Err(io::ErrorKind::ConnectionAborted.into()));
            }
            Poll::Ready(Ok(()))
        }
        fn send(&mut self, stream: u16, chunk: Bytes) -> io::Result<()> {
            self.budget -= 1;
            self.log.lock().unwrap().push((stream, chunk.len()));
            Ok(())
        }
        fn poll_close(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            *self.closed.lock().unwrap() = true;
            Poll::Ready(Ok(()))
        }
    }

    fn budget(budget: usize) -> (Box<Budget>, ChunkLog, Arc<Mutex<bool>>) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let closed = Arc::new(Mutex::new(false));
        let io = Budget {
            budget,
            chunk: 10,
            log: log.clone(),
            closed: closed.clone(),
        };
        (Box::new(io), log, closed)
    }

    /// Runs the writer over `io` with the lanes of `register` and no frames of the connection's
    /// own, closing once everything queued is sent.
    async fn drain_and_close(
        io: Box<Budget>,
        register: mpsc::UnboundedReceiver<mpsc::Receiver<WriteCmd>>,
    ) -> io::Result<()> {
        let (_main_tx, main) = mpsc::channel(1);
        let (closing, abort) = (CancellationToken::new(), CancellationToken::new());
        closing.cancel();
        write_substreams(io, main, register, closing, abort).await
    }

    /// A lane registered with `lanes`, holding frames of `lens` bytes tracked as ids 1, 2, ...
    async fn lane(
        lanes: &Lanes,
        ledger: &Arc<SendLedger>,
        lens: &[usize],
    ) -> mpsc::Sender<WriteCmd> {
        let (tx, rx) = mpsc::channel(16);
        lanes.register.send(rx).unwrap();
        for (i, len) in lens.iter().enumerate() {
            let tracked = Some((ledger.clone(), MessageId(i as u64 + 1)));
            let frame = Bytes::from(vec![b'x'; *len]);
            tx.send(WriteCmd::Frame(frame, tracked)).await.unwrap();
        }
        tx
    }

    #[tokio::test]
    async fn frames_cut_by_a_failed_connection_are_reported_not_sent() {
        let ledger = Arc::new(SendLedger::new());
        let mut events = ledger.take_receiver().expect("first take");
        let (lanes, register) = Lanes::new(16);
        // 5 + 30 + 5 bytes in chunks of 10: the budget of 3 chunks ends inside message 2.
        let tx = lane(&lanes, &ledger, &[5, 30, 5]).await;
        let (ack_tx, ack) = oneshot::channel();
        tx.send(WriteCmd::Flush(ack_tx)).await.unwrap();
        let (io, _, closed) = budget(3);
        let result = drain_and_close(io, register).await;
        assert!(result.is_err());
        assert!(
            !*closed.lock().unwrap(),
            "a failed connection is not closed gracefully"
        );
        assert_eq!(ack.await, Ok(false));
        assert_eq!(ledger.last_written(), Some(MessageId(1)));
        let not_sent = |id| DeliveryEvent {
            id: MessageId(id),
            status: DeliveryStatus::NotSent,
        };
        assert_eq!(events.recv().await, Some(not_sent(2)));
        assert_eq!(events.recv().await, Some(not_sent(3)));
        assert!(events.try_recv().is_err());
        assert!(
            tx.send(WriteCmd::Flush(oneshot::channel().0))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn closing_sends_every_queued_frame_of_every_lane_first() {
        let ledger = Arc::new(SendLedger::new());
        let mut events = ledger.take_receiver().expect("first take");
        let (lanes, register) = Lanes::new(16);
        let _a = lane(&lanes, &ledger, &[25, 5]).await;
        let _b = lane(&lanes, &ledger, &[12]).await;
        let (io, log, closed) = budget(usize::MAX);
        drain_and_close(io, register).await.unwrap();
        assert!(*closed.lock().unwrap());
        let log = log.lock().unwrap().clone();
        let on = |s: u16| {
            log.iter()
                .filter(|(st, _)| *st == s)
                .map(|(_, n)| n)
                .sum::<usize>()
        };
        // Each lane has its own sub-stream; chunks of the two lanes interleave.
        assert_eq!((on(1), on(2)), (30, 12), "{log:?}");
        assert_eq!(log[..2], [(1, 10), (2, 10)], "{log:?}");
        assert!(events.try_recv().is_err(), "nothing reported not sent");
        assert_eq!(ledger.last_written(), Some(MessageId(2)));
    }

    #[tokio::test]
    async fn small_frames_queued_together_go_out_as_one_chunk() {
        let ledger = Arc::new(SendLedger::new());
        let mut events = ledger.take_receiver().expect("first take");
        let (lanes, register) = Lanes::new(16);
        // Chunks of at most 10: 3 + 3 + 3 fit one, the next 3 and the 4 the next, 10 alone.
        let tx = lane(&lanes, &ledger, &[3, 3, 3, 3, 4, 10]).await;
        // A split frame of 2 + 3 joins the next batch too.
        let (head, body) = (Bytes::from_static(b"hh"), Bytes::from_static(b"bbb"));
        let tracked = Some((ledger.clone(), MessageId(7)));
        tx.send(WriteCmd::Split(head, body, tracked)).await.unwrap();
        drop(tx);
        let (io, log, _) = budget(usize::MAX);
        drain_and_close(io, register).await.unwrap();
        assert_eq!(*log.lock().unwrap(), [(1, 9), (1, 7), (1, 10), (1, 5)]);
        assert_eq!(ledger.last_written(), Some(MessageId(7)));
        assert!(events.try_recv().is_err(), "nothing reported not sent");
    }

    #[tokio::test]
    async fn lanes_beyond_the_sub_streams_share_them_one_frame_at_a_time() {
        let ledger = Arc::new(SendLedger::new());
        let (lanes, register) = Lanes::new(16);
        // 4 sub-streams: 0 is the connection's own, so 5 lanes share 1, 2 and 3.
        let mut senders = Vec::new();
        for _ in 0..5 {
            senders.push(lane(&lanes, &ledger, &[25]).await);
        }
        drop(senders);
        let (io, log, _) = budget(usize::MAX);
        drain_and_close(io, register).await.unwrap();
        let log = log.lock().unwrap().clone();
        // Every frame is 10 + 10 + 5 on its sub-stream, never cut by another frame's chunk.
        for stream in 1..4 {
            let sizes: Vec<usize> = log
                .iter()
                .filter(|(s, _)| *s == stream)
                .map(|(_, n)| *n)
                .collect();
            assert!(!sizes.is_empty(), "{log:?}");
            for frame in sizes.chunks(3) {
                assert_eq!(frame, [10, 10, 5], "{log:?}");
            }
        }
        assert_eq!(log.len(), 15, "{log:?}");
    }

    #[tokio::test]
    async fn a_split_frame_is_sent_head_then_body_and_is_written_only_when_both_are() {
        for (budget_chunks, written) in [(usize::MAX, Some(MessageId(2))), (3, None)] {
            let ledger = Arc::new(SendLedger::new());
            let mut events = ledger.take_receiver().expect("first take");
            let (lanes, register) = Lanes::new(16);
            let (tx, rx) = mpsc::channel(16);
            lanes.register.send(rx).unwrap();
            let tracked = |id| Some((ledger.clone(), MessageId(id)));
            let (head, body) = (Bytes::from(vec![b'h'; 5]), Bytes::from(vec![b'b'; 25]));
            tx.send(WriteCmd::Split(head, body, tracked(1)))
                .await
                .unwrap();
            tx.send(WriteCmd::Frame(Bytes::from(vec![b'x'; 5]), tracked(2)))
                .await
                .unwrap();
            drop(tx);
            let (io, log, _) = budget(budget_chunks);
            let result = drain_and_close(io, register).await;
            assert_eq!(ledger.last_written(), written);
            let log = log.lock().unwrap().clone();
            if written.is_some() {
                result.unwrap();
                assert_eq!(log, [(1, 5), (1, 10), (1, 10), (1, 5), (1, 5)]);
                assert!(events.try_recv().is_err(), "nothing reported not sent");
            } else {
                // The head and 20 of the body's 25 bytes went out.
                assert!(result.is_err());
                assert_eq!(log, [(1, 5), (1, 10), (1, 10)]);
                let ids: Vec<_> = [events.recv().await, events.recv().await]
                    .into_iter()
                    .map(|e| e.map(|e| (e.id, e.status)))
                    .collect();
                let not_sent = |id| Some((MessageId(id), DeliveryStatus::NotSent));
                assert_eq!(ids, [not_sent(1), not_sent(2)]);
            }
        }
    }
}
