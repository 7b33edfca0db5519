//! Shared by the test files that build deliberately broken plug-ins.

use imsession::sdp::MediaDescription;
use imsession::{
    FrameDecoder, Limits, MechanismSession, NegotiationError, SessionEnd, SessionMechanism,
    SessionParams,
};
use imsession_cpim::CpimMechanism;

/// cpim with every session it opens wrapped by `wrap`: negotiation and framing are cpim's,
/// only what the sessions send or receive is broken.
pub(crate) struct WrappedCpim<F> {
    cpim: CpimMechanism,
    wrap: F,
}

impl<F> WrappedCpim<F>
where
    F: Fn(Box<dyn MechanismSession>) -> Box<dyn MechanismSession> + Send + Sync + 'static,
{
    /// cpim whose sessions `wrap` wraps.
    pub(crate) fn new(wrap: F) -> Self {
        Self {
            cpim: CpimMechanism::new(),
            wrap,
        }
    }
}

impl<F> SessionMechanism for WrappedCpim<F>
where
    F: Fn(Box<dyn MechanismSession>) -> Box<dyn MechanismSession> + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        self.cpim.name()
    }
    fn new_uri(&self, host: &str) -> String {
        self.cpim.new_uri(host)
    }
    fn describe(&self, local: &SessionEnd, media: &mut MediaDescription) {
        self.cpim.describe(local, media);
    }
    fn read_remote(&self, media: &MediaDescription) -> Result<SessionEnd, NegotiationError> {
        self.cpim.read_remote(media)
    }
    fn decoder(&self, limits: &Limits) -> Box<dyn FrameDecoder> {
        self.cpim.decoder(limits)
    }
    fn open(&self, params: &SessionParams) -> Box<dyn MechanismSession> {
        (self.wrap)(self.cpim.open(params))
    }
}
