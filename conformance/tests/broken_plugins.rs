//! Deliberately broken plug-ins: the suites must catch each one, naming the case and why.

mod common;

use std::pin::Pin;
use std::task::{Context, Poll};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use imsession::{
    Accepting, Connection, ConnectionIo, Inbound, Listener, MechanismSession, Message, MessageId,
    SessionError, SessionKey, SessionMechanism, SubStreamWrite, SubStreams, Target, Transport,
    TransportError,
};
use imsession_conformance::{MechanismSuite, Outcome, Report, TransportSuite};
use imsession_cpim::CpimMechanism;
use imsession_sctp::SctpTransport;
use imsession_tcp::TcpTransport;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

// ---- A mechanism that swaps every pair of messages it sends ---------------------------------

/// A cpim session, except that it holds every other frame back and sends it after the next.
struct ReorderingSession {
    inner: Box<dyn MechanismSession>,
    held: Option<BytesMut>,
}

impl MechanismSession for ReorderingSession {
    fn key(&self) -> SessionKey {
        self.inner.key()
    }

    fn encode(&mut self, message: Message, dst: &mut BytesMut) -> Result<MessageId, SessionError> {
        let mut frame = BytesMut::new();
        let id = self.inner.encode(message, &mut frame)?;
        match self.held.take() {
            Some(earlier) => {
                dst.extend_from_slice(&frame);
                dst.extend_from_slice(&earlier);
            }
            None => self.held = Some(frame),
        }
        Ok(id)
    }

    fn receive(&mut self, frame: Message, replies: &mut BytesMut) -> Result<Inbound, SessionError> {
        self.inner.receive(frame, replies)
    }
}

/// cpim whose sessions reorder what they send.
fn reordering() -> impl SessionMechanism {
    common::WrappedCpim::new(|inner| {
        Box::new(ReorderingSession { inner, held: None }) as Box<dyn MechanismSession>
    })
}

// ---- A transport that silently stops writing after a few bytes ------------------------------

/// Bytes a [`Truncating`] stream really writes; the rest it reports written and drops.
const TRUNCATE_AFTER: usize = 64 * 1024;

struct Truncating<S> {
    inner: S,
    written: usize,
}

impl<S: AsyncRead + Unpin> AsyncRead for Truncating<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Truncating<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let room = TRUNCATE_AFTER.saturating_sub(self.written);
        if room == 0 {
            return Poll::Ready(Ok(buf.len()));
        }
        let n = std::task::ready!(
            Pin::new(&mut self.inner).poll_write(cx, &buf[..buf.len().min(room)])
        )?;
        self.written += n;
        Poll::Ready(Ok(n))
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

fn truncate(c: Connection) -> Connection {
    let ConnectionIo::Stream(s) = c.io else {
        unreachable!("tcp gives streams")
    };
    Connection {
        io: ConnectionIo::Stream(Box::new(Truncating {
            inner: s,
            written: 0,
        })),
        ..c
    }
}

struct TruncatingTransport(TcpTransport);
struct TruncatingListener(Box<dyn Listener>);

#[async_trait]
impl Listener for TruncatingListener {
    fn local_addr(&self) -> std::net::SocketAddr {
        self.0.local_addr()
    }
    async fn accept(&self) -> Result<Accepting, TransportError> {
        let accepting = self.0.accept().await?;
        Ok(Box::pin(async move { accepting.await.map(truncate) }))
    }
}

#[async_trait]
impl Transport for TruncatingTransport {
    fn name(&self) -> &str {
        "tcp"
    }
    async fn listen(&self, host: &str, port: u16) -> Result<Box<dyn Listener>, TransportError> {
        Ok(Box::new(TruncatingListener(
            self.0.listen(host, port).await?,
        )))
    }
    async fn connect(&self, target: &Target) -> Result<Connection, TransportError> {
        self.0.connect(target).await.map(truncate)
    }
}

// ---- A multi-stream transport that writes every chunk one sub-stream further on ------------

/// An SCTP connection's writer that puts each chunk on the next sub-stream (an off-by-one in
/// stream ids): every byte still arrives, on the wrong sub-stream.
struct Shifted(Box<dyn SubStreamWrite>);

impl SubStreamWrite for Shifted {
    fn streams(&self) -> u16 {
        self.0.streams()
    }
    fn max_chunk(&self) -> usize {
        self.0.max_chunk()
    }
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.0.poll_ready(cx)
    }
    fn send(&mut self, stream: u16, chunk: Bytes) -> std::io::Result<()> {
        let next = (stream + 1) % self.0.streams();
        self.0.send(next, chunk)
    }
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.0.poll_close(cx)
    }
}

fn shift(c: Connection) -> Connection {
    let ConnectionIo::SubStreams(s) = c.io else {
        unreachable!("sctp gives sub-streams")
    };
    let io = SubStreams {
        reader: s.reader,
        writer: Box::new(Shifted(s.writer)),
    };
    Connection {
        io: ConnectionIo::SubStreams(io),
        ..c
    }
}

struct ShiftingTransport(SctpTransport);
struct ShiftingListener(Box<dyn Listener>);

#[async_trait]
impl Listener for ShiftingListener {
    fn local_addr(&self) -> std::net::SocketAddr {
        self.0.local_addr()
    }
    async fn accept(&self) -> Result<Accepting, TransportError> {
        let accepting = self.0.accept().await?;
        Ok(Box::pin(async move { accepting.await.map(shift) }))
    }
}

#[async_trait]
impl Transport for ShiftingTransport {
    fn name(&self) -> &str {
        "sctp"
    }
    async fn listen(&self, host: &str, port: u16) -> Result<Box<dyn Listener>, TransportError> {
        Ok(Box::new(ShiftingListener(self.0.listen(host, port).await?)))
    }
    async fn connect(&self, target: &Target) -> Result<Connection, TransportError> {
        self.0.connect(target).await.map(shift)
    }
    fn describe(&self, media: &mut imsession::sdp::MediaDescription) {
        self.0.describe(media);
    }
}

/// Step timeout for suites over a broken plug-in: what it drops never arrives, so the steps
/// waiting for it should fail quickly.
const BROKEN_STEP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

// ---- The suites catch them -------------------------------------------------------------------

/// The failure reason of `case`, after checking `assert_passed` panics naming it.
fn failure<'a>(report: &'a Report, case: &str) -> &'a str {
    let panic = std::panic::catch_unwind(|| report.assert_passed())
        .expect_err("assert_passed must panic on a broken plug-in");
    let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains(case), "the panic names {case}: {text}");
    match report.outcome(case, "") {
        Some(Outcome::Fail(reason)) => {
            assert!(
                text.contains(reason.as_str()),
                "the panic gives the reason: {text}"
            );
            reason
        }
        other => panic!("{case}: expected a failure, got {other:?}\n{report}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reordering_mechanism_fails_ordering() {
    let report = MechanismSuite::new(reordering)
        .transport(TcpTransport::new)
        .delivery_reports(&["message/im-delivery-status"])
        // Held-back messages never arrive: fail those steps quickly.
        .step_timeout(BROKEN_STEP_TIMEOUT)
        .run()
        .await;
    let reason = failure(&report, "ordering");
    assert!(
        reason.contains("message 0 arrived as \"m1\""),
        "the reason says what arrived where: {reason}"
    );
    // Negotiation is untouched by the fault: those cases still pass.
    assert_eq!(
        report.outcome("offer-answer-vectors", ""),
        Some(&Outcome::Pass)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncating_transport_fails_large_transfer() {
    let report = TransportSuite::new(|| TruncatingTransport(TcpTransport::new()))
        // Dropped bytes never arrive: fail those steps quickly.
        .step_timeout(BROKEN_STEP_TIMEOUT)
        .run()
        .await;
    let reason = failure(&report, "large-transfer");
    assert!(
        reason.contains(&format!("received {TRUNCATE_AFTER} bytes")),
        "the reason says how much arrived: {reason}"
    );
    // Small exchanges fit under the truncation point and pass.
    assert_eq!(report.outcome("listen-connect", ""), Some(&Outcome::Pass));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sub_stream_shifting_transport_fails_listen_connect() {
    let report = TransportSuite::new(|| ShiftingTransport(SctpTransport::new()))
        .step_timeout(BROKEN_STEP_TIMEOUT)
        .run()
        .await;
    let reason = failure(&report, "listen-connect");
    assert!(
        reason.contains("arrived on sub-stream 1; only sub-stream 0 was written"),
        "the reason names the sub-stream the bytes came on: {reason}"
    );
    // The bytes all arrived, on the wrong sub-stream: a transfer fails the same way.
    assert!(
        matches!(report.outcome("large-transfer", ""), Some(Outcome::Fail(r)) if r.contains("sub-stream 1")),
        "{report}"
    );
}

#[test]
fn a_skip_needs_a_known_case_and_a_reason() {
    let unknown = std::panic::catch_unwind(|| {
        TransportSuite::new(TcpTransport::new).skip("ipv7", "no such thing")
    });
    assert!(unknown.is_err());
    let blank =
        std::panic::catch_unwind(|| TransportSuite::new(TcpTransport::new).skip("ipv6", " "));
    assert!(blank.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_skipped_case_is_reported_with_its_reason() {
    let report = MechanismSuite::new(CpimMechanism::new)
        .transport(TcpTransport::new)
        .skip("delivery-reports", "testing skips")
        .skip("ordering", "testing skips")
        .run()
        .await;
    assert_eq!(
        report.outcome("delivery-reports", ""),
        Some(&Outcome::Skip("testing skips".into()))
    );
    assert!(report.to_string().contains("testing skips"));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    let skipped = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "delivery-reports")
        .unwrap();
    assert_eq!(
        (&skipped["result"], &skipped["reason"]),
        (&"skip".into(), &"testing skips".into())
    );
    report.assert_passed();
}
