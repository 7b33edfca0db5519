//! FrameDecoder: outer envelope framing (cpimmsg-sessions §5, §6.1).

use bytes::{Bytes, BytesMut};
use imsession_cpim::codec::{
    CodecLimits, CpimMessage, FrameDecoder, FrameError, Header, encode_envelope, encode_frame,
};

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut b = BytesMut::new();
    encode_envelope(payload.len(), &mut b);
    b.extend_from_slice(payload);
    b.to_vec()
}

fn decoder() -> FrameDecoder {
    FrameDecoder::new(CodecLimits::default())
}

/// Feeds `chunks` one after another, collecting every frame.
fn feed(d: &mut FrameDecoder, chunks: &[&[u8]]) -> Result<Vec<Bytes>, FrameError> {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(f) = d.decode(&mut buf)? {
            out.push(f);
        }
    }
    Ok(out)
}

const PAYLOAD: &[u8] = b"From: <im:a@x>\r\n\r\nContent-Type: text/plain\r\n\r\nhi\r\n\r\nContent-Type: message/cpim\r\n";

#[test]
fn garbage_before_envelope_is_discarded_and_counted() {
    let garbage: &[u8] = b"\r\nnoise line\r\nContent-Typewriter: no\r\nContents\n\x00\xff binary with no newline then";
    let mut wire = garbage.to_vec();
    wire.extend_from_slice(b"\r\n");
    wire.extend(frame(PAYLOAD));
    let mut d = decoder();
    assert_eq!(
        feed(&mut d, &[&wire]).unwrap(),
        [Bytes::from_static(PAYLOAD)]
    );
    assert_eq!(d.discarded_bytes(), garbage.len() as u64 + 2);
    // byte-at-a-time gives the same count
    let mut d = decoder();
    let chunks: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(
        feed(&mut d, &chunks).unwrap(),
        [Bytes::from_static(PAYLOAD)]
    );
    assert_eq!(d.discarded_bytes(), garbage.len() as u64 + 2);
}

#[test]
fn garbage_over_limit_is_an_error() {
    let limits = CodecLimits {
        max_garbage: 10,
        ..CodecLimits::default()
    };
    let mut d = FrameDecoder::new(limits);
    let err = feed(&mut d, &[b"0123456789\r\n"]).unwrap_err();
    assert_eq!(
        err,
        FrameError::GarbageOverLimit {
            discarded: 12,
            limit: 10
        }
    );
    // a run below the limit before each frame is fine, the count restarts after a frame
    let mut d = FrameDecoder::new(limits);
    let mut wire = b"12345\r\n".to_vec();
    wire.extend(frame(b"a"));
    wire.extend_from_slice(b"12345\r\n");
    wire.extend(frame(b"b"));
    assert_eq!(feed(&mut d, &[&wire]).unwrap().len(), 2);
    assert_eq!(d.discarded_bytes(), 14);
}

#[test]
fn several_frames_in_one_buffer() {
    let payloads: Vec<Vec<u8>> = (0..5).map(|i| vec![b'a' + i; usize::from(i) * 7]).collect();
    let mut wire = Vec::new();
    for p in &payloads {
        wire.extend(frame(p));
    }
    let mut buf = BytesMut::from(&wire[..]);
    let mut d = decoder();
    for p in &payloads {
        assert_eq!(d.decode(&mut buf).unwrap().as_deref(), Some(&p[..]));
    }
    assert_eq!(d.decode(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
    assert_eq!(d.discarded_bytes(), 0);
}

#[test]
fn frame_split_at_every_offset() {
    let mut msg = CpimMessage::new("text/plain", &b"body\r\n\r\nwith blank lines"[..]);
    msg.meta.push(Header::new("From", "<im:a@x>"));
    msg.meta.push(Header::new("MsgID", "9"));
    let mut wire = BytesMut::new();
    encode_frame(&msg, &mut wire);
    encode_frame(&msg, &mut wire);
    let wire = wire.to_vec();
    let expected = msg.to_bytes();
    for cut in 0..=wire.len() {
        let mut d = decoder();
        let frames = feed(&mut d, &[&wire[..cut], &wire[cut..]]).unwrap();
        assert_eq!(frames, [expected.clone(), expected.clone()], "cut at {cut}");
        assert_eq!(d.discarded_bytes(), 0);
    }
}

#[test]
fn frame_one_byte_at_a_time() {
    let wire = [frame(PAYLOAD), frame(b""), frame(PAYLOAD)].concat();
    let chunks: Vec<&[u8]> = wire.chunks(1).collect();
    let mut d = decoder();
    let frames = feed(&mut d, &chunks).unwrap();
    assert_eq!(
        frames,
        [
            Bytes::from_static(PAYLOAD),
            Bytes::new(),
            Bytes::from_static(PAYLOAD)
        ]
    );
    assert!(!d.is_mid_frame());
}

#[test]
fn reserve_hint_reports_missing_body_bytes() {
    let wire = frame(&[7u8; 100]);
    let mut d = decoder();
    let mut buf = BytesMut::from(&wire[..wire.len() - 40]);
    assert_eq!(d.decode(&mut buf).unwrap(), None);
    assert_eq!(d.reserve_hint(), 40);
    assert!(d.is_mid_frame());
    buf.extend_from_slice(&wire[wire.len() - 40..]);
    assert_eq!(d.decode(&mut buf).unwrap().map(|b| b.len()), Some(100));
    assert_eq!(d.reserve_hint(), 0);
}

#[test]
fn content_length_over_limit_is_refused_before_body() {
    let limits = CodecLimits {
        max_message: 1000,
        ..CodecLimits::default()
    };
    let mut d = FrameDecoder::new(limits);
    // only the envelope has arrived, not even the blank line
    let mut buf = BytesMut::from(&b"Content-Type: message/cpim\r\nContent-Length: 1001\r\n"[..]);
    let err = d.decode(&mut buf).unwrap_err();
    assert_eq!(
        err,
        FrameError::TooLarge {
            size: 1001,
            limit: 1000
        }
    );
    assert_eq!(
        err.to_string(),
        "message of 1001 bytes exceeds limit of 1000"
    );
    let mut d = FrameDecoder::new(limits);
    let mut buf =
        BytesMut::from(&b"Content-Type: message/cpim\r\nContent-Length: 1000\r\n\r\n"[..]);
    assert_eq!(d.decode(&mut buf).unwrap(), None);
    assert_eq!(d.reserve_hint(), 1000);
}

fn envelope_error(length_line: &str) -> FrameError {
    let s = format!("Content-Type: message/cpim\r\n{length_line}\r\n\r\nxyz");
    decoder()
        .decode(&mut BytesMut::from(s.as_bytes()))
        .unwrap_err()
}

#[test]
fn negative_and_non_numeric_lengths_are_errors() {
    assert_eq!(
        envelope_error("Content-Length: -3"),
        FrameError::NegativeContentLength { value: "-3".into() }
    );
    assert_eq!(
        envelope_error("Content-Length: three"),
        FrameError::BadContentLength {
            value: "three".into()
        }
    );
    assert_eq!(
        envelope_error("Content-Length: 3.0"),
        FrameError::BadContentLength {
            value: "3.0".into()
        }
    );
    assert_eq!(
        envelope_error("Content-Length:"),
        FrameError::BadContentLength { value: "".into() }
    );
    assert_eq!(
        envelope_error("X-Other: 3"),
        FrameError::MissingContentLength
    );
    assert_eq!(
        envelope_error("Content-Length: 3\r\nContent-Length: 4"),
        FrameError::DuplicateContentLength { value: "4".into() }
    );
    assert_eq!(
        envelope_error("Content-Length: three").to_string(),
        "bad content-length \"three\""
    );
}

#[test]
fn other_envelope_type_is_an_error() {
    let mut buf =
        BytesMut::from(&b"junk\r\nCONTENT-TYPE:  text/plain\r\nContent-Length: 1\r\n\r\nx"[..]);
    assert_eq!(
        decoder().decode(&mut buf).unwrap_err(),
        FrameError::NotMessageCpim {
            value: "text/plain".into()
        }
    );
}

#[test]
fn lenient_envelope_syntax() {
    let mut buf =
        BytesMut::from(&b"content-type:message/CPIM\ncontent-length:\t2 \nX-Extra: 1\n\nok"[..]);
    assert_eq!(
        decoder().decode(&mut buf).unwrap().as_deref(),
        Some(&b"ok"[..])
    );
}

#[test]
fn over_long_envelope_header_is_an_error() {
    let limits = CodecLimits {
        max_header_block: 100,
        ..CodecLimits::default()
    };
    let mut d = FrameDecoder::new(limits);
    let mut buf =
        BytesMut::from(format!("Content-Type: message/cpim; x={}", "a".repeat(200)).as_bytes());
    assert_eq!(
        d.decode(&mut buf).unwrap_err(),
        FrameError::HeaderTooLong { limit: 100 }
    );
}
