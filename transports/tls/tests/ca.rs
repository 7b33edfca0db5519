//! Certificate-authority mode, for deployments with public certificates: chains verified to a
//! root store and the server's name checked, no `a=fingerprint` needed.

mod support;

use std::net::{IpAddr, Ipv4Addr};

use futures::StreamExt;
use imsession::{AnswerOptions, Endpoint, Message, SessionError, TransportError};
use imsession_tcp::TcpTransport;
use imsession_tls::{Identity, RootCertStore, ServerName, TlsTransport};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use support::*;

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    roots: RootCertStore,
}

impl Ca {
    fn new(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![]).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(cert.der().clone()).unwrap();
        Self {
            issuer: Issuer::new(params, key),
            roots,
        }
    }

    /// A leaf for `name` and 127.0.0.1, usable as server and as client.
    fn issue(&self, name: &str) -> Identity {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Identity::new(
            vec![cert.der().clone()],
            imsession_tls::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
        .unwrap()
    }
}

fn ca_endpoint(identity: Identity, roots: &RootCertStore, name: Option<&'static str>) -> Endpoint {
    let mut t = TlsTransport::with_roots(TcpTransport::new(), identity, roots.clone()).unwrap();
    if let Some(name) = name {
        t = t.server_name(ServerName::try_from(name).unwrap());
    }
    Endpoint::new(negotiator(t))
}

/// Negotiates with every `a=fingerprint` removed from both descriptions, then establishes.
async fn establish_without_fingerprints(
    alice: &Endpoint,
    bob: &Endpoint,
) -> (
    Result<imsession::Session, SessionError>,
    Result<imsession::Session, SessionError>,
) {
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    let offer = without_fingerprint(&pending.sdp);
    let answer = bob.answer(&offer, &AnswerOptions::default()).await.unwrap();
    let sel = alice
        .complete(&pending, &without_fingerprint(&answer.sdp))
        .unwrap()
        .remove(0);
    tokio::join!(
        alice.establish(sel),
        bob.establish(answer.selections[0].clone())
    )
}

fn refusal(result: Result<imsession::Session, SessionError>) -> String {
    match result {
        Err(SessionError::Transport(TransportError::IdentityMismatch(m))) => m,
        Err(other) => panic!("expected an identity refusal, got {other:?}"),
        Ok(_) => panic!("expected an identity refusal, got a session"),
    }
}

#[tokio::test]
async fn accepts_a_chain_to_a_known_root_without_fingerprints() {
    let ca = Ca::new("test root");
    let alice_id = ca.issue("alice.example");
    let alice = ca_endpoint(alice_id.clone(), &ca.roots, None);
    let bob = ca_endpoint(ca.issue("bob.example"), &ca.roots, None);
    let (a, b) = establish_without_fingerprints(&alice, &bob).await;
    let (mut a, mut b) = (a.unwrap(), b.unwrap());
    b.send(Message::text("over a verified chain"))
        .await
        .unwrap();
    assert_eq!(
        a.next().await.unwrap().unwrap().body_text(),
        Some("over a verified chain")
    );
    assert_eq!(
        b.info().peer.as_ref().unwrap().certificate_sha256,
        Some(digest(&alice_id))
    );
}

#[tokio::test]
async fn checks_the_configured_server_name() {
    let ca = Ca::new("test root");
    let alice = ca_endpoint(ca.issue("alice.example"), &ca.roots, None);
    let bob = ca_endpoint(ca.issue("bob.example"), &ca.roots, Some("alice.example"));
    let (_, b) = establish_without_fingerprints(&alice, &bob).await;
    b.unwrap();
    let impostor = ca_endpoint(ca.issue("bob.example"), &ca.roots, Some("carol.example"));
    let (_, b) = establish_without_fingerprints(&alice, &impostor).await;
    let msg = refusal(b);
    assert!(msg.contains("invalid peer certificate"), "{msg}");
}

#[tokio::test]
async fn refuses_a_server_chain_to_an_unknown_root() {
    let (known, unknown) = (Ca::new("known root"), Ca::new("unknown root"));
    let alice = ca_endpoint(unknown.issue("alice.example"), &known.roots, None);
    let bob = ca_endpoint(known.issue("bob.example"), &known.roots, None);
    let (_, b) = establish_without_fingerprints(&alice, &bob).await;
    let msg = refusal(b);
    assert!(msg.contains("UnknownIssuer"), "{msg}");
}

#[tokio::test]
async fn refuses_a_client_chain_to_an_unknown_root() {
    let (known, unknown) = (Ca::new("known root"), Ca::new("unknown root"));
    let alice = ca_endpoint(known.issue("alice.example"), &known.roots, None);
    let bob = ca_endpoint(unknown.issue("bob.example"), &known.roots, None);
    let (_, b) = establish_without_fingerprints(&alice, &bob).await;
    // In TLS 1.3 the client may finish before the server has judged its certificate: the
    // refusal then arrives as an alert on the first read.
    match b {
        Err(e) => assert!(
            matches!(
                &e,
                SessionError::Transport(TransportError::IdentityMismatch(_))
            ),
            "{e:?}"
        ),
        Ok(mut b) => {
            let next = b.next().await;
            assert!(matches!(next, Some(Err(_))), "{next:?}");
        }
    }
    assert_eq!(alice.stats().connections_accepted, 0);
}

#[tokio::test]
async fn fingerprints_when_present_are_checked_too() {
    let ca = Ca::new("test root");
    let alice = ca_endpoint(ca.issue("alice.example"), &ca.roots, None);
    let bob = ca_endpoint(ca.issue("bob.example"), &ca.roots, None);
    let other = Identity::self_signed().unwrap();
    let pending = alice.offer(&[cpim_tls()]).await.unwrap();
    let offer = with_fingerprint(&pending.sdp, other.fingerprint());
    let answer = bob.answer(&offer, &AnswerOptions::default()).await.unwrap();
    let msg = refusal(bob.establish(answer.selections[0].clone()).await);
    assert!(msg.contains(&other.fingerprint().to_string()), "{msg}");
}
