//! Who is asking, for which request: the principal every use case authorises, and the request
//! metadata the audit record carries.

use acorn_domain::ids::TenantId;
use acorn_domain::people::{ApiClient, User};
use acorn_domain::policy::{Access, Area, best_access, client_access};

/// The authenticated party behind a call.
#[derive(Clone, Debug)]
pub enum Principal {
    /// A person, signed in with password and second factor.
    User(User),
    /// A vendor's API client (LWA-style token).
    Client(ApiClient),
    /// The operator at the command line, or a background job: trusted, acts for the retailer.
    System(String),
    /// Nobody yet (login, password reset, set-up links).
    Anonymous,
}

impl Principal {
    /// The tenant the principal belongs to: a vendor, or the retailer.
    pub fn tenant(&self) -> TenantId {
        match self {
            Principal::User(u) => u.tenant_id,
            Principal::Client(c) => c.tenant_id,
            Principal::System(_) | Principal::Anonymous => TenantId::RETAILER,
        }
    }

    /// Whether this principal sees every tenant (retailer staff, operators, jobs).
    pub fn is_retailer_side(&self) -> bool {
        match self {
            Principal::User(u) => u.tenant_id.is_retailer(),
            Principal::Client(_) | Principal::Anonymous => false,
            Principal::System(_) => true,
        }
    }

    /// What the principal may do in an area, before looking at any object.
    pub fn access(&self, area: Area) -> Access {
        match self {
            Principal::User(u) => best_access(&u.roles, area),
            Principal::Client(c) => client_access(&c.scopes, area),
            Principal::System(_) => Access::Write,
            Principal::Anonymous => Access::None,
        }
    }

    /// How the audit log names the actor.
    pub fn actor(&self) -> String {
        match self {
            Principal::User(u) => format!("user:{}", u.email),
            Principal::Client(c) => format!("client:{}", c.client_id),
            Principal::System(name) => format!("system:{name}"),
            Principal::Anonymous => "anonymous".to_string(),
        }
    }
}

/// One call into the use cases.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub principal: Principal,
    pub request_id: String,
    pub source_ip: String,
    /// The request's idempotency key, when it carries one: its mutation marks the key executed in
    /// the same transaction.
    pub idempotency: Option<crate::idempotency::KeyClaim>,
}

impl Ctx {
    pub fn new(principal: Principal, request_id: impl Into<String>, source_ip: impl Into<String>) -> Ctx {
        Ctx { principal, request_id: request_id.into(), source_ip: source_ip.into(), idempotency: None }
    }

    /// The operator at the command line.
    pub fn cli() -> Ctx {
        let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
        Ctx::new(Principal::System(format!("cli:{who}")), acorn_domain::ids::new_id().to_string(), "local")
    }

    /// A background job.
    pub fn job(name: &str) -> Ctx {
        Ctx::new(Principal::System(format!("job:{name}")), acorn_domain::ids::new_id().to_string(), "local")
    }

    pub fn anonymous(request_id: impl Into<String>, source_ip: impl Into<String>) -> Ctx {
        Ctx::new(Principal::Anonymous, request_id, source_ip)
    }
}
