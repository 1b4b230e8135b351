//! HMIS vendors a CoC pushes to (DESIGN.md 6): their kinds, modes, payload formats, contacts and
//! secrets. `form` checks what an admin (or the command line) enters; `ssr` keeps vendors and
//! their sealed secrets; the server's `vendors` module holds one adapter per kind.
#[cfg(feature = "ssr")]
pub mod address;
#[cfg(feature = "ssr")]
pub mod admin;
pub mod api;
#[cfg(feature = "ssr")]
pub mod form;
#[cfg(feature = "ssr")]
pub mod pgp;
#[cfg(feature = "ssr")]
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use serde::{Deserialize, Serialize};

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

    /// The kinds an admin can add.
    pub const OFFERED: &'static [VendorKind] =
        &[VendorKind::Clarity, VendorKind::Wellsky, VendorKind::Clienttrack, VendorKind::HudApi, VendorKind::Custom];

    /// How this kind can be reached; the first is its default.
    pub fn transports(self) -> &'static [Transport] {
        match self {
            VendorKind::Clarity | VendorKind::Clienttrack | VendorKind::HudApi => &[Transport::Https],
            VendorKind::Wellsky => &[Transport::Sftp],
            VendorKind::Custom => &[Transport::Https, Transport::Sftp, Transport::AzureBlob],
        }
    }

    /// The name the command line takes (`hud-api`).
    pub fn cli_name(self) -> &'static str {
        match self {
            VendorKind::HudApi => "hud-api",
            other => other.as_str(),
        }
    }

    /// The payload formats this kind can take; the first is its default.
    pub fn formats(self) -> &'static [PayloadFormat] {
        match self {
            VendorKind::Clarity | VendorKind::Wellsky => &[PayloadFormat::HmisCsvZip],
            VendorKind::Clienttrack => &[PayloadFormat::InventoryV1],
            VendorKind::HudApi => &[PayloadFormat::HudCsvExport],
            VendorKind::Custom => &[PayloadFormat::HmisCsvZip, PayloadFormat::InventoryV1],
        }
    }

    /// The secrets a vendor of this kind must have over HTTPS (custom headers are the admin's
    /// choice); over SFTP a password or a private key (`Transport::Sftp`).
    pub fn required_secrets(self) -> &'static [SecretField] {
        match self {
            VendorKind::Clarity | VendorKind::HudApi => &[SecretField::Password],
            VendorKind::Clienttrack => &[SecretField::SubscriptionKey, SecretField::ApiKey],
            VendorKind::Wellsky | VendorKind::Custom => &[],
        }
    }

    /// Whether the vendor signs in with an API user and password (HTTP Basic).
    pub fn uses_basic_auth(self) -> bool {
        matches!(self, VendorKind::Clarity | VendorKind::HudApi)
    }
}

stored_enum! {
    /// How a vendor is reached, in `vendors.transport` (a CHECK constraint lists them, m0014).
    pub enum Transport {
        /// An HTTPS POST (each kind's format and auth).
        Https = "https",
        /// A file uploaded by SFTP (to a temporary name, then renamed).
        Sftp = "sftp",
        /// A block blob in Azure Blob Storage.
        AzureBlob = "azure_blob",
    }
}

impl Transport {
    pub fn label(self) -> &'static str {
        match self {
            Transport::Https => "HTTPS POST",
            Transport::Sftp => "SFTP",
            Transport::AzureBlob => "Azure Blob Storage",
        }
    }

    /// Whether it delivers a file with a name (the name pattern applies).
    pub fn is_file(self) -> bool {
        self != Transport::Https
    }
}

/// The file name pattern of file destinations when none is set: the CoC, the date and the
/// delivery's idempotency key, so a repeated delivery overwrites its own file.
pub const DEFAULT_FILE_NAME: &str = "hmis-{coc}-{date}-{key}.{ext}";

/// A file name from `pattern`: `{coc}` the CoC code, `{date}` the export's date (YYYYMMDD),
/// `{key}` the idempotency key, `{ext}` the payload's extension.
pub fn file_name(pattern: &str, coc: &str, date: &str, key: &str, ext: &str) -> String {
    pattern.replace("{coc}", coc).replace("{date}", date).replace("{key}", key).replace("{ext}", ext)
}

stored_enum! {
    /// What a vendor receives of the DV shelters (DESIGN.md 4.2), in `vendors.dv_policy`.
    pub enum DvPolicy {
        /// The DV aggregate projects, cell by cell above the thresholds (the default).
        Aggregate = "aggregate",
        /// Nothing DV: for HMIS Leads that already hold the VSP projects as descriptor-only
        /// records, so the aggregate would count their beds twice.
        None = "none",
    }
}

impl DvPolicy {
    pub fn label(self) -> &'static str {
        match self {
            DvPolicy::Aggregate => "DV aggregate",
            DvPolicy::None => "nothing DV",
        }
    }
}

stored_enum! {
    /// Where a vendor is in its go-live (DESIGN.md 6), in `vendors.mode`.
    pub enum VendorMode {
        /// "Push now" goes to the test endpoint; nothing is scheduled.
        Test = "test",
        /// The production endpoint, schedule on.
        Live = "live",
        /// Nothing is sent; what waits is cancelled.
        Off = "off",
    }
}

impl VendorMode {
    pub fn label(self) -> &'static str {
        match self {
            VendorMode::Test => "Test",
            VendorMode::Live => "Live",
            VendorMode::Off => "Off",
        }
    }
}

stored_enum! {
    /// What a vendor receives, in `vendors.payload_format` and, fixed at enqueue, in `outbox`.
    pub enum PayloadFormat {
        /// The HMIS CSV FY2026 zip.
        HmisCsvZip = "hmis_csv_zip",
        /// Our JSON inventory contract (`hmis::json::inventory_v1`).
        InventoryV1 = "inventory_v1",
        /// The HUD HMIS API's `/csvexport` shape (`hmis::json::hud_csvexport`).
        HudCsvExport = "hud_csvexport",
    }
}

impl PayloadFormat {
    pub fn label(self) -> &'static str {
        match self {
            PayloadFormat::HmisCsvZip => "HMIS CSV FY2026 zip",
            PayloadFormat::InventoryV1 => "JSON inventory records (HMIS Bridge contract)",
            PayloadFormat::HudCsvExport => "JSON in the HUD HMIS API's csvexport shape",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PayloadFormat::HmisCsvZip => "application/zip",
            PayloadFormat::InventoryV1 | PayloadFormat::HudCsvExport => "application/json",
        }
    }

    /// The file extension of a payload in this format.
    pub fn extension(self) -> &'static str {
        match self {
            PayloadFormat::HmisCsvZip => "zip",
            PayloadFormat::InventoryV1 | PayloadFormat::HudCsvExport => "json",
        }
    }

    /// Whether it is a JSON document (and so pinned to a contract version).
    pub fn is_json(self) -> bool {
        self != PayloadFormat::HmisCsvZip
    }
}

stored_enum! {
    /// Which of a vendor's endpoints a delivery goes to, fixed when it is queued.
    pub enum DeliveryTarget {
        Production = "production",
        Test = "test",
    }
}

/// The settings form. Secret fields are write-only: empty keeps what is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorForm {
    pub name: String,
    pub kind: String,
    pub endpoint_url: String,
    #[serde(default)]
    pub test_endpoint_url: String,
    /// `off`, `interval` or `daily`.
    #[serde(default)]
    pub schedule: String,
    #[serde(default)]
    pub interval_minutes: String,
    /// `HH:MM`, the CoC's local time.
    #[serde(default)]
    pub daily_at: String,
    /// Only custom endpoints choose (zip or JSON); every other kind has one.
    #[serde(default)]
    pub payload_format: String,
    #[serde(default)]
    pub auth_user: String,
    #[serde(default)]
    pub org_id: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub api_key: String,
    #[serde(default)]
    pub subscription_key: String,
    /// A custom header to add or replace (custom endpoints).
    #[serde(default)]
    pub header_name: String,
    #[serde(default)]
    pub header_value: String,
    /// One contact per line: `name; email; phone`.
    #[serde(default)]
    pub contacts: String,
    /// `https` or `sftp` (custom endpoints choose; other kinds have one).
    #[serde(default)]
    pub transport: String,
    #[serde(default)]
    pub file_name_pattern: String,
    /// SFTP: an OpenSSH private key and its passphrase (write-only).
    #[serde(default)]
    pub private_key: String,
    #[serde(default)]
    pub key_passphrase: String,
    /// Azure Blob: a SAS token or the account key (write-only).
    #[serde(default)]
    pub sas_token: String,
    #[serde(default)]
    pub account_key: String,
    /// File destinations: the password of an AES-256 zip to deliver in (write-only).
    #[serde(default)]
    pub zip_password: String,
    /// An armored OpenPGP public key to encrypt payloads to; empty for none.
    #[serde(default)]
    pub pgp_public_key: String,
    /// `aggregate` (default) or `none`: what the vendor gets of the DV shelters.
    #[serde(default)]
    pub dv_policy: String,
    /// A checkbox: also write the client-level FY2026 files, header only.
    #[serde(default)]
    pub client_files: Option<String>,
}

/// The header that marks a test push, so a vendor without a test endpoint can tell it apart.
pub const TEST_HEADER: &str = "X-HMIS-Bridge-Test";

/// A support contact: the contact tree an integration agreement names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// A vendor's contacts, stored as a JSON list in a text column.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
#[serde(transparent)]
pub struct Contacts(pub Vec<Contact>);

impl std::str::FromStr for Contacts {
    type Err = serde_json::Error;

    fn from_str(stored: &str) -> Result<Self, Self::Err> {
        serde_json::from_str(stored)
    }
}

impl std::fmt::Display for Contacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| std::fmt::Error)?)
    }
}

/// One secret of a vendor. Stored by name in `vendor_secrets`, sealed for the vendor and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SecretField {
    /// The HTTP Basic password of the API user (Clarity, HUD HMIS API).
    Password,
    /// ClientTrack's `Authorization: ApiKey ...`.
    ApiKey,
    /// ClientTrack's `Ocp-Apim-Subscription-Key`.
    SubscriptionKey,
    /// A custom request header's value (custom endpoints), by header name.
    Header(String),
    /// An SSH private key (OpenSSH format) for SFTP.
    PrivateKey,
    /// The private key's passphrase.
    KeyPassphrase,
    /// An Azure shared access signature (the query string the storage account issues).
    SasToken,
    /// An Azure storage account key (base64).
    AccountKey,
    /// The password of the AES-256 zip a file destination receives.
    ZipPassword,
}

impl SecretField {
    /// The name in `vendor_secrets.name`.
    pub fn stored_name(&self) -> String {
        match self {
            SecretField::Password => "password".into(),
            SecretField::ApiKey => "api_key".into(),
            SecretField::SubscriptionKey => "subscription_key".into(),
            SecretField::Header(name) => format!("header:{name}"),
            SecretField::PrivateKey => "private_key".into(),
            SecretField::KeyPassphrase => "key_passphrase".into(),
            SecretField::SasToken => "sas_token".into(),
            SecretField::AccountKey => "account_key".into(),
            SecretField::ZipPassword => "zip_password".into(),
        }
    }

    pub fn from_stored(name: &str) -> Option<SecretField> {
        match name {
            "password" => Some(SecretField::Password),
            "api_key" => Some(SecretField::ApiKey),
            "subscription_key" => Some(SecretField::SubscriptionKey),
            "private_key" => Some(SecretField::PrivateKey),
            "key_passphrase" => Some(SecretField::KeyPassphrase),
            "sas_token" => Some(SecretField::SasToken),
            "account_key" => Some(SecretField::AccountKey),
            "zip_password" => Some(SecretField::ZipPassword),
            _ => name.strip_prefix("header:").map(|h| SecretField::Header(h.to_string())),
        }
    }

    /// Whether its value travels as an HTTP header's.
    pub fn in_header(&self) -> bool {
        matches!(self, SecretField::ApiKey | SecretField::SubscriptionKey | SecretField::Header(_))
    }

    /// The same field: header names compare without case, as HTTP does.
    pub fn same(&self, other: &SecretField) -> bool {
        match (self, other) {
            (SecretField::Header(a), SecretField::Header(b)) => a.eq_ignore_ascii_case(b),
            _ => self == other,
        }
    }

    /// What the admin sees (never the value).
    pub fn label(&self) -> String {
        match self {
            SecretField::Password => "Password".into(),
            SecretField::ApiKey => "API key".into(),
            SecretField::SubscriptionKey => "Subscription key".into(),
            SecretField::Header(name) => format!("Header {name}"),
            SecretField::PrivateKey => "Private key".into(),
            SecretField::KeyPassphrase => "Key passphrase".into(),
            SecretField::SasToken => "SAS token".into(),
            SecretField::AccountKey => "Account key".into(),
            SecretField::ZipPassword => "Zip password".into(),
        }
    }

    /// The form field that carries it.
    pub fn field(&self) -> &'static str {
        match self {
            SecretField::Password => "password",
            SecretField::ApiKey => "api_key",
            SecretField::SubscriptionKey => "subscription_key",
            SecretField::Header(_) => "header_value",
            SecretField::PrivateKey => "private_key",
            SecretField::KeyPassphrase => "key_passphrase",
            SecretField::SasToken => "sas_token",
            SecretField::AccountKey => "account_key",
            SecretField::ZipPassword => "zip_password",
        }
    }
}

/// A vendor's settings that are not secret: what the form sets, the page shows and the database
/// keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorSetup {
    pub name: String,
    pub kind: VendorKind,
    pub transport: Transport,
    pub endpoint_url: String,
    pub test_endpoint_url: Option<String>,
    pub push_interval_minutes: Option<i32>,
    pub push_daily_at: Option<String>,
    pub payload_format: PayloadFormat,
    pub json_version: Option<i32>,
    pub auth_user: Option<String>,
    pub org_id: Option<String>,
    pub contacts: Contacts,
    pub file_name_pattern: Option<String>,
    /// The armored public key payloads are encrypted to (any vendor).
    pub pgp_public_key: Option<String>,
    pub dv_policy: DvPolicy,
    pub client_files: bool,
}

/// A vendor as its settings page shows it: never a secret's value, only which are set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorView {
    pub id: String,
    pub mode: VendorMode,
    pub setup: VendorSetup,
    /// The secrets that are set (their labels: "Password", "Header X-Api-Key").
    pub secrets_set: Vec<SecretField>,
    /// "2026-11-23 18:02 UTC", whether it passed, and what it found.
    pub last_test: Option<(String, bool, String)>,
    /// SFTP: the pinned host key's fingerprint, and one the server presented instead.
    pub host_key_pinned: Option<String>,
    pub host_key_offered: Option<String>,
    /// PGP: the key's fingerprint, user id and expiry (or why it cannot be used now).
    pub pgp: Option<Result<(String, String, String), String>>,
}

/// What a connection test found: whether the endpoint is reachable (over TLS or SSH) and took the
/// credentials, in words an admin can act on, and an SFTP server's host key fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checked {
    pub ok: bool,
    pub detail: String,
    pub host_key: Option<String>,
}

impl Checked {
    pub fn failed(detail: impl Into<String>) -> Checked {
        Checked { ok: false, detail: detail.into(), host_key: None }
    }
}

impl VendorView {
    /// The schedule as a sentence.
    pub fn schedule_text(&self) -> String {
        match (self.setup.push_interval_minutes, &self.setup.push_daily_at) {
            (Some(m), _) => format!("every {m} minutes while live"),
            (None, Some(at)) => format!("daily at {at} (CoC time) while live"),
            (None, None) => "by hand only".into(),
        }
    }
}

/// One entry of a vendor's history (mode changes, settings, tests), newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorEvent {
    pub at: String,
    /// The user's name, or "command line".
    pub by: String,
    pub action: String,
    pub detail: String,
}

/// A vendor's page: its settings, its status and its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorPage {
    pub vendor: VendorView,
    pub status: crate::outbox::VendorStatus,
    pub events: Vec<VendorEvent>,
    /// Its latest delivery attempts.
    pub attempts: Vec<crate::outbox::HistoryRow>,
    /// When a test push last reached it: what the go-live confirmation shows.
    pub last_test_push: Option<String>,
    /// Its attempts of the last 24 hours and 30 days, for the status charts.
    pub charts: crate::outbox::charts::PipelineCharts,
}

/// Where the vendor pages live, in the HMIS Export area.
pub const VENDORS_PATH: &str = "/admin/hmis-export/vendors";
