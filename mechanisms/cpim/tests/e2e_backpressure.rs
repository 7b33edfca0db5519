//! One session's reader is slow: what the receiver holds stays bounded, the sender is made to
//! wait, and order holds on every session of the shared connection.

mod support;

use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use imsession::{Endpoint, Limits, Message};
use support::*;

const BODY: usize = 64 * 1024;

/// The kernel's largest TCP send plus receive buffer (third field of `tcp_wmem` and `tcp_rmem`),
/// or a generous guess where /proc is not there.
fn kernel_buffers() -> usize {
    let max = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| s.split_whitespace().nth(2)?.parse::<usize>().ok())
    };
    match (
        max("/proc/sys/net/ipv4/tcp_wmem"),
        max("/proc/sys/net/ipv4/tcp_rmem"),
    ) {
        (Some(w), Some(r)) => w + r,
        _ => 64 * 1024 * 1024,
    }
}

fn numbered(i: usize) -> Message {
    let mut body = format!("{i:08}").into_bytes();
    body.resize(BODY, b'.');
    Message::new(mime::TEXT_PLAIN, Bytes::from(body))
}

fn number(m: &Message) -> usize {
    std::str::from_utf8(&m.body[..8]).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_reader_bounds_memory_and_pushes_back_on_the_sender() {
    let limits = Limits::default().with_session_queue(4).with_write_queue(4);
    let alice = Endpoint::new(negotiator_with(limits.clone()));
    let bob = Endpoint::new(negotiator_with(limits.clone()));
    let (mut a1, mut b1) = pair(&alice, &bob, cpim_tcp(), Default::default()).await;
    let (mut a2, mut b2) = pair(&alice, &bob, cpim_tcp(), Default::default()).await;
    for (b, a) in [(&mut b1, &mut a1), (&mut b2, &mut a2)] {
        b.send(Message::text("hello")).await.unwrap();
        a.next().await.unwrap().unwrap();
    }
    // Everything that can be in flight without bob's application reading b1: its session
    // queue, the frame the reader holds, the reader's buffer, both kernels' socket buffers,
    // alice's write queue and coalescing buffer. Without backpressure the sender would go on.
    let in_flight = limits.session_queue + 2 + limits.write_queue + 2 + kernel_buffers() / BODY;
    let cap = 4 * in_flight;
    let mut sent = 0;
    loop {
        assert!(
            sent < cap,
            "{sent} messages sent and the sender never had to wait"
        );
        match tokio::time::timeout(Duration::from_secs(2), a1.send(numbered(sent))).await {
            Ok(result) => {
                result.unwrap();
                sent += 1;
            }
            // Cancel-safe: the message was not queued; it is sent again below.
            Err(_) => break,
        }
    }
    assert!(
        sent <= in_flight,
        "{sent} sent, at most {in_flight} can be in flight"
    );
    eprintln!("sender waited after {sent} messages of {BODY} bytes (bound {in_flight})");

    // The slow reader catches up; the blocked message and more go through, in order, and the
    // other session's messages neither overtake nor mix.
    let total = sent + 20;
    let sender = tokio::spawn(async move {
        for i in sent..total {
            a1.send(numbered(i)).await.unwrap();
            a2.send(Message::text(format!("other {i}"))).await.unwrap();
        }
        (a1, a2)
    });
    // Both sessions share the connection's reader, so both are read (a full queue on either
    // holds the other up, never reorders it).
    let other = tokio::spawn(async move {
        for i in sent..total {
            let m = b2.next().await.unwrap().unwrap();
            assert_eq!(m.body_text().unwrap(), format!("other {i}"));
        }
    });
    for i in 0..total {
        assert_eq!(number(&b1.next().await.unwrap().unwrap()), i);
    }
    other.await.unwrap();
    sender.await.unwrap();
    assert_eq!(bob.stats().unknown_session_frames, 0);
}

/// Waiting on a full session queue is the application's pace, not a stalled peer: a frame
/// timeout much shorter than the application's pause does not close the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_reader_is_not_a_stalled_peer() {
    let limits = Limits::default()
        .with_session_queue(2)
        .with_frame_timeout(Duration::from_millis(100));
    let alice = Endpoint::new(negotiator_with(limits.clone()));
    let bob = Endpoint::new(negotiator_with(limits));
    let (mut a, mut b) = pair(&alice, &bob, cpim_tcp(), Default::default()).await;
    const N: usize = 200;
    let sender = tokio::spawn(async move {
        for i in 0..N {
            a.send(numbered(i)).await.unwrap();
        }
        a
    });
    // Ten frame timeouts long, the application reads nothing; the sender is held up meanwhile.
    tokio::time::sleep(Duration::from_secs(1)).await;
    for i in 0..N {
        assert_eq!(number(&b.next().await.unwrap().unwrap()), i);
    }
    sender.await.unwrap();
    assert_eq!(
        bob.stats().limit_hits.get(imsession::Limit::FrameTimeout),
        0
    );
}
