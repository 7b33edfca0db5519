//! Outer envelope framing (cpimmsg-sessions §5, §6.1): `Content-Type: message/cpim` CRLF
//! `Content-Length: N` CRLF CRLF, then exactly N bytes of message/cpim body.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::{CPIM_TYPE, CodecLimits, CpimMessage, FrameError};

/// Resumable, sans-IO decoder of the outer envelope.
///
/// Feed it the receive buffer whenever bytes arrive; it consumes what it has parsed and hands
/// out each frame's N-byte payload as soon as it is complete. The caller must only append to
/// `src` between calls.
///
/// Rules applied:
/// - Lines before a line starting with `Content-Type:` are garbage: discarded and counted
///   ([`FrameDecoder::discarded_bytes`]); more than `max_garbage` bytes in a row is an error.
///   A `Content-Type` line naming another media type is [`FrameError::NotMessageCpim`].
/// - Header names are case-insensitive, whitespace around values is ignored, and lines may end in
///   CRLF (as required) or a bare LF (tolerated). Envelope headers other than Content-Type and
///   Content-Length are ignored. The envelope may not exceed `max_header_block` bytes.
/// - Content-Length is checked against `max_message` as soon as its line is parsed, before any
///   body byte is buffered.
///
/// After an error the stream position is undefined; drop the decoder and the connection.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    limits: CodecLimits,
    state: State,
    /// In `Seeking`, inside a garbage line whose end has not arrived yet.
    mid_line: bool,
    /// Bytes at the start of `src` already known to hold no LF.
    scanned: usize,
    garbage_run: usize,
    discarded: u64,
    header_bytes: usize,
    content_length: Option<usize>,
    needed: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Seeking,
    Headers,
    Body(usize),
}

const CONTENT_TYPE: &[u8] = b"content-type";

/// How [`encode_envelope`] begins an envelope, up to the Content-Length value.
const CANONICAL_HEAD: &[u8] = b"Content-Type: message/cpim\r\nContent-Length: ";

impl FrameDecoder {
    /// A decoder waiting for the first envelope.
    pub fn new(limits: CodecLimits) -> Self {
        Self {
            limits,
            state: State::Seeking,
            mid_line: false,
            scanned: 0,
            garbage_run: 0,
            discarded: 0,
            header_bytes: 0,
            content_length: None,
            needed: 0,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &CodecLimits {
        &self.limits
    }

    /// Returns the payload of the next complete frame, split off `src` without copying, or
    /// `Ok(None)` when more bytes are needed.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        loop {
            match self.state {
                State::Seeking => {
                    if !self.mid_line && self.canonical_envelope(src)? {
                        continue;
                    }
                    if !self.seek(src)? {
                        return Ok(None);
                    }
                }
                State::Headers => {
                    if !self.header_line(src)? {
                        return Ok(None);
                    }
                }
                State::Body(len) => {
                    if src.len() < len {
                        self.needed = len - src.len();
                        return Ok(None);
                    }
                    let frame = src.split_to(len).freeze();
                    *self = Self {
                        discarded: self.discarded,
                        ..Self::new(self.limits)
                    };
                    return Ok(Some(frame));
                }
            }
        }
    }

    /// Total bytes discarded as garbage so far.
    pub fn discarded_bytes(&self) -> u64 {
        self.discarded
    }

    /// Bytes the current frame still needs beyond what was buffered at the last call, once its
    /// Content-Length is known; 0 otherwise.
    pub fn reserve_hint(&self) -> usize {
        match self.state {
            State::Body(_) => self.needed,
            _ => 0,
        }
    }

    /// Whether a frame has been started but not completed (an EOF now would truncate it).
    pub fn is_mid_frame(&self) -> bool {
        self.state != State::Seeking
    }

    /// Consumes a complete envelope in exactly the form [`encode_envelope`] writes, if `src`
    /// starts with one: the common case, parsed without going line by line. Everything else
    /// (other spelling, garbage, an envelope not complete yet) is left to the general path,
    /// which applies the same checks to the same bytes.
    fn canonical_envelope(&mut self, src: &mut BytesMut) -> Result<bool, FrameError> {
        let Some(rest) = src.strip_prefix(CANONICAL_HEAD) else {
            return Ok(false);
        };
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let len = CANONICAL_HEAD.len() + digits + 4;
        if digits == 0
            || rest.get(digits..digits + 4) != Some(b"\r\n\r\n")
            || len > self.limits.max_header_block
        {
            return Ok(false);
        }
        let value = parse_length(&rest[..digits])?;
        if value > self.limits.max_message as u64 {
            return Err(FrameError::TooLarge {
                size: value,
                limit: self.limits.max_message,
            });
        }
        let value = value as usize;
        src.advance(len);
        self.content_length = Some(value);
        self.state = State::Body(value);
        self.needed = value;
        Ok(true)
    }

    /// Looks for the envelope's Content-Type line; true once found and consumed.
    fn seek(&mut self, src: &mut BytesMut) -> Result<bool, FrameError> {
        loop {
            if self.mid_line {
                match src.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        self.mid_line = false;
                        self.discard(src, i + 1)?;
                    }
                    None => {
                        let n = src.len();
                        self.discard(src, n)?;
                        return Ok(false);
                    }
                }
            }
            if src.is_empty() {
                return Ok(false);
            }
            let n = src.len().min(CONTENT_TYPE.len());
            if !src[..n].eq_ignore_ascii_case(&CONTENT_TYPE[..n]) {
                self.mid_line = true;
                continue;
            }
            let Some(nl) = self.find_newline(src, self.limits.max_header_block) else {
                if src.len() >= self.limits.max_header_block {
                    return Err(FrameError::HeaderTooLong {
                        limit: self.limits.max_header_block,
                    });
                }
                return Ok(false);
            };
            match split_header(trim_cr(&src[..nl])) {
                Some((name, value)) if name.eq_ignore_ascii_case(CONTENT_TYPE) => {
                    if !is_cpim(value) {
                        let value = String::from_utf8_lossy(value).into_owned();
                        return Err(FrameError::NotMessageCpim { value });
                    }
                    src.advance(nl + 1);
                    self.header_bytes = nl + 1;
                    self.garbage_run = 0;
                    self.state = State::Headers;
                    return Ok(true);
                }
                _ => self.discard(src, nl + 1)?,
            }
        }
    }

    /// Consumes one envelope header line; true if progress was made.
    fn header_line(&mut self, src: &mut BytesMut) -> Result<bool, FrameError> {
        let limit = self.limits.max_header_block;
        let room = limit.saturating_sub(self.header_bytes);
        let Some(nl) = self.find_newline(src, room) else {
            if src.len() >= room {
                return Err(FrameError::HeaderTooLong { limit });
            }
            return Ok(false);
        };
        let line = src.split_to(nl + 1);
        self.header_bytes += nl + 1;
        let line = trim_cr(&line[..nl]);
        if line.is_empty() {
            let len = self
                .content_length
                .ok_or(FrameError::MissingContentLength)?;
            self.state = State::Body(len);
            self.needed = len;
            return Ok(true);
        }
        let malformed = || FrameError::MalformedHeader { line: lossy(line) };
        let (name, value) = split_header(line).ok_or_else(malformed)?;
        if name.eq_ignore_ascii_case(b"content-length") {
            let len = parse_length(value)?;
            if self.content_length.is_some() {
                return Err(FrameError::DuplicateContentLength {
                    value: lossy(value),
                });
            }
            if len > self.limits.max_message as u64 {
                return Err(FrameError::TooLarge {
                    size: len,
                    limit: self.limits.max_message,
                });
            }
            self.content_length = Some(len as usize);
        }
        Ok(true)
    }

    /// Position of the first LF in `src[..limit]`, resuming where the last search stopped.
    fn find_newline(&mut self, src: &[u8], limit: usize) -> Option<usize> {
        let end = src.len().min(limit);
        let start = self.scanned.min(end);
        match src[start..end].iter().position(|&b| b == b'\n') {
            Some(i) => {
                self.scanned = 0;
                Some(start + i)
            }
            None => {
                self.scanned = end;
                None
            }
        }
    }

    fn discard(&mut self, src: &mut BytesMut, n: usize) -> Result<(), FrameError> {
        src.advance(n);
        self.scanned = 0;
        self.discarded += n as u64;
        self.garbage_run += n;
        if self.garbage_run > self.limits.max_garbage {
            return Err(FrameError::GarbageOverLimit {
                discarded: self.garbage_run,
                limit: self.limits.max_garbage,
            });
        }
        Ok(())
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn trim_ws(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// `name: value` with whitespace trimmed around both.
fn split_header(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let colon = line.iter().position(|&b| b == b':')?;
    Some((trim_ws(&line[..colon]), trim_ws(&line[colon + 1..])))
}

fn is_cpim(value: &[u8]) -> bool {
    let essence = value.split(|&b| b == b';').next().unwrap_or_default();
    trim_ws(essence).eq_ignore_ascii_case(CPIM_TYPE.as_bytes())
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn parse_length(value: &[u8]) -> Result<u64, FrameError> {
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if let Some(rest) = value.strip_prefix(b"-") {
        if digits(rest) {
            return Err(FrameError::NegativeContentLength {
                value: lossy(value),
            });
        }
    }
    let bad = || FrameError::BadContentLength {
        value: lossy(value),
    };
    if !digits(value) {
        return Err(bad());
    }
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)
}

/// Appends the envelope `Content-Type: message/cpim\r\nContent-Length: {len}\r\n\r\n`.
pub fn encode_envelope(payload_len: usize, dst: &mut BytesMut) {
    let mut digits = [0u8; 20];
    let start = decimal(payload_len as u64, &mut digits);
    dst.put_slice(CANONICAL_HEAD);
    dst.put_slice(&digits[start..]);
    dst.put_slice(b"\r\n\r\n");
}

/// Exactly the number of bytes [`encode_envelope`] appends.
pub(crate) fn envelope_len(payload_len: usize) -> usize {
    let digits = payload_len.checked_ilog10().map_or(1, |d| d as usize + 1);
    CANONICAL_HEAD.len() + digits + 4
}

/// Writes `n` in decimal at the end of `buf`; returns where the digits start.
pub(crate) fn decimal(mut n: u64, buf: &mut [u8; 20]) -> usize {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return i;
        }
    }
}

/// Appends the envelope followed by `msg.encode()`.
pub fn encode_frame(msg: &CpimMessage, dst: &mut BytesMut) {
    super::parts::encode_frame_parts(msg.meta_refs(), msg.content_refs(), &msg.body, dst);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec() -> FrameDecoder {
        FrameDecoder::new(CodecLimits::default())
    }

    #[test]
    fn decodes_simple_frame() {
        let mut b = BytesMut::from(&b"content-type:message/CPIM\nCONTENT-LENGTH:  3 \n\nabcX"[..]);
        let mut d = dec();
        assert_eq!(d.decode(&mut b).unwrap().as_deref(), Some(&b"abc"[..]));
        assert_eq!(&b[..], b"X");
        assert!(!d.is_mid_frame());
    }

    #[test]
    fn envelope_lengths_are_exact() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, usize::MAX] {
            let mut b = BytesMut::new();
            encode_envelope(n, &mut b);
            assert_eq!(b.len(), envelope_len(n), "{n}");
            let text = format!("Content-Type: message/cpim\r\nContent-Length: {n}\r\n\r\n");
            assert_eq!(&b[..], text.as_bytes());
        }
    }

    #[test]
    fn canonical_envelopes_get_the_same_checks() {
        let mut wire = BytesMut::new();
        encode_envelope(3, &mut wire);
        wire.extend_from_slice(b"abc");
        encode_envelope(4, &mut wire);
        wire.extend_from_slice(b"defg");
        let mut d = dec();
        assert_eq!(d.decode(&mut wire).unwrap().as_deref(), Some(&b"abc"[..]));
        assert_eq!(d.decode(&mut wire).unwrap().as_deref(), Some(&b"defg"[..]));
        assert!(wire.is_empty() && !d.is_mid_frame());

        let limits = |max_message, max_header_block| CodecLimits {
            max_message,
            max_header_block,
            ..CodecLimits::default()
        };
        let mut big = BytesMut::new();
        encode_envelope(101, &mut big);
        let mut d = FrameDecoder::new(limits(100, 1024));
        assert_eq!(
            d.decode(&mut big.clone()),
            Err(FrameError::TooLarge {
                size: 101,
                limit: 100
            })
        );
        let mut d = FrameDecoder::new(limits(1000, big.len() - 1));
        assert_eq!(
            d.decode(&mut big.clone()),
            Err(FrameError::HeaderTooLong {
                limit: big.len() - 1
            })
        );
        let mut d = FrameDecoder::new(limits(1000, big.len()));
        assert_eq!(d.decode(&mut big), Ok(None));
        assert!(big.is_empty() && d.reserve_hint() == 101);
    }

    #[test]
    fn length_errors() {
        for (v, want) in [
            (
                "-5",
                FrameError::NegativeContentLength { value: "-5".into() },
            ),
            ("5x", FrameError::BadContentLength { value: "5x".into() }),
            (
                "",
                FrameError::BadContentLength {
                    value: String::new(),
                },
            ),
            (
                "99999999999999999999999",
                FrameError::BadContentLength {
                    value: "99999999999999999999999".into(),
                },
            ),
        ] {
            let s = format!("Content-Type: message/cpim\r\nContent-Length: {v}\r\n\r\n");
            assert_eq!(dec().decode(&mut BytesMut::from(s.as_bytes())), Err(want));
        }
        let mut b = BytesMut::from(&b"Content-Type: message/cpim\r\nX: y\r\n\r\n"[..]);
        assert_eq!(dec().decode(&mut b), Err(FrameError::MissingContentLength));
        let mut b = BytesMut::from(&b"Content-Type: text/plain\r\n"[..]);
        assert!(matches!(
            dec().decode(&mut b),
            Err(FrameError::NotMessageCpim { .. })
        ));
        let mut b = BytesMut::from(&b"Content-Type: message/cpim\r\nbogus\r\n"[..]);
        assert!(matches!(
            dec().decode(&mut b),
            Err(FrameError::MalformedHeader { .. })
        ));
    }

    #[test]
    fn envelope_header_limit() {
        let limits = CodecLimits {
            max_header_block: 40,
            ..CodecLimits::default()
        };
        let mut d = FrameDecoder::new(limits);
        let mut b = BytesMut::from(&b"Content-Type: message/cpim\r\nX: 0123456789abcdef"[..]);
        assert_eq!(
            d.decode(&mut b),
            Err(FrameError::HeaderTooLong { limit: 40 })
        );
    }

    #[test]
    fn envelope_bytes() {
        let mut b = BytesMut::new();
        encode_envelope(12, &mut b);
        assert_eq!(
            &b[..],
            b"Content-Type: message/cpim\r\nContent-Length: 12\r\n\r\n"
        );
    }
}
