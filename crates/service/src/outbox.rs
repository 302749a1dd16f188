//! The mail outbox as administrators see it: every queued, sent, written or failed message, so an
//! admin can check delivery and hand a set-up link over by other means when mail does not arrive.
//! Retailer admins see all mail; a vendor admin sees the mail of their own vendor.

use crate::authz::{list_scope, require};
use crate::{Ctx, ServiceError, Services};
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::people::MailMessage;
use acorn_domain::policy::{Access, Area};
use acorn_store::repo::mail;
use uuid::Uuid;

impl Services {
    /// Messages oldest first, with keyset paging. Managing users is what sends mail, so the same
    /// access is needed: `vendor_users` write (retailer admin: everything; vendor admin: own tenant).
    pub async fn list_mail(&self, ctx: &Ctx, cursor: Option<&str>, limit: Option<u64>) -> Result<Page<MailMessage>, ServiceError> {
        require(ctx, Area::VendorUsers, Access::Write)?;
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = mail::list(&self.db.conn, list_scope(ctx), None, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |m| Cursor { created_at: m.created_at, id: m.id }))
    }

    /// One message, authorised like [`Services::list_mail`]; another tenant's message is not found.
    pub async fn get_mail(&self, ctx: &Ctx, id: Uuid) -> Result<MailMessage, ServiceError> {
        require(ctx, Area::VendorUsers, Access::Write)?;
        match mail::get(&self.db.conn, id).await? {
            Some(m) if crate::authz::visible(ctx, m.tenant_id) => Ok(m),
            _ => Err(ServiceError::NotFound("message")),
        }
    }
}
