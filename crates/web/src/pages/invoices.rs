//! Invoices and credit notes: the list, a draft's form (by hand, or from a session's
//! enrollments), and the document page with its actions (issue, payment, credit note, discard).

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
use chrono::Datelike;
use trainyard_app::invoicing::{self as uc, DraftFields, InvoiceDetail, PaymentFields};
use trainyard_app::store::Page;
use trainyard_app::store::invoices::{Invoice, InvoiceFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::Invalid;
use trainyard_core::invoice::LineFields;
use trainyard_core::status::{InvoiceKind, InvoiceStatus};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/invoices", get(list).post(create))
        .route("/invoices/new", get(new_form))
        .route("/invoices/from-session", post(from_session))
        .route("/invoices/{id}", get(show))
        .route("/invoices/{id}/pdf", get(pdf))
        .route("/invoices/{id}/edit", get(edit_form).post(update))
        .route("/invoices/{id}/issue", post(issue))
        .route("/invoices/{id}/discard", post(discard))
        .route("/invoices/{id}/payments", post(pay))
        .route("/invoices/{id}/credit-note", post(credit))
}

/// Blank line rows a draft form offers beyond the lines it has.
const BLANK_LINES: usize = 3;

#[derive(Template, WebTemplate)]
#[template(path = "invoices.html")]
struct ListPage {
    chrome: Chrome,
    page: Page<Invoice>,
    filter: InvoiceFilter,
    may_write: bool,
    today: String,
    error: Option<String>,
    /// The accounting export's default period: last month.
    export_from: String,
    export_to: String,
}

impl ListPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn status_chosen(&self, s: &InvoiceStatus) -> bool {
        self.filter.status == s.as_str()
    }
    /// The list's URL with `page` set and every other filter kept.
    fn page_href(&self, page: i64) -> String {
        format!(
            "/invoices?status={}&q={}&page={page}",
            crate::auth::urlencode(&self.filter.status),
            crate::auth::urlencode(&self.filter.list.q)
        )
    }
}

fn today(c: &Caller) -> String {
    uc::today(c).to_string()
}

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Query(mut filter): Query<InvoiceFilter>,
) -> Response {
    crate::pages::newest_first(&mut filter.list);
    let (page, error) =
        match crate::pages::page_or_refusal(uc::list(&s.app, &c, filter.clone()).await) {
            Ok(x) => x,
            Err(e) => return error_page(e, Some(&c)),
        };
    let first = uc::today(&c).with_day(1).unwrap_or_else(|| uc::today(&c));
    let last_month = first
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(first);
    ListPage {
        chrome: Chrome::new(&c, "invoices", flash),
        page,
        may_write: c.sees_finance(),
        today: today(&c),
        filter,
        error,
        export_from: last_month.to_string(),
        export_to: first.pred_opt().unwrap_or(first).to_string(),
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "invoice_form.html")]
struct FormPage {
    chrome: Chrome,
    /// `None` for a new draft.
    editing: Option<(i64, i64, String)>,
    form: DraftFields,
    clients: Vec<(i64, String)>,
    errors: Invalid,
    error: Option<String>,
    session_form: SessionForm,
    session_errors: Invalid,
}

impl FormPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn client_chosen(&self, id: &i64) -> bool {
        self.form.client_id == Some(*id)
    }
    fn session_client_chosen(&self, id: &i64) -> bool {
        self.session_form.client_id.trim() == id.to_string()
    }
    fn err(&self, field: &str) -> &str {
        self.errors.message_for(field).unwrap_or("")
    }
    fn line_err(&self, i: &usize, field: &str) -> &str {
        self.errors
            .message_for(&format!("lines[{i}].{field}"))
            .unwrap_or("")
    }
    fn session_err(&self, field: &str) -> &str {
        self.session_errors.message_for(field).unwrap_or("")
    }
    fn payment_days(&self) -> String {
        self.form.payment_days.unwrap_or(30).to_string()
    }
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
struct SessionForm {
    session: String,
    client_id: String,
    tax_rate: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct NewParams {
    session: String,
}

#[allow(clippy::too_many_arguments)]
async fn form_view(
    s: &AppState,
    c: &Caller,
    editing: Option<(i64, i64, String)>,
    mut form: DraftFields,
    errors: Invalid,
    error: Option<String>,
    session_form: SessionForm,
    session_errors: Invalid,
) -> Response {
    if let Err(e) = c.require(c.sees_finance(), "write invoices") {
        return error_page(e, Some(c));
    }
    while form.lines.len() < BLANK_LINES
        || form
            .lines
            .iter()
            .rev()
            .take(BLANK_LINES)
            .any(|l| !l.description.trim().is_empty())
    {
        form.lines.push(LineFields::default());
    }
    let clients = trainyard_app::people::clients::options(&s.app, c)
        .await
        .unwrap_or_default();
    let status = if errors.is_empty() && error.is_none() && session_errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        FormPage {
            chrome: Chrome::new(c, "invoices", None),
            editing,
            form,
            clients,
            errors,
            error,
            session_form,
            session_errors,
        },
    )
        .into_response()
}

async fn new_form(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Query(p): Query<NewParams>,
) -> Response {
    let form = DraftFields {
        lines: vec![LineFields {
            quantity: "1".into(),
            tax_rate: "19".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let session_form = SessionForm {
        session: p.session,
        tax_rate: "19".into(),
        ..Default::default()
    };
    form_view(
        &s,
        &c,
        None,
        form,
        Invalid::new(),
        None,
        session_form,
        Invalid::new(),
    )
    .await
}

/// The draft form as posted: one value per line row for each `line_…` field.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct DraftForm {
    client_id: String,
    currency: String,
    payment_days: String,
    notes: String,
    version: i64,
    line_description: Vec<String>,
    line_quantity: Vec<String>,
    line_unit_price: Vec<String>,
    line_tax_rate: Vec<String>,
}

impl DraftForm {
    fn fields(&self) -> DraftFields {
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        let rows = self
            .line_description
            .len()
            .max(self.line_quantity.len())
            .max(self.line_unit_price.len());
        DraftFields {
            client_id: self.client_id.trim().parse().ok(),
            currency: self.currency.clone(),
            // Something unreadable is passed on as out of range, so the form says so.
            payment_days: match self.payment_days.trim() {
                "" => None,
                d => Some(d.parse().unwrap_or(-1)),
            },
            notes: self.notes.clone(),
            lines: (0..rows)
                .map(|i| LineFields {
                    description: at(&self.line_description, i),
                    quantity: at(&self.line_quantity, i),
                    unit_price: at(&self.line_unit_price, i),
                    tax_rate: at(&self.line_tax_rate, i),
                })
                .collect(),
        }
    }
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<DraftForm>,
) -> Response {
    let f = form.fields();
    match uc::create_draft(&s.app, &c, &f).await {
        Ok(d) => saved(&format!("/invoices/{}", d.invoice.id), "Draft saved."),
        Err(AppError::Invalid(errors)) => {
            let session_form = SessionForm {
                tax_rate: "19".into(),
                ..Default::default()
            };
            form_view(&s, &c, None, f, errors, None, session_form, Invalid::new()).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn from_session(
    State(s): State<AppState>,
    Submit { caller: c, form }: Submit<SessionForm>,
) -> Response {
    let refused = |errors: Invalid, error: Option<String>| {
        let s = s.clone();
        let c = c.clone();
        let form = form.clone();
        async move {
            form_view(
                &s,
                &c,
                None,
                DraftFields::default(),
                Invalid::new(),
                error,
                form,
                errors,
            )
            .await
        }
    };
    let client_id = form.client_id.trim().parse::<i64>().ok();
    match uc::draft_for_session_reference(&s.app, &c, &form.session, client_id, &form.tax_rate)
        .await
    {
        Ok(d) => saved(
            &format!("/invoices/{}", d.invoice.id),
            "Draft written from the session's enrollments.",
        ),
        Err(AppError::Invalid(errors)) => refused(errors, None).await,
        Err(e @ (AppError::Refused(_) | AppError::NotFound(_))) => {
            refused(Invalid::new(), Some(crate::error_page::said(&e))).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "invoice.html")]
struct ShowPage {
    chrome: Chrome,
    d: InvoiceDetail,
    may_write: bool,
    today: String,
    error: Option<String>,
    payment: PaymentFields,
    payment_errors: Invalid,
    credit_reason: String,
}

impl ShowPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn is_draft(&self) -> bool {
        self.d.invoice.status == InvoiceStatus::Draft && self.d.invoice.archived_at.is_none()
    }
    fn is_credit_note(&self) -> bool {
        self.d.invoice.kind == InvoiceKind::CreditNote
    }
    fn takes_payment(&self) -> bool {
        uc::why_no_payment(&self.d.invoice).is_none()
    }
    fn may_credit(&self) -> bool {
        self.d.why_not_credited().is_none()
    }
    fn payment_err(&self, field: &str) -> &str {
        self.payment_errors.message_for(field).unwrap_or("")
    }
}

async fn show_view(
    s: &AppState,
    c: &Caller,
    id: i64,
    flash: Option<String>,
    error: Option<String>,
    payment: PaymentFields,
    payment_errors: Invalid,
) -> Response {
    let d = match uc::get(&s.app, c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(c)),
    };
    let refused = error.is_some() || !payment_errors.is_empty();
    let page = ShowPage {
        chrome: Chrome::new(c, "invoices", flash),
        d,
        may_write: c.sees_finance(),
        today: today(c),
        error,
        payment,
        payment_errors,
        credit_reason: String::new(),
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
    show_view(
        &s,
        &c,
        id,
        flash,
        None,
        PaymentFields::default(),
        Invalid::new(),
    )
    .await
}

async fn edit_form(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    if let Err(e) = c.require(c.sees_finance(), "write invoices") {
        return error_page(e, Some(&c));
    }
    let d = match uc::get(&s.app, &c, id).await {
        Ok(d) => d,
        Err(e) => return error_page(e, Some(&c)),
    };
    if let Err(e) = d.invoice.status.editable() {
        return error_page(e.into(), Some(&c));
    }
    let form = DraftFields {
        client_id: Some(d.invoice.client_id),
        currency: d.invoice.gross.currency.to_string(),
        payment_days: Some(d.invoice.payment_days),
        notes: d.invoice.notes.clone(),
        lines: d
            .lines
            .iter()
            .map(|l| LineFields {
                description: l.description.clone(),
                quantity: l.quantity.clone(),
                unit_price: l.unit_price.amount_string(),
                tax_rate: l.tax_rate.trim_end_matches(" %").to_owned(),
            })
            .collect(),
    };
    let editing = Some((id, d.invoice.version, d.invoice.client_name.clone()));
    form_view(
        &s,
        &c,
        editing,
        form,
        Invalid::new(),
        None,
        SessionForm::default(),
        Invalid::new(),
    )
    .await
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<DraftForm>,
) -> Response {
    let (f, version) = (form.fields(), form.version);
    match uc::update_draft(&s.app, &c, id, version, &f).await {
        Ok(_) => saved(&format!("/invoices/{id}"), "Draft saved."),
        Err(e @ (AppError::Invalid(_) | AppError::Stale(_))) => {
            let client = uc::get(&s.app, &c, id)
                .await
                .map(|d| d.invoice.client_name)
                .unwrap_or_default();
            let (errors, error) = match e {
                AppError::Invalid(errors) => (errors, None),
                other => (Invalid::new(), Some(other.to_string())),
            };
            form_view(
                &s,
                &c,
                Some((id, version, client)),
                f,
                errors,
                error,
                SessionForm::default(),
                Invalid::new(),
            )
            .await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct VersionOnly {
    version: i64,
}

/// A refusal on the document page, shown there with what was typed kept.
async fn refused_here(s: &AppState, c: &Caller, id: i64, e: AppError) -> Response {
    match e {
        AppError::Refused(_) | AppError::Stale(_) | AppError::Invalid(_) => {
            show_view(
                s,
                c,
                id,
                None,
                Some(crate::error_page::said(&e)),
                PaymentFields::default(),
                Invalid::new(),
            )
            .await
        }
        other => error_page(other, Some(c)),
    }
}

async fn issue(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<VersionOnly>,
) -> Response {
    match uc::issue(&s.app, &c, id, form.version).await {
        Ok(d) => saved(
            &format!("/invoices/{id}"),
            &format!("Issued as {}.", d.invoice.number.unwrap_or_default()),
        ),
        Err(e) => refused_here(&s, &c, id, e).await,
    }
}

async fn discard(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<VersionOnly>,
) -> Response {
    match uc::discard(&s.app, &c, id, form.version).await {
        Ok(()) => saved("/invoices", "Draft discarded."),
        Err(e) => refused_here(&s, &c, id, e).await,
    }
}

async fn pay(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<PaymentFields>,
) -> Response {
    match uc::record_payment(&s.app, &c, id, &form).await {
        Ok(_) => saved(&format!("/invoices/{id}"), "Payment recorded."),
        Err(AppError::Invalid(errors)) => show_view(&s, &c, id, None, None, form, errors).await,
        Err(e) => refused_here(&s, &c, id, e).await,
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CreditForm {
    reason: String,
}

async fn credit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<CreditForm>,
) -> Response {
    match uc::draft_credit_note(&s.app, &c, id, &form.reason).await {
        Ok(d) => saved(
            &format!("/invoices/{}", d.invoice.id),
            "Credit note drafted: check it and issue it.",
        ),
        Err(e) => refused_here(&s, &c, id, e).await,
    }
}

async fn pdf(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    match uc::printable(&s.app, &c, id).await {
        Ok(p) => match crate::invoice_print::response(&p) {
            Ok(r) => r,
            Err(e) => error_page(AppError::refused(e.to_string()), Some(&c)),
        },
        Err(e) => error_page(e, Some(&c)),
    }
}
