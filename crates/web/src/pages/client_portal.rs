//! The client portal — a client contact's home: our sessions, our learners with their upcoming and
//! past enrollments — and bulk enrollment: pick people from a list or paste a CSV, check it (a dry
//! run that changes nothing), then enroll everyone or nobody. Coordinators reach the same bulk
//! page for one session at `/sessions/{id}/enroll-bulk`.

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, Submit, error_page};
use crate::views::{Chrome, Opt, viewer_tz, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use trainyard_app::bulk_enrollment::{self as bulk, Outcome, Report};
use trainyard_app::store::sessions::Session;
use trainyard_app::{AppError, Caller};
use trainyard_core::{Role, TimeZoneName};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portal/client", get(portal))
        .route(
            "/portal/client/enroll",
            get(enroll_page).post(enroll_submit),
        )
        .route(
            "/sessions/{id}/enroll-bulk",
            get(staff_page).post(staff_submit),
        )
}

// ------------------------------------------------------------------ the portal

struct SessionRow {
    href: String,
    reference: String,
    course: String,
    starts: String,
    place: String,
    kind: &'static str,
    status: &'static str,
    status_key: &'static str,
    seats: String,
    ours: String,
}

struct EnrollmentLine {
    /// The enrollment, and its version for the cancel and substitute forms.
    id: i64,
    version: i64,
    /// Still holding or waiting for a place: it can be cancelled or handed to someone else.
    live: bool,
    reference: String,
    course: String,
    starts: String,
    status: &'static str,
    status_key: &'static str,
    /// What cancelling it now costs under the cancellation policy; empty: nothing.
    fee: String,
}

struct LearnerRow {
    href: String,
    name: String,
    email: String,
    upcoming: Vec<EnrollmentLine>,
    past: Vec<EnrollmentLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "client_portal.html")]
struct ClientPortalPage {
    chrome: Chrome,
    client_name: String,
    sessions: Vec<SessionRow>,
    /// All of the client's upcoming sessions (the rows may be the first page only).
    sessions_total: i64,
    sessions_href: String,
    learners: Vec<LearnerRow>,
    learners_total: i64,
    /// Who may go instead of someone: our people, for the substitute forms.
    people: Vec<Opt>,
    /// Our people's certificates, soonest to expire first, with download links.
    certificates: Vec<trainyard_app::store::certificates::Certificate>,
    certificates_total: i64,
    /// Prepaid seats left per agreement (read-only).
    seat_credits: Vec<trainyard_app::agreements::AgreementCredits>,
    /// Our quotes (sent, answered or expired), newest first.
    quotes: Vec<trainyard_app::store::quotes::Quote>,
    /// What our cancellations cost under the cancellation policy, newest first.
    fees: Vec<FeeRow>,
}

struct FeeRow {
    cancelled: String,
    what: String,
    notice: String,
    fee: String,
}

impl ClientPortalPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn place(x: &Session) -> String {
    x.venue_name
        .clone()
        .unwrap_or_else(|| x.delivery_mode.label().to_owned())
}

/// The client contact's home page (also at `/portal/client`).
pub(crate) async fn home(s: &AppState, c: &Caller, flash: Option<String>) -> Response {
    let p = match bulk::client_portal(&s.app, c).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(c)),
    };
    let viewer = viewer_tz(c);
    // The rows and their count come from the same query as the "Our sessions" list (from today),
    // so the two always agree.
    let today = viewer
        .local(trainyard_core::time::now_ms())
        .format("%Y-%m-%d")
        .to_string();
    let mut filter = trainyard_app::store::sessions::SessionFilter {
        from: today.clone(),
        ..Default::default()
    };
    filter.list.per_page = 50;
    let listed = match trainyard_app::schedule::sessions::list(&s.app, c, &filter).await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(c)),
    };
    let ours_of = |session_id: i64, st: &[trainyard_core::status::EnrollmentStatus]| {
        p.learners
            .iter()
            .flat_map(|l| l.upcoming.iter().chain(l.past.iter()))
            .filter(|e| e.session_id == session_id && st.contains(&e.status))
            .count()
    };
    let tr = crate::i18n::Tr::for_caller(c);
    let upcoming: Vec<_> = p
        .learners
        .iter()
        .flat_map(|l| l.upcoming.iter().cloned())
        .collect();
    let previews = trainyard_app::cancellation::previews(&s.app, c, &upcoming)
        .await
        .unwrap_or_default();
    let fees = match c.client_id {
        Some(client) => trainyard_app::cancellation::fees_of_client(&s.app, c, client)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    }
    .into_iter()
    .map(|f| FeeRow {
        cancelled: viewer.display(f.cancelled_at),
        what: f.description.clone(),
        notice: tr.args(
            "cancel-fee-notice",
            &[
                ("days", f.notice_days.to_string()),
                (
                    "share",
                    trainyard_core::cancellation::percent_text(f.fee_bp),
                ),
            ],
        ),
        fee: f.fee.to_string(),
    })
    .collect();
    let line = |e: &trainyard_app::store::enrollments::Enrollment| EnrollmentLine {
        fee: previews
            .get(&e.id)
            .map(|f| super::sessions::fee_notice(&tr, f))
            .unwrap_or_default(),
        id: e.id,
        version: e.version,
        live: matches!(
            e.status,
            trainyard_core::status::EnrollmentStatus::Booked
                | trainyard_core::status::EnrollmentStatus::Waitlisted
                | trainyard_core::status::EnrollmentStatus::Requested
        ),
        reference: e.session_reference.clone(),
        course: e.course_title.clone(),
        starts: viewer.display(e.session_starts_at),
        status: e.status.label(),
        status_key: e.status.as_str(),
    };
    let (certificates, certificates_total) = super::certificates::portal_list(s, c).await;
    let seat_credits = match c.client_id {
        Some(client) => trainyard_app::agreements::client_credits(&s.app, c, client)
            .await
            .map(|cc| cc.agreements)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let quotes = super::quotes::portal_list(s, c).await;
    ClientPortalPage {
        fees,
        quotes,
        certificates,
        certificates_total,
        chrome: Chrome::new(c, "home", flash),
        client_name: p.client_name,
        seat_credits,
        sessions_total: listed.total,
        sessions_href: format!("/sessions?from={today}"),
        sessions: listed
            .items
            .iter()
            .map(|s| {
                use trainyard_core::status::EnrollmentStatus as E;
                let booked = ours_of(
                    s.id,
                    &[E::Booked, E::Attended, E::NoShow, E::Completed, E::Failed],
                );
                let waitlisted = ours_of(s.id, &[E::Waitlisted]);
                let requested = ours_of(s.id, &[E::Requested]);
                let mut ours = Vec::new();
                if booked > 0 {
                    ours.push(format!("{booked} booked"));
                }
                if waitlisted > 0 {
                    ours.push(format!("{waitlisted} waitlisted"));
                }
                if requested > 0 {
                    ours.push(format!("{requested} requested"));
                }
                SessionRow {
                    // Every listed session is one the contact may open (private ones of theirs,
                    // public ones their people are in).
                    href: format!("/sessions/{}", s.id),
                    reference: s.reference.clone(),
                    course: s.title.clone().unwrap_or_else(|| s.course_title.clone()),
                    starts: when(s.starts_at, &s.time_zone, &viewer),
                    place: place(s),
                    kind: if s.client_id.is_some() {
                        "Private"
                    } else {
                        "Public"
                    },
                    status: s.status.label(),
                    status_key: s.status.as_str(),
                    seats: if s.waitlist_count > 0 {
                        format!(
                            "{}/{} · {} waiting",
                            s.booked_count, s.capacity, s.waitlist_count
                        )
                    } else {
                        format!("{}/{}", s.booked_count, s.capacity)
                    },
                    ours: if ours.is_empty() {
                        "—".into()
                    } else {
                        ours.join(", ")
                    },
                }
            })
            .collect(),
        learners: p
            .learners
            .iter()
            .map(|l| LearnerRow {
                href: format!("/learners/{}", l.learner.id),
                name: format!("{} {}", l.learner.first_name, l.learner.last_name),
                email: l.learner.email.clone(),
                upcoming: l.upcoming.iter().map(line).collect(),
                past: l.past.iter().map(line).collect(),
            })
            .collect(),
        learners_total: p.learners_total,
        people: p
            .learners
            .iter()
            .map(|l| Opt {
                value: l.learner.id.to_string(),
                label: format!("{} {}", l.learner.first_name, l.learner.last_name),
                selected: false,
            })
            .collect(),
    }
    .into_response()
}

async fn portal(State(s): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    home(&s, &c, flash).await
}

// ------------------------------------------------------------------ bulk enrollment

struct ReportRow {
    line: usize,
    name: String,
    email: String,
    session: String,
    label: &'static str,
    key: &'static str,
    message: String,
    broken: bool,
}

struct ReportView {
    title: String,
    summary: String,
    ok: bool,
    rows: Vec<ReportRow>,
}

struct LearnerChoice {
    id: i64,
    label: String,
    checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "bulk_enroll.html")]
struct BulkPage {
    chrome: Chrome,
    title: String,
    intro: String,
    action: String,
    back_href: String,
    /// The session chooser; empty when the session is fixed.
    sessions: Vec<Opt>,
    /// The fixed session, described.
    fixed: Option<String>,
    learners: Vec<LearnerChoice>,
    learners_hint: String,
    csv: String,
    problems: Vec<String>,
    report: Option<ReportView>,
}

impl BulkPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct BulkForm {
    /// "select" (the list of learners) or "csv".
    source: String,
    /// "check" (a dry run) or "enroll".
    action: String,
    session_id: String,
    learner_id: Vec<String>,
    csv: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct EnrollQuery {
    session: String,
}

fn session_label(x: &Session, viewer: &TimeZoneName) -> String {
    let free = (x.capacity - x.booked_count - x.held_count).max(0);
    format!(
        "{} — {} — {} — {} — {}",
        x.reference,
        x.title.clone().unwrap_or_else(|| x.course_title.clone()),
        when(x.starts_at, &x.time_zone, viewer),
        if x.client_id.is_some() {
            "private"
        } else {
            "public"
        },
        if free > 0 {
            format!("{free} of {} seats free", x.capacity)
        } else {
            format!("full, {} waiting", x.waitlist_count)
        }
    )
}

fn report_view(r: &Report) -> ReportView {
    let title = if r.applied {
        "Enrolled"
    } else if r.dry_run {
        "Check: what would happen (nothing was changed)"
    } else {
        "Not enrolled: fix the rows in red and try again"
    };
    ReportView {
        title: title.into(),
        summary: r.summary(),
        ok: r.broken == 0,
        rows: r
            .rows
            .iter()
            .map(|row| ReportRow {
                line: row.line,
                name: format!("{} {}", row.first_name, row.last_name)
                    .trim()
                    .to_owned(),
                email: row.email.clone(),
                session: row.session_reference.clone(),
                label: row.outcome.label(),
                key: match row.outcome {
                    Outcome::Error => "conflict",
                    o => o.as_str(),
                },
                message: row.message.clone(),
                broken: row.outcome == Outcome::Error,
            })
            .collect(),
    }
}

/// The problems of a refused request, in words for the page.
fn problems_of(e: &AppError) -> Vec<String> {
    match e {
        AppError::Invalid(inv) => inv
            .errors
            .iter()
            .map(|f| match f.field.as_str() {
                "csv" => format!("The CSV {}", f.message),
                "session_id" => format!("Session: {}", f.message),
                "learner_id" => format!("Learners: {}", f.message),
                other => format!("{other}: {}", f.message),
            })
            .collect(),
        other => vec![other.to_string()],
    }
}

fn parse_id(raw: &str) -> Result<Option<i64>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>().map(Some).map_err(|_| {
        trainyard_core::Invalid::field("session_id", format!("'{raw}' is not a session")).into()
    })
}

/// Runs the submitted form: a dry run or an apply, of a selection or of a CSV.
async fn run(
    s: &AppState,
    c: &Caller,
    f: &BulkForm,
    fixed_session: Option<i64>,
) -> Result<Report, AppError> {
    let commit = f.action == "enroll";
    let session = match fixed_session {
        Some(id) => Some(id),
        None => parse_id(&f.session_id)?,
    };
    if f.source == "select" {
        let mut ids = Vec::new();
        for raw in &f.learner_id {
            match raw.trim().parse::<i64>() {
                Ok(id) => ids.push(id),
                Err(_) => return Err(AppError::NotFound("learner")),
            }
        }
        bulk::run_selection(&s.app, c, session, &ids, commit).await
    } else {
        bulk::run_csv(&s.app, c, &f.csv, session, commit).await
    }
}

/// The page around a result: 200 for a check or a success, 422 when rows or the file are refused.
fn answer(mut page: BulkPage, result: Result<Report, AppError>, c: &Caller) -> Response {
    match result {
        Ok(r) => {
            let refused = !r.dry_run && !r.applied;
            if r.applied {
                page.chrome.flash = Some(r.summary());
                page.csv.clear();
                for l in &mut page.learners {
                    l.checked = false;
                }
            }
            if refused {
                page.problems.push(format!(
                    "Nobody was enrolled: {} cannot be enrolled. Fix or remove {} and enroll again; it is all or nothing.",
                    r.broken_lines(),
                    if r.broken == 1 { "it" } else { "them" }
                ));
            }
            page.report = Some(report_view(&r));
            let status = if refused {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            (status, page).into_response()
        }
        Err(e @ AppError::Invalid(_)) => {
            page.problems = problems_of(&e);
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(e) => error_page(e, Some(c)),
    }
}

const CSV_HINT: &str =
    "first_name,last_name,email,session\nAnna,Berg,anna.berg@example.com,S-00012\n";

/// The client contact's enroll page, with the session chosen in the form.
async fn client_page(s: &AppState, c: &Caller, chosen: &str) -> Result<BulkPage, AppError> {
    if c.role != Role::ClientContact {
        return Err(AppError::Forbidden(
            "use the client portal (coordinators enroll from a session's page)".into(),
        ));
    }
    let viewer = viewer_tz(c);
    let sessions = bulk::enrollable_sessions(&s.app, c).await?;
    let learners = bulk::selectable_learners(&s.app, c, None).await?;
    let mut opts = vec![Opt {
        value: String::new(),
        label: "Choose a session…".into(),
        selected: chosen.is_empty(),
    }];
    opts.extend(sessions.iter().map(|x| Opt {
        value: x.id.to_string(),
        label: session_label(x, &viewer),
        selected: x.id.to_string() == chosen,
    }));
    Ok(BulkPage {
        chrome: Chrome::new(c, "enroll", None),
        title: crate::i18n::Tr::for_caller(c).t("nav-enroll-people").into(),
        intro: "Choose a session and tick your people, or paste a list. Check first to see who gets a seat and who goes on the waiting list; enrolling is all or nothing.".into(),
        action: "/portal/client/enroll".into(),
        back_href: "/".into(),
        sessions: opts,
        fixed: None,
        learners_hint: if learners.is_empty() {
            "Your organisation has no learners yet: paste a list below and they are added as they are enrolled.".into()
        } else {
            String::new()
        },
        learners: learners
            .into_iter()
            .map(|l| LearnerChoice {
                id: l.id,
                label: format!("{} {} <{}>", l.first_name, l.last_name, l.email),
                checked: false,
            })
            .collect(),
        csv: String::new(),
        problems: Vec::new(),
        report: None,
    })
}

async fn enroll_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Query(q): Query<EnrollQuery>,
) -> Response {
    match client_page(&s, &c, q.session.trim()).await {
        Ok(mut page) => {
            page.csv = CSV_HINT.into();
            page.into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn enroll_submit(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<BulkForm>,
) -> Response {
    let mut page = match client_page(&s, &c, f.session_id.trim()).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    page.csv = f.csv.clone();
    for l in &mut page.learners {
        l.checked = f.learner_id.iter().any(|v| v.trim() == l.id.to_string());
    }
    let result = run(&s, &c, &f, None).await;
    answer(page, result, &c)
}

/// A coordinator's bulk page for one session.
async fn staff_page_for(s: &AppState, c: &Caller, id: i64) -> Result<BulkPage, AppError> {
    c.require_operations("enroll people in bulk")?;
    let detail = trainyard_app::schedule::sessions::get(&s.app, c, id).await?;
    let x = &detail.session;
    let viewer = viewer_tz(c);
    let learners = bulk::selectable_learners(&s.app, c, x.client_id).await?;
    Ok(BulkPage {
        chrome: Chrome::new(c, "sessions", None),
        title: format!("Enroll many into {}", x.reference),
        intro: "Paste a list: rows without a session go into this session. Check first to see every row's outcome; enrolling is all or nothing.".into(),
        action: format!("/sessions/{id}/enroll-bulk"),
        back_href: format!("/sessions/{id}#enrollments"),
        sessions: Vec::new(),
        fixed: Some(session_label(x, &viewer)),
        learners_hint: if x.client_id.is_some() && learners.is_empty() {
            format!(
                "{} has no learners yet.",
                x.client_name.clone().unwrap_or_default()
            )
        } else {
            String::new()
        },
        learners: learners
            .into_iter()
            .map(|l| LearnerChoice {
                id: l.id,
                label: format!("{} {} <{}>", l.first_name, l.last_name, l.email),
                checked: false,
            })
            .collect(),
        csv: String::new(),
        problems: Vec::new(),
        report: None,
    })
}

async fn staff_page(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    match staff_page_for(&s, &c, id).await {
        Ok(mut page) => {
            page.csv = "first_name,last_name,email\n".into();
            page.into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn staff_submit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<BulkForm>,
) -> Response {
    let mut page = match staff_page_for(&s, &c, id).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    page.csv = f.csv.clone();
    for l in &mut page.learners {
        l.checked = f.learner_id.iter().any(|v| v.trim() == l.id.to_string());
    }
    let result = run(&s, &c, &f, Some(id)).await;
    answer(page, result, &c)
}
