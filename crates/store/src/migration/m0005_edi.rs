//! EDI gateway schema: each vendor's trading-partner settings, the log of interchanges received and
//! sent (with their raw bytes, findings and the documents inside), and stock vendors report by 846.
//!
//! Inbound interchanges are deduplicated on sender + receiver + control number + content hash (a
//! unique index), so a resend finds the first arrival instead of creating anything. Which POs, PO
//! changes and remittances have gone out is read from `edi_documents` (object id + set), so the
//! outbound job is an anti-join that is safe to re-run after a crash.

use super::schema::*;
use acorn_domain::edi::{AckKind, Direction, DocumentStatus, EdiStandard, InterchangeKind, InterchangeStatus, Source, Usage};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_edi"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("edi_partners")
                .col(id("tenant_id").primary_key())
                .col(txt("vendor_code"))
                .col(one_of("standard", EdiStandard::TEXTS))
                .col(txt("partner_qualifier"))
                .col(txt("partner_id"))
                .col(txt("our_qualifier"))
                .col(txt("our_id"))
                .col(txt("partner_group_id"))
                .col(txt("our_group_id"))
                .col(txt("interchange_version"))
                .col(txt("document_version"))
                .col(txt("charset"))
                .col(one_of("usage", Usage::TEXTS))
                .col(one_of("ack_kind", AckKind::TEXTS))
                .col(txt("element_separator"))
                .col(txt("component_separator"))
                .col(txt("repetition_separator"))
                .col(txt("segment_terminator"))
                .col(boolean("edi_live"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .col(txt("updated_by"))
                .foreign_key(&mut fk("fk_edi_partners_vendor", ("edi_partners", &["tenant_id"]), ("vendors", &["id"])))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("edi_interchanges")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(one_of("direction", Direction::TEXTS))
                .col(one_of("kind", InterchangeKind::TEXTS))
                .col(one_of("standard", EdiStandard::TEXTS))
                .col(one_of("source", Source::TEXTS))
                .col(txt("filename"))
                .col(txt("sender"))
                .col(txt("receiver"))
                .col(txt("control_number"))
                .col(txt("group_control"))
                .col(txt("content_hash"))
                .col(int("size"))
                .col(boolean("test"))
                .col(one_of("status", InterchangeStatus::TEXTS))
                .col(txt("sets"))
                .col(txt("summary"))
                .col(txt("findings_json"))
                .col(ColumnDef::new("related_id").uuid().null())
                .col(ColumnDef::new("raw").blob().not_null())
                .col(ts("created_at"))
                .col(ts_null("completed_at"))
                .foreign_key(&mut fk("fk_edi_interchanges_vendor", ("edi_interchanges", &["tenant_id"]), ("vendors", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("edi_interchanges", "ux_edi_interchanges_key", &["direction", "sender", "receiver", "control_number", "content_hash"], true))
            .await?;
        m.create_index(index("edi_interchanges", "ix_edi_interchanges_tenant", &["tenant_id", "created_at", "id"], false)).await?;
        m.create_index(index("edi_interchanges", "ix_edi_interchanges_group", &["tenant_id", "direction", "group_control"], false)).await?;

        m.create_table(
            Table::create()
                .table("edi_documents")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(id("interchange_id"))
                .col(one_of("direction", Direction::TEXTS))
                .col(int("position"))
                .col(txt("set_id"))
                .col(txt("control_number"))
                .col(one_of("status", DocumentStatus::TEXTS))
                .col(txt_null("object_type"))
                .col(ColumnDef::new("object_id").uuid().null())
                .col(txt("reference"))
                .col(txt("errors_json"))
                // `<set>:<object id>` for documents ACORN sent: at most one 850 per PO, 860 per change
                // and 820 per remittance, even when two processes run the outbound job at once.
                .col(txt_null("outbound_key"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("fk_edi_documents_interchange", ("edi_documents", &["interchange_id"]), ("edi_interchanges", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("edi_documents", "ix_edi_documents_interchange", &["interchange_id", "position"], false)).await?;
        m.create_index(index("edi_documents", "ix_edi_documents_object", &["tenant_id", "object_id"], false)).await?;
        m.create_index(index("edi_documents", "ux_edi_documents_outbound", &["outbound_key"], true)).await?;

        m.create_table(
            Table::create()
                .table("vendor_stock")
                .col(id("tenant_id"))
                .col(id("item_id"))
                .col(txt("warehouse"))
                .col(int("available"))
                .col(id("interchange_id"))
                .col(ts("reported_at"))
                .primary_key(&mut pk(&["tenant_id", "item_id", "warehouse"]))
                .foreign_key(&mut fk("fk_vendor_stock_item", ("vendor_stock", &["item_id"]), ("items", &["id"])))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
