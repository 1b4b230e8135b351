//! Vendor adapters: how one outbox row's payload reaches one vendor. The worker knows only the
//! trait; each kind of vendor is one file behind it.
pub mod http_post;
pub mod outbound;

use app::entities::{outbox, vendor};
use app::outbox::state::Outcome;

/// Delivers one outbox row to its vendor and classifies what happened. Must not panic and must
/// give up by itself (a timeout is a transient outcome).
#[async_trait::async_trait]
pub trait VendorAdapter: Send + Sync {
    async fn deliver(&self, vendor: &vendor::Model, row: &outbox::Model) -> Outcome;
}
