//! [`Limits`]: every bound a session or connection enforces, with its default.

use std::time::Duration;

/// Default largest message body plus headers accepted or sent: 16 MiB.
pub const DEFAULT_MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// Default largest header block (envelope, metadata and MIME headers): 64 KiB.
pub const DEFAULT_MAX_HEADER_BLOCK: usize = 64 * 1024;
/// Default bytes of junk skipped before a frame's envelope before the connection is failed: 64 KiB.
pub const DEFAULT_MAX_GARBAGE: usize = 64 * 1024;
/// Default number of received messages queued per session before the connection's reader
/// waits (backpressure to the sender).
pub const DEFAULT_SESSION_QUEUE: usize = 64;
/// Default number of encoded frames queued for a connection's writer before senders wait.
pub const DEFAULT_WRITE_QUEUE: usize = 256;
/// Default time allowed to connect (and run any transport handshake).
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a passive session waits for its connection to be identified.
pub const DEFAULT_BIND_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time a connection with no sessions stays open for reuse before it is closed.
pub const DEFAULT_IDLE_GRACE: Duration = Duration::from_millis(500);
/// Default time a frame for a session not yet known is kept on its connection, in case the
/// session is negotiated meanwhile (the peer may send before our side has its answer).
pub const DEFAULT_EARLY_FRAME_GRACE: Duration = Duration::from_secs(5);
/// Frames for not-yet-known sessions kept per connection; older ones are discarded first.
pub const EARLY_FRAMES_MAX: usize = 32;
/// Default number of sessions one connection carries at most.
pub const DEFAULT_MAX_SESSIONS_PER_CONNECTION: usize = 100_000;
/// Default time a frame may take to arrive once its first byte has: 30 s. A peer that stalls
/// mid-frame for longer has its connection closed ([`Limit::FrameTimeout`]).
pub const DEFAULT_FRAME_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of connections one listener keeps open at once (accepted, including those
/// still in their handshake): 1024. Further connections are closed as soon as they are
/// accepted ([`Limit::ConnectionsPerListener`]).
pub const DEFAULT_MAX_CONNECTIONS_PER_LISTENER: usize = 1024;
/// Default number of frames for unknown sessions one connection may have discarded before the
/// peer is disconnected ([`Limit::UnknownSessionFrames`]): 1000.
pub const DEFAULT_MAX_UNKNOWN_SESSION_FRAMES: u64 = 1000;

/// Bounds applied to sessions and connections. Every field has a documented default
/// ([`Limits::default`]) and a setter.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest message, in bytes ([`DEFAULT_MAX_MESSAGE`]).
    pub max_message: usize,
    /// Largest header block, in bytes ([`DEFAULT_MAX_HEADER_BLOCK`]).
    pub max_header_block: usize,
    /// Junk tolerated before an envelope, in bytes ([`DEFAULT_MAX_GARBAGE`]).
    pub max_garbage: usize,
    /// Received messages queued per session ([`DEFAULT_SESSION_QUEUE`]).
    pub session_queue: usize,
    /// Frames queued per connection writer ([`DEFAULT_WRITE_QUEUE`]); on a multi-stream
    /// connection (SCTP) per session, since each session has its own outbound lane.
    pub write_queue: usize,
    /// Connect and handshake timeout ([`DEFAULT_HANDSHAKE_TIMEOUT`]).
    pub handshake_timeout: Duration,
    /// Passive bind timeout ([`DEFAULT_BIND_TIMEOUT`]).
    pub bind_timeout: Duration,
    /// Idle connection grace period ([`DEFAULT_IDLE_GRACE`]).
    pub idle_grace: Duration,
    /// Sessions per connection ([`DEFAULT_MAX_SESSIONS_PER_CONNECTION`]).
    pub max_sessions_per_connection: usize,
    /// How long frames for unknown sessions are kept ([`DEFAULT_EARLY_FRAME_GRACE`]).
    pub early_frame_grace: Duration,
    /// Time from a frame's first byte to its last ([`DEFAULT_FRAME_TIMEOUT`]).
    pub frame_timeout: Duration,
    /// Connections open at once per listener ([`DEFAULT_MAX_CONNECTIONS_PER_LISTENER`]).
    pub max_connections_per_listener: usize,
    /// Frames for unknown sessions discarded per connection before the peer is disconnected
    /// ([`DEFAULT_MAX_UNKNOWN_SESSION_FRAMES`]).
    pub max_unknown_session_frames: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message: DEFAULT_MAX_MESSAGE,
            max_header_block: DEFAULT_MAX_HEADER_BLOCK,
            max_garbage: DEFAULT_MAX_GARBAGE,
            session_queue: DEFAULT_SESSION_QUEUE,
            write_queue: DEFAULT_WRITE_QUEUE,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            bind_timeout: DEFAULT_BIND_TIMEOUT,
            idle_grace: DEFAULT_IDLE_GRACE,
            max_sessions_per_connection: DEFAULT_MAX_SESSIONS_PER_CONNECTION,
            early_frame_grace: DEFAULT_EARLY_FRAME_GRACE,
            frame_timeout: DEFAULT_FRAME_TIMEOUT,
            max_connections_per_listener: DEFAULT_MAX_CONNECTIONS_PER_LISTENER,
            max_unknown_session_frames: DEFAULT_MAX_UNKNOWN_SESSION_FRAMES,
        }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $field:ident: $ty:ty;)*) => {
        impl Limits {
            $($(#[$doc])* pub fn $name(mut self, value: $ty) -> Self { self.$field = value; self })*
        }
    };
}

setters! {
    /// Sets [`Limits::max_message`].
    with_max_message: max_message: usize;
    /// Sets [`Limits::max_header_block`].
    with_max_header_block: max_header_block: usize;
    /// Sets [`Limits::max_garbage`].
    with_max_garbage: max_garbage: usize;
    /// Sets [`Limits::session_queue`] (at least 1 is used).
    with_session_queue: session_queue: usize;
    /// Sets [`Limits::write_queue`] (at least 1 is used).
    with_write_queue: write_queue: usize;
    /// Sets [`Limits::handshake_timeout`].
    with_handshake_timeout: handshake_timeout: Duration;
    /// Sets [`Limits::bind_timeout`].
    with_bind_timeout: bind_timeout: Duration;
    /// Sets [`Limits::idle_grace`].
    with_idle_grace: idle_grace: Duration;
    /// Sets [`Limits::max_sessions_per_connection`].
    with_max_sessions_per_connection: max_sessions_per_connection: usize;
    /// Sets [`Limits::early_frame_grace`].
    with_early_frame_grace: early_frame_grace: Duration;
    /// Sets [`Limits::frame_timeout`].
    with_frame_timeout: frame_timeout: Duration;
    /// Sets [`Limits::max_connections_per_listener`].
    with_max_connections_per_listener: max_connections_per_listener: usize;
    /// Sets [`Limits::max_unknown_session_frames`].
    with_max_unknown_session_frames: max_unknown_session_frames: u64;
}

/// A bound an endpoint enforces, as named in errors and counters ([`LimitHits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// A frame's header block ([`Limits::max_header_block`]): the connection is closed.
    HeaderBlock,
    /// A frame's announced size ([`Limits::max_message`] plus the header block), refused
    /// before its body is buffered: the connection is closed.
    Message,
    /// Junk before a frame ([`Limits::max_garbage`]): the connection is closed.
    Garbage,
    /// A frame that stopped arriving ([`Limits::frame_timeout`]): the connection is closed.
    FrameTimeout,
    /// A connect or transport handshake ([`Limits::handshake_timeout`]).
    HandshakeTimeout,
    /// A passive session's wait for its connection ([`Limits::bind_timeout`]).
    BindTimeout,
    /// Sessions on one connection ([`Limits::max_sessions_per_connection`]): the session is
    /// not bound to that connection.
    SessionsPerConnection,
    /// Connections open on one listener ([`Limits::max_connections_per_listener`]): the new
    /// connection is closed.
    ConnectionsPerListener,
    /// Frames for unknown sessions on one connection
    /// ([`Limits::max_unknown_session_frames`]): the peer is disconnected.
    UnknownSessionFrames,
}

impl Limit {
    /// Every limit, in declaration order.
    pub const ALL: [Self; 9] = [
        Self::HeaderBlock,
        Self::Message,
        Self::Garbage,
        Self::FrameTimeout,
        Self::HandshakeTimeout,
        Self::BindTimeout,
        Self::SessionsPerConnection,
        Self::ConnectionsPerListener,
        Self::UnknownSessionFrames,
    ];

    fn index(self) -> usize {
        Self::ALL
            .iter()
            .position(|l| *l == self)
            .expect("every limit is listed")
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::HeaderBlock => "header block",
            Self::Message => "message size",
            Self::Garbage => "garbage",
            Self::FrameTimeout => "frame timeout",
            Self::HandshakeTimeout => "handshake timeout",
            Self::BindTimeout => "bind timeout",
            Self::SessionsPerConnection => "sessions per connection",
            Self::ConnectionsPerListener => "connections per listener",
            Self::UnknownSessionFrames => "unknown-session frames",
        })
    }
}

/// How many times each [`Limit`] was hit (an endpoint's counters, see
/// [`crate::EndpointStats::limit_hits`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimitHits([u64; Limit::ALL.len()]);

impl LimitHits {
    /// Times `limit` was hit.
    pub fn get(&self, limit: Limit) -> u64 {
        self.0[limit.index()]
    }

    /// Every limit hit at least once, with its count.
    pub fn iter(&self) -> impl Iterator<Item = (Limit, u64)> + '_ {
        Limit::ALL
            .iter()
            .map(|l| (*l, self.get(*l)))
            .filter(|(_, n)| *n > 0)
    }
}

/// The live counters behind [`LimitHits`].
#[derive(Debug, Default)]
pub(crate) struct LimitCounters([std::sync::atomic::AtomicU64; Limit::ALL.len()]);

impl LimitCounters {
    pub(crate) fn hit(&self, limit: Limit) {
        self.0[limit.index()].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> LimitHits {
        LimitHits(std::array::from_fn(|i| {
            self.0[i].load(std::sync::atomic::Ordering::Relaxed)
        }))
    }
}
