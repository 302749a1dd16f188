//! The document store: uploaded files (dispute evidence, invoice attachments, return paperwork) kept on
//! disk under `<data-dir>/documents/`, described by a `documents` row that commits with the use case
//! that attached them.
//!
//! - At most [`MAX_DOCUMENT_BYTES`] (10 MiB) per file; the web layer should cap request bodies a little
//!   above that so a larger upload is cut off before it is read whole.
//! - The type is sniffed from the first bytes, never taken from the client: PDF, PNG, JPEG, TIFF, or
//!   plain text / CSV (valid UTF-8 without NUL). Text is stored as `text/plain` or, for a `.csv` name,
//!   `text/csv`; downloads should still be served as attachments with `X-Content-Type-Options: nosniff`
//!   (an HTML file is valid text and must not render in the portal's origin).
//! - File names are sanitised: no path, no control or bidi-override characters, at most
//!   [`MAX_FILENAME_CHARS`] characters.
//! - A file is written (temp file in the same directory, fsynced, renamed, directory fsynced) before its
//!   row is inserted in the caller's transaction. A transaction that rolls back (or is retried) leaves
//!   the file without a row: an orphan, removed by [`Services::prune_orphan_documents`].
//! - Reads are tenant-checked: a vendor reads only its own tenant's documents (another tenant's id is
//!   "document not found"), retailer staff any document of an area they may read. The area follows
//!   from the owner ([`area_of`]). The bytes are checked against the recorded SHA-256 on every read.

use crate::authz::{list_scope, require, require_object};
use crate::{Ctx, Principal, ServiceError, Services, now};
use acorn_domain::ids::{TenantId, new_id};
use acorn_domain::policy::{Access, Area};
use acorn_store::repo::documents::Document;
use acorn_store::{ConnectionTrait, repo};
use std::io::Write;
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// The largest file the store takes: 10 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// The longest file name kept (characters); longer names are shortened, keeping the extension.
pub const MAX_FILENAME_CHARS: usize = 200;
/// What [`sniff`] accepts, as the refusal message lists it.
pub const ALLOWED_TYPES: &str = "PDF, PNG, JPEG, TIFF, plain text or CSV";

const MIB: usize = 1024 * 1024;

/// The policy area guarding documents of an owner type: `dispute` → deductions, `invoice` → invoices,
/// `return` → returns.
pub fn area_of(owner_type: &str) -> Result<Area, ServiceError> {
    match owner_type {
        "dispute" => Ok(Area::Deductions),
        "invoice" => Ok(Area::Invoices),
        "return" => Ok(Area::Returns),
        other => Err(ServiceError::invalid("owner_type", format!("`{other}` cannot have documents; expected dispute, invoice or return"))),
    }
}

/// The media type of `bytes` by their first bytes, or None when it is not an accepted type. Text (valid
/// UTF-8 without NUL) is `text/csv` when `filename` ends in `.csv`, `text/plain` otherwise.
pub fn sniff(bytes: &[u8], filename: &str) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("image/tiff")
    } else if !bytes.is_empty() && !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        if filename.to_ascii_lowercase().ends_with(".csv") { Some("text/csv; charset=utf-8") } else { Some("text/plain; charset=utf-8") }
    } else {
        None
    }
}

/// Characters dropped from file names besides control characters: invisible format characters and
/// the bidi overrides that can disguise an extension (`invoice\u{202E}fdp.exe`).
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A file name safe to store and to offer for download: the last path component only, without
/// control and invisible characters, characters Windows cannot have in names replaced by `_`, trimmed,
/// at most [`MAX_FILENAME_CHARS`] characters (the extension kept), and `document` when nothing is left.
pub fn sanitize_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !invisible(*c))
        .map(|c| if matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|') { '_' } else { c })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        return "document".to_string();
    }
    let chars: Vec<char> = cleaned.chars().collect();
    if chars.len() <= MAX_FILENAME_CHARS {
        return cleaned;
    }
    // Keep a short extension; shorten the stem.
    let ext: Vec<char> = match chars.iter().rposition(|&c| c == '.') {
        Some(dot) if chars.len() - dot <= 16 => chars[dot..].to_vec(),
        _ => Vec::new(),
    };
    let stem: String = chars[..MAX_FILENAME_CHARS - ext.len()].iter().collect();
    format!("{}{}", stem.trim_end(), ext.iter().collect::<String>())
}

/// The size check's refusal, or None: `is 12.4 MiB; at most 10 MiB` (MiB rounded up to a tenth, so
/// a file just over the limit does not read as 10.0).
pub fn check_size(len: usize) -> Result<(), ServiceError> {
    if len == 0 {
        return Err(ServiceError::invalid("file", "is empty"));
    }
    if len > MAX_DOCUMENT_BYTES {
        let tenths = (len * 10).div_ceil(MIB);
        return Err(ServiceError::invalid("file", format!("is {}.{} MiB; at most {} MiB", tenths / 10, tenths % 10, MAX_DOCUMENT_BYTES / MIB)));
    }
    Ok(())
}

/// Writes `bytes` as `dir/name` atomically and durably: a temp file in the same directory, fsynced,
/// renamed over, then the directory fsynced so the rename survives a crash.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let created = !dir.exists();
    std::fs::create_dir_all(dir)?;
    if created && let Some(parent) = dir.parent() {
        std::fs::File::open(parent)?.sync_all()?;
    }
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(&tmp)?;
    let written = (|| {
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(name))
    })();
    drop(f);
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    std::fs::File::open(dir)?.sync_all()
}

impl Services {
    /// The directory of the document store.
    pub fn documents_dir(&self) -> PathBuf {
        self.config.data_dir.join("documents")
    }

    /// Where a document's bytes live: `<data-dir>/documents/<xx>/<id>`, `xx` the id's last two hex
    /// digits (ids are UUIDv7, whose leading digits are a timestamp that changes once in decades, so
    /// the trailing random digits spread the files over 256 directories).
    pub fn document_path(&self, id: Uuid) -> PathBuf {
        let hex = id.simple().to_string();
        self.documents_dir().join(&hex[hex.len() - 2..]).join(id.to_string())
    }

    /// Stores an uploaded file for an owner object of `tenant` and inserts its row on `c`: meant to run
    /// inside the caller's mutation (`self.mutate(ctx, |tx| … self.store_document(tx.c(), …))`) so the
    /// row commits or rolls back with the use case; the caller audits it in its [`crate::Change`].
    /// The file is written first; if the transaction does not commit it is an orphan that
    /// [`Services::prune_orphan_documents`] removes later. Checks that the principal may write in the
    /// owner's area and sees `tenant`; refuses empty or too large files and types not in [`ALLOWED_TYPES`].
    #[allow(clippy::too_many_arguments)]
    pub async fn store_document(
        &self,
        c: &impl ConnectionTrait,
        ctx: &Ctx,
        tenant: TenantId,
        owner_type: &str,
        owner_id: Uuid,
        filename: &str,
        bytes: &[u8],
    ) -> Result<Document, ServiceError> {
        let area = area_of(owner_type)?;
        require_object(ctx, area, Access::Write, tenant, "document owner")?;
        check_size(bytes.len())?;
        let filename = sanitize_filename(filename);
        let content_type = sniff(bytes, &filename).ok_or_else(|| ServiceError::invalid("file", format!("is not an accepted type; upload {ALLOWED_TYPES}")))?;
        let doc = Document {
            id: new_id(),
            tenant,
            owner_type: owner_type.to_string(),
            owner_id,
            filename,
            content_type: content_type.to_string(),
            size: bytes.len() as i64,
            sha256: crate::crypto::sha256_hex_bytes(bytes),
            uploaded_by: ctx.principal.actor(),
            uploaded_at: now(),
        };
        let path = self.document_path(doc.id);
        let (dir, name) = (path.parent().map(Path::to_path_buf).unwrap_or_default(), doc.id.to_string());
        let owned = bytes.to_vec();
        tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &owned))
            .await
            .map_err(ServiceError::internal)?
            .map_err(|e| ServiceError::internal(format!("writing document {} to the document store: {e}", doc.id)))?;
        if let Err(e) = repo::documents::insert(c, &doc).await {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(e.into());
        }
        Ok(doc)
    }

    /// A document and its bytes. Another tenant's document answers "document not found", exactly like
    /// a missing one; a principal whose role may not read the owner's area gets Forbidden.
    pub async fn document(&self, ctx: &Ctx, id: Uuid) -> Result<(Document, Vec<u8>), ServiceError> {
        if matches!(ctx.principal, Principal::Anonymous) {
            return Err(ServiceError::Unauthenticated("sign in first"));
        }
        let doc = repo::documents::get(&self.db.conn, list_scope(ctx), id).await?.ok_or(ServiceError::NotFound("document"))?;
        require_object(ctx, area_of(&doc.owner_type)?, Access::Read, doc.tenant, "document")?;
        let path = self.document_path(doc.id);
        let bytes = tokio::fs::read(&path).await.map_err(|e| ServiceError::internal(format!("document {}: reading {}: {e}", doc.id, path.display())))?;
        if bytes.len() as i64 != doc.size || crate::crypto::sha256_hex_bytes(&bytes) != doc.sha256 {
            return Err(ServiceError::internal(format!("document {}: the stored file does not match its recorded size and SHA-256", doc.id)));
        }
        Ok((doc, bytes))
    }

    /// The documents of one owner object, oldest first, as the principal may see them (a vendor only
    /// its own tenant's).
    pub async fn documents_of(&self, ctx: &Ctx, owner_type: &str, owner_id: Uuid) -> Result<Vec<Document>, ServiceError> {
        require(ctx, area_of(owner_type)?, Access::Read)?;
        Ok(repo::documents::for_owner(&self.db.conn, list_scope(ctx), owner_type, owner_id).await?)
    }

    /// Housekeeping: removes files of the document store last modified more than `older_than` ago that
    /// have no `documents` row (their transaction rolled back or was retried), and leftover temp files.
    /// `older_than` must exceed the longest transaction (a day is safe). Returns how many were removed.
    pub async fn prune_orphan_documents(&self, older_than: chrono::Duration) -> Result<usize, ServiceError> {
        let cutoff = std::time::SystemTime::now() - older_than.to_std().unwrap_or_default();
        let root = self.documents_dir();
        // (path, id) of old files; None id for temp files and anything else that is not a document.
        let candidates = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<(PathBuf, Option<Uuid>)>> {
            let mut found = Vec::new();
            let Ok(dirs) = std::fs::read_dir(&root) else { return Ok(found) };
            for dir in dirs {
                let dir = dir?;
                if !dir.file_type()?.is_dir() {
                    continue;
                }
                for entry in std::fs::read_dir(dir.path())? {
                    let entry = entry?;
                    let meta = entry.metadata()?;
                    if !meta.is_file() || meta.modified()? > cutoff {
                        continue;
                    }
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let id = Uuid::parse_str(&name).ok().filter(|id| id.to_string() == name);
                    if id.is_some() || (name.starts_with('.') && name.ends_with(".tmp")) {
                        found.push((entry.path(), id));
                    }
                }
            }
            Ok(found)
        })
        .await
        .map_err(ServiceError::internal)?
        .map_err(|e| ServiceError::internal(format!("listing the document store: {e}")))?;
        let ids: Vec<Uuid> = candidates.iter().filter_map(|(_, id)| *id).collect();
        let kept: std::collections::HashSet<Uuid> = repo::documents::existing_ids(&self.db.conn, &ids).await?.into_iter().collect();
        let mut removed = 0;
        for (path, id) in candidates {
            if id.is_some_and(|id| kept.contains(&id)) {
                continue;
            }
            match tokio::fs::remove_file(&path).await {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(ServiceError::internal(format!("removing {}: {e}", path.display()))),
            }
        }
        if removed > 0 {
            tracing::info!(removed, "pruned orphan files from the document store");
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(e: ServiceError) -> String {
        match e {
            ServiceError::Invalid(issues) => issues.iter().map(|i| format!("{}: {}", i.field, i.issue)).collect::<Vec<_>>().join("; "),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn sniffs_by_content_not_by_name() {
        assert_eq!(sniff(b"%PDF-1.7\n...", "x.exe"), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "x.pdf"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'], "x"), Some("image/jpeg"));
        assert_eq!(sniff(b"II*\0\x08\0\0\0", "scan.tif"), Some("image/tiff"));
        assert_eq!(sniff(b"MM\0*\0\0\0\x08", "scan.tif"), Some("image/tiff"));
        assert_eq!(sniff("po,qty\nPO-1,12\nMüller,3\n".as_bytes(), "Claims.CSV"), Some("text/csv; charset=utf-8"));
        assert_eq!(sniff(b"proof of delivery notes", "notes.txt"), Some("text/plain; charset=utf-8"));
        // Refused: executables, zip (office files), GIF, text with NUL, invalid UTF-8, nothing.
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0", "invoice.pdf"), None);
        assert_eq!(sniff(b"PK\x03\x04\x14\0", "claim.docx"), None);
        assert_eq!(sniff(b"GIF89a\x01\0", "a.gif"), None);
        assert_eq!(sniff(b"text\0with nul", "a.txt"), None);
        assert_eq!(sniff(&[b'a', 0xC3, 0x28], "a.txt"), None);
        assert_eq!(sniff(b"", "a.txt"), None);
        assert_eq!(sniff(b"%PD", "a.pdf"), Some("text/plain; charset=utf-8")); // too short to be a PDF: just text
    }

    #[test]
    fn filenames_are_sanitised() {
        assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_filename("C:\\Users\\me\\POD scan.pdf"), "POD scan.pdf");
        assert_eq!(sanitize_filename("bill\u{0}of\nlading\t.pdf"), "billoflading.pdf");
        assert_eq!(sanitize_filename("invoice\u{202E}fdp.exe"), "invoicefdp.exe");
        assert_eq!(sanitize_filename("a\"b<c>d:e*f?g|h.txt"), "a_b_c_d_e_f_g_h.txt");
        assert_eq!(sanitize_filename("  .hidden  "), "hidden");
        assert_eq!(sanitize_filename(".."), "document");
        assert_eq!(sanitize_filename("dir/"), "document");
        assert_eq!(sanitize_filename(""), "document");
        assert_eq!(sanitize_filename("Lieferschein Müller.pdf"), "Lieferschein Müller.pdf");
        let long = format!("{}.pdf", "ü".repeat(300));
        let s = sanitize_filename(&long);
        assert_eq!(s.chars().count(), MAX_FILENAME_CHARS);
        assert!(s.ends_with(".pdf") && s.starts_with("üü"));
        let no_ext = "x".repeat(250);
        assert_eq!(sanitize_filename(&no_ext), "x".repeat(200));
    }

    #[test]
    fn size_limit() {
        assert!(check_size(1).is_ok());
        assert!(check_size(MAX_DOCUMENT_BYTES).is_ok());
        assert_eq!(issue(check_size(MAX_DOCUMENT_BYTES + 1).unwrap_err()), "file: is 10.1 MiB; at most 10 MiB");
        assert_eq!(issue(check_size(13_002_342).unwrap_err()), "file: is 12.4 MiB; at most 10 MiB");
        assert_eq!(issue(check_size(0).unwrap_err()), "file: is empty");
    }

    #[test]
    fn areas_by_owner_type() {
        assert_eq!(area_of("dispute").unwrap(), Area::Deductions);
        assert_eq!(area_of("invoice").unwrap(), Area::Invoices);
        assert_eq!(area_of("return").unwrap(), Area::Returns);
        assert_eq!(issue(area_of("vendor").unwrap_err()), "owner_type: `vendor` cannot have documents; expected dispute, invoice or return");
    }

    #[test]
    fn atomic_write_leaves_only_the_file() {
        let dir = std::env::temp_dir().join(format!("acorn-doc-test-{}", new_id()));
        let sub = dir.join("ab");
        write_atomically(&sub, "one", b"hello").unwrap();
        assert_eq!(std::fs::read(sub.join("one")).unwrap(), b"hello");
        let names: Vec<_> = std::fs::read_dir(&sub).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["one"]);
        // Another write into the existing directory replaces nothing else.
        write_atomically(&sub, "two", b"x").unwrap();
        let mut names: Vec<_> = std::fs::read_dir(&sub).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        assert_eq!(names, ["one", "two"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
