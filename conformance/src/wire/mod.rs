//! The wire-level runner: this crate plays one end of a cpim session against an
//! implementation in another process, writing bytes itself so it can fragment, inject garbage
//! and address sessions that do not exist, in the spirit of h2spec.
//!
//! The peer must echo every message it receives on the session, with the same content type
//! and body (`imsession offer|answer --echo` does). The flow:
//!
//! 1. [`Runner::offer`] / [`Runner::answer`]: negotiate with the peer's SDP (pure), binding a
//!    listener first when we may be passive.
//! 2. [`Runner::connect`]: connect or accept as negotiated, giving a [`WirePeer`].
//! 3. [`run_cases`]: the [`WIRE_CASES`] in order, into a [`crate::Report`].

mod cases;
mod peer;
mod runner;

pub use cases::{WIRE_CASES, run_cases};
pub use peer::{Arrival, WIRE_STEP_TIMEOUT, WirePeer};
pub use runner::{Negotiated, PendingRun, Runner, runner_negotiator};

/// Body size of the large-message case: 1 MiB (smaller if the peer's `a=max-size` says so).
pub const LARGE_WIRE_MESSAGE: usize = 1024 * 1024;
/// Messages written in one go by the back-to-back case.
pub const WIRE_BURST: usize = 100;
