//! Two peers, each a single-threaded tokio runtime on its own OS thread, as two processes
//! on one machine would be. Every case, baseline or framework, runs this way, so the two
//! cores are split the same way for both.

use std::future::Future;

use tokio::sync::mpsc;

/// Capacity of each direction of a [`Link`].
const LINK_QUEUE: usize = 16;

/// The out-of-band channel between the two peers: SDP, ports, and "done" rendezvous travel
/// here, never on the connection being measured.
#[derive(Debug)]
pub struct Link {
    tx: mpsc::Sender<Vec<String>>,
    rx: mpsc::Receiver<Vec<String>>,
}

impl Link {
    /// Two connected ends.
    pub fn pair() -> (Self, Self) {
        let (a_tx, b_rx) = mpsc::channel(LINK_QUEUE);
        let (b_tx, a_rx) = mpsc::channel(LINK_QUEUE);
        (Self { tx: a_tx, rx: a_rx }, Self { tx: b_tx, rx: b_rx })
    }

    /// Sends a batch of strings to the other peer.
    ///
    /// # Panics
    /// When the other peer is gone (it panicked; its panic is reported by [`run_pair`]).
    pub async fn send(&self, items: Vec<String>) {
        self.tx.send(items).await.expect("peer gone");
    }

    /// Receives the other peer's next batch.
    ///
    /// # Panics
    /// When the other peer is gone.
    pub async fn recv(&mut self) -> Vec<String> {
        self.rx.recv().await.expect("peer gone")
    }

    /// Waits until the other peer reaches its matching `rendezvous`.
    pub async fn rendezvous(&mut self) {
        self.send(Vec::new()).await;
        let _ = self.recv().await;
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Runs peer `a` and peer `b` to completion, each on its own thread and runtime, with a
/// [`Link`] between them, and returns both results.
///
/// # Panics
/// When either peer panics.
pub fn run_pair<A, B, FA, FB>(a: A, b: B) -> (FA::Output, FB::Output)
where
    A: FnOnce(Link) -> FA + Send,
    B: FnOnce(Link) -> FB + Send,
    FA: Future,
    FB: Future,
    FA::Output: Send,
    FB::Output: Send,
{
    let (la, lb) = Link::pair();
    std::thread::scope(|s| {
        let ha = std::thread::Builder::new()
            .name("peer-a".into())
            .spawn_scoped(s, move || runtime().block_on(a(la)))
            .expect("spawn peer a");
        let hb = std::thread::Builder::new()
            .name("peer-b".into())
            .spawn_scoped(s, move || runtime().block_on(b(lb)))
            .expect("spawn peer b");
        let rb = hb.join();
        let ra = ha.join();
        match (ra, rb) {
            (Ok(ra), Ok(rb)) => (ra, rb),
            (Err(e), _) | (_, Err(e)) => std::panic::resume_unwind(e),
        }
    })
}
