//! The public catalog and the learner's portal.
//!
//! Public (no login): `GET /catalog` (open public sessions, filters in the URL, paging),
//! `GET /catalog/{id}` (one session with the registration form) and
//! `POST /catalog/{id}/register` (e-mails the address typed; following the link creates the
//! learner, their account and the enrollment — `crate::account_links`; the reply is the same for
//! every address and signs nobody in). The public form has no session to carry a CSRF token: the
//! global same-origin middleware (`crate::csrf`) refuses cross-site posts.
//!
//! Signed in: `POST /catalog/{id}/enroll` (a learner books with one button), the learner's home
//! page (`learner_portal`, shown at `/`), `GET /portal/enrollments/{id}.ics` (one enrollment as a
//! calendar file; `GET /portal/enrollments/{id}` goes to it on the portal) and
//! `POST /portal/enrollments/{id}/{cancel|transfer|accept}`.

use super::{Submit, error_page, saved};
use crate::AppState;
use crate::auth::{SESSION_COOKIE, Viewer, cookie, urlencode};
use crate::views::{Chrome, Opt, QueryState, paging, viewer_tz};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use trainyard_app::registration::{
    self, CatalogFilter, EnrollmentDetail, PublicSession, RegistrationForm, Session,
};
use trainyard_app::store::enrollments::EnrollmentRecord;
use trainyard_app::store::venues::Venue;
use trainyard_app::{AppError, Caller, accounts, enrollment, portal};
use trainyard_core::status::{DeliveryMode, EnrollmentStatus};
use trainyard_core::{Role, TimeZoneName};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(list))
        .route("/catalog/{id}", get(show))
        .route("/catalog/{id}/register", post(register))
        .route("/catalog/{id}/enroll", post(enroll))
        .route("/portal/enrollments/{id}", get(enrollment_file))
        .route("/portal/enrollments/{id}/{action}", post(enrollment_action))
}

// ------------------------------------------------------------------ formatting

fn zone_of(s: &Session) -> TimeZoneName {
    TimeZoneName::parse_or_utc(&s.time_zone)
}

/// "Mon 15 Mar 2027", "Mon 15 – Tue 16 Mar 2027", "Mon 29 Mar – Thu 1 Apr 2027".
fn date_range(start: i64, end: i64, tz: &TimeZoneName) -> String {
    use chrono::Datelike;
    let a = tz.local(start);
    // An end at midnight belongs to the day before.
    let b = tz.local((end - 1).max(start));
    if a.date_naive() == b.date_naive() {
        a.format("%a %-d %b %Y").to_string()
    } else if (a.year(), a.month()) == (b.year(), b.month()) {
        format!("{} – {}", a.format("%a %-d"), b.format("%a %-d %b %Y"))
    } else if a.year() == b.year() {
        format!("{} – {}", a.format("%a %-d %b"), b.format("%a %-d %b %Y"))
    } else {
        format!(
            "{} – {}",
            a.format("%a %-d %b %Y"),
            b.format("%a %-d %b %Y")
        )
    }
}

/// "09:00–17:00 CET": the local clock times of `start` and `end`, with the zone.
fn time_range(start: i64, end: i64, tz: &TimeZoneName) -> String {
    let a = tz.local(start);
    let b = tz.local(end);
    format!(
        "{}–{} {}",
        a.format("%H:%M"),
        b.format("%H:%M"),
        a.format("%Z")
    )
}

/// A session's hours at a glance: "09:00–17:00 CET" on one day; "Starts 09:00 CET" over several
/// (its parts then say when each day runs).
fn times_summary(start: i64, end: i64, tz: &TimeZoneName) -> String {
    let a = tz.local(start);
    if a.date_naive() == tz.local((end - 1).max(start)).date_naive() {
        time_range(start, end, tz)
    } else {
        format!("Starts {}", a.format("%H:%M %Z"))
    }
}

/// One part: "Mon 15 Mar 2027, 09:00–17:00 CET", plus the viewer's own clock when it differs.
fn part_line(start: i64, end: i64, tz: &TimeZoneName, viewer: Option<&TimeZoneName>) -> String {
    let mut line = format!(
        "{}, {}",
        tz.local(start).format("%a %-d %b %Y"),
        time_range(start, end, tz)
    );
    if let Some(v) = viewer.filter(|v| *v != tz) {
        line.push_str(&format!(
            " (your time: {} {})",
            v.local(start).format("%a %-d %b %H:%M"),
            v.local(start).format("%Z")
        ));
    }
    line
}

fn price(s: &Session) -> String {
    if s.seat_price.minor == 0 {
        "Free".into()
    } else {
        s.seat_price.to_string()
    }
}

fn seats_text(left: i64) -> String {
    match left {
        n if n <= 0 => "Full — join the waiting list".into(),
        1 => "1 seat left".into(),
        n => format!("{n} seats left"),
    }
}

fn title_of(s: &Session) -> String {
    s.title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(&s.course_title)
        .to_owned()
}

fn place_short(s: &Session) -> String {
    match &s.venue_name {
        Some(v) => v.clone(),
        None => "Online".into(),
    }
}

/// The venue's name and its address lines; "Online" for a virtual session.
fn place_lines(s: &Session, venue: Option<&Venue>) -> (String, Vec<String>) {
    match venue {
        Some(v) => {
            let city = [v.city.trim(), v.country.trim()]
                .iter()
                .filter(|x| !x.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            let lines = [v.address.trim().to_owned(), city]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect();
            (v.name.clone(), lines)
        }
        None if s.delivery_mode == DeliveryMode::Ilt => (
            "To be announced".into(),
            vec!["The venue follows in your joining instructions.".into()],
        ),
        None => (
            "Online".into(),
            vec!["The link to join follows in your joining instructions.".into()],
        ),
    }
}

fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|v| *v > 0)
}

/// The signed-in caller, if any; the public pages work without one.
async fn signed_in(s: &AppState, headers: &HeaderMap) -> Option<Caller> {
    let token = cookie(headers, SESSION_COOKIE)?;
    accounts::caller_for_session(&s.app, token)
        .await
        .ok()
        .flatten()
}

fn sign_in_href(next: &str) -> String {
    format!("/login?next={}", urlencode(next))
}

fn not_found(caller: Option<&Caller>) -> Response {
    error_page(AppError::NotFound("session"), caller)
}

// ------------------------------------------------------------------ the catalog

pub struct CatalogCard {
    pub id: i64,
    pub title: String,
    pub code: String,
    pub mode: &'static str,
    /// The language it is taught in ("Deutsch"), when stated.
    pub language: Option<String>,
    pub dates: String,
    pub times: String,
    pub place: String,
    pub price: String,
    pub seats: String,
    pub full: bool,
    pub few: bool,
}

fn card(s: &Session) -> CatalogCard {
    let tz = zone_of(s);
    let left = (s.capacity - s.booked_count - s.held_count).max(0);
    CatalogCard {
        id: s.id,
        title: title_of(s),
        code: s.course_code.clone(),
        mode: s.delivery_mode.label(),
        language: s
            .delivery_language
            .as_deref()
            .and_then(|l| trainyard_core::locale::LanguageTag::parse(l).ok())
            .map(|l| l.own_name().to_owned()),
        dates: date_range(s.starts_at, s.ends_at, &tz),
        times: times_summary(s.starts_at, s.ends_at, &tz),
        place: place_short(s),
        price: price(s),
        seats: seats_text(left),
        full: left == 0,
        few: (1..=3).contains(&left),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog.html")]
struct CatalogPage {
    /// The reader's words: the public pages have no chrome.
    tr: crate::i18n::Tr,
    viewer: Option<String>,
    sign_in_href: String,
    courses: Vec<Opt>,
    venues: Vec<Opt>,
    modes: Vec<Opt>,
    languages: Vec<Opt>,
    from: String,
    problems: Vec<String>,
    cards: Vec<CatalogCard>,
    total: i64,
    page: i64,
    pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    filtered: bool,
}

fn choices(items: Vec<(i64, String)>, current: &str) -> Vec<Opt> {
    let mut out = vec![Opt {
        value: String::new(),
        label: crate::i18n::Tr::for_request().t("filter-any").into(),
        selected: current.is_empty(),
    }];
    out.extend(items.into_iter().map(|(id, label)| {
        let value = id.to_string();
        Opt {
            selected: value == current,
            value,
            label,
        }
    }));
    out
}

async fn list(State(s): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let qs = QueryState::from_uri(&uri);
    let f = CatalogFilter {
        course_id: qs.get("course_id").to_owned(),
        venue_id: qs.get("venue_id").to_owned(),
        mode: qs.get("mode").to_owned(),
        from: qs.get("from").to_owned(),
        page: qs.get("page").to_owned(),
        language: qs.get("language").to_owned(),
    };
    let viewer = signed_in(&s, &headers).await;
    let (page, problems, status) = match registration::catalog(&s.app, &f).await {
        Ok(p) => (Some(p), Vec::new(), StatusCode::OK),
        Err(AppError::Invalid(inv)) => (
            None,
            inv.errors
                .iter()
                .map(|e| {
                    let what = match e.field.as_str() {
                        "course_id" => "Course",
                        "venue_id" => "Venue",
                        "mode" => "Delivery",
                        "language" => "Language",
                        "from" => "From",
                        other => other,
                    };
                    format!("{what}: {}", e.message)
                })
                .collect(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return error_page(e, viewer.as_ref()),
    };
    // A page past the end (an old bookmark): the first page.
    if page
        .as_ref()
        .is_some_and(|p| p.items.is_empty() && p.total > 0 && p.page > 1)
    {
        return Redirect::to(&qs.with("/catalog", &[("page", "")])).into_response();
    }
    let picks =
        registration::catalog_choices(&s.app)
            .await
            .unwrap_or(registration::CatalogChoices {
                courses: Vec::new(),
                venues: Vec::new(),
            });
    let modes = DeliveryMode::ALL
        .iter()
        .map(|m| (m.as_str().to_owned(), m.label().to_owned()))
        .collect::<Vec<_>>();
    let any = crate::i18n::Tr::for_request().t("filter-any");
    let mut mode_opts = vec![Opt {
        value: String::new(),
        label: any.into(),
        selected: f.mode.is_empty(),
    }];
    mode_opts.extend(crate::views::options(modes, &f.mode));
    let mut language_opts = vec![Opt {
        value: String::new(),
        label: any.into(),
        selected: f.language.is_empty(),
    }];
    language_opts.extend(crate::views::options(
        crate::i18n::language_choices(),
        &f.language,
    ));
    let (total, page_no, pages) = page
        .as_ref()
        .map(|p| {
            (
                p.total,
                p.page,
                p.pages().min(registration::CATALOG_MAX_PAGE),
            )
        })
        .unwrap_or((0, 1, 1));
    let (prev_href, next_href) = paging(&qs, "/catalog", page_no, pages);
    (
        status,
        CatalogPage {
            tr: viewer
                .as_ref()
                .map_or_else(crate::i18n::Tr::for_request, crate::i18n::Tr::for_caller),
            viewer: viewer.map(|c| c.name),
            sign_in_href: sign_in_href(
                uri.path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/catalog"),
            ),
            courses: choices(picks.courses, &f.course_id),
            venues: choices(picks.venues, &f.venue_id),
            modes: mode_opts,
            languages: language_opts,
            from: f.from.clone(),
            problems,
            cards: page
                .map(|p| p.items.iter().map(card).collect())
                .unwrap_or_default(),
            total,
            page: page_no,
            pages,
            prev_href,
            next_href,
            filtered: qs.is_filtered(),
        },
    )
        .into_response()
}

// ------------------------------------------------------------------ one session, registering

/// A text field of the registration form as typed, with its error.
#[derive(Default)]
pub struct Typed {
    pub value: String,
    pub error: Option<String>,
}

#[derive(Default)]
pub struct RegisterState {
    pub first_name: Typed,
    pub last_name: Typed,
    pub email: Typed,
    pub problems: Vec<String>,
}

impl RegisterState {
    fn typed(f: &RegistrationForm) -> Self {
        let keep = |v: &str| Typed {
            value: v.to_owned(),
            error: None,
        };
        Self {
            first_name: keep(&f.first_name),
            last_name: keep(&f.last_name),
            email: keep(&f.email),
            problems: Vec::new(),
        }
    }

    fn with_errors(mut self, inv: &trainyard_core::Invalid) -> Self {
        for e in &inv.errors {
            let slot = match e.field.as_str() {
                "first_name" => &mut self.first_name,
                "last_name" => &mut self.last_name,
                "email" => &mut self.email,
                _ => {
                    self.problems.push(format!("{}: {}", e.field, e.message));
                    continue;
                }
            };
            slot.error = Some(match slot.error.take() {
                Some(prev) => format!("{prev}; {}", e.message),
                None => e.message.clone(),
            });
        }
        self
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "catalog_session.html")]
struct SessionPage {
    tr: crate::i18n::Tr,
    viewer: Option<String>,
    sign_in_href: String,
    id: i64,
    title: String,
    code: String,
    reference: String,
    mode: &'static str,
    dates: String,
    times: String,
    parts: Vec<String>,
    place: String,
    place_lines: Vec<String>,
    price: String,
    seats: String,
    full: bool,
    description: String,
    /// Why nobody can register now.
    closed: Option<String>,
    closes: String,
    /// Signed in as a learner: the CSRF token for the one-button registration.
    learner_csrf: Option<String>,
    /// Signed in as a learner already enrolled here: their status.
    already: Option<String>,
    /// Signed in, but not as a learner.
    other_role: bool,
    form: RegisterState,
    /// A refusal of the one-button registration.
    error: Option<String>,
}

async fn render_session(
    s: &AppState,
    id: i64,
    viewer: Option<&Caller>,
    form: RegisterState,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let p: PublicSession = match registration::public_session(&s.app, id).await {
        Ok(p) => p,
        Err(e) => return error_page(e, viewer),
    };
    let tz = zone_of(&p.session);
    let viewer_zone = viewer.map(viewer_tz);
    let learner = viewer.filter(|c| c.role == Role::Learner && c.learner_id.is_some());
    let already = match learner {
        Some(c) => portal::my_enrollments(&s.app, c)
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|e| {
                e.session_id == id
                    && matches!(
                        e.status,
                        EnrollmentStatus::Requested
                            | EnrollmentStatus::Booked
                            | EnrollmentStatus::Waitlisted
                    )
            })
            .map(|e| match e.waitlist_position {
                Some(n) if e.status == EnrollmentStatus::Waitlisted => {
                    format!("You are on the waiting list (number {n}).")
                }
                _ => format!("You are {}.", e.status.label().to_lowercase()),
            }),
        None => None,
    };
    let (place, place_lines) = place_lines(&p.session, p.venue.as_ref());
    let closes_at = p.session.starts_at - p.cutoff_hours * 3_600_000;
    let left = p.seats_left();
    let page = SessionPage {
        tr: viewer.map_or_else(crate::i18n::Tr::for_request, crate::i18n::Tr::for_caller),
        viewer: viewer.map(|c| c.name.clone()),
        sign_in_href: sign_in_href(&format!("/catalog/{id}")),
        id,
        title: title_of(&p.session),
        code: p.session.course_code.clone(),
        reference: p.session.reference.clone(),
        mode: p.session.delivery_mode.label(),
        dates: date_range(p.session.starts_at, p.session.ends_at, &tz),
        times: times_summary(p.session.starts_at, p.session.ends_at, &tz),
        parts: p
            .parts
            .iter()
            .map(|x| part_line(x.starts_at, x.ends_at, &tz, viewer_zone.as_ref()))
            .collect(),
        place,
        place_lines,
        price: price(&p.session),
        seats: if left > 0 {
            format!("{} of {} seats left", left, p.session.capacity)
        } else {
            seats_text(0)
        },
        full: left == 0,
        description: p.description.trim().to_owned(),
        closed: p.closed.clone(),
        closes: format!(
            "{} at {}",
            tz.local(closes_at).format("%a %-d %b %Y"),
            tz.local(closes_at).format("%H:%M %Z")
        ),
        learner_csrf: learner.and_then(|c| c.csrf_token.clone()),
        already,
        other_role: viewer.is_some() && learner.is_none(),
        form,
        error,
    };
    (status, page).into_response()
}

async fn show(State(s): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let viewer = signed_in(&s, &headers).await;
    let Some(id) = parse_id(&id) else {
        return not_found(viewer.as_ref());
    };
    render_session(
        &s,
        id,
        viewer.as_ref(),
        RegisterState::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub(crate) fn enrolled_notice(e: &EnrollmentRecord) -> String {
    match (e.status, e.waitlist_position) {
        (EnrollmentStatus::Booked, _) => {
            "You are booked. Your joining details are below; a confirmation is on its way by e-mail."
                .into()
        }
        (EnrollmentStatus::Waitlisted, Some(n)) => format!(
            "The session is full: you are number {n} on the waiting list. We will e-mail you when a seat frees up."
        ),
        (EnrollmentStatus::Waitlisted, None) => {
            "The session is full: you are on the waiting list.".into()
        }
        _ => "Your registration is waiting for approval.".into(),
    }
}

async fn register(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(f): Form<RegistrationForm>,
) -> Response {
    let viewer = signed_in(&s, &headers).await;
    let Some(id) = parse_id(&id) else {
        return not_found(viewer.as_ref());
    };
    match registration::register(&s.app, id, &f).await {
        // The same page whoever the address belongs to; nobody is signed in here.
        Ok(sent) => crate::account_links::sent_page(&sent.session_title),
        Err(AppError::Invalid(inv)) => {
            render_session(
                &s,
                id,
                viewer.as_ref(),
                RegisterState::typed(&f).with_errors(&inv),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ AppError::NotFound(_)) => error_page(e, viewer.as_ref()),
        Err(AppError::Internal(inner)) => error_page(AppError::Internal(inner), viewer.as_ref()),
        Err(e) => {
            let status = crate::problem::status_of(&e).0;
            let mut form = RegisterState::typed(&f);
            form.problems.push(crate::error_page::said(&e));
            render_session(&s, id, viewer.as_ref(), form, None, status).await
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct NoFields {}

async fn enroll(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Submit { caller: c, .. }: Submit<NoFields>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return not_found(Some(&c));
    };
    let refused = |e: AppError| {
        let status = crate::problem::status_of(&e).0;
        (status, crate::error_page::said(&e))
    };
    let result = match (c.role, c.learner_id) {
        (Role::Learner, Some(learner)) => enrollment::enroll(&s.app, &c, id, learner, 0).await,
        _ => Err(AppError::Forbidden(
            "register yourself without a learner profile; staff enroll learners from the session page".into(),
        )),
    };
    match result {
        Ok(e) => saved("/", &enrolled_notice(&e)),
        Err(e @ AppError::NotFound(_)) => error_page(e, Some(&c)),
        Err(e) => {
            let (status, msg) = refused(e);
            render_session(
                &s,
                id,
                Some(&c),
                RegisterState::default(),
                Some(msg),
                status,
            )
            .await
        }
    }
}

// ------------------------------------------------------------------ the learner's portal

pub struct PortalEnrollment {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub code: String,
    pub reference: String,
    pub mode: &'static str,
    pub status_label: &'static str,
    pub status_key: &'static str,
    pub position: Option<i64>,
    /// An open offer of a seat: until when.
    pub offer: Option<String>,
    pub dates: String,
    pub parts: Vec<String>,
    pub place: String,
    pub place_lines: Vec<String>,
    /// The link to join online (booked learners only).
    pub join_url: Option<String>,
    /// How to get there and in (booked learners only).
    pub joining_notes: Option<String>,
    pub price: String,
    pub catalog_href: String,
    pub ics_href: String,
    pub changeable: bool,
    pub changes_close: String,
    pub transfer: Vec<Opt>,
}

/// A renewal seat offered to the learner, to accept or decline on the portal.
pub struct PortalRenewal {
    pub id: i64,
    pub title: String,
    pub reference: String,
    pub dates: String,
    pub place: String,
    pub certificate: String,
    pub expires_on: String,
}

fn portal_renewal(o: &trainyard_app::store::renewals::LearnerOffer) -> PortalRenewal {
    let tz = TimeZoneName::parse_or_utc(&o.time_zone);
    let title = o
        .session_title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(&o.course_title)
        .to_owned();
    PortalRenewal {
        id: o.id,
        title,
        reference: o.session_reference.clone(),
        dates: date_range(o.starts_at, o.ends_at, &tz),
        place: match &o.venue_name {
            Some(v) => v.clone(),
            None => DeliveryMode::parse(&o.delivery_mode)
                .map(|m| m.label().to_owned())
                .unwrap_or_default(),
        },
        certificate: o.certificate_name.clone(),
        expires_on: o.expires_on.clone().unwrap_or_default(),
    }
}

pub struct PastEnrollment {
    pub title: String,
    pub reference: String,
    pub dates: String,
    pub status_label: &'static str,
    pub status_key: &'static str,
    pub ics_href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "learner_portal.html")]
struct LearnerPortalPage {
    chrome: Chrome,
    name: String,
    error: Option<String>,
    upcoming: Vec<PortalEnrollment>,
    past: Vec<PastEnrollment>,
    /// Their certificates, newest first, with download links.
    certificates: Vec<trainyard_app::store::certificates::Certificate>,
    certificates_total: i64,
    /// Renewal seats offered to them, still to answer.
    renewals: Vec<PortalRenewal>,
}

impl LearnerPortalPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn portal_entry(d: &EnrollmentDetail, viewer: &TimeZoneName, now: i64) -> PortalEnrollment {
    let s = &d.session;
    let tz = zone_of(s);
    let (place, mut place_lines) = place_lines(s, d.venue.as_ref());
    // Booked: the joining details themselves, rather than "they follow".
    let booked = d.record.status == EnrollmentStatus::Booked;
    let join_url = (booked && !s.joining_url.is_empty()).then(|| s.joining_url.clone());
    let joining_notes = (booked && !s.joining_notes.is_empty()).then(|| s.joining_notes.clone());
    if join_url.is_some() && d.venue.is_none() {
        place_lines.clear();
    }
    PortalEnrollment {
        id: d.record.id,
        version: d.record.version,
        title: title_of(s),
        code: s.course_code.clone(),
        reference: s.reference.clone(),
        mode: s.delivery_mode.label(),
        status_label: d.record.status.label(),
        status_key: d.record.status.as_str(),
        position: d
            .record
            .waitlist_position
            .filter(|_| d.record.status == EnrollmentStatus::Waitlisted && !d.offer_open(now)),
        offer: d
            .offer_open(now)
            .then(|| d.record.offer_expires_at.map(|t| part_close(t, &tz)))
            .flatten(),
        dates: date_range(s.starts_at, s.ends_at, &tz),
        parts: d
            .parts
            .iter()
            .map(|p| part_line(p.starts_at, p.ends_at, &tz, Some(viewer)))
            .collect(),
        place,
        place_lines,
        join_url,
        joining_notes,
        price: match d.enrollment.price {
            Some(p) if p.minor > 0 => p.to_string(),
            Some(_) => "Free".into(),
            None => String::new(),
        },
        catalog_href: format!("/catalog/{}", s.id),
        ics_href: format!("/portal/enrollments/{}.ics", d.record.id),
        changeable: d.changeable(now),
        changes_close: part_close(d.changes_close_at, &tz),
        transfer: d
            .transfer_to
            .iter()
            .map(|t| {
                let tz = zone_of(t);
                let left = (t.capacity - t.booked_count - t.held_count).max(0);
                Opt {
                    value: t.id.to_string(),
                    label: format!(
                        "{} · {} · {}",
                        date_range(t.starts_at, t.ends_at, &tz),
                        place_short(t),
                        if left == 0 {
                            "waiting list".to_owned()
                        } else {
                            seats_text(left)
                        }
                    ),
                    selected: false,
                }
            })
            .collect(),
    }
}

/// "Fri 12 Mar 2027 at 09:00 CET".
fn part_close(ms: i64, tz: &TimeZoneName) -> String {
    format!(
        "{} at {}",
        tz.local(ms).format("%a %-d %b %Y"),
        tz.local(ms).format("%H:%M %Z")
    )
}

/// The learner's home page: their sessions with joining details and what they may still change.
pub(super) async fn learner_portal(
    s: &AppState,
    c: &Caller,
    flash: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let details = match registration::my_enrollment_details(&s.app, c).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(c)),
    };
    let viewer = viewer_tz(c);
    let now = trainyard_core::time::now_ms();
    let (upcoming, past): (Vec<&EnrollmentDetail>, Vec<&EnrollmentDetail>) =
        details.iter().partition(|d| d.upcoming);
    let (certificates, certificates_total) = super::certificates::portal_list(s, c).await;
    let renewals = trainyard_app::renewals::my_offers(&s.app, c)
        .await
        .unwrap_or_default()
        .iter()
        .map(portal_renewal)
        .collect();
    let page = LearnerPortalPage {
        renewals,
        certificates,
        certificates_total,
        chrome: Chrome::new(c, "home", flash),
        name: c.name.clone(),
        error,
        upcoming: upcoming
            .iter()
            .map(|d| portal_entry(d, &viewer, now))
            .collect(),
        past: past
            .iter()
            .map(|d| {
                let tz = zone_of(&d.session);
                PastEnrollment {
                    title: title_of(&d.session),
                    reference: d.session.reference.clone(),
                    dates: date_range(d.session.starts_at, d.session.ends_at, &tz),
                    status_label: d.record.status.label(),
                    status_key: d.record.status.as_str(),
                    ics_href: format!("/portal/enrollments/{}.ics", d.record.id),
                }
            })
            .collect(),
    };
    (status, page).into_response()
}

/// `GET /portal/enrollments/{id}.ics`: the calendar file of one of the caller's enrollments.
/// Without `.ics` (the link in offer e-mails): the enrollment on the portal.
async fn enrollment_file(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(file): Path<String>,
) -> Response {
    let Some(id) = file.strip_suffix(".ics") else {
        return match parse_id(&file) {
            Some(id) => Redirect::to(&format!("/#enrollment-{id}")).into_response(),
            None => error_page(AppError::NotFound("enrollment"), Some(&c)),
        };
    };
    let Some(id) = parse_id(id) else {
        return error_page(AppError::NotFound("enrollment"), Some(&c));
    };
    match registration::enrollment_ics(&s.app, &c, id).await {
        Ok(text) => {
            let mut r = text.into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            if let Ok(v) =
                HeaderValue::from_str(&format!("attachment; filename=\"trainyard-{id}.ics\""))
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            );
            r
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PortalAction {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    to_session_id: i64,
}

async fn enrollment_action(
    State(s): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Submit { caller: c, form: f }: Submit<PortalAction>,
) -> Response {
    let Some(id) = parse_id(&id) else {
        return error_page(AppError::NotFound("enrollment"), Some(&c));
    };
    let result = match action.as_str() {
        "cancel" => enrollment::cancel(&s.app, &c, id, f.version)
            .await
            .map(|_| ("Your place is cancelled.".to_owned(), id)),
        "transfer" if f.to_session_id <= 0 => Err(AppError::Invalid(
            trainyard_core::Invalid::field("to_session_id", "choose the session to move to"),
        )),
        "transfer" => enrollment::transfer(&s.app, &c, id, f.version, f.to_session_id)
            .await
            .map(|e| {
                (
                    format!("Moved to the new date. {}", enrolled_notice(&e)),
                    e.id,
                )
            }),
        "accept" => enrollment::accept_offer(&s.app, &c, id)
            .await
            .map(|_| ("The seat is yours: you are booked.".to_owned(), id)),
        _ => return error_page(AppError::NotFound("page"), Some(&c)),
    };
    match result {
        Ok((notice, shown)) => saved(&format!("/#enrollment-{shown}"), &notice),
        Err(e) => {
            let status = crate::problem::status_of(&e).0;
            let msg = match &e {
                AppError::Invalid(inv) => inv
                    .errors
                    .iter()
                    .map(|x| x.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                AppError::NotFound(_) => "That enrollment was not found among yours.".into(),
                AppError::Stale(_) => {
                    "This enrollment changed meanwhile (see its current state below); try again if it still applies.".into()
                }
                _ => crate::error_page::said(&e),
            };
            learner_portal(&s, &c, None, Some(msg), status).await
        }
    }
}
