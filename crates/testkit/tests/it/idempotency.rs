//! Idempotency keys and rate limits on the native API.

use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_server::config::Config;
use acorn_testkit::{TestApp, call, http};
use reqwest::Method;
use serde_json::{Value, json};

async fn post(c: &reqwest::Client, url: &str, key: Option<&str>, body: &Value) -> (u16, Value, bool) {
    let mut r = c.post(url).json(body);
    if let Some(k) = key {
        r = r.header("Idempotency-Key", k);
    }
    let res = r.send().await.unwrap();
    let replayed = res.headers().get("idempotent-replayed").is_some();
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null), replayed)
}

#[tokio::test]
async fn keys_are_required_replayed_and_bound_to_the_body() {
    let app = TestApp::start().await;
    let admin = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let c = app.login(&admin).await;
    let url = app.url("/api/v1/vendors");
    let body = json!({"name": "Idem", "country": "US", "vendor_codes": ["IDEM1"]});
    let (s, e, _) = post(&c, &url, None, &body).await;
    assert_eq!(s, 400);
    assert_eq!(e["code"], "idempotency_key_required");
    let (s1, v1, r1) = post(&c, &url, Some("key-1"), &body).await;
    let (s2, v2, r2) = post(&c, &url, Some("key-1"), &body).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(v1, v2, "the stored response is replayed");
    assert!(!r1 && r2);
    let (s3, e3, _) = post(&c, &url, Some("key-1"), &json!({"name": "Other", "country": "US", "vendor_codes": ["IDEM2"]})).await;
    assert_eq!(s3, 422);
    assert_eq!(e3["code"], "idempotency_key_reused");
    let (_, list) = call(&c, Method::GET, &app.url("/api/v1/vendors?q=Idem"), None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn sixteen_concurrent_identical_requests_execute_once() {
    let app = TestApp::start().await;
    let admin = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let c = app.login(&admin).await;
    let url = app.url("/api/v1/vendors");
    let body = json!({"name": "Concurrent", "country": "US", "vendor_codes": ["CONC1"]});
    let audit_before = app.audit_count().await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (c, url, body) = (c.clone(), url.clone(), body.clone());
        tasks.push(tokio::spawn(async move { post(&c, &url, Some("same-key"), &body).await.0 }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert!(statuses.contains(&201));
    let (_, list) = call(&c, Method::GET, &app.url("/api/v1/vendors?q=Concurrent"), None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "executed exactly once");
    assert_eq!(app.audit_count().await - audit_before, 1);
    // Whoever got 409 retries and gets the stored answer.
    let (s, _, replayed) = post(&c, &url, Some("same-key"), &body).await;
    assert_eq!((s, replayed), (201, true));
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let db = acorn_testkit::db::fresh().await;
    let config = Config {
        data_dir: db.data_dir().to_path_buf(),
        database_url: Some(db.url.clone()),
        rate_limit_per_second: 10,
        rate_limit_burst: 20,
        ..Config::default()
    };
    let app = TestApp::start_with(db, config).await;
    let a = app.vendor().await;
    let token = app.token(a.id, &[]).await;
    let c = http();
    let mut limited = None;
    for i in 0..200 {
        let res = c.get(app.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
        if res.status() == 429 {
            limited = Some((i, res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string()), res.json::<Value>().await.unwrap()));
            break;
        }
    }
    let (i, retry, body) = limited.expect("the burst of 20 is exceeded within 200 requests");
    assert!(i >= 20, "at least the burst passes (limited at request {i})");
    assert!(retry.is_some_and(|r| r.parse::<u64>().unwrap() >= 1));
    assert_eq!(body["code"], "rate_limited");
    // Another client is not affected.
    let other = app.token(a.id, &[]).await;
    assert_eq!(c.get(app.url("/api/v1/me")).bearer_auth(&other).send().await.unwrap().status(), 200);
}

/// The states a key goes through when requests die or are slow, at the service level.
#[tokio::test]
async fn a_committed_key_never_runs_twice_and_a_taken_over_claim_cannot_commit() {
    use acorn_service::idempotency::Claim;
    let app = TestApp::start().await;
    let s = &app.services;
    let a = app.vendor().await;
    let ctx_with = |claim: acorn_service::idempotency::KeyClaim| {
        let mut c = acorn_service::Ctx::cli();
        c.idempotency = Some(claim);
        c
    };
    // 1. Claimed, mutation committed, the process died before storing the response.
    let (outcome, claim) = s.claim_idempotency("k1", "body").await.unwrap();
    assert_eq!(outcome, Claim::Execute);
    s.add_vendor_identifier(&ctx_with(claim), a.id, acorn_domain::master::VendorIdentifierKind::PayeeCode, "IDK1", "").await.unwrap();
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let age = |key: &'static str| {
        let past = acorn_service::now() - chrono::Duration::seconds(60);
        Query::update().table("idempotency_keys").value("created_at", past).and_where(Expr::col("key_hash").eq(key)).to_owned()
    };
    let (again, _) = s.claim_idempotency("k1", "body").await.unwrap();
    assert_eq!(again, Claim::InFlight, "right after the commit its holder may still be storing the response");
    s.db.conn.execute(&age("k1")).await.unwrap();
    let (again, _) = s.claim_idempotency("k1", "body").await.unwrap();
    assert_eq!(again, Claim::Applied, "a retry learns it was applied and does not run again");
    // A SQLite restart releases only claims that never committed.
    s.release_stale_idempotency_claims().await.unwrap();
    assert_eq!(s.claim_idempotency("k1", "body").await.unwrap().0, Claim::Applied);

    // 2. A slow request loses its claim to a retry after the takeover window; its commit is refused.
    let (_, slow) = s.claim_idempotency("k2", "body").await.unwrap();
    assert_eq!(s.claim_idempotency("k2", "body").await.unwrap().0, Claim::InFlight);
    s.db.conn.execute(&age("k2")).await.unwrap();
    let (taken, retry) = s.claim_idempotency("k2", "body").await.unwrap();
    assert_eq!(taken, Claim::Execute);
    let err = s.add_vendor_identifier(&ctx_with(slow), a.id, acorn_domain::master::VendorIdentifierKind::PayeeCode, "IDK2", "").await.unwrap_err();
    assert!(err.to_string().contains("took over"), "{err}");
    s.add_vendor_identifier(&ctx_with(retry), a.id, acorn_domain::master::VendorIdentifierKind::PayeeCode, "IDK2", "").await.unwrap();
    let d = s.get_vendor(&acorn_service::Ctx::cli(), a.id).await.unwrap();
    assert_eq!(d.of_kind(acorn_domain::master::VendorIdentifierKind::PayeeCode).filter(|i| i.value == "IDK2").count(), 1);
}
