//! `imsession offer` and `imsession answer`: two processes negotiate through SDP files,
//! connect for real, then chat over stdin/stdout.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use imsession::{AnswerOptions, Endpoint, Session};

use crate::setup::{self, AnswerSetup, MediaArgs, OfferSetup};
use crate::tls_args::TlsArgs;
use crate::{CliResult, chat, files};

/// Default time to wait for the peer's SDP file, in seconds.
pub(crate) const DEFAULT_WAIT_SECS: u64 = 120;

/// Options of `imsession offer`.
#[derive(Debug, Args)]
pub(crate) struct OfferArgs {
    #[command(flatten)]
    media: MediaArgs,
    #[command(flatten)]
    tls: TlsArgs,
    /// Address literal to listen on and to advertise in c= and o= (so give one the peer
    /// can reach, not 0.0.0.0).
    #[arg(long, value_name = "HOST", default_value = imsession::DEFAULT_LISTEN_HOST)]
    listen: String,
    /// Where to write our offer (atomically: temp file, then rename).
    #[arg(long, value_name = "FILE")]
    sdp_out: PathBuf,
    /// Where the answer will appear; polled every 100 ms. A stale file is removed first.
    #[arg(long, value_name = "FILE")]
    answer_in: PathBuf,
    /// Seconds to wait for the answer file.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_WAIT_SECS)]
    wait: u64,
    /// Test peer mode: send every received message back (same type, headers and body)
    /// instead of chatting; stdin is not read. Runs until the peer closes.
    #[arg(long)]
    echo: bool,
}

/// Options of `imsession answer`.
#[derive(Debug, Args)]
pub(crate) struct AnswerArgs {
    /// Where the offer is (polled every 100 ms until it exists and parses).
    #[arg(long, value_name = "FILE")]
    offer_in: PathBuf,
    /// Where to write our answer (atomically: temp file, then rename).
    #[arg(long, value_name = "FILE")]
    sdp_out: PathBuf,
    /// MIME types we accept, comma- or space-separated.
    #[arg(long, value_name = "TYPES", default_value = "text/plain")]
    accept: String,
    /// Our choice when the offer lets us choose: connect (active, the default, as in the
    /// founding drafts' example) or listen (passive: the offerer connects once it has read our
    /// answer). Messages we send before the offerer has read our answer are kept by its
    /// endpoint for the early-frame grace period (5 s by default).
    #[arg(long, value_enum, default_value_t = AnswerSetup::Active)]
    setup: AnswerSetup,
    /// Address literal to listen on (when passive) and to advertise in c= and o=.
    #[arg(long, value_name = "HOST", default_value = imsession::DEFAULT_LISTEN_HOST)]
    listen: String,
    /// Seconds to wait for the offer file.
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_WAIT_SECS)]
    wait: u64,
    #[command(flatten)]
    tls: TlsArgs,
    /// Test peer mode: send every received message back (same type, headers and body)
    /// instead of chatting; stdin is not read. Runs until the peer closes.
    #[arg(long)]
    echo: bool,
}

/// Offers, waits for the answer, establishes and chats.
pub(crate) async fn offer(args: OfferArgs) -> CliResult<()> {
    if args.media.setup == OfferSetup::Holdconn {
        return Err("--setup holdconn makes no connection; use actpass, active or passive".into());
    }
    let negotiator = setup::negotiator_with(&args.tls)?;
    let media = args.media.options(&negotiator)?;
    let endpoint = Endpoint::with_hosts(negotiator, args.listen.clone(), args.listen);
    let pending = endpoint.offer(&[media]).await?;
    match std::fs::remove_file(&args.answer_in) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("cannot remove stale {}: {e}", args.answer_in.display()).into());
        }
        _ => {}
    }
    files::write_sdp(&args.sdp_out, &pending.sdp)?;
    eprintln!("offer written to {}", args.sdp_out.display());
    let answer = files::wait_for_sdp(&args.answer_in, Duration::from_secs(args.wait)).await?;
    let selection = endpoint
        .complete(&pending, &answer)
        .map_err(|e| format!("answer: {e}"))?
        .into_iter()
        .next()
        .ok_or("the answer selected no session")?;
    let session = endpoint.establish(selection).await?;
    converse(&endpoint, session, args.echo).await
}

/// Waits for the offer, answers, establishes and chats.
pub(crate) async fn answer(args: AnswerArgs) -> CliResult<()> {
    let negotiator = setup::negotiator_with(&args.tls)?;
    let opts = AnswerOptions {
        accept: setup::accept_types(&args.accept)?,
        setup: args.setup.into(),
    };
    let endpoint = Endpoint::with_hosts(negotiator, args.listen.clone(), args.listen);
    let offer = files::wait_for_sdp(&args.offer_in, Duration::from_secs(args.wait)).await?;
    let answer = endpoint.answer(&offer, &opts).await?;
    for r in &answer.rejections {
        eprintln!("note: m-line {} refused: {}", r.index, r.reason);
    }
    files::write_sdp(&args.sdp_out, &answer.sdp)?;
    eprintln!("answer written to {}", args.sdp_out.display());
    let selection = answer
        .selections
        .into_iter()
        .next()
        .ok_or("every m-line of the offer was refused")?;
    let session = endpoint.establish(selection).await?;
    converse(&endpoint, session, args.echo).await
}

/// Chats (or echoes, with `--echo`) until the session ends, then shuts the endpoint's
/// connections down before exiting (over tls: close_notify).
async fn converse(endpoint: &Endpoint, session: Session, echo: bool) -> CliResult<()> {
    let conversed = if echo {
        chat::echo(session).await
    } else {
        chat::run(session).await
    };
    endpoint.close().await?;
    conversed
}
