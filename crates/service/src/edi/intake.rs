//! An interchange in: deduplicate, validate, apply each accepted document through the service
//! rules, acknowledge, log.
//!
//! The unit is the file (one HTTP upload or one dropped file), which normally holds one
//! interchange. Its identity is the first interchange's sender, receiver and control number plus
//! the SHA-256 of the bytes:
//! - the same bytes again (a resend) create nothing and answer with the first arrival's
//!   transaction and acknowledgement;
//! - different bytes under a used control number are refused (the partner must number a
//!   corrected interchange anew), and the refusal is logged.
//!
//! Test interchanges (ISA15 = T, UNB test indicator 1) are validated and acknowledged but change
//! no data. Documents are applied one by one, each in its own transaction through the same use
//! case the portal and API call, so one refused ASN doesn't undo the acknowledgement beside it.

use acorn_domain::edi::{Direction, DocumentStatus, EdiDocument, EdiStandard, Interchange, InterchangeKind, InterchangeStatus, Source, TradingPartner};
use acorn_domain::events::Audience;
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::policy::{Access, Area};
use acorn_edi::{Detected, Finding, Standard, Validation, Verdict};
use acorn_store::repo;
use serde::Serialize;

use super::apply::Outcome;
use super::{MAX_INTERCHANGE_BYTES, OBJECT_TYPE, edi_ctx, engine};
use crate::authz::require_object;
use crate::crypto::sha256_hex_bytes;
use crate::{Change, Ctx, ServiceError, Services, now};

/// What one intake produced.
#[derive(Clone, Debug, Serialize)]
pub struct Received {
    /// The transaction: `processing` → `success` / `failure`.
    pub interchange: Interchange,
    pub documents: Vec<EdiDocument>,
    /// The acknowledgement interchange sent back (997/999 with TA1, or CONTRL), if any.
    pub ack: Option<Interchange>,
    /// True when these exact bytes arrived before: nothing new was created.
    pub duplicate: bool,
}

/// The sender, receiver and control number the file declares (empty when it isn't EDI at all).
struct Identity {
    standard: EdiStandard,
    sender: String,
    receiver: String,
    control: String,
    test: bool,
}

fn identity(partner: &TradingPartner, v: Option<&Validation>) -> Identity {
    match v.and_then(|v| v.interchanges.first().map(|i| (v.standard, i))) {
        Some((standard, ic)) => Identity {
            standard: if standard == Standard::X12 { EdiStandard::X12 } else { EdiStandard::Edifact },
            sender: format!("{}/{}", ic.sender.qualifier.trim(), ic.sender.id.trim()),
            receiver: format!("{}/{}", ic.receiver.qualifier.trim(), ic.receiver.id.trim()),
            control: ic.control.clone(),
            test: ic.test,
        },
        None => Identity {
            standard: partner.standard,
            sender: format!("{}/{}", partner.partner_qualifier, partner.partner_id),
            receiver: format!("{}/{}", partner.our_qualifier, partner.our_id),
            control: String::new(),
            test: false,
        },
    }
}

/// Whether the interchange is addressed from this partner to ACORN, or why not.
fn misaddressed(partner: &TradingPartner, v: &Validation) -> Option<String> {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    for ic in &v.interchanges {
        if !(same(&ic.sender.id, &partner.partner_id) && (ic.sender.qualifier.trim().is_empty() || same(&ic.sender.qualifier, &partner.partner_qualifier))) {
            return Some(format!(
                "interchange {}: the sender {}/{} is not vendor {}'s EDI id {}/{}",
                ic.control,
                ic.sender.qualifier.trim(),
                ic.sender.id.trim(),
                partner.vendor_code,
                partner.partner_qualifier,
                partner.partner_id
            ));
        }
        if !(same(&ic.receiver.id, &partner.our_id) && (ic.receiver.qualifier.trim().is_empty() || same(&ic.receiver.qualifier, &partner.our_qualifier))) {
            return Some(format!(
                "interchange {}: the receiver {}/{} is not ACORN's id for vendor {} ({}/{})",
                ic.control,
                ic.receiver.qualifier.trim(),
                ic.receiver.id.trim(),
                partner.vendor_code,
                partner.our_qualifier,
                partner.our_id
            ));
        }
    }
    None
}

fn findings_json(findings: &[Finding]) -> String {
    serde_json::to_string(findings).unwrap_or_else(|_| "[]".into())
}

impl Services {
    /// Receives one file of EDI from a vendor (upload or drop directory).
    pub async fn receive_edi(&self, ctx: &Ctx, tenant: TenantId, bytes: Vec<u8>, source: Source, filename: &str) -> Result<Received, ServiceError> {
        require_object(ctx, Area::Integrations, Access::Write, tenant, "vendor")?;
        if bytes.is_empty() {
            return Err(ServiceError::invalid("file", "is empty"));
        }
        if bytes.len() > MAX_INTERCHANGE_BYTES {
            return Err(ServiceError::invalid("file", format!("is {} bytes; an interchange may be at most {MAX_INTERCHANGE_BYTES} bytes", bytes.len())));
        }
        let c = &self.db.conn;
        let partner = repo::edi::partner(c, tenant).await?.ok_or_else(|| ServiceError::Rejected {
            code: "edi_not_set_up",
            message: "this vendor has no EDI settings; set up its trading partner first".into(),
        })?;
        let hash = sha256_hex_bytes(&bytes);
        // Parsing and validation are CPU-bound (a 64 MiB file takes a fraction of a second): off the runtime.
        let (bytes, checked) = tokio::task::spawn_blocking(move || {
            let checked = engine::validate(&bytes);
            (bytes, checked)
        })
        .await
        .map_err(ServiceError::internal)?;
        let (validation, detect_error) = match checked {
            Ok((v, d)) => (Some((v, d)), None),
            Err(e) => (None, Some(e)),
        };
        let id = identity(&partner, validation.as_ref().map(|(v, _)| v));

        // A resend, or new content under a used control number?
        let earlier = repo::edi::same_control(c, Direction::Inbound, &id.sender, &id.receiver, &id.control).await?;
        if let Some(first) = earlier.iter().find(|e| e.content_hash == hash && e.tenant == tenant) {
            return self.received(tenant, first.clone(), true).await;
        }
        // Same identity, other bytes (the same-bytes case returned above).
        let reused = if id.control.is_empty() { None } else { earlier.first() };

        let mut findings: Vec<Finding> = validation.as_ref().map(|(v, _)| v.findings.clone()).unwrap_or_default();
        let refusal = if let Some(e) = &detect_error {
            Some(format!("not an X12 or EDIFACT interchange: {e}"))
        } else if let Some(first) = reused {
            Some(format!(
                "control number {} was already used by interchange {} received {} with different content; send a corrected interchange under a new control number",
                id.control,
                first.id,
                first.created_at.format("%Y-%m-%d %H:%M UTC")
            ))
        } else {
            validation.as_ref().and_then(|(v, _)| misaddressed(&partner, v))
        };
        let sets: Vec<String> = validation
            .as_ref()
            .map(|(v, _)| v.interchanges.iter().flat_map(|i| i.groups.iter().flat_map(|g| g.sets.iter().map(|s| s.id.to_string()))).collect())
            .unwrap_or_default();
        let record = Interchange {
            id: new_id(),
            tenant,
            direction: Direction::Inbound,
            kind: if sets.iter().all(|s| engine::is_ack_set(s)) && !sets.is_empty() { InterchangeKind::Acknowledgement } else { InterchangeKind::Documents },
            standard: id.standard,
            source,
            filename: filename.chars().take(200).collect(),
            sender: id.sender.clone(),
            receiver: id.receiver.clone(),
            control_number: id.control.clone(),
            group_control: validation.as_ref().and_then(|(v, _)| v.interchanges.first()?.groups.first().map(|g| g.control.clone())).unwrap_or_default(),
            content_hash: hash,
            size: bytes.len() as i64,
            test: id.test,
            status: InterchangeStatus::Processing,
            sets: sets.join(","),
            summary: refusal.clone().unwrap_or_default(),
            findings_json: findings_json(&findings),
            related_id: None,
            created_at: now(),
            completed_at: None,
        };
        let (record, raw) = (&record, &bytes);
        self.mutate(ctx, |tx| async move {
            repo::edi::insert_interchange(tx.c(), record, raw).await?;
            let change = Change::new(tenant, "edi.received", OBJECT_TYPE, record.id).after(record);
            Ok(((), change))
        })
        .await?;
        let record = record.clone();

        let mut documents = Vec::new();
        let mut ack = None;
        if let (None, Some((v, detected))) = (&refusal, &validation) {
            let actor = edi_ctx(&partner, &ctx.request_id);
            documents = self.apply_sets(&actor, &partner, &record, &bytes, v, detected).await?;
            ack = self.acknowledge_interchange(ctx, &partner, &record, v).await?;
        }
        if let Some(reason) = &refusal {
            findings.insert(0, engine::refusal_finding(reason));
        }
        let ok = refusal.is_none()
            && validation.as_ref().is_some_and(|(v, _)| (0..v.interchanges.len()).all(|i| v.interchange_verdict(i) != Verdict::Rejected))
            && documents.iter().all(|d| d.status != DocumentStatus::Rejected);
        let status = if ok { InterchangeStatus::Success } else { InterchangeStatus::Failure };
        let summary = refusal.unwrap_or_else(|| summarise(&documents, validation.as_ref().map(|(v, _)| v)));
        let findings = findings_json(&findings);
        let (docs, ack_id, summary, findings) = (&documents, ack.as_ref().map(|a: &Interchange| a.id), &summary, &findings);
        let (record_id, file) = (record.id, &record.filename);
        self.mutate(ctx, |tx| async move {
            for d in docs {
                repo::edi::insert_document(tx.c(), d).await?;
            }
            let at = now();
            let finished = repo::edi::Finished { status, summary, findings_json: findings, related_id: ack_id, at };
            repo::edi::finish_interchange(tx.c(), record_id, &finished).await?;
            let mut change = Change::new(tenant, "edi.processed", OBJECT_TYPE, record_id)
                .after(&serde_json::json!({"status": status.as_str(), "summary": summary, "documents": docs.len(), "ack": ack_id}));
            if status == InterchangeStatus::Failure {
                // The vendor must hear of a refused file: its EDI software may not read 997s closely.
                change = change.event(
                    "edi.failed",
                    format!("EDI interchange {file} was refused: {summary}"),
                    format!("/edi/{record_id}"),
                    Audience::Vendor,
                    serde_json::json!({"interchange": record_id, "file": file}),
                );
            }
            Ok(((), change))
        })
        .await?;
        self.received(tenant, record, false).await
    }

    /// The stored result of an intake (for the response, and for resends).
    async fn received(&self, tenant: TenantId, record: Interchange, duplicate: bool) -> Result<Received, ServiceError> {
        let c = &self.db.conn;
        let interchange = repo::edi::interchange(c, Some(tenant), record.id).await?.unwrap_or(record);
        let documents = repo::edi::documents_of(c, interchange.id).await?;
        let ack = match interchange.related_id {
            Some(a) => repo::edi::interchange(c, Some(tenant), a).await?,
            None => None,
        };
        Ok(Received { interchange, documents, ack, duplicate })
    }

    /// Applies every set of a validated input, in order, and says what became of each.
    pub(super) async fn apply_sets(
        &self,
        actor: &Ctx,
        partner: &TradingPartner,
        record: &Interchange,
        input: &[u8],
        v: &Validation,
        detected: &Detected,
    ) -> Result<Vec<EdiDocument>, ServiceError> {
        let mut documents = Vec::new();
        let mut position = 0i64;
        for (i, ic) in v.interchanges.iter().enumerate() {
            let ic_rejected = v.interchange_verdict(i) == Verdict::Rejected;
            for (g, group) in ic.groups.iter().enumerate() {
                let group_rejected = v.group_verdict(i, g) == Verdict::Rejected && v.group_findings(i, g).any(Finding::is_error);
                for (s, set) in group.sets.iter().enumerate() {
                    let mut errors: Vec<String> = Vec::new();
                    if ic_rejected {
                        errors.extend(v.interchange_findings(i).filter(|f| f.is_error()).map(ToString::to_string));
                    }
                    if group_rejected {
                        errors.extend(v.group_findings(i, g).filter(|f| f.is_error()).map(ToString::to_string));
                    }
                    errors.extend(v.set_findings(i, g, s).filter(|f| f.is_error()).map(ToString::to_string));
                    let outcome = if !errors.is_empty() {
                        Outcome::rejected(String::new(), errors)
                    } else if ic.test {
                        Outcome { status: DocumentStatus::Tested, object_type: None, object_id: None, reference: String::new(), errors: Vec::new() }
                    } else {
                        let segments = acorn_edi::Tokenizer::set_segments(input, detected, set);
                        self.apply_set(actor, partner, record, &set.id, &segments).await?
                    };
                    documents.push(EdiDocument {
                        id: new_id(),
                        tenant: partner.tenant,
                        interchange_id: record.id,
                        direction: Direction::Inbound,
                        position,
                        set_id: set.id.to_string(),
                        control_number: set.control.to_string(),
                        status: outcome.status,
                        object_type: outcome.object_type,
                        object_id: outcome.object_id,
                        reference: outcome.reference,
                        errors: outcome.errors,
                        created_at: now(),
                    });
                    position += 1;
                }
            }
        }
        Ok(documents)
    }
}

/// One line for the log: how many documents, what became of them, the first error.
fn summarise(documents: &[EdiDocument], v: Option<&Validation>) -> String {
    let mut parts = Vec::new();
    for status in DocumentStatus::ALL {
        let n = documents.iter().filter(|d| d.status == *status).count();
        if n > 0 {
            parts.push(format!("{n} {}", status.as_str().replace('_', " ")));
        }
    }
    let mut line = if documents.is_empty() { "no documents".to_string() } else { format!("{} document(s): {}", documents.len(), parts.join(", ")) };
    let first_error = documents.iter().flat_map(|d| d.errors.first()).next().cloned().or_else(|| v.and_then(|v| v.errors().next().map(ToString::to_string)));
    if let Some(e) = first_error {
        line.push_str(&format!(" — {e}"));
    }
    line
}
