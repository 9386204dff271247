//! Webhooks in the admin area: the endpoints, their form, an endpoint's page (secret, delivery log,
//! replay of a time range, history), one delivery with its attempts, and replays.

use super::{FormPage, Submit, error_page, form_refused, saved};
use crate::AppState;
use crate::auth::Viewer;
use crate::pages::Flash;
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::store::webhooks::{Delivery, DeliveryFilter, Endpoint};
use trainyard_app::webhooks as uc;
use trainyard_app::{AppError, Caller, history};
use trainyard_core::webhook::EndpointFields;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(list).post(create))
        .route("/admin/webhooks/new", get(new))
        .route("/admin/webhooks/{id}", get(page).post(update))
        .route("/admin/webhooks/{id}/edit", get(edit))
        .route("/admin/webhooks/{id}/rotate", post(rotate))
        .route("/admin/webhooks/{id}/replay", post(replay_range))
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery_id}",
            get(delivery_page),
        )
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery_id}/replay",
            post(replay),
        )
}

const AREA: &str = "webhooks";

fn state_cell(e: &Endpoint) -> Cell {
    if e.enabled {
        Cell::badge("On", "confirmed")
    } else if e.disabled_reason.is_some() {
        Cell::badge("Turned off after failures", "failed")
    } else {
        Cell::badge("Off", "cancelled")
    }
}

fn delivery_cell(d: &Delivery) -> Cell {
    match d.status.as_str() {
        "delivered" => Cell::badge(crate::i18n::t("status-delivered"), "delivered"),
        "failed" => Cell::badge(crate::i18n::t("lrs-given-up"), "failed"),
        _ if d.attempts > 0 => Cell::badge(crate::i18n::t("lrs-retrying"), "tentative"),
        _ => Cell::badge(crate::i18n::t("lrs-waiting"), "tentative"),
    }
}

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
) -> Response {
    let qs = QueryState::from_uri(&uri);
    let endpoints = match uc::list_endpoints(&s.app, &c).await {
        Ok(e) => e,
        Err(e) => return error_page(e, Some(&c)),
    };
    let total = endpoints.len() as i64;
    let view = ListView {
        title: "Webhooks",
        path: "/admin/webhooks",
        new_href: Some("/admin/webhooks/new".into()),
        new_label: "New endpoint".into(),
        q: String::new(),
        filters: Vec::new(),
        columns: columns(
            &qs,
            "/admin/webhooks",
            "",
            &[
                ("Address", "", false),
                ("Events", "", false),
                ("State", "", false),
                ("Waiting", "", true),
                ("Given up", "", true),
                ("Failures in a row", "", true),
            ],
        ),
        rows: endpoints
            .iter()
            .map(|e| Row {
                href: format!("/admin/webhooks/{}", e.id),
                cells: vec![
                    Cell::text(&e.url),
                    Cell::text(e.event_types.join(" ")),
                    state_cell(e),
                    Cell::num(e.pending),
                    Cell::num(e.failed),
                    Cell::num(e.consecutive_failures),
                ],
            })
            .collect(),
        total,
        page: 1,
        pages: 1,
        prev_href: None,
        next_href: None,
        csv_href: "/admin/webhooks?format=csv".into(),
        empty_hint: "Subscribe an HTTPS endpoint to changes (sessions, enrollments, invoices…): \
            Trainyard sends each change as a signed JSON event."
            .into(),
        filtered: false,
    };
    super::list_response(Chrome::new(&c, AREA, flash), view, super::wants_csv(&qs))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct EndpointForm {
    url: String,
    description: String,
    event_types: String,
    #[serde(deserialize_with = "trainyard_app::store::row::flag")]
    enabled: bool,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
}

impl EndpointForm {
    fn of(e: &Endpoint) -> Self {
        Self {
            url: e.url.clone(),
            description: e.description.clone(),
            event_types: e.event_types.join(" "),
            enabled: e.enabled,
            version: e.version,
        }
    }

    fn fields(&self) -> EndpointFields {
        EndpointFields {
            url: self.url.clone(),
            description: self.description.clone(),
            event_types: self.event_types.clone(),
            enabled: self.enabled,
        }
    }
}

fn form_view(f: &EndpointForm, editing: Option<&Endpoint>) -> FormView {
    FormView {
        title: match editing {
            Some(e) => format!("Edit {}", e.url),
            None => "New webhook endpoint".into(),
        },
        action: match editing {
            Some(e) => format!("/admin/webhooks/{}", e.id),
            None => "/admin/webhooks".into(),
        },
        submit: match editing {
            Some(_) => "Save endpoint".into(),
            None => "Create endpoint".into(),
        },
        cancel_href: match editing {
            Some(e) => format!("/admin/webhooks/{}", e.id),
            None => "/admin/webhooks".into(),
        },
        version: editing.map(|_| f.version),
        fields: vec![
            Field::new("url", "Address", "text", &f.url)
                .required()
                .help("https://… (plain http:// only to this machine: 127.0.0.1, ::1 or localhost)"),
            Field::new("description", "Description", "text", &f.description)
                .help("What receives the events, e.g. \"CRM sync\""),
            Field::new("event_types", "Events", "textarea", &f.event_types)
                .required()
                .help(
                    "Patterns separated by spaces or lines: * for every event; session.*, assignment.*, \
                     enrollment.*, invoice.*, certificate.*, program.*, course.*, learner.*, instructor.*, \
                     client.*, venue.*, resource.*; or one event such as invoice.issued",
                ),
            Field::new(
                "enabled",
                "On: queue and send events",
                "checkbox",
                if f.enabled { "true" } else { "" },
            ),
        ],
        problems: Vec::new(),
    }
}

fn require_admin(c: &Caller) -> Result<(), AppError> {
    c.require(c.role.can_administer(), "manage webhooks")
}

async fn new(Viewer(c): Viewer) -> Response {
    if let Err(e) = require_admin(&c) {
        return error_page(e, Some(&c));
    }
    let f = EndpointForm {
        event_types: "session.* assignment.* enrollment.*".into(),
        enabled: true,
        ..Default::default()
    };
    FormPage {
        chrome: Chrome::new(&c, AREA, None),
        view: form_view(&f, None),
    }
    .into_response()
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<EndpointForm>,
) -> Response {
    match uc::create_endpoint(&s.app, &c, &f.fields()).await {
        Ok(created) => saved(
            &format!("/admin/webhooks/{}", created.endpoint.id),
            "Endpoint created. Give its signing secret (below) to the receiver to verify each event.",
        ),
        Err(e) => form_refused(Chrome::new(&c, AREA, None), form_view(&f, None), e, &c),
    }
}

async fn edit(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    match uc::get_endpoint(&s.app, &c, id).await {
        Ok(e) => FormPage {
            chrome: Chrome::new(&c, AREA, None),
            view: form_view(&EndpointForm::of(&e), Some(&e)),
        }
        .into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<EndpointForm>,
) -> Response {
    match uc::update_endpoint(&s.app, &c, id, f.version, &f.fields()).await {
        Ok(_) => saved(&format!("/admin/webhooks/{id}"), "Endpoint saved."),
        Err(e) => match uc::get_endpoint(&s.app, &c, id).await {
            Ok(current) => form_refused(
                Chrome::new(&c, AREA, None),
                form_view(&f, Some(&current)),
                e,
                &c,
            ),
            Err(other) => error_page(other, Some(&c)),
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "webhook.html")]
struct EndpointPage {
    chrome: Chrome,
    e: Endpoint,
    status: Cell,
    facts: Vec<Fact>,
    secret: String,
    previous_secret: Option<(String, String)>,
    filters: Vec<Filter>,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    replay_from: String,
    replay_to: String,
    zone: String,
    history: Vec<HistoryEntry>,
}

impl EndpointPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

const LOG_COLUMNS: [&str; 7] = [
    "Event",
    "Type",
    "Created",
    "State",
    "Attempts",
    "Last answer",
    "Error",
];

impl EndpointPage {
    fn column_label(&self, i: usize) -> &str {
        LOG_COLUMNS.get(i).copied().unwrap_or("")
    }
}

async fn page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
    uri: Uri,
) -> Response {
    let e = match uc::get_endpoint(&s.app, &c, id).await {
        Ok(e) => e,
        Err(e) => return error_page(e, Some(&c)),
    };
    let qs = QueryState::from_uri(&uri);
    let filter = DeliveryFilter {
        status: qs.get("status").to_owned(),
        event_type: qs.get("event_type").to_owned(),
        page: qs.get("page").parse().unwrap_or(1),
        per_page: 50,
    };
    let log = match uc::list_deliveries(&s.app, &c, id, &filter).await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(&c)),
    };
    let secrets = match uc::get_secret(&s.app, &c, id).await {
        Ok(s) => s,
        Err(e) => return error_page(e, Some(&c)),
    };
    let viewer = viewer_tz(&c);
    let now = trainyard_core::time::now_ms();
    let mut facts = vec![
        fact("Address", &e.url),
        fact(
            "Description",
            if e.description.is_empty() {
                "—".to_owned()
            } else {
                e.description.clone()
            },
        ),
        fact("Events", e.event_types.join(" ")),
        fact("Waiting", e.pending.to_string()),
        fact("Given up", e.failed.to_string()),
        fact("Failures in a row", e.consecutive_failures.to_string()),
        fact("Created", viewer.display(e.created_at)),
    ];
    if let Some(why) = &e.disabled_reason {
        facts.push(fact("Turned off", why.clone()));
    }
    let previous_secret = match (secrets.previous_secret, secrets.previous_secret_until) {
        (Some(old), Some(until)) if until > now => Some((old, viewer.display(until))),
        _ => None,
    };
    let path = format!("/admin/webhooks/{id}");
    let pages = log.pages();
    let page_href = |p: i64| {
        let mut q = vec![("page".to_owned(), p.to_string())];
        for k in ["status", "event_type"] {
            if !qs.get(k).is_empty() {
                q.push((k.to_owned(), qs.get(k).to_owned()));
            }
        }
        format!(
            "{path}?{}#deliveries",
            serde_urlencoded::to_string(&q).unwrap_or_default()
        )
    };
    let prev_href = (log.page > 1).then(|| page_href(log.page - 1));
    let next_href = (log.page < pages).then(|| page_href(log.page + 1));
    let rows = log
        .items
        .iter()
        .map(|d| Row {
            href: format!("/admin/webhooks/{id}/deliveries/{}", d.id),
            cells: vec![
                Cell::text(format!("#{}", d.id)),
                Cell::text(&d.event_type),
                Cell::when(viewer.display(d.created_at)),
                delivery_cell(d),
                Cell::num(d.attempts),
                Cell::text(
                    d.last_status_code
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "—".into()),
                ),
                Cell::text(d.last_error.clone().unwrap_or_default()),
            ],
        })
        .collect();
    let filters = vec![Filter::select(
        "status",
        "State",
        qs.get("status"),
        vec![
            ("pending".into(), "Waiting or retrying".into()),
            ("delivered".into(), "Delivered".into()),
            ("failed".into(), crate::i18n::t("lrs-given-up").into()),
        ],
    )];
    let history = history::of_record(&s.app, &c, "webhook_endpoint", id)
        .await
        .unwrap_or_default();
    EndpointPage {
        chrome: Chrome::new(&c, AREA, flash),
        status: state_cell(&e),
        facts,
        secret: secrets.secret,
        previous_secret,
        filters,
        rows,
        total: log.total,
        page: log.page,
        pages,
        prev_href,
        next_href,
        replay_from: viewer.input_value(now - 86_400_000),
        replay_to: viewer.input_value(now + 60_000),
        zone: viewer.as_str().to_owned(),
        history: crate::views::history(history, &viewer),
        e,
    }
    .into_response()
}

async fn rotate(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: v }: Submit<super::VersionForm>,
) -> Response {
    match uc::rotate_secret(&s.app, &c, id, v.version).await {
        Ok(_) => saved(
            &format!("/admin/webhooks/{id}"),
            "New secret made. The previous one keeps signing beside it for 24 hours: switch the receiver over within a day.",
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ReplayForm {
    from: String,
    to: String,
    #[serde(deserialize_with = "trainyard_app::store::row::flag")]
    failed_only: bool,
}

async fn replay_range(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<ReplayForm>,
) -> Response {
    let viewer = viewer_tz(&c);
    let mut inv = trainyard_core::Invalid::new();
    let from = inv.check("from", viewer.parse_local(&f.from));
    let to = inv.check("to", viewer.parse_local(&f.to));
    let (Some(from), Some(to)) = (from, to) else {
        return error_page(AppError::Invalid(inv), Some(&c));
    };
    match uc::replay_range(&s.app, &c, id, from, to, f.failed_only).await {
        Ok(r) => saved(
            &format!("/admin/webhooks/{id}#deliveries"),
            &format!(
                "{} event{} queued to be sent again.",
                r.queued,
                if r.queued == 1 { "" } else { "s" }
            ),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "webhook_delivery.html")]
struct DeliveryPage {
    chrome: Chrome,
    endpoint_id: i64,
    endpoint_url: String,
    id: i64,
    event_type: String,
    status: Cell,
    facts: Vec<Fact>,
    payload: String,
    attempts: Vec<Row>,
}

impl DeliveryPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn column_label(&self, i: usize) -> &str {
        ["When", "Answer", "Took", "Error", "Response"]
            .get(i)
            .copied()
            .unwrap_or("")
    }
}

async fn delivery_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path((id, delivery_id)): Path<(i64, i64)>,
) -> Response {
    let e = match uc::get_endpoint(&s.app, &c, id).await {
        Ok(e) => e,
        Err(e) => return error_page(e, Some(&c)),
    };
    let d = match uc::get_delivery(&s.app, &c, id, delivery_id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    let viewer = viewer_tz(&c);
    let mut facts = vec![
        fact("Event id (webhook-id)", &d.delivery.message_id),
        fact("Type", &d.delivery.event_type),
        fact("Created", viewer.display(d.delivery.created_at)),
        fact("Attempts", d.delivery.attempts.to_string()),
    ];
    if let Some(at) = d.delivery.delivered_at {
        facts.push(fact("Delivered", viewer.display(at)));
    } else if d.delivery.status == "pending" && d.delivery.attempts > 0 {
        facts.push(fact(
            "Next attempt",
            viewer.display(d.delivery.next_attempt_at),
        ));
    }
    if let Some(of) = d.delivery.replay_of {
        facts.push(link_fact(
            "Replays",
            format!("#{of}"),
            format!("/admin/webhooks/{id}/deliveries/{of}"),
        ));
    }
    let pretty = serde_json::from_str::<serde_json::Value>(&d.payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| d.payload.clone());
    let attempts = d
        .attempts_made
        .iter()
        .map(|a| Row {
            href: String::new(),
            cells: vec![
                Cell::when(viewer.display(a.attempted_at)),
                Cell::text(
                    a.status_code
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "no answer".into()),
                ),
                Cell::num(format!("{} ms", a.duration_ms)),
                Cell::text(a.error.clone().unwrap_or_default()),
                Cell::text(a.response.clone().unwrap_or_default()),
            ],
        })
        .collect();
    DeliveryPage {
        chrome: Chrome::new(&c, AREA, flash),
        endpoint_id: id,
        endpoint_url: e.url,
        id: delivery_id,
        event_type: d.delivery.event_type.clone(),
        status: delivery_cell(&d.delivery),
        facts,
        payload: pretty,
        attempts,
    }
    .into_response()
}

async fn replay(
    State(s): State<AppState>,
    Path((id, delivery_id)): Path<(i64, i64)>,
    Submit { caller: c, form: _ }: Submit<super::VersionForm>,
) -> Response {
    match uc::replay_delivery(&s.app, &c, id, delivery_id).await {
        Ok(d) => saved(
            &format!("/admin/webhooks/{id}/deliveries/{}", d.delivery.id),
            "Queued to be sent again, after what the endpoint is already waiting for.",
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}
