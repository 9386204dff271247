//! Bulk enrollment — a CSV upload or a multi-select of learners — and the client portal's read
//! model.
//!
//! A bulk enrollment is all-or-nothing. Every row is first validated on its own (names, e-mail,
//! session, repeats within the file); then all rows run through the ordinary [`enroll_in`] inside
//! ONE write transaction, so seats, waitlist positions, authorization, cut-offs and duplicates are
//! decided exactly as for a single enrollment. A dry run rolls that transaction back: it predicts
//! booked vs waitlisted exactly and changes nothing. An apply commits only when no row failed;
//! otherwise it rolls back too and names the broken lines.
//!
//! [`enroll_in`]: crate::enrollment::enroll_in

use crate::{App, AppError, Caller, now_ms};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use trainyard_core::records::LearnerFields;
use trainyard_core::status::{EnrollmentStatus, SessionStatus, Visibility};
use trainyard_core::{Invalid, Role};
use trainyard_store::enrollments::{self, Enrollment};
use trainyard_store::learners::{self, Learner, LearnerFilter};
use trainyard_store::sessions::{self, Session, SessionFilter};
use trainyard_store::{Conn, StoreError};

/// At most this many rows in one upload.
pub const MAX_ROWS: usize = 1000;

/// The columns a CSV may have, in the order a template offers them.
pub const COLUMNS: &str = "first_name,last_name,email,session";

/// What happened (or, in a dry run, would happen) to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Booked,
    Waitlisted,
    /// Waits for the client's approval (clients that approve their contacts' enrollments).
    Requested,
    /// The row cannot be enrolled; `message` says why.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Booked => "booked",
            Outcome::Waitlisted => "waitlisted",
            Outcome::Requested => "requested",
            Outcome::Error => "error",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Booked => "Booked",
            Outcome::Waitlisted => "Waitlisted",
            Outcome::Requested => "Requested",
            Outcome::Error => "Error",
        }
    }
}

/// One row of the report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowOutcome {
    /// The line of the CSV (the header is line 1); for a selection of learners, its position.
    pub line: usize,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// The session's reference (S-00012) once found; otherwise the text as given.
    pub session_reference: String,
    pub session_id: Option<i64>,
    pub outcome: Outcome,
    /// The learner did not exist and is (or would be) created.
    pub new_learner: bool,
    pub waitlist_position: Option<i64>,
    /// Why the row failed, or what was done, in words for the person who uploaded it.
    pub message: String,
}

/// The row-by-row report of a dry run or an apply.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// Nothing was meant to change (a check).
    pub dry_run: bool,
    /// The enrollments were committed. False for a dry run and for a refused apply.
    pub applied: bool,
    pub booked: usize,
    pub waitlisted: usize,
    pub requested: usize,
    /// Rows that cannot be enrolled.
    pub broken: usize,
    pub new_learners: usize,
    pub rows: Vec<RowOutcome>,
}

impl Report {
    fn new(dry_run: bool, rows: Vec<RowOutcome>) -> Self {
        let n = |o: Outcome| rows.iter().filter(|r| r.outcome == o).count();
        Self {
            dry_run,
            applied: false,
            booked: n(Outcome::Booked),
            waitlisted: n(Outcome::Waitlisted),
            requested: n(Outcome::Requested),
            broken: n(Outcome::Error),
            new_learners: rows
                .iter()
                .filter(|r| r.new_learner && r.outcome != Outcome::Error)
                .count(),
            rows,
        }
    }

    /// The broken rows as a validation error: one entry per line, named "line N".
    pub fn refusal(&self) -> Invalid {
        let mut inv = Invalid::new();
        for r in self.rows.iter().filter(|r| r.outcome == Outcome::Error) {
            inv.add(&format!("line {}", r.line), r.message.clone());
        }
        inv
    }

    /// "lines 3, 5 and 9"
    pub fn broken_lines(&self) -> String {
        let lines: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.outcome == Outcome::Error)
            .map(|r| r.line.to_string())
            .collect();
        match lines.len() {
            0 => String::new(),
            1 => format!("line {}", lines[0]),
            n => format!("lines {} and {}", lines[..n - 1].join(", "), lines[n - 1]),
        }
    }

    /// One sentence about the outcome, for a notice.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if self.booked > 0 {
            parts.push(format!("{} booked", self.booked));
        }
        if self.waitlisted > 0 {
            parts.push(format!("{} waitlisted", self.waitlisted));
        }
        if self.requested > 0 {
            parts.push(format!("{} awaiting approval", self.requested));
        }
        if self.new_learners > 0 {
            parts.push(format!("{} new learner(s)", self.new_learners));
        }
        let what = if parts.is_empty() {
            "nothing to enroll".to_owned()
        } else {
            parts.join(", ")
        };
        let people = self.rows.len();
        if self.applied {
            format!("Enrolled {people} row(s): {what}.")
        } else if self.broken > 0 {
            format!(
                "{} of {people} row(s) cannot be enrolled ({}); nothing was changed.",
                self.broken,
                self.broken_lines()
            )
        } else {
            format!("All {people} row(s) can be enrolled: {what}. Nothing was changed yet.")
        }
    }
}

/// One row as given: from a CSV line or a chosen learner.
#[derive(Debug, Clone, Default)]
pub struct RowInput {
    pub line: usize,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// A reference (S-00012) or an id; empty for the default session.
    pub session: String,
    /// A problem found while reading the line (the wrong number of values).
    pub problem: Option<String>,
}

/// Checks the CSV: every row's outcome is predicted exactly (seats included), nothing changes.
pub async fn dry_run(
    app: &App,
    caller: &Caller,
    csv_text: &str,
    default_session_id: Option<i64>,
) -> Result<Vec<RowOutcome>, AppError> {
    Ok(run_csv(app, caller, csv_text, default_session_id, false)
        .await?
        .rows)
}

/// Enrolls every row of the CSV, or none: any broken row refuses the whole upload with
/// [`AppError::Invalid`] naming the broken lines.
pub async fn apply(
    app: &App,
    caller: &Caller,
    csv_text: &str,
    default_session_id: Option<i64>,
) -> Result<Vec<RowOutcome>, AppError> {
    let report = run_csv(app, caller, csv_text, default_session_id, true).await?;
    if report.applied {
        Ok(report.rows)
    } else {
        Err(report.refusal().into())
    }
}

/// The dry run (`commit = false`) or the apply (`commit = true`) of a CSV, with the whole report
/// either way. Errors are for the upload as a whole (not allowed, unreadable CSV, too many rows);
/// row problems are in the report, and an apply with any of them is not applied.
pub async fn run_csv(
    app: &App,
    caller: &Caller,
    csv_text: &str,
    default_session_id: Option<i64>,
    commit: bool,
) -> Result<Report, AppError> {
    may_bulk_enroll(caller)?;
    let rows = parse_csv(csv_text)?;
    run_rows(app, caller, rows, default_session_id, commit).await
}

/// Enrolls chosen learners into one session, all or nothing, through the same machinery.
pub async fn run_selection(
    app: &App,
    caller: &Caller,
    session_id: Option<i64>,
    learner_ids: &[i64],
    commit: bool,
) -> Result<Report, AppError> {
    may_bulk_enroll(caller)?;
    let mut inv = Invalid::new();
    if session_id.is_none() {
        inv.add("session_id", "choose a session");
    }
    let mut ids: Vec<i64> = Vec::new();
    for id in learner_ids {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    if ids.is_empty() {
        inv.add("learner_id", "choose at least one learner");
    }
    if ids.len() > MAX_ROWS {
        inv.add("learner_id", format!("at most {MAX_ROWS} learners at once"));
    }
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let mut rows = Vec::with_capacity(ids.len());
    {
        let mut conn = app.store.read().await?;
        for (i, id) in ids.iter().enumerate() {
            let l = match learners::get(&mut conn, *id).await {
                Ok(l) if caller.role.can_edit_operations() || l.client_id == caller.client_id => l,
                Ok(_) | Err(StoreError::NotFound) => return Err(AppError::NotFound("learner")),
                Err(e) => return Err(e.into()),
            };
            rows.push(RowInput {
                line: i + 1,
                first_name: l.first_name,
                last_name: l.last_name,
                email: l.email,
                session: String::new(),
                problem: None,
            });
        }
    }
    run_rows(app, caller, rows, session_id, commit).await
}

fn may_bulk_enroll(caller: &Caller) -> Result<(), AppError> {
    let ok = caller.role.can_edit_operations()
        || (caller.role == Role::ClientContact && caller.client_id.is_some());
    caller.require(ok, "enroll people in bulk")
}

// ------------------------------------------------------------------ the CSV

fn column_of(name: &str) -> Option<&'static str> {
    let key: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '-' { '_' } else { c })
        .collect();
    match key.as_str() {
        "first_name" | "firstname" | "given_name" => Some("first_name"),
        "last_name" | "lastname" | "surname" | "family_name" => Some("last_name"),
        "email" | "e_mail" | "email_address" | "e_mail_address" => Some("email"),
        "session" | "session_reference" | "session_id" | "reference" => Some("session"),
        _ => None,
    }
}

/// The line where a quoted value opens and never closes, if any. A quote opens a quoted value only
/// at the start of a field (as the CSV reader reads it); `""` inside one is an escaped quote.
fn unclosed_quote(text: &str) -> Option<usize> {
    let (mut line, mut opened_at) = (1, 0);
    let (mut field_start, mut quoted) = (true, false);
    let mut chars = text.chars().peekable();
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
            ',' | '\r' => field_start = true,
            '\n' => {
                line += 1;
                field_start = true;
            }
            _ => field_start = false,
        }
    }
    quoted.then_some(opened_at)
}

fn csv_error(message: String) -> AppError {
    Invalid::field("csv", message).into()
}

/// Reads the CSV into rows. A header is required; columns first_name, last_name, email and
/// optionally session, in any order. Problems that stop the file from being read reliably (an
/// unclosed quote, a bad header, too many rows) refuse the whole file, naming the line; a row with
/// the wrong number of values becomes an error row in the report.
pub fn parse_csv(text: &str) -> Result<Vec<RowInput>, AppError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(csv_error(format!(
            "is empty: paste a header line ({COLUMNS}) and one line per person"
        )));
    }
    if let Some(line) = unclosed_quote(text) {
        return Err(csv_error(format!(
            "line {line}: a quoted value opens with \" and is never closed, so the rest of the file cannot be read; close the quote or remove it"
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = loop {
        match records.next() {
            None => {
                return Err(csv_error(format!(
                    "has no header line: the first line must name the columns ({COLUMNS})"
                )));
            }
            Some(Err(e)) => return Err(csv_error(read_error(&e))),
            Some(Ok(r)) if r.iter().all(str::is_empty) => continue,
            Some(Ok(r)) => break r,
        }
    };
    let header_line = line_of(text, &header);
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    let mut unknown = Vec::new();
    for (i, name) in header.iter().enumerate() {
        match column_of(name) {
            Some(col) if index.contains_key(col) => {
                return Err(csv_error(format!(
                    "line {header_line}: the column '{col}' appears twice in the header"
                )));
            }
            Some(col) => {
                index.insert(col, i);
            }
            None => unknown.push(name.chars().take(40).collect::<String>()),
        }
    }
    let missing: Vec<&str> = ["first_name", "last_name", "email"]
        .into_iter()
        .filter(|c| !index.contains_key(c))
        .collect();
    if !missing.is_empty() || !unknown.is_empty() {
        let mut why = Vec::new();
        if !missing.is_empty() {
            why.push(format!("it lacks {}", missing.join(", ")));
        }
        if !unknown.is_empty() {
            why.push(format!(
                "'{}' {} not a known column",
                unknown.join("', '"),
                if unknown.len() == 1 { "is" } else { "are" }
            ));
        }
        let hint = if header.iter().any(|v| v.contains('@')) {
            " (the first line looks like a person: add the header line above it)"
        } else if header.len() == 1 && header.iter().any(|v| v.contains(';')) {
            " (the values are separated by ';': save the file as comma-separated CSV)"
        } else {
            ""
        };
        return Err(csv_error(format!(
            "line {header_line}: the header must name the columns {COLUMNS} (session is optional): {}{hint}",
            why.join("; ")
        )));
    }
    let width = header.len();
    let get = |r: &csv::StringRecord, col: &str| {
        index
            .get(col)
            .and_then(|i| r.get(*i))
            .unwrap_or_default()
            .to_owned()
    };
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| csv_error(read_error(&e)))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = line_of(text, &record);
        if record.iter().any(|v| v.contains(['\n', '\r'])) {
            return Err(csv_error(format!(
                "line {line}: a quoted value runs over several lines; names, e-mail addresses and sessions fit on one line"
            )));
        }
        if rows.len() == MAX_ROWS {
            return Err(csv_error(format!(
                "has more than {MAX_ROWS} rows: split it into several uploads"
            )));
        }
        let problem = (record.len() != width).then(|| {
            format!(
                "this line has {} value(s) but the header has {width} column(s); check for a missing or extra comma",
                record.len()
            )
        });
        rows.push(RowInput {
            line,
            first_name: get(&record, "first_name"),
            last_name: get(&record, "last_name"),
            email: get(&record, "email"),
            // Values out of their columns must not pick a session.
            session: if problem.is_some() {
                String::new()
            } else {
                get(&record, "session")
            },
            problem,
        });
    }
    if rows.is_empty() {
        return Err(csv_error(format!(
            "has a header but no people: add one line per person ({COLUMNS})"
        )));
    }
    Ok(rows)
}

/// The physical line a record starts on. The reader's own line count skips blank lines, so count
/// from the byte offset, past any blank lines before the record.
fn line_of(text: &str, record: &csv::StringRecord) -> usize {
    let byte = record.position().map_or(0, |p| p.byte() as usize);
    let byte = byte.min(text.len());
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

fn read_error(e: &csv::Error) -> String {
    match e.position() {
        Some(p) => format!("line {}: cannot be read ({e})", p.line()),
        None => format!("cannot be read ({e})"),
    }
}

// ------------------------------------------------------------------ the run

fn outcome(row: &RowInput, message: String) -> RowOutcome {
    RowOutcome {
        line: row.line,
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        email: row.email.clone(),
        session_reference: row.session.clone(),
        session_id: None,
        outcome: Outcome::Error,
        new_learner: false,
        waitlist_position: None,
        message,
    }
}

fn field_name(f: &str) -> &str {
    match f {
        "first_name" => "first name",
        "last_name" => "last name",
        "email" => "e-mail",
        other => other,
    }
}

/// The row's own problems, before any database work.
fn check_row(row: &RowInput) -> Option<String> {
    if let Some(p) = &row.problem {
        return Some(p.clone());
    }
    let fields = LearnerFields {
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        email: row.email.clone(),
        time_zone: "UTC".into(),
        ..Default::default()
    };
    match fields.validate() {
        Ok(_) => None,
        Err(inv) => Some(
            inv.errors
                .iter()
                .map(|e| format!("{} {}", field_name(&e.field), e.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

/// A session as the CSV names it: `S-00012` or `12`. `Ok(Err(..))` is a row problem.
async fn resolve_session(
    conn: &mut Conn,
    caller: &Caller,
    raw: &str,
) -> Result<Result<Session, String>, AppError> {
    let raw = raw.trim();
    let shown: String = raw.chars().take(40).collect();
    let upper = raw.to_uppercase();
    let id = upper
        .strip_prefix("S-")
        .unwrap_or(&upper)
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0);
    let Some(id) = id else {
        return Ok(Err(format!(
            "'{shown}' is not a session reference (like S-00012) or a session number"
        )));
    };
    let missing = || {
        Ok(Err(format!(
            "there is no session {shown} that you can enroll people into"
        )))
    };
    let s = match sessions::get(conn, id).await {
        Ok(s) => s,
        Err(StoreError::NotFound) => return missing(),
        Err(e) => return Err(e.into()),
    };
    if upper.starts_with("S-") && !s.reference.eq_ignore_ascii_case(raw) {
        return missing();
    }
    let visible = caller.role.can_edit_operations()
        || s.client_id.is_none()
        || (caller.client_id.is_some() && s.client_id == caller.client_id);
    if !visible {
        // Whether another client's private session exists is itself private.
        return missing();
    }
    if s.archived_at.is_some() {
        return Ok(Err(format!(
            "session {} is archived: it takes no enrollments",
            s.reference
        )));
    }
    Ok(Ok(s))
}

/// Errors that leave the transaction usable are row problems; anything from the database aborts
/// the whole run (on PostgreSQL a failed statement poisons the transaction).
fn row_problem(e: AppError) -> Result<String, AppError> {
    match e {
        AppError::Refused(m) => Ok(m.english),
        e @ (AppError::NotFound(_) | AppError::Forbidden(_) | AppError::Invalid(_)) => {
            Ok(e.to_string())
        }
        other => Err(other),
    }
}

/// Runs rows in one write transaction; commits only when asked and no row failed.
pub async fn run_rows(
    app: &App,
    caller: &Caller,
    rows: Vec<RowInput>,
    default_session_id: Option<i64>,
    commit: bool,
) -> Result<Report, AppError> {
    may_bulk_enroll(caller)?;
    if rows.len() > MAX_ROWS {
        return Err(csv_error(format!(
            "has more than {MAX_ROWS} rows: split it into several uploads"
        )));
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;

    let default_session = match default_session_id {
        Some(id) => match resolve_session(&mut tx, caller, &id.to_string()).await? {
            Ok(s) => Some(s),
            Err(_) => return Err(AppError::NotFound("session")),
        },
        None => None,
    };

    // 1. Each row on its own, and its session.
    let mut cache: HashMap<String, Result<Session, String>> = HashMap::new();
    let mut out: Vec<RowOutcome> = Vec::with_capacity(rows.len());
    let mut ready: Vec<(usize, Session)> = Vec::new();
    for row in &rows {
        let mut o = outcome(row, String::new());
        if let Some(problem) = check_row(row) {
            o.message = problem;
            out.push(o);
            continue;
        }
        let session = if row.session.trim().is_empty() {
            match &default_session {
                Some(s) => Ok(s.clone()),
                None => Err(
                    "no session: add a session column (like S-00012) or choose a session for the whole upload"
                        .to_owned(),
                ),
            }
        } else {
            let key = row.session.trim().to_uppercase();
            if !cache.contains_key(&key) {
                let found = resolve_session(&mut tx, caller, &row.session).await?;
                cache.insert(key.clone(), found);
            }
            cache
                .get(&key)
                .cloned()
                .unwrap_or_else(|| Err(String::new()))
        };
        match session {
            Ok(s) => {
                o.session_reference = s.reference.clone();
                o.session_id = Some(s.id);
                ready.push((out.len(), s));
            }
            Err(m) => o.message = m,
        }
        out.push(o);
    }

    // 2. Lock every session involved, in id order, so concurrent uploads cannot deadlock.
    let ids: BTreeSet<i64> = ready.iter().map(|(_, s)| s.id).collect();
    for id in &ids {
        sessions::touch(&mut tx, *id).await?;
    }

    // 3. Enroll, row by row, exactly as one enrollment would.
    let mut seen: HashMap<(String, i64), usize> = HashMap::new();
    for (i, s) in ready {
        let line = out[i].line;
        let email = match trainyard_core::EmailAddress::parse(&out[i].email) {
            Ok(e) => e.as_str().to_owned(),
            Err(e) => {
                out[i].message = format!("e-mail {e}");
                continue;
            }
        };
        if let Some(first) = seen.get(&(email.to_lowercase(), s.id)) {
            out[i].message = format!(
                "repeats line {first}: {email} is already in this upload for {}",
                s.reference
            );
            continue;
        }
        seen.insert((email.to_lowercase(), s.id), line);

        let (learner_id, created) =
            match learner_for(&mut tx, caller, &out[i], &email, &s, now).await? {
                Ok(found) => found,
                Err(m) => {
                    out[i].message = m;
                    continue;
                }
            };
        out[i].new_learner = created;
        match crate::enrollment::enroll_in(app, &mut tx, caller, s.id, learner_id, 0, now).await {
            Ok(e) => {
                out[i].outcome = match e.status {
                    EnrollmentStatus::Booked => Outcome::Booked,
                    EnrollmentStatus::Waitlisted => Outcome::Waitlisted,
                    _ => Outcome::Requested,
                };
                out[i].waitlist_position = e.waitlist_position;
            }
            Err(e) => out[i].message = row_problem(e)?,
        }
    }

    let mut report = Report::new(!commit, out);
    if commit && report.broken == 0 {
        tx.commit().await?;
        report.applied = true;
    } else {
        tx.rollback().await?;
    }
    let applied = report.applied;
    for row in report
        .rows
        .iter_mut()
        .filter(|r| r.outcome != Outcome::Error)
    {
        row.message = describe(row, applied);
    }
    Ok(report)
}

/// What was done for a good row — or, when nothing was applied, what would be done.
fn describe(row: &RowOutcome, applied: bool) -> String {
    let position = row.waitlist_position.unwrap_or_default();
    let what = match (row.outcome, applied) {
        (Outcome::Booked, true) => "booked".to_owned(),
        (Outcome::Booked, false) => "would be booked: a seat is free".to_owned(),
        (Outcome::Waitlisted, true) => {
            format!("the session is full: on the waiting list at position {position}")
        }
        (Outcome::Waitlisted, false) => {
            format!("the session is full: would be on the waiting list at position {position}")
        }
        (_, true) => "requested: waits for your organisation's approval".to_owned(),
        (_, false) => {
            "would be requested: enrollments wait for your organisation's approval".to_owned()
        }
    };
    match (row.new_learner, applied) {
        (true, true) => format!("new learner added; {what}"),
        (true, false) => format!("new learner (would be added); {what}"),
        _ => what,
    }
}

/// The learner for a row: found by e-mail, or created. `Ok(Err(..))` is a row problem.
async fn learner_for(
    tx: &mut Conn,
    caller: &Caller,
    row: &RowOutcome,
    email: &str,
    s: &Session,
    now: i64,
) -> Result<Result<(i64, bool), String>, AppError> {
    let staff = caller.role.can_edit_operations();
    let mut found = learners::find_by_email(tx, email).await?;
    let lower = email.to_lowercase();
    if found.is_none() && lower != email {
        // "Ann.Lee@…" in the file, "ann.lee@…" on record: the same person.
        found = learners::find_by_email(tx, &lower).await?;
    }
    if let Some(l) = found {
        if !staff && (caller.client_id.is_none() || l.client_id != caller.client_id) {
            return Ok(Err(format!(
                "{email} belongs to a learner outside your organisation; ask your coordinator to enroll them"
            )));
        }
        if l.archived_at.is_some() {
            return Ok(Err(format!(
                "{} {} ({email}) is archived; a coordinator must restore them first",
                l.first_name, l.last_name
            )));
        }
        return Ok(Ok((l.id, false)));
    }
    let client = if staff { s.client_id } else { caller.client_id };
    let fields = LearnerFields {
        first_name: row.first_name.clone(),
        last_name: row.last_name.clone(),
        email: email.to_owned(),
        client_id: client.map(|c| c.to_string()).unwrap_or_default(),
        phone: String::new(),
        time_zone: s.time_zone.clone(),
        language: String::new(),
    };
    let input = match fields.validate() {
        Ok(i) => i,
        Err(inv) => return Ok(Err(inv.summary())),
    };
    let id = learners::insert(tx, &input, now).await?;
    let after = learners::get(tx, id).await?;
    crate::audit::record(
        tx,
        caller,
        now,
        "learner.created",
        ("learner", id),
        None,
        Some(&after),
    )
    .await?;
    Ok(Ok((id, true)))
}

// ------------------------------------------------------------------ choosers and the portal

/// Upcoming sessions open for enrollment that the caller may enroll people into: for a client
/// contact their organisation's private sessions and the public ones; for staff every one.
pub async fn enrollable_sessions(app: &App, caller: &Caller) -> Result<Vec<Session>, AppError> {
    may_bulk_enroll(caller)?;
    let now = now_ms();
    let mut conn = app.store.read().await?;
    let mut found: Vec<Session> = Vec::new();
    let scopes: Vec<(Option<i64>, &str)> = if caller.role.can_edit_operations() {
        vec![(None, "")]
    } else {
        vec![(caller.client_id, ""), (None, Visibility::Public.as_str())]
    };
    for (client_id, visibility) in scopes {
        for status in [SessionStatus::Scheduled, SessionStatus::Confirmed] {
            let mut f = SessionFilter {
                client_id,
                visibility: visibility.to_owned(),
                status: status.as_str().to_owned(),
                from_ms: Some(now),
                ..Default::default()
            };
            f.list.per_page = 200;
            for s in sessions::list(&mut conn, &f).await?.items {
                let visible = caller.role.can_edit_operations()
                    || s.client_id.is_none()
                    || s.client_id == caller.client_id;
                if visible && !found.iter().any(|x| x.id == s.id) {
                    found.push(s);
                }
            }
        }
    }
    found.sort_by_key(|s| (s.starts_at, s.id));
    Ok(found)
}

/// Learners of one client (all pages, up to `MAX_ROWS`), and their total.
async fn client_learners(conn: &mut Conn, client_id: i64) -> Result<(Vec<Learner>, i64), AppError> {
    let mut f = LearnerFilter {
        client_id: Some(client_id),
        ..Default::default()
    };
    f.list.per_page = 200;
    let mut all = Vec::new();
    let mut total;
    let mut page = 1;
    loop {
        f.list.page = page;
        let p = learners::list(conn, &f).await?;
        total = p.total;
        let n = p.items.len();
        all.extend(p.items);
        if n < 200 || all.len() >= MAX_ROWS {
            break;
        }
        page += 1;
    }
    Ok((all, total))
}

/// The learners a caller may pick for a session: a client contact their own people; staff the
/// session's client's people (private sessions) — nobody for a public one (use the CSV).
pub async fn selectable_learners(
    app: &App,
    caller: &Caller,
    session_client: Option<i64>,
) -> Result<Vec<Learner>, AppError> {
    may_bulk_enroll(caller)?;
    let client = if caller.role.can_edit_operations() {
        session_client
    } else {
        caller.client_id
    };
    let Some(client) = client else {
        return Ok(Vec::new());
    };
    let mut conn = app.store.read().await?;
    Ok(client_learners(&mut conn, client).await?.0)
}

/// A session on the client portal, with how many of the client's people are in it.
#[derive(Debug, Clone, Serialize)]
pub struct PortalSession {
    pub session: Session,
    /// Our people booked (or attended…), waitlisted, requested.
    pub ours_booked: usize,
    pub ours_waitlisted: usize,
    pub ours_requested: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortalLearner {
    pub learner: Learner,
    pub upcoming: Vec<Enrollment>,
    pub past: Vec<Enrollment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientPortal {
    pub client_id: i64,
    pub client_name: String,
    pub sessions: Vec<PortalSession>,
    pub learners: Vec<PortalLearner>,
    /// All the client's learners (the list above may be cut at `MAX_ROWS`).
    pub learners_total: i64,
}

/// What a client contact sees of their organisation: upcoming sessions (their private ones and the
/// public ones their people are in) and their learners with upcoming and past enrollments.
pub async fn client_portal(app: &App, caller: &Caller) -> Result<ClientPortal, AppError> {
    let client_id = match (caller.role, caller.client_id) {
        (Role::ClientContact, Some(c)) => c,
        _ => {
            return Err(AppError::Forbidden(
                "see the client portal without a client contact account".into(),
            ));
        }
    };
    let now = now_ms();
    let mut conn = app.store.read().await?;
    let client = trainyard_store::clients::get(&mut conn, client_id)
        .await
        .map_err(|e| AppError::from(e).about("client"))?;

    let mut upcoming: Vec<Session> = Vec::new();
    let mut f = SessionFilter {
        client_id: Some(client_id),
        from_ms: Some(now - 7 * 86_400_000),
        ..Default::default()
    };
    f.list.per_page = 200;
    for s in sessions::list(&mut conn, &f).await?.items {
        if s.ends_at >= now && s.status != SessionStatus::Draft {
            upcoming.push(s);
        }
    }

    let (people, learners_total) = client_learners(&mut conn, client_id).await?;
    let mut portal_learners = Vec::with_capacity(people.len());
    let mut all_enrollments: Vec<Enrollment> = Vec::new();
    for l in people {
        let mine = enrollments::for_learner(&mut conn, l.id).await?;
        let (mut up, mut past): (Vec<Enrollment>, Vec<Enrollment>) =
            mine.into_iter().partition(|e| e.session_starts_at >= now);
        up.sort_by_key(|e| e.session_starts_at);
        past.sort_by_key(|e| std::cmp::Reverse(e.session_starts_at));
        all_enrollments.extend(up.iter().chain(past.iter()).cloned());
        portal_learners.push(PortalLearner {
            learner: l,
            upcoming: up,
            past,
        });
    }

    // Public sessions our people are (still) in.
    let live = |st: EnrollmentStatus| {
        !matches!(
            st,
            EnrollmentStatus::Cancelled | EnrollmentStatus::Transferred
        )
    };
    let mut extra: BTreeSet<i64> = BTreeSet::new();
    for e in &all_enrollments {
        if e.session_starts_at >= now
            && live(e.status)
            && !upcoming.iter().any(|s| s.id == e.session_id)
        {
            extra.insert(e.session_id);
        }
    }
    for id in extra {
        let s = sessions::get(&mut conn, id).await?;
        if s.client_id.is_none() || s.client_id == Some(client_id) {
            upcoming.push(s);
        }
    }
    upcoming.sort_by_key(|s| (s.starts_at, s.id));
    let sessions = upcoming
        .into_iter()
        .map(|s| {
            let ours = |st: &[EnrollmentStatus]| {
                all_enrollments
                    .iter()
                    .filter(|e| e.session_id == s.id && st.contains(&e.status))
                    .count()
            };
            PortalSession {
                ours_booked: ours(&[
                    EnrollmentStatus::Booked,
                    EnrollmentStatus::Attended,
                    EnrollmentStatus::Completed,
                    EnrollmentStatus::NoShow,
                    EnrollmentStatus::Failed,
                ]),
                ours_waitlisted: ours(&[EnrollmentStatus::Waitlisted]),
                ours_requested: ours(&[EnrollmentStatus::Requested]),
                session: s,
            }
        })
        .collect();
    Ok(ClientPortal {
        client_id,
        client_name: client.name,
        sessions,
        learners: portal_learners,
        learners_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_an_unclosed_quote_and_its_line() {
        assert_eq!(unclosed_quote("a,b\n\"c,d\n"), Some(2));
        assert_eq!(unclosed_quote("a,b\nx,\"y \"\"z\"\" w\"\n"), None);
        assert_eq!(unclosed_quote("a,b\nO\"Brien,c\n"), None);
        assert_eq!(unclosed_quote("h\n1\n2\n3,\"open\n4\n"), Some(4));
    }

    #[test]
    fn reads_rows_with_their_line_numbers() {
        let rows = parse_csv(
            "\u{feff}First Name,last_name,E-mail,Session\r\nAnn,Lee,ann@example.com,S-00001\r\n\r\n\n  Bob , Ray ,bob@example.com,\n",
        )
        .expect("reads");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].line, rows[1].line), (2, 5));
        assert_eq!(rows[1].first_name, "Bob");
        assert_eq!(rows[0].session, "S-00001");
    }

    #[test]
    fn refuses_a_bad_file_naming_the_line() {
        let e = parse_csv(
            "first_name,last_name,email\nAnn,\"Lee,ann@example.com\nBob,Ray,bob@example.com\n",
        )
        .expect_err("unclosed");
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse_csv("first_name;last_name;email\nAnn;Lee;a@example.com\n")
            .expect_err("semicolons");
        assert!(e.to_string().contains("';'"), "{e}");
        let e = parse_csv("Ann,Lee,ann@example.com\n").expect_err("no header");
        assert!(e.to_string().contains("header"), "{e}");
        let e = parse_csv("first_name,last_name,email,sesion\nAnn,Lee,a@example.com,1\n")
            .expect_err("typo");
        assert!(e.to_string().contains("'sesion'"), "{e}");
        let big = format!(
            "first_name,last_name,email\n{}",
            "A,B,a@example.com\n".repeat(MAX_ROWS + 1)
        );
        assert!(parse_csv(&big).is_err());
    }

    #[test]
    fn a_row_with_the_wrong_number_of_values_is_an_error_row() {
        let rows = parse_csv("first_name,last_name,email\nAnn,Lee\n").expect("reads");
        let problem = check_row(&rows[0]).expect("a problem");
        assert!(problem.contains("2 value(s)"), "{problem}");
    }
}
