//! [`Endpoint`]: the async layer over the pure [`Negotiator`]. It binds listeners when an offer
//! or answer may make us passive, and [`Endpoint::establish`] connects or accepts as
//! negotiated, sharing connections between sessions to the same peer.

mod bind;
mod close;
mod connect;
mod establish;
mod listen;

pub use close::CLOSE_TIMEOUT;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use imsession_sdp::SessionDescription;

pub(crate) use bind::PendingBind;
pub(crate) use establish::Binding;

use crate::error::{Error, NegotiationError};
use crate::hub::Shared;
use crate::limits::{LimitCounters, LimitHits};
use crate::negotiate::comedia::{Comedia, Role, answer_role, offer_may_listen};
use crate::negotiate::{
    Answer, AnswerOptions, LocalAddress, MediaOptions, Negotiator, PendingOffer, Selection,
};

/// Host listeners bind to unless configured: loopback, so nothing is exposed by default.
pub const DEFAULT_LISTEN_HOST: &str = "127.0.0.1";

/// Counters of an endpoint, across its connections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointStats {
    /// Frames whose session identity matched no session on their connection; discarded.
    pub unknown_session_frames: u64,
    /// Bytes skipped before frame envelopes.
    pub discarded_bytes: u64,
    /// Connections open now.
    pub open_connections: usize,
    /// Connections opened by us so far.
    pub connections_initiated: u64,
    /// Connections accepted so far.
    pub connections_accepted: u64,
    /// How many times each limit was hit ([`crate::limits::Limit`]).
    pub limit_hits: LimitHits,
}

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) unknown_session_frames: AtomicU64,
    pub(crate) discarded_bytes: AtomicU64,
    pub(crate) initiated: AtomicU64,
    pub(crate) accepted: AtomicU64,
    pub(crate) limits: LimitCounters,
}

pub(crate) struct Inner {
    pub(crate) negotiator: Negotiator,
    listen_host: String,
    advertise_host: String,
    listeners: tokio::sync::Mutex<HashMap<String, listen::ListenerEntry>>,
    pub(crate) connections: Mutex<Vec<Arc<Shared>>>,
    pub(crate) pending: Mutex<Vec<PendingBind>>,
    pub(crate) stats: Counters,
    /// One lock per connect target, held while connecting, so concurrent sessions to one
    /// peer share one connection and a slow peer delays no other.
    connecting: connect::TargetLocks,
}

/// One side of message sessions: negotiates, listens, connects, and shares connections.
///
/// ```no_run
/// # async fn run(endpoint: imsession::Endpoint, offer: imsession_sdp::SessionDescription) -> Result<(), Box<dyn std::error::Error>> {
/// use futures::StreamExt;
/// let answer = endpoint.answer(&offer, &imsession::AnswerOptions::default()).await?;
/// println!("{}", answer.sdp); // send this back to the offerer
/// let mut session = endpoint.establish(answer.selections[0].clone()).await?;
/// session.send(imsession::Message::text("hello")).await?;
/// while let Some(message) = session.next().await {
///     println!("{:?}", message?.body_text());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Endpoint {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("advertise_host", &self.inner.advertise_host)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint listening on [`DEFAULT_LISTEN_HOST`] when it needs to, and advertising it.
    pub fn new(negotiator: Negotiator) -> Self {
        Self::with_hosts(negotiator, DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_HOST)
    }

    /// An endpoint that binds listeners on `listen_host` (an address literal; `0.0.0.0` or
    /// `::` for every interface) and writes `advertise_host` into `c=` and `o=`.
    pub fn with_hosts(
        negotiator: Negotiator,
        listen_host: impl Into<String>,
        advertise_host: impl Into<String>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                negotiator,
                listen_host: listen_host.into(),
                advertise_host: advertise_host.into(),
                listeners: tokio::sync::Mutex::new(HashMap::new()),
                connections: Mutex::new(Vec::new()),
                pending: Mutex::new(Vec::new()),
                stats: Counters::default(),
                connecting: connect::TargetLocks::default(),
            }),
        }
    }

    /// The negotiator.
    pub fn negotiator(&self) -> &Negotiator {
        &self.inner.negotiator
    }

    /// Builds an offer, binding a listener for each m-line on which we may be passive.
    ///
    /// # Errors
    /// [`Error::Negotiation`] as [`Negotiator::offer`]; [`Error::Transport`] when a listener
    /// cannot be bound. Cancel-safe: a listener bound before cancellation stays for reuse.
    pub async fn offer(&self, media: &[MediaOptions]) -> Result<PendingOffer, Error> {
        let mut local = LocalAddress::new(self.inner.advertise_host.clone());
        for m in media {
            if offer_may_listen(m.setup) {
                let pair = self
                    .inner
                    .negotiator
                    .pair_for(m.proto.as_str())
                    .ok_or_else(|| NegotiationError::UnsupportedProto(m.proto.to_string()))?;
                let port = self.inner.ensure_listener(pair).await?;
                local = local.with_port(pair.transport.name(), port);
            }
        }
        Ok(self.inner.negotiator.offer(media, &local)?)
    }

    /// Answers an offer, binding a listener for each m-line on which we will be passive.
    ///
    /// # Errors
    /// [`Error::Transport`] when a listener cannot be bound.
    pub async fn answer(
        &self,
        offer: &SessionDescription,
        opts: &AnswerOptions,
    ) -> Result<Answer, Error> {
        let mut local = LocalAddress::new(self.inner.advertise_host.clone());
        for m in offer.media() {
            let Some(pair) = self.inner.negotiator.pair_for(&m.proto) else {
                continue;
            };
            let role = answer_role(&Comedia::read(offer, m), opts.setup).role;
            if matches!(role, Role::Passive | Role::Both) && m.port != 0 {
                let port = self.inner.ensure_listener(pair).await?;
                local = local.with_port(pair.transport.name(), port);
            }
        }
        let mut answer = self.inner.negotiator.answer(offer, opts, &local)?;
        self.expect(&mut answer);
        Ok(answer)
    }

    /// Completes our offer with the peer's answer (see [`Negotiator::complete`]) and registers
    /// the selected sessions, so frames the peer sends before [`Endpoint::establish`] are kept.
    ///
    /// # Errors
    /// As [`Negotiator::complete`].
    pub fn complete(
        &self,
        pending: &PendingOffer,
        answer: &SessionDescription,
    ) -> Result<Vec<Selection>, NegotiationError> {
        let mut selections = self.inner.negotiator.complete(pending, answer)?;
        for s in &mut selections {
            s.expected = Some(self.inner.expect(s));
        }
        Ok(selections)
    }

    /// Counters across this endpoint's connections.
    pub fn stats(&self) -> EndpointStats {
        let s = &self.inner.stats;
        EndpointStats {
            unknown_session_frames: s.unknown_session_frames.load(Ordering::Relaxed),
            discarded_bytes: s.discarded_bytes.load(Ordering::Relaxed),
            open_connections: self
                .inner
                .connections
                .lock()
                .expect("connections lock")
                .len(),
            connections_initiated: s.initiated.load(Ordering::Relaxed),
            connections_accepted: s.accepted.load(Ordering::Relaxed),
            limit_hits: s.limits.snapshot(),
        }
    }
}

impl Inner {
    pub(crate) fn forget(&self, conn: &Arc<Shared>) {
        self.connections
            .lock()
            .expect("connections lock")
            .retain(|c| !Arc::ptr_eq(c, conn));
    }

    /// Closes `conn` after the idle grace period if no session is on it by then.
    pub(crate) fn schedule_idle_close(&self, conn: Arc<Shared>) {
        let grace = self.negotiator.limits().idle_grace;
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            if conn.session_count() == 0 {
                conn.close();
            }
        });
    }
}
