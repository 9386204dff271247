//! Issue 16 §3 and §6 in the UI: a client's expiring certificates with their renewal offers
//! (`/clients/{id}/expiring` for staff, `/portal/expiring` for a client contact), the public
//! accept link of an offer (`/renewal/{offer}/{secret}`), the operations quality signals
//! (`/quality`, with a drill-down per signal and CSV), and the instructors' no-show marks on the
//! attendance sheet.

use crate::AppState;
use crate::auth::Viewer;
use crate::i18n::Tr;
use crate::pages::{Flash, Submit, error_page, saved};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::quality::{self as quality_uc, QualityReport};
use trainyard_app::renewals::{self as uc, ExpiringList};
use trainyard_app::reporting::ReportQuery;
use trainyard_app::store::renewals::RenewalOffer;
use trainyard_app::{AppError, Caller};
use trainyard_core::Role;
use trainyard_core::quality_signals::Signal;

/// Renewal link lookups per address per minute.
const RENEWAL_PER_MINUTE: u32 = 60;

pub fn routes() -> Router<AppState> {
    let public = Router::new()
        .route(
            "/renewal/{id}/{token}",
            get(renewal_page).post(renewal_answer),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            crate::api::RateLimiter::new(RENEWAL_PER_MINUTE),
            crate::api::rate_limit,
        ));
    Router::new()
        .route("/quality", get(quality_page))
        .route("/clients/{id}/expiring", get(client_expiring))
        .route("/clients/{id}/expiring/offer", post(offer))
        .route("/clients/{id}/expiring/setting", post(setting))
        .route("/portal/expiring", get(portal_expiring))
        .route("/portal/renewals/{id}", post(portal_renewal_answer))
        .route(
            "/sessions/{id}/instructor-attendance",
            post(instructor_attendance),
        )
        .merge(public)
}

// ------------------------------------------------------------------ expiring certificates

/// The key of an offer status's words.
fn offer_key(status: &str) -> &'static str {
    match status {
        "offered" => "renewal-status-offered",
        "waitlisted" => "renewal-status-waitlisted",
        "accepted" => "renewal-status-accepted",
        "declined" => "renewal-status-declined",
        "expired" => "renewal-status-expired",
        _ => "renewal-status-none",
    }
}

struct ExpiringLine {
    certificate_id: i64,
    learner: String,
    learner_href: String,
    certificate: String,
    course: String,
    expires_on: String,
    status: &'static str,
    status_class: String,
    session: String,
    session_href: String,
    /// No open offer: a coordinator may offer a seat.
    may_offer: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "client_expiring.html")]
struct ExpiringPage {
    chrome: Chrome,
    list: ExpiringList,
    lines: Vec<ExpiringLine>,
    /// Coordinators, managers and admins: the setting and the offer buttons.
    may_edit: bool,
    /// Staff read it under the client; a contact in the portal.
    staff: bool,
    days_options: Vec<(i64, bool)>,
    action: String,
}

impl ExpiringPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct DaysQuery {
    days: String,
}

async fn expiring_view(
    s: &AppState,
    c: &Caller,
    client_id: i64,
    q: &DaysQuery,
    flash: Option<String>,
) -> Response {
    let days = match uc::days_of(&q.days) {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(c)),
    };
    let list = match uc::expiring(&s.app, c, client_id, days).await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(c)),
    };
    let staff = c.role.is_staff();
    let may_edit = c.role.can_edit_operations();
    let lines = list
        .items
        .iter()
        .map(|x| {
            let offer: Option<&RenewalOffer> = x.offer.as_ref();
            let status = offer.map(|o| o.status.as_str()).unwrap_or("");
            ExpiringLine {
                certificate_id: x.certificate_id,
                learner: x.learner_name.clone(),
                learner_href: if staff {
                    format!("/learners/{}", x.learner_id)
                } else {
                    String::new()
                },
                certificate: x.certificate_name.clone(),
                course: x.course_title.clone(),
                expires_on: x.expires_on.clone(),
                status: offer_key(status),
                status_class: if status.is_empty() {
                    "none".into()
                } else {
                    status.to_owned()
                },
                session: offer
                    .map(|o| o.session_reference.clone())
                    .unwrap_or_default(),
                session_href: match offer {
                    Some(o) if staff => format!("/sessions/{}", o.session_id),
                    _ => String::new(),
                },
                may_offer: may_edit && matches!(status, "" | "declined" | "expired"),
            }
        })
        .collect();
    let days_options = [30, 60, 90, 180, 365]
        .into_iter()
        .map(|d| (d, d == list.days))
        .collect();
    let action = if staff {
        format!("/clients/{client_id}/expiring")
    } else {
        "/portal/expiring".into()
    };
    ExpiringPage {
        chrome: Chrome::new(c, if staff { "clients" } else { "expiring" }, flash),
        list,
        lines,
        may_edit,
        staff,
        days_options,
        action,
    }
    .into_response()
}

async fn client_expiring(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
    Query(q): Query<DaysQuery>,
) -> Response {
    expiring_view(&s, &c, id, &q, flash).await
}

async fn portal_expiring(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(q): Query<DaysQuery>,
) -> Response {
    match (c.role, c.client_id) {
        (Role::ClientContact, Some(client)) => expiring_view(&s, &c, client, &q, flash).await,
        _ => error_page(AppError::NotFound("page"), Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct OfferForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    certificate_id: i64,
}

async fn offer(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<OfferForm>,
) -> Response {
    let tr = Tr::for_caller(&c);
    match uc::offer(&s.app, &c, id, form.certificate_id).await {
        Ok(o) => saved(
            &format!("/clients/{id}/expiring"),
            &tr.args(
                "renewal-offered-notice",
                &[
                    ("name", o.learner_name.clone()),
                    ("reference", o.session_reference.clone()),
                ],
            ),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SettingForm {
    offer_renewals: String,
}

async fn setting(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<SettingForm>,
) -> Response {
    let tr = Tr::for_caller(&c);
    let on = form.offer_renewals == "true";
    match uc::set_offer_renewals(&s.app, &c, id, on).await {
        Ok(on) => saved(
            &format!("/clients/{id}/expiring"),
            tr.t(if on {
                "renewal-setting-on-notice"
            } else {
                "renewal-setting-off-notice"
            }),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

// ------------------------------------------------------------------ the public accept link

#[derive(Template, WebTemplate)]
#[template(path = "renewal.html")]
struct RenewalPage {
    tr: Tr,
    /// The form's action (empty once answered or when the link is unknown).
    action: String,
    offer: Option<RenewalOffer>,
    starts: String,
    /// "open", "accepted", "waitlisted", "declined", "refused" or "unknown".
    state: &'static str,
    message: String,
}

fn renewal_view(
    id: i64,
    token: &str,
    offer: Option<RenewalOffer>,
    state: &'static str,
    message: String,
) -> RenewalPage {
    let starts = offer
        .as_ref()
        .map(|o| trainyard_core::TimeZoneName::utc().display(o.starts_at))
        .unwrap_or_default();
    RenewalPage {
        tr: Tr::for_request(),
        action: if state == "open" {
            format!("/renewal/{id}/{token}")
        } else {
            String::new()
        },
        offer,
        starts,
        state,
        message,
    }
}

fn renewal_refused(id: i64, token: &str, e: AppError) -> Response {
    match e {
        AppError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            renewal_view(id, token, None, "unknown", String::new()),
        )
            .into_response(),
        AppError::Refused(m) => (
            StatusCode::CONFLICT,
            renewal_view(
                id,
                token,
                None,
                "refused",
                crate::i18n::Tr::for_request().refusal(&m),
            ),
        )
            .into_response(),
        other => error_page(other, None),
    }
}

async fn renewal_page(
    State(s): State<AppState>,
    Path((id, token)): Path<(i64, String)>,
) -> Response {
    match uc::open_link(&s.app, id, &token).await {
        Ok(o) => {
            let state = match o.status.as_str() {
                "offered"
                    if o.starts_at > trainyard_core::time::now_ms()
                        && o.expires_at
                            .is_none_or(|e| e > trainyard_core::time::now_ms()) =>
                {
                    "open"
                }
                "offered" | "expired" => "expired",
                "accepted" => "accepted",
                "waitlisted" => "waitlisted",
                _ => "declined",
            };
            renewal_view(id, &token, Some(o), state, String::new()).into_response()
        }
        Err(e) => renewal_refused(id, &token, e),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AnswerForm {
    answer: String,
}

async fn renewal_answer(
    State(s): State<AppState>,
    Path((id, token)): Path<(i64, String)>,
    axum::Form(f): axum::Form<AnswerForm>,
) -> Response {
    let result = if f.answer == "decline" {
        uc::decline(&s.app, id, &token).await
    } else {
        uc::accept(&s.app, id, &token).await
    };
    match result {
        Ok(o) => {
            let state = match o.status.as_str() {
                "accepted" => "accepted",
                "waitlisted" => "waitlisted",
                _ => "declined",
            };
            renewal_view(id, &token, Some(o), state, String::new()).into_response()
        }
        Err(e) => renewal_refused(id, &token, e),
    }
}

/// A learner answers one of their renewal offers on their portal (the same as the link).
async fn portal_renewal_answer(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<AnswerForm>,
) -> Response {
    let tr = Tr::for_caller(&c);
    match uc::answer_as_learner(&s.app, &c, id, form.answer != "decline").await {
        Ok(o) => saved(
            "/#renewals",
            tr.t(match o.status.as_str() {
                "accepted" => "renewal-accepted",
                "waitlisted" => "renewal-waitlisted",
                _ => "renewal-declined",
            }),
        ),
        Err(e @ (AppError::NotFound(_) | AppError::Forbidden(_) | AppError::Internal(_))) => {
            error_page(e, Some(&c))
        }
        Err(e) => {
            let status = crate::problem::status_of(&e).0;
            super::catalog::learner_portal(&s, &c, None, Some(e.to_string()), status).await
        }
    }
}

// ------------------------------------------------------------------ the quality page

struct TileView {
    key: &'static str,
    title: &'static str,
    sessions: i64,
    events: i64,
    rate: String,
    href: String,
}

struct ClientLine {
    name: String,
    href: String,
    delivered: i64,
    counts: Vec<i64>,
}

struct DrillLine {
    href: String,
    reference: String,
    course: String,
    client: String,
    starts: String,
}

struct ComplaintLine {
    id: i64,
    href: String,
    reference: String,
    client: String,
    logged: String,
    body: String,
    standing: String,
    open: bool,
    action: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "quality.html")]
struct QualityPage {
    complaints: Vec<ComplaintLine>,
    complaints_open: i64,
    complaints_resolved: i64,
    /// Where a resolution made on this page comes back to.
    back: String,
    chrome: Chrome,
    from: String,
    until: String,
    client_id: String,
    clients: Vec<(i64, String)>,
    delivered: i64,
    tiles: Vec<TileView>,
    by_client: Vec<ClientLine>,
    signal_titles: Vec<&'static str>,
    drill_title: Option<&'static str>,
    drill: Vec<DrillLine>,
    csv_href: String,
}

impl QualityPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn signal_title(s: Signal) -> &'static str {
    match s {
        Signal::LateChange => "quality-late-change",
        Signal::JoiningLate => "quality-joining-late",
        Signal::InstructorNoShow => "quality-instructor-no-show",
        Signal::Complaint => "quality-complaint",
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SignalQuery {
    signal: String,
    format: String,
}

async fn quality_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(q): Query<ReportQuery>,
    Query(sq): Query<SignalQuery>,
) -> Response {
    let signal = match quality_uc::signal_of(&sq.signal) {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(&c)),
    };
    let r: QualityReport = match quality_uc::signals(&s.app, &c, &q, signal).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(&c)),
    };
    if sq.format == "csv" {
        return csv_download(
            &format!("quality-{}-{}.csv", r.period.from, r.period.until),
            quality_uc::csv(&r),
        );
    }
    let tr = Tr::for_caller(&c);
    let viewer = viewer_tz(&c);
    let (from, until) = (r.period.from.to_string(), r.period.until.to_string());
    let client = q.client_id.map(|x| x.to_string()).unwrap_or_default();
    let query = |extra: &[(&str, &str)]| {
        let mut pairs: Vec<(&str, &str)> = vec![("from", &from), ("until", &until)];
        if !client.is_empty() {
            pairs.push(("client_id", &client));
        }
        pairs.extend_from_slice(extra);
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    };
    let tiles = r
        .signals
        .iter()
        .map(|x| TileView {
            key: x.signal.as_str(),
            title: tr.t(signal_title(x.signal)),
            sessions: x.sessions,
            events: x.events,
            rate: x
                .rate
                .percent()
                .map(|p| format!("{p} %"))
                .unwrap_or_else(|| "—".into()),
            href: format!("/quality?{}#drill", query(&[("signal", x.signal.as_str())])),
        })
        .collect();
    let by_client = r
        .by_client
        .iter()
        .map(|g| ClientLine {
            name: g
                .client_name
                .clone()
                .unwrap_or_else(|| tr.t("quality-public").to_owned()),
            href: g
                .client_id
                .map(|id| format!("/clients/{id}"))
                .unwrap_or_default(),
            delivered: g.delivered,
            counts: g.signals.iter().map(|x| x.sessions).collect(),
        })
        .collect();
    let drill = r
        .sessions
        .iter()
        .map(|x| DrillLine {
            href: format!("/sessions/{}", x.id),
            reference: x.reference.clone(),
            course: x.course_title.clone(),
            client: x
                .client_name
                .clone()
                .unwrap_or_else(|| tr.t("quality-public").to_owned()),
            starts: viewer.display(x.starts_at),
        })
        .collect();
    let clients = trainyard_app::people::clients::options(&s.app, &c)
        .await
        .unwrap_or_default();
    let complaints = r
        .complaints
        .iter()
        .map(|k| ComplaintLine {
            id: k.id,
            href: format!("/sessions/{}#complaints", k.session_id),
            reference: k.session_reference.clone(),
            client: k
                .client_name
                .clone()
                .unwrap_or_else(|| tr.t("quality-public").to_owned()),
            logged: format!(
                "{} · {}",
                viewer.display(k.logged_at),
                k.logged_by_name.clone().unwrap_or_default()
            ),
            body: k.body.clone(),
            standing: super::sessions::complaint_standing(&tr, &viewer, k).text,
            open: k.resolved_at.is_none(),
            action: format!("/sessions/{}/complaints/resolve", k.session_id),
        })
        .collect();
    QualityPage {
        complaints,
        complaints_open: r.complaints_open,
        complaints_resolved: r.complaints_resolved,
        back: format!("/quality?{}#complaints", query(&[])),
        chrome: Chrome::new(&c, "quality", flash),
        csv_href: format!("/quality?{}", query(&[("format", "csv")])),
        from: from.clone(),
        until: until.clone(),
        client_id: client.clone(),
        clients,
        delivered: r.delivered,
        tiles,
        by_client,
        signal_titles: Signal::ALL.iter().map(|x| tr.t(signal_title(*x))).collect(),
        drill_title: signal.map(|x| tr.t(signal_title(x))),
        drill,
    }
    .into_response()
}

// ------------------------------------------------------------------ instructor attendance

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NoShowForm {
    no_show: Vec<i64>,
}

async fn instructor_attendance(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<NoShowForm>,
) -> Response {
    let tr = Tr::for_caller(&c);
    match quality_uc::set_instructor_no_shows(&s.app, &c, id, &form.no_show).await {
        Ok(_) => saved(
            &format!("/sessions/{id}/attendance#instructors"),
            tr.t("quality-instructors-saved"),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}
