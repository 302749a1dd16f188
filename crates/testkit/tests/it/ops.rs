//! Operations endpoints, headers on every response, and the API description.

use acorn_testkit::{TestApp, http};
use serde_json::Value;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::start().await;
    let c = http();
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    let r = c.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    c.get(app.url("/login")).send().await.unwrap();
    let m = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(m.contains("http_requests_total{method=\"GET\",route=\"/login\""), "{m}");
    assert!(m.contains("http_request_duration_seconds_bucket") || m.contains("http_request_duration_seconds{"), "latency histogram");
    assert!(m.contains("db_pool_connections"));
}

#[tokio::test]
async fn every_response_has_request_id_and_security_headers() {
    let app = TestApp::start().await;
    let c = http();
    for path in ["/login", "/no/such/page", "/api/v1/me", "/healthz"] {
        let r = c.get(app.url(path)).header("x-request-id", "abc-123").send().await.unwrap();
        let h = r.headers();
        assert_eq!(h["x-request-id"], "abc-123", "{path}");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "same-origin");
    }
    let r = c.get(app.url("/api/v1/me")).send().await.unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["request_id"], id, "the error body carries the request id of its response");
}

#[tokio::test]
async fn openapi_document_and_docs_page_cover_the_api() {
    let app = TestApp::start().await;
    let spec: Value = http().get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = spec["paths"].as_object().unwrap();
    assert!(paths.len() >= 15);
    assert!(spec["components"]["schemas"]["ErrorBody"].is_object());
    let page = http().get(app.url("/api/docs")).send().await.unwrap().text().await.unwrap();
    for p in paths.keys() {
        assert!(page.contains(p.as_str()), "docs page lists {p}");
    }
}
