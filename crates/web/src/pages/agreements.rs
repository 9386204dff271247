//! Client agreements: the record (client, validity, discount, billing mode, notes) with its
//! negotiated rates per course and its prepaid seat credits and their ledger. Finance, managers
//! and admins only.

use super::record::{Columns, RecordPage, edit_actions, or_dash, show_with, stored, use_cases};
use crate::AppState;
use crate::pages::{Submit, error_page, saved};
use crate::views::*;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use trainyard_app::agreements::{self as uc, AgreementDetail, TopUpFields};
use trainyard_app::store::ListParams;
use trainyard_app::store::agreements::{Agreement, AgreementFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::pricing::{AgreementFields, BillingMode, PriceFields};

pub fn routes() -> Router<AppState> {
    super::record::routes::<Agreements>()
        .route("/agreements/{id}/rates", post(set_rate))
        .route(
            "/agreements/{id}/rates/{course_id}/remove",
            post(remove_rate),
        )
        .route("/agreements/{id}/credits", post(top_up))
        .route(
            "/agreements/{id}/cancellation-policy",
            post(set_cancellation_policy),
        )
}

/// Basis points as a percentage: "12.5 %".
pub(crate) fn percent(bp: &i64) -> String {
    format!("{} %", trainyard_core::pricing::percent_number(*bp))
}

fn validity(a: &Agreement) -> String {
    match a.valid_to {
        Some(t) => format!("{} to {t}", a.valid_from),
        None => format!("from {}", a.valid_from),
    }
}

stored!(Agreement);

/// What the agreement page shows besides the record.
pub(crate) struct AgreementExtra {
    id: i64,
    detail: AgreementDetail,
    courses: Vec<(i64, String)>,
    rate_form: (String, PriceFields),
    top_up_form: TopUpFields,
    /// The agreement's own cancellation policy as typed ("14:0, 7:50, 0:100"), empty: none.
    policy: String,
    /// The company's default policy, empty: none.
    default_policy: String,
    /// (which form, message)
    problems: Vec<(&'static str, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "agreement.html")]
struct AgreementPage {
    chrome: Chrome,
    view: DetailView,
    x: AgreementExtra,
    id: i64,
}

impl AgreementPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
    fn chosen_rate_course(&self, id: &i64) -> bool {
        self.x.rate_form.0 == id.to_string()
    }
    fn chosen_top_up_course(&self, id: &i64) -> bool {
        self.x.top_up_form.course_id == id.to_string()
    }
    fn problems_of(&self, form: &str) -> Vec<&str> {
        self.x
            .problems
            .iter()
            .filter(|(f, _)| *f == form)
            .map(|(_, m)| m.as_str())
            .collect()
    }
}

pub(crate) struct Agreements;

impl RecordPage for Agreements {
    const PATH: &'static str = "/agreements";
    const TITLE: &'static str = "Agreements";
    const NOUN: &'static str = "Agreement";
    const ARCHIVE_CONFIRM: &'static str =
        "Archive this agreement? New enrollments stop using it; its history and credits stay.";
    const DEFAULT_SORT: &'static str = "reference";

    type Filter = AgreementFilter;
    type Item = Agreement;
    type Record = Agreement;
    type Saved = Agreement;
    type Fields = AgreementFields;
    type Form = AgreementFields;
    /// The clients, for the client filter.
    type Lookups = Vec<(i64, String)>;
    type Extra = AgreementExtra;

    use_cases!(trainyard_app::agreements);

    fn area() -> &'static str {
        "agreements"
    }
    fn may_write(c: &Caller) -> bool {
        c.sees_finance()
    }
    fn may_create(c: &Caller) -> Result<(), AppError> {
        c.require_finance("create agreements")
    }
    fn may_change(c: &Caller) -> Result<(), AppError> {
        c.require_finance("change agreements")
    }
    fn params(f: &AgreementFilter) -> &ListParams {
        &f.list
    }
    fn empty_hint(_: &Caller) -> &'static str {
        "Record what a client has agreed: a discount on list prices, negotiated rates per course, prepaid seats, and whether they are invoiced per enrollment or monthly."
    }
    async fn lookups(
        s: &AppState,
        c: &Caller,
        _: &AgreementFilter,
    ) -> Result<Vec<(i64, String)>, AppError> {
        Ok(trainyard_app::people::clients::options(&s.app, c)
            .await
            .unwrap_or_default())
    }
    fn filters(_: &Caller, f: &AgreementFilter, clients: &Vec<(i64, String)>) -> Vec<Filter> {
        vec![Filter::select(
            "client_id",
            "Client",
            &f.client_id.map(|i| i.to_string()).unwrap_or_default(),
            id_choices(clients.clone()),
        )]
    }
    fn columns(_: &Caller) -> Columns {
        vec![
            ("Reference", "reference", false),
            ("Client", "client", false),
            ("Valid", "valid_from", false),
            ("Discount", "", true),
            ("Billing", "", false),
            ("Prepaid seats left", "", true),
        ]
    }
    fn cells(_: &Caller, a: &Agreement, _: &Vec<(i64, String)>) -> Vec<Cell> {
        vec![
            Cell::text(&a.reference),
            Cell::text(&a.client_name),
            Cell::text(validity(a)),
            Cell::num(percent(&a.discount_bp)),
            Cell::text(a.billing_mode.label()),
            Cell::num(a.credits_left),
        ]
    }

    async fn blank(_: &AppState, c: &Caller, qs: &QueryState) -> AgreementFields {
        AgreementFields {
            client_id: qs.get("client_id").to_owned(),
            valid_from: trainyard_app::invoicing::today(c).to_string(),
            billing_mode: "per_enrollment".into(),
            ..Default::default()
        }
    }
    fn fields_of(a: &Agreement) -> AgreementFields {
        AgreementFields {
            client_id: a.client_id.to_string(),
            reference: a.reference.clone(),
            valid_from: a.valid_from.to_string(),
            valid_to: a.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            discount: trainyard_core::pricing::percent_number(a.discount_bp),
            billing_mode: a.billing_mode.as_str().into(),
            notes: a.notes.clone(),
        }
    }
    async fn form_fields(s: &AppState, c: &Caller, f: &AgreementFields) -> Vec<Field> {
        let clients = trainyard_app::people::clients::options(&s.app, c)
            .await
            .unwrap_or_default();
        vec![
            Field::new("client_id", "Client", "select", &f.client_id)
                .required()
                .choices(id_choices(clients), Some("— choose a client —")),
            Field::new("reference", "Reference", "text", &f.reference)
                .required()
                .help("e.g. ACME-2027: letters, digits and '-'"),
            Field::new("valid_from", "Valid from", "date", &f.valid_from).required(),
            Field::new("valid_to", "Valid until", "date", &f.valid_to)
                .help("Inclusive; leave empty for open-ended"),
            Field::new(
                "discount",
                "Discount on list prices (%)",
                "text",
                &f.discount,
            )
            .help("e.g. 10 or 12.5; negotiated rates are taken as they are"),
            Field::new("billing_mode", "Billing", "select", &f.billing_mode).choices(
                enum_choices(&BillingMode::ALL, |m| m.as_str(), |m| m.label()),
                None,
            ),
            Field::new("notes", "Notes", "textarea", &f.notes),
        ]
    }
    fn edit_title(f: &AgreementFields, _: Option<&Agreement>) -> String {
        format!("Edit agreement {}", f.reference)
    }

    fn label(a: &Agreement) -> String {
        a.reference.clone()
    }
    async fn extra(s: &AppState, c: &Caller, a: &Agreement) -> Result<AgreementExtra, AppError> {
        Ok(AgreementExtra {
            id: a.id,
            detail: uc::detail(&s.app, c, a.id).await?,
            courses: trainyard_app::catalog::courses::options(&s.app, c)
                .await
                .unwrap_or_default(),
            rate_form: (
                String::new(),
                PriceFields {
                    currency: a.currency.to_string(),
                    ..Default::default()
                },
            ),
            top_up_form: TopUpFields::default(),
            policy: trainyard_app::cancellation::policy(&s.app, c, Some(a.id))
                .await?
                .filter(|p| !p.inherited)
                .map(|p| p.text)
                .unwrap_or_default(),
            default_policy: trainyard_app::cancellation::policy(&s.app, c, None)
                .await?
                .map(|p| p.text)
                .unwrap_or_default(),
            problems: Vec::new(),
        })
    }
    fn title(a: &Agreement) -> String {
        format!("Agreement {}", a.reference)
    }
    fn subtitle(_: &Caller, a: &Agreement) -> String {
        format!("{} · {}", a.client_name, validity(a))
    }
    fn actions(c: &Caller, a: &Agreement, _: &AgreementExtra) -> Vec<Action> {
        edit_actions::<Self>(c, a, Vec::new())
    }
    fn facts(_: &Caller, a: &Agreement, _: &AgreementExtra) -> Vec<Fact> {
        vec![
            link_fact(
                "Client",
                &a.client_name,
                format!("/clients/{}/pricing", a.client_id),
            ),
            fact("Valid", validity(a)),
            fact("Currency", a.currency.to_string()),
            fact("Discount on list prices", percent(&a.discount_bp)),
            fact("Billing", a.billing_mode.label()),
            fact("Prepaid seats left", a.credits_left.to_string()),
            fact("Notes", or_dash(&a.notes)),
        ]
    }
    fn sections(c: &Caller, a: &Agreement, x: &AgreementExtra) -> Vec<Section> {
        let viewer = viewer_tz(c);
        let money = |m: Option<trainyard_core::Money>| {
            m.map(|m| m.to_string()).unwrap_or_else(|| "—".into())
        };
        vec![
            Section {
                title: "Negotiated rates".into(),
                columns: vec!["Course", "Seat", "Private, per day", "Private, flat"],
                rows: x
                    .detail
                    .rates
                    .iter()
                    .map(|r| Row {
                        href: format!("/courses/{}", r.course_id),
                        cells: vec![
                            Cell::text(&r.course_title),
                            Cell::num(money(r.seat_price)),
                            Cell::num(money(r.day_price)),
                            Cell::num(money(r.flat_price)),
                        ],
                    })
                    .collect(),
                empty: format!(
                    "No negotiated rate: list prices in {} minus the discount.",
                    a.currency
                ),
            },
            Section {
                title: crate::i18n::t("clp-prepaid").into(),
                columns: vec!["For", "Seats left"],
                rows: x
                    .detail
                    .pools
                    .iter()
                    .map(|p| Row {
                        href: String::new(),
                        cells: vec![
                            Cell::text(p.course_title.clone().unwrap_or_else(|| crate::i18n::t("clp-any-course").into())),
                            Cell::num(p.balance),
                        ],
                    })
                    .collect(),
                empty: "No prepaid seats.".into(),
            },
            Section {
                title: "Credit ledger".into(),
                columns: vec!["When", "Movement", "Seats", "For", "Enrollment", "Note"],
                rows: x
                    .detail
                    .ledger
                    .iter()
                    .map(|g| Row {
                        href: String::new(),
                        cells: vec![
                            Cell::text(when(g.created_at, "UTC", &viewer)),
                            Cell::text(g.movement.label()),
                            Cell::num(format!("{:+}", g.seats)),
                            Cell::text(g.course_title.clone().unwrap_or_else(|| crate::i18n::t("clp-any-course").into())),
                            Cell::text(match (&g.learner_name, &g.session_reference) {
                                (Some(l), Some(s)) => format!("{l}, {s}"),
                                _ => "—".into(),
                            }),
                            Cell::text(or_dash(&g.note)),
                        ],
                    })
                    .collect(),
                empty: "No movement yet: top-ups, draws by enrollments and returns on cancellation appear here.".into(),
            },
        ]
    }
    fn page(chrome: Chrome, view: DetailView, x: AgreementExtra) -> Response {
        let id = x.id;
        let refused = !x.problems.is_empty();
        let page = AgreementPage {
            chrome,
            id,
            view,
            x,
        };
        if refused {
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        } else {
            page.into_response()
        }
    }
}

fn messages(e: &AppError) -> Vec<String> {
    match e {
        AppError::Invalid(inv) => inv
            .errors
            .iter()
            .map(|f| in_words(&f.field, &f.message))
            .collect(),
        other => vec![other.to_string()],
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct RateForm {
    course_id: String,
    #[serde(flatten)]
    price: PriceFields,
}

async fn set_rate(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<RateForm>,
) -> Response {
    let course = match form.course_id.trim().parse::<i64>() {
        Ok(course) => course,
        Err(_) => {
            let e = AppError::Invalid(trainyard_core::Invalid::field(
                "course_id",
                "choose the course",
            ));
            return refused(&s, &c, id, "rate", e, Some(form), None).await;
        }
    };
    match uc::set_rate(&s.app, &c, id, course, &form.price).await {
        Ok(_) => saved(&format!("/agreements/{id}"), "Negotiated rate saved."),
        Err(e @ AppError::Invalid(_)) => refused(&s, &c, id, "rate", e, Some(form), None).await,
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn refused(
    s: &AppState,
    c: &Caller,
    id: i64,
    which: &'static str,
    e: AppError,
    rate: Option<RateForm>,
    top_up: Option<TopUpFields>,
) -> Response {
    refused_policy(s, c, id, which, e, rate, top_up, None).await
}

#[allow(clippy::too_many_arguments)]
async fn refused_policy(
    s: &AppState,
    c: &Caller,
    id: i64,
    which: &'static str,
    e: AppError,
    rate: Option<RateForm>,
    top_up: Option<TopUpFields>,
    policy: Option<PolicyForm>,
) -> Response {
    show_with::<Agreements>(s, c, None, id, move |x| {
        x.problems = messages(&e).into_iter().map(|m| (which, m)).collect();
        if let Some(p) = policy {
            match p.scope.as_str() {
                "default" => x.default_policy = p.tiers,
                _ => x.policy = p.tiers,
            }
        }
        if let Some(r) = rate {
            x.rate_form = (r.course_id, r.price);
        }
        if let Some(t) = top_up {
            x.top_up_form = t;
        }
    })
    .await
}

async fn remove_rate(
    State(s): State<AppState>,
    Path((id, course_id)): Path<(i64, i64)>,
    Submit { caller: c, .. }: Submit<crate::pages::VersionForm>,
) -> Response {
    match uc::remove_rate(&s.app, &c, id, course_id).await {
        Ok(_) => saved(&format!("/agreements/{id}"), "Negotiated rate removed."),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn top_up(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<TopUpFields>,
) -> Response {
    match uc::top_up(&s.app, &c, id, &form).await {
        Ok(_) => saved(&format!("/agreements/{id}"), "Prepaid seats recorded."),
        Err(e @ AppError::Invalid(_)) => refused(&s, &c, id, "top_up", e, None, Some(form)).await,
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PolicyForm {
    /// `agreement` (this agreement's own) or `default` (the company's).
    scope: String,
    /// "14:0, 7:50, 0:100": days of notice, percent kept; empty removes the policy.
    tiers: String,
}

async fn set_cancellation_policy(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<PolicyForm>,
) -> Response {
    let of = (form.scope != "default").then_some(id);
    let result = match trainyard_app::cancellation::parse_form(&form.tiers) {
        Ok(tiers) => trainyard_app::cancellation::set_policy(&s.app, &c, of, tiers).await,
        Err(e) => Err(e),
    };
    let tr = crate::i18n::Tr::for_caller(&c);
    match result {
        Ok(_) => saved(
            &format!("/agreements/{id}#cancellation"),
            tr.t("cancel-policy-saved"),
        ),
        Err(e @ AppError::Invalid(_)) => {
            refused_policy(&s, &c, id, "policy", e, None, None, Some(form)).await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}
