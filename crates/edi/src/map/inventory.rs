//! Inventory in: X12 846 (inventory inquiry/advice) → the stock a vendor reports per item and warehouse.
//!
//! BIA gives the report (purpose, reference, date); an `N1` before the first `LIN` names the warehouse the whole
//! report is for, one inside a `LIN` loop the warehouse of that item. Per item: `LIN` identifiers, `QTY*33`
//! (available for sale) and `QTY*17` (on hand), and `SCH` / `DTM*018` for when more arrives. Quantities are
//! eaches: an 846 carries no case pack, so a quantity in cases cannot be counted and is refused.

use acorn_domain::orders::QuantityUnit;
use chrono::NaiveDate;
use serde::Serialize;

use super::read::{Reader, to_eaches};
use super::{ItemIds, Mapped};
use crate::report::Rule;
use crate::segment::Segment;

/// A stock report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundInventory {
    /// BIA01 (`00` original, `05` replace…), as sent.
    pub purpose: String,
    /// BIA03.
    pub report_id: String,
    /// BIA04.
    pub report_date: Option<NaiveDate>,
    pub items: Vec<StockItem>,
}

/// What the vendor reports for one item at one warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockItem {
    pub item: ItemIds,
    /// The warehouse code (the item's N1, else the report's): N104, or N102 when no code is given.
    pub warehouse: Option<String>,
    /// QTY*33: eaches available for sale.
    pub available: Option<i64>,
    /// QTY*17: eaches on hand.
    pub on_hand: Option<i64>,
    /// SCH01: eaches arriving next.
    pub restock_quantity: Option<i64>,
    /// SCH06 or DTM*018: when they become available.
    pub restock_date: Option<NaiveDate>,
}

/// N1 entity codes (98) that name a warehouse in an 846.
pub const WAREHOUSE_ENTITIES: &[&str] = &["WH", "SF", "ST", "ZZ"];

/// X12 846 → a stock report.
pub fn map_846(segments: &[Segment<'_>]) -> Mapped<InboundInventory> {
    let mut r = Reader::new(segments);
    let mut bia = None;
    let mut warehouse: Option<String> = None;
    let mut items: Vec<(usize, StockItem)> = Vec::new();
    for i in 0..r.len() {
        let tag = r.tag(i);
        match tag.as_ref() {
            "BIA" => bia = bia.or(Some(i)),
            "N1" if WAREHOUSE_ENTITIES.contains(&r.value(i, 1, 0).as_str()) => {
                let code = r.opt(i, 4, 0).or_else(|| r.opt(i, 2, 0));
                match items.last_mut() {
                    Some((_, item)) => item.warehouse = code,
                    None => warehouse = code,
                }
            }
            "LIN" => {
                let ids = r.x12_ids(i, 2, &mut None);
                if ids.is_empty() {
                    r.error(i, Some(2), None, Rule::MandatoryElementMissing, "the item has no identifier ACORN reads (UP, EN, UK, IB, BP, VN, VP)");
                }
                let item = StockItem { item: ids, warehouse: warehouse.clone(), available: None, on_hand: None, restock_quantity: None, restock_date: None };
                items.push((i, item));
            }
            "QTY" => {
                let Some((_, item)) = items.last_mut() else { continue };
                let qualifier = r.value(i, 1, 0);
                let slot = match qualifier.as_str() {
                    "33" => &mut item.available,
                    "17" => &mut item.on_hand,
                    other => {
                        r.error(
                            i,
                            Some(1),
                            None,
                            Rule::InvalidCode,
                            format!("quantity qualifier `{other}` is not one ACORN reads (33 available for sale, 17 on hand)"),
                        );
                        continue;
                    }
                };
                *slot = eaches(&mut r, i, 2, 3);
            }
            "SCH" => {
                let Some((_, item)) = items.last_mut() else { continue };
                item.restock_quantity = eaches(&mut r, i, 1, 2);
                item.restock_date = item.restock_date.or(r.date(i, 6, "the restock date"));
            }
            "DTM" if r.value(i, 1, 0) == "018" => {
                if let Some((_, item)) = items.last_mut() {
                    item.restock_date = r.date(i, 2, "the date available");
                }
            }
            _ => {}
        }
    }
    let Some(b) = bia else {
        r.error(0, None, None, Rule::MandatorySegmentMissing, "the set has no BIA segment");
        return Err(r.into_errors());
    };
    let purpose = r.value(b, 1, 0);
    let report_id = r.required(b, 3, 0, "the report reference").unwrap_or_default();
    let report_date = r.date(b, 4, "the report date");
    for (at, item) in &items {
        if item.available.is_none() && item.on_hand.is_none() {
            r.error(*at, None, None, Rule::MandatorySegmentMissing, format!("{} has no QTY*33 (available) or QTY*17 (on hand)", item.item));
        }
    }
    let items = items.into_iter().map(|(_, item)| item).collect();
    r.finish(InboundInventory { purpose, report_id, report_date, items })
}

/// A quantity in eaches from element `n` with its unit in element `unit` (eaches when absent).
fn eaches(r: &mut Reader<'_, '_>, i: usize, n: usize, unit: usize) -> Option<i64> {
    let quantity = r.required(i, n, 0, "the quantity").and_then(|_| r.whole(i, n, 0, "the quantity"))?;
    let unit_code = match r.opt(i, unit, 0) {
        None => QuantityUnit::Eaches,
        Some(_) => r.unit(i, unit, 0)?,
    };
    to_eaches(quantity, unit_code, None).map_err(|e| r.error(i, Some(unit), None, Rule::InvalidCode, e)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::testing::*;

    const X12_846: &str = "ISA*00*          *00*          *ZZ*ACMEWIDGETS    *ZZ*ACORN          *261201*0600*U*00401*000000401*0*P*>~
GS*IB*ACMEWIDGETS*ACORN*20261201*0600*401*X*004010~
ST*846*0001~
BIA*00*MM*INV-20261201-06*20261201*0600~
N1*WH*ACME SPARKS DC*92*SPK1~
LIN**UP*614141000012*VN*WID-1~
QTY*33*480*EA~
QTY*17*520*EA~
LIN**UP*614141000029~
QTY*33*0*EA~
SCH*240*EA***018*20261215~
LIN**VN*WID-3~
N1*WH*ACME RENO OVERFLOW*92*RNO2~
QTY*33*12*EA~
CTT*3~
SE*14*0001~
GE*1*401~
IEA*1*000000401~
";

    #[test]
    fn an_846_reports_stock_per_item_and_warehouse() {
        let all = segments(X12_846);
        let report = map_846(first_set(&all)).unwrap();
        assert_eq!(
            (report.purpose.as_str(), report.report_id.as_str(), report.report_date.map(|d| d.to_string())),
            ("00", "INV-20261201-06", Some("2026-12-01".into()))
        );
        let rows: Vec<_> = report.items.iter().map(|i| (i.item.key(), i.warehouse.as_deref(), i.available, i.on_hand)).collect();
        assert_eq!(
            rows,
            [
                (Some("00614141000012".to_string()), Some("SPK1"), Some(480), Some(520)),
                (Some("00614141000029".to_string()), Some("SPK1"), Some(0), None),
                (Some("WID-3".to_string()), Some("RNO2"), Some(12), None),
            ]
        );
        assert_eq!((report.items[1].restock_quantity, report.items[1].restock_date.map(|d| d.to_string())), (Some(240), Some("2026-12-15".into())));
    }

    #[test]
    fn an_846_in_cases_or_unknown_qualifiers_is_refused() {
        let bad = X12_846.replace("QTY*33*480*EA~", "QTY*33*40*CA~").replace("QTY*17*520*EA~", "QTY*02*520*EA~");
        let all = segments(&bad);
        let text = messages(&map_846(first_set(&all)).unwrap_err());
        assert!(text.iter().any(|m| m.starts_with("QTY03 (segment 5): 40 is in cases")), "{text:?}");
        assert!(text.iter().any(|m| m.starts_with("QTY01 (segment 6): quantity qualifier `02`")), "{text:?}");
        assert!(text.contains(&"LIN (segment 4): GTIN 00614141000012, SKU WID-1 has no QTY*33 (available) or QTY*17 (on hand)".to_string()), "{text:?}");
    }
}
