//! Connecting to the database. The URL picks the backend: `sqlite:` for the embedded default,
//! `postgres:`/`postgresql:` for a shared server.
//!
//! SQLite runs in WAL mode with `synchronous=FULL`: a commit is on disk before we answer 2xx. The
//! connection refuses to open when the engine reports anything weaker, so a misconfiguration can never
//! silently lose acknowledged writes.

use crate::error::StoreError;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement};
use std::time::Duration;

/// Which engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::corrupt(format!("unsupported database URL `{}`: use sqlite://PATH or postgres://USER@HOST/DB", redact_url(url))))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Connection tuning.
#[derive(Clone, Debug)]
pub struct DbOptions {
    pub max_connections: u32,
    /// How long a SQLite connection waits for the write lock before reporting busy.
    pub busy_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions { max_connections: 16, busy_timeout: Duration::from_secs(5) }
    }
}

/// The shared connection pool and the backend it runs on.
#[derive(Clone, Debug)]
pub struct Db {
    pub conn: DatabaseConnection,
    pub backend: Backend,
}

/// The URL without its password, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

impl Db {
    /// Opens the pool. For SQLite the file is created when missing.
    pub async fn connect(url: &str, opts: &DbOptions) -> Result<Db, StoreError> {
        let backend = Backend::from_url(url)?;
        let mut co = ConnectOptions::new(url.to_string());
        co.max_connections(opts.max_connections).min_connections(1).acquire_timeout(Duration::from_secs(10)).sqlx_logging(false);
        // A pooled connection is pinged before use only when it sat idle a while: a local SQLite
        // file cannot go stale at all, and a PostgreSQL connection that was just used is alive —
        // pinging on every acquire doubled the round trips of short requests (docs/perf.md).
        match backend {
            Backend::Sqlite => co.test_before_acquire(false),
            Backend::Postgres => co.test_before_acquire_if_idle_for(Duration::from_secs(30)),
        };
        if backend == Backend::Sqlite {
            let busy = opts.busy_timeout;
            co.map_sqlx_sqlite_opts(move |o| {
                o.create_if_missing(true).journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Full).foreign_keys(true).busy_timeout(busy)
            });
        }
        let conn = Database::connect(co).await?;
        let db = Db { conn, backend };
        if backend == Backend::Sqlite {
            db.check_sqlite_durability().await?;
        }
        Ok(db)
    }

    /// Refuses a SQLite connection that is not in WAL mode with `synchronous=FULL` (or EXTRA).
    pub async fn check_sqlite_durability(&self) -> Result<(), StoreError> {
        let journal = self.pragma("journal_mode").await?;
        let sync = self.pragma("synchronous").await?;
        // synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
        let sync_level: i64 = sync.parse().unwrap_or(0);
        if !journal.eq_ignore_ascii_case("wal") || sync_level < 2 {
            return Err(StoreError::corrupt(format!(
                "SQLite must run with journal_mode=WAL and synchronous=FULL, but reports journal_mode={journal}, \
                 synchronous={sync}; refusing to start because acknowledged writes could be lost"
            )));
        }
        Ok(())
    }

    async fn pragma(&self, name: &str) -> Result<String, DbErr> {
        let row = self
            .conn
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}")))
            .await?
            .ok_or_else(|| DbErr::Custom(format!("PRAGMA {name} returned nothing")))?;
        row.try_get_by_index::<String>(0).or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
    }

    /// Cheap liveness probe used by `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.conn.ping().await?;
        Ok(())
    }

    pub fn db_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Online, consistent copy of a SQLite database into `path` (`VACUUM INTO`).
    pub async fn sqlite_backup(&self, path: &std::path::Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::corrupt("VACUUM INTO is a SQLite feature"));
        }
        let target = path.to_string_lossy().replace('\'', "''");
        self.conn.execute_unprepared(&format!("VACUUM INTO '{target}'")).await?;
        Ok(())
    }

    /// Closes the pool, checkpointing SQLite's WAL on the way out.
    pub async fn close(self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            let _ = self.conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await;
        }
        self.conn.close().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Database;

    #[tokio::test]
    async fn sqlite_opens_in_wal_with_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("a.db").display());
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
        assert_eq!(db.pragma("journal_mode").await.unwrap().to_lowercase(), "wal");
        assert_eq!(db.pragma("synchronous").await.unwrap(), "2");
    }

    #[tokio::test]
    async fn a_weaker_sqlite_setting_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("b.db").display());
        // A connection opened without ACORN's settings: rollback journal, synchronous=NORMAL.
        let conn = Database::connect(url.as_str()).await.unwrap();
        conn.execute_unprepared("PRAGMA synchronous=NORMAL").await.unwrap();
        let db = Db { conn, backend: Backend::Sqlite };
        let err = db.check_sqlite_durability().await.unwrap_err().to_string();
        assert!(err.contains("refusing to start"), "{err}");
    }

    #[test]
    fn urls_pick_the_backend_and_passwords_are_redacted() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert!(Backend::from_url("mysql://u@h/db").is_err());
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
