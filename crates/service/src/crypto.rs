//! Secrets: random tokens, their SHA-256 fingerprints (what we store), and argon2id password hashing
//! run on the blocking pool so it never stalls the async workers.

use crate::error::ServiceError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A URL-safe random token with `bytes` bytes of entropy.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Hex SHA-256: how high-entropy tokens (sessions, links, API tokens) are stored.
pub fn sha256_hex(s: &str) -> String {
    sha256_hex_bytes(s.as_bytes())
}

/// Hex SHA-256 of bytes: content hashes of documents and EDI interchanges.
pub fn sha256_hex_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn argon2(m_kib: u32, t: u32) -> Result<Argon2<'static>, ServiceError> {
    let params = Params::new(m_kib.max(19456), t.max(2), 1, None).map_err(ServiceError::internal)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password with argon2id (m ≥ 19456 KiB, t ≥ 2, p = 1), off the async threads.
pub async fn hash_password(password: String, m_kib: u32, t: u32) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2(m_kib, t)?.hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(ServiceError::internal)
    })
    .await
    .map_err(ServiceError::internal)?
}

/// A fixed hash verified when the account does not exist, so that an unknown e-mail costs the same
/// time as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0bDdXPuRXs7l8q4VrOQXQ6mQdOmUOPqZPZ5e3Gx0Wg0";

/// Verifies a password against a stored hash (or the dummy hash when `hash` is `None`).
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let stored = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return Ok(false);
        };
        // Parameters come from the stored hash, so older hashes keep verifying after a cost change.
        let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(ok && known)
    })
    .await
    .map_err(ServiceError::internal)?
}

/// Password rules: length is what matters (NIST SP 800-63B); no composition rules.
pub fn check_password(password: &str) -> Result<(), ServiceError> {
    let n = password.chars().count();
    if n < 10 {
        return Err(ServiceError::invalid("password", "must be at least 10 characters long"));
    }
    if n > 128 {
        return Err(ServiceError::invalid("password", "must be at most 128 characters long"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_verifies_and_wrong_password_does_not() {
        let h = hash_password("correct horse battery".into(), 19456, 2).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery".into(), Some(h.clone())).await.unwrap());
        assert!(!verify_password("wrong horse battery".into(), Some(h)).await.unwrap());
        assert!(!verify_password("anything at all".into(), None).await.unwrap());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough pass").is_ok());
    }

    #[test]
    fn tokens_are_random_and_hash_stably() {
        assert_ne!(random_token(32), random_token(32));
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
