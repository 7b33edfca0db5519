//! The jsonl mechanism passes the shared mechanism suite over TCP.

use imsession_conformance::MechanismSuite;
use imsession_jsonl::JsonlMechanism;

#[tokio::test(flavor = "multi_thread")]
async fn jsonl_passes_the_mechanism_suite() {
    MechanismSuite::new(JsonlMechanism::new)
        .transport(imsession_tcp::TcpTransport::new)
        .skip(
            "delivery-reports",
            "jsonl has no delivery reports: a line is sent and forgotten",
        )
        .sdp_vectors(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/sdp"))
        .run()
        .await
        .assert_passed();
}
