//! Feedback surveys (issue 16 §1): templates and their questions, one invitation per person per
//! session (only the SHA-256 of the personal link's secret is stored, as for account tokens),
//! answers, and the rows the results are computed from — one grouped query per family (counts,
//! answer histograms, free text) for any dimension, never one per session.

use crate::row::{Col, Sql, fetch_all};
use crate::{Conn, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::survey::{Audience, Question, QuestionKind, QuestionSpec, Topic};

// ------------------------------------------------------------------ templates

/// A question of a stored template.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredQuestion {
    pub id: i64,
    pub position: i64,
    pub kind: QuestionKind,
    pub topic: Topic,
    pub prompt: String,
    pub required: bool,
    /// The options of a choice question, in order.
    pub options: Vec<String>,
}

impl StoredQuestion {
    pub fn spec(&self) -> QuestionSpec {
        QuestionSpec {
            kind: self.kind,
            topic: self.topic,
            prompt: self.prompt.clone(),
            required: self.required,
            options: self.options.clone(),
        }
    }

    pub fn question(&self) -> Question {
        Question {
            id: self.id,
            spec: self.spec(),
        }
    }
}

/// A survey template with its questions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyTemplate {
    pub id: i64,
    pub name: String,
    /// Learners, or client contacts.
    pub audience: Audience,
    /// The template invitations to this audience use (one per audience).
    pub is_default: bool,
    /// Invitations were sent with it: its questions no longer change.
    pub in_use: bool,
    pub questions: Vec<StoredQuestion>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    /// Send it back when changing it.
    pub version: i64,
}

fn decode<T>(r: Result<T, String>) -> Result<T, sqlx::Error> {
    r.map_err(|e| sqlx::Error::Decode(e.into()))
}

fn question_row(r: &AnyRow) -> Result<(i64, StoredQuestion), sqlx::Error> {
    let options = r.s("options")?;
    Ok((
        r.i("template_id")?,
        StoredQuestion {
            id: r.i("id")?,
            position: r.i("position")?,
            kind: decode(QuestionKind::parse(&r.s("kind")?))?,
            topic: decode(Topic::parse(&r.s("topic")?))?,
            prompt: r.s("prompt")?,
            required: r.b("required")?,
            options: options
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect(),
        },
    ))
}

fn template_row(r: &AnyRow) -> Result<SurveyTemplate, sqlx::Error> {
    Ok(SurveyTemplate {
        id: r.i("id")?,
        name: r.s("name")?,
        audience: decode(Audience::parse(&r.s("audience")?))?,
        is_default: r.b("is_default")?,
        in_use: r.b("in_use")?,
        questions: Vec::new(),
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        version: r.i("version")?,
    })
}

const TEMPLATE_COLUMNS: &str = "SELECT t.id, t.name, t.audience, t.is_default, t.created_at, t.updated_at, t.version, \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM survey_invitations i WHERE i.template_id = t.id) THEN 1 ELSE 0 END AS BIGINT) AS in_use \
     FROM survey_templates t";

async fn with_questions(
    conn: &mut Conn,
    mut templates: Vec<SurveyTemplate>,
) -> Result<Vec<SurveyTemplate>, StoreError> {
    if templates.is_empty() {
        return Ok(templates);
    }
    let mut q = Sql::new(
        "SELECT id, template_id, position, kind, topic, prompt, required, options FROM survey_questions WHERE template_id IN (",
    );
    for (i, t) in templates.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.int(t.id);
    }
    q.push(") ORDER BY template_id, position, id");
    let rows = fetch_all(conn, q.query(), question_row).await?;
    for (tid, question) in rows {
        if let Some(t) = templates.iter_mut().find(|t| t.id == tid) {
            t.questions.push(question);
        }
    }
    Ok(templates)
}

/// The templates not archived, defaults first (at most 200).
pub async fn list_templates(conn: &mut Conn) -> Result<Vec<SurveyTemplate>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{TEMPLATE_COLUMNS} WHERE t.archived_at IS NULL ORDER BY t.is_default DESC, t.audience, t.name, t.id LIMIT 200"
    )));
    let ts = fetch_all(conn, q, template_row).await?;
    with_questions(conn, ts).await
}

/// A template (also an archived one: answers given with it still read).
pub async fn get_template(conn: &mut Conn, id: i64) -> Result<SurveyTemplate, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{TEMPLATE_COLUMNS} WHERE t.id = $1"
    )))
    .bind(id);
    let ts = fetch_all(conn, q, template_row).await?;
    with_questions(conn, ts)
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)
}

/// The default template of an audience, if it has one.
pub async fn default_template(
    conn: &mut Conn,
    audience: Audience,
) -> Result<Option<SurveyTemplate>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{TEMPLATE_COLUMNS} WHERE t.audience = $1 AND t.is_default = 1 AND t.archived_at IS NULL"
    )))
    .bind(audience.as_str());
    let ts = fetch_all(conn, q, template_row).await?;
    Ok(with_questions(conn, ts).await?.into_iter().next())
}

/// Inserts a template (not default: see [`make_default`]) with its questions.
pub async fn insert_template(
    conn: &mut Conn,
    name: &str,
    audience: Audience,
    questions: &[QuestionSpec],
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO survey_templates (name, audience, is_default, created_at, updated_at) \
         VALUES ($1, $2, 0, $3, $3) RETURNING id",
    )
    .bind(name.to_owned())
    .bind(audience.as_str())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let id = r.i("id")?;
    insert_questions(conn, id, questions).await?;
    Ok(id)
}

async fn insert_questions(
    conn: &mut Conn,
    template_id: i64,
    questions: &[QuestionSpec],
) -> Result<(), StoreError> {
    if questions.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(
        "INSERT INTO survey_questions (template_id, position, kind, topic, prompt, required, options) VALUES ",
    );
    for (i, s) in questions.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push("(")
            .int(template_id)
            .push(", ")
            .int(i as i64 + 1)
            .push(", ")
            .text(s.kind.as_str())
            .push(", ")
            .text(s.topic.as_str())
            .push(", ")
            .text(&s.prompt)
            .push(", ")
            .int(i64::from(s.required))
            .push(", ")
            .text(&s.options.join("\n"))
            .push(")");
    }
    q.query().execute(&mut *conn).await?;
    Ok(())
}

/// Takes the template's row (write first) and checks it is at `version`: `Stale` otherwise.
pub async fn lock_template(conn: &mut Conn, id: i64, version: i64) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE survey_templates SET version = version WHERE id = $1 AND archived_at IS NULL",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let r = sqlx::query("SELECT version FROM survey_templates WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    if r.i("version")? != version {
        return Err(StoreError::Stale { expected: version });
    }
    Ok(())
}

/// Renames the template and, when `questions` is given, replaces its questions (only for a
/// template without invitations: the caller checks).
pub async fn update_template(
    conn: &mut Conn,
    id: i64,
    name: &str,
    questions: Option<&[QuestionSpec]>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE survey_templates SET name = $1, updated_at = $2, version = version + 1 WHERE id = $3",
    )
    .bind(name.to_owned())
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if let Some(qs) = questions {
        sqlx::query("DELETE FROM survey_questions WHERE template_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        insert_questions(conn, id, qs).await?;
    }
    Ok(())
}

/// Makes the template its audience's default (the previous default stops being one).
pub async fn make_default(
    conn: &mut Conn,
    id: i64,
    audience: Audience,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE survey_templates SET is_default = 0, updated_at = $1, version = version + 1 \
         WHERE audience = $2 AND is_default = 1 AND id <> $3",
    )
    .bind(now)
    .bind(audience.as_str())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE survey_templates SET is_default = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn archive_template(conn: &mut Conn, id: i64, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE survey_templates SET archived_at = $1, updated_at = $1, version = version + 1 WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ invitations

/// Someone a session's survey goes to.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub audience: Audience,
    /// `l{learner id}` or `u{user id}`: one invitation per person per session.
    pub person_key: String,
    pub learner_id: Option<i64>,
    pub user_id: Option<i64>,
    pub client_id: Option<i64>,
    pub email: String,
    pub name: String,
}

const TOOK_PART: &str = "('booked', 'attended', 'completed', 'failed')";

/// The learners who took part in the session (booked, attended, completed or failed) and the
/// active client contacts of its client and of its learners' clients.
pub async fn invitees(conn: &mut Conn, session_id: i64) -> Result<Vec<Invitee>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, l.first_name, l.last_name, l.email, l.client_id FROM enrollments e \
         JOIN learners l ON l.id = e.learner_id \
         WHERE e.session_id = $1 AND e.status IN {TOOK_PART} ORDER BY l.id LIMIT 1000"
    )))
    .bind(session_id);
    let mut out = fetch_all(conn, q, |r| {
        let id = r.i("id")?;
        Ok(Invitee {
            audience: Audience::Learner,
            person_key: format!("l{id}"),
            learner_id: Some(id),
            user_id: None,
            client_id: r.oi("client_id")?,
            email: r.s("email")?,
            name: format!("{} {}", r.s("first_name")?, r.s("last_name")?)
                .trim()
                .to_owned(),
        })
    })
    .await?;
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT u.id, u.display_name, u.email, u.client_id FROM users u \
         WHERE u.role = 'client_contact' AND u.archived_at IS NULL AND u.client_id IN ( \
           SELECT s.client_id FROM sessions s WHERE s.id = $1 AND s.client_id IS NOT NULL \
           UNION SELECT l.client_id FROM enrollments e JOIN learners l ON l.id = e.learner_id \
           WHERE e.session_id = $1 AND e.status IN {TOOK_PART} AND l.client_id IS NOT NULL) \
         ORDER BY u.id LIMIT 200"
    )))
    .bind(session_id);
    out.extend(
        fetch_all(conn, q, |r| {
            let id = r.i("id")?;
            Ok(Invitee {
                audience: Audience::Client,
                person_key: format!("u{id}"),
                learner_id: None,
                user_id: Some(id),
                client_id: r.oi("client_id")?,
                email: r.s("email")?,
                name: r.s("display_name")?,
            })
        })
        .await?,
    );
    Ok(out)
}

/// Inserts the invitation; `None` when this person already has one for the session.
pub async fn insert_invitation(
    conn: &mut Conn,
    session_id: i64,
    template_id: i64,
    who: &Invitee,
    token_hash: &str,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let r = sqlx::query(
        "INSERT INTO survey_invitations (session_id, template_id, audience, person_key, learner_id, user_id, \
         client_id, email, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (session_id, person_key) DO NOTHING RETURNING id",
    )
    .bind(session_id)
    .bind(template_id)
    .bind(who.audience.as_str())
    .bind(who.person_key.clone())
    .bind(who.learner_id)
    .bind(who.user_id)
    .bind(who.client_id)
    .bind(who.email.clone())
    .bind(who.name.clone())
    .bind(token_hash.to_owned())
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match r {
        Some(r) => Some(r.i("id")?),
        None => None,
    })
}

/// An invitation as its personal link opens it.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: i64,
    pub session_id: i64,
    pub template_id: i64,
    pub audience: Audience,
    pub name: String,
    pub session_reference: String,
    pub course_title: String,
    pub ends_at: i64,
    pub answered_at: Option<i64>,
}

/// The invitation whose link (first or reminder) has this hash.
pub async fn by_token(conn: &mut Conn, token_hash: &str) -> Result<Option<Invitation>, StoreError> {
    let r = sqlx::query(
        "SELECT i.id, i.session_id, i.template_id, i.audience, i.name, i.answered_at, s.reference, s.ends_at, \
         COALESCE(s.title, c.title) AS course_title FROM survey_invitations i \
         JOIN sessions s ON s.id = i.session_id JOIN courses c ON c.id = s.course_id \
         WHERE i.token_hash = $1 OR i.reminder_token_hash = $1",
    )
    .bind(token_hash.to_owned())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else {
        return Ok(None);
    };
    Ok(Some(Invitation {
        id: r.i("id")?,
        session_id: r.i("session_id")?,
        template_id: r.i("template_id")?,
        audience: decode(Audience::parse(&r.s("audience")?))?,
        name: r.s("name")?,
        session_reference: r.s("reference")?,
        course_title: r.s("course_title")?,
        ends_at: r.i("ends_at")?,
        answered_at: r.oi("answered_at")?,
    }))
}

/// Marks the invitation answered: true for exactly one caller however many answer at once
/// (the guarded UPDATE is the transaction's first write).
pub async fn claim_answer(
    conn: &mut Conn,
    invitation_id: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE survey_invitations SET answered_at = $1 WHERE id = $2 AND answered_at IS NULL",
    )
    .bind(now)
    .bind(invitation_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Stores the checked answers of one invitation in one statement.
pub async fn insert_answers(
    conn: &mut Conn,
    invitation_id: i64,
    rows: &[trainyard_core::survey::AnswerRow],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new(
        "INSERT INTO survey_answers (invitation_id, question_id, value, choice, text_value) VALUES ",
    );
    for (i, a) in rows.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.push("(")
            .int(invitation_id)
            .push(", ")
            .int(a.question_id)
            .push(", ");
        match a.value {
            Some(v) => q.int(v),
            None => q.push("NULL"),
        };
        q.push(", ");
        match &a.choice {
            Some(c) => q.text(c),
            None => q.push("NULL"),
        };
        q.push(", ");
        match &a.text {
            Some(t) => q.text(t),
            None => q.push("NULL"),
        };
        q.push(")");
    }
    q.query().execute(&mut *conn).await?;
    Ok(())
}

/// How many answer rows an invitation has (tests: "answered twice records one answer").
pub async fn answer_count(conn: &mut Conn, invitation_id: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "SELECT CAST(count(*) AS BIGINT) AS n FROM survey_answers WHERE invitation_id = $1",
    )
    .bind(invitation_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("n")?)
}

/// An invitation not answered nor reminded yet, sent on or before the cut-off.
#[derive(Debug, Clone)]
pub struct DueReminder {
    pub id: i64,
    pub session_id: i64,
    pub email: String,
    pub name: String,
    pub session_reference: String,
    pub course_title: String,
}

pub async fn reminders_due(
    conn: &mut Conn,
    created_before: i64,
    limit: i64,
) -> Result<Vec<DueReminder>, StoreError> {
    let q = sqlx::query(
        "SELECT i.id, i.session_id, i.email, i.name, s.reference, COALESCE(s.title, c.title) AS course_title \
         FROM survey_invitations i JOIN sessions s ON s.id = i.session_id JOIN courses c ON c.id = s.course_id \
         WHERE i.reminded_at IS NULL AND i.answered_at IS NULL AND i.created_at <= $1 \
         ORDER BY i.created_at, i.id LIMIT $2",
    )
    .bind(created_before)
    .bind(limit);
    fetch_all(conn, q, |r| {
        Ok(DueReminder {
            id: r.i("id")?,
            session_id: r.i("session_id")?,
            email: r.s("email")?,
            name: r.s("name")?,
            session_reference: r.s("reference")?,
            course_title: r.s("course_title")?,
        })
    })
    .await
}

/// Claims the reminder of one invitation and stores its link's hash: false when another run
/// had it or the invitation was answered meanwhile.
pub async fn claim_reminder(
    conn: &mut Conn,
    invitation_id: i64,
    token_hash: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE survey_invitations SET reminded_at = $1, reminder_token_hash = $2 \
         WHERE id = $3 AND reminded_at IS NULL AND answered_at IS NULL",
    )
    .bind(now)
    .bind(token_hash.to_owned())
    .bind(invitation_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

// ------------------------------------------------------------------ results

/// What results are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = SurveyDimension)]
pub enum Dimension {
    Session,
    Course,
    Instructor,
    Venue,
    Client,
}

impl Dimension {
    pub const ALL: &'static [Dimension] = &[
        Dimension::Course,
        Dimension::Instructor,
        Dimension::Venue,
        Dimension::Client,
        Dimension::Session,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Session => "session",
            Dimension::Course => "course",
            Dimension::Instructor => "instructor",
            Dimension::Venue => "venue",
            Dimension::Client => "client",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|d| d.as_str() == s.trim())
    }

    /// (group key, label, extra joins).
    fn sql(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Dimension::Session => ("s.id", "s.reference", ""),
            Dimension::Course => (
                "s.course_id",
                "c.title",
                " JOIN courses c ON c.id = s.course_id",
            ),
            Dimension::Venue => (
                "COALESCE(s.venue_id, 0)",
                "COALESCE(v.name, 'Online')",
                " LEFT JOIN venues v ON v.id = s.venue_id",
            ),
            Dimension::Client => (
                "COALESCE(i.client_id, 0)",
                "COALESCE(cl.name, 'No client')",
                " LEFT JOIN clients cl ON cl.id = i.client_id",
            ),
            Dimension::Instructor => (
                "a.instructor_id",
                "ins.name",
                " JOIN assignments a ON a.session_id = i.session_id AND a.status IN ('accepted', 'confirmed') \
                 JOIN instructors ins ON ins.id = a.instructor_id",
            ),
        }
    }
}

/// Which invitations results read.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Sessions ending at or after (instant, ms).
    pub from_ms: Option<i64>,
    /// Sessions ending before (instant, ms).
    pub to_ms: Option<i64>,
    pub session_id: Option<i64>,
    /// Only sessions this instructor teaches (and, by instructor, only their row).
    pub instructor_id: Option<i64>,
    /// Only this client's people.
    pub client_id: Option<i64>,
}

/// Invited and answered, per group.
#[derive(Debug, Clone)]
pub struct GroupCount {
    pub key: i64,
    pub label: String,
    pub invited: i64,
    pub answered: i64,
}

/// How many gave one value (or chose one option) to one question, per group.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub key: i64,
    pub question_id: i64,
    pub position: i64,
    pub prompt: String,
    pub kind: QuestionKind,
    pub topic: Topic,
    pub value: Option<i64>,
    pub choice: Option<String>,
    pub n: i64,
}

/// One free-text answer, per group.
#[derive(Debug, Clone)]
pub struct TextRow {
    pub key: i64,
    pub question_id: i64,
    pub prompt: String,
    pub text: String,
    pub answered_at: i64,
}

/// At most this many free-text answers in one result.
pub const TEXT_LIMIT: i64 = 300;

fn scoped(q: &mut Sql, by: Dimension, s: &Scope) {
    q.push(" WHERE 1 = 1");
    if let Some(f) = s.from_ms {
        q.push(" AND s.ends_at >= ").int(f);
    }
    if let Some(t) = s.to_ms {
        q.push(" AND s.ends_at < ").int(t);
    }
    if let Some(id) = s.session_id {
        q.push(" AND i.session_id = ").int(id);
    }
    if let Some(c) = s.client_id {
        q.push(" AND i.client_id = ").int(c);
    }
    if let Some(me) = s.instructor_id {
        q.push(
            " AND EXISTS (SELECT 1 FROM assignments a2 WHERE a2.session_id = i.session_id \
             AND a2.status IN ('accepted', 'confirmed') AND a2.instructor_id = ",
        )
        .int(me)
        .push(")");
        if by == Dimension::Instructor {
            q.push(" AND a.instructor_id = ").int(me);
        }
    }
}

/// The three families of rows results are computed from, each one grouped query.
pub async fn result_rows(
    conn: &mut Conn,
    by: Dimension,
    scope: &Scope,
) -> Result<(Vec<GroupCount>, Vec<Bucket>, Vec<TextRow>), StoreError> {
    let (key, label, join) = by.sql();
    let mut q = Sql::new(&format!(
        "SELECT {key} AS k, {label} AS label, CAST(count(*) AS BIGINT) AS invited, \
         CAST(count(i.answered_at) AS BIGINT) AS answered \
         FROM survey_invitations i JOIN sessions s ON s.id = i.session_id{join}"
    ));
    scoped(&mut q, by, scope);
    q.push(&format!(
        " GROUP BY {key}, {label} ORDER BY {label}, {key} LIMIT 1000"
    ));
    let counts = fetch_all(conn, q.query(), |r| {
        Ok(GroupCount {
            key: r.i("k")?,
            label: r.s("label")?,
            invited: r.i("invited")?,
            answered: r.i("answered")?,
        })
    })
    .await?;

    let mut q = Sql::new(&format!(
        "SELECT {key} AS k, q.id AS question_id, q.position, q.prompt, q.kind, q.topic, an.value, an.choice, \
         CAST(count(*) AS BIGINT) AS n FROM survey_answers an \
         JOIN survey_invitations i ON i.id = an.invitation_id JOIN sessions s ON s.id = i.session_id{join} \
         JOIN survey_questions q ON q.id = an.question_id"
    ));
    scoped(&mut q, by, scope);
    q.push(&format!(
        " AND q.kind <> 'text' GROUP BY {key}, q.id, q.position, q.prompt, q.kind, q.topic, an.value, an.choice \
         ORDER BY q.position, q.id LIMIT 20000"
    ));
    let buckets = fetch_all(conn, q.query(), |r| {
        Ok(Bucket {
            key: r.i("k")?,
            question_id: r.i("question_id")?,
            position: r.i("position")?,
            prompt: r.s("prompt")?,
            kind: decode(QuestionKind::parse(&r.s("kind")?))?,
            topic: decode(Topic::parse(&r.s("topic")?))?,
            value: r.oi("value")?,
            choice: r.os("choice")?,
            n: r.i("n")?,
        })
    })
    .await?;

    let mut q = Sql::new(&format!(
        "SELECT {key} AS k, q.id AS question_id, q.prompt, an.text_value, i.answered_at FROM survey_answers an \
         JOIN survey_invitations i ON i.id = an.invitation_id JOIN sessions s ON s.id = i.session_id{join} \
         JOIN survey_questions q ON q.id = an.question_id"
    ));
    scoped(&mut q, by, scope);
    q.push(" AND q.kind = 'text' AND an.text_value IS NOT NULL ORDER BY i.answered_at DESC, an.id DESC LIMIT ")
        .int(TEXT_LIMIT);
    let texts = fetch_all(conn, q.query(), |r| {
        Ok(TextRow {
            key: r.i("k")?,
            question_id: r.i("question_id")?,
            prompt: r.s("prompt")?,
            text: r.os("text_value")?.unwrap_or_default(),
            answered_at: r.oi("answered_at")?.unwrap_or_default(),
        })
    })
    .await?;
    Ok((counts, buckets, texts))
}

/// Whether the instructor teaches (accepted or confirmed) the session.
pub async fn teaches(
    conn: &mut Conn,
    session_id: i64,
    instructor_id: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "SELECT 1 AS x FROM assignments WHERE session_id = $1 AND instructor_id = $2 \
         AND status IN ('accepted', 'confirmed') LIMIT 1",
    )
    .bind(session_id)
    .bind(instructor_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.is_some())
}

// ------------------------------------------------------------------ demo

/// Ended, delivered or closed sessions without invitations, most recent first (the demo
/// invites their people).
pub async fn ended_without_invitations(
    conn: &mut Conn,
    now: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    let q = sqlx::query(
        "SELECT s.id FROM sessions s WHERE s.status IN ('delivered', 'closed') AND s.ends_at <= $1 \
         AND NOT EXISTS (SELECT 1 FROM survey_invitations i WHERE i.session_id = s.id) \
         ORDER BY s.ends_at DESC, s.id DESC LIMIT $2",
    )
    .bind(now)
    .bind(limit);
    fetch_all(conn, q, |r| r.i("id")).await
}

/// The unanswered invitations of these sessions with their template: (invitation, template).
pub async fn unanswered_of(
    conn: &mut Conn,
    session_ids: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    if session_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "SELECT id, template_id FROM survey_invitations WHERE answered_at IS NULL AND session_id IN (",
    );
    for (i, s) in session_ids.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.int(*s);
    }
    q.push(") ORDER BY id");
    fetch_all(conn, q.query(), |r| Ok((r.i("id")?, r.i("template_id")?))).await
}
