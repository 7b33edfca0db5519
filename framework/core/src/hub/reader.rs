//! The reader task: decodes frames and routes each to its session's queue.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::connection::Shared;
use crate::error::SessionError;
use crate::mechanism::{Frame, FrameDecoder};

/// Initial and minimum free space of the read buffer.
pub(crate) const READ_CHUNK: usize = 64 * 1024;

/// Runs until the peer closes, an error, or a framing error; then ends every session.
pub(crate) async fn read_loop<R: AsyncRead + Unpin>(
    shared: Arc<Shared>,
    mut io: R,
    mut decoder: Box<dyn FrameDecoder>,
) {
    let mut buf = BytesMut::with_capacity(READ_CHUNK);
    let mut discarded = 0;
    loop {
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => route(&shared, frame).await,
                Ok(None) => break,
                Err(e) => {
                    tracing::debug!(peer = %shared.peer, "framing error: {e}");
                    shared.close();
                    shared.end_all(Some(SessionError::BadFrame(e.0)));
                    return;
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
        buf.reserve(decoder.reserve_hint().max(READ_CHUNK));
        match io.read_buf(&mut buf).await {
            Ok(0) => {
                let error = (!buf.is_empty()).then(|| SessionError::Truncated {
                    buffered: buf.len(),
                });
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

pub(super) async fn route(shared: &Arc<Shared>, frame: Frame) {
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
    if tx.send(Ok(message)).await.is_ok() {
        shared.frames_received.fetch_add(1, Ordering::Relaxed);
    } else {
        shared.count_unknown(1);
        tracing::debug!(peer = %shared.peer, "discarded a frame for a closed session");
    }
}
