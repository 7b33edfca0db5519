//! Volume: 16 MiB messages and thousands of small ones back to back on one association, with
//! memory bounded by the queues, not by the amount of data.
//!
//! Alone in its test binary, so the process's peak resident size measures this test only.

mod support;

use bytes::Bytes;
use futures::StreamExt;
use imsession::{AnswerOptions, Limits, Message};
use support::*;

/// 16 MiB, the default largest message.
const LARGE: usize = 16 * 1024 * 1024;
const LARGE_COUNT: usize = 20;
const SMALL_COUNT: usize = 5000;

/// Peak resident set size of this process, in bytes (Linux).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn large_body(i: usize) -> Bytes {
    let mut v = vec![b'a' + (i % 26) as u8; LARGE];
    v[..8].copy_from_slice(&(i as u64).to_be_bytes());
    Bytes::from(v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_and_many_small_messages_back_to_back_in_bounded_memory() {
    // A short write queue: the sender waits for the association instead of queueing
    // everything.
    let limits = Limits::default().with_write_queue(2).with_session_queue(2);
    let (alice, bob) = endpoints_on("127.0.0.1", limits);
    let (mut a1, mut b1) = pair(&alice, &bob, cpim_sctp(), AnswerOptions::default()).await;
    let (mut a2, mut b2) = shared_pair(&alice, &bob).await;
    let before = peak_rss();

    let large_rx = tokio::spawn(async move {
        for i in 0..LARGE_COUNT {
            let m = b1.next().await.unwrap().unwrap();
            assert_eq!(m.body.len(), LARGE);
            assert_eq!(
                m.body[..8],
                (i as u64).to_be_bytes(),
                "large message {i} in order"
            );
            assert!(m.body[8..].iter().all(|&b| b == b'a' + (i % 26) as u8));
        }
    });
    let small_rx = tokio::spawn(async move {
        for i in 0..SMALL_COUNT {
            let m = b2.next().await.unwrap().unwrap();
            assert_eq!(m.body_text(), Some(&*format!("small {i}")));
        }
    });
    let large_tx = tokio::spawn(async move {
        for i in 0..LARGE_COUNT {
            a1.send(Message::new("text/plain".parse().unwrap(), large_body(i)))
                .await
                .unwrap();
        }
        a1.flush().await.unwrap();
        a1
    });
    for i in 0..SMALL_COUNT {
        a2.send(Message::text(format!("small {i}"))).await.unwrap();
    }
    small_rx.await.unwrap();
    large_rx.await.unwrap();
    let _a1 = large_tx.await.unwrap();

    if let (Some(before), Some(after)) = (before, peak_rss()) {
        let growth = after.saturating_sub(before);
        let total = (LARGE_COUNT * LARGE) as u64;
        eprintln!(
            "peak RSS grew by {} MiB while {} MiB crossed",
            growth >> 20,
            total >> 20
        );
        // Sender: the message being built and its encoded frame, two queued frames and the
        // one being cut into chunks; receiver: the frame being reassembled, two queued
        // messages and the one being checked: about nine large messages plus allocator slack,
        // whatever the total.
        let bound = 14 * LARGE as u64;
        assert!(
            growth < bound,
            "memory grew with the data: {} MiB for {} MiB sent",
            growth >> 20,
            total >> 20
        );
    }
}
