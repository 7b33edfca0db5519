//! The vector files under `conformance/vectors/` (format in its README) and the code that
//! loads and checks them.
//!
//! - [`sdp`]: offer/answer examples with their expected negotiation outcome.
//! - [`cpim`]: Message/CPIM messages marked valid or invalid, with the reason.
//! - [`framing`]: cpim byte streams and the frames (or error) they must give.

/// Message/CPIM vectors.
pub mod cpim;
/// cpim framing vectors.
pub mod framing;
pub mod sdp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The vectors directory of this crate.
pub const VECTORS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors");

/// `VECTORS_DIR/<sub>`.
pub fn dir(sub: &str) -> PathBuf {
    Path::new(VECTORS_DIR).join(sub)
}

/// Files in `VECTORS_DIR/<sub>` ending in `.<ext>`, sorted.
///
/// # Errors
/// When the directory cannot be read.
pub fn files(sub: &str, ext: &str) -> Result<Vec<PathBuf>, String> {
    files_in(&dir(sub), ext)
}

/// Runs `check` over every `vectors/<sub>/*.<ext>` file (its name and bytes) and returns how
/// many there are.
///
/// # Errors
/// A file that cannot be read, or the first error `check` returns.
pub(crate) fn check_files(
    sub: &str,
    ext: &str,
    check: impl Fn(&str, &[u8]) -> Result<(), String>,
) -> Result<usize, String> {
    let paths = files(sub, ext)?;
    for p in &paths {
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        let bytes = std::fs::read(p).map_err(|e| format!("{name}: {e}"))?;
        check(&name, &bytes)?;
    }
    Ok(paths.len())
}

/// Files in `d` ending in `.<ext>`, sorted.
///
/// # Errors
/// When the directory cannot be read.
pub fn files_in(d: &Path, ext: &str) -> Result<Vec<PathBuf>, String> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(d)
        .map_err(|e| format!("{}: {e}", d.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    Ok(out)
}

/// Parses `key=value` lines (split at the first `=`, trimmed; blank and `#` lines skipped),
/// each key at most once and one of `keys`.
///
/// # Errors
/// A line without `=`, an unknown or repeated key, naming the file and line.
pub fn parse_keys(
    name: &str,
    text: &str,
    keys: &[&str],
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("{name}:{}: no '='", n + 1))?;
        let k = k.trim();
        if !keys.contains(&k) {
            return Err(format!("{name}:{}: unknown key {k:?}", n + 1));
        }
        if out.insert(k.to_owned(), v.trim().to_owned()).is_some() {
            return Err(format!("{name}:{}: {k} given twice", n + 1));
        }
    }
    Ok(out)
}

/// Splits a vector file at its first line that is exactly `---`: the head (`key=value`
/// lines) and the body bytes after that line.
///
/// # Errors
/// When there is no `---` line.
pub fn split_head(name: &str, bytes: &[u8]) -> Result<(String, Vec<u8>), String> {
    let mut start = 0;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let trimmed = line.strip_suffix(b"\n").unwrap_or(line);
        let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
        if trimmed == b"---" {
            let head = String::from_utf8(bytes[..start].to_vec())
                .map_err(|_| format!("{name}: head is not UTF-8"))?;
            return Ok((head, bytes[start + line.len()..].to_vec()));
        }
        start += line.len();
    }
    Err(format!("{name}: no --- line between head and body"))
}

/// Turns the escapes of a vector body into bytes: `\r`, `\n`, `\t`, `\\`, `\xHH`, and a
/// line ending in `\` joins the next line. Plain line breaks in the file are not bytes of the
/// body (so every CRLF is written `\r\n`, and the file's own line breaks don't matter).
///
/// # Errors
/// An unknown escape or a bad `\x`.
pub fn unescape(name: &str, text: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\r' | b'\n' => i += 1,
            b'\\' => {
                let c = *text
                    .get(i + 1)
                    .ok_or_else(|| format!("{name}: \\ at the end"))?;
                i += 2;
                match c {
                    b'r' => out.push(b'\r'),
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'\\' => out.push(b'\\'),
                    b'x' => {
                        let hex = text
                            .get(i..i + 2)
                            .and_then(|h| std::str::from_utf8(h).ok())
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                            .ok_or_else(|| format!("{name}: bad \\x escape"))?;
                        out.push(hex);
                        i += 2;
                    }
                    b'\r' | b'\n' => {}
                    other => {
                        return Err(format!("{name}: unknown escape \\{}", other as char));
                    }
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_writes_only_escaped_line_breaks() {
        let got = unescape("t", b"a: b\\r\\n\nc\\x00\\\\\\t").unwrap();
        assert_eq!(got, b"a: b\r\nc\x00\\\t");
        assert!(unescape("t", b"\\q").unwrap_err().contains("\\q"));
        assert!(unescape("t", b"\\xZZ").is_err());
    }

    #[test]
    fn head_and_body_split_at_the_dashes() {
        let (h, b) = split_head("t", b"k=v\n---\r\nbody\n").unwrap();
        assert_eq!(h, "k=v\n");
        assert_eq!(b, b"body\n");
        assert!(split_head("t", b"k=v\n").is_err());
    }
}
