//! [`TransportSuite`]: what every [`Transport`] plug-in must do, run from one test.

use std::sync::Arc;

use imsession::Transport;

use crate::case::{Skips, run_case};
use crate::report::Report;
pub(crate) mod cases;
mod substream_io;

pub use cases::{BOTH_WAYS, CONCURRENT, LARGE_TRANSFER, STEP_TIMEOUT, TRANSFER_CHUNK};
pub use substream_io::{SUITE_SUB_STREAM, SubStreamIo};

/// Every case of the transport suite, in the order they run.
pub const TRANSPORT_CASES: &[&str] = &[
    "listen-connect",
    "both-directions",
    "large-transfer",
    "concurrent-connections",
    "peer-close",
    "refused",
    "ipv4",
    "ipv6",
];

/// Makes a fresh transport for each side of a case (so a TLS transport gets one certificate per
/// side, as two real peers would).
pub type TransportFactory = Arc<dyn Fn() -> Arc<dyn Transport> + Send + Sync>;

/// Wraps a closure returning a transport by value as a [`TransportFactory`].
pub fn transport_factory<T, F>(make: F) -> TransportFactory
where
    T: Transport,
    F: Fn() -> T + Send + Sync + 'static,
{
    Arc::new(move || Arc::new(make()) as Arc<dyn Transport>)
}

/// The transport suite: listen and connect, both directions, a large transfer, many concurrent
/// connections, peer close, connection refused, IPv4 and IPv6, over loopback only.
///
/// ```no_run
/// # async fn t() {
/// use imsession_conformance::TransportSuite;
/// TransportSuite::new(imsession_tcp::TcpTransport::new)
///     .run()
///     .await
///     .assert_passed();
/// # }
/// ```
pub struct TransportSuite {
    env: cases::Env,
    skips: Skips,
}

impl TransportSuite {
    /// A suite for the transport `make` builds.
    pub fn new<T, F>(make: F) -> Self
    where
        T: Transport,
        F: Fn() -> T + Send + Sync + 'static,
    {
        Self {
            env: cases::Env {
                factory: transport_factory(make),
                step: cases::STEP_TIMEOUT,
            },
            skips: Skips::default(),
        }
    }

    /// How long one step of a case (an accept, a read) may wait before the case fails;
    /// default [`cases::STEP_TIMEOUT`]. Shorten it only to make a suite that is expected to
    /// fail finish sooner.
    pub fn step_timeout(mut self, step: std::time::Duration) -> Self {
        self.env.step = step;
        self
    }

    /// Skips `case` (one of [`TRANSPORT_CASES`]); the report prints `reason`.
    ///
    /// # Panics
    /// When `case` is unknown or `reason` is blank.
    #[track_caller]
    pub fn skip(mut self, case: &str, reason: &str) -> Self {
        self.skips.add(TRANSPORT_CASES, case, reason);
        self
    }

    /// Runs every case and reports. Never fails or panics on a failing case (see
    /// [`Report::assert_passed`]). Cancelling drops the case in flight and its sockets.
    pub async fn run(self) -> Report {
        let name = (self.env.factory)().name().to_owned();
        let mut report = Report::new(format!("transport {name}"));
        let f = &self.env;
        let s = &self.skips;
        let r = &mut report;
        run_case(r, s, "listen-connect", &name, cases::listen_connect(f)).await;
        run_case(r, s, "both-directions", &name, cases::both_directions(f)).await;
        run_case(r, s, "large-transfer", &name, cases::large_transfer(f)).await;
        run_case(r, s, "concurrent-connections", &name, cases::concurrent(f)).await;
        run_case(r, s, "peer-close", &name, cases::peer_close(f)).await;
        run_case(r, s, "refused", &name, cases::refused(f)).await;
        run_case(r, s, "ipv4", &name, cases::family(f, "127.0.0.1")).await;
        if cases::ipv6_loopback() {
            run_case(r, s, "ipv6", &name, cases::family(f, "::1")).await;
        } else {
            let mut skips = s.clone();
            if s.reason("ipv6").is_none() {
                skips.add(
                    TRANSPORT_CASES,
                    "ipv6",
                    "this host has no IPv6 loopback (::1)",
                );
            }
            run_case(r, &skips, "ipv6", &name, cases::family(f, "::1")).await;
        }
        report
    }
}
