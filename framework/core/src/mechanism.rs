//! The [`SessionMechanism`] plug-in trait: SDP semantics, a connection-level frame decoder and
//! per-session state.

use bytes::{Bytes, BytesMut};
use imsession_sdp::MediaDescription;

use crate::error::{NegotiationError, ProtoError, SessionError};
use crate::limits::{Limit, Limits};
use crate::message::{DeliveryEvent, Message, MessageId};
use crate::proto::ProtoToken;
use crate::session_end::SessionEnd;

/// Identifies a session on a shared connection, as read from an inbound frame. Opaque bytes
/// built by the mechanism (cpim: the frame's `To` and `From` URIs).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionKey(pub Bytes);

/// A decoded frame: which session it is for, and its content.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The session identity the frame carries.
    pub key: SessionKey,
    /// The content, metadata included.
    pub message: Message,
}

/// Error from a mechanism's frame decoder. The connection cannot continue after one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FrameError(pub String);

/// Turns a connection's bytes into frames. Sans-IO and resumable: called with whatever bytes
/// have arrived, it consumes complete frames from the front of `src`.
pub trait FrameDecoder: Send {
    /// The next complete frame, or `Ok(None)` when more bytes are needed.
    ///
    /// # Errors
    /// A framing error after which the byte stream cannot be resynchronised.
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError>;

    /// Bytes skipped as junk so far.
    fn discarded_bytes(&self) -> u64 {
        0
    }

    /// How many more bytes the frame being decoded needs, when known (a read-buffer hint).
    fn reserve_hint(&self) -> usize {
        0
    }

    /// Whether a frame has begun and is not complete yet, counting bytes already consumed from
    /// `src` (for example its parsed headers). The endpoint runs the frame timeout
    /// ([`Limits::frame_timeout`]) while this is true or unconsumed bytes remain. The default
    /// (`false`) relies on unconsumed bytes alone.
    fn is_mid_frame(&self) -> bool {
        false
    }

    /// After [`FrameDecoder::decode`] failed: the limit it enforced, if that is why, and the
    /// limit's value. The endpoint reports it as
    /// [`SessionError::LimitExceeded`] and counts it. The default says none.
    fn exceeded(&self) -> Option<(Limit, u64)> {
        None
    }
}

/// What a received frame meant to its session.
#[derive(Debug)]
#[non_exhaustive]
pub enum Inbound {
    /// A message for the application.
    Message(Message),
    /// The peer's report on a message we sent.
    Delivery(DeliveryEvent),
    /// Nothing for the application.
    Nothing,
}

/// Per-session mechanism state, owned by one [`crate::Session`].
pub trait MechanismSession: Send {
    /// The key inbound frames of this session carry.
    fn key(&self) -> SessionKey;

    /// Encodes `message` as one frame appended to `dst`, filling in the metadata the mechanism
    /// owns, and returns its id.
    ///
    /// # Errors
    /// [`SessionError::Encode`] when the message cannot be represented.
    fn encode(&mut self, message: Message, dst: &mut BytesMut) -> Result<MessageId, SessionError>;

    /// Interprets a received frame. Frames to send in reply (delivery confirmations) are
    /// appended to `replies`.
    ///
    /// # Errors
    /// [`SessionError::BadFrame`] when the frame is malformed for this mechanism.
    fn receive(&mut self, frame: Message, replies: &mut BytesMut) -> Result<Inbound, SessionError>;
}

/// What a mechanism needs to open a session.
#[derive(Clone, Debug)]
pub struct SessionParams {
    /// Our end.
    pub local: SessionEnd,
    /// The peer's end.
    pub remote: SessionEnd,
    /// Bounds in force.
    pub limits: Limits,
}

/// A session mechanism plug-in (cpim, MSRP, …), registered by value into a
/// [`crate::NegotiatorBuilder`].
///
/// A mechanism owns the meaning of its m-line (format list, attributes) and its wire format.
/// Connection sharing, queues, and COMEDIA are the framework's.
pub trait SessionMechanism: Send + Sync + 'static {
    /// The mechanism part of proto tokens (`cpim`).
    fn name(&self) -> &str;

    /// The proto token for this mechanism over `transport` (by default `name/transport`).
    ///
    /// # Errors
    /// [`ProtoError`] when the names do not form a valid token.
    fn proto(&self, transport: &str) -> Result<ProtoToken, ProtoError> {
        ProtoToken::mechanism_first(self.name(), transport)
    }

    /// A fresh, globally unique URI for a new session end at `host`.
    fn new_uri(&self, host: &str) -> String;

    /// Writes our end into our media section: its format list and attributes.
    fn describe(&self, local: &SessionEnd, media: &mut MediaDescription);

    /// Reads the peer's end from its media section.
    ///
    /// # Errors
    /// [`NegotiationError::BadMedia`] saying what is missing or malformed (with index 0; the
    /// negotiator fills in the real m-line index).
    fn read_remote(&self, media: &MediaDescription) -> Result<SessionEnd, NegotiationError>;

    /// A decoder for one connection's inbound bytes.
    fn decoder(&self, limits: &Limits) -> Box<dyn FrameDecoder>;

    /// Opens per-session state.
    fn open(&self, params: &SessionParams) -> Box<dyn MechanismSession>;
}
