//! Compliance defects in the portal: what went wrong on the vendor's side of the order-to-dock flow,
//! detected from the records, each with its evidence; the PO on-time accuracy of the POs examined;
//! paging over POs with the report's cursor; CSV export. Vendors see their own; retailer staff see
//! every vendor's or one vendor's.

use super::lists::{self, Links};
use super::orders::parse_id;
use super::pages::{self, Shell, access, render, server_error};
use super::session::Req;
use super::shipments::defect_badge;
use super::view::{self, Badge};
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::defects::Defect;
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};
use acorn_service::auth::SessionAuth;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

/// POs examined per page.
const PAGE_POS: u64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DefectsQuery {
    vendor: String,
    cursor: String,
}

pub struct Evidence {
    label: String,
    value: String,
}

pub struct DefectRow {
    kind: Badge,
    po: String,
    po_href: String,
    shipment: String,
    shipment_href: String,
    line: String,
    units: i64,
    when: String,
    when_iso: String,
    evidence: Vec<Evidence>,
}

#[derive(Template)]
#[template(path = "defects.html")]
struct DefectsPage {
    t: T,
    shell: Shell,
    staff: bool,
    vendors: Vec<(String, String)>,
    vendor: String,
    rows: Vec<DefectRow>,
    on_time: String,
    pos_examined: usize,
    next_href: String,
    first_href: String,
    csv_href: String,
}

fn row(d: &Defect) -> DefectRow {
    let shipment = d.shipment_number.clone().unwrap_or_default();
    DefectRow {
        kind: defect_badge(d.kind),
        po_href: format!("/orders{}", super::forms::query(&[("number", &d.po_number)])),
        po: d.po_number.clone(),
        shipment_href: if shipment.is_empty() { String::new() } else { format!("/shipments{}", super::forms::query(&[("number", &shipment)])) },
        shipment,
        line: d.line_no.map(|n| n.to_string()).unwrap_or_default(),
        units: d.units,
        when: view::when(d.occurred_at),
        when_iso: view::iso(d.occurred_at),
        evidence: d.evidence.iter().map(|e| Evidence { label: e.label.clone(), value: e.value.clone() }).collect(),
    }
}

/// "93.5 %" from basis points.
fn percent(bp: i64) -> String {
    format!("{:.1} %", bp as f64 / 100.0)
}

/// The vendor a staff member chose (none: every vendor); vendors always see their own.
fn chosen(auth: &SessionAuth, q: &DefectsQuery) -> Option<TenantId> {
    if !auth.user.is_retailer() {
        return None;
    }
    parse_id(&q.vendor).map(TenantId)
}

fn allowed(auth: &SessionAuth) -> bool {
    access(auth, Area::PurchaseOrders) >= Access::Read
}

pub async fn page(State(s): State<AppState>, req: Req, Query(q): Query<DefectsQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, allowed).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let vendor = chosen(&auth, &q);
    let cursor = lists::cursor(&q.cursor);
    let report = match s.services.list_defects(&ctx, vendor, cursor, Some(PAGE_POS)).await {
        Ok(r) => r,
        Err(e) => return server_error(t, e),
    };
    let staff = auth.user.is_retailer();
    let vendor_id = vendor.map(|v| v.0.to_string()).unwrap_or_default();
    let Links { next_href, first_href, csv_href } = lists::links("/defects", &[("vendor", vendor_id.as_str())], cursor, report.next.as_deref());
    render(&DefectsPage {
        t,
        staff,
        vendors: if staff { pages::vendor_names(&s, &ctx).await } else { Vec::new() },
        rows: report.defects.iter().map(row).collect(),
        on_time: report.on_time_bp.map(percent).unwrap_or_default(),
        pos_examined: report.pos_examined,
        next_href,
        first_href,
        csv_href,
        vendor: vendor_id,
        shell,
    })
}

/// Every defect over all the vendor's POs (or the staff member's choice) as CSV.
pub async fn csv(State(s): State<AppState>, req: Req, Query(q): Query<DefectsQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal_for(&s, &req, allowed).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let vendor = chosen(&auth, &q);
    let header = ["kind", "po_number", "shipment_number", "line_no", "units", "occurred_at_utc", "evidence"];
    let (s, ctx) = (&s, &ctx);
    // Pages of 100 POs (at most 200 pages, as every export).
    lists::export(t, "defects.csv", &header, |cursor| async move {
        let report = s.services.list_defects(ctx, vendor, cursor.as_deref(), Some(100)).await?;
        let rows = report
            .defects
            .iter()
            .map(|d| {
                vec![
                    d.kind.as_str().into(),
                    d.po_number.clone(),
                    d.shipment_number.clone().unwrap_or_default(),
                    d.line_no.map(|n| n.to_string()).unwrap_or_default(),
                    d.units.to_string(),
                    view::iso(d.occurred_at),
                    d.evidence.iter().map(|e| format!("{}: {}", e.label, e.value)).collect::<Vec<_>>().join("; "),
                ]
            })
            .collect();
        Ok((rows, report.next))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_reads_as_a_percentage() {
        assert_eq!(percent(9350), "93.5 %");
        assert_eq!(percent(10000), "100.0 %");
        assert_eq!(percent(0), "0.0 %");
    }
}
