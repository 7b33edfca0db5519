//! Test utilities, behind the `test-util` feature: a fault-injecting [`FaultyTransport`] that
//! wraps any [`Transport`](crate::Transport), and [`pair`], one established session between
//! two endpoints.
//!
//! Enable it in a crate's dev-dependencies (`imsession = { ..., features = ["test-util"] }`);
//! plug-in crates and the conformance suite use it to check how the framework and their
//! plug-in behave when the network misbehaves.
//!
//! ```
//! use imsession::testing::{FaultyTransport, Faults};
//! # use imsession::Transport;
//! # fn wrap(tcp: impl Transport) -> imsession::Negotiator {
//! // Connections of this transport close abruptly once 100 bytes have been written.
//! let faulty = FaultyTransport::new(tcp, Faults::none().reset_after(100));
//! imsession::Negotiator::builder().transport(faulty.clone()).build()
//! # }
//! ```
//!
//! The faults apply to every connection the wrapper connects or accepts, to the bytes *this*
//! side writes (the peer sees their effect), except [`Faults::split_reads`] and
//! [`Faults::handshake_delay`]. Byte offsets count from the start of each connection.

mod faults;
mod pair;
mod stream;
mod transport;

pub use faults::{FaultLog, Faults};
pub use pair::pair;
pub use stream::FaultyStream;
pub use transport::FaultyTransport;
