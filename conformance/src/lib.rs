//! # imsession-conformance
//!
//! Conformance for imsession: the spec vectors, the generic suites every plug-in crate runs
//! against itself, and the wire-level runner (`imsession-conformance`) that tests a peer in
//! another process.
//!
//! A plug-in proves it behaves with one test file:
//!
//! ```no_run
//! use imsession_conformance::{MechanismSuite, TransportSuite};
//!
//! #[tokio::test(flavor = "multi_thread")]
//! async fn tcp_transport_conforms() {
//!     TransportSuite::new(imsession_tcp::TcpTransport::new)
//!         .run()
//!         .await
//!         .assert_passed();
//! }
//!
//! #[tokio::test(flavor = "multi_thread")]
//! async fn cpim_conforms() {
//!     MechanismSuite::new(imsession_cpim::CpimMechanism::new)
//!         .transport(imsession_tcp::TcpTransport::new)
//!         .delivery_reports(&["message/im-delivery-status"])
//!         .run()
//!         .await
//!         .assert_passed();
//! }
//! ```
//!
//! Where it fits the flow: [`TransportSuite`] drives [`imsession::Transport`] directly
//! (listen, connect, bytes); [`MechanismSuite`] negotiates and establishes real sessions
//! between two [`imsession::Endpoint`]s, and writes raw frames into them from a scripted peer.
//! Each case's outcome lands in a [`Report`]; a skipped case always carries its reason, and
//! [`Report::assert_passed`] names every failed case and why.
//!
//! - [`transport`] and [`mechanism`]: the two suites, their cases' sizes and time bounds. The
//!   cases that read and write raw bytes drive a multi-stream connection (SCTP) through its
//!   sub-stream [`transport::SUITE_SUB_STREAM`].
//! - [`vectors`]: the files under `conformance/vectors/` and their checks.
//! - [`wire`]: the cases the runner plays against a peer in another process.
#![forbid(unsafe_code)]

mod case;
pub mod mechanism;
mod report;
pub mod transport;
pub mod vectors;
pub mod wire;

pub use case::{CASE_TIMEOUT, CaseResult, Skips};
pub use mechanism::{MECHANISM_CASES, MechanismSuite};
pub use report::{CaseReport, Outcome, Report};
pub use transport::{TRANSPORT_CASES, TransportSuite};
