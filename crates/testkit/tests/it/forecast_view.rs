//! What vendors and buyers see of the forecasts, after a real forecast run over three years of weekly
//! sales: the item's forecast page (chart with a band and a mean line, totals, accuracy, expected
//! orders with the vendor's commitment), another vendor's item a 404 on the page and the API, totals
//! from the convolved weekly distributions (a 13-week P90 between the largest weekly P90 and the sum
//! of them), the CSV of every week of every visible series, the API's shapes, and keyset paging.

use acorn_domain::forecast::{Commitment, last_completed_week};
use acorn_domain::ids::TenantId;
use acorn_domain::items::Item;
use acorn_domain::policy::Role;
use acorn_domain::time::zone;
use acorn_service::Ctx;
use acorn_service::forecast::RunOptions;
use acorn_testkit::{TestApp, VendorFx, call};
use chrono::{Duration, NaiveDate, Utc};
use reqwest::Method;

/// The Monday `back` weeks before the last completed week in Los Angeles (the fixture DCs' zone).
fn week(back: i64) -> NaiveDate {
    last_completed_week(Utc::now(), zone("America/Los_Angeles").unwrap()) - Duration::weeks(back)
}

struct Setup {
    app: TestApp,
    a: VendorFx,
    a1: Item,
    a2: Item,
    /// Vendor A's item without any sales.
    a3: Item,
    b1: Item,
}

/// 156 weeks of sales of `item` at `dc`: a level with a yearly swing and some noise; little stock at
/// the end, so the run suggests an order.
async fn history(app: &TestApp, item: &Item, dc: uuid::Uuid, level: i64) {
    let now = Utc::now();
    let rows: Vec<acorn_domain::forecast::SalesWeek> = (0..156)
        .map(|back| {
            let season = ((back % 52) as f64 / 52.0 * std::f64::consts::TAU).sin();
            let units = (level as f64 * (1.0 + 0.3 * season) + ((back * 7919) % 5) as f64 - 2.0).round().max(0.0) as i64;
            acorn_domain::forecast::SalesWeek {
                tenant: item.tenant,
                item_id: item.id,
                dc_id: dc,
                week_start: week(back),
                units,
                on_hand: Some(if back == 0 { 2 } else { 40 }),
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    acorn_store::repo::forecast::upsert_sales(&app.services.db.conn, &rows).await.expect("sales");
}

async fn setup() -> Setup {
    let app = TestApp::start().await;
    let dc = app.dc("FCA1").await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let (a1, a2, a3, b1) = (app.item(&a).await, app.item(&a).await, app.item(&a).await, app.item(&b).await);
    history(&app, &a1, dc.id, 20).await;
    history(&app, &a2, dc.id, 6).await;
    history(&app, &b1, dc.id, 12).await;
    let admin = app.ctx_as(TenantId::RETAILER, &[Role::Admin]).await;
    let run = app
        .services
        .run_forecasts(&admin, RunOptions { history_end: None, force: false, started_by: "test:forecast_view".into() }, &|_| {})
        .await
        .expect("forecast run");
    assert_eq!(run.series_done, 3, "{run:?}");
    Setup { app, a, a1, a2, a3, b1 }
}

#[tokio::test]
async fn a_vendor_sees_its_items_forecast_and_not_another_vendors() {
    let Setup { app, a, a1, a3, b1, .. } = setup().await;
    // The vendor answers the run's suggestion with a smaller commitment: the page shows it.
    let f = app.services.item_forecast(&Ctx::cli(), a1.id).await.expect("item forecast");
    let dc = &f.dcs[0];
    let suggestion = dc.orders.first().map(|o| o.suggestion.clone()).expect("the run suggests an order for an item almost out of stock");
    assert!(suggestion.quantity > 0, "{suggestion:?}");
    let committed = Commitment {
        id: uuid::Uuid::now_v7(),
        suggestion_id: suggestion.id,
        tenant: a.id,
        quantity: suggestion.quantity - 1,
        available_on: Some(week(-2)),
        shortfall: 1,
        reason: "Line maintenance".into(),
        committed_by: "fixture".into(),
        committed_at: Utc::now(),
    };
    acorn_store::repo::forecast::insert_commitment(&app.services.db.conn, &committed).await.expect("commitment");

    let vendor = app.login(&app.user(a.id, &[Role::ReadOnly]).await).await;
    let res = vendor.get(app.url(&format!("/items/{}/forecast", a1.id))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    for needle in [
        r#"role="img""#,
        r#"class="chart-band" d="M"#,
        r#"class="chart-mean" d="M"#,
        "chart-today",
        r#"id="dc-fca1-totals""#,
        r#"id="dc-fca1-backtest""#,
        r#"id="dc-fca1-orders""#,
        r#"id="dc-fca1-weeks""#,
        "Line maintenance",
        &format!("{} units committed", suggestion.quantity - 1),
        "Next 13 weeks",
    ] {
        assert!(page.contains(needle), "{needle} missing");
    }
    assert!(!page.contains("NaN"));
    // The item page links to it.
    let item_page = vendor.get(app.url(&format!("/items/{}", a1.id))).send().await.unwrap().text().await.unwrap();
    assert!(item_page.contains(&format!("/items/{}/forecast", a1.id)));
    // An item without sales says so plainly.
    let none = vendor.get(app.url(&format!("/items/{}/forecast", a3.id))).send().await.unwrap().text().await.unwrap();
    assert!(none.contains(r#"id="forecast-none""#) && !none.contains("chart-band"));
    // Another vendor's item: 404 on the page and on the API, like a missing one.
    let res = vendor.get(app.url(&format!("/items/{}/forecast", b1.id))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let token = app.token(a.id, &[]).await;
    let (status, _) = call(&acorn_testkit::http(), Method::GET, &app.url(&format!("/api/v1/forecast/items/{}", b1.id)), Some(&token), None).await;
    assert_eq!(status, 404);
    let other = app.ctx_as(b1.tenant, &[Role::ReadOnly]).await;
    assert!(matches!(app.services.item_forecast(&other, a1.id).await, Err(acorn_service::ServiceError::NotFound(_))));

    // The API's shape.
    let (status, j) = call(&acorn_testkit::http(), Method::GET, &app.url(&format!("/api/v1/forecast/items/{}", a1.id)), Some(&token), None).await;
    assert_eq!(status, 200, "{j}");
    assert_eq!(j["vendor_sku"], a1.vendor_sku.as_str());
    let d = &j["dcs"][0];
    assert_eq!(d["dc"], "FCA1");
    assert_eq!(d["history"].as_array().unwrap().len(), 156);
    let fc = &d["forecast"];
    let weeks = fc["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 52);
    assert_eq!(fc["first_week"], week(-1).to_string());
    for w in weeks {
        assert!(w["mean"].as_f64().is_some() && w["week"].as_str().unwrap().contains("-W"), "{w}");
        let q: Vec<u64> = ["p50", "p70", "p80", "p90"].iter().map(|k| w[k].as_u64().unwrap()).collect();
        assert!(q.windows(2).all(|p| p[0] <= p[1]), "{w}");
    }
    let horizons: Vec<u64> = fc["totals"].as_array().unwrap().iter().map(|t| t["weeks"].as_u64().unwrap()).collect();
    assert_eq!(horizons, [4, 13, 52]);
    assert!(fc["accuracy"]["wape"].as_f64().is_some(), "{}", fc["accuracy"]);
    assert!(!fc["accuracy"]["weeks"].as_array().unwrap().is_empty());
    let order = &d["expected_orders"][0];
    assert_eq!(order["suggestion_id"], suggestion.id.to_string());
    assert_eq!(order["commitment"]["quantity"].as_i64(), Some(suggestion.quantity - 1));
    assert_eq!(order["commitment"]["shortfall"].as_i64(), Some(1));
}

#[tokio::test]
async fn totals_are_quantiles_of_the_summed_weeks() {
    let Setup { app, a1, a2, .. } = setup().await;
    for item in [&a1, &a2] {
        let f = app.services.item_forecast(&Ctx::cli(), item.id).await.expect("item forecast");
        let fc = f.dcs[0].forecast.as_ref().expect("forecast");
        let t13 = fc.totals.iter().find(|t| t.weeks == 13).expect("13 weeks");
        assert_eq!(t13.step, 1);
        let weekly: Vec<u32> = fc.weeks[..13].iter().map(|w| w.p90).collect();
        let (sum, max) = (weekly.iter().sum::<u32>(), *weekly.iter().max().unwrap());
        assert!(t13.p90 <= sum && t13.p90 >= max, "P90 of 13 weeks {} not within [{max}, {sum}]", t13.p90);
        assert!(t13.p90 < sum, "summing distributions evens weeks out: {} vs {sum}", t13.p90);
        let mean: f64 = fc.weeks[..13].iter().map(|w| w.mean).sum();
        assert!((t13.mean - mean).abs() < 1e-6);
        assert!(f64::from(t13.p50) <= mean * 1.2 && f64::from(t13.p90) >= mean, "{t13:?} vs mean {mean}");
        let t52 = fc.totals.iter().find(|t| t.weeks == 52).unwrap();
        assert!(t52.p90 >= t13.p90 && t52.p50 <= t52.p70 && t52.p70 <= t52.p80 && t52.p80 <= t52.p90);
    }
}

#[tokio::test]
async fn the_csv_has_every_week_of_every_visible_series() {
    let Setup { app, a, a1, a2, b1, .. } = setup().await;
    let vendor = app.login(&app.user(a.id, &[Role::Operations]).await).await;
    let res = vendor.get(app.url("/forecasts.csv")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = res.text().await.unwrap();
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some("vendor_code,vendor_sku,gtin,title,dc,week,week_start,mean,p50,p70,p80,p90"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    for item in [&a1, &a2] {
        let mine: Vec<&Vec<&str>> = rows.iter().filter(|r| r[1] == item.vendor_sku).collect();
        assert_eq!(mine.len(), 52, "{}", item.vendor_sku);
        assert_eq!(mine[0][5], acorn_domain::forecast::week_label(week(-1)));
        assert_eq!(mine[0][6], week(-1).to_string());
        assert!(mine.iter().all(|r| r[4] == "FCA1" && r[2] == item.gtin.as_str()));
        // The mean as text with two decimals.
        assert!(mine.iter().all(|r| r[7].split_once('.').is_some_and(|(_, d)| d.len() == 2)), "{:?}", mine[0]);
    }
    assert_eq!(rows.len(), 104, "vendor A's two series only");
    assert!(!body.contains(&b1.vendor_sku));

    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::VendorManager]).await).await;
    let all = staff.get(app.url("/forecasts.csv")).send().await.unwrap().text().await.unwrap();
    assert_eq!(all.lines().count(), 1 + 3 * 52);
    let only_a = staff.get(app.url(&format!("/forecasts.csv?vendor={}", a.code))).send().await.unwrap().text().await.unwrap();
    assert_eq!(only_a.lines().count(), 1 + 2 * 52);
    assert!(only_a.lines().skip(1).all(|l| l.starts_with(&format!("{},", a.code))));
}

#[tokio::test]
async fn the_list_pages_and_filters() {
    let Setup { app, a, a1, a2, b1, .. } = setup().await;
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::CategoryManager]).await).await;
    let mut seen = Vec::new();
    let mut url = app.url("/api/v1/forecast/forecasts?limit=2");
    let mut pages = 0;
    loop {
        let (status, j) = call(&staff, Method::GET, &url, None, None).await;
        assert_eq!(status, 200, "{j}");
        pages += 1;
        for x in j["items"].as_array().unwrap() {
            assert_eq!(x["dc"], "FCA1");
            assert!(x["mean_13"].as_f64().unwrap() > 0.0 && x["p90_13"].as_u64().is_some(), "{x}");
            seen.push(x["vendor_sku"].as_str().unwrap().to_string());
        }
        match j["next"].as_str() {
            Some(next) => url = app.url(&format!("/api/v1/forecast/forecasts?limit=2&cursor={next}")),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    seen.sort();
    let mut expect = vec![a1.vendor_sku.clone(), a2.vendor_sku.clone(), b1.vendor_sku.clone()];
    expect.sort();
    assert_eq!(seen, expect, "each series once");

    // A vendor's client sees its own; a filter by text; a bad DC is named; a bad cursor refused.
    let token = app.token(a.id, &[]).await;
    let http = acorn_testkit::http();
    let (_, j) = call(&http, Method::GET, &app.url("/api/v1/forecast/forecasts"), Some(&token), None).await;
    assert_eq!(j["items"].as_array().unwrap().len(), 2, "{j}");
    let (_, j) = call(&http, Method::GET, &app.url(&format!("/api/v1/forecast/forecasts?q={}", a2.vendor_sku)), Some(&token), None).await;
    assert_eq!(j["items"].as_array().unwrap().len(), 1);
    let (status, j) = call(&http, Method::GET, &app.url("/api/v1/forecast/forecasts?dc=NOPE"), Some(&token), None).await;
    assert_eq!((status, j["details"][0]["field"].as_str()), (422, Some("dc")));
    let (status, _) = call(&http, Method::GET, &app.url("/api/v1/forecast/forecasts?cursor=garbage"), Some(&token), None).await;
    assert_eq!(status, 422);

    // The portal list: the vendor's rows link to the item pages; paging keeps the filter.
    let vendor = app.login(&app.user(a.id, &[Role::ReadOnly]).await).await;
    let page = vendor.get(app.url("/forecasts")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/items/{}/forecast#dc-fca1", a1.id)) && page.contains(&a2.vendor_sku));
    assert!(!page.contains(&b1.vendor_sku));
    assert!(page.contains(r#"id="forecasts-csv""#));
    let first = staff.get(app.url("/forecasts?class=&q=")).send().await.unwrap().text().await.unwrap();
    assert!(first.contains(&b1.vendor_sku) && first.contains(&a1.vendor_sku));
    let none = staff.get(app.url("/forecasts?q=no-such-item")).send().await.unwrap().text().await.unwrap();
    assert!(none.contains("empty-state"));
}

/// The issue's click path, after a real forecast run: the vendor finds the item's forecast through
/// the navigation and sees the chart (band and mean line) and the expected order; the buyer ticks
/// that suggestion and creates its PO; the vendor commits fewer units with a reason; the buyer sees
/// the shortfall. axe-core runs on every page.
#[tokio::test]
async fn in_the_browser_the_vendor_reads_the_forecast_the_buyer_orders_and_the_vendor_commits_less() -> anyhow::Result<()> {
    use crate::support::sign_in;
    let Some(b) = acorn_testkit::browser::Browser::start().await? else { return Ok(()) };
    let Setup { app, a, a1, .. } = setup().await;
    let f = app.services.item_forecast(&Ctx::cli(), a1.id).await?;
    let s = f.dcs[0].orders.first().map(|o| o.suggestion.clone()).expect("the run suggests an order for an item almost out of stock");
    assert!(s.quantity >= 2, "{s:?}");

    let vendor = app.user(a.id, &[Role::Operations]).await;
    sign_in(&b, &app, &vendor).await?;
    b.click("nav a[href='/forecasts']").await?;
    b.wait_for("#forecasts-table").await?;
    b.assert_accessible().await?;
    b.click(&format!("#forecasts-table a[href='/items/{}/forecast#dc-fca1']", a1.id)).await?;
    b.wait_for("#dc-fca1-orders").await?;
    b.assert_accessible().await?;
    assert!(b.exists("svg[role='img'] .chart-band").await? && b.exists("svg[role='img'] .chart-mean").await?, "the chart has its band and mean line");
    let orders = b.text("#dc-fca1-orders").await?;
    assert!(orders.contains(&s.quantity.to_string()), "the expected order is listed: {orders}");
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;

    let buyer = app.user(TenantId::RETAILER, &[Role::CategoryManager]).await;
    sign_in(&b, &app, &buyer).await?;
    b.click("nav a[href='/replenishment']").await?;
    b.wait_for("#repl-table").await?;
    b.click(&format!("#sel-{}", s.id)).await?;
    b.click("#create-pos").await?;
    b.wait_for("#notice-pos").await?;
    b.assert_accessible().await?;
    let number = b.text("#notice-pos .po-link code").await?;
    let po = app.services.get_po_by_number(&Ctx::cli(), &number).await?;
    assert_eq!(po.lines[0].ordered_eaches(), s.quantity);
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;

    let fewer = s.quantity / 2;
    sign_in(&b, &app, &vendor).await?;
    b.click("nav a[href='/replenishment']").await?;
    b.wait_for(&format!("#commit-{}", s.id)).await?;
    b.fill(&format!("#c-qty-{}", s.id), &fewer.to_string()).await?;
    let date = (Utc::now().date_naive() + Duration::days(10)).to_string();
    b.client().execute("document.querySelector(arguments[0]).value = arguments[1];", vec![format!("#c-date-{}", s.id).into(), date.into()]).await?;
    b.fill(&format!("#c-reason-{}", s.id), "Resin supply is short this month").await?;
    b.click(&format!("#commit-{}", s.id)).await?;
    b.wait_for("#notice").await?;
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;

    sign_in(&b, &app, &buyer).await?;
    b.click("nav a[href='/replenishment']").await?;
    b.wait_for(&format!("#commitment-{}", s.id)).await?;
    b.assert_accessible().await?;
    let seen = b.text(&format!("#commitment-{}", s.id)).await?;
    let short = s.quantity - fewer;
    assert!(seen.contains(&format!("Short by {short}")) && seen.contains("Resin supply is short this month"), "{seen}");
    b.close().await
}
