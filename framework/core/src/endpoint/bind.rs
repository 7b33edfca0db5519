//! Expected sessions: registered as soon as negotiation selects them, so frames that arrive
//! before [`crate::Endpoint::establish`] is called are queued, not lost; and the rules that
//! bind a passive session to the connection that carries it.
//!
//! A passive session binds to (in this order):
//! 1. the connection on which a frame carrying its identity arrives (any connection of its
//!    proto whose peer passes the transport's identity check);
//! 2. for `a=connection:existing`, the only open connection of its proto to that peer;
//! 3. for `a=connection:new`, the next accepted connection whose peer address matches the
//!    `c=` address (when that is a literal), given to the longest-waiting such session; or,
//!    at establish time, an already accepted connection nobody has claimed, when it is the
//!    only session waiting.
//!
//! When the active side shares a connection it already has with a session negotiated with
//! `a=connection:new` (automatic sharing), rule 1 binds the passive side on the first frame.
//! Until its connection is identified a passive session is usable: received frames queue,
//! and sends wait (at most the bind timeout).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use imsession_sdp::{ConnectionMode, MediaDescription};
use tokio::sync::{mpsc, oneshot};

use super::Inner;
use crate::error::SessionError;
use crate::hub::{InboundItem, Shared};
use crate::limits::Limit;
use crate::mechanism::{MechanismSession, SessionKey};
use crate::message::Message;
use crate::transport::Transport;

pub(crate) struct PendingBind {
    pub(crate) id: u64,
    pub(crate) key: SessionKey,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) mechanism: String,
    pub(crate) remote_media: MediaDescription,
    pub(crate) remote_ip: Option<IpAddr>,
    pub(crate) mode: ConnectionMode,
    /// Negotiated to accept (passive or both): may be bound by an accepted connection.
    pub(crate) passive: bool,
    pub(crate) inbound_tx: mpsc::Sender<InboundItem>,
    pub(crate) inbound_rx: Option<mpsc::Receiver<InboundItem>>,
    pub(crate) bound: Option<Arc<Shared>>,
    pub(crate) waiter: Option<oneshot::Sender<Arc<Shared>>>,
    /// The session's mechanism state, opened at registration; `establish` takes it, after
    /// which the entry no longer expires.
    pub(crate) state: Option<Box<dyn MechanismSession>>,
    /// The task that drops the entry if it is never claimed; aborted once it is claimed or
    /// removed, so a session does not keep a sleeping task for the whole bind timeout.
    pub(crate) expiry: Option<tokio::task::AbortHandle>,
}

impl Drop for PendingBind {
    fn drop(&mut self) {
        if let Some(expiry) = &self.expiry {
            expiry.abort();
        }
    }
}

impl PendingBind {
    fn fits(&self, conn: &Shared) -> bool {
        conn.is_open()
            && conn.transport.eq_ignore_ascii_case(self.transport.name())
            && conn.mechanism.eq_ignore_ascii_case(&self.mechanism)
            && self
                .transport
                .verify_peer(&self.remote_media, &conn.peer)
                .is_ok()
    }

    fn ip_matches(&self, conn: &Shared) -> bool {
        // Only an address literal identifies the peer; a host name or 0.0.0.0 binds by frame.
        self.remote_ip
            .is_some_and(|ip| !ip.is_unspecified() && ip == conn.peer.addr.ip())
    }
}

impl Inner {
    /// Binds `entry` to `conn`: adds its route, wakes its waiter. Refuses when another open
    /// session uses the same identity on `conn`, or `conn` carries
    /// [`crate::Limits::max_sessions_per_connection`] sessions already (counted).
    pub(crate) fn bind_entry(
        &self,
        entry: &mut PendingBind,
        conn: &Arc<Shared>,
    ) -> Result<(), SessionError> {
        let max = self.negotiator.limits().max_sessions_per_connection;
        {
            let mut routes = conn.routes.lock().expect("routes lock");
            if routes.get(&entry.key).is_some_and(|tx| !tx.is_closed()) {
                return Err(SessionError::DuplicateSession);
            }
            if routes.len() >= max && !routes.contains_key(&entry.key) {
                drop(routes);
                self.stats.limits.hit(Limit::SessionsPerConnection);
                return Err(SessionError::TooManySessions(max));
            }
            routes.insert(entry.key.clone(), entry.inbound_tx.clone());
            conn.routes_changed.fetch_add(1, Ordering::Release);
        }
        conn.ever_bound.store(true, Ordering::Release);
        entry.bound = Some(conn.clone());
        if let Some(w) = entry.waiter.take() {
            let _ = w.send(conn.clone());
        }
        Ok(())
    }

    /// Rule 1: a frame with an unknown identity arrived on `conn`. Binds the session it
    /// belongs to and returns its queue (with any earlier frames for it queued first), or
    /// keeps the frame for the early-frame grace period. Both happen under the `pending` lock,
    /// so a session registered concurrently either sees the kept frame or binds here.
    pub(crate) fn bind_or_stash(
        &self,
        conn: &Arc<Shared>,
        key: SessionKey,
        message: Message,
    ) -> Option<(mpsc::Sender<InboundItem>, Message)> {
        let mut pending = self.pending.lock().expect("pending lock");
        let found = pending
            .iter_mut()
            .find(|p| p.bound.is_none() && p.key == key && p.fits(conn));
        if let Some(entry) = found {
            if self.bind_entry(entry, conn).is_ok() {
                Self::queue_early(entry, conn);
                return Some((entry.inbound_tx.clone(), message));
            }
        } else if refuse_identity(&pending, conn, &key) {
            return None;
        }
        let grace = self.negotiator.limits().early_frame_grace;
        if grace.is_zero() {
            conn.count_unknown(1);
        } else {
            conn.stash_early(key, message, grace);
        }
        None
    }

    /// Moves the frames kept on `conn` for `entry` into its queue, oldest first.
    fn queue_early(entry: &PendingBind, conn: &Shared) {
        for message in conn.take_early(&entry.key) {
            if entry.inbound_tx.try_send(Box::new(Ok(message))).is_ok() {
                conn.frames_received.fetch_add(1, Ordering::Relaxed);
            } else {
                conn.count_unknown(1);
            }
        }
    }

    /// Rules 2 and 3, on accept: binds the longest-waiting passive session that expects a new
    /// connection from this peer's address, and every session waiting to share an existing
    /// connection with this peer.
    pub(crate) fn bind_on_accept(&self, conn: &Arc<Shared>) {
        let mut pending = self.pending.lock().expect("pending lock");
        let mut new_taken = false;
        for entry in pending.iter_mut() {
            if !(entry.passive
                && entry.bound.is_none()
                && entry.fits(conn)
                && entry.ip_matches(conn))
            {
                continue;
            }
            match entry.mode {
                ConnectionMode::New if !new_taken => {
                    new_taken = self.bind_entry(entry, conn).is_ok();
                }
                ConnectionMode::Existing => {
                    let _ = self.bind_entry(entry, conn);
                }
                ConnectionMode::New => {}
            }
        }
    }

    /// Rules 2 and 3 at establish time, for a passive entry not yet bound.
    pub(crate) fn bind_existing(&self, id: u64) {
        let conns: Vec<_> = self.connections.lock().expect("connections lock").clone();
        let mut pending = self.pending.lock().expect("pending lock");
        let waiting_new = pending
            .iter()
            .filter(|p| p.passive && p.bound.is_none() && p.mode == ConnectionMode::New)
            .count();
        let Some(entry) = pending.iter_mut().find(|p| p.id == id && p.bound.is_none()) else {
            return;
        };
        let mut candidates = conns.iter().filter(|c| {
            entry.fits(c)
                && entry.ip_matches(c)
                && match entry.mode {
                    ConnectionMode::Existing => true,
                    ConnectionMode::New => {
                        c.target.is_none()
                            && !c.ever_bound.load(Ordering::Acquire)
                            && waiting_new == 1
                    }
                }
        });
        if let (Some(only), None) = (candidates.next(), candidates.next()) {
            let _ = self.bind_entry(entry, only);
        }
    }

    /// Binds a just-registered entry to a connection on which frames for it already arrived,
    /// and queues those frames for it (before the route exists, so order holds).
    pub(crate) fn claim_early(&self, id: u64) {
        let conns: Vec<_> = self.connections.lock().expect("connections lock").clone();
        let mut pending = self.pending.lock().expect("pending lock");
        let Some(entry) = pending.iter_mut().find(|p| p.id == id && p.bound.is_none()) else {
            return;
        };
        let Some(conn) = conns
            .iter()
            .find(|c| entry.fits(c) && c.has_early(&entry.key))
        else {
            return;
        };
        // Queued before the route exists, so the reader cannot deliver a later frame first.
        Self::queue_early(entry, conn);
        let _ = self.bind_entry(entry, conn);
    }

    /// Removes an entry, and its route if it was bound but never taken by a session.
    pub(crate) fn drop_pending(&self, id: u64) {
        let removed = {
            let mut pending = self.pending.lock().expect("pending lock");
            pending
                .iter()
                .position(|p| p.id == id)
                .map(|i| pending.remove(i))
        };
        if let Some(entry) = removed {
            if entry.inbound_rx.is_some() {
                if let Some(conn) = &entry.bound {
                    conn.unregister(&entry.key);
                }
            }
        }
    }
}

/// A frame carrying the identity of a waiting session arrived on a connection whose peer fails
/// the transport's identity check against that session's SDP (a TLS certificate that is not
/// the one in `a=fingerprint`): the frame is refused, and the session's stream yields the
/// transport's error naming what was expected and found. The session keeps waiting for a
/// connection from its real peer. The refused frame is counted as unknown. Returns whether
/// such a session was found.
fn refuse_identity(pending: &[PendingBind], conn: &Shared, key: &SessionKey) -> bool {
    let Some(entry) = pending.iter().find(|p| {
        p.bound.is_none()
            && &p.key == key
            && conn.transport.eq_ignore_ascii_case(p.transport.name())
            && conn.mechanism.eq_ignore_ascii_case(&p.mechanism)
    }) else {
        return false;
    };
    let Err(e) = entry.transport.verify_peer(&entry.remote_media, &conn.peer) else {
        return false;
    };
    tracing::warn!(peer = %conn.peer, "refused a session's frame: {e}");
    conn.count_unknown(1);
    // A full queue already tells the session something; the refusal is still logged.
    let _ = entry
        .inbound_tx
        .try_send(Box::new(Err(crate::error::SessionError::Transport(e))));
    true
}
