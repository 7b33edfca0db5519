//! Property tests: decoders never panic on arbitrary input; encode/decode round trips.

use bytes::{Bytes, BytesMut};
use imsession_cpim::codec::{
    CodecLimits, CpimMessage, DeliveryStatus, FrameDecoder, Header, encode_frame,
};
use proptest::prelude::*;

fn small_limits() -> CodecLimits {
    CodecLimits {
        max_message: 4096,
        max_header_block: 512,
        max_garbage: 1024,
    }
}

/// A meta-data header name: optional NS prefix, optional `;lang=`/`;x="..."` parameters.
fn meta_name() -> impl Strategy<Value = String> {
    (
        proptest::option::of("[A-Za-z][A-Za-z0-9_-]{0,8}"),
        "[A-Za-z][A-Za-z0-9!#$%&'*+^_`|~-]{0,12}",
        proptest::option::of("[a-z]{2}(-[A-Z]{2})?"),
        proptest::option::of("[a-z ;,]{0,6}"),
    )
        .prop_map(|(prefix, name, lang, quoted)| {
            let mut n = prefix.map(|p| format!("{p}.")).unwrap_or_default() + &name;
            if let Some(l) = lang {
                n += &format!(";lang={l}");
            }
            if let Some(q) = quoted {
                n += &format!(";q=\"{q}\"");
            }
            n
        })
}

/// Any Unicode, with extra weight on characters that need escaping.
fn value() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            any::<char>(),
            prop::sample::select(vec![
                '\\', '"', '\'', '\r', '\n', '\t', '\u{8}', '\u{0}', '\u{7f}', 'u', ' '
            ]),
        ],
        0..40,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn content_header() -> impl Strategy<Value = Header> {
    ("[A-Za-z][A-Za-z0-9-]{0,12}", "[ -~]{0,30}")
        .prop_map(|(n, v)| Header::new(n, v.trim_start().to_owned()))
}

fn message() -> impl Strategy<Value = CpimMessage> {
    (
        proptest::collection::vec((meta_name(), value()), 0..8),
        "[a-z]{1,8}/[a-z0-9.+-]{1,12}",
        proptest::collection::vec(content_header(), 0..4),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(meta, ct, extra, body)| {
            let mut m = CpimMessage::new(ct, body);
            m.meta = meta.into_iter().map(|(n, v)| Header::new(n, v)).collect();
            m.content.extend(extra);
            m
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn frame_decoder_never_panics(data in proptest::collection::vec(any::<u8>(), 0..2048), split in 0usize..2048) {
        let split = split.min(data.len());
        let mut d = FrameDecoder::new(small_limits());
        let mut buf = BytesMut::new();
        'outer: for chunk in [&data[..split], &data[split..]] {
            buf.extend_from_slice(chunk);
            loop {
                match d.decode(&mut buf) {
                    Ok(Some(f)) => prop_assert!(f.len() <= 4096),
                    Ok(None) => break,
                    Err(_) => break 'outer,
                }
            }
        }
    }

    #[test]
    fn frame_decoder_never_panics_on_envelope_like_input(
        parts in proptest::collection::vec(prop_oneof![
            Just(b"Content-Type: message/cpim\r\n".to_vec()),
            Just(b"Content-Length: 5\r\n".to_vec()),
            Just(b"content-length:-1\n".to_vec()),
            Just(b"\r\n".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..12),
        ], 0..20)
    ) {
        let data = parts.concat();
        let mut d = FrameDecoder::new(small_limits());
        let mut buf = BytesMut::new();
        for b in data {
            buf.extend_from_slice(&[b]);
            match d.decode(&mut buf) {
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }

    #[test]
    fn message_decode_never_panics(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
        if let Ok(m) = CpimMessage::decode(Bytes::from(data), &small_limits()) {
            // whatever decodes must encode to something that decodes to the same message
            let again = CpimMessage::decode(m.to_bytes(), &CodecLimits::default()).unwrap();
            prop_assert_eq!(again, m);
        }
    }

    #[test]
    fn message_decode_never_panics_on_header_like_input(
        lines in proptest::collection::vec(prop_oneof![
            Just(String::new()),
            Just("Content-Type: text/plain".to_owned()),
            "[A-Za-z.;=\" :\\\\u0-9]{0,20}",
            "\\PC{0,10}",
        ], 0..10)
    ) {
        let _ = CpimMessage::decode(Bytes::from(lines.join("\r\n")), &small_limits());
    }

    #[test]
    fn delivery_status_decode_never_panics(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = DeliveryStatus::decode(&data);
    }

    #[test]
    fn encode_decode_round_trip(m in message()) {
        let enc = m.to_bytes();
        prop_assert_eq!(enc.len(), m.encoded_len());
        let back = CpimMessage::decode(enc.clone(), &CodecLimits::default()).unwrap();
        prop_assert_eq!(&back, &m);
        prop_assert_eq!(back.to_bytes(), enc);
    }

    #[test]
    fn framed_round_trip_in_random_chunks(
        msgs in proptest::collection::vec(message(), 1..4),
        chunk in 1usize..64,
    ) {
        let mut wire = BytesMut::new();
        for m in &msgs {
            encode_frame(m, &mut wire);
        }
        let mut d = FrameDecoder::new(CodecLimits::default());
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for c in wire.chunks(chunk) {
            buf.extend_from_slice(c);
            while let Some(f) = d.decode(&mut buf).unwrap() {
                out.push(CpimMessage::decode(f, &CodecLimits::default()).unwrap());
            }
        }
        prop_assert_eq!(out, msgs);
        prop_assert_eq!(d.discarded_bytes(), 0);
    }
}
