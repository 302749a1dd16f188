//! A vendor's finance terms in the portal: every version with its effective date, the one in force
//! today, and for staff who may write terms a form to add a version (payment term like `2/10 NET30`,
//! due basis, match tolerance, allowance percentages, the chargeback fee schedule, effective date and
//! a note), refused with every problem on its field. Staff open it from the vendor page
//! (`/vendors/{id}/terms`); a vendor's people read their own at `/terms`.

use super::forms::{self, FieldErrors, FormData};
use super::invoices::notice_key;
use super::orders::{merge, parse_id};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::view;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::ids::TenantId;
use acorn_domain::money;
use acorn_domain::policy::{Access, Area};
use acorn_domain::terms::{AsnTier, ChargebackSchedule, DueBasis, PaymentTerm, Terms, TermsVersion, Tolerance};
use acorn_domain::validate::FieldIssue;
use acorn_service::auth::SessionAuth;
use acorn_service::orders::parse_date;
use acorn_service::{Ctx, ServiceError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use rust_decimal::Decimal;
use serde::Deserialize;

fn can_read(auth: &SessionAuth) -> bool {
    access(auth, Area::Terms) >= Access::Read
}

/// Staff who add versions (the use case decides again).
fn can_write(auth: &SessionAuth) -> bool {
    auth.user.is_retailer() && access(auth, Area::Terms) >= Access::Write
}

fn pct(v: Decimal) -> String {
    format!("{}%", v.normalize())
}

fn basis_key(b: DueBasis) -> &'static str {
    match b {
        DueBasis::InvoiceDate => "terms.basis.invoice_date",
        DueBasis::ReceiptDate => "terms.basis.receipt_date",
    }
}

/// ASN tiers as typed and shown: `95:0, 90:2, 80:4, 0:6` (minimum on-time % : fee %).
fn tiers_text(tiers: &[AsnTier]) -> String {
    tiers.iter().map(|t| format!("{}:{}", t.min_on_time_percent.normalize(), t.fee_percent.normalize())).collect::<Vec<_>>().join(", ")
}

fn parse_tiers(text: &str) -> Result<Vec<AsnTier>, String> {
    forms::split_list(text)
        .iter()
        .map(|pair| {
            let (min, fee) = pair.split_once(':').ok_or_else(|| format!("“{pair}” is not “minimum on-time %:fee %”, e.g. 95:0"))?;
            let min = money::parse_amount(min.trim().trim_end_matches('%'), false).map_err(|e| format!("“{pair}”: {e}"))?;
            let fee = money::parse_amount(fee.trim().trim_end_matches('%'), false).map_err(|e| format!("“{pair}”: {e}"))?;
            Ok(AsnTier { min_on_time_percent: min, fee_percent: fee })
        })
        .collect()
}

/// One version as the table shows it.
pub struct VersionView {
    version: i64,
    effective_from: String,
    payment: String,
    basis: &'static str,
    tolerance: String,
    allowances: String,
    /// (label key, value) per fee of the schedule.
    chargebacks: Vec<(&'static str, String)>,
    currency: String,
    note: String,
    created: String,
    created_by: String,
    in_force: bool,
}

fn version_view(v: &TermsVersion, note: &str, created: String, created_by: &str, in_force: i64) -> VersionView {
    let t = &v.terms;
    let c = &t.chargebacks;
    VersionView {
        version: v.version,
        effective_from: v.effective_from.to_string(),
        payment: t.payment.label(),
        basis: basis_key(t.payment.basis),
        tolerance: format!("max({} {}, {})", money::format_amount(t.tolerance.absolute, &t.currency), t.currency, pct(t.tolerance.percent)),
        allowances: format!("{} / {} / {}", pct(t.damage_allowance_percent), pct(t.coop_percent), pct(t.freight_allowance_percent)),
        chargebacks: vec![
            ("terms.asn_tiers", tiers_text(&c.asn_tiers)),
            ("terms.mismatch_percent", pct(c.mismatch_percent)),
            ("terms.late_percent", pct(c.late_percent)),
            ("terms.on_time_waiver_percent", pct(c.on_time_waiver_percent)),
            ("terms.never_delivered_percent", pct(c.never_delivered_percent)),
            ("terms.carton_defect_fee", format!("{} {}", money::format_amount(c.carton_defect_fee, &t.currency), t.currency)),
            ("terms.unconfirmed_percent", pct(c.unconfirmed_percent)),
        ],
        currency: t.currency.clone(),
        note: note.to_string(),
        created,
        created_by: created_by.to_string(),
        in_force: v.version == in_force,
    }
}

/// The add-a-version form as typed.
pub struct Typed {
    payment_term: String,
    due_basis: String,
    currency: String,
    tolerance_absolute: String,
    tolerance_percent: String,
    damage_allowance_percent: String,
    coop_percent: String,
    freight_allowance_percent: String,
    asn_tiers: String,
    mismatch_percent: String,
    late_percent: String,
    on_time_waiver_percent: String,
    never_delivered_percent: String,
    carton_defect_fee: String,
    unconfirmed_percent: String,
    effective_from: String,
    note: String,
}

impl Typed {
    fn of(t: &Terms) -> Typed {
        let c = &t.chargebacks;
        let n = |v: Decimal| v.normalize().to_string();
        Typed {
            payment_term: t.payment.label(),
            due_basis: t.payment.basis.as_str().into(),
            currency: t.currency.clone(),
            tolerance_absolute: money::format_amount(t.tolerance.absolute, &t.currency),
            tolerance_percent: n(t.tolerance.percent),
            damage_allowance_percent: n(t.damage_allowance_percent),
            coop_percent: n(t.coop_percent),
            freight_allowance_percent: n(t.freight_allowance_percent),
            asn_tiers: tiers_text(&c.asn_tiers),
            mismatch_percent: n(c.mismatch_percent),
            late_percent: n(c.late_percent),
            on_time_waiver_percent: n(c.on_time_waiver_percent),
            never_delivered_percent: n(c.never_delivered_percent),
            carton_defect_fee: money::format_amount(c.carton_defect_fee, &t.currency),
            unconfirmed_percent: n(c.unconfirmed_percent),
            effective_from: acorn_service::now().date_naive().to_string(),
            note: String::new(),
        }
    }

    fn from_form(f: &FormData) -> Typed {
        let g = |k: &str| f.get(k).trim().to_string();
        Typed {
            payment_term: g("payment_term"),
            due_basis: g("due_basis"),
            currency: g("currency").to_uppercase(),
            tolerance_absolute: g("tolerance_absolute"),
            tolerance_percent: g("tolerance_percent"),
            damage_allowance_percent: g("damage_allowance_percent"),
            coop_percent: g("coop_percent"),
            freight_allowance_percent: g("freight_allowance_percent"),
            asn_tiers: g("asn_tiers"),
            mismatch_percent: g("mismatch_percent"),
            late_percent: g("late_percent"),
            on_time_waiver_percent: g("on_time_waiver_percent"),
            never_delivered_percent: g("never_delivered_percent"),
            carton_defect_fee: g("carton_defect_fee"),
            unconfirmed_percent: g("unconfirmed_percent"),
            effective_from: g("effective_from"),
            note: f.get("note").to_string(),
        }
    }

    /// The terms typed, or the page's own errors; placeholders stand in for what could not be read
    /// so the use case still reports the rest.
    fn read(&self) -> (Terms, Option<chrono::NaiveDate>, Errors) {
        let mut errors = Errors::new();
        let mut dec = |field: &str, v: &str| match money::parse_amount(v, false) {
            Ok(d) => d,
            Err(e) => {
                errors.push((field.to_string(), e));
                Decimal::ZERO
            }
        };
        let tolerance = Tolerance { absolute: dec("tolerance_absolute", &self.tolerance_absolute), percent: dec("tolerance_percent", &self.tolerance_percent) };
        let damage = dec("damage_allowance_percent", &self.damage_allowance_percent);
        let coop = dec("coop_percent", &self.coop_percent);
        let freight = dec("freight_allowance_percent", &self.freight_allowance_percent);
        let mismatch = dec("mismatch_percent", &self.mismatch_percent);
        let late = dec("late_percent", &self.late_percent);
        let waiver = dec("on_time_waiver_percent", &self.on_time_waiver_percent);
        let never = dec("never_delivered_percent", &self.never_delivered_percent);
        let carton = dec("carton_defect_fee", &self.carton_defect_fee);
        let unconfirmed = dec("unconfirmed_percent", &self.unconfirmed_percent);
        let basis = DueBasis::parse(&self.due_basis).unwrap_or_else(|| {
            errors.push(("due_basis".into(), format!("`{}` is not one of {}", self.due_basis, DueBasis::TEXTS.join(", "))));
            DueBasis::InvoiceDate
        });
        let payment = PaymentTerm::parse(&self.payment_term, basis).unwrap_or_else(|e| {
            errors.push(("payment_term".into(), e));
            PaymentTerm::net(30)
        });
        let asn_tiers = parse_tiers(&self.asn_tiers).unwrap_or_else(|e| {
            errors.push(("asn_tiers".into(), e));
            ChargebackSchedule::default().asn_tiers
        });
        let effective = parse_date(&self.effective_from).map_err(|e| errors.push(("effective_from".into(), e))).ok();
        let terms = Terms {
            payment,
            tolerance,
            damage_allowance_percent: damage,
            coop_percent: coop,
            freight_allowance_percent: freight,
            chargebacks: ChargebackSchedule {
                asn_tiers,
                mismatch_percent: mismatch,
                late_percent: late,
                on_time_waiver_percent: waiver,
                never_delivered_percent: never,
                carton_defect_fee: carton,
                unconfirmed_percent: unconfirmed,
            },
            currency: self.currency.clone(),
            // Not on this form: the version added keeps the planning part in force (see `add`).
            planning: Default::default(),
        };
        (terms, effective, errors)
    }
}

/// The form's fields and their labels.
const LABELS: &[(&str, &str)] = &[
    ("payment_term", "terms.payment_term"),
    ("due_basis", "terms.due_basis"),
    ("currency", "fin.currency"),
    ("tolerance_absolute", "terms.tolerance_absolute"),
    ("tolerance_percent", "terms.tolerance_percent"),
    ("damage_allowance_percent", "terms.damage_allowance_percent"),
    ("coop_percent", "terms.coop_percent"),
    ("freight_allowance_percent", "terms.freight_allowance_percent"),
    ("asn_tiers", "terms.asn_tiers"),
    ("mismatch_percent", "terms.mismatch_percent"),
    ("late_percent", "terms.late_percent"),
    ("on_time_waiver_percent", "terms.on_time_waiver_percent"),
    ("never_delivered_percent", "terms.never_delivered_percent"),
    ("carton_defect_fee", "terms.carton_defect_fee"),
    ("unconfirmed_percent", "terms.unconfirmed_percent"),
    ("effective_from", "terms.effective_from"),
    ("note", "terms.note"),
];

/// A use case's field (`payment.discount_days`, `chargebacks.asn_tiers[2].fee_percent`) as the form's.
fn form_field(field: &str) -> String {
    if field.starts_with("payment.") {
        return "payment_term".into();
    }
    if let Some(rest) = field.strip_prefix("tolerance.") {
        return format!("tolerance_{rest}");
    }
    if field.starts_with("chargebacks.asn_tiers") {
        return "asn_tiers".into();
    }
    if let Some(rest) = field.strip_prefix("chargebacks.") {
        return rest.to_string();
    }
    if LABELS.iter().any(|(id, _)| *id == field) { field.to_string() } else { "payment_term".into() }
}

/// The ASN tier a use case's field names ("tier 3: …"), so the message says which pair is wrong.
fn tier_prefix(field: &str) -> String {
    field
        .strip_prefix("chargebacks.asn_tiers[")
        .and_then(|r| r.split(']').next())
        .and_then(|n| n.parse::<usize>().ok())
        .map(|n| format!("#{} ", n + 1))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "terms.html")]
struct TermsPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    vendor_id: String,
    vendor_name: String,
    /// Staff see the vendor page in the breadcrumb; a vendor's people their own terms.
    staff: bool,
    current: VersionView,
    defaults: bool,
    versions: Vec<VersionView>,
    can_add: bool,
    action: String,
    typed: Typed,
    bases: Vec<(&'static str, &'static str)>,
}

async fn terms_page(
    s: &AppState,
    ctx: &Ctx,
    auth: &SessionAuth,
    shell: Shell,
    t: T,
    tenant: TenantId,
    shown: (Errors, Option<Typed>, &'static str),
) -> Result<TermsPage, ServiceError> {
    let (errors, typed, notice) = shown;
    let view = s.services.terms(ctx, tenant).await?;
    let vendor = s.services.get_vendor(ctx, tenant).await?;
    let force = view.in_force.version;
    let versions = view.versions.iter().rev().map(|v| version_view(&v.version, &v.note, view::when(v.created_at), &v.created_by, force)).collect();
    let current = match view.versions.iter().find(|v| v.version.version == force) {
        Some(v) => version_view(&v.version, &v.note, view::when(v.created_at), &v.created_by, force),
        None => version_view(&view.in_force, "", String::new(), "", force),
    };
    Ok(TermsPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors,
        notice,
        vendor_id: tenant.to_string(),
        vendor_name: vendor.vendor.name,
        staff: auth.user.is_retailer(),
        current,
        defaults: force == 0,
        versions,
        can_add: can_write(auth),
        action: format!("/vendors/{tenant}/terms"),
        typed: typed.unwrap_or_else(|| Typed::of(&view.in_force.terms)),
        bases: DueBasis::ALL.iter().map(|b| (b.as_str(), basis_key(*b))).collect(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

/// A vendor's people read their own terms.
pub async fn own(State(s): State<AppState>, req: Req, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, |a| !a.user.is_retailer() && can_read(a)).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let tenant = auth.user.tenant_id;
    match terms_page(&s, &req.ctx(&auth), &auth, shell, t, tenant, (Vec::new(), None, notice_key(&dq.done))).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

/// A vendor's terms by id: staff, and the vendor's own people.
pub async fn show(State(s): State<AppState>, req: Req, Path(id): Path<String>, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("vendor")) };
    match terms_page(&s, &req.ctx(&auth), &auth, shell, t, TenantId(id), (Vec::new(), None, notice_key(&dq.done))).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

/// Staff add a version.
pub async fn add(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/vendors/{id}/terms")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    if !can_write(&p.auth) {
        return p.once.failed(&s, t, ServiceError::Forbidden).await;
    }
    let tenant = TenantId(id);
    let typed = Typed::from_form(f);
    let (terms, effective, own) = typed.read();
    let result = match effective {
        Some(day) if own.is_empty() => s.services.set_terms_keeping_planning(&p.ctx(&req), tenant, terms, day, &typed.note).await,
        // Nothing is sent with a value the page could not read; the rules of the terms themselves
        // still report every other problem at once.
        _ => Err(ServiceError::Invalid(terms.validate().err().unwrap_or_default().into_iter().map(|(f, i)| FieldIssue::new(f, i)).collect())),
    };
    match result {
        Ok(_) => p.once.done(&s, &format!("/vendors/{tenant}/terms?done=terms")).await,
        Err(e) => {
            let e = match e {
                ServiceError::Invalid(issues) => ServiceError::Invalid(
                    issues.into_iter().map(|i| FieldIssue::new(form_field(&i.field), format!("{}{}", tier_prefix(&i.field), i.issue))).collect(),
                ),
                e => e,
            };
            let ctx = req.ctx(&p.auth);
            let (auth, shell) = (p.auth, p.shell);
            forms::show_again(&s, p.once, t, e, "payment_term", async |errors| {
                let errors = forms::labelled(t, merge(own, errors), LABELS);
                terms_page(&s, &ctx, &auth, shell, t, tenant, (errors, Some(typed), "")).await
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_case_fields_map_to_the_form() {
        assert_eq!(form_field("payment.discount_days"), "payment_term");
        assert_eq!(form_field("tolerance.absolute"), "tolerance_absolute");
        assert_eq!(form_field("tolerance.percent"), "tolerance_percent");
        assert_eq!(form_field("chargebacks.asn_tiers[2].fee_percent"), "asn_tiers");
        assert_eq!(tier_prefix("chargebacks.asn_tiers[2].fee_percent"), "#3 ");
        assert_eq!(form_field("chargebacks.late_percent"), "late_percent");
        assert_eq!(form_field("currency"), "currency");
        assert_eq!(form_field("effective_from"), "effective_from");
        for (_, key) in LABELS {
            assert!(view::known(key), "{key}");
        }
        for b in DueBasis::ALL {
            assert!(view::known(basis_key(*b)));
        }
    }

    #[test]
    fn the_form_round_trips_the_terms_in_force() {
        let terms = Terms::default_for("USD");
        let typed = Typed::of(&terms);
        assert_eq!(typed.asn_tiers, "95:0, 90:2, 80:4, 0:6");
        assert_eq!(typed.carton_defect_fee, "2.60");
        let (read, day, errors) = typed.read();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(read, terms);
        assert!(day.is_some());
        let mut bad = Typed::of(&terms);
        bad.payment_term = "2/10".into();
        bad.asn_tiers = "95-0".into();
        bad.coop_percent = "1,5".into();
        let (_, _, errors) = bad.read();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["coop_percent", "payment_term", "asn_tiers"]);
    }
}
