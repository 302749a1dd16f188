//! Invoice-to-cash over the API, part three: payment runs (AP pays the approved invoices due, net of
//! open deductions, in one currency), their bank files (ISO 20022 pain.001 or CSV), remittance advices
//! (JSON, and CSV — trade documents stay English) and the vendors' bank accounts, always shown masked.

use super::auth::Api;
use super::ledger::download;
use crate::error::{ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;
use acorn_domain::ids::TenantId;
use acorn_domain::money::{format_amount, from_e4};
use acorn_service::ServiceError;
use acorn_service::payments::{BankFileFormat, PaymentRunDetail, RemittanceDetail};
use acorn_store::repo::payments::{BankAccount, PaymentRunRow, Remittance};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dto::ListQuery;

#[derive(Serialize, ToSchema)]
pub struct PaymentRunOut {
    pub id: Uuid,
    /// `PR` + 6 digits; also the bank file's message id.
    pub number: String,
    pub currency: String,
    pub pay_date: NaiveDate,
    /// `scheduled` until the pay date, then `settled`.
    pub status: String,
    pub settled_at: Option<DateTime<Utc>>,
    pub remittance_count: i64,
    pub total: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<&PaymentRunRow> for PaymentRunOut {
    fn from(r: &PaymentRunRow) -> PaymentRunOut {
        PaymentRunOut {
            id: r.id,
            number: r.number.clone(),
            currency: r.currency.clone(),
            pay_date: r.pay_date,
            status: r.status.clone(),
            settled_at: r.settled_at,
            remittance_count: r.remittance_count,
            total: format_amount(from_e4(r.total_e4), &r.currency),
            created_by: r.created_by.clone(),
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RemittanceOut {
    pub id: Uuid,
    pub vendor_id: Uuid,
    pub payment_run_id: Uuid,
    /// `RA` + 8 digits; the bank transfer's end-to-end id.
    pub number: String,
    pub vendor_code: String,
    pub payee_code: String,
    pub currency: String,
    pub pay_date: NaiveDate,
    /// What is paid: invoices − discounts − deductions + credits.
    pub total: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Remittance> for RemittanceOut {
    fn from(r: &Remittance) -> RemittanceOut {
        RemittanceOut {
            id: r.id,
            vendor_id: r.tenant.0,
            payment_run_id: r.payment_run_id,
            number: r.number.clone(),
            vendor_code: r.vendor_code.clone(),
            payee_code: r.payee_code.clone(),
            currency: r.currency.clone(),
            pay_date: r.pay_date,
            total: format_amount(r.total, &r.currency),
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HeldOut {
    pub vendor_code: String,
    /// Why it was left out, e.g. no bank account in the run's currency.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentRunDetailOut {
    #[serde(flatten)]
    pub run: PaymentRunOut,
    pub remittances: Vec<RemittanceOut>,
    /// Vendors with something to pay that were left out, and why.
    pub held: Vec<HeldOut>,
}

impl From<&PaymentRunDetail> for PaymentRunDetailOut {
    fn from(d: &PaymentRunDetail) -> PaymentRunDetailOut {
        let mut run = PaymentRunOut::from(&d.run);
        run.total = format_amount(d.total, &d.run.currency);
        PaymentRunDetailOut {
            run,
            remittances: d.remittances.iter().map(RemittanceOut::from).collect(),
            held: d.held.iter().map(|(v, r)| HeldOut { vendor_code: v.clone(), reason: r.clone() }).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PaymentRunPage {
    pub items: Vec<PaymentRunOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PaymentRunIn {
    /// ISO 4217: one currency per run, no FX.
    pub currency: String,
    /// Today or later; default today.
    pub pay_date: Option<NaiveDate>,
    /// Pays approved invoices due by this day (and those whose early-pay discount is still open on the
    /// pay date); default the pay date.
    pub due_by: Option<NaiveDate>,
}

/// Payment runs, oldest first (retailer staff; a vendor sees its remittances instead).
#[utoipa::path(get, path = "/api/v1/payment-runs", tag = "payments", params(ListQuery),
    responses((status = 200, body = PaymentRunPage), (status = 403, body = ErrorBody)))]
pub async fn list_payment_runs(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ListQuery>) -> ApiResult<Json<PaymentRunPage>> {
    let page = s.services.list_payment_runs(&ctx, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(PaymentRunPage { items: page.items.iter().map(PaymentRunOut::from).collect(), next: page.next }))
}

/// Run payments: every approved invoice due, net of each vendor's open deductions and with reversed
/// ones credited back; one remittance per vendor. Vendors without a bank account in the currency are
/// held out (listed in `held`).
#[utoipa::path(post, path = "/api/v1/payment-runs", tag = "payments", request_body = PaymentRunIn,
    responses((status = 201, body = PaymentRunDetailOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn run_payments(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<PaymentRunIn>) -> ApiResult<(StatusCode, Json<PaymentRunDetailOut>)> {
    let pay_date = b.pay_date.unwrap_or_else(|| acorn_service::now().date_naive());
    let d = s.services.run_payments(&ctx, &b.currency, pay_date, b.due_by.unwrap_or(pay_date)).await?;
    Ok((StatusCode::CREATED, Json(PaymentRunDetailOut::from(&d))))
}

/// A payment run with its remittances and the vendors held out.
#[utoipa::path(get, path = "/api/v1/payment-runs/{run_id}", tag = "payments",
    responses((status = 200, body = PaymentRunDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_payment_run(State(s): State<AppState>, Api(ctx): Api, Path(run_id): Path<Uuid>) -> ApiResult<Json<PaymentRunDetailOut>> {
    Ok(Json(PaymentRunDetailOut::from(&s.services.payment_run(&ctx, run_id).await?)))
}

#[derive(Deserialize, IntoParams)]
pub struct BankFileQuery {
    /// `pain001` (default: ISO 20022 pain.001.001.09 XML) or `csv`.
    pub format: Option<String>,
}

/// The run's bank file: one credit transfer per remittance with a positive total, end-to-end id = the
/// remittance number.
#[utoipa::path(get, path = "/api/v1/payment-runs/{run_id}/bank-file", tag = "payments", params(BankFileQuery),
    responses((status = 200, description = "application/xml (pain.001) or text/csv, as an attachment"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn bank_file(State(s): State<AppState>, Api(ctx): Api, Path(run_id): Path<Uuid>, Query(q): Query<BankFileQuery>) -> ApiResult<Response> {
    let (format, content_type) = match q.format.as_deref().map(str::trim).unwrap_or("") {
        "" | "pain001" | "pain.001" | "xml" => (BankFileFormat::Pain001, "application/xml"),
        "csv" => (BankFileFormat::Csv, "text/csv; charset=utf-8"),
        other => return Err(ServiceError::invalid("format", format!("`{other}` is not one of pain001, csv")).into()),
    };
    let (name, body) = s.services.payment_file(&ctx, run_id, format).await?;
    Ok(download(content_type, &name, body.into_bytes()))
}

#[derive(Serialize, ToSchema)]
pub struct RemittanceLineOut {
    /// 1-based position.
    pub line: i64,
    /// `invoice`, `discount`, `deduction` or `credit`.
    pub kind: String,
    /// The invoice, deduction or dispute the line is about.
    pub reference_id: Uuid,
    /// Its number as the vendor knows it.
    pub reference: String,
    pub description: String,
    /// Signed: invoices and credits +, discounts and deductions −.
    pub amount: String,
}

#[derive(Serialize, ToSchema)]
pub struct RemittanceDetailOut {
    #[serde(flatten)]
    pub remittance: RemittanceOut,
    /// The run's status: `scheduled` or `settled`.
    pub run_status: String,
    /// Every invoice, discount, deduction and credit; they add up to `total`.
    pub lines: Vec<RemittanceLineOut>,
}

impl From<&RemittanceDetail> for RemittanceDetailOut {
    fn from(d: &RemittanceDetail) -> RemittanceDetailOut {
        let c = &d.remittance.currency;
        RemittanceDetailOut {
            remittance: RemittanceOut::from(&d.remittance),
            run_status: d.run_status.clone(),
            lines: d
                .lines
                .iter()
                .map(|l| RemittanceLineOut {
                    line: l.seq,
                    kind: l.kind.as_str().into(),
                    reference_id: l.reference_id,
                    reference: l.reference.clone(),
                    description: l.description.clone(),
                    amount: format_amount(l.amount, c),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RemittancePage {
    pub items: Vec<RemittanceOut>,
    pub next: Option<String>,
}

/// Remittance advices (vendors see their own), oldest first.
#[utoipa::path(get, path = "/api/v1/remittances", tag = "payments", params(ListQuery),
    responses((status = 200, body = RemittancePage), (status = 403, body = ErrorBody)))]
pub async fn list_remittances(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<ListQuery>) -> ApiResult<Json<RemittancePage>> {
    let page = s.services.list_remittances(&ctx, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(RemittancePage { items: page.items.iter().map(RemittanceOut::from).collect(), next: page.next }))
}

/// A remittance advice with every line.
#[utoipa::path(get, path = "/api/v1/remittances/{remittance_id}", tag = "payments",
    responses((status = 200, body = RemittanceDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_remittance(State(s): State<AppState>, Api(ctx): Api, Path(remittance_id): Path<Uuid>) -> ApiResult<Json<RemittanceDetailOut>> {
    Ok(Json(RemittanceDetailOut::from(&s.services.remittance(&ctx, remittance_id).await?)))
}

/// A CSV cell: quoted when needed, and text never read as a formula by a spreadsheet.
fn cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() };
    if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v }
}

/// The remittance as CSV (`line,kind,reference,description,amount,currency`; amounts signed, in English).
pub fn remittance_csv(d: &RemittanceDetail) -> String {
    let c = &d.remittance.currency;
    let mut out = String::from("line,kind,reference,description,amount,currency\r\n");
    for l in &d.lines {
        let row = [l.seq.to_string(), l.kind.as_str().to_string(), cell(&l.reference), cell(&l.description), format_amount(l.amount, c), c.clone()];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A remittance advice as CSV, one row per line (amounts signed; they add up to the remittance's total).
#[utoipa::path(get, path = "/api/v1/remittances/{remittance_id}/csv", tag = "payments",
    responses((status = 200, description = "text/csv, as an attachment"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remittance_csv_download(State(s): State<AppState>, Api(ctx): Api, Path(remittance_id): Path<Uuid>) -> ApiResult<Response> {
    let d = s.services.remittance(&ctx, remittance_id).await?;
    Ok(download("text/csv; charset=utf-8", &format!("{}.csv", d.remittance.number), remittance_csv(&d).into_bytes()))
}

#[derive(Serialize, ToSchema)]
pub struct BankAccountOut {
    pub payee_code: String,
    pub account_holder: String,
    /// `iban` or `local`.
    pub account_scheme: String,
    /// Masked, e.g. `GB•• •••• 5432`.
    pub account_number: String,
    /// BIC, or the national bank code.
    pub bank_code: String,
    pub currency: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

impl From<&BankAccount> for BankAccountOut {
    fn from(a: &BankAccount) -> BankAccountOut {
        BankAccountOut {
            payee_code: a.payee_code.clone(),
            account_holder: a.account_holder.clone(),
            account_scheme: a.account_scheme.clone(),
            account_number: a.account_number.clone(),
            bank_code: a.bank_code.clone(),
            currency: a.currency.clone(),
            updated_by: a.updated_by.clone(),
            updated_at: a.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct BankAccountIn {
    /// One of the vendor's payee (or vendor) codes.
    pub payee_code: String,
    pub account_holder: String,
    /// `iban` (with a BIC as `bank_code`) or `local` (with the national bank code, e.g. an ABA routing number).
    pub account_scheme: String,
    pub account_number: String,
    pub bank_code: String,
    pub currency: String,
}

/// The payees' bank accounts, one per payee and currency — account numbers masked.
async fn accounts(s: &AppState, ctx: &acorn_service::Ctx, vendor: TenantId) -> Result<Vec<BankAccountOut>, ServiceError> {
    let list = s.services.bank_accounts(ctx, vendor).await?;
    // The use case lists a vendor's accounts without looking the vendor up: a missing one is 404 here.
    s.services.get_vendor(ctx, vendor).await?;
    Ok(list.iter().map(BankAccountOut::from).collect())
}

/// A vendor's bank accounts, masked.
#[utoipa::path(get, path = "/api/v1/vendors/{vendor_id}/bank-accounts", tag = "payments",
    responses((status = 200, body = Vec<BankAccountOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_bank_accounts(State(s): State<AppState>, Api(ctx): Api, Path(vendor_id): Path<Uuid>) -> ApiResult<Json<Vec<BankAccountOut>>> {
    Ok(Json(accounts(&s, &ctx, TenantId(vendor_id)).await?))
}

/// Set the bank account of one payee and currency (replacing the one it had). Only a vendor user who
/// is both `vendor_admin` and `finance` may; everyone else is refused with `banking_needs_admin_and_finance`.
/// Answers every account of the vendor, masked.
#[utoipa::path(put, path = "/api/v1/vendors/{vendor_id}/bank-accounts", tag = "payments", request_body = BankAccountIn,
    responses((status = 200, body = Vec<BankAccountOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_bank_account(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(vendor_id): Path<Uuid>,
    JsonBody(b): JsonBody<BankAccountIn>,
) -> ApiResult<Json<Vec<BankAccountOut>>> {
    let vendor = TenantId(vendor_id);
    accounts(&s, &ctx, vendor).await?;
    let input = BankAccount {
        payee_code: b.payee_code.trim().to_uppercase(),
        account_holder: b.account_holder,
        account_scheme: b.account_scheme,
        account_number: b.account_number,
        bank_code: b.bank_code,
        currency: b.currency,
        updated_by: String::new(),
        updated_at: acorn_service::now(),
    };
    s.services.set_bank_account(&ctx, vendor, input).await?;
    Ok(Json(accounts(&s, &ctx, vendor).await?))
}
