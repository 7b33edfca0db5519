//! [`Message`]: what a session sends and receives.

use bytes::Bytes;
use mime::Mime;

use crate::header::Header;

/// One instant message: its content type, other MIME headers, body, and the metadata the
/// session mechanism carries beside it (for cpim: `From`, `To`, `DateTime`, `Subject`,
/// `MsgID`, `NS` and extension headers, in wire order).
///
/// On send, metadata the mechanism owns (for cpim `From`, `To`, `MsgID`) is filled in by the
/// session; other metadata the application sets is sent as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Content type of the body (for cpim, the inner `Content-Type`).
    pub content_type: Mime,
    /// Other MIME headers of the body, in order, without `Content-Type`.
    pub headers: Vec<Header>,
    /// The payload, binary-safe.
    pub body: Bytes,
    /// Mechanism metadata, in wire order.
    pub meta: Vec<Header>,
}

impl Message {
    /// A message with the given type and body, no other headers.
    pub fn new(content_type: Mime, body: impl Into<Bytes>) -> Self {
        Self {
            content_type,
            headers: Vec::new(),
            body: body.into(),
            meta: Vec::new(),
        }
    }

    /// A `text/plain; charset=utf-8` message.
    pub fn text(text: impl Into<String>) -> Self {
        Self::new(mime::TEXT_PLAIN_UTF_8, Bytes::from(text.into()))
    }

    /// The first metadata header with this name (case-insensitive, parameters ignored).
    pub fn meta(&self, name: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|h| h.is(name))
            .map(|h| h.value.as_str())
    }

    /// The body as UTF-8 text, if it is.
    pub fn body_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }
}

/// Identifies a message sent on a session, per direction (cpim: the `MsgID`, from 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub u64);

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A report on one message this side sent: the peer's (a delivery notification), or this
/// side's own when the message never completely left it ([`DeliveryStatus::NotSent`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryEvent {
    /// The message reported on.
    pub id: MessageId,
    /// What the peer said.
    pub status: DeliveryStatus,
}

/// What happened to a sent message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Delivered to the session user.
    Delivered,
    /// Not delivered; the peer's action and status text, as sent.
    Failed {
        /// The report's action (RFC 1894 sense), if any.
        action: Option<String>,
        /// The report's status (RFC 1893 code), if any.
        status: Option<String>,
    },
    /// Reported by this side, not the peer: the connection failed before the message's frame
    /// was completely written to the transport, so the peer cannot have received it. Sent for
    /// every such message, in order, when the connection's writer stops. A message not
    /// reported `NotSent` was written whole; whether the peer processed it is only known from
    /// its delivery reports.
    NotSent,
}
