//! Lists of people as units keep them: a CSV file (UTF-8, with or without a
//! BOM, comma or semicolon separated) or the first sheet of an XLSX
//! workbook, one person a row under a header row. Headers are Indonesian or
//! English, in any case; each row becomes the body `POST
//! /v1/reports/{id}/beneficiaries` takes and is checked by the same parse,
//! so a list and a single person follow one set of rules. Errors carry the
//! row number a spreadsheet shows (the header is row 1).

use crate::views::casework::BeneficiaryInput;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use sigap_domain::{FieldError, PersonDetails};
use std::io::Cursor;

/// The media type of a CSV list.
pub const CSV: &str = "text/csv";
/// The media type of an XLSX list.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Largest list file accepted (2 MiB).
pub const MAX_LIST_BYTES: usize = 2 * 1024 * 1024;
/// Most people one list may hold.
pub const MAX_LIST_PEOPLE: usize = 5_000;

/// The two kinds of file a list comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// Text, comma or semicolon separated.
    Csv,
    /// An Excel workbook; its first sheet is read.
    Xlsx,
}

impl ListFormat {
    /// The format of a request's media type (lower case, no parameters).
    pub fn of_media_type(media: &str) -> Option<ListFormat> {
        match media {
            CSV => Some(ListFormat::Csv),
            XLSX => Some(ListFormat::Xlsx),
            _ => None,
        }
    }
}

/// A column a list may have, whatever its header's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Nik,
    BirthDate,
    Age,
    Sex,
    Disabilities,
    Phone,
    Address,
}

/// The headers understood, as written after [`header_key`].
const HEADERS: &[(&str, Column)] = &[
    ("nama", Column::Name),
    ("name", Column::Name),
    ("nik", Column::Nik),
    ("tanggal_lahir", Column::BirthDate),
    ("tgl_lahir", Column::BirthDate),
    ("birth_date", Column::BirthDate),
    ("umur", Column::Age),
    ("usia", Column::Age),
    ("age", Column::Age),
    ("jenis_kelamin", Column::Sex),
    ("sex", Column::Sex),
    ("disabilitas", Column::Disabilities),
    ("disabilities", Column::Disabilities),
    ("telepon", Column::Phone),
    ("no_hp", Column::Phone),
    ("phone", Column::Phone),
    ("alamat", Column::Address),
    ("address", Column::Address),
];

impl Column {
    /// The field of the single-person body this column fills, as errors name it.
    fn field(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Nik => "nik",
            Column::BirthDate => "birth_date",
            Column::Age => "age",
            Column::Sex => "sex",
            Column::Disabilities => "disabilities",
            Column::Phone => "phone",
            Column::Address => "address",
        }
    }
}

/// A header as compared: trimmed, lower case, spaces and dashes as `_`
/// (`Tanggal Lahir` is `tanggal_lahir`).
fn header_key(text: &str) -> String {
    text.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// The people of a list file, each with its row number, checked as
/// `POST /v1/reports/{id}/beneficiaries` checks one person; or every error
/// found, each at its row (errors about the file as a whole carry no row).
pub fn read_people(
    format: ListFormat,
    bytes: &[u8],
) -> Result<Vec<(u32, PersonDetails)>, Vec<FieldError>> {
    let rows = match format {
        ListFormat::Csv => csv_rows(bytes),
        ListFormat::Xlsx => xlsx_rows(bytes),
    }
    .map_err(|e| vec![e])?;
    let mut rows = rows
        .into_iter()
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
    let Some((header_row, header)) = rows.next() else {
        return Err(vec![FieldError::new(
            "file",
            "is empty: a header row and one row per person are needed",
        )]);
    };
    let columns = read_header(header_row, &header)?;
    let rows: Vec<(u32, Vec<String>)> = rows.collect();
    if rows.is_empty() {
        return Err(vec![FieldError::new(
            "file",
            "lists nobody: one row per person is needed under the header",
        )]);
    }
    if rows.len() > MAX_LIST_PEOPLE {
        return Err(vec![FieldError::new(
            "file",
            format!(
                "lists {} people; a list holds at most {MAX_LIST_PEOPLE}",
                rows.len()
            ),
        )]);
    }
    let mut people = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for (row, cells) in rows {
        match read_person(&columns, &cells) {
            Ok(details) => people.push((row, details)),
            Err(found) => errors.extend(found.into_iter().map(|e| e.at_row(row))),
        }
    }
    if errors.is_empty() {
        Ok(people)
    } else {
        Err(errors)
    }
}

/// The column of each header cell (`None`: a blank header over an empty
/// column); unknown or repeated headers are errors at the header's row.
fn read_header(row: u32, header: &[String]) -> Result<Vec<Option<Column>>, Vec<FieldError>> {
    let mut columns = Vec::with_capacity(header.len());
    let mut errors = Vec::new();
    for text in header {
        let key = header_key(text);
        if key.is_empty() {
            columns.push(None);
            continue;
        }
        match HEADERS.iter().find(|(name, _)| *name == key) {
            Some((_, column)) if columns.contains(&Some(*column)) => errors.push(
                FieldError::new(
                    column.field(),
                    format!("the column \"{}\" is given twice", text.trim()),
                )
                .at_row(row),
            ),
            Some((_, column)) => columns.push(Some(*column)),
            None => errors.push(
                FieldError::new(
                    "header",
                    format!(
                        "unknown column \"{}\"; the columns are: {}",
                        text.trim(),
                        HEADERS
                            .iter()
                            .map(|(name, _)| *name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .at_row(row),
            ),
        }
    }
    if errors.is_empty() {
        Ok(columns)
    } else {
        Err(errors)
    }
}

/// One row as the single-person body, then checked by its parse.
fn read_person(
    columns: &[Option<Column>],
    cells: &[String],
) -> Result<PersonDetails, Vec<FieldError>> {
    let mut input = BeneficiaryInput::default();
    let mut errors = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        let text = cell.trim();
        if text.is_empty() {
            continue;
        }
        let Some(column) = columns.get(i).copied().flatten() else {
            errors.push(FieldError::new(
                "header",
                format!("column {} has a value but no header", i + 1),
            ));
            continue;
        };
        let text = text.to_owned();
        match column {
            Column::Name => input.name = Some(text),
            Column::Nik => input.nik = Some(text),
            Column::Phone => input.phone = Some(text),
            Column::Address => input.address = Some(text),
            Column::BirthDate => input.birth_date = Some(iso_date(&text)),
            Column::Age => match text.parse::<i64>() {
                Ok(age) => input.age = Some(age),
                Err(_) => errors.push(FieldError::new("age", "must be a whole number of years")),
            },
            Column::Sex => match sex(&text) {
                Some(sex) => input.sex = Some(sex.to_owned()),
                None => errors.push(FieldError::new(
                    "sex",
                    "must be L or P (laki-laki, perempuan), or M or F (male, female)",
                )),
            },
            Column::Disabilities => input.disabilities = Some(disabilities(&text)),
        }
    }
    match input.parse() {
        Ok(details) if errors.is_empty() => Ok(details),
        Ok(_) => Err(errors),
        Err(found) => {
            errors.extend(found);
            Err(errors)
        }
    }
}

/// `F` or `M` from the ways lists write sex.
fn sex(text: &str) -> Option<&'static str> {
    match text.to_lowercase().as_str() {
        "l" | "lk" | "laki-laki" | "laki laki" | "m" | "male" => Some("M"),
        "p" | "pr" | "perempuan" | "f" | "female" => Some("F"),
        _ => None,
    }
}

/// The vocabulary's disabilities from a cell (`fisik; rungu`): Indonesian
/// words become the vocabulary's terms; anything else is kept, for the
/// parse to name it.
fn disabilities(text: &str) -> Vec<String> {
    text.split([';', ','])
        .map(header_key)
        .filter(|t| !t.is_empty())
        .map(|term| {
            match term.as_str() {
                "fisik" | "daksa" | "tunadaksa" => "physical",
                "intelektual" | "grahita" | "tunagrahita" => "intellectual",
                "mental" | "psikososial" => "mental",
                "netra" | "tunanetra" | "sensorik_netra" => "sensory_visual",
                "rungu" | "tunarungu" | "sensorik_rungu" => "sensory_hearing",
                "wicara" | "tunawicara" | "sensorik_wicara" => "sensory_speech",
                other => return other.to_owned(),
            }
            .to_owned()
        })
        .collect()
}

/// A birth date as `YYYY-MM-DD`: lists often write `DD/MM/YYYY` or
/// `DD-MM-YYYY`; anything else is left for the parse to refuse.
fn iso_date(text: &str) -> String {
    ["%d/%m/%Y", "%d-%m-%Y"]
        .iter()
        .find_map(|format| chrono::NaiveDate::parse_from_str(text, format).ok())
        .map_or_else(|| text.to_owned(), |day| day.format("%Y-%m-%d").to_string())
}

/// The rows of a CSV file, numbered by the line each starts on.
fn csv_rows(bytes: &[u8]) -> Result<Vec<(u32, Vec<String>)>, FieldError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| FieldError::new("file", "is not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header = text.lines().next().unwrap_or("");
    let delimiter = if header.matches(';').count() > header.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    // The line a record starts on, counted from its byte offset: the
    // reader's position is where it began reading, before the blank lines
    // it skips, and a spreadsheet shows those as rows.
    let line_at = |byte: u64| {
        let bytes = text.as_bytes();
        let mut start = (byte as usize).min(bytes.len());
        while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
            start += 1;
        }
        1 + bytes[..start].iter().filter(|b| **b == b'\n').count() as u32
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let row = e.position().map_or(0, |p| line_at(p.byte()));
            FieldError::new("file", format!("cannot be read as CSV: {e}")).at_row(row)
        })?;
        let row = record.position().map_or(0, |p| line_at(p.byte()));
        rows.push((row, record.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
}

/// The rows of the first sheet of an XLSX workbook, numbered as the sheet
/// numbers them.
fn xlsx_rows(bytes: &[u8]) -> Result<Vec<(u32, Vec<String>)>, FieldError> {
    let unreadable = || FieldError::new("file", "is not an XLSX workbook that can be read");
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let sheet = book
        .worksheet_range_at(0)
        .ok_or_else(|| FieldError::new("file", "has no sheet"))?
        .map_err(|_| unreadable())?;
    let top = sheet.start().map_or(0, |(row, _)| row);
    Ok(sheet
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            (
                top + i as u32 + 1,
                cells.iter().map(cell_text).collect::<Vec<_>>(),
            )
        })
        .collect())
}

/// A cell as the text a CSV would hold: whole numbers without a fraction
/// (NIKs and ages typed as numbers), dates as `YYYY-MM-DD`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e17 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.as_datetime().map_or_else(
            || d.to_string(),
            |t| t.date().format("%Y-%m-%d").to_string(),
        ),
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<FieldError> {
        read_people(ListFormat::Csv, text.as_bytes()).unwrap_err()
    }

    #[test]
    fn indonesian_headers_with_a_bom_and_semicolons_read_as_english_ones() {
        let id = "\u{feff}Nama;NIK;Tanggal Lahir;Jenis Kelamin;Disabilitas;No HP;Alamat\n\
                  Siti;1303015708450001;17/08/1945;P;fisik, rungu;081234567891;Jorong Koto\n";
        let en = "name,nik,birth_date,sex,disabilities,phone,address\n\
                  Siti,1303015708450001,1945-08-17,F,\"physical;sensory_hearing\",081234567891,Jorong Koto\n";
        let id = read_people(ListFormat::Csv, id.as_bytes()).unwrap();
        let en = read_people(ListFormat::Csv, en.as_bytes()).unwrap();
        assert_eq!(id, en);
        assert_eq!(id[0].0, 2);
        assert_eq!(id[0].1.disabilities.len(), 2);
    }

    #[test]
    fn errors_name_the_spreadsheet_row_and_the_field() {
        let found = errors("nama,umur,jenis_kelamin\nA,70,L\n\nB,tua,X\n");
        assert_eq!(
            found,
            vec![
                FieldError::new("age", "must be a whole number of years").at_row(4),
                FieldError::new(
                    "sex",
                    "must be L or P (laki-laki, perempuan), or M or F (male, female)"
                )
                .at_row(4),
            ]
        );
    }

    #[test]
    fn an_unknown_column_is_refused_at_the_header() {
        let found = errors("nama,hobi\nA,catur\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].row, Some(1));
        assert!(found[0].message.contains("\"hobi\""), "{found:?}");
    }

    #[test]
    fn a_header_alone_lists_nobody() {
        assert_eq!(errors("nama,nik\n")[0].field, "file");
        assert_eq!(errors("")[0].field, "file");
    }
}
