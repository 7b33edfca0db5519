//! The shared transport suite (imsession-conformance) for SCTP over UDP. The suite reads and
//! writes each association's sub-stream 0 as its byte stream. The mechanism suite runs over
//! SCTP, with the default timeouts, from mechanisms/cpim/tests/conformance.rs.

use std::time::Duration;

use imsession_conformance::TransportSuite;
use imsession_sctp::{Rto, SctpTransport};

/// Retransmission timeouts for loopback. A closed UDP port answers only with ICMP, which a
/// stack must not rely on (RFC 6951 §4.5), so connecting to one fails when the INIT
/// retransmissions run out (RFC 4960 Max.Init.Retransmits, 8): about 7 s with these, and
/// about 5.5 min with the default RTO, longer than the `refused` case waits.
const LOOPBACK_RTO: Rto = Rto {
    initial: Duration::from_millis(200),
    min: Duration::from_millis(200),
    max: Duration::from_secs(1),
};

#[tokio::test(flavor = "multi_thread")]
async fn sctp_passes_the_transport_suite() {
    TransportSuite::new(|| SctpTransport::new().with_rto(LOOPBACK_RTO))
        .run()
        .await
        .assert_passed();
}
