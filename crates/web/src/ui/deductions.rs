//! The deduction ledger in the portal: the list with status tabs (open, disputed, recovered, final), a
//! kind filter, totals by month and kind, keyset paging and CSV export; the deduction page with its
//! links (PO, ASN, invoice, remittance, return), the evidence ACORN assembles from its own records
//! (acknowledgement versions, ASN cartons, receipt carton scans and check-in, appointments, the
//! invoice), the disputes with their documents, the vendor's dispute form (a message and proof files,
//! `multipart/form-data`) or the reason it cannot be disputed, and for staff the decision form. Also
//! the document download route.

use super::forms::{self, FieldErrors, FormData, Once};
use super::invoices::{deduction_badge, kind_key, money_of, notice_key, outcome_badge, state_badge};
use super::lists::{self, Links};
use super::orders::{parse_id, span};
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::shipments::{appointment_badge, status_badge};
use super::view::{self, Badge};
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::deductions::{Deduction, DeductionKind, DeductionStatus, DisputeOutcome};
use acorn_domain::invoices::{Invoice, InvoiceLine};
use acorn_domain::money;
use acorn_domain::orders::{Acknowledgement, FreightTerms, PurchaseOrder};
use acorn_domain::policy::{Access, Area};
use acorn_domain::shipments::{Appointment, Receipt, Shipment};
use acorn_domain::validate::FieldIssue;
use acorn_service::auth::SessionAuth;
use acorn_service::deductions::{DeductionDetail, EvidencePack};
use acorn_service::{Ctx, ServiceError};
use acorn_store::repo::deductions::DeductionFilter;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Ledger entries per page.
const PAGE_SIZE: u64 = 50;
/// A dispute window closing within this many days shows as a warning.
const WINDOW_SOON_DAYS: i64 = 5;

/// Who reads the ledger.
fn can_read(auth: &SessionAuth) -> bool {
    access(auth, Area::Deductions) >= Access::Read
}

/// Vendor users with write access to deductions dispute them.
fn can_dispute(auth: &SessionAuth) -> bool {
    !auth.user.is_retailer() && access(auth, Area::Deductions) >= Access::Write
}

/// Staff with write access to deductions decide disputes.
fn can_decide(auth: &SessionAuth) -> bool {
    auth.user.is_retailer() && access(auth, Area::Deductions) >= Access::Write
}

/// A countdown chip for an open dispute window; empty text: none.
fn window_chip(t: T, d: &Deduction, now: DateTime<Utc>) -> (String, &'static str) {
    match d.dispute_deadline {
        Some(deadline) if deadline > now && d.status != DeductionStatus::Disputed => {
            let left = deadline - now;
            let class = if left <= Duration::days(WINDOW_SOON_DAYS) { "badge-warning" } else { "badge-info" };
            (t.t("ded.window_closes_in").replace("{time}", &span(t, left)), class)
        }
        _ => (String::new(), ""),
    }
}

// ---------------------------------------------------------------------------------------------
// The ledger.

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    kind: String,
    vendor_code: String,
    cursor: String,
    done: String,
}

#[derive(Default)]
pub struct Filters {
    status: String,
    kind: String,
    vendor_code: String,
}

impl Filters {
    fn from_query(q: &ListQuery) -> Filters {
        Filters { status: q.status.trim().to_string(), kind: q.kind.trim().to_string(), vendor_code: q.vendor_code.trim().to_uppercase() }
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![("status", self.status.as_str()), ("kind", self.kind.as_str()), ("vendor_code", self.vendor_code.as_str())]
    }

    fn active(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }

    fn filter(&self) -> DeductionFilter {
        DeductionFilter {
            status: DeductionStatus::parse(&self.status),
            kind: DeductionKind::parse(&self.kind),
            vendor_code: Some(self.vendor_code.clone()).filter(|v| !v.is_empty()),
            ..Default::default()
        }
    }
}

pub struct Tab {
    href: String,
    key: &'static str,
    current: bool,
    id: String,
}

pub struct DeductionRow {
    id: String,
    number: String,
    kind: &'static str,
    vendor_code: String,
    reason_code: String,
    description: String,
    amount: String,
    outstanding: String,
    status: Badge,
    posted: String,
    chip: String,
    chip_class: &'static str,
}

pub struct TotalRow {
    month: String,
    kind: &'static str,
    currency: String,
    count: u64,
    amount: String,
    reversed: String,
    outstanding: String,
}

#[derive(Template)]
#[template(path = "deductions.html")]
struct ListPage {
    t: T,
    shell: Shell,
    f: Filters,
    filtered: bool,
    tabs: Vec<Tab>,
    kinds: Vec<(&'static str, &'static str)>,
    rows: Vec<DeductionRow>,
    totals: Vec<TotalRow>,
    next_href: String,
    first_href: String,
    csv_href: String,
    notice: &'static str,
    staff: bool,
}

pub async fn list(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let f = Filters::from_query(&lq);
    let cursor = lists::cursor(&lq.cursor);
    let page = match s.services.list_deductions(&ctx, f.filter(), cursor, Some(PAGE_SIZE)).await {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let totals = match s.services.ledger_totals(&ctx, f.filter()).await {
        Ok(v) => v,
        Err(e) => return server_error(t, e),
    };
    let now = Utc::now();
    let rows = page
        .items
        .iter()
        .map(|d| {
            let (chip, chip_class) = window_chip(t, d, now);
            DeductionRow {
                id: d.id.to_string(),
                number: d.number.clone(),
                kind: kind_key(d.kind),
                vendor_code: d.vendor_code.clone(),
                reason_code: d.reason_code.clone(),
                description: d.description.clone(),
                amount: money_of(d.amount, &d.currency),
                outstanding: money_of(d.outstanding(), &d.currency),
                status: deduction_badge(d.status),
                posted: view::when(d.posted_at),
                chip,
                chip_class,
            }
        })
        .collect();
    let totals = totals
        .iter()
        .map(|r| TotalRow {
            month: r.month.clone(),
            kind: kind_key(r.kind),
            currency: r.currency.clone(),
            count: r.count,
            amount: money::format_amount(r.amount, &r.currency),
            reversed: money::format_amount(r.reversed, &r.currency),
            outstanding: money::format_amount(r.outstanding, &r.currency),
        })
        .collect();
    let tab = |status: &str, key: &'static str| {
        let keep = [("status", status), ("kind", f.kind.as_str()), ("vendor_code", f.vendor_code.as_str())];
        Tab {
            href: format!("/deductions{}", forms::query(&keep)),
            key,
            current: f.status == status,
            id: format!("tab-{}", if status.is_empty() { "all" } else { status }),
        }
    };
    let mut tabs = vec![tab("", "ded.tab.all")];
    tabs.extend(DeductionStatus::ALL.iter().map(|st| tab(st.as_str(), deduction_badge(*st).key)));
    let Links { next_href, first_href, csv_href } = lists::links("/deductions", &f.pairs(), cursor, page.next.as_deref());
    render(&ListPage {
        t,
        filtered: f.active(),
        tabs,
        kinds: DeductionKind::ALL.iter().map(|k| (k.as_str(), kind_key(*k))).collect(),
        rows,
        totals,
        next_href,
        first_href,
        csv_href,
        notice: notice_key(&lq.done),
        staff: auth.user.is_retailer(),
        f,
        shell,
    })
}

/// Every ledger entry of the current filter as CSV (all pages).
pub async fn csv(State(s): State<AppState>, req: Req, Query(lq): Query<ListQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let filter = Filters::from_query(&lq).filter();
    let header = [
        "number",
        "kind",
        "reason_code",
        "vendor_code",
        "description",
        "currency",
        "amount",
        "recovered",
        "reversed",
        "outstanding",
        "status",
        "posted_at_utc",
        "dispute_deadline_utc",
        "dispute_attempts",
        "po_number",
        "invoice_line",
    ];
    let (s, ctx, filter) = (&s, &ctx, &filter);
    lists::export(t, "deductions.csv", &header, |cursor| async move {
        let page = s.services.list_deductions(ctx, filter.clone(), cursor.as_deref(), Some(lists::EXPORT_PAGE)).await?;
        let rows = page
            .items
            .iter()
            .map(|d| {
                let m = |v| money::format_amount(v, &d.currency);
                vec![
                    d.number.clone(),
                    d.kind.as_str().into(),
                    d.reason_code.clone(),
                    d.vendor_code.clone(),
                    d.description.clone(),
                    d.currency.clone(),
                    m(d.amount),
                    m(d.recovered),
                    m(d.reversed),
                    m(d.outstanding()),
                    d.status.as_str().into(),
                    view::iso(d.posted_at),
                    d.dispute_deadline.map(view::iso).unwrap_or_default(),
                    d.dispute_attempts.to_string(),
                    d.po_number.clone().unwrap_or_default(),
                    d.invoice_line_no.map(|n| n.to_string()).unwrap_or_default(),
                ]
            })
            .collect();
        Ok((rows, page.next))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The deduction page.

pub struct DocView {
    id: String,
    filename: String,
    size: String,
    content_type: String,
    uploaded: String,
}

pub struct DisputeView {
    attempt: i64,
    opened: String,
    opened_by: String,
    message: String,
    documents: Vec<DocView>,
    outcome: Option<Badge>,
    reversed: String,
    reason: String,
    decided: String,
    decided_by: String,
}

pub struct PoEvidence {
    id: String,
    number: String,
    order_date: String,
    ship_window: String,
    delivery_window: String,
    freight: &'static str,
}

pub struct AckEvidence {
    version: i64,
    revision: i64,
    at: String,
    by: String,
    late: bool,
    accepted: i64,
    backordered: i64,
    rejected: i64,
}

pub struct CartonEvidence {
    seq: i64,
    sscc: String,
    items: String,
}

pub struct ShipmentEvidence {
    id: String,
    number: String,
    status: Badge,
    ship_date: String,
    arrived: String,
    cartons: Vec<CartonEvidence>,
    units: i64,
}

pub struct ApptEvidence {
    start: String,
    end: String,
    status: Badge,
}

pub struct ScanEvidence {
    sscc: String,
    on_asn: bool,
    scanned: String,
    received: i64,
    damaged: i64,
}

pub struct ReceiptEvidence {
    checked_in: String,
    closed: String,
    scans: Vec<ScanEvidence>,
    received: i64,
    damaged: i64,
}

pub struct InvoiceLineEvidence {
    line: i64,
    po_line: i64,
    sku: String,
    quantity: i64,
    unit_cost: String,
    outcome: Option<Badge>,
}

pub struct InvoiceEvidence {
    id: String,
    number: String,
    date: String,
    total: String,
    state: Badge,
    lines: Vec<InvoiceLineEvidence>,
}

/// The evidence pack in readable sections.
#[derive(Default)]
pub struct Evidence {
    po: Option<PoEvidence>,
    acks: Vec<AckEvidence>,
    shipments: Vec<ShipmentEvidence>,
    appointments: Vec<ApptEvidence>,
    receipts: Vec<ReceiptEvidence>,
    invoice: Option<InvoiceEvidence>,
}

fn typed<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Option<T> {
    serde_json::from_value(v.clone()).ok()
}

fn evidence(pack: &EvidencePack) -> Evidence {
    let po: Option<PurchaseOrder> = pack.purchase_order.as_ref().and_then(typed);
    let po = po.map(|p| PoEvidence {
        id: p.id.to_string(),
        number: p.number.clone(),
        order_date: p.order_date.to_string(),
        ship_window: format!("{} – {}", p.ship_window.start, p.ship_window.end),
        delivery_window: format!("{} – {}", p.delivery_window.start, p.delivery_window.end),
        freight: if p.freight_terms == FreightTerms::Collect { "po.freight.collect" } else { "po.freight.prepaid" },
    });
    let acks = pack
        .acknowledgements
        .iter()
        .filter_map(typed::<Acknowledgement>)
        .map(|a| AckEvidence {
            version: a.version,
            revision: a.po_revision,
            at: view::when(a.submitted_at),
            by: a.submitted_by.clone(),
            late: a.late,
            accepted: a.lines.iter().map(|l| l.accepted).sum(),
            backordered: a.lines.iter().map(|l| l.backordered).sum(),
            rejected: a.lines.iter().map(|l| l.rejected).sum(),
        })
        .collect();
    let shipments = pack
        .shipments
        .iter()
        .filter_map(|v| v.get("shipment").and_then(typed::<Shipment>))
        .map(|sh| ShipmentEvidence {
            id: sh.id.to_string(),
            number: sh.shipment_number.clone(),
            status: status_badge(sh.status),
            ship_date: view::when(sh.ship_date),
            arrived: sh.arrived_at.map(view::when).unwrap_or_default(),
            units: sh.cartons.iter().flat_map(|k| k.items.iter()).map(|i| i.quantity).sum(),
            cartons: sh
                .cartons
                .iter()
                .map(|k| CartonEvidence {
                    seq: k.seq,
                    sscc: k.sscc.human_readable(),
                    items: k.items.iter().map(|i| format!("{} #{} × {}", i.po_number, i.line_no, i.quantity)).collect::<Vec<_>>().join(", "),
                })
                .collect(),
        })
        .collect();
    let appointments = pack
        .appointments
        .iter()
        .filter_map(typed::<Appointment>)
        .map(|a| ApptEvidence { start: view::when(a.slot_start), end: view::when(a.slot_end), status: appointment_badge(a.status) })
        .collect();
    let receipts = pack
        .receipts
        .iter()
        .filter_map(typed::<Receipt>)
        .map(|r| {
            let scans: Vec<ScanEvidence> = r
                .cartons
                .iter()
                .map(|k| ScanEvidence {
                    sscc: k.sscc.clone(),
                    on_asn: k.on_asn,
                    scanned: view::when(k.scanned_at),
                    received: k.lines.iter().map(|l| l.received).sum(),
                    damaged: k.lines.iter().map(|l| l.damaged).sum(),
                })
                .collect();
            ReceiptEvidence {
                checked_in: view::when(r.checked_in_at),
                closed: r.closed_at.map(view::when).unwrap_or_default(),
                received: scans.iter().map(|s| s.received).sum(),
                damaged: scans.iter().map(|s| s.damaged).sum(),
                scans,
            }
        })
        .collect();
    let invoice = pack.invoice.as_ref().and_then(|v| {
        let inv: Invoice = v.get("invoice").and_then(typed)?;
        let lines: Vec<InvoiceLine> = v.get("lines").and_then(typed).unwrap_or_default();
        Some(InvoiceEvidence {
            id: inv.id.to_string(),
            number: inv.number.clone(),
            date: inv.invoice_date.to_string(),
            total: money_of(inv.total, &inv.currency),
            state: state_badge(inv.shown_state()),
            lines: lines
                .iter()
                .map(|l| InvoiceLineEvidence {
                    line: l.line_no,
                    po_line: l.po_line_no,
                    sku: l.vendor_sku.clone(),
                    quantity: l.quantity,
                    unit_cost: format!("{} {}", l.unit_cost.normalize(), inv.currency),
                    outcome: l.outcome().map(outcome_badge),
                })
                .collect(),
        })
    });
    Evidence { po, acks, shipments, appointments, receipts, invoice }
}

fn outcome_key(o: DisputeOutcome) -> Badge {
    match o {
        DisputeOutcome::Reversed => Badge { key: "ded.outcome.reversed", class: "badge-success" },
        DisputeOutcome::PartiallyReversed => Badge { key: "ded.outcome.partially_reversed", class: "badge-warning" },
        DisputeOutcome::Upheld => Badge { key: "ded.outcome.upheld", class: "badge-critical" },
    }
}

/// A file size for people: bytes, KiB or MiB.
pub(crate) fn size_text(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// What the decision form holds.
#[derive(Default)]
pub struct Decision {
    outcome: String,
    amount: String,
    reason: String,
}

impl Decision {
    fn is(&self, outcome: &str) -> bool {
        self.outcome == outcome
    }
}

#[derive(Template)]
#[template(path = "deduction.html")]
struct DetailPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    id: String,
    number: String,
    kind: &'static str,
    reason_code: String,
    description: String,
    status: Badge,
    vendor_code: String,
    amount: String,
    recovered: String,
    reversed: String,
    outstanding: String,
    posted: String,
    deadline: String,
    chip: String,
    chip_class: &'static str,
    attempts: i64,
    po_href: String,
    po_number: String,
    shipment_href: String,
    invoice_href: String,
    invoice_line: String,
    remittance_href: String,
    return_href: String,
    evidence: Evidence,
    disputes: Vec<DisputeView>,
    /// The vendor may dispute now.
    dispute_open: bool,
    /// Why the vendor cannot dispute (shown to vendor users who could otherwise).
    refusal: String,
    show_refusal: bool,
    message: String,
    /// Staff may decide the open dispute.
    decide_open: bool,
    decision: Decision,
    outcomes: Vec<(&'static str, &'static str)>,
    max_chars: usize,
}

/// What the page shows besides the deduction: errors, the notice and the typed forms.
#[derive(Default)]
struct Extra {
    errors: Errors,
    notice: &'static str,
    message: String,
    decision: Decision,
}

async fn detail(s: &AppState, ctx: &Ctx, auth: &SessionAuth, shell: Shell, t: T, id: Uuid, extra: Extra) -> Result<DetailPage, ServiceError> {
    let d: DeductionDetail = s.services.deduction(ctx, id).await?;
    let pack = s.services.evidence_pack(ctx, id).await?;
    let x = &d.deduction;
    let cur = x.currency.as_str();
    let now = Utc::now();
    let (chip, chip_class) = window_chip(t, x, now);
    let disputes: Vec<DisputeView> = d
        .disputes
        .iter()
        .map(|v| {
            let p = &v.dispute;
            DisputeView {
                attempt: p.attempt,
                opened: view::when(p.opened_at),
                opened_by: p.opened_by.clone(),
                message: p.message.clone(),
                documents: v
                    .documents
                    .iter()
                    .map(|doc| DocView {
                        id: doc.id.to_string(),
                        filename: doc.filename.clone(),
                        size: size_text(doc.size),
                        content_type: doc.content_type.split(';').next().unwrap_or_default().to_string(),
                        uploaded: view::when(doc.uploaded_at),
                    })
                    .collect(),
                outcome: p.outcome.map(outcome_key),
                reversed: p.reversed_amount.map(|a| money_of(a, cur)).unwrap_or_default(),
                reason: p.decision_reason.clone().unwrap_or_default(),
                decided: p.decided_at.map(view::when).unwrap_or_default(),
                decided_by: p.decided_by.clone().unwrap_or_default(),
            }
        })
        .collect();
    let open_dispute = d.disputes.iter().any(|v| v.dispute.decided_at.is_none());
    let vendor_writer = can_dispute(auth);
    Ok(DetailPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors: extra.errors,
        notice: extra.notice,
        id: x.id.to_string(),
        number: x.number.clone(),
        kind: kind_key(x.kind),
        reason_code: x.reason_code.clone(),
        description: x.description.clone(),
        status: deduction_badge(x.status),
        vendor_code: x.vendor_code.clone(),
        amount: money_of(x.amount, cur),
        recovered: money_of(x.recovered, cur),
        reversed: money_of(x.reversed, cur),
        outstanding: money_of(d.outstanding, cur),
        posted: view::when(x.posted_at),
        deadline: x.dispute_deadline.map(view::when).unwrap_or_default(),
        chip,
        chip_class,
        attempts: x.dispute_attempts,
        po_href: x.po_id.map(|p| format!("/orders/{p}")).unwrap_or_default(),
        po_number: x.po_number.clone().unwrap_or_default(),
        shipment_href: if access(auth, Area::Acknowledgements) >= Access::Read {
            x.shipment_id.map(|p| format!("/shipments/{p}")).unwrap_or_default()
        } else {
            String::new()
        },
        invoice_href: if access(auth, Area::Invoices) >= Access::Read {
            x.invoice_id.map(|p| format!("/invoices/{p}")).unwrap_or_default()
        } else {
            String::new()
        },
        invoice_line: x.invoice_line_no.map(|n| n.to_string()).unwrap_or_default(),
        remittance_href: if access(auth, Area::Payments) >= Access::Read {
            x.remittance_id.map(|p| format!("/remittances/{p}")).unwrap_or_default()
        } else {
            String::new()
        },
        return_href: if access(auth, Area::Returns) >= Access::Read { x.return_id.map(|p| format!("/returns/{p}")).unwrap_or_default() } else { String::new() },
        evidence: evidence(&pack),
        disputes,
        dispute_open: vendor_writer && d.dispute_refusal.is_none(),
        show_refusal: vendor_writer && d.dispute_refusal.is_some(),
        refusal: d.dispute_refusal.clone().unwrap_or_default(),
        message: extra.message,
        decide_open: can_decide(auth) && open_dispute,
        decision: extra.decision,
        outcomes: DisputeOutcome::ALL.iter().map(|o| (o.as_str(), outcome_key(*o).key)).collect(),
        max_chars: acorn_service::deductions::MAX_MESSAGE_CHARS,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

pub async fn show(State(s): State<AppState>, req: Req, Path(id): Path<String>, Query(dq): Query<DoneQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("deduction")) };
    let extra = Extra { notice: notice_key(&dq.done), ..Extra::default() };
    match detail(&s, &req.ctx(&auth), &auth, shell, t, id, extra).await {
        Ok(p) => render(&p),
        Err(e) => server_error(t, e),
    }
}

/// A `multipart/form-data` body read whole: its text fields and its files `(name, bytes)`; `cut`
/// when the body could not be read to its end (larger than the request limit, or malformed).
pub(crate) struct MultipartBody {
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) files: Vec<(String, Vec<u8>)>,
    pub(crate) cut: bool,
}

pub(crate) async fn read_multipart(s: &AppState, request: Request) -> MultipartBody {
    let mut body = MultipartBody { fields: Vec::new(), files: Vec::new(), cut: false };
    // Anything but multipart (a forged urlencoded post) reads as no fields: the CSRF check refuses it.
    let Ok(mut mp) = Multipart::from_request(request, s).await else { return body };
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_string();
                match field.file_name().map(str::to_string) {
                    Some(filename) => match field.bytes().await {
                        // A file input left empty still sends a part, without a name or bytes.
                        Ok(bytes) if filename.is_empty() && bytes.is_empty() => {}
                        Ok(bytes) => body.files.push((filename, bytes.to_vec())),
                        Err(_) => {
                            body.cut = true;
                            break;
                        }
                    },
                    None => match field.text().await {
                        Ok(text) => body.fields.push((name, text)),
                        Err(_) => {
                            body.cut = true;
                            break;
                        }
                    },
                }
            }
            Ok(None) => break,
            Err(_) => {
                body.cut = true;
                break;
            }
        }
    }
    body
}

impl MultipartBody {
    /// The text fields as a form (the files' digests included, so the one-time form token tells a
    /// second submission with other files apart).
    pub(crate) fn form(&self) -> FormData {
        let mut parts: Vec<String> = self.fields.iter().map(|(k, v)| format!("{}={}", forms::q(k), forms::q(v))).collect();
        for (name, bytes) in &self.files {
            parts.push(format!("_file={}:{}", forms::q(name), hex::encode(Sha256::digest(bytes))));
        }
        FormData::parse(parts.join("&").as_bytes())
    }
}

/// The dispute's failure shown on its fields: every file problem on the file input, naming the file.
fn dispute_errors(e: ServiceError, names: &[String]) -> ServiceError {
    match e {
        ServiceError::Invalid(issues) => ServiceError::Invalid(
            issues
                .into_iter()
                .map(|i| match i.field.strip_prefix("files[").and_then(|r| r.strip_suffix(']')).and_then(|n| n.parse::<usize>().ok()) {
                    Some(n) => FieldIssue::new("files", format!("{}: {}", names.get(n.wrapping_sub(1)).map(String::as_str).unwrap_or("?"), i.issue)),
                    None if i.field == "file" => FieldIssue::new("files", i.issue),
                    None => i,
                })
                .collect(),
        ),
        e => e,
    }
}

/// The vendor disputes: a message and proof files (`multipart/form-data`).
pub async fn dispute(State(s): State<AppState>, req: Req, Path(id): Path<String>, request: Request) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("deduction")) };
    let body = read_multipart(&s, request).await;
    let f = body.form();
    let back = format!("/deductions/{id}");
    let once: Once = match forms::guard(&s, &req, &auth, t, &f, &back).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    if !can_dispute(&auth) {
        return once.failed(&s, t, ServiceError::Forbidden).await;
    }
    let message = f.get("message").to_string();
    let names: Vec<String> = body.files.iter().map(|(n, _)| n.clone()).collect();
    let result = if body.cut {
        Err(ServiceError::invalid("files", t.t("ded.files.too_large")))
    } else {
        s.services.open_dispute(&once.ctx(&req, &auth), id, &message, body.files).await
    };
    match result {
        Ok(_) => once.done(&s, &format!("/deductions/{id}?done=disputed")).await,
        Err(e) => {
            let e = dispute_errors(e, &names);
            let ctx = req.ctx(&auth);
            forms::show_again(&s, once, t, e, "message", async |errors| {
                let errors = labelled(t, errors);
                detail(&s, &ctx, &auth, shell, t, id, Extra { errors, message, ..Extra::default() }).await
            })
            .await
        }
    }
}

/// Names the field in each message for the error summary.
fn labelled(t: T, errors: Errors) -> Errors {
    forms::labelled(
        t,
        errors,
        &[
            ("message", "ded.dispute.message"),
            ("files", "ded.dispute.files"),
            ("outcome", "ded.decide.outcome"),
            ("reversed_amount", "ded.decide.amount"),
            ("reason", "ded.decide.reason"),
        ],
    )
}

/// Staff decide the open dispute: reversed, partially reversed with an amount, or upheld, with a reason.
pub async fn decide(State(s): State<AppState>, req: Req, Path(id): Path<String>, body: Bytes) -> Response {
    let (p, id) = match forms::begin_at(&s, &req, &body, parse_id(&id), |id| format!("/deductions/{id}")).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    if !can_decide(&p.auth) {
        return p.once.failed(&s, t, ServiceError::Forbidden).await;
    }
    let decision = Decision { outcome: f.get("outcome").to_string(), amount: f.get("reversed_amount").to_string(), reason: f.get("reason").to_string() };
    let result = match DisputeOutcome::parse(decision.outcome.trim()) {
        Some(outcome) => {
            let amount = Some(decision.amount.trim()).filter(|a| !a.is_empty());
            s.services.decide_dispute(&p.ctx(&req), id, outcome, amount, &decision.reason).await
        }
        None => Err(ServiceError::invalid("outcome", t.t("ded.decide.outcome.required"))),
    };
    match result {
        Ok(_) => p.once.done(&s, &format!("/deductions/{id}?done=decided")).await,
        Err(e) => {
            let ctx = req.ctx(&p.auth);
            let (auth, shell) = (p.auth, p.shell);
            forms::show_again(&s, p.once, t, e, "outcome", async |errors| {
                let errors = labelled(t, errors);
                detail(&s, &ctx, &auth, shell, t, id, Extra { errors, decision, ..Extra::default() }).await
            })
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Documents.

/// A `Content-Disposition` for a download: an ASCII fallback name and the exact name (RFC 6266).
fn disposition(filename: &str) -> String {
    let ascii: String = filename.chars().map(|c| if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | ';') || c == ' ' { c } else { '_' }).collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", utf8_percent_encode(filename, NON_ALPHANUMERIC))
}

/// A stored document, for the portal session: the service checks the tenant (another vendor's
/// document is "not found") and the owner's area. Always a download, never rendered in the portal.
pub async fn document(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    // The portal links documents of disputes and invoices; their readers are the same roles.
    let allowed = |auth: &SessionAuth| can_read(auth) || access(auth, Area::Invoices) >= Access::Read;
    let (auth, _shell, t) = match pages::portal_for(&s, &req, allowed).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("document")) };
    let (doc, bytes) = match s.services.document(&req.ctx(&auth), id).await {
        Ok(d) => d,
        Err(e) => return server_error(t, e),
    };
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&doc.content_type).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition(&doc.filename)).unwrap_or_else(|_| HeaderValue::from_static("attachment")));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_name_the_file_safely() {
        assert_eq!(disposition("pod.pdf"), "attachment; filename=\"pod.pdf\"; filename*=UTF-8''pod%2Epdf");
        let d = disposition("Lieferschein \"Müller\";.pdf");
        assert!(d.starts_with("attachment; filename=\"Lieferschein _M_ller__.pdf\";"), "{d}");
        assert!(HeaderValue::from_str(&d).is_ok());
    }

    #[test]
    fn file_problems_land_on_the_file_input_naming_the_file() {
        let e = ServiceError::Invalid(vec![
            FieldIssue::new("files[2]", "is empty"),
            FieldIssue::new("file", "is not an accepted type"),
            FieldIssue::new("message", "is required"),
        ]);
        let ServiceError::Invalid(issues) = dispute_errors(e, &["a.pdf".into(), "b.pdf".into()]) else { panic!() };
        assert_eq!((issues[0].field.as_str(), issues[0].issue.as_str()), ("files", "b.pdf: is empty"));
        assert_eq!(issues[1].field, "files");
        assert_eq!(issues[2].field, "message");
    }

    #[test]
    fn a_multipart_body_becomes_a_form_with_its_files_digested() {
        let body = MultipartBody {
            fields: vec![("_csrf".into(), "tok".into()), ("message".into(), "All 10 units & more".into())],
            files: vec![("pod.pdf".into(), b"%PDF-1.4".to_vec())],
            cut: false,
        };
        let f = body.form();
        assert_eq!(f.get("_csrf"), "tok");
        assert_eq!(f.get("message"), "All 10 units & more");
        assert!(f.get("_file").starts_with("pod.pdf:"));
        let other = MultipartBody { files: vec![("pod.pdf".into(), b"%PDF-1.5".to_vec())], ..body };
        assert_ne!(other.form().get("_file"), f.get("_file"));
        for o in DisputeOutcome::ALL {
            assert!(view::known(outcome_key(*o).key));
        }
        assert_eq!(size_text(2048), "2.0 KiB");
    }
}
