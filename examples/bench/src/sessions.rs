//! Framework set-up through the public API only: a [`Negotiator`] with the cpim mechanism
//! and the transports, [`Endpoint`]s, offer/answer/complete, and `establish`.
//!
//! Peer A (Alice) offers, peer B (Bob) answers and, as the founding drafts' example does,
//! connects. A's sessions are passive, so each is identified by B's first frame on it: B
//! sends a `hello` on every session and A reads it before the workload starts.

use futures::StreamExt;
use imsession::sdp::SessionDescription;
use imsession::{AnswerOptions, Endpoint, Limits, MediaOptions, Message, Negotiator, ProtoToken};

use crate::peers::Link;
use crate::wire::Wire;

/// The first message on every session, from B to A.
pub const HELLO: &str = "hello";

/// cpim over TCP, with `limits`.
pub fn negotiator(limits: Limits) -> Negotiator {
    Negotiator::builder()
        .mechanism(imsession_cpim::CpimMechanism::new())
        .transport(imsession_tcp::TcpTransport::new())
        .limits(limits)
        .build()
}

/// cpim over TLS (over TCP) with a fresh self-signed identity, with `limits`.
///
/// # Panics
/// When the certificate cannot be made.
pub fn tls_negotiator(limits: Limits) -> Negotiator {
    let identity = imsession_tls::Identity::self_signed().expect("self-signed identity");
    Negotiator::builder()
        .mechanism(imsession_cpim::CpimMechanism::new())
        .transport(imsession_tls::TlsTransport::new(
            imsession_tcp::TcpTransport::new(),
            identity,
        ))
        .limits(limits)
        .build()
}

/// cpim over SCTP (user space, over UDP), with `limits`.
pub fn sctp_negotiator(limits: Limits) -> Negotiator {
    Negotiator::builder()
        .mechanism(imsession_cpim::CpimMechanism::new())
        .transport(imsession_sctp::SctpTransport::new())
        .limits(limits)
        .build()
}

/// A fresh cpim/tcp endpoint with default limits.
pub fn endpoint() -> Endpoint {
    Endpoint::new(negotiator(Limits::default()))
}

/// A fresh endpoint for `cpim/<wire>` with default limits.
pub fn endpoint_for(wire: Wire) -> Endpoint {
    match wire {
        Wire::Tcp => endpoint(),
        Wire::Tls => Endpoint::new(tls_negotiator(Limits::default())),
        Wire::Sctp => Endpoint::new(sctp_negotiator(Limits::default())),
    }
}

/// `cpim/<wire>`.
pub fn proto(wire: Wire) -> ProtoToken {
    ProtoToken::parse(&format!("cpim/{}", wire.name())).expect("valid proto token")
}

/// Peer A: offers `n` sessions (one offer each) over `wire`, completes them with B's
/// answers, establishes them, and returns them once each has read B's hello.
///
/// # Panics
/// When negotiation or establishment fails: the benchmark cannot go on.
pub async fn offer_sessions(
    ep: &Endpoint,
    wire: Wire,
    n: usize,
    link: &mut Link,
) -> Vec<imsession::Session> {
    let media = [MediaOptions::new(proto(wire))];
    let mut pending = Vec::with_capacity(n);
    let mut sdps = Vec::with_capacity(n);
    for _ in 0..n {
        let offer = ep.offer(&media).await.expect("offer");
        sdps.push(offer.sdp.to_string());
        pending.push(offer);
    }
    link.send(sdps).await;
    let answers = link.recv().await;
    let mut sessions = Vec::with_capacity(n);
    for (offer, answer) in pending.iter().zip(&answers) {
        let sdp = SessionDescription::parse(answer).expect("answer parses");
        let selection = ep.complete(offer, &sdp).expect("complete").remove(0);
        sessions.push(ep.establish(selection).await.expect("establish"));
    }
    for s in &mut sessions {
        let hello = s.next().await.expect("hello").expect("hello message");
        assert_eq!(hello.body_text(), Some(HELLO));
    }
    sessions
}

/// Peer B: answers A's offers, session `i` on endpoint `eps[i % eps.len()]` (one endpoint:
/// every session shares one connection; one endpoint per session: one connection each),
/// establishes them and sends each a hello.
///
/// # Panics
/// As [`offer_sessions`].
pub async fn answer_sessions(eps: &[Endpoint], link: &mut Link) -> Vec<imsession::Session> {
    let offers = link.recv().await;
    let opts = AnswerOptions::default();
    let mut selections = Vec::with_capacity(offers.len());
    let mut sdps = Vec::with_capacity(offers.len());
    for (i, offer) in offers.iter().enumerate() {
        let sdp = SessionDescription::parse(offer).expect("offer parses");
        let answer = eps[i % eps.len()]
            .answer(&sdp, &opts)
            .await
            .expect("answer");
        assert!(answer.rejections.is_empty(), "{:?}", answer.rejections);
        sdps.push(answer.sdp.to_string());
        selections.push(answer.selections.into_iter().next().expect("selection"));
    }
    link.send(sdps).await;
    let mut sessions = Vec::with_capacity(selections.len());
    for (i, selection) in selections.into_iter().enumerate() {
        let mut s = eps[i % eps.len()]
            .establish(selection)
            .await
            .expect("establish");
        s.send(Message::text(HELLO)).await.expect("send hello");
        sessions.push(s);
    }
    sessions
}
