//! The per-partner directories under `<data-dir>/edi/<VENDOR>/`: `inbox/` (the drop directory),
//! `processed/` and `error/` (where taken files end up), `outbox/` (what ACORN sends).
//!
//! A dropped file is taken once it is complete: either it was renamed into place after it was
//! written (the way SFTP servers and careful senders publish files: the watcher in `acorn serve`
//! reports the rename, and an inode changed after its last write — ctime > mtime — shows it too when
//! the clock ticked in between), or it has not changed for [`QUIET_PERIOD`]. Names that uploaders use for
//! files still in transfer (`.name`, `*.tmp`, `*.part`, `*.filepart`, `*~`) are never taken.
//! Outbound files are written under a temporary name and renamed, so a partner polling the outbox
//! never reads half a file.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long an unrenamed file must stay unchanged before it is taken.
pub const QUIET_PERIOD: Duration = Duration::from_secs(10);

pub fn partner_dir(data_dir: &Path, vendor_code: &str) -> PathBuf {
    data_dir.join("edi").join(vendor_code)
}

pub fn inbox(data_dir: &Path, vendor_code: &str) -> PathBuf {
    partner_dir(data_dir, vendor_code).join("inbox")
}

pub fn outbox(data_dir: &Path, vendor_code: &str) -> PathBuf {
    partner_dir(data_dir, vendor_code).join("outbox")
}

pub fn processed(data_dir: &Path, vendor_code: &str) -> PathBuf {
    partner_dir(data_dir, vendor_code).join("processed")
}

pub fn error(data_dir: &Path, vendor_code: &str) -> PathBuf {
    partner_dir(data_dir, vendor_code).join("error")
}

pub fn ensure_dirs(data_dir: &Path, vendor_code: &str) -> io::Result<()> {
    for dir in [inbox(data_dir, vendor_code), outbox(data_dir, vendor_code), processed(data_dir, vendor_code), error(data_dir, vendor_code)] {
        fs::create_dir_all(dir)?;
    }
    Ok(())
}

/// Names uploaders give files still in transfer.
pub fn is_temporary(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.') || name.ends_with('~') || [".tmp", ".part", ".filepart", ".partial"].iter().any(|s| lower.ends_with(s))
}

/// Whether a file with this metadata is complete at `now` (renames the watcher saw aside).
pub fn is_complete(meta: &fs::Metadata, now: SystemTime) -> bool {
    use std::os::unix::fs::MetadataExt;
    let renamed_after_write = (meta.ctime(), meta.ctime_nsec()) > (meta.mtime(), meta.mtime_nsec());
    let quiet = meta.modified().ok().and_then(|m| now.duration_since(m).ok()).is_some_and(|age| age >= QUIET_PERIOD);
    renamed_after_write || quiet
}

/// The complete files waiting in a drop directory, oldest name first; `renamed` says whether the
/// watcher saw a file renamed into place.
pub fn ready_files(dir: &Path, now: SystemTime, renamed: &dyn Fn(&Path) -> bool) -> io::Result<Vec<PathBuf>> {
    let mut ready = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ready),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_temporary(name) {
            continue;
        }
        let meta = entry.metadata()?;
        if meta.is_file() && (renamed(&entry.path()) || is_complete(&meta, now)) {
            ready.push(entry.path());
        }
    }
    ready.sort();
    Ok(ready)
}

/// Moves a taken file into `dir`, prefixing a timestamp so a resent file never overwrites the first.
pub fn move_into(file: &Path, dir: &Path, stamp: &str) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let target = dir.join(format!("{stamp}_{name}"));
    fs::rename(file, &target)?;
    Ok(target)
}

/// Writes an outbound file atomically (temporary name, then rename).
pub fn write_outbox(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.tmp"));
    fs::write(&tmp, bytes)?;
    let target = dir.join(name);
    fs::rename(&tmp, &target)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("acorn-edi-files-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_file_written_in_place_waits_until_quiet_and_a_renamed_one_is_taken_at_once() {
        let dir = scratch("ready");
        fs::write(dir.join("in-place.edi"), b"ISA").unwrap();
        fs::write(dir.join("upload.edi.part"), b"ISA").unwrap();
        fs::write(dir.join(".hidden"), b"ISA").unwrap();
        fs::write(dir.join("staged"), b"ISA").unwrap();
        fs::rename(dir.join("staged"), dir.join("renamed.edi")).unwrap();
        let now = SystemTime::now();
        let names = |files: Vec<PathBuf>| files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect::<Vec<_>>();
        let watcher_saw = |p: &Path| p.ends_with("renamed.edi");
        let ready = names(ready_files(&dir, now, &watcher_saw).unwrap());
        assert_eq!(ready, ["renamed.edi"]);
        let later = names(ready_files(&dir, now + QUIET_PERIOD + Duration::from_secs(1), &|_| false).unwrap());
        assert_eq!(later, ["in-place.edi", "renamed.edi"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn outbox_writes_are_atomic_and_moves_never_overwrite() {
        let dir = scratch("moves");
        let out = write_outbox(&dir.join("outbox"), "ACME1_850_000000001.edi", b"ISA*").unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"ISA*");
        assert_eq!(fs::read_dir(dir.join("outbox")).unwrap().count(), 1);
        fs::write(dir.join("a.edi"), b"1").unwrap();
        let first = move_into(&dir.join("a.edi"), &dir.join("processed"), "20261127T150000Z").unwrap();
        fs::write(dir.join("a.edi"), b"2").unwrap();
        let second = move_into(&dir.join("a.edi"), &dir.join("processed"), "20261127T150001Z").unwrap();
        assert_ne!(first, second);
        assert_eq!(fs::read(first).unwrap(), b"1");
        fs::remove_dir_all(&dir).unwrap();
    }
}
