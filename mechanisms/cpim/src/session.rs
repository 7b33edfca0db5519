//! [`CpimSession`]: per-session cpim state: `To`/`From`, `MsgID` numbering, delivery
//! confirmations (cpimmsg-sessions-00 §5, §6.3).

use bytes::BytesMut;
use imsession::{
    DeliveryEvent, DeliveryStatus as Outcome, Inbound, MechanismSession, MediaRange, Message,
    MessageId, SessionError, SessionKey, SessionParams,
};

use crate::codec::{self, CpimMessage, DELIVERY_STATUS_TYPE, DeliveryStatus};
use crate::decoder::session_key;

/// Metadata headers the session writes itself; the application's values for them are
/// replaced.
pub const OWNED_HEADERS: &[&str] = &["From", "To", "MsgID"];

/// Per-session state of the cpim mechanism.
#[derive(Debug)]
pub struct CpimSession {
    local: String,
    remote: String,
    next_id: u64,
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
            next_id: 1,
            peer_wants_reports: params.remote.accepts.contains(&report),
        }
    }

    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn envelope(&mut self, content_type: &str, body: bytes::Bytes) -> (u64, CpimMessage) {
        let id = self.next_id();
        let mut msg = CpimMessage::new(content_type, body);
        msg.meta = vec![
            codec::Header::new("From", format!("<{}>", self.local)),
            codec::Header::new("To", format!("<{}>", self.remote)),
            codec::Header::new("MsgID", id.to_string()),
        ];
        (id, msg)
    }
}

impl MechanismSession for CpimSession {
    fn key(&self) -> SessionKey {
        // Inbound frames are addressed To our URI, From the peer's.
        session_key(&self.local, &self.remote)
    }

    fn encode(&mut self, message: Message, dst: &mut BytesMut) -> Result<MessageId, SessionError> {
        let (id, mut cpim) = self.envelope(message.content_type.as_ref(), message.body);
        for h in message.meta {
            let base = h.name.split(';').next().unwrap_or("").trim();
            if !OWNED_HEADERS.iter().any(|o| o.eq_ignore_ascii_case(base)) {
                cpim.meta.push(codec::Header {
                    name: h.name,
                    value: h.value,
                });
            }
        }
        for h in message.headers {
            if h.name.eq_ignore_ascii_case("Content-Type") {
                return Err(SessionError::Encode(
                    "Content-Type belongs in Message::content_type".into(),
                ));
            }
            cpim.content.push(codec::Header {
                name: h.name,
                value: h.value,
            });
        }
        codec::encode_frame(&cpim, dst);
        Ok(MessageId(id))
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
                let (_, cpim) = self.envelope(DELIVERY_STATUS_TYPE, body.freeze());
                codec::encode_frame(&cpim, replies);
            }
        }
        Ok(Inbound::Message(frame))
    }
}
