//! Security headers on every response, the per-request CSP nonce, and the request body limit.
//!
//! Every page gets a Content-Security-Policy with a fresh nonce: the only inline scripts are the
//! ones Leptos writes (the hydration loader and the serialized resources), and they carry the
//! nonce because [`provide_request_nonce`] hands it to Leptos in place of its own. Other responses
//! get a policy that allows nothing. Everything but the static files under `/pkg/` is
//! `Cache-Control: no-store` (pages, server functions with their one-time passwords, downloads).
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Largest request body accepted: forms are a few kilobytes; nothing uploads files.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The nonce of one request, in its extensions, for the page's inline scripts and its CSP.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

impl CspNonce {
    fn new() -> CspNonce {
        use base64::Engine;
        use rand::RngCore;
        let mut bytes = [0u8; 18];
        rand::rng().fill_bytes(&mut bytes);
        CspNonce(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }
}

/// In the Leptos context of a page render: replace Leptos's own nonce with this request's, so
/// `HydrationScripts` and the resource scripts carry the nonce the CSP header names.
pub fn provide_request_nonce() {
    use leptos::prelude::{provide_context, use_context};
    let nonce = use_context::<axum::http::request::Parts>().and_then(|p| p.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

/// What varies between deployments.
#[derive(Clone, Debug)]
pub struct HeaderPolicy {
    /// `Strict-Transport-Security` (only when users reach the app over https).
    pub hsts: bool,
    /// Where the static files are served, e.g. `/pkg/`.
    pub static_prefix: String,
}

/// The CSP of an HTML page. Hydration needs: the nonce for the inline loader, `'self'` for the
/// module and wasm it imports, `'wasm-unsafe-eval'` to compile the wasm, `connect-src 'self'`
/// for server functions, and `data:` images for the empty favicon.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// The CSP of everything that is not a page (JSON, files, redirects, plain-text errors).
pub const OTHER_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const HSTS: &str = "max-age=31536000; includeSubDomains";

fn is_html(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"))
}

/// The outermost layer: a nonce for the request, the headers on the response.
pub async fn security_headers(State(policy): State<HeaderPolicy>, mut request: Request, next: Next) -> Response {
    let nonce = CspNonce::new();
    request.extensions_mut().insert(nonce.clone());
    let is_static = request.uri().path().starts_with(&policy.static_prefix);
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    let csp = if is_html(headers) { page_policy(&nonce.0) } else { OTHER_POLICY.to_string() };
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).expect("a CSP is ASCII"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if policy.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    // Static files keep their names across releases, so a cache must ask again each time (it
    // gets 304 Not Modified when nothing changed). Everything else is never stored.
    let static_file = is_static && (status.is_success() || status == StatusCode::NOT_MODIFIED) && !is_html(headers);
    let cache = if static_file { "no-cache" } else { "no-store" };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// A body announced larger than [`BODY_LIMIT`] is refused before it is read; one that turns out
/// larger while streaming is cut off by `RequestBodyLimitLayer` (inside this layer).
pub async fn refuse_large_bodies(request: Request, next: Next) -> Response {
    let announced = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|n| n > BODY_LIMIT as u64) {
        tracing::warn!(http.path = request.uri().path(), http.content_length = announced, "request body too large");
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("This request is too large: the limit is {} KiB.", BODY_LIMIT / 1024),
        )
            .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_fresh_and_header_safe() {
        let (a, b) = (CspNonce::new().0, CspNonce::new().0);
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{a}");
        assert!(HeaderValue::from_str(&page_policy(&a)).is_ok());
    }

    #[test]
    fn the_page_policy_names_the_nonce_and_forbids_framing() {
        let csp = page_policy("abc");
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
