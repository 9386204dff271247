//! The auto-scheduler's tables: planning windows of draft sessions, room closures, planner runs and
//! their proposals, and the bulk reads that turn the database into one planning problem.

use crate::assignments::BusySlot;
use crate::row::{Col, Sql};
use crate::{Conn, StoreError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

// ------------------------------------------------------------------ planning windows

/// Between which days (inclusive, `YYYY-MM-DD` in the session's zone) the planner may place a
/// draft session, and whether its parts are half-days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlanningWindow {
    pub session_id: i64,
    #[schema(format = Date)]
    pub earliest_day: String,
    #[schema(format = Date)]
    pub latest_day: String,
    pub half_days: bool,
    /// ISO weekday numbers it may run on, ascending (empty: Monday to Friday).
    pub weekdays: Vec<u32>,
    /// ISO weekday numbers it should run on if it can.
    pub preferred_weekdays: Vec<u32>,
    /// Sessions sharing a cohort label never overlap (empty: none).
    pub cohort: String,
    /// A pooled resource each part needs one unit of.
    pub pool_resource_id: Option<i64>,
}

fn weekdays_text(days: &[u32]) -> String {
    days.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn weekdays_parse(text: &str) -> Vec<u32> {
    text.split(',')
        .filter_map(|d| d.trim().parse().ok())
        .filter(|d| (1..=7).contains(d))
        .collect()
}

pub async fn set_window(
    conn: &mut Conn,
    w: &PlanningWindow,
    by: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO planning_windows (session_id, earliest_day, latest_day, half_days, updated_at, updated_by, \
         weekdays, preferred_weekdays, cohort, pool_resource_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (session_id) DO UPDATE SET earliest_day = $2, \
         latest_day = $3, half_days = $4, updated_at = $5, updated_by = $6, weekdays = $7, preferred_weekdays = $8, \
         cohort = $9, pool_resource_id = $10",
    )
    .bind(w.session_id)
    .bind(w.earliest_day.clone())
    .bind(w.latest_day.clone())
    .bind(i64::from(w.half_days))
    .bind(now)
    .bind(by)
    .bind(weekdays_text(&w.weekdays))
    .bind(weekdays_text(&w.preferred_weekdays))
    .bind(w.cohort.clone())
    .bind(w.pool_resource_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn clear_window(conn: &mut Conn, session_id: i64) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM planning_windows WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
    )
}

fn window_from(r: &AnyRow) -> Result<PlanningWindow, sqlx::Error> {
    Ok(PlanningWindow {
        session_id: r.i("session_id")?,
        earliest_day: r.s("earliest_day")?,
        latest_day: r.s("latest_day")?,
        half_days: r.b("half_days")?,
        weekdays: weekdays_parse(&r.s("weekdays")?),
        preferred_weekdays: weekdays_parse(&r.s("preferred_weekdays")?),
        cohort: r.s("cohort")?,
        pool_resource_id: r.oi("pool_resource_id")?,
    })
}

pub async fn window(
    conn: &mut Conn,
    session_id: i64,
) -> Result<Option<PlanningWindow>, StoreError> {
    let r = sqlx::query(
        "SELECT w.session_id, w.earliest_day, w.latest_day, w.half_days, w.weekdays, w.preferred_weekdays, w.cohort, \
         w.pool_resource_id FROM planning_windows w WHERE w.session_id = $1",
    )
    .bind(session_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.as_ref().map(window_from).transpose()?)
}

/// Which draft sessions to plan: all with a window, narrowed by program, by days the window must
/// touch, or by id.
#[derive(Debug, Clone, Default)]
pub struct DraftScope {
    pub program_id: Option<i64>,
    /// `YYYY-MM-DD`: the window must end on or after this day.
    pub from_day: Option<String>,
    /// `YYYY-MM-DD`: the window must start on or before this day.
    pub until_day: Option<String>,
    /// Empty: any.
    pub session_ids: Vec<i64>,
    pub limit: i64,
}

/// A draft session with its window, as the Plan page lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DraftSession {
    pub session_id: i64,
    pub reference: String,
    pub version: i64,
    pub course_code: String,
    pub course_title: String,
    pub duration_days: i64,
    pub program_id: Option<i64>,
    pub client_name: Option<String>,
    pub venue_name: Option<String>,
    pub delivery_mode: String,
    pub capacity: i64,
    pub time_zone: String,
    /// None for drafts that have no window yet.
    pub window: Option<PlanningWindow>,
}

const DRAFTS: &str = "SELECT s.id, s.reference, s.version, c.code, c.title, c.duration_days, s.program_id, cl.name AS client_name, \
    v.name AS venue_name, s.delivery_mode, s.capacity, s.time_zone, w.session_id, w.earliest_day, w.latest_day, w.half_days, \
    w.weekdays, w.preferred_weekdays, w.cohort, w.pool_resource_id \
    FROM sessions s JOIN courses c ON c.id = s.course_id LEFT JOIN clients cl ON cl.id = s.client_id \
    LEFT JOIN venues v ON v.id = s.venue_id";

fn draft_from(r: &AnyRow) -> Result<DraftSession, sqlx::Error> {
    let window = match r.oi("session_id")? {
        Some(_) => Some(window_from(r)?),
        None => None,
    };
    Ok(DraftSession {
        session_id: r.i("id")?,
        reference: r.s("reference")?,
        version: r.i("version")?,
        course_code: r.s("code")?,
        course_title: r.s("title")?,
        duration_days: r.i("duration_days")?,
        program_id: r.oi("program_id")?,
        client_name: r.os("client_name")?,
        venue_name: r.os("venue_name")?,
        delivery_mode: r.s("delivery_mode")?,
        capacity: r.i("capacity")?,
        time_zone: r.s("time_zone")?,
        window,
    })
}

/// Draft sessions with a planning window in the scope, by window start.
pub async fn drafts(conn: &mut Conn, scope: &DraftScope) -> Result<Vec<DraftSession>, StoreError> {
    let mut q = Sql::new(DRAFTS);
    q.push(" JOIN planning_windows w ON w.session_id = s.id WHERE s.status = 'draft' AND s.archived_at IS NULL");
    if let Some(p) = scope.program_id {
        q.push(" AND s.program_id = ").int(p);
    }
    if let Some(d) = &scope.from_day {
        q.push(" AND w.latest_day >= ").text(d);
    }
    if let Some(d) = &scope.until_day {
        q.push(" AND w.earliest_day <= ").text(d);
    }
    if !scope.session_ids.is_empty() {
        q.push(" AND s.id IN (");
        for (i, id) in scope.session_ids.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.int(*id);
        }
        q.push(")");
    }
    q.push(" ORDER BY w.earliest_day, s.id LIMIT ")
        .int(scope.limit.clamp(1, 5000));
    let rows = q.query().fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(draft_from).collect::<Result<_, _>>()?)
}

/// Draft sessions that have no planning window yet (newest first), for the Plan page.
pub async fn drafts_without_window(
    conn: &mut Conn,
    limit: i64,
) -> Result<Vec<DraftSession>, StoreError> {
    let mut q = Sql::new(DRAFTS);
    q.push(" LEFT JOIN planning_windows w ON w.session_id = s.id WHERE s.status = 'draft' AND s.archived_at IS NULL AND w.session_id IS NULL ORDER BY s.id DESC LIMIT ")
        .int(limit.clamp(1, 500));
    let rows = q.query().fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(draft_from).collect::<Result<_, _>>()?)
}

// ------------------------------------------------------------------ programs

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Program {
    pub id: i64,
    pub name: String,
    pub client_name: String,
}

pub async fn programs(conn: &mut Conn) -> Result<Vec<Program>, StoreError> {
    let q = sqlx::query(
        "SELECT p.id, p.name, c.name AS client_name FROM programs p JOIN clients c ON c.id = p.client_id \
         WHERE p.archived_at IS NULL ORDER BY p.name, p.id LIMIT 500",
    );
    crate::row::fetch_all(conn, q, |r| {
        Ok(Program {
            id: r.i("id")?,
            name: r.s("name")?,
            client_name: r.s("client_name")?,
        })
    })
    .await
}

/// A client's contracted series, as the demo seeder creates them (without dates). Users create and
/// edit programs through [`crate::programs`].
pub async fn insert_program(
    conn: &mut Conn,
    client_id: i64,
    name: &str,
    budget_minor: i64,
    currency: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO programs (client_id, name, budget_minor, currency, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(client_id)
    .bind(name)
    .bind(budget_minor)
    .bind(currency)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn set_session_program(
    conn: &mut Conn,
    session_id: i64,
    program_id: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET program_id = $1 WHERE id = $2")
        .bind(program_id)
        .bind(session_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ------------------------------------------------------------------ the world, in bulk

/// (instructor, course, skill, valid from, expires at) of every qualification.
pub type QualificationRow = (i64, Option<i64>, Option<String>, i64, Option<i64>);

pub async fn qualifications(conn: &mut Conn) -> Result<Vec<QualificationRow>, StoreError> {
    let q = sqlx::query(
        "SELECT instructor_id, course_id, skill, valid_from, expires_at FROM instructor_qualifications",
    );
    crate::row::fetch_all(conn, q, |r| {
        Ok((
            r.i("instructor_id")?,
            r.oi("course_id")?,
            r.os("skill")?,
            r.i("valid_from")?,
            r.oi("expires_at")?,
        ))
    })
    .await
}

/// (instructor, valid from, valid to) of every contract.
pub async fn contracts(conn: &mut Conn) -> Result<Vec<(i64, i64, Option<i64>)>, StoreError> {
    let q = sqlx::query("SELECT instructor_id, valid_from, valid_to FROM instructor_contracts");
    crate::row::fetch_all(conn, q, |r| {
        Ok((r.i("instructor_id")?, r.i("valid_from")?, r.oi("valid_to")?))
    })
    .await
}

/// (instructor, weekday 1 = Monday, start minute, end minute) of every working pattern.
pub async fn working_hours(conn: &mut Conn) -> Result<Vec<(i64, i64, i64, i64)>, StoreError> {
    let q = sqlx::query(
        "SELECT instructor_id, weekday, start_minute, end_minute FROM instructor_working_hours",
    );
    crate::row::fetch_all(conn, q, |r| {
        Ok((
            r.i("instructor_id")?,
            r.i("weekday")?,
            r.i("start_minute")?,
            r.i("end_minute")?,
        ))
    })
    .await
}

/// (owner id, start, end, reason): time off of instructors, or closures of rooms.
pub type Absence = (i64, i64, i64, String);

/// Time off of every instructor that touches `[from, to)`.
pub async fn time_off_between(
    conn: &mut Conn,
    from: i64,
    to: i64,
) -> Result<Vec<Absence>, StoreError> {
    let rows = sqlx::query(
        "SELECT instructor_id AS owner, starts_at, ends_at, reason FROM instructor_time_off WHERE starts_at < $2 AND ends_at > $1",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    absences(&rows)
}

/// Closures of every room that touch `[from, to)`.
pub async fn closures_between(
    conn: &mut Conn,
    from: i64,
    to: i64,
) -> Result<Vec<Absence>, StoreError> {
    let rows = sqlx::query(
        "SELECT resource_id AS owner, starts_at, ends_at, reason FROM room_closures WHERE starts_at < $2 AND ends_at > $1",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    absences(&rows)
}

fn absences(rows: &[AnyRow]) -> Result<Vec<Absence>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok((
                r.i("owner")?,
                r.i("starts_at")?,
                r.i("ends_at")?,
                r.s("reason")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn insert_closure(
    conn: &mut Conn,
    resource_id: i64,
    starts_at: i64,
    ends_at: i64,
    reason: &str,
    by: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO room_closures (resource_id, starts_at, ends_at, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(resource_id)
    .bind(starts_at)
    .bind(ends_at)
    .bind(reason)
    .bind(by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// A part that already occupies someone or something: (owner id, the slot).
pub type Occupied = (i64, BusySlot);

fn occupied_from(r: &AnyRow) -> Result<Occupied, sqlx::Error> {
    Ok((
        r.i("owner")?,
        BusySlot {
            session_id: r.i("session_id")?,
            starts_at: r.i("starts_at")?,
            ends_at: r.i("ends_at")?,
            venue_id: r.oi("venue_id")?,
            venue_name: r.os("venue_name")?,
            label: format!("{} {}", r.s("reference")?, r.s("title")?),
            quantity: 1,
        },
    ))
}

fn except(q: &mut Sql, column: &str, ids: &[i64]) {
    if ids.is_empty() {
        return;
    }
    q.push(" AND ").push(column).push(" NOT IN (");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.int(*id);
    }
    q.push(")");
}

/// Teaching that occupies instructors in `[from, to)`: the scheduled parts of every session that
/// is on the calendar (scheduled, confirmed, delivered) with a live assignment — proposed,
/// requested, accepted or confirmed — other than the sessions in `except_sessions`. Narrowed to
/// one instructor with `instructor`.
pub async fn teaching_between(
    conn: &mut Conn,
    from: i64,
    to: i64,
    instructor: Option<i64>,
    except_sessions: &[i64],
) -> Result<Vec<Occupied>, StoreError> {
    let mut q = Sql::new(
        "SELECT a.instructor_id AS owner, p.session_id, p.starts_at, p.ends_at, s.venue_id, v.name AS venue_name, s.reference, c.title \
         FROM assignments a JOIN sessions s ON s.id = a.session_id JOIN session_parts p ON p.session_id = s.id \
         JOIN courses c ON c.id = s.course_id LEFT JOIN venues v ON v.id = s.venue_id \
         WHERE a.status IN ('proposed', 'requested', 'accepted', 'confirmed') AND p.status = 'scheduled' \
         AND s.status IN ('scheduled', 'confirmed', 'delivered') AND s.archived_at IS NULL AND p.starts_at < ",
    );
    q.int(to).push(" AND p.ends_at > ").int(from);
    if let Some(i) = instructor {
        q.push(" AND a.instructor_id = ").int(i);
    }
    except(&mut q, "s.id", except_sessions);
    q.push(" ORDER BY p.starts_at");
    let rows = q.query().fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(occupied_from).collect::<Result<_, _>>()?)
}

/// Room bookings (tentative or confirmed) in `[from, to)` of sessions on the calendar, other than
/// `except_sessions`. Narrowed to one room with `room`.
pub async fn room_bookings_between(
    conn: &mut Conn,
    from: i64,
    to: i64,
    room: Option<i64>,
    except_sessions: &[i64],
) -> Result<Vec<Occupied>, StoreError> {
    let mut q = Sql::new(
        "SELECT b.resource_id AS owner, p.session_id, b.starts_at, b.ends_at, s.venue_id, v.name AS venue_name, s.reference, c.title \
         FROM bookings b JOIN resources r ON r.id = b.resource_id JOIN session_parts p ON p.id = b.session_part_id \
         JOIN sessions s ON s.id = p.session_id JOIN courses c ON c.id = s.course_id LEFT JOIN venues v ON v.id = s.venue_id \
         WHERE r.kind = 'room' AND p.status = 'scheduled' AND s.status IN ('scheduled', 'confirmed', 'delivered') \
         AND s.archived_at IS NULL AND b.starts_at < ",
    );
    q.int(to).push(" AND b.ends_at > ").int(from);
    if let Some(r) = room {
        q.push(" AND b.resource_id = ").int(r);
    }
    except(&mut q, "s.id", except_sessions);
    q.push(" ORDER BY b.starts_at");
    let rows = q.query().fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(occupied_from).collect::<Result<_, _>>()?)
}

/// Units of pooled resources booked by sessions on the calendar in `[from, to)`, other than
/// `except_sessions`: (resource, starts_at, ends_at, quantity).
pub async fn pool_use_between(
    conn: &mut Conn,
    resources: &[i64],
    from: i64,
    to: i64,
    except_sessions: &[i64],
) -> Result<Vec<(i64, i64, i64, i64)>, StoreError> {
    if resources.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT b.resource_id, b.starts_at, b.ends_at, b.quantity FROM bookings b \
         JOIN session_parts p ON p.id = b.session_part_id JOIN sessions s ON s.id = p.session_id \
         WHERE p.status = 'scheduled' AND s.status IN ('scheduled', 'confirmed', 'delivered') \
         AND s.archived_at IS NULL AND b.starts_at < ",
    );
    q.int(to).push(" AND b.ends_at > ").int(from);
    q.push(" AND b.resource_id IN (");
    for (i, id) in resources.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.int(*id);
    }
    q.push(")");
    except(&mut q, "s.id", except_sessions);
    let q = q.query();
    crate::row::fetch_all(conn, q, |r| {
        Ok((
            r.i("resource_id")?,
            r.i("starts_at")?,
            r.i("ends_at")?,
            r.i("quantity")?,
        ))
    })
    .await
}

/// Pairs of the given sessions that share a learner (booked or attending): they must not overlap.
pub async fn sessions_sharing_learners(
    conn: &mut Conn,
    sessions: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    if sessions.len() < 2 {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT DISTINCT a.session_id AS a, b.session_id AS b FROM enrollments a \
         JOIN enrollments b ON b.learner_id = a.learner_id AND b.session_id > a.session_id \
         WHERE a.status IN ('requested', 'booked', 'attended') AND b.status IN ('requested', 'booked', 'attended') AND a.session_id IN (",
    );
    for (i, id) in sessions.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.int(*id);
    }
    q.push(") AND b.session_id IN (");
    for (i, id) in sessions.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.int(*id);
    }
    q.push(") ORDER BY a.session_id, b.session_id");
    let q = q.query();
    crate::row::fetch_all(conn, q, |r| Ok((r.i("a")?, r.i("b")?))).await
}

/// Sessions on the calendar (scheduled or confirmed) with a part in `[from, to)` that the
/// instructor teaches (live assignment).
pub async fn sessions_taught_between(
    conn: &mut Conn,
    instructor_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<i64>, StoreError> {
    let q = sqlx::query(
        "SELECT DISTINCT s.id FROM assignments a JOIN sessions s ON s.id = a.session_id JOIN session_parts p ON p.session_id = s.id \
         WHERE a.instructor_id = $1 AND a.status IN ('proposed', 'requested', 'accepted', 'confirmed') AND p.status = 'scheduled' \
         AND s.status IN ('scheduled', 'confirmed') AND s.archived_at IS NULL AND p.starts_at < $3 AND p.ends_at > $2 ORDER BY s.id",
    )
    .bind(instructor_id)
    .bind(from)
    .bind(to);
    crate::row::fetch_all(conn, q, |r| r.i("id")).await
}

/// Sessions on the calendar with a booking of the room in `[from, to)`.
pub async fn sessions_in_room_between(
    conn: &mut Conn,
    resource_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<i64>, StoreError> {
    let q = sqlx::query(
        "SELECT DISTINCT s.id FROM bookings b JOIN session_parts p ON p.id = b.session_part_id JOIN sessions s ON s.id = p.session_id \
         WHERE b.resource_id = $1 AND p.status = 'scheduled' AND s.status IN ('scheduled', 'confirmed') AND s.archived_at IS NULL \
         AND b.starts_at < $3 AND b.ends_at > $2 ORDER BY s.id",
    )
    .bind(resource_id)
    .bind(from)
    .bind(to);
    crate::row::fetch_all(conn, q, |r| r.i("id")).await
}

// ------------------------------------------------------------------ runs

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Run {
    pub id: i64,
    /// `plan` or `repair`.
    #[schema(value_type = trainyard_core::status::RunKind)]
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    #[schema(value_type = trainyard_core::status::RunStatus)]
    pub status: String,
    /// What was asked for, as the caller gave it.
    #[schema(schema_with = crate::schema::run_scope)]
    pub scope: serde_json::Value,
    /// The scope in words ("Program Acme 2027, 3 May – 28 Jun 2027").
    pub summary: String,
    pub seconds: i64,
    pub seed: i64,
    /// 0–100.
    pub progress: i64,
    /// The best plan's weighted soft cost so far.
    pub best_cost: Option<i64>,
    /// The best plan's hard violations (0 = feasible).
    pub hard_violations: Option<i64>,
    /// The final cost breakdown (the planner's `CostBreakdown`), once done.
    #[schema(schema_with = crate::schema::run_cost)]
    pub cost: Option<serde_json::Value>,
    /// Why it failed, or a note about the result.
    pub message: Option<String>,
    pub started_by: Option<i64>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<i64>,
}

const RUN: &str = "SELECT id, kind, status, scope_json, summary, seconds, seed, progress, best_cost, hard_violations, cost_json, \
    message, started_by, created_at, updated_at, finished_at FROM plan_runs";

fn run_from(r: &AnyRow) -> Result<Run, sqlx::Error> {
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(Run {
        id: r.i("id")?,
        kind: r.s("kind")?,
        status: r.s("status")?,
        scope: json(Some(r.s("scope_json")?)).unwrap_or(serde_json::Value::Null),
        summary: r.s("summary")?,
        seconds: r.i("seconds")?,
        seed: r.i("seed")?,
        progress: r.i("progress")?,
        best_cost: r.oi("best_cost")?,
        hard_violations: r.oi("hard_violations")?,
        cost: json(r.os("cost_json")?),
        message: r.os("message")?,
        started_by: r.oi("started_by")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        finished_at: r.oi("finished_at")?,
    })
}

pub struct NewRun<'a> {
    pub kind: &'a str,
    pub scope: &'a serde_json::Value,
    pub summary: &'a str,
    pub seconds: i64,
    pub seed: i64,
    pub started_by: Option<i64>,
}

pub async fn insert_run(conn: &mut Conn, n: &NewRun<'_>, now: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO plan_runs (kind, status, scope_json, summary, seconds, seed, started_by, created_at, updated_at) \
         VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(n.kind)
    .bind(n.scope.to_string())
    .bind(n.summary)
    .bind(n.seconds)
    .bind(n.seed)
    .bind(n.started_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn get_run(conn: &mut Conn, id: i64) -> Result<Run, StoreError> {
    let mut q = Sql::new(RUN);
    q.push(" WHERE id = ").int(id);
    Ok(run_from(&q.query().fetch_one(&mut *conn).await?)?)
}

pub async fn recent_runs(conn: &mut Conn, limit: i64) -> Result<Vec<Run>, StoreError> {
    let mut q = Sql::new(RUN);
    q.push(" ORDER BY id DESC LIMIT ").int(limit.clamp(1, 200));
    let rows = q.query().fetch_all(&mut *conn).await?;
    Ok(rows.iter().map(run_from).collect::<Result<_, _>>()?)
}

/// Progress of a running run; `best_cost` / `hard` once the planner has a plan.
pub async fn set_progress(
    conn: &mut Conn,
    id: i64,
    status: &str,
    progress: i64,
    best_cost: Option<i64>,
    hard: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE plan_runs SET status = $1, progress = $2, best_cost = COALESCE($3, best_cost), hard_violations = COALESCE($4, hard_violations), \
         updated_at = $5, started_at = COALESCE(started_at, $5) WHERE id = $6 AND status IN ('queued', 'running')",
    )
    .bind(status)
    .bind(progress)
    .bind(best_cost)
    .bind(hard)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The end of a run: `done` with its cost (the best cost and its hard violations), or `failed`
/// with the reason.
pub async fn finish_run(
    conn: &mut Conn,
    id: i64,
    status: &str,
    (best_cost, hard): (Option<i64>, Option<i64>),
    cost: Option<&serde_json::Value>,
    message: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE plan_runs SET status = $1, progress = 100, best_cost = $2, hard_violations = $3, cost_json = $4, message = $5, \
         updated_at = $6, finished_at = $6 WHERE id = $7",
    )
    .bind(status)
    .bind(best_cost)
    .bind(hard)
    .bind(cost.map(|c| c.to_string()))
    .bind(message.map(str::to_owned))
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ proposals

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProposedPart {
    #[serde(
        serialize_with = "crate::row::rfc3339",
        deserialize_with = "ms_or_rfc3339"
    )]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    #[serde(
        serialize_with = "crate::row::rfc3339",
        deserialize_with = "ms_or_rfc3339"
    )]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: i64,
    pub room_id: Option<i64>,
}

fn ms_or_rfc3339<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Either {
        Ms(i64),
        Text(String),
    }
    match Either::deserialize(d)? {
        Either::Ms(ms) => Ok(ms),
        Either::Text(t) => chrono::DateTime::parse_from_rfc3339(&t)
            .map(|t| t.timestamp_millis())
            .map_err(serde::de::Error::custom),
    }
}

/// What a repair changes for the people told of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeChange {
    /// Its days or times.
    Dates,
    /// Who teaches it.
    Instructor,
    /// Where it runs (same days and times).
    Room,
}

/// One message a repair proposal would send if accepted: who would be told, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProposalNotice {
    pub change: NoticeChange,
    /// Booked learners who would be told.
    pub learners: i64,
    /// The client whose contact would be told (the client's own session), by name.
    pub client: Option<String>,
    /// Instructors who would be told, by name.
    pub instructors: Vec<String>,
    /// What they were told ("Mon 14 Dec 09:00–17:00, Tue 15 Dec 09:00–17:00", an instructor's or
    /// a room's name), in the session's time zone.
    pub before: String,
    /// What they would be told now.
    pub after: String,
    /// The whole notice in a coordinator's words.
    pub text: String,
}

/// What a run proposes for one session.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Proposal {
    pub run_id: i64,
    pub session_id: i64,
    pub session_reference: String,
    pub course_code: String,
    pub course_title: String,
    pub time_zone: String,
    pub session_version: i64,
    /// `placed`, `unplaced` or `unchanged` (a repair leaves it where it is).
    #[schema(value_type = trainyard_core::status::ProposalOutcome)]
    pub outcome: String,
    pub instructor_id: Option<i64>,
    pub instructor_name: Option<String>,
    pub room_id: Option<i64>,
    pub room_name: Option<String>,
    pub parts: Vec<ProposedPart>,
    /// Why it could not be placed, or what changed, in a coordinator's words.
    pub reasons: Vec<String>,
    /// A repair's proposal: who would be told what if it is accepted (empty when nothing
    /// changes, and for a plan of draft sessions, which nobody has been told of).
    pub notices: Vec<ProposalNotice>,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub accepted_at: Option<i64>,
}

pub struct NewProposal<'a> {
    pub session_id: i64,
    pub session_version: i64,
    pub outcome: &'a str,
    pub instructor_id: Option<i64>,
    pub room_id: Option<i64>,
    pub parts: &'a [ProposedPart],
    pub reasons: &'a [String],
    pub notices: &'a [ProposalNotice],
}

pub async fn insert_proposal(
    conn: &mut Conn,
    run_id: i64,
    p: &NewProposal<'_>,
) -> Result<(), StoreError> {
    let parts = serde_json::to_string(
        &p.parts
            .iter()
            .map(|x| serde_json::json!({ "starts_at": x.starts_at, "ends_at": x.ends_at, "room_id": x.room_id }))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_else(|_| "[]".into());
    let reasons = serde_json::to_string(p.reasons).unwrap_or_else(|_| "[]".into());
    let notices = serde_json::to_string(p.notices).unwrap_or_else(|_| "[]".into());
    sqlx::query(
        "INSERT INTO plan_proposals (run_id, session_id, session_version, outcome, instructor_id, room_id, parts_json, reasons, notices) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(run_id)
    .bind(p.session_id)
    .bind(p.session_version)
    .bind(p.outcome)
    .bind(p.instructor_id)
    .bind(p.room_id)
    .bind(parts)
    .bind(reasons)
    .bind(notices)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn proposals(conn: &mut Conn, run_id: i64) -> Result<Vec<Proposal>, StoreError> {
    let q = sqlx::query(
        "SELECT pp.run_id, pp.session_id, s.reference, c.code, c.title, s.time_zone, pp.session_version, pp.outcome, pp.instructor_id, \
         i.name AS instructor_name, pp.room_id, r.name AS room_name, pp.parts_json, pp.reasons, pp.notices, pp.accepted_at \
         FROM plan_proposals pp JOIN sessions s ON s.id = pp.session_id JOIN courses c ON c.id = s.course_id \
         LEFT JOIN instructors i ON i.id = pp.instructor_id LEFT JOIN resources r ON r.id = pp.room_id \
         WHERE pp.run_id = $1 ORDER BY pp.outcome DESC, s.starts_at, s.id",
    )
    .bind(run_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Proposal {
            run_id: r.i("run_id")?,
            session_id: r.i("session_id")?,
            session_reference: r.s("reference")?,
            course_code: r.s("code")?,
            course_title: r.s("title")?,
            time_zone: r.s("time_zone")?,
            session_version: r.i("session_version")?,
            outcome: r.s("outcome")?,
            instructor_id: r.oi("instructor_id")?,
            instructor_name: r.os("instructor_name")?,
            room_id: r.oi("room_id")?,
            room_name: r.os("room_name")?,
            parts: serde_json::from_str(&r.s("parts_json")?).map_err(crate::courses::decode_err)?,
            reasons: serde_json::from_str(&r.s("reasons")?).map_err(crate::courses::decode_err)?,
            notices: serde_json::from_str(&r.s("notices")?).map_err(crate::courses::decode_err)?,
            accepted_at: r.oi("accepted_at")?,
        })
    })
    .await
}

/// Marks a proposal accepted: the first write of an acceptance, so that two coordinators
/// accepting the same proposal at once apply it once. False when it was already accepted.
pub async fn claim_proposal(
    conn: &mut Conn,
    run_id: i64,
    session_id: i64,
    by: Option<i64>,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE plan_proposals SET accepted_at = $1, accepted_by = $2 WHERE run_id = $3 AND session_id = $4 AND accepted_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(run_id)
    .bind(session_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

// ------------------------------------------------------------------ applying a proposal

/// Sets the session's parts to `parts` (by position: a moved part keeps its id, bookings and
/// attendance, and raises its sequence; surplus parts are cancelled), updates the session's span
/// and version, and re-syncs its instructor and room slots (the database refuses overlaps).
pub async fn set_parts(
    conn: &mut Conn,
    session_id: i64,
    parts: &[(i64, i64)],
    now: i64,
) -> Result<(), StoreError> {
    let start = parts.iter().map(|p| p.0).min().unwrap_or_default();
    let end = parts.iter().map(|p| p.1).max().unwrap_or_default();
    let n = sqlx::query(
        "UPDATE sessions SET starts_at = $1, ends_at = $2, updated_at = $3, version = version + 1 WHERE id = $4",
    )
    .bind(start)
    .bind(end)
    .bind(now)
    .bind(session_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let existing = crate::sessions::parts(conn, session_id).await?;
    for (i, (s, e)) in parts.iter().enumerate() {
        let position = i as i64 + 1;
        match existing.iter().find(|x| x.position == position) {
            Some(x) if x.starts_at == *s && x.ends_at == *e && x.status == "scheduled" => {}
            Some(x) => {
                sqlx::query(
                    "UPDATE session_parts SET starts_at = $1, ends_at = $2, status = 'scheduled', sequence = sequence + 1 WHERE id = $3",
                )
                .bind(*s)
                .bind(*e)
                .bind(x.id)
                .execute(&mut *conn)
                .await?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO session_parts (session_id, position, starts_at, ends_at, status, sequence) VALUES ($1, $2, $3, $4, 'scheduled', 0)",
                )
                .bind(session_id)
                .bind(position)
                .bind(*s)
                .bind(*e)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    sqlx::query(
        "UPDATE session_parts SET status = 'cancelled', sequence = sequence + 1 WHERE session_id = $1 AND position > $2 AND status <> 'cancelled'",
    )
    .bind(session_id)
    .bind(parts.len() as i64)
    .execute(&mut *conn)
    .await?;
    crate::sessions::resync_slots(conn, session_id).await
}

/// Removes the session's bookings of rooms other than `keep` (their slots go with them).
pub async fn release_other_rooms(
    conn: &mut Conn,
    session_id: i64,
    keep: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT b.resource_id FROM bookings b JOIN resources r ON r.id = b.resource_id JOIN session_parts p ON p.id = b.session_part_id \
         WHERE p.session_id = $1 AND r.kind = 'room'",
    )
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut released = Vec::new();
    for r in &rows {
        let id = r.i("resource_id")?;
        if Some(id) != keep {
            crate::bookings::remove(conn, session_id, id).await?;
            released.push(id);
        }
    }
    Ok(released)
}
