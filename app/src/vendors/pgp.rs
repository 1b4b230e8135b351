//! OpenPGP for vendors that want payloads encrypted to a public key they supply (pure Rust,
//! rPGP). `inspect` checks a pasted key as the settings form needs it (one public key, its
//! self-signatures valid, not revoked or expired, with a subkey that may encrypt) and tells what
//! the admin should compare with the vendor: fingerprint, user id, expiry. `encrypt` writes a
//! binary OpenPGP message (SEIPD version 1 with AES-256, which GnuPG reads) to that key's usable
//! encryption subkeys.
use chrono::{DateTime, Utc};
use pgp::composed::{Deserializable, MessageBuilder, SignedPublicKey, SignedPublicSubKey};
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{Signature, SignatureType};
use pgp::types::{KeyDetails, Timestamp};

/// What the settings page shows of a vendor's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgpKey {
    /// Upper-case hex, as `gpg --fingerprint` prints it without spaces.
    pub fingerprint: String,
    pub user_id: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

fn secs(t: Timestamp) -> i64 {
    i64::from(t.as_secs())
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// The newest of `sigs` (a newer self-signature supersedes older ones).
fn newest<'a>(sigs: impl IntoIterator<Item = &'a Signature>) -> Option<&'a Signature> {
    sigs.into_iter().max_by_key(|s| s.created().map(secs).unwrap_or(0))
}

/// One armored public key, its self-signatures checked. The error is the fix, for the form.
fn parse(armored: &str) -> Result<SignedPublicKey, String> {
    let t = armored.trim();
    if t.contains("PRIVATE KEY BLOCK") {
        return Err("this is a private key: paste the vendor's public key (never a private one).".into());
    }
    if !t.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----") {
        return Err("paste the armored public key, from -----BEGIN PGP PUBLIC KEY BLOCK----- to its END line.".into());
    }
    let (keys, _) = SignedPublicKey::from_string_many(t).map_err(|e| format!("the key does not read ({e})."))?;
    let mut keys: Vec<SignedPublicKey> =
        keys.collect::<Result<_, _>>().map_err(|e| format!("the key does not read ({e})."))?;
    if keys.len() != 1 {
        return Err(format!("paste one public key; this holds {}.", keys.len()));
    }
    let key = keys.remove(0);
    key.verify_bindings()
        .map_err(|e| format!("its self-signatures do not verify ({e}); ask the vendor for a fresh export."))?;
    Ok(key)
}

/// The key's primary user id and its expiry (from the direct-key signature, else the primary
/// user's newest self-certification).
fn describe(key: &SignedPublicKey) -> PgpKey {
    let created = secs(key.created_at());
    let mut best: Option<(bool, i64, String, &Signature)> = None;
    for user in &key.details.users {
        let certifications = user.signatures.iter().filter(|s| {
            matches!(
                s.typ(),
                Some(
                    SignatureType::CertGeneric
                        | SignatureType::CertPersona
                        | SignatureType::CertCasual
                        | SignatureType::CertPositive
                )
            )
        });
        let Some(sig) = newest(certifications) else { continue };
        let rank = (sig.is_primary(), sig.created().map(secs).unwrap_or(0));
        if best.as_ref().is_none_or(|b| (b.0, b.1) < rank) {
            best = Some((rank.0, rank.1, String::from_utf8_lossy(user.id.id()).into_owned(), sig));
        }
    }
    let expiry = newest(&key.details.direct_signatures).or(best.as_ref().map(|b| b.3));
    let expires_at = expiry
        .and_then(|s| s.key_expiration_time())
        .filter(|d| d.as_secs() != 0)
        .map(|d| at(created + i64::from(d.as_secs())));
    PgpKey { fingerprint: format!("{:X}", key.fingerprint()), user_id: best.map(|b| b.2), expires_at }
}

/// The subkeys that may encrypt at `now`: flagged for encryption, of an algorithm that can, not
/// revoked and not expired (by their newest binding signature).
fn encryption_subkeys(key: &SignedPublicKey, now: DateTime<Utc>) -> Vec<&SignedPublicSubKey> {
    key.public_subkeys
        .iter()
        .filter(|sk| {
            if sk.signatures.iter().any(|s| s.typ() == Some(SignatureType::SubkeyRevocation)) {
                return false;
            }
            let bindings = sk.signatures.iter().filter(|s| s.typ() == Some(SignatureType::SubkeyBinding));
            let Some(binding) = newest(bindings) else { return false };
            let flags = binding.key_flags();
            let expired = binding
                .key_expiration_time()
                .filter(|d| d.as_secs() != 0)
                .is_some_and(|d| at(secs(sk.key.created_at()) + i64::from(d.as_secs())) <= now);
            sk.key.algorithm().can_encrypt() && (flags.encrypt_comms() || flags.encrypt_storage()) && !expired
        })
        .collect()
}

/// The usable key in `armored` at `now`, described; or why it cannot be used (the fix, for the
/// form and the delivery's error).
fn usable(armored: &str, now: DateTime<Utc>) -> Result<(SignedPublicKey, PgpKey), String> {
    let key = parse(armored)?;
    let described = describe(&key);
    if !key.details.revocation_signatures.is_empty() {
        return Err("the key is revoked; ask the vendor for its current key.".into());
    }
    if let Some(expired) = described.expires_at.filter(|e| *e <= now) {
        return Err(format!("the key expired on {}; ask the vendor for its current key.", expired.format("%Y-%m-%d")));
    }
    if encryption_subkeys(&key, now).is_empty() {
        return Err("the key can only sign, not encrypt (or its encryption subkey expired); ask the vendor for a key \
                    with an encryption subkey."
            .into());
    }
    Ok((key, described))
}

/// Check a pasted public key and describe it.
pub fn inspect(armored: &str, now: DateTime<Utc>) -> Result<PgpKey, String> {
    usable(armored, now).map(|(_, described)| described)
}

/// `bytes` encrypted to `armored`'s usable encryption subkeys, as a binary OpenPGP message.
pub fn encrypt(armored: &str, bytes: Vec<u8>, now: DateTime<Utc>) -> Result<Vec<u8>, String> {
    let (key, _) = usable(armored, now)?;
    let mut rng = rand08::rngs::OsRng;
    let mut builder = MessageBuilder::from_bytes("", bytes).seipd_v1(&mut rng, SymmetricKeyAlgorithm::AES256);
    for subkey in encryption_subkeys(&key, now) {
        builder.encrypt_to_key(&mut rng, subkey).map_err(|e| format!("encrypting to the vendor's key: {e}"))?;
    }
    builder.to_vec(rng).map_err(|e| format!("encrypting to the vendor's key: {e}"))
}
