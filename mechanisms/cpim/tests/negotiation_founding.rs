//! The founding example (draft-campbell-simple-im-sessions-00 §5, repeated in
//! draft-campbell-simple-cpimmsg-sessions-00 §4.3): A offers `a=direction:both`, B answers
//! `a=direction:active` and connects to A. Pure negotiation, no I/O.

use imsession::sdp::{Attribute, LegacyRole};
use imsession::{
    AnswerOptions, Dialect, LocalAddress, MediaOptions, MediaRange, ProtoToken, Role,
    SetupPreference,
};
mod support;

use support::{negotiator, parse};

/// A's offer (im-sessions-00 §5), wrapped in the `v=`, `o=`, `s=`, `t=` lines SDP requires.
const A_OFFER: &str = include_str!("../../../conformance/vectors/sdp/im-sessions-5-offer.sdp");

/// B's answer (im-sessions-00 §5), wrapped likewise; the media section is verbatim.
const B_ANSWER: &str = include_str!("../../../conformance/vectors/sdp/im-sessions-5-answer.sdp");

/// B's answer as cpimmsg-sessions-00 §4.3 writes it: only `text/plain`.
const B_ANSWER_CPIMMSG: &str =
    include_str!("../../../conformance/vectors/sdp/cpimmsg-4.3-answer.sdp");

fn range(text: &str) -> MediaRange {
    MediaRange::parse(text).unwrap()
}

/// A's side, as the draft describes it: `direction:both`, listening on 7394, accepting only
/// `text/plain`.
fn alice_options() -> (MediaOptions, LocalAddress) {
    let opts = MediaOptions {
        proto: ProtoToken::parse("cpim/tcp").unwrap(),
        accept: vec![mime::TEXT_PLAIN],
        setup: SetupPreference::Either,
        dialect: Dialect::Direction,
        connection: imsession::sdp::ConnectionMode::New,
    };
    (
        opts,
        LocalAddress::new("alice.example.com").with_port("tcp", 7394),
    )
}

#[test]
fn founding_offer_parses_as_the_draft_writes_it() {
    let offer = parse(A_OFFER);
    let m = &offer.media()[0];
    assert_eq!(m.media, "message");
    assert_eq!(m.port, 7394);
    assert_eq!(m.proto, "cpim/tcp");
    assert_eq!(m.formats, ["text/plain"]);
    assert_eq!(m.direction().map(|d| d.role), Some(LegacyRole::Both));
    assert_eq!(m.setup(), None);
    assert_eq!(m.uri(), Some("im:2s93i9@alice.example.com"));
    assert_eq!(offer.connection().unwrap().host(), "alice.example.com");
}

#[test]
fn our_answerer_answers_the_founding_offer_like_b() {
    let n = negotiator();
    let offer = parse(A_OFFER);
    let answer = n
        .answer(
            &offer,
            &AnswerOptions::default(),
            &LocalAddress::new("bob.example.com"),
        )
        .unwrap();
    assert!(answer.rejections.is_empty(), "{:?}", answer.rejections);
    assert_eq!(answer.sdp.media().len(), 1);

    // The answer, as B would send it (re-parsed from text, as the peer would see it).
    let text = answer.sdp.to_string();
    let sent = parse(&text);
    assert_eq!(
        sent.connection().unwrap().host(),
        "bob.example.com",
        "{text}"
    );
    let m = &sent.media()[0];
    assert_eq!(m.media, "message", "{text}");
    assert_eq!(m.proto, "cpim/tcp", "{text}");
    // Active side: the discard port (comedia-04 §4.2).
    assert_eq!(m.port, 9, "{text}");
    // Our accept list (AnswerOptions default: text/plain).
    assert_eq!(m.formats, ["text/plain"], "{text}");
    // `both` offered, we prefer to connect: `active`, never `both`, and in the offer's
    // (legacy) dialect.
    assert_eq!(
        m.direction().map(|d| d.role),
        Some(LegacyRole::Active),
        "{text}"
    );
    assert_eq!(m.setup(), None, "answered in the legacy dialect: {text}");
    let directions = m
        .attributes()
        .filter(|a| matches!(a, Attribute::Direction(_)))
        .count();
    assert_eq!(directions, 1, "{text}");
    // Our own session URI, not A's.
    let uri = m.uri().expect("a=uri in the answer");
    assert!(uri.starts_with("im:"), "{uri}");
    assert!(uri.ends_with("@bob.example.com"), "{uri}");
    assert_ne!(uri, "im:2s93i9@alice.example.com");

    let sel = &answer.selections[0];
    assert_eq!(sel.index, 0);
    assert_eq!(sel.proto.as_str(), "cpim/tcp");
    assert_eq!(sel.role, Role::Active);
    assert_eq!(sel.target.host, "alice.example.com");
    assert_eq!(sel.target.port, 7394);
    assert_eq!(sel.target.to_string(), "alice.example.com:7394");
    assert_eq!(sel.remote.uri, "im:2s93i9@alice.example.com");
    assert_eq!(sel.remote.accepts, [range("text/plain")]);
    assert_eq!(sel.local.uri, uri);
    assert_eq!(sel.local.accepts, [range("text/plain")]);
}

#[test]
fn our_answerer_with_a_passive_preference_listens_instead() {
    let n = negotiator();
    let answer = n
        .answer(
            &parse(A_OFFER),
            &AnswerOptions {
                setup: SetupPreference::Passive,
                ..AnswerOptions::default()
            },
            &LocalAddress::new("bob.example.com").with_port("tcp", 8493),
        )
        .unwrap();
    let m = &answer.sdp.media()[0];
    assert_eq!(m.direction().map(|d| d.role), Some(LegacyRole::Passive));
    assert_eq!(m.port, 8493);
    assert_eq!(answer.selections[0].role, Role::Passive);
}

#[test]
fn our_answerer_lists_html_when_it_accepts_html() {
    let n = negotiator();
    let answer = n
        .answer(
            &parse(A_OFFER),
            &AnswerOptions {
                accept: vec![mime::TEXT_PLAIN, mime::TEXT_HTML],
                ..AnswerOptions::default()
            },
            &LocalAddress::new("bob.example.com"),
        )
        .unwrap();
    // Exactly B's m-line from the draft, apart from the URI.
    let m = &answer.sdp.media()[0];
    assert_eq!(m.formats, ["text/plain", "text/html"]);
    assert_eq!(
        m.to_string().lines().next(),
        Some("m=message 9 cpim/tcp text/plain text/html")
    );
}

#[test]
fn our_offerer_writes_the_founding_offer() {
    let n = negotiator();
    let (opts, local) = alice_options();
    let pending = n.offer(&[opts], &local).unwrap();
    let text = pending.sdp.to_string();
    let sent = parse(&text);
    assert_eq!(
        sent.connection().unwrap().host(),
        "alice.example.com",
        "{text}"
    );
    let m = &sent.media()[0];
    assert_eq!(m.port, 7394, "{text}");
    assert_eq!(m.proto, "cpim/tcp", "{text}");
    assert_eq!(m.formats, ["text/plain"], "{text}");
    assert_eq!(
        m.direction().map(|d| d.role),
        Some(LegacyRole::Both),
        "{text}"
    );
    assert_eq!(m.setup(), None, "{text}");
    let uri = m.uri().unwrap();
    assert!(
        uri.starts_with("im:") && uri.ends_with("@alice.example.com"),
        "{uri}"
    );
}

#[test]
fn our_offerer_completes_with_bs_exact_answer() {
    let n = negotiator();
    let (opts, local) = alice_options();
    let pending = n.offer(&[opts], &local).unwrap();
    let our_uri = pending.sdp.media()[0].uri().unwrap().to_owned();

    let selections = n.complete(&pending, &parse(B_ANSWER)).unwrap();
    assert_eq!(selections.len(), 1);
    let sel = &selections[0];
    assert_eq!(sel.index, 0);
    // B said `active`: B connects to alice.example.com:7394, A accepts.
    assert_eq!(sel.role, Role::Passive);
    assert_eq!(pending.sdp.media()[0].port, 7394);
    assert_eq!(sel.target.host, "bob.example.com");
    assert_eq!(sel.target.port, 8493);
    assert_eq!(sel.remote.uri, "im:849ro3@bob.example.com");
    assert_eq!(sel.local.uri, our_uri);
    // A may send text/plain and text/html (what B listed) ...
    assert_eq!(
        sel.remote.accepts,
        [range("text/plain"), range("text/html")]
    );
    assert!(imsession::accept::accepts(
        &sel.remote.accepts,
        &mime::TEXT_HTML
    ));
    // ... and B may send only text/plain (what A listed).
    assert_eq!(sel.local.accepts, [range("text/plain")]);
    assert!(!imsession::accept::accepts(
        &sel.local.accepts,
        &mime::TEXT_HTML
    ));
}

#[test]
fn our_offerer_completes_with_the_cpimmsg_answer() {
    let n = negotiator();
    let (opts, local) = alice_options();
    let pending = n.offer(&[opts], &local).unwrap();
    let sel = n
        .complete(&pending, &parse(B_ANSWER_CPIMMSG))
        .unwrap()
        .remove(0);
    assert_eq!(sel.role, Role::Passive);
    assert_eq!(sel.remote.uri, "im:849ro3@bob.example.com");
    assert_eq!(sel.remote.accepts, [range("text/plain")]);
}

#[test]
fn our_two_ends_negotiate_the_founding_exchange_between_themselves() {
    let alice = negotiator();
    let bob = negotiator();
    let (opts, local) = alice_options();
    let pending = alice.offer(&[opts], &local).unwrap();
    let offer = parse(&pending.sdp.to_string());
    let answer = bob
        .answer(
            &offer,
            &AnswerOptions {
                accept: vec![mime::TEXT_PLAIN, mime::TEXT_HTML],
                ..AnswerOptions::default()
            },
            &LocalAddress::new("bob.example.com"),
        )
        .unwrap();
    let b = &answer.selections[0];
    let a = alice
        .complete(&pending, &parse(&answer.sdp.to_string()))
        .unwrap()
        .remove(0);
    assert_eq!((a.role, b.role), (Role::Passive, Role::Active));
    assert_eq!(b.target.to_string(), "alice.example.com:7394");
    // Each side's local URI is the other's remote URI (cpimmsg-sessions §4.3).
    assert_eq!(a.local.uri, b.remote.uri);
    assert_eq!(a.remote.uri, b.local.uri);
    assert_eq!(a.local.accepts, b.remote.accepts);
    assert_eq!(a.remote.accepts, b.local.accepts);
}

// The spec vectors (conformance/vectors/sdp) run through the conformance suite:
// tests/conformance.rs.
