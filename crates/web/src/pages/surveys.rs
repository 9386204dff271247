//! Feedback surveys: the public survey behind a personal link (`/survey/{token}`: no login,
//! works on a phone, problems shown at the question, a thank-you page), the results by course,
//! instructor, venue, client or session (`/feedback`), one session's feedback, and the survey
//! templates (`/admin/survey-templates`).

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
use std::collections::BTreeMap;
use trainyard_app::store::surveys::{Dimension, SurveyTemplate};
use trainyard_app::surveys::{
    self as uc, FeedbackGroup, PublicQuestion, PublicSurvey, TemplateInput,
};
use trainyard_app::{AppError, Caller};
use trainyard_core::Invalid;
use trainyard_core::survey::{self as rules, Audience, QuestionKind, RawAnswer};

/// Survey link lookups per address per minute.
const SURVEY_PER_MINUTE: u32 = 60;

pub fn routes() -> Router<AppState> {
    let public = Router::new()
        .route("/survey/{token}", get(survey_page).post(survey_answer))
        .route_layer(axum::middleware::from_fn_with_state(
            crate::api::RateLimiter::new(SURVEY_PER_MINUTE),
            crate::api::rate_limit,
        ));
    Router::new()
        .route("/feedback", get(feedback))
        .route("/sessions/{id}/feedback", get(session_feedback))
        .route("/admin/survey-templates", get(templates))
        .route(
            "/admin/survey-templates/new",
            get(new_template).post(create_template),
        )
        .route(
            "/admin/survey-templates/{id}",
            get(edit_template).post(save_template),
        )
        .route(
            "/admin/survey-templates/{id}/archive",
            post(archive_template),
        )
        .merge(public)
}

// ------------------------------------------------------------------ the public survey

/// One question on the public form, with what was sent and its problem.
struct FormQuestion {
    q: PublicQuestion,
    /// The values sent back (numbers, options or text), to keep them on a refused form.
    given: Vec<String>,
    error: Option<String>,
}

impl FormQuestion {
    fn field(&self) -> String {
        rules::answer_field(self.q.id)
    }
    fn scale(&self) -> Vec<i64> {
        match self.q.kind.range() {
            Some((lo, hi)) => (lo..=hi).collect(),
            None => Vec::new(),
        }
    }
    fn has(&self, v: &str) -> bool {
        self.given.iter().any(|g| g == v)
    }
    fn text(&self) -> String {
        self.given.first().cloned().unwrap_or_default()
    }
    fn is_rating(&self) -> bool {
        self.q.kind.range().is_some()
    }
    fn is_nps(&self) -> bool {
        self.q.kind == QuestionKind::Nps
    }
    fn is_multiple(&self) -> bool {
        self.q.kind == QuestionKind::MultipleChoice
    }
    fn is_single(&self) -> bool {
        self.q.kind == QuestionKind::SingleChoice
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "survey.html")]
struct SurveyPage {
    tr: Tr,
    token: String,
    /// The survey, or `None` with `message` (unknown, answered, thank you).
    survey: Option<PublicSurvey>,
    questions: Vec<FormQuestion>,
    /// "thanks", "answered", "unknown" or empty.
    state: &'static str,
    problems: usize,
}

impl SurveyPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        None
    }
}

fn survey_view(
    token: &str,
    survey: PublicSurvey,
    given: &BTreeMap<String, Vec<String>>,
    inv: Option<&Invalid>,
) -> SurveyPage {
    let questions = survey
        .questions
        .iter()
        .map(|q| {
            let field = rules::answer_field(q.id);
            FormQuestion {
                q: q.clone(),
                given: given.get(&field).cloned().unwrap_or_default(),
                error: inv.and_then(|i| i.message_for(&field)).map(str::to_owned),
            }
        })
        .collect();
    SurveyPage {
        tr: Tr::for_request(),
        token: token.chars().take(80).collect(),
        survey: Some(survey),
        questions,
        state: "",
        problems: inv.map(|i| i.errors.len()).unwrap_or(0),
    }
}

fn survey_state(token: &str, state: &'static str) -> SurveyPage {
    SurveyPage {
        tr: Tr::for_request(),
        token: token.chars().take(80).collect(),
        survey: None,
        questions: Vec::new(),
        state,
        problems: 0,
    }
}

fn survey_refused(token: &str, e: AppError) -> Response {
    match e {
        AppError::NotFound(_) => {
            (StatusCode::NOT_FOUND, survey_state(token, "unknown")).into_response()
        }
        AppError::Refused(_) => {
            (StatusCode::CONFLICT, survey_state(token, "answered")).into_response()
        }
        other => error_page(other, None),
    }
}

async fn survey_page(State(s): State<AppState>, Path(token): Path<String>) -> Response {
    match uc::open(&s.app, &token).await {
        Ok(survey) => survey_view(&token, survey, &BTreeMap::new(), None).into_response(),
        Err(e) => survey_refused(&token, e),
    }
}

/// The form's answers as the use case takes them: a number that is not one is reported at its
/// question without asking further.
fn answers_from(
    survey: &PublicSurvey,
    given: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<RawAnswer>, Invalid> {
    let mut inv = Invalid::new();
    let mut out = Vec::new();
    for q in &survey.questions {
        let field = rules::answer_field(q.id);
        let values: Vec<String> = given
            .get(&field)
            .map(|v| {
                v.iter()
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if values.is_empty() {
            continue;
        }
        let mut a = RawAnswer {
            question_id: q.id,
            ..Default::default()
        };
        match q.kind {
            QuestionKind::Rating | QuestionKind::Nps => match values[0].parse::<i64>() {
                Ok(v) => a.value = Some(v),
                Err(_) => {
                    inv.add(&field, format!("“{}”: choose a number", q.prompt));
                    continue;
                }
            },
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => a.choices = values,
            QuestionKind::Text => a.text = values.into_iter().next(),
        }
        out.push(a);
    }
    inv.or_ok(out)
}

async fn survey_answer(
    State(s): State<AppState>,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let pairs: Vec<(String, String)> = serde_html_form::from_bytes(&body).unwrap_or_default();
    let mut given: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs {
        given.entry(k).or_default().push(v);
    }
    let survey = match uc::open(&s.app, &token).await {
        Ok(x) => x,
        Err(e) => return survey_refused(&token, e),
    };
    let result = match answers_from(&survey, &given) {
        Ok(answers) => uc::answer(&s.app, &token, &answers).await,
        Err(inv) => Err(AppError::Invalid(inv)),
    };
    match result {
        Ok(()) => survey_state(&token, "thanks").into_response(),
        Err(AppError::Invalid(inv)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            survey_view(&token, survey, &given, Some(&inv)),
        )
            .into_response(),
        Err(e) => survey_refused(&token, e),
    }
}

// ------------------------------------------------------------------ results

/// A result row as the pages show it.
struct ResultRow {
    href: Option<String>,
    label: String,
    invited: i64,
    answered: i64,
    rate: String,
    rating: String,
    nps: String,
    operations: String,
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.0} %")).unwrap_or_else(|| "—".into())
}

fn avg(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

/// The mean of every rating answer of a group (weighted by answers) and its NPS.
fn overall(g: &FeedbackGroup) -> (Option<f64>, Option<i64>) {
    let (mut sum, mut n) = (0.0, 0);
    for q in g
        .questions
        .iter()
        .filter(|q| q.kind == QuestionKind::Rating)
    {
        if let Some(a) = q.average {
            sum += a * q.answers as f64;
            n += q.answers;
        }
    }
    let nps = g
        .questions
        .iter()
        .find(|q| q.kind == QuestionKind::Nps)
        .and_then(|q| q.nps);
    ((n > 0).then(|| sum / n as f64), nps)
}

fn result_row(g: &FeedbackGroup, href: Option<String>) -> ResultRow {
    let (rating, nps) = overall(g);
    ResultRow {
        href,
        label: g.label.clone(),
        invited: g.invited,
        answered: g.answered,
        rate: pct(g.response_rate),
        rating: avg(rating),
        nps: nps.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
        operations: avg(g.operations_average),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    chrome: Chrome,
    filters: Vec<Filter>,
    rows: Vec<ResultRow>,
    by_label: &'static str,
    invited: i64,
    answered: i64,
    rate: String,
    comments: Vec<(String, String, String)>,
    error: Option<String>,
    may_edit_templates: bool,
}

impl FeedbackPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct FeedbackForm {
    by: String,
    from: String,
    to: String,
}

fn by_label(tr: &Tr, d: Dimension) -> &'static str {
    tr.t(match d {
        Dimension::Course => "feedback-by-course",
        Dimension::Instructor => "feedback-by-instructor",
        Dimension::Venue => "feedback-by-venue",
        Dimension::Client => "feedback-by-client",
        Dimension::Session => "feedback-by-session",
    })
}

async fn feedback(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(f): Query<FeedbackForm>,
) -> Response {
    let chrome = Chrome::new(&c, "feedback", flash);
    let by = match f.by.trim() {
        "" => Dimension::Course,
        x => Dimension::parse(x).unwrap_or(Dimension::Course),
    };
    let (report, error) = match uc::results(&s.app, &c, by, &f.from, &f.to).await {
        Ok(r) => (Some(r), None),
        Err(e @ AppError::BadParameter { .. }) => (None, Some(crate::error_page::said(&e))),
        Err(e) => return error_page(e, Some(&c)),
    };
    let tr = &chrome.tr;
    let filters = vec![
        Filter::select(
            "by",
            tr.t("feedback-group-by"),
            by.as_str(),
            Dimension::ALL
                .iter()
                .map(|d| (d.as_str().to_owned(), by_label(tr, *d).to_owned()))
                .collect(),
        ),
        Filter::date("from", tr.t("feedback-from"), &f.from),
        Filter::date("to", tr.t("feedback-to"), &f.to),
    ];
    let mut rows = Vec::new();
    let mut comments = Vec::new();
    let (mut invited, mut answered, mut rate) = (0, 0, "—".to_owned());
    if let Some(r) = &report {
        invited = r.invited;
        answered = r.answered;
        rate = pct(r.response_rate);
        for g in &r.groups {
            let href = (by == Dimension::Session).then(|| format!("/sessions/{}/feedback", g.id));
            rows.push(result_row(g, href));
            for cm in g.comments.iter().take(20) {
                comments.push((g.label.clone(), cm.prompt.clone(), cm.text.clone()));
            }
        }
    }
    comments.truncate(100);
    FeedbackPage {
        by_label: by_label(&chrome.tr, by),
        may_edit_templates: c.role.is_staff(),
        chrome,
        filters,
        rows,
        invited,
        answered,
        rate,
        comments,
        error,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "session_feedback.html")]
struct SessionFeedbackPage {
    chrome: Chrome,
    session_id: i64,
    g: FeedbackGroup,
    row: ResultRow,
    questions: Vec<(String, String, String)>,
}

impl SessionFeedbackPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

async fn session_feedback(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<i64>,
) -> Response {
    let g = match uc::session_results(&s.app, &c, id).await {
        Ok(g) => g,
        Err(e) => return error_page(e, Some(&c)),
    };
    let questions = g
        .questions
        .iter()
        .map(|q| {
            let figure = match q.kind {
                QuestionKind::Rating => format!("{} / 5", avg(q.average)),
                QuestionKind::Nps => format!(
                    "NPS {} · {} / 10",
                    q.nps.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
                    avg(q.average)
                ),
                _ => q
                    .options
                    .iter()
                    .map(|o| format!("{}: {}", o.option, o.count))
                    .collect::<Vec<_>>()
                    .join(" · "),
            };
            (q.prompt.clone(), figure, q.answers.to_string())
        })
        .collect();
    SessionFeedbackPage {
        chrome: Chrome::new(&c, "feedback", None),
        session_id: id,
        row: result_row(&g, None),
        g,
        questions,
    }
    .into_response()
}

// ------------------------------------------------------------------ templates

async fn templates(State(s): State<AppState>, Viewer(c): Viewer, Flash(flash): Flash) -> Response {
    let list = match uc::list_templates(&s.app, &c).await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(&c)),
    };
    let chrome = Chrome::new(&c, "survey-templates", flash);
    let rows: Vec<Row> = list
        .iter()
        .map(|t| Row {
            href: format!("/admin/survey-templates/{}", t.id),
            cells: vec![
                Cell::text(&t.name),
                Cell::text(t.audience.label()),
                Cell::text(if t.is_default {
                    chrome.tr.t("survey-default")
                } else {
                    ""
                }),
                Cell::num(t.questions.len()),
                Cell::text(if t.in_use {
                    chrome.tr.t("survey-in-use")
                } else {
                    ""
                }),
            ],
        })
        .collect();
    let qs = QueryState(Vec::new());
    let path = "/admin/survey-templates";
    let view = ListView {
        title: crate::i18n::Tr::for_caller(&c).t("nav-survey-templates"),
        path,
        new_href: c
            .role
            .can_edit_operations()
            .then(|| "/admin/survey-templates/new".to_owned()),
        new_label: chrome.tr.t("survey-new-template").to_owned(),
        q: String::new(),
        filters: Vec::new(),
        columns: columns(
            &qs,
            path,
            "",
            &[
                ("Name", "", false),
                ("Audience", "", false),
                ("Default", "", false),
                ("Questions", "", false),
                ("Sent", "", false),
            ],
        ),
        total: rows.len() as i64,
        rows,
        page: 1,
        pages: 1,
        prev_href: None,
        next_href: None,
        csv_href: String::new(),
        empty_hint: "No survey templates.".into(),
        filtered: false,
    };
    super::ListPage { chrome, view }.into_response()
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct TemplateForm {
    name: String,
    audience: String,
    is_default: String,
    questions: String,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    version: i64,
}

impl TemplateForm {
    fn from_template(t: &SurveyTemplate) -> Self {
        Self {
            name: t.name.clone(),
            audience: t.audience.as_str().into(),
            is_default: if t.is_default {
                "true".into()
            } else {
                String::new()
            },
            questions: rules::to_lines(&t.questions.iter().map(|q| q.spec()).collect::<Vec<_>>()),
            version: t.version,
        }
    }

    fn input(&self) -> Result<TemplateInput, Invalid> {
        let mut inv = Invalid::new();
        let audience = inv.check("audience", Audience::parse(&self.audience));
        let questions = match rules::parse_lines(&self.questions) {
            Ok(q) => q,
            Err(e) => {
                inv.errors.extend(e.errors);
                Vec::new()
            }
        };
        match audience {
            Some(audience) if inv.is_empty() => Ok(TemplateInput {
                name: self.name.clone(),
                audience: Some(audience),
                is_default: self.is_default == "true",
                questions,
            }),
            _ => Err(inv),
        }
    }

    fn view(&self, action: String, version: Option<i64>, new: bool) -> FormView {
        let title = if new {
            "New survey template".to_owned()
        } else {
            format!("Survey template: {}", self.name)
        };
        let mut fields = vec![Field::new("name", "Name", "text", &self.name).required()];
        if new {
            fields.push(
                Field::new("audience", "Who answers it", "select", &self.audience).choices(
                    Audience::ALL
                        .iter()
                        .map(|a| (a.as_str().to_owned(), a.label().to_owned()))
                        .collect(),
                    None,
                ),
            );
        }
        fields.push(Field::new(
            "is_default",
            "Use it for every new invitation to this audience",
            "checkbox",
            &self.is_default,
        ));
        fields.push(
            Field::new("questions", "Questions, one per line", "textarea", &self.questions)
                .required()
                .help("kind | topic | question | options separated by ; | optional. Kinds: rating (1–5), nps (0–10), single_choice, multiple_choice, text. Topics: content, instructor, logistics, communication, materials, operations, overall. A template that was sent keeps its questions."),
        );
        FormView {
            title,
            action,
            submit: "Save".into(),
            cancel_href: "/admin/survey-templates".into(),
            version,
            fields,
            problems: Vec::new(),
        }
    }
}

async fn new_template(Viewer(c): Viewer) -> Response {
    if let Err(e) = c.require_operations("change survey templates") {
        return error_page(e, Some(&c));
    }
    let f = TemplateForm {
        audience: "learner".into(),
        questions: "rating | content | How useful was the content?\nnps | overall | How likely are you to recommend this course?\ntext | overall | What should we change? | | optional".into(),
        ..Default::default()
    };
    super::FormPage {
        chrome: Chrome::new(&c, "survey-templates", None),
        view: f.view("/admin/survey-templates/new".into(), None, true),
    }
    .into_response()
}

fn refused(c: &Caller, view: FormView, e: AppError) -> Response {
    match e {
        AppError::Refused(msg) => {
            let mut view = view;
            view.problems
                .push(crate::i18n::Tr::for_caller(c).refusal(&msg));
            (
                StatusCode::CONFLICT,
                super::FormPage {
                    chrome: Chrome::new(c, "survey-templates", None),
                    view,
                },
            )
                .into_response()
        }
        other => super::form_refused(Chrome::new(c, "survey-templates", None), view, other, c),
    }
}

async fn create_template(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<TemplateForm>,
) -> Response {
    if let Err(e) = c.require_operations("change survey templates") {
        return error_page(e, Some(&c));
    }
    let view = form.view("/admin/survey-templates/new".into(), None, true);
    let result = match form.input() {
        Ok(input) => uc::create_template(&s.app, &c, &input).await,
        Err(inv) => Err(AppError::Invalid(inv)),
    };
    match result {
        Ok(t) => saved(
            &format!("/admin/survey-templates/{}", t.id),
            "Survey template saved.",
        ),
        Err(e) => refused(&c, view, e),
    }
}

async fn edit_template(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    let t = match uc::get_template(&s.app, &c, id).await {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(&c)),
    };
    let f = TemplateForm::from_template(&t);
    let mut view = f.view(
        format!("/admin/survey-templates/{id}"),
        Some(t.version),
        false,
    );
    if !c.role.can_edit_operations() {
        view.problems.push(
            "You may read this template; coordinators, managers and admins change it.".into(),
        );
    }
    super::FormPage {
        chrome: Chrome::new(&c, "survey-templates", flash),
        view,
    }
    .into_response()
}

async fn save_template(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit {
        caller: c,
        mut form,
    }: Submit<TemplateForm>,
) -> Response {
    if let Err(e) = c.require_operations("change survey templates") {
        return error_page(e, Some(&c));
    }
    let current = match uc::get_template(&s.app, &c, id).await {
        Ok(t) => t,
        Err(e) => return error_page(e, Some(&c)),
    };
    form.audience = current.audience.as_str().into();
    let view = form.view(
        format!("/admin/survey-templates/{id}"),
        Some(form.version),
        false,
    );
    let result = match form.input() {
        Ok(input) => uc::update_template(&s.app, &c, id, form.version, &input).await,
        Err(inv) => Err(AppError::Invalid(inv)),
    };
    match result {
        Ok(_) => saved(
            &format!("/admin/survey-templates/{id}"),
            "Survey template saved.",
        ),
        Err(e) => refused(&c, view, e),
    }
}

async fn archive_template(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<super::VersionForm>,
) -> Response {
    match uc::archive_template(&s.app, &c, id, form.version).await {
        Ok(()) => saved("/admin/survey-templates", "Survey template archived."),
        Err(e) => error_page(e, Some(&c)),
    }
}
