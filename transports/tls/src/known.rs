//! The peer certificates of open connections, by SHA-256, so that
//! [`imsession::Transport::verify_peer`] can check a peer whose SDP announces only another
//! hash function (`sha-1`, `sha-384`, `sha-512`) although [`imsession::PeerIdentity`] keeps
//! only the SHA-256. A certificate is remembered exactly as long as a connection holding it
//! is open.

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

type Der = CertificateDer<'static>;

/// Certificates of open connections, each with the number of connections holding it.
#[derive(Debug, Default)]
pub(crate) struct KnownCertificates {
    by_sha256: Mutex<HashMap<[u8; 32], (Der, usize)>>,
}

impl KnownCertificates {
    /// Remembers `der` for as long as the returned hold lives (and any other hold of it).
    pub(crate) fn remember(self: &Arc<Self>, sha256: [u8; 32], der: Der) -> Held {
        let mut map = self.by_sha256.lock().expect("known certificates lock");
        map.entry(sha256).or_insert((der, 0)).1 += 1;
        Held {
            known: self.clone(),
            sha256,
        }
    }

    /// A copy of the certificate with this SHA-256, if a connection holding it is open.
    pub(crate) fn get(&self, sha256: &[u8; 32]) -> Option<Der> {
        let map = self.by_sha256.lock().expect("known certificates lock");
        map.get(sha256).map(|(der, _)| der.clone())
    }
}

/// One connection's hold on a remembered certificate; the certificate is forgotten when the
/// last hold is dropped.
#[derive(Debug)]
pub(crate) struct Held {
    known: Arc<KnownCertificates>,
    sha256: [u8; 32],
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut map = self
            .known
            .by_sha256
            .lock()
            .expect("known certificates lock");
        if let Some((_, holds)) = map.get_mut(&self.sha256) {
            *holds -= 1;
            if *holds == 0 {
                map.remove(&self.sha256);
            }
        }
    }
}

/// A connection's stream, holding its peer's certificate in [`KnownCertificates`].
pub(crate) struct Holding<S> {
    pub(crate) io: S,
    pub(crate) _certificate: Held,
}

impl<S: AsyncRead + Unpin> AsyncRead for Holding<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io)
            .poll_read(cx, buf)
            .map_err(|e| match e.kind() {
                // rustls: the peer ended the connection without close_notify, so the end of
                // what it sent cannot be told from a truncation.
                io::ErrorKind::UnexpectedEof => io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "peer closed the connection without tls close_notify (possibly truncated)",
                ),
                _ => e,
            })
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Holding<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_while_held() {
        let known = Arc::new(KnownCertificates::default());
        let der = Der::from(vec![1, 2, 3]);
        let a = known.remember([1; 32], der.clone());
        let b = known.remember([1; 32], der.clone());
        drop(a);
        assert_eq!(known.get(&[1; 32]), Some(der));
        drop(b);
        assert!(known.get(&[1; 32]).is_none());
        assert!(known.get(&[2; 32]).is_none());
        assert!(known.by_sha256.lock().unwrap().is_empty());
    }
}
