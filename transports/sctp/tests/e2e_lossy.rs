//! Loss recovery: a UDP relay on loopback between the endpoints drops and reorders a fraction
//! of the datagrams (seeded, so every run makes the same decisions for the same traffic), and
//! every message still arrives exactly once, in order per session.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use imsession::sdp::{ConnectionMode, SessionDescription};
use imsession::{AnswerOptions, Endpoint, Limits, Message, Session};
use imsession_sctp::{Rto, SctpTransport};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::*;
use tokio::net::UdpSocket;

/// Fraction of datagrams dropped.
const DROP: f64 = 0.05;
/// Fraction of datagrams held back and sent after the next one.
const REORDER: f64 = 0.05;
const SEED: u64 = 0x5c7b_2026;

#[derive(Default)]
struct RelayStats {
    forwarded: AtomicU64,
    dropped: AtomicU64,
    reordered: AtomicU64,
}

/// Relays datagrams between the first client that writes to it and `server`.
async fn relay(server: SocketAddr) -> (SocketAddr, Arc<RelayStats>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let stats = Arc::new(RelayStats::default());
    let s = stats.clone();
    tokio::spawn(async move {
        let mut rng = StdRng::seed_from_u64(SEED);
        let mut client: Option<SocketAddr> = None;
        let mut held: Option<(SocketAddr, Vec<u8>)> = None;
        let mut buf = vec![0u8; 65_536];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                return;
            };
            let to = if from == server {
                match client {
                    Some(c) => c,
                    None => continue,
                }
            } else {
                client = Some(from);
                server
            };
            if rng.random_bool(DROP) {
                s.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            if held.is_none() && rng.random_bool(REORDER) {
                s.reordered.fetch_add(1, Ordering::Relaxed);
                held = Some((to, buf[..n].to_vec()));
                continue;
            }
            let _ = socket.send_to(&buf[..n], to).await;
            s.forwarded.fetch_add(1, Ordering::Relaxed);
            if let Some((to, d)) = held.take() {
                let _ = socket.send_to(&d, to).await;
                s.forwarded.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    (addr, stats)
}

fn endpoint() -> Endpoint {
    let transport = SctpTransport::new().with_rto(Rto {
        initial: Duration::from_millis(200),
        min: Duration::from_millis(100),
        max: Duration::from_secs(1),
    });
    Endpoint::with_hosts(
        negotiator_with(transport, Limits::default()),
        "127.0.0.1",
        "127.0.0.1",
    )
}

/// Negotiates a session whose offerer connects through a relay in front of the answerer.
async fn pair_via_relay(
    alice: &Endpoint,
    bob: &Endpoint,
    relay_port: &mut Option<(u16, Arc<RelayStats>)>,
    connection: ConnectionMode,
) -> (Session, Session) {
    let pending = alice
        .offer(&[cpim_sctp().connection(connection)])
        .await
        .unwrap();
    let ans = bob
        .answer(&pending.sdp, &AnswerOptions::default())
        .await
        .unwrap();
    let bob_port = ans.sdp.media()[0].port;
    if relay_port.is_none() {
        let (addr, stats) = relay(SocketAddr::from(([127, 0, 0, 1], bob_port))).await;
        *relay_port = Some((addr.port(), stats));
    }
    let port = relay_port.as_ref().unwrap().0;
    let text = ans.sdp.to_string().replace(
        &format!("m=message {bob_port} "),
        &format!("m=message {port} "),
    );
    let rewritten = SessionDescription::parse(&text).unwrap();
    let sel = alice.complete(&pending, &rewritten).unwrap().remove(0);
    let (a, b) = tokio::join!(
        alice.establish(sel),
        bob.establish(ans.selections[0].clone())
    );
    (a.unwrap(), b.unwrap())
}

fn collect(mut s: Session, n: usize) -> tokio::task::JoinHandle<(Session, Vec<Bytes>)> {
    tokio::spawn(async move {
        let mut got = Vec::with_capacity(n);
        while got.len() < n {
            got.push(s.next().await.unwrap().unwrap().body);
        }
        (s, got)
    })
}

#[tokio::test]
async fn every_message_arrives_once_in_order_despite_loss_and_reordering() {
    let (alice, bob) = (endpoint(), endpoint());
    let mut relay = None;
    let (mut a1, b1) = pair_via_relay(&alice, &bob, &mut relay, ConnectionMode::New).await;
    let (mut a2, b2) = pair_via_relay(&alice, &bob, &mut relay, ConnectionMode::Existing).await;
    assert_eq!(alice.stats().connections_initiated, 1, "one association");

    const N: usize = 400;
    let large = Bytes::from(
        (0..1024 * 1024)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let expect1: Vec<Bytes> = (0..N)
        .map(|i| Bytes::from(format!("one {i}")))
        .chain(std::iter::once(large.clone()))
        .chain((0..N).map(|i| Bytes::from(format!("one again {i}"))))
        .collect();
    let expect2: Vec<Bytes> = (0..2 * N)
        .map(|i| Bytes::from(format!("two {i}")))
        .collect();
    let r1 = collect(b1, expect1.len());
    let r2 = collect(b2, expect2.len());
    for (i, body) in expect1.iter().enumerate() {
        a1.send(Message::new("text/plain".parse().unwrap(), body.clone()))
            .await
            .unwrap();
        if let Some(b) = expect2.get(i) {
            a2.send(Message::new("text/plain".parse().unwrap(), b.clone()))
                .await
                .unwrap();
        }
    }
    for b in expect2.iter().skip(expect1.len()) {
        a2.send(Message::new("text/plain".parse().unwrap(), b.clone()))
            .await
            .unwrap();
    }
    let (b1, got1) = r1.await.unwrap();
    let (b2, got2) = r2.await.unwrap();
    assert!(got1 == expect1, "session 1: exactly once, in order");
    assert!(got2 == expect2, "session 2: exactly once, in order");
    let stats = &relay.as_ref().unwrap().1;
    let (dropped, reordered) = (
        stats.dropped.load(Ordering::Relaxed),
        stats.reordered.load(Ordering::Relaxed),
    );
    eprintln!(
        "relay: {} forwarded, {dropped} dropped, {reordered} reordered",
        stats.forwarded.load(Ordering::Relaxed)
    );
    assert!(dropped > 0 && reordered > 0, "the relay did interfere");
    for s in [b1, b2] {
        assert_eq!(s.connection_stats().unwrap().unknown_session_frames, 0);
    }
}
