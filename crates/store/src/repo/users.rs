//! Users, their roles, MFA state, recovery codes, one-time links and failed-login records.

use super::{fetch_all, fetch_one, keyset};
use crate::error::{StoreError, is_unique_violation};
use acorn_domain::ids::TenantId;
use acorn_domain::people::{Locale, User, UserSecrets, UserStatus};
use acorn_domain::policy::Role;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use std::collections::HashMap;
use uuid::Uuid;

const COLS: [&str; 12] =
    ["id", "tenant_id", "email", "name", "password_hash", "totp_secret", "totp_enrolled_at", "totp_last_step", "locale", "status", "created_at", "updated_at"];

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    email: String,
    name: String,
    password_hash: Option<String>,
    totp_secret: Option<String>,
    totp_enrolled_at: Option<DateTime<Utc>>,
    totp_last_step: Option<i64>,
    locale: String,
    status: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn into_user(self, roles: Vec<Role>) -> Result<(User, UserSecrets), StoreError> {
        let user = User {
            id: self.id,
            tenant_id: TenantId(self.tenant_id),
            email: self.email,
            name: self.name,
            roles,
            locale: Locale::parse(&self.locale).ok_or_else(|| StoreError::corrupt(format!("locale `{}`", self.locale)))?,
            status: UserStatus::parse(&self.status).ok_or_else(|| StoreError::corrupt(format!("user status `{}`", self.status)))?,
            has_password: self.password_hash.is_some(),
            mfa_enrolled: self.totp_enrolled_at.is_some(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        let secrets = UserSecrets { password_hash: self.password_hash, totp_secret: self.totp_secret, totp_last_step: self.totp_last_step };
        Ok((user, secrets))
    }
}

/// Inserts a user (without password or MFA) and its roles.
pub async fn insert(c: &impl ConnectionTrait, u: &User) -> Result<(), StoreError> {
    let res = c
        .execute(
            &Query::insert()
                .into_table("users")
                .columns(COLS)
                .values_panic([
                    u.id.into(),
                    u.tenant_id.0.into(),
                    u.email.clone().into(),
                    u.name.clone().into(),
                    Option::<String>::None.into(),
                    Option::<String>::None.into(),
                    Option::<DateTime<Utc>>::None.into(),
                    Option::<i64>::None.into(),
                    u.locale.as_str().into(),
                    u.status.as_str().into(),
                    u.created_at.into(),
                    u.updated_at.into(),
                ])
                .to_owned(),
        )
        .await;
    match res {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate { what: "e-mail address", value: u.email.clone() }),
        Err(e) => return Err(e.into()),
    }
    set_roles(c, u.id, &u.roles).await
}

/// Replaces the roles of a user.
pub async fn set_roles(c: &impl ConnectionTrait, user_id: Uuid, roles: &[Role]) -> Result<(), StoreError> {
    c.execute(&Query::delete().from_table("user_roles").and_where(Expr::col("user_id").eq(user_id)).to_owned()).await?;
    if roles.is_empty() {
        return Ok(());
    }
    let mut ins = Query::insert().into_table("user_roles").columns(["user_id", "role"]).to_owned();
    for r in roles {
        ins.values_panic([user_id.into(), r.as_str().into()]);
    }
    c.execute(&ins).await?;
    Ok(())
}

async fn roles_of(c: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Role>>, StoreError> {
    #[derive(FromQueryResult)]
    struct R {
        user_id: Uuid,
        role: String,
    }
    let mut out: HashMap<Uuid, Vec<Role>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let q = Query::select().columns(["user_id", "role"]).from("user_roles").and_where(Expr::col("user_id").is_in(ids.iter().copied())).to_owned();
    for r in fetch_all::<R>(c, &q).await? {
        let role: Role = r.role.parse().map_err(|_| StoreError::corrupt(format!("role `{}`", r.role)))?;
        out.entry(r.user_id).or_default().push(role);
    }
    for roles in out.values_mut() {
        roles.sort();
    }
    Ok(out)
}

async fn load(c: &impl ConnectionTrait, rows: Vec<Row>) -> Result<Vec<(User, UserSecrets)>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut roles = roles_of(c, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let rs = roles.remove(&r.id).unwrap_or_default();
            r.into_user(rs)
        })
        .collect()
}

pub async fn get(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<(User, UserSecrets)>, StoreError> {
    let q = Query::select().columns(COLS).from("users").and_where(Expr::col("id").eq(id)).to_owned();
    let rows: Vec<Row> = fetch_one::<Row>(c, &q).await?.into_iter().collect();
    Ok(load(c, rows).await?.pop())
}

pub async fn get_by_email(c: &impl ConnectionTrait, email: &str) -> Result<Option<(User, UserSecrets)>, StoreError> {
    let q = Query::select().columns(COLS).from("users").and_where(Expr::col("email").eq(email)).to_owned();
    let rows: Vec<Row> = fetch_one::<Row>(c, &q).await?.into_iter().collect();
    Ok(load(c, rows).await?.pop())
}

/// Users of one tenant (or of every tenant when `tenant` is `None`), in creation order.
pub async fn list(c: &impl ConnectionTrait, tenant: Option<TenantId>, after: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<User>, StoreError> {
    let mut q = Query::select().columns(COLS).from("users").to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    keyset(&mut q, after, limit, "created_at", "id");
    let rows = fetch_all::<Row>(c, &q).await?;
    Ok(load(c, rows).await?.into_iter().map(|(u, _)| u).collect())
}

async fn set(c: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>, values: Vec<(&'static str, sea_orm::Value)>) -> Result<(), StoreError> {
    let mut q = Query::update().table("users").value("updated_at", now).and_where(Expr::col("id").eq(id)).to_owned();
    for (col, v) in values {
        q.value(col, v);
    }
    c.execute(&q).await?;
    Ok(())
}

pub async fn set_name(c: &impl ConnectionTrait, id: Uuid, name: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    set(c, id, now, vec![("name", name.into())]).await
}

pub async fn set_status(c: &impl ConnectionTrait, id: Uuid, status: UserStatus, now: DateTime<Utc>) -> Result<(), StoreError> {
    set(c, id, now, vec![("status", status.as_str().into())]).await
}

pub async fn set_locale(c: &impl ConnectionTrait, id: Uuid, locale: Locale, now: DateTime<Utc>) -> Result<(), StoreError> {
    set(c, id, now, vec![("locale", locale.as_str().into())]).await
}

pub async fn set_password(c: &impl ConnectionTrait, id: Uuid, hash: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    set(c, id, now, vec![("password_hash", hash.into())]).await
}

/// Stores a TOTP secret. `enrolled_at` is `None` while enrolment awaits its first code; clearing the
/// secret (MFA reset) sends the user back to enrolment.
pub async fn set_totp(
    c: &impl ConnectionTrait,
    id: Uuid,
    secret: Option<&str>,
    enrolled_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    set(
        c,
        id,
        now,
        vec![("totp_secret", secret.map(str::to_string).into()), ("totp_enrolled_at", enrolled_at.into()), ("totp_last_step", Option::<i64>::None.into())],
    )
    .await
}

/// Records that the TOTP code of time step `step` was used; false when this or a later step was
/// already used (each code is accepted once).
pub async fn use_totp_step(c: &impl ConnectionTrait, id: Uuid, step: i64) -> Result<bool, StoreError> {
    let res = c
        .execute(
            &Query::update()
                .table("users")
                .value("totp_last_step", step)
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("totp_last_step").is_null().or(Expr::col("totp_last_step").lt(step)))
                .to_owned(),
        )
        .await?;
    Ok(res.rows_affected() == 1)
}

/// Replaces a user's recovery codes with new ones (hashes only).
pub async fn replace_recovery_codes(c: &impl ConnectionTrait, user_id: Uuid, hashes: &[String], now: DateTime<Utc>) -> Result<(), StoreError> {
    c.execute(&Query::delete().from_table("recovery_codes").and_where(Expr::col("user_id").eq(user_id)).to_owned()).await?;
    if hashes.is_empty() {
        return Ok(());
    }
    let mut ins = Query::insert().into_table("recovery_codes").columns(["id", "user_id", "code_hash", "used_at", "created_at"]).to_owned();
    for h in hashes {
        ins.values_panic([Uuid::now_v7().into(), user_id.into(), h.clone().into(), Option::<DateTime<Utc>>::None.into(), now.into()]);
    }
    c.execute(&ins).await?;
    Ok(())
}

/// Spends one unused recovery code; false when no unused code has this hash.
pub async fn use_recovery_code(c: &impl ConnectionTrait, user_id: Uuid, hash: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let res = c
        .execute(
            &Query::update()
                .table("recovery_codes")
                .value("used_at", now)
                .and_where(Expr::col("user_id").eq(user_id))
                .and_where(Expr::col("code_hash").eq(hash))
                .and_where(Expr::col("used_at").is_null())
                .to_owned(),
        )
        .await?;
    Ok(res.rows_affected() == 1)
}

pub async fn unused_recovery_codes(c: &impl ConnectionTrait, user_id: Uuid) -> Result<i64, StoreError> {
    count(
        c,
        Query::select()
            .expr_as(Func::count(Expr::col("id")), "n")
            .from("recovery_codes")
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(Expr::col("used_at").is_null())
            .to_owned(),
    )
    .await
}

async fn count(c: &impl ConnectionTrait, q: sea_orm::sea_query::SelectStatement) -> Result<i64, StoreError> {
    #[derive(FromQueryResult)]
    struct N {
        n: i64,
    }
    Ok(fetch_one::<N>(c, &q).await?.map(|n| n.n).unwrap_or(0))
}

/// Purpose of a one-time link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    Setup,
    Reset,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Setup => "setup",
            TokenPurpose::Reset => "reset",
        }
    }
}

pub async fn insert_token(
    c: &impl ConnectionTrait,
    token_hash: &str,
    user_id: Uuid,
    purpose: TokenPurpose,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("user_tokens")
            .columns(["token_hash", "user_id", "purpose", "expires_at", "used_at", "created_at"])
            .values_panic([token_hash.into(), user_id.into(), purpose.as_str().into(), expires_at.into(), Option::<DateTime<Utc>>::None.into(), now.into()])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// The user of a valid (unused, unexpired) one-time link, without spending it.
pub async fn peek_token(c: &impl ConnectionTrait, token_hash: &str, purpose: TokenPurpose, now: DateTime<Utc>) -> Result<Option<Uuid>, StoreError> {
    #[derive(FromQueryResult)]
    struct T {
        user_id: Uuid,
    }
    let q = Query::select()
        .column("user_id")
        .from("user_tokens")
        .and_where(Expr::col("token_hash").eq(token_hash))
        .and_where(Expr::col("purpose").eq(purpose.as_str()))
        .and_where(Expr::col("used_at").is_null())
        .and_where(Expr::col("expires_at").gt(now))
        .to_owned();
    Ok(fetch_one::<T>(c, &q).await?.map(|t| t.user_id))
}

/// Spends a one-time link; returns its user when it was valid.
pub async fn take_token(c: &impl ConnectionTrait, token_hash: &str, purpose: TokenPurpose, now: DateTime<Utc>) -> Result<Option<Uuid>, StoreError> {
    let Some(user) = peek_token(c, token_hash, purpose, now).await? else { return Ok(None) };
    let res = c
        .execute(
            &Query::update()
                .table("user_tokens")
                .value("used_at", now)
                .and_where(Expr::col("token_hash").eq(token_hash))
                .and_where(Expr::col("used_at").is_null())
                .to_owned(),
        )
        .await?;
    Ok((res.rows_affected() == 1).then_some(user))
}

/// Invalidates every unused link of a purpose for a user (a new one replaces them).
pub async fn revoke_tokens(c: &impl ConnectionTrait, user_id: Uuid, purpose: TokenPurpose, now: DateTime<Utc>) -> Result<(), StoreError> {
    c.execute(
        &Query::update()
            .table("user_tokens")
            .value("used_at", now)
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(Expr::col("purpose").eq(purpose.as_str()))
            .and_where(Expr::col("used_at").is_null())
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Records a failed login for the account named `email` (known or not, so both look the same).
pub async fn record_login_failure(c: &impl ConnectionTrait, email: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    c.execute(
        &Query::insert().into_table("login_failures").columns(["id", "email", "at"]).values_panic([Uuid::now_v7().into(), email.into(), now.into()]).to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn login_failures_since(c: &impl ConnectionTrait, email: &str, since: DateTime<Utc>) -> Result<i64, StoreError> {
    count(
        c,
        Query::select()
            .expr_as(Func::count(Expr::col("id")), "n")
            .from("login_failures")
            .and_where(Expr::col("email").eq(email))
            .and_where(Expr::col("at").gt(since))
            .to_owned(),
    )
    .await
}

/// Forgets failed logins older than `before` (housekeeping).
pub async fn prune_login_failures(c: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let res = c.execute(&Query::delete().from_table("login_failures").and_where(Expr::col("at").lt(before)).to_owned()).await?;
    Ok(res.rows_affected())
}

/// Number of users; `acorn demo` seeds only an empty database.
pub async fn count_all(c: &impl ConnectionTrait) -> Result<i64, StoreError> {
    count(c, Query::select().expr_as(Func::count(Expr::col("id")), "n").from("users").to_owned()).await
}

/// E-mail addresses of the tenant's active users holding any of `roles` (notification recipients).
pub async fn emails_with_roles(c: &impl ConnectionTrait, tenant: TenantId, roles: &[Role]) -> Result<Vec<String>, StoreError> {
    #[derive(FromQueryResult)]
    struct E {
        email: String,
    }
    let q = Query::select()
        .distinct()
        .column(("users", "email"))
        .from("users")
        .inner_join("user_roles", Expr::col(("user_roles", "user_id")).equals(("users", "id")))
        .and_where(Expr::col(("users", "tenant_id")).eq(tenant.0))
        .and_where(Expr::col(("users", "status")).eq("active"))
        .and_where(Expr::col(("user_roles", "role")).is_in(roles.iter().map(|r| r.as_str())))
        .order_by(("users", "email"), sea_orm::sea_query::Order::Asc)
        .to_owned();
    Ok(fetch_all::<E>(c, &q).await?.into_iter().map(|e| e.email).collect())
}
