//! PO upload: many POs from one CSV, all or nothing. Rows with the same `po_number` form one PO;
//! rows without a number are grouped into one PO per vendor code, DC, type, dates and terms (so a
//! buyer can paste lines and let ACORN number the POs). Every bad row is reported by row and
//! column before anything is written.

use crate::authz::require;
use crate::csvin::{self, Row};
use crate::orders::{NewPo, NewPoLine, PoDetail, PreparedPo};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::FieldIssue;

/// Columns of the PO upload, in template order.
pub const PO_CSV_COLUMNS: &[&str] = &[
    "po_number",
    "vendor_code",
    "dc_code",
    "po_type",
    "order_date",
    "ship_start",
    "ship_end",
    "delivery_start",
    "delivery_end",
    "freight_terms",
    "payment_terms",
    "currency",
    "deal_code",
    "vendor_sku",
    "quantity",
    "unit",
    "net_cost",
    "backorder_allowed",
];

/// Header columns every row of one PO must agree on.
const HEADER_COLUMNS: &[&str] = &[
    "vendor_code",
    "dc_code",
    "po_type",
    "order_date",
    "ship_start",
    "ship_end",
    "delivery_start",
    "delivery_end",
    "freight_terms",
    "payment_terms",
    "currency",
    "deal_code",
];

const REQUIRED: &[&str] = &["vendor_code", "dc_code", "ship_start", "ship_end", "delivery_start", "delivery_end", "vendor_sku", "quantity"];

struct Group<'a> {
    key: String,
    rows: Vec<&'a Row>,
}

fn group_key(row: &Row) -> String {
    match row.get("po_number").trim() {
        "" => format!("\u{0}{}", HEADER_COLUMNS.iter().map(|c| row.get(c).trim().to_uppercase()).collect::<Vec<_>>().join("\u{1}")),
        n => n.to_uppercase(),
    }
}

fn truthy(v: &str) -> Result<bool, String> {
    match v.trim().to_lowercase().as_str() {
        "" | "y" | "yes" | "true" | "1" => Ok(true),
        "n" | "no" | "false" | "0" => Ok(false),
        other => Err(format!("`{other}` is not yes or no")),
    }
}

impl Services {
    pub async fn import_pos_csv(&self, ctx: &Ctx, text: &str) -> Result<Vec<PoDetail>, ServiceError> {
        require(ctx, Area::PurchaseOrders, Access::Write)?;
        let rows = csvin::read(text, REQUIRED, PO_CSV_COLUMNS)?;
        let mut groups: Vec<Group> = Vec::new();
        for row in &rows {
            let key = group_key(row);
            match groups.iter_mut().find(|g| g.key == key) {
                Some(g) => g.rows.push(row),
                None => groups.push(Group { key, rows: vec![row] }),
            }
        }
        let mut issues = Vec::new();
        let mut prepared: Vec<PreparedPo> = Vec::new();
        let issued_at = now();
        for g in &groups {
            let first = g.rows[0];
            for row in &g.rows[1..] {
                for col in HEADER_COLUMNS {
                    if row.get(col).trim() != first.get(col).trim() {
                        issues.push(FieldIssue::new(
                            row.field(col),
                            format!("`{}` differs from row {} of the same PO (`{}`)", row.get(col), first.number, first.get(col)),
                        ));
                    }
                }
            }
            let mut lines = Vec::new();
            for row in &g.rows {
                // A cell that cannot be read is reported here and replaced by a harmless value, so
                // the rest of the row is still checked and the report is complete in one go.
                let quantity = row.get("quantity").trim().parse::<i64>().unwrap_or_else(|_| {
                    issues.push(FieldIssue::new(row.field("quantity"), format!("`{}` is not a whole number", row.get("quantity"))));
                    1
                });
                let backorder_allowed = truthy(row.get("backorder_allowed")).unwrap_or_else(|e| {
                    issues.push(FieldIssue::new(row.field("backorder_allowed"), e));
                    true
                });
                lines.push(NewPoLine {
                    vendor_sku: row.get("vendor_sku").to_string(),
                    quantity,
                    unit: row.get("unit").to_string(),
                    net_cost: row.get("net_cost").to_string(),
                    backorder_allowed,
                });
            }
            let number = first.get("po_number").trim();
            let new = NewPo {
                number: (!number.is_empty()).then(|| number.to_string()),
                vendor_code: first.get("vendor_code").into(),
                dc_code: first.get("dc_code").into(),
                po_type: first.get("po_type").into(),
                order_date: first.get("order_date").into(),
                ship_start: first.get("ship_start").into(),
                ship_end: first.get("ship_end").into(),
                delivery_start: first.get("delivery_start").into(),
                delivery_end: first.get("delivery_end").into(),
                freight_terms: first.get("freight_terms").into(),
                payment_terms: first.get("payment_terms").into(),
                currency: first.get("currency").into(),
                deal_code: Some(first.get("deal_code").to_string()),
                lines,
            };
            let namer = |line: Option<usize>, field: &str| -> String {
                let row = line.and_then(|i| g.rows.get(i)).unwrap_or(&first);
                let col = if field == "lines" || field == "po" { "vendor_sku" } else { field };
                if field == "number" { row.field("po_number") } else { row.field(col) }
            };
            match self.prepare_po(&new, &namer, issued_at).await {
                Ok(p) => {
                    if prepared.iter().any(|q| q.po.number == p.po.number) {
                        issues.push(FieldIssue::new(first.field("po_number"), format!("PO {} appears twice", p.po.number)));
                    }
                    prepared.push(p)
                }
                Err(mut e) => issues.append(&mut e),
            }
        }
        if !issues.is_empty() {
            issues.sort_by_key(|i| row_of(&i.field));
            return Err(ServiceError::Invalid(issues));
        }
        let p = &prepared;
        self.mutate(ctx, |tx| async move {
            let mut changes = Vec::new();
            for po in p {
                changes.push(Self::write_po(tx.c(), ctx, po).await.map_err(|e| match e {
                    ServiceError::Conflict { message, .. } => ServiceError::invalid(&format!("PO {}", po.po.number), message),
                    other => other,
                })?);
            }
            Ok(((), Change::all(changes).ok_or_else(|| ServiceError::internal("empty upload"))?))
        })
        .await?;
        let mut out = Vec::new();
        for po in &prepared {
            out.push(self.po_detail_unchecked(po.po.tenant, po.po.id).await?);
        }
        Ok(out)
    }
}

/// Row number named by an issue field (`row 7, quantity` → 7), for a report in row order.
fn row_of(field: &str) -> usize {
    field.strip_prefix("row ").and_then(|r| r.split(',').next()).and_then(|n| n.trim().parse().ok()).unwrap_or(usize::MAX)
}
