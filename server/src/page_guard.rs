//! Page access, decided before a page renders by the same rule as server functions and downloads
//! (`PageAccess::check`, from the one table in `app::access`): anonymous visitors go to sign-in,
//! users who must replace a one-time password go to the password page, and pages outside a
//! user's role render as "not found" (the same as a page that does not exist).
use axum::extract::{Request, State};
use axum::http::{Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use app::access::{Denied, PageAccess, page_access};
use app::auth::ssr::load_current_user;
use app::ssr::AppState;
use app::ui::url::encode;

/// A path that matches no route, so the app renders its "not found" page with status 404.
const NOT_FOUND_PATH: &str = "/__not_found";

/// A path with no `.` or `..` segment (also percent-encoded), no empty segment and no backslash.
/// Access is decided on the path as sent, while the app's router resolves dot segments: a path
/// like `/schemas/../admin/users` would pass as public here and render an admin page there.
fn is_plain(path: &str) -> bool {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let last = segments.len().saturating_sub(1);
    !path.contains('\\')
        && segments.iter().enumerate().all(|(i, segment)| {
            let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
            (!segment.is_empty() || i == last) && decoded != "." && decoded != ".."
        })
}

pub async fn guard_pages(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if !is_plain(&path) {
        *request.uri_mut() = Uri::from_static(NOT_FOUND_PATH);
        return next.run(request).await;
    }
    let is_page = matches!(*request.method(), Method::GET | Method::HEAD) && !path.starts_with("/api/");
    let access = page_access(&path);
    if !is_page || (access == PageAccess::Public && path != "/login") {
        return next.run(request).await;
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return next.run(request).await;
    };
    let user = match load_current_user(&session, &state).await {
        Ok(user) => user,
        Err(_) => return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    if path == "/login" {
        return match user {
            Some(_) => Redirect::to("/").into_response(),
            None => next.run(request).await,
        };
    }
    match access.check(user.as_ref().map(|u| u.visitor())) {
        Ok(()) => next.run(request).await,
        Err(Denied::SignIn) => {
            let target = request.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
            Redirect::to(&format!("/login?next={}", encode(target, b"/"))).into_response()
        }
        Err(Denied::ChangePassword) => Redirect::to("/account/password").into_response(),
        Err(Denied::NotFound) => {
            *request.uri_mut() = Uri::from_static(NOT_FOUND_PATH);
            next.run(request).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_plain;

    #[test]
    fn dot_segments_and_empty_segments_are_not_plain() {
        for plain in ["/", "/login", "/admin/users/", "/pkg/hmis-bridge.js", "/schemas/inventory-v1.schema.json"] {
            assert!(is_plain(plain), "{plain}");
        }
        for odd in [
            "/schemas/../admin/users",
            "/pkg/%2e%2e/admin/users",
            "/login/%2E./admin",
            "/./admin/users",
            "/admin/users/..",
            "//admin/users",
            "/pkg//x",
            "/pkg\\..\\admin",
        ] {
            assert!(!is_plain(odd), "{odd}");
        }
    }
}
