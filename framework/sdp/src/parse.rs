//! The line-oriented parser: splits the input, enforces the bounds and the
//! RFC 4566 line order, and builds a [`SessionDescription`].

use crate::description::SessionDescription;
use crate::error::{ParseError, ParseErrorKind};
use crate::line::{Level, Line, OrderCheck};

/// Largest accepted description, in bytes.
pub const MAX_DESCRIPTION_LEN: usize = 64 * 1024;

/// Largest accepted number of lines (blank lines included).
pub const MAX_LINES: usize = 4096;

/// Largest accepted number of media descriptions (`m=` sections).
pub const MAX_MEDIA: usize = 256;

/// Splits input into numbered, checked, non-blank lines.
struct Lines<'a> {
    rest: Option<&'a [u8]>,
    number: usize,
    /// Number of the last non-blank line returned.
    last: usize,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: Some(bytes),
            number: 0,
            last: 0,
        }
    }

    /// The next non-blank line as `(number, text)`.
    fn next_line(&mut self) -> Result<Option<(usize, &'a str)>, ParseError> {
        loop {
            let Some(rest) = self.rest else {
                return Ok(None);
            };
            let (line, tail) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            self.rest = tail;
            self.number += 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let number = self.number;
            let lossy = || String::from_utf8_lossy(line).into_owned();
            if number > MAX_LINES {
                let max = MAX_LINES;
                return Err(ParseError::new(
                    number,
                    &lossy(),
                    ParseErrorKind::TooManyLines { max },
                ));
            }
            if line.iter().any(|&b| b == 0 || b == b'\r') {
                let kind = ParseErrorKind::InvalidCharacter;
                return Err(ParseError::new(number, &lossy(), kind));
            }
            let Ok(text) = std::str::from_utf8(line) else {
                return Err(ParseError::new(number, &lossy(), ParseErrorKind::NonUtf8));
            };
            self.last = number;
            return Ok(Some((number, text)));
        }
    }

    /// An error at the end of input (one past the last non-blank line).
    fn end(&self, kind: ParseErrorKind) -> ParseError {
        ParseError::new(self.last + 1, "", kind)
    }
}

/// Splits `x=value`; the type must be an ASCII lowercase letter.
fn split_type(text: &str) -> Result<(char, &str), ParseErrorKind> {
    match text.as_bytes() {
        [kind @ b'a'..=b'z', b'=', ..] => Ok((char::from(*kind), &text[2..])),
        _ => Err(ParseErrorKind::NotTypeValue),
    }
}

/// Parses a whole description.
pub(crate) fn parse(bytes: &[u8]) -> Result<SessionDescription, ParseError> {
    if bytes.len() > MAX_DESCRIPTION_LEN {
        let head = &bytes[..MAX_DESCRIPTION_LEN];
        let number = head.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = head.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let text = String::from_utf8_lossy(&head[start..]);
        let kind = ParseErrorKind::TooLong {
            len: bytes.len(),
            max: MAX_DESCRIPTION_LEN,
        };
        return Err(ParseError::new(number, &text, kind));
    }
    let mut lines = Lines::new(bytes);

    // v=, o=, s= in that order, each required.
    let mut header = |expected: char, missing: ParseErrorKind| {
        let Some((number, text)) = lines.next_line()? else {
            return Err(lines.end(missing));
        };
        let error = |kind| ParseError::new(number, text, kind);
        match split_type(text) {
            Ok((kind, value)) if kind == expected => Ok((number, text, value)),
            Ok(_) => Err(error(missing)),
            Err(kind) => Err(error(kind)),
        }
    };
    let (number, text, version) = header('v', ParseErrorKind::MissingVersion)?;
    if version != "0" {
        return Err(ParseError::new(
            number,
            text,
            ParseErrorKind::UnsupportedVersion,
        ));
    }
    let (number, text, origin) = header('o', ParseErrorKind::MissingOrigin)?;
    let origin = origin
        .parse()
        .map_err(|kind| ParseError::new(number, text, kind))?;
    let (_, _, session_name) = header('s', ParseErrorKind::MissingSessionName)?;

    let mut sd = SessionDescription {
        origin,
        session_name: session_name.to_owned(),
        lines: Vec::new(),
        media: Vec::new(),
    };
    let mut order = OrderCheck::new(Level::Session);
    while let Some((number, text)) = lines.next_line()? {
        let error = |kind| ParseError::new(number, text, kind);
        let (kind, value) = split_type(text).map_err(error)?;
        if kind == 'm' {
            if sd.media.len() == MAX_MEDIA {
                return Err(error(ParseErrorKind::TooManyMedia { max: MAX_MEDIA }));
            }
            sd.media.push(value.parse().map_err(error)?);
            order = OrderCheck::new(Level::Media);
            continue;
        }
        order.next(kind).map_err(error)?;
        let line = Line::parse(kind, value).map_err(error)?;
        match sd.media.last_mut() {
            Some(media) => media.push_parsed(line),
            None => sd.lines.push(line),
        }
    }
    Ok(sd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        AddrType, Attribute, Connection, ConnectionMode, Fingerprint, HashFunction, LegacyAddress,
        LegacyDirection, LegacyRole, MediaDirection, Setup,
    };

    const HEAD: &str = "v=0\r\no=alice 2890844526 2890844527 IN IP4 alice.example.com\r\ns=-\r\n";

    fn err(text: &str) -> ParseError {
        SessionDescription::parse(text).unwrap_err()
    }

    #[test]
    fn full_message_session_with_every_typed_attribute() {
        let text = format!(
            "{HEAD}c=IN IP4 alice.example.com\r\nt=0 0\r\n\
             m=message 7394 TCP/MSRP *\r\n\
             a=setup:actpass\r\n\
             a=connection:existing\r\n\
             a=direction:active IN IP4 10.1.1.1 1892\r\n\
             a=uri:im:2s93i9@alice.example.com\r\n\
             a=path:msrp://relay.example.net:2855/aa;tcp msrp://alice.example.com:7394/2s93i9ek2a;tcp\r\n\
             a=accept-types:message/cpim text/plain\r\n\
             a=accept-wrapped-types:text/html *\r\n\
             a=max-size:131072\r\n\
             a=fingerprint:sha-256 4A:AD:B9:B1\r\n\
             a=fingerprint:sha-1 00:11\r\n\
             a=sendonly\r\n\
             a=setup:passive\r\n"
        );
        let sd = SessionDescription::parse(&text).unwrap();
        assert_eq!(sd.connection(), Some(&Connection::ip4("alice.example.com")));
        let m = &sd.media()[0];
        assert_eq!(
            (m.media.as_str(), m.port, m.proto.as_str()),
            ("message", 7394, "TCP/MSRP")
        );
        assert_eq!(m.formats, ["*"]);
        assert_eq!(m.setup(), Some(Setup::ActPass));
        assert_eq!(m.connection_mode(), Some(ConnectionMode::Existing));
        assert_eq!(
            m.direction(),
            Some(&LegacyDirection {
                role: LegacyRole::Active,
                address: Some(LegacyAddress {
                    net_type: "IN".into(),
                    addr_type: AddrType::Ip4,
                    address: "10.1.1.1".into(),
                    port: Some(1892),
                }),
            })
        );
        assert_eq!(m.uri(), Some("im:2s93i9@alice.example.com"));
        assert_eq!(
            m.path().unwrap(),
            [
                "msrp://relay.example.net:2855/aa;tcp",
                "msrp://alice.example.com:7394/2s93i9ek2a;tcp"
            ]
        );
        assert_eq!(m.accept_types().unwrap(), ["message/cpim", "text/plain"]);
        assert_eq!(m.accept_wrapped_types().unwrap(), ["text/html", "*"]);
        assert_eq!(m.max_size(), Some(131_072));
        let fps: Vec<&Fingerprint> = m.fingerprints().collect();
        assert_eq!(
            fps,
            [
                &Fingerprint::new(HashFunction::Sha256, vec![0x4a, 0xad, 0xb9, 0xb1]),
                &Fingerprint::new(HashFunction::Sha1, vec![0x00, 0x11]),
            ]
        );
        assert_eq!(m.mode(), Some(MediaDirection::SendOnly));
        assert_eq!(m.connection(), None);
        assert_eq!(sd.to_string(), text);
    }

    #[test]
    fn founding_draft_fragment_wrapped() {
        let head = HEAD.replace("\r\n", "\n");
        let text = format!(
            "{head}c=IN IP4 alice.example.com\nm=message 7394 cpim/tcp text/plain\na=direction:both\na=uri:im:2s93i9@alice.example.com\n"
        );
        let sd = SessionDescription::parse(&text).unwrap();
        let m = &sd.media()[0];
        assert_eq!(m.direction().unwrap().role, LegacyRole::Both);
        assert_eq!(m.direction().unwrap().address, None);
        assert_eq!(m.uri(), Some("im:2s93i9@alice.example.com"));
        assert_eq!(sd.to_string(), text.replace('\n', "\r\n"));
    }

    #[test]
    fn crlf_and_lf_give_the_same_model() {
        let crlf = format!("{HEAD}t=0 0\r\nm=message 1 tcp *\r\na=setup:active\r\n");
        let lf = crlf.replace("\r\n", "\n");
        let mixed = crlf.replacen("\r\n", "\n", 2);
        let a = SessionDescription::parse(&crlf).unwrap();
        assert_eq!(SessionDescription::parse(&lf).unwrap(), a);
        assert_eq!(SessionDescription::parse(&mixed).unwrap(), a);
        assert_eq!(a.to_string(), crlf);
        // No final newline, and blank lines, are fine too.
        let bare = format!("{HEAD}\r\nt=0 0\r\nm=message 1 tcp *\r\na=setup:active");
        assert_eq!(SessionDescription::parse(&bare).unwrap(), a);
    }

    #[test]
    fn unknown_lines_and_attributes_round_trip_in_order() {
        let text = format!(
            "{HEAD}i=about\r\nx=session extension\r\nt=0 0\r\nr=7d 1h 0 25h\r\ny=between\r\n\
             z=2882844526 -1h\r\nk=prompt\r\na=X-Session:keep me\r\na=flag\r\n\
             m=message 7394 TCP/MSRP text/plain\r\nq=first\r\ni=media title\r\nc=IN IP6 ::1\r\n\
             b=AS:64\r\na=x-one:1\r\nw=odd one\r\na=setup:active\r\na=x-two\r\n\
             m=message 7395/2 TCP/MSRP *\r\nj=\r\n"
        );
        let sd = SessionDescription::parse(&text).unwrap();
        assert_eq!(sd.to_string(), text);
        let kinds: String = sd.lines().iter().map(Line::kind).collect();
        assert_eq!(kinds, "ixtryzkaa");
        let kinds: String = sd.media()[0].lines().iter().map(Line::kind).collect();
        assert_eq!(kinds, "qicbawaa");
        let names: Vec<&str> = sd.media()[0].attributes().map(Attribute::name).collect();
        assert_eq!(names, ["x-one", "setup", "x-two"]);
        assert_eq!(
            sd.media()[1].lines(),
            [Line::Unknown {
                kind: 'j',
                value: String::new()
            }]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let e = err(&format!(
            "{HEAD}t=0 0\r\nm=message x cpim/tcp text/plain\r\n"
        ));
        assert_eq!(e.line(), 5);
        assert_eq!(e.text(), "m=message x cpim/tcp text/plain");
        assert_eq!(
            e.kind(),
            &ParseErrorKind::BadMedia {
                reason: "port is not a number"
            }
        );
        assert_eq!(
            e.to_string(),
            "line 5: expected \"m=<media> <port> <proto> <fmt> ...\": port is not a number: \"m=message x cpim/tcp text/plain\""
        );

        let e = err(&format!("{HEAD}c=IN IP4\r\n"));
        assert_eq!((e.line(), e.text()), (4, "c=IN IP4"));
        assert!(matches!(e.kind(), ParseErrorKind::BadConnection { .. }));

        let e = err(&format!("{HEAD}m=message 1 tcp *\nc=IN IP4 h\nc=bad\n"));
        assert_eq!(e.line(), 6);
        assert!(matches!(e.kind(), ParseErrorKind::BadConnection { .. }));

        let e = err(&format!(
            "{HEAD}t=0 0\nm=message 1 tcp *\na=x\na=setup:sideways\n"
        ));
        assert_eq!((e.line(), e.text()), (7, "a=setup:sideways"));
        assert_eq!(
            e.kind(),
            &ParseErrorKind::BadAttribute {
                name: "setup",
                reason: "unknown role"
            }
        );

        let e = err(&format!("{HEAD}m=message 1 tcp *\na=max-size:abc\n"));
        assert_eq!(e.line(), 5);
        assert!(matches!(
            e.kind(),
            ParseErrorKind::BadAttribute {
                name: "max-size",
                ..
            }
        ));

        let e = err(&format!(
            "{HEAD}m=message 1 tcp *\na=fingerprint:sha-256 AB:C\n"
        ));
        assert!(matches!(
            e.kind(),
            ParseErrorKind::BadAttribute {
                name: "fingerprint",
                ..
            }
        ));
    }

    #[test]
    fn header_errors() {
        let e = err("o=a 1 1 IN IP4 h\r\ns=-\r\n");
        assert_eq!((e.line(), e.kind()), (1, &ParseErrorKind::MissingVersion));
        let e = err("");
        assert_eq!((e.line(), e.kind()), (1, &ParseErrorKind::MissingVersion));
        let e = err("\r\n\r\ns=x\r\n");
        assert_eq!((e.line(), e.kind()), (3, &ParseErrorKind::MissingVersion));
        let e = err("v=1\r\n");
        assert_eq!(e.kind(), &ParseErrorKind::UnsupportedVersion);
        let e = err("v=0\r\ns=-\r\n");
        assert_eq!((e.line(), e.kind()), (2, &ParseErrorKind::MissingOrigin));
        let e = err("v=0\r\n");
        assert_eq!(
            (e.line(), e.text(), e.kind()),
            (2, "", &ParseErrorKind::MissingOrigin)
        );
        let e = err("v=0\r\no=a 1 1 IN IP4 h\r\nt=0 0\r\n");
        assert_eq!(
            (e.line(), e.kind()),
            (3, &ParseErrorKind::MissingSessionName)
        );
        let e = err("v=0\r\no=a one 1 IN IP4 h\r\ns=-\r\n");
        assert_eq!(e.line(), 2);
        assert!(matches!(e.kind(), ParseErrorKind::BadOrigin { .. }));
    }

    #[test]
    fn order_errors() {
        let e = err(&format!("{HEAD}a=x\r\nc=IN IP4 h\r\n"));
        assert_eq!(
            (e.line(), e.kind()),
            (5, &ParseErrorKind::OutOfOrder { kind: 'c' })
        );
        let e = err(&format!("{HEAD}m=message 1 tcp *\r\na=x\r\ni=late\r\n"));
        assert_eq!(
            (e.line(), e.kind()),
            (6, &ParseErrorKind::OutOfOrderInMedia { kind: 'i' })
        );
        let e = err(&format!("{HEAD}m=message 1 tcp *\r\nt=0 0\r\n"));
        assert_eq!(e.kind(), &ParseErrorKind::OutOfOrderInMedia { kind: 't' });
        let e = err(&format!("{HEAD}s=again\r\n"));
        assert_eq!(e.kind(), &ParseErrorKind::OutOfOrder { kind: 's' });
    }

    #[test]
    fn line_form_errors() {
        let e = err(&format!("{HEAD}A=x\r\n"));
        assert_eq!((e.line(), e.kind()), (4, &ParseErrorKind::NotTypeValue));
        let e = err(&format!("{HEAD}a =x\r\n"));
        assert_eq!(e.kind(), &ParseErrorKind::NotTypeValue);
        let e = err(&format!("{HEAD}a=x\r\ni=a\rb\r\n"));
        assert_eq!((e.line(), e.kind()), (5, &ParseErrorKind::InvalidCharacter));
        let mut bytes = format!("{HEAD}t=0 0\r\n").into_bytes();
        bytes.extend_from_slice(b"i=caf\xe9\r\n");
        let e = SessionDescription::parse_bytes(&bytes).unwrap_err();
        assert_eq!((e.line(), e.kind()), (5, &ParseErrorKind::NonUtf8));
        assert!(e.to_string().starts_with("line 5: line is not valid UTF-8"));
    }

    #[test]
    fn bounds() {
        let mut text = format!("{HEAD}t=0 0\r\n");
        while text.len() <= MAX_DESCRIPTION_LEN {
            text.push_str("a=x-padding:0123456789\r\n");
        }
        let e = err(&text);
        assert!(matches!(
            e.kind(),
            ParseErrorKind::TooLong {
                max: MAX_DESCRIPTION_LEN,
                ..
            }
        ));
        assert!(e.line() > 2000);

        let mut text = HEAD.to_owned();
        for _ in 0..MAX_LINES {
            text.push_str("x=\n");
        }
        let e = err(&text);
        assert_eq!(
            (e.line(), e.kind()),
            (
                MAX_LINES + 1,
                &ParseErrorKind::TooManyLines { max: MAX_LINES }
            )
        );

        let mut text = HEAD.to_owned();
        for _ in 0..=MAX_MEDIA {
            text.push_str("m=m 1 p *\n");
        }
        let e = err(&text);
        assert_eq!(e.line(), 4 + MAX_MEDIA);
        assert_eq!(e.kind(), &ParseErrorKind::TooManyMedia { max: MAX_MEDIA });
    }
}
