//! Listeners (one per proto, bound on first need) and adopting connections into the hub.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Inner;
use crate::error::TransportError;
use crate::hub::{ReadLimits, Shared};
use crate::limits::Limit;
use crate::negotiate::Pair;
use crate::transport::{Connection, ConnectionIo, Listener};

/// Pause after a failed accept (for example when out of file descriptors) before retrying.
pub(crate) const ACCEPT_RETRY: Duration = Duration::from_millis(100);

pub(crate) struct ListenerEntry {
    port: u16,
    task: JoinHandle<()>,
}

impl Drop for ListenerEntry {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Inner {
    /// The port of the listener for `pair`'s proto, binding it on first use.
    pub(crate) async fn ensure_listener(
        self: &Arc<Self>,
        pair: &Pair,
    ) -> Result<u16, TransportError> {
        let key = pair.proto.as_str().to_ascii_lowercase();
        let mut listeners = self.listeners.lock().await;
        if let Some(entry) = listeners.get(&key) {
            if !entry.task.is_finished() {
                return Ok(entry.port);
            }
        }
        let listener = pair.transport.listen(&self.listen_host, 0).await?;
        let port = listener.local_addr().port();
        let task = tokio::spawn(accept_loop(Arc::downgrade(self), pair.clone(), listener));
        listeners.insert(key, ListenerEntry { port, task });
        Ok(port)
    }

    /// Takes a new connection into the hub: spawns its reader and writer. `slot`, for accepted
    /// connections, is released once both have finished (the transport is closed).
    pub(crate) fn adopt(
        self: &Arc<Self>,
        conn: Connection,
        pair: &Pair,
        target: Option<(String, u16)>,
        slot: Option<Arc<ListenerSlot>>,
    ) -> Arc<Shared> {
        let limits = self.negotiator.limits();
        let (tx, rx) = mpsc::channel(limits.write_queue.max(1));
        let (lanes, register) = match &conn.io {
            ConnectionIo::SubStreams(_) => {
                let (lanes, register) = crate::hub::Lanes::new(limits.write_queue);
                (Some(lanes), Some(register))
            }
            _ => (None, None),
        };
        let shared = Arc::new(Shared {
            transport: pair.transport.name().to_owned(),
            mechanism: pair.mechanism.name().to_owned(),
            peer: conn.peer.clone(),
            local_addr: conn.local_addr,
            target,
            writer: tx,
            lanes,
            routes: Mutex::new(HashMap::new()),
            routes_changed: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            ever_bound: AtomicBool::new(false),
            unknown_frames: AtomicU64::new(0),
            discarded_bytes: AtomicU64::new(0),
            frames_received: AtomicU64::new(0),
            early: Mutex::new(std::collections::VecDeque::new()),
            endpoint: Arc::downgrade(self),
            closing: CancellationToken::new(),
            abort: CancellationToken::new(),
            writer_done: CancellationToken::new(),
        });
        let read_limits = ReadLimits {
            frame_timeout: limits.frame_timeout,
            max_unknown_session_frames: limits.max_unknown_session_frames,
        };
        let reader_slot = slot.clone();
        let writer_shared = shared.clone();
        let (closing, abort) = (shared.closing.clone(), shared.abort.clone());
        // The slot is released once both the reader and the writer have finished.
        let writer_done = move |result: std::io::Result<()>| {
            writer_shared.writer_done.cancel();
            if let Err(e) = result {
                tracing::debug!(peer = %writer_shared.peer, "write failed: {e}");
                writer_shared.end_all(Some(crate::SessionError::Connection(e.to_string())));
            }
            drop(slot);
        };
        match conn.io {
            ConnectionIo::Stream(io) => {
                let (rd, wr) = tokio::io::split(io);
                let decoder = pair.mechanism.decoder(limits);
                let reader = crate::hub::read_loop(shared.clone(), rd, decoder, read_limits);
                tokio::spawn(async move {
                    reader.await;
                    drop(reader_slot);
                });
                tokio::spawn(async move {
                    writer_done(crate::hub::write_loop(wr, rx, closing, abort).await);
                });
            }
            ConnectionIo::SubStreams(io) => {
                let mechanism = pair.mechanism.clone();
                let decoder_limits = limits.clone();
                let decoders = move || mechanism.decoder(&decoder_limits);
                let reader =
                    crate::hub::read_substreams(shared.clone(), io.reader, decoders, read_limits);
                tokio::spawn(async move {
                    reader.await;
                    drop(reader_slot);
                });
                let register = register.expect("lanes made for sub-streams");
                tokio::spawn(async move {
                    let writer =
                        crate::hub::write_substreams(io.writer, rx, register, closing, abort);
                    writer_done(writer.await);
                });
            }
        }
        self.connections
            .lock()
            .expect("connections lock")
            .push(shared.clone());
        shared
    }
}

/// One of a listener's connection slots ([`crate::Limits::max_connections_per_listener`]),
/// held from accept until the connection's transport is closed.
pub(crate) struct ListenerSlot(Arc<AtomicUsize>);

impl ListenerSlot {
    /// Takes a slot, unless `max` are taken.
    fn take(open: &Arc<AtomicUsize>, max: usize) -> Option<Arc<Self>> {
        open.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < max).then_some(n + 1)
        })
        .ok()
        .map(|_| Arc::new(Self(open.clone())))
    }
}

impl Drop for ListenerSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn accept_loop(inner: std::sync::Weak<Inner>, pair: Pair, listener: Box<dyn Listener>) {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let accepting = match listener.accept().await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("accept on {}: {e}", pair.proto);
                tokio::time::sleep(ACCEPT_RETRY).await;
                continue;
            }
        };
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let timeout = strong.negotiator.limits().handshake_timeout;
        let bind_timeout = strong.negotiator.limits().bind_timeout;
        let max = strong.negotiator.limits().max_connections_per_listener;
        let Some(slot) = ListenerSlot::take(&open, max) else {
            // Dropping the unfinished handshake closes the connection.
            strong.stats.limits.hit(Limit::ConnectionsPerListener);
            tracing::debug!("{}: {max} connections open, refused one", pair.proto);
            drop(accepting);
            continue;
        };
        drop(strong);
        let inner = inner.clone();
        let pair = pair.clone();
        tokio::spawn(async move {
            let conn = match tokio::time::timeout(timeout, accepting).await {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => return tracing::debug!("incoming connection on {}: {e}", pair.proto),
                Err(_) => {
                    if let Some(inner) = inner.upgrade() {
                        inner.stats.limits.hit(Limit::HandshakeTimeout);
                    }
                    return tracing::debug!(
                        "incoming connection on {}: handshake timed out",
                        pair.proto
                    );
                }
            };
            let Some(inner) = inner.upgrade() else { return };
            inner.stats.accepted.fetch_add(1, Ordering::Relaxed);
            let shared = inner.adopt(conn, &pair, None, Some(slot));
            inner.bind_on_accept(&shared);
            drop(inner);
            // A connection no session claims is closed after the bind timeout. Only a weak
            // reference waits, so a connection that ends sooner is freed sooner.
            let weak = Arc::downgrade(&shared);
            drop(shared);
            tokio::time::sleep(bind_timeout).await;
            if let Some(shared) = weak.upgrade() {
                if !shared.ever_bound.load(Ordering::Acquire) {
                    shared.close();
                }
            }
        });
    }
}
