//! Attendance per session part, taken by the session's instructor (or a coordinator), and the
//! outcome that follows from it: present at every part → attended, then completed when the session
//! closes; absent from every part → no-show; present at some → attended, then failed at closing.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use trainyard_core::Role;
use trainyard_core::status::{EnrollmentStatus, SessionStatus};
use trainyard_store::enrollments::{self as repo, Enrollment};
use trainyard_store::sessions::{self, Part, Session};
use trainyard_store::{Conn, assignments};

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SheetRow {
    pub enrollment: Enrollment,
    /// Per part, in part order: present, absent, or not recorded yet.
    pub presence: Vec<Option<bool>>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Sheet {
    pub session: Session,
    pub parts: Vec<Part>,
    pub rows: Vec<SheetRow>,
}

/// Operations staff, and an instructor who has accepted (or been confirmed on) the session; a
/// merely proposed or requested instructor may not see the learners.
async fn may_take(conn: &mut Conn, caller: &Caller, session_id: i64) -> Result<(), AppError> {
    if caller.role.can_edit_operations() {
        return Ok(());
    }
    if caller.role == Role::Instructor
        && let Some(me) = caller.instructor_id
    {
        let teaches = assignments::for_session(conn, session_id)
            .await?
            .iter()
            .any(|a| a.instructor_id == me && a.status.teaches());
        if teaches {
            return Ok(());
        }
    }
    Err(AppError::Forbidden(
        "take attendance for a session you do not teach".into(),
    ))
}

/// The attendance sheet: booked and attending learners against the session's parts.
pub async fn sheet(app: &App, caller: &Caller, session_id: i64) -> Result<Sheet, AppError> {
    let mut conn = app.store.read().await?;
    let session = sessions::get(&mut conn, session_id)
        .await
        .about("session")?;
    may_take(&mut conn, caller, session_id).await?;
    let parts: Vec<Part> = sessions::parts(&mut conn, session_id)
        .await?
        .into_iter()
        .filter(|p| p.status != "cancelled")
        .collect();
    let marks = repo::attendance_for_session(&mut conn, session_id).await?;
    let rows = repo::for_session(&mut conn, session_id)
        .await?
        .into_iter()
        .filter(|e| {
            matches!(
                e.status,
                EnrollmentStatus::Booked
                    | EnrollmentStatus::Attended
                    | EnrollmentStatus::NoShow
                    | EnrollmentStatus::Completed
                    | EnrollmentStatus::Failed
            )
        })
        .map(|e| {
            let presence = parts
                .iter()
                .map(|p| {
                    marks
                        .iter()
                        .find(|(eid, pid, _)| *eid == e.id && *pid == p.id)
                        .map(|m| m.2)
                })
                .collect();
            SheetRow {
                enrollment: e,
                presence,
            }
        })
        .collect();
    Ok(crate::audience::ForReader::for_reader(
        Sheet {
            session,
            parts,
            rows,
        },
        caller,
    ))
}

/// Records one part's attendance: `present` lists the enrollments there; every other enrollment on
/// the sheet is recorded absent. Outcomes follow once every part is recorded.
pub async fn record(
    app: &App,
    caller: &Caller,
    session_id: i64,
    part_id: i64,
    present: &[i64],
) -> Result<Sheet, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    sessions::touch(&mut tx, session_id)
        .await
        .about("session")?;
    may_take(&mut tx, caller, session_id).await?;
    let session = sessions::get(&mut tx, session_id).await?;
    if matches!(
        session.status,
        SessionStatus::Cancelled
            | SessionStatus::Draft
            | SessionStatus::Postponed
            | SessionStatus::Closed
    ) {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-attendance-status",
            "Attendance cannot be taken for a {status} session.",
            status = session.status.label().to_lowercase()
        )));
    }
    let parts: Vec<Part> = sessions::parts(&mut tx, session_id)
        .await?
        .into_iter()
        .filter(|p| p.status != "cancelled")
        .collect();
    let Some(part) = parts.iter().find(|p| p.id == part_id) else {
        return Err(AppError::NotFound("session part"));
    };
    if part.starts_at > now + 3_600_000 {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-attendance-not-started",
            "Attendance for a part is taken once it has started."
        )));
    }
    let on_sheet: Vec<Enrollment> = repo::for_session(&mut tx, session_id)
        .await?
        .into_iter()
        .filter(|e| {
            matches!(
                e.status,
                EnrollmentStatus::Booked | EnrollmentStatus::Attended | EnrollmentStatus::NoShow
            )
        })
        .collect();
    if let Some(stranger) = present
        .iter()
        .find(|id| !on_sheet.iter().any(|e| e.id == **id))
    {
        return Err(trainyard_core::Invalid::field(
            "present",
            format!("enrollment {stranger} is not on this attendance sheet"),
        )
        .into());
    }
    let by = (caller.user_id != 0).then_some(caller.user_id);
    for e in &on_sheet {
        repo::set_attendance(&mut tx, e.id, part_id, present.contains(&e.id), by, now).await?;
    }
    let marks = repo::attendance_for_session(&mut tx, session_id).await?;
    for e in &on_sheet {
        let mine: Vec<bool> = parts
            .iter()
            .filter_map(|p| {
                marks
                    .iter()
                    .find(|(eid, pid, _)| *eid == e.id && *pid == p.id)
                    .map(|m| m.2)
            })
            .collect();
        if mine.len() < parts.len() {
            continue;
        }
        let outcome = if mine.iter().any(|x| *x) {
            EnrollmentStatus::Attended
        } else {
            EnrollmentStatus::NoShow
        };
        if outcome != e.status {
            let before = repo::get(&mut tx, e.id).await?;
            repo::set_state(&mut tx, e.id, before.version, outcome, None, None, now).await?;
            let after = repo::get(&mut tx, e.id).await?;
            crate::audit::record(
                &mut tx,
                caller,
                now,
                &format!("enrollment.{}", outcome.as_str()),
                ("enrollment", e.id),
                Some(&before),
                Some(&after),
            )
            .await?;
        }
    }
    let snapshot =
        serde_json::json!({ "part_id": part_id, "present": present, "on_sheet": on_sheet.len() });
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.attendance_taken",
        ("session", session_id),
        None,
        Some(&snapshot),
    )
    .await?;
    tx.commit().await?;
    sheet(app, caller, session_id).await
}

/// At closing: attended every part → completed; some parts missed → failed.
pub(crate) async fn complete(
    tx: &mut Conn,
    caller: &Caller,
    session_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let parts: Vec<Part> = sessions::parts(tx, session_id)
        .await?
        .into_iter()
        .filter(|p| p.status != "cancelled")
        .collect();
    let marks = repo::attendance_for_session(tx, session_id).await?;
    for e in repo::for_session(tx, session_id)
        .await?
        .into_iter()
        .filter(|e| e.status == EnrollmentStatus::Attended)
    {
        let all = parts.iter().all(|p| {
            marks
                .iter()
                .any(|(eid, pid, present)| *eid == e.id && *pid == p.id && *present)
        });
        let outcome = if all {
            EnrollmentStatus::Completed
        } else {
            EnrollmentStatus::Failed
        };
        let before = repo::get(tx, e.id).await?;
        repo::set_state(tx, e.id, before.version, outcome, None, None, now).await?;
        let after = repo::get(tx, e.id).await?;
        crate::audit::record(
            tx,
            caller,
            now,
            &format!("enrollment.{}", outcome.as_str()),
            ("enrollment", e.id),
            Some(&before),
            Some(&after),
        )
        .await?;
        if outcome == EnrollmentStatus::Completed {
            // A course that grants a certificate issues it with the completion.
            crate::certificates::issue_in(tx, caller, e.id, now).await?;
        }
    }
    Ok(())
}
