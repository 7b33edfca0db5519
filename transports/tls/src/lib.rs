//! # imsession-tls
//!
//! The TLS transport for [imsession]: the `tls` in `cpim/tls`. TLS 1.3 (and 1.2
//! for interoperability) on rustls with the *ring* provider, layered over any stream
//! transport — TCP today — as a decorator: [`TlsTransport::new`]`(inner, identity)`.
//!
//! Each endpoint has an [`Identity`]: a fresh self-signed certificate by default
//! ([`Identity::self_signed`]), or one the user supplies ([`Identity::from_pem_files`],
//! [`Identity::new`]). Every description we write for a `tls` proto carries
//! `a=fingerprint:sha-256 …` (RFC 8122), and a peer's certificate is accepted only if it
//! matches a fingerprint of the peer's SDP, both ways: the active side (TLS client) checks the
//! server during the handshake and presents its own certificate; the passive side checks that
//! certificate against the SDP of the session the connection is bound to. So two endpoints
//! with self-signed certificates are authenticated by the SDP exchange alone, as long as that
//! exchange itself is (signalling integrity is the application's). With public certificates,
//! [`TlsTransport::with_roots`] verifies chains to trust anchors instead.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use imsession::{Endpoint, MediaOptions, Negotiator, ProtoToken};
//! use imsession_tls::{Identity, TlsTransport};
//! let negotiator = Negotiator::builder()
//!     .mechanism(imsession_cpim::CpimMechanism::new())
//!     .transport(TlsTransport::new(imsession_tcp::TcpTransport::new(), Identity::self_signed()?))
//!     .build();
//! let alice = Endpoint::new(negotiator);
//! let offer = alice.offer(&[MediaOptions::new(ProtoToken::parse("cpim/tls")?)]).await?;
//! assert!(offer.sdp.to_string().contains("a=fingerprint:sha-256 "));
//! # Ok(()) }
//! ```
//!
//! In the flow: the negotiator calls [`imsession::Transport::describe`] to add our
//! fingerprint, [`imsession::Endpoint::establish`] connects (checking the peer's certificate in
//! the handshake) or binds an accepted connection (calling
//! [`imsession::Transport::verify_peer`]), and connections are shared only between sessions
//! whose SDP names the same certificate.
#![forbid(unsafe_code)]

mod error;
mod fingerprint;
mod identity;
mod known;
mod transport;
mod verify;

pub use error::TlsError;
pub use fingerprint::{FingerprintMismatch, PREFERRED_HASHES, fingerprint};
pub use identity::{Identity, SELF_SIGNED_NAME};
pub use transport::{FALLBACK_SERVER_NAME, NAME, TlsTransport};

pub use rustls::RootCertStore;
pub use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
