//! The mail queue: messages are queued in the transaction that caused them and delivered by a job
//! that leases them with a conditional UPDATE, so two servers never send the same message twice.

use super::{fetch_all, keyset};
use crate::error::StoreError;
use acorn_domain::ids::TenantId;
use acorn_domain::people::{MailMessage, MailStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

const COLS: [&str; 11] = ["id", "tenant_id", "to_addr", "subject", "body", "status", "attempts", "delivered_at", "location", "last_error", "created_at"];

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    to_addr: String,
    subject: String,
    body: String,
    status: String,
    attempts: i64,
    delivered_at: Option<DateTime<Utc>>,
    location: Option<String>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<Row> for MailMessage {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<MailMessage, StoreError> {
        Ok(MailMessage {
            id: r.id,
            tenant_id: TenantId(r.tenant_id),
            to: r.to_addr,
            subject: r.subject,
            body: r.body,
            status: MailStatus::parse(&r.status).ok_or_else(|| StoreError::corrupt(format!("mail status `{}`", r.status)))?,
            attempts: r.attempts,
            delivered_at: r.delivered_at,
            location: r.location,
            last_error: r.last_error,
            created_at: r.created_at,
        })
    }
}

pub async fn enqueue(c: &impl ConnectionTrait, m: &MailMessage) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("mail_queue")
            .columns(["id", "tenant_id", "to_addr", "subject", "body", "status", "attempts", "created_at"])
            .values_panic([
                m.id.into(),
                m.tenant_id.0.into(),
                m.to.clone().into(),
                m.subject.clone().into(),
                m.body.clone().into(),
                MailStatus::Queued.as_str().into(),
                0i64.into(),
                m.created_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Leases up to `limit` queued messages whose lease is free until `lease_until`.
pub async fn lease(c: &impl ConnectionTrait, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: u64) -> Result<Vec<MailMessage>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from("mail_queue")
        .and_where(Expr::col("status").eq(MailStatus::Queued.as_str()))
        .and_where(Expr::col("lease_until").is_null().or(Expr::col("lease_until").lt(now)))
        .order_by("created_at", Order::Asc)
        .limit(limit)
        .to_owned();
    let mut out = Vec::new();
    for row in fetch_all::<Row>(c, &q).await? {
        // Conditional update: only one worker wins each message.
        let res = c
            .execute(
                &Query::update()
                    .table("mail_queue")
                    .value("lease_until", lease_until)
                    .value("attempts", Expr::col("attempts").add(1i64))
                    .and_where(Expr::col("id").eq(row.id))
                    .and_where(Expr::col("status").eq(MailStatus::Queued.as_str()))
                    .and_where(Expr::col("lease_until").is_null().or(Expr::col("lease_until").lt(now)))
                    .to_owned(),
            )
            .await?;
        if res.rows_affected() == 1 {
            out.push(MailMessage::try_from(row)?);
        }
    }
    Ok(out)
}

pub async fn mark_delivered(c: &impl ConnectionTrait, id: Uuid, status: MailStatus, location: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    c.execute(
        &Query::update()
            .table("mail_queue")
            .value("status", status.as_str())
            .value("location", location)
            .value("delivered_at", now)
            .value("last_error", Option::<String>::None)
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Records a failed attempt; the message stays queued (retried after its lease) unless `give_up`.
pub async fn mark_failed(c: &impl ConnectionTrait, id: Uuid, error: &str, give_up: bool) -> Result<(), StoreError> {
    let mut q = Query::update().table("mail_queue").value("last_error", error).and_where(Expr::col("id").eq(id)).to_owned();
    if give_up {
        q.value("status", MailStatus::Failed.as_str());
    }
    c.execute(&q).await?;
    Ok(())
}

/// One message by id, whatever its tenant (callers check visibility).
pub async fn get(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<MailMessage>, StoreError> {
    let q = Query::select().columns(COLS).from("mail_queue").and_where(Expr::col("id").eq(id)).to_owned();
    super::fetch_one::<Row>(c, &q).await?.map(MailMessage::try_from).transpose()
}

/// Messages newest last, optionally only one tenant's, with keyset paging.
pub async fn list(
    c: &impl ConnectionTrait,
    tenant: Option<TenantId>,
    to: Option<&str>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<MailMessage>, StoreError> {
    let mut q = Query::select().columns(COLS).from("mail_queue").to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(to) = to {
        q.and_where(Expr::col("to_addr").eq(to));
    }
    keyset(&mut q, after, limit, "created_at", "id");
    fetch_all::<Row>(c, &q).await?.into_iter().map(MailMessage::try_from).collect()
}
