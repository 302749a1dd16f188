//! Live access tokens, remembered for a few seconds so that an API call costs one query (its own)
//! instead of two. Every API request starts by looking up its bearer token; at hundreds of requests a
//! second from one integration that lookup is a second round trip per request to the database for an
//! answer that changes only when the client is disabled or the token expires.
//!
//! What is cached is the result of the database check (the client, and when the token expires), keyed
//! by the token's SHA-256 fingerprint, never the token itself. Expiry is checked again on every hit.
//! Disabling a client on this instance forgets every cached token at once; another instance behind the
//! same database keeps honouring a revoked token for at most [`TOKEN_CACHE_TTL`].

use acorn_domain::people::ApiClient;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long a token check is trusted without asking the database again.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(10);
/// Tokens remembered at most (a few hundred bytes each).
const CAPACITY: u64 = 50_000;

/// A bounded map from token fingerprint to the client and the token's expiry.
#[derive(Clone)]
pub struct TokenCache {
    inner: moka::sync::Cache<String, (ApiClient, DateTime<Utc>)>,
    /// Bumped by every [`TokenCache::clear`]; a lookup that started before a clear does not insert.
    generation: Arc<AtomicU64>,
}

impl TokenCache {
    pub fn new() -> TokenCache {
        TokenCache { inner: moka::sync::Cache::builder().max_capacity(CAPACITY).time_to_live(TOKEN_CACHE_TTL).build(), generation: Arc::new(AtomicU64::new(0)) }
    }

    /// Taken before reading the database; passed back to [`TokenCache::insert`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The client of a cached token that has not expired by `now`.
    pub fn get(&self, token_hash: &str, now: DateTime<Utc>) -> Option<ApiClient> {
        let (client, expires_at) = self.inner.get(token_hash)?;
        if expires_at > now {
            Some(client)
        } else {
            self.inner.invalidate(token_hash);
            None
        }
    }

    /// Remembers a token read from the database, unless the cache was cleared since `generation`
    /// was taken: the read may then predate the disabling that caused the clear.
    pub fn insert(&self, generation: u64, token_hash: String, client: ApiClient, expires_at: DateTime<Utc>) {
        if self.generation() == generation {
            self.inner.insert(token_hash, (client, expires_at));
        }
    }

    /// Forgets every token (after a client is disabled: rare, so no index by client is kept).
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.inner.invalidate_all();
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration as Span;

    fn client() -> ApiClient {
        ApiClient {
            id: uuid::Uuid::now_v7(),
            tenant_id: acorn_domain::ids::TenantId(uuid::Uuid::now_v7()),
            client_id: "c".into(),
            name: "n".into(),
            scopes: vec![],
            created_at: Utc::now(),
            disabled_at: None,
        }
    }

    #[test]
    fn a_cached_token_is_refused_once_it_expires_and_forgotten_on_clear_even_by_racing_reads() {
        let cache = TokenCache::new();
        let t = Utc::now();
        cache.insert(cache.generation(), "h".into(), client(), t + Span::seconds(5));
        assert!(cache.get("h", t).is_some());
        assert!(cache.get("h", t + Span::seconds(5)).is_none(), "expiry is checked on every hit");
        assert!(cache.get("h", t).is_none(), "an expired entry is dropped");
        cache.insert(cache.generation(), "h".into(), client(), t + Span::seconds(5));
        let before = cache.generation();
        cache.clear();
        assert!(cache.get("h", t).is_none());
        cache.insert(before, "h".into(), client(), t + Span::seconds(5));
        assert!(cache.get("h", t).is_none(), "a read from before the clear is not remembered");
        assert!(cache.get("other", t).is_none());
    }
}
