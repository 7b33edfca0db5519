//! Session isolation on shared connections: a hostile raw-TCP peer writes crafted cpim frames
//! whose From/To belong to another session, or arrive on another connection; none is ever
//! delivered to the wrong session, and each is counted.

mod support;

use std::time::Duration;

use futures::StreamExt;
use imsession::{Endpoint, Limits, Session};
use support::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const PEER1: &str = "im:peer-one@127.0.0.1";
const PEER2: &str = "im:peer-two@127.0.0.1";
const GRACE: Duration = Duration::from_millis(100);

async fn next_text(session: &mut Session) -> String {
    let m = session.next().await.unwrap().unwrap();
    m.body_text().unwrap().to_owned()
}

async fn texts(session: &mut Session) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(m) = session.next().await {
        out.push(m.unwrap().body_text().unwrap().to_owned());
    }
    out
}

#[tokio::test]
async fn crafted_frames_never_reach_another_session() {
    let alice = Endpoint::new(negotiator_with(
        Limits::default().with_early_frame_grace(GRACE),
    ));
    let (mut s1, alice1, port) = scripted_session(&alice, PEER1).await;
    let (mut s2, alice2, _) = scripted_session(&alice, PEER2).await;

    let mut conn = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut wire = Vec::new();
    wire.extend(raw_frame(&alice1, PEER1, 1, "s1-a"));
    wire.extend(raw_frame(&alice2, PEER2, 1, "s2-a"));
    // Crossed identities: each pair names one end of each session.
    wire.extend(raw_frame(&alice1, PEER2, 2, "cross-1"));
    wire.extend(raw_frame(&alice2, PEER1, 2, "cross-2"));
    // Two To headers: the first names session 2, which has another peer.
    let two_to = String::from_utf8(raw_frame(&alice2, PEER1, 3, "two-to")).unwrap();
    let two_to = two_to.replacen("MsgID", &format!("To: <{alice1}>\r\nMsgID"), 1);
    wire.extend(fix_length(two_to.as_bytes()));
    // The same URI in another case is another identity.
    wire.extend(raw_frame(&alice1.to_uppercase(), PEER1, 4, "upper"));
    wire.extend(raw_frame(&alice1, PEER1, 5, "s1-b"));
    wire.extend(raw_frame(&alice2, PEER2, 3, "s2-b"));
    conn.write_all(&wire).await.unwrap();

    assert_eq!(next_text(&mut s1).await, "s1-a");
    assert_eq!(next_text(&mut s2).await, "s2-a");

    // A second hostile connection from the same address, once both sessions are bound to the
    // first, carrying their identities.
    let mut other = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    other
        .write_all(&raw_frame(&alice1, PEER1, 9, "other-conn-1"))
        .await
        .unwrap();
    other
        .write_all(&raw_frame(&alice2, PEER2, 9, "other-conn-2"))
        .await
        .unwrap();

    eventually("six frames counted as unknown", || {
        alice.stats().unknown_session_frames >= 6
    })
    .await;
    conn.shutdown().await.unwrap();
    assert_eq!(texts(&mut s1).await, ["s1-b"]);
    assert_eq!(texts(&mut s2).await, ["s2-b"]);
    assert_eq!(alice.stats().unknown_session_frames, 6);
}

/// Rewrites a frame's Content-Length to the length of what follows its envelope.
fn fix_length(frame: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(frame).unwrap();
    let body_at = text.find("\r\n\r\n").unwrap() + 4;
    let body = &text[body_at..];
    format!(
        "Content-Type: message/cpim\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
