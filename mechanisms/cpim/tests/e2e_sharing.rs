//! Two sessions between the same two endpoints share one TCP connection, and each message
//! reaches only its own session, in order.

mod support;

use futures::StreamExt;
use imsession::sdp::ConnectionMode;
use imsession::{AnswerOptions, Message};
use support::*;

#[tokio::test]
async fn two_sessions_share_one_connection() {
    let (alice, bob) = endpoints();
    let (mut a1, mut b1) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;
    let (mut a2, mut b2) = pair(
        &alice,
        &bob,
        cpim_tcp().connection(ConnectionMode::Existing),
        AnswerOptions::default(),
    )
    .await;
    // A third session with a=connection:new still shares: same peer address and identity.
    let (mut a3, mut b3) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;

    assert_eq!(bob.stats().connections_initiated, 1, "bob connected once");
    assert_eq!(b1.info().local_addr, b3.info().local_addr);
    // Shared automatically under a=connection:new, alice's third session is identified by
    // bob's first frame on it (docs/connection-sharing.md): until then it queues its sends.
    assert!(a3.info().peer.is_none());
    let early = tokio::time::timeout(
        std::time::Duration::from_millis(50),
        a3.send(Message::text("early")),
    );
    assert!(
        early.await.is_err(),
        "send waits until the session is identified"
    );
    b3.send(Message::text("hello from bob")).await.unwrap();
    assert_eq!(
        a3.next().await.unwrap().unwrap().body_text(),
        Some("hello from bob")
    );

    const N: usize = 200;
    for i in 0..N {
        a1.send(Message::text(format!("1:{i}"))).await.unwrap();
        a2.send(Message::text(format!("2:{i}"))).await.unwrap();
        a3.send(Message::text(format!("3:{i}"))).await.unwrap();
        b1.send(Message::text(format!("r1:{i}"))).await.unwrap();
        b2.send(Message::text(format!("r2:{i}"))).await.unwrap();
    }
    for i in 0..N {
        for (s, tag) in [
            (&mut b1, "1"),
            (&mut b2, "2"),
            (&mut b3, "3"),
            (&mut a1, "r1"),
            (&mut a2, "r2"),
        ] {
            let m = s.next().await.unwrap().unwrap();
            assert_eq!(m.body_text().unwrap(), format!("{tag}:{i}"));
        }
    }
    assert_eq!(alice.stats().connections_accepted, 1, "alice accepted once");
    assert_eq!(a1.info().peer, a2.info().peer);
    assert_eq!(a1.info().peer, a3.info().peer);
    assert_eq!(alice.stats().unknown_session_frames, 0);
    assert_eq!(bob.stats().unknown_session_frames, 0);
}

/// A full queue on one session makes the connection's reader wait (backpressure to the
/// sender), so the other session's messages may wait too, but they are never reordered,
/// corrupted or delivered to the wrong session.
#[tokio::test]
async fn a_slow_session_neither_reorders_nor_corrupts_another() {
    let (alice, bob) = endpoints();
    let (mut a1, mut b1) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;
    let (mut a2, mut b2) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;
    // Both sessions were pending when bob's one connection arrived, so alice cannot tell
    // which it carries: bob's first frame on each identifies it (docs/connection-sharing.md).
    for (b, a) in [(&mut b1, &mut a1), (&mut b2, &mut a2)] {
        b.send(Message::text("hello")).await.unwrap();
        assert_eq!(a.next().await.unwrap().unwrap().body_text(), Some("hello"));
    }
    // b1's reader is slow: it reads only after everything was sent.
    let sender = tokio::spawn(async move {
        for i in 0..500 {
            a1.send(Message::text(format!("slow {i}"))).await.unwrap();
            a2.send(Message::text(format!("fast {i}"))).await.unwrap();
        }
        (a1, a2)
    });
    let mut fast = Vec::new();
    while fast.len() < 20 {
        fast.push(
            b2.next()
                .await
                .unwrap()
                .unwrap()
                .body_text()
                .unwrap()
                .to_owned(),
        );
    }
    for i in 0..500 {
        if i >= 20 {
            let m = b2.next().await.unwrap().unwrap();
            assert_eq!(m.body_text().unwrap(), format!("fast {i}"));
        }
        let m = b1.next().await.unwrap().unwrap();
        assert_eq!(m.body_text().unwrap(), format!("slow {i}"));
    }
    assert_eq!(
        fast,
        (0..20).map(|i| format!("fast {i}")).collect::<Vec<_>>()
    );
    sender.await.unwrap();
}
