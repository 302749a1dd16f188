//! Watches the EDI drop directories (`<data-dir>/edi/*/inbox/`) for files renamed into place, so
//! the drop job takes them at once instead of waiting for them to stay unchanged for 10 s. Without
//! a watcher (an unsupported file system, too many watches) the quiet-period rule still applies.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use notify::event::{ModifyKind, RenameMode};
use notify::{Event, EventKind, RecursiveMode, Watcher};

/// The files the watcher saw renamed into an inbox and the drop job has not taken yet.
#[derive(Clone, Default)]
pub struct Renames {
    seen: Arc<Mutex<HashSet<PathBuf>>>,
    _watcher: Option<Arc<notify::RecommendedWatcher>>,
}

fn in_inbox(p: &Path) -> bool {
    p.parent().and_then(|d| d.file_name()).is_some_and(|n| n == "inbox")
}

impl Renames {
    /// Starts watching `root` (created if missing); logs and carries on without a watcher on failure.
    pub fn watch(root: &Path) -> Renames {
        let seen: Arc<Mutex<HashSet<PathBuf>>> = Arc::default();
        let sink = seen.clone();
        let handler = move |res: notify::Result<Event>| {
            let Ok(event) = res else { return };
            // A rename into the directory reports the new name last (RenameMode::To, or Both with from → to).
            if let EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both)) = event.kind
                && let Some(to) = event.paths.last()
                && in_inbox(to)
                && let Ok(mut set) = sink.lock()
            {
                set.insert(to.clone());
            }
        };
        let watcher = std::fs::create_dir_all(root).map_err(notify::Error::io).and_then(|_| {
            let mut w = notify::recommended_watcher(handler)?;
            w.watch(root, RecursiveMode::Recursive)?;
            Ok(w)
        });
        match watcher {
            Ok(w) => Renames { seen, _watcher: Some(Arc::new(w)) },
            Err(e) => {
                tracing::warn!(dir = %root.display(), error = %e, "EDI drop directories are not watched; files are taken after 10 s unchanged");
                Renames { seen, _watcher: None }
            }
        }
    }

    pub fn contains(&self, p: &Path) -> bool {
        self.seen.lock().map(|s| s.contains(p)).unwrap_or(false)
    }

    /// Forgets files that are gone (taken, or moved away by someone else).
    pub fn prune(&self) {
        if let Ok(mut s) = self.seen.lock() {
            s.retain(|p| p.exists());
        }
    }
}
