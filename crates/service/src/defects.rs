//! Compliance defects, detected from the records (never keyed in): each PO's facts — lines,
//! acknowledgement versions, ASNs, appointments, receipts — go through
//! [`acorn_domain::defects::detect`], which names the evidence of every defect it finds.

use crate::authz::{list_scope, require};
use crate::{Ctx, ServiceError, Services, now};
use acorn_domain::defects::{self, Defect, PoFacts};
use acorn_domain::ids::TenantId;
use acorn_domain::orders::{Acknowledgement, PoFilter, PoLine, PurchaseOrder};
use acorn_domain::paging::{Cursor, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_domain::shipments::{Appointment, Receipt, Shipment};
use acorn_store::{ConnectionTrait, repo};
use serde::Serialize;
use uuid::Uuid;

/// Defects over a page of POs, with the page's PO on-time accuracy.
#[derive(Clone, Debug, Serialize)]
pub struct DefectReport {
    pub defects: Vec<Defect>,
    /// Share of the page's POs (whose delivery window ended) received complete in time, in basis points.
    pub on_time_bp: Option<i64>,
    pub pos_examined: usize,
    /// Cursor of the next page of POs.
    pub next: Option<String>,
}

/// Everything known about one PO, owned (the domain borrows it).
pub(crate) struct Loaded {
    pub po: PurchaseOrder,
    pub lines: Vec<PoLine>,
    pub acks: Vec<Acknowledgement>,
    pub shipments: Vec<Shipment>,
    pub appointments: Vec<Appointment>,
    pub receipts: Vec<Receipt>,
}

pub(crate) async fn load(c: &impl ConnectionTrait, po: PurchaseOrder) -> Result<Loaded, ServiceError> {
    let t = po.tenant;
    let lines = repo::orders::lines(c, t, po.id).await?;
    let acks = repo::orders::acks(c, t, po.id).await?;
    let shipments: Vec<Shipment> = repo::shipments::for_pos(c, t, &[po.id]).await?.into_iter().map(|h| h.shipment).collect();
    let mut appointments = Vec::new();
    let mut receipts = Vec::new();
    for s in &shipments {
        appointments.extend(repo::dock::appointments_of(c, Some(t), s.id).await?);
        receipts.extend(repo::dock::receipt_of(c, t, s.id).await?);
    }
    Ok(Loaded { po, lines, acks, shipments, appointments, receipts })
}

pub(crate) fn facts(l: &Loaded, at: chrono::DateTime<chrono::Utc>) -> PoFacts<'_> {
    PoFacts { po: &l.po, lines: &l.lines, acks: &l.acks, shipments: &l.shipments, appointments: &l.appointments, receipts: &l.receipts, now: at }
}

impl Services {
    /// The defects of one PO.
    pub async fn defects_of_po(&self, ctx: &Ctx, po_id: Uuid) -> Result<Vec<Defect>, ServiceError> {
        require(ctx, Area::PurchaseOrders, Access::Read)?;
        let po = repo::orders::get(&self.db.conn, list_scope(ctx), po_id).await?.ok_or(ServiceError::NotFound("purchase order"))?;
        let l = load(&self.db.conn, po).await?;
        Ok(defects::detect(&facts(&l, now())))
    }

    /// Defects over a page of POs (newest first by creation), for the vendor (or, for retailer
    /// staff, one vendor or all).
    pub async fn list_defects(&self, ctx: &Ctx, vendor: Option<TenantId>, cursor: Option<&str>, limit: Option<u64>) -> Result<DefectReport, ServiceError> {
        require(ctx, Area::PurchaseOrders, Access::Read)?;
        let filter = PoFilter { tenant: list_scope(ctx).or(vendor), ..PoFilter::default() };
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit).min(100);
        let mut pos = repo::orders::list(&self.db.conn, &filter, after.map(|c| (c.created_at, c.id)), limit).await?;
        let next = if pos.len() as u64 > limit {
            pos.truncate(limit as usize);
            pos.last().map(|p| Cursor { created_at: p.created_at, id: p.id }.encode())
        } else {
            None
        };
        let mut loaded = Vec::with_capacity(pos.len());
        for po in pos {
            loaded.push(load(&self.db.conn, po).await?);
        }
        let at = now();
        let all: Vec<PoFacts> = loaded.iter().map(|l| facts(l, at)).collect();
        let mut found: Vec<Defect> = all.iter().flat_map(defects::detect).collect();
        found.sort_by_key(|d| std::cmp::Reverse(d.occurred_at));
        Ok(DefectReport { on_time_bp: defects::on_time_accuracy_bp(&all), pos_examined: all.len(), defects: found, next })
    }
}
