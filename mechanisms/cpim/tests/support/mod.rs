//! Shared set-up for the end-to-end tests: two endpoints on loopback.

#![allow(dead_code, unreachable_pub)]

use imsession::{AnswerOptions, Endpoint, Limits, MediaOptions, Negotiator, ProtoToken, Session};
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
