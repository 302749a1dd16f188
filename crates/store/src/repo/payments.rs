//! Payment runs, the remittances they issue (one per vendor, every invoice, discount, deduction and
//! credit as a line), and the bank accounts of payees.

use super::{e4, fetch_all, fetch_one, keyset};
use crate::error::StoreError;
use acorn_domain::ids::TenantId;
use acorn_domain::money::from_e4;
use acorn_domain::payments::RemittanceLineKind;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, FromQueryResult)]
pub struct PaymentRunRow {
    pub id: Uuid,
    pub number: String,
    pub currency: String,
    pub pay_date: NaiveDate,
    pub status: String,
    pub settled_at: Option<DateTime<Utc>>,
    pub remittance_count: i64,
    pub total_e4: i64,
    /// `[[vendor_code, reason], …]`: vendors left out of the run.
    pub held_json: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

const RUN_COLS: [&str; 11] =
    ["id", "number", "currency", "pay_date", "status", "settled_at", "remittance_count", "total_e4", "held_json", "created_by", "created_at"];

pub async fn insert_run(c: &impl ConnectionTrait, r: &PaymentRunRow) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("payment_runs")
            .columns(RUN_COLS)
            .values_panic([
                r.id.into(),
                r.number.clone().into(),
                r.currency.clone().into(),
                r.pay_date.into(),
                r.status.clone().into(),
                r.settled_at.into(),
                r.remittance_count.into(),
                r.total_e4.into(),
                r.held_json.clone().into(),
                r.created_by.clone().into(),
                r.created_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Records what a run came to once its remittances are written.
pub async fn finish_run(c: &impl ConnectionTrait, r: &PaymentRunRow) -> Result<(), StoreError> {
    let q = Query::update()
        .table("payment_runs")
        .value("remittance_count", r.remittance_count)
        .value("total_e4", r.total_e4)
        .value("held_json", r.held_json.clone())
        .and_where(Expr::col("id").eq(r.id))
        .to_owned();
    c.execute(&q).await?;
    Ok(())
}

/// Marks a scheduled run paid; false when it was settled already.
pub async fn settle_run(c: &impl ConnectionTrait, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
    let q = Query::update()
        .table("payment_runs")
        .value("status", "paid")
        .value("settled_at", at)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").eq("scheduled"))
        .to_owned();
    Ok(c.execute(&q).await?.rows_affected() == 1)
}

pub async fn get_run(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<PaymentRunRow>, StoreError> {
    fetch_one(c, &Query::select().columns(RUN_COLS).from("payment_runs").and_where(Expr::col("id").eq(id)).to_owned()).await
}

pub async fn list_runs(c: &impl ConnectionTrait, after: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<PaymentRunRow>, StoreError> {
    let mut q = Query::select().columns(RUN_COLS).from("payment_runs").to_owned();
    keyset(&mut q, after, limit, "created_at", "id");
    fetch_all(c, &q).await
}

/// Runs still scheduled whose pay date has come.
pub async fn due_runs(c: &impl ConnectionTrait, today: NaiveDate) -> Result<Vec<PaymentRunRow>, StoreError> {
    let q = Query::select()
        .columns(RUN_COLS)
        .from("payment_runs")
        .and_where(Expr::col("status").eq("scheduled"))
        .and_where(Expr::col("pay_date").lte(today))
        .order_by("created_at", Order::Asc)
        .to_owned();
    fetch_all(c, &q).await
}

/// A remittance advice: what one vendor is paid in one run, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Remittance {
    pub id: Uuid,
    pub tenant: TenantId,
    pub payment_run_id: Uuid,
    pub number: String,
    pub vendor_code: String,
    pub payee_code: String,
    pub currency: String,
    pub pay_date: NaiveDate,
    pub total: rust_decimal::Decimal,
    pub created_at: DateTime<Utc>,
}

/// A line of a remittance; `amount` is signed (invoices and credits +, discounts and deductions −).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RemittanceLine {
    pub seq: i64,
    pub kind: RemittanceLineKind,
    /// The invoice (or credit note) or deduction the line is about; a credit line names the deduction
    /// whose reversal it pays back.
    pub reference_id: Uuid,
    /// Its number as the vendor knows it (invoice number, deduction number).
    pub reference: String,
    pub description: String,
    pub amount: rust_decimal::Decimal,
}

const REM_COLS: [&str; 10] = ["id", "tenant_id", "payment_run_id", "number", "vendor_code", "payee_code", "currency", "pay_date", "total_e4", "created_at"];

#[derive(FromQueryResult)]
struct RemRow {
    id: Uuid,
    tenant_id: Uuid,
    payment_run_id: Uuid,
    number: String,
    vendor_code: String,
    payee_code: String,
    currency: String,
    pay_date: NaiveDate,
    total_e4: i64,
    created_at: DateTime<Utc>,
}

impl From<RemRow> for Remittance {
    fn from(r: RemRow) -> Remittance {
        Remittance {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            payment_run_id: r.payment_run_id,
            number: r.number,
            vendor_code: r.vendor_code,
            payee_code: r.payee_code,
            currency: r.currency,
            pay_date: r.pay_date,
            total: from_e4(r.total_e4),
            created_at: r.created_at,
        }
    }
}

pub async fn insert_remittance(c: &impl ConnectionTrait, r: &Remittance, lines: &[RemittanceLine]) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("remittances")
            .columns(REM_COLS)
            .values_panic([
                r.id.into(),
                r.tenant.0.into(),
                r.payment_run_id.into(),
                r.number.clone().into(),
                r.vendor_code.clone().into(),
                r.payee_code.clone().into(),
                r.currency.clone().into(),
                r.pay_date.into(),
                e4(r.total)?.into(),
                r.created_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    if !lines.is_empty() {
        let mut q = Query::insert()
            .into_table("remittance_lines")
            .columns(["tenant_id", "remittance_id", "seq", "kind", "reference_id", "reference", "description", "amount_e4"])
            .to_owned();
        for l in lines {
            q.values_panic([
                r.tenant.0.into(),
                r.id.into(),
                l.seq.into(),
                l.kind.as_str().into(),
                l.reference_id.into(),
                l.reference.clone().into(),
                l.description.clone().into(),
                e4(l.amount)?.into(),
            ]);
        }
        c.execute(&q).await?;
    }
    Ok(())
}

pub async fn get_remittance(c: &impl ConnectionTrait, tenant: Option<TenantId>, id: Uuid) -> Result<Option<Remittance>, StoreError> {
    let mut q = Query::select().columns(REM_COLS).from("remittances").and_where(Expr::col("id").eq(id)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    Ok(fetch_one::<RemRow>(c, &q).await?.map(Remittance::from))
}

/// Remittances, newest last, of one vendor (or all for the retailer side), or of one run.
pub async fn list_remittances(
    c: &impl ConnectionTrait,
    tenant: Option<TenantId>,
    run: Option<Uuid>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<Remittance>, StoreError> {
    let mut q = Query::select().columns(REM_COLS).from("remittances").to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(r) = run {
        q.and_where(Expr::col("payment_run_id").eq(r));
    }
    keyset(&mut q, after, limit, "created_at", "id");
    Ok(fetch_all::<RemRow>(c, &q).await?.into_iter().map(Remittance::from).collect())
}

pub async fn remittance_lines(c: &impl ConnectionTrait, tenant: TenantId, remittance: Uuid) -> Result<Vec<RemittanceLine>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        seq: i64,
        kind: String,
        reference_id: Uuid,
        reference: String,
        description: String,
        amount_e4: i64,
    }
    let q = Query::select()
        .columns(["seq", "kind", "reference_id", "reference", "description", "amount_e4"])
        .from("remittance_lines")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("remittance_id").eq(remittance))
        .order_by("seq", Order::Asc)
        .to_owned();
    fetch_all::<R>(c, &q)
        .await?
        .into_iter()
        .map(|r| {
            Ok(RemittanceLine {
                seq: r.seq,
                kind: RemittanceLineKind::parse(&r.kind).ok_or_else(|| StoreError::corrupt(format!("remittance line kind `{}`", r.kind)))?,
                reference_id: r.reference_id,
                reference: r.reference,
                description: r.description,
                amount: from_e4(r.amount_e4),
            })
        })
        .collect()
}

/// Where a payee's money goes.
#[derive(Clone, Debug, PartialEq, Serialize, FromQueryResult)]
pub struct BankAccount {
    pub payee_code: String,
    pub account_holder: String,
    /// `iban` or `local`.
    pub account_scheme: String,
    pub account_number: String,
    pub bank_code: String,
    pub currency: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

const BANK_COLS: [&str; 8] = ["payee_code", "account_holder", "account_scheme", "account_number", "bank_code", "currency", "updated_by", "updated_at"];

pub async fn bank_accounts(c: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<BankAccount>, StoreError> {
    let q =
        Query::select().columns(BANK_COLS).from("bank_accounts").and_where(Expr::col("tenant_id").eq(tenant.0)).order_by("payee_code", Order::Asc).to_owned();
    fetch_all(c, &q).await
}

/// Sets the bank account of a payee (replacing the previous one).
pub async fn put_bank_account(c: &impl ConnectionTrait, tenant: TenantId, a: &BankAccount) -> Result<(), StoreError> {
    c.execute(
        &Query::delete()
            .from_table("bank_accounts")
            .and_where(Expr::col("tenant_id").eq(tenant.0))
            .and_where(Expr::col("payee_code").eq(a.payee_code.as_str()))
            .to_owned(),
    )
    .await?;
    c.execute(
        &Query::insert()
            .into_table("bank_accounts")
            .columns(["tenant_id", "payee_code", "account_holder", "account_scheme", "account_number", "bank_code", "currency", "updated_by", "updated_at"])
            .values_panic([
                tenant.0.into(),
                a.payee_code.clone().into(),
                a.account_holder.clone().into(),
                a.account_scheme.clone().into(),
                a.account_number.clone().into(),
                a.bank_code.clone().into(),
                a.currency.clone().into(),
                a.updated_by.clone().into(),
                a.updated_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}
