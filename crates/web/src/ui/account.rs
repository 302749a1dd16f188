//! The signed-in user's own account: live sessions (end one, end all others) and security (change
//! password, recovery codes left).

use super::forms::{self, FieldErrors};
use super::pages::{self, Errors, Shell, render, server_error};
use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_service::ServiceError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Fewer recovery codes than this and the security page warns.
const FEW_CODES: i64 = 3;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

pub struct SessionRow {
    key: String,
    created: String,
    last_seen: String,
    ip: String,
    agent: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    t: T,
    shell: Shell,
    form_token: String,
    notice: &'static str,
    rows: Vec<SessionRow>,
    others: usize,
}

pub async fn sessions(State(s): State<AppState>, req: Req, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let list = match s.services.my_sessions(&auth).await {
        Ok(l) => l,
        Err(e) => return server_error(t, e),
    };
    let rows: Vec<SessionRow> = list
        .into_iter()
        .map(|x| SessionRow {
            current: x.id_hash == auth.session.id_hash,
            key: x.id_hash,
            created: view::when(x.created_at),
            last_seen: view::when(x.last_seen_at),
            ip: x.ip,
            agent: x.user_agent,
        })
        .collect();
    let others = rows.iter().filter(|r| !r.current).count();
    render(&SessionsPage { t, shell, form_token: forms::new_token(), notice: view::notice_key(&dq.done), rows, others })
}

async fn end(s: AppState, req: Req, body: Bytes, one: bool) -> Response {
    let p = match forms::begin(&s, &req, &body, "/account/sessions").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let which = if one { Some(p.f.get("session")) } else { None };
    match s.services.end_sessions(&p.ctx(&req), &p.auth, which).await {
        Ok(_) => p.once.done(&s, "/account/sessions?done=ended").await,
        Err(e) => p.once.failed(&s, p.t, e).await,
    }
}

pub async fn end_one(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    end(s, req, body, true).await
}

pub async fn end_others(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    end(s, req, body, false).await
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    codes_left: i64,
    few: bool,
}

async fn security_view(
    s: &AppState,
    auth: &acorn_service::auth::SessionAuth,
    shell: Shell,
    t: T,
    errors: Errors,
    notice: &'static str,
) -> Result<SecurityPage, ServiceError> {
    let codes_left = s.services.recovery_codes_left(auth).await?;
    Ok(SecurityPage { t, shell, form_token: forms::new_token(), errors, notice, codes_left, few: codes_left < FEW_CODES })
}

pub async fn security(State(s): State<AppState>, req: Req, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match security_view(&s, &auth, shell, t, Vec::new(), view::notice_key(&dq.done)).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

pub async fn change_password(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/account/security").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let result = if f.get("password") != f.get("confirm") {
        Err(ServiceError::invalid("confirm", t.t("password.mismatch")))
    } else {
        s.services.change_password(&p.ctx(&req), &p.auth, f.get("current_password"), f.get("password")).await
    };
    match result {
        Ok(()) => p.once.done(&s, "/account/security?done=password").await,
        Err(e) => {
            let labels = [("current_password", "security.current"), ("password", "password.new")];
            forms::show_again(&s, p.once, t, e, "current_password", async |errors| {
                security_view(&s, &p.auth, p.shell, t, forms::labelled(t, errors, &labels), "").await
            })
            .await
        }
    }
}
