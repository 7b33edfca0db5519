//! The reader task: decodes frames and routes each to its session's queue.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::connection::Shared;
use crate::error::SessionError;
use crate::limits::Limit;
use crate::mechanism::{Frame, FrameDecoder};

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
    // When the frame being received began arriving.
    let mut started: Option<Instant> = None;
    loop {
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => {
                    started = None;
                    route(&shared, frame).await;
                    let max = limits.max_unknown_session_frames;
                    if shared.unknown_frames.load(Ordering::Relaxed) > max {
                        tracing::debug!(peer = %shared.peer, "too many frames for unknown sessions");
                        let limit = Limit::UnknownSessionFrames;
                        shared.count_limit(limit);
                        return shared.fail(SessionError::LimitExceeded { limit, max });
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(peer = %shared.peer, "framing error: {e}");
                    let error = match decoder.exceeded() {
                        Some((limit, max)) => {
                            shared.count_limit(limit);
                            SessionError::LimitExceeded { limit, max }
                        }
                        None => SessionError::BadFrame(e.0),
                    };
                    return shared.fail(error);
                }
            }
        }
        let now = decoder.discarded_bytes();
        if now != discarded {
            shared
                .discarded_bytes
                .fetch_add(now - discarded, Ordering::Relaxed);
            if let Some(ep) = shared.endpoint.upgrade() {
                ep.stats
                    .discarded_bytes
                    .fetch_add(now - discarded, Ordering::Relaxed);
            }
            discarded = now;
        }
        if buf.is_empty() && !decoder.is_mid_frame() {
            started = None;
        } else {
            started.get_or_insert_with(Instant::now);
        }
        buf.reserve(decoder.reserve_hint().max(READ_CHUNK));
        let read = io.read_buf(&mut buf);
        let result = match started {
            None => read.await,
            Some(at) => {
                let deadline = at + limits.frame_timeout;
                match tokio::time::timeout_at(deadline.into(), read).await {
                    Ok(result) => result,
                    Err(_) => {
                        tracing::debug!(peer = %shared.peer, "peer stalled mid-frame");
                        shared.count_limit(Limit::FrameTimeout);
                        return shared.fail(SessionError::FrameTimeout(limits.frame_timeout));
                    }
                }
            }
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

async fn route(shared: &Arc<Shared>, frame: Frame) {
    let known = shared
        .routes
        .lock()
        .expect("routes lock")
        .get(&frame.key)
        .cloned();
    let (tx, message) = match known {
        Some(tx) => (tx, frame.message),
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
    if tx.send(Box::new(Ok(message))).await.is_ok() {
        shared.frames_received.fetch_add(1, Ordering::Relaxed);
    } else {
        shared.count_unknown(1);
        tracing::debug!(peer = %shared.peer, "discarded a frame for a closed session");
    }
}
