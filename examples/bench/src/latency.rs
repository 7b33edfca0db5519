//! Round-trip latency: peer A sends a message, peer B echoes it, A waits for the echo;
//! repeated after a warm-up.

use crate::peers::run_pair;
use crate::sessions::{answer_sessions, endpoint_for, offer_sessions};
use crate::throughput::payload;
use crate::tls::TlsPair;
use crate::wire::{Wire, raw_accept, raw_connect};
use crate::{raw, workload};

/// Round trips run and discarded before measuring.
pub const WARMUP: usize = 200;

/// Size of the ping payload, in bytes.
pub const PING_SIZE: usize = 64;

/// Round trips over the baseline, in nanoseconds.
pub fn raw_rtts(wire: Wire, tls: &TlsPair, count: usize) -> Vec<u64> {
    let payload = payload(PING_SIZE);
    let (rtts, ()) = run_pair(
        |mut link| async move {
            let io = raw_accept(wire, tls, &mut link).await;
            let (_, io) = raw::ping(io, &payload, WARMUP).await;
            let (rtts, io) = raw::ping(io, &payload, count).await;
            link.rendezvous().await;
            drop(io);
            rtts
        },
        |mut link| async move {
            let io = raw_connect(wire, tls, &mut link).await;
            let io = raw::echo(io, WARMUP + count).await;
            link.rendezvous().await;
            drop(io);
        },
    );
    rtts
}

/// Round trips over one negotiated `cpim/<wire>` session, in nanoseconds.
pub fn session_rtts(wire: Wire, count: usize) -> Vec<u64> {
    let payload = payload(PING_SIZE);
    let (rtts, ()) = run_pair(
        |mut link| async move {
            let ep = endpoint_for(wire);
            let mut s = offer_sessions(&ep, wire, 1, &mut link).await.remove(0);
            workload::ping(&mut s, &payload, WARMUP).await;
            let rtts = workload::ping(&mut s, &payload, count).await;
            link.rendezvous().await;
            rtts
        },
        |mut link| async move {
            let ep = endpoint_for(wire);
            let mut s = answer_sessions(std::slice::from_ref(&ep), &mut link)
                .await
                .remove(0);
            workload::echo(&mut s, WARMUP + count).await;
            link.rendezvous().await;
        },
    );
    rtts
}

/// The `p`-th percentile (0–100) of `samples`, nearest rank; `samples` is sorted in place.
pub fn percentile(samples: &mut [u64], p: f64) -> u64 {
    assert!(!samples.is_empty(), "no samples");
    samples.sort_unstable();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    samples[rank.clamp(1, samples.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut s: Vec<u64> = (1..=100).rev().collect();
        assert_eq!(percentile(&mut s, 50.0), 50);
        assert_eq!(percentile(&mut s, 99.0), 99);
        assert_eq!(percentile(&mut s, 100.0), 100);
        assert_eq!(percentile(&mut s, 0.0), 1);
        assert_eq!(percentile(&mut [7], 99.0), 7);
    }
}
