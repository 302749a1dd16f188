//! Invoice-to-cash over the API, part one: a vendor's finance terms (every version, and a new one from
//! a date), the invoice template "flipped" from a PO, invoice submission (refused with every reason at
//! once, else stored and matched at once; or many from a CSV, all or nothing), invoices with each
//! line's three-way match — outcome, rule code, the English sentence and every number compared — and
//! invoice aging. Amounts are decimal strings; quantities are eaches.

use super::auth::Api;
use super::ledger::DeductionOut;
use super::orders::PoOut;
use crate::error::{ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;
use acorn_domain::Issues;
use acorn_domain::ids::TenantId;
use acorn_domain::invoices::{Adjustment, FlipLine, Invoice, InvoiceEvent, InvoiceLine, InvoiceState, InvoiceType};
use acorn_domain::matching::{Claim, Explanation, MatchResult};
use acorn_domain::money::{format_amount, parse_amount};
use acorn_domain::orders::Channel;
use acorn_domain::terms::{AsnTier, ChargebackSchedule, DueBasis, PaymentTerm, Terms, TermsVersion, Tolerance};
use acorn_service::ServiceError;
use acorn_service::invoices::{InvoiceDetail, InvoiceTemplate, NewAdjustment, NewInvoice, NewInvoiceLine};
use acorn_service::payments::AgingRow;
use acorn_service::terms::TermsView;
use acorn_store::repo::invoices::InvoiceFilter;
use acorn_store::repo::terms::StoredTerms;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A decimal as the API writes numbers that are not money: without trailing zeros ("2", "1.5").
fn number(d: Decimal) -> String {
    d.normalize().to_string()
}

// ---- terms ----

#[derive(Serialize, ToSchema)]
pub struct PaymentTermOut {
    pub net_days: u16,
    /// Percent, e.g. "2" for 2/10 NET30 ("0": no discount).
    pub discount_percent: String,
    pub discount_days: u16,
    /// `invoice_date` or `receipt_date`: what net days count from.
    pub basis: String,
    /// e.g. `2/10 NET30`.
    pub label: String,
}

#[derive(Deserialize, ToSchema)]
pub struct PaymentTermIn {
    pub net_days: u16,
    /// Percent with at most 2 decimals; "0" (default) for none.
    #[serde(default)]
    pub discount_percent: String,
    #[serde(default)]
    pub discount_days: u16,
    /// `invoice_date` (default) or `receipt_date`.
    #[serde(default)]
    pub basis: String,
}

/// The match tolerance: |Δ| ≤ max(absolute, percent % of the line's PO/ack cost).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ToleranceDto {
    /// Amount in the terms' currency, e.g. "1.00".
    pub absolute: String,
    /// Percent, e.g. "1".
    pub percent: String,
}

/// One band of the ASN missing-or-late fee.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct AsnTierDto {
    /// 7-day ASN on-time rate (percent) from which this band applies.
    pub min_on_time_percent: String,
    /// Fee, percent of the shipment's cost.
    pub fee_percent: String,
}

/// The chargeback fee schedule (percents of the cost of the units concerned).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ChargebacksDto {
    /// From the highest on-time rate down; the last band starts at "0".
    pub asn_tiers: Vec<AsnTierDto>,
    pub mismatch_percent: String,
    pub late_percent: String,
    pub on_time_waiver_percent: String,
    pub never_delivered_percent: String,
    /// A fixed amount per carton, in the terms' currency.
    pub carton_defect_fee: String,
    pub unconfirmed_percent: String,
}

impl From<&ChargebackSchedule> for ChargebacksDto {
    fn from(c: &ChargebackSchedule) -> ChargebacksDto {
        ChargebacksDto {
            asn_tiers: c
                .asn_tiers
                .iter()
                .map(|t| AsnTierDto { min_on_time_percent: number(t.min_on_time_percent), fee_percent: number(t.fee_percent) })
                .collect(),
            mismatch_percent: number(c.mismatch_percent),
            late_percent: number(c.late_percent),
            on_time_waiver_percent: number(c.on_time_waiver_percent),
            never_delivered_percent: number(c.never_delivered_percent),
            carton_defect_fee: number(c.carton_defect_fee),
            unconfirmed_percent: number(c.unconfirmed_percent),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TermsOut {
    pub payment: PaymentTermOut,
    pub tolerance: ToleranceDto,
    pub damage_allowance_percent: String,
    pub coop_percent: String,
    pub freight_allowance_percent: String,
    pub chargebacks: ChargebacksDto,
    pub currency: String,
    /// VMI and the default planning parameters of the vendor's items (null fields: the system default).
    pub planning: super::forecast::AgreementPlanningOut,
}

impl From<&Terms> for TermsOut {
    fn from(t: &Terms) -> TermsOut {
        TermsOut {
            payment: PaymentTermOut {
                net_days: t.payment.net_days,
                discount_percent: number(t.payment.discount_percent),
                discount_days: t.payment.discount_days,
                basis: t.payment.basis.as_str().into(),
                label: t.payment.label(),
            },
            tolerance: ToleranceDto { absolute: format_amount(t.tolerance.absolute, &t.currency), percent: number(t.tolerance.percent) },
            damage_allowance_percent: number(t.damage_allowance_percent),
            coop_percent: number(t.coop_percent),
            freight_allowance_percent: number(t.freight_allowance_percent),
            chargebacks: ChargebacksDto::from(&t.chargebacks),
            currency: t.currency.clone(),
            planning: super::forecast::AgreementPlanningOut::from(&t.planning),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TermsVersionOut {
    /// 0: the retailer's defaults (the vendor has no version in force).
    pub version: i64,
    pub effective_from: NaiveDate,
    pub terms: TermsOut,
    pub note: Option<String>,
    pub created_by: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

impl TermsVersionOut {
    fn of(v: &TermsVersion) -> TermsVersionOut {
        TermsVersionOut {
            version: v.version,
            effective_from: v.effective_from,
            terms: TermsOut::from(&v.terms),
            note: None,
            created_by: None,
            created_at: None,
        }
    }
    fn stored(s: &StoredTerms) -> TermsVersionOut {
        TermsVersionOut {
            note: Some(s.note.clone()),
            created_by: Some(s.created_by.clone()),
            created_at: Some(s.created_at),
            ..TermsVersionOut::of(&s.version)
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TermsViewOut {
    pub vendor_id: Uuid,
    /// The version in force today.
    pub in_force: TermsVersionOut,
    /// Every version ever set, oldest first.
    pub versions: Vec<TermsVersionOut>,
}

impl TermsViewOut {
    fn of(vendor: Uuid, v: &TermsView) -> TermsViewOut {
        TermsViewOut { vendor_id: vendor, in_force: TermsVersionOut::of(&v.in_force), versions: v.versions.iter().map(TermsVersionOut::stored).collect() }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TermsIn {
    pub payment: PaymentTermIn,
    pub tolerance: ToleranceDto,
    /// Percent; default "0".
    #[serde(default)]
    pub damage_allowance_percent: String,
    #[serde(default)]
    pub coop_percent: String,
    #[serde(default)]
    pub freight_allowance_percent: String,
    /// Default: the retailer's published schedule.
    pub chargebacks: Option<ChargebacksDto>,
    /// ISO 4217, e.g. "USD".
    pub currency: String,
    /// In force from this day (today or later; default today).
    pub effective_from: Option<NaiveDate>,
    #[serde(default)]
    pub note: String,
    /// VMI and the default planning parameters; left out, the new version keeps those in force.
    pub planning: Option<super::forecast::AgreementPlanningIn>,
}

impl TermsIn {
    /// The domain terms, every unparsable number named by its path (the service names the rule breaches).
    fn into_terms(self) -> Result<(Terms, Option<NaiveDate>, String, bool), ServiceError> {
        let mut issues = Issues::new();
        let mut pct = |field: &str, v: &str, default_zero: bool| -> Decimal {
            if default_zero && v.trim().is_empty() {
                return Decimal::ZERO;
            }
            issues.field(field, parse_amount(v, false)).unwrap_or_default()
        };
        let discount_percent = pct("payment.discount_percent", &self.payment.discount_percent, true);
        let absolute = pct("tolerance.absolute", &self.tolerance.absolute, false);
        let percent = pct("tolerance.percent", &self.tolerance.percent, false);
        let damage = pct("damage_allowance_percent", &self.damage_allowance_percent, true);
        let coop = pct("coop_percent", &self.coop_percent, true);
        let freight = pct("freight_allowance_percent", &self.freight_allowance_percent, true);
        let chargebacks = match &self.chargebacks {
            None => ChargebackSchedule::default(),
            Some(c) => ChargebackSchedule {
                asn_tiers: c
                    .asn_tiers
                    .iter()
                    .enumerate()
                    .map(|(i, t)| AsnTier {
                        min_on_time_percent: pct(&format!("chargebacks.asn_tiers[{i}].min_on_time_percent"), &t.min_on_time_percent, false),
                        fee_percent: pct(&format!("chargebacks.asn_tiers[{i}].fee_percent"), &t.fee_percent, false),
                    })
                    .collect(),
                mismatch_percent: pct("chargebacks.mismatch_percent", &c.mismatch_percent, false),
                late_percent: pct("chargebacks.late_percent", &c.late_percent, false),
                on_time_waiver_percent: pct("chargebacks.on_time_waiver_percent", &c.on_time_waiver_percent, false),
                never_delivered_percent: pct("chargebacks.never_delivered_percent", &c.never_delivered_percent, false),
                carton_defect_fee: pct("chargebacks.carton_defect_fee", &c.carton_defect_fee, false),
                unconfirmed_percent: pct("chargebacks.unconfirmed_percent", &c.unconfirmed_percent, false),
            },
        };
        let basis = match self.payment.basis.trim() {
            "" => Some(DueBasis::InvoiceDate),
            b => issues.field("payment.basis", DueBasis::parse_or_explain(b)),
        };
        let planning = match &self.planning {
            Some(p) => p.planning().unwrap_or_else(|e| {
                e.into_iter().for_each(|i| {
                    issues.push(i);
                });
                Default::default()
            }),
            None => Default::default(),
        };
        issues.into_result().map_err(ServiceError::Invalid)?;
        let terms = Terms {
            payment: PaymentTerm {
                net_days: self.payment.net_days,
                discount_percent,
                discount_days: self.payment.discount_days,
                basis: basis.unwrap_or(DueBasis::InvoiceDate),
            },
            tolerance: Tolerance { absolute, percent },
            damage_allowance_percent: damage,
            coop_percent: coop,
            freight_allowance_percent: freight,
            chargebacks,
            currency: self.currency.trim().to_ascii_uppercase(),
            planning,
        };
        Ok((terms, self.effective_from, self.note, self.planning.is_none()))
    }
}

/// A vendor's finance terms: the version in force today and every version ever set.
#[utoipa::path(get, path = "/api/v1/vendors/{vendor_id}/terms", tag = "terms",
    responses((status = 200, body = TermsViewOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_terms(State(s): State<AppState>, Api(ctx): Api, Path(vendor_id): Path<Uuid>) -> ApiResult<Json<TermsViewOut>> {
    Ok(Json(TermsViewOut::of(vendor_id, &s.services.terms(&ctx, TenantId(vendor_id)).await?)))
}

/// Add a version of a vendor's terms, in force from `effective_from` (today or later); earlier
/// invoices keep the terms they were judged by. Answers the terms as `GET` does.
#[utoipa::path(put, path = "/api/v1/vendors/{vendor_id}/terms", tag = "terms", request_body = TermsIn,
    responses((status = 200, body = TermsViewOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_terms(State(s): State<AppState>, Api(ctx): Api, Path(vendor_id): Path<Uuid>, JsonBody(b): JsonBody<TermsIn>) -> ApiResult<Json<TermsViewOut>> {
    let (terms, from, note, keep_planning) = b.into_terms()?;
    let from = from.unwrap_or_else(|| acorn_service::now().date_naive());
    if keep_planning {
        s.services.set_terms_keeping_planning(&ctx, TenantId(vendor_id), terms, from, &note).await?;
    } else {
        s.services.set_terms(&ctx, TenantId(vendor_id), terms, from, &note).await?;
    }
    Ok(Json(TermsViewOut::of(vendor_id, &s.services.terms(&ctx, TenantId(vendor_id)).await?)))
}

// ---- invoices ----

#[derive(Serialize, ToSchema)]
pub struct FlipLineOut {
    pub po_line_no: i64,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    /// Shipped, not yet invoiced eaches.
    pub quantity: i64,
    /// The acknowledged (else PO) cost per each.
    pub unit_cost: String,
}

impl FlipLineOut {
    fn of(l: &FlipLine, currency: &str) -> FlipLineOut {
        FlipLineOut {
            po_line_no: l.po_line_no,
            item_id: l.item_id,
            vendor_sku: l.vendor_sku.clone(),
            gtin: l.gtin.clone(),
            title: l.title.clone(),
            quantity: l.quantity,
            unit_cost: format_amount(l.unit_cost, currency),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceTemplateOut {
    pub po: PoOut,
    pub currency: String,
    /// The payment term a new invoice would get today, e.g. `NET30`.
    pub payment_term: String,
    pub lines: Vec<FlipLineOut>,
}

impl From<&InvoiceTemplate> for InvoiceTemplateOut {
    fn from(t: &InvoiceTemplate) -> InvoiceTemplateOut {
        InvoiceTemplateOut {
            po: PoOut::from(&t.po),
            currency: t.currency.clone(),
            payment_term: t.payment_term.clone(),
            lines: t.lines.iter().map(|l| FlipLineOut::of(l, &t.currency)).collect(),
        }
    }
}

/// The invoice to start from: the PO's shipped, not yet invoiced units at the acknowledged cost.
#[utoipa::path(get, path = "/api/v1/purchase-orders/{po_id}/invoice-template", tag = "invoices",
    responses((status = 200, body = InvoiceTemplateOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn invoice_template(State(s): State<AppState>, Api(ctx): Api, Path(po_id): Path<Uuid>) -> ApiResult<Json<InvoiceTemplateOut>> {
    Ok(Json(InvoiceTemplateOut::from(&s.services.invoice_template(&ctx, po_id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct InvoiceLineIn {
    /// The PO line; omit to find the line by `item`.
    pub po_line_no: Option<i64>,
    /// Vendor SKU, GTIN or retailer item id (needed without `po_line_no`).
    #[serde(default)]
    pub item: String,
    /// Eaches.
    pub quantity: i64,
    /// Net cost per each, decimal string.
    pub unit_cost: String,
}

#[derive(Deserialize, ToSchema)]
pub struct AdjustmentIn {
    /// `charge`, `allowance` or `tax`.
    pub kind: String,
    /// Charge (`Freight`, `Packing`, `Duty`…), allowance (`Discount`, `Defective`, `Promotional`…) or tax
    /// type (`VAT`, `GST`, `ST`…), spelled as Amazon's invoice model.
    #[serde(rename = "type")]
    pub code: String,
    pub description: Option<String>,
    /// Positive decimal string; allowances subtract.
    pub amount: String,
}

#[derive(Deserialize, ToSchema)]
pub struct InvoiceIn {
    /// Your invoice number (1–40 characters), unique per vendor code.
    pub number: String,
    /// `YYYY-MM-DD`; default today.
    #[serde(default)]
    pub invoice_date: String,
    pub po_number: String,
    /// Default: the PO's currency.
    #[serde(default)]
    pub currency: String,
    pub lines: Vec<InvoiceLineIn>,
    #[serde(default)]
    pub adjustments: Vec<AdjustmentIn>,
    /// The total your system computed; when given it must equal ACORN's to the cent.
    pub total: Option<String>,
}

impl InvoiceIn {
    pub fn into_input(self) -> NewInvoice {
        NewInvoice {
            number: self.number,
            invoice_date: self.invoice_date,
            po_number: self.po_number,
            currency: self.currency,
            lines: self
                .lines
                .into_iter()
                .map(|l| NewInvoiceLine { po_line_no: l.po_line_no, item: l.item, quantity: l.quantity, unit_cost: l.unit_cost })
                .collect(),
            adjustments: self
                .adjustments
                .into_iter()
                .map(|a| NewAdjustment { kind: a.kind, code: a.code, description: a.description, amount: a.amount })
                .collect(),
            total: self.total,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceOut {
    pub id: Uuid,
    pub vendor_id: Uuid,
    pub vendor_code: String,
    pub number: String,
    /// `Invoice` or `CreditNote`.
    pub invoice_type: String,
    pub po_id: Uuid,
    pub po_number: String,
    /// The invoice a credit note refers to.
    pub reference_number: Option<String>,
    pub invoice_date: NaiveDate,
    pub currency: String,
    pub subtotal: String,
    pub charges: String,
    pub allowances: String,
    pub tax: String,
    pub total: String,
    /// What the vendor sees: `submitted`, `matching`, `pending_receipt`, `approved`, `scheduled`, `paid`,
    /// `partially_paid`, `deducted`, `cancelled`, or `disputed` while a dispute on one of its claims is open.
    pub state: String,
    /// The stored state under `disputed` (equal to `state` otherwise).
    pub stored_state: String,
    pub open_disputes: i64,
    pub payment_term: String,
    pub terms_version: i64,
    pub due_date: Option<NaiveDate>,
    /// Paid by this day, the early-pay discount applies.
    pub discount_deadline: Option<NaiveDate>,
    /// `ui`, `api`, `csv`, `edi`.
    pub channel: String,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    pub matched_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Invoice> for InvoiceOut {
    fn from(i: &Invoice) -> InvoiceOut {
        let m = |d: Decimal| format_amount(d, &i.currency);
        InvoiceOut {
            id: i.id,
            vendor_id: i.tenant.0,
            vendor_code: i.vendor_code.clone(),
            number: i.number.clone(),
            invoice_type: i.invoice_type.as_str().into(),
            po_id: i.po_id,
            po_number: i.po_number.clone(),
            reference_number: i.reference_number.clone(),
            invoice_date: i.invoice_date,
            currency: i.currency.clone(),
            subtotal: m(i.subtotal),
            charges: m(i.charges),
            allowances: m(i.allowances),
            tax: m(i.tax),
            total: m(i.total),
            state: i.shown_state().as_str().into(),
            stored_state: i.state.as_str().into(),
            open_disputes: i.open_disputes,
            payment_term: i.payment_term.clone(),
            terms_version: i.terms_version,
            due_date: i.due_date,
            discount_deadline: i.discount_deadline,
            channel: i.channel.as_str().into(),
            submitted_by: i.submitted_by.clone(),
            submitted_at: i.submitted_at,
            matched_at: i.matched_at,
            approved_at: i.approved_at,
            paid_at: i.paid_at,
            updated_at: i.updated_at,
        }
    }
}

/// Every number the match compared (money at the currency's minor unit or finer, never rounded).
#[derive(Serialize, ToSchema)]
pub struct ExplanationOut {
    pub invoiced_quantity: i64,
    pub invoiced_unit_cost: String,
    pub invoiced_amount: String,
    /// Good + damaged eaches received for this line (after earlier invoices took theirs).
    pub received: i64,
    pub damaged: i64,
    pub receipts_complete: bool,
    /// Until when a line waiting for goods is rechecked.
    pub recheck_until: Option<NaiveDate>,
    pub po_unit_cost: String,
    pub ack_unit_cost: Option<String>,
    /// The cost per each the line is judged by; `cost_source` `po` or `ack`.
    pub basis_unit_cost: String,
    pub cost_source: String,
    /// basis_unit_cost × received.
    pub expected_amount: String,
    /// invoiced_amount − expected_amount.
    pub delta: String,
    pub tolerance_absolute: String,
    pub tolerance_percent: String,
    /// basis_unit_cost × invoiced_quantity.
    pub tolerance_base: String,
    /// max(tolerance_absolute, tolerance_percent % × tolerance_base).
    pub tolerance_amount: String,
    pub currency: String,
}

impl From<&Explanation> for ExplanationOut {
    fn from(e: &Explanation) -> ExplanationOut {
        let m = |d: Decimal| format_amount(d, &e.currency);
        ExplanationOut {
            invoiced_quantity: e.invoiced_quantity,
            invoiced_unit_cost: m(e.invoiced_unit_cost),
            invoiced_amount: m(e.invoiced_amount),
            received: e.received,
            damaged: e.damaged,
            receipts_complete: e.receipts_complete,
            recheck_until: e.recheck_until,
            po_unit_cost: m(e.po_unit_cost),
            ack_unit_cost: e.ack_unit_cost.map(m),
            basis_unit_cost: m(e.basis_unit_cost),
            cost_source: e.cost_source.as_str().into(),
            expected_amount: m(e.expected_amount),
            delta: m(e.delta),
            tolerance_absolute: m(e.tolerance_absolute),
            tolerance_percent: number(e.tolerance_percent),
            tolerance_base: m(e.tolerance_base),
            tolerance_amount: m(e.tolerance_amount),
            currency: e.currency.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClaimOut {
    /// `shortage` or `price_claim`.
    pub kind: String,
    pub quantity: i64,
    pub unit_amount: String,
    pub amount: String,
}

impl ClaimOut {
    fn of(c: &Claim, currency: &str) -> ClaimOut {
        ClaimOut {
            kind: c.kind.as_str().into(),
            quantity: c.quantity,
            unit_amount: format_amount(c.unit_amount, currency),
            amount: format_amount(c.amount, currency),
        }
    }
}

/// A line's three-way match.
#[derive(Serialize, ToSchema)]
pub struct MatchOut {
    /// `matched`, `pending_receipt`, `shortage` or `price_variance`.
    pub outcome: String,
    /// The rule that decided it: `within_tolerance`, `under_invoiced`, `awaiting_receipts`,
    /// `quantity_over_received`, `cost_over_basis`, `quantity_and_cost`.
    pub rule: String,
    /// One English sentence with every number.
    pub description: String,
    /// The claims the line raised (shortage, price).
    pub claims: Vec<ClaimOut>,
    pub explanation: ExplanationOut,
}

impl From<&MatchResult> for MatchOut {
    fn from(r: &MatchResult) -> MatchOut {
        MatchOut {
            outcome: r.outcome.as_str().into(),
            rule: r.explanation.rule.as_str().into(),
            description: r.describe(),
            claims: r.claims.iter().map(|c| ClaimOut::of(c, &r.explanation.currency)).collect(),
            explanation: ExplanationOut::from(&r.explanation),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceLineOut {
    pub line_no: i64,
    pub po_line_no: i64,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    /// Eaches.
    pub quantity: i64,
    pub unit_cost: String,
    pub amount: String,
    /// Absent until the line was matched.
    #[serde(rename = "match")]
    pub matched: Option<MatchOut>,
}

impl InvoiceLineOut {
    fn of(l: &InvoiceLine, currency: &str) -> InvoiceLineOut {
        InvoiceLineOut {
            line_no: l.line_no,
            po_line_no: l.po_line_no,
            item_id: l.item_id,
            vendor_sku: l.vendor_sku.clone(),
            gtin: l.gtin.clone(),
            title: l.title.clone(),
            quantity: l.quantity,
            unit_cost: format_amount(l.unit_cost, currency),
            amount: format_amount(l.amount, currency),
            matched: l.matched.as_ref().map(MatchOut::from),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AdjustmentOut {
    /// `charge`, `allowance` or `tax`.
    pub kind: String,
    /// The charge, allowance or tax type, e.g. `Freight`.
    #[serde(rename = "type")]
    pub code: String,
    pub description: Option<String>,
    /// Positive; allowances subtract from the total.
    pub amount: String,
}

impl AdjustmentOut {
    fn of(a: &Adjustment, currency: &str) -> AdjustmentOut {
        AdjustmentOut { kind: a.kind.as_str().into(), code: a.code.clone(), description: a.description.clone(), amount: format_amount(a.amount, currency) }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceEventOut {
    pub seq: i64,
    pub state: String,
    pub summary: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

impl From<&InvoiceEvent> for InvoiceEventOut {
    fn from(e: &InvoiceEvent) -> InvoiceEventOut {
        InvoiceEventOut { seq: e.seq, state: e.state.as_str().into(), summary: e.summary.clone(), actor: e.actor.clone(), at: e.at }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvoiceDetailOut {
    #[serde(flatten)]
    pub invoice: InvoiceOut,
    pub lines: Vec<InvoiceLineOut>,
    pub adjustments: Vec<AdjustmentOut>,
    /// Every state the invoice went through, oldest first.
    pub timeline: Vec<InvoiceEventOut>,
    /// Claims raised by the match, and any other deduction linked to the invoice.
    pub deductions: Vec<DeductionOut>,
}

impl From<&InvoiceDetail> for InvoiceDetailOut {
    fn from(d: &InvoiceDetail) -> InvoiceDetailOut {
        let c = &d.invoice.currency;
        InvoiceDetailOut {
            invoice: InvoiceOut::from(&d.invoice),
            lines: d.lines.iter().map(|l| InvoiceLineOut::of(l, c)).collect(),
            adjustments: d.adjustments.iter().map(|a| AdjustmentOut::of(a, c)).collect(),
            timeline: d.timeline.iter().map(InvoiceEventOut::from).collect(),
            deductions: d.deductions.iter().map(DeductionOut::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InvoicePage {
    pub items: Vec<InvoiceOut>,
    pub next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct InvoiceQuery {
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
    /// Stored state: `submitted`, `matching`, `pending_receipt`, `approved`, `scheduled`, `paid`,
    /// `partially_paid`, `deducted`, `cancelled` (an invoice shown `disputed` is listed under its stored state).
    pub state: Option<String>,
    pub vendor_code: Option<String>,
    /// The PO's number (exact).
    pub po_number: Option<String>,
    pub po_id: Option<Uuid>,
    /// The invoice number (exact).
    pub number: Option<String>,
    /// `Invoice` or `CreditNote`.
    pub invoice_type: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl InvoiceQuery {
    fn filter(&self) -> Result<InvoiceFilter, ServiceError> {
        let mut issues = Issues::new();
        let state = given(&self.state).and_then(|v| issues.field("state", InvoiceState::parse_or_explain(v)));
        if state == Some(InvoiceState::Disputed) {
            issues.push(acorn_domain::validate::FieldIssue::new("state", "`disputed` is shown over the stored state; filter by the stored state"));
        }
        let invoice_type = given(&self.invoice_type).and_then(|v| issues.field("invoice_type", InvoiceType::parse_or_explain(v)));
        issues.into_result().map_err(ServiceError::Invalid)?;
        Ok(InvoiceFilter {
            tenant: None,
            state,
            vendor_code: given(&self.vendor_code).map(str::to_uppercase),
            po_id: self.po_id,
            number: given(&self.number).map(str::to_string),
            invoice_type,
        })
    }
}

/// List invoices (vendors see their own), oldest first, with filters and keyset paging.
#[utoipa::path(get, path = "/api/v1/invoices", tag = "invoices", params(InvoiceQuery),
    responses((status = 200, body = InvoicePage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_invoices(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<InvoiceQuery>) -> ApiResult<Json<InvoicePage>> {
    let mut filter = q.filter()?;
    if let Some(n) = given(&q.po_number) {
        filter.po_id = match s.services.get_po_by_number(&ctx, n).await {
            Ok(po) if filter.po_id.is_none_or(|id| id == po.po.id) => Some(po.po.id),
            // No such PO of the caller's (or not the one `po_id` names): no invoice matches.
            Ok(_) | Err(ServiceError::NotFound(_)) => Some(Uuid::nil()),
            Err(e) => return Err(e.into()),
        };
    }
    let page = s.services.list_invoices(&ctx, filter, q.cursor.as_deref(), q.limit).await?;
    Ok(Json(InvoicePage { items: page.items.iter().map(InvoiceOut::from).collect(), next: page.next }))
}

/// Submit an invoice for one PO. Refused with every reason at once (422, nothing stored), else stored
/// and matched straight away: the answer carries each line's match and any claims raised.
#[utoipa::path(post, path = "/api/v1/invoices", tag = "invoices", request_body = InvoiceIn,
    responses((status = 201, body = InvoiceDetailOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_invoice(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<InvoiceIn>) -> ApiResult<(StatusCode, Json<InvoiceDetailOut>)> {
    let d = s.services.submit_invoice(&ctx, b.into_input(), Channel::Api).await?;
    Ok((StatusCode::CREATED, Json(InvoiceDetailOut::from(&d))))
}

#[derive(Deserialize, ToSchema)]
pub struct CreditNoteIn {
    /// Your credit note number, unique per vendor code (shared with invoice numbers).
    pub number: String,
    /// `YYYY-MM-DD`; default today.
    #[serde(default)]
    pub date: String,
    /// The number of the invoice credited.
    pub invoice_number: String,
    /// Lines of that invoice credited: `po_line_no` or `item`, eaches, and a unit cost (default: the invoiced cost).
    #[serde(default)]
    pub lines: Vec<InvoiceLineIn>,
    #[serde(default)]
    pub adjustments: Vec<AdjustmentIn>,
}

/// Submit a credit note against one of your invoices. Crediting an invoice not yet scheduled for
/// payment in full cancels it (and the credit note with it); otherwise the credit note is approved and
/// netted from the next payment run.
#[utoipa::path(post, path = "/api/v1/credit-notes", tag = "invoices", request_body = CreditNoteIn,
    responses((status = 201, body = InvoiceDetailOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_credit_note(
    State(s): State<AppState>,
    Api(ctx): Api,
    JsonBody(b): JsonBody<CreditNoteIn>,
) -> ApiResult<(StatusCode, Json<InvoiceDetailOut>)> {
    let adjustments = b.adjustments.into_iter().map(|a| NewAdjustment { kind: a.kind, code: a.code, description: a.description, amount: a.amount }).collect();
    let input = acorn_service::credit_notes::NewCreditNote {
        number: b.number,
        date: b.date,
        invoice_number: b.invoice_number,
        lines: b.lines.into_iter().map(|l| NewInvoiceLine { po_line_no: l.po_line_no, item: l.item, quantity: l.quantity, unit_cost: l.unit_cost }).collect(),
        adjustments,
    };
    let d = s.services.submit_credit_note(&ctx, input, Channel::Api).await?;
    Ok((StatusCode::CREATED, Json(InvoiceDetailOut::from(&d))))
}

/// Submit many invoices from a CSV, one row per invoice line (columns `invoice_number, invoice_date,
/// po_number, currency, total, po_line_no, item, quantity, unit_cost`; the rows of one invoice share
/// its number and header columns). All or nothing: any refusal answers 422 with every problem named
/// by row and column (`row 3, quantity`), and nothing is stored.
#[utoipa::path(post, path = "/api/v1/invoices/upload", tag = "invoices", request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = Vec<InvoiceDetailOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_invoices(State(s): State<AppState>, Api(ctx): Api, body: String) -> ApiResult<(StatusCode, Json<Vec<InvoiceDetailOut>>)> {
    let list = s.services.import_invoices_csv(&ctx, &body).await?;
    Ok((StatusCode::CREATED, Json(list.iter().map(InvoiceDetailOut::from).collect())))
}

/// An invoice with its lines and their match, adjustments, timeline and claims.
#[utoipa::path(get, path = "/api/v1/invoices/{invoice_id}", tag = "invoices",
    responses((status = 200, body = InvoiceDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_invoice(State(s): State<AppState>, Api(ctx): Api, Path(invoice_id): Path<Uuid>) -> ApiResult<Json<InvoiceDetailOut>> {
    Ok(Json(InvoiceDetailOut::from(&s.services.invoice(&ctx, invoice_id).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct AgingRowOut {
    /// `current`, `1_30`, `31_60`, `61_90` or `90_plus` days past due.
    pub bucket: String,
    pub currency: String,
    pub count: u64,
    pub amount: String,
}

impl From<&AgingRow> for AgingRowOut {
    fn from(r: &AgingRow) -> AgingRowOut {
        AgingRowOut { bucket: r.bucket.as_str().into(), currency: r.currency.clone(), count: r.count, amount: format_amount(r.amount, &r.currency) }
    }
}

/// Invoice aging: what is owed and not yet paid (pending receipt, approved, scheduled), by days past due
/// and currency, for the caller's side.
#[utoipa::path(get, path = "/api/v1/invoices/aging", tag = "invoices", responses((status = 200, body = Vec<AgingRowOut>), (status = 403, body = ErrorBody)))]
pub async fn invoice_aging(State(s): State<AppState>, Api(ctx): Api) -> ApiResult<Json<Vec<AgingRowOut>>> {
    Ok(Json(s.services.invoice_aging(&ctx).await?.iter().map(AgingRowOut::from).collect()))
}
