//! The import itself: every row of every sheet through the real use cases, in ONE write
//! transaction. A dry run rolls it back; an apply commits only when no row has a problem, so
//! nothing changes on any error. Each row runs under a savepoint, so a row the database refuses
//! is undone alone and the rest are still checked (and PostgreSQL's transaction stays usable).
//!
//! Records name each other by natural keys — course, venue, room and client codes, instructor
//! and learner e-mail addresses, and the sheet's own session keys (an export writes references).
//! The keys of the whole database are read once per kind, so rows resolve in memory.

use super::layout::{Column, Kind, Mapping, guess, resolve, value};
use super::sheet::Sheet;
use crate::schedule::sessions::Why;
use crate::{App, AppError, Caller, now_ms};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use trainyard_core::records::{
    ClientFields, CourseFields, InstructorFields, LearnerFields, PartFields, ResourceFields,
    SessionFields, VenueFields,
};
use trainyard_core::sheet_conflicts::{self, Conflict, Plan, PlannedSession};
use trainyard_core::status::{AssignmentEvent, SessionEvent};
use trainyard_core::{Invalid, TimeZoneName};
use trainyard_store::import::{self as repo, Keyed};
use trainyard_store::{Conn, sessions};

mod enrollments;

/// Told how far the import is; the CLI draws a bar, a background job stores it.
pub trait Progress: Send + Sync {
    fn step(&self, phase: &str, done: usize, total: usize);
}

/// No progress to show.
pub struct Quiet;

impl Progress for Quiet {
    fn step(&self, _: &str, _: usize, _: usize) {}
}

/// One row's problem, located as the person who made the sheet sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    pub kind: Kind,
    /// The worksheet (or file) name.
    pub sheet: String,
    /// The row (XLSX) or line (CSV) number; the header is row 1.
    pub row: usize,
    /// The sheet's header of the column at fault, when one is.
    pub column: Option<String>,
    pub message: String,
    /// What sort of problem, to group a long report: `sheet` (formulas, merged cells, the row's
    /// shape), `type` (a value of the wrong type), `reference` (a course, venue, … that does not
    /// exist), `duplicate`, or `rule` (a rule of Trainyard's refused the row).
    pub group: String,
}

impl RowProblem {
    /// "row 14, column 'start': '32.13.2026' is not a date"
    pub fn text(&self) -> String {
        match &self.column {
            Some(c) => format!("row {}, column '{c}': {}", self.row, self.message),
            None => format!("row {}: {}", self.row, self.message),
        }
    }
}

/// Problems of one sort, for the report's summary.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemGroup {
    pub kind: Kind,
    pub group: String,
    pub count: usize,
    /// The first rows with it (at most 20).
    pub rows: Vec<usize>,
    pub example: String,
}

/// What was read, what would be (or was) created, and every problem and conflict.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub dry_run: bool,
    /// The import was committed (an apply without any problem).
    pub applied: bool,
    /// Rows read per kind.
    pub rows: BTreeMap<String, usize>,
    /// Records created (or, in a dry run, that would be) per kind; a session counts once,
    /// however many part rows it has.
    pub created: BTreeMap<String, usize>,
    pub problems: Vec<RowProblem>,
    pub groups: Vec<ProblemGroup>,
    /// Conflicts within the sheet itself (double bookings, rooms too small, full sessions).
    #[schema(value_type = Vec<Object>)]
    pub conflicts: Vec<Conflict>,
    /// The mapping used for each kind (field → the sheet's header).
    pub mappings: BTreeMap<String, Mapping>,
}

impl Report {
    /// One sentence, for a notice or the command line.
    pub fn summary(&self) -> String {
        let created: Vec<String> = self
            .created
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        let what = if created.is_empty() {
            "nothing".to_owned()
        } else {
            created.join(", ")
        };
        if self.applied {
            format!("Imported {what}.")
        } else if !self.problems.is_empty() {
            format!(
                "{} problem(s) in {} row(s): nothing was imported.",
                self.problems.len(),
                self.rows.values().sum::<usize>()
            )
        } else {
            format!("Everything can be imported ({what}); nothing was changed yet.")
        }
    }
}

/// A sheet to import as one kind, with the mapping to use (`None`: the remembered one if it
/// fits the header, else the automatic guess).
pub struct Input {
    pub kind: Kind,
    pub sheet: Sheet,
    pub mapping: Option<Mapping>,
}

/// Sheets of a file as the kinds they hold: a single sheet as `kind` (required then, unless its
/// name is a kind's), a workbook's sheets by their names (Courses, Sessions, …) in the order
/// kinds depend on each other.
pub fn kinds_of(kind: Option<Kind>, sheets: Vec<Sheet>) -> Result<Vec<(Kind, Sheet)>, AppError> {
    let single = sheets.len() == 1;
    let mut out = Vec::new();
    for s in sheets {
        let named = Kind::parse(&s.name);
        let k = match (kind, named) {
            (Some(k), _) if single => k,
            (Some(k), Some(n)) if k == n => k,
            (Some(_), _) => continue,
            (None, Some(n)) => n,
            (None, None) => {
                return Err(Invalid::field(
                    "kind",
                    format!(
                        "say what sheet '{}' holds (courses, venues, rooms, clients, instructors, learners, sessions, assignments or enrollments)",
                        s.name
                    ),
                )
                .into());
            }
        };
        out.push((k, s));
    }
    if out.is_empty() {
        return Err(Invalid::field("kind", "the workbook has no sheet of that kind").into());
    }
    out.sort_by_key(|(k, _)| *k);
    Ok(out)
}

/// Who may import: admins, managers and coordinators (operations staff). Each row is then
/// authorized by its own use case (finance fields such as rates follow the caller's view).
pub fn may_import(caller: &Caller) -> Result<(), AppError> {
    caller.require_operations("import spreadsheets")
}

/// The mapping for a sheet of `kind` with `header`: the remembered one when it still fits,
/// otherwise the automatic guess.
pub async fn mapping_for(app: &App, kind: Kind, header: &[String]) -> Result<Mapping, AppError> {
    let mut conn = app.store.read().await?;
    if let Some(json) = repo::mapping(&mut conn, kind.as_str()).await?
        && let Ok(m) = serde_json::from_str::<Mapping>(&json)
        && resolve(kind, header, &m).is_ok()
    {
        return Ok(m);
    }
    Ok(guess(kind, header))
}

/// A row's values by field, with its line; `None` when the row already has a problem.
struct Mapped {
    line: usize,
    values: HashMap<&'static str, String>,
}

impl Mapped {
    fn get(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }
}

struct Ctx<'a> {
    app: &'a App,
    caller: &'a Caller,
    now: i64,
    keys: HashMap<Keyed, HashMap<String, i64>>,
    /// Session keys of this import's sheets → the sessions created for them.
    sheet_sessions: HashMap<String, i64>,
    problems: Vec<RowProblem>,
    created: BTreeMap<String, usize>,
}

/// A row's failure: which column, what, which group.
struct Fail {
    field: Option<String>,
    message: String,
    group: &'static str,
}

fn fail(field: Option<&str>, message: impl Into<String>, group: &'static str) -> Fail {
    Fail {
        field: field.map(str::to_owned),
        message: message.into(),
        group,
    }
}

/// The field of a form that a validation message names, as this import's column.
fn column_of_field(f: &str) -> &str {
    let f = f.split('[').next().unwrap_or(f);
    match f {
        "course_id" => "course",
        "venue_id" => "venue",
        "client_id" => "client",
        "home_venue_id" => "home_venue",
        "delivery_language" => "language",
        "parts" => "start",
        other => other,
    }
}

/// A use case's refusal as the row's problem. Errors that say nothing about the row (the
/// database went away) end the whole import.
fn refusal(e: AppError) -> Result<Fail, AppError> {
    Ok(match e {
        AppError::Invalid(inv) => {
            let field = inv
                .errors
                .first()
                .map(|x| column_of_field(&x.field).to_owned());
            let message = inv
                .errors
                .iter()
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            Fail {
                field,
                message,
                group: "rule",
            }
        }
        e @ AppError::Duplicate { .. } => fail(None, e.to_string(), "duplicate"),
        e @ (AppError::NotFound(_)
        | AppError::Forbidden(_)
        | AppError::Refused(_)
        | AppError::Conflict { .. }
        | AppError::Stale(_)
        | AppError::BadParameter { .. }) => fail(None, e.to_string(), "rule"),
        // Under a savepoint a statement the database refuses (a guard, a trigger) is this
        // row's problem; the savepoint's own release would fail if the connection were gone.
        AppError::Internal(e) => fail(None, format!("the database refused this row ({e})"), "rule"),
        other => return Err(other),
    })
}

impl Ctx<'_> {
    fn key(&self, of: Keyed, key: &str) -> Option<i64> {
        let k = match of {
            Keyed::Instructors | Keyed::Learners => key.trim().to_lowercase(),
            _ => key.trim().to_owned(),
        };
        if of == Keyed::Sessions
            && let Some(id) = self.sheet_sessions.get(&k)
        {
            return Some(*id);
        }
        self.keys.get(&of).and_then(|m| m.get(&k)).copied()
    }

    fn add_key(&mut self, of: Keyed, key: &str, id: i64) {
        let k = match of {
            Keyed::Instructors | Keyed::Learners => key.trim().to_lowercase(),
            _ => key.trim().to_owned(),
        };
        self.keys.entry(of).or_default().insert(k, id);
    }

    /// The id of a referenced record as the text a form takes ("" for none), or the problem.
    fn reference(&self, of: Keyed, field: &str, raw: &str, what: &str) -> Result<String, Fail> {
        if raw.trim().is_empty() {
            return Ok(String::new());
        }
        match self.key(of, raw) {
            Some(id) => Ok(id.to_string()),
            None => Err(fail(
                Some(field),
                format!(
                    "there is no {what} '{}', neither in this file nor in Trainyard",
                    raw.trim()
                ),
                "reference",
            )),
        }
    }

    fn counted(&mut self, kind: Kind) {
        *self.created.entry(kind.as_str().to_owned()).or_default() += 1;
    }
}

/// Runs the import: checks everything (and rolls back) when `commit` is false; otherwise
/// commits only if no row has a problem, and remembers the mappings in the same transaction.
pub async fn run(
    app: &App,
    caller: &Caller,
    inputs: Vec<Input>,
    commit: bool,
    progress: &dyn Progress,
) -> Result<Report, AppError> {
    may_import(caller)?;
    let mut mappings: BTreeMap<String, Mapping> = BTreeMap::new();
    let mut prepared: Vec<(Kind, String, Vec<Mapped>, Vec<String>)> = Vec::new();
    let mut problems: Vec<RowProblem> = Vec::new();
    let mut rows_read: BTreeMap<String, usize> = BTreeMap::new();

    // 1. Each sheet through its mapping, each cell checked against its column's type.
    for input in inputs {
        let Input {
            kind,
            sheet,
            mapping,
        } = input;
        let mapping = match mapping {
            Some(m) => m,
            None => mapping_for(app, kind, &sheet.header).await?,
        };
        let columns: Vec<(Column, usize)> = resolve(kind, &sheet.header, &mapping)
            .map_err(|m| Invalid::field("mapping", format!("sheet '{}': {m}", sheet.name)))?;
        *rows_read.entry(kind.as_str().to_owned()).or_default() += sheet.rows.len();
        let mut mapped = Vec::with_capacity(sheet.rows.len());
        for row in &sheet.rows {
            let mut bad = false;
            if let Some(p) = &row.problem {
                bad = true;
                problems.push(RowProblem {
                    kind,
                    sheet: sheet.name.clone(),
                    row: row.line,
                    column: None,
                    message: p.clone(),
                    group: "sheet".into(),
                });
            }
            let mut values = HashMap::with_capacity(columns.len());
            // A row of the wrong shape has values out of their columns: only its shape is told.
            let columns_here: &[(Column, usize)] = if bad { &[] } else { &columns };
            for (c, i) in columns_here {
                let cell = row.cells.get(*i).unwrap_or(&super::sheet::Cell::Empty);
                match value(cell, c.ty) {
                    Ok(v) if v.is_empty() && c.required => {
                        bad = true;
                        problems.push(RowProblem {
                            kind,
                            sheet: sheet.name.clone(),
                            row: row.line,
                            column: Some(sheet.header[*i].clone()),
                            message: "is empty; it is required".into(),
                            group: "type".into(),
                        });
                    }
                    Ok(v) => {
                        values.insert(c.field, v);
                    }
                    Err(m) => {
                        bad = true;
                        problems.push(RowProblem {
                            kind,
                            sheet: sheet.name.clone(),
                            row: row.line,
                            column: Some(sheet.header[*i].clone()),
                            message: m,
                            group: "type".into(),
                        });
                    }
                }
            }
            if !bad {
                mapped.push(Mapped {
                    line: row.line,
                    values,
                });
            }
        }
        let headers: Vec<String> = kind
            .columns()
            .iter()
            .map(|c| {
                mapping
                    .get(c.field)
                    .cloned()
                    .unwrap_or_else(|| c.field.to_owned())
            })
            .collect();
        mappings.insert(kind.as_str().to_owned(), mapping);
        prepared.push((kind, sheet.name, mapped, headers));
    }

    // 2. Every row through its use case, in one transaction.
    let mut tx = app.store.write().await?;
    let mut keys = HashMap::new();
    for of in [
        Keyed::Courses,
        Keyed::Venues,
        Keyed::Rooms,
        Keyed::Clients,
        Keyed::Instructors,
        Keyed::Learners,
        Keyed::Sessions,
    ] {
        keys.insert(of, repo::keys(&mut tx, of).await?);
    }
    let mut ctx = Ctx {
        app,
        caller,
        now: now_ms(),
        keys,
        sheet_sessions: HashMap::new(),
        problems,
        created: BTreeMap::new(),
    };
    let total: usize = prepared.iter().map(|(_, _, rows, _)| rows.len()).sum();
    let mut done = 0usize;
    let mut plan = Plan::default();
    for (kind, sheet, rows, headers) in &prepared {
        if *kind == Kind::Sessions {
            for (lines, result) in import_sessions(&mut tx, &mut ctx, rows, &mut plan, |n| {
                done += n;
                if done % 200 < n {
                    progress.step("sessions", done, total);
                }
            })
            .await?
            {
                if let Err((i, f)) = result {
                    let line = lines.get(i).or(lines.first()).copied().unwrap_or_default();
                    push_problem(
                        &mut ctx,
                        (*kind, sheet.as_str(), headers.as_slice()),
                        line,
                        f,
                    );
                }
            }
            continue;
        }
        if *kind == Kind::Enrollments {
            for row in rows {
                plan.enrollments.push((
                    row.get("session").to_owned(),
                    row.get("learner").to_lowercase(),
                ));
            }
            let outcomes = enrollments::import(&mut tx, &mut ctx, rows, |n| {
                done += n;
                if done.is_multiple_of(200) || done == total {
                    progress.step(kind.as_str(), done, total);
                }
            })
            .await?;
            for (row, outcome) in rows.iter().zip(outcomes) {
                match outcome {
                    Ok(()) => ctx.counted(*kind),
                    Err(f) => push_problem(
                        &mut ctx,
                        (*kind, sheet.as_str(), headers.as_slice()),
                        row.line,
                        f,
                    ),
                }
            }
            continue;
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for row in rows {
            let outcome = match kind {
                Kind::Courses | Kind::Venues | Kind::Rooms | Kind::Clients => {
                    one_keyed(&mut tx, &mut ctx, *kind, row, &mut seen).await?
                }
                Kind::Instructors => instructor(&mut tx, &mut ctx, row, &mut seen).await?,
                Kind::Learners => learner(&mut tx, &mut ctx, row, &mut seen).await?,
                Kind::Assignments => {
                    plan.assignments.push((
                        row.get("session").to_owned(),
                        row.get("instructor").to_lowercase(),
                    ));
                    assignment(&mut tx, &mut ctx, row).await?
                }
                Kind::Sessions | Kind::Enrollments => Ok(()),
            };
            match outcome {
                Ok(()) => ctx.counted(*kind),
                Err(f) => push_problem(
                    &mut ctx,
                    (*kind, sheet.as_str(), headers.as_slice()),
                    row.line,
                    f,
                ),
            }
            done += 1;
            if done.is_multiple_of(200) || done == total {
                progress.step(kind.as_str(), done, total);
            }
        }
    }
    progress.step("done", total, total);

    // 3. What the sheet itself says, whatever the database holds.
    room_seats(&mut tx, &ctx, &mut plan).await?;
    let conflicts = sheet_conflicts::find(&plan);

    let mut problems = std::mem::take(&mut ctx.problems);
    problems.sort_by(|a, b| (a.kind, &a.sheet, a.row).cmp(&(b.kind, &b.sheet, b.row)));
    let applied = commit && problems.is_empty();
    if applied {
        for (kind, m) in &mappings {
            let json = serde_json::to_string(m).unwrap_or_default();
            repo::set_mapping(
                &mut tx,
                kind,
                &json,
                Some(caller.user_id).filter(|u| *u != 0),
                ctx.now,
            )
            .await?;
        }
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(Report {
        dry_run: !commit,
        applied,
        rows: rows_read,
        created: ctx.created,
        groups: groups(&problems),
        problems,
        conflicts,
        mappings,
    })
}

/// A row's failure in the report, its column named by the sheet's own header.
fn push_problem(
    ctx: &mut Ctx<'_>,
    (kind, sheet, headers): (Kind, &str, &[String]),
    line: usize,
    f: Fail,
) {
    let column = f.field.as_deref().map(|field| {
        kind.columns()
            .iter()
            .position(|c| c.field == field)
            .and_then(|i| headers.get(i).cloned())
            .unwrap_or_else(|| field.to_owned())
    });
    ctx.problems.push(RowProblem {
        kind,
        sheet: sheet.to_owned(),
        row: line,
        column,
        message: f.message,
        group: f.group.into(),
    });
}

fn groups(problems: &[RowProblem]) -> Vec<ProblemGroup> {
    let mut out: Vec<ProblemGroup> = Vec::new();
    for p in problems {
        match out
            .iter_mut()
            .find(|g| g.kind == p.kind && g.group == p.group)
        {
            Some(g) => {
                g.count += 1;
                if g.rows.len() < 20 {
                    g.rows.push(p.row);
                }
            }
            None => out.push(ProblemGroup {
                kind: p.kind,
                group: p.group.clone(),
                count: 1,
                rows: vec![p.row],
                example: p.text(),
            }),
        }
    }
    out
}

/// Runs `$body` (a block whose value is `Result<Result<(), Fail>, AppError>`) under a savepoint:
/// kept when the row succeeds, undone when it fails; an error of the import itself ends it.
macro_rules! row {
    ($tx:expr, $body:expr) => {{
        repo::row_begin($tx).await?;
        let r: Result<Result<(), Fail>, AppError> = async { $body }.await;
        let r = r?;
        repo::row_end($tx, r.is_ok()).await?;
        r
    }};
}

/// A use case's result inside `row!`: its value, or the row's refusal returned at once.
macro_rules! attempt {
    ($e:expr $(,)?) => {
        match settle($e)? {
            Ok(v) => v,
            Err(f) => return Ok(Err(f)),
        }
    };
}

/// A repeated key within the sheet, or one Trainyard already has.
fn unique(
    ctx: &Ctx,
    of: Keyed,
    field: &str,
    key: &str,
    line: usize,
    seen: &mut HashMap<String, usize>,
) -> Result<(), Fail> {
    let k = key.trim().to_lowercase();
    if let Some(first) = seen.get(&k) {
        return Err(fail(
            Some(field),
            format!("'{}' repeats row {first}", key.trim()),
            "duplicate",
        ));
    }
    seen.insert(k, line);
    if ctx.key(of, key).is_some() {
        return Err(fail(
            Some(field),
            format!("'{}' already exists in Trainyard", key.trim()),
            "duplicate",
        ));
    }
    Ok(())
}

/// Turns a use case's result into the row's outcome (a refusal) or the import's end.
fn settle<T>(r: Result<T, AppError>) -> Result<Result<T, Fail>, AppError> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(e) => refusal(e).map(Err),
    }
}

async fn one_keyed(
    tx: &mut Conn,
    ctx: &mut Ctx<'_>,
    kind: Kind,
    row: &Mapped,
    seen: &mut HashMap<String, usize>,
) -> Result<Result<(), Fail>, AppError> {
    let v = |f: &str| row.get(f).to_owned();
    let (of, code) = match kind {
        Kind::Courses => (Keyed::Courses, v("code")),
        Kind::Venues => (Keyed::Venues, v("code")),
        Kind::Rooms => (Keyed::Rooms, v("code")),
        _ => (Keyed::Clients, v("code")),
    };
    if let Err(f) = unique(ctx, of, "code", &code, row.line, seen) {
        return Ok(Err(f));
    }
    let (caller, now) = (ctx.caller, ctx.now);
    repo::row_begin(tx).await?;
    let id = match kind {
        Kind::Courses => {
            let f = CourseFields {
                code: code.clone(),
                title: v("title"),
                description: v("description"),
                duration_days: or(v("duration_days"), "1"),
                hours_per_day: or(v("hours_per_day"), "8"),
                delivery_modes: or(v("delivery_modes"), "ilt"),
                min_learners: or(v("min_learners"), "1"),
                max_learners: or(v("max_learners"), "12"),
                currency: v("currency"),
                list_price: v("list_price"),
                day_rate: v("day_rate"),
                material_cost: v("material_cost"),
                certificate_name: v("certificate_name"),
                certificate_validity_months: v("certificate_validity_months"),
                required_skill: v("required_skill"),
                required_features: v("required_features"),
                renewal_course_id: String::new(),
            };
            settle(
                crate::catalog::courses::create_in(tx, caller, &f, now)
                    .await
                    .map(|r| r.id),
            )?
        }
        Kind::Venues => {
            let f = VenueFields {
                code: code.clone(),
                name: v("name"),
                address: v("address"),
                city: v("city"),
                country: v("country"),
                time_zone: v("time_zone"),
                notes: v("notes"),
            };
            settle(
                crate::sites::venues::create_in(tx, caller, &f, now)
                    .await
                    .map(|r| r.id),
            )?
        }
        Kind::Rooms => match ctx.reference(Keyed::Venues, "venue", row.get("venue"), "venue") {
            Err(f) => Err(f),
            Ok(venue_id) => {
                let f = ResourceFields {
                    kind: or(v("kind"), "room"),
                    code: code.clone(),
                    name: v("name"),
                    venue_id,
                    seats: or(v("seats"), "0"),
                    quantity: or(v("quantity"), "1"),
                    features: v("features"),
                    notes: v("notes"),
                };
                settle(
                    crate::sites::resources::create_in(tx, caller, &f, now)
                        .await
                        .map(|r| r.id),
                )?
            }
        },
        _ => {
            let f = ClientFields {
                code: code.clone(),
                name: v("name"),
                billing_email: v("billing_email"),
                billing_address: v("billing_address"),
                currency: v("currency"),
                time_zone: or(v("time_zone"), "UTC"),
                requires_approval: v("requires_approval"),
                notes: v("notes"),
                language: v("language"),
            };
            settle(
                crate::people::clients::create_in(tx, caller, &f, now)
                    .await
                    .map(|r| r.id),
            )?
        }
    };
    repo::row_end(tx, id.is_ok()).await?;
    Ok(id.map(|id| ctx.add_key(of, &code, id)))
}

fn or(v: String, default: &str) -> String {
    if v.trim().is_empty() {
        default.to_owned()
    } else {
        v
    }
}

/// One qualification as a sheet writes it: `course:CODE` or `skill:NAME`, optionally followed
/// by `from YYYY-MM-DD` and `until YYYY-MM-DD`; several separated by `;`.
type Qualification = (
    Option<i64>,
    Option<String>,
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDate>,
);

fn qualifications(ctx: &Ctx, raw: &str) -> Result<Vec<Qualification>, Fail> {
    let mut out = Vec::new();
    for item in raw.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let mut words = item.split_whitespace();
        let what = words.next().unwrap_or_default();
        let (mut from, mut until) = (None, None);
        while let Some(w) = words.next() {
            let day = words
                .next()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            match (w, day) {
                ("from", Some(d)) => from = Some(d),
                ("until", Some(d)) => until = Some(d),
                _ => {
                    return Err(fail(
                        Some("qualifications"),
                        format!(
                            "'{item}' is not like 'course:EXCEL-1 until 2027-12-31' or 'skill:excel'"
                        ),
                        "type",
                    ));
                }
            }
        }
        let q = if let Some(code) = what.strip_prefix("course:") {
            match ctx.key(Keyed::Courses, code) {
                Some(id) => (Some(id), None, from, until),
                None => {
                    return Err(fail(
                        Some("qualifications"),
                        format!(
                            "there is no course '{code}', neither in this file nor in Trainyard"
                        ),
                        "reference",
                    ));
                }
            }
        } else if let Some(skill) = what.strip_prefix("skill:") {
            (None, Some(skill.to_owned()), from, until)
        } else {
            return Err(fail(
                Some("qualifications"),
                format!("'{item}' names neither course:CODE nor skill:NAME"),
                "type",
            ));
        };
        out.push(q);
    }
    Ok(out)
}

async fn instructor(
    tx: &mut Conn,
    ctx: &mut Ctx<'_>,
    row: &Mapped,
    seen: &mut HashMap<String, usize>,
) -> Result<Result<(), Fail>, AppError> {
    let v = |f: &str| row.get(f).to_owned();
    let email = v("email");
    if let Err(f) = unique(ctx, Keyed::Instructors, "email", &email, row.line, seen) {
        return Ok(Err(f));
    }
    let venue = match ctx.reference(Keyed::Venues, "home_venue", row.get("home_venue"), "venue") {
        Ok(v) => v,
        Err(f) => return Ok(Err(f)),
    };
    let quals = match qualifications(ctx, row.get("qualifications")) {
        Ok(q) => q,
        Err(f) => return Ok(Err(f)),
    };
    let (caller, now) = (ctx.caller, ctx.now);
    let f = InstructorFields {
        name: v("name"),
        email: email.clone(),
        phone: v("phone"),
        employment_type: or(v("employment_type"), "staff"),
        home_venue_id: venue,
        time_zone: or(v("time_zone"), "UTC"),
        currency: v("currency"),
        day_rate: v("day_rate"),
        hour_rate: v("hour_rate"),
        max_days_week: or(v("max_days_week"), "5"),
        max_days_month: or(v("max_days_month"), "20"),
        skills: v("skills"),
        notes: v("notes"),
        language: v("language"),
    };
    let r = row!(tx, {
        let id = attempt!(
            crate::people::instructors::create_in(tx, caller, &f, now)
                .await
                .map(|r| r.id),
        );
        for (course, skill, from, until) in quals.iter().cloned() {
            attempt!(
                crate::credentials::add_qualification_in(
                    tx,
                    caller,
                    id,
                    (course, skill),
                    (from, until),
                    now,
                )
                .await,
            );
        }
        ctx.add_key(Keyed::Instructors, &email, id);
        Ok(Ok(()))
    });
    Ok(r)
}

async fn learner(
    tx: &mut Conn,
    ctx: &mut Ctx<'_>,
    row: &Mapped,
    seen: &mut HashMap<String, usize>,
) -> Result<Result<(), Fail>, AppError> {
    let v = |f: &str| row.get(f).to_owned();
    let email = v("email");
    if let Err(f) = unique(ctx, Keyed::Learners, "email", &email, row.line, seen) {
        return Ok(Err(f));
    }
    let client = match ctx.reference(Keyed::Clients, "client", row.get("client"), "client") {
        Ok(v) => v,
        Err(f) => return Ok(Err(f)),
    };
    let f = LearnerFields {
        first_name: v("first_name"),
        last_name: v("last_name"),
        email: email.clone(),
        client_id: client,
        phone: v("phone"),
        time_zone: or(v("time_zone"), "UTC"),
        language: v("language"),
    };
    let (caller, now) = (ctx.caller, ctx.now);
    let r = row!(tx, {
        let id = attempt!(
            crate::people::learners::create_in(tx, caller, &f, now)
                .await
                .map(|r| r.id),
        );
        ctx.add_key(Keyed::Learners, &email, id);
        Ok(Ok(()))
    });
    Ok(r)
}

/// The events that bring a new assignment to the status the sheet gives.
fn assignment_events(status: &str) -> Option<&'static [AssignmentEvent]> {
    use AssignmentEvent::*;
    Some(match status.trim().to_lowercase().as_str() {
        "" | "proposed" => &[],
        "requested" => &[Request],
        "accepted" => &[Request, Accept],
        "confirmed" => &[Request, Accept, Confirm],
        _ => return None,
    })
}

async fn assignment(
    tx: &mut Conn,
    ctx: &mut Ctx<'_>,
    row: &Mapped,
) -> Result<Result<(), Fail>, AppError> {
    let session = match ctx.reference(Keyed::Sessions, "session", row.get("session"), "session") {
        Ok(v) => v.parse::<i64>().unwrap_or_default(),
        Err(f) => return Ok(Err(f)),
    };
    let instructor = match ctx.reference(
        Keyed::Instructors,
        "instructor",
        row.get("instructor"),
        "instructor",
    ) {
        Ok(v) => v.parse::<i64>().unwrap_or_default(),
        Err(f) => return Ok(Err(f)),
    };
    let Some(events) = assignment_events(row.get("status")) else {
        return Ok(Err(fail(
            Some("status"),
            format!(
                "'{}' is not proposed, requested, accepted or confirmed",
                row.get("status")
            ),
            "type",
        )));
    };
    let (app, caller, now) = (ctx.app, ctx.caller, ctx.now);
    let role = row.get("role").to_owned();
    let r = row!(tx, {
        let mut a = attempt!(
            crate::staffing::propose_in(tx, caller, session, instructor, &role, None, now).await,
        );
        for e in events {
            a = attempt!(crate::staffing::act_in(tx, app, caller, a.id, a.version, *e, None).await);
        }
        Ok(Ok(()))
    });
    Ok(r)
}

/// The sessions of a sheet: rows with the same key are one session's parts (in order); the
/// session's other values come from its first row. Returns, per session, its rows' lines and
/// the outcome (a failure names the index of the row at fault).
async fn import_sessions(
    tx: &mut Conn,
    ctx: &mut Ctx<'_>,
    rows: &[Mapped],
    plan: &mut Plan,
    mut tick: impl FnMut(usize),
) -> Result<Vec<(Vec<usize>, Result<(), (usize, Fail)>)>, AppError> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<&Mapped>> = HashMap::new();
    for r in rows {
        let key = r.get("session").trim().to_owned();
        groups
            .entry(key.clone())
            .or_insert_with(|| {
                order.push(key.clone());
                Vec::new()
            })
            .push(r);
    }
    let mut venue_zones: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::with_capacity(order.len());
    for key in order {
        let group = groups.remove(&key).unwrap_or_default();
        let lines: Vec<usize> = group.iter().map(|r| r.line).collect();
        tick(group.len());
        let Some(first) = group.first() else {
            continue;
        };
        let result = one_session(tx, ctx, &key, first, &group, plan, &mut venue_zones).await?;
        if result.is_ok() {
            ctx.counted(Kind::Sessions);
        }
        out.push((lines, result));
    }
    Ok(out)
}

async fn one_session(
    tx: &mut Conn,
    ctx: &mut Ctx<'_>,
    key: &str,
    first: &Mapped,
    group: &[&Mapped],
    plan: &mut Plan,
    venue_zones: &mut HashMap<i64, String>,
) -> Result<Result<(), (usize, Fail)>, AppError> {
    let v = |f: &str| first.get(f).to_owned();
    if ctx
        .keys
        .get(&Keyed::Sessions)
        .is_some_and(|m| m.contains_key(key))
        || ctx.sheet_sessions.contains_key(key)
    {
        return Ok(Err((
            0,
            fail(
                Some("session"),
                format!("'{key}' already exists in Trainyard"),
                "duplicate",
            ),
        )));
    }
    let course = match ctx.reference(Keyed::Courses, "course", &v("course"), "course") {
        Ok(c) => c,
        Err(f) => return Ok(Err((0, f))),
    };
    let client = match ctx.reference(Keyed::Clients, "client", &v("client"), "client") {
        Ok(c) => c,
        Err(f) => return Ok(Err((0, f))),
    };
    let venue = match ctx.reference(Keyed::Venues, "venue", &v("venue"), "venue") {
        Ok(c) => c,
        Err(f) => return Ok(Err((0, f))),
    };
    let room = match ctx.reference(Keyed::Rooms, "room", &v("room"), "room") {
        Ok(c) => c.parse::<i64>().ok(),
        Err(f) => return Ok(Err((0, f))),
    };
    let events: &[SessionEvent] = match v("status").trim().to_lowercase().as_str() {
        "draft" => &[],
        "" | "scheduled" => &[SessionEvent::Schedule],
        "confirmed" => &[SessionEvent::Schedule, SessionEvent::Confirm],
        other => {
            return Ok(Err((
                0,
                fail(
                    Some("status"),
                    format!("'{other}': a session is imported as draft, scheduled or confirmed"),
                    "type",
                ),
            )));
        }
    };
    let mut time_zone = v("time_zone");
    if time_zone.trim().is_empty() {
        time_zone = match venue.parse::<i64>() {
            Ok(id) => {
                if let std::collections::hash_map::Entry::Vacant(e) = venue_zones.entry(id) {
                    e.insert(trainyard_store::venues::time_zone(tx, id).await?);
                }
                venue_zones
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| "UTC".into())
            }
            Err(_) => "UTC".into(),
        };
    }
    let visibility = if v("visibility").is_empty() {
        if client.is_empty() {
            "public"
        } else {
            "private"
        }
        .to_owned()
    } else {
        v("visibility")
    };
    let f = SessionFields {
        course_id: course,
        title: v("title"),
        visibility,
        client_id: client,
        program_id: String::new(),
        delivery_mode: or(v("delivery_mode"), "ilt"),
        venue_id: venue,
        capacity: v("capacity"),
        time_zone: time_zone.clone(),
        currency: or(v("currency"), "EUR"),
        seat_price: or(v("seat_price"), "0"),
        notes: v("notes"),
        joining_url: v("joining_url"),
        joining_notes: String::new(),
        parts: group
            .iter()
            .map(|r| PartFields {
                starts: r.get("start").to_owned(),
                ends: r.get("end").to_owned(),
            })
            .collect(),
        delivery_language: v("language"),
    };
    // The plan for the sheet's own conflicts, from what the sheet says.
    if let Ok(tz) = TimeZoneName::parse(&time_zone) {
        plan.sessions.push(PlannedSession {
            key: key.to_owned(),
            parts: group
                .iter()
                .filter_map(|r| {
                    Some((
                        tz.parse_local(r.get("start")).ok()?,
                        tz.parse_local(r.get("end")).ok()?,
                    ))
                })
                .collect(),
            capacity: v("capacity").parse().unwrap_or_default(),
            room: Some(v("room")).filter(|r| !r.is_empty()),
        });
    }
    let (app, caller, now) = (ctx.app, ctx.caller, ctx.now);
    repo::row_begin(tx).await?;
    let r: Result<i64, (usize, Fail)> = async {
        let s = match crate::schedule::sessions::create_in(tx, caller, &f, now).await {
            Ok(s) => s,
            Err(e) => {
                // A part's problem points at that part's row.
                let at = match &e {
                    AppError::Invalid(inv) => inv
                        .errors
                        .first()
                        .and_then(|x| x.field.strip_prefix("parts["))
                        .and_then(|r| r.split(']').next())
                        .and_then(|i| i.parse::<usize>().ok())
                        .unwrap_or(0),
                    _ => 0,
                };
                return Err((at, as_fail(e)));
            }
        };
        let mut version = s.version;
        for e in events {
            let after = crate::schedule::sessions::transition_in(
                app,
                tx,
                caller,
                (s.id, version),
                *e,
                &Why::default(),
                now,
            )
            .await
            .map_err(|e| (0, as_fail(e)))?;
            version = after.version;
        }
        if s.reference != key {
            repo::add_session_key(tx, key, s.id, now)
                .await
                .map_err(|e| (0, as_fail(e.into())))?;
        }
        if let Some(room) = room {
            crate::staffing::book_in(tx, caller, s.id, room, 1, true, now)
                .await
                .map_err(|e| {
                    let mut f = as_fail(e);
                    f.field = Some("room".into());
                    (0, f)
                })?;
        }
        Ok(s.id)
    }
    .await;
    repo::row_end(tx, r.is_ok()).await?;
    Ok(r.map(|id| {
        ctx.sheet_sessions.insert(key.to_owned(), id);
    }))
}

/// What the conflicts need from the database: the seats of the rooms the sheet's sessions
/// name, and the sessions that enrollments and assignments refer to without the sheet
/// defining them (their parts, capacity and booked room).
async fn room_seats(tx: &mut Conn, ctx: &Ctx<'_>, plan: &mut Plan) -> Result<(), AppError> {
    let defined: HashSet<String> = plan.sessions.iter().map(|s| s.key.clone()).collect();
    let referenced: BTreeSet<String> = plan
        .assignments
        .iter()
        .map(|(s, _)| s.clone())
        .chain(plan.enrollments.iter().map(|(s, _)| s.clone()))
        .filter(|s| !defined.contains(s))
        .collect();
    for key in referenced {
        let Some(id) = ctx.key(Keyed::Sessions, &key) else {
            continue;
        };
        let s = sessions::get(tx, id).await?;
        let parts = sessions::parts(tx, id).await?;
        let room = trainyard_store::bookings::for_session(tx, id)
            .await?
            .into_iter()
            .find(|b| b.resource_kind == "room")
            .map(|b| b.resource_id);
        let room = match room {
            Some(r) => Some(trainyard_store::resources::get(tx, r).await?.code),
            None => None,
        };
        plan.sessions.push(PlannedSession {
            key,
            parts: parts
                .iter()
                .filter(|p| p.status == "scheduled")
                .map(|p| (p.starts_at, p.ends_at))
                .collect(),
            capacity: s.capacity,
            room,
        });
    }
    let mut seats = BTreeMap::new();
    for s in &plan.sessions {
        if let Some(code) = &s.room
            && !seats.contains_key(code)
            && let Some(id) = ctx.key(Keyed::Rooms, code)
        {
            let r = trainyard_store::resources::get(tx, id).await?;
            seats.insert(code.clone(), r.seats);
        }
    }
    plan.room_seats = seats;
    Ok(())
}

/// Any error of a use case as the row's problem (inside a row's savepoint).
fn as_fail(e: AppError) -> Fail {
    refusal(e).unwrap_or_else(|e| fail(None, e.to_string(), "rule"))
}
