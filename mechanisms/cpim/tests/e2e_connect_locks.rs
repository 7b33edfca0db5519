//! Connects lock per target: a peer whose listener never completes the TCP handshake delays
//! no connect to anyone else.

mod support;

use std::time::Duration;

use futures::StreamExt;
use imsession::{AnswerOptions, Endpoint, Message};
use support::*;
use tokio::net::{TcpSocket, TcpStream};

/// A listener that never completes another handshake: its accept queue (backlog 0) is full
/// and nobody accepts, so the kernel drops further SYNs. Returns it, what fills it, and its
/// port.
async fn stalling_listener() -> (tokio::net::TcpListener, Vec<TcpStream>, u16) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut fillers = Vec::new();
    loop {
        let connect = TcpStream::connect(("127.0.0.1", port));
        match tokio::time::timeout(Duration::from_millis(300), connect).await {
            Ok(stream) => fillers.push(stream.unwrap()),
            Err(_) => break,
        }
        assert!(fillers.len() < 16, "the accept queue never filled");
    }
    (listener, fillers, port)
}

fn offer_from(port: u16) -> imsession::sdp::SessionDescription {
    parse(&format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=message {port} cpim/tcp text/plain\r\na=setup:passive\r\na=uri:im:stalled@127.0.0.1\r\n"
    ))
}

#[tokio::test]
async fn a_stalled_connect_does_not_hold_up_another_target() {
    let (_listener, _fillers, port) = stalling_listener().await;
    let alice = Endpoint::new(negotiator_with(
        imsession::Limits::default().with_handshake_timeout(Duration::from_secs(20)),
    ));
    let bob = Endpoint::new(negotiator());

    // Alice answers an offer from the stalled peer: she connects, and the connect hangs.
    let answer = alice
        .answer(&offer_from(port), &AnswerOptions::default())
        .await
        .unwrap();
    let stalled_alice = alice.clone();
    let mut stalled =
        tokio::spawn(async move { stalled_alice.establish(answer.selections[0].clone()).await });
    // Give the stalled connect time to start (if it has not, the test passes vacuously).
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Meanwhile alice answers bob and connects to him.
    let fast = pair(&bob, &alice, cpim_tcp(), AnswerOptions::default());
    let (mut a, mut b) = tokio::select! {
        (b, a) = fast => (a, b),
        result = &mut stalled => panic!("the stalled connect ended first: {result:?}"),
    };
    a.send(Message::text("not held up")).await.unwrap();
    assert_eq!(
        b.next().await.unwrap().unwrap().body_text(),
        Some("not held up")
    );
    assert!(
        !stalled.is_finished(),
        "the stalled connect is still waiting"
    );
    stalled.abort();
}
