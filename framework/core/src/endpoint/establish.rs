//! [`Endpoint::establish`]: the one step that touches the network.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use super::bind::PendingBind;
use super::{Endpoint, Inner};
use crate::error::SessionError;
use crate::hub::{InboundItem, Shared};
use crate::mechanism::{MechanismSession, SessionParams};
use crate::negotiate::comedia::Role;
use crate::negotiate::offer::literal_ip;
use crate::negotiate::{Answer, Selection};
use crate::session::{Session, Waiting};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Endpoint {
    /// Connects or accepts as `selection.role` says and returns the session.
    ///
    /// Active: reuses an open connection to the same peer address and identity, or connects
    /// (within [`crate::Limits::handshake_timeout`]). Passive: returns at once; the
    /// session is bound to its connection as soon as that is identified (see the rules in
    /// `docs/connection-sharing.md`): received frames queue meanwhile and sends wait, for at
    /// most [`crate::Limits::bind_timeout`], after which they fail with
    /// [`SessionError::BindTimeout`]. Both (legacy `direction:both` on both
    /// sides): connects, and takes whichever connection is ready first.
    ///
    /// Frames that arrive for the session between negotiation and this call are queued for it.
    ///
    /// # Errors
    /// [`SessionError::Transport`] when connecting fails, [`SessionError::BindTimeout`],
    /// [`SessionError::HoldConn`], [`SessionError::DuplicateSession`],
    /// [`SessionError::TooManySessions`]. Cancel-safe: a cancelled call leaves no session
    /// behind.
    pub async fn establish(&self, selection: Selection) -> Result<Session, SessionError> {
        if selection.role == Role::HoldConn {
            return Err(SessionError::HoldConn);
        }
        let inner = &self.inner;
        let claimed = selection
            .expected
            .and_then(|id| inner.claim(id).map(|state| (id, state)));
        let (id, state) = match claimed {
            Some(claimed) => claimed,
            None => {
                let id = inner.expect(&selection);
                (id, inner.claim(id).ok_or(SessionError::Closed)?)
            }
        };
        let mut guard = PendingGuard {
            inner: inner.clone(),
            id,
            armed: true,
        };
        let binding = match selection.role {
            Role::Active => {
                let (conn, inbound) = inner.establish_active(id, &selection).await?;
                Binding::Bound(conn, inbound)
            }
            Role::Passive => inner.establish_passive(id)?,
            Role::Both | Role::HoldConn => {
                let (conn, inbound) = inner.establish_both(id, &selection).await?;
                Binding::Bound(conn, inbound)
            }
        };
        if matches!(binding, Binding::Waiting(..)) {
            // The session removes the entry once bound, or when dropped.
            guard.armed = false;
        }
        drop(guard);
        let limits = inner.negotiator.limits().clone();
        Ok(Session::new(state, binding, &selection, limits))
    }

    /// Registers the selections of `answer` as expected sessions, so frames that arrive before
    /// `establish` are kept. [`Endpoint::answer`] and [`Endpoint::complete`] do this already;
    /// call it only for selections made with the [`crate::Negotiator`] directly.
    pub fn expect(&self, answer: &mut Answer) {
        for s in &mut answer.selections {
            s.expected = Some(self.inner.expect(s));
        }
    }
}

/// Removes the pending entry unless the session took it.
struct PendingGuard {
    inner: Arc<Inner>,
    id: u64,
    armed: bool,
}

impl Drop for PendingGuard {
    fn drop(&mut self) {
        if self.armed {
            self.inner.drop_pending(self.id);
        }
    }
}

/// How an established session is tied to its connection.
pub(crate) enum Binding {
    /// On this connection, with this inbound queue.
    Bound(Arc<Shared>, mpsc::Receiver<InboundItem>),
    /// Passive and not yet identified: frames queue on the receiver; the session is bound
    /// when the [`Waiting`] yields its connection.
    Waiting(mpsc::Receiver<InboundItem>, Waiting),
}

impl Inner {
    /// Registers an expected session; it expires after the bind timeout unless claimed.
    pub(crate) fn expect(self: &Arc<Self>, sel: &Selection) -> u64 {
        let limits = self.negotiator.limits();
        let params = SessionParams {
            local: sel.local.clone(),
            remote: sel.remote.clone(),
            limits: limits.clone(),
        };
        let state = sel.mechanism.open(&params);
        let key = state.key();
        let (tx, rx) = mpsc::channel(limits.session_queue.max(1));
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        self.pending
            .lock()
            .expect("pending lock")
            .push(PendingBind {
                id,
                key,
                transport: sel.transport.clone(),
                mechanism: sel.mechanism.name().to_owned(),
                remote_media: sel.target.media.clone(),
                remote_ip: literal_ip(&sel.target.host),
                mode: sel.connection,
                passive: matches!(sel.role, Role::Passive | Role::Both),
                inbound_tx: tx,
                inbound_rx: Some(rx),
                bound: None,
                waiter: None,
                state: Some(state),
            });
        self.claim_early(id);
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let weak = Arc::downgrade(self);
            let expiry = limits.bind_timeout;
            rt.spawn(async move {
                tokio::time::sleep(expiry).await;
                if let Some(inner) = weak.upgrade() {
                    let unclaimed = inner
                        .pending
                        .lock()
                        .expect("pending lock")
                        .iter()
                        .any(|p| p.id == id && p.state.is_some());
                    if unclaimed {
                        inner.drop_pending(id);
                    }
                }
            });
        }
        id
    }

    /// Starts establishing entry `id`: takes its mechanism state (so it no longer expires).
    fn claim(&self, id: u64) -> Option<Box<dyn MechanismSession>> {
        let mut pending = self.pending.lock().expect("pending lock");
        pending.iter_mut().find(|p| p.id == id)?.state.take()
    }

    /// Takes a bound entry out of the table.
    fn take(&self, id: u64) -> Option<(Arc<Shared>, mpsc::Receiver<InboundItem>)> {
        let mut pending = self.pending.lock().expect("pending lock");
        let entry = pending.iter_mut().find(|p| p.id == id)?;
        let conn = entry.bound.clone()?;
        let rx = entry.inbound_rx.take()?;
        Some((conn, rx))
    }

    fn bind_id(&self, id: u64, conn: &Arc<Shared>) -> Result<(), SessionError> {
        let mut pending = self.pending.lock().expect("pending lock");
        let entry = pending
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or(SessionError::Closed)?;
        if entry.bound.is_some() {
            return Ok(());
        }
        self.bind_entry(entry, conn)
    }

    fn waiter(&self, id: u64) -> Option<oneshot::Receiver<Arc<Shared>>> {
        let mut pending = self.pending.lock().expect("pending lock");
        let entry = pending.iter_mut().find(|p| p.id == id)?;
        if entry.bound.is_some() {
            return None;
        }
        let (tx, rx) = oneshot::channel();
        entry.waiter = Some(tx);
        Some(rx)
    }

    async fn establish_active(
        self: &Arc<Self>,
        id: u64,
        sel: &Selection,
    ) -> Result<(Arc<Shared>, mpsc::Receiver<InboundItem>), SessionError> {
        if let Some(taken) = self.take_if_open(id) {
            return Ok(taken);
        }
        let conn = self.connect_shared(sel).await?;
        self.bind_connected(id, &conn)
    }

    /// Binds entry `id` to a connection we opened (or share) and takes it; a connection no
    /// session ended up on is closed after the idle grace.
    fn bind_connected(
        &self,
        id: u64,
        conn: &Arc<Shared>,
    ) -> Result<(Arc<Shared>, mpsc::Receiver<InboundItem>), SessionError> {
        let result = self
            .bind_id(id, conn)
            .and_then(|()| self.take(id).ok_or(SessionError::Closed));
        if conn.session_count() == 0 {
            self.schedule_idle_close(conn.clone());
        }
        result
    }

    /// Binds at once when a rule allows; otherwise hands out a waiting binding.
    fn establish_passive(self: &Arc<Self>, id: u64) -> Result<Binding, SessionError> {
        self.bind_existing(id);
        if let Some((conn, inbound)) = self.take(id) {
            return Ok(Binding::Bound(conn, inbound));
        }
        let Some(waiter) = self.waiter(id) else {
            // Bound between the two looks (a frame arrived): take it now.
            let (conn, inbound) = self.take(id).ok_or(SessionError::Closed)?;
            return Ok(Binding::Bound(conn, inbound));
        };
        let inbound = {
            let mut pending = self.pending.lock().expect("pending lock");
            let entry = pending
                .iter_mut()
                .find(|p| p.id == id)
                .ok_or(SessionError::Closed)?;
            entry.inbound_rx.take().ok_or(SessionError::Closed)?
        };
        let timeout = self.negotiator.limits().bind_timeout;
        Ok(Binding::Waiting(
            inbound,
            Waiting::new(waiter, Arc::downgrade(self), id, timeout),
        ))
    }

    async fn wait_bound(
        self: &Arc<Self>,
        id: u64,
        waiter: oneshot::Receiver<Arc<Shared>>,
    ) -> Result<(Arc<Shared>, mpsc::Receiver<InboundItem>), SessionError> {
        let limit = self.negotiator.limits().bind_timeout;
        match tokio::time::timeout(limit, waiter).await {
            Ok(Ok(_)) => self.take(id).ok_or(SessionError::Closed),
            Ok(Err(_)) => Err(SessionError::Closed),
            Err(_) => {
                self.stats.limits.hit(crate::limits::Limit::BindTimeout);
                Err(SessionError::BindTimeout(limit))
            }
        }
    }

    async fn establish_both(
        self: &Arc<Self>,
        id: u64,
        sel: &Selection,
    ) -> Result<(Arc<Shared>, mpsc::Receiver<InboundItem>), SessionError> {
        if let Some(taken) = self.take_if_open(id) {
            return Ok(taken);
        }
        let Some(mut waiter) = self.waiter(id) else {
            return self.take(id).ok_or(SessionError::Closed);
        };
        tokio::select! {
            connected = self.connect_shared(sel) => match connected {
                Ok(conn) => self.bind_connected(id, &conn),
                Err(_) => self.wait_bound(id, waiter).await,
            },
            _ = &mut waiter => self.take(id).ok_or(SessionError::Closed),
        }
    }

    fn take_if_open(&self, id: u64) -> Option<(Arc<Shared>, mpsc::Receiver<InboundItem>)> {
        let open = self
            .pending
            .lock()
            .expect("pending lock")
            .iter()
            .any(|p| p.id == id && p.bound.as_ref().is_some_and(|c| c.is_open()));
        if open { self.take(id) } else { None }
    }
}
