//! `acorn forecast bench|m3` on small generated files: the JSON report has the harness's keys with
//! sane values, flags do what `--help` says, bad input names the file and line. No database.

mod common;

use common::*;
use std::path::PathBuf;

/// A panel of `n` series × (104 history + 13 held-out) weeks from a fixed LCG: intermittent to
/// smooth, some with a yearly peak, one that never sells (dropped by the harness's scale rule).
fn panel_csv(n: usize) -> String {
    let mut state = 20_261_127u64;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as u32
    };
    let mut rows: Vec<String> = (0..n - 1)
        .map(|k| {
            let every = 1 + k % 5;
            (0..117)
                .map(|i| {
                    let peak = if k % 3 == 0 && (44..50).contains(&(i % 52)) { 3 } else { 1 };
                    if i % every == 0 || next() % 7 == 0 { ((1 + next() % (2 + k as u32 % 6)) * peak).to_string() } else { "0".into() }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    rows.push(vec!["0"; 117].join(","));
    rows.join("\n") + "\n"
}

fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn num(v: &serde_json::Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

#[test]
fn bench_writes_the_harness_metrics_for_a_small_panel() {
    let dir = tempfile::tempdir().unwrap();
    let panel = file(&dir, "panel.csv", &panel_csv(60));
    let out = dir.path().join("engine.json");
    let r = run_raw(&["forecast", "bench", "--panel", panel.to_str().unwrap(), "--horizon", "13", "--out", out.to_str().unwrap(), "--repeat", "2"]);
    assert!(r.success(), "{r:?}");
    let printed: serde_json::Value = serde_json::from_str(&r.stdout).expect("bench prints JSON");
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).expect("--out holds JSON");
    assert_eq!(printed, written);

    assert_eq!((written["series"].as_u64(), written["horizon"].as_u64(), written["runs"].as_u64()), (Some(60), Some(13), Some(2)));
    let m = &written["metrics"];
    assert_eq!((m["n_eval"].as_u64(), m["n_dropped"].as_u64()), (Some(59), Some(1)), "the never-selling series is dropped: {m}");
    for key in ["RMSSE", "MASE", "SPL50", "SPL70", "SPL80", "SPL90", "SPL_avg"] {
        let v = num(m, key);
        assert!(v.is_finite() && v > 0.0 && v < 5.0, "{key} = {v}");
    }
    assert!(num(m, "bias").abs() < 1.0, "{m}");
    for q in ["50", "70", "80", "90"] {
        let (lo, hi) = (num(m, &format!("covlo{q}")), num(m, &format!("cov{q}")));
        assert!((0.0..=1.0).contains(&lo) && lo <= hi && hi <= 1.0, "cov{q}: {lo} … {hi}");
    }
    assert!(num(m, "cov50") <= num(m, "cov90") && num(m, "covlo50") <= num(m, "covlo90"));
    assert!(num(m, "sec") > 0.0 && (num(m, "sec_per_1k") - num(m, "sec") / 60.0 * 1000.0).abs() < 1e-9);
    assert!(num(&written, "calibration_gap") >= 0.0);
    if cfg!(target_os = "linux") {
        assert!(num(&written, "cpu_sec") > 0.0, "{written}");
    }
    let total = |k: &str| written[k].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>();
    assert_eq!((total("methods"), total("classes")), (60, 60));

    // --limit and a configuration override; the metrics follow the chosen series and method.
    let r = run_raw(&["forecast", "bench", "--panel", panel.to_str().unwrap(), "--horizon", "13", "--limit", "10", "--set", r#"selection={"fixed":"mean"}"#]);
    assert!(r.success(), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["series"].as_u64(), Some(10));
    assert_eq!(v["methods"], serde_json::json!({ "mean": 10 }));

    // The EmpiricalQ52 reference: the same metric keys, no engine run.
    let r = run_raw(&["forecast", "bench", "--panel", panel.to_str().unwrap(), "--horizon", "13", "--reference"]);
    assert!(r.success(), "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["n_eval"].as_u64(), Some(59));
    assert!(num(&v, "RMSSE") > 0.0 && num(&v, "SPL_avg") > 0.0);
}

#[test]
fn bench_refuses_bad_input_and_unknown_settings() {
    let dir = tempfile::tempdir().unwrap();
    let ragged = file(&dir, "ragged.csv", "1,2,3,4\n1,2,3\n");
    let r = run_raw(&["forecast", "bench", "--panel", ragged.to_str().unwrap(), "--horizon", "1"]);
    assert!(!r.success());
    assert!(r.stderr.contains("ragged.csv") && r.stderr.contains("line 2"), "{}", r.stderr);

    let r = run_raw(&["forecast", "bench", "--panel", dir.path().join("missing.csv").to_str().unwrap()]);
    assert!(!r.success() && r.stderr.contains("missing.csv"), "{}", r.stderr);

    let good = file(&dir, "good.csv", &panel_csv(3));
    let r = run_raw(&["forecast", "bench", "--panel", good.to_str().unwrap(), "--horizon", "13", "--set", "no_such_field=1"]);
    assert!(!r.success() && r.stderr.contains("no_such_field"), "{}", r.stderr);
}

#[test]
fn help_lists_the_subcommands_and_their_flags() {
    let r = run_raw(&["forecast", "--help"]);
    assert!(r.success(), "{r:?}");
    assert!(r.stdout.contains("bench") && r.stdout.contains("m3"), "{}", r.stdout);
    let r = run_raw(&["forecast", "bench", "--help"]);
    assert!(r.success(), "{r:?}");
    for flag in ["--panel", "--horizon", "--out", "--limit", "--repeat", "--set", "--reference"] {
        assert!(r.stdout.contains(flag), "{flag} missing from\n{}", r.stdout);
    }
    assert!(r.stdout.contains("[default: 52]"), "{}", r.stdout);
}

#[test]
fn m3_scores_each_method_on_a_small_file() {
    let dir = tempfile::tempdir().unwrap();
    // Three series of 48 months with a yearly pattern and a trend, h = 6.
    let lines: Vec<String> = (0..3)
        .map(|k| {
            let v: Vec<String> = (0..54).map(|i| (100.0 + 10.0 * k as f64 + i as f64 + 8.0 * ((i % 12) as f64 - 5.5).abs()).to_string()).collect();
            format!("{k},48,6,{}", v.join(","))
        })
        .collect();
    let data = file(&dir, "m3.csv", &lines.join("\n"));
    let out = dir.path().join("m3.json");
    let r = run_raw(&["forecast", "m3", "--data", data.to_str().unwrap(), "--only", "naive,snaive,theta,ets", "--out", out.to_str().unwrap()]);
    assert!(r.success(), "{r:?}");
    for name in ["Naive", "SeasonalNaive", "Theta", "AutoETS"] {
        assert!(r.stdout.contains(&format!("M3-monthly {name}")), "{}", r.stdout);
    }
    assert!(r.stdout.contains("AutoETS models"), "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!((v["n_series"].as_u64(), v["threads"].as_u64()), (Some(3), Some(1)));
    for name in ["Naive", "SeasonalNaive", "Theta", "AutoETS"] {
        let s = num(&v[name], "sMAPE");
        assert!(s.is_finite() && s >= 0.0 && num(&v[name], "MASE").is_finite(), "{name}: {v}");
    }

    let r = run_raw(&["forecast", "m3", "--data", data.to_str().unwrap(), "--only", "arima"]);
    assert!(!r.success() && r.stderr.contains("arima"), "{}", r.stderr);
}

/// `acorn forecast run` on a demo database: every demo series forecast with suggestions, once per
/// week (a second run says so and changes nothing; `--force` runs again), one audit record per run,
/// a bad `--history-end` named.
#[tokio::test]
async fn run_forecasts_a_demo_database_once_per_week() {
    let help = run_raw(&["forecast", "run", "--help"]);
    for flag in ["--history-end", "--force", "--database-url", "--data-dir"] {
        assert!(help.stdout.contains(flag), "`forecast run --help` names {flag}:\n{}", help.stdout);
    }
    let env = TestEnv::new().await;
    env.ok(&["demo"]);
    let out = env.ok(&["forecast", "run"]);
    let summary = out.lines().find(|l| l.starts_with("Forecast run ")).unwrap_or_else(|| panic!("a summary line:\n{out}"));
    let count = |what: &str| -> u64 {
        let before = summary.split(what).next().unwrap_or_default();
        before.rsplit([' ', ',', ':']).find(|w| !w.is_empty()).and_then(|w| w.parse().ok()).unwrap_or_else(|| panic!("{what} in {summary}"))
    };
    assert!(count(" series forecast") >= 10, "the demo's series: {summary}");
    assert_eq!(count(" failed"), 0, "{summary}");
    assert!(count(" suggestions") >= 1, "{summary}");
    assert!(summary.ends_with(" s."), "{summary}");

    let again = env.ok(&["forecast", "run"]);
    assert!(again.contains("already forecast") && again.contains("--force"), "{again}");
    let forced = env.ok(&["forecast", "run", "--force"]);
    assert!(forced.starts_with("Forecast run "), "{forced}");
    let (records, _) = parse_export(&env.ok(&["audit", "export"]));
    assert_eq!(records.iter().filter(|r| r["action"] == "forecast.run").count(), 2, "one audit record per run, none for the repeat");

    let bad = env.fails(&["forecast", "run", "--history-end", "2026-11-18"]);
    assert!(bad.stderr.contains("--history-end") && bad.stderr.contains("not a Monday"), "{}", bad.stderr);
}
