//! The event outbox and each user's read position in the notification bell.

use super::{fetch_all, fetch_one};
use crate::error::StoreError;
use acorn_domain::events::{Audience, Event};
use acorn_domain::ids::TenantId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, QueryStatementBuilder, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

const COLS: [&str; 10] = ["id", "tenant_id", "kind", "object_type", "object_id", "summary", "link", "audience", "payload_json", "created_at"];

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    kind: String,
    object_type: String,
    object_id: String,
    summary: String,
    link: String,
    audience: String,
    payload_json: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<Row> for Event {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Event, StoreError> {
        Ok(Event {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            kind: r.kind,
            object_type: r.object_type,
            object_id: r.object_id,
            summary: r.summary,
            link: r.link,
            audience: Audience::parse(&r.audience).ok_or_else(|| StoreError::corrupt(format!("event audience `{}`", r.audience)))?,
            payload: serde_json::from_str(&r.payload_json).map_err(|e| StoreError::corrupt(format!("event {} payload: {e}", r.id)))?,
            created_at: r.created_at,
        })
    }
}

pub async fn insert(c: &impl ConnectionTrait, e: &Event) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("events")
            .columns(COLS)
            .values_panic([
                e.id.into(),
                e.tenant.0.into(),
                e.kind.clone().into(),
                e.object_type.clone().into(),
                e.object_id.clone().into(),
                e.summary.clone().into(),
                e.link.clone().into(),
                e.audience.as_str().into(),
                e.payload.to_string().into(),
                e.created_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Who reads a feed: its own tenant's events (vendor side) or every tenant's (retailer side,
/// `tenant` None), for its side's audiences, about the object types its roles may read.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    pub tenant: Option<TenantId>,
    pub retailer_side: bool,
    pub object_types: &'a [&'a str],
}

fn feed(r: &Reader) -> SelectStatement {
    let audiences: Vec<&str> = Audience::ALL.iter().filter(|a| a.reaches(r.retailer_side)).map(|a| a.as_str()).collect();
    let mut q = Query::select()
        .from("events")
        .and_where(Expr::col("audience").is_in(audiences))
        .and_where(Expr::col("object_type").is_in(r.object_types.iter().copied()))
        .to_owned();
    if let Some(t) = r.tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    q
}

/// The newest `limit` events of the feed.
pub async fn latest(c: &impl ConnectionTrait, r: &Reader<'_>, limit: u64) -> Result<Vec<Event>, StoreError> {
    let mut q = feed(r);
    q.columns(COLS).order_by("created_at", Order::Desc).order_by("id", Order::Desc).limit(limit);
    fetch_all::<Row>(c, &q).await?.into_iter().map(Event::try_from).collect()
}

/// How many feed events are newer than `since` (capped at `cap`, the bell shows "99+").
pub async fn unread(c: &impl ConnectionTrait, r: &Reader<'_>, user: Uuid, cap: u64) -> Result<u64, StoreError> {
    let seen = Query::select().column("seen_through").from("notification_reads").and_where(Expr::col("user_id").eq(user)).to_owned();
    let mut q = feed(r);
    // Unseen = newer than the read position, or everything when there is none.
    q.column("id")
        .cond_where(Expr::col("created_at").gt(SimpleExpr::SubQuery(None, Box::new(seen.clone().into_sub_query_statement()))).or(Expr::exists(seen).not()))
        .limit(cap);
    Ok(c.query_all(&q).await?.len() as u64)
}

/// Every event about one object, oldest first (histories and tests).
pub async fn for_object(c: &impl ConnectionTrait, tenant: TenantId, object_type: &str, object_id: &str) -> Result<Vec<Event>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from("events")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("object_type").eq(object_type))
        .and_where(Expr::col("object_id").eq(object_id))
        .order_by("created_at", Order::Asc)
        .order_by("id", Order::Asc)
        .to_owned();
    fetch_all::<Row>(c, &q).await?.into_iter().map(Event::try_from).collect()
}

pub async fn seen_through(c: &impl ConnectionTrait, user: Uuid) -> Result<Option<DateTime<Utc>>, StoreError> {
    #[derive(FromQueryResult)]
    struct S {
        seen_through: DateTime<Utc>,
    }
    let q = Query::select().column("seen_through").from("notification_reads").and_where(Expr::col("user_id").eq(user)).to_owned();
    Ok(fetch_one::<S>(c, &q).await?.map(|s| s.seen_through))
}

pub async fn mark_seen(c: &impl ConnectionTrait, user: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
    let updated = c
        .execute(&Query::update().table("notification_reads").value("seen_through", at).and_where(Expr::col("user_id").eq(user)).to_owned())
        .await?
        .rows_affected();
    if updated == 0 {
        c.execute(&Query::insert().into_table("notification_reads").columns(["user_id", "seen_through"]).values_panic([user.into(), at.into()]).to_owned())
            .await?;
    }
    Ok(())
}

/// A page of the feed in `(created_at, id)` order (the API's event stream).
pub async fn page(c: &impl ConnectionTrait, r: &Reader<'_>, after: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<Event>, StoreError> {
    let mut q = feed(r);
    q.columns(COLS);
    super::keyset(&mut q, after, limit, "created_at", "id");
    fetch_all::<Row>(c, &q).await?.into_iter().map(Event::try_from).collect()
}
