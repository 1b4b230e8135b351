//! Sessions kept in the app's own database, so they survive restarts and are shared by replicas.
//! The signed-in user's id is copied into a column, so a user's sessions can be ended at once.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use app::auth::ssr::AUTH_KEY;
use app::entities::session as row;

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        DbSessionStore { db }
    }

    /// Remove expired sessions; returns how many.
    pub async fn delete_expired(&self) -> Result<u64, sea_orm::DbErr> {
        let result = row::Entity::delete_many()
            .filter(row::Column::ExpiresAt.lt(Utc::now()))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected)
    }
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn expires_at(record: &Record) -> DateTime<Utc> {
    let t = record.expiry_date;
    DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_else(Utc::now)
}

fn user_id(record: &Record) -> Option<i64> {
    record.data.get(AUTH_KEY)?.get("user_id")?.as_i64()
}

fn to_row(record: &Record) -> session_store::Result<row::ActiveModel> {
    Ok(row::ActiveModel {
        id: Set(record.id.to_string()),
        user_id: Set(user_id(record)),
        data: Set(serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?),
        expires_at: Set(expires_at(record)),
    })
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // 128-bit random ids collide practically never; regenerate if one does.
        while row::Entity::find_by_id(record.id.to_string()).one(&self.db).await.map_err(backend)?.is_some() {
            record.id = Id::default();
        }
        row::Entity::insert(to_row(record)?).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }

    /// Update only: a session deleted meanwhile (sign-out elsewhere, password change,
    /// deactivation) stays deleted even when a request that loaded it finishes afterwards.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        row::Entity::update_many()
            .set(to_row(record)?)
            .filter(row::Column::Id.eq(record.id.to_string()))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let found = row::Entity::find_by_id(id.to_string())
            .filter(row::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await
            .map_err(backend)?;
        let Some(found) = found else { return Ok(None) };
        let data = serde_json::from_str(&found.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(found.expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        row::Entity::delete_by_id(id.to_string()).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}
