//! The rustls certificate verifiers: the active side checks the server's certificate against
//! the fingerprints of the peer's SDP (and/or a CA chain); the passive side requires a client
//! certificate, checks its handshake signature, and leaves the fingerprint check to
//! [`imsession::Transport::verify_peer`], since which SDP applies is only known once the
//! connection is matched to a session.

use std::sync::Arc;

use imsession::sdp::Fingerprint;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, Error, OtherError, SignatureScheme,
};

use crate::fingerprint::check;

/// Active side: accepts the server's certificate only if it matches one of `fingerprints`
/// (when any are given) and chains to a trust anchor valid for the server name (when `chain`
/// is given). At least one of the two is always set.
#[derive(Debug)]
pub(crate) struct ServerCheck {
    pub(crate) fingerprints: Vec<Fingerprint>,
    pub(crate) chain: Option<Arc<WebPkiServerVerifier>>,
    pub(crate) algorithms: WebPkiSupportedAlgorithms,
}

/// A fingerprint mismatch as the rustls error that aborts the handshake; the transport
/// recovers the [`crate::FingerprintMismatch`] from it.
fn refused(der: &[u8], fingerprints: &[Fingerprint]) -> Result<(), Error> {
    check(fingerprints, der)
        .map_err(|m| Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(m)))))
}

impl ServerCertVerifier for ServerCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if let Some(chain) = &self.chain {
            chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)?;
        } else {
            // Fingerprint mode: the fingerprint is the identity; names, dates and issuers of a
            // self-signed certificate mean nothing. It must still be a certificate.
            ParsedCertificate::try_from(end_entity)?;
        }
        if !self.fingerprints.is_empty() {
            refused(end_entity, &self.fingerprints)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Passive side in fingerprint mode: a client certificate is required and its handshake
/// signature verified (so the client holds its key), but any certificate is accepted here:
/// the connection's peer is checked against the SDP of the session it is bound to.
#[derive(Debug)]
pub(crate) struct AnyClientCertificate {
    pub(crate) algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for AnyClientCertificate {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        ParsedCertificate::try_from(end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
