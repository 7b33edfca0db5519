//! [`SessionEnd`]: one end of a session as its SDP describes it, and the pieces mechanisms
//! whose sessions are named by `a=uri` share: minting a session URI and reading the peer's end.

use imsession_sdp::MediaDescription;

use crate::accept::MediaRange;
use crate::error::NegotiationError;

/// Random characters in a URI minted by [`session_uri`]: base 36, about 98 bits, so a session
/// identity cannot be guessed by another peer on a shared connection.
pub const SESSION_ID_LEN: usize = 19;

/// One end of a session as its SDP describes it, in mechanism-neutral terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionEnd {
    /// The URI naming this end of the session (cpim: `a=uri`; MSRP: the last `a=path` URI).
    pub uri: String,
    /// The media types this end accepts.
    pub accepts: Vec<MediaRange>,
    /// The largest message this end accepts, if it said (`a=max-size`).
    pub max_size: Option<u64>,
}

impl SessionEnd {
    /// Reads the peer's end from `a=uri`, the m-line's format list and `a=max-size`: what a
    /// mechanism whose sessions are named by `a=uri` needs from [`crate::SessionMechanism::read_remote`].
    /// `required_by` names the rule that requires `a=uri`, for the error.
    ///
    /// # Errors
    /// [`NegotiationError::BadMedia`] (index 0; the negotiator sets the m-line's) when `a=uri`
    /// is missing or is not a URI, or a format is not a media type.
    pub fn from_uri_media(
        media: &MediaDescription,
        required_by: &str,
    ) -> Result<Self, NegotiationError> {
        let bad = |reason: String| NegotiationError::BadMedia { index: 0, reason };
        let uri = media
            .uri()
            .ok_or_else(|| bad(format!("no a=uri ({required_by})")))?;
        if uri.is_empty() || uri.contains(char::is_whitespace) {
            return Err(bad(format!("a=uri {uri:?} is not a URI")));
        }
        let accepts = media
            .formats
            .iter()
            .map(|f| {
                MediaRange::parse(f).ok_or_else(|| bad(format!("format {f:?} is not a media type")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            uri: uri.to_owned(),
            accepts,
            max_size: media.max_size(),
        })
    }
}

/// A fresh session URI `scheme:<id>@host`, with [`SESSION_ID_LEN`] random base-36 characters
/// and IPv6 literals in brackets: what [`crate::SessionMechanism::new_uri`] returns for
/// mechanisms whose sessions are named by `a=uri`.
pub fn session_uri(scheme: &str, host: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let id: String = (0..SESSION_ID_LEN)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect();
    if host.contains(':') && !host.starts_with('[') {
        format!("{scheme}:{id}@[{host}]")
    } else {
        format!("{scheme}:{id}@{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imsession_sdp::SessionDescription;

    fn media(lines: &str) -> MediaDescription {
        let text = format!("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\n{lines}");
        SessionDescription::parse(&text).unwrap().media()[0].clone()
    }

    #[test]
    fn minted_uris_are_random_and_bracket_ipv6() {
        let a = session_uri("im", "::1");
        let b = session_uri("im", "::1");
        assert_ne!(a, b);
        assert!(a.starts_with("im:") && a.ends_with("@[::1]"), "{a}");
        assert_eq!(a.len(), "im:".len() + SESSION_ID_LEN + "@[::1]".len());
        assert!(session_uri("x", "h.example").ends_with("@h.example"));
    }

    #[test]
    fn reads_uri_formats_and_max_size() {
        let end = SessionEnd::from_uri_media(
            &media("m=message 9 cpim/tcp text/plain text/*\r\na=uri:im:a@h\r\na=max-size:100\r\n"),
            "rule",
        )
        .unwrap();
        assert_eq!(end.uri, "im:a@h");
        assert_eq!(end.accepts.len(), 2);
        assert_eq!(end.max_size, Some(100));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let err = |lines| {
            SessionEnd::from_uri_media(&media(lines), "spec §1")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("m=message 9 cpim/tcp text/plain\r\n"),
            "m-line 0: no a=uri (spec §1)"
        );
        assert_eq!(
            err("m=message 9 cpim/tcp bogus\r\na=uri:im:a@h\r\n"),
            "m-line 0: format \"bogus\" is not a media type"
        );
    }
}
