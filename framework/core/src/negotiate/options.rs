//! What the application asks for when offering or answering.

use std::collections::HashMap;

use imsession_sdp::ConnectionMode;
use mime::Mime;

use super::comedia::{Dialect, SetupPreference};
use crate::proto::ProtoToken;

/// One m-line to offer.
#[derive(Clone, Debug)]
pub struct MediaOptions {
    /// The proto token (`cpim/tcp`).
    pub proto: ProtoToken,
    /// The types we accept, in order of preference. For cpim, `text/plain` is added first if
    /// missing (cpimmsg-sessions §4.1 requires it).
    pub accept: Vec<Mime>,
    /// What we offer about who connects (default: either, `actpass`/`both`).
    pub setup: SetupPreference,
    /// Which COMEDIA attribute family to write (default RFC 4145 `a=setup`).
    pub dialect: Dialect,
    /// `a=connection:new` (default) or `existing`.
    pub connection: ConnectionMode,
}

impl MediaOptions {
    /// Offer `proto` accepting `text/plain`, either role, RFC 4145 dialect, new connection.
    pub fn new(proto: ProtoToken) -> Self {
        Self {
            proto,
            accept: vec![mime::TEXT_PLAIN],
            setup: SetupPreference::Either,
            dialect: Dialect::Setup,
            connection: ConnectionMode::New,
        }
    }

    /// Sets the accepted types.
    pub fn accept(mut self, accept: Vec<Mime>) -> Self {
        self.accept = accept;
        self
    }

    /// Sets the setup preference.
    pub fn setup(mut self, setup: SetupPreference) -> Self {
        self.setup = setup;
        self
    }

    /// Sets the COMEDIA dialect.
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// Sets `a=connection`.
    pub fn connection(mut self, connection: ConnectionMode) -> Self {
        self.connection = connection;
        self
    }
}

/// How to answer.
#[derive(Clone, Debug)]
pub struct AnswerOptions {
    /// The types we accept. Our list need not be a subset of the offer's.
    pub accept: Vec<Mime>,
    /// Our choice when the offer lets us choose (default: connect, as the founding drafts'
    /// example does).
    pub setup: SetupPreference,
}

impl Default for AnswerOptions {
    fn default() -> Self {
        Self {
            accept: vec![mime::TEXT_PLAIN],
            setup: SetupPreference::Either,
        }
    }
}

/// The address we advertise: the host for `c=` and `o=`, and the listening port of each
/// transport (by transport name) for m-lines where we may accept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalAddress {
    /// Host name or address literal.
    pub host: String,
    /// Listening port per transport name (lowercase).
    pub ports: HashMap<String, u16>,
}

impl LocalAddress {
    /// An address with no listening ports yet.
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            ports: HashMap::new(),
        }
    }

    /// Adds a transport's listening port.
    pub fn with_port(mut self, transport: &str, port: u16) -> Self {
        self.ports.insert(transport.to_ascii_lowercase(), port);
        self
    }

    pub(crate) fn port_for(&self, transport: &str) -> Option<u16> {
        self.ports.get(&transport.to_ascii_lowercase()).copied()
    }
}
