//! The order-to-dock clock: what happens because time passes, run by the server's job loop (and
//! safe in several processes at once — each change is a conditional update retried as a unit).
//! Vendors are reminded 4 h before an acknowledgement is due; POs close 7 days after their
//! delivery window; shipments become `Shipped` on their ship date; appointments with no check-in
//! 2 h after the slot start become no-shows.

use crate::orders::history;
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::dock;
use acorn_domain::events::Audience;
use acorn_domain::orders::{CLOSE_AFTER_DELIVERY_DAYS, should_close};
use acorn_domain::shipments::{AppointmentStatus, ShipmentStatus};
use acorn_store::repo;
use chrono::Duration;

/// Hours before the due time at which the vendor is reminded of an open acknowledgement.
pub const REMIND_HOURS: i64 = 4;
/// Objects handled per kind and tick (the next tick takes the rest).
const BATCH: u64 = 200;

/// What one tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    pub reminded: usize,
    pub closed: usize,
    pub shipped: usize,
    pub no_shows: usize,
}

impl Services {
    pub async fn order_to_dock_tick(&self) -> Result<Tick, ServiceError> {
        let job = Ctx::job("order-to-dock");
        let ctx = &job;
        let at = now();
        let mut tick = Tick::default();
        for po in repo::orders::due_unreminded(&self.db.conn, at + Duration::hours(REMIND_HOURS), BATCH).await? {
            let p = &po;
            self.mutate(ctx, |tx| async move {
                let mut updated = p.clone();
                updated.reminded_revision = p.revision;
                updated.updated_at = now();
                repo::orders::update(tx.c(), &updated, p.updated_at).await?;
                let summary = format!("Acknowledge PO {} by {} UTC", p.number, p.ack_due_at.format("%Y-%m-%d %H:%M"));
                Ok((
                    (),
                    Change::new(p.tenant, "ack.reminded", "purchase_order", p.id).event(
                        "ack.due_soon",
                        summary,
                        format!("/orders/{}", p.id),
                        Audience::Vendor,
                        serde_json::json!({"number": p.number, "due": p.ack_due_at}),
                    ),
                ))
            })
            .await?;
            tick.reminded += 1;
        }
        let ended_before = at.date_naive() - Duration::days(CLOSE_AFTER_DELIVERY_DAYS);
        for po in repo::orders::open_ended_before(&self.db.conn, ended_before, BATCH).await? {
            let lines = repo::orders::lines(&self.db.conn, po.tenant, po.id).await?;
            if !should_close(&po, &lines, at.date_naive()) {
                continue;
            }
            let p = &po;
            self.mutate(ctx, |tx| async move {
                let mut closed = p.clone();
                closed.closed_at = Some(now());
                closed.state = closed.derive_state();
                closed.updated_at = now();
                repo::orders::update(tx.c(), &closed, p.updated_at).await?;
                let summary = format!("PO {} closed {} days after its delivery window ended", p.number, CLOSE_AFTER_DELIVERY_DAYS);
                history(tx.c(), ctx, &closed, "closed", &summary, serde_json::json!({})).await?;
                Ok((
                    (),
                    Change::new(p.tenant, "po.closed", "purchase_order", p.id).before(p).after(&closed).event(
                        "po.closed",
                        summary,
                        format!("/orders/{}", p.id),
                        Audience::Both,
                        serde_json::json!({"number": p.number}),
                    ),
                ))
            })
            .await?;
            tick.closed += 1;
        }
        for h in repo::shipments::due_to_ship(&self.db.conn, at, BATCH).await? {
            let h = &h;
            self.mutate(ctx, |tx| async move {
                let mut s = h.shipment.clone();
                s.status = ShipmentStatus::Shipped;
                s.updated_at = now();
                repo::shipments::update_header(tx.c(), &s, &h.ship_from_name, h.shipment.updated_at).await?;
                Ok(((), Change::new(s.tenant, "asn.shipped", "shipment", s.id).after(&serde_json::json!({"status": s.status}))))
            })
            .await?;
            tick.shipped += 1;
        }
        for a in repo::dock::booked_started_before(&self.db.conn, at - Duration::hours(dock::NO_SHOW_HOURS), BATCH).await? {
            let Some(h) = repo::shipments::header(&self.db.conn, Some(a.tenant), a.shipment_id).await? else { continue };
            if !dock::is_no_show(a.slot_start, h.shipment.arrived_at, at) {
                continue;
            }
            let (a, h) = (&a, &h);
            self.mutate(ctx, |tx| async move {
                let mut u = a.clone();
                u.status = AppointmentStatus::NoShow;
                u.updated_at = now();
                repo::dock::put_appointment(tx.c(), &u).await?;
                let summary = format!(
                    "No-show: nobody checked in for ASN {} within {} h of the {} UTC slot",
                    h.shipment.shipment_number,
                    dock::NO_SHOW_HOURS,
                    a.slot_start.format("%Y-%m-%d %H:%M")
                );
                Ok((
                    (),
                    Change::new(a.tenant, "appointment.no_show", "shipment", a.shipment_id).after(&u).event(
                        "appointment.changed",
                        summary,
                        format!("/shipments/{}", a.shipment_id),
                        Audience::Both,
                        serde_json::json!({}),
                    ),
                ))
            })
            .await?;
            tick.no_shows += 1;
        }
        Ok(tick)
    }
}
