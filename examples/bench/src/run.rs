//! One harness run: every section, in the order of the issue. Each throughput and latency
//! case (one wire, one payload) is a [`Job`] of pairs of runs, baseline and framework
//! interleaved, run where the caller says (normally a fresh child process each).

use std::time::Duration;

use crate::job::{Job, Outcome, run_job};
use crate::memory::{MemoryProbe, probe};
use crate::micro::{CPIM_SIZES, CpimCodec, FOUNDING_OFFER, Negotiation, time_per_op};
use crate::report::{Machine, MemoryRow, MicroRow, Report, ScaleRow};
use crate::rows::{Spread, latency_rows, throughput_rows};
use crate::scale::{Layout, sessions_run};
use crate::targets::{NEGOTIATION_ROW, TARGET_SESSIONS, check};
use crate::wire::Wire;

/// Payload size of the scale cases, bytes.
pub const SCALE_PAYLOAD: usize = 1024;

/// SCTP (in user space) moves a tenth or less of TCP's bytes per second on loopback: its
/// throughput cases send one in this many of the plan's messages, so a run stays short.
pub const SCTP_MESSAGE_SHARE: usize = 4;

/// A part of the harness, for `--only`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Section {
    /// One-way throughput against the raw baselines.
    Throughput,
    /// Ping-pong latency against the raw baselines.
    Latency,
    /// Many sessions at once.
    Scale,
    /// Idle memory per session.
    Memory,
    /// Negotiation and codec micro-benchmarks.
    Micro,
}

/// How much to measure.
#[derive(Clone, Debug)]
pub struct Plan {
    /// `full` or `quick`.
    pub mode: &'static str,
    /// Runs per case: pairs of runs (baseline, framework) for throughput and latency,
    /// rounds of every case for scale.
    pub runs: usize,
    /// `(payload, messages)` per throughput case (see [`Plan::messages`]).
    pub payloads: Vec<(usize, usize)>,
    /// Round trips per latency case.
    pub round_trips: usize,
    /// Session counts on one connection.
    pub shared: Vec<usize>,
    /// Session counts on their own connections.
    pub own: Vec<usize>,
    /// Messages per scale run, split across its sessions.
    pub scale_messages: usize,
    /// Sessions in the memory probes, per layout.
    pub memory: Vec<(Layout, usize)>,
    /// Time spent on each micro-benchmark.
    pub micro_budget: Duration,
    /// The sections to run.
    pub sections: Vec<Section>,
    /// The wires the throughput and latency cases run over.
    pub wires: Vec<Wire>,
}

impl Plan {
    /// The full plan: what `docs/benchmarks.md` records (a few minutes on 2 cores).
    pub fn full() -> Self {
        Self {
            mode: "full",
            runs: 5,
            payloads: vec![
                (64, 400_000),
                (1024, 200_000),
                (64 * 1024, 20_000),
                (4 << 20, 300),
            ],
            round_trips: 10_000,
            shared: vec![1, 100, TARGET_SESSIONS],
            own: vec![1_000],
            scale_messages: 200_000,
            memory: vec![
                (Layout::SharedConnection, TARGET_SESSIONS),
                (Layout::OwnConnections, 1_000),
            ],
            micro_budget: Duration::from_millis(500),
            sections: vec![
                Section::Throughput,
                Section::Latency,
                Section::Scale,
                Section::Memory,
                Section::Micro,
            ],
            wires: vec![Wire::Tcp, Wire::Tls, Wire::Sctp],
        }
    }

    /// The smoke test CI runs: every code path, small counts, a few seconds.
    pub fn quick() -> Self {
        Self {
            mode: "quick",
            runs: 1,
            payloads: vec![(64, 5_000), (1024, 5_000), (64 * 1024, 300), (4 << 20, 8)],
            round_trips: 300,
            shared: vec![1, 100],
            own: vec![20],
            scale_messages: 5_000,
            memory: vec![
                (Layout::SharedConnection, 100),
                (Layout::OwnConnections, 20),
            ],
            micro_budget: Duration::from_millis(30),
            ..Self::full()
        }
    }

    fn runs(&self, section: Section) -> bool {
        self.sections.contains(&section)
    }

    /// Messages per throughput run over `wire` for a case the plan gives `count` messages.
    pub fn messages(&self, wire: Wire, count: usize) -> usize {
        match wire {
            Wire::Sctp => (count / SCTP_MESSAGE_SHARE).max(1),
            Wire::Tcp | Wire::Tls => count,
        }
    }
}

/// Measures idle memory; the caller supplies how (normally a fresh child process).
pub type MemoryProber<'a> = &'a dyn Fn(Layout, usize) -> MemoryProbe;

/// Runs a throughput or latency job; the caller supplies where (normally a fresh child
/// process).
pub type CaseRunner<'a> = &'a dyn Fn(&Job) -> Outcome;

/// Where the isolated parts of a run happen.
#[derive(Clone, Copy)]
pub struct Isolation<'a> {
    /// Runs the memory probes.
    pub memory: MemoryProber<'a>,
    /// Runs the throughput and latency jobs.
    pub case: CaseRunner<'a>,
}

impl std::fmt::Debug for Isolation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Isolation")
    }
}

impl Isolation<'static> {
    /// Everything in this process (what the harness's child processes themselves do; a
    /// whole run in one process lets earlier cases shape later ones).
    pub fn in_process() -> Self {
        Self {
            memory: &probe,
            case: &run_job,
        }
    }
}

/// Runs `plan`, printing progress on stderr.
pub fn run(plan: &Plan, isolation: &Isolation<'_>) -> Report {
    let mut report = Report {
        mode: plan.mode,
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        runs: plan.runs,
        machine: Machine::read(),
        throughput: Vec::new(),
        latency: Vec::new(),
        scale: Vec::new(),
        memory: Vec::new(),
        micro: Vec::new(),
        targets: Vec::new(),
    };
    if plan.runs(Section::Throughput) {
        throughput(plan, isolation.case, &mut report);
    }
    if plan.runs(Section::Latency) {
        latency(plan, isolation.case, &mut report);
    }
    if plan.runs(Section::Scale) {
        scale(plan, &mut report);
    }
    if plan.runs(Section::Memory) {
        for &(layout, n) in &plan.memory {
            eprintln!("memory: {layout:?} x {n}");
            let p = (isolation.memory)(layout, n);
            report.memory.push(MemoryRow {
                layout,
                sessions: n,
                rss_before_kib: p.rss_before_kib,
                rss_after_kib: p.rss_after_kib,
                bytes_per_session_end: p.bytes_per_session_end(),
            });
        }
    }
    if plan.runs(Section::Micro) {
        micro(plan, &mut report);
    }
    report.targets = check(&report);
    report
}

fn throughput(plan: &Plan, case: CaseRunner<'_>, report: &mut Report) {
    for &(payload, count) in &plan.payloads {
        for &wire in &plan.wires {
            let messages = plan.messages(wire, count);
            let job = Job::Throughput {
                wire,
                payload,
                messages,
                runs: plan.runs,
            };
            let Outcome::Throughput(pairs) = case(&job) else {
                panic!("a throughput job measured something else");
            };
            report
                .throughput
                .extend(throughput_rows(wire, payload, messages, &pairs));
        }
    }
}

fn latency(plan: &Plan, case: CaseRunner<'_>, report: &mut Report) {
    for &wire in &plan.wires {
        let job = Job::Latency {
            wire,
            round_trips: plan.round_trips,
            runs: plan.runs,
        };
        let Outcome::Latency(pairs) = case(&job) else {
            panic!("a latency job measured something else");
        };
        report
            .latency
            .extend(latency_rows(wire, plan.round_trips, &pairs));
    }
}

fn scale(plan: &Plan, report: &mut Report) {
    let cases: Vec<(Layout, usize)> = plan
        .shared
        .iter()
        .map(|&n| (Layout::SharedConnection, n))
        .chain(plan.own.iter().map(|&n| (Layout::OwnConnections, n)))
        .collect();
    let per_session = |n: usize| (plan.scale_messages / n).max(1);
    // Rounds of every case, forwards then backwards, so each case's ratio to the single
    // session pairs runs made close together.
    let mut runs_s = vec![Vec::with_capacity(plan.runs); cases.len()];
    for run in 0..plan.runs {
        let mut order: Vec<usize> = (0..cases.len()).collect();
        if run % 2 == 1 {
            order.reverse();
        }
        for i in order {
            let (layout, n) = cases[i];
            eprintln!("scale: {layout:?} x {n} run {}", run + 1);
            runs_s[i].push(sessions_run(layout, n, SCALE_PAYLOAD, per_session(n)).as_secs_f64());
        }
    }
    let rate = |i: usize, s: f64| (cases[i].1 * per_session(cases[i].1)) as f64 / s;
    let single = cases
        .iter()
        .position(|&c| c == (Layout::SharedConnection, 1));
    for (i, &(layout, n)) in cases.iter().enumerate() {
        let median_s = Spread::of(&runs_s[i]).map_or(f64::NAN, |s| s.median);
        let ratios: Option<Vec<f64>> = single.map(|j| {
            runs_s[i]
                .iter()
                .zip(&runs_s[j])
                .map(|(&s, &one)| rate(i, s) / rate(j, one))
                .collect()
        });
        report.scale.push(ScaleRow {
            layout,
            sessions: n,
            per_session: per_session(n),
            payload: SCALE_PAYLOAD,
            runs_s: runs_s[i].clone(),
            msgs_per_s: rate(i, median_s),
            ratio_to_single: ratios.and_then(|r| Spread::of(&r)),
        });
    }
}

fn micro(plan: &Plan, report: &mut Report) {
    let budget = plan.micro_budget;
    eprintln!("micro: negotiation");
    let negotiation = Negotiation::default();
    let t = time_per_op(
        budget,
        1,
        || (),
        |()| {
            std::hint::black_box(negotiation.run(FOUNDING_OFFER));
        },
    );
    report.micro.push(MicroRow {
        name: NEGOTIATION_ROW.to_owned(),
        ns_per_op: t.as_nanos() as f64,
        gb_per_s: None,
    });
    for len in CPIM_SIZES {
        eprintln!("micro: cpim {len} B");
        let mut codec = CpimCodec::new(len);
        // Enough operations per timing that the clock's cost is noise.
        let ops = (1 << 20) / len.max(1) + 1;
        let ops = ops.min(4096);
        let t = time_per_op(
            budget,
            ops,
            || (),
            |()| {
                for _ in 0..ops {
                    std::hint::black_box(codec.encode());
                }
            },
        );
        let ns = t.as_nanos() as f64;
        report.micro.push(MicroRow {
            name: format!("cpim encode {}", crate_size(len)),
            ns_per_op: ns,
            gb_per_s: Some(len as f64 / ns),
        });
        let mut wire_codec = CpimCodec::new(len);
        let t = time_per_op(
            budget,
            ops,
            || wire_codec.wire(ops),
            |mut wire| {
                std::hint::black_box(codec.decode_all(&mut wire));
            },
        );
        let ns = t.as_nanos() as f64;
        report.micro.push(MicroRow {
            name: format!("cpim decode {}", crate_size(len)),
            ns_per_op: ns,
            gb_per_s: Some(len as f64 / ns),
        });
    }
}

fn crate_size(len: usize) -> String {
    match len {
        n if n >= 1 << 20 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}
