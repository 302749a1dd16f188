//! A fresh database per test, cloned from a migrated template so a test pays for a file copy
//! (SQLite) or `CREATE DATABASE … TEMPLATE` (PostgreSQL), not for the migrations.
//!
//! The backend is SQLite unless `TEST_DATABASE_URL` names a PostgreSQL server
//! (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); the same tests run on both.

use acorn_store::{Db, DbOptions};
use sea_orm::{ConnectionTrait, Database};
use std::path::{Path, PathBuf};
use tokio::sync::{Mutex, OnceCell};

/// A per-test database: its URL, and the temporary directory that holds it (SQLite) or the data
/// directory of the test's server (both).
pub struct TestDb {
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestDb {
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub async fn connect(&self) -> Db {
        Db::connect(&self.url, &DbOptions { max_connections: 8, ..Default::default() }).await.expect("connect to test database")
    }

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }
}

/// The PostgreSQL server URL of this run, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))
}

static SQLITE_TEMPLATE: OnceCell<(tempfile::TempDir, PathBuf)> = OnceCell::const_new();
static PG_TEMPLATE: OnceCell<String> = OnceCell::const_new();
// PostgreSQL refuses to copy a template that another CREATE DATABASE is copying at the same time.
static PG_CLONE: Mutex<()> = Mutex::const_new(());

fn with_db(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

async fn sqlite_template() -> &'static Path {
    let (_, path) = SQLITE_TEMPLATE
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("template.db");
            let db = Db::connect(&format!("sqlite://{}?mode=rwc", path.display()), &DbOptions::default()).await.expect("template db");
            acorn_store::migration::migrate(&db).await.expect("migrate template");
            db.close().await.expect("close template");
            (dir, path)
        })
        .await;
    path
}

async fn pg_template(server: &str) -> &'static str {
    PG_TEMPLATE
        .get_or_init(|| async {
            let name = format!("acorn_tpl_{}", std::process::id());
            let admin = Database::connect(with_db(server, "postgres")).await.expect("connect to PostgreSQL");
            // Leftovers of earlier runs (killed test processes) would pile up otherwise. Names carry
            // the creating process's id; databases of processes still running are left alone.
            let stale = admin
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT datname FROM pg_database WHERE datname LIKE 'acorn_t%'".to_string(),
                ))
                .await
                .expect("list databases");
            for row in stale {
                let db: String = row.try_get_by_index(0).expect("datname");
                if owner_alive(&db) {
                    continue;
                }
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)")).await;
            }
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create template");
            let db = Db::connect(&with_db(server, &name), &DbOptions::default()).await.expect("template db");
            acorn_store::migration::migrate(&db).await.expect("migrate template");
            db.close().await.expect("close template");
            admin.close().await.ok();
            name
        })
        .await
}

/// Whether the process that created a test database (`acorn_t_<pid>_…` / `acorn_tpl_<pid>`) is
/// still running. Names without a pid (older runs) count as abandoned.
fn owner_alive(db: &str) -> bool {
    let pid = db.trim_start_matches("acorn_tpl_").trim_start_matches("acorn_t_").split('_').next().unwrap_or_default();
    !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()) && std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// A new, migrated, empty database for one test.
pub async fn fresh() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    match postgres_url() {
        Some(server) => {
            let template = pg_template(&server).await;
            let name = format!("acorn_t_{}_{}", std::process::id(), uuid::Uuid::now_v7().simple());
            let _guard = PG_CLONE.lock().await;
            let admin = Database::connect(with_db(&server, "postgres")).await.expect("connect to PostgreSQL");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")).await.expect("clone template");
            admin.close().await.ok();
            TestDb { url: with_db(&server, &name), dir }
        }
        None => {
            let template = sqlite_template().await;
            let path = dir.path().join("acorn.db");
            std::fs::copy(template, &path).expect("copy template");
            TestDb { url: format!("sqlite://{}?mode=rwc", path.display()), dir }
        }
    }
}
