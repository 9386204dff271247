//! LMS hand-off with xAPI (issue 18 §4): statements to a Learning Record Store, and e-learning
//! prerequisites read back from it.
//!
//! # Statements out
//!
//! The LRS is an endpoint of the webhook machinery (kind `xapi`, [`KIND`]). When a learner
//! attends, completes or fails a session, or is certified (the audited actions
//! `enrollment.attended`, `enrollment.completed`, `enrollment.failed`, `certificate.issued`;
//! [`trainyard_core::xapi::verb_of`]), [`crate::audit::record`] calls [`emit`] in the change's
//! transaction, which queues one statement as a delivery of the LRS endpoint. The webhook workers
//! send it (`PUT …/statements?statementId=…` with basic auth and `X-Experience-API-Version`),
//! in order, with their retries and backoff, attempt log and turning off after a run of failures.
//! The statement id is derived from the installation, the verb and the enrollment, so the same
//! event is queued once (a unique index) and a retry is the same statement to the LRS, which
//! keeps one per id.
//!
//! # Completions in
//!
//! A course may name e-learning activities to be done first. [`check_readiness`] (the button on
//! a session's enrollments, and [`check_upcoming`], run by the delivery worker for sessions in the
//! next two weeks) asks the LRS for each learner's statements (by agent, the one filter every
//! LRS implements alike) and marks the enrollment ready when every activity shows completed or
//! passed.

use crate::error::About as _;
use crate::{App, AppError, Caller, now_ms};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::time::Duration;
use trainyard_core::Invalid;
use trainyard_core::status::EnrollmentStatus;
use trainyard_core::xapi::{self as rules, LrsFields, ReadStatement, Verb};
use trainyard_store::enrollments::Enrollment;
use trainyard_store::webhooks::{Claimed, Delivery, DeliveryFilter};
use trainyard_store::xapi::{self as repo, CoursePrerequisites, Lrs};
use trainyard_store::{Conn, Page, courses, enrollments, sessions};

/// The kind of webhook endpoint that is the Learning Record Store.
pub const KIND: &str = "xapi";

fn uuid_of(seed: &str) -> String {
    rules::uuid_from_digest(&Sha256::digest(seed.as_bytes())[..])
}

/// The statement id of `verb` about `enrollment_id` for an LRS whose activities are under
/// `activity_base`.
pub fn statement_id(activity_base: &str, verb: Verb, enrollment_id: i64) -> String {
    uuid_of(&rules::statement_seed(activity_base, verb, enrollment_id))
}

// ------------------------------------------------------------------ statements out

/// Queues the statement an audited change makes, in the change's transaction: nothing for other
/// actions, when no LRS is on, or for a learner without an e-mail address.
pub(crate) async fn emit(
    conn: &mut Conn,
    now: i64,
    action: &str,
    (entity_type, id): (&str, i64),
    after: Option<&serde_json::Value>,
) -> Result<(), AppError> {
    let Some(verb) = rules::verb_of(action) else {
        return Ok(());
    };
    let enrollment_id = match entity_type {
        "enrollment" => Some(id),
        _ => after
            .and_then(|a| a.get("enrollment_id"))
            .and_then(serde_json::Value::as_i64),
    };
    let Some(enrollment_id) = enrollment_id else {
        return Ok(());
    };
    let Some((lrs, base)) = repo::enabled_lrs(conn).await? else {
        return Ok(());
    };
    let base_url = base.as_str();
    let facts = repo::facts(conn, enrollment_id).await?;
    let id = uuid_of(&rules::statement_seed(base_url, verb, enrollment_id));
    let registration = uuid_of(&rules::registration_seed(base_url, enrollment_id));
    let Some(statement) = rules::statement(
        &facts,
        verb,
        base_url,
        id.clone(),
        registration,
        trainyard_core::time::rfc3339(now),
    ) else {
        return Ok(());
    };
    let payload = serde_json::to_string(&statement)
        .map_err(|e| AppError::refused(format!("the statement could not be written: {e}")))?;
    repo::enqueue_statement(conn, lrs, &id, verb.as_str(), &payload, now).await?;
    Ok(())
}

/// The request that sends one statement to the LRS `ep`.
pub(crate) fn statement_request(
    client: &reqwest::Client,
    ep: &Claimed,
    statement_id: &str,
    payload: &str,
) -> reqwest::RequestBuilder {
    client
        .put(format!("{}/statements", ep.url.trim_end_matches('/')))
        .query(&[("statementId", statement_id)])
        .basic_auth(ep.auth_key.as_deref().unwrap_or_default(), Some(&ep.secret))
        .header("x-experience-api-version", rules::VERSION)
        .header("content-type", "application/json")
        .body(payload.to_owned())
}

// ------------------------------------------------------------------ settings

fn require_admin(caller: &Caller) -> Result<(), AppError> {
    caller.require(
        caller.role.can_administer(),
        "configure the Learning Record Store",
    )
}

/// The configured LRS (never its secret), if any. Admins.
pub async fn get_lrs(app: &App, caller: &Caller) -> Result<Option<Lrs>, AppError> {
    require_admin(caller)?;
    let mut conn = app.store.read().await?;
    Ok(repo::lrs(&mut conn).await?)
}

/// Configures the LRS: the first time (a secret is required), or changes it from `version` (a
/// blank secret keeps the stored one; stale: 409). Admins; audited without the secret.
pub async fn save_lrs(
    app: &App,
    caller: &Caller,
    version: Option<i64>,
    fields: &LrsFields,
) -> Result<Lrs, AppError> {
    require_admin(caller)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::lrs(&mut tx).await?;
    let input = fields.validate(before.is_some())?;
    let id = match &before {
        None => {
            let secret = input.secret.clone().unwrap_or_default();
            let base = app.settings.public_url.trim_end_matches('/');
            repo::insert_lrs(&mut tx, &input, &secret, base, now).await?
        }
        Some(b) => {
            let version = version.unwrap_or(b.version);
            repo::update_lrs(&mut tx, b.id, version, &input, now)
                .await
                .map_err(|e| match e {
                    trainyard_store::StoreError::Stale { .. } => {
                        AppError::Stale("the LRS settings")
                    }
                    other => other.into(),
                })?;
            b.id
        }
    };
    let after = repo::lrs(&mut tx)
        .await?
        .ok_or(AppError::NotFound("the LRS settings"))?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        if before.is_some() {
            "lrs.updated"
        } else {
            "lrs.configured"
        },
        ("lrs", id),
        before.as_ref(),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The statements queued for the LRS and what became of them, newest first. Admins.
pub async fn list_statements(
    app: &App,
    caller: &Caller,
    f: &DeliveryFilter,
) -> Result<Page<Delivery>, AppError> {
    require_admin(caller)?;
    let mut conn = app.store.read().await?;
    let Some(lrs) = repo::lrs(&mut conn).await? else {
        return Err(AppError::NotFound("the LRS settings"));
    };
    Ok(trainyard_store::webhooks::deliveries(&mut conn, lrs.id, f).await?)
}

// ------------------------------------------------------------------ prerequisites

/// A course's e-learning prerequisites. Staff.
pub async fn prerequisites(
    app: &App,
    caller: &Caller,
    course_id: i64,
) -> Result<Vec<String>, AppError> {
    caller.require(caller.role.is_staff(), "see prerequisites")?;
    let mut conn = app.store.read().await?;
    courses::get(&mut conn, course_id).await.about("course")?;
    Ok(repo::prerequisites(&mut conn, course_id).await?)
}

/// Every course with prerequisites. Staff.
pub async fn all_prerequisites(
    app: &App,
    caller: &Caller,
) -> Result<Vec<CoursePrerequisites>, AppError> {
    caller.require(caller.role.is_staff(), "see prerequisites")?;
    let mut conn = app.store.read().await?;
    Ok(repo::courses_with_prerequisites(&mut conn).await?)
}

/// Replaces a course's prerequisites with the activity ids in `text` (one per line or space
/// separated). Coordinators, managers and admins; audited.
pub async fn set_prerequisites(
    app: &App,
    caller: &Caller,
    course_id: i64,
    text: &str,
) -> Result<Vec<String>, AppError> {
    caller.require_operations("change prerequisites")?;
    let ids = rules::activity_ids(text)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    courses::get(&mut tx, course_id).await.about("course")?;
    let before = repo::prerequisites(&mut tx, course_id).await?;
    repo::set_prerequisites(&mut tx, course_id, &ids).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "course.prerequisites_set",
        ("course", course_id),
        Some(&before),
        Some(&ids),
    )
    .await?;
    tx.commit().await?;
    Ok(ids)
}

// ------------------------------------------------------------------ readiness

/// What a readiness check found.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReadinessReport {
    pub session_id: i64,
    /// The course's e-learning prerequisites (activity ids).
    pub activity_ids: Vec<String>,
    /// Enrollments checked (booked, requested and waitlisted).
    pub checked: usize,
    /// Enrollments whose learner has done every prerequisite.
    pub ready: Vec<i64>,
    /// Enrollments whose learner has not (yet).
    pub not_ready: Vec<i64>,
}

const LRS_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the delivery worker runs the readiness job ([`check_upcoming`]).
pub const READINESS_EVERY: Duration = Duration::from_secs(15 * 60);
/// Pages of statements read per learner at most (the LRS pages with `more`).
const MAX_PAGES: usize = 20;

/// A learner's statements, read from the LRS by agent.
async fn statements_of(
    client: &reqwest::Client,
    (url, key, secret): &(String, String, String),
    email: &str,
) -> Result<Vec<ReadStatement>, AppError> {
    let unreachable = |e: String| AppError::refused(format!("The LRS could not be read: {e}"));
    let base = url.trim_end_matches('/');
    // `more` is a path on the LRS's own host; the base has it as its scheme and authority.
    let origin: String = {
        let after_scheme = base.find("://").map_or(0, |i| i + 3);
        let end = base[after_scheme..]
            .find('/')
            .map_or(base.len(), |i| after_scheme + i);
        base[..end].to_owned()
    };
    let agent = serde_json::json!({ "mbox": format!("mailto:{}", email.trim()) }).to_string();
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let req = match &next {
            None => client
                .get(format!("{base}/statements"))
                .query(&[("agent", agent.as_str()), ("limit", "500")]),
            Some(more) if more.starts_with("http") => client.get(more),
            Some(more) => client.get(format!("{origin}{more}")),
        };
        let resp = req
            .basic_auth(key, Some(secret))
            .header("x-experience-api-version", rules::VERSION)
            .send()
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(unreachable(format!("it answered {}", resp.status())));
        }
        let body: serde_json::Value = resp
            .json()
            .await
            .map_err(|e| unreachable(format!("its answer is not a statement result: {e}")))?;
        for s in body
            .get("statements")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
        {
            let text = |p: &[&str]| {
                p.iter()
                    .try_fold(s, |v, k| v.get(k))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            };
            out.push(ReadStatement {
                actor_mbox: text(&["actor", "mbox"]),
                verb: text(&["verb", "id"]).unwrap_or_default(),
                object_id: text(&["object", "id"]).unwrap_or_default(),
            });
        }
        next = body
            .get("more")
            .and_then(serde_json::Value::as_str)
            .filter(|m| !m.is_empty())
            .map(str::to_owned);
        if next.is_none() {
            break;
        }
    }
    Ok(out)
}

/// Asks the LRS which learners of the session have done the course's e-learning prerequisites
/// and marks their enrollments ready (or not). Operations staff; audited. Refused without an LRS
/// that is on, or when the course has no prerequisites.
pub async fn check_readiness(
    app: &App,
    caller: &Caller,
    session_id: i64,
) -> Result<ReadinessReport, AppError> {
    caller.require_operations("check readiness")?;
    check_session(app, caller, session_id).await
}

async fn check_session(
    app: &App,
    caller: &Caller,
    session_id: i64,
) -> Result<ReadinessReport, AppError> {
    let (reader, activity_ids, learners) = {
        let mut conn = app.store.read().await?;
        let session = sessions::get(&mut conn, session_id)
            .await
            .about("session")?;
        let Some(reader) = repo::reader(&mut conn).await? else {
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-lrs-off",
                "No Learning Record Store is configured and on."
            )));
        };
        let activity_ids = repo::prerequisites(&mut conn, session.course_id).await?;
        if activity_ids.is_empty() {
            return Err(AppError::Refused(trainyard_core::refusal!(
                "refused-lrs-no-prerequisites",
                "The course has no e-learning prerequisites to check."
            )));
        }
        let learners: Vec<(i64, String)> = enrollments::for_session(&mut conn, session_id)
            .await?
            .into_iter()
            .filter(|e| {
                matches!(
                    e.status,
                    EnrollmentStatus::Booked
                        | EnrollmentStatus::Requested
                        | EnrollmentStatus::Waitlisted
                )
            })
            .map(|e| (e.id, e.learner_email))
            .collect();
        (reader, activity_ids, learners)
    };
    let client = crate::http::client(&app.settings.extra_roots)?
        .timeout(LRS_TIMEOUT)
        .connect_timeout(LRS_TIMEOUT)
        .user_agent(concat!("Trainyard-xAPI/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| AppError::refused(format!("the LRS HTTP client: {e}")))?;
    let mut ready = Vec::new();
    let mut not_ready = Vec::new();
    for (enrollment_id, email) in &learners {
        let done = if email.trim().is_empty() {
            0
        } else {
            let read = statements_of(&client, &reader, email).await?;
            rules::done_activities(&activity_ids, email, &read).len()
        };
        if done == activity_ids.len() {
            ready.push(*enrollment_id);
        } else {
            not_ready.push(*enrollment_id);
        }
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    for id in &ready {
        repo::set_readiness(&mut tx, *id, true, now).await?;
    }
    for id in &not_ready {
        repo::set_readiness(&mut tx, *id, false, now).await?;
    }
    let report = ReadinessReport {
        session_id,
        activity_ids,
        checked: learners.len(),
        ready,
        not_ready,
    };
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.readiness_checked",
        ("session", session_id),
        None,
        Some(&report),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// The readiness job as the delivery workers run it: only the process that claims the run due
/// at `now` checks (every `serve` process has a worker; the LRS is asked once). `None` when
/// another process has it.
pub async fn run_readiness_job(app: &App, now: i64, days: i64) -> Result<Option<usize>, AppError> {
    let mut tx = app.store.write().await?;
    let every = READINESS_EVERY.as_millis() as i64;
    // A little before the timer, so the claiming process's next turn finds it due.
    let claimed =
        trainyard_store::job_runs::claim(&mut tx, "readiness", now, now + every - 60_000).await?;
    tx.commit().await?;
    if !claimed {
        return Ok(None);
    }
    Ok(Some(check_upcoming(app, now, days).await?))
}

/// The readiness job: checks every session starting within the next `days` whose course has
/// prerequisites, when an LRS is on. Returns how many sessions were checked; a session the LRS
/// could not answer for is left for the next run.
pub async fn check_upcoming(app: &App, now: i64, days: i64) -> Result<usize, AppError> {
    let sessions = {
        let mut conn = app.store.read().await?;
        if repo::reader(&mut conn).await?.is_none() {
            return Ok(0);
        }
        repo::sessions_to_check(&mut conn, now, now + days * 86_400_000).await?
    };
    let mut checked = 0;
    for id in sessions {
        match check_session(app, &Caller::system(), id).await {
            Ok(_) => checked += 1,
            Err(e) => tracing::warn!(session = id, error = %e, "readiness check"),
        }
    }
    Ok(checked)
}

/// The demo company's LRS, turned off (the address is made up), and the e-learning its first
/// course expects, so the pages have something to show. In the seeding transaction.
pub(crate) async fn seed_demo(
    conn: &mut Conn,
    caller: &Caller,
    now: i64,
    public_url: &str,
    course_ids: &[i64],
) -> Result<(), AppError> {
    let input = LrsFields {
        url: "https://lrs.northwind-training.example/xAPI".into(),
        key: "trainyard".into(),
        secret: "demo-secret-turn-it-on-with-a-real-one".into(),
        enabled: false,
    }
    .validate(false)?;
    let secret = input.secret.clone().unwrap_or_default();
    let id = repo::insert_lrs(conn, &input, &secret, public_url.trim_end_matches('/'), now).await?;
    let after = repo::lrs(conn).await?;
    crate::audit::record(
        conn,
        caller,
        now,
        "lrs.configured",
        ("lrs", id),
        None,
        after.as_ref(),
    )
    .await?;
    if let Some(course) = course_ids.first() {
        let ids = vec![
            "https://lms.northwind-training.example/activities/safety-basics".to_owned(),
            "https://lms.northwind-training.example/activities/safety-basics-quiz".to_owned(),
        ];
        repo::set_prerequisites(conn, *course, &ids).await?;
    }
    Ok(())
}

/// Keeps the enrollments that are ready (`Some(true)`), not ready (`Some(false)`), or all.
pub fn by_readiness(list: Vec<Enrollment>, ready: Option<bool>) -> Vec<Enrollment> {
    match ready {
        None => list,
        Some(r) => list
            .into_iter()
            .filter(|e| e.ready_at.is_some() == r)
            .collect(),
    }
}

/// Parses a readiness filter: `yes`/`true`, `no`/`false`, or empty for all.
pub fn readiness_filter(raw: &str) -> Result<Option<bool>, AppError> {
    match raw.trim() {
        "" => Ok(None),
        "yes" | "true" => Ok(Some(true)),
        "no" | "false" => Ok(Some(false)),
        other => Err(Invalid::field(
            "ready",
            format!("'{other}' is not a readiness filter: use true or false"),
        )
        .into()),
    }
}
