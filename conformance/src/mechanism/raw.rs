//! A scripted peer for the mechanism suite: it negotiates like an endpoint but writes the
//! bytes itself, so cases can send truncated frames, garbage, and frames for sessions that do
//! not exist.

use bytes::BytesMut;
use imsession::{
    AnswerOptions, ByteStream, Endpoint, MechanismSession, MediaOptions, Message, Negotiator,
    Session, SessionEnd, SessionParams, SetupPreference,
};
use tokio::io::AsyncWriteExt;

use super::ctx::Ctx;
use crate::case::Context;
use crate::transport::cases::stream;

/// A raw connection into an endpoint under test, and the session it serves there.
pub(crate) struct RawPeer {
    /// Bytes to the endpoint.
    pub(crate) io: Box<dyn ByteStream>,
    /// The scripted side's mechanism state for the session (encodes frames the endpoint's
    /// session will accept).
    pub(crate) state: Box<dyn MechanismSession>,
    /// The endpoint's session.
    pub(crate) session: Session,
    /// The scripted side's end (for making sessions that do not exist).
    pub(crate) local: SessionEnd,
    /// The endpoint's end.
    pub(crate) remote: SessionEnd,
}

impl RawPeer {
    /// Negotiates a session with `endpoint` (which answers, passive), connects to it with a
    /// raw transport connection, and establishes the endpoint's side.
    pub(crate) async fn connect(ctx: &Ctx, endpoint: &Endpoint) -> Result<Self, String> {
        let negotiator: Negotiator = ctx.negotiator();
        let local_addr = imsession::LocalAddress::new("127.0.0.1");
        let offer = MediaOptions::new(ctx.proto.clone())
            .accept(ctx.accept())
            .setup(SetupPreference::Active);
        let pending = negotiator.offer(&[offer], &local_addr).ctx("offer")?;
        let answer = endpoint
            .answer(
                &pending.sdp,
                &AnswerOptions {
                    accept: ctx.accept(),
                    setup: SetupPreference::Passive,
                },
            )
            .await
            .ctx("answer")?;
        let theirs = answer
            .selections
            .into_iter()
            .next()
            .ok_or("the endpoint refused the offer")?;
        let ours = negotiator
            .complete(&pending, &answer.sdp)
            .ctx("complete")?
            .remove(0);
        // The negotiator's own transport instance: the one our offer described (a TLS
        // transport's certificate must match the fingerprint the endpoint read).
        let transport = ours.transport().clone();
        let (conn, session) =
            tokio::join!(transport.connect(&ours.target), endpoint.establish(theirs));
        let io = stream(conn.ctx("connect")?)?;
        let session = session.ctx("establish")?;
        let state = ours.mechanism().open(&SessionParams {
            local: ours.local.clone(),
            remote: ours.remote.clone(),
            limits: negotiator.limits().clone(),
        });
        Ok(Self {
            io,
            state,
            session,
            local: ours.local,
            remote: ours.remote,
        })
    }

    /// The frame our session state encodes for `message`.
    pub(crate) fn frame(&mut self, message: Message) -> Result<BytesMut, String> {
        let mut buf = BytesMut::new();
        self.state.encode(message, &mut buf).ctx("encode")?;
        Ok(buf)
    }

    /// Writes and flushes `bytes`.
    pub(crate) async fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.io.write_all(bytes).await.ctx("write")?;
        self.io.flush().await.ctx("flush")
    }
}
