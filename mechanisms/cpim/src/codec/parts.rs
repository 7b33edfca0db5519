//! Encoding from borrowed parts: a frame written straight from header and body references,
//! with no intermediate [`CpimMessage`](super::CpimMessage) and no allocation.

use bytes::{BufMut, BytesMut};

use super::frame::{encode_envelope, envelope_len};
use super::header::{meta_len, write_meta};

/// A header by reference: `(name, value)`, the name with its parameters (see
/// [`Header`](super::Header)), the value unescaped.
pub type HeaderRef<'a> = (&'a str, &'a str);

/// Length of the message/cpim body [`write_parts`] appends.
pub(crate) fn parts_len<'a>(
    meta: impl Iterator<Item = HeaderRef<'a>>,
    content: impl Iterator<Item = HeaderRef<'a>>,
    body_len: usize,
) -> usize {
    let meta: usize = meta.map(|(n, v)| meta_len(n, v)).sum();
    let content: usize = content.map(|(n, v)| n.len() + v.len() + 4).sum();
    meta + 2 + content + 2 + body_len
}

/// Appends meta-data headers (values escaped, RFC 3862 §2.3.1), CRLF, content headers as
/// `name: value`, CRLF, body.
pub(crate) fn write_parts<'a>(
    meta: impl Iterator<Item = HeaderRef<'a>>,
    content: impl Iterator<Item = HeaderRef<'a>>,
    body: &[u8],
    dst: &mut BytesMut,
) {
    write_headers(meta, content, dst);
    dst.put_slice(body);
}

/// [`write_parts`] without the body.
fn write_headers<'a>(
    meta: impl Iterator<Item = HeaderRef<'a>>,
    content: impl Iterator<Item = HeaderRef<'a>>,
    dst: &mut BytesMut,
) {
    for (name, value) in meta {
        write_meta(name, value, dst);
    }
    dst.put_slice(b"\r\n");
    for (name, value) in content {
        dst.put_slice(name.as_bytes());
        dst.put_slice(b": ");
        dst.put_slice(value.as_bytes());
        dst.put_slice(b"\r\n");
    }
    dst.put_slice(b"\r\n");
}

/// Appends a whole frame, envelope included, built from borrowed parts. Produces the same
/// bytes as [`encode_frame`](super::encode_frame) on the equivalent message; the caller is
/// responsible for headers being encodable ([`check_header`](super::check_header)).
pub fn encode_frame_parts<'a, M, C>(meta: M, content: C, body: &[u8], dst: &mut BytesMut)
where
    M: Iterator<Item = HeaderRef<'a>> + Clone,
    C: Iterator<Item = HeaderRef<'a>> + Clone,
{
    let len = parts_len(meta.clone(), content.clone(), body.len());
    // Exactly: a frame encoded into an empty buffer then fills its allocation, and freezing
    // it allocates nothing more.
    dst.reserve(envelope_len(len) + len);
    encode_envelope(len, dst);
    write_parts(meta, content, body, dst);
}

/// Appends a frame up to its body: the envelope, with a Content-Length that counts a body of
/// `body_len` bytes, and the headers. The caller sends the body's bytes right after these, so
/// a large body is written from where it is instead of being copied into the frame.
pub fn encode_frame_head<'a, M, C>(meta: M, content: C, body_len: usize, dst: &mut BytesMut)
where
    M: Iterator<Item = HeaderRef<'a>> + Clone,
    C: Iterator<Item = HeaderRef<'a>> + Clone,
{
    let len = parts_len(meta.clone(), content.clone(), body_len);
    dst.reserve(envelope_len(len) + len - body_len);
    encode_envelope(len, dst);
    write_headers(meta, content, dst);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{CpimMessage, Header, encode_frame};

    #[test]
    fn parts_encode_like_a_message() {
        let mut msg = CpimMessage::new("text/plain", "body\r\n\r\nwith blank lines");
        msg.meta = vec![
            Header::new("From", "<im:a@x>"),
            Header::new("Subject;lang=fr", "back\\slash\ttab"),
        ];
        msg.content.push(Header::new("Content-ID", "<1@x>"));
        let mut whole = BytesMut::new();
        encode_frame(&msg, &mut whole);
        let mut parts = BytesMut::new();
        encode_frame_parts(msg.meta_refs(), msg.content_refs(), &msg.body, &mut parts);
        assert_eq!(whole, parts);
        let mut head = BytesMut::new();
        encode_frame_head(
            msg.meta_refs(),
            msg.content_refs(),
            msg.body.len(),
            &mut head,
        );
        head.extend_from_slice(&msg.body);
        assert_eq!(whole, head);
    }
}
