//! Configuration: defaults, then the TOML file (`<data-dir>/acorn.toml` unless `--config`), then
//! `ACORN_*` environment variables, then command-line flags.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Where the SQLite file, audit anchors and mail outbox live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: `<data-dir>/acorn.db`.
    pub database_url: Option<String>,
    /// Public URL used in e-mailed links; default `http://<listen>`.
    pub public_url: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub log_format: String,
    /// Pool size; default 4 on SQLite (each pooled SQLite connection is a thread: more than a few
    /// per core only adds switching, and writes are serialised anyway) and 16 on PostgreSQL
    /// (docs/perf.md measures both).
    pub db_max_connections: Option<u32>,
    pub rate_limit_per_second: u32,
    pub rate_limit_burst: u32,
    pub argon2_m_kib: u32,
    pub argon2_t: u32,
    /// Seconds before a retry may take over an idempotency key whose request neither committed nor
    /// answered (the claim guard makes a takeover safe; this only bounds wasted work vs. 409 time).
    pub idempotency_takeover_secs: u64,
    /// The retailer's paying account (debtor of the bank payment files): name, IBAN and BIC.
    pub payer_name: String,
    pub payer_iban: String,
    pub payer_bic: String,
}

impl Config {
    /// The pool size to use for `url` (see [`Config::db_max_connections`]).
    pub fn pool_size(&self, url: &str) -> u32 {
        self.db_max_connections.unwrap_or(if url.starts_with("sqlite:") { 4 } else { 16 })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./acorn-data"),
            database_url: None,
            public_url: None,
            smtp_url: None,
            mail_from: "ACORN <no-reply@acorn.invalid>".into(),
            log_format: "pretty".into(),
            db_max_connections: None,
            rate_limit_per_second: 10,
            rate_limit_burst: 20,
            argon2_m_kib: 19456,
            argon2_t: 2,
            idempotency_takeover_secs: 10,
            payer_name: acorn_service::DEFAULT_PAYER.0.into(),
            payer_iban: acorn_service::DEFAULT_PAYER.1.into(),
            payer_bic: acorn_service::DEFAULT_PAYER.2.into(),
        }
    }
}

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data_dir.join("acorn.db").display()))
    }

    pub fn base_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// Loads defaults ← file ← environment. The file is optional unless named explicitly.
    pub fn load(data_dir: Option<&Path>, config_file: Option<&Path>) -> anyhow::Result<Config> {
        let mut base = Config::default();
        if let Some(d) = data_dir {
            base.data_dir = d.to_path_buf();
        }
        let env_dir = std::env::var_os("ACORN_DATA_DIR").map(PathBuf::from);
        let dir = data_dir.map(Path::to_path_buf).or(env_dir).unwrap_or_else(|| base.data_dir.clone());
        let file = config_file.map(Path::to_path_buf).unwrap_or_else(|| dir.join("acorn.toml"));
        if config_file.is_some() && !file.exists() {
            anyhow::bail!("config file {} does not exist", file.display());
        }
        let mut cfg: Config = Figment::from(Serialized::defaults(base))
            .merge(Toml::file(&file))
            .merge(Env::prefixed("ACORN_"))
            .extract()
            .map_err(|e| anyhow::anyhow!("configuration ({}, ACORN_* variables): {e}", file.display()))?;
        if let Some(d) = data_dir {
            cfg.data_dir = d.to_path_buf();
        }
        if cfg.argon2_m_kib < 19456 || cfg.argon2_t < 2 {
            anyhow::bail!("argon2 cost below the minimum (m ≥ 19456 KiB, t ≥ 2)");
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod pool_tests {
    use super::Config;

    #[test]
    fn the_pool_defaults_by_backend_and_yields_to_configuration() {
        let mut c = Config::default();
        assert_eq!(c.pool_size("sqlite:///tmp/acorn.db?mode=rwc"), 4);
        assert_eq!(c.pool_size("postgres://postgres@127.0.0.1/acorn"), 16);
        c.db_max_connections = Some(9);
        assert_eq!(c.pool_size("sqlite:///tmp/acorn.db"), 9);
    }
}
