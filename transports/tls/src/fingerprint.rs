//! Certificate fingerprints (RFC 8122, draft-ietf-mmusic-4572-update §5): computing them and
//! checking a certificate against the ones a peer wrote in its SDP.

use std::fmt;

use imsession::sdp::{Fingerprint, HashFunction, MediaDescription};
use ring::digest;

/// Hash functions we can check, most preferred first. When the peer's SDP carries
/// fingerprints of several of them, only those of the first one listed here are used (so a
/// weaker hash offered alongside a stronger one cannot be used to downgrade the check).
/// `sha-256` is the one we write; `sha-1` is accepted because RFC 8122 allows it.
pub const PREFERRED_HASHES: [HashFunction; 4] = [
    HashFunction::Sha512,
    HashFunction::Sha384,
    HashFunction::Sha256,
    HashFunction::Sha1,
];

/// The fingerprint of a DER certificate with `hash`, or `None` for a hash function we do not
/// support (`md5`, `md2`, `sha-224`, others).
///
/// ```
/// use imsession::sdp::HashFunction;
/// let fp = imsession_tls::fingerprint(&HashFunction::Sha256, b"not really a certificate").unwrap();
/// assert_eq!(fp.value.len(), 32);
/// assert!(imsession_tls::fingerprint(&HashFunction::Md5, b"").is_none());
/// ```
pub fn fingerprint(hash: &HashFunction, der: &[u8]) -> Option<Fingerprint> {
    let algorithm = match hash {
        HashFunction::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        HashFunction::Sha256 => &digest::SHA256,
        HashFunction::Sha384 => &digest::SHA384,
        HashFunction::Sha512 => &digest::SHA512,
        _ => return None,
    };
    Some(Fingerprint::new(
        hash.clone(),
        digest::digest(algorithm, der).as_ref().to_vec(),
    ))
}

/// The SHA-256 digest of a DER certificate, as [`imsession::PeerIdentity`] keeps it.
pub(crate) fn sha256(der: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    out.copy_from_slice(digest::digest(&digest::SHA256, der).as_ref());
    out
}

/// The fingerprints of `media` that a certificate must match: those of our most preferred
/// hash function among the ones present. Empty when none is usable.
pub(crate) fn expected(media: &MediaDescription) -> Vec<Fingerprint> {
    let Some(hash) = PREFERRED_HASHES
        .iter()
        .find(|h| media.fingerprints().any(|f| &f.hash == *h))
    else {
        return Vec::new();
    };
    media
        .fingerprints()
        .filter(|f| &f.hash == hash)
        .cloned()
        .collect()
}

/// Why a peer's SDP cannot authenticate its certificate.
pub(crate) fn no_usable_fingerprint(media: &MediaDescription) -> String {
    let written: Vec<&str> = media.fingerprints().map(|f| f.hash.as_str()).collect();
    if written.is_empty() {
        return "peer's sdp has no a=fingerprint".to_owned();
    }
    let usable: Vec<&str> = PREFERRED_HASHES.iter().map(HashFunction::as_str).collect();
    format!(
        "peer's a=fingerprint uses {}, none of {}",
        written.join(", "),
        usable.join(", ")
    )
}

/// A certificate matched none of the fingerprints its peer announced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct FingerprintMismatch {
    /// The certificate's fingerprint, with the hash function of `expected`.
    pub found: Fingerprint,
    /// What the peer's SDP announced.
    pub expected: Vec<Fingerprint>,
}

impl fmt::Display for FingerprintMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "certificate {} but a=fingerprint says ", self.found)?;
        for (i, e) in self.expected.iter().enumerate() {
            if i > 0 {
                f.write_str(" or ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Checks a DER certificate against `expected` (all of one hash function, non-empty).
pub(crate) fn check(expected: &[Fingerprint], der: &[u8]) -> Result<(), FingerprintMismatch> {
    let hash = &expected[0].hash;
    let found = fingerprint(hash, der).expect("expected() keeps supported hashes only");
    check_found(expected, found)
}

/// Checks a certificate's fingerprint `found` against `expected` (all of `found`'s hash
/// function).
pub(crate) fn check_found(
    expected: &[Fingerprint],
    found: Fingerprint,
) -> Result<(), FingerprintMismatch> {
    if expected.iter().any(|e| e.value == found.value) {
        Ok(())
    } else {
        Err(FingerprintMismatch {
            found,
            expected: expected.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imsession::sdp::Attribute;

    fn media(fps: &[&str]) -> MediaDescription {
        let mut m = MediaDescription::new("message", 9, "cpim/tls", vec![]);
        for f in fps {
            m.push_attribute(Attribute::Fingerprint(f.parse().unwrap()));
        }
        m
    }

    #[test]
    fn prefers_the_strongest_hash_present() {
        let der = b"certificate";
        let sha1 = fingerprint(&HashFunction::Sha1, der).unwrap();
        let sha256 = fingerprint(&HashFunction::Sha256, der).unwrap();
        let m = media(&[&sha1.to_string(), "md5 00:11", &sha256.to_string()]);
        assert_eq!(expected(&m), vec![sha256]);
        assert_eq!(check(&expected(&m), der), Ok(()));
    }

    #[test]
    fn a_weaker_hash_cannot_override_a_stronger_mismatch() {
        let der = b"certificate";
        let sha1 = fingerprint(&HashFunction::Sha1, der).unwrap();
        let m = media(&[&sha1.to_string(), "sha-256 00:11"]);
        let err = check(&expected(&m), der).unwrap_err();
        assert_eq!(err.found.hash, HashFunction::Sha256);
        assert!(
            err.to_string().contains("a=fingerprint says sha-256 00:11"),
            "{err}"
        );
    }

    #[test]
    fn every_supported_hash_matches() {
        let der = b"certificate";
        for h in &PREFERRED_HASHES {
            let fp = fingerprint(h, der).unwrap();
            assert_eq!(check(&expected(&media(&[&fp.to_string()])), der), Ok(()));
            assert!(check(&[fp], b"another").is_err());
        }
    }

    #[test]
    fn unusable_fingerprints_are_explained() {
        assert!(expected(&media(&["md5 00:11"])).is_empty());
        assert_eq!(
            no_usable_fingerprint(&media(&["md5 00:11"])),
            "peer's a=fingerprint uses md5, none of sha-512, sha-384, sha-256, sha-1"
        );
        assert_eq!(
            no_usable_fingerprint(&media(&[])),
            "peer's sdp has no a=fingerprint"
        );
    }
}
