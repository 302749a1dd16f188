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

/// The foundation's browser proof: a vendor admin invites a user by clicks; the user sets a
/// password from the mailed link, enrols MFA (the test computes the TOTP from the secret on the
/// page), lands on the dashboard, switches to 中文 and signs out. A wrong code and a POST without its
/// CSRF token are refused. axe-core runs on every page visited.
#[tokio::test]
async fn vendor_admin_invites_a_user_who_sets_up_mfa_and_signs_in() -> anyhow::Result<()> {
    let Some(b) = Browser::start().await? else { return Ok(()) };
    let app = TestApp::start().await;
    let acme = app.vendor().await;
    let admin = app.user(acme.id, &[Role::VendorAdmin]).await;
    sign_in(&b, &app, &admin).await?;
    b.assert_accessible().await?;

    // Invite by clicks: Users → Invite → form.
    b.click("a[href='/users']").await?;
    b.wait_for("#invite-user").await?;
    b.assert_accessible().await?;
    b.click("#invite-user").await?;
    b.wait_for("#invite-submit").await?;
    b.assert_accessible().await?;
    // Submitting empty shows the error summary first.
    b.click("#invite-submit").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    b.fill("#email", "new.colleague@acme.test").await?;
    b.fill("#name", "New Colleague").await?;
    b.click("#role-operations").await?;
    b.click("#invite-submit").await?;
    b.wait_for_within(".page-head", std::time::Duration::from_secs(10)).await?;
    b.assert_accessible().await?;
    assert!(b.page_source().await?.contains("new.colleague@acme.test"));

    // The invitation is in the mail outbox, where the vendor admin can see it.
    b.goto(&app.url("/outbox")).await?;
    b.wait_for("#outbox-table").await?;
    b.assert_accessible().await?;
    assert!(b.page_source().await?.contains("new.colleague@acme.test"));
    let mail = app.mail_to("new.colleague@acme.test").await;
    assert_eq!(mail.len(), 1);
    let link = mail[0].body.lines().find(|l| l.contains("/setup/")).expect("set-up link").trim().to_string();

    // A POST whose CSRF token was stripped is refused.
    b.client().execute("document.querySelector('.signout-form input[name=_csrf]').remove()", vec![]).await?;
    b.click("#signout").await?;
    b.wait_for("h1").await?;
    assert_eq!(b.current_path().await?, "/logout");
    assert!(b.page_source().await?.contains("Your form expired"));
    b.assert_accessible().await?;
    b.goto(&app.url("/")).await?;
    b.wait_for("#signout").await?;
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;

    // The new user opens the mailed link and chooses a password.
    b.goto(&link).await?;
    b.wait_for("#password-submit").await?;
    b.assert_accessible().await?;
    b.fill("#password", "correct horse battery").await?;
    b.fill("#confirm", "correct horse battery").await?;
    b.click("#password-submit").await?;
    b.wait_for("#login-submit").await?;
    b.assert_accessible().await?;
    b.fill("#email", "new.colleague@acme.test").await?;
    b.fill("#password", "correct horse battery").await?;
    b.click("#login-submit").await?;

    // Enrolment: the only page reachable until MFA is set up.
    b.wait_for("#totp-secret").await?;
    b.assert_accessible().await?;
    b.goto(&app.url("/users")).await?;
    assert_eq!(b.current_path().await?, "/mfa", "nothing but enrolment before MFA");
    let secret = b.text("#totp-secret").await?;
    b.fill("#code", "123456").await?;
    b.click("#enrol-submit").await?;
    b.wait_for(".error-summary").await?;
    b.assert_accessible().await?;
    let code = acorn_service::mfa::code_at(&secret, chrono::Utc::now().timestamp() as u64)?;
    b.fill("#code", &code).await?;
    b.click("#enrol-submit").await?;
    b.wait_for("#recovery-codes").await?;
    b.assert_accessible().await?;
    b.click("#codes-continue").await?;
    b.wait_for("#welcome").await?;
    assert_eq!(b.current_path().await?, "/");
    assert!(b.text("#welcome").await?.contains("New Colleague"));
    b.assert_accessible().await?;

    // 中文, remembered for the user; then sign out.
    b.client().find(fantoccini::Locator::Css("#lang-select")).await?.select_by_value("zh-CN").await?;
    b.wait_for("html[lang='zh-CN']").await?;
    b.assert_accessible().await?;
    b.click("#signout").await?;
    b.wait_for("#login-submit").await?;
    let (user, _) = acorn_store::repo::users::get_by_email(&app.services.db.conn, "new.colleague@acme.test").await?.expect("user");
    assert_eq!(user.locale.as_str(), "zh-CN");
    assert!(user.mfa_enrolled);
    b.close().await
}
