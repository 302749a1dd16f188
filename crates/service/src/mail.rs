//! Outgoing e-mail. Use cases queue a message in their own transaction (so it is never lost and never
//! sent for a change that rolled back); the delivery job sends it over SMTP when a relay is
//! configured, otherwise writes it as an `.eml` file into `<data-dir>/outbox`, which admins see in
//! the UI. Either way nothing is dropped: failures stay queued and are retried.

use crate::{ServiceError, Services, now};
use acorn_domain::ids::TenantId;
use acorn_domain::people::{MailMessage, MailStatus};
use acorn_store::{ConnectionTrait, repo};
use chrono::Duration;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Give up on a message after this many failed attempts (it stays listed as failed).
pub const MAX_ATTEMPTS: i64 = 20;

/// Queues a message in the caller's transaction.
pub async fn queue(c: &impl ConnectionTrait, tenant: TenantId, to: &str, subject: &str, body: &str) -> Result<(), ServiceError> {
    let m = MailMessage {
        id: acorn_domain::ids::new_id(),
        tenant_id: tenant,
        to: to.to_string(),
        subject: subject.to_string(),
        body: body.to_string(),
        status: MailStatus::Queued,
        attempts: 0,
        delivered_at: None,
        location: None,
        last_error: None,
        created_at: now(),
    };
    repo::mail::enqueue(c, &m).await?;
    Ok(())
}

fn build(from: &str, m: &MailMessage) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("sender `{from}`: {e}"))?;
    let to: Mailbox = m.to.parse().map_err(|e| format!("recipient `{}`: {e}", m.to))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(format!("<{}@acorn>", m.id)))
        .body(m.body.clone())
        .map_err(|e| e.to_string())
}

impl Services {
    /// Delivers queued mail; returns how many messages were delivered.
    pub async fn deliver_mail(&self) -> Result<usize, ServiceError> {
        let t = now();
        let batch = repo::mail::lease(&self.db.conn, t, t + Duration::seconds(60), 50).await?;
        let mut delivered = 0;
        for m in batch {
            match self.deliver_one(&m).await {
                Ok((status, location)) => {
                    repo::mail::mark_delivered(&self.db.conn, m.id, status, &location, now()).await?;
                    delivered += 1;
                }
                Err(e) => {
                    tracing::warn!(mail = %m.id, error = %e, "mail delivery failed; will retry");
                    repo::mail::mark_failed(&self.db.conn, m.id, &e, m.attempts + 1 >= MAX_ATTEMPTS).await?;
                }
            }
        }
        Ok(delivered)
    }

    async fn deliver_one(&self, m: &MailMessage) -> Result<(MailStatus, String), String> {
        let msg = build(&self.config.mail_from, m)?;
        match &self.config.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| format!("SMTP URL: {e}"))?.build();
                transport.send(msg).await.map_err(|e| format!("SMTP: {e}"))?;
                Ok((MailStatus::Sent, format!("smtp:{}", m.to)))
            }
            None => {
                let dir = self.config.outbox_dir();
                tokio::fs::create_dir_all(&dir).await.map_err(|e| format!("outbox {}: {e}", dir.display()))?;
                let path = dir.join(format!("{}.eml", m.id));
                let tmp = dir.join(format!(".{}.tmp", m.id));
                // Write then rename, so a reader never sees half a message.
                tokio::fs::write(&tmp, msg.formatted()).await.map_err(|e| format!("{}: {e}", tmp.display()))?;
                tokio::fs::rename(&tmp, &path).await.map_err(|e| format!("{}: {e}", path.display()))?;
                Ok((MailStatus::Written, path.display().to_string()))
            }
        }
    }
}
