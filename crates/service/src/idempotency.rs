//! Idempotency keys for the native API: scoped to tenant + principal + route, kept 24 h. The web
//! layer claims a key before running the handler and stores the response after.

use crate::crypto::sha256_hex;
use crate::{Ctx, ServiceError, Services, now};
use acorn_store::repo::idempotency;
pub use acorn_store::repo::idempotency::Claim;
use chrono::Duration;

/// How long a key is remembered.
pub const KEEP: Duration = Duration::hours(24);

/// The stored key: a hash of everything that scopes it, so keys of different clients never meet.
pub fn scoped_key(ctx: &Ctx, route: &str, key: &str) -> String {
    sha256_hex(&format!(
        "{}\n{}\n{}\n{}",
        ctx.principal.tenant(),
        ctx.principal.actor(),
        route,
        key
    ))
}

impl Services {
    pub async fn claim_idempotency(
        &self,
        scoped: &str,
        body_hash: &str,
    ) -> Result<Claim, ServiceError> {
        let t = now();
        Ok(idempotency::claim(&self.db.conn, scoped, body_hash, t, t + KEEP).await?)
    }

    pub async fn complete_idempotency(
        &self,
        scoped: &str,
        status: u16,
        body: &str,
    ) -> Result<(), ServiceError> {
        Ok(idempotency::complete(&self.db.conn, scoped, status, body).await?)
    }

    pub async fn release_idempotency(&self, scoped: &str) -> Result<(), ServiceError> {
        Ok(idempotency::release(&self.db.conn, scoped).await?)
    }
}
