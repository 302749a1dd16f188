//! Native API behaviour: master data round trips, validation errors that name the field, conflicts,
//! tenancy of lists, and the LWA-compatible token endpoint.

use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Area, Role};
use acorn_testkit::{TestApp, call, http};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn staff_manage_vendors_and_identifiers_through_the_api() {
    let app = TestApp::start().await;
    let admin = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let c = app.login(&admin).await;
    let (s, v) = call(
        &c,
        Method::POST,
        &app.url("/api/v1/vendors"),
        None,
        Some(&json!({
            "name": "Acme Housewares", "country": "us", "vendor_codes": ["acme1"], "gs1_prefixes": ["0614141"]
        })),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["vendor_codes"], json!(["ACME1"]));
    assert_eq!(v["country"], "US");
    let id = v["id"].as_str().unwrap().to_string();

    // Same vendor code on another vendor: conflict naming it.
    let (s, e) = call(&c, Method::POST, &app.url("/api/v1/vendors"), None, Some(&json!({"name": "Other", "country": "US", "vendor_codes": ["ACME1"]}))).await;
    assert_eq!(s, 409, "{e}");
    assert_eq!(e["code"], "already_exists");
    assert!(e["message"].as_str().unwrap().contains("ACME1"));
    // Nothing half-written: no vendor named Other exists.
    let (_, list) = call(&c, Method::GET, &app.url("/api/v1/vendors?q=Other"), None, None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);

    // Validation names every bad field.
    let (s, e) = call(&c, Method::POST, &app.url("/api/v1/vendors"), None, Some(&json!({"name": "", "country": "USA", "vendor_codes": ["bad code!"]}))).await;
    assert_eq!(s, 422);
    assert_eq!(e["code"], "validation_failed");
    let fields: Vec<&str> = e["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"name") && fields.contains(&"country") && fields.contains(&"vendor_codes[0]"), "{fields:?}");
    assert!(e["request_id"].as_str().is_some_and(|r| !r.is_empty()));

    // Wrong JSON shape: 422 naming the field.
    let (s, e) = call(&c, Method::POST, &app.url("/api/v1/vendors"), None, Some(&json!({"name": 5}))).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["details"][0]["issue"].as_str().unwrap().contains("name"), "{e}");

    // Identifiers: add, duplicate refused, remove; the last vendor code stays.
    let (s, _) =
        call(&c, Method::POST, &app.url(&format!("/api/v1/vendors/{id}/identifiers")), None, Some(&json!({"kind": "vendor_code", "value": "ACME2"}))).await;
    assert_eq!(s, 201);
    let (s, _) =
        call(&c, Method::POST, &app.url(&format!("/api/v1/vendors/{id}/identifiers")), None, Some(&json!({"kind": "gs1_prefix", "value": "06141"}))).await;
    assert_eq!(s, 422, "a 5-digit GS1 prefix is refused");
    let (s, _) = call(&c, Method::DELETE, &app.url(&format!("/api/v1/vendors/{id}/identifiers/vendor_code/ACME1")), None, None).await;
    assert_eq!(s, 204);
    let (s, e) = call(&c, Method::DELETE, &app.url(&format!("/api/v1/vendors/{id}/identifiers/vendor_code/ACME2")), None, None).await;
    assert_eq!(s, 422);
    assert_eq!(e["code"], "last_vendor_code");
    // A released code can be claimed by another vendor.
    let (s, _) = call(&c, Method::POST, &app.url("/api/v1/vendors"), None, Some(&json!({"name": "Reuser", "country": "US", "vendor_codes": ["ACME1"]}))).await;
    assert_eq!(s, 201);

    let (s, v) =
        call(&c, Method::PATCH, &app.url(&format!("/api/v1/vendors/{id}")), None, Some(&json!({"status": "suspended", "name": "Acme Housewares Inc."}))).await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "suspended");
    assert_eq!(v["name"], "Acme Housewares Inc.");
}

#[tokio::test]
async fn dcs_and_dock_slots() {
    let app = TestApp::start().await;
    let admin = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let c = app.login(&admin).await;
    let dc = json!({"code": "abe2", "name": "Allentown", "address": {"line1": "1 Way", "city": "Breinigsville", "region": "PA", "postal_code": "18031", "country": "US"}, "time_zone": "America/New_York", "dock_doors": 12});
    let (s, d) = call(&c, Method::POST, &app.url("/api/v1/dcs"), None, Some(&dc)).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["code"], "ABE2");
    let (s, _) = call(&c, Method::POST, &app.url("/api/v1/dcs"), None, Some(&dc)).await;
    assert_eq!(s, 409, "DC codes are unique");
    let id = d["id"].as_str().unwrap();
    let mut changed = dc.clone();
    changed["dock_doors"] = json!(20);
    changed["time_zone"] = json!("Nowhere");
    let (s, e) = call(&c, Method::PUT, &app.url(&format!("/api/v1/dcs/{id}")), None, Some(&changed)).await;
    assert_eq!(s, 422);
    assert_eq!(e["details"][0]["field"], "time_zone");
    changed["time_zone"] = json!("America/New_York");
    let (s, d2) = call(&c, Method::PUT, &app.url(&format!("/api/v1/dcs/{id}")), None, Some(&changed)).await;
    assert_eq!(s, 200);
    assert_eq!(d2["dock_doors"], 20);

    let start = chrono::Utc::now() + chrono::Duration::days(2);
    let slot = json!({"starts_at": start, "ends_at": start + chrono::Duration::hours(2), "capacity": 4});
    let (s, sl) = call(&c, Method::POST, &app.url(&format!("/api/v1/dcs/{id}/dock-slots")), None, Some(&slot)).await;
    assert_eq!(s, 201, "{sl}");
    let (s, _) = call(&c, Method::POST, &app.url(&format!("/api/v1/dcs/{id}/dock-slots")), None, Some(&slot)).await;
    assert_eq!(s, 409, "two slots cannot start at the same time at one DC");
    let bad = json!({"starts_at": start, "ends_at": start - chrono::Duration::hours(1), "capacity": 0});
    let (s, e) = call(&c, Method::POST, &app.url(&format!("/api/v1/dcs/{id}/dock-slots")), None, Some(&bad)).await;
    assert_eq!(s, 422);
    assert_eq!(e["details"].as_array().unwrap().len(), 2, "{e}");
    let (s, list) = call(&c, Method::GET, &app.url(&format!("/api/v1/dcs/{id}/dock-slots")), None, None).await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (s, _) = call(&c, Method::DELETE, &app.url(&format!("/api/v1/dock-slots/{}", sl["id"].as_str().unwrap())), None, None).await;
    assert_eq!(s, 204);
}

#[tokio::test]
async fn vendor_principals_see_only_their_own_vendor() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let token = app.token(a.id, &[]).await;
    let (s, list) = call(&http(), Method::GET, &app.url("/api/v1/vendors"), Some(&token), None).await;
    assert_eq!(s, 200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], a.id.0.to_string());
    assert!(!list.to_string().contains(&b.canary));
    // Another vendor's object answers exactly like a missing one.
    let (s1, e1) = call(&http(), Method::GET, &app.url(&format!("/api/v1/vendors/{}", b.id.0)), Some(&token), None).await;
    let (s2, e2) = call(&http(), Method::GET, &app.url(&format!("/api/v1/vendors/{}", uuid::Uuid::now_v7())), Some(&token), None).await;
    assert_eq!((s1, s2), (404, 404));
    assert_eq!((e1["code"].clone(), e1["message"].clone()), (e2["code"].clone(), e2["message"].clone()));
}

#[tokio::test]
async fn lwa_token_endpoint_and_both_token_headers() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let creds = app.services.create_client(&acorn_service::Ctx::cli(), a.id, "edi", vec![Area::PurchaseOrders]).await.unwrap();
    let c = http();
    let form = |extra: &[(&str, &str)]| {
        let mut v: Vec<(String, String)> = vec![("client_id".into(), creds.client_id.clone()), ("client_secret".into(), creds.client_secret.clone())];
        v.extend(extra.iter().map(|(k, x)| (k.to_string(), x.to_string())));
        v
    };
    let res = c.post(app.url("/auth/o2/token")).form(&form(&[("grant_type", "refresh_token"), ("refresh_token", &creds.refresh_token)])).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let t: Value = res.json().await.unwrap();
    assert_eq!(t["token_type"], "bearer");
    assert_eq!(t["expires_in"], 3600);
    assert_eq!(t["refresh_token"], creds.refresh_token.as_str());
    let access = t["access_token"].as_str().unwrap().to_string();
    assert!(access.starts_with("Atza|"));
    // Accepted as Bearer and as x-amz-access-token.
    let me: Value = c.get(app.url("/api/v1/me")).header("x-amz-access-token", &access).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["kind"], "client");
    assert_eq!(me["vendor_id"], a.id.0.to_string());
    assert_eq!(me["access"]["purchase_orders"], "read", "scopes limit the client to its areas");
    assert!(me["access"].get("vendors").is_none());
    let (s, _) = call(&c, Method::GET, &app.url("/api/v1/me"), Some(&access), None).await;
    assert_eq!(s, 200);
    // Wrong secret, wrong refresh token, unknown grant.
    let res = c
        .post(app.url("/auth/o2/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", creds.client_id.as_str()), ("client_secret", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_client");
    let res = c.post(app.url("/auth/o2/token")).form(&form(&[("grant_type", "refresh_token"), ("refresh_token", "Atzr|forged")])).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    let res = c.post(app.url("/auth/o2/token")).form(&form(&[("grant_type", "password")])).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "unsupported_grant_type");
    // A forged or disabled token is refused.
    let (s, e) = call(&c, Method::GET, &app.url("/api/v1/me"), Some("Atza|forged"), None).await;
    assert_eq!(s, 401);
    assert_eq!(e["code"], "unauthenticated");
    app.services.disable_client(&acorn_service::Ctx::cli(), a.id, creds.id).await.unwrap();
    let (s, _) = call(&c, Method::GET, &app.url("/api/v1/me"), Some(&access), None).await;
    assert_eq!(s, 401, "disabling a client revokes its tokens");
}

#[tokio::test]
async fn vendor_admin_invites_and_manages_own_users_only() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let va = app.user(a.id, &[Role::VendorAdmin]).await;
    let c = app.login(&va).await;
    let (s, u) = call(
        &c,
        Method::POST,
        &app.url("/api/v1/users"),
        None,
        Some(&json!({"email": "New.Person@Example.com", "name": "New Person", "roles": ["operations", "finance"]})),
    )
    .await;
    assert_eq!(s, 201, "{u}");
    assert_eq!(u["email"], "new.person@example.com");
    assert_eq!(u["vendor_id"], a.id.0.to_string());
    assert_eq!(u["mfa_enrolled"], false);
    // The invitation is mailed with a one-time set-up link.
    let mail = app.mail_to("new.person@example.com").await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].body.contains(&format!("{}/setup/", app.base)));
    // A vendor admin cannot hand out retailer roles, nor create users for another vendor.
    let (s, e) = call(&c, Method::POST, &app.url("/api/v1/users"), None, Some(&json!({"email": "x@example.com", "name": "X", "roles": ["admin"]}))).await;
    assert_eq!(s, 422);
    assert_eq!(e["details"][0]["field"], "roles");
    let (s, u2) = call(
        &c,
        Method::POST,
        &app.url("/api/v1/users"),
        None,
        Some(&json!({"email": "y@example.com", "name": "Y", "roles": ["read_only"], "vendor_id": b.id.0})),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(u2["vendor_id"], a.id.0.to_string(), "the tenant comes from the principal, never from the request");
    let uid = u["id"].as_str().unwrap();
    let (s, u) = call(&c, Method::PATCH, &app.url(&format!("/api/v1/users/{uid}")), None, Some(&json!({"roles": ["catalog"], "status": "disabled"}))).await;
    assert_eq!(s, 200);
    assert_eq!(u["roles"], json!(["catalog"]));
    assert_eq!(u["status"], "disabled");
    let (s, e) = call(&c, Method::PATCH, &app.url(&format!("/api/v1/users/{}", va.id)), None, Some(&json!({"status": "disabled"}))).await;
    assert_eq!(s, 422);
    assert_eq!(e["code"], "cannot_disable_self");
}

#[tokio::test]
async fn api_client_lists_page_instead_of_truncating() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    for i in 0..5 {
        app.services.create_client(&acorn_service::Ctx::cli(), a.id, &format!("c{i}"), vec![]).await.unwrap();
    }
    let token = app.token(a.id, &[Area::Integrations]).await;
    let mut seen = Vec::new();
    let mut url = app.url("/api/v1/api-clients?limit=2");
    loop {
        let (s, page) = call(&http(), Method::GET, &url, Some(&token), None).await;
        assert_eq!(s, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|c| c["name"].as_str().unwrap().to_string()));
        match page["next"].as_str() {
            Some(n) => url = app.url(&format!("/api/v1/api-clients?limit=2&cursor={n}")),
            None => break,
        }
    }
    // Five named clients plus the fixture client that holds the token.
    assert_eq!(seen.len(), 6, "{seen:?}");
    let (s, e) = call(&http(), Method::GET, &app.url("/api/v1/api-clients?cursor=garbage"), Some(&token), None).await;
    assert_eq!(s, 422);
    assert_eq!(e["details"][0]["field"], "cursor");
}
