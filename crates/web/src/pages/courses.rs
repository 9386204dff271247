//! Courses: the catalogue.

use super::record::{Columns, RecordPage, edit_actions, stored, use_cases};
use crate::AppState;
use crate::views::*;
use axum::Router;
use trainyard_app::store::ListParams;
use trainyard_app::store::courses::{Course, CourseFilter};
use trainyard_app::{AppError, Caller};
use trainyard_core::records::CourseFields;
use trainyard_core::status::DeliveryMode;

pub fn routes() -> Router<AppState> {
    super::record::routes::<Courses>().merge(super::prices::course_routes())
}

/// The form posts each delivery mode as its own checkbox; the rule wants them as one list.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub(crate) struct CourseForm {
    #[serde(flatten)]
    fields: CourseFields,
    mode: Vec<String>,
}

impl From<CourseForm> for CourseFields {
    fn from(form: CourseForm) -> Self {
        let mut f = form.fields;
        if !form.mode.is_empty() {
            f.delivery_modes = form.mode.join(",");
        }
        f
    }
}

fn modes_label(co: &Course) -> String {
    co.delivery_modes
        .iter()
        .map(|m| m.label())
        .collect::<Vec<_>>()
        .join(", ")
}

stored!(Course);

pub(crate) struct Courses;

impl RecordPage for Courses {
    const PATH: &'static str = "/courses";
    const TITLE: &'static str = "Courses";
    const NOUN: &'static str = "Course";
    const ARCHIVE_CONFIRM: &'static str =
        "Archive this course? It leaves the catalogue but keeps its history.";
    const DEFAULT_SORT: &'static str = "code";

    type Filter = CourseFilter;
    type Item = Course;
    type Record = Course;
    type Saved = Course;
    type Fields = CourseFields;
    type Form = CourseForm;
    type Lookups = ();
    /// The course's prices in other currencies, for finance, managers and admins.
    type Extra = Option<Vec<trainyard_app::store::prices::CoursePrice>>;

    use_cases!(trainyard_app::catalog::courses);

    fn may_change(_: &Caller) -> Result<(), AppError> {
        // Every reader may open the form; saving is checked by the use case.
        Ok(())
    }

    fn params(f: &CourseFilter) -> &ListParams {
        &f.list
    }
    fn search_filter(list: ListParams) -> Option<CourseFilter> {
        Some(CourseFilter {
            list,
            ..Default::default()
        })
    }
    fn search_columns() -> Vec<&'static str> {
        vec!["Code", "Title"]
    }
    fn search_cells(_: &Caller, x: &Course) -> Vec<Cell> {
        vec![Cell::text(&x.code), Cell::text(&x.title)]
    }
    fn empty_hint(_: &Caller) -> &'static str {
        "Add the courses you deliver: code, duration, learner limits and prices."
    }
    async fn lookups(_: &AppState, _: &Caller, _: &CourseFilter) -> Result<(), AppError> {
        Ok(())
    }
    fn filters(_: &Caller, f: &CourseFilter, _: &()) -> Vec<Filter> {
        vec![Filter::select(
            "mode",
            "Delivery",
            &f.mode,
            enum_choices(DeliveryMode::ALL, |m| m.as_str(), |m| m.label()),
        )]
    }
    fn columns(_: &Caller) -> Columns {
        vec![
            ("Code", "code", false),
            ("Title", "title", false),
            ("Days", "days", true),
            ("Delivery", "", false),
            ("Learners", "max", true),
            ("List price", "price", true),
        ]
    }
    fn cells(_: &Caller, co: &Course, _: &()) -> Vec<Cell> {
        vec![
            Cell::text(&co.code),
            Cell::text(&co.title),
            Cell::num(co.duration_days),
            Cell::text(modes_label(co)),
            Cell::num(format!("{}–{}", co.min_learners, co.max_learners)),
            Cell::num(co.list_price),
        ]
    }

    async fn blank(_: &AppState, _: &Caller, _: &QueryState) -> CourseFields {
        CourseFields {
            duration_days: "1".into(),
            hours_per_day: "7".into(),
            delivery_modes: "ilt".into(),
            min_learners: "4".into(),
            max_learners: "12".into(),
            currency: "EUR".into(),
            ..Default::default()
        }
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
            renewal_course_id: co
                .renewal_course_id
                .map(|v| v.to_string())
                .unwrap_or_default(),
        }
    }

    async fn form_fields(s: &AppState, c: &Caller, f: &CourseFields) -> Vec<Field> {
        let courses = trainyard_app::catalog::courses::options(&s.app, c)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(id, label)| (id.to_string(), label))
            .collect();
        let modes = DeliveryMode::ALL
            .iter()
            .map(|m| Opt {
                value: m.as_str().into(),
                label: m.label().into(),
                selected: f.delivery_modes.split(',').any(|x| x.trim() == m.as_str()),
            })
            .collect();
        let mut fields = vec![
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
            Field::new(
                "renewal_course_id",
                "Renewal course",
                "select",
                &f.renewal_course_id,
            )
            .choices(courses, Some(crate::i18n::t("course-renewal-same"))),
        ];
        // Finance data: without these fields the use case keeps the stored values.
        if !c.sees_finance() {
            fields.retain(|f| !matches!(f.name, "day_rate" | "material_cost"));
        }
        fields
    }
    fn edit_title(f: &CourseFields, _: Option<&Course>) -> String {
        format!("Edit {}", f.code)
    }

    fn label(co: &Course) -> String {
        co.code.clone()
    }
    async fn extra(s: &AppState, c: &Caller, co: &Course) -> Result<Self::Extra, AppError> {
        if !c.sees_finance() {
            return Ok(None);
        }
        Ok(Some(
            trainyard_app::prices::course_prices(&s.app, c, co.id).await?,
        ))
    }
    fn sections(_: &Caller, co: &Course, prices: &Self::Extra) -> Vec<Section> {
        prices
            .iter()
            .map(|p| super::prices::course_prices_section(co, p))
            .collect()
    }
    fn title(co: &Course) -> String {
        co.title.clone()
    }
    fn subtitle(_: &Caller, co: &Course) -> String {
        format!("Course {}", co.code)
    }
    fn actions(c: &Caller, co: &Course, _: &Self::Extra) -> Vec<Action> {
        let mut actions = edit_actions::<Self>(c, co, Vec::new());
        if c.sees_finance() {
            actions.push(Action::link("Prices", format!("/courses/{}/prices", co.id)));
        }
        actions
    }
    fn facts(_: &Caller, co: &Course, _: &Self::Extra) -> Vec<Fact> {
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
        if let Some(r) = co.renewal_course_id {
            facts.push(link_fact(
                "Renewal course",
                crate::i18n::t("course-renewal-open"),
                format!("/courses/{r}"),
            ));
        }
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
            crate::i18n::t("i18n-course-sessions"),
            format!("/sessions?course_id={}", co.id),
        ));
        facts
    }
}
