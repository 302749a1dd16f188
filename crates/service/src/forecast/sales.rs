//! Weekly sales history: one validation for the CSV upload and the API batch, then one all-or-nothing
//! write.
//!
//! Each record names the item by GTIN (unique across vendors) or by vendor code + vendor SKU, the DC by
//! its code, the week by ISO name or Monday date, and carries the units sold and, optionally, the units
//! on hand at week end. Every problem is reported before anything is written — by row and column for a
//! CSV (`row 7, week`), by index and field for a batch (`sales[6].week`) — and nothing is written while
//! any record is wrong. Re-sending the same records changes nothing (no write, no audit record); a
//! record for a week already stored replaces its figures.
//!
//! A 50,000-row import is one transaction: the stored weeks of the items concerned are read once to
//! tell new, changed and unchanged records apart, and the new and changed ones are written by the
//! repository's multi-row upsert. The audit log gets one record per vendor per import (what was
//! imported, counted), not one per week: the rows themselves carry `updated_at`, and the sales history
//! is data about the vendor's items, not a change anyone approves.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::authz::{list_scope, require, require_retailer};
use crate::csvin::{self, Row};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::forecast::{self, SalesWeek, last_completed_week};
use acorn_domain::gs1::Gtin;
use acorn_domain::ids::TenantId;
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_domain::time;
use acorn_domain::validate::FieldIssue;
use acorn_store::repo;
use acorn_store::repo::forecast::{ItemKey, SalesFilter, SalesListRow};
use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;
use uuid::Uuid;

/// Columns of the sales upload, in template order.
pub const SALES_CSV_COLUMNS: &[&str] = &["vendor_code", "vendor_sku", "gtin", "dc", "week", "units", "on_hand"];

const REQUIRED: &[&str] = &["dc", "week", "units"];

/// Records per API batch at most (a CSV may hold up to [`csvin::MAX_ROWS`]).
pub const MAX_BATCH: usize = 50_000;

/// One record as sent, before the item, DC and week are resolved. Numbers are already numbers (the
/// CSV reader reports cells that are not); `None` means the cell could not be read and is reported.
#[derive(Clone, Debug, Default)]
pub struct SalesInput {
    pub vendor_code: String,
    pub vendor_sku: String,
    pub gtin: String,
    pub dc: String,
    pub week: String,
    pub units: Option<i64>,
    pub on_hand: Option<i64>,
}

/// What an import did, over every vendor it touched.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Records received.
    pub rows: u64,
    /// Weeks stored for the first time.
    pub inserted: u64,
    /// Weeks whose figures changed.
    pub updated: u64,
    /// Weeks already stored with the same figures (nothing written).
    pub unchanged: u64,
    /// Vendors whose items the records were about.
    pub vendors: u64,
}

/// A validated record, ready to write.
#[derive(Clone, Debug)]
struct Resolved {
    tenant: TenantId,
    item: Uuid,
    dc: Uuid,
    week: NaiveDate,
    units: i64,
    on_hand: Option<i64>,
}

/// Where the records came from, which names their fields in issues: `row 7, week` (a CSV row as a
/// spreadsheet numbers it) or `sales[6].week` (an API batch).
#[derive(Clone, Copy)]
enum Source<'a> {
    Csv(&'a [Row]),
    Api,
}

impl Source<'_> {
    fn name(&self, index: usize, field: &str) -> String {
        match self {
            Source::Csv(rows) => rows.get(index).map_or_else(|| format!("row ?, {field}"), |r| r.field(field)),
            Source::Api => format!("sales[{index}].{field}"),
        }
    }

    fn as_str(&self) -> &'static str {
        match self {
            Source::Csv(_) => "csv",
            Source::Api => "api",
        }
    }
}

impl Services {
    /// Imports weekly sales from a CSV upload (columns [`SALES_CSV_COLUMNS`]).
    pub async fn import_sales_csv(&self, ctx: &Ctx, text: &str) -> Result<ImportReport, ServiceError> {
        require_retailer(ctx, Area::Forecasts, Access::Write)?;
        let rows = csvin::read(text, REQUIRED, SALES_CSV_COLUMNS)?;
        let mut issues = Vec::new();
        let inputs: Vec<SalesInput> = rows.iter().map(|row| csv_input(row, &mut issues)).collect();
        self.import_sales(ctx, inputs, issues, Source::Csv(&rows)).await
    }

    /// Imports a batch of weekly sales sent by the retailer's systems over the API.
    pub async fn import_sales_batch(&self, ctx: &Ctx, inputs: Vec<SalesInput>) -> Result<ImportReport, ServiceError> {
        require_retailer(ctx, Area::Forecasts, Access::Write)?;
        if inputs.is_empty() {
            return Err(ServiceError::invalid("sales", "is empty; send at least one week of sales"));
        }
        if inputs.len() > MAX_BATCH {
            return Err(ServiceError::invalid("sales", format!("has {} records; at most {MAX_BATCH} are accepted per request", inputs.len())));
        }
        self.import_sales(ctx, inputs, Vec::new(), Source::Api).await
    }

    /// Validates every record (adding to `issues`, problems the caller found reading them), then writes
    /// them in one transaction — or nothing, listing every problem in record order.
    async fn import_sales(&self, ctx: &Ctx, inputs: Vec<SalesInput>, mut issues: Vec<FieldIssue>, from: Source<'_>) -> Result<ImportReport, ServiceError> {
        let resolved = self.resolve_sales(&inputs, &mut issues, from).await?;
        let source = from.as_str();
        if !issues.is_empty() {
            issues.sort_by_key(|i| record_of(&i.field));
            return Err(ServiceError::Invalid(issues));
        }
        let rows = inputs.len() as u64;
        let mut by_tenant: BTreeMap<TenantId, Vec<Resolved>> = BTreeMap::new();
        for r in resolved {
            by_tenant.entry(r.tenant).or_default().push(r);
        }
        // A slice, not the map: iterating a borrowed map across the awaits trips the compiler's Send check.
        let groups: Vec<(TenantId, Vec<Resolved>)> = by_tenant.into_iter().collect();
        let groups = &groups;
        self.mutate_if_changed(ctx, |tx| async move {
            let at = now();
            let mut report = ImportReport { rows, vendors: groups.len() as u64, ..ImportReport::default() };
            let mut changes = Vec::new();
            for (tenant, records) in groups {
                let tenant = *tenant;
                let (items, from, to) = span(records);
                let mut stored: HashMap<(Uuid, Uuid, NaiveDate), SalesWeek> = HashMap::new();
                for s in repo::forecast::sales_of_items(tx.c(), &items, from, to).await? {
                    stored.insert((s.item_id, s.dc_id, s.week_start), s);
                }
                let (mut inserted, mut updated, mut unchanged) = (0u64, 0u64, 0u64);
                let mut write = Vec::new();
                for r in records {
                    match stored.get(&(r.item, r.dc, r.week)) {
                        Some(s) if s.same_figures(r.units, r.on_hand) => unchanged += 1,
                        Some(s) => {
                            updated += 1;
                            write.push(SalesWeek { units: r.units, on_hand: r.on_hand, updated_at: at, ..s.clone() });
                        }
                        None => {
                            inserted += 1;
                            write.push(SalesWeek {
                                tenant,
                                item_id: r.item,
                                dc_id: r.dc,
                                week_start: r.week,
                                units: r.units,
                                on_hand: r.on_hand,
                                created_at: at,
                                updated_at: at,
                            });
                        }
                    }
                }
                report.inserted += inserted;
                report.updated += updated;
                report.unchanged += unchanged;
                if write.is_empty() {
                    continue;
                }
                repo::forecast::upsert_sales(tx.c(), &write).await?;
                let summary = serde_json::json!({
                    "source": source,
                    "rows": records.len(),
                    "inserted": inserted,
                    "updated": updated,
                    "unchanged": unchanged,
                    "items": items.len(),
                    "first_week": from,
                    "last_week": to,
                });
                changes.push(Change::new(tenant, "sales.imported", "sales_history", tenant.0).after(&summary));
            }
            Ok((report, Change::all(changes)))
        })
        .await
    }

    /// Resolves items, DCs and weeks in a few queries whatever the number of records.
    async fn resolve_sales(&self, inputs: &[SalesInput], issues: &mut Vec<FieldIssue>, from: Source<'_>) -> Result<Vec<Resolved>, ServiceError> {
        let c = &self.db.conn;
        let dcs: HashMap<String, (Uuid, time::Tz)> =
            repo::facilities::list_dcs(c).await?.into_iter().map(|dc| (dc.code.clone(), (dc.id, time::zone(&dc.time_zone).unwrap_or(time::UTC)))).collect();
        // Vendor codes, then items by GTIN and by vendor + SKU, each in one pass.
        let mut tenants: HashMap<String, Option<TenantId>> = HashMap::new();
        for input in inputs {
            let code = input.vendor_code.trim().to_uppercase();
            if !code.is_empty() && !tenants.contains_key(&code) {
                let tenant = repo::vendors::tenant_of_code(c, &code).await?;
                tenants.insert(code, tenant);
            }
        }
        let gtins: Vec<String> =
            inputs.iter().filter_map(|i| Gtin::parse(&i.gtin).ok()).map(|g| g.as_str().to_string()).collect::<HashSet<_>>().into_iter().collect();
        let by_gtin: HashMap<String, ItemKey> = repo::forecast::items_by_gtins(c, &gtins).await?.into_iter().map(|k| (k.gtin.clone(), k)).collect();
        let mut skus: HashMap<TenantId, HashSet<String>> = HashMap::new();
        for input in inputs {
            if let Some(Some(t)) = tenants.get(&input.vendor_code.trim().to_uppercase())
                && !input.vendor_sku.trim().is_empty()
            {
                skus.entry(*t).or_default().insert(input.vendor_sku.trim().to_string());
            }
        }
        let mut by_sku: HashMap<(TenantId, String), ItemKey> = HashMap::new();
        for (tenant, list) in skus {
            let list: Vec<String> = list.into_iter().collect();
            for k in repo::forecast::items_by_skus(c, tenant, &list).await? {
                by_sku.insert((tenant, k.vendor_sku.clone()), k);
            }
        }

        let today = now();
        // Fields the caller reported already (CSV cells that could not be read).
        let reported: HashSet<String> = issues.iter().map(|x| x.field.clone()).collect();
        let mut seen: HashMap<(Uuid, Uuid, NaiveDate), usize> = HashMap::new();
        let mut out = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let mut bad = |field: &str, issue: String| issues.push(FieldIssue::new(from.name(i, field), issue));
            let item = resolve_item(input, &tenants, &by_gtin, &by_sku).map_err(|(field, issue)| bad(field, issue)).ok();
            let code = input.dc.trim().to_uppercase();
            let dc = if code.is_empty() {
                bad("dc", "is required: the code of the DC that sold, e.g. ABE2".into());
                None
            } else {
                let found = dcs.get(&code).copied();
                if found.is_none() {
                    bad("dc", format!("`{code}` is not a DC code; the DCs are {}", sorted_codes(&dcs)));
                }
                found
            };
            // The week must have ended in the DC's own calendar (the retailer's time there).
            let latest = last_completed_week(today, dc.map_or(time::UTC, |d| d.1));
            let week = forecast::sales_week(&input.week, latest).map_err(|e| bad("week", e)).ok();
            let units = match input.units {
                Some(u) => forecast::units(u).map_err(|e| bad("units", e)).ok(),
                None => {
                    // A CSV cell that could not be read is reported already; a missing number is not.
                    if !reported.contains(&from.name(i, "units")) {
                        bad("units", "is required: a whole number of units, 0 or more".into());
                    }
                    None
                }
            };
            let on_hand = match input.on_hand {
                Some(v) => forecast::units(v).map(Some).map_err(|e| bad("on_hand", e)).ok(),
                None => Some(None),
            };
            let (Some(item), Some((dc, _)), Some(week), Some(units), Some(on_hand)) = (item, dc, week, units, on_hand) else { continue };
            if let Some(first) = seen.insert((item.id, dc, week), i) {
                bad("week", format!("{} of this item at {code} is already in {}", forecast::week_label(week), from.name(first, "week")));
                continue;
            }
            out.push(Resolved { tenant: TenantId(item.tenant_id), item: item.id, dc, week, units, on_hand });
        }
        Ok(out)
    }

    /// Weekly sales, newest week first: a vendor's own; staff every vendor's (or `filter.tenant`'s).
    pub async fn list_sales(&self, ctx: &Ctx, q: &SalesQuery) -> Result<Page<SalesListRow>, ServiceError> {
        require(ctx, Area::Forecasts, Access::Read)?;
        let filter = SalesFilter { tenant: list_scope(ctx).or(q.filter.tenant), ..q.filter.clone() };
        let before = q.cursor.as_deref().map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(q.limit);
        let rows = repo::forecast::list_sales(&self.db.conn, &filter, before.map(|c| (c.created_at.date_naive(), c.id)), limit).await?;
        // The cursor's instant is the week's Monday at midnight UTC: pages are ordered by week, not by time.
        Ok(Page::from_rows(rows, limit, |r| Cursor { created_at: r.week_start.and_time(NaiveTime::MIN).and_utc(), id: r.id }))
    }
}

/// A sales list request: the filter (its tenant is honoured for staff only), the page.
#[derive(Clone, Debug, Default)]
pub struct SalesQuery {
    pub filter: SalesFilter,
    pub cursor: Option<String>,
    pub limit: Option<u64>,
}

/// The distinct items of some records and the first and last week they cover.
fn span(records: &[Resolved]) -> (Vec<Uuid>, NaiveDate, NaiveDate) {
    let items: HashSet<Uuid> = records.iter().map(|r| r.item).collect();
    let (from, to) = records.iter().fold((NaiveDate::MAX, NaiveDate::MIN), |(lo, hi), r| (lo.min(r.week), hi.max(r.week)));
    (items.into_iter().collect(), from, to)
}

/// A CSV row as a record; cells that are not numbers are reported against their column.
fn csv_input(row: &Row, issues: &mut Vec<FieldIssue>) -> SalesInput {
    let units = forecast::units_text(row.get("units")).map_err(|e| issues.push(FieldIssue::new(row.field("units"), e))).ok();
    let on_hand = forecast::on_hand_text(row.get("on_hand")).map_err(|e| issues.push(FieldIssue::new(row.field("on_hand"), e))).ok().flatten();
    SalesInput {
        vendor_code: row.get("vendor_code").into(),
        vendor_sku: row.get("vendor_sku").into(),
        gtin: row.get("gtin").into(),
        dc: row.get("dc").into(),
        week: row.get("week").into(),
        // A units cell that cannot be read stays unread; the row is not written.
        units,
        on_hand,
    }
}

/// The item a record names: by GTIN, or by vendor code + SKU; when both are given they must agree.
fn resolve_item<'a>(
    input: &SalesInput,
    tenants: &HashMap<String, Option<TenantId>>,
    by_gtin: &'a HashMap<String, ItemKey>,
    by_sku: &'a HashMap<(TenantId, String), ItemKey>,
) -> Result<&'a ItemKey, (&'static str, String)> {
    let code = input.vendor_code.trim().to_uppercase();
    let sku = input.vendor_sku.trim();
    let gtin = input.gtin.trim();
    let tenant =
        if code.is_empty() { None } else { Some(tenants.get(&code).copied().flatten().ok_or(("vendor_code", format!("`{code}` is not a vendor code")))?) };
    let by_code = match (tenant, sku.is_empty()) {
        (Some(t), false) => Some(by_sku.get(&(t, sku.to_string())).ok_or(("vendor_sku", format!("vendor {code} has no item with SKU `{sku}`")))?),
        (Some(_), true) if gtin.is_empty() => return Err(("vendor_sku", "is required with vendor_code (or give the item's gtin)".into())),
        (None, false) => return Err(("vendor_code", "is required with vendor_sku (SKUs are unique per vendor); or give the item's gtin".into())),
        _ => None,
    };
    if gtin.is_empty() {
        return by_code.ok_or(("gtin", "is required: name the item by gtin, or by vendor_code and vendor_sku".into()));
    }
    let parsed = Gtin::parse(gtin).map_err(|e| ("gtin", e))?;
    let item = by_gtin.get(parsed.as_str()).ok_or(("gtin", format!("no item has GTIN {}", parsed.as_str())))?;
    if let Some(k) = by_code
        && k.id != item.id
    {
        return Err(("gtin", format!("is the GTIN of another item than {code} SKU `{sku}`")));
    }
    if let Some(t) = tenant
        && t.0 != item.tenant_id
    {
        return Err(("gtin", format!("is not the GTIN of an item of vendor {code}")));
    }
    Ok(item)
}

fn sorted_codes(dcs: &HashMap<String, (Uuid, time::Tz)>) -> String {
    let mut codes: Vec<&str> = dcs.keys().map(String::as_str).collect();
    codes.sort_unstable();
    if codes.is_empty() { "none yet".into() } else { codes.join(", ") }
}

/// The record an issue names (`row 7, week` → 7, `sales[6].week` → 6), for a report in record order.
fn record_of(field: &str) -> usize {
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok();
    field.strip_prefix("row ").and_then(digits).or_else(|| field.strip_prefix("sales[").and_then(digits)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_sort_by_record() {
        assert_eq!(record_of("row 7, week"), 7);
        assert_eq!(record_of("sales[12].units"), 12);
        assert_eq!(record_of("sales"), usize::MAX);
    }

    #[test]
    fn items_are_named_by_gtin_or_vendor_and_sku() {
        let t = TenantId(Uuid::now_v7());
        let key = ItemKey { id: Uuid::now_v7(), tenant_id: t.0, vendor_sku: "SKU-1".into(), gtin: "00614141000012".into() };
        let tenants = HashMap::from([("ACME1".to_string(), Some(t)), ("NOPE1".to_string(), None)]);
        let by_gtin = HashMap::from([(key.gtin.clone(), key.clone())]);
        let by_sku = HashMap::from([((t, "SKU-1".to_string()), key.clone())]);
        let input =
            |code: &str, sku: &str, gtin: &str| SalesInput { vendor_code: code.into(), vendor_sku: sku.into(), gtin: gtin.into(), ..Default::default() };
        let r = |i: SalesInput| resolve_item(&i, &tenants, &by_gtin, &by_sku).map(|k| k.id).map_err(|e| e.0);
        assert_eq!(r(input("", "", "614141000012")), Ok(key.id));
        assert_eq!(r(input("acme1", "SKU-1", "")), Ok(key.id));
        assert_eq!(r(input("ACME1", "SKU-1", "614141000012")), Ok(key.id));
        assert_eq!(r(input("", "", "")), Err("gtin"));
        assert_eq!(r(input("", "SKU-1", "")), Err("vendor_code"));
        assert_eq!(r(input("NOPE1", "SKU-1", "")), Err("vendor_code"));
        assert_eq!(r(input("ACME1", "", "")), Err("vendor_sku"));
        assert_eq!(r(input("ACME1", "SKU-2", "")), Err("vendor_sku"));
        assert_eq!(r(input("", "", "614141000029")), Err("gtin"));
        assert_eq!(r(input("", "", "123")), Err("gtin"));
    }
}
