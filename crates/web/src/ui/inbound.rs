//! The vendor's inbound plan: items and quantities typed or pasted one per line, split across the
//! DCs by the open PO lines that still need them (the `inbound_plan` use case), with what no PO
//! needs reported as not placed. Reading a plan changes nothing, so the form is a GET: the plan's
//! address can be bookmarked or shared with a colleague.

use super::forms::FieldErrors;
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::policy::{Access, Area};
use acorn_service::ServiceError;
use acorn_service::auth::SessionAuth;
use acorn_service::inbound::InboundPlan;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Lines one plan takes at most.
const MAX_LINES: usize = 500;

/// A line of the list as read: its number in the text box, the vendor SKU and the eaches.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Wanted {
    line: usize,
    sku: String,
    quantity: i64,
}

pub struct AllocRow {
    dc: String,
    po: String,
    po_href: String,
    line: i64,
    quantity: i64,
}

/// One item of the plan: where its eaches go and what is left over.
pub struct ItemPlan {
    sku: String,
    wanted: i64,
    rows: Vec<AllocRow>,
    unplaced: i64,
    /// Table rows the item takes (its allocations, and one for what is not placed).
    span: usize,
}

pub struct DcTotal {
    dc: String,
    units: i64,
    pos: usize,
}

/// The plan as the page shows it.
pub struct PlanView {
    items: Vec<ItemPlan>,
    by_dc: Vec<DcTotal>,
    wanted: i64,
    placed: i64,
    unplaced: i64,
}

#[derive(Template)]
#[template(path = "inbound.html")]
struct InboundPage {
    t: T,
    shell: Shell,
    errors: Errors,
    lines: String,
    plan: Option<PlanView>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanQuery {
    /// The list as typed; absent until the form is sent.
    lines: Option<String>,
}

/// Vendor users who read acknowledgements: a tool for the vendor's own stock.
pub(crate) fn allowed(auth: &SessionAuth) -> bool {
    !auth.user.is_retailer() && access(auth, Area::Acknowledgements) >= Access::Read
}

fn line_error(t: T, line: usize, issue: &str) -> (String, String) {
    ("lines".to_string(), t.t("inbound.err.line").replace("{n}", &line.to_string()).replace("{issue}", issue))
}

/// Splits a line into SKU and quantity: at its last tab, comma or semicolon (what spreadsheets and
/// CSV paste), else at its last run of spaces.
fn split_line(l: &str) -> Option<(&str, &str)> {
    let (sku, qty) = match l.rfind(['\t', ',', ';']) {
        Some(i) => (&l[..i], &l[i + 1..]),
        None => l.trim().rsplit_once(char::is_whitespace)?,
    };
    let (sku, qty) = (sku.trim(), qty.trim());
    if sku.is_empty() || qty.is_empty() { None } else { Some((sku, qty)) }
}

/// Reads the list: one item per non-blank line. Errors name the line (its number in the box).
fn read_lines(t: T, text: &str) -> (Vec<Wanted>, Errors) {
    let mut wanted = Vec::new();
    let mut errors = Errors::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match split_line(raw) {
            None => errors.push(line_error(t, line, t.t("inbound.err.format"))),
            Some((sku, qty)) => match qty.parse::<i64>().ok().filter(|q| *q > 0) {
                Some(quantity) => wanted.push(Wanted { line, sku: sku.to_string(), quantity }),
                None => errors.push(line_error(t, line, &t.t("inbound.err.quantity").replace("{value}", qty))),
            },
        }
    }
    if wanted.is_empty() && errors.is_empty() {
        errors.push(("lines".into(), t.t("inbound.err.empty").into()));
    }
    if wanted.len() > MAX_LINES {
        errors.push(("lines".into(), t.t("inbound.err.too_many").replace("{max}", &MAX_LINES.to_string())));
    }
    (wanted, errors)
}

/// The use case's refusals, on the lines they are about (`items[3].vendor_sku` is the fourth line read).
fn service_errors(t: T, e: ServiceError, wanted: &[Wanted]) -> Result<Errors, ServiceError> {
    let ServiceError::Invalid(issues) = e else { return Err(e) };
    Ok(issues
        .into_iter()
        .map(|i| {
            let entry = i.field.strip_prefix("items[").and_then(|r| r.split_once(']')).and_then(|(n, f)| Some((n.parse::<usize>().ok()?, f)));
            match entry.and_then(|(n, f)| Some((wanted.get(n)?, f))) {
                Some((w, ".vendor_sku")) => line_error(t, w.line, &t.t("inbound.err.unknown").replace("{sku}", &w.sku)),
                Some((w, _)) => line_error(t, w.line, &i.issue),
                None => ("lines".to_string(), i.issue),
            }
        })
        .collect())
}

/// Groups the plan by item (in the order typed) and totals it by DC.
fn plan_view(wanted: &[Wanted], plan: &InboundPlan) -> PlanView {
    let mut items: Vec<ItemPlan> = Vec::new();
    for w in wanted {
        match items.iter_mut().find(|i| i.sku == w.sku) {
            Some(i) => i.wanted += w.quantity,
            None => items.push(ItemPlan { sku: w.sku.clone(), wanted: w.quantity, rows: Vec::new(), unplaced: 0, span: 0 }),
        }
    }
    for a in &plan.allocations {
        if let Some(i) = items.iter_mut().find(|i| i.sku == a.vendor_sku) {
            i.rows.push(AllocRow {
                dc: a.dc_code.clone(),
                po: a.po_number.clone(),
                po_href: format!("/orders?number={}", super::forms::q(&a.po_number)),
                line: a.line_no,
                quantity: a.quantity,
            });
        }
    }
    for (sku, left) in &plan.unallocated {
        if let Some(i) = items.iter_mut().find(|i| i.sku == *sku) {
            i.unplaced += left;
        }
    }
    for i in &mut items {
        i.span = i.rows.len() + usize::from(i.unplaced > 0);
    }
    let mut by_dc: Vec<(String, i64, Vec<String>)> = Vec::new();
    for a in &plan.allocations {
        let i = match by_dc.iter().position(|d| d.0 == a.dc_code) {
            Some(i) => i,
            None => {
                by_dc.push((a.dc_code.clone(), 0, Vec::new()));
                by_dc.len() - 1
            }
        };
        by_dc[i].1 += a.quantity;
        if !by_dc[i].2.contains(&a.po_number) {
            by_dc[i].2.push(a.po_number.clone());
        }
    }
    by_dc.sort_by(|a, b| a.0.cmp(&b.0));
    let placed = plan.allocations.iter().map(|a| a.quantity).sum();
    let unplaced = plan.unallocated.iter().map(|(_, q)| q).sum();
    PlanView {
        wanted: wanted.iter().map(|w| w.quantity).sum(),
        placed,
        unplaced,
        by_dc: by_dc.into_iter().map(|(dc, units, pos)| DcTotal { dc, units, pos: pos.len() }).collect(),
        items,
    }
}

pub async fn page(State(s): State<AppState>, req: Req, Query(q): Query<PlanQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, allowed).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(text) = q.lines else {
        return render(&InboundPage { t, shell, errors: Errors::new(), lines: String::new(), plan: None });
    };
    let (wanted, errors) = read_lines(t, &text);
    let refused = |errors: Errors, shell: Shell| {
        (StatusCode::UNPROCESSABLE_ENTITY, render(&InboundPage { t, shell, errors, lines: text.clone(), plan: None })).into_response()
    };
    if !errors.is_empty() {
        return refused(errors, shell);
    }
    let items: Vec<(String, i64)> = wanted.iter().map(|w| (w.sku.clone(), w.quantity)).collect();
    match s.services.inbound_plan(&req.ctx(&auth), &items).await {
        Ok(plan) => render(&InboundPage { t, shell, errors, plan: Some(plan_view(&wanted, &plan)), lines: text.clone() }),
        Err(e) => match service_errors(t, e, &wanted) {
            Ok(errors) => refused(errors, shell),
            Err(e) => server_error(t, e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use acorn_domain::people::Locale;
    use acorn_service::inbound::Allocation;

    fn t() -> T {
        T::new(Locale::En)
    }

    #[test]
    fn reads_pasted_and_typed_lines_and_names_bad_ones() {
        let (w, e) = read_lines(t(), "SKU-1, 240\n\nSKU 2\t12\r\nSKU-3 7\nSKU-4;0\nnothing\nSKU-5, ten\n");
        assert_eq!(
            w,
            vec![
                Wanted { line: 1, sku: "SKU-1".into(), quantity: 240 },
                Wanted { line: 3, sku: "SKU 2".into(), quantity: 12 },
                Wanted { line: 4, sku: "SKU-3".into(), quantity: 7 },
            ]
        );
        let msgs: Vec<&str> = e.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].starts_with("Line 5:") && msgs[0].contains("`0`"), "{msgs:?}");
        assert!(msgs[1].starts_with("Line 6:"), "{msgs:?}");
        assert!(msgs[2].starts_with("Line 7:") && msgs[2].contains("`ten`"), "{msgs:?}");
        assert!(e.iter().all(|(f, _)| f == "lines"));
        let (_, e) = read_lines(t(), " \n");
        assert!(e.has("lines") && e.msg("lines").contains("at least one"), "{e:?}");
    }

    #[test]
    fn unknown_items_are_named_on_their_line() {
        let (w, _) = read_lines(t(), "A, 1\n\nB, 2");
        let e = ServiceError::Invalid(vec![acorn_domain::FieldIssue::new("items[1].vendor_sku", "`B` is not one of your items")]);
        let errs = service_errors(t(), e, &w).unwrap();
        assert_eq!(errs[0].0, "lines");
        assert!(errs[0].1.starts_with("Line 3:") && errs[0].1.contains("B"), "{errs:?}");
        assert!(service_errors(t(), ServiceError::Forbidden, &w).is_err());
    }

    #[test]
    fn the_plan_is_grouped_by_item_and_totalled_by_dc() {
        let (w, _) = read_lines(t(), "A, 10\nB, 5\nA, 2");
        let alloc = |sku: &str, dc: &str, po: &str, q| Allocation { vendor_sku: sku.into(), dc_code: dc.into(), po_number: po.into(), line_no: 1, quantity: q };
        let plan = InboundPlan {
            allocations: vec![alloc("A", "DC2", "P1", 6), alloc("A", "DC1", "P2", 4), alloc("B", "DC2", "P3", 5)],
            unallocated: vec![("A".into(), 2)],
        };
        let v = plan_view(&w, &plan);
        assert_eq!(v.items.len(), 2);
        assert_eq!((v.items[0].sku.as_str(), v.items[0].wanted, v.items[0].rows.len(), v.items[0].unplaced), ("A", 12, 2, 2));
        assert_eq!((v.wanted, v.placed, v.unplaced), (17, 15, 2));
        assert_eq!(v.by_dc.iter().map(|d| (d.dc.as_str(), d.units, d.pos)).collect::<Vec<_>>(), [("DC1", 4, 1), ("DC2", 11, 2)]);
        assert_eq!(v.items[0].rows[0].po_href, "/orders?number=P1");
    }
}
