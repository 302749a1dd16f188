//! Crash safety: `kill -9` of `acorn serve` in the middle of a write load, 20 times over, loses no
//! acknowledged write and duplicates none; requests that never got an answer can be re-sent with the
//! same Idempotency-Key and body and then take effect exactly once; the audit chains stay intact.
//!
//! The load creates API clients (`POST /api/v1/api-clients`) with a vendor API client holding the
//! `integrations` scope: vendor principals may not write vendor identifiers (the `vendors` area is
//! read-only for every vendor role), but `integrations` is writable for a vendor admin, so a vendor
//! client with that scope gets write access (domain::policy::client_access).
//!
//! A re-send may meet its key still claimed by the dead process (PostgreSQL; a SQLite server releases
//! such claims at start): it answers 409 until the takeover window (`idempotency_takeover_secs`, 1 s
//! here) passes, and the client retries, as a client of the API should. A request whose write
//! committed but whose response was lost answers `200 already_applied`. Either way each write must
//! exist exactly once.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const ROUNDS: usize = 20;
const WRITERS: usize = 4;
const LOAD_FOR: Duration = Duration::from_millis(300);

#[derive(Clone, Debug)]
enum Outcome {
    /// An HTTP answer arrived.
    Answered { status: u16, replayed: bool },
    /// The connection was refused: the request never reached the server.
    NotSent,
    /// Sent, but the server died before answering.
    NoAnswer,
}

#[derive(Clone, Debug)]
struct Sent {
    key: String,
    name: String,
    outcome: Outcome,
}

fn body(name: &str) -> Value {
    json!({"name": name})
}

async fn post_client(http: &reqwest::Client, base: &str, token: &str, key: &str, name: &str) -> Outcome {
    let res = http.post(format!("{base}/api/v1/api-clients")).bearer_auth(token).header("Idempotency-Key", key).json(&body(name)).send().await;
    match res {
        Ok(r) => {
            let status = r.status().as_u16();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            // The answer only counts once its body has arrived in full.
            match r.bytes().await {
                Ok(_) => Outcome::Answered { status, replayed },
                Err(_) => Outcome::NoAnswer,
            }
        }
        Err(e) if e.is_connect() => Outcome::NotSent,
        Err(_) => Outcome::NoAnswer,
    }
}

/// Every API client name of the vendor, with how often it occurs (following every page).
async fn names(http: &reqwest::Client, base: &str, token: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = http.get(format!("{base}/api/v1/api-clients")).bearer_auth(token).query(&[("limit", "500")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let res = req.send().await.expect("list clients");
        assert_eq!(res.status(), 200);
        let page: Value = res.json().await.expect("client list");
        for c in page["items"].as_array().expect("items") {
            *m.entry(c["name"].as_str().expect("name").to_string()).or_insert(0) += 1;
        }
        match page["next"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => return m,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_under_write_load_loses_and_duplicates_nothing() {
    let started = Instant::now();
    let env = TestEnv::new().await;
    env.ok(&["migrate"]);
    env.vendor("Acme Housewares", "ACME1");
    let creds = env.client("ACME1", "integrations");
    let envs = [("ACORN_RATE_LIMIT_PER_SECOND", "100000"), ("ACORN_RATE_LIMIT_BURST", "100000"), ("ACORN_IDEMPOTENCY_TAKEOVER_SECS", "1")];
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).pool_max_idle_per_host(0).build().expect("client");

    // Names whose creation was acknowledged with 2xx (initially or on a retry).
    let mut acked: BTreeSet<String> = BTreeSet::new();
    // Requests of the previous round that got no answer, to re-send after the restart.
    let mut unanswered: Vec<Sent> = Vec::new();
    let mut violations: Vec<String> = Vec::new();
    // Names already reported lost or duplicated (reported once, not every round).
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let (mut total_acked, mut total_in_flight, mut total_not_sent, mut total_retried_replayed) = (0usize, 0usize, 0usize, 0usize);

    for round in 0..=ROUNDS {
        let mut server = env.serve(&envs).await;
        let base = server.base.clone();
        let token = token(&server, &creds).await;

        // 1. Re-send what got no answer before the crash: same key, same body.
        let mut refused_now = Vec::new();
        for s in unanswered.drain(..) {
            let mut attempts = 0;
            loop {
                attempts += 1;
                match post_client(&http, &base, &token, &s.key, &s.name).await {
                    // Created now, replayed, or applied before the crash with its response lost.
                    Outcome::Answered { status: 201, replayed } | Outcome::Answered { status: 200, replayed } => {
                        total_retried_replayed += replayed as usize;
                        acked.insert(s.name.clone());
                    }
                    // Still claimed by the dead process: retry after the takeover window.
                    Outcome::Answered { status: 409, .. } if attempts < 5 => {
                        tokio::time::sleep(Duration::from_millis(1200)).await;
                        continue;
                    }
                    other => refused_now.push((s, other)),
                }
                break;
            }
        }

        // 2. Nothing acknowledged is lost, nothing is duplicated.
        let present = names(&http, &base, &token).await;
        for (s, outcome) in refused_now {
            let applied = present.get(&s.name).copied().unwrap_or(0);
            violations.push(format!(
                "round {round}: re-sending `{}` (key {}) after the restart gave {outcome:?}, not 201 (the write is present {applied} time(s))",
                s.name, s.key
            ));
        }
        for name in &acked {
            if reported.contains(name) {
                continue;
            }
            if present.get(name) != Some(&1) {
                reported.insert(name.clone());
            }
            match present.get(name) {
                Some(1) => {}
                Some(n) => violations.push(format!("round {round}: acknowledged `{name}` exists {n} times")),
                None => violations.push(format!("round {round}: acknowledged `{name}` is lost")),
            }
        }
        for (name, n) in &present {
            if *n > 1 && reported.insert(name.clone()) {
                violations.push(format!("round {round}: `{name}` exists {n} times"));
            }
        }
        if round == ROUNDS {
            server.terminate().await;
            break;
        }

        // 3. Write load from several tasks; kill -9 while requests are in flight.
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for w in 0..WRITERS {
            let (http, base, token, stop) = (http.clone(), base.clone(), token.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let mut sent = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let key = uuid::Uuid::now_v7().to_string();
                    let name = format!("c{round}-{w}-{i}");
                    i += 1;
                    let outcome = post_client(&http, &base, &token, &key, &name).await;
                    let dead = !matches!(outcome, Outcome::Answered { .. });
                    sent.push(Sent { key, name, outcome });
                    if dead {
                        break;
                    }
                }
                sent
            }));
        }
        tokio::time::sleep(LOAD_FOR).await;
        server.kill9();
        stop.store(true, Ordering::Relaxed);
        let mut round_acked = 0;
        let mut round_in_flight = 0;
        for t in tasks {
            for s in t.await.expect("writer task") {
                match s.outcome {
                    Outcome::Answered { status, .. } if (200..300).contains(&status) => {
                        round_acked += 1;
                        acked.insert(s.name);
                    }
                    Outcome::Answered { status, .. } => {
                        violations.push(format!("round {round}: `{}` was answered {status} before the crash", s.name));
                    }
                    Outcome::NoAnswer => {
                        round_in_flight += 1;
                        unanswered.push(s);
                    }
                    Outcome::NotSent => {
                        total_not_sent += 1;
                        unanswered.push(s);
                    }
                }
            }
        }
        total_acked += round_acked;
        total_in_flight += round_in_flight;
        eprintln!("round {round:2}: {round_acked:4} writes acknowledged, {round_in_flight} in flight at kill -9");
    }

    eprintln!(
        "{ROUNDS} kills: {total_acked} writes acknowledged, {total_in_flight} in flight at the kill ({total_retried_replayed} of them replayed on re-send), \
         {total_not_sent} refused connections; {} names in all; {:.1} s",
        acked.len(),
        started.elapsed().as_secs_f64()
    );
    // 4. The audit chains survived the crashes (and the final graceful stop anchored them).
    let out = env.run(&["audit", "verify"]);
    if !(out.success() && out.stdout.contains("verified")) {
        violations.push(format!("audit verify after the crashes failed:\n{}{}", out.stdout, out.stderr));
    }

    assert!(violations.is_empty(), "{} violation(s):\n{}", violations.len(), violations.join("\n"));
    assert!(total_acked >= ROUNDS, "the load should have written something every round ({total_acked} acknowledged)");
    assert!(total_in_flight > 0, "no request was ever in flight at a kill: the test did not test anything");
}
