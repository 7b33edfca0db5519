//! The targets, checked against a [`Report`].

use crate::report::{Case, Report, TargetRow};
use crate::rows::Spread;
use crate::scale::Layout;
use crate::wire::Wire;

/// Sessions on one connection that the scale and memory targets are stated for.
pub const TARGET_SESSIONS: usize = 10_000;

/// Most memory an idle session may take, bytes.
pub const IDLE_SESSION_BYTES: f64 = 4096.0;

/// Longest a negotiation of the founding offer may take, nanoseconds.
pub const NEGOTIATION_NS: f64 = 20_000.0;

/// Name of the negotiation micro-benchmark row.
pub const NEGOTIATION_ROW: &str = "negotiate founding offer";

/// A measured value for a target: a plain value, or a ratio's median with its range.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Measured {
    value: Option<f64>,
    range: Option<(f64, f64)>,
    note: Option<&'static str>,
}

impl Measured {
    fn value(v: Option<f64>) -> Self {
        Self {
            value: v,
            ..Self::default()
        }
    }

    fn spread(s: Option<Spread>) -> Self {
        Self {
            value: s.map(|s| s.median),
            range: s.map(|s| (s.min, s.max)),
            note: None,
        }
    }
}

fn row(name: &str, target: String, m: Measured, meets: impl Fn(f64) -> bool) -> TargetRow {
    TargetRow {
        name: name.to_owned(),
        target,
        value: m.value,
        range: m.range,
        met: m.value.map(meets),
        note: m.note.map(str::to_owned),
    }
}

fn at_least(name: &str, min: f64, m: Measured) -> TargetRow {
    row(name, format!(">= {min}"), m, |v| v >= min)
}

fn at_most(name: &str, max: f64, m: Measured) -> TargetRow {
    row(name, format!("<= {max}"), m, |v| v <= max)
}

fn throughput_ratio(report: &Report, wire: Wire, payload: usize) -> Measured {
    Measured::spread(
        report
            .throughput
            .iter()
            .find(|r| r.wire == wire && r.case == Case::Cpim && r.payload == payload)
            .and_then(|r| r.ratio),
    )
}

/// Checks every target that the report has the measurements for; ratios are checked by
/// their median over pairs of runs.
pub fn check(report: &Report) -> Vec<TargetRow> {
    let latency = Measured::spread(
        report
            .latency
            .iter()
            .find(|r| r.wire == Wire::Tcp && r.case == Case::Cpim)
            .and_then(|r| r.ratio_p50),
    );
    let scale = Measured::spread(
        report
            .scale
            .iter()
            .find(|r| r.layout == Layout::SharedConnection && r.sessions == TARGET_SESSIONS)
            .and_then(|r| r.ratio_to_single),
    );
    let memory = match report
        .memory
        .iter()
        .find(|r| r.layout == Layout::SharedConnection && r.sessions == TARGET_SESSIONS)
    {
        Some(r) if r.bytes_per_session_end.is_none() => Measured {
            note: Some("invalid probe"),
            ..Measured::default()
        },
        r => Measured::value(r.and_then(|r| r.bytes_per_session_end)),
    };
    let negotiation = Measured::value(
        report
            .micro
            .iter()
            .find(|r| r.name == NEGOTIATION_ROW)
            .map(|r| r.ns_per_op),
    );
    vec![
        at_least(
            "cpim/tcp msgs/s vs raw tcp, 1 KiB",
            0.75,
            throughput_ratio(report, Wire::Tcp, 1024),
        ),
        at_least(
            "cpim/tcp msgs/s vs raw tcp, 64 B",
            0.5,
            throughput_ratio(report, Wire::Tcp, 64),
        ),
        at_least(
            "cpim/tcp MB/s vs raw tcp, 4 MiB",
            0.9,
            throughput_ratio(report, Wire::Tcp, 4 << 20),
        ),
        at_least(
            "cpim/tls MB/s vs raw tls, 4 MiB",
            0.85,
            throughput_ratio(report, Wire::Tls, 4 << 20),
        ),
        at_least(
            "cpim/tls MB/s vs raw tls, 1 KiB",
            0.7,
            throughput_ratio(report, Wire::Tls, 1024),
        ),
        at_most("cpim/tcp latency p50 vs raw tcp", 1.15, latency),
        at_least("10,000 sessions on one connection vs 1", 0.8, scale),
        at_most(
            "idle session, bytes (10,000 on one connection)",
            IDLE_SESSION_BYTES,
            memory,
        ),
        at_most("negotiate founding offer, ns", NEGOTIATION_NS, negotiation),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{LatencyRow, Machine, MemoryRow, MicroRow, ThroughputRow};

    fn report() -> Report {
        Report {
            mode: "quick",
            build: "debug",
            runs: 1,
            machine: Machine::read(),
            throughput: Vec::new(),
            latency: Vec::new(),
            scale: Vec::new(),
            memory: Vec::new(),
            micro: Vec::new(),
            targets: Vec::new(),
        }
    }

    fn target<'a>(rows: &'a [TargetRow], name: &str) -> &'a TargetRow {
        rows.iter().find(|r| r.name.starts_with(name)).expect(name)
    }

    #[test]
    fn cases_not_run_are_neither_met_nor_failed() {
        let rows = check(&report());
        assert_eq!(rows.len(), 9);
        assert!(rows.iter().all(|r| r.value.is_none() && r.met.is_none()));
    }

    #[test]
    fn bounds_are_checked_in_their_direction() {
        let mut r = report();
        r.throughput.push(ThroughputRow {
            wire: Wire::Tcp,
            case: Case::Cpim,
            payload: 1024,
            messages: 1,
            runs_s: vec![1.0],
            msgs_per_s: 1.0,
            mb_per_s: 0.0,
            // The best pair met the bound; the median did not.
            ratio: Some(Spread {
                median: 0.74,
                min: 0.6,
                max: 0.9,
            }),
        });
        r.latency.push(LatencyRow {
            wire: Wire::Tcp,
            case: Case::Cpim,
            round_trips: 1,
            p50_us: 1.0,
            p99_us: 1.0,
            runs_us: Vec::new(),
            ratio_p50: Some(Spread {
                median: 1.15,
                min: 1.15,
                max: 1.15,
            }),
            ratio_p99: None,
        });
        r.memory.push(MemoryRow {
            layout: Layout::SharedConnection,
            sessions: TARGET_SESSIONS,
            rss_before_kib: 100,
            rss_after_kib: 100,
            bytes_per_session_end: None,
        });
        r.micro.push(MicroRow {
            name: NEGOTIATION_ROW.to_owned(),
            ns_per_op: 20_001.0,
            gb_per_s: None,
        });
        let rows = check(&r);
        let kib = target(&rows, "cpim/tcp msgs/s vs raw tcp, 1 KiB");
        assert_eq!(kib.met, Some(false));
        assert_eq!((kib.value, kib.range), (Some(0.74), Some((0.6, 0.9))));
        let idle = target(&rows, "idle session");
        assert_eq!((idle.value, idle.met), (None, None));
        assert_eq!(idle.note.as_deref(), Some("invalid probe"));
        assert_eq!(target(&rows, "cpim/tcp latency").met, Some(true));
        assert_eq!(target(&rows, "negotiate").met, Some(false));
        assert_eq!(target(&rows, "cpim/tcp msgs/s vs raw tcp, 64 B").met, None);
    }
}
