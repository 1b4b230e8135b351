//! Secrets at rest (DESIGN.md 6): vendor passwords, API keys and header values are sealed with
//! AES-256-GCM under a key derived from the server's secret key, and opened only to be sent.
//!
//! A sealed value is `v1.<key id>.<base64 of nonce and ciphertext>`. The key id names the server
//! secret that sealed it, so the secret can be rotated: the vault opens values sealed under the
//! previous secrets it is given, and a value under an old key can be sealed again under the
//! current one (`is_stale`). Each value is bound to what it is for (`purpose`, e.g. the vendor and the field):
//! a sealed value copied to another vendor or field does not open.
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

const VERSION: &str = "v1";
const NONCE_LEN: usize = 12;

/// One key: its id and its cipher. The id is public (it is in every sealed value).
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn derive(server_secret: &str) -> Key {
        let hkdf = Hkdf::<Sha256>::new(Some(b"hmis-bridge vault v1"), server_secret.as_bytes());
        let mut bytes = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit of 255 x 32: this cannot fail.
        hkdf.expand(b"vendor secrets", &mut bytes).expect("32 bytes is a valid HKDF-SHA256 length");
        let digest = Sha256::new().chain_update(b"hmis-bridge vault key id\0").chain_update(bytes).finalize();
        let id = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Key { id, cipher: Aes256Gcm::new(&bytes.into()) }
    }
}

/// Why a sealed value did not open. Never carries the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("the stored secret is not in a format this version reads")]
    Malformed,
    #[error("the stored secret was sealed under a server secret key this server does not have (key id {0})")]
    UnknownKey(String),
    #[error("the stored secret does not open: it was altered, or belongs to another field")]
    Corrupt,
    #[error("the secret could not be sealed")]
    Seal,
}

/// The keys of this server: the current one seals and opens, the previous ones only open.
pub struct Vault {
    current: Key,
    previous: Vec<Key>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("key_id", &self.current.id).finish_non_exhaustive()
    }
}

impl Vault {
    /// `previous` are server secrets in use before this one (for values not yet sealed again).
    pub fn new(server_secret: &SecretString, previous: &[SecretString]) -> Vault {
        Vault {
            current: Key::derive(server_secret.expose_secret()),
            previous: previous.iter().map(|s| Key::derive(s.expose_secret())).collect(),
        }
    }

    /// The id of the key new values are sealed under.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    /// Seal `plaintext` for `purpose`.
    pub fn seal(&self, purpose: &str, plaintext: &str) -> Result<String, VaultError> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload { msg: plaintext.as_bytes(), aad: purpose.as_bytes() };
        // AES-GCM refuses only messages over 64 GiB.
        let sealed = self.current.cipher.encrypt(Nonce::from_slice(&nonce), payload).map_err(|_| VaultError::Seal)?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!("{VERSION}.{}.{}", self.current.id, URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// Open a value sealed for `purpose` under this server's current or a previous key.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<SecretString, VaultError> {
        let (key_id, bytes) = parse(sealed)?;
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == key_id)
            .ok_or_else(|| VaultError::UnknownKey(key_id.to_string()))?;
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let opened = key
            .cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: purpose.as_bytes() })
            .map_err(|_| VaultError::Corrupt)?;
        String::from_utf8(opened).map(SecretString::from).map_err(|_| VaultError::Corrupt)
    }

    /// Whether `sealed` should be sealed again under the current key.
    pub fn is_stale(&self, sealed: &str) -> bool {
        parse(sealed).is_ok_and(|(key_id, _)| key_id != self.current.id)
    }
}

/// (key id, nonce and ciphertext) of a sealed value.
fn parse(sealed: &str) -> Result<(&str, Vec<u8>), VaultError> {
    let mut parts = sealed.splitn(3, '.');
    let (Some(VERSION), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(VaultError::Malformed);
    };
    if key_id.len() != 16 || !key_id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(VaultError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| VaultError::Malformed)?;
    // A nonce and at least the 16-byte tag.
    if bytes.len() < NONCE_LEN + 16 {
        return Err(VaultError::Malformed);
    }
    Ok((key_id, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    fn vault(current: &str, previous: &[&str]) -> Vault {
        Vault::new(&secret(current), &previous.iter().map(|p| secret(p)).collect::<Vec<_>>())
    }

    #[test]
    fn a_sealed_value_opens_for_its_purpose_only() {
        let v = vault("a server secret of at least thirty-two characters", &[]);
        let sealed = v.seal("vendor:abc:password", "hunter2-correct-horse").unwrap();
        assert!(!sealed.contains("hunter2"), "{sealed}");
        assert!(sealed.starts_with(&format!("v1.{}.", v.key_id())), "{sealed}");
        assert_eq!(v.open("vendor:abc:password", &sealed).unwrap().expose_secret(), "hunter2-correct-horse");
        assert_eq!(v.open("vendor:xyz:password", &sealed).unwrap_err(), VaultError::Corrupt);
        assert_eq!(v.open("vendor:abc:api_key", &sealed).unwrap_err(), VaultError::Corrupt);
        // The same value sealed twice differs (a fresh nonce each time).
        assert_ne!(v.seal("p", "same").unwrap(), v.seal("p", "same").unwrap());
    }

    #[test]
    fn altered_or_malformed_values_do_not_open() {
        let v = vault("a server secret of at least thirty-two characters", &[]);
        let sealed = v.seal("p", "value").unwrap();
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(v.open("p", &String::from_utf8(altered).unwrap()).unwrap_err(), VaultError::Corrupt);
        for bad in ["", "value", "v2.x.y", "v1.abc", "v1.abc.%%%", "v1.abc.AAAA", "v1.<script>.AAAA"] {
            assert_eq!(v.open("p", bad).unwrap_err(), VaultError::Malformed, "{bad}");
        }
        let unknown = format!("v1.0123456789abcdef.{}", sealed.rsplit('.').next().unwrap());
        assert_eq!(v.open("p", &unknown).unwrap_err(), VaultError::UnknownKey("0123456789abcdef".into()));
    }

    #[test]
    fn a_rotated_secret_still_opens_old_values_until_they_are_sealed_again() {
        let old = vault("the first server secret, thirty-two characters long", &[]);
        let sealed = old.seal("p", "value").unwrap();
        let rotated = vault(
            "the second server secret, also thirty-two long!",
            &["the first server secret, thirty-two characters long"],
        );
        assert_ne!(old.key_id(), rotated.key_id());
        assert!(rotated.is_stale(&sealed));
        assert_eq!(rotated.open("p", &sealed).unwrap().expose_secret(), "value");
        let again = rotated.seal("p", rotated.open("p", &sealed).unwrap().expose_secret()).unwrap();
        assert!(!rotated.is_stale(&again));
        let without_old = vault("the second server secret, also thirty-two long!", &[]);
        assert_eq!(without_old.open("p", &sealed).unwrap_err(), VaultError::UnknownKey(old.key_id().to_string()));
    }

    #[test]
    fn the_key_id_depends_only_on_the_secret() {
        let a = vault("a server secret of at least thirty-two characters", &[]);
        let b = vault("a server secret of at least thirty-two characters", &[]);
        assert_eq!(a.key_id(), b.key_id());
        assert_eq!(a.key_id().len(), 16);
        assert_eq!(format!("{a:?}"), format!("Vault {{ key_id: {:?}, .. }}", a.key_id()));
    }
}
