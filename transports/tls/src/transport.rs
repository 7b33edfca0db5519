//! [`TlsTransport`]: TLS layered over any stream [`Transport`].

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use imsession::sdp::{Attribute, Fingerprint, HashFunction, MediaDescription};
use imsession::{
    Accepting, ByteStream, Connection, ConnectionIo, Listener, PeerIdentity, Target, Transport,
    TransportError,
};
use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::server::{NoServerSessionStorage, WebPkiClientVerifier};
use rustls::sign::SingleCertAndKey;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::error::{TlsError, handshake_error};
use crate::fingerprint::{check, check_found, expected, no_usable_fingerprint, sha256};
use crate::identity::{Identity, provider};
use crate::known::{Holding, KnownCertificates};
use crate::verify::{AnyClientCertificate, ServerCheck};

/// The transport name, as it appears in proto tokens (`cpim/tls`).
pub const NAME: &str = "tls";

/// Server name sent when the peer's host is neither a DNS name nor an address. Fingerprint
/// mode never checks names.
pub const FALLBACK_SERVER_NAME: &str = "imsession.invalid";

/// TLS versions offered, preferred first: 1.3, and 1.2 for interoperability.
const VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// TLS over another stream transport (TCP now, SCTP later): a decorator that runs a handshake
/// on each connection the inner transport makes or accepts.
///
/// Both ends present a certificate. By default ([`TlsTransport::new`]) a peer's certificate is
/// accepted only if its fingerprint matches an `a=fingerprint` of the peer's SDP: the active
/// side checks during the handshake; the passive side, which cannot know which SDP an incoming
/// connection belongs to until a session is bound to it, checks in
/// [`Transport::verify_peer`], so a connection whose certificate does not match is never given
/// the session. With [`TlsTransport::with_roots`] the peer's chain is verified against trust
/// anchors instead, and fingerprints are checked only when the SDP has some.
///
/// Neither side sends or accepts session tickets (sessions are never resumed), so a closing
/// peer leaves no unread TLS record behind that would make its kernel reset the connection.
///
/// ```
/// use imsession::Negotiator;
/// use imsession_tls::{Identity, TlsTransport};
/// # #[derive(Clone)] struct Tcp; // stands in for imsession_tcp::TcpTransport
/// # #[async_trait::async_trait] impl imsession::Transport for Tcp {
/// #   fn name(&self) -> &str { "tcp" }
/// #   async fn listen(&self, _: &str, _: u16) -> Result<Box<dyn imsession::Listener>, imsession::TransportError> { unimplemented!() }
/// #   async fn connect(&self, _: &imsession::Target) -> Result<imsession::Connection, imsession::TransportError> { unimplemented!() }
/// # }
/// let tls = TlsTransport::new(Tcp, Identity::self_signed().unwrap());
/// println!("a=fingerprint:{}", tls.identity().fingerprint());
/// let negotiator = Negotiator::builder().transport(tls).build();
/// assert!(negotiator.transport("tls").is_some());
/// ```
pub struct TlsTransport<T> {
    inner: T,
    identity: Identity,
    provider: Arc<CryptoProvider>,
    acceptor: TlsAcceptor,
    ca: Option<Ca>,
    known: Arc<KnownCertificates>,
}

struct Ca {
    server: Arc<WebPkiServerVerifier>,
    server_name: Option<ServerName<'static>>,
}

impl<T> std::fmt::Debug for TlsTransport<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTransport")
            .field("fingerprint", &self.identity.fingerprint().to_string())
            .field("certificate_authority", &self.ca.is_some())
            .finish_non_exhaustive()
    }
}

impl<T: Transport> TlsTransport<T> {
    /// TLS over `inner` presenting `identity`, peers authenticated by the `a=fingerprint` of
    /// their SDP.
    pub fn new(inner: T, identity: Identity) -> Self {
        let provider = Arc::new(provider());
        let any = Arc::new(AnyClientCertificate {
            algorithms: provider.signature_verification_algorithms,
        });
        let acceptor = acceptor(&provider, &identity, any);
        Self {
            inner,
            identity,
            provider,
            acceptor,
            ca: None,
            known: Arc::default(),
        }
    }

    /// TLS over `inner` presenting `identity`, peers authenticated by a certificate chain to
    /// one of `roots` (both ways: the passive side requires a client certificate chained to
    /// them too). The active side checks the server's certificate for the `c=` host of the
    /// peer's SDP unless [`TlsTransport::server_name`] sets another name. `a=fingerprint` is
    /// not required; when the peer's SDP has one, it is checked as well.
    ///
    /// # Errors
    /// [`TlsError::Roots`] when `roots` is empty.
    pub fn with_roots(
        inner: T,
        identity: Identity,
        roots: RootCertStore,
    ) -> Result<Self, TlsError> {
        let provider = Arc::new(provider());
        let roots = Arc::new(roots);
        let roots_error =
            |e: rustls::server::VerifierBuilderError| TlsError::Roots(e.to_string().to_lowercase());
        let server = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(roots_error)?;
        let client = WebPkiClientVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(roots_error)?;
        let acceptor = acceptor(&provider, &identity, client);
        Ok(Self {
            inner,
            identity,
            provider,
            acceptor,
            ca: Some(Ca {
                server,
                server_name: None,
            }),
            known: Arc::default(),
        })
    }

    /// With trust anchors: the name the server's certificate must be valid for, instead of
    /// the peer's `c=` host. Without trust anchors, names are not checked and this does
    /// nothing.
    pub fn server_name(mut self, name: ServerName<'static>) -> Self {
        if let Some(ca) = &mut self.ca {
            ca.server_name = Some(name);
        }
        self
    }

    /// Our identity; its fingerprint is what [`Transport::describe`] writes.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    fn client_config(&self, fingerprints: Vec<Fingerprint>) -> ClientConfig {
        let check = ServerCheck {
            fingerprints,
            chain: self.ca.as_ref().map(|ca| ca.server.clone()),
            algorithms: self.provider.signature_verification_algorithms,
        };
        let mut config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(VERSIONS)
            .expect("the ring provider supports tls 1.2 and 1.3")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(check))
            .with_client_cert_resolver(Arc::new(SingleCertAndKey::from(self.identity.certified())));
        config.resumption = Resumption::disabled();
        config.enable_sni = self.ca.is_some();
        config
    }

    fn server_name_for(&self, target: &Target) -> Result<ServerName<'static>, TransportError> {
        let host = target.host.trim_start_matches('[').trim_end_matches(']');
        let parsed = ServerName::try_from(host.to_owned());
        match &self.ca {
            Some(Ca {
                server_name: Some(name),
                ..
            }) => Ok(name.clone()),
            Some(_) => parsed.map_err(|_| {
                TransportError::Config(format!(
                    "{host} is not a name a certificate can be checked for"
                ))
            }),
            None => Ok(parsed.unwrap_or_else(|_| {
                ServerName::try_from(FALLBACK_SERVER_NAME).expect("a valid dns name")
            })),
        }
    }
}

fn acceptor(
    provider: &Arc<CryptoProvider>,
    identity: &Identity,
    clients: Arc<dyn rustls::server::danger::ClientCertVerifier>,
) -> TlsAcceptor {
    let mut config = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(VERSIONS)
        .expect("the ring provider supports tls 1.2 and 1.3")
        .with_client_cert_verifier(clients)
        .with_cert_resolver(Arc::new(SingleCertAndKey::from(identity.certified())));
    // No resumption: no tickets (which a peer that never reads would leave unread, making its
    // close a reset) and no session cache.
    config.send_tls13_tickets = 0;
    config.session_storage = Arc::new(NoServerSessionStorage {});
    TlsAcceptor::from(Arc::new(config))
}

/// The inner connection's byte stream.
fn stream(io: ConnectionIo) -> Result<Box<dyn ByteStream>, TransportError> {
    match io {
        ConnectionIo::Stream(s) => Ok(s),
        _ => Err(TransportError::Config(
            "tls needs a transport that carries one byte stream".to_owned(),
        )),
    }
}

/// The peer's end-entity certificate, copied out of the finished handshake once.
fn peer_certificate(tls: &rustls::CommonState) -> Option<CertificateDer<'static>> {
    let end_entity = tls.peer_certificates()?.first()?;
    Some(end_entity.clone().into_owned())
}

/// The finished connection: the peer is its address and certificate.
fn connection<S: ByteStream>(
    known: &Arc<KnownCertificates>,
    io: S,
    certificate: Option<CertificateDer<'static>>,
    addr: SocketAddr,
    local_addr: SocketAddr,
) -> Result<Connection, TransportError> {
    let der = certificate
        .ok_or_else(|| TransportError::IdentityMismatch(format!("{addr}: no certificate")))?;
    let digest = sha256(&der);
    let held = known.remember(digest, der);
    Ok(Connection {
        io: ConnectionIo::Stream(Box::new(Holding {
            io,
            _certificate: held,
        })),
        peer: PeerIdentity {
            addr,
            certificate_sha256: Some(digest),
        },
        local_addr,
    })
}

#[async_trait]
impl<T: Transport> Transport for TlsTransport<T> {
    fn name(&self) -> &str {
        NAME
    }

    async fn listen(&self, host: &str, port: u16) -> Result<Box<dyn Listener>, TransportError> {
        Ok(Box::new(TlsListener {
            inner: self.inner.listen(host, port).await?,
            acceptor: self.acceptor.clone(),
            known: self.known.clone(),
        }))
    }

    /// Connects with the inner transport and runs the TLS handshake as the client.
    ///
    /// # Errors
    /// [`TransportError::Config`] when the peer's SDP has no usable `a=fingerprint` (and no
    /// trust anchors are configured); [`TransportError::IdentityMismatch`] when the server's
    /// certificate does not match it (naming both fingerprints) or does not chain to a trust
    /// anchor, or the server refused ours; the inner transport's errors.
    async fn connect(&self, target: &Target) -> Result<Connection, TransportError> {
        let fingerprints = expected(&target.media);
        if fingerprints.is_empty() && self.ca.is_none() {
            return Err(TransportError::Config(format!(
                "{target}: {}",
                no_usable_fingerprint(&target.media)
            )));
        }
        let name = self.server_name_for(target)?;
        let config = self.client_config(fingerprints);
        let conn = self.inner.connect(target).await?;
        let tls = TlsConnector::from(Arc::new(config))
            .connect(name, stream(conn.io)?)
            .await
            .map_err(|e| handshake_error(e, &target.to_string()))?;
        let certificate = peer_certificate(tls.get_ref().1);
        connection(
            &self.known,
            tls,
            certificate,
            conn.peer.addr,
            conn.local_addr,
        )
    }

    fn describe(&self, media: &mut MediaDescription) {
        media.push_attribute(Attribute::Fingerprint(self.identity.fingerprint().clone()));
    }

    fn verify_peer(
        &self,
        remote: &MediaDescription,
        peer: &PeerIdentity,
    ) -> Result<(), TransportError> {
        let refused =
            |what: String| TransportError::IdentityMismatch(format!("{}: {what}", peer.addr));
        let Some(sha) = peer.certificate_sha256 else {
            return Err(refused("presented no certificate".to_owned()));
        };
        let expected = expected(remote);
        if expected.is_empty() {
            return if self.ca.is_some() {
                Ok(())
            } else {
                Err(refused(no_usable_fingerprint(remote)))
            };
        }
        let outcome = if expected[0].hash == HashFunction::Sha256 {
            check_found(
                &expected,
                Fingerprint::new(HashFunction::Sha256, sha.to_vec()),
            )
        } else {
            let Some(der) = self.known.get(&sha) else {
                return Err(refused(format!(
                    "certificate no longer known, cannot compute its {} fingerprint",
                    expected[0].hash
                )));
            };
            check(&expected, &der)
        };
        outcome.map_err(|m| refused(m.to_string()))
    }
}

struct TlsListener {
    inner: Box<dyn Listener>,
    acceptor: TlsAcceptor,
    known: Arc<KnownCertificates>,
}

#[async_trait]
impl Listener for TlsListener {
    fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr()
    }

    async fn accept(&self) -> Result<Accepting, TransportError> {
        let accepting = self.inner.accept().await?;
        let acceptor = self.acceptor.clone();
        let known = self.known.clone();
        Ok(Box::pin(async move {
            let conn = accepting.await?;
            let addr = conn.peer.addr;
            let tls = acceptor
                .accept(stream(conn.io)?)
                .await
                .map_err(|e| handshake_error(e, &addr.to_string()))?;
            let certificate = peer_certificate(tls.get_ref().1);
            connection(&known, tls, certificate, addr, conn.local_addr)
        }))
    }
}
