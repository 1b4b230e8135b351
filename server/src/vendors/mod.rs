//! Vendor adapters: how one outbox row's payload reaches one vendor. The worker knows only the
//! trait; each kind of vendor is one file behind it.
pub mod http_post;
pub mod outbound;

use std::sync::Arc;

use app::entities::{outbox, vendor};
use app::outbox::state::Outcome;
use app::vendors::VendorKind;

/// Delivers one outbox row to its vendor and classifies what happened. Must not panic and must
/// give up by itself (a timeout is a transient outcome).
#[async_trait::async_trait]
pub trait VendorAdapter: Send + Sync {
    async fn deliver(&self, vendor: &vendor::Model, row: &outbox::Model) -> Outcome;
}

/// The adapter for each kind of vendor: the one place a kind is wired to how it is delivered.
/// Every kind posts the HMIS CSV zip over HTTPS for now; each gets its own format and
/// authentication with issue 17, and file transports (SFTP, Azure Blob) with issue 18.
#[derive(Clone)]
pub struct Adapters {
    https_post: Arc<dyn VendorAdapter>,
}

impl Adapters {
    /// `https_post` delivers to the HTTPS kinds (the worker's `HttpPost`, or a test's stand-in).
    pub fn new(https_post: Arc<dyn VendorAdapter>) -> Adapters {
        Adapters { https_post }
    }

    pub fn for_kind(&self, kind: VendorKind) -> &dyn VendorAdapter {
        match kind {
            VendorKind::Clarity
            | VendorKind::Wellsky
            | VendorKind::Clienttrack
            | VendorKind::HudApi
            | VendorKind::Custom => self.https_post.as_ref(),
        }
    }
}
