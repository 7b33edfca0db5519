//! CPIM message codec: any body either fails with a typed error or decodes to a message whose
//! encoding decodes back to the same message, is exactly `encoded_len` bytes, and is a fixed
//! point; the typed accessors never panic, and the addresses, namespaces and date they read
//! are written back in a form that reads the same. Small limits, which the fuzzer can reach, only
//! ever refuse: what decodes under them decodes the same under the defaults. Delivery-status
//! bodies round-trip likewise.
#![no_main]

use bytes::{Bytes, BytesMut};
use imsession_cpim::codec::{
    Address, CodecLimits, CpimMessage, DeliveryStatus, Header, Namespace, format_date_time,
};
use libfuzzer_sys::fuzz_target;

const SMALL: CodecLimits = CodecLimits {
    max_message: 300,
    max_header_block: 120,
    max_garbage: 0,
};

fuzz_target!(|data: &[u8]| {
    let limits = CodecLimits::default();
    if let Ok(status) = DeliveryStatus::decode(data) {
        let mut wire = BytesMut::new();
        status.encode(&mut wire);
        let back = DeliveryStatus::decode(&wire)
            .unwrap_or_else(|e| panic!("encoded delivery status does not decode: {e}"));
        assert_eq!(back, status, "delivery status round trip");
    }
    let data = Bytes::copy_from_slice(data);
    let small = CpimMessage::decode(data.clone(), &SMALL);
    let Ok(msg) = CpimMessage::decode(data, &limits) else {
        assert!(
            small.is_err(),
            "small limits accept what the defaults refuse"
        );
        return;
    };
    if let Ok(small) = small {
        assert_eq!(small, msg, "limits change what is decoded");
    }
    let _ = (
        msg.from(),
        msg.to(),
        msg.cc(),
        msg.date_time(),
        msg.subjects(),
    );
    let _ = (
        msg.msg_id(),
        msg.namespaces(),
        msg.require(),
        msg.content_type(),
    );
    check_typed(&msg);
    let wire = msg.to_bytes();
    assert_eq!(wire.len(), msg.encoded_len(), "encoded_len is exact");
    let back = CpimMessage::decode(wire.clone(), &limits)
        .unwrap_or_else(|e| panic!("encoded message does not decode: {e}\n{wire:?}"));
    assert_eq!(back, msg, "message round trip:\n{wire:?}");
    assert_eq!(back.to_bytes(), wire, "encoding is not a fixed point");
});

/// What the accessors read survives being written with our own formatting and read again.
fn check_typed(msg: &CpimMessage) {
    let from = msg.from().ok().flatten();
    let to = msg.to().unwrap_or_default();
    let cc = msg.cc().unwrap_or_default();
    for a in from.iter().chain(&to).chain(&cc) {
        let text = a.to_string();
        assert_eq!(Address::parse(&text).as_ref(), Some(a), "address {text:?}");
    }
    for ns in msg.namespaces().unwrap_or_default() {
        let text = ns.to_string();
        assert_eq!(Namespace::parse(&text), Some(ns), "namespace {text:?}");
    }
    if let Ok(Some(t)) = msg.date_time() {
        let text = format_date_time(t);
        let mut m = CpimMessage::new("text/plain", "");
        m.meta.push(Header::new("DateTime", text.as_str()));
        assert_eq!(m.date_time().ok().flatten(), Some(t), "date {text:?}");
    }
}
