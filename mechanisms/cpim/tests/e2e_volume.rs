//! Large messages and many messages back to back.

mod support;

use bytes::Bytes;
use futures::StreamExt;
use imsession::{AnswerOptions, Message};
use support::*;

#[tokio::test]
async fn sixteen_mib_message_arrives_intact() {
    let (alice, bob) = endpoints();
    let (mut a, mut b) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;
    let body: Vec<u8> = (0..16 * 1024 * 1024)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let body = Bytes::from(body);
    let sent = body.clone();
    let send = tokio::spawn(async move {
        a.send(Message::new(mime::TEXT_PLAIN, sent)).await.unwrap();
        a
    });
    let m = b.next().await.unwrap().unwrap();
    assert_eq!(m.body.len(), body.len());
    assert!(m.body == body, "body differs");
    send.await.unwrap();
}

#[tokio::test]
async fn ten_thousand_messages_back_to_back() {
    let (alice, bob) = endpoints();
    let (mut a, mut b) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;
    const N: u64 = 10_000;
    let send = tokio::spawn(async move {
        for i in 0..N {
            a.send(Message::text(format!("message {i}"))).await.unwrap();
        }
        a
    });
    for i in 0..N {
        let m = b.next().await.unwrap().unwrap();
        assert_eq!(m.body_text().unwrap(), format!("message {i}"));
        assert_eq!(m.meta("MsgID").unwrap(), (i + 1).to_string());
    }
    send.await.unwrap();
}

#[tokio::test]
async fn message_over_the_limit_is_refused_before_writing() {
    let (alice, bob) = endpoints();
    let (mut a, mut b) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;
    let big = Bytes::from(vec![b'x'; imsession::limits::DEFAULT_MAX_MESSAGE + 1]);
    let err = a
        .send(Message::new(mime::TEXT_PLAIN, big))
        .await
        .unwrap_err();
    assert!(
        matches!(err, imsession::SessionError::TooLarge { .. }),
        "{err}"
    );
    // The session still works, and the refused message took no MsgID.
    assert_eq!(a.send(Message::text("after")).await.unwrap().0, 1);
    assert_eq!(b.next().await.unwrap().unwrap().body_text(), Some("after"));
}
