//! `acorn backup`: an online, consistent SQLite copy that restores to the same data and a verifiable
//! audit trail; on PostgreSQL, pg_dump guidance (and, when pg_dump is installed, a real dump/restore).

mod common;

use common::*;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use std::path::Path;

/// Creates data through the CLI and the API while a server runs; returns (server, vendor id).
async fn data_with_server(env: &TestEnv) -> Server {
    env.ok(&["migrate"]);
    env.vendor("Acme Housewares", "ACME1");
    env.vendor("Nordic Outdoor", "NORD1");
    env.ok(&[
        "dc",
        "create",
        "--code",
        "ABE2",
        "--name",
        "Allentown DC",
        "--address",
        "1 Way",
        "--city",
        "Breinigsville",
        "--postal-code",
        "18031",
        "--country",
        "US",
        "--time-zone",
        "America/New_York",
    ]);
    env.ok(&["user", "create", "--email", "pat@acme.example", "--name", "Pat", "--roles", "vendor_admin", "--vendor-code", "ACME1"]);
    let creds = env.client("ACME1", "integrations");
    let server = env.serve(&[]).await;
    let t = token(&server, &creds).await;
    for i in 0..5 {
        let res = http()
            .post(server.url("/api/v1/api-clients"))
            .bearer_auth(&t)
            .header("Idempotency-Key", format!("backup-{i}"))
            .json(&serde_json::json!({"name": format!("client {i}")}))
            .send()
            .await
            .expect("create client");
        assert_eq!(res.status(), 201);
    }
    server
}

fn copy_anchors(env: &TestEnv, to: &Path) {
    std::fs::create_dir_all(to).expect("restore dir");
    std::fs::copy(env.anchors_file(), to.join("audit-anchors.jsonl")).expect("copy the anchors file");
}

#[tokio::test]
async fn sqlite_backup_is_consistent_and_restores() {
    let env = TestEnv::new().await;
    if env.is_postgres() {
        eprintln!("PostgreSQL run: the SQLite backup test runs without TEST_DATABASE_URL; see postgres_backup_prints_pg_dump_guidance");
        return;
    }
    let mut server = data_with_server(&env).await;
    let target = env.root.path().join("backup.db");

    // Online: taken while the server runs.
    let out = env.ok(&["backup", "--to", &path_str(&target)]);
    assert!(out.contains(&path_str(&target)), "{out}");
    assert!(out.contains("audit-anchors.jsonl"), "the output reminds to copy the anchors: {out}");
    assert!(target.exists());
    let size = std::fs::metadata(&target).expect("backup file").len();
    assert!(size > 0);

    // The target must not exist: a second backup to it is refused and leaves it alone.
    let r = env.fails(&["backup", "--to", &path_str(&target)]);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert_eq!(std::fs::metadata(&target).expect("backup file").len(), size);

    // A graceful stop anchors every chain; nothing was written since the backup.
    server.terminate().await;
    let original_vendors = env.vendor_lines();
    let original_dcs = env.ok(&["dc", "list"]);
    let original_records = parse_export(&env.ok(&["audit", "export"])).0;
    assert_eq!(original_vendors.len(), 2);

    // The copy is a sound database.
    let db = Database::connect(format!("sqlite://{}?mode=ro", target.display())).await.expect("open the backup");
    let row = db.query_one_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check".to_string())).await.expect("integrity_check").expect("a row");
    let verdict: String = row.try_get_by_index(0).expect("text");
    assert_eq!(verdict, "ok");
    db.close().await.ok();

    // Restore: the backup file with a copy of the anchors verifies and holds the same data.
    let restored = env.root.path().join("restored");
    copy_anchors(&env, &restored);
    let url = format!("sqlite://{}", target.display());
    let rargs = |args: &[&str]| -> Vec<String> {
        args.iter().map(|s| s.to_string()).chain(["--database-url".into(), url.clone(), "--data-dir".into(), path_str(&restored)]).collect()
    };
    let run = |args: &[&str]| -> Run {
        let a = rargs(args);
        let o = acorn_command().args(&a).output().expect("run acorn");
        Run { code: o.status.code(), stdout: String::from_utf8_lossy(&o.stdout).into(), stderr: String::from_utf8_lossy(&o.stderr).into() }
    };
    let v = run(&["audit", "verify"]);
    assert!(v.success() && v.stdout.contains("verified"), "the restored audit trail verifies against the anchors\n{}{}", v.stdout, v.stderr);
    assert!(v.stdout.contains("anchored through"), "{}", v.stdout);
    let l = run(&["vendor", "list"]);
    assert!(l.success(), "{}", l.stderr);
    assert_eq!(l.stdout.lines().map(str::to_string).collect::<Vec<_>>(), original_vendors, "the restored vendors equal the original");
    assert_eq!(run(&["dc", "list"]).stdout, original_dcs);
    assert_eq!(parse_export(&run(&["audit", "export"]).stdout).0, original_records, "every audit record survived");
    assert!(!restored.join("acorn.db").exists(), "the restore used the backup file, not a new default database");

    // The restored copy is a working database: the server starts on it.
    let p = free_port();
    let listen = format!("127.0.0.1:{p}");
    let mut c = acorn_command();
    let args = rargs(&["serve", "--listen", &listen]);
    c.args(&args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    let mut child = KillOnDrop(c.spawn().expect("serve the restore"));
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if client.get(format!("http://{listen}/api/v1/vendors")).send().await.is_ok_and(|r| r.status() == 401) {
            break;
        }
        assert!(child.0.try_wait().expect("try_wait").is_none(), "serve on the restored backup exited");
        assert!(std::time::Instant::now() < deadline, "serve on the restored backup did not come up");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn pg_tool(name: &str) -> bool {
    std::process::Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn postgres_backup_prints_pg_dump_guidance() {
    let env = TestEnv::new().await;
    if !env.is_postgres() {
        eprintln!("SQLite run: the PostgreSQL backup test needs TEST_DATABASE_URL");
        return;
    }
    let mut server = data_with_server(&env).await;
    let target = env.root.path().join("acorn.dump");
    let out = env.ok(&["backup", "--to", &path_str(&target)]);
    assert!(out.contains("pg_dump"), "{out}");
    assert!(out.contains(&path_str(&target)), "the guidance names the target file: {out}");
    assert!(out.contains("pg_restore"), "{out}");
    assert!(!target.exists(), "acorn itself does not write a PostgreSQL backup");
    server.terminate().await;

    if !(pg_tool("pg_dump") && pg_tool("pg_restore")) {
        eprintln!("pg_dump/pg_restore not on PATH: skipping the dump and restore");
        return;
    }
    let original_vendors = env.vendor_lines();
    let original_records = parse_export(&env.ok(&["audit", "export"])).0;
    let url = env.database_url.clone().expect("postgres url");
    let st = std::process::Command::new("pg_dump").args(["--format=custom", &format!("--file={}", target.display()), &url]).status().expect("pg_dump");
    assert!(st.success(), "pg_dump failed");

    let server_url = postgres_server().expect("server");
    let name = create_pg_database(&server_url).await;
    let _drop = DropDb(server_url.clone(), name.clone());
    let new_url = with_db(&server_url, &name);
    let o = std::process::Command::new("pg_restore").args(["--no-owner", &format!("--dbname={new_url}"), &path_str(&target)]).output().expect("pg_restore");
    assert!(o.status.success(), "pg_restore failed: {}", String::from_utf8_lossy(&o.stderr));

    let restored = env.root.path().join("restored");
    copy_anchors(&env, &restored);
    let run = |args: &[&str]| -> Run {
        let o = acorn_command().args(args).args(["--database-url", &new_url, "--data-dir", &path_str(&restored)]).output().expect("run acorn");
        Run { code: o.status.code(), stdout: String::from_utf8_lossy(&o.stdout).into(), stderr: String::from_utf8_lossy(&o.stderr).into() }
    };
    let v = run(&["audit", "verify"]);
    assert!(v.success() && v.stdout.contains("verified"), "the restored audit trail verifies\n{}{}", v.stdout, v.stderr);
    let l = run(&["vendor", "list"]);
    assert_eq!(l.stdout.lines().map(str::to_string).collect::<Vec<_>>(), original_vendors);
    assert_eq!(parse_export(&run(&["audit", "export"]).stdout).0, original_records);

    // The append-only triggers came along with the restore.
    let db = Database::connect(new_url.clone()).await.expect("connect restore");
    assert!(db.execute_unprepared("DELETE FROM audit_log").await.is_err(), "the restored audit_log is still append-only");
    db.close().await.ok();
}

struct DropDb(String, String);

impl Drop for DropDb {
    fn drop(&mut self) {
        drop_pg_database(&self.0, &self.1);
    }
}
