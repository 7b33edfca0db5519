//! [`FaultyTransport`]: any transport, with [`Faults`] injected into its connections.

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use imsession_sdp::MediaDescription;

use super::faults::{FaultLog, Faults};
use super::stream::FaultyStream;
use crate::error::TransportError;
use crate::transport::{
    Accepting, Connection, ConnectionIo, Listener, PeerIdentity, Target, Transport,
};

/// Wraps a transport: same name, same SDP and identity checks, but every byte-stream
/// connection it makes or accepts is a [`FaultyStream`] with the configured [`Faults`].
/// Clones share one [`FaultLog`].
///
/// Multi-stream connections ([`crate::substreams`], SCTP) are passed through unchanged, with a
/// warning: their faults belong below the transport (a lossy datagram relay), not in the
/// byte stream.
#[derive(Clone)]
pub struct FaultyTransport {
    inner: Arc<dyn Transport>,
    faults: Faults,
    log: Arc<FaultLog>,
}

impl std::fmt::Debug for FaultyTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyTransport")
            .field("transport", &self.inner.name())
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl FaultyTransport {
    /// Wraps `inner` with `faults`.
    pub fn new(inner: impl Transport, faults: Faults) -> Self {
        Self::wrap(Arc::new(inner), faults)
    }

    /// Wraps a shared transport with `faults`.
    pub fn wrap(inner: Arc<dyn Transport>, faults: Faults) -> Self {
        Self {
            inner,
            faults,
            log: Arc::new(FaultLog::default()),
        }
    }

    /// What the faults did so far.
    pub fn log(&self) -> &FaultLog {
        &self.log
    }

    /// Completes a connect or accept: waits out [`Faults::handshake_delay`], then wraps.
    async fn handshake(&self, conn: Connection) -> Connection {
        if let Some(delay) = self.faults.handshake_delay {
            tokio::time::sleep(delay).await;
        }
        self.faulty(conn)
    }

    fn faulty(&self, conn: Connection) -> Connection {
        self.log.connected();
        let io = match conn.io {
            ConnectionIo::Stream(s) => ConnectionIo::Stream(Box::new(FaultyStream::new(
                s,
                self.faults.clone(),
                self.log.clone(),
            ))),
            io @ ConnectionIo::SubStreams(_) => {
                tracing::warn!("faults are not injected into a multi-stream connection");
                io
            }
        };
        Connection { io, ..conn }
    }
}

#[async_trait]
impl Transport for FaultyTransport {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn listen(&self, host: &str, port: u16) -> Result<Box<dyn Listener>, TransportError> {
        let inner = self.inner.listen(host, port).await?;
        Ok(Box::new(FaultyListener {
            inner,
            transport: self.clone(),
        }))
    }

    async fn connect(&self, target: &Target) -> Result<Connection, TransportError> {
        let conn = self.inner.connect(target).await?;
        Ok(self.handshake(conn).await)
    }

    fn describe(&self, media: &mut MediaDescription) {
        self.inner.describe(media);
    }

    fn verify_peer(
        &self,
        remote: &MediaDescription,
        peer: &PeerIdentity,
    ) -> Result<(), TransportError> {
        self.inner.verify_peer(remote, peer)
    }
}

struct FaultyListener {
    inner: Box<dyn Listener>,
    transport: FaultyTransport,
}

#[async_trait]
impl Listener for FaultyListener {
    fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr()
    }

    async fn accept(&self) -> Result<Accepting, TransportError> {
        let accepting = self.inner.accept().await?;
        let transport = self.transport.clone();
        Ok(Box::pin(async move {
            let conn = accepting.await?;
            Ok(transport.handshake(conn).await)
        }))
    }
}
