//! Handshake and message exchange through endpoints with self-signed certificates, in both
//! roles, and the fingerprints the descriptions carry.

mod support;

use futures::StreamExt;
use imsession::{AnswerOptions, Message, Role, SetupPreference};
use support::*;

#[tokio::test]
async fn descriptions_carry_our_sha256_fingerprint() {
    let (alice, alice_id) = endpoint();
    let (bob, bob_id) = endpoint();
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    assert_eq!(
        fingerprints(&pending.sdp),
        vec![alice_id.fingerprint().clone()]
    );
    let text = pending.sdp.to_string();
    assert!(text.contains(" cpim/tls "), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("a=fingerprint:"))
        .unwrap();
    // sha-256, 32 upper-case hex bytes separated by colons (RFC 8122 §5).
    let value = line.strip_prefix("a=fingerprint:sha-256 ").unwrap();
    assert_eq!(value.len(), 32 * 3 - 1, "{line}");
    assert!(
        value
            .chars()
            .all(|c| c == ':' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
    );
    let answer = bob
        .answer(&pending.sdp, &AnswerOptions::default())
        .await
        .unwrap();
    assert_eq!(
        fingerprints(&answer.sdp),
        vec![bob_id.fingerprint().clone()]
    );
}

async fn exchange(setup: SetupPreference, alice_role: Role) {
    let (alice, alice_id) = endpoint();
    let (bob, bob_id) = endpoint();
    let (mut a, mut b) = pair(
        &alice,
        &bob,
        cpim_tls().setup(setup),
        AnswerOptions::default(),
    )
    .await;
    assert_eq!(a.info().role, alice_role);
    b.send(Message::text("hello alice")).await.unwrap();
    a.send(Message::text("hello bob")).await.unwrap();
    assert_eq!(
        a.next().await.unwrap().unwrap().body_text(),
        Some("hello alice")
    );
    assert_eq!(
        b.next().await.unwrap().unwrap().body_text(),
        Some("hello bob")
    );
    // Each side's peer is the other's certificate.
    let (a_peer, b_peer) = (
        a.info().peer.clone().unwrap(),
        b.info().peer.clone().unwrap(),
    );
    assert_eq!(a_peer.certificate_sha256, Some(digest(&bob_id)));
    assert_eq!(b_peer.certificate_sha256, Some(digest(&alice_id)));
    for i in 0..100 {
        a.send(Message::text(format!("m{i}"))).await.unwrap();
    }
    for i in 0..100 {
        assert_eq!(
            b.next().await.unwrap().unwrap().body_text().unwrap(),
            format!("m{i}")
        );
    }
    // Closing one side ends the other's stream cleanly: close_notify, not an error.
    a.close().await.unwrap();
    assert!(b.next().await.is_none(), "the stream ends without an error");
}

#[tokio::test]
async fn offerer_passive_answerer_connects() {
    exchange(SetupPreference::Either, Role::Passive).await;
}

#[tokio::test]
async fn offerer_connects_answerer_passive() {
    exchange(SetupPreference::Active, Role::Active).await;
}

#[tokio::test]
async fn endpoint_close_sends_close_notify_before_returning() {
    let (alice, _) = endpoint();
    let (bob, _) = endpoint();
    let (mut a, mut b) = pair(&alice, &bob, cpim_tls(), AnswerOptions::default()).await;
    a.send(Message::text("last")).await.unwrap();
    drop(a);
    // The session is gone but its connection lingers for reuse; an application about to exit
    // closes the endpoint, which shuts every connection down cleanly before returning.
    assert_eq!(alice.close().await, Ok(1));
    assert_eq!(b.next().await.unwrap().unwrap().body_text(), Some("last"));
    assert!(
        b.next().await.is_none(),
        "bob sees a clean close_notify, not an error"
    );
    assert_eq!(alice.stats().open_connections, 0);
}

/// RFC 8122 allows `a=fingerprint` at session level; both sides find it there.
#[tokio::test]
async fn session_level_fingerprints_authenticate_too() {
    let (alice, _) = endpoint();
    let (bob, _) = endpoint();
    let to_session_level = |sdp: &imsession::sdp::SessionDescription| {
        let text = sdp.to_string();
        let fp = text
            .lines()
            .find(|l| l.starts_with("a=fingerprint:"))
            .unwrap()
            .to_owned();
        let mut out = String::new();
        for line in text.lines().filter(|l| *l != fp) {
            out.push_str(line);
            out.push_str("\r\n");
            if line.starts_with("t=") {
                out.push_str(&fp);
                out.push_str("\r\n");
            }
        }
        let moved = imsession::sdp::SessionDescription::parse(&out).unwrap();
        assert_eq!(moved.media()[0].fingerprints().count(), 0, "{out}");
        moved
    };
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    let answer = bob
        .answer(&to_session_level(&pending.sdp), &AnswerOptions::default())
        .await
        .unwrap();
    let sel = alice
        .complete(&pending, &to_session_level(&answer.sdp))
        .unwrap()
        .remove(0);
    let (a, b) = tokio::join!(
        alice.establish(sel),
        bob.establish(answer.selections[0].clone())
    );
    let (mut a, mut b) = (a.unwrap(), b.unwrap());
    b.send(Message::text("from bob")).await.unwrap();
    assert_eq!(
        a.next().await.unwrap().unwrap().body_text(),
        Some("from bob")
    );
    a.send(Message::text("from alice")).await.unwrap();
    assert_eq!(
        b.next().await.unwrap().unwrap().body_text(),
        Some("from alice")
    );
}
