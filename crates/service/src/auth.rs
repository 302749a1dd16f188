//! Signing in: passwords, the mandatory second factor, server-side sessions, one-time links.
//!
//! A session passes through stages: signed in with a password, then either enrolling MFA (first time)
//! or answering the TOTP challenge; only a session whose second factor is done reaches the portal.
//! The session id is rotated at login and again after the second factor.

use crate::crypto::{check_password, hash_password, random_token, sha256_hex, verify_password};
use crate::{Change, Ctx, Principal, ServiceError, Services, mail, mfa, now};
use acorn_domain::people::{Locale, Session, User, UserStatus};
use acorn_store::repo::users::TokenPurpose;
use acorn_store::repo::{self, sessions, users};
use chrono::{DateTime, Duration, Utc};

/// A session idle longer than this ends.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// No session lives longer than this, active or not.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// Failed logins allowed per account per hour.
pub const MAX_FAILURES_PER_HOUR: i64 = 100;
/// How long set-up and reset links stay valid.
pub const SETUP_LINK_TTL: Duration = Duration::days(7);
pub const RESET_LINK_TTL: Duration = Duration::hours(1);

/// Where a session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Password accepted; the user has no second factor yet and may only enrol (or sign out).
    NeedsEnrolment,
    /// Password accepted; the TOTP code (or a recovery code) is still due.
    NeedsMfa,
    /// Fully signed in.
    Full,
}

/// A live session with its user.
#[derive(Clone, Debug)]
pub struct SessionAuth {
    pub session: Session,
    pub user: User,
    pub stage: Stage,
}

/// What the enrolment page shows.
#[derive(Clone, Debug)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_url: String,
    pub qr_svg: String,
}

const INVALID_LOGIN: &str = "the e-mail address or password is not right";

fn stage_of(user: &User, s: &Session) -> Stage {
    if !user.mfa_enrolled {
        Stage::NeedsEnrolment
    } else if s.mfa_at.is_none() {
        Stage::NeedsMfa
    } else {
        Stage::Full
    }
}

impl Services {
    /// Checks e-mail and password; returns a new session token (the cookie value) and its stage.
    /// Unknown account and wrong password answer the same, in the same time.
    pub async fn login(&self, ctx: &Ctx, email: &str, password: &str, user_agent: &str) -> Result<(String, Stage), ServiceError> {
        let email = email.trim().to_lowercase();
        let t = now();
        let failures = users::login_failures_since(&self.db.conn, &email, t - Duration::hours(1)).await?;
        if failures >= MAX_FAILURES_PER_HOUR {
            return Err(ServiceError::TooManyAttempts { retry_after_secs: 3600 });
        }
        let found = users::get_by_email(&self.db.conn, &email).await?;
        let hash = found.as_ref().and_then(|(u, s)| (u.status == UserStatus::Active).then(|| s.password_hash.clone()).flatten());
        let ok = verify_password(password.to_string(), hash).await?;
        let Some((user, _)) = found.filter(|_| ok) else {
            // Throttle state, not a business change: kept out of the audit chain on purpose.
            users::record_login_failure(&self.db.conn, &email, t).await?;
            return Err(ServiceError::Unauthenticated(INVALID_LOGIN));
        };
        let token = random_token(32);
        let session = Session {
            id_hash: sha256_hex(&token),
            user_id: user.id,
            csrf_token: random_token(24),
            created_at: t,
            last_seen_at: t,
            expires_at: t + ABSOLUTE_TIMEOUT,
            mfa_at: None,
            ip: ctx.source_ip.clone(),
            user_agent: user_agent.chars().take(300).collect(),
            revoked_at: None,
        };
        let stage = stage_of(&user, &session);
        let actor = Ctx { principal: Principal::User(user.clone()), ..ctx.clone() };
        self.mutate(&actor, |tx| {
            let (session, user) = (session.clone(), &user);
            async move {
                sessions::insert(tx.c(), &session).await?;
                Ok(((), Change::new(user.tenant_id, "session.login", "user", user.id)))
            }
        })
        .await?;
        Ok((token, stage))
    }

    /// The live session behind a cookie value, if any; refreshes its idle timer.
    pub async fn session(&self, token: &str) -> Result<Option<SessionAuth>, ServiceError> {
        let t = now();
        let Some(s) = sessions::get(&self.db.conn, &sha256_hex(token)).await? else {
            return Ok(None);
        };
        if s.revoked_at.is_some() || s.expires_at <= t || s.last_seen_at + IDLE_TIMEOUT <= t {
            return Ok(None);
        }
        let Some((user, _)) = users::get(&self.db.conn, s.user_id).await? else {
            return Ok(None);
        };
        if user.status != UserStatus::Active {
            return Ok(None);
        }
        sessions::touch(&self.db.conn, &s.id_hash, t).await?;
        let stage = stage_of(&user, &s);
        Ok(Some(SessionAuth { session: s, user, stage }))
    }

    /// Shows (and on first call creates) the TOTP secret for a user still enrolling.
    pub async fn enrolment(&self, ctx: &Ctx, auth: &SessionAuth) -> Result<Enrolment, ServiceError> {
        if auth.stage != Stage::NeedsEnrolment {
            return Err(ServiceError::Conflict { code: "already_enrolled", message: "MFA is already set up for this account".into() });
        }
        let (_, secrets) = users::get(&self.db.conn, auth.user.id).await?.ok_or(ServiceError::NotFound("user"))?;
        let secret = match secrets.totp_secret {
            Some(s) => s,
            None => {
                let s = mfa::new_secret();
                let user = &auth.user;
                self.mutate(ctx, |tx| {
                    let s = s.clone();
                    async move {
                        users::set_totp(tx.c(), user.id, Some(&s), None, now()).await?;
                        Ok(((), Change::new(user.tenant_id, "mfa.secret_issued", "user", user.id)))
                    }
                })
                .await?;
                s
            }
        };
        let url = mfa::otpauth_url(&secret, &auth.user.email)?;
        Ok(Enrolment { qr_svg: mfa::qr_svg(&url)?, otpauth_url: url, secret })
    }

    /// Completes enrolment with a first code: returns the rotated session token and the recovery
    /// codes (shown once).
    pub async fn confirm_enrolment(&self, ctx: &Ctx, auth: &SessionAuth, code: &str) -> Result<(String, Vec<String>), ServiceError> {
        if auth.stage != Stage::NeedsEnrolment {
            return Err(ServiceError::Conflict { code: "already_enrolled", message: "MFA is already set up for this account".into() });
        }
        let (_, secrets) = users::get(&self.db.conn, auth.user.id).await?.ok_or(ServiceError::NotFound("user"))?;
        let secret = secrets.totp_secret.ok_or_else(|| ServiceError::invalid("code", "open the enrolment page first to get your secret"))?;
        let step = mfa::matching_step(&secret, code, now().timestamp() as u64)?
            .ok_or_else(|| ServiceError::invalid("code", "the code does not match; check your device's clock and type the current 6-digit code"))?;
        let (plain, hashes) = mfa::new_recovery_codes();
        let token = random_token(32);
        let user = &auth.user;
        self.mutate(ctx, |tx| {
            let (hashes, token, secret) = (hashes.clone(), token.clone(), secret.clone());
            async move {
                let t = now();
                users::set_totp(tx.c(), user.id, Some(&secret), Some(t), t).await?;
                if !users::use_totp_step(tx.c(), user.id, step).await? {
                    return Err(ServiceError::invalid("code", "this code was already used; wait for the next one"));
                }
                users::replace_recovery_codes(tx.c(), user.id, &hashes, t).await?;
                rotate(tx.c(), &auth.session, &token, t).await?;
                Ok(((), Change::new(user.tenant_id, "mfa.enrolled", "user", user.id)))
            }
        })
        .await?;
        Ok((token, plain))
    }

    /// Answers the TOTP challenge; returns the rotated session token. Each code is accepted once.
    pub async fn verify_mfa(&self, ctx: &Ctx, auth: &SessionAuth, code: &str) -> Result<String, ServiceError> {
        if auth.stage != Stage::NeedsMfa {
            return Err(ServiceError::Conflict { code: "mfa_not_due", message: "no second-factor check is due for this session".into() });
        }
        let (_, secrets) = users::get(&self.db.conn, auth.user.id).await?.ok_or(ServiceError::NotFound("user"))?;
        let secret = secrets.totp_secret.ok_or(ServiceError::Unauthenticated("MFA is not set up"))?;
        let wrong = || ServiceError::invalid("code", "the code is not right; type the current 6-digit code from your authenticator app");
        let step = mfa::matching_step(&secret, code, now().timestamp() as u64)?.ok_or_else(wrong)?;
        let token = random_token(32);
        let user = &auth.user;
        self.mutate(ctx, |tx| {
            let token = token.clone();
            async move {
                if !users::use_totp_step(tx.c(), user.id, step).await? {
                    return Err(ServiceError::invalid("code", "this code was already used; wait for the next one"));
                }
                rotate(tx.c(), &auth.session, &token, now()).await?;
                Ok(((), Change::new(user.tenant_id, "session.mfa_passed", "user", user.id)))
            }
        })
        .await?;
        Ok(token)
    }

    /// Uses a recovery code instead of a TOTP code; returns the rotated session token.
    pub async fn recover(&self, ctx: &Ctx, auth: &SessionAuth, code: &str) -> Result<String, ServiceError> {
        if auth.stage != Stage::NeedsMfa {
            return Err(ServiceError::Conflict { code: "mfa_not_due", message: "no second-factor check is due for this session".into() });
        }
        let hash = mfa::hash_recovery(code);
        let token = random_token(32);
        let user = &auth.user;
        self.mutate(ctx, |tx| {
            let (token, hash) = (token.clone(), hash.clone());
            async move {
                let t = now();
                if !users::use_recovery_code(tx.c(), user.id, &hash, t).await? {
                    return Err(ServiceError::invalid("code", "this recovery code is not valid or was already used"));
                }
                rotate(tx.c(), &auth.session, &token, t).await?;
                Ok(((), Change::new(user.tenant_id, "session.recovery_code_used", "user", user.id)))
            }
        })
        .await?;
        Ok(token)
    }

    /// Ends the session behind a cookie.
    pub async fn logout(&self, ctx: &Ctx, auth: &SessionAuth) -> Result<(), ServiceError> {
        let user = &auth.user;
        self.mutate(ctx, |tx| async move {
            sessions::revoke(tx.c(), &auth.session.id_hash, now()).await?;
            Ok(((), Change::new(user.tenant_id, "session.logout", "user", user.id)))
        })
        .await
    }

    /// The signed-in user's live sessions.
    pub async fn my_sessions(&self, auth: &SessionAuth) -> Result<Vec<Session>, ServiceError> {
        Ok(sessions::list_live(&self.db.conn, auth.user.id, now()).await?)
    }

    /// Ends one of the user's own sessions (by its id hash), or all others when `id_hash` is `None`.
    pub async fn end_sessions(&self, ctx: &Ctx, auth: &SessionAuth, id_hash: Option<&str>) -> Result<u64, ServiceError> {
        let user = &auth.user;
        let own = self.my_sessions(auth).await?;
        if let Some(h) = id_hash
            && !own.iter().any(|s| s.id_hash == h)
        {
            return Err(ServiceError::NotFound("session"));
        }
        self.mutate(ctx, |tx| async move {
            let t = now();
            let n = match id_hash {
                Some(h) => sessions::revoke(tx.c(), h, t).await? as u64,
                None => sessions::revoke_all(tx.c(), user.id, Some(&auth.session.id_hash), t).await?,
            };
            Ok((n, Change::new(user.tenant_id, "session.ended_others", "user", user.id)))
        })
        .await
    }

    /// Sends a reset link when the address belongs to an active account; answers the same either way.
    pub async fn forgot_password(&self, ctx: &Ctx, email: &str) -> Result<(), ServiceError> {
        let email = email.trim().to_lowercase();
        let Some((user, _)) = users::get_by_email(&self.db.conn, &email).await? else {
            return Ok(());
        };
        if user.status != UserStatus::Active {
            return Ok(());
        }
        let token = random_token(32);
        let link = format!("{}/password/reset/{}", self.config.base_url.trim_end_matches('/'), token);
        let user = &user;
        self.mutate(ctx, |tx| {
            let (token, link) = (token.clone(), link.clone());
            async move {
                let t = now();
                users::revoke_tokens(tx.c(), user.id, TokenPurpose::Reset, t).await?;
                users::insert_token(tx.c(), &sha256_hex(&token), user.id, TokenPurpose::Reset, t + RESET_LINK_TTL, t).await?;
                let body = format!(
                    "Hello {name},\n\nSomeone asked to reset the password of your ACORN account ({email}).\n\
                     Choose a new password here (the link works once, for 1 hour):\n\n{link}\n\n\
                     You will still need your authenticator app to sign in.\n\
                     If this was not you, ignore this message.\n",
                    name = user.name,
                    email = user.email
                );
                mail::queue(tx.c(), user.tenant_id, &user.email, "Reset your ACORN password", &body).await?;
                Ok(((), Change::new(user.tenant_id, "user.password_reset_requested", "user", user.id)))
            }
        })
        .await
    }

    /// Whether a set-up or reset link is still usable (the page shows a clear message otherwise).
    pub async fn link_valid(&self, token: &str, setup: bool) -> Result<bool, ServiceError> {
        let purpose = if setup { TokenPurpose::Setup } else { TokenPurpose::Reset };
        Ok(users::peek_token(&self.db.conn, &sha256_hex(token), purpose, now()).await?.is_some())
    }

    /// Sets a password from a set-up or reset link. Ends every session of the account; the user then
    /// signs in with password AND second factor — a reset never bypasses MFA.
    pub async fn set_password_from_link(&self, ctx: &Ctx, token: &str, password: &str, setup: bool) -> Result<(), ServiceError> {
        check_password(password)?;
        let purpose = if setup { TokenPurpose::Setup } else { TokenPurpose::Reset };
        let hash = hash_password(password.to_string(), self.config.argon2_m_kib, self.config.argon2_t).await?;
        let token_hash = sha256_hex(token);
        let expired = || ServiceError::Rejected { code: "link_expired", message: "this link has expired or was already used; ask for a new one".into() };
        let user_id = users::peek_token(&self.db.conn, &token_hash, purpose, now()).await?.ok_or_else(expired)?;
        let (user, _) = users::get(&self.db.conn, user_id).await?.ok_or_else(expired)?;
        let actor = Ctx { principal: Principal::User(user.clone()), ..ctx.clone() };
        let user = &user;
        self.mutate(&actor, |tx| {
            let (hash, token_hash) = (hash.clone(), token_hash.clone());
            async move {
                let t = now();
                users::take_token(tx.c(), &token_hash, purpose, t).await?.ok_or_else(expired)?;
                users::set_password(tx.c(), user.id, &hash, t).await?;
                sessions::revoke_all(tx.c(), user.id, None, t).await?;
                let action = if setup { "user.password_set" } else { "user.password_reset" };
                Ok(((), Change::new(user.tenant_id, action, "user", user.id)))
            }
        })
        .await
    }

    /// Changes the signed-in user's password (the current one is required) and ends their other sessions.
    pub async fn change_password(&self, ctx: &Ctx, auth: &SessionAuth, current: &str, new: &str) -> Result<(), ServiceError> {
        check_password(new)?;
        let (_, secrets) = users::get(&self.db.conn, auth.user.id).await?.ok_or(ServiceError::NotFound("user"))?;
        if !verify_password(current.to_string(), secrets.password_hash).await? {
            return Err(ServiceError::invalid("current_password", "the current password is not right"));
        }
        let hash = hash_password(new.to_string(), self.config.argon2_m_kib, self.config.argon2_t).await?;
        let user = &auth.user;
        self.mutate(ctx, |tx| {
            let hash = hash.clone();
            async move {
                let t = now();
                users::set_password(tx.c(), user.id, &hash, t).await?;
                sessions::revoke_all(tx.c(), user.id, Some(&auth.session.id_hash), t).await?;
                Ok(((), Change::new(user.tenant_id, "user.password_changed", "user", user.id)))
            }
        })
        .await
    }

    /// Remembers the user's UI language.
    pub async fn set_locale(&self, ctx: &Ctx, auth: &SessionAuth, locale: Locale) -> Result<(), ServiceError> {
        let user = &auth.user;
        self.mutate(ctx, |tx| async move {
            users::set_locale(tx.c(), user.id, locale, now()).await?;
            Ok(((), Change::new(user.tenant_id, "user.locale_changed", "user", user.id).after(&locale.as_str())))
        })
        .await
    }

    /// Unused recovery codes left (the MFA page warns when few remain).
    pub async fn recovery_codes_left(&self, auth: &SessionAuth) -> Result<i64, ServiceError> {
        Ok(repo::users::unused_recovery_codes(&self.db.conn, auth.user.id).await?)
    }
}

/// Replaces a session with a new id carrying the second factor; the old id stops working.
async fn rotate(c: &impl acorn_store::ConnectionTrait, old: &Session, new_token: &str, t: DateTime<Utc>) -> Result<(), ServiceError> {
    sessions::revoke(c, &old.id_hash, t).await?;
    let s = Session { id_hash: sha256_hex(new_token), csrf_token: random_token(24), last_seen_at: t, mfa_at: Some(t), revoked_at: None, ..old.clone() };
    sessions::insert(c, &s).await?;
    Ok(())
}
