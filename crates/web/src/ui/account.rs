//! The signed-in user's own account: live sessions (end one, end all others) and security (change
//! password, recovery codes left).

use super::forms::{self, FieldErrors, FormData};
use super::pages::{self, Errors, Shell, render, server_error};
use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_service::ServiceError;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
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
    let (auth, _shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let f = FormData::parse(&body);
    let once = match forms::guard(&s, &req, &auth, t, &f, "/account/sessions").await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let which = if one { Some(f.get("session")) } else { None };
    match s.services.end_sessions(&once.ctx(&req, &auth), &auth, which).await {
        Ok(_) => once.done(&s, "/account/sessions?done=ended").await,
        Err(e) => {
            once.release(&s).await;
            server_error(t, e)
        }
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
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let f = FormData::parse(&body);
    let once = match forms::guard(&s, &req, &auth, t, &f, "/account/security").await {
        Ok(o) => o,
        Err(r) => return r,
    };
    let result = if f.get("password") != f.get("confirm") {
        Err(ServiceError::invalid("confirm", t.t("password.mismatch")))
    } else {
        s.services.change_password(&once.ctx(&req, &auth), &auth, f.get("current_password"), f.get("password")).await
    };
    match result {
        Ok(()) => once.done(&s, "/account/security?done=password").await,
        Err(e) => {
            once.release(&s).await;
            let labels = [("current_password", "security.current"), ("password", "password.new")];
            match forms::field_errors(e, "current_password").map(|e| forms::labelled(t, e, &labels)) {
                Ok(errors) => match security_view(&s, &auth, shell, t, errors, "").await {
                    Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response(),
                    Err(e) => server_error(t, e),
                },
                Err(e) => server_error(t, e),
            }
        }
    }
}
