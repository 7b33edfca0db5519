//! The raw-SCTP baseline's connection: the `imsession-sctp` transport on its own, without the
//! framework, sub-stream 0 seen as a byte stream (the conformance suite's
//! [`SubStreamIo`]) so the same length-prefixed codec as the TCP and TLS baselines runs over
//! it.

use std::future::poll_fn;

use imsession::sdp::MediaDescription;
use imsession::{ConnectionIo, SubStreams, Target, Transport};
use imsession_conformance::transport::SubStreamIo;
use imsession_sctp::SctpTransport;

use crate::peers::Link;
use crate::wire::LOOPBACK;

fn sub_streams(io: ConnectionIo) -> SubStreams {
    let ConnectionIo::SubStreams(s) = io else {
        panic!("an SCTP connection carries sub-streams");
    };
    s
}

/// Peer A's end: listens on loopback, tells B the port, accepts an association.
///
/// # Panics
/// On any failure: a benchmark cannot go on without its connection.
pub async fn accept(link: &Link) -> SubStreamIo {
    let listener = SctpTransport::new()
        .listen(LOOPBACK, 0)
        .await
        .expect("sctp listen");
    let port = listener.local_addr().port();
    link.send(vec![port.to_string()]).await;
    let conn = listener
        .accept()
        .await
        .expect("sctp accept")
        .await
        .expect("sctp handshake");
    SubStreamIo::new(sub_streams(conn.io))
}

/// Peer B's end: associates with the port A sent, and waits until the association is up.
///
/// # Panics
/// As [`accept`].
pub async fn connect(link: &mut Link) -> SubStreamIo {
    let port: u16 = link.recv().await[0].parse().expect("port");
    let target = Target {
        host: LOOPBACK.to_owned(),
        port,
        media: MediaDescription::new("message", port, "cpim/sctp", vec![]),
    };
    let conn = SctpTransport::new()
        .connect(&target)
        .await
        .expect("sctp connect");
    let mut s = sub_streams(conn.io);
    poll_fn(|cx| s.writer.poll_ready(cx))
        .await
        .expect("association up");
    SubStreamIo::new(s)
}
