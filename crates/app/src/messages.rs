//! The wording of every message Trainyard sends, by event. `compose` renders the subject and body
//! for an event from a context of placeholders (`{{ learner_name }}`, `{{ course_title }}` …).
//!
//! Wording is a [minijinja](https://docs.rs/minijinja) template: `{{ name }}` placeholders, filters
//! (`{{ starts | default("soon") }}`) and blocks (`{% if place %}Where: {{ place }}{% endif %}`).
//! An administrator or manager may replace the built-in wording of any event (`message_templates`);
//! a template is checked — parsed and rendered with sample values — before it is saved, so a
//! broken one is refused with the reason next to the field and nothing is saved. Should an edited
//! template still fail on real values, `compose` falls back to the built-in wording rather than
//! lose the message. Templates render plain text (no HTML escaping); unknown placeholders render
//! empty, and rendering is bounded (fuel), so no template can loop for ever.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use minijinja::{AutoEscape, Environment, syntax::SyntaxConfig};
use serde::Serialize;
use serde_json::json;
use trainyard_core::{Invalid, Role};
use trainyard_store::Conn;
use trainyard_store::templates::{self as repo, StoredTemplate};

/// One event Trainyard sends a message for, with its built-in wording.
pub struct EventInfo {
    pub event: &'static str,
    pub label: &'static str,
    pub subject: &'static str,
    pub body: &'static str,
    /// The placeholders its sender fills.
    pub placeholders: &'static [&'static str],
}

const SESSION_KEYS: &[&str] = &[
    "recipient_name",
    "course_title",
    "course_code",
    "reference",
    "starts",
    "ends",
    "place",
];
const LEARNER_KEYS: &[&str] = &[
    "learner_name",
    "course_title",
    "reference",
    "starts",
    "ends",
    "place",
];
const INSTRUCTOR_KEYS: &[&str] = &[
    "instructor_name",
    "course_title",
    "reference",
    "starts",
    "ends",
    "place",
    "portal_url",
];

/// Every event, in the order the template editor lists them.
pub const EVENTS: &[EventInfo] = &[
    EventInfo {
        event: "enrollment_confirmed",
        label: "Enrollment confirmation",
        subject: "Booked: {{ course_title }} on {{ starts }}",
        body: "Hello {{ learner_name }},\n\nyou are booked on {{ course_title }} ({{ reference }}), {{ starts }} – {{ ends }}.\nWhere: {{ place }}\n\nSee you there!\n",
        placeholders: LEARNER_KEYS,
    },
    EventInfo {
        event: "enrollment_waitlisted",
        label: "Waiting list",
        subject: "Waiting list: {{ course_title }} on {{ starts }}",
        body: "Hello {{ learner_name }},\n\n{{ course_title }} ({{ reference }}) on {{ starts }} is full. You are number {{ position }} on the waiting list; we will tell you as soon as a seat frees up.\n",
        placeholders: &[
            "learner_name",
            "course_title",
            "reference",
            "starts",
            "position",
        ],
    },
    EventInfo {
        event: "enrollment_requested",
        label: "Enrollment request received",
        subject: "Request received: {{ course_title }} on {{ starts }}",
        body: "Hello {{ learner_name }},\n\nwe have your request for {{ course_title }} ({{ reference }}), {{ starts }} – {{ ends }}. We will confirm your place as soon as it is approved.\n",
        placeholders: LEARNER_KEYS,
    },
    EventInfo {
        event: "enrollment_promoted",
        label: "Waiting list promotion",
        subject: "A seat for you: {{ course_title }} on {{ starts }}",
        body: "Hello {{ learner_name }},\n\ngood news: a seat freed up and you are now booked on {{ course_title }} ({{ reference }}), {{ starts }} – {{ ends }}.\nWhere: {{ place }}\n",
        placeholders: LEARNER_KEYS,
    },
    EventInfo {
        event: "enrollment_offer",
        label: "Seat offer",
        subject: "Seat offered: {{ course_title }} on {{ starts }}",
        body: "Hello {{ learner_name }},\n\na seat freed up on {{ course_title }} ({{ reference }}), {{ starts }}. It is yours if you accept before {{ offer_expires }}: {{ accept_url }}\n",
        placeholders: &[
            "learner_name",
            "course_title",
            "reference",
            "starts",
            "offer_expires",
            "accept_url",
        ],
    },
    EventInfo {
        event: "enrollment_cancelled",
        label: "Enrollment cancellation",
        subject: "Cancelled: your place on {{ course_title }}",
        body: "Hello {{ learner_name }},\n\nyour place on {{ course_title }} ({{ reference }}) on {{ starts }} is cancelled.\n",
        placeholders: LEARNER_KEYS,
    },
    EventInfo {
        event: "enrollment_merged",
        label: "Enrollment moved by a merge",
        subject: "New date: {{ course_title }} on {{ starts }}",
        body: "Hello {{ learner_name }},\n\n{{ course_title }} on {{ old_starts }} ({{ old_reference }}) is cancelled: it was merged into another date.\n{% if waiting %}We have put you on the waiting list of {{ course_title }} on {{ starts }} ({{ reference }}), number {{ position }}; you will hear from us as soon as a seat is free.\n{% else %}Your new date: {{ starts }} – {{ ends }} ({{ reference }}).\nWhere: {{ place }}\n{% endif %}",
        placeholders: &[
            "learner_name",
            "course_title",
            "reference",
            "starts",
            "ends",
            "place",
            "old_reference",
            "old_starts",
            "waiting",
            "position",
        ],
    },
    EventInfo {
        event: "joining_instructions",
        label: "Joining instructions",
        subject: "How to join: {{ course_title }} on {{ starts }}",
        body: "Hello {{ recipient_name }},\n\n{{ course_title }} ({{ reference }}) starts {{ starts }}.\nWhere: {{ place }}\n{% if address %}{{ address }}\n{% endif %}{% if join_url %}Join online: {{ join_url }}\n{% endif %}{% if instructions %}\n{{ instructions }}\n{% endif %}",
        placeholders: &[
            "recipient_name",
            "learner_name",
            "course_title",
            "course_code",
            "reference",
            "starts",
            "ends",
            "place",
            "address",
            "join_url",
            "instructions",
        ],
    },
    EventInfo {
        event: "session_reminder",
        label: "Reminder",
        subject: "Reminder: {{ course_title }} on {{ starts }}",
        body: "Hello {{ recipient_name }},\n\na reminder: {{ course_title }} ({{ reference }}) starts {{ starts }}.\nWhere: {{ place }}\n{% if join_url %}Join online: {{ join_url }}\n{% endif %}",
        placeholders: &[
            "recipient_name",
            "course_title",
            "course_code",
            "reference",
            "starts",
            "ends",
            "place",
            "address",
            "join_url",
            "instructions",
            "offset",
        ],
    },
    EventInfo {
        event: "session_changed",
        label: "Session change",
        subject: "Changed: {{ course_title }} ({{ reference }})",
        body: "Hello {{ recipient_name }},\n\nThe session has new times: {{ starts }} – {{ ends }}.\nWhere: {{ place }}\n\nTrainyard, on behalf of your training team\n",
        placeholders: SESSION_KEYS,
    },
    EventInfo {
        event: "session_cancelled",
        label: "Session cancellation",
        subject: "Cancelled: {{ course_title }} ({{ reference }})",
        body: "Hello {{ recipient_name }},\n\nThe session planned for {{ starts }} – {{ ends }} is cancelled.\nWhere: {{ place }}\n\nTrainyard, on behalf of your training team\n",
        placeholders: SESSION_KEYS,
    },
    EventInfo {
        event: "session_postponed",
        label: "Session postponement",
        subject: "Postponed: {{ course_title }} ({{ reference }})",
        body: "Hello {{ recipient_name }},\n\nThe session planned for {{ starts }} – {{ ends }} is postponed; new dates will follow.\nWhere: {{ place }}\n\nTrainyard, on behalf of your training team\n",
        placeholders: SESSION_KEYS,
    },
    EventInfo {
        event: "session_confirmed",
        label: "Session confirmation",
        subject: "Confirmed: {{ course_title }} ({{ reference }})",
        body: "Hello {{ recipient_name }},\n\nThe session takes place as planned: {{ starts }} – {{ ends }}.\nWhere: {{ place }}\n\nTrainyard, on behalf of your training team\n",
        placeholders: SESSION_KEYS,
    },
    EventInfo {
        event: "assignment_request",
        label: "Assignment request (instructor)",
        subject: "Can you teach {{ course_title }} on {{ starts }}?",
        body: "Hello {{ instructor_name }},\n\nwe would like you to teach {{ course_title }} ({{ reference }}) from {{ starts }} to {{ ends }}.\nAccept or decline in your portal: {{ portal_url }}\n",
        placeholders: INSTRUCTOR_KEYS,
    },
    EventInfo {
        event: "assignment_confirm",
        label: "Assignment confirmation (instructor)",
        subject: "Confirmed: {{ course_title }} on {{ starts }}",
        body: "Hello {{ instructor_name }},\n\nyou are confirmed to teach {{ course_title }} ({{ reference }}).\n",
        placeholders: INSTRUCTOR_KEYS,
    },
    EventInfo {
        event: "assignment_cancel",
        label: "Assignment cancellation (instructor)",
        subject: "Cancelled: {{ course_title }} on {{ starts }}",
        body: "Hello {{ instructor_name }},\n\nyour assignment to {{ course_title }} ({{ reference }}) was cancelled.\n",
        placeholders: INSTRUCTOR_KEYS,
    },
    EventInfo {
        event: "survey_invitation",
        label: "Feedback survey invitation",
        subject: "How was {{ course_title }}?",
        body: "Hello {{ learner_name }},\n\nthank you for attending {{ course_title }} ({{ reference }}). Please tell us how it went — it takes two minutes: {{ survey_url }}\n",
        placeholders: &["learner_name", "course_title", "reference", "survey_url"],
    },
    EventInfo {
        event: "certificate_issued",
        label: "Certificate",
        subject: "Your certificate: {{ course_title }}",
        body: "Hello {{ learner_name }},\n\ncongratulations on completing {{ course_title }}. Your certificate {{ certificate_code }} is ready: {{ certificate_url }}\n{% if valid_until %}It is valid until {{ valid_until }}.\n{% endif %}",
        placeholders: &[
            "learner_name",
            "course_title",
            "certificate_code",
            "certificate_url",
            "valid_until",
        ],
    },
    EventInfo {
        event: "invoice_issued",
        label: "Invoice",
        subject: "Invoice {{ invoice_number }} from {{ company }}",
        body: "Hello {{ recipient_name }},\n\nplease find invoice {{ invoice_number }} over {{ amount }}, due {{ due_date }}: {{ invoice_url }}\n",
        placeholders: &[
            "recipient_name",
            "company",
            "invoice_number",
            "amount",
            "due_date",
            "invoice_url",
        ],
    },
    EventInfo {
        event: "account_confirm",
        label: "Registration: confirm your e-mail",
        subject: "Confirm your registration: {{ course_title }}",
        body: "Hello {{ recipient_name }},\n\nto confirm your registration for {{ course_title }} ({{ starts }}), follow this link and choose your password:\n{{ confirm_url }}\n\nThe link works once, until {{ expires }}. If you did not register, ignore this message: nothing happens without it.\n",
        placeholders: &[
            "recipient_name",
            "course_title",
            "starts",
            "confirm_url",
            "expires",
        ],
    },
    EventInfo {
        event: "account_sign_in",
        label: "Registration with a known address: sign-in link",
        subject: "You already have an account with us",
        body: "Hello {{ recipient_name }},\n\nsomeone (we hope you) registered for {{ course_title }} with this address, which already has an account. Nothing was changed.\n{% if sign_in_url %}\nSign in with this link (it works once, until {{ expires }}), then book your seat:\n{{ sign_in_url }}\n{% else %}\nSign in to book your seat: {{ login_url }}\n{% endif %}\nForgot your password? Set a new one here: {{ reset_url }}\nThe session: {{ session_url }}\n",
        placeholders: &[
            "recipient_name",
            "course_title",
            "sign_in_url",
            "login_url",
            "reset_url",
            "session_url",
            "expires",
        ],
    },
    EventInfo {
        event: "registration_managed",
        label: "Registration for a learner enrolled by others",
        subject: "About your registration: {{ course_title }}",
        body: "Hello {{ recipient_name }},\n\nsomeone (we hope you) registered for {{ course_title }} with this address. Your training with us is arranged by your coordinator or your organisation: please ask them to enroll you. Nothing was changed.\nThe session: {{ session_url }}\n",
        placeholders: &["recipient_name", "course_title", "session_url"],
    },
    EventInfo {
        event: "password_reset",
        label: "Set or reset a password",
        subject: "Set your Trainyard password",
        body: "Hello {{ recipient_name }},\n\nto set a new password for your account, follow this link:\n{{ reset_url }}\n\nThe link works once, until {{ expires }}. If you did not ask for it, ignore this message: your password stays as it is.\n",
        placeholders: &["recipient_name", "reset_url", "expires"],
    },
];

/// The catalogue entry of `event`, if Trainyard knows it.
pub fn event_info(event: &str) -> Option<&'static EventInfo> {
    EVENTS.iter().find(|e| e.event == event)
}

/// Built-in wording, used until an administrator edits it.
pub fn default_template(event: &str) -> (&'static str, &'static str) {
    match event_info(event) {
        Some(e) => (e.subject, e.body),
        None => ("{{ subject }}", "{{ body }}"),
    }
}

/// Fills `{{ name }}` placeholders from a JSON object; unknown placeholders render empty.
/// (The simple form; [`render`] understands the whole template language.)
pub fn fill(template: &str, ctx: &serde_json::Value) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => {
                let key = rest[start + 2..start + end].trim();
                if let Some(v) = ctx.get(key) {
                    match v {
                        serde_json::Value::String(s) => out.push_str(s),
                        serde_json::Value::Null => {}
                        other => out.push_str(&other.to_string()),
                    }
                }
                rest = &rest[start + end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Longest subject and body a template may have.
pub const MAX_SUBJECT: usize = 300;
pub const MAX_BODY: usize = 20_000;
/// Rendering budget: far above any real message, low enough that no template loops for long.
const FUEL: u64 = 100_000;

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(FUEL));
    // What you see is what you get: no newline swallowed after a block tag (an inline
    // `{% if %}…{% endif %}` at the end of a line keeps its line break), the final one kept.
    if let Ok(syntax) = SyntaxConfig::builder().keep_trailing_newline(true).build() {
        env.set_syntax(syntax);
    }
    env
}

/// A template error in words: what, and on which line.
fn explain(e: &minijinja::Error) -> String {
    let what = match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    };
    match e.line() {
        Some(l) => format!("{what} (line {l})"),
        None => what,
    }
}

fn render_one(
    env: &Environment<'_>,
    name: &str,
    source: &str,
    ctx: &serde_json::Value,
) -> Result<String, String> {
    env.template_from_named_str(name, source)
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(ctx))))
        .map_err(|e| explain(&e))
}

/// A subject is one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Renders a subject and body template with `ctx`. Errors name the field (`subject`, `body`).
pub fn render(
    subject: &str,
    body: &str,
    ctx: &serde_json::Value,
) -> Result<(String, String), Invalid> {
    let env = environment();
    let mut inv = Invalid::new();
    let s = render_one(&env, "subject", subject, ctx)
        .map_err(|e| inv.add("subject", e))
        .ok();
    let b = render_one(&env, "body", body, ctx)
        .map_err(|e| inv.add("body", e))
        .ok();
    match (s, b) {
        (Some(s), Some(b)) if inv.is_empty() => Ok((one_line(&s), b)),
        _ => Err(inv),
    }
}

/// The subject and body for `event`, rendered with `ctx`: the administrator's wording when there
/// is one, else the built-in wording. Call it inside the transaction that enqueues the message.
pub async fn compose(
    conn: &mut Conn,
    event: &str,
    ctx: &serde_json::Value,
) -> Result<(String, String), AppError> {
    Ok(wording(conn, event).await?.compose(ctx))
}

/// The wording of one event, loaded once for many messages (a reminder to a whole session).
pub struct Wording {
    event: String,
    edited: Option<StoredTemplate>,
}

/// Loads the wording `compose` would use for `event`.
pub async fn wording(conn: &mut Conn, event: &str) -> Result<Wording, AppError> {
    Ok(Wording {
        event: event.to_owned(),
        edited: repo::get(conn, event).await?,
    })
}

impl Wording {
    /// The subject and body rendered with `ctx`; the built-in wording when the edited template
    /// fails on these values.
    pub fn compose(&self, ctx: &serde_json::Value) -> (String, String) {
        let event = self.event.as_str();
        if let Some(t) = &self.edited {
            match render(&t.subject, &t.body, ctx) {
                Ok(out) => return out,
                Err(e) => tracing::warn!(
                    event,
                    error = %e,
                    "the edited message template failed; sending the built-in wording"
                ),
            }
        }
        if event_info(event).is_none() && ctx.get("subject").is_none() {
            tracing::warn!(
                event,
                "no wording for this event: pass `subject` and `body` in the context, or add it to messages::EVENTS"
            );
        }
        let (subject, body) = default_template(event);
        render(subject, body, ctx)
            .unwrap_or_else(|_| (one_line(&fill(subject, ctx)), fill(body, ctx)))
    }
}

/// Plausible values for every placeholder, for previews and for checking a template before it
/// is saved.
pub fn sample_context() -> serde_json::Value {
    json!({
        "recipient_name": "Maria Lopez",
        "learner_name": "Maria Lopez",
        "instructor_name": "Anna Berg",
        "course_title": "Excel Advanced",
        "course_code": "XL-ADV",
        "reference": "S-2027-0042",
        "starts": "2027-05-04 09:00 CEST",
        "ends": "2027-05-05 17:00 CEST",
        "place": "Berlin Training Centre, Room 2",
        "address": "Friedrichstraße 100, 10117 Berlin, DE",
        "offset": "7 days",
        "position": 3,
        "offer_expires": "2027-04-28 12:00 CEST",
        "accept_url": "https://trainyard.example.com/portal/offers/123",
        "portal_url": "https://trainyard.example.com/portal/assignments/17",
        "join_url": "https://meet.example.com/xl-adv-0042",
        "instructions": "Please bring a laptop with Excel installed.",
        "survey_url": "https://trainyard.example.com/surveys/abc123",
        "certificate_code": "CERT-7F3K-22QX",
        "certificate_url": "https://trainyard.example.com/certificates/CERT-7F3K-22QX",
        "valid_until": "2029-05-05",
        "company": "Trainyard Training GmbH",
        "invoice_number": "INV-2027-0815",
        "amount": "1,780.00 EUR",
        "due_date": "2027-06-04",
        "invoice_url": "https://trainyard.example.com/invoices/815",
        "confirm_url": "https://trainyard.example.com/account/confirm?token=3f9a…",
        "sign_in_url": "https://trainyard.example.com/account/sign-in?token=8b1c…",
        "reset_url": "https://trainyard.example.com/account/password?token=c07e…",
        "login_url": "https://trainyard.example.com/login",
        "session_url": "https://trainyard.example.com/catalog/42",
        "expires": "2027-04-28 12:00 CEST",
    })
}

// ------------------------------------------------------------------ use cases: the template editor

/// The wording of one event, as the editor shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageTemplate {
    pub event: String,
    pub label: String,
    pub subject: String,
    pub body: String,
    /// False while the built-in wording is in use.
    pub customized: bool,
    /// 0 for the built-in wording; send it back when saving.
    pub version: i64,
    #[serde(serialize_with = "trainyard_store::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<i64>,
    pub placeholders: Vec<String>,
}

fn view(info: &EventInfo, stored: Option<&StoredTemplate>) -> MessageTemplate {
    MessageTemplate {
        event: info.event.into(),
        label: info.label.into(),
        subject: stored.map_or(info.subject, |t| &t.subject).to_owned(),
        body: stored.map_or(info.body, |t| &t.body).to_owned(),
        customized: stored.is_some(),
        version: stored.map_or(0, |t| t.version),
        updated_at: stored.map(|t| t.updated_at),
        placeholders: info.placeholders.iter().map(|p| (*p).to_owned()).collect(),
    }
}

fn may_edit(caller: &Caller) -> bool {
    matches!(caller.role, Role::Admin | Role::Manager)
}

fn known(event: &str) -> Result<&'static EventInfo, AppError> {
    event_info(event).ok_or(AppError::NotFound("message template"))
}

/// Every event with its current wording.
pub async fn list_templates(app: &App, caller: &Caller) -> Result<Vec<MessageTemplate>, AppError> {
    caller.require(may_edit(caller), "edit message templates")?;
    let mut conn = app.store.read().await?;
    let stored = repo::all(&mut conn).await?;
    Ok(EVENTS
        .iter()
        .map(|e| view(e, stored.iter().find(|t| t.event == e.event)))
        .collect())
}

pub async fn get_template(
    app: &App,
    caller: &Caller,
    event: &str,
) -> Result<MessageTemplate, AppError> {
    caller.require(may_edit(caller), "edit message templates")?;
    let info = known(event)?;
    let mut conn = app.store.read().await?;
    Ok(view(info, repo::get(&mut conn, event).await?.as_ref()))
}

/// Normalised input: browser line endings, trimmed subject, length limits.
fn clean(subject: &str, body: &str) -> Result<(String, String), Invalid> {
    let subject = subject.trim().to_owned();
    let body = body.replace("\r\n", "\n");
    let mut inv = Invalid::new();
    if subject.is_empty() {
        inv.add("subject", "a message needs a subject");
    } else if subject.chars().count() > MAX_SUBJECT {
        inv.add("subject", format!("at most {MAX_SUBJECT} characters"));
    }
    if body.trim().is_empty() {
        inv.add("body", "a message needs a text");
    } else if body.chars().count() > MAX_BODY {
        inv.add("body", format!("at most {MAX_BODY} characters"));
    }
    inv.or_ok((subject, body))
}

/// Renders a draft with sample values, without saving. Template errors are `Invalid`, by field.
pub fn preview_template(
    caller: &Caller,
    event: &str,
    subject: &str,
    body: &str,
) -> Result<(String, String), AppError> {
    caller.require(may_edit(caller), "edit message templates")?;
    known(event)?;
    let (subject, body) = clean(subject, body)?;
    Ok(render(&subject, &body, &sample_context())?)
}

/// Saves new wording for `event` after checking that it renders; audited. `version` is the one
/// the editor loaded (0 for the built-in wording).
pub async fn save_template(
    app: &App,
    caller: &Caller,
    event: &str,
    subject: &str,
    body: &str,
    version: i64,
) -> Result<MessageTemplate, AppError> {
    caller.require(may_edit(caller), "edit message templates")?;
    let info = known(event)?;
    let (subject, body) = clean(subject, body)?;
    render(&subject, &body, &sample_context())?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = view(info, repo::get(&mut tx, event).await?.as_ref());
    if before.version != version {
        return Err(AppError::Stale("the message template"));
    }
    let user = (caller.user_id != 0).then_some(caller.user_id);
    let saved = repo::save(&mut tx, event, &subject, &body, user, version, now)
        .await
        .about("the message template")?;
    let after = view(info, Some(&saved));
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "message_template.updated",
        ("message_template", 0),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Back to the built-in wording; audited. Resetting a template that is not edited changes nothing.
pub async fn reset_template(
    app: &App,
    caller: &Caller,
    event: &str,
    version: i64,
) -> Result<MessageTemplate, AppError> {
    caller.require(may_edit(caller), "edit message templates")?;
    let info = known(event)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = view(info, repo::get(&mut tx, event).await?.as_ref());
    if !before.customized {
        return Ok(before);
    }
    if before.version != version || !repo::delete(&mut tx, event, version).await? {
        return Err(AppError::Stale("the message template"));
    }
    let after = view(info, None);
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "message_template.reset",
        ("message_template", 0),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_wording_renders_with_the_sample_for_every_event() {
        for e in EVENTS {
            let (s, b) = render(e.subject, e.body, &sample_context())
                .unwrap_or_else(|err| panic!("{}: {err}", e.event));
            assert!(!s.is_empty() && !s.contains("{{"), "{}: {s}", e.event);
            assert!(!b.contains("{{") && !b.contains("{%"), "{}: {b}", e.event);
        }
    }

    #[test]
    fn placeholders_filters_and_blocks() {
        let ctx = json!({ "learner_name": "Ada", "place": "" });
        let (s, b) = render(
            "Hi {{ learner_name | upper }}\n again",
            "{% if place %}Where: {{ place }}{% else %}Online{% endif %}\n{{ missing }}end\n",
            &ctx,
        )
        .unwrap();
        assert_eq!(s, "Hi ADA again");
        assert_eq!(b, "Online\nend\n");
    }

    #[test]
    fn syntax_errors_name_the_field_and_line() {
        let err = render("ok", "line one\n{% if x %}never closed", &json!({})).unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].field, "body");
        assert!(err.errors[0].message.contains("line"), "{err}");
        let err = render("{{ broken", "fine", &json!({})).unwrap_err();
        assert_eq!(err.errors[0].field, "subject");
    }

    #[test]
    fn runaway_templates_stop() {
        let err = render(
            "x",
            "{% for a in range(100000) %}{% for b in range(100000) %}.{% endfor %}{% endfor %}",
            &json!({}),
        )
        .unwrap_err();
        assert_eq!(err.errors[0].field, "body");
    }

    #[test]
    fn session_change_wording_is_what_the_code_used_to_write() {
        let ctx = json!({
            "recipient_name": "Ada Lovelace", "course_title": "Excel", "reference": "S-00007",
            "starts": "2027-05-04 09:00 CEST", "ends": "2027-05-04 12:00 CEST", "place": "Venue BER",
        });
        let when = "2027-05-04 09:00 CEST – 2027-05-04 12:00 CEST";
        for (event, subject, line) in [
            (
                "session_changed",
                "Changed: Excel (S-00007)",
                format!("The session has new times: {when}."),
            ),
            (
                "session_cancelled",
                "Cancelled: Excel (S-00007)",
                format!("The session planned for {when} is cancelled."),
            ),
            (
                "session_postponed",
                "Postponed: Excel (S-00007)",
                format!("The session planned for {when} is postponed; new dates will follow."),
            ),
            (
                "session_confirmed",
                "Confirmed: Excel (S-00007)",
                format!("The session takes place as planned: {when}."),
            ),
        ] {
            let (s, b) = default_template(event);
            let (s, b) = render(s, b, &ctx).unwrap();
            assert_eq!(s, subject);
            assert_eq!(
                b,
                format!(
                    "Hello Ada Lovelace,\n\n{line}\nWhere: Venue BER\n\nTrainyard, on behalf of your training team\n"
                )
            );
        }
    }

    #[test]
    fn joining_instructions_show_address_link_and_notes_only_when_there() {
        let (s, b) = default_template("joining_instructions");
        let ctx = json!({
            "recipient_name": "Ada", "course_title": "Excel", "reference": "S-1", "starts": "Mon",
            "place": "Online", "join_url": "https://meet.example.com/x", "instructions": "Test your microphone.",
        });
        let (_, body) = render(s, b, &ctx).unwrap();
        assert_eq!(
            body,
            "Hello Ada,\n\nExcel (S-1) starts Mon.\nWhere: Online\nJoin online: https://meet.example.com/x\n\nTest your microphone.\n"
        );
        let ctx = json!({
            "recipient_name": "Ada", "course_title": "Excel", "reference": "S-1", "starts": "Mon",
            "place": "Venue BER, Room 2", "address": "Street 1, Berlin", "join_url": "", "instructions": "",
        });
        let (_, body) = render(s, b, &ctx).unwrap();
        assert_eq!(
            body,
            "Hello Ada,\n\nExcel (S-1) starts Mon.\nWhere: Venue BER, Room 2\nStreet 1, Berlin\n"
        );
    }

    #[test]
    fn fill_is_kept_for_simple_callers() {
        assert_eq!(fill("a {{ x }} b {{ y }}", &json!({ "x": 1 })), "a 1 b ");
    }
}
