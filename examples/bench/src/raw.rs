//! The baselines' workloads: length-prefixed frames (tokio-util's `LengthDelimitedCodec`,
//! 4-byte length) over a raw stream, with the same 64 KiB read and write buffering the
//! framework's connection hub uses, and its rule for large frames: a payload of at least
//! [`BUFFER`] bytes is written after its length without being copied into the buffer.

use std::future::poll_fn;
use std::time::Instant;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::io::AsyncWriteExt;
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LengthDelimitedCodec};

use crate::wire::Io;

/// Read buffer and write coalescing size, matching the framework's hub.
pub const BUFFER: usize = 64 * 1024;

/// Largest frame the baseline codec accepts.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

fn codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME)
        .new_codec()
}

/// Sends `count` frames carrying `payload`, then flushes. Returns the stream, still open.
/// Frames under [`BUFFER`] go through `FramedWrite`'s buffer; larger ones are written as
/// their length and then the payload itself.
///
/// # Panics
/// On an I/O error.
pub async fn send_frames(mut io: Box<dyn Io>, payload: &Bytes, count: usize) -> Box<dyn Io> {
    if payload.len() >= BUFFER {
        // As the hub does with a body this large: the length, then the body uncopied.
        let len = u32::try_from(payload.len()).expect("frame under 4 GiB");
        for _ in 0..count {
            io.write_all(&len.to_be_bytes())
                .await
                .expect("write length");
            let mut body = payload.clone();
            while !body.is_empty() {
                poll_fn(|cx| io.poll_write_shared(cx, &mut body))
                    .await
                    .expect("write body");
            }
        }
        io.flush().await.expect("flush");
        return io;
    }
    let mut w = FramedWrite::new(io, codec());
    w.set_backpressure_boundary(BUFFER);
    for _ in 0..count {
        w.feed(payload.clone()).await.expect("write frame");
    }
    SinkExt::<Bytes>::flush(&mut w).await.expect("flush");
    w.into_inner()
}

/// Receives `count` frames of `len` bytes; returns when the last one arrived.
///
/// # Panics
/// On an I/O error, an early end, or a frame of the wrong size.
pub async fn recv_frames(io: Box<dyn Io>, len: usize, count: usize) -> (Instant, Box<dyn Io>) {
    let mut r = FramedRead::with_capacity(io, codec(), BUFFER);
    for _ in 0..count {
        let frame = r.next().await.expect("frame").expect("read frame");
        assert_eq!(frame.len(), len, "frame size");
    }
    (Instant::now(), r.into_inner())
}

/// Sends `payload` and waits for its echo, `count` times; returns each round trip in
/// nanoseconds.
///
/// # Panics
/// On an I/O error or a wrong echo.
pub async fn ping(io: Box<dyn Io>, payload: &Bytes, count: usize) -> (Vec<u64>, Box<dyn Io>) {
    let mut f = Framed::new(io, codec());
    let mut rtts = Vec::with_capacity(count);
    for _ in 0..count {
        let t0 = Instant::now();
        f.send(payload.clone()).await.expect("send ping");
        let echo = f.next().await.expect("echo").expect("read echo");
        rtts.push(t0.elapsed().as_nanos() as u64);
        assert_eq!(echo.len(), payload.len(), "echo size");
    }
    (rtts, f.into_inner())
}

/// Echoes `count` frames.
///
/// # Panics
/// On an I/O error or an early end.
pub async fn echo(io: Box<dyn Io>, count: usize) -> Box<dyn Io> {
    let mut f = Framed::new(io, codec());
    for _ in 0..count {
        let frame = f.next().await.expect("ping").expect("read ping");
        f.send(frame.freeze()).await.expect("send echo");
    }
    f.into_inner()
}
