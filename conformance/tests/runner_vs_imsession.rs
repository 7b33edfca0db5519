//! The wire-level runner against the `imsession` tool in another process, over loopback.
//!
//! Needs the `imsession` binary: `IMSESSION_BIN`, or `imsession` beside this test's target
//! directory (built by `cargo test --workspace`). Without it the tests print why and pass,
//! unless `IMSESSION_REQUIRE_EXTERNAL=1` (as `.ci/run` sets), where that is a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long one runner invocation may take.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// How long the peer may take to exit on its own after the runner finished.
const PEER_EXIT_LIMIT: Duration = Duration::from_secs(5);

/// How often a child process is checked for having exited.
const EXIT_POLL: Duration = Duration::from_millis(50);

/// The `imsession` binary, or why there is none.
fn imsession_bin() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("IMSESSION_BIN") {
        return Ok(PathBuf::from(p));
    }
    // target/<profile>/deps/<this test> → target/<profile>/imsession
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join(format!("imsession{}", std::env::consts::EXE_SUFFIX)))
        .ok_or("no target directory")?;
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!(
            "{} not built (run `cargo build -p imsession-cli` or set IMSESSION_BIN)",
            bin.display()
        ))
    }
}

/// The binary, or `None` after printing why the test is skipped.
fn require_imsession() -> Option<PathBuf> {
    match imsession_bin() {
        Ok(p) => Some(p),
        Err(why) => {
            assert!(
                std::env::var("IMSESSION_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
                "IMSESSION_REQUIRE_EXTERNAL=1 and the imsession binary is missing: {why}"
            );
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("imsession-conf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn spawn_peer(bin: &Path, dir: &Path, args: &[&str]) -> Child {
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("peer.out")).unwrap())
        .stderr(std::fs::File::create(dir.join("peer.err")).unwrap())
        .spawn()
        .expect("spawn imsession")
}

/// Runs the runner to completion (killing it past [`RUN_LIMIT`]); its exit code and stdout.
fn run_runner(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_imsession-conformance"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("runner.out")).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn imsession-conformance");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > RUN_LIMIT {
            child.kill().unwrap();
            panic!("the runner did not finish within {RUN_LIMIT:?}");
        }
        std::thread::sleep(EXIT_POLL);
    };
    let out = std::fs::read_to_string(dir.join("runner.out")).unwrap();
    (status.code(), out)
}

/// Stops the peer if it is still running and returns its stderr.
fn finish_peer(mut peer: Child, dir: &Path) -> String {
    let deadline = Instant::now() + PEER_EXIT_LIMIT;
    while peer.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(EXIT_POLL);
    }
    let _ = peer.kill();
    let _ = peer.wait();
    std::fs::read_to_string(dir.join("peer.err")).unwrap_or_default()
}

/// The runner's JSON report, parsed.
fn parse_report(json: &str) -> serde_json::Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("the report is not json ({e}): {json}"))
}

/// The report's entry for `name`.
fn case<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["case"] == name))
        .unwrap_or_else(|| panic!("no case {name} in {report}"))
}

#[test]
fn runner_offers_and_imsession_answers_with_echo() {
    let Some(bin) = require_imsession() else {
        return;
    };
    let dir = scratch("offer");
    let peer = spawn_peer(
        &bin,
        &dir,
        &[
            "answer",
            "--offer-in",
            "offer.sdp",
            "--sdp-out",
            "answer.sdp",
            "--echo",
        ],
    );
    let (code, table) = run_runner(
        &dir,
        &[
            "offer",
            "--sdp-out",
            "offer.sdp",
            "--peer-sdp",
            "answer.sdp",
            "--report",
            "r.json",
        ],
    );
    let peer_err = finish_peer(peer, &dir);
    let json = std::fs::read_to_string(dir.join("r.json")).expect("the JSON report");
    assert_eq!(code, Some(0), "{table}\n{json}\npeer: {peer_err}");
    assert!(table.contains("10 passed, 0 failed, 0 skipped"), "{table}");
    let report = parse_report(&json);
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(10), Some(0)),
        "{json}"
    );
    let unknown = case(&report, "unknown-session");
    assert_eq!(
        (unknown["over"].as_str(), unknown["result"].as_str()),
        (Some(""), Some("pass")),
        "{json}"
    );
}

#[test]
fn runner_answers_and_listens_while_imsession_offers() {
    let Some(bin) = require_imsession() else {
        return;
    };
    let dir = scratch("answer");
    let peer = spawn_peer(
        &bin,
        &dir,
        &[
            "offer",
            "--sdp-out",
            "offer.sdp",
            "--answer-in",
            "answer.sdp",
            "--echo",
        ],
    );
    let (code, table) = run_runner(
        &dir,
        &[
            "answer",
            "--listen",
            "--peer-sdp",
            "offer.sdp",
            "--sdp-out",
            "answer.sdp",
            "--report",
            "r.json",
        ],
    );
    let peer_err = finish_peer(peer, &dir);
    assert_eq!(code, Some(0), "{table}\npeer: {peer_err}");
    assert!(table.contains("10 passed, 0 failed"), "{table}");
}

#[test]
fn a_peer_that_does_not_echo_fails_with_a_reason() {
    let Some(bin) = require_imsession() else {
        return;
    };
    let dir = scratch("silent");
    // Chat mode with stdin closed: the peer closes its session at once and echoes nothing.
    let peer = spawn_peer(
        &bin,
        &dir,
        &[
            "answer",
            "--offer-in",
            "offer.sdp",
            "--sdp-out",
            "answer.sdp",
        ],
    );
    let mut args = vec![
        "offer",
        "--sdp-out",
        "offer.sdp",
        "--peer-sdp",
        "answer.sdp",
        "--report",
        "r.json",
    ];
    let skips: Vec<String> = imsession_conformance::wire::WIRE_CASES
        .iter()
        .filter(|c| **c != "valid-message")
        .map(|c| format!("--skip={c}=only valid-message is under test"))
        .collect();
    args.extend(skips.iter().map(String::as_str));
    let (code, table) = run_runner(&dir, &args);
    finish_peer(peer, &dir);
    assert_eq!(code, Some(1), "{table}");
    assert!(table.contains("1 failed, 9 skipped"), "{table}");
    let json = std::fs::read_to_string(dir.join("r.json")).unwrap();
    let report = parse_report(&json);
    let valid = case(&report, "valid-message");
    assert_eq!(
        (valid["over"].as_str(), valid["result"].as_str()),
        (Some(""), Some("fail")),
        "{json}"
    );
    let reason = valid["reason"].as_str().unwrap_or_default();
    assert!(
        reason == "the peer closed the connection" || reason.starts_with("nothing from the peer"),
        "{json}"
    );
    assert_eq!(
        case(&report, "unknown-session")["reason"].as_str(),
        Some("only valid-message is under test"),
        "{json}"
    );
}
