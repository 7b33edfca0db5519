//! [`WirePeer`]: our end of the connection to the peer under test, written byte by byte and
//! read through the mechanism's decoder.

use std::time::Duration;

use bytes::BytesMut;
use imsession::{
    Connection, DeliveryEvent, Frame, Inbound, Limits, MechanismSession, Message, MessageId,
    Selection, SessionEnd, SessionMechanism, SessionParams,
};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt, WriteHalf};
use tokio::sync::mpsc;

use crate::case::Context;
use crate::transport::cases::stream;

/// How long the runner waits for one reply from the peer.
pub const WIRE_STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Frames decoded ahead of the cases before the reader waits.
const READ_AHEAD: usize = 1024;

/// Free space the reader makes in its buffer before each read from the peer.
const READ_CHUNK: usize = 64 * 1024;

/// What the reader task saw.
#[derive(Debug)]
enum ReadEvent {
    Frame(Frame),
    Closed,
    Failed(String),
}

/// What arrived for a case.
#[derive(Debug)]
pub enum Arrival {
    /// A message for our session.
    Message(Message),
    /// The connection ended (cleanly or not: the text says).
    Closed(String),
}

/// Our end of the session with the peer under test.
pub struct WirePeer {
    writer: WriteHalf<Box<dyn imsession::ByteStream>>,
    events: mpsc::Receiver<ReadEvent>,
    state: Box<dyn MechanismSession>,
    /// Our end.
    pub local: SessionEnd,
    /// The peer's end.
    pub remote: SessionEnd,
    /// Delivery reports the peer sent, in order.
    pub deliveries: Vec<DeliveryEvent>,
    /// `MsgID`s of every frame the peer sent on our session, in order.
    pub peer_msg_ids: Vec<Option<u64>>,
    /// Frames whose session identity was not ours.
    pub strays: u64,
    closed: Option<String>,
    mechanism: Arc<dyn SessionMechanism>,
    limits: Limits,
}

impl std::fmt::Debug for WirePeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WirePeer")
            .field("local", &self.local.uri)
            .field("remote", &self.remote.uri)
            .finish_non_exhaustive()
    }
}

impl WirePeer {
    /// Starts reading `conn` for the session `sel` describes.
    ///
    /// # Errors
    /// When the connection is not a byte stream.
    pub fn new(sel: &Selection, conn: Connection, limits: &Limits) -> Result<Self, String> {
        let io = stream(conn)?;
        let (mut reader, writer) = tokio::io::split(io);
        let mut decoder = sel.mechanism().decoder(limits);
        let (tx, events) = mpsc::channel(READ_AHEAD);
        tokio::spawn(async move {
            let mut buf = BytesMut::with_capacity(READ_CHUNK);
            loop {
                loop {
                    match decoder.decode(&mut buf) {
                        Ok(Some(f)) => {
                            if tx.send(ReadEvent::Frame(f)).await.is_err() {
                                return;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            let _ = tx
                                .send(ReadEvent::Failed(format!("bad framing: {e}")))
                                .await;
                            return;
                        }
                    }
                }
                buf.reserve(READ_CHUNK);
                match reader.read_buf(&mut buf).await {
                    Ok(0) => {
                        let _ = tx.send(ReadEvent::Closed).await;
                        return;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let _ = tx.send(ReadEvent::Failed(e.to_string())).await;
                        return;
                    }
                }
            }
        });
        let state = sel.mechanism().open(&SessionParams {
            local: sel.local.clone(),
            remote: sel.remote.clone(),
            limits: limits.clone(),
        });
        Ok(Self {
            writer,
            events,
            state,
            local: sel.local.clone(),
            remote: sel.remote.clone(),
            deliveries: Vec::new(),
            peer_msg_ids: Vec::new(),
            strays: 0,
            closed: None,
            mechanism: sel.mechanism().clone(),
            limits: limits.clone(),
        })
    }

    /// The frame our session encodes for `message` (with `From`, `To`, `MsgID` filled in).
    ///
    /// # Errors
    /// When the message cannot be encoded.
    pub fn frame(&mut self, message: Message) -> Result<BytesMut, String> {
        self.frame_with_id(message).map(|(frame, _)| frame)
    }

    /// Writes and flushes `bytes`. Not cancel-safe: part may have been written.
    ///
    /// # Errors
    /// When the connection fails.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.writer.write_all(bytes).await.ctx("write")?;
        self.writer.flush().await.ctx("flush")
    }

    /// Writes `bytes` one at a time, flushing each. Not cancel-safe.
    ///
    /// # Errors
    /// When the connection fails.
    pub async fn write_bytewise(&mut self, bytes: &[u8]) -> Result<(), String> {
        for b in bytes {
            self.write(std::slice::from_ref(b)).await?;
        }
        Ok(())
    }

    /// The next message for our session within `limit`, processing delivery reports and
    /// sending any replies our session owes on the way. Not cancel-safe while it writes a
    /// reply.
    ///
    /// # Errors
    /// Nothing arrived in time, the peer sent a frame our session rejects, or a reply could
    /// not be written.
    pub async fn next(&mut self, limit: Duration) -> Result<Arrival, String> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(a) = self.step(deadline, limit).await? {
                return Ok(a);
            }
        }
    }

    /// Waits for the peer's delivery report on our message `id`. Not cancel-safe while it
    /// writes a reply.
    ///
    /// # Errors
    /// None within `limit`, or a message arrived first (the peer echoed something unexpected),
    /// or the connection ended.
    pub async fn delivery(
        &mut self,
        id: MessageId,
        limit: Duration,
    ) -> Result<DeliveryEvent, String> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(d) = self.deliveries.iter().find(|d| d.id == id) {
                return Ok(d.clone());
            }
            match self.step(deadline, limit).await {
                Ok(None) => {}
                Ok(Some(Arrival::Message(m))) => {
                    return Err(format!(
                        "a message arrived instead of a report: {:?}",
                        m.body
                    ));
                }
                Ok(Some(Arrival::Closed(why))) => return Err(why),
                Err(_) => {
                    return Err(format!(
                        "no delivery report for message {id} within {limit:?}"
                    ));
                }
            }
        }
    }

    /// Processes one event: `Some` for a message or the end, `None` for anything else.
    async fn step(
        &mut self,
        deadline: tokio::time::Instant,
        limit: Duration,
    ) -> Result<Option<Arrival>, String> {
        if let Some(why) = &self.closed {
            return Ok(Some(Arrival::Closed(why.clone())));
        }
        let event = tokio::time::timeout_at(deadline, self.events.recv())
            .await
            .map_err(|_| format!("nothing from the peer within {limit:?}"))?;
        let frame = match event {
            Some(ReadEvent::Frame(f)) => f,
            Some(ReadEvent::Closed) | None => {
                return Ok(Some(self.close("the peer closed the connection".into())));
            }
            Some(ReadEvent::Failed(e)) => return Ok(Some(self.close(e))),
        };
        if frame.key != self.state.key() {
            self.strays += 1;
            return Ok(None);
        }
        self.peer_msg_ids.push(
            frame
                .message
                .meta("MsgID")
                .and_then(|v| v.trim().parse().ok()),
        );
        let mut replies = BytesMut::new();
        let inbound = self
            .state
            .receive(frame.message, &mut replies)
            .map_err(|e| format!("the peer's frame: {e}"))?;
        if !replies.is_empty() {
            self.write(&replies).await?;
        }
        Ok(match inbound {
            Inbound::Message(m) => Some(Arrival::Message(m)),
            Inbound::Delivery(d) => {
                self.deliveries.push(d);
                None
            }
            _ => None,
        })
    }

    /// A frame for a session that does not exist on this connection: from a fresh URI, to a
    /// fresh URI, or to the peer's real URI when `to_peer` (a session is both URIs, so that is
    /// still nobody's).
    ///
    /// # Errors
    /// When the message cannot be encoded.
    pub fn stranger_frame(&self, message: Message, to_peer: bool) -> Result<BytesMut, String> {
        let stranger = SessionEnd {
            uri: self.mechanism.new_uri("stranger.invalid"),
            ..self.local.clone()
        };
        let nobody = if to_peer {
            self.remote.clone()
        } else {
            SessionEnd {
                uri: self.mechanism.new_uri("nobody.invalid"),
                ..self.remote.clone()
            }
        };
        let mut other = self.mechanism.open(&SessionParams {
            local: stranger,
            remote: nobody,
            limits: self.limits.clone(),
        });
        let mut buf = BytesMut::new();
        other.encode(message, &mut buf).ctx("encode")?;
        Ok(buf)
    }

    /// Encodes `message` and returns the frame and its id.
    ///
    /// # Errors
    /// When the message cannot be encoded.
    pub fn frame_with_id(&mut self, message: Message) -> Result<(BytesMut, MessageId), String> {
        let mut buf = BytesMut::new();
        let id = self.state.encode(message, &mut buf).ctx("encode")?;
        Ok((buf, id))
    }

    fn close(&mut self, why: String) -> Arrival {
        self.closed = Some(why.clone());
        Arrival::Closed(why)
    }

    /// Closes our side of the connection. Cancel-safe.
    ///
    /// # Errors
    /// When the shutdown fails.
    pub async fn shutdown(&mut self) -> Result<(), String> {
        self.writer.shutdown().await.ctx("shutdown")
    }
}
