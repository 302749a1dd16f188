//! ASN upload: one shipment from a CSV with a row per carton item (5,000 cartons in one request).
//! Header columns (DC, ship date, carrier, ship-from) are given on the first row and, if repeated,
//! must agree; rows with the same `carton` reference form one carton. Every bad row is reported by
//! row and column, and nothing is written when any row fails.

use crate::csvin::{self, Row};
use crate::shipments::{ShipmentDetail, ShipmentInput};
use crate::{Ctx, ServiceError, Services};
use acorn_domain::master::Address;
use acorn_domain::shipments::{CartonInput, CartonItemInput};
use acorn_domain::validate::FieldIssue;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use std::collections::HashMap;

/// Columns of the ASN upload, in template order.
pub const ASN_CSV_COLUMNS: &[&str] = &[
    "shipment_number",
    "dc_code",
    "ship_date",
    "estimated_arrival",
    "shipment_type",
    "carrier_scac",
    "tracking_number",
    "bol_number",
    "ship_from_name",
    "ship_from_line1",
    "ship_from_city",
    "ship_from_region",
    "ship_from_postal_code",
    "ship_from_country",
    "carton",
    "sscc",
    "pallet",
    "po_number",
    "line_no",
    "quantity",
    "lot",
    "expiry",
];

/// The shipment-level columns (the first 14): given on the first row, equal where repeated.
const HEADER: &[&str] = ASN_CSV_COLUMNS.split_at(14).0;

const REQUIRED: &[&str] = &["dc_code", "carton", "po_number", "line_no", "quantity"];

/// A date-time cell: RFC 3339, or a date (midnight UTC), or "YYYY-MM-DD HH:MM" (UTC).
fn datetime(v: &str) -> Result<DateTime<Utc>, String> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M") {
        return Ok(t.and_utc());
    }
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        .map_err(|_| format!("`{v}` is not a date or time; use 2026-12-01 or 2026-12-01 14:30 (UTC)"))
}

/// Where each carton and item of the input came from, to name rows in rule issues.
struct Origin {
    carton_rows: Vec<usize>,
    item_rows: Vec<Vec<usize>>,
}

impl Origin {
    /// Maps `cartons[2].items[1].quantity` to `row 57, quantity`.
    fn rename(&self, field: &str) -> String {
        let mut parts = field.split('.');
        let first = parts.next().unwrap_or("");
        let index = |s: &str, name: &str| {
            s.strip_prefix(name).and_then(|r| r.strip_prefix('[')).and_then(|r| r.strip_suffix(']')).and_then(|n| n.parse::<usize>().ok())
        };
        let Some(k) = index(first, "cartons") else { return field.to_string() };
        let rest: Vec<&str> = parts.collect();
        match rest.first().and_then(|p| index(p, "items")) {
            Some(i) => match self.item_rows.get(k).and_then(|r| r.get(i)) {
                Some(row) => format!("row {row}, {}", rest.get(1).copied().unwrap_or("item")),
                None => field.to_string(),
            },
            None => match self.carton_rows.get(k) {
                Some(row) => format!("row {row}, {}", rest.first().copied().unwrap_or("carton")),
                None => field.to_string(),
            },
        }
    }
}

fn parse_rows(rows: &[Row]) -> Result<(ShipmentInput, Origin), Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let first = &rows[0];
    for row in &rows[1..] {
        for col in HEADER {
            let v = row.get(col).trim();
            if !v.is_empty() && v != first.get(col).trim() {
                issues.push(FieldIssue::new(row.field(col), format!("`{v}` differs from row {} (`{}`); one upload is one ASN", first.number, first.get(col))));
            }
        }
    }
    let opt = |col: &str| Some(first.get(col).trim().to_string()).filter(|s| !s.is_empty());
    let mut when = |col: &str| match first.get(col).trim() {
        "" => None,
        v => datetime(v).map_err(|e| issues.push(FieldIssue::new(first.field(col), e))).ok(),
    };
    let ship_date = when("ship_date");
    let estimated_arrival = when("estimated_arrival");
    let mut cartons: Vec<CartonInput> = Vec::new();
    let mut origin = Origin { carton_rows: Vec::new(), item_rows: Vec::new() };
    let mut by_ref: HashMap<String, usize> = HashMap::new();
    for row in rows {
        let reference = row.get("carton").trim().to_string();
        if reference.is_empty() {
            issues.push(FieldIssue::new(row.field("carton"), "is required: rows with the same carton reference form one carton"));
            continue;
        }
        let mut int = |col: &str, required: bool| -> Option<i64> {
            match row.get(col).trim() {
                "" if !required => None,
                v => v.parse::<i64>().map_err(|_| issues.push(FieldIssue::new(row.field(col), format!("`{v}` is not a whole number")))).ok(),
            }
        };
        let line_no = int("line_no", true);
        let quantity = int("quantity", true);
        let pallet = int("pallet", false);
        let expiry = match row.get("expiry").trim() {
            "" => None,
            v => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| issues.push(FieldIssue::new(row.field("expiry"), format!("`{v}` is not a date like 2027-06-30"))))
                .ok(),
        };
        let k = *by_ref.entry(reference).or_insert_with(|| {
            cartons.push(CartonInput { sscc: None, pallet, items: Vec::new() });
            origin.carton_rows.push(row.number);
            origin.item_rows.push(Vec::new());
            cartons.len() - 1
        });
        let sscc = row.get("sscc").trim();
        if !sscc.is_empty() {
            match &cartons[k].sscc {
                Some(s) if s != sscc => {
                    issues.push(FieldIssue::new(row.field("sscc"), format!("`{sscc}` differs from the carton's SSCC `{s}` on an earlier row")))
                }
                _ => cartons[k].sscc = Some(sscc.to_string()),
            }
        }
        let lot = Some(row.get("lot").trim().to_string()).filter(|s| !s.is_empty());
        cartons[k].items.push(CartonItemInput {
            po_number: row.get("po_number").trim().to_string(),
            line_no: line_no.unwrap_or(0),
            quantity: quantity.unwrap_or(1),
            lot,
            expiry,
        });
        origin.item_rows[k].push(row.number);
    }
    let input = ShipmentInput {
        shipment_number: opt("shipment_number"),
        dc_code: first.get("dc_code").to_string(),
        ship_from_name: first.get("ship_from_name").to_string(),
        ship_from: Address {
            line1: first.get("ship_from_line1").to_string(),
            line2: String::new(),
            city: first.get("ship_from_city").to_string(),
            region: first.get("ship_from_region").to_string(),
            postal_code: first.get("ship_from_postal_code").to_string(),
            country: first.get("ship_from_country").to_string(),
        },
        shipment_type: first.get("shipment_type").to_string(),
        ship_date,
        estimated_arrival,
        carrier_scac: opt("carrier_scac"),
        tracking_number: opt("tracking_number"),
        bol_number: opt("bol_number"),
        pallets: {
            let n = cartons.iter().filter_map(|k| k.pallet).max().unwrap_or(0).clamp(0, 1000);
            vec![None; n as usize]
        },
        cartons,
    };
    if issues.is_empty() { Ok((input, origin)) } else { Err(issues) }
}

impl Services {
    /// Submits an ASN from a CSV upload (all or nothing).
    pub async fn import_shipment_csv(&self, ctx: &Ctx, text: &str) -> Result<ShipmentDetail, ServiceError> {
        crate::authz::require(ctx, acorn_domain::policy::Area::Acknowledgements, acorn_domain::policy::Access::Write)?;
        let rows = csvin::read(text, REQUIRED, ASN_CSV_COLUMNS)?;
        let (input, origin) = parse_rows(&rows).map_err(ServiceError::Invalid)?;
        match self.create_shipment(ctx, input).await {
            Err(ServiceError::Invalid(issues)) => {
                let first_row = rows[0].number;
                Err(ServiceError::Invalid(
                    issues
                        .into_iter()
                        .map(|i| {
                            let field = origin.rename(&i.field);
                            let field = if field.starts_with("row ") { field } else { format!("row {first_row}, {field}") };
                            FieldIssue::new(field, i.issue)
                        })
                        .collect(),
                ))
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_fields_map_back_to_rows() {
        let o = Origin { carton_rows: vec![2, 4], item_rows: vec![vec![2, 3], vec![4]] };
        assert_eq!(o.rename("cartons[1].items[0].quantity"), "row 4, quantity");
        assert_eq!(o.rename("cartons[0].items[1].po_number"), "row 3, po_number");
        assert_eq!(o.rename("cartons[1].sscc"), "row 4, sscc");
        assert_eq!(o.rename("ship_date"), "ship_date");
    }

    #[test]
    fn date_cells_take_three_shapes() {
        assert_eq!(datetime("2026-12-01").unwrap().to_rfc3339(), "2026-12-01T00:00:00+00:00");
        assert_eq!(datetime("2026-12-01 14:30").unwrap().to_rfc3339(), "2026-12-01T14:30:00+00:00");
        assert_eq!(datetime("2026-12-01T14:30:00+01:00").unwrap().to_rfc3339(), "2026-12-01T13:30:00+00:00");
        assert!(datetime("tomorrow").is_err());
    }
}
