//! The one migration set, shared by SQLite and PostgreSQL. Tables are declared with sea-query so each
//! engine gets its own DDL; the few engine-specific statements (append-only triggers) branch on the
//! backend inside the migration.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_orders;
mod m0003_shipments;
mod m0004_finance;
mod m0005_edi;
mod m0006_forecast;
mod schema;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_orders::Migration),
            Box::new(m0003_shipments::Migration),
            Box::new(m0004_finance::Migration),
            Box::new(m0005_edi::Migration),
            Box::new(m0006_forecast::Migration),
        ]
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &crate::Db) -> Result<(), DbErr> {
    Migrator::up(&db.conn, None).await
}

/// Number of migrations not yet applied (0 means the schema is current; `/readyz` checks it).
pub async fn pending(db: &crate::Db) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations(&db.conn).await?.len())
}
