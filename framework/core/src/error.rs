//! Errors at the crate boundary: one non-exhaustive enum per concern, each comparable in tests.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::MessageId;
use crate::limits::Limit;

/// A proto token is not `token *("/" token)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtoError {
    /// No `/` between mechanism and transport.
    #[error("proto {0:?} has no \"/\" between mechanism and transport")]
    MissingSlash(String),
    /// An empty part (`cpim//tcp`).
    #[error("proto {0:?} has an empty part")]
    EmptyPart(String),
    /// A character outside RFC 4566 token-char.
    #[error("proto {token:?} contains {found:?}, not a token character")]
    BadChar {
        /// The whole token.
        token: String,
        /// The offending character.
        found: char,
    },
    /// Longer than [`crate::proto::MAX_PROTO_LEN`].
    #[error("proto is {0} bytes long")]
    TooLong(usize),
}

/// Why an offer or answer cannot be used. Pure negotiation never does I/O, so these are all
/// about the descriptions themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiationError {
    /// The description did not parse.
    #[error("sdp: {0}")]
    Sdp(#[from] imsession_sdp::ParseError),
    /// Asked to offer a proto no registered mechanism and transport serve.
    #[error("no registered mechanism and transport serve proto {0}")]
    UnsupportedProto(String),
    /// A proto token is invalid.
    #[error(transparent)]
    Proto(#[from] ProtoError),
    /// The answer has a different number of m-lines than the offer.
    #[error("answer has {answer} m-lines, offer had {offer}")]
    MediaCount {
        /// m-lines in the offer.
        offer: usize,
        /// m-lines in the answer.
        answer: usize,
    },
    /// The answer changed an m-line's media or proto.
    #[error("m-line {index}: answer has {answer:?}, offer had {offer:?}")]
    ProtoChanged {
        /// m-line index, from 0.
        index: usize,
        /// What the offer said.
        offer: String,
        /// What the answer said.
        answer: String,
    },
    /// The answer's COMEDIA attribute is not a legal reply to the offer's.
    #[error("m-line {index}: {answer} is not a legal answer to {offer}")]
    IllegalSetup {
        /// m-line index, from 0.
        index: usize,
        /// What the offer said, as written (e.g. `a=setup:passive`).
        offer: String,
        /// What the answer said, as written.
        answer: String,
    },
    /// A media section lacks something its mechanism requires, or has it malformed.
    #[error("m-line {index}: {reason}")]
    BadMedia {
        /// m-line index, from 0.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// No `c=` line applies to an m-line that must be connected to.
    #[error("m-line {index}: no c= line at media or session level")]
    NoConnectionAddress {
        /// m-line index, from 0.
        index: usize,
    },
    /// Every m-line was rejected.
    #[error("every m-line was rejected")]
    AllRejected,
    /// Nothing asked for.
    #[error("no media to offer")]
    NothingToOffer,
    /// Asked to offer `holdconn` in the `a=direction` dialect, which has no way to say it.
    #[error("m-line {index}: holdconn has no a=direction form; offer it with a=setup")]
    HoldConnNeedsSetup {
        /// m-line index, from 0.
        index: usize,
    },
}

/// A transport could not listen, connect or accept.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// An I/O error from the operating system.
    #[error("{context}: {source}")]
    Io {
        /// What was being done (`connect to 127.0.0.1:7394`).
        context: String,
        /// The error.
        #[source]
        source: Arc<io::Error>,
    },
    /// A host name did not resolve.
    #[error("{host} did not resolve")]
    Resolve {
        /// The name.
        host: String,
    },
    /// Connect or handshake took too long.
    #[error("{what} timed out after {after:?}")]
    Timeout {
        /// What timed out.
        what: String,
        /// The limit.
        after: Duration,
    },
    /// The peer's identity does not match what its SDP promised.
    #[error("peer identity refused: {0}")]
    IdentityMismatch(String),
    /// Something the transport needs from the SDP is missing or invalid.
    #[error("{0}")]
    Config(String),
}

impl TransportError {
    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source: Arc::new(source),
        }
    }
}

impl PartialEq for TransportError {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

/// A session operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The peer did not list this content type; nothing was written.
    #[error("peer does not accept {content_type} (it accepts: {accepted})")]
    NotAccepted {
        /// The refused type.
        content_type: String,
        /// The peer's list, space separated.
        accepted: String,
    },
    /// The message is larger than [`crate::Limits::max_message`]; nothing was written.
    #[error("message of {size} bytes exceeds the {limit}-byte limit")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The message cannot be encoded by the mechanism.
    #[error("cannot encode: {0}")]
    Encode(String),
    /// A received frame for this session could not be understood.
    #[error("bad frame from peer: {0}")]
    BadFrame(String),
    /// The connection ended in the middle of a frame; the partial message was dropped.
    #[error("connection closed mid-frame ({buffered} bytes of an incomplete frame dropped)")]
    Truncated {
        /// Bytes of the incomplete frame.
        buffered: usize,
    },
    /// The connection failed.
    #[error("connection failed: {0}")]
    Connection(String),
    /// The connection is gone. Every message queued but not completely written is reported
    /// as [`crate::DeliveryStatus::NotSent`] on [`crate::Session::deliveries`].
    #[error("connection closed")]
    Closed,
    /// The peer sent part of a frame and then nothing for [`crate::Limits::frame_timeout`];
    /// the connection was closed.
    #[error("peer stalled mid-frame for {0:?}")]
    FrameTimeout(Duration),
    /// The peer exceeded a bound; the connection was closed.
    #[error("peer exceeded the {limit} limit ({max})")]
    LimitExceeded {
        /// Which bound.
        limit: Limit,
        /// Its value (bytes or frames).
        max: u64,
    },
    /// Establishing the session failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A passive session's connection never arrived.
    #[error("no connection for the session within {0:?}")]
    BindTimeout(Duration),
    /// The connection already carries the maximum number of sessions.
    #[error("connection carries {0} sessions, the limit")]
    TooManySessions(usize),
    /// Another open session already uses this session identity on the connection.
    #[error("session identity already in use on this connection")]
    DuplicateSession,
    /// The negotiated role does not create a connection (`a=setup:holdconn`).
    #[error("negotiated holdconn: no connection is made")]
    HoldConn,
    /// A delivery report named a message that was never sent.
    #[error("delivery report for unknown message {0}")]
    UnknownMessage(MessageId),
}

/// Errors of the endpoint's negotiation steps, which may bind listeners.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The descriptions do not negotiate.
    #[error(transparent)]
    Negotiation(#[from] NegotiationError),
    /// A listener could not be bound.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A session could not be established or used.
    #[error(transparent)]
    Session(#[from] SessionError),
}
