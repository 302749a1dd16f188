//! Server-side login sessions, looked up by the SHA-256 of the cookie value.

use super::{fetch_all, fetch_one};
use crate::error::StoreError;
use acorn_domain::people::Session;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

const COLS: [&str; 10] = ["id_hash", "user_id", "csrf_token", "created_at", "last_seen_at", "expires_at", "mfa_at", "ip", "user_agent", "revoked_at"];

#[derive(FromQueryResult)]
struct Row {
    id_hash: String,
    user_id: Uuid,
    csrf_token: String,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    mfa_at: Option<DateTime<Utc>>,
    ip: String,
    user_agent: String,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<Row> for Session {
    fn from(r: Row) -> Session {
        Session {
            id_hash: r.id_hash,
            user_id: r.user_id,
            csrf_token: r.csrf_token,
            created_at: r.created_at,
            last_seen_at: r.last_seen_at,
            expires_at: r.expires_at,
            mfa_at: r.mfa_at,
            ip: r.ip,
            user_agent: r.user_agent,
            revoked_at: r.revoked_at,
        }
    }
}

pub async fn insert(c: &impl ConnectionTrait, s: &Session) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("sessions")
            .columns(COLS)
            .values_panic([
                s.id_hash.clone().into(),
                s.user_id.into(),
                s.csrf_token.clone().into(),
                s.created_at.into(),
                s.last_seen_at.into(),
                s.expires_at.into(),
                s.mfa_at.into(),
                s.ip.clone().into(),
                s.user_agent.clone().into(),
                s.revoked_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn get(c: &impl ConnectionTrait, id_hash: &str) -> Result<Option<Session>, StoreError> {
    let q = Query::select().columns(COLS).from("sessions").and_where(Expr::col("id_hash").eq(id_hash)).to_owned();
    Ok(fetch_one::<Row>(c, &q).await?.map(Session::from))
}

/// Marks activity, at most once a minute per session to spare writes on every page view.
pub async fn touch(c: &impl ConnectionTrait, id_hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    c.execute(
        &Query::update()
            .table("sessions")
            .value("last_seen_at", now)
            .and_where(Expr::col("id_hash").eq(id_hash))
            .and_where(Expr::col("last_seen_at").lt(now - chrono::Duration::seconds(60)))
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn revoke(c: &impl ConnectionTrait, id_hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let res = c
        .execute(
            &Query::update()
                .table("sessions")
                .value("revoked_at", now)
                .and_where(Expr::col("id_hash").eq(id_hash))
                .and_where(Expr::col("revoked_at").is_null())
                .to_owned(),
        )
        .await?;
    Ok(res.rows_affected() > 0)
}

/// Ends every live session of a user except `keep`; returns how many were ended.
pub async fn revoke_all(c: &impl ConnectionTrait, user_id: Uuid, keep: Option<&str>, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut q = Query::update()
        .table("sessions")
        .value("revoked_at", now)
        .and_where(Expr::col("user_id").eq(user_id))
        .and_where(Expr::col("revoked_at").is_null())
        .to_owned();
    if let Some(k) = keep {
        q.and_where(Expr::col("id_hash").ne(k));
    }
    Ok(c.execute(&q).await?.rows_affected())
}

/// The live (unrevoked, unexpired) sessions of a user, newest first.
pub async fn list_live(c: &impl ConnectionTrait, user_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Session>, StoreError> {
    let q = Query::select()
        .columns(COLS)
        .from("sessions")
        .and_where(Expr::col("user_id").eq(user_id))
        .and_where(Expr::col("revoked_at").is_null())
        .and_where(Expr::col("expires_at").gt(now))
        .order_by("created_at", Order::Desc)
        .limit(100)
        .to_owned();
    Ok(fetch_all::<Row>(c, &q).await?.into_iter().map(Session::from).collect())
}
