//! Small column builders so table definitions read like the data model, and the enum CHECK helper
//! (enums are stored as TEXT with a CHECK constraint on both engines).

use sea_orm_migration::prelude::*;

pub fn id(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().to_owned()
}
pub fn txt(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}
pub fn txt_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}
pub fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}
pub fn int_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().to_owned()
}
pub fn date(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).date().not_null().to_owned()
}
pub fn date_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).date().null().to_owned()
}
pub fn boolean(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().to_owned()
}
pub fn ts(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().not_null().to_owned()
}
pub fn ts_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().null().to_owned()
}

/// TEXT NOT NULL restricted to `values`.
pub fn one_of(name: &'static str, values: &[&'static str]) -> ColumnDef {
    ColumnDef::new(name).text().not_null().check(Expr::col(name).is_in(values.iter().copied())).to_owned()
}

pub fn pk(cols: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    for c in cols {
        idx.col(*c);
    }
    idx.to_owned()
}

pub fn index(table: &'static str, name: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(*c);
    }
    if unique {
        idx.unique();
    }
    idx.to_owned()
}

pub fn fk(name: &'static str, from: (&'static str, &[&'static str]), to: (&'static str, &[&'static str])) -> ForeignKeyCreateStatement {
    let mut f = ForeignKey::create();
    f.name(name).from_tbl(from.0).to_tbl(to.0);
    for c in from.1 {
        f.from_col(*c);
    }
    for c in to.1 {
        f.to_col(*c);
    }
    f.to_owned()
}
