//! Invoices from a CSV upload: one row per invoice line, rows of one invoice sharing its number.
//! Every row is checked and every problem reported by row and column; nothing is stored when any
//! invoice is refused (one transaction for the whole upload). Stored invoices are matched at once.

use crate::csvin::{self, Row};
use crate::invoices::{InvoiceDetail, NewInvoice, NewInvoiceLine, write_invoice};
use crate::{Change, Ctx, ServiceError, Services};
use acorn_domain::orders::Channel;
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::FieldIssue;

/// The columns of the upload, in template order.
pub const INVOICE_CSV_COLUMNS: &[&str] = &["invoice_number", "invoice_date", "po_number", "currency", "total", "po_line_no", "item", "quantity", "unit_cost"];
const REQUIRED: &[&str] = &["invoice_number", "po_number", "item", "quantity", "unit_cost"];
/// Columns every row of one invoice must repeat identically.
const HEADER_COLUMNS: &[&str] = &["invoice_date", "po_number", "currency", "total"];

/// The CSV column of an invoice header field.
fn column_of(field: &str) -> &str {
    match field {
        "number" => "invoice_number",
        "lines" => "item",
        other => other,
    }
}

impl Services {
    pub async fn import_invoices_csv(&self, ctx: &Ctx, text: &str) -> Result<Vec<InvoiceDetail>, ServiceError> {
        crate::authz::require(ctx, Area::Invoices, Access::Write)?;
        let rows = csvin::read(text, REQUIRED, INVOICE_CSV_COLUMNS)?;
        if rows.is_empty() {
            return Err(ServiceError::invalid("row 2", "the file has no invoice lines"));
        }
        let mut groups: Vec<(String, Vec<&Row>)> = Vec::new();
        for row in &rows {
            let key = row.get("invoice_number").trim().to_string();
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, g)) => g.push(row),
                None => groups.push((key, vec![row])),
            }
        }
        let mut issues = Vec::new();
        let mut prepared = Vec::new();
        for (_, g) in &groups {
            let first = g[0];
            for row in &g[1..] {
                for col in HEADER_COLUMNS {
                    if row.get(col) != first.get(col) {
                        issues.push(FieldIssue::new(
                            row.field(col),
                            format!("`{}` differs from row {} of the same invoice (`{}`)", row.get(col), first.number, first.get(col)),
                        ));
                    }
                }
            }
            let mut lines = Vec::new();
            for row in g {
                let quantity = row.get("quantity").parse::<i64>().unwrap_or_else(|_| {
                    issues.push(FieldIssue::new(row.field("quantity"), format!("`{}` is not a whole number", row.get("quantity"))));
                    0
                });
                let po_line_no = match row.get("po_line_no") {
                    "" => None,
                    v => v.parse::<i64>().map_err(|_| issues.push(FieldIssue::new(row.field("po_line_no"), format!("`{v}` is not a line number")))).ok(),
                };
                lines.push(NewInvoiceLine { po_line_no, item: row.get("item").to_string(), quantity, unit_cost: row.get("unit_cost").to_string() });
            }
            let input = NewInvoice {
                number: first.get("invoice_number").to_string(),
                invoice_date: first.get("invoice_date").to_string(),
                po_number: first.get("po_number").to_string(),
                currency: first.get("currency").to_string(),
                lines,
                adjustments: Vec::new(),
                total: Some(first.get("total").to_string()).filter(|t| !t.is_empty()),
            };
            let name = |line: Option<usize>, field: &str| match line {
                Some(i) => g.get(i - 1).map_or_else(|| first.field(column_of(field)), |r| r.field(column_of(field))),
                None => first.field(column_of(field)),
            };
            match self.prepare_invoice(ctx, &input, &name).await {
                Ok(p) => prepared.push(p),
                Err(ServiceError::Invalid(list)) => issues.extend(list),
                Err(e) => return Err(e),
            }
        }
        // Cells that could not be read were replaced by harmless values, so the checks against the POs
        // still run and the report names every problem at once; nothing is kept while any remain.
        let (prepared, parse_issues) = (&prepared, &issues);
        let ids = self
            .mutate(ctx, |tx| async move {
                let mut issues = parse_issues.clone();
                let mut written = Vec::new();
                let mut changes = Vec::new();
                for p in prepared {
                    match write_invoice(tx.c(), ctx, p, Channel::Csv).await {
                        Ok((inv, change)) => {
                            written.push(inv.id);
                            changes.push(change);
                        }
                        // One message per cell: an unreadable cell is not also refused.
                        Err(ServiceError::Invalid(list)) => issues.extend(list.into_iter().filter(|i| !parse_issues.iter().any(|p| p.field == i.field))),
                        Err(e) => return Err(e),
                    }
                }
                if !issues.is_empty() {
                    return Err(ServiceError::Invalid(issues));
                }
                let change = Change::all(changes).ok_or_else(|| ServiceError::internal("an upload with invoices wrote none"))?;
                Ok((written, change))
            })
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            self.match_invoice(id).await?;
            out.push(self.invoice(ctx, id).await?);
        }
        Ok(out)
    }
}
