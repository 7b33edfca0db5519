//! [`Endpoint::close`]: a graceful end of every connection, for applications about to exit.

use std::time::Duration;

use super::Endpoint;
use crate::error::TransportError;

/// Longest [`Endpoint::close`] waits for connections to write what is queued and shut down.
pub const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

impl Endpoint {
    /// Stops listening and closes every connection gracefully: frames already queued are
    /// written, then each write side is shut down (over TLS this sends close_notify, so the
    /// peer sees a clean end rather than a truncated connection). Waits until that is done, for
    /// at most [`CLOSE_TIMEOUT`]. Sessions still open see their streams end once the peer
    /// closes in turn; the endpoint stays usable for new sessions.
    ///
    /// Call it before exiting: connections otherwise close after
    /// [`crate::Limits::idle_grace`], which an exiting process never waits for.
    ///
    /// Returns how many connections were closed.
    ///
    /// # Errors
    /// [`TransportError::Timeout`] naming how many connections had not shut down in time.
    /// Cancel-safe: cancelling stops the wait, not the closing.
    pub async fn close(&self) -> Result<usize, TransportError> {
        self.inner.listeners.lock().await.clear();
        let conns = std::mem::take(&mut *self.inner.connections.lock().expect("connections lock"));
        let deadline = tokio::time::Instant::now() + CLOSE_TIMEOUT;
        for conn in &conns {
            // The writer writes what is queued, then shuts the write side down.
            conn.close();
        }
        let mut late = 0;
        for conn in &conns {
            if tokio::time::timeout_at(deadline, conn.writer_done.cancelled())
                .await
                .is_err()
            {
                late += 1;
            }
        }
        if late > 0 {
            return Err(TransportError::Timeout {
                what: format!("closing {late} of {} connections", conns.len()),
                after: CLOSE_TIMEOUT,
            });
        }
        Ok(conns.len())
    }
}
