//! Amazon SP-API compatible invoice submission, `POST /vendor/payments/v1/invoices` (the
//! `submitInvoices` operation of Amazon's vendorInvoices model): Amazon's body and error shapes, the
//! `x-amz-access-token` header, no `Idempotency-Key` (the invoice number dedupes: a second submission
//! of one is refused as a duplicate), lenient about fields ACORN does not use.
//!
//! Mapping of Amazon's `Invoice` onto an ACORN invoice (one per purchase order):
//! - `id` → number, `date` (ISO 8601) → invoice date, `invoiceTotal` → currency and the declared total
//!   (checked to the cent);
//! - `items[]`: `purchaseOrderNumber` (the same for every item: an invoice covers one PO; more are
//!   refused with the numbers named), `vendorProductIdentifier` (else `amazonProductIdentifier`) → the
//!   item, `invoicedQuantity` in `Eaches`, or `Cases` × `unitSize` → eaches, `netCost.amount` → unit cost;
//! - invoice-level `chargeDetails`, `allowanceDetails`, `taxDetails` → charges, allowances, tax; when the
//!   invoice has none of a kind, the items' details of that kind are summed by type instead.
//!
//! A `CreditNote` is mapped onto an ACORN credit note of one invoice:
//! - `items[].creditNoteDetails.referenceInvoiceNumber` (required, the same for every item: a credit
//!   note credits one invoice; more are refused with the numbers named) → the invoice credited; the
//!   items' `purchaseOrderNumber` is not needed (the credit note takes its invoice's PO);
//! - `id`, `date`, items → lines credited and the details → adjustments as for an invoice;
//! - `invoiceTotal` is checked to the cent against the total its lines and adjustments make
//!   (`acorn_domain::invoices::totals`; refused on `invoiceTotal.amount`), and its currency against the
//!   credited invoice's (`invoiceTotal.currencyCode`), before anything is submitted.
//!
//! Every invoice of a request is checked first (any problem: 400 with every problem, nothing stored),
//! then submitted on its own. Validation, matching and crediting run synchronously, so the answer is
//! final: 202 with `transactionId` = the stored invoice's or credit note's id (ids joined by `,` for
//! several; ACORN has no transaction-status endpoint yet), plus `errors` for any that was refused; 400
//! when none was accepted.

use super::auth::Api;
use crate::error::ApiError;
use crate::request::current_request_id;
use crate::state::AppState;
use acorn_domain::invoices::{Adjustment, AdjustmentKind, InvoiceType, Refusal, totals};
use acorn_domain::orders::Channel;
use acorn_domain::policy::{Access, Area};
use acorn_service::credit_notes::NewCreditNote;
use acorn_service::invoices::{NewAdjustment, NewInvoice, NewInvoiceLine};
use acorn_service::{Ctx, ServiceError};
use acorn_store::repo::invoices::InvoiceFilter;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::ToSchema;

/// One error, Amazon's shape.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SpError {
    pub code: String,
    pub message: String,
    /// ACORN puts the JSON path of the field here (e.g. `invoices[0].items[1].netCost.amount`).
    pub details: String,
}

#[derive(Serialize, ToSchema)]
pub struct SpTransaction {
    #[serde(rename = "transactionId")]
    pub transaction_id: String,
}

/// Amazon's `SubmitInvoicesResponse`.
#[derive(Serialize, ToSchema)]
pub struct SpSubmitResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<SpTransaction>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<SpError>,
}

fn err(code: &str, message: impl Into<String>, details: impl Into<String>) -> SpError {
    SpError { code: code.into(), message: message.into(), details: details.into() }
}

fn respond(status: StatusCode, body: SpSubmitResponse) -> Response {
    let mut res = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&current_request_id()) {
        res.headers_mut().insert("x-amzn-requestid", v);
    }
    res
}

fn errors(status: StatusCode, errors: Vec<SpError>) -> Response {
    respond(status, SpSubmitResponse { payload: None, errors })
}

/// A native error in Amazon's shape (authentication, role, rate of use, our own failures).
fn from_api(e: ApiError) -> Response {
    let (status, code) = match e.status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => (StatusCode::FORBIDDEN, "Unauthorized"),
        StatusCode::NOT_FOUND => (StatusCode::NOT_FOUND, "NotFound"),
        StatusCode::TOO_MANY_REQUESTS => (StatusCode::TOO_MANY_REQUESTS, "QuotaExceeded"),
        s if s.is_server_error() => (StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure"),
        _ => (StatusCode::BAD_REQUEST, "InvalidInput"),
    };
    let message = if code == "Unauthorized" { "Access to requested resource is denied.".to_string() } else { e.message.clone() };
    let mut list: Vec<SpError> = e.details.iter().map(|d| err(code, format!("{}: {}", d.field, d.issue), d.field.clone())).collect();
    if list.is_empty() {
        list.push(err(code, message, e.message));
    }
    errors(status, list)
}

// ---- Amazon's request, read leniently ----

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpMoney {
    currency_code: Option<String>,
    amount: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpQuantity {
    amount: Option<i64>,
    unit_of_measure: Option<String>,
    unit_size: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpCharge {
    #[serde(rename = "type")]
    kind: Option<String>,
    description: Option<String>,
    charge_amount: Option<SpMoney>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpAllowance {
    #[serde(rename = "type")]
    kind: Option<String>,
    description: Option<String>,
    allowance_amount: Option<SpMoney>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpTax {
    tax_type: Option<String>,
    tax_amount: Option<SpMoney>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpCreditNoteDetails {
    reference_invoice_number: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpItem {
    item_sequence_number: Option<i64>,
    amazon_product_identifier: Option<String>,
    vendor_product_identifier: Option<String>,
    invoiced_quantity: Option<SpQuantity>,
    net_cost: Option<SpMoney>,
    net_cost_unit_of_measure: Option<String>,
    purchase_order_number: Option<String>,
    credit_note_details: Option<SpCreditNoteDetails>,
    tax_details: Vec<SpTax>,
    charge_details: Vec<SpCharge>,
    allowance_details: Vec<SpAllowance>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct SpInvoice {
    invoice_type: Option<String>,
    id: Option<String>,
    date: Option<String>,
    remit_to_party: Option<serde_json::Value>,
    invoice_total: Option<SpMoney>,
    tax_details: Vec<SpTax>,
    charge_details: Vec<SpCharge>,
    allowance_details: Vec<SpAllowance>,
    items: Vec<SpItem>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SpPayload {
    invoices: Option<Vec<SpInvoice>>,
}

/// Amazon's `SubmitInvoicesRequest` (`{"invoices": […]}`; the `{"payload": {"invoices": […]}}` form of
/// the model's example is accepted too).
#[derive(Deserialize, Default)]
#[serde(default)]
struct SpRequest {
    invoices: Option<Vec<SpInvoice>>,
    payload: Option<SpPayload>,
}

/// One mapped Amazon invoice or credit note, with where its adjustments came from, to name them in errors.
struct Mapped {
    /// The invoice; for a credit note its number, date, lines and adjustments (see [`Mapped::credit_note`]).
    input: NewInvoice,
    /// For a credit note: the number of the invoice it credits.
    credits: Option<String>,
    /// Each adjustment's Amazon detail path(s), its type field and its amount field, by position.
    adjustment_paths: Vec<(String, &'static str, &'static str)>,
}

impl Mapped {
    /// The credit note this is, if it is one.
    fn credit_note(&self) -> Option<NewCreditNote> {
        let invoice_number = self.credits.clone()?;
        Some(NewCreditNote {
            number: self.input.number.clone(),
            date: self.input.invoice_date.clone(),
            invoice_number,
            lines: self.input.lines.clone(),
            adjustments: self.input.adjustments.clone(),
        })
    }

    /// The total the lines (quantity × unit cost) and adjustments make, as the use cases compute it;
    /// None when one of them cannot be read (the use case names it).
    fn computed_total(&self) -> Option<Decimal> {
        let currency = self.input.currency.as_str();
        let lines = self
            .input
            .lines
            .iter()
            .map(|l| acorn_domain::money::parse_amount(&l.unit_cost, false).ok().and_then(|c| acorn_domain::money::checked_extend(l.quantity, c).ok()))
            .collect::<Option<Vec<Decimal>>>()?;
        let adjustments = self
            .input
            .adjustments
            .iter()
            .map(|a| {
                Some(Adjustment {
                    kind: AdjustmentKind::parse(a.kind.trim())?,
                    code: a.code.clone(),
                    description: a.description.clone(),
                    amount: acorn_domain::money::parse_amount(&a.amount, false).ok()?,
                })
            })
            .collect::<Option<Vec<Adjustment>>>()?;
        Some(totals(lines, &adjustments, currency).total)
    }
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The amount of an Amazon `Money`, checking its currency against the invoice's.
fn money(m: &Option<SpMoney>, path: &str, currency: Option<&str>, errs: &mut Vec<SpError>) -> Option<String> {
    let Some(m) = m else {
        errs.push(err("InvalidInput", format!("{path} is required"), path));
        return None;
    };
    if let (Some(c), Some(invoice)) = (text(&m.currency_code), currency)
        && !c.eq_ignore_ascii_case(invoice)
    {
        errs.push(err("InvalidInput", format!("{path}.currencyCode {c} differs from the invoice total's currency {invoice}"), format!("{path}.currencyCode")));
    }
    match text(&m.amount) {
        Some(a) => Some(a.to_string()),
        None => {
            errs.push(err("InvalidInput", format!("{path}.amount is required"), format!("{path}.amount")));
            None
        }
    }
}

fn invoice_date(v: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(v).map(|d| d.date_naive()).ok().or_else(|| NaiveDate::parse_from_str(v.get(..10).unwrap_or(v), "%Y-%m-%d").ok())
}

/// One charge, allowance or tax detail: type, description, amount and the detail's path.
type Detail = (String, Option<String>, Option<SpMoney>, String);

/// An adjustment list of one kind: the invoice's own details, else its items' summed by type.
/// `fields` names the detail's type and amount fields (`type`/`chargeAmount`, `taxType`/`taxAmount`…).
fn adjustments(
    kind: &str,
    fields: (&'static str, &'static str),
    own: Vec<Detail>,
    items: Vec<Detail>,
    currency: Option<&str>,
    errs: &mut Vec<SpError>,
    out: &mut Mapped,
) {
    let (type_field, amount_field) = fields;
    if !own.is_empty() {
        for (code, description, amount, path) in own {
            if let Some(a) = money(&amount, &format!("{path}.{amount_field}"), currency, errs) {
                out.input.adjustments.push(NewAdjustment { kind: kind.into(), code, description, amount: a });
                out.adjustment_paths.push((path, type_field, amount_field));
            }
        }
        return;
    }
    let mut by_type: BTreeMap<String, (Decimal, Vec<String>)> = BTreeMap::new();
    for (code, _, amount, path) in items {
        let Some(a) = money(&amount, &format!("{path}.{amount_field}"), currency, errs) else { continue };
        match acorn_domain::money::parse_amount(&a, false) {
            Ok(v) => {
                let e = by_type.entry(code).or_default();
                e.0 += v;
                e.1.push(path);
            }
            Err(issue) => errs.push(err("InvalidInput", format!("{path}.{amount_field}.amount {issue}"), format!("{path}.{amount_field}.amount"))),
        }
    }
    for (code, (sum, paths)) in by_type {
        out.input.adjustments.push(NewAdjustment { kind: kind.into(), code, description: None, amount: sum.normalize().to_string() });
        out.adjustment_paths.push((paths.join(" + "), type_field, amount_field));
    }
}

/// Maps one Amazon invoice or credit note onto ACORN's, or says everything wrong with it.
fn map_invoice(i: usize, inv: SpInvoice) -> Result<Mapped, Vec<SpError>> {
    let p = format!("invoices[{i}]");
    let mut errs = Vec::new();
    let bad = |errs: &mut Vec<SpError>, field: &str, message: String| errs.push(err("InvalidInput", message, format!("{p}.{field}")));
    let mut kind = InvoiceType::Invoice;
    match text(&inv.invoice_type) {
        Some("Invoice") => {}
        Some("CreditNote") => kind = InvoiceType::CreditNote,
        Some(other) => {
            bad(
                &mut errs,
                "invoiceType",
                format!("Value '{other}' is not valid with respect to enumeration '[CreditNote, Invoice]'. It must be a value from the enumeration."),
            );
            bad(&mut errs, "invoiceType", format!("The value '{other}' of element 'invoiceType' is not valid."));
        }
        None => bad(&mut errs, "invoiceType", format!("{p}.invoiceType is required")),
    }
    let number = text(&inv.id).map(str::to_string);
    if number.is_none() {
        bad(&mut errs, "id", format!("{p}.id is required: the invoice number"));
    }
    let date = match text(&inv.date) {
        None => {
            bad(&mut errs, "date", format!("{p}.date is required"));
            None
        }
        Some(d) => {
            let parsed = invoice_date(d);
            if parsed.is_none() {
                bad(&mut errs, "date", format!("{p}.date `{d}` is not an ISO 8601 date-time like 2026-11-20T12:00:00Z"));
            }
            parsed
        }
    };
    if inv.remit_to_party.is_none() {
        bad(&mut errs, "remitToParty", format!("{p}.remitToParty is required"));
    }
    let currency = inv.invoice_total.as_ref().and_then(|m| text(&m.currency_code)).map(str::to_ascii_uppercase);
    if inv.invoice_total.is_some() && currency.is_none() {
        bad(&mut errs, "invoiceTotal.currencyCode", format!("{p}.invoiceTotal.currencyCode is required"));
    }
    let total = money(&inv.invoice_total, &format!("{p}.invoiceTotal"), None, &mut errs);
    let cur = currency.as_deref();
    let credit = kind == InvoiceType::CreditNote;
    if inv.items.is_empty() {
        if credit {
            bad(
                &mut errs,
                "items",
                format!("{p}.items: a credit note needs at least one item, whose creditNoteDetails.referenceInvoiceNumber names the invoice credited"),
            );
        } else {
            bad(&mut errs, "items", format!("{p}.items: an invoice needs at least one item (an invoice covers one purchase order)"));
        }
    }
    let mut pos: BTreeSet<String> = BTreeSet::new();
    let mut references: BTreeSet<String> = BTreeSet::new();
    let mut lines = Vec::new();
    for (j, item) in inv.items.iter().enumerate() {
        let ip = format!("{p}.items[{j}]");
        let bad = |errs: &mut Vec<SpError>, field: &str, message: String| errs.push(err("InvalidInput", message, format!("{ip}.{field}")));
        if item.item_sequence_number.is_none() {
            bad(&mut errs, "itemSequenceNumber", format!("{ip}.itemSequenceNumber is required"));
        }
        if credit {
            // A credit note carries its invoice's PO: any purchaseOrderNumber given is not used.
            match item.credit_note_details.as_ref().and_then(|d| text(&d.reference_invoice_number)) {
                Some(r) => {
                    references.insert(r.to_string());
                }
                None => bad(
                    &mut errs,
                    "creditNoteDetails.referenceInvoiceNumber",
                    format!("{ip}.creditNoteDetails.referenceInvoiceNumber is required for a CreditNote: the number of the invoice credited"),
                ),
            }
        } else {
            match text(&item.purchase_order_number) {
                Some(po) => {
                    pos.insert(po.to_ascii_uppercase());
                }
                None => bad(&mut errs, "purchaseOrderNumber", format!("{ip}.purchaseOrderNumber is required for an Invoice")),
            }
        }
        let identifier = text(&item.vendor_product_identifier).or(text(&item.amazon_product_identifier));
        if identifier.is_none() {
            bad(&mut errs, "vendorProductIdentifier", format!("{ip}: give vendorProductIdentifier (your SKU) or amazonProductIdentifier"));
        }
        if let Some(u) = text(&item.net_cost_unit_of_measure) {
            bad(&mut errs, "netCostUnitOfMeasure", format!("{ip}.netCostUnitOfMeasure {u}: items priced by weight cannot be invoiced here"));
        }
        let quantity = match &item.invoiced_quantity {
            None => {
                bad(&mut errs, "invoicedQuantity", format!("{ip}.invoicedQuantity is required"));
                None
            }
            Some(q) => {
                let amount = q.amount.unwrap_or(0);
                if q.amount.is_none() {
                    bad(&mut errs, "invoicedQuantity.amount", format!("{ip}.invoicedQuantity.amount is required"));
                }
                match text(&q.unit_of_measure) {
                    Some("Eaches") => Some(amount),
                    Some("Cases") => match q.unit_size {
                        Some(size) if size > 0 => amount.checked_mul(size).or_else(|| {
                            bad(&mut errs, "invoicedQuantity", format!("{ip}.invoicedQuantity: {amount} cases of {size} is too many units"));
                            None
                        }),
                        _ => {
                            bad(
                                &mut errs,
                                "invoicedQuantity.unitSize",
                                format!("{ip}.invoicedQuantity.unitSize (eaches per case, above 0) is required for Cases"),
                            );
                            None
                        }
                    },
                    Some(other) => {
                        bad(
                            &mut errs,
                            "invoicedQuantity.unitOfMeasure",
                            format!("Value '{other}' is not valid with respect to enumeration '[Cases, Eaches]'. It must be a value from the enumeration."),
                        );
                        None
                    }
                    None => {
                        bad(&mut errs, "invoicedQuantity.unitOfMeasure", format!("{ip}.invoicedQuantity.unitOfMeasure is required"));
                        None
                    }
                }
            }
        };
        let unit_cost = money(&item.net_cost, &format!("{ip}.netCost"), cur, &mut errs);
        if let (Some(identifier), Some(quantity), Some(unit_cost)) = (identifier, quantity, unit_cost) {
            lines.push(NewInvoiceLine { po_line_no: None, item: identifier.to_string(), quantity, unit_cost });
        }
    }
    if pos.len() > 1 {
        let list: Vec<_> = pos.iter().cloned().collect();
        bad(
            &mut errs,
            "items",
            format!("{p} ({}) covers purchase orders {}; submit one invoice per purchase order", number.as_deref().unwrap_or("?"), list.join(", ")),
        );
    }
    if references.len() > 1 {
        let list: Vec<_> = references.iter().cloned().collect();
        bad(
            &mut errs,
            "items",
            format!(
                "{p} ({}) credits invoices {} (items[].creditNoteDetails.referenceInvoiceNumber); a credit note credits one invoice",
                number.as_deref().unwrap_or("?"),
                list.join(", ")
            ),
        );
    }
    let mut out = Mapped {
        input: NewInvoice {
            number: number.unwrap_or_default(),
            invoice_date: date.map(|d| d.to_string()).unwrap_or_default(),
            po_number: pos.into_iter().next().unwrap_or_default(),
            currency: currency.clone().unwrap_or_default(),
            lines,
            adjustments: Vec::new(),
            total,
        },
        credits: if credit { references.into_iter().next() } else { None },
        adjustment_paths: Vec::new(),
    };
    let items = &inv.items;
    let own: Vec<Detail> = inv
        .charge_details
        .into_iter()
        .enumerate()
        .map(|(k, c)| (c.kind.unwrap_or_default(), c.description, c.charge_amount, format!("{p}.chargeDetails[{k}]")))
        .collect();
    let of_items: Vec<Detail> = items
        .iter()
        .enumerate()
        .flat_map(|(j, it)| {
            it.charge_details.iter().enumerate().map(move |(k, c)| {
                (c.kind.clone().unwrap_or_default(), None, c.charge_amount.as_ref().map(clone_money), format!("items[{j}].chargeDetails[{k}]"))
            })
        })
        .collect();
    adjustments("charge", ("type", "chargeAmount"), own, prefixed(&p, of_items), cur, &mut errs, &mut out);
    let own: Vec<Detail> = inv
        .allowance_details
        .into_iter()
        .enumerate()
        .map(|(k, a)| (a.kind.unwrap_or_default(), a.description, a.allowance_amount, format!("{p}.allowanceDetails[{k}]")))
        .collect();
    let of_items: Vec<Detail> = items
        .iter()
        .enumerate()
        .flat_map(|(j, it)| {
            it.allowance_details.iter().enumerate().map(move |(k, a)| {
                (a.kind.clone().unwrap_or_default(), None, a.allowance_amount.as_ref().map(clone_money), format!("items[{j}].allowanceDetails[{k}]"))
            })
        })
        .collect();
    adjustments("allowance", ("type", "allowanceAmount"), own, prefixed(&p, of_items), cur, &mut errs, &mut out);
    let own: Vec<Detail> =
        inv.tax_details.into_iter().enumerate().map(|(k, t)| (t.tax_type.unwrap_or_default(), None, t.tax_amount, format!("{p}.taxDetails[{k}]"))).collect();
    let of_items: Vec<Detail> = items
        .iter()
        .enumerate()
        .flat_map(|(j, it)| {
            it.tax_details.iter().enumerate().map(move |(k, t)| {
                (t.tax_type.clone().unwrap_or_default(), None, t.tax_amount.as_ref().map(clone_money), format!("items[{j}].taxDetails[{k}]"))
            })
        })
        .collect();
    adjustments("tax", ("taxType", "taxAmount"), own, prefixed(&p, of_items), cur, &mut errs, &mut out);
    // A credit note has no declared total of its own in the use case: invoiceTotal is checked here,
    // against what its lines and adjustments make, before anything is submitted.
    if credit
        && errs.is_empty()
        && let (Some(declared), Some(cur)) = (out.input.total.as_deref(), cur)
    {
        match acorn_domain::money::parse_amount(declared, false) {
            Ok(declared) => {
                if let Some(computed) = out.computed_total()
                    && acorn_domain::money::round_ledger(declared, cur) != computed
                {
                    let refusal = Refusal::TotalMismatch {
                        declared: acorn_domain::money::format_amount(declared, cur),
                        computed: acorn_domain::money::format_amount(computed, cur),
                    };
                    bad(&mut errs, "invoiceTotal.amount", format!("{p}.invoiceTotal.amount: {refusal}"));
                }
            }
            Err(issue) => bad(&mut errs, "invoiceTotal.amount", format!("{p}.invoiceTotal.amount {issue}")),
        }
    }
    if errs.is_empty() { Ok(out) } else { Err(errs) }
}

/// Item detail paths under the invoice's path.
fn prefixed(p: &str, list: Vec<Detail>) -> Vec<Detail> {
    list.into_iter().map(|(a, b, c, path)| (a, b, c, format!("{p}.{path}"))).collect()
}

fn clone_money(m: &SpMoney) -> SpMoney {
    SpMoney { currency_code: m.currency_code.clone(), amount: m.amount.clone() }
}

/// The Amazon path of a field the invoice use case named (`lines[2].quantity`, `adjustments[1].code`…).
fn amazon_path(p: &str, field: &str, m: &Mapped) -> String {
    let indexed = |rest: &str, prefix: &str| -> Option<(usize, String)> {
        let rest = rest.strip_prefix(prefix)?;
        let (n, tail) = rest.split_once(']')?;
        Some((n.parse::<usize>().ok()?, tail.trim_start_matches('.').to_string()))
    };
    if let Some((n, tail)) = indexed(field, "lines[") {
        let leaf = match tail.as_str() {
            "quantity" => "invoicedQuantity.amount",
            "unit_cost" => "netCost.amount",
            _ => "vendorProductIdentifier",
        };
        return format!("{p}.items[{}].{leaf}", n.saturating_sub(1));
    }
    if let Some((n, tail)) = indexed(field, "adjustments[") {
        let Some((path, type_field, amount_field)) = m.adjustment_paths.get(n.saturating_sub(1)) else { return format!("{p}.{field}") };
        return match tail.as_str() {
            "type" | "code" | "kind" => format!("{path}.{type_field}"),
            "amount" => format!("{path}.{amount_field}.amount"),
            other => format!("{path}.{other}"),
        };
    }
    match field {
        "number" => format!("{p}.id"),
        "invoice_date" | "date" => format!("{p}.date"),
        "invoice_number" => format!("{p}.items[0].creditNoteDetails.referenceInvoiceNumber"),
        "po_number" => format!("{p}.items.purchaseOrderNumber"),
        "currency" => format!("{p}.invoiceTotal.currencyCode"),
        "total" => format!("{p}.invoiceTotal.amount"),
        "lines" => format!("{p}.items"),
        other => format!("{p}.{other}"),
    }
}

/// The errors of one refused invoice, in Amazon's shape, or the error to answer with at once.
fn refused(i: usize, m: &Mapped, e: ServiceError) -> Result<Vec<SpError>, ApiError> {
    let p = format!("invoices[{i}]");
    match e {
        ServiceError::Invalid(issues) => Ok(issues
            .iter()
            .map(|x| {
                let path = amazon_path(&p, &x.field, m);
                err("InvalidInput", format!("{path}: {}", x.issue), path)
            })
            .collect()),
        ServiceError::Rejected { message, .. } | ServiceError::Conflict { message, .. } => Ok(vec![err("InvalidInput", format!("{p}: {message}"), p.clone())]),
        other => Err(ApiError::from(other)),
    }
}

/// A credit note's `invoiceTotal.currencyCode` against the currency of the invoice it credits (the
/// credit note takes that currency). An invoice that is not found is left to the use case to name.
async fn credit_currency(s: &AppState, ctx: &Ctx, i: usize, m: &Mapped) -> Result<Vec<SpError>, ApiError> {
    let Some(number) = m.credits.as_deref() else { return Ok(Vec::new()) };
    let filter = InvoiceFilter { number: Some(number.to_string()), invoice_type: Some(InvoiceType::Invoice), ..Default::default() };
    let found = s.services.list_invoices(ctx, filter, None, Some(1)).await.map_err(ApiError::from)?;
    Ok(found
        .items
        .first()
        .filter(|invoice| !invoice.currency.eq_ignore_ascii_case(&m.input.currency))
        .map(|invoice| {
            let path = format!("invoices[{i}].invoiceTotal.currencyCode");
            err(
                "InvalidInput",
                format!("{path} {} differs from the currency {} of invoice {number}, which the credit note credits", m.input.currency, invoice.currency),
                path,
            )
        })
        .into_iter()
        .collect())
}

/// Submit invoices and credit notes (Amazon's `submitInvoices`). See the module documentation for the mapping.
#[utoipa::path(post, path = "/vendor/payments/v1/invoices", tag = "sp-api",
    request_body(content = serde_json::Value, description = "Amazon's SubmitInvoicesRequest: `{\"invoices\": [Invoice…]}` (vendorInvoices model)"),
    responses((status = 202, body = SpSubmitResponse, description = "Accepted: `payload.transactionId` is the invoice or credit note id (ids joined by `,`); `errors` lists those refused"),
        (status = 400, body = SpSubmitResponse), (status = 403, body = SpSubmitResponse), (status = 429, body = SpSubmitResponse)),
    security(("x-amz-access-token" = [])))]
pub async fn submit_invoices(State(s): State<AppState>, api: Result<Api, ApiError>, body: Bytes) -> Response {
    let ctx = match api {
        Ok(Api(ctx)) => ctx,
        Err(e) => return from_api(e),
    };
    // The role is checked before the body is read, so a caller without it learns nothing from validation.
    if let Err(e) = acorn_service::authz::require(&ctx, Area::Invoices, Access::Write) {
        return from_api(e.into());
    }
    let req: SpRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return errors(StatusCode::BAD_REQUEST, vec![err("InvalidInput", format!("the body is not a SubmitInvoicesRequest: {e}"), "")]),
    };
    let Some(invoices) = req.invoices.or(req.payload.and_then(|p| p.invoices)).filter(|l| !l.is_empty()) else {
        return errors(StatusCode::BAD_REQUEST, vec![err("InvalidInput", "invoices is required: at least one invoice", "invoices")]);
    };
    let mut mapped = Vec::new();
    let mut problems = Vec::new();
    for (i, inv) in invoices.into_iter().enumerate() {
        match map_invoice(i, inv) {
            Ok(m) => mapped.push(m),
            Err(e) => problems.extend(e),
        }
    }
    for (i, m) in mapped.iter().enumerate() {
        match credit_currency(&s, &ctx, i, m).await {
            Ok(list) => problems.extend(list),
            Err(e) => return from_api(e),
        }
    }
    if !problems.is_empty() {
        return errors(StatusCode::BAD_REQUEST, problems);
    }
    let mut accepted = Vec::new();
    for (i, m) in mapped.iter().enumerate() {
        let submitted = match m.credit_note() {
            Some(cn) => s.services.submit_credit_note(&ctx, cn, Channel::Api).await,
            None => s.services.submit_invoice(&ctx, m.input.clone(), Channel::Api).await,
        };
        match submitted {
            Ok(d) => accepted.push(d.invoice.id.to_string()),
            Err(e) => match refused(i, m, e) {
                Ok(list) => problems.extend(list),
                Err(e) => return from_api(e),
            },
        }
    }
    if accepted.is_empty() {
        return errors(StatusCode::BAD_REQUEST, problems);
    }
    respond(StatusCode::ACCEPTED, SpSubmitResponse { payload: Some(SpTransaction { transaction_id: accepted.join(",") }), errors: problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice(v: serde_json::Value) -> SpInvoice {
        serde_json::from_value(v).unwrap()
    }

    fn base() -> serde_json::Value {
        serde_json::json!({
            "invoiceType": "Invoice", "id": "INV-1", "date": "2026-11-20T12:00:00.000Z", "remitToParty": {"partyId": "ABCDE"},
            "invoiceTotal": {"currencyCode": "USD", "amount": "130.00"},
            "chargeDetails": [{"type": "Freight", "chargeAmount": {"currencyCode": "USD", "amount": "10.00"}}],
            "items": [
                {"itemSequenceNumber": 1, "vendorProductIdentifier": "SKU-1", "purchaseOrderNumber": "po000001",
                 "invoicedQuantity": {"amount": 2, "unitOfMeasure": "Cases", "unitSize": 6}, "netCost": {"currencyCode": "USD", "amount": "10.00"},
                 "chargeDetails": [{"type": "Freight", "chargeAmount": {"currencyCode": "USD", "amount": "99.00"}}]}
            ]
        })
    }

    #[test]
    fn maps_amazon_fields_onto_an_invoice() {
        let m = map_invoice(0, invoice(base())).map_err(|e| format!("{e:?}")).unwrap();
        let i = &m.input;
        assert_eq!((i.number.as_str(), i.invoice_date.as_str(), i.po_number.as_str(), i.currency.as_str()), ("INV-1", "2026-11-20", "PO000001", "USD"));
        assert_eq!(i.total.as_deref(), Some("130.00"));
        assert_eq!(i.lines[0].quantity, 12, "2 cases of 6");
        assert_eq!(i.lines[0].item, "SKU-1");
        assert_eq!(i.adjustments.len(), 1, "the invoice's own charges win over the items'");
        assert_eq!(i.adjustments[0].amount, "10.00");
        assert_eq!(m.adjustment_paths[0].0, "invoices[0].chargeDetails[0]");
    }

    #[test]
    fn item_details_are_summed_when_the_invoice_has_none() {
        let mut v = base();
        v["chargeDetails"] = serde_json::json!([]);
        v["items"][0]["taxDetails"] = serde_json::json!([{"taxType": "ST", "taxAmount": {"currencyCode": "USD", "amount": "1.5"}}]);
        let mut second = v["items"][0].clone();
        second["itemSequenceNumber"] = 2.into();
        second["chargeDetails"][0]["chargeAmount"]["amount"] = "1.00".into();
        v["items"].as_array_mut().unwrap().push(second);
        let m = map_invoice(0, invoice(v)).map_err(|e| format!("{e:?}")).unwrap();
        let adj: Vec<_> = m.input.adjustments.iter().map(|a| (a.kind.as_str(), a.code.as_str(), a.amount.as_str())).collect();
        assert_eq!(adj, [("charge", "Freight", "100"), ("tax", "ST", "3")]);
    }

    #[test]
    fn every_problem_is_named_with_its_path() {
        let mut v = base();
        v["invoiceType"] = "Invoic".into();
        v["items"][0]["invoicedQuantity"] = serde_json::json!({"amount": 2, "unitOfMeasure": "Cases"});
        let mut second = v["items"][0].clone();
        second["purchaseOrderNumber"] = "PO000002".into();
        second["netCost"]["currencyCode"] = "EUR".into();
        v["items"].as_array_mut().unwrap().push(second);
        let e = map_invoice(3, invoice(v)).err().unwrap();
        let details: Vec<_> = e.iter().map(|x| x.details.as_str()).collect();
        assert!(details.contains(&"invoices[3].invoiceType"), "{e:?}");
        assert!(details.contains(&"invoices[3].items[0].invoicedQuantity.unitSize"), "{e:?}");
        assert!(details.contains(&"invoices[3].items[1].netCost.currencyCode"), "{e:?}");
        assert!(e.iter().any(|x| x.message.contains("covers purchase orders PO000001, PO000002")), "{e:?}");
        assert!(e.iter().any(|x| x.message.starts_with("Value 'Invoic' is not valid with respect to enumeration '[CreditNote, Invoice]'")), "{e:?}");
    }

    fn credit_note() -> serde_json::Value {
        let mut v = base();
        v["invoiceType"] = "CreditNote".into();
        v["id"] = "CN-1".into();
        let item = v["items"][0].as_object_mut().unwrap();
        item.remove("purchaseOrderNumber");
        item.insert("creditNoteDetails".into(), serde_json::json!({"referenceInvoiceNumber": "INV-1"}));
        v
    }

    #[test]
    fn maps_a_credit_note_onto_the_invoice_it_credits() {
        let m = map_invoice(0, invoice(credit_note())).map_err(|e| format!("{e:?}")).unwrap();
        let cn = m.credit_note().expect("a credit note");
        assert_eq!((cn.number.as_str(), cn.date.as_str(), cn.invoice_number.as_str()), ("CN-1", "2026-11-20", "INV-1"));
        assert_eq!(cn.lines.len(), 1);
        assert_eq!((cn.lines[0].item.as_str(), cn.lines[0].quantity, cn.lines[0].unit_cost.as_str()), ("SKU-1", 12, "10.00"), "2 cases of 6");
        assert_eq!(cn.adjustments.len(), 1);
        assert_eq!((cn.adjustments[0].kind.as_str(), cn.adjustments[0].amount.as_str()), ("charge", "10.00"));
        assert_eq!(m.computed_total(), Some(Decimal::new(13000, 2)), "12 × 10.00 + 10.00 freight");
        assert!(map_invoice(0, invoice(base())).map_err(|e| format!("{e:?}")).unwrap().credit_note().is_none(), "an invoice is no credit note");
    }

    #[test]
    fn a_credit_note_credits_one_named_invoice() {
        let mut v = credit_note();
        let mut second = v["items"][0].clone();
        second["itemSequenceNumber"] = 2.into();
        second["creditNoteDetails"]["referenceInvoiceNumber"] = "INV-2".into();
        v["items"].as_array_mut().unwrap().push(second);
        let e = map_invoice(0, invoice(v.clone())).err().unwrap();
        assert!(e.iter().any(|x| x.details == "invoices[0].items" && x.message.contains("credits invoices INV-1, INV-2")), "{e:?}");
        v["items"][1].as_object_mut().unwrap().remove("creditNoteDetails");
        let e = map_invoice(0, invoice(v)).err().unwrap();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].details, "invoices[0].items[1].creditNoteDetails.referenceInvoiceNumber");
        let mut v = credit_note();
        v["items"] = serde_json::json!([]);
        let e = map_invoice(0, invoice(v)).err().unwrap();
        assert!(e.iter().any(|x| x.details == "invoices[0].items" && x.message.contains("referenceInvoiceNumber")), "{e:?}");
    }

    #[test]
    fn a_credit_notes_total_is_checked_against_its_lines_and_adjustments() {
        let mut v = credit_note();
        v["invoiceTotal"]["amount"] = "129.99".into();
        let e = map_invoice(2, invoice(v.clone())).err().unwrap();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].details, "invoices[2].invoiceTotal.amount");
        assert!(e[0].message.contains("invoiceTotal") && e[0].message.contains("129.99") && e[0].message.contains("130.00"), "{e:?}");
        // Rounded to the cent as the ledger does: 130.004 is 130.00.
        v["invoiceTotal"]["amount"] = "130.004".into();
        assert!(map_invoice(0, invoice(v)).is_ok());
    }

    #[test]
    fn service_fields_become_amazon_paths() {
        let m = map_invoice(0, invoice(base())).map_err(|e| format!("{e:?}")).unwrap();
        assert_eq!(amazon_path("invoices[0]", "lines[1].quantity", &m), "invoices[0].items[0].invoicedQuantity.amount");
        assert_eq!(amazon_path("invoices[0]", "lines[1].item", &m), "invoices[0].items[0].vendorProductIdentifier");
        assert_eq!(amazon_path("invoices[0]", "adjustments[1].type", &m), "invoices[0].chargeDetails[0].type");
        assert_eq!(amazon_path("invoices[0]", "adjustments[1].amount", &m), "invoices[0].chargeDetails[0].chargeAmount.amount");
        assert_eq!(amazon_path("invoices[0]", "number", &m), "invoices[0].id");
        assert_eq!(amazon_path("invoices[0]", "total", &m), "invoices[0].invoiceTotal.amount");
        assert_eq!(amazon_path("invoices[0]", "date", &m), "invoices[0].date");
        assert_eq!(amazon_path("invoices[0]", "invoice_number", &m), "invoices[0].items[0].creditNoteDetails.referenceInvoiceNumber");
    }
}
