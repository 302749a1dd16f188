//! Forecasting data over the API: weekly sales sent in batches by the retailer's systems (and listed
//! for both sides, keyset-paged), and the planning parameters of an item at every DC (read by both
//! sides, set by the retailer's buyers).
//!
//! A batch is all or nothing: every bad record is named by its index and field (`sales[6].week`) and
//! nothing is stored while one is wrong. Sending the same batch again changes nothing.

use super::auth::Api;
use crate::error::{ApiResult, ErrorBody};
use crate::json::JsonBody;
use crate::state::AppState;
use acorn_domain::forecast::{self, AgreementPlanning, EffectiveParams, PlanningOverrides};
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::{FieldIssue, Issues};
use acorn_service::forecast::params::DcPlanning;
use acorn_service::forecast::{ImportReport, ItemPlanning, SalesInput, SalesQuery};
use acorn_service::{Ctx, ServiceError};
use acorn_store::repo::forecast::{SalesFilter, SalesListRow};
use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A trimmed, non-empty query value.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Weekly sales.

/// One week of one item's sales at one DC. Name the item by `gtin`, or by `vendor_code` and `vendor_sku`.
#[derive(Deserialize, ToSchema)]
pub struct SalesRecordIn {
    #[serde(default)]
    pub vendor_code: String,
    #[serde(default)]
    pub vendor_sku: String,
    /// GTIN-8/12/13/14 (UPC and EAN included).
    #[serde(default)]
    pub gtin: String,
    /// The DC's code, e.g. `ABE2`.
    #[serde(default)]
    pub dc: String,
    /// ISO week `2026-W05` or its Monday `2026-01-26`; the week must have ended.
    #[serde(default)]
    pub week: String,
    /// Units sold in the week, 0 or more.
    pub units: Option<i64>,
    /// Units on hand at the DC at week end, when known.
    pub on_hand: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct SalesBatchIn {
    /// Up to 50,000 records.
    #[serde(default)]
    pub sales: Vec<SalesRecordIn>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReportOut {
    /// Records received.
    pub rows: u64,
    /// Weeks stored for the first time.
    pub inserted: u64,
    /// Weeks whose figures changed.
    pub updated: u64,
    /// Weeks already stored with the same figures.
    pub unchanged: u64,
    /// Vendors whose items the records were about.
    pub vendors: u64,
}

impl From<ImportReport> for ImportReportOut {
    fn from(r: ImportReport) -> ImportReportOut {
        ImportReportOut { rows: r.rows, inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, vendors: r.vendors }
    }
}

/// Record weekly sales (retailer staff and systems only): all records or none; every invalid record
/// is named by index and field in `details`. Weeks already stored take the new figures.
#[utoipa::path(post, path = "/api/v1/forecast/sales", tag = "forecast", request_body = SalesBatchIn,
    responses((status = 200, body = ImportReportOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn post_sales(State(s): State<AppState>, Api(ctx): Api, JsonBody(b): JsonBody<SalesBatchIn>) -> ApiResult<Json<ImportReportOut>> {
    let inputs: Vec<SalesInput> = b
        .sales
        .into_iter()
        .map(|r| SalesInput { vendor_code: r.vendor_code, vendor_sku: r.vendor_sku, gtin: r.gtin, dc: r.dc, week: r.week, units: r.units, on_hand: r.on_hand })
        .collect();
    Ok(Json(s.services.import_sales_batch(&ctx, inputs).await?.into()))
}

#[derive(Deserialize, IntoParams)]
pub struct SalesListQuery {
    /// Retailer staff: one vendor's (default every vendor's). Vendors: their own.
    pub vendor_code: Option<String>,
    pub item_id: Option<Uuid>,
    /// A DC code.
    pub dc: Option<String>,
    /// First week (ISO `2026-W05` or its Monday), inclusive.
    pub from: Option<String>,
    /// Last week, inclusive.
    pub to: Option<String>,
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct SalesOut {
    pub vendor_id: Uuid,
    pub vendor_code: String,
    pub item_id: Uuid,
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    pub dc: String,
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// ISO week, e.g. `2026-W05`.
    pub week: String,
    pub units: i64,
    pub on_hand: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

impl SalesOut {
    fn of(r: &SalesListRow, codes: &[(TenantId, String)]) -> SalesOut {
        SalesOut {
            vendor_id: r.tenant_id,
            vendor_code: codes.iter().find(|(t, _)| t.0 == r.tenant_id).map(|(_, c)| c.clone()).unwrap_or_default(),
            item_id: r.item_id,
            vendor_sku: r.vendor_sku.clone(),
            gtin: r.gtin.clone(),
            title: r.title.clone(),
            dc: r.dc_code.clone(),
            week_start: r.week_start,
            week: forecast::week_label(r.week_start),
            units: r.units,
            on_hand: r.on_hand,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SalesPage {
    pub items: Vec<SalesOut>,
    pub next: Option<String>,
}

/// The list's query as the use case takes it: the vendor, DC and weeks resolved, each bad one named.
pub async fn sales_query(
    s: &AppState,
    ctx: &Ctx,
    vendor_code: Option<&str>,
    item: Option<Uuid>,
    dc: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<SalesFilter, ServiceError> {
    let tenant = s.services.edi_vendor(ctx, Area::Forecasts, Access::Read, vendor_code).await?;
    let mut issues = Issues::new();
    let from = from.and_then(|w| issues.field("from", forecast::parse_week(w)));
    let to = to.and_then(|w| issues.field("to", forecast::parse_week(w)));
    let dc = match dc {
        Some(code) => match s.services.get_dc_by_code(ctx, code).await {
            Ok(dc) => Some(dc.id),
            Err(ServiceError::NotFound(_)) => {
                issues.push(FieldIssue::new("dc", format!("`{}` is not a DC code", code.to_uppercase())));
                None
            }
            Err(e) => return Err(e),
        },
        None => None,
    };
    issues.into_result().map_err(ServiceError::Invalid)?;
    Ok(SalesFilter { tenant, item, dc, from, to })
}

/// Weekly sales, newest week first (vendors see their own), with filters and keyset paging.
#[utoipa::path(get, path = "/api/v1/forecast/sales", tag = "forecast", params(SalesListQuery),
    responses((status = 200, body = SalesPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_sales(State(s): State<AppState>, Api(ctx): Api, Query(q): Query<SalesListQuery>) -> ApiResult<Json<SalesPage>> {
    let filter = sales_query(&s, &ctx, given(&q.vendor_code), q.item_id, given(&q.dc), given(&q.from), given(&q.to)).await?;
    let page = s.services.list_sales(&ctx, &SalesQuery { filter, cursor: given(&q.cursor).map(str::to_string), limit: q.limit }).await?;
    let tenants: Vec<TenantId> = page.items.iter().map(|r| TenantId(r.tenant_id)).collect();
    let codes = s.services.vendor_codes_of(&ctx, &tenants).await?;
    Ok(Json(SalesPage { items: page.items.iter().map(|r| SalesOut::of(r, &codes)).collect(), next: page.next }))
}

// ---------------------------------------------------------------------------------------------
// Planning parameters.

/// Planning parameters as set at one level; a field left out (or null) falls back to the next level
/// (item × DC → agreement → the retailer's system defaults).
#[derive(Deserialize, ToSchema, Default)]
pub struct PlanningIn {
    /// Weeks from order to receipt, 1–104.
    pub lead_time_weeks: Option<i64>,
    /// Weeks between orders, 1–104.
    pub review_weeks: Option<i64>,
    /// τ, the service target: "0.95" or "95%", above 0 and below 1, at most 4 decimals.
    pub service_target: Option<String>,
    /// Minimum order quantity in units (0: none).
    pub moq: Option<i64>,
    /// Orders never raise stock above this many weeks of mean demand, 1–104.
    pub max_cover_weeks: Option<i64>,
    /// VMI stock range in units: both or neither.
    pub vmi_min: Option<i64>,
    pub vmi_max: Option<i64>,
}

impl PlanningIn {
    /// The overrides, with every unreadable value named (`prefix` + field); the rules are the domain's.
    pub fn overrides(&self, prefix: &str) -> Result<PlanningOverrides, Vec<FieldIssue>> {
        let mut issues = Issues::new();
        let mut weeks = |field: &str, v: Option<i64>| -> Option<u16> {
            let v = v?;
            issues.field(format!("{prefix}{field}"), u16::try_from(v).map_err(|_| format!("must be from 1 to {} weeks (is {v})", forecast::MAX_WEEKS)))
        };
        let lead_time_weeks = weeks("lead_time_weeks", self.lead_time_weeks);
        let review_weeks = weeks("review_weeks", self.review_weeks);
        let max_cover_weeks = weeks("max_cover_weeks", self.max_cover_weeks);
        let service_target = given(&self.service_target).and_then(|t| issues.field(format!("{prefix}service_target"), forecast::parse_service_target(t)));
        let o =
            PlanningOverrides { lead_time_weeks, review_weeks, service_target, moq: self.moq, max_cover_weeks, vmi_min: self.vmi_min, vmi_max: self.vmi_max };
        issues.into_result()?;
        let rules: Vec<FieldIssue> = o.issues(&forecast::ParamFields::PLAIN).into_iter().map(|(f, i)| FieldIssue::new(format!("{prefix}{f}"), i)).collect();
        if rules.is_empty() { Ok(o) } else { Err(rules) }
    }
}

/// The agreement's planning part: VMI and the default parameters for the vendor's items.
#[derive(Deserialize, ToSchema, Default)]
pub struct AgreementPlanningIn {
    /// Vendor-managed inventory: the vendor proposes the orders within the agreed min/max.
    #[serde(default)]
    pub vmi: bool,
    #[serde(flatten)]
    pub defaults: PlanningIn,
}

impl AgreementPlanningIn {
    pub fn planning(&self) -> Result<AgreementPlanning, Vec<FieldIssue>> {
        Ok(AgreementPlanning { vmi: self.vmi, defaults: self.defaults.overrides("planning.")? })
    }
}

/// Parameters as set at one level (null: not set there).
#[derive(Serialize, ToSchema)]
pub struct PlanningSetOut {
    pub lead_time_weeks: Option<u16>,
    pub review_weeks: Option<u16>,
    pub service_target: Option<String>,
    pub moq: Option<i64>,
    pub max_cover_weeks: Option<u16>,
    pub vmi_min: Option<i64>,
    pub vmi_max: Option<i64>,
}

impl From<&PlanningOverrides> for PlanningSetOut {
    fn from(o: &PlanningOverrides) -> PlanningSetOut {
        PlanningSetOut {
            lead_time_weeks: o.lead_time_weeks,
            review_weeks: o.review_weeks,
            service_target: o.service_target.map(|t| t.normalize().to_string()),
            moq: o.moq,
            max_cover_weeks: o.max_cover_weeks,
            vmi_min: o.vmi_min,
            vmi_max: o.vmi_max,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AgreementPlanningOut {
    pub vmi: bool,
    #[serde(flatten)]
    pub defaults: PlanningSetOut,
}

impl From<&AgreementPlanning> for AgreementPlanningOut {
    fn from(a: &AgreementPlanning) -> AgreementPlanningOut {
        AgreementPlanningOut { vmi: a.vmi, defaults: PlanningSetOut::from(&a.defaults) }
    }
}

/// The parameters in effect, and for each where it came from: `item_dc`, `agreement` or `system`.
#[derive(Serialize, ToSchema)]
pub struct EffectiveOut {
    pub lead_time_weeks: u16,
    pub review_weeks: u16,
    pub service_target: String,
    pub moq: i64,
    pub max_cover_weeks: u16,
    pub vmi_min: Option<i64>,
    pub vmi_max: Option<i64>,
    /// Field → `item_dc`, `agreement` or `system` (`vmi_range` for the min/max pair).
    #[schema(value_type = Object)]
    pub sources: serde_json::Value,
}

impl From<&EffectiveParams> for EffectiveOut {
    fn from(e: &EffectiveParams) -> EffectiveOut {
        let p = &e.params;
        EffectiveOut {
            lead_time_weeks: p.lead_time_weeks,
            review_weeks: p.review_weeks,
            service_target: p.service_target.normalize().to_string(),
            moq: p.moq,
            max_cover_weeks: p.max_cover_weeks,
            vmi_min: p.vmi_min,
            vmi_max: p.vmi_max,
            sources: serde_json::to_value(&e.sources).unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DcPlanningOut {
    pub dc: String,
    /// What is set for this item at this DC.
    pub overrides: PlanningSetOut,
    pub effective: EffectiveOut,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<&DcPlanning> for DcPlanningOut {
    fn from(d: &DcPlanning) -> DcPlanningOut {
        DcPlanningOut {
            dc: d.dc.code.clone(),
            overrides: PlanningSetOut::from(&d.overrides),
            effective: EffectiveOut::from(&d.effective),
            updated_by: d.updated_by.clone(),
            updated_at: d.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemPlanningOut {
    pub item_id: Uuid,
    pub vendor_id: Uuid,
    pub vendor_sku: String,
    /// Units per case: orders are rounded up to it.
    pub case_pack: i64,
    /// The agreement's VMI flag and default parameters (terms in force today).
    pub agreement: AgreementPlanningOut,
    /// Every DC.
    pub dcs: Vec<DcPlanningOut>,
}

impl From<&ItemPlanning> for ItemPlanningOut {
    fn from(p: &ItemPlanning) -> ItemPlanningOut {
        ItemPlanningOut {
            item_id: p.item.id,
            vendor_id: p.item.tenant.0,
            vendor_sku: p.item.vendor_sku.clone(),
            case_pack: p.item.case_pack,
            agreement: AgreementPlanningOut::from(&p.agreement),
            dcs: p.dcs.iter().map(DcPlanningOut::from).collect(),
        }
    }
}

/// An item's planning parameters at every DC: what is set per DC, the agreement's defaults, and what
/// is in effect with where each value came from.
#[utoipa::path(get, path = "/api/v1/forecast/params/{item_id}", tag = "forecast",
    responses((status = 200, body = ItemPlanningOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_params(State(s): State<AppState>, Api(ctx): Api, Path(item_id): Path<Uuid>) -> ApiResult<Json<ItemPlanningOut>> {
    Ok(Json(ItemPlanningOut::from(&s.services.item_planning(&ctx, item_id).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct DcPlanningIn {
    /// The DC's code.
    #[serde(default)]
    pub dc: String,
    #[serde(flatten)]
    pub params: PlanningIn,
}

/// Set the item's parameters at one DC (retailer buyers): the fields given replace what was set there,
/// a field left out falls back to the agreement. Answers the DC's parameters as in effect now.
#[utoipa::path(put, path = "/api/v1/forecast/params/{item_id}", tag = "forecast", request_body = DcPlanningIn,
    responses((status = 200, body = DcPlanningOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_params(
    State(s): State<AppState>,
    Api(ctx): Api,
    Path(item_id): Path<Uuid>,
    JsonBody(b): JsonBody<DcPlanningIn>,
) -> ApiResult<Json<DcPlanningOut>> {
    let overrides = match b.params.overrides("") {
        Ok(o) => o,
        Err(issues) => {
            // Unreadable values are reported once the caller is known to be allowed (a 403/404 first).
            s.services.authorize_item_planning(&ctx, item_id).await?;
            return Err(ServiceError::Invalid(issues).into());
        }
    };
    Ok(Json(DcPlanningOut::from(&s.services.set_item_planning(&ctx, item_id, &b.dc, overrides).await?)))
}
