//! `imsession-bench`: runs the harness, prints the table, writes the JSON report.

use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};

use clap::{Parser, Subcommand, ValueEnum};
use imsession_bench::job::{Job, Outcome, run_job};
use imsession_bench::memory::{MemoryProbe, probe};
use imsession_bench::run::{Isolation, Plan, Section, run};
use imsession_bench::scale::Layout;

/// Benchmarks imsession against raw TCP and raw TLS in one run.
#[derive(Parser, Debug)]
#[command(name = "imsession-bench", version)]
struct Args {
    /// Small counts, one run per case: a smoke test of a few seconds (numbers are rough).
    #[arg(long)]
    quick: bool,
    /// Write the report as JSON here.
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Runs per case (pairs of baseline and framework runs; medians are reported); default 5,
    /// or 1 with --quick.
    #[arg(long)]
    runs: Option<usize>,
    /// Run only these sections (repeat or comma-separate).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Section>,
    /// Throughput payload sizes to run, in bytes: some of 64, 1024, 65536, 4194304 (default all).
    #[arg(long, value_delimiter = ',')]
    payload: Vec<usize>,
    /// Scale cases to run, by session count: some of the plan's 1, 100, 10000 (one connection)
    /// and 1000 (own connections); 20 for own connections with --quick (default all).
    #[arg(long, value_delimiter = ',')]
    sessions: Vec<usize>,
    /// Wires for the throughput and latency cases (default tcp,tls,sctp).
    #[arg(long, value_enum, value_delimiter = ',')]
    wire: Vec<imsession_bench::wire::Wire>,
    #[command(subcommand)]
    probe: Option<Probe>,
}

#[derive(Subcommand, Debug)]
enum Probe {
    /// Internal: measure idle memory in this (fresh) process and print it as JSON.
    #[command(hide = true)]
    MemoryProbe {
        #[arg(long, value_enum)]
        layout: LayoutArg,
        #[arg(long)]
        sessions: usize,
    },
    /// Internal: run one throughput or latency job (JSON) in this (fresh) process and print
    /// its outcome as JSON.
    #[command(hide = true)]
    Case {
        #[arg(long)]
        job: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LayoutArg {
    Shared,
    Own,
}

impl From<LayoutArg> for Layout {
    fn from(l: LayoutArg) -> Self {
        match l {
            LayoutArg::Shared => Self::SharedConnection,
            LayoutArg::Own => Self::OwnConnections,
        }
    }
}

/// Runs the memory probe in a fresh copy of this program.
fn probe_in_child(layout: Layout, sessions: usize) -> MemoryProbe {
    let arg = match layout {
        Layout::SharedConnection => "shared",
        Layout::OwnConnections => "own",
    };
    let exe = std::env::current_exe().expect("own executable");
    let out = Command::new(exe)
        .args(["memory-probe", "--layout", arg, "--sessions"])
        .arg(sessions.to_string())
        .output()
        .expect("run the memory probe");
    assert!(
        out.status.success(),
        "memory probe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("memory probe output")
}

/// Runs one throughput or latency job in a fresh copy of this program; its progress and
/// any panic go to this program's stderr.
fn case_in_child(job: &Job) -> Outcome {
    let exe = std::env::current_exe().expect("own executable");
    let out = Command::new(exe)
        .args(["case", "--job", &serde_json::to_string(job).expect("json")])
        .stderr(Stdio::inherit())
        .output()
        .expect("run the case");
    assert!(out.status.success(), "case {job:?} failed (see above)");
    serde_json::from_slice(&out.stdout).expect("case output")
}

/// Checks that every value of `wanted` (given as `--<what>`) is one of the plan's `sizes`; the
/// error names the first that is not.
fn select(what: &str, sizes: &[usize], wanted: &[usize]) -> Result<(), String> {
    match wanted.iter().find(|w| !sizes.contains(w)) {
        Some(w) => Err(format!(
            "--{what} {w} is not in the plan; choose from {}",
            sizes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => Ok(()),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.probe {
        Some(Probe::MemoryProbe { layout, sessions }) => {
            let p = probe(layout.into(), sessions);
            println!("{}", serde_json::to_string(&p).expect("json"));
            return ExitCode::SUCCESS;
        }
        Some(Probe::Case { job }) => {
            let job: Job = match serde_json::from_str(&job) {
                Ok(job) => job,
                Err(e) => {
                    eprintln!("imsession-bench: bad job: {e}");
                    return ExitCode::FAILURE;
                }
            };
            println!("{}", serde_json::to_string(&run_job(&job)).expect("json"));
            return ExitCode::SUCCESS;
        }
        None => {}
    }
    let mut plan = if args.quick {
        Plan::quick()
    } else {
        Plan::full()
    };
    if let Some(runs) = args.runs {
        plan.runs = runs.max(1);
    }
    let sizes: Vec<usize> = plan.payloads.iter().map(|&(len, _)| len).collect();
    let counts: Vec<usize> = plan.shared.iter().chain(&plan.own).copied().collect();
    if let Err(e) = select("payload", &sizes, &args.payload)
        .and_then(|()| select("sessions", &counts, &args.sessions))
    {
        eprintln!("imsession-bench: {e}");
        return ExitCode::from(2);
    }
    if !args.payload.is_empty() {
        plan.payloads.retain(|(len, _)| args.payload.contains(len));
    }
    if !args.sessions.is_empty() {
        plan.shared.retain(|n| args.sessions.contains(n));
        plan.own.retain(|n| args.sessions.contains(n));
    }
    if !args.wire.is_empty() {
        plan.wires = args.wire;
    }
    if !args.only.is_empty() {
        plan.sections = args.only;
    }
    let isolation = Isolation {
        memory: &probe_in_child,
        case: &case_in_child,
    };
    let report = run(&plan, &isolation);
    print!("{}", report.table());
    if let Some(path) = args.json {
        let json = serde_json::to_string_pretty(&report).expect("json");
        if let Err(e) = std::fs::write(&path, json + "\n") {
            eprintln!("imsession-bench: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        eprintln!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
