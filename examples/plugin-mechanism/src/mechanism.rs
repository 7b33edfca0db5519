//! [`JsonlMechanism`]: the plug-in registered into the negotiator.

use imsession::sdp::{Attribute, MediaDescription};
use imsession::{
    FrameDecoder, Limits, MechanismSession, MediaRange, NegotiationError, SessionEnd,
    SessionMechanism, SessionParams,
};

use crate::decoder::JsonlDecoder;
use crate::session::JsonlSession;

/// The mechanism part of the proto token.
pub const NAME: &str = "jsonl";

/// Random characters in a session URI.
const URI_RANDOM_LEN: usize = 16;

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
        const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let id: String = (0..URI_RANDOM_LEN)
            .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
            .collect();
        format!("jsonl:{id}@{host}")
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
        let bad = |reason: String| NegotiationError::BadMedia { index: 0, reason };
        let uri = media.uri().ok_or_else(|| bad("no a=uri".into()))?;
        let accepts = media
            .formats
            .iter()
            .map(|f| {
                MediaRange::parse(f).ok_or_else(|| bad(format!("format {f:?} is not a media type")))
            })
            .collect::<Result<_, _>>()?;
        Ok(SessionEnd {
            uri: uri.to_owned(),
            accepts,
            max_size: media.max_size(),
        })
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
