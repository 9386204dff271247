//! Costs per session and profitability (issue 15 §4, §6): a session's revenue, cost lines by
//! stage and margin; finance's manual lines and actuals (typed or imported from CSV with a dry
//! run); resource day rates; and the profitability report rolled up by one dimension.
//!
//! Derived lines (instructor fees, resource hire, materials) are computed **on read** by
//! `trainyard_core::costs::derive` from the live assignments, bookings, rates and enrollments,
//! rather than written in the transaction of each confirmation: the inputs change through many
//! use cases (confirming, substituting, rescheduling parts, enrolling, a new contract or rate),
//! and a stored copy would go stale the first time one of them forgot to recompute it. A line is
//! committed exactly when its assignment or booking is confirmed, because the stage is read from
//! that status. Only what finance writes is stored: manual lines, and actuals (with a version, so
//! a stale edit is a 409).
//!
//! Everything here is finance data: only finance, managers and admins (`Caller::sees_finance`).

use crate::error::About;
use crate::reporting::{Days, ReportQuery, Source};
use crate::{App, AppError, Caller, now_ms};
use trainyard_core::costs::{self, CostLine, CostTotals, Dimension, ProfitGroup, ProfitRow};
use trainyard_core::kpi::Ratio;
use trainyard_core::money::{Currency, Money};
use trainyard_core::status::{CostKind, CostStage, Visibility};
use trainyard_core::{Invalid, TimeZoneName};
use trainyard_store::costs::{self as repo, Scope, SessionCosts};
use trainyard_store::finance_facts::FactFilter;

fn require_finance(caller: &Caller, what: &str) -> Result<(), AppError> {
    caller.require(caller.sees_finance(), what)
}

/// Where a session's revenue comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RevenueSource {
    /// A public session: the prices of the seats taken.
    Enrollments,
    /// A private session: the net of its issued invoice and credit-note lines.
    Invoices,
}

/// A session's revenue, costs and margin.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SessionFinance {
    pub session_id: i64,
    pub reference: String,
    pub revenue: Money,
    pub revenue_source: RevenueSource,
    pub lines: Vec<CostLine>,
    /// The cost by stage, in the session's currency.
    pub totals: CostTotals,
    /// Revenue − cost.
    pub margin: Money,
    /// Margin ÷ revenue as a percentage ("12.5"); `null` without revenue.
    pub margin_percent: Option<String>,
    /// Seats taken.
    pub learners: i64,
    /// Cost ÷ learners; `null` without learners.
    pub cost_per_learner: Option<Money>,
}

fn revenue_of(sc: &SessionCosts) -> (i64, RevenueSource) {
    match sc.session.visibility {
        Visibility::Public => (sc.enrollment_revenue, RevenueSource::Enrollments),
        Visibility::Private => (sc.invoiced_revenue, RevenueSource::Invoices),
    }
}

/// The figures of one session from its rows.
pub fn finance_of(sc: SessionCosts) -> SessionFinance {
    let currency = sc.session.currency;
    let (revenue, revenue_source) = revenue_of(&sc);
    let lines = costs::merge(costs::derive(&sc.inputs), &sc.stored);
    let totals = costs::totals(&lines, currency);
    let margin = revenue - totals.total.minor;
    SessionFinance {
        session_id: sc.session.id,
        reference: sc.session.reference.clone(),
        revenue: Money::new(revenue, currency),
        revenue_source,
        margin: Money::new(margin, currency),
        margin_percent: Ratio::new(margin, revenue).percent(),
        learners: sc.session.learners,
        cost_per_learner: costs::per(Ratio::new(totals.total.minor, sc.session.learners))
            .map(|m| Money::new(m, currency)),
        totals,
        lines,
    }
}

async fn read_one(
    conn: &mut trainyard_store::Conn,
    session_id: i64,
) -> Result<SessionCosts, AppError> {
    repo::read(conn, Scope::Session(session_id))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("session"))
}

/// [`session_finance`] in the caller's transaction (the demo seeder's).
pub(crate) async fn finance_in(
    tx: &mut trainyard_store::Conn,
    session_id: i64,
) -> Result<SessionFinance, AppError> {
    Ok(finance_of(read_one(tx, session_id).await?))
}

/// One session's revenue, cost lines by stage and margin.
pub async fn session_finance(
    app: &App,
    caller: &Caller,
    session_id: i64,
) -> Result<SessionFinance, AppError> {
    require_finance(caller, "see a session's costs and margin")?;
    let mut conn = app.store.read().await?;
    Ok(finance_of(read_one(&mut conn, session_id).await?))
}

/// A manual cost line as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct LineFields {
    pub kind: String,
    pub description: String,
    pub amount: String,
    /// The session's currency when empty.
    pub currency: String,
    /// `planned` (default) or `committed`.
    pub stage: String,
}

fn kind_of(inv: &mut Invalid, raw: &str) -> Option<CostKind> {
    match CostKind::parse(raw) {
        Ok(k) => Some(k),
        Err(e) => {
            inv.add("kind", e.english);
            None
        }
    }
}

fn amount_of(inv: &mut Invalid, field: &str, raw: &str, currency: Currency) -> Option<Money> {
    if raw.trim().is_empty() {
        inv.add(field, "enter the amount, e.g. 250.00");
        return None;
    }
    match Money::parse_non_negative(raw, currency) {
        Ok(m) if m.minor <= 1_000_000_000_000 => Some(m),
        Ok(_) => {
            inv.add(field, "is too large");
            None
        }
        Err(e) => {
            inv.add(field, e.to_string());
            None
        }
    }
}

fn currency_of(inv: &mut Invalid, raw: &str, default: Currency) -> Option<Currency> {
    if raw.trim().is_empty() {
        return Some(default);
    }
    match Currency::parse(raw) {
        Ok(c) => Some(c),
        Err(e) => {
            inv.add("currency", e.to_string());
            None
        }
    }
}

fn description_of(inv: &mut Invalid, raw: &str) -> String {
    let d = raw.trim();
    if d.is_empty() {
        inv.add("description", "say what the cost is for");
    } else if d.chars().count() > 200 {
        inv.add("description", "must be at most 200 characters");
    }
    d.to_owned()
}

/// The audit snapshot of a line: under a finance key, so histories hide it from other roles.
#[derive(serde::Serialize)]
struct Snapshot<'a> {
    cost_line: &'a CostLine,
}

async fn audit_line(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    now: i64,
    action: &str,
    session_id: i64,
    before: Option<&CostLine>,
    after: Option<&CostLine>,
) -> Result<(), AppError> {
    crate::audit::record(
        tx,
        caller,
        now,
        action,
        ("session_costs", session_id),
        before.map(|l| Snapshot { cost_line: l }).as_ref(),
        after.map(|l| Snapshot { cost_line: l }).as_ref(),
    )
    .await
}

/// Adds a manual line (travel, catering, …) to a session.
#[tracing::instrument(skip(app, caller, f), fields(user = caller.user_id))]
pub async fn add_line(
    app: &App,
    caller: &Caller,
    session_id: i64,
    f: &LineFields,
) -> Result<SessionFinance, AppError> {
    require_finance(caller, "add cost lines")?;
    let mut tx = app.store.write().await?;
    let after = add_line_in(&mut tx, caller, session_id, f, now_ms()).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`add_line`] in the caller's transaction (the demo seeder's).
pub(crate) async fn add_line_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    session_id: i64,
    f: &LineFields,
    now: i64,
) -> Result<SessionFinance, AppError> {
    require_finance(caller, "add cost lines")?;
    // Written first: the session row is the one this change guards.
    trainyard_store::sessions::touch(tx, session_id)
        .await
        .about("session")?;
    let sc = read_one(tx, session_id).await?;
    let mut inv = Invalid::new();
    let kind = kind_of(&mut inv, &f.kind);
    let description = description_of(&mut inv, &f.description);
    let currency = currency_of(&mut inv, &f.currency, sc.session.currency);
    let amount = currency.and_then(|c| amount_of(&mut inv, "amount", &f.amount, c));
    let stage = match f.stage.trim() {
        "" | "planned" => Some(CostStage::Planned),
        "committed" => Some(CostStage::Committed),
        _ => {
            inv.add(
                "stage",
                "is planned or committed (enter an actual on the line once it is known)",
            );
            None
        }
    };
    let (Some(kind), Some(amount), Some(stage)) = (kind, amount, stage) else {
        return Err(inv.into());
    };
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let id = repo::insert(
        tx,
        &repo::NewLine {
            session_id,
            derived_key: None,
            kind,
            description: &description,
            planned: amount,
            stage,
            actual: None,
            note: "",
            created_by: caller.user_id,
        },
        now,
    )
    .await?;
    let after = finance_of(read_one(tx, session_id).await?);
    let key = format!("line-{id}");
    audit_line(
        tx,
        caller,
        now,
        "cost_line.added",
        session_id,
        None,
        after.lines.iter().find(|l| l.key == key),
    )
    .await?;
    crate::budgets::check_session(tx, caller, session_id, now).await?;
    Ok(after)
}

/// An actual as typed: the amount (empty clears it) and a note, on the line read at `version`
/// (0 for a derived line without a stored actual yet).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ActualFields {
    #[serde(deserialize_with = "trainyard_store::row::lenient_int")]
    pub version: i64,
    pub amount: String,
    pub note: String,
}

/// Enters (or clears, with an empty amount) what a line actually cost.
#[tracing::instrument(skip(app, caller, f), fields(user = caller.user_id))]
pub async fn set_actual(
    app: &App,
    caller: &Caller,
    session_id: i64,
    key: &str,
    f: &ActualFields,
) -> Result<SessionFinance, AppError> {
    require_finance(caller, "enter actual costs")?;
    let mut tx = app.store.write().await?;
    let after = set_actual_in(&mut tx, caller, session_id, key, f, now_ms()).await?;
    tx.commit().await?;
    Ok(after)
}

/// [`set_actual`] in the caller's transaction (the demo seeder's).
pub(crate) async fn set_actual_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    session_id: i64,
    key: &str,
    f: &ActualFields,
    now: i64,
) -> Result<SessionFinance, AppError> {
    require_finance(caller, "enter actual costs")?;
    trainyard_store::sessions::touch(tx, session_id)
        .await
        .about("session")?;
    let before = finance_of(read_one(tx, session_id).await?);
    let line = before
        .lines
        .iter()
        .find(|l| l.key == key)
        .cloned()
        .ok_or(AppError::NotFound("cost line"))?;
    if line.version != f.version {
        return Err(AppError::Stale("cost line"));
    }
    let mut inv = Invalid::new();
    let actual = if f.amount.trim().is_empty() {
        None
    } else {
        amount_of(&mut inv, "amount", &f.amount, line.planned.currency)
    };
    let note = f.note.trim();
    if note.chars().count() > 500 {
        inv.add("note", "must be at most 500 characters");
    }
    if !inv.is_empty() {
        return Err(inv.into());
    }
    write_actual(
        tx,
        caller,
        session_id,
        &line,
        actual.map(|m| m.minor),
        note,
        now,
    )
    .await?;
    let after = finance_of(read_one(tx, session_id).await?);
    audit_line(
        tx,
        caller,
        now,
        "cost_line.actual_set",
        session_id,
        Some(&line),
        after.lines.iter().find(|l| l.key == key),
    )
    .await?;
    crate::budgets::check_session(tx, caller, session_id, now).await?;
    Ok(after)
}

/// Stores an actual for `line` (inserting the row of a derived line the first time).
async fn write_actual(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    session_id: i64,
    line: &CostLine,
    actual: Option<i64>,
    note: &str,
    now: i64,
) -> Result<(), AppError> {
    match repo::stored(tx, session_id, &line.key).await? {
        Some(row) => repo::set_actual(tx, row.id, line.version, actual, note, now)
            .await
            .about("cost line")?,
        None => {
            repo::insert(
                tx,
                &repo::NewLine {
                    session_id,
                    derived_key: Some(&line.key),
                    kind: line.kind,
                    description: &line.description,
                    planned: line.planned,
                    stage: line.stage,
                    actual,
                    note,
                    created_by: caller.user_id,
                },
                now,
            )
            .await
            .map_err(|e| match e {
                // Someone stored it meanwhile: the caller read an older state.
                trainyard_store::StoreError::Duplicate(_) => AppError::Stale("cost line"),
                other => other.into(),
            })?;
        }
    }
    Ok(())
}

/// Removes a manual line, or a derived line's stored actual (the line itself stays derived).
#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn remove_line(
    app: &App,
    caller: &Caller,
    session_id: i64,
    key: &str,
    version: i64,
) -> Result<SessionFinance, AppError> {
    require_finance(caller, "remove cost lines")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    trainyard_store::sessions::touch(&mut tx, session_id)
        .await
        .about("session")?;
    let before = finance_of(read_one(&mut tx, session_id).await?);
    let line = before
        .lines
        .iter()
        .find(|l| l.key == key)
        .cloned()
        .ok_or(AppError::NotFound("cost line"))?;
    let Some(row) = repo::stored(&mut tx, session_id, key).await? else {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-cost-computed",
            "This line is computed from the session's staffing, bookings or enrollments: change those, or enter its actual cost."
        )));
    };
    if row.version != version {
        return Err(AppError::Stale("cost line"));
    }
    repo::delete(&mut tx, row.id, version)
        .await
        .about("cost line")?;
    let after = finance_of(read_one(&mut tx, session_id).await?);
    audit_line(
        &mut tx,
        caller,
        now,
        "cost_line.removed",
        session_id,
        Some(&line),
        None,
    )
    .await?;
    crate::budgets::check_session(&mut tx, caller, session_id, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets a resource's hire per day, which its bookings' venue hire and licence lines use.
#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn set_resource_rate(
    app: &App,
    caller: &Caller,
    resource_id: i64,
    amount: &str,
    currency: &str,
) -> Result<Money, AppError> {
    require_finance(caller, "set resource rates")?;
    let mut tx = app.store.write().await?;
    let rate =
        set_resource_rate_in(&mut tx, caller, resource_id, amount, currency, now_ms()).await?;
    tx.commit().await?;
    Ok(rate)
}

/// [`set_resource_rate`] in the caller's transaction (the demo seeder's).
pub(crate) async fn set_resource_rate_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    resource_id: i64,
    amount: &str,
    currency: &str,
    now: i64,
) -> Result<Money, AppError> {
    require_finance(caller, "set resource rates")?;
    let mut inv = Invalid::new();
    let cur = currency_of(&mut inv, currency, Currency::EUR);
    let rate = cur.and_then(|c| amount_of(&mut inv, "day_rate", amount, c));
    let Some(rate) = rate else {
        return Err(inv.into());
    };
    let before = repo::resource_rate(tx, resource_id)
        .await
        .about("resource")?;
    repo::set_resource_rate(tx, resource_id, rate)
        .await
        .about("resource")?;
    #[derive(serde::Serialize)]
    struct Rate {
        day_rate: Money,
    }
    crate::audit::record(
        tx,
        caller,
        now,
        "resource.day_rate_set",
        ("resource", resource_id),
        Some(&Rate { day_rate: before }),
        Some(&Rate { day_rate: rate }),
    )
    .await?;
    Ok(rate)
}

// ------------------------------------------------------------------ CSV import of actuals

/// One row of an import and what it does (or why it cannot).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ImportRow {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub session_reference: String,
    pub kind: String,
    pub description: String,
    pub amount: String,
    pub currency: String,
    /// What applying it does: the key of the line whose actual it sets, or `new` for a new line.
    pub target: Option<String>,
    /// Every problem of the row, in words; `null` when it is fine.
    pub problem: Option<String>,
}

/// The outcome of an import or its dry run.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: Vec<ImportRow>,
    /// Rows with a problem (an import with any applies nothing).
    pub problems: usize,
    /// Rows applied (0 for a dry run).
    pub applied: usize,
}

/// The most rows one import takes.
const MAX_IMPORT_ROWS: usize = 5_000;

/// A planned change of one row.
struct Planned {
    session_id: i64,
    target: Option<CostLine>,
    kind: CostKind,
    description: String,
    amount: Money,
}

/// Imports actual costs from CSV (`session reference, kind, description, amount, currency`, a
/// header row first). Each row sets the actual of the session's line of that kind with that
/// description (or the only line of that kind when the description is empty), or else adds a
/// line with that actual. A dry run reports every row's problem and changes nothing; applying
/// is all or nothing: with any problem, nothing is written.
#[tracing::instrument(skip(app, caller, text), fields(user = caller.user_id))]
pub async fn import_actuals(
    app: &App,
    caller: &Caller,
    text: &str,
    dry_run: bool,
) -> Result<ImportReport, AppError> {
    require_finance(caller, "import actual costs")?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut raw: Vec<(usize, Vec<String>, Option<String>)> = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        if n >= MAX_IMPORT_ROWS {
            return Err(Invalid::field(
                "file",
                format!("has more than {MAX_IMPORT_ROWS} rows: split it"),
            )
            .into());
        }
        match rec {
            Ok(r) => {
                let cells: Vec<String> = r.iter().map(str::to_owned).collect();
                let problem = (cells.len() != 5).then(|| {
                    format!(
                        "has {} columns; expected 5: session reference, kind, description, amount, currency",
                        cells.len()
                    )
                });
                if cells.iter().all(|c| c.is_empty()) {
                    continue;
                }
                raw.push((n + 2, cells, problem));
            }
            Err(e) => raw.push((n + 2, Vec::new(), Some(format!("cannot be read: {e}")))),
        }
    }
    if raw.is_empty() {
        return Err(Invalid::field(
            "file",
            "has no rows after the header (session reference, kind, description, amount, currency)",
        )
        .into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let references: Vec<String> = raw
        .iter()
        .filter_map(|(_, c, _)| c.first().cloned())
        .collect();
    let sessions = repo::session_ids_by_reference(&mut tx, &references).await?;
    let mut finance: std::collections::HashMap<i64, SessionFinance> = Default::default();
    let mut rows = Vec::new();
    let mut plans: Vec<Planned> = Vec::new();
    let mut taken: Vec<(i64, String)> = Vec::new();
    for (line, cells, problem) in raw {
        let cell = |i: usize| cells.get(i).cloned().unwrap_or_default();
        let mut row = ImportRow {
            line,
            session_reference: cell(0),
            kind: cell(1),
            description: cell(2),
            amount: cell(3),
            currency: cell(4),
            target: None,
            problem: None,
        };
        let mut problems: Vec<String> = problem.into_iter().collect();
        if problems.is_empty() {
            let session = sessions.get(&row.session_reference).copied();
            if session.is_none() {
                problems.push(format!(
                    "no session has the reference '{}'",
                    row.session_reference.chars().take(40).collect::<String>()
                ));
            }
            let kind = CostKind::parse(&row.kind).map_err(|e| e.english);
            let currency = Currency::parse(&row.currency).map_err(|e| e.to_string());
            if let Err(e) = &kind {
                problems.push(e.clone());
            }
            if let Err(e) = &currency {
                problems.push(format!("currency: {e}"));
            }
            let amount = currency.as_ref().ok().map(|c| {
                Money::parse_non_negative(&row.amount, *c).map_err(|e| format!("amount {e}"))
            });
            if let Some(Err(e)) = &amount {
                problems.push(e.clone());
            }
            if row.description.chars().count() > 200 {
                problems.push("the description is longer than 200 characters".into());
            }
            if let (Some((sid, _)), Ok(kind), Some(Ok(amount))) = (session, kind, amount) {
                if let std::collections::hash_map::Entry::Vacant(e) = finance.entry(sid) {
                    e.insert(finance_of(read_one(&mut tx, sid).await?));
                }
                let f = &finance[&sid];
                let of_kind: Vec<&CostLine> = f.lines.iter().filter(|l| l.kind == kind).collect();
                let matching: Vec<&CostLine> = if row.description.is_empty() {
                    of_kind.clone()
                } else {
                    of_kind
                        .iter()
                        .copied()
                        .filter(|l| l.description.eq_ignore_ascii_case(&row.description))
                        .collect()
                };
                let target = match matching.as_slice() {
                    [one] => Some((*one).clone()),
                    [] if row.description.is_empty() => {
                        problems.push(format!(
                            "the session has no {} line: give a description to add one",
                            kind.label().to_lowercase()
                        ));
                        None
                    }
                    [] => None,
                    _ => {
                        problems.push(format!(
                            "the session has {} {} lines: give the description of one",
                            matching.len(),
                            kind.label().to_lowercase()
                        ));
                        None
                    }
                };
                if let Some(t) = &target {
                    if t.planned.currency != amount.currency {
                        problems.push(format!(
                            "the line is in {}, not {}",
                            t.planned.currency, amount.currency
                        ));
                    }
                    if taken.contains(&(sid, t.key.clone())) {
                        problems.push("another row of the file already sets this line".into());
                    }
                    taken.push((sid, t.key.clone()));
                }
                if problems.is_empty() {
                    row.target = Some(target.as_ref().map_or("new".into(), |t| t.key.clone()));
                    plans.push(Planned {
                        session_id: sid,
                        target,
                        kind,
                        description: row.description.clone(),
                        amount,
                    });
                }
            }
        }
        if !problems.is_empty() {
            row.problem = Some(problems.join("; "));
        }
        rows.push(row);
    }
    let problems = rows.iter().filter(|r| r.problem.is_some()).count();
    if dry_run || problems > 0 {
        tx.rollback().await?;
        if !dry_run {
            let mut inv = Invalid::new();
            for r in rows.iter().filter(|r| r.problem.is_some()).take(50) {
                inv.add(
                    &format!("row {}", r.line),
                    r.problem.clone().unwrap_or_default(),
                );
            }
            return Err(inv.into());
        }
        return Ok(ImportReport {
            dry_run,
            rows,
            problems,
            applied: 0,
        });
    }
    for p in &plans {
        trainyard_store::sessions::touch(&mut tx, p.session_id)
            .await
            .about("session")?;
        match &p.target {
            Some(line) => {
                write_actual(
                    &mut tx,
                    caller,
                    p.session_id,
                    line,
                    Some(p.amount.minor),
                    "imported",
                    now,
                )
                .await?;
                let mut after = line.clone();
                after.actual = Some(p.amount);
                after.amount = p.amount;
                after.stage = CostStage::Actual;
                audit_line(
                    &mut tx,
                    caller,
                    now,
                    "cost_line.actual_imported",
                    p.session_id,
                    Some(line),
                    Some(&after),
                )
                .await?;
            }
            None => {
                let id = repo::insert(
                    &mut tx,
                    &repo::NewLine {
                        session_id: p.session_id,
                        derived_key: None,
                        kind: p.kind,
                        description: &p.description,
                        planned: Money::new(0, p.amount.currency),
                        stage: CostStage::Planned,
                        actual: Some(p.amount.minor),
                        note: "imported",
                        created_by: caller.user_id,
                    },
                    now,
                )
                .await?;
                let after = CostLine {
                    key: format!("line-{id}"),
                    kind: p.kind,
                    description: p.description.clone(),
                    stage: CostStage::Actual,
                    planned: Money::new(0, p.amount.currency),
                    actual: Some(p.amount),
                    amount: p.amount,
                    note: "imported".into(),
                    derived: false,
                    assignment_id: None,
                    resource_id: None,
                    version: 1,
                };
                audit_line(
                    &mut tx,
                    caller,
                    now,
                    "cost_line.actual_imported",
                    p.session_id,
                    None,
                    Some(&after),
                )
                .await?;
            }
        }
    }
    let mut touched: Vec<i64> = plans.iter().map(|p| p.session_id).collect();
    touched.sort_unstable();
    touched.dedup();
    for sid in touched {
        crate::budgets::check_session(&mut tx, caller, sid, now).await?;
    }
    tx.commit().await?;
    Ok(ImportReport {
        dry_run,
        applied: rows.len(),
        rows,
        problems: 0,
    })
}

// ------------------------------------------------------------------ profitability

/// What the reader asked for: the period (as for the KPIs), the dimension and a drill-down.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ProfitQuery {
    /// First day of the period (`YYYY-MM-DD`, in your time zone); the current month without it.
    #[param(value_type = Option<String>, format = Date)]
    pub from: String,
    /// Last day of the period, inclusive (`YYYY-MM-DD`); the end of `from`'s month without it.
    #[param(value_type = Option<String>, format = Date)]
    pub until: String,
    /// The dimension rows are rolled up by (`course` without it); `session` lists sessions.
    #[param(value_type = Option<Dimension>)]
    pub by: String,
    /// Only the sessions of one group, as `dimension:key` (a row's drill-down, e.g. `course:12`,
    /// `client:` for public sessions).
    pub within: String,
}

/// One row of the profitability report.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProfitLine {
    /// The group's key (an id, a mode, `YYYY-MM`); `""` for sessions without one.
    pub key: String,
    pub label: String,
    pub sessions: i64,
    pub learners: i64,
    pub revenue: Money,
    pub cost: Money,
    pub margin: Money,
    /// Margin ÷ revenue as a percentage ("12.5"); `null` without revenue.
    pub margin_percent: Option<String>,
    /// Cost ÷ learners; `null` without learners.
    pub cost_per_learner: Option<Money>,
    pub loss_making: bool,
}

impl From<ProfitGroup> for ProfitLine {
    fn from(g: ProfitGroup) -> Self {
        ProfitLine {
            margin_percent: g.margin_percent(),
            cost_per_learner: g.cost_per_learner(),
            loss_making: g.loss_making(),
            key: g.key,
            label: g.label,
            sessions: g.sessions,
            learners: g.learners,
            revenue: g.revenue,
            cost: g.cost,
            margin: g.margin,
        }
    }
}

/// The profitability of the sessions delivered in a period.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ProfitabilityReport {
    /// The time zone the days (and months) are read in (the reader's).
    pub time_zone: String,
    pub period: Days,
    pub by: Dimension,
    /// The drill-down applied (`dimension:key`), if any.
    pub within: Option<String>,
    /// The name of the group drilled into ("Acme", "2026-03").
    pub within_label: Option<String>,
    /// Loss-making rows first (the worst first), then by margin.
    pub rows: Vec<ProfitLine>,
    /// The whole period, one line per currency.
    pub totals: Vec<ProfitLine>,
}

/// The profit rows of sessions delivered (ending) in `[from, until)`, from the figures kept per
/// session (refreshed first).
pub async fn profit_rows(
    app: &App,
    tz: &TimeZoneName,
    from_ms: i64,
    until_ms: i64,
) -> Result<Vec<ProfitRow>, AppError> {
    crate::finance_facts::refresh(app, Some((from_ms, until_ms))).await?;
    let f = FactFilter {
        from_ms,
        until_ms,
        ..Default::default()
    };
    crate::finance_facts::rows(app, tz, &f).await
}

/// [`profit_rows`] costed from the raw rows: the reference the kept figures are held to.
pub async fn profit_rows_raw(
    app: &App,
    tz: &TimeZoneName,
    from_ms: i64,
    until_ms: i64,
) -> Result<Vec<ProfitRow>, AppError> {
    let mut conn = app.store.read().await?;
    let all = repo::read(&mut conn, Scope::DeliveredEndingIn { from_ms, until_ms }).await?;
    Ok(all
        .into_iter()
        .map(|sc| {
            let s = sc.session.clone();
            let lead = sc.lead.clone();
            let f = finance_of(sc);
            ProfitRow {
                session_id: s.id,
                reference: s.reference,
                ends_at: s.ends_at,
                currency: s.currency,
                revenue_minor: f.revenue.minor,
                cost_minor: f.totals.total.minor,
                learners: s.learners,
                course: s.course,
                client: s.client,
                program: s.program,
                instructor: lead,
                venue: s.venue,
                mode: s.mode,
                month: tz.local(s.ends_at).format("%Y-%m").to_string(),
            }
        })
        .collect())
}

fn within_of(raw: &str) -> Result<Option<(Dimension, String)>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let bad = |m: String| AppError::BadParameter {
        name: "within",
        message: m,
    };
    let (d, key) = raw
        .split_once(':')
        .ok_or_else(|| bad("is dimension:key, e.g. course:12".into()))?;
    let d = Dimension::parse(d).map_err(bad)?;
    Ok(Some((d, key.to_owned())))
}

/// The profitability report: revenue recognised on delivery minus cost, per group of `by`.
#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn profitability(
    app: &App,
    caller: &Caller,
    q: &ProfitQuery,
) -> Result<ProfitabilityReport, AppError> {
    profitability_from(app, caller, q, Source::Facts).await
}

/// [`profitability`] from the figures of `source` (the tests compare the two).
pub async fn profitability_from(
    app: &App,
    caller: &Caller,
    q: &ProfitQuery,
    source: Source,
) -> Result<ProfitabilityReport, AppError> {
    require_finance(caller, "see profitability")?;
    let by = Dimension::parse(&q.by).map_err(|m| AppError::BadParameter {
        name: "by",
        message: m,
    })?;
    let within = within_of(&q.within)?;
    let tz = TimeZoneName::parse_or_utc(&caller.time_zone);
    let days = crate::reporting::days_of(
        &ReportQuery {
            from: q.from.clone(),
            until: q.until.clone(),
            ..Default::default()
        },
        tz.local(now_ms()).date_naive(),
    )?;
    let period = trainyard_core::kpi::Period::local_days(&tz, days.from, days.until);
    let (rows, totals, within_label) = match source {
        Source::RawRows => {
            let mut rows = profit_rows_raw(app, &tz, period.from_ms, period.until_ms).await?;
            let mut within_label = None;
            if let Some((d, key)) = &within {
                rows = costs::within(rows, *d, key);
                within_label = rows.first().map(|r| r.key(*d).label);
            }
            (costs::rollup(&rows, by), costs::total(&rows), within_label)
        }
        Source::Facts => {
            crate::finance_facts::refresh(app, Some((period.from_ms, period.until_ms))).await?;
            let all = FactFilter {
                from_ms: period.from_ms,
                until_ms: period.until_ms,
                ..Default::default()
            };
            let span = (days.from, days.until);
            let f = match &within {
                Some((d, key)) => crate::finance_facts::narrow(all, &tz, *d, key),
                None => Some(all),
            };
            match f {
                None => (Vec::new(), Vec::new(), None),
                Some(f) => {
                    let within_label = match &within {
                        Some((d, _)) => crate::finance_facts::sums(app, &tz, span, &f, Some(*d))
                            .await?
                            .into_iter()
                            .next()
                            .map(|s| s.key.label),
                        None => None,
                    };
                    let sums = crate::finance_facts::sums(app, &tz, span, &f, Some(by)).await?;
                    (
                        costs::groups(sums.iter().cloned()),
                        costs::totals_of(sums),
                        within_label,
                    )
                }
            }
        }
    };
    Ok(ProfitabilityReport {
        time_zone: tz.as_str().to_owned(),
        period: days,
        by,
        within: within.map(|(d, k)| format!("{}:{k}", d.as_str())),
        within_label,
        rows: rows.into_iter().map(Into::into).collect(),
        totals: totals.into_iter().map(Into::into).collect(),
    })
}

/// The report as CSV: one line per row, then the totals; amounts as plain decimals.
pub fn profitability_csv(r: &ProfitabilityReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        r.by.as_str(),
        "label",
        "sessions",
        "learners",
        "currency",
        "revenue",
        "cost",
        "margin",
        "margin_percent",
        "cost_per_learner",
    ]);
    for l in r.rows.iter().chain(r.totals.iter()) {
        let _ = w.write_record([
            l.key.as_str(),
            &l.label,
            &l.sessions.to_string(),
            &l.learners.to_string(),
            l.revenue.currency.as_str(),
            &l.revenue.amount_string(),
            &l.cost.amount_string(),
            &l.margin.amount_string(),
            l.margin_percent.as_deref().unwrap_or(""),
            &l.cost_per_learner
                .map(|m| m.amount_string())
                .unwrap_or_default(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The finance KPIs of a period (sessions delivered in it), for the reports' tiles: cost per
/// learner and margin ÷ revenue, in the currency with the most revenue; `None` without sessions.
pub(crate) async fn kpi_ratios(
    app: &App,
    tz: &TimeZoneName,
    days: &Days,
    f: &trainyard_store::kpi::KpiFilter,
    source: Source,
) -> Result<Option<(Ratio, Ratio, Currency)>, AppError> {
    let period = trainyard_core::kpi::Period::local_days(tz, days.from, days.until);
    let totals = match source {
        Source::RawRows => {
            let keep = |r: &ProfitRow| {
                f.client_id
                    .is_none_or(|c| r.client.as_ref().map(|x| x.0) == Some(c))
                    && f.course_id.is_none_or(|c| r.course.0 == c)
                    && f.venue_id
                        .is_none_or(|v| r.venue.as_ref().map(|x| x.0) == Some(v))
                    && f.mode.is_none_or(|m| r.mode == m)
                    && f.instructor_id
                        .is_none_or(|i| r.instructor.as_ref().map(|x| x.0) == Some(i))
            };
            let rows: Vec<ProfitRow> = profit_rows_raw(app, tz, period.from_ms, period.until_ms)
                .await?
                .into_iter()
                .filter(|r| keep(r))
                .collect();
            costs::total(&rows)
        }
        Source::Facts => {
            crate::finance_facts::refresh(app, Some((period.from_ms, period.until_ms))).await?;
            let facts = FactFilter {
                from_ms: period.from_ms,
                until_ms: period.until_ms,
                course_id: f.course_id,
                client_id: f.client_id.map(Some),
                lead_instructor_id: f.instructor_id.map(Some),
                venue_id: f.venue_id.map(Some),
                mode: f.mode,
                ..Default::default()
            };
            costs::totals_of(
                crate::finance_facts::sums(app, tz, (days.from, days.until), &facts, None).await?,
            )
        }
    };
    Ok(totals
        .into_iter()
        .max_by(|a, b| {
            a.revenue
                .minor
                .cmp(&b.revenue.minor)
                .then_with(|| b.revenue.currency.as_str().cmp(a.revenue.currency.as_str()))
        })
        .map(|t| (t.cost_per_learner_ratio, t.margin_ratio, t.revenue.currency)))
}
