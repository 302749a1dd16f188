//! Compliance chargebacks: the order-to-dock defects of a PO priced by the vendor's chargeback fee
//! schedule (DOMAIN.md "Chargebacks") and posted to the deduction ledger. They are assessed when a PO
//! closes — by then every defect it can have is known — with the schedule in force on the closing
//! day; the job looks at POs closed in the last few days and posts each fee once (source keys), so
//! running it again, or on two servers, posts nothing twice.
//!
//! Which fee a defect draws:
//! - missing or late ASN → the ASN tier of the vendor's 7-day ASN on-time rate × the shipment's cost
//!   (this PO's units on it);
//! - ASN shortage, overage, wrong item → the mismatch percentage of the affected units' cost; an
//!   unknown carton (an SSCC not on the ASN) is a carton label defect at the fixed fee per carton;
//! - PO not on time → the late percentage of units received after the window (waived while the
//!   vendor's trailing 4-week on-time rate meets the waiver threshold) plus the never-delivered
//!   percentage of units not received at all;
//! - unconfirmed units, and a late acknowledgement (the whole PO was unconfirmed when due) → the
//!   unconfirmed percentage of those units' cost.
//!
//! Appointment defects (late changes, no-shows) have no fee in the default schedule: they are
//! counted on the scorecard, not charged.

use crate::deductions::{Posting, post, posted_change};
use crate::defects::{facts, load};
use crate::terms::terms_on;
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::deductions::{ChargebackBasis, DeductionKind, chargeback_fee};
use acorn_domain::defects::{self, Defect, DefectKind};
use acorn_domain::ids::TenantId;
use acorn_domain::matching::cost_basis;
use acorn_domain::money::checked_extend;
use acorn_domain::orders::{PoLine, PurchaseOrder};
use acorn_store::{ConnectionTrait, repo};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

/// How far back the job looks for closed POs (a missed run is caught up within this).
pub const LOOKBACK_DAYS: i64 = 3;
/// POs per run at most.
const BATCH: u64 = 500;

/// What a chargeback run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChargebackReport {
    pub pos_examined: u64,
    pub posted: u64,
}

/// The cost of `units` eaches of a line (at its acknowledged cost), or of the PO's average each.
fn units_cost(units: i64, line: Option<&PoLine>, ack: &HashMap<i64, Decimal>, po: &PurchaseOrder, lines: &[PoLine]) -> Decimal {
    let unit = match line {
        Some(l) => cost_basis(l.net_cost, ack.get(&l.line_no).copied()).0,
        None => {
            let eaches: i64 = lines.iter().map(PoLine::ordered_eaches).sum();
            if eaches > 0 { po.total_cost / Decimal::from(eaches) } else { Decimal::ZERO }
        }
    };
    checked_extend(units.max(0), unit).unwrap_or(Decimal::ZERO)
}

/// The vendor's ASN on-time rate (percent) over the 7 days before `at`; 100 when it sent none.
async fn asn_rate_7d(c: &impl ConnectionTrait, tenant: TenantId, at: DateTime<Utc>) -> Result<Decimal, ServiceError> {
    let asns = repo::shipments::asn_timeliness(c, tenant, at - Duration::days(7), at + Duration::seconds(1)).await?;
    if asns.is_empty() {
        return Ok(Decimal::ONE_HUNDRED);
    }
    let on_time = asns.iter().filter(|(sent, due)| sent <= due).count();
    Ok((Decimal::from(on_time as u64 * 100) / Decimal::from(asns.len() as u64)).round_dp(2))
}

/// The vendor's PO on-time rate (percent) over POs whose delivery window ended in the 4 weeks before
/// `at`; 100 when none did.
async fn on_time_rate_4w(c: &impl ConnectionTrait, tenant: TenantId, at: DateTime<Utc>) -> Result<Decimal, ServiceError> {
    let to = at.date_naive();
    let pos = repo::orders::delivery_ended_between(c, tenant, to - Duration::days(28), to).await?;
    let mut loaded = Vec::with_capacity(pos.len());
    for po in pos {
        loaded.push(load(c, po).await?);
    }
    let all: Vec<_> = loaded.iter().map(|l| facts(l, at)).collect();
    Ok(defects::on_time_accuracy_bp(&all).map_or(Decimal::ONE_HUNDRED, |bp| Decimal::new(bp, 2)))
}

impl Services {
    /// Assesses the chargebacks of POs closed in the last [`LOOKBACK_DAYS`] days.
    pub async fn assess_chargebacks(&self) -> Result<ChargebackReport, ServiceError> {
        let mut report = ChargebackReport::default();
        let pos = repo::orders::closed_since(&self.db.conn, now() - Duration::days(LOOKBACK_DAYS), BATCH).await?;
        for po in pos {
            report.pos_examined += 1;
            report.posted += self.assess_po(po).await?;
        }
        Ok(report)
    }

    /// Posts the chargebacks of one closed PO (those not posted before); returns how many.
    pub async fn assess_po(&self, po: PurchaseOrder) -> Result<u64, ServiceError> {
        let ctx = Ctx::job("chargebacks");
        let ctx = &ctx;
        let po = &po;
        self.mutate_if_changed(ctx, |tx| async move {
            let c = tx.c();
            let at = now();
            let Some(closed_at) = po.closed_at else { return Ok((0, None)) };
            let l = load(c, po.clone()).await?;
            let found = defects::detect(&facts(&l, closed_at));
            if found.is_empty() {
                return Ok((0, None));
            }
            let terms = terms_on(c, po.tenant, closed_at.date_naive()).await?;
            let schedule = &terms.terms.chargebacks;
            let ack: HashMap<i64, Decimal> = l.acks.last().map(|a| a.lines.iter().map(|x| (x.line_no, x.net_cost)).collect()).unwrap_or_default();
            let line_of = |no: Option<i64>| no.and_then(|n| l.lines.iter().find(|x| x.line_no == n));
            let cost = |units: i64, line: Option<i64>| units_cost(units, line_of(line), &ack, po, &l.lines);
            let mut posted = Vec::new();
            let mut asn_rate = None;
            let mut on_time_rate = None;
            for (n, d) in found.iter().enumerate() {
                let basis = match d.kind {
                    DefectKind::MissingAsn | DefectKind::LateAsn => {
                        let rate = match asn_rate {
                            Some(r) => r,
                            None => *asn_rate.insert(asn_rate_7d(c, po.tenant, d.occurred_at).await?),
                        };
                        ChargebackBasis::AsnMissingOrLate { shipment_cost: cost(d.units, None), asn_on_time_percent_7d: rate }
                    }
                    DefectKind::AsnShortage | DefectKind::AsnOverage => ChargebackBasis::Mismatch { affected_units_cost: cost(d.units, d.line_no) },
                    DefectKind::WrongItem if d.line_no.is_none() && d.units == 0 => ChargebackBasis::CartonDefect { cartons: 1 },
                    DefectKind::WrongItem => ChargebackBasis::Mismatch { affected_units_cost: cost(d.units, d.line_no) },
                    DefectKind::NotOnTime => {
                        let rate = match on_time_rate {
                            Some(r) => r,
                            None => *on_time_rate.insert(on_time_rate_4w(c, po.tenant, closed_at).await?),
                        };
                        let never: i64 = l.lines.iter().map(|x| (x.ordered_eaches() - x.received_eaches).max(0)).sum();
                        let late = (d.units - never).max(0);
                        ChargebackBasis::NotOnTime {
                            late_units_cost: cost(late, None),
                            never_delivered_units_cost: cost(never, None),
                            trailing_4w_on_time_percent: rate,
                        }
                    }
                    DefectKind::UnconfirmedUnits => ChargebackBasis::UnconfirmedUnits { units_cost: cost(d.units, d.line_no) },
                    DefectKind::LateAcknowledgement => ChargebackBasis::UnconfirmedUnits { units_cost: po.total_cost },
                    DefectKind::LateCancellation | DefectKind::NoShow => continue,
                };
                let fee = chargeback_fee(&basis, schedule, &po.currency);
                let shipment = d.shipment_number.as_deref().unwrap_or("-");
                let line = d.line_no.map_or("-".to_string(), |x| x.to_string());
                let posting = Posting {
                    tenant: po.tenant,
                    vendor_code: po.vendor_code.clone(),
                    kind: DeductionKind::Chargeback,
                    description: format!(
                        "{} on PO {}{}: {}",
                        describe(d),
                        po.number,
                        d.shipment_number.as_ref().map(|s| format!(", ASN {s}")).unwrap_or_default(),
                        fee.rule
                    ),
                    currency: po.currency.clone(),
                    amount: fee.amount,
                    po: Some((po.id, po.number.clone())),
                    shipment_id: d.shipment_number.as_ref().and_then(|s| l.shipments.iter().find(|x| &x.shipment_number == s)).map(|x| x.id),
                    receipt_id: None,
                    invoice: None,
                    return_id: None,
                    evidence: serde_json::json!({"defect": d, "basis": basis, "fee": fee, "terms_version": terms.version}),
                    source_key: format!("chargeback:{}:{}:{shipment}:{line}:{n}", po.id, d.kind),
                };
                posted.extend(post(c, posting, at).await?);
            }
            if posted.is_empty() {
                return Ok((0, None));
            }
            let mut change = Change::new(po.tenant, "chargebacks.assessed", "purchase_order", po.id)
                .after(&serde_json::json!({"posted": posted.iter().map(|d| &d.number).collect::<Vec<_>>()}));
            change.more = posted.iter().map(posted_change).collect();
            Ok((posted.len() as u64, Some(change)))
        })
        .await
    }
}

/// The defect in the ledger's words.
fn describe(d: &Defect) -> &'static str {
    match d.kind {
        DefectKind::UnconfirmedUnits => "unconfirmed PO units",
        DefectKind::LateAcknowledgement => "late acknowledgement",
        DefectKind::MissingAsn => "missing ASN",
        DefectKind::LateAsn => "late ASN",
        DefectKind::AsnShortage => "ASN shortage",
        DefectKind::AsnOverage => "ASN overage",
        DefectKind::WrongItem => "wrong item or unknown carton",
        DefectKind::NotOnTime => "PO not delivered on time",
        DefectKind::LateCancellation => "late appointment change",
        DefectKind::NoShow => "no-show",
    }
}
