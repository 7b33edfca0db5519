//! End to end over loopback TCP: negotiate, connect, exchange.

mod support;

use futures::StreamExt;
use imsession::{AnswerOptions, Message};
use support::*;

#[tokio::test]
async fn messages_flow_both_ways_in_order() {
    let (alice, bob) = endpoints();
    let (mut a, mut b) = pair(&alice, &bob, cpim_tcp(), AnswerOptions::default()).await;
    for i in 0..5 {
        assert_eq!(
            a.send(Message::text(format!("a{i}"))).await.unwrap().0,
            i + 1
        );
        b.send(Message::text(format!("b{i}"))).await.unwrap();
    }
    for i in 0..5 {
        let m = b.next().await.unwrap().unwrap();
        assert_eq!(m.body_text(), Some(format!("a{i}").as_str()));
        assert_eq!(m.meta("MsgID"), Some((i + 1).to_string().as_str()));
        let m = a.next().await.unwrap().unwrap();
        assert_eq!(m.body_text(), Some(format!("b{i}").as_str()));
    }
}
