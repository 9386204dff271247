//! Compliance pages: the dashboard (`/compliance`: overdue first, filters by client and course,
//! counts, open substitutions), the requirements admin page, and a session's compliance page
//! (its checklist, the upload form with errors at the field, ticks with a note, documents, the
//! evidence pack, and its substitutions with their steps).

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, Submit, error_page, saved};
use crate::views::Chrome;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::compliance::{self as uc, Dashboard, RequirementForm, SessionCompliance};
use trainyard_app::store::compliance::{DashboardFilter, Item, Requirement};
use trainyard_app::{AppError, Caller};
use trainyard_core::TimeZoneName;
use trainyard_core::compliance::{RequirementKind, SubstitutionStep};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/compliance", get(dashboard))
        .route(
            "/compliance/requirements",
            get(requirements).post(create_requirement),
        )
        .route("/compliance/requirements/{id}", post(update_requirement))
        .route("/compliance/requirements/{id}/edit", get(edit_requirement))
        .route(
            "/compliance/requirements/{id}/archive",
            post(archive_requirement),
        )
        .route("/compliance/items/{id}/tick", post(tick))
        .route("/sessions/{id}/compliance", get(session_page))
        .route("/sessions/{id}/documents", post(upload))
        .route("/sessions/{id}/evidence-pack", get(session_pack))
        .route("/clients/{id}/evidence-pack", get(client_pack))
        .route("/clients/{id}/evidence", get(client_evidence))
        .route("/documents/{id}", get(document))
        .route("/substitutions/{id}/steps", post(step))
}

/// When an instant is shown: in the viewer's zone, with the zone.
fn when(c: &Caller, ms: i64) -> String {
    TimeZoneName::parse_or_utc(&c.time_zone).display(ms)
}

fn kind_key(k: RequirementKind) -> &'static str {
    match k {
        RequirementKind::Document => "compliance-kind-document",
        RequirementKind::CertificatesIssued => "compliance-kind-certificates",
        RequirementKind::InstructorQualification => "compliance-kind-qualification",
        RequirementKind::Manual => "compliance-kind-manual",
        RequirementKind::FeedbackResponseRate => "compliance-kind-feedback-rate",
    }
}

fn state_key(i: &Item) -> &'static str {
    match i.state {
        trainyard_core::compliance::ItemState::Open => "compliance-state-open",
        trainyard_core::compliance::ItemState::Met => "compliance-state-met",
        trainyard_core::compliance::ItemState::MetLate => "compliance-state-met-late",
        trainyard_core::compliance::ItemState::Overdue => "compliance-state-overdue",
    }
}

fn step_key(s: SubstitutionStep) -> &'static str {
    match s {
        SubstitutionStep::ReplacementChosen => "substitution-step-replacement",
        SubstitutionStep::ClientInformed => "substitution-step-client",
        SubstitutionStep::LearnersInformed => "substitution-step-learners",
    }
}

// ------------------------------------------------------------------ dashboard

#[derive(Template, WebTemplate)]
#[template(path = "compliance.html")]
struct DashboardPage {
    chrome: Chrome,
    d: Dashboard,
    f: DashboardFilter,
    clients: Vec<(i64, String)>,
    courses: Vec<(i64, String)>,
    caller: Caller,
}

impl DashboardPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn when(&self, ms: &i64) -> String {
        when(&self.caller, *ms)
    }
    fn state_key(&self, i: &Item) -> &'static str {
        state_key(i)
    }
    fn step_key(&self, s: &SubstitutionStep) -> &'static str {
        step_key(*s)
    }
    fn selected(&self, which: &Option<i64>, id: &i64) -> bool {
        *which == Some(*id)
    }
    fn more(&self) -> bool {
        self.d.page * self.d.per_page < self.d.total
    }
    fn next_href(&self) -> String {
        let mut q = vec![("page".to_owned(), (self.d.page + 1).to_string())];
        if !self.f.state.is_empty() {
            q.push(("state".into(), self.f.state.clone()));
        }
        if let Some(c) = self.f.client_id {
            q.push(("client_id".into(), c.to_string()));
        }
        if let Some(c) = self.f.course_id {
            q.push(("course_id".into(), c.to_string()));
        }
        format!(
            "/compliance?{}",
            serde_urlencoded::to_string(&q).unwrap_or_default()
        )
    }
}

async fn options(s: &AppState) -> (Vec<(i64, String)>, Vec<(i64, String)>) {
    let Ok(mut conn) = s.app.store.read().await else {
        return (Vec::new(), Vec::new());
    };
    let clients = trainyard_app::store::clients::options(&mut conn)
        .await
        .unwrap_or_default();
    let courses = trainyard_app::store::courses::options(&mut conn)
        .await
        .unwrap_or_default();
    (clients, courses)
}

async fn dashboard(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(f): Query<DashboardFilter>,
) -> Response {
    match uc::dashboard(&s.app, &c, &f).await {
        Ok(d) => {
            let (clients, courses) = options(&s).await;
            DashboardPage {
                chrome: Chrome::new(&c, "compliance", flash),
                d,
                f,
                clients,
                courses,
                caller: c,
            }
            .into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

// ------------------------------------------------------------------ requirements

#[derive(Template, WebTemplate)]
#[template(path = "compliance_requirements.html")]
struct RequirementsPage {
    chrome: Chrome,
    list: Vec<Requirement>,
    form: RequirementForm,
    error: Option<trainyard_core::Invalid>,
    clients: Vec<(i64, String)>,
    courses: Vec<(i64, String)>,
    can_edit: bool,
    /// The requirement being changed (its form posts to it), or none: a new one.
    editing: Option<i64>,
}

impl RequirementsPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn kind_key(&self, k: &RequirementKind) -> &'static str {
        kind_key(*k)
    }
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        RequirementKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_key(*k)))
            .collect()
    }
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().and_then(|e| e.message_for(field))
    }
    fn selected(&self, which: &Option<i64>, id: &i64) -> bool {
        *which == Some(*id)
    }
}

async fn requirements_view(
    s: &AppState,
    c: Caller,
    flash: Option<String>,
    form: RequirementForm,
    error: Option<trainyard_core::Invalid>,
    editing: Option<i64>,
) -> Response {
    match uc::requirements(&s.app, &c, None, None).await {
        Ok(list) => {
            let (clients, courses) = options(s).await;
            RequirementsPage {
                chrome: Chrome::new(&c, "compliance", flash),
                can_edit: c.role.can_edit_operations(),
                list,
                form,
                error,
                clients,
                courses,
                editing,
            }
            .into_response()
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn requirements(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
) -> Response {
    let form = RequirementForm {
        kind: "document".into(),
        deadline_hours: 48,
        ..Default::default()
    };
    requirements_view(&s, c, flash, form, None, None).await
}

/// The requirements page with one requirement's values in the form, which changes it.
async fn edit_requirement(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    if let Err(e) = c.require_operations("change compliance requirements") {
        return error_page(e, Some(&c));
    }
    match uc::requirement(&s.app, &c, id).await {
        Ok(r) => {
            let form = RequirementForm {
                client_id: r.client_id,
                course_id: r.course_id,
                kind: r.kind.as_str().to_owned(),
                name: r.name,
                deadline_hours: r.deadline_hours,
                parameter: r.parameter,
                version: r.version,
            };
            requirements_view(&s, c, flash, form, None, Some(id)).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn update_requirement(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<RequirementForm>,
) -> Response {
    match uc::update_requirement(&s.app, &c, id, &form).await {
        Ok(_) => saved(
            "/compliance/requirements",
            crate::i18n::Tr::for_caller(&c).t("compliance-requirement-saved"),
        ),
        Err(AppError::Invalid(e)) => requirements_view(&s, c, None, form, Some(e), Some(id)).await,
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn create_requirement(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<RequirementForm>,
) -> Response {
    match uc::create_requirement(&s.app, &c, &form).await {
        Ok(_) => saved(
            "/compliance/requirements",
            crate::i18n::Tr::for_caller(&c).t("compliance-requirement-saved"),
        ),
        Err(AppError::Invalid(e)) => requirements_view(&s, c, None, form, Some(e), None).await,
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct VersionForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
}

async fn archive_requirement(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<VersionForm>,
) -> Response {
    match uc::archive_requirement(&s.app, &c, id, form.version).await {
        Ok(()) => saved(
            "/compliance/requirements",
            crate::i18n::Tr::for_caller(&c).t("compliance-requirement-archived"),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

// ------------------------------------------------------------------ a session's compliance

#[derive(Template, WebTemplate)]
#[template(path = "session_compliance.html")]
struct SessionComplianceView {
    chrome: Chrome,
    sc: SessionCompliance,
    reference: String,
    /// The upload form's error, shown at the file field, and the requirement chosen.
    upload_error: Option<String>,
    upload_requirement: Option<i64>,
    /// A tick's error, by item.
    tick_error: Option<(i64, String)>,
    instructors: Vec<(i64, String)>,
    caller: Caller,
}

impl SessionComplianceView {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn when(&self, ms: &i64) -> String {
        when(&self.caller, *ms)
    }
    fn when_opt(&self, ms: &Option<i64>) -> String {
        ms.map(|m| when(&self.caller, m)).unwrap_or_default()
    }
    fn state_key(&self, i: &Item) -> &'static str {
        state_key(i)
    }
    fn kind_key(&self, k: &RequirementKind) -> &'static str {
        kind_key(*k)
    }
    fn step_key(&self, s: &SubstitutionStep) -> &'static str {
        step_key(*s)
    }
    fn tickable(&self, i: &Item) -> bool {
        self.sc.can_manage && !i.kind.by_system() && !i.state.is_met()
    }
    fn uploadable(&self) -> Vec<&Item> {
        self.sc
            .items
            .iter()
            .filter(|i| i.kind == RequirementKind::Document && !i.state.is_met())
            .collect()
    }
    fn tick_error_for(&self, id: &i64) -> Option<&str> {
        self.tick_error
            .as_ref()
            .filter(|(i, _)| i == id)
            .map(|(_, m)| m.as_str())
    }
    fn is_chosen(&self, id: &i64) -> bool {
        self.upload_requirement == Some(*id)
    }
    fn may_pack(&self) -> bool {
        self.caller.role.is_staff() || self.caller.role == trainyard_core::Role::ClientContact
    }
}

async fn session_view(
    s: &AppState,
    c: Caller,
    id: i64,
    flash: Option<String>,
    upload_error: Option<String>,
    upload_requirement: Option<i64>,
    tick_error: Option<(i64, String)>,
) -> Response {
    let sc = match uc::session_compliance(&s.app, &c, id).await {
        Ok(sc) => sc,
        Err(e) => return error_page(e, Some(&c)),
    };
    let (reference, instructors) = match s.app.store.read().await {
        Ok(mut conn) => (
            trainyard_app::store::sessions::get(&mut conn, id)
                .await
                .map(|x| x.reference)
                .unwrap_or_default(),
            if sc.can_manage {
                trainyard_app::store::instructors::options(&mut conn)
                    .await
                    .unwrap_or_default()
            } else {
                Vec::new()
            },
        ),
        Err(_) => (String::new(), Vec::new()),
    };
    SessionComplianceView {
        chrome: Chrome::new(&c, "sessions", flash),
        sc,
        reference,
        upload_error,
        upload_requirement,
        tick_error,
        instructors,
        caller: c,
    }
    .into_response()
}

async fn session_page(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    session_view(&s, c, id, flash, None, None, None).await
}

/// The upload form: multipart, with the CSRF token as one of its fields.
async fn upload(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<i64>,
    m: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if let Err(e) = uc::may_upload(&s.app, &c, id).await {
        return error_page(e, Some(&c));
    }
    let tr = crate::i18n::Tr::for_caller(&c);
    let Ok(mut m) = m else {
        return session_view(
            &s,
            c,
            id,
            None,
            Some(tr.t("compliance-upload-choose").into()),
            None,
            None,
        )
        .await;
    };
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut requirement = None;
    loop {
        match m.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or_default() {
                "_csrf" => csrf = field.text().await.unwrap_or_default(),
                "requirement_id" => {
                    requirement = field
                        .text()
                        .await
                        .ok()
                        .and_then(|t| t.trim().parse::<i64>().ok());
                }
                "file" => {
                    let name = field.file_name().unwrap_or_default().to_owned();
                    match field.bytes().await {
                        Ok(b) => file = Some((name, b.to_vec())),
                        Err(e) => {
                            return session_view(
                                &s,
                                c,
                                id,
                                None,
                                Some(e.body_text()),
                                requirement,
                                None,
                            )
                            .await;
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(e) => {
                return session_view(&s, c, id, None, Some(e.body_text()), requirement, None).await;
            }
        }
    }
    if c.csrf_token.as_deref() != Some(csrf.as_str()) {
        return error_page(
            AppError::Forbidden(
                "submit this form: it expired or came from elsewhere. Reload the page and try again"
                    .into(),
            ),
            Some(&c),
        );
    }
    let Some((name, bytes)) = file.filter(|(n, _)| !n.is_empty()) else {
        return session_view(
            &s,
            c,
            id,
            None,
            Some(tr.t("compliance-upload-choose").into()),
            requirement,
            None,
        )
        .await;
    };
    match uc::upload(&s.app, &c, id, requirement, &name, &bytes).await {
        Ok(_) => saved(
            &format!("/sessions/{id}/compliance"),
            tr.t("compliance-upload-saved"),
        ),
        Err(AppError::Invalid(e)) => {
            let msg = e
                .message_for("file")
                .or_else(|| e.message_for("requirement_id"))
                .unwrap_or_default()
                .to_owned();
            session_view(&s, c, id, None, Some(msg), requirement, None).await
        }
        Err(e @ AppError::Refused(_)) => {
            session_view(
                &s,
                c,
                id,
                None,
                Some(crate::error_page::said(&e)),
                requirement,
                None,
            )
            .await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TickForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    session_id: i64,
    note: String,
}

async fn tick(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<TickForm>,
) -> Response {
    match uc::tick(&s.app, &c, id, form.version, &form.note).await {
        Ok(item) => saved(
            &format!("/sessions/{}/compliance", item.session_id),
            crate::i18n::Tr::for_caller(&c).t("compliance-ticked"),
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Refused(_) | AppError::Stale(_)))
            if form.session_id > 0 =>
        {
            let msg = match &e {
                AppError::Invalid(inv) => inv.message_for("note").unwrap_or_default().to_owned(),
                other => other.to_string(),
            };
            session_view(&s, c, form.session_id, None, None, None, Some((id, msg))).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn session_pack(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<i64>,
) -> Response {
    match uc::session_pack(&s.app, &c, id).await {
        Ok(p) => crate::api::compliance::zip_response(p),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Period {
    from: String,
    to: String,
}

async fn client_pack(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<i64>,
    Query(p): Query<Period>,
) -> Response {
    match uc::client_pack(&s.app, &c, id, &p.from, &p.to).await {
        Ok(p) => crate::api::compliance::zip_response(p),
        // Dates refused: the form again, with the reason at the field.
        Err(AppError::Invalid(e)) => client_evidence_view(&s, c, id, p, Some(e)).await,
        Err(e) => error_page(e, Some(&c)),
    }
}

/// `/clients/{id}/evidence`: choose the period of a client's evidence pack and download it.
#[derive(Template, WebTemplate)]
#[template(path = "client_evidence.html")]
struct ClientEvidencePage {
    chrome: Chrome,
    client_id: i64,
    client_name: String,
    from: String,
    to: String,
    error: Option<trainyard_core::Invalid>,
    max_sessions: i64,
    is_staff: bool,
}

impl ClientEvidencePage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error.as_ref().and_then(|e| e.message_for(field))
    }
}

async fn client_evidence_view(
    s: &AppState,
    c: Caller,
    id: i64,
    p: Period,
    error: Option<trainyard_core::Invalid>,
) -> Response {
    let client = match trainyard_app::people::clients::get(&s.app, &c, id).await {
        Ok(cl) => cl,
        Err(e) => return error_page(e, Some(&c)),
    };
    // The last full quarter by default: what an auditor usually asks for.
    let (from, to) = if p.from.is_empty() && p.to.is_empty() {
        let today = TimeZoneName::parse_or_utc(&c.time_zone)
            .local(trainyard_core::time::now_ms())
            .date_naive();
        let this = trainyard_app::reporting::Days::preset("quarter", today);
        let last = this.and_then(|d| d.compared(trainyard_app::reporting::Compare::Previous));
        last.map(|d| (d.from.to_string(), d.until.to_string()))
            .unwrap_or_default()
    } else {
        (p.from, p.to)
    };
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let page = ClientEvidencePage {
        chrome: Chrome::new(&c, "compliance", None),
        client_id: id,
        client_name: client.name,
        from,
        to,
        error,
        max_sessions: uc::CLIENT_PACK_SESSIONS,
        is_staff: c.role.is_staff(),
    };
    (status, page).into_response()
}

async fn client_evidence(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<i64>,
    Query(p): Query<Period>,
) -> Response {
    client_evidence_view(&s, c, id, p, None).await
}

async fn document(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    match uc::document(&s.app, &c, id).await {
        Ok((d, bytes)) => crate::api::compliance::document_response(&d, bytes),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct StepForm {
    step: String,
    #[serde(deserialize_with = "trainyard_app::store::row::empty_as_none")]
    replacement_instructor_id: Option<i64>,
    note: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    session_id: i64,
}

async fn step(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<StepForm>,
) -> Response {
    match uc::complete_step(
        &s.app,
        &c,
        id,
        &form.step,
        form.replacement_instructor_id,
        &form.note,
    )
    .await
    {
        Ok(sub) => saved(
            &format!("/sessions/{}/compliance#substitutions", sub.session_id),
            crate::i18n::Tr::for_caller(&c).t("substitution-step-saved"),
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Refused(_))) if form.session_id > 0 => {
            let mut flash = crate::error_page::said(&e);
            if let AppError::Invalid(inv) = &e
                && let Some(first) = inv.errors.first()
            {
                flash = first.message.clone();
            }
            session_view(&s, c, form.session_id, Some(flash), None, None, None).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}
