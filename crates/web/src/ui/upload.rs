//! CSV uploads in the portal: the PO, acknowledgement and ASN uploads share one page (template
//! link, steps, the text or file, and the per-row report of a refused upload), one template
//! download and one post flow (an empty text is refused before the service sees it; a refused
//! upload shows its problems against the text as typed). Each upload is an [`Upload`] of its texts,
//! routes and permission; what the service does with the text stays with the caller.

use super::forms::{self, FieldErrors};
use super::orders::{csv_download, csv_row};
use super::pages::{self, Errors, Shell, render};
use super::session::Req;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::validate::FieldIssue;
use acorn_service::auth::SessionAuth;
use acorn_service::{Ctx, ServiceError};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// What tells one upload from another: its texts (catalogue keys), where it posts, its template,
/// the list it belongs to and who may use it.
pub struct Upload {
    pub title_key: &'static str,
    pub context_key: &'static str,
    /// The "fill in the template" step (the ASN one says how rows form cartons).
    pub fill_key: &'static str,
    pub columns_key: &'static str,
    pub action: &'static str,
    pub template_href: &'static str,
    pub template_name: &'static str,
    pub columns: &'static [&'static str],
    /// The list the breadcrumb and cancel go back to, and its catalogue key.
    pub back_href: &'static str,
    pub back_key: &'static str,
    pub allowed: fn(&SessionAuth) -> bool,
}

/// One problem of an upload: where (row and column, as the service names it) and what.
pub struct Problem {
    at: String,
    issue: String,
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: String,
    u: &'static Upload,
    columns: String,
    csv: String,
    problems: Vec<Problem>,
}

fn page(u: &'static Upload, shell: Shell, t: T, errors: Errors, notice: String, csv: String, problems: Vec<Problem>) -> UploadPage {
    UploadPage { t, shell, form_token: forms::new_token(), errors, notice, u, columns: u.columns.join(", "), csv, problems }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UploadQuery {
    done: String,
    n: String,
}

/// The notice after a successful upload that comes back to the page (`?done=uploaded&n=…`).
pub fn uploaded_notice(t: T, key: &'static str, uq: &UploadQuery) -> String {
    if uq.done == "uploaded" { t.t(key).replace("{n}", &uq.n.trim().parse::<u32>().unwrap_or(0).to_string()) } else { String::new() }
}

/// The upload page; `notice` is what a successful upload left to say.
pub async fn show(s: &AppState, req: &Req, u: &'static Upload, notice: impl FnOnce(T) -> String) -> Response {
    let (_, shell, t) = match pages::portal_for(s, req, u.allowed).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    render(&page(u, shell, t, Vec::new(), notice(t), String::new(), Vec::new()))
}

/// The upload template: the header row.
pub async fn template(s: &AppState, req: &Req, u: &'static Upload) -> Response {
    if let Err(r) = pages::portal_for(s, req, u.allowed).await {
        return r;
    }
    let mut out = String::new();
    csv_row(&mut out, &u.columns.iter().map(|c| c.to_string()).collect::<Vec<_>>());
    csv_download(u.template_name, out)
}

/// The problems of a refused upload, with the one summary error that links to the text.
fn problems(t: T, issues: Vec<FieldIssue>) -> (Errors, Vec<Problem>) {
    let problems: Vec<Problem> = issues.into_iter().map(|i| Problem { at: i.field, issue: i.issue }).collect();
    let errors = vec![("csv".to_string(), t.t("upload.refused").replace("{n}", &problems.len().to_string()))];
    (errors, problems)
}

/// Posts an upload: `run` hands the text to the service and says where a success goes.
pub async fn post(s: &AppState, req: &Req, body: &[u8], u: &'static Upload, run: impl AsyncFnOnce(&Ctx, &str) -> Result<String, ServiceError>) -> Response {
    let p = match forms::begin(s, req, body, u.action).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let text = f.get("csv");
    if text.trim().is_empty() {
        p.once.release(s).await;
        let errors = vec![("csv".to_string(), t.t("upload.empty").to_string())];
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page(u, p.shell, t, errors, String::new(), String::new(), Vec::new()))).into_response();
    }
    match run(&p.ctx(req), text).await {
        Ok(location) => p.once.done(s, &location).await,
        Err(ServiceError::Invalid(issues)) => {
            p.once.release(s).await;
            let (errors, problems) = problems(t, issues);
            (StatusCode::UNPROCESSABLE_ENTITY, render(&page(u, p.shell, t, errors, String::new(), text.to_string(), problems))).into_response()
        }
        Err(e) => p.once.failed(s, t, e).await,
    }
}
