//! The transactional outbox of HMIS pushes (DESIGN.md 5): one row per vendor delivery, with the
//! payload fixed at enqueue time. This module holds the row's life as pure decisions; the
//! database side and the worker follow them.
pub mod state;
#[cfg(feature = "ssr")]
pub mod ssr;
