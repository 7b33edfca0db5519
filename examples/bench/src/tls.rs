//! The raw-TLS baseline's configuration: TLS 1.3 only, the ring provider, a self-signed
//! certificate made with rcgen that the client trusts directly.

use std::sync::Arc;

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// The name the certificate is issued to and the client asks for.
pub const SERVER_NAME: &str = "localhost";

/// Server and client ends configured to talk to each other.
#[derive(Clone)]
pub struct TlsPair {
    /// The accepting side.
    pub acceptor: TlsAcceptor,
    /// The connecting side.
    pub connector: TlsConnector,
}

impl std::fmt::Debug for TlsPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsPair")
    }
}

/// The server name the connector verifies.
pub fn server_name() -> ServerName<'static> {
    ServerName::try_from(SERVER_NAME).expect("literal name")
}

/// A fresh self-signed certificate and both configs, TLS 1.3 with ring.
///
/// # Panics
/// When key generation or configuration fails (it does not with these fixed inputs).
pub fn tls_pair() -> TlsPair {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certified = rcgen::generate_simple_self_signed(vec![SERVER_NAME.to_owned()])
        .expect("self-signed certificate");
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let server = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3 with ring")
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .expect("server certificate");
    let mut roots = RootCertStore::empty();
    roots.add(cert).expect("trust our certificate");
    let client = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3 with ring")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsPair {
        acceptor: TlsAcceptor::from(Arc::new(server)),
        connector: TlsConnector::from(Arc::new(client)),
    }
}
