//! Azurite, Microsoft's Azure Storage emulator (npm `azurite`, installed with the end-to-end
//! packages), as the Azure Blob peer: only its blob service, on a loopback port, in memory. Each
//! test gets its own; it is stopped when dropped. The tests create containers and read blobs back
//! through the REST API with a Shared Key signature of their own (written from the service's
//! documentation, not the product's code, so the two check each other).
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};

/// The emulator's well-known development account.
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

pub struct Azurite {
    child: Child,
    pub port: u16,
}

impl Azurite {
    pub fn start() -> Azurite {
        let main = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../end2end/node_modules/azurite/dist/src/blob/main.js");
        assert!(main.exists(), "Azurite is missing: run scripts/setup --test (npm azurite in end2end/)");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("node")
            .arg(&main)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .args(["--inMemoryPersistence", "--disableTelemetry", "--silent"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start azurite (node)");
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "azurite did not start on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Azurite { child, port }
    }

    /// The container's URL, path-style as the emulator serves it.
    pub fn container_url(&self, container: &str) -> String {
        format!("http://127.0.0.1:{}/{AZURITE_ACCOUNT}/{container}", self.port)
    }

    /// A signed request to `url` (whose path starts with the account, path-style).
    async fn signed(&self, method: reqwest::Method, url: &str) -> reqwest::Response {
        let url = reqwest::Url::parse(url).unwrap();
        let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let mut canonical_query: Vec<(String, String)> =
            url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        canonical_query.sort();
        let mut to_sign = format!(
            "{method}\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:2021-08-06\n/{AZURITE_ACCOUNT}{}",
            url.path()
        );
        for (k, v) in canonical_query {
            to_sign.push_str(&format!("\n{k}:{v}"));
        }
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&B64.decode(AZURITE_KEY).unwrap()).unwrap();
        mac.update(to_sign.as_bytes());
        let auth = format!("SharedKey {AZURITE_ACCOUNT}:{}", B64.encode(mac.finalize().into_bytes()));
        reqwest::Client::new()
            .request(method, url)
            .header("x-ms-date", date)
            .header("x-ms-version", "2021-08-06")
            .header("Authorization", auth)
            .header("Content-Length", "0")
            .send()
            .await
            .expect("ask azurite")
    }

    /// A container SAS token with `permissions` (e.g. "cw"), valid for a day.
    pub fn container_sas(&self, container: &str, permissions: &str) -> String {
        let expiry = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let resource = format!("/blob/{AZURITE_ACCOUNT}/{container}");
        // sp, st, se, resource, si, sip, spr, sv, sr, snapshot time, ses, rscc, rscd, rsce, rscl, rsct
        let fields = [permissions, "", &expiry, &resource, "", "", "", "2021-08-06", "c", "", "", "", "", "", "", ""];
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&B64.decode(AZURITE_KEY).unwrap()).unwrap();
        mac.update(fields.join("\n").as_bytes());
        let sig: String =
            url::form_urlencoded::byte_serialize(B64.encode(mac.finalize().into_bytes()).as_bytes()).collect();
        let se: String = url::form_urlencoded::byte_serialize(expiry.as_bytes()).collect();
        format!("sv=2021-08-06&sr=c&sp={permissions}&se={se}&sig={sig}")
    }

    pub async fn create_container(&self, container: &str) {
        let res =
            self.signed(reqwest::Method::PUT, &format!("{}?restype=container", self.container_url(container))).await;
        assert_eq!(res.status().as_u16(), 201, "create container: {}", res.text().await.unwrap_or_default());
    }

    /// A blob's bytes and its stored Content-MD5, or None when there is no such blob.
    pub async fn blob(&self, container: &str, name: &str) -> Option<(Vec<u8>, String)> {
        let res = self.signed(reqwest::Method::GET, &format!("{}/{name}", self.container_url(container))).await;
        if res.status().as_u16() == 404 {
            return None;
        }
        assert_eq!(res.status().as_u16(), 200, "get blob");
        let md5 = res.headers().get("content-md5").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        Some((res.bytes().await.unwrap().to_vec(), md5))
    }

    /// The names of the blobs in `container`.
    pub async fn blob_names(&self, container: &str) -> Vec<String> {
        let res = self
            .signed(reqwest::Method::GET, &format!("{}?restype=container&comp=list", self.container_url(container)))
            .await;
        let xml = res.text().await.unwrap();
        xml.split("<Name>").skip(1).filter_map(|s| s.split("</Name>").next()).map(str::to_string).collect()
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
