//! Shared set-up for the end-to-end tests: two endpoints on loopback.

#![allow(dead_code, unreachable_pub, unused_imports)]

use imsession::{Endpoint, Limits, MediaOptions, Negotiator, ProtoToken, Session};
use imsession_cpim::CpimMechanism;
use imsession_tcp::TcpTransport;

/// cpim over TCP with default limits.
pub fn negotiator() -> Negotiator {
    negotiator_with(Limits::default())
}

/// Parses a description, showing it when it does not parse.
pub fn parse(text: &str) -> imsession::sdp::SessionDescription {
    imsession::sdp::SessionDescription::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// cpim over TCP with these limits.
pub fn negotiator_with(limits: Limits) -> Negotiator {
    Negotiator::builder()
        .mechanism(CpimMechanism::new())
        .transport(TcpTransport::new())
        .limits(limits)
        .build()
}

pub fn endpoints() -> (Endpoint, Endpoint) {
    (Endpoint::new(negotiator()), Endpoint::new(negotiator()))
}

pub fn cpim_tcp() -> MediaOptions {
    MediaOptions::new(ProtoToken::parse("cpim/tcp").unwrap())
}

/// One established session between two endpoints.
pub use imsession::testing::pair;

/// The error `complete` returns for `answer`; fails the test if it completes.
pub fn complete_err(
    n: &Negotiator,
    pending: &imsession::PendingOffer,
    answer: &imsession::sdp::SessionDescription,
) -> imsession::NegotiationError {
    match n.complete(pending, answer) {
        Ok(s) => panic!("completed unexpectedly: {s:?}"),
        Err(e) => e,
    }
}

/// cpim over `transport` (for example a fault-injecting wrapper) with these limits.
pub fn negotiator_over(transport: impl imsession::Transport, limits: Limits) -> Negotiator {
    Negotiator::builder()
        .mechanism(CpimMechanism::new())
        .transport(transport)
        .limits(limits)
        .build()
}

/// One cpim frame as a scripted (or hostile) peer writes it.
pub fn raw_frame(to: &str, from: &str, msg_id: u64, text: &str) -> Vec<u8> {
    let inner = format!(
        "From: <{from}>\r\nTo: <{to}>\r\nMsgID: {msg_id}\r\n\r\nContent-Type: text/plain\r\n\r\n{text}"
    );
    format!(
        "Content-Type: message/cpim\r\nContent-Length: {}\r\n\r\n{inner}",
        inner.len()
    )
    .into_bytes()
}

/// An answer from a scripted peer named `peer_uri` that connects (`a=setup:active`).
pub fn scripted_answer(peer_uri: &str) -> imsession::sdp::SessionDescription {
    parse(&format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message 9 cpim/tcp text/plain\r\na=setup:active\r\na=uri:{peer_uri}\r\n"
    ))
}

/// `endpoint` offers one cpim/tcp session and completes it with a scripted peer's answer, so
/// it waits passively for `peer_uri` to connect. Returns the session, our URI and the port the
/// peer must connect to.
pub async fn scripted_session(endpoint: &Endpoint, peer_uri: &str) -> (Session, String, u16) {
    let pending = endpoint.offer(&[cpim_tcp()]).await.unwrap();
    let m = &pending.sdp.media()[0];
    let (port, uri) = (m.port, m.uri().unwrap().to_owned());
    let sel = endpoint
        .complete(&pending, &scripted_answer(peer_uri))
        .unwrap()
        .remove(0);
    (endpoint.establish(sel).await.unwrap(), uri, port)
}

/// Waits (at most 10 s) until `check` holds; panics with `what` otherwise.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never happened: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}
