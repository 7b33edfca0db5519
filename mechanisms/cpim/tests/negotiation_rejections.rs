//! What is refused, and how: port-0 m-lines in our answers (RFC 3264 §6 as in
//! draft-ietf-mmusic-sdp-offer-answer-01), parse errors, and the errors `complete()` gives for
//! answers that break the offer/answer rules.

use imsession::sdp::{SessionDescription, Setup};
use imsession::{
    AnswerOptions, LocalAddress, MediaOptions, NegotiationError, Negotiator, PendingOffer,
    ProtoToken, Role,
};
mod support;

use support::{complete_err, negotiator, parse};

const HEAD: &str = "v=0\r\no=alice 1 1 IN IP4 alice.example.com\r\ns=-\r\n\
c=IN IP4 alice.example.com\r\nt=0 0\r\n";

const CPIM_LINE: &str =
    "m=message 7394 cpim/tcp text/plain\r\na=setup:actpass\r\na=uri:im:ok@alice.example.com\r\n";

fn offer(media: &[&str]) -> SessionDescription {
    parse(&format!("{HEAD}{}", media.concat()))
}

fn bob() -> LocalAddress {
    LocalAddress::new("bob.example.com").with_port("tcp", 8493)
}

fn answer(sdp: &SessionDescription) -> imsession::Answer {
    negotiator()
        .answer(sdp, &AnswerOptions::default(), &bob())
        .unwrap()
}

/// Answers an offer with one bad m-line and returns the refused line's reason.
fn refused_alone(media: &str) -> (imsession::Answer, String) {
    let a = answer(&offer(&[media]));
    assert_eq!(a.sdp.media().len(), 1);
    assert_eq!(a.sdp.media()[0].port, 0, "{}", a.sdp);
    assert!(a.selections.is_empty());
    assert_eq!(a.rejections.len(), 1);
    assert_eq!(a.rejections[0].index, 0);
    let reason = a.rejections[0].reason.clone();
    (a, reason)
}

/// Our pending offer with `count` cpim/tcp m-lines (`a=setup:actpass`).
fn our_offer(n: &Negotiator, count: usize) -> PendingOffer {
    let opts = MediaOptions::new(ProtoToken::parse("cpim/tcp").unwrap());
    n.offer(
        &vec![opts; count],
        &LocalAddress::new("alice.example.com").with_port("tcp", 7394),
    )
    .unwrap()
}

fn bob_answer(media: &[&str]) -> SessionDescription {
    parse(&format!(
        "v=0\r\no=bob 2 2 IN IP4 bob.example.com\r\ns=-\r\nc=IN IP4 bob.example.com\r\n\
         t=0 0\r\n{}",
        media.concat()
    ))
}

const BOB_OK: &str =
    "m=message 9 cpim/tcp text/plain\r\na=setup:active\r\na=uri:im:b@bob.example.com\r\n";

// ---- Our answers ----------------------------------------------------------------------------

#[test]
fn unknown_proto_is_refused_and_the_others_are_negotiated() {
    let sdp = offer(&[
        "m=message 9 foo/tcp text/plain\r\na=uri:im:x@alice.example.com\r\n",
        CPIM_LINE,
    ]);
    let a = answer(&sdp);
    let media = a.sdp.media();
    // RFC 3264 §6: one m-line per offered m-line, in order.
    assert_eq!(media.len(), 2, "{}", a.sdp);
    assert_eq!(media[0].port, 0);
    assert_eq!(media[0].media, "message");
    assert_eq!(media[0].proto, "foo/tcp");
    assert!(
        !media[0].formats.is_empty(),
        "SDP needs at least one format"
    );
    assert_eq!(a.rejections.len(), 1);
    assert_eq!(a.rejections[0].index, 0);
    assert!(
        a.rejections[0].reason.contains("foo/tcp"),
        "{:?}",
        a.rejections
    );

    assert_eq!(media[1].proto, "cpim/tcp");
    assert_eq!(media[1].port, 9);
    assert_eq!(media[1].setup(), Some(Setup::Active));
    assert_eq!(a.selections.len(), 1);
    assert_eq!(a.selections[0].index, 1);
    assert_eq!(a.selections[0].role, Role::Active);
    assert_eq!(a.selections[0].remote.uri, "im:ok@alice.example.com");
    // The answer text round-trips (port 0 m-line included).
    assert_eq!(parse(&a.sdp.to_string()), a.sdp);
}

#[test]
fn non_message_media_is_refused_with_port_0() {
    let a = answer(&offer(&["m=audio 49170 RTP/AVP 0\r\n", CPIM_LINE]));
    let m = &a.sdp.media()[0];
    assert_eq!(m.port, 0);
    assert_eq!(m.media, "audio");
    assert_eq!(m.proto, "RTP/AVP");
    assert_eq!(m.formats, ["0"]);
    assert_eq!(a.rejections[0].index, 0);
    assert!(
        a.rejections[0].reason.contains("audio"),
        "{:?}",
        a.rejections
    );
    assert_eq!(a.sdp.media()[1].proto, "cpim/tcp");
    assert_ne!(a.sdp.media()[1].port, 0);
    assert_eq!(a.selections.len(), 1);
}

#[test]
fn missing_uri_is_refused_naming_a_uri() {
    let (a, reason) = refused_alone("m=message 7394 cpim/tcp text/plain\r\na=setup:actpass\r\n");
    assert!(reason.contains("a=uri"), "{reason}");
    assert_eq!(a.sdp.media()[0].proto, "cpim/tcp");
}

#[test]
fn format_list_without_text_plain_is_refused() {
    let (_, reason) = refused_alone(
        "m=message 7394 cpim/tcp text/html\r\na=setup:actpass\r\na=uri:im:x@alice.example.com\r\n",
    );
    assert!(reason.contains("text/plain"), "{reason}");
}

#[test]
fn offered_port_0_stays_refused() {
    let (_, reason) = refused_alone(
        "m=message 0 cpim/tcp text/plain\r\na=setup:actpass\r\na=uri:im:x@alice.example.com\r\n",
    );
    assert!(reason.contains("port 0"), "{reason}");
}

#[test]
fn missing_connection_address_is_refused() {
    let sdp = parse(&format!(
        "v=0\r\no=alice 1 1 IN IP4 alice.example.com\r\ns=-\r\nt=0 0\r\n{CPIM_LINE}"
    ));
    let a = answer(&sdp);
    assert_eq!(a.sdp.media()[0].port, 0);
    assert!(a.rejections[0].reason.contains("c="), "{:?}", a.rejections);
}

#[test]
fn media_level_connection_address_is_used() {
    let sdp = parse(
        "v=0\r\no=alice 1 1 IN IP4 alice.example.com\r\ns=-\r\nt=0 0\r\n\
         m=message 7394 cpim/tcp text/plain\r\nc=IN IP4 192.0.2.2\r\na=setup:passive\r\n\
         a=uri:im:x@alice.example.com\r\n",
    );
    let a = answer(&sdp);
    assert_eq!(a.selections[0].target.to_string(), "192.0.2.2:7394");
}

#[test]
fn passive_answer_without_a_listening_port_is_refused() {
    let sdp = offer(&[
        "m=message 7394 cpim/tcp text/plain\r\na=setup:active\r\na=uri:im:x@alice.example.com\r\n",
    ]);
    let a = negotiator()
        .answer(
            &sdp,
            &AnswerOptions::default(),
            &LocalAddress::new("bob.example.com"),
        )
        .unwrap();
    assert_eq!(a.sdp.media()[0].port, 0);
    assert!(
        a.rejections[0].reason.contains("listening port"),
        "{:?}",
        a.rejections
    );
}

#[test]
fn answer_copies_the_offers_timing() {
    // The session part comedia-04 §8 assumes for its examples.
    let sdp = parse(
        "v=0\r\no=me 2890844526 2890842807 IN IP4 10.1.1.2\r\ns=Call me using TCP\r\n\
         c=IN IP4 10.1.1.2\r\nt=3034423619 3042462419\r\n\
         m=message 54111 cpim/tcp text/plain\r\na=direction:both\r\na=uri:im:x@10.1.1.2\r\n",
    );
    let a = answer(&sdp);
    let text = a.sdp.to_string();
    assert!(text.contains("\r\nt=3034423619 3042462419\r\n"), "{text}");
}

#[test]
fn session_level_setup_applies_to_the_media() {
    let sdp = parse(
        "v=0\r\no=alice 1 1 IN IP4 alice.example.com\r\ns=-\r\n\
         c=IN IP4 alice.example.com\r\nt=0 0\r\na=setup:passive\r\n\
         m=message 7394 cpim/tcp text/plain\r\na=uri:im:x@alice.example.com\r\n",
    );
    let a = answer(&sdp);
    assert!(a.rejections.is_empty(), "{:?}", a.rejections);
    assert_eq!(a.selections[0].role, Role::Active);
    assert_eq!(a.sdp.media()[0].setup(), Some(Setup::Active));
}

// ---- Parse errors ---------------------------------------------------------------------------

#[test]
fn malformed_m_line_names_its_line_number() {
    let text = format!("{HEAD}m=message x cpim/tcp text/plain\r\na=uri:im:x@a\r\n");
    let err = SessionDescription::parse(&text).unwrap_err();
    // v= o= s= c= t= then the m-line: line 6.
    assert_eq!(err.line(), 6);
    let shown = err.to_string();
    assert!(shown.starts_with("line 6: "), "{shown}");
    assert!(shown.contains("m=message x cpim/tcp text/plain"), "{shown}");
    // Carried through the negotiation error unchanged.
    let wrapped = NegotiationError::from(err);
    assert!(wrapped.to_string().contains("line 6: "), "{wrapped}");
}

// ---- complete() -----------------------------------------------------------------------------

#[test]
fn answer_with_another_proto_is_proto_changed() {
    let n = negotiator();
    let pending = our_offer(&n, 1);
    let err = complete_err(
        &n,
        &pending,
        &bob_answer(&["m=message 9 cpim/tls text/plain\r\na=setup:active\r\n\
                           a=uri:im:b@bob.example.com\r\n"]),
    );
    assert_eq!(
        err,
        NegotiationError::ProtoChanged {
            index: 0,
            offer: "message cpim/tcp".into(),
            answer: "message cpim/tls".into(),
        }
    );
}

#[test]
fn answer_with_another_media_type_is_proto_changed() {
    let n = negotiator();
    let pending = our_offer(&n, 2);
    let err = complete_err(
        &n,
        &pending,
        &bob_answer(&[BOB_OK, "m=audio 0 cpim/tcp 0\r\n"]),
    );
    assert!(
        matches!(err, NegotiationError::ProtoChanged { index: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn answer_with_another_m_line_count_is_media_count() {
    let n = negotiator();
    let pending = our_offer(&n, 1);
    let err = complete_err(&n, &pending, &bob_answer(&[BOB_OK, BOB_OK]));
    assert_eq!(
        err,
        NegotiationError::MediaCount {
            offer: 1,
            answer: 2
        }
    );

    let pending = our_offer(&n, 2);
    let err = complete_err(&n, &pending, &bob_answer(&[BOB_OK]));
    assert_eq!(
        err,
        NegotiationError::MediaCount {
            offer: 2,
            answer: 1
        }
    );
}

#[test]
fn answer_with_an_illegal_setup_is_illegal_setup() {
    let n = negotiator();
    let pending = our_offer(&n, 2);
    let err = complete_err(
        &n,
        &pending,
        &bob_answer(&[
            BOB_OK,
            "m=message 8493 cpim/tcp text/plain\r\na=setup:actpass\r\n\
                 a=uri:im:c@bob.example.com\r\n",
        ]),
    );
    assert_eq!(
        err,
        NegotiationError::IllegalSetup {
            index: 1,
            offer: "a=setup:actpass".into(),
            answer: "a=setup:actpass".into(),
        }
    );
}

#[test]
fn all_rejected_answer_is_all_rejected() {
    let n = negotiator();
    let pending = our_offer(&n, 2);
    let refused = "m=message 0 cpim/tcp text/plain\r\n";
    let err = complete_err(&n, &pending, &bob_answer(&[refused, refused]));
    assert_eq!(err, NegotiationError::AllRejected);
}

#[test]
fn partly_rejected_answer_keeps_the_rest() {
    let n = negotiator();
    let pending = our_offer(&n, 2);
    let sels = n
        .complete(
            &pending,
            &bob_answer(&["m=message 0 cpim/tcp text/plain\r\n", BOB_OK]),
        )
        .unwrap();
    assert_eq!(sels.len(), 1);
    assert_eq!(sels[0].index, 1);
    assert_eq!(sels[0].role, Role::Passive);
}

#[test]
fn answer_without_uri_is_bad_media_with_its_index() {
    let n = negotiator();
    let pending = our_offer(&n, 2);
    let err = complete_err(
        &n,
        &pending,
        &bob_answer(&[
            BOB_OK,
            "m=message 9 cpim/tcp text/plain\r\na=setup:active\r\n",
        ]),
    );
    match err {
        NegotiationError::BadMedia { index, reason } => {
            assert_eq!(index, 1);
            assert!(reason.contains("a=uri"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn answer_without_text_plain_is_bad_media() {
    let n = negotiator();
    let pending = our_offer(&n, 1);
    let err = complete_err(
        &n,
        &pending,
        &bob_answer(&["m=message 9 cpim/tcp text/html\r\na=setup:active\r\n\
                           a=uri:im:b@bob.example.com\r\n"]),
    );
    assert!(
        matches!(&err, NegotiationError::BadMedia { index: 0, reason } if reason.contains("text/plain")),
        "{err:?}"
    );
}

#[test]
fn answer_without_connection_address_is_no_connection_address() {
    let n = negotiator();
    let pending = our_offer(&n, 1);
    let answer = parse(&format!(
        "v=0\r\no=bob 2 2 IN IP4 bob.example.com\r\ns=-\r\nt=0 0\r\n{BOB_OK}"
    ));
    let err = complete_err(&n, &pending, &answer);
    assert_eq!(err, NegotiationError::NoConnectionAddress { index: 0 });
}

#[test]
fn holdconn_cannot_be_offered_in_the_direction_dialect() {
    let n = negotiator();
    let local = LocalAddress::new("alice.example.com").with_port("tcp", 7394);
    let held = MediaOptions::new(ProtoToken::parse("cpim/tcp").unwrap())
        .setup(imsession::SetupPreference::HoldConn);
    let err = n
        .offer(
            &[
                held.clone().dialect(imsession::Dialect::Setup),
                held.dialect(imsession::Dialect::Direction),
            ],
            &local,
        )
        .unwrap_err();
    assert_eq!(err, NegotiationError::HoldConnNeedsSetup { index: 1 });
    assert_eq!(
        err.to_string(),
        "m-line 1: holdconn has no a=direction form; offer it with a=setup"
    );
}
