//! Forecasting use cases, ACORN side: the weekly sales history (CSV import and API batches from the
//! retailer's systems, lists for both sides) and the planning parameters replenishment uses (per item ×
//! DC, over the agreement's defaults). The forecast run, its job and the suggestions build on these.
//!
//! Who may do what (DOMAIN.md "forecasts, replenishment"): every role with read access reads — a
//! vendor only its own vendor's series; the retailer owns point-of-sale data, so only retailer staff
//! with write access (admin, category manager) record sales and set planning parameters. A vendor's
//! write access in the area is for committing to suggestions, so a vendor asking to record sales gets
//! 403 ([`crate::authz::require_retailer`]).

pub mod demo;
pub mod params;
pub mod run;
pub mod sales;
pub mod suggestions;
pub mod view;

pub use params::{DcPlanning, ItemPlanning};
pub use run::{RunOptions, RunProgress};
pub use sales::{ImportReport, SALES_CSV_COLUMNS, SalesInput, SalesQuery};

use crate::{Ctx, ServiceError, Services};
use acorn_domain::ids::TenantId;
use acorn_domain::master::VendorIdentifierKind;
use acorn_store::repo;

impl Services {
    /// The first vendor code of each of `tenants` the principal may see, for lists that name vendors
    /// (one query per vendor on the page; a page shows few).
    pub async fn vendor_codes_of(&self, ctx: &Ctx, tenants: &[TenantId]) -> Result<Vec<(TenantId, String)>, ServiceError> {
        let mut unique: Vec<TenantId> = tenants.iter().copied().filter(|t| crate::authz::visible(ctx, *t)).collect();
        unique.sort();
        unique.dedup();
        let mut out = Vec::with_capacity(unique.len());
        for t in unique {
            let codes = repo::vendors::identifiers(&self.db.conn, t).await?;
            if let Some(code) = codes.into_iter().find(|i| i.kind == VendorIdentifierKind::VendorCode) {
                out.push((t, code.value));
            }
        }
        Ok(out)
    }
}
