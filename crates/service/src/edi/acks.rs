//! Acknowledging an inbound interchange: the functional acknowledgements (997 or 999 per the
//! partner's setting, with a TA1 when ISA14 asks for one; a CONTRL for EDIFACT when UNB asks),
//! built by the engine from the validation alone, logged as an outbound interchange that points at
//! what it acknowledges, and placed in the partner's outbox.

use acorn_domain::edi::{AckKind, Direction, EdiStandard, Interchange, InterchangeKind, InterchangeStatus, Source, TradingPartner};
use acorn_domain::ids::new_id;
use acorn_edi::Validation;
use acorn_edi::ack::{self, AckIds};
use acorn_store::repo;

use super::{OBJECT_TYPE, files, outbound};
use crate::crypto::sha256_hex_bytes;
use crate::{Change, Ctx, ServiceError, Services, now};

impl Services {
    /// Writes and logs the acknowledgement of each interchange in `v`; returns the first (the one
    /// the inbound record links to), or `None` when nothing is owed (no TA1 asked, no group to
    /// acknowledge, an acknowledgement received).
    pub(super) async fn acknowledge_interchange(
        &self,
        ctx: &Ctx,
        partner: &TradingPartner,
        record: &Interchange,
        v: &Validation,
    ) -> Result<Option<Interchange>, ServiceError> {
        let mut first = None;
        for i in 0..v.interchanges.len() {
            let sent = self
                .mutate_if_changed(ctx, |tx| async move {
                    let at = now();
                    let (ic_control, group_control) = outbound::next_controls(tx.c(), partner).await?;
                    let received = &v.interchanges[i];
                    let mut ids = AckIds::reply_to(received, ic_control, group_control, &at.format("%Y%m%d").to_string(), &at.format("%H%M").to_string());
                    ids.delimiters = Some(outbound::delimiters(partner));
                    let written = match partner.standard {
                        EdiStandard::X12 => {
                            let kind = match partner.ack_kind {
                                AckKind::Fa997 => ack::AckKind::Fa997,
                                AckKind::Ia999 => ack::AckKind::Ia999,
                            };
                            ack::x12_acks(v, i, kind, &ids)
                        }
                        EdiStandard::Edifact => ack::contrl(v, i, &ids),
                    }
                    .map_err(|e| ServiceError::internal(format!("acknowledging interchange {}: {e}", received.control)))?;
                    let Some(bytes) = written else { return Ok((None, None)) };
                    let sets = acorn_edi::envelope::check(&bytes)
                        .map(|r| r.interchanges.iter().flat_map(|i| i.groups.iter().flat_map(|g| g.sets.iter().map(|s| s.id.clone()))).collect::<Vec<_>>())
                        .unwrap_or_default();
                    let label = if sets.is_empty() { "TA1".to_string() } else { sets.join(",") };
                    let control = format!("{:09}", ic_control % 1_000_000_000);
                    let ack = Interchange {
                        id: new_id(),
                        tenant: partner.tenant,
                        direction: Direction::Outbound,
                        kind: InterchangeKind::Acknowledgement,
                        standard: partner.standard,
                        source: Source::Generated,
                        filename: format!("{}_{}_{}.edi", partner.vendor_code, label.replace(',', "-"), control),
                        sender: record.receiver.clone(),
                        receiver: record.sender.clone(),
                        control_number: if partner.standard == EdiStandard::X12 { control } else { ic_control.to_string() },
                        group_control: group_control.to_string(),
                        content_hash: sha256_hex_bytes(&bytes),
                        size: bytes.len() as i64,
                        test: received.test,
                        status: InterchangeStatus::Success,
                        sets: label,
                        summary: format!("acknowledges interchange {} ({})", received.control, record.sets),
                        findings_json: "[]".into(),
                        related_id: Some(record.id),
                        created_at: at,
                        completed_at: Some(at),
                    };
                    repo::edi::insert_interchange(tx.c(), &ack, &bytes).await?;
                    let change = Change::new(partner.tenant, "edi.ack_sent", OBJECT_TYPE, ack.id).after(&ack);
                    Ok((Some((ack, bytes)), Some(change)))
                })
                .await?;
            if let Some((ack, bytes)) = sent {
                self.place_in_outbox(partner, &ack, &bytes);
                first.get_or_insert(ack);
            }
        }
        Ok(first)
    }

    /// Puts a sent interchange in the partner's outbox directory. The bytes are in the log
    /// already (downloadable there), so a full disk is logged, not fatal.
    pub(super) fn place_in_outbox(&self, partner: &TradingPartner, sent: &Interchange, bytes: &[u8]) {
        let dir = files::outbox(&self.config.data_dir, &partner.vendor_code);
        if let Err(e) = files::write_outbox(&dir, &sent.filename, bytes) {
            tracing::error!(vendor = %partner.vendor_code, file = %sent.filename, error = %e, "writing to the EDI outbox");
        }
    }
}
