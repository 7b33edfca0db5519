//! `vectors/cpim/*.cpim`: Message/CPIM bodies (the bytes inside the session envelope), each
//! marked valid or invalid with the reason.
//!
//! A file is `key=value` lines, a line `---`, then the body with escapes (see
//! [`crate::vectors::unescape`]: every CRLF is written `\r\n`; the file's own line breaks are not part of
//! the body). Keys:
//!
//! | key | meaning |
//! | --- | --- |
//! | `source` | spec and section (required) |
//! | `verdict` | `valid` or `invalid` (required) |
//! | `reason` | why, in words (required) |
//! | `error` | invalid: text the codec's error must contain |
//! | `from`, `to`, `cc` | valid: the URIs the header(s) carry, space separated |
//! | `display-from` | valid: the From display name |
//! | `subject` | valid: the subjects as `lang:text`, `|` separated (`-` for no lang) |
//! | `ns` | valid: the NS declarations as `prefix=uri`, space separated (`-` for default) |
//! | `require` | valid: the Require header names, space separated |
//! | `header` | valid: `Name=value` of one meta header (raw name, unescaped value) |
//! | `content-type` | valid: the inner Content-Type |
//! | `body` | valid: the payload, escaped like the body |
//! | `max-header-block` | decode with this header-block limit instead of the default |
//!
//! A valid message must also survive encode → decode unchanged.

use bytes::Bytes;
use imsession_cpim::codec::{CodecLimits, CpimError, CpimMessage};

use super::{check_files, parse_keys, split_head, unescape};

/// Every key a `.cpim` vector may hold.
pub const KEYS: &[&str] = &[
    "source",
    "verdict",
    "reason",
    "error",
    "from",
    "display-from",
    "to",
    "cc",
    "subject",
    "ns",
    "require",
    "header",
    "content-type",
    "body",
    "max-header-block",
];

/// Checks every `vectors/cpim/*.cpim` and returns how many there are.
///
/// # Errors
/// The first vector whose outcome differs, naming the file and what differed.
pub fn check_all() -> Result<usize, String> {
    check_files("cpim", "cpim", check_one)
}

/// Decodes the message and runs every typed accessor: the first error is the verdict.
fn decode_all(data: Bytes, limits: &CodecLimits) -> Result<CpimMessage, CpimError> {
    let m = CpimMessage::decode(data, limits)?;
    m.from()?;
    m.to()?;
    m.cc()?;
    m.date_time()?;
    m.namespaces()?;
    Ok(m)
}

/// Checks one vector file.
///
/// # Errors
/// What differed from the file's expectations.
pub fn check_one(name: &str, file: &[u8]) -> Result<(), String> {
    let (head, body) = split_head(name, file)?;
    let exp = parse_keys(name, &head, KEYS)?;
    for k in ["source", "verdict", "reason"] {
        if !exp.contains_key(k) {
            return Err(format!("{name}: missing {k}"));
        }
    }
    let data = Bytes::from(unescape(name, &body)?);
    let mut limits = CodecLimits::default();
    if let Some(v) = exp.get("max-header-block") {
        limits.max_header_block = v.parse().map_err(|_| format!("{name}: max-header-block"))?;
    }
    let result = decode_all(data, &limits);
    match (exp["verdict"].as_str(), result) {
        ("invalid", Ok(m)) => Err(format!(
            "{name}: decoded, but it is invalid ({}): {m:?}",
            exp["reason"]
        )),
        ("invalid", Err(e)) => match exp.get("error") {
            Some(want) if !e.to_string().contains(want.as_str()) => Err(format!(
                "{name}: failed with {e:?}, expected an error containing {want:?}"
            )),
            _ => Ok(()),
        },
        ("valid", Err(e)) => Err(format!(
            "{name}: rejected with {e}, but it is valid ({})",
            exp["reason"]
        )),
        ("valid", Ok(m)) => check_valid(name, &exp, &m, &limits),
        (other, _) => Err(format!("{name}: verdict={other}")),
    }
}

fn check_valid(
    name: &str,
    exp: &std::collections::BTreeMap<String, String>,
    m: &CpimMessage,
    limits: &CodecLimits,
) -> Result<(), String> {
    let err = |what: &str, got: String, want: &str| {
        Err(format!("{name}: {what}: got {got:?}, expected {want:?}"))
    };
    let uris = |list: Vec<imsession_cpim::codec::Address>| {
        list.into_iter()
            .map(|a| a.uri)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let from = m.from().ok().flatten();
    for (key, got) in [
        ("from", from.clone().map(|a| a.uri).unwrap_or_default()),
        (
            "display-from",
            from.and_then(|a| a.display_name).unwrap_or_default(),
        ),
        ("to", uris(m.to().unwrap_or_default())),
        ("cc", uris(m.cc().unwrap_or_default())),
        (
            "subject",
            m.subjects()
                .into_iter()
                .map(|s| format!("{}:{}", s.lang.as_deref().unwrap_or("-"), s.text))
                .collect::<Vec<_>>()
                .join("|"),
        ),
        (
            "ns",
            m.namespaces()
                .unwrap_or_default()
                .into_iter()
                .map(|n| format!("{}={}", n.prefix.as_deref().unwrap_or("-"), n.uri))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ("require", m.require().join(" ")),
        (
            "content-type",
            m.content_type().unwrap_or_default().to_owned(),
        ),
    ] {
        if let Some(want) = exp.get(key) {
            if got != *want {
                return err(key, got, want);
            }
        }
    }
    if let Some(want) = exp.get("header") {
        let (n, v) = want
            .split_once('=')
            .ok_or_else(|| format!("{name}: header= needs Name=value"))?;
        if !m.meta.iter().any(|h| h.name == n && h.value == v) {
            return Err(format!("{name}: no meta header {n}: {v:?} in {:?}", m.meta));
        }
    }
    if let Some(want) = exp.get("body") {
        let want = unescape(name, want.as_bytes())?;
        if m.body != want {
            return err(
                "body",
                String::from_utf8_lossy(&m.body).into_owned(),
                &String::from_utf8_lossy(&want),
            );
        }
    }
    let again = CpimMessage::decode(m.to_bytes(), limits)
        .map_err(|e| format!("{name}: our encoding of it does not decode: {e}"))?;
    if again != *m {
        return Err(format!("{name}: encode then decode changed it: {again:?}"));
    }
    Ok(())
}
