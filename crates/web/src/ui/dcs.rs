//! Distribution centres and their dock slots: the list, the new-DC form, and the DC page with its
//! details, the edit form and the dock slots of the next 14 days.

use super::forms::{self, FieldErrors, FormData};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::master::{Address, Dc, DockSlot};
use acorn_domain::policy::{Access, Area};
use acorn_domain::time::Tz;
use acorn_domain::time::{from_local, to_local, zone};
use acorn_service::ServiceError;
use acorn_service::auth::SessionAuth;
use acorn_service::facilities::DcInput;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDateTime, Utc, Weekday};
use serde::Deserialize;
use uuid::Uuid;

/// Field ids of the DC forms and their labels.
const LABELS: &[(&str, &str)] = &[
    ("code", "dc.code"),
    ("name", "dc.name"),
    ("address.line1", "dc.line1"),
    ("address.city", "dc.city"),
    ("address.postal_code", "dc.postal_code"),
    ("address.country", "dc.country"),
    ("time_zone", "dc.time_zone"),
    ("dock_doors", "dc.dock_doors"),
    ("starts_at", "slot.start_local"),
    ("duration", "slot.duration"),
    ("capacity", "slot.capacity"),
];

/// How many days of dock slots the DC page shows.
const SLOT_DAYS: i64 = 14;

pub struct DcRow {
    id: String,
    code: String,
    name: String,
    city: String,
    country: String,
    time_zone: String,
    dock_doors: i64,
}

#[derive(Template)]
#[template(path = "dcs.html")]
struct ListPage {
    t: T,
    shell: Shell,
    rows: Vec<DcRow>,
    can_create: bool,
    notice: &'static str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

pub async fn list(State(s): State<AppState>, req: Req, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let dcs = match s.services.list_dcs(&req.ctx(&auth)).await {
        Ok(d) => d,
        Err(e) => return server_error(t, e),
    };
    let rows = dcs
        .into_iter()
        .map(|d| DcRow {
            id: d.id.to_string(),
            code: d.code,
            name: d.name,
            city: d.address.city,
            country: d.address.country,
            time_zone: d.time_zone,
            dock_doors: d.dock_doors,
        })
        .collect();
    render(&ListPage { t, rows, can_create: access(&auth, Area::Facilities) >= Access::Write, notice: view::notice_key(&dq.done), shell })
}

/// The DC form's fields as typed.
#[derive(Default)]
pub struct Typed {
    code: String,
    name: String,
    line1: String,
    line2: String,
    city: String,
    region: String,
    postal_code: String,
    country: String,
    time_zone: String,
    dock_doors: String,
}

impl Typed {
    fn from_form(f: &FormData) -> Typed {
        Typed {
            code: f.get("code").into(),
            name: f.get("name").into(),
            line1: f.get("address.line1").into(),
            line2: f.get("address.line2").into(),
            city: f.get("address.city").into(),
            region: f.get("address.region").into(),
            postal_code: f.get("address.postal_code").into(),
            country: f.get("address.country").into(),
            time_zone: f.get("time_zone").into(),
            dock_doors: f.get("dock_doors").into(),
        }
    }

    fn from_dc(d: &Dc) -> Typed {
        Typed {
            code: d.code.clone(),
            name: d.name.clone(),
            line1: d.address.line1.clone(),
            line2: d.address.line2.clone(),
            city: d.address.city.clone(),
            region: d.address.region.clone(),
            postal_code: d.address.postal_code.clone(),
            country: d.address.country.clone(),
            time_zone: d.time_zone.clone(),
            dock_doors: d.dock_doors.to_string(),
        }
    }

    /// The use case's input. A dock-door count that is not a number goes in as 0, which the use case
    /// refuses with its own message.
    fn input(&self) -> DcInput {
        DcInput {
            code: self.code.clone(),
            name: self.name.clone(),
            address: Address {
                line1: self.line1.clone(),
                line2: self.line2.clone(),
                city: self.city.clone(),
                region: self.region.clone(),
                postal_code: self.postal_code.clone(),
                country: self.country.clone(),
            },
            time_zone: self.time_zone.clone(),
            dock_doors: self.dock_doors.trim().parse().unwrap_or(0),
        }
    }
}

#[derive(Template)]
#[template(path = "dc_new.html")]
struct NewPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    typed: Typed,
}

pub async fn new_page(State(s): State<AppState>, req: Req) -> Response {
    let (_, shell, t) = match pages::portal_for(&s, &req, |auth| access(auth, Area::Facilities) >= Access::Write).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    render(&NewPage { t, shell, form_token: forms::new_token(), errors: Vec::new(), typed: Typed { time_zone: "UTC".into(), ..Typed::default() } })
}

pub async fn create(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/dcs/new").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (t, typed) = (p.t, Typed::from_form(&p.f));
    match s.services.create_dc(&p.ctx(&req), typed.input()).await {
        Ok(dc) => p.once.done(&s, &format!("/dcs/{}?done=created", dc.id)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "code", async |errors| {
                Ok(NewPage { t, shell: p.shell, form_token: forms::new_token(), errors: forms::labelled(t, errors, LABELS), typed })
            })
            .await
        }
    }
}

pub struct SlotRow {
    id: String,
    start: String,
    end: String,
    minutes: i64,
    capacity: i64,
}

pub struct SlotDay {
    date: String,
    weekday: &'static str,
    capacity: i64,
    slots: Vec<SlotRow>,
}

/// The add-slot form as typed.
pub struct SlotTyped {
    starts_at: String,
    duration: String,
    capacity: String,
}

impl Default for SlotTyped {
    fn default() -> SlotTyped {
        SlotTyped { starts_at: String::new(), duration: "60".into(), capacity: "1".into() }
    }
}

#[derive(Template)]
#[template(path = "dc.html")]
struct DetailPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    id: String,
    code: String,
    name: String,
    address: Vec<String>,
    time_zone: String,
    dock_doors: i64,
    updated: String,
    days: Vec<SlotDay>,
    from: String,
    to: String,
    can_edit: bool,
    typed: Typed,
    slot: SlotTyped,
}

fn weekday_key(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "day.mon",
        Weekday::Tue => "day.tue",
        Weekday::Wed => "day.wed",
        Weekday::Thu => "day.thu",
        Weekday::Fri => "day.fri",
        Weekday::Sat => "day.sat",
        Weekday::Sun => "day.sun",
    }
}

/// Slots grouped by the DC's local day, in start order, with local times.
fn by_day(slots: &[DockSlot], tz: Tz) -> Vec<SlotDay> {
    let mut days: Vec<SlotDay> = Vec::new();
    for sl in slots {
        let (start, end) = (to_local(tz, sl.starts_at), to_local(tz, sl.ends_at));
        let date = start.date();
        let row = SlotRow {
            id: sl.id.to_string(),
            start: start.format("%H:%M").to_string(),
            end: if end.date() == date { end.format("%H:%M").to_string() } else { end.format("%Y-%m-%d %H:%M").to_string() },
            minutes: (sl.ends_at - sl.starts_at).num_minutes(),
            capacity: sl.capacity,
        };
        let label = date.format("%Y-%m-%d").to_string();
        match days.last_mut() {
            Some(d) if d.date == label => {
                d.capacity += row.capacity;
                d.slots.push(row);
            }
            _ => days.push(SlotDay { date: label, weekday: weekday_key(date.weekday()), capacity: row.capacity, slots: vec![row] }),
        }
    }
    days
}

struct Extra {
    errors: Errors,
    notice: &'static str,
    typed: Option<Typed>,
    slot: SlotTyped,
}

async fn detail(s: &AppState, req: &Req, auth: &SessionAuth, shell: Shell, t: T, id: Uuid, extra: Extra) -> Result<DetailPage, ServiceError> {
    let ctx = req.ctx(auth);
    let dc = s.services.get_dc(&ctx, id).await?;
    let tz = zone(&dc.time_zone).unwrap_or(acorn_domain::time::UTC);
    // From the start of today at the DC.
    let today = to_local(tz, Utc::now()).date().and_hms_opt(0, 0, 0).unwrap_or_default();
    let from = from_local(tz, today).unwrap_or_else(|_| Utc::now());
    let slots = s.services.list_dock_slots(&ctx, id, from, SLOT_DAYS).await?;
    let a = &dc.address;
    let address = [a.line1.clone(), a.line2.clone(), format!("{} {}", a.postal_code, a.city).trim().to_string(), a.region.clone(), a.country.clone()]
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect();
    Ok(DetailPage {
        t,
        form_token: forms::new_token(),
        errors: extra.errors,
        notice: extra.notice,
        id: dc.id.to_string(),
        code: dc.code.clone(),
        name: dc.name.clone(),
        address,
        time_zone: dc.time_zone.clone(),
        dock_doors: dc.dock_doors,
        updated: view::when(dc.updated_at),
        days: by_day(&slots, tz),
        from: today.format("%Y-%m-%d").to_string(),
        to: (today + Duration::days(SLOT_DAYS - 1)).format("%Y-%m-%d").to_string(),
        can_edit: access(auth, Area::Facilities) >= Access::Write,
        typed: extra.typed.unwrap_or_else(|| Typed::from_dc(&dc)),
        slot: extra.slot,
        shell,
    })
}

fn parse_id(id: &str) -> Option<Uuid> {
    Uuid::parse_str(id.trim()).ok()
}

pub async fn show(State(s): State<AppState>, req: Req, Path(id): Path<String>, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("DC")) };
    let extra = Extra { errors: Vec::new(), notice: view::notice_key(&dq.done), typed: None, slot: SlotTyped::default() };
    match detail(&s, &req, &auth, shell, t, id, extra).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

pub async fn update(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/dcs/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (t, typed) = (p.t, Typed::from_form(&p.f));
    match s.services.update_dc(&p.ctx(&req), id, typed.input()).await {
        Ok(_) => p.once.done(&s, &format!("{}?done=saved", p.back)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "name", async |errors| {
                let extra = Extra { errors: forms::labelled(t, errors, LABELS), notice: "", typed: Some(typed), slot: SlotTyped::default() };
                detail(&s, &req, &p.auth, p.shell, t, id, extra).await
            })
            .await
        }
    }
}

/// A `datetime-local` value (`2025-03-01T08:00`, seconds optional): a wall-clock time at the DC.
fn parse_local(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .ok()
}

pub async fn add_slot(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/dcs/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    let slot = SlotTyped { starts_at: f.get("starts_at").into(), duration: f.get("duration").into(), capacity: f.get("capacity").into() };
    let tz = match s.services.get_dc(&p.ctx(&req), id).await {
        Ok(dc) => zone(&dc.time_zone).unwrap_or(acorn_domain::time::UTC),
        Err(e) => return p.once.failed(&s, t, e).await,
    };
    let mut errors = Errors::new();
    let start = match parse_local(&slot.starts_at).map(|l| from_local(tz, l)) {
        Some(Ok(start)) => Some(start),
        // A time the clocks skip at the DC (daylight saving starts): say so.
        Some(Err(why)) => {
            errors.push(("starts_at".into(), why));
            None
        }
        None => {
            errors.push(("starts_at".into(), t.t("slot.start_invalid").into()));
            None
        }
    };
    let minutes = slot.duration.trim().parse::<i64>().ok().filter(|m| *m > 0);
    if minutes.is_none() {
        errors.push(("duration".into(), t.t("slot.duration_invalid").into()));
    }
    let result = match (start, minutes) {
        (Some(start), Some(minutes)) => {
            let capacity = slot.capacity.trim().parse::<i64>().unwrap_or(0);
            s.services.add_dock_slot(&p.ctx(&req), id, start, start + Duration::minutes(minutes), capacity).await.map(|_| ())
        }
        _ => Err(ServiceError::Invalid(Vec::new())),
    };
    match result {
        Ok(()) => p.once.done(&s, &format!("{}?done=added#slots", p.back)).await,
        Err(e) => {
            forms::show_again(&s, p.once, t, e, "starts_at", async |more| {
                errors.extend(forms::labelled(t, forms::rename(more, "ends_at", "duration"), LABELS));
                detail(&s, &req, &p.auth, p.shell, t, id, Extra { errors, notice: "", typed: None, slot }).await
            })
            .await
        }
    }
}

pub async fn delete_slot(State(s): State<AppState>, req: Req, Path((id, slot)): Path<(String, String)>, body: Bytes) -> Response {
    let (p, (_, slot)) = match forms::begin_at(&s, &req, &body, parse_id(&id).zip(parse_id(&slot)), |(id, _)| format!("/dcs/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match s.services.delete_dock_slot(&p.ctx(&req), slot).await {
        Ok(()) => p.once.done(&s, &format!("{}?done=deleted#slots", p.back)).await,
        Err(e) => p.once.failed(&s, p.t, e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_datetime_local_values() {
        assert_eq!(parse_local("2030-03-01T08:30").map(|d| d.to_string()), Some("2030-03-01 08:30:00".into()));
        assert!(parse_local("2030-03-01T08:30:15").is_some());
        assert!(parse_local("tomorrow").is_none());
    }

    #[test]
    fn groups_slots_by_day_with_capacity() {
        let at = |h: u32, d: u32| chrono::NaiveDate::from_ymd_opt(2030, 3, d).unwrap().and_hms_opt(h, 0, 0).unwrap().and_utc();
        let slot =
            |d, h, cap| DockSlot { id: Uuid::now_v7(), dc_id: Uuid::nil(), starts_at: at(h, d), ends_at: at(h + 1, d), capacity: cap, created_at: at(0, 1) };
        let days = by_day(&[slot(1, 8, 2), slot(1, 9, 3), slot(2, 8, 1)], acorn_domain::time::UTC);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].capacity, 5);
        assert_eq!(days[0].slots[1].start, "09:00");
        assert_eq!(days[0].slots[0].minutes, 60);
        assert_eq!(days[1].date, "2030-03-02");
        assert_eq!(days[0].weekday, "day.fri");
        // The same slots at a DC in Los Angeles (UTC-8 in March 2030): 08:00 UTC is 00:00 local,
        // and the day boundary moves with it.
        let la = by_day(&[slot(1, 7, 1), slot(1, 8, 1)], zone("America/Los_Angeles").unwrap());
        assert_eq!(la.len(), 2);
        assert_eq!((la[0].date.as_str(), la[0].slots[0].start.as_str()), ("2030-02-28", "23:00"));
        assert_eq!((la[1].date.as_str(), la[1].slots[0].start.as_str()), ("2030-03-01", "00:00"));
    }
}
