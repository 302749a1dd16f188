//! Forecasting schema: weekly sales history per item × DC, planning-parameter overrides per item × DC,
//! and what the forecast job writes — its runs, one packed forecast row per item × DC and run, the
//! replenishment suggestions and the vendors' supply commitments against them.
//!
//! Sales are keyed `(item_id, dc_id, week_start)` (unique), so a re-import is an upsert and the history
//! of one series is one index range. A forecast is one row, not 52: the weekly means and quantiles,
//! the engine's per-week distribution parameters and the back-test points are JSON text (the same on
//! both engines, read whole, never queried by week; docs/decisions/0005-forecasting.md); the accuracy
//! figures lists sort by are integer columns beside them. The agreement-level planning defaults live in
//! the terms body (`terms_versions.terms_json`, `planning`), which versions them with the rest of the
//! agreement: versions written before this migration read as "not set".

use super::schema::*;
use acorn_domain::forecast::{RunStatus, SuggestionOrigin, SuggestionStatus};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_forecast"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("sales_weekly")
                .col(id("id").primary_key())
                .col(id("tenant_id"))
                .col(id("item_id"))
                .col(id("dc_id"))
                .col(date("week_start"))
                .col(ColumnDef::new("units").big_integer().not_null().check(Expr::col("units").gte(0)))
                .col(ColumnDef::new("on_hand").big_integer().null().check(Expr::col("on_hand").gte(0)))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("fk_sales_weekly_item", ("sales_weekly", &["item_id"]), ("items", &["id"])))
                .foreign_key(&mut fk("fk_sales_weekly_dc", ("sales_weekly", &["dc_id"]), ("dcs", &["id"])))
                .to_owned(),
        )
        .await?;
        // The series key (and the upsert's conflict target); a series' history is one range of it.
        m.create_index(index("sales_weekly", "ux_sales_weekly_series", &["item_id", "dc_id", "week_start"], true)).await?;
        // A vendor's sales page, newest week first, keyset-paged.
        m.create_index(index("sales_weekly", "ix_sales_weekly_tenant", &["tenant_id", "week_start", "id"], false)).await?;

        m.create_table(
            Table::create()
                .table("planning_params")
                .col(id("tenant_id"))
                .col(id("item_id"))
                .col(id("dc_id"))
                .col(int_null("lead_time_weeks"))
                .col(int_null("review_weeks"))
                // τ × 10⁴ (an exact integer on both engines; at most 4 decimals are accepted).
                .col(int_null("service_target_e4"))
                .col(int_null("moq"))
                .col(int_null("max_cover_weeks"))
                .col(int_null("vmi_min"))
                .col(int_null("vmi_max"))
                .col(txt("updated_by"))
                .col(ts("updated_at"))
                .primary_key(&mut pk(&["item_id", "dc_id"]))
                .foreign_key(&mut fk("fk_planning_params_item", ("planning_params", &["item_id"]), ("items", &["id"])))
                .foreign_key(&mut fk("fk_planning_params_dc", ("planning_params", &["dc_id"]), ("dcs", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("planning_params", "ix_planning_params_tenant", &["tenant_id", "item_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("forecast_runs")
                .col(id("id").primary_key())
                .col(ts("started_at"))
                .col(ts_null("finished_at"))
                .col(date("history_end"))
                .col(one_of("status", RunStatus::TEXTS))
                .col(int("series_total"))
                .col(int("series_done"))
                .col(int("series_failed"))
                .col(int("suggestions"))
                .col(txt("message"))
                .col(txt("started_by"))
                // Progress time: a `running` run silent for long died with its process.
                .col(ts("heartbeat_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("forecast_runs", "ix_forecast_runs_started", &["started_at", "id"], false)).await?;
        // At most one run at a time, across processes: the second INSERT of a `running` row fails on
        // this partial unique index (same syntax on both engines), whoever the writer.
        m.get_connection().execute_unprepared("CREATE UNIQUE INDEX ux_forecast_runs_running ON forecast_runs (status) WHERE status = 'running'").await?;
        // The idempotency check of a run: the succeeded run for a week.
        m.create_index(index("forecast_runs", "ix_forecast_runs_week", &["history_end", "status"], false)).await?;

        m.create_table(
            Table::create()
                .table("forecasts")
                .col(id("id").primary_key())
                .col(id("run_id"))
                .col(id("tenant_id"))
                .col(id("item_id"))
                .col(id("dc_id"))
                .col(date("first_week"))
                .col(txt("method"))
                .col(txt("class"))
                // {"mean": [52 × f64], "p50": [52 × i64], "p70": …, "p80": …, "p90": …}
                .col(txt("weeks_json"))
                // The engine's per-week distribution (family and parameters), to rebuild sums over weeks.
                .col(txt("model_json"))
                // Back-test accuracy ×10⁴: the engine's MASE and RMSSE, and WAPE and bias over the
                // back-test points (what the vendor is shown).
                .col(int_null("mase_e4"))
                .col(int_null("rmsse_e4"))
                .col(int_null("wape_e4"))
                .col(int_null("bias_e4"))
                // [{"week": "2026-01-05", "actual": 12, "mean": 10.4}, …] (`forecast::BacktestPoint`)
                .col(txt("backtest_json"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("fk_forecasts_run", ("forecasts", &["run_id"]), ("forecast_runs", &["id"])))
                .foreign_key(&mut fk("fk_forecasts_item", ("forecasts", &["item_id"]), ("items", &["id"])))
                .foreign_key(&mut fk("fk_forecasts_dc", ("forecasts", &["dc_id"]), ("dcs", &["id"])))
                .to_owned(),
        )
        .await?;
        // One forecast per series and run (a re-run of the job for the same run id cannot double it).
        m.create_index(index("forecasts", "ux_forecasts_series", &["run_id", "item_id", "dc_id"], true)).await?;
        // The latest forecast of a series: the newest row of its (item, dc) range.
        m.create_index(index("forecasts", "ix_forecasts_item", &["item_id", "dc_id", "created_at"], false)).await?;
        m.create_index(index("forecasts", "ix_forecasts_tenant", &["tenant_id", "created_at", "id"], false)).await?;

        m.create_table(
            Table::create()
                .table("replenishment_suggestions")
                .col(id("id").primary_key())
                // The run that computed it; null for a vendor's VMI proposal (`origin` vmi).
                .col(ColumnDef::new("run_id").uuid().null())
                .col(one_of("origin", SuggestionOrigin::TEXTS))
                // The delivery date a VMI proposal asks for (the PO's default when approved).
                .col(date_null("delivery_on"))
                .col(id("tenant_id"))
                .col(id("item_id"))
                .col(id("dc_id"))
                // Before case pack, MOQ and cover cap; `quantity` after them.
                .col(int("raw_quantity"))
                .col(int("quantity"))
                .col(int("order_up_to"))
                .col(int("on_hand"))
                .col(int("on_order"))
                .col(int("backorders"))
                .col(int("fill_rate_e4"))
                .col(int("leftover"))
                .col(txt("explanation"))
                .col(txt("params_json"))
                .col(one_of("status", SuggestionStatus::TEXTS))
                .col(int_null("adjusted_quantity"))
                .col(ColumnDef::new("po_id").uuid().null())
                .col(txt_null("decided_by"))
                .col(ts_null("decided_at"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("fk_suggestions_run", ("replenishment_suggestions", &["run_id"]), ("forecast_runs", &["id"])))
                .foreign_key(&mut fk("fk_suggestions_item", ("replenishment_suggestions", &["item_id"]), ("items", &["id"])))
                .foreign_key(&mut fk("fk_suggestions_dc", ("replenishment_suggestions", &["dc_id"]), ("dcs", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("replenishment_suggestions", "ux_suggestions_series", &["run_id", "item_id", "dc_id"], true)).await?;
        m.create_index(index("replenishment_suggestions", "ix_suggestions_tenant", &["tenant_id", "created_at", "id"], false)).await?;
        m.create_index(index("replenishment_suggestions", "ix_suggestions_status", &["status", "created_at", "id"], false)).await?;
        // A series' suggestions (the VMI position check and the expected orders of one item).
        m.create_index(index("replenishment_suggestions", "ix_suggestions_item", &["item_id", "dc_id", "created_at"], false)).await?;

        m.create_table(
            Table::create()
                .table("supply_commitments")
                .col(id("id").primary_key())
                .col(id("suggestion_id"))
                .col(id("tenant_id"))
                .col(ColumnDef::new("quantity").big_integer().not_null().check(Expr::col("quantity").gte(0)))
                .col(date_null("available_on"))
                .col(ColumnDef::new("shortfall").big_integer().not_null().check(Expr::col("shortfall").gte(0)))
                .col(txt("reason"))
                .col(txt("committed_by"))
                .col(ts("committed_at"))
                .foreign_key(&mut fk("fk_commitments_suggestion", ("supply_commitments", &["suggestion_id"]), ("replenishment_suggestions", &["id"])))
                .to_owned(),
        )
        .await?;
        m.create_index(index("supply_commitments", "ix_commitments_suggestion", &["suggestion_id", "committed_at"], false)).await?;
        Ok(())
    }
}
