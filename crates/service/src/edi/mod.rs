//! The EDI gateway: the use cases that connect the `acorn-edi` engine to ACORN.
//!
//! - [`partners`]: each vendor's trading-partner settings (ids, version, delimiters, 997 or 999,
//!   test or production, "EDI live").
//! - [`intake`]: an interchange in (HTTP upload or drop directory) → deduplicate → validate →
//!   apply each accepted document through the same service rules as the portal and the API →
//!   acknowledge → log.
//! - [`log`]: the EDI log (received, sent, acknowledgements, errors, raw bytes) and reported stock.
//! - [`dropdir`]: the watched drop directories (a complete file is claimed, received, moved on).
//! - [`files`]: the per-partner directories under `<data-dir>/edi/<VENDOR>/` (inbox, processed,
//!   error, outbox) and the rule that decides when a dropped file is complete.
//!
//! Inbound documents act for the vendor as an API client named `edi:<VENDOR>` would, so every rule,
//! authorisation check and audit record is the one a vendor's own integration gets.

pub mod acks;
pub mod apply;
pub mod dropdir;
pub mod engine;
pub mod files;
pub mod intake;
pub mod log;
pub mod outbound;
pub mod partners;

use acorn_domain::edi::TradingPartner;
use acorn_domain::people::ApiClient;
use acorn_domain::policy::Area;

use crate::{Ctx, Principal};

/// The largest interchange accepted (uploads and dropped files).
pub const MAX_INTERCHANGE_BYTES: usize = 64 * 1024 * 1024;

/// The audit object type of interchanges.
pub const OBJECT_TYPE: &str = "edi_interchange";

/// The principal inbound documents act as: the vendor's EDI connection, with the areas EDI carries.
pub fn edi_ctx(partner: &TradingPartner, request_id: &str) -> Ctx {
    let client = ApiClient {
        id: partner.tenant.0,
        tenant_id: partner.tenant,
        client_id: format!("edi:{}", partner.vendor_code),
        name: format!("EDI {}", partner.vendor_code),
        scopes: vec![Area::PurchaseOrders, Area::Acknowledgements, Area::Routing, Area::Invoices, Area::Payments, Area::Items, Area::Integrations],
        created_at: partner.created_at,
        disabled_at: None,
    };
    Ctx::new(Principal::Client(client), request_id, "edi")
}

#[cfg(test)]
mod send_check {
    use super::*;
    fn is_send<T: Send>(_: T) {}
    #[allow(dead_code)]
    fn futures_are_send(
        s: &crate::Services,
        ctx: &Ctx,
        p: &TradingPartner,
        r: &acorn_domain::edi::Interchange,
        v: &acorn_edi::Validation,
        d: &acorn_edi::Detected,
    ) {
        is_send(s.receive_edi(ctx, p.tenant, Vec::new(), acorn_domain::edi::Source::Upload, "x"));
        is_send(s.acknowledge_interchange(ctx, p, r, v));
        is_send(s.apply_sets(ctx, p, r, b"", v, d));
        is_send(s.apply_set(ctx, p, r, "855", &[]));
        is_send(s.send_edi_documents());
    }
}
