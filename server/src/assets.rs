//! The site's files under `site_root`: the wasm, its JavaScript and the stylesheet in `/pkg/`.
//!
//! A deployment build (`LEPTOS_HASH_FILES=true cargo leptos build --release --precompress`) names
//! each of them after its content (`hmis-bridge.<md5>.wasm`; `hash.txt` beside the binary lists
//! the hashes) and leaves a brotli and a gzip copy beside each file. Here:
//! - a browser that accepts brotli or gzip gets that copy (`Content-Encoding`, `Vary`); a debug
//!   build, which has no copies, is served as it is;
//! - a name that carries its content hash is cached for a year ([`cache_hashed_files`]); every
//!   other file keeps the `no-cache` that `headers::security_headers` gives static files, and is
//!   revalidated with `If-Modified-Since`;
//! - pages link the hashed names when `hash.txt` names files that are in the site (or as
//!   `LEPTOS_HASH_FILES` says), and a link written without the hash (the stylesheet) is served the
//!   hashed file;
//! - any other path or method gets `not_found`: the app's own "not found" page.
use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::Response;
use leptos::config::LeptosOptions;
use tower::{Service, ServiceBuilder};
use tower_http::services::ServeDir;
use tower_http::services::fs::ServeFileSystemResponseBody;

/// For a file whose name carries its content hash: that name never gets other content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Length of cargo-leptos's file hash: an MD5 digest in unpadded URL-safe base64.
const HASH_LEN: usize = 22;

/// Where the site's files are, and which unhashed paths stand for hashed files.
#[derive(Clone, Debug)]
pub struct SiteFiles {
    root: PathBuf,
    /// `/pkg/hmis-bridge.css` -> `/pkg/hmis-bridge.<hash>.css` (and the same for js and wasm).
    aliases: Arc<HashMap<String, String>>,
}

impl SiteFiles {
    /// Reads `hash.txt` beside the running binary and turns `options.hash_files` on when the
    /// files it names are in the site. `LEPTOS_HASH_FILES`, when set, decides instead.
    pub fn detect(options: &mut LeptosOptions) -> SiteFiles {
        let root = PathBuf::from(options.site_root.as_ref());
        let pkg = options.site_pkg_dir.to_string();
        let hash_file = std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.join(options.hash_file.as_ref())))
            .and_then(|path| std::fs::read_to_string(path).ok());
        let hashed = hash_file.map(|text| hashed_names(&text, &options.output_name)).unwrap_or_default();
        let present = !hashed.is_empty() && hashed.iter().all(|(_, name)| root.join(&pkg).join(name).is_file());
        if std::env::var_os("LEPTOS_HASH_FILES").is_none() {
            options.hash_files = present;
        }
        let aliases = if options.hash_files && present {
            hashed.into_iter().map(|(plain, name)| (format!("/{pkg}/{plain}"), format!("/{pkg}/{name}"))).collect()
        } else {
            HashMap::new()
        };
        SiteFiles { root, aliases: Arc::new(aliases) }
    }

    /// Whether pages link content-hashed names (so the files are cached for a year).
    pub fn hashed(&self) -> bool {
        !self.aliases.is_empty()
    }

    /// The files, precompressed where a copy exists, and `not_found` for everything else.
    pub fn service<F>(
        &self,
        not_found: F,
    ) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + Sync + 'static
    where
        F: Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + Sync + 'static,
    {
        let files = ServeDir::new(&self.root)
            .precompressed_br()
            .precompressed_gzip()
            .append_index_html_on_directories(false)
            .call_fallback_on_method_not_allowed(true)
            .fallback(not_found);
        let aliases = self.aliases.clone();
        ServiceBuilder::new()
            .map_request(move |request: Request| resolve_alias(&aliases, request))
            .map_response(|response: Response<ServeFileSystemResponseBody>| vary_by_encoding(response.map(Body::new)))
            .service(files)
    }
}

/// `hash.txt` (`js: <hash>` per line) as (unhashed, hashed) file names.
fn hashed_names(text: &str, output_name: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(ext, hash)| (ext.trim(), hash.trim()))
        .filter(|(ext, hash)| matches!(*ext, "js" | "wasm" | "css") && is_hash(hash))
        .map(|(ext, hash)| (format!("{output_name}.{ext}"), format!("{output_name}.{hash}.{ext}")))
        .collect()
}

fn is_hash(s: &str) -> bool {
    s.len() == HASH_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `hmis-bridge.<hash>.wasm`: the part before the extension is a content hash.
fn is_content_hashed(file_name: &str) -> bool {
    let mut parts = file_name.rsplit('.');
    let (_ext, hash, stem) = (parts.next(), parts.next(), parts.next());
    stem.is_some_and(|s| !s.is_empty()) && hash.is_some_and(is_hash)
}

fn resolve_alias(aliases: &HashMap<String, String>, mut request: Request) -> Request {
    if let Some(target) = aliases.get(request.uri().path()) {
        let target = match request.uri().query() {
            Some(query) => format!("{target}?{query}"),
            None => target.clone(),
        };
        if let Ok(uri) = target.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// A file's answer depends on `Accept-Encoding` (a cache must not give brotli to a client that
/// did not ask for it); the app's pages are not cached at all.
fn vary_by_encoding(mut response: Response) -> Response {
    let is_file = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_file && !is_page {
        response.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Outside `headers::security_headers`, which marks every static file `no-cache`: a file under
/// `prefix` whose name carries its content hash may be kept for a year without asking again.
pub async fn cache_hashed_files(State(prefix): State<Arc<str>>, request: Request, next: Next) -> Response {
    let hashed = request
        .uri()
        .path()
        .strip_prefix(prefix.as_ref())
        .and_then(|rest| Path::new(rest).file_name()?.to_str())
        .is_some_and(is_content_hashed);
    let mut response = next.run(request).await;
    let served = matches!(response.status(), StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED);
    if hashed && served {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    }
    response
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;
    use tower::ServiceExt;

    use super::*;

    const HASHES: &str = "js: A2T1f7_y-rvpQe0gwyjvGg\nwasm: 9Tw6R8Hvg0n4GnwXOttLmg\ncss: pKEHU0jBj2t9z-pGrgX7YA\n";

    #[test]
    fn the_hash_file_names_the_hashed_js_wasm_and_css() {
        let names = hashed_names(HASHES, "hmis-bridge");
        assert_eq!(names.len(), 3, "{names:?}");
        assert!(names.contains(&("hmis-bridge.css".into(), "hmis-bridge.pKEHU0jBj2t9z-pGrgX7YA.css".into())));
        assert!(hashed_names("js: not-a-hash\nsplit: A2T1f7_y-rvpQe0gwyjvGg\n", "x").is_empty());
    }

    #[test]
    fn only_names_with_a_content_hash_are_immutable() {
        assert!(is_content_hashed("hmis-bridge.9Tw6R8Hvg0n4GnwXOttLmg.wasm"));
        assert!(is_content_hashed("hmis-bridge.A2T1f7_y-rvpQe0gwyjvGg.js"));
        assert!(!is_content_hashed("hmis-bridge.wasm"));
        assert!(!is_content_hashed("hmis-bridge.css"));
        assert!(!is_content_hashed(".9Tw6R8Hvg0n4GnwXOttLmg.wasm"));
        assert!(!is_content_hashed("hmis-bridge.9Tw6R8Hvg0n4GnwXOttLm.wasm"));
    }

    #[tokio::test]
    async fn a_browser_that_accepts_brotli_gets_the_brotli_copy_and_others_the_file() {
        let root = std::env::temp_dir().join(format!("hmis-assets-{}-{}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        std::fs::write(root.join("pkg/app.9Tw6R8Hvg0n4GnwXOttLmg.js"), "plain").unwrap();
        std::fs::write(root.join("pkg/app.9Tw6R8Hvg0n4GnwXOttLmg.js.br"), "brotli").unwrap();
        let aliases = HashMap::from([("/pkg/app.js".to_string(), "/pkg/app.9Tw6R8Hvg0n4GnwXOttLmg.js".to_string())]);
        let files = SiteFiles { root: root.clone(), aliases: Arc::new(aliases) };
        let not_found =
            tower::service_fn(|_: Request| async { Ok::<_, Infallible>(StatusCode::NOT_FOUND.into_response()) });
        let get = |path: &str, encoding: &str| {
            Request::get(path).header(header::ACCEPT_ENCODING, encoding).body(Body::empty()).unwrap()
        };

        let br = files.service(not_found).oneshot(get("/pkg/app.9Tw6R8Hvg0n4GnwXOttLmg.js", "gzip, br")).await.unwrap();
        assert_eq!(br.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(br.headers()[header::VARY], "accept-encoding");
        assert_eq!(br.headers()[header::CONTENT_TYPE], "text/javascript");
        let plain = files.service(not_found).oneshot(get("/pkg/app.js", "gzip")).await.unwrap();
        assert_eq!(plain.status(), StatusCode::OK, "the unhashed name is served the hashed file");
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let missing = files.service(not_found).oneshot(get("/pkg/other.js", "br")).await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let post = Request::post("/pkg/app.js").body(Body::empty()).unwrap();
        assert_eq!(files.service(not_found).oneshot(post).await.unwrap().status(), StatusCode::NOT_FOUND);
        std::fs::remove_dir_all(root).unwrap();
    }
}
