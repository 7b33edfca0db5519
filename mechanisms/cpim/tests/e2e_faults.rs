//! A scripted raw-TCP peer against our endpoint: unknown sessions, truncation.

mod support;

use futures::StreamExt;
use imsession::{Endpoint, Limits, SessionError};
use std::time::Duration;
use support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const PEER_URI: &str = "im:scripted@127.0.0.1";

/// How long frames for not-yet-known sessions are kept in these tests.
const EARLY_GRACE: Duration = Duration::from_millis(100);

/// Alice offers; the scripted peer answers `a=setup:active` and connects.
async fn scripted() -> (Endpoint, imsession::Session, TcpStream, String) {
    let alice = Endpoint::new(negotiator_with(
        Limits::default().with_early_frame_grace(EARLY_GRACE),
    ));
    let (session, alice_uri, port) = scripted_session(&alice, PEER_URI).await;
    let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    (alice, session, stream, alice_uri)
}

#[tokio::test]
async fn frames_sent_before_our_side_has_the_answer_are_kept() {
    let alice = Endpoint::new(negotiator());
    let pending = alice.offer(&[cpim_tcp()]).await.unwrap();
    let m = &pending.sdp.media()[0];
    let alice_uri = m.uri().unwrap().to_owned();
    // The peer connects and talks before alice has processed its answer.
    let mut peer = TcpStream::connect(("127.0.0.1", m.port)).await.unwrap();
    peer.write_all(&raw_frame(&alice_uri, PEER_URI, 1, "too early?"))
        .await
        .unwrap();
    peer.write_all(&raw_frame(&alice_uri, PEER_URI, 2, "no"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sel = alice
        .complete(&pending, &scripted_answer(PEER_URI))
        .unwrap()
        .remove(0);
    let mut session = alice.establish(sel).await.unwrap();
    assert_eq!(
        session.next().await.unwrap().unwrap().body_text(),
        Some("too early?")
    );
    assert_eq!(
        session.next().await.unwrap().unwrap().body_text(),
        Some("no")
    );
    assert_eq!(alice.stats().unknown_session_frames, 0);
}

#[tokio::test]
async fn frame_for_unknown_session_is_counted_and_dropped() {
    let (alice, mut session, mut peer, alice_uri) = scripted().await;
    peer.write_all(&raw_frame(&alice_uri, PEER_URI, 1, "first"))
        .await
        .unwrap();
    peer.write_all(&raw_frame(
        &alice_uri,
        "im:intruder@127.0.0.1",
        1,
        "not yours",
    ))
    .await
    .unwrap();
    peer.write_all(&raw_frame(
        "im:someone-else@127.0.0.1",
        PEER_URI,
        2,
        "misrouted",
    ))
    .await
    .unwrap();
    peer.write_all(b"junk before the envelope\r\n")
        .await
        .unwrap();
    peer.write_all(&raw_frame(&alice_uri, PEER_URI, 2, "second"))
        .await
        .unwrap();
    assert_eq!(
        session.next().await.unwrap().unwrap().body_text(),
        Some("first")
    );
    assert_eq!(
        session.next().await.unwrap().unwrap().body_text(),
        Some("second")
    );
    // Kept for the early-frame grace period in case their sessions appear, then counted.
    tokio::time::sleep(EARLY_GRACE * 3).await;
    assert_eq!(alice.stats().unknown_session_frames, 2);
    assert_eq!(
        session.connection_stats().unwrap().unknown_session_frames,
        2
    );
    assert!(alice.stats().discarded_bytes >= b"junk before the envelope\r\n".len() as u64);
}

#[tokio::test]
async fn peer_closing_mid_frame_is_an_error_not_a_short_message() {
    let (_alice, mut session, mut peer, alice_uri) = scripted().await;
    peer.write_all(&raw_frame(&alice_uri, PEER_URI, 1, "whole"))
        .await
        .unwrap();
    let cut = raw_frame(&alice_uri, PEER_URI, 2, "this one is cut short");
    peer.write_all(&cut[..cut.len() - 5]).await.unwrap();
    peer.shutdown().await.unwrap();
    drop(peer);
    assert_eq!(
        session.next().await.unwrap().unwrap().body_text(),
        Some("whole")
    );
    let err = session.next().await.unwrap().unwrap_err();
    assert!(matches!(err, SessionError::Truncated { .. }), "{err}");
    assert!(session.next().await.is_none(), "nothing after the error");
}

#[tokio::test]
async fn clean_close_ends_the_stream() {
    let (_alice, mut session, mut peer, alice_uri) = scripted().await;
    peer.write_all(&raw_frame(&alice_uri, PEER_URI, 1, "bye"))
        .await
        .unwrap();
    peer.shutdown().await.unwrap();
    assert_eq!(
        session.next().await.unwrap().unwrap().body_text(),
        Some("bye")
    );
    assert!(session.next().await.is_none());
}

#[tokio::test]
async fn closing_our_session_ends_the_peers_stream() {
    let (alice, bob) = endpoints();
    let (mut a, mut b) = pair(&alice, &bob, cpim_tcp(), Default::default()).await;
    a.send(imsession::Message::text("last words"))
        .await
        .unwrap();
    a.close().await.unwrap();
    assert_eq!(
        b.next().await.unwrap().unwrap().body_text(),
        Some("last words")
    );
    assert!(
        b.next().await.is_none(),
        "clean end after the idle grace period"
    );
}
