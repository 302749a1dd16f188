//! Versions of a vendor's finance terms. A version is never changed: a new one is added, in force
//! from its date (the body is the domain `Terms` as JSON; the columns beside it are what lists show).

use super::{fetch_all, fetch_one};
use crate::error::{StoreError, is_unique_violation};
use acorn_domain::ids::TenantId;
use acorn_domain::terms::{Terms, TermsVersion};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

/// A stored version with who made it and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredTerms {
    #[serde(flatten)]
    pub version: TermsVersion,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(FromQueryResult)]
struct Row {
    version: i64,
    effective_from: NaiveDate,
    terms_json: String,
    note: String,
    created_by: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<Row> for StoredTerms {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<StoredTerms, StoreError> {
        let terms: Terms = serde_json::from_str(&r.terms_json).map_err(|e| StoreError::corrupt(format!("terms version {}: {e}", r.version)))?;
        Ok(StoredTerms {
            version: TermsVersion { version: r.version, effective_from: r.effective_from, terms },
            note: r.note,
            created_by: r.created_by,
            created_at: r.created_at,
        })
    }
}

/// Adds a version. Its number taken concurrently is a [`StoreError::Retry`].
pub async fn insert(c: &impl ConnectionTrait, tenant: TenantId, t: &StoredTerms) -> Result<(), StoreError> {
    let body = serde_json::to_string(&t.version.terms).map_err(|e| StoreError::corrupt(format!("terms: {e}")))?;
    let q = Query::insert()
        .into_table("terms_versions")
        .columns(["tenant_id", "version", "effective_from", "payment_term", "currency", "terms_json", "note", "created_by", "created_at"])
        .values_panic([
            tenant.0.into(),
            t.version.version.into(),
            t.version.effective_from.into(),
            t.version.terms.payment.label().into(),
            t.version.terms.currency.clone().into(),
            body.into(),
            t.note.clone().into(),
            t.created_by.clone().into(),
            t.created_at.into(),
        ])
        .to_owned();
    match c.execute(&q).await {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Retry("terms version added concurrently".into())),
        Err(e) => Err(e.into()),
    }
}

/// Every version of a vendor's terms, oldest first.
pub async fn versions(c: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<StoredTerms>, StoreError> {
    let q = Query::select()
        .columns(["version", "effective_from", "terms_json", "note", "created_by", "created_at"])
        .from("terms_versions")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .order_by("version", Order::Asc)
        .to_owned();
    fetch_all::<Row>(c, &q).await?.into_iter().map(StoredTerms::try_from).collect()
}

/// The highest version number (0 when the vendor has none).
pub async fn latest_version(c: &impl ConnectionTrait, tenant: TenantId) -> Result<i64, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        n: Option<i64>,
    }
    let q = Query::select()
        .expr_as(Func::cast_as(Func::max(Expr::col("version")), "BIGINT"), "n")
        .from("terms_versions")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .to_owned();
    Ok(fetch_one::<R>(c, &q).await?.and_then(|r| r.n).unwrap_or(0))
}
