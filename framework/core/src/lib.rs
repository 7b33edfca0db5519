//! # imsession
//!
//! Instant-message sessions negotiated by SDP offer/answer, the way SIP sets up a call: the
//! m-line (`m=message 7394 cpim/tcp text/plain`) names a *session mechanism* and a
//! *transport*, both plug-ins.
//!
//! ```text
//! offer SDP ─► Negotiator ─► Selection {mechanism, transport, role, both ends}
//!                               │ Endpoint::establish()
//!                               ▼
//!             Transport::connect / listen ─► Connection (bytes + peer identity)
//!                               │ shared per (transport, peer address, peer identity)
//!                               ▼
//!             hub: one reader, demux by session identity ─► Session (Sink + Stream)
//! ```
//!
//! - [`Negotiator`] is pure: [`Negotiator::offer`], [`Negotiator::answer`] and
//!   [`Negotiator::complete`] turn descriptions into [`Selection`]s without I/O.
//! - [`Endpoint`] wraps it: it binds listeners when it may be passive and
//!   [`Endpoint::establish`] connects or accepts, sharing one connection among the sessions
//!   between the same two devices.
//! - Plug-ins implement [`Transport`] and [`SessionMechanism`] and are registered by value
//!   with [`Negotiator::builder`].
//! - Every bound is in [`Limits`]; each hit is counted per [`Limit`] in [`EndpointStats`]
//!   (`docs/limits-and-faults.md`). Messages a connection failure kept from being written are
//!   reported [`DeliveryStatus::NotSent`] on [`Session::deliveries`].
//! - Feature `test-util` adds `imsession::testing`: a transport wrapper that injects faults
//!   (delays, tiny writes, stalls, resets, flipped bytes) for plug-in and end-to-end tests.
//!
//! ```no_run
//! # async fn demo(negotiator: imsession::Negotiator) -> Result<(), Box<dyn std::error::Error>> {
//! use imsession::{Endpoint, MediaOptions, Message, ProtoToken};
//! let alice = Endpoint::new(negotiator.clone());
//! let bob = Endpoint::new(negotiator);
//! let offer = alice.offer(&[MediaOptions::new(ProtoToken::parse("cpim/tcp")?)]).await?;
//! let answer = bob.answer(&offer.sdp, &Default::default()).await?;
//! let selection = alice.complete(&offer, &answer.sdp)?.remove(0);
//! let (mut a, _b) = tokio::try_join!(
//!     alice.establish(selection),
//!     bob.establish(answer.selections[0].clone()),
//! )?;
//! a.send(Message::text("hello")).await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod accept;
mod endpoint;
pub mod error;
mod header;
mod hub;
pub mod limits;
mod mechanism;
mod message;
pub mod negotiate;
pub mod proto;
mod session;
mod session_end;
mod shared_str;
pub mod substreams;
#[cfg(feature = "test-util")]
pub mod testing;
mod transport;

pub use accept::MediaRange;
pub use endpoint::{CLOSE_TIMEOUT, DEFAULT_LISTEN_HOST, Endpoint, EndpointStats};
pub use error::{Error, NegotiationError, ProtoError, SessionError, TransportError};
pub use header::Header;
pub use hub::ConnectionStats;
pub use limits::{Limit, Limits};
pub use mechanism::{
    Frame, FrameDecoder, FrameError, Inbound, MechanismSession, SessionKey, SessionMechanism,
    SessionParams,
};
pub use message::{DeliveryEvent, DeliveryStatus, Message, MessageId};
pub use negotiate::comedia::{Dialect, Role, SetupPreference};
pub use negotiate::{
    Answer, AnswerOptions, LocalAddress, MediaOptions, Negotiator, NegotiatorBuilder, PendingOffer,
    Rejection, Selection,
};
pub use proto::ProtoToken;
pub use session::{DELIVERY_QUEUE, Session, SessionInfo};
pub use session_end::{SESSION_ID_LEN, SessionEnd, session_uri};
pub use shared_str::SharedStr;
pub use substreams::{SubStreamRead, SubStreamWrite, SubStreams};
pub use transport::{
    Accepting, ByteStream, Connection, ConnectionIo, Listener, PeerIdentity, Target, Transport,
};

pub use imsession_sdp as sdp;
