//! The wire-level runner, as a library, against in-process peers: a correct one passes every
//! case, and one that numbers its messages wrongly is caught by name and reason.

mod common;

use bytes::BytesMut;
use futures::StreamExt;
use imsession::{
    AnswerOptions, Endpoint, Inbound, MechanismSession, Message, MessageId, Negotiator, ProtoToken,
    SessionError, SessionKey, SessionMechanism,
};
use imsession_conformance::wire::{Runner, run_cases};
use imsession_conformance::{Outcome, Report, Skips};
use imsession_cpim::CpimMechanism;

/// A cpim session that burns a MsgID before each message: 2, 4, 6 … instead of 1, 2, 3
/// (cpimmsg-sessions §5 requires 1 and steps of one).
struct SkippingSession(Box<dyn MechanismSession>);

impl MechanismSession for SkippingSession {
    fn key(&self) -> SessionKey {
        self.0.key()
    }
    fn encode(&mut self, message: Message, dst: &mut BytesMut) -> Result<MessageId, SessionError> {
        self.0.encode(message.clone(), &mut BytesMut::new())?;
        self.0.encode(message, dst)
    }
    fn receive(&mut self, frame: Message, replies: &mut BytesMut) -> Result<Inbound, SessionError> {
        self.0.receive(frame, replies)
    }
}

/// cpim whose sessions burn a MsgID before each message.
fn skipping_ids() -> impl SessionMechanism {
    common::WrappedCpim::new(|inner| Box::new(SkippingSession(inner)) as Box<dyn MechanismSession>)
}

/// Runs every wire case against an in-process echo peer using `mechanism`.
async fn run_against(mechanism: impl SessionMechanism) -> Report {
    let peer = Endpoint::new(
        Negotiator::builder()
            .mechanism(mechanism)
            .transport(imsession_tcp::TcpTransport::new())
            .build(),
    );
    let runner = Runner::new("127.0.0.1");
    let pending = runner
        .offer(&ProtoToken::parse("cpim/tcp").unwrap())
        .await
        .unwrap();
    let answer = peer
        .answer(&pending.sdp, &AnswerOptions::default())
        .await
        .unwrap();
    let negotiated = runner.complete(pending, &answer.sdp).unwrap();
    let (wire, session) = tokio::join!(
        runner.connect(negotiated),
        peer.establish(answer.selections[0].clone())
    );
    let mut session = session.unwrap();
    let echo = tokio::spawn(async move {
        while let Some(Ok(m)) = session.next().await {
            let mut back = Message::new(m.content_type, m.body);
            back.headers = m.headers;
            if session.send(back).await.is_err() {
                break;
            }
        }
    });
    let report = run_cases(wire.unwrap(), "in-process peer", &Skips::default()).await;
    echo.abort();
    report
}

#[tokio::test(flavor = "multi_thread")]
async fn a_conforming_peer_passes_every_wire_case() {
    run_against(CpimMechanism::new()).await.assert_passed();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_that_skips_msgids_is_caught() {
    let report = run_against(skipping_ids()).await;
    match report.outcome("msgid-sequence", "") {
        // Its delivery report takes MsgID 1; the echo then burns 2 and carries 3.
        Some(Outcome::Fail(reason)) => assert!(
            reason.contains("frame 2 carried MsgID Some(3), expected 2"),
            "{reason}"
        ),
        other => panic!("msgid-sequence: {other:?}\n{report}"),
    }
    // Everything else about the peer is right.
    assert_eq!(report.failures().count(), 1, "{report}");
}
