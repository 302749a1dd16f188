//! The EDI gateway in the portal: the EDI log (direction, kind, status and — for staff — vendor
//! filters, keyset paging, CSV export of the current filter), an interchange's page (key facts, the
//! documents inside with links to what they became, the validator's findings, the related
//! acknowledgement, the raw bytes one segment per line and their download), the upload form (a file,
//! multipart), the trading-partner settings (with the partner's drop and pick-up directories), the
//! stock vendors report by 846, and the "EDI is live" notice that replaces the portal forms for the
//! documents EDI carries.

use super::deductions::{read_multipart, size_text};
use super::forms::{self, FieldErrors, Once};
use super::lists::{self, Links};
use super::orders::parse_id;
use super::pages::{self, Errors, Shell, access, render, server_error};
use super::session::Req;
use super::view::{self, Badge};
use crate::api::edi::raw_download;
use crate::i18n::T;
use crate::state::AppState;
use acorn_domain::edi::{
    AckKind, Direction, DocumentStatus, EdiDocument, EdiStandard, Interchange, InterchangeKind, InterchangeStatus, PartnerInput, Source, TradingPartner, Usage,
};
use acorn_domain::ids::TenantId;
use acorn_domain::policy::{Access, Area};
use acorn_service::auth::SessionAuth;
use acorn_service::edi::files;
use acorn_service::edi::log::{InterchangeDetail, InterchangeFilter};
use acorn_service::{Ctx, ServiceError};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

/// How much of an interchange its page shows as text; the download has all of it.
const RAW_VIEW_BYTES: usize = 256 * 1024;

// ---------------------------------------------------------------------------------------------
// Who may do what (the use cases decide again).

/// Who reads the EDI log and the partner settings.
pub(crate) fn can_read(auth: &SessionAuth) -> bool {
    access(auth, Area::Integrations) >= Access::Read
}

/// Who uploads interchanges and edits the partner settings.
fn can_write(auth: &SessionAuth) -> bool {
    access(auth, Area::Integrations) >= Access::Write
}

/// Who reads vendor-reported stock.
pub(crate) fn can_read_stock(auth: &SessionAuth) -> bool {
    access(auth, Area::Items) >= Access::Read
}

// ---------------------------------------------------------------------------------------------
// Presentation helpers.

pub(crate) fn status_badge(s: InterchangeStatus) -> Badge {
    match s {
        InterchangeStatus::Processing => Badge { key: "edi.status.processing", class: "badge-info" },
        InterchangeStatus::Success => Badge { key: "edi.status.success", class: "badge-success" },
        InterchangeStatus::Failure => Badge { key: "edi.status.failure", class: "badge-critical" },
    }
}

pub(crate) fn document_badge(s: DocumentStatus) -> Badge {
    let (key, class) = match s {
        DocumentStatus::Applied => ("edi.doc.applied", "badge-success"),
        DocumentStatus::Unchanged => ("edi.doc.unchanged", "badge-neutral"),
        DocumentStatus::Rejected => ("edi.doc.rejected", "badge-critical"),
        DocumentStatus::Tested => ("edi.doc.tested", "badge-info"),
        DocumentStatus::Recorded => ("edi.doc.recorded", "badge-success"),
        DocumentStatus::Sent => ("edi.doc.sent", "badge-info"),
        DocumentStatus::Accepted => ("edi.doc.accepted", "badge-success"),
        DocumentStatus::RefusedByPartner => ("edi.doc.refused_by_partner", "badge-critical"),
    };
    Badge { key, class }
}

pub(crate) fn direction_key(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "edi.direction.inbound",
        Direction::Outbound => "edi.direction.outbound",
    }
}

fn kind_key(k: InterchangeKind) -> &'static str {
    match k {
        InterchangeKind::Documents => "edi.kind.documents",
        InterchangeKind::Acknowledgement => "edi.kind.acknowledgement",
    }
}

fn source_key(s: Source) -> &'static str {
    match s {
        Source::Upload => "edi.source.upload",
        Source::Drop => "edi.source.drop",
        Source::Generated => "edi.source.generated",
    }
}

fn standard_key(s: EdiStandard) -> &'static str {
    match s {
        EdiStandard::X12 => "edi.standard.x12",
        EdiStandard::Edifact => "edi.standard.edifact",
    }
}

fn usage_key(u: Usage) -> &'static str {
    match u {
        Usage::Test => "edi.usage.test",
        Usage::Production => "edi.usage.production",
    }
}

fn ack_kind_key(a: AckKind) -> &'static str {
    match a {
        AckKind::Fa997 => "edi.ack_kind.997",
        AckKind::Ia999 => "edi.ack_kind.999",
    }
}

fn severity_badge(severity: &str) -> Badge {
    match severity {
        "error" => Badge { key: "edi.severity.error", class: "badge-critical" },
        "warning" => Badge { key: "edi.severity.warning", class: "badge-warning" },
        _ => Badge { key: "edi.severity.info", class: "badge-neutral" },
    }
}

/// The notice for `?done=…` after an upload or a save.
fn notice_key(done: &str) -> &'static str {
    match done {
        "success" => "edi.notice.success",
        "failure" => "edi.notice.failure",
        "processing" => "edi.notice.processing",
        "duplicate" => "edi.notice.duplicate",
        d => view::notice_key(d),
    }
}

/// The portal page of an ACORN object an EDI document became, when the user may open it.
fn object_href(auth: &SessionAuth, object_type: Option<&str>, object_id: Option<Uuid>) -> String {
    let (Some(kind), Some(id)) = (object_type, object_id) else { return String::new() };
    let (area, href) = match kind {
        // An acknowledgement is shown on its purchase order's page. (A PO change's id is its
        // history event's, which has no page of its own: the reference names the PO.)
        "purchase_order" | "acknowledgement" => (Area::PurchaseOrders, format!("/orders/{id}")),
        "shipment" => (Area::Acknowledgements, format!("/shipments/{id}")),
        "invoice" => (Area::Invoices, format!("/invoices/{id}")),
        "remittance" => (Area::Payments, format!("/remittances/{id}")),
        "stock_report" => (Area::Items, "/stock".to_string()),
        _ => return String::new(),
    };
    if access(auth, area) >= Access::Read { href } else { String::new() }
}

fn object_key(object_type: Option<&str>) -> &'static str {
    match object_type {
        Some("purchase_order") => "edi.object.purchase_order",
        Some("acknowledgement") => "edi.object.acknowledgement",
        Some("po_event") => "edi.object.po_event",
        Some("shipment") => "edi.object.shipment",
        Some("invoice") => "edi.object.invoice",
        Some("remittance") => "edi.object.remittance",
        Some("stock_report") => "edi.object.stock_report",
        _ => "",
    }
}

/// The vendor code of a tenant in a list (empty when unknown).
fn code_of(codes: &[(TenantId, String)], tenant: TenantId) -> String {
    codes.iter().find(|(t, _)| *t == tenant).map(|(_, c)| c.clone()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// "EDI is live": the portal forms for acknowledgements, ASNs and invoices are closed.

/// Whether the signed-in vendor user's forms for the documents EDI carries are closed. (Staff never
/// submit those documents; a failed look-up leaves the form open, and the use case still refuses.)
pub(crate) async fn live_for(s: &AppState, auth: &SessionAuth) -> bool {
    !auth.user.is_retailer() && s.services.edi_live(auth.user.tenant_id).await.unwrap_or(false)
}

#[derive(Template)]
#[template(path = "edi_live.html")]
struct LivePage {
    t: T,
    shell: Shell,
    back: String,
}

/// The page shown instead of such a form (200), and the answer to its POST (409).
pub(crate) fn live_page(shell: Shell, t: T, back: &str, status: StatusCode) -> Response {
    (status, render(&LivePage { t, shell, back: back.to_string() })).into_response()
}

/// The start of a POST to such a form: the submission to go on with, or the 409 page (its form
/// token released, so the same form may be sent once EDI is no longer live).
pub(crate) async fn refuse_when_live(s: &AppState, p: forms::Post, back: &str) -> Result<forms::Post, Response> {
    if !live_for(s, &p.auth).await {
        return Ok(p);
    }
    p.once.release(s).await;
    Err(live_page(p.shell, p.t, back, StatusCode::CONFLICT))
}

// ---------------------------------------------------------------------------------------------
// The log.

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogQuery {
    direction: String,
    kind: String,
    status: String,
    vendor: String,
    cursor: String,
    done: String,
}

/// The filters as typed (kept in links, the CSV export and the form).
#[derive(Default)]
pub struct Filters {
    direction: String,
    kind: String,
    status: String,
    vendor: String,
}

impl Filters {
    fn from_query(q: &LogQuery) -> Filters {
        Filters { direction: q.direction.trim().into(), kind: q.kind.trim().into(), status: q.status.trim().into(), vendor: q.vendor.trim().to_uppercase() }
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![("direction", self.direction.as_str()), ("kind", self.kind.as_str()), ("status", self.status.as_str()), ("vendor", self.vendor.as_str())]
    }

    fn active(&self) -> bool {
        self.pairs().iter().any(|(_, v)| !v.is_empty())
    }

    /// The use case's filter; `None` when the vendor named is not one (nothing can match).
    async fn filter(&self, s: &AppState, ctx: &Ctx) -> Result<Option<InterchangeFilter>, ServiceError> {
        let vendor = Some(self.vendor.as_str()).filter(|v| !v.is_empty());
        let tenant = match s.services.edi_vendor(ctx, Area::Integrations, Access::Read, vendor).await {
            Ok(t) => t,
            Err(ServiceError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        Ok(Some(InterchangeFilter {
            tenant,
            direction: Direction::parse(&self.direction),
            kind: InterchangeKind::parse(&self.kind),
            status: InterchangeStatus::parse(&self.status),
        }))
    }
}

pub struct LogRow {
    id: String,
    vendor: String,
    at: String,
    at_iso: String,
    direction: &'static str,
    kind: &'static str,
    sets: String,
    control: String,
    sender: String,
    receiver: String,
    test: bool,
    status: Badge,
    summary: String,
}

fn log_row(i: &Interchange, codes: &[(TenantId, String)]) -> LogRow {
    LogRow {
        id: i.id.to_string(),
        vendor: code_of(codes, i.tenant),
        at: view::when(i.created_at),
        at_iso: view::iso(i.created_at),
        direction: direction_key(i.direction),
        kind: kind_key(i.kind),
        sets: crate::api::edi::sets_of(&i.sets).join(", "),
        control: i.control_number.clone(),
        sender: i.sender.clone(),
        receiver: i.receiver.clone(),
        test: i.test,
        status: status_badge(i.status),
        summary: i.summary.clone(),
    }
}

#[derive(Template)]
#[template(path = "edi_log.html")]
struct LogPage {
    t: T,
    shell: Shell,
    f: Filters,
    filtered: bool,
    directions: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<LogRow>,
    next_href: String,
    first_href: String,
    csv_href: String,
    retailer: bool,
    can_upload: bool,
    /// The settings and the upload, for the vendor staff filter on (if any).
    partner_href: String,
    upload_href: String,
    notice: &'static str,
}

pub async fn log(State(s): State<AppState>, req: Req, Query(lq): Query<LogQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let f = Filters::from_query(&lq);
    let cursor = lists::cursor(&lq.cursor);
    let page = match f.filter(&s, &ctx).await {
        Ok(Some(filter)) => s.services.edi_log(&ctx, filter, cursor, None).await,
        Ok(None) => Ok(acorn_domain::paging::Page { items: Vec::new(), next: None }),
        Err(e) => Err(e),
    };
    let page = match page {
        Ok(p) => p,
        Err(e) => return server_error(t, e),
    };
    let retailer = auth.user.is_retailer();
    let codes = if retailer { vendor_codes(&s, &ctx, page.items.iter().map(|i| i.tenant)).await } else { Vec::new() };
    let Links { next_href, first_href, csv_href } = lists::links("/edi", &f.pairs(), cursor, page.next.as_deref());
    let vendor = forms::query(&[("vendor", &f.vendor)]);
    render(&LogPage {
        t,
        filtered: f.active(),
        directions: Direction::ALL.iter().map(|d| (d.as_str(), direction_key(*d))).collect(),
        kinds: InterchangeKind::ALL.iter().map(|k| (k.as_str(), kind_key(*k))).collect(),
        statuses: InterchangeStatus::ALL.iter().map(|st| (st.as_str(), status_badge(*st).key)).collect(),
        rows: page.items.iter().map(|i| log_row(i, &codes)).collect(),
        next_href,
        first_href,
        csv_href,
        retailer,
        can_upload: can_write(&auth),
        partner_href: format!("/edi/partner{vendor}"),
        upload_href: format!("/edi/upload{vendor}"),
        notice: notice_key(&lq.done),
        f,
        shell,
    })
}

/// The vendor codes of the tenants a list shows (staff lists name vendors); none when unreadable.
async fn vendor_codes(s: &AppState, ctx: &Ctx, tenants: impl Iterator<Item = TenantId>) -> Vec<(TenantId, String)> {
    let tenants: Vec<TenantId> = tenants.collect();
    s.services.edi_vendor_codes(ctx, &tenants).await.unwrap_or_default()
}

/// Every interchange of the current filter as CSV (all pages).
pub async fn log_csv(State(s): State<AppState>, req: Req, Query(lq): Query<LogQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let filter = match Filters::from_query(&lq).filter(&s, &ctx).await {
        Ok(f) => f,
        Err(e) => return server_error(t, e),
    };
    let header = [
        "transaction_id",
        "vendor_code",
        "received_at_utc",
        "direction",
        "kind",
        "standard",
        "source",
        "filename",
        "sender",
        "receiver",
        "control_number",
        "test",
        "status",
        "sets",
        "size_bytes",
        "summary",
        "completed_at_utc",
    ];
    let (s, ctx, filter) = (&s, &ctx, &filter);
    lists::export(t, "edi-log.csv", &header, |cursor| async move {
        let Some(filter) = filter else { return Ok((Vec::new(), None)) };
        let page = s.services.edi_log(ctx, filter.clone(), cursor.as_deref(), Some(lists::EXPORT_PAGE)).await?;
        let codes = vendor_codes(s, ctx, page.items.iter().map(|i| i.tenant)).await;
        let rows = page
            .items
            .iter()
            .map(|i| {
                vec![
                    i.id.to_string(),
                    code_of(&codes, i.tenant),
                    view::iso(i.created_at),
                    i.direction.as_str().into(),
                    i.kind.as_str().into(),
                    i.standard.as_str().into(),
                    i.source.as_str().into(),
                    i.filename.clone(),
                    i.sender.clone(),
                    i.receiver.clone(),
                    i.control_number.clone(),
                    i.test.to_string(),
                    i.status.as_str().into(),
                    i.sets.clone(),
                    i.size.to_string(),
                    i.summary.clone(),
                    i.completed_at.map(view::iso).unwrap_or_default(),
                ]
            })
            .collect();
        Ok((rows, page.next))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// An interchange's page.

pub struct DocRow {
    set_id: String,
    control: String,
    status: Badge,
    reference: String,
    object: &'static str,
    href: String,
    errors: Vec<String>,
}

fn doc_row(auth: &SessionAuth, d: &EdiDocument) -> DocRow {
    DocRow {
        set_id: d.set_id.clone(),
        control: d.control_number.clone(),
        status: document_badge(d.status),
        reference: d.reference.clone(),
        object: object_key(d.object_type.as_deref()),
        href: object_href(auth, d.object_type.as_deref(), d.object_id),
        errors: d.errors.clone(),
    }
}

/// One finding of the validator, as the page lists it.
pub struct FindingRow {
    severity: Badge,
    rule: String,
    place: String,
    message: String,
    value: String,
}

/// Where a finding is, in words: the envelope control numbers, the set, the segment and its
/// position, the element and component, the byte offset — whichever the finding names.
fn place(t: T, loc: &serde_json::Value) -> String {
    let text = |k: &str| loc.get(k).and_then(|v| v.as_str()).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let num = |k: &str| loc.get(k).and_then(|v| v.as_u64());
    let mut parts = Vec::new();
    if let Some(i) = text("interchange") {
        parts.push(format!("{} {i}", t.t("edi.at.interchange")));
    }
    if let Some(g) = text("group") {
        parts.push(format!("{} {g}", t.t("edi.at.group")));
    }
    match (text("set_id"), text("set")) {
        (Some(id), Some(c)) => parts.push(format!("{} {id} {c}", t.t("edi.at.set"))),
        (Some(id), None) => parts.push(format!("{} {id}", t.t("edi.at.set"))),
        (None, Some(c)) => parts.push(format!("{} {c}", t.t("edi.at.set"))),
        (None, None) => {}
    }
    let tag = text("segment_tag");
    match (&tag, num("segment_position")) {
        (Some(tag), Some(p)) => parts.push(format!("{} {tag} ({} {p})", t.t("edi.at.segment"), t.t("edi.at.position"))),
        (Some(tag), None) => parts.push(format!("{} {tag}", t.t("edi.at.segment"))),
        (None, Some(p)) => parts.push(format!("{} {p}", t.t("edi.at.position"))),
        (None, None) => {}
    }
    if let Some(e) = num("element") {
        let mut s = format!("{} {}{e:02}", t.t("edi.at.element"), tag.as_deref().unwrap_or(""));
        if let Some(c) = num("component") {
            s.push_str(&format!("-{c}"));
        }
        parts.push(s);
    }
    if let Some(o) = num("offset") {
        parts.push(format!("{} {o}", t.t("edi.at.byte")));
    }
    parts.join(", ")
}

fn finding_rows(t: T, findings: &serde_json::Value) -> Vec<FindingRow> {
    let text = |f: &serde_json::Value, k: &str| f.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    findings
        .as_array()
        .map(|all| {
            all.iter()
                .map(|f| FindingRow {
                    severity: severity_badge(f.get("severity").and_then(|v| v.as_str()).unwrap_or_default()),
                    rule: text(f, "rule"),
                    place: f.get("location").map(|l| place(t, l)).unwrap_or_default(),
                    message: text(f, "message"),
                    value: text(f, "value"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The bytes as text, one segment per line (the engine's tokenizer finds the segments, with their
/// release characters and any number of interchanges). Text that is not UTF-8 is read as Latin-1,
/// the EDIFACT UNOB/UNOC repertoire. Anything that is not EDI, or after the last segment, is shown as is.
fn segment_lines(bytes: &[u8]) -> String {
    let decode = |b: &[u8]| match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => b.iter().map(|&c| c as char).collect(),
    };
    let Ok(mut tokens) = acorn_edi::Tokenizer::new(bytes) else { return decode(bytes) };
    let mut out = decode(tokens.prefix()).trim().to_string();
    for seg in tokens.by_ref() {
        if !out.is_empty() {
            out.push('\n');
        }
        let terminator: Vec<u8> = seg.trailer().iter().copied().filter(|b| *b != b'\r' && *b != b'\n').collect();
        out.push_str(decode(seg.raw()).trim_matches(['\r', '\n']));
        out.push_str(&decode(&terminator));
    }
    let rest = decode(tokens.suffix());
    if !rest.trim().is_empty() {
        out.push('\n');
        out.push_str(&rest);
    }
    out
}

pub struct RelatedView {
    id: String,
    key: &'static str,
    control: String,
    sets: String,
    status: Badge,
}

#[derive(Template)]
#[template(path = "edi_detail.html")]
struct DetailPage {
    t: T,
    shell: Shell,
    notice: &'static str,
    id: String,
    vendor: String,
    direction: &'static str,
    kind: &'static str,
    standard: &'static str,
    source: &'static str,
    filename: String,
    sender: String,
    receiver: String,
    control: String,
    test: bool,
    size: String,
    status: Badge,
    summary: String,
    received: String,
    received_iso: String,
    completed: String,
    documents: Vec<DocRow>,
    findings: Vec<FindingRow>,
    related: Option<RelatedView>,
    raw: String,
    truncated: bool,
    shown: String,
}

fn detail_page(auth: &SessionAuth, shell: Shell, t: T, d: &InterchangeDetail, vendor: String, bytes: &[u8], notice: &'static str) -> DetailPage {
    let i = &d.interchange;
    let truncated = bytes.len() > RAW_VIEW_BYTES;
    let shown = &bytes[..bytes.len().min(RAW_VIEW_BYTES)];
    DetailPage {
        t,
        notice,
        id: i.id.to_string(),
        vendor,
        direction: direction_key(i.direction),
        kind: kind_key(i.kind),
        standard: standard_key(i.standard),
        source: source_key(i.source),
        filename: i.filename.clone(),
        sender: i.sender.clone(),
        receiver: i.receiver.clone(),
        control: i.control_number.clone(),
        test: i.test,
        size: size_text(i.size),
        status: status_badge(i.status),
        summary: i.summary.clone(),
        received: view::when(i.created_at),
        received_iso: view::iso(i.created_at),
        completed: i.completed_at.map(view::when).unwrap_or_default(),
        documents: d.documents.iter().map(|doc| doc_row(auth, doc)).collect(),
        findings: finding_rows(t, &d.findings),
        related: d.related.as_ref().map(|r| RelatedView {
            id: r.id.to_string(),
            // Inbound: the acknowledgement sent back; an acknowledgement sent: what it acknowledges.
            key: if i.direction == Direction::Inbound { "edi.related.ack" } else { "edi.related.acknowledged" },
            control: r.control_number.clone(),
            sets: crate::api::edi::sets_of(&r.sets).join(", "),
            status: status_badge(r.status),
        }),
        raw: segment_lines(shown),
        truncated,
        shown: size_text(shown.len() as i64),
        shell,
    }
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
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("interchange")) };
    let ctx = req.ctx(&auth);
    let d = match s.services.edi_interchange(&ctx, id).await {
        Ok(d) => d,
        Err(e) => return server_error(t, e),
    };
    let (_, bytes) = match s.services.edi_raw(&ctx, id).await {
        Ok(r) => r,
        Err(e) => return server_error(t, e),
    };
    let vendor = if auth.user.is_retailer() {
        code_of(&vendor_codes(&s, &ctx, std::iter::once(d.interchange.tenant)).await, d.interchange.tenant)
    } else {
        String::new()
    };
    render(&detail_page(&auth, shell, t, &d, vendor, &bytes, notice_key(&dq.done)))
}

/// The interchange's bytes, exactly as received or sent, as a download.
pub async fn raw(State(s): State<AppState>, req: Req, Path(id): Path<String>) -> Response {
    let (auth, _shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(id) = parse_id(&id) else { return server_error(t, ServiceError::NotFound("interchange")) };
    match s.services.edi_raw(&req.ctx(&auth), id).await {
        Ok((i, bytes)) => raw_download(&i, bytes),
        Err(e) => server_error(t, e),
    }
}

// ---------------------------------------------------------------------------------------------
// Upload.

#[derive(Template)]
#[template(path = "edi_upload.html")]
struct UploadPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    retailer: bool,
    vendor: String,
    limit: String,
}

fn upload_page(auth: &SessionAuth, shell: Shell, t: T, errors: Errors, vendor: String) -> UploadPage {
    UploadPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors,
        retailer: auth.user.is_retailer(),
        vendor,
        limit: size_text(crate::api::idempotency::MAX_BODY as i64),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VendorQuery {
    vendor: String,
    done: String,
}

pub async fn upload_page_get(State(s): State<AppState>, req: Req, Query(vq): Query<VendorQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_write).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    render(&upload_page(&auth, shell, t, Vec::new(), vq.vendor.trim().to_uppercase()))
}

/// Field ids of the upload form and their labels.
const UPLOAD_LABELS: &[(&str, &str)] = &[("vendor", "edi.vendor_code"), ("file", "edi.upload.file")];

/// The upload: a file (`multipart/form-data`) and, for staff, the vendor it comes from. The intake
/// runs as for an API upload; the page of the transaction says what became of it.
pub async fn upload(State(s): State<AppState>, req: Req, request: Request) -> Response {
    let (auth, shell, t) = match pages::portal(&s, &req).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let body = read_multipart(&s, request).await;
    let f = body.form();
    let once: Once = match forms::guard(&s, &req, &auth, t, &f, "/edi/upload").await {
        Ok(o) => o,
        Err(r) => return r,
    };
    if !can_write(&auth) {
        return once.failed(&s, t, ServiceError::Forbidden).await;
    }
    let vendor = f.get("vendor").trim().to_uppercase();
    let ctx = once.ctx(&req, &auth);
    let result = async {
        let code = Some(vendor.as_str()).filter(|v| !v.is_empty());
        let tenant = match s.services.edi_vendor(&ctx, Area::Integrations, Access::Write, code).await {
            Ok(Some(t)) => t,
            Ok(None) => return Err(ServiceError::invalid("vendor", t.t("edi.vendor_code.required"))),
            Err(ServiceError::NotFound(_)) => return Err(ServiceError::invalid("vendor", t.t("edi.vendor_code.unknown").replace("{code}", &vendor))),
            Err(e) => return Err(e),
        };
        if body.cut {
            return Err(ServiceError::invalid("file", t.t("edi.upload.too_large").replace("{limit}", &size_text(crate::api::idempotency::MAX_BODY as i64))));
        }
        let Some((name, bytes)) = body.files.into_iter().next() else { return Err(ServiceError::invalid("file", t.t("edi.upload.choose"))) };
        if bytes.is_empty() {
            return Err(ServiceError::invalid("file", t.t("edi.upload.empty").replace("{name}", &name)));
        }
        s.services.receive_edi(&ctx, tenant, bytes, Source::Upload, &name).await
    }
    .await;
    match result {
        Ok(r) => {
            let done = if r.duplicate { "duplicate" } else { r.interchange.status.as_str() };
            once.done(&s, &format!("/edi/{}?done={done}", r.interchange.id)).await
        }
        Err(e) => {
            forms::show_again(&s, once, t, e, "file", async |errors| {
                Ok(upload_page(&auth, shell, t, forms::labelled(t, errors, UPLOAD_LABELS), vendor.clone()))
            })
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Trading-partner settings.

/// Field ids of the settings form and their labels (the ids are the use case's field names).
const PARTNER_LABELS: &[(&str, &str)] = &[
    ("vendor", "edi.vendor_code"),
    ("standard", "edi.partner.standard"),
    ("partner_qualifier", "edi.partner.partner_qualifier"),
    ("partner_id", "edi.partner.partner_id"),
    ("our_qualifier", "edi.partner.our_qualifier"),
    ("our_id", "edi.partner.our_id"),
    ("partner_group_id", "edi.partner.partner_group_id"),
    ("our_group_id", "edi.partner.our_group_id"),
    ("interchange_version", "edi.partner.interchange_version"),
    ("document_version", "edi.partner.document_version"),
    ("charset", "edi.partner.charset"),
    ("usage", "edi.partner.usage"),
    ("ack_kind", "edi.partner.ack_kind"),
    ("element_separator", "edi.partner.element_separator"),
    ("component_separator", "edi.partner.component_separator"),
    ("repetition_separator", "edi.partner.repetition_separator"),
    ("segment_terminator", "edi.partner.segment_terminator"),
    ("edi_live", "edi.partner.edi_live"),
];

fn typed_of(p: &TradingPartner) -> PartnerInput {
    PartnerInput {
        standard: p.standard.as_str().into(),
        partner_qualifier: p.partner_qualifier.clone(),
        partner_id: p.partner_id.clone(),
        our_qualifier: p.our_qualifier.clone(),
        our_id: p.our_id.clone(),
        partner_group_id: p.partner_group_id.clone(),
        our_group_id: p.our_group_id.clone(),
        interchange_version: p.interchange_version.clone(),
        document_version: p.document_version.clone(),
        charset: p.charset.clone(),
        usage: p.usage.as_str().into(),
        ack_kind: p.ack_kind.as_str().into(),
        element_separator: p.element_separator.clone(),
        component_separator: p.component_separator.clone(),
        repetition_separator: p.repetition_separator.clone(),
        segment_terminator: p.segment_terminator.clone(),
        edi_live: p.edi_live,
    }
}

/// The saved settings as the page shows them read-only.
pub struct SavedView {
    vendor_code: String,
    standard: &'static str,
    usage: &'static str,
    ack_kind: &'static str,
    inbox: String,
    outbox: String,
    updated: String,
    updated_by: String,
}

#[derive(Template)]
#[template(path = "edi_partner.html")]
struct PartnerPage {
    t: T,
    shell: Shell,
    form_token: String,
    errors: Errors,
    notice: &'static str,
    /// The vendor code staff opened the page for (empty: the picker).
    vendor: String,
    /// Staff have not named a vendor yet: the page is the picker.
    picking: bool,
    can_edit: bool,
    saved: Option<SavedView>,
    typed: PartnerInput,
    standards: Vec<(&'static str, &'static str)>,
    usages: Vec<(&'static str, &'static str)>,
    ack_kinds: Vec<(&'static str, &'static str)>,
    log_href: String,
}

impl PartnerPage {
    /// Whether a choice is the one typed (selects).
    fn is(&self, field: &str, value: &str) -> bool {
        let typed = match field {
            "standard" => &self.typed.standard,
            "usage" => &self.typed.usage,
            _ => &self.typed.ack_kind,
        };
        typed.eq_ignore_ascii_case(value)
    }
}

/// The page for the vendor `vendor` names (staff) or the user's own; `sent` is the form as sent
/// with its errors (else the saved settings are shown).
async fn partner_view(
    s: &AppState,
    ctx: &Ctx,
    auth: &SessionAuth,
    shell: Shell,
    t: T,
    vendor: &str,
    sent: Option<(PartnerInput, Errors)>,
) -> Result<PartnerPage, ServiceError> {
    let retailer = auth.user.is_retailer();
    let code = Some(vendor).filter(|v| !v.is_empty());
    let tenant = s.services.edi_vendor(ctx, Area::Integrations, Access::Read, code).await?;
    let partner = match tenant {
        Some(tenant) => s.services.edi_partner(ctx, tenant).await?,
        None => None,
    };
    let data_dir = &s.services.config.data_dir;
    let saved = partner.as_ref().map(|p| SavedView {
        vendor_code: p.vendor_code.clone(),
        standard: standard_key(p.standard),
        usage: usage_key(p.usage),
        ack_kind: ack_kind_key(p.ack_kind),
        inbox: files::inbox(data_dir, &p.vendor_code).display().to_string(),
        outbox: files::outbox(data_dir, &p.vendor_code).display().to_string(),
        updated: view::when(p.updated_at),
        updated_by: p.updated_by.clone(),
    });
    let (typed, errors) = sent.map(|(typed, errors)| (Some(typed), errors)).unwrap_or_default();
    let typed = typed.unwrap_or_else(|| {
        partner.as_ref().map(typed_of).unwrap_or(PartnerInput {
            standard: "x12".into(),
            usage: "production".into(),
            ack_kind: "997".into(),
            ..PartnerInput::default()
        })
    });
    let log_href = match (&partner, retailer) {
        (Some(p), true) => format!("/edi{}", forms::query(&[("vendor", &p.vendor_code)])),
        (Some(_), false) => "/edi".into(),
        (None, _) => String::new(),
    };
    Ok(PartnerPage {
        t,
        shell,
        form_token: forms::new_token(),
        errors,
        notice: "",
        vendor: vendor.to_string(),
        picking: tenant.is_none(),
        can_edit: can_write(auth),
        saved,
        typed,
        standards: EdiStandard::ALL.iter().map(|x| (x.as_str(), standard_key(*x))).collect(),
        usages: Usage::ALL.iter().map(|u| (u.as_str(), usage_key(*u))).collect(),
        ack_kinds: AckKind::ALL.iter().map(|a| (a.as_str(), ack_kind_key(*a))).collect(),
        log_href,
    })
}

pub async fn partner(State(s): State<AppState>, req: Req, Query(vq): Query<VendorQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let vendor = vq.vendor.trim().to_uppercase();
    match partner_view(&s, &req.ctx(&auth), &auth, shell, t, &vendor, None).await {
        Ok(mut page) => {
            page.notice = notice_key(&vq.done);
            render(&page)
        }
        Err(e) => server_error(t, e),
    }
}

pub async fn save_partner(State(s): State<AppState>, req: Req, body: Bytes) -> Response {
    let form = forms::FormData::parse(&body);
    let vendor = form.get("vendor").trim().to_uppercase();
    let back = format!("/edi/partner{}", forms::query(&[("vendor", &vendor)]));
    let p = match forms::begin(&s, &req, &body, &back).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (f, t) = (&p.f, p.t);
    if !can_write(&p.auth) {
        return p.once.failed(&s, t, ServiceError::Forbidden).await;
    }
    let typed = PartnerInput {
        standard: f.get("standard").into(),
        partner_qualifier: f.get("partner_qualifier").into(),
        partner_id: f.get("partner_id").into(),
        our_qualifier: f.get("our_qualifier").into(),
        our_id: f.get("our_id").into(),
        partner_group_id: f.get("partner_group_id").into(),
        our_group_id: f.get("our_group_id").into(),
        interchange_version: f.get("interchange_version").into(),
        document_version: f.get("document_version").into(),
        charset: f.get("charset").into(),
        usage: f.get("usage").into(),
        ack_kind: f.get("ack_kind").into(),
        element_separator: f.get("element_separator").into(),
        component_separator: f.get("component_separator").into(),
        repetition_separator: f.get("repetition_separator").into(),
        segment_terminator: f.get("segment_terminator").into(),
        edi_live: !f.get("edi_live").is_empty(),
    };
    let ctx = p.ctx(&req);
    let code = Some(vendor.as_str()).filter(|v| !v.is_empty());
    let result = match s.services.edi_vendor(&ctx, Area::Integrations, Access::Write, code).await {
        Ok(Some(tenant)) => s.services.set_edi_partner(&ctx, tenant, typed.clone()).await.map(|_| ()),
        Ok(None) => Err(ServiceError::invalid("vendor", t.t("edi.vendor_code.required"))),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            let done = format!("/edi/partner{}", forms::query(&[("vendor", &vendor), ("done", "saved")]));
            p.once.done(&s, &done).await
        }
        Err(e) => {
            let read = req.ctx(&p.auth);
            forms::show_again(&s, p.once, t, e, "partner_id", async |errors| {
                partner_view(&s, &read, &p.auth, p.shell, t, &vendor, Some((typed, forms::labelled(t, errors, PARTNER_LABELS)))).await
            })
            .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Vendor-reported stock.

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StockQuery {
    vendor: String,
}

pub struct StockRow {
    vendor: String,
    sku: String,
    gtin: String,
    title: String,
    item_href: String,
    warehouse: String,
    available: i64,
    reported: String,
    reported_iso: String,
    interchange_href: String,
}

#[derive(Template)]
#[template(path = "stock.html")]
struct StockPage {
    t: T,
    shell: Shell,
    vendor: String,
    filtered: bool,
    retailer: bool,
    rows: Vec<StockRow>,
    csv_href: String,
}

/// The stock of the filter (`None`: the vendor named is not one, so nothing) with vendor codes.
async fn stock_of(s: &AppState, ctx: &Ctx, vendor: &str) -> Result<(Vec<acorn_domain::edi::VendorStock>, Vec<(TenantId, String)>), ServiceError> {
    let code = Some(vendor).filter(|v| !v.is_empty());
    let tenant = match s.services.edi_vendor(ctx, Area::Items, Access::Read, code).await {
        Ok(t) => t,
        Err(ServiceError::NotFound(_)) => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(e),
    };
    let stock = s.services.vendor_stock(ctx, tenant, None).await?;
    let codes = vendor_codes(s, ctx, stock.iter().map(|v| v.tenant)).await;
    Ok((stock, codes))
}

pub async fn stock(State(s): State<AppState>, req: Req, Query(sq): Query<StockQuery>) -> Response {
    let (auth, shell, t) = match pages::portal_for(&s, &req, can_read_stock).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let vendor = sq.vendor.trim().to_uppercase();
    let (stock, codes) = match stock_of(&s, &ctx, &vendor).await {
        Ok(x) => x,
        Err(e) => return server_error(t, e),
    };
    let edi = can_read(&auth);
    let rows = stock
        .iter()
        .map(|v| StockRow {
            vendor: code_of(&codes, v.tenant),
            sku: v.vendor_sku.clone(),
            gtin: v.gtin.clone(),
            title: v.title.clone(),
            item_href: format!("/items/{}", v.item_id),
            warehouse: v.warehouse.clone(),
            available: v.available,
            reported: view::when(v.reported_at),
            reported_iso: view::iso(v.reported_at),
            interchange_href: if edi { format!("/edi/{}", v.interchange_id) } else { String::new() },
        })
        .collect();
    render(&StockPage {
        t,
        shell,
        filtered: !vendor.is_empty(),
        csv_href: format!("/stock.csv{}", forms::query(&[("vendor", &vendor)])),
        vendor,
        retailer: auth.user.is_retailer(),
        rows,
    })
}

/// The reported stock of the current filter as CSV.
pub async fn stock_csv(State(s): State<AppState>, req: Req, Query(sq): Query<StockQuery>) -> Response {
    let (auth, _shell, t) = match pages::portal_for(&s, &req, can_read_stock).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ctx = req.ctx(&auth);
    let vendor = sq.vendor.trim().to_uppercase();
    let header = ["vendor_code", "vendor_sku", "gtin", "title", "warehouse", "available", "reported_at_utc", "transaction_id"];
    let (s, ctx, vendor) = (&s, &ctx, &vendor);
    // The use case answers the whole list at once: one "page".
    lists::export(t, "vendor-stock.csv", &header, |_| async move {
        let (stock, codes) = stock_of(s, ctx, vendor).await?;
        let rows = stock
            .iter()
            .map(|v| {
                vec![
                    code_of(&codes, v.tenant),
                    v.vendor_sku.clone(),
                    v.gtin.clone(),
                    v.title.clone(),
                    v.warehouse.clone(),
                    v.available.to_string(),
                    view::iso(v.reported_at),
                    v.interchange_id.to_string(),
                ]
            })
            .collect();
        Ok((rows, None))
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The EDI documents about a purchase order (its page's "EDI" section).

/// One EDI document about an object (the purchase order page shows them).
pub struct AboutRow {
    pub(crate) set_id: String,
    pub(crate) direction: &'static str,
    pub(crate) status: Badge,
    pub(crate) at: String,
    pub(crate) at_iso: String,
    /// The interchange's page, for those who read EDI.
    pub(crate) href: String,
}

/// The EDI documents about an object, for those who read EDI or purchase orders; none otherwise
/// (and none when they cannot be read: the section is extra to the page).
pub(crate) async fn documents_about(s: &AppState, ctx: &Ctx, auth: &SessionAuth, tenant: TenantId, object: Uuid) -> Vec<AboutRow> {
    if !can_read(auth) && access(auth, Area::PurchaseOrders) < Access::Read {
        return Vec::new();
    }
    let links = can_read(auth);
    match s.services.edi_documents_about(ctx, tenant, object).await {
        Ok(docs) => docs
            .iter()
            .map(|d| AboutRow {
                set_id: d.set_id.clone(),
                direction: direction_key(d.direction),
                status: document_badge(d.status),
                at: view::when(d.created_at),
                at_iso: view::iso(d.created_at),
                href: if links { format!("/edi/{}", d.interchange_id) } else { String::new() },
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the EDI documents of an object");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::view::{assert_all_known, known};

    #[test]
    fn every_label_and_badge_is_in_the_catalogue() {
        assert_all_known(InterchangeStatus::ALL, |s| status_badge(s).key);
        assert_all_known(DocumentStatus::ALL, |s| document_badge(s).key);
        assert_all_known(Direction::ALL, direction_key);
        assert_all_known(InterchangeKind::ALL, kind_key);
        assert_all_known(Source::ALL, source_key);
        assert_all_known(EdiStandard::ALL, standard_key);
        assert_all_known(Usage::ALL, usage_key);
        assert_all_known(AckKind::ALL, ack_kind_key);
        for s in ["error", "warning", "info"] {
            assert!(known(severity_badge(s).key), "{s}");
        }
        for d in ["success", "failure", "processing", "duplicate", "saved"] {
            assert!(known(notice_key(d)), "{d}");
        }
        for o in ["purchase_order", "acknowledgement", "po_event", "shipment", "invoice", "remittance", "stock_report"] {
            assert!(known(object_key(Some(o))), "{o}");
        }
        for (_, k) in PARTNER_LABELS.iter().chain(UPLOAD_LABELS) {
            assert!(known(k), "{k}");
        }
        for k in [
            "edi.vendor_code.required",
            "edi.vendor_code.unknown",
            "edi.upload.too_large",
            "edi.upload.choose",
            "edi.upload.empty",
            "edi.at.interchange",
            "edi.at.group",
            "edi.at.set",
            "edi.at.segment",
            "edi.at.position",
            "edi.at.element",
            "edi.at.byte",
            "edi.related.ack",
            "edi.related.acknowledged",
        ] {
            assert!(known(k), "{k}");
        }
    }

    #[test]
    fn segments_are_shown_one_per_line_with_their_terminator() {
        let x12 = b"ISA*00*          *00*          *ZZ*ACME1EDI       *ZZ*ACORNRETAIL    *240101*1200*U*00401*000000001*0*P*>~GS*IB*ACME1EDI*ACORNRETAIL*20240101*1200*1*X*004010~ST*846*0001~SE*2*0001~GE*1*1~IEA*1*000000001~";
        let text = segment_lines(x12);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert!(lines[0].starts_with("ISA*00") && lines[0].ends_with(">~"));
        assert_eq!(lines[2], "ST*846*0001~");
        // Already on lines: kept, not doubled.
        let crlf = b"UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER+240101:1200+1'\r\nUNZ+0+1'\r\n";
        assert_eq!(segment_lines(crlf), "UNA:+.? '\nUNB+UNOC:3+SENDER+RECEIVER+240101:1200+1'\nUNZ+0+1'");
        // Not EDI: as is; Latin-1 read as such.
        assert_eq!(segment_lines(b"hello\nworld"), "hello\nworld");
        assert_eq!(segment_lines(b"caf\xe9"), "café");
    }

    #[test]
    fn findings_say_where_in_words() {
        let t = T::new(acorn_domain::people::Locale::En);
        let loc = serde_json::json!({"interchange": "000000001", "group": "1", "set": "0001", "set_id": "846", "segment_position": 4, "segment_tag": "LIN", "element": 3, "component": null, "offset": 180});
        assert_eq!(place(t, &loc), "interchange 000000001, group 1, set 846 0001, segment LIN (position 4), element LIN03, byte 180");
        assert_eq!(place(t, &serde_json::json!({})), "");
        let rows = finding_rows(t, &serde_json::json!([{"severity": "error", "rule": "envelope_value", "location": {}, "message": "bad", "value": "X"}]));
        assert_eq!((rows[0].rule.as_str(), rows[0].severity.key, rows[0].value.as_str()), ("envelope_value", "edi.severity.error", "X"));
        assert!(finding_rows(t, &serde_json::json!({"not": "a list"})).is_empty());
    }
}
