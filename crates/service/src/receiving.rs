//! Receiving at the DC: the receiver checks the truck in (arrival), scans cartons by SSCC, records
//! received and damaged units per line and closes the receipt. Unknown cartons and items not on
//! the ASN are recorded and flagged, never refused. Closing moves PO lines to partially / fully
//! received, closes finished POs and tells the vendor about discrepancies.

use crate::authz::{list_scope, require};
use crate::orders::history;
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::events::Audience;
use acorn_domain::gs1::Sscc;
use acorn_domain::ids::new_id;
use acorn_domain::orders::should_close;
use acorn_domain::policy::{Access, Area};
use acorn_domain::receiving;
use acorn_domain::shipments::*;
use acorn_store::{Tx, repo};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Units of one line found in a carton, as the receiver records them.
#[derive(Clone, Debug, Default)]
pub struct ScanLine {
    pub po_number: Option<String>,
    pub line_no: Option<i64>,
    /// The item's GTIN (any length; matched on its 14-digit form).
    pub gtin: String,
    /// Units found, damaged ones included.
    pub received: i64,
    /// Of those, damaged.
    pub damaged: i64,
}

fn normalise_sscc(input: &str) -> String {
    Sscc::parse(input).map(|s| s.as_str().to_string()).unwrap_or_else(|_| input.trim().chars().filter(|c| !c.is_whitespace()).take(40).collect())
}

fn gtin14(input: &str) -> String {
    acorn_domain::gs1::Gtin::parse(input).map(|g| g.as_str().to_string()).unwrap_or_else(|_| input.trim().to_string())
}

impl Services {
    /// Finds the inbound shipment a receiver scanned or typed: a carton SSCC or a shipment number.
    pub async fn find_inbound(&self, ctx: &Ctx, code: &str) -> Result<crate::shipments::ShipmentDetail, ServiceError> {
        require(ctx, Area::Receiving, Access::Write)?;
        if code.trim().is_empty() {
            return Err(ServiceError::invalid("code", "scan a carton's SSCC or type the shipment number"));
        }
        let c = &self.db.conn;
        let sscc = normalise_sscc(code);
        if let Some((tenant, id)) = repo::shipments::by_carton_sscc(c, &sscc).await?
            && crate::authz::visible(ctx, tenant)
        {
            return self.shipment_detail(tenant, id).await;
        }
        let found = repo::shipments::by_number(c, list_scope(ctx), code.trim()).await?;
        match found.as_slice() {
            [one] => self.shipment_detail(one.shipment.tenant, one.shipment.id).await,
            [] => Err(ServiceError::NotFound("shipment")),
            _ => Err(ServiceError::Rejected {
                code: "ambiguous",
                message: format!("{} vendors use shipment number {}; scan a carton instead", found.len(), code.trim()),
            }),
        }
    }

    /// Checks the truck in: the shipment has arrived; a receipt opens.
    pub async fn check_in(&self, ctx: &Ctx, shipment_id: Uuid) -> Result<Receipt, ServiceError> {
        require(ctx, Area::Receiving, Access::Write)?;
        let h = repo::shipments::header(&self.db.conn, list_scope(ctx), shipment_id).await?.ok_or(ServiceError::NotFound("shipment"))?;
        let tenant = h.shipment.tenant;
        self.mutate(ctx, |tx| async move {
            let r = check_in_tx(&tx, tenant, shipment_id, now()).await?;
            let s = repo::shipments::header(tx.c(), Some(tenant), shipment_id).await?.ok_or(ServiceError::NotFound("shipment"))?.shipment;
            let summary = format!("Truck for ASN {} checked in at {} at {} UTC", s.shipment_number, s.dc_code, r.checked_in_at.format("%Y-%m-%d %H:%M"));
            let change = Change::new(tenant, "truck.checked_in", "shipment", shipment_id).after(&r).event(
                "truck.checked_in",
                summary,
                format!("/shipments/{shipment_id}"),
                Audience::Both,
                serde_json::json!({"number": s.shipment_number}),
            );
            Ok((r, change))
        })
        .await
    }

    /// Records one scanned carton and what was found in it (scanning again replaces the carton's
    /// record). The first scan checks the truck in if nobody did.
    pub async fn scan_carton(&self, ctx: &Ctx, shipment_id: Uuid, sscc: &str, lines: Vec<ScanLine>) -> Result<ReceivedCarton, ServiceError> {
        require(ctx, Area::Receiving, Access::Write)?;
        let h = repo::shipments::header(&self.db.conn, list_scope(ctx), shipment_id).await?.ok_or(ServiceError::NotFound("shipment"))?;
        let tenant = h.shipment.tenant;
        let mut issues = acorn_domain::Issues::new();
        let code = normalise_sscc(sscc);
        issues.check(!code.is_empty(), "sscc", "scan or type the carton's SSCC");
        for (i, l) in lines.iter().enumerate() {
            issues.check(l.received >= 0 && l.received <= 1_000_000, format!("lines[{i}].received"), format!("is {}; give 0 or more units", l.received));
            issues.check(
                l.damaged >= 0 && l.damaged <= l.received,
                format!("lines[{i}].damaged"),
                format!("is {}; damaged units are part of the {} received", l.damaged, l.received),
            );
            issues.check(!l.gtin.trim().is_empty() || l.line_no.is_some(), format!("lines[{i}].gtin"), "say which item: its GTIN or its PO line");
        }
        issues.into_result().map_err(ServiceError::Invalid)?;
        let (lines, code) = (&lines, &code);
        self.mutate(ctx, |tx| async move {
            let at = now();
            let receipt = match repo::dock::receipt_of(tx.c(), tenant, shipment_id).await? {
                Some(r) => r,
                None => check_in_tx(&tx, tenant, shipment_id, at).await?,
            };
            if receipt.status == ReceiptStatus::Closed {
                return Err(ServiceError::Rejected { code: "receipt_closed", message: "the receipt is closed; cartons can no longer be recorded".into() });
            }
            let s = repo::shipments::get(tx.c(), Some(tenant), shipment_id).await?.ok_or(ServiceError::NotFound("shipment"))?.shipment;
            let announced = s.cartons.iter().find(|k| k.sscc.as_str() == code.as_str());
            let mut recorded = Vec::new();
            for l in lines {
                let g = gtin14(&l.gtin);
                // Match the announced item: by PO line when given, else by GTIN.
                let item = announced.and_then(|k| {
                    k.items.iter().find(|i| match (&l.po_number, l.line_no) {
                        (Some(n), Some(no)) => i.po_number.eq_ignore_ascii_case(n.trim()) && i.line_no == no,
                        (None, Some(no)) => i.line_no == no,
                        _ => i.gtin == g,
                    })
                });
                recorded.push(match item {
                    Some(i) => ReceivedLine {
                        po_id: Some(i.po_id),
                        po_number: Some(i.po_number.clone()),
                        line_no: Some(i.line_no),
                        gtin: i.gtin.clone(),
                        received: l.received,
                        damaged: l.damaged,
                        unexpected: false,
                    },
                    None => ReceivedLine {
                        po_id: None,
                        po_number: l.po_number.clone(),
                        line_no: l.line_no,
                        gtin: g,
                        received: l.received,
                        damaged: l.damaged,
                        unexpected: true,
                    },
                });
            }
            let carton = ReceivedCarton { sscc: code.clone(), on_asn: announced.is_some(), scanned_at: at, lines: recorded };
            repo::dock::put_carton(tx.c(), tenant, receipt.id, &carton).await?;
            let flag = if !carton.on_asn {
                " (not on the ASN)"
            } else if carton.lines.iter().any(|l| l.unexpected) {
                " (items not announced)"
            } else {
                ""
            };
            let units: i64 = carton.lines.iter().map(|l| l.received).sum();
            let change = Change::new(tenant, "receipt.carton_scanned", "shipment", shipment_id).after(&carton).event(
                "receipt.carton_scanned",
                format!("Carton {} of ASN {} received: {units} unit(s){flag}", carton.sscc, s.shipment_number),
                format!("/shipments/{shipment_id}"),
                Audience::Vendor,
                serde_json::json!({"sscc": carton.sscc, "on_asn": carton.on_asn}),
            );
            Ok((carton, change))
        })
        .await
    }

    /// Closes the receipt: PO lines take the received and damaged units, finished POs close, and
    /// differences to the ASN are reported to the vendor.
    pub async fn close_receipt(&self, ctx: &Ctx, shipment_id: Uuid) -> Result<Vec<receiving::Discrepancy>, ServiceError> {
        require(ctx, Area::Receiving, Access::Write)?;
        let h = repo::shipments::header(&self.db.conn, list_scope(ctx), shipment_id).await?.ok_or(ServiceError::NotFound("shipment"))?;
        let tenant = h.shipment.tenant;
        self.mutate(ctx, |tx| async move {
            let at = now();
            let mut receipt = repo::dock::receipt_of(tx.c(), tenant, shipment_id)
                .await?
                .ok_or(ServiceError::Rejected { code: "not_checked_in", message: "check the truck in and scan its cartons first".into() })?;
            if !repo::dock::close_receipt(tx.c(), tenant, receipt.id, at).await? {
                return Err(ServiceError::Rejected { code: "receipt_closed", message: "the receipt is already closed".into() });
            }
            receipt.status = ReceiptStatus::Closed;
            receipt.closed_at = Some(at);
            let header = repo::shipments::get(tx.c(), Some(tenant), shipment_id).await?.ok_or(ServiceError::NotFound("shipment"))?;
            let mut s = header.shipment.clone();
            let discrepancies = receiving::discrepancies(&s, &receipt);
            let totals = receiving::line_totals(&receipt);
            let po_ids: BTreeSet<Uuid> = totals.keys().map(|(p, _)| *p).collect();
            for po_id in po_ids {
                let Some(mut po) = repo::orders::get(tx.c(), Some(tenant), po_id).await? else { continue };
                let read_at = po.updated_at;
                let mut lines = repo::orders::lines(tx.c(), tenant, po_id).await?;
                let mut received_here = 0;
                for l in lines.iter_mut() {
                    if let Some((r, d)) = totals.get(&(po_id, l.line_no)) {
                        l.received_eaches = l.received_eaches.saturating_add(*r);
                        l.damaged_eaches = l.damaged_eaches.saturating_add(*d);
                        l.receive_status = l.derive_receive_status();
                        received_here += r;
                        repo::orders::update_line(tx.c(), tenant, l).await?;
                    }
                }
                let after_close = po.closed_at.is_some();
                let note = if after_close { " — received after the PO closed (flagged)" } else { "" };
                history(
                    tx.c(),
                    ctx,
                    &po,
                    "received",
                    &format!("{received_here} eaches received from ASN {}{note}", s.shipment_number),
                    serde_json::json!({"shipment": s.id, "after_close": after_close}),
                )
                .await?;
                if should_close(&po, &lines, at.date_naive()) {
                    po.closed_at = Some(at);
                    po.state = po.derive_state();
                    po.updated_at = at;
                    repo::orders::update(tx.c(), &po, read_at).await?;
                    history(tx.c(), ctx, &po, "closed", &format!("PO {} closed: every line received or cancelled", po.number), serde_json::json!({})).await?;
                }
            }
            s.status = ShipmentStatus::Received;
            s.received_at = Some(at);
            s.updated_at = at;
            repo::shipments::update_header(tx.c(), &s, &header.ship_from_name, header.shipment.updated_at).await?;
            let units: i64 = totals.values().map(|(r, _)| r).sum();
            let mut change = Change::new(tenant, "receipt.closed", "shipment", shipment_id)
                .after(&serde_json::json!({"receipt": receipt.id, "units": units, "discrepancies": discrepancies.len()}))
                .event(
                    "receipt.closed",
                    format!("Receipt of ASN {} closed: {units} unit(s) received", s.shipment_number),
                    format!("/shipments/{shipment_id}"),
                    Audience::Both,
                    serde_json::json!({"number": s.shipment_number, "units": units}),
                );
            if !discrepancies.is_empty() {
                let detail: Vec<String> = discrepancies.iter().take(5).map(|d| d.detail.clone()).collect();
                change = change.event(
                    "receipt.discrepancy",
                    format!("ASN {} received with {} discrepancy(ies): {}", s.shipment_number, discrepancies.len(), detail.join("; ")),
                    format!("/shipments/{shipment_id}"),
                    Audience::Vendor,
                    serde_json::json!({"number": s.shipment_number, "count": discrepancies.len()}),
                );
            }
            Ok((discrepancies, change))
        })
        .await
    }
}

/// Checks a shipment in inside the caller's transaction (check-in proper, or the first scan).
async fn check_in_tx(tx: &Tx, tenant: acorn_domain::ids::TenantId, shipment_id: Uuid, at: DateTime<Utc>) -> Result<Receipt, ServiceError> {
    let c = tx.c();
    let h = repo::shipments::header(c, Some(tenant), shipment_id).await?.ok_or(ServiceError::NotFound("shipment"))?;
    let mut s = h.shipment.clone();
    if s.status.arrived() {
        return Err(ServiceError::Rejected { code: "already_checked_in", message: format!("the truck for ASN {} already checked in", s.shipment_number) });
    }
    if s.status == ShipmentStatus::Cancelled {
        return Err(ServiceError::Rejected { code: "shipment_cancelled", message: "the ASN was cancelled".into() });
    }
    s.status = ShipmentStatus::CheckedIn;
    s.arrived_at = Some(at);
    s.updated_at = at;
    repo::shipments::update_header(c, &s, &h.ship_from_name, h.shipment.updated_at).await?;
    let receipt =
        Receipt { id: new_id(), tenant, shipment_id, dc_id: s.dc_id, status: ReceiptStatus::Open, checked_in_at: at, closed_at: None, cartons: Vec::new() };
    repo::dock::insert_receipt(c, &receipt).await?;
    for mut a in repo::dock::appointments_of(c, Some(tenant), shipment_id).await? {
        if a.status == AppointmentStatus::Booked {
            a.status = AppointmentStatus::Completed;
            a.updated_at = at;
            repo::dock::put_appointment(c, &a).await?;
        }
    }
    Ok(receipt)
}
