//! A certificate that does not match the peer's `a=fingerprint` is refused, on the active side
//! (in the handshake) and on the passive side (when the connection would be bound to the
//! session), including a certificate swapped in by a man in the middle.

mod support;

use std::time::Duration;

use futures::StreamExt;
use imsession::sdp::{Fingerprint, SessionDescription};
use imsession::{
    AnswerOptions, ConnectionIo, Endpoint, Message, SessionError, Target, Transport, TransportError,
};
use imsession_tls::Identity;
use support::*;

fn mismatch(e: &SessionError) -> &str {
    match e {
        SessionError::Transport(TransportError::IdentityMismatch(m)) => m,
        other => panic!("expected an identity mismatch, got {other:?}"),
    }
}

fn fp_text(fp: &Fingerprint) -> String {
    fp.to_string()
}

#[tokio::test]
async fn active_side_refuses_a_server_certificate_not_in_the_sdp() {
    let (alice, alice_id) = endpoint();
    let (bob, _) = endpoint();
    let other = Identity::self_signed().unwrap();
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    // The offer bob receives names another certificate than the one alice presents.
    let tampered = with_fingerprint(&pending.sdp, other.fingerprint());
    let answer = bob
        .answer(&tampered, &AnswerOptions::default())
        .await
        .unwrap();
    let err = bob
        .establish(answer.selections[0].clone())
        .await
        .unwrap_err();
    let msg = mismatch(&err);
    assert!(
        msg.contains(&fp_text(alice_id.fingerprint())),
        "found: {msg}"
    );
    assert!(
        msg.contains(&fp_text(other.fingerprint())),
        "expected: {msg}"
    );
    assert_eq!(bob.stats().open_connections, 0);
}

#[tokio::test]
async fn passive_side_refuses_a_client_certificate_not_in_the_sdp() {
    let (alice, _) = endpoint();
    let (bob, bob_id) = endpoint();
    let other = Identity::self_signed().unwrap();
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    let answer = bob
        .answer(&pending.sdp, &AnswerOptions::default())
        .await
        .unwrap();
    // The answer alice receives names another certificate than the one bob presents.
    let tampered = with_fingerprint(&answer.sdp, other.fingerprint());
    let sel = alice.complete(&pending, &tampered).unwrap().remove(0);
    let (a, b) = tokio::join!(
        alice.establish(sel),
        bob.establish(answer.selections[0].clone())
    );
    let (mut a, mut b) = (a.unwrap(), b.unwrap());
    b.send(Message::text("let me in")).await.unwrap();
    let err = a.next().await.unwrap().unwrap_err();
    let msg = mismatch(&err);
    assert!(msg.contains(&fp_text(bob_id.fingerprint())), "found: {msg}");
    assert!(
        msg.contains(&fp_text(other.fingerprint())),
        "expected: {msg}"
    );
    assert!(
        a.info().peer.is_none(),
        "never bound to the refused connection"
    );
    assert_eq!(
        alice.stats().unknown_session_frames,
        1,
        "the refused frame is counted"
    );
    // Nothing from the refused peer reaches the session.
    assert!(
        tokio::time::timeout(Duration::from_millis(100), a.next())
            .await
            .is_err()
    );
    drop(b);
}

#[tokio::test]
async fn passive_side_requires_a_fingerprint_in_the_sdp() {
    let (alice, _) = endpoint();
    let (bob, _) = endpoint();
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    let answer = bob
        .answer(&pending.sdp, &AnswerOptions::default())
        .await
        .unwrap();
    let stripped = without_fingerprint(&answer.sdp);
    let sel = alice.complete(&pending, &stripped).unwrap().remove(0);
    let (a, b) = tokio::join!(
        alice.establish(sel),
        bob.establish(answer.selections[0].clone())
    );
    let (mut a, mut b) = (a.unwrap(), b.unwrap());
    b.send(Message::text("no fingerprint")).await.unwrap();
    let msg = mismatch(&a.next().await.unwrap().unwrap_err()).to_owned();
    assert!(msg.contains("no a=fingerprint"), "{msg}");
}

#[tokio::test]
async fn active_side_requires_a_fingerprint_in_the_sdp() {
    let (alice, _) = endpoint();
    let (bob, _) = endpoint();
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    let stripped = without_fingerprint(&pending.sdp);
    let answer = bob
        .answer(&stripped, &AnswerOptions::default())
        .await
        .unwrap();
    let err = bob
        .establish(answer.selections[0].clone())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SessionError::Transport(TransportError::Config(m)) if m.contains("no a=fingerprint")),
        "{err:?}"
    );
}

/// Mallory sits between bob and alice: bob connects to mallory, mallory connects to alice with
/// its own certificate and relays the bytes. The descriptions pass through mallory too.
struct Mallory {
    id: Identity,
    port: u16,
}

impl Mallory {
    /// Listens, and relays the first connection to alice's `offer` address.
    async fn start(offer: &SessionDescription) -> Self {
        let id = Identity::self_signed().unwrap();
        let transport = tls(id.clone());
        let listener = transport.listen("127.0.0.1", 0).await.unwrap();
        let port = listener.local_addr().port();
        let media = offer.media()[0].clone();
        let alice = Target {
            host: "127.0.0.1".into(),
            port: media.port,
            media,
        };
        tokio::spawn(async move {
            let Ok(accepting) = listener.accept().await else {
                return;
            };
            let Ok(from_bob) = accepting.await else {
                return;
            };
            let Ok(to_alice) = transport.connect(&alice).await else {
                return;
            };
            let (ConnectionIo::Stream(mut x), ConnectionIo::Stream(mut y)) =
                (from_bob.io, to_alice.io)
            else {
                return;
            };
            let _ = tokio::io::copy_bidirectional(&mut x, &mut y).await;
        });
        Self { id, port }
    }

    /// `offer` as mallory forwards it to bob: mallory's address, and optionally its
    /// certificate.
    fn forward(&self, offer: &SessionDescription, swap_fingerprint: bool) -> SessionDescription {
        let text = offer.to_string().replace(
            &format!("m=message {} ", offer.media()[0].port),
            &format!("m=message {} ", self.port),
        );
        let sdp = SessionDescription::parse(&text).unwrap();
        if swap_fingerprint {
            with_fingerprint(&sdp, self.id.fingerprint())
        } else {
            sdp
        }
    }
}

async fn through_mallory(
    swap: bool,
) -> (
    Endpoint,
    Endpoint,
    Mallory,
    Result<(imsession::Session, imsession::Session), SessionError>,
) {
    let (alice, _) = endpoint();
    let (bob, _) = endpoint();
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    let mallory = Mallory::start(&pending.sdp).await;
    let forwarded = mallory.forward(&pending.sdp, swap);
    let answer = bob
        .answer(&forwarded, &AnswerOptions::default())
        .await
        .unwrap();
    let sel = alice.complete(&pending, &answer.sdp).unwrap().remove(0);
    let (a, b) = tokio::join!(
        alice.establish(sel),
        bob.establish(answer.selections[0].clone())
    );
    let result = match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    (alice, bob, mallory, result)
}

#[tokio::test]
async fn man_in_the_middle_keeping_the_fingerprint_is_refused_by_the_active_side() {
    let (_alice, _bob, mallory, result) = through_mallory(false).await;
    let err = result.unwrap_err();
    let msg = mismatch(&err);
    assert!(msg.contains(&fp_text(mallory.id.fingerprint())), "{msg}");
}

#[tokio::test]
async fn man_in_the_middle_swapping_the_fingerprint_is_refused_by_the_passive_side() {
    // Mallory rewrites the offer's fingerprint, so bob accepts mallory's certificate; but
    // alice checks the certificate on her side against bob's answer, which mallory did not
    // (or could not) rewrite.
    let (alice, _bob, mallory, result) = through_mallory(true).await;
    let (mut a, mut b) = result.unwrap();
    b.send(Message::text("secret")).await.unwrap();
    let err = a.next().await.unwrap().unwrap_err();
    let msg = mismatch(&err);
    assert!(msg.contains(&fp_text(mallory.id.fingerprint())), "{msg}");
    assert!(a.info().peer.is_none());
    assert_eq!(alice.stats().unknown_session_frames, 1);
}
