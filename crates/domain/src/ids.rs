//! Identifiers: the tenant id that partitions every vendor-owned row and audit chain, and the
//! UUIDv7 generator used for every primary key.
//!
//! IDs are made in Rust (not by the database) so the same code path works on SQLite, Postgres and
//! distributed Postgres-compatible engines; v7 keeps them roughly time-ordered, which keeps B-tree
//! inserts local and lets `(created_at, id)` keyset pagination stay cheap.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new UUIDv7 (time-ordered) for any primary key.
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// The tenant a row, a principal or an audit chain belongs to.
///
/// The tenant is the vendor. The retailer is a tenant too, with the fixed id
/// [`TenantId::RETAILER`] (the nil UUID): retailer staff act in it and retailer-level events go on
/// its audit chain. A fixed, well-known value means it never has to be looked up or configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(pub Uuid);

impl TenantId {
    /// The retailer's own tenant (the nil UUID).
    pub const RETAILER: TenantId = TenantId(Uuid::nil());

    /// True for the retailer's own tenant, false for every vendor.
    pub fn is_retailer(self) -> bool {
        self == Self::RETAILER
    }

    /// A fresh tenant id for a newly onboarded vendor.
    pub fn new_v7() -> Self {
        TenantId(new_id())
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<Uuid> for TenantId {
    fn from(id: Uuid) -> Self {
        TenantId(id)
    }
}

impl FromStr for TenantId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim()).map(TenantId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retailer_is_nil_and_vendors_are_not() {
        assert!(TenantId::RETAILER.is_retailer());
        assert_eq!(TenantId::RETAILER.0, Uuid::nil());
        let vendor = TenantId::new_v7();
        assert!(!vendor.is_retailer());
        assert_eq!(vendor.0.get_version_num(), 7);
    }

    #[test]
    fn serde_is_transparent_and_display_round_trips() {
        let t = TenantId::new_v7();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, format!("\"{}\"", t.0));
        assert_eq!(serde_json::from_str::<TenantId>(&json).unwrap(), t);
        assert_eq!(t.to_string().parse::<TenantId>().unwrap(), t);
    }

    #[test]
    fn new_ids_are_v7_and_ordered() {
        let a = new_id();
        let b = new_id();
        assert_eq!(a.get_version_num(), 7);
        assert!(a < b);
    }
}
