//! What makes an instructor confirmable: qualifications (per course or skill, with expiry),
//! contracts (with validity and rates) and unavailability. Coordinators maintain them; an instructor
//! maintains their own unavailability.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use chrono::NaiveDate;
use trainyard_core::{Currency, Invalid, Money, TimeZoneName};
use trainyard_store::instructors::{self as repo, Contract, Qualification, TimeOff};

/// Everything on an instructor's credentials page.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Credentials {
    pub qualifications: Vec<Qualification>,
    pub contracts: Vec<Contract>,
    pub time_off: Vec<TimeOff>,
    /// (weekday 1 = Monday, start minute, end minute), local time; empty = no pattern.
    // Declared as plain integer triples: tuple schemas (`prefixItems`) break common client generators.
    #[schema(value_type = Vec<Vec<i64>>)]
    pub working_hours: Vec<(i64, i64, i64)>,
}

pub async fn of_instructor(app: &App, caller: &Caller, id: i64) -> Result<Credentials, AppError> {
    caller.require(
        caller.role.is_staff() || caller.instructor_id == Some(id),
        "see another instructor's credentials",
    )?;
    let mut conn = app.store.read().await?;
    repo::get(&mut conn, id).await.about("instructor")?;
    // Rates are finance data: left out (not zeroed) for whoever may not see them.
    let contracts =
        crate::audience::ForReader::for_reader(repo::contracts(&mut conn, id).await?, caller);
    Ok(Credentials {
        qualifications: repo::qualifications(&mut conn, id).await?,
        contracts,
        time_off: repo::time_off(&mut conn, id).await?,
        working_hours: repo::working_pattern(&mut conn, id).await?,
    })
}

fn date(inv: &mut Invalid, field: &str, raw: &str, required: bool) -> Option<Option<NaiveDate>> {
    let t = raw.trim();
    if t.is_empty() {
        if required {
            inv.add(field, "is required");
            return None;
        }
        return Some(None);
    }
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) => Some(Some(d)),
        Err(_) => {
            inv.add(
                field,
                format!(
                    "'{}' is not a date (expected YYYY-MM-DD)",
                    t.chars().take(20).collect::<String>()
                ),
            );
            None
        }
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct QualificationFields {
    /// The course this qualification is for (or leave empty and give a skill).
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub course_id: String,
    /// A skill such as "excel" that qualifies for every course requiring it.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub skill: String,
    /// YYYY-MM-DD; today when empty.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    #[schema(value_type = Option<String>, format = Date, default = json!(null))]
    pub valid_from: String,
    /// YYYY-MM-DD, inclusive; never expires when empty.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    #[schema(value_type = Option<String>, format = Date, default = json!(null))]
    pub expires_on: String,
}

pub async fn add_qualification(
    app: &App,
    caller: &Caller,
    id: i64,
    f: &QualificationFields,
) -> Result<Qualification, AppError> {
    caller.require_operations("record qualifications")?;
    let mut inv = Invalid::new();
    let course_id = match f.course_id.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                inv.add("course_id", "must be a course id");
                None
            }
        },
    };
    let skill = inv
        .check("skill", trainyard_core::Skill::parse_optional(&f.skill))
        .flatten()
        .map(trainyard_core::Skill::into_string);
    if course_id.is_none() && skill.is_none() && inv.is_empty() {
        inv.add("course_id", "give a course or a skill");
    }
    let from = date(&mut inv, "valid_from", &f.valid_from, false);
    let until = date(&mut inv, "expires_on", &f.expires_on, false);
    if let (Some(Some(a)), Some(Some(b))) = (from, until)
        && b < a
    {
        inv.add("expires_on", "must not be before the start");
    }
    let (Some(from), Some(until)) = (from, until) else {
        return Err(inv.into());
    };
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let mut tx = app.store.write().await?;
    let q = add_qualification_in(
        &mut tx,
        caller,
        id,
        (course_id, skill),
        (from, until),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(q)
}

/// A qualification's course or skill, as checked by [`add_qualification`].
type Qualifies = (Option<i64>, Option<String>);

/// The writing half of [`add_qualification`] inside the caller's transaction (a spreadsheet
/// import's): the input is already checked.
pub(crate) async fn add_qualification_in(
    tx: &mut trainyard_store::Conn,
    caller: &Caller,
    id: i64,
    (course_id, skill): Qualifies,
    (from, until): (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>),
    now: i64,
) -> Result<Qualification, AppError> {
    caller.require_operations("record qualifications")?;
    let inst = repo::get(tx, id).await.about("instructor")?;
    if let Some(c) = course_id {
        trainyard_store::courses::get(tx, c).await.about("course")?;
    }
    let tz = TimeZoneName::parse(&inst.time_zone).map_err(|e| AppError::refused(e.to_string()))?;
    let valid_from = from.map(|d| tz.start_of_day_ms(d)).unwrap_or(now);
    let expires_at = until.map(|d| tz.start_of_day_ms(d + chrono::Duration::days(1)));
    let qid = repo::insert_qualification(
        tx,
        id,
        course_id,
        skill.as_deref(),
        valid_from,
        expires_at,
        now,
    )
    .await?;
    let q = repo::qualifications(tx, id)
        .await?
        .into_iter()
        .find(|q| q.id == qid)
        .ok_or(AppError::NotFound("qualification"))?;
    crate::audit::record(
        tx,
        caller,
        now,
        "instructor.qualification_added",
        ("instructor", id),
        None,
        Some(&q),
    )
    .await?;
    Ok(q)
}

pub async fn remove_qualification(
    app: &App,
    caller: &Caller,
    id: i64,
    qualification_id: i64,
) -> Result<(), AppError> {
    caller.require_operations("remove qualifications")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::qualifications(&mut tx, id)
        .await?
        .into_iter()
        .find(|q| q.id == qualification_id)
        .ok_or(AppError::NotFound("qualification"))?;
    repo::delete_qualification(&mut tx, id, qualification_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "instructor.qualification_removed",
        ("instructor", id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ContractFields {
    /// "staff" or "contractor".
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    #[schema(value_type = Option<trainyard_core::status::EmploymentType>, default = json!(null))]
    pub kind: String,
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub currency: String,
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub day_rate: String,
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    #[schema(value_type = Option<String>, format = Date, default = json!(null))]
    pub valid_from: String,
    /// YYYY-MM-DD, inclusive; open-ended when empty.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    #[schema(value_type = Option<String>, format = Date, default = json!(null))]
    pub valid_to: String,
    /// The signed agreement's file name or reference.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub document_name: String,
}

pub async fn add_contract(
    app: &App,
    caller: &Caller,
    id: i64,
    f: &ContractFields,
) -> Result<Contract, AppError> {
    caller.require(caller.sees_finance(), "record contracts and their rates")?;
    let mut inv = Invalid::new();
    let kind = inv.check(
        "kind",
        trainyard_core::status::EmploymentType::parse(&f.kind),
    );
    let currency = inv.check("currency", Currency::parse(&f.currency));
    let rate =
        currency.and_then(|c| inv.check("day_rate", Money::parse_non_negative(&f.day_rate, c)));
    let from = date(&mut inv, "valid_from", &f.valid_from, true);
    let to = date(&mut inv, "valid_to", &f.valid_to, false);
    let doc = inv.check(
        "document_name",
        trainyard_core::invalid::text::optional(&f.document_name, 200),
    );
    if let (Some(Some(a)), Some(Some(b))) = (from, to)
        && b < a
    {
        inv.add("valid_to", "must not be before the start");
    }
    let (Some(kind), Some(rate), Some(Some(from)), Some(to), Some(doc)) =
        (kind, rate, from, to, doc)
    else {
        return Err(inv.into());
    };
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let inst = repo::get(&mut tx, id).await.about("instructor")?;
    let tz = TimeZoneName::parse(&inst.time_zone).map_err(|e| AppError::refused(e.to_string()))?;
    let cid = repo::insert_contract(
        &mut tx,
        id,
        kind.as_str(),
        rate,
        (
            tz.start_of_day_ms(from),
            to.map(|d| tz.start_of_day_ms(d + chrono::Duration::days(1))),
        ),
        doc.as_deref(),
        now,
    )
    .await?;
    let c = repo::contracts(&mut tx, id)
        .await?
        .into_iter()
        .find(|c| c.id == cid)
        .ok_or(AppError::NotFound("contract"))?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "instructor.contract_added",
        ("instructor", id),
        None,
        Some(&c),
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

pub async fn remove_time_off(
    app: &App,
    caller: &Caller,
    id: i64,
    time_off_id: i64,
) -> Result<(), AppError> {
    caller.require(
        caller.instructor_id == Some(id) || caller.role.can_edit_operations(),
        "change another instructor's unavailability",
    )?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::time_off(&mut tx, id)
        .await?
        .into_iter()
        .find(|t| t.id == time_off_id)
        .ok_or(AppError::NotFound("time off"))?;
    repo::delete_time_off(&mut tx, id, time_off_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "instructor.time_off_removed",
        ("instructor", id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets the weekly working pattern from `HH:MM` times per weekday (1 = Monday); a day without
/// times is not a working day. An empty pattern means "no pattern": every day is possible.
pub async fn set_working_pattern(
    app: &App,
    caller: &Caller,
    id: i64,
    days: &[(i64, String, String)],
) -> Result<Vec<(i64, i64, i64)>, AppError> {
    caller.require(
        caller.instructor_id == Some(id) || caller.role.can_edit_operations(),
        "change another instructor's working pattern",
    )?;
    let mut inv = Invalid::new();
    let minute = |raw: &str| -> Option<i64> {
        let (h, m) = raw.trim().split_once(':')?;
        let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
        ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 1440).then_some(h * 60 + m)
    };
    let mut pattern = Vec::new();
    for (day, from, to) in days {
        if from.trim().is_empty() && to.trim().is_empty() {
            continue;
        }
        let field = format!("day{day}");
        if !(1..=7).contains(day) {
            inv.add(&field, "weekdays are 1 (Monday) to 7 (Sunday)");
            continue;
        }
        match (minute(from), minute(to)) {
            (Some(a), Some(b)) if b > a => pattern.push((*day, a, b)),
            (Some(_), Some(_)) => inv.add(&field, "must end after it starts"),
            _ => inv.add(
                &field,
                format!(
                    "'{}'–'{}' are not times (expected HH:MM)",
                    from.trim(),
                    to.trim()
                ),
            ),
        }
    }
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::get(&mut tx, id).await.about("instructor")?;
    let before = repo::working_pattern(&mut tx, id).await?;
    repo::set_working_pattern(&mut tx, id, &pattern).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "instructor.working_pattern_set",
        ("instructor", id),
        Some(&before),
        Some(&pattern),
    )
    .await?;
    tx.commit().await?;
    Ok(pattern)
}
