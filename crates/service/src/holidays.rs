//! The retailer's holiday calendar: each listed day gives vendors an extra day to acknowledge POs
//! (DOMAIN.md, "Purchase orders"). Retailer reference data, kept by admins.

use crate::authz::require;
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate;
use acorn_store::repo;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Holiday {
    pub day: NaiveDate,
    pub name: String,
}

impl Services {
    pub async fn list_holidays(&self, ctx: &Ctx) -> Result<Vec<Holiday>, ServiceError> {
        require(ctx, Area::Facilities, Access::Read)?;
        Ok(repo::orders::holidays(&self.db.conn).await?.into_iter().map(|(day, name)| Holiday { day, name }).collect())
    }

    pub async fn add_holiday(&self, ctx: &Ctx, day: NaiveDate, name: &str) -> Result<Holiday, ServiceError> {
        require(ctx, Area::Facilities, Access::Write)?;
        let name = validate::required_text(name, 100).map_err(|e| ServiceError::invalid("name", e))?;
        let h = Holiday { day, name };
        let hr = &h;
        self.mutate(ctx, |tx| async move {
            repo::orders::add_holiday(tx.c(), hr.day, &hr.name, now()).await?;
            Ok(((), Change::new(TenantId::RETAILER, "holiday.added", "holiday", hr.day).after(hr)))
        })
        .await?;
        Ok(h)
    }

    pub async fn remove_holiday(&self, ctx: &Ctx, day: NaiveDate) -> Result<(), ServiceError> {
        require(ctx, Area::Facilities, Access::Write)?;
        self.mutate(ctx, |tx| async move {
            if !repo::orders::remove_holiday(tx.c(), day).await? {
                return Err(ServiceError::NotFound("holiday"));
            }
            Ok(((), Change::new(TenantId::RETAILER, "holiday.removed", "holiday", day)))
        })
        .await
    }
}
