//! Interoperability with another SCTP stack: usrsctp's `echo_server` and `client` from
//! Debian's `libusrsctp-examples`, over UDP encapsulation: our side connecting, and our
//! listener accepting.
//!
//! The peer binds every address it has, so its INIT ACK lists IPv4 and IPv6 address
//! parameters, which the transport must cope with. So that nothing it sends can leave the
//! machine, the test runs itself and the peer inside a network namespace it creates (loopback
//! only, with extra private addresses); that needs root and `ip`.
//!
//! Without the program or the namespace the test is skipped with the reason; under
//! `IMSESSION_REQUIRE_EXTERNAL=1` a skip fails.

use std::future::poll_fn;
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bytes::Bytes;
use imsession::sdp::MediaDescription;
use imsession::{Connection, ConnectionIo, Target, Transport, TransportError};
use imsession_sctp::{Rto, SctpTransport, Stats};

const ECHO_SERVER: &str = "/usr/lib/usrsctp/echo_server";
/// Sends the lines of its standard input, prints what it receives, shuts down at end of input.
const CLIENT: &str = "/usr/lib/usrsctp/client";
/// Lines the client sends.
const CLIENT_LINES: usize = 30;
/// How long any one step with the peer may take before the test fails (association, each
/// message, the shutdown, the peer's exit).
const PEER_WAIT: Duration = Duration::from_secs(20);
/// The SCTP port `echo_server` listens on.
const ECHO_SCTP_PORT: u16 = 7;
/// Set in the copy of this test that runs inside the namespace.
const CHILD_ENV: &str = "IMSESSION_SCTP_NETNS_CHILD";
const TEST_NAME: &str = "usrsctp_peers_over_udp";
/// Attempts to associate while `echo_server` starts: it binds its UDP port before it listens
/// on its SCTP port, and answers an INIT that comes in between with an ABORT.
const START_ATTEMPTS: u32 = 50;
/// Pause between those attempts.
const START_RETRY: Duration = Duration::from_millis(20);

fn skip(reason: &str) {
    if std::env::var("IMSESSION_REQUIRE_EXTERNAL").as_deref() == Ok("1") {
        panic!("usrsctp interop cannot run: {reason}");
    }
    eprintln!("skipped: {reason}");
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A network namespace, deleted on drop.
struct Netns(String);

impl Netns {
    fn create() -> Result<Self, String> {
        let name = format!("imsession-sctp-{}", std::process::id());
        ip(&["netns", "add", &name])?;
        let ns = Self(name);
        let n = ns.0.as_str();
        ip(&["-n", n, "link", "set", "lo", "up"])?;
        // Extra addresses (private, on the namespace's own loopback) make the peer list
        // several of each family in its INIT ACK.
        ip(&["-n", n, "addr", "add", "10.254.0.1/32", "dev", "lo"])?;
        ip(&["-n", n, "addr", "add", "fd00:254::1/128", "dev", "lo"])?;
        Ok(ns)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "delete", &self.0]);
    }
}

#[test]
fn usrsctp_peers_over_udp() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return tokio::runtime::Runtime::new().unwrap().block_on(exchange());
    }
    for program in [ECHO_SERVER, CLIENT] {
        if !std::path::Path::new(program).exists() {
            return skip(&format!(
                "{program} not installed (apt-get install libusrsctp-examples)"
            ));
        }
    }
    let ns = match Netns::create() {
        Ok(ns) => ns,
        Err(e) => {
            return skip(&format!(
                "cannot create a network namespace (needs root): {e}"
            ));
        }
    };
    let exe = std::env::current_exe().unwrap();
    let status = Command::new("ip")
        .args(["netns", "exec", &ns.0])
        .arg(exe)
        .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .status()
        .unwrap();
    assert!(status.success(), "the test inside the namespace failed");
}

/// Kills the peer on drop.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn exchange() {
    let port = free_udp_port();
    let _peer = Peer(
        Command::new(ECHO_SERVER)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let transport = SctpTransport::new().with_rto(Rto {
        initial: Duration::from_millis(200),
        min: Duration::from_millis(100),
        max: Duration::from_secs(1),
    });
    for host in ["127.0.0.1", "::1"] {
        echo(&transport, SocketAddr::new(host.parse().unwrap(), port)).await;
    }
    let stats = transport.stats();
    eprintln!(
        "address parameters removed: {} ({} IPv6)",
        Stats::get(&stats.address_params_removed),
        Stats::get(&stats.ipv6_address_params_removed)
    );
    assert!(
        Stats::get(&stats.ipv6_address_params_removed) > 0,
        "the peer listed IPv6 addresses and they were removed"
    );
    for host in ["127.0.0.1", "::1"] {
        client_to_our_listener(host).await;
    }
}

/// usrsctp's `client` (bound to every address, so its INIT lists them all, and offering its
/// default 10 outbound streams) associates with our listener and sends lines; we answer each
/// on a stream of our own choosing among those our INIT ACK allowed, it prints the answers,
/// then shuts the association down when its input ends.
async fn client_to_our_listener(host: &str) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let transport = SctpTransport::new();
    let listener = transport.listen(host, 0).await.unwrap();
    let port = listener.local_addr().port();
    let mut client = tokio::process::Command::new(CLIENT)
        .args([
            host.to_owned(),
            imsession_sctp::DEFAULT_SCTP_PORT.to_string(),
            "0".to_owned(),
            free_udp_port().to_string(),
            port.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut input = client.stdin.take().unwrap();
    let mut output = BufReader::new(client.stdout.take().unwrap()).lines();
    let conn = tokio::time::timeout(PEER_WAIT, async {
        listener.accept().await.unwrap().await.unwrap()
    })
    .await
    .unwrap_or_else(|_| panic!("usrsctp client did not associate over {host}"));
    let ConnectionIo::SubStreams(mut io) = conn.io else {
        panic!("sctp yields sub-streams");
    };
    let streams = io.writer.streams();
    assert!(
        streams <= 10,
        "no more streams than the INIT ACK announced to a peer offering 10: {streams}"
    );
    for i in 0..CLIENT_LINES {
        input
            .write_all(format!("line {i}\n").as_bytes())
            .await
            .unwrap();
        let (_, data) = tokio::time::timeout(PEER_WAIT, poll_fn(|cx| io.reader.poll_read(cx)))
            .await
            .expect("the client's line arrives")
            .unwrap()
            .expect("the association is up");
        assert_eq!(data[..], format!("line {i}\n").into_bytes()[..]);
        // Answered on the highest stream allowed, and on others in turn.
        let stream = streams - 1 - (i as u16 % streams);
        poll_fn(|cx| io.writer.poll_ready(cx)).await.unwrap();
        io.writer
            .send(stream, Bytes::from(format!("answer {i}\n")))
            .unwrap();
        let printed = tokio::time::timeout(PEER_WAIT, async {
            loop {
                let line = output.next_line().await.unwrap().expect("client output");
                if line.starts_with("answer ") {
                    return line;
                }
            }
        })
        .await
        .expect("the client prints our answer");
        assert_eq!(printed, format!("answer {i}"));
    }
    // End of input: the client shuts the association down gracefully, at once, so its
    // SHUTDOWN is also the acknowledgement of our last answer.
    drop(input);
    let end = tokio::time::timeout(PEER_WAIT, poll_fn(|cx| io.reader.poll_read(cx)))
        .await
        .expect("the client's shutdown arrives");
    assert!(matches!(end, Ok(None)), "graceful shutdown: {end:?}");
    poll_fn(|cx| io.writer.poll_close(cx)).await.unwrap();
    let status = tokio::time::timeout(PEER_WAIT, client.wait())
        .await
        .expect("the client exits once the association is closed")
        .unwrap();
    assert!(status.success(), "client exit status {status}");
    assert!(
        Stats::get(&transport.stats().shutdown_acks_added) > 0,
        "the client's SHUTDOWN acknowledged data"
    );
}

/// Associates with `target`, again while the peer refuses (it may not be listening yet).
async fn connect(transport: &SctpTransport, target: &Target) -> Result<Connection, TransportError> {
    let mut attempt = 1;
    loop {
        match transport.connect(target).await {
            Err(TransportError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::ConnectionRefused
                    && attempt < START_ATTEMPTS =>
            {
                attempt += 1;
                tokio::time::sleep(START_RETRY).await;
            }
            result => return result,
        }
    }
}

async fn echo(transport: &SctpTransport, addr: SocketAddr) {
    let mut media = MediaDescription::new("message", addr.port(), "cpim/sctp", vec![]);
    media.push_attribute(imsession::sdp::Attribute::Other {
        name: "sctp-port".into(),
        value: Some(ECHO_SCTP_PORT.to_string()),
    });
    let target = Target {
        host: addr.ip().to_string(),
        port: addr.port(),
        media,
    };
    let conn = tokio::time::timeout(PEER_WAIT, connect(transport, &target))
        .await
        .unwrap_or_else(|_| panic!("association with usrsctp at {addr} timed out"))
        .unwrap_or_else(|e| panic!("association with usrsctp at {addr}: {e}"));
    let ConnectionIo::SubStreams(mut io) = conn.io else {
        panic!("sctp yields sub-streams");
    };
    // Messages on several streams, up to the peer's 10 KiB receive buffer.
    let sent: Vec<(u16, Bytes)> = (0..20u16)
        .map(|i| {
            let len = 1 + usize::from(i) * 500;
            let body: Vec<u8> = (0..len).map(|j| (j as u8).wrapping_add(i as u8)).collect();
            (i % 4, Bytes::from(body))
        })
        .collect();
    for (stream, body) in &sent {
        poll_fn(|cx| io.writer.poll_ready(cx)).await.unwrap();
        io.writer.send(*stream, body.clone()).unwrap();
    }
    let mut got = Vec::new();
    while got.len() < sent.len() {
        let next = tokio::time::timeout(PEER_WAIT, poll_fn(|cx| io.reader.poll_read(cx)))
            .await
            .expect("echo timed out")
            .unwrap()
            .expect("association ended early");
        got.push(next);
    }
    for stream in 0..4 {
        let mine: Vec<_> = sent.iter().filter(|(s, _)| *s == stream).collect();
        let theirs: Vec<_> = got.iter().filter(|(s, _)| *s == stream).collect();
        assert_eq!(mine.len(), theirs.len(), "stream {stream}");
        for (a, b) in mine.iter().zip(theirs) {
            assert_eq!(a.1, b.1, "echo on stream {stream} in order");
        }
    }
    poll_fn(|cx| io.writer.poll_close(cx)).await.unwrap();
    let end = tokio::time::timeout(PEER_WAIT, poll_fn(|cx| io.reader.poll_read(cx)))
        .await
        .expect("shutdown timed out");
    assert!(matches!(end, Ok(None)), "graceful shutdown: {end:?}");
}
