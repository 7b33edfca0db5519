//! `imsession demo`: an offerer ("alice") and an answerer ("bob") in one process on loopback.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use clap::Args;
use imsession::{AnswerOptions, Endpoint, MediaOptions};
use tokio::sync::watch;

use crate::exchange::{self, Inbox, Sent};
use crate::{CliResult, setup};

/// The whole demo (negotiation, connection and exchange) must finish within this.
pub(crate) const DEMO_TIMEOUT: Duration = Duration::from_secs(60);

/// Up to this many messages per direction, the transcript shows every one.
const FULL_TRANSCRIPT: usize = 10;

/// Options of `imsession demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Proto token to negotiate.
    #[arg(long, default_value = "cpim/tcp")]
    proto: String,
    /// Messages each side sends.
    #[arg(long, value_name = "N", default_value_t = 10)]
    count: usize,
    /// Body size of every message in bytes (text/plain); a short greeting when absent.
    #[arg(long, value_name = "BYTES")]
    size: Option<usize>,
}

/// Runs the demo.
pub(crate) async fn run(args: DemoArgs) -> CliResult<()> {
    // Each side its own negotiator: over tls, each presents its own certificate.
    let negotiator = setup::negotiator()?;
    let proto = setup::proto(&negotiator, &args.proto)?;
    let proto_name = proto.to_string();
    let bob_negotiator = setup::negotiator()?;
    let work = async move {
        let alice = Endpoint::new(negotiator);
        let bob = Endpoint::new(bob_negotiator);
        let offer = alice.offer(&[MediaOptions::new(proto)]).await?;
        print_sdp("offer (alice)", &offer.sdp);
        let answer = bob.answer(&offer.sdp, &AnswerOptions::default()).await?;
        print_sdp("answer (bob)", &answer.sdp);
        if let Some(r) = answer.rejections.first() {
            return Err(format!("bob refused m-line {}: {}", r.index, r.reason).into());
        }
        let to_alice = alice
            .complete(&offer, &answer.sdp)?
            .into_iter()
            .next()
            .ok_or("alice: the answer selected no session")?;
        let to_bob = answer.selections[0].clone();
        let (a, b) = tokio::try_join!(alice.establish(to_alice), bob.establish(to_bob))?;
        println!(
            "established: alice {:?} {} <-> bob {:?} {}",
            a.info().role,
            addr(a.info().local_addr),
            b.info().role,
            addr(b.info().local_addr)
        );
        Ok::<_, crate::CliError>(exchange(a, b, args.count, args.size).await)
    };
    let started = Instant::now();
    let report = tokio::time::timeout(DEMO_TIMEOUT, work)
        .await
        .map_err(|_| format!("demo did not finish within {DEMO_TIMEOUT:?}"))??;
    report.print(&proto_name, args.size, started.elapsed())
}

/// Both directions' results.
struct Report {
    alice_sent: Sent,
    bob_sent: Sent,
    alice_inbox: Inbox,
    bob_inbox: Inbox,
    count: usize,
}

async fn exchange(
    a: imsession::Session,
    b: imsession::Session,
    count: usize,
    size: Option<usize>,
) -> Report {
    let (a, b) = (RefCell::new(a), RefCell::new(b));
    let (a_done, a_done_rx) = watch::channel(None);
    let (b_done, b_done_rx) = watch::channel(None);
    let (alice_sent, bob_sent, alice_inbox, bob_inbox) = tokio::join!(
        exchange::send(&a, "alice", "bob", count, size, &a_done),
        exchange::send(&b, "bob", "alice", count, size, &b_done),
        exchange::receive(&a, "bob", "alice", size, b_done_rx),
        exchange::receive(&b, "alice", "bob", size, a_done_rx),
    );
    Report {
        alice_sent,
        bob_sent,
        alice_inbox,
        bob_inbox,
        count,
    }
}

impl Report {
    fn print(&self, proto: &str, size: Option<usize>, elapsed: Duration) -> CliResult<()> {
        transcript("alice", "bob", &self.bob_inbox);
        transcript("bob", "alice", &self.alice_inbox);
        let a_to_b = (self.alice_sent.accepted, self.bob_inbox.messages.len());
        let b_to_a = (self.bob_sent.accepted, self.alice_inbox.messages.len());
        let lost = a_to_b.0.abs_diff(a_to_b.1)
            + b_to_a.0.abs_diff(b_to_a.1)
            + self.bob_inbox.mismatched()
            + self.alice_inbox.mismatched();
        let bytes = size.map_or(String::new(), |s| format!(" of {s} bytes"));
        println!(
            "{} messages{bytes} each way requested; took {:.3} s",
            self.count,
            elapsed.as_secs_f64()
        );
        let errors: Vec<&String> = [
            &self.alice_sent.error,
            &self.bob_sent.error,
            &self.alice_inbox.error,
            &self.bob_inbox.error,
        ]
        .into_iter()
        .flatten()
        .collect();
        for e in &errors {
            eprintln!("imsession: {e}");
        }
        if a_to_b == b_to_a {
            println!(
                "demo: {} sent, {} received each way over {proto}, {lost} lost",
                a_to_b.0, a_to_b.1
            );
        } else {
            println!(
                "demo: {}/{} sent, {}/{} received (alice->bob/bob->alice) over {proto}, {lost} lost",
                a_to_b.0, b_to_a.0, a_to_b.1, b_to_a.1
            );
        }
        if lost > 0 {
            return Err(format!("{lost} messages lost or corrupted").into());
        }
        if a_to_b.0 < self.count || b_to_a.0 < self.count || !errors.is_empty() {
            return Err("not every message was sent".into());
        }
        Ok(())
    }
}

fn addr(addr: Option<std::net::SocketAddr>) -> String {
    addr.map_or_else(|| "(connection pending)".to_owned(), |a| a.to_string())
}

fn print_sdp(label: &str, sdp: &imsession::sdp::SessionDescription) {
    println!("--- {label} ---");
    print!("{}", sdp.to_string().replace("\r\n", "\n"));
}

fn transcript(from: &str, to: &str, inbox: &Inbox) {
    let n = inbox.messages.len();
    for (i, m) in inbox.messages.iter().enumerate() {
        let shown = n <= FULL_TRANSCRIPT || i < 3 || i + 1 == n;
        if !shown {
            if i == 3 {
                println!("{from} -> {to}  ... {} more ...", n - 4);
            }
            continue;
        }
        let flag = if m.matches { "" } else { "  MISMATCH" };
        println!(
            "{from} -> {to}  #{} {} {} bytes {:?}{flag}",
            i + 1,
            m.content_type,
            m.len,
            m.preview
        );
    }
}
