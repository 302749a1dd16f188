//! The EDI gateway's rows: trading partners, the interchange log with its documents, and
//! vendor-reported stock. Outbound work (which POs, PO changes and remittances still need their
//! document) is found by anti-joins against `edi_documents`, so it survives restarts without a cursor.

use super::{fetch_all, fetch_one};
use crate::error::StoreError;
use acorn_domain::edi::{
    AckKind, Direction, DocumentStatus, EdiDocument, EdiStandard, Interchange, InterchangeKind, InterchangeStatus, Source, TradingPartner, Usage, VendorStock,
};
use acorn_domain::ids::TenantId;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, OnConflict, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

fn parse<T>(what: &str, v: &str, f: impl Fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(v).ok_or_else(|| StoreError::corrupt(format!("{what} `{v}`")))
}

// ---------------------------------------------------------------------------------------------
// Partners

const PARTNER_COLS: [&str; 22] = [
    "tenant_id",
    "vendor_code",
    "standard",
    "partner_qualifier",
    "partner_id",
    "our_qualifier",
    "our_id",
    "partner_group_id",
    "our_group_id",
    "interchange_version",
    "document_version",
    "charset",
    "usage",
    "ack_kind",
    "element_separator",
    "component_separator",
    "repetition_separator",
    "segment_terminator",
    "edi_live",
    "created_at",
    "updated_at",
    "updated_by",
];

#[derive(FromQueryResult)]
struct PartnerRow {
    tenant_id: Uuid,
    vendor_code: String,
    standard: String,
    partner_qualifier: String,
    partner_id: String,
    our_qualifier: String,
    our_id: String,
    partner_group_id: String,
    our_group_id: String,
    interchange_version: String,
    document_version: String,
    charset: String,
    usage: String,
    ack_kind: String,
    element_separator: String,
    component_separator: String,
    repetition_separator: String,
    segment_terminator: String,
    edi_live: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    updated_by: String,
}

impl TryFrom<PartnerRow> for TradingPartner {
    type Error = StoreError;
    fn try_from(r: PartnerRow) -> Result<TradingPartner, StoreError> {
        Ok(TradingPartner {
            tenant: TenantId(r.tenant_id),
            vendor_code: r.vendor_code,
            standard: parse("EDI standard", &r.standard, EdiStandard::parse)?,
            partner_qualifier: r.partner_qualifier,
            partner_id: r.partner_id,
            our_qualifier: r.our_qualifier,
            our_id: r.our_id,
            partner_group_id: r.partner_group_id,
            our_group_id: r.our_group_id,
            interchange_version: r.interchange_version,
            document_version: r.document_version,
            charset: r.charset,
            usage: parse("EDI usage", &r.usage, Usage::parse)?,
            ack_kind: parse("EDI ack kind", &r.ack_kind, AckKind::parse)?,
            element_separator: r.element_separator,
            component_separator: r.component_separator,
            repetition_separator: r.repetition_separator,
            segment_terminator: r.segment_terminator,
            edi_live: r.edi_live,
            created_at: r.created_at,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
        })
    }
}

fn partners() -> SelectStatement {
    Query::select().columns(PARTNER_COLS).from("edi_partners").to_owned()
}

pub async fn partner(c: &impl ConnectionTrait, tenant: TenantId) -> Result<Option<TradingPartner>, StoreError> {
    fetch_one::<PartnerRow>(c, partners().and_where(Expr::col("tenant_id").eq(tenant.0))).await?.map(TradingPartner::try_from).transpose()
}

/// Every vendor with EDI settings (the drop-directory and outbound jobs walk them).
pub async fn all_partners(c: &impl ConnectionTrait) -> Result<Vec<TradingPartner>, StoreError> {
    fetch_all::<PartnerRow>(c, partners().order_by("vendor_code", Order::Asc)).await?.into_iter().map(TradingPartner::try_from).collect()
}

/// The partner whose interchange id this is (ids are claimed unique in the identifier registry).
pub async fn partner_by_party(c: &impl ConnectionTrait, standard: EdiStandard, qualifier: &str, id: &str) -> Result<Option<TradingPartner>, StoreError> {
    let q = partners()
        .and_where(Expr::col("standard").eq(standard.as_str()))
        .and_where(Func::upper(Expr::col("partner_qualifier")).eq(qualifier.trim().to_uppercase()))
        .and_where(Func::upper(Expr::col("partner_id")).eq(id.trim().to_uppercase()))
        .to_owned();
    fetch_one::<PartnerRow>(c, &q).await?.map(TradingPartner::try_from).transpose()
}

pub async fn upsert_partner(c: &impl ConnectionTrait, p: &TradingPartner) -> Result<(), StoreError> {
    let values = [
        p.tenant.0.into(),
        p.vendor_code.clone().into(),
        p.standard.as_str().into(),
        p.partner_qualifier.clone().into(),
        p.partner_id.clone().into(),
        p.our_qualifier.clone().into(),
        p.our_id.clone().into(),
        p.partner_group_id.clone().into(),
        p.our_group_id.clone().into(),
        p.interchange_version.clone().into(),
        p.document_version.clone().into(),
        p.charset.clone().into(),
        p.usage.as_str().into(),
        p.ack_kind.as_str().into(),
        p.element_separator.clone().into(),
        p.component_separator.clone().into(),
        p.repetition_separator.clone().into(),
        p.segment_terminator.clone().into(),
        p.edi_live.into(),
        p.created_at.into(),
        p.updated_at.into(),
        p.updated_by.clone().into(),
    ];
    let mut conflict = OnConflict::column("tenant_id");
    conflict.update_columns(PARTNER_COLS.iter().copied().filter(|c| *c != "tenant_id" && *c != "created_at"));
    c.execute(&Query::insert().into_table("edi_partners").columns(PARTNER_COLS).values_panic(values).on_conflict(conflict).to_owned()).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Interchanges

const INTERCHANGE_COLS: [&str; 22] = [
    "id",
    "tenant_id",
    "direction",
    "kind",
    "standard",
    "source",
    "filename",
    "sender",
    "receiver",
    "control_number",
    "group_control",
    "content_hash",
    "size",
    "test",
    "status",
    "sets",
    "summary",
    "findings_json",
    "related_id",
    "created_at",
    "completed_at",
    "raw",
];

#[derive(FromQueryResult)]
struct InterchangeRow {
    id: Uuid,
    tenant_id: Uuid,
    direction: String,
    kind: String,
    standard: String,
    source: String,
    filename: String,
    sender: String,
    receiver: String,
    control_number: String,
    group_control: String,
    content_hash: String,
    size: i64,
    test: bool,
    status: String,
    sets: String,
    summary: String,
    findings_json: String,
    related_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
}

impl TryFrom<InterchangeRow> for Interchange {
    type Error = StoreError;
    fn try_from(r: InterchangeRow) -> Result<Interchange, StoreError> {
        Ok(Interchange {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            direction: parse("EDI direction", &r.direction, Direction::parse)?,
            kind: parse("EDI interchange kind", &r.kind, InterchangeKind::parse)?,
            standard: parse("EDI standard", &r.standard, EdiStandard::parse)?,
            source: parse("EDI source", &r.source, Source::parse)?,
            filename: r.filename,
            sender: r.sender,
            receiver: r.receiver,
            control_number: r.control_number,
            group_control: r.group_control,
            content_hash: r.content_hash,
            size: r.size,
            test: r.test,
            status: parse("EDI status", &r.status, InterchangeStatus::parse)?,
            sets: r.sets,
            summary: r.summary,
            findings_json: r.findings_json,
            related_id: r.related_id,
            created_at: r.created_at,
            completed_at: r.completed_at,
        })
    }
}

/// The columns of a log row, without the raw bytes (read separately, only for the raw view).
fn interchanges() -> SelectStatement {
    Query::select().columns(INTERCHANGE_COLS[..21].iter().copied()).from("edi_interchanges").to_owned()
}

pub async fn insert_interchange(c: &impl ConnectionTrait, i: &Interchange, raw: &[u8]) -> Result<(), StoreError> {
    let values = [
        i.id.into(),
        i.tenant.0.into(),
        i.direction.as_str().into(),
        i.kind.as_str().into(),
        i.standard.as_str().into(),
        i.source.as_str().into(),
        i.filename.clone().into(),
        i.sender.clone().into(),
        i.receiver.clone().into(),
        i.control_number.clone().into(),
        i.group_control.clone().into(),
        i.content_hash.clone().into(),
        i.size.into(),
        i.test.into(),
        i.status.as_str().into(),
        i.sets.clone().into(),
        i.summary.clone().into(),
        i.findings_json.clone().into(),
        i.related_id.into(),
        i.created_at.into(),
        i.completed_at.into(),
        raw.to_vec().into(),
    ];
    c.execute(&Query::insert().into_table("edi_interchanges").columns(INTERCHANGE_COLS).values_panic(values).to_owned()).await?;
    Ok(())
}

/// How processing of an interchange ended.
pub struct Finished<'a> {
    pub status: InterchangeStatus,
    pub summary: &'a str,
    /// The findings, including the gateway's own refusal when there is one.
    pub findings_json: &'a str,
    pub related_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// Records how processing ended.
pub async fn finish_interchange(c: &impl ConnectionTrait, id: Uuid, f: &Finished<'_>) -> Result<(), StoreError> {
    let Finished { status, summary, findings_json, related_id, at } = *f;
    c.execute(
        &Query::update()
            .table("edi_interchanges")
            .value("status", status.as_str())
            .value("summary", summary)
            .value("findings_json", findings_json)
            .value("related_id", related_id)
            .value("completed_at", at)
            .and_where(Expr::col("id").eq(id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Earlier interchanges under the same sender, receiver and control number (any content).
pub async fn same_control(c: &impl ConnectionTrait, direction: Direction, sender: &str, receiver: &str, control: &str) -> Result<Vec<Interchange>, StoreError> {
    let q = interchanges()
        .and_where(Expr::col("direction").eq(direction.as_str()))
        .and_where(Expr::col("sender").eq(sender))
        .and_where(Expr::col("receiver").eq(receiver))
        .and_where(Expr::col("control_number").eq(control))
        .order_by("created_at", Order::Asc)
        .to_owned();
    fetch_all::<InterchangeRow>(c, &q).await?.into_iter().map(Interchange::try_from).collect()
}

pub async fn interchange(c: &impl ConnectionTrait, scope: Option<TenantId>, id: Uuid) -> Result<Option<Interchange>, StoreError> {
    let mut q = interchanges().and_where(Expr::col("id").eq(id)).to_owned();
    if let Some(t) = scope {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    fetch_one::<InterchangeRow>(c, &q).await?.map(Interchange::try_from).transpose()
}

pub async fn raw(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<Vec<u8>>, StoreError> {
    #[derive(FromQueryResult)]
    struct Raw {
        raw: Vec<u8>,
    }
    Ok(fetch_one::<Raw>(c, Query::select().column("raw").from("edi_interchanges").and_where(Expr::col("id").eq(id))).await?.map(|r| r.raw))
}

/// What the EDI log lists.
#[derive(Clone, Debug, Default)]
pub struct InterchangeFilter {
    pub tenant: Option<TenantId>,
    pub direction: Option<Direction>,
    pub kind: Option<InterchangeKind>,
    pub status: Option<InterchangeStatus>,
}

/// Newest first.
pub async fn list_interchanges(
    c: &impl ConnectionTrait,
    f: &InterchangeFilter,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: u64,
) -> Result<Vec<Interchange>, StoreError> {
    let mut q = interchanges();
    if let Some(t) = f.tenant {
        q.and_where(Expr::col("tenant_id").eq(t.0));
    }
    if let Some(d) = f.direction {
        q.and_where(Expr::col("direction").eq(d.as_str()));
    }
    if let Some(k) = f.kind {
        q.and_where(Expr::col("kind").eq(k.as_str()));
    }
    if let Some(s) = f.status {
        q.and_where(Expr::col("status").eq(s.as_str()));
    }
    if let Some((at, last)) = before {
        q.and_where(Expr::col("created_at").lte(at));
        q.and_where(Expr::col("created_at").lt(at).or(Expr::col("created_at").eq(at).and(Expr::col("id").lt(last))));
    }
    q.order_by("created_at", Order::Desc).order_by("id", Order::Desc).limit(limit + 1);
    fetch_all::<InterchangeRow>(c, &q).await?.into_iter().map(Interchange::try_from).collect()
}

// ---------------------------------------------------------------------------------------------
// Documents

const DOCUMENT_COLS: [&str; 13] = [
    "id",
    "tenant_id",
    "interchange_id",
    "direction",
    "position",
    "set_id",
    "control_number",
    "status",
    "object_type",
    "object_id",
    "reference",
    "errors_json",
    "created_at",
];

#[derive(FromQueryResult)]
struct DocumentRow {
    id: Uuid,
    tenant_id: Uuid,
    interchange_id: Uuid,
    direction: String,
    position: i64,
    set_id: String,
    control_number: String,
    status: String,
    object_type: Option<String>,
    object_id: Option<Uuid>,
    reference: String,
    errors_json: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<DocumentRow> for EdiDocument {
    type Error = StoreError;
    fn try_from(r: DocumentRow) -> Result<EdiDocument, StoreError> {
        Ok(EdiDocument {
            id: r.id,
            tenant: TenantId(r.tenant_id),
            interchange_id: r.interchange_id,
            direction: parse("EDI direction", &r.direction, Direction::parse)?,
            position: r.position,
            set_id: r.set_id,
            control_number: r.control_number,
            status: parse("EDI document status", &r.status, DocumentStatus::parse)?,
            object_type: r.object_type,
            object_id: r.object_id,
            reference: r.reference,
            errors: serde_json::from_str(&r.errors_json).map_err(|e| StoreError::corrupt(format!("EDI document errors: {e}")))?,
            created_at: r.created_at,
        })
    }
}

pub async fn insert_document(c: &impl ConnectionTrait, d: &EdiDocument) -> Result<(), StoreError> {
    let errors = serde_json::to_string(&d.errors).map_err(|e| StoreError::corrupt(format!("EDI document errors: {e}")))?;
    let outbound_key = match (d.direction, d.object_id) {
        (Direction::Outbound, Some(object)) => Some(format!("{}:{object}", d.set_id)),
        _ => None,
    };
    let values = [
        d.id.into(),
        d.tenant.0.into(),
        d.interchange_id.into(),
        d.direction.as_str().into(),
        d.position.into(),
        d.set_id.clone().into(),
        d.control_number.clone().into(),
        d.status.as_str().into(),
        d.object_type.clone().into(),
        d.object_id.into(),
        d.reference.clone().into(),
        errors.into(),
        d.created_at.into(),
        outbound_key.into(),
    ];
    let columns = DOCUMENT_COLS.iter().copied().chain(["outbound_key"]);
    c.execute(&Query::insert().into_table("edi_documents").columns(columns).values_panic(values).to_owned()).await?;
    Ok(())
}

pub async fn documents_of(c: &impl ConnectionTrait, interchange: Uuid) -> Result<Vec<EdiDocument>, StoreError> {
    let q = Query::select()
        .columns(DOCUMENT_COLS)
        .from("edi_documents")
        .and_where(Expr::col("interchange_id").eq(interchange))
        .order_by("position", Order::Asc)
        .to_owned();
    fetch_all::<DocumentRow>(c, &q).await?.into_iter().map(EdiDocument::try_from).collect()
}

/// The EDI documents about one ACORN object (a shipment's 856; for a PO also the 860s of its change
/// events, which name the event, and the 856s of the shipments carrying it), oldest first.
pub async fn documents_about(c: &impl ConnectionTrait, tenant: TenantId, object: Uuid) -> Result<Vec<EdiDocument>, StoreError> {
    let events =
        Query::select().column("id").from("po_events").and_where(Expr::col("tenant_id").eq(tenant.0)).and_where(Expr::col("po_id").eq(object)).to_owned();
    let shipments = Query::select()
        .distinct()
        .column("shipment_id")
        .from("carton_items")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("po_id").eq(object))
        .to_owned();
    let q = Query::select()
        .columns(DOCUMENT_COLS)
        .from("edi_documents")
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("object_id").eq(object).or(Expr::col("object_id").in_subquery(events)).or(Expr::col("object_id").in_subquery(shipments)))
        .order_by("created_at", Order::Asc)
        .to_owned();
    fetch_all::<DocumentRow>(c, &q).await?.into_iter().map(EdiDocument::try_from).collect()
}

/// Outbound documents of an interchange we sent, found by its control number (to apply the
/// partner's functional acknowledgement).
pub async fn sent_interchange(c: &impl ConnectionTrait, tenant: TenantId, control: &str) -> Result<Option<Interchange>, StoreError> {
    let q = interchanges()
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("direction").eq(Direction::Outbound.as_str()))
        .and_where(Expr::col("kind").eq(InterchangeKind::Documents.as_str()))
        .and_where(Expr::col("control_number").eq(control))
        .to_owned();
    fetch_one::<InterchangeRow>(c, &q).await?.map(Interchange::try_from).transpose()
}

/// The outbound interchange whose functional group had this control number (a 997/999 names the
/// group, not the interchange). Groups are numbered from the same per-partner counter family, so
/// the newest interchange whose documents carry that group control wins.
pub async fn sent_by_group(c: &impl ConnectionTrait, tenant: TenantId, group_control: &str) -> Result<Option<Interchange>, StoreError> {
    let q = interchanges()
        .and_where(Expr::col("tenant_id").eq(tenant.0))
        .and_where(Expr::col("direction").eq(Direction::Outbound.as_str()))
        .and_where(Expr::col("kind").eq(InterchangeKind::Documents.as_str()))
        .and_where(Expr::col("group_control").eq(group_control))
        .order_by("created_at", Order::Desc)
        .limit(1)
        .to_owned();
    fetch_one::<InterchangeRow>(c, &q).await?.map(Interchange::try_from).transpose()
}

pub async fn set_document_status(c: &impl ConnectionTrait, id: Uuid, status: DocumentStatus, errors: &[String]) -> Result<(), StoreError> {
    let errors = serde_json::to_string(errors).map_err(|e| StoreError::corrupt(format!("EDI document errors: {e}")))?;
    c.execute(
        &Query::update().table("edi_documents").value("status", status.as_str()).value("errors_json", errors).and_where(Expr::col("id").eq(id)).to_owned(),
    )
    .await?;
    Ok(())
}

/// Ids of `table` rows of `tenant` created since `since` that no outbound document names yet.
async fn not_sent(
    c: &impl ConnectionTrait,
    table: &'static str,
    created: &'static str,
    tenant: TenantId,
    since: DateTime<Utc>,
    extra: Option<(&'static str, &'static [&'static str])>,
    limit: u64,
) -> Result<Vec<Uuid>, StoreError> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    let t = Alias::new("t");
    let d = Alias::new("d");
    let mut q = Query::select()
        .expr_as(Expr::col((t.clone(), Alias::new("id"))), Alias::new("id"))
        .from_as(table, t.clone())
        .join_as(
            JoinType::LeftJoin,
            "edi_documents",
            d.clone(),
            Expr::col((d.clone(), Alias::new("object_id")))
                .equals((t.clone(), Alias::new("id")))
                .and(Expr::col((d.clone(), Alias::new("direction"))).eq(Direction::Outbound.as_str())),
        )
        .and_where(Expr::col((t.clone(), Alias::new("tenant_id"))).eq(tenant.0))
        .and_where(Expr::col((t.clone(), Alias::new(created))).gte(since))
        .and_where(Expr::col((d.clone(), Alias::new("id"))).is_null())
        .order_by((t.clone(), Alias::new(created)), Order::Asc)
        .limit(limit)
        .to_owned();
    if let Some((col, values)) = extra {
        q.and_where(Expr::col((t, Alias::new(col))).is_in(values.iter().copied()));
    }
    Ok(fetch_all::<Id>(c, &q).await?.into_iter().map(|r| r.id).collect())
}

/// POs issued since the partner went on EDI that have no 850/ORDERS yet.
pub async fn pos_not_sent(c: &impl ConnectionTrait, tenant: TenantId, since: DateTime<Utc>, limit: u64) -> Result<Vec<Uuid>, StoreError> {
    not_sent(c, "purchase_orders", "issued_at", tenant, since, None, limit).await
}

/// PO change and cancellation events since then that have no 860/ORDCHG yet.
pub async fn po_changes_not_sent(c: &impl ConnectionTrait, tenant: TenantId, since: DateTime<Utc>, limit: u64) -> Result<Vec<Uuid>, StoreError> {
    not_sent(c, "po_events", "at", tenant, since, Some(("kind", &["changed", "cancelled"])), limit).await
}

/// Remittances since then that have no 820 yet.
pub async fn remittances_not_sent(c: &impl ConnectionTrait, tenant: TenantId, since: DateTime<Utc>, limit: u64) -> Result<Vec<Uuid>, StoreError> {
    not_sent(c, "remittances", "created_at", tenant, since, None, limit).await
}

// ---------------------------------------------------------------------------------------------
// Vendor stock (846)

pub async fn upsert_stock(
    c: &impl ConnectionTrait,
    tenant: TenantId,
    item: Uuid,
    warehouse: &str,
    available: i64,
    interchange: Uuid,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut conflict = OnConflict::columns(["tenant_id", "item_id", "warehouse"]);
    conflict.update_columns(["available", "interchange_id", "reported_at"]);
    c.execute(
        &Query::insert()
            .into_table("vendor_stock")
            .columns(["tenant_id", "item_id", "warehouse", "available", "interchange_id", "reported_at"])
            .values_panic([tenant.0.into(), item.into(), warehouse.into(), available.into(), interchange.into(), at.into()])
            .on_conflict(conflict)
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Stock reports, by vendor then item then warehouse; `item` narrows to one item.
pub async fn stock(c: &impl ConnectionTrait, scope: Option<TenantId>, item: Option<Uuid>, limit: u64) -> Result<Vec<VendorStock>, StoreError> {
    #[derive(FromQueryResult)]
    struct Row {
        tenant_id: Uuid,
        item_id: Uuid,
        vendor_sku: String,
        gtin: String,
        title: String,
        warehouse: String,
        available: i64,
        interchange_id: Uuid,
        reported_at: DateTime<Utc>,
    }
    let s = Alias::new("s");
    let i = Alias::new("i");
    let mut q = Query::select()
        .columns([(s.clone(), Alias::new("tenant_id")), (s.clone(), Alias::new("item_id"))])
        .columns([(i.clone(), Alias::new("vendor_sku")), (i.clone(), Alias::new("gtin")), (i.clone(), Alias::new("title"))])
        .columns([
            (s.clone(), Alias::new("warehouse")),
            (s.clone(), Alias::new("available")),
            (s.clone(), Alias::new("interchange_id")),
            (s.clone(), Alias::new("reported_at")),
        ])
        .from_as("vendor_stock", s.clone())
        .join_as(JoinType::InnerJoin, "items", i.clone(), Expr::col((i.clone(), Alias::new("id"))).equals((s.clone(), Alias::new("item_id"))))
        .order_by((s.clone(), Alias::new("tenant_id")), Order::Asc)
        .order_by((i.clone(), Alias::new("vendor_sku")), Order::Asc)
        .order_by((s.clone(), Alias::new("warehouse")), Order::Asc)
        .limit(limit)
        .to_owned();
    if let Some(t) = scope {
        q.and_where(Expr::col((s.clone(), Alias::new("tenant_id"))).eq(t.0));
    }
    if let Some(item) = item {
        q.and_where(Expr::col((s, Alias::new("item_id"))).eq(item));
    }
    Ok(fetch_all::<Row>(c, &q)
        .await?
        .into_iter()
        .map(|r| VendorStock {
            tenant: TenantId(r.tenant_id),
            item_id: r.item_id,
            vendor_sku: r.vendor_sku,
            gtin: r.gtin,
            title: r.title,
            warehouse: r.warehouse,
            available: r.available,
            interchange_id: r.interchange_id,
            reported_at: r.reported_at,
        })
        .collect())
}
