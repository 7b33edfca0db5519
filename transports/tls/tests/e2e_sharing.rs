//! Connection sharing over TLS is keyed by the peer's certificate as well as its address; and
//! fingerprints of every supported hash function authenticate a peer.

mod support;

use futures::StreamExt;
use imsession::sdp::{ConnectionMode, HashFunction};
use imsession::{AnswerOptions, Message, SessionError, TransportError};
use imsession_tls::{Identity, fingerprint};
use support::*;

#[tokio::test]
async fn two_tls_sessions_share_one_connection() {
    let (alice, _) = endpoint();
    let (bob, _) = endpoint();
    let (mut a1, mut b1) = pair(&alice, &bob, cpim_tls(), AnswerOptions::default()).await;
    let (mut a2, mut b2) = pair(
        &alice,
        &bob,
        cpim_tls().connection(ConnectionMode::Existing),
        AnswerOptions::default(),
    )
    .await;
    assert_eq!(bob.stats().connections_initiated, 1, "bob connected once");
    assert_eq!(b1.info().local_addr, b2.info().local_addr);
    for i in 0..50 {
        b1.send(Message::text(format!("1:{i}"))).await.unwrap();
        b2.send(Message::text(format!("2:{i}"))).await.unwrap();
        a1.send(Message::text(format!("r1:{i}"))).await.unwrap();
        a2.send(Message::text(format!("r2:{i}"))).await.unwrap();
    }
    for i in 0..50 {
        for (s, tag) in [
            (&mut a1, "1"),
            (&mut a2, "2"),
            (&mut b1, "r1"),
            (&mut b2, "r2"),
        ] {
            let m = s.next().await.unwrap().unwrap();
            assert_eq!(m.body_text().unwrap(), format!("{tag}:{i}"));
        }
    }
    // Both sessions have heard from each other, so alice's accept is complete too.
    assert_eq!(alice.stats().connections_accepted, 1, "alice accepted once");
    for s in [&alice, &bob] {
        assert_eq!(s.stats().open_connections, 1, "one connection carries both");
        assert_eq!(s.stats().unknown_session_frames, 0);
    }
    assert_eq!(a1.info().peer, a2.info().peer);
}

#[tokio::test]
async fn a_session_naming_another_certificate_does_not_share() {
    let (alice, _) = endpoint();
    let (bob, _) = endpoint();
    let (_a1, _b1) = pair(&alice, &bob, cpim_tls(), AnswerOptions::default()).await;
    // Same address and port, but the description names another certificate: bob must not
    // reuse the connection authenticated for the first one; connecting anew is refused.
    let other = Identity::self_signed().unwrap();
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    let tampered = with_fingerprint(&pending.sdp, other.fingerprint());
    let answer = bob
        .answer(&tampered, &AnswerOptions::default())
        .await
        .unwrap();
    let err = bob
        .establish(answer.selections[0].clone())
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            SessionError::Transport(TransportError::IdentityMismatch(m))
                if m.contains(&other.fingerprint().to_string())
        ),
        "{err:?}"
    );
    assert_eq!(bob.stats().connections_initiated, 1);
    assert_eq!(bob.stats().open_connections, 1);
}

/// Each side's description carries its fingerprint with `offer_hash` / `answer_hash` only:
/// the active side checks in the handshake, the passive side from the certificate it kept.
async fn exchange_with_hashes(offer_hash: HashFunction, answer_hash: HashFunction) {
    let (alice, alice_id) = endpoint();
    let (bob, bob_id) = endpoint();
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    let alice_fp = fingerprint(&offer_hash, &alice_id.certificates()[0]).unwrap();
    let offer = with_fingerprint(&pending.sdp, &alice_fp);
    let answer = bob.answer(&offer, &AnswerOptions::default()).await.unwrap();
    let bob_fp = fingerprint(&answer_hash, &bob_id.certificates()[0]).unwrap();
    let answer_sdp = with_fingerprint(&answer.sdp, &bob_fp);
    assert!(names(&answer_sdp, &bob_fp));
    let sel = alice.complete(&pending, &answer_sdp).unwrap().remove(0);
    let (a, b) = tokio::join!(
        alice.establish(sel),
        bob.establish(answer.selections[0].clone())
    );
    let (mut a, mut b) = (a.unwrap(), b.unwrap());
    b.send(Message::text("hi")).await.unwrap();
    assert_eq!(a.next().await.unwrap().unwrap().body_text(), Some("hi"));
    a.send(Message::text("hi back")).await.unwrap();
    assert_eq!(
        b.next().await.unwrap().unwrap().body_text(),
        Some("hi back")
    );
}

#[tokio::test]
async fn sha384_and_sha512_fingerprints() {
    exchange_with_hashes(HashFunction::Sha384, HashFunction::Sha512).await;
}

#[tokio::test]
async fn sha1_fingerprints() {
    exchange_with_hashes(HashFunction::Sha1, HashFunction::Sha1).await;
}
