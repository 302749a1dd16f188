//! Bulk generation of a large order-to-dock history for `acorn demo --scale N`: items for every
//! vendor with a vendor code and a GS1 prefix, then N purchase orders spread over those vendors × every
//! DC over the past years (issue times uniform and ascending), about 5 lines each (1–9), 70 %
//! acknowledged, 50 % shipped, received and closed — with their acknowledgements, ASNs (cartons and
//! carton items), receipts (cartons and lines scanned) and identifier registry claims (PO numbers,
//! SSCCs, GTINs, retailer item ids), in the state the use cases would have left them.
//!
//! This is a bulk path (ARCHITECTURE.md, persistence rule 7): rows are generated on a blocking thread
//! while the previous batch is written, as multi-row INSERTs of up to 1,000 rows bound as parameters
//! (the statement text is built once per table and row count with sea-query, so each connection
//! prepares it once), in one transaction per batch of POs. It writes no PO history entries, business
//! events or shipment version snapshots (they would triple the rows and say nothing a list needs);
//! the caller records one audit record for the whole generation. On PostgreSQL the tables are
//! analysed at the end, as after any bulk load.
//!
//! Counters are honoured: retailer item ids, ASN numbers (`asn:<tenant>`) and SSCC serials
//! (`sscc:<prefix>`) are taken from and advanced past, so the use cases continue after the generated
//! data. Identifiers that exist already (from the ordinary demo seed) are skipped.
//! The database should otherwise be fresh: a failure part-way leaves the batches committed so far.

use super::{fetch_all, fetch_one};
use crate::db::{Backend, Db};
use crate::error::StoreError;
use acorn_domain::asn::{AsnRules, asn_due_at};
use acorn_domain::calendar::{HolidayCalendar, ack_due_at};
use acorn_domain::gs1::{Sscc, check_digit};
use acorn_domain::ids::TenantId;
use acorn_domain::master::VendorIdentifierKind;
use acorn_domain::orders::{AckLine, Channel, FreightTerms, LineConfirmation, PaymentTerms, PoState, PoType, QuantityUnit, ReceiveStatus, RejectionReason};
use acorn_domain::shipments::{Confirmation, ReceiptStatus, ShipmentStatus, ShipmentType};
use acorn_domain::{items, time};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait, Value,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// What to generate.
#[derive(Clone, Debug)]
pub struct ScaleOptions {
    /// Purchase orders in all.
    pub pos: u64,
    /// How far back the first PO was issued.
    pub years: u32,
    /// Items created per vendor.
    pub items_per_vendor: usize,
    /// Share of POs acknowledged (every shipped one is).
    pub acknowledged: f64,
    /// Share of POs shipped, received in full of what was committed, and closed.
    pub received: f64,
    /// Hours a vendor has to acknowledge (before holidays), as the use cases compute the due time.
    pub ack_due_hours: i64,
    /// POs per batch (one transaction each).
    pub batch: usize,
    /// Seed of the random choices (the same seed gives the same data, ids and times aside).
    pub seed: u64,
}

impl ScaleOptions {
    pub fn new(pos: u64) -> ScaleOptions {
        ScaleOptions { pos, years: 3, items_per_vendor: 300, acknowledged: 0.70, received: 0.50, ack_due_hours: 24, batch: 5_000, seed: 20_261_127 }
    }
}

/// Rows written, by table (the audit record of the generation carries these).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScaleCounts {
    pub vendors: u64,
    pub dcs: u64,
    pub items: u64,
    pub item_costs: u64,
    pub purchase_orders: u64,
    pub po_lines: u64,
    pub acknowledged_pos: u64,
    pub acknowledgements: u64,
    pub ack_lines: u64,
    pub received_pos: u64,
    pub shipments: u64,
    pub shipment_cartons: u64,
    pub carton_items: u64,
    pub receipts: u64,
    pub received_cartons: u64,
    pub received_lines: u64,
    pub registry_claims: u64,
    /// Every row above (vendors and DCs, which exist already, excepted).
    pub rows: u64,
}

// ---- tables ----

struct Table {
    name: &'static str,
    cols: &'static [&'static str],
}

const REGISTRY: usize = 0;
const ITEMS: usize = 1;
const ITEM_COSTS: usize = 2;
const POS: usize = 3;
const LINES: usize = 4;
const ACKS: usize = 5;
const ACK_LINES: usize = 6;
const SHIPMENTS: usize = 7;
const CARTONS: usize = 8;
const CARTON_ITEMS: usize = 9;
const RECEIPTS: usize = 10;
const RECEIVED_CARTONS: usize = 11;
const RECEIVED_LINES: usize = 12;

/// In foreign-key order: parents first.
const TABLES: [Table; 13] = [
    Table { name: "identifier_registry", cols: &["kind", "value", "tenant_id", "created_at"] },
    Table { name: "items", cols: &super::items::COLS },
    Table { name: "item_costs", cols: &["id", "tenant_id", "item_id", "unit_cost_e4", "currency", "effective_from", "created_at"] },
    Table { name: "purchase_orders", cols: &super::orders::PO_COLS },
    Table { name: "po_lines", cols: &super::orders::LINE_COLS },
    Table { name: "acknowledgements", cols: &["id", "tenant_id", "po_id", "version", "po_revision", "channel", "submitted_by", "submitted_at", "late"] },
    Table {
        name: "ack_lines",
        cols: &[
            "tenant_id",
            "ack_id",
            "line_no",
            "accepted",
            "backordered",
            "rejected",
            "net_cost_e4",
            "scheduled_ship_date",
            "scheduled_delivery_date",
            "rejection_reason",
        ],
    },
    Table { name: "shipments", cols: &super::shipments::COLS },
    Table { name: "shipment_cartons", cols: &["tenant_id", "shipment_id", "seq", "sscc", "pallet"] },
    Table {
        name: "carton_items",
        cols: &["tenant_id", "shipment_id", "carton_seq", "item_seq", "po_id", "po_number", "line_no", "vendor_sku", "gtin", "quantity", "lot", "expiry"],
    },
    Table { name: "receipts", cols: &["id", "tenant_id", "shipment_id", "dc_id", "status", "checked_in_at", "closed_at"] },
    Table { name: "received_cartons", cols: &["tenant_id", "receipt_id", "sscc", "on_asn", "scanned_at"] },
    Table {
        name: "received_lines",
        cols: &["tenant_id", "receipt_id", "sscc", "seq", "po_id", "po_number", "line_no", "gtin", "received", "damaged", "unexpected"],
    },
];

/// Rows of one batch, per table, as flat parameter lists (`cols.len()` values per row).
struct Rows {
    values: Vec<Vec<Value>>,
}

impl Rows {
    fn new() -> Rows {
        Rows { values: (0..TABLES.len()).map(|_| Vec::new()).collect() }
    }
    fn push<const N: usize>(&mut self, table: usize, row: [Value; N]) {
        debug_assert_eq!(N, TABLES[table].cols.len(), "{}", TABLES[table].name);
        self.values[table].extend(row);
    }
    fn rows(&self, table: usize) -> u64 {
        (self.values[table].len() / TABLES[table].cols.len()) as u64
    }
}

/// Writes rows with multi-row INSERTs; the statement text per (table, rows) is built once.
struct Writer {
    backend: DbBackend,
    sql: HashMap<(usize, usize), String>,
}

impl Writer {
    /// Rows per statement: at most 1,000, and under SQLite's 32,766 bound parameters.
    fn rows_per_statement(table: usize) -> usize {
        (30_000 / TABLES[table].cols.len()).min(1_000)
    }

    fn sql(&mut self, table: usize, rows: usize) -> String {
        let backend = self.backend;
        self.sql
            .entry((table, rows))
            .or_insert_with(|| {
                let t = &TABLES[table];
                let mut q = Query::insert().into_table(t.name).columns(t.cols.iter().copied()).to_owned();
                for _ in 0..rows {
                    q.values_panic(t.cols.iter().map(|_| SimpleExpr::from(Expr::val(0i64))));
                }
                backend.build(&q).sql
            })
            .clone()
    }

    async fn insert(&mut self, c: &impl ConnectionTrait, table: usize, values: Vec<Value>) -> Result<(), StoreError> {
        let width = TABLES[table].cols.len();
        let per = Self::rows_per_statement(table) * width;
        let mut values = values.into_iter();
        loop {
            let chunk: Vec<Value> = values.by_ref().take(per).collect();
            if chunk.is_empty() {
                return Ok(());
            }
            let sql = self.sql(table, chunk.len() / width);
            c.execute_raw(Statement::from_sql_and_values(self.backend, sql, chunk)).await?;
        }
    }

    async fn write(&mut self, c: &impl ConnectionTrait, rows: Rows, counts: &mut ScaleCounts) -> Result<(), StoreError> {
        let n = |t: usize| rows.rows(t);
        counts.registry_claims += n(REGISTRY);
        counts.items += n(ITEMS);
        counts.item_costs += n(ITEM_COSTS);
        counts.purchase_orders += n(POS);
        counts.po_lines += n(LINES);
        counts.acknowledgements += n(ACKS);
        counts.ack_lines += n(ACK_LINES);
        counts.shipments += n(SHIPMENTS);
        counts.shipment_cartons += n(CARTONS);
        counts.carton_items += n(CARTON_ITEMS);
        counts.receipts += n(RECEIPTS);
        counts.received_cartons += n(RECEIVED_CARTONS);
        counts.received_lines += n(RECEIVED_LINES);
        counts.rows += (0..TABLES.len()).map(n).sum::<u64>();
        for (table, values) in rows.values.into_iter().enumerate() {
            self.insert(c, table, values).await?;
        }
        Ok(())
    }
}

// ---- reference data read before generating ----

#[derive(Clone)]
struct VendorRef {
    tenant: TenantId,
    name: String,
    country: String,
    code: String,
    prefix: String,
    items: Vec<ItemRef>,
    /// Last ASN number used before generation.
    asn_base: u64,
    asn_used: u64,
    /// Last SSCC serial used before generation.
    sscc_base: u64,
    sscc_used: u64,
}

#[derive(Clone)]
struct ItemRef {
    id: Uuid,
    sku: String,
    gtin: String,
    retailer_item_id: String,
    title: String,
    case_pack: i64,
    list_price_e4: i64,
    cost_e4: i64,
}

#[derive(Clone)]
struct DcRef {
    id: Uuid,
    code: String,
    cal: HolidayCalendar,
}

#[derive(FromQueryResult)]
struct Text {
    value: String,
}

#[derive(FromQueryResult)]
struct Count {
    value: i64,
}

async fn texts(c: &impl ConnectionTrait, q: &sea_orm::sea_query::SelectStatement) -> Result<HashSet<String>, StoreError> {
    Ok(fetch_all::<Text>(c, q).await?.into_iter().map(|t| t.value).collect())
}

async fn registry_values(c: &impl ConnectionTrait, kind: &str) -> Result<HashSet<String>, StoreError> {
    texts(c, &Query::select().expr_as(Expr::col("value"), "value").from("identifier_registry").and_where(Expr::col("kind").eq(kind)).to_owned()).await
}

/// The current value of a named counter (0 when it was never used).
async fn counter(c: &impl ConnectionTrait, name: &str) -> Result<u64, StoreError> {
    let q = Query::select().expr_as(Expr::col("value"), "value").from("counters").and_where(Expr::col("name").eq(name)).to_owned();
    Ok(fetch_one::<Count>(c, &q).await?.map_or(0, |v| Ord::max(v.value, 0) as u64))
}

async fn begin(db: &Db) -> Result<DatabaseTransaction, StoreError> {
    let mut opts = TransactionOptions::default();
    if db.backend == Backend::Sqlite {
        opts.sqlite_transaction_mode = Some(SqliteTransactionMode::Immediate);
    }
    Ok(db.conn.begin_with_options(opts).await?)
}

fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    acorn_domain::audit::truncate_to_micros(t)
}

/// A UUIDv7 carrying `at` as its time, so generated history gets ids in the order of its times.
fn id_at(at: DateTime<Utc>) -> Uuid {
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, Ord::max(at.timestamp(), 0) as u64, at.timestamp_subsec_nanos());
    Uuid::new_v7(ts)
}

/// 8 characters of the PO-number alphabet (no 0/O, 1/I) from the `n`-th generated PO: a bijection of
/// 40-bit numbers, so numbers are unique and do not run in sequence.
fn po_number(n: u64) -> String {
    const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut v = (n.wrapping_mul(0x9E37_79B9_7F4A_7C15 | 1)).wrapping_add(0x5DEE_CE66D) & ((1 << 40) - 1);
    let mut out = [b'2'; 8];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(v & 31) as usize];
        v >>= 5;
    }
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

fn v<T: Into<Value>>(x: T) -> Value {
    x.into()
}

const TITLE_WORDS: [&str; 24] = [
    "Mixing Bowl",
    "Chef Knife",
    "Desk Lamp",
    "LED Bulb",
    "Tent",
    "Sleeping Bag",
    "Water Bottle",
    "Cutting Board",
    "String Lights",
    "Headlamp",
    "Camp Stove",
    "Frying Pan",
    "Lantern",
    "Rain Jacket",
    "Storage Box",
    "Spatula",
    "Floor Lamp",
    "Trekking Pole",
    "Thermos",
    "Dish Rack",
    "Night Light",
    "Backpack",
    "Tea Kettle",
    "Ceiling Fan",
];
const FINISHES: [&str; 6] = ["Steel", "Black", "White", "Oak", "Green", "Large"];

/// Generates the data; `progress(done)` is called with the number of POs written so far.
pub async fn generate(db: &Db, opts: &ScaleOptions, progress: &(dyn Fn(u64) + Send + Sync)) -> Result<ScaleCounts, StoreError> {
    let c = &db.conn;
    let mut counts = ScaleCounts::default();
    let now = micros(Utc::now());
    let start = now - Duration::days(365 * i64::from(Ord::max(opts.years, 1)));

    // Vendors with a vendor code and a GS1 prefix, and the DCs with their holiday calendars.
    let holidays: Vec<NaiveDate> = super::orders::holidays(c).await?.into_iter().map(|(d, _)| d).collect();
    let mut dcs = Vec::new();
    for dc in super::facilities::list_dcs(c).await? {
        let tz = time::zone(&dc.time_zone).map_err(StoreError::corrupt)?;
        dcs.push(DcRef { id: dc.id, code: dc.code, cal: HolidayCalendar::new(tz, holidays.iter().copied()) });
    }
    let mut vendors = Vec::new();
    for vendor in super::vendors::all(c).await? {
        let ids = super::vendors::identifiers(c, vendor.id).await?;
        let first = |k: VendorIdentifierKind| ids.iter().find(|i| i.kind == k).map(|i| i.value.clone());
        let (Some(code), Some(prefix)) = (first(VendorIdentifierKind::VendorCode), first(VendorIdentifierKind::Gs1Prefix)) else { continue };
        let asn_base = counter(c, &format!("asn:{}", vendor.id.0)).await?;
        let sscc_base = counter(c, &format!("sscc:{prefix}")).await?;
        vendors.push(VendorRef {
            tenant: vendor.id,
            name: vendor.name,
            country: vendor.country,
            code,
            prefix,
            items: Vec::new(),
            asn_base,
            asn_used: 0,
            sscc_base,
            sscc_used: 0,
        });
    }
    if vendors.is_empty() || dcs.is_empty() {
        return Err(StoreError::corrupt("scale data needs vendors with a vendor code and a GS1 prefix, and DCs: seed the demo first"));
    }
    counts.vendors = vendors.len() as u64;
    counts.dcs = dcs.len() as u64;

    // Items, in one transaction: GTINs under the vendor's prefix, retailer item ids from the counter.
    let taken_gtins = registry_values(c, "gtin").await?;
    let taken_pos = registry_values(c, "po_number").await?;
    let taken_ssccs = registry_values(c, "sscc").await?;
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let items_at = micros(start - Duration::days(30));
    let cost_from = items_at.date_naive();
    {
        let tx = begin(db).await?;
        let total = (vendors.len() * opts.items_per_vendor) as u64;
        let mut next_rid = super::counters::next_block(&tx, "retailer_item_id", total).await?;
        let mut rows = Rows::new();
        for vendor in vendors.iter_mut() {
            let t = &vendor.tenant;
            let skus =
                texts(&tx, &Query::select().expr_as(Expr::col("vendor_sku"), "value").from("items").and_where(Expr::col("tenant_id").eq(t.0)).to_owned())
                    .await?;
            let width = 12usize.saturating_sub(vendor.prefix.len());
            let mut reference = 10_u64.pow(width.saturating_sub(1) as u32); // leave the low references to people
            let mut n = 0;
            while vendor.items.len() < opts.items_per_vendor {
                n += 1;
                reference += 1;
                let body = format!("{}{:0width$}", vendor.prefix, reference);
                if body.len() != 12 {
                    return Err(StoreError::corrupt(format!("GS1 prefix {} leaves no room for generated GTINs", vendor.prefix)));
                }
                let gtin = format!("0{body}{}", check_digit(&body));
                let sku = format!("{}-S{n:04}", vendor.code);
                if taken_gtins.contains(&gtin) || skus.contains(&sku) {
                    continue;
                }
                let cost_e4 = rng.gen_range(150..=20_000) * 100;
                let item = ItemRef {
                    id: id_at(items_at),
                    title: format!("{} {} {}", TITLE_WORDS[n % TITLE_WORDS.len()], FINISHES[(n / TITLE_WORDS.len()) % FINISHES.len()], n),
                    sku,
                    gtin,
                    retailer_item_id: items::retailer_item_id(next_rid),
                    case_pack: [1, 4, 6, 12, 24][rng.gen_range(0..5)],
                    list_price_e4: cost_e4 * 16 / 1000 * 100,
                    cost_e4,
                };
                next_rid += 1;
                rows.push(REGISTRY, [v("gtin"), v(item.gtin.clone()), v(t.0), v(items_at)]);
                rows.push(REGISTRY, [v("retailer_item_id"), v(item.retailer_item_id.clone()), v(t.0), v(items_at)]);
                rows.push(
                    ITEMS,
                    [
                        v(item.id),
                        v(t.0),
                        v(item.sku.clone()),
                        v(item.gtin.clone()),
                        v(item.retailer_item_id.clone()),
                        v(item.title.clone()),
                        v(item.case_pack),
                        v(item.list_price_e4),
                        v("USD"),
                        v("active"),
                        v(items_at),
                        v(items_at),
                    ],
                );
                rows.push(ITEM_COSTS, [v(id_at(items_at)), v(t.0), v(item.id), v(item.cost_e4), v("USD"), v(cost_from), v(items_at)]);
                vendor.items.push(item);
            }
        }
        Writer { backend: db.db_backend(), sql: HashMap::new() }.write(&tx, rows, &mut counts).await?;
        tx.commit().await?;
    }

    // POs: generated on a blocking thread, a batch ahead of the writer.
    let (send, mut recv) = tokio::sync::mpsc::channel::<(u64, Rows)>(2);
    let gen_opts = opts.clone();
    let gen_dcs = dcs.clone();
    let gen_vendors = vendors.clone();
    let gen_seed = opts.seed ^ 0xA5A5;
    let generator = tokio::task::spawn_blocking(move || {
        let mut g = Generator {
            opts: gen_opts,
            vendors: gen_vendors,
            dcs: gen_dcs,
            taken_pos,
            taken_ssccs,
            rng: StdRng::seed_from_u64(gen_seed),
            now,
            start,
            number_seq: 0,
        };
        let mut done = 0u64;
        while done < g.opts.pos {
            let n = Ord::min(g.opts.pos - done, g.opts.batch as u64);
            let rows = g.batch(done, n)?;
            done += n;
            if send.blocking_send((done, rows)).is_err() {
                break; // the writer stopped; its error is reported
            }
        }
        Ok::<Vec<VendorRef>, StoreError>(g.vendors)
    });
    let mut writer = Writer { backend: db.db_backend(), sql: HashMap::new() };
    let mut write_error = None;
    while let Some((done, rows)) = recv.recv().await {
        let result = async {
            let tx = begin(db).await?;
            writer.write(&tx, rows, &mut counts).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        }
        .await;
        if let Err(e) = result {
            write_error = Some(e);
            break;
        }
        progress(done);
    }
    drop(recv);
    let vendors = generator.await.map_err(|e| StoreError::corrupt(format!("generator thread: {e}")))??;
    if let Some(e) = write_error {
        return Err(e);
    }

    // Advance the counters past what was used, so the use cases carry on after the generated data.
    let tx = begin(db).await?;
    for vendor in &vendors {
        for (name, base, used) in
            [(format!("asn:{}", vendor.tenant.0), vendor.asn_base, vendor.asn_used), (format!("sscc:{}", vendor.prefix), vendor.sscc_base, vendor.sscc_used)]
        {
            if used > 0 {
                let first = super::counters::next_block(&tx, &name, used).await?;
                if first != base + 1 {
                    return Err(StoreError::corrupt(format!("counter {name} moved while generating (expected {}, got {first})", base + 1)));
                }
            }
        }
    }
    tx.commit().await?;
    // Fresh planner statistics, as after any bulk load (autovacuum would get there later).
    if db.backend == Backend::Postgres {
        c.execute_unprepared("ANALYZE").await?;
    }
    counts.acknowledged_pos = counts.acknowledgements;
    counts.received_pos = counts.receipts;
    Ok(counts)
}

struct Generator {
    opts: ScaleOptions,
    vendors: Vec<VendorRef>,
    dcs: Vec<DcRef>,
    taken_pos: HashSet<String>,
    taken_ssccs: HashSet<String>,
    rng: StdRng,
    now: DateTime<Utc>,
    start: DateTime<Utc>,
    number_seq: u64,
}

/// One generated line, with what its acknowledgement and receipt made of it.
struct LineGen {
    item: usize,
    line_no: i64,
    ordered_quantity: i64,
    unit: QuantityUnit,
    unit_size: i64,
    ack: Option<AckLine>,
    shipped: i64,
}

impl LineGen {
    fn eaches(&self) -> i64 {
        self.ordered_quantity * self.unit_size
    }
}

impl Generator {
    fn next_po_number(&mut self) -> String {
        loop {
            let n = po_number(self.number_seq);
            self.number_seq += 1;
            if !self.taken_pos.contains(&n) {
                return n;
            }
        }
    }

    fn next_sscc(&mut self, vendor: usize) -> Result<String, StoreError> {
        loop {
            let vd = &mut self.vendors[vendor];
            vd.sscc_used += 1;
            let s = Sscc::generate(0, &vd.prefix, vd.sscc_base + vd.sscc_used).map_err(StoreError::corrupt)?;
            if !self.taken_ssccs.contains(s.as_str()) {
                return Ok(s.as_str().to_string());
            }
        }
    }

    /// POs `first .. first + n` of the whole run, in issue order.
    fn batch(&mut self, first: u64, n: u64) -> Result<Rows, StoreError> {
        let mut rows = Rows::new();
        let span_us = (self.now - self.start).num_microseconds().unwrap_or(i64::MAX) as f64;
        let step = span_us / Ord::max(self.opts.pos, 1) as f64;
        for i in first..first + n {
            let at_us = (i as f64 + self.rng.r#gen::<f64>()) * step;
            let issued = micros(self.start + Duration::microseconds(at_us as i64));
            self.po(&mut rows, issued)?;
        }
        Ok(rows)
    }

    fn po(&mut self, rows: &mut Rows, issued: DateTime<Utc>) -> Result<(), StoreError> {
        let rng = &mut self.rng;
        let vi = rng.gen_range(0..self.vendors.len());
        let di = rng.gen_range(0..self.dcs.len());
        let po_id = id_at(issued);
        let number = self.next_po_number();
        let rng = &mut self.rng;
        let (tenant, code) = (self.vendors[vi].tenant.0, self.vendors[vi].code.clone());
        let dc = &self.dcs[di];
        let (dc_id, dc_code) = (dc.id, dc.code.clone());
        let order_date = time::to_local(dc.cal.time_zone(), issued).date();
        let ship_start = order_date + Duration::days(rng.gen_range(5..=14));
        let ship_end = ship_start + Duration::days(rng.gen_range(3..=10));
        let delivery_start = ship_start + Duration::days(rng.gen_range(2..=5));
        let delivery_end = ship_end + Duration::days(rng.gen_range(3..=10));
        let po_type = match rng.gen_range(0..100) {
            0..=89 => PoType::RegularOrder,
            90..=96 => PoType::RushOrder,
            _ => PoType::NewProductIntroduction,
        };
        let freight = if rng.gen_bool(0.7) { FreightTerms::Prepaid } else { FreightTerms::Collect };
        let terms = match rng.gen_range(0..10) {
            0..=1 => PaymentTerms::Net30,
            2..=8 => PaymentTerms::Net60,
            _ => PaymentTerms::Net90,
        };
        let deal_code = rng.gen_bool(0.05).then(|| format!("DEAL{}", rng.gen_range(100..1000)));
        let ack_due = ack_due_at(issued, self.opts.ack_due_hours, &dc.cal);
        let rng = &mut self.rng;

        // Lines: 1–9 distinct items of the vendor.
        let n_items = self.vendors[vi].items.len();
        let n_lines = rng.gen_range(1..=9usize).min(n_items);
        let picked = rand::seq::index::sample(rng, n_items, n_lines);
        let mut lines: Vec<LineGen> = picked
            .iter()
            .enumerate()
            .map(|(k, item)| {
                let case_pack = self.vendors[vi].items[item].case_pack;
                let cases = case_pack > 1 && rng.gen_bool(0.3);
                let (ordered_quantity, unit, unit_size) =
                    if cases { (rng.gen_range(1..=40), QuantityUnit::Cases, case_pack) } else { (rng.gen_range(1..=240), QuantityUnit::Eaches, 1) };
                LineGen { item, line_no: k as i64 + 1, ordered_quantity, unit, unit_size, ack: None, shipped: 0 }
            })
            .collect();

        // Acknowledged (70 %), then shipped and received (50 % of all, so 5 of every 7 acknowledged).
        let ack_at = micros(issued + Duration::minutes(rng.gen_range(20..=30 * 60)));
        let acked = rng.gen_bool(self.opts.acknowledged.clamp(0.0, 1.0)) && ack_at < self.now;
        let receive_share = if self.opts.acknowledged > 0.0 { (self.opts.received / self.opts.acknowledged).clamp(0.0, 1.0) } else { 0.0 };
        let ship_at = micros(
            Utc.from_utc_datetime(&ship_start.and_hms_opt(14, 0, 0).unwrap_or_default())
                + Duration::days(rng.gen_range(0..=(ship_end - ship_start).num_days()))
                + Duration::minutes(rng.gen_range(0..240)),
        );
        let arrival = ship_at + Duration::hours(rng.gen_range(30..=120));
        let received_at = micros(arrival + Duration::minutes(rng.gen_range(60..=360)));
        let mut received = acked && rng.gen_bool(receive_share) && received_at < self.now;

        let mut ack_id = None;
        if acked {
            let id = id_at(ack_at);
            ack_id = Some(id);
            for l in lines.iter_mut() {
                let eaches = l.eaches();
                let cost = self.vendors[vi].items[l.item].cost_e4;
                let (accepted, backordered, rejected, reason) = match rng.gen_range(0..100) {
                    0..=87 => (eaches, 0, 0, None),
                    88..=94 => {
                        let a = eaches * 3 / 4;
                        (a, 0, eaches - a, Some(RejectionReason::TemporarilyUnavailable))
                    }
                    95..=97 => {
                        let b = eaches / 2;
                        (eaches - b, b, 0, None)
                    }
                    _ => (0, 0, eaches, Some(RejectionReason::ObsoleteProduct)),
                };
                l.ack = Some(AckLine {
                    line_no: l.line_no,
                    accepted,
                    backordered,
                    rejected,
                    net_cost: acorn_domain::money::from_e4(cost),
                    scheduled_ship_date: (backordered > 0).then_some(ship_end + Duration::days(14)),
                    scheduled_delivery_date: (backordered > 0).then_some(delivery_end + Duration::days(14)),
                    rejection_reason: reason,
                });
            }
        }
        if received && lines.iter().all(|l| l.ack.as_ref().is_none_or(|a| a.committed() == 0)) {
            received = false; // nothing committed, nothing to ship
        }

        // The shipment: cartons of up to two committed lines each.
        if received {
            let shipped: Vec<usize> = (0..lines.len()).filter(|&k| lines[k].ack.as_ref().is_some_and(|a| a.committed() > 0)).collect();
            let cartons: Vec<&[usize]> = shipped.chunks(2).collect();
            let shipment_id = id_at(ship_at - Duration::hours(1));
            let receipt_id = id_at(arrival);
            let vd = &mut self.vendors[vi];
            vd.asn_used += 1;
            let shipment_number = format!("ASN{:07}", vd.asn_base + vd.asn_used);
            let submitted = micros(ship_at - Duration::hours(1));
            let mut units = 0;
            let mut carton_rows = Vec::new();
            for (k, group) in cartons.iter().enumerate() {
                let sscc = self.next_sscc(vi)?;
                let seq = k as i64 + 1;
                let scanned = micros(arrival + Duration::minutes(10 + 3 * k as i64));
                carton_rows.push((seq, sscc.clone(), scanned));
                for (j, &li) in group.iter().enumerate() {
                    let l = &mut lines[li];
                    let q = l.ack.as_ref().map_or(0, |a| a.committed());
                    l.shipped = q;
                    units += q;
                    let item = &self.vendors[vi].items[l.item];
                    rows.push(
                        CARTON_ITEMS,
                        [
                            v(tenant),
                            v(shipment_id),
                            v(seq),
                            v(j as i64 + 1),
                            v(po_id),
                            v(number.clone()),
                            v(l.line_no),
                            v(item.sku.clone()),
                            v(item.gtin.clone()),
                            v(q),
                            v(None::<String>),
                            v(None::<NaiveDate>),
                        ],
                    );
                    rows.push(
                        RECEIVED_LINES,
                        [
                            v(tenant),
                            v(receipt_id),
                            v(sscc.clone()),
                            v(j as i64 + 1),
                            v(Some(po_id)),
                            v(Some(number.clone())),
                            v(Some(l.line_no)),
                            v(item.gtin.clone()),
                            v(q),
                            v(0i64),
                            v(false),
                        ],
                    );
                }
            }
            let rng = &mut self.rng;
            let kind = match cartons.len() {
                0..=3 => ShipmentType::SmallParcel,
                _ => ShipmentType::LessThanTruckLoad,
            };
            let (scac, tracking, bol) = match kind {
                ShipmentType::SmallParcel => ("UPSN", Some(format!("1Z{:016}", rng.gen_range(0..10_000_000_000_000_000u64))), None),
                _ => ("ODFL", None, Some(format!("BOL{:09}", rng.gen_range(0..1_000_000_000u64)))),
            };
            let arn = (freight == FreightTerms::Collect).then(|| format!("ARN{:09}", rng.gen_range(0..1_000_000_000u64)));
            let vd = &self.vendors[vi];
            let (city, postal) = match vd.country.as_str() {
                "CN" => ("Shenzhen", "518000"),
                "SE" => ("Gothenburg", "41101"),
                _ => ("Newark", "07102"),
            };
            for (seq, sscc, scanned) in &carton_rows {
                rows.push(REGISTRY, [v("sscc"), v(sscc.clone()), v(tenant), v(submitted)]);
                rows.push(CARTONS, [v(tenant), v(shipment_id), v(*seq), v(sscc.clone()), v(None::<i64>)]);
                rows.push(RECEIVED_CARTONS, [v(tenant), v(receipt_id), v(sscc.clone()), v(true), v(*scanned)]);
            }
            rows.push(
                SHIPMENTS,
                [
                    v(shipment_id),
                    v(tenant),
                    v(shipment_number),
                    v(code.clone()),
                    v(dc_id),
                    v(dc_code.clone()),
                    v(vd.name.clone()),
                    v("1 Warehouse Road"),
                    v(""),
                    v(city),
                    v(""),
                    v(postal),
                    v(vd.country.clone()),
                    v(ShipmentStatus::Received.as_str()),
                    v(kind.as_str()),
                    v(Confirmation::Original.as_str()),
                    v(1i64),
                    v(ship_at),
                    v(Some(arrival)),
                    v(Some(scac.to_string())),
                    v(tracking),
                    v(bol),
                    v(arn),
                    v(freight.as_str()),
                    v(asn_due_at(ship_at, Some(arrival), &AsnRules::default())),
                    v(submitted),
                    v(submitted),
                    v(Some(arrival)),
                    v(Some(received_at)),
                    v(carton_rows.len() as i64),
                    v(units),
                    v(submitted),
                    v(received_at),
                ],
            );
            rows.push(RECEIPTS, [v(receipt_id), v(tenant), v(shipment_id), v(dc_id), v(ReceiptStatus::Closed.as_str()), v(arrival), v(Some(received_at))]);
        }

        // The acknowledgement.
        if let Some(id) = ack_id {
            let (channel, by) = match self.rng.gen_range(0..10) {
                0..=4 => (Channel::Api, format!("API client {code} integration")),
                5..=7 => (Channel::Ui, format!("ops@{}.example", code.to_lowercase())),
                _ => (Channel::Edi, format!("EDI {code}")),
            };
            rows.push(ACKS, [v(id), v(tenant), v(po_id), v(1i64), v(1i64), v(channel.as_str()), v(by), v(ack_at), v(ack_at > ack_due)]);
            for l in &lines {
                let Some(a) = &l.ack else { continue };
                rows.push(
                    ACK_LINES,
                    [
                        v(tenant),
                        v(id),
                        v(a.line_no),
                        v(a.accepted),
                        v(a.backordered),
                        v(a.rejected),
                        v(self.vendors[vi].items[l.item].cost_e4),
                        v(a.scheduled_ship_date),
                        v(a.scheduled_delivery_date),
                        v(a.rejection_reason.map(|r| r.as_str().to_string())),
                    ],
                );
            }
        }

        // The PO and its lines, in their final state.
        let mut total = 0i64;
        for l in &lines {
            let item = &self.vendors[vi].items[l.item];
            total += l.eaches() * item.cost_e4;
            let (confirmation, committed) = match &l.ack {
                Some(a) => (a.confirmation(), a.committed()),
                None => (LineConfirmation::Unconfirmed, 0),
            };
            let status = if l.shipped == 0 {
                ReceiveStatus::NotReceived
            } else if l.shipped < l.eaches() {
                ReceiveStatus::PartiallyReceived
            } else {
                ReceiveStatus::Received
            };
            rows.push(
                LINES,
                [
                    v(tenant),
                    v(po_id),
                    v(l.line_no),
                    v(item.id),
                    v(item.sku.clone()),
                    v(item.gtin.clone()),
                    v(item.retailer_item_id.clone()),
                    v(item.title.clone()),
                    v(l.ordered_quantity),
                    v(l.unit.as_str()),
                    v(l.unit_size),
                    v(item.cost_e4),
                    v(item.list_price_e4),
                    v(true),
                    v(false),
                    v(confirmation.as_str()),
                    v(committed),
                    v(l.shipped),
                    v(l.shipped),
                    v(0i64),
                    v(status.as_str()),
                ],
            );
        }
        let state = if received {
            PoState::Closed
        } else if acked {
            PoState::Acknowledged
        } else {
            PoState::New
        };
        let updated = if received {
            received_at
        } else if acked {
            ack_at
        } else {
            issued
        };
        // An open acknowledgement whose reminder time has passed was reminded (the job would have).
        let reminded = i64::from(!acked && ack_due - Duration::hours(4) < self.now);
        rows.push(REGISTRY, [v("po_number"), v(number.clone()), v(tenant), v(issued)]);
        rows.push(
            POS,
            [
                v(po_id),
                v(tenant),
                v(number),
                v(code),
                v(dc_id),
                v(dc_code),
                v(po_type.as_str()),
                v(state.as_str()),
                v(order_date),
                v(ship_start),
                v(ship_end),
                v(delivery_start),
                v(delivery_end),
                v(freight.as_str()),
                v(terms.as_str()),
                v("USD"),
                v(deal_code),
                v(1i64),
                v(issued),
                v(ack_due),
                v(i64::from(acked)),
                v(reminded),
                v(lines.len() as i64),
                v(total),
                v(issued),
                v(received.then_some(received_at)),
                v(issued),
                v(updated),
            ],
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn po_numbers_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for n in 0..200_000 {
            let p = po_number(n);
            assert!(acorn_domain::orders::po_number(&p).is_ok(), "{p}");
            assert!(seen.insert(p), "duplicate at {n}");
        }
    }
}
