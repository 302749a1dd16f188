//! API representations (with their OpenAPI schemas), converted from domain types. Timestamps are
//! RFC 3339 UTC; ids are UUIDs.

use acorn_domain::master::{Dc, DockSlot, Vendor, VendorDetail, VendorIdentifierKind};
use acorn_domain::people::{ApiClient, User};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct VendorOut {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    /// `active` or `suspended`.
    pub status: String,
    pub vendor_codes: Vec<String>,
    pub payee_codes: Vec<String>,
    pub gs1_prefixes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl VendorOut {
    pub fn summary(v: &Vendor) -> VendorOut {
        VendorOut {
            id: v.id.0,
            name: v.name.clone(),
            country: v.country.clone(),
            status: v.status.as_str().into(),
            vendor_codes: vec![],
            payee_codes: vec![],
            gs1_prefixes: vec![],
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
    pub fn detail(d: &VendorDetail) -> VendorOut {
        let of = |k| d.of_kind(k).map(|i| i.value.clone()).collect();
        VendorOut {
            vendor_codes: of(VendorIdentifierKind::VendorCode),
            payee_codes: of(VendorIdentifierKind::PayeeCode),
            gs1_prefixes: of(VendorIdentifierKind::Gs1Prefix),
            ..VendorOut::summary(&d.vendor)
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct VendorPage {
    pub items: Vec<VendorOut>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct VendorIn {
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    #[serde(default)]
    pub vendor_codes: Vec<String>,
    #[serde(default)]
    pub payee_codes: Vec<String>,
    #[serde(default)]
    pub gs1_prefixes: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct VendorPatchIn {
    pub name: Option<String>,
    pub country: Option<String>,
    /// `active` or `suspended`.
    pub status: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct IdentifierIn {
    /// `vendor_code`, `payee_code` or `gs1_prefix`.
    pub kind: String,
    pub value: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Serialize, ToSchema)]
pub struct IdentifierOut {
    pub kind: String,
    pub value: String,
    pub description: String,
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Cursor from the previous page's `next`.
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
    /// Name contains (vendors).
    pub q: Option<String>,
    /// Vendor id (users list, retailer staff only).
    pub vendor_id: Option<Uuid>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct AddressDto {
    pub line1: String,
    #[serde(default)]
    pub line2: String,
    pub city: String,
    #[serde(default)]
    pub region: String,
    pub postal_code: String,
    pub country: String,
}

#[derive(Serialize, ToSchema)]
pub struct DcOut {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub address: AddressDto,
    pub time_zone: String,
    pub dock_doors: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Dc> for DcOut {
    fn from(d: &Dc) -> DcOut {
        let a = &d.address;
        DcOut {
            id: d.id,
            code: d.code.clone(),
            name: d.name.clone(),
            address: AddressDto {
                line1: a.line1.clone(),
                line2: a.line2.clone(),
                city: a.city.clone(),
                region: a.region.clone(),
                postal_code: a.postal_code.clone(),
                country: a.country.clone(),
            },
            time_zone: d.time_zone.clone(),
            dock_doors: d.dock_doors,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct DcIn {
    /// 3–6 upper-case letters and digits, e.g. `ABE2`; fixed once created.
    #[serde(default)]
    pub code: String,
    pub name: String,
    pub address: AddressDto,
    /// IANA time zone, e.g. `America/New_York`.
    pub time_zone: String,
    pub dock_doors: i64,
}

impl DcIn {
    pub fn into_input(self) -> acorn_service::facilities::DcInput {
        acorn_service::facilities::DcInput {
            code: self.code,
            name: self.name,
            address: acorn_domain::master::Address {
                line1: self.address.line1,
                line2: self.address.line2,
                city: self.address.city,
                region: self.address.region,
                postal_code: self.address.postal_code,
                country: self.address.country,
            },
            time_zone: self.time_zone,
            dock_doors: self.dock_doors,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SlotOut {
    pub id: Uuid,
    pub dc_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
}

impl From<&DockSlot> for SlotOut {
    fn from(s: &DockSlot) -> SlotOut {
        SlotOut { id: s.id, dc_id: s.dc_id, starts_at: s.starts_at, ends_at: s.ends_at, capacity: s.capacity }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct SlotIn {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct SlotQuery {
    /// First day (UTC midnight of this instant); default now.
    pub from: Option<DateTime<Utc>>,
    /// Days to list, 1–62 (default 14).
    pub days: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: Uuid,
    /// The vendor, or absent for retailer staff.
    pub vendor_id: Option<Uuid>,
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    pub locale: String,
    pub status: String,
    pub mfa_enrolled: bool,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> UserOut {
        UserOut {
            id: u.id,
            vendor_id: (!u.tenant_id.is_retailer()).then_some(u.tenant_id.0),
            email: u.email.clone(),
            name: u.name.clone(),
            roles: u.roles.iter().map(|r| r.as_str().to_string()).collect(),
            locale: u.locale.as_str().into(),
            status: u.status.as_str().into(),
            mfa_enrolled: u.mfa_enrolled,
            created_at: u.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct UserIn {
    pub email: String,
    pub name: String,
    pub roles: Vec<String>,
    /// Vendor of the new user; vendor admins may omit it (their own). Retailer admins omit it for staff.
    pub vendor_id: Option<Uuid>,
    /// `en` (default) or `zh-CN`.
    pub locale: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct UserPatchIn {
    pub name: Option<String>,
    pub roles: Option<Vec<String>>,
    /// `active` or `disabled`.
    pub status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MeOut {
    pub kind: String,
    pub user: Option<UserOut>,
    pub client_id: Option<String>,
    pub vendor_id: Option<Uuid>,
    /// Area → `read` or `write`, for the areas the caller can use.
    pub access: std::collections::BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct ClientOut {
    pub id: Uuid,
    pub vendor_id: Uuid,
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl From<&ApiClient> for ClientOut {
    fn from(c: &ApiClient) -> ClientOut {
        ClientOut {
            id: c.id,
            vendor_id: c.tenant_id.0,
            client_id: c.client_id.clone(),
            name: c.name.clone(),
            scopes: c.scopes.iter().map(|a| a.as_str().to_string()).collect(),
            created_at: c.created_at,
            disabled_at: c.disabled_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClientPage {
    pub items: Vec<ClientOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ClientIn {
    pub name: String,
    /// Areas (e.g. `purchase_orders`, `invoices`); empty = all.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The vendor; vendor admins may omit it (their own).
    pub vendor_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct ClientCreatedOut {
    pub client_id: String,
    /// Shown once; store it safely.
    pub client_secret: String,
    /// Shown once.
    pub refresh_token: String,
    pub scopes: Vec<String>,
    pub vendor_id: Uuid,
}

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    pub tenant_id: Uuid,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: String,
    pub source_ip: String,
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPageOut {
    pub items: Vec<AuditOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    pub cursor: Option<String>,
    pub limit: Option<u64>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Actions starting with this, e.g. `user.`.
    pub action: Option<String>,
    /// Retailer staff: one tenant's chain (the nil UUID is the retailer's).
    pub tenant_id: Option<Uuid>,
}
