//! ACORN's forecasting engine: weekly demand forecasts (mean and integer quantiles) per series,
//! and the replenishment maths that turns them into order quantities.
//!
//! Pure Rust and free of IO: callers hand in numbers and get numbers back. The ACORN services
//! store and schedule; this crate only computes, so it can be tested and benchmarked on its own.

pub mod bench;
pub mod classify;
pub mod dist;
pub mod engine;
pub mod m3;
pub mod methods;
pub mod metrics;
pub mod panel;
pub mod quantile;
pub mod replenish;
pub mod season;
pub mod select;
pub mod series;

pub use classify::DemandClass;
pub use engine::{Config, Forecast, History, forecast, forecast_batch, forecast_batch_with, season_index};
pub use season::SeasonIndex;
