//! Property tests: the parser never panics, and writing then parsing a
//! generated description gives it back.

use imsession_sdp::{
    AddrType, Attribute, Bandwidth, Connection, ConnectionMode, Fingerprint, HashFunction,
    LegacyAddress, LegacyDirection, LegacyRole, Line, MediaDescription, MediaDirection, Origin,
    SessionDescription, Setup, Timing,
};
use proptest::prelude::*;

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5}){0,2}",
        any::<std::net::Ipv4Addr>().prop_map(|ip| ip.to_string()),
        any::<std::net::Ipv6Addr>().prop_map(|ip| ip.to_string()),
    ]
}

fn connection() -> impl Strategy<Value = Connection> {
    prop_oneof![
        host().prop_map(Connection::ip4),
        host().prop_map(Connection::ip6),
        any::<std::net::IpAddr>().prop_map(Connection::from_ip),
        ("224\\.2\\.[0-9]{1,3}\\.[0-9]{1,3}/[0-9]{1,3}(/[1-9])?").prop_map(Connection::ip4),
        ("[A-Z]{2,4}", "X[A-Z0-9]{1,4}", "[0-9]{1,8}").prop_map(|(net, addr, a)| Connection {
            net_type: net,
            addr_type: AddrType::Other(addr),
            address: a,
        }),
    ]
}

/// Printable ASCII text, possibly with spaces at either end.
fn text() -> impl Strategy<Value = String> {
    "[ -~]{0,24}"
}

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9.+-]{0,10}"
}

fn hash() -> impl Strategy<Value = HashFunction> {
    prop_oneof![
        Just(HashFunction::Sha1),
        Just(HashFunction::Sha224),
        Just(HashFunction::Sha256),
        Just(HashFunction::Sha384),
        Just(HashFunction::Sha512),
        Just(HashFunction::Md5),
        Just(HashFunction::Md2),
        "x-[a-z0-9]{1,8}".prop_map(HashFunction::Other),
    ]
}

fn legacy_direction() -> impl Strategy<Value = LegacyDirection> {
    let role = prop_oneof![
        Just(LegacyRole::Active),
        Just(LegacyRole::Passive),
        Just(LegacyRole::Both)
    ];
    let address = prop::option::of((connection(), any::<Option<u16>>()).prop_map(|(c, port)| {
        LegacyAddress {
            net_type: c.net_type,
            addr_type: c.addr_type,
            address: c.address,
            port,
        }
    }));
    (role, address).prop_map(|(role, address)| LegacyDirection { role, address })
}

fn media_types() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            Just("*".to_owned()),
            "[a-z]{1,8}/([a-z0-9+.-]{1,8}|\\*)(;[a-z]{1,5}=[a-z0-9]{1,5})?",
        ],
        1..4,
    )
}

fn attribute() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        prop_oneof![
            Just(Setup::Active),
            Just(Setup::Passive),
            Just(Setup::ActPass),
            Just(Setup::HoldConn)
        ]
        .prop_map(Attribute::Setup),
        prop_oneof![Just(ConnectionMode::New), Just(ConnectionMode::Existing)]
            .prop_map(Attribute::Connection),
        legacy_direction().prop_map(Attribute::Direction),
        "(im|sip|msrp):[a-z0-9]{1,8}@[a-z.]{1,12}".prop_map(Attribute::Uri),
        prop::collection::vec("msrps?://[a-z.]{1,12}:[0-9]{1,5}/[a-z0-9]{1,10};tcp", 1..4)
            .prop_map(Attribute::Path),
        media_types().prop_map(Attribute::AcceptTypes),
        media_types().prop_map(Attribute::AcceptWrappedTypes),
        any::<u64>().prop_map(Attribute::MaxSize),
        (hash(), prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(h, v)| Attribute::Fingerprint(Fingerprint::new(h, v))),
        prop_oneof![
            Just(MediaDirection::SendRecv),
            Just(MediaDirection::SendOnly),
            Just(MediaDirection::RecvOnly),
            Just(MediaDirection::Inactive)
        ]
        .prop_map(Attribute::Mode),
        ("x-[a-zA-Z0-9-]{1,8}", prop::option::of(text()))
            .prop_map(|(name, value)| Attribute::Other { name, value }),
    ]
}

/// Unknown line types: lowercase letters SDP does not define.
fn unknown_line() -> impl Strategy<Value = Line> {
    (
        prop::sample::select(vec!['d', 'f', 'g', 'h', 'j', 'l', 'n', 'q', 'w', 'x', 'y']),
        text(),
    )
        .prop_map(|(kind, value)| Line::Unknown { kind, value })
}

fn bandwidth() -> impl Strategy<Value = Line> {
    (token(), any::<u64>()).prop_map(|(kind, value)| Line::Bandwidth(Bandwidth { kind, value }))
}

fn session_line() -> impl Strategy<Value = Line> {
    prop_oneof![
        text().prop_map(Line::Info),
        text().prop_map(Line::Uri),
        text().prop_map(Line::Email),
        text().prop_map(Line::Phone),
        connection().prop_map(Line::Connection),
        bandwidth(),
        (any::<u64>(), any::<u64>()).prop_map(|(start, stop)| Line::Timing(Timing { start, stop })),
        text().prop_map(Line::Repeat),
        text().prop_map(Line::Zone),
        text().prop_map(Line::Key),
        attribute().prop_map(Line::Attribute),
        unknown_line(),
    ]
}

fn media_line() -> impl Strategy<Value = Line> {
    prop_oneof![
        text().prop_map(Line::Info),
        connection().prop_map(Line::Connection),
        bandwidth(),
        text().prop_map(Line::Key),
        attribute().prop_map(Line::Attribute),
        attribute().prop_map(Line::Attribute),
        unknown_line(),
    ]
}

fn media() -> impl Strategy<Value = MediaDescription> {
    (
        "[a-z]{1,10}",
        any::<u16>(),
        any::<Option<u32>>(),
        "[A-Za-z]{1,5}(/[A-Za-z]{1,5}){0,2}",
        prop::collection::vec("\\*|[0-9]{1,3}|[a-z]{1,6}/[a-z0-9+.-]{1,8}", 1..4),
        prop::collection::vec(media_line(), 0..10),
        prop::collection::vec(attribute(), 0..4),
    )
        .prop_map(|(kind, port, count, proto, formats, lines, attrs)| {
            let mut m = MediaDescription::new(kind, port, proto, formats);
            m.port_count = count;
            for line in lines {
                m.push_line(line);
            }
            for a in attrs {
                m.push_attribute(a);
            }
            m
        })
}

fn description() -> impl Strategy<Value = SessionDescription> {
    (
        "[a-zA-Z0-9_.-]{1,12}",
        any::<u64>(),
        connection(),
        text(),
        prop::option::of(connection()),
        prop::collection::vec(session_line(), 0..10),
        prop::collection::vec(media(), 0..4),
    )
        .prop_map(|(user, id, addr, name, conn, lines, media)| {
            let mut sd = SessionDescription::new(Origin::new(user, id, addr), name);
            for line in lines {
                sd.push_line(line);
            }
            if let Some(c) = conn {
                sd.set_connection(c);
            }
            for m in media {
                sd.push_media(m);
            }
            sd
        })
}

/// Text that looks like SDP, to drive the parser past the header.
fn sdp_like() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        Just("v=0".to_owned()),
        Just("o=a 1 1 IN IP4 h".to_owned()),
        Just("s=-".to_owned()),
        Just("t=0 0".to_owned()),
        Just("m=message 7394 TCP/MSRP *".to_owned()),
        "[a-z]=[ -~]{0,30}",
        "a=(setup|connection|direction|uri|path|accept-types|max-size|fingerprint|sendrecv)(:[ -~]{0,30})?",
        "m=[ -~]{0,30}",
        "c=[ -~]{0,30}",
    ];
    let sep = prop_oneof![Just("\r\n"), Just("\n"), Just("\r"), Just("")];
    (prop::collection::vec((line, sep), 0..20), any::<bool>()).prop_map(|(lines, with_header)| {
        let mut out = if with_header {
            "v=0\r\no=a 1 1 IN IP4 h\r\ns=-\r\n".to_owned()
        } else {
            String::new()
        };
        for (line, sep) in lines {
            out.push_str(&line);
            out.push_str(sep);
        }
        out.into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = SessionDescription::parse_bytes(&bytes);
    }

    #[test]
    fn parse_sdp_like_never_panics(bytes in sdp_like()) {
        if let Ok(sd) = SessionDescription::parse_bytes(&bytes) {
            // Anything accepted is written in a form that parses to the same model.
            prop_assert_eq!(SessionDescription::parse(&sd.to_string()), Ok(sd));
        }
    }

    #[test]
    fn write_then_parse_round_trips(sd in description()) {
        let text = sd.to_string();
        prop_assert!(text.ends_with("\r\n"));
        let parsed = SessionDescription::parse(&text);
        prop_assert_eq!(parsed.as_ref(), Ok(&sd), "text:\n{}", text);
        // Writing is stable too.
        prop_assert_eq!(parsed.unwrap().to_string(), text);
    }
}
