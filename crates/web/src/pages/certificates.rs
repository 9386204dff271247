//! Certificates: the list (status, course, client, expiring within N days; sortable, CSV), a
//! certificate's page with its PDF and the revoke form, issuing by hand from the learner's page,
//! and the public verification page `/verify/{code}` (no login, rate-limited per address).

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, Submit, error_page, list_response, saved, wants_csv};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use trainyard_app::certificates::{self as uc, Verification};
use trainyard_app::store::certificates::{Certificate, CertificateFilter};
use trainyard_app::{AppError, Caller, history};
use trainyard_core::Role;
use trainyard_core::certificate::{Standing, grouped};

/// Verification lookups per address per minute.
const VERIFY_PER_MINUTE: u32 = 120;

pub fn routes() -> Router<AppState> {
    let public = Router::new()
        .route("/verify", get(verify_form))
        .route("/verify/{code}", get(verify_page))
        .route_layer(axum::middleware::from_fn_with_state(
            crate::api::RateLimiter::new(VERIFY_PER_MINUTE),
            crate::api::rate_limit,
        ));
    Router::new()
        .route("/certificates", get(list))
        .route("/certificates/issue", get(issue_form).post(issue))
        .route("/certificates/{id}", get(show))
        .route("/certificates/{id}/pdf", get(pdf))
        .route("/certificates/{id}/revoke", post(revoke))
        .route(
            "/admin/certificate-reminders",
            get(reminders).post(save_reminders),
        )
        .merge(public)
}

fn status_cell(c: &Certificate) -> Cell {
    Cell::badge(c.status.label(), c.status.as_str())
}

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(mut f): Query<CertificateFilter>,
) -> Response {
    let qs = QueryState::from_uri(&uri);
    let expiring = qs.get("expiring").trim().to_owned();
    let mut error = None;
    if !expiring.is_empty() {
        match expiring
            .parse::<i64>()
            .map_err(|_| AppError::BadParameter {
                name: "expiring",
                message: format!("'{expiring}' is not a number of days"),
            })
            .and_then(uc::expiring_within)
        {
            Ok(d) => f.expiring_before = d,
            Err(e) => error = Some(crate::error_page::said(&e)),
        }
    }
    let default_sort = if expiring.is_empty() {
        "issued"
    } else {
        "client"
    };
    if f.list.sort.trim().is_empty() {
        f.list.sort = default_sort.into();
        if expiring.is_empty() {
            f.list.dir = "desc".into();
        }
    }
    let page = match error {
        Some(_) => None,
        None => match uc::list(&s.app, &c, f.clone()).await {
            Ok(p) => Some(p),
            Err(e @ AppError::BadParameter { .. }) => {
                error = Some(crate::error_page::said(&e));
                None
            }
            Err(e) => return error_page(e, Some(&c)),
        },
    };
    let staff = c.role.is_staff();
    let mut filters = vec![Filter::select(
        "status",
        "Status",
        &f.status,
        Standing::ALL
            .iter()
            .map(|x| (x.as_str().to_owned(), x.label().to_owned()))
            .collect(),
    )];
    filters.push(Filter::select(
        "expiring",
        "Expiring within",
        &expiring,
        [30, 60, 90, 180, 365]
            .iter()
            .map(|d| (d.to_string(), format!("{d} days")))
            .collect(),
    ));
    if staff {
        let courses = trainyard_app::catalog::courses::options(&s.app, &c)
            .await
            .unwrap_or_default();
        filters.push(Filter::select(
            "course_id",
            "Course",
            &f.course_id.map(|x| x.to_string()).unwrap_or_default(),
            courses
                .into_iter()
                .map(|(id, l)| (id.to_string(), l))
                .collect(),
        ));
        let clients = trainyard_app::people::clients::options(&s.app, &c)
            .await
            .unwrap_or_default();
        filters.push(Filter::select(
            "client_id",
            "Client",
            &f.client_id.map(|x| x.to_string()).unwrap_or_default(),
            clients
                .into_iter()
                .map(|(id, l)| (id.to_string(), l))
                .collect(),
        ));
    }
    let cols: Vec<(&'static str, &'static str, bool)> = vec![
        ("Learner", "learner", false),
        ("Client", "client", false),
        ("Certificate", "course", false),
        ("Issued", "issued", false),
        ("Expires", "expires", false),
        ("Status", "", false),
        ("Code", "", false),
    ];
    let path = "/certificates";
    let (rows, total, pg, pages) = match &page {
        Some(p) => (
            p.items
                .iter()
                .map(|x| Row {
                    href: format!("/certificates/{}", x.id),
                    cells: vec![
                        Cell::text(&x.learner_name),
                        Cell::text(x.client_name.clone().unwrap_or_default()),
                        Cell::text(format!("{} ({})", x.certificate_name, x.course_title)),
                        Cell::when(&x.issued_on),
                        Cell::when(x.expires_on.clone().unwrap_or_else(|| "—".into())),
                        status_cell(x),
                        Cell::text(grouped(&x.code)),
                    ],
                })
                .collect(),
            p.total,
            p.page,
            p.pages(),
        ),
        None => (Vec::new(), 0, 1, 1),
    };
    let (prev_href, next_href) = paging(&qs, path, pg, pages);
    let empty_hint = match error {
        Some(e) => e,
        None if !expiring.is_empty() => format!("Nothing expires in the next {expiring} days."),
        None => "No certificates yet. They are issued when a learner completes a course that grants one.".into(),
    };
    let view = ListView {
        title: if expiring.is_empty() {
            "Certificates"
        } else {
            "Certificates expiring"
        },
        path,
        // Admins and managers set when learners are reminded of the expiry.
        new_href: matches!(c.role, Role::Admin | Role::Manager)
            .then(|| "/admin/certificate-reminders".to_owned()),
        new_label: "Expiry reminders".into(),
        q: f.list.q.clone(),
        filters,
        columns: columns(&qs, path, default_sort, &cols),
        rows,
        total,
        page: pg,
        pages,
        prev_href,
        next_href,
        csv_href: qs.with(path, &[("format", "csv"), ("page", "")]),
        empty_hint,
        filtered: qs.is_filtered(),
    };
    list_response(Chrome::new(&c, "certificates", flash), view, wants_csv(&qs))
}

#[derive(Template, WebTemplate)]
#[template(path = "certificate.html")]
struct ShowPage {
    chrome: Chrome,
    c: Certificate,
    view: DetailView,
    verify_url: String,
    may_revoke: bool,
    reason: String,
    error: Option<String>,
}

impl ShowPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn show_view(
    s: &AppState,
    c: &Caller,
    id: i64,
    flash: Option<String>,
    reason: String,
    error: Option<String>,
) -> Response {
    let cert = match uc::get(&s.app, c, id).await {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(c)),
    };
    let mut facts = vec![
        fact("Learner", &cert.learner_name),
        fact("Certificate", &cert.certificate_name),
        fact("Course", &cert.course_title),
    ];
    if c.role.is_staff() {
        facts[0] = link_fact(
            "Learner",
            &cert.learner_name,
            format!("/learners/{}", cert.learner_id),
        );
    }
    if let Some(r) = &cert.session_reference {
        facts.push(if c.role.is_staff() {
            link_fact(
                "Session",
                r,
                format!("/sessions/{}", cert.session_id.unwrap_or_default()),
            )
        } else {
            fact("Session", r)
        });
    }
    if let Some(cl) = &cert.client_name {
        facts.push(fact("Client", cl));
    }
    if !cert.instructor_name.is_empty() {
        facts.push(fact("Instructor", &cert.instructor_name));
    }
    facts.push(fact("Issued on", &cert.issued_on));
    facts.push(fact(
        "Valid until",
        cert.expires_on
            .clone()
            .unwrap_or_else(|| "no expiry".into()),
    ));
    facts.push(fact("Verification code", grouped(&cert.code)));
    if let Some(r) = &cert.revoked_reason {
        facts.push(fact("Revoked because", r));
    }
    let events = if c.role.is_staff() {
        history::of_record(&s.app, c, "certificate", id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let tz = viewer_tz(c);
    let view = DetailView {
        title: format!("{} — {}", cert.certificate_name, cert.learner_name),
        subtitle: cert.course_title.clone(),
        status: Some(status_cell(&cert)),
        back_href: "/certificates",
        back_label: "Certificates",
        version: cert.version,
        actions: Vec::new(),
        facts,
        sections: Vec::new(),
        history: history(events, &tz),
        tab: String::new(),
    };
    let refused = error.is_some();
    let page = ShowPage {
        chrome: Chrome::new(c, "certificates", flash),
        verify_url: uc::verify_url(&s.app, &cert.code),
        may_revoke: c.role.can_edit_operations() && cert.status != Standing::Revoked,
        c: cert,
        view,
        reason,
        error,
    };
    if refused {
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    } else {
        page.into_response()
    }
}

async fn show(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    show_view(&s, &c, id, flash, String::new(), None).await
}

async fn pdf(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    match uc::printable(&s.app, &c, id).await {
        Ok(p) => match crate::certificate_print::response(&p) {
            Ok(r) => r,
            Err(e) => error_page(AppError::refused(e.to_string()), Some(&c)),
        },
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RevokeForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
    reason: String,
}

async fn revoke(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<RevokeForm>,
) -> Response {
    match uc::revoke(&s.app, &c, id, form.version, &form.reason).await {
        Ok(_) => saved(&format!("/certificates/{id}"), "Certificate revoked."),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_) | AppError::Refused(_))) => {
            let msg = match &e {
                AppError::Invalid(inv) => inv.message_for("reason").unwrap_or("").to_owned(),
                other => other.to_string(),
            };
            show_view(&s, &c, id, None, form.reason, Some(msg)).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct IssueForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    enrollment_id: i64,
    /// Where to go back to when refused (the learner's page).
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    learner_id: i64,
}

async fn issue(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<IssueForm>,
) -> Response {
    match uc::issue(&s.app, &c, form.enrollment_id).await {
        Ok(cert) => saved(&format!("/certificates/{}", cert.id), "Certificate issued."),
        Err(e @ AppError::Refused(_)) if form.learner_id > 0 => saved(
            &format!("/learners/{}#certificates", form.learner_id),
            &e.to_string(),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

// ------------------------------------------------------------------ public verification

#[derive(Template, WebTemplate)]
#[template(path = "verify.html")]
struct VerifyPage {
    /// The reader's words (the page has no chrome).
    tr: crate::i18n::Tr,
    /// What was looked up, as typed (empty on the form alone).
    asked: String,
    found: Option<Verification>,
}

impl VerifyPage {
    fn status_class(&self) -> &'static str {
        match self.found.as_ref().map(|v| v.status) {
            Some(Standing::Valid) => "ok",
            Some(Standing::Expired) => "warn",
            Some(Standing::Revoked) | None => "bad",
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CodeQuery {
    code: String,
}

async fn verify_form(Query(q): Query<CodeQuery>) -> Response {
    let code = q.code.trim();
    if code.is_empty() {
        return VerifyPage {
            tr: crate::i18n::Tr::for_request(),
            asked: String::new(),
            found: None,
        }
        .into_response();
    }
    let clean: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    Redirect::to(&format!("/verify/{clean}")).into_response()
}

async fn verify_page(State(s): State<AppState>, Path(code): Path<String>) -> Response {
    let asked: String = code.chars().take(40).collect();
    match uc::verify(&s.app, &code).await {
        Ok(Some(v)) => VerifyPage {
            tr: crate::i18n::Tr::for_request(),
            asked,
            found: Some(v),
        }
        .into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            VerifyPage {
                tr: crate::i18n::Tr::for_request(),
                asked,
                found: None,
            },
        )
            .into_response(),
        Err(e) => error_page(e, None),
    }
}

/// The "Certificates" section of a learner's page: their certificates, then (for operations
/// staff) the attended or completed enrollments on certifying courses without one, each leading
/// to the page that issues it by hand. `None` for a reader who may not see them.
pub(crate) async fn learner_section(s: &AppState, c: &Caller, learner_id: i64) -> Option<Section> {
    let got = uc::for_learner(&s.app, c, learner_id).await.ok()?;
    let mut rows: Vec<Row> = got
        .certificates
        .iter()
        .map(|x| Row {
            href: format!("/certificates/{}", x.id),
            cells: vec![
                Cell::text(&x.certificate_name),
                Cell::text(&x.course_title),
                Cell::when(&x.issued_on),
                Cell::when(x.expires_on.clone().unwrap_or_else(|| "—".into())),
                status_cell(x),
            ],
        })
        .collect();
    rows.extend(got.issuable.iter().map(|e| Row {
        href: format!(
            "/certificates/issue?enrollment_id={}&learner_id={learner_id}",
            e.enrollment_id
        ),
        cells: vec![
            Cell::text("Not issued yet: issue by hand"),
            Cell::text(format!("{} ({})", e.course_title, e.session_reference)),
            Cell::text("—"),
            Cell::text("—"),
            Cell::badge(e.status.label(), e.status.as_str()),
        ],
    }));
    Some(Section {
        title: "Certificates".into(),
        columns: vec!["Certificate", "Course", "Issued", "Expires", "Status"],
        rows,
        empty: "No certificates yet.".into(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "certificate_issue.html")]
struct IssuePage {
    chrome: Chrome,
    enrollment_id: i64,
    learner_id: i64,
    what: String,
}

impl IssuePage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

/// The confirmation before issuing by hand.
async fn issue_form(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Query(q): Query<IssueForm>,
) -> Response {
    if let Err(e) = c.require_operations("issue certificates") {
        return error_page(e, Some(&c));
    }
    let what = match uc::for_learner(&s.app, &c, q.learner_id).await {
        Ok(got) => got
            .issuable
            .into_iter()
            .find(|e| e.enrollment_id == q.enrollment_id)
            .map(|e| format!("{} ({})", e.course_title, e.session_reference)),
        Err(e) => return error_page(e, Some(&c)),
    };
    let Some(what) = what else {
        return error_page(
            AppError::NotFound("enrollment without a certificate"),
            Some(&c),
        );
    };
    IssuePage {
        chrome: Chrome::new(&c, "certificates", None),
        enrollment_id: q.enrollment_id,
        learner_id: q.learner_id,
        what,
    }
    .into_response()
}

/// The certificates a portal lists (a learner's own, a client contact's people's): the newest
/// 50 and how many there are in all. Empty for anyone who has none to see.
pub(crate) async fn portal_list(s: &AppState, c: &Caller) -> (Vec<Certificate>, i64) {
    let mut f = CertificateFilter::default();
    f.list.sort = "issued".into();
    f.list.dir = "desc".into();
    match uc::list(&s.app, c, f).await {
        Ok(p) => (p.items, p.total),
        Err(_) => (Vec::new(), 0),
    }
}

// ------------------------------------------------------------------ expiry reminder timing

fn reminders_form(days: &str, version: i64) -> FormView {
    FormView {
        title: "Certificate expiry reminders".into(),
        action: "/admin/certificate-reminders".into(),
        submit: "Save".into(),
        cancel_href: "/certificates?expiring=90".into(),
        version: Some(version),
        fields: vec![
            Field::new("days", "Reminders, days before a certificate expires", "text", days).help(
                "A list such as \"90, 30, 7\" (at most 6, each 1 to 365). The learner gets each reminder once, by e-mail, with the verification link. Empty: no reminders.",
            ),
        ],
        problems: Vec::new(),
    }
}

async fn reminders(State(s): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    if let Err(e) = c.require(
        matches!(c.role, Role::Admin | Role::Manager),
        "change the certificate reminders",
    ) {
        return error_page(e, Some(&c));
    }
    match uc::get_reminders(&s.app, &c).await {
        Ok(r) => super::FormPage {
            chrome: Chrome::new(&c, "certificates", flash),
            view: reminders_form(&r.text, r.version),
        }
        .into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RemindersForm {
    days: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
}

async fn save_reminders(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<RemindersForm>,
) -> Response {
    match uc::save_reminder_days(&s.app, &c, &f.days, f.version).await {
        Ok(r) => saved(
            "/admin/certificate-reminders",
            &if r.days.is_empty() {
                "Saved: no expiry reminders.".to_owned()
            } else {
                format!(
                    "Saved: reminders {} days before a certificate expires.",
                    r.text
                )
            },
        ),
        Err(e) => super::form_refused(
            Chrome::new(&c, "certificates", None),
            reminders_form(&f.days, f.version),
            e,
            &c,
        ),
    }
}
