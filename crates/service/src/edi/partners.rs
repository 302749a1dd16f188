//! A vendor's trading-partner settings. Vendor admins and retailer admins (the Integrations area)
//! set them; the partner's interchange id is claimed in the identifier registry so an inbound
//! interchange routes to exactly one vendor.

use acorn_domain::edi::{PartnerInput, TradingPartner};
use acorn_domain::ids::TenantId;
use acorn_domain::master::VendorIdentifierKind;
use acorn_domain::orders::Channel;
use acorn_domain::policy::{Access, Area};
use acorn_store::repo;

use super::files;
use crate::authz::{require, require_object};
use crate::{Change, Ctx, ServiceError, Services, now};

const PARTY_KIND: &str = "edi_party";

impl Services {
    /// The vendor's EDI settings, if it trades by EDI.
    pub async fn edi_partner(&self, ctx: &Ctx, tenant: TenantId) -> Result<Option<TradingPartner>, ServiceError> {
        require_object(ctx, Area::Integrations, Access::Read, tenant, "vendor")?;
        Ok(repo::edi::partner(&self.db.conn, tenant).await?)
    }

    /// Whether the vendor's portal is read-only for EDI documents (no authorisation needed: it is a
    /// fact every page about those documents must respect).
    pub async fn edi_live(&self, tenant: TenantId) -> Result<bool, ServiceError> {
        Ok(repo::edi::partner(&self.db.conn, tenant).await?.is_some_and(|p| p.edi_live))
    }

    /// Refuses a portal submission of a document EDI carries (acknowledgement, ASN, invoice) while
    /// the vendor's EDI is live: those documents then arrive by EDI only, so the two never disagree.
    pub async fn refuse_portal_when_edi_live(&self, tenant: TenantId, channel: Channel) -> Result<(), ServiceError> {
        if channel == Channel::Ui && self.edi_live(tenant).await? {
            return Err(ServiceError::Conflict {
                code: "edi_live",
                message: "EDI is live for this vendor: acknowledgements, ship notices and invoices arrive by EDI, not through the portal".into(),
            });
        }
        Ok(())
    }

    /// Creates or replaces the vendor's EDI settings and makes its directories.
    pub async fn set_edi_partner(&self, ctx: &Ctx, tenant: TenantId, input: PartnerInput) -> Result<TradingPartner, ServiceError> {
        require(ctx, Area::Integrations, Access::Write)?;
        require_object(ctx, Area::Integrations, Access::Write, tenant, "vendor")?;
        let settings = input.check().map_err(ServiceError::Invalid)?;
        repo::vendors::get(&self.db.conn, tenant).await?.ok_or(ServiceError::NotFound("vendor"))?;
        // The partner's directories and outbound file names use the vendor's first vendor code.
        let vendor_code = repo::vendors::identifiers(&self.db.conn, tenant)
            .await?
            .into_iter()
            .find(|i| i.kind == VendorIdentifierKind::VendorCode)
            .map(|i| i.value)
            .ok_or_else(|| ServiceError::Rejected {
                code: "no_vendor_code",
                message: "the vendor has no vendor code yet; add one before setting up EDI".into(),
            })?;
        let settings = &settings;
        let vendor_code = &vendor_code;
        let saved = self
            .mutate(ctx, |tx| async move {
                let at = now();
                let before = repo::edi::partner(tx.c(), tenant).await?;
                let key = TradingPartner::party_key(settings.standard, &settings.partner_qualifier, &settings.partner_id);
                let old_key = before.as_ref().map(|b| TradingPartner::party_key(b.standard, &b.partner_qualifier, &b.partner_id));
                if old_key.as_deref() != Some(key.as_str()) {
                    if let Some(old) = &old_key {
                        repo::registry::release(tx.c(), PARTY_KIND, old, tenant).await?;
                    }
                    repo::registry::claim(tx.c(), PARTY_KIND, "EDI interchange id", &key, tenant, at).await?;
                }
                let s = settings.clone();
                let partner = TradingPartner {
                    tenant,
                    vendor_code: vendor_code.clone(),
                    standard: s.standard,
                    partner_qualifier: s.partner_qualifier,
                    partner_id: s.partner_id,
                    our_qualifier: s.our_qualifier,
                    our_id: s.our_id,
                    partner_group_id: s.partner_group_id,
                    our_group_id: s.our_group_id,
                    interchange_version: s.interchange_version,
                    document_version: s.document_version,
                    charset: s.charset,
                    usage: s.usage,
                    ack_kind: s.ack_kind,
                    element_separator: s.element_separator,
                    component_separator: s.component_separator,
                    repetition_separator: s.repetition_separator,
                    segment_terminator: s.segment_terminator,
                    edi_live: s.edi_live,
                    created_at: before.as_ref().map_or(at, |b| b.created_at),
                    updated_at: at,
                    updated_by: ctx.principal.actor(),
                };
                repo::edi::upsert_partner(tx.c(), &partner).await?;
                let mut change = Change::new(tenant, "edi.partner_saved", "edi_partner", tenant.0).after(&partner);
                if let Some(b) = &before {
                    change = change.before(b);
                }
                Ok((partner, change))
            })
            .await?;
        files::ensure_dirs(&self.config.data_dir, &saved.vendor_code)
            .map_err(|e| ServiceError::internal(format!("creating the EDI directories of {}: {e}", saved.vendor_code)))?;
        Ok(saved)
    }
}

impl Services {
    /// The vendor an EDI request is about, after checking the role's `need` in `area` (so a role
    /// without it is refused before anything else): a vendor's principal always means
    /// its own (naming another vendor's code, or one that doesn't exist, is "not found", so nothing
    /// leaks); retailer staff name the vendor by vendor code (`None` when they name none).
    pub async fn edi_vendor(&self, ctx: &Ctx, area: Area, need: Access, vendor_code: Option<&str>) -> Result<Option<TenantId>, ServiceError> {
        require(ctx, area, need)?;
        let code = vendor_code.map(str::trim).filter(|c| !c.is_empty()).map(str::to_uppercase);
        let named = match &code {
            Some(code) => Some(repo::vendors::tenant_of_code(&self.db.conn, code).await?.ok_or(ServiceError::NotFound("vendor"))?),
            None => None,
        };
        if ctx.principal.is_retailer_side() {
            return Ok(named);
        }
        let own = ctx.principal.tenant();
        match named {
            Some(t) if t != own => Err(ServiceError::NotFound("vendor")),
            _ => Ok(Some(own)),
        }
    }

    /// The vendor code each of `tenants` trades EDI under (its partner's), for lists that name
    /// vendors: only tenants the principal may see, and only those set up for EDI. One query
    /// whatever the number of vendors a page shows.
    pub async fn edi_vendor_codes(&self, ctx: &Ctx, tenants: &[TenantId]) -> Result<Vec<(TenantId, String)>, ServiceError> {
        if tenants.is_empty() {
            return Ok(Vec::new());
        }
        let partners = repo::edi::all_partners(&self.db.conn).await?;
        Ok(partners.into_iter().filter(|p| tenants.contains(&p.tenant) && crate::authz::visible(ctx, p.tenant)).map(|p| (p.tenant, p.vendor_code)).collect())
    }
}
