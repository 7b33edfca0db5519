//! Who connects: every offered COMEDIA value against every answered one, in both dialects.
//!
//! RFC 4145 (draft-ietf-mmusic-sdp-comedia-10 §4.1, §5.1, §5.2) and the legacy `a=direction`
//! (draft-ietf-mmusic-sdp-comedia-04 §4, §4.3), as DESIGN §5 decides them.

use imsession::sdp::{
    Attribute, ConnectionMode, LegacyDirection, LegacyRole, SessionDescription, Setup,
};
use imsession::{
    AnswerOptions, Dialect, LocalAddress, MediaOptions, NegotiationError, Negotiator, PendingOffer,
    ProtoToken, Role, SetupPreference,
};
mod support;

use support::{complete_err, negotiator, parse};

const LISTEN: u16 = 7394;

fn local(host: &str) -> LocalAddress {
    LocalAddress::new(host).with_port("tcp", LISTEN)
}

/// One cpim/tcp m-line offered by us, with its COMEDIA attributes replaced by `attrs`
/// (lines after `a=`, e.g. `setup:passive`).
fn our_offer(n: &Negotiator, attrs: &[String]) -> PendingOffer {
    let opts = MediaOptions::new(ProtoToken::parse("cpim/tcp").unwrap());
    let mut pending = n.offer(&[opts], &local("alice.example.com")).unwrap();
    let m = &mut pending.sdp.media_mut()[0];
    for name in ["setup", "connection", "direction"] {
        m.remove_attributes(name);
    }
    for a in attrs {
        m.push_attribute(a.parse::<Attribute>().unwrap());
    }
    pending
}

/// A peer's offer or answer with one cpim/tcp m-line carrying `attrs`.
fn peer_sdp(host: &str, port: u16, attrs: &[String]) -> SessionDescription {
    let mut text = format!(
        "v=0\r\no=- 1 1 IN IP4 {host}\r\ns=-\r\nc=IN IP4 {host}\r\nt=0 0\r\n\
         m=message {port} cpim/tcp text/plain\r\n"
    );
    for a in attrs {
        text.push_str(&format!("a={a}\r\n"));
    }
    text.push_str(&format!("a=uri:im:peer@{host}\r\n"));
    parse(&text)
}

/// `None` → no attribute; `Some(v)` → `a=<name>:<v>`.
fn attr(name: &str, value: Option<&str>) -> Vec<String> {
    value.map(|v| format!("{name}:{v}")).into_iter().collect()
}

fn describe(name: &str, value: Option<&str>) -> String {
    match (name, value) {
        (_, Some(v)) => format!("a={name}:{v}"),
        ("setup", None) => "no setup attribute".to_owned(),
        // An absent a=direction in an answer is described like an absent setup.
        (_, None) => "no setup attribute".to_owned(),
    }
}

const SETUPS: [Option<&str>; 5] = [
    Some("active"),
    Some("passive"),
    Some("actpass"),
    Some("holdconn"),
    None,
];

/// RFC 4145 §4.1 table, with §4.1's defaults (offer `active`, answer `passive`): the offerer's
/// role, or `None` when the answer is not legal.
fn expected_setup(offer: Option<&str>, answer: Option<&str>) -> Option<Role> {
    let offer = offer.unwrap_or("active");
    let answer = answer.unwrap_or("passive");
    match (offer, answer) {
        ("active" | "passive" | "actpass" | "holdconn", "holdconn") => Some(Role::HoldConn),
        ("active" | "actpass", "passive") => Some(Role::Active),
        ("passive" | "actpass", "active") => Some(Role::Passive),
        _ => None,
    }
}

/// RFC 4145 §5.1/§5.2: offer `new` (or absent) → answer `new` (or absent); offer `existing` →
/// `existing` or `new`. The result is the answer's value (default `new`); `None` if illegal.
fn expected_connection(offer: Option<&str>, answer: Option<&str>) -> Option<ConnectionMode> {
    match (offer.unwrap_or("new"), answer.unwrap_or("new")) {
        (_, "new") => Some(ConnectionMode::New),
        ("existing", "existing") => Some(ConnectionMode::Existing),
        _ => None,
    }
}

const CONNECTIONS: [Option<&str>; 3] = [None, Some("new"), Some("existing")];

#[test]
fn rfc4145_complete_matrix() {
    let n = negotiator();
    let mut checked = 0;
    for offer_setup in SETUPS {
        for offer_conn in CONNECTIONS {
            let mut ours = attr("setup", offer_setup);
            ours.extend(attr("connection", offer_conn));
            let pending = our_offer(&n, &ours);
            for answer_setup in SETUPS {
                for answer_conn in CONNECTIONS {
                    let mut theirs = attr("setup", answer_setup);
                    theirs.extend(attr("connection", answer_conn));
                    let port = if answer_setup == Some("active") {
                        9
                    } else {
                        8493
                    };
                    let answer = peer_sdp("bob.example.com", port, &theirs);
                    let case = format!("offer {ours:?}, answer {theirs:?}");
                    let result = n.complete(&pending, &answer);
                    let setup_ok = expected_setup(offer_setup, answer_setup);
                    let conn_ok = expected_connection(offer_conn, answer_conn);
                    match (setup_ok, conn_ok) {
                        (Some(role), Some(mode)) => {
                            let sel = result.unwrap_or_else(|e| panic!("{case}: {e}")).remove(0);
                            assert_eq!(sel.role, role, "{case}");
                            assert_eq!(sel.connection, mode, "{case}");
                            assert_eq!(sel.remote.uri, "im:peer@bob.example.com", "{case}");
                            assert_eq!(sel.target.port, port, "{case}");
                        }
                        (None, _) => {
                            let err = result.map(|_| ()).unwrap_err();
                            assert_eq!(
                                err,
                                NegotiationError::IllegalSetup {
                                    index: 0,
                                    offer: describe("setup", offer_setup),
                                    answer: describe("setup", answer_setup),
                                },
                                "{case}"
                            );
                            let text = err.to_string();
                            assert!(text.contains(&describe("setup", offer_setup)), "{text}");
                            assert!(text.contains(&describe("setup", answer_setup)), "{text}");
                        }
                        (Some(_), None) => {
                            // a=connection:existing answering a=connection:new (§5.2: MUST be
                            // new). Reported as IllegalSetup naming both connection values.
                            let err = result.map(|_| ()).unwrap_err();
                            assert!(
                                matches!(err, NegotiationError::IllegalSetup { index: 0, .. }),
                                "{case}: {err:?}"
                            );
                        }
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 5 * 5 * 3 * 3);
}

#[test]
fn rfc4145_legal_table_in_short() {
    // The §4.1 table itself, spelled out once (no a=connection).
    let n = negotiator();
    let legal = [
        ("active", "passive", Role::Active),
        ("active", "holdconn", Role::HoldConn),
        ("passive", "active", Role::Passive),
        ("passive", "holdconn", Role::HoldConn),
        ("actpass", "active", Role::Passive),
        ("actpass", "passive", Role::Active),
        ("actpass", "holdconn", Role::HoldConn),
        ("holdconn", "holdconn", Role::HoldConn),
    ];
    for (o, a, role) in legal {
        let pending = our_offer(&n, &attr("setup", Some(o)));
        let sel = n
            .complete(&pending, &peer_sdp("b", 8493, &attr("setup", Some(a))))
            .unwrap_or_else(|e| panic!("{o}/{a}: {e}"))
            .remove(0);
        assert_eq!(sel.role, role, "{o}/{a}");
        assert_eq!(sel.connection, ConnectionMode::New, "{o}/{a}");
    }
    let illegal = [
        ("active", "active"),
        ("active", "actpass"),
        ("passive", "passive"),
        ("passive", "actpass"),
        ("actpass", "actpass"),
        ("holdconn", "active"),
        ("holdconn", "passive"),
        ("holdconn", "actpass"),
    ];
    for (o, a) in illegal {
        let pending = our_offer(&n, &attr("setup", Some(o)));
        let err = complete_err(&n, &pending, &peer_sdp("b", 8493, &attr("setup", Some(a))));
        assert_eq!(
            err.to_string(),
            format!("m-line 0: a=setup:{a} is not a legal answer to a=setup:{o}")
        );
    }
}

#[test]
fn illegal_connection_answer_names_the_connection_values() {
    let n = negotiator();
    let pending = our_offer(&n, &["setup:actpass".into(), "connection:new".into()]);
    let answer = peer_sdp(
        "b",
        9,
        &["setup:active".into(), "connection:existing".into()],
    );
    let err = complete_err(&n, &pending, &answer);
    let text = err.to_string();
    assert!(
        matches!(err, NegotiationError::IllegalSetup { .. }),
        "{text}"
    );
    assert!(text.contains("a=connection:existing"), "{text}");
    assert!(text.contains("a=connection:new"), "{text}");
}

/// What our answerer writes for an offered setup value, per preference.
fn answer_for(
    n: &Negotiator,
    offer_attrs: &[String],
    setup: SetupPreference,
) -> (Role, SessionDescription) {
    let offer = peer_sdp("alice.example.com", 7000, offer_attrs);
    let answer = n
        .answer(
            &offer,
            &AnswerOptions {
                setup,
                ..AnswerOptions::default()
            },
            &local("bob.example.com"),
        )
        .unwrap();
    assert!(answer.rejections.is_empty(), "{:?}", answer.rejections);
    (answer.selections[0].role, answer.sdp)
}

#[test]
fn rfc4145_answer_for_each_offered_value() {
    let n = negotiator();
    let cases = [
        (
            Some("active"),
            SetupPreference::Either,
            Setup::Passive,
            Role::Passive,
        ),
        (
            Some("passive"),
            SetupPreference::Either,
            Setup::Active,
            Role::Active,
        ),
        (
            Some("actpass"),
            SetupPreference::Either,
            Setup::Active,
            Role::Active,
        ),
        (
            Some("actpass"),
            SetupPreference::Active,
            Setup::Active,
            Role::Active,
        ),
        (
            Some("actpass"),
            SetupPreference::Passive,
            Setup::Passive,
            Role::Passive,
        ),
        (
            Some("holdconn"),
            SetupPreference::Either,
            Setup::HoldConn,
            Role::HoldConn,
        ),
        (None, SetupPreference::Either, Setup::Passive, Role::Passive),
    ];
    for (offered, pref, setup, role) in cases {
        for offer_conn in CONNECTIONS {
            let mut attrs = attr("setup", offered);
            attrs.extend(attr("connection", offer_conn));
            let case = format!("{attrs:?} {pref:?}");
            let (got, sdp) = answer_for(&n, &attrs, pref);
            let m = &sdp.media()[0];
            assert_eq!(got, role, "{case}");
            assert_eq!(m.setup(), Some(setup), "{case}");
            assert_eq!(
                m.direction(),
                None,
                "answered in the offer's dialect: {case}"
            );
            let port = if role == Role::Passive { LISTEN } else { 9 };
            assert_eq!(m.port, port, "{case}");
            // a=connection echoes the offer's (we reuse when asked); absent stays absent.
            let mode = offer_conn.map(|c| c.parse::<ConnectionMode>().unwrap());
            assert_eq!(m.connection_mode(), mode, "{case}");
            // Whatever we answered completes against the offer it answered.
            let mut ours = attr("setup", offered);
            ours.extend(attr("connection", offer_conn));
            let pending = our_offer(&n, &ours);
            let sel = n
                .complete(&pending, &parse(&sdp.to_string()))
                .unwrap_or_else(|e| panic!("{case}: {e}"))
                .remove(0);
            let inverse = match role {
                Role::Active => Role::Passive,
                Role::Passive => Role::Active,
                other => other,
            };
            assert_eq!(sel.role, inverse, "{case}");
        }
    }
}

#[test]
fn rfc4145_answer_selection_connection_mode() {
    let n = negotiator();
    let offer = peer_sdp(
        "alice.example.com",
        7000,
        &["setup:passive".into(), "connection:existing".into()],
    );
    let answer = n
        .answer(&offer, &AnswerOptions::default(), &local("bob"))
        .unwrap();
    assert_eq!(answer.selections[0].connection, ConnectionMode::Existing);
    let offer = peer_sdp("alice.example.com", 7000, &["setup:passive".into()]);
    let answer = n
        .answer(&offer, &AnswerOptions::default(), &local("bob"))
        .unwrap();
    assert_eq!(answer.selections[0].connection, ConnectionMode::New);
}

#[test]
fn rfc4145_offer_answer_round_trip_for_every_preference() {
    let alice = negotiator();
    let bob = negotiator();
    let prefs = [
        SetupPreference::Either,
        SetupPreference::Active,
        SetupPreference::Passive,
        SetupPreference::HoldConn,
    ];
    for dialect in [Dialect::Setup, Dialect::Direction] {
        for offer_pref in prefs {
            if dialect == Dialect::Direction && offer_pref == SetupPreference::HoldConn {
                continue; // holdconn has no legacy spelling
            }
            for answer_pref in prefs {
                let opts = MediaOptions::new(ProtoToken::parse("cpim/tcp").unwrap())
                    .setup(offer_pref)
                    .dialect(dialect);
                let case = format!("{dialect:?} offer {offer_pref:?} answer {answer_pref:?}");
                let pending = alice.offer(&[opts], &local("alice")).unwrap();
                let answer = bob
                    .answer(
                        &parse(&pending.sdp.to_string()),
                        &AnswerOptions {
                            setup: answer_pref,
                            ..AnswerOptions::default()
                        },
                        &local("bob"),
                    )
                    .unwrap();
                let b = answer.selections[0].role;
                let a = alice
                    .complete(&pending, &parse(&answer.sdp.to_string()))
                    .unwrap_or_else(|e| panic!("{case}: {e}"))
                    .remove(0)
                    .role;
                let pair = (a, b);
                assert!(
                    matches!(
                        pair,
                        (Role::Active, Role::Passive)
                            | (Role::Passive, Role::Active)
                            | (Role::HoldConn, Role::HoldConn)
                    ),
                    "{case}: {pair:?}"
                );
                let m = &answer.sdp.media()[0];
                match dialect {
                    Dialect::Setup => assert!(m.setup().is_some() && m.direction().is_none()),
                    Dialect::Direction => {
                        assert!(m.setup().is_none(), "{case}");
                        assert_ne!(m.direction().unwrap().role, LegacyRole::Both, "{case}");
                    }
                }
            }
        }
    }
}

const DIRECTIONS: [Option<&str>; 4] = [Some("active"), Some("passive"), Some("both"), None];

/// comedia-04 §4.3: the offerer's role, or `None` when illegal. An absent answer means `both`
/// (§4.3: `both` is the default). An absent offer is RFC 4145's default (DESIGN §5), so a
/// legacy answer to it is not recognised.
fn expected_direction(offer: Option<&str>, answer: Option<&str>) -> Option<Role> {
    let offer = offer?;
    let answer = answer.unwrap_or("both");
    match (offer, answer) {
        ("both", "both") => Some(Role::Both),
        ("both" | "passive", "active") => Some(Role::Passive),
        ("both" | "active", "passive") => Some(Role::Active),
        ("active", "both") => Some(Role::Active),
        ("passive", "both") => Some(Role::Passive),
        _ => None,
    }
}

#[test]
fn legacy_complete_matrix() {
    let n = negotiator();
    for offered in DIRECTIONS {
        let ours = attr("direction", offered);
        let pending = our_offer(&n, &ours);
        for answered in DIRECTIONS {
            let theirs = attr("direction", answered);
            let answer = peer_sdp("bob.example.com", 8493, &theirs);
            let case = format!("offer {ours:?}, answer {theirs:?}");
            let result = n.complete(&pending, &answer);
            if offered.is_none() && answered.is_none() {
                // Neither side said anything: RFC 4145 defaults, the offerer connects.
                let sel = result.unwrap_or_else(|e| panic!("{case}: {e}")).remove(0);
                assert_eq!(sel.role, Role::Active, "{case}");
                continue;
            }
            match expected_direction(offered, answered) {
                Some(role) => {
                    let sel = result.unwrap_or_else(|e| panic!("{case}: {e}")).remove(0);
                    assert_eq!(sel.role, role, "{case}");
                    assert_eq!(sel.connection, ConnectionMode::New, "{case}");
                }
                None => {
                    let err = result.map(|_| ()).unwrap_err();
                    assert_eq!(
                        err,
                        NegotiationError::IllegalSetup {
                            index: 0,
                            offer: describe("direction", offered),
                            answer: describe("direction", answered),
                        },
                        "{case}"
                    );
                }
            }
        }
    }
}

#[test]
fn legacy_both_and_both_is_role_both() {
    let n = negotiator();
    let pending = our_offer(&n, &["direction:both".into()]);
    let sel = n
        .complete(
            &pending,
            &peer_sdp("bob.example.com", 8493, &["direction:both".into()]),
        )
        .unwrap()
        .remove(0);
    assert_eq!(sel.role, Role::Both);
    assert_eq!(sel.target.to_string(), "bob.example.com:8493");
}

#[test]
fn legacy_answer_with_source_address_is_read() {
    // comedia-04 §4.2/§8.1: the active side may commit to a source address.
    let n = negotiator();
    let pending = our_offer(&n, &["direction:passive".into()]);
    let sel = n
        .complete(
            &pending,
            &peer_sdp(
                "10.1.1.1",
                9,
                &["direction:active IN IP4 10.1.1.1 1892".into()],
            ),
        )
        .unwrap()
        .remove(0);
    assert_eq!(sel.role, Role::Passive);
}

#[test]
fn dialects_do_not_mix_in_answers() {
    let n = negotiator();
    // A legacy offer answered with a=setup only.
    let pending = our_offer(&n, &["direction:both".into()]);
    let err = complete_err(&n, &pending, &peer_sdp("b", 9, &["setup:active".into()]));
    assert_eq!(
        err,
        NegotiationError::IllegalSetup {
            index: 0,
            offer: "a=direction:both".into(),
            answer: "a=setup:active".into(),
        }
    );
    // An RFC 4145 offer answered with a=direction only.
    let pending = our_offer(&n, &["setup:actpass".into()]);
    let err = complete_err(
        &n,
        &pending,
        &peer_sdp("b", 9, &["direction:active".into()]),
    );
    assert_eq!(
        err,
        NegotiationError::IllegalSetup {
            index: 0,
            offer: "a=setup:actpass".into(),
            answer: "a=direction:active".into(),
        }
    );
}

#[test]
fn legacy_answer_for_each_offered_value_never_both() {
    let n = negotiator();
    let prefs = [
        SetupPreference::Either,
        SetupPreference::Active,
        SetupPreference::Passive,
        SetupPreference::HoldConn,
    ];
    for offered in DIRECTIONS {
        for pref in prefs {
            let attrs = attr("direction", offered);
            let case = format!("{attrs:?} {pref:?}");
            let (role, sdp) = answer_for(&n, &attrs, pref);
            let m = &sdp.media()[0];
            let expected = match (offered, pref) {
                (Some("active"), _) => Role::Passive,
                (Some("passive"), _) => Role::Active,
                (Some("both"), SetupPreference::Passive) => Role::Passive,
                (Some(_), _) => Role::Active,
                // No attribute: RFC 4145 default, we are passive and say so with a=setup.
                (None, _) => Role::Passive,
            };
            assert_eq!(role, expected, "{case}");
            if offered.is_none() {
                assert_eq!(m.setup(), Some(Setup::Passive), "{case}");
                assert_eq!(m.direction(), None, "{case}");
                continue;
            }
            let d = m
                .direction()
                .unwrap_or_else(|| panic!("{case}: no a=direction"));
            assert_ne!(d.role, LegacyRole::Both, "{case}");
            let written = if role == Role::Active {
                LegacyRole::Active
            } else {
                LegacyRole::Passive
            };
            assert_eq!(
                *d,
                LegacyDirection {
                    role: written,
                    address: None
                },
                "{case}"
            );
            assert_eq!(m.setup(), None, "{case}");
            assert_eq!(
                m.port,
                if role == Role::Active { 9 } else { LISTEN },
                "{case}"
            );
        }
    }
}
