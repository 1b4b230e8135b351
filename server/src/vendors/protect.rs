//! What a vendor asks of the payload besides its format: an AES-256 zip opened by a password it
//! keeps (file destinations; a secret, like the others), and encryption to its OpenPGP public key
//! (any vendor; `app::vendors::pgp`), in that order. Applied at delivery, so the password is
//! opened only then; the audit records the sent bytes' SHA-256 beside the payload's.
use std::io::{Read, Write};

use zip::write::SimpleFileOptions;
use zip::{AesMode, CompressionMethod, ZipArchive, ZipWriter};

use app::entities::{outbox, vendor};
use app::vendors::{PayloadFormat, SecretField};

use super::Secrets;

/// The bytes and file name to send for `row`, when the vendor asks for protection; None when the
/// payload goes as it is.
pub fn protect(
    vendor: &vendor::Model,
    row: &outbox::Model,
    secrets: &Secrets,
) -> Result<Option<(Vec<u8>, String)>, String> {
    let zipped = match secrets.get(&SecretField::ZipPassword) {
        Some(password) => Some(zip_with(row, password)?),
        None => None,
    };
    let Some(key) = vendor.pgp_public_key.as_deref() else { return Ok(zipped) };
    let (bytes, name) = zipped.unwrap_or_else(|| (row.payload.clone(), row.payload_name.clone()));
    let encrypted = app::vendors::pgp::encrypt(key, bytes, chrono::Utc::now())
        .map_err(|why| format!("the vendor's PGP key cannot be used: {why}"))?;
    Ok(Some((encrypted, format!("{name}.pgp"))))
}

/// `row`'s payload in an AES-256 zip opened by `password`.
fn zip_with(row: &outbox::Model, password: &str) -> Result<(Vec<u8>, String), String> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .with_aes_encryption(AesMode::Aes256, password);
    let mut out = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let failed = |e: &dyn std::fmt::Display| format!("making the password-protected zip: {e}");
    let name = match row.payload_format {
        // Every file of the HMIS CSV zip, each encrypted.
        PayloadFormat::HmisCsvZip => {
            let mut zip = ZipArchive::new(std::io::Cursor::new(&row.payload)).map_err(|e| failed(&e))?;
            for i in 0..zip.len() {
                let mut file = zip.by_index(i).map_err(|e| failed(&e))?;
                let name = file.name().map_err(|e| failed(&e))?.into_owned();
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes).map_err(|e| failed(&e))?;
                out.start_file(name, options).map_err(|e| failed(&e))?;
                out.write_all(&bytes).map_err(|e| failed(&e))?;
            }
            row.payload_name.clone()
        }
        // The JSON document as the one file of a zip of the same name.
        PayloadFormat::InventoryV1 | PayloadFormat::HudCsvExport => {
            out.start_file(row.payload_name.as_str(), options).map_err(|e| failed(&e))?;
            out.write_all(&row.payload).map_err(|e| failed(&e))?;
            format!("{}.zip", row.payload_name)
        }
    };
    let bytes = out.finish().map_err(|e| failed(&e))?.into_inner();
    Ok((bytes, name))
}
