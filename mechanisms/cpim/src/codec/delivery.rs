//! message/im-delivery-status bodies (cpimmsg-sessions §6.3.1).

use bytes::{BufMut, BytesMut};

use super::{CpimError, Header};

/// The media type of delivery status reports.
pub const DELIVERY_STATUS_TYPE: &str = "message/im-delivery-status";

/// A delivery status report: `name: value` lines separated by CRLF.
///
/// Decoding accepts bare LF line ends, whitespace around the colon (SIP `HCOLON`) and blank
/// lines; field names are case-insensitive. Folded lines are rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryStatus {
    /// The MsgID of the message being acknowledged.
    pub original_msg_id: u64,
    /// The Action field (RFC 1894), if present.
    pub action: Option<String>,
    /// The Status field (RFC 1893/1894), if present.
    pub status: Option<String>,
    /// Any other fields, in order.
    pub extensions: Vec<Header>,
}

impl DeliveryStatus {
    /// A report acknowledging `original_msg_id` with no other fields.
    pub fn new(original_msg_id: u64) -> Self {
        Self {
            original_msg_id,
            action: None,
            status: None,
            extensions: Vec::new(),
        }
    }

    /// Parses a report body.
    pub fn decode(body: &[u8]) -> Result<Self, CpimError> {
        let mut id = None;
        let mut action = None;
        let mut status = None;
        let mut extensions = Vec::new();
        let mut offset = 0;
        for (i, raw) in body.split(|&b| b == b'\n').enumerate() {
            let (line, start) = (i + 1, offset);
            offset += raw.len() + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.is_empty() {
                continue;
            }
            let malformed = |reason| CpimError::MalformedHeader {
                line,
                offset: start,
                reason,
            };
            let text = std::str::from_utf8(raw).map_err(|_| CpimError::NonUtf8Header {
                line,
                offset: start,
            })?;
            if matches!(raw[0], b' ' | b'\t') {
                return Err(CpimError::FoldedHeader {
                    line,
                    offset: start,
                });
            }
            if raw.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
                return Err(malformed("control character in header"));
            }
            let (name, value) = text
                .split_once(':')
                .ok_or_else(|| malformed("missing colon"))?;
            let (name, value) = (
                name.trim_end_matches([' ', '\t']),
                value.trim_matches([' ', '\t']),
            );
            if name.is_empty() {
                return Err(malformed("bad header name"));
            }
            if name.eq_ignore_ascii_case("Original-MsgID") {
                let bad = |reason| CpimError::BadHeaderValue {
                    header: name.into(),
                    reason,
                };
                if id.is_some() {
                    return Err(bad("duplicate"));
                }
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad("not a number"));
                }
                id = Some(value.parse().map_err(|_| bad("number too large"))?);
            } else if name.eq_ignore_ascii_case("Action") && action.is_none() {
                action = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("Status") && status.is_none() {
                status = Some(value.to_owned());
            } else {
                extensions.push(Header::new(name, value));
            }
        }
        let original_msg_id = id.ok_or(CpimError::MissingHeader {
            header: "Original-MsgID",
        })?;
        Ok(Self {
            original_msg_id,
            action,
            status,
            extensions,
        })
    }

    /// Appends the body: `Original-MsgID`, then `Action` and `Status` if set, then extensions,
    /// each as `name: value` CRLF. Values are written verbatim and must not contain line breaks.
    pub fn encode(&self, dst: &mut BytesMut) {
        let mut field = |name: &str, value: &str| {
            dst.put_slice(name.as_bytes());
            dst.put_slice(b": ");
            dst.put_slice(value.as_bytes());
            dst.put_slice(b"\r\n");
        };
        field("Original-MsgID", &self.original_msg_id.to_string());
        if let Some(a) = &self.action {
            field("Action", a);
        }
        if let Some(s) = &self.status {
            field("Status", s);
        }
        for h in &self.extensions {
            field(&h.name, &h.value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut d = DeliveryStatus::new(42);
        d.action = Some("delivered".into());
        d.status = Some("2.0.0".into());
        d.extensions.push(Header::new("X-Note", "hi"));
        let mut b = BytesMut::new();
        d.encode(&mut b);
        assert_eq!(
            &b[..],
            b"Original-MsgID: 42\r\nAction: delivered\r\nStatus: 2.0.0\r\nX-Note: hi\r\n"
        );
        assert_eq!(DeliveryStatus::decode(&b), Ok(d));
    }

    #[test]
    fn lenient_and_errors() {
        let d = DeliveryStatus::decode(b"original-msgid :7\n\n").unwrap();
        assert_eq!(d, DeliveryStatus::new(7));
        assert_eq!(
            DeliveryStatus::decode(b"Action: failed\r\n"),
            Err(CpimError::MissingHeader {
                header: "Original-MsgID"
            })
        );
        for bad in [
            &b"Original-MsgID: -1"[..],
            b"Original-MsgID:",
            b"Original-MsgID: 99999999999999999999999",
        ] {
            assert!(matches!(
                DeliveryStatus::decode(bad),
                Err(CpimError::BadHeaderValue { .. })
            ));
        }
        assert!(matches!(
            DeliveryStatus::decode(b"junk"),
            Err(CpimError::MalformedHeader { line: 1, .. })
        ));
    }
}
