//! The [`Transport`] plug-in trait and what it yields: [`Connection`]s with a [`PeerIdentity`].

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use async_trait::async_trait;
use imsession_sdp::MediaDescription;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::error::TransportError;

/// An ordered, reliable byte stream (TCP, TLS over TCP, …).
pub trait ByteStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> ByteStream for T {}

/// Who is on the other end of a connection.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PeerIdentity {
    /// The peer's transport address.
    pub addr: SocketAddr,
    /// The SHA-256 digest of the peer's certificate, when the transport authenticates one.
    pub certificate_sha256: Option<[u8; 32]>,
}

impl PeerIdentity {
    /// An identity known only by address.
    pub fn address(addr: SocketAddr) -> Self {
        Self {
            addr,
            certificate_sha256: None,
        }
    }
}

impl fmt::Display for PeerIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.addr)?;
        if let Some(d) = &self.certificate_sha256 {
            write!(
                f,
                " (certificate sha-256 {:02X}{:02X}{:02X}{:02X}…)",
                d[0], d[1], d[2], d[3]
            )?;
        }
        Ok(())
    }
}

/// How a connection carries bytes. Non-exhaustive: message-oriented transports with several
/// ordered streams per association (SCTP) add their own variant.
#[non_exhaustive]
pub enum ConnectionIo {
    /// One ordered byte stream in each direction.
    Stream(Box<dyn ByteStream>),
    /// Several ordered byte sub-streams (SCTP streams); see [`crate::substreams`].
    SubStreams(crate::substreams::SubStreams),
}

impl fmt::Debug for ConnectionIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Stream(_) => f.write_str("Stream"),
            Self::SubStreams(s) => s.fmt(f),
        }
    }
}

/// An established connection, ready to carry sessions.
#[derive(Debug)]
pub struct Connection {
    /// The bytes.
    pub io: ConnectionIo,
    /// Who the peer is.
    pub peer: PeerIdentity,
    /// Our end's address.
    pub local_addr: SocketAddr,
}

/// Where to connect: the address from the peer's SDP, and the peer's whole media section so a
/// transport can read what it needs (a TLS transport reads `a=fingerprint`).
#[derive(Clone, Debug)]
pub struct Target {
    /// Host name or address literal from the `c=` line.
    pub host: String,
    /// Port from the m-line.
    pub port: u16,
    /// The peer's media section.
    pub media: MediaDescription,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// A connection being accepted: the future runs any transport handshake. The endpoint drives
/// it on its own task under the handshake timeout, so a slow peer never blocks `accept`.
pub type Accepting = Pin<Box<dyn Future<Output = Result<Connection, TransportError>> + Send>>;

/// A bound listening endpoint of a transport.
#[async_trait]
pub trait Listener: Send + Sync {
    /// The address actually bound (the real port when port 0 was asked for).
    fn local_addr(&self) -> SocketAddr;

    /// Waits for the next incoming connection. Cancel-safe: a connection not yet returned
    /// stays queued.
    ///
    /// # Errors
    /// [`TransportError::Io`] when the operating system refuses to accept.
    async fn accept(&self) -> Result<Accepting, TransportError>;
}

/// A transport plug-in (TCP, TLS, SCTP, …), registered by value into a
/// [`crate::NegotiatorBuilder`] and keyed by [`Transport::name`], the transport part of the
/// m-line proto token.
#[async_trait]
pub trait Transport: Send + Sync + 'static {
    /// The transport part of proto tokens, as registered (`tcp`, `tls`, `sctp`).
    fn name(&self) -> &str;

    /// Binds a listener. `host` is an address literal or a name; port 0 asks for an ephemeral
    /// port.
    ///
    /// # Errors
    /// [`TransportError::Io`] or [`TransportError::Resolve`].
    async fn listen(&self, host: &str, port: u16) -> Result<Box<dyn Listener>, TransportError>;

    /// Connects to the peer at `target`, running any handshake, and checks the peer's identity
    /// against `target.media`. Not cancel-safe beyond dropping the partial connection.
    ///
    /// # Errors
    /// [`TransportError::Io`], [`TransportError::Resolve`], or
    /// [`TransportError::IdentityMismatch`].
    async fn connect(&self, target: &Target) -> Result<Connection, TransportError>;

    /// Adds what this transport needs to our own media section (a TLS transport adds
    /// `a=fingerprint`). The default adds nothing.
    fn describe(&self, media: &mut MediaDescription) {
        let _ = media;
    }

    /// Whether an accepted connection from `peer` may carry a session whose peer wrote
    /// `remote`. The default accepts any peer (plain TCP authenticates nothing).
    ///
    /// # Errors
    /// [`TransportError::IdentityMismatch`] naming what was expected and what was found.
    fn verify_peer(
        &self,
        remote: &MediaDescription,
        peer: &PeerIdentity,
    ) -> Result<(), TransportError> {
        let _ = (remote, peer);
        Ok(())
    }
}
