//! A validator for HMIS CSV FY2026 project-descriptor zips, written from the specification
//! (`../shared/docs/hmis-fy2026.md`), not from our writer: it shares no code or constants with
//! `app::hmis::csv`. `validate` returns every problem it finds, so a failing test shows them all.
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read};

use chrono::{NaiveDate, NaiveDateTime};

/// A column's type as the spec writes it.
#[derive(Clone, Copy, Debug)]
enum Ty {
    /// `S#`: a string of at most # characters.
    S(usize),
    /// `I`: a non-negative integer, from `list` when it has one.
    I(Option<&'static [i64]>),
    /// `D`: YYYY-MM-DD.
    D,
    /// `T`: YYYY-MM-DD hh:mm:ss.
    T,
}

/// (column, type, nullable)
type Col = (&'static str, Ty, bool);

const NO_YES: &[i64] = &[0, 1];
const PROJECT_TYPES: &[i64] = &[0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14];
const HOUSEHOLD_TYPES: &[i64] = &[1, 3, 4];

/// DateCreated, DateUpdated, UserID, DateDeleted, ExportID.
const META: [Col; 5] = [
    ("DateCreated", Ty::T, false),
    ("DateUpdated", Ty::T, false),
    ("UserID", Ty::S(32), false),
    ("DateDeleted", Ty::T, true),
    ("ExportID", Ty::S(32), false),
];

fn spec() -> Vec<(&'static str, Vec<Col>)> {
    let with_meta = |cols: &[Col]| cols.iter().copied().chain(META).collect::<Vec<_>>();
    vec![
        (
            "Export.csv",
            vec![
                ("ExportID", Ty::S(32), false),
                ("SourceType", Ty::I(Some(&[1, 2, 3, 4])), false),
                ("SourceID", Ty::S(350), true),
                ("SourceName", Ty::S(50), true),
                ("SourceContactFirst", Ty::S(50), true),
                ("SourceContactLast", Ty::S(50), true),
                ("SourceContactPhone", Ty::S(10), true),
                ("SourceContactExtension", Ty::S(5), true),
                ("SourceContactEmail", Ty::S(320), true),
                ("ExportDate", Ty::T, false),
                ("ExportStartDate", Ty::D, false),
                ("ExportEndDate", Ty::D, false),
                ("SoftwareName", Ty::S(50), false),
                ("SoftwareVersion", Ty::S(50), true),
                ("CSVVersion", Ty::S(50), true),
                ("ExportPeriodType", Ty::I(Some(&[1, 3, 4])), false),
                ("ExportDirective", Ty::I(Some(&[1, 2, 3])), false),
                ("HashStatus", Ty::I(Some(&[1, 2, 3, 4])), false),
                ("ImplementationID", Ty::S(200), false),
            ],
        ),
        (
            "Organization.csv",
            with_meta(&[
                ("OrganizationID", Ty::S(32), false),
                ("OrganizationName", Ty::S(200), false),
                ("VictimServiceProvider", Ty::I(Some(NO_YES)), false),
                ("OrganizationCommonName", Ty::S(200), true),
            ]),
        ),
        (
            "User.csv",
            vec![
                ("UserID", Ty::S(32), false),
                ("UserFirstName", Ty::S(50), true),
                ("UserLastName", Ty::S(50), true),
                ("UserPhone", Ty::S(10), true),
                ("UserExtension", Ty::S(5), true),
                ("UserEmail", Ty::S(320), true),
                ("DateCreated", Ty::T, false),
                ("DateUpdated", Ty::T, false),
                ("DateDeleted", Ty::T, true),
                ("ExportID", Ty::S(32), false),
            ],
        ),
        (
            "Project.csv",
            with_meta(&[
                ("ProjectID", Ty::S(32), false),
                ("OrganizationID", Ty::S(32), false),
                ("ProjectName", Ty::S(200), false),
                ("ProjectCommonName", Ty::S(200), true),
                ("OperatingStartDate", Ty::D, false),
                ("OperatingEndDate", Ty::D, true),
                ("ContinuumProject", Ty::I(Some(NO_YES)), false),
                ("ProjectType", Ty::I(Some(PROJECT_TYPES)), true),
                ("HousingType", Ty::I(Some(&[1, 2, 3])), true),
                ("RRHSubType", Ty::I(Some(&[1, 2])), true),
                ("ResidentialAffiliation", Ty::I(Some(NO_YES)), true),
                ("TargetPopulation", Ty::I(Some(&[1, 3, 4])), true),
                ("HOPWAMedAssistedLivingFac", Ty::I(Some(&[0, 1, 2])), true),
                ("PITCount", Ty::I(None), true),
            ]),
        ),
        (
            "ProjectCoC.csv",
            with_meta(&[
                ("ProjectCoCID", Ty::S(32), false),
                ("ProjectID", Ty::S(32), false),
                ("CoCCode", Ty::S(6), false),
                ("Geocode", Ty::S(6), true),
                ("Address1", Ty::S(100), true),
                ("Address2", Ty::S(100), true),
                ("City", Ty::S(50), true),
                ("State", Ty::S(2), true),
                ("ZIP", Ty::S(5), true),
                ("GeographyType", Ty::I(Some(&[1, 2, 3, 99])), true),
            ]),
        ),
        (
            "Funder.csv",
            with_meta(&[
                ("FunderID", Ty::S(32), false),
                ("ProjectID", Ty::S(32), false),
                ("Funder", Ty::I(Some(FUNDERS)), false),
                ("OtherFunder", Ty::S(100), true),
                ("GrantID", Ty::S(100), true),
                ("StartDate", Ty::D, false),
                ("EndDate", Ty::D, true),
            ]),
        ),
        (
            "Inventory.csv",
            with_meta(&[
                ("InventoryID", Ty::S(32), false),
                ("ProjectID", Ty::S(32), false),
                // Nullable in the FY2026 text, but the HIC selects by it: we require it.
                ("CoCCode", Ty::S(6), false),
                ("HouseholdType", Ty::I(Some(HOUSEHOLD_TYPES)), false),
                ("Availability", Ty::I(Some(&[1, 2, 3])), true),
                ("UnitInventory", Ty::I(None), false),
                ("BedInventory", Ty::I(None), false),
                // Nullable in the CSV text; the LSA requires 0 instead of null.
                ("CHVetBedInventory", Ty::I(None), false),
                ("YouthVetBedInventory", Ty::I(None), false),
                ("VetBedInventory", Ty::I(None), false),
                ("CHYouthBedInventory", Ty::I(None), false),
                ("YouthBedInventory", Ty::I(None), false),
                ("CHBedInventory", Ty::I(None), false),
                ("OtherBedInventory", Ty::I(None), false),
                ("ESBedType", Ty::I(Some(&[1, 2, 3])), true),
                ("InventoryStartDate", Ty::D, false),
                ("InventoryEndDate", Ty::D, true),
            ]),
        ),
        (
            "HMISParticipation.csv",
            with_meta(&[
                ("HMISParticipationID", Ty::S(32), false),
                ("ProjectID", Ty::S(32), false),
                ("HMISParticipationType", Ty::I(Some(&[0, 1, 2])), false),
                ("HMISParticipationStatusStartDate", Ty::D, false),
                ("HMISParticipationStatusEndDate", Ty::D, true),
            ]),
        ),
    ]
}

/// 2.06.1: 1-11, 13-27, 30, 33-46, 50-56 (47 and 48 retired; 32 kept for old data).
const FUNDERS: &[i64] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 30, 32, 33, 34, 35,
    36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 55, 56,
];

/// One parsed field: its text and whether it was written in double quotes.
#[derive(Clone, Debug)]
pub struct Field {
    pub text: String,
    pub quoted: bool,
}

/// RFC 4180 records, keeping whether each field was quoted (the spec requires quoted strings).
fn parse_csv(text: &str) -> Result<Vec<Vec<Field>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    loop {
        let mut field = Field { text: String::new(), quoted: false };
        if chars.peek() == Some(&'"') {
            chars.next();
            field.quoted = true;
            loop {
                match chars.next() {
                    None => return Err(format!("line {line}: unterminated quoted field")),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.text.push('"');
                    }
                    Some('"') => break,
                    Some(c) => {
                        if c == '\n' {
                            line += 1;
                        }
                        field.text.push(c);
                    }
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if matches!(c, ',' | '\r' | '\n') {
                    break;
                }
                if c == '"' {
                    return Err(format!("line {line}: a quote inside an unquoted field"));
                }
                field.text.push(c);
                chars.next();
            }
        }
        record.push(field);
        match chars.next() {
            Some(',') => continue,
            Some('\r') if chars.peek() == Some(&'\n') => {
                chars.next();
            }
            Some('\n') => {}
            None => {
                if record.len() > 1 || !record[0].text.is_empty() || record[0].quoted {
                    records.push(record);
                }
                return Ok(records);
            }
            Some(c) => return Err(format!("line {line}: unexpected {c:?} after a field")),
        }
        records.push(std::mem::take(&mut record));
        line += 1;
        if chars.peek().is_none() {
            return Ok(records);
        }
    }
}

fn coc_code_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6 && b[..2].iter().all(u8::is_ascii_alphabetic) && b[2] == b'-' && b[3..].iter().all(u8::is_ascii_digit)
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// One file's rows as column name -> value (None for an empty field).
pub type Row = BTreeMap<String, Option<String>>;

/// A validated export: each file's rows, for further checks by the caller.
#[derive(Debug, Default)]
pub struct Export {
    pub files: BTreeMap<String, Vec<Row>>,
    /// Every CSV file's text, for searching.
    pub text: String,
}

impl Export {
    pub fn rows(&self, file: &str) -> &[Row] {
        self.files.get(file).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn int(row: &Row, col: &str) -> i64 {
        row.get(col).cloned().flatten().and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    pub fn str<'a>(row: &'a Row, col: &str) -> &'a str {
        row.get(col).and_then(|v| v.as_deref()).unwrap_or("")
    }
}

/// Check one cell against its column; push problems to `errs`.
fn check_cell(errs: &mut Vec<String>, at: &str, (name, ty, nullable): Col, f: &Field) {
    if f.text.is_empty() && !f.quoted {
        if !nullable {
            errs.push(format!("{at} {name}: empty, but the column is not nullable"));
        }
        return;
    }
    let v = f.text.as_str();
    match ty {
        Ty::S(max) => {
            if !f.quoted {
                errs.push(format!("{at} {name}: string {v:?} is not in double quotes"));
            }
            if v.chars().count() > max {
                errs.push(format!("{at} {name}: {} characters, more than S{max}", v.chars().count()));
            }
            if v.chars().any(|c| "<>[]{}".contains(c)) {
                errs.push(format!("{at} {name}: {v:?} holds a character FY2026 strips (< > [ ] {{ }})"));
            }
            if v.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
                errs.push(format!("{at} {name}: {v:?} starts like a spreadsheet formula"));
            }
        }
        Ty::I(list) => {
            if f.quoted || v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                errs.push(format!("{at} {name}: {v:?} is not a bare non-negative integer"));
            } else if let Some(list) = list
                && !v.parse::<i64>().is_ok_and(|n| list.contains(&n))
            {
                errs.push(format!("{at} {name}: {v} is not in the column's list"));
            }
        }
        Ty::D => {
            if v.len() != 10 || NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err() {
                errs.push(format!("{at} {name}: {v:?} is not a YYYY-MM-DD date"));
            }
        }
        Ty::T => {
            if v.len() != 19 || NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S").is_err() {
                errs.push(format!("{at} {name}: {v:?} is not a YYYY-MM-DD hh:mm:ss datetime"));
            }
        }
    }
}

/// Read and check a zip. `Err` lists every problem found.
pub fn validate(zip_bytes: &[u8]) -> Result<Export, Vec<String>> {
    let mut errs = Vec::new();
    let mut archive = match zip::ZipArchive::new(Cursor::new(zip_bytes)) {
        Ok(a) => a,
        Err(e) => return Err(vec![format!("not a zip: {e}")]),
    };
    let spec = spec();
    let mut texts = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(e) => return Err(vec![format!("zip entry {i}: {e}")]),
        };
        let name = match entry.name() {
            Ok(n) => n.to_string(),
            Err(e) => return Err(vec![format!("zip entry {i}: the name is not text ({e})")]),
        };
        if name.contains('/') || entry.is_dir() {
            errs.push(format!("{name}: the zip must be flat (no folders)"));
        }
        if !spec.iter().any(|(file, _)| *file == name) {
            errs.push(format!("{name}: not a file of the project-descriptor export"));
        }
        let mut bytes = Vec::new();
        if let Err(e) = entry.read_to_end(&mut bytes) {
            errs.push(format!("{name}: unreadable ({e})"));
            continue;
        }
        match String::from_utf8(bytes) {
            Ok(text) if text.starts_with('\u{feff}') => errs.push(format!("{name}: starts with a byte-order mark")),
            Ok(text) => {
                texts.insert(name, text);
            }
            Err(_) => errs.push(format!("{name}: not UTF-8")),
        }
    }
    let mut export = Export::default();
    for (file, cols) in &spec {
        let Some(text) = texts.get(*file) else {
            errs.push(format!("{file}: missing from the zip"));
            continue;
        };
        export.text.push_str(text);
        let records = match parse_csv(text) {
            Ok(r) => r,
            Err(e) => {
                errs.push(format!("{file}: {e}"));
                continue;
            }
        };
        let Some((header, data)) = records.split_first() else {
            errs.push(format!("{file}: no header row"));
            continue;
        };
        let expected: Vec<&str> = cols.iter().map(|c| c.0).collect();
        let got: Vec<&str> = header.iter().map(|f| f.text.as_str()).collect();
        if got != expected {
            errs.push(format!("{file}: header is {got:?}, the spec's is {expected:?}"));
            continue;
        }
        let mut rows = Vec::new();
        for (n, record) in data.iter().enumerate() {
            let at = format!("{file} row {}", n + 2);
            if record.len() != cols.len() {
                errs.push(format!("{at}: {} fields, the header has {}", record.len(), cols.len()));
                continue;
            }
            let mut row = Row::new();
            for (col, field) in cols.iter().zip(record) {
                check_cell(&mut errs, &at, *col, field);
                let value = (!field.text.is_empty() || field.quoted).then(|| field.text.clone());
                row.insert(col.0.to_string(), value);
            }
            rows.push(row);
        }
        export.files.insert(file.to_string(), rows);
    }
    check_relations(&mut errs, &export);
    if errs.is_empty() { Ok(export) } else { Err(errs) }
}

/// Rules across rows and files: one Export row, IDs, references, dependent fields, sums.
fn check_relations(errs: &mut Vec<String>, x: &Export) {
    let exports = x.rows("Export.csv");
    if exports.len() != 1 {
        errs.push(format!("Export.csv: {} rows, the spec requires exactly one", exports.len()));
        return;
    }
    let e = &exports[0];
    let export_id = Export::str(e, "ExportID");
    if Export::int(e, "SourceType") == 1 {
        let source = Export::str(e, "SourceID");
        if source.is_empty() || !source.split(';').all(coc_code_ok) {
            errs.push(format!(
                "Export.csv SourceID: {source:?} must be the CoC code(s), ';'-separated, for SourceType 1"
            ));
        }
    } else if Export::str(e, "SourceName").is_empty() {
        errs.push("Export.csv SourceName: required unless SourceType is 1".into());
    }
    let csv_version = Export::str(e, "CSVVersion");
    let version_ok = csv_version.split_once(" v").is_some_and(|(y, v)| {
        digits(y, 4) && !v.is_empty() && v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    });
    if !csv_version.is_empty() && !version_ok {
        errs.push(format!("Export.csv CSVVersion: {csv_version:?} is not '[year] v[version]'"));
    }
    if Export::str(e, "ExportStartDate") > Export::str(e, "ExportEndDate") {
        errs.push("Export.csv: ExportStartDate after ExportEndDate".into());
    }

    let ids = |file: &str, col: &str| -> BTreeSet<String> {
        x.rows(file).iter().map(|r| Export::str(r, col).to_string()).collect()
    };
    for (file, col) in [
        ("Organization.csv", "OrganizationID"),
        ("User.csv", "UserID"),
        ("Project.csv", "ProjectID"),
        ("ProjectCoC.csv", "ProjectCoCID"),
        ("Funder.csv", "FunderID"),
        ("Inventory.csv", "InventoryID"),
        ("HMISParticipation.csv", "HMISParticipationID"),
    ] {
        if ids(file, col).len() != x.rows(file).len() {
            errs.push(format!("{file}: {col} values are not unique"));
        }
    }
    let users = ids("User.csv", "UserID");
    for (file, rows) in &x.files {
        for (n, row) in rows.iter().enumerate() {
            if Export::str(row, "ExportID") != export_id {
                errs.push(format!("{file} row {}: ExportID differs from Export.csv's", n + 2));
            }
            if file != "User.csv"
                && let Some(Some(user)) = row.get("UserID")
                && !users.contains(user)
            {
                errs.push(format!("{file} row {}: UserID {user:?} is not in User.csv", n + 2));
            }
        }
    }
    let organizations = ids("Organization.csv", "OrganizationID");
    let projects: BTreeMap<&str, &Row> =
        x.rows("Project.csv").iter().map(|r| (Export::str(r, "ProjectID"), r)).collect();
    for p in x.rows("Project.csv") {
        let id = Export::str(p, "ProjectID");
        if !organizations.contains(Export::str(p, "OrganizationID")) {
            errs.push(format!("Project.csv {id}: OrganizationID not in Organization.csv"));
        }
        if Export::int(p, "ContinuumProject") == 1 && Export::str(p, "ProjectType").is_empty() {
            errs.push(format!("Project.csv {id}: ProjectType is required for a continuum project"));
        }
        if Export::str(p, "ProjectType") == "13" && Export::str(p, "RRHSubType").is_empty() {
            errs.push(format!("Project.csv {id}: RRHSubType is required for ProjectType 13"));
        }
    }
    let project_cocs: BTreeSet<(&str, &str)> =
        x.rows("ProjectCoC.csv").iter().map(|r| (Export::str(r, "ProjectID"), Export::str(r, "CoCCode"))).collect();
    for c in x.rows("ProjectCoC.csv") {
        let id = Export::str(c, "ProjectCoCID");
        if !projects.contains_key(Export::str(c, "ProjectID")) {
            errs.push(format!("ProjectCoC.csv {id}: ProjectID not in Project.csv"));
        }
        if !coc_code_ok(Export::str(c, "CoCCode")) {
            errs.push(format!("ProjectCoC.csv {id}: CoCCode is not XX-999"));
        }
        for (col, len) in [("Geocode", 6), ("ZIP", 5)] {
            let v = Export::str(c, col);
            if !v.is_empty() && !digits(v, len) {
                errs.push(format!("ProjectCoC.csv {id}: {col} {v:?} is not {len} digits"));
            }
        }
        let state = Export::str(c, "State");
        if !state.is_empty() && (state.len() != 2 || !state.bytes().all(|b| b.is_ascii_uppercase())) {
            errs.push(format!("ProjectCoC.csv {id}: State {state:?} is not a USPS code"));
        }
    }
    for file in ["Funder.csv", "HMISParticipation.csv"] {
        for r in x.rows(file) {
            if !projects.contains_key(Export::str(r, "ProjectID")) {
                errs.push(format!("{file}: ProjectID {:?} not in Project.csv", Export::str(r, "ProjectID")));
            }
        }
    }
    const SUB_COUNTS: [&str; 7] = [
        "CHVetBedInventory",
        "YouthVetBedInventory",
        "VetBedInventory",
        "CHYouthBedInventory",
        "YouthBedInventory",
        "CHBedInventory",
        "OtherBedInventory",
    ];
    for v in x.rows("Inventory.csv") {
        let id = Export::str(v, "InventoryID");
        let (project, coc) = (Export::str(v, "ProjectID"), Export::str(v, "CoCCode"));
        match projects.get(project) {
            None => errs.push(format!("Inventory.csv {id}: ProjectID {project:?} not in Project.csv")),
            Some(p) => {
                let es = matches!(Export::str(p, "ProjectType"), "0" | "1");
                for col in ["Availability", "ESBedType"] {
                    if !es && !Export::str(v, col).is_empty() {
                        errs.push(format!("Inventory.csv {id}: {col} must be null unless ProjectType is 0 or 1"));
                    }
                }
            }
        }
        if !project_cocs.contains(&(project, coc)) {
            errs.push(format!("Inventory.csv {id}: no ProjectCoC.csv row for {project} in {coc}"));
        }
        let sum: i64 = SUB_COUNTS.iter().map(|c| Export::int(v, c)).sum();
        if Export::int(v, "BedInventory") != sum {
            errs.push(format!(
                "Inventory.csv {id}: BedInventory {} is not the sum of the sub-counts ({sum})",
                Export::int(v, "BedInventory")
            ));
        }
        let (start, end) = (Export::str(v, "InventoryStartDate"), Export::str(v, "InventoryEndDate"));
        if !end.is_empty() && end < start {
            errs.push(format!("Inventory.csv {id}: InventoryEndDate before InventoryStartDate"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks() {
        let r = parse_csv("A,B\r\n\"x,\"\"y\"\"\",2\r\n\"a\nb\",\r\n").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1][0].text, "x,\"y\"");
        assert!(r[1][0].quoted && !r[1][1].quoted);
        assert_eq!(r[2][0].text, "a\nb");
        assert_eq!(r[2][1].text, "");
    }
}
