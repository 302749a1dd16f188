//! `acorn demo --scale N`: the demo seed, then N generated purchase orders in the stated proportions,
//! with one audit record for the generation (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).

mod common;

use common::*;
use sea_orm::{ConnectionTrait, DatabaseConnection};

async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(stmt(db, sql, vec![])).await.unwrap_or_else(|e| panic!("`{sql}`: {e}")).expect("one row");
    row.try_get_by_index::<i64>(0).unwrap_or_else(|e| panic!("`{sql}`: {e}"))
}

/// Row counts that the generation adds to.
async fn counts(db: &DatabaseConnection) -> [i64; 12] {
    let mut out = [0; 12];
    for (i, sql) in [
        "SELECT COUNT(*) FROM purchase_orders",
        "SELECT COUNT(*) FROM po_lines",
        "SELECT COUNT(*) FROM acknowledgements",
        "SELECT COUNT(*) FROM purchase_orders WHERE state = 'Closed'",
        "SELECT COUNT(*) FROM purchase_orders WHERE state = 'Acknowledged'",
        "SELECT COUNT(*) FROM identifier_registry WHERE kind = 'po_number'",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM shipments",
        "SELECT COUNT(*) FROM identifier_registry WHERE kind = 'sscc'",
        "SELECT COUNT(*) FROM shipment_cartons",
        "SELECT COUNT(*) FROM received_lines",
        "SELECT COUNT(*) FROM carton_items",
    ]
    .iter()
    .enumerate()
    {
        out[i] = number(db, sql).await;
    }
    out
}

#[tokio::test]
async fn demo_scale_adds_purchase_orders_in_the_stated_proportions() {
    // The plain demo, for what the seed itself holds (it may carry a few POs of its own).
    let plain = TestEnv::new().await;
    plain.ok(&["demo"]);
    let base = counts(&plain.connect().await).await;

    let env = TestEnv::new().await;
    let out = env.ok(&["demo", "--scale", "200"]);
    assert!(out.contains("admin@retail.example"), "the demo logins are printed first:\n{out}");
    assert!(out.contains("Scale data: 200 POs"), "a summary of the generation is printed:\n{out}");
    let db = env.connect().await;
    let now = counts(&db).await;
    let added = |i: usize| now[i] - base[i];

    let pos = added(0);
    assert_eq!(pos, 200, "200 POs are added to the demo's");
    let acked = added(2) as f64 / 200.0;
    assert!((0.60..=0.80).contains(&acked), "about 70 % acknowledged, got {acked}");
    let closed = added(3) as f64 / 200.0;
    assert!((0.40..=0.60).contains(&closed), "about 50 % shipped, received and closed, got {closed}");
    assert_eq!(added(7), added(3), "one shipment per received PO");
    assert_eq!(added(2), added(3) + added(4), "every acknowledged PO is Acknowledged or (received) Closed");
    let lines = added(1) as f64 / 200.0;
    assert!((4.0..=6.0).contains(&lines), "about 5 lines per PO, got {lines}");
    assert_eq!(number(&db, "SELECT COUNT(*) FROM purchase_orders WHERE line_count < 1 OR line_count > 9").await, 0, "1 to 9 lines per PO");
    assert_eq!(
        number(&db, "SELECT COUNT(*) FROM purchase_orders p WHERE line_count <> (SELECT COUNT(*) FROM po_lines l WHERE l.po_id = p.id)").await,
        0,
        "line_count matches the lines"
    );
    assert_eq!(now[5], now[0], "every PO number is claimed in the registry");
    assert_eq!(added(8), added(9), "every generated SSCC is claimed in the registry");
    assert!(added(9) >= added(7), "every shipment has cartons");
    assert_eq!(added(10), added(11), "received cartons hold what the ASNs said");

    // Exactly one audit record for the whole generation, carrying the counts.
    assert_eq!(now[6], base[6] + 1, "the generation adds one audit record");
    let row = db
        .query_one_raw(stmt(&db, "SELECT after_json FROM audit_log WHERE action = ?", vec!["demo.scale_generated".into()]))
        .await
        .expect("query")
        .expect("the demo.scale_generated record");
    let after: serde_json::Value = serde_json::from_str(&row.try_get_by_index::<String>(0).expect("after_json")).expect("JSON");
    assert_eq!(after["counts"]["purchase_orders"], 200, "{after}");
    assert_eq!(after["counts"]["acknowledgements"].as_i64(), Some(added(2)), "{after}");

    // Generated GTINs carry their vendor's GS1 prefix and a valid check digit.
    let rows = db
        .query_all_raw(stmt(
            &db,
            "SELECT i.gtin, g.prefix FROM items i JOIN gs1_prefixes g ON g.tenant_id = i.tenant_id WHERE i.vendor_sku LIKE ?",
            vec!["%-S____".into()],
        ))
        .await
        .expect("items");
    assert!(rows.len() >= 300, "a few hundred items per vendor, got {}", rows.len());
    for r in rows {
        let (gtin, prefix) = (r.try_get_by_index::<String>(0).expect("gtin"), r.try_get_by_index::<String>(1).expect("prefix"));
        let parsed = acorn_domain::gs1::Gtin::parse(&gtin).unwrap_or_else(|e| panic!("GTIN {gtin}: {e}"));
        assert!(parsed.owned_by(&prefix), "GTIN {gtin} is not under prefix {prefix}");
    }
    let verify = env.ok(&["audit", "verify"]);
    assert!(verify.contains("audit trail verified"), "{verify}");
}
