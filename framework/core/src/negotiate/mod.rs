//! Pure SDP offer/answer for message sessions: [`Negotiator`] builds offers and answers and
//! turns an agreed pair into [`Selection`]s. No I/O happens here; see [`crate::Endpoint`] for
//! the step that connects.

mod answer;
mod builder;
pub mod comedia;
pub(crate) mod offer;
mod options;
mod selection;

use std::sync::Arc;

pub use answer::MESSAGE_MEDIA;
pub use builder::NegotiatorBuilder;
pub use options::{AnswerOptions, LocalAddress, MediaOptions};
pub use selection::{Answer, PendingOffer, Rejection, Selection};

use crate::limits::Limits;
use crate::mechanism::SessionMechanism;
use crate::proto::ProtoToken;
use crate::transport::Transport;

/// Port written on an m-line whose end will only connect out (comedia-04 §4.2 recommends the
/// discard port, 9; RFC 4145 §4.5 likewise).
pub const ACTIVE_PORT: u16 = 9;

/// Holds the registered mechanisms and transports and negotiates with them.
///
/// ```
/// # use imsession::Negotiator;
/// let n = Negotiator::builder().build();
/// assert!(n.protos().is_empty());
/// ```
#[derive(Clone)]
pub struct Negotiator {
    /// Every mechanism × transport pair, computed once when built.
    pairs: Vec<Pair>,
    transports: Vec<Arc<dyn Transport>>,
    limits: Limits,
}

impl std::fmt::Debug for Negotiator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Negotiator")
            .field("protos", &self.protos())
            .finish_non_exhaustive()
    }
}

/// A mechanism and transport pair serving one proto token.
#[derive(Clone)]
pub(crate) struct Pair {
    pub(crate) proto: ProtoToken,
    pub(crate) mechanism: Arc<dyn SessionMechanism>,
    pub(crate) transport: Arc<dyn Transport>,
}

impl Negotiator {
    /// Starts registering mechanisms and transports.
    pub fn builder() -> NegotiatorBuilder {
        NegotiatorBuilder::default()
    }

    /// Every proto token the registered plug-ins serve, mechanism by mechanism.
    pub fn protos(&self) -> Vec<ProtoToken> {
        self.pairs.iter().map(|p| p.proto.clone()).collect()
    }

    /// The limits sessions negotiated here will use.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// A registered transport by name (case-insensitive).
    pub fn transport(&self, name: &str) -> Option<&Arc<dyn Transport>> {
        self.transports
            .iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
    }

    pub(crate) fn pair_for(&self, proto: &str) -> Option<&Pair> {
        self.pairs.iter().find(|p| p.proto == *proto)
    }
}

/// Every pair a mechanism and a transport form (when the mechanism names a valid token).
pub(crate) fn pairs(
    mechanisms: &[Arc<dyn SessionMechanism>],
    transports: &[Arc<dyn Transport>],
) -> Vec<Pair> {
    let mut out = Vec::new();
    for m in mechanisms {
        for t in transports {
            if let Ok(proto) = m.proto(t.name()) {
                out.push(Pair {
                    proto,
                    mechanism: m.clone(),
                    transport: t.clone(),
                });
            }
        }
    }
    out
}
