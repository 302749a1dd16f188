//! Returns to vendor end to end: staff raise a return at the item's cost in force (a damaged return is
//! refused under a damage allowance), the vendor approves it within the requested quantity with its
//! RMA and a return address (prefilled from the one it saved for the type) or rejects it with a
//! reason, staff complete it and the debit memo is posted once, rounded half-even; tenants and roles
//! are kept apart. Then the portal over HTTP, and the whole path by clicks in a real browser.

use acorn_domain::deductions::DeductionKind;
use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_domain::returns::{Answer, Disposition};
use acorn_service::returns::NewReturn;
use acorn_service::{Ctx, ServiceError};
use acorn_store::repo::deductions::DeductionFilter;
use acorn_testkit::browser::Browser;
use acorn_testkit::{TestApp, VendorFx, call, gtin_for};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{get, id_after, location, sign_in, submit};

fn fields(e: &Value) -> Vec<String> {
    e["details"].as_array().map(|d| d.iter().map(|x| x["field"].as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
}

fn issue(e: &Value, field: &str) -> String {
    e["details"].as_array().into_iter().flatten().find(|x| x["field"] == field).map(|x| x["issue"].as_str().unwrap_or("").to_string()).unwrap_or_default()
}

/// An item of `v` whose unit cost is `cost` (USD, from 2020 on).
async fn item_at(app: &TestApp, v: &VendorFx, sku: &str, cost: &str) -> acorn_domain::items::Item {
    app.services
        .create_item(
            &Ctx::cli(),
            Some(v.id),
            acorn_service::items::NewItem {
                vendor_sku: sku.into(),
                gtin: gtin_for(&v.gs1_prefix),
                title: format!("Item {}", v.canary),
                case_pack: 1,
                list_price: "9.99".into(),
                unit_cost: cost.into(),
                currency: "USD".into(),
                cost_effective_from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
            },
        )
        .await
        .expect("item")
        .item
}

fn raise_body(v: &VendorFx, item: &str, dc: &str, return_type: &str, quantity: i64) -> Value {
    json!({"vendor_code": v.code, "item": item, "dc_code": dc, "return_type": return_type, "quantity": quantity, "reason": "found on the shelf"})
}

async fn raise(app: &TestApp, v: &VendorFx, item: &str, dc: &str, quantity: i64) -> uuid::Uuid {
    let new =
        NewReturn { vendor_code: v.code.clone(), item: item.into(), dc_code: dc.into(), return_type: "overstock".into(), quantity, reason: String::new() };
    app.services.raise_return(&Ctx::cli(), new).await.expect("return").ret.id
}

#[tokio::test]
async fn staff_raise_a_return_at_todays_cost_and_a_damaged_one_is_refused_under_a_damage_allowance() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("RTV1").await;
    let item = item_at(&app, &v, "MUG-1", "2.50").await;
    // A later cost is not in force yet.
    app.services.add_item_cost(&Ctx::cli(), item.id, "3.00", chrono::Utc::now().date_naive() + chrono::Days::new(30)).await.unwrap();
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::Receiver]).await).await;
    let url = app.url("/api/v1/returns");

    // Every problem at once, each with its field.
    let bad = json!({"vendor_code": "NOPE1", "item": "", "dc_code": "ZZZ9", "return_type": "broken", "quantity": 0});
    let (s, e) = call(&staff, Method::POST, &url, None, Some(&bad)).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), ["vendor_code", "dc_code", "return_type", "quantity"], "{e}");
    let (s, e) = call(&staff, Method::POST, &url, None, Some(&raise_body(&v, "NO-SUCH", &dc.code, "overstock", 1))).await;
    assert_eq!((s, fields(&e)), (422, vec!["item".to_string()]), "{e}");

    // By GTIN (here the GTIN-13 of the stored GTIN-14): the item's cost in force today, the number from the counter.
    let (s, r) = call(&staff, Method::POST, &url, None, Some(&raise_body(&v, &item.gtin.as_str()[1..], &dc.code, "damaged", 4))).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!((r["status"].as_str(), r["vendor_sku"].as_str(), r["unit_cost"].as_str()), (Some("requested"), Some("MUG-1"), Some("2.50")));
    assert!(r["number"].as_str().unwrap().starts_with("RTV") && r["number"].as_str().unwrap().len() == 10, "{r}");
    assert_eq!(r["timeline"][0]["action"], "return.raised");
    let first = r["number"].as_str().unwrap().to_string();

    // The vendor hears of it in its event feed, about the return.
    let token = app.token(v.id, &[]).await;
    let (_, events) = call(&acorn_testkit::http(), Method::GET, &app.url("/api/v1/events"), Some(&token), None).await;
    let ev = events["items"].as_array().unwrap().iter().find(|e| e["kind"] == "return.requested").expect("event").clone();
    assert!(ev["summary"].as_str().unwrap().starts_with(&format!("Return {first} requested")), "{ev}");
    assert_eq!((ev["object_type"].as_str(), ev["object_id"].as_str()), (Some("return"), r["id"].as_str()));

    // A damage-allowance agreement: damaged units are not returned; other types still are.
    let admin = app.ctx_as(TenantId::RETAILER, &[Role::Admin]).await;
    let mut terms = acorn_domain::terms::Terms::default_for("USD");
    terms.damage_allowance_percent = rust_decimal::Decimal::new(25, 1);
    app.services.set_terms(&admin, v.id, terms, chrono::Utc::now().date_naive(), "damage allowance").await.unwrap();
    let (s, e) = call(&staff, Method::POST, &url, None, Some(&raise_body(&v, "MUG-1", &dc.code, "damaged", 4))).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), ["return_type"]);
    assert!(issue(&e, "return_type").contains("damage allowance of 2.5 %"), "{e}");
    let (s, r) = call(&staff, Method::POST, &url, None, Some(&raise_body(&v, "MUG-1", &dc.code, "defective", 4))).await;
    assert_eq!(s, 201, "{r}");
    assert_ne!(r["number"].as_str().unwrap(), first, "numbers are unique");
}

#[tokio::test]
async fn the_vendor_approves_within_the_request_with_its_rma_and_address_or_rejects_with_a_reason() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("RTV2").await;
    let item = app.item(&v).await;
    let token = app.token(v.id, &[]).await;
    let c = acorn_testkit::http();
    let answer = |id: uuid::Uuid| app.url(&format!("/api/v1/returns/{id}/answer"));
    let id = raise(&app, &v, &item.vendor_sku, &dc.code, 10).await;

    // Over the request, no RMA, shipping back with no address anywhere: every problem named.
    let body = json!({"decision": "approve", "approved_quantity": 11, "vendor_rma": " ", "disposition": "ship_back"});
    let (s, e) = call(&c, Method::POST, &answer(id), Some(&token), Some(&body)).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(fields(&e), ["approved_quantity", "vendor_rma", "return_address"], "{e}");
    assert!(issue(&e, "approved_quantity").contains("between 1 and the 10 units requested"));
    let (s, e) = call(
        &c,
        Method::POST,
        &answer(id),
        Some(&token),
        Some(&json!({"decision": "approve", "approved_quantity": 0, "vendor_rma": "R-1", "disposition": "destroy"})),
    )
    .await;
    assert_eq!((s, fields(&e)), (422, vec!["approved_quantity".to_string()]), "{e}");
    let (s, e) = call(&c, Method::POST, &answer(id), Some(&token), Some(&json!({"decision": "maybe"}))).await;
    assert_eq!((s, fields(&e)), (422, vec!["decision".to_string()]), "{e}");

    // The address saved for the type prefills an approval to ship back.
    let (s, a) = call(&c, Method::PUT, &app.url("/api/v1/return-addresses"), Some(&token), Some(&json!({"return_type": "overstock", "address": "  "}))).await;
    assert_eq!((s, fields(&a)), (422, vec!["address".to_string()]), "{a}");
    let (s, a) =
        call(&c, Method::PUT, &app.url("/api/v1/return-addresses"), Some(&token), Some(&json!({"return_type": "overstock", "address": "9 Return Rd, Reno"})))
            .await;
    assert_eq!(s, 200, "{a}");
    let (s, a) =
        call(&c, Method::PUT, &app.url("/api/v1/return-addresses"), Some(&token), Some(&json!({"return_type": "overstock", "address": "10 Return Rd, Reno"})))
            .await;
    assert_eq!((s, a["address"].as_str()), (200, Some("10 Return Rd, Reno")), "saving again replaces it");
    let (_, list) = call(&c, Method::GET, &app.url("/api/v1/return-addresses"), Some(&token), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let body = json!({"decision": "approve", "approved_quantity": 8, "vendor_rma": "RMA-778", "disposition": "ship_back"});
    let (s, r) = call(&c, Method::POST, &answer(id), Some(&token), Some(&body)).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["status"].as_str(), r["approved_quantity"].as_i64(), r["vendor_rma"].as_str()), (Some("approved"), Some(8), Some("RMA-778")));
    assert_eq!(r["return_address"], "10 Return Rd, Reno");
    assert_eq!(r["timeline"][1]["action"], "return.approved");
    // Answered once: a second answer is refused, and staff may no longer cancel it.
    let (s, e) = call(&c, Method::POST, &answer(id), Some(&token), Some(&body)).await;
    assert_eq!((s, fields(&e)), (422, vec!["status".to_string()]), "{e}");
    let staff = app.ctx_as(TenantId::RETAILER, &[Role::CategoryManager]).await;
    assert!(matches!(app.services.cancel_return(&staff, id).await, Err(ServiceError::Rejected { code: "return_not_requested", .. })));

    // A typed address wins over the saved one.
    let other = raise(&app, &v, &item.vendor_sku, &dc.code, 5).await;
    let ops = app.vendor_ctx(&v).await;
    let typed = Answer::Approve { quantity: 5, vendor_rma: "RMA-9".into(), disposition: Disposition::ShipBack, return_address: Some("1 Other St".into()) };
    assert_eq!(app.services.answer_return(&ops, other, typed).await.unwrap().ret.return_address.as_deref(), Some("1 Other St"));

    // A rejection needs a reason; a rejected return cannot be completed.
    let rejected = raise(&app, &v, &item.vendor_sku, &dc.code, 3).await;
    let (s, e) = call(&c, Method::POST, &answer(rejected), Some(&token), Some(&json!({"decision": "reject", "rejection_reason": ""}))).await;
    assert_eq!((s, fields(&e)), (422, vec!["rejection_reason".to_string()]), "{e}");
    let (s, r) = call(&c, Method::POST, &answer(rejected), Some(&token), Some(&json!({"decision": "reject", "rejection_reason": "not our item"}))).await;
    assert_eq!((s, r["status"].as_str(), r["rejection_reason"].as_str()), (200, Some("rejected"), Some("not our item")), "{r}");
    let e = app.services.complete_return(&staff, rejected).await.unwrap_err();
    assert!(matches!(e, ServiceError::Rejected { code: "return_not_approved", .. }), "{e}");

    // Staff withdraw a requested return; the vendor can no longer answer it.
    let withdrawn = raise(&app, &v, &item.vendor_sku, &dc.code, 2).await;
    assert_eq!(app.services.cancel_return(&staff, withdrawn).await.unwrap().ret.status.as_str(), "cancelled");
    let (s, e) = call(&c, Method::POST, &answer(withdrawn), Some(&token), Some(&json!({"decision": "reject", "rejection_reason": "late"}))).await;
    assert_eq!((s, fields(&e)), (422, vec!["status".to_string()]), "{e}");

    // Filters and paging.
    let (_, page) = call(&c, Method::GET, &app.url("/api/v1/returns?status=approved"), Some(&token), None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2, "{page}");
    let (_, page) = call(&c, Method::GET, &app.url("/api/v1/returns?limit=3"), Some(&token), None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let next = page["next"].as_str().expect("a next page").to_string();
    let (_, rest) = call(&c, Method::GET, &app.url(&format!("/api/v1/returns?limit=3&cursor={next}")), Some(&token), None).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1, "{rest}");
    let (s, e) = call(&c, Method::GET, &app.url("/api/v1/returns?status=lost"), Some(&token), None).await;
    assert_eq!((s, fields(&e)), (422, vec!["status".to_string()]));
}

#[tokio::test]
async fn completing_posts_the_debit_memo_once_rounded_half_even() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("RTV3").await;
    // 5 × 1.005 = 5.025: half-even to 5.02 (half-up would say 5.03).
    item_at(&app, &v, "CUP-5", "1.005").await;
    let id = raise(&app, &v, "CUP-5", &dc.code, 6).await;
    let ops = app.vendor_ctx(&v).await;
    let answer = Answer::Approve { quantity: 5, vendor_rma: "RMA-55".into(), disposition: Disposition::Destroy, return_address: Some("ignored".into()) };
    let approved = app.services.answer_return(&ops, id, answer).await.unwrap();
    assert_eq!(approved.ret.return_address, None, "no address to destroy");

    // The vendor may not complete; staff do.
    assert!(matches!(app.services.complete_return(&ops, id).await, Err(ServiceError::Forbidden)));
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    let url = app.url(&format!("/api/v1/returns/{id}/complete"));
    let (s, r) = call(&staff, Method::POST, &url, None, None).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "completed");
    assert_eq!((r["debit_memo"]["amount"].as_str(), r["debit_memo"]["currency"].as_str()), (Some("5.02"), Some("USD")), "{r}");
    assert_eq!(r["deduction_id"], r["debit_memo"]["id"]);
    assert!(r["debit_memo"]["dispute_deadline"].is_string(), "a debit memo may be disputed");

    // Completing again (a retry, a double click) changes nothing and posts nothing.
    let audit = app.audit_count().await;
    let (s, again) = call(&staff, Method::POST, &url, None, None).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["debit_memo"]["id"], r["debit_memo"]["id"]);
    assert_eq!(app.audit_count().await, audit, "nothing written");
    let memos = acorn_store::repo::deductions::all(&app.services.db.conn, &DeductionFilter { tenant: Some(v.id), ..Default::default() }).await.unwrap();
    assert_eq!(memos.len(), 1);
    let d = &memos[0];
    assert_eq!(
        (d.kind, d.amount, d.return_id, d.source_key.clone()),
        (DeductionKind::ReturnDebit, rust_decimal::Decimal::new(502, 2), Some(id), format!("return:{id}"))
    );
    let number = r["number"].as_str().unwrap();
    assert_eq!(d.evidence["return"]["number"], number);
    assert_eq!((d.evidence["approved_quantity"].as_i64(), d.evidence["requested_quantity"].as_i64()), (Some(5), Some(6)));
    assert_eq!((d.evidence["vendor_rma"].as_str(), d.evidence["disposition"].as_str()), (Some("RMA-55"), Some("destroy")));
    assert_eq!(d.evidence["item"]["vendor_sku"], "CUP-5");
    assert!(d.description.starts_with(&format!("Return debit memo for {number}: 5 × CUP-5")), "{}", d.description);

    // The vendor sees the memo on its return, and the completion in its feed.
    let detail = app.services.get_return(&ops, id).await.unwrap();
    assert_eq!(detail.debit_memo.map(|m| m.amount), Some(rust_decimal::Decimal::new(502, 2)));
    let actions: Vec<_> = detail.timeline.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions, ["return.raised", "return.approved", "return.completed"]);
    let feed = app.services.list_events(&ops, None, Some(100)).await.unwrap();
    assert!(feed.items.iter().any(|e| e.kind == "return.completed" && e.summary.contains("5.02 USD")), "{:?}", feed.items);
    // The retailer heard of the approval.
    let feed = app.services.list_events(&app.ctx_as(TenantId::RETAILER, &[Role::Auditor]).await, None, Some(100)).await.unwrap();
    assert!(feed.items.iter().any(|e| e.kind == "return.approved" && e.summary.contains("RMA-55")));
}

#[tokio::test]
async fn vendors_see_only_their_returns_and_roles_outside_the_table_are_refused() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let dc = app.dc("RTV4").await;
    let item = app.item(&a).await;
    let id = raise(&app, &a, &item.vendor_sku, &dc.code, 4).await;
    let b_item = app.item(&b).await;
    raise(&app, &b, &b_item.vendor_sku, &dc.code, 1).await;

    // Vendor B: A's return is not found, for reading and for answering; B's list has only its own.
    let b_token = app.token(b.id, &[]).await;
    let c = acorn_testkit::http();
    let (s, e) = call(&c, Method::GET, &app.url(&format!("/api/v1/returns/{id}")), Some(&b_token), None).await;
    assert_eq!((s, e["code"].as_str()), (404, Some("not_found")));
    let body = json!({"decision": "reject", "rejection_reason": "no"});
    let (s, _) = call(&c, Method::POST, &app.url(&format!("/api/v1/returns/{id}/answer")), Some(&b_token), Some(&body)).await;
    assert_eq!(s, 404);
    let (_, list) = call(&c, Method::GET, &app.url("/api/v1/returns"), Some(&b_token), None).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&a.canary));
    let b_ops = app.vendor_ctx(&b).await;
    assert!(matches!(app.services.get_return(&b_ops, id).await, Err(ServiceError::NotFound(_))));
    assert!(matches!(app.services.set_return_address(&b_ops, a.id, acorn_domain::returns::ReturnType::Recall, "x").await, Err(ServiceError::NotFound(_))));

    // Roles without the access get 403, whatever the object.
    let new = || NewReturn {
        vendor_code: a.code.clone(),
        item: item.vendor_sku.clone(),
        dc_code: dc.code.clone(),
        return_type: "overstock".into(),
        quantity: 1,
        reason: String::new(),
    };
    for role in [Role::VendorManager, Role::ApClerk, Role::Auditor] {
        let ctx = app.ctx_as(TenantId::RETAILER, &[role]).await;
        assert!(matches!(app.services.raise_return(&ctx, new()).await, Err(ServiceError::Forbidden)), "{role} raises");
        assert!(matches!(app.services.complete_return(&ctx, id).await, Err(ServiceError::Forbidden)), "{role} completes");
        assert!(app.services.get_return(&ctx, id).await.is_ok(), "{role} reads");
    }
    // Retailer writers do not answer for the vendor; vendor writers do not raise.
    let admin = app.ctx_as(TenantId::RETAILER, &[Role::Admin]).await;
    let reject = Answer::Reject { reason: "no".into() };
    assert!(matches!(app.services.answer_return(&admin, id, reject.clone()).await, Err(ServiceError::Forbidden)));
    let vendor_admin = app.ctx_as(a.id, &[Role::VendorAdmin]).await;
    assert!(matches!(app.services.raise_return(&vendor_admin, new()).await, Err(ServiceError::Forbidden)));
    assert!(matches!(app.services.cancel_return(&vendor_admin, id).await, Err(ServiceError::Forbidden)));
    for role in [Role::Finance, Role::ReadOnly] {
        let ctx = app.ctx_as(a.id, &[role]).await;
        assert!(matches!(app.services.answer_return(&ctx, id, reject.clone()).await, Err(ServiceError::Forbidden)), "{role} answers");
        assert!(app.services.get_return(&ctx, id).await.is_ok(), "{role} reads");
    }
    for role in [Role::Catalog, Role::Marketing] {
        let ctx = app.ctx_as(a.id, &[role]).await;
        assert!(matches!(app.services.get_return(&ctx, id).await, Err(ServiceError::Forbidden)), "{role} reads");
    }
    // An API client without the returns scope sees nothing.
    let scoped = app.token(a.id, &[acorn_domain::policy::Area::PurchaseOrders]).await;
    assert_eq!(call(&c, Method::GET, &app.url("/api/v1/returns"), Some(&scoped), None).await.0, 403);
    // The return is untouched by all of it.
    assert_eq!(app.services.get_return(&Ctx::cli(), id).await.unwrap().ret.status.as_str(), "requested");
}

#[tokio::test]
async fn the_portal_lists_exports_and_keeps_return_addresses() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let w = app.vendor().await;
    let dc = app.dc("RTV5").await;
    let item = app.item(&v).await;
    let w_item = app.item(&w).await;
    raise(&app, &w, &w_item.vendor_sku, &dc.code, 1).await;
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::CategoryManager]).await).await;

    // The form reports what is wrong against its fields, and keeps what was typed.
    let (status, html) = get(&staff, &app.url("/returns")).await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/returns/new\""));
    let mut form = vec![
        ("vendor_code", v.code.clone()),
        ("item", "NO-SUCH".to_string()),
        ("dc_code", dc.code.clone()),
        ("return_type", "overstock".into()),
        ("quantity", "six".into()),
        ("reason", "shelf pull".into()),
    ];
    let res = submit(&app, &staff, "/returns/new", "/returns", &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<a href=\"#quantity\">Quantity: `six` is not a whole number"), "{html}");
    assert!(html.contains("<a href=\"#item\">Item: `NO-SUCH` is neither"), "{html}");
    assert!(html.contains("value=\"NO-SUCH\"") && html.contains("shelf pull"));
    form[1].1 = item.vendor_sku.clone();
    form[4].1 = "6".into();
    let res = submit(&app, &staff, "/returns/new", "/returns", &form).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.ends_with("?done=raised"), "{to}");
    let id = id_after("/returns/", &to);
    let (_, html) = get(&staff, &app.url(&to)).await;
    assert!(
        html.contains("id=\"return-title\"") && html.contains("id=\"cancel\"") && !html.contains("id=\"approve\""),
        "staff see cancel, not the answer form"
    );

    // The vendor: its return only, the answer form, the CSV of its list.
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let (_, html) = get(&ops, &app.url("/returns")).await;
    assert!(html.contains(&item.vendor_sku) && !html.contains(&w.canary), "{html}");
    let (_, csv) = get(&ops, &app.url("/returns.csv?status=requested")).await;
    assert!(csv.starts_with("return_number,vendor_code,vendor_sku") && csv.contains(&item.vendor_sku) && !csv.contains(&w.canary), "{csv}");
    let (_, csv) = get(&ops, &app.url("/returns.csv?status=completed")).await;
    assert_eq!(csv.lines().count(), 1, "only the header: {csv}");

    // Saving a return address; the answer form is then filled in with it.
    let res = submit(&app, &ops, "/returns/addresses", "/returns/addresses", &[("return_type", "overstock".to_string()), ("address", "".into())]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("href=\"#address-overstock\""));
    let res =
        submit(&app, &ops, "/returns/addresses", "/returns/addresses", &[("return_type", "overstock".to_string()), ("address", "5 Dock Lane, Reno".into())])
            .await;
    assert_eq!(res.status(), 303);
    let page = format!("/returns/{id}");
    let (_, html) = get(&ops, &app.url(&page)).await;
    assert!(html.contains("id=\"approve\"") && html.contains("5 Dock Lane, Reno</textarea>"), "{html}");

    // An approval without an RMA is refused on its field; with one it is saved.
    let approve = |rma: &str| {
        vec![
            ("decision", "approve".to_string()),
            ("approved_quantity", "6".into()),
            ("vendor_rma", rma.to_string()),
            ("disposition", "ship_back".into()),
            ("return_address", "5 Dock Lane, Reno".into()),
        ]
    };
    let res = submit(&app, &ops, &page, &format!("{page}/answer"), &approve("")).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("<a href=\"#vendor_rma\">Your RMA: is required"));
    let res = submit(&app, &ops, &page, &format!("{page}/answer"), &approve("RMA-PORTAL")).await;
    assert_eq!(res.status(), 303);

    // Staff complete it; the page shows the memo.
    let res = submit(&app, &staff, &page, &format!("{page}/complete"), crate::support::NO_FIELDS).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&ops, &app.url(&page)).await;
    assert!(html.contains("id=\"memo-amount\">60.00 USD"), "6 × 10.00: {html}");
    // Vendor W sees none of it.
    let other = app.login(&app.user(w.id, &[Role::VendorAdmin]).await).await;
    assert_eq!(get(&other, &app.url(&page)).await.0, 404);
}

async fn sign_out(b: &Browser) -> anyhow::Result<()> {
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;
    Ok(())
}

/// The whole path by clicks and typing, axe-core on every page: staff raise a return in the form;
/// the vendor approves it with an RMA and its address; staff complete it; the vendor sees the debit
/// memo's amount on the return page.
#[tokio::test]
async fn in_the_browser_a_return_goes_from_request_to_debit_memo() -> anyhow::Result<()> {
    let Some(b) = Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("RTV6").await;
    item_at(&app, &v, "LAMP-3", "12.345").await;

    let staff = app.user(TenantId::RETAILER, &[Role::CategoryManager]).await;
    sign_in(&b, &app, &staff).await?;
    b.click("a[href='/returns']").await?;
    b.wait_for("#new-return").await?;
    b.assert_accessible().await?;
    b.click("#new-return").await?;
    b.wait_for("#return-create").await?;
    b.assert_accessible().await?;
    b.fill("#vendor_code", &v.code).await?;
    b.fill("#item", "LAMP-3").await?;
    b.client().find(fantoccini::Locator::Css("#dc_code")).await?.select_by_value(&dc.code).await?;
    b.client().find(fantoccini::Locator::Css("#return_type")).await?.select_by_value("defective").await?;
    b.fill("#quantity", "7").await?;
    b.fill("#reason", "Switch fails").await?;
    b.click("#return-create").await?;
    b.wait_for("#return-title").await?;
    b.assert_accessible().await?;
    let number = b.text("#return-title code").await?;
    let id = id_after("/returns/", &b.current_path().await?);
    sign_out(&b).await?;

    // The vendor approves 3 of the 7 with its RMA, shipping back to the address it types.
    let ops = app.user(v.id, &[Role::Operations]).await;
    sign_in(&b, &app, &ops).await?;
    b.click("a[href='/returns']").await?;
    b.wait_for("#returns-table").await?;
    b.assert_accessible().await?;
    assert!(b.text("#returns-table").await?.contains(&number));
    b.goto(&app.url(&format!("/returns/{id}"))).await?;
    b.wait_for("#approve").await?;
    b.assert_accessible().await?;
    b.fill("#approved_quantity", "3").await?;
    b.fill("#vendor_rma", "RMA-BROWSER-1").await?;
    b.client().find(fantoccini::Locator::Css("#disposition")).await?.select_by_value("ship_back").await?;
    b.fill("#return_address", "8 Harbour Rd, Oakland CA").await?;
    b.click("#approve").await?;
    b.wait_for("#vendor-rma").await?;
    b.assert_accessible().await?;
    assert_eq!(b.text("#vendor-rma").await?, "RMA-BROWSER-1");
    sign_out(&b).await?;

    // Staff complete it (the confirm dialog is the script's; answer it yes).
    sign_in(&b, &app, &staff).await?;
    b.goto(&app.url(&format!("/returns/{id}"))).await?;
    b.wait_for("#complete").await?;
    b.assert_accessible().await?;
    // 3 × 12.345 = 37.035 → 37.04 (half-even: the 3 before the 5 is odd).
    assert_eq!(b.text("#expected-debit").await?, "37.04 USD");
    b.client().execute("window.confirm = function () { return true; };", vec![]).await?;
    b.click("#complete").await?;
    b.wait_for("#debit-memo").await?;
    b.assert_accessible().await?;
    sign_out(&b).await?;

    // The vendor sees the debit memo on the return page.
    sign_in(&b, &app, &ops).await?;
    b.goto(&app.url(&format!("/returns/{id}"))).await?;
    b.wait_for("#debit-memo").await?;
    b.assert_accessible().await?;
    assert_eq!(b.text("#memo-amount").await?, "37.04 USD");
    assert!(b.text("#return-status").await?.contains("Completed"));
    assert!(b.text("#timeline").await?.contains("Completed; debit memo posted"));
    b.close().await
}
