//! Applying one accepted inbound document to ACORN through the same use cases the portal and the
//! API call, acting as the vendor's EDI connection. The engine's mapping translates the segments;
//! the use case enforces the business rules (an 855 that raises a quantity is refused exactly as a
//! portal acknowledgement would be), and its refusal becomes the document's errors in the log.
//!
//! - 855 / ORDRSP / 865 → an acknowledgement version of the PO (an 865 answers the changed lines;
//!   the others keep their previous answer).
//! - 856 / DESADV → an ASN (`00`/`9`: new; `05`/`5`: replaces the one with that shipment number).
//!   A new notice whose shipment number already exists is "unchanged": resent under a new
//!   control number, it creates nothing.
//! - 810 / INVOIC → an invoice or credit note, matched like any other.
//! - 846 → the vendor-reported stock per item and warehouse (all lines or none).
//! - 997 / 999 / CONTRL → the partner's verdict on what ACORN sent, recorded on those documents.

use acorn_domain::edi::{DocumentStatus, Interchange, TradingPartner};
use acorn_domain::invoices::{AdjustmentKind, InvoiceType};
use acorn_domain::master::Address;
use acorn_domain::orders::{Channel, PoLine};
use acorn_domain::shipments::ShipmentType;
use acorn_domain::time;
use acorn_domain::validate::FieldIssue;
use acorn_edi::Segment;
use acorn_edi::Verdict;
use acorn_edi::ack::{AckReader, AckedSet, ReceivedAck};
use acorn_edi::map::{self, Inbound, InboundAck, InboundAsn, InboundInventory, InboundInvoice, ItemIds, MapError, Stamp};
use acorn_store::repo;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::credit_notes::NewCreditNote;
use crate::invoices::{NewAdjustment, NewInvoice, NewInvoiceLine};
use crate::shipments::ShipmentInput;
use crate::{Change, Ctx, ServiceError, Services, now};

/// What became of one document.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub status: DocumentStatus,
    pub object_type: Option<String>,
    pub object_id: Option<Uuid>,
    pub reference: String,
    pub errors: Vec<String>,
}

impl Outcome {
    pub fn rejected(reference: String, errors: Vec<String>) -> Outcome {
        Outcome { status: DocumentStatus::Rejected, object_type: None, object_id: None, reference, errors }
    }

    fn applied(object_type: &str, object_id: Uuid, reference: String) -> Outcome {
        Outcome { status: DocumentStatus::Applied, object_type: Some(object_type.into()), object_id: Some(object_id), reference, errors: Vec::new() }
    }

    fn from_map_errors(reference: String, errors: Vec<MapError>) -> Outcome {
        Outcome::rejected(reference, errors.iter().map(ToString::to_string).collect())
    }
}

/// A use case's refusal as sentences for the log (field errors each on their own).
fn refusal(e: ServiceError) -> Result<Vec<String>, ServiceError> {
    match e {
        ServiceError::Invalid(issues) => Ok(issues.into_iter().map(|FieldIssue { field, issue }| format!("{field}: {issue}")).collect()),
        ServiceError::NotFound(what) => Ok(vec![format!("{what} not found")]),
        ServiceError::Conflict { message, .. } | ServiceError::Rejected { message, .. } => Ok(vec![message]),
        ServiceError::Forbidden => Ok(vec!["the vendor's EDI connection may not do this".into()]),
        // Infrastructure trouble is not the document's fault: surface it, so the intake fails loudly.
        other => Err(other),
    }
}

/// A date-time the document gave, placed in the DC's time zone when it fixed no offset.
fn instant(stamp: &Stamp, dc_zone: Option<&str>) -> Option<DateTime<Utc>> {
    stamp.utc().or_else(|| {
        let tz = dc_zone.and_then(|z| time::zone(z).ok())?;
        time::from_local(tz, stamp.local()).ok()
    })
}

/// The PO line an item names, by GTIN, vendor SKU or retailer item id.
fn line_of(lines: &[PoLine], ids: &ItemIds) -> Option<i64> {
    lines
        .iter()
        .find(|l| {
            !l.cancelled
                && (ids.gtin.as_ref().is_some_and(|g| g.as_str() == l.gtin)
                    || ids.vendor_sku.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&l.vendor_sku))
                    || ids.buyer_item_id.as_deref().is_some_and(|b| b.eq_ignore_ascii_case(&l.retailer_item_id)))
        })
        .map(|l| l.line_no)
}

/// The partner's reasons, as sentences: each segment in error, then its elements.
fn partner_errors(set: &AckedSet) -> Vec<String> {
    let mut out = Vec::new();
    if !set.codes.is_empty() {
        out.push(format!("set {} {}: {} (codes {})", set.id, set.control, set.status_code, set.codes.join(", ")));
    }
    for seg in &set.segments {
        let tag = seg.tag.as_deref().unwrap_or("segment");
        let at = seg.position.map(|p| format!(" at position {p}")).unwrap_or_default();
        out.push(format!("{tag}{at}: error code {}", seg.code.as_deref().unwrap_or("?")));
        for e in &seg.elements {
            let which = e.element.map(|n| format!("{tag}{n:02}")).unwrap_or_else(|| tag.to_string());
            let bad = e.value.as_deref().map(|v| format!(" ({v:?})")).unwrap_or_default();
            out.push(format!("{which}: error code {}{bad}", e.code.as_deref().unwrap_or("?")));
        }
    }
    out
}

impl Services {
    /// Applies the set with identifier `set_id` whose segments (header to trailer) are `segments`.
    pub(super) async fn apply_set(
        &self,
        actor: &Ctx,
        partner: &TradingPartner,
        record: &Interchange,
        set_id: &str,
        segments: &[Segment<'_>],
    ) -> Result<Outcome, ServiceError> {
        if super::engine::is_ack_set(set_id) {
            return self.record_partner_ack(partner, segments).await;
        }
        match map::map_inbound(segments) {
            Err(errors) => Ok(Outcome::from_map_errors(String::new(), errors)),
            Ok(Inbound::Ack(ack)) => self.apply_ack(actor, partner, ack).await,
            Ok(Inbound::Asn(asn)) => self.apply_asn(actor, partner, asn).await,
            Ok(Inbound::Invoice(invoice)) => self.apply_invoice(actor, invoice).await,
            Ok(Inbound::Inventory(report)) => self.apply_inventory(actor, partner, record, report).await,
        }
    }

    async fn apply_ack(&self, actor: &Ctx, partner: &TradingPartner, ack: InboundAck) -> Result<Outcome, ServiceError> {
        let c = &self.db.conn;
        let reference = ack.po_number.clone();
        let Some(po) = repo::orders::by_number(c, Some(partner.tenant), &ack.po_number).await? else {
            return Ok(Outcome::rejected(reference, vec![format!("PO {} is not a purchase order of vendor {}", ack.po_number, partner.vendor_code)]));
        };
        let previous = repo::orders::acks(c, partner.tenant, po.id).await?.into_iter().max_by_key(|a| a.version);
        let lines = ack.lines_with(previous.as_ref());
        match self.acknowledge(actor, po.id, lines, Channel::Edi).await {
            Ok(_) => Ok(Outcome::applied("purchase_order", po.id, reference)),
            Err(e) => Ok(Outcome { object_type: Some("purchase_order".into()), object_id: Some(po.id), ..Outcome::rejected(reference, refusal(e)?) }),
        }
    }

    async fn apply_asn(&self, actor: &Ctx, partner: &TradingPartner, asn: InboundAsn) -> Result<Outcome, ServiceError> {
        let c = &self.db.conn;
        let reference = asn.shipment_number.clone();
        // PO lines of the POs the notice names, to place items given without a line number.
        let mut po_lines: Vec<(String, Vec<PoLine>)> = Vec::new();
        // Collected first: an iterator of closures held across an await makes the future not `Send`.
        let numbers: Vec<String> = asn.cartons.iter().flat_map(|c| &c.items).map(|i| i.po_number.clone()).collect();
        for number in numbers {
            if po_lines.iter().any(|(n, _)| *n == number) {
                continue;
            }
            let lines = match repo::orders::by_number(c, Some(partner.tenant), &number).await? {
                Some(po) => repo::orders::lines(c, partner.tenant, po.id).await?,
                None => Vec::new(),
            };
            po_lines.push((number, lines));
        }
        let cartons = match asn.carton_inputs(|po, ids| po_lines.iter().find(|(n, _)| n == po).and_then(|(_, lines)| line_of(lines, ids))) {
            Ok(c) => c,
            Err(errors) => return Ok(Outcome::from_map_errors(reference, errors)),
        };
        let dc_code = asn.dc_code.clone().unwrap_or_default();
        let dc_zone = repo::facilities::get_dc_by_code(c, &dc_code).await?.map(|dc| dc.time_zone);
        let input = ShipmentInput {
            shipment_number: Some(asn.shipment_number.clone()),
            dc_code,
            ship_from_name: asn.ship_from_name.clone().unwrap_or_default(),
            ship_from: Address { ..asn.ship_from.clone() },
            shipment_type: asn.shipment_type.map(ShipmentType::as_str).unwrap_or_default().to_string(),
            ship_date: asn.ship_date.as_ref().and_then(|s| instant(s, dc_zone.as_deref())),
            estimated_arrival: asn.estimated_arrival.as_ref().and_then(|s| instant(s, dc_zone.as_deref())),
            carrier_scac: asn.carrier_scac.clone(),
            tracking_number: asn.tracking_number.clone(),
            bol_number: asn.bol_number.clone(),
            pallets: asn.pallet_inputs(),
            cartons,
        };
        let existing = repo::shipments::by_number(c, Some(partner.tenant), &asn.shipment_number).await?.into_iter().next();
        let replaces = asn.purpose == acorn_domain::shipments::Confirmation::Replace;
        let result = match (&existing, replaces) {
            (Some(found), false) => {
                // A new notice under a number already on file: a resend under a new control number.
                return Ok(Outcome {
                    status: DocumentStatus::Unchanged,
                    object_type: Some("shipment".into()),
                    object_id: Some(found.shipment.id),
                    reference,
                    errors: vec![format!("shipment {} was already notified; send BSN01 05 (BGM 5) to replace it", asn.shipment_number)],
                });
            }
            (Some(found), true) => self.replace_shipment(actor, found.shipment.id, input).await,
            (None, _) => self.create_shipment(actor, input).await,
        };
        match result {
            Ok(detail) => Ok(Outcome::applied("shipment", detail.shipment.id, reference)),
            Err(e) => Ok(Outcome::rejected(reference, refusal(e)?)),
        }
    }

    async fn apply_invoice(&self, actor: &Ctx, invoice: InboundInvoice) -> Result<Outcome, ServiceError> {
        let reference = invoice.number.clone();
        let adjustments = invoice
            .adjustments
            .iter()
            .map(|a| NewAdjustment {
                kind: match a.kind {
                    AdjustmentKind::Charge => "charge",
                    AdjustmentKind::Allowance => "allowance",
                    AdjustmentKind::Tax => "tax",
                }
                .to_string(),
                code: a.code.clone(),
                description: a.description.clone(),
                amount: a.amount.to_string(),
            })
            .collect::<Vec<_>>();
        let lines = invoice
            .lines
            .iter()
            .map(|l| NewInvoiceLine {
                po_line_no: l.po_line_no,
                item: l.item.key().unwrap_or_default(),
                quantity: l.quantity,
                unit_cost: l.unit_cost.to_string(),
            })
            .collect::<Vec<_>>();
        let result = match invoice.invoice_type {
            InvoiceType::Invoice => {
                let new = NewInvoice {
                    number: invoice.number.clone(),
                    invoice_date: invoice.invoice_date.to_string(),
                    po_number: invoice.po_number.clone(),
                    currency: invoice.currency.clone().unwrap_or_default(),
                    lines,
                    adjustments,
                    total: invoice.total.map(|t| t.to_string()),
                };
                self.submit_invoice(actor, new, Channel::Edi).await
            }
            InvoiceType::CreditNote => {
                let new = NewCreditNote {
                    number: invoice.number.clone(),
                    date: invoice.invoice_date.to_string(),
                    invoice_number: invoice.reference_invoice.clone().unwrap_or_default(),
                    lines,
                    adjustments,
                };
                self.submit_credit_note(actor, new, Channel::Edi).await
            }
        };
        match result {
            Ok(detail) => Ok(Outcome::applied("invoice", detail.invoice.id, reference)),
            Err(e) => Ok(Outcome::rejected(reference, refusal(e)?)),
        }
    }

    async fn apply_inventory(&self, actor: &Ctx, partner: &TradingPartner, record: &Interchange, report: InboundInventory) -> Result<Outcome, ServiceError> {
        let c = &self.db.conn;
        let reference = report.report_id.clone();
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for (n, line) in report.items.iter().enumerate() {
            let key = line.item.key().unwrap_or_default();
            let Some(item) = repo::returns::find_item(c, partner.tenant, &key).await? else {
                errors.push(format!("item {} (line {}): not an item of vendor {}", line.item, n + 1, partner.vendor_code));
                continue;
            };
            let Some(available) = line.available.or(line.on_hand) else {
                errors.push(format!("item {} (line {}): no quantity available (QTY*33) or on hand (QTY*17)", line.item, n + 1));
                continue;
            };
            rows.push((item.id, line.warehouse.clone().unwrap_or_else(|| "-".into()), available));
        }
        if !errors.is_empty() {
            return Ok(Outcome::rejected(reference, errors));
        }
        let (rows, tenant, interchange) = (&rows, partner.tenant, record.id);
        self.mutate(actor, |tx| async move {
            let at = now();
            for (item, warehouse, available) in rows {
                repo::edi::upsert_stock(tx.c(), tenant, *item, warehouse, *available, interchange, at).await?;
            }
            let change = Change::new(tenant, "edi.stock_reported", "stock_report", interchange).after(&serde_json::json!({"lines": rows.len()}));
            Ok(((), change))
        })
        .await?;
        Ok(Outcome::applied("stock_report", record.id, reference))
    }

    /// A 997/999/CONTRL about an interchange ACORN sent: the verdict goes onto those documents.
    async fn record_partner_ack(&self, partner: &TradingPartner, segments: &[Segment<'_>]) -> Result<Outcome, ServiceError> {
        let mut reader = AckReader::new();
        for s in segments {
            reader.push(s);
        }
        let acks: Vec<ReceivedAck> = reader.finish();
        let c = &self.db.conn;
        let mut notes = Vec::new();
        let mut reference = String::new();
        for ack in &acks {
            reference = ack.group_control.clone().unwrap_or_default();
            let control = ack.interchange_control.clone().unwrap_or_default();
            let sent = match repo::edi::sent_interchange(c, partner.tenant, &control).await? {
                Some(s) => Some(s),
                None => repo::edi::sent_by_group(c, partner.tenant, &reference).await?,
            };
            let Some(sent) = sent else {
                notes.push(format!("acknowledges group {reference}, which ACORN did not send to vendor {}", partner.vendor_code));
                continue;
            };
            for doc in repo::edi::documents_of(c, sent.id).await? {
                let accepted = ack.set_accepted(&doc.control_number).unwrap_or(ack.status != Some(Verdict::Rejected));
                let status = if accepted { DocumentStatus::Accepted } else { DocumentStatus::RefusedByPartner };
                let errors = ack.set(&doc.control_number).map(partner_errors).unwrap_or_default();
                repo::edi::set_document_status(c, doc.id, status, &errors).await?;
            }
        }
        if notes.is_empty() {
            Ok(Outcome { status: DocumentStatus::Recorded, object_type: None, object_id: None, reference, errors: Vec::new() })
        } else {
            Ok(Outcome::rejected(reference, notes))
        }
    }
}
