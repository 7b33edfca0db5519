//! Listeners (one per proto, bound on first need) and adopting connections into the hub.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Inner;
use crate::error::TransportError;
use crate::hub::Shared;
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

    /// Takes a new connection into the hub: spawns its reader and writer.
    pub(crate) fn adopt(
        self: &Arc<Self>,
        conn: Connection,
        pair: &Pair,
        target: Option<(String, u16)>,
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
            closed: AtomicBool::new(false),
            ever_bound: AtomicBool::new(false),
            unknown_frames: AtomicU64::new(0),
            discarded_bytes: AtomicU64::new(0),
            frames_received: AtomicU64::new(0),
            early: Mutex::new(std::collections::VecDeque::new()),
            endpoint: Arc::downgrade(self),
        });
        match conn.io {
            ConnectionIo::Stream(io) => {
                let (rd, wr) = tokio::io::split(io);
                let decoder = pair.mechanism.decoder(limits);
                tokio::spawn(crate::hub::read_loop(shared.clone(), rd, decoder));
                let writer_shared = shared.clone();
                tokio::spawn(async move {
                    if let Err(e) = crate::hub::write_loop(wr, rx).await {
                        tracing::debug!(peer = %writer_shared.peer, "write failed: {e}");
                        writer_shared.end_all(Some(crate::SessionError::Connection(e.to_string())));
                    }
                });
            }
            ConnectionIo::SubStreams(io) => {
                let mechanism = pair.mechanism.clone();
                let limits = limits.clone();
                let decoders = move || mechanism.decoder(&limits);
                tokio::spawn(crate::hub::read_substreams(
                    shared.clone(),
                    io.reader,
                    decoders,
                ));
                let register = register.expect("lanes made for sub-streams");
                let writer_shared = shared.clone();
                tokio::spawn(async move {
                    if let Err(e) = crate::hub::write_substreams(io.writer, rx, register).await {
                        tracing::debug!(peer = %writer_shared.peer, "write failed: {e}");
                        writer_shared.end_all(Some(crate::SessionError::Connection(e.to_string())));
                    }
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

async fn accept_loop(inner: std::sync::Weak<Inner>, pair: Pair, listener: Box<dyn Listener>) {
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
        drop(strong);
        let inner = inner.clone();
        let pair = pair.clone();
        tokio::spawn(async move {
            let conn = match tokio::time::timeout(timeout, accepting).await {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => return tracing::debug!("incoming connection on {}: {e}", pair.proto),
                Err(_) => {
                    return tracing::debug!(
                        "incoming connection on {}: handshake timed out",
                        pair.proto
                    );
                }
            };
            let Some(inner) = inner.upgrade() else { return };
            inner.stats.accepted.fetch_add(1, Ordering::Relaxed);
            let shared = inner.adopt(conn, &pair, None);
            inner.bind_on_accept(&shared);
            drop(inner);
            // A connection no session claims is closed after the bind timeout.
            tokio::time::sleep(bind_timeout).await;
            if !shared.ever_bound.load(Ordering::Acquire) {
                shared.close();
            }
        });
    }
}
