//! Distribution centres and dock slots: retailer reference data, written by retailer admins.

use crate::authz::require;
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::ids::TenantId;
use acorn_domain::master::{Address, Dc, DockSlot};
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::{self, Issues};
use acorn_store::repo::facilities;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// DC fields as entered in a form or API body.
#[derive(Clone, Debug, Default)]
pub struct DcInput {
    pub code: String,
    pub name: String,
    pub address: Address,
    pub time_zone: String,
    pub dock_doors: i64,
}

fn check_dc(input: &DcInput, issues: &mut Issues) -> Option<DcInput> {
    let code = issues.field("code", validate::dc_code(&input.code));
    let name = issues.field("name", validate::required_text(&input.name, 200));
    let line1 = issues.field("address.line1", validate::required_text(&input.address.line1, 200));
    let city = issues.field("address.city", validate::required_text(&input.address.city, 100));
    let postal = issues.field("address.postal_code", validate::required_text(&input.address.postal_code, 20));
    let country = issues.field("address.country", validate::country_code(&input.address.country));
    let tz = issues.field("time_zone", validate::time_zone(&input.time_zone));
    issues.check((1..=500).contains(&input.dock_doors), "dock_doors", "must be a whole number from 1 to 500");
    Some(DcInput {
        code: code?,
        name: name?,
        address: Address {
            line1: line1?,
            line2: input.address.line2.trim().to_string(),
            city: city?,
            region: input.address.region.trim().to_string(),
            postal_code: postal?,
            country: country?,
        },
        time_zone: tz?,
        dock_doors: input.dock_doors,
    })
}

/// The longest a dock slot may be, and the most appointments it can take.
const MAX_SLOT: Duration = Duration::hours(12);
const MAX_SLOT_CAPACITY: i64 = 100;

impl Services {
    pub async fn create_dc(&self, ctx: &Ctx, input: DcInput) -> Result<Dc, ServiceError> {
        require(ctx, Area::Facilities, Access::Write)?;
        let mut issues = Issues::new();
        let ok = check_dc(&input, &mut issues);
        issues.into_result().map_err(ServiceError::Invalid)?;
        let ok = ok.ok_or_else(|| ServiceError::internal("validated DC input missing"))?;
        let t = now();
        let dc = Dc {
            id: acorn_domain::ids::new_id(),
            code: ok.code,
            name: ok.name,
            address: ok.address,
            time_zone: ok.time_zone,
            dock_doors: ok.dock_doors,
            created_at: t,
            updated_at: t,
        };
        let d = &dc;
        self.mutate(ctx, |tx| async move {
            facilities::insert_dc(tx.c(), d).await?;
            Ok(((), Change::new(TenantId::RETAILER, "dc.created", "dc", d.id).after(d)))
        })
        .await?;
        Ok(dc)
    }

    pub async fn update_dc(&self, ctx: &Ctx, id: Uuid, input: DcInput) -> Result<Dc, ServiceError> {
        require(ctx, Area::Facilities, Access::Write)?;
        let before = facilities::get_dc(&self.db.conn, id).await?.ok_or(ServiceError::NotFound("DC"))?;
        let mut issues = Issues::new();
        // The code identifies the DC on documents already issued; it does not change.
        let input = DcInput { code: before.code.clone(), ..input };
        let ok = check_dc(&input, &mut issues);
        issues.into_result().map_err(ServiceError::Invalid)?;
        let ok = ok.ok_or_else(|| ServiceError::internal("validated DC input missing"))?;
        let after = Dc { name: ok.name, address: ok.address, time_zone: ok.time_zone, dock_doors: ok.dock_doors, updated_at: now(), ..before.clone() };
        let (b, a) = (&before, &after);
        self.mutate(ctx, |tx| async move {
            facilities::update_dc(tx.c(), a).await?;
            Ok(((), Change::new(TenantId::RETAILER, "dc.updated", "dc", a.id).before(b).after(a)))
        })
        .await?;
        Ok(after)
    }

    pub async fn list_dcs(&self, ctx: &Ctx) -> Result<Vec<Dc>, ServiceError> {
        require(ctx, Area::Facilities, Access::Read)?;
        Ok(facilities::list_dcs(&self.db.conn).await?)
    }

    pub async fn get_dc(&self, ctx: &Ctx, id: Uuid) -> Result<Dc, ServiceError> {
        require(ctx, Area::Facilities, Access::Read)?;
        facilities::get_dc(&self.db.conn, id).await?.ok_or(ServiceError::NotFound("DC"))
    }

    pub async fn get_dc_by_code(&self, ctx: &Ctx, code: &str) -> Result<Dc, ServiceError> {
        require(ctx, Area::Facilities, Access::Read)?;
        facilities::get_dc_by_code(&self.db.conn, &code.trim().to_uppercase()).await?.ok_or(ServiceError::NotFound("DC"))
    }

    /// Adds a dock slot. Slots of a DC do not overlap in start time and take 1–100 appointments.
    pub async fn add_dock_slot(
        &self,
        ctx: &Ctx,
        dc_id: Uuid,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        capacity: i64,
    ) -> Result<DockSlot, ServiceError> {
        require(ctx, Area::Facilities, Access::Write)?;
        let dc = self.get_dc(ctx, dc_id).await?;
        let mut issues = Issues::new();
        issues.check(ends_at > starts_at, "ends_at", "must be after the start");
        issues.check(ends_at - starts_at <= MAX_SLOT, "ends_at", "a slot lasts at most 12 hours");
        issues.check((1..=MAX_SLOT_CAPACITY).contains(&capacity), "capacity", "must be a whole number from 1 to 100");
        issues.check(capacity <= dc.dock_doors.max(1) * 10, "capacity", "more appointments than the DC's dock doors can take in one slot");
        issues.into_result().map_err(ServiceError::Invalid)?;
        let slot = DockSlot {
            id: acorn_domain::ids::new_id(),
            dc_id,
            starts_at: acorn_domain::audit::truncate_to_micros(starts_at),
            ends_at: acorn_domain::audit::truncate_to_micros(ends_at),
            capacity,
            created_at: now(),
        };
        let s = &slot;
        self.mutate(ctx, |tx| async move {
            facilities::insert_slot(tx.c(), s).await?;
            Ok(((), Change::new(TenantId::RETAILER, "dock_slot.created", "dock_slot", s.id).after(s)))
        })
        .await?;
        Ok(slot)
    }

    pub async fn delete_dock_slot(&self, ctx: &Ctx, slot_id: Uuid) -> Result<(), ServiceError> {
        require(ctx, Area::Facilities, Access::Write)?;
        let slot = facilities::get_slot(&self.db.conn, slot_id).await?.ok_or(ServiceError::NotFound("dock slot"))?;
        let s = &slot;
        self.mutate(ctx, |tx| async move {
            facilities::delete_slot(tx.c(), s.id).await?;
            Ok(((), Change::new(TenantId::RETAILER, "dock_slot.deleted", "dock_slot", s.id).before(s)))
        })
        .await
    }

    pub async fn list_dock_slots(&self, ctx: &Ctx, dc_id: Uuid, from: DateTime<Utc>, days: i64) -> Result<Vec<DockSlot>, ServiceError> {
        self.get_dc(ctx, dc_id).await?;
        let days = days.clamp(1, 62);
        Ok(facilities::list_slots(&self.db.conn, dc_id, from, from + Duration::days(days), 2000).await?)
    }
}
