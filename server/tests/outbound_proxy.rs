//! Vendor deliveries ignore proxy settings: with HTTPS_PROXY, HTTP_PROXY and ALL_PROXY pointing
//! at a listener, an upload still goes straight to the vendor (a proxy would resolve and dial the
//! vendor's name itself, past the outbound address check). A test binary of its own, because it
//! sets process-wide environment variables; it spawns no server.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use app::outbox::state::Outcome;
use server::vendors::http_post::HttpPost;
use server::vendors::outbound::OutboundPolicy;

/// A "proxy" that counts the connections it gets and answers each with 502.
async fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut request = vec![0; 16 * 1024];
            let _ = socket.read(&mut request).await;
            let _ =
                socket.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
        }
    });
    (url, connections)
}

#[tokio::test]
async fn deliveries_go_straight_to_the_vendor_whatever_the_proxy_settings() {
    server::tls::install_crypto_provider();
    let (proxy, connections) = counting_proxy().await;
    // SAFETY: this binary's only test, and it sets the variables before anything in it reads
    // the environment (set_var is unsafe in Rust 2024 because another thread might read it).
    unsafe {
        for name in ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            std::env::set_var(name, &proxy);
        }
        for name in ["NO_PROXY", "no_proxy", "REQUEST_METHOD"] {
            std::env::remove_var(name);
        }
    }
    let vendor = MockServer::start().await;
    Mock::given(method("POST")).and(path("/upload")).respond_with(ResponseTemplate::new(200)).mount(&vendor).await;
    let url = format!("{}/upload", vendor.uri());

    // The settings work: a client that reads them goes through the "proxy".
    let proxied = reqwest::Client::new().post(&url).body("zip").send().await.unwrap();
    assert_eq!((proxied.status().as_u16(), connections.load(Ordering::SeqCst)), (502, 1), "the proxy is in use");

    let post = HttpPost::new(Duration::from_secs(10), OutboundPolicy { allow_loopback: true }).unwrap();
    let outcome = post.send(&url, "push-1", b"zip".to_vec()).await;

    assert_eq!(outcome, Outcome::Delivered);
    assert_eq!(connections.load(Ordering::SeqCst), 1, "the delivery did not go through the proxy");
    let received = vendor.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "the vendor got the upload");
    assert_eq!(received[0].headers.get("idempotency-key").unwrap(), "push-1");
}
