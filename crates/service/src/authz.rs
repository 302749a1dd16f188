//! Authorisation, decided here once per use case: principal × role × tenant × object.
//!
//! The order matters: first the role (403 when the principal's role has no such access, which says
//! nothing about any object), then the tenant (another vendor's object answers exactly like a missing
//! one: 404 with the same body), then the object itself.

use crate::context::Ctx;
use crate::error::ServiceError;
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};

/// Checks that the principal may `need` in `area` at all.
pub fn require(ctx: &Ctx, area: Area, need: Access) -> Result<(), ServiceError> {
    if matches!(ctx.principal, crate::Principal::Anonymous) {
        return Err(ServiceError::Unauthenticated("sign in first"));
    }
    if ctx.principal.access(area) >= need { Ok(()) } else { Err(ServiceError::Forbidden) }
}

/// Checks role access and that the principal is on the retailer's side: for verbs of an area only the
/// retailer uses although vendor roles may write in it (vendors commit to forecasts; only the
/// retailer records its own sales or sets its planning parameters). A vendor gets 403, like a role
/// without the access.
pub fn require_retailer(ctx: &Ctx, area: Area, need: Access) -> Result<(), ServiceError> {
    require(ctx, area, need)?;
    if ctx.principal.is_retailer_side() { Ok(()) } else { Err(ServiceError::Forbidden) }
}

/// Checks role access and that the principal acts for a vendor: for verbs only a vendor uses although
/// retailer roles may write in the area (a vendor commits to a replenishment suggestion or proposes a
/// VMI order; the buyer decides). Retailer staff get 403, like a role without the access.
pub fn require_vendor(ctx: &Ctx, area: Area, need: Access) -> Result<(), ServiceError> {
    require(ctx, area, need)?;
    if ctx.principal.is_retailer_side() { Err(ServiceError::Forbidden) } else { Ok(()) }
}

/// Checks role access and that an object owned by `owner` is visible to the principal; `what` names
/// the object in the not-found error.
pub fn require_object(ctx: &Ctx, area: Area, need: Access, owner: TenantId, what: &'static str) -> Result<(), ServiceError> {
    require(ctx, area, need)?;
    if visible(ctx, owner) { Ok(()) } else { Err(ServiceError::NotFound(what)) }
}

/// Whether objects of `owner` are visible to the principal: retailer staff see every tenant, a
/// vendor's people and clients only their own.
pub fn visible(ctx: &Ctx, owner: TenantId) -> bool {
    ctx.principal.is_retailer_side() || ctx.principal.tenant() == owner
}

/// The tenant a list is restricted to: `None` (all) for the retailer side, the principal's own
/// tenant otherwise — never a tenant taken from the request.
pub fn list_scope(ctx: &Ctx) -> Option<TenantId> {
    if ctx.principal.is_retailer_side() { None } else { Some(ctx.principal.tenant()) }
}
