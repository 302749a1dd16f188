//! Invoice-to-cash schema: versioned finance terms per vendor, invoices and credit notes with their
//! lines, adjustments and timeline, the one deduction ledger, disputes with uploaded documents,
//! payment runs with their remittances, bank accounts of payees, and returns to vendor.
//!
//! Money is `*_e4` (ten-thousandths, i64) beside a currency, as everywhere. Every ledger row links to
//! its evidence by id (PO, shipment, receipt, invoice, remittance, return), and a deduction carries a
//! unique `source_key` so that the match job or a chargeback scan re-run never posts it twice.

use super::schema::*;
use acorn_domain::deductions::{DeductionKind, DeductionStatus, DisputeOutcome};
use acorn_domain::invoices::{AdjustmentKind, InvoiceState, InvoiceType};
use acorn_domain::matching::LineOutcome;
use acorn_domain::orders::Channel;
use acorn_domain::payments::RemittanceLineKind;
use acorn_domain::returns::{Disposition, ReturnStatus, ReturnType};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_finance"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One row per version of a vendor's finance terms; the body is the domain `Terms` as JSON
        // (read whole, never queried by field), the columns beside it are what lists show.
        m.create_table(
            Table::create()
                .table("terms_versions")
                .col(id("tenant_id"))
                .col(int("version"))
                .col(date("effective_from"))
                .col(txt("payment_term"))
                .col(txt("currency"))
                .col(txt("terms_json"))
                .col(txt("note"))
                .col(txt("created_by"))
                .col(ts("created_at"))
                .primary_key(&mut pk(&["tenant_id", "version"]))
                .foreign_key(&mut fk("fk_terms_versions_vendor", ("terms_versions", &["tenant_id"]), ("vendors", &["id"])))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("invoices")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("vendor_code"))
                .col(txt("number"))
                .col(one_of("invoice_type", InvoiceType::TEXTS))
                .col(id("po_id"))
                .col(txt("po_number"))
                .col(ColumnDef::new("reference_invoice_id").uuid().null())
                .col(txt_null("reference_number"))
                .col(date("invoice_date"))
                .col(txt("currency"))
                .col(int("subtotal_e4"))
                .col(int("charges_e4"))
                .col(int("allowances_e4"))
                .col(int("tax_e4"))
                .col(int("total_e4"))
                .col(one_of("state", InvoiceState::TEXTS))
                .col(int("open_disputes"))
                .col(txt("payment_term"))
                .col(int("terms_version"))
                .col(date_null("due_date"))
                .col(date_null("discount_deadline"))
                .col(one_of("channel", Channel::TEXTS))
                .col(txt("submitted_by"))
                .col(ts("submitted_at"))
                .col(ts_null("matched_at"))
                .col(ts_null("approved_at"))
                .col(ts_null("paid_at"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("fk_invoices_vendor", ("invoices", &["tenant_id"]), ("vendors", &["id"])))
                .foreign_key(&mut fk("fk_invoices_po", ("invoices", &["po_id"]), ("purchase_orders", &["id"])))
                .to_owned(),
        )
        .await?;
        // DOMAIN.md: the number is unique per vendor code (and vendor codes are unique across vendors).
        m.create_index(index("invoices", "ux_invoices_number", &["vendor_code", "number"], true)).await?;
        m.create_index(index("invoices", "ix_invoices_tenant", &["tenant_id", "created_at", "id"], false)).await?;
        m.create_index(index("invoices", "ix_invoices_created", &["created_at", "id"], false)).await?;
        m.create_index(index("invoices", "ix_invoices_po", &["tenant_id", "po_id"], false)).await?;
        m.create_index(index("invoices", "ix_invoices_state", &["state", "due_date"], false)).await?;
        m.create_table(
            Table::create()
                .table("invoice_lines")
                .col(id("tenant_id"))
                .col(id("invoice_id"))
                .col(int("line_no"))
                .col(id("po_id"))
                .col(int("po_line_no"))
                .col(id("item_id"))
                .col(txt("vendor_sku"))
                .col(txt("gtin"))
                .col(txt("title"))
                .col(int("quantity"))
                .col(int("unit_cost_e4"))
                .col(int("amount_e4"))
                .col(ColumnDef::new("outcome").text().null().check(Expr::col("outcome").is_in(LineOutcome::TEXTS.iter().copied())))
                .col(txt_null("match_json"))
                .col(ts_null("matched_at"))
                .primary_key(&mut pk(&["tenant_id", "invoice_id", "line_no"]))
                .foreign_key(&mut fk("fk_invoice_lines_invoice", ("invoice_lines", &["invoice_id"]), ("invoices", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("invoice_lines", "ix_invoice_lines_po_line", &["tenant_id", "po_id", "po_line_no"], false)).await?;
        m.create_table(
            Table::create()
                .table("invoice_adjustments")
                .col(id("tenant_id"))
                .col(id("invoice_id"))
                .col(int("seq"))
                .col(one_of("kind", AdjustmentKind::TEXTS))
                .col(txt("code"))
                .col(txt_null("description"))
                .col(int("amount_e4"))
                .primary_key(&mut pk(&["tenant_id", "invoice_id", "seq"]))
                .foreign_key(&mut fk("fk_invoice_adjustments_invoice", ("invoice_adjustments", &["invoice_id"]), ("invoices", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("invoice_events")
                .col(id("tenant_id"))
                .col(id("invoice_id"))
                .col(int("seq"))
                .col(one_of("state", InvoiceState::TEXTS))
                .col(txt("summary"))
                .col(txt("actor"))
                .col(ts("at"))
                .primary_key(&mut pk(&["tenant_id", "invoice_id", "seq"]))
                .foreign_key(&mut fk("fk_invoice_events_invoice", ("invoice_events", &["invoice_id"]), ("invoices", &["id"])))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("payment_runs")
                .col(id("id").primary_key())
                .col(txt("number"))
                .col(txt("currency"))
                .col(date("pay_date"))
                // `scheduled` until the pay date (the bank executes the file then), `paid` after.
                .col(one_of("status", &["scheduled", "paid"]))
                .col(ts_null("settled_at"))
                .col(int("remittance_count"))
                .col(int("total_e4"))
                // Vendors left out of the run and why (e.g. no bank account), as a JSON list.
                .col(txt("held_json"))
                .col(txt("created_by"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("payment_runs", "ux_payment_runs_number", &["number"], true)).await?;
        m.create_index(index("payment_runs", "ix_payment_runs_created", &["created_at", "id"], false)).await?;
        m.create_table(
            Table::create()
                .table("remittances")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(id("payment_run_id"))
                .col(txt("number"))
                .col(txt("vendor_code"))
                .col(txt("payee_code"))
                .col(txt("currency"))
                .col(date("pay_date"))
                .col(int("total_e4"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("fk_remittances_run", ("remittances", &["payment_run_id"]), ("payment_runs", &["id"])))
                .foreign_key(&mut fk("fk_remittances_vendor", ("remittances", &["tenant_id"]), ("vendors", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("remittances", "ux_remittances_number", &["number"], true)).await?;
        m.create_index(index("remittances", "ix_remittances_tenant", &["tenant_id", "created_at", "id"], false)).await?;
        m.create_index(index("remittances", "ix_remittances_run", &["payment_run_id"], false)).await?;
        m.create_table(
            Table::create()
                .table("remittance_lines")
                .col(id("tenant_id"))
                .col(id("remittance_id"))
                .col(int("seq"))
                .col(one_of("kind", RemittanceLineKind::TEXTS))
                .col(id("reference_id"))
                .col(txt("reference"))
                .col(txt("description"))
                .col(int("amount_e4"))
                .primary_key(&mut pk(&["tenant_id", "remittance_id", "seq"]))
                .foreign_key(&mut fk("fk_remittance_lines_remittance", ("remittance_lines", &["remittance_id"]), ("remittances", &["id"])))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("return_requests")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("number"))
                .col(txt("vendor_code"))
                .col(id("item_id"))
                .col(txt("vendor_sku"))
                .col(txt("gtin"))
                .col(txt("title"))
                .col(txt("dc_code"))
                .col(one_of("return_type", ReturnType::TEXTS))
                .col(int("quantity"))
                .col(int("unit_cost_e4"))
                .col(txt("currency"))
                .col(txt("reason"))
                .col(one_of("status", ReturnStatus::TEXTS))
                .col(int_null("approved_quantity"))
                .col(txt_null("rejection_reason"))
                .col(txt_null("vendor_rma"))
                .col(ColumnDef::new("disposition").text().null().check(Expr::col("disposition").is_in(Disposition::TEXTS.iter().copied())))
                .col(txt_null("return_address"))
                .col(ColumnDef::new("deduction_id").uuid().null())
                .col(txt("raised_by"))
                .col(ts("raised_at"))
                .col(ts_null("answered_at"))
                .col(ts_null("completed_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("fk_return_requests_vendor", ("return_requests", &["tenant_id"]), ("vendors", &["id"])))
                .foreign_key(&mut fk("fk_return_requests_item", ("return_requests", &["item_id"]), ("items", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("return_requests", "ux_return_requests_number", &["number"], true)).await?;
        m.create_index(index("return_requests", "ix_return_requests_tenant", &["tenant_id", "raised_at", "id"], false)).await?;
        m.create_index(index("return_requests", "ix_return_requests_raised", &["raised_at", "id"], false)).await?;
        // The vendor's return address per return type (DOMAIN.md), prefilled into approvals.
        m.create_table(
            Table::create()
                .table("return_addresses")
                .col(id("tenant_id"))
                .col(one_of("return_type", ReturnType::TEXTS))
                .col(txt("address"))
                .col(ts("updated_at"))
                .primary_key(&mut pk(&["tenant_id", "return_type"]))
                .foreign_key(&mut fk("fk_return_addresses_vendor", ("return_addresses", &["tenant_id"]), ("vendors", &["id"])))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("deductions")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("number"))
                .col(txt("vendor_code"))
                .col(one_of("kind", DeductionKind::TEXTS))
                .col(txt("reason_code"))
                .col(txt("description"))
                .col(txt("currency"))
                .col(int("amount_e4"))
                // Netted from payments so far, and given back by dispute decisions.
                .col(int("recovered_e4"))
                .col(int("reversed_e4"))
                .col(one_of("status", DeductionStatus::TEXTS))
                .col(ts("posted_at"))
                .col(ts_null("dispute_deadline"))
                .col(int("dispute_attempts"))
                .col(ColumnDef::new("po_id").uuid().null())
                .col(txt_null("po_number"))
                .col(ColumnDef::new("shipment_id").uuid().null())
                .col(ColumnDef::new("receipt_id").uuid().null())
                .col(ColumnDef::new("invoice_id").uuid().null())
                .col(int_null("invoice_line_no"))
                .col(ColumnDef::new("return_id").uuid().null())
                .col(ColumnDef::new("remittance_id").uuid().null())
                .col(txt("evidence_json"))
                .col(txt("source_key"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("fk_deductions_vendor", ("deductions", &["tenant_id"]), ("vendors", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("deductions", "ux_deductions_source", &["source_key"], true)).await?;
        m.create_index(index("deductions", "ux_deductions_number", &["number"], true)).await?;
        m.create_index(index("deductions", "ix_deductions_tenant", &["tenant_id", "posted_at", "id"], false)).await?;
        m.create_index(index("deductions", "ix_deductions_posted", &["posted_at", "id"], false)).await?;
        m.create_index(index("deductions", "ix_deductions_invoice", &["tenant_id", "invoice_id"], false)).await?;
        m.create_index(index("deductions", "ix_deductions_to_net", &["tenant_id", "currency", "posted_at"], false)).await?;

        m.create_table(
            Table::create()
                .table("disputes")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(id("deduction_id"))
                .col(int("attempt"))
                .col(txt("message"))
                .col(txt("opened_by"))
                .col(ts("opened_at"))
                .col(ColumnDef::new("outcome").text().null().check(Expr::col("outcome").is_in(DisputeOutcome::TEXTS.iter().copied())))
                .col(int_null("reversed_e4"))
                // What the decision credits back, paid as a credit line on the next remittance.
                .col(int("payback_e4"))
                .col(txt_null("decision_reason"))
                .col(txt_null("decided_by"))
                .col(ts_null("decided_at"))
                .col(ColumnDef::new("credited_remittance_id").uuid().null())
                .foreign_key(&mut fk("fk_disputes_deduction", ("disputes", &["deduction_id"]), ("deductions", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("disputes", "ux_disputes_attempt", &["deduction_id", "attempt"], true)).await?;
        m.create_index(index("disputes", "ix_disputes_tenant", &["tenant_id", "opened_at", "id"], false)).await?;

        // Uploaded files (proof of delivery, bills of lading…): metadata here, bytes in the document
        // store under the data directory, named by id.
        m.create_table(
            Table::create()
                .table("documents")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("owner_type"))
                .col(id("owner_id"))
                .col(txt("filename"))
                .col(txt("content_type"))
                .col(int("size"))
                .col(txt("sha256"))
                .col(txt("uploaded_by"))
                .col(ts("uploaded_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("documents", "ix_documents_owner", &["tenant_id", "owner_type", "owner_id"], false)).await?;
        m.create_index(index("documents", "ix_documents_owner_any", &["owner_type", "owner_id"], false)).await?;

        // Where a payee's money goes. Shown masked; changed only by a vendor admin who also holds finance.
        m.create_table(
            Table::create()
                .table("bank_accounts")
                .col(id("tenant_id"))
                .col(txt("payee_code"))
                .col(txt("account_holder"))
                // `iban`: an IBAN with the bank's BIC; `local`: an account number with a national bank
                // code (e.g. a US ABA routing number), as pain.001 carries either.
                .col(one_of("account_scheme", &["iban", "local"]))
                .col(txt("account_number"))
                .col(txt("bank_code"))
                .col(txt("currency"))
                .col(txt("updated_by"))
                .col(ts("updated_at"))
                .primary_key(&mut pk(&["tenant_id", "payee_code"]))
                .foreign_key(&mut fk("fk_bank_accounts_vendor", ("bank_accounts", &["tenant_id"]), ("vendors", &["id"])))
                .to_owned(),
        )
        .await?;
        // Chargebacks are assessed on POs as they close, against the vendor's recent on-time record.
        m.create_index(index("purchase_orders", "ix_purchase_orders_closed", &["closed_at"], false)).await?;
        m.create_index(index("purchase_orders", "ix_purchase_orders_delivery", &["tenant_id", "delivery_end"], false)).await?;
        m.create_index(index("shipments", "ix_shipments_submitted", &["tenant_id", "first_submitted_at"], false)).await?;
        Ok(())
    }
}
