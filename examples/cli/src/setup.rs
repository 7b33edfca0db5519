//! Building the negotiator and turning command-line values into library options.

use clap::{Args, ValueEnum};
use imsession::{Dialect, LocalAddress, MediaOptions, Negotiator, ProtoToken, SetupPreference};
use imsession_cpim::CpimMechanism;
use imsession_sctp::SctpTransport;
use imsession_tcp::TcpTransport;
use imsession_tls::TlsTransport;
use mime::Mime;

use crate::CliResult;
use crate::tls_args::TlsArgs;

/// The negotiator of commands without certificate options: as [`negotiator_with`], with a
/// fresh self-signed certificate for tls.
pub(crate) fn negotiator() -> CliResult<Negotiator> {
    negotiator_with(&TlsArgs::default())
}

/// The negotiator every command uses: the cpim mechanism over the tcp and sctp transports,
/// and over the tls transport (on tcp) presenting the certificate `tls` names.
pub(crate) fn negotiator_with(tls: &TlsArgs) -> CliResult<Negotiator> {
    Ok(Negotiator::builder()
        .mechanism(CpimMechanism::new())
        .transport(TcpTransport::new())
        .transport(SctpTransport::new())
        .transport(TlsTransport::new(TcpTransport::new(), tls.identity()?))
        .build())
}

/// The supported proto tokens, space separated, for error messages.
pub(crate) fn supported(negotiator: &Negotiator) -> String {
    negotiator
        .protos()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `text` as a proto token the negotiator serves.
pub(crate) fn proto(negotiator: &Negotiator, text: &str) -> CliResult<ProtoToken> {
    let supported_list = supported(negotiator);
    let token =
        ProtoToken::parse(text).map_err(|e| format!("{e}; supported protos: {supported_list}"))?;
    if negotiator.protos().contains(&token) {
        Ok(token)
    } else {
        Err(format!("unsupported proto {token}; supported protos: {supported_list}").into())
    }
}

/// Parses a comma- or space-separated list of MIME types.
pub(crate) fn accept_types(text: &str) -> CliResult<Vec<Mime>> {
    let types = text
        .split([',', ' ', '\t'])
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<Mime>()
                .map_err(|e| format!("bad MIME type {t:?} in --accept: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if types.is_empty() {
        return Err("--accept needs at least one MIME type".into());
    }
    Ok(types)
}

/// A local address advertising `host` and `port` for every registered transport.
/// Nothing is bound: this is for pure negotiation.
pub(crate) fn advertised(negotiator: &Negotiator, host: &str, port: u16) -> LocalAddress {
    negotiator
        .protos()
        .iter()
        .fold(LocalAddress::new(host), |local, proto| {
            local.with_port(proto.transport(), port)
        })
}

/// What an offer says about who connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OfferSetup {
    /// Either side may connect (`a=setup:actpass`, or `a=direction:both`).
    Actpass,
    /// We connect.
    Active,
    /// We accept the connection.
    Passive,
    /// No connection now (`a=setup:holdconn`; RFC 4145 dialect only).
    Holdconn,
}

impl From<OfferSetup> for SetupPreference {
    fn from(value: OfferSetup) -> Self {
        match value {
            OfferSetup::Actpass => Self::Either,
            OfferSetup::Active => Self::Active,
            OfferSetup::Passive => Self::Passive,
            OfferSetup::Holdconn => Self::HoldConn,
        }
    }
}

/// Our choice when answering an offer that lets us choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum AnswerSetup {
    /// We connect to the offerer (advertises port 9).
    Active,
    /// We accept the offerer's connection (advertises our port).
    Passive,
}

impl From<AnswerSetup> for SetupPreference {
    fn from(value: AnswerSetup) -> Self {
        match value {
            AnswerSetup::Active => Self::Active,
            AnswerSetup::Passive => Self::Passive,
        }
    }
}

/// Which COMEDIA attribute family an offer uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DialectArg {
    /// RFC 4145 `a=setup` and `a=connection`.
    Setup,
    /// Legacy `a=direction` (draft-ietf-mmusic-sdp-comedia-04).
    Direction,
}

impl From<DialectArg> for Dialect {
    fn from(value: DialectArg) -> Self {
        match value {
            DialectArg::Setup => Self::Setup,
            DialectArg::Direction => Self::Direction,
        }
    }
}

/// Rejects combinations the library would write inconsistently.
pub(crate) fn check_offer_setup(setup: OfferSetup, dialect: DialectArg) -> CliResult<()> {
    if setup == OfferSetup::Holdconn && dialect == DialectArg::Direction {
        return Err("--setup holdconn needs --dialect setup (a=direction has no holdconn)".into());
    }
    Ok(())
}

/// The m-line options both `offer` commands take.
#[derive(Debug, Args)]
pub(crate) struct MediaArgs {
    /// Proto token of the m-line.
    #[arg(long, default_value = "cpim/tcp")]
    pub(crate) proto: String,
    /// MIME types we accept, comma- or space-separated.
    #[arg(long, value_name = "TYPES", default_value = "text/plain")]
    pub(crate) accept: String,
    /// Who connects (`imsession offer` refuses holdconn: it makes no connection).
    #[arg(long, value_enum, default_value_t = OfferSetup::Actpass)]
    pub(crate) setup: OfferSetup,
}

impl MediaArgs {
    /// The media options these arguments ask for.
    pub(crate) fn options(&self, negotiator: &Negotiator) -> CliResult<MediaOptions> {
        Ok(MediaOptions::new(proto(negotiator, &self.proto)?)
            .accept(accept_types(&self.accept)?)
            .setup(self.setup.into()))
    }
}
