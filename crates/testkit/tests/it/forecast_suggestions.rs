//! Replenishment suggestions end to end, over the API and in the portal: the buyer approves two
//! suggestions of one vendor × DC into one PO (two lines, in cases) that the vendor sees, and a retry
//! answers with the same PO; quantities are adjusted (rounded up to whole cases) and suggestions
//! rejected; the vendor commits — a smaller quantity needs a reason, each answer is a version, the
//! buyer sees the latest; who may do what (a vendor cannot approve, nor answer another vendor's
//! suggestion); VMI proposals within the agreed range only, and only under VMI. Then the same by
//! clicks in a real browser.

use crate::support::sign_in;
use acorn_domain::forecast::{ForecastRun, PlanningOverrides, RunStatus, Suggestion, SuggestionOrigin, SuggestionStatus};
use acorn_domain::ids::TenantId;
use acorn_domain::items::Item;
use acorn_domain::master::Dc;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_testkit::{TestApp, VendorFx, call};
use chrono::{Days, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

fn fields(e: &Value) -> Vec<String> {
    e["details"].as_array().map(|d| d.iter().map(|x| x["field"].as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
}

/// A date `days` from today (UTC), as the API takes it: a few days ahead is "not in the past" at any DC.
fn ahead(days: u64) -> String {
    (Utc::now().date_naive() + Days::new(days)).to_string()
}

/// A succeeded forecast run, so the suggestions below are the current cycle's.
pub(crate) async fn run(app: &TestApp) -> Uuid {
    let t = acorn_service::now();
    let r = ForecastRun {
        id: acorn_domain::ids::new_id(),
        started_at: t,
        finished_at: Some(t),
        heartbeat_at: t,
        history_end: Utc::now().date_naive(),
        status: RunStatus::Succeeded,
        series_total: 2,
        series_done: 2,
        series_failed: 0,
        suggestions: 2,
        message: String::new(),
        started_by: "test".into(),
    };
    acorn_store::repo::forecast::insert_run(&app.services.db.conn, &r).await.expect("run");
    r.id
}

/// A proposed suggestion from `run` to order `quantity` units of `item` at `dc`.
pub(crate) async fn suggestion(app: &TestApp, run: Uuid, item: &Item, dc: &Dc, quantity: i64) -> Uuid {
    let t = acorn_service::now();
    let s = Suggestion {
        id: acorn_domain::ids::new_id(),
        run_id: Some(run),
        origin: SuggestionOrigin::Job,
        delivery_on: None,
        tenant: item.tenant,
        item_id: item.id,
        dc_id: dc.id,
        raw_quantity: quantity - 2,
        quantity,
        order_up_to: quantity + 30,
        on_hand: 20,
        on_order: 10,
        backorders: 0,
        fill_rate_e4: 9_500,
        leftover: 5,
        explanation: "Order up to S: covers the lead time and review at 95 %.".into(),
        params_json: "{}".into(),
        status: SuggestionStatus::Proposed,
        adjusted_quantity: None,
        po_id: None,
        decided_by: None,
        decided_at: None,
        created_at: t,
        updated_at: t,
    };
    acorn_store::repo::forecast::insert_suggestions(&app.services.db.conn, std::slice::from_ref(&s)).await.expect("suggestion");
    s.id
}

/// A suggestion of `v` at `dc` for the authorisation walk (a new item, 24 units, its own run).
pub(crate) async fn walk_suggestion(app: &TestApp, v: &VendorFx, dc: &Dc) -> Uuid {
    let item = app.item(v).await;
    let r = run(app).await;
    suggestion(app, r, &item, dc, 24).await
}

struct Fx {
    app: TestApp,
    v: VendorFx,
    dc: Dc,
    a: Item,
    b: Item,
    run: Uuid,
}

async fn setup() -> Fx {
    let app = TestApp::start().await;
    let dc = app.dc("RPL1").await;
    let v = app.vendor().await;
    let a = app.item(&v).await;
    let b = app.item(&v).await;
    let run = run(&app).await;
    Fx { app, v, dc, a, b, run }
}

async fn staff(app: &TestApp) -> reqwest::Client {
    app.login(&app.user(TenantId::RETAILER, &[Role::CategoryManager]).await).await
}

async fn get_suggestion(app: &TestApp, id: Uuid) -> Suggestion {
    acorn_store::repo::forecast::suggestion(&app.services.db.conn, None, id).await.unwrap().expect("suggestion")
}

#[tokio::test]
async fn the_buyer_approves_two_suggestions_into_one_po_and_a_retry_returns_the_same_po() {
    let Fx { app, v, dc, a, b, run } = setup().await;
    let s1 = suggestion(&app, run, &a, &dc, 24).await;
    let s2 = suggestion(&app, run, &b, &dc, 30).await;
    let buyer = staff(&app).await;
    let url = app.url("/api/v1/forecast/suggestions/approve");

    // Nothing chosen, and an unreadable date: named.
    let (status, e) = call(&buyer, Method::POST, &url, None, Some(&json!({"ids": []}))).await;
    assert_eq!((status, fields(&e)), (422, vec!["ids".to_string()]), "{e}");
    let (status, e) = call(&buyer, Method::POST, &url, None, Some(&json!({"ids": [s1], "delivery_on": "soon"}))).await;
    assert_eq!((status, fields(&e)), (422, vec!["delivery_on".to_string()]), "{e}");

    let audit = app.audit_count().await;
    let (status, r) = call(&buyer, Method::POST, &url, None, Some(&json!({"ids": [s1, s2]}))).await;
    assert_eq!(status, 200, "{r}");
    let pos = r["purchase_orders"].as_array().unwrap();
    assert_eq!(pos.len(), 1, "one vendor × DC: one PO: {r}");
    assert_eq!(pos[0]["created"], true);
    assert_eq!(pos[0]["dc"], "RPL1");
    assert_eq!(pos[0]["suggestion_ids"].as_array().unwrap().len(), 2);
    let po_id: Uuid = pos[0]["po_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(app.audit_count().await, audit + 3, "the PO and each suggestion audited, in one transaction");

    let d = app.services.get_po(&Ctx::cli(), po_id).await.unwrap();
    assert_eq!(d.lines.len(), 2);
    let line_a = d.lines.iter().find(|l| l.item_id == a.id).unwrap();
    assert_eq!((line_a.ordered_quantity, line_a.unit.as_str(), line_a.ordered_eaches()), (2, "Cases", 24), "whole cases go on the PO in cases");
    let line_b = d.lines.iter().find(|l| l.item_id == b.id).unwrap();
    assert_eq!((line_b.ordered_quantity, line_b.unit.as_str()), (30, "Eaches"), "30 is not whole cases of 12: eaches");
    assert_eq!(line_a.net_cost.normalize().to_string(), "10", "the item's cost in force");
    // Due after the system lead time (2 weeks) at the DC.
    assert!(d.po.delivery_window.start >= Utc::now().date_naive() + Days::new(13), "{:?}", d.po.delivery_window);
    for id in [s1, s2] {
        let s = get_suggestion(&app, id).await;
        assert_eq!((s.status, s.po_id), (SuggestionStatus::Ordered, Some(po_id)));
        assert!(s.decided_by.is_some() && s.decided_at.is_some());
    }

    // The vendor sees the PO in its list at once.
    let token = app.token(v.id, &[]).await;
    let (status, list) = call(&acorn_testkit::http(), Method::GET, &app.url("/api/v1/purchase-orders"), Some(&token), None).await;
    assert_eq!(status, 200, "{list}");
    assert!(list.to_string().contains(&d.po.number), "{list}");

    // A retry (a new key: not a replay) answers with the same PO, and makes no second one.
    let (status, again) = call(&buyer, Method::POST, &url, None, Some(&json!({"ids": [s1, s2]}))).await;
    assert_eq!(status, 200, "{again}");
    let again = again["purchase_orders"].as_array().unwrap().clone();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0]["po_id"].as_str().unwrap(), &again[0]["created"]), (po_id.to_string().as_str(), &json!(false)));
    assert_eq!(again[0]["suggestion_ids"].as_array().unwrap().len(), 2);
    let page = app.services.list_pos(&Ctx::cli(), Default::default(), None, Some(100)).await.unwrap();
    assert_eq!(page.items.iter().filter(|p| p.tenant == v.id).count(), 1);

    // The same request with the same Idempotency-Key replays the first answer.
    let key = Uuid::now_v7().to_string();
    let c = app.item(&v).await;
    let s3 = suggestion(&app, run, &c, &dc, 12).await;
    let send = || buyer.post(&url).header("Idempotency-Key", &key).json(&json!({"ids": [s3]})).send();
    let first: Value = send().await.unwrap().json().await.unwrap();
    let second: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(first, second);

    // Ordered suggestions are no longer decided on.
    let (status, e) = call(&buyer, Method::POST, &app.url(&format!("/api/v1/forecast/suggestions/{s1}/adjust")), None, Some(&json!({"quantity": 12}))).await;
    assert_eq!((status, e["code"].as_str()), (409, Some("suggestion_decided")), "{e}");
    assert!(e["message"].as_str().unwrap().contains(&d.po.number), "{e}");
}

#[tokio::test]
async fn the_buyer_adjusts_to_whole_cases_and_rejects() {
    let Fx { app, dc, a, b, run, .. } = setup().await;
    let s1 = suggestion(&app, run, &a, &dc, 24).await;
    let s2 = suggestion(&app, run, &b, &dc, 24).await;
    let buyer = staff(&app).await;
    let adjust = app.url(&format!("/api/v1/forecast/suggestions/{s1}/adjust"));
    let (status, r) = call(&buyer, Method::POST, &adjust, None, Some(&json!({"quantity": 30, "reason": "promotion"}))).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!((r["rounded_from"].as_i64(), r["suggestion"]["quantity_in_force"].as_i64()), (Some(30), Some(36)), "{r}");
    assert_eq!(r["suggestion"]["status"], "adjusted");
    let audit = app.audit_count().await;
    let (status, _) = call(&buyer, Method::POST, &adjust, None, Some(&json!({"quantity": 36}))).await;
    assert_eq!(status, 200);
    assert_eq!(app.audit_count().await, audit, "the quantity in force again: nothing written");
    for (body, field) in [(json!({"quantity": -1}), "quantity"), (json!({}), "quantity"), (json!({"quantity": 2_000_000}), "quantity")] {
        let (status, e) = call(&buyer, Method::POST, &adjust, None, Some(&body)).await;
        assert_eq!((status, fields(&e)), (422, vec![field.to_string()]), "{body}: {e}");
    }
    let (status, r) =
        call(&buyer, Method::POST, &app.url(&format!("/api/v1/forecast/suggestions/{s2}/reject")), None, Some(&json!({"reason": "overstock"}))).await;
    assert_eq!((status, r["status"].as_str()), (200, Some("rejected")), "{r}");
    // A rejected suggestion cannot be ordered; the adjusted one orders its adjusted quantity.
    let url = app.url("/api/v1/forecast/suggestions/approve");
    let (status, e) = call(&buyer, Method::POST, &url, None, Some(&json!({"ids": [s1, s2]}))).await;
    assert_eq!((status, fields(&e)), (422, vec!["ids[1]".to_string()]), "{e}");
    let (status, r) = call(&buyer, Method::POST, &url, None, Some(&json!({"ids": [s1], "delivery_on": ahead(20)}))).await;
    assert_eq!(status, 200, "{r}");
    let po: Uuid = r["purchase_orders"][0]["po_id"].as_str().unwrap().parse().unwrap();
    let d = app.services.get_po(&Ctx::cli(), po).await.unwrap();
    assert_eq!((d.lines[0].ordered_eaches(), d.po.delivery_window.start.to_string()), (36, ahead(20)));

    // The list: the current cycle by default, one status on request; filters read.
    let (status, list) = call(&buyer, Method::GET, &app.url("/api/v1/forecast/suggestions?status=rejected"), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (status, list) = call(&buyer, Method::GET, &app.url("/api/v1/forecast/suggestions?dc=RPL1"), None, None).await;
    assert_eq!((status, list["items"].as_array().unwrap().len()), (200, 2));
    let (status, e) = call(&buyer, Method::GET, &app.url("/api/v1/forecast/suggestions?dc=NOPE&status=maybe"), None, None).await;
    assert_eq!((status, fields(&e)), (422, vec!["dc".to_string(), "status".to_string()]), "{e}");
}

#[tokio::test]
async fn the_vendor_commits_a_smaller_quantity_with_a_reason_and_the_buyer_sees_it() {
    let Fx { app, v, dc, a, run, .. } = setup().await;
    let s1 = suggestion(&app, run, &a, &dc, 24).await;
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let url = app.url(&format!("/api/v1/forecast/suggestions/{s1}/commitments"));

    let (status, e) = call(&ops, Method::POST, &url, None, Some(&json!({"quantity": 12, "available_on": ahead(5)}))).await;
    assert_eq!((status, fields(&e)), (422, vec!["shortfall_reason".to_string()]), "{e}");
    assert!(e["details"][0]["issue"].as_str().unwrap().contains("12 of 24: 12 short"), "{e}");
    let (status, e) = call(&ops, Method::POST, &url, None, Some(&json!({"quantity": 30, "available_on": "2000-01-01"}))).await;
    assert_eq!((status, fields(&e)), (422, vec!["quantity".to_string()]), "{e}");
    let (status, e) = call(&ops, Method::POST, &url, None, Some(&json!({"quantity": 12, "available_on": "2000-01-01", "shortfall_reason": "x"}))).await;
    assert_eq!((status, fields(&e)), (422, vec!["available_on".to_string()]), "{e}");

    let audit = app.audit_count().await;
    let (status, r) =
        call(&ops, Method::POST, &url, None, Some(&json!({"quantity": 12, "available_on": ahead(5), "shortfall_reason": "Line 2 down for repairs"}))).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(app.audit_count().await, audit + 1);
    assert_eq!((r["commitments"].as_array().unwrap().len(), r["suggestion"]["commitment"]["shortfall"].as_i64()), (1, Some(12)), "{r}");

    // The buyer's list shows the commitment in force.
    let buyer = staff(&app).await;
    let (_, list) = call(&buyer, Method::GET, &app.url("/api/v1/forecast/suggestions"), None, None).await;
    let row = list["items"].as_array().unwrap().iter().find(|i| i["id"] == json!(s1)).expect("listed").clone();
    assert_eq!(row["commitment"]["quantity"], 12);
    assert_eq!(row["commitment"]["shortfall"], 12);
    assert_eq!(row["commitment"]["reason"], "Line 2 down for repairs");

    // A new answer is a new version; the same answer again records nothing.
    let (status, r) = call(&ops, Method::POST, &url, None, Some(&json!({"quantity": 24, "available_on": ahead(9)}))).await;
    assert_eq!(status, 201, "{r}");
    let audit = app.audit_count().await;
    let (status, _) = call(&ops, Method::POST, &url, None, Some(&json!({"quantity": 24, "available_on": ahead(9)}))).await;
    assert_eq!(status, 201);
    assert_eq!(app.audit_count().await, audit);
    let (status, r) = call(&buyer, Method::GET, &url, None, None).await;
    assert_eq!(status, 200);
    let versions: Vec<(i64, i64)> =
        r["commitments"].as_array().unwrap().iter().map(|c| (c["version"].as_i64().unwrap(), c["quantity"].as_i64().unwrap())).collect();
    assert_eq!(versions, [(1, 12), (2, 24)]);
    assert_eq!((r["suggestion"]["commitment"]["version"].as_i64(), r["asked"].as_i64()), (Some(2), Some(24)));
    // The list says which version is in force too.
    let (_, list) = call(&buyer, Method::GET, &app.url("/api/v1/forecast/suggestions"), None, None).await;
    let row = list["items"].as_array().unwrap().iter().find(|i| i["id"] == json!(s1)).expect("listed").clone();
    assert_eq!((row["commitment"]["version"].as_i64(), row["commitment"]["quantity"].as_i64()), (Some(2), Some(24)));

    // Once ordered, the PO's quantity is what a commitment answers.
    let ctx = app.ctx_as(TenantId::RETAILER, &[Role::CategoryManager]).await;
    app.services.adjust_suggestion(&ctx, s1, Some(36), None).await.unwrap();
    app.services.approve_suggestions(&ctx, &[s1], &Default::default()).await.unwrap();
    let (status, r) =
        call(&ops, Method::POST, &url, None, Some(&json!({"quantity": 30, "available_on": ahead(9), "shortfall_reason": "Short on cartons"}))).await;
    assert_eq!((status, r["asked"].as_i64()), (201, Some(36)), "{r}");
    assert_eq!(r["suggestion"]["commitment"]["shortfall"], 6);
}

#[tokio::test]
async fn vendors_neither_approve_nor_answer_another_vendors_suggestions() {
    let Fx { app, v, dc, a, run, .. } = setup().await;
    let s1 = suggestion(&app, run, &a, &dc, 24).await;
    let other = app.vendor().await;
    let other_item = app.item(&other).await;
    let s_other = suggestion(&app, run, &other_item, &dc, 24).await;
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let body = json!({"quantity": 24, "available_on": ahead(5)});

    let (status, _) = call(&ops, Method::POST, &app.url("/api/v1/forecast/suggestions/approve"), None, Some(&json!({"ids": [s1]}))).await;
    assert_eq!(status, 403);
    let (status, _) = call(&ops, Method::POST, &app.url(&format!("/api/v1/forecast/suggestions/{s1}/adjust")), None, Some(&json!({"quantity": 12}))).await;
    assert_eq!(status, 403);
    let (status, e) = call(&ops, Method::POST, &app.url(&format!("/api/v1/forecast/suggestions/{s_other}/commitments")), None, Some(&body)).await;
    assert_eq!((status, e["code"].as_str()), (404, Some("not_found")), "another vendor's suggestion looks missing");
    let (status, list) = call(&ops, Method::GET, &app.url("/api/v1/forecast/suggestions"), None, None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [s1.to_string().as_str()], "a vendor lists its own");
    assert!(!list.to_string().contains(&other.canary));
    // Retailer staff do not commit for the vendor; read-only vendor roles do not commit at all.
    let buyer = staff(&app).await;
    let (status, _) = call(&buyer, Method::POST, &app.url(&format!("/api/v1/forecast/suggestions/{s1}/commitments")), None, Some(&body)).await;
    assert_eq!(status, 403);
    let reader = app.login(&app.user(v.id, &[Role::ReadOnly]).await).await;
    let (status, _) = call(&reader, Method::POST, &app.url(&format!("/api/v1/forecast/suggestions/{s1}/commitments")), None, Some(&body)).await;
    assert_eq!(status, 403);
    assert!(acorn_store::repo::forecast::commitments(&app.services.db.conn, s1).await.unwrap().is_empty());
}

/// Turns VMI on in `v`'s agreement with the stock range 50–200 units.
async fn vmi_agreement(app: &TestApp, v: &VendorFx) {
    let mut terms = acorn_domain::terms::Terms::default_for("USD");
    terms.planning =
        acorn_domain::forecast::AgreementPlanning { vmi: true, defaults: PlanningOverrides { vmi_min: Some(50), vmi_max: Some(200), ..Default::default() } };
    app.services.set_terms(&Ctx::cli(), v.id, terms, Utc::now().date_naive(), "VMI").await.expect("terms");
}

#[tokio::test]
async fn vmi_proposals_stay_within_the_agreed_range_and_only_under_vmi() {
    let Fx { app, v, dc, a, .. } = setup().await;
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let url = app.url("/api/v1/forecast/vmi-proposals");
    let body = |q: i64| json!({"item_id": a.id, "dc": "RPL1", "quantity": q, "delivery_on": ahead(10)});

    // Not under VMI: refused.
    let (status, e) = call(&ops, Method::POST, &url, None, Some(&body(12))).await;
    assert_eq!((status, e["code"].as_str()), (422, Some("vmi_not_agreed")), "{e}");

    // Under VMI, with 100 on hand (the last week's report) and 60 on order: room for 40, so 36 (cases of 12).
    vmi_agreement(&app, &v).await;
    let week = acorn_domain::forecast::last_completed_week(Utc::now(), acorn_domain::time::zone("America/Los_Angeles").unwrap());
    let csv = format!("gtin,dc,week,units,on_hand\n{},RPL1,{week},5,100\n", a.gtin.as_str());
    app.services.import_sales_csv(&Ctx::cli(), &csv).await.expect("sales");
    app.po(&v, &dc, &[&a], 60).await;
    let (status, e) = call(&ops, Method::POST, &url, None, Some(&body(48))).await;
    assert_eq!((status, fields(&e)), (422, vec!["quantity".to_string()]), "{e}");
    let issue = e["details"][0]["issue"].as_str().unwrap();
    assert!(issue.contains("at most 36 units keep the position (160) within the agreed maximum 200"), "{issue}");
    let (status, e) = call(&ops, Method::POST, &url, None, Some(&body(30))).await;
    assert!(status == 422 && e["details"][0]["issue"].as_str().unwrap().contains("whole cases of 12"), "{e}");
    let (status, e) = call(&ops, Method::POST, &url, None, Some(&json!({"item_id": a.id, "dc": "RPL1", "quantity": 12, "delivery_on": "2000-01-01"}))).await;
    assert_eq!((status, fields(&e)), (422, vec!["delivery_on".to_string()]), "{e}");

    let (status, r) = call(&ops, Method::POST, &url, None, Some(&body(36))).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!((r["origin"].as_str(), r["status"].as_str(), r["quantity"].as_i64()), (Some("vmi"), Some("proposed"), Some(36)), "{r}");
    assert_eq!(r["delivery_on"], json!(ahead(10)));
    let proposal: Uuid = r["id"].as_str().unwrap().parse().unwrap();
    // The pending proposal counts as on order: no room is left for another case.
    let (status, e) = call(&ops, Method::POST, &url, None, Some(&body(12))).await;
    assert!(status == 422 && e["details"][0]["issue"].as_str().unwrap().contains("no room for a case"), "{e}");

    // Another vendor's item is not found; staff do not propose.
    let other = app.vendor().await;
    let other_item = app.item(&other).await;
    let (status, _) =
        call(&ops, Method::POST, &url, None, Some(&json!({"item_id": other_item.id, "dc": "RPL1", "quantity": 12, "delivery_on": ahead(3)}))).await;
    assert_eq!(status, 404);
    let buyer = staff(&app).await;
    let (status, _) = call(&buyer, Method::POST, &url, None, Some(&body(12))).await;
    assert_eq!(status, 403);

    // The buyer approves the proposal like any other: the PO is due on the proposed date.
    let (status, r) = call(&buyer, Method::POST, &app.url("/api/v1/forecast/suggestions/approve"), None, Some(&json!({"ids": [proposal]}))).await;
    assert_eq!(status, 200, "{r}");
    let po: Uuid = r["purchase_orders"][0]["po_id"].as_str().unwrap().parse().unwrap();
    let d = app.services.get_po(&Ctx::cli(), po).await.unwrap();
    assert_eq!((d.po.delivery_window.start.to_string(), d.lines[0].ordered_eaches()), (ahead(10), 36));
}

#[tokio::test]
async fn the_real_forecast_run_feeds_the_buyers_list() {
    let Fx { app, dc, a, .. } = setup().await;
    // Two years of steady sales and nothing on hand: the run must suggest an order.
    let tz = acorn_domain::time::zone("America/Los_Angeles").unwrap();
    let last = acorn_domain::forecast::last_completed_week(Utc::now(), tz);
    let mut csv = String::from("gtin,dc,week,units,on_hand\n");
    for w in 0..104 {
        csv.push_str(&format!("{},RPL1,{},{},{}\n", a.gtin.as_str(), last - chrono::Duration::weeks(w), 20 + w % 5, if w == 0 { 0 } else { 40 }));
    }
    app.services.import_sales_csv(&Ctx::cli(), &csv).await.expect("sales");
    let buyer = app.ctx_as(TenantId::RETAILER, &[Role::CategoryManager]).await;
    let opts = acorn_service::forecast::RunOptions { history_end: None, force: true, started_by: "test".into() };
    app.services.run_forecasts(&buyer, opts, &|_| {}).await.expect("run");
    let f = acorn_service::forecast::suggestions::SuggestionFilter { dc: Some(dc.code.clone()), ..Default::default() };
    let page = app.services.list_suggestions(&buyer, &f).await.unwrap();
    let line = page.items.iter().find(|l| l.suggestion.item_id == a.id).expect("the run suggested an order");
    assert!(line.suggestion.quantity > 0 && line.suggestion.quantity % 12 == 0, "{:?}", line.suggestion);
    let pos = app.services.approve_suggestions(&buyer, &[line.suggestion.id], &Default::default()).await.unwrap();
    assert_eq!(pos.len(), 1);
    let d = app.services.get_po(&Ctx::cli(), pos[0].po_id).await.unwrap();
    assert_eq!(d.lines[0].ordered_eaches(), line.suggestion.quantity);
}

/// Sets a date input through the DOM (typing into a date control depends on the browser's locale).
async fn set_value(b: &acorn_testkit::browser::Browser, css: &str, value: &str) -> anyhow::Result<()> {
    b.wait_for(css).await?;
    b.client().execute("document.querySelector(arguments[0]).value = arguments[1];", vec![css.into(), value.into()]).await?;
    Ok(())
}

/// The click path: the buyer ticks a suggestion and creates its PO (the notice links it); the vendor
/// answers with fewer units and a reason (after the error for a missing reason); the buyer sees the
/// shortfall on the list. axe-core runs on every page.
#[tokio::test]
async fn in_the_browser_the_buyer_orders_a_suggestion_and_sees_the_vendors_shortfall() -> anyhow::Result<()> {
    let Some(b) = acorn_testkit::browser::Browser::start().await? else { return Ok(()) };
    let Fx { app, v, dc, a, run, .. } = setup().await;
    let s1 = suggestion(&app, run, &a, &dc, 24).await;
    let buyer = app.user(TenantId::RETAILER, &[Role::CategoryManager]).await;
    sign_in(&b, &app, &buyer).await?;
    b.goto(&app.url("/replenishment")).await?;
    b.wait_for("#repl-table").await?;
    b.assert_accessible().await?;
    b.click(&format!("#sel-{s1}")).await?;
    b.click("#create-pos").await?;
    b.wait_for("#notice-pos").await?;
    b.assert_accessible().await?;
    let number = b.text("#notice-pos .po-link code").await?;
    let po = app.services.get_po_by_number(&Ctx::cli(), &number).await?;
    assert_eq!(po.lines[0].ordered_eaches(), 24);
    b.click("#notice-pos .po-link").await?;
    b.wait_for("#po-title").await?;
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;

    let ops = app.user(v.id, &[Role::Operations]).await;
    sign_in(&b, &app, &ops).await?;
    b.goto(&app.url("/replenishment")).await?;
    b.wait_for(&format!("#commit-{s1}")).await?;
    b.assert_accessible().await?;
    b.fill(&format!("#c-qty-{s1}"), "12").await?;
    set_value(&b, &format!("#c-date-{s1}"), &ahead(7)).await?;
    b.fill(&format!("#c-reason-{s1}"), "").await?;
    b.click(&format!("#commit-{s1}")).await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    assert!(b.text(&format!("#c-reason-{s1}-error")).await?.contains("required"));
    b.fill(&format!("#c-reason-{s1}"), "Line 2 down for repairs").await?;
    b.click(&format!("#commit-{s1}")).await?;
    b.wait_for("#notice").await?;
    b.assert_accessible().await?;
    assert!(b.text(&format!("#commitment-{s1}")).await?.contains("Short by 12"));
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;

    sign_in(&b, &app, &buyer).await?;
    b.goto(&app.url("/replenishment")).await?;
    b.wait_for(&format!("#commitment-{s1}")).await?;
    b.assert_accessible().await?;
    let seen = b.text(&format!("#commitment-{s1}")).await?;
    assert!(seen.contains("Short by 12") && seen.contains("Line 2 down for repairs"), "{seen}");
    assert!(b.exists(&format!("tr#row-{s1}.row-current")).await?, "a short commitment is highlighted");
    b.close().await
}

/// The portal's forms without a browser: a quantity rounded up says so; an empty selection and a
/// bad date are shown against their fields; the vendor's VMI form proposes within the range.
#[tokio::test]
async fn the_portal_forms_round_refuse_and_propose() {
    use crate::support::{get, location, submit};
    let Fx { app, v, dc, a, run, .. } = setup().await;
    let s1 = suggestion(&app, run, &a, &dc, 24).await;
    let buyer = staff(&app).await;
    let res = submit(
        &app,
        &buyer,
        "/replenishment",
        &format!("/replenishment/{s1}/adjust"),
        &[("quantity", "30".to_string()), ("back", "/replenishment?dc=RPL1".into())],
    )
    .await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with("/replenishment?dc=RPL1&done=adjusted&typed=30&to=36&pack=12"), "{to}");
    let (_, html) = get(&buyer, &app.url(&to)).await;
    assert!(html.contains("30 units rounded up to 36"), "the rounding is told");

    let res = submit(&app, &buyer, "/replenishment", "/replenishment/approve", &[("delivery_on", "someday".to_string())]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"delivery_on-error\"") && html.contains("someday"), "the date's error is next to it");
    let res = submit(&app, &buyer, "/replenishment", "/replenishment/approve", crate::support::NO_FIELDS).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"create-pos-error\""));

    vmi_agreement(&app, &v).await;
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let (_, page) = get(&ops, &app.url("/replenishment")).await;
    assert!(page.contains("id=\"vmi-propose\""), "VMI vendors get the proposal form");
    let form = |q: &str| vec![("item", a.vendor_sku.clone()), ("dc", "RPL1".to_string()), ("quantity", q.to_string()), ("delivery_on", ahead(6))];
    let res = submit(&app, &ops, "/replenishment", "/replenishment/vmi", &form("300")).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"vmi-quantity-error\"") && html.contains("agreed maximum 200"), "the range is named next to the field");
    let res = submit(&app, &ops, "/replenishment", "/replenishment/vmi", &form("96")).await;
    assert_eq!((res.status(), location(&res)), (reqwest::StatusCode::SEE_OTHER, "/replenishment?done=proposed".to_string()));
    let (_, page) = get(&ops, &app.url("/replenishment")).await;
    assert!(page.contains("VMI proposal"), "{page}");
    // A vendor without VMI has no form.
    let plain = app.vendor().await;
    let (_, page) = get(&app.login(&app.user(plain.id, &[Role::Operations]).await).await, &app.url("/replenishment")).await;
    assert!(!page.contains("id=\"vmi-propose\""));
}
