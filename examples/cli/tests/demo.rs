//! `imsession demo`, run as a child process.

use std::process::Command;

fn imsession(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_imsession"))
        .args(args)
        .output()
        .expect("run imsession")
}

fn last_line(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn default_demo_exchanges_ten_each_way() {
    let out = imsession(&["demo"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    assert_eq!(
        last_line(&out),
        "demo: 10 sent, 10 received each way over cpim/tcp, 0 lost"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("m=message"), "{stdout}");
    assert!(
        stdout.contains("alice -> bob  #1 text/plain 11 bytes \"hello bob 1\""),
        "{stdout}"
    );
}

#[test]
fn large_messages_arrive_intact() {
    let out = imsession(&["demo", "--count", "3", "--size", "100000"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    assert_eq!(
        last_line(&out),
        "demo: 3 sent, 3 received each way over cpim/tcp, 0 lost"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("100000 bytes"));
}

#[test]
fn unknown_proto_names_the_supported_ones() {
    let out = imsession(&["demo", "--proto", "nope/tcp"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("imsession: "), "{stderr}");
    assert!(stderr.contains("nope/tcp"), "{stderr}");
    assert!(stderr.contains("cpim/tcp"), "{stderr}");
}

#[test]
fn malformed_proto_names_the_supported_ones() {
    let out = imsession(&["demo", "--proto", "nope"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cpim/tcp"), "{stderr}");
}

#[test]
fn tls_demo_authenticates_by_fingerprint() {
    let out = imsession(&["demo", "--proto", "cpim/tls"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    assert_eq!(
        last_line(&out),
        "demo: 10 sent, 10 received each way over cpim/tls, 0 lost"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let fingerprints: Vec<&str> = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("a=fingerprint:sha-256 "))
        .collect();
    assert_eq!(
        fingerprints.len(),
        2,
        "offer and answer each carry one: {stdout}"
    );
    assert_ne!(
        fingerprints[0], fingerprints[1],
        "each side has its own certificate"
    );
}

#[test]
fn sctp_demo_exchanges_ten_each_way() {
    let out = imsession(&["demo", "--proto", "cpim/sctp", "--size", "100000"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    assert_eq!(
        last_line(&out),
        "demo: 10 sent, 10 received each way over cpim/sctp, 0 lost"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("a=sctp-port:5000"), "{stdout}");
}
