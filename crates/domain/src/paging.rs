//! Keyset pagination: lists are ordered by `(created_at, id)` and continue after the last row seen,
//! so a page costs the same however deep it is and rows added meanwhile never shift a page.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Where a page starts: strictly after this `(created_at, id)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// An opaque, URL-safe token: `<micros since epoch>.<uuid simple>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at.timestamp_micros(), self.id.simple())
    }

    pub fn decode(s: &str) -> Result<Cursor, String> {
        let bad = || format!("`{s}` is not a page cursor from this list; start from the first page");
        let (micros, id) = s.split_once('.').ok_or_else(bad)?;
        let micros: i64 = micros.parse().map_err(|_| bad())?;
        let created_at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(bad)?;
        let id = Uuid::parse_str(id).map_err(|_| bad())?;
        Ok(Cursor { created_at, id })
    }
}

/// One page of a list.
#[derive(Clone, Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only tells that another page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: u64, cursor_of: impl Fn(&T) -> Cursor) -> Page<T> {
        let next = if rows.len() as u64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| cursor_of(r).encode())
        } else {
            None
        };
        Page { items: rows, next }
    }
}

/// Page size bounds shared by UI and API.
pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 500;

pub fn clamp_limit(limit: Option<u64>) -> u64 {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let c = Cursor { created_at: DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap(), id: Uuid::now_v7() };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn garbage_cursor_is_refused_with_a_reason() {
        let err = Cursor::decode("nope").unwrap_err();
        assert!(err.contains("not a page cursor"));
    }

    #[test]
    fn page_keeps_limit_rows_and_points_after_the_last() {
        let t = DateTime::from_timestamp_micros(1_000).unwrap();
        let rows: Vec<Cursor> = (0..3).map(|_| Cursor { created_at: t, id: Uuid::now_v7() }).collect();
        let page = Page::from_rows(rows.clone(), 2, |c| *c);
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.next, Some(rows[1].encode()));
        let last = Page::from_rows(rows, 3, |c| *c);
        assert_eq!(last.next, None);
    }
}
