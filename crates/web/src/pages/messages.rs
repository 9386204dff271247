//! Communications: the message templates editor (admins and managers) with a live preview, and
//! the delivery log (staff).
//!
//! Routes: `GET /admin/messages` (every event and its subject), `GET|POST /admin/messages/{event}`
//! (edit; a POST with `preview=1` renders the draft with sample values and saves nothing; an
//! htmx request gets the same page, from which it takes the preview), `GET /admin/outbox` (the
//! delivery log, filtered by `status`, `recipient`, `entity_type` + `entity_id`; CSV with
//! `format=csv`), `GET /admin/outbox/{id}` (one message) and `POST /admin/outbox/{id}/retry`;
//! `GET|POST /admin/reminders` (when reminders and joining instructions go out);
//! `GET|POST /admin/message-settings` (company name, sender and reply-to, admins). The "Messages"
//! section of the session and learner pages comes from [`log_section`].

use super::{Submit, error_page, saved};
use crate::AppState;
use crate::auth::Viewer;
use crate::pages::Flash;
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::messages::{self, MessageTemplate};
use trainyard_app::store::outbox::{Message, OutboxFilter};
use trainyard_app::{AppError, Caller, delivery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/messages", get(templates))
        .route("/admin/messages/{event}", get(edit).post(submit))
        .route("/admin/outbox", get(outbox))
        .route("/admin/outbox/{id}", get(message))
        .route("/admin/outbox/{id}/retry", post(retry))
        .route("/admin/reminders", get(reminders).post(save_reminders))
        .route(
            "/admin/message-settings",
            get(message_settings).post(save_message_settings),
        )
}

// ------------------------------------------------------------------ templates

pub struct TemplateRow {
    pub event: String,
    pub label: String,
    pub subject: String,
    pub customized: bool,
    pub updated: String,
    /// Every language of the event: wording there, or English sent instead.
    pub languages: Vec<trainyard_app::messages::TemplateLanguage>,
}

/// `?language=` of the editor: which language's wording (by default the reader's own, when the
/// pages are shipped in it, else English).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct LanguageQuery {
    language: String,
}

impl LanguageQuery {
    fn tag(&self, c: &Caller) -> &str {
        match self.language.trim() {
            "" => crate::i18n::Tr::for_caller(c).lang(),
            l => l,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "message_templates.html")]
struct TemplatesPage {
    chrome: Chrome,
    rows: Vec<TemplateRow>,
    /// Administrators also set who messages are from.
    admin: bool,
}

impl TemplatesPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn templates(State(s): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    let reader = crate::i18n::Tr::for_caller(&c).lang();
    let list = match messages::list_templates_in(&s.app, &c, reader).await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(&c)),
    };
    let tz = viewer_tz(&c);
    TemplatesPage {
        chrome: Chrome::new(&c, "messages", flash),
        admin: c.role == trainyard_core::Role::Admin,
        rows: list
            .into_iter()
            .map(|t| TemplateRow {
                updated: t.updated_at.map(|u| tz.display(u)).unwrap_or_default(),
                label: message_label(&c, &t.event, t.label),
                event: t.event,
                subject: t.subject,
                customized: t.customized,
                languages: t.languages,
            })
            .collect(),
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "message_template.html")]
struct TemplatePage {
    chrome: Chrome,
    event: String,
    label: String,
    subject: String,
    body: String,
    version: i64,
    customized: bool,
    /// The language of this wording (`en`, `de` …) and its own name.
    language: String,
    language_name: String,
    /// No wording in this language yet: English is sent (and shown as the starting point).
    fallback: bool,
    languages: Vec<trainyard_app::messages::TemplateLanguage>,
    /// `{{ name }}` for each placeholder the sender fills.
    placeholders: Vec<String>,
    subject_error: Option<String>,
    body_error: Option<String>,
    problems: Vec<String>,
    /// The draft rendered with sample values, when it renders.
    preview: Option<(String, String)>,
    /// Why the draft does not render.
    preview_errors: Vec<String>,
}

impl TemplatePage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn page_of(c: &Caller, t: &MessageTemplate, flash: Option<String>) -> TemplatePage {
    TemplatePage {
        chrome: Chrome::new(c, "messages", flash),
        event: t.event.clone(),
        label: message_label(c, &t.event, t.label.clone()),
        subject: t.subject.clone(),
        body: t.body.clone(),
        version: t.version,
        customized: t.customized,
        language_name: t
            .languages
            .iter()
            .find(|l| l.language == t.language)
            .map_or_else(|| t.language.clone(), |l| l.name.clone()),
        language: t.language.clone(),
        fallback: t.fallback,
        languages: t.languages.clone(),
        placeholders: t
            .placeholders
            .iter()
            .map(|p| format!("{{{{ {p} }}}}"))
            .collect(),
        subject_error: None,
        body_error: None,
        problems: Vec::new(),
        preview: None,
        preview_errors: Vec::new(),
    }
}

/// Fills the preview (or its errors) of the page's current draft.
fn with_preview(mut p: TemplatePage, c: &Caller) -> TemplatePage {
    match messages::preview_template_in(c, &p.event, &p.language, &p.subject, &p.body) {
        Ok(out) => p.preview = Some(out),
        Err(AppError::Invalid(inv)) => {
            p.subject_error = inv.message_for("subject").map(str::to_owned);
            p.body_error = inv.message_for("body").map(str::to_owned);
            p.preview_errors = inv
                .errors
                .iter()
                .map(|e| format!("{}: {}", field_label(&e.field), e.message))
                .collect();
        }
        Err(other) => p.preview_errors.push(other.to_string()),
    }
    p
}

/// A message's name in the reader's words (`i18n-msg-enrollment-confirmed`), else its English.
fn message_label(c: &Caller, event: &str, english: String) -> String {
    let tr = crate::i18n::Tr::for_caller(c);
    if tr.is_english() {
        return english;
    }
    match tr.t_or(&format!("i18n-msg-{}", event.replace('_', "-")), "") {
        "" => english,
        words => words.to_owned(),
    }
}

fn field_label(field: &str) -> &str {
    match field {
        "subject" => "Subject",
        "body" => "Text",
        other => other,
    }
}

async fn edit(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(event): Path<String>,
    axum::extract::Query(q): axum::extract::Query<LanguageQuery>,
) -> Response {
    match messages::get_template_in(&s.app, &c, &event, q.tag(&c)).await {
        Ok(t) => with_preview(page_of(&c, &t, flash), &c).into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TemplateForm {
    subject: String,
    body: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
    /// "1" renders the draft without saving.
    preview: String,
    /// "save" (default) or "reset".
    intent: String,
    /// The language of the wording (`en` when empty).
    language: String,
}

async fn submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(event): Path<String>,
    Submit { caller: c, form: f }: Submit<TemplateForm>,
) -> Response {
    let language = match f.language.trim() {
        "" => "en".to_owned(),
        l => l.to_owned(),
    };
    let current = match messages::get_template_in(&s.app, &c, &event, &language).await {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(&c)),
    };
    let href = if current.language == "en" {
        format!("/admin/messages/{event}")
    } else {
        format!("/admin/messages/{event}?language={}", current.language)
    };
    if f.intent == "reset" {
        return match messages::reset_template_in(&s.app, &c, &event, &language, f.version).await {
            Ok(_) => saved(&href, "Back to the built-in wording."),
            Err(AppError::Stale(_)) => {
                let mut p = with_preview(page_of(&c, &current, None), &c);
                p.problems.push(
                    "Someone else changed this template meanwhile; here is their version.".into(),
                );
                (StatusCode::CONFLICT, p).into_response()
            }
            Err(e) => error_page(e, Some(&c)),
        };
    }
    let mut draft = page_of(&c, &current, None);
    draft.subject = f.subject.clone();
    draft.body = f.body.replace("\r\n", "\n");
    draft.version = f.version;
    if matches!(f.preview.as_str(), "1" | "true" | "on") {
        let p = with_preview(draft, &c);
        // htmx swaps only successful responses: a draft that does not render is still the
        // preview's content. A plain form post says 422.
        let htmx = headers.contains_key("hx-request");
        let status = if !p.preview_errors.is_empty() && !htmx {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        return (status, p).into_response();
    }
    match messages::save_template_in(
        &s.app, &c, &event, &language, &f.subject, &f.body, f.version,
    )
    .await
    {
        Ok(t) => saved(
            &href,
            &format!(
                "Saved: the {} wording of “{}”.",
                draft.language_name, t.label
            ),
        ),
        Err(AppError::Invalid(inv)) => {
            let mut p = with_preview(draft, &c);
            p.subject_error = inv.message_for("subject").map(str::to_owned);
            p.body_error = inv.message_for("body").map(str::to_owned);
            p.problems
                .push("Nothing was saved: correct the marked fields.".into());
            (StatusCode::UNPROCESSABLE_ENTITY, p).into_response()
        }
        Err(AppError::Stale(_)) => {
            let mut p = with_preview(draft, &c);
            p.problems.push(
                "Someone else saved this template while you edited it. Your draft is kept below; reload the page to see theirs."
                    .into(),
            );
            (StatusCode::CONFLICT, p).into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

// ------------------------------------------------------------------ the delivery log

fn status_key(status: &str) -> &'static str {
    match status {
        "sent" => "confirmed",
        "failed" => "failed",
        "withdrawn" => "cancelled",
        _ => "tentative",
    }
}

fn record_label(m: &Message) -> String {
    format!("{} #{}", m.entity_type, m.entity_id)
}

fn record_href(entity_type: &str, id: i64) -> Option<String> {
    match entity_type {
        "session" => Some(format!("/sessions/{id}")),
        "learner" => Some(format!("/learners/{id}")),
        "instructor" => Some(format!("/instructors/{id}")),
        _ => None,
    }
}

/// The "Messages" section of a record's page (a session, a learner): what was sent about it, each
/// row linking to the message in the delivery log. `None` for roles that do not see the log
/// there (only administrators, managers and coordinators do), or when it cannot be read.
pub(super) async fn log_section(
    s: &AppState,
    c: &Caller,
    entity_type: &str,
    entity_id: i64,
) -> Option<Section> {
    if !c.role.can_edit_operations() {
        return None;
    }
    let log = match delivery::delivery_log(&s.app, c, entity_type, entity_id).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, entity_type, entity_id, "the delivery log could not be read");
            return None;
        }
    };
    let tz = viewer_tz(c);
    Some(Section {
        title: format!("Messages ({})", log.len()),
        columns: vec![
            "Subject",
            "Recipient",
            "Kind",
            "Status",
            "Sent / next attempt",
            "Attempts",
        ],
        rows: log
            .iter()
            .map(|m| Row {
                href: format!("/admin/outbox/{}", m.id),
                cells: vec![
                    Cell::text(&m.subject),
                    Cell::text(&m.recipient),
                    Cell::text(kind_label(m)),
                    Cell::badge(&m.status, status_key(&m.status)),
                    Cell::text(when_text(m, &tz)),
                    Cell::num(m.attempts),
                ],
            })
            .collect(),
        empty: "No messages yet: confirmations, reminders, joining instructions and changes appear here once they are queued.".into(),
    })
}

fn kind_label(m: &Message) -> String {
    if m.has_calendar {
        format!("{} (+ invitation)", m.kind)
    } else {
        m.kind.clone()
    }
}

fn when_text(m: &Message, tz: &trainyard_core::TimeZoneName) -> String {
    match (m.status.as_str(), m.sent_at) {
        (_, Some(t)) => tz.display(t),
        ("pending", None) => format!("next {}", tz.display(m.next_attempt_at)),
        _ => String::new(),
    }
}

async fn outbox(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
) -> Response {
    let qs = QueryState::from_uri(&uri);
    let csv = super::wants_csv(&qs);
    let entity_id = qs.get("entity_id").trim();
    let entity_id = if entity_id.is_empty() {
        None
    } else {
        match entity_id.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                return error_page(
                    AppError::Invalid(trainyard_core::Invalid::field(
                        "entity_id",
                        "a record number",
                    )),
                    Some(&c),
                );
            }
        }
    };
    let recipient = if qs.get("recipient").trim().is_empty() {
        qs.get("q")
    } else {
        qs.get("recipient")
    };
    let filter = OutboxFilter {
        status: qs.get("status").to_owned(),
        recipient: recipient.to_owned(),
        entity_type: qs.get("entity_type").to_owned(),
        entity_id,
        page: qs.get("page").parse().unwrap_or(1),
        per_page: if csv {
            trainyard_app::store::row::MAX_PER_PAGE
        } else {
            qs.get("per_page").parse().unwrap_or(0)
        },
        export: csv,
    };
    let page = match delivery::list_outbox(&s.app, &c, &filter).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let tz = viewer_tz(&c);
    let (prev_href, next_href) = paging(&qs, "/admin/outbox", page.page, page.pages());
    let text_filter = |name: &'static str, label: &'static str, value: &str| Filter {
        name,
        label,
        kind: "text",
        value: value.to_owned(),
        options: Vec::new(),
    };
    let kinds = ["session", "learner", "assignment", "enrollment"]
        .iter()
        .map(|k| ((*k).to_owned(), (*k).to_owned()))
        .collect();
    let view = ListView {
        title: crate::i18n::Tr::for_caller(&c).t("nav-delivery-log"),
        path: "/admin/outbox",
        new_href: None,
        new_label: String::new(),
        q: qs.get("q").to_owned(),
        filters: vec![
            Filter::select(
                "status",
                "Status",
                qs.get("status"),
                vec![
                    ("pending".into(), "Pending".into()),
                    ("sent".into(), "Sent".into()),
                    ("failed".into(), "Failed".into()),
                    ("withdrawn".into(), "Withdrawn".into()),
                ],
            ),
            text_filter("recipient", "Recipient", qs.get("recipient")),
            Filter::select("entity_type", "About", qs.get("entity_type"), kinds),
            text_filter("entity_id", "Record #", qs.get("entity_id")),
        ],
        columns: columns(
            &qs,
            "/admin/outbox",
            "",
            &[
                ("Created", "", false),
                ("Recipient", "", false),
                ("Subject", "", false),
                ("Kind", "", false),
                ("Status", "", false),
                ("Attempts", "", true),
                ("Sent / next attempt", "", false),
                ("About", "", false),
                ("Last error", "", false),
            ],
        ),
        rows: page
            .items
            .iter()
            .map(|m| Row {
                href: format!("/admin/outbox/{}", m.id),
                cells: vec![
                    Cell::text(tz.display(m.created_at)),
                    Cell::text(&m.recipient),
                    Cell::text(&m.subject),
                    Cell::text(kind_label(m)),
                    Cell::badge(&m.status, status_key(&m.status)),
                    Cell::num(m.attempts),
                    Cell::text(when_text(m, &tz)),
                    Cell::text(record_label(m)),
                    Cell::text(m.last_error.clone().unwrap_or_default()),
                ],
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with("/admin/outbox", &[("format", "csv"), ("page", "")]),
        empty_hint: "Messages appear here as soon as a change causes one: an assignment request, a booking, a rescheduled session…".into(),
        filtered: qs.is_filtered(),
    };
    super::list_response(Chrome::new(&c, "outbox", flash), view, csv)
}

#[derive(Template, WebTemplate)]
#[template(path = "outbox_message.html")]
struct MessagePage {
    chrome: Chrome,
    id: i64,
    subject: String,
    status: String,
    status_key: &'static str,
    facts: Vec<Fact>,
    body: String,
    ics: Option<String>,
    can_retry: bool,
}

impl MessagePage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn message(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(AppError::NotFound("message"), Some(&c));
    };
    let d = match delivery::get_message(&s.app, &c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    let tz = viewer_tz(&c);
    let m = &d.message;
    let mut facts = vec![
        fact("To", &m.recipient),
        fact("Kind", &m.kind),
        fact("Created", tz.display(m.created_at)),
        fact("Attempts", m.attempts.to_string()),
    ];
    if let Some(t) = m.sent_at {
        facts.push(fact("Sent", tz.display(t)));
    } else if m.status == "pending" {
        facts.push(fact("Next attempt", tz.display(m.next_attempt_at)));
    }
    if let Some(e) = &m.last_error {
        facts.push(fact("Last error", e));
    }
    match record_href(&m.entity_type, m.entity_id) {
        Some(href) => facts.push(link_fact("About", record_label(m), href)),
        None => facts.push(fact("About", record_label(m))),
    }
    facts.push(link_fact(
        "All messages about it",
        crate::i18n::t("i18n-record-delivery-log"),
        format!(
            "/admin/outbox?entity_type={}&entity_id={}",
            crate::auth::urlencode(&m.entity_type),
            m.entity_id
        ),
    ));
    facts.push(fact("Idempotency key", &d.idempotency_key));
    MessagePage {
        chrome: Chrome::new(&c, "outbox", flash),
        id: m.id,
        subject: m.subject.clone(),
        status: m.status.clone(),
        status_key: status_key(&m.status),
        facts,
        body: d.body.clone(),
        ics: d.ics.clone(),
        can_retry: m.status == "failed" && c.role.can_edit_operations(),
    }
    .into_response()
}

async fn retry(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Submit { caller: c, .. }: Submit<super::VersionForm>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(AppError::NotFound("message"), Some(&c));
    };
    match delivery::retry_message(&s.app, &c, id).await {
        Ok(_) => saved(
            &format!("/admin/outbox/{id}"),
            "Queued again: the worker sends it within seconds.",
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

// ------------------------------------------------------------------ reminder timing

fn reminders_form(reminders: &str, joining: &str, version: i64) -> FormView {
    FormView {
        title: "Reminders and joining instructions".into(),
        action: "/admin/reminders".into(),
        submit: "Save".into(),
        cancel_href: "/admin/messages".into(),
        version: Some(version),
        fields: vec![
            Field::new("reminders", "Reminders, before the start", "text", reminders).help(
                "A list such as \"7 days, 1 day\" (days, hours or weeks; at most 6). Everyone booked when a reminder falls due gets it; who books later gets only the next ones. Empty: no reminders.",
            ),
            Field::new("joining", "Joining instructions, before the start", "text", joining).help(
                "For example \"3 days\". The venue, room and address, or the joining link, and the session's joining notes. Who books later gets them within a minute. 0 or \"off\": not sent.",
            ),
        ],
        problems: Vec::new(),
    }
}

fn may_edit_reminders(c: &Caller) -> Result<(), AppError> {
    c.require(
        matches!(
            c.role,
            trainyard_core::Role::Admin | trainyard_core::Role::Manager
        ),
        "change the reminder settings",
    )
}

async fn reminders(State(s): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    if let Err(e) = may_edit_reminders(&c) {
        return error_page(e, Some(&c));
    }
    match trainyard_app::reminders::get_settings(&s.app, &c).await {
        Ok(r) => {
            let reminders = if r.reminder_hours.is_empty() {
                String::new()
            } else {
                r.reminders.clone()
            };
            let view = reminders_form(&reminders, &r.joining, r.version);
            super::FormPage {
                chrome: Chrome::new(&c, "reminders", flash),
                view,
            }
            .into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RemindersForm {
    reminders: String,
    joining: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
}

async fn save_reminders(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<RemindersForm>,
) -> Response {
    match trainyard_app::reminders::save_settings_text(
        &s.app,
        &c,
        &f.reminders,
        &f.joining,
        f.version,
    )
    .await
    {
        Ok(r) => saved(
            "/admin/reminders",
            &format!(
                "Saved: reminders {} before the start; joining instructions {}.",
                r.reminders,
                if r.joining_hours > 0 {
                    format!("{} before", r.joining)
                } else {
                    "off".into()
                }
            ),
        ),
        Err(e) => super::form_refused(
            Chrome::new(&c, "reminders", None),
            reminders_form(&f.reminders, &f.joining, f.version),
            e,
            &c,
        ),
    }
}

// ------------------------------------------------------------------ who messages are from

fn settings_form(
    company: &str,
    sender: &str,
    reply_to: &str,
    language: &str,
    version: i64,
) -> FormView {
    FormView {
        title: "Sender and company name".into(),
        action: "/admin/message-settings".into(),
        submit: "Save".into(),
        cancel_href: "/admin/messages".into(),
        version: Some(version),
        fields: vec![
            Field::new("company_name", "Company name", "text", company).help(
                "Shown as the sender's name, in the header of every e-mail and in its sign-off. Empty: \"Trainyard\".",
            ),
            Field::new("sender_email", "Sender address", "email", sender).help(
                "The From address of every e-mail and the organizer of calendar invitations, e.g. training@example.com. Your mail server must be allowed to send as it. Empty: the server's configured sender.",
            ),
            Field::new("reply_to", "Reply-to address", "email", reply_to).help(
                "Where answers go, e.g. the training team's shared mailbox. Empty: answers go to the sender address.",
            ),
            Field::new("default_language", "Company language", "select", language)
                .choices(crate::i18n::language_choices(), Some("English (default)"))
                .help("Messages and pages for everyone whose own language (or their client's) is not set. Messages without wording in it are sent in English."),
        ],
        problems: Vec::new(),
    }
}

async fn message_settings(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
) -> Response {
    match messages::get_settings(&s.app, &c).await {
        Ok(m) => super::FormPage {
            chrome: Chrome::new(&c, "messages", flash),
            view: settings_form(
                &m.company_name,
                &m.sender_email,
                &m.reply_to,
                &m.default_language,
                m.version,
            ),
        }
        .into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    company_name: String,
    sender_email: String,
    reply_to: String,
    default_language: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
}

async fn save_message_settings(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<SettingsForm>,
) -> Response {
    match messages::save_settings(
        &s.app,
        &c,
        &f.company_name,
        &f.sender_email,
        &f.reply_to,
        f.version,
    )
    .await
    {
        Ok(m) if m.default_language == f.default_language.trim() => saved(
            "/admin/message-settings",
            "Saved: every e-mail from now on, queued ones included, goes out with these.",
        ),
        Ok(m) => {
            match messages::save_company_language(&s.app, &c, &f.default_language, m.version).await
            {
                Ok(_) => {
                    crate::i18n::company_changed();
                    saved(
                        "/admin/message-settings",
                        "Saved, with the company's new language.",
                    )
                }
                Err(e) => super::form_refused(
                    Chrome::new(&c, "messages", None),
                    settings_form(
                        &f.company_name,
                        &f.sender_email,
                        &f.reply_to,
                        &f.default_language,
                        m.version,
                    ),
                    e,
                    &c,
                ),
            }
        }
        Err(e) => super::form_refused(
            Chrome::new(&c, "messages", None),
            settings_form(
                &f.company_name,
                &f.sender_email,
                &f.reply_to,
                &f.default_language,
                f.version,
            ),
            e,
            &c,
        ),
    }
}
