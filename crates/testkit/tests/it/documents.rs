//! The document store through the use cases: a file stored inside a mutation commits with it, reads
//! back tenant-checked (another vendor gets "not found"), limits and sniffing refuse what they must,
//! and a rolled-back store leaves only an orphan file that the prune removes.

use acorn_domain::ids::TenantId;
use acorn_domain::policy::Role;
use acorn_service::documents::MAX_DOCUMENT_BYTES;
use acorn_service::{Change, Ctx, ServiceError, Services};
use acorn_store::repo;
use acorn_store::repo::documents::Document;
use acorn_testkit::TestApp;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};
use uuid::Uuid;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Stores `bytes` for a dispute of `tenant` inside a mutation, as the dispute use case does.
async fn store(services: &Services, ctx: &Ctx, tenant: TenantId, owner: Uuid, name: &str, bytes: &[u8]) -> Result<Document, ServiceError> {
    services
        .mutate(ctx, |tx| async move {
            let doc = services.store_document(tx.c(), ctx, tenant, "dispute", owner, name, bytes).await?;
            Ok((doc.clone(), Change::new(tenant, "dispute.document_added", "dispute", owner).after(&doc)))
        })
        .await
}

fn invalid_issue(e: ServiceError) -> String {
    match e {
        ServiceError::Invalid(issues) => issues.iter().map(|i| format!("{}: {}", i.field, i.issue)).collect::<Vec<_>>().join("; "),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// Sets a file's modification time `age` into the past.
fn age(path: &std::path::Path, age: Duration) {
    std::fs::File::options().write(true).open(path).unwrap().set_modified(SystemTime::now() - age).unwrap();
}

#[tokio::test]
async fn stored_in_a_mutation_and_read_back_by_tenant() {
    let app = TestApp::start().await;
    let (a, b) = (app.vendor().await, app.vendor().await);
    let finance_a = app.ctx_as(a.id, &[Role::Finance]).await;
    let finance_b = app.ctx_as(b.id, &[Role::Finance]).await;
    let admin = app.ctx_as(TenantId::RETAILER, &[Role::Admin]).await;
    let dispute = Uuid::now_v7();

    let doc = store(&app.services, &finance_a, a.id, dispute, "../proof/POD <signed>.pdf", PDF).await.expect("store");
    assert_eq!(doc.filename, "POD _signed_.pdf");
    assert_eq!(doc.content_type, "application/pdf");
    assert_eq!(doc.size, PDF.len() as i64);
    assert_eq!(doc.tenant, a.id);
    assert!(doc.uploaded_by.starts_with("user:"));
    let path = app.services.document_path(doc.id);
    assert!(path.starts_with(app.services.config.data_dir.join("documents")));
    assert_eq!(std::fs::read(&path).unwrap(), PDF);

    // Vendor A reads its own; the retailer's admin reads any.
    let (got, bytes) = app.services.document(&finance_a, doc.id).await.expect("A reads");
    assert_eq!((got.clone(), bytes.as_slice()), (doc.clone(), PDF));
    let (got, bytes) = app.services.document(&admin, doc.id).await.expect("admin reads");
    assert_eq!((got, bytes.as_slice()), (doc.clone(), PDF));
    // An operations user of A may read deductions: allowed too.
    let ops_a = app.vendor_ctx(&a).await;
    assert!(app.services.document(&ops_a, doc.id).await.is_ok());

    // Vendor B: exactly like a missing document.
    let err = app.services.document(&finance_b, doc.id).await.unwrap_err();
    assert!(matches!(err, ServiceError::NotFound("document")), "{err:?}");
    let err = app.services.document(&finance_b, Uuid::now_v7()).await.unwrap_err();
    assert!(matches!(err, ServiceError::NotFound("document")), "{err:?}");
    // B cannot attach a document to A's dispute either.
    let err = store(&app.services, &finance_b, a.id, dispute, "x.pdf", PDF).await.unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");

    // Listing the dispute's documents: A and the admin see it, B sees nothing.
    assert_eq!(app.services.documents_of(&finance_a, "dispute", dispute).await.unwrap(), vec![doc.clone()]);
    assert_eq!(app.services.documents_of(&admin, "dispute", dispute).await.unwrap(), vec![doc.clone()]);
    assert!(app.services.documents_of(&finance_b, "dispute", dispute).await.unwrap().is_empty());

    // The bytes are checked on read: a file changed on disk is an error, not served.
    std::fs::write(&path, b"%PDF-tampered").unwrap();
    let err = app.services.document(&admin, doc.id).await.unwrap_err();
    assert!(matches!(err, ServiceError::Internal(_)), "{err:?}");
}

#[tokio::test]
async fn limits_and_types_are_enforced() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let ctx = app.ctx_as(a.id, &[Role::Finance]).await;
    let owner = Uuid::now_v7();

    let mut big = vec![b'a'; MAX_DOCUMENT_BYTES + 1];
    big[..5].copy_from_slice(b"%PDF-");
    let err = store(&app.services, &ctx, a.id, owner, "big.pdf", &big).await.unwrap_err();
    assert_eq!(invalid_issue(err), "file: is 10.1 MiB; at most 10 MiB");
    // Exactly 10 MiB is fine.
    big.truncate(MAX_DOCUMENT_BYTES);
    let doc = store(&app.services, &ctx, a.id, owner, "big.pdf", &big).await.expect("10 MiB");
    assert_eq!(doc.size, MAX_DOCUMENT_BYTES as i64);

    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
    let err = store(&app.services, &ctx, a.id, owner, "invoice.pdf", exe).await.unwrap_err();
    assert_eq!(invalid_issue(err), "file: is not an accepted type; upload PDF, PNG, JPEG, TIFF, plain text or CSV");

    let csv = store(&app.services, &ctx, a.id, owner, "claims.csv", b"po,units\nPO-1,12\n").await.expect("csv");
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");

    // Refused uploads wrote nothing and inserted nothing.
    assert_eq!(repo::documents::for_owner(&app.services.db.conn, Some(a.id), "dispute", owner).await.unwrap().len(), 2);

    // A role without write access to deductions may not attach.
    let ops = app.vendor_ctx(&a).await;
    let err = store(&app.services, &ops, a.id, owner, "x.pdf", PDF).await.unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden), "{err:?}");
}

#[tokio::test]
async fn a_rolled_back_store_leaves_an_orphan_that_prune_removes() {
    let app = TestApp::start().await;
    let a = app.vendor().await;
    let ctx = app.ctx_as(a.id, &[Role::Finance]).await;
    let owner = Uuid::now_v7();
    let kept = store(&app.services, &ctx, a.id, owner, "kept.pdf", PDF).await.expect("store");

    // The dispute use case stores the file, then fails a later check: everything rolls back.
    let orphan: Mutex<Option<Uuid>> = Mutex::new(None);
    let (services, ctx_ref, orphan_ref) = (&app.services, &ctx, &orphan);
    let err = app
        .services
        .mutate(&ctx, |tx| async move {
            let doc = services.store_document(tx.c(), ctx_ref, a.id, "dispute", owner, "late.pdf", PDF).await?;
            *orphan_ref.lock().unwrap() = Some(doc.id);
            Err::<((), Change), _>(ServiceError::Rejected { code: "dispute_window_closed", message: "too late".into() })
        })
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Rejected { .. }), "{err:?}");
    let orphan = orphan.lock().unwrap().expect("store ran");
    assert!(repo::documents::get(&app.services.db.conn, None, orphan).await.unwrap().is_none(), "no row after rollback");
    let orphan_path = app.services.document_path(orphan);
    assert!(orphan_path.exists(), "the file was written before the row");
    let err = app.services.document(&ctx, orphan).await.unwrap_err();
    assert!(matches!(err, ServiceError::NotFound("document")), "{err:?}");

    // Young orphans survive (their transaction may still be open); old ones go, committed files stay.
    assert_eq!(app.services.prune_orphan_documents(chrono::Duration::hours(1)).await.unwrap(), 0);
    assert!(orphan_path.exists());
    age(&orphan_path, Duration::from_secs(2 * 3600));
    let kept_path = app.services.document_path(kept.id);
    age(&kept_path, Duration::from_secs(2 * 3600));
    // A temp file left by a crash mid-write is swept too.
    let stale_tmp = kept_path.parent().unwrap().join(format!(".{}.tmp", Uuid::now_v7()));
    std::fs::write(&stale_tmp, b"partial").unwrap();
    age(&stale_tmp, Duration::from_secs(2 * 3600));

    assert_eq!(app.services.prune_orphan_documents(chrono::Duration::hours(1)).await.unwrap(), 2);
    assert!(!orphan_path.exists() && !stale_tmp.exists());
    assert!(kept_path.exists());
    let (_, bytes) = app.services.document(&ctx, kept.id).await.expect("kept document still reads");
    assert_eq!(bytes, PDF);
}
