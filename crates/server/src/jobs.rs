//! Background jobs of `acorn serve`: mail delivery, audit anchoring (every 60 s or 1,000 records,
//! whichever comes first), the order-to-dock clock (acknowledgement reminders, PO closing, ship
//! dates, no-shows; every minute), the invoice match (invoices submitted or waiting for receipts;
//! every minute), payment runs reaching their pay date and chargebacks of POs that closed (every minute), the
//! EDI gateway (drop directories taken and owed 850/860/820s sent; every 5 s), the weekly forecast run
//! (checked hourly, run when the last completed week has no succeeded run) and housekeeping. Each job is idempotent and safe to run in several
//! processes at once (mail is leased with a conditional UPDATE; anchors only move forward; a forecast
//! run's `running` row is unique, so a second process is refused and waits for the next hour).

use acorn_service::forecast::RunOptions;
use acorn_service::{Ctx, ServiceError, Services};
use std::time::Duration;
use tokio::sync::watch;

pub fn spawn(services: Services, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut mail = tokio::time::interval(Duration::from_secs(2));
        let mut anchor = tokio::time::interval(Duration::from_secs(60));
        let mut housekeeping = tokio::time::interval(Duration::from_secs(3600));
        let mut orders = tokio::time::interval(Duration::from_secs(60));
        let mut matching = tokio::time::interval(Duration::from_secs(60));
        let mut edi = tokio::time::interval(Duration::from_secs(5));
        // Hourly, the first check a few minutes after start (not in the rush of a restart).
        let mut forecast = tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(300), Duration::from_secs(3600));
        // The run takes minutes on a large catalogue: it runs beside this loop, never inside it.
        let mut forecasting: Option<tokio::task::JoinHandle<()>> = None;
        let renames = crate::edi_watch::Renames::watch(&services.config.data_dir.join("edi"));
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                _ = mail.tick() => {
                    if let Err(e) = services.deliver_mail().await { tracing::warn!(error = %e, "mail job"); }
                }
                _ = anchor.tick() => {
                    if let Err(e) = services.anchor_audit().await { tracing::error!(error = %e, "audit anchoring"); }
                }
                _ = services.anchor_wakeup.notified() => {
                    if let Err(e) = services.anchor_audit().await { tracing::error!(error = %e, "audit anchoring"); }
                }
                _ = orders.tick() => {
                    if let Err(e) = services.order_to_dock_tick().await { tracing::warn!(error = %e, "order-to-dock clock"); }
                }
                _ = matching.tick() => {
                    if let Err(e) = services.match_pending(|_| {}).await { tracing::warn!(error = %e, "invoice match"); }
                    if let Err(e) = services.settle_payment_runs().await { tracing::warn!(error = %e, "payment runs"); }
                    if let Err(e) = services.assess_chargebacks().await { tracing::warn!(error = %e, "chargebacks"); }
                }
                _ = edi.tick() => {
                    let seen = renames.clone();
                    match services.scan_drop_directories(&move |p| seen.contains(p)).await {
                        Ok(taken) => for t in taken {
                            tracing::info!(vendor = %t.vendor_code, file = %t.file, status = ?t.status, duplicate = t.duplicate, "EDI file taken");
                        },
                        Err(e) => tracing::warn!(error = %e, "EDI drop directories"),
                    }
                    renames.prune();
                    if let Err(e) = services.send_edi_documents().await { tracing::warn!(error = %e, "EDI outbound"); }
                }
                _ = housekeeping.tick() => {
                    if let Err(e) = services.housekeeping().await { tracing::warn!(error = %e, "housekeeping"); }
                }
                _ = forecast.tick() => {
                    if forecasting.as_ref().is_none_or(|h| h.is_finished()) {
                        forecasting = Some(tokio::spawn(forecast_if_due(services.clone())));
                    }
                }
            }
        }
        // A run cut short stays `running` until its heartbeat is stale; the next run marks it failed.
        if let Some(h) = forecasting {
            h.abort();
        }
        // Last anchor on the way out, so a clean shutdown leaves no unanchored tail.
        let _ = services.anchor_audit().await;
        let _ = services.deliver_mail().await;
    })
}

/// Runs the forecast when the last completed week has no succeeded run yet (the run would return an
/// existing one unchanged anyway; the check keeps the hourly tick to two small queries).
async fn forecast_if_due(services: Services) {
    let week = match services.forecast_due().await {
        Ok(Some(week)) => week,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, "forecast job");
            return;
        }
    };
    let opts = RunOptions { history_end: Some(week), force: false, started_by: "job:forecast".into() };
    match services.run_forecasts(&Ctx::job("forecast"), opts, &|_| {}).await {
        Ok(run) => {
            tracing::info!(run = %run.id, history_end = %run.history_end, series = run.series_done, failed = run.series_failed, suggestions = run.suggestions, "forecast run finished")
        }
        Err(ServiceError::Conflict { message, .. }) => tracing::info!(%message, "forecast job: another run is in progress"),
        Err(e) => tracing::warn!(error = %e, "forecast job"),
    }
}
