//! People and machine clients: users with roles, their sessions, API clients, and the mail they are sent.

use crate::ids::TenantId;
use crate::policy::{Area, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }
    pub fn parse(s: &str) -> Option<UserStatus> {
        match s {
            "active" => Some(UserStatus::Active),
            "disabled" => Some(UserStatus::Disabled),
            _ => None,
        }
    }
}

/// The UI languages. Trade documents stay in English whatever the user's locale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Locale {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }
    pub fn parse(s: &str) -> Option<Locale> {
        match s {
            "en" => Some(Locale::En),
            "zh-CN" | "zh" | "zh-cn" => Some(Locale::ZhCn),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    /// The vendor the user works for, or [`TenantId::RETAILER`] for retailer staff.
    pub tenant_id: TenantId,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub locale: Locale,
    pub status: UserStatus,
    pub has_password: bool,
    pub mfa_enrolled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    pub fn is_retailer(&self) -> bool {
        self.tenant_id.is_retailer()
    }
}

/// Secrets kept beside a user row; never serialised to clients.
#[derive(Clone, Debug, Default)]
pub struct UserSecrets {
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
}

/// A server-side login session. The cookie carries a random id; only its hash is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Session {
    pub id_hash: String,
    pub user_id: Uuid,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Set once the second factor was passed in this session.
    pub mfa_at: Option<DateTime<Utc>>,
    pub ip: String,
    pub user_agent: String,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An API client of one vendor (LWA-style client credentials), limited to some areas.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiClient {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub client_id: String,
    pub name: String,
    pub scopes: Vec<Area>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    Queued,
    Sent,
    Written,
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Queued => "queued",
            MailStatus::Sent => "sent",
            MailStatus::Written => "written",
            MailStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<MailStatus> {
        match s {
            "queued" => Some(MailStatus::Queued),
            "sent" => Some(MailStatus::Sent),
            "written" => Some(MailStatus::Written),
            "failed" => Some(MailStatus::Failed),
            _ => None,
        }
    }
}

/// An e-mail, from the moment it is queued to its delivery (SMTP, or a file in the outbox directory).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MailMessage {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub status: MailStatus,
    pub attempts: i64,
    pub delivered_at: Option<DateTime<Utc>>,
    pub location: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}
