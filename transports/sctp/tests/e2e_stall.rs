//! The hub's reader limits hold on SCTP sub-streams as on a byte stream: a peer that stops
//! midway through a frame is disconnected after `Limits::frame_timeout`, and the hit counted.

mod support;

use std::future::poll_fn;
use std::time::Duration;

use bytes::Bytes;
use imsession::{AnswerOptions, ConnectionIo, Limit, Limits, Target, Transport};
use imsession_sctp::SctpTransport;
use support::*;

/// Short, so the test is quick; the stall lasts many times longer.
const FRAME_TIMEOUT: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_frame_stalled_on_a_sub_stream_ends_the_connection_after_the_frame_timeout() {
    let limits = Limits::default().with_frame_timeout(FRAME_TIMEOUT);
    let (alice, bob) = endpoints_on("127.0.0.1", limits);
    // Alice offers to connect; Bob answers and listens. Alice's side is played by hand.
    let offer = alice.offer(&[cpim_sctp()]).await.unwrap();
    let answer = bob
        .answer(&offer.sdp, &AnswerOptions::default())
        .await
        .unwrap();
    let port = answer.sdp.media()[0].port;
    let target = Target {
        host: "127.0.0.1".into(),
        port,
        media: answer.sdp.media()[0].clone(),
    };
    let conn = SctpTransport::new().connect(&target).await.unwrap();
    let ConnectionIo::SubStreams(mut io) = conn.io else {
        panic!("sctp yields sub-streams");
    };
    // An envelope announcing 100 bytes, then only a few of them, on sub-stream 3.
    let partial = "Content-Type: message/cpim\r\nContent-Length: 100\r\n\r\nFrom: <im:a@x>\r\n";
    poll_fn(|cx| io.writer.poll_ready(cx)).await.unwrap();
    io.writer
        .send(3, Bytes::from_static(partial.as_bytes()))
        .unwrap();
    // Bob fails the connection (an ABORT, or a shutdown) once the frame timeout passes.
    let end = tokio::time::timeout(
        Duration::from_secs(10),
        poll_fn(|cx| io.reader.poll_read(cx)),
    )
    .await
    .expect("bob ends the association");
    assert!(!matches!(end, Ok(Some(_))), "nothing is sent back: {end:?}");
    assert_eq!(bob.stats().limit_hits.get(Limit::FrameTimeout), 1);
}
