//! API clients (LWA-style client credentials) and the access and refresh tokens issued to them.

use super::{fetch_all, fetch_one};
use crate::error::StoreError;
use acorn_domain::ids::TenantId;
use acorn_domain::people::ApiClient;
use acorn_domain::policy::Area;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

const COLS: [&str; 8] = ["id", "tenant_id", "client_id", "name", "secret_hash", "scopes", "created_at", "disabled_at"];

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    tenant_id: Uuid,
    client_id: String,
    name: String,
    secret_hash: String,
    scopes: String,
    created_at: DateTime<Utc>,
    disabled_at: Option<DateTime<Utc>>,
}

impl Row {
    fn into_client(self) -> Result<(ApiClient, String), StoreError> {
        let scopes = self
            .scopes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<Area>().map_err(|_| StoreError::corrupt(format!("scope `{s}`"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((
            ApiClient {
                id: self.id,
                tenant_id: TenantId(self.tenant_id),
                client_id: self.client_id,
                name: self.name,
                scopes,
                created_at: self.created_at,
                disabled_at: self.disabled_at,
            },
            self.secret_hash,
        ))
    }
}

pub fn scopes_text(scopes: &[Area]) -> String {
    scopes.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(",")
}

pub async fn insert(c: &impl ConnectionTrait, client: &ApiClient, secret_hash: &str) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("api_clients")
            .columns(COLS)
            .values_panic([
                client.id.into(),
                client.tenant_id.0.into(),
                client.client_id.clone().into(),
                client.name.clone().into(),
                secret_hash.into(),
                scopes_text(&client.scopes).into(),
                client.created_at.into(),
                client.disabled_at.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// A client and its secret hash, by its public client id.
pub async fn get_by_client_id(c: &impl ConnectionTrait, client_id: &str) -> Result<Option<(ApiClient, String)>, StoreError> {
    let q = Query::select().columns(COLS).from("api_clients").and_where(Expr::col("client_id").eq(client_id)).to_owned();
    fetch_one::<Row>(c, &q).await?.map(Row::into_client).transpose()
}

pub async fn get(c: &impl ConnectionTrait, tenant: TenantId, id: Uuid) -> Result<Option<ApiClient>, StoreError> {
    let q = Query::select().columns(COLS).from("api_clients").and_where(Expr::col("tenant_id").eq(tenant.0)).and_where(Expr::col("id").eq(id)).to_owned();
    Ok(fetch_one::<Row>(c, &q).await?.map(Row::into_client).transpose()?.map(|(c, _)| c))
}

/// Clients in creation order (of one tenant, or all), `limit + 1` rows after the keyset cursor.
pub async fn list(c: &impl ConnectionTrait, tenant: Option<TenantId>, after: Option<(DateTime<Utc>, Uuid)>, limit: u64) -> Result<Vec<ApiClient>, StoreError> {
    let mut q = Query::select().columns(COLS).from("api_clients").to_owned();
    if let Some(t) = tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    super::keyset(&mut q, after, limit, "created_at", "id");
    fetch_all::<Row>(c, &q).await?.into_iter().map(|r| r.into_client().map(|(c, _)| c)).collect()
}

/// A client by its id, whatever its tenant (callers check visibility).
pub async fn get_any(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<ApiClient>, StoreError> {
    let q = Query::select().columns(COLS).from("api_clients").and_where(Expr::col("id").eq(id)).to_owned();
    Ok(fetch_one::<Row>(c, &q).await?.map(Row::into_client).transpose()?.map(|(c, _)| c))
}

pub async fn disable(c: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    c.execute(&Query::update().table("api_clients").value("disabled_at", now).and_where(Expr::col("id").eq(id)).to_owned()).await?;
    c.execute(
        &Query::update()
            .table("api_tokens")
            .value("revoked_at", now)
            .and_where(Expr::col("api_client_id").eq(id))
            .and_where(Expr::col("revoked_at").is_null())
            .to_owned(),
    )
    .await?;
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

pub async fn insert_token(
    c: &impl ConnectionTrait,
    token_hash: &str,
    client_pk: Uuid,
    kind: TokenKind,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    c.execute(
        &Query::insert()
            .into_table("api_tokens")
            .columns(["token_hash", "api_client_id", "kind", "expires_at", "created_at", "revoked_at"])
            .values_panic([token_hash.into(), client_pk.into(), kind.as_str().into(), expires_at.into(), now.into(), Option::<DateTime<Utc>>::None.into()])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// A row of the live-token lookup: the client and the token's expiry.
#[derive(FromQueryResult)]
struct TokenRow {
    #[sea_orm(nested)]
    client: Row,
    token_expires_at: DateTime<Utc>,
}

/// The client holding a live token of `kind` with this hash, and when that token expires.
pub async fn client_of_token(
    c: &impl ConnectionTrait,
    token_hash: &str,
    kind: TokenKind,
    now: DateTime<Utc>,
) -> Result<Option<(ApiClient, DateTime<Utc>)>, StoreError> {
    let q = Query::select()
        .columns(COLS.map(|c| ("api_clients", c)))
        .expr_as(Expr::col(("api_tokens", "expires_at")), "token_expires_at")
        .from("api_tokens")
        .inner_join("api_clients", Expr::col(("api_clients", "id")).equals(("api_tokens", "api_client_id")))
        .and_where(Expr::col(("api_tokens", "token_hash")).eq(token_hash))
        .and_where(Expr::col(("api_tokens", "kind")).eq(kind.as_str()))
        .and_where(Expr::col(("api_tokens", "revoked_at")).is_null())
        .and_where(Expr::col(("api_tokens", "expires_at")).gt(now))
        .and_where(Expr::col(("api_clients", "disabled_at")).is_null())
        .to_owned();
    let Some(row) = fetch_one::<TokenRow>(c, &q).await? else { return Ok(None) };
    let (client, _) = row.client.into_client()?;
    Ok(Some((client, row.token_expires_at)))
}
