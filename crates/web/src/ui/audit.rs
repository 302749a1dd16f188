//! The audit log: newest first, filtered by object type, object id and action prefix, each record
//! expandable to its before / after values.

use super::forms;
use super::pages::{self, Shell, render, server_error};
use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_service::audit::Filter;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;

/// Records per page.
const PAGE: u64 = 50;

/// Object types the filter suggests (any other can be typed).
const OBJECT_TYPES: &[&str] = &["vendor", "vendor_code", "payee_code", "gs1_prefix", "dc", "dock_slot", "user", "api_client"];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    object_type: String,
    object_id: String,
    action: String,
    cursor: String,
}

pub struct AuditRow {
    at: String,
    at_iso: String,
    actor: String,
    action: String,
    object_type: String,
    object_id: String,
    tenant: String,
    seq: i64,
    before: String,
    after: String,
    request_id: String,
    source_ip: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    t: T,
    shell: Shell,
    rows: Vec<AuditRow>,
    object_type: String,
    object_id: String,
    action: String,
    object_types: &'static [&'static str],
    next_href: String,
    first_href: String,
    filtered: bool,
}

fn pretty(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(|v| serde_json::to_string_pretty(v).unwrap_or_default()).unwrap_or_default()
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

pub async fn page(State(s): State<AppState>, req: Req, Query(aq): Query<AuditQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let filter = Filter { tenant: None, object_type: opt(&aq.object_type), object_id: opt(&aq.object_id), action_prefix: opt(&aq.action) };
    let cursor = opt(&aq.cursor);
    let log = match s.services.audit_log(&ctx, filter, cursor.as_deref(), PAGE).await {
        Ok(l) => l,
        Err(e) => return server_error(t, e),
    };
    // Chains are per tenant: name the vendors (retailer staff see every chain).
    let names: HashMap<String, String> = if auth.user.is_retailer() {
        pages::vendor_names(&s, &ctx).await.into_iter().collect()
    } else {
        HashMap::from([(auth.user.tenant_id.to_string(), shell.org.clone())])
    };
    let rows = log
        .records
        .iter()
        .map(|r| AuditRow {
            at: r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            at_iso: view::iso(r.at),
            actor: r.actor.clone(),
            action: r.action.clone(),
            object_type: r.object_type.clone(),
            object_id: r.object_id.clone(),
            tenant: if r.tenant_id.is_retailer() {
                t.t("org.retailer").to_string()
            } else {
                names.get(&r.tenant_id.to_string()).cloned().unwrap_or_else(|| r.tenant_id.to_string())
            },
            seq: r.seq,
            before: pretty(&r.before),
            after: pretty(&r.after),
            request_id: r.request_id.clone(),
            source_ip: r.source_ip.clone(),
        })
        .collect();
    let (ot, oi, ac) = (aq.object_type.trim(), aq.object_id.trim(), aq.action.trim());
    let keep = [("object_type", ot), ("object_id", oi), ("action", ac)];
    let next_href = log.next.as_deref().map(|n| format!("/audit{}", forms::query(&[keep[0], keep[1], keep[2], ("cursor", n)]))).unwrap_or_default();
    let first_href = if cursor.is_some() { format!("/audit{}", forms::query(&keep)) } else { String::new() };
    render(&AuditPage {
        t,
        shell,
        rows,
        object_type: ot.to_string(),
        object_id: oi.to_string(),
        action: ac.to_string(),
        object_types: OBJECT_TYPES,
        next_href,
        first_href,
        filtered: !(ot.is_empty() && oi.is_empty() && ac.is_empty()),
    })
}
