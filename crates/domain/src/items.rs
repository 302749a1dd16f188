//! The item master, minimal for ordering: what a vendor sells (vendor SKU, GTIN, title, case pack,
//! list price) and its wholesale unit cost with effective dates. The full item-setup workflow
//! (attributes, images, approval) builds on this later; here an item is live once created.

use crate::gs1::Gtin;
use crate::ids::TenantId;
use crate::text_enum;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

text_enum! {
    /// Whether an item may be ordered.
    pub enum ItemStatus { Active = "active", Discontinued = "discontinued" }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: Uuid,
    pub tenant: TenantId,
    /// The vendor's own stock-keeping unit; unique per vendor.
    pub vendor_sku: String,
    /// Normalised to 14 digits; unique across vendors.
    pub gtin: Gtin,
    /// The retailer's item id (10 characters, like an ASIN); unique across vendors.
    pub retailer_item_id: String,
    pub title: String,
    /// Units (eaches) per case.
    pub case_pack: i64,
    pub list_price: Decimal,
    pub currency: String,
    pub status: ItemStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The wholesale unit cost from a date on; the latest `effective_from` on or before a day applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCost {
    pub item_id: Uuid,
    pub unit_cost: Decimal,
    pub currency: String,
    pub effective_from: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// The cost in force on `day`: the one with the latest `effective_from` not after it.
pub fn cost_on(costs: &[ItemCost], day: NaiveDate) -> Option<&ItemCost> {
    costs.iter().filter(|c| c.effective_from <= day).max_by_key(|c| (c.effective_from, c.created_at))
}

/// A vendor SKU: 1–40 printable ASCII characters without spaces, kept as given (SKUs are case-sensitive in many ERPs).
pub fn vendor_sku(input: &str) -> Result<String, String> {
    let v = input.trim();
    let expected = "a vendor SKU is 1 to 40 letters, digits or - _ . / characters, e.g. ACME-1001";
    if v.is_empty() {
        return Err(format!("is required; {expected}"));
    }
    if let Some(bad) = v.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))) {
        return Err(format!("contains `{bad}`; {expected}"));
    }
    if v.len() > 40 {
        return Err(format!("has {} characters; {expected}", v.len()));
    }
    Ok(v.to_string())
}

/// A case pack: a whole number of units per case, 1 to 10,000.
pub fn case_pack(value: i64) -> Result<i64, String> {
    if (1..=10_000).contains(&value) { Ok(value) } else { Err(format!("is {value}; a case pack is 1 to 10000 units per case")) }
}

/// The retailer item id for the `n`-th item ever created: `B0` and eight base-36 characters, like an ASIN.
/// Derived from a counter so ids are short, unique and never guessed from a vendor's data.
pub fn retailer_item_id(n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    // Spread consecutive numbers over the id space (multiplication by an odd constant is a bijection
    // modulo 36^8), so neighbouring items do not get neighbouring ids.
    let space = 36u128.pow(8);
    let mut v = (u128::from(n) % space * 0x9E37_79B1 % space) as u64;
    let mut out = [b'0'; 8];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(v % 36) as usize];
        v /= 36;
    }
    format!("B0{}", std::str::from_utf8(&out).expect("ascii"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;
    use std::collections::HashSet;

    fn cost(day: &str, amount: Decimal, n: i64) -> ItemCost {
        ItemCost {
            item_id: Uuid::nil(),
            unit_cost: amount,
            currency: "USD".into(),
            effective_from: day.parse().unwrap(),
            created_at: DateTime::from_timestamp(n, 0).unwrap(),
        }
    }

    #[test]
    fn the_latest_cost_not_after_the_day_applies() {
        let costs = [cost("2026-01-01", dec!(10), 1), cost("2026-03-01", dec!(11), 2), cost("2026-06-01", dec!(12), 3)];
        assert_eq!(cost_on(&costs, "2025-12-31".parse().unwrap()), None);
        assert_eq!(cost_on(&costs, "2026-01-01".parse().unwrap()).unwrap().unit_cost, dec!(10));
        assert_eq!(cost_on(&costs, "2026-05-31".parse().unwrap()).unwrap().unit_cost, dec!(11));
        assert_eq!(cost_on(&costs, "2027-01-01".parse().unwrap()).unwrap().unit_cost, dec!(12));
    }

    #[test]
    fn a_later_entry_for_the_same_day_wins() {
        let costs = [cost("2026-01-01", dec!(10), 1), cost("2026-01-01", dec!(9.5), 2)];
        assert_eq!(cost_on(&costs, "2026-02-01".parse().unwrap()).unwrap().unit_cost, dec!(9.5));
    }

    #[test]
    fn skus_and_case_packs_are_checked() {
        assert_eq!(vendor_sku(" ACME-1001 ").unwrap(), "ACME-1001");
        assert!(vendor_sku("").unwrap_err().starts_with("is required"));
        assert!(vendor_sku("A B").unwrap_err().starts_with("contains ` `"));
        assert!(vendor_sku(&"x".repeat(41)).unwrap_err().starts_with("has 41 characters"));
        assert_eq!(case_pack(12), Ok(12));
        assert!(case_pack(0).is_err());
    }

    #[test]
    fn retailer_item_ids_are_asin_shaped_and_distinct() {
        let ids: HashSet<String> = (0..10_000).map(retailer_item_id).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| id.len() == 10 && id.starts_with("B0") && id.chars().all(|c| c.is_ascii_alphanumeric())));
    }
}
