//! Compliance defects: the ways an order-to-dock flow goes wrong on the vendor's side, detected from
//! the data (never keyed in), each with the evidence that proves it. Money for defects comes with
//! the finance capability (the chargeback fee schedule); here they are counted and explained.

use crate::text_enum;
use serde::{Deserialize, Serialize};

text_enum! {
    /// What went wrong.
    pub enum DefectKind {
        /// Ordered units the acknowledgement did not confirm (rejected or left out).
        UnconfirmedUnits = "unconfirmed_units",
        /// The acknowledgement of a PO revision arrived after its due time.
        LateAcknowledgement = "late_acknowledgement",
        /// Goods arrived with no ASN before arrival.
        MissingAsn = "missing_asn",
        /// The ASN arrived after it was due (30 min after ship time / 4 h before arrival).
        LateAsn = "late_asn",
        /// Fewer units received than the ASN announced.
        AsnShortage = "asn_shortage",
        /// More units received than the ASN announced, or shipped beyond what was acknowledged.
        AsnOverage = "asn_overage",
        /// An item or carton received that the ASN did not announce.
        WrongItem = "wrong_item",
        /// The PO was not delivered complete within its delivery window (PO on-time accuracy).
        NotOnTime = "not_on_time",
        /// A dock appointment cancelled or moved less than 24 h before its slot.
        LateCancellation = "late_cancellation",
        /// No check-in within 2 h after the appointment's slot started.
        NoShow = "no_show",
    }
}

/// A defect a submission would cause, shown before it is submitted (the pre-flight check).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefectPreview {
    pub kind: DefectKind,
    /// The PO line concerned, when it is about one line.
    pub line_no: Option<i64>,
    /// Units concerned (0 when the defect is not about units).
    pub units: i64,
    /// Plain words: what will be recorded and why.
    pub detail: String,
}
