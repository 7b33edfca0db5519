//! Interoperability with OpenSSL: `openssl s_client` against our passive endpoint sees the
//! certificate whose `openssl x509 -fingerprint -sha256` is the one in our SDP, and our active
//! side completes handshakes with `openssl s_server` (TLS 1.3 and 1.2), refusing it when the
//! SDP names another certificate.
//!
//! Skipped, with the reason printed, when `openssl` is not installed; under
//! `IMSESSION_REQUIRE_EXTERNAL=1` (set by CI) a missing `openssl` fails instead.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use imsession::sdp::{Attribute, Fingerprint, MediaDescription};
use imsession::{ConnectionIo, Target, Transport, TransportError};
use imsession_tls::Identity;
use support::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

/// Longest any single openssl step may take before the test gives up (not a performance
/// threshold: a hung child process must not hang the suite).
const STEP: Duration = Duration::from_secs(20);

fn openssl_available(test: &str) -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return true;
    }
    if std::env::var("IMSESSION_REQUIRE_EXTERNAL").as_deref() == Ok("1") {
        panic!(
            "{test}: openssl is not installed, and IMSESSION_REQUIRE_EXTERNAL=1 forbids skipping"
        );
    }
    eprintln!(
        "skipped {test}: openssl is not installed (IMSESSION_REQUIRE_EXTERNAL=1 makes this a failure)"
    );
    false
}

/// A scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("imsession-tls-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> String {
    let out = Command::new("openssl").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A self-signed P-256 certificate and key made by `openssl req`; returns (cert, key) paths.
fn openssl_certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    run(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        &format!("/CN={name}"),
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
    ]);
    (cert, key)
}

/// `openssl x509 -fingerprint -sha256` of a PEM certificate, as an SDP fingerprint.
fn openssl_fingerprint(cert: &Path) -> Fingerprint {
    let out = run(&[
        "x509",
        "-noout",
        "-fingerprint",
        "-sha256",
        "-in",
        cert.to_str().unwrap(),
    ]);
    // "SHA256 Fingerprint=AB:CD:…" (the case of the prefix varies across versions).
    let (_, hex) = out
        .trim()
        .split_once('=')
        .unwrap_or_else(|| panic!("{out}"));
    format!("sha-256 {hex}").parse().unwrap()
}

#[tokio::test]
async fn s_client_sees_the_certificate_of_our_sdp() {
    if !openssl_available("s_client_sees_the_certificate_of_our_sdp") {
        return;
    }
    let dir = scratch("s_client");
    let (client_cert, client_key) = openssl_certificate(&dir, "s_client");
    let (alice, _) = endpoint();
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    let port = pending.sdp.media()[0].port.to_string();
    let ours = fingerprints(&pending.sdp).remove(0);
    for (version, expect) in [("-tls1_3", "TLSv1.3"), ("-tls1_2", "TLSv1.2")] {
        let args = [
            "s_client",
            version,
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-showcerts",
            "-cert",
            client_cert.to_str().unwrap(),
            "-key",
            client_key.to_str().unwrap(),
        ];
        let out = tokio::time::timeout(
            STEP,
            tokio::process::Command::new("openssl")
                .args(args)
                .stdin(Stdio::null())
                .output(),
        )
        .await
        .expect("s_client finished")
        .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(expect),
            "s_client {version} did not negotiate {expect}:\n{text}"
        );
        let begin = text
            .find("-----BEGIN CERTIFICATE-----")
            .expect("a certificate");
        let end =
            text.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----".len();
        let pem = dir.join("seen.pem");
        std::fs::write(&pem, format!("{}\n", &text[begin..end])).unwrap();
        assert_eq!(
            openssl_fingerprint(&pem),
            ours,
            "the certificate s_client saw"
        );
    }
    // Our side completed both handshakes too (it required and got s_client's certificate).
    let deadline = tokio::time::Instant::now() + STEP;
    while alice.stats().connections_accepted < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            alice.stats()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Starts `openssl s_server` with `cert`/`key` on an ephemeral loopback port; returns the
/// child (its stdout yields what it receives) and the port.
async fn s_server(
    cert: &Path,
    key: &Path,
    version: &str,
) -> (
    tokio::process::Child,
    BufReader<tokio::process::ChildStdout>,
    u16,
) {
    let mut child = tokio::process::Command::new("openssl")
        .args([
            "s_server",
            version,
            "-accept",
            "127.0.0.1:0",
            "-naccept",
            "1",
            "-verify",
            "1",
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let port = tokio::time::timeout(STEP, async {
        let mut line = String::new();
        loop {
            line.clear();
            assert!(
                out.read_line(&mut line).await.unwrap() > 0,
                "s_server exited"
            );
            if let Some(addr) = line.trim().strip_prefix("ACCEPT ") {
                return addr.rsplit(':').next().unwrap().parse::<u16>().unwrap();
            }
        }
    })
    .await
    .expect("s_server listening");
    (child, out, port)
}

fn target(port: u16, fingerprint: &Fingerprint) -> Target {
    let mut media = MediaDescription::new("message", port, "cpim/tls", vec![]);
    media.push_attribute(Attribute::Fingerprint(fingerprint.clone()));
    Target {
        host: "127.0.0.1".into(),
        port,
        media,
    }
}

async fn handshake_with_s_server(version: &str) {
    let dir = scratch(&format!("s_server{version}"));
    let (server_cert, server_key) = openssl_certificate(&dir, "s_server");
    // Our side presents a user-supplied certificate made by openssl too.
    let (our_cert, our_key) = openssl_certificate(&dir, "ours");
    let ours = tls(Identity::from_pem_files(&our_cert, &our_key).unwrap());
    assert_eq!(
        ours.identity().fingerprint(),
        &openssl_fingerprint(&our_cert)
    );
    let (mut child, mut out, port) = s_server(&server_cert, &server_key, version).await;
    let conn = tokio::time::timeout(
        STEP,
        ours.connect(&target(port, &openssl_fingerprint(&server_cert))),
    )
    .await
    .expect("handshake finished")
    .unwrap();
    let ConnectionIo::Stream(mut io) = conn.io else {
        unreachable!()
    };
    // Bytes both ways: s_server prints what it receives and sends what it reads on stdin.
    io.write_all(b"hello from imsession\n").await.unwrap();
    io.flush().await.unwrap();
    tokio::time::timeout(STEP, async {
        let mut line = String::new();
        loop {
            line.clear();
            assert!(
                out.read_line(&mut line).await.unwrap() > 0,
                "s_server exited"
            );
            if line.trim() == "hello from imsession" {
                return;
            }
        }
    })
    .await
    .expect("s_server received our line");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"hello from openssl\n").await.unwrap();
    stdin.flush().await.unwrap();
    let mut got = vec![0; b"hello from openssl\n".len()];
    tokio::time::timeout(STEP, io.read_exact(&mut got))
        .await
        .expect("s_server's line arrived")
        .unwrap();
    assert_eq!(got, b"hello from openssl\n");
    io.shutdown().await.unwrap();
    drop(stdin);
    let _ = tokio::time::timeout(STEP, child.wait()).await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn our_active_side_completes_a_tls13_handshake_with_s_server() {
    if openssl_available("our_active_side_completes_a_tls13_handshake_with_s_server") {
        handshake_with_s_server("-tls1_3").await;
    }
}

#[tokio::test]
async fn our_active_side_completes_a_tls12_handshake_with_s_server() {
    if openssl_available("our_active_side_completes_a_tls12_handshake_with_s_server") {
        handshake_with_s_server("-tls1_2").await;
    }
}

#[tokio::test]
async fn our_active_side_refuses_s_server_with_another_certificate() {
    if !openssl_available("our_active_side_refuses_s_server_with_another_certificate") {
        return;
    }
    let dir = scratch("s_server_refused");
    let (server_cert, server_key) = openssl_certificate(&dir, "s_server");
    let (_child, _out, port) = s_server(&server_cert, &server_key, "-tls1_3").await;
    let other = Identity::self_signed().unwrap();
    let err = tokio::time::timeout(
        STEP,
        tls(Identity::self_signed().unwrap()).connect(&target(port, other.fingerprint())),
    )
    .await
    .expect("handshake finished")
    .unwrap_err();
    let TransportError::IdentityMismatch(msg) = &err else {
        panic!("{err:?}")
    };
    assert!(
        msg.contains(&openssl_fingerprint(&server_cert).to_string()),
        "{msg}"
    );
    assert!(msg.contains(&other.fingerprint().to_string()), "{msg}");
    let _ = std::fs::remove_dir_all(dir);
}
