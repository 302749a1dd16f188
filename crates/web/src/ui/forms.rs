//! What every portal form shares: reading the urlencoded body (repeated keys for checkbox groups),
//! the CSRF check, the one-time form token (a UI form's Idempotency-Key: a double-submitted form runs
//! once, the second submission is sent where the first one went), the start of every POST handler
//! ([`begin`], [`begin_at`]) and its failure path ([`show_again`], [`Once::failed`]), and turning a
//! use case's validation errors into the error summary and inline errors.

use super::pages::{self, Errors, Shell, message, redirect, render, server_error};
use super::session::{Req, csrf_ok, csrf_refused};
use crate::i18n::T;
use crate::state::AppState;
use acorn_service::auth::SessionAuth;
use acorn_service::idempotency::{Claim, KeyClaim, scoped_key};
use acorn_service::{Ctx, ServiceError};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// A submitted `application/x-www-form-urlencoded` body.
#[derive(Debug, Default)]
pub struct FormData {
    pairs: Vec<(String, String)>,
    hash: String,
}

fn decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned()
}

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        let text = String::from_utf8_lossy(body);
        let pairs = text
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(p), String::new()),
            })
            .collect();
        FormData { pairs, hash: acorn_service::crypto::sha256_hex(&text) }
    }

    /// The first value of a field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    /// Every value of a field (checkbox groups, multi-selects), non-empty ones only.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.as_str()).collect()
    }
}

/// A new one-time form token for a page's forms.
pub fn new_token() -> String {
    acorn_service::crypto::random_token(16)
}

/// A form submission that may run: holds the claim on its one-time token until the outcome is
/// known. The use case must run with [`Once::ctx`], so that its mutation marks the token used in
/// the same transaction: a form runs at most once, even if the browser sends it again meanwhile.
pub struct Once {
    claim: Option<KeyClaim>,
}

impl Once {
    /// The request's context for the use case, carrying the form token's claim.
    pub fn ctx(&self, req: &Req, auth: &SessionAuth) -> Ctx {
        let mut ctx = req.ctx(auth);
        ctx.idempotency = self.claim.clone();
        ctx
    }

    /// The action succeeded: remember where it led and send the browser there (303).
    pub async fn done(self, s: &AppState, location: &str) -> Response {
        self.remember(s, location).await;
        redirect(location)
    }

    /// The action succeeded and its answer is a page shown only now (e.g. new credentials): a second
    /// submission of the same form is sent to `location` instead.
    pub async fn done_with(self, s: &AppState, location: &str, page: Response) -> Response {
        self.remember(s, location).await;
        page
    }

    async fn remember(self, s: &AppState, location: &str) {
        if let Some(claim) = &self.claim
            && let Err(e) = s.services.complete_idempotency(claim, 303, location).await
        {
            tracing::warn!(error = %e, "could not record the form token's outcome");
        }
    }

    /// The action did not happen (invalid input, refused): the same form may be sent again.
    pub async fn release(self, s: &AppState) {
        if let Some(claim) = &self.claim
            && let Err(e) = s.services.release_idempotency(claim).await
        {
            tracing::warn!(error = %e, "could not release the form token");
        }
    }

    /// The action did not happen for a reason the form cannot show (a button, not fields): the same
    /// form may be sent again, and the error gets its own page.
    pub async fn failed(self, s: &AppState, t: T, e: ServiceError) -> Response {
        self.release(s).await;
        server_error(t, e)
    }
}

/// A portal form submission that may run: who sent it, the page frame and language to answer in, the
/// form's fields, and the claim on its one-time token (see [`Once`]).
pub struct Post {
    pub auth: SessionAuth,
    pub shell: Shell,
    pub t: T,
    pub f: FormData,
    pub once: Once,
    /// The page the form is on.
    pub back: String,
}

impl Post {
    /// The context for the use case, carrying the form token's claim.
    pub fn ctx(&self, req: &Req) -> Ctx {
        self.once.ctx(req, &self.auth)
    }
}

/// The start of every portal POST: a fully signed-in session (else the redirect to sign in or to
/// finish MFA), the form read, its CSRF token checked and its one-time token claimed (see [`guard`]).
/// `back` is the page the form is on.
pub async fn begin(s: &AppState, req: &Req, body: &[u8], back: &str) -> Result<Post, Response> {
    let (post, ()) = begin_at(s, req, body, Some(()), |()| back.to_string()).await?;
    Ok(post)
}

/// [`begin`] for a form on one object's page: `id` is the id read from the path, `None` when it is
/// not one — Not Found, as the page itself answers, and before the form is read. `back` gives the
/// object's page.
pub async fn begin_at<I>(s: &AppState, req: &Req, body: &[u8], id: Option<I>, back: impl FnOnce(&I) -> String) -> Result<(Post, I), Response> {
    let (auth, shell, t) = pages::portal(s, req).await?;
    let Some(id) = id else { return Err(server_error(t, ServiceError::NotFound("page"))) };
    let back = back(&id);
    let f = FormData::parse(body);
    let once = guard(s, req, &auth, t, &f, &back).await?;
    Ok((Post { auth, shell, t, f, once, back }, id))
}

/// The answer to a submission the use case refused. The form token is released (the same form may be
/// sent again). An error about the input shows the form's page again, 422, which `page` builds from
/// the field errors (see [`field_errors`]: `field` takes conflicts and refusals); any other error, or
/// one while building the page, gets its own page.
pub async fn show_again<P: Template>(
    s: &AppState,
    once: Once,
    t: T,
    e: ServiceError,
    field: &str,
    page: impl AsyncFnOnce(Errors) -> Result<P, ServiceError>,
) -> Response {
    once.release(s).await;
    let page = match field_errors(e, field) {
        Ok(errors) => page(errors).await,
        Err(e) => Err(e),
    };
    match page {
        Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response(),
        Err(e) => server_error(t, e),
    }
}

/// Checks the CSRF token and claims the form's one-time token. `back` is the page the form is on,
/// for the message shown when the form was already used. A form without a token (an old page, a
/// script) is still protected by CSRF and simply runs.
pub async fn guard(s: &AppState, req: &Req, auth: &SessionAuth, t: T, f: &FormData, back: &str) -> Result<Once, Response> {
    if !csrf_ok(&auth.session.csrf_token, f.get("_csrf")) {
        return Err(csrf_refused(t));
    }
    let token = f.get("_form").trim();
    if token.is_empty() {
        return Ok(Once { claim: None });
    }
    let scoped = scoped_key(&req.ctx(auth), &format!("UI {}", req.path), token);
    match s.services.claim_idempotency(&scoped, &f.hash).await {
        Ok((Claim::Execute, claim)) => Ok(Once { claim: Some(claim) }),
        Ok((Claim::Replay { body, .. }, _)) => Err(redirect(if body.starts_with('/') && !body.starts_with("//") { &body } else { back })),
        // Done before, but where it led was not recorded: the page shows the result.
        Ok((Claim::Applied, _)) => Err(message(t, StatusCode::OK, "form.applied.title", "form.applied.body", "", back, "form.back")),
        Ok((Claim::InFlight, _)) => Err(message(t, StatusCode::CONFLICT, "form.inflight.title", "form.inflight.body", "", back, "form.back")),
        Ok((Claim::Mismatch, _)) => Err(message(t, StatusCode::UNPROCESSABLE_ENTITY, "form.used.title", "form.used.body", "", back, "form.back")),
        Err(e) => Err(server_error(t, e)),
    }
}

/// The error of a form whose token a newer submission of the same form took over.
fn taken_over(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Conflict { code: "idempotency_key_in_use", .. })
}

/// The field errors of a failed use case, or the error itself when it is not about the input.
/// Conflicts and refusals are shown against `field` (the form's main field). Errors on one entry of a
/// list (`vendor_codes[2]`) are shown on the list's field, naming the entry.
pub fn field_errors(e: ServiceError, field: &str) -> Result<Errors, ServiceError> {
    match e {
        ServiceError::Invalid(issues) => Ok(issues
            .into_iter()
            .map(|i| match i.field.split_once('[') {
                Some((base, rest)) => {
                    let n = rest.trim_end_matches(']').parse::<usize>().map(|n| n + 1).unwrap_or(0);
                    (base.to_string(), format!("#{n}: {}", i.issue))
                }
                None => (i.field, i.issue),
            })
            .collect()),
        e if taken_over(&e) => Err(e),
        ServiceError::Conflict { message, .. } | ServiceError::Rejected { message, .. } => Ok(vec![(field.to_string(), message)]),
        e => Err(e),
    }
}

/// Names the field in each message (`Company name: is required`), as the error summary lists
/// messages away from their fields. `labels` maps field ids to catalogue keys.
pub fn labelled(t: T, errors: Errors, labels: &[(&str, &'static str)]) -> Errors {
    errors
        .into_iter()
        .map(|(f, m)| match labels.iter().find(|(id, _)| *id == f) {
            Some((_, key)) => {
                let m = format!("{}: {m}", t.t(key));
                (f, m)
            }
            None => (f, m),
        })
        .collect()
}

/// Names the entry of a list field an error is about (`#2: …` becomes `“B@D”: …`).
pub fn entries(errors: Errors, field: &str, values: &[String]) -> Errors {
    errors
        .into_iter()
        .map(|(f, m)| {
            if f != field {
                return (f, m);
            }
            let named = m.strip_prefix('#').and_then(|rest| rest.split_once(": ")).and_then(|(n, issue)| {
                let value = values.get(n.parse::<usize>().ok()?.checked_sub(1)?)?;
                Some(format!("“{value}” {issue}"))
            });
            (f, named.unwrap_or(m))
        })
        .collect()
}

/// Renames error fields (a use case's `ends_at` is the form's `duration`).
pub fn rename(errors: Errors, from: &str, to: &str) -> Errors {
    errors.into_iter().map(|(f, m)| if f == from { (to.to_string(), m) } else { (f, m) }).collect()
}

/// Inline errors in templates: `errors.has("name")`, `errors.msg("name")`.
pub trait FieldErrors {
    fn has(&self, field: &str) -> bool;
    fn msg(&self, field: &str) -> String;
}

impl FieldErrors for Errors {
    fn has(&self, field: &str) -> bool {
        self.iter().any(|(f, _)| f == field)
    }
    fn msg(&self, field: &str) -> String {
        self.iter().filter(|(f, _)| f == field).map(|(_, m)| m.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// The checked boxes of a checkbox group: `checked.has("admin")` in templates.
#[derive(Default)]
pub struct Checked(pub Vec<String>);

impl Checked {
    pub fn of(values: Vec<&str>) -> Checked {
        Checked(values.into_iter().map(str::to_string).collect())
    }
    pub fn has(&self, v: &str) -> bool {
        self.0.iter().any(|c| c == v)
    }
}

/// A list typed as comma-, semicolon- or line-separated values.
pub fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';', '\n', '\r']).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string).collect()
}

/// A value for a query string.
pub fn q(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// A query string from the non-empty pairs, with its `?` (or "" when all are empty).
pub fn query(pairs: &[(&str, &str)]) -> String {
    let parts: Vec<String> = pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", q(v))).collect();
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_repeated_and_encoded_fields() {
        let f = FormData::parse(b"_csrf=abc&roles=admin&roles=auditor&name=J%C3%BCrgen+M&empty=&flag");
        assert_eq!(f.get("_csrf"), "abc");
        assert_eq!(f.all("roles"), vec!["admin", "auditor"]);
        assert_eq!(f.get("name"), "Jürgen M");
        assert_eq!(f.get("missing"), "");
        assert!(f.all("empty").is_empty());
        assert_eq!(f.get("flag"), "");
    }

    #[test]
    fn same_body_same_hash() {
        assert_eq!(FormData::parse(b"a=1").hash, FormData::parse(b"a=1").hash);
        assert_ne!(FormData::parse(b"a=1").hash, FormData::parse(b"a=2").hash);
    }

    #[test]
    fn splits_lists_on_commas_and_lines() {
        assert_eq!(split_list("ACME1, ACME2\nACME3;\r\n ,"), vec!["ACME1", "ACME2", "ACME3"]);
        assert!(split_list("  ").is_empty());
    }

    #[test]
    fn list_entry_errors_land_on_the_list_field() {
        let e = ServiceError::Invalid(vec![acorn_domain::FieldIssue::new("vendor_codes[1]", "bad"), acorn_domain::FieldIssue::new("name", "is required")]);
        let errs = field_errors(e, "name").unwrap();
        assert_eq!(errs[0], ("vendor_codes".to_string(), "#2: bad".to_string()));
        assert!(errs.has("name"));
        assert_eq!(errs.msg("name"), "is required");
        let c = ServiceError::Conflict { code: "already_exists", message: "taken".into() };
        assert_eq!(field_errors(c, "value").unwrap(), vec![("value".to_string(), "taken".to_string())]);
        assert!(field_errors(ServiceError::Forbidden, "x").is_err());
        let over = ServiceError::Conflict { code: "idempotency_key_in_use", message: "took over".into() };
        assert!(field_errors(over, "x").is_err());
    }

    #[test]
    fn messages_name_their_field_and_entry() {
        let t = T::new(acorn_domain::people::Locale::En);
        let errs = vec![("name".to_string(), "is required".to_string()), ("x".to_string(), "bad".to_string())];
        let errs = labelled(t, errs, &[("name", "vendor.name")]);
        assert_eq!(errs[0].1, "Company name: is required");
        assert_eq!(errs[1].1, "bad");
        let errs = entries(vec![("codes".into(), "#2: contains `@`".into())], "codes", &["OK1".into(), "B@D".into()]);
        assert_eq!(errs[0].1, "“B@D” contains `@`");
    }

    #[test]
    fn queries_skip_empty_values_and_encode() {
        assert_eq!(query(&[("q", "a b&c"), ("cursor", "")]), "?q=a%20b%26c");
        assert_eq!(query(&[("q", "")]), "");
    }
}
