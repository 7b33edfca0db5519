//! The certificate options of commands that connect over `cpim/tls`.

use std::path::PathBuf;

use clap::Args;
use imsession_tls::Identity;

use crate::CliResult;

/// Our TLS identity: PEM files, or a fresh self-signed certificate.
#[derive(Debug, Default, Args)]
pub(crate) struct TlsArgs {
    /// PEM certificate chain (end-entity first) presented over cpim/tls; its sha-256
    /// fingerprint goes into our SDP. Without it, a fresh self-signed certificate is made
    /// for this run.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub(crate) cert: Option<PathBuf>,
    /// PEM private key of --cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub(crate) key: Option<PathBuf>,
}

impl TlsArgs {
    /// The identity these options name.
    pub(crate) fn identity(&self) -> CliResult<Identity> {
        match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Ok(
                Identity::from_pem_files(cert, key).map_err(|e| format!("--cert/--key: {e}"))?
            ),
            _ => Ok(Identity::self_signed()?),
        }
    }
}
