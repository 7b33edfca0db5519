//! Sans-IO codec for CPIM message sessions.
//!
//! Two layers, both pure functions over [`bytes`] buffers:
//!
//! - **Framing** (draft-campbell-simple-cpimmsg-sessions §5, §6.1): each message travels in an
//!   outer envelope `Content-Type: message/cpim` CRLF `Content-Length: N` CRLF CRLF followed by
//!   exactly N bytes. [`FrameDecoder`] extracts those N bytes from a byte stream, resumably and
//!   within [`CodecLimits`]; [`encode_envelope`] and [`encode_frame`] write them.
//! - **Message** (RFC 3862, draft-ietf-impp-cpim-msgfmt-08): the N bytes are meta-data headers,
//!   a blank line, inner MIME headers, a blank line and the payload. [`CpimMessage`] decodes and
//!   encodes them (undoing and applying the §2.3 escape mechanism) and offers typed accessors
//!   for From, To, cc, DateTime, Subject, NS, Require and the session MsgID header.
//!
//! [`DeliveryStatus`] handles message/im-delivery-status bodies (cpimmsg-sessions §6.3.1).
//!
//! ```
//! use bytes::BytesMut;
//! use imsession_cpim::codec::{CodecLimits, CpimMessage, FrameDecoder, Header, encode_frame};
//!
//! let mut msg = CpimMessage::new("text/plain", "hello");
//! msg.meta.push(Header::new("From", "<im:alice@example.com>"));
//! msg.meta.push(Header::new("MsgID", "1"));
//! let mut wire = BytesMut::new();
//! encode_frame(&msg, &mut wire);
//!
//! let limits = CodecLimits::default();
//! let mut decoder = FrameDecoder::new(limits);
//! let payload = decoder.decode(&mut wire).unwrap().unwrap();
//! let back = CpimMessage::decode(payload, &limits).unwrap();
//! assert_eq!(back, msg);
//! assert_eq!(back.msg_id(), Some("1"));
//! ```

mod accessors;
mod address;
mod datetime;
mod delivery;
mod error;
mod frame;
mod header;
mod limits;
mod message;
mod parts;

pub use accessors::Subject;
pub(crate) use address::address_uri;
pub use address::{Address, Namespace};
pub use datetime::format_date_time;
pub use delivery::{DELIVERY_STATUS_TYPE, DeliveryStatus};
pub use error::{CpimError, FrameError};
pub(crate) use frame::decimal;
pub use frame::{FrameDecoder, encode_envelope, encode_frame};
pub use header::{Header, check_header};
pub use limits::{CodecLimits, DEFAULT_MAX_GARBAGE, DEFAULT_MAX_HEADER_BLOCK, DEFAULT_MAX_MESSAGE};
pub use message::CpimMessage;
pub(crate) use message::Parts;
pub use parts::{HeaderRef, encode_frame_head, encode_frame_parts};

/// The media type of the outer envelope.
pub const CPIM_TYPE: &str = "message/cpim";
