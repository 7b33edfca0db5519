//! Cases about bad input: split, truncated and garbage bytes, and frames for sessions that do
//! not exist, written by a scripted peer.

use std::time::Duration;

use bytes::BytesMut;
use imsession::{Endpoint, Message, SessionEnd, SessionParams};

use super::ctx::{Ctx, expect_nothing, expect_text};
use super::raw::RawPeer;
use super::suite_limits;
use crate::case::{CaseResult, Context, ensure, within};

/// How often the unknown-session case re-reads the endpoint's counters while it waits.
pub const STATS_POLL: Duration = Duration::from_millis(20);

/// Noise the garbage case writes: bytes no frame starts with, binary and text.
pub const GARBAGE: &[u8] = b"\x00\xff\xfe garbage \x80\x81\r\n\r\nnot a frame\r\n\x1b[0m\t\x7f";

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

/// A scripted peer into `bob` whose session is bound to its connection: it has written one
/// whole frame carrying `text`, and `bob`'s session delivered it.
async fn bound_raw(c: &Ctx, bob: &Endpoint, text: &str, what: &str) -> Result<RawPeer, String> {
    let mut raw = RawPeer::connect(c, bob).await?;
    let whole = raw.frame(Message::text(text))?;
    raw.write(&whole).await?;
    expect_text(c.step, &mut raw.session, text, what).await?;
    Ok(raw)
}

/// Writes `bytes`, closes the raw peer's sending side, and checks the session delivers
/// nothing more.
async fn write_last(c: &Ctx, raw: &mut RawPeer, bytes: &[u8], what: &str) -> CaseResult {
    raw.write(bytes).await?;
    tokio::io::AsyncWriteExt::shutdown(&mut raw.io)
        .await
        .ctx("shutdown")?;
    expect_nothing(c.step, &mut raw.session, what).await
}

pub(crate) async fn bad_frames(c: &Ctx) -> CaseResult {
    let (_alice, bob) = c.endpoints();
    let mut raw = bound_raw(c, &bob, "whole", "the frame before the cut one").await?;
    let frame = raw.frame(Message::text("cut short"))?;
    write_last(
        c,
        &mut raw,
        &frame[..frame.len() - 1],
        "a frame cut one byte short",
    )
    .await
}

pub(crate) async fn garbage(c: &Ctx) -> CaseResult {
    let (alice, bob) = c.endpoints();
    let mut raw = bound_raw(c, &bob, "before garbage", "the frame before the garbage").await?;
    write_last(c, &mut raw, GARBAGE, "garbage").await?;
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

pub(crate) async fn unknown_session(c: &Ctx) -> CaseResult {
    let (_alice, bob) = c.endpoints();
    let mut raw = RawPeer::connect(c, &bob).await?;
    let m = (c.mechanism)();
    // An end like ours under a fresh URI at `host`.
    let end = |host| SessionEnd {
        uri: m.new_uri(host),
        ..raw.local.clone()
    };
    let mut other = m.open(&SessionParams {
        local: end("stranger.invalid"),
        remote: end("nobody.invalid"),
        limits: suite_limits(),
    });
    let mut wire = BytesMut::new();
    other
        .encode(Message::text("for nobody"), &mut wire)
        .ctx("encode")?;
    // The session's real receiving end with a stranger as sender: still nobody's session.
    let mut impostor = m.open(&SessionParams {
        local: end("impostor.invalid"),
        remote: raw.remote.clone(),
        limits: suite_limits(),
    });
    impostor
        .encode(Message::text("for an impostor"), &mut wire)
        .ctx("encode")?;
    raw.write(&wire).await?;
    let mine = raw.frame(Message::text("for the session"))?;
    raw.write(&mine).await?;
    expect_text(
        c.step,
        &mut raw.session,
        "for the session",
        "after frames for unknown sessions (one to the session's own URI from a stranger)",
    )
    .await?;
    within(c.step, "counting the unknown frame", async {
        while bob.stats().unknown_session_frames < 2 {
            tokio::time::sleep(STATS_POLL).await;
        }
    })
    .await
    .map_err(|_| "the two frames for unknown sessions were not both counted as unknown".to_owned())
}
