//! One throughput or latency case as a [`Job`]: its pairs of runs, baseline and framework
//! interleaved. The harness runs every job in a fresh child process (the hidden `case`
//! subcommand of `imsession-bench`), so that what earlier cases left in the allocator and
//! the runtime does not shape it: a 4 MiB raw/tcp case ran at 4.1 GB/s alone and at 2.2 to
//! 2.5 GB/s after the 1 KiB cases in one process.

use serde::{Deserialize, Serialize};

use crate::latency::{percentile, raw_rtts, session_rtts};
use crate::rows::{LatencyPair, Percentiles, TimedPair};
use crate::throughput::{raw_run, session_run};
use crate::tls::tls_pair;
use crate::wire::Wire;

/// A case to run, with how many pairs of runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Job {
    /// One-way throughput of `messages` messages of `payload` bytes.
    Throughput {
        /// The wire.
        wire: Wire,
        /// Payload size, bytes.
        payload: usize,
        /// Messages per run.
        messages: usize,
        /// Pairs of runs.
        runs: usize,
    },
    /// 64-byte ping-pong.
    Latency {
        /// The wire.
        wire: Wire,
        /// Round trips per run, after the warm-up.
        round_trips: usize,
        /// Pairs of runs.
        runs: usize,
    },
}

/// What a [`Job`] measured: one entry per pair of runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Of a [`Job::Throughput`].
    Throughput(Vec<TimedPair>),
    /// Of a [`Job::Latency`].
    Latency(Vec<LatencyPair>),
}

/// Runs the two sides of pair number `run`: the baseline goes first in even pairs, the
/// framework in odd ones, so neither always gets the warmer (or colder) machine. Returns
/// (baseline, framework).
fn pair<T>(run: usize, raw: impl FnOnce() -> T, cpim: impl FnOnce() -> T) -> (T, T) {
    if run % 2 == 0 {
        let r = raw();
        (r, cpim())
    } else {
        let c = cpim();
        (raw(), c)
    }
}

fn stats(mut rtts: Vec<u64>) -> Percentiles {
    Percentiles {
        p50_us: percentile(&mut rtts, 50.0) as f64 / 1e3,
        p99_us: percentile(&mut rtts, 99.0) as f64 / 1e3,
    }
}

/// Runs `job` in this process, printing progress on stderr.
pub fn run_job(job: &Job) -> Outcome {
    let tls = tls_pair();
    match *job {
        Job::Throughput {
            wire,
            payload,
            messages,
            runs,
        } => Outcome::Throughput(
            (0..runs)
                .map(|run| {
                    eprintln!("throughput: {} {payload} B pair {}", wire.name(), run + 1);
                    let (raw_s, cpim_s) = pair(
                        run,
                        || raw_run(wire, &tls, payload, messages).as_secs_f64(),
                        || session_run(wire, payload, messages).as_secs_f64(),
                    );
                    TimedPair { raw_s, cpim_s }
                })
                .collect(),
        ),
        Job::Latency {
            wire,
            round_trips,
            runs,
        } => Outcome::Latency(
            (0..runs)
                .map(|run| {
                    eprintln!("latency: {} pair {}", wire.name(), run + 1);
                    let (raw, cpim) = pair(
                        run,
                        || stats(raw_rtts(wire, &tls, round_trips)),
                        || stats(session_rtts(wire, round_trips)),
                    );
                    LatencyPair { raw, cpim }
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_alternate_which_side_runs_first() {
        for run in 0..4 {
            let mut order = Vec::new();
            let order_cell = std::cell::RefCell::new(&mut order);
            let (r, c) = pair(
                run,
                || order_cell.borrow_mut().push("raw"),
                || order_cell.borrow_mut().push("cpim"),
            );
            let _ = (r, c);
            let first = if run % 2 == 0 { "raw" } else { "cpim" };
            assert_eq!(order[0], first, "pair {run}");
            assert_eq!(order.len(), 2);
        }
    }

    #[test]
    fn jobs_cross_the_process_boundary_unchanged() {
        let job = Job::Throughput {
            wire: Wire::Sctp,
            payload: 1024,
            messages: 10,
            runs: 3,
        };
        let text = serde_json::to_string(&job).unwrap();
        assert_eq!(serde_json::from_str::<Job>(&text).unwrap(), job);
        let out = Outcome::Latency(vec![LatencyPair {
            raw: Percentiles {
                p50_us: 1.5,
                p99_us: 2.0,
            },
            cpim: Percentiles {
                p50_us: 1.75,
                p99_us: 3.0,
            },
        }]);
        let text = serde_json::to_string(&out).unwrap();
        assert_eq!(serde_json::from_str::<Outcome>(&text).unwrap(), out);
    }
}
