//! The transport facing a raw peer that speaks SCTP by hand: a listener's handshakes left
//! half-open and the stream count its INIT ACK announces; how a connect attempt fails.

use std::future::poll_fn;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use imsession::sdp::MediaDescription;
use imsession::{ConnectionIo, Target, Transport, TransportError};
use imsession_sctp::{HANDSHAKE_TIMEOUT, MAX_HALF_OPEN, Rto, STREAMS, SctpTransport, Stats};

/// The raw peer's SCTP port (and the listener's: the default).
const PORT: u16 = 5000;
/// Chunk types (RFC 4960 §3.2).
const INIT: u8 = 1;
const INIT_ACK: u8 = 2;
const ABORT: u8 = 6;
const SHUTDOWN: u8 = 7;
const SHUTDOWN_ACK: u8 = 8;
const COOKIE_ECHO: u8 = 10;
const COOKIE_ACK: u8 = 11;
const SHUTDOWN_COMPLETE: u8 = 14;
/// The State Cookie parameter's type (RFC 4960 §3.3.3).
const STATE_COOKIE: u16 = 7;
/// Offset of the INIT ACK's fixed fields, after the common and chunk headers.
const FIXED: usize = 16;
/// How long the raw peer waits for any one answer before failing.
const ANSWER: Duration = Duration::from_secs(5);

/// CRC32c (RFC 4960 appendix B), bit by bit: small and plainly correct.
fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82f6_3b78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A packet with verification tag `tag` holding one chunk, checksum filled in.
fn packet(tag: u32, chunk_type: u8, value: &[u8]) -> Vec<u8> {
    packet_to(PORT, tag, chunk_type, value)
}

/// [`packet`] addressed to SCTP port `port`.
fn packet_to(port: u16, tag: u32, chunk_type: u8, value: &[u8]) -> Vec<u8> {
    let mut p = PORT.to_be_bytes().to_vec();
    p.extend_from_slice(&port.to_be_bytes());
    p.extend_from_slice(&tag.to_be_bytes());
    p.extend_from_slice(&[0; 4]);
    p.extend_from_slice(&[chunk_type, 0]);
    p.extend_from_slice(&u16::try_from(4 + value.len()).unwrap().to_be_bytes());
    p.extend_from_slice(value);
    while p.len() % 4 != 0 {
        p.push(0);
    }
    let c = crc32c(&p);
    p[8..12].copy_from_slice(&c.to_le_bytes());
    p
}

/// An INIT with initiate tag `tag`, offering `outbound` streams and accepting `max_inbound`.
fn init(tag: u32, outbound: u16, max_inbound: u16) -> Vec<u8> {
    init_to(PORT, tag, outbound, max_inbound)
}

/// [`init`] addressed to SCTP port `port`.
fn init_to(port: u16, tag: u32, outbound: u16, max_inbound: u16) -> Vec<u8> {
    let mut v = tag.to_be_bytes().to_vec(); // initiate tag
    v.extend_from_slice(&65_536u32.to_be_bytes()); // receive window
    v.extend_from_slice(&outbound.to_be_bytes());
    v.extend_from_slice(&max_inbound.to_be_bytes());
    v.extend_from_slice(&1u32.to_be_bytes()); // initial TSN
    packet_to(port, 0, INIT, &v)
}

/// A raw peer socket that has sent an INIT with initiate tag `tag` to `to` and got the INIT
/// ACK, returned whole. Peers need distinct tags: a known tag marks a retransmitted INIT.
fn handshake_start(
    to: SocketAddr,
    tag: u32,
    outbound: u16,
    max_inbound: u16,
) -> (UdpSocket, Vec<u8>) {
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    raw.set_read_timeout(Some(ANSWER)).unwrap();
    raw.send_to(&init(tag, outbound, max_inbound), to).unwrap();
    let mut buf = [0u8; 2048];
    let (n, _) = raw.recv_from(&mut buf).expect("an INIT ACK");
    assert_eq!(buf[12], INIT_ACK);
    (raw, buf[..n].to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_init_is_forgotten_after_the_handshake_timeout() {
    let t = SctpTransport::new();
    let listener = t.listen("127.0.0.1", 0).await.unwrap();
    let addr = listener.local_addr();
    // The INIT is answered; the COOKIE ECHO never comes.
    let _raw = handshake_start(addr, 1, 10, 10);
    drop(listener);
    // The half-open association held the socket; once forgotten, the port is free again.
    let freed = async {
        while UdpSocket::bind(addr).is_err() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(HANDSHAKE_TIMEOUT * 3, freed)
        .await
        .expect("the listener's socket is released after the handshake timeout");
    assert_eq!(Stats::get(&t.stats().handshakes_expired), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_answers_at_most_max_half_open_inits() {
    let t = SctpTransport::new();
    let listener = t.listen("127.0.0.1", 0).await.unwrap();
    let addr = listener.local_addr();
    let _answered: Vec<_> = (0..MAX_HALF_OPEN)
        .map(|i| handshake_start(addr, 1 + i as u32, 10, 10))
        .collect();
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    raw.send_to(&init(u32::MAX, 10, 10), addr).unwrap();
    let refused = async {
        while Stats::get(&t.stats().half_open_refused) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(ANSWER, refused)
        .await
        .expect("the INIT beyond the limit is counted");
    assert_eq!(Stats::get(&t.stats().half_open_refused), 1);
    assert_eq!(Stats::get(&t.stats().handshakes_expired), 0);
}

/// The raw peer's next packet's first chunk type.
fn next_chunk(raw: &UdpSocket) -> u8 {
    let mut buf = [0u8; 2048];
    let (n, _) = raw.recv_from(&mut buf).expect("an answer");
    assert!(n > 12);
    buf[12]
}

/// The INIT ACK's (initiate tag, outbound streams, State Cookie).
fn parse_init_ack(ack: &[u8]) -> (u32, u16, Vec<u8>) {
    let field = |at: usize| u16::from_be_bytes([ack[FIXED + at], ack[FIXED + at + 1]]);
    let tag = u32::from_be_bytes(ack[FIXED..FIXED + 4].try_into().unwrap());
    let outbound = field(8);
    let end = 12 + usize::from(u16::from_be_bytes([ack[14], ack[15]]));
    let mut at = FIXED + 16;
    while at + 4 <= end {
        let kind = u16::from_be_bytes([ack[at], ack[at + 1]]);
        let len = usize::from(u16::from_be_bytes([ack[at + 2], ack[at + 3]]));
        if kind == STATE_COOKIE {
            return (tag, outbound, ack[at + 4..at + len].to_vec());
        }
        at += (len + 3) & !3;
    }
    panic!("INIT ACK without a State Cookie");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_uses_no_more_streams_than_its_init_ack_announced() {
    /// A peer that sends on few streams but accepts many.
    const PEER_OUT: u16 = 10;
    const PEER_IN: u16 = 2048;
    let t = SctpTransport::new();
    let listener = t.listen("127.0.0.1", 0).await.unwrap();
    let addr = listener.local_addr();
    let (raw, ack) = handshake_start(addr, 1, PEER_OUT, PEER_IN);
    let (tag, announced, cookie) = parse_init_ack(&ack);
    assert_eq!(
        announced,
        PEER_OUT.min(STREAMS),
        "what sctp-proto announces"
    );
    raw.send_to(&packet(tag, COOKIE_ECHO, &cookie), addr)
        .unwrap();
    let conn = listener.accept().await.unwrap().await.unwrap();
    let ConnectionIo::SubStreams(s) = conn.io else {
        panic!("sctp yields sub-streams");
    };
    assert_eq!(s.writer.streams(), announced);
}

/// A transport with loopback retransmission timeouts, so running out of INIT retransmissions
/// takes seconds.
fn quick() -> SctpTransport {
    SctpTransport::new().with_rto(Rto {
        initial: Duration::from_millis(100),
        min: Duration::from_millis(100),
        max: Duration::from_millis(200),
    })
}

/// Where `connect` goes to reach the raw peer bound at `raw`.
fn target(raw: &UdpSocket) -> Target {
    let port = raw.local_addr().unwrap().port();
    Target {
        host: "127.0.0.1".into(),
        port,
        media: MediaDescription::new("message", port, "cpim/sctp", vec![]),
    }
}

/// The I/O error kind a failed `connect` reports.
fn kind(result: Result<imsession::Connection, TransportError>) -> std::io::ErrorKind {
    match result {
        Err(TransportError::Io { source, .. }) => source.kind(),
        Err(e) => panic!("not an i/o error: {e}"),
        Ok(c) => panic!("connected to {}", c.peer),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_nobody_answers_times_out() {
    // Bound, so no ICMP error comes back either; it never reads.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let result = quick().connect(&target(&silent)).await;
    assert_eq!(kind(result), std::io::ErrorKind::TimedOut);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_answered_with_an_abort_is_refused() {
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    raw.set_read_timeout(Some(ANSWER)).unwrap();
    let target = target(&raw);
    let connecting = tokio::spawn(async move { quick().connect(&target).await });
    let mut buf = [0u8; 2048];
    let (n, from) = raw.recv_from(&mut buf).expect("an INIT");
    assert!(n >= FIXED + 4 && buf[12] == INIT, "an INIT");
    // The ABORT carries the INIT's initiate tag as its verification tag (RFC 4960 §8.4).
    let tag = u32::from_be_bytes(buf[FIXED..FIXED + 4].try_into().unwrap());
    raw.send_to(&packet(tag, ABORT, &[]), from).unwrap();
    let result = connecting.await.unwrap();
    assert_eq!(kind(result), std::io::ErrorKind::ConnectionRefused);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_peers_graceful_shutdown_is_not_answered_with_an_abort() {
    for close in [true, false] {
        let t = SctpTransport::new();
        let listener = t.listen("127.0.0.1", 0).await.unwrap();
        let addr = listener.local_addr();
        let (raw, ack) = handshake_start(addr, 1, 10, 10);
        let (tag, _, cookie) = parse_init_ack(&ack);
        let their_tsn = u32::from_be_bytes(ack[FIXED + 12..FIXED + 16].try_into().unwrap());
        raw.send_to(&packet(tag, COOKIE_ECHO, &cookie), addr)
            .unwrap();
        assert_eq!(next_chunk(&raw), COOKIE_ACK);
        let conn = listener.accept().await.unwrap().await.unwrap();
        let ConnectionIo::SubStreams(mut s) = conn.io else {
            panic!("sctp yields sub-streams");
        };
        // The peer shuts down (it received nothing: cumulative TSN ack is their first - 1).
        let cum_ack = their_tsn.wrapping_sub(1).to_be_bytes();
        raw.send_to(&packet(tag, SHUTDOWN, &cum_ack), addr).unwrap();
        assert_eq!(next_chunk(&raw), SHUTDOWN_ACK);
        // Our side now closes or drops its writer while the shutdown is still open (the peer
        // holds back its SHUTDOWN COMPLETE): that must not turn into an ABORT.
        if close {
            std::future::poll_fn(|cx| s.writer.poll_close(cx))
                .await
                .unwrap();
        } else {
            drop(s.writer);
        }
        raw.send_to(&packet(tag, SHUTDOWN_COMPLETE, &[]), addr)
            .unwrap();
        let end = std::future::poll_fn(|cx| s.reader.poll_read(cx)).await;
        assert!(
            matches!(end, Ok(None)),
            "a clean end (close: {close}): {end:?}"
        );
        assert_eq!(Stats::get(&t.stats().aborts_sent), 0, "close: {close}");
    }
}

/// An association between a listener of `t` and a raw peer that sends nothing more unless the
/// test makes it; returns the raw socket (kept open, so no ICMP error; connected to the
/// listener), the tag the raw peer's
/// packets must carry, and the accepted side.
async fn raw_association(t: &SctpTransport) -> (UdpSocket, u32, imsession::SubStreams) {
    let listener = t.listen("127.0.0.1", 0).await.unwrap();
    let addr = listener.local_addr();
    let (raw, ack) = handshake_start(addr, 1, 10, 10);
    let (tag, _, cookie) = parse_init_ack(&ack);
    raw.send_to(&packet(tag, COOKIE_ECHO, &cookie), addr)
        .unwrap();
    assert_eq!(next_chunk(&raw), COOKIE_ACK);
    raw.connect(addr).unwrap();
    let conn = listener.accept().await.unwrap().await.unwrap();
    let ConnectionIo::SubStreams(s) = conn.io else {
        panic!("sctp yields sub-streams");
    };
    (raw, tag, s)
}

/// Waits for the end of `s`'s reader (failing the test if it never comes) and returns it.
async fn end_of(s: &mut imsession::SubStreams) -> std::io::Result<()> {
    let end = async {
        loop {
            match std::future::poll_fn(|cx| s.reader.poll_read(cx)).await {
                Ok(Some(_)) => continue,
                Ok(None) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), end)
        .await
        .expect("the association ends")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_stops_acknowledging_data_is_given_up() {
    let t = quick();
    let (_raw, _, mut s) = raw_association(&t).await;
    std::future::poll_fn(|cx| s.writer.poll_ready(cx))
        .await
        .unwrap();
    s.writer
        .send(1, bytes::Bytes::from_static(b"anyone there?"))
        .unwrap();
    let end = end_of(&mut s).await;
    assert_eq!(
        end.expect_err("an error, not a clean end").kind(),
        std::io::ErrorKind::TimedOut
    );
    assert_eq!(Stats::get(&t.stats().peer_timeouts), 1);
    assert_eq!(Stats::get(&t.stats().aborts_sent), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_the_peer_never_answers_is_aborted() {
    let t = quick();
    let (raw, _, mut s) = raw_association(&t).await;
    std::future::poll_fn(|cx| s.writer.poll_close(cx))
        .await
        .unwrap();
    assert_eq!(next_chunk(&raw), SHUTDOWN);
    let end = end_of(&mut s).await;
    assert_eq!(
        end.expect_err("an error, not a clean end").kind(),
        std::io::ErrorKind::TimedOut
    );
    assert_eq!(Stats::get(&t.stats().peer_timeouts), 1);
    assert_eq!(Stats::get(&t.stats().aborts_sent), 1);
}

/// An INIT naming another SCTP port than the one the listener's SDP gives is out of the blue:
/// dropped unanswered and counted; one naming the listener's port is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_answers_only_inits_for_its_own_sctp_port() {
    let t = SctpTransport::new().with_sctp_port(PORT + 1);
    let listener = t.listen("127.0.0.1", 0).await.unwrap();
    let addr = listener.local_addr();
    let raw = UdpSocket::bind("127.0.0.1:0").unwrap();
    raw.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    // `init` addresses SCTP port PORT.
    raw.send_to(&init(1, 10, 10), addr).unwrap();
    let mut buf = [0u8; 2048];
    assert!(raw.recv_from(&mut buf).is_err(), "no answer");
    assert_eq!(Stats::get(&t.stats().wrong_port), 1);
    let right = init_to(PORT + 1, 2, 10, 10);
    raw.set_read_timeout(Some(ANSWER)).unwrap();
    raw.send_to(&right, addr).unwrap();
    assert_eq!(next_chunk(&raw), INIT_ACK);
}

/// `sctp-proto` ends an association on its own when the peer sends an ERROR chunk; the peer
/// is then told with an ABORT (it would otherwise retransmit into silence), and our reader's
/// error does not blame a peer abort.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_association_sctp_proto_gives_up_is_aborted_towards_the_peer() {
    /// ERROR cause "Unrecognized Chunk Type" (6) quoting a chunk of type 0xfe.
    const CAUSE: [u8; 8] = [0, 6, 0, 8, 0xfe, 0, 0, 4];
    const ERROR: u8 = 9;
    /// Packets the raw peer looks through for the ABORT (SACKs may come first).
    const LOOK: usize = 5;
    let t = SctpTransport::new();
    let (raw, tag, mut s) = raw_association(&t).await;
    raw.send(&packet(tag, ERROR, &CAUSE)).unwrap();
    let end = tokio::time::timeout(ANSWER, poll_fn(|cx| s.reader.poll_read(cx)))
        .await
        .expect("the association ends");
    let e = end.expect_err("an error, not a clean end");
    assert!(!e.to_string().contains("by peer"), "{e}");
    let aborted = tokio::task::spawn_blocking(move || (0..LOOK).any(|_| next_chunk(&raw) == ABORT));
    assert!(aborted.await.unwrap(), "the peer is told with an ABORT");
}
