//! ACORN's integration suite: real server on a real socket, real database (SQLite by default,
//! PostgreSQL when TEST_DATABASE_URL is set), real HTTP client, real browser. One binary so the
//! suite links once.

mod access;
mod api;
mod audit;
mod auth;
mod browser;
mod documents;
mod edi_flow;
mod edi_gateway;
mod finance_api;
mod finance_ui;
mod forecast_data;
mod forecast_run;
mod forecast_suggestions;
mod forecast_view;
mod idempotency;
mod invoices;
mod labels;
mod ops;
mod order_jobs;
mod orders_api;
mod orders_ui;
mod payments;
mod portal;
mod returns;
mod shipments_api;
mod shipments_ui;
mod support;
mod ui_access;
