//! Order-to-dock in the portal over real HTTP with the cookie client: catalogue items (GTIN under the
//! vendor's GS1 prefix), POs issued by the form and by CSV, the vendor's bell, the acknowledgement
//! grid (pre-flight check, refused over-quantity, partial acknowledgement, accept all), staff changes
//! and cancellation, the acknowledgement upload, tenant isolation and the CSV exports.

use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_testkit::{TestApp, gtin_for};
use chrono::{Days, Utc};
use uuid::Uuid;

use crate::support::{NO_FIELDS, get, id_after, location, sign_in, submit};

fn day(offset: u64) -> String {
    (Utc::now().date_naive() + Days::new(offset)).to_string()
}

/// The PO id in a `/orders/{id}?…` location.
fn po_id(location: &str) -> Uuid {
    id_after("/orders/", location)
}

#[tokio::test]
async fn a_catalog_user_sets_up_an_item_and_a_gtin_of_another_brand_is_refused() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let b = app.vendor().await;
    let c = app.login(&app.user(a.id, &[Role::Catalog]).await).await;

    let (status, html) = get(&c, &app.url("/items")).await;
    assert_eq!(status, 200);
    assert!(html.contains("No items yet") && html.contains("href=\"/items/new\""), "empty state with the first action");
    let (_, html) = get(&c, &app.url("/items/new")).await;
    assert!(html.contains(&a.gs1_prefix), "the form names the vendor's GS1 prefixes");

    let item = |gtin: String| {
        vec![
            ("vendor_sku", "KETTLE-1".to_string()),
            ("gtin", gtin),
            ("title", "Kettle 1.7 l".into()),
            ("case_pack", "6".into()),
            ("list_price", "29.99".into()),
            ("unit_cost", "12.50".into()),
            ("currency", "USD".into()),
            ("cost_effective_from", String::new()),
        ]
    };
    // Another brand's GTIN: refused with the reason, linked from the error summary, nothing written.
    let res = submit(&app, &c, "/items/new", "/items", &item(gtin_for(&b.gs1_prefix))).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("GTIN does not match the brand"), "{html}");
    assert!(html.contains("<a href=\"#gtin\">GTIN: GTIN does not match the brand"), "the summary links to the field");
    assert!(html.contains("id=\"gtin-error\"") && html.contains("value=\"KETTLE-1\""), "inline error, values kept");
    assert!(app.services.list_items(&Ctx::cli(), Some(a.id), None, None, None).await.unwrap().items.is_empty());
    // A case pack that is not a number is named.
    let mut bad = item(gtin_for(&a.gs1_prefix));
    bad[3].1 = "six".into();
    let res = submit(&app, &c, "/items/new", "/items", &bad).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("`six` is not a whole number"));

    // Its own GTIN: created, and the page shows it with the cost in force.
    let res = submit(&app, &c, "/items/new", "/items", &item(gtin_for(&a.gs1_prefix))).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with("/items/") && to.ends_with("?done=created"), "{to}");
    let (status, html) = get(&c, &app.url(&to)).await;
    assert_eq!(status, 200);
    assert!(html.contains("KETTLE-1") && html.contains("12.50 USD") && html.contains("In force today"));

    // A later cost: the history grows, today's cost stays.
    let page = to.split('?').next().unwrap().to_string();
    let res = submit(&app, &c, &page, &format!("{page}/costs"), &[("unit_cost", "11.00".into()), ("effective_from", day(30))]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&c, &app.url(&location(&res))).await;
    assert!(html.contains("11.00 USD") && html.contains(&day(30)) && html.contains("The new cost is saved."));
    let res = submit(&app, &c, &page, &format!("{page}/costs"), &[("unit_cost", "-1".into()), ("effective_from", day(1))]).await;
    assert_eq!(res.status(), 422);

    // The index and its export list it with today's cost; the other vendor sees nothing of it.
    let (_, html) = get(&c, &app.url("/items?q=KETTLE")).await;
    assert!(html.contains("KETTLE-1") && html.contains("12.50 USD"));
    let (_, csv) = get(&c, &app.url("/items.csv")).await;
    assert!(csv.starts_with("vendor_id,vendor_sku,gtin") && csv.contains("KETTLE-1,") && csv.contains(",12.50,"), "{csv}");
    let other = app.login(&app.user(b.id, &[Role::Catalog]).await).await;
    assert_eq!(get(&other, &app.url(&page)).await.0, 404);
    assert!(!get(&other, &app.url("/items.csv")).await.1.contains("KETTLE-1"));
}

#[tokio::test]
async fn staff_issue_a_po_by_form_and_the_vendor_acknowledges_it_in_part() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let w = app.vendor().await;
    let dc = app.dc("ABE2").await;
    let item = app.item(&v).await;
    // Another tenant's PO whose item title carries its canary.
    let w_item = app.item(&w).await;
    let w_po = app.po(&w, &dc, &[&w_item], 3).await.po;
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::CategoryManager]).await).await;

    // "Add more rows" works without JavaScript: the same form, five rows longer, values kept.
    let res = submit(&app, &staff, "/orders/new", "/orders", &[("rows", "5".into()), ("action", "more".into()), ("sku-0", item.vendor_sku.clone())]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"sku-9\"") && !html.contains("id=\"sku-10\""));
    assert!(html.contains(&format!("value=\"{}\"", item.vendor_sku)));

    let header = |qty0: &str| {
        vec![
            ("rows", "5".to_string()),
            ("action", "create".into()),
            ("vendor_code", v.code.clone()),
            ("dc_code", dc.code.clone()),
            ("po_type", "RegularOrder".into()),
            ("order_date", String::new()),
            ("ship_start", day(1)),
            ("ship_end", day(7)),
            ("delivery_start", day(2)),
            ("delivery_end", day(10)),
            ("freight_terms", "Prepaid".into()),
            ("payment_terms", "NET60".into()),
            ("sku-0", item.vendor_sku.clone()),
            ("qty-0", qty0.into()),
            ("unit-0", "Eaches".into()),
            ("bo-0", "1".into()),
        ]
    };
    // Bad lines are reported on their row, and nothing is issued.
    let mut bad = header("ten");
    bad.extend([("sku-2", "NO-SUCH-SKU".to_string()), ("qty-2", "4".into()), ("unit-2", "Eaches".into())]);
    let res = submit(&app, &staff, "/orders/new", "/orders", &bad).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<a href=\"#qty-0\">Line 1, Quantity: `ten` is not a whole number"), "{html}");
    assert!(html.contains("<a href=\"#sku-2\">Line 3, Vendor SKU:") && html.contains("is not an item of vendor"), "{html}");
    assert!(html.contains("id=\"qty-0-error\"") && html.contains("value=\"NO-SUCH-SKU\""));
    let filter = acorn_domain::orders::PoFilter { vendor_code: Some(v.code.clone()), ..Default::default() };
    assert!(app.services.list_pos(&Ctx::cli(), filter, None, None).await.unwrap().items.is_empty());

    let res = submit(&app, &staff, "/orders/new", "/orders", &header("10")).await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.ends_with("?done=issued"), "{to}");
    let id = po_id(&to);
    let po = app.services.get_po(&Ctx::cli(), id).await.unwrap();
    assert_eq!((po.lines.len(), po.lines[0].ordered_quantity), (1, 10));
    let number = po.po.number.clone();
    let (_, html) = get(&staff, &app.url(&to)).await;
    assert!(html.contains("PO issued.") && html.contains(&number) && html.contains("America/Los_Angeles"), "DC time zone shown");
    assert!(html.contains("id=\"ack-chip\"") && html.contains("Ack due in"));

    // The vendor sees it in its list (with the countdown) and in its bell.
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let (_, html) = get(&ops, &app.url("/orders")).await;
    assert!(html.contains(&number) && html.contains("Ack due in"));
    assert!(!html.contains(&w_po.number), "another tenant's PO is not listed");
    assert!(html.contains("Notifications <span class=\"bell-count\">(1)</span>"), "{html}");
    let (_, html) = get(&ops, &app.url("/notifications")).await;
    assert!(html.contains(&format!("New PO {number}")) && html.contains(&format!("href=\"/orders/{id}\"")));
    let (_, html) = get(&ops, &app.url("/orders?awaiting=1&state=New")).await;
    assert!(html.contains(&number));
    let (_, html) = get(&ops, &app.url("/orders?state=Acknowledged")).await;
    assert!(!html.contains(&number));

    // Another vendor: 404 for the PO page and its grid, and its export shows only its own PO.
    let w_ops = app.login(&app.user(w.id, &[Role::Operations]).await).await;
    assert_eq!(get(&w_ops, &app.url(&format!("/orders/{id}"))).await.0, 404);
    assert_eq!(get(&w_ops, &app.url(&format!("/orders/{id}/ack"))).await.0, 404);
    let (_, csv) = get(&ops, &app.url("/orders.csv")).await;
    assert!(csv.starts_with("po_number,vendor_code") && csv.contains(&number));
    assert!(!csv.contains(&w_po.number) && !csv.contains(&w.canary));
    let (_, csv) = get(&w_ops, &app.url("/orders.csv")).await;
    assert!(!csv.contains(&number) && csv.contains(&w_po.number));

    let grid = format!("/orders/{id}/ack");
    let (status, html) = get(&ops, &app.url(&grid)).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"acc-1\"") && html.contains("value=\"10.00\""), "the net cost is prefilled with the PO cost");

    // Pre-flight: 6 accepted and 2 backordered leave 2 unconfirmed; nothing is written.
    let partial = |action: &str, acc: &str| {
        vec![
            ("action", action.to_string()),
            ("acc-1", acc.to_string()),
            ("bo-1", "2".into()),
            ("ship-1", day(3)),
            ("rej-1", String::new()),
            ("cost-1", "10.00".into()),
        ]
    };
    let res = submit(&app, &ops, &grid, &grid, &partial("check", "6")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Unconfirmed units") && html.contains("2 of the 10 eaches ordered"), "{html}");
    assert!(html.contains("value=\"6\""), "the grid keeps what was typed");
    // Over the ordered quantity: the field error, nothing written.
    let audit = app.audit_count().await;
    let res = submit(&app, &ops, &grid, &grid, &partial("submit", "999")).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"acc-1-error\"") && html.contains("more than the 10 eaches ordered"), "{html}");
    assert!(html.contains("<a href=\"#acc-1\">Line 1, Accepted:"));
    assert_eq!(app.audit_count().await, audit);
    assert!(app.services.get_po(&Ctx::cli(), id).await.unwrap().acknowledgements.is_empty());
    // A backorder without a date is refused on the date.
    let mut undated = partial("submit", "6");
    undated[3].1 = String::new();
    let res = submit(&app, &ops, &grid, &grid, &undated).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"ship-1-error\""));

    // Accept 6, backorder 2 with a date, reject the rest as temporarily unavailable.
    let mut fields = partial("submit", "6");
    fields.push(("reason-1", "TemporarilyUnavailable".into()));
    let res = submit(&app, &ops, &grid, &grid, &fields).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/orders/{id}?done=acknowledged#acks"));
    let (_, html) = get(&ops, &app.url(&format!("/orders/{id}?done=acknowledged"))).await;
    assert!(html.contains("id=\"po-state\">Acknowledged<"), "{html}");
    assert!(html.contains("id=\"ack-v1\"") && html.contains("Version 1"));
    assert!(html.contains("Partially accepted") && html.contains("Temporarily unavailable") && html.contains(&day(3)));
    assert!(!html.contains("id=\"ack-chip\""), "nothing is due any more");
    let d = app.services.get_po(&Ctx::cli(), id).await.unwrap();
    let a = &d.acknowledgements[0].lines[0];
    assert_eq!((a.accepted, a.backordered, a.rejected), (6, 2, 2));
    assert_eq!(d.acknowledgements[0].channel, acorn_domain::orders::Channel::Ui);

    // The retailer hears of it; the vendor marks its notifications read.
    let (_, html) = get(&staff, &app.url("/notifications")).await;
    assert!(html.contains(&format!("PO {number} acknowledged (v1)")));
    let res = submit(&app, &ops, "/notifications", "/notifications/read", NO_FIELDS).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&ops, &app.url("/notifications?done=read")).await;
    assert!(html.contains("bell-count\">(0)") && html.contains("All notifications are marked read."));
}

#[tokio::test]
async fn staff_change_and_cancel_a_po_and_the_vendor_accepts_all() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("RNO1").await;
    let (i1, i2) = (app.item(&v).await, app.item(&v).await);
    let po = app.po(&v, &dc, &[&i1, &i2], 10).await.po;
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    let page = format!("/orders/{}", po.id);
    let windows = || vec![("ship_start", day(1)), ("ship_end", day(7)), ("delivery_start", day(2)), ("delivery_end", day(10))];

    // Raising a quantity is refused on the line; nothing changes.
    let mut up = windows();
    up.extend([("qty-1", "20".to_string()), ("reason", "more".into())]);
    let res = submit(&app, &staff, &page, &format!("{page}/change"), &up).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"qty-1-error\"") && html.contains("may only lower line 1"), "{html}");
    // Lower line 1 and cancel line 2: revision 2, to be acknowledged again.
    let mut down = windows();
    down.extend([("qty-1", "8".to_string()), ("cancel-2", "1".into()), ("reason", "Shelf space".into())]);
    let res = submit(&app, &staff, &page, &format!("{page}/change"), &down).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&staff, &app.url(&location(&res))).await;
    assert!(html.contains("Change sent.") && html.contains("Shelf space") && html.contains("revision 2"));
    let d = app.services.get_po(&Ctx::cli(), po.id).await.unwrap();
    assert_eq!((d.po.revision, d.lines[0].ordered_quantity, d.lines[1].cancelled), (2, 8, true));

    // The vendor accepts everything still open in one click.
    let admin = app.login(&app.user(v.id, &[Role::VendorAdmin]).await).await;
    let grid = format!("{page}/ack");
    let res = submit(&app, &admin, &grid, &grid, &[("action", "accept_all".into())]).await;
    assert_eq!(res.status(), 303);
    let d = app.services.get_po(&Ctx::cli(), po.id).await.unwrap();
    assert_eq!(d.acknowledgements.len(), 1);
    assert_eq!((d.acknowledgements[0].lines[0].accepted, d.acknowledgements[0].po_revision), (8, 2));
    // Staff see no grid (read-only on acknowledgements).
    assert_eq!(get(&staff, &app.url(&grid)).await.0, 403);

    // Cancelling closes the PO; the vendor can no longer acknowledge it.
    let res = submit(&app, &staff, &page, &format!("{page}/cancel"), &[("cancel_reason", "Range review".into())]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&staff, &app.url(&page)).await;
    assert!(html.contains("id=\"po-state\">Closed<") && !html.contains("id=\"po-change\""));
    let (_, html) = get(&admin, &app.url(&grid)).await;
    assert!(html.contains("id=\"ack-closed\"") && !html.contains("id=\"ack-submit\""));
}

#[tokio::test]
async fn pos_and_acknowledgements_upload_as_csv_all_or_nothing() {
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("CSV1").await;
    let (i1, i2) = (app.item(&v).await, app.item(&v).await);
    let staff = app.login(&app.user(TenantId::RETAILER, &[Role::CategoryManager]).await).await;

    let (status, template) = get(&staff, &app.url("/orders/template.csv")).await;
    assert_eq!(status, 200);
    assert!(template.starts_with("po_number,vendor_code,dc_code"));
    let head = template.trim_end();
    let row = |number: &str, sku: &str, qty: &str| {
        format!("{number},{},{},,,{},{},{},{},,,,,{sku},{qty},Eaches,,yes", v.code, dc.code, day(1), day(7), day(2), day(10))
    };
    // A bad quantity and an unknown SKU: both reported by row and column, nothing issued.
    let bad = format!("{head}\n{}\n{}\n", row("UPLOAD01", &i1.vendor_sku, "x"), row("UPLOAD01", "NOPE", "3"));
    let res = submit(&app, &staff, "/orders/upload", "/orders/upload", &[("csv", bad)]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("row 2, quantity") && html.contains("row 3, vendor_sku") && html.contains("Nothing was saved."), "{html}");
    assert!(app.services.get_po_by_number(&Ctx::cli(), "UPLOAD01").await.is_err());
    let good = format!("{head}\n{}\n{}\n", row("UPLOAD01", &i1.vendor_sku, "4"), row("UPLOAD01", &i2.vendor_sku, "6"));
    let res = submit(&app, &staff, "/orders/upload", "/orders/upload", &[("csv", good)]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&staff, &app.url(&location(&res))).await;
    assert!(html.contains("1 PO(s) issued."), "{html}");
    let po = app.services.get_po_by_number(&Ctx::cli(), "UPLOAD01").await.unwrap();
    assert_eq!(po.lines.len(), 2);

    // The vendor acknowledges by CSV: an impossible quantity is refused as a whole.
    let ops = app.login(&app.user(v.id, &[Role::Operations]).await).await;
    let (_, template) = get(&ops, &app.url("/orders/ack-template.csv")).await;
    assert!(template.starts_with("po_number,line_no,accepted,backordered,rejected"));
    let over = "po_number,line_no,accepted\nUPLOAD01,1,4\nUPLOAD01,2,60\n".to_string();
    let res = submit(&app, &ops, "/orders/ack-upload", "/orders/ack-upload", &[("csv", over)]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("row 3") && html.contains("more than the 6 eaches ordered"), "{html}");
    assert!(app.services.get_po_by_number(&Ctx::cli(), "UPLOAD01").await.unwrap().acknowledgements.is_empty());
    let ok = "po_number,line_no,accepted,rejected,rejection_reason\nUPLOAD01,1,4,,\nUPLOAD01,2,5,1,ObsoleteProduct\n".to_string();
    let res = submit(&app, &ops, "/orders/ack-upload", "/orders/ack-upload", &[("csv", ok)]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = get(&ops, &app.url(&location(&res))).await;
    assert!(html.contains("1 acknowledgement(s) recorded."));
    let d = app.services.get_po_by_number(&Ctx::cli(), "UPLOAD01").await.unwrap();
    assert_eq!(d.acknowledgements[0].channel, acorn_domain::orders::Channel::Csv);
    assert_eq!(d.acknowledgements[0].lines[1].rejected, 1);
    // An empty upload is refused on the field.
    let res = submit(&app, &ops, "/orders/ack-upload", "/orders/ack-upload", &[("csv", " ".into())]).await;
    assert_eq!(res.status(), 422);
}

/// Sets a date input (typing into one depends on the browser's locale).
async fn set_value(b: &acorn_testkit::browser::Browser, css: &str, value: &str) -> anyhow::Result<()> {
    b.wait_for(css).await?;
    b.client().execute("document.querySelector(arguments[0]).value = arguments[1];", vec![css.into(), value.into()]).await?;
    Ok(())
}

/// The click path: staff issue a PO by typing into the form (after the error summary for an empty
/// one); the vendor finds it through the bell, checks the grid and accepts all. axe-core runs on
/// every page of the flow, in both languages for the grid.
#[tokio::test]
async fn in_the_browser_staff_issue_a_po_and_the_vendor_accepts_all() -> anyhow::Result<()> {
    let Some(b) = acorn_testkit::browser::Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let dc = app.dc("BRW1").await;
    let item = app.item(&v).await;
    let staff = app.user(TenantId::RETAILER, &[Role::CategoryManager]).await;
    sign_in(&b, &app, &staff).await?;

    b.click("a[href='/orders']").await?;
    b.wait_for(".empty-state").await?;
    b.assert_accessible().await?;
    b.click("#new-po").await?;
    b.wait_for("#po-create").await?;
    b.assert_accessible().await?;
    b.click("#po-create").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    b.fill("#vendor_code", &v.code).await?;
    b.client().find(fantoccini::Locator::Css("#dc_code")).await?.select_by_value(&dc.code).await?;
    for (css, offset) in [("#ship_start", 1), ("#ship_end", 7), ("#delivery_start", 2), ("#delivery_end", 10)] {
        set_value(&b, css, &day(offset)).await?;
    }
    b.fill("#sku-0", &item.vendor_sku).await?;
    b.fill("#qty-0", "12").await?;
    b.click("#more-rows").await?;
    b.wait_for("#sku-9").await?;
    assert_eq!(b.client().find(fantoccini::Locator::Css("#qty-0")).await?.prop("value").await?.as_deref(), Some("12"), "values survive adding rows");
    b.click("#po-create").await?;
    b.wait_for("#po-title").await?;
    b.assert_accessible().await?;
    let number = b.text("#po-title code").await?;
    assert!(b.text("#ack-chip").await?.contains("Ack due in"));
    b.goto(&app.url("/items")).await?;
    b.wait_for("#items-table").await?;
    b.assert_accessible().await?;
    b.click("#items-table a").await?;
    b.wait_for("#costs-table").await?;
    b.assert_accessible().await?;
    b.goto(&app.url("/items/new")).await?;
    b.click("#item-create").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    b.goto(&app.url("/orders/upload")).await?;
    b.wait_for("#upload-submit").await?;
    b.assert_accessible().await?;
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;

    // The vendor: bell → PO → grid → check → accept all.
    let ops = app.user(v.id, &[Role::Operations]).await;
    sign_in(&b, &app, &ops).await?;
    assert!(b.text("#bell").await?.contains("(1)"));
    b.click("#bell").await?;
    b.wait_for("#notifications-table").await?;
    b.assert_accessible().await?;
    b.click("#notifications-table a").await?;
    b.wait_for("#acknowledge").await?;
    b.assert_accessible().await?;
    b.click("#acknowledge").await?;
    b.wait_for("#ack-grid").await?;
    b.assert_accessible().await?;
    b.fill("#acc-1", "10").await?;
    b.click("#ack-check").await?;
    b.wait_for("#defects").await?;
    b.assert_accessible().await?;
    assert!(b.text("#defects").await?.contains("Unconfirmed units"));
    b.fill("#acc-1", "99").await?;
    b.click("#ack-submit").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    b.client().find(fantoccini::Locator::Css("#lang-select")).await?.select_by_value("zh-CN").await?;
    b.wait_for("html[lang='zh-CN']").await?;
    b.assert_accessible().await?;
    // The confirm dialog is the script's; answer it yes.
    b.client().execute("window.confirm = function () { return true; };", vec![]).await?;
    b.click("#accept-all").await?;
    b.wait_for("#ack-v1").await?;
    b.assert_accessible().await?;
    assert_eq!(b.text("#po-state").await?, "已确认");
    b.goto(&app.url("/orders/ack-upload")).await?;
    b.wait_for("#upload-submit").await?;
    b.assert_accessible().await?;
    let d = app.services.get_po_by_number(&Ctx::cli(), &number).await?;
    assert_eq!(d.acknowledgements[0].lines[0].accepted, 12);
    b.close().await
}

/// Posts `fields` to `action` with the CSRF token of `page` alone (a page without forms of its own
/// has no form token; a form without one still runs).
async fn post_csrf(app: &TestApp, c: &reqwest::Client, page: &str, action: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (status, html) = get(c, &app.url(page)).await;
    assert_eq!(status, 200, "GET {page}");
    let mut form = vec![("_csrf".to_string(), acorn_testkit::app::hidden(&html, "_csrf").expect("csrf"))];
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    c.post(app.url(action)).form(&form).send().await.unwrap()
}

/// The holiday calendar, by clicks and typing: an admin finds it in the navigation, is told what is
/// missing, adds a day, is told the day is already listed, and removes it again; a bad date sent
/// over HTTP is named; retailer staff who only read see the list without the forms; a vendor user
/// has no link and is refused the page and the form. axe-core runs on every page visited.
#[tokio::test]
async fn in_the_browser_an_admin_adds_and_removes_a_holiday_and_vendors_do_not_see_the_calendar() -> anyhow::Result<()> {
    let Some(b) = acorn_testkit::browser::Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let v = app.vendor().await;
    let admin = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    sign_in(&b, &app, &admin).await?;

    b.click("a[href='/holidays']").await?;
    b.wait_for("#holidays-none").await?;
    b.assert_accessible().await?;
    assert!(b.text("#holidays-rule").await?.contains("time zone"));
    // Nothing typed: both fields are named.
    b.click("#holiday-add").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    let summary = b.text(".error-summary").await?;
    assert!(summary.contains("Enter the date") && summary.contains("Enter the holiday's name"), "{summary}");
    let when = day(40);
    set_value(&b, "#day", &when).await?;
    b.fill("#name", "Spring Festival").await?;
    b.click("#holiday-add").await?;
    b.wait_for("#notice").await?;
    b.assert_accessible().await?;
    assert!(b.text(&format!("#holiday-{when}")).await?.contains("Spring Festival"));
    assert_eq!(app.services.list_holidays(&Ctx::cli()).await?.len(), 1);
    // The same day again: refused on the date field, what was typed kept.
    set_value(&b, "#day", &when).await?;
    b.fill("#name", "Lantern Festival").await?;
    b.click("#holiday-add").await?;
    b.wait_for("#day-error").await?;
    b.assert_accessible().await?;
    assert!(b.text("#day-error").await?.contains("already on the calendar"));
    assert_eq!(b.client().find(fantoccini::Locator::Css("#name")).await?.prop("value").await?.as_deref(), Some("Lantern Festival"));
    // Remove it (the confirm dialog is the script's; answer it yes).
    b.client().execute("window.confirm = function () { return true; };", vec![]).await?;
    b.click(&format!("#remove-{when}")).await?;
    b.wait_for("#holidays-none").await?;
    b.assert_accessible().await?;
    assert_eq!(b.text("#notice").await?, "Removed.");
    assert!(app.services.list_holidays(&Ctx::cli()).await?.is_empty());
    // In Chinese too.
    b.client().find(fantoccini::Locator::Css("#lang-select")).await?.select_by_value("zh-CN").await?;
    b.wait_for("html[lang='zh-CN']").await?;
    b.assert_accessible().await?;
    assert_eq!(b.text("#holidays-title").await?, "节假日日历");
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;

    // Over HTTP: a date that is not one is named, nothing written.
    let c = app.login(&app.user(TenantId::RETAILER, &[Role::Admin]).await).await;
    let res = submit(&app, &c, "/holidays", "/holidays", &[("day", "25/12/2030".to_string()), ("name", "Christmas".to_string())]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await?;
    assert!(html.contains("href=\"#day\"") && html.contains("is not a date; enter one like 2026-12-25"), "{html}");
    assert!(app.services.list_holidays(&Ctx::cli()).await?.is_empty());
    let res = submit(&app, &c, "/holidays", "/holidays", &[("day", "2030-12-25".to_string()), ("name", "Christmas".to_string())]).await;
    assert_eq!(location(&res), "/holidays?done=added");
    // Staff who only read Facilities see the list, not the forms.
    let receiver = app.login(&app.user(TenantId::RETAILER, &[Role::Receiver]).await).await;
    let (status, html) = get(&receiver, &app.url("/holidays")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Christmas") && !html.contains("id=\"holiday-add\"") && !html.contains("/holidays/remove"), "{html}");
    let res = post_csrf(&app, &receiver, "/holidays", "/holidays/remove", &[("day", "2030-12-25")]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.services.list_holidays(&Ctx::cli()).await?.len(), 1);

    // A vendor user: no link, and the page and the form are refused.
    let ops = app.user(v.id, &[Role::VendorAdmin]).await;
    sign_in(&b, &app, &ops).await?;
    assert!(!b.exists("a[href='/holidays']").await?);
    b.goto(&app.url("/holidays")).await?;
    b.wait_for("h1").await?;
    b.assert_accessible().await?;
    assert!(!b.page_source().await?.contains("Christmas"));
    let vc = app.login(&app.user(v.id, &[Role::VendorAdmin]).await).await;
    assert_eq!(get(&vc, &app.url("/holidays")).await.0, 403);
    let res = post_csrf(&app, &vc, "/dcs", "/holidays", &[("day", "2030-12-26"), ("name", "Boxing Day")]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.services.list_holidays(&Ctx::cli()).await?.len(), 1);
    b.close().await
}
