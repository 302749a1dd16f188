//! The forecast run end to end on a small catalogue (two vendors, five items, two DCs, 156 weeks of
//! deterministic history): every series forecast and stored with 52 integer, non-crossing quantiles
//! and a back-test; suggestions that respect case pack and MOQ and shrink when a PO is on order; a
//! second run for the same week returning the first and writing nothing; a forced run superseding
//! the proposed suggestions; one audit record per run; vendors refused.

use acorn_domain::forecast::{BacktestPoint, ForecastWeeks, PlanningOverrides, RunStatus, Suggestion, SuggestionStatus, last_completed_week, week_label};
use acorn_domain::ids::TenantId;
use acorn_domain::items::Item;
use acorn_domain::master::Dc;
use acorn_domain::policy::Role;
use acorn_domain::time::zone;
use acorn_service::forecast::{RunOptions, RunProgress};
use acorn_service::{Ctx, ServiceError};
use acorn_store::repo;
use acorn_testkit::{TestApp, VendorFx};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use std::sync::Mutex;

/// The fixture DCs' last completed week (they are in Los Angeles).
fn last_week() -> NaiveDate {
    last_completed_week(Utc::now(), zone("America/Los_Angeles").unwrap())
}

struct Fixture {
    app: TestApp,
    dcs: Vec<Dc>,
    a: VendorFx,
    b: VendorFx,
    items: Vec<Item>,
}

/// Weekly units of series `n` in week `w` (0 = oldest of 156): a level per series, a yearly swing
/// and a little deterministic noise; series 4 is slow and intermittent.
fn units(n: usize, w: i64, monday: NaiveDate) -> i64 {
    if n % 5 == 4 {
        return i64::from(w % 7 == 0) * 2;
    }
    let level = [30.0, 12.0, 55.0, 8.0][n % 4];
    let season = 1.0 + 0.3 * (f64::from(monday.iso_week().week()) / 52.0 * std::f64::consts::TAU).cos();
    let noise = ((w * 7 + n as i64 * 13) % 5 - 2) as f64;
    (level * season + noise).round().max(0.0) as i64
}

async fn fixture() -> Fixture {
    let app = TestApp::start().await;
    let dcs = vec![app.dc("FRA1").await, app.dc("FRB2").await];
    let (a, b) = (app.vendor().await, app.vendor().await);
    let mut items = Vec::new();
    for _ in 0..3 {
        items.push(app.item(&a).await);
    }
    for _ in 0..2 {
        items.push(app.item(&b).await);
    }
    let end = last_week();
    let mut records = Vec::new();
    for (i, item) in items.iter().enumerate() {
        for (k, dc) in dcs.iter().enumerate() {
            let n = i * 2 + k;
            for w in 0..156i64 {
                let monday = end - Duration::weeks(155 - w);
                // A gap in one series: missing weeks are read as 0 sold.
                if n == 1 && (60..64).contains(&w) {
                    continue;
                }
                // Stock is reported low in the last week, so orders are due.
                let on_hand = if w == 155 { Some(if n == 0 { 0 } else { 5 }) } else { Some(200) };
                records.push(acorn_service::forecast::SalesInput {
                    gtin: item.gtin.as_str().to_string(),
                    dc: dc.code.clone(),
                    week: week_label(monday),
                    units: Some(units(n, w, monday)),
                    on_hand,
                    ..Default::default()
                });
            }
        }
    }
    app.services.import_sales_batch(&buyer(&app).await, records).await.expect("history");
    Fixture { app, dcs, a, b, items }
}

async fn buyer(app: &TestApp) -> Ctx {
    app.ctx_as(TenantId::RETAILER, &[Role::CategoryManager]).await
}

fn opts(force: bool) -> RunOptions {
    RunOptions { history_end: None, force, started_by: "test".into() }
}

async fn forecasts_of(app: &TestApp, run: uuid::Uuid) -> Vec<acorn_domain::forecast::StoredForecast> {
    repo::forecast::list_forecasts(&app.services.db.conn, run, None, None, 1000).await.unwrap()
}

async fn suggestions_of(app: &TestApp, run: Option<uuid::Uuid>) -> Vec<Suggestion> {
    let f = repo::forecast::SuggestionFilter { run, ..Default::default() };
    repo::forecast::list_suggestions(&app.services.db.conn, &f, None, 1000).await.unwrap()
}

#[tokio::test]
async fn a_run_forecasts_every_series_and_suggests_orders() {
    let Fixture { app, dcs, a, items, .. } = fixture().await;
    let ctx = buyer(&app).await;
    // MOQ 100 for the first item at the first DC (case pack 12): any order there is ≥ 108 units.
    app.services.set_item_planning(&ctx, items[0].id, &dcs[0].code, PlanningOverrides { moq: Some(100), ..Default::default() }).await.expect("planning");
    let audit = app.audit_count().await;
    let seen = Mutex::new(Vec::<RunProgress>::new());
    let run = app.services.run_forecasts(&ctx, opts(false), &|p| seen.lock().unwrap().push(p)).await.expect("run");
    assert_eq!(run.status, RunStatus::Succeeded, "{}", run.message);
    assert_eq!(run.history_end, last_week());
    assert_eq!((run.series_total, run.series_done, run.series_failed), (10, 10, 0), "{}", run.message);
    assert_eq!(run.started_by, "test");
    assert!(run.finished_at.is_some());
    let last = *seen.lock().unwrap().last().expect("progress reported");
    assert_eq!((last.items_total, last.items_done, last.series_done), (5, 5, 10));

    // One forecast per series: 52 weeks, integer quantiles that never cross, a back-test of past weeks.
    let stored = forecasts_of(&app, run.id).await;
    assert_eq!(stored.len(), 10);
    for f in &stored {
        assert_eq!(f.first_week, run.history_end + Duration::weeks(1));
        let (weeks, model, backtest) = acorn_service::forecast::run::read_forecast(f).expect("packed JSON");
        let w: &ForecastWeeks = &weeks;
        assert_eq!((w.mean.len(), w.p50.len(), w.p90.len()), (52, 52, 52));
        for k in 0..52 {
            assert!(w.p50[k] <= w.p70[k] && w.p70[k] <= w.p80[k] && w.p80[k] <= w.p90[k], "week {k} of {}: quantiles cross", f.item_id);
            assert!(w.mean[k].is_finite() && w.mean[k] >= 0.0);
        }
        // The model rebuilds each week's distribution around its stored mean.
        let pmf = model.pmf(w.mean[0]);
        assert!((pmf.mean() - w.mean[0]).abs() < 0.05 + w.mean[0] * 0.01, "{} vs {}", pmf.mean(), w.mean[0]);
        assert!(!backtest.is_empty(), "a back-test for {}", f.item_id);
        let p: &BacktestPoint = &backtest[0];
        assert_eq!(p.week.weekday(), chrono::Weekday::Mon);
        assert!(backtest.last().unwrap().week <= run.history_end);
        assert!(f.mase_e4.is_some() && f.wape_e4.is_some() && f.bias_e4.is_some(), "accuracy of {}", f.item_id);
    }
    let steady = stored.iter().find(|f| f.item_id == items[0].id && f.dc_id == dcs[0].id).unwrap();
    let (weeks, _, backtest) = acorn_service::forecast::run::read_forecast(steady).unwrap();
    let mean: f64 = weeks.mean.iter().sum::<f64>() / 52.0;
    assert!((20.0..45.0).contains(&mean), "a level-30 series forecasts about 30 a week, not {mean}");
    // The back-test's actuals are what sold, week by week.
    let sold = repo::forecast::series(&app.services.db.conn, items[0].id, dcs[0].id).await.unwrap();
    for p in &backtest {
        assert_eq!(Some(p.actual), sold.iter().find(|s| s.week_start == p.week).map(|s| s.units), "{}", p.week);
    }

    // Suggestions: stock is low everywhere, so orders are due; whole cases, the MOQ where set.
    let sugg = suggestions_of(&app, Some(run.id)).await;
    assert_eq!(run.suggestions, sugg.len() as i64);
    assert!(sugg.len() >= 8, "orders are due for the selling series ({})", sugg.len());
    for s in &sugg {
        assert_eq!(s.status, SuggestionStatus::Proposed);
        assert!(s.quantity > 0 && s.quantity % 12 == 0, "whole cases of 12: {}", s.quantity);
        assert!(s.order_up_to > 0 && s.raw_quantity > 0);
        assert!((0..=10_000).contains(&s.fill_rate_e4));
        assert!(s.explanation.contains("Order up to") && s.explanation.contains("set by"), "{}", s.explanation);
        let params: serde_json::Value = serde_json::from_str(&s.params_json).unwrap();
        assert_eq!(params["lead_time_weeks"], 2);
        assert_eq!(params["case_pack"], 12);
    }
    let first = sugg.iter().find(|s| s.item_id == items[0].id && s.dc_id == dcs[0].id).expect("a suggestion for the first series");
    assert!(first.quantity >= 108, "the MOQ of 100 in cases of 12: {}", first.quantity);
    assert_eq!((first.on_hand, first.on_order), (0, 0));
    let other = sugg.iter().find(|s| s.item_id == items[0].id && s.dc_id == dcs[1].id).expect("a suggestion at the other DC");
    assert_eq!(other.on_hand, 5, "the last reported on hand");
    assert!(sugg.iter().all(|s| s.tenant == a.id || items[3..].iter().any(|i| i.id == s.item_id)));

    // One audit record for the run, by the retailer.
    assert_eq!(app.audit_count().await, audit + 1);
    let records = repo::audit::chain(&app.services.db.conn, TenantId::RETAILER, 0, 10_000).await.unwrap();
    let rec = records.iter().rev().find(|r| r.action == "forecast.run").expect("forecast.run audited");
    assert_eq!(rec.object_id, run.id.to_string());
    assert_eq!(rec.after.as_ref().unwrap()["series_done"], 10);
}

#[tokio::test]
async fn runs_are_idempotent_per_week_and_a_forced_run_supersedes_proposals() {
    let Fixture { app, dcs, a, items, .. } = fixture().await;
    let ctx = buyer(&app).await;
    let first = app.services.run_forecasts(&ctx, opts(false), &|_| {}).await.expect("run");
    let before = suggestions_of(&app, Some(first.id)).await;
    let mine = before.iter().find(|s| s.item_id == items[1].id && s.dc_id == dcs[0].id).expect("a suggestion").clone();
    let audit = app.audit_count().await;

    // The same week again: the same run, nothing written.
    let again = app.services.run_forecasts(&ctx, opts(false), &|_| panic!("nothing to do")).await.expect("again");
    assert_eq!(again, first);
    assert_eq!(app.audit_count().await, audit);
    assert_eq!(forecasts_of(&app, first.id).await.len(), 10);
    assert_eq!(repo::forecast::list_runs(&app.services.db.conn, None, 10).await.unwrap().len(), 1);

    // A PO for that item at that DC is on order: the forced re-run orders less (or nothing) there.
    let po = app.po(&a, &dcs[0], &[&items[1]], mine.order_up_to + 120).await;
    assert_eq!(po.lines.len(), 1);
    let audit = app.audit_count().await;
    let forced = app.services.run_forecasts(&ctx, RunOptions { force: true, ..opts(false) }, &|_| {}).await.expect("forced");
    assert_ne!(forced.id, first.id);
    assert_eq!(forced.history_end, first.history_end);
    assert_eq!(forced.status, RunStatus::Succeeded);
    assert_eq!(app.audit_count().await, audit + 1);
    let after = suggestions_of(&app, Some(forced.id)).await;
    match after.iter().find(|s| s.item_id == items[1].id && s.dc_id == dcs[0].id) {
        None => {}
        Some(s) => {
            assert_eq!(s.on_order, mine.order_up_to + 120);
            assert!(s.quantity < mine.quantity, "{} on order: {} is not below {}", s.on_order, s.quantity, mine.quantity);
        }
    }
    // The first run's proposals are superseded (gone); its forecasts stay as history.
    assert!(suggestions_of(&app, Some(first.id)).await.is_empty());
    assert_eq!(forecasts_of(&app, first.id).await.len(), 10);
    assert_eq!(suggestions_of(&app, None).await.len(), after.len());
}

#[tokio::test]
async fn only_the_retailers_buyers_run_forecasts() {
    let Fixture { app, b, .. } = fixture().await;
    for ctx in [app.ctx_as(b.id, &[Role::VendorAdmin]).await, app.vendor_ctx(&b).await, app.ctx_as(TenantId::RETAILER, &[Role::Receiver]).await] {
        let e = app.services.run_forecasts(&ctx, opts(false), &|_| {}).await.unwrap_err();
        assert!(matches!(e, ServiceError::Forbidden), "{e:?}");
    }
    assert!(repo::forecast::list_runs(&app.services.db.conn, None, 10).await.unwrap().is_empty());
    // A week that has not ended is refused, naming the field.
    let ahead = RunOptions { history_end: Some(last_week() + Duration::weeks(1)), ..opts(false) };
    let e = app.services.run_forecasts(&buyer(&app).await, ahead, &|_| {}).await.unwrap_err();
    assert!(matches!(&e, ServiceError::Invalid(v) if v[0].field == "history_end"), "{e:?}");
    // The job's context may run it.
    let run = app.services.run_forecasts(&Ctx::job("forecast"), RunOptions { started_by: String::new(), ..opts(false) }, &|_| {}).await.expect("job run");
    assert_eq!(run.started_by, "system:job:forecast");
}

#[tokio::test]
async fn one_run_at_a_time_and_a_dead_run_is_taken_over() {
    let Fixture { app, .. } = fixture().await;
    let ctx = buyer(&app).await;
    let c = &app.services.db.conn;
    let now = acorn_service::now();
    let mut other = acorn_domain::forecast::ForecastRun {
        id: acorn_domain::ids::new_id(),
        started_at: now,
        finished_at: None,
        history_end: last_week(),
        status: RunStatus::Running,
        series_total: 0,
        series_done: 0,
        series_failed: 0,
        suggestions: 0,
        message: String::new(),
        started_by: "job:forecast".into(),
        heartbeat_at: now,
    };
    repo::forecast::insert_run(c, &other).await.unwrap();
    // Another process is running (its heartbeat is fresh): refused, nothing written.
    let e = app.services.run_forecasts(&ctx, opts(false), &|_| {}).await.unwrap_err();
    assert!(matches!(&e, ServiceError::Conflict { code: "forecast_run_running", .. }), "{e:?}");
    assert_eq!(repo::forecast::list_runs(c, None, 10).await.unwrap().len(), 1);

    // It went silent (its process died): the next run marks it failed and runs.
    other.heartbeat_at = now - Duration::seconds(acorn_domain::forecast::RUN_STALE_AFTER_SECS + 60);
    repo::forecast::update_run(c, &other).await.unwrap();
    let run = app.services.run_forecasts(&ctx, opts(false), &|_| {}).await.expect("takes over");
    assert_eq!(run.status, RunStatus::Succeeded);
    let dead = repo::forecast::run(c, other.id).await.unwrap().unwrap();
    assert_eq!(dead.status, RunStatus::Failed);
    assert!(dead.message.starts_with("interrupted"), "{}", dead.message);
}
