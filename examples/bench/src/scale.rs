//! Scale: many sessions at once, all sharing one connection or each on its own, every
//! session a task of its own on both peers. Aggregate throughput, and memory per idle
//! session (see [`crate::memory`]).

use std::time::{Duration, Instant};

use tokio::sync::watch;
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
/// timed from the start signal (every task on both peers already spawned) until B's last
/// session has its last message.
pub fn sessions_run(layout: Layout, n: usize, len: usize, per_session: usize) -> Duration {
    let payload = payload(len);
    let (t0, t1) = run_pair(
        |mut link| async move {
            let ep = endpoint();
            let sessions = offer_sessions(&ep, Wire::Tcp, n, &mut link).await;
            // Every task is spawned before the clock starts, and waits for the start signal.
            let (start, go) = watch::channel(false);
            let mut tasks = JoinSet::new();
            for mut s in sessions {
                let payload = payload.clone();
                let mut go = go.clone();
                tasks.spawn(async move {
                    go.wait_for(|&go| go).await.expect("start signal");
                    workload::send_messages(&mut s, &payload, per_session).await;
                    s
                });
            }
            link.rendezvous().await;
            let t0 = Instant::now();
            start.send_replace(true);
            let done = tasks.join_all().await;
            link.rendezvous().await;
            drop(done);
            t0
        },
        |mut link| async move {
            let eps = endpoints_for(layout, n);
            let sessions = answer_sessions(&eps, &mut link).await;
            // Receivers are spawned before A starts the clock; they only wait until then.
            let mut tasks = JoinSet::new();
            for mut s in sessions {
                tasks.spawn(async move {
                    let t = workload::recv_messages(&mut s, len, per_session).await;
                    (t, s)
                });
            }
            link.rendezvous().await;
            let done = tasks.join_all().await;
            let t1 = done.iter().map(|(t, _)| *t).max().expect("sessions");
            link.rendezvous().await;
            t1
        },
    );
    t1.saturating_duration_since(t0)
}
