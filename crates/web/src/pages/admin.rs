//! Administration: users, the audit trail, and each user's own API tokens.

use super::DetailPage;
use super::{FormPage, Submit, form_refused, saved};
use crate::AppState;
use crate::api::UserBody;
use crate::auth::Viewer;
use crate::pages::{Flash, error_page};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::account_links::{self, InviteKind};
use trainyard_app::accounts;
use trainyard_app::history;
use trainyard_app::store::audit::AuditFilter;
use trainyard_app::store::users::User;
use trainyard_core::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users).post(create_user))
        .route("/admin/users/new", get(new_user))
        .route("/admin/users/{id}", get(user_page).post(update_user))
        .route("/admin/users/{id}/edit", get(edit_user))
        .route("/admin/users/{id}/deactivate", post(deactivate_user))
        .route("/admin/users/{id}/reactivate", post(reactivate_user))
        .route("/admin/users/{id}/password-reset", post(password_reset))
        .route("/instructors/{id}/invite", get(invite_page).post(invite))
        .route("/clients/{id}/invite", get(invite_page).post(invite))
        .route("/learners/{id}/invite", get(invite_page).post(invite))
        .route("/admin/audit", get(audit))
        .route("/admin/audit/verify", post(verify))
        .route("/admin/audit/{id}", get(audit_event))
        .route("/account/tokens", get(tokens).post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

async fn users(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
) -> Response {
    let qs = QueryState::from_uri(&uri);
    let page_no = qs.get("page").parse().unwrap_or(1);
    let page = match accounts::list_users(&s.app, &c, page_no).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let (prev_href, next_href) = paging(&qs, "/admin/users", page.page, page.pages());
    let tr = crate::i18n::Tr::for_caller(&c);
    let view = ListView {
        title: tr.t("users-title"),
        path: "/admin/users",
        new_href: Some("/admin/users/new".into()),
        new_label: tr.t("user-new").into(),
        q: String::new(),
        filters: Vec::new(),
        columns: columns(
            &qs,
            "/admin/users",
            "",
            &[
                ("E-mail", "", false),
                ("Name", "", false),
                ("Role", "", false),
                ("Time zone", "", false),
                ("Status", "", false),
            ],
        ),
        rows: page
            .items
            .iter()
            .map(|u| Row {
                href: format!("/admin/users/{}", u.id),
                cells: vec![
                    Cell::text(&u.email),
                    Cell::text(&u.display_name),
                    Cell::badge(
                        tr.t_or(
                            &format!("role-{}", u.role.as_str().replace('_', "-")),
                            u.role.label(),
                        ),
                        "scheduled",
                    ),
                    Cell::text(&u.time_zone),
                    active_cell(u),
                ],
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: "/admin/users?format=csv".into(),
        empty_hint: tr.t("users-empty-hint").into(),
        filtered: false,
    };
    super::list_response(Chrome::new(&c, "users", flash), view, super::wants_csv(&qs))
}

fn active_cell(u: &User) -> Cell {
    let tr = crate::i18n::Tr::for_request();
    if u.archived_at.is_some() {
        Cell::badge(tr.t("users-deactivated"), "cancelled")
    } else {
        Cell::badge(tr.t("users-active"), "confirmed")
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct UserForm {
    email: String,
    display_name: String,
    role: String,
    client_id: String,
    instructor_id: String,
    learner_id: String,
    time_zone: String,
    language: String,
    password: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
}

impl UserForm {
    fn of(u: &User) -> Self {
        let id = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        Self {
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().to_owned(),
            client_id: id(u.client_id),
            instructor_id: id(u.instructor_id),
            learner_id: id(u.learner_id),
            time_zone: u.time_zone.clone(),
            language: u.language.clone().unwrap_or_default(),
            password: String::new(),
            version: u.version,
        }
    }

    fn body(&self) -> UserBody {
        let id = |v: &str| v.trim().parse().ok();
        UserBody {
            email: self.email.clone(),
            display_name: self.display_name.clone(),
            role: self.role.clone(),
            time_zone: self.time_zone.clone(),
            client_id: id(&self.client_id),
            instructor_id: id(&self.instructor_id),
            learner_id: id(&self.learner_id),
            language: Some(self.language.trim().to_owned()).filter(|l| !l.is_empty()),
        }
    }
}

/// The new-user form (`editing` = None) or a user's edit form.
async fn user_form(
    s: &AppState,
    c: &trainyard_app::Caller,
    f: &UserForm,
    editing: Option<&User>,
) -> FormView {
    let (instructors, clients) = accounts::link_choices(&s.app, c).await.unwrap_or_default();
    let tr = crate::i18n::Tr::for_caller(c);
    let mut fields = vec![
        Field::new("email", tr.t("user-email"), "email", &f.email).required(),
        Field::new("display_name", tr.t("user-name"), "text", &f.display_name).required(),
        Field::new("role", tr.t("user-role"), "select", &f.role).choices(
            enum_choices(
                &Role::ALL,
                |r| r.as_str(),
                |r| tr.t_or(&format!("role-{}", r.as_str().replace('_', "-")), r.label()),
            ),
            None,
        ),
        Field::new(
            "instructor_id",
            tr.t("user-instructor"),
            "select",
            &f.instructor_id,
        )
        .choices(id_choices(instructors), Some(tr.t("user-none")))
        .help(tr.t("user-instructor-help")),
        Field::new("client_id", tr.t("user-client"), "select", &f.client_id)
            .choices(id_choices(clients), Some(tr.t("user-none"))),
        Field::new("learner_id", tr.t("user-learner"), "number", &f.learner_id)
            .help(tr.t("user-learner-help")),
        Field::new("time_zone", tr.t("user-time-zone"), "text", &f.time_zone).required(),
        Field::new("language", tr.t("user-language"), "select", &f.language)
            .choices(
                crate::i18n::language_choices(),
                Some(tr.t("user-language-inherit")),
            )
            .help(tr.t("user-language-help")),
    ];
    if editing.is_none() {
        fields.push(
            Field::new("password", tr.t("user-password"), "text", "")
                .help(tr.t("user-password-help")),
        );
    }
    FormView {
        title: match editing {
            Some(u) => tr.t1("user-edit-title", "name", &u.email),
            None => tr.t("user-new").into(),
        },
        action: match editing {
            Some(u) => format!("/admin/users/{}", u.id),
            None => "/admin/users".into(),
        },
        submit: match editing {
            Some(_) => tr.t("user-save").into(),
            None => tr.t("user-create").into(),
        },
        cancel_href: match editing {
            Some(u) => format!("/admin/users/{}", u.id),
            None => "/admin/users".into(),
        },
        version: editing.map(|u| u.version),
        fields,
        problems: Vec::new(),
    }
}

async fn new_user(State(s): State<AppState>, Viewer(c): Viewer) -> Response {
    if let Err(e) = c.require(c.role.can_administer(), "create user accounts") {
        return error_page(e, Some(&c));
    }
    let f = UserForm {
        role: "coordinator".into(),
        time_zone: c.time_zone.clone(),
        ..Default::default()
    };
    FormPage {
        chrome: Chrome::new(&c, "users", None),
        view: user_form(&s, &c, &f, None).await,
    }
    .into_response()
}

async fn create_user(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<UserForm>,
) -> Response {
    // The form is read before anything else, as it always was: a form without a role is
    // refused as such, whoever sends it.
    if let Err(e) = Role::parse(&f.role) {
        let view = user_form(&s, &c, &f, None).await;
        return form_refused(
            Chrome::new(&c, "users", None),
            view,
            trainyard_core::Invalid::field("role", e.to_string()).into(),
            &c,
        );
    }
    let password = (!f.password.is_empty()).then(|| f.password.clone());
    let emailed = password.is_none();
    match crate::api::create_user(&s, &c, f.body(), password).await {
        Ok(u) => saved(
            &format!("/admin/users/{}", u.id),
            &if emailed {
                format!(
                    "User {} created; a link to choose a password is on its way.",
                    u.email
                )
            } else {
                format!("User {} created.", u.email)
            },
        ),
        Err(e) => {
            let view = user_form(&s, &c, &f, None).await;
            form_refused(Chrome::new(&c, "users", None), view, e, &c)
        }
    }
}

/// A user's own page: details, links, and what an administrator may do with the account.
async fn user_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    let u = match accounts::get_user(&s.app, &c, id).await {
        Ok(u) => u,
        Err(e) => return error_page(e, Some(&c)),
    };
    let viewer = viewer_tz(&c);
    let mut facts = vec![
        fact("E-mail", &u.email),
        fact("Role", u.role.label()),
        fact("Time zone", &u.time_zone),
        fact("Created", viewer.display(u.created_at)),
    ];
    let (instructor, client, learner) = accounts::linked_names(&s.app, &c, &u)
        .await
        .unwrap_or_default();
    let label = |name: Option<String>, id: i64| name.unwrap_or_else(|| format!("#{id}"));
    if let Some(i) = u.instructor_id {
        facts.push(link_fact(
            "Instructor",
            label(instructor, i),
            format!("/instructors/{i}"),
        ));
    }
    if let Some(cl) = u.client_id {
        facts.push(link_fact(
            "Client",
            label(client, cl),
            format!("/clients/{cl}"),
        ));
    }
    if let Some(l) = u.learner_id {
        facts.push(link_fact(
            "Learner",
            label(learner, l),
            format!("/learners/{l}"),
        ));
    }
    if let Some(at) = u.archived_at {
        facts.push(fact("Deactivated", viewer.display(at)));
    }
    let mut actions = vec![Action::link("Edit", format!("/admin/users/{id}/edit"))];
    if u.archived_at.is_some() {
        let mut a = Action::post("Reactivate", format!("/admin/users/{id}/reactivate"), None);
        a.primary = true;
        actions.push(a);
    } else {
        actions.push(Action::post(
            "Send password reset",
            format!("/admin/users/{id}/password-reset"),
            Some("E-mail this user a link to set a new password?"),
        ));
        if id != c.user_id {
            actions.push(Action::post(
                "Deactivate",
                format!("/admin/users/{id}/deactivate"),
                Some("Deactivate this account? They are signed out everywhere and their API tokens are revoked."),
            ));
        }
    }
    let events = history::of_record(&s.app, &c, "user", id)
        .await
        .unwrap_or_default();
    DetailPage {
        chrome: Chrome::new(&c, "users", flash),
        view: DetailView {
            title: u.display_name.clone(),
            subtitle: format!("{} account", u.role.label()),
            status: Some(active_cell(&u)),
            back_href: "/admin/users",
            back_label: "Users",
            version: u.version,
            actions,
            facts,
            sections: Vec::new(),
            history: crate::views::history(events, &viewer),
            tab: String::new(),
        },
    }
    .into_response()
}

async fn edit_user(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    let u = match accounts::get_user(&s.app, &c, id).await {
        Ok(u) => u,
        Err(e) => return error_page(e, Some(&c)),
    };
    FormPage {
        chrome: Chrome::new(&c, "users", None),
        view: user_form(&s, &c, &UserForm::of(&u), Some(&u)).await,
    }
    .into_response()
}

async fn update_user(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<UserForm>,
) -> Response {
    if let Err(e) = c.require(c.role.can_administer(), "change user accounts") {
        return error_page(e, Some(&c));
    }
    let b = f.body();
    let changes = match Role::parse(&b.role) {
        Ok(role) => accounts::UserChanges {
            email: b.email,
            display_name: b.display_name,
            role,
            time_zone: b.time_zone,
            client_id: b.client_id,
            instructor_id: b.instructor_id,
            learner_id: b.learner_id,
            language: b.language.unwrap_or_default(),
        },
        Err(e) => {
            return error_page(
                trainyard_core::Invalid::field("role", e.to_string()).into(),
                Some(&c),
            );
        }
    };
    match accounts::update_user(&s.app, &c, id, f.version, changes).await {
        Ok(u) => saved(
            &format!("/admin/users/{id}"),
            &format!("User {} saved.", u.email),
        ),
        Err(e) => {
            let current = accounts::get_user(&s.app, &c, id).await;
            let mut view = user_form(&s, &c, &f, current.as_ref().ok()).await;
            // Keep the version the user started from: a stale save must stay stale.
            view.version = Some(f.version);
            form_refused(Chrome::new(&c, "users", None), view, e, &c)
        }
    }
}

async fn set_active(
    s: &AppState,
    c: &trainyard_app::Caller,
    id: i64,
    version: i64,
    active: bool,
) -> Response {
    match accounts::set_user_active(&s.app, c, id, version, active).await {
        Ok(u) => saved(
            &format!("/admin/users/{id}"),
            &if active {
                format!("{} is active again.", u.email)
            } else {
                format!(
                    "{} is deactivated: signed out everywhere, API tokens revoked.",
                    u.email
                )
            },
        ),
        Err(e) => error_page(e, Some(c)),
    }
}

async fn deactivate_user(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<super::VersionForm>,
) -> Response {
    set_active(&s, &c, id, f.version, false).await
}

async fn reactivate_user(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<super::VersionForm>,
) -> Response {
    set_active(&s, &c, id, f.version, true).await
}

async fn password_reset(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, .. }: Submit<super::VersionForm>,
) -> Response {
    match account_links::send_password_link(&s.app, &c, id, false).await {
        Ok(()) => saved(
            &format!("/admin/users/{id}"),
            "A link to set a new password is on its way.",
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

// ------------------------------------------------------------------ invitations

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    email: String,
    name: String,
}

/// The kind of record from the path ("/instructors/7/invite").
fn invite_kind(uri: &Uri) -> Option<InviteKind> {
    InviteKind::from_path(uri.path().trim_start_matches('/').split('/').next()?)
}

fn invite_form(kind: InviteKind, id: i64, f: &InviteForm) -> FormView {
    let (noun, path) = match kind {
        InviteKind::Instructor => ("instructor", "instructors"),
        InviteKind::Client => ("client's contact", "clients"),
        InviteKind::Learner => ("learner", "learners"),
    };
    FormView {
        title: format!("Invite the {noun} to Trainyard"),
        action: format!("/{path}/{id}/invite"),
        submit: "Send invitation".into(),
        cancel_href: format!("/{path}/{id}"),
        version: None,
        fields: vec![
            Field::new("name", "Name", "text", &f.name).required(),
            Field::new("email", "E-mail", "email", &f.email)
                .required()
                .help("They get a link, valid 48 hours and usable once, to choose a password; their account is linked to this record"),
        ],
        problems: Vec::new(),
    }
}

async fn invite_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<i64>,
    uri: Uri,
) -> Response {
    let Some(kind) = invite_kind(&uri) else {
        return error_page(trainyard_app::AppError::NotFound("the page"), Some(&c));
    };
    if let Err(e) = c.require(c.role.can_administer(), "invite people to Trainyard") {
        return error_page(e, Some(&c));
    }
    let f = match account_links::invitee_defaults(&s.app, &c, kind, id).await {
        Ok((name, email)) => InviteForm { email, name },
        Err(e) => return error_page(e, Some(&c)),
    };
    FormPage {
        chrome: Chrome::new(&c, kind.path(), None),
        view: invite_form(kind, id, &f),
    }
    .into_response()
}

async fn invite(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    uri: Uri,
    Submit { caller: c, form: f }: Submit<InviteForm>,
) -> Response {
    let Some(kind) = invite_kind(&uri) else {
        return error_page(trainyard_app::AppError::NotFound("the page"), Some(&c));
    };
    match account_links::invite(&s.app, &c, kind, id, Some(&f.email), Some(&f.name)).await {
        Ok(i) => saved(
            &format!("/{}/{id}", kind.path()),
            &format!("Invitation sent to {}.", i.email),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, kind.path(), None),
            invite_form(kind, id, &f),
            e,
            &c,
        ),
    }
}

/// A day typed in a filter, as the instant it starts in the viewer's zone.
fn filter_day(
    raw: &str,
    field: &str,
    zone: &trainyard_core::TimeZoneName,
    inv: &mut trainyard_core::Invalid,
) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) => Some(zone.start_of_day_ms(d)),
        Err(_) => {
            inv.add(field, "is not a date (expected YYYY-MM-DD)");
            None
        }
    }
}

fn filter_id(raw: &str, field: &str, inv: &mut trainyard_core::Invalid) -> Option<i64> {
    let raw = raw.trim().trim_start_matches('#');
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            inv.add(field, "is not a record number");
            None
        }
    }
}

const AUDITED_TYPES: [&str; 12] = [
    "assignment",
    "booking",
    "client",
    "course",
    "enrollment",
    "instructor",
    "learner",
    "program",
    "resource",
    "session",
    "user",
    "venue",
];

/// The record's own page, where there is one.
fn record_href(t: &str, id: i64) -> Option<String> {
    matches!(
        t,
        "course"
            | "session"
            | "instructor"
            | "venue"
            | "resource"
            | "client"
            | "program"
            | "learner"
    )
    .then(|| format!("/{t}s/{id}"))
}

async fn audit(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(q): Query<AuditQuery>,
) -> Response {
    let viewer = viewer_tz(&c);
    let mut inv = trainyard_core::Invalid::new();
    let f = AuditFilter {
        entity_type: (!q.entity_type.is_empty()).then(|| q.entity_type.clone()),
        entity_id: filter_id(&q.entity_id, "entity_id", &mut inv),
        actor_user_id: filter_id(&q.user_id, "user_id", &mut inv),
        action: (!q.action.trim().is_empty()).then(|| q.action.trim().to_owned()),
        from_ms: filter_day(&q.from, "from", &viewer, &mut inv),
        // "to" is inclusive: events on that day are shown.
        to_ms: filter_day(&q.to, "to", &viewer, &mut inv).map(|t| t + 86_400_000),
        q: q.q.clone(),
        page: q.page,
        per_page: 50,
    };
    if !inv.is_empty() {
        return error_page(inv.into(), Some(&c));
    }
    let page = match history::recent(&s.app, &c, &f).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let people = history::actors(&s.app, &c).await.unwrap_or_default();
    let qs = QueryState::from_uri(&uri);
    let (prev_href, next_href) = paging(&qs, "/admin/audit", page.page, page.pages());
    let text_filter = |name: &'static str, label: &'static str, value: &str| Filter {
        name,
        label,
        kind: "text",
        value: value.to_owned(),
        options: Vec::new(),
    };
    let view = ListView {
        title: crate::i18n::Tr::for_caller(&c).t("nav-audit-trail"),
        path: "/admin/audit",
        new_href: None,
        new_label: String::new(),
        q: q.q.clone(),
        filters: vec![
            Filter::select(
                "user_id",
                "Who",
                &q.user_id,
                people
                    .into_iter()
                    .map(|(id, label)| (id.to_string(), label))
                    .collect(),
            ),
            Filter::select(
                "entity_type",
                "Record type",
                &q.entity_type,
                AUDITED_TYPES
                    .iter()
                    .map(|t| ((*t).to_owned(), (*t).to_owned()))
                    .collect(),
            ),
            text_filter("entity_id", "Record #", &q.entity_id),
            text_filter("action", "Action", &q.action),
            Filter::date("from", "From", &q.from),
            Filter::date("to", "To", &q.to),
        ],
        columns: columns(
            &qs,
            "/admin/audit",
            "",
            &[
                ("#", "", true),
                ("When", "", false),
                ("Who", "", false),
                ("Action", "", false),
                ("Record", "", false),
                ("Hash", "", false),
            ],
        ),
        rows: page
            .items
            .iter()
            .map(|e| Row {
                href: format!("/admin/audit/{}", e.id),
                cells: vec![
                    Cell::num(e.id),
                    Cell::text(viewer.display(e.occurred_at)),
                    Cell::text(&e.actor_label),
                    Cell::text(&e.action),
                    Cell::text(format!("{} #{}", e.entity_type, e.entity_id)),
                    Cell::text(e.hash.chars().take(12).collect::<String>()),
                ],
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with("/admin/audit", &[("format", "csv")]),
        empty_hint: "Every change anyone makes appears here, hash-chained so tampering shows."
            .into(),
        filtered: qs.is_filtered(),
    };
    let mut chrome = Chrome::new(&c, "audit", flash);
    if chrome.flash.is_none() {
        chrome.flash = None;
    }
    super::list_response(chrome, view, super::wants_csv(&qs))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AuditQuery {
    entity_type: String,
    entity_id: String,
    user_id: String,
    action: String,
    from: String,
    to: String,
    q: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    page: i64,
}

/// One field of a change: its value before and after.
struct FieldChange {
    field: String,
    before: String,
    after: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit_event.html")]
struct AuditEventPage {
    chrome: Chrome,
    id: i64,
    when: String,
    who: String,
    action: String,
    record: String,
    record_href: Option<String>,
    history_href: String,
    changes: Vec<FieldChange>,
    unchanged: usize,
    hash: String,
    pending: bool,
}

impl AuditEventPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn shown(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "—".into(),
        Some(serde_json::Value::String(s)) if s.is_empty() => "(empty)".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Before → after per field: the fields that differ, in the snapshot's order. A snapshot that is
/// not an object (rare) is one field, "value".
fn field_changes(
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> (Vec<FieldChange>, usize) {
    let empty = serde_json::Map::new();
    let as_map = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::Object(m)) => Some(m.clone()),
        None | Some(serde_json::Value::Null) => Some(empty.clone()),
        Some(_) => None,
    };
    let (Some(b), Some(a)) = (as_map(before), as_map(after)) else {
        return (
            vec![FieldChange {
                field: "value".into(),
                before: shown(before),
                after: shown(after),
            }],
            0,
        );
    };
    let mut keys: Vec<&String> = b.keys().collect();
    for k in a.keys() {
        if !b.contains_key(k) {
            keys.push(k);
        }
    }
    let mut changes = Vec::new();
    let mut unchanged = 0;
    for k in keys {
        let (x, y) = (b.get(k), a.get(k));
        if x == y {
            unchanged += 1;
            continue;
        }
        changes.push(FieldChange {
            field: k.clone(),
            before: shown(x),
            after: shown(y),
        });
    }
    (changes, unchanged)
}

async fn audit_event(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return error_page(trainyard_app::AppError::NotFound("audit event"), Some(&c));
    };
    let e = match history::event(&s.app, &c, id).await {
        Ok(e) => e,
        Err(e) => return error_page(e, Some(&c)),
    };
    let (changes, unchanged) = field_changes(e.before.as_ref(), e.after.as_ref());
    AuditEventPage {
        chrome: Chrome::new(&c, "audit", None),
        id: e.id,
        when: viewer_tz(&c).display(e.occurred_at),
        who: e.actor_label.clone(),
        action: e.action.clone(),
        record: format!("{} #{}", e.entity_type, e.entity_id),
        record_href: record_href(&e.entity_type, e.entity_id),
        history_href: format!(
            "/admin/audit?entity_type={}&entity_id={}",
            crate::auth::urlencode(&e.entity_type),
            e.entity_id
        ),
        changes,
        unchanged,
        hash: e.hash.clone(),
        pending: e.pending,
    }
    .into_response()
}

async fn verify(
    State(s): State<AppState>,
    Submit { caller: c, .. }: Submit<super::VersionForm>,
) -> Response {
    match history::verify(&s.app, &c).await {
        Ok(n) => saved(
            "/admin/audit",
            &format!("The audit trail is intact: {n} events verified."),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<TokenRow>,
    /// Every scope with whether the form has it ticked.
    scopes: Vec<(&'static str, bool)>,
    name: String,
    days: String,
    new_secret: Option<String>,
    error: Option<String>,
}

struct TokenRow {
    id: i64,
    name: String,
    scopes: String,
    created: String,
    expires: String,
    used: String,
    /// active, expired or revoked
    state: &'static str,
}

impl TokensPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn tokens_page(
    s: &AppState,
    c: &trainyard_app::Caller,
    flash: Option<String>,
    new_secret: Option<String>,
    error: Option<String>,
    form: TokenForm,
) -> Response {
    let viewer = viewer_tz(c);
    let chrome = Chrome::new(c, "tokens", flash);
    let tr = &chrome.tr;
    let now = trainyard_core::time::now_ms();
    let tokens = accounts::list_api_tokens(&s.app, c)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            scopes: t.scopes,
            created: viewer.display(t.created_at),
            expires: t
                .expires_at
                .map(|u| viewer.display(u))
                .unwrap_or_else(|| tr.t("tokens-never").into()),
            used: t
                .last_used_at
                .map(|u| viewer.display(u))
                .unwrap_or_else(|| tr.t("tokens-never").into()),
            state: if t.revoked_at.is_some() {
                "revoked"
            } else if t.expires_at.is_some_and(|e| e <= now) {
                "expired"
            } else {
                "active"
            },
        })
        .collect();
    let scopes = trainyard_core::scope::Scope::ALL
        .iter()
        .map(|sc| (sc.as_str(), form.scopes.iter().any(|x| x == sc.as_str())))
        .collect();
    TokensPage {
        chrome,
        tokens,
        scopes,
        name: form.name,
        days: form.expires_in_days,
        new_secret,
        error,
    }
    .into_response()
}

async fn tokens(State(s): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    let blank = TokenForm {
        expires_in_days: trainyard_core::scope::DEFAULT_TOKEN_DAYS.to_string(),
        ..TokenForm::default()
    };
    tokens_page(&s, &c, flash, None, None, blank).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TokenForm {
    name: String,
    scopes: Vec<String>,
    expires_in_days: String,
}

async fn create_token(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<TokenForm>,
) -> Response {
    let days = f.expires_in_days.trim();
    let req = accounts::TokenRequest {
        name: f.name.clone(),
        scopes: f.scopes.join(" "),
        // Anything but a whole number is out of range, refused with the range named.
        expires_in_days: Some(if days.is_empty() {
            trainyard_core::scope::DEFAULT_TOKEN_DAYS
        } else {
            days.parse().unwrap_or(0)
        }),
    };
    match accounts::create_api_token(&s.app, &c, &req).await {
        Ok(t) => {
            let flash = crate::i18n::Tr::for_caller(&c)
                .t("tokens-created")
                .to_owned();
            let blank = TokenForm {
                expires_in_days: trainyard_core::scope::DEFAULT_TOKEN_DAYS.to_string(),
                ..TokenForm::default()
            };
            tokens_page(&s, &c, Some(flash), Some(t.secret), None, blank).await
        }
        Err(e) => tokens_page(&s, &c, None, None, Some(crate::error_page::said(&e)), f).await,
    }
}

async fn revoke_token(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, .. }: Submit<super::VersionForm>,
) -> Response {
    match accounts::revoke_api_token(&s.app, &c, id).await {
        Ok(()) => saved(
            "/account/tokens",
            crate::i18n::Tr::for_caller(&c).t("tokens-revoked"),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}
