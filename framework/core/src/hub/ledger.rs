//! [`SendLedger`]: what one session learns from the writer about its messages.

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use crate::message::{DeliveryEvent, DeliveryStatus, MessageId};

/// Shared by a session and the frames it queued: the writer records each message completely
/// written, and reports each that never will be.
#[derive(Debug)]
pub(crate) struct SendLedger {
    /// The highest message id completely written (0: none yet).
    written: AtomicU64,
    events: mpsc::Sender<DeliveryEvent>,
    /// Events dropped because the application's queue was full.
    dropped: AtomicU64,
}

impl SendLedger {
    pub(crate) fn new(events: mpsc::Sender<DeliveryEvent>) -> Self {
        Self {
            written: AtomicU64::new(0),
            events,
            dropped: AtomicU64::new(0),
        }
    }

    /// The frame of message `id` was completely written to the transport.
    pub(crate) fn written(&self, id: MessageId) {
        self.written.fetch_max(id.0, Ordering::Release);
    }

    /// The frame of message `id` will never be completely written.
    pub(crate) fn not_sent(&self, id: MessageId) {
        self.report(DeliveryEvent {
            id,
            status: DeliveryStatus::NotSent,
        });
    }

    /// Queues `event` for the application, or counts it dropped when its queue is full.
    pub(crate) fn report(&self, event: DeliveryEvent) {
        if self.events.try_send(event).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn last_written(&self) -> Option<MessageId> {
        match self.written.load(Ordering::Acquire) {
            0 => None,
            id => Some(MessageId(id)),
        }
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
