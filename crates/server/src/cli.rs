//! The `acorn` command line.

use crate::config::Config;
use crate::{build_app, jobs, open_db, services};
use acorn_domain::ids::TenantId;
use acorn_domain::people::{Locale, UserStatus};
use acorn_domain::policy::{Area, Role};
use acorn_service::facilities::DcInput;
use acorn_service::users::NewUser;
use acorn_service::vendors::NewVendor;
use acorn_service::{Ctx, Services};
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "acorn", version, about = "ACORN: the vendor collaboration platform of a first-party retailer")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives; every command that touches the database takes these.
#[derive(Args, Debug, Clone, Default)]
pub struct DbArgs {
    /// Data directory (SQLite file, audit anchors, mail outbox).
    #[arg(long, global = true, env = "ACORN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (overrides the config file).
    #[arg(long, global = true, env = "ACORN_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Config file (default <data-dir>/acorn.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
}

impl DbArgs {
    pub fn load(&self) -> anyhow::Result<Config> {
        let mut cfg = Config::load(self.data_dir.as_deref(), self.config.as_deref())?;
        if let Some(u) = &self.database_url {
            cfg.database_url = Some(u.clone());
        }
        Ok(cfg)
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the portal, the APIs and the background jobs.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Seed demo data into an empty database and print the demo logins.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Apply pending database migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Seed demo data into an empty database (never touches a non-empty one).
    Demo {
        /// Then bulk-generate this many purchase orders over the past 3 years, with their
        /// acknowledgements, shipments and receipts (scale data for `acorn bench`).
        #[arg(long, value_name = "POS")]
        scale: Option<u64>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Benchmark the API on a database made by `acorn demo --scale N` (see docs/perf.md).
    Bench(crate::bench::BenchArgs),
    /// Online, consistent backup (SQLite); prints pg_dump guidance for PostgreSQL.
    Backup {
        /// Target file; must not exist.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        action: AuditCmd,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Vendors.
    Vendor {
        #[command(subcommand)]
        action: VendorCmd,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Distribution centres.
    Dc {
        #[command(subcommand)]
        action: DcCmd,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Users.
    User {
        #[command(subcommand)]
        action: UserCmd,
        #[command(flatten)]
        db: DbArgs,
    },
    /// API clients.
    Client {
        #[command(subcommand)]
        action: ClientCmd,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The EDI engine on a file: parse, validate, acknowledge, convert to JSON (no database needed).
    Edi {
        #[command(subcommand)]
        action: crate::edi_cli::EdiCmd,
    },
    /// Forecasting: the forecast run over the database (`run`); the engine on files — benchmark it on
    /// the harness panel, the M3 check (no database needed).
    Forecast {
        #[command(subcommand)]
        action: crate::forecast_cli::ForecastCmd,
    },
    /// The three-way match of invoices against POs and receipts.
    Match {
        #[command(subcommand)]
        action: MatchCmd,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum MatchCmd {
    /// Match every invoice waiting for it (submitted, or waiting for receipts), with a progress bar;
    /// what the server's match job does every minute.
    Run,
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Recompute every hash chain and check it against the anchors; exit 1 naming the first broken record.
    Verify,
    /// Write every record and anchor as JSON lines (to stdout, or --to FILE).
    Export {
        #[arg(long)]
        to: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum VendorCmd {
    /// Create a vendor with a vendor code (and optional GS1 prefixes and payee codes).
    Create {
        #[arg(long)]
        name: String,
        /// ISO 3166-1 alpha-2 country.
        #[arg(long)]
        country: String,
        #[arg(long = "vendor-code", required = true)]
        vendor_codes: Vec<String>,
        #[arg(long = "gs1-prefix")]
        gs1_prefixes: Vec<String>,
        #[arg(long = "payee-code")]
        payee_codes: Vec<String>,
    },
    /// One vendor per line, tab-separated: vendor codes, name, country, status, id.
    List,
}

#[derive(Subcommand, Debug)]
pub enum DcCmd {
    /// Create a distribution centre.
    Create {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        address: String,
        #[arg(long)]
        city: String,
        #[arg(long, default_value = "")]
        region: String,
        #[arg(long)]
        postal_code: String,
        #[arg(long)]
        country: String,
        /// IANA time zone, e.g. America/New_York.
        #[arg(long)]
        time_zone: String,
        #[arg(long, default_value_t = 10)]
        dock_doors: i64,
    },
    /// One DC per line, tab-separated: code, name, city, country, time zone, dock doors, id.
    List,
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create a user; a one-time set-up link is sent through the mail transport.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Roles, comma-separated (e.g. vendor_admin,finance).
        #[arg(long, value_delimiter = ',', required = true)]
        roles: Vec<String>,
        /// The vendor's code; omit for retailer staff.
        #[arg(long)]
        vendor_code: Option<String>,
        /// en or zh-CN.
        #[arg(long, default_value = "en")]
        locale: String,
    },
    /// Disable a user and end their sessions.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Clear a user's MFA; they enrol again at next sign-in.
    ResetMfa {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ClientCmd {
    /// Create an API client; prints JSON with client_id, client_secret and refresh_token.
    Create {
        #[arg(long)]
        vendor_code: String,
        #[arg(long)]
        name: String,
        /// Areas, comma-separated (default: all).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
    },
}

async fn open(db: &DbArgs) -> anyhow::Result<(Config, Services)> {
    let cfg = db.load()?;
    let database = open_db(&cfg).await?;
    let s = services(database, &cfg);
    Ok((cfg, s))
}

async fn tenant_of(s: &Services, code: &str) -> anyhow::Result<TenantId> {
    let ctx = Ctx::cli();
    let code = code.trim().to_uppercase();
    for v in s.all_vendors(&ctx).await? {
        if v.identifiers.iter().any(|i| i.kind == acorn_domain::master::VendorIdentifierKind::VendorCode && i.value == code) {
            return Ok(v.vendor.id);
        }
    }
    bail!("no vendor holds vendor code `{code}` (see `acorn vendor list`)")
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { listen, demo, db } => serve(listen, demo, db).await,
        Command::Migrate { db } => {
            let (cfg, s) = open(&db).await?;
            println!("database {} is up to date", acorn_store::db::redact_url(&cfg.database_url()));
            s.db.close().await?;
            Ok(())
        }
        Command::Demo { scale, db } => {
            let (cfg, s) = open(&db).await?;
            let logins = s.seed_demo().await?;
            print_logins(&cfg.base_url(), &logins);
            if let Some(n) = scale {
                crate::bench::demo_scale(&s, n).await?;
            }
            s.db.close().await?;
            Ok(())
        }
        Command::Bench(args) => crate::bench::run(args).await,
        Command::Edi { action } => {
            let code = tokio::task::spawn_blocking(move || crate::edi_cli::run(action)).await??;
            if code != 0 {
                std::process::exit(code);
            }
            Ok(())
        }
        Command::Forecast { action: crate::forecast_cli::ForecastCmd::Run(args) } => crate::forecast_cli::run_forecasts(args).await,
        // Blocking and single-threaded by design (the benchmark times one thread's work).
        Command::Forecast { action } => tokio::task::spawn_blocking(move || crate::forecast_cli::run(action)).await?,
        Command::Match { action: MatchCmd::Run, db } => {
            let (_cfg, s) = open(&db).await?;
            let total = s.invoices_awaiting_match().await?;
            let bar = indicatif::ProgressBar::new(total);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} [{wide_bar}] {human_pos}/{human_len} invoices  eta {eta}")
                    .context("progress bar template")?
                    .progress_chars("=> "),
            );
            let report = s.match_pending(|done| bar.set_position(done)).await?;
            bar.finish_and_clear();
            println!(
                "Matched {} invoice(s): {} approved, {} waiting for receipts, {} claim(s) posted.",
                report.examined, report.approved, report.pending, report.claims_posted
            );
            s.db.close().await?;
            Ok(())
        }
        Command::Backup { to, db } => {
            let (cfg, s) = open(&db).await?;
            if to.exists() {
                bail!("{} already exists; choose a new file", to.display());
            }
            match s.db.backend {
                acorn_store::Backend::Sqlite => {
                    s.db.sqlite_backup(&to).await?;
                    println!("backup written to {} (consistent online copy via VACUUM INTO)", to.display());
                    println!("copy {} with it: the audit anchors live outside the database", cfg.data_dir.join("audit-anchors.jsonl").display());
                }
                acorn_store::Backend::Postgres => {
                    println!("PostgreSQL: take an online, consistent backup with");
                    println!("  pg_dump --format=custom --file={} '{}'", to.display(), acorn_store::db::redact_url(&cfg.database_url()));
                    println!("and restore it with pg_restore --clean --dbname=URL FILE; copy the audit anchors file too.");
                }
            }
            s.db.close().await?;
            Ok(())
        }
        Command::Audit { action, db } => {
            let (_cfg, s) = open(&db).await?;
            match action {
                AuditCmd::Verify => {
                    let report = s.verify_audit().await?;
                    for (tenant, v) in &report.chains {
                        println!("ok\t{tenant}\t{} records\thead {}\tanchored through {}", v.records, v.head_seq, v.anchored_through);
                    }
                    for p in &report.problems {
                        println!("BROKEN\t{p}");
                    }
                    if !report.problems.is_empty() {
                        s.db.close().await?;
                        std::process::exit(1);
                    }
                    println!("audit trail verified: {} chains, {} anchors", report.chains.len(), report.anchors);
                }
                AuditCmd::Export { to } => {
                    let (n, a) = match to {
                        Some(path) => {
                            let f = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
                            let mut w = std::io::BufWriter::new(f);
                            let r = s.export_audit(&mut w).await?;
                            std::io::Write::flush(&mut w)?;
                            r
                        }
                        None => s.export_audit(&mut std::io::stdout().lock()).await?,
                    };
                    eprintln!("exported {n} records and {a} anchors");
                }
            }
            s.db.close().await?;
            Ok(())
        }
        Command::Vendor { action, db } => {
            let (_cfg, s) = open(&db).await?;
            let ctx = Ctx::cli();
            match action {
                VendorCmd::Create { name, country, vendor_codes, gs1_prefixes, payee_codes } => {
                    let v = s.create_vendor(&ctx, NewVendor { name, country, vendor_codes, payee_codes, gs1_prefixes }).await?;
                    println!("{}", v.vendor.id);
                }
                VendorCmd::List => {
                    for v in s.all_vendors(&ctx).await? {
                        let codes: Vec<_> = v.of_kind(acorn_domain::master::VendorIdentifierKind::VendorCode).map(|i| i.value.clone()).collect();
                        println!("{}\t{}\t{}\t{}\t{}", codes.join(","), v.vendor.name, v.vendor.country, v.vendor.status.as_str(), v.vendor.id);
                    }
                }
            }
            s.db.close().await?;
            Ok(())
        }
        Command::Dc { action, db } => {
            let (_cfg, s) = open(&db).await?;
            let ctx = Ctx::cli();
            match action {
                DcCmd::Create { code, name, address, city, region, postal_code, country, time_zone, dock_doors } => {
                    let dc = s
                        .create_dc(
                            &ctx,
                            DcInput {
                                code,
                                name,
                                address: acorn_domain::master::Address { line1: address, line2: String::new(), city, region, postal_code, country },
                                time_zone,
                                dock_doors,
                            },
                        )
                        .await?;
                    println!("{}", dc.id);
                }
                DcCmd::List => {
                    for d in s.list_dcs(&ctx).await? {
                        println!("{}\t{}\t{}\t{}\t{}\t{}\t{}", d.code, d.name, d.address.city, d.address.country, d.time_zone, d.dock_doors, d.id);
                    }
                }
            }
            s.db.close().await?;
            Ok(())
        }
        Command::User { action, db } => {
            let (_cfg, s) = open(&db).await?;
            let ctx = Ctx::cli();
            match action {
                UserCmd::Create { email, name, roles, vendor_code, locale } => {
                    let roles = roles.iter().map(|r| r.parse::<Role>().map_err(|e| anyhow::anyhow!("--roles: {e}"))).collect::<Result<Vec<_>, _>>()?;
                    let tenant = match vendor_code {
                        Some(c) => tenant_of(&s, &c).await?,
                        None => TenantId::RETAILER,
                    };
                    let locale = Locale::parse(&locale).ok_or_else(|| anyhow::anyhow!("--locale must be en or zh-CN"))?;
                    let u = s.invite_user(&ctx, NewUser { tenant, email, name, roles, locale }).await?;
                    // Deliver now, so the link is in the outbox (or sent) when the command returns.
                    s.deliver_mail().await?;
                    println!("{}\tset-up link sent to {}", u.id, u.email);
                }
                UserCmd::Disable { email } => {
                    let u = s.user_by_email(&ctx, &email).await.with_context(|| format!("--email `{email}`"))?;
                    s.set_user_status(&ctx, u.id, UserStatus::Disabled).await?;
                    println!("{} disabled; their sessions are ended", u.email);
                }
                UserCmd::ResetMfa { email } => {
                    let u = s.user_by_email(&ctx, &email).await.with_context(|| format!("--email `{email}`"))?;
                    s.reset_user_mfa(&ctx, u.id).await?;
                    println!("{}: MFA cleared; they enrol again at next sign-in", u.email);
                }
            }
            s.db.close().await?;
            Ok(())
        }
        Command::Client { action, db } => {
            let (_cfg, s) = open(&db).await?;
            let ctx = Ctx::cli();
            match action {
                ClientCmd::Create { vendor_code, name, scopes } => {
                    let tenant = tenant_of(&s, &vendor_code).await?;
                    let scopes = scopes.iter().map(|a| a.parse::<Area>().map_err(|e| anyhow::anyhow!("--scopes: {e}"))).collect::<Result<Vec<_>, _>>()?;
                    let c = s.create_client(&ctx, tenant, &name, scopes).await?;
                    println!("{}", serde_json::to_string_pretty(&c)?);
                }
            }
            s.db.close().await?;
            Ok(())
        }
    }
}

fn print_logins(base: &str, logins: &[acorn_service::demo::DemoLogin]) {
    println!("Demo data ready. Sign in at {base}/login — every demo account uses password `{}`.", acorn_service::demo::DEMO_PASSWORD);
    println!("Add the TOTP secret to an authenticator app (or `oathtool --totp -b SECRET`).\n");
    println!("{:<28} {:<34} {:<18} TOTP secret", "e-mail", "organisation", "role");
    for l in logins {
        let roles: Vec<_> = l.roles.iter().map(|r| r.as_str()).collect();
        println!("{:<28} {:<34} {:<18} {}", l.email, l.organisation, roles.join(","), l.totp_secret);
    }
}

async fn serve(listen: Option<String>, demo: bool, db: DbArgs) -> anyhow::Result<()> {
    let mut cfg = db.load()?;
    if let Some(l) = listen {
        cfg.listen = l;
    }
    let database = open_db(&cfg).await?;
    let s = services(database, &cfg);
    if demo {
        if s.is_empty().await? {
            let logins = s.seed_demo().await?;
            print_logins(&cfg.base_url(), &logins);
        } else {
            println!("The database already holds data; demo data was not added.");
        }
    }
    if s.db.backend == acorn_store::Backend::Sqlite {
        // One process per SQLite file: any claim without a committed mutation died with the last one.
        let n = s.release_stale_idempotency_claims().await?;
        if n > 0 {
            tracing::info!(released = n, "released idempotency keys of requests interrupted by the last stop");
        }
    }
    let addr: SocketAddr = cfg.listen.parse().with_context(|| format!("--listen `{}` is not HOST:PORT", cfg.listen))?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let jobs = jobs::spawn(s.clone(), stop_rx);
    let app = build_app(s.clone(), &cfg);
    println!("ACORN is serving {} (database: {})", cfg.base_url(), s.db.backend.as_str());
    tracing::info!(listen = %addr, "serving");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown_signal()).await.context("serving HTTP")?;
    let _ = stop_tx.send(true);
    let _ = jobs.await;
    s.db.close().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
