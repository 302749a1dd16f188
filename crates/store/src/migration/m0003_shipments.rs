//! Order-to-dock schema, part two: shipments (ASNs) with pallets, cartons and items, every
//! submitted version kept as a snapshot, routing requests (`Collect`), dock appointments
//! (`Prepaid`) and receipts scanned carton by carton.

use super::schema::*;
use acorn_domain::orders::FreightTerms;
use acorn_domain::shipments::{AppointmentStatus, Confirmation, ReceiptStatus, ShipmentStatus, ShipmentType};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_shipments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("shipments")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("shipment_number"))
                .col(txt("vendor_code"))
                .col(id("dc_id"))
                .col(txt("dc_code"))
                .col(txt("ship_from_name"))
                .col(txt("ship_from_line1"))
                .col(txt("ship_from_line2"))
                .col(txt("ship_from_city"))
                .col(txt("ship_from_region"))
                .col(txt("ship_from_postal_code"))
                .col(txt("ship_from_country"))
                .col(one_of("status", ShipmentStatus::TEXTS))
                .col(one_of("shipment_type", ShipmentType::TEXTS))
                .col(one_of("confirmation", Confirmation::TEXTS))
                .col(int("revision"))
                .col(ts("ship_date"))
                .col(ts_null("estimated_arrival"))
                .col(txt_null("carrier_scac"))
                .col(txt_null("tracking_number"))
                .col(txt_null("bol_number"))
                .col(txt_null("arn"))
                .col(one_of("freight_terms", FreightTerms::TEXTS))
                .col(ts("asn_due_at"))
                .col(ts("first_submitted_at"))
                .col(ts("submitted_at"))
                .col(ts_null("arrived_at"))
                .col(ts_null("received_at"))
                .col(int("carton_count"))
                .col(int("unit_count"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("fk_shipments_vendor", ("shipments", &["tenant_id"]), ("vendors", &["id"])))
                .foreign_key(&mut fk("fk_shipments_dc", ("shipments", &["dc_id"]), ("dcs", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("shipments", "ux_shipments_number", &["tenant_id", "shipment_number"], true)).await?;
        m.create_index(index("shipments", "ix_shipments_tenant", &["tenant_id", "created_at", "id"], false)).await?;
        m.create_index(index("shipments", "ix_shipments_created", &["created_at", "id"], false)).await?;
        m.create_index(index("shipments", "ix_shipments_dc_status", &["dc_id", "status", "ship_date"], false)).await?;
        m.create_table(
            Table::create()
                .table("shipment_pallets")
                .col(id("tenant_id"))
                .col(id("shipment_id"))
                .col(int("seq"))
                .col(txt_null("sscc"))
                .primary_key(&mut pk(&["tenant_id", "shipment_id", "seq"]))
                .foreign_key(&mut fk("fk_shipment_pallets_shipment", ("shipment_pallets", &["shipment_id"]), ("shipments", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("shipment_cartons")
                .col(id("tenant_id"))
                .col(id("shipment_id"))
                .col(int("seq"))
                .col(txt("sscc"))
                .col(int_null("pallet"))
                .primary_key(&mut pk(&["tenant_id", "shipment_id", "seq"]))
                .foreign_key(&mut fk("fk_shipment_cartons_shipment", ("shipment_cartons", &["shipment_id"]), ("shipments", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("shipment_cartons", "ix_shipment_cartons_sscc", &["sscc"], false)).await?;
        m.create_table(
            Table::create()
                .table("carton_items")
                .col(id("tenant_id"))
                .col(id("shipment_id"))
                .col(int("carton_seq"))
                .col(int("item_seq"))
                .col(id("po_id"))
                .col(txt("po_number"))
                .col(int("line_no"))
                .col(txt("vendor_sku"))
                .col(txt("gtin"))
                .col(int("quantity"))
                .col(txt_null("lot"))
                .col(date_null("expiry"))
                .primary_key(&mut pk(&["tenant_id", "shipment_id", "carton_seq", "item_seq"]))
                .foreign_key(&mut fk("fk_carton_items_shipment", ("carton_items", &["shipment_id"]), ("shipments", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("carton_items", "ix_carton_items_po", &["tenant_id", "po_id", "line_no"], false)).await?;
        // Every submitted version (Original, each Replace) as submitted, for the history and disputes.
        m.create_table(
            Table::create()
                .table("shipment_versions")
                .col(id("tenant_id"))
                .col(id("shipment_id"))
                .col(int("revision"))
                .col(one_of("confirmation", Confirmation::TEXTS))
                .col(txt("snapshot_json"))
                .col(txt("submitted_by"))
                .col(ts("submitted_at"))
                .primary_key(&mut pk(&["tenant_id", "shipment_id", "revision"]))
                .foreign_key(&mut fk("fk_shipment_versions_shipment", ("shipment_versions", &["shipment_id"]), ("shipments", &["id"])))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("routing_requests")
                .col(id("shipment_id").primary_key())
                .col(id("tenant_id"))
                .col(date("freight_ready_date"))
                .col(int("pallets"))
                .col(int("weight_kg"))
                .col(int("volume_dm3"))
                .col(ts("requested_at"))
                .col(txt_null("carrier_scac"))
                .col(txt_null("arn"))
                .col(ts_null("assigned_at"))
                .foreign_key(&mut fk("fk_routing_requests_shipment", ("routing_requests", &["shipment_id"]), ("shipments", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("routing_requests", "ix_routing_requests_open", &["assigned_at", "requested_at"], false)).await?;

        m.create_table(
            Table::create()
                .table("appointments")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(id("shipment_id"))
                .col(id("dc_id"))
                .col(id("slot_id"))
                .col(ts("slot_start"))
                .col(ts("slot_end"))
                .col(one_of("status", AppointmentStatus::TEXTS))
                .col(int("reschedules"))
                .col(boolean("late_change"))
                .col(ts("booked_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("fk_appointments_shipment", ("appointments", &["shipment_id"]), ("shipments", &["id"])))
                .foreign_key(&mut fk("fk_appointments_slot", ("appointments", &["slot_id"]), ("dock_slots", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("appointments", "ix_appointments_slot", &["slot_id", "status"], false)).await?;
        m.create_index(index("appointments", "ix_appointments_shipment", &["tenant_id", "shipment_id"], false)).await?;
        m.create_index(index("appointments", "ix_appointments_dc_start", &["dc_id", "slot_start"], false)).await?;

        m.create_table(
            Table::create()
                .table("receipts")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(id("shipment_id"))
                .col(id("dc_id"))
                .col(one_of("status", ReceiptStatus::TEXTS))
                .col(ts("checked_in_at"))
                .col(ts_null("closed_at"))
                .foreign_key(&mut fk("fk_receipts_shipment", ("receipts", &["shipment_id"]), ("shipments", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("receipts", "ux_receipts_shipment", &["tenant_id", "shipment_id"], true)).await?;
        m.create_index(index("receipts", "ix_receipts_dc", &["dc_id", "status", "checked_in_at"], false)).await?;
        m.create_table(
            Table::create()
                .table("received_cartons")
                .col(id("tenant_id"))
                .col(id("receipt_id"))
                .col(txt("sscc"))
                .col(boolean("on_asn"))
                .col(ts("scanned_at"))
                .primary_key(&mut pk(&["tenant_id", "receipt_id", "sscc"]))
                .foreign_key(&mut fk("fk_received_cartons_receipt", ("received_cartons", &["receipt_id"]), ("receipts", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("received_lines")
                .col(id("tenant_id"))
                .col(id("receipt_id"))
                .col(txt("sscc"))
                .col(int("seq"))
                .col(ColumnDef::new("po_id").uuid().null().to_owned())
                .col(txt_null("po_number"))
                .col(int_null("line_no"))
                .col(txt("gtin"))
                .col(int("received"))
                .col(int("damaged"))
                .col(boolean("unexpected"))
                .primary_key(&mut pk(&["tenant_id", "receipt_id", "sscc", "seq"]))
                .foreign_key(&mut fk("fk_received_lines_receipt", ("received_lines", &["receipt_id"]), ("receipts", &["id"])))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
