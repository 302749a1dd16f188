//! API clients of a vendor and the LWA-compatible token grants (`client_credentials`,
//! `refresh_token`). Secrets and tokens are random and stored only as SHA-256 fingerprints.

use crate::authz::{list_scope, require, require_object};
use crate::crypto::{random_token, sha256_hex};
use crate::{Change, Ctx, Principal, ServiceError, Services, now};
use acorn_domain::ids::TenantId;
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::people::ApiClient;
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate;
use acorn_store::repo::api_clients::{self, TokenKind};
use acorn_store::repo::vendors;
use chrono::Duration;
use serde::Serialize;
use uuid::Uuid;

/// Access tokens live one hour, like LWA's.
pub const ACCESS_TOKEN_TTL: Duration = Duration::hours(1);
/// Refresh tokens are long-lived; disabling the client revokes them.
pub const REFRESH_TOKEN_TTL: Duration = Duration::days(3650);

/// What `acorn client create` prints and the UI shows once.
#[derive(Clone, Debug, Serialize)]
pub struct ClientCredentials {
    /// The client's record id (for disabling it later).
    pub id: Uuid,
    pub client_id: String,
    pub client_secret: String,
    pub refresh_token: String,
    pub scopes: Vec<String>,
    pub vendor_id: TenantId,
}

/// An issued access token (LWA response body fields).
#[derive(Clone, Debug, Serialize)]
pub struct AccessToken {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
}

/// Errors of the token endpoint, in OAuth 2.0 terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantError {
    InvalidRequest(String),
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType(String),
}

impl Services {
    pub async fn create_client(&self, ctx: &Ctx, tenant: TenantId, name: &str, scopes: Vec<Area>) -> Result<ClientCredentials, ServiceError> {
        require_object(ctx, Area::Integrations, Access::Write, tenant, "vendor")?;
        vendors::get(&self.db.conn, tenant).await?.ok_or(ServiceError::NotFound("vendor"))?;
        let name = validate::required_text(name, 100).map_err(|e| ServiceError::invalid("name", e))?;
        let mut scopes = if scopes.is_empty() { Area::ALL.to_vec() } else { scopes };
        scopes.sort();
        scopes.dedup();
        let secret = random_token(32);
        let refresh = format!("Atzr|{}", random_token(48));
        let t = now();
        let client = ApiClient {
            id: acorn_domain::ids::new_id(),
            tenant_id: tenant,
            client_id: format!("acorn1.client.{}", Uuid::now_v7().simple()),
            name,
            scopes,
            created_at: t,
            disabled_at: None,
        };
        let (c, secret_ref, refresh_ref) = (&client, &secret, &refresh);
        self.mutate(ctx, |tx| async move {
            api_clients::insert(tx.c(), c, &sha256_hex(secret_ref)).await?;
            api_clients::insert_token(tx.c(), &sha256_hex(refresh_ref), c.id, TokenKind::Refresh, t + REFRESH_TOKEN_TTL, t).await?;
            Ok(((), Change::new(tenant, "api_client.created", "api_client", c.id).after(c)))
        })
        .await?;
        Ok(ClientCredentials {
            id: client.id,
            client_id: client.client_id,
            client_secret: secret,
            refresh_token: refresh,
            scopes: client.scopes.iter().map(|a| a.as_str().to_string()).collect(),
            vendor_id: tenant,
        })
    }

    /// API clients the principal may see, a page at a time.
    pub async fn list_clients(&self, ctx: &Ctx, cursor: Option<&str>, limit: Option<u64>) -> Result<Page<ApiClient>, ServiceError> {
        require(ctx, Area::Integrations, Access::Read)?;
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = api_clients::list(&self.db.conn, list_scope(ctx), after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |c| Cursor { created_at: c.created_at, id: c.id }))
    }

    pub async fn disable_client(&self, ctx: &Ctx, tenant: TenantId, id: Uuid) -> Result<(), ServiceError> {
        require_object(ctx, Area::Integrations, Access::Write, tenant, "API client")?;
        let client = api_clients::get(&self.db.conn, tenant, id).await?.ok_or(ServiceError::NotFound("API client"))?;
        let c = &client;
        self.mutate(ctx, |tx| async move {
            api_clients::disable(tx.c(), c.id, now()).await?;
            Ok(((), Change::new(c.tenant_id, "api_client.disabled", "api_client", c.id).before(c)))
        })
        .await?;
        // After the commit, so that no lookup can re-cache a token it read before the commit.
        self.tokens.clear();
        Ok(())
    }

    /// Disables a client by its id, wherever it is visible to the principal.
    pub async fn disable_client_id(&self, ctx: &Ctx, id: Uuid) -> Result<(), ServiceError> {
        require(ctx, Area::Integrations, Access::Write)?;
        let client = api_clients::get_any(&self.db.conn, id).await?.ok_or(ServiceError::NotFound("API client"))?;
        self.disable_client(ctx, client.tenant_id, client.id).await
    }

    /// The token endpoint: checks the client and the grant and issues a one-hour access token.
    pub async fn grant_token(
        &self,
        ctx: &Ctx,
        grant_type: &str,
        client_id: Option<&str>,
        client_secret: Option<&str>,
        refresh_token: Option<&str>,
    ) -> Result<AccessToken, GrantError> {
        let internal = |_e: ServiceError| GrantError::InvalidRequest("the token service is unavailable; retry".into());
        if grant_type != "client_credentials" && grant_type != "refresh_token" {
            return Err(GrantError::UnsupportedGrantType(grant_type.to_string()));
        }
        let (Some(client_id), Some(secret)) = (client_id, client_secret) else {
            return Err(GrantError::InvalidRequest("client_id and client_secret are required".into()));
        };
        let found = api_clients::get_by_client_id(&self.db.conn, client_id).await.map_err(|e| internal(e.into()))?;
        let Some((client, secret_hash)) = found else {
            return Err(GrantError::InvalidClient);
        };
        if client.disabled_at.is_some() || sha256_hex(secret) != secret_hash {
            return Err(GrantError::InvalidClient);
        }
        let t = now();
        if grant_type == "refresh_token" {
            let rt = refresh_token.ok_or_else(|| GrantError::InvalidRequest("refresh_token is required".into()))?;
            let holder = api_clients::client_of_token(&self.db.conn, &sha256_hex(rt), TokenKind::Refresh, t).await.map_err(|e| internal(e.into()))?;
            if holder.map(|(h, _)| h.id) != Some(client.id) {
                return Err(GrantError::InvalidGrant);
            }
        }
        let token = format!("Atza|{}", random_token(48));
        let actor = Ctx { principal: Principal::Client(client.clone()), ..ctx.clone() };
        let (c, tok) = (&client, &token);
        self.mutate(&actor, |tx| async move {
            api_clients::insert_token(tx.c(), &sha256_hex(tok), c.id, TokenKind::Access, t + ACCESS_TOKEN_TTL, t).await?;
            Ok(((), Change::new(c.tenant_id, "api_token.issued", "api_client", c.id)))
        })
        .await
        .map_err(internal)?;
        Ok(AccessToken { access_token: token, token_type: "bearer", expires_in: ACCESS_TOKEN_TTL.num_seconds() })
    }

    /// The client behind a bearer access token, if it is live.
    /// Answered from [`crate::token_cache`] when the token was checked in the last few seconds.
    pub async fn client_for_token(&self, token: &str) -> Result<Option<ApiClient>, ServiceError> {
        let (hash, t) = (sha256_hex(token), now());
        if let Some(client) = self.tokens.get(&hash, t) {
            return Ok(Some(client));
        }
        let generation = self.tokens.generation();
        let Some((client, expires_at)) = api_clients::client_of_token(&self.db.conn, &hash, TokenKind::Access, t).await? else {
            return Ok(None);
        };
        self.tokens.insert(generation, hash, client.clone(), expires_at);
        Ok(Some(client))
    }
}
