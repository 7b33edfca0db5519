//! [`CpimSession`]: per-session cpim state: `To`/`From`, `MsgID` numbering, delivery
//! confirmations (cpimmsg-sessions-00 §5, §6.3).

use bytes::{Bytes, BytesMut};
use imsession::{
    DeliveryEvent, DeliveryStatus as Outcome, Header, Inbound, MechanismSession, MediaRange,
    Message, MessageId, SessionError, SessionKey, SessionParams,
};

use crate::codec::{self, DELIVERY_STATUS_TYPE, DeliveryStatus, HeaderRef};
use crate::decoder::session_key;

/// Metadata headers the session writes itself; the application's values for them are
/// replaced.
pub const OWNED_HEADERS: &[&str] = &["From", "To", "MsgID"];

/// Bodies of at least this many bytes are not copied into their frame:
/// [`MechanismSession::encode_split`] hands them to the connection's writer as they are
/// (a cpim frame ends with its body), which copies them once into its write buffer or, when
/// large, writes them from where they are. Below it, one contiguous frame is cheaper: at 64 B
/// a split frame cost the sender about 160 more instructions per message, at 1 KiB it saved
/// about 170 (callgrind, `docs/benchmarks.md`).
pub const SPLIT_BODY_MIN: usize = 512;

/// Per-session state of the cpim mechanism.
#[derive(Debug)]
pub struct CpimSession {
    local: String,
    remote: String,
    /// `From` and `To` values, `<uri>`, built once.
    from_value: String,
    to_value: String,
    next_id: u64,
    /// Reused for each message's `MsgID` value.
    id_text: String,
    /// The peer listed `message/im-delivery-status` explicitly: it wants confirmations.
    peer_wants_reports: bool,
}

impl CpimSession {
    /// State for a session between `params.local` and `params.remote`.
    pub fn new(params: &SessionParams) -> Self {
        let report = MediaRange::parse(DELIVERY_STATUS_TYPE).expect("literal");
        Self {
            local: params.local.uri.clone(),
            remote: params.remote.uri.clone(),
            from_value: format!("<{}>", params.local.uri),
            to_value: format!("<{}>", params.remote.uri),
            next_id: 1,
            id_text: String::new(),
            peer_wants_reports: params.remote.accepts.contains(&report),
        }
    }

    /// Appends one frame with the session's `From`, `To` and next `MsgID`, then `meta`,
    /// `Content-Type: content_type`, `content`, and `body` (only its length when `split`:
    /// the caller sends the body after). No allocation once warmed up.
    fn write_frame<'a>(
        &mut self,
        meta: impl Iterator<Item = HeaderRef<'a>> + Clone,
        content_type: &str,
        content: impl Iterator<Item = HeaderRef<'a>> + Clone,
        body: &[u8],
        split: bool,
        dst: &mut BytesMut,
    ) -> MessageId {
        let id = self.next_id;
        self.next_id += 1;
        let mut digits = [0u8; 20];
        let start = codec::decimal(id, &mut digits);
        self.id_text.clear();
        // Decimal digits are ASCII.
        self.id_text
            .extend(digits[start..].iter().map(|&d| char::from(d)));
        let own = [
            ("From", self.from_value.as_str()),
            ("To", self.to_value.as_str()),
            ("MsgID", self.id_text.as_str()),
        ];
        let content = std::iter::once(("Content-Type", content_type)).chain(content.map(shorten));
        let meta = own.into_iter().chain(meta.map(shorten));
        if split {
            codec::encode_frame_head(meta, content, body.len(), dst);
        } else {
            codec::encode_frame_parts(meta, content, body, dst);
        }
        MessageId(id)
    }

    /// Checks `message` and appends its frame, the body left out when `split`.
    fn encode_message(
        &mut self,
        message: &Message,
        split: bool,
        dst: &mut BytesMut,
    ) -> Result<MessageId, SessionError> {
        for h in &message.meta {
            codec::check_header(&h.name, &h.value, true).map_err(encode_error)?;
        }
        for h in &message.headers {
            if h.is("Content-Type") {
                return Err(SessionError::Encode(
                    "Content-Type belongs in Message::content_type".into(),
                ));
            }
            codec::check_header(&h.name, &h.value, false).map_err(encode_error)?;
        }
        let meta = message
            .meta
            .iter()
            .filter(|h| !owned(h))
            .map(|h| (h.name.as_str(), h.value.as_str()));
        let content = message
            .headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()));
        Ok(self.write_frame(
            meta,
            message.content_type.as_ref(),
            content,
            &message.body,
            split,
            dst,
        ))
    }
}

/// Narrows a header reference's lifetime, so borrowed parts of different lifetimes chain.
fn shorten<'s, 'a: 's>(h: HeaderRef<'a>) -> HeaderRef<'s> {
    h
}

fn owned(h: &Header) -> bool {
    OWNED_HEADERS.iter().any(|o| h.is(o))
}

fn encode_error(e: codec::CpimError) -> SessionError {
    SessionError::Encode(e.to_string())
}

impl MechanismSession for CpimSession {
    fn key(&self) -> SessionKey {
        // Inbound frames are addressed To our URI, From the peer's.
        session_key(&self.local, &self.remote)
    }

    fn encode(&mut self, message: Message, dst: &mut BytesMut) -> Result<MessageId, SessionError> {
        self.encode_message(&message, false, dst)
    }

    fn encode_split(
        &mut self,
        message: Message,
        dst: &mut BytesMut,
    ) -> Result<(MessageId, Option<Bytes>), SessionError> {
        let split = message.body.len() >= SPLIT_BODY_MIN;
        let id = self.encode_message(&message, split, dst)?;
        Ok((id, split.then_some(message.body)))
    }

    fn receive(&mut self, frame: Message, replies: &mut BytesMut) -> Result<Inbound, SessionError> {
        if frame
            .content_type
            .essence_str()
            .eq_ignore_ascii_case(DELIVERY_STATUS_TYPE)
        {
            // §6.3: never confirm a confirmation.
            let report = DeliveryStatus::decode(&frame.body)
                .map_err(|e| SessionError::BadFrame(e.to_string()))?;
            let id = MessageId(report.original_msg_id);
            if report.original_msg_id == 0 || report.original_msg_id >= self.next_id {
                return Err(SessionError::UnknownMessage(id));
            }
            let delivered = report
                .action
                .as_deref()
                .is_none_or(|a| a.trim().eq_ignore_ascii_case("delivered"));
            let status = if delivered {
                Outcome::Delivered
            } else {
                Outcome::Failed {
                    action: report.action,
                    status: report.status,
                }
            };
            return Ok(Inbound::Delivery(DeliveryEvent { id, status }));
        }
        if self.peer_wants_reports {
            if let Some(original) = frame
                .meta("MsgID")
                .and_then(|v| v.trim().parse::<u64>().ok())
            {
                let mut report = DeliveryStatus::new(original);
                report.action = Some("delivered".into());
                report.status = Some("2.0.0".into());
                let mut body = BytesMut::new();
                report.encode(&mut body);
                let none = std::iter::empty();
                self.write_frame(
                    none.clone(),
                    DELIVERY_STATUS_TYPE,
                    none,
                    &body,
                    false,
                    replies,
                );
            }
        }
        Ok(Inbound::Message(frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{CodecLimits, CpimMessage, FrameDecoder};
    use imsession::{Limits, SessionEnd};

    fn session() -> CpimSession {
        let end = |uri: &str| SessionEnd {
            uri: uri.into(),
            accepts: vec![MediaRange::any()],
            max_size: None,
        };
        CpimSession::new(&SessionParams {
            local: end("im:a@x"),
            remote: end("im:b@y"),
            limits: Limits::default(),
        })
    }

    fn decode(wire: &mut BytesMut) -> CpimMessage {
        let payload = FrameDecoder::new(CodecLimits::default())
            .decode(wire)
            .unwrap()
            .unwrap();
        CpimMessage::decode(payload, &CodecLimits::default()).unwrap()
    }

    #[test]
    fn owned_headers_are_the_sessions_and_ids_count_up() {
        let mut s = session();
        let mut wire = BytesMut::new();
        let mut m = Message::text("hi");
        m.meta = vec![
            Header::new("From", "<im:spoof@z>"),
            Header::new("Subject;lang=en", "a\tb"),
        ];
        assert_eq!(s.encode(m.clone(), &mut wire).unwrap(), MessageId(1));
        assert_eq!(s.encode(m, &mut wire).unwrap(), MessageId(2));
        let first = decode(&mut wire);
        assert_eq!(first.from().unwrap().unwrap().uri, "im:a@x");
        assert_eq!(first.to().unwrap()[0].uri, "im:b@y");
        assert_eq!(first.msg_id(), Some("1"));
        assert_eq!(first.subjects()[0].text, "a\tb");
        assert_eq!(decode(&mut wire).msg_id(), Some("2"));
    }

    #[test]
    fn a_large_body_is_split_off_and_the_frame_is_the_same() {
        let body = bytes::Bytes::from(vec![b'z'; SPLIT_BODY_MIN]);
        let m = Message::new(mime::TEXT_PLAIN, body.clone());
        let mut whole = BytesMut::new();
        session().encode(m.clone(), &mut whole).unwrap();
        let mut head = BytesMut::new();
        let (id, split) = session().encode_split(m, &mut head).unwrap();
        assert_eq!(id, MessageId(1));
        let split = split.expect("body left out");
        assert_eq!(split.as_ptr(), body.as_ptr(), "not copied");
        head.extend_from_slice(&split);
        assert_eq!(head, whole);
        let small = Message::text("small");
        let mut frame = BytesMut::new();
        assert!(
            session()
                .encode_split(small, &mut frame)
                .unwrap()
                .1
                .is_none()
        );
        assert!(frame.ends_with(b"small"));
    }

    #[test]
    fn headers_that_would_break_the_frame_are_refused() {
        let mut s = session();
        let mut wire = BytesMut::new();
        let mut m = Message::text("hi");
        m.headers = vec![Header::new("X-Note", "a\r\nContent-Length: 0")];
        assert!(matches!(
            s.encode(m, &mut wire),
            Err(SessionError::Encode(_))
        ));
        let mut m = Message::text("hi");
        m.meta = vec![Header::new("Bad: name", "v")];
        assert!(matches!(
            s.encode(m, &mut wire),
            Err(SessionError::Encode(_))
        ));
        assert!(wire.is_empty(), "nothing written");
        // Folding is legal MIME and passes.
        let mut m = Message::text("hi");
        m.headers = vec![Header::new("X-Note", "a\r\n b")];
        assert_eq!(s.encode(m, &mut wire).unwrap(), MessageId(1));
    }
}
