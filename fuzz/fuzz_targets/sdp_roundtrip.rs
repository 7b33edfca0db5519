//! SDP parser: any input either fails with a typed error or parses to a description that
//! writes out and parses back to itself, and whose written form is a fixed point.
#![no_main]

use imsession_sdp::SessionDescription;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sd) = SessionDescription::parse_bytes(data) else {
        return;
    };
    // The typed accessors must not panic on anything the parser accepted.
    let _ = sd.connection();
    for m in sd.media() {
        let _ = (
            m.setup(),
            m.connection_mode(),
            m.direction(),
            m.uri(),
            m.path(),
        );
        let _ = (
            m.accept_types(),
            m.accept_wrapped_types(),
            m.max_size(),
            m.mode(),
        );
        let _ = (m.connection(), m.fingerprints().count());
    }
    let written = sd.to_string();
    let back = SessionDescription::parse(&written)
        .unwrap_or_else(|e| panic!("written description does not parse: {e}\n{written}"));
    assert_eq!(
        back, sd,
        "written description parses differently:\n{written}"
    );
    assert_eq!(back.to_string(), written, "writing is not a fixed point");
});
