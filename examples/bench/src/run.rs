//! One harness run: every section, in the order of the issue, with baselines and framework
//! cases interleaved run by run so that both see the same machine conditions.

use std::time::Duration;

use crate::latency::{percentile, raw_rtts, session_rtts};
use crate::memory::MemoryProbe;
use crate::micro::{CPIM_SIZES, CpimCodec, FOUNDING_OFFER, Negotiation, time_per_op};
use crate::report::{
    Case, LatencyRow, MB, Machine, MemoryRow, MicroRow, Report, ScaleRow, ThroughputRow,
};
use crate::scale::{Layout, sessions_run};
use crate::targets::{NEGOTIATION_ROW, TARGET_SESSIONS, check};
use crate::throughput::{raw_run, session_run};
use crate::tls::tls_pair;
use crate::wire::Wire;

/// Payload size of the scale cases, bytes.
pub const SCALE_PAYLOAD: usize = 1024;

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
    /// Runs per case.
    pub runs: usize,
    /// `(payload, messages)` per throughput case.
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
    /// The full plan: what `docs/benchmarks.md` records (about a minute on 2 cores).
    pub fn full() -> Self {
        Self {
            mode: "full",
            runs: 3,
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
}

/// Measures idle memory; the caller supplies how (normally a fresh child process).
pub type MemoryProber<'a> = &'a dyn Fn(Layout, usize) -> MemoryProbe;

/// Runs `plan`, printing progress on stderr.
pub fn run(plan: &Plan, probe: MemoryProber<'_>) -> Report {
    let mut report = Report {
        mode: plan.mode,
        build: if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        runs: plan.runs,
        machine: Machine::read(),
        skipped: Vec::new(),
        throughput: Vec::new(),
        latency: Vec::new(),
        scale: Vec::new(),
        memory: Vec::new(),
        micro: Vec::new(),
        targets: Vec::new(),
    };
    let wires = &plan.wires;
    if plan.runs(Section::Throughput) {
        throughput(plan, wires, &mut report);
    }
    if plan.runs(Section::Latency) {
        latency(plan, wires, &mut report);
    }
    if plan.runs(Section::Scale) {
        scale(plan, &mut report);
    }
    if plan.runs(Section::Memory) {
        for &(layout, n) in &plan.memory {
            eprintln!("memory: {layout:?} x {n}");
            let p = probe(layout, n);
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

fn throughput(plan: &Plan, wires: &[Wire], report: &mut Report) {
    let tls = tls_pair();
    for &(len, count) in &plan.payloads {
        for &wire in wires {
            let mut raw = Vec::new();
            let mut cpim = Vec::new();
            for run in 0..plan.runs {
                eprintln!("throughput: {} {len} B run {}", wire.name(), run + 1);
                raw.push(raw_run(wire, &tls, len, count).as_secs_f64());
                cpim.push(session_run(wire, len, count).as_secs_f64());
            }
            let row = |case, runs_s: Vec<f64>, base: Option<f64>| {
                let best = runs_s.iter().copied().fold(f64::INFINITY, f64::min);
                let msgs_per_s = count as f64 / best;
                ThroughputRow {
                    wire,
                    case,
                    payload: len,
                    messages: count,
                    runs_s,
                    msgs_per_s,
                    mb_per_s: msgs_per_s * len as f64 / MB,
                    ratio: base.map(|b| msgs_per_s / b),
                }
            };
            let base = row(Case::Raw, raw, None);
            let base_rate = base.msgs_per_s;
            report.throughput.push(base);
            if !cpim.is_empty() {
                report
                    .throughput
                    .push(row(Case::Cpim, cpim, Some(base_rate)));
            }
        }
    }
}

fn latency(plan: &Plan, wires: &[Wire], report: &mut Report) {
    let tls = tls_pair();
    let n = plan.round_trips;
    for &wire in wires {
        let mut raw: Vec<(f64, f64)> = Vec::new();
        let mut cpim: Vec<(f64, f64)> = Vec::new();
        let stats = |mut rtts: Vec<u64>| {
            let p50 = percentile(&mut rtts, 50.0) as f64 / 1e3;
            let p99 = percentile(&mut rtts, 99.0) as f64 / 1e3;
            (p50, p99)
        };
        for run in 0..plan.runs {
            eprintln!("latency: {} run {}", wire.name(), run + 1);
            raw.push(stats(raw_rtts(wire, &tls, n)));
            cpim.push(stats(session_rtts(wire, n)));
        }
        let best = |runs: &[(f64, f64)]| {
            runs.iter()
                .copied()
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .expect("runs")
        };
        let (b50, b99) = best(&raw);
        report.latency.push(LatencyRow {
            wire,
            case: Case::Raw,
            round_trips: n,
            p50_us: b50,
            p99_us: b99,
            ratio_p50: None,
            ratio_p99: None,
        });
        if !cpim.is_empty() {
            let (c50, c99) = best(&cpim);
            report.latency.push(LatencyRow {
                wire,
                case: Case::Cpim,
                round_trips: n,
                p50_us: c50,
                p99_us: c99,
                ratio_p50: Some(c50 / b50),
                ratio_p99: Some(c99 / b99),
            });
        }
    }
}

fn scale(plan: &Plan, report: &mut Report) {
    let cases = plan
        .shared
        .iter()
        .map(|&n| (Layout::SharedConnection, n))
        .chain(plan.own.iter().map(|&n| (Layout::OwnConnections, n)));
    let mut single = None;
    for (layout, n) in cases {
        let per_session = (plan.scale_messages / n).max(1);
        let runs_s: Vec<f64> = (0..plan.runs)
            .map(|run| {
                eprintln!("scale: {layout:?} x {n} run {}", run + 1);
                sessions_run(layout, n, SCALE_PAYLOAD, per_session).as_secs_f64()
            })
            .collect();
        let best = runs_s.iter().copied().fold(f64::INFINITY, f64::min);
        let msgs_per_s = (n * per_session) as f64 / best;
        if n == 1 && layout == Layout::SharedConnection {
            single = Some(msgs_per_s);
        }
        report.scale.push(ScaleRow {
            layout,
            sessions: n,
            per_session,
            payload: SCALE_PAYLOAD,
            runs_s,
            msgs_per_s,
            ratio_to_single: single.map(|s| msgs_per_s / s),
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
