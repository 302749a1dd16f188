//! Signing in and out through the browser: login, MFA enrolment / challenge / recovery, set-up and
//! reset links, language switch. Pre-session forms are protected by a double-submit CSRF cookie;
//! forms inside a session by the session's own CSRF token.

use super::pages::{Errors, message, redirect, render};
use crate::api::auth::{SESSION_COOKIE, cookie};
use crate::i18n::T;
use crate::request::RequestMeta;
use crate::state::AppState;
use acorn_domain::people::Locale;
use acorn_service::auth::{SessionAuth, Stage};
use acorn_service::{Ctx, Principal, ServiceError};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub const CSRF_COOKIE: &str = "acorn_csrf";
pub const LOCALE_COOKIE: &str = "acorn_locale";

/// The request's headers and metadata, as the page helpers need them.
pub struct Req {
    pub headers: HeaderMap,
    pub meta: RequestMeta,
    pub path: String,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Req {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Req, Self::Rejection> {
        Ok(Req {
            headers: parts.headers.clone(),
            meta: parts.extensions.get::<RequestMeta>().cloned().unwrap_or(RequestMeta { request_id: String::new(), ip: String::new() }),
            path: parts.uri.path().to_string(),
        })
    }
}

impl Req {
    pub fn cookie(&self, name: &str) -> Option<String> {
        let (mut parts, _) = axum::http::Request::new(()).into_parts();
        parts.headers = self.headers.clone();
        cookie(&parts, name)
    }

    /// The language: the cookie, else the browser's preference.
    pub fn locale(&self) -> Locale {
        if let Some(l) = self.cookie(LOCALE_COOKIE).and_then(|l| Locale::parse(&l)) {
            return l;
        }
        let accept = self.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if accept.trim_start().to_lowercase().starts_with("zh") { Locale::ZhCn } else { Locale::En }
    }

    pub fn anonymous(&self) -> Ctx {
        Ctx::anonymous(self.meta.request_id.clone(), self.meta.ip.clone())
    }

    pub fn ctx(&self, auth: &SessionAuth) -> Ctx {
        Ctx::new(Principal::User(auth.user.clone()), self.meta.request_id.clone(), self.meta.ip.clone())
    }

    pub fn user_agent(&self) -> String {
        self.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
    }

    /// The live session, whatever its stage.
    pub async fn session(&self, s: &AppState) -> Result<Option<SessionAuth>, ServiceError> {
        match self.cookie(SESSION_COOKIE) {
            Some(token) => s.services.session(&token).await,
            None => Ok(None),
        }
    }

    /// The pre-session CSRF token (from the cookie, or a new one to set).
    pub fn pre_csrf(&self) -> (String, bool) {
        match self.cookie(CSRF_COOKIE).filter(|c| c.len() >= 20) {
            Some(c) => (c, false),
            None => (acorn_service::crypto::random_token(24), true),
        }
    }
}

fn cookie_header(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn with_cookie(mut res: Response, name: &str, value: &str, max_age: Option<i64>, secure: bool) -> Response {
    res.headers_mut().append(header::SET_COOKIE, cookie_header(name, value, max_age, secure));
    res
}

pub(crate) fn csrf_ok(expected: &str, given: &str) -> bool {
    !expected.is_empty() && expected.len() == given.len() && expected.bytes().zip(given.bytes()).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0
}

/// The refusal for a POST without a valid CSRF token.
pub fn csrf_refused(t: T) -> Response {
    message(t, StatusCode::FORBIDDEN, "error.forbidden.title", "error.csrf", "", "/", "nav.dashboard")
}

fn csrf_pre(req: &Req, given: &str) -> bool {
    req.cookie(CSRF_COOKIE).is_some_and(|c| csrf_ok(&c, given))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    t: T,
    csrf: String,
    back: String,
    email: String,
    errors: Errors,
    notice: String,
}

fn login_view(s: &AppState, req: &Req, email: &str, errors: Errors, notice: &str, status: StatusCode) -> Response {
    let (csrf, fresh) = req.pre_csrf();
    let t = T::new(req.locale());
    let page = LoginPage { t, csrf: csrf.clone(), back: "/login".into(), email: email.into(), errors, notice: notice.into() };
    let res = (status, render(&page)).into_response();
    if fresh { with_cookie(res, CSRF_COOKIE, &csrf, None, s.secure_cookies) } else { res }
}

pub async fn login_page(State(s): State<AppState>, req: Req) -> Response {
    if let Ok(Some(auth)) = req.session(&s).await {
        return redirect(if auth.stage == Stage::Full { "/" } else { "/mfa" });
    }
    login_view(&s, &req, "", Vec::new(), "", StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn login(State(s): State<AppState>, req: Req, Form(f): Form<LoginForm>) -> Response {
    let t = T::new(req.locale());
    if !csrf_pre(&req, &f._csrf) {
        return csrf_refused(t);
    }
    match s.services.login(&req.anonymous(), &f.email, &f.password, &req.user_agent()).await {
        Ok((token, _stage)) => with_cookie(redirect("/mfa"), SESSION_COOKIE, &token, None, s.secure_cookies),
        Err(ServiceError::TooManyAttempts { .. }) => {
            login_view(&s, &req, &f.email, vec![("email".into(), t.t("login.throttled").into())], "", StatusCode::TOO_MANY_REQUESTS)
        }
        Err(ServiceError::Unauthenticated(_)) => {
            login_view(&s, &req, &f.email, vec![("email".into(), t.t("login.failed").into())], "", StatusCode::UNAUTHORIZED)
        }
        Err(e) => super::pages::server_error(t, e),
    }
}

pub async fn logout(State(s): State<AppState>, req: Req, Form(f): Form<CsrfForm>) -> Response {
    let t = T::new(req.locale());
    let auth = match req.session(&s).await {
        Ok(Some(a)) => a,
        Ok(None) => return with_cookie(redirect("/login"), SESSION_COOKIE, "", Some(0), s.secure_cookies),
        Err(e) => return super::pages::server_error(t, e),
    };
    if !csrf_ok(&auth.session.csrf_token, &f._csrf) {
        return csrf_refused(t);
    }
    if let Err(e) = s.services.logout(&req.ctx(&auth), &auth).await {
        return super::pages::server_error(t, e);
    }
    with_cookie(redirect("/login"), SESSION_COOKIE, "", Some(0), s.secure_cookies)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    _csrf: String,
}

#[derive(Deserialize)]
pub struct LocaleForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    back: String,
}

pub async fn set_locale(State(s): State<AppState>, req: Req, Form(f): Form<LocaleForm>) -> Response {
    let t = T::new(req.locale());
    let locale = Locale::parse(&f.locale).unwrap_or_default();
    let back = if f.back.starts_with('/') && !f.back.starts_with("//") { f.back.clone() } else { "/".into() };
    match req.session(&s).await {
        Ok(Some(auth)) => {
            if !csrf_ok(&auth.session.csrf_token, &f._csrf) {
                return csrf_refused(t);
            }
            if let Err(e) = s.services.set_locale(&req.ctx(&auth), &auth, locale).await {
                return super::pages::server_error(t, e);
            }
        }
        Ok(None) => {
            if !csrf_pre(&req, &f._csrf) {
                return csrf_refused(t);
            }
        }
        Err(e) => return super::pages::server_error(t, e),
    }
    with_cookie(redirect(&back), LOCALE_COOKIE, locale.as_str(), Some(31_536_000), s.secure_cookies)
}

#[derive(Template)]
#[template(path = "mfa_enrol.html")]
struct EnrolPage {
    t: T,
    csrf: String,
    back: String,
    errors: Errors,
    qr_svg: String,
    secret: String,
}

#[derive(Template)]
#[template(path = "mfa_verify.html")]
struct VerifyPage {
    t: T,
    csrf: String,
    back: String,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct CodesPage {
    t: T,
    csrf: String,
    back: String,
    codes: Vec<String>,
}

async fn mfa_view(s: &AppState, req: &Req, auth: &SessionAuth, errors: Errors, status: StatusCode) -> Response {
    let t = T::new(auth.user.locale);
    match auth.stage {
        Stage::Full => redirect("/"),
        Stage::NeedsEnrolment => match s.services.enrolment(&req.ctx(auth), auth).await {
            Ok(e) => {
                let page = EnrolPage { t, csrf: auth.session.csrf_token.clone(), back: "/mfa".into(), errors, qr_svg: e.qr_svg, secret: e.secret };
                (status, render(&page)).into_response()
            }
            Err(e) => super::pages::server_error(t, e),
        },
        Stage::NeedsMfa => (status, render(&VerifyPage { t, csrf: auth.session.csrf_token.clone(), back: "/mfa".into(), errors })).into_response(),
    }
}

/// The session for an MFA step, or the response to send instead.
async fn mfa_session(s: &AppState, req: &Req, csrf: Option<&str>) -> Result<SessionAuth, Response> {
    let t = T::new(req.locale());
    let auth = match req.session(s).await {
        Ok(Some(a)) => a,
        Ok(None) => return Err(redirect("/login")),
        Err(e) => return Err(super::pages::server_error(t, e)),
    };
    if let Some(given) = csrf
        && !csrf_ok(&auth.session.csrf_token, given)
    {
        return Err(csrf_refused(t));
    }
    Ok(auth)
}

pub async fn mfa_page(State(s): State<AppState>, req: Req) -> Response {
    match mfa_session(&s, &req, None).await {
        Ok(auth) => mfa_view(&s, &req, &auth, Vec::new(), StatusCode::OK).await,
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    code: String,
}

fn field_errors(e: &ServiceError) -> Option<Errors> {
    match e {
        ServiceError::Invalid(issues) => Some(issues.iter().map(|i| (i.field.clone(), i.issue.clone())).collect()),
        _ => None,
    }
}

pub async fn mfa_enrol(State(s): State<AppState>, req: Req, Form(f): Form<CodeForm>) -> Response {
    let auth = match mfa_session(&s, &req, Some(&f._csrf)).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = T::new(auth.user.locale);
    match s.services.confirm_enrolment(&req.ctx(&auth), &auth, &f.code).await {
        Ok((token, codes)) => {
            let page = CodesPage { t, csrf: String::new(), back: "/".into(), codes };
            with_cookie(render(&page).into_response(), SESSION_COOKIE, &token, None, s.secure_cookies)
        }
        Err(e) => match field_errors(&e) {
            Some(errs) => mfa_view(&s, &req, &auth, errs, StatusCode::UNPROCESSABLE_ENTITY).await,
            None if matches!(e, ServiceError::Conflict { .. }) => redirect("/mfa"),
            None => super::pages::server_error(t, e),
        },
    }
}

pub async fn mfa_verify(State(s): State<AppState>, req: Req, Form(f): Form<CodeForm>) -> Response {
    mfa_answer(s, req, f, false).await
}

pub async fn mfa_recover(State(s): State<AppState>, req: Req, Form(f): Form<CodeForm>) -> Response {
    mfa_answer(s, req, f, true).await
}

async fn mfa_answer(s: AppState, req: Req, f: CodeForm, recovery: bool) -> Response {
    let auth = match mfa_session(&s, &req, Some(&f._csrf)).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let t = T::new(auth.user.locale);
    let ctx = req.ctx(&auth);
    let res = if recovery { s.services.recover(&ctx, &auth, &f.code).await } else { s.services.verify_mfa(&ctx, &auth, &f.code).await };
    match res {
        Ok(token) => with_cookie(redirect("/"), SESSION_COOKIE, &token, None, s.secure_cookies),
        Err(e) => match field_errors(&e) {
            Some(errs) => mfa_view(&s, &req, &auth, errs, StatusCode::UNPROCESSABLE_ENTITY).await,
            None if matches!(e, ServiceError::Conflict { .. }) => redirect("/mfa"),
            None => super::pages::server_error(t, e),
        },
    }
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    t: T,
    csrf: String,
    back: String,
    errors: Errors,
    sent: bool,
}

pub async fn forgot_page(State(s): State<AppState>, req: Req) -> Response {
    let (csrf, fresh) = req.pre_csrf();
    let page = ForgotPage { t: T::new(req.locale()), csrf: csrf.clone(), back: "/password/forgot".into(), errors: Vec::new(), sent: false };
    let res = render(&page).into_response();
    if fresh { with_cookie(res, CSRF_COOKIE, &csrf, None, s.secure_cookies) } else { res }
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    email: String,
}

pub async fn forgot(State(s): State<AppState>, req: Req, Form(f): Form<EmailForm>) -> Response {
    let t = T::new(req.locale());
    if !csrf_pre(&req, &f._csrf) {
        return csrf_refused(t);
    }
    if let Err(e) = s.services.forgot_password(&req.anonymous(), &f.email).await {
        return super::pages::server_error(t, e);
    }
    render(&ForgotPage { t, csrf: f._csrf, back: "/password/forgot".into(), errors: Vec::new(), sent: true }).into_response()
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    t: T,
    csrf: String,
    back: String,
    errors: Errors,
    title_key: &'static str,
    intro_key: &'static str,
    action: String,
    expired: bool,
}

async fn link_page(s: &AppState, req: &Req, token: &str, setup: bool, errors: Errors, status: StatusCode) -> Response {
    let t = T::new(req.locale());
    let expired = match s.services.link_valid(token, setup).await {
        Ok(valid) => !valid,
        Err(e) => return super::pages::server_error(t, e),
    };
    let (csrf, fresh) = req.pre_csrf();
    let (title_key, intro_key, action) = if setup {
        ("password.set.title", "password.set.intro", format!("/setup/{token}"))
    } else {
        ("password.reset.title", "", format!("/password/reset/{token}"))
    };
    let page = PasswordPage { t, csrf: csrf.clone(), back: req.path.clone(), errors, title_key, intro_key, action, expired };
    let status = if expired { StatusCode::GONE } else { status };
    let res = (status, render(&page)).into_response();
    if fresh { with_cookie(res, CSRF_COOKIE, &csrf, None, s.secure_cookies) } else { res }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn link_submit(s: AppState, req: Req, token: String, f: PasswordForm, setup: bool) -> Response {
    let t = T::new(req.locale());
    if !csrf_pre(&req, &f._csrf) {
        return csrf_refused(t);
    }
    if f.password != f.confirm {
        return link_page(&s, &req, &token, setup, vec![("confirm".into(), t.t("password.mismatch").into())], StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match s.services.set_password_from_link(&req.anonymous(), &token, &f.password, setup).await {
        Ok(()) => {
            let res = login_view(&s, &req, "", Vec::new(), t.t("password.done"), StatusCode::OK);
            // A fresh start: whatever session this browser had is over.
            with_cookie(res, SESSION_COOKIE, "", Some(0), s.secure_cookies)
        }
        Err(e) => match field_errors(&e) {
            Some(errs) => link_page(&s, &req, &token, setup, errs, StatusCode::UNPROCESSABLE_ENTITY).await,
            None if matches!(e, ServiceError::Rejected { .. }) => link_page(&s, &req, &token, setup, Vec::new(), StatusCode::GONE).await,
            None => super::pages::server_error(t, e),
        },
    }
}

pub async fn setup_page(State(s): State<AppState>, req: Req, Path(token): Path<String>) -> Response {
    link_page(&s, &req, &token, true, Vec::new(), StatusCode::OK).await
}

pub async fn setup(State(s): State<AppState>, req: Req, Path(token): Path<String>, Form(f): Form<PasswordForm>) -> Response {
    link_submit(s, req, token, f, true).await
}

pub async fn reset_page(State(s): State<AppState>, req: Req, Path(token): Path<String>) -> Response {
    link_page(&s, &req, &token, false, Vec::new(), StatusCode::OK).await
}

pub async fn reset(State(s): State<AppState>, req: Req, Path(token): Path<String>, Form(f): Form<PasswordForm>) -> Response {
    link_submit(s, req, token, f, false).await
}
