//! A vendor's settings as typed (the settings form, the command line) and as checked: every
//! field with its own message naming the fix, nothing kept until all of it is valid.
use super::{Contact, Contacts, PayloadFormat, SecretField, Transport, VendorForm, VendorKind, VendorSetup};
use crate::error::AppError;

/// The longest secret accepted (a key, a password, a header value).
pub const SECRET_MAX: usize = 4096;
/// Custom headers a vendor may have.
pub const HEADERS_MAX: usize = 20;
/// Shortest and longest push interval, in minutes.
pub const INTERVAL_MINUTES: (i32, i32) = (5, 1440);

/// Headers the delivery itself sets or the connection needs: a custom header may not replace them.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "proxy-authorization",
    "idempotency-key",
    "x-hmis-bridge-test",
];

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::validation(field, message)
}

/// A vendor's settings, checked. `secrets` holds only the values given this time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorInput {
    pub setup: VendorSetup,
    pub secrets: Vec<(SecretField, String)>,
}

/// A kind as the form or the command line names it (`hud_api` or `hud-api`).
pub fn kind(raw: &str) -> Result<VendorKind, AppError> {
    let t = raw.trim().to_ascii_lowercase().replace('-', "_");
    match VendorKind::parse(&t) {
        Some(kind) => Ok(kind),
        None => {
            Err(invalid("kind", "Kind: choose Bitfocus Clarity, WellSky, Eccovia ClientTrack, HUD HMIS API or Custom."))
        }
    }
}

/// A secret as typed: any characters but control characters (a header value must stay one line),
/// at most `SECRET_MAX` bytes. Empty is `None` (keep what is stored). The error never repeats it.
pub fn secret(field: &str, label: &str, raw: &str) -> Result<Option<String>, AppError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    if raw.len() > SECRET_MAX {
        return Err(invalid(field, format!("{label}: use at most {SECRET_MAX} characters.")));
    }
    if raw.chars().any(char::is_control) {
        return Err(invalid(field, format!("{label}: remove line breaks and other control characters.")));
    }
    Ok(Some(raw.trim().to_string()))
}

/// A secret sent as an HTTP header's value (keys, custom headers): `secret`, and only printable
/// ASCII, which is all a header value carries intact.
pub fn header_secret(field: &str, label: &str, raw: &str) -> Result<Option<String>, AppError> {
    let value = secret(field, label, raw)?;
    if value.as_deref().is_some_and(|v| !v.chars().all(|c| c == ' ' || c.is_ascii_graphic())) {
        return Err(invalid(
            field,
            format!("{label}: use only letters, digits and ASCII punctuation, as the vendor gave it (no accents)."),
        ));
    }
    Ok(value)
}

/// A custom header's name: an HTTP token, not one the delivery sets itself.
pub fn header_name(raw: &str) -> Result<String, AppError> {
    let t = raw.trim();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if t.is_empty() || t.len() > 100 || !t.chars().all(token) {
        return Err(invalid(
            "header_name",
            "Header name: use letters, digits and dashes (at most 100), like X-Api-Key.",
        ));
    }
    if RESERVED_HEADERS.contains(&t.to_ascii_lowercase().as_str()) {
        return Err(invalid("header_name", format!("Header name: {t} is set by HMIS Bridge itself; choose another.")));
    }
    Ok(t.to_string())
}

/// `HH:MM` from 00:00 to 23:59.
pub fn daily_time(raw: &str) -> Result<String, AppError> {
    let t = raw.trim();
    let ok = t.len() == 5
        && t.as_bytes()[2] == b':'
        && t[..2].parse::<u32>().is_ok_and(|h| h < 24)
        && t[3..].parse::<u32>().is_ok_and(|m| m < 60)
        && t.bytes().enumerate().all(|(i, b)| i == 2 || b.is_ascii_digit());
    if ok { Ok(t.to_string()) } else { Err(invalid("daily_at", "Daily at: enter a time as HH:MM, like 02:30.")) }
}

/// A file name pattern: letters, digits, `.`, `-`, `_` and the placeholders, with `{key}` in it
/// (so a repeated delivery overwrites its own file and two pushes never share one).
pub fn file_name_pattern(raw: &str) -> Result<Option<String>, AppError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    // The longest name it can make: CoC codes are 6 characters, keys at most 100.
    let longest = super::file_name(t, "XX-000", "20260101", &"k".repeat(100), "json");
    let fine = t.len() <= 200
        && t.contains("{key}")
        && longest.len() <= 255
        && !longest.starts_with('.')
        && longest.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if fine {
        Ok(Some(t.to_string()))
    } else {
        Err(invalid(
            "file_name_pattern",
            format!(
                "File name: use letters, digits, dots, dashes and underscores with {{coc}}, {{date}}, {{key}} and {{ext}}, \
                 and include {{key}}, like {}.",
                super::DEFAULT_FILE_NAME
            ),
        ))
    }
}

/// A private key as pasted: an OpenSSH (or PEM) private key block. Whether it opens is found by
/// the connection test. The error never repeats it.
pub fn private_key(raw: &str) -> Result<Option<String>, AppError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let lines: Vec<&str> = t.lines().map(str::trim).collect();
    let shaped = t.len() <= 16 * 1024
        && lines.first().is_some_and(|l| l.starts_with("-----BEGIN ") && l.ends_with("PRIVATE KEY-----"))
        && lines.last().is_some_and(|l| l.starts_with("-----END ") && l.ends_with("PRIVATE KEY-----"))
        && t.chars().all(|c| c == '\n' || c == '\r' || !c.is_control());
    if !shaped {
        return Err(invalid(
            "private_key",
            "Private key: paste the whole key file, from -----BEGIN OPENSSH PRIVATE KEY----- to its END line.",
        ));
    }
    Ok(Some(lines.join("\n")))
}

/// An Azure SAS token: the query string the account issued (a leading `?` is dropped), with its
/// signature.
pub fn sas_token(raw: &str) -> Result<Option<String>, AppError> {
    let Some(t) = header_secret("sas_token", "SAS token", raw)? else { return Ok(None) };
    let t = t.trim_start_matches('?').to_string();
    if !t.contains("sig=") || t.contains(' ') {
        return Err(invalid(
            "sas_token",
            "SAS token: paste the token the storage account gave you, like sv=…&sp=cw&se=…&sig=….",
        ));
    }
    Ok(Some(t))
}

/// An Azure storage account key: base64 of 32 to 128 bytes.
pub fn account_key(raw: &str) -> Result<Option<String>, AppError> {
    let Some(t) = secret("account_key", "Account key", raw)? else { return Ok(None) };
    let b64 = t.len() >= 40 && t.len() <= 200 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b));
    if !b64 {
        return Err(invalid("account_key", "Account key: paste key1 or key2 from the storage account's Access keys."));
    }
    Ok(Some(t))
}

/// A vendor's OpenPGP public key, checked now (one key, not expired or revoked, able to encrypt);
/// empty for none.
/// The DV policy as chosen: empty is the default, the aggregate.
pub fn dv_policy(raw: &str) -> Result<super::DvPolicy, AppError> {
    match raw.trim() {
        "" => Ok(super::DvPolicy::Aggregate),
        t => super::DvPolicy::parse(t)
            .ok_or_else(|| invalid("dv_policy", "DV data: choose \"the DV aggregate\" or \"nothing DV\".")),
    }
}

pub fn pgp_public_key(raw: &str) -> Result<Option<String>, AppError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() > 64 * 1024 {
        return Err(invalid("pgp_public_key", "PGP public key: paste one key (at most 64 KiB)."));
    }
    let key = t.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
    super::pgp::inspect(&key, chrono::Utc::now())
        .map_err(|why| invalid("pgp_public_key", format!("PGP public key: {why}")))?;
    Ok(Some(key))
}

/// One contact line: `name; email; phone`, with an email or a phone.
fn contact(n: usize, line: &str) -> Result<Contact, AppError> {
    let label = format!("Contacts, line {n}");
    let parts: Vec<&str> = line.split(';').map(str::trim).collect();
    if parts.len() > 3 {
        return Err(invalid("contacts", format!("{label}: write name; email; phone (two semicolons at most).")));
    }
    let part = |i: usize| parts.get(i).copied().unwrap_or("");
    let name = crate::input::text("contacts", &label, part(0), 100, true)?.unwrap_or_default();
    let email = if part(1).is_empty() {
        String::new()
    } else {
        crate::auth::Email::parse(part(1))
            .map_err(|_| {
                invalid("contacts", format!("{label}: the email address is not valid, like name@example.org."))
            })?
            .as_str()
            .to_string()
    };
    let phone = part(2);
    let phone_ok = phone.chars().all(|c| c.is_ascii_digit() || " +-().x".contains(c))
        && phone.chars().filter(char::is_ascii_digit).count() >= 7
        && phone.len() <= 30;
    if !phone.is_empty() && !phone_ok {
        return Err(invalid("contacts", format!("{label}: the phone number should be digits, like +1 512 555 0100.")));
    }
    if email.is_empty() && phone.is_empty() {
        return Err(invalid("contacts", format!("{label}: add an email address or a phone number after the name.")));
    }
    Ok(Contact { name, email, phone: phone.to_string() })
}

/// The contacts textarea: one per line, at most 10.
pub fn contacts(raw: &str) -> Result<Contacts, AppError> {
    let lines: Vec<&str> = raw.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.len() > 10 {
        return Err(invalid("contacts", "Contacts: list at most 10."));
    }
    Ok(Contacts(lines.iter().enumerate().map(|(i, l)| contact(i + 1, l)).collect::<Result<_, _>>()?))
}

impl VendorForm {
    /// Check every field. `stored` are the secrets the vendor already has (none for a new one):
    /// a secret the kind needs must be given now or be one of them. Loopback http is allowed
    /// only when the operator allows it (demo, tests).
    pub fn parse(&self, allow_loopback: bool, stored: &[SecretField]) -> Result<VendorInput, AppError> {
        let name = crate::input::text("name", "Name", &self.name, 100, true)?.unwrap_or_default();
        let kind = kind(&self.kind)?;
        let transport = match self.transport.trim() {
            "" => kind.transports()[0],
            raw => match Transport::parse(raw) {
                Some(t) if kind.transports().contains(&t) => t,
                _ => {
                    let allowed: Vec<&str> = kind.transports().iter().map(|t| t.label()).collect();
                    return Err(invalid(
                        "transport",
                        format!("Delivery: a {} vendor is reached by {}.", kind.label(), allowed.join(" or ")),
                    ));
                }
            },
        };
        let endpoint = |raw: &str| match transport {
            Transport::Sftp => super::address::sftp_endpoint(raw, allow_loopback),
            Transport::AzureBlob => super::address::azure_container(raw, allow_loopback).map(|c| c.url),
            Transport::Https => super::address::endpoint(raw, allow_loopback),
        };
        let endpoint_url = endpoint(&self.endpoint_url)
            .map_err(|why| invalid("endpoint_url", format!("Production endpoint: {why}")))?
            .to_string();
        let test_endpoint_url = if self.test_endpoint_url.trim().is_empty() {
            None
        } else {
            let url = endpoint(&self.test_endpoint_url)
                .map_err(|why| invalid("test_endpoint_url", format!("Test endpoint: {why}")))?
                .to_string();
            Some(url)
        };
        let (push_interval_minutes, push_daily_at) = match self.schedule.trim() {
            "" | "off" => (None, None),
            "interval" => {
                let (lo, hi) = INTERVAL_MINUTES;
                match self.interval_minutes.trim().parse::<i32>() {
                    Ok(m) if (lo..=hi).contains(&m) => (Some(m), None),
                    _ => {
                        return Err(invalid(
                            "interval_minutes",
                            format!("Every N minutes: enter a whole number from {lo} to {hi}."),
                        ));
                    }
                }
            }
            "daily" => (None, Some(daily_time(&self.daily_at)?)),
            _ => return Err(invalid("schedule", "Schedule: choose off, every N minutes or daily.")),
        };
        let payload_format = match self.payload_format.trim() {
            "" => kind.formats()[0],
            raw => match PayloadFormat::parse(raw) {
                Some(f) if kind.formats().contains(&f) => f,
                _ => {
                    let allowed: Vec<&str> = kind.formats().iter().map(|f| f.label()).collect();
                    return Err(invalid(
                        "payload_format",
                        format!("Payload: a {} vendor takes {}.", kind.label(), allowed.join(" or ")),
                    ));
                }
            },
        };
        let auth_user = if kind.uses_basic_auth() && transport == Transport::Https {
            let user = crate::input::text("auth_user", "API user", &self.auth_user, 200, true)?;
            if user.as_deref().is_some_and(|u| u.contains(':')) {
                return Err(invalid("auth_user", "API user: remove the colon (HTTP Basic cannot carry it)."));
            }
            user
        } else {
            None
        };
        let org_id = if kind == VendorKind::Clienttrack {
            let org = crate::input::text("org_id", "OrgId", &self.org_id, 100, false)?;
            if org.as_deref().is_some_and(|o| !o.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')) {
                return Err(invalid("org_id", "OrgId: use the letters, digits and dashes ClientTrack gave you."));
            }
            org
        } else {
            None
        };
        let mut secrets = Vec::new();
        if transport == Transport::Sftp {
            if let Some(password) = secret("password", "Password", &self.password)? {
                secrets.push((SecretField::Password, password));
            }
            if let Some(key) = private_key(&self.private_key)? {
                secrets.push((SecretField::PrivateKey, key));
            }
            if let Some(passphrase) = secret("key_passphrase", "Key passphrase", &self.key_passphrase)? {
                secrets.push((SecretField::KeyPassphrase, passphrase));
            }
            let has = |f: &SecretField| secrets.iter().any(|(given, _)| given == f) || stored.contains(f);
            if !has(&SecretField::Password) && !has(&SecretField::PrivateKey) {
                return Err(invalid(
                    "password",
                    "Password: an SFTP destination needs the user's password or a private key; enter one.",
                ));
            }
        }
        if transport == Transport::AzureBlob {
            if let Some(sas) = sas_token(&self.sas_token)? {
                secrets.push((SecretField::SasToken, sas));
            }
            if let Some(key) = account_key(&self.account_key)? {
                secrets.push((SecretField::AccountKey, key));
            }
            let has = |f: &SecretField| secrets.iter().any(|(given, _)| given == f) || stored.contains(f);
            if !has(&SecretField::SasToken) && !has(&SecretField::AccountKey) {
                return Err(invalid(
                    "sas_token",
                    "SAS token: an Azure Blob destination needs a SAS token or the account key; enter one.",
                ));
            }
        }
        if transport.is_file()
            && let Some(password) = secret("zip_password", "Zip password", &self.zip_password)?
        {
            if password.chars().count() < 8 {
                return Err(invalid("zip_password", "Zip password: use at least 8 characters."));
            }
            secrets.push((SecretField::ZipPassword, password));
        }
        for (field, raw) in [
            (SecretField::Password, &self.password),
            (SecretField::ApiKey, &self.api_key),
            (SecretField::SubscriptionKey, &self.subscription_key),
        ] {
            let check = if field.in_header() { header_secret } else { secret };
            if transport == Transport::Https
                && kind.required_secrets().contains(&field)
                && let Some(value) = check(field.field(), &field.label(), raw)?
            {
                secrets.push((field, value));
            }
        }
        let custom_https = kind == VendorKind::Custom && transport == Transport::Https;
        if custom_https && !(self.header_name.trim().is_empty() && self.header_value.trim().is_empty()) {
            let name = header_name(&self.header_name)?;
            let value = header_secret("header_value", &format!("Header {name}"), &self.header_value)?
                .ok_or_else(|| invalid("header_value", format!("Header {name}: enter its value.")))?;
            if !stored.iter().any(|s| matches!(s, SecretField::Header(h) if h.eq_ignore_ascii_case(&name)))
                && stored.iter().filter(|s| matches!(s, SecretField::Header(_))).count() >= HEADERS_MAX
            {
                return Err(invalid(
                    "header_name",
                    format!("Header name: a vendor has at most {HEADERS_MAX} headers."),
                ));
            }
            secrets.push((SecretField::Header(name), value));
        }
        let needed_here = if transport == Transport::Https { kind.required_secrets() } else { &[] };
        for needed in needed_here {
            if !secrets.iter().any(|(f, _)| f == needed) && !stored.contains(needed) {
                return Err(invalid(
                    needed.field(),
                    format!(
                        "{}: a {} vendor needs it; enter the one the vendor gave you.",
                        needed.label(),
                        kind.label()
                    ),
                ));
            }
        }
        let setup = VendorSetup {
            name,
            kind,
            transport,
            endpoint_url,
            test_endpoint_url,
            push_interval_minutes,
            push_daily_at,
            payload_format,
            json_version: payload_format.is_json().then_some(crate::hmis::json::CURRENT_VERSION),
            auth_user,
            org_id,
            contacts: contacts(&self.contacts)?,
            file_name_pattern: if transport.is_file() { file_name_pattern(&self.file_name_pattern)? } else { None },
            pgp_public_key: pgp_public_key(&self.pgp_public_key)?,
            dv_policy: dv_policy(&self.dv_policy)?,
            client_files: crate::users::checkbox(&self.client_files),
        };
        Ok(VendorInput { setup, secrets })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clarity() -> VendorForm {
        VendorForm {
            name: "Clarity".into(),
            kind: "clarity".into(),
            endpoint_url: "https://api-demo.clarityhs.example/import".into(),
            auth_user: "bridge".into(),
            password: "s3cret pass".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_form_is_accepted_with_the_kinds_format() {
        let input = clarity().parse(false, &[]).unwrap();
        assert_eq!(input.setup.payload_format, PayloadFormat::HmisCsvZip);
        assert_eq!(input.secrets, vec![(SecretField::Password, "s3cret pass".into())]);
        assert_eq!(input.setup.json_version, None);
    }

    #[test]
    fn each_mistake_names_its_field_and_never_repeats_a_secret() {
        let cases: Vec<(VendorForm, &str)> = vec![
            (VendorForm { name: " ".into(), ..clarity() }, "name"),
            (VendorForm { kind: "wellsky".into(), ..clarity() }, "endpoint_url"),
            (VendorForm { kind: "sharepoint".into(), ..clarity() }, "kind"),
            (VendorForm { endpoint_url: "http://api.example/import".into(), ..clarity() }, "endpoint_url"),
            (VendorForm { endpoint_url: "https://10.0.0.8/import".into(), ..clarity() }, "endpoint_url"),
            (VendorForm { test_endpoint_url: "ftp://x.example/".into(), ..clarity() }, "test_endpoint_url"),
            (VendorForm { schedule: "interval".into(), interval_minutes: "2".into(), ..clarity() }, "interval_minutes"),
            (VendorForm { schedule: "daily".into(), daily_at: "25:00".into(), ..clarity() }, "daily_at"),
            (VendorForm { payload_format: "inventory_v1".into(), ..clarity() }, "payload_format"),
            (VendorForm { auth_user: String::new(), ..clarity() }, "auth_user"),
            (VendorForm { password: String::new(), ..clarity() }, "password"),
            (VendorForm { password: "line\nbreak".into(), ..clarity() }, "password"),
            (
                VendorForm { endpoint_url: "https://api.example/import?token=s3cret".into(), ..clarity() },
                "endpoint_url",
            ),
            (VendorForm { contacts: "Ana Ruiz; not-an-email".into(), ..clarity() }, "contacts"),
            (VendorForm { contacts: "Ana Ruiz".into(), ..clarity() }, "contacts"),
        ];
        for (form, field) in cases {
            let err = form.parse(false, &[]).unwrap_err();
            assert_eq!(err.field(), Some(field), "{form:?}: {err}");
            assert!(!err.to_string().contains("s3cret") && !err.to_string().contains("line\nbreak"), "{err}");
        }
    }

    #[test]
    fn a_stored_secret_need_not_be_typed_again() {
        let form = VendorForm { password: String::new(), ..clarity() };
        assert!(form.parse(false, &[SecretField::Password]).unwrap().secrets.is_empty());
    }

    #[test]
    fn clienttrack_needs_both_keys_and_custom_headers_are_checked() {
        let ct = VendorForm {
            name: "CT".into(),
            kind: "clienttrack".into(),
            endpoint_url: "https://api.clienttrack.example/inventory".into(),
            subscription_key: "sub".into(),
            org_id: "ORG-7".into(),
            ..Default::default()
        };
        assert_eq!(ct.parse(false, &[]).unwrap_err().field(), Some("api_key"));
        let ok = VendorForm { api_key: "key".into(), ..ct.clone() }.parse(false, &[]).unwrap();
        assert_eq!(ok.setup.payload_format, PayloadFormat::InventoryV1);
        assert_eq!(ok.setup.json_version, Some(1));
        assert_eq!(ok.setup.org_id.as_deref(), Some("ORG-7"));

        let custom = VendorForm {
            name: "Custom".into(),
            kind: "custom".into(),
            endpoint_url: "https://hmis.coc.example/in".into(),
            payload_format: "inventory_v1".into(),
            header_name: "X-Api-Key".into(),
            header_value: "abc".into(),
            ..Default::default()
        };
        let parsed = custom.parse(false, &[]).unwrap();
        assert_eq!(parsed.secrets, vec![(SecretField::Header("X-Api-Key".into()), "abc".into())]);
        for reserved in ["Host", "content-type", "Idempotency-Key", "Bad Header", ""] {
            let form = VendorForm { header_name: reserved.into(), ..custom.clone() };
            assert_eq!(form.parse(false, &[]).unwrap_err().field(), Some("header_name"), "{reserved}");
        }
        let accented = VendorForm { header_value: "clé".into(), ..custom.clone() };
        assert_eq!(accented.parse(false, &[]).unwrap_err().field(), Some("header_value"));
        let no_value = VendorForm { header_value: String::new(), ..custom };
        assert_eq!(no_value.parse(false, &[]).unwrap_err().field(), Some("header_value"));
    }

    #[test]
    fn schedules_and_contacts() {
        let daily = VendorForm { schedule: "daily".into(), daily_at: "02:30".into(), ..clarity() };
        assert_eq!(daily.parse(false, &[]).unwrap().setup.push_daily_at.as_deref(), Some("02:30"));
        let every = VendorForm { schedule: "interval".into(), interval_minutes: "60".into(), ..clarity() };
        assert_eq!(every.parse(false, &[]).unwrap().setup.push_interval_minutes, Some(60));
        let list = contacts("Ana Ruiz; ana@vendor.example; +1 512 555 0100\n\nOn call;; 512-555-0199\n").unwrap();
        assert_eq!(list.0.len(), 2);
        assert_eq!(list.0[1], Contact { name: "On call".into(), email: String::new(), phone: "512-555-0199".into() });
    }
}

#[cfg(test)]
mod sftp_tests {
    use super::*;

    fn wellsky() -> VendorForm {
        VendorForm {
            name: "WellSky".into(),
            kind: "wellsky".into(),
            endpoint_url: "sftp://coc-upload@sftp.wellsky.example/incoming".into(),
            password: "pw".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_sftp_vendor_needs_a_password_or_a_key_and_a_pattern_with_the_key() {
        let ok = wellsky().parse(false, &[]).unwrap();
        assert_eq!(ok.setup.transport, Transport::Sftp);
        assert_eq!(ok.secrets, vec![(SecretField::Password, "pw".into())]);
        let none = VendorForm { password: String::new(), ..wellsky() };
        assert_eq!(none.parse(false, &[]).unwrap_err().field(), Some("password"));
        assert!(none.parse(false, &[SecretField::PrivateKey]).is_ok(), "a stored key will do");
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
        let with_key = VendorForm { password: String::new(), private_key: key.into(), ..wellsky() };
        assert_eq!(with_key.parse(false, &[]).unwrap().secrets[0].0, SecretField::PrivateKey);
        let junk = VendorForm { private_key: "ssh-ed25519 AAAA".into(), ..wellsky() };
        assert_eq!(junk.parse(false, &[]).unwrap_err().field(), Some("private_key"));
        for bad in ["hmis.zip", "../{key}.zip", "{key}/x.zip", ".{key}", "x{key}{ke{coc}y}", "{key}{key}{key}"] {
            let form = VendorForm { file_name_pattern: bad.into(), ..wellsky() };
            assert_eq!(form.parse(false, &[]).unwrap_err().field(), Some("file_name_pattern"), "{bad}");
        }
        let named = VendorForm { file_name_pattern: "HMIS_{coc}_{date}_{key}.{ext}".into(), ..wellsky() };
        assert!(named.parse(false, &[]).unwrap().setup.file_name_pattern.is_some());
        let https = VendorForm { transport: "https".into(), ..wellsky() };
        assert_eq!(https.parse(false, &[]).unwrap_err().field(), Some("transport"));
    }

    #[test]
    fn an_azure_destination_needs_a_sas_token_or_the_account_key() {
        let azure = VendorForm {
            name: "Blob".into(),
            kind: "custom".into(),
            transport: "azure_blob".into(),
            endpoint_url: "https://cocexports.blob.core.windows.net/hmis".into(),
            sas_token: "?sv=2021-08-06&sr=c&sp=cw&se=2027-01-01&sig=abc%2Bdef".into(),
            ..Default::default()
        };
        let ok = azure.parse(false, &[]).unwrap();
        assert_eq!(
            ok.secrets,
            vec![(SecretField::SasToken, "sv=2021-08-06&sr=c&sp=cw&se=2027-01-01&sig=abc%2Bdef".into())]
        );
        let none = VendorForm { sas_token: String::new(), ..azure.clone() };
        assert_eq!(none.parse(false, &[]).unwrap_err().field(), Some("sas_token"));
        let bad_key = VendorForm { sas_token: String::new(), account_key: "not a key".into(), ..azure.clone() };
        assert_eq!(bad_key.parse(false, &[]).unwrap_err().field(), Some("account_key"));
        let in_url = VendorForm { endpoint_url: "https://cocexports.blob.core.windows.net/hmis?sig=x".into(), ..azure };
        assert_eq!(in_url.parse(false, &[]).unwrap_err().field(), Some("endpoint_url"));
    }
}
