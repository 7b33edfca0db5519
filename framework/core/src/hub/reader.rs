//! The reader task: decodes frames and routes each to its session's queue.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;

use super::connection::{Inbound, Shared};
use crate::error::SessionError;
use crate::limits::Limit;
use crate::mechanism::{Frame, FrameDecoder, FrameError, SessionKey};
use crate::message::Message;

/// Initial and minimum free space of the read buffer.
pub(crate) const READ_CHUNK: usize = 64 * 1024;

/// Bounds the reader applies itself (the decoder applies the size bounds).
pub(crate) struct ReadLimits {
    /// [`crate::Limits::frame_timeout`].
    pub(crate) frame_timeout: Duration,
    /// [`crate::Limits::max_unknown_session_frames`].
    pub(crate) max_unknown_session_frames: u64,
}

/// Runs until the peer closes, an error, a framing error or a limit; then ends every session.
pub(crate) async fn read_loop<R: AsyncRead + Unpin>(
    shared: Arc<Shared>,
    mut io: R,
    mut decoder: Box<dyn FrameDecoder>,
    limits: ReadLimits,
) {
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut discarded = 0;
    let mut last = LastRoute::default();
    // When the frame being received began arriving.
    let mut started: Option<Instant> = None;
    loop {
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => {
                    started = None;
                    if let Err(e) = deliver(&shared, frame, &limits, &mut last).await {
                        return shared.fail(e);
                    }
                }
                Ok(None) => break,
                Err(e) => return shared.fail(framing_error(&shared, decoder.as_ref(), e)),
            }
        }
        count_discarded(&shared, decoder.as_ref(), &mut discarded);
        if buf.is_empty() && !decoder.is_mid_frame() {
            started = None;
        } else {
            started.get_or_insert_with(Instant::now);
        }
        buf.reserve(decoder.reserve_hint().max(READ_CHUNK));
        let read = io.read_buf(&mut buf);
        let Some(result) = read_by_deadline(&shared, started, &limits, read).await else {
            return;
        };
        match result {
            Ok(0) => {
                let error =
                    (!buf.is_empty() || decoder.is_mid_frame()).then(|| SessionError::Truncated {
                        buffered: buf.len(),
                    });
                // The peer is done: write what is queued, then close our side too.
                shared.close();
                shared.end_all(error);
                return;
            }
            Ok(_) => {}
            Err(e) => {
                shared.end_all(Some(SessionError::Connection(e.to_string())));
                return;
            }
        }
    }
}

/// Awaits `read`; when a frame began arriving at `started`, only until
/// [`ReadLimits::frame_timeout`] after that: then the limit is counted, the connection failed
/// with [`SessionError::FrameTimeout`], and `None` returned.
pub(super) async fn read_by_deadline<T>(
    shared: &Arc<Shared>,
    started: Option<Instant>,
    limits: &ReadLimits,
    read: impl Future<Output = T>,
) -> Option<T> {
    let Some(at) = started else {
        return Some(read.await);
    };
    let deadline = at + limits.frame_timeout;
    match tokio::time::timeout_at(deadline.into(), read).await {
        Ok(result) => Some(result),
        Err(_) => {
            tracing::debug!(peer = %shared.peer, "peer stalled mid-frame");
            shared.count_limit(Limit::FrameTimeout);
            shared.fail(SessionError::FrameTimeout(limits.frame_timeout));
            None
        }
    }
}

/// Routes `frame`, then applies [`ReadLimits::max_unknown_session_frames`]: the error to fail
/// the connection with when the peer has sent too many frames for unknown sessions.
pub(super) async fn deliver(
    shared: &Arc<Shared>,
    frame: Frame,
    limits: &ReadLimits,
    last: &mut LastRoute,
) -> Result<(), SessionError> {
    route(shared, frame, last).await;
    let max = limits.max_unknown_session_frames;
    if shared.unknown_frames.load(Ordering::Relaxed) > max {
        tracing::debug!(peer = %shared.peer, "too many frames for unknown sessions");
        let limit = Limit::UnknownSessionFrames;
        shared.count_limit(limit);
        return Err(SessionError::LimitExceeded { limit, max });
    }
    Ok(())
}

/// The error a decoder's failure ends the connection with: the limit it hit (counted), or
/// the framing error.
pub(super) fn framing_error(
    shared: &Shared,
    decoder: &dyn FrameDecoder,
    e: FrameError,
) -> SessionError {
    tracing::debug!(peer = %shared.peer, "framing error: {e}");
    match decoder.exceeded() {
        Some((limit, max)) => {
            shared.count_limit(limit);
            SessionError::LimitExceeded { limit, max }
        }
        None => SessionError::BadFrame(e.0),
    }
}

/// Adds the bytes `decoder` discarded since `seen` to the connection's and the endpoint's
/// counters.
pub(super) fn count_discarded(shared: &Shared, decoder: &dyn FrameDecoder, seen: &mut u64) {
    let now = decoder.discarded_bytes();
    if now != *seen {
        let n = now - *seen;
        *seen = now;
        shared.discarded_bytes.fetch_add(n, Ordering::Relaxed);
        if let Some(ep) = shared.endpoint.upgrade() {
            ep.stats.discarded_bytes.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// The route of the last frame delivered: consecutive frames of one session skip the routes
/// lock and the key's hashing. It holds the sender weakly, so a session's stream still ends
/// when its routes are dropped.
#[derive(Default)]
pub(super) struct LastRoute(Option<(SessionKey, mpsc::WeakSender<Inbound>, u64)>);

impl LastRoute {
    /// The sender for `key`, if it is the cached one and routes have not changed since.
    fn get(&self, key: &SessionKey, changed: u64) -> Option<mpsc::Sender<Inbound>> {
        match &self.0 {
            Some((k, tx, at)) if *at == changed && k == key => tx.upgrade(),
            _ => None,
        }
    }
}

async fn route(shared: &Arc<Shared>, frame: Frame, last: &mut LastRoute) {
    let changed = shared.routes_changed.load(Ordering::Acquire);
    if let Some(tx) = last.get(&frame.key, changed) {
        return send(shared, &tx, frame.message).await;
    }
    let known = shared
        .routes
        .lock()
        .expect("routes lock")
        .get(&frame.key)
        .cloned();
    let (tx, message) = match known {
        Some(tx) => {
            last.0 = Some((frame.key, tx.downgrade(), changed));
            (tx, frame.message)
        }
        None => {
            let Some(ep) = shared.endpoint.upgrade() else {
                return shared.count_unknown(1);
            };
            match ep.bind_or_stash(shared, frame.key, frame.message) {
                Some(bound) => bound,
                None => {
                    return tracing::debug!(peer = %shared.peer, "frame for a session not known (yet)");
                }
            }
        }
    };
    send(shared, &tx, message).await;
}

/// Queues `message` for its session, counting it received, or discarded when the session
/// has gone.
async fn send(shared: &Shared, tx: &mpsc::Sender<Inbound>, message: Message) {
    if tx.send(Box::new(Ok(message))).await.is_ok() {
        shared.frames_received.fetch_add(1, Ordering::Relaxed);
    } else {
        shared.count_unknown(1);
        tracing::debug!(peer = %shared.peer, "discarded a frame for a closed session");
    }
}
