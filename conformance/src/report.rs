//! [`Report`]: what a suite or the runner found, case by case, as a table and as JSON.

use std::fmt;
use std::time::Duration;

/// The result of one case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The behaviour was as required.
    Pass,
    /// It was not; the reason says what was expected and what happened.
    Fail(String),
    /// Not run; the reason says why (a skip always carries one).
    Skip(String),
}

impl Outcome {
    /// `pass`, `fail` or `skip`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail(_) => "fail",
            Self::Skip(_) => "skip",
        }
    }

    /// The reason of a failure or skip; empty for a pass.
    pub fn reason(&self) -> &str {
        match self {
            Self::Pass => "",
            Self::Fail(r) | Self::Skip(r) => r,
        }
    }
}

/// One case's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseReport {
    /// The case name (`round-trip`), as the suites list it and skips name it.
    pub case: String,
    /// What the case ran over (`tcp`, `jsonl/tcp`, `ipv6`), empty when nothing varies.
    pub over: String,
    /// What happened.
    pub outcome: Outcome,
    /// How long the case took.
    pub duration: Duration,
}

/// The outcomes of a suite run, in the order the cases ran.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// What was tested (`transport tcp`, `mechanism cpim`, a peer).
    pub subject: String,
    /// Every case, skipped ones included.
    pub cases: Vec<CaseReport>,
}

impl Report {
    /// An empty report about `subject`.
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            cases: Vec::new(),
        }
    }

    /// Adds a case's outcome.
    pub fn push(
        &mut self,
        case: impl Into<String>,
        over: impl Into<String>,
        outcome: Outcome,
        duration: Duration,
    ) {
        self.cases.push(CaseReport {
            case: case.into(),
            over: over.into(),
            outcome,
            duration,
        });
    }

    /// The failed cases.
    pub fn failures(&self) -> impl Iterator<Item = &CaseReport> {
        self.cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
    }

    /// Whether no case failed.
    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The outcome of `case` (over `over`, or over anything when `over` is empty).
    pub fn outcome(&self, case: &str, over: &str) -> Option<&Outcome> {
        self.cases
            .iter()
            .find(|c| c.case == case && (over.is_empty() || c.over == over))
            .map(|c| &c.outcome)
    }

    /// Prints the table to stderr (where test harnesses show it) and panics naming every failed
    /// case and why, if any failed. The call a plug-in's test file ends with.
    ///
    /// # Panics
    /// When a case failed.
    #[track_caller]
    pub fn assert_passed(&self) {
        eprintln!("{self}");
        let failed: Vec<String> = self
            .failures()
            .map(|c| format!("{}: {}", c.name(), c.outcome.reason()))
            .collect();
        assert!(
            failed.is_empty(),
            "{}: {} case(s) failed:\n  {}",
            self.subject,
            failed.len(),
            failed.join("\n  ")
        );
    }

    /// The report as JSON: `{"subject": …, "cases": [{"case", "over", "result", "reason",
    /// "duration_ms"}…], "passed": n, "failed": n, "skipped": n}`.
    pub fn to_json(&self) -> String {
        let cases: Vec<serde_json::Value> = self
            .cases
            .iter()
            .map(|c| {
                serde_json::json!({
                    "case": c.case,
                    "over": c.over,
                    "result": c.outcome.label(),
                    "reason": c.outcome.reason(),
                    "duration_ms": c.duration.as_secs_f64() * 1000.0,
                })
            })
            .collect();
        let (passed, failed, skipped) = self.counts();
        let report = serde_json::json!({
            "subject": self.subject,
            "cases": cases,
            "passed": passed,
            "failed": failed,
            "skipped": skipped,
        });
        let mut out =
            serde_json::to_string_pretty(&report).expect("a json value always serializes");
        out.push('\n');
        out
    }

    /// Passed, failed and skipped counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |l: &str| self.cases.iter().filter(|c| c.outcome.label() == l).count();
        (count("pass"), count("fail"), count("skip"))
    }
}

impl CaseReport {
    /// `case` or `case [over]`.
    pub fn name(&self) -> String {
        if self.over.is_empty() {
            self.case.clone()
        } else {
            format!("{} [{}]", self.case, self.over)
        }
    }
}

/// The readable table: one line per case, then the totals.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .cases
            .iter()
            .map(|c| c.name().len())
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(f, "conformance: {}", self.subject)?;
        writeln!(f, "  {:<width$}  result  time       reason", "case")?;
        for c in &self.cases {
            writeln!(
                f,
                "  {:<width$}  {:<6}  {:>7.1}ms  {}",
                c.name(),
                c.outcome.label(),
                c.duration.as_secs_f64() * 1000.0,
                c.outcome.reason()
            )?;
        }
        let (p, fl, s) = self.counts();
        write!(f, "  {p} passed, {fl} failed, {s} skipped")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_and_counts() {
        let mut r = Report::new("peer \"x\"");
        r.push("a", "", Outcome::Pass, Duration::from_millis(2));
        r.push(
            "b",
            "tcp",
            Outcome::Fail("line\nbreak\u{1}".into()),
            Duration::ZERO,
        );
        r.push("c", "", Outcome::Skip("no ipv6".into()), Duration::ZERO);
        let text = r.to_json();
        assert!(text.contains(r#""reason": "line\nbreak\u0001""#), "{text}");
        let j: serde_json::Value = serde_json::from_str(&text).expect("valid json");
        assert_eq!(j["subject"], "peer \"x\"", "{text}");
        assert_eq!(j["cases"][1]["reason"], "line\nbreak\u{1}", "{text}");
        assert_eq!(j["cases"][1]["over"], "tcp", "{text}");
        assert_eq!(j["cases"][2]["result"], "skip", "{text}");
        assert_eq!(j["cases"][2]["reason"], "no ipv6", "{text}");
        assert_eq!(j["cases"][0]["duration_ms"], 2.0, "{text}");
        assert_eq!(j["failed"], 1, "{text}");
        assert_eq!(
            (j["passed"].clone(), j["skipped"].clone()),
            (1.into(), 1.into())
        );
        assert!(!r.passed());
        assert_eq!(r.failures().next().unwrap().name(), "b [tcp]");
        let table = r.to_string();
        assert!(table.contains("1 passed, 1 failed, 1 skipped"), "{table}");
        assert!(table.contains("no ipv6"), "{table}");
    }
}
