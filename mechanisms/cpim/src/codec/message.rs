//! [`CpimMessage`]: decoding and encoding a message/cpim body (RFC 3862 §2).

use bytes::{Bytes, BytesMut};
use imsession::SharedStr;

use super::header::{has_ctl, parse_meta_in, parse_meta_line};
use super::parts::{HeaderRef, parts_len, write_parts};
use super::{CodecLimits, CpimError, Header};

/// A decoded message/cpim body: the bytes inside the outer envelope.
///
/// Layout: meta-data headers, blank line, inner MIME headers, blank line, payload. Lines end in
/// CRLF; decoding also accepts a bare LF (encoding always writes CRLF).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CpimMessage {
    /// Meta-data headers in order (see [`Header`] for the name/value form).
    pub meta: Vec<Header>,
    /// Inner MIME headers in order, Content-Type among them.
    pub content: Vec<Header>,
    /// The payload, any bytes.
    pub body: Bytes,
}

impl CpimMessage {
    /// A message with no meta-data headers, one `Content-Type` content header and `body`.
    pub fn new(content_type: impl Into<SharedStr>, body: impl Into<Bytes>) -> Self {
        Self {
            meta: Vec::new(),
            content: vec![Header::new("Content-Type", content_type)],
            body: body.into(),
        }
    }

    /// Decodes a message/cpim body. The returned body is a zero-copy slice of `data`.
    ///
    /// Meta-data headers follow RFC 3862 §3 strictly: one line each (a line starting with
    /// whitespace is a [`CpimError::FoldedHeader`]), `Name:` + parameters + one space + value,
    /// UTF-8, no control characters; escapes in values are undone. Inner MIME headers follow
    /// MIME rules: folding is allowed and kept verbatim, leading whitespace of the value is
    /// dropped. The header sections together may not exceed `limits.max_header_block` bytes,
    /// and `data` may not exceed `limits.max_message`.
    pub fn decode(data: Bytes, limits: &CodecLimits) -> Result<Self, CpimError> {
        let parts = Parts::decode(data, limits, false)?;
        Ok(Self {
            meta: parts.meta,
            content: parts.content,
            body: parts.body,
        })
    }

    /// Appends the wire form: meta-data headers (values escaped per RFC 3862 §2.3.1), CRLF,
    /// content headers written verbatim as `name: value`, CRLF, body.
    ///
    /// Names are written as given; content header values must not contain line breaks other
    /// than MIME folding (CRLF followed by SP or HTAB).
    pub fn encode(&self, dst: &mut BytesMut) {
        write_parts(self.meta_refs(), self.content_refs(), &self.body, dst);
    }

    /// Exactly the number of bytes [`CpimMessage::encode`] appends.
    pub fn encoded_len(&self) -> usize {
        parts_len(self.meta_refs(), self.content_refs(), self.body.len())
    }

    pub(crate) fn meta_refs(&self) -> impl Iterator<Item = HeaderRef<'_>> + Clone {
        self.meta
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()))
    }

    pub(crate) fn content_refs(&self) -> impl Iterator<Item = HeaderRef<'_>> + Clone {
        self.content
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()))
    }

    /// The wire form as a new buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut b);
        b.freeze()
    }
}

/// The sections of a decoded message/cpim body, the first `Content-Type` content header
/// optionally set apart.
pub(crate) struct Parts {
    /// Meta-data headers in order.
    pub(crate) meta: Vec<Header>,
    /// Content headers in order (without the first `Content-Type` when it is set apart).
    pub(crate) content: Vec<Header>,
    /// The first `Content-Type` value, when set apart.
    pub(crate) content_type: Option<SharedStr>,
    /// The payload, a slice of the decoded bytes.
    pub(crate) body: Bytes,
}

/// Meta-data headers a message usually has (`From`, `To`, `MsgID`, `DateTime`): the first
/// allocation of the meta-data list holds this many.
const USUAL_META: usize = 4;

impl Parts {
    /// Decodes as [`CpimMessage::decode`] describes; with `type_apart`, the first
    /// `Content-Type` header goes to [`Parts::content_type`] instead of the content list.
    /// Header names and values are slices of `data` (copies only where a meta-data name has
    /// parameters, a value has escapes, or a content header is folded).
    pub(crate) fn decode(
        data: Bytes,
        limits: &CodecLimits,
        type_apart: bool,
    ) -> Result<Self, CpimError> {
        if data.len() > limits.max_message {
            return Err(CpimError::MessageTooLarge {
                size: data.len(),
                limit: limits.max_message,
            });
        }
        let mut lines = Lines {
            data: &data,
            pos: 0,
            line: 0,
            limit: limits.max_header_block,
        };
        // Both header sections validated as UTF-8 in one go, when they are complete and UTF-8;
        // otherwise each line is validated on its own, which finds the error and its line.
        let block = lines
            .header_end()
            .and_then(|end| SharedStr::from_utf8(data.slice(..end)).ok());

        let mut meta = Vec::with_capacity(USUAL_META);
        loop {
            let (raw, offset) = lines.next("meta-data")?;
            if raw.is_empty() {
                break;
            }
            meta.push(match &block {
                Some(b) => parse_meta_in(b, &b[offset..offset + raw.len()], lines.line, offset)?,
                None => parse_meta_line(data.slice_ref(raw), lines.line, offset)?,
            });
        }

        let mut content: Vec<Header> = Vec::new();
        let mut content_type: Option<SharedStr> = None;
        // Whether the last content header read is the one set apart (continuations extend it).
        let mut last_apart = false;
        loop {
            let (raw, offset) = lines.next("content")?;
            if raw.is_empty() {
                break;
            }
            let line = lines.line;
            let malformed = |reason| CpimError::MalformedHeader {
                line,
                offset,
                reason,
            };
            let line_text: SharedStr;
            let (text, whole) = match &block {
                Some(b) => (&b[offset..offset + raw.len()], b),
                None => {
                    line_text = SharedStr::from_utf8(data.slice_ref(raw))
                        .map_err(|_| CpimError::NonUtf8Header { line, offset })?;
                    (line_text.as_str(), &line_text)
                }
            };
            if has_ctl(raw) && raw.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
                return Err(malformed("control character in header"));
            }
            if matches!(raw[0], b' ' | b'\t') {
                let last = if last_apart {
                    content_type.as_mut()
                } else {
                    content.last_mut().map(|h| &mut h.value)
                };
                let last = last.ok_or_else(|| malformed("continuation without header"))?;
                let mut folded = String::with_capacity(last.len() + 2 + text.len());
                folded.push_str(last);
                folded.push_str("\r\n");
                folded.push_str(text);
                *last = SharedStr::from(folded);
                continue;
            }
            let colon = memchr::memchr(b':', raw).ok_or_else(|| malformed("missing colon"))?;
            let name = &text[..colon];
            if name.is_empty() || name.bytes().any(|b| b == b' ' || b == b'\t') {
                return Err(malformed("bad header name"));
            }
            let value = whole.slice_ref(text[colon + 1..].trim_start_matches([' ', '\t']));
            let header = Header {
                name: whole.slice_ref(name),
                value,
            };
            last_apart = type_apart && content_type.is_none() && header.is("Content-Type");
            if last_apart {
                content_type = Some(header.value);
            } else {
                content.push(header);
            }
        }

        if content_type.is_none() && !content.iter().any(|h| h.is("Content-Type")) {
            return Err(CpimError::MissingContentType);
        }
        let body = data.slice(lines.pos..);
        Ok(Self {
            meta,
            content,
            content_type,
            body,
        })
    }
}

/// Header line splitter enforcing the header block limit.
struct Lines<'a> {
    data: &'a [u8],
    pos: usize,
    line: usize,
    limit: usize,
}

impl<'a> Lines<'a> {
    /// Where the two header sections end (just after the content section's blank line), if
    /// both are complete within the limit; the lines are not consumed.
    fn header_end(&self) -> Option<usize> {
        let mut ahead = Lines { ..*self };
        for section in ["meta-data", "content"] {
            while !ahead.next(section).ok()?.0.is_empty() {}
        }
        Some(ahead.pos)
    }

    /// Next line without terminator, and its offset.
    fn next(&mut self, section: &'static str) -> Result<(&'a [u8], usize), CpimError> {
        let window_end = self.data.len().min(self.limit);
        let window = self.data.get(self.pos..window_end).unwrap_or_default();
        let Some(nl) = memchr::memchr(b'\n', window) else {
            return Err(if window_end < self.data.len() {
                CpimError::HeaderBlockTooLarge { limit: self.limit }
            } else {
                CpimError::MissingBlankLine { section }
            });
        };
        let start = self.pos;
        let raw = &self.data[start..start + nl];
        self.pos = start + nl + 1;
        self.line += 1;
        Ok((raw.strip_suffix(b"\r").unwrap_or(raw), start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"From: <im:a@x>\r\nSubject:;lang=en hi\\tthere\r\n\r\n\
Content-Type: text/plain\r\nX-Folded: a\r\n b\r\n\r\nbody\r\n\r\nmore";

    #[test]
    fn decodes_and_reencodes() {
        let data = Bytes::from_static(MSG);
        let m = CpimMessage::decode(data.clone(), &CodecLimits::default()).unwrap();
        assert_eq!(m.meta[1], Header::new("Subject;lang=en", "hi\tthere"));
        assert_eq!(m.content[1].value, "a\r\n b");
        assert_eq!(&m.body[..], b"body\r\n\r\nmore");
        assert_eq!(m.body.as_ptr(), data[data.len() - 12..].as_ptr());
        assert_eq!(m.to_bytes(), data);
        assert_eq!(m.encoded_len(), data.len());
    }

    #[test]
    fn names_and_values_are_slices_of_the_frame_unless_rewritten() {
        let data = Bytes::from_static(MSG);
        let within = |s: &str| data.as_ptr_range().contains(&s.as_ptr());
        let m = CpimMessage::decode(data.clone(), &CodecLimits::default()).unwrap();
        let (from, subject) = (&m.meta[0], &m.meta[1]);
        assert!(within(&from.name) && within(&from.value), "{from:?}");
        assert!(within(&m.content[0].name) && within(&m.content[0].value));
        // Parameters move into the name, escapes are undone, folds are joined: copies.
        assert!(!within(&subject.name) && !within(&subject.value));
        assert!(!within(&m.content[1].value));
    }

    #[test]
    fn accepts_bare_lf() {
        let m = CpimMessage::decode(
            Bytes::from_static(b"From: <im:a@x>\n\nContent-Type: text/plain\n\nx"),
            &CodecLimits::default(),
        )
        .unwrap();
        assert_eq!(m.meta.len(), 1);
        assert_eq!(&m.body[..], b"x");
    }

    #[test]
    fn errors() {
        let d =
            |s: &'static [u8]| CpimMessage::decode(Bytes::from_static(s), &CodecLimits::default());
        assert_eq!(
            d(b"From: <im:a@x>\r\n"),
            Err(CpimError::MissingBlankLine {
                section: "meta-data"
            })
        );
        assert_eq!(
            d(b"\r\nContent-Type: a/b\r\n"),
            Err(CpimError::MissingBlankLine { section: "content" })
        );
        assert_eq!(d(b"\r\nX: a/b\r\n\r\n"), Err(CpimError::MissingContentType));
        assert!(matches!(
            d(b"\r\n b\r\n\r\n"),
            Err(CpimError::MalformedHeader {
                line: 2,
                offset: 2,
                ..
            })
        ));
        let small = CodecLimits {
            max_header_block: 10,
            ..CodecLimits::default()
        };
        assert_eq!(
            CpimMessage::decode(Bytes::from_static(b"\r\nContent-Type: a/b\r\n\r\n"), &small),
            Err(CpimError::HeaderBlockTooLarge { limit: 10 })
        );
        let tiny = CodecLimits {
            max_message: 3,
            ..CodecLimits::default()
        };
        assert_eq!(
            CpimMessage::decode(Bytes::from_static(b"\r\n\r\n\r\n"), &tiny),
            Err(CpimError::MessageTooLarge { size: 6, limit: 3 })
        );
    }
}
