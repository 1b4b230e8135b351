//! The command line: `serve`, `worker`, `migrate`, `create-admin`, `seed-demo`, `export`,
//! `simulate-vendor`.
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
    },
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
