//! `Endpoint::close`: what is queued is written, then the peer sees a clean end.

mod support;

use std::time::Duration;

use futures::StreamExt;
use imsession::{AnswerOptions, Message};
use support::*;

/// Messages queued before the close, of `BODY` bytes each: enough that the writer is still
/// busy with them when the close begins.
const QUEUED: usize = 50;
const BODY: usize = 64 * 1024;

#[tokio::test]
async fn close_writes_what_is_queued_then_ends_the_peers_stream() {
    let (alice, bob) = endpoints();
    let (mut a, mut b) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;
    let body = "x".repeat(BODY);
    let receive = tokio::spawn(async move {
        let mut n = 0;
        while let Some(m) = b.next().await {
            assert_eq!(m.unwrap().body.len(), BODY);
            n += 1;
        }
        n
    });
    for _ in 0..QUEUED {
        a.send(Message::text(body.clone())).await.unwrap();
    }
    // No flush: closing the endpoint must write the queued frames before shutting down.
    assert_eq!(alice.close().await, Ok(1));
    assert_eq!(alice.stats().open_connections, 0);
    let received = tokio::time::timeout(Duration::from_secs(10), receive)
        .await
        .expect("the peer's stream ends");
    assert_eq!(
        received.unwrap(),
        QUEUED,
        "every queued message, then a clean end"
    );
    assert_eq!(a.last_written(), a.last_sent());
}

/// Both sides finishing at once (the CLI's chat at EOF): when the peer closes first, a close
/// on our side whose messages were all written reports success, not `Closed`.
#[tokio::test]
async fn closing_after_the_peer_closed_succeeds_when_everything_was_written() {
    let (alice, bob) = endpoints();
    let (mut a, mut b) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;
    a.send(Message::text("last words")).await.unwrap();
    a.flush().await.unwrap();
    assert_eq!(b.next().await.unwrap().unwrap().body, "last words");
    assert_eq!(bob.close().await, Ok(1));
    let end = tokio::time::timeout(Duration::from_secs(10), a.next())
        .await
        .expect("our stream ends when the peer closes");
    assert!(end.is_none(), "{end:?}");
    assert_eq!(a.last_written(), a.last_sent());
    assert_eq!(a.close().await, Ok(()));
}
