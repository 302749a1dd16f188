//! Business events: facts other parties react to (PO created, ack submitted, truck checked in…),
//! written to the outbox in the transaction that caused them. They feed the in-app notification
//! bell and, later, webhooks; `audience` says which side of the trade is told.

use crate::ids::TenantId;
use crate::text_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

text_enum! {
    /// Which side is told about an event.
    pub enum Audience { Vendor = "vendor", Retailer = "retailer", Both = "both" }
}

impl Audience {
    /// Whether a principal on the retailer side (or not) hears events for this audience.
    pub fn reaches(self, retailer_side: bool) -> bool {
        match self {
            Audience::Both => true,
            Audience::Vendor => !retailer_side,
            Audience::Retailer => retailer_side,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: Uuid,
    /// The vendor the event is about.
    pub tenant: TenantId,
    /// Dotted name, e.g. `po.created`, `ack.submitted`.
    pub kind: String,
    pub object_type: String,
    pub object_id: String,
    /// One line for the bell, in English (trade documents stay in English).
    pub summary: String,
    /// Portal path of the object.
    pub link: String,
    pub audience: Audience,
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}
