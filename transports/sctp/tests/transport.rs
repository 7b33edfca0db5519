//! The transport alone: listen, connect, sub-streams both ways.

use std::future::poll_fn;
use std::net::SocketAddr;

use bytes::Bytes;
use imsession::sdp::MediaDescription;
use imsession::{Connection, ConnectionIo, SubStreams, Target, Transport};
use imsession_sctp::SctpTransport;

/// A client association (`client` connecting) and the one `server`'s listener accepted, on
/// IPv4 loopback, with the listener's address.
async fn connected(
    server: &SctpTransport,
    client: &SctpTransport,
) -> (Connection, Connection, SocketAddr) {
    let listener = server.listen("127.0.0.1", 0).await.unwrap();
    let port = listener.local_addr().port();
    let target = Target {
        host: "127.0.0.1".into(),
        port,
        media: MediaDescription::new("message", port, "cpim/sctp", vec![]),
    };
    let client = client.clone();
    let connecting = tokio::spawn(async move { client.connect(&target).await });
    let accepted = listener.accept().await.unwrap().await.unwrap();
    let connected = connecting.await.unwrap().unwrap();
    (connected, accepted, listener.local_addr())
}

/// A connection's sub-streams.
fn sub_streams(conn: Connection) -> SubStreams {
    let ConnectionIo::SubStreams(s) = conn.io else {
        panic!("sctp yields sub-streams");
    };
    s
}

/// A client association and the listener's, each as its sub-streams.
async fn associated() -> (SubStreams, SubStreams) {
    let (client, server, _) = connected(&SctpTransport::new(), &SctpTransport::new()).await;
    (sub_streams(client), sub_streams(server))
}

#[tokio::test]
async fn chunks_cross_both_ways() {
    let (client, server, listening) = connected(&SctpTransport::new(), &SctpTransport::new()).await;
    // Each end names the other's real address: the connecting socket is bound to the
    // address it sends from, not to 0.0.0.0.
    assert_eq!(server.peer.addr, client.local_addr);
    assert_eq!(client.peer.addr, listening);
    let (mut c, mut s) = (sub_streams(client), sub_streams(server));
    assert!(c.writer.streams() > 1);
    poll_fn(|cx| c.writer.poll_ready(cx)).await.unwrap();
    c.writer.send(3, Bytes::from_static(b"ping")).unwrap();
    let (id, data) = poll_fn(|cx| s.reader.poll_read(cx)).await.unwrap().unwrap();
    assert_eq!((id, &data[..]), (3, &b"ping"[..]));
    poll_fn(|cx| s.writer.poll_ready(cx)).await.unwrap();
    s.writer.send(1, Bytes::from_static(b"pong")).unwrap();
    let (id, data) = poll_fn(|cx| c.reader.poll_read(cx)).await.unwrap().unwrap();
    assert_eq!((id, &data[..]), (1, &b"pong"[..]));
    poll_fn(|cx| c.writer.poll_close(cx)).await.unwrap();
    assert!(
        poll_fn(|cx| s.reader.poll_read(cx))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn dropping_a_connection_aborts_the_association() {
    let (t, client_transport) = (SctpTransport::new(), SctpTransport::new());
    let (client, server, _) = connected(&t, &client_transport).await;
    drop(client);
    let mut s = sub_streams(server);
    let end = poll_fn(|cx| s.reader.poll_read(cx)).await;
    assert!(
        end.is_err(),
        "an abort is an error, not a clean end: {end:?}"
    );
    // Closing what the peer aborted is not a graceful close either.
    let close = poll_fn(|cx| s.writer.poll_close(cx)).await;
    assert!(close.is_err(), "{close:?}");
    assert_eq!(
        imsession_sctp::Stats::get(&client_transport.stats().aborts_sent),
        1
    );
    assert_eq!(
        imsession_sctp::Stats::get(&t.stats().aborts_sent),
        0,
        "an ABORT is not answered with one"
    );
}

/// Messages of [`UNREAD_SIZE`] bytes the peer sends before closing: far more than the
/// reader's queue (`INBOUND_QUEUE`) holds, so most wait unread in the association.
const UNREAD: usize = 200;
const UNREAD_SIZE: usize = 4096;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_acknowledged_but_unread_survive_the_peers_graceful_close() {
    let (mut c, mut s) = associated().await;
    for i in 0..UNREAD {
        poll_fn(|cx| s.writer.poll_ready(cx)).await.unwrap();
        s.writer
            .send(1, Bytes::from(vec![i as u8; UNREAD_SIZE]))
            .unwrap();
    }
    // Returns once everything is acknowledged and the SHUTDOWN has started.
    poll_fn(|cx| s.writer.poll_close(cx)).await.unwrap();
    // Let the shutdown complete (and the reader's association close) before reading. The
    // count below is exact whatever the timing; without the pause it could only pass more
    // easily.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut received = 0;
    while let Some((id, data)) = poll_fn(|cx| c.reader.poll_read(cx))
        .await
        .unwrap_or_else(|e| panic!("error after {received} messages: {e}"))
    {
        assert_eq!(id, 1);
        assert_eq!(data[..], vec![received as u8; UNREAD_SIZE][..], "in order");
        received += 1;
    }
    assert_eq!(received, UNREAD, "every message, then a clean end");
}

/// When the reader falls behind, streams are read in turn: a message on one stream does not
/// wait behind everything buffered on another (a large message in flight).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_gets_every_streams_messages_in_turn() {
    let (mut c, mut s) = associated().await;
    // Within the receive window, so all of it is buffered on the reader's side.
    for i in 0..UNREAD {
        poll_fn(|cx| s.writer.poll_ready(cx)).await.unwrap();
        s.writer
            .send(1, Bytes::from(vec![i as u8; UNREAD_SIZE]))
            .unwrap();
    }
    poll_fn(|cx| s.writer.poll_ready(cx)).await.unwrap();
    s.writer.send(2, Bytes::from_static(b"other")).unwrap();
    // The reader takes nothing meanwhile: its queue (INBOUND_QUEUE) fills with stream 1.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mut at = None;
    for i in 0..=UNREAD {
        let (id, _) = poll_fn(|cx| c.reader.poll_read(cx)).await.unwrap().unwrap();
        if id == 2 {
            at = Some(i);
        }
    }
    let at = at.expect("stream 2's message arrives");
    // After what was queued, streams alternate: stream 2's message comes at once.
    assert!(
        at <= imsession_sctp::INBOUND_QUEUE + 1,
        "stream 2's message came {at}th of {}",
        UNREAD + 1
    );
}
