//! From paired runs to report rows, as pure functions.
//!
//! A throughput or latency case runs as pairs: a baseline run and a framework run, one right
//! after the other (which goes first alternates). Each pair gives one ratio, so slow moments
//! of the machine hit both terms of a ratio alike; a row reports the median run of each side
//! and the median of the pairs' ratios, with their minimum and maximum.

use serde::{Deserialize, Serialize};

use crate::report::{Case, LatencyRow, MB, ThroughputRow};
use crate::wire::Wire;

/// The median of some values, with their range.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The median (the mean of the middle two for an even count).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let (&min, &max) = (v.first()?, v.last()?);
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 {
            v[mid]
        } else {
            (v[mid - 1] + v[mid]) / 2.0
        };
        Some(Self { median, min, max })
    }
}

/// One pair of runs of a throughput case: how long each took, seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimedPair {
    /// The baseline's run.
    pub raw_s: f64,
    /// The framework's run.
    pub cpim_s: f64,
}

/// The two percentiles of one latency run, microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Median round trip.
    pub p50_us: f64,
    /// 99th-percentile round trip.
    pub p99_us: f64,
}

/// One pair of runs of a latency case.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencyPair {
    /// The baseline's run.
    pub raw: Percentiles,
    /// The framework's run.
    pub cpim: Percentiles,
}

fn median(values: &[f64]) -> f64 {
    Spread::of(values).map_or(f64::NAN, |s| s.median)
}

/// The baseline's and the framework's rows of a throughput case of `messages` messages of
/// `payload` bytes: each side's median run, and the median (min, max) over the pairs of
/// framework messages/s over baseline messages/s (baseline time over framework time).
pub fn throughput_rows(
    wire: Wire,
    payload: usize,
    messages: usize,
    pairs: &[TimedPair],
) -> [ThroughputRow; 2] {
    let row = |case, runs_s: Vec<f64>, ratio| {
        let msgs_per_s = messages as f64 / median(&runs_s);
        ThroughputRow {
            wire,
            case,
            payload,
            messages,
            runs_s,
            msgs_per_s,
            mb_per_s: msgs_per_s * payload as f64 / MB,
            ratio,
        }
    };
    let ratios: Vec<f64> = pairs.iter().map(|p| p.raw_s / p.cpim_s).collect();
    [
        row(Case::Raw, pairs.iter().map(|p| p.raw_s).collect(), None),
        row(
            Case::Cpim,
            pairs.iter().map(|p| p.cpim_s).collect(),
            Spread::of(&ratios),
        ),
    ]
}

/// The baseline's and the framework's rows of a latency case: each side's median p50 and
/// median p99 over its runs, and the median (min, max) over the pairs of framework over
/// baseline, for p50 and p99 each.
pub fn latency_rows(wire: Wire, round_trips: usize, pairs: &[LatencyPair]) -> [LatencyRow; 2] {
    let row = |case, runs: Vec<Percentiles>, ratio_p50, ratio_p99| LatencyRow {
        wire,
        case,
        round_trips,
        p50_us: median(&runs.iter().map(|r| r.p50_us).collect::<Vec<_>>()),
        p99_us: median(&runs.iter().map(|r| r.p99_us).collect::<Vec<_>>()),
        runs_us: runs,
        ratio_p50,
        ratio_p99,
    };
    let p50: Vec<f64> = pairs.iter().map(|p| p.cpim.p50_us / p.raw.p50_us).collect();
    let p99: Vec<f64> = pairs.iter().map(|p| p.cpim.p99_us / p.raw.p99_us).collect();
    [
        row(Case::Raw, pairs.iter().map(|p| p.raw).collect(), None, None),
        row(
            Case::Cpim,
            pairs.iter().map(|p| p.cpim).collect(),
            Spread::of(&p50),
            Spread::of(&p99),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_median_min_max() {
        assert_eq!(Spread::of(&[]), None);
        let odd = Spread::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((odd.median, odd.min, odd.max), (2.0, 1.0, 3.0));
        let even = Spread::of(&[4.0, 1.0, 2.0, 10.0]).unwrap();
        assert_eq!((even.median, even.min, even.max), (3.0, 1.0, 10.0));
    }

    #[test]
    fn throughput_ratio_is_framework_rate_over_baseline_per_pair() {
        // 1,000 messages of 1,000 bytes. Pair ratios (raw_s / cpim_s): 0.5, 0.8, 2.0.
        let pairs = [
            TimedPair {
                raw_s: 1.0,
                cpim_s: 2.0,
            },
            TimedPair {
                raw_s: 4.0,
                cpim_s: 5.0,
            },
            TimedPair {
                raw_s: 2.0,
                cpim_s: 1.0,
            },
        ];
        let [raw, cpim] = throughput_rows(Wire::Tcp, 1000, 1000, &pairs);
        assert_eq!((raw.case, cpim.case), (Case::Raw, Case::Cpim));
        assert_eq!(raw.ratio, None);
        assert_eq!(raw.runs_s, [1.0, 4.0, 2.0]);
        assert_eq!(cpim.runs_s, [2.0, 5.0, 1.0]);
        // Median runs: raw 2 s, cpim 2 s.
        assert_eq!(raw.msgs_per_s, 500.0);
        assert_eq!(raw.mb_per_s, 0.5);
        assert_eq!(cpim.msgs_per_s, 500.0);
        let r = cpim.ratio.unwrap();
        assert_eq!((r.median, r.min, r.max), (0.8, 0.5, 2.0));
    }

    #[test]
    fn ratios_pair_the_runs_made_together() {
        // A slow moment that slows both runs of a pair leaves that pair's ratio at 1.
        let pairs = [
            TimedPair {
                raw_s: 1.0,
                cpim_s: 1.0,
            },
            TimedPair {
                raw_s: 3.0,
                cpim_s: 3.0,
            },
            TimedPair {
                raw_s: 1.0,
                cpim_s: 1.0,
            },
        ];
        let [_, cpim] = throughput_rows(Wire::Sctp, 64, 10, &pairs);
        assert_eq!(cpim.ratio.unwrap().max, 1.0);
        let pairs = [
            TimedPair {
                raw_s: 0.5,
                cpim_s: 1.0,
            },
            TimedPair {
                raw_s: 1.0,
                cpim_s: 0.6,
            },
        ];
        // Best of each would give 0.5 / 0.6 = 0.83; the pairs give 0.5 and 1.67.
        let r = throughput_rows(Wire::Tcp, 64, 10, &pairs)[1].ratio.unwrap();
        assert_eq!((r.min, r.max), (0.5, 1.0 / 0.6));
        assert_eq!(r.median, (0.5 + 1.0 / 0.6) / 2.0);
    }

    #[test]
    fn latency_ratio_is_framework_over_baseline_per_pair() {
        let p = |p50_us, p99_us| Percentiles { p50_us, p99_us };
        let pairs = [
            LatencyPair {
                raw: p(10.0, 20.0),
                cpim: p(12.0, 30.0),
            },
            LatencyPair {
                raw: p(20.0, 40.0),
                cpim: p(22.0, 40.0),
            },
            LatencyPair {
                raw: p(10.0, 20.0),
                cpim: p(15.0, 20.0),
            },
        ];
        let [raw, cpim] = latency_rows(Wire::Tcp, 100, &pairs);
        assert_eq!((raw.p50_us, raw.p99_us), (10.0, 20.0));
        assert_eq!((cpim.p50_us, cpim.p99_us), (15.0, 30.0));
        assert_eq!(raw.ratio_p50, None);
        let r50 = cpim.ratio_p50.unwrap();
        assert_eq!((r50.median, r50.min, r50.max), (1.2, 1.1, 1.5));
        let r99 = cpim.ratio_p99.unwrap();
        assert_eq!((r99.median, r99.min, r99.max), (1.0, 1.0, 1.5));
        assert_eq!(cpim.runs_us.len(), 3);
    }
}
