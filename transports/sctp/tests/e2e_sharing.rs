//! Sessions between the same two endpoints share one association, each on its own SCTP stream:
//! a large message in one session does not hold up another session's messages.

mod support;

use bytes::Bytes;
use futures::StreamExt;
use imsession::{AnswerOptions, Limits, Message};
use support::*;
use tokio::sync::mpsc;

/// Associations either side set up.
fn associations(a: &imsession::Endpoint, b: &imsession::Endpoint) -> u64 {
    a.stats().connections_initiated + b.stats().connections_initiated
}

/// 16 MiB.
const LARGE: usize = 16 * 1024 * 1024;

#[tokio::test]
async fn small_messages_overtake_a_large_one_on_another_session() {
    let (alice, bob) = endpoints_on("127.0.0.1", Limits::default());
    let (mut a1, mut b1) = pair(&alice, &bob, cpim_sctp(), AnswerOptions::default()).await;
    let (mut a2, mut b2) = shared_pair(&alice, &bob).await;
    assert_eq!(associations(&alice, &bob), 1, "one association");
    assert_eq!(a1.info().local_addr, a2.info().local_addr);
    assert_eq!(
        alice.stats().connections_initiated,
        1,
        "the offerer connects"
    );

    // Bind both of bob's sessions before timing anything.
    b1.send(Message::text("b1")).await.unwrap();
    b2.send(Message::text("b2")).await.unwrap();
    assert_eq!(a1.next().await.unwrap().unwrap().body_text(), Some("b1"));
    assert_eq!(a2.next().await.unwrap().unwrap().body_text(), Some("b2"));

    // What bob receives, in the order it completes.
    let (order_tx, mut order) = mpsc::unbounded_channel();
    let large_seen = {
        let tx = order_tx.clone();
        tokio::spawn(async move {
            let m = b1.next().await.unwrap().unwrap();
            tx.send(format!("large:{}", m.body.len())).unwrap();
            b1
        })
    };
    const SMALL: usize = 20;
    let small_seen = tokio::spawn(async move {
        for _ in 0..SMALL {
            let m = b2.next().await.unwrap().unwrap();
            order_tx.send(m.body_text().unwrap().to_owned()).unwrap();
        }
        b2
    });

    // The large message is queued first, then the small ones on the other session.
    let body = Bytes::from(vec![b'x'; LARGE]);
    a1.send(Message::new("text/plain".parse().unwrap(), body))
        .await
        .unwrap();
    for i in 0..SMALL {
        a2.send(Message::text(format!("small:{i}"))).await.unwrap();
    }
    a2.flush().await.unwrap();
    a1.flush().await.unwrap();

    let mut seen = Vec::new();
    while seen.len() < SMALL + 1 {
        seen.push(order.recv().await.unwrap());
    }
    let large_at = seen
        .iter()
        .position(|s| s == &format!("large:{LARGE}"))
        .expect("the large message arrived whole");
    assert_eq!(
        large_at, SMALL,
        "every small message of session B arrives before session A's large one completes: {seen:?}"
    );
    let smalls: Vec<_> = seen[..SMALL].to_vec();
    let expected: Vec<_> = (0..SMALL).map(|i| format!("small:{i}")).collect();
    assert_eq!(smalls, expected, "in order");
    large_seen.await.unwrap();
    small_seen.await.unwrap();
}

/// Reads `n` messages from `session` on a task of its own (each session has its own
/// consumer, as SCTP's flow control is per association).
fn collect(mut session: imsession::Session, n: usize) -> tokio::task::JoinHandle<Vec<String>> {
    tokio::spawn(async move {
        let mut got = Vec::with_capacity(n);
        while got.len() < n {
            let m = session.next().await.unwrap().unwrap();
            got.push(m.body_text().unwrap().to_owned());
        }
        got
    })
}

#[tokio::test]
async fn each_session_gets_its_own_messages_in_order() {
    let (alice, bob) = endpoints_on("127.0.0.1", Limits::default());
    let (mut a1, b1) = pair(&alice, &bob, cpim_sctp(), AnswerOptions::default()).await;
    let (mut a2, b2) = shared_pair(&alice, &bob).await;
    let (a3, mut b3) = shared_pair(&alice, &bob).await;
    assert_eq!(associations(&alice, &bob), 1);
    const N: usize = 1000;
    let (r1, r2, r3) = (collect(b1, N), collect(b2, N), collect(a3, N));
    for i in 0..N {
        a1.send(Message::text(format!("1:{i}"))).await.unwrap();
        a2.send(Message::text(format!("2:{i}"))).await.unwrap();
        b3.send(Message::text(format!("r3:{i}"))).await.unwrap();
    }
    let expect = |p: &str| (0..N).map(|i| format!("{p}:{i}")).collect::<Vec<_>>();
    assert_eq!(r1.await.unwrap(), expect("1"));
    assert_eq!(r2.await.unwrap(), expect("2"));
    assert_eq!(r3.await.unwrap(), expect("r3"));
    let stats = a1.connection_stats().unwrap();
    assert_eq!(stats.unknown_session_frames, 0);
}
