//! Micro-benchmarks under divan: `cargo bench -p imsession-bench`.
//!
//! The same workloads as the harness's micro section (`imsession_bench::micro`), with
//! divan's statistics: negotiating the founding offer (parse, answer, write), and cpim
//! encode and decode per message for 64 B, 1 KiB and 1 MiB bodies (with bytes/s).

use divan::Bencher;
use divan::counter::BytesCount;
use imsession_bench::micro::{CPIM_SIZES, CpimCodec, FOUNDING_OFFER, Negotiation};

fn main() {
    divan::main();
}

/// Parse + answer + write of draft-campbell-simple-im-sessions-00 §5's offer.
#[divan::bench]
fn negotiate_founding_offer(b: Bencher<'_, '_>) {
    let n = Negotiation::default();
    b.bench_local(|| n.run(FOUNDING_OFFER));
}

/// One message encoded as one frame (envelope, CPIM headers, body copy).
#[divan::bench(args = CPIM_SIZES)]
fn cpim_encode(b: Bencher<'_, '_>, len: usize) {
    let mut codec = CpimCodec::new(len);
    b.counter(BytesCount::new(len))
        .bench_local(|| codec.encode());
}

/// One frame decoded into a keyed message, as the connection's reader does it.
#[divan::bench(args = CPIM_SIZES)]
fn cpim_decode(b: Bencher<'_, '_>, len: usize) {
    let mut codec = CpimCodec::new(len);
    let mut source = CpimCodec::new(len);
    b.counter(BytesCount::new(len))
        .with_inputs(|| source.wire(1))
        .bench_local_refs(|wire| codec.decode_all(wire));
}
