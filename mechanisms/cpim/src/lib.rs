//! # imsession-cpim
//!
//! The cpim message-session mechanism (draft-campbell-simple-cpimmsg-sessions-00): Message/CPIM
//! (RFC 3862) messages sent back to back over a stream transport, one session or many per
//! connection. It serves `cpim/tcp` now, and `cpim/tls` and `cpim/sctp` as their transports
//! are registered, without changes here.
//!
//! ```
//! use imsession::Negotiator;
//! use imsession_cpim::CpimMechanism;
//! let negotiator = Negotiator::builder().mechanism(CpimMechanism::new()).build();
//! assert!(negotiator.protos().is_empty()); // no transport registered yet
//! ```
//!
//! - [`codec`]: the sans-IO RFC 3862 codec and the session framing (usable on its own).
//! - [`CpimMechanism`]: the plug-in to register with [`imsession::Negotiator::builder`].
//!
#![doc = include_str!("../PROFILE.md")]
#![forbid(unsafe_code)]

pub mod codec;
mod decoder;
mod mechanism;
mod session;

pub use decoder::CpimDecoder;
pub use mechanism::{CpimMechanism, NAME, URI_RANDOM_LEN};
pub use session::{CpimSession, OWNED_HEADERS, SPLIT_BODY_MIN};
