//! [`MechanismSuite`]: what every [`SessionMechanism`] plug-in must do, over every transport
//! the caller names, run from one test.

use std::sync::Arc;
use std::time::Duration;

use imsession::{Limits, SessionMechanism};
use mime::Mime;

use crate::case::{Skips, run_case};
mod ctx;
mod faults;
mod raw;
mod traffic;

pub use ctx::STEP_TIMEOUT;
pub use faults::{GARBAGE, STATS_POLL};
pub use traffic::{BACK_TO_BACK_COUNT, BIG_MESSAGE, ORDERING_COUNT, SHARING_COUNT};

use crate::report::Report;
use crate::transport::{TransportFactory, transport_factory};
use ctx::Ctx;
use faults as f;
use traffic as t;

/// Every case of the mechanism suite, in the order they run (for each transport).
pub const MECHANISM_CASES: &[&str] = &[
    "offer-answer-vectors",
    "round-trip",
    "ordering",
    "back-to-back",
    "big-message",
    "too-large",
    "fragmentation",
    "bad-frames",
    "garbage",
    "connection-sharing",
    "unknown-session",
    "delivery-reports",
    "peer-close",
];

/// Largest message the suite's endpoints accept: 4 MiB.
pub const SUITE_MAX_MESSAGE: usize = 4 * 1024 * 1024;
/// How long the suite's endpoints keep frames for sessions not known yet, before counting
/// them as unknown.
pub const SUITE_EARLY_FRAME_GRACE: Duration = Duration::from_millis(200);
/// How long a passive session of the suite waits for its connection.
pub const SUITE_BIND_TIMEOUT: Duration = Duration::from_secs(5);

/// The limits both endpoints of every case use.
pub fn suite_limits() -> Limits {
    Limits::default()
        .with_max_message(SUITE_MAX_MESSAGE)
        .with_early_frame_grace(SUITE_EARLY_FRAME_GRACE)
        .with_bind_timeout(SUITE_BIND_TIMEOUT)
}

/// Makes a fresh mechanism for each endpoint of a case.
pub type MechanismFactory = Arc<dyn Fn() -> Arc<dyn SessionMechanism> + Send + Sync>;

/// The mechanism suite: the offer/answer vectors for the mechanism, round trips, ordering,
/// back-to-back sends, big and too-large messages, fragmented, truncated and garbage input,
/// connection sharing, frames for unknown sessions, delivery reports and peer close, each run
/// over every transport given to [`MechanismSuite::transport`].
///
/// ```no_run
/// # async fn t() {
/// use imsession_conformance::MechanismSuite;
/// MechanismSuite::new(imsession_cpim::CpimMechanism::new)
///     .transport(imsession_tcp::TcpTransport::new)
///     .delivery_reports(&["message/im-delivery-status"])
///     .run()
///     .await
///     .assert_passed();
/// # }
/// ```
pub struct MechanismSuite {
    mechanism: MechanismFactory,
    transports: Vec<TransportFactory>,
    skips: Skips,
    delivery: Option<Vec<Mime>>,
    step: Duration,
    vector_dirs: Vec<std::path::PathBuf>,
}

impl MechanismSuite {
    /// A suite for the mechanism `make` builds. Name at least one transport.
    pub fn new<M, F>(make: F) -> Self
    where
        M: SessionMechanism,
        F: Fn() -> M + Send + Sync + 'static,
    {
        Self {
            mechanism: Arc::new(move || Arc::new(make()) as Arc<dyn SessionMechanism>),
            transports: Vec::new(),
            skips: Skips::default(),
            delivery: None,
            step: STEP_TIMEOUT,
            vector_dirs: vec![crate::vectors::dir("sdp")],
        }
    }

    /// Runs every case over the transport `make` builds as well.
    pub fn transport<T, F>(mut self, make: F) -> Self
    where
        T: imsession::Transport,
        F: Fn() -> T + Send + Sync + 'static,
    {
        self.transports.push(transport_factory(make));
        self
    }

    /// The mechanism confirms delivery when the sender accepts these types (cpim:
    /// `message/im-delivery-status`). Without this the `delivery-reports` case fails unless
    /// skipped with a reason.
    ///
    /// # Panics
    /// When a type does not parse.
    pub fn delivery_reports(mut self, accept: &[&str]) -> Self {
        self.delivery = Some(
            accept
                .iter()
                .map(|t| t.parse().unwrap_or_else(|e| panic!("{t}: {e}")))
                .collect(),
        );
        self
    }

    /// Also runs the SDP vectors in `dir` (same format as `conformance/vectors/sdp`, see its
    /// README): how a plug-in with its own proto token ships its offer/answer examples. The
    /// shared vectors run too, where they apply.
    pub fn sdp_vectors(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.vector_dirs.push(dir.into());
        self
    }

    /// How long one step of a case (a message arriving, a stream ending) may wait before the
    /// case fails; default [`STEP_TIMEOUT`]. Shorten it only to make a suite that is
    /// expected to fail finish sooner.
    pub fn step_timeout(mut self, step: Duration) -> Self {
        self.step = step;
        self
    }

    /// Skips `case` (one of [`MECHANISM_CASES`]) over every transport; the report prints
    /// `reason`.
    ///
    /// # Panics
    /// When `case` is unknown or `reason` is blank.
    #[track_caller]
    pub fn skip(mut self, case: &str, reason: &str) -> Self {
        self.skips.add(MECHANISM_CASES, case, reason);
        self
    }

    /// Runs every case over every transport and reports. A case that fails does not stop the
    /// others; see [`Report::assert_passed`]. Cancelling drops the case in flight with its
    /// endpoints and sockets.
    ///
    /// # Panics
    /// When no transport was named.
    pub async fn run(self) -> Report {
        assert!(
            !self.transports.is_empty(),
            "name at least one transport with MechanismSuite::transport"
        );
        let name = (self.mechanism)().name().to_owned();
        let mut report = Report::new(format!("mechanism {name}"));
        for t in &self.transports {
            let ctx = Ctx::new(
                self.mechanism.clone(),
                t.clone(),
                self.delivery.clone(),
                self.step,
                self.vector_dirs.clone(),
            );
            let over = ctx.proto.to_string();
            let (r, s, c) = (&mut report, &self.skips, &ctx);
            run_case(r, s, "offer-answer-vectors", &over, t::vectors(c)).await;
            run_case(r, s, "round-trip", &over, t::round_trip(c)).await;
            run_case(r, s, "ordering", &over, t::ordering(c)).await;
            run_case(r, s, "back-to-back", &over, t::back_to_back(c)).await;
            run_case(r, s, "big-message", &over, t::big_message(c)).await;
            run_case(r, s, "too-large", &over, t::too_large(c)).await;
            run_case(r, s, "fragmentation", &over, f::fragmentation(c)).await;
            run_case(r, s, "bad-frames", &over, f::bad_frames(c)).await;
            run_case(r, s, "garbage", &over, f::garbage(c)).await;
            run_case(r, s, "connection-sharing", &over, t::sharing(c)).await;
            run_case(r, s, "unknown-session", &over, f::unknown_session(c)).await;
            run_case(r, s, "delivery-reports", &over, t::delivery(c)).await;
            run_case(r, s, "peer-close", &over, t::peer_close(c)).await;
        }
        report
    }
}
