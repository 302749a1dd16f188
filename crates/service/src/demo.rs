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
        let mut seeded = Vec::new();
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
                // A small vendor's administrator also runs its finance (bank details need both roles).
                let roles = if role == Role::VendorAdmin { vec![role, Role::Finance] } else { vec![role] };
                logins.push(self.demo_user(&ctx, v.vendor.id, name, &email, &display, roles, locale).await?);
            }
            seeded.push((v.vendor.id, code, prefix, format!("ops@{slug}.example"), name));
            if code == "ACME1" {
                // ACME1 trades by X12 (not yet live): the server sends its POs as 850s, and its
                // drop directory takes 855/856/810 files (docs/edi.md).
                let partner = acorn_domain::edi::PartnerInput {
                    standard: "x12".into(),
                    partner_qualifier: "ZZ".into(),
                    partner_id: "ACME1EDI".into(),
                    our_qualifier: "ZZ".into(),
                    our_id: "ACORNRETAIL".into(),
                    ..Default::default()
                };
                self.set_edi_partner(&ctx, v.vendor.id, partner).await?;
            }
        }
        for (i, (tenant, code, prefix, ops, name)) in seeded.iter().enumerate() {
            self.seed_demo_orders(i, *tenant, code, prefix, ops, name).await?;
        }
        // Three years of weekly sales for every item × DC with POs (crate::forecast::demo).
        self.seed_demo_sales(&ctx).await?;
        Ok(logins)
    }

    /// A few items and POs per vendor, in every stage: awaiting acknowledgement, acknowledged with a
    /// backorder, shipped with an appointment, and received one carton short (so the defect list
    /// has something to show). Everything goes through the use cases, so it is audited like real work.
    async fn seed_demo_orders(&self, n: usize, tenant: TenantId, code: &str, prefix: &str, ops_email: &str, company: &str) -> Result<(), ServiceError> {
        use crate::items::NewItem;
        use crate::orders::{NewPo, NewPoLine};
        use acorn_domain::orders::Channel;
        let staff = Ctx::cli();
        let (ops_user, _) = users::get_by_email(&self.db.conn, ops_email).await?.ok_or(ServiceError::NotFound("demo user"))?;
        let ops = Ctx::new(crate::Principal::User(ops_user), "demo", "127.0.0.1");
        let products = [
            ("Stainless kettle 1.7 l", 12, "24.99", "11.40"),
            ("Cast-iron skillet 26 cm", 6, "39.99", "17.25"),
            ("LED desk lamp", 8, "29.99", "12.80"),
            ("Trekking pole pair", 10, "49.99", "21.10"),
            ("Insulated bottle 750 ml", 24, "19.99", "7.95"),
            ("Chef's knife 20 cm", 6, "59.99", "24.60"),
        ];
        let mut skus = Vec::new();
        for (i, (title, pack, price, cost)) in products.iter().enumerate() {
            let body = format!("{prefix}{:0width$}", n * 100 + i + 1, width = 12 - prefix.len());
            let gtin = format!("{body}{}", acorn_domain::gs1::check_digit(&body));
            let sku = format!("{code}-{:03}", i + 1);
            let item = NewItem {
                vendor_sku: sku.clone(),
                gtin,
                title: (*title).into(),
                case_pack: *pack,
                list_price: (*price).into(),
                unit_cost: (*cost).into(),
                currency: "USD".into(),
                cost_effective_from: Some(Utc::now().date_naive() - Duration::days(365)),
            };
            self.create_item(&staff, Some(tenant), item).await?;
            skus.push(sku);
        }
        let today = Utc::now().date_naive();
        let day = |d: i64| (today + Duration::days(d)).to_string();
        let po = |dc: &str, freight: &str, lines: &[(usize, i64, &str)]| NewPo {
            vendor_code: code.into(),
            dc_code: dc.into(),
            freight_terms: freight.into(),
            // From yesterday (UTC), so the DC's local day is inside the ship window at any hour.
            order_date: day(-1),
            ship_start: day(-1),
            ship_end: day(6),
            delivery_start: day(2),
            delivery_end: day(10),
            lines: lines
                .iter()
                .map(|(i, q, unit)| NewPoLine {
                    vendor_sku: skus[*i].clone(),
                    quantity: *q,
                    unit: (*unit).into(),
                    backorder_allowed: true,
                    ..Default::default()
                })
                .collect(),
            ..NewPo::default()
        };
        // Awaiting acknowledgement.
        self.create_po(&staff, po("ABE2", "Prepaid", &[(0, 48, "Eaches"), (1, 4, "Cases"), (4, 10, "Cases")])).await?;
        // Acknowledged in part: one line backordered, one partly rejected.
        let partial = self.create_po(&staff, po("ONT8", "Prepaid", &[(2, 40, "Eaches"), (3, 30, "Eaches")])).await?;
        let backorder_day = today + Duration::days(9);
        let answer = vec![
            acorn_domain::orders::AckLineInput {
                line_no: 1,
                net_cost: None,
                parts: vec![
                    ack_part(acorn_domain::orders::AckCode::Accepted, 30, None),
                    ack_part(acorn_domain::orders::AckCode::Backordered, 10, Some(backorder_day)),
                ],
            },
            acorn_domain::orders::AckLineInput { line_no: 2, net_cost: None, parts: vec![ack_part(acorn_domain::orders::AckCode::Accepted, 24, None)] },
        ];
        self.acknowledge(&ops, partial.po.id, answer, Channel::Ui).await?;
        // Shipped with a booked appointment (Prepaid) or a routing request (Collect).
        let freight = if n == 2 { "Collect" } else { "Prepaid" };
        let shipped = self.create_po(&staff, po("ABE2", freight, &[(5, 12, "Eaches")])).await?;
        self.acknowledge(&ops, shipped.po.id, Self::accept_all(&shipped.lines), Channel::Ui).await?;
        let asn = self.create_shipment(&ops, demo_asn(company, "ABE2", &shipped.po.number, 2, 6)).await?;
        if freight == "Collect" {
            let r = crate::dock::RoutingInput { freight_ready_date: today, pallets: 1, weight_kg: 85, volume_dm3: 320 };
            self.request_routing(&ops, asn.shipment.id, r).await?;
        } else {
            let dc = self.get_dc_by_code(&staff, "ABE2").await?;
            let slot = self
                .list_dock_slots(&staff, dc.id, Utc::now() + Duration::hours(26), 3)
                .await?
                .into_iter()
                .nth(n)
                .ok_or(ServiceError::NotFound("dock slot"))?;
            self.book_appointment(&ops, asn.shipment.id, slot.id).await?;
        }
        // Received one carton short: a shortage the vendor sees with its evidence.
        let received = self.create_po(&staff, po("ONT8", "Prepaid", &[(4, 2, "Cases")])).await?;
        self.acknowledge(&ops, received.po.id, Self::accept_all(&received.lines), Channel::Ui).await?;
        let asn = self.create_shipment(&ops, demo_asn(company, "ONT8", &received.po.number, 2, 24)).await?;
        self.check_in(&staff, asn.shipment.id).await?;
        let gtin = received.lines[0].gtin.clone();
        for (k, qty) in asn.shipment.cartons.iter().zip([24, 21]) {
            let line = crate::receiving::ScanLine { gtin: gtin.clone(), received: qty, ..Default::default() };
            self.scan_carton(&staff, asn.shipment.id, k.sscc.as_str(), vec![line]).await?;
        }
        self.close_receipt(&staff, asn.shipment.id).await?;
        self.seed_demo_finance(n, tenant, code, &received, ops_email.trim_start_matches("ops@").trim_end_matches(".example")).await
    }

    /// Finance for a demo vendor: terms, a bank account, and an invoice of the PO received one carton
    /// short, flipped from what shipped, so the invoice carries a shortage claim in the ledger. The
    /// first vendor also gets a partial credit note and a dispute of its claim.
    async fn seed_demo_finance(&self, n: usize, tenant: TenantId, code: &str, received: &crate::orders::PoDetail, slug: &str) -> Result<(), ServiceError> {
        use acorn_domain::orders::Channel;
        use acorn_domain::terms::{DueBasis, PaymentTerm, Terms};
        let staff = Ctx::cli();
        let mut terms = Terms::default_for("USD");
        let (term, basis) = [("2/10 NET30", DueBasis::InvoiceDate), ("NET60", DueBasis::InvoiceDate), ("NET90", DueBasis::ReceiptDate)][n % 3];
        terms.payment = PaymentTerm::parse(term, basis).map_err(ServiceError::internal)?;
        if n == 0 {
            terms.coop_percent = rust_decimal::Decimal::new(2, 0);
        }
        self.set_terms(&staff, tenant, terms, Utc::now().date_naive(), "Vendor agreement 2026").await?;
        let (boss, _) = users::get_by_email(&self.db.conn, &format!("admin@{slug}.example")).await?.ok_or(ServiceError::NotFound("demo user"))?;
        let boss = Ctx::new(crate::Principal::User(boss), "demo", "127.0.0.1");
        let (scheme, number, bank) =
            [("local", "000123456789", "026009593"), ("local", "6222020200112233445", "BKCHCNBJ"), ("iban", "SE4550000000058398257466", "ESSESESS")][n % 3];
        let account = acorn_store::repo::payments::BankAccount {
            payee_code: format!("{code}P"),
            account_holder: format!("{code} receivables"),
            account_scheme: scheme.into(),
            account_number: number.into(),
            bank_code: bank.into(),
            currency: "USD".into(),
            updated_by: String::new(),
            updated_at: Utc::now(),
        };
        self.set_bank_account(&boss, tenant, account).await?;
        let (fin, _) = users::get_by_email(&self.db.conn, &format!("finance@{slug}.example")).await?.ok_or(ServiceError::NotFound("demo user"))?;
        let fin = Ctx::new(crate::Principal::User(fin), "demo", "127.0.0.1");
        let t = self.invoice_template(&fin, received.po.id).await?;
        let input = crate::invoices::NewInvoice {
            number: format!("{code}-INV-0001"),
            po_number: received.po.number.clone(),
            lines: t
                .lines
                .iter()
                .map(|l| crate::invoices::NewInvoiceLine {
                    po_line_no: Some(l.po_line_no),
                    item: l.vendor_sku.clone(),
                    quantity: l.quantity,
                    unit_cost: l.unit_cost.to_string(),
                })
                .collect(),
            ..Default::default()
        };
        let inv = self.submit_invoice(&fin, input, Channel::Ui).await?;
        if n == 0
            && let Some(claim) = inv.deductions.iter().find(|d| d.kind == acorn_domain::deductions::DeductionKind::Shortage)
        {
            self.open_dispute(&fin, claim.id, "All 48 units left our dock; the carrier's signed proof of delivery shows 2 full cartons.", Vec::new()).await?;
        }
        Ok(())
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

fn ack_part(code: acorn_domain::orders::AckCode, quantity: i64, ship: Option<chrono::NaiveDate>) -> acorn_domain::orders::AckPart {
    acorn_domain::orders::AckPart { code, quantity, scheduled_ship_date: ship, scheduled_delivery_date: None, rejection_reason: None }
}

/// A demo ASN: `cartons` cartons of `per_carton` eaches of line 1, shipping now.
fn demo_asn(company: &str, dc_code: &str, po_number: &str, cartons: usize, per_carton: i64) -> crate::shipments::ShipmentInput {
    use acorn_domain::shipments::{CartonInput, CartonItemInput};
    crate::shipments::ShipmentInput {
        dc_code: dc_code.into(),
        ship_from_name: company.into(),
        ship_from: Address {
            line1: "88 Industrial Park Rd".into(),
            line2: String::new(),
            city: "Dongguan".into(),
            region: "GD".into(),
            postal_code: "523000".into(),
            country: "CN".into(),
        },
        carrier_scac: Some("ODFL".into()),
        cartons: (0..cartons)
            .map(|_| CartonInput {
                sscc: None,
                pallet: None,
                items: vec![CartonItemInput { po_number: po_number.into(), line_no: 1, quantity: per_carton, lot: None, expiry: None }],
            })
            .collect(),
        ..Default::default()
    }
}
