//! [`JsonlMechanism`]: the plug-in registered into the negotiator.

use imsession::sdp::{Attribute, MediaDescription};
use imsession::{
    FrameDecoder, Limits, MechanismSession, NegotiationError, SessionEnd, SessionMechanism,
    SessionParams,
};

use crate::decoder::JsonlDecoder;
use crate::session::JsonlSession;

/// The mechanism part of the proto token.
pub const NAME: &str = "jsonl";

/// JSON-lines message sessions.
#[derive(Clone, Debug, Default)]
pub struct JsonlMechanism {
    _private: (),
}

impl JsonlMechanism {
    /// The mechanism.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SessionMechanism for JsonlMechanism {
    fn name(&self) -> &str {
        NAME
    }

    fn new_uri(&self, host: &str) -> String {
        imsession::session_uri("jsonl", host)
    }

    /// The format list is what we accept; `a=uri` names our end.
    fn describe(&self, local: &SessionEnd, media: &mut MediaDescription) {
        media.formats = local.accepts.iter().map(ToString::to_string).collect();
        if media.formats.is_empty() {
            media.formats.push("text/plain".into());
        }
        media.push_attribute(Attribute::Uri(local.uri.clone()));
    }

    fn read_remote(&self, media: &MediaDescription) -> Result<SessionEnd, NegotiationError> {
        SessionEnd::from_uri_media(media, "every jsonl/tcp m-line names its session end")
    }

    /// A line holds the body (JSON-escaped, at most 6 bytes per byte for control
    /// characters) plus the envelope, bounded by the header-block limit.
    fn decoder(&self, limits: &Limits) -> Box<dyn FrameDecoder> {
        let max_line = limits
            .max_message
            .saturating_mul(6)
            .saturating_add(limits.max_header_block);
        Box::new(JsonlDecoder::new(max_line))
    }

    fn open(&self, params: &SessionParams) -> Box<dyn MechanismSession> {
        Box::new(JsonlSession::new(params))
    }
}
