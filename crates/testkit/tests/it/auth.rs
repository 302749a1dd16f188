//! Signing in over HTTP: passwords, mandatory MFA, sessions, CSRF, throttling, one-time links.

use acorn_domain::ids::TenantId;
use acorn_domain::people::UserStatus;
use acorn_domain::policy::Role;
use acorn_service::Ctx;
use acorn_testkit::app::hidden;
use acorn_testkit::{TestApp, UserFx, call, http};
use reqwest::Method;

async fn csrf(c: &reqwest::Client, url: &str) -> String {
    let page = c.get(url).send().await.unwrap().text().await.unwrap();
    hidden(&page, "_csrf").unwrap_or_else(|| panic!("no CSRF token on {url}"))
}

async fn password_step(app: &TestApp, c: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
    let token = csrf(c, &app.url("/login")).await;
    c.post(app.url("/login")).form(&[("_csrf", token.as_str()), ("email", email), ("password", password)]).send().await.unwrap()
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("acorn_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

#[tokio::test]
async fn unknown_user_and_wrong_password_look_the_same() {
    let app = TestApp::start().await;
    let u = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let wrong = password_step(&app, &http(), &u.email, "not the password").await;
    let unknown = password_step(&app, &http(), "nobody@example.test", "not the password").await;
    assert_eq!(wrong.status(), unknown.status());
    assert_eq!(wrong.status(), 401);
    let (a, b) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert!(a.contains("The e-mail address or password is not right."));
    assert!(b.contains("The e-mail address or password is not right."));
}

#[tokio::test]
async fn login_rotates_the_session_after_mfa_and_codes_work_once() {
    let app = TestApp::start().await;
    let u = app.user(TenantId::RETAILER, &[Role::Auditor]).await;
    let c = http();
    let res = password_step(&app, &c, &u.email, &u.password).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/mfa");
    let first = session_cookie(&res).expect("session cookie");
    assert!(res.headers().get_all("set-cookie").iter().any(|v| v.to_str().unwrap().contains("HttpOnly; SameSite=Lax")));
    // Before the second factor the portal and the API stay closed.
    let r = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/mfa");
    let (s, _) = call(&c, Method::GET, &app.url("/api/v1/me"), None, None).await;
    assert_eq!(s, 401);
    // A wrong code is refused.
    let token = csrf(&c, &app.url("/mfa")).await;
    let r = c.post(app.url("/mfa/verify")).form(&[("_csrf", token.as_str()), ("code", "000000")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let code = app.next_code(&u);
    let r = c.post(app.url("/mfa/verify")).form(&[("_csrf", token.as_str()), ("code", code.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let second = session_cookie(&r).expect("rotated cookie");
    assert_ne!(first, second, "the session id changes after MFA");
    assert_eq!(c.get(app.url("/")).send().await.unwrap().status(), 200);
    // The pre-MFA id is dead.
    let stale = http();
    let r = stale.get(app.url("/")).header("cookie", &first).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/login");
    // The same code cannot be used again in a new session.
    let c2 = http();
    password_step(&app, &c2, &u.email, &u.password).await;
    let token = csrf(&c2, &app.url("/mfa")).await;
    let r = c2.post(app.url("/mfa/verify")).form(&[("_csrf", token.as_str()), ("code", code.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already used"));
}

#[tokio::test]
async fn posts_without_csrf_token_are_refused() {
    let app = TestApp::start().await;
    let u = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let c = http();
    let r = c.post(app.url("/login")).form(&[("email", u.email.as_str()), ("password", u.password.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let c = app.login(&u).await;
    let r = c.post(app.url("/logout")).form(&[("_csrf", "forged")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // Still signed in: the forged logout did nothing.
    assert_eq!(c.get(app.url("/")).send().await.unwrap().status(), 200);
    let token = csrf(&c, &app.url("/")).await;
    let r = c.post(app.url("/logout")).form(&[("_csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(c.get(app.url("/")).send().await.unwrap().headers()["location"], "/login");
}

#[tokio::test]
async fn failed_logins_are_throttled_per_account_only() {
    let app = TestApp::start().await;
    let victim = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let other = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let t = acorn_service::now();
    for _ in 0..99 {
        acorn_store::repo::users::record_login_failure(&app.services.db.conn, &victim.email, t).await.unwrap();
    }
    // The 100th failure is still an ordinary failure; after it the account is throttled.
    assert_eq!(password_step(&app, &http(), &victim.email, "wrong password!").await.status(), 401);
    let r = password_step(&app, &http(), &victim.email, &victim.password).await;
    assert_eq!(r.status(), 429, "even the right password waits once 100 failures were seen in the hour");
    // Other accounts are not affected.
    assert_eq!(password_step(&app, &http(), &other.email, &other.password).await.status(), 303);
}

#[tokio::test]
async fn new_user_must_enrol_mfa_first_and_recovery_codes_work_once() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let ctx = Ctx::cli();
    let invited = app
        .services
        .invite_user(
            &ctx,
            acorn_service::users::NewUser {
                tenant: a.id,
                email: "fresh@example.test".into(),
                name: "Fresh".into(),
                roles: vec![Role::Operations],
                locale: Default::default(),
            },
        )
        .await
        .unwrap();
    let mail = app.mail_to("fresh@example.test").await;
    let link = mail[0].body.lines().find(|l| l.contains("/setup/")).unwrap().trim().to_string();
    let path = link.strip_prefix(&app.base).unwrap().to_string();
    let c = http();
    let token = csrf(&c, &app.url(&path)).await;
    let r = c.post(app.url(&path)).form(&[("_csrf", token.as_str()), ("password", "short"), ("confirm", "short")]).send().await.unwrap();
    assert_eq!(r.status(), 422, "short passwords are refused");
    let r = c
        .post(app.url(&path))
        .form(&[("_csrf", token.as_str()), ("password", "a long enough password"), ("confirm", "a long enough password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The link works once.
    assert_eq!(c.get(app.url(&path)).send().await.unwrap().status(), 410);
    let r = password_step(&app, &c, "fresh@example.test", "a long enough password").await;
    assert_eq!(r.status(), 303);
    // Only enrolment is reachable.
    assert_eq!(c.get(app.url("/")).send().await.unwrap().headers()["location"], "/mfa");
    let page = c.get(app.url("/mfa")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<svg"), "QR code shown");
    let secret = page.split("id=\"totp-secret\" class=\"secret\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    let token = hidden(&page, "_csrf").unwrap();
    let code = acorn_service::mfa::code_at(&secret, chrono::Utc::now().timestamp() as u64).unwrap();
    let r = c.post(app.url("/mfa/enrol")).form(&[("_csrf", token.as_str()), ("code", code.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let codes: Vec<String> = page.split("<li><code>").skip(1).map(|s| s.split('<').next().unwrap().to_string()).collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(c.get(app.url("/")).send().await.unwrap().status(), 200);
    // Recovery code instead of TOTP: works once.
    let fx = UserFx { id: invited.id, tenant: a.id, email: "fresh@example.test".into(), password: "a long enough password".into(), totp_secret: secret };
    for (attempt, want) in [(1, 303), (2, 422)] {
        let c = http();
        password_step(&app, &c, &fx.email, &fx.password).await;
        let token = csrf(&c, &app.url("/mfa")).await;
        let r = c.post(app.url("/mfa/recover")).form(&[("_csrf", token.as_str()), ("code", codes[0].as_str())]).send().await.unwrap();
        assert_eq!(r.status(), want, "recovery attempt {attempt}");
    }
}

#[tokio::test]
async fn reset_never_bypasses_mfa_and_disable_ends_sessions() {
    let app = TestApp::start().await;
    let u = app.user(TenantId::RETAILER, &[Role::ApClerk]).await;
    let signed_in = app.login(&u).await;
    let c = http();
    let token = csrf(&c, &app.url("/password/forgot")).await;
    let r = c.post(app.url("/password/forgot")).form(&[("_csrf", token.as_str()), ("email", u.email.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Unknown addresses get the same answer and no mail.
    let r2 = c.post(app.url("/password/forgot")).form(&[("_csrf", token.as_str()), ("email", "ghost@example.test")]).send().await.unwrap();
    assert_eq!(r2.status(), 200);
    assert!(app.mail_to("ghost@example.test").await.is_empty());
    let mail = app.mail_to(&u.email).await;
    let link = mail[0].body.lines().find(|l| l.contains("/password/reset/")).unwrap().trim().to_string();
    let path = link.strip_prefix(&app.base).unwrap().to_string();
    let token = csrf(&c, &app.url(&path)).await;
    let r =
        c.post(app.url(&path)).form(&[("_csrf", token.as_str()), ("password", "brand new password"), ("confirm", "brand new password")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // The reset ended the existing session…
    assert_eq!(signed_in.get(app.url("/")).send().await.unwrap().headers()["location"], "/login");
    // …and signing in with the new password still needs the second factor.
    let c = http();
    password_step(&app, &c, &u.email, "brand new password").await;
    assert_eq!(c.get(app.url("/")).send().await.unwrap().headers()["location"], "/mfa");

    let u2 = app.user(TenantId::RETAILER, &[Role::Receiver]).await;
    let s2 = app.login(&u2).await;
    app.services.set_user_status(&Ctx::cli(), u2.id, UserStatus::Disabled).await.unwrap();
    assert_eq!(s2.get(app.url("/")).send().await.unwrap().headers()["location"], "/login");
    assert_eq!(password_step(&app, &http(), &u2.email, &u2.password).await.status(), 401);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = TestApp::start().await;
    let u = app.user(TenantId::RETAILER, &[Role::Auditor]).await;
    let c = app.login(&u).await;
    assert_eq!(c.get(app.url("/")).send().await.unwrap().status(), 200);
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let past = acorn_service::now() - chrono::Duration::minutes(31);
    app.services
        .db
        .conn
        .execute(&Query::update().table("sessions").value("last_seen_at", past).and_where(Expr::col("user_id").eq(u.id)).to_owned())
        .await
        .unwrap();
    assert_eq!(c.get(app.url("/")).send().await.unwrap().headers()["location"], "/login");
}

#[tokio::test]
async fn language_is_switchable_and_remembered_per_user() {
    let app = TestApp::start().await;
    let page = http().get(app.url("/login")).header("accept-language", "zh-CN,zh;q=0.9").send().await.unwrap().text().await.unwrap();
    assert!(page.contains("lang=\"zh-CN\"") && page.contains("登录"));
    let u = app.user(TenantId::RETAILER, &[Role::Admin]).await;
    let c = app.login(&u).await;
    let token = csrf(&c, &app.url("/")).await;
    let r = c.post(app.url("/locale")).form(&[("_csrf", token.as_str()), ("locale", "zh-CN"), ("back", "/")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (user, _) = acorn_store::repo::users::get(&app.services.db.conn, u.id).await.unwrap().unwrap();
    assert_eq!(user.locale.as_str(), "zh-CN");
    let page = c.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("概览"), "dashboard in Chinese");
}
