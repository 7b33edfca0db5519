//! Shared set-up for the TLS tests: endpoints on loopback with cpim over TLS over TCP.

#![allow(dead_code, unreachable_pub)]

use imsession::sdp::{Attribute, Fingerprint, SessionDescription};
use imsession::{AnswerOptions, Endpoint, MediaOptions, Negotiator, ProtoToken, Session};
use imsession_cpim::CpimMechanism;
use imsession_tcp::TcpTransport;
use imsession_tls::{Identity, TlsTransport};

/// A TLS transport over TCP with `identity`, fingerprint mode.
pub fn tls(identity: Identity) -> TlsTransport<TcpTransport> {
    TlsTransport::new(TcpTransport::new(), identity)
}

/// cpim over `transport`.
pub fn negotiator(transport: TlsTransport<TcpTransport>) -> Negotiator {
    Negotiator::builder()
        .mechanism(CpimMechanism::new())
        .transport(transport)
        .build()
}

/// An endpoint with a fresh self-signed identity; returns the identity too.
pub fn endpoint() -> (Endpoint, Identity) {
    let id = Identity::self_signed().unwrap();
    (Endpoint::new(negotiator(tls(id.clone()))), id)
}

pub fn cpim_tls() -> MediaOptions {
    MediaOptions::new(ProtoToken::parse("cpim/tls").unwrap())
}

/// The `a=fingerprint` values of the first m-line.
pub fn fingerprints(sdp: &SessionDescription) -> Vec<Fingerprint> {
    sdp.media()[0].fingerprints().cloned().collect()
}

/// `sdp` with the first m-line's `a=fingerprint` replaced by `fp` (a tampered description).
pub fn with_fingerprint(sdp: &SessionDescription, fp: &Fingerprint) -> SessionDescription {
    let mut text = String::new();
    for line in sdp.to_string().lines() {
        if line.starts_with("a=fingerprint:") {
            text.push_str(&format!("a=fingerprint:{fp}\r\n"));
        } else {
            text.push_str(line);
            text.push_str("\r\n");
        }
    }
    SessionDescription::parse(&text).unwrap()
}

/// `sdp` without any `a=fingerprint`.
pub fn without_fingerprint(sdp: &SessionDescription) -> SessionDescription {
    let text: String = sdp
        .to_string()
        .lines()
        .filter(|l| !l.starts_with("a=fingerprint:"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    SessionDescription::parse(&text).unwrap()
}

/// Whether `media` names `fp`.
pub fn names(sdp: &SessionDescription, fp: &Fingerprint) -> bool {
    sdp.media()[0]
        .attributes()
        .any(|a| matches!(a, Attribute::Fingerprint(f) if f == fp))
}

/// Negotiates one session from `alice` (offerer) to `bob` and establishes both ends.
pub async fn pair(
    alice: &Endpoint,
    bob: &Endpoint,
    offer: MediaOptions,
    answer: AnswerOptions,
) -> (Session, Session) {
    let pending = alice.offer(&[offer]).await.unwrap();
    let ans = bob.answer(&pending.sdp, &answer).await.unwrap();
    assert!(ans.rejections.is_empty(), "{:?}", ans.rejections);
    let sel = alice.complete(&pending, &ans.sdp).unwrap().remove(0);
    let (a, b) = tokio::join!(
        alice.establish(sel),
        bob.establish(ans.selections[0].clone())
    );
    (a.unwrap(), b.unwrap())
}

/// The SHA-256 digest of `identity`'s certificate, as a `PeerIdentity` holds it.
pub fn digest(identity: &Identity) -> [u8; 32] {
    identity.fingerprint().value.clone().try_into().unwrap()
}
