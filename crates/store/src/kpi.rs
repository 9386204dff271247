//! The rows the operations KPIs are computed from (`trainyard_core::kpi`), one query per family:
//! sessions with their seats, outcomes and disruptions; teaching parts; instructors' availability;
//! admin effort per session. Each narrows by the same [`KpiFilter`]; the figures themselves are
//! computed in core, never in SQL, so the module, the API and the tests share one definition.

use crate::kpi_kept as kept;
use crate::row::{Col, Sql, fetch_all};
use crate::{Conn, StoreError};
use std::collections::HashMap;
use trainyard_core::TimeZoneName;
use trainyard_core::kpi::{AdminRow, InstructorRow, SessionRow, TeachingRow, WorkingHours};
use trainyard_core::status::{DeliveryMode, SessionStatus, StatusReason};

/// Which rows a report covers: sessions starting in `[from_ms, until_ms)` (teaching parts and
/// availability overlapping it), narrowed by the optional slices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiFilter {
    pub from_ms: i64,
    pub until_ms: i64,
    pub client_id: Option<i64>,
    pub course_id: Option<i64>,
    pub instructor_id: Option<i64>,
    pub venue_id: Option<i64>,
    pub mode: Option<DeliveryMode>,
}

/// Seats that are taken: the same statuses `sessions.booked_count` counts.
const CAME: &str = "('attended', 'completed', 'failed')";
const HELD: &str = "('scheduled', 'confirmed', 'delivered', 'closed')";

/// The slices on a session aliased `s` (the period is each query's own).
pub(crate) fn slices(q: &mut Sql, f: &KpiFilter) {
    if let Some(c) = f.client_id {
        q.push(" AND s.client_id = ").int(c);
    }
    if let Some(c) = f.course_id {
        q.push(" AND s.course_id = ").int(c);
    }
    if let Some(v) = f.venue_id {
        q.push(" AND s.venue_id = ").int(v);
    }
    if let Some(m) = f.mode {
        q.push(" AND s.delivery_mode = ").text(m.as_str());
    }
    if let Some(i) = f.instructor_id {
        q.push(" AND s.id IN (SELECT session_id FROM assignments WHERE status IN ('accepted', 'confirmed') AND instructor_id = ")
            .int(i)
            .push(")");
    }
}

fn starting_in(q: &mut Sql, f: &KpiFilter) {
    q.push(" WHERE s.archived_at IS NULL AND s.starts_at >= ")
        .int(f.from_ms)
        .push(" AND s.starts_at < ")
        .int(f.until_ms);
    slices(q, f);
}

fn decode<T>(r: Result<T, trainyard_core::status::Refusal>) -> Result<T, sqlx::Error> {
    r.map_err(crate::courses::decode_err)
}

/// Sessions starting in the period, with their seats, outcomes and disruptions, one row each,
/// counted from the raw enrollments and status changes: the reference [`session_groups`] is
/// tested against (and what a drill-down by session would read).
pub async fn sessions(conn: &mut Conn, f: &KpiFilter) -> Result<Vec<SessionRow>, StoreError> {
    let mut q = Sql::new(&format!(
        "SELECT s.id, s.client_id, s.course_id, s.status, s.starts_at, s.ends_at, s.capacity, s.booked_count, \
         (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id AND e.status IN {CAME}) AS came, \
         (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id AND e.status = 'no_show') AS no_show, \
         (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id AND e.status = 'completed') AS completed, \
         (SELECT count(*) FROM session_status_changes c WHERE c.session_id = s.id AND c.event = 'postpone') AS postponements, \
         (SELECT c.reason FROM session_status_changes c WHERE c.session_id = s.id AND c.event IN ('cancel', 'postpone') \
          ORDER BY c.changed_at DESC, c.id DESC LIMIT 1) AS last_reason, \
         s.status_reason \
         FROM sessions s"
    ));
    starting_in(&mut q, f);
    q.push(" ORDER BY s.starts_at, s.id");
    fetch_all(conn, q.query(), |r| {
        let reason = match r.os("last_reason")?.or(r.os("status_reason")?) {
            Some(x) => Some(decode(StatusReason::parse(&x))?),
            None => None,
        };
        Ok(SessionRow {
            id: r.i("id")?,
            client_id: r.oi("client_id")?,
            course_id: r.i("course_id")?,
            status: decode(SessionStatus::parse(&r.s("status")?))?,
            starts_at: r.i("starts_at")?,
            ends_at: r.i("ends_at")?,
            capacity: r.i("capacity")?,
            booked: r.i("booked_count")?,
            attended: r.i("came")?,
            no_show: r.i("no_show")?,
            completed: r.i("completed")?,
            postponed: r.i("postponements")? > 0,
            disruption: reason,
            sessions: 1,
        })
    })
    .await
}

/// How [`session_groups`] counts sessions together (see `trainyard_core::kpi::group`): per slice
/// of the period (`bounds`: the instants inside it where a new slice starts, ascending), status,
/// postponement, reason and side of `as_of`.
#[derive(Debug, Clone, Copy)]
pub struct Grouping<'a> {
    pub as_of: i64,
    pub bounds: &'a [i64],
}

/// The grouping key of a session `s`, as five columns named slice, status, postponed, reason and
/// due. The figures kept on the session row (migration 0037) replace the per-session counts.
fn group_key(q: &mut Sql, g: Grouping<'_>) {
    slice_of(q, "s.starts_at", g.bounds, 1);
    q.push(
        " AS slice, s.status, CASE WHEN s.kpi_postponements > 0 THEN 1 ELSE 0 END AS postponed, \
         COALESCE(s.kpi_disruption_reason, s.status_reason) AS reason, CASE WHEN s.ends_at <= ",
    )
    .int(g.as_of)
    .push(" THEN 1 ELSE 0 END AS due");
}

/// The slice of the period a row falls in: `column` (in units of `unit` milliseconds) against
/// each bound where a new slice starts.
fn slice_of(q: &mut Sql, column: &str, bounds: &[i64], unit: i64) {
    if bounds.is_empty() {
        q.push("0");
        return;
    }
    q.push("CASE");
    for (n, b) in bounds.iter().enumerate() {
        q.push(&format!(" WHEN {column} < "))
            .int(b / unit)
            .push(&format!(" THEN {n}"));
    }
    q.push(&format!(" ELSE {} END", bounds.len()));
}

type Key = (i64, String, i64, Option<String>, i64);

fn key_of(r: &sqlx::any::AnyRow) -> Result<Key, sqlx::Error> {
    Ok((
        r.i("slice")?,
        r.s("status")?,
        r.i("postponed")?,
        r.os("reason")?,
        r.i("due")?,
    ))
}

/// One group's sums, read from the sessions or from the kept quarters.
#[derive(Debug, Clone, Copy)]
struct Sums {
    sessions: i64,
    first_start: i64,
    last_end: i64,
    capacity: i64,
    booked: i64,
    came: i64,
    no_show: i64,
    completed: i64,
    actions: i64,
    minutes: i64,
}

impl Sums {
    fn of(r: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            sessions: r.i("n")?,
            first_start: r.i("first_start")?,
            last_end: r.i("last_end")?,
            capacity: r.i("capacity")?,
            booked: r.i("booked")?,
            came: r.i("came")?,
            no_show: r.i("no_show")?,
            completed: r.i("completed")?,
            actions: r.i("actions")?,
            minutes: r.i("minutes")?,
        })
    }

    fn add(&mut self, o: Sums) {
        self.sessions += o.sessions;
        self.first_start = self.first_start.min(o.first_start);
        self.last_end = self.last_end.max(o.last_end);
        self.capacity += o.capacity;
        self.booked += o.booked;
        self.came += o.came;
        self.no_show += o.no_show;
        self.completed += o.completed;
        self.actions += o.actions;
        self.minutes += o.minutes;
    }
}

type Groups = std::collections::BTreeMap<Key, Sums>;

fn merge(into: &mut Groups, found: Vec<(Key, Sums)>) {
    for (key, sums) in found {
        match into.get_mut(&key) {
            Some(had) => had.add(sums),
            None => {
                into.insert(key, sums);
            }
        }
    }
}

/// Whether the kept quarters can answer `f`: no slice but the period (they are not kept per
/// client, course, venue, mode or instructor) and a period and slices that start on quarters.
fn quarters_answer(f: &KpiFilter, g: Grouping<'_>) -> bool {
    let on_quarter = |ms: &i64| ms.rem_euclid(kept::QUARTER_MS) == 0;
    f.client_id.is_none()
        && f.course_id.is_none()
        && f.venue_id.is_none()
        && f.mode.is_none()
        && f.instructor_id.is_none()
        && on_quarter(&f.from_ms)
        && on_quarter(&f.until_ms)
        && g.bounds.iter().all(on_quarter)
}

/// The groups of the sessions of `f` from the session rows, in `quarters` only when given.
async fn groups_counted(
    conn: &mut Conn,
    f: &KpiFilter,
    g: Grouping<'_>,
    quarters: Option<&[i64]>,
) -> Result<Vec<(Key, Sums)>, StoreError> {
    let mut q = Sql::new("SELECT ");
    group_key(&mut q, g);
    // The admin effort is summed in the same pass: the key holds the status, so a delivered
    // group's sums are its sessions' (the counts kept on the session row, migration 0045;
    // [`admin_effort`] counts them afresh).
    q.push(
        ", COUNT(*) AS n, MIN(s.starts_at) AS first_start, MAX(s.ends_at) AS last_end, \
         CAST(SUM(s.capacity) AS BIGINT) AS capacity, CAST(SUM(s.booked_count) AS BIGINT) AS booked, \
         CAST(SUM(s.kpi_came) AS BIGINT) AS came, CAST(SUM(s.kpi_no_show) AS BIGINT) AS no_show, \
         CAST(SUM(s.kpi_completed) AS BIGINT) AS completed, \
         CAST(SUM(s.kpi_staff_actions) AS BIGINT) AS actions, CAST(SUM(s.kpi_admin_minutes) AS BIGINT) AS minutes \
         FROM sessions s",
    );
    starting_in(&mut q, f);
    if let Some(quarters) = quarters {
        q.push(" AND (");
        for (n, quarter) in quarters.iter().enumerate() {
            q.push(if n == 0 { "" } else { " OR " })
                .push("(s.starts_at >= ")
                .int(quarter * kept::QUARTER_MS)
                .push(" AND s.starts_at < ")
                .int((quarter + 1) * kept::QUARTER_MS)
                .push(")");
        }
        q.push(if quarters.is_empty() { "1 = 0)" } else { ")" });
    }
    q.push(" GROUP BY 1, 2, 3, 4, 5");
    fetch_all(conn, q.query(), |r| Ok((key_of(r)?, Sums::of(r)?))).await
}

/// The groups of the period from the kept quarters; the quarters where some sessions have ended
/// by `as_of` and others not (sessions under way: few, around now) are counted from their
/// sessions, since the side of `as_of` is part of the key.
async fn groups_kept(
    conn: &mut Conn,
    f: &KpiFilter,
    g: Grouping<'_>,
) -> Result<Vec<(Key, Sums)>, StoreError> {
    let (from, until) = (f.from_ms / kept::QUARTER_MS, f.until_ms / kept::QUARTER_MS);
    let mut q = Sql::new("SELECT DISTINCT quarter FROM session_kpi_quarters WHERE quarter >= ");
    q.int(from)
        .push(" AND quarter < ")
        .int(until)
        .push(" AND first_end <= ")
        .int(g.as_of)
        .push(" AND last_end > ")
        .int(g.as_of)
        .push(" ORDER BY quarter");
    let straddling = fetch_all(conn, q.query(), |r| r.i("quarter")).await?;
    let mut q = Sql::new("SELECT ");
    slice_of(&mut q, "k.quarter", g.bounds, kept::QUARTER_MS);
    q.push(" AS slice, k.status, k.postponed, k.reason, CASE WHEN k.last_end <= ")
        .int(g.as_of)
        .push(
            " THEN 1 ELSE 0 END AS due, CAST(SUM(k.sessions) AS BIGINT) AS n, \
             MIN(k.first_start) AS first_start, MAX(k.last_end) AS last_end, \
             CAST(SUM(k.capacity) AS BIGINT) AS capacity, CAST(SUM(k.booked) AS BIGINT) AS booked, \
             CAST(SUM(k.came) AS BIGINT) AS came, CAST(SUM(k.no_show) AS BIGINT) AS no_show, \
             CAST(SUM(k.completed) AS BIGINT) AS completed, \
             CAST(SUM(k.staff_actions) AS BIGINT) AS actions, CAST(SUM(k.admin_minutes) AS BIGINT) AS minutes \
             FROM session_kpi_quarters k WHERE k.quarter >= ",
        )
        .int(from)
        .push(" AND k.quarter < ")
        .int(until);
    if !straddling.is_empty() {
        q.push(" AND k.quarter NOT IN (");
        for (n, quarter) in straddling.iter().enumerate() {
            q.push(if n == 0 { "" } else { ", " }).int(*quarter);
        }
        q.push(")");
    }
    q.push(" GROUP BY 1, 2, 3, 4, 5");
    let mut found = fetch_all(conn, q.query(), |r| Ok((key_of(r)?, Sums::of(r)?))).await?;
    if !straddling.is_empty() {
        found.extend(groups_counted(conn, f, g, Some(&straddling)).await?);
    }
    Ok(found)
}

/// The sessions starting in the period, counted in groups (ids 1, 2, …), with the admin effort
/// of the delivered ones summed per group under the same ids: what `trainyard_core::kpi::figures`
/// needs, in a few hundred rows rather than one per session. Read from the kept quarters
/// (migration 0050; `app::kpi_kept::refresh` first recounts what changed) when they answer the
/// filter, else from the session rows. [`sessions`] and [`admin_effort`] read the same from the
/// raw rows (the tests compare them).
pub async fn session_groups(
    conn: &mut Conn,
    f: &KpiFilter,
    g: Grouping<'_>,
) -> Result<(Vec<SessionRow>, Vec<AdminRow>), StoreError> {
    let found = if quarters_answer(f, g) {
        groups_kept(conn, f, g).await?
    } else {
        groups_counted(conn, f, g, None).await?
    };
    let mut grouped = Groups::new();
    merge(&mut grouped, found);
    let mut groups = Vec::with_capacity(grouped.len());
    let mut admin = Vec::new();
    for (n, (key, sums)) in grouped.into_iter().enumerate() {
        let row = SessionRow {
            id: n as i64 + 1,
            client_id: None,
            course_id: 0,
            status: decode(SessionStatus::parse(&key.1))?,
            starts_at: sums.first_start,
            ends_at: sums.last_end,
            capacity: sums.capacity,
            booked: sums.booked,
            attended: sums.came,
            no_show: sums.no_show,
            completed: sums.completed,
            postponed: key.2 > 0,
            disruption: match &key.3 {
                Some(x) => Some(decode(StatusReason::parse(x))?),
                None => None,
            },
            sessions: sums.sessions,
        };
        if matches!(row.status, SessionStatus::Delivered | SessionStatus::Closed) {
            admin.push(AdminRow {
                session_id: row.id,
                staff_actions: sums.actions,
                minutes: sums.minutes,
            });
        }
        groups.push(row);
    }
    Ok((groups, admin))
}

/// Parts overlapping the period, narrowed by the slices (and the instructor).
fn teaching_scope(q: &mut Sql, f: &KpiFilter) {
    q.push(" AND p.starts_at < ")
        .int(f.until_ms)
        .push(" AND p.ends_at > ")
        .int(f.from_ms);
    slices(q, f);
    if let Some(i) = f.instructor_id {
        q.push(" AND a.instructor_id = ").int(i);
    }
}

/// One row per instructor and scheduled part overlapping the period, of accepted or confirmed
/// assignments of sessions held (wherever the session starts); of the instructors in `only` when
/// given (a chart's rows).
pub async fn teaching(
    conn: &mut Conn,
    f: &KpiFilter,
    only: Option<&[i64]>,
) -> Result<Vec<TeachingRow>, StoreError> {
    let mut q = Sql::new(&format!(
        "SELECT a.instructor_id, s.id, s.client_id, s.course_id, p.starts_at, p.ends_at \
         FROM session_parts p JOIN sessions s ON s.id = p.session_id JOIN assignments a ON a.session_id = s.id \
         WHERE s.archived_at IS NULL AND s.status IN {HELD} AND p.status = 'scheduled' \
         AND a.status IN ('accepted', 'confirmed')"
    ));
    teaching_scope(&mut q, f);
    if let Some(only) = only {
        q.push(" AND a.instructor_id IN (");
        for (n, i) in only.iter().enumerate() {
            q.push(if n > 0 { ", " } else { "" }).int(*i);
        }
        q.push(if only.is_empty() { "NULL)" } else { ")" });
    }
    q.push(" ORDER BY a.instructor_id, p.starts_at");
    fetch_all(conn, q.query(), |r| {
        Ok(TeachingRow {
            instructor_id: r.i("instructor_id")?,
            session_id: r.i("id")?,
            client_id: r.oi("client_id")?,
            course_id: r.i("course_id")?,
            starts_at: r.i("starts_at")?,
            ends_at: r.i("ends_at")?,
        })
    })
    .await
}

/// The teaching of [`teaching`] summed per instructor: minutes inside the period, each part's
/// clipped to it and counted in whole minutes, as `trainyard_core::kpi::taught_by_instructor`.
/// Read from the kept teaching rows (migration 0050) unless the sessions are sliced by more than
/// the instructor.
pub async fn taught_minutes(
    conn: &mut Conn,
    f: &KpiFilter,
) -> Result<HashMap<i64, i64>, StoreError> {
    if f.client_id.is_none() && f.course_id.is_none() && f.venue_id.is_none() && f.mode.is_none() {
        let mut q = Sql::new("SELECT t.instructor_id, CAST(SUM((CASE WHEN t.ends_at < ");
        q.int(f.until_ms)
            .push(" THEN t.ends_at ELSE ")
            .int(f.until_ms)
            .push(" END - CASE WHEN t.starts_at > ")
            .int(f.from_ms)
            .push(" THEN t.starts_at ELSE ")
            .int(f.from_ms)
            .push(" END) / 60000) AS BIGINT) AS minutes FROM kpi_teaching t WHERE t.starts_at < ")
            .int(f.until_ms)
            .push(" AND t.ends_at > ")
            .int(f.from_ms);
        if let Some(i) = f.instructor_id {
            q.push(" AND t.instructor_id = ").int(i);
        }
        q.push(" GROUP BY t.instructor_id");
        let rows = fetch_all(conn, q.query(), |r| {
            Ok((r.i("instructor_id")?, r.i("minutes")?))
        })
        .await?;
        return Ok(rows.into_iter().collect());
    }
    let mut q = Sql::new("SELECT a.instructor_id, CAST(SUM((CASE WHEN p.ends_at < ");
    q.int(f.until_ms)
        .push(" THEN p.ends_at ELSE ")
        .int(f.until_ms)
        .push(" END - CASE WHEN p.starts_at > ")
        .int(f.from_ms)
        .push(" THEN p.starts_at ELSE ")
        .int(f.from_ms)
        .push(&format!(
            " END) / 60000) AS BIGINT) AS minutes \
             FROM session_parts p JOIN sessions s ON s.id = p.session_id JOIN assignments a ON a.session_id = s.id \
             WHERE s.archived_at IS NULL AND s.status IN {HELD} AND p.status = 'scheduled' \
             AND a.status IN ('accepted', 'confirmed')"
        ));
    teaching_scope(&mut q, f);
    q.push(" GROUP BY a.instructor_id");
    let rows = fetch_all(conn, q.query(), |r| {
        Ok((r.i("instructor_id")?, r.i("minutes")?))
    })
    .await?;
    Ok(rows.into_iter().collect())
}

/// Active instructors (or the one of `f.instructor_id`) with their weekly pattern and the time
/// off overlapping the period.
pub async fn availability(
    conn: &mut Conn,
    f: &KpiFilter,
) -> Result<Vec<InstructorRow>, StoreError> {
    let mut q = Sql::new("SELECT id, name, time_zone FROM instructors WHERE archived_at IS NULL");
    if let Some(i) = f.instructor_id {
        q.push(" AND id = ").int(i);
    }
    q.push(" ORDER BY name, id");
    let mut rows = fetch_all(conn, q.query(), |r| {
        Ok(InstructorRow {
            instructor_id: r.i("id")?,
            name: r.s("name")?,
            time_zone: TimeZoneName::parse_or_utc(&r.s("time_zone")?),
            working_hours: Vec::new(),
            time_off: Vec::new(),
        })
    })
    .await?;
    let at: HashMap<i64, usize> = rows
        .iter()
        .enumerate()
        .map(|(n, r)| (r.instructor_id, n))
        .collect();
    let hours = fetch_all(
        conn,
        sqlx::query(
            "SELECT w.instructor_id, w.weekday, w.start_minute, w.end_minute FROM instructor_working_hours w \
             JOIN instructors i ON i.id = w.instructor_id WHERE i.archived_at IS NULL",
        ),
        |r| {
            Ok((
                r.i("instructor_id")?,
                WorkingHours {
                    weekday: u32::try_from(r.i("weekday")?).unwrap_or(0),
                    start_minute: r.i("start_minute")?,
                    end_minute: r.i("end_minute")?,
                },
            ))
        },
    )
    .await?;
    for (id, w) in hours {
        if let Some(&n) = at.get(&id) {
            rows[n].working_hours.push(w);
        }
    }
    let off = fetch_all(
        conn,
        sqlx::query(
            "SELECT instructor_id, starts_at, ends_at FROM instructor_time_off WHERE starts_at < $1 AND ends_at > $2",
        )
        .bind(f.until_ms)
        .bind(f.from_ms),
        |r| Ok((r.i("instructor_id")?, r.i("starts_at")?, r.i("ends_at")?)),
    )
    .await?;
    for (id, s, e) in off {
        if let Some(&n) = at.get(&id) {
            rows[n].time_off.push((s, e));
        }
    }
    Ok(rows)
}

/// The audit events that are staff actions on one session `s`: on it, its assignments and its
/// enrollments, by a user of a staff role. Pending events (not yet linked into the chain) count.
fn staff_actions(table: &str) -> String {
    format!(
        "(SELECT count(*) FROM {table} ev JOIN users u ON u.id = ev.actor_user_id \
         WHERE u.role IN ('admin', 'manager', 'coordinator', 'finance') AND ( \
         (ev.entity_type = 'session' AND ev.entity_id = s.id) \
         OR (ev.entity_type = 'assignment' AND ev.entity_id IN (SELECT id FROM assignments WHERE session_id = s.id)) \
         OR (ev.entity_type = 'enrollment' AND ev.entity_id IN (SELECT id FROM enrollments WHERE session_id = s.id))))"
    )
}

/// [`admin_effort`] from the counts kept on each session row (migration 0045).
pub async fn admin_effort_kept(
    conn: &mut Conn,
    f: &KpiFilter,
) -> Result<Vec<AdminRow>, StoreError> {
    let mut q = Sql::new(
        "SELECT s.id, s.kpi_staff_actions AS actions, s.kpi_admin_minutes AS minutes FROM sessions s",
    );
    starting_in(&mut q, f);
    q.push(" AND s.status IN ('delivered', 'closed') ORDER BY s.id");
    fetch_all(conn, q.query(), |r| {
        Ok(AdminRow {
            session_id: r.i("id")?,
            staff_actions: r.i("actions")?,
            minutes: r.i("minutes")?,
        })
    })
    .await
}

/// Staff actions and logged admin minutes per session delivered (or closed) in the period,
/// counted from the audit trail and the logged time (the reference the kept counts are held to).
pub async fn admin_effort(conn: &mut Conn, f: &KpiFilter) -> Result<Vec<AdminRow>, StoreError> {
    let mut q = Sql::new(&format!(
        "SELECT s.id, {} + {} AS actions, \
         (SELECT CAST(COALESCE(SUM(m.minutes), 0) AS BIGINT) FROM session_admin_time m WHERE m.session_id = s.id) AS minutes \
         FROM sessions s",
        staff_actions("audit_events"),
        staff_actions("audit_pending"),
    ));
    starting_in(&mut q, f);
    q.push(" AND s.status IN ('delivered', 'closed') ORDER BY s.id");
    fetch_all(conn, q.query(), |r| {
        Ok(AdminRow {
            session_id: r.i("id")?,
            staff_actions: r.i("actions")?,
            minutes: r.i("minutes")?,
        })
    })
    .await
}

/// A stretch of admin work logged against a session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct AdminTime {
    pub id: i64,
    pub session_id: i64,
    pub user_id: i64,
    pub minutes: i64,
    pub note: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub logged_at: i64,
}

pub async fn log_admin_time(
    conn: &mut Conn,
    session_id: i64,
    user_id: i64,
    minutes: i64,
    note: &str,
    now: i64,
) -> Result<AdminTime, StoreError> {
    let row = sqlx::query(
        "INSERT INTO session_admin_time (session_id, user_id, minutes, note, logged_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(session_id)
    .bind(user_id)
    .bind(minutes)
    .bind(note.to_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(AdminTime {
        id: row.i("id")?,
        session_id,
        user_id,
        minutes,
        note: note.to_owned(),
        logged_at: now,
    })
}

/// Minutes logged against one session so far.
pub async fn admin_minutes_of(conn: &mut Conn, session_id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(minutes), 0) AS BIGINT) AS n FROM session_admin_time WHERE session_id = $1",
    )
    .bind(session_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.i("n")?)
}
