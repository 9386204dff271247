//! Quotes: the list (sortable, filterable), a new draft's form, and the quote page with the lines
//! editor of a draft, the send button, the status history and the PDF; a client contact answers
//! their sent quotes there (accept, or decline with a reason).

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, Submit, error_page, saved};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trainyard_app::quotes::{self as uc, QuoteDetail, QuoteFields, QuotePatch};
use trainyard_app::store::Page;
use trainyard_app::store::quotes::{Quote, QuoteFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::Invalid;
use trainyard_core::quote::QuoteLineFields;
use trainyard_core::status::QuoteStatus;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/quotes", get(list).post(create))
        .route("/quotes/new", get(new_form))
        .route("/quotes/{id}", get(show))
        .route("/quotes/{id}/pdf", get(pdf))
        .route("/quotes/{id}/edit", post(update))
        .route("/quotes/{id}/send", post(send))
        .route("/quotes/{id}/accept", post(accept))
        .route("/quotes/{id}/decline", post(decline))
}

/// Blank line rows a draft form offers beyond the lines it has.
const BLANK_LINES: usize = 2;

/// The list's columns that sort: (key, label key).
const SORTS: &[(&str, &str)] = &[
    ("number", "quotes-number"),
    ("client", "quotes-client"),
    ("status", "quotes-status"),
    ("valid_until", "quotes-valid-until"),
    ("gross", "quotes-total"),
];

#[derive(Template, WebTemplate)]
#[template(path = "quotes.html")]
struct ListPage {
    chrome: Chrome,
    page: Page<Quote>,
    filter: QuoteFilter,
    may_write: bool,
    error: Option<String>,
}

impl ListPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn status_chosen(&self, s: &QuoteStatus) -> bool {
        self.filter.status == s.as_str()
    }
    fn query(&self, sort: &str, dir: &str, page: i64) -> String {
        format!(
            "/quotes?status={}&q={}&client_id={}&sort={}&dir={}&page={page}",
            crate::auth::urlencode(&self.filter.status),
            crate::auth::urlencode(&self.filter.list.q),
            self.filter
                .client_id
                .map(|c| c.to_string())
                .unwrap_or_default(),
            crate::auth::urlencode(sort),
            crate::auth::urlencode(dir),
        )
    }
    /// The list's URL with `page` set and every other filter kept.
    fn page_href(&self, page: i64) -> String {
        self.query(&self.filter.list.sort, &self.filter.list.dir, page)
    }
    /// A column header's link: sorts by it, flipping the direction when it already does.
    fn sort_href(&self, key: &str) -> String {
        let dir = if self.filter.list.sort == key && self.filter.list.dir != "desc" {
            "desc"
        } else {
            "asc"
        };
        self.query(key, dir, 1)
    }
    fn sort_mark(&self, key: &str) -> &'static str {
        match (self.filter.list.sort == key, self.filter.list.dir.as_str()) {
            (true, "desc") => " ↓",
            (true, _) => " ↑",
            _ => "",
        }
    }
    fn sorts(&self) -> &'static [(&'static str, &'static str)] {
        SORTS
    }
}

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(mut filter): Query<QuoteFilter>,
) -> Response {
    crate::pages::newest_first(&mut filter.list);
    let (page, error) =
        match crate::pages::page_or_refusal(uc::list(&s.app, &c, filter.clone()).await) {
            Ok(x) => x,
            Err(e) => return error_page(e, Some(&c)),
        };
    ListPage {
        chrome: Chrome::new(&c, "quotes", flash),
        page,
        may_write: c.sees_finance(),
        filter,
        error,
    }
    .into_response()
}

/// The draft form as posted: one value per line row for each `line_…` field.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct DraftForm {
    client_id: String,
    title: String,
    currency: String,
    valid_until: String,
    start_week: String,
    notes: String,
    version: i64,
    line_course_id: Vec<String>,
    line_description: Vec<String>,
    line_sessions: Vec<String>,
    line_pricing: Vec<String>,
    line_unit_price: Vec<String>,
    line_seats: Vec<String>,
    line_discount: Vec<String>,
    line_tax_rate: Vec<String>,
}

impl DraftForm {
    fn fields(&self) -> QuoteFields {
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        let rows = self
            .line_course_id
            .len()
            .max(self.line_description.len())
            .max(self.line_unit_price.len());
        QuoteFields {
            client_id: self.client_id.trim().parse().ok(),
            title: self.title.clone(),
            currency: self.currency.clone(),
            valid_until: Some(self.valid_until.clone()),
            start_week: Some(self.start_week.clone()),
            notes: self.notes.clone(),
            lines: (0..rows)
                .map(|i| QuoteLineFields {
                    course_id: at(&self.line_course_id, i).trim().parse().ok(),
                    description: at(&self.line_description, i),
                    sessions: at(&self.line_sessions, i),
                    pricing: at(&self.line_pricing, i),
                    unit_price: at(&self.line_unit_price, i),
                    seats: at(&self.line_seats, i),
                    discount: at(&self.line_discount, i),
                    tax_rate: at(&self.line_tax_rate, i),
                })
                .collect(),
        }
    }
}

/// What the lines editor needs, on the new form and on a draft's page.
struct Editor {
    form: QuoteFields,
    clients: Vec<(i64, String)>,
    courses: Vec<(i64, String)>,
    errors: Invalid,
}

impl Editor {
    async fn new(s: &AppState, c: &Caller, mut form: QuoteFields, errors: Invalid) -> Self {
        while form.lines.len() < BLANK_LINES
            || form
                .lines
                .iter()
                .rev()
                .take(BLANK_LINES)
                .any(|l| l.course_id.is_some())
        {
            form.lines.push(QuoteLineFields {
                sessions: "1".into(),
                tax_rate: "19".into(),
                ..Default::default()
            });
        }
        Self {
            form,
            clients: trainyard_app::people::clients::options(&s.app, c)
                .await
                .unwrap_or_default(),
            courses: trainyard_app::catalog::courses::options(&s.app, c)
                .await
                .unwrap_or_default(),
            errors,
        }
    }
    fn err(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or("")
    }
    fn line_err(&self, i: &usize, field: &str) -> &str {
        self.errors
            .message_for(&format!("lines[{i}].{field}"))
            .unwrap_or("")
    }
    fn client_chosen(&self, id: &i64) -> bool {
        self.form.client_id == Some(*id)
    }
    fn course_chosen(&self, line: &QuoteLineFields, id: &i64) -> bool {
        line.course_id == Some(*id)
    }
    fn per_seat(&self, line: &QuoteLineFields) -> bool {
        line.pricing == "per_seat"
    }
    fn valid_until(&self) -> &str {
        self.form.valid_until.as_deref().unwrap_or("")
    }
    fn start_week(&self) -> &str {
        self.form.start_week.as_deref().unwrap_or("")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "quote_form.html")]
struct FormPage {
    chrome: Chrome,
    ed: Editor,
}

impl FormPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NewParams {
    #[serde(deserialize_with = "trainyard_app::store::row::empty_as_none")]
    client_id: Option<i64>,
}

async fn form_view(s: &AppState, c: &Caller, form: QuoteFields, errors: Invalid) -> Response {
    if let Err(e) = c.require(c.sees_finance(), "write quotes") {
        return error_page(e, Some(c));
    }
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        FormPage {
            chrome: Chrome::new(c, "quotes", None),
            ed: Editor::new(s, c, form, errors).await,
        },
    )
        .into_response()
}

async fn new_form(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Query(p): Query<NewParams>,
) -> Response {
    let today = trainyard_app::invoicing::today(&c);
    let form = QuoteFields {
        client_id: p.client_id,
        valid_until: Some((today + chrono::Duration::days(uc::DEFAULT_VALID_DAYS)).to_string()),
        ..Default::default()
    };
    form_view(&s, &c, form, Invalid::new()).await
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<DraftForm>,
) -> Response {
    let f = form.fields();
    match uc::create_draft(&s.app, &c, &f).await {
        Ok(d) => saved(
            &format!("/quotes/{}", d.quote.id),
            &format!("Draft {} saved.", d.quote.number),
        ),
        Err(AppError::Invalid(errors)) => form_view(&s, &c, f, errors).await,
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "quote.html")]
struct ShowPage {
    chrome: Chrome,
    d: QuoteDetail,
    may_write: bool,
    /// The client's contact may answer it now.
    may_answer: bool,
    /// The lines editor of a draft, for finance.
    ed: Option<Editor>,
    error: Option<String>,
    decline_reason: String,
    viewer: trainyard_core::TimeZoneName,
}

impl ShowPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn is_draft(&self) -> bool {
        self.d.quote.status == QuoteStatus::Draft
    }
    fn at(&self, ms: &i64) -> String {
        self.viewer.display(*ms)
    }
}

fn draft_fields(d: &QuoteDetail) -> QuoteFields {
    QuoteFields {
        client_id: Some(d.quote.client_id),
        title: d.quote.title.clone(),
        currency: d.quote.gross.currency.to_string(),
        valid_until: Some(d.quote.valid_until.clone()),
        start_week: d.quote.start_week.clone(),
        notes: d.quote.notes.clone(),
        lines: d
            .lines
            .iter()
            .map(|l| QuoteLineFields {
                course_id: Some(l.course_id),
                description: l.description.clone(),
                sessions: l.sessions.to_string(),
                pricing: l.pricing.as_str().to_owned(),
                unit_price: l.unit_price.amount_string(),
                seats: l.seats.to_string(),
                discount: l.discount.trim_end_matches(" %").to_owned(),
                tax_rate: l.tax_rate.trim_end_matches(" %").to_owned(),
            })
            .collect(),
    }
}

async fn show_view(
    s: &AppState,
    c: &Caller,
    id: i64,
    flash: Option<String>,
    error: Option<String>,
    edited: Option<(QuoteFields, Invalid)>,
) -> Response {
    let d = match uc::get(&s.app, c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(c)),
    };
    let refused = error.is_some() || edited.as_ref().is_some_and(|(_, e)| !e.is_empty());
    let ed = if c.sees_finance() && d.quote.status == QuoteStatus::Draft {
        let (form, errors) = edited.unwrap_or_else(|| (draft_fields(&d), Invalid::new()));
        Some(Editor::new(s, c, form, errors).await)
    } else {
        None
    };
    let may_answer = c.role == trainyard_core::Role::ClientContact
        && c.client_id == Some(d.quote.client_id)
        && d.quote.status == QuoteStatus::Sent;
    let page = ShowPage {
        chrome: Chrome::new(c, "quotes", flash),
        d,
        may_write: c.sees_finance(),
        may_answer,
        ed,
        error,
        decline_reason: String::new(),
        viewer: viewer_tz(c),
    };
    if refused {
        (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
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
    show_view(&s, &c, id, flash, None, None).await
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<DraftForm>,
) -> Response {
    let (f, version) = (form.fields(), form.version);
    let patch = QuotePatch {
        title: Some(f.title.clone()),
        valid_until: f.valid_until.clone(),
        start_week: f.start_week.clone(),
        notes: Some(f.notes.clone()),
        lines: Some(f.lines.clone()),
    };
    match uc::update_draft(&s.app, &c, id, version, &patch).await {
        Ok(_) => saved(&format!("/quotes/{id}"), "Draft saved."),
        Err(AppError::Invalid(errors)) => {
            show_view(&s, &c, id, None, None, Some((f, errors))).await
        }
        Err(e) => refused_here(&s, &c, id, e).await,
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct VersionOnly {
    version: i64,
}

/// A refusal on the quote page, shown there.
async fn refused_here(s: &AppState, c: &Caller, id: i64, e: AppError) -> Response {
    match e {
        AppError::Refused(_) | AppError::Stale(_) | AppError::Invalid(_) => {
            show_view(s, c, id, None, Some(crate::error_page::said(&e)), None).await
        }
        other => error_page(other, Some(c)),
    }
}

async fn send(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<VersionOnly>,
) -> Response {
    match uc::send(&s.app, &c, id, form.version).await {
        Ok(d) => saved(
            &format!("/quotes/{id}"),
            &format!("Sent to the client: {}.", d.quote.number),
        ),
        Err(e) => refused_here(&s, &c, id, e).await,
    }
}

async fn accept(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<VersionOnly>,
) -> Response {
    match uc::accept(&s.app, &c, id, form.version).await {
        Ok(a) => saved(
            &format!("/quotes/{id}"),
            &format!(
                "Accepted: thank you. {} sessions are being planned for you.",
                a.session_ids.len()
            ),
        ),
        Err(e) => refused_here(&s, &c, id, e).await,
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct DeclineForm {
    version: i64,
    reason: String,
}

async fn decline(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<DeclineForm>,
) -> Response {
    match uc::decline(&s.app, &c, id, form.version, &form.reason).await {
        Ok(_) => saved(
            &format!("/quotes/{id}"),
            "Declined: thank you for telling us why.",
        ),
        Err(e) => refused_here(&s, &c, id, e).await,
    }
}

async fn pdf(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    match uc::printable(&s.app, &c, id).await {
        Ok(p) => match crate::invoice_print::quote_response(&p) {
            Ok(r) => r,
            Err(e) => error_page(AppError::refused(e.to_string()), Some(&c)),
        },
        Err(e) => error_page(e, Some(&c)),
    }
}

/// The client portal's "Quotes" section: the contact's sent quotes, newest first.
pub(crate) async fn portal_list(s: &AppState, c: &Caller) -> Vec<Quote> {
    let mut f = QuoteFilter::default();
    f.list.sort = "created".into();
    f.list.dir = "desc".into();
    f.list.per_page = 20;
    uc::list(&s.app, c, f)
        .await
        .map(|p| p.items)
        .unwrap_or_default()
}
