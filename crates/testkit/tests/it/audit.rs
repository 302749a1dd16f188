//! The audit trail: exactly one record per successful mutation and none for a failed one, hash
//! chains verified against anchors, tampering of every kind named, and per-tenant visibility.

use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_testkit::{TestApp, call};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::json;

#[tokio::test]
async fn each_mutation_appends_exactly_one_record_and_failures_none() {
    let app = TestApp::start().await;
    let admin = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let c = app.login(&admin).await;
    let a = app.vendor().await;
    let start = chrono::Utc::now() + chrono::Duration::days(5);
    let dc_body = json!({"code": "AUD1", "name": "Audit DC", "address": {"line1": "1 Way", "city": "X", "postal_code": "1", "country": "US"}, "time_zone": "UTC", "dock_doors": 4});
    let (_, dc) = call(&c, Method::POST, &app.url("/api/v1/dcs"), None, Some(&dc_body)).await;
    let dc_id = dc["id"].as_str().unwrap().to_string();
    let cases: Vec<(Method, String, serde_json::Value, u16)> = vec![
        (Method::POST, "/api/v1/vendors".into(), json!({"name": "V", "country": "US", "vendor_codes": ["AUDV1"]}), 201),
        (Method::POST, "/api/v1/vendors".into(), json!({"name": "V", "country": "US", "vendor_codes": ["AUDV1"]}), 409),
        (Method::PATCH, format!("/api/v1/vendors/{}", a.id.0), json!({"name": "Renamed"}), 200),
        (Method::PATCH, format!("/api/v1/vendors/{}", a.id.0), json!({"country": "nope"}), 422),
        (Method::POST, format!("/api/v1/vendors/{}/identifiers", a.id.0), json!({"kind": "payee_code", "value": "PAY1"}), 201),
        (Method::DELETE, format!("/api/v1/vendors/{}/identifiers/payee_code/PAY1", a.id.0), json!(null), 204),
        (Method::PUT, format!("/api/v1/dcs/{dc_id}"), dc_body.clone(), 200),
        (
            Method::POST,
            format!("/api/v1/dcs/{dc_id}/dock-slots"),
            json!({"starts_at": start, "ends_at": start + chrono::Duration::hours(1), "capacity": 1}),
            201,
        ),
        (Method::POST, "/api/v1/users".into(), json!({"email": "aud@example.test", "name": "Aud", "roles": ["read_only"], "vendor_id": a.id.0}), 201),
        (Method::POST, "/api/v1/users".into(), json!({"email": "aud@example.test", "name": "Aud", "roles": ["read_only"], "vendor_id": a.id.0}), 409),
        (Method::POST, "/api/v1/api-clients".into(), json!({"name": "c", "vendor_id": a.id.0}), 201),
    ];
    for (method, path, body, want) in cases {
        let before = app.audit_count().await;
        let body = (!body.is_null()).then_some(body);
        let (s, e) = call(&c, method.clone(), &app.url(&path), None, body.as_ref()).await;
        assert_eq!(s, want, "{method} {path}: {e}");
        let added = app.audit_count().await - before;
        let expect = if s < 300 { 1 } else { 0 };
        assert_eq!(added, expect, "{method} {path} ({s}) appended {added} audit records");
    }
    // Records carry actor, request id and address.
    let (_, log) = call(&c, Method::GET, &app.url("/api/v1/audit?action=vendor.created"), None, None).await;
    let rec = &log["items"][0];
    assert_eq!(rec["actor"], format!("user:{}", admin.email));
    assert!(!rec["request_id"].as_str().unwrap().is_empty());
    assert_eq!(rec["source_ip"], "127.0.0.1");
    assert!(rec["after"]["vendor"]["name"].is_string());
}

#[tokio::test]
async fn vendor_admins_see_only_their_tenants_records() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let va = app.user(a.id, &[Role::VendorAdmin]).await;
    let c = app.login(&va).await;
    let (s, log) = call(&c, Method::GET, &app.url(&format!("/api/v1/audit?tenant_id={}&limit=500", b.id.0)), None, None).await;
    assert_eq!(s, 200);
    let items = log["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|r| r["tenant_id"] == a.id.0.to_string()), "only tenant A's chain");
    assert!(!log.to_string().contains(&b.canary));
}

/// Opens a back door to the audit table, as someone with database superuser rights would.
async fn unlock(app: &TestApp) {
    let conn = &app.services.db.conn;
    if app.db.is_postgres() {
        conn.execute_unprepared("ALTER TABLE audit_log DISABLE TRIGGER USER").await.unwrap();
    } else {
        conn.execute_unprepared("DROP TRIGGER audit_log_no_update").await.unwrap();
        conn.execute_unprepared("DROP TRIGGER audit_log_no_delete").await.unwrap();
    }
}

async fn tenant_with_chain(app: &TestApp) -> TenantId {
    let a = app.vendor().await;
    for i in 0..6 {
        app.services.add_vendor_identifier(&Ctx::cli(), a.id, acorn_domain::master::VendorIdentifierKind::PayeeCode, &format!("PC{i}"), "").await.unwrap();
    }
    app.services.anchor_audit().await.unwrap();
    a.id
}

async fn first_problem(app: &TestApp) -> Option<(TenantId, i64)> {
    let report = app.services.verify_audit().await.unwrap();
    report.problems.first().map(|p| (p.tenant(), p.seq()))
}

#[tokio::test]
async fn the_app_connection_cannot_change_history() {
    let app = TestApp::start().await;
    tenant_with_chain(&app).await;
    let conn = &app.services.db.conn;
    assert!(conn.execute_unprepared("UPDATE audit_log SET action = 'x'").await.is_err());
    assert!(conn.execute_unprepared("DELETE FROM audit_log").await.is_err());
    assert!(first_problem(&app).await.is_none(), "untampered chains verify");
}

#[tokio::test]
async fn verify_names_the_first_edited_deleted_inserted_or_swapped_record() {
    for kind in ["edit", "delete", "insert", "swap"] {
        let app = TestApp::start().await;
        let t = tenant_with_chain(&app).await;
        assert!(first_problem(&app).await.is_none());
        unlock(&app).await;
        let conn = &app.services.db.conn;
        let tid = if app.db.is_postgres() { format!("'{}'", t.0) } else { format!("X'{}'", t.0.simple()) };
        match kind {
            "edit" => {
                conn.execute_unprepared(&format!("UPDATE audit_log SET actor = 'user:mallory' WHERE tenant_id = {tid} AND seq = 3")).await.unwrap();
            }
            "delete" => {
                conn.execute_unprepared(&format!("DELETE FROM audit_log WHERE tenant_id = {tid} AND seq = 3")).await.unwrap();
            }
            "insert" => {
                // Shift the tail up by one and slip a forged record in at seq 3.
                for seq in (3..=7).rev() {
                    conn.execute_unprepared(&format!("UPDATE audit_log SET seq = {} WHERE tenant_id = {tid} AND seq = {seq}", seq + 1)).await.unwrap();
                }
                conn.execute_unprepared(&format!(
                    "INSERT INTO audit_log (tenant_id, seq, id, at, actor, action, object_type, object_id, before_json, after_json, request_id, source_ip, prev_hash, hash) \
                     SELECT tenant_id, 3, id, at, 'user:mallory', action, object_type, object_id, before_json, after_json, request_id, source_ip, prev_hash, hash FROM audit_log WHERE tenant_id = {tid} AND seq = 2"
                ))
                .await
                .unwrap();
            }
            _ => {
                conn.execute_unprepared(&format!("UPDATE audit_log SET seq = 100 WHERE tenant_id = {tid} AND seq = 3")).await.unwrap();
                conn.execute_unprepared(&format!("UPDATE audit_log SET seq = 3 WHERE tenant_id = {tid} AND seq = 4")).await.unwrap();
                conn.execute_unprepared(&format!("UPDATE audit_log SET seq = 4 WHERE tenant_id = {tid} AND seq = 100")).await.unwrap();
            }
        }
        let (tenant, seq) = first_problem(&app).await.unwrap_or_else(|| panic!("{kind} went unnoticed"));
        assert_eq!(tenant, t, "{kind}: the broken chain is named");
        assert_eq!(seq, 3, "{kind}: the first broken record is named");
    }
}

#[tokio::test]
async fn truncating_the_anchored_tail_is_caught() {
    let app = TestApp::start().await;
    let t = tenant_with_chain(&app).await;
    unlock(&app).await;
    let tid = if app.db.is_postgres() { format!("'{}'", t.0) } else { format!("X'{}'", t.0.simple()) };
    app.services.db.conn.execute_unprepared(&format!("DELETE FROM audit_log WHERE tenant_id = {tid} AND seq >= 6")).await.unwrap();
    let (tenant, seq) = first_problem(&app).await.expect("truncation noticed");
    assert_eq!((tenant, seq), (t, 6));
}

#[tokio::test]
async fn concurrent_writers_on_one_chain_all_commit_and_the_chain_stays_whole() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let s = app.services.clone();
        tasks.push(tokio::spawn(async move {
            s.add_vendor_identifier(&Ctx::cli(), a.id, acorn_domain::master::VendorIdentifierKind::PayeeCode, &format!("CW{i}"), "").await
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("every concurrent write commits (retried on conflict)");
    }
    let detail = app.services.get_vendor(&Ctx::cli(), a.id).await.unwrap();
    assert_eq!(detail.of_kind(acorn_domain::master::VendorIdentifierKind::PayeeCode).count(), 24);
    let report = app.services.verify_audit().await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let chain = report.chains.iter().find(|(t, _)| *t == a.id).unwrap();
    assert_eq!(chain.1.records, 25, "vendor.created + 24 identifiers, no gaps");
}

#[tokio::test]
async fn the_anchor_job_is_woken_after_the_record_threshold() {
    let mut app = TestApp::start().await;
    app.services.anchor_every_records = 5;
    let s = app.services.clone();
    let a = app.vendor().await;
    let woken = tokio::spawn({
        let s = s.clone();
        async move { tokio::time::timeout(std::time::Duration::from_secs(10), s.anchor_wakeup.notified()).await.is_ok() }
    });
    tokio::task::yield_now().await;
    for i in 0..5 {
        s.add_vendor_identifier(&Ctx::cli(), a.id, acorn_domain::master::VendorIdentifierKind::PayeeCode, &format!("AN{i}"), "").await.unwrap();
    }
    assert!(woken.await.unwrap(), "5 records with a threshold of 5 wake the anchor job");
    assert!(s.anchor_audit().await.unwrap() >= 1);
    let anchors = acorn_service::audit::read_anchors(&s.config.anchor_file()).unwrap();
    assert!(anchors.iter().any(|x| x.tenant_id == a.id && x.seq == 6));
    // Nothing moved: no new anchor.
    assert_eq!(s.anchor_audit().await.unwrap(), 0);
}
