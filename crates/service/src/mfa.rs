//! TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps) and recovery codes.

use crate::crypto::{random_token, sha256_hex};
use crate::error::ServiceError;
use totp_rs::{Builder, Secret, Totp};

pub const ISSUER: &str = "ACORN";
pub const STEP_SECS: u64 = 30;
pub const RECOVERY_CODES: usize = 10;

/// A fresh random secret, base32 as authenticator apps expect.
pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

fn totp(secret_b32: &str, account: &str) -> Result<Totp, ServiceError> {
    let secret = Secret::try_from_base32(secret_b32).map_err(ServiceError::internal)?;
    Builder::new().with_secret(secret).with_account_name(account).with_issuer(Some(ISSUER)).build().map_err(ServiceError::internal)
}

/// The `otpauth://` URL the QR code encodes.
pub fn otpauth_url(secret_b32: &str, account: &str) -> Result<String, ServiceError> {
    totp(secret_b32, account)?.to_url().map_err(ServiceError::internal)
}

/// The code for a Unix time (tests and the demo use it to act like an authenticator app).
pub fn code_at(secret_b32: &str, unix: u64) -> Result<String, ServiceError> {
    Ok(totp(secret_b32, "x")?.generate(unix).to_string())
}

/// The time step whose code matches `code`, allowing one step of clock drift either way.
pub fn matching_step(secret_b32: &str, code: &str, unix: u64) -> Result<Option<i64>, ServiceError> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret_b32, "x")?;
    let step = unix / STEP_SECS;
    for s in [step.saturating_sub(1), step, step + 1] {
        let expected = t.generate(s * STEP_SECS).to_string();
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) {
            return Ok(Some(s as i64));
        }
    }
    Ok(None)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An SVG QR code of `text`, drawn server-side (no JavaScript, no image crate).
pub fn qr_svg(text: &str) -> Result<String, ServiceError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(ServiceError::internal)?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// New recovery codes: the plaintexts to show once, and the hashes to store.
pub fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let plain: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let t: String = random_token(8).chars().filter(|c| c.is_ascii_alphanumeric()).take(10).collect::<String>().to_lowercase();
            format!("{}-{}", &t[..5.min(t.len())], &t[5.min(t.len())..])
        })
        .collect();
    let hashes = plain.iter().map(|p| hash_recovery(p)).collect();
    (plain, hashes)
}

/// Recovery codes are compared case- and dash-insensitively.
pub fn hash_recovery(code: &str) -> String {
    let norm: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_lowercase();
    sha256_hex(&norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 Appendix B, SHA-1 secret "12345678901234567890", T = 59 → 94287082 (8 digits);
        // its last six digits are the 6-digit code.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109).unwrap(), "081804");
    }

    #[test]
    fn codes_match_within_one_step_only() {
        let s = new_secret();
        let now = 1_800_000_000;
        let code = code_at(&s, now).unwrap();
        assert_eq!(matching_step(&s, &code, now).unwrap(), Some((now / 30) as i64));
        assert!(matching_step(&s, &code, now + 30).unwrap().is_some());
        assert!(matching_step(&s, &code, now + 120).unwrap().is_none());
        assert!(matching_step(&s, "12345", now).unwrap().is_none());
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_normalised() {
        let (plain, hashes) = new_recovery_codes();
        assert_eq!(plain.len(), 10);
        let set: std::collections::HashSet<_> = hashes.iter().collect();
        assert_eq!(set.len(), 10);
        assert_eq!(hash_recovery(&plain[0].to_uppercase().replace('-', "")), hashes[0]);
    }
}
