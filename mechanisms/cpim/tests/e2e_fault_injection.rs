//! End-to-end through two endpoints over cpim/tcp, with faults injected into one side's
//! connection by `imsession::testing::FaultyTransport`: resets, stalls, corrupted bytes, tiny
//! writes and reads.

mod support;

use std::time::Duration;

use futures::StreamExt;
use imsession::testing::{Faults, FaultyTransport};
use imsession::{
    DeliveryStatus, Endpoint, Limit, Limits, Message, MessageId, Session, SessionError,
};
use imsession_tcp::TcpTransport;
use support::*;

/// Alice's connections go through `faults`; bob's are plain.
async fn faulty_pair(
    faults: Faults,
    bob_limits: Limits,
) -> (FaultyTransport, Endpoint, Endpoint, Session, Session) {
    let faulty = FaultyTransport::new(TcpTransport::new(), faults);
    let alice = Endpoint::new(negotiator_over(faulty.clone(), Limits::default()));
    let bob = Endpoint::new(negotiator_with(bob_limits));
    let (a, b) = pair(&alice, &bob, cpim_tcp(), Default::default()).await;
    (faulty, alice, bob, a, b)
}

fn text(i: usize) -> Message {
    Message::text(format!("message {i}"))
}

/// Bytes on the wire of one of the messages [`text`] makes with a one-digit MsgID (URIs have a
/// fixed length, so every session's frames have this size).
async fn frame_size() -> u64 {
    let (faulty, _alice, _bob, mut a, mut b) = faulty_pair(Faults::none(), Limits::default()).await;
    a.send(text(0)).await.unwrap();
    a.flush().await.unwrap();
    assert_eq!(
        b.next().await.unwrap().unwrap().body_text(),
        Some("message 0")
    );
    faulty.log().written()
}

async fn next_text(s: &mut Session) -> String {
    s.next()
        .await
        .unwrap()
        .unwrap()
        .body_text()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn reset_mid_frame_delivers_whole_frames_and_reports_every_unsent_message() {
    let size = frame_size().await;
    // The connection dies half-way through the fourth frame.
    let (faulty, _alice, _bob, mut a, mut b) = faulty_pair(
        Faults::none().reset_after(3 * size + size / 2),
        Limits::default(),
    )
    .await;
    let mut reports = a.deliveries().unwrap();
    let mut queued = Vec::new();
    for i in 0..9 {
        match a.send(text(i)).await {
            Ok(id) => queued.push(id),
            Err(e) => assert_eq!(e, SessionError::Closed, "a send that fails says why"),
        }
    }
    assert_eq!(a.flush().await, Err(SessionError::Closed));
    assert_eq!(faulty.log().tripped(), 1);

    // The receiver: three whole messages, then an error, never the partial fourth.
    for i in 0..3 {
        assert_eq!(next_text(&mut b).await, format!("message {i}"));
    }
    let err = b.next().await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            SessionError::Truncated { .. } | SessionError::Connection(_)
        ),
        "{err}"
    );
    assert!(b.next().await.is_none(), "nothing after the error");

    // The sender: the first three were written; every other queued message is reported.
    assert_eq!(a.last_written(), Some(MessageId(3)));
    let mut not_sent = Vec::new();
    while let Ok(event) = reports.try_recv() {
        assert_eq!(event.status, DeliveryStatus::NotSent, "{event:?}");
        not_sent.push(event.id);
    }
    let expected: Vec<_> = queued.iter().copied().filter(|id| id.0 > 3).collect();
    assert!(!expected.is_empty());
    assert_eq!(
        not_sent, expected,
        "each unsent message reported once, in order"
    );
    assert_eq!(a.dropped_deliveries(), 0);
}

#[tokio::test]
async fn stall_mid_frame_hits_the_frame_timeout_and_closes_the_connection() {
    let size = frame_size().await;
    let timeout = Duration::from_millis(300);
    let (faulty, _alice, bob, mut a, mut b) = faulty_pair(
        Faults::none().stall_after(size + size / 2),
        Limits::default().with_frame_timeout(timeout),
    )
    .await;
    a.send(text(0)).await.unwrap();
    a.send(text(1)).await.unwrap();
    assert_eq!(next_text(&mut b).await, "message 0");
    faulty.log().wait_tripped(1).await;
    assert_eq!(
        b.next().await.unwrap().unwrap_err(),
        SessionError::FrameTimeout(timeout)
    );
    assert!(b.next().await.is_none());
    assert_eq!(bob.stats().limit_hits.get(Limit::FrameTimeout), 1);
    // Bob closed the connection: alice's stream ends.
    assert!(!matches!(a.next().await, Some(Ok(_))));
}

#[tokio::test]
async fn corrupted_envelope_ends_the_connection_after_the_whole_frames() {
    let size = frame_size().await;
    // The first byte of the second frame ('C' of Content-Type) is inverted.
    let (faulty, _alice, _bob, mut a, mut b) =
        faulty_pair(Faults::none().flip_byte(size), Limits::default()).await;
    for i in 0..3 {
        a.send(text(i)).await.unwrap();
    }
    a.flush().await.unwrap();
    assert_eq!(faulty.log().flipped(), 1);
    assert_eq!(next_text(&mut b).await, "message 0");
    let err = b.next().await.unwrap().unwrap_err();
    assert!(matches!(err, SessionError::BadFrame(_)), "{err}");
    assert!(
        b.next().await.is_none(),
        "nothing after the corrupted frame"
    );
}

#[tokio::test]
async fn tiny_writes_and_reads_keep_every_message_whole_and_in_order() {
    let faults = Faults::none().split_writes(3).split_reads(5);
    let (_faulty, _alice, _bob, mut a, mut b) = faulty_pair(faults, Limits::default()).await;
    const N: usize = 300;
    let sender = tokio::spawn(async move {
        for i in 0..N {
            a.send(text(i)).await.unwrap();
        }
        a.flush().await.unwrap();
        a
    });
    for i in 0..N {
        assert_eq!(next_text(&mut b).await, format!("message {i}"));
    }
    let mut a = sender.await.unwrap();
    b.send(Message::text("reply")).await.unwrap();
    assert_eq!(next_text(&mut a).await, "reply");
}

#[tokio::test]
async fn delayed_writes_arrive_in_order() {
    let faults = Faults::none().delay_writes(Duration::from_millis(5));
    let (faulty, _alice, _bob, mut a, mut b) = faulty_pair(faults, Limits::default()).await;
    for i in 0..5 {
        a.send(text(i)).await.unwrap();
    }
    for i in 0..5 {
        assert_eq!(next_text(&mut b).await, format!("message {i}"));
    }
    assert!(faulty.log().written() > 0);
}
