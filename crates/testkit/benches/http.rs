//! Requests/s and latency of `GET /api/v1/me` (bearer token of a vendor API client: token lookup in
//! the database, rate limiter, request-id and security-header middleware, metrics, JSON) side by side
//! with an empty axum handler, the floor of axum itself, in one invocation. ACORN's `GET /healthz`
//! (the same router and request-id/security-header/metrics middleware, but no rate limiter, no
//! token, no database) is measured in the same rounds to split the difference.
//!
//! Both servers run in this process on 127.0.0.1:0 ports, on one tokio runtime (worker threads = CPUs,
//! as in production); the load generator runs on a second runtime. The same client, the same request
//! (the `Authorization` header is sent to every target), and the same concurrency hit the targets in
//! rounds that rotate which goes first, so machine noise reaches all of them; the result is the ratio
//! of the medians to the empty handler. Load: a closed-loop Rust client (N tasks over N keep-alive
//! connections of one hyper client; a request counts when it completes with 200 inside the measured
//! window, after a warm-up), then the same comparison with `wrk` when it is installed.
//!
//! Run: `cargo bench -p acorn-testkit --bench http` (SQLite); with
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL.
//! Knobs (env): `BENCH_ROUNDS` (5), `BENCH_SECS` (3, Rust client), `BENCH_WRK_SECS` (5),
//! `BENCH_CONCURRENCY` (32), `BENCH_WARMUP_MS` (500, before each measured window).

use acorn_server::config::Config;
use acorn_testkit::TestApp;
use acorn_testkit::db::fresh;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Uri, header};
use axum::routing::get;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::process::Command;
use std::time::{Duration, Instant};

type Http = Client<HttpConnector, Body>;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[derive(Clone)]
struct Target {
    name: &'static str,
    url: String,
    uri: Uri,
}

/// One measured window against one target.
#[derive(Clone, Debug, Default)]
struct Sample {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Completed with a status other than 200 (e.g. 429 would mean the rate limiter interfered).
    non_200: u64,
    /// Connection or body errors.
    errors: u64,
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// How one call ended: `Some(true)` success (HTTP 200), `Some(false)` another answer, `None` an error.
type Outcome = Option<bool>;

/// Closed loop: `conc` tasks, each starting its next call as soon as the previous one has completed.
/// Counts the calls that complete inside [now + warm, now + warm + dur]; latency is of successes.
async fn closed_loop<F, Fut>(conc: usize, warm: Duration, dur: Duration, call: F) -> Sample
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Outcome> + Send,
{
    let t0 = Instant::now() + warm;
    let t1 = t0 + dur;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..conc {
        let call = call.clone();
        tasks.spawn(async move {
            let (mut lat, mut non_200, mut errors) = (Vec::<u32>::with_capacity(1 << 16), 0u64, 0u64);
            loop {
                let start = Instant::now();
                if start >= t1 {
                    break;
                }
                let outcome = call().await;
                let end = Instant::now();
                if end < t0 || end > t1 {
                    continue;
                }
                match outcome {
                    Some(true) => lat.push((end - start).as_micros().min(u32::MAX as u128) as u32),
                    Some(false) => non_200 += 1,
                    None => errors += 1,
                }
            }
            (lat, non_200, errors)
        });
    }
    let (mut lat, mut non_200, mut errors) = (Vec::new(), 0, 0);
    while let Some(r) = tasks.join_next().await {
        let (l, n, e) = r.expect("load task");
        lat.extend(l);
        non_200 += n;
        errors += e;
    }
    lat.sort_unstable();
    Sample { rps: lat.len() as f64 / dur.as_secs_f64(), p50_ms: percentile(&lat, 0.50), p99_ms: percentile(&lat, 0.99), non_200, errors }
}

/// HTTP load on one target: GET with the `Authorization` header, body read to the end.
async fn measure(client: &Http, target: &Target, auth: &HeaderValue, conc: usize, warm: Duration, dur: Duration) -> Sample {
    let (client, uri, auth) = (client.clone(), target.uri.clone(), auth.clone());
    closed_loop(conc, warm, dur, move || {
        let req = Request::get(uri.clone()).header(header::AUTHORIZATION, auth.clone()).body(Body::empty()).expect("request");
        let client = client.clone();
        async move {
            let res = client.request(req).await.ok()?;
            let ok = res.status() == 200;
            axum::body::to_bytes(Body::new(res.into_body()), usize::MAX).await.ok().map(|_| ok)
        }
    })
    .await
}

fn line(s: &Sample) -> String {
    let mut out = format!("{:>9.0} /s  p50 {:>6.3} ms  p99 {:>6.3} ms", s.rps, s.p50_ms, s.p99_ms);
    if s.non_200 > 0 || s.errors > 0 {
        out.push_str(&format!("  non-200 {}  errors {}", s.non_200, s.errors));
    }
    out
}

/// Runs `rounds` rounds, each measuring every target once (`run(i)` measures `names[i]`), rotating
/// which goes first, and prints every round, the medians and the ratio of each target to the last
/// one (the baseline).
fn compare(title: &str, names: &[&str], rounds: u64, mut run: impl FnMut(usize) -> Sample) {
    println!("\n== {title} ==");
    let n = names.len();
    let base = n - 1;
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); n];
    for r in 0..rounds as usize {
        for k in 0..n {
            let i = (r + k) % n;
            samples[i].push(run(i));
        }
        for (i, name) in names.iter().enumerate() {
            let s = &samples[i][r];
            let head = if i == 0 { format!("round {}", r + 1) } else { String::new() };
            let ratio = if i == base { String::new() } else { format!("  ratio {:.3}", s.rps / samples[base][r].rps) };
            println!("{head:<8} {name:<8} {}{ratio}", line(s));
        }
    }
    let med = |i: usize, f: fn(&Sample) -> f64| median(samples[i].iter().map(f).collect());
    for (i, name) in names.iter().enumerate() {
        println!("median   {name:<8} {:>9.0} /s  p50 {:>6.3} ms  p99 {:>6.3} ms", med(i, |s| s.rps), med(i, |s| s.p50_ms), med(i, |s| s.p99_ms));
    }
    for (i, name) in names.iter().enumerate().take(base) {
        let ratios = samples[i].iter().zip(&samples[base]).map(|(a, b)| a.rps / b.rps).collect();
        println!(
            "ratio {name}/{}: {:.3} of medians  ({:.3} median of per-round ratios)",
            names[base],
            med(i, |s| s.rps) / med(base, |s| s.rps),
            median(ratios)
        );
    }
    let bad: u64 = samples.iter().flatten().map(|s| s.non_200 + s.errors).sum();
    if bad > 0 {
        println!("WARNING: {bad} calls did not succeed (non-200 or error); see the rounds above");
    }
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

fn wrk(target: &Target, auth: &str, conc: u64, secs: u64) -> Sample {
    let out = Command::new("wrk")
        .args(["-t2", &format!("-c{conc}"), &format!("-d{secs}s"), "--latency", "-H", &format!("Authorization: {auth}"), &target.url])
        .output()
        .expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut s = Sample::default();
    for l in text.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f.as_slice() {
            ["Requests/sec:", v, ..] => s.rps = v.parse().unwrap_or(f64::NAN),
            ["50%", v, ..] => s.p50_ms = wrk_ms(v).unwrap_or(f64::NAN),
            ["99%", v, ..] => s.p99_ms = wrk_ms(v).unwrap_or(f64::NAN),
            ["Non-2xx", "or", "3xx", "responses:", v, ..] => s.non_200 = v.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                s.errors = rest.iter().filter_map(|x| x.trim_end_matches(',').parse::<u64>().ok()).sum();
            }
            _ => {}
        }
    }
    if !out.status.success() || s.rps == 0.0 {
        eprintln!("wrk against {} failed: {}\n{}", target.url, out.status, String::from_utf8_lossy(&out.stderr));
    }
    s
}

fn main() {
    let rounds = env_num("BENCH_ROUNDS", 5).max(1);
    let secs = env_num("BENCH_SECS", 3).max(1);
    let wrk_secs = env_num("BENCH_WRK_SECS", 5).max(1);
    let conc = env_num("BENCH_CONCURRENCY", 32).max(1);
    let warm = Duration::from_millis(env_num("BENCH_WARMUP_MS", 500));

    // The servers: ACORN over a fresh database, and an empty axum handler.
    let servers = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("server runtime");
    let (app, token, empty_url) = servers.block_on(async {
        let db = fresh().await;
        let mut config = Config { data_dir: db.data_dir().to_path_buf(), database_url: Some(db.url.clone()), ..Config::default() };
        // Far above anything this machine can serve, so the limiter runs but never says no.
        config.rate_limit_per_second = 100_000_000;
        config.rate_limit_burst = 100_000_000;
        let app = TestApp::start_with(db, config).await;
        let vendor = app.vendor().await;
        let token = app.token(vendor.id, &[]).await;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, Router::new().route("/", get(|| async { "" }))).await;
        });
        (app, token, format!("http://{addr}/"))
    });
    let engine = if app.db.is_postgres() { "PostgreSQL" } else { "SQLite" };
    let auth = format!("Bearer {token}");
    let auth_header = HeaderValue::from_str(&auth).expect("header");
    let target = |name, url: String| Target { name, uri: url.parse().expect("uri"), url };
    let targets = [target("me", app.url("/api/v1/me")), target("healthz", app.url("/healthz")), target("empty", empty_url)];

    let client_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("client runtime");
    let client: Http = {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Client::builder(TokioExecutor::new()).pool_max_idle_per_host(conc as usize).build(connector)
    };

    // Every target answers 200, and /me knows the caller.
    client_rt.block_on(async {
        for t in &targets {
            let req = Request::get(t.uri.clone()).header(header::AUTHORIZATION, auth_header.clone()).body(Body::empty()).expect("request");
            let res = client.request(req).await.expect("probe");
            let status = res.status();
            let body = axum::body::to_bytes(Body::new(res.into_body()), usize::MAX).await.expect("probe body");
            assert_eq!(status, 200, "{} answered {status}: {}", t.url, String::from_utf8_lossy(&body));
            if t.name == "me" {
                let me: serde_json::Value = serde_json::from_slice(&body).expect("me json");
                assert_eq!(me["kind"], "client", "{me}");
            }
        }
    });

    println!(
        "me = ACORN GET /api/v1/me ({engine}), healthz = ACORN GET /healthz, empty = axum \"\" handler\n\
         {} CPUs; concurrency {conc}; {rounds} rounds",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );

    let names: Vec<&str> = targets.iter().map(|t| t.name).collect();
    let http = |i: usize, warm: Duration, dur: Duration| client_rt.block_on(measure(&client, &targets[i], &auth_header, conc as usize, warm, dur));
    for i in 0..targets.len() {
        http(i, Duration::ZERO, Duration::from_secs(1));
    }
    compare(
        &format!("Rust closed-loop client (hyper), {conc} connections, {secs} s per target per round after {} ms warm-up; requests/s", warm.as_millis()),
        &names,
        rounds,
        |i| http(i, warm, Duration::from_secs(secs)),
    );
    drop(client);
    drop(client_rt);

    // The token lookup alone (what `/api/v1/me` does beyond `/healthz`, minus the rate limiter and
    // JSON): the same call the API's extractor makes, from `conc` tasks on the servers' runtime.
    let lookup = |warm: Duration, dur: Duration| {
        let (services, token) = (app.services.clone(), token.clone());
        servers.block_on(closed_loop(conc as usize, warm, dur, move || {
            let (services, token) = (services.clone(), token.clone());
            async move { services.client_for_token(&token).await.ok().map(|c| c.is_some()) }
        }))
    };
    lookup(Duration::ZERO, Duration::from_secs(1));
    compare(&format!("token lookup alone (Services::client_for_token, {engine}), {conc} tasks, no HTTP; lookups/s"), &["lookup"], rounds, |_| {
        lookup(warm, Duration::from_secs(secs))
    });

    let have_wrk = Command::new("wrk").arg("--version").output().is_ok();
    if have_wrk {
        for t in &targets {
            wrk(t, &auth, conc, 1);
        }
        compare(&format!("wrk -t2 -c{conc} -d{wrk_secs}s --latency, same Authorization header to every target; requests/s"), &names, rounds, |i| {
            wrk(&targets[i], &auth, conc, wrk_secs)
        });
    } else {
        println!("\nwrk is not installed (Debian: apt-get install wrk); skipping the wrk comparison.");
    }

    let _guard = servers.enter();
    drop(app);
}
