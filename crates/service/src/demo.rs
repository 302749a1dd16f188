//! Demo data for `acorn demo` and `serve --demo`: a retailer with two DCs and a week of dock slots,
//! three vendors with vendor codes, payee codes and GS1 prefixes, and a user for every role —
//! pre-enrolled in MFA so the printed TOTP secret works in any authenticator app. Only ever seeds an
//! empty database.

use crate::crypto::hash_password;
use crate::facilities::DcInput;
use crate::vendors::NewVendor;
use crate::{Change, Ctx, ServiceError, Services, mfa, now};
use acorn_domain::ids::TenantId;
use acorn_domain::master::Address;
use acorn_domain::people::{Locale, User, UserStatus};
use acorn_domain::policy::Role;
use acorn_store::repo::{users, vendors};
use chrono::{Duration, NaiveTime, TimeZone, Utc};

/// One demo login, as printed at start-up.
#[derive(Clone, Debug)]
pub struct DemoLogin {
    pub email: String,
    pub password: String,
    pub totp_secret: String,
    pub roles: Vec<Role>,
    pub organisation: String,
}

/// The password every demo account shares (demo data only; printed at start-up).
pub const DEMO_PASSWORD: &str = "acorn-demo-password";

impl Services {
    /// Whether the database holds no vendors and no users.
    pub async fn is_empty(&self) -> Result<bool, ServiceError> {
        Ok(users::count_all(&self.db.conn).await? == 0 && vendors::all(&self.db.conn).await?.is_empty())
    }

    /// Seeds the demo data; refuses a database that already has data.
    pub async fn seed_demo(&self) -> Result<Vec<DemoLogin>, ServiceError> {
        if !self.is_empty().await? {
            return Err(ServiceError::Rejected {
                code: "database_not_empty",
                message: "the database already holds data; demo data is only ever added to an empty database".into(),
            });
        }
        let ctx = Ctx::cli();
        for (code, name, city, region, postal, tz, doors) in [
            ("ABE2", "Allentown DC", "Breinigsville", "PA", "18031", "America/New_York", 12),
            ("ONT8", "Ontario DC", "Moreno Valley", "CA", "92551", "America/Los_Angeles", 16),
        ] {
            let dc = self
                .create_dc(
                    &ctx,
                    DcInput {
                        code: code.into(),
                        name: name.into(),
                        address: Address {
                            line1: format!("{} Logistics Way", 100 + doors),
                            line2: String::new(),
                            city: city.into(),
                            region: region.into(),
                            postal_code: postal.into(),
                            country: "US".into(),
                        },
                        time_zone: tz.into(),
                        dock_doors: doors,
                    },
                )
                .await?;
            // A week of two-hour slots from 06:00 to 18:00 UTC.
            let today = Utc::now().date_naive();
            for day in 1..=7 {
                let date = today + Duration::days(day);
                for hour in (6..18).step_by(2) {
                    let start = Utc.from_utc_datetime(&date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default()));
                    self.add_dock_slot(&ctx, dc.id, start, start + Duration::hours(2), 4).await?;
                }
            }
        }
        let mut logins = Vec::new();
        let staff: [(&str, &str, Role); 6] = [
            ("admin@retail.example", "Alex Admin", Role::Admin),
            ("buyer@retail.example", "Casey Category", Role::CategoryManager),
            ("vm@retail.example", "Val Vendor-Manager", Role::VendorManager),
            ("ap@retail.example", "Avery Payables", Role::ApClerk),
            ("receiver@retail.example", "Robin Receiver", Role::Receiver),
            ("auditor@retail.example", "Audra Auditor", Role::Auditor),
        ];
        for (email, name, role) in staff {
            logins.push(self.demo_user(&ctx, TenantId::RETAILER, "Retailer", email, name, vec![role], Locale::En).await?);
        }
        let vendors_spec = [
            ("Acme Housewares Inc.", "US", "ACME1", "0614141", "acme", Locale::En),
            ("Shenzhen Bright Lighting Co., Ltd.", "CN", "SZBL1", "6901234", "bright", Locale::ZhCn),
            ("Nordic Outdoor AB", "SE", "NORD1", "7350053", "nordic", Locale::En),
        ];
        for (name, country, code, prefix, slug, locale) in vendors_spec {
            let v = self
                .create_vendor(
                    &ctx,
                    NewVendor {
                        name: name.into(),
                        country: country.into(),
                        vendor_codes: vec![code.into()],
                        payee_codes: vec![format!("{code}P")],
                        gs1_prefixes: vec![prefix.into()],
                    },
                )
                .await?;
            let roles: [(&str, Role); 6] = [
                ("admin", Role::VendorAdmin),
                ("ops", Role::Operations),
                ("finance", Role::Finance),
                ("catalog", Role::Catalog),
                ("marketing", Role::Marketing),
                ("viewer", Role::ReadOnly),
            ];
            for (who, role) in roles {
                let email = format!("{who}@{slug}.example");
                let display = format!("{} {}", slug[..1].to_uppercase() + &slug[1..], who);
                logins.push(self.demo_user(&ctx, v.vendor.id, name, &email, &display, vec![role], locale).await?);
            }
        }
        Ok(logins)
    }

    #[allow(clippy::too_many_arguments)]
    async fn demo_user(
        &self,
        ctx: &Ctx,
        tenant: TenantId,
        org: &str,
        email: &str,
        name: &str,
        roles: Vec<Role>,
        locale: Locale,
    ) -> Result<DemoLogin, ServiceError> {
        let secret = mfa::new_secret();
        let hash = hash_password(DEMO_PASSWORD.to_string(), self.config.argon2_m_kib, self.config.argon2_t).await?;
        let t = now();
        let user = User {
            id: acorn_domain::ids::new_id(),
            tenant_id: tenant,
            email: email.into(),
            name: name.into(),
            roles: roles.clone(),
            locale,
            status: UserStatus::Active,
            has_password: true,
            mfa_enrolled: true,
            created_at: t,
            updated_at: t,
        };
        let (u, h, s) = (&user, &hash, &secret);
        self.mutate(ctx, |tx| async move {
            users::insert(tx.c(), u).await?;
            users::set_password(tx.c(), u.id, h, t).await?;
            users::set_totp(tx.c(), u.id, Some(s), Some(t), t).await?;
            Ok(((), Change::new(u.tenant_id, "user.demo_created", "user", u.id).after(u)))
        })
        .await?;
        Ok(DemoLogin { email: email.into(), password: DEMO_PASSWORD.into(), totp_secret: secret, roles, organisation: org.into() })
    }
}
