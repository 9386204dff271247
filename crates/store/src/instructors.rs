//! Instructors: staff and contractors, with their rates, limits and skills.

use crate::courses::decode_err;
use crate::row::{Col, Query, join_tags, split_tags};
use crate::table::{Table, choice, list_filter, record_rows, search};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::money::{Currency, Money};
use trainyard_core::records::InstructorInput;
use trainyard_core::status::EmploymentType;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Instructor {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub employment_type: EmploymentType,
    pub home_venue_id: Option<i64>,
    pub time_zone: String,
    /// Finance data: always set when read from the store; `None` (and left out of the JSON) in
    /// the view of a reader who may not see finance data (`trainyard_app::audience`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_rate: Option<Money>,
    /// Finance data, like `day_rate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hour_rate: Option<Money>,
    pub max_days_week: i64,
    pub max_days_month: i64,
    pub skills: Vec<String>,
    pub notes: String,
    /// The language (BCP 47) this instructor reads; `None`: the company's.
    pub language: Option<String>,
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
    name: "instructors",
    columns: "id, name, email, phone, employment_type, home_venue_id, time_zone, currency, day_rate_minor, \
    hour_rate_minor, max_days_week, max_days_month, skills, notes, language, created_at, updated_at, archived_at, version",
    from: " FROM instructors",
    count_from: " FROM instructors",
    alias: "",
    search: &["name", "email", "skills"],
    sorts: &[
        ("name", "name"),
        ("email", "email"),
        ("type", "employment_type"),
        ("day_rate", "day_rate_minor"),
    ],
};

fn from_row(r: &AnyRow) -> Result<Instructor, sqlx::Error> {
    let currency = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
    Ok(Instructor {
        id: r.i("id")?,
        name: r.s("name")?,
        email: r.s("email")?,
        phone: r.os("phone")?,
        employment_type: EmploymentType::parse(&r.s("employment_type")?).map_err(decode_err)?,
        home_venue_id: r.oi("home_venue_id")?,
        time_zone: r.s("time_zone")?,
        day_rate: Some(Money::new(r.i("day_rate_minor")?, currency)),
        hour_rate: Some(Money::new(r.i("hour_rate_minor")?, currency)),
        max_days_week: r.i("max_days_week")?,
        max_days_month: r.i("max_days_month")?,
        skills: split_tags(&r.s("skills")?),
        notes: r.s("notes")?,
        language: r.os("language")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

/// The input's columns in statement order: `$1` to `$14` of both insert and update.
fn bind_input<'q>(q: Query<'q>, c: &InstructorInput) -> Query<'q> {
    q.bind(c.name.clone())
        .bind(c.email.as_str().to_owned())
        .bind(c.phone.clone())
        .bind(c.employment_type.as_str().to_owned())
        .bind(c.home_venue_id.map(|v| v.0))
        .bind(c.time_zone.as_str().to_owned())
        .bind(c.day_rate.currency.as_str().to_owned())
        .bind(c.day_rate.minor)
        .bind(c.hour_rate.minor)
        .bind(c.max_days_week)
        .bind(c.max_days_month)
        .bind(join_tags(&c.skills))
        .bind(c.notes.clone())
        .bind(c.language.as_ref().map(|l| l.as_str().to_owned()))
}

record_rows!(
    Instructor,
    InstructorInput,
    insert = "INSERT INTO instructors (name, email, phone, employment_type, home_venue_id, time_zone, currency, \
         day_rate_minor, hour_rate_minor, max_days_week, max_days_month, skills, notes, language, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
    update = "UPDATE instructors SET name = $1, email = $2, phone = $3, employment_type = $4, home_venue_id = $5, \
         time_zone = $6, currency = $7, day_rate_minor = $8, hour_rate_minor = $9, max_days_week = $10, \
         max_days_month = $11, skills = $12, notes = $13, language = $14, updated_at = $15, version = version + 1 \
         WHERE id = $16 AND version = $17",
);

list_filter! {
    /// The instructor list's filters.
    pub struct InstructorFilter {
        sorts: TABLE.sorts,
        /// Instructors employed this way.
        pub employment_type: String => #[param(value_type = Option<EmploymentType>)],
        /// Part of a skill label.
        pub skill: String,
        /// Instructors based at this venue.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub home_venue_id: Option<i64>,
    }
}

/// Instructors matching `f`: search in name, e-mail and skills.
pub async fn list(conn: &mut Conn, f: &InstructorFilter) -> Result<Page<Instructor>, StoreError> {
    let employment = choice(
        "employment_type",
        &f.employment_type,
        EmploymentType::ALL,
        EmploymentType::as_str,
    )?;
    TABLE
        .list(
            conn,
            &f.list,
            |q, _| {
                if let Some(t) = employment {
                    q.push(" AND employment_type = ").text(t.as_str());
                }
                search(q, &["skills"], &f.skill);
                if let Some(v) = f.home_venue_id {
                    q.push(" AND home_venue_id = ").int(v);
                }
            },
            from_row,
        )
        .await
}

/// (id, name) of every active instructor, for choosers.
pub async fn options(conn: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    let q =
        sqlx::query("SELECT id, name FROM instructors WHERE archived_at IS NULL ORDER BY name, id");
    crate::row::fetch_all(conn, q, |r| Ok((r.i("id")?, r.s("name")?))).await
}

/// A qualification for a course (or a skill), valid from `valid_from` until `expires_at`.
pub async fn insert_qualification(
    conn: &mut Conn,
    instructor_id: i64,
    course_id: Option<i64>,
    skill: Option<&str>,
    valid_from: i64,
    expires_at: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO instructor_qualifications (instructor_id, course_id, skill, valid_from, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(instructor_id)
    .bind(course_id)
    .bind(skill.map(str::to_owned))
    .bind(valid_from)
    .bind(expires_at)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn insert_time_off(
    conn: &mut Conn,
    instructor_id: i64,
    starts_at: i64,
    ends_at: i64,
    reason: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO instructor_time_off (instructor_id, starts_at, ends_at, reason, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(instructor_id)
    .bind(starts_at)
    .bind(ends_at)
    .bind(reason)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Qualification {
    pub id: i64,
    pub course_id: Option<i64>,
    pub course_code: Option<String>,
    pub skill: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub valid_from: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<i64>,
}

pub async fn qualifications(
    conn: &mut Conn,
    instructor_id: i64,
) -> Result<Vec<Qualification>, StoreError> {
    let q = sqlx::query(
        "SELECT q.id, q.course_id, c.code, q.skill, q.valid_from, q.expires_at FROM instructor_qualifications q \
         LEFT JOIN courses c ON c.id = q.course_id WHERE q.instructor_id = $1 ORDER BY c.code, q.skill",
    )
    .bind(instructor_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Qualification {
            id: r.i("id")?,
            course_id: r.oi("course_id")?,
            course_code: r.os("code")?,
            skill: r.os("skill")?,
            valid_from: r.i("valid_from")?,
            expires_at: r.oi("expires_at")?,
        })
    })
    .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimeOff {
    pub id: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: i64,
    pub reason: String,
}

pub async fn time_off(conn: &mut Conn, instructor_id: i64) -> Result<Vec<TimeOff>, StoreError> {
    let q = sqlx::query(
        "SELECT id, starts_at, ends_at, reason FROM instructor_time_off WHERE instructor_id = $1 ORDER BY starts_at DESC LIMIT 100",
    )
    .bind(instructor_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok(TimeOff {
            id: r.i("id")?,
            starts_at: r.i("starts_at")?,
            ends_at: r.i("ends_at")?,
            reason: r.s("reason")?,
        })
    })
    .await
}

pub async fn delete_qualification(
    conn: &mut Conn,
    instructor_id: i64,
    id: i64,
) -> Result<bool, StoreError> {
    let n =
        sqlx::query("DELETE FROM instructor_qualifications WHERE id = $1 AND instructor_id = $2")
            .bind(id)
            .bind(instructor_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    Ok(n == 1)
}

pub async fn delete_time_off(
    conn: &mut Conn,
    instructor_id: i64,
    id: i64,
) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM instructor_time_off WHERE id = $1 AND instructor_id = $2")
        .bind(id)
        .bind(instructor_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Contract {
    pub id: i64,
    /// "staff" or "contractor" agreement.
    #[schema(value_type = trainyard_core::status::EmploymentType)]
    pub kind: String,
    /// Finance data: always set when read from the store; `None` (and left out of the JSON) in
    /// the view of a reader who may not see finance data (`trainyard_app::audience`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_rate: Option<Money>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub valid_from: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub valid_to: Option<i64>,
    pub document_name: Option<String>,
}

pub async fn insert_contract(
    conn: &mut Conn,
    instructor_id: i64,
    kind: &str,
    day_rate: Money,
    (valid_from, valid_to): (i64, Option<i64>),
    document_name: Option<&str>,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO instructor_contracts (instructor_id, kind, currency, day_rate_minor, valid_from, valid_to, document_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(instructor_id)
    .bind(kind)
    .bind(day_rate.currency.as_str().to_owned())
    .bind(day_rate.minor)
    .bind(valid_from)
    .bind(valid_to)
    .bind(document_name.map(str::to_owned))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn contracts(conn: &mut Conn, instructor_id: i64) -> Result<Vec<Contract>, StoreError> {
    let q = sqlx::query(
        "SELECT id, kind, currency, day_rate_minor, valid_from, valid_to, document_name FROM instructor_contracts WHERE instructor_id = $1 ORDER BY valid_from DESC",
    )
    .bind(instructor_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Contract {
            id: r.i("id")?,
            kind: r.s("kind")?,
            day_rate: Some(Money::new(
                r.i("day_rate_minor")?,
                Currency::parse(&r.s("currency")?).map_err(decode_err)?,
            )),
            valid_from: r.i("valid_from")?,
            valid_to: r.oi("valid_to")?,
            document_name: r.os("document_name")?,
        })
    })
    .await
}

/// The weekly working pattern: (weekday 1 = Monday … 7, start minute, end minute), local time.
pub async fn working_pattern(
    conn: &mut Conn,
    instructor_id: i64,
) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let q = sqlx::query("SELECT weekday, start_minute, end_minute FROM instructor_working_hours WHERE instructor_id = $1 ORDER BY weekday")
        .bind(instructor_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok((r.i("weekday")?, r.i("start_minute")?, r.i("end_minute")?))
    })
    .await
}

pub async fn set_working_pattern(
    conn: &mut Conn,
    instructor_id: i64,
    days: &[(i64, i64, i64)],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM instructor_working_hours WHERE instructor_id = $1")
        .bind(instructor_id)
        .execute(&mut *conn)
        .await?;
    for (weekday, start, end) in days {
        sqlx::query("INSERT INTO instructor_working_hours (instructor_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4)")
            .bind(instructor_id)
            .bind(*weekday)
            .bind(*start)
            .bind(*end)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
