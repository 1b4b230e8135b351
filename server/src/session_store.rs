//! Sessions kept in the app's own database, so they survive restarts and are shared by replicas.
//! The signed-in user's id is copied into a column, so a user's sessions can be ended at once.
//!
//! Only signed-in users have a row. What an anonymous visitor's session holds (the flash of a
//! plain form post, such as a failed sign-in's error) travels in a short-lived signed cookie
//! instead ([`carry_anonymous_data`]), so anonymous requests cannot grow the table.
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Map, Value};
use sha2::{Digest, Sha512};
use tower_sessions::Session;
use tower_sessions::cookie::{Cookie, CookieJar, Key, SameSite};
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
        let result = row::Entity::delete_many().filter(row::Column::ExpiresAt.lt(Utc::now())).exec(&self.db).await?;
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
    /// Only a signed-in user's session gets a row: [`carry_anonymous_data`] keeps anonymous data
    /// out of the store, and should anything slip past it, it is dropped here, not stored.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        if user_id(record).is_none() {
            tracing::warn!("an anonymous session reached the store and was not kept");
            return Ok(());
        }
        // 128-bit random ids collide practically never; regenerate if one does.
        while row::Entity::find_by_id(record.id.to_string()).one(&self.db).await.map_err(backend)?.is_some() {
            record.id = Id::default();
        }
        row::Entity::insert(to_row(record)?).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }

    /// Update only: a session deleted meanwhile (sign-out elsewhere, password change,
    /// deactivation) stays deleted even when a request that loaded it finishes afterwards.
    /// A session that lost its user (which signing out does not do: it deletes the session) is
    /// deleted rather than kept anonymous.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        if user_id(record).is_none() {
            return self.delete(&record.id).await;
        }
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

/// The cookie that carries an anonymous visitor's session data between two requests.
pub const ANONYMOUS_COOKIE: &str = "hmis_flash";
/// The session keys an anonymous visitor may hold: the flash a plain form post leaves for the
/// next render (`app::ssr::form`). Any other anonymous data is dropped, with a warning.
const ANONYMOUS_KEYS: &[&str] = &["flash"];
/// The flash is read by the page the browser is redirected to, at once; this is generous.
const ANONYMOUS_LIFETIME_SECONDS: i64 = 300;
/// Browsers keep cookies up to 4096 bytes; a flash is a sentence or two.
const ANONYMOUS_MAX_BYTES: usize = 3000;

/// Signs, reads and writes [`ANONYMOUS_COOKIE`].
#[derive(Clone)]
pub struct AnonymousCarrier {
    key: Key,
    secure: bool,
}

impl std::fmt::Debug for AnonymousCarrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnonymousCarrier").field("secure", &self.secure).finish_non_exhaustive()
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Carried {
    /// Unix seconds after which the cookie is ignored, whatever the browser does.
    exp: i64,
    data: Map<String, Value>,
}

impl AnonymousCarrier {
    /// `secret` is the server's secret key; the cookie's signing key is derived from it, apart
    /// from the session cookie's.
    pub fn new(secret: &str, secure: bool) -> AnonymousCarrier {
        let key = Key::from(&Sha512::digest(format!("hmis-bridge anonymous session data\0{secret}").as_bytes()));
        AnonymousCarrier { key, secure }
    }

    /// The data of a valid, unexpired cookie on the request.
    fn read(&self, headers: &HeaderMap) -> Option<Map<String, Value>> {
        let cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| Cookie::split_parse(v.to_string()).filter_map(Result::ok).collect::<Vec<_>>())
            .find(|c| c.name() == ANONYMOUS_COOKIE)?;
        let verified = CookieJar::new().signed(&self.key).verify(cookie.into_owned())?;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(verified.value()).ok()?;
        let carried: Carried = serde_json::from_slice(&json).ok()?;
        (carried.exp > Utc::now().timestamp()).then_some(carried.data)
    }

    fn cookie(&self, value: String) -> Cookie<'static> {
        Cookie::build((ANONYMOUS_COOKIE, value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(time::Duration::seconds(ANONYMOUS_LIFETIME_SECONDS))
            .build()
    }

    /// The `Set-Cookie` value carrying `data`, or `None` when it is too large to carry.
    fn set_cookie(&self, data: Map<String, Value>) -> Option<HeaderValue> {
        let carried = Carried { exp: Utc::now().timestamp() + ANONYMOUS_LIFETIME_SECONDS, data };
        let json = serde_json::to_vec(&carried).ok()?;
        let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        if value.len() > ANONYMOUS_MAX_BYTES {
            tracing::warn!(bytes = value.len(), "anonymous session data too large for its cookie; dropped");
            return None;
        }
        let mut jar = CookieJar::new();
        jar.signed_mut(&self.key).add(self.cookie(value));
        HeaderValue::from_str(&jar.get(ANONYMOUS_COOKIE)?.to_string()).ok()
    }

    fn remove_cookie(&self) -> HeaderValue {
        let mut cookie = self.cookie(String::new());
        cookie.make_removal();
        HeaderValue::from_str(&cookie.to_string()).expect("a cookie is a header value")
    }
}

/// Inside the session layer: an anonymous visitor's session data comes from and goes back to
/// [`ANONYMOUS_COOKIE`], and their session is emptied before the session layer would store it.
/// A signed-in user's session keeps everything in its row (data a cookie brought is moved in).
pub async fn carry_anonymous_data(State(carrier): State<AnonymousCarrier>, request: Request, next: Next) -> Response {
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return next.run(request).await;
    };
    let incoming = carrier.read(request.headers()).map(|mut data| {
        data.retain(|k, _| ANONYMOUS_KEYS.contains(&k.as_str()));
        data
    });
    if let Some(data) = &incoming
        && let Err(e) = bring_in(&session, data).await
    {
        tracing::warn!(error = %e, "could not restore anonymous session data");
    }
    let mut response = next.run(request).await;
    if !session.is_modified() {
        return response;
    }
    let outgoing = match take_anonymous(&session).await {
        Ok(outgoing) => outgoing,
        Err(e) => {
            tracing::error!(error = %e, "could not read the session");
            return response;
        }
    };
    let set_cookie = match outgoing {
        Some(data) if !data.is_empty() => (incoming.as_ref() != Some(&data))
            .then(|| carrier.set_cookie(data).unwrap_or_else(|| carrier.remove_cookie())),
        _ => incoming.is_some().then(|| carrier.remove_cookie()),
    };
    if let Some(value) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn bring_in(session: &Session, data: &Map<String, Value>) -> Result<(), tower_sessions::session::Error> {
    for (key, value) in data {
        if session.get_value(key).await?.is_none() {
            session.insert_value(key, value.clone()).await?;
        }
    }
    Ok(())
}

/// `None` for a signed-in user's session; otherwise empty the session (so nothing is stored,
/// and a stale row is deleted) and return what it held for the cookie.
async fn take_anonymous(session: &Session) -> Result<Option<Map<String, Value>>, tower_sessions::session::Error> {
    if session.get_value(AUTH_KEY).await?.is_some() {
        return Ok(None);
    }
    let mut data = Map::new();
    for key in ANONYMOUS_KEYS {
        if let Some(value) = session.remove_value(key).await? {
            data.insert(key.to_string(), value);
        }
    }
    if session.id().is_some() {
        session.flush().await?;
    } else {
        if !session.is_empty().await {
            tracing::warn!("an anonymous session held data that is not carried; dropped");
        }
        session.clear().await;
    }
    Ok(Some(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_with(set_cookie: &HeaderValue) -> HeaderMap {
        let pair = set_cookie.to_str().unwrap().split(';').next().unwrap().to_string();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&format!("other=1; {pair}")).unwrap());
        headers
    }

    fn flash() -> Map<String, Value> {
        let mut data = Map::new();
        data.insert("flash".into(), serde_json::json!([{"form": "login", "outcome": {"Err": "x"}}]));
        data
    }

    #[test]
    fn the_cookie_carries_data_it_signed() {
        let carrier = AnonymousCarrier::new("a-secret-key-of-at-least-32-characters", true);
        let cookie = carrier.set_cookie(flash()).unwrap();
        let text = cookie.to_str().unwrap();
        assert!(text.contains("HttpOnly") && text.contains("Secure") && text.contains("SameSite=Lax"), "{text}");
        assert_eq!(carrier.read(&request_with(&cookie)), Some(flash()));
        // Another key (another server secret) does not accept it.
        let other = AnonymousCarrier::new("another-secret-key-of-at-least-32-chars", true);
        assert_eq!(other.read(&request_with(&cookie)), None);
    }

    #[test]
    fn a_changed_or_expired_cookie_is_ignored() {
        let carrier = AnonymousCarrier::new("a-secret-key-of-at-least-32-characters", false);
        let cookie = carrier.set_cookie(flash()).unwrap();
        let changed = cookie.to_str().unwrap().replacen("hmis_flash=", "hmis_flash=A", 1);
        assert_eq!(carrier.read(&request_with(&HeaderValue::from_str(&changed).unwrap())), None);

        let expired = Carried { exp: Utc::now().timestamp() - 1, data: flash() };
        let value = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&expired).unwrap());
        let mut jar = CookieJar::new();
        jar.signed_mut(&carrier.key).add(carrier.cookie(value));
        let old = HeaderValue::from_str(&jar.get(ANONYMOUS_COOKIE).unwrap().to_string()).unwrap();
        assert_eq!(carrier.read(&request_with(&old)), None);
    }

    #[test]
    fn too_much_data_is_not_carried() {
        let carrier = AnonymousCarrier::new("a-secret-key-of-at-least-32-characters", false);
        let mut data = Map::new();
        data.insert("flash".into(), Value::String("x".repeat(ANONYMOUS_MAX_BYTES)));
        assert!(carrier.set_cookie(data).is_none());
    }
}
