//! Named counters: the next number of a sequence (retailer item ids), bumped inside the transaction
//! that uses it, portable to every engine (no sequences, no locks: an UPDATE serialises writers).

use super::fetch_one;
use crate::error::StoreError;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

/// Returns the next value of counter `name` (1 the first time).
pub async fn next(c: &impl ConnectionTrait, name: &str) -> Result<u64, StoreError> {
    #[derive(FromQueryResult)]
    struct V {
        value: i64,
    }
    let bumped = c
        .execute(&Query::update().table("counters").value("value", Expr::col("value").add(1i64)).and_where(Expr::col("name").eq(name)).to_owned())
        .await?
        .rows_affected();
    if bumped == 0 {
        c.execute(&Query::insert().into_table("counters").columns(["name", "value"]).values_panic([name.into(), 1i64.into()]).to_owned()).await?;
        return Ok(1);
    }
    let v = fetch_one::<V>(c, &Query::select().column("value").from("counters").and_where(Expr::col("name").eq(name)).to_owned())
        .await?
        .ok_or_else(|| StoreError::corrupt(format!("counter `{name}` vanished")))?;
    u64::try_from(v.value).map_err(|_| StoreError::corrupt(format!("counter `{name}` is negative")))
}

/// Reserves `n` consecutive values of counter `name` and returns the first.
pub async fn next_block(c: &impl ConnectionTrait, name: &str, n: u64) -> Result<u64, StoreError> {
    if n == 0 {
        return Ok(0);
    }
    let first = next(c, name).await?;
    if n > 1 {
        let add = i64::try_from(n - 1).map_err(|_| StoreError::corrupt("counter block too large"))?;
        c.execute(&Query::update().table("counters").value("value", Expr::col("value").add(add)).and_where(Expr::col("name").eq(name)).to_owned()).await?;
    }
    Ok(first)
}
