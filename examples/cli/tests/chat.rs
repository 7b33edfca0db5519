//! Two-process chat: `imsession offer` and `imsession answer` as child processes.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(20);

struct Peer {
    name: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Peer {
    fn spawn(name: &'static str, dir: &std::path::Path, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_imsession"))
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn imsession");
        let stdout = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Self {
            name,
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
        }
    }

    fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write line");
        stdin.flush().expect("flush");
    }

    /// Waits for `line` on stdout; false at the deadline.
    fn expect_line(&self, line: &str, deadline: Instant) -> bool {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l == line => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
    }

    /// Waits for exit until the deadline; kills the child and fails when it is passed.
    fn finish(mut self, deadline: Instant) -> (std::process::ExitStatus, String) {
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return (status, self.stderr.join().unwrap_or_default());
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stderr = self.stderr.join().unwrap_or_default();
                panic!("{} did not exit in time; stderr:\n{stderr}", self.name);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!(
        "imsession-cli-{tag}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Starts `imsession offer` and `imsession answer --setup answer_setup` in `dir`.
fn spawn_pair(dir: &std::path::Path, answer_setup: &str) -> (Peer, Peer) {
    spawn_pair_with(dir, answer_setup, &[], &[])
}

/// As [`spawn_pair`], with extra arguments for each side.
fn spawn_pair_with(
    dir: &std::path::Path,
    answer_setup: &str,
    offer_extra: &[&str],
    answer_extra: &[&str],
) -> (Peer, Peer) {
    let mut offer_args = vec![
        "offer",
        "--sdp-out",
        "offer.sdp",
        "--answer-in",
        "answer.sdp",
    ];
    offer_args.extend(offer_extra);
    let mut answer_args = vec![
        "answer",
        "--offer-in",
        "offer.sdp",
        "--sdp-out",
        "answer.sdp",
        "--setup",
        answer_setup,
    ];
    answer_args.extend(answer_extra);
    (
        Peer::spawn("offerer", dir, &offer_args),
        Peer::spawn("answerer", dir, &answer_args),
    )
}

fn chat(tag: &str, answer_setup: &str) {
    let dir = temp_dir(tag);
    chat_in(&dir, answer_setup, &[], &[]);
    let _ = std::fs::remove_dir_all(dir);
}

fn chat_in(dir: &std::path::Path, answer_setup: &str, offer_extra: &[&str], answer_extra: &[&str]) {
    let deadline = Instant::now() + LIMIT;
    let (mut offerer, mut answerer) = spawn_pair_with(dir, answer_setup, offer_extra, answer_extra);
    offerer.say("hello from the offerer");
    answerer.say("hello from the answerer");
    let got_answerer = offerer.expect_line("< hello from the answerer", deadline);
    let got_offerer = answerer.expect_line("< hello from the offerer", deadline);
    if !(got_answerer && got_offerer) {
        offerer.kill();
        answerer.kill();
        let (_, e1) = offerer.finish(deadline);
        let (_, e2) = answerer.finish(deadline);
        panic!(
            "lines not exchanged (offerer got: {got_answerer}, answerer got: {got_offerer})\n\
             offerer stderr:\n{e1}\nanswerer stderr:\n{e2}"
        );
    }
    drop(offerer.stdin.take());
    drop(answerer.stdin.take());
    let (s1, e1) = offerer.finish(deadline);
    let (s2, e2) = answerer.finish(deadline);
    assert!(s1.success(), "offerer: {s1}\n{e1}");
    assert!(s2.success(), "answerer: {s2}\n{e2}");
}

#[test]
fn two_processes_chat_answerer_connects() {
    chat("active", "active");
}

#[test]
fn two_processes_chat_offerer_connects() {
    chat("passive", "passive");
}

/// One side speaks and then closes; the silent side must see the line and the close.
fn one_sided(tag: &str, answer_setup: &str, offerer_speaks: bool) {
    let dir = temp_dir(tag);
    let deadline = Instant::now() + LIMIT;
    let (offerer, answerer) = spawn_pair(&dir, answer_setup);
    let (mut speaker, mut listener) = if offerer_speaks {
        (offerer, answerer)
    } else {
        (answerer, offerer)
    };
    speaker.say("only me");
    let got = listener.expect_line("< only me", deadline);
    drop(speaker.stdin.take());
    let closed = got && listener.expect_line("peer closed the session", deadline);
    if !closed {
        speaker.kill();
        listener.kill();
    }
    let (s1, e1) = speaker.finish(deadline);
    let (s2, e2) = listener.finish(deadline);
    assert!(
        got && closed,
        "got line: {got}, saw close: {closed}\nspeaker stderr:\n{e1}\nlistener stderr:\n{e2}"
    );
    assert!(s1.success(), "speaker: {s1}\n{e1}");
    assert!(s2.success(), "listener: {s2}\n{e2}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn silent_offerer_sees_the_line_and_the_close() {
    one_sided("silent-offerer", "passive", false);
}

#[test]
fn silent_offerer_with_an_active_answerer() {
    one_sided("silent-offerer-active", "active", false);
}

#[test]
fn silent_answerer_sees_the_line_and_the_close() {
    one_sided("silent-answerer", "passive", true);
}

#[test]
fn silent_answerer_that_connects() {
    one_sided("silent-answerer-active", "active", true);
}

/// Writes a self-signed certificate and key as PEM files in `dir`; returns their names and
/// the certificate's SDP fingerprint.
fn pem_identity(dir: &std::path::Path, name: &str) -> (String, String, String) {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec![format!("{name}.example")])
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    let (c, k) = (format!("{name}.crt"), format!("{name}.key"));
    std::fs::write(dir.join(&c), cert.pem()).expect("write certificate");
    std::fs::write(dir.join(&k), key.serialize_pem()).expect("write key");
    let fp = imsession_tls::fingerprint(&imsession::sdp::HashFunction::Sha256, cert.der())
        .expect("sha-256");
    (c, k, fp.to_string())
}

#[test]
fn two_processes_chat_over_tls_with_certificate_files() {
    let dir = temp_dir("tls");
    let (oc, ok, ofp) = pem_identity(&dir, "offerer");
    let (ac, ak, afp) = pem_identity(&dir, "answerer");
    chat_in(
        &dir,
        "active",
        &["--proto", "cpim/tls", "--cert", &oc, "--key", &ok],
        &["--cert", &ac, "--key", &ak],
    );
    // Each description carries the fingerprint of the certificate file its side was given.
    let offer = std::fs::read_to_string(dir.join("offer.sdp")).expect("offer file");
    let answer = std::fs::read_to_string(dir.join("answer.sdp")).expect("answer file");
    assert!(offer.contains(&format!("a=fingerprint:{ofp}")), "{offer}");
    assert!(answer.contains(&format!("a=fingerprint:{afp}")), "{answer}");
    let _ = std::fs::remove_dir_all(dir);
}
