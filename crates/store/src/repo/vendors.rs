//! Vendors (the tenants) and the identifiers they hold: vendor codes, payee codes, GS1 prefixes.

use super::{fetch_all, fetch_one, keyset, registry};
use crate::error::StoreError;
use acorn_domain::ids::TenantId;
use acorn_domain::master::{Vendor, VendorIdentifier, VendorIdentifierKind, VendorStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

const COLS: [&str; 6] = ["id", "name", "country", "status", "created_at", "updated_at"];

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    name: String,
    country: String,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<Row> for Vendor {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Vendor, StoreError> {
        Ok(Vendor {
            id: TenantId(r.id),
            name: r.name,
            country: r.country,
            status: VendorStatus::parse(&r.status).ok_or_else(|| StoreError::corrupt(format!("vendor status `{}`", r.status)))?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Table and column holding identifiers of `kind`.
fn table_of(kind: VendorIdentifierKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        VendorIdentifierKind::VendorCode => ("vendor_codes", "code", "vendor code"),
        VendorIdentifierKind::PayeeCode => ("payee_codes", "code", "payee code"),
        VendorIdentifierKind::Gs1Prefix => ("gs1_prefixes", "prefix", "GS1 company prefix"),
    }
}

pub async fn insert(c: &impl ConnectionTrait, v: &Vendor) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("vendors")
            .columns(COLS)
            .values_panic([v.id.0.into(), v.name.clone().into(), v.country.clone().into(), v.status.as_str().into(), v.created_at.into(), v.updated_at.into()])
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn update(c: &impl ConnectionTrait, v: &Vendor) -> Result<(), StoreError> {
    c.execute(
        &Query::update()
            .table("vendors")
            .value("name", v.name.clone())
            .value("country", v.country.clone())
            .value("status", v.status.as_str())
            .value("updated_at", v.updated_at)
            .and_where(Expr::col("id").eq(v.id.0))
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn get(c: &impl ConnectionTrait, tenant: TenantId) -> Result<Option<Vendor>, StoreError> {
    let q = Query::select().columns(COLS).from("vendors").and_where(Expr::col("id").eq(tenant.0)).to_owned();
    fetch_one::<Row>(c, &q).await?.map(Vendor::try_from).transpose()
}

/// Vendors in creation order, optionally restricted to one tenant and a name search.
pub async fn list(
    c: &impl ConnectionTrait,
    only: Option<TenantId>,
    search: Option<&str>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<Vendor>, StoreError> {
    let mut q = Query::select().columns(COLS).from("vendors").to_owned();
    if let Some(t) = only {
        q.and_where(Expr::col("id").eq(t.0));
    }
    if let Some(s) = search.filter(|s| !s.is_empty()) {
        q.and_where(Expr::col("name").like(format!("%{}%", escape_like(s))));
    }
    keyset(&mut q, after, limit, "created_at", "id");
    fetch_all::<Row>(c, &q).await?.into_iter().map(Vendor::try_from).collect()
}

/// All vendors (CLI listing); small by nature.
pub async fn all(c: &impl ConnectionTrait) -> Result<Vec<Vendor>, StoreError> {
    let q = Query::select().columns(COLS).from("vendors").order_by("name", Order::Asc).to_owned();
    fetch_all::<Row>(c, &q).await?.into_iter().map(Vendor::try_from).collect()
}

fn escape_like(s: &str) -> String {
    s.replace(['%', '_'], "")
}

#[derive(FromQueryResult)]
struct IdentRow {
    value: String,
    description: String,
    created_at: DateTime<Utc>,
}

/// Every identifier of a tenant, vendor codes first.
pub async fn identifiers(c: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<VendorIdentifier>, StoreError> {
    let mut out = Vec::new();
    for kind in VendorIdentifierKind::ALL {
        let (table, col, _) = table_of(kind);
        let q = Query::select()
            .expr_as(Expr::col(col), "value")
            .columns(["description", "created_at"])
            .from(table)
            .and_where(Expr::col("tenant_id").eq(tenant.0))
            .order_by(col, Order::Asc)
            .to_owned();
        for r in fetch_all::<IdentRow>(c, &q).await? {
            out.push(VendorIdentifier { kind, value: r.value, description: r.description, created_at: r.created_at });
        }
    }
    Ok(out)
}

/// Adds an identifier, claiming it in the registry first so it is unique across vendors.
pub async fn add_identifier(c: &impl ConnectionTrait, tenant: TenantId, ident: &VendorIdentifier) -> Result<(), StoreError> {
    let (table, col, what) = table_of(ident.kind);
    registry::claim(c, ident.kind.as_str(), what, &ident.value, tenant, ident.created_at).await?;
    c.execute(
        &Query::insert()
            .into_table(table)
            .columns(["tenant_id", col, "description", "created_at"])
            .values_panic([tenant.0.into(), ident.value.clone().into(), ident.description.clone().into(), ident.created_at.into()])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Removes an identifier of the tenant; returns whether it existed.
pub async fn remove_identifier(c: &impl ConnectionTrait, tenant: TenantId, kind: VendorIdentifierKind, value: &str) -> Result<bool, StoreError> {
    let (table, col, _) = table_of(kind);
    let res =
        c.execute(&Query::delete().from_table(table).and_where(Expr::col("tenant_id").eq(tenant.0)).and_where(Expr::col(col).eq(value)).to_owned()).await?;
    if res.rows_affected() == 0 {
        return Ok(false);
    }
    registry::release(c, kind.as_str(), value, tenant).await?;
    Ok(true)
}

/// The tenant holding a vendor code (API clients and EDI address vendors by code).
pub async fn tenant_of_code(c: &impl ConnectionTrait, code: &str) -> Result<Option<TenantId>, StoreError> {
    #[derive(FromQueryResult)]
    struct T {
        tenant_id: Uuid,
    }
    let q = Query::select().column("tenant_id").from("vendor_codes").and_where(Expr::col("code").eq(code)).to_owned();
    Ok(fetch_one::<T>(c, &q).await?.map(|t| TenantId(t.tenant_id)))
}
