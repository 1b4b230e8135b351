//! API tokens (issue 21): what another system sends, as `Authorization: Bearer <secret>`, to use
//! a CoC's JSON API. A token has a name, unique among the CoC's live tokens, and a scope: `read`,
//! or `bed_counts` (read, and feed the bed counts of the shelters it names). Its secret is shown
//! once, when it is made; only its SHA-256 is kept. Every use records when it was last used; a
//! revoked token opens nothing. Made and revoked by `hmis-bridge token` (docs/api.md).
#[cfg(feature = "ssr")]
pub mod ssr;

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
