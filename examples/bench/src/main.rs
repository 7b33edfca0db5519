//! `imsession-bench`: runs the harness, prints the table, writes the JSON report.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand, ValueEnum};
use imsession_bench::memory::{MemoryProbe, probe};
use imsession_bench::run::{Plan, Section, run};
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
    /// Runs per case (the best is reported); default 3, or 1 with --quick.
    #[arg(long)]
    runs: Option<usize>,
    /// Run only these sections (repeat or comma-separate).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Section>,
    /// Throughput payload sizes to run, in bytes (default 64, 1024, 65536, 4194304).
    #[arg(long, value_delimiter = ',')]
    payload: Vec<usize>,
    /// Scale cases to run, by session count (default 1, 100, 10000 shared; 1000 own).
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

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Probe::MemoryProbe { layout, sessions }) = args.probe {
        let p = probe(layout.into(), sessions);
        println!("{}", serde_json::to_string(&p).expect("json"));
        return ExitCode::SUCCESS;
    }
    let mut plan = if args.quick {
        Plan::quick()
    } else {
        Plan::full()
    };
    if let Some(runs) = args.runs {
        plan.runs = runs.max(1);
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
    let report = run(&plan, &probe_in_child);
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
