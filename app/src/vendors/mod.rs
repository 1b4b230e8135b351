//! HMIS vendors a CoC pushes to (DESIGN.md 6). Each kind has its own payload format and
//! authentication; the server's `vendors` module holds one adapter per kind.
#[cfg(feature = "ssr")]
use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};

/// Stored in `vendors.kind` as its snake_case name (a CHECK constraint lists them, m0012).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum VendorKind {
    /// Bitfocus Clarity Human Services.
    Clarity,
    /// WellSky Community Services.
    Wellsky,
    /// Eccovia ClientTrack.
    Clienttrack,
    /// The HUD HMIS API shape.
    HudApi,
    /// A CoC's own HTTPS endpoint.
    Custom,
}

impl VendorKind {
    pub const ALL: [VendorKind; 5] =
        [VendorKind::Clarity, VendorKind::Wellsky, VendorKind::Clienttrack, VendorKind::HudApi, VendorKind::Custom];

    pub fn as_str(self) -> &'static str {
        match self {
            VendorKind::Clarity => "clarity",
            VendorKind::Wellsky => "wellsky",
            VendorKind::Clienttrack => "clienttrack",
            VendorKind::HudApi => "hud_api",
            VendorKind::Custom => "custom",
        }
    }

    /// The name an admin knows it by.
    pub fn label(self) -> &'static str {
        match self {
            VendorKind::Clarity => "Bitfocus Clarity",
            VendorKind::Wellsky => "WellSky",
            VendorKind::Clienttrack => "Eccovia ClientTrack",
            VendorKind::HudApi => "HUD HMIS API",
            VendorKind::Custom => "Custom endpoint",
        }
    }
}
