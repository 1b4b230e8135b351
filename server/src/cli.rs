//! The command line: `serve`, `worker`, `migrate`, `create-admin`, `seed-demo`, `export`,
//! `vendor`, `push`, `rotate-secrets`, `simulate-vendor`.
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "hmis-bridge", version, about = "HMIS Bridge: shelter bed counts to HMIS vendors")]
pub struct Cli {
    /// Settings file (TOML). Environment variables HMIS_* and DATABASE_URL override it.
    #[arg(long, global = true, env = "HMIS_CONFIG", default_value = "hmis-bridge.toml")]
    pub config: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve the web app and deliver pushes until Ctrl-C or SIGTERM.
    Serve,
    /// Apply migrations, then only deliver pushes (an extra replica on the same database).
    Worker {
        /// Deliver what is due now, then exit (for scripts and tests).
        #[arg(long)]
        drain: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Create an administrator and print a one-time password.
    ///
    /// Without --tenant the user is a platform admin (manages CoCs); with --tenant SLUG a CoC
    /// admin of that CoC, with DV access.
    CreateAdmin {
        /// Email address the admin signs in with.
        #[arg(long)]
        email: String,
        /// The admin's name as shown in the app.
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// Short name of the CoC; omit for a platform admin.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Create (or complete) the demo CoC, its users and shelters, then print the demo logins.
    /// Idempotent.
    SeedDemo {
        /// Also give the CoC a demo vendor that pushes to the vendor simulator at this address
        /// (`simulate-vendor`), e.g. http://127.0.0.1:3900. Needs `vendor_allow_loopback`.
        #[arg(long)]
        simulator: Option<String>,
    },
    /// Write the HMIS CSV FY2026 zip of a CoC's current data (the HMIS Export tab's download).
    Export {
        /// Short name of the CoC.
        #[arg(long)]
        tenant: String,
        /// The zip file to write (replaced if it exists).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        export: ExportArgs,
    },
    /// Set up HMIS vendors from a script: add, list, test the connection, change the mode.
    /// Secrets come from environment variables, never from the command line.
    Vendor {
        #[command(subcommand)]
        command: VendorCommand,
    },
    /// Queue a push of the CoC's current export to its vendors in test or live mode (a vendor in
    /// test mode gets a test push).
    Push {
        /// Short name of the CoC.
        #[arg(long)]
        tenant: String,
        /// Only this vendor (by name); all vendors in test or live mode without it.
        #[arg(long)]
        vendor: Option<String>,
        /// Deliver now and wait for each delivery's end; print each row's final state and exit
        /// non-zero if any was dead-lettered.
        #[arg(long)]
        wait: bool,
        #[command(flatten)]
        export: ExportArgs,
    },
    /// Make, list and revoke a CoC's API tokens (docs/api.md). A new token's secret is printed
    /// once; only its hash is kept.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Write a consistent copy of the SQLite database to a new file while the server runs
    /// (SQLite's VACUUM INTO). For PostgreSQL use pg_dump (docs/operations.md, "Backups").
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        out: PathBuf,
    },
    /// Seal every vendor secret again under the current secret key, after rotating it (the old
    /// key goes in `previous_secret_keys` until this has run).
    RotateSecrets,
    /// Run the vendor simulator: a stand-in HMIS vendor on loopback that takes uploads, answers
    /// slowly, fails at a given rate and counts repeats by idempotency key (demo and tests).
    SimulateVendor {
        /// Address to listen on (port 0 picks a free one; the address is printed).
        #[arg(long, default_value = "127.0.0.1:3900")]
        listen: SocketAddr,
        /// Share of uploads answered 503, from 0 to 1.
        #[arg(long, default_value_t = 0.0)]
        failure_rate: f64,
        /// Each answer waits a random time up to twice this many milliseconds.
        #[arg(long, default_value_t = 0)]
        delay_ms: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token and print its secret (once).
    Create {
        /// Short name of the CoC.
        #[arg(long)]
        tenant: String,
        /// What the token is for, unique among the CoC's live tokens (e.g. the system using it).
        #[arg(long)]
        name: String,
        /// `read`, or `bed-counts` (read, and feed the bed counts of the --shelter projects).
        #[arg(long)]
        scope: String,
        /// The HMIS ProjectID of a shelter a bed-counts token may feed (repeat for more).
        #[arg(long = "shelter")]
        shelters: Vec<String>,
    },
    /// List the CoC's tokens: name, scope, shelters, made, last used, revoked (never a secret).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Revoke the CoC's live token of that name: it opens nothing from now on.
    Revoke {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum VendorCommand {
    /// Add a vendor (in test mode unless --mode says otherwise).
    Add(Box<VendorAdd>),
    /// List a CoC's vendors with their mode, kind, endpoints and last test.
    List {
        /// Short name of the CoC.
        #[arg(long)]
        tenant: String,
    },
    /// Test the connection to a vendor (reachability, TLS, credentials) without sending data.
    Test {
        #[arg(long)]
        tenant: String,
        /// The vendor's name.
        #[arg(long)]
        name: String,
    },
    /// Switch a vendor to test, live or off (off cancels what waits).
    Mode {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        /// test, live or off.
        #[arg(long)]
        mode: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct VendorAdd {
    /// Short name of the CoC.
    #[arg(long)]
    pub tenant: String,
    /// The vendor's name, unique in the CoC.
    #[arg(long)]
    pub name: String,
    /// clarity, clienttrack, hud-api or custom.
    #[arg(long)]
    pub kind: String,
    /// The production endpoint (https://...).
    #[arg(long)]
    pub url: String,
    /// The test endpoint, if the vendor has one.
    #[arg(long)]
    pub test_url: Option<String>,
    /// A custom header whose value is in an environment variable: NAME=VAR (repeatable).
    #[arg(long = "header-env", value_name = "NAME=VAR")]
    pub header_env: Vec<String>,
    /// The API user (HTTP Basic: Clarity, HUD HMIS API).
    #[arg(long)]
    pub user: Option<String>,
    /// The environment variable holding the API password.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// The environment variable holding the ClientTrack API key.
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// The environment variable holding the ClientTrack subscription key.
    #[arg(long, value_name = "VAR")]
    pub subscription_key_env: Option<String>,
    /// ClientTrack's OrgId header.
    #[arg(long)]
    pub org_id: Option<String>,
    /// For custom endpoints: hmis_csv_zip (default) or inventory_v1.
    #[arg(long)]
    pub format: Option<String>,
    /// Push every N minutes while live.
    #[arg(long, value_name = "N", conflicts_with = "daily_at")]
    pub every_minutes: Option<u32>,
    /// Push daily at this local time (HH:MM in the CoC's time zone) while live.
    #[arg(long, value_name = "HH:MM")]
    pub daily_at: Option<String>,
    /// A support contact, "name; email; phone" (repeatable).
    #[arg(long)]
    pub contact: Vec<String>,
    /// test (default), live or off.
    #[arg(long, default_value = "test")]
    pub mode: String,
    /// SFTP: an OpenSSH private key file to sign in with (stored encrypted, like every secret).
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// SFTP: the environment variable holding the private key's passphrase.
    #[arg(long, value_name = "VAR")]
    pub key_passphrase_env: Option<String>,
    /// SFTP: connect now and pin the host key the server presents, printing its fingerprint
    /// (compare it with the one the vendor gave you).
    #[arg(long)]
    pub accept_host_key: bool,
    /// Azure Blob (custom endpoints, --url https://ACCOUNT.blob.core.windows.net/CONTAINER): the
    /// environment variable holding a SAS token.
    #[arg(long, value_name = "VAR")]
    pub sas_env: Option<String>,
    /// Azure Blob: the environment variable holding the storage account key.
    #[arg(long, value_name = "VAR")]
    pub account_key_env: Option<String>,
    /// What the vendor gets of the DV shelters: `aggregate` (default) or `none` (for HMIS Leads
    /// that already hold the VSP projects as descriptor-only records).
    #[arg(long, value_name = "POLICY")]
    pub dv_policy: Option<String>,
    /// Also write the client-level FY2026 files (header only) into the zip, for importers that
    /// require the whole file set.
    #[arg(long)]
    pub client_files: bool,
    /// Encrypt payloads to this OpenPGP public key (an armored key file the vendor gave you).
    #[arg(long, value_name = "PATH")]
    pub pgp_key_file: Option<PathBuf>,
    /// File destinations: the environment variable holding the password of an AES-256 zip to
    /// deliver the payload in.
    #[arg(long, value_name = "VAR")]
    pub zip_password_env: Option<String>,
    /// File destinations: the file name, with {coc}, {date}, {key} and {ext}.
    #[arg(long, value_name = "PATTERN")]
    pub file_name: Option<String>,
}

/// The export's parameters (docs/hmis-export.md): as of a date, for a report period.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ExportArgs {
    /// Count the inventory in effect on this date, YYYY-MM-DD (default: today in the CoC's time
    /// zone); for the HIC, the PIT night.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// The report period's first day (Export.csv ExportStartDate; default: the as-of date).
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// The report period's last day (ExportEndDate; default: the as-of date).
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
}

impl ExportArgs {
    pub fn query(&self) -> app::hmis::ExportQuery {
        app::hmis::ExportQuery { as_of: self.as_of.clone(), start: self.start.clone(), end: self.end.clone() }
    }
}
