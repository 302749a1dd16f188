//! Outbound interchanges: 850/ORDERS for new POs, 860/ORDCHG for PO changes, 820 for remittances,
//! written with the partner's ids, version and delimiters.
//!
//! What is owed is found by anti-joins (objects no outbound document names yet), read again inside
//! the writing transaction's unit, and a unique `outbound_key` per object stops a second process
//! from sending the same PO twice.
//!
//! Control numbers come from named counters bumped inside the transaction that logs the
//! interchange, so they are strictly increasing per partner across restarts and processes.

use acorn_domain::edi::{Direction, DocumentStatus, EdiDocument, EdiStandard, Interchange, InterchangeKind, InterchangeStatus, Source, TradingPartner, Usage};
use acorn_domain::ids::new_id;
use acorn_domain::payments::RemittanceLineKind;
use acorn_edi::map::{self, LineChange, LineChangeKind, PaymentMethod, PoChangeDocument, PoDocument, RemittanceDocument, RemittanceEntry};
use acorn_edi::{Delimiters, GroupHeader, InterchangeHeader, Writer};
use acorn_store::{ConnectionTrait, repo};
use uuid::Uuid;

use super::OBJECT_TYPE;
use crate::crypto::sha256_hex_bytes;
use crate::{Change, Ctx, ServiceError, Services, now};

/// The next interchange and group control numbers of the partner (ISA13 / UNB 0020, GS06).
pub async fn next_controls(c: &impl ConnectionTrait, partner: &TradingPartner) -> Result<(u64, u64), ServiceError> {
    let tenant = partner.tenant.0;
    let interchange = repo::counters::next(c, &format!("edi:{tenant}:interchange")).await?;
    let group = repo::counters::next(c, &format!("edi:{tenant}:group")).await?;
    Ok((interchange, group))
}

/// The delimiters ACORN writes to this partner.
pub fn delimiters(partner: &TradingPartner) -> Delimiters {
    let byte = |s: &str, default: u8| s.bytes().next().unwrap_or(default);
    match partner.standard {
        EdiStandard::X12 => {
            let repetition = partner.repetition_separator.bytes().next();
            Delimiters::new(
                byte(&partner.element_separator, b'*'),
                byte(&partner.component_separator, b'>'),
                repetition,
                None,
                partner.segment_terminator.as_bytes().get(..1).unwrap_or(b"~"),
            )
        }
        EdiStandard::Edifact => {
            let mut d = Delimiters::new(
                byte(&partner.element_separator, b'+'),
                byte(&partner.component_separator, b':'),
                None,
                Some(b'?'),
                partner.segment_terminator.as_bytes().get(..1).unwrap_or(b"'"),
            );
            d.decimal = b'.';
            d
        }
    }
}

/// One document to send, with the ACORN object it carries.
struct Pending<D> {
    doc: D,
    object_type: &'static str,
    object_id: Uuid,
    reference: String,
}

/// How many outbound objects one interchange carries at most (the rest go next tick).
const BATCH: u64 = 200;

impl Services {
    /// Sends every partner what it is owed: an 850/ORDERS per PO issued since it went on EDI, an
    /// 860/ORDCHG per PO change or cancellation, an 820 per remittance (X12 partners). Each kind
    /// goes as one interchange per tick, logged with a document per object; returns the
    /// interchanges written.
    pub async fn send_edi_documents(&self) -> Result<usize, ServiceError> {
        let mut sent = 0;
        for partner in repo::edi::all_partners(&self.db.conn).await? {
            sent += usize::from(self.send_purchase_orders(&partner).await?);
            sent += usize::from(self.send_po_changes(&partner).await?);
            if partner.standard == EdiStandard::X12 {
                sent += usize::from(self.send_remittances(&partner).await?);
            }
        }
        Ok(sent)
    }

    async fn send_purchase_orders(&self, partner: &TradingPartner) -> Result<bool, ServiceError> {
        let c = &self.db.conn;
        let ids = repo::edi::pos_not_sent(c, partner.tenant, partner.created_at, BATCH).await?;
        let mut loaded = Vec::new();
        for id in ids {
            let Some(po) = repo::orders::get(c, Some(partner.tenant), id).await? else { continue };
            let lines = repo::orders::lines(c, partner.tenant, id).await?;
            let dc = repo::facilities::get_dc(c, po.dc_id).await?.map(|d| d.name).unwrap_or_default();
            loaded.push((po, lines, dc));
        }
        let pending: Vec<_> = loaded
            .iter()
            .map(|(po, lines, dc)| Pending {
                doc: PoDocument { po, lines, ship_to_name: dc },
                object_type: "purchase_order",
                object_id: po.id,
                reference: po.number.clone(),
            })
            .collect();
        let (set, functional) = if partner.standard == EdiStandard::X12 { ("850", "PO") } else { ("ORDERS", "") };
        let write = if partner.standard == EdiStandard::X12 { map::write_850 } else { map::write_orders };
        self.send_interchange(partner, set, functional, &pending, write).await
    }

    async fn send_po_changes(&self, partner: &TradingPartner) -> Result<bool, ServiceError> {
        let c = &self.db.conn;
        let ids = repo::edi::po_changes_not_sent(c, partner.tenant, partner.created_at, BATCH).await?;
        let mut loaded = Vec::new();
        for id in ids {
            let Some(event) = repo::orders::event(c, partner.tenant, id).await? else { continue };
            let Some(po) = repo::orders::get(c, Some(partner.tenant), event.po_id).await? else { continue };
            let lines = repo::orders::lines(c, partner.tenant, po.id).await?;
            let dc = repo::facilities::get_dc(c, po.dc_id).await?.map(|d| d.name).unwrap_or_default();
            let changes = line_changes(&event.detail);
            let flag = |k: &str| event.detail.get(k).and_then(serde_json::Value::as_bool).unwrap_or(false);
            loaded.push((event.id, po, lines, dc, changes, flag("ship_window_changed"), flag("delivery_window_changed")));
        }
        let pending: Vec<_> = loaded
            .iter()
            .map(|(event, po, lines, dc, changes, ship, delivery)| Pending {
                doc: PoChangeDocument { po, lines, changes, ship_window_changed: *ship, delivery_window_changed: *delivery, ship_to_name: dc },
                object_type: "po_event",
                object_id: *event,
                reference: format!("{} rev {}", po.number, po.revision),
            })
            .collect();
        let (set, functional) = if partner.standard == EdiStandard::X12 { ("860", "PC") } else { ("ORDCHG", "") };
        let write = if partner.standard == EdiStandard::X12 { map::write_860 } else { map::write_ordchg };
        self.send_interchange(partner, set, functional, &pending, write).await
    }

    async fn send_remittances(&self, partner: &TradingPartner) -> Result<bool, ServiceError> {
        let c = &self.db.conn;
        let ids = repo::edi::remittances_not_sent(c, partner.tenant, partner.created_at, BATCH).await?;
        let payee = repo::vendors::get(c, partner.tenant).await?.map(|v| v.name).unwrap_or_default();
        let mut pending = Vec::new();
        for id in ids {
            let Some(r) = repo::payments::get_remittance(c, Some(partner.tenant), id).await? else { continue };
            let mut entries = Vec::new();
            for line in repo::payments::remittance_lines(c, partner.tenant, id).await? {
                let deduction_kind = match line.kind {
                    RemittanceLineKind::Deduction => repo::deductions::get(c, Some(partner.tenant), line.reference_id).await?.map(|d| d.kind),
                    _ => None,
                };
                entries.push(RemittanceEntry { kind: line.kind, reference: line.reference, amount: line.amount, deduction_kind });
            }
            let doc = RemittanceDocument {
                number: r.number.clone(),
                payer_name: self.config.payer_name.clone(),
                payee_name: payee.clone(),
                vendor_code: r.vendor_code.clone(),
                currency: r.currency.clone(),
                pay_date: r.pay_date,
                total: r.total,
                method: PaymentMethod::Ach,
                entries,
            };
            pending.push(Pending { doc, object_type: "remittance", object_id: r.id, reference: r.number });
        }
        self.send_interchange(partner, "820", "RA", &pending, map::write_820).await
    }

    /// Writes the pending documents as one interchange, logs it with a document per object (the
    /// anti-join that found them now finds nothing) and puts it in the outbox.
    async fn send_interchange<D>(
        &self,
        partner: &TradingPartner,
        set: &str,
        functional_id: &str,
        pending: &[Pending<D>],
        write: fn(&mut Writer, &D, &str) -> Result<(), map::OutboundError>,
    ) -> Result<bool, ServiceError> {
        if pending.is_empty() {
            return Ok(false);
        }
        let ctx = Ctx::job("edi-outbound");
        let (sent, bytes) = self
            .mutate(&ctx, |tx| async move {
                let at = now();
                let (ic_control, group_control) = next_controls(tx.c(), partner).await?;
                let header = InterchangeHeader {
                    sender_qualifier: partner.our_qualifier.clone(),
                    sender: partner.our_id.clone(),
                    receiver_qualifier: partner.partner_qualifier.clone(),
                    receiver: partner.partner_id.clone(),
                    control: ic_control,
                    date: at.format("%y%m%d").to_string(),
                    time: at.format("%H%M").to_string(),
                    version: partner.interchange_version.clone(),
                    test: partner.usage == Usage::Test,
                    ack_requested: false,
                    charset: partner.charset.clone(),
                };
                let docs: Vec<&D> = pending.iter().map(|p| &p.doc).collect();
                let write_ref = |w: &mut Writer, d: &&D, control: &str| write(w, d, control);
                let bytes = match partner.standard {
                    EdiStandard::X12 => {
                        let group = GroupHeader {
                            functional_id: functional_id.to_string(),
                            sender: partner.our_group_id.clone(),
                            receiver: partner.partner_group_id.clone(),
                            control: group_control,
                            date: at.format("%Y%m%d").to_string(),
                            time: at.format("%H%M").to_string(),
                            version: partner.document_version.clone(),
                        };
                        map::x12_interchange_with(delimiters(partner), &header, &group, &docs, write_ref)
                    }
                    EdiStandard::Edifact => map::edifact_interchange_with(delimiters(partner), &header, &docs, write_ref),
                }
                .map_err(|e| ServiceError::internal(format!("writing {set} for vendor {}: {e}", partner.vendor_code)))?;
                let control = if partner.standard == EdiStandard::X12 { format!("{:09}", ic_control % 1_000_000_000) } else { ic_control.to_string() };
                let record = Interchange {
                    id: new_id(),
                    tenant: partner.tenant,
                    direction: Direction::Outbound,
                    kind: InterchangeKind::Documents,
                    standard: partner.standard,
                    source: Source::Generated,
                    filename: format!("{}_{set}_{control}.edi", partner.vendor_code),
                    sender: format!("{}/{}", partner.our_qualifier, partner.our_id),
                    receiver: format!("{}/{}", partner.partner_qualifier, partner.partner_id),
                    control_number: control,
                    group_control: if partner.standard == EdiStandard::X12 { group_control.to_string() } else { String::new() },
                    content_hash: sha256_hex_bytes(&bytes),
                    size: bytes.len() as i64,
                    test: partner.usage == Usage::Test,
                    status: InterchangeStatus::Success,
                    sets: vec![set; pending.len()].join(","),
                    summary: format!("{} × {set}: {}", pending.len(), pending.iter().map(|p| p.reference.as_str()).collect::<Vec<_>>().join(", ")),
                    findings_json: "[]".into(),
                    related_id: None,
                    created_at: at,
                    completed_at: Some(at),
                };
                repo::edi::insert_interchange(tx.c(), &record, &bytes).await?;
                for (position, p) in pending.iter().enumerate() {
                    let set_control = if partner.standard == EdiStandard::X12 { format!("{:04}", position + 1) } else { (position + 1).to_string() };
                    repo::edi::insert_document(
                        tx.c(),
                        &EdiDocument {
                            id: new_id(),
                            tenant: partner.tenant,
                            interchange_id: record.id,
                            direction: Direction::Outbound,
                            position: position as i64,
                            set_id: set.to_string(),
                            control_number: set_control,
                            status: DocumentStatus::Sent,
                            object_type: Some(p.object_type.to_string()),
                            object_id: Some(p.object_id),
                            reference: p.reference.clone(),
                            errors: Vec::new(),
                            created_at: at,
                        },
                    )
                    .await?;
                }
                let change = Change::new(partner.tenant, "edi.sent", OBJECT_TYPE, record.id).after(&record);
                Ok(((record, bytes), change))
            })
            .await?;
        self.place_in_outbox(partner, &sent, &bytes);
        Ok(true)
    }
}

/// The structured line changes a PO change event recorded (see `Services::change_po`).
fn line_changes(detail: &serde_json::Value) -> Vec<LineChange> {
    detail
        .get("lines")
        .and_then(serde_json::Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter_map(|l| {
                    let line_no = l.get("line_no")?.as_i64()?;
                    let kind = match l.get("kind")?.as_str()? {
                        "cancelled" => LineChangeKind::Cancelled,
                        "quantity_decreased" => LineChangeKind::QuantityDecreased,
                        _ => return None,
                    };
                    Some(LineChange { line_no, kind })
                })
                .collect()
        })
        .unwrap_or_default()
}
