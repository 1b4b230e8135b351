//! API tokens (issue 21): what another system sends, as `Authorization: Bearer <secret>`, to use
//! a CoC's JSON API. A token has a name, unique among the CoC's live tokens, and a scope: `read`,
//! or `bed_counts` (read, and feed the bed counts of the shelters it names). Its secret is shown
//! once, when it is made; only its SHA-256 is kept. Every use records when it was last used; a
//! revoked token opens nothing. Made and revoked by CoC admins on the API tokens page, or by
//! `hmis-bridge token` (docs/api.md).
pub mod api;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use serde::{Deserialize, Serialize};

stored_enum! {
    /// What a token may do (`api_tokens.scope`).
    pub enum TokenScope {
        /// Read the CoC's projects and inventory as the export shows them.
        Read = "read",
        /// Read, and feed the bed counts of the token's shelters.
        BedCounts = "bed_counts",
    }
}

impl TokenScope {
    /// As the command line spells it.
    pub fn parse_cli(raw: &str) -> Option<TokenScope> {
        match raw.trim() {
            "read" => Some(TokenScope::Read),
            "bed-counts" | "bed_counts" => Some(TokenScope::BedCounts),
            _ => None,
        }
    }
}

impl TokenScope {
    pub fn label(self) -> &'static str {
        match self {
            TokenScope::Read => "Read",
            TokenScope::BedCounts => "Read and feed bed counts",
        }
    }
}

/// One token on the CoC admins' page (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    /// The token's public id.
    pub id: String,
    pub name: String,
    pub scope: TokenScope,
    /// The shelters a bed-counts token feeds: "ProjectID name".
    pub shelters: Vec<String>,
    /// The CoC's time.
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A shelter a bed-counts token may feed: active and not DV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedableShelter {
    pub project_id: String,
    pub name: String,
}

/// The API tokens page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensPage {
    pub tokens: Vec<TokenRow>,
    pub shelters: Vec<FeedableShelter>,
}
