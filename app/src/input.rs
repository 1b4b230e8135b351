//! What people type, checked the same way everywhere: one-line text and names (no control or
//! Unicode format characters such as bidi overrides and zero-width spaces, stored in NFC), and
//! dates (exactly `YYYY-MM-DD`, in a range an HMIS accepts).
use chrono::{Datelike, NaiveDate};

use crate::error::AppError;

/// The dates accepted anywhere: an HMIS has no use for others, and a 5-digit or signed year
/// must never reach the CSV.
pub const EARLIEST_DATE: (i32, u32, u32) = (1900, 1, 1);
pub const LATEST_DATE: (i32, u32, u32) = (2099, 12, 31);

/// Unicode format characters (general category Cf): invisible, and able to make one name look
/// like another (bidi overrides, zero-width joiners, the byte-order mark, tags).
const FORMAT_CHARACTERS: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

pub fn is_format_character(c: char) -> bool {
    let c = c as u32;
    FORMAT_CHARACTERS.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c))
}

/// Why a line of text is refused, if it is: a line break or other control character, or an
/// invisible format character.
pub fn refusal(text: &str) -> Option<&'static str> {
    if text.chars().any(char::is_control) {
        Some("remove line breaks and other control characters")
    } else if text.chars().any(is_format_character) {
        Some("remove invisible formatting characters (such as direction marks or zero-width spaces)")
    } else {
        None
    }
}

/// `text` trimmed and in Unicode NFC, so two spellings of one name are one string. The server
/// stores only normalised text; the browser build leaves it to the server.
pub fn normalized(text: &str) -> String {
    #[cfg(feature = "ssr")]
    {
        use unicode_normalization::UnicodeNormalization;
        text.trim().nfc().collect()
    }
    #[cfg(not(feature = "ssr"))]
    {
        text.trim().to_string()
    }
}

/// Text of at most `max` characters on one line, in NFC; `None` when empty and optional.
pub fn text(field: &str, label: &str, raw: &str, max: usize, required: bool) -> Result<Option<String>, AppError> {
    let t = normalized(raw);
    if t.is_empty() {
        return if required { Err(AppError::validation(field, format!("{label}: enter a value."))) } else { Ok(None) };
    }
    if t.chars().count() > max {
        return Err(AppError::validation(field, format!("{label}: use at most {max} characters.")));
    }
    if let Some(why) = refusal(&t) {
        return Err(AppError::validation(field, format!("{label}: {why}.")));
    }
    if t.chars().any(|c| "<>[]{}".contains(c)) {
        return Err(AppError::validation(field, format!("{label}: remove the characters < > [ ] {{ }}.")));
    }
    Ok(Some(t))
}

/// A date field: exactly `YYYY-MM-DD` (see [`date`]); empty is `None` unless `required`. The
/// error names `field` and starts with `label`.
pub fn date_field(field: &str, label: &str, raw: &str, required: bool) -> Result<Option<NaiveDate>, AppError> {
    let t = raw.trim();
    if t.is_empty() {
        return if required {
            Err(AppError::validation(field, format!("{label}: enter a date as YYYY-MM-DD.")))
        } else {
            Ok(None)
        };
    }
    date(t).map(Some).map_err(|why| AppError::validation(field, format!("{label}: {why}")))
}

/// Exactly `len` ASCII digits (a ZIP, a geocode); empty is `None`.
pub fn digits(field: &str, label: &str, raw: &str, len: usize) -> Result<Option<String>, AppError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() == len && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Some(t.to_string()))
    } else {
        Err(AppError::validation(field, format!("{label}: enter exactly {len} digits.")))
    }
}

/// [`text`] that an export carries as entered (names, grant ids): also refused when it starts
/// with `=`, `+`, `-` or `@`, which a spreadsheet opening the CSV would run as a formula. HMIS
/// data passes through as entered, so it is refused here instead of rewritten in the CSV.
pub fn exported_text(
    field: &str,
    label: &str,
    raw: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>, AppError> {
    let t = text(field, label, raw, max, required)?;
    if t.as_deref().is_some_and(|t| t.starts_with(['=', '+', '-', '@'])) {
        return Err(AppError::validation(
            field,
            format!(
                "{label}: must not start with =, +, - or @ (spreadsheets read that as a formula); reword the start."
            ),
        ));
    }
    Ok(t)
}

/// Whether `raw` has the shape of a public id (`ssr::public_id`: 20 lower-case hex digits).
pub fn is_public_id(raw: &str) -> bool {
    raw.len() == 20 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A date typed as exactly `YYYY-MM-DD` within [`EARLIEST_DATE`]..=[`LATEST_DATE`]; the error is
/// the fix to tell the user.
pub fn date(raw: &str) -> Result<NaiveDate, String> {
    let t = raw.trim();
    let shaped = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let parsed = shaped.then(|| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()).flatten();
    let Some(date) = parsed else {
        return Err(format!(
            "\"{}\" is not a date; use YYYY-MM-DD, e.g. 2026-10-01.",
            t.chars().take(40).collect::<String>()
        ));
    };
    let (y0, m0, d0) = EARLIEST_DATE;
    let (y1, m1, d1) = LATEST_DATE;
    if (date.year(), date.month(), date.day()) < (y0, m0, d0) || (date.year(), date.month(), date.day()) > (y1, m1, d1)
    {
        return Err(format!("{date} is out of range; use a date from {y0}-{m0:02}-{d0:02} to {y1}-{m1:02}-{d1:02}."));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_exactly_yyyy_mm_dd_in_range() {
        assert_eq!(date(" 2026-10-01 ").unwrap().to_string(), "2026-10-01");
        for bad in [
            "+2026-10-01",
            "12026-10-01",
            "-2026-10-01",
            "2026-1-01",
            "2026-10-1",
            "2026/10/01",
            "2026-02-30",
            "1899-12-31",
            "2100-01-01",
            "",
            "２０２６-10-01",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
        assert!(date("1900-01-01").is_ok());
        assert!(date("2099-12-31").is_ok());
    }

    #[test]
    fn format_characters_are_refused_and_plain_text_is_not() {
        for bad in [
            "Safe\u{202E}Harbor",
            "Zero\u{200B}Width",
            "Bom\u{FEFF}",
            "Tag\u{E0041}",
            "Line\nbreak",
            "Soft\u{00AD}hyphen",
        ] {
            assert!(refusal(bad).is_some(), "{bad:?}");
        }
        for good in ["Hope Street Women's Shelter", "Casa de Esperanza – Niños", "日本語", "Zoë"] {
            assert_eq!(refusal(good), None, "{good:?}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn text_is_stored_in_nfc() {
        // "Zoë" typed with a combining diaeresis becomes the precomposed letter.
        assert_eq!(normalized(" Zoe\u{0308} "), "Zo\u{00EB}");
    }
}
