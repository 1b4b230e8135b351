//! The HMIS CSV FY2026 writer: the project descriptor files with their exact headers and order,
//! in a flat zip (../shared/docs/hmis-fy2026.md section 1).
//!
//! Conventions: a header row of bare names; string cells always in double quotes (a quote inside
//! is doubled); integers and dates bare; null as an empty field; CRLF line ends; UTF-8 without a
//! byte-order mark. Text is cleaned on the way out: `< > [ ] { }` are stripped (FY2026), line
//! breaks and tabs become spaces, a cell that would start with `= + - @`, a tab or a line break
//! gets a leading `'` so a spreadsheet never runs it as a formula, and a string longer than its
//! column's S# limit is cut at that many characters.
use std::io::{Cursor, Write};

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use zip::write::SimpleFileOptions;

use super::records::{HmisExport, Meta};

/// An HMIS CSV column type: `S#` string of at most # characters, `I` integer, `D` date, `T` datetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    S(usize),
    I,
    D,
    T,
}

use Kind::{D, I, S, T};

/// One cell's value before formatting, borrowed from the records.
enum Cell<'a> {
    S(Option<&'a str>),
    I(Option<i64>),
    D(Option<NaiveDate>),
    T(Option<NaiveDateTime>),
}

fn s(v: &str) -> Cell<'_> {
    Cell::S(Some(v))
}
fn so(v: &Option<String>) -> Cell<'_> {
    Cell::S(v.as_deref())
}
fn i<'a>(v: impl Into<i64>) -> Cell<'a> {
    Cell::I(Some(v.into()))
}
fn io<'a>(v: Option<i32>) -> Cell<'a> {
    Cell::I(v.map(i64::from))
}

/// DateCreated, DateUpdated, UserID, DateDeleted, ExportID: the tail of most files.
const META: [(&str, Kind); 5] =
    [("DateCreated", T), ("DateUpdated", T), ("UserID", S(32)), ("DateDeleted", T), ("ExportID", S(32))];

fn meta<'a>(m: &'a Meta, export_id: &'a str) -> [Cell<'a>; 5] {
    [Cell::T(Some(m.date_created)), Cell::T(Some(m.date_updated)), s(&m.user_id), Cell::T(None), s(export_id)]
}

pub const EXPORT: &[(&str, Kind)] = &[
    ("ExportID", S(32)),
    ("SourceType", I),
    ("SourceID", S(350)),
    ("SourceName", S(50)),
    ("SourceContactFirst", S(50)),
    ("SourceContactLast", S(50)),
    ("SourceContactPhone", S(10)),
    ("SourceContactExtension", S(5)),
    ("SourceContactEmail", S(320)),
    ("ExportDate", T),
    ("ExportStartDate", D),
    ("ExportEndDate", D),
    ("SoftwareName", S(50)),
    ("SoftwareVersion", S(50)),
    ("CSVVersion", S(50)),
    ("ExportPeriodType", I),
    ("ExportDirective", I),
    ("HashStatus", I),
    ("ImplementationID", S(200)),
];

pub const ORGANIZATION: &[(&str, Kind)] = &[
    ("OrganizationID", S(32)),
    ("OrganizationName", S(200)),
    ("VictimServiceProvider", I),
    ("OrganizationCommonName", S(200)),
];

pub const USER: &[(&str, Kind)] = &[
    ("UserID", S(32)),
    ("UserFirstName", S(50)),
    ("UserLastName", S(50)),
    ("UserPhone", S(10)),
    ("UserExtension", S(5)),
    ("UserEmail", S(320)),
    ("DateCreated", T),
    ("DateUpdated", T),
    ("DateDeleted", T),
    ("ExportID", S(32)),
];

pub const PROJECT: &[(&str, Kind)] = &[
    ("ProjectID", S(32)),
    ("OrganizationID", S(32)),
    ("ProjectName", S(200)),
    ("ProjectCommonName", S(200)),
    ("OperatingStartDate", D),
    ("OperatingEndDate", D),
    ("ContinuumProject", I),
    ("ProjectType", I),
    ("HousingType", I),
    ("RRHSubType", I),
    ("ResidentialAffiliation", I),
    ("TargetPopulation", I),
    ("HOPWAMedAssistedLivingFac", I),
    ("PITCount", I),
];

pub const PROJECT_COC: &[(&str, Kind)] = &[
    ("ProjectCoCID", S(32)),
    ("ProjectID", S(32)),
    ("CoCCode", S(6)),
    ("Geocode", S(6)),
    ("Address1", S(100)),
    ("Address2", S(100)),
    ("City", S(50)),
    ("State", S(2)),
    ("ZIP", S(5)),
    ("GeographyType", I),
];

pub const FUNDER: &[(&str, Kind)] = &[
    ("FunderID", S(32)),
    ("ProjectID", S(32)),
    ("Funder", I),
    ("OtherFunder", S(100)),
    ("GrantID", S(100)),
    ("StartDate", D),
    ("EndDate", D),
];

pub const INVENTORY: &[(&str, Kind)] = &[
    ("InventoryID", S(32)),
    ("ProjectID", S(32)),
    ("CoCCode", S(6)),
    ("HouseholdType", I),
    ("Availability", I),
    ("UnitInventory", I),
    ("BedInventory", I),
    ("CHVetBedInventory", I),
    ("YouthVetBedInventory", I),
    ("VetBedInventory", I),
    ("CHYouthBedInventory", I),
    ("YouthBedInventory", I),
    ("CHBedInventory", I),
    ("OtherBedInventory", I),
    ("ESBedType", I),
    ("InventoryStartDate", D),
    ("InventoryEndDate", D),
];

pub const HMIS_PARTICIPATION: &[(&str, Kind)] = &[
    ("HMISParticipationID", S(32)),
    ("ProjectID", S(32)),
    ("HMISParticipationType", I),
    ("HMISParticipationStatusStartDate", D),
    ("HMISParticipationStatusEndDate", D),
];

/// The files of the zip, in order, with their columns (the shared metadata tail included).
pub fn files() -> Vec<(&'static str, Vec<(&'static str, Kind)>)> {
    let with_meta = |cols: &[(&'static str, Kind)]| cols.iter().copied().chain(META).collect::<Vec<_>>();
    vec![
        ("Export.csv", EXPORT.to_vec()),
        ("Organization.csv", with_meta(ORGANIZATION)),
        ("User.csv", USER.to_vec()),
        ("Project.csv", with_meta(PROJECT)),
        ("ProjectCoC.csv", with_meta(PROJECT_COC)),
        ("Funder.csv", with_meta(FUNDER)),
        ("Inventory.csv", with_meta(INVENTORY)),
        ("HMISParticipation.csv", with_meta(HMIS_PARTICIPATION)),
    ]
}

/// The rows of one file, in column order.
fn rows<'a>(file: &str, x: &'a HmisExport) -> Vec<Vec<Cell<'a>>> {
    let id = x.export.export_id.as_str();
    let with_meta = |mut cells: Vec<Cell<'a>>, m: &'a Meta| {
        cells.extend(meta(m, id));
        cells
    };
    match file {
        "Export.csv" => {
            let e = &x.export;
            vec![vec![
                s(&e.export_id),
                i(e.source_type),
                s(&e.source_id),
                Cell::S(None),
                Cell::S(None),
                Cell::S(None),
                Cell::S(None),
                Cell::S(None),
                Cell::S(None),
                Cell::T(Some(e.export_date)),
                Cell::D(Some(e.export_start_date)),
                Cell::D(Some(e.export_end_date)),
                s(&e.software_name),
                s(&e.software_version),
                s(&e.csv_version),
                i(e.export_period_type),
                i(e.export_directive),
                i(e.hash_status),
                s(&e.implementation_id),
            ]]
        }
        "Organization.csv" => x
            .organizations
            .iter()
            .map(|o| {
                with_meta(
                    vec![s(&o.organization_id), s(&o.organization_name), i(o.victim_service_provider), Cell::S(None)],
                    &o.meta,
                )
            })
            .collect(),
        "User.csv" => x
            .users
            .iter()
            .map(|u| {
                vec![
                    s(&u.user_id),
                    so(&u.first_name),
                    Cell::S(None),
                    Cell::S(None),
                    Cell::S(None),
                    Cell::S(None),
                    Cell::T(Some(u.date_created)),
                    Cell::T(Some(u.date_updated)),
                    Cell::T(None),
                    s(id),
                ]
            })
            .collect(),
        "Project.csv" => x
            .projects
            .iter()
            .map(|p| {
                with_meta(
                    vec![
                        s(&p.project_id),
                        s(&p.organization_id),
                        s(&p.project_name),
                        Cell::S(None),
                        Cell::D(Some(p.operating_start_date)),
                        Cell::D(p.operating_end_date),
                        i(p.continuum_project),
                        i(p.project_type),
                        io(p.housing_type),
                        io(p.rrh_sub_type),
                        Cell::I(None),
                        io(p.target_population),
                        Cell::I(None),
                        Cell::I(None),
                    ],
                    &p.meta,
                )
            })
            .collect(),
        "ProjectCoC.csv" => x
            .project_cocs
            .iter()
            .map(|c| {
                with_meta(
                    vec![
                        s(&c.project_coc_id),
                        s(&c.project_id),
                        s(&c.coc_code),
                        so(&c.geocode),
                        so(&c.address1),
                        Cell::S(None),
                        so(&c.city),
                        so(&c.state),
                        so(&c.zip),
                        io(c.geography_type),
                    ],
                    &c.meta,
                )
            })
            .collect(),
        "Inventory.csv" => x
            .inventories
            .iter()
            .map(|v| {
                let mut cells = vec![
                    s(&v.inventory_id),
                    s(&v.project_id),
                    s(&v.coc_code),
                    i(v.household_type),
                    io(v.availability),
                    i(v.unit_inventory),
                    i(v.bed_inventory),
                ];
                cells.extend(v.sub_counts.iter().map(|n| i(*n)));
                cells.extend([io(v.es_bed_type), Cell::D(Some(v.inventory_start_date)), Cell::D(v.inventory_end_date)]);
                with_meta(cells, &v.meta)
            })
            .collect(),
        "HMISParticipation.csv" => x
            .participations
            .iter()
            .map(|p| {
                with_meta(
                    vec![
                        s(&p.participation_id),
                        s(&p.project_id),
                        i(p.participation_type),
                        Cell::D(Some(p.start_date)),
                        Cell::D(p.end_date),
                    ],
                    &p.meta,
                )
            })
            .collect(),
        // Funder.csv: no funders are recorded, so the file is its header.
        _ => Vec::new(),
    }
}

fn stripped(c: char) -> bool {
    matches!(c, '<' | '>' | '[' | ']' | '{' | '}')
}

/// Clean a text cell for the export (see the module comment).
pub fn clean_text(raw: &str, max_chars: usize) -> String {
    let kept = raw.chars().filter(|c| !stripped(*c)).map(|c| if matches!(c, '\r' | '\n' | '\t') { ' ' } else { c });
    let risky = matches!(raw.chars().find(|c| !stripped(*c)), Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n'));
    risky.then_some('\'').into_iter().chain(kept).take(max_chars).collect()
}

/// Text that needs no cleaning: nothing stripped, replaced or neutralised, and short enough.
fn is_clean(v: &str, max_chars: usize) -> bool {
    !v.starts_with(['=', '+', '-', '@'])
        && !v.bytes().any(|b| matches!(b, b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'\r' | b'\n' | b'\t'))
        && (v.len() <= max_chars || v.chars().count() <= max_chars)
}

fn push_quoted(out: &mut String, v: &str) {
    out.push('"');
    if v.contains('"') {
        out.push_str(&v.replace('"', "\"\""));
    } else {
        out.push_str(v);
    }
    out.push('"');
}

/// YYYY-MM-DD, written directly (chrono's `format` parses its pattern on every call).
fn push_date(out: &mut String, d: NaiveDate) {
    use std::fmt::Write;
    let _ = write!(out, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}

fn write_cell(out: &mut String, cell: &Cell, kind: Kind) {
    use std::fmt::Write;
    match (cell, kind) {
        (Cell::S(Some(v)), S(max)) if is_clean(v, max) => push_quoted(out, v),
        (Cell::S(Some(v)), S(max)) => push_quoted(out, &clean_text(v, max)),
        (Cell::I(Some(v)), _) => {
            let _ = write!(out, "{v}");
        }
        (Cell::D(Some(v)), _) => push_date(out, *v),
        (Cell::T(Some(v)), _) => {
            push_date(out, v.date());
            let _ = write!(out, " {:02}:{:02}:{:02}", v.hour(), v.minute(), v.second());
        }
        _ => {}
    }
}

/// One file's text: header and rows.
pub fn file_text(file: &str, columns: &[(&str, Kind)], export: &HmisExport) -> String {
    let mut out = columns.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    for row in rows(file, export) {
        for (n, (cell, (_, kind))) in row.iter().zip(columns).enumerate() {
            if n > 0 {
                out.push(',');
            }
            write_cell(&mut out, cell, *kind);
        }
        out.push_str("\r\n");
    }
    out
}

/// The flat zip of the eight CSV files. Entries carry the export's time, so the same export
/// gives the same bytes.
pub fn write_zip(export: &HmisExport) -> Result<Vec<u8>, zip::result::ZipError> {
    let t = export.export.export_date;
    let (date, time) = (t.date(), t.time());
    let stamp = zip::DateTime::from_date_and_time(
        date.year().clamp(1980, 2107) as u16,
        date.month() as u8,
        date.day() as u8,
        time.hour() as u8,
        time.minute() as u8,
        time.second() as u8,
    )
    .unwrap_or_default();
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // Level 1: several times faster than the default, and CSV still shrinks about tenfold.
        .compression_level(Some(1))
        .last_modified_time(stamp)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (file, columns) in files() {
        zip.start_file(file, options)?;
        zip.write_all(file_text(file, &columns, export).as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cleaned_and_neutralised() {
        assert_eq!(clean_text("Hope <Street> [Shelter] {x}", 200), "Hope Street Shelter x");
        assert_eq!(clean_text("=SUM(A1)", 200), "'=SUM(A1)");
        assert_eq!(clean_text("+1", 200), "'+1");
        assert_eq!(clean_text("-1", 200), "'-1");
        assert_eq!(clean_text("@cmd", 200), "'@cmd");
        assert_eq!(clean_text("\tx", 200), "' x");
        assert_eq!(clean_text("\r\nx", 200), "'  x");
        assert_eq!(clean_text("<=x", 200), "'=x");
        assert_eq!(clean_text("a\nb", 200), "a b");
        assert_eq!(clean_text("Casa Esperanza – Niños", 200), "Casa Esperanza – Niños");
        assert_eq!(clean_text("ééééé", 3), "ééé");
        assert_eq!(clean_text("TX-503", 6), "TX-503");
        assert_eq!(clean_text("=abc", 3), "'=a");
    }

    #[test]
    fn clean_text_is_only_skipped_for_text_it_would_not_change() {
        for v in ["Hope", "=x", "+1", "a<b", "a\nb", "ééééé", "12345678", "Casa – Niños", "\"q\"", "a\tb", "-"]
        {
            for max in [3, 5, 200] {
                if is_clean(v, max) {
                    assert_eq!(clean_text(v, max), v, "{v:?} at {max}");
                }
            }
        }
        assert!(!is_clean("ééééé", 3) && is_clean("ééé", 3));
    }

    #[test]
    fn cells_are_quoted_and_dated_as_the_spec_says() {
        let mut out = String::new();
        let day = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        write_cell(&mut out, &Cell::S(Some("say \"hi\"")), S(50));
        write_cell(&mut out, &Cell::D(Some(day)), D);
        write_cell(&mut out, &Cell::T(day.and_hms_nano_opt(7, 8, 9, 500).map(Some).unwrap()), T);
        write_cell(&mut out, &Cell::I(Some(42)), I);
        write_cell(&mut out, &Cell::S(None), S(5));
        assert_eq!(out, "\"say \"\"hi\"\"\"2026-01-052026-01-05 07:08:0942");
    }
}
