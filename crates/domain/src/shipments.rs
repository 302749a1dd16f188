//! Shipments (ASNs), their routing and dock appointments, and receipts: the types every layer
//! shares. Spellings follow Amazon's vendorShipments model (`Created`, `TruckLoad`, `Original`…);
//! `CheckedIn` and `Received` are ACORN's own statuses after `Shipped` (SP-API routes show both as
//! `Shipped`). The ASN rules live in [`crate::asn`], receiving and defect detection in
//! [`crate::receiving`].

use crate::gs1::Sscc;
use crate::ids::TenantId;
use crate::master::Address;
use crate::text_enum;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

text_enum! {
    /// Where a shipment is.
    pub enum ShipmentStatus {
        Created = "Created",
        TransportationRequested = "TransportationRequested",
        CarrierAssigned = "CarrierAssigned",
        Shipped = "Shipped",
        /// The truck checked in at the DC (arrival).
        CheckedIn = "CheckedIn",
        /// The receipt is closed.
        Received = "Received",
        /// Withdrawn before arrival.
        Cancelled = "Cancelled",
    }
}

impl ShipmentStatus {
    /// The SP-API spelling: ACORN's statuses after `Shipped` read as `Shipped` there.
    pub fn sp_api(self) -> &'static str {
        match self {
            ShipmentStatus::CheckedIn | ShipmentStatus::Received => "Shipped",
            s => s.as_str(),
        }
    }

    /// Whether the goods have arrived (no more replacing the ASN).
    pub fn arrived(self) -> bool {
        matches!(self, ShipmentStatus::CheckedIn | ShipmentStatus::Received)
    }
}

text_enum! {
    pub enum ShipmentType { TruckLoad = "TruckLoad", LessThanTruckLoad = "LessThanTruckLoad", SmallParcel = "SmallParcel" }
}

text_enum! {
    /// First submission or a replacement of the whole ASN.
    pub enum Confirmation { Original = "Original", Replace = "Replace" }
}

/// One item in a carton: a quantity of a PO line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartonItem {
    pub po_id: Uuid,
    pub po_number: String,
    pub line_no: i64,
    pub vendor_sku: String,
    pub gtin: String,
    /// Eaches.
    pub quantity: i64,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carton {
    /// 1-based position in the shipment ("carton 3 of 40").
    pub seq: i64,
    pub sscc: Sscc,
    /// The pallet (1-based position) the carton is stacked on, if palletised.
    pub pallet: Option<i64>,
    pub items: Vec<CartonItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pallet {
    pub seq: i64,
    pub sscc: Option<Sscc>,
}

/// An advance shipment notice with its current contents (the latest `Original` or `Replace`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub id: Uuid,
    pub tenant: TenantId,
    /// The vendor's shipment identifier (unique per vendor).
    pub shipment_number: String,
    pub vendor_code: String,
    pub dc_id: Uuid,
    pub dc_code: String,
    pub ship_from: Address,
    pub status: ShipmentStatus,
    pub shipment_type: ShipmentType,
    pub confirmation: Confirmation,
    /// 1 for the original, +1 per replacement.
    pub revision: i64,
    pub ship_date: DateTime<Utc>,
    pub estimated_arrival: Option<DateTime<Utc>>,
    /// Standard carrier alpha code, 2–4 letters.
    pub carrier_scac: Option<String>,
    pub tracking_number: Option<String>,
    pub bol_number: Option<String>,
    /// Retailer routing reference (Collect freight).
    pub arn: Option<String>,
    pub freight_terms: crate::orders::FreightTerms,
    /// When the ASN must have been submitted: the earlier of 30 min after ship time and 4 h before arrival.
    pub asn_due_at: DateTime<Utc>,
    /// When the `Original` was submitted: timeliness (late or missing ASN) and the replacement window run from it,
    /// so replacing an ASN never makes it late.
    pub first_submitted_at: DateTime<Utc>,
    /// When the current revision (the `Original` or the latest `Replace`) was submitted.
    pub submitted_at: DateTime<Utc>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub received_at: Option<DateTime<Utc>>,
    pub pallets: Vec<Pallet>,
    pub cartons: Vec<Carton>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Shipment {
    /// Total eaches per (PO, line) across cartons.
    pub fn quantities(&self) -> std::collections::BTreeMap<(Uuid, i64), i64> {
        let mut out = std::collections::BTreeMap::new();
        for c in &self.cartons {
            for i in &c.items {
                *out.entry((i.po_id, i.line_no)).or_insert(0) += i.quantity;
            }
        }
        out
    }

    pub fn total_units(&self) -> i64 {
        self.cartons.iter().flat_map(|c| &c.items).map(|i| i.quantity).sum()
    }
}

/// One item of a carton as the vendor enters it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartonItemInput {
    pub po_number: String,
    pub line_no: i64,
    pub quantity: i64,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartonInput {
    /// Entered SSCC; `None` asks ACORN to generate one from the vendor's GS1 prefix.
    pub sscc: Option<String>,
    pub pallet: Option<i64>,
    pub items: Vec<CartonItemInput>,
}

/// A routing request for `Collect` freight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRequest {
    pub shipment_id: Uuid,
    pub freight_ready_date: NaiveDate,
    pub pallets: i64,
    /// Kilograms, whole.
    pub weight_kg: i64,
    /// Cubic decimetres (litres), whole.
    pub volume_dm3: i64,
    pub requested_at: DateTime<Utc>,
    pub carrier_scac: Option<String>,
    pub arn: Option<String>,
    pub assigned_at: Option<DateTime<Utc>>,
}

text_enum! {
    pub enum AppointmentStatus { Booked = "Booked", Cancelled = "Cancelled", Completed = "Completed", NoShow = "NoShow" }
}

/// A dock appointment for a `Prepaid` shipment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: Uuid,
    pub tenant: TenantId,
    pub shipment_id: Uuid,
    pub dc_id: Uuid,
    pub slot_id: Uuid,
    pub slot_start: DateTime<Utc>,
    pub slot_end: DateTime<Utc>,
    pub status: AppointmentStatus,
    /// Times it was moved to another slot.
    pub reschedules: i64,
    /// Set when it was cancelled or moved less than 24 h before its slot.
    pub late_change: bool,
    pub booked_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

text_enum! {
    pub enum ReceiptStatus { Open = "Open", Closed = "Closed" }
}

/// One scanned carton with what was found in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedCarton {
    /// The scanned SSCC (as scanned: an unknown carton keeps whatever was read).
    pub sscc: String,
    /// False when the SSCC is not on the ASN.
    pub on_asn: bool,
    pub scanned_at: DateTime<Utc>,
    pub lines: Vec<ReceivedLine>,
}

/// Units of one PO line found in a carton (or an item not on the ASN: `po_id` None).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedLine {
    pub po_id: Option<Uuid>,
    pub po_number: Option<String>,
    pub line_no: Option<i64>,
    pub gtin: String,
    pub received: i64,
    pub damaged: i64,
    /// The item was not announced in this carton by the ASN.
    pub unexpected: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: Uuid,
    pub tenant: TenantId,
    pub shipment_id: Uuid,
    pub dc_id: Uuid,
    pub status: ReceiptStatus,
    pub checked_in_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub cartons: Vec<ReceivedCarton>,
}
