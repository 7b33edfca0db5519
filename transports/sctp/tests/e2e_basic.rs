//! cpim/sctp end to end through two endpoints, both roles, IPv4 and IPv6.

mod support;

use futures::StreamExt;
use imsession::negotiate::comedia::SetupPreference;
use imsession::{AnswerOptions, Limits, Message};
use support::*;

async fn exchange(host: &str, offer_setup: SetupPreference) {
    let (alice, bob) = endpoints_on(host, Limits::default());
    let (mut a, mut b) = pair(
        &alice,
        &bob,
        cpim_sctp().setup(offer_setup),
        AnswerOptions::default(),
    )
    .await;
    a.send(Message::text("hello bob")).await.unwrap();
    assert_eq!(
        b.next().await.unwrap().unwrap().body_text(),
        Some("hello bob")
    );
    b.send(Message::text("hello alice")).await.unwrap();
    assert_eq!(
        a.next().await.unwrap().unwrap().body_text(),
        Some("hello alice")
    );
    let peer = a.info().peer.clone().expect("bound");
    assert_eq!(peer.addr.ip().to_string(), host);
    // Closing one end shuts the association down gracefully: the other end's stream ends
    // without an error once the idle grace has passed.
    a.close().await.unwrap();
    drop(alice);
    match b.next().await {
        None => {}
        Some(other) => panic!("expected a clean end, got {other:?}"),
    }
}

#[tokio::test]
async fn ipv4_offerer_connects() {
    exchange("127.0.0.1", SetupPreference::Active).await;
}

#[tokio::test]
async fn ipv4_offerer_accepts() {
    exchange("127.0.0.1", SetupPreference::Passive).await;
}

#[tokio::test]
async fn ipv6_both_roles() {
    if !have_ipv6() {
        eprintln!("skipped: no IPv6 loopback on this host");
        return;
    }
    exchange("::1", SetupPreference::Active).await;
    exchange("::1", SetupPreference::Passive).await;
}
