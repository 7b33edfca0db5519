//! Negotiator: any parsed offer is answered without panicking, the answer follows RFC 3264
//! (one m-line per offered m-line, every m-line accepted or refused with port 0) and parses
//! back to itself, and our own answer completes our own offer with complementary roles.
//! The same input is also completed as a peer's answer to each kind of offer of ours (both
//! COMEDIA dialects, every setup preference).
#![no_main]

use std::sync::OnceLock;

use imsession::sdp::SessionDescription;
use imsession::{
    AnswerOptions, Dialect, LocalAddress, MediaOptions, Negotiator, PendingOffer, ProtoToken, Role,
    SetupPreference,
};
use imsession_cpim::CpimMechanism;
use imsession_tcp::TcpTransport;
use libfuzzer_sys::fuzz_target;

fn negotiator() -> &'static Negotiator {
    static N: OnceLock<Negotiator> = OnceLock::new();
    N.get_or_init(|| {
        Negotiator::builder()
            .mechanism(CpimMechanism::new())
            .transport(TcpTransport::new())
            .build()
    })
}

/// An offer of ours with `count` cpim/tcp m-lines.
fn our_offer(n: &Negotiator, count: usize) -> PendingOffer {
    our_offer_with(n, count, Dialect::Setup, SetupPreference::Either)
}

/// An offer of ours with `count` cpim/tcp m-lines in this COMEDIA dialect and setup.
fn our_offer_with(
    n: &Negotiator,
    count: usize,
    dialect: Dialect,
    setup: SetupPreference,
) -> PendingOffer {
    let opts = MediaOptions::new(ProtoToken::parse("cpim/tcp").expect("cpim/tcp is a proto"))
        .dialect(dialect)
        .setup(setup);
    n.offer(
        &vec![opts; count],
        &LocalAddress::new("alice.example.com").with_port("tcp", 7394),
    )
    .expect("an offer of cpim/tcp m-lines is always possible")
}

fn mirrored(role: Role) -> Role {
    match role {
        Role::Active => Role::Passive,
        Role::Passive => Role::Active,
        Role::Both => Role::Both,
        Role::HoldConn => Role::HoldConn,
    }
}

fn check_answer(n: &Negotiator, offer: &SessionDescription, setup: SetupPreference) {
    let opts = AnswerOptions {
        setup,
        ..AnswerOptions::default()
    };
    let local = LocalAddress::new("bob.example.com").with_port("tcp", 8493);
    let Ok(answer) = n.answer(offer, &opts, &local) else {
        return;
    };
    let count = offer.media().len();
    assert_eq!(
        answer.sdp.media().len(),
        count,
        "one answer m-line per offered m-line"
    );
    assert_eq!(answer.selections.len() + answer.rejections.len(), count);
    for r in &answer.rejections {
        assert_eq!(
            answer.sdp.media()[r.index].port,
            0,
            "refused m-line has port 0"
        );
    }
    for s in &answer.selections {
        assert!(answer.rejections.iter().all(|r| r.index != s.index));
        assert_eq!(
            answer.sdp.media()[s.index].proto,
            offer.media()[s.index].proto,
            "proto echoed"
        );
    }
    let written = answer.sdp.to_string();
    let back = SessionDescription::parse(&written)
        .unwrap_or_else(|e| panic!("our answer does not parse: {e}\n{written}"));
    assert_eq!(
        back, answer.sdp,
        "our answer parses differently:\n{written}"
    );

    if answer.selections.is_empty() {
        return;
    }
    // Our answer, read by an offerer that sent this offer, is a legal reply.
    let mut pending = our_offer(n, count);
    pending.sdp = offer.clone();
    let completed = n
        .complete(&pending, &back)
        .unwrap_or_else(|e| panic!("our answer does not complete the offer: {e}\n{written}"));
    assert_eq!(completed.len(), answer.selections.len());
    for (ours, theirs) in completed.iter().zip(&answer.selections) {
        assert_eq!(ours.index, theirs.index);
        assert_eq!(ours.role, mirrored(theirs.role), "roles are complementary");
        assert_eq!(ours.connection, theirs.connection, "connection mode agreed");
        assert_eq!(ours.remote.uri, theirs.local.uri, "offerer reads our URI");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(sdp) = SessionDescription::parse_bytes(data) else {
        return;
    };
    let n = negotiator();
    for setup in [
        SetupPreference::Either,
        SetupPreference::Active,
        SetupPreference::Passive,
    ] {
        check_answer(n, &sdp, setup);
    }
    // The input as a peer's answer to each kind of offer of ours: typed error or selections,
    // never a panic, and never a refused m-line selected.
    let count = sdp.media().len();
    if count == 0 {
        return;
    }
    let offers = [
        (Dialect::Setup, SetupPreference::Either),
        (Dialect::Setup, SetupPreference::Active),
        (Dialect::Setup, SetupPreference::Passive),
        (Dialect::Setup, SetupPreference::HoldConn),
        (Dialect::Direction, SetupPreference::Either),
        (Dialect::Direction, SetupPreference::Active),
        (Dialect::Direction, SetupPreference::Passive),
    ];
    for (dialect, setup) in offers {
        let pending = our_offer_with(n, count, dialect, setup);
        if let Ok(selections) = n.complete(&pending, &sdp) {
            assert!(selections.len() <= count);
            for s in selections {
                assert_ne!(sdp.media()[s.index].port, 0, "refused m-line selected");
            }
        }
    }
});
