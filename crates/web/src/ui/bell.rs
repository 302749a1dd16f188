//! Notifications: the latest business events the user's side hears (a PO issued, changed or
//! cancelled for a vendor; an acknowledgement for the retailer), newest first, with "mark all read".
//! The unread count is in the top bar of every page (see [`super::pages::portal`]).

use super::forms;
use super::orders::notice_key;
use super::pages::{self, Shell, render, server_error};
use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Events the page lists.
const LATEST: u64 = 50;

pub struct EventRow {
    summary: String,
    at: String,
    at_iso: String,
    link: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct BellPage {
    t: T,
    shell: Shell,
    form_token: String,
    rows: Vec<EventRow>,
    unread: u64,
    notice: &'static str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

/// Only links into the portal are followed.
fn local_link(link: &str) -> String {
    if link.starts_with('/') && !link.starts_with("//") { link.to_string() } else { String::new() }
}

pub async fn page(State(s): State<AppState>, req: Req, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let bell = match s.services.bell(&req.ctx(&auth), LATEST).await {
        Ok(b) => b,
        Err(e) => return server_error(t, e),
    };
    // The feed is newest first, so the unread events are the first ones.
    let rows = bell
        .latest
        .iter()
        .enumerate()
        .map(|(i, e)| EventRow {
            summary: e.summary.clone(),
            at: view::when(e.created_at),
            at_iso: view::iso(e.created_at),
            link: local_link(&e.link),
            unread: (i as u64) < bell.unread,
        })
        .collect();
    render(&BellPage { t, shell, form_token: forms::new_token(), rows, unread: bell.unread, notice: notice_key(&dq.done) })
}

pub async fn mark_read(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/notifications").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match s.services.mark_bell_read(&p.ctx(&req)).await {
        Ok(()) => p.once.done(&s, "/notifications?done=read").await,
        Err(e) => p.once.failed(&s, p.t, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_portal_links_are_followed() {
        assert_eq!(local_link("/orders/1"), "/orders/1");
        assert_eq!(local_link("//evil.test/x"), "");
        assert_eq!(local_link("https://evil.test"), "");
    }
}
