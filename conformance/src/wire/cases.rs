//! The wire cases, run in order against a peer that echoes every message.

use imsession::Message;

use super::peer::{Arrival, WIRE_STEP_TIMEOUT, WirePeer};
use super::{LARGE_WIRE_MESSAGE, WIRE_BURST};
use crate::case::{CaseResult, Skips, ensure, run_case};
use crate::report::Report;

/// Every wire case, in the order they run (the last may end the connection).
pub const WIRE_CASES: &[&str] = &[
    "valid-message",
    "delivery-report",
    "back-to-back",
    "fragmented",
    "garbage-before-envelope",
    "unknown-session",
    "large-message",
    "metadata-and-utf8",
    "msgid-sequence",
    "bad-length",
];

/// The echo of what we just sent, or why not.
async fn expect_echo(p: &mut WirePeer, body: &[u8], what: &str) -> CaseResult {
    match p
        .next(WIRE_STEP_TIMEOUT)
        .await
        .map_err(|e| format!("{what}: {e}"))?
    {
        Arrival::Message(m) => {
            ensure!(
                m.body == body,
                "{what}: the peer echoed {} bytes {:?}, we sent {} bytes {:?}",
                m.body.len(),
                preview(&m.body),
                body.len(),
                preview(body)
            );
            ensure!(
                m.content_type.essence_str() == "text/plain",
                "{what}: echoed as {}, sent as text/plain",
                m.content_type
            );
            Ok(())
        }
        Arrival::Closed(why) => Err(format!("{what}: {why}")),
    }
}

/// Bytes of a body a failure reason quotes before eliding the rest.
const PREVIEW_LEN: usize = 40;

/// The start of `b` for a failure reason, `…` when cut.
fn preview(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(PREVIEW_LEN)]).into_owned();
    if b.len() > PREVIEW_LEN { s + "…" } else { s }
}

async fn valid_message(p: &mut WirePeer) -> CaseResult {
    let f = p.frame(Message::text("hello"))?;
    p.write(&f).await?;
    let m = match p.next(WIRE_STEP_TIMEOUT).await? {
        Arrival::Message(m) => m,
        Arrival::Closed(why) => return Err(why),
    };
    ensure!(
        m.body == "hello",
        "echoed {:?}, sent \"hello\"",
        preview(&m.body)
    );
    // cpimmsg-sessions §5: To is the remote URI (ours), From identifies the sender.
    let to = m.meta("To").unwrap_or_default();
    ensure!(
        to.contains(&p.local.uri),
        "the echo's To is {to:?}, our URI is {} (cpimmsg-sessions §5)",
        p.local.uri
    );
    let from = m.meta("From").unwrap_or_default();
    ensure!(
        from.contains(&p.remote.uri),
        "the echo's From is {from:?}, the peer's URI is {}",
        p.remote.uri
    );
    Ok(())
}

async fn delivery_report(p: &mut WirePeer) -> CaseResult {
    let (f, id) = p.frame_with_id(Message::text("confirm me"))?;
    p.write(&f).await?;
    expect_echo(p, b"confirm me", "the message to confirm").await?;
    let d = p.delivery(id, WIRE_STEP_TIMEOUT).await.map_err(|e| {
        format!("{e} (we listed message/im-delivery-status: cpimmsg-sessions §6.3)")
    })?;
    ensure!(
        d.status == imsession::DeliveryStatus::Delivered,
        "the report on message {id} says {:?}",
        d.status
    );
    Ok(())
}

async fn back_to_back(p: &mut WirePeer) -> CaseResult {
    let mut all = Vec::new();
    for i in 0..WIRE_BURST {
        all.extend_from_slice(&p.frame(Message::text(format!("burst {i}")))?);
    }
    p.write(&all).await?;
    for i in 0..WIRE_BURST {
        expect_echo(
            p,
            format!("burst {i}").as_bytes(),
            &format!("burst message {i}"),
        )
        .await?;
    }
    Ok(())
}

async fn fragmented(p: &mut WirePeer) -> CaseResult {
    let f = p.frame(Message::text("one byte at a time"))?;
    p.write_bytewise(&f).await?;
    expect_echo(p, b"one byte at a time", "a frame written byte by byte").await
}

async fn garbage_before(p: &mut WirePeer) -> CaseResult {
    let mut bytes = b"garbage line\r\n\x00\x01\xfe\r\n".to_vec();
    bytes.extend_from_slice(&p.frame(Message::text("after garbage"))?);
    p.write(&bytes).await?;
    expect_echo(
        p,
        b"after garbage",
        "a frame after junk (cpimmsg-sessions §6.1: discard data before the envelope)",
    )
    .await
}

async fn unknown_session(p: &mut WirePeer) -> CaseResult {
    let mut bytes = p
        .stranger_frame(Message::text("for nobody"), false)?
        .to_vec();
    // The peer's own URI with a stranger's: routing on To alone would deliver this one.
    bytes.extend_from_slice(&p.stranger_frame(Message::text("for an impostor"), true)?);
    bytes.extend_from_slice(&p.frame(Message::text("for the session"))?);
    p.write(&bytes).await?;
    expect_echo(
        p,
        b"for the session",
        "after frames for unknown sessions, one to the peer's own URI (cpimmsg-sessions §6.2: \
         To and From must both match; discard them)",
    )
    .await
}

async fn large_message(p: &mut WirePeer) -> CaseResult {
    let limit = p
        .remote
        .max_size
        .map_or(LARGE_WIRE_MESSAGE, |m| LARGE_WIRE_MESSAGE.min(m as usize));
    let body: String = (0..limit)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    let f = p.frame(Message::text(body.clone()))?;
    p.write(&f).await?;
    expect_echo(p, body.as_bytes(), "a large message").await
}

async fn metadata(p: &mut WirePeer) -> CaseResult {
    let text = "grüße, 你好, 👋";
    let mut m = Message::text(text);
    m.meta
        .push(imsession::Header::new("Subject", "with metadata"));
    m.meta.push(imsession::Header::new(
        "DateTime",
        "2000-12-13T13:40:00-08:00",
    ));
    let f = p.frame(m)?;
    p.write(&f).await?;
    expect_echo(
        p,
        text.as_bytes(),
        "a UTF-8 message with Subject and DateTime",
    )
    .await
}

async fn msgid_sequence(p: &mut WirePeer) -> CaseResult {
    let ids = &p.peer_msg_ids;
    ensure!(!ids.is_empty(), "the peer sent nothing to check");
    for (i, id) in ids.iter().enumerate() {
        ensure!(
            *id == Some(i as u64 + 1),
            "the peer's frame {} carried MsgID {id:?}, expected {} (cpimmsg-sessions §5: from 1, \
             one more per message)",
            i + 1,
            i + 1
        );
    }
    ensure!(
        p.strays == 0,
        "the peer sent {} frame(s) for sessions other than ours",
        p.strays
    );
    Ok(())
}

async fn bad_length(p: &mut WirePeer) -> CaseResult {
    let mut bytes = b"Content-Type: message/cpim\r\nContent-Length: -1\r\n\r\n".to_vec();
    bytes.extend_from_slice(&p.frame(Message::text("after a bad length"))?);
    p.write(&bytes).await?;
    match p.next(WIRE_STEP_TIMEOUT).await {
        // Either is acceptable: the stream cannot be trusted after an unusable length, so
        // closing is safe; resynchronising on the next envelope is too.
        Ok(Arrival::Closed(_)) => Ok(()),
        Ok(Arrival::Message(m)) if m.body == "after a bad length" => Ok(()),
        Ok(Arrival::Message(m)) => Err(format!(
            "after an unusable Content-Length the peer delivered {:?}",
            preview(&m.body)
        )),
        Err(_) => Err(
            "after an unusable Content-Length the peer neither closed the connection nor \
             resumed at the next envelope"
                .into(),
        ),
    }
}

/// Runs every case not in `skips` against the peer, in [`WIRE_CASES`] order, then closes our
/// side. Failures land in the report, never in an error. Not cancel-safe: a case cancelled
/// mid-write leaves the stream in an unknown state.
pub async fn run_cases(mut p: WirePeer, subject: &str, skips: &Skips) -> Report {
    let mut report = Report::new(subject);
    let r = &mut report;
    run_case(r, skips, "valid-message", "", valid_message(&mut p)).await;
    run_case(r, skips, "delivery-report", "", delivery_report(&mut p)).await;
    run_case(r, skips, "back-to-back", "", back_to_back(&mut p)).await;
    run_case(r, skips, "fragmented", "", fragmented(&mut p)).await;
    run_case(
        r,
        skips,
        "garbage-before-envelope",
        "",
        garbage_before(&mut p),
    )
    .await;
    run_case(r, skips, "unknown-session", "", unknown_session(&mut p)).await;
    run_case(r, skips, "large-message", "", large_message(&mut p)).await;
    run_case(r, skips, "metadata-and-utf8", "", metadata(&mut p)).await;
    run_case(r, skips, "msgid-sequence", "", msgid_sequence(&mut p)).await;
    run_case(r, skips, "bad-length", "", bad_length(&mut p)).await;
    let _ = p.shutdown().await;
    report
}
