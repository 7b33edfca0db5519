//! [`Runner`]: negotiation and connection set-up for the wire-level runner.

use std::sync::Arc;

use imsession::sdp::SessionDescription;
use imsession::{
    AnswerOptions, Listener, LocalAddress, MediaOptions, Negotiator, PendingOffer, ProtoToken,
    Role, Selection, SetupPreference, Transport,
};

use super::peer::WirePeer;
use crate::case::Context;

/// What the runner accepts: text, and delivery reports (so the peer must send them,
/// cpimmsg-sessions §6.3).
fn accept() -> Vec<mime::Mime> {
    vec![
        mime::TEXT_PLAIN,
        imsession_cpim::codec::DELIVERY_STATUS_TYPE
            .parse()
            .expect("literal"),
    ]
}

/// The negotiator the runner uses: every mechanism and transport it can play.
pub fn runner_negotiator() -> Negotiator {
    Negotiator::builder()
        .mechanism(imsession_cpim::CpimMechanism::new())
        .transport(imsession_tcp::TcpTransport::new())
        .build()
}

/// Negotiation done: the selection, and our listener when we may have to accept.
pub struct Negotiated {
    /// The negotiated m-line (the first one accepted).
    pub selection: Selection,
    listener: Option<Box<dyn Listener>>,
}

/// One end of a session, played byte by byte.
pub struct Runner {
    negotiator: Negotiator,
    host: String,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner").field("host", &self.host).finish()
    }
}

/// Our offer, waiting for the peer's answer.
pub struct PendingRun {
    /// The offer to give the peer.
    pub sdp: SessionDescription,
    pending: PendingOffer,
    listener: Box<dyn Listener>,
}

impl Runner {
    /// A runner listening on and advertising `host` (an address literal the peer can reach).
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            negotiator: runner_negotiator(),
            host: host.into(),
        }
    }

    fn transport(&self, proto: &ProtoToken) -> Result<Arc<dyn Transport>, String> {
        let name = proto.as_str().rsplit('/').next().unwrap_or_default();
        self.negotiator
            .transport(name)
            .cloned()
            .ok_or_else(|| format!("no transport for {proto}"))
    }

    /// Binds a listener and builds an offer of `proto` (either side may connect). Cancel-safe
    /// (the listener is dropped).
    ///
    /// # Errors
    /// An unsupported proto, or a listener that cannot be bound.
    pub async fn offer(&self, proto: &ProtoToken) -> Result<PendingRun, String> {
        let transport = self.transport(proto)?;
        let listener = transport.listen(&self.host, 0).await.ctx("listen")?;
        let local = LocalAddress::new(self.host.clone())
            .with_port(transport.name(), listener.local_addr().port());
        let media = MediaOptions::new(proto.clone()).accept(accept());
        let pending = self.negotiator.offer(&[media], &local).ctx("offer")?;
        Ok(PendingRun {
            sdp: pending.sdp.clone(),
            pending,
            listener,
        })
    }

    /// Completes our offer with the peer's answer.
    ///
    /// # Errors
    /// The answer is not a valid answer to the offer.
    pub fn complete(
        &self,
        run: PendingRun,
        answer: &SessionDescription,
    ) -> Result<Negotiated, String> {
        let selection = self
            .negotiator
            .complete(&run.pending, answer)
            .ctx("the peer's answer")?
            .remove(0);
        Ok(Negotiated {
            selection,
            listener: Some(run.listener),
        })
    }

    /// Answers the peer's offer (taking `passive` when the offer lets us choose and `listen`
    /// is set, else connecting). Cancel-safe (the listener is dropped).
    ///
    /// # Errors
    /// The offer cannot be answered, or a listener cannot be bound.
    pub async fn answer(
        &self,
        offer: &SessionDescription,
        listen: bool,
    ) -> Result<(SessionDescription, Negotiated), String> {
        let proto = offer
            .media()
            .iter()
            .find_map(|m| ProtoToken::parse(&m.proto).ok())
            .ok_or("the offer has no m-line")?;
        let transport = self.transport(&proto)?;
        let listener = transport.listen(&self.host, 0).await.ctx("listen")?;
        let local = LocalAddress::new(self.host.clone())
            .with_port(transport.name(), listener.local_addr().port());
        let opts = AnswerOptions {
            accept: accept(),
            setup: if listen {
                SetupPreference::Passive
            } else {
                SetupPreference::Active
            },
        };
        let answer = self
            .negotiator
            .answer(offer, &opts, &local)
            .ctx("the peer's offer")?;
        let selection = answer.selections.into_iter().next().ok_or_else(|| {
            format!(
                "every m-line of the offer was refused: {:?}",
                answer.rejections
            )
        })?;
        Ok((
            answer.sdp,
            Negotiated {
                selection,
                listener: Some(listener),
            },
        ))
    }

    /// Connects or accepts (for at most [`super::WIRE_STEP_TIMEOUT`]) as negotiated, checking
    /// an accepted peer's identity. Cancel-safe: nothing is kept.
    ///
    /// # Errors
    /// A role the runner cannot play (`both`, `holdconn`), the connection failing, no peer
    /// connecting in time, or a peer whose identity does not match its SDP.
    pub async fn connect(&self, n: Negotiated) -> Result<WirePeer, String> {
        let sel = n.selection;
        let transport = sel.transport().clone();
        let conn = match sel.role {
            Role::Active => transport.connect(&sel.target).await.ctx("connect")?,
            Role::Passive => {
                let listener = n.listener.ok_or("passive without a listener")?;
                let accepting = tokio::time::timeout(super::WIRE_STEP_TIMEOUT, listener.accept())
                    .await
                    .map_err(|_| "the peer did not connect".to_owned())?
                    .ctx("accept")?;
                let conn = accepting.await.ctx("accept")?;
                transport
                    .verify_peer(&sel.target.media, &conn.peer)
                    .ctx("the connecting peer")?;
                conn
            }
            other => return Err(format!("the runner cannot play role {other:?}")),
        };
        WirePeer::new(&sel, conn, self.negotiator.limits())
    }
}
