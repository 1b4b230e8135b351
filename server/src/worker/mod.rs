//! The delivery worker's parts: backoff after transient failures and a circuit breaker per vendor.
pub mod backoff;
pub mod breaker;
