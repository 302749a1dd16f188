//! Payments in the portal: for AP the payment runs (a "new payment run" form: currency, pay date, pay
//! invoices due by), the run page with its remittances, the vendors held out and the bank files
//! (ISO 20022 pain.001 and CSV); for vendors and staff the remittances and each remittance advice
//! (every invoice, discount, deduction and credit line, the total, a CSV download); for vendors their
//! bank accounts, masked, and the form to set one (a user who is both vendor admin and finance).

use super::forms::{self, FieldErrors};
use super::invoices::{money_of, notice_key};
use super::lists::{self, Links};
use super::orders::{csv_cell, csv_download, parse_id};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::view::{self, Badge};
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::master::VendorIdentifierKind;
use acorn_domain::money;
use acorn_domain::payments::RemittanceLineKind;
use acorn_domain::policy::{Access, Area, Role};
use acorn_service::ServiceError;
use acorn_service::auth::SessionAuth;
use acorn_service::orders::parse_date;
use acorn_service::payments::{BankFileFormat, PaymentRunDetail, RemittanceDetail};
use acorn_store::repo::payments::{BankAccount, Remittance};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;

/// Rows per page of the run and remittance lists.
const PAGE_SIZE: u64 = 50;
/// The "pay invoices due by" the run form suggests: this many days ahead.
const DUE_BY_DAYS: i64 = 30;

/// Staff who read payment runs.
fn staff_reader(auth: &SessionAuth) -> bool {
    auth.user.is_retailer() && access(auth, Area::Payments) >= Access::Read
}

/// Staff who run payments and download bank files.
fn staff_writer(auth: &SessionAuth) -> bool {
    auth.user.is_retailer() && access(auth, Area::Payments) >= Access::Write
}

fn reader(auth: &SessionAuth) -> bool {
    access(auth, Area::Payments) >= Access::Read
}

fn vendor_reader(auth: &SessionAuth) -> bool {
    !auth.user.is_retailer() && reader(auth)
}

/// DOMAIN.md: banking changes need `vendor_admin` and `finance` together (the use case decides; the
/// page only offers the form to such a user).
fn may_set_bank(auth: &SessionAuth) -> bool {
    !auth.user.is_retailer() && auth.user.roles.contains(&Role::VendorAdmin) && auth.user.roles.contains(&Role::Finance)
}

fn run_badge(status: &str) -> Badge {
    match status {
        "paid" => Badge { key: "pay.status.paid", class: "badge-success" },
        _ => Badge { key: "pay.status.scheduled", class: "badge-info" },
    }
}

pub(crate) fn line_badge(k: RemittanceLineKind) -> Badge {
    match k {
        RemittanceLineKind::Invoice => Badge { key: "rem.kind.invoice", class: "badge-info" },
        RemittanceLineKind::Discount => Badge { key: "rem.kind.discount", class: "badge-neutral" },
        RemittanceLineKind::Deduction => Badge { key: "rem.kind.deduction", class: "badge-critical" },
        RemittanceLineKind::Credit => Badge { key: "rem.kind.credit", class: "badge-success" },
    }
}

/// What a form page shows besides its data: the errors, the form as typed and the notice.
struct Shown<X> {
    errors: Errors,
    typed: X,
    notice: &'static str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    cursor: String,
    done: String,
}

// ---------------------------------------------------------------------------------------------
// Payment runs.

pub struct RunRow {
    id: String,
    number: String,
    currency: String,
    pay_date: String,
    status: Badge,
    remittances: i64,
    total: String,
    created: String,
}

/// The run form as typed.
pub struct RunTyped {
    currency: String,
    pay_date: String,
    due_by: String,
}

#[derive(Template)]
#[template(path = "payments.html")]
struct RunsPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    rows: Vec<RunRow>,
    next_href: String,
    first_href: String,
    can_run: bool,
    typed: RunTyped,
}

async fn runs_page(
    s: &AppState,
    req: &Req,
    auth: &SessionAuth,
    shell: Shell,
    t: T,
    cursor: Option<&str>,
    form: Shown<RunTyped>,
) -> Result<RunsPage, ServiceError> {
    let Shown { errors, typed, notice } = form;
    let page = s.services.list_payment_runs(&req.ctx(auth), cursor, Some(PAGE_SIZE)).await?;
    let rows = page
        .items
        .iter()
        .map(|r| RunRow {
            id: r.id.to_string(),
            number: r.number.clone(),
            currency: r.currency.clone(),
            pay_date: r.pay_date.to_string(),
            status: run_badge(&r.status),
            remittances: r.remittance_count,
            total: money_of(money::from_e4(r.total_e4), &r.currency),
            created: view::when(r.created_at),
        })
        .collect();
    let Links { next_href, first_href, .. } = lists::links("/payments", &[], cursor, page.next.as_deref());
    Ok(RunsPage { t, shell, form_token: forms::new_token(), errors, notice, rows, next_href, first_href, can_run: staff_writer(auth), typed })
}

pub async fn runs(State(s): State<AppState>, req: Req, Query(q): Query<PageQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, staff_reader).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let today = Utc::now().date_naive();
    let typed = RunTyped { currency: "USD".into(), pay_date: today.to_string(), due_by: (today + Duration::days(DUE_BY_DAYS)).to_string() };
    match runs_page(&s, &req, &auth, shell, t, lists::cursor(&q.cursor), Shown { errors: Vec::new(), typed, notice: notice_key(&q.done) }).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

/// AP runs payments: one currency, a pay date, the invoices due by a date.
pub async fn run(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/payments").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    if !staff_writer(&p.auth) {
        return p.once.failed(&s, t, ServiceError::Forbidden).await;
    }
    let typed = RunTyped {
        currency: f.get("currency").trim().to_uppercase(),
        pay_date: f.get("pay_date").trim().to_string(),
        due_by: f.get("due_by").trim().to_string(),
    };
    let mut own = Errors::new();
    let mut date = |field: &str, v: &str| match parse_date(v) {
        Ok(d) => Some(d),
        Err(e) => {
            own.push((field.to_string(), e));
            None
        }
    };
    let pay_date = date("pay_date", &typed.pay_date);
    let due_by = date("due_by", &typed.due_by);
    let result = match (pay_date, due_by) {
        (Some(pay), Some(due)) => s.services.run_payments(&p.ctx(&req), &typed.currency, pay, due).await,
        _ => Err(ServiceError::Invalid(Vec::new())),
    };
    match result {
        Ok(d) => p.once.done(&s, &format!("/payments/{}?done=run", d.run.id)).await,
        Err(e) => {
            let (auth, shell) = (p.auth, p.shell);
            forms::show_again(&s, p.once, t, e, "currency", async |errors| {
                let errors = forms::labelled(
                    t,
                    super::orders::merge(own, errors),
                    &[("currency", "fin.currency"), ("pay_date", "pay.pay_date"), ("due_by", "pay.due_by")],
                );
                runs_page(&s, &req, &auth, shell, t, None, Shown { errors, typed, notice: "" }).await
            })
            .await
        }
    }
}

pub struct RemittanceRow {
    id: String,
    number: String,
    vendor_code: String,
    payee_code: String,
    pay_date: String,
    total: String,
}

fn remittance_row(r: &Remittance) -> RemittanceRow {
    RemittanceRow {
        id: r.id.to_string(),
        number: r.number.clone(),
        vendor_code: r.vendor_code.clone(),
        payee_code: r.payee_code.clone(),
        pay_date: r.pay_date.to_string(),
        total: money_of(r.total, &r.currency),
    }
}

#[derive(Template)]
#[template(path = "payment.html")]
struct RunPage {
    t: T,
    shell: Shell,
    notice: &'static str,
    id: String,
    number: String,
    currency: String,
    pay_date: String,
    status: Badge,
    total: String,
    created: String,
    created_by: String,
    remittances: Vec<RemittanceRow>,
    held: Vec<(String, String)>,
    can_download: bool,
}

fn run_page(shell: Shell, t: T, d: PaymentRunDetail, can_download: bool, notice: &'static str) -> RunPage {
    let r = &d.run;
    RunPage {
        t,
        shell,
        notice,
        id: r.id.to_string(),
        number: r.number.clone(),
        currency: r.currency.clone(),
        pay_date: r.pay_date.to_string(),
        status: run_badge(&r.status),
        total: money_of(d.total, &r.currency),
        created: view::when(r.created_at),
        created_by: r.created_by.clone(),
        remittances: d.remittances.iter().map(remittance_row).collect(),
        held: d.held.clone(),
        can_download,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

pub async fn show_run(State(s): State<AppState>, req: Req, Path(id): Path<String>, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, staff_reader).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("payment run")) };
    match s.services.payment_run(&req.ctx(&auth), id).await {
        Ok(d) => render(&run_page(shell, t, d, staff_writer(&auth), notice_key(&dq.done))),
        Err(e) => server_error(t, e),
    }
}

async fn bank_file(s: &AppState, req: &Req, id: &str, format: BankFileFormat) -> Response {
    let (auth, _shell, t) = match pages::portal_for(s, req, staff_writer).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(id) else { return server_error(t, ServiceError::NotFound("payment run")) };
    match s.services.payment_file(&req.ctx(&auth), id, format).await {
        Ok((name, body)) => {
            let content_type = match format {
                BankFileFormat::Pain001 => "application/xml; charset=utf-8",
                BankFileFormat::Csv => "text/csv; charset=utf-8",
            };
            (
                [
                    (header::CONTENT_TYPE, content_type.to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                body,
            )
                .into_response()
        }
        // A payee whose bank account went away, or a file the bank format refuses: said on a page.
        Err(ServiceError::Conflict { message, .. } | ServiceError::Rejected { message, .. }) => pages::message(
            t,
            axum::http::StatusCode::CONFLICT,
            "pay.file.failed.title",
            "pay.file.failed.body",
            &message,
            &format!("/payments/{id}"),
            "pay.back",
        ),
        Err(e) => server_error(t, e),
    }
}

pub async fn pain001(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    bank_file(&s, &req, &id, BankFileFormat::Pain001).await
}

pub async fn bank_csv(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    bank_file(&s, &req, &id, BankFileFormat::Csv).await
}

// ---------------------------------------------------------------------------------------------
// Remittances.

#[derive(Template)]
#[template(path = "remittances.html")]
struct RemittancesPage {
    t: T,
    shell: Shell,
    rows: Vec<RemittanceRow>,
    next_href: String,
    first_href: String,
    vendor_side: bool,
}

pub async fn remittances(State(s): State<AppState>, req: Req, Query(q): Query<PageQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, reader).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let cursor = lists::cursor(&q.cursor);
    let page = match s.services.list_remittances(&req.ctx(&auth), cursor, Some(PAGE_SIZE)).await {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let Links { next_href, first_href, .. } = lists::links("/remittances", &[], cursor, page.next.as_deref());
    render(&RemittancesPage { t, shell, rows: page.items.iter().map(remittance_row).collect(), next_href, first_href, vendor_side: !auth.user.is_retailer() })
}

pub struct RemLine {
    seq: i64,
    kind: &'static str,
    badge: Badge,
    reference: String,
    href: String,
    description: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "remittance.html")]
struct RemittancePage {
    t: T,
    shell: Shell,
    id: String,
    number: String,
    vendor_code: String,
    payee_code: String,
    currency: String,
    pay_date: String,
    status: Badge,
    run_href: String,
    lines: Vec<RemLine>,
    total: String,
}

fn remittance_page(auth: &SessionAuth, shell: Shell, t: T, d: &RemittanceDetail) -> RemittancePage {
    let r = &d.remittance;
    let lines = d
        .lines
        .iter()
        .map(|l| RemLine {
            seq: l.seq,
            kind: l.kind.as_str(),
            badge: line_badge(l.kind),
            reference: l.reference.clone(),
            href: match l.kind {
                RemittanceLineKind::Invoice | RemittanceLineKind::Discount if access(auth, Area::Invoices) >= Access::Read => {
                    format!("/invoices/{}", l.reference_id)
                }
                RemittanceLineKind::Deduction | RemittanceLineKind::Credit if access(auth, Area::Deductions) >= Access::Read => {
                    format!("/deductions/{}", l.reference_id)
                }
                _ => String::new(),
            },
            description: l.description.clone(),
            amount: money::format_amount(l.amount, &r.currency),
        })
        .collect();
    RemittancePage {
        t,
        shell,
        id: r.id.to_string(),
        number: r.number.clone(),
        vendor_code: r.vendor_code.clone(),
        payee_code: r.payee_code.clone(),
        currency: r.currency.clone(),
        pay_date: r.pay_date.to_string(),
        status: run_badge(&d.run_status),
        run_href: if staff_reader(auth) { format!("/payments/{}", r.payment_run_id) } else { String::new() },
        lines,
        total: money::format_amount(r.total, &r.currency),
    }
}

/// The remittance advice as CSV: a row per line, then the total. Amounts are written as numbers
/// (they are never text a spreadsheet could run), everything else as safe cells.
fn remittance_csv(d: &RemittanceDetail) -> String {
    let r = &d.remittance;
    let mut out = String::new();
    let head = ["remittance_number", "vendor_code", "payee_code", "currency", "pay_date", "seq", "kind", "reference", "description", "amount"];
    out.push_str(&head.join(","));
    out.push_str("\r\n");
    let mut row = |cells: [String; 9], amount: rust_decimal::Decimal| {
        let text: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&format!("{},{}\r\n", text.join(","), money::format_amount(amount, &r.currency)));
    };
    let common = || [r.number.clone(), r.vendor_code.clone(), r.payee_code.clone(), r.currency.clone(), r.pay_date.to_string()];
    for l in &d.lines {
        let [a, b, c, e, f] = common();
        row([a, b, c, e, f, l.seq.to_string(), l.kind.as_str().into(), l.reference.clone(), l.description.clone()], l.amount);
    }
    let [a, b, c, e, f] = common();
    row([a, b, c, e, f, String::new(), "total".into(), String::new(), "Total paid".into()], r.total);
    out
}

/// The remittance advice, or its CSV (`/remittances/{id}.csv`: one route serves both, as the router
/// cannot match a suffix after a parameter).
pub async fn remittance(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, reader).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (raw, csv) = match id.strip_suffix(".csv") {
        Some(raw) => (raw, true),
        None => (id.as_str(), false),
    };
    let Some(id) = parse_id(raw) else { return server_error(t, ServiceError::NotFound("remittance")) };
    let d = match s.services.remittance(&req.ctx(&auth), id).await {
        Ok(d) => d,
        Err(e) => return server_error(t, e),
    };
    if csv {
        return csv_download(&format!("remittance-{}.csv", d.remittance.number), remittance_csv(&d));
    }
    render(&remittance_page(&auth, shell, t, &d))
}

// ---------------------------------------------------------------------------------------------
// Bank accounts.

pub struct AccountRow {
    payee_code: String,
    holder: String,
    scheme: &'static str,
    number: String,
    bank_code: String,
    currency: String,
    updated: String,
    updated_by: String,
}

/// The bank account form as typed.
#[derive(Default)]
pub struct BankTyped {
    payee_code: String,
    account_holder: String,
    account_scheme: String,
    account_number: String,
    bank_code: String,
    currency: String,
}

#[derive(Template)]
#[template(path = "bank_accounts.html")]
struct BankPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    rows: Vec<AccountRow>,
    payees: Vec<String>,
    can_set: bool,
    typed: BankTyped,
}

fn scheme_key(s: &str) -> &'static str {
    if s == "iban" { "bank.scheme.iban" } else { "bank.scheme.local" }
}

async fn bank_page(s: &AppState, req: &Req, auth: &SessionAuth, shell: Shell, t: T, form: Shown<BankTyped>) -> Result<BankPage, ServiceError> {
    let Shown { errors, typed, notice } = form;
    let ctx = req.ctx(auth);
    let tenant = auth.user.tenant_id;
    let accounts: Vec<BankAccount> = s.services.bank_accounts(&ctx, tenant).await?;
    let vendor = s.services.get_vendor(&ctx, tenant).await?;
    let mut payees: Vec<String> = vendor.of_kind(VendorIdentifierKind::PayeeCode).map(|i| i.value.clone()).collect();
    payees.extend(vendor.of_kind(VendorIdentifierKind::VendorCode).map(|i| i.value.clone()));
    let rows = accounts
        .iter()
        .map(|a| AccountRow {
            payee_code: a.payee_code.clone(),
            holder: a.account_holder.clone(),
            scheme: scheme_key(&a.account_scheme),
            number: a.account_number.clone(),
            bank_code: a.bank_code.clone(),
            currency: a.currency.clone(),
            updated: view::when(a.updated_at),
            updated_by: a.updated_by.clone(),
        })
        .collect();
    Ok(BankPage { t, shell, form_token: forms::new_token(), errors, notice, rows, payees, can_set: may_set_bank(auth), typed })
}

pub async fn bank_accounts(State(s): State<AppState>, req: Req, Query(q): Query<PageQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, vendor_reader).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let typed = BankTyped { account_scheme: "iban".into(), currency: "USD".into(), ..BankTyped::default() };
    match bank_page(&s, &req, &auth, shell, t, Shown { errors: Vec::new(), typed, notice: notice_key(&q.done) }).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

pub async fn set_bank_account(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let p = match forms::begin(&s, &req, &body, "/bank-accounts").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    if !vendor_reader(&p.auth) {
        return p.once.failed(&s, t, ServiceError::Forbidden).await;
    }
    let typed = BankTyped {
        payee_code: f.get("payee_code").trim().to_string(),
        account_holder: f.get("account_holder").to_string(),
        account_scheme: f.get("account_scheme").trim().to_string(),
        account_number: f.get("account_number").to_string(),
        bank_code: f.get("bank_code").to_string(),
        currency: f.get("currency").trim().to_uppercase(),
    };
    let input = BankAccount {
        payee_code: typed.payee_code.clone(),
        account_holder: typed.account_holder.clone(),
        account_scheme: typed.account_scheme.clone(),
        account_number: typed.account_number.clone(),
        bank_code: typed.bank_code.clone(),
        currency: typed.currency.clone(),
        updated_by: String::new(),
        updated_at: Utc::now(),
    };
    match s.services.set_bank_account(&p.ctx(&req), p.auth.user.tenant_id, input).await {
        Ok(_) => p.once.done(&s, "/bank-accounts?done=bank").await,
        Err(e) => {
            let (auth, shell) = (p.auth, p.shell);
            forms::show_again(&s, p.once, t, e, "payee_code", async |errors| {
                let errors = forms::labelled(
                    t,
                    errors,
                    &[
                        ("payee_code", "bank.payee_code"),
                        ("account_holder", "bank.holder"),
                        ("account_scheme", "bank.scheme"),
                        ("account_number", "bank.number"),
                        ("bank_code", "bank.bank_code"),
                        ("currency", "fin.currency"),
                    ],
                );
                // The account number is not shown again: it is a secret the page never echoes.
                let typed = BankTyped { account_number: String::new(), ..typed };
                bank_page(&s, &req, &auth, shell, t, Shown { errors, typed, notice: "" }).await
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use acorn_store::repo::payments::RemittanceLine;
    use rust_decimal::Decimal;

    #[test]
    fn the_remittance_csv_lists_every_line_and_the_total() {
        let id = uuid::Uuid::now_v7();
        let d = RemittanceDetail {
            remittance: Remittance {
                id,
                tenant: acorn_domain::ids::TenantId::new_v7(),
                payment_run_id: id,
                number: "RA00000001".into(),
                vendor_code: "ACME1".into(),
                payee_code: "ACME1".into(),
                currency: "USD".into(),
                pay_date: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
                total: Decimal::new(9000, 2),
                created_at: Utc::now(),
            },
            lines: vec![
                RemittanceLine {
                    seq: 1,
                    kind: RemittanceLineKind::Invoice,
                    reference_id: id,
                    reference: "INV-1".into(),
                    description: "Invoice INV-1 (PO X)".into(),
                    amount: Decimal::new(10000, 2),
                },
                RemittanceLine {
                    seq: 2,
                    kind: RemittanceLineKind::Deduction,
                    reference_id: id,
                    reference: "D1".into(),
                    description: "Deduction D1: SHT, shortage".into(),
                    amount: Decimal::new(-1000, 2),
                },
            ],
            run_status: "scheduled".into(),
        };
        let csv = remittance_csv(&d);
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows.len(), 4);
        assert!(rows[1].ends_with(",1,invoice,INV-1,Invoice INV-1 (PO X),100.00"), "{}", rows[1]);
        assert!(rows[2].ends_with(",deduction,D1,\"Deduction D1: SHT, shortage\",-10.00"), "{}", rows[2]);
        assert!(rows[3].ends_with(",total,,Total paid,90.00"), "{}", rows[3]);
        for k in RemittanceLineKind::ALL {
            assert!(view::known(line_badge(*k).key));
        }
        assert!(view::known(run_badge("scheduled").key) && view::known(run_badge("paid").key));
    }
}
