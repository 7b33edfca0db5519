//! [`TlsError`]: what can go wrong building an identity or a transport (handshake failures are
//! [`imsession::TransportError`]s, since they happen inside the transport).

use std::io;
use std::path::PathBuf;

use imsession::TransportError;
use rustls::CertificateError;

use crate::fingerprint::FingerprintMismatch;

/// An identity or trust configuration could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// PEM text did not hold what was asked for.
    #[error("{what}: {reason}")]
    Pem {
        /// What was being read (`certificate`, `private key`, or a file name).
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The certificate chain is empty.
    #[error("no certificate in the chain")]
    NoCertificate,
    /// The private key is unusable or does not match the certificate.
    #[error("private key: {0}")]
    Key(rustls::Error),
    /// A self-signed certificate could not be generated.
    #[error("generate certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// The trust anchors cannot verify anything (for example an empty root store).
    #[error("trust anchors: {0}")]
    Roots(String),
}

/// A handshake failure as a transport error: certificate refusals (ours or the peer's) are
/// [`TransportError::IdentityMismatch`], the rest I/O errors.
pub(crate) fn handshake_error(e: io::Error, peer: &str) -> TransportError {
    let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) else {
        return TransportError::io(format!("tls handshake with {peer}"), e);
    };
    let refused = |what: String| TransportError::IdentityMismatch(format!("{peer}: {what}"));
    match tls {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => {
            match other.0.downcast_ref::<FingerprintMismatch>() {
                Some(m) => refused(m.to_string()),
                None => refused(tls.to_string()),
            }
        }
        rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
            refused(tls.to_string())
        }
        rustls::Error::AlertReceived(alert) if is_certificate_alert(*alert) => {
            refused(format!("peer refused our certificate ({alert:?})"))
        }
        _ => TransportError::io(format!("tls handshake with {peer}"), e),
    }
}

fn is_certificate_alert(alert: rustls::AlertDescription) -> bool {
    use rustls::AlertDescription as A;
    matches!(
        alert,
        A::BadCertificate
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::CertificateUnknown
            | A::UnknownCA
            | A::CertificateRequired
            | A::AccessDenied
    )
}
