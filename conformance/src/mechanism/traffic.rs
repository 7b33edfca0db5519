//! Cases between two endpoints: the offer/answer vectors, round trips, ordering, bursts,
//! sizes, sharing, delivery reports and close.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use imsession::{DeliveryStatus, MediaOptions, Message, Session, SessionError};

use super::SUITE_MAX_MESSAGE;
use super::ctx::{Ctx, expect_text, next};
use crate::case::{CaseResult, Context, ensure, within};

/// Messages sent one way by the ordering case.
pub const ORDERING_COUNT: usize = 1000;
/// Messages each side sends at once in the back-to-back case.
pub const BACK_TO_BACK_COUNT: usize = 500;
/// Messages each way on each of the two sessions of the sharing case.
pub const SHARING_COUNT: usize = 50;
/// Body size of the big-message case: 1 MiB, each way.
pub const BIG_MESSAGE: usize = 1024 * 1024;

pub(crate) async fn vectors(c: &Ctx) -> CaseResult {
    let n = c.negotiator();
    let transport = c.transport().name().to_owned();
    let mut ran = 0;
    for dir in &c.vector_dirs {
        ran += crate::vectors::sdp::check_all(dir, &n, &transport, c.proto.as_str())?;
    }
    ensure!(
        ran > 0,
        "no SDP vector applies to {}: add some with MechanismSuite::sdp_vectors, or skip this \
         case with a reason",
        c.proto
    );
    Ok(())
}

pub(crate) async fn round_trip(c: &Ctx) -> CaseResult {
    let (alice, bob) = c.endpoints();
    let (mut a, mut b) = c.pair(&alice, &bob).await?;
    a.send(Message::text("hello")).await.ctx("send")?;
    expect_text(c.step, &mut b, "hello", "offerer to answerer").await?;
    let text = "grüße, 你好, 👋";
    b.send(Message::text(text)).await.ctx("reply")?;
    expect_text(c.step, &mut a, text, "answerer to offerer").await?;
    let mut with_header = Message::text("with a header");
    with_header
        .headers
        .push(imsession::Header::new("Content-Language", "en"));
    a.send(with_header).await.ctx("send with a MIME header")?;
    let m = next(c.step, &mut b, "message with a MIME header").await?;
    ensure!(
        m.headers
            .iter()
            .any(|h| h.is("Content-Language") && h.value == "en"),
        "the MIME header Content-Language: en was lost: {:?}",
        m.headers
    );
    Ok(())
}

pub(crate) async fn ordering(c: &Ctx) -> CaseResult {
    let (alice, bob) = c.endpoints();
    let (mut a, mut b) = c.pair(&alice, &bob).await?;
    let send = async {
        for i in 0..ORDERING_COUNT {
            a.send(Message::text(format!("m{i}"))).await.ctx("send")?;
        }
        a.flush().await.ctx("flush")
    };
    let recv = async {
        for i in 0..ORDERING_COUNT {
            let m = next(c.step, &mut b, &format!("message {i}")).await?;
            let want = format!("m{i}");
            ensure!(
                m.body_text() == Some(want.as_str()),
                "message {i} arrived as {:?}: order broken or message lost",
                String::from_utf8_lossy(&m.body)
            );
        }
        Ok(())
    };
    let (s, r) = tokio::join!(send, recv);
    s.and(r)
}

pub(crate) async fn back_to_back(c: &Ctx) -> CaseResult {
    let (alice, bob) = c.endpoints();
    let (a, b) = c.pair(&alice, &bob).await?;
    let (mut a_tx, mut a_rx) = a.split();
    let (mut b_tx, mut b_rx) = b.split();
    let (r1, r2, r3, r4) = tokio::join!(
        burst_send(&mut a_tx, "a"),
        burst_send(&mut b_tx, "b"),
        burst_recv(c.step, &mut b_rx, "a"),
        burst_recv(c.step, &mut a_rx, "b")
    );
    r1.and(r2).and(r3).and(r4)
}

type Tx = futures::stream::SplitSink<Session, Message>;
type Rx = futures::stream::SplitStream<Session>;

/// Queues [`BACK_TO_BACK_COUNT`] messages without waiting for any to be written, then flushes.
async fn burst_send(sink: &mut Tx, tag: &str) -> CaseResult {
    for i in 0..BACK_TO_BACK_COUNT {
        sink.feed(Message::text(format!("{tag}{i}")))
            .await
            .ctx("feed")?;
    }
    sink.flush().await.ctx("flush")
}

async fn burst_recv(step: Duration, rx: &mut Rx, tag: &str) -> CaseResult {
    for i in 0..BACK_TO_BACK_COUNT {
        let want = format!("{tag}{i}");
        let m = match within(step, "back-to-back message", rx.next()).await? {
            Some(Ok(m)) => m,
            Some(Err(e)) => return Err(format!("message {i}: {e}")),
            None => return Err(format!("session ended after {i} messages")),
        };
        ensure!(
            m.body_text() == Some(want.as_str()),
            "message {i} arrived as {:?}, sent {want:?}",
            String::from_utf8_lossy(&m.body)
        );
    }
    Ok(())
}

/// A text body of `len` bytes whose every line is distinct.
fn big_text(len: usize) -> String {
    let mut s = String::with_capacity(len + 16);
    let mut i = 0;
    while s.len() < len {
        s.push_str(&format!("line {i:08}\n"));
        i += 1;
    }
    s.truncate(len);
    s
}

pub(crate) async fn big_message(c: &Ctx) -> CaseResult {
    let (alice, bob) = c.endpoints();
    let (mut a, mut b) = c.pair(&alice, &bob).await?;
    let body = big_text(BIG_MESSAGE);
    a.send(Message::text(body.clone())).await.ctx("send")?;
    let m = next(c.step, &mut b, "big message").await?;
    ensure!(
        m.body.len() == body.len() && m.body == body.as_bytes(),
        "a {} byte body arrived as {} bytes{}",
        body.len(),
        m.body.len(),
        if m.body.len() == body.len() {
            ", changed"
        } else {
            ""
        }
    );
    b.send(Message::text(body.clone())).await.ctx("send back")?;
    let m = next(c.step, &mut a, "big message back").await?;
    ensure!(m.body == body.as_bytes(), "the big message back differs");
    Ok(())
}

pub(crate) async fn too_large(c: &Ctx) -> CaseResult {
    let (alice, bob) = c.endpoints();
    let (mut a, mut b) = c.pair(&alice, &bob).await?;
    match a.send(Message::text(big_text(SUITE_MAX_MESSAGE + 1))).await {
        Err(SessionError::TooLarge { .. }) => {}
        Err(e) => {
            return Err(format!(
                "a message over the limit failed with {e}, not too large"
            ));
        }
        Ok(id) => return Err(format!("a message over the limit was sent (id {id})")),
    }
    a.send(Message::text("still usable"))
        .await
        .ctx("send after")?;
    expect_text(
        c.step,
        &mut b,
        "still usable",
        "the message after the refused one",
    )
    .await
}

pub(crate) async fn sharing(c: &Ctx) -> CaseResult {
    let (alice, bob) = c.endpoints();
    let (mut a1, mut b1) = c.pair(&alice, &bob).await?;
    let existing = MediaOptions::new(c.proto.clone())
        .accept(c.accept())
        .connection(imsession::sdp::ConnectionMode::Existing);
    let (mut a2, mut b2) = c.pair_with(&alice, &bob, existing).await?;
    for i in 0..SHARING_COUNT {
        a1.send(Message::text(format!("1:{i}")))
            .await
            .ctx("send 1")?;
        a2.send(Message::text(format!("2:{i}")))
            .await
            .ctx("send 2")?;
        b2.send(Message::text(format!("r2:{i}")))
            .await
            .ctx("reply 2")?;
        b1.send(Message::text(format!("r1:{i}")))
            .await
            .ctx("reply 1")?;
    }
    for i in 0..SHARING_COUNT {
        expect_text(c.step, &mut b1, &format!("1:{i}"), "session 1").await?;
        expect_text(c.step, &mut b2, &format!("2:{i}"), "session 2").await?;
        expect_text(c.step, &mut a1, &format!("r1:{i}"), "session 1 reply").await?;
        expect_text(c.step, &mut a2, &format!("r2:{i}"), "session 2 reply").await?;
    }
    let opened = bob.stats().connections_initiated + alice.stats().connections_initiated;
    ensure!(
        opened == 1,
        "{opened} connections for two sessions between the same endpoints; a=connection:existing must reuse the first"
    );
    Ok(())
}

pub(crate) async fn delivery(c: &Ctx) -> CaseResult {
    let Some(extra) = &c.delivery else {
        return Err(
            "the suite was not told how this mechanism asks for delivery reports: call \
             MechanismSuite::delivery_reports, or skip this case with the reason"
                .into(),
        );
    };
    let (alice, bob) = c.endpoints();
    let mut accept = c.accept();
    accept.extend(extra.iter().cloned());
    let offer = MediaOptions::new(c.proto.clone()).accept(accept);
    let (mut a, mut b) = c.pair_with(&alice, &bob, offer).await?;
    let mut reports = a.deliveries().ok_or("no delivery receiver")?;
    let id = a.send(Message::text("confirm me")).await.ctx("send")?;
    expect_text(c.step, &mut b, "confirm me", "the message to confirm").await?;
    let event = within(c.step, "delivery report", async {
        loop {
            tokio::select! {
                ev = reports.recv() => return ev,
                m = a.next() => if let Some(Ok(m)) = m {
                    return Some(imsession::DeliveryEvent {
                        id,
                        status: DeliveryStatus::Failed {
                            action: Some(format!("unexpected message {:?}", m.body)),
                            status: None,
                        },
                    });
                } else if m.is_none() {
                    return None;
                },
            }
        }
    })
    .await?
    .ok_or("the session ended before a delivery report")?;
    ensure!(
        event.id == id && event.status == DeliveryStatus::Delivered,
        "expected delivered for message {id}, got {event:?}"
    );
    Ok(())
}

pub(crate) async fn peer_close(c: &Ctx) -> CaseResult {
    let (alice, bob) = c.endpoints();
    let (mut a, mut b) = c.pair(&alice, &bob).await?;
    a.send(Message::text("last words")).await.ctx("send")?;
    a.close().await.ctx("close")?;
    drop(alice);
    expect_text(
        c.step,
        &mut b,
        "last words",
        "the message sent before close",
    )
    .await?;
    match within(c.step, "end of the session after the peer closed", b.next()).await? {
        None => Ok(()),
        Some(Ok(m)) => Err(format!("after close, a message arrived: {:?}", m.body)),
        Some(Err(e)) => Err(format!(
            "a clean close ended the session with an error: {e}"
        )),
    }
}
