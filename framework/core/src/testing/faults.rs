//! [`Faults`]: what to break; [`FaultLog`]: what was broken.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

/// The faults a [`super::FaultyTransport`] injects into each of its connections. Build with
/// [`Faults::none`] and the setters; combine freely.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Faults {
    /// Wait this long before each write.
    pub write_delay: Option<Duration>,
    /// Wait this long before a connect or accept completes (a slow handshake).
    pub handshake_delay: Option<Duration>,
    /// Write at most this many bytes per write call (at least 1).
    pub write_chunk: Option<usize>,
    /// Read at most this many bytes per read call (at least 1).
    pub read_chunk: Option<usize>,
    /// After this many bytes, writes never complete (the peer sees a stall).
    pub stall_after: Option<u64>,
    /// After this many bytes, the connection is dropped (TCP: FIN, or RST when unread data
    /// remains) and this side's reads and writes fail with `ConnectionReset`.
    pub reset_after: Option<u64>,
    /// The byte at this offset is written inverted (`!b`).
    pub flip_at: Option<u64>,
}

impl Faults {
    /// No faults: the wrapper passes everything through.
    pub fn none() -> Self {
        Self::default()
    }

    /// Sets [`Faults::write_delay`].
    pub fn delay_writes(mut self, delay: Duration) -> Self {
        self.write_delay = Some(delay);
        self
    }

    /// Sets [`Faults::handshake_delay`].
    pub fn handshake_delay(mut self, delay: Duration) -> Self {
        self.handshake_delay = Some(delay);
        self
    }

    /// Sets [`Faults::write_chunk`].
    pub fn split_writes(mut self, max: usize) -> Self {
        self.write_chunk = Some(max.max(1));
        self
    }

    /// Sets [`Faults::read_chunk`].
    pub fn split_reads(mut self, max: usize) -> Self {
        self.read_chunk = Some(max.max(1));
        self
    }

    /// Sets [`Faults::stall_after`].
    pub fn stall_after(mut self, bytes: u64) -> Self {
        self.stall_after = Some(bytes);
        self
    }

    /// Sets [`Faults::reset_after`].
    pub fn reset_after(mut self, bytes: u64) -> Self {
        self.reset_after = Some(bytes);
        self
    }

    /// Sets [`Faults::flip_at`].
    pub fn flip_byte(mut self, offset: u64) -> Self {
        self.flip_at = Some(offset);
        self
    }
}

/// What a [`super::FaultyTransport`] did, across its connections.
#[derive(Debug)]
pub struct FaultLog {
    connections: AtomicU64,
    written: AtomicU64,
    flipped: AtomicU64,
    /// Stalls plus resets so far, watchable.
    tripped: watch::Sender<u64>,
}

impl Default for FaultLog {
    fn default() -> Self {
        Self {
            connections: AtomicU64::new(0),
            written: AtomicU64::new(0),
            flipped: AtomicU64::new(0),
            tripped: watch::Sender::new(0),
        }
    }
}

impl FaultLog {
    /// Connections made or accepted through the wrapper.
    pub fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Bytes passed to the wrapped connections' writes, all connections together.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Bytes written inverted.
    pub fn flipped(&self) -> u64 {
        self.flipped.load(Ordering::Relaxed)
    }

    /// Connections that stalled or were reset so far.
    pub fn tripped(&self) -> u64 {
        *self.tripped.borrow()
    }

    /// Waits until at least `n` connections have stalled or been reset.
    pub async fn wait_tripped(&self, n: u64) {
        let mut rx = self.tripped.subscribe();
        let _ = rx.wait_for(|t| *t >= n).await;
    }

    pub(super) fn connected(&self) {
        self.connections.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn wrote(&self, n: usize) {
        self.written.fetch_add(n as u64, Ordering::Relaxed);
    }

    pub(super) fn flip(&self) {
        self.flipped.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn trip(&self) {
        self.tripped.send_modify(|t| *t += 1);
    }
}
