//! Reading a spreadsheet — CSV or XLSX — into rows of cells, with the problems a row has before
//! anything is interpreted: a formula where a value belongs, merged cells, an error value, a
//! line with the wrong number of values.
//!
//! CSV: a UTF-8 byte order mark is dropped; the delimiter (comma, semicolon or tab) is the one
//! the header line uses most, outside quotes. XLSX (calamine): every worksheet is read; the
//! header is its first non-empty row; lines are numbered as the spreadsheet shows them.

use calamine::{Data, Reader, Xlsx};
use chrono::{NaiveDate, NaiveDateTime};
use std::io::Cursor;

/// At most this many rows in one sheet (10,000 sessions of a few parts, 100,000 enrollments).
pub const MAX_ROWS: usize = 250_000;

/// One cell as the spreadsheet holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Flag(bool),
    /// An XLSX date or date-time cell.
    When(NaiveDateTime),
}

impl Cell {
    /// The cell as the person sees it, for messages ("'32.13.2026' is not a date").
    pub fn shown(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.chars().take(60).collect(),
            Cell::Number(n) => number_text(*n),
            Cell::Flag(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Cell::When(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }
}

/// A number without a spurious ".0" (12, 12.5).
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    /// The line (CSV) or row (XLSX) number, the header being the first.
    pub line: usize,
    pub cells: Vec<Cell>,
    /// Why the row cannot be read as it stands, in words for the person who made it.
    pub problem: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Sheet {
    /// The worksheet's name (XLSX), or the file's (CSV).
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
}

/// A file that cannot be read at all.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SheetError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is neither UTF-8 text (CSV) nor an XLSX workbook")]
    NotText,
    #[error("the workbook cannot be read: {0}")]
    Workbook(String),
    #[error("sheet '{sheet}' has no header row: the first row must name the columns")]
    NoHeader { sheet: String },
    #[error(
        "sheet '{sheet}': the header row has merged cells ({cells}); give every column its own name"
    )]
    MergedHeader { sheet: String, cells: String },
    #[error(
        "line {line}: a quoted value opens with \" and is never closed, so the rest of the file cannot be read"
    )]
    UnclosedQuote { line: usize },
    #[error("sheet '{sheet}' has more than {MAX_ROWS} rows: split it")]
    TooManyRows { sheet: String },
}

/// Reads a CSV file or an XLSX workbook (recognised by its content, not its name).
pub fn read(bytes: &[u8], name: &str) -> Result<Vec<Sheet>, SheetError> {
    if bytes.is_empty() {
        return Err(SheetError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| SheetError::NotText)?;
    Ok(vec![read_csv(text, name)?])
}

// ------------------------------------------------------------------ CSV

/// The delimiter the first non-empty line uses most, outside quotes: `,`, `;` or tab.
pub fn sniff_delimiter(text: &str) -> u8 {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in line.bytes() {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if *d == c {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == b','))
        .map_or(b',', |(d, _)| *d)
}

/// The line where a quoted value opens and never closes, if any.
fn unclosed_quote(text: &str, delimiter: u8) -> Option<usize> {
    let (mut line, mut opened_at) = (1, 0);
    let (mut field_start, mut quoted) = (true, false);
    let mut chars = text.chars().peekable();
    let delimiter = char::from(delimiter);
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                }
                '"' => quoted = false,
                '\n' => line += 1,
                _ => {}
            }
            continue;
        }
        match c {
            '"' if field_start => {
                quoted = true;
                opened_at = line;
                field_start = false;
            }
            '\r' => field_start = true,
            '\n' => {
                line += 1;
                field_start = true;
            }
            c if c == delimiter => field_start = true,
            _ => field_start = false,
        }
    }
    quoted.then_some(opened_at)
}

pub fn read_csv(text: &str, name: &str) -> Result<Sheet, SheetError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(SheetError::Empty);
    }
    let delimiter = sniff_delimiter(text);
    if let Some(line) = unclosed_quote(text, delimiter) {
        return Err(SheetError::UnclosedQuote { line });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| SheetError::Workbook(e.to_string()))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = line_of(text, &record);
        let Some(h) = &header else {
            header = Some(record.iter().map(str::to_owned).collect());
            continue;
        };
        if rows.len() == MAX_ROWS {
            return Err(SheetError::TooManyRows {
                sheet: name.to_owned(),
            });
        }
        let problem = (record.len() != h.len()).then(|| {
            format!(
                "this line has {} value(s) but the header has {} column(s); check for a missing or extra delimiter",
                record.len(),
                h.len()
            )
        });
        let cells = record
            .iter()
            .map(|v| {
                if v.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(v.to_owned())
                }
            })
            .collect();
        rows.push(Row {
            line,
            cells,
            problem,
        });
    }
    let header = header.ok_or_else(|| SheetError::NoHeader {
        sheet: name.to_owned(),
    })?;
    Ok(Sheet {
        name: name.to_owned(),
        header,
        rows,
    })
}

/// The physical line a record starts on, from its byte offset (the reader's own count lags on
/// CRLF files): past any line ends before the record.
fn line_of(text: &str, record: &csv::StringRecord) -> usize {
    let byte = record
        .position()
        .map_or(0, |p| p.byte() as usize)
        .min(text.len());
    let byte = if text.is_char_boundary(byte) { byte } else { 0 };
    let (head, rest) = text.split_at(byte);
    let mut line = head.matches('\n').count() + 1;
    for c in rest.chars() {
        match c {
            '\n' => line += 1,
            '\r' => {}
            _ => break,
        }
    }
    line
}

// ------------------------------------------------------------------ XLSX

/// "C7" for zero-based (row, column).
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", letters.into_iter().collect::<String>(), row + 1)
}

/// An Excel serial day number (1900 date system) as a date-time.
fn excel_time(serial: f64) -> Option<NaiveDateTime> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_hms_opt(0, 0, 0)?;
    let ms = (serial * 86_400_000.0).round() as i64;
    base.checked_add_signed(chrono::Duration::milliseconds(ms))
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Sheet>, SheetError> {
    let bad = |e: calamine::XlsxError| SheetError::Workbook(e.to_string());
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(bad)?;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(bad)?;
        let formulas = book.worksheet_formula(&name).map_err(bad)?;
        let merged: Vec<calamine::Dimensions> =
            book.merge_cells_by_sheet_name(&name).map_err(bad)?;
        if range.is_empty() {
            continue;
        }
        sheets.push(sheet_of(&name, &range, &formulas, &merged)?);
    }
    if sheets.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(sheets)
}

fn sheet_of(
    name: &str,
    range: &calamine::Range<Data>,
    formulas: &calamine::Range<String>,
    merged: &[calamine::Dimensions],
) -> Result<Sheet, SheetError> {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let width = range.width();
    let mut header: Option<(u32, Vec<String>)> = None;
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let abs_row = row0 + i as u32;
        if cells.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        let merged_here: Vec<String> = merged
            .iter()
            .filter(|d| d.start.0 <= abs_row && abs_row <= d.end.0)
            .map(|d| {
                format!(
                    "{}:{}",
                    cell_name(d.start.0, d.start.1),
                    cell_name(d.end.0, d.end.1)
                )
            })
            .collect();
        if header.is_none() {
            if !merged_here.is_empty() {
                return Err(SheetError::MergedHeader {
                    sheet: name.to_owned(),
                    cells: merged_here.join(", "),
                });
            }
            let h = cells.iter().map(|c| shown(c).trim().to_owned()).collect();
            header = Some((abs_row, h));
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(SheetError::TooManyRows {
                sheet: name.to_owned(),
            });
        }
        let mut problems = Vec::new();
        if !merged_here.is_empty() {
            problems.push(format!(
                "cells {} are merged; unmerge them and fill in every cell",
                merged_here.join(", ")
            ));
        }
        let mut out = Vec::with_capacity(width);
        for (j, c) in cells.iter().enumerate() {
            let abs_col = col0 + j as u32;
            if let Some(f) = formulas.get_value((abs_row, abs_col))
                && !f.is_empty()
            {
                problems.push(format!(
                    "cell {} holds a formula (={}); paste its value instead",
                    cell_name(abs_row, abs_col),
                    f.chars().take(40).collect::<String>()
                ));
            }
            out.push(match c {
                Data::Empty => Cell::Empty,
                Data::String(s) => Cell::Text(s.trim().to_owned()),
                Data::Int(n) => Cell::Number(*n as f64),
                Data::Float(f) => Cell::Number(*f),
                Data::Bool(b) => Cell::Flag(*b),
                Data::DateTime(t) => excel_time(t.as_f64()).map_or(Cell::Empty, Cell::When),
                Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
                Data::Error(e) => {
                    problems.push(format!(
                        "cell {} holds the error value {e:?}",
                        cell_name(abs_row, abs_col)
                    ));
                    Cell::Empty
                }
            });
        }
        rows.push(Row {
            line: abs_row as usize + 1,
            cells: out,
            problem: (!problems.is_empty()).then(|| problems.join("; ")),
        });
    }
    let Some((_, header)) = header else {
        return Err(SheetError::NoHeader {
            sheet: name.to_owned(),
        });
    };
    Ok(Sheet {
        name: name.to_owned(),
        header,
        rows,
    })
}

fn shown(c: &Data) -> String {
    match c {
        Data::String(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) => number_text(*f),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_delimiter_outside_quotes() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter("\"x;y;z\",b,c"), b',');
    }

    #[test]
    fn reads_a_semicolon_csv_with_a_bom() {
        let s = read_csv(
            "\u{feff}code;title\r\nA;Alpha\r\n\r\nB;Beta;extra\r\n",
            "f.csv",
        )
        .expect("reads");
        assert_eq!(s.header, vec!["code", "title"]);
        assert_eq!(s.rows.len(), 2);
        assert_eq!(s.rows[0].line, 2);
        assert_eq!(s.rows[0].cells[1], Cell::Text("Alpha".into()));
        assert_eq!(s.rows[1].line, 4);
        assert!(
            s.rows[1]
                .problem
                .as_deref()
                .unwrap_or("")
                .contains("3 value(s)")
        );
    }

    #[test]
    fn names_cells_as_a_spreadsheet_does() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(6, 2), "C7");
        assert_eq!(cell_name(0, 26), "AA1");
    }

    #[test]
    fn converts_excel_serial_dates() {
        let t = excel_time(46_086.375).expect("a time");
        assert_eq!(t.format("%Y-%m-%d %H:%M").to_string(), "2026-03-05 09:00");
    }
}
