//! Inbound plans: a vendor with stock to send asks where it should go. The plan splits each item's
//! quantity across DCs by the open PO lines that still need it (acknowledged and not yet shipped,
//! else ordered and not yet shipped), earliest delivery first; what no PO needs is reported as
//! unallocated rather than pushed anywhere. (Splitting by forecast comes with the forecasting
//! capability.)

use crate::authz::require;
use crate::{Ctx, ServiceError, Services};
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::FieldIssue;
use acorn_store::repo;
use serde::Serialize;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Allocation {
    pub vendor_sku: String,
    pub dc_code: String,
    pub po_number: String,
    pub line_no: i64,
    pub quantity: i64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct InboundPlan {
    pub allocations: Vec<Allocation>,
    /// (vendor SKU, eaches) no open PO line needs.
    pub unallocated: Vec<(String, i64)>,
}

impl Services {
    pub async fn inbound_plan(&self, ctx: &Ctx, wanted: &[(String, i64)]) -> Result<InboundPlan, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Read)?;
        // A vendor's tool for its own stock: the retailer side has nothing to plan here.
        if ctx.principal.is_retailer_side() {
            return Err(ServiceError::Forbidden);
        }
        let tenant = ctx.principal.tenant();
        let skus: Vec<String> = wanted.iter().map(|(s, _)| s.trim().to_string()).collect();
        let items = repo::items::by_skus(&self.db.conn, tenant, &skus).await?;
        let mut issues = Vec::new();
        for (i, (sku, qty)) in wanted.iter().enumerate() {
            if !items.iter().any(|it| it.vendor_sku == sku.trim()) {
                issues.push(FieldIssue::new(format!("items[{i}].vendor_sku"), format!("`{sku}` is not one of your items")));
            }
            if *qty <= 0 {
                issues.push(FieldIssue::new(format!("items[{i}].quantity"), format!("is {qty}; give the eaches you have to send")));
            }
        }
        if !issues.is_empty() {
            return Err(ServiceError::Invalid(issues));
        }
        let ids: Vec<_> = items.iter().map(|i| i.id).collect();
        let mut open = repo::orders::open_lines_for_items(&self.db.conn, tenant, &ids).await?;
        let mut plan = InboundPlan { allocations: Vec::new(), unallocated: Vec::new() };
        for (sku, qty) in wanted {
            let mut left = *qty;
            for l in open.iter_mut().filter(|l| l.vendor_sku == sku.trim()) {
                let need = if l.committed_eaches > 0 { l.committed_eaches } else { l.ordered_quantity.saturating_mul(l.unit_size) } - l.shipped_eaches;
                let take = need.min(left);
                if take > 0 {
                    plan.allocations.push(Allocation {
                        vendor_sku: l.vendor_sku.clone(),
                        dc_code: l.dc_code.clone(),
                        po_number: l.number.clone(),
                        line_no: l.line_no,
                        quantity: take,
                    });
                    l.shipped_eaches += take; // later rows of the same item see what this one took
                    left -= take;
                }
            }
            if left > 0 {
                plan.unallocated.push((sku.trim().to_string(), left));
            }
        }
        Ok(plan)
    }
}
