//! CPIM message codec: any body either fails with a typed error or decodes to a message whose
//! encoding decodes back to the same message, is exactly `encoded_len` bytes, and is a fixed
//! point; the typed accessors never panic. Delivery-status bodies round-trip likewise.
#![no_main]

use bytes::{Bytes, BytesMut};
use imsession_cpim::codec::{CodecLimits, CpimMessage, DeliveryStatus};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = CodecLimits::default();
    if let Ok(status) = DeliveryStatus::decode(data) {
        let mut wire = BytesMut::new();
        status.encode(&mut wire);
        let back = DeliveryStatus::decode(&wire)
            .unwrap_or_else(|e| panic!("encoded delivery status does not decode: {e}"));
        assert_eq!(back, status, "delivery status round trip");
    }
    let Ok(msg) = CpimMessage::decode(Bytes::copy_from_slice(data), &limits) else {
        return;
    };
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
    let wire = msg.to_bytes();
    assert_eq!(wire.len(), msg.encoded_len(), "encoded_len is exact");
    let back = CpimMessage::decode(wire.clone(), &limits)
        .unwrap_or_else(|e| panic!("encoded message does not decode: {e}\n{wire:?}"));
    assert_eq!(back, msg, "message round trip:\n{wire:?}");
    assert_eq!(back.to_bytes(), wire, "encoding is not a fixed point");
});
