//! The watched drop directories: every partner's `inbox/` is scanned; a complete file (see
//! [`files`]) is claimed by renaming it (so two processes sharing the directory never both take
//! it), received like an upload, and moved to `processed/` — or to `error/` when the interchange
//! failed or could not be read, with the reason in the EDI log.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use acorn_domain::edi::{InterchangeStatus, Source, TradingPartner};
use acorn_store::repo;

use super::files;
use crate::{Ctx, ServiceError, Services, now};

/// What one scan did with one file.
#[derive(Clone, Debug)]
pub struct Taken {
    pub vendor_code: String,
    pub file: String,
    /// Where the file ended up.
    pub moved_to: PathBuf,
    pub status: Option<InterchangeStatus>,
    pub duplicate: bool,
    pub error: Option<String>,
}

impl Services {
    /// Scans every partner's inbox once; `renamed` says whether the file watcher saw a file
    /// renamed into place (taken without waiting for the quiet period).
    pub async fn scan_drop_directories(&self, renamed: &(dyn Fn(&Path) -> bool + Sync)) -> Result<Vec<Taken>, ServiceError> {
        let mut taken = Vec::new();
        for partner in repo::edi::all_partners(&self.db.conn).await? {
            let inbox = files::inbox(&self.config.data_dir, &partner.vendor_code);
            let ready =
                files::ready_files(&inbox, SystemTime::now(), renamed).map_err(|e| ServiceError::internal(format!("reading {}: {e}", inbox.display())))?;
            for file in ready {
                if let Some(t) = self.take_dropped(&partner, &file).await? {
                    taken.push(t);
                }
            }
        }
        Ok(taken)
    }

    async fn take_dropped(&self, partner: &TradingPartner, file: &Path) -> Result<Option<Taken>, ServiceError> {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("file").to_string();
        // Claim: a rename within the directory is atomic; whoever loses finds nothing to take.
        let claimed = file.with_file_name(format!(".taking-{}-{name}", acorn_domain::ids::new_id()));
        if std::fs::rename(file, &claimed).is_err() {
            return Ok(None);
        }
        let stamp = now().format("%Y%m%dT%H%M%S%.3fZ").to_string();
        let dir_of = |ok: bool| {
            if ok { files::processed(&self.config.data_dir, &partner.vendor_code) } else { files::error(&self.config.data_dir, &partner.vendor_code) }
        };
        let bytes = match std::fs::read(&claimed) {
            Ok(b) => b,
            Err(e) => {
                let moved_to = files::move_into(&claimed, &dir_of(false), &stamp).unwrap_or(claimed.clone());
                return Ok(Some(Taken {
                    vendor_code: partner.vendor_code.clone(),
                    file: name,
                    moved_to,
                    status: None,
                    duplicate: false,
                    error: Some(e.to_string()),
                }));
            }
        };
        let ctx = Ctx::job("edi-drop");
        let result = self.receive_edi(&ctx, partner.tenant, bytes, Source::Drop, &name).await;
        let (ok, status, duplicate, error) = match &result {
            Ok(r) => (r.interchange.status == InterchangeStatus::Success, Some(r.interchange.status), r.duplicate, None),
            Err(e) => (false, None, false, Some(e.to_string())),
        };
        // The original name goes back on, after the timestamp, in processed/ or error/.
        let renamed_back = claimed.with_file_name(&name);
        let from = if std::fs::rename(&claimed, &renamed_back).is_ok() { renamed_back } else { claimed };
        let moved_to = files::move_into(&from, &dir_of(ok), &stamp).map_err(|e| ServiceError::internal(format!("moving {}: {e}", from.display())))?;
        if let Err(e) = &result {
            tracing::warn!(vendor = %partner.vendor_code, file = %name, error = %e, "EDI drop file refused");
        }
        Ok(Some(Taken { vendor_code: partner.vendor_code.clone(), file: name, moved_to, status, duplicate, error }))
    }
}
