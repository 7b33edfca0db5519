//! [`Ctx`]: what every case of one (mechanism, transport) run needs, and the helpers that
//! read a session.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use imsession::{
    AnswerOptions, Endpoint, MediaOptions, Message, Negotiator, ProtoToken, Session, Transport,
};
use mime::Mime;

use super::{MechanismFactory, suite_limits};
use crate::case::{CaseResult, Context, ensure, within};
use crate::transport::TransportFactory;

/// How long one step (a message arriving, a stream ending) may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// What every case of one (mechanism, transport) run needs.
pub(crate) struct Ctx {
    pub(crate) mechanism: MechanismFactory,
    transport: TransportFactory,
    pub(crate) delivery: Option<Vec<Mime>>,
    pub(crate) proto: ProtoToken,
    /// How long one step may wait.
    pub(crate) step: Duration,
    /// Directories of SDP vectors to run.
    pub(crate) vector_dirs: Vec<PathBuf>,
}

impl Ctx {
    pub(crate) fn new(
        mechanism: MechanismFactory,
        transport: TransportFactory,
        delivery: Option<Vec<Mime>>,
        step: Duration,
        vector_dirs: Vec<PathBuf>,
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

    pub(crate) fn endpoints(&self) -> (Endpoint, Endpoint) {
        (
            Endpoint::new(self.negotiator()),
            Endpoint::new(self.negotiator()),
        )
    }

    /// Negotiates one session, `alice` offering with `offer_accept`, and establishes both ends.
    pub(crate) async fn pair_with(
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

    pub(crate) async fn pair(
        &self,
        alice: &Endpoint,
        bob: &Endpoint,
    ) -> Result<(Session, Session), String> {
        let offer = MediaOptions::new(self.proto.clone()).accept(self.accept());
        self.pair_with(alice, bob, offer).await
    }
}

/// The next message on `s`, or why there is none.
pub(crate) async fn next(step: Duration, s: &mut Session, what: &str) -> Result<Message, String> {
    match within(step, what, s.next()).await? {
        Some(Ok(m)) => Ok(m),
        Some(Err(e)) => Err(format!("{what}: {e}")),
        None => Err(format!("{what}: the session ended")),
    }
}

pub(crate) async fn expect_text(
    step: Duration,
    s: &mut Session,
    want: &str,
    what: &str,
) -> CaseResult {
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
pub(crate) async fn expect_nothing(step: Duration, s: &mut Session, what: &str) -> CaseResult {
    match tokio::time::timeout(step, s.next()).await {
        Ok(Some(Ok(m))) => Err(format!(
            "{what} was delivered as a message: {:?}",
            String::from_utf8_lossy(&m.body)
        )),
        _ => Ok(()),
    }
}
