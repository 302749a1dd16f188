//! Idempotency keys for the native API: scoped to tenant + principal + route, kept 24 h. The web
//! layer claims a key before running the handler, passes the claim in the [`Ctx`] so that
//! [`Services::mutate`] marks it executed inside the mutation's transaction, and stores the
//! response after.

use crate::crypto::sha256_hex;
use crate::{Ctx, ServiceError, Services, now};
use acorn_store::repo::idempotency;
pub use acorn_store::repo::idempotency::Claim;
use chrono::Duration;

/// How long a key is remembered.
pub const KEEP: Duration = Duration::hours(24);

/// A request's hold on an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyClaim {
    pub key_hash: String,
    pub claim_id: String,
}

/// The stored key: a hash of everything that scopes it, so keys of different clients never meet.
pub fn scoped_key(ctx: &Ctx, route: &str, key: &str) -> String {
    sha256_hex(&format!("{}\n{}\n{}\n{}", ctx.principal.tenant(), ctx.principal.actor(), route, key))
}

impl Services {
    /// Claims a key for a new request; on `Execute` the returned claim goes into the request's `Ctx`.
    pub async fn claim_idempotency(&self, scoped: &str, body_hash: &str) -> Result<(Claim, KeyClaim), ServiceError> {
        let t = now();
        let claim = KeyClaim { key_hash: scoped.to_string(), claim_id: crate::crypto::random_token(12) };
        let takeover = Duration::seconds(self.config.idempotency_takeover_secs as i64);
        let outcome = idempotency::claim(&self.db.conn, scoped, body_hash, &claim.claim_id, t, t + KEEP, takeover).await?;
        Ok((outcome, claim))
    }

    pub async fn complete_idempotency(&self, claim: &KeyClaim, status: u16, body: &str) -> Result<(), ServiceError> {
        Ok(idempotency::complete(&self.db.conn, &claim.key_hash, &claim.claim_id, status, body).await?)
    }

    pub async fn release_idempotency(&self, claim: &KeyClaim) -> Result<(), ServiceError> {
        Ok(idempotency::release(&self.db.conn, &claim.key_hash, &claim.claim_id).await?)
    }

    /// At start-up of a single-process (SQLite) server: forget claims of requests that died with
    /// the previous process before committing anything, so their retries run at once.
    pub async fn release_stale_idempotency_claims(&self) -> Result<u64, ServiceError> {
        Ok(idempotency::release_unexecuted(&self.db.conn).await?)
    }
}
