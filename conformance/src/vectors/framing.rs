//! `vectors/framing/*.stream`: byte streams as a cpim session connection carries them
//! (cpimmsg-sessions §5-§6.1) and the frames or error they must give.
//!
//! Same layout as the cpim vectors (`key=value` lines, `---`, escaped bytes). Keys:
//!
//! | key | meaning |
//! | --- | --- |
//! | `source` | spec and section (required) |
//! | `reason` | what the stream exercises (required) |
//! | `frames` | how many complete payloads decode before the end or the error (required) |
//! | `payload-lens` | their lengths, comma separated |
//! | `error` | text the framing error must contain, or `none` (required) |
//! | `discarded` | bytes skipped before envelopes |
//! | `max-message` | decode with this message limit instead of the default |
//!
//! Every stream is decoded whole, split into two reads at every offset, and byte by byte: all
//! three must give the same payloads and the same error.

use bytes::BytesMut;
use imsession_cpim::codec::{CodecLimits, FrameDecoder};

use super::{check_files, parse_keys, split_head, unescape};

/// Every key a `.stream` vector may hold.
pub const KEYS: &[&str] = &[
    "source",
    "reason",
    "frames",
    "payload-lens",
    "error",
    "discarded",
    "max-message",
];

/// Checks every `vectors/framing/*.stream` and returns how many there are.
///
/// # Errors
/// The first vector whose outcome differs.
pub fn check_all() -> Result<usize, String> {
    check_files("framing", "stream", check_one)
}

/// Payloads, the error text if any, and bytes discarded.
type Decoded = (Vec<Vec<u8>>, Option<String>, u64);

/// Feeds `chunks` in order to a fresh decoder.
fn decode<'a>(limits: CodecLimits, chunks: impl IntoIterator<Item = &'a [u8]>) -> Decoded {
    let mut dec = FrameDecoder::new(limits);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(p)) => out.push(p.to_vec()),
                Ok(None) => break,
                Err(e) => return (out, Some(e.to_string()), dec.discarded_bytes()),
            }
        }
    }
    (out, None, dec.discarded_bytes())
}

/// Checks one vector file.
///
/// # Errors
/// What differed from the file's expectations, and at which split.
pub fn check_one(name: &str, file: &[u8]) -> Result<(), String> {
    let (head, body) = split_head(name, file)?;
    let exp = parse_keys(name, &head, KEYS)?;
    for k in ["source", "reason", "frames", "error"] {
        if !exp.contains_key(k) {
            return Err(format!("{name}: missing {k}"));
        }
    }
    let stream = unescape(name, &body)?;
    let mut limits = CodecLimits::default();
    if let Some(v) = exp.get("max-message") {
        limits.max_message = v.parse().map_err(|_| format!("{name}: max-message"))?;
    }
    let whole = decode(limits, [&stream[..]]);
    let (frames, error, discarded) = &whole;
    let want_frames: usize = exp["frames"]
        .parse()
        .map_err(|_| format!("{name}: frames"))?;
    if frames.len() != want_frames {
        return Err(format!(
            "{name}: {} frames decoded, expected {want_frames} (error: {error:?})",
            frames.len()
        ));
    }
    if let Some(lens) = exp.get("payload-lens") {
        let got = frames
            .iter()
            .map(|f| f.len().to_string())
            .collect::<Vec<_>>()
            .join(",");
        if got != *lens {
            return Err(format!("{name}: payload lengths {got}, expected {lens}"));
        }
    }
    match (exp["error"].as_str(), error) {
        ("none", None) => {}
        ("none", Some(e)) => return Err(format!("{name}: unexpected error {e:?}")),
        (want, None) => return Err(format!("{name}: no error, expected {want:?}")),
        (want, Some(e)) if !e.contains(want) => {
            return Err(format!(
                "{name}: error {e:?}, expected one containing {want:?}"
            ));
        }
        _ => {}
    }
    if let Some(d) = exp.get("discarded") {
        if discarded.to_string() != *d {
            return Err(format!("{name}: {discarded} bytes discarded, expected {d}"));
        }
    }
    for at in 0..=stream.len() {
        let split = decode(limits, [&stream[..at], &stream[at..]]);
        if split != whole {
            return Err(format!(
                "{name}: split at byte {at} gives {:?}, whole gives {:?}",
                summary(&split),
                summary(&whole)
            ));
        }
    }
    let bytewise = decode(limits, stream.chunks(1));
    if bytewise != whole {
        return Err(format!(
            "{name}: byte by byte gives {:?}, whole gives {:?}",
            summary(&bytewise),
            summary(&whole)
        ));
    }
    Ok(())
}

fn summary(d: &Decoded) -> (Vec<usize>, Option<&str>, u64) {
    (d.0.iter().map(Vec::len).collect(), d.1.as_deref(), d.2)
}
