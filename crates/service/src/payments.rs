//! Payments: AP runs a payment run per currency for the approved invoices due by a date (and those
//! still inside their early-pay discount window), netting each vendor's open deductions and paying
//! back reversed ones; each vendor gets a remittance listing every invoice, discount, deduction and
//! credit, and the run's bank file (ISO 20022 pain.001 or CSV) pays the remittances' totals. Invoices
//! are `scheduled` until the run's pay date and then `paid` (or `deducted` when their own claims were
//! netted). Aging for both sides.

use crate::authz::{list_scope, require, require_object};
use crate::bankfile::{self, AccountScheme, CreditorAccount, Debtor, Payment, PaymentFile};
use crate::invoices::timeline;
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::deductions::{Deduction, Dispute};
use acorn_domain::events::Audience;
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::invoices::{Invoice, InvoiceState, InvoiceType};
use acorn_domain::master::VendorIdentifierKind;
use acorn_domain::money::{self, percent_of, round_ledger};
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::payments::{self as rules, AgingBucket, Credit, OpenDeduction, Payable, RemittanceLineKind};
use acorn_domain::policy::{Access, Area};
use acorn_domain::terms::{DueBasis, PaymentTerm};
use acorn_domain::validate::FieldIssue;
use acorn_store::repo;
use acorn_store::repo::payments::{BankAccount, PaymentRunRow, Remittance, RemittanceLine};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// A run as shown: its header, its remittances and the vendors held back.
#[derive(Clone, Debug, Serialize)]
pub struct PaymentRunDetail {
    pub run: PaymentRunRow,
    pub total: Decimal,
    pub remittances: Vec<Remittance>,
    /// Vendors with something to pay that were left out, and why (e.g. no bank account).
    pub held: Vec<(String, String)>,
}

/// A remittance advice with its lines.
#[derive(Clone, Debug, Serialize)]
pub struct RemittanceDetail {
    pub remittance: Remittance,
    pub lines: Vec<RemittanceLine>,
    pub run_status: String,
}

/// Invoice aging: amounts not yet paid by bucket of days past due.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgingRow {
    pub bucket: AgingBucket,
    pub currency: String,
    pub count: u64,
    pub amount: Decimal,
}

/// A bank file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BankFileFormat {
    Pain001,
    Csv,
}

/// The early-pay discount an invoice earns when paid on `pay_date` (0 outside its window).
fn discount_of(inv: &Invoice, pay_date: NaiveDate) -> Decimal {
    let Some(deadline) = inv.discount_deadline else { return Decimal::ZERO };
    let Ok(term) = PaymentTerm::parse(&inv.payment_term, DueBasis::InvoiceDate) else { return Decimal::ZERO };
    if pay_date > deadline || inv.total <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    round_ledger(percent_of(inv.total, term.discount_percent), &inv.currency)
}

/// What a line of a remittance says, in the trade's English.
fn describe(kind: RemittanceLineKind, reference: &str, extra: &str) -> String {
    match kind {
        RemittanceLineKind::Invoice => format!("Invoice {reference}{extra}"),
        RemittanceLineKind::Discount => format!("Early-payment discount on invoice {reference}{extra}"),
        RemittanceLineKind::Deduction if extra.starts_with(" (credit note") => format!("Credit note {reference}{extra}"),
        RemittanceLineKind::Deduction => format!("Deduction {reference}{extra}"),
        RemittanceLineKind::Credit => format!("Dispute reversal of deduction {reference}{extra}"),
    }
}

impl Services {
    /// Runs payments in `currency` on `pay_date` for approved invoices due by `due_by` (and any whose
    /// early-pay discount is still open on the pay date).
    pub async fn run_payments(&self, ctx: &Ctx, currency: &str, pay_date: NaiveDate, due_by: NaiveDate) -> Result<PaymentRunDetail, ServiceError> {
        require(ctx, Area::Payments, Access::Write)?;
        if !ctx.principal.is_retailer_side() {
            return Err(ServiceError::Forbidden);
        }
        let mut issues = Vec::new();
        let currency = money::currency(currency).map_err(|e| issues.push(FieldIssue::new("currency", e))).ok();
        if pay_date < now().date_naive() {
            issues.push(FieldIssue::new("pay_date", "must be today or later"));
        }
        let Some(currency) = currency.filter(|_| issues.is_empty()) else { return Err(ServiceError::Invalid(issues)) };
        let currency = &currency;
        let run_id = self
            .mutate(ctx, |tx| async move {
                let at = now();
                let c = tx.c();
                let seq = repo::counters::next(c, "payment_run").await?;
                let mut run = PaymentRunRow {
                    id: new_id(),
                    number: format!("PR{seq:06}"),
                    currency: currency.clone(),
                    pay_date,
                    status: "scheduled".into(),
                    settled_at: None,
                    remittance_count: 0,
                    total_e4: 0,
                    held_json: "[]".into(),
                    created_by: ctx.principal.actor(),
                    created_at: at,
                };
                repo::payments::insert_run(c, &run).await?;
                let mut by_vendor: BTreeMap<TenantId, Vec<Invoice>> = BTreeMap::new();
                for inv in repo::invoices::approved(c, currency).await? {
                    let due = inv.due_date.is_some_and(|d| d <= due_by) || inv.discount_deadline.is_some_and(|d| d >= pay_date);
                    if due {
                        by_vendor.entry(inv.tenant).or_default().push(inv);
                    }
                }
                let mut changes = Vec::new();
                let mut held = Vec::new();
                let mut total = Decimal::ZERO;
                for (tenant, invoices) in by_vendor {
                    let vendor_code = invoices[0].vendor_code.clone();
                    let payee = repo::vendors::identifiers(c, tenant)
                        .await?
                        .into_iter()
                        .find(|i| i.kind == VendorIdentifierKind::PayeeCode)
                        .map(|i| i.value)
                        .unwrap_or_else(|| vendor_code.clone());
                    if !repo::payments::bank_accounts(c, tenant).await?.iter().any(|a| a.payee_code == payee && a.currency == *currency) {
                        held.push((vendor_code.clone(), format!("no {currency} bank account for payee {payee}")));
                        continue;
                    }
                    let deductions = repo::deductions::outstanding(c, tenant, currency).await?;
                    let paybacks = repo::deductions::unpaid_paybacks(c, tenant, currency).await?;
                    let (credit_notes, invoices): (Vec<Invoice>, Vec<Invoice>) = invoices.into_iter().partition(|i| i.invoice_type == InvoiceType::CreditNote);
                    let payables: Vec<Payable> =
                        invoices.iter().map(|i| Payable { invoice_id: i.id, amount: i.total, discount: discount_of(i, pay_date) }).collect();
                    let credits: Vec<Credit> = paybacks.iter().map(|(x, _)| Credit { id: x.id, amount: x.payback }).collect();
                    // Credit notes are netted first and only whole (one left over waits for the next run).
                    let mut room: Decimal = payables.iter().map(|p| p.amount - p.discount).sum::<Decimal>() + credits.iter().map(|c| c.amount).sum::<Decimal>();
                    let mut credit_notes_netted = Vec::new();
                    for cn in credit_notes {
                        if cn.total <= room {
                            room -= cn.total;
                            credit_notes_netted.push(cn);
                        }
                    }
                    let open: Vec<OpenDeduction> = credit_notes_netted
                        .iter()
                        .map(|cn| OpenDeduction { id: cn.id, amount: cn.total })
                        .chain(deductions.iter().map(|d| OpenDeduction { id: d.id, amount: d.outstanding() }))
                        .collect();
                    let plan = rules::net_payment(&payables, &open, &credits);
                    let rseq = repo::counters::next(c, "remittance").await?;
                    let remittance = Remittance {
                        id: new_id(),
                        tenant,
                        payment_run_id: run.id,
                        number: format!("RA{rseq:08}"),
                        vendor_code: vendor_code.clone(),
                        payee_code: payee.clone(),
                        currency: currency.clone(),
                        pay_date,
                        total: plan.total,
                        created_at: at,
                    };
                    let inv_by_id: HashMap<Uuid, &Invoice> = invoices.iter().chain(&credit_notes_netted).map(|i| (i.id, i)).collect();
                    let ded_by_id: HashMap<Uuid, &Deduction> = deductions.iter().map(|d| (d.id, d)).collect();
                    let pay_by_id: HashMap<Uuid, &(Dispute, Deduction)> = paybacks.iter().map(|p| (p.0.id, p)).collect();
                    let mut lines = Vec::new();
                    for (i, l) in plan.lines.iter().enumerate() {
                        let (reference, extra) = match l.kind {
                            RemittanceLineKind::Invoice | RemittanceLineKind::Discount => {
                                let inv = inv_by_id.get(&l.reference).map(|i| (i.number.clone(), format!(" (PO {})", i.po_number)));
                                inv.unwrap_or_default()
                            }
                            RemittanceLineKind::Deduction if inv_by_id.contains_key(&l.reference) => {
                                let cn = inv_by_id[&l.reference];
                                (cn.number.clone(), format!(" (credit note against invoice {})", cn.reference_number.as_deref().unwrap_or("-")))
                            }
                            RemittanceLineKind::Deduction => ded_by_id
                                .get(&l.reference)
                                .map(|d| {
                                    let part = if l.amount.abs() < d.outstanding() { " (part)" } else { "" };
                                    (d.number.clone(), format!(": {} {}{part}", d.reason_code, d.kind.label()))
                                })
                                .unwrap_or_default(),
                            RemittanceLineKind::Credit => pay_by_id.get(&l.reference).map(|(_, d)| (d.number.clone(), String::new())).unwrap_or_default(),
                        };
                        let description = describe(l.kind, &reference, &extra);
                        // A netted credit note is a negative invoice line (it is an invoice document, and
                        // settles like one); a credit line names the deduction whose reversal it pays.
                        let (kind, reference_id) = match l.kind {
                            RemittanceLineKind::Deduction if inv_by_id.contains_key(&l.reference) => (RemittanceLineKind::Invoice, l.reference),
                            RemittanceLineKind::Credit => (l.kind, pay_by_id.get(&l.reference).map_or(l.reference, |(_, d)| d.id)),
                            _ => (l.kind, l.reference),
                        };
                        lines.push(RemittanceLine { seq: i as i64 + 1, kind, reference_id, description, reference, amount: l.amount });
                    }
                    repo::payments::insert_remittance(c, &remittance, &lines).await?;
                    // Deductions netted (in whole or in part) and paybacks made.
                    let mut netted_invoices = Vec::new();
                    for d in &deductions {
                        let applied = plan.applied(d.id);
                        if applied == Decimal::ZERO {
                            continue;
                        }
                        let mut u = d.clone();
                        u.recovered += applied;
                        u.remittance_id = Some(remittance.id);
                        let disputes = repo::deductions::disputes(c, d.id).await?;
                        crate::deductions::restatus(&mut u, &disputes, at);
                        u.updated_at = at;
                        repo::deductions::update(c, &u, d.updated_at).await?;
                        if let Some(inv) = u.invoice_id {
                            netted_invoices.push(inv);
                        }
                    }
                    for (dispute, _) in &paybacks {
                        let mut x = dispute.clone();
                        x.credited_remittance_id = Some(remittance.id);
                        repo::deductions::update_dispute(c, &x, true).await?;
                    }
                    for inv in invoices.iter().chain(&credit_notes_netted) {
                        let mut u = inv.clone();
                        u.state = InvoiceState::Scheduled;
                        u.updated_at = at;
                        repo::invoices::update(c, &u, inv.updated_at).await?;
                        let own = if netted_invoices.contains(&inv.id) { ", net of its own claims" } else { "" };
                        timeline(c, ctx, &u, &format!("Scheduled for payment on {pay_date} in run {}, remittance {}{own}", run.number, remittance.number))
                            .await?;
                    }
                    total += plan.total;
                    run.remittance_count += 1;
                    changes.push(Change::new(tenant, "remittance.issued", "remittance", remittance.id).after(&remittance).event(
                        "remittance.issued",
                        format!("Remittance {} of {}: {} to be paid on {pay_date}", remittance.number, vendor_code, money::format_amount(plan.total, currency)),
                        format!("/remittances/{}", remittance.id),
                        Audience::Vendor,
                        serde_json::json!({"number": remittance.number, "total": plan.total, "pay_date": pay_date}),
                    ));
                }
                run.total_e4 = money::to_e4(total).map_err(ServiceError::internal)?;
                run.held_json = serde_json::to_string(&held).map_err(ServiceError::internal)?;
                repo::payments::finish_run(c, &run).await?;
                let mut change =
                    Change::new(TenantId::RETAILER, "payment_run.created", "payment_run", run.id).after(&serde_json::json!({"run": run, "held": held}));
                change.more = changes;
                Ok((run.id, change))
            })
            .await?;
        self.payment_run(ctx, run_id).await
    }

    pub async fn payment_run(&self, ctx: &Ctx, id: Uuid) -> Result<PaymentRunDetail, ServiceError> {
        require(ctx, Area::Payments, Access::Read)?;
        if !ctx.principal.is_retailer_side() {
            return Err(ServiceError::NotFound("payment run"));
        }
        let run = repo::payments::get_run(&self.db.conn, id).await?.ok_or(ServiceError::NotFound("payment run"))?;
        let remittances = repo::payments::list_remittances(&self.db.conn, None, Some(id), None, 10_000).await?;
        let held = serde_json::from_str(&run.held_json).map_err(|e| ServiceError::internal(format!("payment run {}: held list: {e}", run.number)))?;
        Ok(PaymentRunDetail { total: money::from_e4(run.total_e4), run, remittances, held })
    }

    pub async fn list_payment_runs(&self, ctx: &Ctx, cursor: Option<&str>, limit: Option<u64>) -> Result<Page<PaymentRunRow>, ServiceError> {
        require(ctx, Area::Payments, Access::Read)?;
        if !ctx.principal.is_retailer_side() {
            return Ok(Page { items: Vec::new(), next: None });
        }
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = repo::payments::list_runs(&self.db.conn, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |r| Cursor { created_at: r.created_at, id: r.id }))
    }

    pub async fn remittance(&self, ctx: &Ctx, id: Uuid) -> Result<RemittanceDetail, ServiceError> {
        require(ctx, Area::Payments, Access::Read)?;
        let r = repo::payments::get_remittance(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("remittance"))?;
        require_object(ctx, Area::Payments, Access::Read, r.tenant, "remittance")?;
        let lines = repo::payments::remittance_lines(&self.db.conn, r.tenant, id).await?;
        let run_status = repo::payments::get_run(&self.db.conn, r.payment_run_id).await?.map(|x| x.status).unwrap_or_default();
        Ok(RemittanceDetail { remittance: r, lines, run_status })
    }

    pub async fn list_remittances(&self, ctx: &Ctx, cursor: Option<&str>, limit: Option<u64>) -> Result<Page<Remittance>, ServiceError> {
        require(ctx, Area::Payments, Access::Read)?;
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = repo::payments::list_remittances(&self.db.conn, list_scope(ctx), None, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |r| Cursor { created_at: r.created_at, id: r.id }))
    }

    /// The run's bank file: one credit transfer per remittance with a positive total.
    pub async fn payment_file(&self, ctx: &Ctx, id: Uuid, format: BankFileFormat) -> Result<(String, String), ServiceError> {
        require(ctx, Area::Payments, Access::Write)?;
        let detail = self.payment_run(ctx, id).await?;
        let mut payments = Vec::new();
        for r in detail.remittances.iter().filter(|r| r.total > Decimal::ZERO) {
            let account = repo::payments::bank_accounts(&self.db.conn, r.tenant)
                .await?
                .into_iter()
                .find(|a| a.payee_code == r.payee_code && a.currency == r.currency)
                .ok_or_else(|| ServiceError::Conflict {
                    code: "no_bank_account",
                    message: format!("payee {} has no {} bank account any more", r.payee_code, r.currency),
                })?;
            let scheme = account.account_scheme.parse::<AccountScheme>().map_err(ServiceError::internal)?;
            let refs: Vec<String> = repo::payments::remittance_lines(&self.db.conn, r.tenant, r.id)
                .await?
                .into_iter()
                .filter(|l| l.kind == RemittanceLineKind::Invoice)
                .map(|l| l.reference)
                .collect();
            let mut info = format!("Remittance {}: {}", r.number, refs.join(", "));
            if info.chars().count() > bankfile::MAX_TEXT_CHARS {
                info = format!("Remittance {} ({} invoices)", r.number, refs.len());
            }
            payments.push(Payment {
                end_to_end_id: r.number.clone(),
                payee_name: account.account_holder.clone(),
                account: CreditorAccount { scheme, number: account.account_number.clone(), bank_code: account.bank_code.clone() },
                amount: r.total,
                currency: r.currency.clone(),
                remittance_info: info,
            });
        }
        let file = PaymentFile {
            message_id: detail.run.number.clone(),
            created_at: now(),
            execution_date: detail.run.pay_date,
            debtor: Debtor { name: self.config.payer_name.clone(), iban: self.config.payer_iban.clone(), bic: self.config.payer_bic.clone() },
            payments,
        };
        match format {
            BankFileFormat::Pain001 => {
                Ok((format!("{}.xml", detail.run.number), bankfile::pain001(&file).map_err(|e| ServiceError::Rejected { code: "bank_file", message: e })?))
            }
            BankFileFormat::Csv => Ok((format!("{}.csv", detail.run.number), bankfile::payments_csv(&file))),
        }
    }

    /// Settles runs whose pay date has come: their invoices become `paid`, or `deducted` when claims of
    /// their own were netted. Returns how many runs were settled.
    pub async fn settle_payment_runs(&self) -> Result<u64, ServiceError> {
        let ctx = Ctx::job("payments");
        let mut settled = 0;
        for run in repo::payments::due_runs(&self.db.conn, now().date_naive()).await? {
            let ctx = &ctx;
            let run = &run;
            let done = self
                .mutate(ctx, |tx| async move {
                    let at = now();
                    let c = tx.c();
                    if !repo::payments::settle_run(c, run.id, at).await? {
                        return Ok((false, Change::new(TenantId::RETAILER, "payment_run.settle_skipped", "payment_run", run.id)));
                    }
                    let mut changes = Vec::new();
                    for r in repo::payments::list_remittances(c, None, Some(run.id), None, 10_000).await? {
                        let lines = repo::payments::remittance_lines(c, r.tenant, r.id).await?;
                        let netted: Vec<Uuid> = lines.iter().filter(|l| l.kind == RemittanceLineKind::Deduction).map(|l| l.reference_id).collect();
                        // Invoice lines (credit notes among them, with negative amounts).
                        for l in lines.iter().filter(|l| l.kind == RemittanceLineKind::Invoice) {
                            let Some(inv) = repo::invoices::get(c, Some(r.tenant), l.reference_id).await? else { continue };
                            let mut own = false;
                            for d in &netted {
                                if let Some(d) = repo::deductions::get(c, Some(r.tenant), *d).await?
                                    && d.invoice_id == Some(inv.id)
                                {
                                    own = true;
                                }
                            }
                            let mut u = inv.clone();
                            u.state = if own { InvoiceState::Deducted } else { InvoiceState::Paid };
                            u.paid_at = Some(at);
                            u.updated_at = at;
                            repo::invoices::update(c, &u, inv.updated_at).await?;
                            let verb = if inv.invoice_type == InvoiceType::CreditNote { "Netted" } else { "Paid" };
                            timeline(c, ctx, &u, &format!("{verb} on {} with remittance {}", r.pay_date, r.number)).await?;
                        }
                        changes.push(Change::new(r.tenant, "remittance.paid", "remittance", r.id).event(
                            "remittance.paid",
                            format!("Remittance {} paid: {}", r.number, money::format_amount(r.total, &r.currency)),
                            format!("/remittances/{}", r.id),
                            Audience::Vendor,
                            serde_json::json!({"number": r.number, "total": r.total}),
                        ));
                    }
                    let mut change = Change::new(TenantId::RETAILER, "payment_run.settled", "payment_run", run.id);
                    change.more = changes;
                    Ok((true, change))
                })
                .await?;
            settled += u64::from(done);
        }
        Ok(settled)
    }

    /// Aging of approved and scheduled invoices (what is owed and not yet paid) for the principal's
    /// scope, by bucket and currency.
    pub async fn invoice_aging(&self, ctx: &Ctx) -> Result<Vec<AgingRow>, ServiceError> {
        require(ctx, Area::Invoices, Access::Read)?;
        let today = now().date_naive();
        let mut rows: BTreeMap<(AgingBucket, String), AgingRow> = BTreeMap::new();
        for state in [InvoiceState::PendingReceipt, InvoiceState::Approved, InvoiceState::Scheduled] {
            let filter = acorn_store::repo::invoices::InvoiceFilter { tenant: list_scope(ctx), state: Some(state), ..Default::default() };
            let mut after = None;
            loop {
                let page = repo::invoices::list(&self.db.conn, &filter, after, 1000).await?;
                for inv in page.iter().take(1000) {
                    let Some(due) = inv.due_date else { continue };
                    let bucket = rules::aging_bucket(due, today);
                    let row = rows.entry((bucket, inv.currency.clone())).or_insert(AgingRow {
                        bucket,
                        currency: inv.currency.clone(),
                        count: 0,
                        amount: Decimal::ZERO,
                    });
                    row.count += 1;
                    row.amount += inv.total;
                }
                if page.len() <= 1000 {
                    break;
                }
                after = page.get(999).map(|i| (i.submitted_at, i.id));
            }
        }
        Ok(rows.into_values().collect())
    }

    /// The bank accounts of a vendor's payees, masked.
    pub async fn bank_accounts(&self, ctx: &Ctx, tenant: TenantId) -> Result<Vec<BankAccount>, ServiceError> {
        require_object(ctx, Area::Payments, Access::Read, tenant, "vendor")?;
        let mut accounts = repo::payments::bank_accounts(&self.db.conn, tenant).await?;
        for a in &mut accounts {
            a.account_number = bankfile::mask_account(&a.account_number);
        }
        Ok(accounts)
    }

    /// Sets a payee's bank account. DOMAIN.md: banking changes need `vendor_admin` and `finance` together.
    pub async fn set_bank_account(&self, ctx: &Ctx, tenant: TenantId, input: BankAccount) -> Result<BankAccount, ServiceError> {
        require_object(ctx, Area::Payments, Access::Read, tenant, "vendor")?;
        use acorn_domain::policy::Role;
        let both = matches!(&ctx.principal, crate::Principal::User(u) if u.roles.contains(&Role::VendorAdmin) && u.roles.contains(&Role::Finance));
        if ctx.principal.is_retailer_side() || !both {
            return Err(ServiceError::Rejected {
                code: "banking_needs_admin_and_finance",
                message: "bank details are changed by a vendor user who is both vendor admin and finance".into(),
            });
        }
        let mut issues = Vec::new();
        let payees: Vec<String> = repo::vendors::identifiers(&self.db.conn, tenant)
            .await?
            .into_iter()
            .filter(|i| i.kind == VendorIdentifierKind::PayeeCode || i.kind == VendorIdentifierKind::VendorCode)
            .map(|i| i.value)
            .collect();
        if !payees.contains(&input.payee_code) {
            issues.push(FieldIssue::new("payee_code", format!("is not one of your payee or vendor codes ({})", payees.join(", "))));
        }
        let holder = input.account_holder.trim().to_string();
        if holder.is_empty() || holder.chars().count() > bankfile::MAX_TEXT_CHARS {
            issues.push(FieldIssue::new("account_holder", "is required, at most 140 characters"));
        }
        let currency = money::currency(&input.currency).map_err(|e| issues.push(FieldIssue::new("currency", e))).ok();
        let (number, bank_code) = match input.account_scheme.parse::<AccountScheme>() {
            Ok(AccountScheme::Iban) => {
                let iban = bankfile::normalize_iban(&input.account_number);
                if !bankfile::iban_valid(&iban) {
                    issues.push(FieldIssue::new("account_number", "is not a valid IBAN (its check digits do not match)"));
                }
                let bic = bankfile::normalize_bic(&input.bank_code);
                if !bankfile::bic_valid(&bic) {
                    issues.push(FieldIssue::new("bank_code", "is not a BIC (8 or 11 letters and digits)"));
                }
                (iban, bic)
            }
            Ok(AccountScheme::Local) => {
                let number: String = input.account_number.chars().filter(|c| !c.is_whitespace()).collect();
                if number.is_empty() || number.len() > bankfile::MAX_ACCOUNT_CHARS || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
                    issues.push(FieldIssue::new("account_number", "is required: letters and digits, at most 34"));
                }
                let code = input.bank_code.trim().to_string();
                if code.is_empty() || code.len() > 35 {
                    issues.push(FieldIssue::new("bank_code", "is required: the bank's national code, e.g. a 9-digit ABA routing number"));
                }
                (number, code)
            }
            Err(e) => {
                issues.push(FieldIssue::new("account_scheme", e));
                (String::new(), String::new())
            }
        };
        if !issues.is_empty() {
            return Err(ServiceError::Invalid(issues));
        }
        let account = BankAccount {
            payee_code: input.payee_code.clone(),
            account_holder: holder,
            account_scheme: input.account_scheme.trim().to_string(),
            account_number: number,
            bank_code,
            currency: currency.unwrap_or_default(),
            updated_by: ctx.principal.actor(),
            updated_at: now(),
        };
        let a = &account;
        self.mutate(ctx, |tx| async move {
            repo::payments::put_bank_account(tx.c(), tenant, a).await?;
            let mut masked = a.clone();
            masked.account_number = bankfile::mask_account(&a.account_number);
            let change = Change::new(tenant, "bank_account.set", "vendor", tenant.0).after(&masked).event(
                "bank_account.set",
                format!("Bank account of payee {} changed to {}", a.payee_code, masked.account_number),
                "/payments".to_string(),
                Audience::Both,
                serde_json::json!({"payee_code": a.payee_code}),
            );
            Ok(((), change))
        })
        .await?;
        let mut masked = account;
        masked.account_number = bankfile::mask_account(&masked.account_number);
        Ok(masked)
    }
}
