//! Shipments (ASNs): the vendor builds one from acknowledged lines of one or more POs for one DC —
//! pallets, cartons, items, lot and expiry, SSCCs entered or generated from the vendor's GS1 prefix
//! — and may replace it until arrival. Every version is kept; PO lines track what is on live ASNs.
//! The rules are [`acorn_domain::asn`]'s; this module loads what they need, claims SSCCs across
//! vendors (not reused for 12 months) and writes everything in one transaction.

use crate::authz::{list_scope, require};
use crate::orders::{dc_today, history};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::asn::{self, AsnContext, AsnRules};
use acorn_domain::events::Audience;
use acorn_domain::gs1::Sscc;
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::master::{Address, VendorIdentifierKind};
use acorn_domain::orders::{FreightTerms, PoLine, PurchaseOrder};
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_domain::shipments::*;
use acorn_domain::validate::{FieldIssue, Issues};
pub use acorn_store::repo::shipments::{Header, ShipmentFilter};
use acorn_store::{ConnectionTrait, repo};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use uuid::Uuid;

/// SSCCs may be reused after this long.
pub const SSCC_REUSE_DAYS: i64 = 365;

/// An ASN as the vendor submits it.
#[derive(Clone, Debug, Default)]
pub struct ShipmentInput {
    /// The vendor's shipment identifier; blank: ACORN assigns one.
    pub shipment_number: Option<String>,
    pub dc_code: String,
    pub ship_from_name: String,
    pub ship_from: Address,
    /// `TruckLoad`, `LessThanTruckLoad` or `SmallParcel` (blank: `LessThanTruckLoad`).
    pub shipment_type: String,
    pub ship_date: Option<DateTime<Utc>>,
    pub estimated_arrival: Option<DateTime<Utc>>,
    pub carrier_scac: Option<String>,
    pub tracking_number: Option<String>,
    pub bol_number: Option<String>,
    /// Pallets by position; each with an optional SSCC.
    pub pallets: Vec<Option<String>>,
    pub cartons: Vec<CartonInput>,
}

/// A shipment with everything its page and the API show.
#[derive(Clone, Debug, Serialize)]
pub struct ShipmentDetail {
    pub shipment: Shipment,
    pub ship_from_name: String,
    pub dc_time_zone: String,
    pub routing: Option<RoutingRequest>,
    pub appointments: Vec<Appointment>,
    pub receipt: Option<Receipt>,
    /// Every submitted version: (revision, confirmation, cartons, units, submitted by, at).
    pub versions: Vec<VersionSummary>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VersionSummary {
    pub revision: i64,
    pub confirmation: Confirmation,
    pub cartons: usize,
    pub units: i64,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
}

impl ShipmentDetail {
    /// The booked appointment, if any.
    pub fn appointment(&self) -> Option<&Appointment> {
        self.appointments.iter().rev().find(|a| a.status == AppointmentStatus::Booked || a.status == AppointmentStatus::Completed)
    }
}

fn text(v: &Option<String>, max: usize) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(max).collect())
}

/// A carrier's standard alpha code: 2–4 letters.
fn scac(v: &str) -> Result<String, String> {
    let s = v.trim().to_uppercase();
    if (2..=4).contains(&s.len()) && s.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(s)
    } else {
        Err(format!("`{v}` is not a SCAC; a SCAC is 2 to 4 letters, e.g. UPSN"))
    }
}

/// Everything checked, ready to write.
struct Prepared {
    shipment: Shipment,
    ship_from_name: String,
    new_ssccs: Vec<String>,
    pos: Vec<(PurchaseOrder, Vec<PoLine>)>,
}

impl Services {
    async fn prepare_shipment(
        &self,
        c: &impl ConnectionTrait,
        tenant: TenantId,
        input: &ShipmentInput,
        existing: Option<&Shipment>,
        at: DateTime<Utc>,
    ) -> Result<Prepared, ServiceError> {
        let mut issues = Issues::new();
        let dc_code = input.dc_code.trim().to_uppercase();
        let dc = repo::facilities::get_dc_by_code(c, &dc_code).await?;
        let Some(dc) = dc else {
            return Err(ServiceError::invalid("dc_code", format!("`{dc_code}` is not a DC in ACORN")));
        };
        let shipment_type = if input.shipment_type.trim().is_empty() {
            Some(ShipmentType::LessThanTruckLoad)
        } else {
            issues.field("shipment_type", ShipmentType::parse_or_explain(&input.shipment_type))
        };
        let ship_date = input.ship_date.unwrap_or(at);
        if let Some(eta) = input.estimated_arrival
            && eta < ship_date
        {
            issues.push(FieldIssue::new("estimated_arrival", "is before the ship date; arrival follows shipping"));
        }
        let carrier = match text(&input.carrier_scac, 10) {
            Some(s) => issues.field("carrier_scac", scac(&s)),
            None => None,
        };
        if input.ship_from.line1.trim().is_empty() || input.ship_from.city.trim().is_empty() || input.ship_from.country.trim().is_empty() {
            issues.push(FieldIssue::new("ship_from", "give the ship-from address (street, city and country)"));
        }
        // The POs the cartons name, with their lines, in two queries per PO at most.
        let numbers: BTreeSet<String> = input.cartons.iter().flat_map(|k| &k.items).map(|i| i.po_number.trim().to_uppercase()).collect();
        let mut pos = Vec::new();
        for n in &numbers {
            if let Some(po) = repo::orders::by_number(c, Some(tenant), n).await? {
                let lines = repo::orders::lines(c, tenant, po.id).await?;
                pos.push((po, lines));
            }
        }
        let po_ids: Vec<Uuid> = pos.iter().map(|(p, _)| p.id).collect();
        let elsewhere = repo::shipments::shipped_quantities(c, tenant, &po_ids, existing.map(|s| s.id)).await?;
        let prefixes: Vec<String> =
            repo::vendors::identifiers(c, tenant).await?.into_iter().filter(|i| i.kind == VendorIdentifierKind::Gs1Prefix).map(|i| i.value).collect();
        let freight: BTreeSet<FreightTerms> = pos.iter().map(|(p, _)| p.freight_terms).collect();
        if freight.len() > 1 {
            issues.push(FieldIssue::new("cartons", "the POs mix Collect and Prepaid freight; ship them on separate ASNs"));
        }
        // Generated SSCCs: serials reserved per prefix; the registry rejects any already in use.
        let to_generate = input.cartons.iter().filter(|k| k.sscc.as_deref().is_none_or(|s| s.trim().is_empty())).count() as u64;
        let mut serial =
            if to_generate > 0 && !prefixes.is_empty() { repo::counters::next_block(c, &format!("sscc:{}", prefixes[0]), to_generate).await? } else { 0 };
        let prefix = prefixes.first().cloned();
        let mut next_sscc = || -> Result<Sscc, String> {
            let p = prefix.as_deref().ok_or("the vendor has no GS1 company prefix to number SSCCs from; enter the SSCCs")?;
            let s = Sscc::generate(0, p, serial)?;
            serial += 1;
            Ok(s)
        };
        let ctx = AsnContext { dc_id: dc.id, ship_day: dc_today(&dc, ship_date), pos: &pos, shipped_elsewhere: &elsewhere, gs1_prefixes: &prefixes };
        let resolved = asn::resolve_cartons(&ctx, &input.cartons, &input.pallets, &mut next_sscc);
        let (cartons, pallets) = match resolved {
            Ok(v) => v,
            Err(mut e) => {
                let mut all = issues.into_result().err().unwrap_or_default();
                all.append(&mut e);
                return Err(ServiceError::Invalid(all));
            }
        };
        issues.into_result().map_err(ServiceError::Invalid)?;
        let number = match text(&input.shipment_number, 40) {
            Some(n) => n,
            None => match existing {
                Some(s) => s.shipment_number.clone(),
                // Prefixed with the vendor code, so receivers typing a number rarely hit another vendor's.
                None => format!(
                    "{}-ASN{:06}",
                    pos.first().map_or("X", |(p, _)| p.vendor_code.as_str()),
                    repo::counters::next(c, &format!("asn:{}", tenant.0)).await?
                ),
            },
        };
        let previous: BTreeSet<String> = existing.map(|s| s.cartons.iter().map(|k| k.sscc.as_str().to_string()).collect()).unwrap_or_default();
        let new_ssccs: Vec<String> = cartons
            .iter()
            .map(|k| k.sscc.as_str().to_string())
            .chain(pallets.iter().filter_map(|p| p.sscc.as_ref().map(|s| s.as_str().to_string())))
            .filter(|s| !previous.contains(s))
            .collect();
        let vendor_code = pos.first().map(|(p, _)| p.vendor_code.clone()).unwrap_or_default();
        let freight_terms = freight.into_iter().next().unwrap_or(FreightTerms::Prepaid);
        let status = match existing {
            Some(s) => s.status,
            None if ship_date <= at => ShipmentStatus::Shipped,
            None => ShipmentStatus::Created,
        };
        let mut shipment = Shipment {
            id: existing.map_or_else(new_id, |s| s.id),
            tenant,
            shipment_number: number,
            vendor_code,
            dc_id: dc.id,
            dc_code: dc.code.clone(),
            ship_from: input.ship_from.clone(),
            status,
            shipment_type: shipment_type.unwrap_or(ShipmentType::LessThanTruckLoad),
            confirmation: if existing.is_some() { Confirmation::Replace } else { Confirmation::Original },
            revision: existing.map_or(1, |s| s.revision + 1),
            ship_date,
            estimated_arrival: input.estimated_arrival,
            carrier_scac: carrier.or_else(|| existing.and_then(|s| s.carrier_scac.clone())),
            tracking_number: text(&input.tracking_number, 60),
            bol_number: text(&input.bol_number, 60),
            arn: existing.and_then(|s| s.arn.clone()),
            freight_terms,
            asn_due_at: at,
            first_submitted_at: existing.map_or(at, |s| s.first_submitted_at),
            submitted_at: at,
            arrived_at: None,
            received_at: None,
            pallets,
            cartons,
            created_at: existing.map_or(at, |s| s.created_at),
            updated_at: at,
        };
        // Due by the earlier of 30 min after shipping and 4 h before arrival (the appointment, else the ETA).
        let arrival = match existing {
            Some(s) => {
                repo::dock::appointments_of(c, Some(tenant), s.id).await?.into_iter().rfind(|a| a.status == AppointmentStatus::Booked).map(|a| a.slot_start)
            }
            None => None,
        }
        .or(shipment.estimated_arrival);
        shipment.asn_due_at = asn::asn_due_at(shipment.ship_date, arrival, &AsnRules::default());
        Ok(Prepared { shipment, ship_from_name: input.ship_from_name.trim().chars().take(200).collect(), new_ssccs, pos })
    }

    /// Writes a prepared shipment: SSCC claims, contents, the version snapshot, PO line shipped
    /// quantities and history.
    async fn write_shipment(c: &impl ConnectionTrait, ctx: &Ctx, p: &Prepared, replacing: Option<DateTime<Utc>>) -> Result<(), ServiceError> {
        let s = &p.shipment;
        repo::registry::claim_many(c, "sscc", "SSCC", &p.new_ssccs, s.tenant, s.submitted_at, s.submitted_at - Duration::days(SSCC_REUSE_DAYS)).await?;
        match replacing {
            None => repo::shipments::insert(c, s, &p.ship_from_name).await?,
            Some(read_at) => {
                repo::shipments::update_header(c, s, &p.ship_from_name, read_at).await?;
                repo::shipments::replace_contents(c, s).await?;
            }
        }
        repo::shipments::add_version(c, s, &ctx.principal.actor()).await?;
        refresh_shipped(c, s.tenant, &p.pos).await?;
        for (po, _) in &p.pos {
            let units: i64 = s.cartons.iter().flat_map(|k| &k.items).filter(|i| i.po_id == po.id).map(|i| i.quantity).sum();
            let verb = if replacing.is_some() { "replaced" } else { "submitted" };
            history(
                c,
                ctx,
                po,
                "shipped",
                &format!("ASN {} {verb} ({}): {units} eaches of this PO", s.shipment_number, s.confirmation),
                serde_json::json!({"shipment": s.id}),
            )
            .await?;
        }
        Ok(())
    }

    /// Submits a new ASN (`Original`).
    pub async fn create_shipment(&self, ctx: &Ctx, input: ShipmentInput) -> Result<ShipmentDetail, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Write)?;
        if ctx.principal.is_retailer_side() {
            return Err(ServiceError::Rejected { code: "vendor_only", message: "ASNs are submitted by the vendor".into() });
        }
        let tenant = ctx.principal.tenant();
        let input = &input;
        let id = self
            .mutate(ctx, |tx| async move {
                let p = self.prepare_shipment(tx.c(), tenant, input, None, now()).await?;
                Self::write_shipment(tx.c(), ctx, &p, None).await?;
                let s = &p.shipment;
                let summary = format!(
                    "ASN {} submitted for {}: {} carton(s), {} eaches, ships {}",
                    s.shipment_number,
                    s.dc_code,
                    s.cartons.len(),
                    s.total_units(),
                    s.ship_date.format("%Y-%m-%d")
                );
                let change = Change::new(tenant, "asn.submitted", "shipment", s.id)
                    .after(&serde_json::json!({"number": s.shipment_number, "cartons": s.cartons.len(), "units": s.total_units()}))
                    .event(
                        "asn.submitted",
                        summary,
                        format!("/shipments/{}", s.id),
                        Audience::Retailer,
                        serde_json::json!({"number": s.shipment_number, "dc": s.dc_code}),
                    );
                Ok((s.id, change))
            })
            .await?;
        self.shipment_detail(tenant, id).await
    }

    /// Replaces an ASN's contents until arrival (at most 7 days after the first submission).
    pub async fn replace_shipment(&self, ctx: &Ctx, id: Uuid, input: ShipmentInput) -> Result<ShipmentDetail, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Write)?;
        let h = repo::shipments::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("shipment"))?;
        if ctx.principal.is_retailer_side() {
            return Err(ServiceError::Rejected { code: "vendor_only", message: "ASNs are replaced by the vendor".into() });
        }
        let tenant = h.shipment.tenant;
        let input = &input;
        self.mutate(ctx, |tx| async move {
            let at = now();
            let current = repo::shipments::get(tx.c(), Some(tenant), id).await?.ok_or(ServiceError::NotFound("shipment"))?.shipment;
            asn::can_replace(&current, current.first_submitted_at, at, &AsnRules::default())
                .map_err(|m| ServiceError::Rejected { code: "asn_not_replaceable", message: m })?;
            let mut input = input.clone();
            if input.shipment_number.as_deref().is_none_or(|n| n.trim().is_empty()) {
                input.shipment_number = Some(current.shipment_number.clone());
            }
            let mut p = self.prepare_shipment(tx.c(), tenant, &input, Some(&current), at).await?;
            // POs dropped by the replacement get their shipped quantities refreshed too.
            for po_id in current.cartons.iter().flat_map(|k| &k.items).map(|i| i.po_id).collect::<BTreeSet<_>>() {
                if !p.pos.iter().any(|(po, _)| po.id == po_id)
                    && let Some(po) = repo::orders::get(tx.c(), Some(tenant), po_id).await?
                {
                    let lines = repo::orders::lines(tx.c(), tenant, po_id).await?;
                    p.pos.push((po, lines));
                }
            }
            Self::write_shipment(tx.c(), ctx, &p, Some(current.updated_at)).await?;
            let s = &p.shipment;
            let summary = format!("ASN {} replaced (revision {}): {} carton(s), {} eaches", s.shipment_number, s.revision, s.cartons.len(), s.total_units());
            let change = Change::new(tenant, "asn.replaced", "shipment", id)
                .before(&serde_json::json!({"revision": current.revision, "cartons": current.cartons.len(), "units": current.total_units()}))
                .after(&serde_json::json!({"revision": s.revision, "cartons": s.cartons.len(), "units": s.total_units()}))
                .event(
                    "asn.replaced",
                    summary,
                    format!("/shipments/{id}"),
                    Audience::Retailer,
                    serde_json::json!({"number": s.shipment_number, "revision": s.revision}),
                );
            Ok(((), change))
        })
        .await?;
        self.shipment_detail(tenant, id).await
    }

    pub(crate) async fn shipment_detail(&self, tenant: TenantId, id: Uuid) -> Result<ShipmentDetail, ServiceError> {
        let c = &self.db.conn;
        let Header { shipment, ship_from_name, .. } = repo::shipments::get(c, Some(tenant), id).await?.ok_or(ServiceError::NotFound("shipment"))?;
        let dc = repo::facilities::get_dc(c, shipment.dc_id).await?.ok_or(ServiceError::NotFound("DC"))?;
        let versions = repo::shipments::versions(c, tenant, id)
            .await?
            .into_iter()
            .map(|(v, by)| VersionSummary {
                revision: v.revision,
                confirmation: v.confirmation,
                cartons: v.cartons.len(),
                units: v.total_units(),
                submitted_by: by,
                submitted_at: v.submitted_at,
            })
            .collect();
        Ok(ShipmentDetail {
            routing: repo::shipments::routing(c, Some(tenant), id).await?,
            appointments: repo::dock::appointments_of(c, Some(tenant), id).await?,
            receipt: repo::dock::receipt_of(c, tenant, id).await?,
            dc_time_zone: dc.time_zone,
            ship_from_name,
            shipment,
            versions,
        })
    }

    /// A shipment (vendors: their own; retailer staff: any).
    pub async fn get_shipment(&self, ctx: &Ctx, id: Uuid) -> Result<ShipmentDetail, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Read)?;
        let h = repo::shipments::header(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("shipment"))?;
        self.shipment_detail(h.shipment.tenant, id).await
    }

    pub async fn list_shipments(&self, ctx: &Ctx, mut filter: ShipmentFilter, cursor: Option<&str>, limit: Option<u64>) -> Result<Page<Header>, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Read)?;
        filter.tenant = list_scope(ctx);
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = repo::shipments::list(&self.db.conn, &filter, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |h| Cursor { created_at: h.shipment.created_at, id: h.shipment.id }))
    }

    /// The shipments carrying lines of a PO (its detail page).
    pub async fn shipments_of_po(&self, ctx: &Ctx, po: &PurchaseOrder) -> Result<Vec<Header>, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Read)?;
        Ok(repo::shipments::for_pos(&self.db.conn, po.tenant, &[po.id]).await?)
    }
}

/// Recomputes each line's shipped eaches from the live ASNs.
pub(crate) async fn refresh_shipped(c: &impl ConnectionTrait, tenant: TenantId, pos: &[(PurchaseOrder, Vec<PoLine>)]) -> Result<(), ServiceError> {
    let ids: Vec<Uuid> = pos.iter().map(|(p, _)| p.id).collect();
    let shipped = repo::shipments::shipped_quantities(c, tenant, &ids, None).await?;
    for (po, lines) in pos {
        for l in lines {
            let q = shipped.get(&(po.id, l.line_no)).copied().unwrap_or(0);
            if q != l.shipped_eaches {
                let mut u = l.clone();
                u.shipped_eaches = q;
                repo::orders::update_line(c, tenant, &u).await?;
            }
        }
    }
    Ok(())
}
