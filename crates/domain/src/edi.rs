//! The EDI gateway's business objects: a vendor's trading-partner settings, the log of interchanges
//! received and sent with the documents inside them, and vendor-reported stock (846).
//!
//! The EDI engine (`acorn-edi`) parses and writes; these types say who trades with whom, how, and
//! what became of every interchange. The settings check here is the one the portal form, the API
//! and the CLI share.

use crate::ids::TenantId;
use crate::text_enum;
use crate::validate::{FieldIssue, Issues};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

text_enum! {
    /// The EDI standard a partner trades in.
    pub enum EdiStandard { X12 = "x12", Edifact = "edifact" }
}

text_enum! {
    /// Which functional acknowledgement an X12 partner wants.
    pub enum AckKind { Fa997 = "997", Ia999 = "999" }
}

text_enum! {
    /// Test interchanges are acknowledged but change no data.
    pub enum Usage { Test = "test", Production = "production" }
}

text_enum! {
    pub enum Direction { Inbound = "inbound", Outbound = "outbound" }
}

text_enum! {
    /// Where an interchange came from.
    pub enum Source {
        /// HTTP upload, portal or API.
        Upload = "upload",
        /// The partner's watched drop directory.
        Drop = "drop",
        /// Written by ACORN (documents and acknowledgements).
        Generated = "generated",
    }
}

text_enum! {
    /// An interchange's processing state (the transaction of the SP-API-style log).
    pub enum InterchangeStatus { Processing = "processing", Success = "success", Failure = "failure" }
}

text_enum! {
    /// What one interchange is, for the log's filters.
    pub enum InterchangeKind {
        /// Business documents (850, 855, 856, 810…).
        Documents = "documents",
        /// Acknowledgements (997, 999, TA1, CONTRL).
        Acknowledgement = "acknowledgement",
    }
}

text_enum! {
    /// What became of one document (set / message) of an interchange.
    pub enum DocumentStatus {
        /// Inbound: its ACORN object was created or updated.
        Applied = "applied",
        /// Inbound: the same content arrived before; nothing new was created.
        Unchanged = "unchanged",
        /// Inbound: refused by validation or by the business rules (errors say which).
        Rejected = "rejected",
        /// Inbound in a test interchange: validated and acknowledged, no data changed.
        Tested = "tested",
        /// Inbound acknowledgement (997/999/CONTRL) read and applied to what we sent.
        Recorded = "recorded",
        /// Outbound: written and placed in the outbox.
        Sent = "sent",
        /// Outbound: the partner's functional acknowledgement accepted it.
        Accepted = "accepted",
        /// Outbound: the partner's functional acknowledgement rejected it.
        RefusedByPartner = "refused_by_partner",
    }
}

/// A vendor's EDI settings. ACORN is the retailer side of every interchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TradingPartner {
    pub tenant: TenantId,
    pub vendor_code: String,
    pub standard: EdiStandard,
    /// The vendor's interchange id: ISA05/ISA06 (X12) or UNB S002 (EDIFACT), e.g. `ZZ` / `ACME1EDI`.
    pub partner_qualifier: String,
    pub partner_id: String,
    /// ACORN's interchange id as this vendor addresses it, e.g. `ZZ` / `ACORNRETAIL`.
    pub our_qualifier: String,
    pub our_id: String,
    /// GS02/GS03 application codes (X12); default to the interchange ids.
    pub partner_group_id: String,
    pub our_group_id: String,
    /// X12 ISA12 (`00401`, `00501`) or the EDIFACT syntax version (`3`, `4`).
    pub interchange_version: String,
    /// X12 GS08 (`004010`, `005010`) or the EDIFACT directory (`D:96A:UN`).
    pub document_version: String,
    /// EDIFACT syntax identifier (`UNOA`…`UNOD`); unused for X12.
    pub charset: String,
    pub usage: Usage,
    pub ack_kind: AckKind,
    /// Delimiters ACORN writes with: element, component, repetition (X12 5010; blank for none), terminator.
    pub element_separator: String,
    pub component_separator: String,
    pub repetition_separator: String,
    pub segment_terminator: String,
    /// While live, the portal is read-only for the documents EDI carries (acknowledgements, ASNs,
    /// invoices): they arrive by EDI only.
    pub edi_live: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// The settings as a form or the API enters them (text, checked by [`TradingPartner::check`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct PartnerInput {
    pub standard: String,
    pub partner_qualifier: String,
    pub partner_id: String,
    pub our_qualifier: String,
    pub our_id: String,
    #[serde(default)]
    pub partner_group_id: String,
    #[serde(default)]
    pub our_group_id: String,
    #[serde(default)]
    pub interchange_version: String,
    #[serde(default)]
    pub document_version: String,
    #[serde(default)]
    pub charset: String,
    #[serde(default)]
    pub usage: String,
    #[serde(default)]
    pub ack_kind: String,
    #[serde(default)]
    pub element_separator: String,
    #[serde(default)]
    pub component_separator: String,
    #[serde(default)]
    pub repetition_separator: String,
    #[serde(default)]
    pub segment_terminator: String,
    #[serde(default)]
    pub edi_live: bool,
}

/// The checked settings, before tenant and timestamps are attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerSettings {
    pub standard: EdiStandard,
    pub partner_qualifier: String,
    pub partner_id: String,
    pub our_qualifier: String,
    pub our_id: String,
    pub partner_group_id: String,
    pub our_group_id: String,
    pub interchange_version: String,
    pub document_version: String,
    pub charset: String,
    pub usage: Usage,
    pub ack_kind: AckKind,
    pub element_separator: String,
    pub component_separator: String,
    pub repetition_separator: String,
    pub segment_terminator: String,
    pub edi_live: bool,
}

/// Interchange ids: what the standards allow (X12 ISA06/08: 15, EDIFACT: 35), printable, no delimiters.
fn party_id(issues: &mut Issues, field: &str, value: &str, max: usize) -> String {
    let v = value.trim().to_string();
    if v.is_empty() {
        issues.push(FieldIssue::new(field, format!("is required (1 to {max} characters)")));
    } else if v.chars().count() > max {
        issues.push(FieldIssue::new(field, format!("is {} characters; at most {max} are allowed", v.chars().count())));
    } else if !v.chars().all(|c| c.is_ascii_alphanumeric() || " -._/".contains(c)) {
        issues.push(FieldIssue::new(field, "may only contain letters, digits, space and - . _ /"));
    }
    v
}

fn qualifier(issues: &mut Issues, field: &str, value: &str, standard: EdiStandard) -> String {
    let v = value.trim().to_uppercase();
    let ok = match standard {
        EdiStandard::X12 => v.len() == 2 && v.chars().all(|c| c.is_ascii_alphanumeric()),
        EdiStandard::Edifact => v.len() <= 4 && v.chars().all(|c| c.is_ascii_alphanumeric()),
    };
    if !ok {
        let want = if standard == EdiStandard::X12 { "two letters or digits, e.g. ZZ, 01, 12" } else { "up to 4 letters or digits, e.g. 14 (GLN), ZZZ" };
        issues.push(FieldIssue::new(field, format!("`{v}` is not a qualifier: {want}")));
    }
    v
}

fn delimiter(issues: &mut Issues, field: &str, value: &str, default: &str, optional: bool) -> String {
    let v = if value.is_empty() { default.to_string() } else { value.to_string() };
    if v.is_empty() && optional {
        return v;
    }
    let ok = v.chars().count() == 1 && v.chars().all(|c| c.is_ascii() && !c.is_ascii_alphanumeric() && (c.is_ascii_graphic() || c == '\n'));
    if !ok {
        issues.push(FieldIssue::new(field, format!("`{v}` must be one punctuation character (or a line break for the terminator)")));
    }
    v
}

impl PartnerInput {
    /// Checks and normalises the settings; defaults follow Amazon's retail guides.
    pub fn check(&self) -> Result<PartnerSettings, Vec<FieldIssue>> {
        let mut issues = Issues::new();
        let standard = issues.field("standard", EdiStandard::parse_or_explain(&self.standard.to_lowercase())).unwrap_or(EdiStandard::X12);
        let x12 = standard == EdiStandard::X12;
        let max_id = if x12 { 15 } else { 35 };
        let partner_qualifier = qualifier(&mut issues, "partner_qualifier", &self.partner_qualifier, standard);
        let partner_id = party_id(&mut issues, "partner_id", &self.partner_id, max_id);
        let our_qualifier = qualifier(&mut issues, "our_qualifier", &self.our_qualifier, standard);
        let our_id = party_id(&mut issues, "our_id", &self.our_id, max_id);
        if !partner_id.is_empty() && partner_qualifier == our_qualifier && partner_id.eq_ignore_ascii_case(&our_id) {
            issues.push(FieldIssue::new("partner_id", "is the same as ACORN's id; the two sides of an interchange must differ"));
        }
        let group = |issues: &mut Issues, field: &str, v: &str, fallback: &str| {
            if v.trim().is_empty() { fallback.to_string() } else { party_id(issues, field, v, 15) }
        };
        let partner_group_id = group(&mut issues, "partner_group_id", &self.partner_group_id, &partner_id);
        let our_group_id = group(&mut issues, "our_group_id", &self.our_group_id, &our_id);
        let (iv_default, dv_default) = if x12 { ("00401", "004010") } else { ("3", "D:96A:UN") };
        let interchange_version = if self.interchange_version.trim().is_empty() { iv_default.to_string() } else { self.interchange_version.trim().to_string() };
        let document_version = if self.document_version.trim().is_empty() { dv_default.to_string() } else { self.document_version.trim().to_uppercase() };
        if x12 {
            if !matches!(interchange_version.as_str(), "00400" | "00401" | "00501") {
                issues.push(FieldIssue::new("interchange_version", format!("`{interchange_version}` is not an ISA12 ACORN writes: 00401 or 00501")));
            }
            if !matches!(&document_version[..document_version.len().min(6)], "004010" | "005010") {
                issues.push(FieldIssue::new("document_version", format!("`{document_version}` is not a GS08 ACORN writes: 004010 or 005010")));
            }
        } else {
            if !matches!(interchange_version.as_str(), "3" | "4") {
                issues.push(FieldIssue::new("interchange_version", format!("`{interchange_version}` is not an EDIFACT syntax version: 3 or 4")));
            }
            if document_version != "D:96A:UN" {
                issues.push(FieldIssue::new("document_version", format!("`{document_version}` is not a directory ACORN has guides for: D:96A:UN")));
            }
        }
        let charset = if x12 {
            String::new()
        } else {
            let c = if self.charset.trim().is_empty() { "UNOC".to_string() } else { self.charset.trim().to_uppercase() };
            if !matches!(c.as_str(), "UNOA" | "UNOB" | "UNOC" | "UNOD") {
                issues.push(FieldIssue::new("charset", format!("`{c}` is not one of UNOA, UNOB, UNOC, UNOD")));
            }
            c
        };
        let usage =
            if self.usage.trim().is_empty() { Some(Usage::Production) } else { issues.field("usage", Usage::parse_or_explain(&self.usage.to_lowercase())) };
        let ack_kind = if self.ack_kind.trim().is_empty() { Some(AckKind::Fa997) } else { issues.field("ack_kind", AckKind::parse_or_explain(&self.ack_kind)) };
        let (de, dc, dt) = if x12 { ("*", ">", "~") } else { ("+", ":", "'") };
        let element_separator = delimiter(&mut issues, "element_separator", &self.element_separator, de, false);
        let component_separator = delimiter(&mut issues, "component_separator", &self.component_separator, dc, false);
        let rep_default = if x12 && interchange_version == "00501" { "^" } else { "" };
        let repetition_separator = delimiter(&mut issues, "repetition_separator", &self.repetition_separator, rep_default, true);
        let segment_terminator = delimiter(&mut issues, "segment_terminator", &self.segment_terminator, dt, false);
        let mut seen: Vec<&str> = vec![&element_separator, &component_separator, &segment_terminator];
        if !repetition_separator.is_empty() {
            seen.push(&repetition_separator);
        }
        if !x12 {
            seen.push("?");
        }
        let mut unique = seen.clone();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() != seen.len() {
            issues.push(FieldIssue::new("element_separator", "the delimiters (and EDIFACT's release character ?) must all differ"));
        }
        let settings = PartnerSettings {
            standard,
            partner_qualifier,
            partner_id,
            our_qualifier,
            our_id,
            partner_group_id,
            our_group_id,
            interchange_version,
            document_version,
            charset,
            usage: usage.unwrap_or(Usage::Production),
            ack_kind: ack_kind.unwrap_or(AckKind::Fa997),
            element_separator,
            component_separator,
            repetition_separator,
            segment_terminator,
            edi_live: self.edi_live,
        };
        issues.into_result().map(|_| settings)
    }
}

impl TradingPartner {
    /// The registry key routing inbound interchanges to this vendor: qualifier and id of the sender.
    pub fn party_key(standard: EdiStandard, qualifier: &str, id: &str) -> String {
        format!("{}:{}/{}", standard.as_str(), qualifier.trim().to_uppercase(), id.trim().to_uppercase())
    }
}

/// One interchange received or sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Interchange {
    /// Also the transaction id reported to the sender.
    pub id: Uuid,
    pub tenant: TenantId,
    pub direction: Direction,
    pub kind: InterchangeKind,
    pub standard: EdiStandard,
    pub source: Source,
    pub filename: String,
    /// `qualifier/id`.
    pub sender: String,
    pub receiver: String,
    pub control_number: String,
    /// The (first) functional group's control number (GS06), by which a 997/999 names it.
    pub group_control: String,
    pub content_hash: String,
    pub size: i64,
    pub test: bool,
    pub status: InterchangeStatus,
    /// Set ids inside, comma-separated in order (`855,856`), for lists.
    pub sets: String,
    /// One line on what happened (errors first).
    pub summary: String,
    /// The engine's findings as JSON (`acorn_edi::Finding` list).
    pub findings_json: String,
    /// Inbound: the acknowledgement interchange ACORN sent back. Outbound ack: the interchange it acknowledges.
    pub related_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// One document (set / message) of an interchange and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EdiDocument {
    pub id: Uuid,
    pub tenant: TenantId,
    pub interchange_id: Uuid,
    pub direction: Direction,
    /// 0-based position of the set in the interchange.
    pub position: i64,
    /// `850`, `856`, `ORDERS`…
    pub set_id: String,
    pub control_number: String,
    pub status: DocumentStatus,
    /// The ACORN object: `purchase_order`, `po_event`, `acknowledgement`, `shipment`, `invoice`, `stock_report`, `remittance`.
    pub object_type: Option<String>,
    pub object_id: Option<Uuid>,
    /// The business reference shown in lists (PO number, shipment id, invoice number).
    pub reference: String,
    /// Errors as plain sentences, each naming where it is.
    pub errors: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Stock a vendor reported for one item at one of its warehouses (EDI 846).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VendorStock {
    pub tenant: TenantId,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    /// The vendor's warehouse code (846 N1 / LOC).
    pub warehouse: String,
    pub available: i64,
    pub interchange_id: Uuid,
    pub reported_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x12() -> PartnerInput {
        PartnerInput {
            standard: "x12".into(),
            partner_qualifier: "zz".into(),
            partner_id: "ACME1EDI".into(),
            our_qualifier: "ZZ".into(),
            our_id: "ACORNRETAIL".into(),
            ..PartnerInput::default()
        }
    }

    #[test]
    fn defaults_follow_amazon_retail_x12() {
        let s = x12().check().unwrap();
        assert_eq!(s.partner_qualifier, "ZZ");
        assert_eq!((s.interchange_version.as_str(), s.document_version.as_str()), ("00401", "004010"));
        assert_eq!((s.element_separator.as_str(), s.component_separator.as_str(), s.segment_terminator.as_str()), ("*", ">", "~"));
        assert_eq!(s.repetition_separator, "");
        assert_eq!(s.partner_group_id, "ACME1EDI");
        assert_eq!((s.usage, s.ack_kind), (Usage::Production, AckKind::Fa997));
        let v5 = PartnerInput { interchange_version: "00501".into(), document_version: "005010".into(), ..x12() }.check().unwrap();
        assert_eq!(v5.repetition_separator, "^");
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = PartnerInput {
            partner_qualifier: "ZZZ".into(),
            partner_id: "AN-ID-MUCH-TOO-LONG-FOR-ISA".into(),
            our_id: String::new(),
            element_separator: "~".into(),
            ack_kind: "998".into(),
            ..x12()
        };
        let fields: Vec<_> = bad.check().unwrap_err().into_iter().map(|i| i.field).collect();
        for f in ["partner_qualifier", "partner_id", "our_id", "ack_kind", "element_separator"] {
            assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn edifact_defaults_and_release_character() {
        let s = PartnerInput {
            standard: "EDIFACT".into(),
            partner_qualifier: "14".into(),
            partner_id: "4012345000009".into(),
            our_qualifier: "14".into(),
            our_id: "5450534000024".into(),
            ..PartnerInput::default()
        }
        .check()
        .unwrap();
        assert_eq!((s.document_version.as_str(), s.charset.as_str(), s.segment_terminator.as_str()), ("D:96A:UN", "UNOC", "'"));
        let clash = PartnerInput { standard: "edifact".into(), component_separator: "?".into(), ..x12() };
        assert!(clash.check().is_err());
    }

    #[test]
    fn party_keys_ignore_case_and_padding() {
        assert_eq!(TradingPartner::party_key(EdiStandard::X12, "zz", " acme1 "), "x12:ZZ/ACME1");
    }
}
