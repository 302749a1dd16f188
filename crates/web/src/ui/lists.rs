//! What the portal's keyset-paged lists share: the cursor from the query, the links that keep the
//! filters (next page, back to the first, the CSV export of the current filter), and the export
//! loop that walks every page of the filter into one CSV download.

use super::forms;
use super::orders::{csv_download, csv_row};
use super::pages::server_error;
use crate::i18n::T;
use acorn_service::ServiceError;
use axum::response::Response;

/// Rows per page of an export.
pub const EXPORT_PAGE: u64 = 500;
/// Pages an export reads at most: the export of a very large list stops there.
const EXPORT_PAGES: usize = 200;

/// The cursor of the page asked for, if any.
pub fn cursor(raw: &str) -> Option<&str> {
    Some(raw.trim()).filter(|c| !c.is_empty())
}

/// A list page's links; each keeps the filters.
pub struct Links {
    pub next_href: String,
    /// Back to the first page, once past it.
    pub first_href: String,
    pub csv_href: String,
}

/// The links of the list at `path` (its export at `{path}.csv`), on the page at `cursor` whose
/// next page starts at `next`.
pub fn links(path: &str, keep: &[(&str, &str)], cursor: Option<&str>, next: Option<&str>) -> Links {
    let next_href = next
        .map(|n| {
            let mut q = keep.to_vec();
            q.push(("cursor", n));
            format!("{path}{}", forms::query(&q))
        })
        .unwrap_or_default();
    let first_href = if cursor.is_some() { format!("{path}{}", forms::query(keep)) } else { String::new() };
    Links { next_href, first_href, csv_href: format!("{path}.csv{}", forms::query(keep)) }
}

/// Every page of a filter as one CSV download: `page` reads the page at a cursor and gives its
/// rows and the next cursor. (A plain closure returning a future, not an async closure: the
/// future of an `AsyncFnMut` borrows the closure, and the handler's future is then not `Send`.)
pub async fn export<F>(t: T, name: &str, header: &[&str], mut page: impl FnMut(Option<String>) -> F) -> Response
where
    F: Future<Output = Result<(Vec<Vec<String>>, Option<String>), ServiceError>>,
{
    let mut out = String::new();
    csv_row(&mut out, &header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    let mut cursor: Option<String> = None;
    for _ in 0..EXPORT_PAGES {
        let (rows, next) = match page(cursor.take()).await {
            Ok(p) => p,
            Err(e) => return server_error(t, e),
        };
        for row in &rows {
            csv_row(&mut out, row);
        }
        match next {
            Some(n) => cursor = Some(n),
            None => break,
        }
    }
    csv_download(name, out)
}
