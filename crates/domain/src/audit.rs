//! The audit hash chain: the record, its canonical encoding and hash, anchors, and chain verification.
//!
//! There is one chain per tenant (the retailer's own tenant carries retailer-level events), so tenants
//! never queue behind each other when appending. Each record's hash covers every field of the record,
//! including its tenant, its sequence number and the previous record's hash, so editing, deleting,
//! inserting or reordering records breaks the chain. A writer with database access could recompute
//! the whole tail, which is why chain heads are anchored outside the database: anything before the
//! last anchor is caught; records after the last anchor are protected only by their links until the
//! next anchor is written (the documented window).
//!
//! Storing and anchoring are done elsewhere (`store`, `service`, `server`); this module is the pure part.

use std::fmt;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ids::TenantId;

/// Version of [`canonical_bytes`]. It is part of every hashed encoding, so a future encoding can
/// never collide with this one; bump it (and keep the old encoder for verifying old records) if the
/// field list or the encoding ever changes.
pub const ENCODING_VERSION: u32 = 1;

/// The `prev_hash` of the first record of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Magic prefix of the canonical encoding, so these bytes cannot be mistaken for any other hashed
/// structure in the system.
const MAGIC: &[u8] = b"acorn-audit\x00";

/// One audit record: who, acting for which tenant, when, what object, before/after, where from.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AuditRecord {
    /// The chain this record belongs to.
    pub tenant_id: TenantId,
    /// Position in the tenant's chain, starting at 1, without gaps.
    pub seq: i64,
    pub id: Uuid,
    /// When the change happened; always whole microseconds (see [`truncate_to_micros`]).
    pub at: DateTime<Utc>,
    /// Who: a user, an API client, `edi:<partner>` or `job:<name>`.
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// The object before the change; `None` for a creation (distinct from a JSON `null`).
    pub before: Option<Value>,
    /// The object after the change; `None` for a deletion (distinct from a JSON `null`).
    pub after: Option<Value>,
    pub request_id: String,
    pub source_ip: String,
    /// Lower-case hex SHA-256 of the previous record, or [`GENESIS_HASH`] for `seq` 1.
    pub prev_hash: String,
    /// Lower-case hex SHA-256 of [`canonical_bytes`] of this record.
    pub hash: String,
}

/// Truncates to whole microseconds.
///
/// The hash covers the timestamp, so the value hashed must be exactly the value stored and read back.
/// Postgres `timestamptz` keeps microseconds, so every audit timestamp is cut to microseconds before it
/// is hashed or stored; [`seal`] does this, and [`canonical_bytes`] encodes microseconds only.
pub fn truncate_to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// The versioned, unambiguous byte encoding that [`compute_hash`] hashes: every field except `hash`.
///
/// Layout: `b"acorn-audit\0"`, [`ENCODING_VERSION`] as u32 big-endian, then each field as a u32
/// big-endian byte length followed by that many UTF-8 bytes, in this order: tenant_id, seq, id, at,
/// actor, action, object_type, object_id, before, after, request_id, source_ip, prev_hash.
/// Length prefixes make the encoding unambiguous whatever the fields contain.
///
/// - UUIDs are lower-case hyphenated; `seq` is decimal.
/// - `at` is RFC 3339 in UTC with exactly six fractional digits and `Z`.
/// - `before` / `after` are [`canonical_json`]; an absent value is a zero-length field, which no JSON
///   text (not even `null`) can be, so "absent" and "JSON null" hash differently.
pub fn canonical_bytes(r: &AuditRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&ENCODING_VERSION.to_be_bytes());

    let before = r.before.as_ref().map(canonical_json).unwrap_or_default();
    let after = r.after.as_ref().map(canonical_json).unwrap_or_default();
    let fields: [&str; 13] = [
        &r.tenant_id.0.hyphenated().to_string(),
        &r.seq.to_string(),
        &r.id.hyphenated().to_string(),
        &format_timestamp(r.at),
        &r.actor,
        &r.action,
        &r.object_type,
        &r.object_id,
        &before,
        &after,
        &r.request_id,
        &r.source_ip,
        &r.prev_hash,
    ];
    for field in fields {
        let len = u32::try_from(field.len()).expect("audit field longer than 4 GiB");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

/// RFC 3339, UTC, microseconds, `Z` — e.g. `2025-03-01T12:00:00.000000Z`.
fn format_timestamp(t: DateTime<Utc>) -> String {
    truncate_to_micros(t).to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Canonical JSON text: object keys sorted (by their UTF-8 bytes) at every depth, no whitespace,
/// strings escaped as serde_json escapes them, numbers as serde_json prints them.
///
/// Keys are sorted here rather than relying on `serde_json::Map` order, because another crate in the
/// build may enable serde_json's `preserve_order` feature. The stored before/after must read back as
/// the same `Value` (store JSON as text; a `jsonb` column may rewrite numbers such as `1e2`).
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical_json(v, &mut out);
    out
}

fn write_canonical_json(v: &Value, out: &mut String) {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            // Scalars: serde_json's compact output is already deterministic.
            out.push_str(&v.to_string());
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical_json(value, out);
            }
            out.push('}');
        }
    }
}

/// Lower-case hex SHA-256 of [`canonical_bytes`].
pub fn compute_hash(r: &AuditRecord) -> String {
    hex::encode(Sha256::digest(canonical_bytes(r)))
}

/// Links `r` after a record whose hash is `prev_hash` ([`GENESIS_HASH`] for the first record) and sets
/// its hash. `at` is truncated to microseconds first so the stored record verifies after a round trip.
/// The caller sets `tenant_id` and `seq` (previous seq + 1) before sealing.
pub fn seal(mut r: AuditRecord, prev_hash: &str) -> AuditRecord {
    r.at = truncate_to_micros(r.at);
    r.prev_hash = prev_hash.to_string();
    r.hash = compute_hash(&r);
    r
}

/// A chain head recorded outside the database: "tenant T's record `seq` had hash `hash`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub tenant_id: TenantId,
    pub seq: i64,
    pub hash: String,
    pub anchored_at: DateTime<Utc>,
}

/// The first thing wrong with a tenant's chain. `seq` is the first broken record (see
/// [`ChainProblem::seq`] for gaps).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainProblem {
    /// The record's contents do not produce its stored hash: it was edited.
    BadHash { tenant: TenantId, seq: i64 },
    /// The record's `prev_hash` is not the hash of the record before it: a record before it was
    /// removed, replaced or rewritten.
    BrokenLink { tenant: TenantId, seq: i64 },
    /// The records do not run 1, 2, 3, …: `expected_seq` was due, `found_seq` came instead. A higher
    /// `found_seq` means records are missing; a lower one means a record is repeated or out of order.
    Gap { tenant: TenantId, expected_seq: i64, found_seq: i64 },
    /// The record at an anchored position does not have the anchored hash: the chain was rewritten
    /// up to here.
    AnchorMismatch { tenant: TenantId, seq: i64 },
    /// The chain ends before an anchored position: records from `seq` through at least
    /// `anchored_seq` were removed.
    MissingAnchoredRecord { tenant: TenantId, seq: i64, anchored_seq: i64 },
    /// The record at `seq` carries another tenant's id: it was moved in from another chain.
    ForeignRecord { tenant: TenantId, seq: i64, found_tenant: TenantId },
}

impl ChainProblem {
    /// The tenant whose chain is broken.
    pub fn tenant(&self) -> TenantId {
        match *self {
            ChainProblem::BadHash { tenant, .. }
            | ChainProblem::BrokenLink { tenant, .. }
            | ChainProblem::Gap { tenant, .. }
            | ChainProblem::AnchorMismatch { tenant, .. }
            | ChainProblem::MissingAnchoredRecord { tenant, .. }
            | ChainProblem::ForeignRecord { tenant, .. } => tenant,
        }
    }

    /// The sequence number of the first broken record. For a gap that is the lower of the expected
    /// and found numbers: the first missing record, or the record that appears twice / out of order.
    pub fn seq(&self) -> i64 {
        match *self {
            ChainProblem::BadHash { seq, .. }
            | ChainProblem::BrokenLink { seq, .. }
            | ChainProblem::AnchorMismatch { seq, .. }
            | ChainProblem::MissingAnchoredRecord { seq, .. }
            | ChainProblem::ForeignRecord { seq, .. } => seq,
            ChainProblem::Gap { expected_seq, found_seq, .. } => expected_seq.min(found_seq),
        }
    }
}

/// "tenant <uuid>" or "the retailer tenant (<uuid>)", for messages an operator reads.
struct TenantName(TenantId);

impl fmt::Display for TenantName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_retailer() { write!(f, "the retailer tenant ({})", self.0) } else { write!(f, "tenant {}", self.0) }
    }
}

impl fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = TenantName(self.tenant());
        match *self {
            ChainProblem::BadHash { seq, .. } => write!(
                f,
                "audit chain of {who} is broken at record {seq}: its contents do not match its hash \
                 (the record was changed)"
            ),
            ChainProblem::BrokenLink { seq, .. } => write!(
                f,
                "audit chain of {who} is broken at record {seq}: it does not link to the record \
                 before it (a record before it was removed, replaced or rewritten)"
            ),
            ChainProblem::Gap { expected_seq, found_seq, .. } if found_seq > expected_seq => write!(
                f,
                "audit chain of {who} is broken at record {expected_seq}: it is missing \
                 (the next record present is {found_seq})"
            ),
            ChainProblem::Gap { expected_seq, found_seq, .. } => write!(
                f,
                "audit chain of {who} is broken at record {found_seq}: it appears again or out of \
                 order where record {expected_seq} was expected"
            ),
            ChainProblem::AnchorMismatch { seq, .. } => write!(
                f,
                "audit chain of {who} is broken at record {seq}: its hash differs from the anchored \
                 hash (the chain was rewritten up to this record)"
            ),
            ChainProblem::MissingAnchoredRecord { seq, anchored_seq, .. } => write!(
                f,
                "audit chain of {who} is broken at record {seq}: the chain ends before it, but an \
                 anchor covers records through {anchored_seq} (records were removed)"
            ),
            ChainProblem::ForeignRecord { seq, found_tenant, .. } => write!(
                f,
                "audit chain of {who} is broken at record {seq}: the record belongs to tenant \
                 {found_tenant}"
            ),
        }
    }
}

impl std::error::Error for ChainProblem {}

/// What a successful verification covered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifiedChain {
    /// Number of records checked.
    pub records: usize,
    /// The last record's seq (0 for an empty chain).
    pub head_seq: i64,
    /// The last record's hash ([`GENESIS_HASH`] for an empty chain).
    pub head_hash: String,
    /// The highest anchored seq that was checked (0 without anchors). Records after it are protected
    /// only by their links.
    pub anchored_through: i64,
}

/// Recomputes `tenant`'s chain and compares it with the anchors; reports the first broken record.
///
/// `records` must be the tenant's whole chain ordered by `seq` ascending (seq starts at 1). `anchors`
/// are this tenant's anchors in any order; anchors of other tenants are ignored, so a whole anchor
/// file may be passed.
///
/// Records are checked in order, and for each one: its position (gaps, repeats), its tenant, its own
/// hash, its link to the previous record, then any anchor at its seq. Stopping at the first failure
/// makes the reported record the earliest broken one. Finally, an anchor beyond the last record means
/// the tail was cut off.
pub fn verify_chain(tenant: TenantId, records: &[AuditRecord], anchors: &[Anchor]) -> Result<VerifiedChain, ChainProblem> {
    let mut anchors: Vec<&Anchor> = anchors.iter().filter(|a| a.tenant_id == tenant).collect();
    anchors.sort_by_key(|a| a.seq);
    let mut next_anchor = anchors.iter().peekable();

    let mut prev_hash = GENESIS_HASH;
    let mut head_seq = 0i64;
    for (i, r) in records.iter().enumerate() {
        let expected_seq = i as i64 + 1;
        if r.seq != expected_seq {
            return Err(ChainProblem::Gap { tenant, expected_seq, found_seq: r.seq });
        }
        if r.tenant_id != tenant {
            return Err(ChainProblem::ForeignRecord { tenant, seq: r.seq, found_tenant: r.tenant_id });
        }
        if compute_hash(r) != r.hash {
            return Err(ChainProblem::BadHash { tenant, seq: r.seq });
        }
        if r.prev_hash != prev_hash {
            return Err(ChainProblem::BrokenLink { tenant, seq: r.seq });
        }
        // Anchors at or below this seq; several anchors may name the same seq.
        while let Some(anchor) = next_anchor.next_if(|a| a.seq <= r.seq) {
            // An anchor below 1 names no record; any other anchor below r.seq was already met.
            if anchor.seq == r.seq && anchor.hash != r.hash {
                return Err(ChainProblem::AnchorMismatch { tenant, seq: r.seq });
            }
        }
        prev_hash = &r.hash;
        head_seq = r.seq;
    }

    if let Some(last) = anchors.last().filter(|a| a.seq > head_seq) {
        return Err(ChainProblem::MissingAnchoredRecord { tenant, seq: head_seq + 1, anchored_seq: last.seq });
    }

    Ok(VerifiedChain { records: records.len(), head_seq, head_hash: prev_hash.to_string(), anchored_through: anchors.last().map_or(0, |a| a.seq.max(0)) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use serde_json::json;

    fn tenant() -> TenantId {
        TenantId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001))
    }

    /// An unsealed record with deterministic contents derived from `n`.
    fn draft(tenant: TenantId, seq: i64, n: u64) -> AuditRecord {
        let base = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap();
        AuditRecord {
            tenant_id: tenant,
            seq,
            id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | u128::from(n)),
            at: base + chrono::Duration::nanoseconds(n as i64 * 1_234_567_891),
            actor: format!("user:{n}"),
            action: if n.is_multiple_of(3) { "create" } else { "update" }.to_string(),
            object_type: "purchase_order".to_string(),
            object_id: format!("PO-{n:06}"),
            before: (!n.is_multiple_of(3)).then(|| json!({"state": "open", "qty": n, "lines": [1, 2]})),
            after: Some(json!({"qty": n + 1, "state": "acknowledged", "note": null})),
            request_id: format!("req-{n}"),
            source_ip: "192.0.2.10".to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn chain_for(tenant: TenantId, len: usize, salt: u64) -> Vec<AuditRecord> {
        let mut out: Vec<AuditRecord> = Vec::with_capacity(len);
        for i in 0..len {
            let prev = out.last().map_or(GENESIS_HASH, |r| r.hash.as_str()).to_string();
            out.push(seal(draft(tenant, i as i64 + 1, salt + i as u64), &prev));
        }
        out
    }

    fn chain(len: usize) -> Vec<AuditRecord> {
        chain_for(tenant(), len, 0)
    }

    fn anchor(r: &AuditRecord) -> Anchor {
        Anchor { tenant_id: r.tenant_id, seq: r.seq, hash: r.hash.clone(), anchored_at: r.at }
    }

    fn verify(records: &[AuditRecord], anchors: &[Anchor]) -> Result<VerifiedChain, ChainProblem> {
        verify_chain(tenant(), records, anchors)
    }

    #[test]
    fn genesis_is_64_zeros() {
        assert_eq!(GENESIS_HASH.len(), 64);
        assert!(GENESIS_HASH.bytes().all(|b| b == b'0'));
    }

    #[test]
    fn canonical_bytes_layout() {
        let r = seal(draft(tenant(), 1, 0), GENESIS_HASH);
        let bytes = canonical_bytes(&r);
        assert!(bytes.starts_with(b"acorn-audit\x00\x00\x00\x00\x01"));
        // First field: the tenant id as a 36-byte hyphenated UUID.
        assert_eq!(&bytes[16..20], &36u32.to_be_bytes());
        assert_eq!(&bytes[20..56], tenant().0.to_string().as_bytes());
        // Then seq "1".
        assert_eq!(&bytes[56..60], &1u32.to_be_bytes());
        assert_eq!(&bytes[60..61], b"1");
        // The hash itself is not encoded.
        let mut other = r.clone();
        other.hash = "x".repeat(64);
        assert_eq!(canonical_bytes(&other), bytes);
    }

    #[test]
    fn timestamps_are_rfc3339_micros_z() {
        let t = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap() + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(format_timestamp(t), "2025-03-01T12:00:00.123456Z");
        assert_eq!(format_timestamp(Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap()), "2025-03-01T12:00:00.000000Z");
        let cut = truncate_to_micros(t);
        assert_eq!(cut.timestamp_subsec_nanos(), 123_456_000);
        assert_eq!(truncate_to_micros(cut), cut);
    }

    #[test]
    fn seal_truncates_at_and_survives_a_json_round_trip() {
        let r = seal(draft(tenant(), 1, 7), GENESIS_HASH);
        assert_eq!(r.at.timestamp_subsec_nanos() % 1000, 0);
        assert_eq!(r.prev_hash, GENESIS_HASH);
        assert_eq!(r.hash, compute_hash(&r));
        assert_eq!(r.hash.len(), 64);
        let back: AuditRecord = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
        assert_eq!(compute_hash(&back), r.hash);
    }

    #[test]
    fn canonical_json_sorts_keys_recursively_without_whitespace() {
        let v = json!({"b": 1, "a": {"z": [true, null, "x\"y"], "m": 2.5}, "A": "é"});
        assert_eq!(canonical_json(&v), r#"{"A":"é","a":{"m":2.5,"z":[true,null,"x\"y"]},"b":1}"#);
        let reordered: Value = serde_json::from_str(r#"{ "A":"é", "b":1, "a":{"m":2.5, "z":[true,null,"x\"y"]} }"#).unwrap();
        assert_eq!(canonical_json(&reordered), canonical_json(&v));
    }

    #[test]
    fn absent_before_differs_from_json_null() {
        let mut a = draft(tenant(), 1, 1);
        a.before = None;
        let mut b = a.clone();
        b.before = Some(Value::Null);
        let mut c = a.clone();
        c.before = Some(json!(""));
        assert_ne!(compute_hash(&a), compute_hash(&b));
        assert_ne!(compute_hash(&a), compute_hash(&c));
        assert_ne!(compute_hash(&b), compute_hash(&c));
    }

    #[test]
    fn field_boundaries_are_unambiguous() {
        let mut a = draft(tenant(), 1, 1);
        a.actor = "ab".into();
        a.action = "c".into();
        let mut b = a.clone();
        b.actor = "a".into();
        b.action = "bc".into();
        assert_ne!(compute_hash(&a), compute_hash(&b));
    }

    #[test]
    fn every_field_but_hash_is_covered() {
        let r = seal(draft(tenant(), 2, 4), &"ab".repeat(32));
        let h = compute_hash(&r);
        let edits: Vec<fn(&mut AuditRecord)> = vec![
            |r| r.tenant_id = TenantId::RETAILER,
            |r| r.seq += 1,
            |r| r.id = Uuid::nil(),
            |r| r.at += chrono::Duration::microseconds(1),
            |r| r.actor.push('x'),
            |r| r.action.push('x'),
            |r| r.object_type.push('x'),
            |r| r.object_id.push('x'),
            |r| r.before = None,
            |r| r.after = Some(json!({"qty": 0})),
            |r| r.request_id.push('x'),
            |r| r.source_ip = "198.51.100.1".into(),
            |r| r.prev_hash = GENESIS_HASH.into(),
        ];
        for (i, edit) in edits.into_iter().enumerate() {
            let mut e = r.clone();
            edit(&mut e);
            assert_ne!(compute_hash(&e), h, "edit {i} not covered by the hash");
        }
    }

    #[test]
    fn empty_chain_verifies() {
        let v = verify(&[], &[]).unwrap();
        assert_eq!(v, VerifiedChain { records: 0, head_seq: 0, head_hash: GENESIS_HASH.into(), anchored_through: 0 });
    }

    #[test]
    fn good_chain_verifies_with_anchors() {
        let c = chain(10);
        let anchors = [anchor(&c[3]), anchor(&c[9]), anchor(&c[6])];
        let v = verify(&c, &anchors).unwrap();
        assert_eq!(v.records, 10);
        assert_eq!(v.head_seq, 10);
        assert_eq!(v.head_hash, c[9].hash);
        assert_eq!(v.anchored_through, 10);
    }

    #[test]
    fn other_tenants_anchors_are_ignored() {
        let c = chain(3);
        let mut foreign = anchor(&c[1]);
        foreign.tenant_id = TenantId::RETAILER;
        foreign.seq = 99;
        assert_eq!(verify(&c, &[foreign]).unwrap().anchored_through, 0);
    }

    #[test]
    fn edited_record_is_a_bad_hash() {
        let mut c = chain(5);
        c[2].object_id = "PO-EVIL".into();
        let err = verify(&c, &[]).unwrap_err();
        assert_eq!(err, ChainProblem::BadHash { tenant: tenant(), seq: 3 });
        let msg = err.to_string();
        assert!(msg.contains(&tenant().to_string()) && msg.contains("record 3"), "{msg}");
    }

    #[test]
    fn resealed_edit_breaks_the_next_link_or_the_anchor() {
        let mut c = chain(5);
        c[2].actor = "user:mallory".into();
        let prev = c[1].hash.clone();
        c[2] = seal(c[2].clone(), &prev);
        assert_eq!(verify(&c, &[]).unwrap_err(), ChainProblem::BrokenLink { tenant: tenant(), seq: 4 });
        // Rewriting the whole tail is caught only by an anchor.
        for i in 3..5 {
            let prev = c[i - 1].hash.clone();
            c[i] = seal(c[i].clone(), &prev);
        }
        assert!(verify(&c, &[]).is_ok());
        let original = chain(5);
        assert_eq!(verify(&c, &[anchor(&original[3])]).unwrap_err(), ChainProblem::AnchorMismatch { tenant: tenant(), seq: 4 });
    }

    #[test]
    fn deleted_record_is_a_gap() {
        let mut c = chain(5);
        c.remove(1);
        let err = verify(&c, &[]).unwrap_err();
        assert_eq!(err, ChainProblem::Gap { tenant: tenant(), expected_seq: 2, found_seq: 3 });
        assert_eq!(err.seq(), 2);
        assert!(err.to_string().contains("record 2"), "{err}");
    }

    #[test]
    fn deleted_and_renumbered_is_a_bad_hash() {
        let mut c = chain(5);
        c.remove(1);
        for (i, r) in c.iter_mut().enumerate() {
            r.seq = i as i64 + 1;
        }
        assert_eq!(verify(&c, &[]).unwrap_err(), ChainProblem::BadHash { tenant: tenant(), seq: 2 });
    }

    #[test]
    fn swapped_records_are_out_of_order() {
        let mut c = chain(5);
        c.swap(1, 2);
        let err = verify(&c, &[]).unwrap_err();
        assert_eq!(err.seq(), 2);
        assert!(matches!(err, ChainProblem::Gap { .. }));
    }

    #[test]
    fn truncated_tail_before_anchor_is_missing() {
        let c = chain(6);
        let anchors = [anchor(&c[5])];
        let err = verify(&c[..4], &anchors).unwrap_err();
        assert_eq!(err, ChainProblem::MissingAnchoredRecord { tenant: tenant(), seq: 5, anchored_seq: 6 });
        assert!(err.to_string().contains("record 5"), "{err}");
        assert_eq!(verify(&[], &anchors).unwrap_err().seq(), 1, "a fully emptied chain is caught too");
        // Truncation after the last anchor is the documented window.
        assert!(verify(&c[..4], &[anchor(&c[2])]).is_ok());
    }

    #[test]
    fn foreign_record_is_named() {
        let mut c = chain(3);
        let other = TenantId(Uuid::from_u128(42));
        let moved = chain_for(other, 2, 100);
        c[1] = moved[1].clone();
        let err = verify(&c, &[]).unwrap_err();
        assert_eq!(err, ChainProblem::ForeignRecord { tenant: tenant(), seq: 2, found_tenant: other });
    }

    #[test]
    fn retailer_chain_is_named_as_such() {
        let mut c = chain_for(TenantId::RETAILER, 2, 0);
        c[0].actor = "x".into();
        let err = verify_chain(TenantId::RETAILER, &c, &[]).unwrap_err();
        assert!(err.to_string().contains("retailer tenant"), "{err}");
    }

    /// The ways an attacker with write access to the table can change a chain.
    #[derive(Clone, Debug)]
    enum Tamper {
        /// Change a field, leave the hash.
        Edit,
        /// Change a field and recompute that record's hash.
        EditResealed,
        /// Change a field and recompute every hash from there to the end.
        RewriteTail,
        Delete,
        /// Insert a properly sealed forged record at `k`, keeping the later records as they are.
        Insert,
        /// Swap records `k` and `k + 1`.
        Swap,
        /// Swap the contents of `k` and `k + 1` but keep their seq numbers in place.
        SwapRenumbered,
    }

    fn tamper_strategy() -> impl Strategy<Value = Tamper> {
        prop_oneof![
            Just(Tamper::Edit),
            Just(Tamper::EditResealed),
            Just(Tamper::RewriteTail),
            Just(Tamper::Delete),
            Just(Tamper::Insert),
            Just(Tamper::Swap),
            Just(Tamper::SwapRenumbered),
        ]
    }

    fn reseal_from(c: &mut [AuditRecord], from: usize) {
        for i in from..c.len() {
            let prev = if i == 0 { GENESIS_HASH.to_string() } else { c[i - 1].hash.clone() };
            c[i] = seal(c[i].clone(), &prev);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_chains_verify(
            len in 0usize..40,
            salt in any::<u32>(),
            anchor_picks in proptest::collection::vec(any::<prop::sample::Index>(), 0..5),
        ) {
            let c = chain_for(tenant(), len, u64::from(salt));
            let anchors: Vec<Anchor> = if len == 0 {
                vec![]
            } else {
                anchor_picks.iter().map(|ix| anchor(&c[ix.index(len)])).collect()
            };
            let v = verify(&c, &anchors).unwrap();
            prop_assert_eq!(v.records, len);
            prop_assert_eq!(v.head_seq, len as i64);
            prop_assert_eq!(v.anchored_through, anchors.iter().map(|a| a.seq).max().unwrap_or(0));
        }

        /// Any single tampering at or before the last anchor is detected, and the reported record is
        /// the first one whose evidence is broken: the tampered record itself when the change is
        /// visible there, otherwise the next link or the first anchor that the rewrite reaches.
        #[test]
        fn tampering_before_the_last_anchor_is_detected(
            len in 2usize..30,
            salt in any::<u32>(),
            k_pick in any::<prop::sample::Index>(),
            extra_anchor_picks in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
            last_anchor_pick in any::<prop::sample::Index>(),
            tamper in tamper_strategy(),
        ) {
            let original = chain_for(tenant(), len, u64::from(salt));
            // The last anchor is somewhere in the chain (at least record 2, so swaps fit before it);
            // more anchors may sit before it.
            let last_anchor = 2 + last_anchor_pick.index(len - 1); // 2..=len (1-based seq)
            let mut anchors = vec![anchor(&original[last_anchor - 1])];
            for ix in &extra_anchor_picks {
                anchors.push(anchor(&original[ix.index(last_anchor)]));
            }
            let anchored = |seq: usize| anchors.iter().any(|a| a.seq == seq as i64);
            let first_anchor_from = |seq: usize| {
                anchors.iter().map(|a| a.seq).filter(|&s| s >= seq as i64).min().unwrap()
            };

            // k: the 1-based seq of the tampered record, at or before the last anchor.
            let swap_like = matches!(tamper, Tamper::Swap | Tamper::SwapRenumbered);
            let k = if swap_like {
                1 + k_pick.index(last_anchor - 1) // k + 1 <= last_anchor
            } else {
                1 + k_pick.index(last_anchor)
            };
            let i = k - 1;
            let mut c = original.clone();
            let expected_seq: i64 = match tamper {
                Tamper::Edit => {
                    c[i].object_id.push_str("-EVIL");
                    k as i64
                }
                Tamper::EditResealed => {
                    c[i].object_id.push_str("-EVIL");
                    let prev = if i == 0 { GENESIS_HASH.to_string() } else { c[i - 1].hash.clone() };
                    c[i] = seal(c[i].clone(), &prev);
                    // The record itself is consistent; its anchor or the next record's link is not.
                    if anchored(k) { k as i64 } else { k as i64 + 1 }
                }
                Tamper::RewriteTail => {
                    c[i].object_id.push_str("-EVIL");
                    reseal_from(&mut c, i);
                    // A consistent rewrite is visible only at the first anchor it reaches.
                    first_anchor_from(k)
                }
                Tamper::Delete => {
                    c.remove(i);
                    k as i64
                }
                Tamper::Insert => {
                    let prev = if i == 0 { GENESIS_HASH.to_string() } else { c[i - 1].hash.clone() };
                    let forged = seal(draft(tenant(), k as i64, 9_999_999), &prev);
                    c.insert(i, forged);
                    k as i64
                }
                Tamper::Swap => {
                    c.swap(i, i + 1);
                    k as i64
                }
                Tamper::SwapRenumbered => {
                    c.swap(i, i + 1);
                    c[i].seq = k as i64;
                    c[i + 1].seq = k as i64 + 1;
                    k as i64
                }
            };
            let err = verify(&c, &anchors);
            prop_assert!(err.is_err(), "{:?} at {} not detected", tamper, k);
            let err = err.unwrap_err();
            prop_assert_eq!(err.seq(), expected_seq, "{:?} at {}: {}", tamper, k, err);
            prop_assert_eq!(err.tenant(), tenant());
        }
    }
}
