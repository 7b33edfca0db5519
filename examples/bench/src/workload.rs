//! The framework's workloads, mirroring [`crate::raw`]'s: a stream of messages one way,
//! and ping-pong, through [`Session`]'s public API.

use std::time::Instant;

use bytes::Bytes;
use futures::StreamExt;
use imsession::{Message, Session};

/// The message the workloads send: `text/plain` (every cpim peer accepts it) carrying
/// `payload`, shared, not copied.
pub fn message(payload: &Bytes) -> Message {
    Message::new(mime::TEXT_PLAIN, payload.clone())
}

/// Sends `count` messages carrying `payload`, then flushes.
///
/// # Panics
/// On a session error.
pub async fn send_messages(s: &mut Session, payload: &Bytes, count: usize) {
    for _ in 0..count {
        s.send(message(payload)).await.expect("send");
    }
    s.flush().await.expect("flush");
}

/// Receives `count` messages of `len` bytes; returns when the last one arrived.
///
/// # Panics
/// On a session error, an early end, or a body of the wrong size.
pub async fn recv_messages(s: &mut Session, len: usize, count: usize) -> Instant {
    for _ in 0..count {
        let m = s.next().await.expect("message").expect("receive");
        assert_eq!(m.body.len(), len, "body size");
    }
    Instant::now()
}

/// Sends `payload` and waits for its echo, `count` times; returns each round trip in
/// nanoseconds.
///
/// # Panics
/// On a session error or a wrong echo.
pub async fn ping(s: &mut Session, payload: &Bytes, count: usize) -> Vec<u64> {
    let mut rtts = Vec::with_capacity(count);
    for _ in 0..count {
        let t0 = Instant::now();
        s.send(message(payload)).await.expect("send ping");
        let echo = s.next().await.expect("echo").expect("receive echo");
        rtts.push(t0.elapsed().as_nanos() as u64);
        assert_eq!(echo.body.len(), payload.len(), "echo size");
    }
    rtts
}

/// Echoes `count` messages, body and type, as new messages.
///
/// # Panics
/// On a session error or an early end.
pub async fn echo(s: &mut Session, count: usize) {
    for _ in 0..count {
        let m = s.next().await.expect("ping").expect("receive ping");
        s.send(Message::new(m.content_type, m.body))
            .await
            .expect("send echo");
    }
    s.flush().await.expect("flush");
}
