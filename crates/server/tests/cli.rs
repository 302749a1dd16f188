//! End-to-end tests of the `acorn` command line: every command runs the real binary against a fresh
//! data directory and database (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).

mod common;

use common::*;
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------
// Help
// ---------------------------------------------------------------------------------------------

#[track_caller]
fn help_mentions(args: &[&str], words: &[&str]) {
    let mut a = args.to_vec();
    a.push("--help");
    let r = run_raw(&a);
    assert!(r.success(), "`acorn {}` should exit 0, got {:?}\n{}{}", a.join(" "), r.code, r.stdout, r.stderr);
    for w in words {
        assert!(r.stdout.contains(w), "`acorn {}` should mention `{w}`:\n{}", a.join(" "), r.stdout);
    }
}

#[test]
fn help_lists_every_command_and_flag() {
    help_mentions(&[], &["serve", "migrate", "demo", "backup", "audit", "vendor", "dc", "user", "client", "match", "edi"]);
    help_mentions(&["edi"], &["parse", "validate", "ack", "convert"]);
    help_mentions(&["edi", "validate"], &["--guides"]);
    help_mentions(&["edi", "ack"], &["--kind", "--control"]);
    let db = ["--data-dir", "--database-url", "--config"];
    let with_db = |extra: &[&'static str]| -> Vec<&'static str> { db.iter().copied().chain(extra.iter().copied()).collect() };
    help_mentions(&["serve"], &with_db(&["--listen", "--demo"]));
    help_mentions(&["migrate"], &with_db(&[]));
    help_mentions(&["demo"], &with_db(&[]));
    help_mentions(&["backup"], &with_db(&["--to"]));
    help_mentions(&["audit"], &with_db(&["verify", "export"]));
    help_mentions(&["audit", "verify"], &with_db(&[]));
    help_mentions(&["audit", "export"], &with_db(&["--to"]));
    help_mentions(&["vendor"], &with_db(&["create", "list"]));
    help_mentions(&["vendor", "create"], &with_db(&["--name", "--country", "--vendor-code", "--gs1-prefix", "--payee-code"]));
    help_mentions(&["vendor", "list"], &with_db(&[]));
    help_mentions(&["dc"], &with_db(&["create", "list"]));
    help_mentions(
        &["dc", "create"],
        &with_db(&["--code", "--name", "--address", "--city", "--region", "--postal-code", "--country", "--time-zone", "--dock-doors"]),
    );
    help_mentions(&["dc", "list"], &with_db(&[]));
    help_mentions(&["user"], &with_db(&["create", "disable", "reset-mfa"]));
    help_mentions(&["user", "create"], &with_db(&["--email", "--name", "--roles", "--vendor-code", "--locale"]));
    help_mentions(&["user", "disable"], &with_db(&["--email"]));
    help_mentions(&["user", "reset-mfa"], &with_db(&["--email"]));
    help_mentions(&["client"], &with_db(&["create"]));
    help_mentions(&["client", "create"], &with_db(&["--vendor-code", "--name", "--scopes"]));

    // A usage error is not a success either.
    let r = run_raw(&["no-such-command"]);
    assert_ne!(r.code, Some(0), "an unknown command must fail");
    assert!(r.stderr.contains("no-such-command"), "the usage error should name the command: {}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// Vendors and DCs
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn vendor_create_list_and_refusals() {
    let env = TestEnv::new().await;
    let out = env.ok(&["migrate"]);
    assert!(out.contains("up to date"), "migrate should report the database is up to date: {out}");
    // Idempotent.
    env.ok(&["migrate"]);
    assert!(env.vendor_lines().is_empty(), "a fresh database lists no vendors");

    let out = env.ok(&["vendor", "create", "--name", "Acme Housewares", "--country", "US", "--vendor-code", "ACME1", "--gs1-prefix", "0614141"]);
    let acme = out.trim().to_string();
    uuid::Uuid::parse_str(&acme).unwrap_or_else(|_| panic!("vendor create should print the id, printed {out:?}"));
    let out = env.ok(&["vendor", "create", "--name", "Nordic Outdoor", "--country", "se", "--vendor-code", "nord1", "--vendor-code", "NORD2"]);
    let nordic = out.trim().to_string();
    uuid::Uuid::parse_str(&nordic).expect("second vendor id");
    assert_ne!(acme, nordic);

    let lines = env.vendor_lines();
    assert_eq!(lines.len(), 2, "one line per vendor: {lines:?}");
    let rows: BTreeMap<String, Vec<String>> = lines.iter().map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>()).map(|f| (f[0].clone(), f)).collect();
    let a = &rows["ACME1"];
    assert_eq!(a, &vec!["ACME1".to_string(), "Acme Housewares".into(), "US".into(), "active".into(), acme.clone()], "vendor code first, tab-separated");
    let n = rows.get("NORD1,NORD2").unwrap_or_else(|| panic!("both codes of the second vendor, normalised, come first: {lines:?}"));
    assert_eq!(n[1], "Nordic Outdoor");
    assert_eq!(n[2], "SE");
    assert_eq!(n[4], nordic);

    // The same vendor code again: refused, naming the code; nothing is created.
    let r = env.fails(&["vendor", "create", "--name", "Copycat", "--country", "US", "--vendor-code", "acme1"]);
    assert!(r.stderr.contains("ACME1"), "the error should name the taken vendor code: {}", r.stderr);
    assert!(r.stdout.trim().is_empty(), "no id is printed for a refused vendor: {}", r.stdout);
    // A code already held as a second code of another vendor, too.
    let r = env.fails(&["vendor", "create", "--name", "Copycat", "--country", "US", "--vendor-code", "NORD2"]);
    assert!(r.stderr.contains("NORD2"), "the error should name the taken vendor code: {}", r.stderr);
    // A bad country names the field.
    let r = env.fails(&["vendor", "create", "--name", "Bad Country", "--country", "USA", "--vendor-code", "BADC1"]);
    assert!(r.stderr.contains("country"), "the error should name the country field: {}", r.stderr);
    // A missing vendor code is a usage error.
    let r = env.run(&["vendor", "create", "--name", "No Code", "--country", "US"]);
    assert_ne!(r.code, Some(0));
    assert!(r.stderr.contains("--vendor-code"), "{}", r.stderr);

    assert_eq!(env.vendor_lines().len(), 2, "refused creations leave no vendor behind");
}

#[tokio::test]
async fn dc_create_and_list() {
    let env = TestEnv::new().await;
    env.ok(&["migrate"]);
    assert!(env.ok(&["dc", "list"]).trim().is_empty());
    let dc = |code: &str, tz: &str, doors: &str| -> Vec<String> {
        [
            "dc",
            "create",
            "--code",
            code,
            "--name",
            "Allentown DC",
            "--address",
            "112 Logistics Way",
            "--city",
            "Breinigsville",
            "--region",
            "PA",
            "--postal-code",
            "18031",
            "--country",
            "US",
            "--time-zone",
            tz,
            "--dock-doors",
            doors,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let args = dc("ABE2", "America/New_York", "12");
    let out = env.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let id = out.trim().to_string();
    uuid::Uuid::parse_str(&id).unwrap_or_else(|_| panic!("dc create should print the id, printed {out:?}"));

    let list = env.ok(&["dc", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 1, "{list}");
    let f: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(f, vec!["ABE2", "Allentown DC", "Breinigsville", "US", "America/New_York", "12", id.as_str()], "code first, tab-separated");

    // The same code again is refused, naming it.
    let args = dc("ABE2", "America/New_York", "3");
    let r = env.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(r.stderr.contains("ABE2"), "the error should name the taken DC code: {}", r.stderr);
    // A bad time zone names the field.
    let args = dc("ONT8", "Mars/Olympus_Mons", "3");
    let r = env.fails(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(r.stderr.contains("time_zone") || r.stderr.contains("time zone"), "the error should name the time zone: {}", r.stderr);

    let args = dc("ONT8", "America/Los_Angeles", "16");
    env.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let list = env.ok(&["dc", "list"]);
    let mut codes: Vec<&str> = list.lines().map(|l| l.split('\t').next().unwrap_or_default()).collect();
    codes.sort();
    assert_eq!(codes, vec!["ABE2", "ONT8"], "{list}");
}

// ---------------------------------------------------------------------------------------------
// Users and API clients
// ---------------------------------------------------------------------------------------------

fn outbox_mails(env: &TestEnv) -> Vec<String> {
    let dir = env.data_dir().join("outbox");
    let Ok(rd) = std::fs::read_dir(&dir) else { return Vec::new() };
    rd.filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

/// Undoes quoted-printable soft line breaks and `=3D`, so links can be searched for.
fn unfold_qp(s: &str) -> String {
    s.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
}

#[tokio::test]
async fn user_create_mails_a_setup_link_and_disable_and_reset_mfa_work() {
    let env = TestEnv::new().await;
    env.ok(&["migrate"]);
    env.vendor("Acme Housewares", "ACME1");

    assert!(outbox_mails(&env).is_empty());
    let out = env.ok(&["user", "create", "--email", "Pat.Admin@Acme.example", "--name", "Pat Admin", "--roles", "vendor_admin", "--vendor-code", "ACME1"]);
    assert!(out.contains("pat.admin@acme.example"), "user create should confirm the (normalised) address: {out}");
    let user_id = out.split('\t').next().unwrap_or_default().trim();
    uuid::Uuid::parse_str(user_id).unwrap_or_else(|_| panic!("user create should print the user id first: {out}"));

    let mails = outbox_mails(&env);
    assert_eq!(mails.len(), 1, "exactly one mail in <data-dir>/outbox: {mails:?}");
    let mail = unfold_qp(&mails[0]);
    assert!(mail.to_lowercase().contains("pat.admin@acme.example"), "the mail goes to the new user:\n{mail}");
    assert!(mail.contains("/setup/"), "the mail carries a /setup/ link:\n{mail}");

    // A retailer user (no vendor code) with two roles.
    env.ok(&["user", "create", "--email", "buyer@retail.example", "--name", "Casey", "--roles", "category_manager,auditor"]);
    assert_eq!(outbox_mails(&env).len(), 2);

    // The same address again is refused.
    let r = env.fails(&["user", "create", "--email", "pat.admin@acme.example", "--name", "Pat Again", "--roles", "vendor_admin", "--vendor-code", "ACME1"]);
    assert!(r.stderr.contains("pat.admin@acme.example") && r.stderr.contains("already in use"), "{}", r.stderr);
    // Unknown role and unknown vendor code are named.
    let r = env.fails(&["user", "create", "--email", "x@acme.example", "--name", "X", "--roles", "overlord", "--vendor-code", "ACME1"]);
    assert!(r.stderr.contains("overlord"), "{}", r.stderr);
    let r = env.fails(&["user", "create", "--email", "x@acme.example", "--name", "X", "--roles", "vendor_admin", "--vendor-code", "NOPE9"]);
    assert!(r.stderr.contains("NOPE9"), "{}", r.stderr);
    assert_eq!(outbox_mails(&env).len(), 2, "refused users get no mail");

    let out = env.ok(&["user", "reset-mfa", "--email", "pat.admin@acme.example"]);
    assert!(out.contains("pat.admin@acme.example"), "{out}");
    let out = env.ok(&["user", "disable", "--email", "PAT.ADMIN@acme.example"]);
    assert!(out.contains("pat.admin@acme.example") && out.contains("disabled"), "{out}");

    // The changes are real: they are in the audit trail.
    let export = env.ok(&["audit", "export"]);
    let (records, _) = parse_export(&export);
    let actions: Vec<&str> = records.iter().filter(|r| r["object_id"] == user_id).filter_map(|r| r["action"].as_str()).collect();
    assert!(actions.len() >= 3, "invite, MFA reset and disable are audited for the user: {actions:?}");
    assert!(actions.iter().any(|a| a.contains("disabled") || a.contains("status")), "{actions:?}");
    assert!(actions.iter().any(|a| a.contains("mfa")), "{actions:?}");

    for cmd in ["disable", "reset-mfa"] {
        let r = env.fails(&["user", cmd, "--email", "nobody@nowhere.example"]);
        assert!(r.stderr.contains("user not found"), "`user {cmd}` of an unknown e-mail should say so: {}", r.stderr);
    }
}

#[tokio::test]
async fn client_create_prints_credentials_and_names_bad_scopes() {
    let env = TestEnv::new().await;
    env.ok(&["migrate"]);
    let vendor = env.vendor("Acme Housewares", "ACME1");

    let out = env.ok(&["client", "create", "--vendor-code", "acme1", "--name", "x", "--scopes", "purchase_orders,invoices"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("client create prints JSON ({e}): {out}"));
    let id = v["client_id"].as_str().expect("client_id");
    let secret = v["client_secret"].as_str().expect("client_secret");
    let refresh = v["refresh_token"].as_str().expect("refresh_token");
    assert!(!id.is_empty() && secret.len() >= 20 && refresh.len() >= 20, "{v}");
    assert_eq!(v["vendor_id"], vendor.as_str(), "{v}");
    let mut scopes: Vec<&str> = v["scopes"].as_array().expect("scopes").iter().filter_map(|s| s.as_str()).collect();
    scopes.sort();
    assert_eq!(scopes, vec!["invoices", "purchase_orders"]);

    // The credentials work against a running server.
    let mut server = env.serve(&[]).await;
    let t = token(&server, &v).await;
    let me: serde_json::Value = http().get(server.url("/api/v1/me")).bearer_auth(&t).send().await.expect("me").json().await.expect("me json");
    assert!(me.to_string().contains("purchase_orders"), "the token carries the client's scopes: {me}");
    server.terminate().await;

    let r = env.fails(&["client", "create", "--vendor-code", "ACME1", "--name", "y", "--scopes", "purchase_orders,world_domination"]);
    assert!(r.stderr.contains("world_domination"), "the error should name the unknown scope: {}", r.stderr);
    let r = env.fails(&["client", "create", "--vendor-code", "NOPE9", "--name", "y"]);
    assert!(r.stderr.contains("NOPE9"), "the error should name the unknown vendor code: {}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// Demo data
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn demo_seeds_once_and_refuses_a_database_with_data() {
    let env = TestEnv::new().await;
    let out = env.ok(&["demo"]);
    for email in
        ["admin@retail.example", "buyer@retail.example", "auditor@retail.example", "admin@acme.example", "finance@bright.example", "viewer@nordic.example"]
    {
        let line = out.lines().find(|l| l.starts_with(email)).unwrap_or_else(|| panic!("demo should print a login line for {email}:\n{out}"));
        let secret = line.split_whitespace().last().unwrap_or_default();
        assert!(
            secret.len() >= 16 && secret.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
            "the line of {email} should end with a base32 TOTP secret: {line:?}"
        );
    }
    assert!(out.contains("acorn-demo-password"), "the demo password is printed: {out}");
    let vendors = env.vendor_lines();
    let codes: Vec<&str> = vendors.iter().map(|l| l.split('\t').next().unwrap_or_default()).collect();
    for c in ["ACME1", "SZBL1", "NORD1"] {
        assert!(codes.contains(&c), "demo vendor {c} missing: {vendors:?}");
    }
    let dcs = env.ok(&["dc", "list"]);
    assert_eq!(dcs.lines().count(), 2, "{dcs}");
    // The demo's invoices were matched as they were submitted: the batch match finds nothing left.
    let matched = env.ok(&["match", "run"]);
    assert!(matched.contains("Matched 0 invoice(s)"), "{matched}");
    let records_before = parse_export(&env.ok(&["audit", "export"])).0.len();

    let r = env.fails(&["demo"]);
    assert!(r.stderr.contains("already holds data"), "a second demo refuses: {}", r.stderr);
    assert!(!r.stdout.contains("@retail.example"), "no logins are printed when refusing: {}", r.stdout);
    assert_eq!(env.vendor_lines(), vendors, "a refused demo changes nothing");
    assert_eq!(env.ok(&["dc", "list"]), dcs);
    assert_eq!(parse_export(&env.ok(&["audit", "export"])).0.len(), records_before, "a refused demo writes no audit record");

    // A database holding just one vendor is not empty either.
    let env2 = TestEnv::new().await;
    env2.ok(&["migrate"]);
    env2.vendor("Only Vendor", "ONLY1");
    let r = env2.fails(&["demo"]);
    assert!(r.stderr.contains("already holds data"), "{}", r.stderr);
    assert_eq!(env2.vendor_lines().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

async fn answers(port: u16) -> bool {
    let c = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().expect("client");
    c.get(format!("http://127.0.0.1:{port}/healthz")).send().await.is_ok_and(|r| r.status().is_success())
}

#[tokio::test]
async fn config_file_then_environment_then_flags() {
    let env = TestEnv::new().await;
    env.ok(&["migrate"]);
    let (p_file, p_env, p_flag) = (free_port(), free_port(), free_port());
    std::fs::write(env.data_dir().join("acorn.toml"), format!("listen = \"127.0.0.1:{p_file}\"\n")).expect("write acorn.toml");

    // The file is honoured.
    let mut s = env.serve_with(&["serve"], &[], p_file).await;
    assert!(answers(p_file).await);
    s.terminate().await;
    assert!(!answers(p_file).await, "the server stopped");

    // ACORN_LISTEN overrides the file.
    let listen_env = format!("127.0.0.1:{p_env}");
    let mut s = env.serve_with(&["serve"], &[("ACORN_LISTEN", &listen_env)], p_env).await;
    assert!(answers(p_env).await);
    assert!(!answers(p_file).await, "with ACORN_LISTEN set, the file's address is not used");
    s.terminate().await;

    // --listen overrides both.
    let listen_flag = format!("127.0.0.1:{p_flag}");
    let mut s = env.serve_with(&["serve", "--listen", &listen_flag], &[("ACORN_LISTEN", &listen_env)], p_flag).await;
    assert!(answers(p_flag).await);
    assert!(!answers(p_env).await && !answers(p_file).await, "--listen wins over the environment and the file");
    s.terminate().await;

    // --config names another file; a named file that does not exist is an error.
    let other = env.root.path().join("other.toml");
    let p_other = free_port();
    std::fs::write(&other, format!("listen = \"127.0.0.1:{p_other}\"\n")).expect("write other.toml");
    let mut s = env.serve_with(&["serve", "--config", &path_str(&other)], &[], p_other).await;
    assert!(answers(p_other).await);
    s.terminate().await;
    let r = env.fails(&["migrate", "--config", &path_str(&env.root.path().join("missing.toml"))]);
    assert!(r.stderr.contains("missing.toml"), "{}", r.stderr);

    // A broken file is reported, naming it.
    std::fs::write(env.data_dir().join("acorn.toml"), "listen = [not toml\n").expect("write acorn.toml");
    let r = env.fails(&["migrate"]);
    assert!(r.stderr.contains("acorn.toml"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// The audit trail
// ---------------------------------------------------------------------------------------------

/// A vendor ACME1 with an API client, a served session (token grant through the API) and a graceful
/// stop, so the anchors file covers every record. Returns the vendor id.
async fn anchored_data(env: &TestEnv) -> String {
    env.ok(&["migrate"]);
    let vendor = env.vendor("Acme Housewares", "ACME1");
    let creds = env.client("ACME1", "integrations");
    env.ok(&["user", "create", "--email", "pat@acme.example", "--name", "Pat", "--roles", "vendor_admin", "--vendor-code", "ACME1"]);
    let mut server = env.serve(&[]).await;
    let t = token(&server, &creds).await;
    let res = http()
        .post(server.url("/api/v1/api-clients"))
        .bearer_auth(&t)
        .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
        .json(&serde_json::json!({"name": "made through the API"}))
        .send()
        .await
        .expect("create client");
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    server.terminate().await;
    assert!(env.anchors_file().exists(), "a graceful stop writes {}", env.anchors_file().display());
    vendor
}

/// The records of one tenant from an export, by seq.
fn chain_of<'a>(records: &'a [serde_json::Value], tenant: &str) -> Vec<&'a serde_json::Value> {
    let mut c: Vec<&serde_json::Value> = records.iter().filter(|r| r["tenant_id"] == tenant).collect();
    c.sort_by_key(|r| r["seq"].as_i64());
    c
}

#[tokio::test]
async fn audit_verify_export_and_anchors_on_graceful_stop() {
    let env = TestEnv::new().await;
    env.ok(&["migrate"]);
    let vendor = env.vendor("Acme Housewares", "ACME1");
    let creds = env.client("ACME1", "integrations");

    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("verified"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("ok\t") && l.contains(&vendor)), "the vendor's chain is listed as ok: {out}");
    assert!(!out.contains("BROKEN"), "{out}");

    let f1 = env.root.path().join("export1.jsonl");
    env.ok(&["audit", "export", "--to", &path_str(&f1)]);
    let (records, anchors) = parse_export(&std::fs::read_to_string(&f1).expect("export file"));
    assert!(anchors.is_empty(), "nothing was anchored yet: {anchors:?}");
    let chain = chain_of(&records, &vendor);
    assert_eq!(chain.len(), 2, "vendor.created and api_client.created: {chain:?}");
    assert_eq!(chain.iter().map(|r| r["seq"].as_i64().unwrap_or(-1)).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(chain[0]["action"], "vendor.created");
    assert_eq!(chain[1]["prev_hash"], chain[0]["hash"], "records link by hash");
    // Without --to the export goes to stdout, identically.
    assert_eq!(parse_export(&env.ok(&["audit", "export"])).0.len(), records.len());
    assert!(!env.anchors_file().exists(), "only `serve` anchors");

    // Serve, write through the API, stop gracefully: the anchors file appears and covers the heads.
    let mut server = env.serve(&[]).await;
    let t = token(&server, &creds).await;
    for i in 0..3 {
        let res = http()
            .post(server.url("/api/v1/api-clients"))
            .bearer_auth(&t)
            .header("Idempotency-Key", format!("k{i}"))
            .json(&serde_json::json!({"name": format!("api client {i}")}))
            .send()
            .await
            .expect("create client");
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        assert_eq!(status, 201, "{body}\n{}", server.logs());
    }
    server.terminate().await;
    let anchors_text = std::fs::read_to_string(env.anchors_file()).expect("a graceful stop writes the anchors file");
    assert!(!anchors_text.trim().is_empty());

    let f2 = env.root.path().join("export2.jsonl");
    env.ok(&["audit", "export", "--to", &path_str(&f2)]);
    let (records, anchors) = parse_export(&std::fs::read_to_string(&f2).expect("export file"));
    let chain = chain_of(&records, &vendor);
    assert_eq!(chain.len(), 6, "+1 token grant, +3 clients: {chain:?}");
    let head = chain.last().expect("head");
    let anchor = anchors
        .iter()
        .filter(|a| a["tenant_id"] == vendor.as_str())
        .max_by_key(|a| a["seq"].as_i64())
        .unwrap_or_else(|| panic!("no anchor line for the vendor: {anchors:?}"));
    assert_eq!(anchor["seq"], head["seq"], "the last anchor is the chain head at shutdown");
    assert_eq!(anchor["hash"], head["hash"]);

    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("verified"), "{out}");
    let line = out.lines().find(|l| l.contains(&vendor)).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("anchored through 6"), "{line}");
}

/// Disables the append-only protection behind the application's back (as a database superuser could).
async fn disable_append_only(env: &TestEnv, db: &sea_orm::DatabaseConnection) {
    if env.is_postgres() {
        exec(db, "ALTER TABLE audit_log DISABLE TRIGGER USER").await;
    } else {
        exec(db, "DROP TRIGGER audit_log_no_update").await;
        exec(db, "DROP TRIGGER audit_log_no_delete").await;
    }
}

#[tokio::test]
async fn audit_verify_names_an_edited_record() {
    let env = TestEnv::new().await;
    let vendor = anchored_data(&env).await;
    assert!(env.ok(&["audit", "verify"]).contains("verified"));

    let db = env.connect().await;
    disable_append_only(&env, &db).await;
    let tenant = uuid::Uuid::parse_str(&vendor).expect("uuid");
    let n = db
        .execute_raw(stmt(&db, "UPDATE audit_log SET action = ? WHERE tenant_id = ? AND seq = ?", vec!["vendor.renamed".into(), tenant.into(), 2i64.into()]))
        .await
        .expect("tamper");
    assert_eq!(n.rows_affected(), 1, "the tamper hit one record");
    db.close().await.ok();

    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, Some(1), "verify must fail on an edited record\n{}{}", r.stdout, r.stderr);
    let broken: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("BROKEN")).collect();
    assert_eq!(broken.len(), 1, "one broken chain: {}", r.stdout);
    assert!(broken[0].contains(&vendor), "names the tenant: {}", broken[0]);
    assert!(broken[0].contains("record 2"), "names the seq: {}", broken[0]);
    assert!(!r.stdout.contains("verified"), "{}", r.stdout);
}

#[tokio::test]
async fn audit_verify_names_a_deleted_record() {
    let env = TestEnv::new().await;
    let vendor = anchored_data(&env).await;
    let db = env.connect().await;
    disable_append_only(&env, &db).await;
    let tenant = uuid::Uuid::parse_str(&vendor).expect("uuid");
    // Records of the vendor: 1 created, 2 client, 3 user invited, 4 token, 5 client — all anchored.
    let n = db.execute_raw(stmt(&db, "DELETE FROM audit_log WHERE tenant_id = ? AND seq = ?", vec![tenant.into(), 3i64.into()])).await.expect("tamper");
    assert_eq!(n.rows_affected(), 1);
    db.close().await.ok();

    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, Some(1), "verify must fail on a deleted record\n{}{}", r.stdout, r.stderr);
    let broken: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("BROKEN")).collect();
    assert_eq!(broken.len(), 1, "{}", r.stdout);
    assert!(broken[0].contains(&vendor) && broken[0].contains("record 3"), "names tenant and seq: {}", broken[0]);

    // Deleting the anchored tail is caught too (the chain is shorter than its anchor).
    let db = env.connect().await;
    let n = db.execute_raw(stmt(&db, "DELETE FROM audit_log WHERE tenant_id = ? AND seq >= ?", vec![tenant.into(), 3i64.into()])).await.expect("tamper");
    assert!(n.rows_affected() >= 2);
    db.close().await.ok();
    let r = env.run(&["audit", "verify"]);
    assert_eq!(r.code, Some(1), "verify must fail on a removed, anchored tail\n{}{}", r.stdout, r.stderr);
    let broken: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("BROKEN")).collect();
    assert!(broken.len() == 1 && broken[0].contains(&vendor) && broken[0].contains("record 3"), "{}", r.stdout);
}

#[tokio::test]
async fn audit_log_is_append_only_for_a_plain_connection() {
    let env = TestEnv::new().await;
    env.ok(&["migrate"]);
    env.vendor("Acme Housewares", "ACME1");
    let before = parse_export(&env.ok(&["audit", "export"])).0;
    assert!(!before.is_empty());

    let db = env.connect().await;
    let upd = db.execute_unprepared("UPDATE audit_log SET action = 'x'").await;
    assert!(upd.is_err(), "UPDATE audit_log must fail");
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = db.execute_unprepared("DELETE FROM audit_log").await;
    assert!(del.is_err(), "DELETE FROM audit_log must fail");
    if env.is_postgres() {
        assert!(db.execute_unprepared("TRUNCATE audit_log").await.is_err(), "TRUNCATE audit_log must fail");
    }
    db.close().await.ok();

    assert_eq!(parse_export(&env.ok(&["audit", "export"])).0, before, "the log is unchanged");
    assert!(env.ok(&["audit", "verify"]).contains("verified"));
}
