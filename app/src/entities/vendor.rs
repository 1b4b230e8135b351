use sea_orm::entity::prelude::*;

/// An HMIS vendor a CoC pushes to (DESIGN.md 6). Its secrets are in `vendor_secret`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "vendors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Opaque and random: what URLs, forms, JSON and exports carry instead of `id`.
    pub public_id: String,
    pub tenant_id: i64,
    pub name: String,
    pub kind: crate::vendors::VendorKind,
    /// How it is reached: HTTPS, SFTP or Azure Blob Storage.
    pub transport: crate::vendors::Transport,
    /// The production endpoint (`https://...`, or `sftp://user@host[:port]/dir`).
    pub endpoint_url: String,
    pub test_endpoint_url: Option<String>,
    /// Test, live or off (the go-live lifecycle).
    pub mode: crate::vendors::VendorMode,
    /// Push every this many minutes while live; or
    pub push_interval_minutes: Option<i32>,
    /// push once a day at this local time (`HH:MM` in the CoC's time zone) while live.
    pub push_daily_at: Option<String>,
    pub payload_format: crate::vendors::PayloadFormat,
    /// The JSON contract version the vendor is pinned to (JSON formats only).
    pub json_version: Option<i32>,
    /// The API user of HTTP Basic (Clarity, HUD HMIS API); its password is a secret.
    pub auth_user: Option<String>,
    /// ClientTrack's optional `OrgId` header.
    pub org_id: Option<String>,
    pub contacts: crate::vendors::Contacts,
    /// File destinations: the file's name, with `{coc}`, `{date}`, `{key}` and `{ext}`.
    pub file_name_pattern: Option<String>,
    /// SFTP: the server's host key fingerprint (`SHA256:...`), pinned at the first successful
    /// connection test;
    pub host_key_pinned: Option<String>,
    /// and the one it presented instead, refused until an admin accepts it.
    pub host_key_offered: Option<String>,
    /// The armored OpenPGP public key payloads are encrypted to, if the vendor asks for it.
    pub pgp_public_key: Option<String>,
    /// What the vendor gets of the DV shelters: the aggregate, or nothing DV.
    pub dv_policy: crate::vendors::DvPolicy,
    /// Also write the client-level FY2026 files, header only (importers that require them).
    pub client_files: bool,
    pub last_test_at: Option<ChronoDateTimeUtc>,
    pub last_test_ok: Option<bool>,
    pub last_test_detail: Option<String>,
    /// Set while the circuit breaker is open (see `outbox::state::Circuit`); written by the worker.
    pub circuit_open_until: Option<ChronoDateTimeUtc>,
    /// A deleted vendor stays for its history, hidden everywhere else.
    pub deleted_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl crate::ssr::scope::TenantOwned for Entity {
    fn tenant_column() -> Column {
        Column::TenantId
    }
}
