//! A running ACORN on a real socket over a fresh database, with fixture builders and HTTP helpers.

use crate::db::{TestDb, fresh};
use acorn_domain::ids::TenantId;
use acorn_domain::people::{Locale, User, UserStatus};
use acorn_domain::policy::{Area, Role};
use acorn_server::config::Config;
use acorn_service::vendors::NewVendor;
use acorn_service::{Change, Ctx, Services};
use acorn_store::repo::users;
use reqwest::redirect::Policy;
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use tokio::sync::OnceCell;

/// A server under test.
pub struct TestApp {
    pub base: String,
    pub services: Services,
    pub config: Config,
    pub db: TestDb,
    server: tokio::task::JoinHandle<()>,
    used_steps: Mutex<HashMap<uuid::Uuid, i64>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A vendor fixture. Its name carries a canary that must never show up in another tenant's responses.
#[derive(Clone, Debug)]
pub struct VendorFx {
    pub id: TenantId,
    pub code: String,
    pub gs1_prefix: String,
    pub canary: String,
}

/// A user fixture with everything needed to sign in.
#[derive(Clone, Debug)]
pub struct UserFx {
    pub id: uuid::Uuid,
    pub tenant: TenantId,
    pub email: String,
    pub password: String,
    pub totp_secret: String,
}

pub const FIXTURE_PASSWORD: &str = "fixture-password-123";

static PASSWORD_HASH: OnceCell<String> = OnceCell::const_new();

/// An ASN input for `cartons` cartons of `per_carton` eaches of line 1 of PO `number`, shipping now.
pub fn shipment_input(dc_code: &str, number: &str, cartons: usize, per_carton: i64) -> acorn_service::shipments::ShipmentInput {
    use acorn_domain::shipments::{CartonInput, CartonItemInput};
    acorn_service::shipments::ShipmentInput {
        dc_code: dc_code.into(),
        ship_from_name: "Fixture Works".into(),
        ship_from: acorn_domain::master::Address { line1: "1 Factory Rd".into(), city: "Dongguan".into(), country: "CN".into(), ..Default::default() },
        carrier_scac: Some("UPSN".into()),
        cartons: (0..cartons)
            .map(|_| CartonInput {
                sscc: None,
                pallet: None,
                items: vec![CartonItemInput { po_number: number.into(), line_no: 1, quantity: per_carton, lot: None, expiry: None }],
            })
            .collect(),
        ..Default::default()
    }
}

/// A fresh, valid GTIN-13 owned by the GS1 company `prefix`.
pub fn gtin_for(prefix: &str) -> String {
    let width = 12 - prefix.len();
    // Sequential per process (each test has its own database), so fixtures never collide.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let serial = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 10u64.pow(width as u32);
    let body = format!("{prefix}{serial:0width$}");
    format!("{body}{}", acorn_domain::gs1::check_digit(&body))
}

/// A new random canary.
pub fn canary() -> String {
    format!("CANARY{}", &uuid::Uuid::now_v7().simple().to_string()[20..])
}

/// An HTTP client that keeps cookies and does not follow redirects (tests look at them).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("http client")
}

/// The value of the first hidden input named `name` in an HTML page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    Some(html[start..].split('"').next()?.to_string())
}

impl TestApp {
    /// Starts a server over a fresh database (SQLite, or PostgreSQL with `TEST_DATABASE_URL`).
    pub async fn start() -> TestApp {
        let db = fresh().await;
        let mut config = Config { data_dir: db.data_dir().to_path_buf(), database_url: Some(db.url.clone()), ..Config::default() };
        // Generous limits: tests hammer routes on purpose; the rate-limit test builds its own app.
        config.rate_limit_per_second = 10_000;
        config.rate_limit_burst = 10_000;
        Self::start_with(db, config).await
    }

    pub async fn start_with(db: TestDb, mut config: Config) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.listen = addr.to_string();
        let database = db.connect().await;
        let services = acorn_server::services(database, &config);
        let app = acorn_server::build_app(services.clone(), &config);
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
        });
        TestApp { base: format!("http://{addr}"), services, config, db, server, used_steps: Mutex::new(HashMap::new()) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A vendor with one vendor code and one GS1 prefix, named with a canary.
    pub async fn vendor(&self) -> VendorFx {
        let canary = canary();
        let n: u32 = rand::random::<u32>() % 1_000_000;
        let code = format!("V{:06}", n);
        let prefix = format!("0{:07}", rand::random::<u32>() % 10_000_000);
        let v = self
            .services
            .create_vendor(
                &Ctx::cli(),
                NewVendor {
                    name: format!("Vendor {canary}"),
                    country: "US".into(),
                    vendor_codes: vec![code.clone()],
                    payee_codes: vec![],
                    gs1_prefixes: vec![prefix.clone()],
                },
            )
            .await
            .expect("vendor fixture");
        VendorFx { id: v.vendor.id, code, gs1_prefix: prefix, canary }
    }

    /// An active item of `v` with a fresh GTIN under its GS1 prefix, a title carrying its canary,
    /// case pack 12 and a unit cost of 10.00 USD from 2020 on.
    pub async fn item(&self, v: &VendorFx) -> acorn_domain::items::Item {
        let gtin = gtin_for(&v.gs1_prefix);
        self.services
            .create_item(
                &Ctx::cli(),
                Some(v.id),
                acorn_service::items::NewItem {
                    vendor_sku: format!("SKU-{}", &gtin[6..]),
                    gtin,
                    title: format!("Item {}", v.canary),
                    case_pack: 12,
                    list_price: "19.99".into(),
                    unit_cost: "10.00".into(),
                    currency: "USD".into(),
                    cost_effective_from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
                },
            )
            .await
            .expect("item fixture")
            .item
    }

    /// A PO from the retailer to `v` at `dc`, one line per item, `quantity` eaches each, shipping
    /// from today for a week.
    pub async fn po(
        &self,
        v: &VendorFx,
        dc: &acorn_domain::master::Dc,
        items: &[&acorn_domain::items::Item],
        quantity: i64,
    ) -> acorn_service::orders::PoDetail {
        let today = chrono::Utc::now().date_naive();
        let d = |days: u64| (today + chrono::Days::new(days)).to_string();
        self.services
            .create_po(
                &Ctx::cli(),
                acorn_service::orders::NewPo {
                    vendor_code: v.code.clone(),
                    dc_code: dc.code.clone(),
                    ship_start: d(1),
                    ship_end: d(7),
                    delivery_start: d(2),
                    delivery_end: d(10),
                    lines: items
                        .iter()
                        .map(|i| acorn_service::orders::NewPoLine { vendor_sku: i.vendor_sku.clone(), quantity, backorder_allowed: true, ..Default::default() })
                        .collect(),
                    ..Default::default()
                },
            )
            .await
            .expect("PO fixture")
    }

    /// A service context acting as an operations user of `v` (vendor-side use cases: acks, ASNs).
    pub async fn vendor_ctx(&self, v: &VendorFx) -> Ctx {
        self.ctx_as(v.id, &[Role::Operations]).await
    }

    /// A service context acting as a new user of `tenant` with `roles`.
    pub async fn ctx_as(&self, tenant: TenantId, roles: &[Role]) -> Ctx {
        let u = self.user(tenant, roles).await;
        let user = self.services.get_user(&Ctx::cli(), u.id).await.expect("fixture user");
        Ctx::new(acorn_service::Principal::User(user), "fixture", "127.0.0.1")
    }

    /// A PO of `v` at `dc` for one new item, `quantity` eaches, acknowledged in full; `collect`
    /// makes it Collect freight (else Prepaid).
    pub async fn acked_po(&self, v: &VendorFx, dc: &acorn_domain::master::Dc, quantity: i64, collect: bool) -> acorn_service::orders::PoDetail {
        let item = self.item(v).await;
        // Dated from yesterday (UTC): the DC's local day, which ASN checks use, is then inside the
        // ship window whatever the time of day and the DC's time zone.
        let yesterday = chrono::Utc::now().date_naive() - chrono::Days::new(1);
        let d = |days: u64| (yesterday + chrono::Days::new(days)).to_string();
        let po = self
            .services
            .create_po(
                &Ctx::cli(),
                acorn_service::orders::NewPo {
                    vendor_code: v.code.clone(),
                    dc_code: dc.code.clone(),
                    freight_terms: if collect { "Collect".into() } else { "Prepaid".into() },
                    order_date: d(0),
                    ship_start: d(0),
                    ship_end: d(8),
                    delivery_start: d(1),
                    delivery_end: d(11),
                    lines: vec![acorn_service::orders::NewPoLine {
                        vendor_sku: item.vendor_sku.clone(),
                        quantity,
                        backorder_allowed: true,
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            )
            .await
            .expect("PO fixture");
        let ctx = self.vendor_ctx(v).await;
        self.services
            .acknowledge(&ctx, po.po.id, acorn_service::Services::accept_all(&po.lines), acorn_domain::orders::Channel::Api)
            .await
            .expect("ack fixture");
        self.services.get_po(&Ctx::cli(), po.po.id).await.expect("PO")
    }

    /// An ASN of `v` shipping `per_carton` eaches of line 1 of `po` in each of `cartons` cartons, today.
    pub async fn shipment(
        &self,
        v: &VendorFx,
        po: &acorn_service::orders::PoDetail,
        cartons: usize,
        per_carton: i64,
    ) -> acorn_service::shipments::ShipmentDetail {
        let ctx = self.vendor_ctx(v).await;
        self.services.create_shipment(&ctx, shipment_input(&po.po.dc_code, &po.po.number, cartons, per_carton)).await.expect("shipment fixture")
    }

    /// A DC with the given code (3–6 upper-case letters and digits).
    pub async fn dc(&self, code: &str) -> acorn_domain::master::Dc {
        let input = acorn_service::facilities::DcInput {
            code: code.into(),
            name: format!("DC {code}"),
            address: acorn_domain::master::Address {
                line1: "1 Road".into(),
                line2: String::new(),
                city: "Reno".into(),
                region: "NV".into(),
                postal_code: "89501".into(),
                country: "US".into(),
            },
            time_zone: "America/Los_Angeles".into(),
            dock_doors: 10,
        };
        self.services.create_dc(&Ctx::cli(), input).await.expect("DC fixture")
    }

    /// An active user with a password and enrolled MFA.
    pub async fn user(&self, tenant: TenantId, roles: &[Role]) -> UserFx {
        let hash =
            PASSWORD_HASH.get_or_init(|| async { acorn_service::crypto::hash_password(FIXTURE_PASSWORD.into(), 19456, 2).await.expect("hash") }).await.clone();
        let secret = acorn_service::mfa::new_secret();
        let t = acorn_service::now();
        let id = uuid::Uuid::now_v7();
        let user = User {
            id,
            tenant_id: tenant,
            email: format!("u{}@example.test", id.simple()),
            name: format!("User {}", canary()),
            roles: roles.to_vec(),
            locale: Locale::En,
            status: UserStatus::Active,
            has_password: true,
            mfa_enrolled: true,
            created_at: t,
            updated_at: t,
        };
        let (u, h, s) = (&user, &hash, &secret);
        self.services
            .mutate(&Ctx::cli(), |tx| async move {
                users::insert(tx.c(), u).await?;
                users::set_password(tx.c(), u.id, h, t).await?;
                users::set_totp(tx.c(), u.id, Some(s), Some(t), t).await?;
                Ok(((), Change::new(u.tenant_id, "user.fixture_created", "user", u.id)))
            })
            .await
            .expect("user fixture");
        UserFx { id, tenant, email: user.email, password: FIXTURE_PASSWORD.into(), totp_secret: secret }
    }

    /// A TOTP code for the user that has not been used yet (each code is accepted once).
    pub fn next_code(&self, u: &UserFx) -> String {
        let now = chrono::Utc::now().timestamp();
        let mut used = self.used_steps.lock().expect("lock");
        let step = used.get(&u.id).map(|s| (s + 1).max(now / 30 - 1)).unwrap_or(now / 30);
        used.insert(u.id, step);
        acorn_service::mfa::code_at(&u.totp_secret, (step * 30) as u64).expect("code")
    }

    /// Signs in through the real login and MFA forms; returns a client holding the session cookie.
    pub async fn login(&self, u: &UserFx) -> reqwest::Client {
        let c = http();
        let page = c.get(self.url("/login")).send().await.expect("login page").text().await.expect("body");
        let csrf = hidden(&page, "_csrf").expect("csrf on login page");
        let res = c.post(self.url("/login")).form(&[("_csrf", csrf.as_str()), ("email", &u.email), ("password", &u.password)]).send().await.expect("login");
        assert_eq!(res.status(), 303, "login of {} failed", u.email);
        let page = c.get(self.url("/mfa")).send().await.expect("mfa page").text().await.expect("body");
        let csrf = hidden(&page, "_csrf").expect("csrf on MFA page");
        let code = self.next_code(u);
        let res = c.post(self.url("/mfa/verify")).form(&[("_csrf", csrf.as_str()), ("code", code.as_str())]).send().await.expect("mfa");
        assert_eq!(res.status(), 303, "MFA of {} failed", u.email);
        c
    }

    /// An access token for a new API client of `vendor` with `scopes` (empty = all).
    pub async fn token(&self, vendor: TenantId, scopes: &[Area]) -> String {
        let creds = self.services.create_client(&Ctx::cli(), vendor, "fixture client", scopes.to_vec()).await.expect("client");
        let res: Value = http()
            .post(self.url("/auth/o2/token"))
            .form(&[("grant_type", "client_credentials"), ("client_id", &creds.client_id), ("client_secret", &creds.client_secret)])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token json");
        res["access_token"].as_str().expect("access_token").to_string()
    }

    /// The messages queued for an address, oldest first.
    pub async fn mail_to(&self, to: &str) -> Vec<acorn_domain::people::MailMessage> {
        acorn_store::repo::mail::list(&self.services.db.conn, None, Some(to), None, 100).await.expect("mail")
    }

    /// Audit records of all tenants (for exactly-one-record checks).
    pub async fn audit_count(&self) -> i64 {
        acorn_store::repo::audit::count(&self.services.db.conn).await.expect("audit count")
    }
}

/// Sends a JSON request with an Idempotency-Key (for POST/PUT/PATCH) and returns status and body.
pub async fn call(c: &reqwest::Client, method: reqwest::Method, url: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let mut req = c.request(method.clone(), url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if matches!(method, reqwest::Method::POST | reqwest::Method::PUT | reqwest::Method::PATCH) {
        req = req.header("Idempotency-Key", uuid::Uuid::now_v7().to_string());
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}
