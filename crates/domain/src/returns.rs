//! Returns to vendor (RTV), DOMAIN.md "Returns (RTV)": the retailer raises a return per item and
//! type; the vendor approves a quantity (or rejects with a reason), gives its own authorisation number
//! and the return address for that type, and chooses ship-back or destroy; a debit memo (a deduction)
//! follows when the retailer completes it. Under a damage-allowance agreement damaged units are not
//! returned at all: the allowance percentage is deducted from invoices instead, so a `damaged` return
//! is refused for such a vendor.

use crate::ids::TenantId;
use crate::text_enum;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

text_enum! {
    /// Why the retailer sends goods back.
    pub enum ReturnType { Overstock = "overstock", Damaged = "damaged", Defective = "defective", Expired = "expired", Recall = "recall" }
}

text_enum! {
    /// `requested → approved | rejected` (the vendor's answer), `approved → completed` (shipped back or
    /// destroyed; the debit memo is posted then), `requested → cancelled` (the retailer withdrew it).
    pub enum ReturnStatus { Requested = "requested", Approved = "approved", Rejected = "rejected", Completed = "completed", Cancelled = "cancelled" }
}

text_enum! {
    /// What happens to approved units.
    pub enum Disposition { ShipBack = "ship_back", Destroy = "destroy" }
}

/// A return request for one item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReturnRequest {
    pub id: Uuid,
    pub tenant: TenantId,
    /// `RTV` + 7 digits, unique across vendors.
    pub number: String,
    pub vendor_code: String,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    pub dc_code: String,
    pub return_type: ReturnType,
    /// Eaches the retailer wants to return.
    pub quantity: i64,
    /// Cost per each the debit memo charges back.
    pub unit_cost: Decimal,
    pub currency: String,
    pub reason: String,
    pub status: ReturnStatus,
    pub approved_quantity: Option<i64>,
    pub rejection_reason: Option<String>,
    /// The vendor's own return authorisation number.
    pub vendor_rma: Option<String>,
    pub disposition: Option<Disposition>,
    pub return_address: Option<String>,
    /// The debit memo posted at completion.
    pub deduction_id: Option<Uuid>,
    pub raised_by: String,
    pub raised_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// The vendor's answer to a return request.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Approve { quantity: i64, vendor_rma: String, disposition: Disposition, return_address: Option<String> },
    Reject { reason: String },
}

/// Whether a return of this type may be raised for a vendor with this damage allowance (percent).
pub fn may_raise(return_type: ReturnType, damage_allowance_percent: Decimal) -> Result<(), String> {
    if return_type == ReturnType::Damaged && damage_allowance_percent > Decimal::ZERO {
        return Err(format!(
            "the vendor's agreement has a damage allowance of {damage_allowance_percent} %: damaged units are not returned, the allowance is deducted from invoices instead"
        ));
    }
    Ok(())
}

/// Checks the vendor's answer against the request; every problem with its field.
pub fn check_answer(requested: i64, status: ReturnStatus, answer: &Answer) -> Result<(), Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    if status != ReturnStatus::Requested {
        problems.push(("status", format!("the return is {status}; only a requested return can be answered")));
    }
    match answer {
        Answer::Approve { quantity, vendor_rma, disposition, return_address } => {
            if *quantity <= 0 || *quantity > requested {
                problems.push(("approved_quantity", format!("must be between 1 and the {requested} units requested")));
            }
            let rma = vendor_rma.trim();
            if rma.is_empty() || rma.chars().count() > 40 {
                problems.push(("vendor_rma", "is required: your return authorisation number, at most 40 characters".to_string()));
            }
            if *disposition == Disposition::ShipBack && return_address.as_deref().is_none_or(|a| a.trim().is_empty()) {
                problems.push(("return_address", "is required when the goods are shipped back".to_string()));
            }
        }
        Answer::Reject { reason } => {
            if reason.trim().is_empty() {
                problems.push(("rejection_reason", "is required when rejecting a return".to_string()));
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// The debit memo of a completed return: approved units × unit cost, rounded half-even to the currency.
pub fn debit_amount(approved_quantity: i64, unit_cost: Decimal, currency: &str) -> Result<Decimal, String> {
    crate::money::checked_extend(approved_quantity, unit_cost).map(|a| crate::money::round_ledger(a, currency))
}

/// Return numbers: `RTV` and 7 digits from the `rtv` counter.
pub fn return_number(seq: i64) -> String {
    format!("RTV{seq:07}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn approve(quantity: i64, rma: &str, disposition: Disposition, address: Option<&str>) -> Answer {
        Answer::Approve { quantity, vendor_rma: rma.into(), disposition, return_address: address.map(str::to_string) }
    }

    #[test]
    fn damaged_returns_are_refused_under_a_damage_allowance() {
        assert!(may_raise(ReturnType::Damaged, dec!(2)).unwrap_err().contains("damage allowance of 2 %"));
        assert!(may_raise(ReturnType::Damaged, dec!(0)).is_ok());
        assert!(may_raise(ReturnType::Overstock, dec!(2)).is_ok());
    }

    #[test]
    fn an_approval_needs_a_quantity_within_the_request_an_rma_and_an_address_to_ship_back() {
        assert!(check_answer(10, ReturnStatus::Requested, &approve(10, "RMA-1", Disposition::ShipBack, Some("1 Main St"))).is_ok());
        assert!(check_answer(10, ReturnStatus::Requested, &approve(4, "RMA-1", Disposition::Destroy, None)).is_ok());
        let fields = |r: Result<(), Vec<(&'static str, String)>>| r.unwrap_err().into_iter().map(|(f, _)| f).collect::<Vec<_>>();
        assert_eq!(
            fields(check_answer(10, ReturnStatus::Requested, &approve(11, " ", Disposition::ShipBack, None))),
            ["approved_quantity", "vendor_rma", "return_address"]
        );
        assert_eq!(fields(check_answer(10, ReturnStatus::Approved, &approve(1, "R", Disposition::Destroy, None))), ["status"]);
        assert_eq!(fields(check_answer(10, ReturnStatus::Requested, &Answer::Reject { reason: "".into() })), ["rejection_reason"]);
    }

    #[test]
    fn the_debit_memo_is_rounded_half_even() {
        assert_eq!(debit_amount(3, dec!(1.0050), "USD").unwrap(), dec!(3.02));
        assert_eq!(debit_amount(1, dec!(0.125), "USD").unwrap(), dec!(0.12));
        assert_eq!(debit_amount(1, dec!(150.5), "JPY").unwrap(), dec!(150));
        assert_eq!(return_number(42), "RTV0000042");
    }
}
