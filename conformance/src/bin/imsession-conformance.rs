//! `imsession-conformance`: plays one end of a cpim session against an implementation in
//! another process and reports, case by case, how the peer behaved.
//!
//! ```text
//! imsession-conformance offer  --sdp-out offer.sdp  --peer-sdp answer.sdp [--report r.json]
//! imsession-conformance answer --peer-sdp offer.sdp --sdp-out answer.sdp [--listen]
//! ```
//!
//! The peer SDP is read from a file (polled every 100 ms until it exists and parses) or from
//! stdin (`-`); ours is written atomically to a file or to stdout (`-`). The peer must echo
//! every message it receives (`imsession answer --echo` does). A table goes to stdout (stderr
//! when stdout carries SDP), the JSON report to `--report`; the exit status is 0 only when no
//! case failed.
#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};
use imsession::ProtoToken;
use imsession::sdp::SessionDescription;
use imsession_conformance::wire::{Runner, WIRE_CASES, run_cases};
use imsession_conformance::{Report, Skips};

/// How often a missing or unparseable peer SDP file is checked again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Default seconds to wait for the peer's SDP.
const DEFAULT_WAIT_SECS: u64 = 120;

/// Wire-level conformance runner for cpim message sessions.
#[derive(Debug, Parser)]
#[command(name = "imsession-conformance", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// We offer: write our offer, read the peer's answer, connect or accept, run the cases.
    Offer {
        #[command(flatten)]
        common: Common,
        /// The proto to offer.
        #[arg(long, default_value = "cpim/tcp")]
        proto: String,
    },
    /// The peer offers: read its offer, write our answer, connect or accept, run the cases.
    Answer {
        #[command(flatten)]
        common: Common,
        /// Accept the connection when the offer lets us choose (default: connect).
        #[arg(long)]
        listen: bool,
    },
}

#[derive(Debug, Args)]
struct Common {
    /// The peer's SDP: a file (polled until it appears) or `-` for stdin.
    #[arg(long, value_name = "FILE")]
    peer_sdp: PathBuf,
    /// Where to write our SDP: a file (written atomically) or `-` for stdout.
    #[arg(long, value_name = "FILE")]
    sdp_out: PathBuf,
    /// Address literal we listen on and advertise.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Seconds to wait for the peer's SDP file.
    #[arg(long, default_value_t = DEFAULT_WAIT_SECS)]
    wait: u64,
    /// Where to write the JSON report.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "imsession-conformance.json"
    )]
    report: PathBuf,
    /// Skip a case: `CASE=REASON` (the reason is printed in the report). Repeatable.
    #[arg(long, value_name = "CASE=REASON")]
    skip: Vec<String>,
}

fn is_stdio(p: &Path) -> bool {
    p.as_os_str() == "-"
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("imsession-conformance: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("imsession-conformance: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the command; `Ok(passed)`, or an error that kept the cases from running.
async fn run(cli: Cli) -> Result<bool, String> {
    let (common, report) = match cli.command {
        Command::Offer { common, proto } => {
            let proto = ProtoToken::parse(&proto).map_err(|e| e.to_string())?;
            let skips = skips(&common.skip)?;
            let runner = Runner::new(common.host.clone());
            let pending = runner.offer(&proto).await?;
            if !is_stdio(&common.peer_sdp) {
                remove_stale(&common.peer_sdp)?;
            }
            write_sdp(&common.sdp_out, &pending.sdp)?;
            let answer = read_sdp(&common.peer_sdp, Duration::from_secs(common.wait)).await?;
            let negotiated = runner.complete(pending, &answer)?;
            let subject = subject(&negotiated.selection);
            let peer = runner.connect(negotiated).await?;
            (common, run_cases(peer, &subject, &skips).await)
        }
        Command::Answer { common, listen } => {
            let skips = skips(&common.skip)?;
            let runner = Runner::new(common.host.clone());
            let offer = read_sdp(&common.peer_sdp, Duration::from_secs(common.wait)).await?;
            let (sdp, negotiated) = runner.answer(&offer, listen).await?;
            write_sdp(&common.sdp_out, &sdp)?;
            let subject = subject(&negotiated.selection);
            let peer = runner.connect(negotiated).await?;
            (common, run_cases(peer, &subject, &skips).await)
        }
    };
    finish(&common, &report)
}

fn subject(sel: &imsession::Selection) -> String {
    format!("peer {} ({}, {})", sel.remote.uri, sel.proto, sel.target)
}

fn skips(args: &[String]) -> Result<Skips, String> {
    let mut s = Skips::default();
    for a in args {
        let (case, reason) = a
            .split_once('=')
            .ok_or_else(|| format!("--skip {a:?}: write CASE=REASON"))?;
        if !WIRE_CASES.contains(&case) || reason.trim().is_empty() {
            return Err(format!(
                "--skip {a:?}: the case must be one of {} and the reason not empty",
                WIRE_CASES.join(", ")
            ));
        }
        s.add(WIRE_CASES, case, reason);
    }
    Ok(s)
}

/// Prints the table, writes the JSON report, and says whether everything passed.
fn finish(common: &Common, report: &Report) -> Result<bool, String> {
    if is_stdio(&common.sdp_out) {
        eprintln!("{report}");
    } else {
        println!("{report}");
    }
    std::fs::write(&common.report, report.to_json())
        .map_err(|e| format!("cannot write {}: {e}", common.report.display()))?;
    Ok(report.passed())
}

fn remove_stale(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("cannot remove stale {}: {e}", path.display()))
        }
        _ => Ok(()),
    }
}

/// Writes `sdp` to stdout or atomically to a file (temporary file, then rename).
fn write_sdp(path: &Path, sdp: &SessionDescription) -> Result<(), String> {
    if is_stdio(path) {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(sdp.to_string().as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| format!("writing our SDP to stdout: {e}"));
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, sdp.to_string())
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("cannot write {}: {e}", path.display())
        })
}

/// Reads the peer's SDP from stdin, or polls the file until it exists and parses.
async fn read_sdp(path: &Path, limit: Duration) -> Result<SessionDescription, String> {
    if is_stdio(path) {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("reading the peer's SDP from stdin: {e}"))?;
        return SessionDescription::parse(&text).map_err(|e| format!("the peer's SDP: {e}"));
    }
    let start = Instant::now();
    loop {
        let problem = match std::fs::read(path) {
            Ok(bytes) => match SessionDescription::parse_bytes(&bytes) {
                Ok(sdp) => return Ok(sdp),
                Err(e) => format!("{}: {e}", path.display()),
            },
            Err(e) => format!("{}: {e}", path.display()),
        };
        if start.elapsed() >= limit {
            return Err(format!("gave up after {limit:?}: {problem}"));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
