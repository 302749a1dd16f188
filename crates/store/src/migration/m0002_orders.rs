//! Order-to-dock schema, part one: the minimal item master with costs, purchase orders with their
//! lines and change history, acknowledgement versions, the retailer's holiday calendar, the event
//! outbox (business events for webhooks and the in-app bell) and named counters.

use super::schema::*;
use acorn_domain::orders::{Channel, FreightTerms, LineConfirmation, PaymentTerms, PoState, PoType, QuantityUnit, ReceiveStatus, RejectionReason};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_orders"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Named counters (retailer item ids), bumped with a conditional UPDATE inside the using transaction.
        m.create_table(Table::create().table("counters").col(txt("name").primary_key()).col(int("value")).to_owned()).await?;

        // Retailer reference data: the holiday calendar that extends acknowledgement due times.
        m.create_table(Table::create().table("holidays").col(date("day").primary_key()).col(txt("name")).col(ts("created_at")).to_owned()).await?;

        m.create_table(
            Table::create()
                .table("items")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("vendor_sku"))
                .col(txt("gtin"))
                .col(txt("retailer_item_id"))
                .col(txt("title"))
                .col(int("case_pack"))
                .col(int("list_price_e4"))
                .col(txt("currency"))
                .col(one_of("status", &["active", "discontinued"]))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("fk_items_vendor", ("items", &["tenant_id"]), ("vendors", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("items", "ux_items_sku", &["tenant_id", "vendor_sku"], true)).await?;
        m.create_index(index("items", "ux_items_gtin", &["gtin"], true)).await?;
        m.create_index(index("items", "ix_items_tenant", &["tenant_id", "created_at", "id"], false)).await?;
        m.create_table(
            Table::create()
                .table("item_costs")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(id("item_id"))
                .col(int("unit_cost_e4"))
                .col(txt("currency"))
                .col(date("effective_from"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("fk_item_costs_item", ("item_costs", &["item_id"]), ("items", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("item_costs", "ix_item_costs_item", &["tenant_id", "item_id", "effective_from"], false)).await?;

        m.create_table(
            Table::create()
                .table("purchase_orders")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("number"))
                .col(txt("vendor_code"))
                .col(id("dc_id"))
                .col(txt("dc_code"))
                .col(one_of("po_type", PoType::TEXTS))
                .col(one_of("state", PoState::TEXTS))
                .col(date("order_date"))
                .col(date("ship_start"))
                .col(date("ship_end"))
                .col(date("delivery_start"))
                .col(date("delivery_end"))
                .col(one_of("freight_terms", FreightTerms::TEXTS))
                .col(one_of("payment_terms", PaymentTerms::TEXTS))
                .col(txt("currency"))
                .col(txt_null("deal_code"))
                .col(int("revision"))
                .col(ts("revision_at"))
                .col(ts("ack_due_at"))
                .col(int("acked_revision"))
                .col(int("reminded_revision"))
                .col(int("line_count"))
                .col(int("total_cost_e4"))
                .col(ts("issued_at"))
                .col(ts_null("closed_at"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("fk_purchase_orders_vendor", ("purchase_orders", &["tenant_id"]), ("vendors", &["id"])))
                .foreign_key(&mut fk("fk_purchase_orders_dc", ("purchase_orders", &["dc_id"]), ("dcs", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("purchase_orders", "ux_purchase_orders_number", &["number"], true)).await?;
        m.create_index(index("purchase_orders", "ix_purchase_orders_tenant", &["tenant_id", "created_at", "id"], false)).await?;
        m.create_index(index("purchase_orders", "ix_purchase_orders_created", &["created_at", "id"], false)).await?;
        m.create_index(index("purchase_orders", "ix_purchase_orders_ack_due", &["state", "ack_due_at"], false)).await?;
        m.create_table(
            Table::create()
                .table("po_lines")
                .col(id("tenant_id"))
                .col(id("po_id"))
                .col(int("line_no"))
                .col(id("item_id"))
                .col(txt("vendor_sku"))
                .col(txt("gtin"))
                .col(txt("retailer_item_id"))
                .col(txt("title"))
                .col(int("ordered_quantity"))
                .col(one_of("unit", QuantityUnit::TEXTS))
                .col(int("unit_size"))
                .col(int("net_cost_e4"))
                .col(int("list_price_e4"))
                .col(boolean("backorder_allowed"))
                .col(boolean("cancelled"))
                .col(one_of("confirmation", LineConfirmation::TEXTS))
                .col(int("committed_eaches"))
                .col(int("shipped_eaches"))
                .col(int("received_eaches"))
                .col(int("damaged_eaches"))
                .col(one_of("receive_status", ReceiveStatus::TEXTS))
                .primary_key(&mut pk(&["tenant_id", "po_id", "line_no"]))
                .foreign_key(&mut fk("fk_po_lines_po", ("po_lines", &["po_id"]), ("purchase_orders", &["id"])))
                .foreign_key(&mut fk("fk_po_lines_item", ("po_lines", &["item_id"]), ("items", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("po_lines", "ix_po_lines_item", &["tenant_id", "item_id"], false)).await?;
        // The PO's history: creation, every change event, acknowledgements, receipts, closing.
        m.create_table(
            Table::create()
                .table("po_events")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(id("po_id"))
                .col(int("revision"))
                .col(txt("kind"))
                .col(txt("summary"))
                .col(txt("detail_json"))
                .col(txt("actor"))
                .col(ts("at"))
                .foreign_key(&mut fk("fk_po_events_po", ("po_events", &["po_id"]), ("purchase_orders", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("po_events", "ix_po_events_po", &["tenant_id", "po_id", "at", "id"], false)).await?;

        m.create_table(
            Table::create()
                .table("acknowledgements")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(id("po_id"))
                .col(int("version"))
                .col(int("po_revision"))
                .col(one_of("channel", Channel::TEXTS))
                .col(txt("submitted_by"))
                .col(ts("submitted_at"))
                .col(boolean("late"))
                .foreign_key(&mut fk("fk_acknowledgements_po", ("acknowledgements", &["po_id"]), ("purchase_orders", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("acknowledgements", "ux_acknowledgements_version", &["tenant_id", "po_id", "version"], true)).await?;
        m.create_table(
            Table::create()
                .table("ack_lines")
                .col(id("tenant_id"))
                .col(id("ack_id"))
                .col(int("line_no"))
                .col(int("accepted"))
                .col(int("backordered"))
                .col(int("rejected"))
                .col(int("net_cost_e4"))
                .col(date_null("scheduled_ship_date"))
                .col(date_null("scheduled_delivery_date"))
                .col(
                    ColumnDef::new("rejection_reason")
                        .text()
                        .null()
                        .check(Expr::col("rejection_reason").is_in(RejectionReason::TEXTS.iter().copied()))
                        .to_owned(),
                )
                .primary_key(&mut pk(&["tenant_id", "ack_id", "line_no"]))
                .foreign_key(&mut fk("fk_ack_lines_ack", ("ack_lines", &["ack_id"]), ("acknowledgements", &["id"])))
                .to_owned(),
        )
        .await?;

        // Business events, written in the transaction that caused them: the outbox that feeds webhooks
        // and the in-app notification bell. `audience` says which side is told.
        m.create_table(
            Table::create()
                .table("events")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("kind"))
                .col(txt("object_type"))
                .col(txt("object_id"))
                .col(txt("summary"))
                .col(txt("link"))
                .col(one_of("audience", &["vendor", "retailer", "both"]))
                .col(txt("payload_json"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("events", "ix_events_tenant", &["tenant_id", "created_at", "id"], false)).await?;
        m.create_index(index("events", "ix_events_created", &["created_at", "id"], false)).await?;
        // How far each user has read the bell.
        m.create_table(
            Table::create()
                .table("notification_reads")
                .col(id("user_id").primary_key())
                .col(ts("seen_through"))
                .foreign_key(&mut fk("fk_notification_reads_user", ("notification_reads", &["user_id"]), ("users", &["id"])))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
