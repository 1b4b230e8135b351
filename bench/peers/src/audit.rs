//! `--audit`: every attempt also appends the row HMIS Bridge writes for it, so a peer does the
//! product's whole job and not only the POST. Issue 5 asks for every attempt to be recorded,
//! append-only (vendor, time, records, outcome, SHA-256 of the bytes sent), and the push history
//! is read from that record. The outbox keeps it in `push_audit`; built on a peer queue, the
//! handler has to write it, here in the queue's own database.
//!
//! The table is the product's `push_audit` (migrations m0004 and m0008): the same columns and
//! types, its indexes for the history and for a vendor's last failure, and its foreign keys to the
//! CoC and the vendor. The
//! product's third foreign key, to the outbox row, has no counterpart: graphile_worker deletes a
//! job when it completes, and apalis's job ids are text. The job's key stands in for the row.
//!
//! One INSERT per attempt, in its own transaction, after the POST and before the handler returns:
//! the record is durable before the queue marks the job done, as the outbox writes an attempt's
//! audit row in the transaction that records its outcome.

use sqlx::{AssertSqlSafe, PgPool, SqlitePool};

use crate::Job;

/// The CoC and the vendor every benchmark job belongs to.
const TENANT: i64 = 1;
const VENDOR: i64 = 1;

#[derive(Debug)]
pub enum AuditLog {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// The tables in either dialect: `key` is the auto-increment primary key, `int8` a 64-bit
/// integer, `time` the type the product's migrations give a timestamp with time zone.
fn schema(key: &str, int8: &str, time: &str) -> String {
    format!(
        r#"
CREATE TABLE tenants (id {key}, slug varchar(50) NOT NULL);
CREATE TABLE vendors (id {key}, tenant_id {int8} NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT);
CREATE TABLE push_audit (
    id {key},
    tenant_id {int8} NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    vendor_id {int8} NOT NULL REFERENCES vendors (id) ON DELETE RESTRICT,
    job_key varchar(200) NOT NULL,
    attempt integer NOT NULL,
    at {time} NOT NULL,
    records integer NOT NULL,
    outcome varchar(20) NOT NULL,
    detail varchar(500) NOT NULL,
    payload_sha256 varchar(64) NOT NULL
);
CREATE INDEX idx_audit_tenant_id ON push_audit (tenant_id, id);
CREATE INDEX idx_audit_vendor_failures ON push_audit (vendor_id, id) WHERE outcome <> 'delivered';
INSERT INTO tenants (id, slug) VALUES ({TENANT}, 'bench');
INSERT INTO vendors (id, tenant_id) VALUES ({VENDOR}, {TENANT});
"#
    )
}

impl AuditLog {
    /// Create the audit table (and the CoC and vendor it refers to) in the queue's database.
    pub async fn postgres(pool: &PgPool) -> anyhow::Result<AuditLog> {
        sqlx::raw_sql(AssertSqlSafe(schema("bigserial PRIMARY KEY", "bigint", "timestamptz"))).execute(pool).await?;
        Ok(AuditLog::Postgres(pool.clone()))
    }

    /// As `postgres`; the pool's connections must enforce foreign keys (sqlx's SQLite default).
    pub async fn sqlite(pool: &SqlitePool) -> anyhow::Result<AuditLog> {
        sqlx::raw_sql(AssertSqlSafe(schema(
            "integer PRIMARY KEY AUTOINCREMENT",
            "integer",
            "timestamp_with_timezone_text",
        )))
        .execute(pool)
        .await?;
        Ok(AuditLog::Sqlite(pool.clone()))
    }

    /// Append one attempt: `outcome` is "delivered" or "transient", `detail` the error if any.
    pub async fn record(&self, job: &Job, attempt: i64, outcome: &str, detail: &str) -> anyhow::Result<()> {
        let detail: String = detail.chars().take(500).collect();
        match self {
            AuditLog::Postgres(pool) => {
                sqlx::query(
                    "INSERT INTO push_audit (tenant_id, vendor_id, job_key, attempt, at, records, outcome, detail, payload_sha256) \
                     VALUES ($1, $2, $3, $4, now(), 1, $5, $6, $7)",
                )
                .bind(TENANT)
                .bind(VENDOR)
                .bind(&job.key)
                .bind(attempt as i32)
                .bind(outcome)
                .bind(detail)
                .bind(&job.sha256)
                .execute(pool)
                .await?;
            }
            AuditLog::Sqlite(pool) => {
                sqlx::query(
                    "INSERT INTO push_audit (tenant_id, vendor_id, job_key, attempt, at, records, outcome, detail, payload_sha256) \
                     VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 1, ?, ?, ?)",
                )
                .bind(TENANT)
                .bind(VENDOR)
                .bind(&job.key)
                .bind(attempt)
                .bind(outcome)
                .bind(detail)
                .bind(&job.sha256)
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Rows appended so far (the run checks there is one per attempt).
    pub async fn count(&self) -> anyhow::Result<usize> {
        let (n,): (i64,) = match self {
            AuditLog::Postgres(pool) => sqlx::query_as("SELECT COUNT(*) FROM push_audit").fetch_one(pool).await?,
            AuditLog::Sqlite(pool) => sqlx::query_as("SELECT COUNT(*) FROM push_audit").fetch_one(pool).await?,
        };
        Ok(n as usize)
    }
}
