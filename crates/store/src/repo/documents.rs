//! Uploaded documents (dispute evidence, invoice attachments, return paperwork): the row describing a
//! file whose bytes the service keeps in the document store on disk. A document belongs to a tenant
//! and to one owner object (`owner_type` + `owner_id`).

use super::{fetch_all, fetch_one};
use crate::error::StoreError;
use acorn_domain::ids::TenantId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use uuid::Uuid;

/// What is known of an uploaded file (its bytes live in the document store).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Document {
    pub id: Uuid,
    pub tenant: TenantId,
    /// `dispute`, `invoice`, `return`...
    pub owner_type: String,
    pub owner_id: Uuid,
    /// Sanitised: no path, no control characters.
    pub filename: String,
    /// Sniffed from the bytes, never the client's word.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// The actor who uploaded it, as the audit log names it (`user:…`, `client:…`).
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

const COLS: [&str; 10] = ["id", "tenant_id", "owner_type", "owner_id", "filename", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"];

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    owner_type: String,
    owner_id: Uuid,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    uploaded_by: String,
    uploaded_at: DateTime<Utc>,
}

impl From<Row> for Document {
    fn from(r: Row) -> Document {
        Document {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            owner_type: r.owner_type,
            owner_id: r.owner_id,
            filename: r.filename,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            uploaded_by: r.uploaded_by,
            uploaded_at: r.uploaded_at,
        }
    }
}

pub async fn insert(c: &impl ConnectionTrait, d: &Document) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("documents")
            .columns(COLS)
            .values_panic([
                d.id.into(),
                d.tenant.0.into(),
                d.owner_type.clone().into(),
                d.owner_id.into(),
                d.filename.clone().into(),
                d.content_type.clone().into(),
                d.size.into(),
                d.sha256.clone().into(),
                d.uploaded_by.clone().into(),
                d.uploaded_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// A document by id, within `tenant` (None: the retailer side, any tenant).
pub async fn get(c: &impl ConnectionTrait, tenant: Option<TenantId>, id: Uuid) -> Result<Option<Document>, StoreError> {
    let mut q = Query::select().columns(COLS).from("documents").and_where(Expr::col("id").eq(id)).to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    Ok(fetch_one::<Row>(c, &q).await?.map(Document::from))
}

/// The documents of one owner object, oldest first (within `tenant`; None: any tenant).
pub async fn for_owner(c: &impl ConnectionTrait, tenant: Option<TenantId>, owner_type: &str, owner_id: Uuid) -> Result<Vec<Document>, StoreError> {
    let mut q = Query::select()
        .columns(COLS)
        .from("documents")
        .and_where(Expr::col("owner_type").eq(owner_type))
        .and_where(Expr::col("owner_id").eq(owner_id))
        .order_by("uploaded_at", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    Ok(fetch_all::<Row>(c, &q).await?.into_iter().map(Document::from).collect())
}

#[derive(FromQueryResult)]
struct IdRow {
    id: Uuid,
}

/// Which of `ids` have a row (any tenant): what the orphan sweep of the document store keeps.
pub async fn existing_ids(c: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
    let mut found = Vec::with_capacity(ids.len());
    // Bounded IN lists: both engines cap bound parameters per statement.
    for chunk in ids.chunks(500) {
        let q = Query::select().column("id").from("documents").and_where(Expr::col("id").is_in(chunk.iter().copied())).to_owned();
        found.extend(fetch_all::<IdRow>(c, &q).await?.into_iter().map(|r| r.id));
    }
    Ok(found)
}
