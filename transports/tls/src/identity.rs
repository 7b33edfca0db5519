//! [`Identity`]: our certificate chain and private key, and the fingerprint that goes into our
//! SDP.

use std::path::Path;
use std::sync::Arc;

use imsession::sdp::{Fingerprint, HashFunction};
use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::TlsError;
use crate::fingerprint::fingerprint;

/// Subject alternative name of generated self-signed certificates. Fingerprint checking never
/// looks at names; `.invalid` (RFC 6761) says the name means nothing.
pub const SELF_SIGNED_NAME: &str = "imsession.invalid";

/// Our certificate chain (end-entity first) and its private key.
///
/// Cheap to clone. The fingerprint written into our SDP is the SHA-256 of the end-entity
/// certificate.
///
/// ```
/// let identity = imsession_tls::Identity::self_signed().unwrap();
/// assert_eq!(identity.fingerprint().value.len(), 32);
/// ```
#[derive(Clone, Debug)]
pub struct Identity {
    certified: Arc<CertifiedKey>,
    fingerprint: Fingerprint,
}

impl Identity {
    /// A fresh self-signed certificate (ECDSA P-256, named [`SELF_SIGNED_NAME`]) and key.
    ///
    /// # Errors
    /// [`TlsError::Generate`] if key generation fails.
    pub fn self_signed() -> Result<Self, TlsError> {
        let key = rcgen::KeyPair::generate()?;
        let cert =
            rcgen::CertificateParams::new(vec![SELF_SIGNED_NAME.to_owned()])?.self_signed(&key)?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Self::new(vec![cert.der().clone()], der)
    }

    /// An identity from a certificate chain (end-entity first) and its private key (PKCS#8,
    /// PKCS#1 or SEC1; RSA, ECDSA or Ed25519).
    ///
    /// # Errors
    /// [`TlsError::NoCertificate`] for an empty chain; [`TlsError::Key`] when the key cannot
    /// be used or does not match the end-entity certificate.
    pub fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, TlsError> {
        let Some(end_entity) = chain.first() else {
            return Err(TlsError::NoCertificate);
        };
        let fingerprint =
            fingerprint(&HashFunction::Sha256, end_entity).expect("sha-256 is supported");
        let certified = CertifiedKey::from_der(chain, key, &provider()).map_err(TlsError::Key)?;
        Ok(Self {
            certified: Arc::new(certified),
            fingerprint,
        })
    }

    /// An identity from PEM text: `CERTIFICATE` blocks (end-entity first) and one private key
    /// block.
    ///
    /// # Errors
    /// [`TlsError::Pem`] when a block is malformed or missing; as [`Identity::new`].
    pub fn from_pem(certificates: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        Self::from_pem_named(certificates, "certificate", key, "private key")
    }

    /// An identity from a PEM certificate-chain file and a PEM private-key file (they may be
    /// the same file).
    ///
    /// # Errors
    /// [`TlsError::Read`] when a file cannot be read; as [`Identity::from_pem`].
    pub fn from_pem_files(
        certificates: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, TlsError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|source| TlsError::Read {
                path: p.to_owned(),
                source,
            })
        };
        let (c, k) = (certificates.as_ref(), key.as_ref());
        Self::from_pem_named(
            &read(c)?,
            &c.display().to_string(),
            &read(k)?,
            &k.display().to_string(),
        )
    }

    fn from_pem_named(
        certificates: &[u8],
        cert_what: &str,
        key: &[u8],
        key_what: &str,
    ) -> Result<Self, TlsError> {
        let pem_error = |what: &str, e: rustls_pki_types::pem::Error| TlsError::Pem {
            what: what.to_owned(),
            reason: match e {
                rustls_pki_types::pem::Error::NoItemsFound => "no PEM block found".to_owned(),
                other => other.to_string().to_lowercase(),
            },
        };
        let chain = CertificateDer::pem_slice_iter(certificates)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pem_error(cert_what, e))?;
        if chain.is_empty() {
            return Err(TlsError::Pem {
                what: cert_what.to_owned(),
                reason: "no CERTIFICATE block found".to_owned(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| pem_error(key_what, e))?;
        Self::new(chain, key)
    }

    /// The `sha-256` fingerprint of the end-entity certificate, as written into our SDP.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The certificate chain, end-entity first.
    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.certified.cert
    }

    pub(crate) fn certified(&self) -> Arc<CertifiedKey> {
        self.certified.clone()
    }
}

/// The crypto provider every config of this crate uses: rustls on *ring*.
pub(crate) fn provider() -> CryptoProvider {
    rustls::crypto::ring::default_provider()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_identities_differ() {
        let (a, b) = (
            Identity::self_signed().unwrap(),
            Identity::self_signed().unwrap(),
        );
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().hash, HashFunction::Sha256);
        assert_eq!(
            a.fingerprint(),
            &fingerprint(&HashFunction::Sha256, &a.certificates()[0]).unwrap()
        );
    }

    #[test]
    fn pem_round_trip() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a.example".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let id = Identity::from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
        assert_eq!(id.certificates()[0], *cert.der());
    }

    #[test]
    fn key_must_match_certificate() {
        let key = rcgen::KeyPair::generate().unwrap();
        let other = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a.example".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let err = Identity::from_pem(cert.pem().as_bytes(), other.serialize_pem().as_bytes())
            .unwrap_err();
        assert!(matches!(err, TlsError::Key(_)), "{err}");
    }

    #[test]
    fn pem_errors_say_what_was_missing() {
        let err = Identity::from_pem(b"", b"").unwrap_err();
        assert_eq!(err.to_string(), "certificate: no CERTIFICATE block found");
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a.example".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let pem = cert.pem();
        let err = Identity::from_pem(pem.as_bytes(), b"").unwrap_err();
        assert_eq!(err.to_string(), "private key: no PEM block found");
        let err =
            Identity::from_pem_files("/nonexistent/cert.pem", "/nonexistent/key.pem").unwrap_err();
        assert!(matches!(err, TlsError::Read { .. }), "{err}");
        assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
    }
}
