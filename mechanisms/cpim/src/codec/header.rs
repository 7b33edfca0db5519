//! One CPIM header: name (with parameters) and unescaped value, plus the RFC 3862 §2.3
//! character escape mechanism and the §3.6 header line syntax.

use std::borrow::Cow;

use bytes::{BufMut, Bytes, BytesMut};
use imsession::SharedStr;

use super::CpimError;

pub use imsession::Header;

/// NAMECHAR of RFC 3862 §3.6.
pub(crate) fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-^_`|~".contains(&b)
}

/// `Name`: one or more NAMECHAR.
pub(crate) fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_name_char)
}

/// `Header-name = [ Name-prefix "." ] Name`.
pub(crate) fn is_header_name(s: &str) -> bool {
    match s.bytes().position(|b| b == b'.') {
        Some(dot) => is_name(&s[..dot]) && is_name(&s[dot + 1..]),
        None => is_name(s),
    }
}

fn is_token_char(b: u8) -> bool {
    is_name_char(b) || b == b'.' || b >= 0x80
}

fn is_ctl(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

/// Whether `b` has a control character (CTL: below 0x20, or 0x7f), tested a word at a time.
pub(crate) fn has_ctl(b: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const DEL: u64 = u64::from_ne_bytes([0x7f; 8]);
    let words = b.chunks_exact(8);
    let tail = words.remainder();
    for w in words {
        let x = u64::from_ne_bytes(w.try_into().expect("8 bytes"));
        // A byte below 0x20 (its high bit clear), or a byte equal to 0x7f.
        let low = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let y = x ^ DEL;
        let del = y.wrapping_sub(ONES) & !y & HIGH;
        if low | del != 0 {
            return true;
        }
    }
    tail.iter().copied().any(is_ctl)
}

/// Parses one meta-data header line (line terminator already removed).
///
/// The name and value are slices of `raw`, not copies, unless the name has parameters (they
/// follow the colon on the wire) or the value has escapes to undo.
pub(crate) fn parse_meta_line(raw: Bytes, line: usize, offset: usize) -> Result<Header, CpimError> {
    if matches!(raw.first(), Some(b' ' | b'\t')) {
        return Err(CpimError::FoldedHeader { line, offset });
    }
    let text = SharedStr::from_utf8(raw).map_err(|_| CpimError::NonUtf8Header { line, offset })?;
    parse_meta_in(&text, &text, line, offset)
}

/// [`parse_meta_line`] of `text`, a line that lies within `block` (name and value are
/// sliced from `block`).
pub(crate) fn parse_meta_in(
    block: &SharedStr,
    text: &str,
    line: usize,
    offset: usize,
) -> Result<Header, CpimError> {
    let malformed = |reason| CpimError::MalformedHeader {
        line,
        offset,
        reason,
    };
    if matches!(text.as_bytes().first(), Some(b' ' | b'\t')) {
        return Err(CpimError::FoldedHeader { line, offset });
    }
    let bytes = text.as_bytes();
    if has_ctl(bytes) {
        return Err(malformed("control character in header"));
    }
    let colon = memchr::memchr(b':', bytes).ok_or_else(|| malformed("missing colon"))?;
    let name = &text[..colon];
    if !is_header_name(name) {
        return Err(malformed("bad header name"));
    }
    let rest = &bytes[colon + 1..];
    let mut i = 0;
    while rest.get(i) == Some(&b';') {
        i += 1;
        let start = i;
        while rest.get(i).is_some_and(|&b| is_name_char(b)) {
            i += 1;
        }
        if i == start || rest.get(i) != Some(&b'=') {
            return Err(malformed("bad parameter"));
        }
        i += 1;
        i = param_value_end(rest, i).ok_or_else(|| malformed("bad parameter value"))?;
    }
    if rest.get(i) != Some(&b' ') {
        return Err(malformed("missing space after colon"));
    }
    let params = &text[colon + 1..colon + 1 + i];
    let raw_value = &text[colon + 2 + i..];
    let value = match unescape(raw_value) {
        Ok(Cow::Borrowed(v)) => block.slice_ref(v),
        Ok(Cow::Owned(v)) => SharedStr::from(v),
        Err(()) => {
            return Err(CpimError::BadEscape {
                line,
                name: name.to_owned(),
            });
        }
    };
    let name = if params.is_empty() {
        block.slice_ref(name)
    } else {
        let mut full_name = String::with_capacity(name.len() + params.len());
        full_name.push_str(name);
        full_name.push_str(params);
        SharedStr::from(full_name)
    };
    Ok(Header { name, value })
}

/// End of a `Token / Number / String` parameter value starting at `i`.
fn param_value_end(b: &[u8], mut i: usize) -> Option<usize> {
    if b.get(i) == Some(&b'"') {
        i += 1;
        loop {
            match *b.get(i)? {
                b'\\' => i += 2,
                b'"' => return Some(i + 1),
                _ => i += 1,
            }
        }
    }
    let start = i;
    while b.get(i).is_some_and(|&c| is_token_char(c)) {
        i += 1;
    }
    (i > start).then_some(i)
}

/// Appends one meta-data header line: the base name, `:`, any parameters, a space, the
/// escaped value, CRLF (RFC 3862 §3.3).
pub(crate) fn write_meta(name: &str, value: &str, dst: &mut BytesMut) {
    let base = memchr::memchr(b';', name.as_bytes()).unwrap_or(name.len());
    dst.put_slice(&name.as_bytes()[..base]);
    dst.put_u8(b':');
    dst.put_slice(&name.as_bytes()[base..]);
    dst.put_u8(b' ');
    escape_into(value, dst);
    dst.put_slice(b"\r\n");
}

/// Length of [`write_meta`] output.
pub(crate) fn meta_len(name: &str, value: &str) -> usize {
    name.len() + 2 + escaped_len(value) + 2
}

/// Checks that a header can be written as given: a meta-data header name is
/// `[prefix "."] Name` with `;param=value` parameters and no line break; a content (MIME)
/// header name is a token and its value has no line break other than MIME folding (CRLF
/// followed by a space or tab). Meta-data values need no check: they are escaped.
///
/// # Errors
/// [`CpimError::Unencodable`] naming the header and what is wrong.
pub fn check_header(name: &str, value: &str, meta: bool) -> Result<(), CpimError> {
    let bad = |reason: &'static str| {
        Err(CpimError::Unencodable {
            name: name.to_owned(),
            reason,
        })
    };
    let base = name.split(';').next().unwrap_or_default();
    if meta {
        if !is_header_name(base) || name.contains(['\r', '\n', ':']) {
            return bad("not a header name");
        }
        return Ok(());
    }
    if !is_name(name) {
        return bad("not a header name");
    }
    let bytes = value.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        let folded = *b == b'\r'
            && bytes.get(i + 1) == Some(&b'\n')
            && matches!(bytes.get(i + 2), Some(b' ' | b'\t'));
        let after_cr = *b == b'\n'
            && i > 0
            && bytes[i - 1] == b'\r'
            && matches!(bytes.get(i + 1), Some(b' ' | b'\t'));
        if (*b == b'\r' || *b == b'\n') && !folded && !after_cr {
            return bad("line break in value");
        }
    }
    Ok(())
}

/// The escape sequence for `c`, if RFC 3862 §2.3.1 requires one.
fn escape_of(c: char) -> Option<Cow<'static, str>> {
    Some(Cow::Borrowed(match c {
        '\\' => "\\\\",
        '\u{8}' => "\\b",
        '\t' => "\\t",
        '\n' => "\\n",
        '\r' => "\\r",
        c if c < '\u{20}' || c == '\u{7f}' => {
            return Some(Cow::Owned(format!("\\u{:04x}", u32::from(c))));
        }
        _ => return None,
    }))
}

/// Appends `value` with backslash and control characters escaped (RFC 3862 §2.3.1).
///
/// Quotes are not escaped: whether a quote delimits a string cannot be known from an
/// unescaped value.
pub(crate) fn escape_into(value: &str, dst: &mut BytesMut) {
    if !needs_escape(value) {
        // The common case: nothing to escape, one copy.
        dst.put_slice(value.as_bytes());
        return;
    }
    let mut start = 0;
    for (i, c) in value.char_indices() {
        if let Some(esc) = escape_of(c) {
            dst.put_slice(&value.as_bytes()[start..i]);
            dst.put_slice(esc.as_bytes());
            start = i + c.len_utf8();
        }
    }
    dst.put_slice(&value.as_bytes()[start..]);
}

/// Whether [`escape_into`] changes `value`.
fn needs_escape(value: &str) -> bool {
    has_ctl(value.as_bytes()) || memchr::memchr(b'\\', value.as_bytes()).is_some()
}

/// Length of [`escape_into`] output.
pub(crate) fn escaped_len(value: &str) -> usize {
    if !needs_escape(value) {
        return value.len();
    }
    value
        .bytes()
        .map(|b| match b {
            b'\\' | 8 | b'\t' | b'\n' | b'\r' => 2,
            b if is_ctl(b) => 6,
            _ => 1,
        })
        .sum()
}

/// Undoes RFC 3862 §2.3 escapes. Unknown escapes yield the escaped character, a trailing lone
/// backslash is dropped; only an unpaired UTF-16 surrogate is an error.
pub(crate) fn unescape(s: &str) -> Result<Cow<'_, str>, ()> {
    if !s.as_bytes().contains(&b'\\') {
        return Ok(Cow::Borrowed(s));
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('\\') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let Some(c) = after.chars().next() else {
            return Ok(Cow::Owned(out));
        };
        rest = &after[c.len_utf8()..];
        match c {
            'u' => match hex4(rest) {
                Some(unit @ 0xd800..=0xdbff) => {
                    let low = rest[4..].strip_prefix("\\u").and_then(hex4);
                    let Some(low @ 0xdc00..=0xdfff) = low else {
                        return Err(());
                    };
                    let cp =
                        0x10000 + ((u32::from(unit) - 0xd800) << 10) + (u32::from(low) - 0xdc00);
                    out.push(char::from_u32(cp).ok_or(())?);
                    rest = &rest[10..];
                }
                Some(0xdc00..=0xdfff) => return Err(()),
                Some(unit) => {
                    out.push(char::from_u32(u32::from(unit)).ok_or(())?);
                    rest = &rest[4..];
                }
                None => out.push('u'),
            },
            'b' => out.push('\u{8}'),
            't' => out.push('\t'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            other => out.push(other),
        }
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

fn hex4(s: &str) -> Option<u16> {
    let digits = s.get(..4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str) -> String {
        let mut b = BytesMut::new();
        escape_into(s, &mut b);
        assert_eq!(b.len(), escaped_len(s));
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn escapes_specials_and_controls() {
        assert_eq!(
            esc("a\\b\u{8}\t\n\r\u{1}\u{7f}\"'é"),
            "a\\\\b\\b\\t\\n\\r\\u0001\\u007f\"'é"
        );
    }

    #[test]
    fn control_characters_are_found_anywhere() {
        for len in 0..20 {
            let clean = vec![b'a'; len];
            assert!(!has_ctl(&clean));
            for at in 0..len {
                for c in [0u8, 0x09, 0x1f, 0x7f] {
                    let mut dirty = clean.clone();
                    dirty[at] = c;
                    assert!(has_ctl(&dirty), "{c:#x} at {at} of {len}");
                }
                for c in [0x20u8, 0x7e, 0x80, 0xc3, 0xff] {
                    let mut other = clean.clone();
                    other[at] = c;
                    assert!(!has_ctl(&other), "{c:#x} at {at} of {len}");
                }
            }
        }
    }

    #[test]
    fn unescapes_all_forms() {
        let u = |s| unescape(s).unwrap().into_owned();
        assert_eq!(u(r#"\\\"\'\b\t\n\r"#), "\\\"'\u{8}\t\n\r");
        assert_eq!(u(r"\u0041\u00e9\uD83D\uDE00"), "Aé😀");
        assert_eq!(u(r"\x\uZZ"), "xuZZ");
        assert_eq!(u(r"end\"), "end");
        assert!(unescape(r"\ud800").is_err());
        assert!(unescape(r"\udc00x").is_err());
        assert!(unescape(r"\ud800\u0041").is_err());
    }

    #[test]
    fn parses_params_and_prefix() {
        let h = parse_meta_line(
            Bytes::from_static(br#"Subject:;lang=fr;x="a;b c" bonjour"#),
            1,
            0,
        )
        .unwrap();
        assert_eq!(h.name, r#"Subject;lang=fr;x="a;b c""#);
        assert_eq!(h.value, "bonjour");
        assert!(h.is("subject"));
        assert_eq!(h.param("LANG"), Some("fr"));
        assert_eq!(h.param("x"), Some("a;b c"));
        let mut b = BytesMut::new();
        write_meta(&h.name, &h.value, &mut b);
        assert_eq!(
            &b[..],
            &br#"Subject:;lang=fr;x="a;b c" bonjour"#[..]
                .iter()
                .copied()
                .chain(*b"\r\n")
                .collect::<Vec<_>>()[..]
        );
        let h = parse_meta_line(Bytes::from_static(b"NS.Opt: v"), 1, 0).unwrap();
        assert_eq!(h.prefix(), Some("NS"));
    }

    #[test]
    fn rejects_bad_lines() {
        let e = |l: &'static [u8]| parse_meta_line(Bytes::from_static(l), 3, 7).unwrap_err();
        assert!(matches!(
            e(b" From: x"),
            CpimError::FoldedHeader { line: 3, offset: 7 }
        ));
        assert!(matches!(e(b"From:x"), CpimError::MalformedHeader { .. }));
        assert!(matches!(e(b"From x"), CpimError::MalformedHeader { .. }));
        assert!(matches!(e(b"Fr om: x"), CpimError::MalformedHeader { .. }));
        assert!(matches!(e(b"a.b.c: x"), CpimError::MalformedHeader { .. }));
        assert!(matches!(
            e(b"From: a\tb"),
            CpimError::MalformedHeader { .. }
        ));
        assert!(matches!(e(b"From: \xff"), CpimError::NonUtf8Header { .. }));
        assert!(matches!(e(b"S:;lang x"), CpimError::MalformedHeader { .. }));
        assert!(matches!(e(br"S: \ud800"), CpimError::BadEscape { .. }));
    }
}
