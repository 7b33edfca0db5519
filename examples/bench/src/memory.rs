//! Memory per idle session, measured as the growth of the process's resident set (VmRSS)
//! while `n` sessions are negotiated, established and each carries one hello, after one
//! warm-up session has opened the connection and the runtimes. Both peers live in the
//! process, so the growth is divided by `2 n` session ends. A probe where the resident set
//! did not grow measured nothing and is reported as invalid, never as 0 bytes. It runs in a fresh child process
//! so that memory freed by earlier cases does not hide the growth, and negotiates in batches
//! of [`BATCH`] so that the SDP texts of a batch, freed before the next, are not counted as
//! session memory.

use crate::peers::run_pair;
use crate::scale::{Layout, endpoints_for};
use crate::sessions::{answer_sessions, endpoint, offer_sessions};
use crate::wire::Wire;

/// Sessions negotiated at a time.
pub const BATCH: usize = 100;

/// What one probe found.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MemoryProbe {
    /// Sessions added after the warm-up.
    pub sessions: usize,
    /// Resident set before, KiB.
    pub rss_before_kib: u64,
    /// Resident set after, KiB.
    pub rss_after_kib: u64,
}

impl MemoryProbe {
    /// Bytes of resident memory per session end (each session has one on each peer);
    /// `None` when the resident set did not grow, or no session was added: then memory
    /// freed during the probe hid the sessions', and the probe says nothing about them.
    pub fn bytes_per_session_end(&self) -> Option<f64> {
        let growth = self.rss_after_kib.checked_sub(self.rss_before_kib)?;
        if growth == 0 || self.sessions == 0 {
            return None;
        }
        Some((growth * 1024) as f64 / (2 * self.sessions) as f64)
    }
}

/// The process's resident set size in KiB, from `/proc/self/status`.
///
/// # Panics
/// When `/proc/self/status` has no `VmRSS` line (not Linux).
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// Measures `n` idle sessions laid out as `layout`, in this process.
pub fn probe(layout: Layout, n: usize) -> MemoryProbe {
    let (probe, ()) = run_pair(
        |mut link| async move {
            let ep = endpoint();
            let warm = offer_sessions(&ep, Wire::Tcp, 1, &mut link).await;
            link.rendezvous().await;
            let rss_before_kib = rss_kib();
            let mut sessions = Vec::with_capacity(n);
            for batch in batches(n) {
                sessions.extend(offer_sessions(&ep, Wire::Tcp, batch, &mut link).await);
            }
            link.rendezvous().await;
            let rss_after_kib = rss_kib();
            link.rendezvous().await;
            drop((warm, sessions));
            MemoryProbe {
                sessions: n,
                rss_before_kib,
                rss_after_kib,
            }
        },
        |mut link| async move {
            let warm_ep = [endpoint()];
            let warm = answer_sessions(&warm_ep, &mut link).await;
            // Made before A's first reading: endpoints are configuration, not sessions.
            let eps = match layout {
                // The same endpoint as the warm-up, so the sessions share its connection.
                Layout::SharedConnection => warm_ep.to_vec(),
                Layout::OwnConnections => endpoints_for(layout, n),
            };
            link.rendezvous().await;
            let mut sessions = Vec::with_capacity(n);
            for (i, batch) in batches(n).enumerate() {
                let eps = match layout {
                    Layout::SharedConnection => &eps[..],
                    Layout::OwnConnections => &eps[i * BATCH..i * BATCH + batch],
                };
                sessions.extend(answer_sessions(eps, &mut link).await);
            }
            link.rendezvous().await;
            link.rendezvous().await;
            drop((warm, sessions, eps));
        },
    );
    probe
}

/// Sizes of the batches `n` sessions are negotiated in.
fn batches(n: usize) -> impl Iterator<Item = usize> {
    (0..n.div_ceil(BATCH)).map(move |i| BATCH.min(n - i * BATCH))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_every_session_once() {
        assert_eq!(batches(0).count(), 0);
        assert_eq!(batches(100).collect::<Vec<_>>(), [100]);
        assert_eq!(batches(250).collect::<Vec<_>>(), [100, 100, 50]);
    }

    #[test]
    fn growth_is_shared_by_both_ends() {
        let p = MemoryProbe {
            sessions: 10,
            rss_before_kib: 100,
            rss_after_kib: 120,
        };
        assert_eq!(p.bytes_per_session_end(), Some(20.0 * 1024.0 / 20.0));
    }

    #[test]
    fn no_growth_is_an_invalid_probe_not_zero_bytes() {
        let p = MemoryProbe {
            sessions: 10,
            rss_before_kib: 100,
            rss_after_kib: 90,
        };
        assert_eq!(p.bytes_per_session_end(), None);
        let flat = MemoryProbe {
            rss_after_kib: 100,
            ..p
        };
        assert_eq!(flat.bytes_per_session_end(), None);
    }

    #[test]
    fn rss_is_read() {
        assert!(rss_kib() > 0);
    }
}
