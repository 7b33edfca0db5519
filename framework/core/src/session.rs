//! [`Session`]: one negotiated message session, a `Sink<Message>` and a `Stream` of
//! messages.

use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures::{Sink, Stream};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::PollSender;

use crate::accept::{MediaRange, accepts};
use crate::endpoint::{Binding, Inner};
use crate::error::SessionError;
use crate::hub::{ConnectionStats, InboundItem, SendLedger, Shared, WriteCmd};
use crate::limits::Limits;
use crate::mechanism::{Inbound, MechanismSession, SessionKey};
use crate::message::{DeliveryEvent, Message, MessageId};
use crate::negotiate::Selection;
use crate::negotiate::comedia::Role;
use crate::proto::ProtoToken;
use crate::transport::PeerIdentity;

/// Delivery events queued for the application before further ones are counted and dropped.
pub const DELIVERY_QUEUE: usize = 1024;

/// What a session is, for display and logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    /// The proto token.
    pub proto: ProtoToken,
    /// What this side did about the connection.
    pub role: Role,
    /// Our session URI.
    pub local_uri: String,
    /// The peer's session URI.
    pub remote_uri: String,
    /// The types the peer accepts.
    pub remote_accepts: Vec<MediaRange>,
    /// Who the connection is with (`None` while a passive session waits for its connection).
    pub peer: Option<PeerIdentity>,
    /// Our end of the connection (`None` while a passive session waits for its connection).
    pub local_addr: Option<std::net::SocketAddr>,
}

/// One message session.
///
/// Send with [`Session::send`] (or the [`Sink`] impl); receive by polling the [`Stream`],
/// which ends (`None`) when the peer closes the connection cleanly and yields an error when
/// it breaks, never a partial message. Delivery reports for sent messages are processed as the
/// stream is polled and come out of [`Session::deliveries`].
///
/// Dropping a session removes it from its connection; the connection closes once no session
/// uses it for [`crate::Limits::idle_grace`]. Use [`Session::close`] to flush first.
pub struct Session {
    state: Box<dyn MechanismSession>,
    conn: Option<Arc<Shared>>,
    waiting: Option<Waiting>,
    bind_error: Option<SessionError>,
    key: SessionKey,
    inbound: mpsc::Receiver<InboundItem>,
    writer: Option<PollSender<WriteCmd>>,
    info: SessionInfo,
    limits: Limits,
    remote_max: Option<u64>,
    encode_buf: BytesMut,
    replies: BytesMut,
    /// Written-message tracking and the delivery-event queue (opened lazily).
    ledger: Arc<SendLedger>,
    last_id: Option<MessageId>,
    flush_ack: Option<oneshot::Receiver<bool>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// A passive session's wait for its connection.
pub(crate) struct Waiting {
    waiter: oneshot::Receiver<Arc<Shared>>,
    deadline: Pin<Box<tokio::time::Sleep>>,
    timeout: std::time::Duration,
    endpoint: Weak<Inner>,
    id: u64,
}

impl Waiting {
    /// Waits on `waiter` for the binding of pending entry `id`, for at most `timeout`.
    pub(crate) fn new(
        waiter: oneshot::Receiver<Arc<Shared>>,
        endpoint: Weak<Inner>,
        id: u64,
        timeout: std::time::Duration,
    ) -> Self {
        let deadline = Box::pin(tokio::time::sleep(timeout));
        Self {
            waiter,
            deadline,
            timeout,
            endpoint,
            id,
        }
    }

    /// Stops waiting: removes the pending entry and, if a binding raced in, its route.
    fn release(mut self, key: &SessionKey) {
        if let Some(ep) = self.endpoint.upgrade() {
            ep.drop_pending(self.id);
        }
        if let Ok(conn) = self.waiter.try_recv() {
            conn.unregister(key);
        }
    }
}

impl Session {
    pub(crate) fn new(
        state: Box<dyn MechanismSession>,
        binding: Binding,
        sel: &Selection,
        limits: Limits,
    ) -> Self {
        let info = SessionInfo {
            proto: sel.proto.clone(),
            role: sel.role,
            local_uri: sel.local.uri.clone(),
            remote_uri: sel.remote.uri.clone(),
            remote_accepts: sel.remote.accepts.clone(),
            peer: None,
            local_addr: None,
        };
        let (conn, inbound, waiting) = match binding {
            Binding::Bound(conn, inbound) => (Some(conn), inbound, None),
            Binding::Waiting(inbound, waiting) => (None, inbound, Some(waiting)),
        };
        let mut session = Self {
            key: state.key(),
            state,
            writer: None,
            conn: None,
            waiting,
            bind_error: None,
            inbound,
            info,
            limits,
            remote_max: sel.remote.max_size,
            encode_buf: BytesMut::new(),
            replies: BytesMut::new(),
            ledger: Arc::new(SendLedger::new()),
            last_id: None,
            flush_ack: None,
        };
        if let Some(conn) = conn {
            session.attach(conn);
        }
        session
    }

    fn attach(&mut self, conn: Arc<Shared>) {
        self.info.peer = Some(conn.peer.clone());
        self.info.local_addr = Some(conn.local_addr);
        self.writer = Some(PollSender::new(conn.session_writer()));
        self.conn = Some(conn);
    }

    /// Ready once the session has its connection.
    fn poll_bound(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SessionError>> {
        if let Some(e) = &self.bind_error {
            return Poll::Ready(Err(e.clone()));
        }
        let Some(w) = self.waiting.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let outcome = match Pin::new(&mut w.waiter).poll(cx) {
            Poll::Ready(Ok(conn)) => Ok(conn),
            Poll::Ready(Err(_)) => Err(SessionError::Closed),
            Poll::Pending => match w.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    if let Some(ep) = w.endpoint.upgrade() {
                        ep.stats.limits.hit(crate::limits::Limit::BindTimeout);
                    }
                    Err(SessionError::BindTimeout(w.timeout))
                }
                Poll::Pending => return Poll::Pending,
            },
        };
        let waiting = self.waiting.take().expect("checked above");
        if outcome.is_err() {
            waiting.release(&self.key);
        } else if let Some(ep) = waiting.endpoint.upgrade() {
            ep.drop_pending(waiting.id);
        }
        match outcome {
            Ok(conn) => {
                self.attach(conn);
                Poll::Ready(Ok(()))
            }
            Err(e) => {
                self.bind_error = Some(e.clone());
                Poll::Ready(Err(e))
            }
        }
    }

    fn writer(&mut self) -> Result<&mut PollSender<WriteCmd>, SessionError> {
        self.writer.as_mut().ok_or(SessionError::Closed)
    }

    /// What this session is.
    pub fn info(&self) -> &SessionInfo {
        &self.info
    }

    /// Counters of the connection this session uses (shared with other sessions on it);
    /// `None` while a passive session waits for its connection.
    pub fn connection_stats(&self) -> Option<ConnectionStats> {
        self.conn.as_ref().map(|c| c.stats())
    }

    /// The id of the last message queued by this session.
    pub fn last_sent(&self) -> Option<MessageId> {
        self.last_id
    }

    /// The id of the last message whose frame was completely written to the transport
    /// (messages are written in order, so every earlier one was too).
    pub fn last_written(&self) -> Option<MessageId> {
        self.ledger.last_written()
    }

    /// Takes the receiver of delivery events: the peer's reports on messages we sent, and
    /// [`crate::DeliveryStatus::NotSent`] for every message queued by [`Session::send`] whose
    /// frame was not completely written when the connection failed or closed. The receiver
    /// outlives the session, so reports on messages still queued when it is dropped arrive
    /// too. Returns `None` after the first call.
    pub fn deliveries(&mut self) -> Option<mpsc::Receiver<DeliveryEvent>> {
        self.ledger.take_receiver()
    }

    /// Delivery events dropped because [`DELIVERY_QUEUE`] was full.
    pub fn dropped_deliveries(&self) -> u64 {
        self.ledger.dropped()
    }

    /// Whether the peer accepts messages of this type.
    pub fn peer_accepts(&self, content_type: &mime::Mime) -> bool {
        accepts(&self.info.remote_accepts, content_type)
    }

    /// Queues `message` for sending and returns its id. Returns once the frame is queued for
    /// the connection's writer (backpressure: waits while the queue is full), not when the
    /// peer has it.
    ///
    /// # Errors
    /// [`SessionError::NotAccepted`] or [`SessionError::TooLarge`] before anything is written;
    /// [`SessionError::Closed`] when the connection is gone. Cancel-safe: if cancelled, the
    /// message was not queued.
    pub async fn send(&mut self, message: Message) -> Result<MessageId, SessionError> {
        self.check(&message)?;
        std::future::poll_fn(|cx| self.poll_ready_inner(cx)).await?;
        self.queue(message)
    }

    /// Waits until everything queued so far has been written to the transport. A connection
    /// that closed after everything was written (the peer closing first) is not an error.
    ///
    /// # Errors
    /// [`SessionError::Closed`] when the connection ended before everything was written; by
    /// then every message not completely written has been reported
    /// [`crate::DeliveryStatus::NotSent`] on [`Session::deliveries`]. Cancel-safe.
    pub async fn flush(&mut self) -> Result<(), SessionError> {
        let result = std::future::poll_fn(|cx| self.poll_flush_inner(cx)).await;
        if result.is_err() {
            if let Some(conn) = &self.conn {
                conn.writer_done.cancelled().await;
                if self.replies.is_empty() && self.last_written() >= self.last_sent() {
                    return Ok(());
                }
            }
        }
        result
    }

    /// Flushes, then leaves the connection (which closes once no session uses it).
    ///
    /// # Errors
    /// As [`Session::flush`].
    pub async fn close(mut self) -> Result<(), SessionError> {
        self.flush().await
    }

    fn check(&self, message: &Message) -> Result<(), SessionError> {
        if !self.peer_accepts(&message.content_type) {
            return Err(SessionError::NotAccepted {
                content_type: message.content_type.essence_str().to_owned(),
                accepted: self
                    .info
                    .remote_accepts
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
            });
        }
        let limit = self.size_limit();
        if message.body.len() > limit {
            return Err(SessionError::TooLarge {
                size: message.body.len(),
                limit,
            });
        }
        Ok(())
    }

    fn size_limit(&self) -> usize {
        let theirs = self
            .remote_max
            .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX));
        self.limits.max_message.min(theirs)
    }

    fn poll_ready_inner(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SessionError>> {
        ready!(self.poll_bound(cx))?;
        ready!(self.poll_replies(cx))?;
        ready!(self.writer()?.poll_reserve(cx)).map_err(|_| SessionError::Closed)?;
        Poll::Ready(Ok(()))
    }

    /// Encodes and queues; the writer slot must be reserved.
    fn queue(&mut self, message: Message) -> Result<MessageId, SessionError> {
        // Each frame is encoded into a buffer of its own: the cpim mechanism reserves exactly
        // its size, so freezing it allocates nothing and no buffer outlives its frames in
        // the writer's queue (reusing one buffer made every frame a shared slice of it).
        let (id, body) = self.state.encode_split(message, &mut self.encode_buf)?;
        let head = std::mem::take(&mut self.encode_buf).freeze();
        let size = head.len() + body.as_ref().map_or(0, Bytes::len);
        let limit = self
            .size_limit()
            .saturating_add(self.limits.max_header_block);
        if size > limit {
            return Err(SessionError::TooLarge { size, limit });
        }
        let tracked = Some((self.ledger.clone(), id));
        let cmd = match body {
            Some(body) => WriteCmd::Split(head, body, tracked),
            None => WriteCmd::Frame(head, tracked),
        };
        self.writer()?
            .send_item(cmd)
            .map_err(|_| SessionError::Closed)?;
        self.last_id = Some(id);
        Ok(id)
    }

    fn poll_replies(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SessionError>> {
        if self.replies.is_empty() {
            return Poll::Ready(Ok(()));
        }
        ready!(self.poll_bound(cx))?;
        ready!(self.writer()?.poll_reserve(cx)).map_err(|_| SessionError::Closed)?;
        let frames = self.replies.split().freeze();
        self.writer()?
            .send_item(WriteCmd::Frame(frames, None))
            .map_err(|_| SessionError::Closed)?;
        Poll::Ready(Ok(()))
    }

    fn poll_flush_inner(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SessionError>> {
        if self.conn.is_none() && self.replies.is_empty() && self.last_id.is_none() {
            // Nothing was ever queued: nothing to flush, bound or not.
            return Poll::Ready(Ok(()));
        }
        ready!(self.poll_bound(cx))?;
        ready!(self.poll_replies(cx))?;
        if self.flush_ack.is_none() {
            ready!(self.writer()?.poll_reserve(cx)).map_err(|_| SessionError::Closed)?;
            let (tx, rx) = oneshot::channel();
            self.writer()?
                .send_item(WriteCmd::Flush(tx))
                .map_err(|_| SessionError::Closed)?;
            self.flush_ack = Some(rx);
        }
        let ack = self.flush_ack.as_mut().expect("set above");
        let result = ready!(Pin::new(ack).poll(cx));
        self.flush_ack = None;
        match result {
            Ok(true) => Poll::Ready(Ok(())),
            _ => Poll::Ready(Err(SessionError::Closed)),
        }
    }
}

use std::future::Future;

impl Stream for Session {
    type Item = Result<Message, SessionError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.waiting.is_some() {
            if let Poll::Ready(Err(e)) = this.poll_bound(cx) {
                return Poll::Ready(Some(Err(e)));
            }
        } else if this.bind_error.is_some() {
            return Poll::Ready(None);
        }
        loop {
            // Confirmations go out as soon as the writer has room; never block reading on it.
            let _ = this.poll_replies(cx);
            let item = match ready!(this.inbound.poll_recv(cx)).map(|item| *item) {
                Some(Ok(frame)) => frame,
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            };
            match this.state.receive(item, &mut this.replies) {
                Ok(Inbound::Message(m)) => {
                    let _ = this.poll_replies(cx);
                    return Poll::Ready(Some(Ok(m)));
                }
                Ok(Inbound::Delivery(event)) => {
                    this.ledger.report(event);
                }
                Ok(Inbound::Nothing) => {}
                Err(e) => return Poll::Ready(Some(Err(e))),
            }
        }
    }
}

impl Sink<Message> for Session {
    type Error = SessionError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_ready_inner(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Self::Error> {
        let this = self.get_mut();
        this.check(&item)?;
        this.queue(item).map(|_| ())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_flush_inner(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_flush_inner(cx)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(conn) = &self.conn {
            conn.unregister(&self.key);
        }
        if let Some(waiting) = self.waiting.take() {
            waiting.release(&self.key);
        }
    }
}
