//! Content types and delivery confirmations.

mod support;

use futures::StreamExt;
use imsession::{AnswerOptions, DeliveryStatus, Message, MessageId, SessionError};
use support::*;

#[tokio::test]
async fn type_the_peer_did_not_list_is_refused_locally() {
    let (alice, bob) = endpoints();
    let offer = cpim_tcp().accept(vec![mime::TEXT_PLAIN, mime::TEXT_HTML]);
    let (mut a, mut b) = pair(&alice, &bob, offer, AnswerOptions::default()).await;
    // Bob accepts only text/plain; alice accepts text/html as well.
    let err = a
        .send(Message::new(mime::TEXT_HTML, "<b>hi</b>"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SessionError::NotAccepted { content_type, .. } if content_type == "text/html"),
        "{err}"
    );
    b.send(Message::new(mime::TEXT_HTML, "<b>hi</b>"))
        .await
        .unwrap();
    let m = a.next().await.unwrap().unwrap();
    assert_eq!(m.content_type.essence_str(), "text/html");
    // Nothing was written for the refused message: bob's first message is alice's MsgID 1.
    assert_eq!(a.send(Message::text("plain")).await.unwrap(), MessageId(1));
    assert_eq!(b.next().await.unwrap().unwrap().meta("MsgID"), Some("1"));
}

#[tokio::test]
async fn delivery_reports_when_the_sender_asks() {
    let (alice, bob) = endpoints();
    let status: mime::Mime = "message/im-delivery-status".parse().unwrap();
    let offer = cpim_tcp().accept(vec![mime::TEXT_PLAIN, status]);
    let (mut a, mut b) = pair(&alice, &bob, offer, AnswerOptions::default()).await;
    let mut reports = a.deliveries().unwrap();
    for i in 0..3 {
        a.send(Message::text(format!("m{i}"))).await.unwrap();
    }
    // Bob reads (which queues the confirmations), then writes; alice's stream processes the
    // reports, which arrive before bob's message, and yields only the message.
    for _ in 0..3 {
        b.next().await.unwrap().unwrap();
    }
    let mut bob_reports = b.deliveries().unwrap();
    b.send(Message::text("no report for this")).await.unwrap();
    let m = a.next().await.unwrap().unwrap();
    assert_eq!(m.body_text(), Some("no report for this"));
    for i in 1..=3 {
        let ev = reports
            .try_recv()
            .expect("reports processed before the message");
        assert_eq!(ev.id, MessageId(i));
        assert_eq!(ev.status, DeliveryStatus::Delivered);
    }
    // Bob did not list message/im-delivery-status, so alice must not confirm his message.
    // Any confirmation would reach bob before this reply and land in his deliveries.
    a.send(Message::text("reply")).await.unwrap();
    assert_eq!(b.next().await.unwrap().unwrap().body_text(), Some("reply"));
    assert!(
        bob_reports.try_recv().is_err(),
        "bob did not ask for reports"
    );
}

/// The delivery queue opens on first use: reports that arrive before the application asks for
/// them are kept, and the receiver is handed out once.
#[tokio::test]
async fn reports_before_deliveries_is_called_are_kept() {
    let (alice, bob) = endpoints();
    let status: mime::Mime = "message/im-delivery-status".parse().unwrap();
    let offer = cpim_tcp().accept(vec![mime::TEXT_PLAIN, status]);
    let (mut a, mut b) = pair(&alice, &bob, offer, AnswerOptions::default()).await;
    a.send(Message::text("m")).await.unwrap();
    b.next().await.unwrap().unwrap();
    b.send(Message::text("after the report")).await.unwrap();
    assert_eq!(
        a.next().await.unwrap().unwrap().body_text(),
        Some("after the report")
    );
    let mut reports = a.deliveries().expect("first call");
    assert_eq!(reports.try_recv().expect("kept").id, MessageId(1));
    assert!(a.deliveries().is_none(), "handed out once");
    assert_eq!(a.dropped_deliveries(), 0);
}
