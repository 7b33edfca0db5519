//! One association as the hub sees it: [`SctpReader`] and [`SctpWriter`], the two halves of
//! a [`SubStreams`] connection, sharing the association's state with the socket driver.

use std::collections::{BTreeSet, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use imsession::{SubStreamRead, SubStreamWrite, SubStreams};
use sctp_proto::{Association, PayloadProtocolIdentifier};
use tokio::sync::{Notify, mpsc};

use crate::packet::Seen;
use crate::{MAX_CHUNK, SEND_BUFFER};

/// What the reader receives: a message of one stream, or the association's end.
pub(crate) type Inbound = io::Result<(u16, Bytes)>;

/// The payload protocol identifier written on every DATA chunk (receivers ignore it; see
/// `docs/sctp.md`).
pub(crate) const PPID: PayloadProtocolIdentifier = PayloadProtocolIdentifier::Binary;

/// State of one association, shared by the socket driver and the hub's reader and writer.
pub(crate) struct AssocState {
    pub(crate) assoc: Association,
    pub(crate) remote: SocketAddr,
    /// Where inbound messages go; `None` once the association ended.
    pub(crate) inbound: Option<mpsc::Sender<Inbound>>,
    /// The reader's queue was full: read no more until it takes something.
    pub(crate) read_blocked: bool,
    /// Streams with messages waiting in `sctp-proto`.
    pub(crate) readable: BTreeSet<u16>,
    /// The stream to read first next time: streams are read one message each in turn.
    pub(crate) read_next: u16,
    /// Messages taken out of `sctp-proto` once the association is shutting down (its close
    /// discards unread messages), waiting for room in the reader's queue. Delivered before
    /// the association's end; bounded by the receive window (see `driver::rescue`).
    pub(crate) pending: VecDeque<(u16, Bytes)>,
    /// Bytes in [`AssocState::pending`].
    pub(crate) pending_bytes: usize,
    /// The peer started the shutdown: it sends no more data, so everything it sent can be
    /// taken out of `sctp-proto` at once.
    pub(crate) peer_shutdown: bool,
    /// The error the reader gets after the pending messages, once the association failed.
    pub(crate) end_error: Option<io::Error>,
    /// Streams we have opened for writing.
    pub(crate) written: BTreeSet<u16>,
    /// The writer waiting for room.
    pub(crate) send_waker: Option<Waker>,
    /// Why the association failed, once it did.
    pub(crate) error: Option<String>,
    /// The handshake or the association failed because the peer stopped answering (its
    /// retransmissions ran out), not because it refused or aborted.
    pub(crate) timed_out: bool,
    /// Lost (closed or failed); nothing more is sent or received.
    pub(crate) lost: bool,
    /// Whether a graceful SHUTDOWN was started by either side.
    pub(crate) shutting_down: bool,
    /// An ABORT was asked for and not sent yet.
    pub(crate) abort: bool,
    /// The peer sent an ABORT.
    pub(crate) peer_aborted: bool,
    /// When a datagram of this association last arrived.
    pub(crate) last_heard: std::time::Instant,
    /// When the graceful shutdown (ours or the peer's) started.
    pub(crate) shutdown_started: Option<std::time::Instant>,
    /// Ports and the peer's tag, for an ABORT.
    pub(crate) seen: Option<Seen>,
    /// Outbound streams usable: ours, capped by the peer's maximum inbound streams (and, when
    /// we answered its INIT, by its outbound streams: what our INIT ACK announced).
    pub(crate) streams: u16,
}

impl AssocState {
    /// Bytes queued in `sctp-proto` and not yet acknowledged, over the streams we wrote.
    pub(crate) fn buffered(&mut self) -> usize {
        let ids: Vec<u16> = self.written.iter().copied().collect();
        ids.into_iter()
            .filter_map(|id| self.assoc.stream(id).ok()?.buffered_amount().ok())
            .sum()
    }

    fn failure(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::ConnectionAborted,
            self.error
                .clone()
                .unwrap_or_else(|| "association closed".to_owned()),
        )
    }
}

/// The association's state plus the driver's wake-up.
pub(crate) struct AssocShared {
    pub(crate) state: Mutex<AssocState>,
    pub(crate) wake: Arc<Notify>,
}

impl AssocShared {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, AssocState> {
        self.state.lock().expect("association lock")
    }
}

/// The inbound half.
pub(crate) struct SctpReader {
    rx: mpsc::Receiver<Inbound>,
    shared: Arc<AssocShared>,
}

impl SubStreamRead for SctpReader {
    fn poll_read(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<(u16, Bytes)>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(item))) => {
                let mut st = self.shared.lock();
                if st.read_blocked {
                    st.read_blocked = false;
                    self.shared.wake.notify_one();
                }
                Poll::Ready(Ok(Some(item)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Err(e)),
            Poll::Ready(None) => Poll::Ready(Ok(None)),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The outbound half. Dropping it without closing aborts the association, unless a graceful
/// shutdown is already under way.
pub(crate) struct SctpWriter {
    shared: Arc<AssocShared>,
    streams: u16,
    closed: bool,
}

impl SubStreamWrite for SctpWriter {
    fn streams(&self) -> u16 {
        self.streams
    }

    fn max_chunk(&self) -> usize {
        MAX_CHUNK
    }

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = self.shared.lock();
        if st.lost || st.shutting_down {
            return Poll::Ready(Err(st.failure()));
        }
        if st.buffered() < SEND_BUFFER {
            return Poll::Ready(Ok(()));
        }
        st.send_waker = Some(cx.waker().clone());
        Poll::Pending
    }

    fn send(&mut self, stream: u16, chunk: Bytes) -> io::Result<()> {
        if chunk.len() > MAX_CHUNK || stream >= self.streams {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("chunk of {} bytes on stream {stream}", chunk.len()),
            ));
        }
        let mut st = self.shared.lock();
        if st.lost {
            return Err(st.failure());
        }
        if st.written.insert(stream) && st.assoc.stream(stream).is_err() {
            st.assoc
                .open_stream(stream, PPID)
                .map_err(|e| io::Error::other(format!("open stream {stream}: {e}")))?;
        }
        let mut s = st
            .assoc
            .stream(stream)
            .map_err(|e| io::Error::other(format!("stream {stream}: {e}")))?;
        s.write_sctp(&chunk, PPID)
            .map_err(|e| io::Error::other(format!("write on stream {stream}: {e}")))?;
        drop(st);
        self.shared.wake.notify_one();
        Ok(())
    }

    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.closed {
            return Poll::Ready(Ok(()));
        }
        let mut st = self.shared.lock();
        if st.lost {
            // Ended: cleanly (nothing is left to close), or failed (what was queued is lost).
            self.closed = true;
            return Poll::Ready(match st.error {
                Some(_) => Err(st.failure()),
                None => Ok(()),
            });
        }
        if st.assoc.is_closing() {
            // A shutdown is under way (the peer's, maybe): it completes by itself.
            self.closed = true;
            return Poll::Ready(Ok(()));
        }
        // `sctp-proto` sends no queued DATA once SHUTDOWN starts: wait until it is all sent.
        if st.buffered() > 0 {
            st.send_waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        self.closed = true;
        st.shutting_down = true;
        if st.assoc.shutdown().is_err() {
            // Not established (yet or any more): nothing graceful is possible.
            st.abort = true;
        }
        drop(st);
        self.shared.wake.notify_one();
        Poll::Ready(Ok(()))
    }
}

impl Drop for SctpWriter {
    fn drop(&mut self) {
        if !self.closed {
            let mut st = self.shared.lock();
            // A shutdown under way (the peer's SHUTDOWN, maybe) is let finish, not aborted.
            if !st.lost && !st.assoc.is_closing() {
                st.abort = true;
            }
            drop(st);
            self.shared.wake.notify_one();
        }
    }
}

/// The hub's view of an association whose inbound messages arrive on `rx`.
pub(crate) fn substreams(
    shared: Arc<AssocShared>,
    rx: mpsc::Receiver<Inbound>,
    streams: u16,
) -> SubStreams {
    SubStreams {
        reader: Box::new(SctpReader {
            rx,
            shared: shared.clone(),
        }),
        writer: Box::new(SctpWriter {
            shared,
            streams,
            closed: false,
        }),
    }
}
