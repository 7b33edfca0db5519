//! SDP files exchanged between two processes: written atomically, polled until they appear.

use std::path::Path;
use std::time::{Duration, Instant};

use imsession::sdp::SessionDescription;

use crate::CliResult;

/// How often a missing or unparseable SDP file is checked again.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Writes `sdp` to `path` atomically: a temporary file in the same directory, then a rename,
/// so a peer polling `path` never reads half a description.
pub(crate) fn write_sdp(path: &Path, sdp: &SessionDescription) -> CliResult<()> {
    let name = path
        .file_name()
        .ok_or_else(|| format!("{}: not a file name", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, sdp.to_string())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot rename {} to {}: {e}", tmp.display(), path.display())
    })?;
    Ok(())
}

/// Waits until `path` exists and parses as SDP, checking every [`POLL_INTERVAL`], for at
/// most `limit`. Prints `waiting for <path> ...` on stderr once if it is not there yet.
pub(crate) async fn wait_for_sdp(path: &Path, limit: Duration) -> CliResult<SessionDescription> {
    let start = Instant::now();
    let mut announced = false;
    loop {
        let last_problem = match std::fs::read(path) {
            Ok(bytes) => match SessionDescription::parse_bytes(&bytes) {
                Ok(sdp) => return Ok(sdp),
                Err(e) => format!("{}: {e}", path.display()),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                format!("{} does not exist", path.display())
            }
            Err(e) => format!("cannot read {}: {e}", path.display()),
        };
        if start.elapsed() >= limit {
            return Err(format!("gave up after {limit:?}: {last_problem}").into());
        }
        if !announced {
            eprintln!("waiting for {} ...", path.display());
            announced = true;
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}
