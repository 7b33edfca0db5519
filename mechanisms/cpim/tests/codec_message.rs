//! CpimMessage decoding/encoding against RFC 3862 (draft-ietf-impp-cpim-msgfmt-08).

use bytes::{Bytes, BytesMut};
use imsession_cpim::codec::{
    Address, CodecLimits, CpimError, CpimMessage, FrameDecoder, Header, Namespace, Subject,
    encode_frame, format_date_time,
};

/// The `h:` and `e:` lines of the example in §5.1 of draft-ietf-impp-cpim-msgfmt-08, tags removed.
const SPEC_LINES: &[&str] = &[
    "From: MR SANDERS <im:piglet@100akerwood.com>",
    "To: Depressed Donkey <im:eeyore@100akerwood.com>",
    "DateTime: 2000-12-13T13:40:00-08:00",
    "Subject: the weather will be fine today",
    "Subject:;lang=fr beau temps prevu pour aujourd'hui",
    "NS: MyFeatures <mid:MessageFeatures@id.foo.com>",
    "Require: MyFeatures.VitalMessageOption",
    "MyFeatures.VitalMessageOption: Confirmation-requested",
    "MyFeatures.WackyMessageOption: Use-silly-font",
    "",
    "Content-type: text/xml; charset=utf-8",
    "Content-ID: <1234567890@foo.com>",
    "",
    "<body>",
    "Here is the text of my message.",
    "</body>",
];

fn spec_example() -> Bytes {
    Bytes::from(SPEC_LINES.join("\r\n") + "\r\n")
}

fn decode(data: impl Into<Bytes>) -> Result<CpimMessage, CpimError> {
    CpimMessage::decode(data.into(), &CodecLimits::default())
}

#[test]
fn spec_lines_match_spec_file() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/specs/draft-ietf-impp-cpim-msgfmt-08.txt"
    );
    let Ok(spec) = std::fs::read_to_string(path) else {
        return; // spec text not available in this checkout
    };
    let section = &spec[spec.rfind("5.1 An example Message/CPIM message").unwrap()..];
    let section = &section[..section.find("5.2 An example").unwrap()];
    let lines: Vec<&str> = section
        .lines()
        .map(str::trim)
        .filter_map(|l| {
            l.strip_prefix("h:")
                .or_else(|| l.strip_prefix("e:"))
                .or(l.strip_prefix("s:"))
        })
        .map(str::trim_start)
        .collect();
    // lines[0] is the `s:` separator after the outer `m:` MIME header
    assert_eq!(lines[0], "");
    assert_eq!(lines[1..], *SPEC_LINES);
}

#[test]
fn spec_example_round_trips_byte_for_byte() {
    let data = spec_example();
    let msg = decode(data.clone()).unwrap();
    assert_eq!(msg.meta.len(), 9);
    assert_eq!(msg.content.len(), 2);
    assert_eq!(
        &msg.body[..],
        b"<body>\r\nHere is the text of my message.\r\n</body>\r\n"
    );
    assert_eq!(msg.encoded_len(), data.len());
    let mut out = BytesMut::new();
    msg.encode(&mut out);
    assert_eq!(out.freeze(), data);
}

#[test]
fn spec_example_accessors() {
    let msg = decode(spec_example()).unwrap();
    assert_eq!(
        msg.from().unwrap(),
        Some(Address::new(
            Some("MR SANDERS".into()),
            "im:piglet@100akerwood.com"
        ))
    );
    let to = msg.to().unwrap();
    assert_eq!(to.len(), 1);
    assert_eq!(
        to[0].to_string(),
        "Depressed Donkey <im:eeyore@100akerwood.com>"
    );
    assert_eq!(msg.cc().unwrap(), []);
    let dt = msg.date_time().unwrap().unwrap();
    assert_eq!(format_date_time(dt), "2000-12-13T13:40:00-08:00");
    assert_eq!(
        msg.subjects(),
        [
            Subject {
                lang: None,
                text: "the weather will be fine today".into()
            },
            Subject {
                lang: Some("fr".into()),
                text: "beau temps prevu pour aujourd'hui".into()
            },
        ]
    );
    assert_eq!(
        msg.namespaces().unwrap(),
        [Namespace {
            prefix: Some("MyFeatures".into()),
            uri: "mid:MessageFeatures@id.foo.com".into()
        }]
    );
    assert_eq!(msg.require(), ["MyFeatures.VitalMessageOption"]);
    let vital = msg
        .meta
        .iter()
        .find(|h| h.is("MyFeatures.VitalMessageOption"))
        .unwrap();
    assert_eq!(vital.prefix(), Some("MyFeatures"));
    assert_eq!(vital.value, "Confirmation-requested");
    assert_eq!(msg.content_type(), Some("text/xml; charset=utf-8"));
    assert_eq!(msg.msg_id(), None);
}

#[test]
fn spec_example_through_framing() {
    let msg = decode(spec_example()).unwrap();
    let mut wire = BytesMut::new();
    encode_frame(&msg, &mut wire);
    let len = spec_example().len();
    assert!(wire.starts_with(
        format!("Content-Type: message/cpim\r\nContent-Length: {len}\r\n\r\n").as_bytes()
    ));
    let payload = FrameDecoder::new(CodecLimits::default())
        .decode(&mut wire)
        .unwrap()
        .unwrap();
    assert_eq!(payload, spec_example());
    assert!(wire.is_empty());
}

#[test]
fn escaped_values_are_undone_and_redone() {
    let wire = "Subject: tab\\there\\nnew \\\\ \\\"q\\\" \\u0007bell \\u00e9 \\x\r\n\r\nContent-Type: text/plain\r\n\r\n";
    let msg = decode(wire).unwrap();
    assert_eq!(msg.meta[0].value, "tab\there\nnew \\ \"q\" \u{7}bell é x");
    let mut out = BytesMut::new();
    msg.encode(&mut out);
    assert_eq!(
        &out[..],
        "Subject: tab\\there\\nnew \\\\ \"q\" \\u0007bell é x\r\n\r\nContent-Type: text/plain\r\n\r\n"
            .as_bytes()
    );
    assert_eq!(decode(out.freeze()).unwrap(), msg);

    let mut m = CpimMessage::new("text/plain", "");
    m.meta
        .push(Header::new("X", "a\r\nInjected: yes\u{0}\u{7f}"));
    let enc = m.to_bytes();
    assert!(enc.starts_with(b"X: a\\r\\nInjected: yes\\u0000\\u007f\r\n\r\n"));
    assert_eq!(decode(enc).unwrap(), m);
}

#[test]
fn lone_surrogate_escape_is_an_error() {
    let err = decode("From: \\ud800 <im:x@y>\r\n\r\nContent-Type: a/b\r\n\r\n").unwrap_err();
    assert_eq!(
        err,
        CpimError::BadEscape {
            line: 1,
            name: "From".into()
        }
    );
}

#[test]
fn namespace_prefixes_and_default_namespace() {
    let wire = "NS: <http://id.acme.widgets/wily-headers/>\r\nrunner-trap: set\r\n\
NS: acme <http://id.acme.widgets/wily-headers/>\r\nacme.runner-trap: set\r\n\r\nContent-Type: a/b\r\n\r\n";
    let msg = decode(wire).unwrap();
    let ns = msg.namespaces().unwrap();
    assert_eq!(ns[0].prefix, None);
    assert_eq!(ns[1].prefix.as_deref(), Some("acme"));
    assert_eq!(ns[0].uri, ns[1].uri);
    assert_eq!(msg.meta[3].prefix(), Some("acme"));
    assert_eq!(msg.meta[3].base_name(), "acme.runner-trap");
    assert_eq!(msg.to_bytes(), wire.as_bytes());
    let bad = decode("NS: a b <urn:x>\r\n\r\nContent-Type: a/b\r\n\r\n").unwrap();
    assert!(matches!(
        bad.namespaces(),
        Err(CpimError::BadNamespace { .. })
    ));
}

#[test]
fn require_lists_all_names() {
    let msg = decode(
        "Require: MyFeatures.VitalMessageOption,Locale.MustRenderKanji\r\nRequire: Other\r\n\r\nContent-Type: a/b\r\n\r\n",
    )
    .unwrap();
    assert_eq!(
        msg.require(),
        [
            "MyFeatures.VitalMessageOption",
            "Locale.MustRenderKanji",
            "Other"
        ]
    );
}

#[test]
fn subject_lang_parameter() {
    let wire = "Subject:;lang=en Eeyore's feeling very depressed today\r\nSubject:;lang=fr;x=\"a b\" Objet\r\n\r\nContent-Type: a/b\r\n\r\n";
    let msg = decode(wire).unwrap();
    assert_eq!(msg.meta[0].name, "Subject;lang=en");
    assert_eq!(msg.meta[1].param("x"), Some("a b"));
    assert_eq!(msg.subjects()[1].lang.as_deref(), Some("fr"));
    assert_eq!(
        msg.subjects()[0].text,
        "Eeyore's feeling very depressed today"
    );
    assert_eq!(msg.to_bytes(), wire.as_bytes());
}

#[test]
fn binary_body_is_opaque() {
    let mut body: Vec<u8> = (0..=255u8).collect();
    body.extend_from_slice(b"\r\n\r\nContent-Type: x/y\r\n\r\n\n\n\r\r");
    let mut msg = CpimMessage::new("application/octet-stream", body.clone());
    msg.meta.push(Header::new("MsgID", "3"));
    let enc = msg.to_bytes();
    let back = decode(enc.clone()).unwrap();
    assert_eq!(&back.body[..], &body[..]);
    assert_eq!(back, msg);
    assert_eq!(back.to_bytes(), enc);
}

#[test]
fn missing_content_type_is_an_error() {
    let err = decode("From: <im:a@b>\r\n\r\nContent-ID: <1@x>\r\n\r\nbody").unwrap_err();
    assert_eq!(err, CpimError::MissingContentType);
    assert_eq!(err.to_string(), "missing content-type");
}

#[test]
fn missing_blank_line_is_an_error() {
    assert_eq!(
        decode("From: <im:a@b>\r\nTo: <im:c@d>\r\n").unwrap_err(),
        CpimError::MissingBlankLine {
            section: "meta-data"
        }
    );
}

#[test]
fn over_long_header_block_is_an_error() {
    let limits = CodecLimits {
        max_header_block: 64,
        ..CodecLimits::default()
    };
    let long = format!(
        "X: {}\r\n\r\nContent-Type: a/b\r\n\r\nbody",
        "v".repeat(100)
    );
    let err = CpimMessage::decode(Bytes::from(long), &limits).unwrap_err();
    assert_eq!(err, CpimError::HeaderBlockTooLarge { limit: 64 });
    // the limit covers both header sections
    let inner = format!(
        "X: v\r\n\r\nContent-Type: a/b\r\nY: {}\r\n\r\n",
        "v".repeat(100)
    );
    assert_eq!(
        CpimMessage::decode(Bytes::from(inner), &limits).unwrap_err(),
        CpimError::HeaderBlockTooLarge { limit: 64 }
    );
}

#[test]
fn folding_of_meta_headers_is_rejected() {
    let err = decode("Subject: a\r\n continued\r\n\r\nContent-Type: a/b\r\n\r\n").unwrap_err();
    assert_eq!(
        err,
        CpimError::FoldedHeader {
            line: 2,
            offset: 12
        }
    );
    assert!(err.to_string().contains("line 2"));
}

#[test]
fn malformed_lines_say_where() {
    let err = decode("From: <im:a@b>\r\nTo:<im:c@d>\r\n\r\nContent-Type: a/b\r\n\r\n").unwrap_err();
    assert_eq!(
        err,
        CpimError::MalformedHeader {
            line: 2,
            offset: 16,
            reason: "missing space after colon"
        }
    );
    let err = decode(&b"From: \xff\r\n\r\nContent-Type: a/b\r\n\r\n"[..]).unwrap_err();
    assert_eq!(err, CpimError::NonUtf8Header { line: 1, offset: 0 });
}

#[test]
fn bad_typed_values_name_the_header() {
    let msg = decode("From: piglet\r\nDateTime: tuesday\r\n\r\nContent-Type: a/b\r\n\r\n").unwrap();
    assert_eq!(
        msg.from().unwrap_err().to_string(),
        "bad address in From: \"piglet\""
    );
    assert_eq!(
        msg.date_time().unwrap_err().to_string(),
        "bad datetime: \"tuesday\""
    );
}
