//! Retailer master data: vendors (the tenants) with their vendor codes, payee codes and GS1 company
//! prefixes, and the retailer's distribution centres with their dock slots.

use crate::ids::TenantId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorStatus {
    Active,
    Suspended,
}

impl VendorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VendorStatus::Active => "active",
            VendorStatus::Suspended => "suspended",
        }
    }
    pub fn parse(s: &str) -> Option<VendorStatus> {
        match s {
            "active" => Some(VendorStatus::Active),
            "suspended" => Some(VendorStatus::Suspended),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vendor {
    pub id: TenantId,
    pub name: String,
    pub country: String,
    pub status: VendorStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The identifiers a vendor holds. Each is unique across all vendors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorIdentifierKind {
    /// Addresses POs, invoices and payments (e.g. `ACME1`).
    VendorCode,
    /// Receives money.
    PayeeCode,
    /// GS1 company prefix: every GTIN and SSCC of the vendor starts with one of these.
    Gs1Prefix,
}

impl VendorIdentifierKind {
    pub const ALL: [VendorIdentifierKind; 3] = [VendorIdentifierKind::VendorCode, VendorIdentifierKind::PayeeCode, VendorIdentifierKind::Gs1Prefix];

    pub fn as_str(self) -> &'static str {
        match self {
            VendorIdentifierKind::VendorCode => "vendor_code",
            VendorIdentifierKind::PayeeCode => "payee_code",
            VendorIdentifierKind::Gs1Prefix => "gs1_prefix",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Checks and normalises a value of this kind.
    pub fn normalise(self, value: &str) -> Result<String, String> {
        match self {
            VendorIdentifierKind::VendorCode => crate::validate::vendor_code(value),
            VendorIdentifierKind::PayeeCode => crate::validate::payee_code(value),
            VendorIdentifierKind::Gs1Prefix => crate::validate::gs1_company_prefix(value),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorIdentifier {
    pub kind: VendorIdentifierKind,
    pub value: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

/// A vendor with all its identifiers, as the detail page and API show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorDetail {
    pub vendor: Vendor,
    pub identifiers: Vec<VendorIdentifier>,
}

impl VendorDetail {
    pub fn of_kind(&self, kind: VendorIdentifierKind) -> impl Iterator<Item = &VendorIdentifier> {
        self.identifiers.iter().filter(move |i| i.kind == kind)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Address {
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

/// A distribution / fulfillment centre: retailer reference data, no tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dc {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub address: Address,
    pub time_zone: String,
    /// Dock doors: how many trucks the DC can unload at once.
    pub dock_doors: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A bookable window at a DC's dock; `capacity` is the number of appointments it takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DockSlot {
    pub id: Uuid,
    pub dc_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
    pub created_at: DateTime<Utc>,
}
