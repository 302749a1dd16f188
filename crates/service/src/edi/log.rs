//! The EDI log: every interchange received and sent, the documents inside each and what became of
//! them, the findings, and the raw bytes. Also the stock vendors report by 846, which buyers read.

use acorn_domain::edi::{EdiDocument, Interchange, VendorStock};
use acorn_domain::ids::TenantId;
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_store::repo;
use serde::Serialize;
use uuid::Uuid;

pub use acorn_store::repo::edi::InterchangeFilter;

use crate::authz::{list_scope, require, require_object};
use crate::{Ctx, ServiceError, Services};

/// One interchange with everything its page shows.
#[derive(Clone, Debug, Serialize)]
pub struct InterchangeDetail {
    pub interchange: Interchange,
    pub documents: Vec<EdiDocument>,
    /// The engine's findings (rule, location, message), as stored.
    pub findings: serde_json::Value,
    /// Inbound: the acknowledgement sent back. Outbound acknowledgement: what it acknowledges.
    pub related: Option<Interchange>,
}

impl Services {
    /// The EDI log, newest first: a vendor's own; staff every vendor's (or `filter.tenant`'s).
    pub async fn edi_log(&self, ctx: &Ctx, mut filter: InterchangeFilter, cursor: Option<&str>, limit: Option<u64>) -> Result<Page<Interchange>, ServiceError> {
        require(ctx, Area::Integrations, Access::Read)?;
        filter.tenant = list_scope(ctx).or(filter.tenant);
        let before = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = repo::edi::list_interchanges(&self.db.conn, &filter, before.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |i| Cursor { created_at: i.created_at, id: i.id }))
    }

    pub async fn edi_interchange(&self, ctx: &Ctx, id: Uuid) -> Result<InterchangeDetail, ServiceError> {
        require(ctx, Area::Integrations, Access::Read)?;
        let c = &self.db.conn;
        let interchange = repo::edi::interchange(c, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("interchange"))?;
        require_object(ctx, Area::Integrations, Access::Read, interchange.tenant, "interchange")?;
        let documents = repo::edi::documents_of(c, id).await?;
        let related = match interchange.related_id {
            Some(r) => repo::edi::interchange(c, Some(interchange.tenant), r).await?,
            None => None,
        };
        let findings = serde_json::from_str(&interchange.findings_json).unwrap_or(serde_json::Value::Array(Vec::new()));
        Ok(InterchangeDetail { interchange, documents, findings, related })
    }

    /// The interchange's bytes exactly as received or sent.
    pub async fn edi_raw(&self, ctx: &Ctx, id: Uuid) -> Result<(Interchange, Vec<u8>), ServiceError> {
        require(ctx, Area::Integrations, Access::Read)?;
        let c = &self.db.conn;
        let interchange = repo::edi::interchange(c, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("interchange"))?;
        require_object(ctx, Area::Integrations, Access::Read, interchange.tenant, "interchange")?;
        let raw = repo::edi::raw(c, id).await?.ok_or(ServiceError::NotFound("interchange"))?;
        Ok((interchange, raw))
    }

    /// The EDI documents about one ACORN object (a PO's 850 and 860s, a shipment's 856).
    pub async fn edi_documents_about(&self, ctx: &Ctx, tenant: TenantId, object: Uuid) -> Result<Vec<EdiDocument>, ServiceError> {
        if !ctx.principal.access(Area::Integrations).can_read() && !ctx.principal.access(Area::PurchaseOrders).can_read() {
            return Err(ServiceError::Forbidden);
        }
        require_object(ctx, Area::PurchaseOrders, Access::Read, tenant, "purchase order")?;
        Ok(repo::edi::documents_about(&self.db.conn, tenant, object).await?)
    }

    /// Stock vendors reported by EDI 846, per item and warehouse: a vendor's own; buyers every vendor's.
    pub async fn vendor_stock(&self, ctx: &Ctx, vendor: Option<TenantId>, item: Option<Uuid>) -> Result<Vec<VendorStock>, ServiceError> {
        require(ctx, Area::Items, Access::Read)?;
        Ok(repo::edi::stock(&self.db.conn, list_scope(ctx).or(vendor), item, 1000).await?)
    }
}
