//! Portal forms end to end over HTTP (the browser tests cover the click paths).

use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_testkit::TestApp;
use acorn_testkit::app::hidden;

#[tokio::test]
async fn dock_slots_are_entered_and_shown_in_the_dcs_local_time() {
    let app = TestApp::start().await;
    let admin = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let c = app.login(&admin).await;
    let mut input = acorn_service::facilities::DcInput {
        code: "NYC1".into(),
        name: "New York DC".into(),
        time_zone: "America/New_York".into(),
        dock_doors: 6,
        ..Default::default()
    };
    input.address = acorn_domain::master::Address {
        line1: "1 Pier".into(),
        city: "New York".into(),
        postal_code: "10001".into(),
        country: "US".into(),
        ..Default::default()
    };
    let dc = app.services.create_dc(&Ctx::cli(), input).await.unwrap();
    let page_url = app.url(&format!("/dcs/{}", dc.id));
    let post = |starts_at: &'static str| {
        let (c, page_url, slots_url) = (c.clone(), page_url.clone(), app.url(&format!("/dcs/{}/slots", dc.id)));
        async move {
            let page = c.get(&page_url).send().await.unwrap().text().await.unwrap();
            let form = [
                ("_csrf", hidden(&page, "_csrf").unwrap()),
                ("_form", hidden(&page, "_form").unwrap()),
                ("starts_at", starts_at.to_string()),
                ("duration", "120".into()),
                ("capacity", "3".into()),
            ];
            c.post(&slots_url).form(&form).send().await.unwrap()
        }
    };
    // 08:00 in New York in July (EDT, UTC-4) is 12:00 UTC.
    let res = post("2030-07-01T08:00").await;
    assert_eq!(res.status(), 303);
    let from = chrono::DateTime::parse_from_rfc3339("2030-06-30T00:00:00Z").unwrap().to_utc();
    let slots = app.services.list_dock_slots(&Ctx::cli(), dc.id, from, 3).await.unwrap();
    assert_eq!(slots.len(), 1);
    assert_eq!(slots[0].starts_at.to_rfc3339(), "2030-07-01T12:00:00+00:00");
    assert_eq!(slots[0].capacity, 3);
    // 02:30 on the morning daylight saving starts does not exist in New York.
    let res = post("2030-03-10T02:30").await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("does not exist in America/New_York"), "the error says why");
}
