//! Lists: `?limit=` (1 to 500) and opaque cursors.

use crate::problem::ApiError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sigap_store::FieldError;
use std::fmt::Display;
use std::str::FromStr;
use utoipa::ToSchema;

pub const MAX_LIMIT: i64 = 500;

/// What a cursor looks like: the hex of a printable ASCII sort key, which
/// is all [`decode`] accepts. Empty means the first page, as absent does.
/// The `cursor` parameters of the OpenAPI document carry this pattern.
pub const CURSOR_PATTERN: &str = "^([2-6][0-9A-Fa-f]|7[0-9A-Ea-e])*$";

/// One page of a list; pass `next_cursor` back as `?cursor=` for the next.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only tells
    /// that there is more. `key` gives the sort key of the last item kept.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Page<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| encode(&key(r)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }

    /// The same page with every item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// Checks `?limit=`.
pub fn limit(requested: Option<i64>, default: i64) -> Result<i64, ApiError> {
    match requested {
        None => Ok(default),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::from(vec![FieldError::new(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        )])),
    }
}

/// Cursors are the hex of a sort key: opaque to clients, trivial to check.
pub fn encode(key: &str) -> String {
    hex::encode(key.as_bytes())
}

/// `?cursor=`: absent or empty asks for the first page.
pub fn cursor(cursor: &Option<String>) -> Option<&str> {
    cursor.as_deref().filter(|c| !c.is_empty())
}

/// The sort key of `?cursor=`, or `None` for the first page.
pub fn after(cursor: &Option<String>) -> Result<Option<String>, ApiError> {
    self::cursor(cursor).map(decode).transpose()
}

/// The sort key of `?cursor=` read as a `T` (an id, a sequence number), or
/// `None` for the first page; 422 for a cursor this API did not issue.
pub fn after_as<T: FromStr>(cursor: &Option<String>) -> Result<Option<T>, ApiError> {
    after(cursor)?
        .map(|key| key.parse::<T>().map_err(|_| not_ours()))
        .transpose()
}

/// The sort key of a cursor: hex of printable ASCII ([`CURSOR_PATTERN`]),
/// which every sort key this API builds is.
pub fn decode(cursor: &str) -> Result<String, ApiError> {
    hex::decode(cursor)
        .ok()
        .filter(|bytes| bytes.iter().all(|b| (0x20..=0x7e).contains(b)))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(not_ours)
}

fn not_ours() -> ApiError {
    ApiError::from(vec![FieldError::new(
        "cursor",
        "is not a cursor this API issued",
    )])
}

/// A sort key of several fields, joined by `:` (none of them holds one).
pub fn key(fields: &[&dyn Display]) -> String {
    fields
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join(":")
}

/// A time as a sort key field: microseconds since the epoch.
pub fn time_field(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// Reads back, field by field, a cursor whose sort key [`key`] built.
pub struct KeyFields {
    fields: std::vec::IntoIter<String>,
}

impl KeyFields {
    /// Decodes `cursor`; a cursor this API did not issue is refused.
    pub fn decode(cursor: &str) -> Result<KeyFields, ApiError> {
        let key = decode(cursor)?;
        let fields: Vec<String> = key.split(':').map(str::to_owned).collect();
        Ok(KeyFields {
            fields: fields.into_iter(),
        })
    }

    /// The next field.
    pub fn field<T: FromStr>(&mut self) -> Result<T, ApiError> {
        self.fields
            .next()
            .and_then(|f| f.parse().ok())
            .ok_or_else(not_ours)
    }

    /// The next field, a time written by [`time_field`].
    pub fn next_time(&mut self) -> Result<DateTime<Utc>, ApiError> {
        DateTime::from_timestamp_micros(self.field()?).ok_or_else(not_ours)
    }

    /// Checks that every field was read.
    pub fn end(mut self) -> Result<(), ApiError> {
        match self.fields.next() {
            None => Ok(()),
            Some(_) => Err(not_ours()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_key_reads_back_field_by_field() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).expect("time");
        let id = Uuid::now_v7();
        let cursor = encode(&key(&[&2, &time_field(at), &id]));
        let mut fields = KeyFields::decode(&cursor).expect("ours");
        assert_eq!(fields.field::<i32>().expect("rank"), 2);
        assert_eq!(fields.next_time().expect("time"), at);
        assert_eq!(fields.field::<Uuid>().expect("id"), id);
        assert!(fields.end().is_ok());
    }

    #[test]
    fn foreign_cursors_are_refused() {
        assert!(KeyFields::decode("zz").is_err());
        // Hex, but not of printable ASCII: a tab, a NUL, a lone UTF-8 byte.
        for cursor in ["09", "00", "c3", "7f"] {
            assert!(decode(cursor).is_err(), "{cursor}");
        }
        let mut short = KeyFields::decode(&encode("12")).expect("hex");
        assert!(short.field::<i64>().is_ok());
        assert!(short.field::<Uuid>().is_err());
        let long = KeyFields::decode(&encode("1:2")).expect("hex");
        assert!(long.end().is_err());
    }

    #[test]
    fn an_empty_cursor_is_the_first_page() {
        assert_eq!(cursor(&Some(String::new())), None);
        assert_eq!(cursor(&None), None);
        assert_eq!(cursor(&Some("3133".into())), Some("3133"));
        assert_eq!(after(&Some(String::new())).ok(), Some(None));
        assert_eq!(after(&Some("3133".into())).ok(), Some(Some("13".into())));
    }

    /// The document states the bounds [`limit`] and [`decode`] enforce on
    /// every list.
    #[test]
    fn every_list_documents_its_limit_and_cursor() {
        let doc = serde_json::to_value(crate::openapi::document()).expect("json");
        let mut seen = (0, 0);
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("operations") {
                let parameters = operation["parameters"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                for parameter in parameters.iter().filter(|p| p["in"] == "query") {
                    let schema = &parameter["schema"];
                    match parameter["name"].as_str() {
                        Some("cursor") => {
                            seen.0 += 1;
                            assert_eq!(schema["pattern"], CURSOR_PATTERN, "{method} {path}");
                        }
                        Some("limit") => {
                            seen.1 += 1;
                            assert_eq!(schema["minimum"], 1, "{method} {path}");
                            assert_eq!(schema["maximum"], MAX_LIMIT, "{method} {path}");
                        }
                        _ => {}
                    }
                }
            }
        }
        assert!(seen.0 >= 6 && seen.1 >= 7, "{seen:?}");
    }

    proptest::proptest! {
        /// Whatever the documented pattern admits, the decoder accepts.
        #[test]
        fn every_cursor_the_pattern_admits_decodes(
            cursor in CURSOR_PATTERN.trim_start_matches('^').trim_end_matches('$')
        ) {
            proptest::prop_assert!(decode(&cursor).is_ok(), "{cursor}");
        }
    }
}
