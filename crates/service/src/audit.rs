//! Reading, verifying, anchoring and exporting the audit trail.
//!
//! Anchors are the chain heads written outside the database (`<data-dir>/audit-anchors.jsonl`, one
//! JSON object per line, fsynced) at least every 60 s or 1,000 records. Verification recomputes every
//! chain and compares it with the anchors; tampering before the last anchor is always caught. After
//! the last anchor, a rewrite of the whole tail by someone holding database superuser rights cannot be
//! told from real history — that window is at most 60 s / 1,000 records (docs/operations.md).

use crate::authz::{list_scope, require};
use crate::{Ctx, ServiceError, Services, now};
use acorn_domain::audit::{Anchor, AuditRecord, ChainProblem, VerifiedChain, verify_chain};
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};
use acorn_store::repo::audit;
pub use acorn_store::repo::audit::Filter;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::Ordering;

/// A page of the log, newest first.
#[derive(Clone, Debug)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    /// Cursor for older records: `<micros>.<seq>`.
    pub next: Option<String>,
}

/// The outcome of `acorn audit verify`.
#[derive(Debug)]
pub struct VerifyReport {
    pub chains: Vec<(TenantId, VerifiedChain)>,
    pub problems: Vec<ChainProblem>,
    pub anchors: usize,
}

fn parse_cursor(s: &str) -> Result<(DateTime<Utc>, i64), ServiceError> {
    let bad = || ServiceError::invalid("cursor", format!("`{s}` is not a cursor of this list; start from the first page"));
    let (a, b) = s.split_once('.').ok_or_else(bad)?;
    let at = DateTime::<Utc>::from_timestamp_micros(a.parse().map_err(|_| bad())?).ok_or_else(bad)?;
    Ok((at, b.parse().map_err(|_| bad())?))
}

/// Reads every anchor in the file (a missing file means none were written yet).
pub fn read_anchors(path: &Path) -> Result<Vec<Anchor>, ServiceError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ServiceError::internal(format!("reading {}: {e}", path.display())));
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| ServiceError::internal(format!("{} line {}: {e}", path.display(), i + 1))))
        .collect()
}

impl Services {
    /// The log as the principal may see it: everything for retailer staff, the own tenant's records
    /// for a vendor admin.
    pub async fn audit_log(&self, ctx: &Ctx, mut filter: Filter, cursor: Option<&str>, limit: u64) -> Result<AuditPage, ServiceError> {
        require(ctx, Area::Audit, Access::Read)?;
        if let Some(own) = list_scope(ctx) {
            filter.tenant = Some(own);
        }
        let before = cursor.map(parse_cursor).transpose()?;
        let limit = limit.clamp(1, 500);
        let mut records = audit::list(&self.db.conn, &filter, before, limit).await?;
        let next = if records.len() as u64 > limit {
            records.truncate(limit as usize);
            records.last().map(|r| format!("{}.{}", r.at.timestamp_micros(), r.seq))
        } else {
            None
        };
        Ok(AuditPage { records, next })
    }

    /// Appends the current head of every chain that moved since its last anchor. Returns how many
    /// anchors were written.
    pub async fn anchor_audit(&self) -> Result<usize, ServiceError> {
        let path = self.config.anchor_file();
        let mut last: BTreeMap<TenantId, i64> = BTreeMap::new();
        for a in read_anchors(&path)? {
            let e = last.entry(a.tenant_id).or_insert(0);
            *e = (*e).max(a.seq);
        }
        let t = now();
        let fresh: Vec<Anchor> = audit::heads(&self.db.conn)
            .await?
            .into_iter()
            .filter(|(tenant, seq, _)| last.get(tenant).is_none_or(|s| s < seq))
            .map(|(tenant_id, seq, hash)| Anchor { tenant_id, seq, hash, anchored_at: t })
            .collect();
        self.appended_since_anchor.store(0, Ordering::Relaxed);
        if fresh.is_empty() {
            return Ok(0);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ServiceError::internal(format!("{}: {e}", dir.display())))?;
        }
        let mut f =
            std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(|e| ServiceError::internal(format!("{}: {e}", path.display())))?;
        let mut buf = String::new();
        for a in &fresh {
            buf.push_str(&serde_json::to_string(a).map_err(ServiceError::internal)?);
            buf.push('\n');
        }
        f.write_all(buf.as_bytes()).and_then(|_| f.sync_all()).map_err(|e| ServiceError::internal(format!("{}: {e}", path.display())))?;
        Ok(fresh.len())
    }

    /// Recomputes every chain and checks it against the anchors; names the first broken record of
    /// each broken chain.
    pub async fn verify_audit(&self) -> Result<VerifyReport, ServiceError> {
        let anchors = read_anchors(&self.config.anchor_file())?;
        let mut tenants: BTreeSet<TenantId> = audit::tenants(&self.db.conn).await?.into_iter().collect();
        tenants.extend(anchors.iter().map(|a| a.tenant_id));
        let mut report = VerifyReport { chains: Vec::new(), problems: Vec::new(), anchors: anchors.len() };
        for tenant in tenants {
            let records = self.whole_chain(tenant).await?;
            let mine: Vec<Anchor> = anchors.iter().filter(|a| a.tenant_id == tenant).cloned().collect();
            match verify_chain(tenant, &records, &mine) {
                Ok(v) => report.chains.push((tenant, v)),
                Err(p) => report.problems.push(p),
            }
        }
        Ok(report)
    }

    async fn whole_chain(&self, tenant: TenantId) -> Result<Vec<AuditRecord>, ServiceError> {
        let mut out: Vec<AuditRecord> = Vec::new();
        loop {
            let from = out.last().map(|r| r.seq + 1).unwrap_or(i64::MIN);
            let batch = audit::chain(&self.db.conn, tenant, from, 5000).await?;
            let done = batch.len() < 5000;
            out.extend(batch);
            if done {
                return Ok(out);
            }
        }
    }

    /// Writes every record, chain by chain, then every anchor, as JSON lines.
    pub async fn export_audit(&self, out: &mut impl Write) -> Result<(usize, usize), ServiceError> {
        let io = |e: std::io::Error| ServiceError::internal(format!("writing the export: {e}"));
        let mut n = 0;
        for tenant in audit::tenants(&self.db.conn).await? {
            for r in self.whole_chain(tenant).await? {
                let mut v = serde_json::to_value(&r).map_err(ServiceError::internal)?;
                v["type"] = "record".into();
                writeln!(out, "{v}").map_err(io)?;
                n += 1;
            }
        }
        let anchors = read_anchors(&self.config.anchor_file())?;
        for a in &anchors {
            let mut v = serde_json::to_value(a).map_err(ServiceError::internal)?;
            v["type"] = "anchor".into();
            writeln!(out, "{v}").map_err(io)?;
        }
        Ok((n, anchors.len()))
    }
}
