//! Certificates of completion (issue 16 §2) and their expiry (§3).
//!
//! * **Issue.** When an enrollment becomes `completed` on a course with a certificate name, its
//!   certificate is issued in the same transaction ([`issue_in`], called by the closing of the
//!   session). A coordinator may also issue one by hand for an attended or completed enrollment
//!   ([`issue`]). One certificate per enrollment. It copies what it says (learner, course,
//!   certificate name, lead instructor, dates) and gets a random 12-character verification code.
//! * **Verify.** Anyone with the code ([`verify`]) learns whether it is valid, expired or revoked,
//!   and only what the certificate says; an unknown code is "no certificate has this code".
//! * **Revoke.** Coordinators revoke with a reason ([`revoke`]); audited, and the verification
//!   page says so from then on.
//! * **Read.** Staff read every certificate; a learner only their own; a client contact only
//!   their people's. Anyone else's is "not found" (its existence is private).
//! * **Expiry.** [`enqueue_expiry_reminders`] (run with the session reminders by the delivery
//!   worker) e-mails learners at configurable days before expiry (default 90, 30, 7), exactly
//!   once per certificate and offset, claimed in `certificate_reminders`; it also e-mails the
//!   coordinators once about each instructor whose qualification runs out before a confirmed
//!   session they teach ([`qualification_alerts`] shows them on the dashboard).

use crate::error::About as _;
use crate::{App, AppError, Caller, now_ms};
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use trainyard_core::Role;
use trainyard_core::certificate::{self as rules, Standing};
use trainyard_core::status::{EnrollmentStatus, SessionStatus};
use trainyard_store::certificates::{
    self as repo, Certificate, CertificateFilter, NewCertificate, QualificationAlert,
};
use trainyard_store::outbox::{self, NewMessage};
use trainyard_store::{Conn, Page, assignments, courses, enrollments, learners, sessions};

/// Today (UTC) as the certificate rules judge it.
fn today() -> String {
    repo::today_utc()
}

fn new_code() -> Result<String, AppError> {
    let mut bytes = [0u8; rules::CODE_LEN];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::refused(format!("no randomness available: {e}")))?;
    Ok(rules::code_from_bytes(&bytes))
}

/// Whether `caller` may read `c`: staff, the learner it certifies, a contact of its client.
fn may_read(caller: &Caller, c: &Certificate) -> bool {
    caller.role.is_staff()
        || (caller.role == Role::Learner && caller.learner_id == Some(c.learner_id))
        || (caller.role == Role::ClientContact
            && c.client_id.is_some()
            && caller.client_id == c.client_id)
}

/// The certificate of `enrollment_id`, issued now in the caller's transaction, if its course
/// grants one and it has none yet: `Ok(None)` otherwise. Audited as `certificate.issued`.
pub(crate) async fn issue_in(
    tx: &mut Conn,
    caller: &Caller,
    enrollment_id: i64,
    now: i64,
) -> Result<Option<Certificate>, AppError> {
    issue_dated(tx, caller, enrollment_id, now, now).await
}

/// As [`issue_in`], dated `issued_at` (the demo dates its history's certificates by the end of
/// their sessions).
pub(crate) async fn issue_dated(
    tx: &mut Conn,
    caller: &Caller,
    enrollment_id: i64,
    issued_at: i64,
    now: i64,
) -> Result<Option<Certificate>, AppError> {
    if repo::for_enrollment(tx, enrollment_id).await?.is_some() {
        return Ok(None);
    }
    let e = enrollments::get(tx, enrollment_id)
        .await
        .about("enrollment")?;
    let session = sessions::get(tx, e.session_id).await.about("session")?;
    let course = courses::get(tx, session.course_id).await.about("course")?;
    let Some(name) = course
        .certificate_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    let learner = learners::get(tx, e.learner_id).await.about("learner")?;
    let teaching: Vec<assignments::Assignment> = assignments::for_session(tx, session.id)
        .await?
        .into_iter()
        .filter(|a| a.status.teaches())
        .collect();
    let instructor = teaching
        .iter()
        .find(|a| a.role == "lead")
        .or(teaching.first())
        .map(|a| a.instructor_name.clone())
        .unwrap_or_default();
    let zone = trainyard_core::TimeZoneName::parse_or_utc(&session.time_zone);
    let issued: NaiveDate = zone.local(issued_at).date_naive();
    let expires = rules::expires_on(issued, course.certificate_validity_months)?;
    let issued_on = issued.to_string();
    let expires_on = expires.map(|d| d.to_string());
    let learner_name = format!("{} {}", learner.first_name, learner.last_name)
        .trim()
        .to_owned();
    let mut id = None;
    // A code already taken (60 random bits: practically never) is drawn again.
    for _ in 0..5 {
        let code = new_code()?;
        id = repo::insert(
            tx,
            &NewCertificate {
                code: &code,
                enrollment_id: Some(e.id),
                learner_id: e.learner_id,
                course_id: course.id,
                session_id: Some(session.id),
                client_id: learner.client_id,
                learner_name: &learner_name,
                course_title: session.title.as_deref().unwrap_or(&course.title),
                certificate_name: name,
                instructor_name: &instructor,
                issued_on: &issued_on,
                expires_on: expires_on.as_deref(),
                issued_by: (caller.user_id != 0).then_some(caller.user_id),
            },
            now,
        )
        .await?;
        if id.is_some() {
            break;
        }
    }
    let Some(id) = id else {
        return Err(AppError::refused(
            "no free verification code was found; try again".into(),
        ));
    };
    let after = repo::get(tx, id).await?;
    crate::audit::record(
        tx,
        caller,
        now,
        "certificate.issued",
        ("certificate", id),
        None,
        Some(&after),
    )
    .await?;
    Ok(Some(after))
}

/// Issues the certificate of an attended or completed enrollment by hand. Coordinators,
/// managers and admins. Refused when the course grants no certificate or the enrollment already
/// has one.
pub async fn issue(
    app: &App,
    caller: &Caller,
    enrollment_id: i64,
) -> Result<Certificate, AppError> {
    caller.require_operations("issue certificates")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let e = enrollments::get(&mut tx, enrollment_id)
        .await
        .about("enrollment")?;
    // Write first: the session row orders concurrent issues for its enrollments.
    sessions::touch(&mut tx, e.session_id)
        .await
        .about("session")?;
    if let Some(c) = repo::for_enrollment(&mut tx, enrollment_id).await? {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-certificate-exists",
            "This enrollment already has its certificate ({code}).",
            code = rules::grouped(&c.code)
        )));
    }
    if !matches!(
        e.status,
        EnrollmentStatus::Attended | EnrollmentStatus::Completed
    ) {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-certificate-status",
            "A certificate is issued for an attended or completed enrollment; this one is {status}.",
            status = e.status.label().to_lowercase()
        )));
    }
    let session = sessions::get(&mut tx, e.session_id).await?;
    if session.status == SessionStatus::Cancelled {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-certificate-cancelled",
            "The session was cancelled: no certificate."
        )));
    }
    let Some(c) = issue_in(&mut tx, caller, enrollment_id, now).await? else {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-certificate-no-name",
            "{course} grants no certificate: give the course a certificate name first.",
            course = session.course_title
        )));
    };
    tx.commit().await?;
    Ok(c)
}

/// Revokes a certificate with a reason (required); audited. Coordinators, managers and admins.
pub async fn revoke(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    reason: &str,
) -> Result<Certificate, AppError> {
    caller.require_operations("revoke certificates")?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(
            trainyard_core::Invalid::field("reason", "say why the certificate is revoked").into(),
        );
    }
    if reason.chars().count() > 500 {
        return Err(trainyard_core::Invalid::field("reason", "at most 500 characters").into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let after = revoke_in(&mut tx, caller, id, version, reason, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// Revokes in the caller's transaction (the use case above, and the demo).
pub(crate) async fn revoke_in(
    tx: &mut Conn,
    caller: &Caller,
    id: i64,
    version: i64,
    reason: &str,
    now: i64,
) -> Result<Certificate, AppError> {
    repo::touch(tx, id).await.about("certificate")?;
    let before = repo::get(tx, id).await.about("certificate")?;
    if before.status == Standing::Revoked {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-certificate-revoked",
            "This certificate is already revoked."
        )));
    }
    repo::revoke(tx, id, version, reason, now)
        .await
        .about("certificate")?;
    let after = repo::get(tx, id).await?;
    crate::audit::record(
        tx,
        caller,
        now,
        "certificate.revoked",
        ("certificate", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// One certificate: staff, its learner, a contact of its client; anyone else "not found".
pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<Certificate, AppError> {
    if !caller.role.is_staff() && !matches!(caller.role, Role::Learner | Role::ClientContact) {
        return Err(AppError::Forbidden("see certificates".into()));
    }
    let mut conn = app.store.read().await?;
    let c = repo::get(&mut conn, id).await.about("certificate")?;
    if !may_read(caller, &c) {
        return Err(AppError::NotFound("certificate"));
    }
    Ok(c)
}

/// Certificates matching `f`: staff see all; a client contact their people's; a learner their own.
pub async fn list(
    app: &App,
    caller: &Caller,
    mut f: CertificateFilter,
) -> Result<Page<Certificate>, AppError> {
    match caller.role {
        r if r.is_staff() => {}
        Role::ClientContact => {
            let Some(client) = caller.client_id else {
                return Err(AppError::Forbidden("see certificates".into()));
            };
            f.client_id = Some(client);
        }
        Role::Learner => {
            let Some(me) = caller.learner_id else {
                return Err(AppError::Forbidden("see certificates".into()));
            };
            f.learner_id = Some(me);
        }
        _ => return Err(AppError::Forbidden("see certificates".into())),
    }
    let mut conn = app.store.read().await?;
    Ok(repo::list(&mut conn, &f, &today()).await?)
}

/// `expiring within N days` as the list's `expiring_before` date.
pub fn expiring_within(days: i64) -> Result<String, AppError> {
    if !(0..=3650).contains(&days) {
        return Err(AppError::BadParameter {
            name: "expiring",
            message: format!("{days} is not a number of days between 0 and 3650"),
        });
    }
    let today = trainyard_core::time::utc(now_ms()).date_naive();
    Ok((today + chrono::Duration::days(days)).to_string())
}

/// An enrollment of a learner that may get its certificate by hand.
#[derive(Debug, Clone, Serialize)]
pub struct Issuable {
    pub enrollment_id: i64,
    pub session_reference: String,
    pub course_title: String,
    pub status: EnrollmentStatus,
}

/// A learner's certificates, and (for those who may issue) the attended or completed
/// enrollments on certifying courses that have none yet.
pub struct LearnerCertificates {
    pub certificates: Vec<Certificate>,
    pub issuable: Vec<Issuable>,
}

pub async fn for_learner(
    app: &App,
    caller: &Caller,
    learner_id: i64,
) -> Result<LearnerCertificates, AppError> {
    let f = CertificateFilter {
        learner_id: Some(learner_id),
        list: trainyard_store::ListParams {
            sort: "issued".into(),
            dir: "desc".into(),
            per_page: 200,
            ..Default::default()
        },
        ..Default::default()
    };
    let certificates = list(app, caller, f).await?.items;
    let mut issuable = Vec::new();
    if caller.role.can_edit_operations() {
        let mut conn = app.store.read().await?;
        for e in enrollments::for_learner(&mut conn, learner_id).await? {
            if !matches!(
                e.status,
                EnrollmentStatus::Attended | EnrollmentStatus::Completed
            ) || certificates.iter().any(|c| c.enrollment_id == Some(e.id))
            {
                continue;
            }
            let s = sessions::get(&mut conn, e.session_id).await?;
            let course = courses::get(&mut conn, s.course_id).await?;
            if course
                .certificate_name
                .as_deref()
                .is_some_and(|n| !n.trim().is_empty())
            {
                issuable.push(Issuable {
                    enrollment_id: e.id,
                    session_reference: e.session_reference.clone(),
                    course_title: e.course_title.clone(),
                    status: e.status,
                });
            }
        }
    }
    Ok(LearnerCertificates {
        certificates,
        issuable,
    })
}

// ------------------------------------------------------------------ public verification

/// What the public verification of a code shows: only what the certificate says.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// The code as it is printed (groups of four).
    pub code: String,
    /// Valid, expired or revoked today.
    pub status: Standing,
    pub learner_name: String,
    pub course_title: String,
    pub certificate_name: String,
    #[schema(format = Date)]
    pub issued_on: String,
    /// The last day it is valid; `null` when it does not expire.
    #[schema(format = Date)]
    pub expires_on: Option<String>,
}

/// The certificate with this code, as anyone may see it; `None` when no certificate has it.
/// One lookup on the code's unique index (none at all for something that cannot be a code).
pub async fn verify(app: &App, code: &str) -> Result<Option<Verification>, AppError> {
    let Some(code) = rules::normalise_code(code) else {
        return Ok(None);
    };
    let mut conn = app.store.read().await?;
    let Some(v) = repo::verify(&mut conn, &code).await? else {
        return Ok(None);
    };
    Ok(Some(Verification {
        status: Standing::on(v.revoked, v.expires_on.as_deref(), &today()),
        code: rules::grouped(&v.code),
        learner_name: v.learner_name,
        course_title: v.course_title,
        certificate_name: v.certificate_name,
        issued_on: v.issued_on,
        expires_on: v.expires_on,
    }))
}

/// The public address of a code's verification page.
pub fn verify_url(app: &App, code: &str) -> String {
    app.link(&format!("/verify/{code}"))
}

/// A certificate with what its PDF needs besides.
pub struct Printable {
    pub certificate: Certificate,
    pub verify_url: String,
    pub company_name: String,
    /// The language it is printed in: the learner's (else their client's, the company's, English).
    pub language: trainyard_core::locale::LanguageTag,
}

pub async fn printable(app: &App, caller: &Caller, id: i64) -> Result<Printable, AppError> {
    let certificate = get(app, caller, id).await?;
    let mut conn = app.store.read().await?;
    let company_name = trainyard_store::templates::settings(&mut conn)
        .await?
        .company_name;
    let language = match trainyard_store::learners::get(&mut conn, certificate.learner_id).await {
        Ok(l) => crate::languages::of_learner(&mut conn, &l).await?,
        // The learner's record is gone: the company's language.
        Err(_) => crate::languages::of(&mut conn, None, None).await?,
    };
    Ok(Printable {
        verify_url: verify_url(app, &certificate.code),
        certificate,
        company_name,
        language,
    })
}

// ------------------------------------------------------------------ expiry

/// At most this many certificates per offset in one run.
pub const PER_RUN: i64 = 200;

/// When learners are reminded that a certificate expires.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExpiryReminders {
    /// Days before expiry, largest first (empty: none).
    pub days: Vec<i64>,
    /// The same in words: "90, 30, 7".
    pub text: String,
    /// Send it back when saving.
    pub version: i64,
}

fn days_text(days: &[i64]) -> String {
    days.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn read_reminders(conn: &mut Conn) -> Result<ExpiryReminders, AppError> {
    let (raw, version) = repo::reminder_days(conn).await?;
    let days = rules::parse_reminder_days(&raw).unwrap_or_else(|_| vec![90, 30, 7]);
    Ok(ExpiryReminders {
        text: days_text(&days),
        days,
        version,
    })
}

/// The days before expiry at which learners are reminded. Staff.
pub async fn get_reminders(app: &App, caller: &Caller) -> Result<ExpiryReminders, AppError> {
    caller.require_staff("see the certificate reminders")?;
    let mut conn = app.store.read().await?;
    read_reminders(&mut conn).await
}

/// The days before expiry at which learners are reminded, largest first.
pub async fn reminder_days(app: &App) -> Result<Vec<i64>, AppError> {
    let mut conn = app.store.read().await?;
    Ok(read_reminders(&mut conn).await?.days)
}

/// Saves the reminder days from words ("90, 30, 7"; empty: none) over the settings as read at
/// `version`. Admins and managers; audited.
pub async fn save_reminder_days(
    app: &App,
    caller: &Caller,
    raw: &str,
    version: i64,
) -> Result<ExpiryReminders, AppError> {
    caller.require(
        matches!(caller.role, Role::Admin | Role::Manager),
        "change the certificate reminders",
    )?;
    let days =
        rules::parse_reminder_days(raw).map_err(|e| trainyard_core::Invalid::field("days", e))?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let user = (caller.user_id != 0).then_some(caller.user_id);
    // Write first: the guarded update decides, then the before is what it replaced.
    let before = read_reminders(&mut tx).await?;
    repo::save_reminder_days(&mut tx, &days, version, user, now)
        .await
        .about("the certificate reminders")?;
    let after = read_reminders(&mut tx).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "settings.certificate_reminders",
        ("settings", 0),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// What one run of the expiry job queued.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExpiryReport {
    pub reminders: usize,
    pub qualification_alerts: usize,
    /// A query hit its bound: run again soon.
    pub more: bool,
}

/// Queues the expiry reminders due on the day of `now`, once per certificate and offset, and
/// tells the coordinators once about each expiring instructor qualification. Safe to run from
/// any number of processes at once.
pub async fn enqueue_expiry_reminders(app: &App, now: i64) -> Result<ExpiryReport, AppError> {
    let days = reminder_days(app).await?;
    let today = trainyard_core::time::utc(now).date_naive();
    let mut report = ExpiryReport::default();
    for (offset, lower) in rules::reminder_windows(&days) {
        let after = (today + chrono::Duration::days(lower)).to_string();
        let until = (today + chrono::Duration::days(offset)).to_string();
        let due = {
            let mut conn = app.store.read().await?;
            repo::reminders_due(&mut conn, &after, &until, offset, PER_RUN).await?
        };
        report.more |= due.len() as i64 >= PER_RUN;
        for d in due {
            let mut tx = app.store.write().await?;
            // Write first: the claim decides which run sends it.
            if !repo::claim_reminder(&mut tx, d.certificate_id, offset, now).await? {
                tx.rollback().await?;
                continue;
            }
            // In the learner's language (theirs, their client's, the company's; English when
            // the event has no wording in it), the expiry date written its way.
            let learner = trainyard_store::learners::get(&mut tx, d.learner_id).await?;
            let language = crate::languages::of_learner(&mut tx, &learner).await?;
            let wording =
                crate::messages::wording_in(&mut tx, "certificate_expiring", &language).await?;
            let expires = match chrono::NaiveDate::parse_from_str(&d.expires_on, "%Y-%m-%d") {
                Ok(day) if wording.language() != "en" => wording.locale().date(day),
                _ => d.expires_on.clone(),
            };
            let ctx = json!({
                "recipient_name": d.learner_name,
                "learner_name": d.learner_name,
                "certificate_name": d.certificate_name,
                "course_title": d.course_title,
                "expires": expires,
                "days": offset,
                "verify_url": verify_url(app, &d.code),
            });
            let (subject, body) = wording.compose(&ctx);
            outbox::enqueue(
                &mut tx,
                &NewMessage {
                    kind: "certificate_expiring",
                    recipient: &d.email,
                    subject: &subject,
                    body: &body,
                    entity_type: "certificate",
                    entity_id: d.certificate_id,
                    idempotency_key: &format!("certificate-{}-{offset}d", d.certificate_id),
                },
                now,
            )
            .await?;
            tx.commit().await?;
            report.reminders += 1;
        }
    }
    let alerts = {
        let mut conn = app.store.read().await?;
        repo::qualification_alerts(&mut conn, now, PER_RUN).await?
    };
    for a in alerts {
        let mut tx = app.store.write().await?;
        if !repo::claim_qualification_alert(&mut tx, &a, now).await? {
            tx.rollback().await?;
            continue;
        }
        let zone = trainyard_core::TimeZoneName::utc();
        for (email, name) in repo::coordinator_emails(&mut tx).await? {
            let ctx = json!({
                "recipient_name": name,
                "instructor_name": a.instructor_name,
                "course_title": a.course_title,
                "reference": a.session_reference,
                "starts": zone.display(a.starts_at),
                "expires": zone.local(a.expires_at - 1).format("%a %-d %b %Y").to_string(),
                "session_url": app.link(&format!("/sessions/{}", a.session_id)),
            });
            let (subject, body) =
                crate::messages::compose(&mut tx, "qualification_expiring", &ctx).await?;
            outbox::enqueue(
                &mut tx,
                &NewMessage {
                    kind: "qualification_expiring",
                    recipient: &email,
                    subject: &subject,
                    body: &body,
                    entity_type: "session",
                    entity_id: a.session_id,
                    idempotency_key: &format!(
                        "qualification-s{}-i{}-{}-{email}",
                        a.session_id, a.instructor_id, a.expires_at
                    ),
                },
                now,
            )
            .await?;
        }
        tx.commit().await?;
        report.qualification_alerts += 1;
    }
    if report.reminders + report.qualification_alerts > 0 {
        tracing::info!(
            reminders = report.reminders,
            alerts = report.qualification_alerts,
            "certificate expiry reminders and qualification alerts queued"
        );
    }
    Ok(report)
}

/// Instructors whose qualification for a confirmed session's course runs out before it ends,
/// soonest session first: the dashboard's alert. Operations staff.
pub async fn qualification_alerts(
    app: &App,
    caller: &Caller,
) -> Result<Vec<QualificationAlert>, AppError> {
    caller.require_staff("see qualification alerts")?;
    let mut conn = app.store.read().await?;
    Ok(repo::qualification_alerts(&mut conn, now_ms(), 50).await?)
}
