//! ACORN's pure business domain: identifiers, master data and people, the authorisation policy, keyset paging, the audit hash chain and input
//! validation — the rules of DOMAIN.md, each tested beside its code.
//!
//! This crate does no IO and has no async, HTTP or SQL in it, so every other crate (store, service,
//! edi, forecast, web) can depend on it and every rule can be tested in microseconds. Later modules
//! (money, GTIN/SSCC, state machines, matching, fees, KPIs) join these.

pub mod ack;
pub mod asn;
pub mod audit;
pub mod calendar;
pub mod deductions;
pub mod defects;
pub mod dock;
pub mod edi;
pub mod events;
pub mod forecast;
pub mod gs1;
pub mod ids;
pub mod invoices;
pub mod items;
pub mod master;
pub mod matching;
pub mod money;
pub mod orders;
pub mod paging;
pub mod payments;
pub mod people;
pub mod policy;
pub mod receiving;
pub mod returns;
pub mod shipments;
pub mod terms;
pub mod text_enum;
pub mod time;
pub mod validate;

pub use audit::{Anchor, AuditRecord, ChainProblem, GENESIS_HASH, VerifiedChain, compute_hash, seal, verify_chain};
pub use ids::{TenantId, new_id};
pub use policy::{Access, Area, Role, access, best_access, client_access};
pub use validate::{FieldIssue, Issues};
