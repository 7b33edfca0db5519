//! Small lexical helpers shared by the parsers (RFC 4566 §9 primitives).

use std::str::FromStr;

/// `token-char` of RFC 4566 §9.
fn is_token_char(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x27 | 0x2A..=0x2B | 0x2D..=0x2E | 0x30..=0x39 | 0x41..=0x5A | 0x5E..=0x7E)
}

/// `token`: one or more token characters.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_char)
}

/// `non-ws-string`: one or more visible characters (no space, no control).
pub(crate) fn is_non_ws(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `1*DIGIT`.
pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Outcome of reading an unsigned decimal number.
pub(crate) enum Number<T> {
    /// Parsed.
    Ok(T),
    /// Not one or more ASCII digits.
    Invalid,
    /// Digits, but too large for `T`.
    TooLarge,
}

/// Reads `1*DIGIT` (no sign, no spaces) into `T`.
pub(crate) fn digits<T: FromStr>(s: &str) -> Number<T> {
    if !is_digits(s) {
        return Number::Invalid;
    }
    match s.parse() {
        Ok(v) => Number::Ok(v),
        Err(_) => Number::TooLarge,
    }
}

/// Reads `1*DIGIT` into `T`, mapping any failure to `err`.
pub(crate) fn digits_or<T: FromStr, E>(s: &str, err: E) -> Result<T, E> {
    match digits(s) {
        Number::Ok(v) => Ok(v),
        _ => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_excludes_slash_colon_space() {
        assert!(is_token("RTP"));
        assert!(is_token("x-foo.bar"));
        assert!(!is_token("text/plain"));
        assert!(!is_token("a:b"));
        assert!(!is_token("a b"));
        assert!(!is_token(""));
    }

    #[test]
    fn digits_rejects_signs_and_overflow() {
        assert!(matches!(digits::<u16>("65535"), Number::Ok(65535)));
        assert!(matches!(digits::<u16>("65536"), Number::TooLarge));
        assert!(matches!(digits::<u16>("+5"), Number::Invalid));
        assert!(matches!(digits::<u16>(""), Number::Invalid));
    }
}
