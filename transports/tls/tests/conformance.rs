//! The shared transport suite (imsession-conformance) for TLS over TCP, each side with its own
//! self-signed certificate, checked against the fingerprint its peer's media section carries.
//! The mechanism suite runs over TLS from mechanisms/cpim/tests/conformance.rs.

use imsession_conformance::TransportSuite;
use imsession_tcp::TcpTransport;
use imsession_tls::{Identity, TlsTransport};

/// A TLS transport with a fresh certificate: the suite makes one per side, as two peers are.
fn tls() -> TlsTransport<TcpTransport> {
    let identity = Identity::self_signed().expect("a self-signed certificate");
    TlsTransport::new(TcpTransport::new(), identity)
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_passes_the_transport_suite() {
    TransportSuite::new(tls).run().await.assert_passed();
}
