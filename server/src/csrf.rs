//! Cross-site request forgery protection for every state-changing request, with or without
//! JavaScript: browsers label each request with `Sec-Fetch-Site` (and `Origin`); a request that a
//! browser says came from another site is refused. Requests carrying neither header do not come
//! from a browser page, so they cannot ride on a user's cookies. Session cookies are also SameSite.
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin" | "none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let (Ok(origin), Some(Ok(host))) = (origin.to_str(), headers.get(header::HOST).map(|h| h.to_str())) else {
        return false;
    };
    origin == format!("https://{host}") || origin == format!("http://{host}")
}

pub async fn reject_cross_site(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || same_origin(request.headers()) {
        return next.run(request).await;
    }
    tracing::warn!(http.path = request.uri().path(), "cross-site request refused");
    (
        StatusCode::FORBIDDEN,
        "This request came from another site and was refused. Open HMIS Bridge directly and try again.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site"), ("origin", "http://a"), ("host", "a")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
    }

    #[test]
    fn origin_must_match_host_without_fetch_metadata() {
        assert!(same_origin(&headers(&[("origin", "http://localhost:3000"), ("host", "localhost:3000")])));
        assert!(!same_origin(&headers(&[("origin", "https://evil.example"), ("host", "localhost:3000")])));
        assert!(!same_origin(&headers(&[("origin", "null"), ("host", "localhost:3000")])));
        assert!(same_origin(&headers(&[])));
    }
}
