//! Which wire a case runs over, and the raw (framework-free) connection set-up of the
//! baselines: plain TCP with `TCP_NODELAY`, TLS 1.3 over it, or one stream of an SCTP
//! association (the `imsession-sctp` transport alone).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes};
use imsession_conformance::transport::SubStreamIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

use crate::peers::Link;
use crate::tls::{TlsPair, server_name};

/// Loopback address every case uses.
pub const LOOPBACK: &str = "127.0.0.1";

/// The transport under a case.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Wire {
    /// Plain TCP.
    Tcp,
    /// TLS 1.3 (rustls, ring) over TCP.
    Tls,
    /// SCTP in user space over UDP (`imsession-sctp`).
    Sctp,
}

impl Wire {
    /// The transport's name, as in proto tokens.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Tls => "tls",
            Self::Sctp => "sctp",
        }
    }
}

/// A byte stream the baselines frame over.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {
    /// Writes some of `buf` and takes what was written off its front, without copying it
    /// into a buffer of this process where the stream allows (a socket write, or a chunk that
    /// is a slice of `buf`), as the framework's hub writes large bodies.
    ///
    /// # Errors
    /// As [`AsyncWrite::poll_write`].
    fn poll_write_shared(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut Bytes,
    ) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut *self).poll_write(cx, buf))?;
        buf.advance(n);
        Poll::Ready(Ok(n))
    }
}

impl Io for TcpStream {}
impl Io for tokio_rustls::server::TlsStream<TcpStream> {}
impl Io for tokio_rustls::client::TlsStream<TcpStream> {}
impl Io for SubStreamIo {
    fn poll_write_shared(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut Bytes,
    ) -> Poll<io::Result<usize>> {
        Self::poll_write_shared(self, cx, buf)
    }
}

/// Peer A's end: listens on loopback, tells B the port, accepts (and runs the TLS server
/// handshake for [`Wire::Tls`]).
///
/// # Panics
/// On any I/O or handshake failure: a benchmark cannot go on without its connection.
pub async fn raw_accept(wire: Wire, tls: &TlsPair, link: &mut Link) -> Box<dyn Io> {
    if wire == Wire::Sctp {
        return Box::new(crate::sctp::accept(link).await);
    }
    let listener = TcpListener::bind((LOOPBACK, 0)).await.expect("bind");
    let port = listener.local_addr().expect("local address").port();
    link.send(vec![port.to_string()]).await;
    let (tcp, _) = listener.accept().await.expect("accept");
    tcp.set_nodelay(true).expect("TCP_NODELAY");
    match wire {
        Wire::Tcp => Box::new(tcp),
        Wire::Tls => Box::new(tls.acceptor.accept(tcp).await.expect("TLS accept")),
        Wire::Sctp => unreachable!("returned above"),
    }
}

/// Peer B's end: connects to the port A sent (and runs the TLS client handshake).
///
/// # Panics
/// As [`raw_accept`].
pub async fn raw_connect(wire: Wire, tls: &TlsPair, link: &mut Link) -> Box<dyn Io> {
    if wire == Wire::Sctp {
        return Box::new(crate::sctp::connect(link).await);
    }
    let port: u16 = link.recv().await[0].parse().expect("port");
    let tcp = TcpStream::connect((LOOPBACK, port)).await.expect("connect");
    tcp.set_nodelay(true).expect("TCP_NODELAY");
    match wire {
        Wire::Tcp => Box::new(tcp),
        Wire::Tls => Box::new(
            tls.connector
                .connect(server_name(), tcp)
                .await
                .expect("TLS connect"),
        ),
        Wire::Sctp => unreachable!("returned above"),
    }
}
