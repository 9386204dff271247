//! The layouts: for each kind of record, the columns a sheet has (the same ones an export
//! writes), what type each holds, and the mapping from a sheet's own headers to them —
//! guessed from the header's words, or given, and remembered per kind.

use super::sheet::{Cell, number_text};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a sheet holds, in the order a workbook is imported (each kind refers only to earlier ones).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Courses,
    Venues,
    Rooms,
    Clients,
    Instructors,
    Learners,
    Sessions,
    Assignments,
    Enrollments,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Courses,
        Kind::Venues,
        Kind::Rooms,
        Kind::Clients,
        Kind::Instructors,
        Kind::Learners,
        Kind::Sessions,
        Kind::Assignments,
        Kind::Enrollments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Courses => "courses",
            Kind::Venues => "venues",
            Kind::Rooms => "rooms",
            Kind::Clients => "clients",
            Kind::Instructors => "instructors",
            Kind::Learners => "learners",
            Kind::Sessions => "sessions",
            Kind::Assignments => "assignments",
            Kind::Enrollments => "enrollments",
        }
    }

    /// A kind by its name, or a workbook sheet's name ("Sessions", "sessions.csv").
    pub fn parse(raw: &str) -> Option<Kind> {
        let key = raw.trim().to_lowercase();
        let key = key.strip_suffix(".csv").unwrap_or(&key);
        Kind::ALL.into_iter().find(|k| {
            k.as_str() == key
                || k.as_str().strip_suffix('s') == Some(key)
                || (*k == Kind::Rooms && key == "resources")
        })
    }

    pub fn columns(self) -> &'static [Column] {
        use Type::*;
        match self {
            Kind::Courses => {
                const C: &[Column] = &[
                    col("code", true, Text, &["course code", "course"]),
                    col("title", true, Text, &["name", "course title"]),
                    col("description", false, Text, &[]),
                    col("duration_days", false, Integer, &["days", "duration"]),
                    col("hours_per_day", false, Integer, &["hours"]),
                    col("delivery_modes", false, Text, &["modes", "delivery"]),
                    col("min_learners", false, Integer, &["min", "minimum"]),
                    col("max_learners", false, Integer, &["max", "maximum"]),
                    col("currency", false, Text, &[]),
                    col("list_price", false, Decimal, &["price"]),
                    col("day_rate", false, Decimal, &[]),
                    col("material_cost", false, Decimal, &["materials"]),
                    col("certificate_name", false, Text, &["certificate"]),
                    col(
                        "certificate_validity_months",
                        false,
                        Integer,
                        &["validity months", "validity"],
                    ),
                    col("required_skill", false, Text, &["skill"]),
                    col("required_features", false, Text, &["features"]),
                ];
                C
            }
            Kind::Venues => {
                const C: &[Column] = &[
                    col("code", true, Text, &["venue code", "venue"]),
                    col("name", true, Text, &["venue name"]),
                    col("address", false, Text, &["street"]),
                    col("city", false, Text, &["town"]),
                    col("country", false, Text, &[]),
                    col("time_zone", true, Text, &["zone", "timezone", "tz"]),
                    col("notes", false, Text, &[]),
                ];
                C
            }
            Kind::Rooms => {
                const C: &[Column] = &[
                    col("code", true, Text, &["room code", "room"]),
                    col("name", true, Text, &["room name"]),
                    col("kind", false, Text, &["type"]),
                    col("venue", false, Text, &["venue code"]),
                    col("seats", false, Integer, &["capacity", "places"]),
                    col("quantity", false, Integer, &[]),
                    col("features", false, Text, &["equipment"]),
                    col("notes", false, Text, &[]),
                ];
                C
            }
            Kind::Clients => {
                const C: &[Column] = &[
                    col("code", true, Text, &["client code", "client"]),
                    col(
                        "name",
                        true,
                        Text,
                        &["company", "client name", "organisation", "organization"],
                    ),
                    col(
                        "billing_email",
                        true,
                        Text,
                        &["email", "e-mail", "invoice email"],
                    ),
                    col("billing_address", false, Text, &["address"]),
                    col("currency", false, Text, &[]),
                    col("time_zone", false, Text, &["zone", "timezone"]),
                    col("requires_approval", false, Flag, &["approval"]),
                    col("notes", false, Text, &[]),
                    col("language", false, Text, &["lang"]),
                ];
                C
            }
            Kind::Instructors => {
                const C: &[Column] = &[
                    col("email", true, Text, &["e-mail", "instructor email", "mail"]),
                    col("name", true, Text, &["instructor", "full name"]),
                    col("phone", false, Text, &["telephone", "mobile"]),
                    col("employment_type", false, Text, &["employment", "contract"]),
                    col("home_venue", false, Text, &["venue", "base"]),
                    col("time_zone", false, Text, &["zone", "timezone"]),
                    col("currency", false, Text, &[]),
                    col("day_rate", false, Decimal, &[]),
                    col("hour_rate", false, Decimal, &["hourly rate"]),
                    col("max_days_week", false, Integer, &["days per week"]),
                    col("max_days_month", false, Integer, &["days per month"]),
                    col("skills", false, Text, &[]),
                    col("qualifications", false, Text, &["qualified for", "courses"]),
                    col("notes", false, Text, &[]),
                    col("language", false, Text, &["lang"]),
                ];
                C
            }
            Kind::Learners => {
                const C: &[Column] = &[
                    col("email", true, Text, &["e-mail", "mail", "email address"]),
                    col(
                        "first_name",
                        true,
                        Text,
                        &["first name", "given name", "firstname"],
                    ),
                    col(
                        "last_name",
                        true,
                        Text,
                        &["last name", "surname", "family name", "lastname"],
                    ),
                    col(
                        "client",
                        false,
                        Text,
                        &["client code", "company", "organisation"],
                    ),
                    col("phone", false, Text, &["telephone", "mobile"]),
                    col("time_zone", false, Text, &["zone", "timezone"]),
                    col("language", false, Text, &["lang"]),
                ];
                C
            }
            Kind::Sessions => {
                const C: &[Column] = &[
                    col(
                        "session",
                        true,
                        Text,
                        &["reference", "session reference", "key", "id"],
                    ),
                    col("course", true, Text, &["course code"]),
                    col(
                        "start",
                        true,
                        DateTime,
                        &["starts", "from", "begin", "start time"],
                    ),
                    col("end", true, DateTime, &["ends", "to", "until", "end time"]),
                    col("title", false, Text, &[]),
                    col("status", false, Text, &["state"]),
                    col("visibility", false, Text, &["public/private"]),
                    col("client", false, Text, &["client code"]),
                    col("delivery_mode", false, Text, &["mode", "delivery"]),
                    col("venue", false, Text, &["venue code", "location"]),
                    col("room", false, Text, &["room code"]),
                    col("capacity", false, Integer, &["seats", "places"]),
                    col("time_zone", false, Text, &["zone", "timezone"]),
                    col("currency", false, Text, &[]),
                    col("seat_price", false, Decimal, &["price"]),
                    col("language", false, Text, &["delivery language", "lang"]),
                    col("joining_url", false, Text, &["url", "link"]),
                    col("notes", false, Text, &[]),
                ];
                C
            }
            Kind::Assignments => {
                const C: &[Column] = &[
                    col("session", true, Text, &["reference", "session reference"]),
                    col(
                        "instructor",
                        true,
                        Text,
                        &["instructor email", "email", "trainer"],
                    ),
                    col("role", false, Text, &[]),
                    col("status", false, Text, &["state"]),
                ];
                C
            }
            Kind::Enrollments => {
                const C: &[Column] = &[
                    col("session", true, Text, &["reference", "session reference"]),
                    col(
                        "learner",
                        true,
                        Text,
                        &["learner email", "email", "participant", "e-mail"],
                    ),
                ];
                C
            }
        }
    }

    /// The column `field` of this kind.
    pub fn column(self, field: &str) -> Option<&'static Column> {
        self.columns().iter().find(|c| c.field == field)
    }
}

/// What a column holds; a cell of the wrong type is a row problem naming the cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Text,
    Integer,
    Decimal,
    DateTime,
    Flag,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub field: &'static str,
    pub required: bool,
    pub ty: Type,
    /// Other headers that mean this column.
    pub aliases: &'static [&'static str],
}

const fn col(
    field: &'static str,
    required: bool,
    ty: Type,
    aliases: &'static [&'static str],
) -> Column {
    Column {
        field,
        required,
        ty,
        aliases,
    }
}

/// Which header of the sheet feeds which field (`field → header as written`).
pub type Mapping = BTreeMap<String, String>;

/// A header's words, compared loosely: "Start Time", "start_time" and "start-time" agree.
fn norm(h: &str) -> String {
    h.trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c == '_' || c == '-' || c == '.' {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The automatic guess: a header that is the field's name or one of its aliases, loosely.
pub fn guess(kind: Kind, header: &[String]) -> Mapping {
    let mut m = Mapping::new();
    let mut taken = vec![false; header.len()];
    // Exact field names first, so "email" is not taken by an alias of another column.
    for pass in 0..2 {
        for c in kind.columns() {
            if m.contains_key(c.field) {
                continue;
            }
            let names: Vec<String> = if pass == 0 {
                vec![norm(c.field)]
            } else {
                c.aliases.iter().map(|a| norm(a)).collect()
            };
            if let Some(i) = header
                .iter()
                .enumerate()
                .position(|(i, h)| !taken[i] && names.contains(&norm(h)))
            {
                taken[i] = true;
                m.insert(c.field.to_owned(), header[i].clone());
            }
        }
    }
    m
}

/// The mapping applied to a header: the index of each field's column. Problems (a required field
/// without a column, a header that is not there, a column fed twice) refuse the sheet.
pub fn resolve(
    kind: Kind,
    header: &[String],
    mapping: &Mapping,
) -> Result<Vec<(Column, usize)>, String> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (field, h) in mapping {
        let Some(c) = kind.column(field) else {
            problems.push(format!("'{field}' is not a column of {}", kind.as_str()));
            continue;
        };
        match header.iter().position(|x| norm(x) == norm(h)) {
            Some(i) => out.push((*c, i)),
            None => problems.push(format!("the sheet has no column '{h}' (for {field})")),
        }
    }
    let missing: Vec<&str> = kind
        .columns()
        .iter()
        .filter(|c| c.required && !mapping.contains_key(c.field))
        .map(|c| c.field)
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "no column for {}: name the sheet's column for each (e.g. --mapping {}=\"Your header\")",
            missing.join(", "),
            missing[0]
        ));
    }
    if problems.is_empty() {
        out.sort_by_key(|(c, _)| kind.columns().iter().position(|x| x.field == c.field));
        Ok(out)
    } else {
        Err(problems.join("; "))
    }
}

/// A cell as the text a record's fields take, or why it is not of the column's type.
pub fn value(cell: &Cell, ty: Type) -> Result<String, String> {
    let shown = || format!("'{}'", cell.shown());
    match (ty, cell) {
        (_, Cell::Empty) => Ok(String::new()),
        (Type::Text, Cell::When(t)) => Ok(t.format("%Y-%m-%d").to_string()),
        (Type::Text, c) => Ok(c.shown().trim().to_owned()),
        (Type::Integer, Cell::Number(n)) if n.fract() == 0.0 => Ok(number_text(*n)),
        (Type::Integer, Cell::Text(t)) if t.trim().parse::<i64>().is_ok() => {
            Ok(t.trim().to_owned())
        }
        (Type::Integer, _) => Err(format!("{} is not a whole number", shown())),
        (Type::Decimal, Cell::Number(n)) => Ok(number_text(*n)),
        (Type::Decimal, Cell::Text(t)) if decimal(t).is_some() => {
            Ok(decimal(t).unwrap_or_default())
        }
        (Type::Decimal, _) => Err(format!("{} is not an amount (like 1250.00)", shown())),
        (Type::Flag, Cell::Flag(b)) => Ok(if *b { "yes" } else { "no" }.to_owned()),
        (Type::Flag, Cell::Number(n)) if *n == 0.0 || *n == 1.0 => {
            Ok(if *n == 1.0 { "yes" } else { "no" }.to_owned())
        }
        (Type::Flag, Cell::Text(t)) => match t.trim().to_lowercase().as_str() {
            "yes" | "y" | "true" | "1" | "ja" | "x" => Ok("yes".into()),
            "no" | "n" | "false" | "0" | "nein" | "" => Ok("no".into()),
            _ => Err(format!("{} is not yes or no", shown())),
        },
        (Type::Flag, _) => Err(format!("{} is not yes or no", shown())),
        (Type::DateTime, Cell::When(t)) => Ok(t.format("%Y-%m-%dT%H:%M").to_string()),
        (Type::DateTime, Cell::Text(t)) => date_time(t)
            .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
            .ok_or_else(|| {
                if t.contains(':') {
                    format!("{} is not a date and time (like 2026-03-09 09:00)", shown())
                } else {
                    format!("{} is not a date", shown())
                }
            }),
        (Type::DateTime, _) => Err(format!("{} is not a date", shown())),
    }
}

/// "1250.50", "1,250.50" or "1250,50" as "1250.50".
fn decimal(t: &str) -> Option<String> {
    let t = t.trim();
    let plain = if t.contains(',')
        && !t.contains('.')
        && t.rsplit(',').next().is_some_and(|d| d.len() <= 2)
    {
        t.replace(',', ".")
    } else {
        t.replace(',', "")
    };
    plain.parse::<f64>().ok().map(|_| plain)
}

/// A local date and time: ISO (2026-03-09 09:00, 2026-03-09T09:00) or German (09.03.2026 09:00).
fn date_time(t: &str) -> Option<NaiveDateTime> {
    let t = t.trim();
    for f in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%d.%m.%Y %H:%M",
    ] {
        if let Ok(v) = NaiveDateTime::parse_from_str(t, f) {
            return Some(v);
        }
    }
    // A date alone is a date; without a time it cannot be a part's start, and says so below.
    let _ = NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_columns_from_loose_headers() {
        let header: Vec<String> = ["Session", "Course Code", "Start Time", "ends", "Room"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = guess(Kind::Sessions, &header);
        assert_eq!(m.get("course").map(String::as_str), Some("Course Code"));
        assert_eq!(m.get("start").map(String::as_str), Some("Start Time"));
        assert_eq!(m.get("end").map(String::as_str), Some("ends"));
        assert!(resolve(Kind::Sessions, &header, &m).is_ok());
        let e = resolve(
            Kind::Sessions,
            &header[..2],
            &guess(Kind::Sessions, &header[..2]),
        )
        .expect_err("no start");
        assert!(e.contains("start"), "{e}");
    }

    #[test]
    fn names_wrong_types() {
        let e = value(&Cell::Text("32.13.2026".into()), Type::DateTime).expect_err("bad");
        assert_eq!(e, "'32.13.2026' is not a date");
        assert_eq!(
            value(&Cell::Text("09.03.2026 09:00".into()), Type::DateTime).as_deref(),
            Ok("2026-03-09T09:00")
        );
        assert!(value(&Cell::Text("twelve".into()), Type::Integer).is_err());
        assert_eq!(
            value(&Cell::Number(12.0), Type::Integer).as_deref(),
            Ok("12")
        );
        assert_eq!(
            value(&Cell::Text("1250,50".into()), Type::Decimal).as_deref(),
            Ok("1250.50")
        );
    }

    #[test]
    fn kinds_by_name() {
        assert_eq!(Kind::parse("Sessions"), Some(Kind::Sessions));
        assert_eq!(Kind::parse("session"), Some(Kind::Sessions));
        assert_eq!(Kind::parse("enrollments.csv"), Some(Kind::Enrollments));
        assert_eq!(Kind::parse("nothing"), None);
    }
}
