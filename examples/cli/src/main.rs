//! `imsession`: the command-line tool of the imsession workspace.
//!
//! Commands:
//!
//! - `imsession demo [--proto cpim/tcp|cpim/tls] [--count N] [--size BYTES]`: an offerer ("alice") and
//!   an answerer ("bob") in one process on loopback. Prints both SDPs, establishes, exchanges
//!   N messages each way concurrently, verifies every body and the order, and ends with
//!   `demo: N sent, N received each way over cpim/tcp, 0 lost` (measured). Exit 0 only when
//!   nothing was lost; the whole run is bounded by [`demo::DEMO_TIMEOUT`].
//! - `imsession sdp offer [...]` writes an offer SDP; `imsession sdp answer [...]` reads an
//!   offer on stdin and writes the answer. Pure negotiation: no socket is opened.
//! - `imsession offer --sdp-out offer.sdp --answer-in answer.sdp` and
//!   `imsession answer --offer-in offer.sdp --sdp-out answer.sdp`: two processes negotiate
//!   through SDP files (written atomically, polled every 100 ms), connect for real, then
//!   chat: each stdin line is sent as text/plain, received messages print as `< text`, EOF
//!   closes the session, and the peer closing prints `peer closed the session`. With `--echo`
//!   either side is a test peer instead: every received message is sent back (for
//!   `imsession-conformance`).
//!
//! Errors print as `imsession: <error>` on stderr with a non-zero exit status. Logging goes
//! to stderr, warnings only unless `RUST_LOG` says otherwise.
#![forbid(unsafe_code)]

mod chat;
mod demo;
mod exchange;
mod files;
mod peer_cmd;
mod sdp_cmd;
mod setup;
mod tls_args;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// Any error the tool reports.
pub(crate) type CliError = Box<dyn std::error::Error + Send + Sync>;
/// Result of a command.
pub(crate) type CliResult<T> = Result<T, CliError>;

/// Instant-message sessions negotiated by SDP offer/answer (cpim over tcp, or over tls:
/// --proto cpim/tls, the secure way).
///
/// Errors print as "imsession: <error>" on stderr. Set RUST_LOG (e.g. RUST_LOG=debug) for
/// logs on stderr; by default only warnings are shown.
#[derive(Debug, Parser)]
#[command(name = "imsession", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run an offerer (alice) and an answerer (bob) in this process on loopback and exchange
    /// messages both ways.
    ///
    /// Prints the offer and answer SDP, establishes both sessions, sends --count messages
    /// each way concurrently (without waiting for replies), verifies that every received body
    /// is exactly what was sent and in order, and prints a transcript (every message for up
    /// to 10 per direction, else the first 3 and the last). The last line is measured:
    ///
    ///   demo: S sent, R received each way over PROTO, L lost
    ///
    /// where S counts messages the send API accepted per direction, R messages that arrived
    /// per direction, and L = |S - R| for both directions plus bodies that differ from what
    /// was sent. When the two directions differ it reads
    /// "demo: S1/S2 sent, R1/R2 received (alice->bob/bob->alice) over PROTO, L lost".
    /// Exit status 0 only when L is 0 and every message was sent. The whole demo must
    /// finish within 60 s or it fails.
    Demo(demo::DemoArgs),
    /// Pure SDP negotiation on stdin/stdout; no sockets are opened.
    #[command(subcommand)]
    Sdp(sdp_cmd::SdpCommand),
    /// Chat, offering side: write an offer file, wait for the answer file, connect, chat.
    ///
    /// Listens on --listen when it may be passive, writes the offer to --sdp-out
    /// atomically, then polls --answer-in every 100 ms until it exists and parses (for at
    /// most --wait seconds). Once established, each stdin line is sent as a text/plain
    /// message and received messages print as "< text". EOF on stdin closes the session
    /// and exits 0; when the peer closes, "peer closed the session" is printed and the exit
    /// status is 0.
    ///
    /// Example (two terminals, same directory):
    ///   imsession offer --sdp-out offer.sdp --answer-in answer.sdp
    ///   imsession answer --offer-in offer.sdp --sdp-out answer.sdp
    Offer(peer_cmd::OfferArgs),
    /// Chat, answering side: read the offer file, write the answer file, connect, chat.
    ///
    /// Polls --offer-in every 100 ms until it exists and parses (for at most --wait
    /// seconds), answers (listening on --listen when passive), writes the answer to
    /// --sdp-out atomically, establishes, then chats like `imsession offer`.
    Answer(peer_cmd::AnswerArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("imsession: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(cli: Cli) -> CliResult<()> {
    match cli.command {
        Command::Sdp(command) => sdp_cmd::run(command),
        Command::Demo(args) => block_on(demo::run(args)),
        Command::Offer(args) => block_on(peer_cmd::offer(args)),
        Command::Answer(args) => block_on(peer_cmd::answer(args)),
    }
}

/// Time leftover tasks (connection readers and writers) get to stop when a command ends.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);

/// Runs `work` on a fresh multi-threaded runtime; leftover tasks get [`SHUTDOWN_GRACE`].
fn block_on(work: impl Future<Output = CliResult<()>>) -> CliResult<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(work);
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result
}
