//! The course catalogue.

use crate::row::{Col, Query, join_tags, split_tags};
use crate::table::{Table, choice, list_filter, record_rows};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::money::{Currency, Money};
use trainyard_core::records::CourseInput;
use trainyard_core::status::DeliveryMode;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Course {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub description: String,
    pub duration_days: i64,
    pub hours_per_day: i64,
    pub delivery_modes: Vec<DeliveryMode>,
    pub min_learners: i64,
    pub max_learners: i64,
    pub list_price: Money,
    /// Finance data: always set when read from the store; `None` (and left out of the JSON) in
    /// the view of a reader who may not see finance data (`trainyard_app::audience`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_rate: Option<Money>,
    /// Finance data, like `day_rate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub material_cost: Option<Money>,
    pub certificate_name: Option<String>,
    pub certificate_validity_months: Option<i64>,
    pub required_skill: Option<String>,
    pub required_features: Vec<String>,
    /// The course whose sessions renew this course's certificate (renewal offers); `None`: the
    /// same course.
    pub renewal_course_id: Option<i64>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<i64>,
    pub version: i64,
}

const TABLE: Table = Table {
    name: "courses",
    columns: "id, code, title, description, duration_days, hours_per_day, delivery_modes, min_learners, \
    max_learners, currency, list_price_minor, day_rate_minor, material_cost_minor, certificate_name, \
    certificate_validity_months, required_skill, required_features, renewal_course_id, created_at, updated_at, \
    archived_at, version",
    from: " FROM courses",
    count_from: " FROM courses",
    alias: "",
    search: &["code", "title"],
    sorts: &[
        ("code", "code"),
        ("title", "title"),
        ("days", "duration_days"),
        ("price", "list_price_minor"),
        ("max", "max_learners"),
    ],
};

pub(crate) fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

fn from_row(r: &AnyRow) -> Result<Course, sqlx::Error> {
    let currency = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
    let modes = r.s("delivery_modes")?;
    Ok(Course {
        id: r.i("id")?,
        code: r.s("code")?,
        title: r.s("title")?,
        description: r.s("description")?,
        duration_days: r.i("duration_days")?,
        hours_per_day: r.i("hours_per_day")?,
        delivery_modes: modes
            .split(',')
            .filter_map(|m| DeliveryMode::parse(m).ok())
            .collect(),
        min_learners: r.i("min_learners")?,
        max_learners: r.i("max_learners")?,
        list_price: Money::new(r.i("list_price_minor")?, currency),
        day_rate: Some(Money::new(r.i("day_rate_minor")?, currency)),
        material_cost: Some(Money::new(r.i("material_cost_minor")?, currency)),
        certificate_name: r.os("certificate_name")?,
        certificate_validity_months: r.oi("certificate_validity_months")?,
        required_skill: r.os("required_skill")?,
        required_features: split_tags(&r.s("required_features")?),
        renewal_course_id: r.oi("renewal_course_id")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

fn modes(c: &CourseInput) -> String {
    c.delivery_modes
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The input's columns in statement order: `$1` to `$17` of both insert and update.
fn bind_input<'q>(q: Query<'q>, c: &CourseInput) -> Query<'q> {
    q.bind(c.code.clone())
        .bind(c.title.clone())
        .bind(c.description.clone())
        .bind(c.duration_days)
        .bind(c.hours_per_day)
        .bind(modes(c))
        .bind(c.min_learners)
        .bind(c.max_learners)
        .bind(c.list_price.currency.as_str().to_owned())
        .bind(c.list_price.minor)
        .bind(c.day_rate.minor)
        .bind(c.material_cost.minor)
        .bind(c.certificate_name.clone())
        .bind(c.certificate_validity_months)
        .bind(c.required_skill.as_ref().map(|s| s.as_str().to_owned()))
        .bind(join_tags(&c.required_features))
        .bind(c.renewal_course_id)
}

/// Sessions carry their course's code (for sorting by it): a changed code reaches them in the
/// same transaction.
async fn sync_session_codes(conn: &mut Conn, id: i64, c: &CourseInput) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET course_code = $1 WHERE course_id = $2 AND course_code <> $1")
        .bind(c.code.clone())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

record_rows!(
    Course,
    CourseInput,
    insert = "INSERT INTO courses (code, title, description, duration_days, hours_per_day, delivery_modes, min_learners, \
         max_learners, currency, list_price_minor, day_rate_minor, material_cost_minor, certificate_name, \
         certificate_validity_months, required_skill, required_features, renewal_course_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id",
    update = "UPDATE courses SET code = $1, title = $2, description = $3, duration_days = $4, hours_per_day = $5, \
         delivery_modes = $6, min_learners = $7, max_learners = $8, currency = $9, list_price_minor = $10, \
         day_rate_minor = $11, material_cost_minor = $12, certificate_name = $13, certificate_validity_months = $14, \
         required_skill = $15, required_features = $16, renewal_course_id = $17, updated_at = $18, \
         version = version + 1 WHERE id = $19 AND version = $20",
    then = sync_session_codes,
);

list_filter! {
    /// The course list's filters.
    pub struct CourseFilter {
        sorts: TABLE.sorts,
        /// Courses offered in this delivery mode.
        pub mode: String => #[param(value_type = Option<DeliveryMode>)],
    }
}

/// Courses matching `f`: search in code and title.
pub async fn list(conn: &mut Conn, f: &CourseFilter) -> Result<Page<Course>, StoreError> {
    let mode = choice("mode", &f.mode, DeliveryMode::ALL, DeliveryMode::as_str)?;
    TABLE
        .list(
            conn,
            &f.list,
            |q, _| {
                if let Some(m) = mode {
                    q.push(" AND delivery_modes LIKE ")
                        .text(&format!("%{}%", m.as_str()));
                }
            },
            from_row,
        )
        .await
}

/// (id, "CODE — Title") of every active course, for choosers.
pub async fn options(conn: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    let q =
        sqlx::query("SELECT id, code, title FROM courses WHERE archived_at IS NULL ORDER BY code");
    crate::row::fetch_all(conn, q, |r| {
        Ok((r.i("id")?, format!("{} — {}", r.s("code")?, r.s("title")?)))
    })
    .await
}
