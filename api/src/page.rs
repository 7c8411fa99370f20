//! Lists: `?limit=` (at most 500) and opaque cursors.

use crate::problem::ApiError;
use serde::Serialize;
use sigap_store::FieldError;
use utoipa::ToSchema;

pub const MAX_LIMIT: i64 = 500;

/// One page of a list; pass `next_cursor` back as `?cursor=` for the next.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only tells
    /// that there is more. `key` gives the cursor of the last item kept.
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

pub fn decode(cursor: &str) -> Result<String, ApiError> {
    hex::decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            ApiError::from(vec![FieldError::new(
                "cursor",
                "is not a cursor this API issued",
            )])
        })
}
