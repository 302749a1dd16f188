//! Point-forecast methods. Each takes a history (oldest first) and returns a fitted model that
//! can forecast `h` steps ahead.
