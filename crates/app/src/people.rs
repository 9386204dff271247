//! Instructors, clients and learners.

pub mod instructors {
    use crate::audience::ForReader;
    use crate::error::About;
    use crate::{App, AppError, Caller};
    use trainyard_core::records::InstructorFields;
    use trainyard_store::Page;
    use trainyard_store::instructors::{self as repo, InstructorFilter};

    pub type Record = repo::Instructor;

    crate::records::record_writes!(
        trainyard_store::instructors,
        InstructorFields,
        "instructor",
        "instructors"
    );

    pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<Record, AppError> {
        caller.require(
            caller.role.is_staff() || caller.instructor_id == Some(id),
            "see instructors",
        )?;
        let mut conn = app.store.read().await?;
        Ok(repo::get(&mut conn, id)
            .await
            .about("instructor")?
            .for_reader(caller))
    }

    pub async fn list(
        app: &App,
        caller: &Caller,
        filter: &InstructorFilter,
    ) -> Result<Page<Record>, AppError> {
        caller.require_staff("see instructors")?;
        crate::audience::check_sort(caller, &filter.list.sort, &["day_rate"])?;
        let mut conn = app.store.read().await?;
        Ok(repo::list(&mut conn, filter).await?.for_reader(caller))
    }

    /// The instructor's qualifications (courses or skills, with validity), for staff and the
    /// instructor themself.
    pub async fn qualifications(
        app: &App,
        caller: &Caller,
        id: i64,
    ) -> Result<Vec<repo::Qualification>, AppError> {
        caller.require(
            caller.role.is_staff() || caller.instructor_id == Some(id),
            "see instructors",
        )?;
        let mut conn = app.store.read().await?;
        Ok(repo::qualifications(&mut conn, id).await?)
    }

    /// The instructor's recorded time off, latest first, for staff and the instructor themself.
    pub async fn time_off(
        app: &App,
        caller: &Caller,
        id: i64,
    ) -> Result<Vec<repo::TimeOff>, AppError> {
        caller.require(
            caller.role.is_staff() || caller.instructor_id == Some(id),
            "see instructors",
        )?;
        let mut conn = app.store.read().await?;
        Ok(repo::time_off(&mut conn, id).await?)
    }

    /// Records unavailability: instructors enter their own, coordinators anyone's. Dates are local
    /// days in the instructor's zone, `until` inclusive.
    pub async fn add_time_off(
        app: &App,
        caller: &Caller,
        id: i64,
        from: &str,
        until: &str,
        reason: &str,
    ) -> Result<repo::TimeOff, AppError> {
        change_time_off(app, caller, id, None, from, until, reason).await
    }

    /// Changes a recorded unavailability (its dates or reason), for the same people who may
    /// record it: the instructor themself or operations.
    pub async fn update_time_off(
        app: &App,
        caller: &Caller,
        id: i64,
        time_off_id: i64,
        from: &str,
        until: &str,
        reason: &str,
    ) -> Result<repo::TimeOff, AppError> {
        change_time_off(app, caller, id, Some(time_off_id), from, until, reason).await
    }

    /// Adds an entry, or replaces `replacing` (in one transaction, audited as a change).
    async fn change_time_off(
        app: &App,
        caller: &Caller,
        id: i64,
        replacing: Option<i64>,
        from: &str,
        until: &str,
        reason: &str,
    ) -> Result<repo::TimeOff, AppError> {
        use trainyard_core::{Invalid, TimeZoneName};
        caller.require(
            caller.instructor_id == Some(id) || caller.role.can_edit_operations(),
            "record another instructor's unavailability",
        )?;
        let mut inv = Invalid::new();
        let date =
            |field: &str, raw: &str, inv: &mut Invalid| match chrono::NaiveDate::parse_from_str(
                raw.trim(),
                "%Y-%m-%d",
            ) {
                Ok(d) => Some(d),
                Err(_) => {
                    inv.add(
                        field,
                        format!(
                            "'{}' is not a date (expected YYYY-MM-DD)",
                            raw.trim().chars().take(20).collect::<String>()
                        ),
                    );
                    None
                }
            };
        let start = date("from", from, &mut inv);
        let end = date("until", until, &mut inv);
        let reason = inv.check(
            "reason",
            trainyard_core::invalid::text::required(reason, 200),
        );
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                inv.add("until", "must not be before the first day");
            } else if (e - s).num_days() > 366 {
                inv.add("until", "at most a year at a time");
            }
        }
        let (Some(start), Some(end), Some(reason)) = (start, end, reason) else {
            return Err(inv.into());
        };
        if !inv.is_empty() {
            return Err(inv.into());
        }
        let now = crate::now_ms();
        let mut tx = app.store.write().await?;
        let inst = repo::get(&mut tx, id).await.about("instructor")?;
        let tz =
            TimeZoneName::parse(&inst.time_zone).map_err(|e| AppError::refused(e.to_string()))?;
        let before = match replacing {
            Some(old) => {
                let entry = repo::time_off(&mut tx, id)
                    .await?
                    .into_iter()
                    .find(|t| t.id == old)
                    .ok_or(AppError::NotFound("time off"))?;
                repo::delete_time_off(&mut tx, id, old).await?;
                Some(entry)
            }
            None => None,
        };
        let from_ms = tz.start_of_day_ms(start);
        let to_ms = tz.start_of_day_ms(end + chrono::Duration::days(1));
        let off_id = repo::insert_time_off(&mut tx, id, from_ms, to_ms, &reason, now).await?;
        let entry = repo::TimeOff {
            id: off_id,
            starts_at: from_ms,
            ends_at: to_ms,
            reason,
        };
        crate::audit::record(
            &mut tx,
            caller,
            now,
            if before.is_some() {
                "instructor.time_off_changed"
            } else {
                "instructor.time_off_added"
            },
            ("instructor", id),
            before.as_ref(),
            Some(&entry),
        )
        .await?;
        tx.commit().await?;
        Ok(entry)
    }
}

pub mod clients {
    use crate::error::About;
    use crate::{App, AppError, Caller};
    use trainyard_core::records::ClientFields;
    use trainyard_store::Page;
    use trainyard_store::clients::{self as repo, ClientFilter};

    pub type Record = repo::Client;

    crate::records::record_writes!(trainyard_store::clients, ClientFields, "client", "clients");

    pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<Record, AppError> {
        if !caller.may_see_client(Some(id)) {
            caller.require_staff("see clients")?;
            return Err(AppError::NotFound("client"));
        }
        let mut conn = app.store.read().await?;
        repo::get(&mut conn, id).await.about("client")
    }

    pub async fn list(
        app: &App,
        caller: &Caller,
        filter: &ClientFilter,
    ) -> Result<Page<Record>, AppError> {
        caller.require_staff("see clients")?;
        let mut conn = app.store.read().await?;
        Ok(repo::list(&mut conn, filter).await?)
    }

    pub async fn options(app: &App, caller: &Caller) -> Result<Vec<(i64, String)>, AppError> {
        caller.require_staff("see clients")?;
        let mut conn = app.store.read().await?;
        Ok(repo::options(&mut conn).await?)
    }
}

pub mod learners {
    use crate::error::About;
    use crate::{App, AppError, Caller};
    use trainyard_core::Role;
    use trainyard_core::records::LearnerFields;
    use trainyard_store::Page;
    use trainyard_store::learners::{self as repo, LearnerFilter};

    pub type Record = repo::Learner;

    crate::records::record_writes!(
        trainyard_store::learners,
        LearnerFields,
        "learner",
        "learners"
    );

    fn require_reader(caller: &Caller) -> Result<(), AppError> {
        caller.require(
            caller.role.is_staff() || caller.role == Role::ClientContact,
            "see learners",
        )
    }

    pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<Record, AppError> {
        if caller.role == Role::Learner && caller.learner_id == Some(id) {
            let mut conn = app.store.read().await?;
            return repo::get(&mut conn, id).await.about("learner");
        }
        require_reader(caller)?;
        let mut conn = app.store.read().await?;
        let learner = repo::get(&mut conn, id).await.about("learner")?;
        if !caller.may_see_client(learner.client_id) {
            return Err(AppError::NotFound("learner"));
        }
        Ok(learner)
    }

    /// Staff see every learner; a client contact only their own client's people.
    pub async fn list(
        app: &App,
        caller: &Caller,
        filter: &LearnerFilter,
    ) -> Result<Page<Record>, AppError> {
        require_reader(caller)?;
        let mut f = filter.clone();
        if caller.role == Role::ClientContact {
            if f.client_id.is_some() && f.client_id != caller.client_id {
                return Err(AppError::Forbidden("see another client's learners".into()));
            }
            f.client_id = caller.client_id.or(Some(-1));
        }
        let mut conn = app.store.read().await?;
        Ok(repo::list(&mut conn, &f).await?)
    }

    /// What a learner picker suggests for a few typed letters of a name or e-mail: at most
    /// `limit` learners, scoped like [`list`] (a client contact only their own people).
    pub async fn search(
        app: &App,
        caller: &Caller,
        typed: &str,
        client_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Record>, AppError> {
        // The store matches one column at a time: ask for the longest word, keep those that
        // have every word somewhere in their name or e-mail ("ada lov" finds Ada Lovelace).
        let words: Vec<String> = typed.split_whitespace().map(str::to_lowercase).collect();
        let mut f = LearnerFilter::default();
        f.list.q = words
            .iter()
            .max_by_key(|w| w.chars().count())
            .cloned()
            .unwrap_or_default();
        f.list.per_page = if words.len() > 1 {
            trainyard_store::row::PAGE_LIMIT
        } else {
            limit.clamp(1, trainyard_store::row::PAGE_LIMIT)
        };
        f.client_id = client_id;
        let limit = usize::try_from(limit).unwrap_or(1);
        Ok(list(app, caller, &f)
            .await?
            .items
            .into_iter()
            .filter(|l| {
                let all = format!("{} {} {}", l.first_name, l.last_name, l.email).to_lowercase();
                words.iter().all(|w| all.contains(w.as_str()))
            })
            .take(limit)
            .collect())
    }

    /// The learner typed into a picker without choosing a suggestion (a browser without script):
    /// their e-mail, also as "Name <e-mail>", or their full name when one learner alone has it.
    pub async fn typed(
        app: &App,
        caller: &Caller,
        typed: &str,
        client_id: Option<i64>,
    ) -> Result<Record, AppError> {
        let typed = typed.trim();
        let email = match (typed.rfind('<'), typed.rfind('>')) {
            (Some(a), Some(b)) if a < b => typed[a + 1..b].trim(),
            _ => typed,
        };
        if email.contains('@') {
            return search(app, caller, email, client_id, 20)
                .await?
                .into_iter()
                .find(|l| l.email.eq_ignore_ascii_case(email))
                .ok_or_else(|| {
                    AppError::Refused(trainyard_core::refusal!(
                        "refused-no-learner-email",
                        "No learner has the e-mail {email}.",
                        email = email
                    ))
                });
        }
        let words: Vec<&str> = typed.split_whitespace().collect();
        let Some(last) = words.last() else {
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-choose-learner",
                "Choose a learner."
            )));
        };
        let wanted = words.join(" ").to_lowercase();
        let mut named: Vec<Record> = search(
            app,
            caller,
            last,
            client_id,
            trainyard_store::row::PAGE_LIMIT,
        )
        .await?
        .into_iter()
        .filter(|l| {
            format!("{} {}", l.first_name, l.last_name).to_lowercase() == wanted
                || format!("{}, {}", l.last_name, l.first_name).to_lowercase() == wanted
        })
        .collect();
        match named.len() {
            1 => Ok(named.remove(0)),
            0 => Err(AppError::Refused(trainyard_core::refusal!(
                "refused-no-learner-named",
                "No learner is called {typed}.",
                typed = typed
            ))),
            n => Err(AppError::Refused(trainyard_core::refusal!(
                "refused-learners-named",
                "{n} learners are called {typed}: type the e-mail instead.",
                n = n,
                typed = typed
            ))),
        }
    }

    /// The learner's enrollments, latest session first; visible to whoever may see the learner.
    pub async fn enrollments(
        app: &App,
        caller: &Caller,
        id: i64,
    ) -> Result<Vec<trainyard_store::enrollments::Enrollment>, AppError> {
        get(app, caller, id).await?;
        let mut conn = app.store.read().await?;
        Ok(trainyard_store::enrollments::for_learner(&mut conn, id).await?)
    }
}
