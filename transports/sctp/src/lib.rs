//! # imsession-sctp
//!
//! The SCTP transport for [imsession](imsession): the `sctp` in `cpim/sctp`. SCTP runs in user
//! space (the `sctp-proto` crate) over UDP, as RFC 6951 describes, so it needs no kernel
//! module and no privileges, and it talks to other SCTP stacks that speak UDP encapsulation
//! (usrsctp, the FreeBSD and Linux kernels).
//!
//! Each association is one connection of the framework's hub, carrying every session between
//! the same two endpoints. Each session writes on an SCTP stream of its own, so a large message
//! in one session does not hold up another's ([`imsession::substreams`]).
//!
//! SDP: the m-line port is the UDP port (the encapsulation port); `a=sctp-port` names the SCTP
//! port, always written; when a peer leaves it out, 5000 is assumed (imsession's own
//! convention, not RFC 8841's: `docs/sctp.md`).
//!
//! ```
//! use imsession::Negotiator;
//! let negotiator = Negotiator::builder()
//!     .transport(imsession_sctp::SctpTransport::new())
//!     .build();
//! assert!(negotiator.transport("sctp").is_some());
//! ```
//!
//! Where it fits: the negotiator picks `cpim/sctp`; the endpoint calls
//! [`Transport::listen`] or [`Transport::connect`]; the association comes back as a
//! [`ConnectionIo::SubStreams`] connection that the hub reads and writes.
#![forbid(unsafe_code)]

mod assoc;
mod driver;
mod packet;
mod sdp;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use imsession::sdp::MediaDescription;
use imsession::{Accepting, Connection, Listener, Target, Transport, TransportError};
use sctp_proto::{ClientConfig, Endpoint, EndpointConfig, ServerConfig, TransportConfig};
use tokio::net::UdpSocket;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::driver::{Driver, Waiter};
pub use crate::sdp::{DEFAULT_SCTP_PORT, SCTP_PORT_ATTRIBUTE, sctp_port};

/// The transport name, as it appears in proto tokens.
pub const NAME: &str = "sctp";

/// Outbound and inbound streams we offer per association (the peer may allow fewer).
pub const STREAMS: u16 = 1024;

/// The largest SCTP user message we send: frames are cut into messages of at most this size,
/// and the chunks of different sessions interleave at this granularity.
pub const MAX_CHUNK: usize = 16 * 1024;

/// The largest SCTP user message we accept (`sctp-proto` rejects larger ones). Above
/// [`MAX_CHUNK`] so peers that send larger messages (usrsctp's default) still work.
pub const MAX_MESSAGE: u32 = 256 * 1024;

/// Bytes an association may hold unacknowledged in its send queue before the writer waits.
pub const SEND_BUFFER: usize = 1024 * 1024;

/// The receive window: bytes `sctp-proto` buffers for the hub before the peer must wait.
pub const RECEIVE_BUFFER: u32 = 1024 * 1024;

/// The UDP socket's receive and send buffer sizes we ask the kernel for: room for the whole
/// receive window ([`RECEIVE_BUFFER`]) with the kernel's per-datagram overhead, so a burst the
/// window allows is not dropped by the socket (a drop at the end of a burst costs a
/// retransmission timeout, a second by default). The kernel caps the request at
/// `net.core.rmem_max`/`wmem_max`; the size obtained is logged at debug level.
pub const UDP_BUFFER: usize = 4 * 1024 * 1024;

/// Complete messages queued between the socket driver and the hub's reader, per association.
pub const INBOUND_QUEUE: usize = 64;

/// Associations a listener queues for acceptance before refusing more.
pub const ACCEPT_QUEUE: usize = 64;

/// How long a listener keeps an association whose handshake has not completed (an INIT was
/// answered, no valid COOKIE ECHO followed) before forgetting it. Counted in
/// [`Stats::handshakes_expired`].
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Associations a listener keeps in their handshake at once; INITs beyond this are not
/// answered (counted in [`Stats::half_open_refused`]), so unanswered INITs cannot pile up.
pub const MAX_HALF_OPEN: usize = ACCEPT_QUEUE;

/// Retransmissions of DATA (and stream resets) without an answer before the peer is deemed
/// unreachable and the association fails (RFC 4960 §15, Association.Max.Retrans). Dead peers
/// are noticed only while data is outstanding: no HEARTBEATs are sent, so an idle
/// association with a vanished peer is not detected.
pub const MAX_RETRANS: usize = 10;

/// How long a graceful shutdown may last, in multiples of [`Rto::max`], before the
/// association is aborted (RFC 4960 §9.2's T5-shutdown-guard: 5 × RTO.Max; 5 min with the
/// default RTO). `sctp-proto` retransmits SHUTDOWN without limit.
pub const SHUTDOWN_GUARD: u32 = 5;

/// The largest UDP datagram read.
pub const MAX_DATAGRAM: usize = 65_536;

/// Counters of one [`SctpTransport`] (all its sockets).
#[derive(Debug, Default)]
pub struct Stats {
    /// UDP datagrams received.
    pub datagrams_received: AtomicU64,
    /// UDP datagrams sent.
    pub datagrams_sent: AtomicU64,
    /// Address parameters (IPv4, IPv6, host name) removed from a peer's INIT or INIT ACK
    /// before `sctp-proto` parsed it.
    pub address_params_removed: AtomicU64,
    /// IPv6 address parameters among [`Stats::address_params_removed`].
    pub ipv6_address_params_removed: AtomicU64,
    /// ABORTs sent because a connection was dropped without a graceful close, or a shutdown
    /// or the peer timed out.
    pub aborts_sent: AtomicU64,
    /// Associations that failed because the peer stopped answering: [`MAX_RETRANS`] DATA
    /// retransmissions or a shutdown longer than [`SHUTDOWN_GUARD`] × [`Rto::max`].
    pub peer_timeouts: AtomicU64,
    /// Associations refused because the accept queue was full.
    pub refused: AtomicU64,
    /// INITs a listener did not answer because [`MAX_HALF_OPEN`] handshakes were in progress.
    pub half_open_refused: AtomicU64,
    /// Handshakes a listener gave up after [`HANDSHAKE_TIMEOUT`].
    pub handshakes_expired: AtomicU64,
    /// INITs a listener dropped because they named another SCTP port than its own
    /// (`a=sctp-port`).
    pub wrong_port: AtomicU64,
    /// SHUTDOWN chunks whose Cumulative TSN Ack was handed to `sctp-proto` as a SACK (it
    /// ignores the field; see `docs/sctp.md`, workaround 8).
    pub shutdown_acks_added: AtomicU64,
}

impl Stats {
    /// Reads a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// SCTP over UDP.
#[derive(Clone, Debug)]
pub struct SctpTransport {
    sctp_port: u16,
    rto: Rto,
    stats: Arc<Stats>,
}

/// Retransmission timeouts (RFC 4960 §6.3.1, §15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rto {
    /// RTO before any round trip is measured. Default 3 s.
    pub initial: Duration,
    /// Lower bound. Default 1 s.
    pub min: Duration,
    /// Upper bound. Default 60 s.
    pub max: Duration,
}

/// RTO.Initial of RFC 4960 §15, the default [`Rto::initial`].
pub const RTO_INITIAL: Duration = Duration::from_secs(3);
/// RTO.Min of RFC 4960 §15, the default [`Rto::min`].
pub const RTO_MIN: Duration = Duration::from_secs(1);
/// RTO.Max of RFC 4960 §15, the default [`Rto::max`].
pub const RTO_MAX: Duration = Duration::from_secs(60);

impl Default for Rto {
    fn default() -> Self {
        Self {
            initial: RTO_INITIAL,
            min: RTO_MIN,
            max: RTO_MAX,
        }
    }
}

impl Default for SctpTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl SctpTransport {
    /// The transport, using SCTP port [`DEFAULT_SCTP_PORT`] for our end.
    pub fn new() -> Self {
        Self {
            sctp_port: DEFAULT_SCTP_PORT,
            rto: Rto::default(),
            stats: Arc::default(),
        }
    }

    /// Uses these retransmission timeouts (shorter ones suit a LAN or loopback).
    #[must_use]
    pub fn with_rto(mut self, rto: Rto) -> Self {
        self.rto = rto;
        self
    }

    /// Uses `port` as our SCTP port (written as `a=sctp-port`). Port 0 is not an SCTP port;
    /// it is replaced by [`DEFAULT_SCTP_PORT`].
    #[must_use]
    pub fn with_sctp_port(mut self, port: u16) -> Self {
        self.sctp_port = if port == 0 { DEFAULT_SCTP_PORT } else { port };
        self
    }

    /// Counters of this transport's sockets.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    fn transport_config(&self, remote_port: u16) -> TransportConfig {
        TransportConfig::default()
            .with_max_num_outbound_streams(STREAMS)
            .with_max_num_inbound_streams(STREAMS)
            .with_max_send_message_size(MAX_CHUNK as u32)
            .with_max_receive_message_size(MAX_MESSAGE)
            .with_max_receive_buffer_size(RECEIVE_BUFFER)
            .with_rto_initial_ms(millis(self.rto.initial))
            .with_rto_min_ms(millis(self.rto.min))
            .with_rto_max_ms(millis(self.rto.max))
            .with_max_data_retransmits(Some(MAX_RETRANS))
            .with_local_port(self.sctp_port)
            .with_remote_port(remote_port)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Binds a UDP socket at `addr` with receive and send buffers of [`UDP_BUFFER`], or as much
/// as the system allows.
async fn bind(addr: SocketAddr) -> Result<UdpSocket, TransportError> {
    let socket = UdpSocket::bind(addr)
        .await
        .map_err(|e| TransportError::io(format!("bind udp {addr}"), e))?;
    let sock = socket2::SockRef::from(&socket);
    // Best effort: a smaller buffer than asked for still works, with more loss under bursts.
    let _ = sock.set_recv_buffer_size(UDP_BUFFER);
    let _ = sock.set_send_buffer_size(UDP_BUFFER);
    tracing::debug!(
        %addr,
        recv = ?sock.recv_buffer_size(),
        send = ?sock.send_buffer_size(),
        "udp socket buffers"
    );
    Ok(socket)
}

#[async_trait]
impl Transport for SctpTransport {
    fn name(&self) -> &str {
        NAME
    }

    async fn listen(&self, host: &str, port: u16) -> Result<Box<dyn Listener>, TransportError> {
        let addr = *imsession_tcp::resolve(host, port)
            .await?
            .first()
            .expect("resolve returns at least one");
        let socket = bind(addr).await?;
        let mut server = ServerConfig::new();
        server.transport = Arc::new(self.transport_config(self.sctp_port));
        let endpoint = Endpoint::new(Arc::new(EndpointConfig::new()), Some(Arc::new(server)));
        let (tx, rx) = mpsc::channel(ACCEPT_QUEUE);
        let accept = Some((tx, self.sctp_port));
        let driver = Driver::new(socket, endpoint, accept, self.stats.clone(), self.rto)
            .map_err(|e| TransportError::io("local address", e))?;
        let local = driver.local_addr();
        tokio::spawn(driver.run());
        Ok(Box::new(SctpListener {
            local,
            rx: Mutex::new(rx),
        }))
    }

    async fn connect(&self, target: &Target) -> Result<Connection, TransportError> {
        let remote_sctp = sctp_port(&target.media).map_err(|e| {
            TransportError::io(
                "read a=sctp-port",
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        })?;
        let mut last = None;
        for addr in imsession_tcp::resolve(&target.host, target.port).await? {
            match self.connect_addr(addr, remote_sctp).await {
                Ok(conn) => return Ok(conn),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| TransportError::Resolve {
            host: target.host.clone(),
        }))
    }

    fn describe(&self, media: &mut MediaDescription) {
        sdp::describe(self.sctp_port, media);
    }
}

impl SctpTransport {
    /// Associates with the SCTP endpoint at `remote_sctp` behind UDP address `addr`, from a
    /// fresh UDP socket.
    async fn connect_addr(
        &self,
        addr: SocketAddr,
        remote_sctp: u16,
    ) -> Result<Connection, TransportError> {
        let local = route_source(addr)
            .map_err(|e| TransportError::io(format!("find a route to {addr}"), e))?;
        let socket = bind(local).await?;
        let mut endpoint = Endpoint::new(Arc::new(EndpointConfig::new()), None);
        let mut config = ClientConfig::new();
        config.transport = Arc::new(self.transport_config(remote_sctp));
        let (handle, assoc) = endpoint.connect(config, addr).map_err(|e| {
            TransportError::io(format!("connect to {addr}"), std::io::Error::other(e))
        })?;
        let mut driver = Driver::new(socket, endpoint, None, self.stats.clone(), self.rto)
            .map_err(|e| TransportError::io("local address", e))?;
        let (tx, rx) = oneshot::channel();
        driver.add(handle, assoc, Waiter::Connect(tx));
        tokio::spawn(driver.run());
        rx.await.unwrap_or_else(|_| {
            Err(TransportError::io(
                format!("connect to {addr}"),
                std::io::Error::other("driver ended"),
            ))
        })
    }
}

/// The local address the operating system sends to `peer` from, with port 0: a connection's
/// socket binds it, so the connection reports a real address (not `0.0.0.0`) as its own. The
/// probe socket is connected, which sends nothing.
fn route_source(peer: SocketAddr) -> std::io::Result<SocketAddr> {
    let unspecified: SocketAddr = if peer.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let probe = std::net::UdpSocket::bind(unspecified)?;
    probe.connect(peer)?;
    let mut local = probe.local_addr()?;
    local.set_port(0);
    Ok(local)
}

struct SctpListener {
    local: SocketAddr,
    rx: Mutex<mpsc::Receiver<Connection>>,
}

#[async_trait]
impl Listener for SctpListener {
    fn local_addr(&self) -> SocketAddr {
        self.local
    }

    async fn accept(&self) -> Result<Accepting, TransportError> {
        let conn = self.rx.lock().await.recv().await.ok_or_else(|| {
            TransportError::io("accept", std::io::Error::other("socket driver ended"))
        })?;
        Ok(Box::pin(async move { Ok(conn) }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most a socket's receive buffer may be set to here: `net.core.rmem_max` on Linux.
    fn allowed() -> usize {
        std::fs::read_to_string("/proc/sys/net/core/rmem_max")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(UDP_BUFFER)
    }

    #[tokio::test]
    async fn sockets_get_the_receive_buffer_the_system_allows() {
        let socket = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let got = socket2::SockRef::from(&socket).recv_buffer_size().unwrap();
        let want = UDP_BUFFER.min(allowed());
        // Linux reports twice what was set (it counts its bookkeeping); others report it.
        assert!(got >= want, "receive buffer {got} bytes, asked {want}");
    }
}
