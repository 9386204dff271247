//! Operations quality signals (issue 16 §6) for the `/quality` page and the API: per period, the
//! delivered sessions with a late change, joining instructions not sent by their deadline, an
//! instructor no-show, or complaints; counted by `trainyard_core::quality_signals` from one store
//! query per family. And what feeds them: complaints logged against a session, an instructor's
//! no-show marked on the attendance page, late changes recorded when a session's times, venue or
//! instructor change within 72 hours of its start.

use crate::error::About as _;
use crate::reporting::{Days, ReportQuery, days_of};
use crate::{App, AppError, Caller, now_ms};
use serde::Serialize;
use serde_json::json;
use trainyard_core::TimeZoneName;
use trainyard_core::kpi::Period;
use trainyard_core::quality_signals::{self as rules, Families, Signal, SignalCount};
use trainyard_store::quality::{self as repo, Complaint, DeliveredSession};
use trainyard_store::{Conn, assignments, sessions};

/// One client's line of the table (no client: public sessions).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClientSignals {
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    pub delivered: i64,
    pub signals: Vec<SignalCount>,
}

/// The quality signals of a period.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QualityReport {
    pub period: Days,
    /// Sessions delivered (or closed) starting in the period.
    pub delivered: i64,
    pub signals: Vec<SignalCount>,
    pub by_client: Vec<ClientSignals>,
    /// With `signal`: the sessions behind that tile (otherwise empty).
    pub sessions: Vec<DeliveredSession>,
    /// Of the complaints the `complaint` signal counts: those still open.
    pub complaints_open: i64,
    /// Of the complaints the `complaint` signal counts: those resolved.
    pub complaints_resolved: i64,
    /// Those complaints themselves, open ones first, then newest first (at most 200).
    pub complaints: Vec<Complaint>,
}

/// Complaints listed with the report at most.
const COMPLAINTS_LISTED: i64 = 200;

fn may_see(caller: &Caller) -> Result<(), AppError> {
    caller.require(
        caller.role.can_edit_operations(),
        "see operations quality signals",
    )
}

/// The signals of the period `q` asks for (the current month without one), optionally of one
/// client; with `signal`, also the sessions that show it. Coordinators, managers and admins.
pub async fn signals(
    app: &App,
    caller: &Caller,
    q: &ReportQuery,
    signal: Option<Signal>,
) -> Result<QualityReport, AppError> {
    may_see(caller)?;
    let tz = TimeZoneName::parse_or_utc(&caller.time_zone);
    let now = now_ms();
    let days = days_of(q, tz.local(now).date_naive())?;
    let p = Period::local_days(&tz, days.from, days.until);
    let (from, until, client) = (p.from_ms, p.until_ms, q.client_id);
    let mut conn = app.store.read().await?;
    let joining_hours = trainyard_store::reminders::settings(&mut conn)
        .await?
        .joining_hours;
    let delivered = repo::delivered(&mut conn, from, until, client).await?;
    let families = Families {
        late_changes: repo::late_changes(&mut conn, from, until, client).await?,
        joining_late: repo::joining_late(&mut conn, from, until, client, joining_hours).await?,
        instructor_no_shows: repo::instructor_no_shows(&mut conn, from, until, client).await?,
        complaints: repo::complaint_counts(&mut conn, from, until, client).await?,
    };
    let (complaints_open, complaints_resolved) =
        repo::complaint_standing(&mut conn, from, until, client).await?;
    let complaints = repo::complaints_in(&mut conn, from, until, client, COMPLAINTS_LISTED).await?;
    drop(conn);
    let keys: Vec<(i64, Option<i64>)> = delivered.iter().map(|s| (s.id, s.client_id)).collect();
    let rows = rules::combine(&keys, &families);
    let by_client = rules::by_client(&rows)
        .into_iter()
        .map(|(client_id, n, signals)| ClientSignals {
            client_id,
            client_name: client_id.and_then(|c| {
                delivered
                    .iter()
                    .find(|s| s.client_id == Some(c))
                    .and_then(|s| s.client_name.clone())
            }),
            delivered: n,
            signals,
        })
        .collect();
    let sessions = match signal {
        Some(sig) => delivered
            .iter()
            .zip(&rows)
            .filter(|(_, r)| r.has(sig))
            .map(|(s, _)| s.clone())
            .collect(),
        None => Vec::new(),
    };
    Ok(QualityReport {
        period: days,
        delivered: rows.len() as i64,
        signals: rules::tally(&rows),
        by_client,
        sessions,
        complaints_open,
        complaints_resolved,
        complaints,
    })
}

/// The report as CSV: one line per client and signal, then the totals.
pub fn csv(r: &QualityReport) -> String {
    let mut out = String::from("client,delivered_sessions,signal,sessions,events,rate_percent\n");
    let line = |out: &mut String, client: &str, delivered: i64, c: &SignalCount| {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            csv_field(client),
            delivered,
            c.signal.as_str(),
            c.sessions,
            c.events,
            c.rate.percent().unwrap_or_default()
        ));
    };
    for g in &r.by_client {
        let name = g.client_name.clone().unwrap_or_else(|| "(public)".into());
        for c in &g.signals {
            line(&mut out, &name, g.delivered, c);
        }
    }
    for c in &r.signals {
        line(&mut out, "(all)", r.delivered, c);
    }
    out
}

/// Parses the drill-down's `signal` parameter.
pub fn signal_of(raw: &str) -> Result<Option<Signal>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        s => Signal::parse(s).map(Some).ok_or(AppError::BadParameter {
            name: "signal",
            message: format!(
                "'{}' is not a signal (one of: late_change, joining_late, instructor_no_show, complaint)",
                s.chars().take(40).collect::<String>()
            ),
        }),
    }
}

// ------------------------------------------------------------------ complaints

/// Logs a complaint against a session, optionally for a client (a private session's client by
/// default). Coordinators, managers and admins; audited.
pub async fn log_complaint(
    app: &App,
    caller: &Caller,
    session_id: i64,
    client_id: Option<i64>,
    body: &str,
) -> Result<Complaint, AppError> {
    caller.require_operations("log complaints")?;
    let body = body.trim();
    if body.is_empty() {
        return Err(
            trainyard_core::Invalid::field("body", "say what the complaint is about").into(),
        );
    }
    if body.chars().count() > 4000 {
        return Err(trainyard_core::Invalid::field("body", "at most 4000 characters").into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let s = sessions::get(&mut tx, session_id).await.about("session")?;
    let client_id = client_id.or(s.client_id);
    if let Some(c) = client_id {
        trainyard_store::clients::get(&mut tx, c)
            .await
            .about("client")?;
    }
    let logged_by = (caller.user_id != 0).then_some(caller.user_id);
    let id = repo::insert_complaint(&mut tx, session_id, client_id, body, logged_by, now).await?;
    let after = repo::complaints_of(&mut tx, session_id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(AppError::NotFound("complaint"))?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.complaint_logged",
        ("session", session_id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The complaints about a session. Staff.
pub async fn complaints(
    app: &App,
    caller: &Caller,
    session_id: i64,
) -> Result<Vec<Complaint>, AppError> {
    caller.require_staff("see complaints")?;
    let mut conn = app.store.read().await?;
    Ok(repo::complaints_of(&mut conn, session_id).await?)
}

/// Resolves a complaint with what was done about it. Coordinators, managers and admins; once:
/// a complaint already resolved (also by a concurrent resolution) is refused. Audited on the
/// complaint's session. With `session_id` (a session page's form), a complaint about another
/// session is "not found".
pub async fn resolve_complaint(
    app: &App,
    caller: &Caller,
    session_id: Option<i64>,
    complaint_id: i64,
    resolution: &str,
) -> Result<Complaint, AppError> {
    caller.require_operations("resolve complaints")?;
    let resolution = resolution.trim();
    if resolution.is_empty() {
        return Err(trainyard_core::Invalid::field(
            "resolution",
            "say how the complaint was resolved",
        )
        .into());
    }
    if resolution.chars().count() > 4000 {
        return Err(trainyard_core::Invalid::field("resolution", "at most 4000 characters").into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::complaint(&mut tx, complaint_id)
        .await
        .about("complaint")?;
    if session_id.is_some_and(|s| s != before.session_id) {
        return Err(AppError::NotFound("complaint"));
    }
    let by = (caller.user_id != 0).then_some(caller.user_id);
    // The guarded update is the first write: of two resolutions, one wins.
    if !repo::resolve_complaint(&mut tx, complaint_id, resolution, by, now).await? {
        let current = repo::complaint(&mut tx, complaint_id).await?;
        let resolution = current.resolution.unwrap_or_default();
        return Err(AppError::Refused(match current.resolved_by_name {
            Some(who) => trainyard_core::refusal!(
                "refused-complaint-resolved-by",
                "This complaint was already resolved by {who}: {resolution}",
                who = who,
                resolution = resolution
            ),
            None => trainyard_core::refusal!(
                "refused-complaint-resolved",
                "This complaint was already resolved: {resolution}",
                resolution = resolution
            ),
        }));
    }
    let after = repo::complaint(&mut tx, complaint_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.complaint_resolved",
        ("session", before.session_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

// ------------------------------------------------------------------ instructor no-show

/// An instructor teaching a session, and whether they were marked as not having turned up.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InstructorAttendance {
    pub assignment_id: i64,
    pub instructor_id: i64,
    pub instructor_name: String,
    pub no_show: bool,
}

/// The instructors teaching a session with their no-show marks. Staff.
pub async fn instructor_attendance(
    app: &App,
    caller: &Caller,
    session_id: i64,
) -> Result<Vec<InstructorAttendance>, AppError> {
    caller.require_staff("see instructor attendance")?;
    let mut conn = app.store.read().await?;
    let marked = repo::no_shows_of(&mut conn, session_id).await?;
    Ok(assignments::for_session(&mut conn, session_id)
        .await?
        .into_iter()
        .filter(|a| a.status.teaches())
        .map(|a| InstructorAttendance {
            assignment_id: a.id,
            instructor_id: a.instructor_id,
            instructor_name: a.instructor_name,
            no_show: marked.contains(&a.id),
        })
        .collect())
}

/// Marks which of a session's teaching instructors did not turn up (`no_show`: their
/// assignments; every other teaching assignment is unmarked). Coordinators, managers and
/// admins; audited when anything changed.
pub async fn set_instructor_no_shows(
    app: &App,
    caller: &Caller,
    session_id: i64,
    no_show: &[i64],
) -> Result<Vec<InstructorAttendance>, AppError> {
    caller.require_operations("mark an instructor's attendance")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    sessions::touch(&mut tx, session_id)
        .await
        .about("session")?;
    let teaching: Vec<_> = assignments::for_session(&mut tx, session_id)
        .await?
        .into_iter()
        .filter(|a| a.status.teaches())
        .collect();
    if let Some(other) = no_show
        .iter()
        .find(|id| !teaching.iter().any(|a| a.id == **id))
    {
        return Err(AppError::refused(format!(
            "Assignment {other} is not an instructor teaching this session."
        )));
    }
    let before = repo::no_shows_of(&mut tx, session_id).await?;
    for a in &teaching {
        repo::set_no_show(&mut tx, session_id, a.id, no_show.contains(&a.id)).await?;
    }
    let after = repo::no_shows_of(&mut tx, session_id).await?;
    if before != after {
        crate::audit::record(
            &mut tx,
            caller,
            now,
            "session.instructor_attendance",
            ("session", session_id),
            Some(&json!({ "no_show_assignments": before })),
            Some(&json!({ "no_show_assignments": after })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(teaching
        .into_iter()
        .map(|a| InstructorAttendance {
            assignment_id: a.id,
            instructor_id: a.instructor_id,
            no_show: after.contains(&a.id),
            instructor_name: a.instructor_name,
        })
        .collect())
}

// ------------------------------------------------------------------ late changes

/// Records a late change (`what`: times, venue or instructor) of a session starting at
/// `starts_at`, in the change's transaction, when it is made within 72 hours of the start.
pub(crate) async fn note_change(
    tx: &mut Conn,
    session_id: i64,
    starts_at: i64,
    what: &str,
    now: i64,
) -> Result<(), AppError> {
    if rules::is_late_change(starts_at, now) {
        repo::record_late_change(tx, session_id, what, now).await?;
    }
    Ok(())
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The demo: a few late changes and complaints on delivered sessions (the first resolved), and
/// one instructor who did not turn up (in the seeding transaction).
pub(crate) async fn seed_demo(tx: &mut Conn, now: i64) -> Result<(), AppError> {
    let delivered = repo::delivered(tx, 0, now, None).await?;
    let recent: Vec<&DeliveredSession> = delivered.iter().rev().take(40).collect();
    for (k, s) in recent.iter().enumerate() {
        if k % 9 == 0 {
            let what = ["times", "venue", "instructor"][(k / 9) % 3];
            repo::record_late_change(tx, s.id, what, s.starts_at - 30 * 3_600_000).await?;
        }
        if k % 13 == 4 {
            let id = repo::insert_complaint(
                tx,
                s.id,
                s.client_id,
                [
                    "The room was too cold and the projector failed twice.",
                    "The joining link arrived the evening before.",
                ][(k / 13) % 2],
                None,
                s.starts_at + 86_400_000,
            )
            .await?;
            // The first one was resolved two days later; the others are still open.
            if k == 4 {
                repo::resolve_complaint(
                    tx,
                    id,
                    "Room heating repaired and a spare projector placed in the room; the client was told.",
                    None,
                    s.starts_at + 3 * 86_400_000,
                )
                .await?;
            }
        }
    }
    for s in recent.iter().skip(5) {
        let teaching: Vec<_> = assignments::for_session(tx, s.id)
            .await?
            .into_iter()
            .filter(|a| a.status.teaches())
            .collect();
        if let Some(a) = teaching.first() {
            repo::set_no_show(tx, s.id, a.id, true).await?;
            break;
        }
    }
    Ok(())
}
