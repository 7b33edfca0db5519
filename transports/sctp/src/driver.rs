//! The socket driver: one tokio task per UDP socket runs the sans-IO `sctp-proto` endpoint
//! and its associations. It feeds received datagrams in, sends what they want sent, honours
//! their timers, and moves messages between the associations and the hub.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use imsession::{Connection, ConnectionIo, PeerIdentity, TransportError};
use sctp_proto::{
    AssociationError, AssociationHandle, DatagramEvent, Endpoint, Event, StreamEvent,
};
use tokio::net::UdpSocket;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::assoc::{AssocShared, AssocState, Inbound, substreams};
use crate::packet::{self, Seen};
use crate::{
    HANDSHAKE_TIMEOUT, INBOUND_QUEUE, MAX_DATAGRAM, MAX_HALF_OPEN, MAX_RETRANS, RECEIVE_BUFFER,
    Rto, SHUTDOWN_GUARD, STREAMS, Stats,
};

/// Where a new association goes once its handshake completes.
pub(crate) enum Waiter {
    /// A listener's accept queue.
    Accept(mpsc::Sender<Connection>),
    /// A `connect` call.
    Connect(oneshot::Sender<Result<Connection, TransportError>>),
}

struct Entry {
    shared: Arc<AssocShared>,
    /// The hub's receiving end, until the association is handed over.
    rx: Option<mpsc::Receiver<Inbound>>,
    /// Who gets the connection when it is established.
    waiter: Option<Waiter>,
    /// The association's "drained" event, held until it is closed.
    drained: Option<sctp_proto::EndpointEvent>,
    /// When a listener gives up this association's handshake ([`HANDSHAKE_TIMEOUT`]); `None`
    /// for associations we initiate (their INIT retransmissions bound them) and once
    /// established.
    handshake_deadline: Option<Instant>,
    /// Our Initiate Tag (the verification tag the peer's packets carry), once sent.
    our_tag: Option<u32>,
    /// The first and the highest TSN of the DATA we sent, once we sent any: what a
    /// SHUTDOWN's Cumulative TSN Ack can plausibly acknowledge (workaround 8).
    sent_tsns: Option<(u32, u32)>,
}

/// The state of one socket's task.
pub(crate) struct Driver {
    socket: Arc<UdpSocket>,
    local: SocketAddr,
    endpoint: Endpoint,
    entries: HashMap<AssociationHandle, Entry>,
    wake: Arc<Notify>,
    /// Listener sockets accept INITs (to their SCTP port); connect sockets drop them.
    accept: Option<(mpsc::Sender<Connection>, u16)>,
    stats: Arc<Stats>,
    out: Vec<(SocketAddr, Bytes)>,
    /// How long a shutdown may last ([`SHUTDOWN_GUARD`] × [`Rto::max`]).
    shutdown_timeout: Duration,
    /// Silence from a peer with data outstanding after which a stopped retransmission timer
    /// means [`MAX_RETRANS`] ran out ([`MAX_RETRANS`] × [`Rto::min`]).
    dead_after: Duration,
}

impl Driver {
    pub(crate) fn new(
        socket: UdpSocket,
        endpoint: Endpoint,
        accept: Option<(mpsc::Sender<Connection>, u16)>,
        stats: Arc<Stats>,
        rto: Rto,
    ) -> io::Result<Self> {
        let local = socket.local_addr()?;
        Ok(Self {
            socket: Arc::new(socket),
            local,
            endpoint,
            entries: HashMap::new(),
            wake: Arc::new(Notify::new()),
            accept,
            stats,
            out: Vec::new(),
            shutdown_timeout: rto.max * SHUTDOWN_GUARD,
            dead_after: rto.min * u32::try_from(MAX_RETRANS).unwrap_or(u32::MAX),
        })
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Adds an association we initiated.
    pub(crate) fn add(
        &mut self,
        handle: AssociationHandle,
        assoc: sctp_proto::Association,
        waiter: Waiter,
    ) {
        let remote = assoc.remote_addr();
        self.insert(handle, assoc, remote, Some(waiter), None);
    }

    fn insert(
        &mut self,
        handle: AssociationHandle,
        assoc: sctp_proto::Association,
        remote: SocketAddr,
        waiter: Option<Waiter>,
        handshake_deadline: Option<Instant>,
    ) {
        let (tx, rx) = mpsc::channel(INBOUND_QUEUE);
        let state = AssocState {
            assoc,
            remote,
            inbound: Some(tx),
            read_blocked: false,
            readable: Default::default(),
            read_next: 0,
            pending: Default::default(),
            pending_bytes: 0,
            peer_shutdown: false,
            end_error: None,
            written: Default::default(),
            send_waker: None,
            error: None,
            timed_out: false,
            lost: false,
            shutting_down: false,
            abort: false,
            peer_aborted: false,
            seen: None,
            streams: STREAMS,
            last_heard: Instant::now(),
            shutdown_started: None,
        };
        let shared = Arc::new(AssocShared {
            state: Mutex::new(state),
            wake: self.wake.clone(),
        });
        self.entries.insert(
            handle,
            Entry {
                shared,
                rx: Some(rx),
                waiter,
                drained: None,
                handshake_deadline,
                our_tag: None,
                sent_tsns: None,
            },
        );
    }

    /// Runs until no association is left and (for a listener) the listener is gone.
    pub(crate) async fn run(mut self) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            self.process().await;
            let listening = self.accept.as_ref().is_some_and(|(a, _)| !a.is_closed());
            if self.entries.is_empty() && !listening {
                return;
            }
            let deadline = self
                .entries
                .values()
                .flat_map(|e| {
                    let st = e.shared.lock();
                    let guard = st.shutdown_started.filter(|_| !st.lost);
                    [
                        st.assoc.poll_timeout(),
                        e.handshake_deadline,
                        guard.map(|t| t + self.shutdown_timeout),
                    ]
                })
                .flatten()
                .min();
            let socket = self.socket.clone();
            tokio::select! {
                r = socket.recv_from(&mut buf) => match r {
                    Ok((n, from)) => {
                        self.datagram(from, Bytes::copy_from_slice(&buf[..n]));
                        // Take whatever else is already waiting before processing.
                        while let Ok((n, from)) = socket.try_recv_from(&mut buf) {
                            self.datagram(from, Bytes::copy_from_slice(&buf[..n]));
                        }
                    }
                    Err(e) => {
                        // ICMP errors surface here on Linux; they concern one peer only.
                        tracing::debug!(local = %self.local, "udp receive: {e}");
                    }
                },
                () = sleep_until(deadline) => {
                    let now = Instant::now();
                    for e in self.entries.values_mut() {
                        let mut st = e.shared.lock();
                        st.assoc.handle_timeout(now);
                        let (guard, dead) = (self.shutdown_timeout, self.dead_after);
                        if !st.lost && peer_gone(&mut st, now, guard, dead) {
                            // Abort (the peer may still be there) and fail the association.
                            st.abort = true;
                            st.timed_out = true;
                            st.error = Some("peer not answering".to_owned());
                            self.stats.peer_timeouts.fetch_add(1, Ordering::Relaxed);
                        }
                        if e.handshake_deadline.is_some_and(|d| d <= now) {
                            e.handshake_deadline = None;
                            if st.assoc.is_handshaking() {
                                // Still CLOSED in `sctp-proto` (it answered the INIT and
                                // waits for a COOKIE ECHO): no event comes; end it here.
                                let _ = st.assoc.close();
                                lose(&mut st, &AssociationError::TimedOut, false);
                                self.stats.handshakes_expired.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
                () = self.wake.notified() => {}
                () = closed(self.accept.as_ref().map(|(a, _)| a)), if listening => {
                    self.endpoint.reject_new_associations();
                }
            }
        }
    }

    /// Hands one received datagram to `sctp-proto`.
    fn datagram(&mut self, from: SocketAddr, data: Bytes) {
        tracing::trace!(local = %self.local, "{} bytes from {from}", data.len());
        self.stats
            .datagrams_received
            .fetch_add(1, Ordering::Relaxed);
        if data.len() < packet::COMMON_HEADER {
            return;
        }
        let first = packet::first_chunk(&data);
        if first == Some(packet::INIT) {
            match &self.accept {
                // A connect socket takes no new associations.
                None => return,
                // An INIT for another SCTP port than the one our SDP names is out of the
                // blue (RFC 4960 §8.4): nobody listens there.
                Some((_, port)) if packet::destination_port(&data) != *port => {
                    self.stats.wrong_port.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Some(_) => {}
            }
        }
        let peer_streams = packet::init_streams(&data);
        let seen = Seen::of(&data);
        let (data, removed) = packet::strip_address_params(data);
        if removed.all > 0 {
            self.stats
                .address_params_removed
                .fetch_add(removed.all as u64, Ordering::Relaxed);
            self.stats
                .ipv6_address_params_removed
                .fetch_add(removed.ipv6 as u64, Ordering::Relaxed);
        }
        let tag = packet::verification_tag(&data);
        if packet::has_abort(&data) {
            // An ABORT carries our tag, or with the T bit its sender's own.
            let aborted = self.entries.values().find(|e| {
                e.our_tag.is_some() && e.our_tag == tag
                    || e.shared.lock().seen.is_some_and(|s| Some(s.tag) == tag)
            });
            if let Some(e) = aborted {
                e.shared.lock().peer_aborted = true;
            }
        }
        let entries = &self.entries;
        let (data, acked) = packet::ack_shutdown(data, |cum| {
            entries
                .values()
                .find(|e| e.our_tag.is_some() && e.our_tag == tag)
                .and_then(|e| e.sent_tsns)
                .is_some_and(|(first, high)| packet::tsn_within(cum, first.wrapping_sub(1), high))
        });
        if acked {
            self.stats
                .shutdown_acks_added
                .fetch_add(1, Ordering::Relaxed);
        }
        let now = Instant::now();
        let Some((handle, event)) = self.endpoint.handle(now, from, None, None, data) else {
            return;
        };
        match event {
            DatagramEvent::NewAssociation(assoc) => {
                let half_open = self
                    .entries
                    .values()
                    .filter(|e| e.handshake_deadline.is_some())
                    .count();
                if half_open >= MAX_HALF_OPEN {
                    // Dropped before its INIT ACK goes out, and forgotten by the endpoint.
                    drop(assoc);
                    let _ = self
                        .endpoint
                        .handle_event(handle, sctp_proto::EndpointEvent::drained());
                    self.stats.half_open_refused.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                let accept = self.accept.as_ref().map(|(a, _)| Waiter::Accept(a.clone()));
                self.insert(handle, assoc, from, accept, Some(now + HANDSHAKE_TIMEOUT));
            }
            DatagramEvent::AssociationEvent(event) => {
                if let Some(e) = self.entries.get(&handle) {
                    e.shared.lock().assoc.handle_event(event);
                }
            }
        }
        if let Some(e) = self.entries.get(&handle) {
            let mut st = e.shared.lock();
            st.last_heard = now;
            if let Some((peer_out, peer_in)) = peer_streams {
                // Our INIT ACK announces min(ours, the peer's outbound streams) as our outbound
                // count (`sctp-proto` mirrors the peer's INIT), so a listener stays within that
                // too (`docs/sctp.md`, workaround 6).
                let announced = if first == Some(packet::INIT) {
                    peer_in.min(peer_out)
                } else {
                    peer_in
                };
                st.streams = STREAMS.min(announced).max(1);
            }
            if seen.is_some() {
                st.seen = seen;
            }
        }
    }

    /// Runs every association's events, reads and transmits; sends the datagrams.
    async fn process(&mut self) {
        let now = Instant::now();
        let handles: Vec<_> = self.entries.keys().copied().collect();
        for handle in handles {
            self.process_one(handle, now);
        }
        for (to, datagram) in std::mem::take(&mut self.out) {
            tracing::trace!(local = %self.local, "{} bytes to {to}", datagram.len());
            match self.socket.send_to(&datagram, to).await {
                Ok(_) => {
                    self.stats.datagrams_sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => tracing::debug!(local = %self.local, "udp send to {to}: {e}"),
            }
        }
    }

    fn process_one(&mut self, handle: AssociationHandle, now: Instant) {
        let Some(entry) = self.entries.get_mut(&handle) else {
            return;
        };
        let shared = entry.shared.clone();
        let mut st = shared.lock();
        if st.abort && !st.lost {
            if let Some(seen) = st.seen {
                self.out.push((st.remote, seen.abort()));
                self.stats.aborts_sent.fetch_add(1, Ordering::Relaxed);
            }
            let _ = st.assoc.close();
            st.error.get_or_insert_with(|| "aborted locally".to_owned());
            st.abort = false;
        }
        if matches!(&entry.waiter, Some(Waiter::Connect(tx)) if tx.is_closed()) {
            // The `connect` call gave up (timed out or was dropped) during the handshake.
            entry.waiter = None;
            let _ = st.assoc.close();
        }
        while let Some(ev) = st.assoc.poll_endpoint_event() {
            // The only endpoint event is "drained", which `sctp-proto` 0.10 emits as soon as
            // a SHUTDOWN starts; handing it on then would make the endpoint forget the
            // association and drop the peer's SHUTDOWN ACK. It is handed on once closed.
            entry.drained = Some(ev);
        }
        let mut connected = false;
        while let Some(ev) = st.assoc.poll() {
            match ev {
                Event::Connected => {
                    connected = true;
                    entry.handshake_deadline = None;
                }
                Event::HandshakeFailed { reason } => {
                    // The INIT or COOKIE ECHO retransmissions ran out: nobody answered.
                    st.timed_out |= matches!(
                        reason,
                        AssociationError::HandshakeFailed(
                            sctp_proto::Error::ErrHandshakeInitAck
                                | sctp_proto::Error::ErrHandshakeCookieEcho
                        )
                    );
                    lose(&mut st, &reason, false);
                }
                Event::AssociationLost { reason } => {
                    let clean = st.shutting_down
                        && reason == AssociationError::AssociationClosed
                        && st.error.is_none();
                    if !clean && st.error.is_none() && !st.peer_aborted {
                        // Not our abort, not the peer's: `sctp-proto` ended the association
                        // itself (an ERROR chunk, a protocol violation) without telling the
                        // peer, which would go on retransmitting. Tell it.
                        if let Some(seen) = st.seen {
                            self.out.push((st.remote, seen.abort()));
                            self.stats.aborts_sent.fetch_add(1, Ordering::Relaxed);
                        }
                        st.error = Some(format!("ended by the sctp stack ({reason:?}); aborted"));
                    }
                    lose(&mut st, &reason, clean);
                }
                Event::Stream(StreamEvent::Readable { id } | StreamEvent::Opened { id }) => {
                    st.readable.insert(id);
                }
                Event::Stream(_) => {}
                _ => {}
            }
        }
        if st.assoc.is_closing() {
            if !st.shutting_down {
                st.peer_shutdown = true;
            }
            st.shutdown_started.get_or_insert(now);
            st.shutting_down = true;
        }
        while st.assoc.accept_stream().is_some() {}
        if st.assoc.is_closing() {
            // Whatever is unread when the association closes is lost: take it out now.
            let all = st.peer_shutdown;
            rescue(&mut st, all);
        }
        read_messages(&mut st);
        if st.send_waker.is_some() && (st.lost || st.buffered() < crate::SEND_BUFFER) {
            if let Some(w) = st.send_waker.take() {
                w.wake();
            }
        }
        let mut complete_sent = false;
        while let Some(t) = st.assoc.poll_transmit(now) {
            if let sctp_proto::Payload::RawEncode(datagrams) = t.payload {
                for d in datagrams {
                    complete_sent |= packet::first_chunk(&d) == Some(packet::SHUTDOWN_COMPLETE);
                    if let Some(tag) = packet::initiate_tag(&d) {
                        entry.our_tag = Some(tag);
                    }
                    for tsn in packet::data_tsns(&d) {
                        entry.sent_tsns = match entry.sent_tsns {
                            Some((first, high)) if packet::tsn_within(tsn, first, high) => {
                                Some((first, high))
                            }
                            Some((first, _)) => Some((first, tsn)),
                            None => Some((tsn, tsn)),
                        };
                    }
                    self.out.push((t.remote, d));
                }
            }
        }
        if complete_sent {
            // `sctp-proto` 0.10 does not close the association after sending SHUTDOWN
            // COMPLETE (RFC 4960 §9.2: the sender enters CLOSED); close it here, after taking
            // out what the reader has not read yet.
            rescue(&mut st, true);
            let _ = st.assoc.close();
            st.shutting_down = true;
            while let Some(ev) = st.assoc.poll() {
                if let Event::AssociationLost { reason } = ev {
                    lose(&mut st, &reason, true);
                }
            }
            read_messages(&mut st);
        }
        // The entry stays until the reader has the rescued messages and the end.
        let finished = st.lost && st.assoc.is_closed() && st.inbound.is_none();
        if finished {
            let ev = entry
                .drained
                .take()
                .unwrap_or_else(sctp_proto::EndpointEvent::drained);
            let _ = self.endpoint.handle_event(handle, ev);
        }
        let streams = st.streams;

        let failed = st.lost.then(|| {
            let kind = if st.timed_out {
                io::ErrorKind::TimedOut
            } else {
                io::ErrorKind::ConnectionRefused
            };
            (kind, st.error.clone())
        });
        drop(st);
        if connected {
            if let Some(waiter) = entry.waiter.take() {
                let rx = entry.rx.take().expect("handed over once");
                let conn = Connection {
                    io: ConnectionIo::SubStreams(substreams(shared.clone(), rx, streams)),
                    peer: PeerIdentity::address(shared.lock().remote),
                    local_addr: self.local,
                };
                match waiter {
                    Waiter::Accept(tx) => {
                        if tx.try_send(conn).is_err() {
                            self.stats.refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Waiter::Connect(tx) => {
                        let _ = tx.send(Ok(conn));
                    }
                }
            }
        }
        if let Some((kind, error)) = failed {
            // A handshake that got no answer times out; any other end (an ABORT) refuses.
            if let Some(Waiter::Connect(tx)) = entry.waiter.take() {
                let _ = tx.send(Err(TransportError::io(
                    format!("sctp association with {}", shared.lock().remote),
                    io::Error::new(kind, error.unwrap_or_else(|| "closed".to_owned())),
                )));
            }
        }
        if finished {
            self.entries.remove(&handle);
        }
    }
}

/// Whether the peer stopped answering: a shutdown outlasted `shutdown_timeout`, or data is
/// outstanding, no retransmission timer runs any more (`sctp-proto` stops it silently after
/// [`MAX_RETRANS`]) and nothing was heard for `dead_after`. Call right after
/// `handle_timeout`.
fn peer_gone(
    st: &mut AssocState,
    now: Instant,
    shutdown_timeout: Duration,
    dead_after: Duration,
) -> bool {
    if st
        .shutdown_started
        .is_some_and(|t| now >= t + shutdown_timeout)
    {
        return true;
    }
    !st.assoc.is_handshaking()
        && st.assoc.poll_timeout().is_none()
        && now >= st.last_heard + dead_after
        && st.buffered() > 0
}

/// Ends the association for the hub: cleanly (the reader sees the end) or with an error. The
/// reader gets either after the messages still pending ([`read_messages`]).
fn lose(st: &mut AssocState, reason: &AssociationError, clean: bool) {
    if st.lost {
        return;
    }
    st.lost = true;
    if st.error.is_none() && !clean {
        st.error = Some(reason.to_string());
    }
    if !clean {
        let kind = if st.timed_out {
            io::ErrorKind::TimedOut
        } else {
            io::ErrorKind::ConnectionAborted
        };
        let why = st.error.clone().unwrap_or_else(|| reason.to_string());
        st.end_error = Some(io::Error::new(kind, why));
    }
    if let Some(w) = st.send_waker.take() {
        w.wake();
    }
}

/// Takes the messages `sctp-proto` holds unread into [`AssocState::pending`], because its
/// `close` discards them. With `all` false, stops once [`RECEIVE_BUFFER`] bytes are pending
/// (while we are shutting down, the peer may still send; what stays in `sctp-proto` is
/// bounded by the receive window, and is taken out with `all` just before the close).
fn rescue(st: &mut AssocState, all: bool) {
    let mut ids = st.assoc.stream_ids();
    ids.sort_unstable();
    for id in ids {
        loop {
            if !all && st.pending_bytes >= RECEIVE_BUFFER as usize {
                return;
            }
            let Ok(mut stream) = st.assoc.stream(id) else {
                break;
            };
            let Ok(Some(chunks)) = stream.read_sctp() else {
                break;
            };
            let mut buf = BytesMut::zeroed(chunks.len());
            let n = chunks.read(&mut buf).unwrap_or(0);
            buf.truncate(n);
            st.pending_bytes += n;
            st.pending.push_back((id, buf.freeze()));
        }
        st.readable.remove(&id);
    }
}

/// Moves complete messages to the hub while its queue has room: first the pending ones, then
/// those in `sctp-proto`. Once the association is lost and nothing is pending, ends the
/// reader's queue (cleanly or with the error).
fn read_messages(st: &mut AssocState) {
    let Some(tx) = st.inbound.clone() else {
        return;
    };
    while let Some((id, msg)) = st.pending.pop_front() {
        match tx.try_reserve() {
            Ok(permit) => {
                st.pending_bytes -= msg.len();
                permit.send(Ok((id, msg)));
            }
            Err(mpsc::error::TrySendError::Full(())) => {
                st.pending.push_front((id, msg));
                st.read_blocked = true;
                return;
            }
            Err(mpsc::error::TrySendError::Closed(())) => {
                // The reader is gone: nobody will read what is pending.
                st.pending.clear();
                st.pending_bytes = 0;
                st.inbound = None;
                return;
            }
        }
    }
    if st.lost {
        st.inbound = None;
        if let Some(e) = st.end_error.take() {
            // A full queue gets the error after what is queued.
            tokio::spawn(async move {
                let _ = tx.send(Err(e)).await;
            });
        }
        return;
    }
    // One message per readable stream per turn, resuming where the last call stopped: when the
    // hub's reader is the bottleneck, a stream with much buffered (a large message in flight)
    // does not hold up the others' messages.
    loop {
        let next = st.readable.range(st.read_next..).next();
        let Some(&id) = next.or_else(|| st.readable.first()) else {
            return;
        };
        let permit = match tx.try_reserve() {
            Ok(p) => p,
            Err(mpsc::error::TrySendError::Full(())) => {
                st.read_next = id;
                st.read_blocked = true;
                return;
            }
            Err(mpsc::error::TrySendError::Closed(())) => return,
        };
        st.read_next = id.wrapping_add(1);
        let Ok(mut stream) = st.assoc.stream(id) else {
            st.readable.remove(&id);
            continue;
        };
        let Ok(Some(chunks)) = stream.read_sctp() else {
            st.readable.remove(&id);
            continue;
        };
        let mut buf = BytesMut::zeroed(chunks.len());
        match chunks.read(&mut buf) {
            Ok(n) => {
                buf.truncate(n);
                permit.send(Ok((id, buf.freeze())));
            }
            Err(e) => {
                // The buffer is the message's size, so this is not expected; losing the
                // message silently would corrupt the stream, so the association ends.
                tracing::warn!(stream = id, "reading a message failed: {e}");
                st.abort = true;
                return;
            }
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d.into()).await,
        None => std::future::pending().await,
    }
}

async fn closed(tx: Option<&mpsc::Sender<Connection>>) {
    match tx {
        Some(tx) => tx.closed().await,
        None => std::future::pending().await,
    }
}
