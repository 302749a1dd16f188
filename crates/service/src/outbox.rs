//! The mail outbox as administrators see it: every queued, sent, written or failed message, so an
//! admin can check delivery and hand a set-up link over by other means when mail does not arrive.
//! Retailer admins see all mail; a vendor admin sees the mail of their own vendor.

use crate::authz::{list_scope, require};
use crate::{Ctx, ServiceError, Services};
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::people::MailMessage;
use acorn_domain::policy::{Access, Area};
use acorn_store::repo::mail;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// How far around the time in a message's UUIDv7 id the single-message lookup searches.
const LOOKUP_WINDOW: Duration = Duration::seconds(5);

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
    /// Ids are UUIDv7 made when the message is queued, so the search starts just before the id's
    /// timestamp and stops shortly after it instead of reading the whole queue.
    pub async fn get_mail(&self, ctx: &Ctx, id: Uuid) -> Result<MailMessage, ServiceError> {
        require(ctx, Area::VendorUsers, Access::Write)?;
        let not_found = ServiceError::NotFound("message");
        let Some(at) = uuid_time(id) else {
            return Err(not_found);
        };
        let scope = list_scope(ctx);
        let mut after = Some((at - LOOKUP_WINDOW, Uuid::nil()));
        let limit = 500;
        loop {
            let rows = mail::list(&self.db.conn, scope, None, after, limit).await?;
            if let Some(m) = rows.iter().find(|m| m.id == id) {
                return Ok(m.clone());
            }
            let Some(last) = rows.last() else {
                return Err(not_found);
            };
            if rows.len() as u64 <= limit || last.created_at > at + LOOKUP_WINDOW {
                return Err(not_found);
            }
            after = Some((last.created_at, last.id));
        }
    }
}

/// The creation time in a UUIDv7.
fn uuid_time(id: Uuid) -> Option<DateTime<Utc>> {
    let (secs, nanos) = id.get_timestamp()?.to_unix();
    DateTime::from_timestamp(secs as i64, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_time_reads_v7_and_refuses_others() {
        let before = Utc::now() - Duration::seconds(1);
        let t = uuid_time(Uuid::now_v7()).expect("v7 carries a time");
        assert!(t >= before && t <= Utc::now() + Duration::seconds(1));
        assert!(uuid_time(Uuid::nil()).is_none());
    }
}
