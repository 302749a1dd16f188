//! Shared helpers for the end-to-end tests of the `acorn` binary.
//!
//! Every test gets its own temporary data directory and database: SQLite in the data directory (the
//! default URL) unless `TEST_DATABASE_URL` names a PostgreSQL server, in which case a fresh database
//! `acorn_t_<uuid>` is created on it (the naming of `acorn-testkit`, whose template set-up drops
//! leftovers of killed runs) and dropped again when the test ends.

#![allow(dead_code)]

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_acorn");

/// The PostgreSQL server of this run, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres"))
}

/// `url` with its database (path) replaced by `db`.
pub fn with_db(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

/// Creates a new empty PostgreSQL database on `server`; returns its name.
pub async fn create_pg_database(server: &str) -> String {
    // The creating process's id is in the name, so other test processes' clean-up spares it.
    let name = format!("acorn_t_{}_{}", std::process::id(), uuid::Uuid::now_v7().simple());
    let admin = Database::connect(with_db(server, "postgres")).await.expect("connect to PostgreSQL (TEST_DATABASE_URL)");
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("CREATE DATABASE");
    admin.close().await.ok();
    name
}

/// Drops a PostgreSQL database (from a plain thread, so it works in `Drop`).
pub fn drop_pg_database(server: &str, name: &str) {
    let (server, name) = (server.to_string(), name.to_string());
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            if let Ok(admin) = Database::connect(with_db(&server, "postgres")).await {
                let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                let _ = admin.close().await;
            }
        });
    })
    .join();
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// The result of one `acorn` run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Run {
        Run { code: o.status.code(), stdout: String::from_utf8_lossy(&o.stdout).into_owned(), stderr: String::from_utf8_lossy(&o.stderr).into_owned() }
    }

    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// A command for the binary with no `ACORN_*` variables inherited from the test's environment.
pub fn acorn_command() -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("ACORN_") {
            c.env_remove(k);
        }
    }
    // Quiet logs: only problems.
    c.env("ACORN_LOG", "warn");
    c.stdin(Stdio::null());
    c
}

/// Runs the binary with exactly `args` (no data dir or database added).
pub fn run_raw(args: &[&str]) -> Run {
    Run::from(acorn_command().args(args).output().expect("run acorn"))
}

static SERVE_N: AtomicUsize = AtomicUsize::new(0);

/// One test's data directory and database.
pub struct TestEnv {
    /// Holds `data/` and the servers' log files.
    pub root: tempfile::TempDir,
    /// `Some(url)` on PostgreSQL; `None` on SQLite (the default URL inside the data directory).
    pub database_url: Option<String>,
    pg: Option<(String, String)>,
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.pg {
            drop_pg_database(server, name);
        }
    }
}

impl TestEnv {
    /// A fresh, empty data directory and database (not yet migrated).
    pub async fn new() -> TestEnv {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(root.path().join("data")).expect("data dir");
        match postgres_server() {
            Some(server) => {
                let name = create_pg_database(&server).await;
                TestEnv { root, database_url: Some(with_db(&server, &name)), pg: Some((server, name)) }
            }
            None => TestEnv { root, database_url: None, pg: None },
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    pub fn anchors_file(&self) -> PathBuf {
        self.data_dir().join("audit-anchors.jsonl")
    }

    /// `--data-dir` and, on PostgreSQL, `--database-url`.
    pub fn db_args(&self) -> Vec<String> {
        let mut a = vec!["--data-dir".to_string(), self.data_dir().display().to_string()];
        if let Some(u) = &self.database_url {
            a.push("--database-url".into());
            a.push(u.clone());
        }
        a
    }

    /// The command for `args` against this environment's data directory and database.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = acorn_command();
        c.args(args).args(self.db_args());
        c
    }

    /// Runs `acorn ARGS --data-dir … [--database-url …]`.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run acorn"))
    }

    /// Runs and insists on success; returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert!(r.success(), "`acorn {}` failed ({:?})\nstdout:\n{}\nstderr:\n{}", args.join(" "), r.code, r.stdout, r.stderr);
        r.stdout
    }

    /// Runs and insists on exit code 1 with a message on stderr; returns the run.
    #[track_caller]
    pub fn fails(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, Some(1), "`acorn {}` should fail with exit code 1\nstdout:\n{}\nstderr:\n{}", args.join(" "), r.stdout, r.stderr);
        assert!(!r.stderr.trim().is_empty(), "`acorn {}` failed without saying why on stderr", args.join(" "));
        r
    }

    /// `acorn vendor list`, one entry per line.
    pub fn vendor_lines(&self) -> Vec<String> {
        self.ok(&["vendor", "list"]).lines().map(str::to_string).collect()
    }

    /// Creates a vendor through the CLI; returns its id.
    #[track_caller]
    pub fn vendor(&self, name: &str, code: &str) -> String {
        let out = self.ok(&["vendor", "create", "--name", name, "--country", "US", "--vendor-code", code]);
        let id = out.trim().to_string();
        uuid::Uuid::parse_str(&id).unwrap_or_else(|_| panic!("`vendor create` should print the vendor id, printed {out:?}"));
        id
    }

    /// Creates an API client through the CLI; returns the printed credentials.
    #[track_caller]
    pub fn client(&self, vendor_code: &str, scopes: &str) -> serde_json::Value {
        let out = self.ok(&["client", "create", "--vendor-code", vendor_code, "--name", "test client", "--scopes", scopes]);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("`client create` should print JSON ({e}): {out}"))
    }

    /// A plain connection to the database (triggers and all), for checks and tampering.
    pub async fn connect(&self) -> DatabaseConnection {
        let url = match &self.database_url {
            Some(u) => u.clone(),
            None => format!("sqlite://{}?mode=rw", self.data_dir().join("acorn.db").display()),
        };
        Database::connect(url).await.expect("connect to the test database")
    }

    /// Starts `acorn serve --listen 127.0.0.1:<free port>` and waits for `/healthz`.
    pub async fn serve(&self, envs: &[(&str, &str)]) -> Server {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        self.serve_with(&["serve", "--listen", &listen], envs, port).await
    }

    /// Starts the binary with `args` (plus the data dir/database) and `envs`, and waits until
    /// `/healthz` answers on `port`.
    pub async fn serve_with(&self, args: &[&str], envs: &[(&str, &str)], port: u16) -> Server {
        let n = SERVE_N.fetch_add(1, Ordering::Relaxed);
        let out = self.root.path().join(format!("serve-{n}.out"));
        let err = self.root.path().join(format!("serve-{n}.err"));
        let mut c = self.command(args);
        c.env("ACORN_LOG", "info");
        for (k, v) in envs {
            c.env(k, v);
        }
        c.stdout(std::fs::File::create(&out).expect("log file")).stderr(std::fs::File::create(&err).expect("log file"));
        let child = c.spawn().expect("spawn acorn serve");
        let mut s = Server { child: Some(child), port, base: format!("http://127.0.0.1:{port}"), stdout: out, stderr: err };
        s.wait_ready(Duration::from_secs(30)).await;
        s
    }
}

/// A running `acorn serve`, killed when dropped.
pub struct Server {
    child: Option<Child>,
    pub port: u16,
    pub base: String,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    pub fn logs(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            std::fs::read_to_string(&self.stdout).unwrap_or_default(),
            std::fs::read_to_string(&self.stderr).unwrap_or_default()
        )
    }

    async fn wait_ready(&mut self, timeout: Duration) {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().expect("client");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.as_mut().expect("child").try_wait().expect("try_wait") {
                panic!("acorn serve exited early ({status}) before answering /healthz\n{}", self.logs());
            }
            if let Ok(r) = client.get(self.url("/healthz")).send().await
                && r.status().is_success()
            {
                return;
            }
            if Instant::now() > deadline {
                panic!("acorn serve did not answer /healthz on port {} within {timeout:?}\n{}", self.port, self.logs());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL, and reap.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("SIGKILL the server");
            c.wait().expect("reap the server");
        }
    }

    /// SIGTERM (graceful shutdown); waits for the exit and insists it was clean.
    pub async fn terminate(&mut self) {
        let mut c = self.child.take().expect("server running");
        let st = Command::new("kill").args(["-TERM", &c.id().to_string()]).status().expect("run kill -TERM");
        assert!(st.success(), "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = c.try_wait().expect("try_wait") {
                assert!(status.success(), "acorn serve should exit cleanly on SIGTERM, got {status}\n{}", self.logs());
                return;
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                let _ = c.wait();
                panic!("acorn serve did not stop within 30 s of SIGTERM\n{}", self.logs());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// An HTTP client that does not follow redirects.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(30)).build().expect("http client")
}

/// An access token for API client credentials (`client_credentials` grant).
pub async fn token(server: &Server, creds: &serde_json::Value) -> String {
    let res = http()
        .post(server.url("/auth/o2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", creds["client_id"].as_str().expect("client_id")),
            ("client_secret", creds["client_secret"].as_str().expect("client_secret")),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(res.status(), 200, "token grant failed");
    let v: serde_json::Value = res.json().await.expect("token json");
    v["access_token"].as_str().expect("access_token").to_string()
}

/// Executes SQL that must succeed.
pub async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("`{sql}` failed: {e}"));
}

/// A statement with `?`-style placeholders rewritten to `$n` on PostgreSQL.
pub fn stmt(db: &DatabaseConnection, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::new();
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push_str(&format!("${n}"));
            } else {
                out.push(ch);
            }
        }
        out
    } else {
        sql.to_string()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Parses `audit export` output: (records, anchors).
pub fn parse_export(text: &str) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let mut records = Vec::new();
    let mut anchors = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("export line is not JSON ({e}): {line}"));
        match v["type"].as_str() {
            Some("record") => records.push(v),
            Some("anchor") => anchors.push(v),
            other => panic!("export line of unknown type {other:?}: {line}"),
        }
    }
    (records, anchors)
}

pub fn path_str(p: &Path) -> String {
    p.display().to_string()
}
