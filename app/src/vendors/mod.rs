//! HMIS vendors a CoC pushes to (DESIGN.md 6). Each kind has its own payload format and
//! authentication; the server's `vendors` module holds one adapter per kind.

stored_enum! {
    /// Stored in `vendors.kind` by name (a CHECK constraint lists them, m0012).
    pub enum VendorKind {
        /// Bitfocus Clarity Human Services.
        Clarity = "clarity",
        /// WellSky Community Services.
        Wellsky = "wellsky",
        /// Eccovia ClientTrack.
        Clienttrack = "clienttrack",
        /// The HUD HMIS API shape.
        HudApi = "hud_api",
        /// A CoC's own HTTPS endpoint.
        Custom = "custom",
    }
}

impl VendorKind {
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
