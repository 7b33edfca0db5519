//! Finding a connection to share, or opening one.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use imsession_sdp::ConnectionMode;

use super::Inner;
use crate::error::{SessionError, TransportError};
use crate::hub::Shared;
use crate::limits::Limit;
use crate::negotiate::offer::literal_ip;
use crate::negotiate::{Pair, Selection};

impl Inner {
    /// An open connection that may carry `sel`, or a new one.
    ///
    /// Shared when the transport and mechanism match, the peer passes the transport's identity
    /// check against the peer's SDP, and either we connected to the same host and port, or the
    /// session asked for `a=connection:existing` and the peer's address matches.
    pub(crate) async fn connect_shared(
        self: &Arc<Self>,
        sel: &Selection,
    ) -> Result<Arc<Shared>, SessionError> {
        let _serial = self.connecting.lock(TargetLocks::key(sel)).await;
        if let Some(conn) = self.find_shared(sel) {
            return Ok(conn);
        }
        let limit = self.negotiator.limits().handshake_timeout;
        let conn = match tokio::time::timeout(limit, sel.transport.connect(&sel.target)).await {
            Ok(result) => result?,
            Err(_) => {
                self.stats.limits.hit(Limit::HandshakeTimeout);
                return Err(TransportError::Timeout {
                    what: format!("connect to {}", sel.target),
                    after: limit,
                }
                .into());
            }
        };
        self.stats.initiated.fetch_add(1, Ordering::Relaxed);
        let pair = Pair {
            proto: sel.proto.clone(),
            mechanism: sel.mechanism.clone(),
            transport: sel.transport.clone(),
        };
        Ok(self.adopt(
            conn,
            &pair,
            Some((sel.target.host.clone(), sel.target.port)),
            None,
        ))
    }

    fn find_shared(&self, sel: &Selection) -> Option<Arc<Shared>> {
        let max = self.negotiator.limits().max_sessions_per_connection;
        let target_ip = literal_ip(&sel.target.host);
        let conns = self.connections.lock().expect("connections lock");
        conns
            .iter()
            .filter(|c| {
                c.is_open()
                    && c.transport.eq_ignore_ascii_case(sel.transport.name())
                    && c.mechanism.eq_ignore_ascii_case(sel.mechanism.name())
                    && c.session_count() < max
                    && sel
                        .transport
                        .verify_peer(&sel.target.media, &c.peer)
                        .is_ok()
            })
            .find(|c| {
                let same_target = c.target.as_ref().is_some_and(|(h, p)| {
                    h.eq_ignore_ascii_case(&sel.target.host) && *p == sel.target.port
                });
                let existing_peer = sel.connection == ConnectionMode::Existing
                    && target_ip == Some(c.peer.addr.ip());
                same_target || existing_peer
            })
            .cloned()
    }
}

/// Which connects must not run concurrently: those to the same transport, host and port.
type TargetKey = (String, String, u16);

/// One async lock per connect target, created on demand and removed when nobody holds or
/// awaits it.
#[derive(Default)]
pub(super) struct TargetLocks(Mutex<HashMap<TargetKey, Arc<tokio::sync::Mutex<()>>>>);

impl TargetLocks {
    /// The target `sel` connects to.
    fn key(sel: &Selection) -> TargetKey {
        (
            sel.transport.name().to_ascii_lowercase(),
            sel.target.host.to_ascii_lowercase(),
            sel.target.port,
        )
    }

    /// Waits for the lock of target `key`. Cancel-safe.
    async fn lock(&self, key: TargetKey) -> TargetGuard<'_> {
        let lock = self
            .0
            .lock()
            .expect("connect locks")
            .entry(key.clone())
            .or_default()
            .clone();
        let mut guard = TargetGuard {
            locks: self,
            key,
            lock: lock.clone(),
            held: None,
        };
        guard.held = Some(lock.lock_owned().await);
        guard
    }
}

/// Holds one target's lock; forgets the lock when nobody else wants it.
struct TargetGuard<'a> {
    locks: &'a TargetLocks,
    key: TargetKey,
    lock: Arc<tokio::sync::Mutex<()>>,
    held: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Drop for TargetGuard<'_> {
    fn drop(&mut self) {
        self.held = None;
        let mut map = self.locks.0.lock().expect("connect locks");
        // The map's reference and ours: nobody else holds or awaits this lock.
        if Arc::strong_count(&self.lock) == 2 {
            map.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(port: u16) -> TargetKey {
        ("tcp".into(), "127.0.0.1".into(), port)
    }

    fn len(locks: &TargetLocks) -> usize {
        locks.0.lock().expect("connect locks").len()
    }

    #[tokio::test]
    async fn one_target_at_a_time_and_the_map_empties_behind() {
        let locks = TargetLocks::default();
        let first = locks.lock(key(1)).await;
        // Another target is not held up.
        let other = locks.lock(key(2)).await;
        assert_eq!(len(&locks), 2);
        // The same target waits.
        let mut waiting = Box::pin(locks.lock(key(1)));
        assert!(
            futures::poll!(waiting.as_mut()).is_pending(),
            "a second connect to one target ran concurrently"
        );
        // A waiter that gave up leaves the entry to the holder.
        drop(waiting);
        assert_eq!(len(&locks), 2);
        drop(other);
        assert_eq!(len(&locks), 1);
        drop(first);
        assert_eq!(
            len(&locks),
            0,
            "the lock map keeps targets nobody connects to"
        );
    }

    #[tokio::test]
    async fn a_cancelled_waiter_alone_leaves_no_entry() {
        let locks = TargetLocks::default();
        let held = locks.lock(key(1)).await;
        let mut waiter = Box::pin(locks.lock(key(1)));
        assert!(futures::poll!(waiter.as_mut()).is_pending());
        drop(held);
        // The waiter now holds the only claim; cancelling it must still clean up.
        drop(waiter);
        assert_eq!(len(&locks), 0);
    }
}
