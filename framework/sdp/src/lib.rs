//! Sans-IO SDP (RFC 4566) model, parser and writer for imsession.
//!
//! imsession negotiates instant-message sessions with an SDP offer/answer
//! exchange. This crate is the pure data layer of that negotiation: it turns
//! description text into a [`SessionDescription`] and back, with typed access
//! to the attributes message sessions rely on:
//!
//! * `a=setup` and `a=connection` (RFC 4145, comedia-10): [`Setup`], [`ConnectionMode`];
//! * the legacy `a=direction` with its optional source address (comedia-04 §4):
//!   [`LegacyDirection`];
//! * `a=uri`, `a=path`, `a=accept-types`, `a=accept-wrapped-types`, `a=max-size`
//!   (message-sessions);
//! * `a=fingerprint` (RFC 8122): [`Fingerprint`];
//! * `a=sendrecv` / `sendonly` / `recvonly` / `inactive`: [`MediaDirection`].
//!
//! Every other attribute and line type is kept verbatim and in order, so a
//! description survives parse and write unchanged apart from CRLF line
//! endings and the canonical spelling of typed attributes. The parser
//! enforces RFC 4566 line order, requires `v=0`, `o=` and `s=` (but not
//! `t=`), and bounds its input ([`MAX_DESCRIPTION_LEN`], [`MAX_LINES`],
//! [`MAX_MEDIA`]). Errors name the offending line.
//!
//! There is no I/O and no async here; the imsession negotiator builds offers
//! and answers with this crate and carries them over its own signalling.
//!
//! # Example
//!
//! The founding draft's offer, wrapped in the required `v=`, `o=`, `s=` lines:
//!
//! ```
//! use imsession_sdp::{LegacyRole, SessionDescription, Setup};
//!
//! let offer = "v=0\r\n\
//!              o=alice 2890844526 2890844526 IN IP4 alice.example.com\r\n\
//!              s=-\r\n\
//!              c=IN IP4 alice.example.com\r\n\
//!              t=0 0\r\n\
//!              m=message 7394 cpim/tcp text/plain\r\n\
//!              a=setup:actpass\r\n\
//!              a=direction:both\r\n\
//!              a=uri:im:2s93i9@alice.example.com\r\n";
//!
//! let sd: SessionDescription = offer.parse()?;
//! let media = &sd.media()[0];
//! assert_eq!(media.setup(), Some(Setup::ActPass));
//! assert_eq!(media.direction().map(|d| d.role), Some(LegacyRole::Both));
//! assert_eq!(media.uri(), Some("im:2s93i9@alice.example.com"));
//! assert_eq!(sd.to_string(), offer);
//! # Ok::<(), imsession_sdp::ParseError>(())
//! ```
#![forbid(unsafe_code)]

mod attribute;
mod comedia;
mod connection;
mod description;
mod error;
mod fingerprint;
mod line;
mod media;
mod origin;
mod parse;
mod syntax;
mod write;

pub use attribute::{Attribute, MediaDirection};
pub use comedia::{ConnectionMode, LegacyAddress, LegacyDirection, LegacyRole, Setup};
pub use connection::{AddrType, Connection};
pub use description::SessionDescription;
pub use error::{ParseError, ParseErrorKind};
pub use fingerprint::{Fingerprint, HashFunction};
pub use line::{Bandwidth, Line, Timing};
pub use media::MediaDescription;
pub use origin::Origin;
pub use parse::{MAX_DESCRIPTION_LEN, MAX_LINES, MAX_MEDIA};
