//! The transport suite's cases, over loopback only.

use std::net::SocketAddr;
use std::time::Duration;

use imsession::sdp::MediaDescription;
use imsession::{ByteStream, Connection, ConnectionIo, Listener, Target, Transport};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::TransportFactory;
use super::substream_io::SubStreamIo;
use crate::case::{CaseResult, Context, ensure, within};

/// What every case needs: the transport factory and how long one step may wait.
pub(crate) struct Env {
    pub(crate) factory: TransportFactory,
    pub(crate) step: Duration,
}

/// Bytes sent one way by the large-transfer case: 32 MiB.
pub const LARGE_TRANSFER: usize = 32 * 1024 * 1024;
/// Bytes the large-transfer case writes, or reads, per call.
pub const TRANSFER_CHUNK: usize = 64 * 1024;
/// Bytes each side sends at once in the both-directions case: 4 MiB, more than any socket
/// buffer, so a transport that cannot read while writing deadlocks.
pub const BOTH_WAYS: usize = 4 * 1024 * 1024;
/// Connections open at once in the concurrent-connections case.
pub const CONCURRENT: usize = 64;
/// How long a single step (an accept, a read) may wait.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// The byte `i` of a test pattern that no shift or truncation preserves.
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 11)) as u8
}

/// An accepted and a connected end, and the listener's address.
pub(crate) struct Pair {
    pub(crate) accepted: Connection,
    pub(crate) connected: Connection,
    pub(crate) listen_addr: SocketAddr,
}

/// The media section a side describes: what its peer reads (a TLS transport adds
/// `a=fingerprint`).
fn media(t: &dyn Transport, port: u16) -> MediaDescription {
    let mut m = MediaDescription::new(
        "message",
        port,
        format!("suite/{}", t.name()),
        vec!["text/plain".into()],
    );
    t.describe(&mut m);
    m
}

/// Listens on an ephemeral port of `host` with `listening`; the listener and the target a
/// connector reaches it at.
async fn listen_target(
    listening: &dyn Transport,
    host: &str,
) -> Result<(Box<dyn Listener>, Target), String> {
    let listener = listening.listen(host, 0).await.ctx("listen")?;
    let port = listener.local_addr().port();
    let target = Target {
        host: host.to_owned(),
        port,
        media: media(listening, port),
    };
    Ok((listener, target))
}

/// Listens on `host` with one transport instance and connects with another, then checks the
/// connector's identity the way an endpoint would.
pub(crate) async fn pair(f: &Env, host: &str) -> Result<Pair, String> {
    let (listening, connecting) = ((f.factory)(), (f.factory)());
    let (listener, target) = listen_target(&*listening, host).await?;
    let listen_addr = listener.local_addr();
    let accept = async {
        let accepting = listener.accept().await.ctx("accept")?;
        accepting.await.ctx("accept handshake")
    };
    let (accepted, connected) = within(f.step, "connect and accept", async {
        tokio::join!(accept, connecting.connect(&target))
    })
    .await?;
    let accepted = accepted?;
    let connected = connected.ctx("connect")?;
    listening
        .verify_peer(&media(&*connecting, 9), &accepted.peer)
        .ctx("the listening side refused the connector's identity")?;
    Ok(Pair {
        accepted,
        connected,
        listen_addr,
    })
}

/// The byte stream of a connection, or why the suite cannot drive it. A multi-stream
/// connection is driven through its sub-stream [`super::SUITE_SUB_STREAM`].
pub(crate) fn stream(c: Connection) -> Result<Box<dyn ByteStream>, String> {
    match c.io {
        ConnectionIo::Stream(s) => Ok(s),
        ConnectionIo::SubStreams(s) => Ok(Box::new(SubStreamIo::new(s))),
        other => Err(format!(
            "connection carries {other:?}, not a byte stream; this case needs one"
        )),
    }
}

async fn send_and_check(
    step: Duration,
    from: &mut Box<dyn ByteStream>,
    to: &mut Box<dyn ByteStream>,
    data: &[u8],
) -> CaseResult {
    from.write_all(data).await.ctx("write")?;
    from.flush().await.ctx("flush")?;
    let mut got = vec![0; data.len()];
    within(step, "read", to.read_exact(&mut got))
        .await?
        .ctx("read")?;
    ensure!(got == data, "received {:?}, sent {:?}", got, data);
    Ok(())
}

pub(crate) async fn listen_connect(f: &Env) -> CaseResult {
    let p = pair(f, "127.0.0.1").await?;
    ensure!(
        p.connected.peer.addr == p.listen_addr,
        "connector sees peer {}, the listener is at {}",
        p.connected.peer.addr,
        p.listen_addr
    );
    ensure!(
        p.accepted.peer.addr == p.connected.local_addr,
        "acceptor sees peer {}, the connector is at {}",
        p.accepted.peer.addr,
        p.connected.local_addr
    );
    let (mut a, mut c) = (stream(p.accepted)?, stream(p.connected)?);
    send_and_check(f.step, &mut c, &mut a, b"ping").await?;
    send_and_check(f.step, &mut a, &mut c, b"pong").await
}

/// Writes `n` pattern bytes to `stream` while reading and checking `n` from it.
async fn pump(step: Duration, stream: &mut Box<dyn ByteStream>, n: usize) -> CaseResult {
    let (mut r, mut w) = tokio::io::split(stream);
    let write = async {
        let data: Vec<u8> = (0..n).map(pattern).collect();
        w.write_all(&data).await.ctx("write")?;
        w.flush().await.ctx("flush")
    };
    let read = async {
        let mut got = vec![0; n];
        within(step, "read", r.read_exact(&mut got))
            .await?
            .ctx("read")?;
        match got.iter().enumerate().find(|(i, b)| **b != pattern(*i)) {
            Some((i, _)) => Err(format!("byte {i} of {n} differs from what was sent")),
            None => Ok(()),
        }
    };
    // The first failure ends the case: a writer whose reader gave up would wait forever.
    tokio::try_join!(write, read).map(|_| ())
}

pub(crate) async fn both_directions(f: &Env) -> CaseResult {
    let p = pair(f, "127.0.0.1").await?;
    let (mut a, mut c) = (stream(p.accepted)?, stream(p.connected)?);
    // Both ends stay open until both pumps are done: the first to finish has only queued its
    // last bytes, and dropping a connection need not deliver them (it aborts an SCTP
    // association).
    tokio::try_join!(
        pump(f.step, &mut a, BOTH_WAYS),
        pump(f.step, &mut c, BOTH_WAYS)
    )
    .map(|_| ())
}

pub(crate) async fn large_transfer(f: &Env) -> CaseResult {
    let p = pair(f, "127.0.0.1").await?;
    let (mut a, mut c) = (stream(p.accepted)?, stream(p.connected)?);
    let write = async {
        let mut part = Vec::with_capacity(TRANSFER_CHUNK);
        let mut sent = 0;
        while sent < LARGE_TRANSFER {
            part.clear();
            part.extend((sent..(sent + TRANSFER_CHUNK).min(LARGE_TRANSFER)).map(pattern));
            c.write_all(&part).await.ctx("write")?;
            sent += part.len();
        }
        c.shutdown().await.ctx("shutdown")
    };
    let read = async {
        let mut buf = vec![0; TRANSFER_CHUNK];
        let mut got = 0;
        loop {
            let n = within(f.step, "read", a.read(&mut buf))
                .await?
                .ctx("read")?;
            if n == 0 {
                break;
            }
            if let Some(i) = (0..n).find(|i| buf[*i] != pattern(got + i)) {
                return Err(format!("byte {} differs from what was sent", got + i));
            }
            got += n;
        }
        ensure!(
            got == LARGE_TRANSFER,
            "received {got} bytes, sent {LARGE_TRANSFER}"
        );
        Ok(())
    };
    // The first failure ends the case: a writer whose reader gave up would wait forever.
    tokio::try_join!(write, read).map(|_| ())
}

pub(crate) async fn concurrent(f: &Env) -> CaseResult {
    let (listening, connecting) = ((f.factory)(), (f.factory)());
    let (listener, target) = listen_target(&*listening, "127.0.0.1").await?;
    // The acceptor echoes each connection's first 8 bytes back.
    let acceptor = async {
        let mut echoes = Vec::with_capacity(CONCURRENT);
        for _ in 0..CONCURRENT {
            let accepting = within(f.step, "accept", listener.accept())
                .await?
                .ctx("accept")?;
            echoes.push(tokio::spawn(async move {
                let mut s = stream(accepting.await.ctx("accept handshake")?)?;
                let mut id = [0; 8];
                s.read_exact(&mut id).await.ctx("server read")?;
                s.write_all(&id).await.ctx("server write")?;
                s.flush().await.ctx("server flush")?;
                // Keep the connection until the client has read its echo.
                let _ = s.read(&mut id).await;
                Ok::<_, String>(())
            }));
        }
        for e in echoes {
            e.await.ctx("echo task")??;
        }
        Ok::<_, String>(())
    };
    let clients = futures::future::try_join_all((0..CONCURRENT as u64).map(|i| {
        let (connecting, target) = (&connecting, &target);
        async move {
            let mut s = stream(connecting.connect(target).await.ctx("connect")?)?;
            s.write_all(&i.to_be_bytes()).await.ctx("write")?;
            s.flush().await.ctx("flush")?;
            let mut back = [0; 8];
            within(f.step, "echo", s.read_exact(&mut back))
                .await?
                .ctx("read echo")?;
            ensure!(
                u64::from_be_bytes(back) == i,
                "connection {i} got connection {}'s echo",
                u64::from_be_bytes(back)
            );
            Ok(())
        }
    }));
    let (a, c) = tokio::join!(acceptor, clients);
    c.and(a)
}

pub(crate) async fn peer_close(f: &Env) -> CaseResult {
    for closer_is_connector in [true, false] {
        let p = pair(f, "127.0.0.1").await?;
        let (a, c) = (stream(p.accepted)?, stream(p.connected)?);
        let (mut closer, mut other) = if closer_is_connector { (c, a) } else { (a, c) };
        let side = if closer_is_connector {
            "connector"
        } else {
            "acceptor"
        };
        closer.write_all(b"bye").await.ctx("write")?;
        closer.shutdown().await.ctx("shutdown")?;
        drop(closer);
        let mut got = Vec::new();
        within(f.step, "read to end", other.read_to_end(&mut got))
            .await?
            .map_err(|e| {
                format!("after the {side} closed, the other end got {e}, not end of stream")
            })?;
        ensure!(
            got == b"bye",
            "after the {side} closed, the other end read {got:?}, not \"bye\" then end"
        );
    }
    Ok(())
}

pub(crate) async fn refused(f: &Env) -> CaseResult {
    let (listening, connecting) = ((f.factory)(), (f.factory)());
    let (listener, target) = listen_target(&*listening, "127.0.0.1").await?;
    drop(listener);
    match within(
        f.step,
        "connect to a closed port",
        connecting.connect(&target),
    )
    .await?
    {
        Ok(c) => Err(format!("connected to a closed port (peer {})", c.peer)),
        Err(_) => Ok(()),
    }
}

pub(crate) async fn family(f: &Env, host: &str) -> CaseResult {
    let p = pair(f, host).await?;
    let want_v6 = host.contains(':');
    for (what, addr) in [
        ("listener", p.listen_addr),
        ("connector", p.connected.local_addr),
        ("peer seen by the acceptor", p.accepted.peer.addr),
    ] {
        ensure!(
            addr.is_ipv6() == want_v6 && addr.ip().is_loopback(),
            "{what} address {addr} is not {host}'s family on loopback"
        );
    }
    let (mut a, mut c) = (stream(p.accepted)?, stream(p.connected)?);
    send_and_check(f.step, &mut c, &mut a, host.as_bytes()).await?;
    send_and_check(f.step, &mut a, &mut c, b"back").await
}

/// Whether this host can bind the IPv6 loopback.
pub(crate) fn ipv6_loopback() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}
