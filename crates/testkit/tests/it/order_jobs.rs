//! The order-to-dock clock: reminders 4 h before an acknowledgement is due (once per revision),
//! POs closing 7 days after their delivery window, shipments turning `Shipped` on their ship date
//! and no-shows 2 h after an unattended slot. Time is moved by rewriting the stored facts.

use acorn_domain::policy::Role;
use acorn_domain::shipments::AppointmentStatus;
use acorn_service::Ctx;
use acorn_store::repo;
use acorn_testkit::TestApp;
use chrono::{Duration, Utc};

#[tokio::test]
async fn vendors_are_reminded_once_before_an_acknowledgement_is_due() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("JOB1").await;
    let ops = app.user(v.id, &[Role::Operations]).await;
    let item = app.item(&v).await;
    let po = app.po(&v, &dc, &[&item], 3).await.po;
    assert_eq!(app.services.order_to_dock_tick().await.unwrap().reminded, 0, "due in 24 h: too early");
    let mut soon = po.clone();
    soon.ack_due_at = Utc::now() + Duration::hours(3);
    repo::orders::update(&app.services.db.conn, &soon, po.updated_at).await.unwrap();
    assert_eq!(app.services.order_to_dock_tick().await.unwrap().reminded, 1);
    assert_eq!(app.services.order_to_dock_tick().await.unwrap().reminded, 0, "once per revision");
    let mails = app.mail_to(&ops.email).await;
    assert!(mails.iter().any(|m| m.subject.contains(&format!("Acknowledge PO {}", po.number))), "{:?}", mails.iter().map(|m| &m.subject).collect::<Vec<_>>());
}

#[tokio::test]
async fn pos_close_seven_days_after_their_delivery_window() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("JOB2").await;
    let item = app.item(&v).await;
    let d = |days: i64| (Utc::now().date_naive() - Duration::days(days)).to_string();
    let po = app
        .services
        .create_po(
            &Ctx::cli(),
            acorn_service::orders::NewPo {
                vendor_code: v.code.clone(),
                dc_code: dc.code.clone(),
                order_date: d(40),
                ship_start: d(35),
                ship_end: d(30),
                delivery_start: d(30),
                delivery_end: d(8),
                lines: vec![acorn_service::orders::NewPoLine { vendor_sku: item.vendor_sku.clone(), quantity: 1, ..Default::default() }],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let recent = app.po(&v, &dc, &[&item], 1).await;
    assert_eq!(app.services.order_to_dock_tick().await.unwrap().closed, 1);
    let closed = app.services.get_po(&Ctx::cli(), po.po.id).await.unwrap();
    assert_eq!(closed.po.state.as_str(), "Closed");
    assert_eq!(closed.history.last().unwrap().kind, "closed");
    assert!(app.services.get_po(&Ctx::cli(), recent.po.id).await.unwrap().po.closed_at.is_none());
}

#[tokio::test]
async fn shipments_ship_on_their_date_and_unattended_slots_become_no_shows() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("JOB3").await;
    let po = app.acked_po(&v, &dc, 4, false).await;
    let ctx = app.vendor_ctx(&v).await;
    let mut input = acorn_testkit::shipment_input(&dc.code, &po.po.number, 1, 4);
    input.ship_date = Some(Utc::now() + Duration::hours(30));
    let s = app.services.create_shipment(&ctx, input).await.unwrap().shipment;
    assert_eq!(s.status.as_str(), "Created");
    let start = Utc::now() + Duration::hours(48);
    let slot = app.services.add_dock_slot(&Ctx::cli(), dc.id, start, start + Duration::hours(1), 2).await.unwrap();
    let booked = app.services.book_appointment(&ctx, s.id, slot.id).await.unwrap();
    assert_eq!(app.services.order_to_dock_tick().await.unwrap(), acorn_service::order_jobs::Tick::default(), "nothing is due yet");

    // Move the facts into the past: the ship date passed, the slot started 3 h ago.
    let h = repo::shipments::header(&app.services.db.conn, Some(v.id), s.id).await.unwrap().unwrap();
    let mut past = h.shipment.clone();
    past.ship_date = Utc::now() - Duration::hours(10);
    repo::shipments::update_header(&app.services.db.conn, &past, &h.ship_from_name, h.shipment.updated_at).await.unwrap();
    let mut late = booked.clone();
    late.slot_start = Utc::now() - Duration::hours(3);
    repo::dock::put_appointment(&app.services.db.conn, &late).await.unwrap();

    let tick = app.services.order_to_dock_tick().await.unwrap();
    assert_eq!((tick.shipped, tick.no_shows), (1, 1));
    let d = app.services.get_shipment(&ctx, s.id).await.unwrap();
    assert_eq!(d.shipment.status.as_str(), "Shipped");
    assert_eq!(d.appointments[0].status, AppointmentStatus::NoShow);
    let defects = app.services.defects_of_po(&ctx, po.po.id).await.unwrap();
    assert!(defects.iter().any(|d| d.kind.as_str() == "no_show"), "{defects:?}");
}
