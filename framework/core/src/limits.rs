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
    /// Frames queued per connection writer ([`DEFAULT_WRITE_QUEUE`]).
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
}
