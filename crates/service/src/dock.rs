//! Getting the truck to the dock. `Collect` freight: the vendor files a routing request and the
//! retailer assigns a carrier and a reference (ARN). `Prepaid`: the vendor books a dock appointment
//! against the DC's slots (capacity-checked), and may move or cancel it by the time rules of
//! [`acorn_domain::dock`] — late changes are allowed but recorded.

use crate::authz::{list_scope, require};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::dock;
use acorn_domain::events::Audience;
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::master::DockSlot;
use acorn_domain::orders::FreightTerms;
use acorn_domain::policy::{Access, Area};
use acorn_domain::shipments::*;
use acorn_store::{ConnectionTrait, repo};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

/// A dock slot with what is left of it: its capacity minus the appointments booked in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotAvailability {
    pub slot: DockSlot,
    /// Appointments booked in the slot (active ones: what the capacity check counts).
    pub booked: i64,
    /// Appointments the slot still takes (0 when full).
    pub remaining: i64,
}

/// A routing request as the vendor enters it.
#[derive(Clone, Debug)]
pub struct RoutingInput {
    pub freight_ready_date: NaiveDate,
    pub pallets: i64,
    pub weight_kg: i64,
    pub volume_dm3: i64,
}

async fn shipment_of(c: &impl ConnectionTrait, ctx: &Ctx, id: Uuid) -> Result<Shipment, ServiceError> {
    Ok(repo::shipments::header(c, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("shipment"))?.shipment)
}

fn open_for_transport(s: &Shipment) -> Result<(), ServiceError> {
    if s.status.arrived() || s.status == ShipmentStatus::Cancelled {
        return Err(ServiceError::Rejected {
            code: "shipment_closed",
            message: format!("shipment {} is {}; its transport can no longer change", s.shipment_number, s.status),
        });
    }
    Ok(())
}

impl Services {
    /// `Collect` freight: the vendor asks the retailer to route the shipment.
    pub async fn request_routing(&self, ctx: &Ctx, shipment_id: Uuid, input: RoutingInput) -> Result<RoutingRequest, ServiceError> {
        require(ctx, Area::Routing, Access::Write)?;
        let s = shipment_of(&self.db.conn, ctx, shipment_id).await?;
        open_for_transport(&s)?;
        if s.freight_terms != FreightTerms::Collect {
            return Err(ServiceError::Rejected {
                code: "not_collect",
                message: "this shipment is Prepaid: book a dock appointment instead of a routing request".into(),
            });
        }
        let mut issues = acorn_domain::Issues::new();
        for (field, v, max) in [("pallets", input.pallets, 100), ("weight_kg", input.weight_kg, 50_000), ("volume_dm3", input.volume_dm3, 200_000)] {
            issues.check((0..=max).contains(&v), field, format!("is {v}; give 0 to {max}"));
        }
        issues.into_result().map_err(ServiceError::Invalid)?;
        let r = RoutingRequest {
            shipment_id,
            freight_ready_date: input.freight_ready_date,
            pallets: input.pallets,
            weight_kg: input.weight_kg,
            volume_dm3: input.volume_dm3,
            requested_at: now(),
            carrier_scac: None,
            arn: None,
            assigned_at: None,
        };
        let (rr, s) = (&r, &s);
        self.mutate(ctx, |tx| async move {
            repo::shipments::put_routing(tx.c(), s.tenant, rr).await?;
            let mut updated = s.clone();
            updated.status = ShipmentStatus::TransportationRequested;
            updated.updated_at = now();
            let name = repo::shipments::header(tx.c(), Some(s.tenant), s.id).await?.map(|h| h.ship_from_name).unwrap_or_default();
            repo::shipments::update_header(tx.c(), &updated, &name, s.updated_at).await?;
            let summary =
                format!("Routing requested for ASN {}: ready {}, {} pallet(s), {} kg", s.shipment_number, rr.freight_ready_date, rr.pallets, rr.weight_kg);
            Ok((
                (),
                Change::new(s.tenant, "routing.requested", "shipment", s.id).after(rr).event(
                    "routing.requested",
                    summary,
                    format!("/shipments/{}", s.id),
                    Audience::Retailer,
                    serde_json::json!({}),
                ),
            ))
        })
        .await?;
        Ok(r)
    }

    /// The retailer routes a `Collect` shipment: carrier and reference (ARN).
    pub async fn assign_carrier(&self, ctx: &Ctx, shipment_id: Uuid, carrier_scac: &str, arn: &str) -> Result<RoutingRequest, ServiceError> {
        require(ctx, Area::Routing, Access::Write)?;
        if !ctx.principal.is_retailer_side() {
            return Err(ServiceError::Forbidden);
        }
        let s = shipment_of(&self.db.conn, ctx, shipment_id).await?;
        open_for_transport(&s)?;
        let mut r = repo::shipments::routing(&self.db.conn, Some(s.tenant), shipment_id)
            .await?
            .ok_or(ServiceError::Rejected { code: "no_routing_request", message: "the vendor has not requested routing for this shipment".into() })?;
        let mut issues = acorn_domain::Issues::new();
        let scac = issues.field("carrier_scac", {
            let v = carrier_scac.trim().to_uppercase();
            if (2..=4).contains(&v.len()) && v.chars().all(|c| c.is_ascii_uppercase()) { Ok(v) } else { Err("a SCAC is 2 to 4 letters, e.g. UPSN".to_string()) }
        });
        let arn = issues.field("arn", acorn_domain::validate::required_text(arn, 40));
        issues.into_result().map_err(ServiceError::Invalid)?;
        r.carrier_scac = scac;
        r.arn = arn;
        r.assigned_at = Some(now());
        let (rr, s) = (&r, &s);
        self.mutate(ctx, |tx| async move {
            repo::shipments::put_routing(tx.c(), s.tenant, rr).await?;
            let mut updated = s.clone();
            updated.status = ShipmentStatus::CarrierAssigned;
            updated.carrier_scac = rr.carrier_scac.clone();
            updated.arn = rr.arn.clone();
            updated.updated_at = now();
            let name = repo::shipments::header(tx.c(), Some(s.tenant), s.id).await?.map(|h| h.ship_from_name).unwrap_or_default();
            repo::shipments::update_header(tx.c(), &updated, &name, s.updated_at).await?;
            let summary = format!(
                "Carrier {} assigned to ASN {} with reference {}",
                rr.carrier_scac.as_deref().unwrap_or(""),
                s.shipment_number,
                rr.arn.as_deref().unwrap_or("")
            );
            Ok((
                (),
                Change::new(s.tenant, "routing.assigned", "shipment", s.id).after(rr).event(
                    "routing.assigned",
                    summary,
                    format!("/shipments/{}", s.id),
                    Audience::Vendor,
                    serde_json::json!({}),
                ),
            ))
        })
        .await?;
        Ok(r)
    }

    /// Routing requests waiting for a carrier (retailer transport desk).
    pub async fn open_routing_requests(&self, ctx: &Ctx) -> Result<Vec<(TenantId, RoutingRequest)>, ServiceError> {
        require(ctx, Area::Routing, Access::Read)?;
        let all = repo::shipments::open_routing(&self.db.conn, 500).await?;
        Ok(all.into_iter().filter(|(t, _)| crate::authz::visible(ctx, *t)).collect())
    }

    /// A DC's dock slots starting in `[from, from + days)` (1 to 62 days), each with the appointments
    /// still open in it, for those who book dock appointments (one query).
    pub async fn dock_slot_availability(&self, ctx: &Ctx, dc_id: Uuid, from: DateTime<Utc>, days: i64) -> Result<Vec<SlotAvailability>, ServiceError> {
        require(ctx, Area::Routing, Access::Read)?;
        self.get_dc(ctx, dc_id).await?;
        let to = from + Duration::days(days.clamp(1, 62));
        Ok(repo::dock::slots_with_bookings(&self.db.conn, dc_id, from, to, 2000)
            .await?
            .into_iter()
            .map(|(slot, booked)| SlotAvailability { remaining: (slot.capacity - booked).max(0), booked, slot })
            .collect())
    }

    /// The appointments (every status, oldest first) of the shipments the caller may read, for
    /// pages that list several shipments (one query).
    pub async fn appointments_of_shipments(&self, ctx: &Ctx, shipment_ids: &[Uuid]) -> Result<Vec<Appointment>, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Read)?;
        Ok(repo::dock::appointments_of_shipments(&self.db.conn, list_scope(ctx), shipment_ids).await?)
    }

    /// `Prepaid`: books a dock slot at the shipment's DC, or moves the booked appointment to it.
    pub async fn book_appointment(&self, ctx: &Ctx, shipment_id: Uuid, slot_id: Uuid) -> Result<Appointment, ServiceError> {
        require(ctx, Area::Routing, Access::Write)?;
        let s = shipment_of(&self.db.conn, ctx, shipment_id).await?;
        open_for_transport(&s)?;
        if s.freight_terms != FreightTerms::Prepaid {
            return Err(ServiceError::Rejected {
                code: "not_prepaid",
                message: "this shipment is Collect: the retailer routes it; file a routing request".into(),
            });
        }
        let s = &s;
        self.mutate(ctx, |tx| async move {
            let at = now();
            let slot = repo::facilities::get_slot(tx.c(), slot_id).await?.filter(|x| x.dc_id == s.dc_id).ok_or(ServiceError::NotFound("dock slot"))?;
            dock::check_bookable(slot.starts_at, at).map_err(|m| ServiceError::invalid("slot_id", m))?;
            let current = repo::dock::appointments_of(tx.c(), Some(s.tenant), s.id).await?.into_iter().find(|a| a.status == AppointmentStatus::Booked);
            if current.as_ref().is_some_and(|a| a.slot_id == slot_id) {
                return Err(ServiceError::Rejected { code: "already_booked", message: "the appointment is already in this slot".into() });
            }
            if repo::dock::booked_in_slot(tx.c(), slot_id).await? >= slot.capacity {
                return Err(ServiceError::Conflict { code: "slot_full", message: "the slot is fully booked; choose another".into() });
            }
            let (appointment, action, summary) = match &current {
                Some(old) => {
                    let late = dock::is_late_change(old.slot_start, at);
                    let mut moved = old.clone();
                    moved.status = AppointmentStatus::Cancelled;
                    moved.late_change = late;
                    moved.updated_at = at;
                    repo::dock::put_appointment(tx.c(), &moved).await?;
                    let a = Appointment {
                        id: new_id(),
                        slot_id,
                        slot_start: slot.starts_at,
                        slot_end: slot.ends_at,
                        reschedules: old.reschedules + 1,
                        late_change: false,
                        booked_at: at,
                        updated_at: at,
                        status: AppointmentStatus::Booked,
                        ..old.clone()
                    };
                    let s2 = format!(
                        "Appointment for ASN {} moved from {} to {} UTC{}",
                        s.shipment_number,
                        old.slot_start.format("%Y-%m-%d %H:%M"),
                        slot.starts_at.format("%Y-%m-%d %H:%M"),
                        if late { " (less than 24 h before the slot: late cancellation)" } else { "" }
                    );
                    (a, "appointment.rescheduled", s2)
                }
                None => {
                    let a = Appointment {
                        id: new_id(),
                        tenant: s.tenant,
                        shipment_id: s.id,
                        dc_id: s.dc_id,
                        slot_id,
                        slot_start: slot.starts_at,
                        slot_end: slot.ends_at,
                        status: AppointmentStatus::Booked,
                        reschedules: 0,
                        late_change: false,
                        booked_at: at,
                        updated_at: at,
                    };
                    let s2 = format!("Appointment booked for ASN {} at {} {} UTC", s.shipment_number, s.dc_code, slot.starts_at.format("%Y-%m-%d %H:%M"));
                    (a, "appointment.booked", s2)
                }
            };
            repo::dock::put_appointment(tx.c(), &appointment).await?;
            let change = Change::new(s.tenant, action, "shipment", s.id).after(&appointment).event(
                "appointment.changed",
                summary,
                format!("/shipments/{}", s.id),
                Audience::Both,
                serde_json::json!({"slot_start": slot.starts_at}),
            );
            Ok((appointment, change))
        })
        .await
    }

    /// Cancels the booked appointment (less than 24 h before the slot it counts as a late cancellation).
    pub async fn cancel_appointment(&self, ctx: &Ctx, shipment_id: Uuid) -> Result<Appointment, ServiceError> {
        require(ctx, Area::Routing, Access::Write)?;
        let s = shipment_of(&self.db.conn, ctx, shipment_id).await?;
        let s = &s;
        self.mutate(ctx, |tx| async move {
            let at = now();
            let mut a = repo::dock::appointments_of(tx.c(), Some(s.tenant), s.id)
                .await?
                .into_iter()
                .find(|a| a.status == AppointmentStatus::Booked)
                .ok_or(ServiceError::NotFound("appointment"))?;
            a.late_change = dock::is_late_change(a.slot_start, at);
            a.status = AppointmentStatus::Cancelled;
            a.updated_at = at;
            repo::dock::put_appointment(tx.c(), &a).await?;
            let summary = format!(
                "Appointment for ASN {} at {} UTC cancelled{}",
                s.shipment_number,
                a.slot_start.format("%Y-%m-%d %H:%M"),
                if a.late_change { " less than 24 h before the slot (late cancellation)" } else { "" }
            );
            let change = Change::new(s.tenant, "appointment.cancelled", "shipment", s.id).after(&a).event(
                "appointment.changed",
                summary,
                format!("/shipments/{}", s.id),
                Audience::Both,
                serde_json::json!({}),
            );
            Ok((a, change))
        })
        .await
    }
}
