//! The minimal item master: vendors (and the retailer's category managers) set up items that can be
//! ordered. A GTIN must belong to one of the vendor's GS1 company prefixes and is unique across
//! vendors; costs carry effective dates and a PO takes the cost in force on its order date.

use crate::authz::{list_scope, require, require_object};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::gs1::Gtin;
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::items::{self, Item, ItemCost, ItemStatus};
use acorn_domain::master::VendorIdentifierKind;
use acorn_domain::money;
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::{self, FieldIssue, Issues};
use acorn_store::repo;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

/// A new item as entered (strings are checked here, so UI, API and CSV share one set of messages).
#[derive(Clone, Debug, Default)]
pub struct NewItem {
    pub vendor_sku: String,
    pub gtin: String,
    pub title: String,
    pub case_pack: i64,
    pub list_price: String,
    pub unit_cost: String,
    pub currency: String,
    /// Defaults to today.
    pub cost_effective_from: Option<NaiveDate>,
}

/// An item with its cost history.
#[derive(Clone, Debug, Serialize)]
pub struct ItemDetail {
    pub item: Item,
    pub costs: Vec<ItemCost>,
}

impl ItemDetail {
    /// The cost in force on `day`.
    pub fn cost_on(&self, day: NaiveDate) -> Option<&ItemCost> {
        items::cost_on(&self.costs, day)
    }
}

impl Services {
    /// The vendor an item use case acts for: a vendor's people act for their own company; retailer
    /// staff name the vendor.
    fn item_tenant(ctx: &Ctx, vendor: Option<TenantId>) -> Result<TenantId, ServiceError> {
        if ctx.principal.is_retailer_side() {
            vendor.ok_or_else(|| ServiceError::invalid("vendor_id", "retailer staff must say which vendor the item belongs to"))
        } else {
            Ok(ctx.principal.tenant())
        }
    }

    pub async fn create_item(&self, ctx: &Ctx, vendor: Option<TenantId>, new: NewItem) -> Result<ItemDetail, ServiceError> {
        require(ctx, Area::Items, Access::Write)?;
        let tenant = Self::item_tenant(ctx, vendor)?;
        require_object(ctx, Area::Items, Access::Write, tenant, "vendor")?;
        repo::vendors::get(&self.db.conn, tenant).await?.ok_or(ServiceError::NotFound("vendor"))?;
        let identifiers = repo::vendors::identifiers(&self.db.conn, tenant).await?;
        let prefixes: Vec<&str> = identifiers.iter().filter(|i| i.kind == VendorIdentifierKind::Gs1Prefix).map(|i| i.value.as_str()).collect();
        let t = now();
        let mut issues = Issues::new();
        let sku = issues.field("vendor_sku", items::vendor_sku(&new.vendor_sku));
        let gtin = issues.field("gtin", Gtin::parse(&new.gtin));
        if let Some(g) = &gtin
            && g.owner(prefixes.iter().copied()).is_none()
        {
            let declared = if prefixes.is_empty() { "none declared".to_string() } else { prefixes.join(", ") };
            issues.push(FieldIssue::new("gtin", format!("GTIN does not match the brand's GS1 prefix ({declared}); use a GTIN issued under one of them")));
        }
        let title = issues.field("title", validate::required_text(&new.title, 300));
        let case_pack = issues.field("case_pack", items::case_pack(new.case_pack));
        let currency = issues.field("currency", money::currency(&new.currency));
        let list_price = issues.field("list_price", money::parse_amount(&new.list_price, false));
        let unit_cost = issues.field("unit_cost", money::parse_amount(&new.unit_cost, false).and_then(positive));
        issues.into_result().map_err(ServiceError::Invalid)?;
        let (Some(sku), Some(gtin), Some(title), Some(case_pack), Some(currency), Some(list_price), Some(unit_cost)) =
            (sku, gtin, title, case_pack, currency, list_price, unit_cost)
        else {
            return Err(ServiceError::internal("validated item fields missing"));
        };
        let id = new_id();
        let cost =
            ItemCost { item_id: id, unit_cost, currency: currency.clone(), effective_from: new.cost_effective_from.unwrap_or(t.date_naive()), created_at: t };
        let item = Item {
            id,
            tenant,
            vendor_sku: sku,
            gtin,
            retailer_item_id: String::new(),
            title,
            case_pack,
            list_price,
            currency,
            status: ItemStatus::Active,
            created_at: t,
            updated_at: t,
        };
        let (item, cost) = (&item, &cost);
        let item = self
            .mutate(ctx, |tx| async move {
                let mut item = item.clone();
                item.retailer_item_id = items::retailer_item_id(repo::counters::next(tx.c(), "retailer_item_id").await?);
                repo::items::insert(tx.c(), &item).await?;
                repo::items::add_cost(tx.c(), tenant, cost).await?;
                let change = Change::new(tenant, "item.created", "item", item.id).after(&item);
                Ok((item, change))
            })
            .await?;
        Ok(ItemDetail { item, costs: vec![cost.clone()] })
    }

    pub async fn get_item(&self, ctx: &Ctx, id: Uuid) -> Result<ItemDetail, ServiceError> {
        require(ctx, Area::Items, Access::Read)?;
        let item = repo::items::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("item"))?;
        let costs = repo::items::costs(&self.db.conn, item.tenant, &[item.id]).await?;
        Ok(ItemDetail { item, costs })
    }

    pub async fn list_items(
        &self,
        ctx: &Ctx,
        vendor: Option<TenantId>,
        search: Option<&str>,
        cursor: Option<&str>,
        limit: Option<u64>,
    ) -> Result<Page<Item>, ServiceError> {
        require(ctx, Area::Items, Access::Read)?;
        let scope = list_scope(ctx).or(vendor);
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = repo::items::list(&self.db.conn, scope, search, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |i| Cursor { created_at: i.created_at, id: i.id }))
    }

    /// The cost in force on `day` of each of these items the principal may see (one query).
    pub async fn costs_on(&self, ctx: &Ctx, items: &[Item], day: NaiveDate) -> Result<std::collections::HashMap<Uuid, ItemCost>, ServiceError> {
        require(ctx, Area::Items, Access::Read)?;
        let mut out = std::collections::HashMap::new();
        let mut by_tenant: std::collections::BTreeMap<TenantId, Vec<Uuid>> = std::collections::BTreeMap::new();
        for i in items.iter().filter(|i| crate::authz::visible(ctx, i.tenant)) {
            by_tenant.entry(i.tenant).or_default().push(i.id);
        }
        for (tenant, ids) in by_tenant {
            let costs = repo::items::costs(&self.db.conn, tenant, &ids).await?;
            for id in ids {
                let mine: Vec<ItemCost> = costs.iter().filter(|c| c.item_id == id).cloned().collect();
                if let Some(c) = items::cost_on(&mine, day) {
                    out.insert(id, c.clone());
                }
            }
        }
        Ok(out)
    }

    /// Adds a unit cost effective from a date (the approval workflow comes with item setup).
    pub async fn add_item_cost(&self, ctx: &Ctx, id: Uuid, unit_cost: &str, effective_from: NaiveDate) -> Result<ItemCost, ServiceError> {
        require(ctx, Area::Items, Access::Write)?;
        let item = repo::items::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("item"))?;
        let amount = money::parse_amount(unit_cost, false).and_then(positive).map_err(|e| ServiceError::invalid("unit_cost", e))?;
        let cost = ItemCost { item_id: item.id, unit_cost: amount, currency: item.currency.clone(), effective_from, created_at: now() };
        let c = &cost;
        self.mutate(ctx, |tx| async move {
            repo::items::add_cost(tx.c(), item.tenant, c).await?;
            Ok(((), Change::new(item.tenant, "item.cost_added", "item", item.id).after(c)))
        })
        .await?;
        Ok(cost)
    }
}

fn positive(d: Decimal) -> Result<Decimal, String> {
    if d > Decimal::ZERO { Ok(d) } else { Err("must be more than 0".into()) }
}
