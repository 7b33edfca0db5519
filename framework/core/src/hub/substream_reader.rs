//! The reader task of a multi-stream connection ([`crate::substreams`]): one frame decoder
//! per inbound sub-stream, frames routed by session key as on a byte stream, under the same
//! limits as [`super::read_loop`].

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;

use super::connection::Shared;
use super::reader::{
    LastRoute, ReadLimits, count_discarded, deliver, framing_error, read_by_deadline,
};
use crate::error::SessionError;
use crate::mechanism::FrameDecoder;
use crate::substreams::SubStreamRead;

/// What the reader keeps per inbound sub-stream.
struct Inbound {
    decoder: Box<dyn FrameDecoder>,
    buf: BytesMut,
    /// The decoder's discarded-byte count already added to the counters.
    discarded: u64,
    /// When the frame being received on this sub-stream began arriving.
    started: Option<Instant>,
}

/// Reads chunks of every inbound sub-stream, decodes each sub-stream with its own decoder and
/// routes frames by session key. Runs until the peer closes, an error, a framing error or a
/// limit; then ends every session.
pub(crate) async fn read_substreams(
    shared: Arc<Shared>,
    mut io: Box<dyn SubStreamRead>,
    new_decoder: impl Fn() -> Box<dyn FrameDecoder>,
    limits: ReadLimits,
) {
    let mut inbound: HashMap<u16, Inbound> = HashMap::new();
    let mut last = LastRoute::default();
    loop {
        // A frame stalled mid-way on any sub-stream ends the connection, as on a byte stream.
        let oldest = inbound.values().filter_map(|s| s.started).min();
        let read = poll_fn(|cx| io.poll_read(cx));
        let Some(result) = read_by_deadline(&shared, oldest, &limits, read).await else {
            return;
        };
        let (id, chunk) = match result {
            Ok(Some(item)) => item,
            Ok(None) => {
                let buffered: usize = inbound.values().map(|s| s.buf.len()).sum();
                let cut = inbound
                    .values()
                    .any(|s| !s.buf.is_empty() || s.decoder.is_mid_frame());
                let error = cut.then_some(SessionError::Truncated { buffered });
                // The peer is done: write what is queued, then close our side too.
                shared.close();
                return shared.end_all(error);
            }
            Err(e) => return shared.end_all(Some(SessionError::Connection(e.to_string()))),
        };
        let stream = inbound.entry(id).or_insert_with(|| Inbound {
            decoder: new_decoder(),
            buf: BytesMut::new(),
            discarded: 0,
            started: None,
        });
        // Reserve what the frame being decoded still needs, so a large frame is not copied
        // while its buffer doubles.
        stream
            .buf
            .reserve(stream.decoder.reserve_hint().max(chunk.len()));
        stream.buf.extend_from_slice(&chunk);
        loop {
            match stream.decoder.decode(&mut stream.buf) {
                Ok(Some(frame)) => {
                    stream.started = None;
                    if let Err(e) = deliver(&shared, frame, &limits, &mut last).await {
                        return shared.fail(e);
                    }
                }
                Ok(None) => break,
                Err(e) => return shared.fail(framing_error(&shared, stream.decoder.as_ref(), e)),
            }
        }
        count_discarded(&shared, stream.decoder.as_ref(), &mut stream.discarded);
        if stream.buf.is_empty() && !stream.decoder.is_mid_frame() {
            stream.started = None;
        } else {
            stream.started.get_or_insert_with(Instant::now);
        }
    }
}
