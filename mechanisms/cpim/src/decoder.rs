//! [`CpimDecoder`]: the connection-level decoder, envelope framing plus CPIM parsing, yielding
//! frames keyed by their `To`/`From` session identity.

use bytes::{BufMut, Bytes, BytesMut};
use imsession::limits::Limit;
use imsession::{Frame, FrameDecoder, FrameError, Message, SessionKey};

use crate::codec::{self, CodecLimits, CpimMessage};

/// Separates the two URIs in a [`SessionKey`].
const KEY_SEPARATOR: u8 = b'\n';

/// The session key of frames sent to `to` from `from`.
pub(crate) fn session_key(to: &str, from: &str) -> SessionKey {
    let mut key = BytesMut::with_capacity(to.len() + from.len() + 1);
    key.put_slice(to.as_bytes());
    key.put_u8(KEY_SEPARATOR);
    key.put_slice(from.as_bytes());
    SessionKey(key.freeze())
}

/// Decodes cpim frames from a connection.
///
/// A frame whose envelope is sound but whose CPIM content is malformed, or lacks `To` or
/// `From`, cannot be routed to any session: it is skipped and its bytes are counted in
/// [`FrameDecoder::discarded_bytes`]; the connection goes on. Envelope errors end the
/// connection.
pub struct CpimDecoder {
    frames: codec::FrameDecoder,
    limits: CodecLimits,
    skipped: u64,
    /// The limit the last error enforced, if it was one.
    exceeded: Option<(Limit, u64)>,
}

impl CpimDecoder {
    /// A decoder with these limits.
    pub fn new(limits: CodecLimits) -> Self {
        Self {
            frames: codec::FrameDecoder::new(limits),
            limits,
            skipped: 0,
            exceeded: None,
        }
    }
}

impl FrameDecoder for CpimDecoder {
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        loop {
            let Some(payload) = self.frames.decode(src).map_err(|e| {
                self.exceeded = exceeded(&e);
                FrameError(e.to_string())
            })?
            else {
                return Ok(None);
            };
            let len = payload.len() as u64;
            match to_frame(payload, &self.limits) {
                Some(frame) => return Ok(Some(frame)),
                None => self.skipped += len,
            }
        }
    }

    fn discarded_bytes(&self) -> u64 {
        self.frames.discarded_bytes() + self.skipped
    }

    fn reserve_hint(&self) -> usize {
        self.frames.reserve_hint()
    }

    fn is_mid_frame(&self) -> bool {
        self.frames.is_mid_frame()
    }

    fn exceeded(&self) -> Option<(Limit, u64)> {
        self.exceeded
    }
}

/// The framework limit an envelope error enforced, with its value.
fn exceeded(e: &codec::FrameError) -> Option<(Limit, u64)> {
    let (limit, max) = match e {
        codec::FrameError::TooLarge { limit, .. } => (Limit::Message, *limit),
        codec::FrameError::HeaderTooLong { limit } => (Limit::HeaderBlock, *limit),
        codec::FrameError::GarbageOverLimit { limit, .. } => (Limit::Garbage, *limit),
        _ => return None,
    };
    Some((limit, max as u64))
}

fn to_frame(payload: Bytes, limits: &CodecLimits) -> Option<Frame> {
    let cpim = CpimMessage::decode(payload, limits).ok()?;
    let to = cpim.to().ok()?.into_iter().next()?.uri;
    let from = cpim.from().ok()??.uri;
    let key = session_key(&to, &from);
    Some(Frame {
        key,
        message: into_message(cpim)?,
    })
}

/// Converts a decoded CPIM message to the framework's [`Message`]; `None` when its
/// Content-Type is not a media type.
pub(crate) fn into_message(cpim: CpimMessage) -> Option<Message> {
    let CpimMessage {
        meta,
        mut content,
        body,
    } = cpim;
    let at = content.iter().position(|h| h.is("Content-Type"))?;
    let content_type = content.remove(at).value.trim().parse::<mime::Mime>().ok()?;
    Some(Message {
        content_type,
        headers: content,
        body,
        meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_frame_is_refused_from_its_envelope() {
        let limits = CodecLimits {
            max_message: 100,
            ..CodecLimits::default()
        };
        let mut d = CpimDecoder::new(limits);
        let mut src = BytesMut::from(&b"Content-Type: message/cpim\r\nContent-Length: 101\r\n"[..]);
        assert!(d.decode(&mut src).is_err(), "refused before the body");
        assert_eq!(d.exceeded(), Some((Limit::Message, 100)));
    }

    #[test]
    fn a_frame_in_progress_is_mid_frame() {
        let mut d = CpimDecoder::new(CodecLimits::default());
        let mut src =
            BytesMut::from(&b"Content-Type: message/cpim\r\nContent-Length: 5\r\n\r\n"[..]);
        assert_eq!(d.decode(&mut src).unwrap().map(|f| f.key), None);
        assert!(src.is_empty() && d.is_mid_frame());
        assert_eq!(d.exceeded(), None);
    }
}
