//! Courses: the catalogue.

use super::{
    DetailPage, FormPage, Submit, Versioned, form_refused, list_response, saved, wants_csv,
};
use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Flash, error_page};
use crate::views::*;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use trainyard_app::catalog::courses;
use trainyard_app::store::courses::{Course, CourseFilter};
use trainyard_app::{Caller, history};
use trainyard_core::records::CourseFields;
use trainyard_core::status::DeliveryMode;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/courses", get(list).post(create))
        .route("/courses/new", get(new))
        .route("/courses/{id}", get(show).post(update))
        .route("/courses/{id}/edit", get(edit))
        .merge(super::archive_routes::<courses::Record>())
}

const PATH: &str = "/courses";

async fn list(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    uri: Uri,
    Query(f): Query<CourseFilter>,
) -> Response {
    let page = match courses::list(&s.app, &c, &f).await {
        Ok(p) => p,
        Err(e) => return error_page(e, Some(&c)),
    };
    let qs = QueryState::from_uri(&uri);
    let (prev_href, next_href) = paging(&qs, PATH, page.page, page.pages());
    let view = ListView {
        title: "Courses",
        path: PATH,
        new_href: c.role.can_edit_operations().then_some("/courses/new"),
        new_label: "New course",
        q: f.list.q.clone(),
        filters: vec![
            Filter::select(
                "mode",
                "Delivery",
                &f.mode,
                enum_choices(DeliveryMode::ALL, |m| m.as_str(), |m| m.label()),
            ),
            Filter::archived(f.list.archived),
        ],
        columns: columns(
            &qs,
            PATH,
            "code",
            &[
                ("Code", "code", false),
                ("Title", "title", false),
                ("Days", "days", true),
                ("Delivery", "", false),
                ("Learners", "max", true),
                ("List price", "price", true),
            ],
        ),
        rows: page
            .items
            .iter()
            .map(|co| Row {
                href: format!("/courses/{}", co.id),
                cells: vec![
                    Cell::text(&co.code),
                    Cell::text(&co.title),
                    Cell::num(co.duration_days),
                    Cell::text(
                        co.delivery_modes
                            .iter()
                            .map(|m| m.label())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    Cell::num(format!("{}–{}", co.min_learners, co.max_learners)),
                    Cell::num(co.list_price),
                ],
            })
            .collect(),
        total: page.total,
        page: page.page,
        pages: page.pages(),
        prev_href,
        next_href,
        csv_href: qs.with(
            PATH,
            &[("format", "csv"), ("page", ""), ("per_page", "10000")],
        ),
        empty_hint: "Add the courses you deliver: code, duration, learner limits and prices."
            .into(),
        filtered: qs.is_filtered(),
    };
    list_response(Chrome::new(&c, "courses", flash), view, wants_csv(&qs))
}

fn fields_of(co: &Course) -> CourseFields {
    CourseFields {
        code: co.code.clone(),
        title: co.title.clone(),
        description: co.description.clone(),
        duration_days: co.duration_days.to_string(),
        hours_per_day: co.hours_per_day.to_string(),
        delivery_modes: co
            .delivery_modes
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(","),
        min_learners: co.min_learners.to_string(),
        max_learners: co.max_learners.to_string(),
        currency: co.list_price.currency.to_string(),
        list_price: co.list_price.amount_string(),
        day_rate: money_field(co.day_rate),
        material_cost: money_field(co.material_cost),
        certificate_name: co.certificate_name.clone().unwrap_or_default(),
        certificate_validity_months: co
            .certificate_validity_months
            .map(|v| v.to_string())
            .unwrap_or_default(),
        required_skill: co.required_skill.clone().unwrap_or_default(),
        required_features: co.required_features.join(", "),
    }
}

/// The form posts each delivery mode as its own checkbox; the rule wants them as one list.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CourseForm {
    #[serde(flatten)]
    fields: CourseFields,
    mode: Vec<String>,
}

impl CourseForm {
    fn into_fields(self) -> CourseFields {
        let mut f = self.fields;
        if !self.mode.is_empty() {
            f.delivery_modes = self.mode.join(",");
        }
        f
    }
}

fn form(
    finance: bool,
    title: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    f: &CourseFields,
) -> FormView {
    let modes = DeliveryMode::ALL
        .iter()
        .map(|m| Opt {
            value: m.as_str().into(),
            label: m.label().into(),
            selected: f.delivery_modes.split(',').any(|x| x.trim() == m.as_str()),
        })
        .collect();
    let mut view = FormView {
        title,
        action,
        submit: "Save course",
        cancel_href: cancel,
        version,
        fields: vec![
            Field::new("code", "Code", "text", &f.code)
                .required()
                .help("Short and unique, e.g. XL-ADV"),
            Field::new("title", "Title", "text", &f.title).required(),
            Field::new("description", "Description", "textarea", &f.description),
            Field::new(
                "duration_days",
                "Duration (days)",
                "number",
                &f.duration_days,
            )
            .required(),
            Field::new("hours_per_day", "Hours a day", "number", &f.hours_per_day).required(),
            Field {
                options: modes,
                ..Field::new(
                    "delivery_modes",
                    "Delivery modes",
                    "checkboxes",
                    &f.delivery_modes,
                )
            },
            Field::new(
                "min_learners",
                "Minimum learners",
                "number",
                &f.min_learners,
            )
            .required()
            .help("Below this the session is not viable"),
            Field::new(
                "max_learners",
                "Maximum learners",
                "number",
                &f.max_learners,
            )
            .required(),
            Field::new("currency", "Currency", "text", &f.currency)
                .required()
                .help("ISO code, e.g. EUR"),
            Field::new("list_price", "List price per seat", "text", &f.list_price),
            Field::new(
                "day_rate",
                "Day rate (private sessions)",
                "text",
                &f.day_rate,
            ),
            Field::new(
                "material_cost",
                "Material cost per learner",
                "text",
                &f.material_cost,
            ),
            Field::new(
                "certificate_name",
                "Certificate granted",
                "text",
                &f.certificate_name,
            ),
            Field::new(
                "certificate_validity_months",
                "Certificate valid for (months)",
                "number",
                &f.certificate_validity_months,
            ),
            Field::new(
                "required_skill",
                "Instructor skill required",
                "text",
                &f.required_skill,
            ),
            Field::new(
                "required_features",
                "Room features needed",
                "text",
                &f.required_features,
            )
            .help("Comma-separated, e.g. projector, whiteboard"),
        ],
        problems: Vec::new(),
    };
    // Finance data: without these fields the use case keeps the stored values.
    if !finance {
        view.fields
            .retain(|f| !matches!(f.name, "day_rate" | "material_cost"));
    }
    view
}

async fn new(Viewer(c): Viewer) -> Response {
    if let Err(e) = c.require_operations("create courses") {
        return error_page(e, Some(&c));
    }
    let blank = CourseFields {
        duration_days: "1".into(),
        hours_per_day: "7".into(),
        delivery_modes: "ilt".into(),
        min_learners: "4".into(),
        max_learners: "12".into(),
        currency: "EUR".into(),
        ..Default::default()
    };
    FormPage {
        chrome: Chrome::new(&c, "courses", None),
        view: form(
            c.sees_finance(),
            "New course".into(),
            PATH.into(),
            PATH.into(),
            None,
            &blank,
        ),
    }
    .into_response()
}

async fn create(
    State(s): State<AppState>,
    Submit { caller: c, form: f }: Submit<CourseForm>,
) -> Response {
    let f = f.into_fields();
    match courses::create(&s.app, &c, &f).await {
        Ok(co) => saved(
            &format!("/courses/{}", co.id),
            &format!("Course {} created.", co.code),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, "courses", None),
            form(
                c.sees_finance(),
                "New course".into(),
                PATH.into(),
                PATH.into(),
                None,
                &f,
            ),
            e,
            &c,
        ),
    }
}

async fn show(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path(id): Path<i64>,
) -> Response {
    let co = match courses::get(&s.app, &c, id).await {
        Ok(co) => co,
        Err(e) => return error_page(e, Some(&c)),
    };
    let events = history::of_record(&s.app, &c, "course", id)
        .await
        .unwrap_or_default();
    DetailPage {
        chrome: Chrome::new(&c, "courses", flash),
        view: detail(&c, &co, events),
    }
    .into_response()
}

fn detail(
    c: &Caller,
    co: &Course,
    events: Vec<trainyard_app::store::audit::AuditEvent>,
) -> DetailView {
    let mut actions = Vec::new();
    if c.role.can_edit_operations() {
        actions.push(Action::link("Edit", format!("/courses/{}/edit", co.id)));
        actions.push(if co.archived_at.is_some() {
            Action::post("Restore", format!("/courses/{}/restore", co.id), None)
        } else {
            Action::post(
                "Archive",
                format!("/courses/{}/archive", co.id),
                Some("Archive this course? It leaves the catalogue but keeps its history."),
            )
        });
    }
    let mut facts = vec![
        fact("Code", &co.code),
        fact(
            "Duration",
            format!("{} day(s), {} h a day", co.duration_days, co.hours_per_day),
        ),
        fact(
            "Delivery",
            co.delivery_modes
                .iter()
                .map(|m| m.label())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        fact(
            "Learners",
            format!("{} to {}", co.min_learners, co.max_learners),
        ),
        fact("List price per seat", co.list_price.to_string()),
    ];
    // Present only for viewers who may see finance data.
    if let Some(rate) = co.day_rate {
        facts.push(fact("Day rate", rate.to_string()));
    }
    if let Some(cost) = co.material_cost {
        facts.push(fact("Material cost per learner", cost.to_string()));
    }
    facts.push(fact(
        "Certificate",
        co.certificate_name
            .clone()
            .map(|n| match co.certificate_validity_months {
                Some(m) => format!("{n}, valid {m} months"),
                None => n,
            })
            .unwrap_or_else(|| "none".into()),
    ));
    facts.push(fact(
        "Instructor skill",
        co.required_skill
            .clone()
            .unwrap_or_else(|| "any qualified instructor".into()),
    ));
    facts.push(fact(
        "Room features",
        if co.required_features.is_empty() {
            "none".into()
        } else {
            co.required_features.join(", ")
        },
    ));
    if !co.description.is_empty() {
        facts.push(fact("Description", &co.description));
    }
    facts.push(link_fact(
        "Sessions",
        "Show sessions of this course",
        format!("/sessions?course_id={}", co.id),
    ));
    DetailView {
        title: co.title.clone(),
        subtitle: format!("Course {}", co.code),
        status: co.archived_at.map(|_| Cell::badge("Archived", "archived")),
        back_href: PATH,
        back_label: "Courses",
        version: co.version,
        actions,
        facts,
        sections: Vec::new(),
        history: history(events, &viewer_tz(c)),
    }
}

async fn edit(State(s): State<AppState>, Viewer(c): Viewer, Path(id): Path<i64>) -> Response {
    match courses::get(&s.app, &c, id).await {
        Ok(co) => FormPage {
            chrome: Chrome::new(&c, "courses", None),
            view: form(
                c.sees_finance(),
                format!("Edit {}", co.code),
                format!("/courses/{id}"),
                format!("/courses/{id}"),
                Some(co.version),
                &fields_of(&co),
            ),
        }
        .into_response(),
        Err(e) => error_page(e, Some(&c)),
    }
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit {
        caller: c,
        form: posted,
    }: Submit<Versioned<CourseForm>>,
) -> Response {
    let version = posted.version;
    let f = posted.inner.into_fields();
    match courses::update(&s.app, &c, id, version, &f).await {
        Ok(co) => saved(
            &format!("/courses/{id}"),
            &format!("Course {} saved.", co.code),
        ),
        Err(e) => form_refused(
            Chrome::new(&c, "courses", None),
            form(
                c.sees_finance(),
                format!("Edit {}", f.code),
                format!("/courses/{id}"),
                format!("/courses/{id}"),
                Some(version),
                &f,
            ),
            e,
            &c,
        ),
    }
}

super::archivable!(courses, "/courses", "Course", |r| r.code.clone());
