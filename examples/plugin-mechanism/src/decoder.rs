//! [`JsonlDecoder`]: cuts a connection's bytes into lines and lines into frames.

use bytes::{BufMut, BytesMut};
use imsession::{Frame, FrameDecoder, FrameError, SessionKey};

use crate::wire::Line;

/// Decodes `\n`-terminated JSON lines. Blank lines and lines that are not a message are
/// skipped and counted in [`FrameDecoder::discarded_bytes`] (a line boundary always
/// resynchronises). A line longer than the limit fails the connection.
#[derive(Debug)]
pub struct JsonlDecoder {
    max_line: usize,
    /// Bytes at the front of the buffer already searched for `\n`.
    scanned: usize,
    discarded: u64,
}

impl JsonlDecoder {
    /// A decoder accepting lines of at most `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        Self {
            max_line,
            scanned: 0,
            discarded: 0,
        }
    }
}

/// The session key of a frame: the receiver's URI, then the sender's (the order
/// [`crate::JsonlSession::key`] uses for its own end).
pub(crate) fn key(to: &str, from: &str) -> SessionKey {
    let mut k = BytesMut::with_capacity(to.len() + from.len() + 1);
    k.put_slice(to.as_bytes());
    k.put_u8(0);
    k.put_slice(from.as_bytes());
    SessionKey(k.freeze())
}

impl FrameDecoder for JsonlDecoder {
    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        loop {
            let Some(pos) = src[self.scanned..].iter().position(|b| *b == b'\n') else {
                self.scanned = src.len();
                if src.len() > self.max_line {
                    return Err(FrameError(format!(
                        "line longer than {} bytes",
                        self.max_line
                    )));
                }
                return Ok(None);
            };
            let line = src.split_to(self.scanned + pos + 1);
            self.scanned = 0;
            let parsed = serde_json::from_slice::<Line>(&line)
                .ok()
                .and_then(|l| Some((key(&l.to, &l.from), l.into_message().ok()?)));
            match parsed {
                Some((key, message)) => return Ok(Some(Frame { key, message })),
                None => self.discarded += line.len() as u64,
            }
        }
    }

    fn discarded_bytes(&self) -> u64 {
        self.discarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_anywhere_decode_once_and_junk_is_counted() {
        let mut wire = BytesMut::new();
        wire.extend_from_slice(b"not json\n\n");
        Line {
            to: "jsonl:b".into(),
            from: "jsonl:a".into(),
            id: 1,
            content_type: "text/plain".into(),
            headers: vec![],
            body: "line\nbreak".into(),
        }
        .encode(&mut wire);
        for at in 0..wire.len() {
            let mut d = JsonlDecoder::new(1024);
            let mut buf = BytesMut::from(&wire[..at]);
            let mut frames = Vec::new();
            while let Some(f) = d.decode(&mut buf).unwrap() {
                frames.push(f);
            }
            buf.extend_from_slice(&wire[at..]);
            while let Some(f) = d.decode(&mut buf).unwrap() {
                frames.push(f);
            }
            assert_eq!(frames.len(), 1, "split at {at}");
            assert_eq!(frames[0].message.body_text(), Some("line\nbreak"));
            assert_eq!(frames[0].key, key("jsonl:b", "jsonl:a"));
            assert_eq!(d.discarded_bytes(), 10);
        }
    }

    #[test]
    fn an_endless_line_fails() {
        let mut d = JsonlDecoder::new(8);
        let mut buf = BytesMut::from(&b"123456789"[..]);
        assert!(d.decode(&mut buf).unwrap_err().0.contains("longer than 8"));
    }
}
