//! [`CpimDecoder`]: the connection-level decoder, envelope framing plus CPIM parsing, yielding
//! frames keyed by their `To`/`From` session identity.

use bytes::{BufMut, Bytes, BytesMut};
use imsession::limits::Limit;
use imsession::{Frame, FrameDecoder, FrameError, Header, Message, SessionKey};
use mime::Mime;

use crate::codec::{self, CodecLimits, Parts, address_uri};

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

/// Content types common enough to be recognised without parsing (and without allocating).
static COMMON_TYPES: [Mime; 5] = [
    mime::TEXT_PLAIN,
    mime::TEXT_PLAIN_UTF_8,
    mime::TEXT_HTML,
    mime::APPLICATION_JSON,
    mime::APPLICATION_OCTET_STREAM,
];

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
    /// The last frame's key and the raw `To` and `From` values it came from: consecutive
    /// frames of one session share it instead of each parsing and allocating their own.
    last: Option<(SessionKey, String, String)>,
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
            last: None,
            exceeded: None,
        }
    }

    fn frame_of(&mut self, payload: Bytes) -> Option<Frame> {
        let parts = Parts::decode(payload, &self.limits, true).ok()?;
        let key = self.key(&parts.meta)?;
        Some(Frame {
            key,
            message: parts_into_message(parts)?,
        })
    }

    /// The key of a frame with these metadata headers: its first `To` URI and its `From`
    /// URI; `None` when either is missing or any `To` or the `From` is malformed.
    fn key(&mut self, meta: &[Header]) -> Option<SessionKey> {
        let mut tos = meta.iter().filter(|h| h.is("To"));
        let to = &tos.next()?.value;
        let from = &meta.iter().find(|h| h.is("From"))?.value;
        let more_to = tos.try_fold((), |(), h| address_uri(&h.value).map(|_| ()));
        more_to?;
        if let Some((key, last_to, last_from)) = &self.last {
            if *last_to == **to && *last_from == **from {
                return Some(key.clone());
            }
        }
        let key = session_key(address_uri(to)?, address_uri(from)?);
        match &mut self.last {
            // Reuse the strings' storage: frames of many sessions interleaved miss every time.
            Some((last_key, last_to, last_from)) => {
                last_key.clone_from(&key);
                last_to.clear();
                last_to.push_str(to);
                last_from.clear();
                last_from.push_str(from);
            }
            None => self.last = Some((key.clone(), to.to_string(), from.to_string())),
        }
        Some(key)
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
            match self.frame_of(payload) {
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

/// Parses a Content-Type value.
fn content_type(value: &str) -> Option<Mime> {
    if let Some(common) = COMMON_TYPES.iter().find(|m| m.as_ref() == value) {
        return Some(common.clone());
    }
    value.parse().ok()
}

/// Converts decoded parts (Content-Type set apart) to the framework's [`Message`]; `None`
/// when the Content-Type is not a media type.
fn parts_into_message(parts: Parts) -> Option<Message> {
    Some(Message {
        content_type: content_type(parts.content_type?.trim())?,
        headers: parts.content,
        body: parts.body,
        meta: parts.meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{CpimMessage, encode_frame};

    fn frame(to: &str, from: &str, content_type: &str) -> BytesMut {
        let mut m = CpimMessage::new(content_type, "hi");
        m.meta.push(Header::new("From", format!("Alice <{from}>")));
        m.meta.push(Header::new("To", format!("<{to}>")));
        let mut wire = BytesMut::new();
        encode_frame(&m, &mut wire);
        wire
    }

    #[test]
    fn keys_are_to_then_from_and_shared_between_frames_of_one_session() {
        let mut d = CpimDecoder::new(CodecLimits::default());
        let mut wire = frame("im:b@y", "im:a@x", "text/plain");
        wire.extend_from_slice(&frame("im:b@y", "im:a@x", "text/plain"));
        wire.extend_from_slice(&frame("im:b@y", "im:c@z", "text/plain"));
        let f1 = d.decode(&mut wire).unwrap().unwrap();
        let f2 = d.decode(&mut wire).unwrap().unwrap();
        let f3 = d.decode(&mut wire).unwrap().unwrap();
        assert_eq!(f1.key, session_key("im:b@y", "im:a@x"));
        assert_eq!(
            f1.key.0.as_ptr(),
            f2.key.0.as_ptr(),
            "one key for one session"
        );
        assert_eq!(f3.key, session_key("im:b@y", "im:c@z"));
    }

    #[test]
    fn a_malformed_address_skips_the_frame() {
        let mut d = CpimDecoder::new(CodecLimits::default());
        let mut wire = frame("not a uri", "im:a@x", "text/plain");
        let skipped = wire.len();
        wire.extend_from_slice(&frame("im:b@y", "im:a@x", "text/plain"));
        let f = d.decode(&mut wire).unwrap().unwrap();
        assert_eq!(f.key, session_key("im:b@y", "im:a@x"));
        assert!(d.discarded_bytes() > 0 && d.discarded_bytes() < skipped as u64);
    }

    #[test]
    fn common_and_other_content_types_parse_alike() {
        for t in [
            "text/plain",
            "text/plain; charset=utf-8",
            "text/html",
            "Text/Plain",
            "image/png",
        ] {
            let mut d = CpimDecoder::new(CodecLimits::default());
            let f = d
                .decode(&mut frame("im:b@y", "im:a@x", t))
                .unwrap()
                .unwrap();
            assert_eq!(f.message.content_type, t.parse::<Mime>().unwrap(), "{t}");
        }
    }

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
