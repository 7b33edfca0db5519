//! [`SendLedger`]: what one session learns from the writer about its messages.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use tokio::sync::mpsc;

use crate::message::{DeliveryEvent, DeliveryStatus, MessageId};
use crate::session::DELIVERY_QUEUE;

/// Shared by a session and the frames it queued: the writer records each message completely
/// written, and reports each that never will be.
///
/// The delivery-event queue is opened on the first event or when the application asks for
/// its receiver: most sessions never get one, and an idle session should not carry its
/// storage. Events reported before the receiver is taken wait in the queue.
#[derive(Debug, Default)]
pub(crate) struct SendLedger {
    /// The highest message id completely written (0: none yet).
    written: AtomicU64,
    /// The delivery-event queue's sender, once opened.
    events: OnceLock<mpsc::Sender<DeliveryEvent>>,
    /// Its receiver, until the application takes it.
    receiver: Mutex<Option<mpsc::Receiver<DeliveryEvent>>>,
    /// Events dropped because the application's queue was full.
    dropped: AtomicU64,
}

impl SendLedger {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The delivery-event queue's sender, opening the queue if needed.
    fn events(&self) -> &mpsc::Sender<DeliveryEvent> {
        self.events.get_or_init(|| {
            let (tx, rx) = mpsc::channel(DELIVERY_QUEUE);
            *self.receiver.lock().expect("ledger lock") = Some(rx);
            tx
        })
    }

    /// Takes the receiver of delivery events, opening the queue if needed; `None` once taken.
    pub(crate) fn take_receiver(&self) -> Option<mpsc::Receiver<DeliveryEvent>> {
        self.events();
        self.receiver.lock().expect("ledger lock").take()
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
        if self.events().try_send(event).is_err() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_opens_on_the_first_event_and_keeps_it_for_the_receiver() {
        let ledger = SendLedger::new();
        assert!(ledger.events.get().is_none(), "idle: no queue");
        ledger.not_sent(MessageId(7));
        let mut rx = ledger.take_receiver().expect("first take");
        assert!(ledger.take_receiver().is_none(), "taken once");
        let event = rx.try_recv().expect("kept until taken");
        assert_eq!(event.id, MessageId(7));
        assert_eq!(event.status, DeliveryStatus::NotSent);
    }

    #[test]
    fn events_beyond_the_queue_are_counted_dropped() {
        let ledger = SendLedger::new();
        let extra = 3;
        for id in 1..=(DELIVERY_QUEUE + extra) as u64 {
            ledger.not_sent(MessageId(id));
        }
        assert_eq!(ledger.dropped(), extra as u64);
        let mut rx = ledger.take_receiver().expect("first take");
        assert_eq!(rx.try_recv().map(|e| e.id), Ok(MessageId(1)));
    }
}
