//! Shared set-up for the TLS tests: endpoints on loopback with cpim over TLS over TCP.

#![allow(dead_code, unreachable_pub, unused_imports)]

use imsession::sdp::{Attribute, Fingerprint, SessionDescription};
use imsession::{Endpoint, MediaOptions, Negotiator, ProtoToken};
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

/// One established session between two endpoints.
pub use imsession::testing::pair;

/// The SHA-256 digest of `identity`'s certificate, as a `PeerIdentity` holds it.
pub fn digest(identity: &Identity) -> [u8; 32] {
    identity.fingerprint().value.clone().try_into().unwrap()
}
