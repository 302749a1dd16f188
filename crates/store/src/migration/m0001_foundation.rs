//! Foundation schema: retailer master data (vendors and their codes, DCs, dock slots), the identifier
//! registry, people and access (users, roles, sessions, MFA, tokens, API clients), idempotency keys,
//! the mail queue and the append-only audit log.

use super::schema::*;
use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_foundation"
    }
}

pub const ROLES: &[&str] = &[
    "admin",
    "category_manager",
    "vendor_manager",
    "ap_clerk",
    "receiver",
    "auditor",
    "vendor_admin",
    "operations",
    "finance",
    "catalog",
    "marketing",
    "read_only",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Identifiers unique across all vendors, claimed in the same transaction as the row using them.
        m.create_table(
            Table::create()
                .table("identifier_registry")
                .col(txt("kind"))
                .col(txt("value"))
                .col(id("tenant_id"))
                .col(ts("created_at"))
                .primary_key(&mut pk(&["kind", "value"]))
                .to_owned(),
        )
        .await?;

        // The tenant: a vendor. `id` is the tenant id of everything the vendor owns.
        m.create_table(
            Table::create()
                .table("vendors")
                .col(id("id").primary_key())
                .col(txt("name"))
                .col(txt("country"))
                .col(one_of("status", &["active", "suspended"]))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        for (table, col) in [("vendor_codes", "code"), ("payee_codes", "code"), ("gs1_prefixes", "prefix")] {
            m.create_table(
                Table::create()
                    .table(table)
                    .col(id("tenant_id"))
                    .col(txt(col))
                    .col(txt("description"))
                    .col(ts("created_at"))
                    .primary_key(&mut pk(&["tenant_id", col]))
                    .foreign_key(&mut fk(
                        match table {
                            "vendor_codes" => "fk_vendor_codes_vendor",
                            "payee_codes" => "fk_payee_codes_vendor",
                            _ => "fk_gs1_prefixes_vendor",
                        },
                        (table, &["tenant_id"]),
                        ("vendors", &["id"]),
                    ))
                    .to_owned(),
            )
            .await?;
        }

        // Retailer reference data: no tenant.
        m.create_table(
            Table::create()
                .table("dcs")
                .col(id("id").primary_key())
                .col(txt("code"))
                .col(txt("name"))
                .col(txt("address_line1"))
                .col(txt("address_line2"))
                .col(txt("city"))
                .col(txt("region"))
                .col(txt("postal_code"))
                .col(txt("country"))
                .col(txt("time_zone"))
                .col(int("dock_doors"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("dcs", "ux_dcs_code", &["code"], true)).await?;
        m.create_table(
            Table::create()
                .table("dock_slots")
                .col(id("id").primary_key())
                .col(id("dc_id"))
                .col(ts("starts_at"))
                .col(ts("ends_at"))
                .col(int("capacity"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("fk_dock_slots_dc", ("dock_slots", &["dc_id"]), ("dcs", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("dock_slots", "ix_dock_slots_dc_start", &["dc_id", "starts_at"], true)).await?;

        // People. Retailer staff carry the retailer's tenant (the nil UUID).
        m.create_table(
            Table::create()
                .table("users")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("email"))
                .col(txt("name"))
                .col(txt_null("password_hash"))
                .col(txt_null("totp_secret"))
                .col(ts_null("totp_enrolled_at"))
                .col(int_null("totp_last_step"))
                .col(one_of("locale", &["en", "zh-CN"]))
                .col(one_of("status", &["active", "disabled"]))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("users", "ux_users_email", &["email"], true)).await?;
        m.create_index(index("users", "ix_users_tenant", &["tenant_id", "created_at", "id"], false)).await?;
        m.create_table(
            Table::create()
                .table("user_roles")
                .col(id("user_id"))
                .col(one_of("role", ROLES))
                .primary_key(&mut pk(&["user_id", "role"]))
                .foreign_key(&mut fk("fk_user_roles_user", ("user_roles", &["user_id"]), ("users", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("recovery_codes")
                .col(id("id").primary_key())
                .col(id("user_id"))
                .col(txt("code_hash"))
                .col(ts_null("used_at"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("fk_recovery_codes_user", ("recovery_codes", &["user_id"]), ("users", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("recovery_codes", "ix_recovery_codes_user", &["user_id"], false)).await?;
        // One-time links: account set-up and password reset. Only the SHA-256 of the token is stored.
        m.create_table(
            Table::create()
                .table("user_tokens")
                .col(txt("token_hash").primary_key())
                .col(id("user_id"))
                .col(one_of("purpose", &["setup", "reset"]))
                .col(ts("expires_at"))
                .col(ts_null("used_at"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("fk_user_tokens_user", ("user_tokens", &["user_id"]), ("users", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("sessions")
                .col(txt("id_hash").primary_key())
                .col(id("user_id"))
                .col(txt("csrf_token"))
                .col(ts("created_at"))
                .col(ts("last_seen_at"))
                .col(ts("expires_at"))
                .col(ts_null("mfa_at"))
                .col(txt("ip"))
                .col(txt("user_agent"))
                .col(ts_null("revoked_at"))
                .foreign_key(&mut fk("fk_sessions_user", ("sessions", &["user_id"]), ("users", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", "ix_sessions_user", &["user_id", "created_at"], false)).await?;
        m.create_table(Table::create().table("login_failures").col(id("id").primary_key()).col(txt("email")).col(ts("at")).to_owned()).await?;
        m.create_index(index("login_failures", "ix_login_failures_email_at", &["email", "at"], false)).await?;

        // API clients (LWA-style) and their tokens, stored hashed.
        m.create_table(
            Table::create()
                .table("api_clients")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("client_id"))
                .col(txt("name"))
                .col(txt("secret_hash"))
                .col(txt("scopes"))
                .col(ts("created_at"))
                .col(ts_null("disabled_at"))
                .foreign_key(&mut fk("fk_api_clients_vendor", ("api_clients", &["tenant_id"]), ("vendors", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("api_clients", "ux_api_clients_client_id", &["client_id"], true)).await?;
        m.create_table(
            Table::create()
                .table("api_tokens")
                .col(txt("token_hash").primary_key())
                .col(id("api_client_id"))
                .col(one_of("kind", &["access", "refresh"]))
                .col(ts("expires_at"))
                .col(ts("created_at"))
                .col(ts_null("revoked_at"))
                .foreign_key(&mut fk("fk_api_tokens_client", ("api_tokens", &["api_client_id"]), ("api_clients", &["id"])))
                .to_owned(),
        )
        .await?;

        // Idempotency keys, keyed by the hash of tenant + principal + route + key: who holds the key
        // (`claim_id`), whether its mutation committed (`executed_at`, set in that same transaction)
        // and the stored response once it completed.
        m.create_table(
            Table::create()
                .table("idempotency_keys")
                .col(txt("key_hash").primary_key())
                .col(txt("request_hash"))
                .col(txt("claim_id"))
                .col(ts_null("executed_at"))
                .col(int_null("response_status"))
                .col(txt_null("response_body"))
                .col(ts("created_at"))
                .col(ts("expires_at"))
                .to_owned(),
        )
        .await?;

        // Outgoing e-mail, queued in the transaction that caused it and delivered by a job.
        m.create_table(
            Table::create()
                .table("mail_queue")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(txt("to_addr"))
                .col(txt("subject"))
                .col(txt("body"))
                .col(one_of("status", &["queued", "sent", "written", "failed"]))
                .col(int("attempts"))
                .col(ts_null("lease_until"))
                .col(ts_null("delivered_at"))
                .col(txt_null("location"))
                .col(txt_null("last_error"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("mail_queue", "ix_mail_queue_status", &["status", "created_at"], false)).await?;
        m.create_index(index("mail_queue", "ix_mail_queue_created", &["created_at", "id"], false)).await?;

        // The audit trail: one hash chain per tenant, append-only.
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(id("tenant_id"))
                .col(int("seq"))
                .col(id("id"))
                .col(ts("at"))
                .col(txt("actor"))
                .col(txt("action"))
                .col(txt("object_type"))
                .col(txt("object_id"))
                .col(txt_null("before_json"))
                .col(txt_null("after_json"))
                .col(txt("request_id"))
                .col(txt("source_ip"))
                .col(txt("prev_hash"))
                .col(txt("hash"))
                .primary_key(&mut pk(&["tenant_id", "seq"]))
                .to_owned(),
        )
        .await?;
        m.create_index(index("audit_log", "ix_audit_log_at", &["at", "tenant_id", "seq"], false)).await?;
        append_only_triggers(m).await?;
        Ok(())
    }
}

/// Audit records cannot be updated or deleted through the application's connection.
async fn append_only_triggers(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = m.get_connection();
    match m.get_database_backend() {
        DbBackend::Sqlite => {
            for op in ["UPDATE", "DELETE"] {
                conn.execute_unprepared(&format!(
                    "CREATE TRIGGER audit_log_no_{lower} BEFORE {op} ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                    lower = op.to_lowercase()
                ))
                .await?;
            }
        }
        _ => {
            conn.execute_unprepared(
                "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
            )
            .await?;
            conn.execute_unprepared(
                "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            )
            .await?;
            conn.execute_unprepared(
                "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log \
                 FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
            )
            .await?;
        }
    }
    Ok(())
}
