//! Running one case: skips with their reasons, a time bound, and the outcome recorded.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::report::{Outcome, Report};

/// Time one case may take before it fails as hung.
pub const CASE_TIMEOUT: Duration = Duration::from_secs(60);

/// The result a case body returns: `Err` says what was wrong.
pub type CaseResult = Result<(), String>;

/// Cases to skip, each with its reason (a skip without a reason cannot be expressed).
#[derive(Clone, Debug, Default)]
pub struct Skips {
    entries: Vec<(String, String)>,
}

impl Skips {
    /// Adds `case` (one of `known`) with `reason`.
    ///
    /// # Panics
    /// When `case` is not one of `known` (a typo would silently run the case), or the reason is
    /// blank.
    #[track_caller]
    pub fn add(&mut self, known: &[&str], case: &str, reason: &str) {
        assert!(
            known.contains(&case),
            "cannot skip unknown case {case:?}; cases are: {}",
            known.join(", ")
        );
        assert!(
            !reason.trim().is_empty(),
            "skipping {case:?} needs a reason"
        );
        self.entries.push((case.to_owned(), reason.to_owned()));
    }

    /// The reason `case` is skipped, if it is.
    pub(crate) fn reason(&self, case: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(c, _)| c == case)
            .map(|(_, r)| r.as_str())
    }
}

/// Runs `body` as `case` over `over` (unless skipped), bounded by [`CASE_TIMEOUT`], and records
/// the outcome in `report`.
pub(crate) async fn run_case<F>(report: &mut Report, skips: &Skips, case: &str, over: &str, body: F)
where
    F: Future<Output = CaseResult>,
{
    if let Some(reason) = skips.reason(case) {
        report.push(case, over, Outcome::Skip(reason.to_owned()), Duration::ZERO);
        return;
    }
    let start = Instant::now();
    let outcome = match tokio::time::timeout(CASE_TIMEOUT, body).await {
        Ok(Ok(())) => Outcome::Pass,
        Ok(Err(reason)) => Outcome::Fail(reason),
        Err(_) => Outcome::Fail(format!("timed out after {CASE_TIMEOUT:?}")),
    };
    report.push(case, over, outcome, start.elapsed());
}

/// Fails the case with a formatted reason unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+));
        }
    };
}
pub(crate) use ensure;

/// Converts any displayable error into a case failure with context.
pub(crate) trait Context<T> {
    /// `Err(e)` becomes `Err("what: e")`.
    fn ctx(self, what: &str) -> Result<T, String>;
}

impl<T, E: std::fmt::Display> Context<T> for Result<T, E> {
    fn ctx(self, what: &str) -> Result<T, String> {
        self.map_err(|e| format!("{what}: {e}"))
    }
}

/// Awaits `fut` for at most `limit`; on expiry the case fails saying what was awaited.
pub(crate) async fn within<T>(
    limit: Duration,
    what: &str,
    fut: impl Future<Output = T>,
) -> Result<T, String> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| format!("{what}: nothing after {limit:?}"))
}
