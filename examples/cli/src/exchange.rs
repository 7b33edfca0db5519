//! The demo's message exchange: one direction's sender and receiver, with verification.

use std::cell::RefCell;
use std::future::poll_fn;
use std::pin::Pin;

use bytes::Bytes;
use futures::{Sink, StreamExt};
use imsession::{Message, Session};
use tokio::sync::watch;

/// What one side's sender did.
#[derive(Debug, Default)]
pub(crate) struct Sent {
    /// Messages the send API accepted.
    pub(crate) accepted: usize,
    /// Why sending stopped early, if it did.
    pub(crate) error: Option<String>,
}

/// One received message, as the transcript shows it.
#[derive(Debug)]
pub(crate) struct Received {
    /// Content type essence.
    pub(crate) content_type: String,
    /// Body length in bytes.
    pub(crate) len: usize,
    /// Start of the body, for display.
    pub(crate) preview: String,
    /// Whether type and body are exactly what was sent at this position.
    pub(crate) matches: bool,
}

/// What one side's receiver got.
#[derive(Debug, Default)]
pub(crate) struct Inbox {
    /// Messages in arrival order.
    pub(crate) messages: Vec<Received>,
    /// Why receiving stopped early, if it did.
    pub(crate) error: Option<String>,
}

impl Inbox {
    /// Messages whose type or body differ from what was sent at that position.
    pub(crate) fn mismatched(&self) -> usize {
        self.messages.iter().filter(|m| !m.matches).count()
    }
}

/// The body of message `index` (from 1) from `from` to `to`: a short greeting, or exactly
/// `size` bytes of ASCII text starting with a unique tag.
pub(crate) fn body(from: &str, to: &str, index: usize, size: Option<usize>) -> Bytes {
    let Some(size) = size else {
        return Bytes::from(format!("hello {to} {index}"));
    };
    let mut text = format!("#{index} {from}->{to} ").into_bytes();
    let mut letter = 0u8;
    while text.len() < size {
        text.push(b'a' + letter);
        letter = (letter + 1) % 26;
    }
    text.truncate(size);
    Bytes::from(text)
}

/// Sends `count` messages without waiting for replies, then flushes and announces how many
/// were accepted on `done`.
///
/// The session is shared with [`receive`] in the same task; it is borrowed only inside a
/// poll, never across an await. `poll_ready` + `start_send` (rather than a split sink, which
/// buffers one message) make `accepted` exact: a message counts once `start_send` took it.
pub(crate) async fn send(
    session: &RefCell<Session>,
    from: &str,
    to: &str,
    count: usize,
    size: Option<usize>,
    done: &watch::Sender<Option<usize>>,
) -> Sent {
    let mut sent = Sent::default();
    for index in 1..=count {
        let message = Message::new(mime::TEXT_PLAIN, body(from, to, index, size));
        let queued = match poll_fn(|cx| Pin::new(&mut *session.borrow_mut()).poll_ready(cx)).await {
            Ok(()) => Pin::new(&mut *session.borrow_mut()).start_send(message),
            Err(e) => Err(e),
        };
        match queued {
            Ok(()) => sent.accepted += 1,
            Err(e) => {
                sent.error = Some(format!("{from}: send #{index}: {e}"));
                break;
            }
        }
    }
    if let Err(e) = poll_fn(|cx| Pin::new(&mut *session.borrow_mut()).poll_flush(cx)).await {
        sent.error.get_or_insert(format!("{from}: flush: {e}"));
    }
    let _ = done.send(Some(sent.accepted));
    sent
}

/// Receives until as many messages arrived as the peer announces it sent, checking each
/// against what the peer sent at that position.
pub(crate) async fn receive(
    session: &RefCell<Session>,
    from: &str,
    to: &str,
    size: Option<usize>,
    mut peer_sent: watch::Receiver<Option<usize>>,
) -> Inbox {
    let mut inbox = Inbox::default();
    loop {
        if peer_sent
            .borrow()
            .is_some_and(|n| inbox.messages.len() >= n)
        {
            return inbox;
        }
        tokio::select! {
            item = poll_fn(|cx| session.borrow_mut().poll_next_unpin(cx)) => match item {
                Some(Ok(message)) => {
                    let index = inbox.messages.len() + 1;
                    inbox.messages.push(check(&message, &body(from, to, index, size)));
                }
                Some(Err(e)) => {
                    inbox.error = Some(format!("{to}: receive: {e}"));
                    return inbox;
                }
                None => {
                    inbox.error = Some(format!("{to}: the session ended early"));
                    return inbox;
                }
            },
            changed = peer_sent.changed() => {
                if changed.is_err() {
                    inbox.error = Some(format!("{to}: the sender vanished"));
                    return inbox;
                }
            }
        }
    }
}

fn check(message: &Message, expected: &Bytes) -> Received {
    const PREVIEW: usize = 24;
    let text = String::from_utf8_lossy(&message.body);
    let preview = if text.chars().count() > PREVIEW {
        format!("{}...", text.chars().take(PREVIEW).collect::<String>())
    } else {
        text.into_owned()
    };
    Received {
        content_type: message.content_type.essence_str().to_owned(),
        len: message.body.len(),
        preview,
        matches: message.content_type.essence_str() == mime::TEXT_PLAIN.essence_str()
            && message.body == *expected,
    }
}
