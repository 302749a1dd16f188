//! The EDI gateway: the use cases that connect the `acorn-edi` engine to ACORN.
//!
//! - [`partners`]: each vendor's trading-partner settings (ids, version, delimiters, 997 or 999,
//!   test or production, "EDI live").
//! - [`intake`]: an interchange in (HTTP upload or drop directory) → deduplicate → validate →
//!   apply each accepted document through the same service rules as the portal and the API →
//!   acknowledge → log.
//! - [`log`]: the EDI log (received, sent, acknowledgements, errors, raw bytes) and reported stock.
//! - [`files`]: the per-partner directories under `<data-dir>/edi/<VENDOR>/` (inbox, processed,
//!   error, outbox) and the rule that decides when a dropped file is complete.
//!
//! Inbound documents act for the vendor as an API client named `edi:<VENDOR>` would, so every rule,
//! authorisation check and audit record is the one a vendor's own integration gets.

pub mod files;
pub mod log;
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
