//! The retailer's holiday calendar: the listed days (each gives vendors an extra day to acknowledge
//! POs, counted in the DC's time zone), the form to add a day and a remove button per day (admins).
//! Retailer staff only: vendors see the effect in their due times, not the calendar.

use super::forms::{self, FieldErrors};
use super::orders::merge;
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::shipments::weekday_key;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::policy::{Access, Area};
use acorn_service::ServiceError;
use acorn_service::auth::SessionAuth;
use acorn_service::orders::parse_date;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate, Utc};
use serde::Deserialize;

const LABELS: &[(&str, &str)] = &[("day", "holiday.day"), ("name", "holiday.name")];

pub struct HolidayRow {
    day: String,
    weekday: &'static str,
    name: String,
    past: bool,
}

/// The add form as typed.
#[derive(Default)]
pub struct Typed {
    day: String,
    name: String,
}

#[derive(Template)]
#[template(path = "holidays.html")]
struct HolidaysPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    /// The coming days (soonest first), then the past ones (most recent first).
    rows: Vec<HolidayRow>,
    can_edit: bool,
    typed: Typed,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

/// Retailer staff who read facilities (every retailer role); vendors do not see the calendar.
pub(crate) fn allowed(auth: &SessionAuth) -> bool {
    auth.user.is_retailer() && access(auth, Area::Facilities) >= Access::Read
}

/// What the page shows besides the calendar: the form's errors and values, or a notice.
#[derive(Default)]
struct Extra {
    errors: Errors,
    notice: &'static str,
    typed: Typed,
}

async fn page(s: &AppState, req: &Req, auth: &SessionAuth, shell: Shell, t: T, extra: Extra) -> Result<HolidaysPage, ServiceError> {
    let list = s.services.list_holidays(&req.ctx(auth)).await?;
    let today = Utc::now().date_naive();
    // The coming days first (soonest first), then the past ones (most recent first).
    let (mut coming, mut past): (Vec<_>, Vec<_>) = list.into_iter().partition(|h| h.day >= today);
    coming.sort_by_key(|h| h.day);
    past.sort_by_key(|h| std::cmp::Reverse(h.day));
    let rows = coming
        .into_iter()
        .chain(past)
        .map(|h| HolidayRow { day: h.day.to_string(), weekday: weekday_key(h.day.weekday()), name: h.name, past: h.day < today })
        .collect();
    Ok(HolidaysPage {
        t,
        form_token: forms::new_token(),
        errors: extra.errors,
        notice: extra.notice,
        rows,
        can_edit: access(auth, Area::Facilities) >= Access::Write,
        typed: extra.typed,
        shell,
    })
}

pub async fn list(State(s): State<AppState>, req: Req, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, allowed).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match page(&s, &req, &auth, shell, t, Extra { notice: view::notice_key(&dq.done), ..Extra::default() }).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

/// Reads the day field: ISO (`2026-12-25`, what date inputs send).
fn read_day(t: T, v: &str) -> Result<NaiveDate, String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(t.t("holiday.day_required").to_string());
    }
    parse_date(v).map_err(|_| t.t("holiday.day_invalid").replace("{value}", v))
}

pub async fn add(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/holidays").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let typed = Typed { day: f.get("day").trim().to_string(), name: f.get("name").to_string() };
    let mut own = Errors::new();
    let day = read_day(t, &typed.day).map_err(|m| own.push(("day".into(), m))).ok();
    if typed.name.trim().is_empty() {
        own.push(("name".into(), t.t("holiday.name_required").into()));
    }
    let result = match day {
        Some(day) if own.is_empty() => s.services.add_holiday(&p.ctx(&req), day, &typed.name).await.map(|_| ()),
        _ => Err(ServiceError::Invalid(Vec::new())),
    };
    match result {
        Ok(()) => p.once.done(&s, "/holidays?done=added").await,
        Err(e) => {
            // The day is already listed: say so in the page's words, on the day field.
            let e = match e {
                ServiceError::Conflict { code: "already_exists", .. } => ServiceError::invalid("day", t.t("holiday.duplicate").replace("{day}", &typed.day)),
                e => e,
            };
            forms::show_again(&s, p.once, t, e, "day", async |errors| {
                let errors = merge(own, forms::labelled(t, errors, LABELS));
                page(&s, &req, &p.auth, p.shell, t, Extra { errors, notice: "", typed }).await
            })
            .await
        }
    }
}

pub async fn remove(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/holidays").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let day = match parse_date(p.f.get("day")) {
        Ok(d) => d,
        Err(_) => return p.once.failed(&s, p.t, ServiceError::NotFound("holiday")).await,
    };
    match s.services.remove_holiday(&p.ctx(&req), day).await {
        Ok(()) => p.once.done(&s, "/holidays?done=removed").await,
        Err(e) => p.once.failed(&s, p.t, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use acorn_domain::people::Locale;

    #[test]
    fn days_are_read_as_iso_dates_with_clear_errors() {
        let t = T::new(Locale::En);
        assert_eq!(read_day(t, " 2030-12-25 "), Ok(NaiveDate::from_ymd_opt(2030, 12, 25).unwrap()));
        assert!(read_day(t, "").unwrap_err().contains("Enter"));
        let e = read_day(t, "25/12/2030").unwrap_err();
        assert!(e.contains("25/12/2030"), "{e}");
        for d in [chrono::Weekday::Mon, chrono::Weekday::Sun] {
            assert!(view::known(weekday_key(d)));
        }
        for k in ["holiday.day_required", "holiday.day_invalid", "holiday.name_required", "holiday.duplicate"] {
            assert!(view::known(k), "{k}");
        }
    }
}
