//! The raw-SCTP baseline's connection: the `imsession-sctp` transport on its own, without the
//! framework, one of its sub-streams seen as a byte stream so the same length-prefixed codec
//! as the TCP and TLS baselines runs over it.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use imsession::sdp::MediaDescription;
use imsession::{ConnectionIo, SubStreamRead, SubStreamWrite, Target, Transport};
use imsession_sctp::SctpTransport;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::peers::Link;
use crate::wire::LOOPBACK;

/// The sub-stream the baseline writes (0 is the framework's own; any other behaves alike).
const STREAM: u16 = 1;

/// One sub-stream of an SCTP association as a byte stream: writes are cut into chunks of at
/// most the transport's largest chunk; reads return chunks of every sub-stream in order.
pub struct SctpStream {
    reader: Box<dyn SubStreamRead>,
    writer: Box<dyn SubStreamWrite>,
    /// The rest of the last chunk read.
    pending: Bytes,
}

impl SctpStream {
    fn new(io: ConnectionIo) -> Self {
        let ConnectionIo::SubStreams(s) = io else {
            panic!("an SCTP connection carries sub-streams");
        };
        Self {
            reader: s.reader,
            writer: s.writer,
            pending: Bytes::new(),
        }
    }
}

impl AsyncRead for SctpStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pending.is_empty() {
            match ready!(self.reader.poll_read(cx))? {
                Some((_, chunk)) => self.pending = chunk,
                None => return Poll::Ready(Ok(())),
            }
        }
        let n = self.pending.len().min(buf.remaining());
        let chunk = self.pending.split_to(n);
        buf.put_slice(&chunk);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for SctpStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.writer.poll_ready(cx))?;
        let n = buf.len().min(self.writer.max_chunk());
        self.writer
            .send(STREAM, Bytes::copy_from_slice(&buf[..n]))?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A chunk handed to the association is queued for sending; nothing is buffered here.
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.writer.poll_close(cx)
    }
}

/// Peer A's end: listens on loopback, tells B the port, accepts an association.
///
/// # Panics
/// On any failure: a benchmark cannot go on without its connection.
pub async fn accept(link: &Link) -> SctpStream {
    let listener = SctpTransport::new()
        .listen(LOOPBACK, 0)
        .await
        .expect("sctp listen");
    let port = listener.local_addr().port();
    link.send(vec![port.to_string()]).await;
    let conn = listener
        .accept()
        .await
        .expect("sctp accept")
        .await
        .expect("sctp handshake");
    SctpStream::new(conn.io)
}

/// Peer B's end: associates with the port A sent.
///
/// # Panics
/// As [`accept`].
pub async fn connect(link: &mut Link) -> SctpStream {
    let port: u16 = link.recv().await[0].parse().expect("port");
    let target = Target {
        host: LOOPBACK.to_owned(),
        port,
        media: MediaDescription::new("message", port, "cpim/sctp", vec![]),
    };
    let conn = SctpTransport::new()
        .connect(&target)
        .await
        .expect("sctp connect");
    let mut stream = SctpStream::new(conn.io);
    poll_fn(|cx| stream.writer.poll_ready(cx))
        .await
        .expect("association up");
    stream
}
