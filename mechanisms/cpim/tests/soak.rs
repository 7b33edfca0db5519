//! Soak: many sessions and connections open and close on loopback while messages flow. Every
//! message arrives exactly once and in order within its session, no frame goes astray, and
//! file descriptors and memory return to their starting level once everything is closed.
//!
//! Run alone with its figures: `cargo test -p imsession-cpim --test soak -- --nocapture`.

mod support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use imsession::{AnswerOptions, Endpoint, Limits, Message, Session};
use support::*;

/// Endpoints taking part; each listens and advertises on its own loopback address.
const ENDPOINTS: usize = 6;
/// Rounds; between two rounds every session is closed, so idle connections close too.
const ROUNDS: usize = 50;
/// Sessions open at once in a round, between endpoints picked pseudo-randomly.
const SESSIONS_PER_ROUND: usize = 16;
/// Messages each way per session.
const MESSAGES: usize = 100;
/// How far resident memory may end above its starting level. Freed memory is not always
/// returned to the operating system at once (the allocator keeps per-thread arenas and the
/// runtime keeps its worker stacks), so RSS is compared with a tolerance. Measured here: about
/// +3 MiB after 50 rounds and +4 MiB after 150, flat, not growing with the work done; a leak
/// of 10 KiB per session (800 sessions) would exceed the tolerance.
const RSS_TOLERANCE: u64 = 8 * 1024 * 1024;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn endpoints(limits: &Limits) -> Vec<Endpoint> {
    (0..ENDPOINTS)
        .map(|i| {
            // Distinct addresses: a passive session is then bound by its first frame, never
            // by a guess from the peer's address (docs/connection-sharing.md, rule 3).
            let host = format!("127.0.0.{}", i + 2);
            Endpoint::with_hosts(negotiator_with(limits.clone()), host.clone(), host)
        })
        .collect()
}

async fn exchange(tag: usize, from: &mut Session, to: &mut Session) {
    let send = async {
        for seq in 0..MESSAGES {
            from.send(Message::text(format!("{tag}:{seq}")))
                .await
                .unwrap();
        }
    };
    let receive = async {
        for seq in 0..MESSAGES {
            let m = to.next().await.unwrap().unwrap();
            assert_eq!(
                m.body_text().unwrap(),
                format!("{tag}:{seq}"),
                "order, once"
            );
            assert_eq!(m.meta("MsgID").unwrap(), (seq + 1).to_string());
        }
    };
    tokio::join!(send, receive);
}

/// One session from `offerer` to `answerer`: both directions, then closed.
async fn session(tag: usize, offerer: Endpoint, answerer: Endpoint) {
    let (mut passive, mut active) =
        pair(&offerer, &answerer, cpim_tcp(), AnswerOptions::default()).await;
    // The answerer connects; its first frame identifies the session to the offerer.
    exchange(2 * tag, &mut active, &mut passive).await;
    exchange(2 * tag + 1, &mut passive, &mut active).await;
    passive.close().await.unwrap();
    active.close().await.unwrap();
}

/// Runs the rounds; returns (sessions, connections opened).
async fn run(limits: &Limits, rounds: usize) -> (usize, u64) {
    let eps = endpoints(limits);
    let mut seed = 0x2545_f491_u64;
    let mut tag = 0;
    for _ in 0..rounds {
        let mut tasks = Vec::new();
        for _ in 0..SESSIONS_PER_ROUND {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let i = (seed >> 33) as usize % ENDPOINTS;
            let j = (i + 1 + (seed >> 40) as usize % (ENDPOINTS - 1)) % ENDPOINTS;
            tasks.push(tokio::spawn(session(tag, eps[i].clone(), eps[j].clone())));
            tag += 1;
        }
        for t in tasks {
            t.await.unwrap();
        }
        // Let idle connections close, so the next round opens new ones.
        tokio::time::sleep(limits.idle_grace * 3).await;
    }
    let mut opened = 0;
    for ep in &eps {
        let stats = ep.stats();
        assert_eq!(stats.unknown_session_frames, 0, "no frame went astray");
        assert_eq!(stats.discarded_bytes, 0);
        assert_eq!(stats.limit_hits.iter().count(), 0, "{:?}", stats.limit_hits);
        opened += stats.connections_initiated;
    }
    (tag, opened)
}

/// Waits (at most 10 s) for the descriptor count to fall back to `baseline`.
async fn settle_fds(baseline: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = open_fds();
        if now <= baseline || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_and_connections_churn_without_loss_or_leaks() {
    // Short timers, so that every task waiting on one (an unclaimed registration's expiry, an
    // accepted connection's bind check) has finished before memory is measured.
    let limits = Limits::default()
        .with_idle_grace(Duration::from_millis(20))
        .with_bind_timeout(Duration::from_secs(1));
    // Warm-up: the runtime's threads, the allocator's arenas and lazily built statics reach
    // their working size, so the baseline measures what the soak itself leaves behind.
    let fds_start = open_fds();
    run(&limits, 2).await;
    assert_eq!(
        settle_fds(fds_start).await,
        fds_start,
        "warm-up closed everything"
    );
    let (fds_before, rss_before) = (fds_start, rss_bytes());

    let started = Instant::now();
    let (sessions, connections) = run(&limits, ROUNDS).await;
    let elapsed = started.elapsed();
    let fds_after = settle_fds(fds_before).await;
    tokio::time::sleep(limits.bind_timeout * 2).await;
    let rss_after = rss_bytes();
    let messages = sessions * 2 * MESSAGES;
    eprintln!(
        "soak: {messages} messages, {sessions} sessions, {connections} connections, \
         {ROUNDS} rounds in {elapsed:.1?}; fds {fds_before} -> {fds_after}; \
         rss {} KiB -> {} KiB",
        rss_before / 1024,
        rss_after / 1024
    );
    assert!(
        connections as usize >= ROUNDS,
        "connections were opened and closed"
    );
    assert_eq!(fds_after, fds_before, "every descriptor closed");
    assert!(
        rss_after <= rss_before + RSS_TOLERANCE,
        "rss grew from {rss_before} to {rss_after}"
    );
}
