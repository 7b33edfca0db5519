//! Closing is clean: close_notify both ways and no connection reset, even when the client
//! never read anything (a TLS 1.3 server that sent session tickets would leave them unread in
//! the client's socket, and closing a socket with unread data resets the connection).

mod support;

use std::io::ErrorKind;

use imsession::sdp::{Attribute, MediaDescription};
use imsession::{Connection, ConnectionIo, Target, Transport};
use imsession_tls::Identity;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A connected client and the server's accepted connection, both through `TlsTransport`.
async fn connected() -> (Connection, Connection) {
    let server_id = Identity::self_signed().unwrap();
    let server = tls(server_id.clone());
    let client = tls(Identity::self_signed().unwrap());
    let listener = server.listen("127.0.0.1", 0).await.unwrap();
    let port = listener.local_addr().port();
    let mut media = MediaDescription::new("message", port, "cpim/tls", vec![]);
    media.push_attribute(Attribute::Fingerprint(server_id.fingerprint().clone()));
    let target = Target {
        host: "127.0.0.1".into(),
        port,
        media,
    };
    let (c, s) = tokio::join!(client.connect(&target), async {
        listener.accept().await.unwrap().await
    });
    (c.unwrap(), s.unwrap())
}

fn stream(c: Connection) -> Box<dyn imsession::ByteStream> {
    match c.io {
        ConnectionIo::Stream(s) => s,
        _ => unreachable!("tls yields a byte stream"),
    }
}

#[tokio::test]
async fn a_client_that_never_reads_closes_without_a_reset() {
    let (client, server) = connected().await;
    let (mut client, mut server) = (stream(client), stream(server));
    client.write_all(b"last words").await.unwrap();
    // close_notify, FIN, and the socket closed, without ever reading.
    client.shutdown().await.unwrap();
    drop(client);
    let mut got = Vec::new();
    let read = server.read_to_end(&mut got).await;
    assert!(
        read.is_ok(),
        "server read ended with {read:?}, not close_notify"
    );
    assert_eq!(got, b"last words");
    // Had the client closed with unread data (session tickets), its kernel would have reset
    // the connection and this write would fail.
    let closed = server.shutdown().await;
    assert!(
        closed.is_ok(),
        "server's close_notify failed: {closed:?} (the client reset the connection)"
    );
}

#[tokio::test]
async fn close_notify_both_ways() {
    let (client, server) = connected().await;
    let (mut client, mut server) = (stream(client), stream(server));
    server.write_all(b"from server").await.unwrap();
    client.shutdown().await.unwrap();
    let mut got = Vec::new();
    server.read_to_end(&mut got).await.unwrap();
    assert!(got.is_empty());
    server.shutdown().await.unwrap();
    // The client reads what the server sent, then a clean close_notify (an end without one is
    // an UnexpectedEof error from rustls).
    let mut got = Vec::new();
    let read = client.read_to_end(&mut got).await;
    assert!(
        !matches!(&read, Err(e) if e.kind() == ErrorKind::UnexpectedEof),
        "no close_notify from the server"
    );
    read.unwrap();
    assert_eq!(got, b"from server");
}

#[tokio::test]
async fn an_end_without_close_notify_is_reported_as_possible_truncation() {
    let (client, server) = connected().await;
    let mut server = stream(server);
    // The client vanishes without close_notify: only the TCP connection is closed.
    drop(client);
    let mut got = Vec::new();
    let err = server.read_to_end(&mut got).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    assert_eq!(
        err.to_string(),
        "peer closed the connection without tls close_notify (possibly truncated)"
    );
}
