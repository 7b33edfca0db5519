//! # imsession-jsonl
//!
//! An example session mechanism written the way a third party would write one: messages as
//! JSON lines under the proto token `jsonl/tcp` (or `jsonl/<any transport>`), registered into
//! the negotiator by value and proven by the shared conformance suite. Its README is the guide
//! to writing a plug-in.
//!
//! ```
//! use imsession::Negotiator;
//! use imsession_jsonl::JsonlMechanism;
//! let negotiator = Negotiator::builder()
//!     .mechanism(JsonlMechanism::new())
//!     .transport(imsession_tcp::TcpTransport::new())
//!     .build();
//! assert_eq!(negotiator.protos()[0].as_str(), "jsonl/tcp");
//! ```
//!
//! Where it fits the flow: the negotiator asks [`JsonlMechanism`] to write and read its m-line
//! (`m=message <port> jsonl/tcp text/plain` + `a=uri:`), the framework connects and shares
//! connections, [`JsonlDecoder`] cuts the connection's bytes into frames, and each session's
//! [`JsonlSession`] encodes outgoing messages and interprets incoming ones.
//!
//! The wire format, one message per line (UTF-8, `\n`-terminated):
//!
//! ```text
//! {"to":"jsonl:…@bob","from":"jsonl:…@alice","id":1,"type":"text/plain","headers":[["Content-Language","en"]],"body":"hello"}
//! ```
#![forbid(unsafe_code)]

mod decoder;
mod mechanism;
mod session;
mod wire;

pub use decoder::JsonlDecoder;
pub use mechanism::{JsonlMechanism, NAME};
pub use session::JsonlSession;
pub use wire::Line;
