//! The mail outbox: every message the system queued, with its delivery status, and one message's
//! text with its links — so an admin can hand a set-up link over when mail does not arrive.

use super::forms;
use super::pages::{self, Shell, render, server_error};
use super::session::Req;
use super::view::{self, Badge};
use crate::i18n::T;
use crate::state::AppState;
use acorn_service::ServiceError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    cursor: String,
}

pub struct MailRow {
    id: String,
    created: String,
    to: String,
    subject: String,
    status: Badge,
    detail: String,
}

#[derive(Template)]
#[template(path = "outbox.html")]
struct ListPage {
    t: T,
    shell: Shell,
    rows: Vec<MailRow>,
    next_href: String,
    first_href: String,
}

pub async fn list(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let cursor = Some(lq.cursor.trim()).filter(|c| !c.is_empty());
    let page = match s.services.list_mail(&req.ctx(&auth), cursor, None).await {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let rows = page
        .items
        .iter()
        .map(|m| MailRow {
            id: m.id.to_string(),
            created: view::when(m.created_at),
            to: m.to.clone(),
            subject: m.subject.clone(),
            status: view::mail_status(m.status, m.last_error.is_some()),
            detail: m.last_error.clone().or_else(|| m.location.clone()).unwrap_or_default(),
        })
        .collect();
    let next_href = page.next.as_deref().map(|n| format!("/outbox{}", forms::query(&[("cursor", n)]))).unwrap_or_default();
    let first_href = if cursor.is_some() { "/outbox".to_string() } else { String::new() };
    let mut res = render(&ListPage { t, shell, rows, next_href, first_href });
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// A piece of a message body: text, or a link.
#[derive(Debug, PartialEq, Eq)]
pub struct Piece {
    text: String,
    link: bool,
}

/// Splits a plain-text body into text and `http(s)://` links (trailing punctuation stays text).
fn linkify(body: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = ["https://", "http://"].iter().filter_map(|p| rest.find(p)).min() {
        if start > 0 {
            out.push(Piece { text: rest[..start].to_string(), link: false });
        }
        let tail = &rest[start..];
        let mut end = tail.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'')).unwrap_or(tail.len());
        while end > 0 && tail[..end].ends_with(['.', ',', ';', ':', ')', '!', '?']) {
            end -= 1;
        }
        out.push(Piece { text: tail[..end].to_string(), link: true });
        rest = &tail[end..];
    }
    if !rest.is_empty() {
        out.push(Piece { text: rest.to_string(), link: false });
    }
    out
}

#[derive(Template)]
#[template(path = "outbox_message.html")]
struct MessagePage {
    t: T,
    shell: Shell,
    to: String,
    subject: String,
    status: Badge,
    created: String,
    delivered: String,
    attempts: i64,
    location: String,
    error: String,
    body: Vec<Piece>,
}

pub async fn show(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(id) = Uuid::parse_str(id.trim()) else { return server_error(t, ServiceError::NotFound("message")) };
    let m = match s.services.get_mail(&req.ctx(&auth), id).await {
        Ok(m) => m,
        Err(e) => return server_error(t, e),
    };
    let page = MessagePage {
        t,
        shell,
        to: m.to.clone(),
        subject: m.subject.clone(),
        status: view::mail_status(m.status, m.last_error.is_some()),
        created: view::when(m.created_at),
        delivered: m.delivered_at.map(view::when).unwrap_or_default(),
        attempts: m.attempts,
        location: m.location.clone().unwrap_or_default(),
        error: m.last_error.clone().unwrap_or_default(),
        body: linkify(&m.body),
    };
    // The body may hold a set-up link: never cached.
    let mut res = render(&page).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_without_trailing_punctuation() {
        let p = linkify("Set it here:\n\nhttps://acorn.example/setup/abc.\nThen http://x.y/z, done");
        let links: Vec<&str> = p.iter().filter(|p| p.link).map(|p| p.text.as_str()).collect();
        assert_eq!(links, vec!["https://acorn.example/setup/abc", "http://x.y/z"]);
        let text: String = p.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(text, "Set it here:\n\nhttps://acorn.example/setup/abc.\nThen http://x.y/z, done");
        assert_eq!(linkify("no links"), vec![Piece { text: "no links".into(), link: false }]);
    }
}
