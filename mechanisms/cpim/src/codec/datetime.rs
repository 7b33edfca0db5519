//! The DateTime header: RFC 3339 timestamps.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Formats `t` as an RFC 3339 timestamp, e.g. `2000-12-13T13:40:00-08:00` (`Z` for UTC).
///
/// Fractional seconds are written only when non-zero, without trailing zeros. An offset with
/// non-zero seconds (not expressible in RFC 3339) is converted to UTC first.
pub fn format_date_time(t: OffsetDateTime) -> String {
    let t = if t.offset().seconds_past_minute() == 0 {
        t
    } else {
        t.checked_to_offset(UtcOffset::UTC).unwrap_or(t)
    };
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    if t.nanosecond() != 0 {
        let frac = format!("{:09}", t.nanosecond());
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    let off = t.offset();
    if off.is_utc() {
        out.push('Z');
    } else {
        let sign = if off.is_negative() { '-' } else { '+' };
        out.push_str(&format!(
            "{sign}{:02}:{:02}",
            off.whole_hours().unsigned_abs(),
            off.minutes_past_hour().unsigned_abs()
        ));
    }
    out
}

/// Parses an RFC 3339 timestamp.
pub(crate) fn parse_date_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn formats_and_parses() {
        let t = datetime!(2000-12-13 13:40:00 -08:00);
        assert_eq!(format_date_time(t), "2000-12-13T13:40:00-08:00");
        assert_eq!(parse_date_time("2000-12-13T13:40:00-08:00"), Some(t));
        let u = datetime!(2001-02-02 10:48:54.25 UTC);
        assert_eq!(format_date_time(u), "2001-02-02T10:48:54.25Z");
        assert_eq!(parse_date_time(&format_date_time(u)), Some(u));
        let odd = datetime!(2001-02-02 10:48:54 +01:30:15);
        assert_eq!(parse_date_time(&format_date_time(odd)), Some(odd));
        assert_eq!(parse_date_time("yesterday"), None);
    }
}
