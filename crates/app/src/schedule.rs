//! Sessions: one delivery of a course, in one or more parts.

pub mod sessions {
    use crate::error::About;
    use crate::{App, AppError, Caller, now_ms};
    use chrono::NaiveDate;
    use trainyard_core::records::SessionFields;
    use trainyard_core::status::{SessionEvent, SessionStatus, StatusReason};
    use trainyard_core::{Invalid, Role, TimeZoneName};
    use trainyard_store::Page;
    use trainyard_store::sessions::{self as repo, Part, SessionFilter};

    pub type Record = repo::Session;

    /// Creates a session as a draft.
    pub async fn create(
        app: &App,
        caller: &Caller,
        fields: &SessionFields,
    ) -> Result<Record, AppError> {
        let mut tx = app.store.write().await?;
        let after = create_in(&mut tx, caller, fields, now_ms()).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// `create` inside the caller's transaction (a spreadsheet import's).
    pub(crate) async fn create_in(
        tx: &mut trainyard_store::Conn,
        caller: &Caller,
        fields: &SessionFields,
        now: i64,
    ) -> Result<Record, AppError> {
        caller.require_operations("create sessions")?;
        let input = fields.validate()?;
        if let Some(program) = input.program_id {
            crate::programs::check_for_session(tx, program.0, input.client_id.map(|c| c.0), None)
                .await?;
        }
        let id = repo::draft::insert(tx, &input, now)
            .await
            .about("session")?;
        let after = repo::get(tx, id).await?;
        crate::audit::record(
            tx,
            caller,
            now,
            "session.created",
            ("session", id),
            None,
            Some(&after),
        )
        .await?;
        Ok(after)
    }

    /// Edits a session (its parts included). Moved parts keep their instructors and rooms, which
    /// the database re-checks; everyone involved is told when the times change.
    pub async fn update(
        app: &App,
        caller: &Caller,
        id: i64,
        version: i64,
        fields: &SessionFields,
    ) -> Result<Record, AppError> {
        caller.require_operations("change sessions")?;
        let input = fields.validate()?;
        let now = now_ms();
        let mut tx = app.store.write().await?;
        let before = repo::get(&mut tx, id).await.about("session")?;
        if matches!(
            before.status,
            SessionStatus::Closed | SessionStatus::Cancelled
        ) {
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-edit-status",
                "Session {session} is {status}: it can no longer be edited.",
                session = before.reference,
                status = before.status.label().to_lowercase()
            )));
        }
        if input.capacity < before.booked_count {
            return Err(trainyard_core::Invalid::field(
                "capacity",
                format!("{} learners are booked; the capacity cannot go below that (cancel or transfer some first)", before.booked_count),
            )
            .into());
        }
        if let Some(program) = input.program_id {
            crate::programs::check_for_session(
                &mut tx,
                program.0,
                input.client_id.map(|c| c.0),
                before.program_id,
            )
            .await?;
        }
        let parts_before = repo::parts(&mut tx, id).await?;
        let budgets_before = trainyard_store::budgets::covering(&mut tx, id).await?;
        repo::update(&mut tx, id, version, &input, now)
            .await
            .about("session")?;
        let after = repo::get(&mut tx, id).await?;
        let parts_after = repo::parts(&mut tx, id).await?;
        // A change of times or venue within 72 hours of the start is a quality signal.
        let times = |ps: &[trainyard_store::sessions::Part]| {
            ps.iter()
                .map(|p| (p.starts_at, p.ends_at))
                .collect::<Vec<_>>()
        };
        if times(&parts_before) != times(&parts_after) {
            crate::quality::note_change(&mut tx, id, before.starts_at, "times", now).await?;
        }
        if before.venue_id != after.venue_id {
            crate::quality::note_change(&mut tx, id, before.starts_at, "venue", now).await?;
        }
        crate::audit::record(
            &mut tx,
            caller,
            now,
            "session.updated",
            ("session", id),
            Some(&before),
            Some(&after),
        )
        .await?;
        let tz = TimeZoneName::parse_or_utc(&after.time_zone);
        let changes = crate::messages::changes(&before, &parts_before, &after, &parts_after, &tz);
        let moved = parts_before
            .iter()
            .map(|p| (p.starts_at, p.ends_at, p.status.clone()))
            .collect::<Vec<_>>()
            != parts_after
                .iter()
                .map(|p| (p.starts_at, p.ends_at, p.status.clone()))
                .collect::<Vec<_>>();
        // A new venue or joining link is news for everyone too, said as before → after.
        if moved || !changes.is_empty() {
            notify(app, &mut tx, &after, Change::Rescheduled, &changes, now).await?;
        }
        if after.capacity > before.capacity {
            crate::enrollment::fill_freed_seats(app, &mut tx, caller, id, now).await?;
        }
        // A move can take the session into another budget's months (or out of one): both the
        // budgets it left and those it now counts for are rechecked.
        if moved || before.starts_at != after.starts_at {
            crate::budgets::check_moved(&mut tx, caller, id, &budgets_before, now).await?;
        }
        tx.commit().await?;
        Ok(after)
    }

    crate::records::record_archiving!(trainyard_store::sessions, "session", "sessions");

    #[derive(Clone, Copy)]
    pub(crate) enum Change {
        Rescheduled,
        Cancelled,
        Postponed,
        Confirmed,
    }

    impl Change {
        /// The message event (and template) of this change.
        fn event(self) -> &'static str {
            match self {
                Change::Rescheduled => "session_changed",
                Change::Cancelled => "session_cancelled",
                Change::Postponed => "session_postponed",
                Change::Confirmed => "session_confirmed",
            }
        }
    }

    /// Queues a message to every instructor and learner on the session, in the same transaction,
    /// worded by the change's template (`session_changed`, `session_cancelled`, …): the days in
    /// each recipient's zone, the place or joining link, what changed, a link to their page.
    pub(crate) async fn notify(
        app: &App,
        tx: &mut trainyard_store::Conn,
        s: &Record,
        change: Change,
        changes: &[crate::messages::Changed],
        now: i64,
    ) -> Result<(), AppError> {
        let kind = change.event();
        if !matches!(change, Change::Confirmed) {
            // Reminders queued for the old time (or a session that no longer runs) are stale;
            // a moved session gets new ones for its new time from the next sweep.
            trainyard_store::reminders::withdraw_for_session(tx, s.id).await?;
        }
        // Changes carry an updated invitation (raised SEQUENCE); cancellations a CANCEL.
        let parts = trainyard_store::sessions::parts(tx, s.id).await?;
        // Each recipient reads it in their language: the wording loaded once per language.
        let mut wordings: std::collections::HashMap<String, crate::messages::Wording> =
            std::collections::HashMap::new();
        for r in trainyard_store::outbox::session_recipients(tx, s.id).await? {
            let language = if r.who == "instructor" {
                let a = trainyard_store::assignments::get(tx, r.record_id).await?;
                let i = trainyard_store::instructors::get(tx, a.instructor_id).await?;
                crate::languages::of(tx, i.language.as_deref(), None).await?
            } else {
                let e = trainyard_store::enrollments::get(tx, r.record_id).await?;
                let l = trainyard_store::learners::get(tx, e.learner_id).await?;
                crate::languages::of_learner(tx, &l).await?
            };
            let key = language.language().to_owned();
            if !wordings.contains_key(&key) {
                let w = crate::messages::wording_in(tx, kind, &language).await?;
                wordings.insert(key.clone(), w);
            }
            let Some(wording) = wordings.get(&key) else {
                continue;
            };
            let lang = wording.language().to_owned();
            let zone = TimeZoneName::parse_or_utc(&r.time_zone);
            let mut ctx = crate::messages::session_facts_in(tx, s, &parts, &zone, &lang).await?;
            let (name_key, page) = if r.who == "instructor" {
                (
                    "instructor_name",
                    format!("/portal/assignments/{}", r.record_id),
                )
            } else {
                (
                    "learner_name",
                    format!("/portal/enrollments/{}", r.record_id),
                )
            };
            ctx.insert("recipient_name".into(), r.name.clone().into());
            ctx.insert(name_key.into(), r.name.clone().into());
            ctx.insert("session_url".into(), app.link(&page).into());
            if !changes.is_empty() {
                ctx.insert("changes".into(), serde_json::json!(changes));
            }
            let (subject, body) = wording.compose(&serde_json::Value::Object(ctx));
            let email = r.email;
            crate::delivery::enqueue_with_invitation_in(
                tx,
                &trainyard_store::outbox::NewMessage {
                    kind,
                    recipient: &email,
                    subject: &subject,
                    body: &body,
                    entity_type: "session",
                    entity_id: s.id,
                    idempotency_key: &format!("session-{}-{kind}-v{}-{email}", s.id, s.version),
                },
                s,
                &parts,
                now,
                &lang,
            )
            .await?;
        }
        Ok(())
    }

    /// What a cancellation gave up: the instructors and the rooms, equipment and platforms.
    #[derive(Debug, Clone, Default, serde::Serialize)]
    pub(crate) struct Released {
        pub instructors: Vec<String>,
        pub resources: Vec<String>,
    }

    /// A cancelled session tells everyone still on it (learners, and the instructors asked or
    /// booked), then lets go of its instructors and its bookings so that they are free for other
    /// sessions at the same time. Ordinary cancellation and merging both end here; the told
    /// instructors are told before their assignments are released, since the outbox addresses
    /// live assignments.
    pub(crate) async fn cancelled(
        app: &App,
        tx: &mut trainyard_store::Conn,
        caller: &Caller,
        s: &Record,
        now: i64,
    ) -> Result<Released, AppError> {
        use trainyard_store::{assignments, bookings};
        notify(app, tx, s, Change::Cancelled, &[], now).await?;
        let mut released = Released::default();
        for a in assignments::for_session(tx, s.id).await? {
            if !a.status.is_live() {
                continue;
            }
            let before = assignments::get(tx, a.id).await?;
            assignments::set_status(
                tx,
                a.id,
                before.version,
                trainyard_core::status::AssignmentStatus::Cancelled,
                None,
                None,
                now,
            )
            .await?;
            let after = assignments::get(tx, a.id).await?;
            crate::audit::record(
                tx,
                caller,
                now,
                "assignment.released",
                ("assignment", a.id),
                Some(&before),
                Some(&after),
            )
            .await?;
            if !released.instructors.contains(&a.instructor_name) {
                released.instructors.push(a.instructor_name);
            }
        }
        let mut resource_ids = Vec::new();
        for b in bookings::for_session(tx, s.id).await? {
            if !resource_ids.contains(&b.resource_id) {
                resource_ids.push(b.resource_id);
                bookings::remove(tx, s.id, b.resource_id).await?;
                released.resources.push(b.resource_name);
            }
        }
        if !released.instructors.is_empty() || !released.resources.is_empty() {
            // On the session's own history, so its page says what the cancellation let go.
            crate::audit::record(
                tx,
                caller,
                now,
                "session.released",
                ("session", s.id),
                Some(&released),
                Some(&Released::default()),
            )
            .await?;
        }
        Ok(released)
    }

    /// A session with its parts, as its page and the API show it.
    #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
    pub struct SessionDetail {
        #[serde(flatten)]
        pub session: Record,
        pub parts: Vec<Part>,
    }

    /// Staff see every session; a client contact their own private sessions and the public ones
    /// their people are enrolled in (the same sessions their list shows).
    async fn may_see(
        conn: &mut trainyard_store::Conn,
        caller: &Caller,
        s: &Record,
    ) -> Result<bool, AppError> {
        if caller.role.is_staff() {
            return Ok(true);
        }
        if caller.role != Role::ClientContact {
            return Ok(false);
        }
        if s.status == SessionStatus::Draft {
            return Ok(false);
        }
        if caller.may_see_client(s.client_id) {
            return Ok(true);
        }
        match (s.client_id, caller.client_id) {
            (None, Some(own)) => Ok(repo::has_people_of_client(conn, s.id, own).await?),
            _ => Ok(false),
        }
    }

    pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<SessionDetail, AppError> {
        caller.require(
            caller.role.is_staff() || caller.role == Role::ClientContact,
            "see sessions",
        )?;
        let mut conn = app.store.read().await?;
        let session = repo::get(&mut conn, id).await.about("session")?;
        if !may_see(&mut conn, caller, &session).await? {
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
        let tz = TimeZoneName::parse_or_utc(&caller.time_zone);
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
            f.client_id = None;
            f.ours_of_client = caller.client_id.or(Some(-1));
        }
        // A malformed date is a bad query parameter (400 naming it), like any other filter value.
        let param = |name: &'static str, raw: &str| {
            let mut inv = Invalid::new();
            let ms = day(caller, name, raw, &mut inv);
            match inv.errors.first() {
                Some(p) => Err(AppError::BadParameter {
                    name,
                    message: p.message.clone(),
                }),
                None => Ok(ms),
            }
        };
        f.from_ms = param("from", &f.from)?;
        // "to" is inclusive: sessions starting on that day are shown.
        f.to_ms = param("to", &f.to)?.map(|t| t + 86_400_000);
        let mut conn = app.store.read().await?;
        Ok(repo::list(&mut conn, &f).await?)
    }

    /// Why a session is cancelled or postponed: a reason from the list, and words of one's own
    /// (required for "other").
    #[derive(Debug, Clone, Default)]
    pub struct Why {
        pub reason: Option<StatusReason>,
        pub note: String,
    }

    impl Why {
        /// The reason an event needs (none for the others), or what is missing.
        pub fn check(
            &self,
            event: SessionEvent,
        ) -> Result<Option<(StatusReason, String)>, Invalid> {
            let note = self.note.trim();
            let mut inv = Invalid::new();
            if note.chars().count() > 500 {
                inv.add("reason_note", "must be at most 500 characters");
            }
            if !event.needs_reason() {
                return if inv.is_empty() { Ok(None) } else { Err(inv) };
            }
            match self.reason {
                None => inv.add(
                    "reason",
                    format!(
                        "say why the session is {} (client request, low enrollment, instructor unavailable, venue, weather or other)",
                        if event == SessionEvent::Cancel { "cancelled" } else { "postponed" }
                    ),
                ),
                Some(StatusReason::Other) if note.is_empty() => {
                    inv.add("reason_note", "describe the reason when it is \"other\"")
                }
                Some(_) => {}
            }
            match self.reason {
                Some(r) if inv.is_empty() => Ok(Some((r, note.to_owned()))),
                _ => Err(inv),
            }
        }
    }

    /// Moves a session along its lifecycle (schedule, confirm, deliver, close, cancel, postpone,
    /// reschedule). A refused move explains why. Cancelling and postponing need a reason: use
    /// [`transition_because`].
    pub async fn transition(
        app: &App,
        caller: &Caller,
        id: i64,
        version: i64,
        event: SessionEvent,
    ) -> Result<Record, AppError> {
        transition_because(app, caller, id, version, event, &Why::default()).await
    }

    /// [`transition`] with the reason a cancellation or postponement needs; it is stored on the
    /// session and in the history of status changes reporting counts from.
    pub async fn transition_because(
        app: &App,
        caller: &Caller,
        id: i64,
        version: i64,
        event: SessionEvent,
        why: &Why,
    ) -> Result<Record, AppError> {
        let mut tx = app.store.write().await?;
        let after =
            transition_in(app, &mut tx, caller, (id, version), event, why, now_ms()).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// [`transition_because`] inside the caller's transaction (a spreadsheet import's).
    pub(crate) async fn transition_in(
        app: &App,
        tx: &mut trainyard_store::Conn,
        caller: &Caller,
        (id, version): (i64, i64),
        event: SessionEvent,
        why: &Why,
        now: i64,
    ) -> Result<Record, AppError> {
        caller.require_operations("change the status of sessions")?;
        let reason = why.check(event)?;
        let before = repo::get(tx, id).await.about("session")?;
        if before.version != version {
            return Err(AppError::Stale("session"));
        }
        let next: SessionStatus = before.status.transition(event)?;
        repo::set_status(tx, id, version, next, now)
            .await
            .about("session")?;
        repo::set_status_reason(
            tx,
            id,
            event,
            reason.as_ref().map(|(r, n)| (*r, n.as_str())),
            (caller.user_id != 0).then_some(caller.user_id),
            now,
        )
        .await?;
        let after = repo::get(tx, id).await?;
        let change = match event {
            SessionEvent::Cancel => Some(Change::Cancelled),
            SessionEvent::Postpone => Some(Change::Postponed),
            SessionEvent::Reschedule => Some(Change::Rescheduled),
            SessionEvent::Confirm => Some(Change::Confirmed),
            _ => None,
        };
        match change {
            // A postponed session keeps its instructors (told, still asked or booked) and its
            // bookings for when it is rescheduled; it holds no slot meanwhile.
            Some(Change::Cancelled) => {
                cancelled(app, tx, caller, &after, now).await?;
            }
            Some(change) => notify(app, tx, &after, change, &[], now).await?,
            None => {}
        }
        if event == SessionEvent::Close {
            crate::attendance::complete(tx, caller, id, now).await?;
        }
        if event == SessionEvent::Deliver {
            // The session ended: its learners and client contacts are asked for feedback.
            crate::surveys::invite_in(app, tx, caller, id, now).await?;
        }
        let action = format!("session.{}", event.as_str());
        crate::audit::record(
            tx,
            caller,
            now,
            &action,
            ("session", id),
            Some(&before),
            Some(&after),
        )
        .await?;
        Ok(after)
    }
}

/// Reporting on cancellations and postponements.
pub mod reasons {
    use crate::{App, AppError, Caller};
    use trainyard_core::status::{SessionEvent, StatusReason};

    /// How many sessions were cancelled (or postponed) for each reason in `[from, to)` (instants),
    /// by when it happened. An aggregate: tests compare it with the rows it counts.
    pub async fn count_by_reason(
        app: &App,
        caller: &Caller,
        event: SessionEvent,
        from: i64,
        to: i64,
    ) -> Result<Vec<(StatusReason, i64)>, AppError> {
        caller.require_staff("see reports")?;
        let mut conn = app.store.read().await?;
        Ok(
            trainyard_store::sessions::count_status_changes_by_reason(&mut conn, event, from, to)
                .await?,
        )
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
