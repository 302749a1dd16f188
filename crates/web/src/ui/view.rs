//! Small presentation helpers shared by the pages: catalogue keys for enum values, status badges,
//! dates, and the notices shown after a redirect.

use acorn_domain::master::{VendorIdentifierKind, VendorStatus};
use acorn_domain::people::{MailStatus, UserStatus};
use acorn_domain::policy::{Area, Role};
use chrono::{DateTime, Utc};

/// A status badge: catalogue key of its text and its colour class (one meaning everywhere:
/// neutral, info, success, warning, critical).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Badge {
    pub key: &'static str,
    pub class: &'static str,
}

pub fn role_key(r: Role) -> &'static str {
    match r {
        Role::Admin => "role.admin",
        Role::CategoryManager => "role.category_manager",
        Role::VendorManager => "role.vendor_manager",
        Role::ApClerk => "role.ap_clerk",
        Role::Receiver => "role.receiver",
        Role::Auditor => "role.auditor",
        Role::VendorAdmin => "role.vendor_admin",
        Role::Operations => "role.operations",
        Role::Finance => "role.finance",
        Role::Catalog => "role.catalog",
        Role::Marketing => "role.marketing",
        Role::ReadOnly => "role.read_only",
    }
}

pub fn area_key(a: Area) -> &'static str {
    match a {
        Area::Vendors => "area.vendors",
        Area::Facilities => "area.facilities",
        Area::Terms => "area.terms",
        Area::VendorUsers => "area.vendor_users",
        Area::Items => "area.items",
        Area::PurchaseOrders => "area.purchase_orders",
        Area::Acknowledgements => "area.acknowledgements",
        Area::Routing => "area.routing",
        Area::Receiving => "area.receiving",
        Area::Invoices => "area.invoices",
        Area::Payments => "area.payments",
        Area::Deductions => "area.deductions",
        Area::Returns => "area.returns",
        Area::Deals => "area.deals",
        Area::Forecasts => "area.forecasts",
        Area::Integrations => "area.integrations",
        Area::Audit => "area.audit",
    }
}

pub fn ident_key(k: VendorIdentifierKind) -> &'static str {
    match k {
        VendorIdentifierKind::VendorCode => "ident.vendor_code",
        VendorIdentifierKind::PayeeCode => "ident.payee_code",
        VendorIdentifierKind::Gs1Prefix => "ident.gs1_prefix",
    }
}

/// The heading for all identifiers of a kind.
pub fn ident_plural_key(k: VendorIdentifierKind) -> &'static str {
    match k {
        VendorIdentifierKind::VendorCode => "ident.vendor_codes",
        VendorIdentifierKind::PayeeCode => "ident.payee_codes",
        VendorIdentifierKind::Gs1Prefix => "ident.gs1_prefixes",
    }
}

pub fn vendor_status(s: VendorStatus) -> Badge {
    match s {
        VendorStatus::Active => Badge { key: "status.active", class: "badge-success" },
        VendorStatus::Suspended => Badge { key: "status.suspended", class: "badge-critical" },
    }
}

pub fn user_status(s: UserStatus) -> Badge {
    match s {
        UserStatus::Active => Badge { key: "status.active", class: "badge-success" },
        UserStatus::Disabled => Badge { key: "status.disabled", class: "badge-neutral" },
    }
}

pub fn mfa_badge(enrolled: bool) -> Badge {
    if enrolled { Badge { key: "users.mfa_on", class: "badge-success" } } else { Badge { key: "users.mfa_off", class: "badge-warning" } }
}

pub fn mail_status(s: MailStatus, has_error: bool) -> Badge {
    match s {
        MailStatus::Queued if has_error => Badge { key: "mail.status.retrying", class: "badge-warning" },
        MailStatus::Queued => Badge { key: "mail.status.queued", class: "badge-info" },
        MailStatus::Sent => Badge { key: "mail.status.sent", class: "badge-success" },
        MailStatus::Written => Badge { key: "mail.status.written", class: "badge-success" },
        MailStatus::Failed => Badge { key: "mail.status.failed", class: "badge-critical" },
    }
}

/// A time as the tables show it (the column headers say UTC).
pub fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// The machine-readable form for `<time datetime>`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The notice for `?done=…` after a redirect; unknown values show nothing.
pub fn notice_key(done: &str) -> &'static str {
    match done {
        "created" => "notice.created",
        "saved" => "notice.saved",
        "added" => "notice.added",
        "removed" => "notice.removed",
        "deleted" => "notice.deleted",
        "invited" => "notice.invited",
        "disabled" => "notice.disabled",
        "enabled" => "notice.enabled",
        "mfa_reset" => "notice.mfa_reset",
        "ended" => "notice.ended",
        "password" => "notice.password",
        _ => "",
    }
}

/// Whether the English catalogue has `key` (the unit tests check every key a page can show).
#[cfg(test)]
pub(crate) fn known(key: &str) -> bool {
    crate::i18n::keys(acorn_domain::people::Locale::En).iter().any(|k| k == key)
}

/// Asserts that every value of an enum has a catalogue entry for its `key`.
#[cfg(test)]
pub(crate) fn assert_all_known<E: Copy + std::fmt::Display>(all: &[E], key: impl Fn(E) -> &'static str) {
    for e in all {
        assert!(known(key(*e)), "{e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_enum_value_has_a_catalogue_entry() {
        assert_all_known(Role::ALL, role_key);
        assert_all_known(Area::ALL, area_key);
        for k in VendorIdentifierKind::ALL {
            assert!(known(ident_key(k)));
            assert!(known(ident_plural_key(k)));
        }
        for b in [
            vendor_status(VendorStatus::Active),
            vendor_status(VendorStatus::Suspended),
            user_status(UserStatus::Active),
            user_status(UserStatus::Disabled),
            mfa_badge(true),
            mfa_badge(false),
            mail_status(MailStatus::Queued, true),
            mail_status(MailStatus::Queued, false),
            mail_status(MailStatus::Sent, false),
            mail_status(MailStatus::Written, false),
            mail_status(MailStatus::Failed, true),
        ] {
            assert!(known(b.key), "{}", b.key);
        }
        for d in ["created", "saved", "added", "removed", "deleted", "invited", "disabled", "enabled", "mfa_reset", "ended", "password"] {
            assert!(known(notice_key(d)), "{d}");
        }
        assert_eq!(notice_key("<script>"), "");
    }
}
