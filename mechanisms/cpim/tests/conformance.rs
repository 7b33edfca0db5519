//! The shared mechanism suite (imsession-conformance) for cpim, over every built-in transport:
//! TCP, TLS over TCP (each endpoint with its own self-signed certificate) and SCTP over UDP.

use imsession_conformance::MechanismSuite;
use imsession_cpim::CpimMechanism;
use imsession_sctp::SctpTransport;
use imsession_tcp::TcpTransport;

/// TLS over TCP with a fresh certificate: the suite makes one per endpoint, as two peers are.
fn tls() -> imsession_tls::TlsTransport<TcpTransport> {
    let identity = imsession_tls::Identity::self_signed().expect("a self-signed certificate");
    imsession_tls::TlsTransport::new(TcpTransport::new(), identity)
}

#[tokio::test(flavor = "multi_thread")]
async fn cpim_passes_the_mechanism_suite() {
    MechanismSuite::new(CpimMechanism::new)
        .transport(TcpTransport::new)
        .transport(tls)
        .transport(SctpTransport::new)
        // cpimmsg-sessions §6.3: a receiver confirms when the sender listed this type.
        .delivery_reports(&[imsession_cpim::codec::DELIVERY_STATUS_TYPE])
        .run()
        .await
        .assert_passed();
}

/// cpim over `transport`, for the SDP vectors.
fn negotiator(transport: impl imsession::Transport) -> imsession::Negotiator {
    imsession::Negotiator::builder()
        .mechanism(CpimMechanism::new())
        .transport(transport)
        .build()
}

#[test]
fn every_vector_holds() {
    use imsession_conformance::vectors;
    let dir = vectors::dir("sdp");
    let sdp = |n, transport, proto| vectors::sdp::check_all(&dir, &n, transport, proto);
    let tcp = sdp(negotiator(TcpTransport::new()), "tcp", "cpim/tcp");
    let over_tls = sdp(negotiator(tls()), "tls", "cpim/tls");
    let sctp = sdp(negotiator(SctpTransport::new()), "sctp", "cpim/sctp");
    let cpim = vectors::cpim::check_all().unwrap();
    let framing = vectors::framing::check_all().unwrap();
    // Counted, so that vectors that stop loading or stop applying fail here. Over tls and
    // sctp: the proto's own example and the two every answerer must refuse.
    assert_eq!(tcp, Ok(12), "sdp offers run over tcp");
    assert_eq!(
        (over_tls, sctp),
        (Ok(3), Ok(3)),
        "sdp offers run over tls, sctp"
    );
    assert_eq!((cpim, framing), (16, 10), "cpim and framing vectors");
}
