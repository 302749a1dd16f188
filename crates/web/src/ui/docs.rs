//! The API docs page, rendered by our own template from the generated OpenAPI document.

use crate::i18n::T;
use acorn_domain::people::Locale;
use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

pub struct Op {
    pub method: String,
    pub path: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "docs.html")]
struct DocsPage {
    t: T,
    ops: Vec<Op>,
}

/// Every operation of the spec, in path order.
pub fn operations(spec: &serde_json::Value) -> Vec<Op> {
    let mut ops = Vec::new();
    if let Some(paths) = spec.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = item.get(method) {
                    let summary = op.get("summary").or_else(|| op.get("description")).and_then(|s| s.as_str()).unwrap_or_default();
                    ops.push(Op { method: method.to_uppercase(), path: path.clone(), summary: summary.to_string() });
                }
            }
        }
    }
    ops
}

pub async fn page(State(spec): State<Arc<serde_json::Value>>) -> Response {
    let page = DocsPage { t: T::new(Locale::En), ops: operations(&spec) };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
