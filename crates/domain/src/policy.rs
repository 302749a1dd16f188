//! The default authorisation policy: roles, areas, and the "Who may do what" table of DOMAIN.md.
//!
//! This module only answers "what access does this role (or API client) have to this area". It knows
//! nothing about tenants or objects: `service` combines this answer with the principal's tenant and
//! the object's owner (another tenant's object is a 404, a missing role a 403). Keeping the table here,
//! pure and written out by hand, makes the policy reviewable against DOMAIN.md line by line.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A role a person holds. Retailer roles act in the retailer tenant, vendor roles in their own vendor's
/// tenant. A user may hold several roles; their access is the best any of them gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    // Retailer roles.
    Admin,
    /// The buyer: owns vendors, items and deals.
    CategoryManager,
    /// Account manager for vendors.
    VendorManager,
    /// Invoices, payments, claims.
    ApClerk,
    /// DC receiving.
    Receiver,
    /// Read-only across the retailer.
    Auditor,
    // Vendor roles.
    /// Manages the vendor's own users.
    VendorAdmin,
    /// POs, ASNs, Direct Fulfillment.
    Operations,
    /// Invoices, payments, disputes (banking changes also need `vendor_admin`).
    Finance,
    Catalog,
    /// Deals.
    Marketing,
    ReadOnly,
}

impl Role {
    /// Every role, retailer roles first, in the column order of the DOMAIN.md table.
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::CategoryManager,
        Role::VendorManager,
        Role::ApClerk,
        Role::Receiver,
        Role::Auditor,
        Role::VendorAdmin,
        Role::Operations,
        Role::Finance,
        Role::Catalog,
        Role::Marketing,
        Role::ReadOnly,
    ];

    /// The retailer's staff roles.
    pub const RETAILER: &'static [Role] = &[Role::Admin, Role::CategoryManager, Role::VendorManager, Role::ApClerk, Role::Receiver, Role::Auditor];

    /// The roles a vendor's users (and agency users acting for a vendor) may hold.
    pub const VENDOR: &'static [Role] = &[Role::VendorAdmin, Role::Operations, Role::Finance, Role::Catalog, Role::Marketing, Role::ReadOnly];

    /// The snake_case name used in DOMAIN.md, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CategoryManager => "category_manager",
            Role::VendorManager => "vendor_manager",
            Role::ApClerk => "ap_clerk",
            Role::Receiver => "receiver",
            Role::Auditor => "auditor",
            Role::VendorAdmin => "vendor_admin",
            Role::Operations => "operations",
            Role::Finance => "finance",
            Role::Catalog => "catalog",
            Role::Marketing => "marketing",
            Role::ReadOnly => "read_only",
        }
    }

    /// True for the retailer's staff roles.
    pub fn is_retailer(self) -> bool {
        Self::RETAILER.contains(&self)
    }

    /// True for vendor user roles.
    pub fn is_vendor(self) -> bool {
        Self::VENDOR.contains(&self)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("unknown role `{input}`; expected one of: {}", names(Role::ALL.iter().map(|r| r.as_str())))]
pub struct ParseRoleError {
    pub input: String,
}

impl FromStr for Role {
    type Err = ParseRoleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.iter().copied().find(|r| r.as_str() == s).ok_or_else(|| ParseRoleError { input: s.to_string() })
    }
}

/// A permission area: one row of the DOMAIN.md table, split where a cell qualifies which part of the
/// row it covers (so "W (vendors, codes)" and "R (DCs)" can be said exactly). The snake_case names
/// double as API-client scope names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Vendors, vendor codes, payee codes, GS1 company prefixes.
    Vendors,
    /// DCs and dock slots.
    Facilities,
    /// Agreement terms (payment, freight, returns, allowances, fees).
    Terms,
    /// The users of a vendor.
    VendorUsers,
    /// Items and costs.
    Items,
    /// Issue, change and cancel POs.
    PurchaseOrders,
    /// PO acknowledgements, ASNs, labels.
    Acknowledgements,
    /// Routing / carrier, appointments, dock.
    Routing,
    Receiving,
    /// Invoices and match results.
    Invoices,
    /// Payment runs and remittances.
    Payments,
    /// Deductions and disputes.
    Deductions,
    Returns,
    Deals,
    /// Forecasts and replenishment.
    Forecasts,
    /// EDI partners and API clients.
    Integrations,
    /// The audit log.
    Audit,
}

impl Area {
    /// Every area, in the row order of the DOMAIN.md table.
    pub const ALL: &'static [Area] = &[
        Area::Vendors,
        Area::Facilities,
        Area::Terms,
        Area::VendorUsers,
        Area::Items,
        Area::PurchaseOrders,
        Area::Acknowledgements,
        Area::Routing,
        Area::Receiving,
        Area::Invoices,
        Area::Payments,
        Area::Deductions,
        Area::Returns,
        Area::Deals,
        Area::Forecasts,
        Area::Integrations,
        Area::Audit,
    ];

    /// The snake_case name; also the API-client scope name.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Vendors => "vendors",
            Area::Facilities => "facilities",
            Area::Terms => "terms",
            Area::VendorUsers => "vendor_users",
            Area::Items => "items",
            Area::PurchaseOrders => "purchase_orders",
            Area::Acknowledgements => "acknowledgements",
            Area::Routing => "routing",
            Area::Receiving => "receiving",
            Area::Invoices => "invoices",
            Area::Payments => "payments",
            Area::Deductions => "deductions",
            Area::Returns => "returns",
            Area::Deals => "deals",
            Area::Forecasts => "forecasts",
            Area::Integrations => "integrations",
            Area::Audit => "audit",
        }
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An area (or scope) name that is not one of [`Area::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("unknown area `{input}`; expected one of: {}", names(Area::ALL.iter().map(|a| a.as_str())))]
pub struct ParseAreaError {
    pub input: String,
}

impl FromStr for Area {
    type Err = ParseAreaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Area::ALL.iter().copied().find(|a| a.as_str() == s).ok_or_else(|| ParseAreaError { input: s.to_string() })
    }
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

/// How much a role may do in an area. Ordered, so the best of several roles is a `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Nothing: the area is not shown and its use cases answer 403.
    None,
    /// See, list, export.
    Read,
    /// Act: create, change, approve, book, decide, dispute, commit — whatever the area's verbs are.
    Write,
}

impl Access {
    /// True for `Read` and `Write`.
    pub fn can_read(self) -> bool {
        self >= Access::Read
    }

    /// True for `Write`.
    pub fn can_write(self) -> bool {
        self == Access::Write
    }
}

/// The default policy: what `role` may do in `area`.
///
/// Each arm is one row of the DOMAIN.md "Who may do what" table, with the twelve cells in the table's
/// column order. Qualified writes ("W (approve)", "W (book)", "W (decide)", "W (dispute)",
/// "W (raise)", "W (commit)", "W (approve POs)") are `Write`: the qualifier says which verb the role
/// uses in that area, and the use case enforces the verb. "R own" / "W own" are `Read` / `Write`; the
/// "own" is the tenant check `service` does for every vendor principal.
///
/// Audit row: `category_manager` has "R own vendors". Vendor ownership by a category manager arrives
/// with onboarding; until then the role reads the whole retailer audit log, like `vendor_manager`.
pub fn access(role: Role, area: Area) -> Access {
    const N: Access = Access::None;
    const R: Access = Access::Read;
    const W: Access = Access::Write;

    #[rustfmt::skip]
    let row: [Access; 12] = match area {
        //                          admin cat_m vnd_m ap    recv  audit | v_adm ops   fin   catlg mktg  r_o
        // "vendors, codes": category_manager W (vendors, codes); receiver sees DCs only.
        Area::Vendors          => [W,    W,    R,    R,    N,    R,      R,    R,    R,    R,    R,    R],
        Area::Facilities       => [W,    R,    R,    R,    R,    R,      R,    R,    R,    R,    R,    R],
        Area::Terms            => [W,    R,    R,    R,    N,    R,      R,    R,    R,    R,    R,    R],
        Area::VendorUsers      => [W,    N,    N,    N,    N,    R,      W,    N,    N,    N,    N,    N],
        Area::Items            => [W,    W,    R,    R,    R,    R,      W,    R,    R,    W,    R,    R],
        Area::PurchaseOrders   => [W,    W,    R,    R,    R,    R,      R,    R,    R,    R,    N,    R],
        Area::Acknowledgements => [R,    R,    R,    R,    R,    R,      W,    W,    R,    N,    N,    R],
        Area::Routing          => [W,    R,    W,    N,    W,    R,      W,    W,    N,    N,    N,    R],
        Area::Receiving        => [W,    R,    R,    R,    W,    R,      R,    R,    R,    N,    N,    R],
        Area::Invoices         => [W,    R,    R,    W,    N,    R,      W,    R,    W,    N,    N,    R],
        Area::Payments         => [W,    N,    R,    W,    N,    R,      R,    N,    R,    N,    N,    R],
        Area::Deductions       => [W,    R,    R,    W,    N,    R,      W,    R,    W,    N,    N,    R],
        Area::Returns          => [W,    W,    R,    R,    W,    R,      W,    W,    R,    N,    N,    R],
        Area::Deals            => [W,    W,    R,    N,    N,    R,      W,    N,    R,    N,    W,    R],
        Area::Forecasts        => [W,    W,    R,    N,    N,    R,      W,    W,    R,    R,    R,    R],
        Area::Integrations     => [W,    N,    N,    N,    N,    R,      W,    N,    N,    N,    N,    N],
        Area::Audit            => [R,    R,    R,    R,    N,    R,      R,    N,    N,    N,    N,    N],
    };
    row[column(role)]
}

/// The role's column in the table (and in each row of [`access`]).
fn column(role: Role) -> usize {
    match role {
        Role::Admin => 0,
        Role::CategoryManager => 1,
        Role::VendorManager => 2,
        Role::ApClerk => 3,
        Role::Receiver => 4,
        Role::Auditor => 5,
        Role::VendorAdmin => 6,
        Role::Operations => 7,
        Role::Finance => 8,
        Role::Catalog => 9,
        Role::Marketing => 10,
        Role::ReadOnly => 11,
    }
}

/// The best access any of `roles` gives in `area` (`None` for no roles).
pub fn best_access(roles: &[Role], area: Area) -> Access {
    roles.iter().map(|&role| access(role, area)).max().unwrap_or(Access::None)
}

/// What an API client with `scopes` may do in `area`.
///
/// An API client always belongs to one vendor, so a scope can never give more than a vendor user could
/// have: it grants the best access any vendor role has in that area (so the `vendors` scope is read-only
/// and `purchase_orders` can never write). An area not in the scopes gets nothing.
pub fn client_access(scopes: &[Area], area: Area) -> Access {
    if scopes.contains(&area) { best_access(Role::VENDOR, area) } else { Access::None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Access::{None as N, Read as R, Write as W};

    // Expectations are written from the DOMAIN.md table by hand, never derived from `access`.

    #[track_caller]
    fn expect(area: Area, cases: &[(Role, Access)]) {
        for &(role, want) in cases {
            assert_eq!(access(role, area), want, "{role} on {area}");
        }
    }

    #[test]
    fn vendors_row() {
        expect(
            Area::Vendors,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, W),
                (Role::VendorManager, R),
                (Role::ApClerk, R),
                (Role::Receiver, N),
                (Role::Auditor, R),
                (Role::VendorAdmin, R),
                (Role::Marketing, R),
                (Role::ReadOnly, R),
            ],
        );
    }

    #[test]
    fn facilities_row() {
        expect(
            Area::Facilities,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, R),
                (Role::VendorManager, R),
                (Role::Receiver, R),
                (Role::Auditor, R),
                (Role::Operations, R),
                (Role::Catalog, R),
            ],
        );
    }

    #[test]
    fn terms_row() {
        expect(Area::Terms, &[(Role::Admin, W), (Role::CategoryManager, R), (Role::ApClerk, R), (Role::Receiver, N), (Role::Finance, R), (Role::ReadOnly, R)]);
    }

    #[test]
    fn vendor_users_row() {
        expect(
            Area::VendorUsers,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, N),
                (Role::VendorManager, N),
                (Role::Auditor, R),
                (Role::VendorAdmin, W),
                (Role::Operations, N),
                (Role::Finance, N),
                (Role::ReadOnly, N),
            ],
        );
    }

    #[test]
    fn items_row() {
        expect(
            Area::Items,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, W),
                (Role::Receiver, R),
                (Role::VendorAdmin, W),
                (Role::Operations, R),
                (Role::Catalog, W),
                (Role::Marketing, R),
            ],
        );
    }

    #[test]
    fn purchase_orders_row() {
        expect(
            Area::PurchaseOrders,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, W),
                (Role::VendorManager, R),
                (Role::Receiver, R),
                (Role::VendorAdmin, R),
                (Role::Operations, R),
                (Role::Marketing, N),
                (Role::ReadOnly, R),
            ],
        );
    }

    #[test]
    fn acknowledgements_row() {
        expect(
            Area::Acknowledgements,
            &[
                (Role::Admin, R),
                (Role::CategoryManager, R),
                (Role::Receiver, R),
                (Role::VendorAdmin, W),
                (Role::Operations, W),
                (Role::Finance, R),
                (Role::Catalog, N),
                (Role::Marketing, N),
                (Role::ReadOnly, R),
            ],
        );
    }

    #[test]
    fn routing_row() {
        expect(
            Area::Routing,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, R),
                (Role::VendorManager, W),
                (Role::ApClerk, N),
                (Role::Receiver, W),
                (Role::VendorAdmin, W),
                (Role::Operations, W),
                (Role::Finance, N),
                (Role::ReadOnly, R),
            ],
        );
    }

    #[test]
    fn receiving_row() {
        expect(
            Area::Receiving,
            &[(Role::Admin, W), (Role::CategoryManager, R), (Role::Receiver, W), (Role::Auditor, R), (Role::Operations, R), (Role::Catalog, N)],
        );
    }

    #[test]
    fn invoices_row() {
        expect(
            Area::Invoices,
            &[
                (Role::Admin, W),
                (Role::ApClerk, W),
                (Role::Receiver, N),
                (Role::VendorAdmin, W),
                (Role::Operations, R),
                (Role::Finance, W),
                (Role::Marketing, N),
                (Role::ReadOnly, R),
            ],
        );
    }

    #[test]
    fn payments_row() {
        expect(
            Area::Payments,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, N),
                (Role::VendorManager, R),
                (Role::ApClerk, W),
                (Role::VendorAdmin, R),
                (Role::Operations, N),
                (Role::Finance, R),
                (Role::ReadOnly, R),
            ],
        );
    }

    #[test]
    fn deductions_row() {
        expect(
            Area::Deductions,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, R),
                (Role::ApClerk, W),
                (Role::Receiver, N),
                (Role::VendorAdmin, W),
                (Role::Operations, R),
                (Role::Finance, W),
                (Role::Catalog, N),
            ],
        );
    }

    #[test]
    fn returns_row() {
        expect(
            Area::Returns,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, W),
                (Role::ApClerk, R),
                (Role::Receiver, W),
                (Role::Operations, W),
                (Role::Finance, R),
                (Role::Marketing, N),
            ],
        );
    }

    #[test]
    fn deals_row() {
        expect(
            Area::Deals,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, W),
                (Role::ApClerk, N),
                (Role::Auditor, R),
                (Role::VendorAdmin, W),
                (Role::Operations, N),
                (Role::Finance, R),
                (Role::Marketing, W),
            ],
        );
    }

    #[test]
    fn forecasts_row() {
        expect(
            Area::Forecasts,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, W),
                (Role::ApClerk, N),
                (Role::Receiver, N),
                (Role::VendorAdmin, W),
                (Role::Operations, W),
                (Role::Catalog, R),
                (Role::Marketing, R),
            ],
        );
    }

    #[test]
    fn integrations_row() {
        expect(
            Area::Integrations,
            &[
                (Role::Admin, W),
                (Role::CategoryManager, N),
                (Role::ApClerk, N),
                (Role::Auditor, R),
                (Role::VendorAdmin, W),
                (Role::Operations, N),
                (Role::ReadOnly, N),
            ],
        );
    }

    #[test]
    fn audit_row() {
        expect(
            Area::Audit,
            &[
                (Role::Admin, R),
                (Role::CategoryManager, R),
                (Role::VendorManager, R),
                (Role::ApClerk, R),
                (Role::Receiver, N),
                (Role::Auditor, R),
                (Role::VendorAdmin, R),
                (Role::Operations, N),
                (Role::Finance, N),
                (Role::ReadOnly, N),
            ],
        );
    }

    #[test]
    fn nobody_writes_the_audit_log() {
        for &role in Role::ALL {
            assert!(!access(role, Area::Audit).can_write(), "{role}");
        }
    }

    #[test]
    fn vendor_roles_never_write_vendors_facilities_or_terms() {
        for &role in Role::VENDOR {
            for area in [Area::Vendors, Area::Facilities, Area::Terms] {
                assert_eq!(access(role, area), R, "{role} on {area}");
            }
        }
    }

    #[test]
    fn only_retailer_roles_write_purchase_orders() {
        let writers: Vec<Role> = Role::ALL.iter().copied().filter(|&r| access(r, Area::PurchaseOrders) == W).collect();
        assert_eq!(writers, vec![Role::Admin, Role::CategoryManager]);
        assert!(writers.iter().all(|r| r.is_retailer()));
    }

    #[test]
    fn auditor_is_read_only_everywhere_it_reads() {
        for &area in Area::ALL {
            assert_eq!(access(Role::Auditor, area), R, "{area}");
        }
    }

    #[test]
    fn best_access_is_the_max_over_roles() {
        assert_eq!(best_access(&[], Area::Items), N);
        assert_eq!(best_access(&[Role::ReadOnly], Area::Items), R);
        assert_eq!(best_access(&[Role::ReadOnly, Role::Catalog], Area::Items), W);
        assert_eq!(best_access(&[Role::Marketing, Role::Finance], Area::Invoices), W);
        assert_eq!(best_access(&[Role::Catalog, Role::Marketing], Area::Payments), N);
    }

    #[test]
    fn client_scopes_grant_the_best_vendor_access() {
        let scopes = [Area::PurchaseOrders, Area::Acknowledgements, Area::Vendors];
        assert_eq!(client_access(&scopes, Area::PurchaseOrders), R);
        assert_eq!(client_access(&scopes, Area::Acknowledgements), W);
        assert_eq!(client_access(&scopes, Area::Vendors), R);
        assert_eq!(client_access(&scopes, Area::Invoices), N);
        assert_eq!(client_access(&[], Area::Items), N);
        assert_eq!(client_access(&[Area::Integrations], Area::Integrations), W);
        assert_eq!(client_access(&[Area::Audit], Area::Audit), R);
    }

    #[test]
    fn access_is_ordered() {
        assert!(N < R && R < W);
        assert!(R.can_read() && !R.can_write() && W.can_write() && !N.can_read());
    }

    #[test]
    fn role_names_round_trip_and_partition() {
        assert_eq!(Role::ALL.len(), 12);
        for &role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
            assert_ne!(role.is_retailer(), role.is_vendor(), "{role}");
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::RETAILER.len() + Role::VENDOR.len(), Role::ALL.len());
        assert_eq!(Role::ApClerk.as_str(), "ap_clerk");
        assert_eq!(Role::ReadOnly.as_str(), "read_only");
        let err = "superuser".parse::<Role>().unwrap_err().to_string();
        assert!(err.contains("`superuser`"), "{err}");
        assert!(err.contains("category_manager") && err.contains("read_only"), "{err}");
    }

    #[test]
    fn area_names_round_trip() {
        assert_eq!(Area::ALL.len(), 17);
        for &area in Area::ALL {
            assert_eq!(area.as_str().parse::<Area>().unwrap(), area);
            let json = serde_json::to_string(&area).unwrap();
            assert_eq!(json, format!("\"{}\"", area.as_str()));
        }
        assert_eq!(Area::PurchaseOrders.as_str(), "purchase_orders");
        assert_eq!(Area::VendorUsers.as_str(), "vendor_users");
        let err = "Vendors".parse::<Area>().unwrap_err().to_string();
        assert!(err.contains("`Vendors`") && err.contains("integrations"), "{err}");
    }
}
