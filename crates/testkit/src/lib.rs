//! Test support (dev-only): a fresh database per test cloned from a migrated template, a running
//! ACORN server on a real socket with a cookie-keeping HTTP client, fixtures, and the real-browser
//! driver.

pub mod app;
pub mod barcode;
pub mod browser;
pub mod db;

pub use app::{TestApp, UserFx, VendorFx, call, gtin_for, http, shipment_input};
