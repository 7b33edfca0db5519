//! # imsession-tcp
//!
//! The TCP transport for [imsession](imsession): the `tcp` in `cpim/tcp`.
//!
//! Listens and connects over IPv4 and IPv6, resolving host names; sets `TCP_NODELAY` so small
//! messages are not held back; port 0 binds an ephemeral port, and the negotiator writes the
//! real port into the SDP. It authenticates nothing: the peer identity is its address.
//!
//! ```
//! use imsession::Negotiator;
//! let negotiator = Negotiator::builder().transport(imsession_tcp::TcpTransport::new()).build();
//! assert!(negotiator.transport("tcp").is_some());
//! ```
#![forbid(unsafe_code)]

use std::net::SocketAddr;

use async_trait::async_trait;
use imsession::{
    Accepting, Connection, ConnectionIo, Listener, PeerIdentity, Target, Transport, TransportError,
};
use tokio::net::{TcpListener, TcpStream, lookup_host};

/// The transport name, as it appears in proto tokens.
pub const NAME: &str = "tcp";

/// Plain TCP.
#[derive(Clone, Debug, Default)]
pub struct TcpTransport {
    _private: (),
}

impl TcpTransport {
    /// The transport.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Resolves `host:port` (host a name or address literal, IPv6 with or without brackets).
///
/// # Errors
/// [`TransportError::Resolve`] when nothing resolves.
pub async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, TransportError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let addrs: Vec<_> = lookup_host((bare, port))
        .await
        .map_err(|_| TransportError::Resolve {
            host: host.to_owned(),
        })?
        .collect();
    if addrs.is_empty() {
        return Err(TransportError::Resolve {
            host: host.to_owned(),
        });
    }
    Ok(addrs)
}

/// Connects to the first address of `host:port` that answers, with `TCP_NODELAY` set.
///
/// # Errors
/// [`TransportError::Resolve`], or [`TransportError::Io`] from the last address tried.
pub async fn connect_stream(host: &str, port: u16) -> Result<TcpStream, TransportError> {
    let mut last = None;
    for addr in resolve(host, port).await? {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                stream
                    .set_nodelay(true)
                    .map_err(|e| TransportError::io("set TCP_NODELAY", e))?;
                return Ok(stream);
            }
            Err(e) => last = Some(TransportError::io(format!("connect to {addr}"), e)),
        }
    }
    Err(last.unwrap_or_else(|| TransportError::Resolve {
        host: host.to_owned(),
    }))
}

#[async_trait]
impl Transport for TcpTransport {
    fn name(&self) -> &str {
        NAME
    }

    async fn listen(&self, host: &str, port: u16) -> Result<Box<dyn Listener>, TransportError> {
        let addr = *resolve(host, port)
            .await?
            .first()
            .expect("resolve returns at least one");
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| TransportError::io(format!("bind {addr}"), e))?;
        let local = listener
            .local_addr()
            .map_err(|e| TransportError::io("local address", e))?;
        Ok(Box::new(TcpListen { listener, local }))
    }

    async fn connect(&self, target: &Target) -> Result<Connection, TransportError> {
        let stream = connect_stream(&target.host, target.port).await?;
        connection(stream)
    }
}

fn connection(stream: TcpStream) -> Result<Connection, TransportError> {
    let peer = stream
        .peer_addr()
        .map_err(|e| TransportError::io("peer address", e))?;
    let local_addr = stream
        .local_addr()
        .map_err(|e| TransportError::io("local address", e))?;
    Ok(Connection {
        io: ConnectionIo::Stream(Box::new(stream)),
        peer: PeerIdentity::address(peer),
        local_addr,
    })
}

struct TcpListen {
    listener: TcpListener,
    local: SocketAddr,
}

#[async_trait]
impl Listener for TcpListen {
    fn local_addr(&self) -> SocketAddr {
        self.local
    }

    async fn accept(&self) -> Result<Accepting, TransportError> {
        let (stream, _) = self
            .listener
            .accept()
            .await
            .map_err(|e| TransportError::io("accept", e))?;
        stream
            .set_nodelay(true)
            .map_err(|e| TransportError::io("set TCP_NODELAY", e))?;
        Ok(Box::pin(async move { connection(stream) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn target(host: &str, port: u16) -> Target {
        Target {
            host: host.into(),
            port,
            media: imsession::sdp::MediaDescription::new("message", port, "cpim/tcp", vec![]),
        }
    }

    async fn round_trip(host: &str) {
        let t = TcpTransport::new();
        let listener = t.listen(host, 0).await.unwrap();
        let port = listener.local_addr().port();
        assert_ne!(port, 0, "port 0 must bind an ephemeral port");
        let client = tokio::spawn({
            let host = host.to_owned();
            async move {
                TcpTransport::new()
                    .connect(&target(&host, port))
                    .await
                    .unwrap()
            }
        });
        let server = listener.accept().await.unwrap().await.unwrap();
        let client = client.await.unwrap();
        assert_eq!(server.peer.addr, client.local_addr);
        let (ConnectionIo::Stream(mut a), ConnectionIo::Stream(mut b)) = (client.io, server.io)
        else {
            panic!("tcp yields byte streams");
        };
        a.write_all(b"ping").await.unwrap();
        let mut buf = [0; 4];
        b.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
    }

    #[tokio::test]
    async fn ipv4_literal() {
        round_trip("127.0.0.1").await;
    }

    #[tokio::test]
    async fn ipv6_literal() {
        if std::net::TcpListener::bind("[::1]:0").is_err() {
            eprintln!("skipped: no IPv6 loopback on this host");
            return;
        }
        round_trip("::1").await;
    }

    #[tokio::test]
    async fn host_name_resolves() {
        round_trip("localhost").await;
    }

    #[tokio::test]
    async fn refused_connection_is_an_io_error() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = TcpTransport::new()
            .connect(&target("127.0.0.1", port))
            .await
            .unwrap_err();
        assert!(matches!(err, TransportError::Io { .. }), "{err}");
        assert!(
            err.to_string().contains(&format!("127.0.0.1:{port}")),
            "{err}"
        );
    }

    #[tokio::test]
    async fn unresolvable_name() {
        let err = TcpTransport::new()
            .connect(&target("no-such-host.invalid", 1))
            .await
            .unwrap_err();
        assert!(matches!(err, TransportError::Resolve { .. }), "{err}");
    }
}
