//! Every limit, hit on purpose: the typed error the application sees, the counter, and what
//! happens to the connection.

mod support;

use std::time::Duration;

use futures::StreamExt;
use imsession::testing::{Faults, FaultyTransport};
use imsession::{AnswerOptions, Endpoint, Limit, Limits, Message, SessionError, TransportError};
use imsession_tcp::TcpTransport;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PEER: &str = "im:scripted@127.0.0.1";

/// Waits for the peer to close the raw connection (EOF or reset); fails after 10 s.
async fn closed_by_endpoint(stream: &mut TcpStream) {
    let mut buf = [0u8; 1024];
    let wait = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .expect("the endpoint closes the connection");
}

/// A scripted peer connected to `alice`'s one session, which has received a first message.
async fn connected(alice: &Endpoint) -> (imsession::Session, TcpStream, String) {
    let (mut session, uri, port) = scripted_session(alice, PEER).await;
    let mut peer = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    peer.write_all(&raw_frame(&uri, PEER, 1, "first"))
        .await
        .unwrap();
    let m = session.next().await.unwrap().unwrap();
    assert_eq!(m.body_text(), Some("first"));
    (session, peer, uri)
}

#[tokio::test]
async fn header_block_over_the_limit_closes_the_connection() {
    let alice = Endpoint::new(negotiator_with(
        Limits::default().with_max_header_block(1024),
    ));
    let (mut session, mut peer, _) = connected(&alice).await;
    let pad = "a".repeat(2000);
    peer.write_all(format!("Content-Type: message/cpim\r\nX-Pad: {pad}\r\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(
        session.next().await.unwrap().unwrap_err(),
        SessionError::LimitExceeded {
            limit: Limit::HeaderBlock,
            max: 1024
        }
    );
    closed_by_endpoint(&mut peer).await;
    assert_eq!(alice.stats().limit_hits.get(Limit::HeaderBlock), 1);
}

#[tokio::test]
async fn oversized_frame_is_refused_before_its_body_arrives() {
    let limits = Limits::default()
        .with_max_message(1000)
        .with_max_header_block(1024);
    let alice = Endpoint::new(negotiator_with(limits));
    let (mut session, mut peer, _) = connected(&alice).await;
    // Only the envelope: no body byte is ever sent, so the refusal cannot wait for one.
    peer.write_all(b"Content-Type: message/cpim\r\nContent-Length: 1000000000\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        session.next().await.unwrap().unwrap_err(),
        SessionError::LimitExceeded {
            limit: Limit::Message,
            // The frame may carry the message plus its header block.
            max: 2024
        }
    );
    closed_by_endpoint(&mut peer).await;
    assert_eq!(alice.stats().limit_hits.get(Limit::Message), 1);
}

#[tokio::test]
async fn garbage_over_the_limit_closes_the_connection() {
    let alice = Endpoint::new(negotiator_with(Limits::default().with_max_garbage(100)));
    let (mut session, mut peer, _) = connected(&alice).await;
    // Junk lines, none an envelope: skipped until more than 100 bytes were.
    for _ in 0..20 {
        // A write may fail once alice has closed the connection.
        let _ = peer.write_all(b"not an envelope\r\n").await;
    }
    assert_eq!(
        session.next().await.unwrap().unwrap_err(),
        SessionError::LimitExceeded {
            limit: Limit::Garbage,
            max: 100
        }
    );
    closed_by_endpoint(&mut peer).await;
    assert_eq!(alice.stats().limit_hits.get(Limit::Garbage), 1);
}

#[tokio::test]
async fn a_full_connection_takes_no_more_sessions() {
    let limits = Limits::default()
        .with_max_sessions_per_connection(1)
        .with_bind_timeout(Duration::from_millis(500))
        .with_early_frame_grace(Duration::ZERO);
    let alice = Endpoint::new(negotiator_with(limits));
    let (mut first, uri1, port) = scripted_session(&alice, PEER).await;
    let other = "im:other@127.0.0.1";
    let (mut second, uri2, _) = scripted_session(&alice, other).await;
    let mut peer = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    peer.write_all(&raw_frame(&uri1, PEER, 1, "one"))
        .await
        .unwrap();
    peer.write_all(&raw_frame(&uri2, other, 1, "two"))
        .await
        .unwrap();
    assert_eq!(
        first.next().await.unwrap().unwrap().body_text(),
        Some("one")
    );
    // The second session may not join the full connection: its frame is not delivered and it
    // never gets a connection.
    assert_eq!(
        second.next().await.unwrap().unwrap_err(),
        SessionError::BindTimeout(Duration::from_millis(500))
    );
    assert!(alice.stats().limit_hits.get(Limit::SessionsPerConnection) >= 1);
    assert_eq!(alice.stats().unknown_session_frames, 1);
}

#[tokio::test]
async fn the_active_side_opens_another_connection_when_one_is_full() {
    let limits = Limits::default().with_max_sessions_per_connection(2);
    let alice = Endpoint::new(negotiator_with(limits.clone()));
    let bob = Endpoint::new(negotiator_with(limits));
    let mut sessions = Vec::new();
    for i in 0..3 {
        let (mut a, mut b) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;
        // Bob's first frame identifies the connection of alice's passive session (see
        // docs/connection-sharing.md) before the next session is negotiated.
        b.send(Message::text(format!("to {i}"))).await.unwrap();
        assert_eq!(
            a.next().await.unwrap().unwrap().body_text().unwrap(),
            format!("to {i}")
        );
        sessions.push((a, b));
    }
    assert_eq!(bob.stats().connections_initiated, 2);
    assert_eq!(alice.stats().connections_accepted, 2);
    let (a3, _) = &sessions[2];
    let (a1, _) = &sessions[0];
    assert_ne!(
        a1.info().peer,
        a3.info().peer,
        "the third is on its own connection"
    );
}

#[tokio::test]
async fn a_listener_holds_at_most_its_connections() {
    let alice = Endpoint::new(negotiator_with(
        Limits::default().with_max_connections_per_listener(2),
    ));
    let (_session, _uri, port) = scripted_session(&alice, PEER).await;
    let mut first = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let _second = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    eventually("two connections accepted", || {
        alice.stats().connections_accepted == 2
    })
    .await;
    let mut third = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    closed_by_endpoint(&mut third).await;
    assert_eq!(
        alice.stats().limit_hits.get(Limit::ConnectionsPerListener),
        1
    );
    assert_eq!(alice.stats().connections_accepted, 2);
    // A slot frees once a connection is closed.
    first.shutdown().await.unwrap();
    closed_by_endpoint(&mut first).await;
    drop(first);
    let _fourth = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    eventually("a fourth connection accepted", || {
        alice.stats().connections_accepted == 3
    })
    .await;
    assert_eq!(
        alice.stats().limit_hits.get(Limit::ConnectionsPerListener),
        1
    );
}

#[tokio::test]
async fn connect_handshake_timeout_is_a_typed_error() {
    let limit = Duration::from_millis(200);
    let slow = FaultyTransport::new(
        TcpTransport::new(),
        Faults::none().handshake_delay(Duration::from_secs(30)),
    );
    let alice = Endpoint::new(negotiator());
    let bob = Endpoint::new(negotiator_over(
        slow,
        Limits::default().with_handshake_timeout(limit),
    ));
    let pending = alice.offer(&[cpim_tcp()]).await.unwrap();
    let answer = bob
        .answer(&pending.sdp, &AnswerOptions::default())
        .await
        .unwrap();
    // Bob answers active: he connects, and his transport's handshake never finishes.
    let err = bob
        .establish(answer.selections[0].clone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, SessionError::Transport(TransportError::Timeout { after, .. }) if after == limit),
        "{err}"
    );
    assert_eq!(bob.stats().limit_hits.get(Limit::HandshakeTimeout), 1);
}

#[tokio::test]
async fn accept_handshake_timeout_drops_the_connection() {
    let slow = FaultyTransport::new(
        TcpTransport::new(),
        Faults::none().handshake_delay(Duration::from_secs(30)),
    );
    let limits = Limits::default().with_handshake_timeout(Duration::from_millis(200));
    let alice = Endpoint::new(negotiator_over(slow, limits));
    let (_session, _uri, port) = scripted_session(&alice, PEER).await;
    let mut peer = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    closed_by_endpoint(&mut peer).await;
    assert_eq!(alice.stats().limit_hits.get(Limit::HandshakeTimeout), 1);
    assert_eq!(alice.stats().connections_accepted, 0);
}

#[tokio::test]
async fn bind_timeout_fails_sends_and_the_stream() {
    let limit = Duration::from_millis(200);
    let alice = Endpoint::new(negotiator_with(Limits::default().with_bind_timeout(limit)));
    // Nobody connects.
    let (mut session, _uri, _port) = scripted_session(&alice, PEER).await;
    assert_eq!(
        session.send(Message::text("anyone?")).await.unwrap_err(),
        SessionError::BindTimeout(limit)
    );
    // The stream ends too, rather than waiting for a connection that will never be used.
    assert!(session.next().await.is_none());
    assert_eq!(alice.stats().limit_hits.get(Limit::BindTimeout), 1);
}

#[tokio::test]
async fn a_peer_flooding_unknown_sessions_is_disconnected() {
    let limits = Limits::default()
        .with_max_unknown_session_frames(5)
        .with_early_frame_grace(Duration::ZERO);
    let alice = Endpoint::new(negotiator_with(limits));
    let (mut session, mut peer, _uri) = connected(&alice).await;
    for i in 0..10 {
        let nobody = format!("im:nobody{i}@127.0.0.1");
        // A write may fail once alice has closed the connection.
        let _ = peer.write_all(&raw_frame(&nobody, PEER, 1, "spam")).await;
    }
    assert_eq!(
        session.next().await.unwrap().unwrap_err(),
        SessionError::LimitExceeded {
            limit: Limit::UnknownSessionFrames,
            max: 5
        }
    );
    closed_by_endpoint(&mut peer).await;
    assert_eq!(alice.stats().limit_hits.get(Limit::UnknownSessionFrames), 1);
    assert_eq!(alice.stats().unknown_session_frames, 6);
}
