//! Sessions: one delivery of a course, in one or more parts.

pub mod sessions {
    use crate::error::About;
    use crate::{App, AppError, Caller, now_ms};
    use chrono::NaiveDate;
    use trainyard_core::records::SessionFields;
    use trainyard_core::status::{SessionEvent, SessionStatus};
    use trainyard_core::{Invalid, Role, TimeZoneName};
    use trainyard_store::Page;
    use trainyard_store::sessions::{self as repo, Part, SessionFilter};

    pub type Record = repo::Session;

    crate::records::record_writes!(
        trainyard_store::sessions::draft,
        SessionFields,
        "session",
        "sessions"
    );

    /// A session with its parts, as its page and the API show it.
    #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
    pub struct SessionDetail {
        #[serde(flatten)]
        pub session: Record,
        pub parts: Vec<Part>,
    }

    fn may_see(caller: &Caller, s: &Record) -> bool {
        caller.role.is_staff()
            || (caller.role == Role::ClientContact && caller.may_see_client(s.client_id))
    }

    pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<SessionDetail, AppError> {
        caller.require(
            caller.role.is_staff() || caller.role == Role::ClientContact,
            "see sessions",
        )?;
        let mut conn = app.store.read().await?;
        let session = repo::get(&mut conn, id).await.about("session")?;
        if !may_see(caller, &session) {
            // Not 403: whether another client's session exists is itself private.
            return Err(AppError::NotFound("session"));
        }
        let parts = repo::parts(&mut conn, id).await?;
        Ok(SessionDetail { session, parts })
    }

    fn day(caller: &Caller, field: &str, raw: &str, inv: &mut Invalid) -> Option<i64> {
        if raw.trim().is_empty() {
            return None;
        }
        let tz = TimeZoneName::parse(&caller.time_zone)
            .unwrap_or_else(|_| TimeZoneName::parse("UTC").expect("UTC"));
        match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
            Ok(d) => Some(tz.start_of_day_ms(d)),
            Err(_) => {
                inv.add(
                    field,
                    format!(
                        "'{}' is not a date (expected YYYY-MM-DD)",
                        raw.chars().take(20).collect::<String>()
                    ),
                );
                None
            }
        }
    }

    pub async fn list(
        app: &App,
        caller: &Caller,
        filter: &SessionFilter,
    ) -> Result<Page<Record>, AppError> {
        caller.require(
            caller.role.is_staff() || caller.role == Role::ClientContact,
            "see sessions",
        )?;
        let mut f = filter.clone();
        if caller.role == Role::ClientContact {
            f.client_id = caller.client_id.or(Some(-1));
        }
        let mut inv = Invalid::new();
        f.from_ms = day(caller, "from", &f.from, &mut inv);
        // "to" is inclusive: sessions starting on that day are shown.
        f.to_ms = day(caller, "to", &f.to, &mut inv).map(|t| t + 86_400_000);
        if !inv.is_empty() {
            return Err(inv.into());
        }
        let mut conn = app.store.read().await?;
        Ok(repo::list(&mut conn, &f).await?)
    }

    /// Moves a session along its lifecycle (schedule, confirm, deliver, close, cancel, postpone,
    /// reschedule). A refused move explains why.
    pub async fn transition(
        app: &App,
        caller: &Caller,
        id: i64,
        version: i64,
        event: SessionEvent,
    ) -> Result<Record, AppError> {
        caller.require_operations("change the status of sessions")?;
        let now = now_ms();
        let mut tx = app.store.write().await?;
        let before = repo::get(&mut tx, id).await.about("session")?;
        if before.version != version {
            return Err(AppError::Stale("session"));
        }
        let next: SessionStatus = before.status.transition(event)?;
        repo::set_status(&mut tx, id, version, next, now)
            .await
            .about("session")?;
        let after = repo::get(&mut tx, id).await?;
        let action = format!("session.{}", event.as_str());
        crate::audit::record(
            &mut tx,
            caller,
            now,
            &action,
            "session",
            id,
            Some(&before),
            Some(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// Who and what a session involves: instructors, booked resources, enrolled learners.
pub mod roster {
    use crate::{App, AppError, Caller};
    use trainyard_core::Role;
    use trainyard_store::assignments::{self, Assignment};
    use trainyard_store::bookings::{self, Booking};
    use trainyard_store::enrollments::{self, Enrollment};

    #[derive(Debug, Clone, serde::Serialize)]
    pub struct Roster {
        pub assignments: Vec<Assignment>,
        pub bookings: Vec<Booking>,
        pub enrollments: Vec<Enrollment>,
    }

    /// Staff see everything; a client contact sees only their own people on a session they may see.
    pub async fn of_session(
        app: &App,
        caller: &Caller,
        session_id: i64,
    ) -> Result<Roster, AppError> {
        super::sessions::get(app, caller, session_id).await?;
        let mut conn = app.store.read().await?;
        let mut enrollments = enrollments::for_session(&mut conn, session_id).await?;
        if caller.role == Role::ClientContact {
            enrollments.retain(|e| e.client_id.is_some() && e.client_id == caller.client_id);
            return Ok(Roster {
                assignments: Vec::new(),
                bookings: Vec::new(),
                enrollments,
            });
        }
        Ok(Roster {
            assignments: assignments::for_session(&mut conn, session_id).await?,
            bookings: bookings::for_session(&mut conn, session_id).await?,
            enrollments,
        })
    }
}
