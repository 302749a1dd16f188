//! A vendor's finance terms: payment terms with an early-pay discount, match tolerances, allowance
//! percentages and the chargeback fee schedule. Staff with write access to terms add versions; every
//! version is kept and is in force from its date, so an invoice is always judged by the terms in
//! force on its own date, whatever changed since.

use crate::authz::{require, require_object};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};
use acorn_domain::terms::{Terms, TermsVersion, in_force};
use acorn_domain::validate::FieldIssue;
use acorn_store::repo::terms::{self as repo_terms, StoredTerms};
use acorn_store::{ConnectionTrait, repo};
use chrono::NaiveDate;
use serde::Serialize;

/// The currency of the default terms of a vendor that has none yet.
pub const DEFAULT_CURRENCY: &str = "USD";

/// Every version of a vendor's terms, and the one in force today.
#[derive(Clone, Debug, Serialize)]
pub struct TermsView {
    pub versions: Vec<StoredTerms>,
    /// The version in force today (version 0: the defaults, when none was ever set).
    pub in_force: TermsVersion,
}

/// The terms in force on `day` (the defaults, as version 0, when the vendor has none in force yet).
pub(crate) async fn terms_on(c: &impl ConnectionTrait, tenant: TenantId, day: NaiveDate) -> Result<TermsVersion, ServiceError> {
    let stored = repo_terms::versions(c, tenant).await?;
    let versions: Vec<TermsVersion> = stored.into_iter().map(|s| s.version).collect();
    Ok(in_force(&versions, day).cloned().unwrap_or_else(|| TermsVersion { version: 0, effective_from: day, terms: Terms::default_for(DEFAULT_CURRENCY) }))
}

impl Services {
    pub async fn terms(&self, ctx: &Ctx, tenant: TenantId) -> Result<TermsView, ServiceError> {
        require_object(ctx, Area::Terms, Access::Read, tenant, "vendor")?;
        repo::vendors::get(&self.db.conn, tenant).await?.ok_or(ServiceError::NotFound("vendor"))?;
        let versions = repo_terms::versions(&self.db.conn, tenant).await?;
        let in_force = terms_on(&self.db.conn, tenant, now().date_naive()).await?;
        Ok(TermsView { versions, in_force })
    }

    /// Adds a version in force from `effective_from` (today or later: invoices already judged keep
    /// the terms they were judged by).
    pub async fn set_terms(&self, ctx: &Ctx, tenant: TenantId, terms: Terms, effective_from: NaiveDate, note: &str) -> Result<StoredTerms, ServiceError> {
        require(ctx, Area::Terms, Access::Write)?;
        require_object(ctx, Area::Terms, Access::Write, tenant, "vendor")?;
        repo::vendors::get(&self.db.conn, tenant).await?.ok_or(ServiceError::NotFound("vendor"))?;
        let mut issues: Vec<FieldIssue> = match terms.validate() {
            Ok(()) => Vec::new(),
            Err(list) => list.into_iter().map(|(field, issue)| FieldIssue::new(field, issue)).collect(),
        };
        if let Err(e) = acorn_domain::money::currency(&terms.currency) {
            issues.push(FieldIssue::new("currency", e));
        }
        let today = now().date_naive();
        if effective_from < today {
            issues.push(FieldIssue::new("effective_from", format!("must be today ({today}) or later: invoices already judged keep their terms")));
        }
        let note = note.trim();
        if note.chars().count() > 500 {
            issues.push(FieldIssue::new("note", "has more than 500 characters"));
        }
        if !issues.is_empty() {
            return Err(ServiceError::Invalid(issues));
        }
        let (terms, note) = (&terms, note);
        self.mutate(ctx, |tx| async move {
            let version = repo_terms::latest_version(tx.c(), tenant).await? + 1;
            let stored = StoredTerms {
                version: TermsVersion { version, effective_from, terms: terms.clone() },
                note: note.to_string(),
                created_by: ctx.principal.actor(),
                created_at: now(),
            };
            repo_terms::insert(tx.c(), tenant, &stored).await?;
            let change = Change::new(tenant, "terms.version_added", "vendor", tenant.0).after(&stored);
            Ok((stored, change))
        })
        .await
    }
}
