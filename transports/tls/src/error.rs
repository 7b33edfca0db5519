//! [`TlsError`]: what can go wrong building an identity or a transport (handshake failures are
//! [`imsession::TransportError`]s, since they happen inside the transport).

use std::path::PathBuf;

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
