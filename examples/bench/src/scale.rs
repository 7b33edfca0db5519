//! Scale: many sessions at once, all sharing one connection or each on its own, every
//! session a task of its own on both peers. Aggregate throughput, and memory per idle
//! session (see [`crate::memory`]).

use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::peers::run_pair;
use crate::sessions::{answer_sessions, endpoint, offer_sessions};
use crate::throughput::payload;
use crate::wire::Wire;
use crate::workload;

/// How the sessions of a scale case reach each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// Every session on one connection (one endpoint per peer).
    SharedConnection,
    /// Every session on its own connection (B uses one endpoint per session).
    OwnConnections,
}

/// B's endpoints for `n` sessions laid out as `layout`.
pub fn endpoints_for(layout: Layout, n: usize) -> Vec<imsession::Endpoint> {
    match layout {
        Layout::SharedConnection => vec![endpoint()],
        Layout::OwnConnections => (0..n).map(|_| endpoint()).collect(),
    }
}

/// `n` sessions each send `per_session` messages of `len` bytes from A to B at once;
/// timed from the start until B's last session has its last message.
pub fn sessions_run(layout: Layout, n: usize, len: usize, per_session: usize) -> Duration {
    let payload = payload(len);
    let (t0, t1) = run_pair(
        |mut link| async move {
            let ep = endpoint();
            let sessions = offer_sessions(&ep, Wire::Tcp, n, &mut link).await;
            link.rendezvous().await;
            let t0 = Instant::now();
            let mut tasks = JoinSet::new();
            for mut s in sessions {
                let payload = payload.clone();
                tasks.spawn(async move {
                    workload::send_messages(&mut s, &payload, per_session).await;
                    s
                });
            }
            let done = tasks.join_all().await;
            link.rendezvous().await;
            drop(done);
            t0
        },
        |mut link| async move {
            let eps = endpoints_for(layout, n);
            let sessions = answer_sessions(&eps, &mut link).await;
            link.rendezvous().await;
            let mut tasks = JoinSet::new();
            for mut s in sessions {
                tasks.spawn(async move {
                    let t = workload::recv_messages(&mut s, len, per_session).await;
                    (t, s)
                });
            }
            let done = tasks.join_all().await;
            let t1 = done.iter().map(|(t, _)| *t).max().expect("sessions");
            link.rendezvous().await;
            t1
        },
    );
    t1.saturating_duration_since(t0)
}
