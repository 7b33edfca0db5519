//! The writer task: drains a connection's frame queue into the transport, batching small
//! frames and flushing when the queue runs dry.

use bytes::Bytes;
use tokio::io::{AsyncWrite, AsyncWriteExt, BufWriter};
use tokio::sync::{mpsc, oneshot};

/// Size of the writer's coalescing buffer; larger frames bypass it.
pub(crate) const WRITE_BUFFER: usize = 64 * 1024;

/// What sessions ask of the writer.
pub(crate) enum WriteCmd {
    /// Write one encoded frame.
    Frame(Bytes),
    /// Write one frame given as its head and its body, the body uncopied.
    Split(Bytes, Bytes),
    /// Flush, then say so.
    Flush(oneshot::Sender<bool>),
    /// Flush and shut down the write side.
    Close,
}

/// Runs until the queue closes or `Close` arrives. Returns the first write error.
pub(crate) async fn write_loop<W: AsyncWrite + Unpin>(
    io: W,
    mut rx: mpsc::Receiver<WriteCmd>,
) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(WRITE_BUFFER, io);
    let mut acks = Vec::new();
    while let Some(mut cmd) = rx.recv().await {
        loop {
            match cmd {
                WriteCmd::Frame(b) => w.write_all(&b).await?,
                // A body of at least WRITE_BUFFER bytes goes to the transport directly.
                WriteCmd::Split(head, body) => {
                    w.write_all(&head).await?;
                    w.write_all(&body).await?;
                }
                WriteCmd::Flush(ack) => acks.push(ack),
                WriteCmd::Close => {
                    w.flush().await?;
                    w.shutdown().await?;
                    return Ok(());
                }
            }
            match rx.try_recv() {
                Ok(next) => cmd = next,
                Err(_) => break,
            }
        }
        w.flush().await?;
        for ack in acks.drain(..) {
            let _ = ack.send(true);
        }
    }
    w.flush().await?;
    w.shutdown().await
}
