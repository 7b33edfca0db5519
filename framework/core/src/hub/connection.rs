//! [`Shared`]: the state of one connection that sessions hold on to.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::writer::WriteCmd;
use crate::endpoint::Inner;
use crate::error::SessionError;
use crate::limits::{EARLY_FRAMES_MAX, Limit};
use crate::mechanism::SessionKey;
use crate::message::Message;
use crate::transport::PeerIdentity;

/// What a session's inbound queue carries, boxed so that the queue's storage, allocated when
/// the session is registered and kept while it lives, is small: a tokio channel allocates
/// its first block of 32 slots up front, 32 x 8 bytes boxed against 32 x 168 bytes unboxed,
/// per idle session (see `docs/benchmarks.md`, idle memory).
pub(crate) type Inbound = Box<Result<Message, SessionError>>;

/// Counters of one connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionStats {
    /// Frames whose session identity matched no session on this connection; discarded.
    pub unknown_session_frames: u64,
    /// Bytes skipped before a frame envelope.
    pub discarded_bytes: u64,
    /// Frames delivered to sessions.
    pub frames_received: u64,
    /// Sessions on the connection now.
    pub sessions: usize,
}

/// One connection, shared by the sessions on it.
pub(crate) struct Shared {
    pub(crate) transport: String,
    pub(crate) mechanism: String,
    pub(crate) peer: PeerIdentity,
    pub(crate) local_addr: SocketAddr,
    /// `(host, port)` we connected to, for connections we initiated.
    pub(crate) target: Option<(String, u16)>,
    pub(crate) writer: mpsc::Sender<WriteCmd>,
    /// Per-session lanes, on multi-stream connections.
    pub(crate) lanes: Option<super::lanes::Lanes>,
    pub(crate) routes: Mutex<HashMap<SessionKey, mpsc::Sender<Inbound>>>,
    /// Counts changes to `routes` (made under its lock): a reader's cached route is valid
    /// while this has not moved.
    pub(crate) routes_changed: AtomicU64,
    pub(crate) closed: AtomicBool,
    /// Whether a session has ever been bound (an accepted connection nobody claims is closed
    /// after the bind timeout).
    pub(crate) ever_bound: AtomicBool,
    pub(crate) unknown_frames: AtomicU64,
    pub(crate) discarded_bytes: AtomicU64,
    pub(crate) frames_received: AtomicU64,
    /// Frames for sessions not known yet, kept for [`crate::Limits::early_frame_grace`].
    pub(crate) early: Mutex<VecDeque<(Instant, SessionKey, Message)>>,
    pub(crate) endpoint: Weak<Inner>,
    /// Fired to close the connection: the writer writes what is queued, then shuts down.
    pub(crate) closing: CancellationToken,
    /// Fired when the connection fails: the writer stops at once and reports what it did not
    /// write.
    pub(crate) abort: CancellationToken,
    /// Fired once the writer has stopped and reported every message it did not write.
    pub(crate) writer_done: CancellationToken,
}

impl Shared {
    /// Removes the route for `key`; when no route remains, the connection is closed after the
    /// idle grace period unless a session claims it meanwhile.
    pub(crate) fn unregister(self: &Arc<Self>, key: &SessionKey) {
        let empty = {
            let mut routes = self.routes.lock().expect("routes lock");
            routes.remove(key);
            self.routes_changed.fetch_add(1, Ordering::Release);
            routes.is_empty()
        };
        if empty {
            if let Some(ep) = self.endpoint.upgrade() {
                ep.schedule_idle_close(self.clone());
            }
        }
    }

    /// Keeps a frame for a session not known yet; evicts the oldest beyond
    /// [`EARLY_FRAMES_MAX`], counting it discarded.
    pub(crate) fn stash_early(
        self: &Arc<Self>,
        key: SessionKey,
        message: Message,
        grace: Duration,
    ) {
        let (was_empty, evicted) = {
            let mut early = self.early.lock().expect("early lock");
            let was_empty = early.is_empty();
            early.push_back((Instant::now(), key, message));
            (
                was_empty,
                early.len() > EARLY_FRAMES_MAX && early.pop_front().is_some(),
            )
        };
        if evicted {
            self.count_unknown(1);
        }
        if was_empty {
            // One expiry task per connection while frames are kept, not one per frame.
            let weak = Arc::downgrade(self);
            tokio::spawn(async move {
                loop {
                    let oldest = {
                        let Some(conn) = weak.upgrade() else { return };
                        conn.expire_early(grace);
                        let early = conn.early.lock().expect("early lock");
                        early.front().map(|(at, _, _)| *at)
                    };
                    let Some(oldest) = oldest else { return };
                    tokio::time::sleep_until((oldest + grace).into()).await;
                }
            });
        }
    }

    /// Discards (and counts) early frames older than `grace`.
    pub(crate) fn expire_early(&self, grace: Duration) {
        let expired = {
            let mut early = self.early.lock().expect("early lock");
            let before = early.len();
            early.retain(|(at, _, _)| at.elapsed() < grace);
            before - early.len()
        };
        self.count_unknown(expired as u64);
    }

    /// Takes the early frames carrying `key`, oldest first.
    pub(crate) fn take_early(&self, key: &SessionKey) -> Vec<Message> {
        let mut early = self.early.lock().expect("early lock");
        let (mine, rest): (Vec<_>, Vec<_>) = early.drain(..).partition(|(_, k, _)| k == key);
        early.extend(rest);
        mine.into_iter().map(|(_, _, m)| m).collect()
    }

    pub(crate) fn has_early(&self, key: &SessionKey) -> bool {
        self.early
            .lock()
            .expect("early lock")
            .iter()
            .any(|(_, k, _)| k == key)
    }

    /// Counts frames discarded for want of a session.
    pub(crate) fn count_unknown(&self, n: u64) {
        if n == 0 {
            return;
        }
        self.unknown_frames.fetch_add(n, Ordering::Relaxed);
        if let Some(ep) = self.endpoint.upgrade() {
            ep.stats
                .unknown_session_frames
                .fetch_add(n, Ordering::Relaxed);
        }
    }

    pub(crate) fn session_count(&self) -> usize {
        self.routes.lock().expect("routes lock").len()
    }

    pub(crate) fn is_open(&self) -> bool {
        !self.closed.load(Ordering::Acquire)
    }

    /// Closes the write side (after queued frames) and forgets the connection.
    pub(crate) fn close(self: &Arc<Self>) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        self.closing.cancel();
        if let Some(ep) = self.endpoint.upgrade() {
            ep.forget(self);
        }
    }

    pub(crate) fn stats(&self) -> ConnectionStats {
        ConnectionStats {
            unknown_session_frames: self.unknown_frames.load(Ordering::Relaxed),
            discarded_bytes: self.discarded_bytes.load(Ordering::Relaxed),
            frames_received: self.frames_received.load(Ordering::Relaxed),
            sessions: self.session_count(),
        }
    }

    /// Counts a limit hit in the endpoint's counters.
    pub(crate) fn count_limit(&self, limit: Limit) {
        if let Some(ep) = self.endpoint.upgrade() {
            ep.stats.limits.hit(limit);
        }
    }

    /// The connection cannot go on: closes it (the writer stops without writing more) and ends
    /// every session's stream with `error`.
    pub(crate) fn fail(self: &Arc<Self>, error: SessionError) {
        self.close();
        self.end_all(Some(error));
    }

    /// Ends every session's stream: with `error` (the writer stops too), or cleanly when
    /// `None`.
    pub(crate) fn end_all(self: &Arc<Self>, error: Option<SessionError>) {
        self.closed.store(true, Ordering::Release);
        if error.is_some() {
            self.abort.cancel();
        }
        let left = std::mem::take(&mut *self.early.lock().expect("early lock")).len();
        self.count_unknown(left as u64);
        let routes: Vec<_> = self
            .routes
            .lock()
            .expect("routes lock")
            .drain()
            .map(|(_, tx)| tx)
            .collect();
        self.routes_changed.fetch_add(1, Ordering::Release);
        if let Some(e) = error {
            for tx in &routes {
                // A full queue still gets the error: it is delivered after what is queued.
                let tx = tx.clone();
                let e = e.clone();
                tokio::spawn(async move {
                    let _ = tx.send(Box::new(Err(e))).await;
                });
            }
        }
        if let Some(ep) = self.endpoint.upgrade() {
            ep.forget(self);
        }
    }
}
