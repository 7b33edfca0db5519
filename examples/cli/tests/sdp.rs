//! `imsession sdp offer|answer`, run as a child process.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The founding offer of draft-campbell-simple-im-sessions-00 §5, as a full description.
const FOUNDING_OFFER: &str =
    include_str!("../../../conformance/vectors/sdp/im-sessions-5-offer.sdp");

fn imsession(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_imsession"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn imsession");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn answers_the_founding_offer_actively() {
    let out = imsession(&["sdp", "answer"], FOUNDING_OFFER);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("m=message 9 cpim/tcp"), "{stdout}");
    assert!(stdout.contains("a=direction:active"), "{stdout}");
    assert!(stdout.contains("a=uri:"), "{stdout}");
    assert!(stdout.contains("text/plain"), "{stdout}");
}

#[test]
fn answers_the_founding_offer_passively_on_the_given_port() {
    let out = imsession(
        &["sdp", "answer", "--setup", "passive", "--port", "40123"],
        FOUNDING_OFFER,
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("a=direction:passive"), "{stdout}");
    assert!(stdout.contains("m=message 40123 cpim/tcp"), "{stdout}");
}

#[test]
fn garbage_offer_fails_naming_the_line() {
    let out = imsession(&["sdp", "answer"], "v=0\r\nthis is not sdp\r\n");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("imsession: "), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
}

#[test]
fn unservable_m_line_is_refused_with_a_note() {
    let offer = FOUNDING_OFFER.replace("cpim/tcp", "msrp/tcp");
    let out = imsession(&["sdp", "answer"], &offer);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("m=message 0 msrp/tcp"));
    assert!(text(&out.stderr).contains("note: m-line 0 refused"));
}

#[test]
fn offer_parses_back_and_is_actpass() {
    let out = imsession(&["sdp", "offer"], "");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    imsession::sdp::SessionDescription::parse(&stdout).expect("offer parses");
    assert!(stdout.contains("a=setup:actpass"), "{stdout}");
    assert!(stdout.contains("m=message 7394 cpim/tcp"), "{stdout}");
}

#[test]
fn offer_in_direction_dialect_round_trips_through_answer() {
    let offer = imsession(&["sdp", "offer", "--dialect", "direction"], "");
    assert!(offer.status.success(), "{}", text(&offer.stderr));
    assert!(text(&offer.stdout).contains("a=direction:both"));
    let answer = imsession(
        &["sdp", "answer", "--setup", "passive"],
        &text(&offer.stdout),
    );
    assert!(answer.status.success(), "{}", text(&answer.stderr));
    assert!(text(&answer.stdout).contains("a=direction:passive"));
}

#[test]
fn bad_accept_type_is_an_error() {
    let out = imsession(&["sdp", "offer", "--accept", "text/plain,??"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--accept"));
}
