//! Who is told about a business event, and how. Every event reaches the in-app bell of its audience
//! (the feed is read straight from the outbox); the events a vendor must act on are also e-mailed —
//! orders to the vendor's operations people and admins, money (claims and chargebacks with their
//! dispute window, dispute decisions, remittances) to its finance people and admins — queued in the
//! same transaction as the change, so a mail is never sent for a change that rolled back.

use crate::{ServiceConfig, ServiceError, Services, mail, now};
use acorn_domain::events::Event;
use acorn_domain::policy::Role;
use acorn_store::{ConnectionTrait, repo};
use serde::Serialize;

/// Who on the vendor side is mailed, and why (the last line of the mail).
struct Recipients {
    roles: &'static [Role],
    because: &'static str,
}

const ORDERS: Recipients = Recipients { roles: &[Role::VendorAdmin, Role::Operations], because: "you handle orders for your company in ACORN" };
const EDI: Recipients = Recipients { roles: &[Role::VendorAdmin], because: "you manage your company's EDI connection in ACORN" };
const MONEY: Recipients = Recipients { roles: &[Role::VendorAdmin, Role::Finance], because: "you handle invoices and payments for your company in ACORN" };

/// Event kinds e-mailed to the vendor side, and to whom (the rest are bell-only; accruals under agreed
/// percentages are `deduction.accrued`, bell-only).
const MAILED_TO_VENDOR: &[(&str, Recipients)] = &[
    ("po.created", ORDERS),
    ("po.changed", ORDERS),
    ("po.cancelled", ORDERS),
    ("ack.due_soon", ORDERS),
    ("appointment.changed", ORDERS),
    ("receipt.discrepancy", ORDERS),
    ("return.requested", ORDERS),
    ("deduction.posted", MONEY),
    ("dispute.decided", MONEY),
    ("remittance.issued", MONEY),
    ("edi.failed", EDI),
];

/// Queues the e-mails an event calls for, in the caller's transaction.
pub async fn mail_for(c: &impl ConnectionTrait, config: &ServiceConfig, event: &Event) -> Result<(), ServiceError> {
    let Some((_, to)) = MAILED_TO_VENDOR.iter().find(|(kind, _)| *kind == event.kind.as_str()) else { return Ok(()) };
    if !event.audience.reaches(false) {
        return Ok(());
    }
    let body = format!("{}\n\nOpen it in ACORN: {}{}\n\nYou receive this because {}.\n", event.summary, config.base_url, event.link, to.because);
    for to in repo::users::emails_with_roles(c, event.tenant, to.roles).await? {
        mail::queue(c, event.tenant, &to, &format!("[ACORN] {}", event.summary), &body).await?;
    }
    Ok(())
}

/// Object types whose events the principal's roles may read (a marketing user hears nothing of
/// POs, which it may not open).
fn readable_types(ctx: &crate::Ctx) -> Vec<&'static str> {
    use acorn_domain::policy::{Access, Area};
    [
        ("purchase_order", Area::PurchaseOrders),
        ("shipment", Area::Acknowledgements),
        ("item", Area::Items),
        ("return", Area::Returns),
        ("invoice", Area::Invoices),
        ("deduction", Area::Deductions),
        ("remittance", Area::Payments),
        ("edi_interchange", Area::Integrations),
    ]
    .into_iter()
    .filter(|(_, area)| ctx.principal.access(*area) >= Access::Read)
    .map(|(t, _)| t)
    .collect()
}

fn reader<'a>(ctx: &crate::Ctx, types: &'a [&'a str]) -> repo::events::Reader<'a> {
    repo::events::Reader { tenant: crate::authz::list_scope(ctx), retailer_side: ctx.principal.is_retailer_side(), object_types: types }
}

/// The bell: unread count and the latest events the principal's side hears.
#[derive(Clone, Debug, Serialize)]
pub struct Bell {
    pub unread: u64,
    pub latest: Vec<Event>,
}

/// The bell shows "99+" beyond this.
pub const UNREAD_CAP: u64 = 100;

impl Services {
    /// The principal's notifications (users only; API clients read events through their own endpoints).
    pub async fn bell(&self, ctx: &crate::Ctx, limit: u64) -> Result<Bell, ServiceError> {
        let crate::Principal::User(user) = &ctx.principal else {
            return Err(ServiceError::Unauthenticated("sign in first"));
        };
        let types = readable_types(ctx);
        let r = reader(ctx, &types);
        let unread = repo::events::unread(&self.db.conn, &r, user.id, UNREAD_CAP).await?;
        let latest = repo::events::latest(&self.db.conn, &r, limit.clamp(1, 100)).await?;
        Ok(Bell { unread, latest })
    }

    /// Just the bell's unread count (one query; the portal frame shows it on every page).
    pub async fn unread_count(&self, ctx: &crate::Ctx) -> Result<u64, ServiceError> {
        let crate::Principal::User(user) = &ctx.principal else {
            return Ok(0);
        };
        let types = readable_types(ctx);
        Ok(repo::events::unread(&self.db.conn, &reader(ctx, &types), user.id, UNREAD_CAP).await?)
    }

    /// Marks everything up to now as read. Reading notifications is not a business change, so it is
    /// not audited (like viewing a page).
    pub async fn mark_bell_read(&self, ctx: &crate::Ctx) -> Result<(), ServiceError> {
        let crate::Principal::User(user) = &ctx.principal else {
            return Err(ServiceError::Unauthenticated("sign in first"));
        };
        let id = user.id;
        self.db.write(|tx| async move { Ok::<_, ServiceError>(repo::events::mark_seen(tx.c(), id, now()).await?) }).await
    }
}

impl Services {
    /// The business events the principal may see, oldest first with keyset paging (API clients poll
    /// this to follow POs, acknowledgements and shipments).
    pub async fn list_events(&self, ctx: &crate::Ctx, cursor: Option<&str>, limit: Option<u64>) -> Result<acorn_domain::paging::Page<Event>, ServiceError> {
        use acorn_domain::paging::{Cursor, Page, clamp_limit};
        if matches!(ctx.principal, crate::Principal::Anonymous) {
            return Err(ServiceError::Unauthenticated("sign in first"));
        }
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let types = readable_types(ctx);
        let rows = repo::events::page(&self.db.conn, &reader(ctx, &types), after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |e| Cursor { created_at: e.created_at, id: e.id }))
    }
}
