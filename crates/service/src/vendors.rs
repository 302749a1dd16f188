//! Vendors and their identifiers (vendor codes, payee codes, GS1 company prefixes): retailer master
//! data, written by admins and category managers, read by the vendor's own people.

use crate::authz::{list_scope, require, require_object};
use crate::{Change, Ctx, ServiceError, Services, now};
use acorn_domain::ids::TenantId;
use acorn_domain::master::{Vendor, VendorDetail, VendorIdentifier, VendorIdentifierKind, VendorStatus};
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::policy::{Access, Area};
use acorn_domain::validate::{self, Issues};
use acorn_store::repo::vendors;

/// A new vendor with its first identifiers.
#[derive(Clone, Debug, Default)]
pub struct NewVendor {
    pub name: String,
    pub country: String,
    pub vendor_codes: Vec<String>,
    pub payee_codes: Vec<String>,
    pub gs1_prefixes: Vec<String>,
}

/// Editable vendor fields.
#[derive(Clone, Debug)]
pub struct VendorPatch {
    pub name: Option<String>,
    pub country: Option<String>,
    pub status: Option<VendorStatus>,
}

impl Services {
    pub async fn create_vendor(&self, ctx: &Ctx, new: NewVendor) -> Result<VendorDetail, ServiceError> {
        require(ctx, Area::Vendors, Access::Write)?;
        let mut issues = Issues::new();
        let name = issues.field("name", validate::required_text(&new.name, 200));
        let country = issues.field("country", validate::country_code(&new.country));
        let mut idents = Vec::new();
        let t = now();
        for (kind, field, values) in [
            (VendorIdentifierKind::VendorCode, "vendor_codes", &new.vendor_codes),
            (VendorIdentifierKind::PayeeCode, "payee_codes", &new.payee_codes),
            (VendorIdentifierKind::Gs1Prefix, "gs1_prefixes", &new.gs1_prefixes),
        ] {
            for (i, v) in values.iter().enumerate().filter(|(_, v)| !v.trim().is_empty()) {
                if let Some(value) = issues.field(format!("{field}[{i}]"), kind.normalise(v))
                    && !idents.iter().any(|x: &VendorIdentifier| x.kind == kind && x.value == value)
                {
                    idents.push(VendorIdentifier { kind, value, description: String::new(), created_at: t });
                }
            }
        }
        if new.vendor_codes.iter().all(|v| v.trim().is_empty()) {
            issues.push(acorn_domain::FieldIssue::new("vendor_codes", "give the vendor at least one vendor code"));
        }
        issues.into_result().map_err(ServiceError::Invalid)?;
        let vendor = Vendor {
            id: TenantId::new_v7(),
            name: name.unwrap_or_default(),
            country: country.unwrap_or_default(),
            status: VendorStatus::Active,
            created_at: t,
            updated_at: t,
        };
        let detail = VendorDetail { vendor, identifiers: idents };
        let d = &detail;
        self.mutate(ctx, |tx| async move {
            vendors::insert(tx.c(), &d.vendor).await?;
            for ident in &d.identifiers {
                vendors::add_identifier(tx.c(), d.vendor.id, ident).await?;
            }
            Ok(((), Change::new(d.vendor.id, "vendor.created", "vendor", d.vendor.id).after(d)))
        })
        .await?;
        Ok(detail)
    }

    pub async fn get_vendor(&self, ctx: &Ctx, id: TenantId) -> Result<VendorDetail, ServiceError> {
        require_object(ctx, Area::Vendors, Access::Read, id, "vendor")?;
        let vendor = vendors::get(&self.db.conn, id).await?.ok_or(ServiceError::NotFound("vendor"))?;
        let identifiers = vendors::identifiers(&self.db.conn, id).await?;
        Ok(VendorDetail { vendor, identifiers })
    }

    pub async fn list_vendors(&self, ctx: &Ctx, search: Option<&str>, cursor: Option<&str>, limit: Option<u64>) -> Result<Page<Vendor>, ServiceError> {
        require(ctx, Area::Vendors, Access::Read)?;
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = vendors::list(&self.db.conn, list_scope(ctx), search, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |v| Cursor { created_at: v.created_at, id: v.id.0 }))
    }

    /// All vendors, for the CLI and pickers (retailer side only).
    pub async fn all_vendors(&self, ctx: &Ctx) -> Result<Vec<VendorDetail>, ServiceError> {
        require(ctx, Area::Vendors, Access::Read)?;
        let mut out = Vec::new();
        for v in vendors::all(&self.db.conn).await? {
            if crate::authz::visible(ctx, v.id) {
                let identifiers = vendors::identifiers(&self.db.conn, v.id).await?;
                out.push(VendorDetail { vendor: v, identifiers });
            }
        }
        Ok(out)
    }

    pub async fn update_vendor(&self, ctx: &Ctx, id: TenantId, patch: VendorPatch) -> Result<Vendor, ServiceError> {
        require_object(ctx, Area::Vendors, Access::Write, id, "vendor")?;
        let before = vendors::get(&self.db.conn, id).await?.ok_or(ServiceError::NotFound("vendor"))?;
        let mut issues = Issues::new();
        let mut after = before.clone();
        if let Some(n) = &patch.name
            && let Some(n) = issues.field("name", validate::required_text(n, 200))
        {
            after.name = n;
        }
        if let Some(c) = &patch.country
            && let Some(c) = issues.field("country", validate::country_code(c))
        {
            after.country = c;
        }
        if let Some(s) = patch.status {
            after.status = s;
        }
        issues.into_result().map_err(ServiceError::Invalid)?;
        after.updated_at = now();
        let (b, a) = (&before, &after);
        self.mutate(ctx, |tx| async move {
            vendors::update(tx.c(), a).await?;
            Ok(((), Change::new(id, "vendor.updated", "vendor", id).before(b).after(a)))
        })
        .await?;
        Ok(after)
    }

    /// Adds a vendor code, payee code or GS1 prefix; unique across all vendors.
    pub async fn add_vendor_identifier(
        &self,
        ctx: &Ctx,
        id: TenantId,
        kind: VendorIdentifierKind,
        value: &str,
        description: &str,
    ) -> Result<VendorIdentifier, ServiceError> {
        require_object(ctx, Area::Vendors, Access::Write, id, "vendor")?;
        vendors::get(&self.db.conn, id).await?.ok_or(ServiceError::NotFound("vendor"))?;
        let value = kind.normalise(value).map_err(|e| ServiceError::invalid("value", e))?;
        let description = description.trim().chars().take(200).collect::<String>();
        let ident = VendorIdentifier { kind, value, description, created_at: now() };
        let i = &ident;
        self.mutate(ctx, |tx| async move {
            vendors::add_identifier(tx.c(), id, i).await?;
            Ok(((), Change::new(id, "vendor.identifier_added", kind.as_str(), &i.value).after(i)))
        })
        .await?;
        Ok(ident)
    }

    pub async fn remove_vendor_identifier(&self, ctx: &Ctx, id: TenantId, kind: VendorIdentifierKind, value: &str) -> Result<(), ServiceError> {
        require_object(ctx, Area::Vendors, Access::Write, id, "vendor")?;
        let detail = self.get_vendor(ctx, id).await?;
        let value = value.trim().to_uppercase();
        let existing = detail.of_kind(kind).find(|i| i.value == value).cloned().ok_or(ServiceError::NotFound("identifier"))?;
        if kind == VendorIdentifierKind::VendorCode && detail.of_kind(kind).count() == 1 {
            return Err(ServiceError::Rejected { code: "last_vendor_code", message: "a vendor keeps at least one vendor code".into() });
        }
        let e = &existing;
        self.mutate(ctx, |tx| async move {
            vendors::remove_identifier(tx.c(), id, kind, &e.value).await?;
            Ok(((), Change::new(id, "vendor.identifier_removed", kind.as_str(), &e.value).before(e)))
        })
        .await
    }
}
