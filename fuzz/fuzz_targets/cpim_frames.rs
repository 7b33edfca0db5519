//! cpim frame decoding: a byte stream fed in arbitrary pieces gives exactly what the whole
//! buffer gives — the same frames, the same error at the same point, the same leftover bytes
//! and the same garbage count — for the envelope decoder and the connection-level
//! `CpimDecoder`, with default limits and with small ones that the fuzzer can reach.
//!
//! Input: byte 0 is `k` (mod 16), the next `k` bytes are piece sizes used in turn (0 means an
//! empty append; no sizes means one byte at a time), the rest is the stream.
#![no_main]

use bytes::{Bytes, BytesMut};
use imsession::{FrameDecoder as _, Message, SessionKey};
use imsession_cpim::CpimDecoder;
use imsession_cpim::codec::{CodecLimits, FrameDecoder, FrameError};
use libfuzzer_sys::fuzz_target;

/// Limits small enough that the fuzzer reaches every over-limit path with short inputs.
const SMALL: CodecLimits = CodecLimits {
    max_message: 300,
    max_header_block: 120,
    max_garbage: 200,
};

/// Everything a decoder produced from one stream.
#[derive(Debug, PartialEq)]
struct Outcome<T> {
    items: Vec<T>,
    error: Option<String>,
    leftover: Bytes,
    discarded: u64,
    mid_frame: bool,
}

trait Decoder {
    type Item;
    fn next(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, String>;
    fn discarded(&self) -> u64;
    fn mid_frame(&self) -> bool;
}

impl Decoder for FrameDecoder {
    type Item = Bytes;
    fn next(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, String> {
        self.decode(src).map_err(|e| match e {
            // How many garbage bytes had been dropped when the limit was crossed depends on
            // how much had arrived: a whole line is dropped at once. Compare the limit only.
            FrameError::GarbageOverLimit { limit, .. } => format!("garbage over {limit}"),
            e => format!("{e:?}"),
        })
    }
    fn discarded(&self) -> u64 {
        self.discarded_bytes()
    }
    fn mid_frame(&self) -> bool {
        self.is_mid_frame()
    }
}

impl Decoder for CpimDecoder {
    type Item = (SessionKey, Message);
    fn next(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, String> {
        match self.decode(src) {
            Ok(frame) => Ok(frame.map(|f| (f.key, f.message))),
            Err(e) => match e.0.split_once(" bytes of garbage exceed ") {
                Some((_, limit)) => Err(format!("garbage over {limit}")),
                None => Err(e.0),
            },
        }
    }
    fn discarded(&self) -> u64 {
        self.discarded_bytes()
    }
    fn mid_frame(&self) -> bool {
        false
    }
}

/// Feeds `pieces` in turn, draining the decoder after each, until the stream ends or errs.
fn run<D: Decoder>(mut d: D, pieces: &[&[u8]]) -> Outcome<D::Item> {
    let mut src = BytesMut::new();
    let mut items = Vec::new();
    let mut error = None;
    'feed: for piece in pieces {
        src.extend_from_slice(piece);
        loop {
            match d.next(&mut src) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => break,
                Err(e) => {
                    error = Some(e);
                    break 'feed;
                }
            }
        }
    }
    Outcome {
        items,
        error,
        leftover: src.freeze(),
        discarded: d.discarded(),
        mid_frame: d.mid_frame(),
    }
}

fn split<'a>(mut sizes: &[u8], mut stream: &'a [u8]) -> Vec<&'a [u8]> {
    if sizes.iter().all(|&s| s == 0) {
        sizes = &[];
    }
    let mut pieces = Vec::new();
    let mut i = 0;
    while !stream.is_empty() {
        let size = sizes
            .get(i % sizes.len().max(1))
            .map_or(1, |&s| usize::from(s));
        let (piece, rest) = stream.split_at(size.min(stream.len()));
        pieces.push(piece);
        stream = rest;
        i += 1;
    }
    pieces
}

/// Runs a fresh decoder from `make` over the whole stream and over `pieces`, and checks both
/// agree. An error ends the stream: a split run stops at the piece where it is found, so only
/// the items before it and the error itself can be compared; otherwise everything must match.
fn compare<D: Decoder>(make: impl Fn() -> D, stream: &[u8], pieces: &[&[u8]], what: &str)
where
    D::Item: PartialEq + std::fmt::Debug,
{
    let whole = run(make(), &[stream]);
    let split = run(make(), pieces);
    if whole.error.is_some() {
        assert_eq!(split.items, whole.items, "{what}: items before the error");
        assert_eq!(split.error, whole.error, "{what}: same error");
    } else {
        assert_eq!(split, whole, "{what}");
    }
}

fn check(limits: CodecLimits, sizes: &[u8], stream: &[u8]) {
    let pieces = split(sizes, stream);
    compare(
        || FrameDecoder::new(limits),
        stream,
        &pieces,
        &format!("envelope decoder, pieces {sizes:?}"),
    );
    compare(
        || CpimDecoder::new(limits),
        stream,
        &pieces,
        &format!("cpim decoder, pieces {sizes:?}"),
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let k = usize::from(k % 16).min(rest.len());
    let (sizes, stream) = rest.split_at(k);
    check(CodecLimits::default(), sizes, stream);
    check(SMALL, sizes, stream);
});
