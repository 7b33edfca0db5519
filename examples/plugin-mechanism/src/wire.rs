//! [`Line`]: one message as it travels, and its conversion to and from [`Message`].

use bytes::BytesMut;
use imsession::{Header, Message};
use serde::{Deserialize, Serialize};

/// One message on the wire: a JSON object on one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// The receiving session end's URI.
    pub to: String,
    /// The sending session end's URI.
    pub from: String,
    /// Per-direction message number, from 1.
    pub id: u64,
    /// The body's media type.
    #[serde(rename = "type")]
    pub content_type: String,
    /// Other MIME headers of the body, as name/value pairs in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// The body: text, so only UTF-8 bodies can be carried.
    pub body: String,
}

impl Line {
    /// Appends the line, `\n` included, to `dst`.
    pub fn encode(&self, dst: &mut BytesMut) {
        // Serialising these plain fields cannot fail; JSON escapes every control character,
        // so the line holds no raw `\n`.
        let json = serde_json::to_vec(self).expect("plain strings and numbers serialise");
        dst.extend_from_slice(&json);
        dst.extend_from_slice(b"\n");
    }

    /// The message the line carries, with `From`, `To` and `MsgID` as metadata.
    ///
    /// # Errors
    /// When `type` is not a media type.
    pub fn into_message(self) -> Result<Message, String> {
        let content_type = self
            .content_type
            .parse()
            .map_err(|_| format!("type {:?} is not a media type", self.content_type))?;
        let mut m = Message::new(content_type, self.body);
        m.headers = self
            .headers
            .into_iter()
            .map(|(n, v)| Header::new(n, v))
            .collect();
        m.meta = vec![
            Header::new("From", self.from),
            Header::new("To", self.to),
            Header::new("MsgID", self.id.to_string()),
        ];
        Ok(m)
    }
}
