//! Micro-benchmark workloads, shared by the harness (which times them with [`time_per_op`])
//! and by the divan benches (`cargo bench -p imsession-bench`): negotiating the founding
//! offer, and cpim encode/decode through the mechanism's public plug-in API.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use imsession::sdp::SessionDescription;
use imsession::{
    AnswerOptions, FrameDecoder, Limits, LocalAddress, MechanismSession, MediaRange, Message,
    Negotiator, SessionEnd, SessionMechanism, SessionParams,
};
use imsession_cpim::CpimMechanism;

use crate::sessions::negotiator;

/// The founding draft's offer (draft-campbell-simple-im-sessions-00 §5, A's offer), from the
/// conformance vectors.
pub const FOUNDING_OFFER: &str =
    include_str!("../../../conformance/vectors/sdp/im-sessions-5-offer.sdp");

/// Body sizes the cpim micro-benchmarks use.
pub const CPIM_SIZES: [usize; 3] = [64, 1024, 1 << 20];

/// Parse, answer and write the founding offer, as an answerer would on receiving it.
pub struct Negotiation {
    negotiator: Negotiator,
    local: LocalAddress,
    opts: AnswerOptions,
}

impl std::fmt::Debug for Negotiation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Negotiation")
    }
}

impl Default for Negotiation {
    fn default() -> Self {
        Self {
            negotiator: negotiator(Limits::default()),
            local: LocalAddress::new("bob.example.com").with_port("tcp", 8493),
            opts: AnswerOptions::default(),
        }
    }
}

impl Negotiation {
    /// One negotiation: the answer's SDP text.
    ///
    /// # Panics
    /// When the offer does not parse or is refused.
    pub fn run(&self, offer: &str) -> String {
        let sdp = SessionDescription::parse(offer).expect("offer parses");
        let answer = self
            .negotiator
            .answer(&sdp, &self.opts, &self.local)
            .expect("answer");
        assert_eq!(answer.selections.len(), 1, "one session negotiated");
        answer.sdp.to_string()
    }
}

fn session_end(uri: &str) -> SessionEnd {
    SessionEnd {
        uri: uri.to_owned(),
        accepts: vec![MediaRange::any()],
        max_size: None,
    }
}

/// A cpim session's encoder and the connection decoder, with a message of `len` bytes.
pub struct CpimCodec {
    session: Box<dyn MechanismSession>,
    decoder: Box<dyn FrameDecoder>,
    message: Message,
    buf: BytesMut,
}

impl std::fmt::Debug for CpimCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CpimCodec")
            .field("len", &self.message.body.len())
            .finish_non_exhaustive()
    }
}

impl CpimCodec {
    /// Session state between two URIs of the length [`CpimMechanism`] mints, and a
    /// `text/plain` message of `len` bytes.
    pub fn new(len: usize) -> Self {
        let mech = CpimMechanism::new();
        let limits = Limits::default();
        let params = SessionParams {
            local: session_end(&mech.new_uri("alice.example.com")),
            remote: session_end(&mech.new_uri("bob.example.com")),
            limits: limits.clone(),
        };
        Self {
            session: mech.open(&params),
            decoder: mech.decoder(&limits),
            message: Message::new(mime::TEXT_PLAIN, Bytes::from(vec![b'x'; len])),
            buf: BytesMut::new(),
        }
    }

    /// Encodes the message as one frame into a reused buffer; returns the frame's length.
    ///
    /// # Panics
    /// When encoding fails.
    pub fn encode(&mut self) -> usize {
        self.buf.clear();
        self.session
            .encode(self.message.clone(), &mut self.buf)
            .expect("encode");
        self.buf.len()
    }

    /// `n` encoded frames back to back, as a connection would carry them.
    pub fn wire(&mut self, n: usize) -> BytesMut {
        let mut wire = BytesMut::new();
        for _ in 0..n {
            self.session
                .encode(self.message.clone(), &mut wire)
                .expect("encode");
        }
        wire
    }

    /// Decodes every frame in `wire`; returns how many.
    ///
    /// # Panics
    /// On a decoding error or a leftover partial frame.
    pub fn decode_all(&mut self, wire: &mut BytesMut) -> usize {
        let mut n = 0;
        while let Some(frame) = self.decoder.decode(wire).expect("decode") {
            assert_eq!(frame.message.body.len(), self.message.body.len());
            n += 1;
        }
        assert!(wire.is_empty(), "partial frame left");
        n
    }
}

/// Times `op` (which performs `ops` operations per call on a fresh `input`), repeating it
/// for about `budget`, and returns the median time per operation. `input` is made outside
/// the timed part.
pub fn time_per_op<I>(
    budget: Duration,
    ops: usize,
    mut input: impl FnMut() -> I,
    mut op: impl FnMut(I),
) -> Duration {
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < 5 || start.elapsed() < budget {
        let i = input();
        let t = Instant::now();
        op(i);
        samples.push(t.elapsed() / ops as u32);
    }
    samples.sort_unstable();
    samples[samples.len() / 2]
}
