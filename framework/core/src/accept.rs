//! Media-type lists (`text/plain`, `text/*`, `*`) and matching a concrete type against them.

use mime::Mime;

/// One entry of an accept list: a concrete type, `type/*`, or `*` (also `*/*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaRange {
    /// Top-level type, lowercase, or `*`.
    pub top: String,
    /// Subtype, lowercase, or `*`.
    pub sub: String,
}

impl MediaRange {
    /// Parses `type/subtype`, `type/*`, `*` or `*/*`; parameters after `;` are ignored.
    pub fn parse(text: &str) -> Option<Self> {
        let essence = text.split(';').next().unwrap_or("").trim();
        if essence == "*" {
            return Some(Self::any());
        }
        let (top, sub) = essence.split_once('/')?;
        let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_graphic() && c != '/');
        if !ok(top) || !ok(sub) || (top == "*" && sub != "*") {
            return None;
        }
        Some(Self {
            top: top.to_ascii_lowercase(),
            sub: sub.to_ascii_lowercase(),
        })
    }

    /// `*`: anything.
    pub fn any() -> Self {
        Self {
            top: "*".into(),
            sub: "*".into(),
        }
    }

    /// Whether `ty` falls in this range.
    pub fn matches(&self, ty: &Mime) -> bool {
        (self.top == "*" || ty.type_().as_str().eq_ignore_ascii_case(&self.top))
            && (self.sub == "*" || ty.subtype().as_str().eq_ignore_ascii_case(&self.sub))
    }
}

impl std::fmt::Display for MediaRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.top, self.sub)
    }
}

/// Whether any range in `list` admits `ty`.
pub fn accepts(list: &[MediaRange], ty: &Mime) -> bool {
    list.iter().any(|r| r.matches(ty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match() {
        let list: Vec<_> = ["text/plain", "image/*"]
            .iter()
            .filter_map(|s| MediaRange::parse(s))
            .collect();
        assert!(accepts(&list, &mime::TEXT_PLAIN_UTF_8));
        assert!(accepts(&list, &mime::IMAGE_PNG));
        assert!(!accepts(&list, &mime::TEXT_HTML));
        assert!(accepts(
            &[MediaRange::parse("*").unwrap()],
            &mime::TEXT_HTML
        ));
        assert!(MediaRange::parse("*/plain").is_none());
        assert!(MediaRange::parse("textplain").is_none());
    }
}
