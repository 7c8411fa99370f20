//! Times given in query strings.

use chrono::{DateTime, Utc};

/// An RFC 3339 time from a query string, in UTC; `None` when it is not one.
///
/// A `+` in a query string decodes as a space, so `…T00:00:00+07:00` sent
/// unescaped arrives as `…T00:00:00 07:00`: when the text as given does not
/// parse, it is read again with its spaces taken back to `+`.
pub fn rfc3339(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc3339(&text.replace(' ', "+")))
        .map(|t| t.with_timezone(&Utc))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().expect("time")
    }

    #[test]
    fn an_offset_whose_plus_became_a_space_is_read_back() {
        assert_eq!(
            rfc3339("2026-11-01T00:00:00 07:00"),
            Some(utc("2026-10-31T17:00:00Z"))
        );
        assert_eq!(
            rfc3339(" 2026-06-01T00:00:00+07:00 "),
            Some(utc("2026-05-31T17:00:00Z"))
        );
        assert_eq!(
            rfc3339("2026-11-01T00:00:00Z"),
            Some(utc("2026-11-01T00:00:00Z"))
        );
    }

    #[test]
    fn anything_else_is_not_a_time() {
        for text in ["yesterday", "2026-13-01T00:00:00Z", "2026-11-01", ""] {
            assert_eq!(rfc3339(text), None, "{text:?}");
        }
    }
}
