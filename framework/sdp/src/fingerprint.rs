//! `a=fingerprint` (RFC 8122 / 4572-update §5): a certificate hash.

use std::fmt::{self, Write as _};
use std::str::FromStr;

use crate::error::ParseErrorKind;
use crate::syntax::is_token;

/// Error for a malformed fingerprint value.
const fn bad(reason: &'static str) -> ParseErrorKind {
    ParseErrorKind::BadAttribute {
        name: "fingerprint",
        reason,
    }
}

/// Hash function of a fingerprint (`hash-func`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashFunction {
    /// `sha-1`.
    Sha1,
    /// `sha-224`.
    Sha224,
    /// `sha-256`.
    Sha256,
    /// `sha-384`.
    Sha384,
    /// `sha-512`.
    Sha512,
    /// `md5`.
    Md5,
    /// `md2`.
    Md2,
    /// Any other token, kept as written. Names of the variants above are
    /// parsed into those variants, whatever their case.
    Other(String),
}

impl HashFunction {
    const KNOWN: [Self; 7] = [
        Self::Sha1,
        Self::Sha224,
        Self::Sha256,
        Self::Sha384,
        Self::Sha512,
        Self::Md5,
        Self::Md2,
    ];

    /// The name as written, e.g. `"sha-256"`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Sha1 => "sha-1",
            Self::Sha224 => "sha-224",
            Self::Sha256 => "sha-256",
            Self::Sha384 => "sha-384",
            Self::Sha512 => "sha-512",
            Self::Md5 => "md5",
            Self::Md2 => "md2",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for HashFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HashFunction {
    type Err = ParseErrorKind;

    /// Case-insensitive for the known names; any other token becomes `Other`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(known) = Self::KNOWN
            .into_iter()
            .find(|h| h.as_str().eq_ignore_ascii_case(s))
        {
            return Ok(known);
        }
        if is_token(s) {
            Ok(Self::Other(s.to_owned()))
        } else {
            Err(bad("hash function is not a token"))
        }
    }
}

/// A certificate fingerprint: `<hash-func> <HEX>:<HEX>:...`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    /// Hash function used.
    pub hash: HashFunction,
    /// The digest bytes.
    pub value: Vec<u8>,
}

impl Fingerprint {
    /// A fingerprint from a hash function and digest bytes.
    pub fn new(hash: HashFunction, value: Vec<u8>) -> Self {
        Self { hash, value }
    }
}

impl fmt::Display for Fingerprint {
    /// Writes `sha-256 AB:CD:...` (upper-case hex with colons).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.hash)?;
        for (i, byte) in self.value.iter().enumerate() {
            if i > 0 {
                f.write_char(':')?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl FromStr for Fingerprint {
    type Err = ParseErrorKind;

    /// Parses the attribute value (after `fingerprint:`); hex digits of
    /// either case are accepted.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fields: Vec<&str> = s.split_ascii_whitespace().collect();
        let [hash, hex] = fields[..] else {
            return Err(bad("expected hash function and hex value"));
        };
        let hash = hash.parse()?;
        let value = hex
            .split(':')
            .map(|pair| {
                if pair.len() == 2 && pair.bytes().all(|b| b.is_ascii_hexdigit()) {
                    u8::from_str_radix(pair, 16).map_err(|_| bad("bad hex"))
                } else {
                    Err(bad("expected hex byte pairs separated by colons"))
                }
            })
            .collect::<Result<Vec<u8>, _>>()?;
        Ok(Self { hash, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_upper_case() {
        let f: Fingerprint = "SHA-256 4a:AD:b9".parse().unwrap();
        assert_eq!(
            f,
            Fingerprint::new(HashFunction::Sha256, vec![0x4a, 0xad, 0xb9])
        );
        assert_eq!(f.to_string(), "sha-256 4A:AD:B9");
    }

    #[test]
    fn other_hash_kept() {
        let f: Fingerprint = "blake3 00".parse().unwrap();
        assert_eq!(f.hash, HashFunction::Other("blake3".into()));
        assert_eq!(f.to_string(), "blake3 00");
    }

    #[test]
    fn rejects_bad_hex() {
        for bad in [
            "sha-1",
            "sha-1 ",
            "sha-1 A",
            "sha-1 AB:",
            "sha-1 AB::CD",
            "sha-1 GG",
            "sha-1 ABC",
            "sha-1 +A",
            "sha-1 AB CD",
        ] {
            assert!(bad.parse::<Fingerprint>().is_err(), "{bad:?}");
        }
    }
}
