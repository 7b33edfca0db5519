//! The interactive loop shared by `imsession offer` and `imsession answer`: stdin lines out,
//! received messages in.

use std::io::BufRead;

use futures::StreamExt;
use imsession::{Message, Session};
use tokio::sync::mpsc;

use crate::CliResult;

/// Prefix of a received message on stdout.
pub(crate) const PEER_PREFIX: &str = "<";

/// Sends each stdin line as a text/plain message and prints what arrives as `< text`.
///
/// EOF on stdin closes the session (flushing first) and returns; the peer's stream ending
/// prints `peer closed the session` and returns. Either side may stay silent.
pub(crate) async fn run(mut session: Session) -> CliResult<()> {
    let info = session.info();
    eprintln!(
        "session established: {} {:?}, peer {} ({}); type lines to send, end with EOF (Ctrl-D)",
        info.proto,
        info.role,
        info.peer
            .as_ref()
            .map_or("(not yet known)".to_owned(), ToString::to_string),
        info.remote_uri
    );
    let mut lines = stdin_lines();
    loop {
        tokio::select! {
            line = lines.recv() => match line {
                Some(Ok(text)) => {
                    session
                        .send(Message::text(text))
                        .await
                        .map_err(|e| format!("send: {e}"))?;
                }
                Some(Err(e)) => return Err(format!("reading stdin: {e}").into()),
                None => {
                    session.close().await.map_err(|e| format!("close: {e}"))?;
                    eprintln!("session closed");
                    return Ok(());
                }
            },
            item = session.next() => match item {
                Some(Ok(message)) => print_message(&message),
                Some(Err(e)) => return Err(format!("session: {e}").into()),
                None => {
                    println!("peer closed the session");
                    return Ok(());
                }
            },
        }
    }
}

/// Sends every received message back (type, MIME headers and body; the session fills in its
/// own metadata) until the peer closes; prints the count on stderr. A test peer for
/// `imsession-conformance`.
pub(crate) async fn echo(mut session: Session) -> CliResult<()> {
    eprintln!("session established: echoing every message back");
    let mut echoed = 0u64;
    while let Some(item) = session.next().await {
        let received = item.map_err(|e| format!("session: {e}"))?;
        let mut back = Message::new(received.content_type, received.body);
        back.headers = received.headers;
        session.send(back).await.map_err(|e| format!("echo: {e}"))?;
        echoed += 1;
    }
    println!("peer closed the session after {echoed} echoed messages");
    Ok(())
}

fn print_message(message: &Message) {
    match message.body_text() {
        Some(text) if message.content_type.type_() == mime::TEXT => {
            println!("{PEER_PREFIX} {text}");
        }
        _ => println!(
            "{PEER_PREFIX} [{} message, {} bytes]",
            message.content_type.essence_str(),
            message.body.len()
        ),
    }
}

/// Lines of stdin, read on a plain thread: a blocking read never delays process exit, which
/// tokio's own stdin would (runtime shutdown waits for its blocking read).
fn stdin_lines() -> mpsc::Receiver<std::io::Result<String>> {
    let (tx, rx) = mpsc::channel(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let line = line.map(|mut l| {
                if l.ends_with('\r') {
                    l.pop();
                }
                l
            });
            let failed = line.is_err();
            if tx.blocking_send(line).is_err() || failed {
                break;
            }
        }
    });
    rx
}
