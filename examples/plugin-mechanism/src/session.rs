//! [`JsonlSession`]: one session's state: its two URIs and the message counter.

use bytes::BytesMut;
use imsession::{
    Inbound, MechanismSession, Message, MessageId, SessionError, SessionKey, SessionParams,
};

use crate::decoder::key;
use crate::wire::Line;

/// Per-session state: fills in `to`, `from` and `id`; delivers what arrives.
#[derive(Debug)]
pub struct JsonlSession {
    local: String,
    remote: String,
    next_id: u64,
}

impl JsonlSession {
    /// State for the session `params` describes.
    pub fn new(params: &SessionParams) -> Self {
        Self {
            local: params.local.uri.clone(),
            remote: params.remote.uri.clone(),
            next_id: 1,
        }
    }
}

impl MechanismSession for JsonlSession {
    fn key(&self) -> SessionKey {
        key(&self.local, &self.remote)
    }

    fn encode(&mut self, message: Message, dst: &mut BytesMut) -> Result<MessageId, SessionError> {
        let body = String::from_utf8(message.body.to_vec())
            .map_err(|_| SessionError::Encode("jsonl carries UTF-8 bodies only".into()))?;
        let id = self.next_id;
        Line {
            to: self.remote.clone(),
            from: self.local.clone(),
            id,
            content_type: message.content_type.to_string(),
            headers: message
                .headers
                .into_iter()
                .map(|h| (h.name.into(), h.value.into()))
                .collect(),
            body,
        }
        .encode(dst);
        self.next_id += 1;
        Ok(MessageId(id))
    }

    fn receive(
        &mut self,
        frame: Message,
        _replies: &mut BytesMut,
    ) -> Result<Inbound, SessionError> {
        Ok(Inbound::Message(frame))
    }
}
