//! # imsession-bench
//!
//! The benchmark harness of imsession: how close message sessions come to what the wire
//! allows. One run measures, as ratios to baselines measured in the same run:
//!
//! - one-way throughput of 64 B, 1 KiB, 64 KiB and 4 MiB messages over a negotiated
//!   `cpim/tcp` session against length-prefixed frames over raw TCP (tokio-util's
//!   `LengthDelimitedCodec`), and raw TLS 1.3 (rustls, ring) and `cpim/sctp` against the
//!   same frames over one stream of the SCTP transport alone, alongside;
//! - 64-byte ping-pong latency (p50, p99) against the same baselines;
//! - scale: 1, 100 and 10,000 concurrent sessions on one connection, and 1,000 sessions on
//!   their own connections (aggregate messages/s), and resident memory per idle session;
//! - micro-benchmarks: negotiating the founding offer, and cpim encode/decode.
//!
//! ```text
//! cargo run --release -p imsession-bench -- [--quick] [--json out.json]
//! cargo bench -p imsession-bench          # the micro-benchmarks under divan
//! ```
//!
//! Framework cases use the public API only ([`imsession::Negotiator`],
//! [`imsession::Endpoint`] offer/answer/complete/establish, [`imsession::Session`]). Every
//! case runs between two peers, each a single-threaded tokio runtime on its own thread (see
//! [`peers`]), so the baseline and the framework get the machine's cores the same way. The
//! results and their reading are in `docs/benchmarks.md`.
//!
//! Each throughput and latency case (one wire, one payload) runs as pairs of runs, baseline
//! and framework back to back, alternating which goes first; a ratio is taken per pair and
//! the median reported with its range. The `imsession-bench` program runs each such case,
//! and each memory probe, in a fresh child process ([`run::Isolation`]), so that earlier
//! cases do not shape later ones through the allocator.
//!
//! ```no_run
//! use imsession_bench::run::{Isolation, Plan, run};
//! let report = run(&Plan::quick(), &Isolation::in_process());
//! println!("{}", report.table());
//! ```
#![forbid(unsafe_code)]

pub mod job;
pub mod latency;
pub mod memory;
pub mod micro;
pub mod peers;
pub mod raw;
pub mod report;
pub mod rows;
pub mod run;
pub mod scale;
pub mod sctp;
pub mod sessions;
pub mod targets;
pub mod throughput;
pub mod tls;
pub mod wire;
pub mod workload;
