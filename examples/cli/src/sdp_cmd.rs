//! `imsession sdp offer|answer`: pure negotiation, no sockets.

use std::io::{Read, Write};

use clap::{Args, Subcommand};
use imsession::{AnswerOptions, sdp::SessionDescription};

use crate::CliResult;
use crate::setup::{self, AnswerSetup, DialectArg, MediaArgs};

/// Port advertised when the description says we would listen (nothing is bound).
pub(crate) const DEFAULT_PORT: u16 = 7394;

/// `imsession sdp ...`
#[derive(Debug, Subcommand)]
pub(crate) enum SdpCommand {
    /// Write an offer SDP on stdout.
    ///
    /// Pure negotiation: no socket is opened. --host and --port are only what the offer
    /// advertises (c=, o= and, when we may accept the connection, the m-line port).
    Offer(OfferArgs),
    /// Read an offer SDP on stdin and write the answer SDP on stdout.
    ///
    /// Pure negotiation: no socket is opened. m-lines that cannot be served are refused with
    /// port 0; the reasons are printed on stderr as notes and the exit status is still 0.
    /// An offer that does not parse exits non-zero with the offending line number.
    Answer(AnswerArgs),
}

/// Options of `imsession sdp offer`.
#[derive(Debug, Args)]
pub(crate) struct OfferArgs {
    #[command(flatten)]
    media: MediaArgs,
    /// Which COMEDIA attributes to write: RFC 4145 a=setup, or legacy a=direction.
    #[arg(long, value_enum, default_value_t = DialectArg::Setup)]
    dialect: DialectArg,
    /// Host written into c= and o=.
    #[arg(long, default_value = imsession::DEFAULT_LISTEN_HOST)]
    host: String,
    /// Port the m-line advertises when we may listen (nothing is bound).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
}

/// Options of `imsession sdp answer`.
#[derive(Debug, Args)]
pub(crate) struct AnswerArgs {
    /// MIME types we accept, comma- or space-separated.
    #[arg(long, value_name = "TYPES", default_value = "text/plain")]
    accept: String,
    /// Our choice when the offer lets us choose (actpass / direction:both). `active` answers
    /// port 9 (we would connect); `passive` answers --port (we would listen).
    #[arg(long, value_enum, default_value_t = AnswerSetup::Active)]
    setup: AnswerSetup,
    /// Host written into c= and o= of the answer.
    #[arg(long, default_value = imsession::DEFAULT_LISTEN_HOST)]
    host: String,
    /// Port the answer advertises when it would listen (nothing is bound).
    #[arg(long, default_value_t = DEFAULT_PORT)]
    port: u16,
}

/// Runs an `sdp` subcommand.
pub(crate) fn run(command: SdpCommand) -> CliResult<()> {
    let text = match command {
        SdpCommand::Offer(args) => offer(&args)?,
        SdpCommand::Answer(args) => answer(&args)?,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn offer(args: &OfferArgs) -> CliResult<String> {
    setup::check_offer_setup(args.media.setup, args.dialect)?;
    let negotiator = setup::negotiator()?;
    let media = args
        .media
        .options(&negotiator)?
        .dialect(args.dialect.into());
    let local = setup::advertised(&negotiator, &args.host, args.port);
    Ok(negotiator.offer(&[media], &local)?.sdp.to_string())
}

fn answer(args: &AnswerArgs) -> CliResult<String> {
    let negotiator = setup::negotiator()?;
    let opts = AnswerOptions {
        accept: setup::accept_types(&args.accept)?,
        setup: args.setup.into(),
    };
    let mut input = Vec::new();
    std::io::stdin().lock().read_to_end(&mut input)?;
    let offer = SessionDescription::parse_bytes(&input).map_err(|e| format!("offer: {e}"))?;
    let local = setup::advertised(&negotiator, &args.host, args.port);
    let answer = negotiator.answer(&offer, &opts, &local)?;
    for r in &answer.rejections {
        eprintln!("note: m-line {} refused: {}", r.index, r.reason);
    }
    Ok(answer.sdp.to_string())
}
