//! Use cases shared by the UI, the API, EDI, the CLI and jobs. Every use case decides authorisation
//! once (principal × role × tenant × object, see [`authz`]), runs in one write transaction and appends
//! exactly one audit record in that same transaction (see [`Services::mutate`]).

pub mod acks;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod bankfile;
pub mod chargebacks;
pub mod clients;
pub mod context;
pub mod credit_notes;
pub mod crypto;
pub mod csvin;
pub mod deductions;
pub mod defects;
pub mod demo;
pub mod dock;
pub mod documents;
pub mod edi;
pub mod error;
pub mod facilities;
pub mod forecast;
pub mod holidays;
pub mod idempotency;
pub mod inbound;
pub mod invoice_match;
pub mod invoices;
pub mod invoices_csv;
pub mod items;
pub mod mail;
pub mod mfa;
pub mod notify;
pub mod order_jobs;
pub mod orders;
pub mod orders_csv;
pub mod outbox;
pub mod payments;
pub mod receiving;
pub mod returns;
pub mod shipments;
pub mod shipments_csv;
pub mod terms;
pub mod token_cache;
pub mod users;
pub mod vendors;

pub use context::{Ctx, Principal};
pub use error::ServiceError;

use acorn_domain::audit::{AuditRecord, GENESIS_HASH};
use acorn_domain::events::{Audience, Event};
use acorn_domain::ids::TenantId;
use acorn_store::{Db, Tx, repo};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Settings the use cases need (the server maps its configuration onto this).
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Public base URL, used in links sent by e-mail.
    pub base_url: String,
    /// Where anchors and the mail outbox live.
    pub data_dir: PathBuf,
    /// SMTP relay (`smtp://user:pass@host:587`); without it mail is written to `<data-dir>/outbox`.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// argon2id memory cost in KiB (≥ 19456).
    pub argon2_m_kib: u32,
    pub argon2_t: u32,
    /// Seconds after which a claimed idempotency key whose request has neither committed nor
    /// answered may be taken over by a retry.
    pub idempotency_takeover_secs: u64,
    /// The retailer's paying account, the debtor of every bank payment file.
    pub payer_name: String,
    pub payer_iban: String,
    pub payer_bic: String,
}

/// The paying account of a deployment that configured none (a documentation IBAN: set your own).
pub const DEFAULT_PAYER: (&str, &str, &str) = ("ACORN Retail", "DE89370400440532013000", "COBADEFFXXX");

impl ServiceConfig {
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> ServiceConfig {
        ServiceConfig {
            base_url: "http://127.0.0.1:8080".into(),
            data_dir: data_dir.into(),
            smtp_url: None,
            mail_from: "ACORN <no-reply@acorn.invalid>".into(),
            argon2_m_kib: 19456,
            argon2_t: 2,
            idempotency_takeover_secs: 10,
            payer_name: DEFAULT_PAYER.0.into(),
            payer_iban: DEFAULT_PAYER.1.into(),
            payer_bic: DEFAULT_PAYER.2.into(),
        }
    }
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
    pub fn anchor_file(&self) -> PathBuf {
        self.data_dir.join("audit-anchors.jsonl")
    }
}

/// The use cases, over one database.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub config: Arc<ServiceConfig>,
    /// Audit records appended since the last anchor; the anchor job runs early at 1,000.
    pub appended_since_anchor: Arc<AtomicU64>,
    pub anchor_wakeup: Arc<tokio::sync::Notify>,
    /// Records after which the anchor job is woken early ([`ANCHOR_EVERY_RECORDS`]; tests lower it).
    pub anchor_every_records: u64,
    /// Access tokens checked in the last few seconds ([`token_cache`]).
    pub tokens: token_cache::TokenCache,
}

/// Records per anchor at most (DOMAIN.md: every 60 s or 1,000 records).
pub const ANCHOR_EVERY_RECORDS: u64 = 1000;

/// What a mutation tells the audit log about itself.
#[derive(Clone, Debug)]
pub struct Change {
    pub tenant: TenantId,
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// Business events the change raises, written to the outbox in the same transaction.
    pub events: Vec<Event>,
    /// Further changes of the same unit of work (a bulk upload audits each object it creates).
    pub more: Vec<Change>,
}

impl Change {
    pub fn new(tenant: TenantId, action: &'static str, object_type: &'static str, object_id: impl ToString) -> Change {
        Change { tenant, action, object_type, object_id: object_id.to_string(), before: None, after: None, events: Vec::new(), more: Vec::new() }
    }
    pub fn before(mut self, v: &impl serde::Serialize) -> Change {
        self.before = serde_json::to_value(v).ok();
        self
    }
    pub fn after(mut self, v: &impl serde::Serialize) -> Change {
        self.after = serde_json::to_value(v).ok();
        self
    }
    /// One change standing for several (each is audited and raises its events); None when empty.
    pub fn all(changes: Vec<Change>) -> Option<Change> {
        let mut it = changes.into_iter();
        let mut first = it.next()?;
        first.more.extend(it);
        Some(first)
    }
    /// Raises a business event about this change's object (see [`notify`] for who hears it).
    pub fn event(mut self, kind: &str, summary: impl Into<String>, link: impl Into<String>, audience: Audience, payload: serde_json::Value) -> Change {
        self.events.push(Event {
            id: acorn_domain::ids::new_id(),
            tenant: self.tenant,
            kind: kind.to_string(),
            object_type: self.object_type.to_string(),
            object_id: self.object_id.clone(),
            summary: summary.into(),
            link: link.into(),
            audience,
            payload,
            created_at: now(),
        });
        self
    }
}

/// The current time, truncated to microseconds: the precision both engines store, so what we hash is
/// what we read back.
pub fn now() -> DateTime<Utc> {
    acorn_domain::audit::truncate_to_micros(Utc::now())
}

impl Services {
    pub fn new(db: Db, config: ServiceConfig) -> Services {
        Services {
            db,
            config: Arc::new(config),
            appended_since_anchor: Arc::new(AtomicU64::new(0)),
            anchor_wakeup: Arc::new(tokio::sync::Notify::new()),
            anchor_every_records: ANCHOR_EVERY_RECORDS,
            tokens: token_cache::TokenCache::new(),
        }
    }

    /// Runs a mutation: `unit` does its writes in the transaction and returns its result with the
    /// [`Change`] to audit; the audit record is appended in the same transaction, so a mutation that
    /// fails leaves neither its writes nor a record. Retried as a whole on conflicts.
    pub async fn mutate<T, F, Fut>(&self, ctx: &Ctx, unit: F) -> Result<T, ServiceError>
    where
        F: Fn(Tx) -> Fut,
        Fut: Future<Output = Result<(T, Change), ServiceError>>,
    {
        self.mutate_if_changed(ctx, |tx| {
            let fut = unit(tx);
            async move { fut.await.map(|(value, change)| (value, Some(change))) }
        })
        .await
    }

    /// [`Services::mutate`] for units that may find nothing to do (a job re-examining an object):
    /// `None` means nothing was written, so there is nothing to audit.
    pub async fn mutate_if_changed<T, F, Fut>(&self, ctx: &Ctx, unit: F) -> Result<T, ServiceError>
    where
        F: Fn(Tx) -> Fut,
        Fut: Future<Output = Result<(T, Option<Change>), ServiceError>>,
    {
        let result = self
            .db
            .write(|tx| {
                let fut = unit(tx.clone());
                async move {
                    let (value, change) = fut.await?;
                    let Some(change) = change else { return Ok::<(T, bool), ServiceError>((value, false)) };
                    if let Some(claim) = &ctx.idempotency
                        && !repo::idempotency::mark_executed(tx.c(), &claim.key_hash, &claim.claim_id, now()).await?
                    {
                        // A retry took the key over while this request ran: let it win, undo ours.
                        return Err(ServiceError::Conflict {
                            code: "idempotency_key_in_use",
                            message: "a newer request with this Idempotency-Key took over; retry to get its result".into(),
                        });
                    }
                    let mut pending = std::collections::VecDeque::from([change]);
                    while let Some(mut change) = pending.pop_front() {
                        pending.extend(std::mem::take(&mut change.more));
                        let record = AuditRecord {
                            tenant_id: change.tenant,
                            seq: 0,
                            id: acorn_domain::ids::new_id(),
                            at: now(),
                            actor: ctx.principal.actor(),
                            action: change.action.to_string(),
                            object_type: change.object_type.to_string(),
                            object_id: change.object_id.clone(),
                            before: change.before.clone(),
                            after: change.after.clone(),
                            request_id: ctx.request_id.clone(),
                            source_ip: ctx.source_ip.clone(),
                            prev_hash: GENESIS_HASH.to_string(),
                            hash: String::new(),
                        };
                        repo::audit::append(tx.c(), record).await?;
                        for event in &change.events {
                            repo::events::insert(tx.c(), event).await?;
                            notify::mail_for(tx.c(), &self.config, event).await?;
                        }
                    }
                    Ok::<(T, bool), ServiceError>((value, true))
                }
            })
            .await?;
        let (value, audited) = result;
        if audited && self.appended_since_anchor.fetch_add(1, Ordering::Relaxed) + 1 >= self.anchor_every_records {
            self.anchor_wakeup.notify_one();
        }
        Ok(value)
    }
}

/// Health of the database, for `/readyz` and `/metrics`.
impl Services {
    /// Migrations not yet applied (0 when the schema is current).
    pub async fn pending_migrations(&self) -> Result<usize, ServiceError> {
        Ok(acorn_store::migration::pending(&self.db).await?)
    }

    /// Connection pool size and idle connections.
    pub fn pool_stats(&self) -> (u32, usize) {
        match self.db.backend {
            acorn_store::Backend::Sqlite => {
                let p = self.db.conn.get_sqlite_connection_pool();
                (p.size(), p.num_idle())
            }
            acorn_store::Backend::Postgres => {
                let p = self.db.conn.get_postgres_connection_pool();
                (p.size(), p.num_idle())
            }
        }
    }
}

impl Services {
    /// Forgets failed-login records older than a day (the throttle looks back one hour),
    /// and removes document-store files whose transaction never committed (a day is longer than any
    /// transaction).
    pub async fn housekeeping(&self) -> Result<(), ServiceError> {
        repo::users::prune_login_failures(&self.db.conn, now() - chrono::Duration::days(1)).await?;
        self.prune_orphan_documents(chrono::Duration::days(1)).await?;
        Ok(())
    }
}
