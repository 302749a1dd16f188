//! Acknowledgements: the vendor answers each PO line (Accepted / Backordered / Rejected) through the
//! portal, the API, a CSV upload or EDI — all through this one use case, so the rules of
//! [`acorn_domain::ack`] apply the same everywhere. Every version is kept; a pre-flight check shows
//! the defects a submission would cause before it is made.

use crate::authz::{list_scope, require, require_object};
use crate::orders::{dc_today, history};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::ack::{self, AckContext, AckRules};
use acorn_domain::defects::DefectPreview;
use acorn_domain::events::Audience;
use acorn_domain::ids::new_id;
use acorn_domain::orders::*;
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::FieldIssue;
use acorn_store::{ConnectionTrait, repo};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// What a submission would record, shown before it is made.
#[derive(Clone, Debug, Serialize)]
pub struct Preflight {
    pub lines: Vec<AckLine>,
    pub defects: Vec<DefectPreview>,
}

/// Everything the rules read, loaded in one place (inside the writing transaction when submitting,
/// so the version number and "previous" are those the write builds on).
struct Loaded {
    po: PurchaseOrder,
    lines: Vec<PoLine>,
    previous: Option<Acknowledgement>,
    today: chrono::NaiveDate,
}

async fn load(c: &impl ConnectionTrait, ctx: &Ctx, po_id: Uuid, at: DateTime<Utc>) -> Result<Loaded, ServiceError> {
    let po = repo::orders::get(c, list_scope(ctx), po_id).await?.ok_or(ServiceError::NotFound("purchase order"))?;
    let lines = repo::orders::lines(c, po.tenant, po.id).await?;
    let previous = repo::orders::acks(c, po.tenant, po.id).await?.pop();
    let dc = repo::facilities::get_dc(c, po.dc_id).await?.ok_or(ServiceError::NotFound("DC"))?;
    Ok(Loaded { today: dc_today(&dc, at), po, lines, previous })
}

fn resolve(l: &Loaded, input: &[AckLineInput], at: DateTime<Utc>, rules: &AckRules) -> Result<Preflight, ServiceError> {
    let cx = AckContext { po: &l.po, lines: &l.lines, previous: l.previous.as_ref(), now: at, today: l.today, rules };
    let lines = ack::resolve(&cx, input).map_err(ServiceError::Invalid)?;
    let defects = ack::preflight(&cx, &lines);
    Ok(Preflight { lines, defects })
}

fn totals(lines: &[AckLine]) -> (i64, i64, i64) {
    lines.iter().fold((0, 0, 0), |(a, b, r), l| (a + l.accepted, b + l.backordered, r + l.rejected))
}

impl Services {
    /// The defects a submission would cause, without submitting it (rule violations come back as
    /// the same field errors the submission would get).
    pub async fn preflight_ack(&self, ctx: &Ctx, po_id: Uuid, input: &[AckLineInput]) -> Result<Preflight, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Write)?;
        let at = now();
        let loaded = load(&self.db.conn, ctx, po_id, at).await?;
        resolve(&loaded, input, at, &AckRules::default())
    }

    /// Submits an acknowledgement version for a PO.
    pub async fn acknowledge(&self, ctx: &Ctx, po_id: Uuid, input: Vec<AckLineInput>, channel: Channel) -> Result<Acknowledgement, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Write)?;
        let po = repo::orders::get(&self.db.conn, list_scope(ctx), po_id).await?.ok_or(ServiceError::NotFound("purchase order"))?;
        require_object(ctx, Area::Acknowledgements, Access::Write, po.tenant, "purchase order")?;
        self.refuse_portal_when_edi_live(po.tenant, channel).await?;
        let input = &input;
        self.mutate(ctx, |tx| async move {
            let at = now();
            let l = load(tx.c(), ctx, po_id, at).await?;
            let checked = resolve(&l, input, at, &AckRules::default())?;
            let ack = Acknowledgement {
                id: new_id(),
                po_id,
                version: l.previous.as_ref().map_or(1, |p| p.version + 1),
                po_revision: l.po.revision,
                channel,
                submitted_by: ctx.principal.actor(),
                submitted_at: at,
                late: ack::is_late(&l.po, at) && l.previous.as_ref().is_none_or(|p| p.po_revision < l.po.revision),
                lines: checked.lines,
            };
            repo::orders::insert_ack(tx.c(), l.po.tenant, &ack).await?;
            for line in &l.lines {
                let Some(a) = ack.lines.iter().find(|a| a.line_no == line.line_no) else { continue };
                let mut updated = line.clone();
                if !line.cancelled {
                    updated.confirmation = a.confirmation();
                }
                updated.committed_eaches = a.committed();
                if &updated != line {
                    repo::orders::update_line(tx.c(), l.po.tenant, &updated).await?;
                }
            }
            let mut po = l.po.clone();
            po.acked_revision = po.revision;
            po.state = po.derive_state();
            po.updated_at = at;
            repo::orders::update(tx.c(), &po, l.po.updated_at).await?;
            let (a, b, r) = totals(&ack.lines);
            let summary = format!(
                "PO {} acknowledged (v{}{}): {a} accepted, {b} backordered, {r} rejected",
                po.number,
                ack.version,
                if ack.late { ", late" } else { "" }
            );
            history(tx.c(), ctx, &po, "acknowledged", &summary, serde_json::json!({"version": ack.version, "channel": channel, "late": ack.late})).await?;
            let change = Change::new(po.tenant, "ack.submitted", "purchase_order", po.id).after(&ack).event(
                "ack.submitted",
                summary,
                format!("/orders/{}", po.id),
                Audience::Retailer,
                serde_json::json!({"number": po.number, "version": ack.version, "accepted": a, "backordered": b, "rejected": r}),
            );
            Ok((ack, change))
        })
        .await
    }

    /// Accepts every open line in full at the PO cost (the grid's "accept all").
    pub fn accept_all(lines: &[PoLine]) -> Vec<AckLineInput> {
        lines
            .iter()
            .filter(|l| !l.cancelled)
            .map(|l| AckLineInput {
                line_no: l.line_no,
                net_cost: None,
                parts: vec![AckPart {
                    code: AckCode::Accepted,
                    quantity: l.ordered_eaches(),
                    scheduled_ship_date: None,
                    scheduled_delivery_date: None,
                    rejection_reason: None,
                }],
            })
            .collect()
    }

    /// Acknowledgements from a CSV upload (columns `po_number, line_no, accepted, backordered,
    /// rejected, rejection_reason, scheduled_ship_date, scheduled_delivery_date, net_cost`), one
    /// submission per PO. Every row is checked first; nothing is written when any row fails.
    pub async fn acknowledge_csv(&self, ctx: &Ctx, csv_text: &str) -> Result<Vec<Acknowledgement>, ServiceError> {
        require(ctx, Area::Acknowledgements, Access::Write)?;
        let rows = crate::csvin::read(csv_text, &["po_number", "line_no"], ACK_CSV_COLUMNS)?;
        let mut issues = Vec::new();
        // PO number → (row numbers, lines)
        let mut per_po: Vec<(String, Vec<usize>, Vec<AckLineInput>)> = Vec::new();
        for row in &rows {
            let number = row.get("po_number").trim().to_uppercase();
            let parsed = parse_ack_row(row);
            match parsed {
                Ok(line) => match per_po.iter_mut().find(|(n, _, _)| *n == number) {
                    Some((_, rs, ls)) => {
                        rs.push(row.number);
                        ls.push(line);
                    }
                    None => per_po.push((number, vec![row.number], vec![line])),
                },
                Err(mut e) => issues.append(&mut e),
            }
        }
        // Check each PO's submission against the rules before writing any.
        let at = now();
        let mut resolved = Vec::new();
        for (number, row_numbers, lines) in &per_po {
            let po = match repo::orders::by_number(&self.db.conn, list_scope(ctx), number).await? {
                Some(po) => po,
                None => {
                    issues.push(FieldIssue::new(format!("row {}, po_number", row_numbers[0]), format!("PO `{number}` not found")));
                    continue;
                }
            };
            let loaded = load(&self.db.conn, ctx, po.id, at).await?;
            match resolve(&loaded, lines, at, &AckRules::default()) {
                Ok(_) => resolved.push((po.id, lines.clone())),
                Err(ServiceError::Invalid(errs)) => {
                    issues.extend(errs.into_iter().map(|e| FieldIssue::new(format!("PO {number} {}", row_field(&e.field, lines, row_numbers)), e.issue)))
                }
                Err(e) => return Err(e),
            }
        }
        if !issues.is_empty() {
            return Err(ServiceError::Invalid(issues));
        }
        // All good: each PO is its own submission (its own version, audit record and event).
        let mut out = Vec::new();
        for (po_id, lines) in resolved {
            out.push(self.acknowledge(ctx, po_id, lines, Channel::Csv).await?);
        }
        Ok(out)
    }
}

/// Columns of the acknowledgement CSV, in template order.
pub const ACK_CSV_COLUMNS: &[&str] =
    &["po_number", "line_no", "accepted", "backordered", "rejected", "rejection_reason", "scheduled_ship_date", "scheduled_delivery_date", "net_cost"];

/// Maps a rule issue's `line[3]…` field to the CSV row that carried line 3.
fn row_field(field: &str, lines: &[AckLineInput], rows: &[usize]) -> String {
    let line_no = field.strip_prefix("line[").and_then(|r| r.split(']').next()).and_then(|n| n.parse::<i64>().ok());
    match line_no.and_then(|n| lines.iter().position(|l| l.line_no == n)) {
        Some(i) => format!("row {}: {field}", rows[i]),
        None => field.to_string(),
    }
}

fn parse_ack_row(row: &crate::csvin::Row) -> Result<AckLineInput, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let mut num = |col: &str| -> i64 {
        let v = row.get(col).trim();
        if v.is_empty() {
            return 0;
        }
        match v.parse::<i64>() {
            Ok(n) if n >= 0 => n,
            _ => {
                issues.push(FieldIssue::new(row.field(col), format!("`{v}` is not a whole number of eaches")));
                0
            }
        }
    };
    let line_no = num("line_no");
    let (accepted, backordered, rejected) = (num("accepted"), num("backordered"), num("rejected"));
    let mut date = |col: &str| {
        let v = row.get(col).trim();
        if v.is_empty() {
            return None;
        }
        crate::orders::parse_date(v).map_err(|e| issues.push(FieldIssue::new(row.field(col), e))).ok()
    };
    let ship = date("scheduled_ship_date");
    let delivery = date("scheduled_delivery_date");
    let reason = match row.get("rejection_reason").trim() {
        "" => None,
        r => RejectionReason::parse_or_explain(r).map_err(|e| issues.push(FieldIssue::new(row.field("rejection_reason"), e))).ok(),
    };
    let cost = match row.get("net_cost").trim() {
        "" => None,
        c => acorn_domain::money::parse_amount(c, false).map_err(|e| issues.push(FieldIssue::new(row.field("net_cost"), e))).ok(),
    };
    if !issues.is_empty() {
        return Err(issues);
    }
    let mut parts = Vec::new();
    let part = |code, quantity| AckPart { code, quantity, scheduled_ship_date: None, scheduled_delivery_date: None, rejection_reason: None };
    if accepted > 0 {
        parts.push(part(AckCode::Accepted, accepted));
    }
    if backordered > 0 {
        parts.push(AckPart { scheduled_ship_date: ship, scheduled_delivery_date: delivery, ..part(AckCode::Backordered, backordered) });
    }
    if rejected > 0 {
        parts.push(AckPart { rejection_reason: reason, ..part(AckCode::Rejected, rejected) });
    }
    Ok(AckLineInput { line_no, net_cost: cost, parts })
}
