//! Point-forecast methods. Each takes a history (oldest first) and returns a fitted model that
//! can forecast `h` steps ahead.
mod decompose;
pub mod ets;
mod optim;
pub mod theta;

pub mod adida;
pub mod average;
pub mod croston;
pub mod naive;
pub mod tsb;
