//! The mechanism suite's cases. Each runs two fresh endpoints on loopback (or an endpoint and
//! a [`RawPeer`]) with [`suite_limits`].

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use futures::{SinkExt, StreamExt};
use imsession::{
    AnswerOptions, DeliveryStatus, Endpoint, MediaOptions, Message, Negotiator, ProtoToken,
    Session, SessionEnd, SessionError, SessionParams, Transport,
};
use mime::Mime;

use crate::case::{CaseResult, Context, ensure, within};
use crate::mechanism_suite::{MechanismFactory, SUITE_MAX_MESSAGE, suite_limits};
use crate::raw::RawPeer;
use crate::transport_suite::TransportFactory;

/// Messages sent one way by the ordering case.
pub const ORDERING_COUNT: usize = 1000;
/// Messages each side sends at once in the back-to-back case.
pub const BACK_TO_BACK_COUNT: usize = 500;
/// Body size of the big-message case: 1 MiB, each way.
pub const BIG_MESSAGE: usize = 1024 * 1024;
/// How long one step (a message arriving, a stream ending) may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// Noise the garbage case writes: bytes no frame starts with, binary and text.
pub const GARBAGE: &[u8] = b"\x00\xff\xfe garbage \x80\x81\r\n\r\nnot a frame\r\n\x1b[0m\t\x7f";

/// What every case of one (mechanism, transport) run needs.
pub(crate) struct Ctx {
    mechanism: MechanismFactory,
    transport: TransportFactory,
    delivery: Option<Vec<Mime>>,
    pub(crate) proto: ProtoToken,
    /// How long one step may wait.
    pub(crate) step: Duration,
    /// Directories of SDP vectors to run.
    pub(crate) vector_dirs: Vec<std::path::PathBuf>,
}

impl Ctx {
    pub(crate) fn new(
        mechanism: MechanismFactory,
        transport: TransportFactory,
        delivery: Option<Vec<Mime>>,
        step: Duration,
        vector_dirs: Vec<std::path::PathBuf>,
    ) -> Self {
        let m = mechanism();
        let t = transport();
        let proto = m
            .proto(t.name())
            .unwrap_or_else(|e| panic!("{} over {}: {e}", m.name(), t.name()));
        Self {
            mechanism,
            transport,
            delivery,
            proto,
            step,
            vector_dirs,
        }
    }

    pub(crate) fn negotiator(&self) -> Negotiator {
        Negotiator::builder()
            .mechanism_arc((self.mechanism)())
            .transport_arc((self.transport)())
            .limits(suite_limits())
            .build()
    }

    pub(crate) fn transport(&self) -> Arc<dyn Transport> {
        (self.transport)()
    }

    /// The types both ends accept.
    pub(crate) fn accept(&self) -> Vec<Mime> {
        vec![mime::TEXT_PLAIN]
    }

    fn endpoints(&self) -> (Endpoint, Endpoint) {
        (
            Endpoint::new(self.negotiator()),
            Endpoint::new(self.negotiator()),
        )
    }

    /// Negotiates one session, `alice` offering with `offer_accept`, and establishes both ends.
    async fn pair_with(
        &self,
        alice: &Endpoint,
        bob: &Endpoint,
        offer: MediaOptions,
    ) -> Result<(Session, Session), String> {
        let pending = alice.offer(&[offer]).await.ctx("offer")?;
        let answer = bob
            .answer(
                &pending.sdp,
                &AnswerOptions {
                    accept: self.accept(),
                    ..AnswerOptions::default()
                },
            )
            .await
            .ctx("answer")?;
        ensure!(
            answer.rejections.is_empty(),
            "the answer refused the offer: {:?}",
            answer.rejections
        );
        let sel = alice
            .complete(&pending, &answer.sdp)
            .ctx("complete")?
            .remove(0);
        let (a, b) = tokio::join!(
            alice.establish(sel),
            bob.establish(answer.selections[0].clone())
        );
        Ok((a.ctx("offerer establish")?, b.ctx("answerer establish")?))
    }

    async fn pair(&self, alice: &Endpoint, bob: &Endpoint) -> Result<(Session, Session), String> {
        let offer = MediaOptions::new(self.proto.clone()).accept(self.accept());
        self.pair_with(alice, bob, offer).await
    }
}

/// The next message on `s`, or why there is none.
async fn next(step: Duration, s: &mut Session, what: &str) -> Result<Message, String> {
    match within(step, what, s.next()).await? {
        Some(Ok(m)) => Ok(m),
        Some(Err(e)) => Err(format!("{what}: {e}")),
        None => Err(format!("{what}: the session ended")),
    }
}

async fn expect_text(step: Duration, s: &mut Session, want: &str, what: &str) -> CaseResult {
    let m = next(step, s, what).await?;
    ensure!(
        m.body_text() == Some(want),
        "{what}: received {:?}, sent {want:?}",
        String::from_utf8_lossy(&m.body)
    );
    ensure!(
        m.content_type.essence_str() == "text/plain",
        "{what}: content type {} arrived for text/plain",
        m.content_type
    );
    Ok(())
}

/// The session must deliver nothing: it ends, fails, or stays silent.
async fn expect_nothing(step: Duration, s: &mut Session, what: &str) -> CaseResult {
    match tokio::time::timeout(step, s.next()).await {
        Ok(Some(Ok(m))) => Err(format!(
            "{what} was delivered as a message: {:?}",
            String::from_utf8_lossy(&m.body)
        )),
        _ => Ok(()),
    }
}

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

pub(crate) async fn fragmentation(c: &Ctx) -> CaseResult {
    let m = (c.mechanism)();
    let limits = suite_limits();
    let end = |host| SessionEnd {
        uri: m.new_uri(host),
        accepts: vec![imsession::MediaRange::parse("text/plain").expect("literal")],
        max_size: None,
    };
    let (x, y) = (end("x.invalid"), end("y.invalid"));
    let mut state = m.open(&SessionParams {
        local: x.clone(),
        remote: y.clone(),
        limits: limits.clone(),
    });
    let receiver = m.open(&SessionParams {
        local: y,
        remote: x,
        limits: limits.clone(),
    });
    let mut wire = BytesMut::new();
    state
        .encode(Message::text("split me"), &mut wire)
        .ctx("encode")?;
    state
        .encode(Message::text("and me"), &mut wire)
        .ctx("encode")?;
    let wire = wire.freeze();
    // Every split point, fed as two reads: frames only once whole, and the same frames.
    for at in 0..=wire.len() {
        let mut dec = m.decoder(&limits);
        let mut buf = BytesMut::from(&wire[..at]);
        let mut got = Vec::new();
        while let Some(f) = dec
            .decode(&mut buf)
            .map_err(|e| format!("split at {at}: {e}"))?
        {
            got.push(f);
        }
        buf.extend_from_slice(&wire[at..]);
        while let Some(f) = dec
            .decode(&mut buf)
            .map_err(|e| format!("split at {at}: {e}"))?
        {
            got.push(f);
        }
        let bodies: Vec<_> = got.iter().map(|f| f.message.body.clone()).collect();
        ensure!(
            bodies == [&b"split me"[..], &b"and me"[..]],
            "split at byte {at} of {}: decoded {bodies:?}",
            wire.len()
        );
        ensure!(
            got.iter().all(|f| f.key == receiver.key()),
            "split at byte {at}: a frame carries another session's key"
        );
    }
    // Byte by byte.
    let mut dec = m.decoder(&limits);
    let mut buf = BytesMut::new();
    let mut count = 0;
    for (i, b) in wire.iter().enumerate() {
        buf.extend_from_slice(&[*b]);
        while dec
            .decode(&mut buf)
            .map_err(|e| format!("byte {i}: {e}"))?
            .is_some()
        {
            count += 1;
        }
    }
    ensure!(
        count == 2,
        "fed byte by byte, {count} frames decoded, 2 sent"
    );
    Ok(())
}

pub(crate) async fn bad_frames(c: &Ctx) -> CaseResult {
    let (_alice, bob) = c.endpoints();
    let mut raw = RawPeer::connect(c, &bob).await?;
    // A whole frame first, so the session is bound to this connection.
    let whole = raw.frame(Message::text("whole"))?;
    raw.write(&whole).await?;
    expect_text(
        c.step,
        &mut raw.session,
        "whole",
        "the frame before the cut one",
    )
    .await?;
    let frame = raw.frame(Message::text("cut short"))?;
    raw.write(&frame[..frame.len() - 1]).await?;
    tokio::io::AsyncWriteExt::shutdown(&mut raw.io)
        .await
        .ctx("shutdown")?;
    expect_nothing(c.step, &mut raw.session, "a frame cut one byte short").await
}

pub(crate) async fn garbage(c: &Ctx) -> CaseResult {
    let (alice, bob) = c.endpoints();
    let mut raw = RawPeer::connect(c, &bob).await?;
    let whole = raw.frame(Message::text("before garbage"))?;
    raw.write(&whole).await?;
    expect_text(
        c.step,
        &mut raw.session,
        "before garbage",
        "the frame before the garbage",
    )
    .await?;
    raw.write(GARBAGE).await?;
    tokio::io::AsyncWriteExt::shutdown(&mut raw.io)
        .await
        .ctx("shutdown")?;
    expect_nothing(c.step, &mut raw.session, "garbage").await?;
    // The endpoint that got the garbage still works.
    let (mut a, mut b) = c.pair(&alice, &bob).await?;
    a.send(Message::text("after garbage")).await.ctx("send")?;
    expect_text(
        c.step,
        &mut b,
        "after garbage",
        "a new session after garbage",
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
    for i in 0..50 {
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
    for i in 0..50 {
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

pub(crate) async fn unknown_session(c: &Ctx) -> CaseResult {
    let (_alice, bob) = c.endpoints();
    let mut raw = RawPeer::connect(c, &bob).await?;
    let m = (c.mechanism)();
    let stranger = SessionEnd {
        uri: m.new_uri("stranger.invalid"),
        ..raw.local.clone()
    };
    let nobody = SessionEnd {
        uri: m.new_uri("nobody.invalid"),
        ..raw.local.clone()
    };
    let mut other = m.open(&SessionParams {
        local: stranger,
        remote: nobody,
        limits: suite_limits(),
    });
    let mut wire = BytesMut::new();
    other
        .encode(Message::text("for nobody"), &mut wire)
        .ctx("encode")?;
    raw.write(&wire).await?;
    let mine = raw.frame(Message::text("for the session"))?;
    raw.write(&mine).await?;
    expect_text(
        c.step,
        &mut raw.session,
        "for the session",
        "after a frame for an unknown session",
    )
    .await?;
    within(c.step, "counting the unknown frame", async {
        while bob.stats().unknown_session_frames == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .map_err(|_| "the frame for an unknown session was never counted as unknown".to_owned())
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
