//! Forecasting data end to end: weekly sales by CSV upload (good rows stored, bad rows reported by row
//! and column with nothing written, a re-import changing nothing), by API batch (errors by index and
//! field, keyset-paged lists, vendors seeing only their own, another tenant's vendor a 404), who may
//! record sales (retailer buyers only), and planning parameters (system defaults, the agreement's
//! defaults, item × DC overrides, refused values named, a repeated save changing nothing); then the
//! portal pages: the sales list, its CSV export, the upload form's report, and the planning form.

use acorn_domain::forecast::{last_completed_week, week_label};
use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_domain::time::zone;
use acorn_service::{Ctx, ServiceError};
use acorn_testkit::app::hidden;
use acorn_testkit::{TestApp, VendorFx, call};
use chrono::{Duration, NaiveDate, Utc};
use reqwest::Method;
use serde_json::{Value, json};

/// The Monday `back` weeks before the last completed week at a DC in Los Angeles (the fixture DCs').
fn week(back: i64) -> NaiveDate {
    last_completed_week(Utc::now(), zone("America/Los_Angeles").unwrap()) - Duration::weeks(back)
}

fn fields(e: &Value) -> Vec<String> {
    e["details"].as_array().map(|d| d.iter().map(|x| x["field"].as_str().unwrap_or("").to_string()).collect()).unwrap_or_default()
}

fn issues(e: ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid(v) => v.into_iter().map(|i| (i.field, i.issue)).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

async fn buyer(app: &TestApp) -> Ctx {
    app.ctx_as(TenantId::RETAILER, &[Role::CategoryManager]).await
}

async fn sales_count(app: &TestApp, tenant: TenantId) -> usize {
    let q = acorn_service::forecast::SalesQuery {
        filter: acorn_store::repo::forecast::SalesFilter { tenant: Some(tenant), ..Default::default() },
        cursor: None,
        limit: Some(500),
    };
    app.services.list_sales(&Ctx::cli(), &q).await.unwrap().items.len()
}

struct Setup {
    app: TestApp,
    v: VendorFx,
    item: acorn_domain::items::Item,
    other: acorn_domain::items::Item,
}

async fn setup() -> Setup {
    let app = TestApp::start().await;
    app.dc("FCA1").await;
    app.dc("FCB2").await;
    let v = app.vendor().await;
    let item = app.item(&v).await;
    let other = app.item(&v).await;
    Setup { app, v, item, other }
}

#[tokio::test]
async fn csv_import_stores_weeks_and_a_repeat_changes_nothing() {
    let Setup { app, v, item, other } = setup().await;
    let csv = format!(
        "vendor_code,vendor_sku,gtin,dc,week,units,on_hand\n\
         ,,{g},FCA1,{w3},12,40\n\
         ,,{g},fca1,{w2},0,0\n\
         {code},{sku},,FCA1,{w1},7.0,\n\
         {code},{osku},{og},FCB2,{w1m},3,9\n",
        g = item.gtin.as_str(),
        w3 = week_label(week(3)),
        w2 = week(2),
        w1 = week_label(week(1)),
        w1m = week(1),
        code = v.code.to_lowercase(),
        sku = item.vendor_sku,
        osku = other.vendor_sku,
        og = other.gtin.as_str(),
    );
    let ctx = buyer(&app).await;
    let audit = app.audit_count().await;
    let r = app.services.import_sales_csv(&ctx, &csv).await.expect("import");
    assert_eq!((r.rows, r.inserted, r.updated, r.unchanged, r.vendors), (4, 4, 0, 0, 1));
    assert_eq!(app.audit_count().await, audit + 1, "one audit record per vendor and import");
    assert_eq!(sales_count(&app, v.id).await, 4);

    // The same file again: nothing written, nothing audited.
    let r = app.services.import_sales_csv(&ctx, &csv).await.expect("re-import");
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 4));
    assert_eq!(app.audit_count().await, audit + 1);

    // One week corrected: that week is updated, in place.
    let fix = format!("gtin,dc,week,units,on_hand\n{},FCA1,{},15,40\n", item.gtin.as_str(), week_label(week(3)));
    let r = app.services.import_sales_csv(&ctx, &fix).await.expect("correction");
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 0));
    assert_eq!(sales_count(&app, v.id).await, 4);
    let series =
        acorn_store::repo::forecast::series(&app.services.db.conn, item.id, app.services.get_dc_by_code(&ctx, "FCA1").await.unwrap().id).await.unwrap();
    let units: Vec<(NaiveDate, i64, Option<i64>)> = series.iter().map(|s| (s.week_start, s.units, s.on_hand)).collect();
    assert_eq!(units, [(week(3), 15, Some(40)), (week(2), 0, Some(0)), (week(1), 7, None)]);
}

#[tokio::test]
async fn a_bad_csv_names_every_row_and_column_and_writes_nothing() {
    let Setup { app, v, item, .. } = setup().await;
    let g = item.gtin.as_str();
    let thursday = week(2) + Duration::days(3);
    let csv = format!(
        "gtin,vendor_code,vendor_sku,dc,week,units,on_hand\n\
         {g},,,FCA1,{good},5,1\n\
         {g},,,FCA1,{thursday},5,\n\
         {g},,,NOPE,{good2},5,\n\
         {g},,,FCA1,{good3},-2,x\n\
         00000000000000,,,FCA1,{good3},1,\n\
         {g},,,FCA1,{future},1,\n\
         {g},,,FCA1,{good},6,\n\
         ,{code},NO-SUCH-SKU,FCA1,{good3},1,\n",
        good = week_label(week(1)),
        good2 = week_label(week(2)),
        good3 = week_label(week(3)),
        future = week_label(week(-1)),
        code = v.code,
    );
    let ctx = buyer(&app).await;
    let audit = app.audit_count().await;
    let e = issues(app.services.import_sales_csv(&ctx, &csv).await.unwrap_err());
    let at: Vec<&str> = e.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(at, ["row 3, week", "row 4, dc", "row 5, units", "row 5, on_hand", "row 6, gtin", "row 7, week", "row 8, week", "row 9, vendor_sku"], "{e:?}");
    let text = |row: &str| e.iter().find(|(f, _)| f == row).map(|(_, i)| i.clone()).unwrap();
    assert!(text("row 3, week").contains("not a Monday"), "{e:?}");
    assert!(text("row 4, dc").contains("`NOPE` is not a DC code; the DCs are FCA1, FCB2"), "{e:?}");
    assert!(text("row 5, units").contains("must not be negative"), "{e:?}");
    assert!(text("row 7, week").contains("has not ended yet"), "{e:?}");
    assert!(text("row 8, week").contains("already in row 2, week"), "{e:?}");
    assert_eq!(sales_count(&app, v.id).await, 0, "nothing is written while a row is wrong");
    assert_eq!(app.audit_count().await, audit);

    // Header problems are found before any row.
    let e = issues(app.services.import_sales_csv(&ctx, "gtin,dc,units,colour\nx,y,1,red\n").await.unwrap_err());
    assert_eq!(e.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["row 1", "row 1, column 4"]);
}

#[tokio::test]
async fn only_retailer_buyers_record_sales() {
    let Setup { app, v, item, .. } = setup().await;
    let csv = format!("gtin,dc,week,units\n{},FCA1,{},1\n", item.gtin.as_str(), week(1));
    for roles in [vec![Role::VendorAdmin], vec![Role::Operations]] {
        let ctx = app.ctx_as(v.id, &roles).await;
        assert!(matches!(app.services.import_sales_csv(&ctx, &csv).await, Err(ServiceError::Forbidden)), "{roles:?}");
    }
    for role in [Role::VendorManager, Role::Auditor, Role::ApClerk] {
        let ctx = app.ctx_as(TenantId::RETAILER, &[role]).await;
        assert!(matches!(app.services.import_sales_csv(&ctx, &csv).await, Err(ServiceError::Forbidden)), "{role}");
    }
    let admin = app.ctx_as(TenantId::RETAILER, &[Role::Admin]).await;
    assert_eq!(app.services.import_sales_csv(&admin, &csv).await.unwrap().inserted, 1);
    // A vendor's API client may not send sales either.
    let token = app.token(v.id, &[]).await;
    let body = json!({"sales": [{"gtin": item.gtin.as_str(), "dc": "FCA1", "week": week(2), "units": 1}]});
    let (status, _) = call(&acorn_testkit::http(), Method::POST, &app.url("/api/v1/forecast/sales"), Some(&token), Some(&body)).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_api_takes_batches_and_lists_each_vendor_its_own() {
    let Setup { app, v, item, other } = setup().await;
    let b = app.vendor().await;
    let b_item = app.item(&b).await;
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::CategoryManager]).await).await;
    let url = app.url("/api/v1/forecast/sales");

    // Every bad record named by index and field; nothing stored.
    let bad = json!({"sales": [
        {"gtin": item.gtin.as_str(), "dc": "FCA1", "week": week(1), "units": 3},
        {"gtin": item.gtin.as_str(), "dc": "FCA1", "week": "2026-13-01", "units": 3},
        {"vendor_sku": item.vendor_sku, "dc": "FCA1", "week": week(2), "units": 3},
        {"gtin": item.gtin.as_str(), "dc": "FCA1", "week": week(3)},
        {"gtin": item.gtin.as_str(), "dc": "FCA1", "week": week(4), "units": 2_000_000_000i64, "on_hand": -1}
    ]});
    let (status, e) = call(&staff, Method::POST, &url, None, Some(&bad)).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(fields(&e), ["sales[1].week", "sales[2].vendor_code", "sales[3].units", "sales[4].units", "sales[4].on_hand"], "{e}");
    assert_eq!(sales_count(&app, v.id).await, 0);
    let (status, e) = call(&staff, Method::POST, &url, None, Some(&json!({"sales": []}))).await;
    assert_eq!((status, fields(&e)), (422, vec!["sales".to_string()]));

    // Twelve weeks of two items of A and three of B's item.
    let mut sales = Vec::new();
    for w in 1..=12 {
        sales.push(json!({"gtin": item.gtin.as_str(), "dc": "FCA1", "week": week_label(week(w)), "units": w, "on_hand": 100 - w}));
        sales.push(json!({"vendor_code": v.code, "vendor_sku": other.vendor_sku, "dc": "FCB2", "week": week(w), "units": 2 * w}));
    }
    for w in 1..=3 {
        sales.push(json!({"gtin": b_item.gtin.as_str(), "dc": "FCA1", "week": week(w), "units": 1}));
    }
    let (status, r) = call(&staff, Method::POST, &url, None, Some(&json!({ "sales": sales }))).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!((r["rows"].as_u64(), r["inserted"].as_u64(), r["vendors"].as_u64()), (Some(27), Some(27), Some(2)));
    // A retry of the same batch (a new key: the client lost the answer) changes nothing.
    let (status, r) = call(&staff, Method::POST, &url, None, Some(&json!({ "sales": sales }))).await;
    assert_eq!((status, r["unchanged"].as_u64(), r["inserted"].as_u64()), (200, Some(27), Some(0)));

    // Vendor A's client pages through its own 24 weeks, newest first; B's never show.
    let token = app.token(v.id, &[]).await;
    let c = acorn_testkit::http();
    let mut seen = Vec::new();
    let mut next = Some(String::new());
    while let Some(cursor) = next {
        let page_url = format!("{url}?limit=10{}", if cursor.is_empty() { String::new() } else { format!("&cursor={cursor}") });
        let (status, page) = call(&c, Method::GET, &page_url, Some(&token), None).await;
        assert_eq!(status, 200, "{page}");
        for row in page["items"].as_array().unwrap() {
            assert_eq!(row["vendor_code"], v.code.as_str());
            seen.push((row["week_start"].as_str().unwrap().to_string(), row["vendor_sku"].as_str().unwrap().to_string()));
        }
        next = page["next"].as_str().map(str::to_string);
    }
    assert_eq!(seen.len(), 24);
    let weeks: Vec<&String> = seen.iter().map(|(w, _)| w).collect();
    assert!(weeks.windows(2).all(|p| p[0] >= p[1]), "newest week first: {weeks:?}");
    assert!(!format!("{seen:?}").contains(&b_item.vendor_sku));

    // Filters: DC and week range; bad ones named.
    let (_, page) = call(&c, Method::GET, &format!("{url}?dc=FCB2&from={}&to={}", week_label(week(4)), week(2)), Some(&token), None).await;
    let units: Vec<i64> = page["items"].as_array().unwrap().iter().map(|r| r["units"].as_i64().unwrap()).collect();
    assert_eq!(units, [4, 6, 8]);
    let (status, e) = call(&c, Method::GET, &format!("{url}?dc=NOPE&from=soon"), Some(&token), None).await;
    assert_eq!((status, fields(&e)), (422, vec!["from".to_string(), "dc".to_string()]), "{e}");
    // Another vendor's code is a 404 for a vendor; staff may name any vendor.
    let (status, _) = call(&c, Method::GET, &format!("{url}?vendor_code={}", b.code), Some(&token), None).await;
    assert_eq!(status, 404);
    let (status, page) = call(&staff, Method::GET, &format!("{url}?vendor_code={}", b.code), None, None).await;
    assert_eq!((status, page["items"].as_array().unwrap().len()), (200, 3));
}

#[tokio::test]
async fn planning_parameters_fall_back_to_the_agreement_then_the_system() {
    let Setup { app, v, item, .. } = setup().await;
    let b = app.vendor().await;
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::CategoryManager]).await).await;
    let vendor = app.token(v.id, &[]).await;
    let other = app.token(b.id, &[]).await;
    let c = acorn_testkit::http();
    let url = app.url(&format!("/api/v1/forecast/params/{}", item.id));

    let (status, p) = call(&c, Method::GET, &url, Some(&vendor), None).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["case_pack"], 12);
    let fca1 = |p: &Value| p["dcs"].as_array().unwrap().iter().find(|d| d["dc"] == "FCA1").unwrap().clone();
    let d = fca1(&p);
    assert_eq!((d["effective"]["lead_time_weeks"].as_u64(), d["effective"]["service_target"].as_str()), (Some(2), Some("0.95")));
    assert_eq!(d["effective"]["sources"]["lead_time_weeks"], "system");
    let (status, _) = call(&c, Method::GET, &url, Some(&other), None).await;
    assert_eq!(status, 404, "another vendor's item looks missing");

    // The agreement sets defaults (admin, terms API); a later terms version without `planning` keeps them.
    let admin = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    let terms_url = app.url(&format!("/api/v1/vendors/{}/terms", v.id));
    let terms = json!({"payment": {"net_days": 30}, "tolerance": {"absolute": "1.00", "percent": "1"}, "currency": "USD",
        "planning": {"vmi": true, "lead_time_weeks": 4, "moq": 48, "service_target": "97%"}});
    let (status, t) = call(&admin, Method::PUT, &terms_url, None, Some(&terms)).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["in_force"]["terms"]["planning"]["service_target"], "0.97");
    let bad_terms = json!({"payment": {"net_days": 30}, "tolerance": {"absolute": "1.00", "percent": "1"}, "currency": "USD",
        "planning": {"lead_time_weeks": 0, "service_target": "often"}});
    let (status, e) = call(&admin, Method::PUT, &terms_url, None, Some(&bad_terms)).await;
    assert_eq!((status, fields(&e)), (422, vec!["planning.service_target".to_string()]), "{e}");
    let (status, t) = call(
        &admin,
        Method::PUT,
        &terms_url,
        None,
        Some(&json!({"payment": {"net_days": 60}, "tolerance": {"absolute": "1.00", "percent": "1"}, "currency": "USD"})),
    )
    .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!((t["in_force"]["terms"]["planning"]["lead_time_weeks"].as_u64(), t["in_force"]["terms"]["planning"]["vmi"].as_bool()), (Some(4), Some(true)));

    let (_, p) = call(&c, Method::GET, &url, Some(&vendor), None).await;
    let d = fca1(&p);
    assert_eq!(p["agreement"]["vmi"], true);
    assert_eq!((d["effective"]["lead_time_weeks"].as_u64(), d["effective"]["sources"]["lead_time_weeks"].as_str()), (Some(4), Some("agreement")));
    assert_eq!(d["effective"]["moq"], 48);

    // The buyer overrides at one DC; the other DC keeps the agreement's.
    let body = json!({"dc": "fca1", "lead_time_weeks": 6, "service_target": "0.99", "vmi_min": 10, "vmi_max": 80});
    let audit = app.audit_count().await;
    let (status, d) = call(&staff, Method::PUT, &url, None, Some(&body)).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!((d["effective"]["lead_time_weeks"].as_u64(), d["effective"]["sources"]["lead_time_weeks"].as_str()), (Some(6), Some("item_dc")));
    assert_eq!((d["effective"]["moq"].as_i64(), d["effective"]["sources"]["moq"].as_str()), (Some(48), Some("agreement")));
    assert_eq!(d["effective"]["sources"]["vmi_range"], "item_dc");
    assert_eq!(app.audit_count().await, audit + 1);
    // The same again: nothing changes, nothing is audited.
    let (status, _) = call(&staff, Method::PUT, &url, None, Some(&body)).await;
    assert_eq!(status, 200);
    assert_eq!(app.audit_count().await, audit + 1);
    let (_, p) = call(&c, Method::GET, &url, Some(&vendor), None).await;
    let fcb2 = p["dcs"].as_array().unwrap().iter().find(|d| d["dc"] == "FCB2").unwrap().clone();
    assert_eq!((fca1(&p)["effective"]["lead_time_weeks"].as_u64(), fcb2["effective"]["lead_time_weeks"].as_u64()), (Some(6), Some(4)));

    // Refused values are named; nothing changes.
    let (status, e) =
        call(&staff, Method::PUT, &url, None, Some(&json!({"dc": "FCA1", "lead_time_weeks": 0, "service_target": "1.5", "vmi_min": 5, "moq": -1}))).await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(fields(&e), ["lead_time_weeks", "service_target", "moq", "vmi_max"]);
    let (status, e) = call(&staff, Method::PUT, &url, None, Some(&json!({"dc": "NOPE", "lead_time_weeks": 3}))).await;
    assert_eq!((status, fields(&e)), (422, vec!["dc".to_string()]));
    let (status, e) = call(&staff, Method::PUT, &url, None, Some(&json!({"dc": "FCA1", "review_weeks": 70000}))).await;
    assert_eq!((status, fields(&e)), (422, vec!["review_weeks".to_string()]));
    assert_eq!(app.audit_count().await, audit + 1);

    // Vendors read but never set; an empty override returns the DC to the agreement's values.
    let (status, _) = call(&c, Method::PUT, &url, Some(&vendor), Some(&json!({"dc": "FCA1", "lead_time_weeks": 1}))).await;
    assert_eq!(status, 403);
    let (status, d) = call(&staff, Method::PUT, &url, None, Some(&json!({"dc": "FCA1"}))).await;
    assert_eq!((status, d["effective"]["sources"]["lead_time_weeks"].as_str()), (200, Some("agreement")));
    let missing = app.url(&format!("/api/v1/forecast/params/{}", uuid::Uuid::now_v7()));
    let (status, _) = call(&staff, Method::PUT, &missing, None, Some(&json!({"dc": "FCA1"}))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_portal_lists_uploads_and_plans() {
    let Setup { app, v, item, .. } = setup().await;
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::CategoryManager]).await).await;

    // The upload form: a bad row is reported against its row and column, then a good file is stored.
    let page = staff.get(app.url("/sales/upload")).send().await.unwrap().text().await.unwrap();
    let (csrf, form) = (hidden(&page, "_csrf").unwrap(), hidden(&page, "_form").unwrap());
    let bad = format!("gtin,dc,week,units\n{},FCA1,{},lots\n", item.gtin.as_str(), week(1));
    let res = staff.post(app.url("/sales/upload")).form(&[("_csrf", csrf.as_str()), ("_form", form.as_str()), ("csv", bad.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("row 2, units") && body.contains("is not a whole number"), "{body}");
    let good = format!("gtin,dc,week,units,on_hand\n{g},FCA1,{w1},5,0\n{g},FCA1,{w2},9,4\n", g = item.gtin.as_str(), w1 = week(1), w2 = week(2));
    let page = staff.get(app.url("/sales/upload")).send().await.unwrap().text().await.unwrap();
    let form = hidden(&page, "_form").unwrap();
    let res = staff.post(app.url("/sales/upload")).form(&[("_csrf", csrf.as_str()), ("_form", form.as_str()), ("csv", good.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/sales/upload?done=uploaded&n=2");

    // The list, for staff with a vendor filter and for the vendor; the export has the same rows.
    let list = staff.get(app.url(&format!("/sales?vendor={}", v.code))).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&week_label(week(1))) && list.contains(&item.vendor_sku), "{list}");
    assert!(list.contains("Out of stock"), "on hand 0 is marked");
    let vendor = app.login(&app.user(v.id, &[Role::ReadOnly]).await).await;
    let list = vendor.get(app.url("/sales")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains(&item.vendor_sku) && !list.contains("id=\"sales-upload\""));
    let csv = vendor.get(app.url("/sales.csv")).send().await.unwrap().text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("vendor_code,vendor_sku,gtin,title,dc,week,week_start,units,on_hand"));
    let filtered = vendor.get(app.url("/sales?from=nonsense")).send().await.unwrap().text().await.unwrap();
    assert!(filtered.contains("nonsense") && filtered.contains("is not a week"), "a bad filter is named");

    // The planning form: refused values shown against their fields; a good save comes back saved.
    let url = app.url(&format!("/items/{}/planning?dc=FCA1", item.id));
    let page = staff.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("system default"), "{page}");
    let form = hidden(&page, "_form").unwrap();
    let post = app.url(&format!("/items/{}/planning", item.id));
    let res = staff
        .post(&post)
        .form(&[("_csrf", csrf.as_str()), ("_form", form.as_str()), ("dc", "FCA1"), ("lead_time_weeks", "three"), ("service_target", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("`three` is not a whole number") && body.contains("must be above 0 and below 1"), "{body}");
    let page = staff.get(&url).send().await.unwrap().text().await.unwrap();
    let form = hidden(&page, "_form").unwrap();
    let res = staff
        .post(&post)
        .form(&[("_csrf", csrf.as_str()), ("_form", form.as_str()), ("dc", "FCA1"), ("lead_time_weeks", "5"), ("service_target", "98%")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = staff.get(app.url(&format!("/items/{}/planning?dc=FCA1&done=saved", item.id))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("0.98") && page.contains("item × DC"), "{page}");
    // The vendor reads the page without the form.
    let page = vendor.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("0.98") && !page.contains("planning-save"));
}

#[tokio::test]
async fn the_demo_writes_three_years_of_history() {
    let app = TestApp::start().await;
    app.services.seed_demo().await.expect("demo");
    let c = &app.services.db.conn;
    let series = acorn_store::repo::forecast::all_series(c).await.unwrap();
    assert!(series.len() >= 15, "{}", series.len());
    let mut weeks = 0;
    let (mut zeros, mut stockouts) = (0, 0);
    for (_, item, dc) in &series {
        let s = acorn_store::repo::forecast::series(c, *item, *dc).await.unwrap();
        assert!(s.windows(2).all(|p| p[1].week_start - p[0].week_start == Duration::weeks(1)), "contiguous weeks");
        weeks = weeks.max(s.len());
        zeros += s.iter().filter(|w| w.units == 0).count();
        stockouts += s.iter().filter(|w| w.on_hand == Some(0)).count();
    }
    assert_eq!(weeks, 156);
    assert!(zeros > 20 && stockouts > 3, "intermittency ({zeros}) and stock-outs ({stockouts})");
    // Seeding again (an import of the same rows) changes nothing.
    let again = app.services.seed_demo_sales(&Ctx::cli()).await.unwrap();
    assert_eq!(again.inserted + again.updated, 0);
}
