//! The shared mechanism suite (imsession-conformance) for cpim, over every built-in transport.
//! TLS and SCTP join with one `.transport(...)` line each when their crates are registered.

use imsession_conformance::MechanismSuite;
use imsession_cpim::CpimMechanism;

#[tokio::test(flavor = "multi_thread")]
async fn cpim_passes_the_mechanism_suite() {
    MechanismSuite::new(CpimMechanism::new)
        .transport(imsession_tcp::TcpTransport::new)
        // cpimmsg-sessions §6.3: a receiver confirms when the sender listed this type.
        .delivery_reports(&[imsession_cpim::codec::DELIVERY_STATUS_TYPE])
        .run()
        .await
        .assert_passed();
}

#[test]
fn every_cpim_vector_holds() {
    let cpim = imsession_conformance::vectors::cpim::check_all().unwrap();
    let framing = imsession_conformance::vectors::framing::check_all().unwrap();
    assert!(
        cpim >= 10 && framing >= 5,
        "{cpim} cpim, {framing} framing vectors"
    );
}
