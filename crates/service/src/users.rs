//! Managing people: retailer admins manage staff and any vendor's users; a vendor admin manages the
//! vendor's own users (invite by e-mail link, change roles, disable, reset MFA).

use crate::authz::{list_scope, require, require_object};
use crate::crypto::{random_token, sha256_hex};
use crate::{Change, Ctx, ServiceError, Services, mail, now};
use acorn_domain::ids::TenantId;
use acorn_domain::paging::{Cursor, Page, clamp_limit};
use acorn_domain::people::{Locale, User, UserStatus};
use acorn_domain::policy::{Access, Area, Role};
use acorn_domain::validate::{self, Issues};
use acorn_store::repo::users::TokenPurpose;
use acorn_store::repo::{sessions, users, vendors};
use uuid::Uuid;

/// Editable user fields; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub roles: Option<Vec<Role>>,
    pub status: Option<UserStatus>,
}

/// One change to a user account.
enum UserChange {
    Roles(Vec<Role>),
    Name(String),
    Status(UserStatus),
    ResetMfa,
}

impl UserChange {
    fn action(&self) -> &'static str {
        match self {
            UserChange::Roles(_) => "user.roles_changed",
            UserChange::Name(_) => "user.renamed",
            UserChange::Status(UserStatus::Disabled) => "user.disabled",
            UserChange::Status(UserStatus::Active) => "user.enabled",
            UserChange::ResetMfa => "user.mfa_reset",
        }
    }
}

/// What an invitation needs.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub tenant: TenantId,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub locale: Locale,
}

/// Staff accounts are the retailer admin's business; vendor accounts need VendorUsers access.
fn require_manage(ctx: &Ctx, tenant: TenantId, need: Access) -> Result<(), ServiceError> {
    if !tenant.is_retailer() {
        return require_object(ctx, Area::VendorUsers, need, tenant, "user");
    }
    if !ctx.principal.is_retailer_side() {
        // A vendor asking about retailer staff: same answer as for a missing user.
        require(ctx, Area::VendorUsers, need)?;
        return Err(ServiceError::NotFound("user"));
    }
    let admin = match &ctx.principal {
        crate::Principal::User(u) => u.roles.contains(&Role::Admin),
        crate::Principal::System(_) => true,
        _ => false,
    };
    let reader = need == Access::Read && ctx.principal.access(Area::VendorUsers) >= Access::Read;
    if admin || reader { Ok(()) } else { Err(ServiceError::Forbidden) }
}

fn check_roles(tenant: TenantId, roles: &[Role], issues: &mut Issues) {
    if roles.is_empty() {
        issues.push(acorn_domain::FieldIssue::new("roles", "choose at least one role"));
    }
    for r in roles {
        if tenant.is_retailer() && !r.is_retailer() {
            issues.push(acorn_domain::FieldIssue::new("roles", format!("`{}` is a vendor role; retailer staff take retailer roles", r.as_str())));
        }
        if !tenant.is_retailer() && !r.is_vendor() {
            issues.push(acorn_domain::FieldIssue::new("roles", format!("`{}` is a retailer role; vendor users take vendor roles", r.as_str())));
        }
    }
}

impl Services {
    /// Creates a user and e-mails a one-time set-up link (valid 7 days). The user sets a password and
    /// enrols MFA before reaching anything else.
    pub async fn invite_user(&self, ctx: &Ctx, new: NewUser) -> Result<User, ServiceError> {
        require_manage(ctx, new.tenant, Access::Write)?;
        let mut issues = Issues::new();
        let email = issues.field("email", validate::email(&new.email));
        let name = issues.field("name", validate::display_name(&new.name));
        let mut roles = new.roles.clone();
        roles.sort();
        roles.dedup();
        check_roles(new.tenant, &roles, &mut issues);
        issues.into_result().map_err(ServiceError::Invalid)?;
        let (email, name) = (email.unwrap_or_default(), name.unwrap_or_default());
        if !new.tenant.is_retailer() && vendors::get(&self.db.conn, new.tenant).await?.is_none() {
            return Err(ServiceError::NotFound("vendor"));
        }
        let t = now();
        let user = User {
            id: acorn_domain::ids::new_id(),
            tenant_id: new.tenant,
            email,
            name,
            roles,
            locale: new.locale,
            status: UserStatus::Active,
            has_password: false,
            mfa_enrolled: false,
            created_at: t,
            updated_at: t,
        };
        let token = random_token(32);
        let link = format!("{}/setup/{}", self.config.base_url.trim_end_matches('/'), token);
        let inviter = ctx.principal.actor();
        let user_ref = &user;
        self.mutate(ctx, |tx| {
            let (token, link, inviter) = (token.clone(), link.clone(), inviter.clone());
            async move {
                let user = user_ref;
                users::insert(tx.c(), user).await?;
                users::insert_token(tx.c(), &sha256_hex(&token), user.id, TokenPurpose::Setup, t + crate::auth::SETUP_LINK_TTL, t).await?;
                let body = format!(
                    "Hello {name},\n\nYou have been invited to ACORN ({inviter}).\n\
                     Set your password here (the link works once, for 7 days):\n\n{link}\n\n\
                     After that you will set up two-factor sign-in with an authenticator app.\n",
                    name = user.name
                );
                mail::queue(tx.c(), user.tenant_id, &user.email, "Your ACORN account", &body).await?;
                Ok(((), Change::new(user.tenant_id, "user.invited", "user", user.id).after(user)))
            }
        })
        .await?;
        Ok(user)
    }

    /// One user, when visible to the principal.
    pub async fn get_user(&self, ctx: &Ctx, id: Uuid) -> Result<User, ServiceError> {
        // Role first: a principal without access learns nothing about which users exist.
        require(ctx, Area::VendorUsers, Access::Read)?;
        let (user, _) = users::get(&self.db.conn, id).await?.ok_or(ServiceError::NotFound("user"))?;
        require_manage(ctx, user.tenant_id, Access::Read).map_err(|e| match e {
            ServiceError::Forbidden if !crate::authz::visible(ctx, user.tenant_id) => ServiceError::NotFound("user"),
            e => e,
        })?;
        Ok(user)
    }

    /// Users of a tenant. Vendor principals only ever see their own.
    pub async fn list_users(&self, ctx: &Ctx, tenant: Option<TenantId>, cursor: Option<&str>, limit: Option<u64>) -> Result<Page<User>, ServiceError> {
        let scope = list_scope(ctx).or(tenant);
        match scope {
            Some(t) => require_manage(ctx, t, Access::Read)?,
            None => require(ctx, Area::VendorUsers, Access::Read)?,
        }
        let after = cursor.map(Cursor::decode).transpose().map_err(|e| ServiceError::invalid("cursor", e))?;
        let limit = clamp_limit(limit);
        let rows = users::list(&self.db.conn, scope, after.map(|c| (c.created_at, c.id)), limit).await?;
        Ok(Page::from_rows(rows, limit, |u| Cursor { created_at: u.created_at, id: u.id }))
    }

    /// Applies one change to a user the principal may manage, audited with before and after.
    async fn change_user(&self, ctx: &Ctx, id: Uuid, changes: Vec<UserChange>) -> Result<User, ServiceError> {
        require(ctx, Area::VendorUsers, Access::Write)?;
        let before = self.get_user(ctx, id).await?;
        require_manage(ctx, before.tenant_id, Access::Write)?;
        if let crate::Principal::User(me) = &ctx.principal
            && me.id == id
            && changes.iter().any(|c| matches!(c, UserChange::Status(UserStatus::Disabled)))
        {
            return Err(ServiceError::Rejected { code: "cannot_disable_self", message: "you cannot disable your own account".into() });
        }
        let action = match changes.as_slice() {
            [one] => one.action(),
            _ => "user.updated",
        };
        let (b, chs) = (&before, &changes);
        self.mutate(ctx, |tx| async move {
            let t = now();
            let c = tx.c();
            for ch in chs {
                match ch {
                    UserChange::Roles(roles) => users::set_roles(c, id, roles).await?,
                    UserChange::Name(name) => users::set_name(c, id, name, t).await?,
                    UserChange::Status(status) => {
                        users::set_status(c, id, *status, t).await?;
                        if *status == UserStatus::Disabled {
                            sessions::revoke_all(c, id, None, t).await?;
                        }
                    }
                    UserChange::ResetMfa => {
                        users::set_totp(c, id, None, None, t).await?;
                        users::replace_recovery_codes(c, id, &[], t).await?;
                        sessions::revoke_all(c, id, None, t).await?;
                    }
                }
            }
            let (after, _) = users::get(c, id).await?.ok_or(ServiceError::NotFound("user"))?;
            Ok((after.clone(), Change::new(b.tenant_id, action, "user", id).before(b).after(&after)))
        })
        .await
    }

    /// Changes name, roles and/or status of a user in one audited mutation. Disabling signs the
    /// user out everywhere.
    pub async fn update_user(&self, ctx: &Ctx, id: Uuid, patch: UserPatch) -> Result<User, ServiceError> {
        require(ctx, Area::VendorUsers, Access::Write)?;
        let user = self.get_user(ctx, id).await?;
        let mut issues = Issues::new();
        let mut changes = Vec::new();
        if let Some(name) = &patch.name
            && let Some(n) = issues.field("name", validate::display_name(name))
        {
            changes.push(UserChange::Name(n));
        }
        if let Some(roles) = patch.roles {
            let mut roles = roles;
            roles.sort();
            roles.dedup();
            check_roles(user.tenant_id, &roles, &mut issues);
            changes.push(UserChange::Roles(roles));
        }
        issues.into_result().map_err(ServiceError::Invalid)?;
        if let Some(status) = patch.status {
            changes.push(UserChange::Status(status));
        }
        if changes.is_empty() {
            return Ok(user);
        }
        self.change_user(ctx, id, changes).await
    }

    pub async fn set_user_roles(&self, ctx: &Ctx, id: Uuid, roles: Vec<Role>) -> Result<User, ServiceError> {
        self.update_user(ctx, id, UserPatch { roles: Some(roles), ..Default::default() }).await
    }

    pub async fn set_user_name(&self, ctx: &Ctx, id: Uuid, name: &str) -> Result<User, ServiceError> {
        self.update_user(ctx, id, UserPatch { name: Some(name.to_string()), ..Default::default() }).await
    }

    /// Disables (and signs out) or re-enables a user.
    pub async fn set_user_status(&self, ctx: &Ctx, id: Uuid, status: UserStatus) -> Result<User, ServiceError> {
        self.update_user(ctx, id, UserPatch { status: Some(status), ..Default::default() }).await
    }

    /// Clears a user's second factor and recovery codes and signs them out; they enrol again at the
    /// next sign-in.
    pub async fn reset_user_mfa(&self, ctx: &Ctx, id: Uuid) -> Result<User, ServiceError> {
        self.change_user(ctx, id, vec![UserChange::ResetMfa]).await
    }

    /// Finds a user by e-mail (CLI).
    pub async fn user_by_email(&self, ctx: &Ctx, email: &str) -> Result<User, ServiceError> {
        let email = email.trim().to_lowercase();
        let (user, _) = users::get_by_email(&self.db.conn, &email).await?.ok_or(ServiceError::NotFound("user"))?;
        self.get_user(ctx, user.id).await
    }
}
