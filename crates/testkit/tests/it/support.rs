//! What the portal suites share: plain GETs and form posts over the cookie client (a post first
//! opens its page for the CSRF and form tokens, as the browser would), redirect locations, and
//! signing in through the forms in a real browser.

use acorn_testkit::app::hidden;
use acorn_testkit::browser::Browser;
use acorn_testkit::{TestApp, UserFx};
use reqwest::Client;
use uuid::Uuid;

pub async fn get(c: &Client, url: &str) -> (u16, String) {
    let res = c.get(url).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// A form posted with its tokens alone.
pub const NO_FIELDS: &[(&str, String)] = &[];

/// Opens `page` for its tokens, then posts `fields` to `action` as the page's form would.
pub async fn submit(app: &TestApp, c: &Client, page: &str, action: &str, fields: &[(impl AsRef<str>, String)]) -> reqwest::Response {
    let (status, html) = get(c, &app.url(page)).await;
    assert_eq!(status, 200, "GET {page}: {html}");
    let mut form: Vec<(String, String)> =
        vec![("_csrf".into(), hidden(&html, "_csrf").expect("csrf")), ("_form".into(), hidden(&html, "_form").expect("form token"))];
    form.extend(fields.iter().map(|(k, v)| (k.as_ref().to_string(), v.clone())));
    c.post(app.url(action)).form(&form).send().await.unwrap()
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

/// The id in a `{prefix}{id}?…` location, e.g. `/orders/` or `/shipments/`.
pub fn id_after(prefix: &str, location: &str) -> Uuid {
    let id = location.trim_start_matches(prefix).split(['?', '#', '/']).next().unwrap();
    Uuid::parse_str(id).unwrap_or_else(|_| panic!("no id after {prefix} in {location}"))
}

/// Signs in through the forms in the browser: e-mail, password, then the current TOTP code.
pub async fn sign_in(b: &Browser, app: &TestApp, u: &UserFx) -> anyhow::Result<()> {
    b.goto(&app.url("/login")).await?;
    b.fill("#email", &u.email).await?;
    b.fill("#password", &u.password).await?;
    b.click("#login-submit").await?;
    b.wait_for("#code").await?;
    b.fill("#code", &app.next_code(u)).await?;
    b.click("#verify-submit").await?;
    b.wait_for("#welcome").await?;
    Ok(())
}
