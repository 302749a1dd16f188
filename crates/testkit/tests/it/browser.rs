//! Real-browser flows in headless Chromium, by clicks and typing, with axe-core on every page.

use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_testkit::TestApp;
use acorn_testkit::browser::Browser;

/// Signs in through the forms: e-mail, password, then the current TOTP code.
async fn sign_in(b: &Browser, app: &TestApp, u: &acorn_testkit::UserFx) -> anyhow::Result<()> {
    b.goto(&app.url("/login")).await?;
    b.assert_accessible().await?;
    b.fill("#email", &u.email).await?;
    b.fill("#password", &u.password).await?;
    b.click("#login-submit").await?;
    b.wait_for("#code").await?;
    b.assert_accessible().await?;
    b.fill("#code", &app.next_code(u)).await?;
    b.click("#verify-submit").await?;
    b.wait_for("#welcome").await?;
    Ok(())
}

#[tokio::test]
async fn sign_in_with_mfa_switch_language_and_sign_out() -> anyhow::Result<()> {
    let Some(b) = Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let u = app.user(TenantId::RETAILER, &[Role::Admin]).await;

    // A wrong code is refused with an error summary.
    b.goto(&app.url("/login")).await?;
    b.fill("#email", &u.email).await?;
    b.fill("#password", &u.password).await?;
    b.click("#login-submit").await?;
    b.wait_for("#code").await?;
    b.fill("#code", "000000").await?;
    b.click("#verify-submit").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    assert_eq!(b.current_path().await?, "/mfa/verify");
    b.fill("#code", &app.next_code(&u)).await?;
    b.click("#verify-submit").await?;
    b.wait_for("#welcome").await?;
    assert_eq!(b.current_path().await?, "/");
    b.assert_accessible().await?;

    // Switch to Chinese: the page and the preference follow.
    b.client().find(fantoccini::Locator::Css("#lang-select")).await?.select_by_value("zh-CN").await?;
    b.wait_for("html[lang='zh-CN']").await?;
    assert!(b.text("h1").await?.contains("概览"));
    b.assert_accessible().await?;

    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;
    assert_eq!(b.current_path().await?, "/login");
    b.goto(&app.url("/")).await?;
    assert_eq!(b.current_path().await?, "/login", "signed out for real");
    b.close().await
}

#[tokio::test]
async fn unknown_user_and_bad_password_get_the_same_message_in_the_browser() -> anyhow::Result<()> {
    let Some(b) = Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let u = app.user(TenantId::RETAILER, &[Role::Auditor]).await;
    let mut seen = Vec::new();
    for (email, pw) in [(u.email.as_str(), "definitely wrong"), ("ghost@example.test", "definitely wrong")] {
        b.goto(&app.url("/login")).await?;
        b.fill("#email", email).await?;
        b.fill("#password", pw).await?;
        b.click("#login-submit").await?;
        b.wait_for(".error-summary").await?;
        b.assert_accessible().await?;
        seen.push(b.text(".error-summary li").await?);
    }
    assert_eq!(seen[0], seen[1]);
    sign_in(&b, &app, &u).await?;
    b.close().await
}
