//! `Endpoint::close` over SCTP: every session's queued messages are sent, then the
//! association shuts down gracefully and each peer stream ends cleanly.

mod support;

use std::time::Duration;

use futures::StreamExt;
use imsession::{AnswerOptions, Limits, Message, Session};
use support::*;

/// Messages queued on each session before the close, of `BODY` bytes each: enough that the
/// writer is still busy with them when the close begins.
const QUEUED: usize = 40;
const BODY: usize = 64 * 1024;

/// Counts the messages `session` receives until its stream ends; an error item fails.
fn count(mut session: Session) -> tokio::task::JoinHandle<usize> {
    tokio::spawn(async move {
        let mut n = 0;
        while let Some(m) = session.next().await {
            assert_eq!(m.expect("a clean end, no error").body.len(), BODY);
            n += 1;
        }
        n
    })
}

#[tokio::test]
async fn close_sends_every_lanes_queue_then_ends_the_peers_streams() {
    let (alice, bob) = endpoints_on("127.0.0.1", Limits::default());
    let (mut a1, b1) = pair(&alice, &bob, cpim_sctp(), AnswerOptions::default()).await;
    let (mut a2, b2) = shared_pair(&alice, &bob).await;
    assert_eq!(alice.stats().open_connections, 1, "one association");
    let (r1, r2) = (count(b1), count(b2));
    let body = "x".repeat(BODY);
    for _ in 0..QUEUED {
        a1.send(Message::text(body.clone())).await.unwrap();
        a2.send(Message::text(body.clone())).await.unwrap();
    }
    // No flush: closing the endpoint must send what both lanes queued before shutting down.
    assert_eq!(alice.close().await, Ok(1));
    assert_eq!(alice.stats().open_connections, 0);
    for r in [r1, r2] {
        let received = tokio::time::timeout(Duration::from_secs(20), r)
            .await
            .expect("the peer's stream ends");
        assert_eq!(
            received.unwrap(),
            QUEUED,
            "every queued message, then a clean end"
        );
    }
    assert_eq!(a1.last_written(), a1.last_sent());
    assert_eq!(a2.last_written(), a2.last_sent());
}
