//! The shared transport suite (imsession-conformance) for TCP. The mechanism suite runs over
//! TCP from each mechanism's own test file (mechanisms/cpim/tests/conformance.rs).

use imsession_conformance::TransportSuite;
use imsession_tcp::TcpTransport;

#[tokio::test(flavor = "multi_thread")]
async fn tcp_passes_the_transport_suite() {
    TransportSuite::new(TcpTransport::new)
        .run()
        .await
        .assert_passed();
}
