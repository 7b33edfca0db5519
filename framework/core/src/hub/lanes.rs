//! The hub for multi-stream connections ([`crate::substreams`]): one outbound lane (queue and
//! sub-stream) per session, chunks of different lanes interleaved; one frame decoder per
//! inbound sub-stream.

use std::collections::HashMap;
use std::future::poll_fn;
use std::io;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use tokio::sync::mpsc;

use super::connection::Shared;
use super::reader::route;
use super::writer::WriteCmd;
use crate::error::SessionError;
use crate::mechanism::FrameDecoder;
use crate::substreams::{SubStreamRead, SubStreamWrite};

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

/// Reads chunks of every inbound sub-stream, decodes each sub-stream with its own decoder and
/// routes frames by session key. Ends every session when the connection ends.
pub(crate) async fn read_substreams(
    shared: Arc<Shared>,
    mut io: Box<dyn SubStreamRead>,
    new_decoder: impl Fn() -> Box<dyn FrameDecoder>,
) {
    let mut inbound: HashMap<u16, (Box<dyn FrameDecoder>, BytesMut, u64)> = HashMap::new();
    loop {
        let (id, chunk) = match poll_fn(|cx| io.poll_read(cx)).await {
            Ok(Some(item)) => item,
            Ok(None) => {
                let buffered: usize = inbound.values().map(|(_, b, _)| b.len()).sum();
                let error = (buffered > 0).then_some(SessionError::Truncated { buffered });
                return shared.end_all(error);
            }
            Err(e) => return shared.end_all(Some(SessionError::Connection(e.to_string()))),
        };
        let (decoder, buf, discarded) = inbound
            .entry(id)
            .or_insert_with(|| (new_decoder(), BytesMut::new(), 0));
        // Reserve what the frame being decoded still needs, so a large frame is not copied
        // while its buffer doubles.
        buf.reserve(decoder.reserve_hint().max(chunk.len()));
        buf.extend_from_slice(&chunk);
        loop {
            match decoder.decode(buf) {
                Ok(Some(frame)) => route(&shared, frame).await,
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(peer = %shared.peer, stream = id, "framing error: {e}");
                    shared.close();
                    return shared.end_all(Some(SessionError::BadFrame(e.0)));
                }
            }
        }
        let now = decoder.discarded_bytes();
        if now != *discarded {
            let n = now - *discarded;
            *discarded = now;
            shared.discarded_bytes.fetch_add(n, Ordering::Relaxed);
            if let Some(ep) = shared.endpoint.upgrade() {
                ep.stats.discarded_bytes.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
}

/// One session's outbound queue and the sub-stream it writes.
struct Lane {
    rx: mpsc::Receiver<WriteCmd>,
    stream: u16,
    /// The rest of the frame being sent.
    current: Bytes,
    /// The queue is closed and drained.
    done: bool,
}

/// The writer of a multi-stream connection.
struct LaneWriter {
    io: Box<dyn SubStreamWrite>,
    /// The connection's own queue (`Close`, and frames not sent by a session) on sub-stream 0.
    main: Lane,
    register: mpsc::UnboundedReceiver<mpsc::Receiver<WriteCmd>>,
    registry_open: bool,
    lanes: Vec<Lane>,
    /// Round-robin position.
    next: usize,
    closing: bool,
    /// Lanes created so far, for picking sub-streams.
    created: u64,
}

/// Runs until `Close` arrives (or every queue is closed) and everything queued is sent; then
/// closes the connection gracefully. Returns the first error.
pub(crate) async fn write_substreams(
    io: Box<dyn SubStreamWrite>,
    main: mpsc::Receiver<WriteCmd>,
    register: mpsc::UnboundedReceiver<mpsc::Receiver<WriteCmd>>,
) -> io::Result<()> {
    let mut w = LaneWriter {
        io,
        main: Lane {
            rx: main,
            stream: 0,
            current: Bytes::new(),
            done: false,
        },
        register,
        registry_open: true,
        lanes: Vec::new(),
        next: 0,
        closing: false,
        created: 0,
    };
    poll_fn(|cx| w.poll_run(cx)).await?;
    poll_fn(|cx| w.io.poll_close(cx)).await
}

impl LaneWriter {
    /// The sub-stream for a new lane: the first one no live lane uses (0 is the connection's
    /// own), else one shared round-robin.
    fn pick_stream(&mut self) -> u16 {
        let streams = self.io.streams();
        self.created += 1;
        if streams <= 1 {
            return 0;
        }
        let used: std::collections::HashSet<u16> = self.lanes.iter().map(|l| l.stream).collect();
        (1..streams)
            .find(|s| !used.contains(s))
            .unwrap_or_else(|| 1 + (self.created % u64::from(streams - 1)) as u16)
    }

    fn poll_run(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            while self.registry_open {
                match self.register.poll_recv(cx) {
                    Poll::Ready(Some(rx)) => {
                        let stream = self.pick_stream();
                        self.lanes.push(Lane {
                            rx,
                            stream,
                            current: Bytes::new(),
                            done: false,
                        });
                    }
                    Poll::Ready(None) => self.registry_open = false,
                    Poll::Pending => break,
                }
            }
            let mut progress = false;
            // The connection's own queue first: it carries `Close`.
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
            self.lanes.retain(|l| !l.done || !l.current.is_empty());
            let idle =
                self.lanes.iter().all(|l| l.current.is_empty()) && self.main.current.is_empty();
            if idle
                && (self.closing
                    || (self.main.done && !self.registry_open && self.lanes.is_empty()))
            {
                return Poll::Ready(Ok(()));
            }
            if !progress {
                return Poll::Pending;
            }
        }
    }

    /// Sends one chunk of lane `i` (or the main queue), taking its next command if it has no
    /// frame in progress.
    fn step(&mut self, i: Option<usize>, cx: &mut Context<'_>) -> io::Result<Step> {
        let stream_busy_elsewhere = |lanes: &[Lane], me: usize, stream: u16| {
            lanes
                .iter()
                .enumerate()
                .any(|(j, l)| j != me && l.stream == stream && !l.current.is_empty())
        };
        let lane = match i {
            None => &mut self.main,
            Some(i) => &mut self.lanes[i],
        };
        if lane.current.is_empty() {
            if lane.done {
                return Ok(Step::Idle);
            }
            if let Some(i) = i {
                let stream = self.lanes[i].stream;
                if stream_busy_elsewhere(&self.lanes, i, stream) {
                    // Another lane is midway through a frame on this sub-stream.
                    return Ok(Step::Idle);
                }
            }
            let lane = match i {
                None => &mut self.main,
                Some(i) => &mut self.lanes[i],
            };
            match lane.rx.poll_recv(cx) {
                Poll::Ready(Some(WriteCmd::Frame(b))) => lane.current = b,
                Poll::Ready(Some(WriteCmd::Flush(ack))) => {
                    // Everything this lane queued before has been handed to the transport.
                    let _ = ack.send(true);
                    return Ok(Step::Progress);
                }
                Poll::Ready(Some(WriteCmd::Close)) => {
                    self.closing = true;
                    return Ok(Step::Progress);
                }
                Poll::Ready(None) => {
                    lane.done = true;
                    return Ok(Step::Progress);
                }
                Poll::Pending => return Ok(Step::Idle),
            }
            if lane.current.is_empty() {
                return Ok(Step::Progress);
            }
        }
        match self.io.poll_ready(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Err(e),
            Poll::Pending => return Ok(Step::Blocked),
        }
        let max = self.io.max_chunk().max(1);
        let lane = match i {
            None => &mut self.main,
            Some(i) => &mut self.lanes[i],
        };
        let take = lane.current.len().min(max);
        let chunk = lane.current.split_to(take);
        self.io.send(lane.stream, chunk)?;
        Ok(Step::Progress)
    }
}

enum Step {
    Progress,
    Idle,
    Blocked,
}
