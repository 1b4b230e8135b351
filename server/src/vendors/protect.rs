//! What a file destination asks of the payload besides the file itself: an AES-256 zip opened by a
//! password the vendor keeps (a secret, like the others). Applied at delivery, so the password is
//! opened only then; the audit records the sent bytes' SHA-256 beside the payload's.
use std::io::{Read, Write};

use zip::write::SimpleFileOptions;
use zip::{AesMode, CompressionMethod, ZipArchive, ZipWriter};

use app::entities::outbox;
use app::vendors::{PayloadFormat, SecretField};

use super::Secrets;

/// The bytes and file name to send for `row`, when the vendor asks for protection; None when the
/// payload goes as it is.
pub fn protect(row: &outbox::Model, secrets: &Secrets) -> Result<Option<(Vec<u8>, String)>, String> {
    let Some(password) = secrets.get(&SecretField::ZipPassword) else { return Ok(None) };
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
    Ok(Some((bytes, name)))
}
