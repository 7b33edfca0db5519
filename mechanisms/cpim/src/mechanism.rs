//! [`CpimMechanism`]: the cpim session mechanism's SDP semantics (cpimmsg-sessions-00 §4).

use imsession::sdp::{Attribute, MediaDescription};
use imsession::{
    FrameDecoder, Limits, MechanismSession, MediaRange, NegotiationError, SessionEnd,
    SessionMechanism, SessionParams,
};

use crate::codec::CodecLimits;
use crate::decoder::CpimDecoder;
use crate::session::CpimSession;

/// The mechanism name, as it appears in proto tokens (`cpim/tcp`, `cpim/tls`, `cpim/sctp`).
pub const NAME: &str = "cpim";

/// Length of the random part of session URIs we mint, in characters (base 36, ~98 bits).
pub const URI_RANDOM_LEN: usize = imsession::SESSION_ID_LEN;

/// The cpim mechanism. Register it with [`imsession::Negotiator::builder`]; it serves
/// `cpim/<transport>` over every registered transport.
#[derive(Clone, Debug, Default)]
pub struct CpimMechanism {
    _private: (),
}

impl CpimMechanism {
    /// The mechanism.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SessionMechanism for CpimMechanism {
    fn name(&self) -> &str {
        NAME
    }

    fn new_uri(&self, host: &str) -> String {
        imsession::session_uri("im", host)
    }

    /// The format list is what we accept, `text/plain` first (§4.1 requires it listed);
    /// `a=uri` names our end (§4.2).
    fn describe(&self, local: &SessionEnd, media: &mut MediaDescription) {
        let plain = MediaRange::parse("text/plain").expect("literal");
        let mut formats = vec![plain.to_string()];
        formats.extend(local.accepts.iter().filter(|r| **r != plain).map(|r| {
            if r.top == "*" {
                "*".to_owned()
            } else {
                r.to_string()
            }
        }));
        media.formats = formats;
        media.push_attribute(Attribute::Uri(local.uri.clone()));
    }

    fn read_remote(&self, media: &MediaDescription) -> Result<SessionEnd, NegotiationError> {
        let end = SessionEnd::from_uri_media(media, "cpimmsg-sessions §4.2")?;
        if !imsession::accept::accepts(&end.accepts, &mime::TEXT_PLAIN) {
            return Err(NegotiationError::BadMedia {
                index: 0,
                reason: "format list lacks text/plain (cpimmsg-sessions §4.1)".into(),
            });
        }
        Ok(end)
    }

    fn decoder(&self, limits: &Limits) -> Box<dyn FrameDecoder> {
        Box::new(CpimDecoder::new(codec_limits(limits)))
    }

    fn open(&self, params: &SessionParams) -> Box<dyn MechanismSession> {
        Box::new(CpimSession::new(params))
    }
}

pub(crate) fn codec_limits(limits: &Limits) -> CodecLimits {
    CodecLimits {
        max_message: limits.max_message.saturating_add(limits.max_header_block),
        max_header_block: limits.max_header_block,
        max_garbage: limits.max_garbage,
    }
}
