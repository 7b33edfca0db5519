//! One-way throughput: `count` messages of one size from peer A to peer B, timed from A's
//! first send to B's receipt of the last.

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::peers::run_pair;
use crate::sessions::{answer_sessions, endpoint_for, offer_sessions};
use crate::tls::TlsPair;
use crate::wire::{Wire, raw_accept, raw_connect};
use crate::{raw, workload};

/// A payload of `len` bytes.
pub fn payload(len: usize) -> Bytes {
    Bytes::from(vec![b'x'; len])
}

/// The baseline: length-prefixed frames over a raw stream.
pub fn raw_run(wire: Wire, tls: &TlsPair, len: usize, count: usize) -> Duration {
    let payload = payload(len);
    let (t0, t1) = run_pair(
        |mut link| async move {
            let io = raw_accept(wire, tls, &mut link).await;
            link.rendezvous().await;
            let t0 = Instant::now();
            let io = raw::send_frames(io, &payload, count).await;
            link.rendezvous().await;
            drop(io);
            t0
        },
        |mut link| async move {
            let io = raw_connect(wire, tls, &mut link).await;
            link.rendezvous().await;
            let (t1, io) = raw::recv_frames(io, len, count).await;
            link.rendezvous().await;
            drop(io);
            t1
        },
    );
    t1.saturating_duration_since(t0)
}

/// The framework: one negotiated `cpim/<wire>` session.
pub fn session_run(wire: Wire, len: usize, count: usize) -> Duration {
    let payload = payload(len);
    let (t0, t1) = run_pair(
        |mut link| async move {
            let ep = endpoint_for(wire);
            let mut s = offer_sessions(&ep, wire, 1, &mut link).await.remove(0);
            link.rendezvous().await;
            let t0 = Instant::now();
            workload::send_messages(&mut s, &payload, count).await;
            link.rendezvous().await;
            t0
        },
        |mut link| async move {
            let ep = endpoint_for(wire);
            let mut s = answer_sessions(std::slice::from_ref(&ep), &mut link)
                .await
                .remove(0);
            link.rendezvous().await;
            let t1 = workload::recv_messages(&mut s, len, count).await;
            link.rendezvous().await;
            t1
        },
    );
    t1.saturating_duration_since(t0)
}
