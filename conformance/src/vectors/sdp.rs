//! `vectors/sdp/`: offer/answer examples from the specs and what negotiating them must give
//! (format in `vectors/README.md`).

use std::collections::BTreeMap;
use std::path::Path;

use imsession::sdp::SessionDescription;
use imsession::{AnswerOptions, LocalAddress, MediaOptions, MediaRange, Negotiator, Role};

use super::{files_in, parse_keys};

/// Every key an `.expect` file may hold.
pub const KEYS: &[&str] = &[
    "kind",
    "source",
    "wrapped",
    "rejected",
    "role",
    "answer-setup",
    "answer-connection",
    "answer-port",
    "answer-formats",
    "target",
    "remote-uri",
    "peer-answer",
    "complete-role",
    "complete-connection",
    "complete-target",
    "complete-remote-uri",
    "complete-remote-accepts",
];

/// Host our answerer advertises when running the vectors.
pub const ANSWER_HOST: &str = "bob.example.com";
/// Port our answerer listens on when running the vectors.
pub const ANSWER_PORT: u16 = 8493;

/// One offer/answer example.
#[derive(Clone, Debug)]
pub struct SdpVector {
    /// File name of the `.sdp`.
    pub name: String,
    /// The description.
    pub sdp: SessionDescription,
    /// Its `.expect` keys.
    pub expect: BTreeMap<String, String>,
    /// The directory it is in (where its `peer-answer` is).
    pub dir: std::path::PathBuf,
}

/// Loads every `*.sdp` in `dir` with its `.expect` ([`super::dir`]`("sdp")` for this crate's).
///
/// # Errors
/// A missing `.expect`, a bad key, a missing required key, or an SDP that does not parse.
pub fn load(dir: &Path) -> Result<Vec<SdpVector>, String> {
    let mut out = Vec::new();
    for path in files_in(dir, "sdp")? {
        out.push(load_one(&path)?);
    }
    Ok(out)
}

fn load_one(path: &Path) -> Result<SdpVector, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let expect_path = path.with_extension("expect");
    let text = std::fs::read_to_string(&expect_path)
        .map_err(|e| format!("{name}: no readable .expect: {e}"))?;
    let expect = parse_keys(&name, &text, KEYS)?;
    for k in ["kind", "source", "wrapped"] {
        if !expect.contains_key(k) {
            return Err(format!("{name}: .expect lacks {k}"));
        }
    }
    let sdp_text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    if !sdp_text.starts_with("v=0") {
        return Err(format!("{name}: does not start with v=0"));
    }
    let sdp = SessionDescription::parse(&sdp_text).map_err(|e| format!("{name}: {e}"))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(SdpVector {
        name,
        sdp,
        expect,
        dir,
    })
}

/// Whether offer `v` is for `negotiator` serving `proto`: its first m-line uses `proto`, or it
/// uses only protos the negotiator does not serve and expects every m-line rejected (every
/// negotiator must refuse what it cannot serve).
pub fn applies(v: &SdpVector, negotiator: &Negotiator, proto: &str) -> bool {
    if v.expect["kind"] != "offer" {
        return false;
    }
    let served = negotiator.protos();
    let media = v.sdp.media();
    let first = media
        .first()
        .is_some_and(|m| m.proto.eq_ignore_ascii_case(proto));
    let none_served = media
        .iter()
        .all(|m| !served.iter().any(|p| *p == *m.proto.as_str()));
    let all: Vec<String> = (0..media.len()).map(|i| i.to_string()).collect();
    let all_rejected = v.expect.get("rejected") == Some(&all.join(","));
    first || (none_served && all_rejected)
}

/// Runs every vector in `dir` that [`applies`] to `proto` with `negotiator` (whose transport
/// is named `transport`) and returns how many ran.
///
/// # Errors
/// The first vector whose outcome differs, naming the file and key; or a vector set that is
/// inconsistent (an answer no offer names).
pub fn check_all(
    dir: &Path,
    negotiator: &Negotiator,
    transport: &str,
    proto: &str,
) -> Result<usize, String> {
    let all = load(dir)?;
    let mut ran = 0;
    let mut referenced = Vec::new();
    for v in all.iter().filter(|v| v.expect["kind"] == "offer") {
        if let Some(p) = v.expect.get("peer-answer") {
            referenced.push(p.clone());
        }
        if applies(v, negotiator, proto) {
            let checked = check_offer(negotiator, transport, v)?;
            if checked == 0 {
                return Err(format!("{}: no outcome checked", v.name));
            }
            ran += 1;
        }
    }
    for v in all.iter().filter(|v| v.expect["kind"] == "answer") {
        if !referenced.contains(&v.name) {
            return Err(format!("{} is not any offer's peer-answer", v.name));
        }
    }
    for v in &all {
        if !matches!(v.expect["kind"].as_str(), "offer" | "answer") {
            return Err(format!("{}: kind={}", v.name, v.expect["kind"]));
        }
    }
    Ok(ran)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Active => "active",
        Role::Passive => "passive",
        Role::Both => "both",
        Role::HoldConn => "holdconn",
    }
}

fn ranges_text(list: &[MediaRange]) -> String {
    list.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

fn none_or(list: Vec<String>, sep: &str) -> String {
    if list.is_empty() {
        "none".to_owned()
    } else {
        list.join(sep)
    }
}

/// Checks the keys present in `v`'s `.expect`; returns how many were checked.
///
/// # Errors
/// `name: key: got X, expected Y`, or a negotiation that failed.
pub fn check_offer(n: &Negotiator, transport: &str, v: &SdpVector) -> Result<usize, String> {
    let name = &v.name;
    let exp = &v.expect;
    let mut checked = 0;
    let mut check = |key: &str, got: &str| -> Result<(), String> {
        if let Some(want) = exp.get(key) {
            if got != want {
                return Err(format!("{name}: {key}: got {got:?}, expected {want:?}"));
            }
            checked += 1;
        }
        Ok(())
    };
    let answer = n
        .answer(
            &v.sdp,
            &AnswerOptions::default(),
            &LocalAddress::new(ANSWER_HOST).with_port(transport, ANSWER_PORT),
        )
        .map_err(|e| format!("{name}: answer: {e}"))?;
    if answer.sdp.media().len() != v.sdp.media().len() {
        return Err(format!(
            "{name}: answer has {} m-lines for {} offered (RFC 3264 §6)",
            answer.sdp.media().len(),
            v.sdp.media().len()
        ));
    }
    let rejected = answer
        .rejections
        .iter()
        .map(|r| r.index.to_string())
        .collect();
    check("rejected", &none_or(rejected, ","))?;
    let m0 = &answer.sdp.media()[0];
    let comedia = m0
        .attributes()
        .filter(|a| matches!(a.name(), "setup" | "direction"))
        .map(ToString::to_string)
        .collect();
    check("answer-setup", &none_or(comedia, " "))?;
    let connection = m0
        .connection_mode()
        .map_or("none".to_owned(), |c| c.to_string());
    check("answer-connection", &connection)?;
    check("answer-port", &m0.port.to_string())?;
    check("answer-formats", &m0.formats.join(" "))?;
    if let Some(sel) = answer.selections.first() {
        check("role", role_name(sel.role))?;
        check("target", &sel.target.to_string())?;
        check("remote-uri", &sel.remote.uri)?;
    } else if let Some(key) = ["role", "target", "remote-uri"]
        .into_iter()
        .find(|k| exp.contains_key(*k))
    {
        return Err(format!("{name}: {key} expected but nothing was accepted"));
    }
    let reparsed = SessionDescription::parse(&answer.sdp.to_string())
        .map_err(|e| format!("{name}: our answer does not parse back: {e}"))?;
    if reparsed != answer.sdp {
        return Err(format!("{name}: our answer does not parse back to itself"));
    }

    let Some(peer) = exp.get("peer-answer") else {
        return Ok(checked);
    };
    let peer_sdp = load_one(&v.dir.join(peer))?.sdp;
    let proto = imsession::ProtoToken::parse(&v.sdp.media()[0].proto)
        .map_err(|e| format!("{name}: {e}"))?;
    let mut pending = n
        .offer(
            &vec![MediaOptions::new(proto); v.sdp.media().len()],
            &LocalAddress::new("offerer.invalid").with_port(transport, 7394),
        )
        .map_err(|e| format!("{name}: offer: {e}"))?;
    pending.sdp = v.sdp.clone();
    let sel = n
        .complete(&pending, &peer_sdp)
        .map_err(|e| format!("{name} + {peer}: complete: {e}"))?
        .remove(0);
    check("complete-role", role_name(sel.role))?;
    check("complete-connection", sel.connection.as_str())?;
    check("complete-target", &sel.target.to_string())?;
    check("complete-remote-uri", &sel.remote.uri)?;
    check("complete-remote-accepts", &ranges_text(&sel.remote.accepts))?;
    Ok(checked)
}
