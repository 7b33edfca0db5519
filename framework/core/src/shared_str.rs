//! [`SharedStr`]: an immutable UTF-8 string that clones in constant time and can share the
//! buffer a message was received in.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

/// An immutable UTF-8 string backed by [`Bytes`]: cloning it is a reference-count increment,
/// and a decoder can hand out header names and values as slices of the received frame
/// instead of copying each into its own allocation.
///
/// It dereferences to `str`, so `&*s`, `s.as_str()`, `s.len()`, `s.starts_with(..)` and every
/// other `str` method work as on a `String`; it compares equal to `str`, `&str` and `String`.
/// Build one from a `&'static str` ([`SharedStr::from_static`], no copy), a `String`
/// (no copy) or any `&str` (copied).
///
/// A slice of a received frame keeps the frame's buffer alive as long as it lives: keep
/// copies (`to_string()`) of values you store for long.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedStr(bytestring::ByteString);

impl SharedStr {
    /// An empty string.
    pub const fn new() -> Self {
        Self(bytestring::ByteString::from_static(""))
    }

    /// A string referring to static text, without copying it.
    pub const fn from_static(s: &'static str) -> Self {
        Self(bytestring::ByteString::from_static(s))
    }

    /// The string as a `&str`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The bytes behind the string, shared (no copy).
    pub fn as_bytes_shared(&self) -> &Bytes {
        self.0.as_bytes()
    }

    /// The string from `bytes`, shared (no copy) when they are UTF-8.
    ///
    /// # Errors
    /// The UTF-8 error when they are not.
    pub fn from_utf8(bytes: Bytes) -> Result<Self, std::str::Utf8Error> {
        bytestring::ByteString::try_from(bytes).map(Self)
    }

    /// The part of this string that `subset` is, sharing this string's storage; `subset` must
    /// be a slice of `self` (as returned by `str` methods on it).
    ///
    /// # Panics
    /// When `subset` does not lie within `self`.
    pub fn slice_ref(&self, subset: &str) -> Self {
        Self(self.0.slice_ref(subset))
    }
}

impl Deref for SharedStr {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<[u8]> for SharedStr {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        Self(bytestring::ByteString::from(s))
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> Self {
        Self::from(s.as_str())
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        Self(bytestring::ByteString::from(s))
    }
}

impl From<&Self> for SharedStr {
    fn from(s: &Self) -> Self {
        s.clone()
    }
}

impl From<std::borrow::Cow<'_, str>> for SharedStr {
    fn from(s: std::borrow::Cow<'_, str>) -> Self {
        match s {
            std::borrow::Cow::Borrowed(s) => Self::from(s),
            std::borrow::Cow::Owned(s) => Self::from(s),
        }
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.as_str().to_owned()
    }
}

impl From<SharedStr> for Bytes {
    fn from(s: SharedStr) -> Self {
        s.0.into_bytes()
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::SharedStr;

    #[test]
    fn behaves_like_a_string() {
        let s = SharedStr::from("Subject;lang=fr");
        assert_eq!(s, "Subject;lang=fr");
        assert_eq!("Subject;lang=fr", s);
        assert_eq!(s, String::from("Subject;lang=fr"));
        assert!(s.starts_with("Subject"));
        assert_eq!(s.to_string(), "Subject;lang=fr");
        assert_eq!(format!("{s:?}"), "\"Subject;lang=fr\"");
        assert_eq!(
            SharedStr::from(String::from("x")),
            SharedStr::from_static("x")
        );
        assert_eq!(SharedStr::default(), SharedStr::new());
        let mut sorted = vec![SharedStr::from("b"), SharedStr::from("a")];
        sorted.sort();
        assert_eq!(sorted, ["a", "b"]);
    }

    #[test]
    fn slices_share_storage_and_non_utf8_is_refused() {
        let whole = SharedStr::from_utf8(Bytes::from_static(b"To: <im:b@y>")).unwrap();
        let value = whole.slice_ref(&whole[4..]);
        assert_eq!(value, "<im:b@y>");
        assert_eq!(value.as_ptr(), whole[4..].as_ptr());
        assert!(SharedStr::from_utf8(Bytes::from_static(b"\xff")).is_err());
    }
}
