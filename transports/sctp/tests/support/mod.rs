//! Shared set-up: two endpoints with cpim over SCTP on loopback.

#![allow(dead_code, unreachable_pub, unused_imports)]

use imsession::negotiate::comedia::SetupPreference;
use imsession::sdp::ConnectionMode;
use imsession::{AnswerOptions, Endpoint, Limits, MediaOptions, Negotiator, ProtoToken, Session};
use imsession_cpim::CpimMechanism;
use imsession_sctp::SctpTransport;

/// cpim over SCTP with these limits.
pub fn negotiator_with(transport: SctpTransport, limits: Limits) -> Negotiator {
    Negotiator::builder()
        .mechanism(CpimMechanism::new())
        .transport(transport)
        .limits(limits)
        .build()
}

/// Two endpoints listening on `host`.
pub fn endpoints_on(host: &str, limits: Limits) -> (Endpoint, Endpoint) {
    (
        Endpoint::with_hosts(
            negotiator_with(SctpTransport::new(), limits.clone()),
            host,
            host,
        ),
        Endpoint::with_hosts(negotiator_with(SctpTransport::new(), limits), host, host),
    )
}

/// A cpim/sctp m-line whose offerer connects (so both ends bind at once).
pub fn cpim_sctp() -> MediaOptions {
    MediaOptions::new(ProtoToken::parse("cpim/sctp").unwrap()).setup(SetupPreference::Active)
}

/// Whether IPv6 loopback works here.
pub fn have_ipv6() -> bool {
    std::net::UdpSocket::bind("[::1]:0").is_ok()
}

/// One established session between two endpoints.
pub use imsession::testing::pair;

/// A second session that shares the association of the first.
pub async fn shared_pair(alice: &Endpoint, bob: &Endpoint) -> (Session, Session) {
    pair(
        alice,
        bob,
        cpim_sctp().connection(ConnectionMode::Existing),
        AnswerOptions::default(),
    )
    .await
}
