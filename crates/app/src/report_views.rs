//! Saved report views and scheduled reports (issue 17 §5). A view is a report (KPIs, morning
//! lists, profitability) with the query string of its filters and period, owned by who saved it;
//! shared, it is visible to everyone whose role may see that report. Only its owner (or an
//! administrator) changes it. A schedule e-mails the view weekly or monthly: the delivery worker
//! of every `serve` process calls [`send_due`], and the conditional UPDATE of `next_run_at`
//! ([`trainyard_store::report_views::claim`]) lets exactly one of them queue the run: one outbox
//! message per recipient, the figures as a plain table in the body and the CSV attached when the
//! message is sent (`delivery::files_of`). The report runs with its owner's rights.

use crate::error::About;
use crate::morning::{self, MorningQuery};
use crate::reporting::{self, Days, ReportQuery};
use crate::{App, AppError, Caller, now_ms};
use trainyard_core::report_view::{ReportKind, ScheduleFields};
use trainyard_core::{Invalid, Role, TimeZoneName};
use trainyard_store::outbox::{self, NewMessage};
use trainyard_store::report_views::{self as repo, ReportSchedule, ReportView, ViewInput};

/// The outbox kind of a scheduled report's message.
pub const MESSAGE_KIND: &str = "scheduled_report";
/// The entity a scheduled report's message names: the run whose CSV it carries.
pub const RUN_ENTITY: &str = "report_run";
/// Schedules handled per worker pass.
const BATCH: i64 = 20;

/// Whether `caller`'s role may see `kind` at all.
pub fn may_see(caller: &Caller, kind: ReportKind) -> bool {
    match kind {
        ReportKind::Kpis => caller.role != Role::Learner,
        ReportKind::Morning => caller.role.is_staff(),
        ReportKind::Profitability => caller.sees_finance(),
    }
}

fn may_read(caller: &Caller, v: &ReportView) -> bool {
    may_see(caller, v.report)
        && (v.owner_user_id == caller.user_id || v.shared || caller.role.can_administer())
}

fn may_edit(caller: &Caller, v: &ReportView) -> bool {
    v.owner_user_id == caller.user_id || caller.role.can_administer()
}

/// A view as typed (form or API).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ViewFields {
    pub name: String,
    pub report: String,
    pub query: String,
    pub shared: bool,
}

/// The query string a view keeps: without a leading `?`, without the format and page.
fn clean_query(raw: &str) -> String {
    let raw = raw.trim().trim_start_matches('?');
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw).unwrap_or_default();
    let kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, v)| !v.is_empty() && !matches!(k.as_str(), "format" | "page" | "_csrf"))
        .collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// Checks that `query` reads as `kind`'s filters, naming the field `query` when it does not.
fn check_query(kind: ReportKind, query: &str, inv: &mut Invalid) {
    let problem = match kind {
        ReportKind::Kpis => serde_urlencoded::from_str::<ReportQuery>(query)
            .err()
            .map(|e| e.to_string()),
        ReportKind::Morning => serde_urlencoded::from_str::<MorningQuery>(query)
            .err()
            .map(|e| e.to_string()),
        ReportKind::Profitability => serde_urlencoded::from_str::<crate::costs::ProfitQuery>(query)
            .err()
            .map(|e| e.to_string()),
    };
    if let Some(p) = problem {
        inv.add("query", format!("The filters cannot be read: {p}"));
    }
}

fn parse_view(caller: &Caller, f: &ViewFields) -> Result<(ReportKind, String), AppError> {
    let mut inv = Invalid::new();
    let name = f.name.trim();
    if name.is_empty() {
        inv.add("name", "Give the view a name");
    } else if name.chars().count() > 100 {
        inv.add("name", "Keep the name under 100 characters");
    }
    let kind = inv.check("report", ReportKind::parse(&f.report));
    let query = clean_query(&f.query);
    if query.len() > 2_000 {
        inv.add(
            "query",
            "The filters are too long (at most 2,000 characters)",
        );
    }
    if let Some(k) = kind {
        check_query(k, &query, &mut inv);
    }
    match kind {
        Some(k) if inv.is_empty() => {
            if !may_see(caller, k) {
                return Err(AppError::Forbidden(format!(
                    "save views of the {} report",
                    k.label()
                )));
            }
            Ok((k, query))
        }
        _ => Err(inv.into()),
    }
}

/// The views `caller` may open: their own and the shared ones of reports they may see.
pub async fn list_views(app: &App, caller: &Caller) -> Result<Vec<ReportView>, AppError> {
    caller.require(caller.role != Role::Learner, "see saved report views")?;
    let mut conn = app.store.read().await?;
    let all = repo::list(&mut conn, caller.user_id, true).await?;
    Ok(all.into_iter().filter(|v| may_read(caller, v)).collect())
}

/// One view; 404 for a view `caller` may not open (as for a missing one).
pub async fn get_view(app: &App, caller: &Caller, id: i64) -> Result<ReportView, AppError> {
    let mut conn = app.store.read().await?;
    let v = repo::get(&mut conn, id).await.about("report view")?;
    if !may_read(caller, &v) {
        return Err(AppError::NotFound("report view"));
    }
    Ok(v)
}

/// Where a view opens: its report's page with its filters.
pub fn href(v: &ReportView) -> String {
    if v.query.is_empty() {
        v.report.path().to_owned()
    } else {
        format!("{}?{}", v.report.path(), v.query)
    }
}

/// Saves a view of a report for `caller`.
#[tracing::instrument(skip(app, caller, f), fields(user = caller.user_id))]
pub async fn create_view(
    app: &App,
    caller: &Caller,
    f: &ViewFields,
) -> Result<ReportView, AppError> {
    caller.require(caller.role != Role::Learner, "save report views")?;
    let (kind, query) = parse_view(caller, f)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let id = repo::insert(
        &mut tx,
        caller.user_id,
        &ViewInput {
            name: f.name.trim(),
            report: kind,
            query: &query,
            shared: f.shared,
        },
        now,
    )
    .await?;
    let v = repo::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "report_view.created",
        ("report_view", id),
        None,
        Some(&v),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// Renames, re-shares or re-filters a view: its owner or an administrator.
#[tracing::instrument(skip(app, caller, f), fields(user = caller.user_id))]
pub async fn update_view(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    f: &ViewFields,
) -> Result<ReportView, AppError> {
    let before = get_view(app, caller, id).await?;
    caller.require(may_edit(caller, &before), "change someone else's view")?;
    let (kind, query) = parse_view(caller, f)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::update(
        &mut tx,
        id,
        version,
        &ViewInput {
            name: f.name.trim(),
            report: kind,
            query: &query,
            shared: f.shared,
        },
        now,
    )
    .await
    .about("report view")?;
    let after = repo::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "report_view.updated",
        ("report_view", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Deletes a view and its schedules: its owner or an administrator.
#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn delete_view(app: &App, caller: &Caller, id: i64) -> Result<(), AppError> {
    let before = get_view(app, caller, id).await?;
    caller.require(may_edit(caller, &before), "delete someone else's view")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::delete(&mut tx, id).await.about("report view")?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "report_view.deleted",
        ("report_view", id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------------ schedules

/// The schedules of a view `caller` may open.
pub async fn list_schedules(
    app: &App,
    caller: &Caller,
    view_id: i64,
) -> Result<Vec<ReportSchedule>, AppError> {
    get_view(app, caller, view_id).await?;
    let mut conn = app.store.read().await?;
    Ok(repo::schedules(&mut conn, view_id).await?)
}

pub async fn get_schedule(
    app: &App,
    caller: &Caller,
    view_id: i64,
    id: i64,
) -> Result<ReportSchedule, AppError> {
    get_view(app, caller, view_id).await?;
    let mut conn = app.store.read().await?;
    let s = repo::schedule(&mut conn, id)
        .await
        .about("report schedule")?;
    if s.view_id != view_id {
        return Err(AppError::NotFound("report schedule"));
    }
    Ok(s)
}

/// The view, if `caller` may schedule it: staff, its owner or an administrator.
async fn schedulable(app: &App, caller: &Caller, view_id: i64) -> Result<ReportView, AppError> {
    let v = get_view(app, caller, view_id).await?;
    caller.require_staff("schedule reports")?;
    caller.require(may_edit(caller, &v), "schedule someone else's view")?;
    Ok(v)
}

fn parsed(
    f: &ScheduleFields,
    now: i64,
) -> Result<
    (
        trainyard_core::report_view::Schedule,
        Vec<String>,
        String,
        i64,
    ),
    AppError,
> {
    let s = f.parse()?;
    let recipients: Vec<String> = s.recipients.iter().map(|a| a.as_str().to_owned()).collect();
    let time = s.time_of_day.format("%H:%M").to_string();
    let next = s.next_run_after(now);
    Ok((s, recipients, time, next))
}

/// E-mails a view weekly or monthly to the recipients.
#[tracing::instrument(skip(app, caller, f), fields(user = caller.user_id))]
pub async fn create_schedule(
    app: &App,
    caller: &Caller,
    view_id: i64,
    f: &ScheduleFields,
) -> Result<ReportSchedule, AppError> {
    schedulable(app, caller, view_id).await?;
    let now = now_ms();
    let (s, recipients, time, next) = parsed(f, now)?;
    let mut tx = app.store.write().await?;
    let id = repo::insert_schedule(
        &mut tx,
        view_id,
        caller.user_id,
        &repo::ScheduleInput {
            cadence: s.cadence,
            day: i64::from(s.day),
            time_of_day: &time,
            time_zone: s.time_zone.as_str(),
            recipients: &recipients,
            next_run_at: next,
        },
        now,
    )
    .await
    .about("report view")?;
    let created = repo::schedule(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "report_schedule.created",
        ("report_schedule", id),
        None,
        Some(&created),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// Changes a schedule (its next run is worked out afresh).
#[tracing::instrument(skip(app, caller, f), fields(user = caller.user_id))]
pub async fn update_schedule(
    app: &App,
    caller: &Caller,
    view_id: i64,
    id: i64,
    version: i64,
    f: &ScheduleFields,
) -> Result<ReportSchedule, AppError> {
    schedulable(app, caller, view_id).await?;
    let before = get_schedule(app, caller, view_id, id).await?;
    let now = now_ms();
    let (s, recipients, time, next) = parsed(f, now)?;
    let mut tx = app.store.write().await?;
    repo::update_schedule(
        &mut tx,
        id,
        version,
        &repo::ScheduleInput {
            cadence: s.cadence,
            day: i64::from(s.day),
            time_of_day: &time,
            time_zone: s.time_zone.as_str(),
            recipients: &recipients,
            next_run_at: next,
        },
        now,
    )
    .await
    .about("report schedule")?;
    let after = repo::schedule(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "report_schedule.updated",
        ("report_schedule", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn delete_schedule(
    app: &App,
    caller: &Caller,
    view_id: i64,
    id: i64,
) -> Result<(), AppError> {
    schedulable(app, caller, view_id).await?;
    let before = get_schedule(app, caller, view_id, id).await?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::delete_schedule(&mut tx, id)
        .await
        .about("report schedule")?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "report_schedule.deleted",
        ("report_schedule", id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------------ running

/// The named period of a page's query (`period=quarter`: the quarter of the day it runs).
fn preset(query: &str) -> String {
    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct Preset {
        period: String,
    }
    serde_urlencoded::from_str::<Preset>(query)
        .unwrap_or_default()
        .period
}

/// A report as a file: its name and CSV, as `caller` may see it at `now`.
pub async fn report_csv(
    app: &App,
    caller: &Caller,
    kind: ReportKind,
    query: &str,
    now: i64,
) -> Result<(String, String), AppError> {
    let bad = |e: serde_urlencoded::de::Error| AppError::BadParameter {
        name: "query",
        message: e.to_string(),
    };
    let tz = TimeZoneName::parse_or_utc(&caller.time_zone);
    let today = tz.local(now).date_naive();
    match kind {
        ReportKind::Kpis => {
            let mut q: ReportQuery = serde_urlencoded::from_str(query).map_err(bad)?;
            if let Some(d) = Days::preset(preset(query).trim(), today) {
                q.from = d.from.to_string();
                q.until = d.until.to_string();
            }
            let r = reporting::kpis(app, caller, &q).await?;
            Ok((
                format!("kpis-{}-{}.csv", r.period.from, r.period.until),
                reporting::csv(&r),
            ))
        }
        ReportKind::Morning => {
            let q: MorningQuery = serde_urlencoded::from_str(query).map_err(bad)?;
            let m = morning::morning_lists(app, caller, today, &q).await?;
            Ok((format!("morning-{today}.csv"), morning::csv(&m)))
        }
        ReportKind::Profitability => {
            let mut q: crate::costs::ProfitQuery =
                serde_urlencoded::from_str(query).map_err(bad)?;
            if let Some(d) = Days::preset(preset(query).trim(), today) {
                q.from = d.from.to_string();
                q.until = d.until.to_string();
            }
            let r = crate::costs::profitability(app, caller, &q).await?;
            Ok((
                format!("profitability-{}-{}.csv", r.period.from, r.period.until),
                crate::costs::profitability_csv(&r),
            ))
        }
    }
}

/// The most lines of a report the e-mail body shows (the CSV has them all).
const BODY_LINES: usize = 200;

/// CSV as a plain-text table with aligned columns.
pub fn plain_table(csv_text: &str) -> String {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    let rows: Vec<Vec<String>> = r
        .records()
        .filter_map(Result::ok)
        .take(BODY_LINES + 1)
        .map(|rec| rec.iter().map(str::to_owned).collect())
        .collect();
    // Columns empty on every line are left out.
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let used: Vec<usize> = (0..columns)
        .filter(|&c| {
            rows.iter()
                .skip(1)
                .any(|r| r.get(c).is_some_and(|x| !x.is_empty()))
        })
        .collect();
    let width = |c: usize| {
        rows.iter()
            .map(|r| r.get(c).map_or(0, |x| x.chars().count()))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = used.iter().map(|&c| width(c)).collect();
    let mut out = String::new();
    for (n, row) in rows.iter().enumerate() {
        let line: Vec<String> = used
            .iter()
            .zip(&widths)
            .map(|(&c, &w)| format!("{:<w$}", row.get(c).map_or("", String::as_str)))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    if rows.len() > BODY_LINES {
        out.push_str("… (more lines in the attached CSV)\n");
    }
    out
}

/// What one pass of [`send_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Runs this process claimed and queued.
    pub runs: usize,
    /// Messages queued.
    pub messages: usize,
}

/// Queues every schedule due at `now` that this process claims first. Safe to run in every
/// process at once: each run is queued by exactly one.
pub async fn send_due(app: &App, now: i64) -> Result<SendReport, AppError> {
    let due = {
        let mut conn = app.store.read().await?;
        repo::due(&mut conn, now, BATCH).await?
    };
    let mut report = SendReport::default();
    for s in due {
        match send_one(app, &s, now).await {
            Ok(n) if n > 0 => {
                report.runs += 1;
                report.messages += n;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(schedule = s.id, error = %e, "a scheduled report failed"),
        }
    }
    Ok(report)
}

/// Claims and queues one run; the number of messages queued (0: another process had it).
async fn send_one(app: &App, s: &ReportSchedule, now: i64) -> Result<usize, AppError> {
    let (view, owner) = {
        let mut conn = app.store.read().await?;
        let view = repo::get(&mut conn, s.view_id).await?;
        let owner = trainyard_store::users::get(&mut conn, view.owner_user_id).await?;
        (view, owner)
    };
    let owner = Caller::from_user(owner, None);
    let schedule = ScheduleFields {
        cadence: s.cadence.as_str().to_owned(),
        day: s.day.to_string(),
        time_of_day: s.time_of_day.clone(),
        time_zone: s.time_zone.clone(),
        recipients: s.recipients.join("\n"),
    }
    .parse()?;
    // Runs missed while nothing was running are not caught up: the next is after now.
    let next = schedule.next_run_after(now.max(s.next_run_at));
    let made = report_csv(app, &owner, view.report, &view.query, now).await;
    let system = Caller::system();
    let mut tx = app.store.write().await?;
    if !repo::claim(&mut tx, s.id, s.next_run_at, next, now).await? {
        return Ok(0);
    }
    let (file_name, csv_text) = match made {
        Ok(x) => x,
        Err(e) => {
            // The owner may no longer see the report: the run is skipped, and says why.
            crate::audit::record(
                &mut tx,
                &system,
                now,
                "report_schedule.failed",
                ("report_schedule", s.id),
                None,
                Some(&serde_json::json!({ "error": e.to_string() })),
            )
            .await?;
            tx.commit().await?;
            return Ok(0);
        }
    };
    let run_id = repo::insert_run(&mut tx, s.id, s.next_run_at, &file_name, &csv_text, now).await?;
    let tz = TimeZoneName::parse_or_utc(&s.time_zone);
    let as_of = tz.local(now).format("%Y-%m-%d %H:%M").to_string();
    let subject = format!("{}: {} ({as_of})", view.name, view.report.label());
    let body = format!(
        "{} — {}, as of {as_of} ({}).\n\n{}\nThe same figures are attached as {file_name}.\nOpen the report: {}\n\n\
         You receive this because {} scheduled it in Trainyard ({} {}).\n",
        view.name,
        view.report.label(),
        tz.as_str(),
        plain_table(&csv_text),
        app.link(&href(&view)),
        view.owner_name,
        s.cadence.as_str(),
        s.time_of_day,
    );
    let mut queued = 0;
    for r in &s.recipients {
        let key = format!("report-{}-{}-{}", s.id, s.next_run_at, r.to_lowercase());
        if outbox::enqueue_once(
            &mut tx,
            &NewMessage {
                kind: MESSAGE_KIND,
                recipient: r,
                subject: &subject,
                body: &body,
                entity_type: RUN_ENTITY,
                entity_id: run_id,
                idempotency_key: &key,
            },
            now,
        )
        .await?
        {
            queued += 1;
        }
    }
    crate::audit::record(
        &mut tx,
        &system,
        now,
        "report_schedule.sent",
        ("report_schedule", s.id),
        None,
        Some(&serde_json::json!({
            "run_id": run_id,
            "due_at": trainyard_core::time::rfc3339(s.next_run_at),
            "recipients": s.recipients,
            "next_run_at": trainyard_core::time::rfc3339(next),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(queued)
}

/// The CSV a scheduled report's message carries: its file name and bytes.
pub async fn run_file(app: &App, run_id: i64) -> Result<Option<(String, Vec<u8>)>, AppError> {
    let mut conn = app.store.read().await?;
    Ok(repo::run_file(&mut conn, run_id)
        .await?
        .map(|(name, csv)| (name, csv.into_bytes())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn views_keep_the_filters_without_format_or_empty_values() {
        assert_eq!(
            clean_query("?from=2026-01-01&client_id=&format=csv&mode=ilt"),
            "from=2026-01-01&mode=ilt"
        );
    }

    #[test]
    fn plain_tables_align_and_drop_empty_columns() {
        let t =
            plain_table("kpi,title,empty,value\nfill_rate,Fill rate,,72.5\nx,Longer title,,1\n");
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "kpi        title         value");
        assert_eq!(lines[2], "fill_rate  Fill rate     72.5");
        assert_eq!(lines[3], "x          Longer title  1");
    }
}
