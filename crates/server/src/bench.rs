//! Scale data and the benchmark that runs on it.
//!
//! `acorn demo --scale N` seeds the ordinary demo, then bulk-generates N purchase orders with their
//! acknowledgements, ASNs and receipts ([`acorn_store::repo::bulk`]) behind a progress bar, and
//! records one audit record (`demo.scale_generated`) for the whole generation.
//!
//! `acorn bench` runs against such a database, in one process and one invocation, and compares each
//! ACORN path with a floor measured side by side (ARCHITECTURE.md, "Tests"):
//!
//! 1. `GET /api/v1/purchase-orders` (a vendor's API token, pages of 50 after random cursors) against
//!    `GET /bench/raw/purchase-orders`, a bare handler mounted only here, on the same server and port,
//!    that runs the same keyset query for the same vendor with plain sqlx and serialises it with
//!    serde_json: no authentication, rate limiter, middleware or service layer. Closed loop, rounds
//!    alternating which goes first; requests/s and the ratio native / raw. `wrk` runs the same
//!    comparison too when it is installed.
//! 2. A fixed-rate open-loop load (default 1,000 req/s for 10 s) on the native route: latency from
//!    each request's scheduled send time (so a stalled server is not under-reported), p50–max in an
//!    HDR histogram; the raw route gets the same load for reference. `hey -q` as a cross-check.
//! 3. Acknowledgement submissions through `Services::acknowledge` (accept every line) for M open
//!    POs, one after another, against the same rows written with plain SQL — the acknowledgement,
//!    its lines, the line and PO updates, one transaction each — into a scratch copy of the database
//!    made before the run (same engine settings: SQLite WAL + `synchronous=FULL`), in alternating
//!    rounds; acknowledgements/s and the ratio.

use crate::cli::DbArgs;
use crate::config::Config;
use crate::{build_app, open_db, services};
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::money::{format_amount, from_e4};
use acorn_domain::orders::{Channel, LineConfirmation, PoState};
use acorn_domain::paging::Cursor;
use acorn_service::{Change, Ctx, Principal, Services};
use acorn_store::repo::bulk::{ScaleCounts, ScaleOptions};
use acorn_store::{Backend, Db, DbOptions};
use anyhow::{Context, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;
use hdrhistogram::Histogram;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand::Rng;
use sea_orm::sqlx::{self, Row};
use sea_orm::{ConnectionTrait, DbBackend, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait, Value};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// acorn demo --scale N
// ---------------------------------------------------------------------------------------------

/// Generates `pos` purchase orders (and everything that happened to them) after the demo seed, with
/// a progress bar, and audits the generation once.
pub async fn demo_scale(s: &Services, pos: u64) -> anyhow::Result<ScaleCounts> {
    let mut opts = ScaleOptions::new(pos);
    opts.ack_due_hours = acorn_service::orders::ACK_DUE_HOURS;
    let bar = indicatif::ProgressBar::new(pos);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} [{wide_bar}] {human_pos}/{human_len} POs  {rate}  eta {eta}")
            .context("progress bar template")?
            .with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} POs/s", state.per_sec());
            })
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let started = Instant::now();
    let counts = acorn_store::repo::bulk::generate(&s.db, &opts, &|done| bar.set_position(done)).await.context("generating scale data")?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let record = serde_json::json!({"counts": counts, "seconds": (secs * 10.0).round() / 10.0, "years": opts.years, "seed": opts.seed});
    let ctx = Ctx::cli();
    s.mutate(&ctx, |_tx| {
        let after = record.clone();
        async move { Ok(((), Change::new(TenantId::RETAILER, "demo.scale_generated", "demo", format!("scale-{pos}")).after(&after))) }
    })
    .await?;
    println!(
        "Scale data: {} POs ({} lines, {} acknowledged, {} received and closed), {} shipments, {} cartons, {} rows in {:.1} s: {:.0} POs/s, {:.0} rows/s.",
        counts.purchase_orders,
        counts.po_lines,
        counts.acknowledged_pos,
        counts.received_pos,
        counts.shipments,
        counts.shipment_cartons,
        counts.rows,
        secs,
        counts.purchase_orders as f64 / secs,
        counts.rows as f64 / secs
    );
    Ok(counts)
}

// ---------------------------------------------------------------------------------------------
// acorn bench
// ---------------------------------------------------------------------------------------------

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The vendor whose POs are listed and acknowledged.
    #[arg(long, default_value = "ACME1")]
    pub vendor_code: String,
    /// Connections of the closed-loop throughput comparison.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Seconds per target per round (closed loop).
    #[arg(long, default_value_t = 5)]
    pub secs: u64,
    /// Rounds of the throughput comparison (each measures both routes, alternating which is first).
    #[arg(long, default_value_t = 4)]
    pub rounds: usize,
    /// Requests per second of the fixed-rate run.
    #[arg(long, default_value_t = 1000)]
    pub rate: u64,
    /// Seconds of the fixed-rate run.
    #[arg(long, default_value_t = 10)]
    pub rate_secs: u64,
    /// Acknowledgements to submit on each path (0: skip that part).
    #[arg(long, default_value_t = 2000)]
    pub acks: usize,
    /// Skip the wrk and hey runs even when they are installed.
    #[arg(long)]
    pub no_external: bool,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

type Http = Client<HttpConnector, Body>;

/// One measured run against one route.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Sample {
    pub requests: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub failed: u64,
}

impl Sample {
    fn of(h: &Histogram<u64>, secs: f64, failed: u64) -> Sample {
        let q = |p: f64| if h.is_empty() { f64::NAN } else { h.value_at_quantile(p) as f64 / 1000.0 };
        Sample {
            requests: h.len(),
            rps: h.len() as f64 / secs,
            p50_ms: q(0.50),
            p90_ms: q(0.90),
            p99_ms: q(0.99),
            max_ms: if h.is_empty() { f64::NAN } else { h.max() as f64 / 1000.0 },
            failed,
        }
    }
    fn line(&self) -> String {
        let mut s =
            format!("{:>8.0} req/s  p50 {:>6.2}  p90 {:>6.2}  p99 {:>6.2}  max {:>7.2} ms", self.rps, self.p50_ms, self.p90_ms, self.p99_ms, self.max_ms);
        if self.failed > 0 {
            s.push_str(&format!("  FAILED {}", self.failed));
        }
        s
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Round {
    pub native: Sample,
    pub raw: Sample,
    pub ratio: f64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FixedRate {
    pub target_rps: u64,
    pub secs: u64,
    pub sent: u64,
    pub achieved_rps: f64,
    pub failed: u64,
    /// From each request's scheduled send time to its response (includes any queueing at the client).
    pub from_schedule: Sample,
    /// From the actual send to the response.
    pub service: Sample,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct AckResult {
    pub count: usize,
    pub rounds: usize,
    pub service_secs: f64,
    pub raw_secs: f64,
    pub service_per_sec: f64,
    pub raw_per_sec: f64,
    pub ratio: f64,
    pub service_p50_ms: f64,
    pub service_p99_ms: f64,
    pub raw_p50_ms: f64,
    pub raw_p99_ms: f64,
}

/// A part of the page's work measured in-process, without HTTP.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stage {
    pub name: String,
    pub sample: Sample,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub engine: String,
    pub cpus: usize,
    pub cpu_model: String,
    pub vendor_code: String,
    pub database_pos: i64,
    pub vendor_pos: i64,
    pub concurrency: usize,
    pub secs_per_round: u64,
    pub rounds: Vec<Round>,
    pub native_rps_median: f64,
    pub raw_rps_median: f64,
    pub ratio_of_medians: f64,
    pub median_of_ratios: f64,
    pub bodies_identical: bool,
    pub fixed_rate_native: Option<FixedRate>,
    pub fixed_rate_raw: Option<FixedRate>,
    pub wrk: Vec<Round>,
    pub wrk_command: Option<String>,
    /// `hey` at the fixed rate, once per worker count.
    pub hey: Vec<HeyRun>,
    pub in_process: Vec<Stage>,
    pub acks: Option<AckResult>,
}

/// One `hey` run: its worker count, the command as printed, and what it measured.
#[derive(Clone, Debug, Serialize)]
pub struct HeyRun {
    pub workers: u64,
    pub command: String,
    pub sample: Sample,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("histogram bounds")
}

fn micros(d: Duration) -> u64 {
    (d.as_micros() as u64).clamp(1, 120_000_000)
}

// ---- the raw handler: the same keyset query with plain sqlx + serde_json ----

/// The columns the API's list query selects (`acorn_store::repo::orders`), in its order.
macro_rules! po_cols {
    () => {
        "id, tenant_id, number, vendor_code, dc_id, dc_code, po_type, state, order_date, ship_start, ship_end, \
         delivery_start, delivery_end, freight_terms, payment_terms, currency, deal_code, revision, revision_at, ack_due_at, \
         acked_revision, reminded_revision, line_count, total_cost_e4, issued_at, closed_at, created_at, updated_at"
    };
}

#[derive(Clone)]
enum RawPool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

#[derive(Clone)]
struct RawState {
    pool: RawPool,
    tenant: Uuid,
}

#[derive(Deserialize)]
struct RawQuery {
    cursor: Option<String>,
    limit: Option<u64>,
}

#[derive(Serialize)]
struct RawWindow {
    start: NaiveDate,
    end: NaiveDate,
}

/// The same fields, names and order as the API's `PoOut`.
#[derive(Serialize)]
struct RawPo {
    id: Uuid,
    vendor_id: Uuid,
    number: String,
    vendor_code: String,
    dc_code: String,
    po_type: String,
    state: String,
    order_date: NaiveDate,
    ship_window: RawWindow,
    delivery_window: RawWindow,
    freight_terms: String,
    payment_terms: String,
    currency: String,
    deal_code: Option<String>,
    revision: i64,
    ack_due_at: DateTime<Utc>,
    ack_outstanding: bool,
    line_count: i64,
    total_cost: String,
    issued_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct RawPage {
    items: Vec<RawPo>,
    next: Option<String>,
}

macro_rules! raw_rows {
    ($pool:expr, $first:expr, $after:expr, $tenant:expr, $cursor:expr, $limit:expr) => {{
        let q = match $cursor {
            None => sqlx::query($first).bind($tenant).bind($limit),
            Some(c) => sqlx::query($after).bind($tenant).bind(c.created_at).bind(c.created_at).bind(c.created_at).bind(c.id).bind($limit),
        };
        match q.fetch_all($pool).await {
            Ok(rows) => rows
                .iter()
                .map(|r| {
                    let currency: String = r.try_get("currency")?;
                    let closed_at: Option<DateTime<Utc>> = r.try_get("closed_at")?;
                    let revision: i64 = r.try_get("revision")?;
                    let acked: i64 = r.try_get("acked_revision")?;
                    let total: i64 = r.try_get("total_cost_e4")?;
                    Ok(RawPo {
                        id: r.try_get("id")?,
                        vendor_id: r.try_get("tenant_id")?,
                        number: r.try_get("number")?,
                        vendor_code: r.try_get("vendor_code")?,
                        dc_code: r.try_get("dc_code")?,
                        po_type: r.try_get("po_type")?,
                        state: r.try_get("state")?,
                        order_date: r.try_get("order_date")?,
                        ship_window: RawWindow { start: r.try_get("ship_start")?, end: r.try_get("ship_end")? },
                        delivery_window: RawWindow { start: r.try_get("delivery_start")?, end: r.try_get("delivery_end")? },
                        freight_terms: r.try_get("freight_terms")?,
                        payment_terms: r.try_get("payment_terms")?,
                        deal_code: r.try_get("deal_code")?,
                        revision,
                        ack_due_at: r.try_get("ack_due_at")?,
                        ack_outstanding: closed_at.is_none() && acked < revision,
                        line_count: r.try_get("line_count")?,
                        total_cost: format_amount(from_e4(total), &currency),
                        currency,
                        issued_at: r.try_get("issued_at")?,
                        closed_at,
                        created_at: r.try_get("created_at")?,
                    })
                })
                .collect::<Result<Vec<RawPo>, sqlx::Error>>(),
            Err(e) => Err(e),
        }
    }};
}

async fn raw_list(State(st): State<RawState>, Query(q): Query<RawQuery>) -> Response {
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let cursor = match q.cursor.as_deref().map(Cursor::decode).transpose() {
        Ok(c) => c,
        Err(e) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    let page = match raw_page(&st, cursor, limit).await {
        Ok(p) => p,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    match serde_json::to_vec(&page) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// One page of the vendor's POs after `cursor`: the keyset query, decoded into the API's JSON shape.
async fn raw_page(st: &RawState, cursor: Option<Cursor>, limit: u64) -> Result<RawPage, sqlx::Error> {
    let fetch = (limit + 1) as i64;
    let rows = match &st.pool {
        RawPool::Sqlite(p) => raw_rows!(
            p,
            concat!("SELECT ", po_cols!(), " FROM purchase_orders WHERE tenant_id = ? ORDER BY created_at ASC, id ASC LIMIT ?"),
            concat!(
                "SELECT ",
                po_cols!(),
                " FROM purchase_orders WHERE tenant_id = ? AND created_at >= ? AND (created_at > ? OR (created_at = ? AND id > ?)) ORDER BY created_at ASC, id ASC LIMIT ?"
            ),
            st.tenant,
            cursor,
            fetch
        ),
        RawPool::Postgres(p) => raw_rows!(
            p,
            concat!("SELECT ", po_cols!(), " FROM purchase_orders WHERE tenant_id = $1 ORDER BY created_at ASC, id ASC LIMIT $2"),
            concat!(
                "SELECT ",
                po_cols!(),
                " FROM purchase_orders WHERE tenant_id = $1 AND created_at >= $2 AND (created_at > $3 OR (created_at = $4 AND id > $5)) ORDER BY created_at ASC, id ASC LIMIT $6"
            ),
            st.tenant,
            cursor,
            fetch
        ),
    };
    let mut items = rows?;
    let next = if items.len() as u64 > limit {
        items.truncate(limit as usize);
        items.last().map(|p| Cursor { created_at: p.created_at, id: p.id }.encode())
    } else {
        None
    };
    Ok(RawPage { items, next })
}

// ---- load generators ----

#[derive(Clone)]
struct Target {
    name: &'static str,
    /// Paths with random cursors; request i goes to `uris[i % len]`.
    uris: Arc<Vec<Uri>>,
}

/// How one call ended: Some(true) 200, Some(false) another status, None a transport error.
async fn call(client: &Http, uri: Uri, auth: &HeaderValue) -> Option<bool> {
    let req = Request::get(uri).header(header::AUTHORIZATION, auth.clone()).body(Body::empty()).ok()?;
    let res = client.request(req).await.ok()?;
    let ok = res.status() == StatusCode::OK;
    axum::body::to_bytes(Body::new(res.into_body()), usize::MAX).await.ok().map(|_| ok)
}

async fn fetch_json(client: &Http, uri: Uri, auth: &HeaderValue) -> anyhow::Result<serde_json::Value> {
    let req = Request::get(uri.clone()).header(header::AUTHORIZATION, auth.clone()).body(Body::empty())?;
    let res = client.request(req).await?;
    let status = res.status();
    let body = axum::body::to_bytes(Body::new(res.into_body()), usize::MAX).await?;
    if status != StatusCode::OK {
        bail!("{uri} answered {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(serde_json::from_slice(&body)?)
}

/// Closed loop: `conc` tasks each send the next request when the previous response is read; counts
/// the requests that complete inside the measured window after `warm`.
async fn closed_loop(client: Http, target: Target, auth: HeaderValue, conc: usize, warm: Duration, dur: Duration) -> Sample {
    let t0 = Instant::now() + warm;
    let t1 = t0 + dur;
    let next = Arc::new(AtomicUsize::new(rand::thread_rng().gen_range(0..target.uris.len())));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..conc {
        let (client, target, auth, next) = (client.clone(), target.clone(), auth.clone(), next.clone());
        tasks.spawn(async move {
            let (mut h, mut failed) = (histogram(), 0u64);
            loop {
                let start = Instant::now();
                if start >= t1 {
                    break;
                }
                let uri = target.uris[next.fetch_add(1, Ordering::Relaxed) % target.uris.len()].clone();
                let outcome = call(&client, uri, &auth).await;
                let end = Instant::now();
                if end < t0 || end > t1 {
                    continue;
                }
                match outcome {
                    Some(true) => {
                        let _ = h.record(micros(end - start));
                    }
                    _ => failed += 1,
                }
            }
            (h, failed)
        });
    }
    let (mut h, mut failed) = (histogram(), 0);
    while let Some(Ok((th, f))) = tasks.join_next().await {
        let _ = h.add(&th);
        failed += f;
    }
    Sample::of(&h, dur.as_secs_f64(), failed)
}

/// Closed loop without HTTP: `conc` tasks on the current runtime each call `f(i)` again as soon as
/// the previous call is done (`i` counts calls, to pick a cursor).
async fn closed_loop_fn<F, Fut>(conc: usize, warm: Duration, dur: Duration, f: F) -> Sample
where
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    let t0 = Instant::now() + warm;
    let t1 = t0 + dur;
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..conc {
        let (f, next) = (f.clone(), next.clone());
        tasks.spawn(async move {
            let (mut h, mut failed) = (histogram(), 0u64);
            loop {
                let start = Instant::now();
                if start >= t1 {
                    break;
                }
                let ok = f(next.fetch_add(1, Ordering::Relaxed)).await;
                let end = Instant::now();
                if end < t0 || end > t1 {
                    continue;
                }
                if ok {
                    let _ = h.record(micros(end - start));
                } else {
                    failed += 1;
                }
            }
            (h, failed)
        });
    }
    let (mut h, mut failed) = (histogram(), 0);
    while let Some(Ok((th, f))) = tasks.join_next().await {
        let _ = h.add(&th);
        failed += f;
    }
    Sample::of(&h, dur.as_secs_f64(), failed)
}

/// Open loop at a fixed rate: request i is sent at t0 + i / rate whether or not earlier ones are done.
async fn fixed_rate(client: Http, target: Target, auth: HeaderValue, rate: u64, secs: u64) -> FixedRate {
    let total = rate * secs;
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let t0 = Instant::now() + Duration::from_millis(50);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Duration, Duration, bool)>();
    let offset = rand::thread_rng().gen_range(0..target.uris.len());
    for i in 0..total {
        let scheduled = t0 + period.mul_f64(i as f64);
        tokio::time::sleep_until(scheduled.into()).await;
        let (client, uri, auth, tx) = (client.clone(), target.uris[(offset + i as usize) % target.uris.len()].clone(), auth.clone(), tx.clone());
        tokio::spawn(async move {
            let start = Instant::now();
            let ok = call(&client, uri, &auth).await == Some(true);
            let end = Instant::now();
            let _ = tx.send((end - scheduled, end - start, ok));
        });
    }
    drop(tx);
    let (mut sched, mut service, mut failed, mut last) = (histogram(), histogram(), 0u64, t0);
    while let Some((from_schedule, from_send, ok)) = rx.recv().await {
        last = last.max(Instant::now());
        if ok {
            let _ = sched.record(micros(from_schedule));
            let _ = service.record(micros(from_send));
        } else {
            failed += 1;
        }
    }
    let elapsed = (last - t0).as_secs_f64().max(f64::EPSILON);
    FixedRate {
        target_rps: rate,
        secs,
        sent: total,
        achieved_rps: sched.len() as f64 / elapsed,
        failed,
        from_schedule: Sample::of(&sched, elapsed, failed),
        service: Sample::of(&service, elapsed, failed),
    }
}

// ---- wrk and hey ----

fn have(tool: &str) -> bool {
    std::process::Command::new(tool).arg("--version").output().is_ok() || std::process::Command::new(tool).output().is_ok()
}

/// `1.23ms` / `456.78us` / `1.02s` → milliseconds.
fn wrk_ms(v: &str) -> Option<f64> {
    let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = num.parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => return None,
    })
}

fn wrk(base: &str, script: &Path, auth: &str, conc: usize, secs: u64) -> Sample {
    let out = std::process::Command::new("wrk")
        .args(["-t2", &format!("-c{conc}"), &format!("-d{secs}s"), "--latency", "-s"])
        .arg(script)
        .args(["-H", &format!("Authorization: {auth}"), base])
        .output();
    let Ok(out) = out else { return Sample::default() };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut s = Sample::default();
    for l in text.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f.as_slice() {
            ["Requests/sec:", v, ..] => s.rps = v.parse().unwrap_or(f64::NAN),
            ["50%", v, ..] => s.p50_ms = wrk_ms(v).unwrap_or(f64::NAN),
            ["90%", v, ..] => s.p90_ms = wrk_ms(v).unwrap_or(f64::NAN),
            ["99%", v, ..] => s.p99_ms = wrk_ms(v).unwrap_or(f64::NAN),
            ["Latency", _avg, _stdev, max, ..] => s.max_ms = wrk_ms(max).unwrap_or(f64::NAN),
            [n, "requests", "in", ..] => s.requests = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", v, ..] => s.failed += v.parse::<u64>().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => s.failed += rest.iter().filter_map(|x| x.trim_end_matches(',').parse::<u64>().ok()).sum::<u64>(),
            _ => {}
        }
    }
    if !out.status.success() || s.rps == 0.0 {
        eprintln!("wrk against {base} failed: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    s
}

/// `hey -z SECS -c C -q Q`: C workers, each at most Q requests/s (a rate cap, closed loop per worker).
/// Every worker ticks on its own timer, all started together, so the rate arrives as bursts of C
/// requests every C/RATE seconds rather than evenly spaced.
fn hey(url: &str, auth: &str, rate: u64, secs: u64, workers: u64) -> (Sample, String) {
    let per = rate.div_ceil(workers);
    let cmd = format!("hey -z {secs}s -c {workers} -q {per} -H 'Authorization: Bearer …' URL");
    let out = std::process::Command::new("hey")
        .args(["-z", &format!("{secs}s"), "-c", &workers.to_string(), "-q", &per.to_string(), "-H", &format!("Authorization: {auth}"), url])
        .output();
    let Ok(out) = out else { return (Sample::default(), cmd) };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut s = Sample::default();
    let secs_ms = |v: &str| v.parse::<f64>().map(|x| x * 1000.0).unwrap_or(f64::NAN);
    for l in text.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f.as_slice() {
            ["Requests/sec:", v, ..] => s.rps = v.parse().unwrap_or(f64::NAN),
            ["Slowest:", v, ..] => s.max_ms = secs_ms(v),
            ["50%", "in", v, ..] => s.p50_ms = secs_ms(v),
            ["90%", "in", v, ..] => s.p90_ms = secs_ms(v),
            ["99%", "in", v, ..] => s.p99_ms = secs_ms(v),
            ["[200]", n, "responses"] => s.requests = n.parse().unwrap_or(0),
            [code, n, "responses"] if *code != "[200]" => s.failed += n.parse::<u64>().unwrap_or(0),
            _ => {}
        }
    }
    (s, cmd)
}

// ---- acknowledgements ----

/// One acknowledgement as rows: what the raw path writes.
struct AckRows {
    po_id: Uuid,
    revision: i64,
    /// (line_no, accepted eaches, net cost e4)
    lines: Vec<(i64, i64, i64)>,
}

/// `?` placeholders as `$n` on PostgreSQL.
fn sql(backend: DbBackend, text: &str) -> String {
    if backend != DbBackend::Postgres {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut n = 0;
    for ch in text.chars() {
        if ch == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(ch);
        }
    }
    out
}

/// The acknowledgement rows, line and PO updates of one acceptance, in one transaction, with plain SQL.
async fn raw_ack(db: &Db, tenant: Uuid, a: &AckRows, by: &str) -> anyhow::Result<()> {
    let b = db.db_backend();
    let mut opts = TransactionOptions::default();
    if db.backend == Backend::Sqlite {
        opts.sqlite_transaction_mode = Some(SqliteTransactionMode::Immediate);
    }
    let tx = db.conn.begin_with_options(opts).await?;
    let at = acorn_domain::audit::truncate_to_micros(Utc::now());
    let ack_id = new_id();
    let st = |text: &str, values: Vec<Value>| Statement::from_sql_and_values(b, sql(b, text), values);
    tx.execute_raw(st(
        "INSERT INTO acknowledgements (id, tenant_id, po_id, version, po_revision, channel, submitted_by, submitted_at, late) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![ack_id.into(), tenant.into(), a.po_id.into(), 1i64.into(), a.revision.into(), Channel::Api.as_str().into(), by.into(), at.into(), true.into()],
    ))
    .await?;
    let mut text = String::from(
        "INSERT INTO ack_lines (tenant_id, ack_id, line_no, accepted, backordered, rejected, net_cost_e4, scheduled_ship_date, scheduled_delivery_date, rejection_reason) VALUES ",
    );
    let mut values: Vec<Value> = Vec::with_capacity(a.lines.len() * 10);
    for (k, (line_no, accepted, cost)) in a.lines.iter().enumerate() {
        text.push_str(if k == 0 { "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" } else { ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" });
        values.extend([
            tenant.into(),
            ack_id.into(),
            (*line_no).into(),
            (*accepted).into(),
            0i64.into(),
            0i64.into(),
            (*cost).into(),
            Option::<NaiveDate>::None.into(),
            Option::<NaiveDate>::None.into(),
            Option::<String>::None.into(),
        ]);
    }
    tx.execute_raw(st(&text, values)).await?;
    for (line_no, accepted, _) in &a.lines {
        tx.execute_raw(st(
            "UPDATE po_lines SET confirmation = ?, committed_eaches = ? WHERE tenant_id = ? AND po_id = ? AND line_no = ?",
            vec![LineConfirmation::Accepted.as_str().into(), (*accepted).into(), tenant.into(), a.po_id.into(), (*line_no).into()],
        ))
        .await?;
    }
    tx.execute_raw(st(
        "UPDATE purchase_orders SET acked_revision = ?, state = ?, updated_at = ? WHERE tenant_id = ? AND id = ?",
        vec![a.revision.into(), PoState::Acknowledged.as_str().into(), at.into(), tenant.into(), a.po_id.into()],
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Where a SQLite URL's file is.
fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).context("not a SQLite URL")?;
    Ok(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

/// A scratch copy of the database for the raw acknowledgement path, made before the main pool opens.
enum Scratch {
    Sqlite { path: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl Scratch {
    async fn make(url: &str) -> anyhow::Result<(Scratch, String)> {
        if url.starts_with("sqlite:") {
            let src = sqlite_path(url)?;
            let dst = src.with_file_name(format!("bench-scratch-{}.db", std::process::id()));
            // The database is closed (checkpointed) after `acorn demo`; copy the WAL too if one is left.
            std::fs::copy(&src, &dst).with_context(|| format!("copying {} to {}", src.display(), dst.display()))?;
            let wal = PathBuf::from(format!("{}-wal", src.display()));
            if wal.exists() {
                std::fs::copy(&wal, format!("{}-wal", dst.display()))?;
            }
            let dst_url = format!("sqlite://{}?mode=rw", dst.display());
            Ok((Scratch::Sqlite { path: dst }, dst_url))
        } else {
            let mut u = url::Url::parse(url).context("database URL")?;
            let src = u.path().trim_start_matches('/').to_string();
            let name = format!("{src}_bench_scratch_{}", std::process::id());
            let mut admin = u.clone();
            admin.set_path("/postgres");
            let conn = sea_orm::Database::connect(admin.as_str()).await.context("connecting to the postgres database to copy the benchmark database")?;
            conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{src}\""))
                .await
                .context("CREATE DATABASE … TEMPLATE (nothing else may be connected to the benchmark database)")?;
            conn.close().await?;
            u.set_path(&format!("/{name}"));
            Ok((Scratch::Postgres { admin_url: admin.to_string(), name }, u.to_string()))
        }
    }

    async fn remove(self) {
        match self {
            Scratch::Sqlite { path } => {
                for p in [path.display().to_string(), format!("{}-wal", path.display()), format!("{}-shm", path.display())] {
                    let _ = std::fs::remove_file(p);
                }
            }
            Scratch::Postgres { admin_url, name } => {
                if let Ok(conn) = sea_orm::Database::connect(admin_url.as_str()).await {
                    let _ = conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                    let _ = conn.close().await;
                }
            }
        }
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| t.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, v)| v.trim().to_string()))
        .unwrap_or_default()
}

/// `acorn bench`.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let mut cfg: Config = args.db.load()?;
    let url = cfg.database_url();
    // Far above anything this machine serves: the limiter runs on every request but never refuses.
    cfg.rate_limit_per_second = 100_000_000;
    cfg.rate_limit_burst = 100_000_000;
    let scratch = if args.acks > 0 { Some(Scratch::make(&url).await?) } else { None };
    let result = bench(&args, &cfg, scratch.as_ref().map(|(_, u)| u.as_str())).await;
    if let Some((s, _)) = scratch {
        s.remove().await;
    }
    let report = result?;
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?).with_context(|| format!("writing {}", path.display()))?;
        println!("\nJSON written to {}", path.display());
    }
    Ok(())
}

async fn bench(args: &BenchArgs, cfg: &Config, scratch_url: Option<&str>) -> anyhow::Result<Report> {
    let db = open_db(cfg).await?;
    let s = services(db, cfg);
    let ctx = Ctx::cli();
    let code = args.vendor_code.trim().to_uppercase();
    let tenant = acorn_store::repo::vendors::tenant_of_code(&s.db.conn, &code).await?.with_context(|| format!("no vendor holds vendor code {code}"))?;
    let count = |sql_text: &str, values: Vec<Value>| {
        let s = s.clone();
        let text = sql(s.db.db_backend(), sql_text);
        async move {
            let row = s.db.conn.query_one_raw(Statement::from_sql_and_values(s.db.db_backend(), text, values)).await?.context("count")?;
            Ok::<i64, anyhow::Error>(row.try_get_by_index::<i64>(0)?)
        }
    };
    let database_pos = count("SELECT COUNT(*) FROM purchase_orders", vec![]).await?;
    let vendor_pos = count("SELECT COUNT(*) FROM purchase_orders WHERE tenant_id = ?", vec![tenant.0.into()]).await?;
    if vendor_pos < 200 {
        bail!("vendor {code} has only {vendor_pos} POs; make the database with `acorn demo --scale N` first");
    }
    let engine = s.db.backend.as_str().to_string();
    let mut report = Report {
        engine: engine.clone(),
        cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        cpu_model: cpu_model(),
        vendor_code: code.clone(),
        database_pos,
        vendor_pos,
        concurrency: args.concurrency,
        secs_per_round: args.secs,
        ..Report::default()
    };
    println!("ACORN bench: {engine}, {} CPUs ({}), {database_pos} POs in the database, {vendor_pos} of vendor {code}", report.cpus, report.cpu_model);

    // The vendor's API token.
    let creds = s.create_client(&ctx, tenant, "acorn bench", vec![]).await?;
    let token = s
        .grant_token(&ctx, "client_credentials", Some(&creds.client_id), Some(&creds.client_secret), None)
        .await
        .map_err(|e| anyhow::anyhow!("token grant: {e:?}"))?
        .access_token;
    let client_record = s.client_for_token(&token).await?.context("the new token is not accepted")?;
    let auth = format!("Bearer {token}");
    let auth_header = HeaderValue::from_str(&auth)?;

    // Random cursors over the vendor's POs (not within a page of the end).
    let keys: Vec<(DateTime<Utc>, Uuid)> = {
        let b = s.db.db_backend();
        let rows =
            s.db.conn
                .query_all_raw(Statement::from_sql_and_values(
                    b,
                    sql(b, "SELECT created_at, id FROM purchase_orders WHERE tenant_id = ? ORDER BY created_at ASC, id ASC"),
                    vec![tenant.0.into()],
                ))
                .await?;
        rows.iter().map(|r| Ok((r.try_get_by_index::<DateTime<Utc>>(0)?, r.try_get_by_index::<Uuid>(1)?))).collect::<Result<_, sea_orm::DbErr>>()?
    };
    let mut rng = rand::thread_rng();
    let usable = keys.len().saturating_sub(60).max(1);
    let cursors: Vec<String> = (0..2000).map(|_| keys[rng.gen_range(0..usable)]).map(|(created_at, id)| Cursor { created_at, id }.encode()).collect();

    // The app with the raw route, on an ephemeral port of this process.
    let raw_state = RawState {
        pool: match s.db.backend {
            Backend::Sqlite => RawPool::Sqlite(s.db.conn.get_sqlite_connection_pool().clone()),
            Backend::Postgres => RawPool::Postgres(s.db.conn.get_postgres_connection_pool().clone()),
        },
        tenant: tenant.0,
    };
    let app = build_app(s.clone(), cfg).merge(Router::new().route("/bench/raw/purchase-orders", get(raw_list)).with_state(raw_state.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let base = format!("http://{addr}");
    let uris = |path: &str| -> anyhow::Result<Arc<Vec<Uri>>> {
        Ok(Arc::new(cursors.iter().map(|c| format!("{base}{path}?limit=50&cursor={c}").parse::<Uri>()).collect::<Result<Vec<_>, _>>()?))
    };
    let native = Target { name: "native", uris: uris("/api/v1/purchase-orders")? };
    let raw = Target { name: "raw", uris: uris("/bench/raw/purchase-orders")? };

    // The load generator runs on its own runtime, as a separate client would.
    let client_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let client: Http = {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Client::builder(TokioExecutor::new()).pool_max_idle_per_host(256).build(connector)
    };
    let outcome = measure_http(args, &mut report, &client_rt, &client, &native, &raw, &auth_header, &base, &auth, &cursors).await;
    client_rt.shutdown_background();
    outcome?;

    // Where the time goes: the same pages without HTTP.
    let vendor_ctx = Ctx::new(Principal::Client(client_record.clone()), "bench", "127.0.0.1");
    report.in_process = measure_in_process(args, &s, &vendor_ctx, &raw_state, &cursors).await?;

    // Acknowledgements.
    if let Some(scratch_url) = scratch_url {
        report.acks = Some(measure_acks(args, &s, &vendor_ctx, tenant, scratch_url).await?);
    }
    s.disable_client(&ctx, tenant, creds.id).await?;
    server.abort();
    print_summary(&report);
    s.db.close().await?;
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn measure_http(
    args: &BenchArgs,
    report: &mut Report,
    rt: &tokio::runtime::Runtime,
    client: &Http,
    native: &Target,
    raw: &Target,
    auth: &HeaderValue,
    base: &str,
    auth_text: &str,
    cursors: &[String],
) -> anyhow::Result<()> {
    // Both routes answer the same JSON for the same page.
    let mut identical = true;
    for (k, cursor) in cursors.iter().enumerate().take(20) {
        let (a, b) = (native.uris[k].clone(), raw.uris[k].clone());
        let (c, h) = (client.clone(), auth.clone());
        let (x, y) = rt.spawn(async move { (fetch_json(&c, a, &h).await, fetch_json(&c, b, &h).await) }).await?;
        let (x, y) = (x?, y?);
        if x != y || x["items"].as_array().is_none_or(|i| i.len() != 50) {
            identical = false;
            eprintln!("native and raw answers differ for cursor {cursor}:\nnative {x}\nraw    {y}");
        }
    }
    report.bodies_identical = identical;
    println!("native and raw routes return identical JSON for 20 random pages of 50: {identical}");

    let conc = args.concurrency;
    let run = |t: &Target, warm: Duration, dur: Duration| rt.spawn(closed_loop(client.clone(), t.clone(), auth.clone(), conc, warm, dur));
    println!("\n== Throughput: closed loop, {conc} connections, {} s per route per round, pages of 50 after random cursors ==", args.secs);
    run(native, Duration::ZERO, Duration::from_secs(2)).await?;
    run(raw, Duration::ZERO, Duration::from_secs(2)).await?;
    for r in 0..args.rounds.max(1) {
        let order = if r % 2 == 0 { [native, raw] } else { [raw, native] };
        let mut got = Vec::new();
        for t in order {
            got.push((t.name, run(t, Duration::from_millis(500), Duration::from_secs(args.secs)).await?));
        }
        let pick = |n: &str| got.iter().find(|(name, _)| *name == n).map(|(_, s)| s.clone()).unwrap_or_default();
        let round = Round { ratio: pick("native").rps / pick("raw").rps, native: pick("native"), raw: pick("raw") };
        println!("round {}  native {}\n         raw    {}\n         ratio native/raw {:.3}", r + 1, round.native.line(), round.raw.line(), round.ratio);
        report.rounds.push(round);
    }
    report.native_rps_median = median(report.rounds.iter().map(|r| r.native.rps).collect());
    report.raw_rps_median = median(report.rounds.iter().map(|r| r.raw.rps).collect());
    report.ratio_of_medians = report.native_rps_median / report.raw_rps_median;
    report.median_of_ratios = median(report.rounds.iter().map(|r| r.ratio).collect());
    println!(
        "median   native {:.0} req/s, raw {:.0} req/s; ratio of medians {:.3} (median of per-round ratios {:.3})",
        report.native_rps_median, report.raw_rps_median, report.ratio_of_medians, report.median_of_ratios
    );

    println!("\n== Fixed rate: {} req/s for {} s, open loop, pages of 50 after random cursors ==", args.rate, args.rate_secs);
    for t in [native, raw] {
        let f = rt.spawn(fixed_rate(client.clone(), t.clone(), auth.clone(), args.rate, args.rate_secs)).await?;
        println!(
            "{:<7} sent {} achieved {:.0} req/s, failed {}\n        from schedule {}\n        service time  {}",
            t.name,
            f.sent,
            f.achieved_rps,
            f.failed,
            f.from_schedule.line(),
            f.service.line()
        );
        if t.name == "native" {
            report.fixed_rate_native = Some(f);
        } else {
            report.fixed_rate_raw = Some(f);
        }
    }

    if !args.no_external && have("wrk") {
        let script = std::env::temp_dir().join(format!("acorn-bench-{}.lua", std::process::id()));
        let paths: Vec<String> = cursors.iter().map(|c| format!("\"?limit=50&cursor={c}\"")).collect();
        std::fs::write(
            &script,
            format!(
                "local paths = {{{}}}\nlocal i = math.random(#paths)\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(nil, wrk.path .. paths[i])\nend\n",
                paths.join(",")
            ),
        )?;
        let conc = args.concurrency;
        let secs = args.secs;
        report.wrk_command = Some(format!("wrk -t2 -c{conc} -d{secs}s --latency -s random-cursors.lua -H 'Authorization: Bearer …' URL"));
        println!("\n== wrk -t2 -c{conc} -d{secs}s, same random cursors (Lua script) ==");
        let urls = [format!("{base}/api/v1/purchase-orders"), format!("{base}/bench/raw/purchase-orders")];
        for u in &urls {
            let (u, s, a) = (u.clone(), script.clone(), auth_text.to_string());
            tokio::task::spawn_blocking(move || wrk(&u, &s, &a, conc, 1)).await?;
        }
        for r in 0..args.rounds.max(1) {
            let mut pair = [Sample::default(), Sample::default()];
            for k in if r % 2 == 0 { [0, 1] } else { [1, 0] } {
                let (u, s, a) = (urls[k].clone(), script.clone(), auth_text.to_string());
                pair[k] = tokio::task::spawn_blocking(move || wrk(&u, &s, &a, conc, secs)).await?;
            }
            let [n, w] = pair;
            let round = Round { ratio: n.rps / w.rps, native: n, raw: w };
            println!("round {}  native {}\n         raw    {}\n         ratio native/raw {:.3}", r + 1, round.native.line(), round.raw.line(), round.ratio);
            report.wrk.push(round);
        }
        println!(
            "median   native {:.0} req/s, raw {:.0} req/s; ratio of medians {:.3}",
            median(report.wrk.iter().map(|r| r.native.rps).collect()),
            median(report.wrk.iter().map(|r| r.raw.rps).collect()),
            median(report.wrk.iter().map(|r| r.native.rps).collect()) / median(report.wrk.iter().map(|r| r.raw.rps).collect())
        );
        let _ = std::fs::remove_file(&script);
    }
    if !args.no_external && have("hey") {
        // hey takes one URL: a cursor from the middle of the vendor's POs.
        // Two worker counts: hey's workers fire together (bursts of 50 or of 10 requests), and the
        // p99 of a burst says how fast the server drains it, which the evenly spaced run does not.
        for workers in [50, 10] {
            let url = format!("{base}/api/v1/purchase-orders?limit=50&cursor={}", cursors[0]);
            let (a, rate, secs) = (auth_text.to_string(), args.rate, args.rate_secs);
            let (sample, cmd) = tokio::task::spawn_blocking(move || hey(&url, &a, rate, secs, workers)).await?;
            println!("\n== {cmd} (one cursor) ==\nnative  {}", sample.line());
            report.hey.push(HeyRun { workers, command: cmd, sample });
        }
    }
    Ok(())
}

/// The page's work without HTTP, from `concurrency` tasks on the server's runtime: the use case
/// (`Services::list_pos`, as the API handler calls it) and the raw query, each with and without
/// building the JSON body.
async fn measure_in_process(args: &BenchArgs, s: &Services, ctx: &Ctx, raw: &RawState, cursors: &[String]) -> anyhow::Result<Vec<Stage>> {
    let (conc, warm, dur) = (args.concurrency, Duration::from_millis(500), Duration::from_secs(3));
    let encoded: Arc<Vec<String>> = Arc::new(cursors.to_vec());
    let decoded: Arc<Vec<Cursor>> = Arc::new(cursors.iter().map(|c| Cursor::decode(c)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?);
    println!("\n== Without HTTP: the same pages called in-process, {conc} tasks, {} s each ==", dur.as_secs());
    let mut out = Vec::new();
    for (name, json) in [("service list_pos + JSON", true), ("service list_pos alone", false)] {
        let (s, ctx, enc) = (s.clone(), ctx.clone(), encoded.clone());
        let f = move |i: usize| {
            let (s, ctx, enc) = (s.clone(), ctx.clone(), enc.clone());
            async move {
                match s.list_pos(&ctx, acorn_domain::orders::PoFilter::default(), Some(&enc[i % enc.len()]), Some(50)).await {
                    Ok(p) if json => {
                        let page = acorn_web::api::orders::PoPage { items: p.items.iter().map(acorn_web::api::orders::PoOut::from).collect(), next: p.next };
                        serde_json::to_vec(&page).is_ok()
                    }
                    Ok(p) => p.items.len() == 50,
                    Err(_) => false,
                }
            }
        };
        out.push(Stage { name: name.into(), sample: closed_loop_fn(conc, warm, dur, f).await });
    }
    for (name, json) in [("raw query + JSON", true), ("raw query alone", false)] {
        let (st, dec) = (raw.clone(), decoded.clone());
        let f = move |i: usize| {
            let (st, dec) = (st.clone(), dec.clone());
            async move {
                match raw_page(&st, Some(dec[i % dec.len()]), 50).await {
                    Ok(p) if json => serde_json::to_vec(&p).is_ok(),
                    Ok(p) => p.items.len() == 50,
                    Err(_) => false,
                }
            }
        };
        out.push(Stage { name: name.into(), sample: closed_loop_fn(conc, warm, dur, f).await });
    }
    for st in &out {
        println!("{:<26} {}", st.name, st.sample.line());
    }
    Ok(out)
}

async fn measure_acks(args: &BenchArgs, s: &Services, vendor: &Ctx, tenant: TenantId, scratch_url: &str) -> anyhow::Result<AckResult> {
    let c = &s.db.conn;
    let b = s.db.db_backend();
    let rows = c
        .query_all_raw(Statement::from_sql_and_values(
            b,
            sql(b, "SELECT id FROM purchase_orders WHERE tenant_id = ? AND state = ? AND closed_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?"),
            vec![tenant.0.into(), PoState::New.as_str().into(), (args.acks as i64).into()],
        ))
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.try_get_by_index::<Uuid>(0)).collect::<Result<_, _>>()?;
    if ids.len() < args.acks {
        bail!("vendor has only {} unacknowledged POs; {} are needed (make a fresh database with `acorn demo --scale N`)", ids.len(), args.acks);
    }
    // Inputs prepared before timing: the service gets "accept every line", the raw path its rows.
    let mut work = Vec::with_capacity(ids.len());
    for id in &ids {
        let po = acorn_store::repo::orders::get(c, Some(tenant), *id).await?.context("PO")?;
        let lines = acorn_store::repo::orders::lines(c, tenant, *id).await?;
        let input = Services::accept_all(&lines);
        let rows = AckRows {
            po_id: *id,
            revision: po.revision,
            lines: lines
                .iter()
                .filter(|l| !l.cancelled)
                .map(|l| Ok((l.line_no, l.ordered_eaches(), acorn_domain::money::to_e4(l.net_cost).map_err(anyhow::Error::msg)?)))
                .collect::<anyhow::Result<_>>()?,
        };
        work.push((input, rows));
    }
    let scratch = Db::connect(scratch_url, &DbOptions { max_connections: 2, ..DbOptions::default() }).await?;
    let by = "API client acorn bench";
    let rounds = 4usize;
    let per = work.len().div_ceil(rounds);
    let (mut service_h, mut raw_h) = (histogram(), histogram());
    let (mut service_t, mut raw_t) = (Duration::ZERO, Duration::ZERO);
    println!("\n== Acknowledgements: {} POs accepted in full, one after another, {rounds} alternating rounds ==", work.len());
    for (r, chunk) in work.chunks(per).enumerate() {
        for path in if r % 2 == 0 { ["service", "raw"] } else { ["raw", "service"] } {
            let t0 = Instant::now();
            for (input, rows) in chunk {
                let t = Instant::now();
                if path == "service" {
                    s.acknowledge(vendor, rows.po_id, input.clone(), Channel::Api).await?;
                    let _ = service_h.record(micros(t.elapsed()));
                } else {
                    raw_ack(&scratch, tenant.0, rows, by).await?;
                    let _ = raw_h.record(micros(t.elapsed()));
                }
            }
            let e = t0.elapsed();
            if path == "service" {
                service_t += e;
            } else {
                raw_t += e;
            }
            println!("round {}  {path:<7} {:>5} acks in {:>6.2} s: {:>7.0}/s", r + 1, chunk.len(), e.as_secs_f64(), chunk.len() as f64 / e.as_secs_f64());
        }
    }
    scratch.close().await?;
    let n = work.len();
    let q = |h: &Histogram<u64>, p: f64| h.value_at_quantile(p) as f64 / 1000.0;
    let res = AckResult {
        count: n,
        rounds,
        service_secs: service_t.as_secs_f64(),
        raw_secs: raw_t.as_secs_f64(),
        service_per_sec: n as f64 / service_t.as_secs_f64(),
        raw_per_sec: n as f64 / raw_t.as_secs_f64(),
        ratio: raw_t.as_secs_f64() / service_t.as_secs_f64(),
        service_p50_ms: q(&service_h, 0.5),
        service_p99_ms: q(&service_h, 0.99),
        raw_p50_ms: q(&raw_h, 0.5),
        raw_p99_ms: q(&raw_h, 0.99),
    };
    println!(
        "service {:.0} acks/s (p50 {:.2} ms, p99 {:.2} ms); raw SQL {:.0} acks/s (p50 {:.2} ms, p99 {:.2} ms); ratio service/raw {:.3}",
        res.service_per_sec, res.service_p50_ms, res.service_p99_ms, res.raw_per_sec, res.raw_p50_ms, res.raw_p99_ms, res.ratio
    );
    Ok(res)
}

fn print_summary(r: &Report) {
    println!("\n== Summary ({}, {} CPUs, {} POs, vendor {} with {}) ==", r.engine, r.cpus, r.database_pos, r.vendor_code, r.vendor_pos);
    println!("{:<58} {:>12} {:>12} {:>8}", "measure", "ACORN", "floor", "ratio");
    println!(
        "{:<58} {:>12.0} {:>12.0} {:>8.3}",
        format!("GET purchase-orders, req/s (closed loop, {} conns)", r.concurrency),
        r.native_rps_median,
        r.raw_rps_median,
        r.ratio_of_medians
    );
    if !r.wrk.is_empty() {
        let n = median(r.wrk.iter().map(|x| x.native.rps).collect());
        let w = median(r.wrk.iter().map(|x| x.raw.rps).collect());
        println!("{:<58} {:>12.0} {:>12.0} {:>8.3}", "  same with wrk, req/s", n, w, n / w);
    }
    if let (Some(n), Some(w)) = (&r.fixed_rate_native, &r.fixed_rate_raw) {
        println!("{:<58} {:>12.2} {:>12.2}", format!("p99 ms at {} req/s (from scheduled send)", n.target_rps), n.from_schedule.p99_ms, w.from_schedule.p99_ms);
        println!("{:<58} {:>12.2} {:>12.2}", "  p50 ms", n.from_schedule.p50_ms, w.from_schedule.p50_ms);
        println!("{:<58} {:>12.0} {:>12.0}", "  achieved req/s", n.achieved_rps, w.achieved_rps);
    }
    for h in &r.hey {
        println!("{:<58} {:>12.2}", format!("  hey p99 ms ({} rate-capped workers, one cursor)", h.workers), h.sample.p99_ms);
    }
    for (native, raw) in [(0, 2), (1, 3)] {
        if let (Some(n), Some(w)) = (r.in_process.get(native), r.in_process.get(raw)) {
            println!(
                "{:<58} {:>12.0} {:>12.0} {:>8.3}",
                format!("  in-process, no HTTP: {} / {}, per s", n.name, w.name),
                n.sample.rps,
                w.sample.rps,
                n.sample.rps / w.sample.rps
            );
        }
    }
    if let Some(a) = &r.acks {
        println!("{:<58} {:>12.0} {:>12.0} {:>8.3}", format!("acknowledgements/s ({} POs, sequential)", a.count), a.service_per_sec, a.raw_per_sec, a.ratio);
    }
}
