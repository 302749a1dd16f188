//! Planning parameters: per item × DC overrides set by the buyer, over the agreement's defaults (the
//! terms in force, `planning`), over the retailer's system defaults — field by field
//! ([`acorn_domain::forecast::effective`]). Vendors read their own items' parameters (they plan supply
//! with them); only the retailer's buyers set them.

use crate::authz::{require, require_object, require_retailer};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::forecast::{AgreementPlanning, EffectiveParams, ItemDcParams, PlanningOverrides, effective};
use acorn_domain::ids::TenantId;
use acorn_domain::items::Item;
use acorn_domain::master::Dc;
use acorn_domain::policy::{Access, Area};
use acorn_store::{ConnectionTrait, repo};
use serde::Serialize;
use uuid::Uuid;

/// An item's planning at every DC, with the agreement level it falls back to.
#[derive(Clone, Debug, Serialize)]
pub struct ItemPlanning {
    pub item: Item,
    /// VMI and the agreement's defaults (from the terms in force today).
    pub agreement: AgreementPlanning,
    pub dcs: Vec<DcPlanning>,
}

/// One item × DC: what is overridden there and what is in effect.
#[derive(Clone, Debug, Serialize)]
pub struct DcPlanning {
    pub dc: Dc,
    pub overrides: PlanningOverrides,
    pub effective: EffectiveParams,
    /// Who last set the overrides, and when (none while nothing is overridden).
    pub updated_by: Option<String>,
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The agreement's planning part in force today (not set when the vendor has no terms).
pub(crate) async fn agreement_planning(c: &impl ConnectionTrait, tenant: TenantId) -> Result<AgreementPlanning, ServiceError> {
    Ok(crate::terms::terms_on(c, tenant, now().date_naive()).await?.terms.planning)
}

impl Services {
    /// The item's planning parameters at every DC (404 for another vendor's item).
    pub async fn item_planning(&self, ctx: &Ctx, item_id: Uuid) -> Result<ItemPlanning, ServiceError> {
        require(ctx, Area::Forecasts, Access::Read)?;
        let c = &self.db.conn;
        let item = repo::items::get(c, None, item_id).await?.ok_or(ServiceError::NotFound("item"))?;
        require_object(ctx, Area::Forecasts, Access::Read, item.tenant, "item")?;
        let agreement = agreement_planning(c, item.tenant).await?;
        let stored = repo::forecast::params_of_item(c, item.tenant, item.id).await?;
        let dcs = repo::facilities::list_dcs(c)
            .await?
            .into_iter()
            .map(|dc| {
                let own = stored.iter().find(|p| p.dc_id == dc.id);
                let overrides = own.map(|p| p.overrides.clone()).unwrap_or_default();
                DcPlanning {
                    effective: effective(Some(&overrides), Some(&agreement.defaults)),
                    overrides,
                    updated_by: own.map(|p| p.updated_by.clone()),
                    updated_at: own.map(|p| p.updated_at),
                    dc,
                }
            })
            .collect();
        Ok(ItemPlanning { item, agreement, dcs })
    }

    /// Sets the item × DC overrides (the DC by its code) (all of them: a field left `None` falls back to the agreement);
    /// nothing overridden removes the row. Setting what is already set changes nothing.
    pub async fn set_item_planning(&self, ctx: &Ctx, item_id: Uuid, dc_code: &str, overrides: PlanningOverrides) -> Result<DcPlanning, ServiceError> {
        let item = self.authorize_item_planning(ctx, item_id).await?;
        let c = &self.db.conn;
        // The DC is named after the item is known to be visible: another vendor's item is a 404 whatever the DC.
        let code = dc_code.trim().to_uppercase();
        if code.is_empty() {
            return Err(ServiceError::invalid("dc", "is required: the code of the DC these parameters are for"));
        }
        let dc = repo::facilities::get_dc_by_code(c, &code).await?.ok_or_else(|| ServiceError::invalid("dc", format!("`{code}` is not a DC code")))?;
        overrides.validate().map_err(ServiceError::Invalid)?;
        let dc_id = dc.id;
        let tenant = item.tenant;
        let overrides = &overrides;
        let saved = self
            .mutate_if_changed(ctx, |tx| async move {
                let before = repo::forecast::params(tx.c(), item_id, dc_id).await?;
                let before_overrides = before.as_ref().map(|p| p.overrides.clone()).unwrap_or_default();
                if before_overrides == *overrides {
                    return Ok((before, None));
                }
                let after = ItemDcParams { tenant, item_id, dc_id, overrides: overrides.clone(), updated_by: ctx.principal.actor(), updated_at: now() };
                repo::forecast::put_params(tx.c(), &after).await?;
                let object = format!("{item_id}@{dc_id}");
                let change = Change::new(tenant, "planning_params.set", "item_dc", object).before(&before_overrides).after(&after.overrides);
                Ok((Some(after), Some(change)))
            })
            .await?;
        let agreement = agreement_planning(c, tenant).await?;
        let overrides = saved.as_ref().map(|p| p.overrides.clone()).unwrap_or_default();
        Ok(DcPlanning {
            effective: effective(Some(&overrides), Some(&agreement.defaults)),
            overrides,
            updated_by: saved.as_ref().map(|p| p.updated_by.clone()),
            updated_at: saved.map(|p| p.updated_at),
            dc,
        })
    }

    /// Whether the principal may set this item's parameters (the item, when it may): retailer buyers, for
    /// an item that exists.
    pub async fn authorize_item_planning(&self, ctx: &Ctx, item_id: Uuid) -> Result<Item, ServiceError> {
        require_retailer(ctx, Area::Forecasts, Access::Write)?;
        let item = repo::items::get(&self.db.conn, None, item_id).await?.ok_or(ServiceError::NotFound("item"))?;
        require_object(ctx, Area::Forecasts, Access::Write, item.tenant, "item")?;
        Ok(item)
    }

    /// Adds a terms version that keeps the planning part of the version in force (a form or request that
    /// does not carry planning must not reset it): authorised as [`Services::set_terms`], first.
    pub async fn set_terms_keeping_planning(
        &self,
        ctx: &Ctx,
        tenant: TenantId,
        mut terms: acorn_domain::terms::Terms,
        effective_from: chrono::NaiveDate,
        note: &str,
    ) -> Result<acorn_store::repo::terms::StoredTerms, ServiceError> {
        require_object(ctx, Area::Terms, Access::Write, tenant, "vendor")?;
        terms.planning = agreement_planning(&self.db.conn, tenant).await?;
        self.set_terms(ctx, tenant, terms, effective_from, note).await
    }

    /// The agreement's planning part in force today, for a form or a terms request that leaves it out
    /// (a new terms version keeps the planning it does not mention).
    pub async fn agreement_planning(&self, ctx: &Ctx, tenant: TenantId) -> Result<AgreementPlanning, ServiceError> {
        require_object(ctx, Area::Terms, Access::Read, tenant, "vendor")?;
        agreement_planning(&self.db.conn, tenant).await
    }
}
