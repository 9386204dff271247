//! Feedback surveys (issue 16 §1).
//!
//! * **Templates.** Questions of five kinds (rating 1–5, recommendation 0–10, one or several
//!   choices, free text), each about a topic (content, instructor, logistics, communication,
//!   materials, operations, overall). One default template per audience — learners, client
//!   contacts — is what invitations use; migration 0034 seeds both. Coordinators, managers and
//!   admins create, change and archive templates; a template that was sent keeps its questions.
//! * **Invitations.** When a session is marked delivered ([`invite_in`], in the transition's
//!   transaction), everyone who took part (booked, attended, completed or failed) and the client
//!   contacts of its client and of its learners' clients get one invitation each, queued through
//!   the outbox with a personal link `/survey/{secret}` that works without login. Only the
//!   secret's SHA-256 is stored.
//! * **Reminders.** The delivery worker's reminder job ([`enqueue_reminders`]) reminds once,
//!   [`REMINDER_AFTER_DAYS`] days later, whoever has not answered; the reminder carries a new
//!   link (its hash stored beside the first), and either link works.
//! * **Answering** ([`answer`]) is public, by the link: answers are checked first (a rating out
//!   of range is a 422 naming the question, nothing stored), then a guarded update marks the
//!   invitation answered as the transaction's first write, so the same link followed twice, even
//!   at the same moment, records one set of answers; the second is refused.
//! * **Results** ([`results`], [`session_results`]) per session, course, instructor, venue or
//!   client: invited, answered, response rate, per question the average (ratings), the Net
//!   Promoter Score (recommendations) or the count per option, and the free-text answers. Staff
//!   see all; an instructor only the sessions they teach; a client contact only their own
//!   people's answers; learners none.

use crate::error::About as _;
use crate::{App, AppError, Caller, now_ms};
use serde::{Deserialize, Serialize};
use serde_json::json;
use trainyard_core::Role;
use trainyard_core::survey::{
    self as rules, Audience, QuestionKind, QuestionSpec, RawAnswer, Topic,
};
use trainyard_store::Conn;
use trainyard_store::outbox::{self, NewMessage};
use trainyard_store::sessions;
use trainyard_store::surveys::{self as repo, Dimension, Scope, SurveyTemplate};

/// Days after the invitation when those who have not answered are reminded (once).
pub const REMINDER_AFTER_DAYS: i64 = 3;
/// Reminders queued per run at most.
pub const PER_RUN: i64 = 200;
const DAY: i64 = 86_400_000;

/// The public address of a survey link.
pub fn survey_url(app: &App, secret: &str) -> String {
    app.link(&format!("/survey/{secret}"))
}

/// A fresh link secret and its hash.
fn secret() -> Result<(String, String), AppError> {
    let s = crate::accounts::new_secret()?;
    let h = crate::accounts::secret_hash(&s);
    Ok((s, h))
}

/// The hash to look a link up by; `None` for something that cannot be a link (no lookup made).
fn link_hash(secret: &str) -> Option<String> {
    let s = secret.trim();
    (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| crate::accounts::secret_hash(&s.to_ascii_lowercase()))
}

// ------------------------------------------------------------------ templates

/// A template as sent to create or replace one.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TemplateInput {
    /// At most 200 characters.
    #[serde(default)]
    pub name: String,
    /// learner or client (required).
    #[serde(default)]
    pub audience: Option<Audience>,
    /// Make it the template invitations to its audience use.
    #[serde(default)]
    pub is_default: bool,
    /// 1 to 30 questions, in order.
    #[serde(default)]
    pub questions: Vec<QuestionSpec>,
}

/// The templates not archived. Staff.
pub async fn list_templates(app: &App, caller: &Caller) -> Result<Vec<SurveyTemplate>, AppError> {
    caller.require_staff("see survey templates")?;
    let mut conn = app.store.read().await?;
    Ok(repo::list_templates(&mut conn).await?)
}

/// One template. Staff.
pub async fn get_template(app: &App, caller: &Caller, id: i64) -> Result<SurveyTemplate, AppError> {
    caller.require_staff("see survey templates")?;
    let mut conn = app.store.read().await?;
    repo::get_template(&mut conn, id)
        .await
        .about("survey template")
}

/// The template's audience and questions, checked; every problem at once.
fn checked(input: &TemplateInput) -> Result<(Audience, Vec<QuestionSpec>), AppError> {
    let questions = rules::check_template(&input.name, &input.questions);
    match (input.audience, questions) {
        (Some(a), Ok(q)) => Ok((a, q)),
        (a, q) => {
            let mut inv = trainyard_core::Invalid::new();
            if a.is_none() {
                inv.add("audience", "say who answers it: learner or client");
            }
            if let Err(e) = q {
                inv.errors.extend(e.errors);
            }
            Err(inv.into())
        }
    }
}

/// Creates a template. Coordinators, managers and admins; audited.
pub async fn create_template(
    app: &App,
    caller: &Caller,
    input: &TemplateInput,
) -> Result<SurveyTemplate, AppError> {
    caller.require_operations("change survey templates")?;
    let (audience, questions) = checked(input)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let id = repo::insert_template(&mut tx, input.name.trim(), audience, &questions, now).await?;
    if input.is_default {
        repo::make_default(&mut tx, id, audience, now).await?;
    }
    let after = repo::get_template(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "survey_template.created",
        ("survey_template", id),
        None,
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Replaces a template's name, questions and default flag as read at `version`. A template that
/// was sent keeps its questions; its audience never changes; an audience always keeps a default
/// (make another one the default instead). Coordinators, managers and admins; audited.
pub async fn update_template(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    input: &TemplateInput,
) -> Result<SurveyTemplate, AppError> {
    caller.require_operations("change survey templates")?;
    let (audience, questions) = checked(input)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    // Write first: the template's row orders concurrent changes.
    repo::lock_template(&mut tx, id, version)
        .await
        .about("survey template")?;
    let before = repo::get_template(&mut tx, id).await?;
    if audience != before.audience {
        return Err(trainyard_core::Invalid::field(
            "audience",
            "a template's audience cannot change: create a new template",
        )
        .into());
    }
    let same: bool = before.questions.len() == questions.len()
        && before
            .questions
            .iter()
            .zip(&questions)
            .all(|(a, b)| a.spec() == *b);
    if before.in_use && !same {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-survey-template-sent",
            "This template was sent already: its questions can no longer change. Create a new template and make it the default."
        )));
    }
    if before.is_default && !input.is_default {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-survey-default-kept",
            "Every audience keeps a default template: make another template the default instead."
        )));
    }
    repo::update_template(
        &mut tx,
        id,
        input.name.trim(),
        (!same).then_some(&questions[..]),
        now,
    )
    .await?;
    if input.is_default && !before.is_default {
        repo::make_default(&mut tx, id, before.audience, now).await?;
    }
    let after = repo::get_template(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "survey_template.updated",
        ("survey_template", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Archives a template that is not a default. Coordinators, managers and admins; audited.
pub async fn archive_template(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
) -> Result<(), AppError> {
    caller.require_operations("change survey templates")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::lock_template(&mut tx, id, version)
        .await
        .about("survey template")?;
    let before = repo::get_template(&mut tx, id).await?;
    if before.is_default {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-survey-default-archive",
            "The default template cannot be archived: make another template the default first."
        )));
    }
    repo::archive_template(&mut tx, id, now).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "survey_template.archived",
        ("survey_template", id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------------ invitations

/// Invites everyone who took part in the session, and its clients' contacts, in the caller's
/// transaction (the session being marked delivered): one invitation per person, its e-mail
/// queued in the outbox. Returns how many were invited now (someone invited before is not
/// invited again).
pub(crate) async fn invite_in(
    app: &App,
    tx: &mut Conn,
    caller: &Caller,
    session_id: i64,
    now: i64,
) -> Result<usize, AppError> {
    let session = sessions::get(tx, session_id).await.about("session")?;
    let title = session
        .title
        .clone()
        .unwrap_or_else(|| session.course_title.clone());
    let mut templates = Vec::new();
    for a in Audience::ALL {
        if let Some(t) = repo::default_template(tx, *a).await? {
            templates.push((*a, t.id));
        }
    }
    let mut invited = 0;
    for who in repo::invitees(tx, session_id).await? {
        let Some((_, template)) = templates.iter().find(|(a, _)| *a == who.audience) else {
            continue;
        };
        let (secret, hash) = secret()?;
        let Some(id) = repo::insert_invitation(tx, session_id, *template, &who, &hash, now).await?
        else {
            continue;
        };
        let ctx = json!({
            "recipient_name": who.name,
            "learner_name": who.name,
            "course_title": title,
            "reference": session.reference,
            "survey_url": survey_url(app, &secret),
        });
        let (subject, body) = crate::messages::compose(tx, "survey_invitation", &ctx).await?;
        outbox::enqueue(
            tx,
            &NewMessage {
                kind: "survey_invitation",
                recipient: &who.email,
                subject: &subject,
                body: &body,
                entity_type: "session",
                entity_id: session_id,
                idempotency_key: &format!("survey-{id}"),
            },
            now,
        )
        .await?;
        invited += 1;
    }
    if invited > 0 {
        crate::audit::record(
            tx,
            caller,
            now,
            "session.survey_invited",
            ("session", session_id),
            None,
            Some(&json!({ "invited": invited })),
        )
        .await?;
    }
    Ok(invited)
}

/// Invites the people of a delivered or closed session that has no invitations yet (the demo,
/// and sessions delivered before surveys existed). Operations staff.
pub async fn invite(app: &App, caller: &Caller, session_id: i64) -> Result<usize, AppError> {
    caller.require_operations("send feedback surveys")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    sessions::touch(&mut tx, session_id)
        .await
        .about("session")?;
    let n = invite_in(app, &mut tx, caller, session_id, now).await?;
    tx.commit().await?;
    Ok(n)
}

/// Queues one reminder to each invitation not answered [`REMINDER_AFTER_DAYS`] days after it
/// was sent, exactly once (claimed by a guarded update). Safe from any number of workers.
/// Returns how many were queued and whether the bound was hit.
pub async fn enqueue_reminders(app: &App, now: i64) -> Result<(usize, bool), AppError> {
    let due = {
        let mut conn = app.store.read().await?;
        repo::reminders_due(&mut conn, now - REMINDER_AFTER_DAYS * DAY, PER_RUN).await?
    };
    let more = due.len() as i64 >= PER_RUN;
    let mut sent = 0;
    for d in due {
        let (secret, hash) = secret()?;
        let mut tx = app.store.write().await?;
        if !repo::claim_reminder(&mut tx, d.id, &hash, now).await? {
            tx.rollback().await?;
            continue;
        }
        let ctx = json!({
            "recipient_name": d.name,
            "learner_name": d.name,
            "course_title": d.course_title,
            "reference": d.session_reference,
            "survey_url": survey_url(app, &secret),
        });
        let (subject, body) = crate::messages::compose(&mut tx, "survey_reminder", &ctx).await?;
        outbox::enqueue(
            &mut tx,
            &NewMessage {
                kind: "survey_reminder",
                recipient: &d.email,
                subject: &subject,
                body: &body,
                entity_type: "session",
                entity_id: d.session_id,
                idempotency_key: &format!("survey-{}-reminder", d.id),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    Ok((sent, more))
}

// ------------------------------------------------------------------ answering (public)

/// A question as the respondent sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicQuestion {
    pub id: i64,
    pub kind: QuestionKind,
    pub topic: Topic,
    pub prompt: String,
    pub required: bool,
    pub options: Vec<String>,
}

/// What a personal survey link shows: the session it is about and the questions; nothing else.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicSurvey {
    /// The respondent's name, as invited.
    pub name: String,
    pub course_title: String,
    pub session_reference: String,
    pub audience: Audience,
    pub questions: Vec<PublicQuestion>,
}

async fn open_link(
    app: &App,
    secret: &str,
) -> Result<(repo::Invitation, SurveyTemplate), AppError> {
    let Some(hash) = link_hash(secret) else {
        return Err(AppError::NotFound("survey link"));
    };
    let mut conn = app.store.read().await?;
    let Some(inv) = repo::by_token(&mut conn, &hash).await? else {
        return Err(AppError::NotFound("survey link"));
    };
    if inv.answered_at.is_some() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-survey-answered",
            "This survey was already answered with this link. Thank you!"
        )));
    }
    let template = repo::get_template(&mut conn, inv.template_id).await?;
    Ok((inv, template))
}

/// The survey behind a personal link: "not found" for an unknown link, refused once answered.
pub async fn open(app: &App, secret: &str) -> Result<PublicSurvey, AppError> {
    let (inv, t) = open_link(app, secret).await?;
    Ok(PublicSurvey {
        name: inv.name,
        course_title: inv.course_title,
        session_reference: inv.session_reference,
        audience: inv.audience,
        questions: t
            .questions
            .into_iter()
            .map(|q| PublicQuestion {
                id: q.id,
                kind: q.kind,
                topic: q.topic,
                prompt: q.prompt,
                required: q.required,
                options: q.options,
            })
            .collect(),
    })
}

/// Records the answers given through a personal link, once: checked first (422 naming the
/// question, nothing stored), then the invitation is marked answered by a guarded update, the
/// transaction's first write; a second answer (also a concurrent one) is refused. Audited.
pub async fn answer(app: &App, secret: &str, answers: &[RawAnswer]) -> Result<(), AppError> {
    let (inv, t) = open_link(app, secret).await?;
    let questions: Vec<rules::Question> = t.questions.iter().map(|q| q.question()).collect();
    let rows = rules::check_answers(&questions, answers)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    if !repo::claim_answer(&mut tx, inv.id, now).await? {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-survey-answered",
            "This survey was already answered with this link. Thank you!"
        )));
    }
    repo::insert_answers(&mut tx, inv.id, &rows).await?;
    let mut respondent = Caller::system();
    respondent.name = format!("{} (survey link)", inv.name);
    respondent.role = match inv.audience {
        Audience::Learner => Role::Learner,
        Audience::Client => Role::ClientContact,
    };
    crate::audit::record(
        &mut tx,
        &respondent,
        now,
        "survey.answered",
        ("survey_invitation", inv.id),
        None,
        Some(&json!({ "session_id": inv.session_id, "answers": rows.len() })),
    )
    .await?;
    // The answer may reach a feedback-rate requirement of the session's checklist.
    crate::compliance::sync_in(&mut tx, Some(inv.session_id), now).await?;
    tx.commit().await?;
    Ok(())
}

// ------------------------------------------------------------------ results

/// How many chose one option.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OptionCount {
    pub option: String,
    pub count: i64,
}

/// The answers to one question in one group.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionResult {
    pub question_id: i64,
    pub prompt: String,
    pub kind: QuestionKind,
    pub topic: Topic,
    /// How many answered it (for a multiple choice: how many options were chosen in all).
    pub answers: i64,
    /// The mean of a rating (1–5) or recommendation (0–10).
    pub average: Option<f64>,
    /// Net Promoter Score of a recommendation question (−100 to 100).
    pub nps: Option<i64>,
    /// How many chose each option of a choice question.
    pub options: Vec<OptionCount>,
}

/// One free-text answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub question_id: i64,
    pub prompt: String,
    pub text: String,
    #[serde(serialize_with = "trainyard_store::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub answered_at: i64,
}

/// The results of one session, course, instructor, venue or client.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedbackGroup {
    /// The id of the session, course, instructor, venue or client (0: online / no client).
    pub id: i64,
    pub label: String,
    pub invited: i64,
    pub answered: i64,
    /// Answered ÷ invited, in percent.
    pub response_rate: Option<f64>,
    /// The mean of the operations questions' ratings (logistics, communication, materials,
    /// operations): client satisfaction (operations).
    pub operations_average: Option<f64>,
    pub questions: Vec<QuestionResult>,
    /// The free-text answers, newest first.
    pub comments: Vec<Comment>,
}

/// Feedback results grouped by one dimension.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedbackReport {
    pub by: Dimension,
    /// Sessions ending on or after this day (UTC).
    #[schema(format = Date)]
    pub from: Option<String>,
    /// Sessions ending on or before this day (UTC).
    #[schema(format = Date)]
    pub to: Option<String>,
    pub invited: i64,
    pub answered: i64,
    pub response_rate: Option<f64>,
    pub groups: Vec<FeedbackGroup>,
}

/// Who may see which answers: staff all; an instructor the sessions they teach; a client
/// contact their people's; nobody else any.
fn scope_for(caller: &Caller) -> Result<Scope, AppError> {
    let mut s = Scope::default();
    match caller.role {
        r if r.is_staff() => {}
        Role::Instructor => {
            s.instructor_id = Some(
                caller
                    .instructor_id
                    .ok_or_else(|| AppError::Forbidden("see feedback".into()))?,
            );
        }
        Role::ClientContact => {
            s.client_id = Some(
                caller
                    .client_id
                    .ok_or_else(|| AppError::Forbidden("see feedback".into()))?,
            );
        }
        _ => return Err(AppError::Forbidden("see feedback".into())),
    }
    Ok(s)
}

fn day_ms(name: &'static str, raw: &str, plus_days: i64) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let d =
        chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| AppError::BadParameter {
            name,
            message: format!(
                "'{}' is not a date (YYYY-MM-DD)",
                raw.chars().take(40).collect::<String>()
            ),
        })?;
    let d = d + chrono::Duration::days(plus_days);
    Ok(d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis()))
}

/// Builds the groups from the store's rows (the figures come from `trainyard_core::survey`).
fn assemble(
    counts: Vec<repo::GroupCount>,
    buckets: &[repo::Bucket],
    texts: &[repo::TextRow],
) -> Vec<FeedbackGroup> {
    counts
        .into_iter()
        .map(|g| {
            let mine: Vec<&repo::Bucket> = buckets.iter().filter(|b| b.key == g.key).collect();
            let mut qids: Vec<(i64, i64)> =
                mine.iter().map(|b| (b.position, b.question_id)).collect();
            qids.sort();
            qids.dedup();
            let mut ops: Vec<(i64, i64)> = Vec::new();
            let questions = qids
                .into_iter()
                .filter_map(|(_, qid)| {
                    let rows: Vec<&&repo::Bucket> =
                        mine.iter().filter(|b| b.question_id == qid).collect();
                    let first = rows.first()?;
                    let numbers: Vec<(i64, i64)> = rows
                        .iter()
                        .filter_map(|b| b.value.map(|v| (v, b.n)))
                        .collect();
                    if first.kind == QuestionKind::Rating && first.topic.is_operations() {
                        ops.extend(numbers.iter().copied());
                    }
                    let options = rows
                        .iter()
                        .filter_map(|b| {
                            b.choice
                                .clone()
                                .map(|option| OptionCount { option, count: b.n })
                        })
                        .collect();
                    Some(QuestionResult {
                        question_id: qid,
                        prompt: first.prompt.clone(),
                        kind: first.kind,
                        topic: first.topic,
                        answers: rows.iter().map(|b| b.n).sum(),
                        average: if first.kind.range().is_some() {
                            rules::average(&numbers)
                        } else {
                            None
                        },
                        nps: if first.kind == QuestionKind::Nps {
                            rules::nps(&numbers)
                        } else {
                            None
                        },
                        options,
                    })
                })
                .collect();
            FeedbackGroup {
                id: g.key,
                response_rate: rules::response_rate(g.answered, g.invited),
                operations_average: rules::average(&ops),
                label: g.label,
                invited: g.invited,
                answered: g.answered,
                questions,
                comments: texts
                    .iter()
                    .filter(|t| t.key == g.key)
                    .map(|t| Comment {
                        question_id: t.question_id,
                        prompt: t.prompt.clone(),
                        text: t.text.clone(),
                        answered_at: t.answered_at,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Feedback per `by` for the sessions ending between `from` and `to` (days, UTC, inclusive;
/// empty: open). Staff see all; an instructor the sessions they teach (by instructor: only
/// their own row); a client contact their people's answers; learners nothing.
pub async fn results(
    app: &App,
    caller: &Caller,
    by: Dimension,
    from: &str,
    to: &str,
) -> Result<FeedbackReport, AppError> {
    let mut scope = scope_for(caller)?;
    scope.from_ms = day_ms("from", from, 0)?;
    scope.to_ms = day_ms("to", to, 1)?;
    let mut conn = app.store.read().await?;
    let (counts, buckets, texts) = repo::result_rows(&mut conn, by, &scope).await?;
    // The totals count invitations once (by instructor, a session with two teaches twice).
    let totals = if by == Dimension::Instructor {
        repo::result_rows(
            &mut conn,
            Dimension::Session,
            &Scope {
                instructor_id: scope.instructor_id,
                ..scope.clone()
            },
        )
        .await?
        .0
    } else {
        counts.clone()
    };
    let invited = totals.iter().map(|g| g.invited).sum();
    let answered = totals.iter().map(|g| g.answered).sum();
    Ok(FeedbackReport {
        by,
        from: (!from.trim().is_empty()).then(|| from.trim().to_owned()),
        to: (!to.trim().is_empty()).then(|| to.trim().to_owned()),
        invited,
        answered,
        response_rate: rules::response_rate(answered, invited),
        groups: assemble(counts, &buckets, &texts),
    })
}

/// The feedback of one session. Staff; the instructors teaching it; a client contact (their
/// people's answers); anyone else "not found".
pub async fn session_results(
    app: &App,
    caller: &Caller,
    session_id: i64,
) -> Result<FeedbackGroup, AppError> {
    let mut scope = scope_for(caller)?;
    scope.session_id = Some(session_id);
    let mut conn = app.store.read().await?;
    let session = sessions::get(&mut conn, session_id)
        .await
        .about("session")?;
    if let Some(me) = scope.instructor_id
        && !repo::teaches(&mut conn, session_id, me).await?
    {
        return Err(AppError::NotFound("session"));
    }
    if let Some(client) = scope.client_id
        && session.client_id != Some(client)
    {
        // A public session: only if their people were invited to it.
        let (counts, _, _) = repo::result_rows(&mut conn, Dimension::Session, &scope).await?;
        if counts.is_empty() {
            return Err(AppError::NotFound("session"));
        }
    }
    let (counts, buckets, texts) = repo::result_rows(&mut conn, Dimension::Session, &scope).await?;
    Ok(assemble(counts, &buckets, &texts)
        .into_iter()
        .next()
        .unwrap_or(FeedbackGroup {
            id: session_id,
            label: session.reference,
            invited: 0,
            answered: 0,
            response_rate: None,
            operations_average: None,
            questions: Vec::new(),
            comments: Vec::new(),
        }))
}
