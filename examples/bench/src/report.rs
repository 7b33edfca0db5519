//! What a run measured: the JSON document and the table printed on stdout.

use std::fmt::Write;

use serde::Serialize;

use crate::rows::{Percentiles, Spread};
use crate::scale::Layout;
use crate::wire::Wire;

/// Bytes in the MB of "MB/s" (decimal).
pub const MB: f64 = 1e6;

/// Whether a row is the baseline or the framework.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Case {
    /// Length-prefixed frames over the raw stream.
    Raw,
    /// A negotiated cpim session through the framework.
    Cpim,
}

/// One throughput case: its median run, and the median ratio over pairs of runs.
#[derive(Clone, Debug, Serialize)]
pub struct ThroughputRow {
    /// The wire.
    pub wire: Wire,
    /// Baseline or framework.
    pub case: Case,
    /// Payload (body) size, bytes.
    pub payload: usize,
    /// Messages per run.
    pub messages: usize,
    /// Every run's duration, seconds.
    pub runs_s: Vec<f64>,
    /// Messages per second in the median run.
    pub msgs_per_s: f64,
    /// Payload megabytes (10^6 bytes) per second in the median run.
    pub mb_per_s: f64,
    /// Framework messages/s over the baseline's (same wire, same payload), per pair of
    /// runs: median, min, max. Framework rows only.
    pub ratio: Option<Spread>,
}

/// One latency case: medians over its runs, and median ratios over pairs of runs.
#[derive(Clone, Debug, Serialize)]
pub struct LatencyRow {
    /// The wire.
    pub wire: Wire,
    /// Baseline or framework.
    pub case: Case,
    /// Round trips measured (after the warm-up).
    pub round_trips: usize,
    /// Median round trip, microseconds (median over the runs).
    pub p50_us: f64,
    /// 99th-percentile round trip, microseconds (median over the runs).
    pub p99_us: f64,
    /// Every run's percentiles.
    pub runs_us: Vec<Percentiles>,
    /// Framework p50 over the baseline's, per pair of runs: median, min, max.
    pub ratio_p50: Option<Spread>,
    /// Framework p99 over the baseline's, per pair of runs: median, min, max.
    pub ratio_p99: Option<Spread>,
}

/// One scale case: its median run.
#[derive(Clone, Debug, Serialize)]
pub struct ScaleRow {
    /// How sessions map to connections.
    pub layout: Layout,
    /// Concurrent sessions.
    pub sessions: usize,
    /// Messages per session per run.
    pub per_session: usize,
    /// Payload size, bytes.
    pub payload: usize,
    /// Every run's duration, seconds.
    pub runs_s: Vec<f64>,
    /// Aggregate messages per second in the median run.
    pub msgs_per_s: f64,
    /// Run by run, this case's messages/s over the single session's run of the same round:
    /// median, min, max.
    pub ratio_to_single: Option<Spread>,
}

/// Idle memory of one layout.
#[derive(Clone, Debug, Serialize)]
pub struct MemoryRow {
    /// How sessions map to connections.
    pub layout: Layout,
    /// Sessions measured.
    pub sessions: usize,
    /// Resident set before, KiB.
    pub rss_before_kib: u64,
    /// Resident set after, KiB.
    pub rss_after_kib: u64,
    /// Resident bytes per session end; `None` when the resident set did not grow (an
    /// invalid probe: memory freed during it hid the sessions').
    pub bytes_per_session_end: Option<f64>,
}

/// One micro-benchmark.
#[derive(Clone, Debug, Serialize)]
pub struct MicroRow {
    /// What was timed.
    pub name: String,
    /// Median time per operation, nanoseconds.
    pub ns_per_op: f64,
    /// Body gigabytes (10^9 bytes) per second, for the codec rows.
    pub gb_per_s: Option<f64>,
}

/// One target from the issue, checked.
#[derive(Clone, Debug, Serialize)]
pub struct TargetRow {
    /// What is compared.
    pub name: String,
    /// The bound, as the issue states it.
    pub target: String,
    /// The measured value, a median for ratios (`None` when the case did not run or its
    /// measurement was invalid).
    pub value: Option<f64>,
    /// The smallest and largest ratio over the pairs of runs, for ratios.
    pub range: Option<(f64, f64)>,
    /// Whether the measured value meets the bound (`None` when there is no value).
    pub met: Option<bool>,
    /// Why there is no value, when the case ran.
    pub note: Option<String>,
}

/// The machine a run was made on.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// CPU model, from `/proc/cpuinfo`.
    pub cpu: String,
    /// Logical CPUs available.
    pub cpus: usize,
    /// Total memory, KiB, from `/proc/meminfo`.
    pub memory_kib: u64,
    /// 1-minute load average when the run started, from `/proc/loadavg`.
    pub load_at_start: String,
}

impl Machine {
    /// Reads the machine's description (empty fields where `/proc` lacks them).
    pub fn read() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let field = |text: &str, key: &str| {
            text.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split(':').nth(1))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        Self {
            cpu: field(&cpuinfo, "model name"),
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory_kib: field(&meminfo, "MemTotal")
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(0),
            load_at_start: std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

/// Everything one run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// `full` or `quick`.
    pub mode: &'static str,
    /// `release` or `debug`: timings of a debug build say little.
    pub build: &'static str,
    /// Runs per case (pairs of runs for throughput and latency; medians are reported).
    pub runs: usize,
    /// The machine.
    pub machine: Machine,
    /// One-way throughput.
    pub throughput: Vec<ThroughputRow>,
    /// Ping-pong latency.
    pub latency: Vec<LatencyRow>,
    /// Many sessions at once.
    pub scale: Vec<ScaleRow>,
    /// Idle memory.
    pub memory: Vec<MemoryRow>,
    /// Micro-benchmarks.
    pub micro: Vec<MicroRow>,
    /// The targets.
    pub targets: Vec<TargetRow>,
}

fn ratio(r: Option<Spread>) -> String {
    r.map_or_else(
        || "-".to_owned(),
        |r| format!("{:.2}x ({:.2}-{:.2})", r.median, r.min, r.max),
    )
}

fn size(n: usize) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}

impl Report {
    /// The human-readable table.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let m = &self.machine;
        let _ = writeln!(
            t,
            "imsession-bench ({} mode, {} build, medians of {} runs) on {} x {}, {} MiB, load {}",
            self.mode,
            self.build,
            self.runs,
            m.cpus,
            m.cpu,
            m.memory_kib / 1024,
            m.load_at_start
        );
        let _ = writeln!(t, "\nthroughput (one way, one session or connection)");
        let _ = writeln!(
            t,
            "  {:<9} {:>8} {:>9} {:>12} {:>10}  {:<16}",
            "case", "payload", "messages", "msgs/s", "MB/s", "ratio (min-max)"
        );
        for r in &self.throughput {
            let case = format!(
                "{}/{}",
                if r.case == Case::Raw { "raw" } else { "cpim" },
                r.wire.name()
            );
            let _ = writeln!(
                t,
                "  {:<9} {:>8} {:>9} {:>12.0} {:>10.1}  {}",
                case,
                size(r.payload),
                r.messages,
                r.msgs_per_s,
                r.mb_per_s,
                ratio(r.ratio)
            );
        }
        let _ = writeln!(t, "\nlatency (64-byte ping-pong)");
        let _ = writeln!(
            t,
            "  {:<9} {:>8} {:>9} {:>9}  {:<20} {:<20}",
            "case", "trips", "p50 us", "p99 us", "p50 ratio (min-max)", "p99 ratio (min-max)"
        );
        for r in &self.latency {
            let case = format!(
                "{}/{}",
                if r.case == Case::Raw { "raw" } else { "cpim" },
                r.wire.name()
            );
            let _ = writeln!(
                t,
                "  {:<9} {:>8} {:>9.1} {:>9.1}  {:<20} {}",
                case,
                r.round_trips,
                r.p50_us,
                r.p99_us,
                ratio(r.ratio_p50),
                ratio(r.ratio_p99)
            );
        }
        let _ = writeln!(t, "\nscale (cpim/tcp, aggregate)");
        let _ = writeln!(
            t,
            "  {:<18} {:>8} {:>8} {:>12}  {:<16}",
            "layout", "sessions", "msgs/ses", "msgs/s", "vs 1 (min-max)"
        );
        for r in &self.scale {
            let layout = match r.layout {
                Layout::SharedConnection => "one connection",
                Layout::OwnConnections => "own connections",
            };
            let _ = writeln!(
                t,
                "  {:<18} {:>8} {:>8} {:>12.0}  {}",
                layout,
                r.sessions,
                r.per_session,
                r.msgs_per_s,
                ratio(r.ratio_to_single)
            );
        }
        let _ = writeln!(t, "\nidle memory (resident set growth)");
        for r in &self.memory {
            let per = r.bytes_per_session_end.map_or_else(
                || "invalid probe: the resident set did not grow".to_owned(),
                |b| format!("{b:>8.0} bytes per session end"),
            );
            let _ = writeln!(t, "  {:<18?} {:>8} sessions: {per}", r.layout, r.sessions);
        }
        let _ = writeln!(t, "\nmicro-benchmarks (median)");
        for r in &self.micro {
            let gb = r
                .gb_per_s
                .map(|g| format!("{g:>8.2} GB/s"))
                .unwrap_or_default();
            let _ = writeln!(t, "  {:<34} {:>12.0} ns {gb}", r.name, r.ns_per_op);
        }
        if self.mode == "quick" || self.build == "debug" {
            let _ = writeln!(
                t,
                "\ntargets (indicative only in quick mode or a debug build; see docs/benchmarks.md)"
            );
        } else {
            let _ = writeln!(t, "\ntargets");
        }
        for r in &self.targets {
            let got = match (r.value, r.range) {
                (Some(v), Some((lo, hi))) => format!("{v:.3} ({lo:.2}-{hi:.2})"),
                (Some(v), None) => format!("{v:.3}"),
                (None, _) => r.note.clone().unwrap_or_else(|| "not run".to_owned()),
            };
            let met = match r.met {
                Some(true) => "met",
                Some(false) => "NOT MET",
                None => "-",
            };
            let _ = writeln!(t, "  {:<44} {:>8} {:>20}  {met}", r.name, r.target, got);
        }
        t
    }
}
