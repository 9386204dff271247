//! Operations reporting: the KPIs of a period beside a comparison period, sliced by client, course,
//! instructor, venue and delivery mode, for the reports page, the dashboard tiles and the API.
//! The figures come from `trainyard_core::kpi` over the rows of `trainyard_store::kpi`; this module
//! decides the periods and who sees what. And logging admin minutes against a session.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use chrono::{Datelike, Duration, Months, NaiveDate};
use std::collections::HashMap;
use trainyard_core::kpi::{self, Kpi, Period, Ratio, ReasonCount, Rows};
use trainyard_core::status::{DeliveryMode, StatusReason};
use trainyard_core::{Invalid, Role, TimeZoneName};
use trainyard_store::kpi::{self as repo, AdminTime, KpiFilter};

/// What the reader asked for, as text from a query string: days are `YYYY-MM-DD` in the reader's
/// time zone, `until` inclusive.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day of the period (`YYYY-MM-DD`, in your time zone); the current month without it.
    #[param(value_type = Option<String>, format = Date)]
    pub from: String,
    /// Last day of the period, inclusive (`YYYY-MM-DD`); the end of `from`'s month without it.
    #[param(value_type = Option<String>, format = Date)]
    pub until: String,
    /// The comparison period: `previous` (the same length just before; whole months shift by
    /// months), `last_year` (the same days a year earlier) or `none`. `previous` without it.
    #[param(value_type = Option<Compare>)]
    pub compare: String,
    /// Only this client's sessions.
    #[serde(deserialize_with = "trainyard_store::row::empty_as_none")]
    pub client_id: Option<i64>,
    /// Only this course's sessions.
    #[serde(deserialize_with = "trainyard_store::row::empty_as_none")]
    pub course_id: Option<i64>,
    /// Only sessions this instructor teaches (accepted or confirmed), and only their utilization.
    #[serde(deserialize_with = "trainyard_store::row::empty_as_none")]
    pub instructor_id: Option<i64>,
    /// Only sessions at this venue.
    #[serde(deserialize_with = "trainyard_store::row::empty_as_none")]
    pub venue_id: Option<i64>,
    /// Only sessions delivered this way.
    #[param(value_type = Option<DeliveryMode>)]
    pub mode: String,
}

/// Which period the figures are compared with.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    Previous,
    LastYear,
    None,
}

impl Compare {
    fn parse(raw: &str) -> Result<Compare, AppError> {
        match raw.trim() {
            "" | "previous" => Ok(Compare::Previous),
            "last_year" => Ok(Compare::LastYear),
            "none" => Ok(Compare::None),
            other => Err(AppError::BadParameter {
                name: "compare",
                message: format!(
                    "'{}' is not a comparison (one of: previous, last_year, none)",
                    other.chars().take(40).collect::<String>()
                ),
            }),
        }
    }
}

/// A period as days in the reader's zone (both inclusive) and as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Days {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    /// The last day, inclusive.
    #[schema(value_type = String, format = Date)]
    pub until: NaiveDate,
}

impl Days {
    fn period(&self, tz: &TimeZoneName) -> Period {
        Period::local_days(tz, self.from, self.until)
    }

    fn whole_months(&self) -> Option<u32> {
        let next = self.until + Duration::days(1);
        (self.from.day() == 1 && next.day() == 1).then(|| {
            let months = (next.year() - self.from.year()) * 12 + next.month() as i32
                - self.from.month() as i32;
            u32::try_from(months).unwrap_or(0)
        })
    }

    /// The period compared with this one.
    pub fn compared(&self, how: Compare) -> Option<Days> {
        let back = |months: u32| -> Option<Days> {
            let from = self.from.checked_sub_months(Months::new(months))?;
            let next = (self.until + Duration::days(1)).checked_sub_months(Months::new(months))?;
            Some(Days {
                from,
                until: next - Duration::days(1),
            })
        };
        match how {
            Compare::None => None,
            Compare::LastYear => back(12),
            Compare::Previous => match self.whole_months() {
                Some(m) if m > 0 => back(m),
                _ => {
                    let len = (self.until - self.from).num_days() + 1;
                    Some(Days {
                        from: self.from - Duration::days(len),
                        until: self.from - Duration::days(1),
                    })
                }
            },
        }
    }

    /// The named period containing `today`: `month`, `quarter` or `year`.
    pub fn preset(name: &str, today: NaiveDate) -> Option<Days> {
        let months = match name {
            "month" => 1,
            "quarter" => 3,
            "year" => 12,
            _ => return None,
        };
        let first_month = (today.month0() / months) * months + 1;
        let from = NaiveDate::from_ymd_opt(today.year(), first_month, 1)?;
        let next = from.checked_add_months(Months::new(months))?;
        Some(Days {
            from,
            until: next - Duration::days(1),
        })
    }
}

/// One KPI with its figure in the period and in the comparison period.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Tile {
    pub kpi: Kpi,
    pub title: &'static str,
    pub definition: &'static str,
    /// `None` for a KPI whose data arrives with another part of Trainyard.
    pub figure: Option<Ratio>,
    /// The figure as text ("72.5" percent, "3.25" per session); `None` without data.
    pub value: Option<String>,
    pub comparison: Option<Ratio>,
    pub comparison_value: Option<String>,
    /// What brings this KPI's data (`finance`, `quality`) where it does not exist yet.
    pub arrives_with: Option<&'static str>,
}

impl Tile {
    /// Up, down or level against the comparison; `None` when either side has no data.
    pub fn trend(&self) -> Option<std::cmp::Ordering> {
        let (a, b) = (self.figure?.value()?, self.comparison?.value()?);
        a.partial_cmp(&b)
    }
}

/// The fill rate of one slice of the period (a week or a month).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct FillBucket {
    pub days: Days,
    pub fill_rate: Ratio,
}

/// One instructor's utilization per week of the period.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct HeatRow {
    pub instructor_id: i64,
    pub name: String,
    pub weeks: Vec<Ratio>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct KpiReport {
    /// The time zone the days are read in (the reader's).
    pub time_zone: String,
    pub period: Days,
    pub comparison: Option<Days>,
    pub tiles: Vec<Tile>,
    /// Sessions cancelled or postponed in the period, by the reason last given.
    pub cancellations_by_reason: Vec<ReasonCount>,
    /// The fill rate by week (periods up to 13 weeks) or by month.
    pub fill_over_time: Vec<FillBucket>,
    /// The weeks of the utilization heat map (Monday to Sunday, clipped to the period).
    pub weeks: Vec<Days>,
    pub utilization_by_week: Vec<HeatRow>,
}

/// The most instructors the heat map shows.
const HEAT_ROWS: usize = 40;
/// The longest period a report covers: a year and a bit, so every chart stays bounded.
const MAX_DAYS: i64 = 400;

/// Which KPIs `caller` sees, in tile order.
fn visible(caller: &Caller) -> Vec<Kpi> {
    Kpi::ALL
        .iter()
        .copied()
        .filter(|k| match caller.role {
            // Their own utilization, and the satisfaction with the sessions they teach.
            Role::Instructor => matches!(k, Kpi::InstructorUtilization | Kpi::ClientSatisfaction),
            Role::ClientContact => matches!(
                k,
                Kpi::FillRate
                    | Kpi::OnTimeDelivery
                    | Kpi::CancellationRate
                    | Kpi::AttendanceRate
                    | Kpi::CompletionRate
                    | Kpi::ClientSatisfaction
            ),
            r if r.is_staff() => !k.is_finance() || caller.sees_finance(),
            _ => false,
        })
        .collect()
}

fn day(name: &'static str, raw: &str) -> Result<Option<NaiveDate>, AppError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| AppError::BadParameter {
            name,
            message: format!(
                "'{}' is not a date (expected YYYY-MM-DD)",
                raw.trim().chars().take(20).collect::<String>()
            ),
        })
}

/// The period asked for: `from`..`until`, the month of `from`, or the current month.
pub fn days_of(q: &ReportQuery, today: NaiveDate) -> Result<Days, AppError> {
    let from = day("from", &q.from)?;
    let until = day("until", &q.until)?;
    let month = |d: NaiveDate| Days::preset("month", d);
    let days = match (from, until) {
        (Some(from), Some(until)) => Some(Days { from, until }),
        (Some(from), None) => month(from).map(|m| Days { from, ..m }),
        (None, Some(until)) => month(until).map(|m| Days { until, ..m }),
        (None, None) => month(today),
    }
    .ok_or(AppError::BadParameter {
        name: "from",
        message: "the period lies outside the calendar".into(),
    })?;
    if days.until < days.from {
        return Err(AppError::BadParameter {
            name: "until",
            message: "the period must end on or after its first day".into(),
        });
    }
    if (days.until - days.from).num_days() >= MAX_DAYS {
        return Err(AppError::BadParameter {
            name: "until",
            message: format!("a report covers at most {MAX_DAYS} days"),
        });
    }
    Ok(days)
}

/// The filter the caller may use: a client contact only their client, an instructor only
/// themselves; learners see no reports.
pub(crate) fn scoped(caller: &Caller, q: &ReportQuery) -> Result<KpiFilter, AppError> {
    let mode = match q.mode.trim() {
        "" => None,
        m => Some(DeliveryMode::parse(m).map_err(|e| AppError::BadParameter {
            name: "mode",
            message: e.english,
        })?),
    };
    let mut f = KpiFilter {
        client_id: q.client_id,
        course_id: q.course_id,
        instructor_id: q.instructor_id,
        venue_id: q.venue_id,
        mode,
        ..Default::default()
    };
    match caller.role {
        r if r.is_staff() => {}
        Role::ClientContact => f.client_id = Some(caller.client_id.unwrap_or(-1)),
        Role::Instructor => f.instructor_id = Some(caller.instructor_id.unwrap_or(-1)),
        _ => return Err(AppError::Forbidden("see operations reports".into())),
    }
    Ok(f)
}

/// Where the figures' rows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Sessions counted in groups from the figures kept on each session row (migration 0037):
    /// what the pages and the API read.
    Facts,
    /// One row per session counted from the raw enrollments, status changes and audit events:
    /// the reference the tests hold the facts to.
    RawRows,
}

/// The rows of the sessions starting in `f`'s period; `bounds` are the instants where a new slice
/// of the fill chart starts (the groups of [`Source::Facts`] keep to them).
async fn rows(
    app: &App,
    f: &KpiFilter,
    as_of: i64,
    bounds: &[i64],
    source: Source,
) -> Result<Rows, AppError> {
    Ok(match source {
        Source::Facts => {
            // Each family on its own connection: the reads run side by side (SQLite's readers
            // too, each connection has its own thread).
            let people = async {
                let mut conn = app.store.read().await?;
                let instructors = repo::availability(&mut conn, f).await?;
                let satisfaction = trainyard_store::satisfaction::ratings(&mut conn, f).await?;
                Ok::<_, AppError>((instructors, satisfaction))
            };
            let groups = async {
                let mut conn = app.store.read().await?;
                Ok::<_, AppError>(
                    repo::session_groups(&mut conn, f, repo::Grouping { as_of, bounds }).await?,
                )
            };
            let taught = async {
                let mut conn = app.store.read().await?;
                Ok::<_, AppError>(repo::taught_minutes(&mut conn, f).await?)
            };
            let ((instructors, satisfaction), (sessions, admin), taught) =
                tokio::try_join!(people, groups, taught)?;
            // The heat map's rows are the only teaching read part by part.
            let heat: Vec<i64> = heat_rows(&instructors, |i| taught.contains_key(&i))
                .map(|i| i.instructor_id)
                .collect();
            let mut conn = app.store.read().await?;
            Rows {
                sessions,
                teaching: repo::teaching(&mut conn, f, Some(&heat)).await?,
                taught: Some(taught),
                instructors,
                admin,
                satisfaction,
            }
        }
        Source::RawRows => {
            let mut conn = app.store.read().await?;
            Rows {
                instructors: repo::availability(&mut conn, f).await?,
                satisfaction: trainyard_store::satisfaction::ratings(&mut conn, f).await?,
                sessions: repo::sessions(&mut conn, f).await?,
                teaching: repo::teaching(&mut conn, f, None).await?,
                taught: None,
                admin: repo::admin_effort(&mut conn, f).await?,
            }
        }
    })
}

/// The instructors of the heat map: the first [`HEAT_ROWS`] with a working pattern or teaching.
fn heat_rows<'a>(
    instructors: &'a [kpi::InstructorRow],
    teaches: impl Fn(i64) -> bool + 'a,
) -> impl Iterator<Item = &'a kpi::InstructorRow> + 'a {
    instructors
        .iter()
        .filter(move |i| !i.working_hours.is_empty() || teaches(i.instructor_id))
        .take(HEAT_ROWS)
}

/// The finance KPIs (cost per learner, profitability) of `days` from the sessions delivered in
/// it, narrowed by the report's slices, with their currency; `None` when the caller does not see
/// them.
async fn finance_ratios(
    app: &App,
    tz: &TimeZoneName,
    days: &Days,
    f: &KpiFilter,
    source: Source,
    shown: bool,
) -> Result<Option<Option<(Ratio, Ratio, trainyard_core::Currency)>>, AppError> {
    if !shown {
        return Ok(None);
    }
    Ok(Some(
        crate::costs::kpi_ratios(app, tz, days, f, source).await?,
    ))
}

/// Puts the finance KPIs found into `figures`; returns their currency.
fn put_finance(
    figures: &mut kpi::Figures,
    found: Option<(Ratio, Ratio, trainyard_core::Currency)>,
) -> Option<trainyard_core::Currency> {
    figures.cost_per_learner = Some(found.map_or(Ratio::default(), |x| x.0));
    figures.profitability = Some(found.map_or(Ratio::default(), |x| x.1));
    found.map(|x| x.2)
}

/// Monday-to-Sunday weeks (or calendar months) covering `days`, clipped to it.
fn slices(days: Days, by_month: bool) -> Vec<Days> {
    let mut out = Vec::new();
    let mut from = days.from;
    while from <= days.until {
        let next = if by_month {
            NaiveDate::from_ymd_opt(from.year(), from.month(), 1)
                .and_then(|m| m.checked_add_months(Months::new(1)))
                .unwrap_or(days.until + Duration::days(1))
        } else {
            from + Duration::days(7 - i64::from(from.weekday().num_days_from_monday()))
        };
        let until = (next - Duration::days(1)).min(days.until);
        out.push(Days { from, until });
        from = until + Duration::days(1);
    }
    out
}

/// The KPIs of a period and its comparison period, as `caller` may see them.
#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn kpis(app: &App, caller: &Caller, q: &ReportQuery) -> Result<KpiReport, AppError> {
    kpis_at(app, caller, q, now_ms(), Source::Facts).await
}

/// [`kpis`] as of `now`, from the rows of `source` (the tests compare the two sources).
pub async fn kpis_at(
    app: &App,
    caller: &Caller,
    q: &ReportQuery,
    now: i64,
    source: Source,
) -> Result<KpiReport, AppError> {
    let f = scoped(caller, q)?;
    let compare = Compare::parse(&q.compare)?;
    let tz = TimeZoneName::parse_or_utc(&caller.time_zone);
    let days = days_of(q, tz.local(now).date_naive())?;
    let comparison = days.compared(compare);
    let period = days.period(&tz);
    let by_month = (days.until - days.from).num_days() > 13 * 7;
    let fill_slices = slices(days, by_month);
    let bounds: Vec<i64> = fill_slices
        .iter()
        .skip(1)
        .map(|d| d.period(&tz).from_ms)
        .collect();
    let shown = visible(caller);
    let sees_finance = shown.iter().any(|k| k.is_finance());
    let current_filter = KpiFilter {
        from_ms: period.from_ms,
        until_ms: period.until_ms,
        ..f.clone()
    };
    // The period's and its comparison's rows read side by side, beside their finance figures
    // (those one period after the other: each first brings its period's figures up to date).
    let compared_rows = async {
        match comparison {
            Some(c) => {
                let p = c.period(&tz);
                let filter = KpiFilter {
                    from_ms: p.from_ms,
                    until_ms: p.until_ms,
                    ..f.clone()
                };
                Ok::<_, AppError>(Some((p, rows(app, &filter, now, &[], source).await?)))
            }
            None => Ok(None),
        }
    };
    let finance = async {
        let current = finance_ratios(app, &tz, &days, &f, source, sees_finance).await?;
        let compared = match comparison {
            Some(c) => finance_ratios(app, &tz, &c, &f, source, sees_finance).await?,
            None => None,
        };
        Ok::<_, AppError>((current, compared))
    };
    if source == Source::Facts {
        crate::kpi_kept::refresh(app).await?;
    }
    let (current, compared, (current_finance, compared_finance)) = tokio::try_join!(
        rows(app, &current_filter, now, &bounds, source),
        compared_rows,
        finance
    )?;
    let compared = compared.map(|(p, r)| (p, r, compared_finance));
    let mut figures = kpi::figures(period, now, &current);
    let currency = current_finance.and_then(|found| put_finance(&mut figures, found));
    let before = compared.map(|(p, r, finance)| {
        let mut b = kpi::figures(p, now, &r);
        if let Some(found) = finance {
            let cur = put_finance(&mut b, found);
            if cur != currency && currency.is_some() {
                // Another main currency: the figures do not compare.
                b.cost_per_learner = None;
                b.profitability = None;
            }
        }
        b
    });
    let tiles = shown
        .iter()
        .map(|&k| {
            let figure = k.of(&figures);
            let comparison = before.as_ref().and_then(|b| k.of(b));
            let format = |r: Ratio| match (k, currency) {
                (Kpi::CostPerLearner, Some(c)) => trainyard_core::costs::per(r)
                    .map(|m| trainyard_core::money::Money::new(m, c).to_string()),
                _ => k.format(r),
            };
            Tile {
                kpi: k,
                title: k.title(),
                definition: k.definition(),
                figure,
                value: figure.and_then(format),
                comparison,
                comparison_value: comparison.and_then(format),
                arrives_with: k.arrives_with(),
            }
        })
        .collect();
    let sees = |k: Kpi| shown.contains(&k);
    let fill_over_time = if sees(Kpi::FillRate) {
        fill_slices
            .into_iter()
            .map(|d| FillBucket {
                days: d,
                fill_rate: kpi::fill_rate(d.period(&tz), &current.sessions),
            })
            .collect()
    } else {
        Vec::new()
    };
    let weeks = slices(days, false);
    let utilization_by_week = if sees(Kpi::InstructorUtilization) {
        // Each row reads only its instructor's teaching (a year holds 100,000 parts).
        let mut teaching_of: HashMap<i64, Vec<kpi::TeachingRow>> = HashMap::new();
        for t in &current.teaching {
            teaching_of
                .entry(t.instructor_id)
                .or_default()
                .push(t.clone());
        }
        let teaches = |i: i64| match &current.taught {
            Some(taught) => taught.contains_key(&i),
            None => teaching_of.contains_key(&i),
        };
        heat_rows(&current.instructors, teaches)
            .map(|i| {
                let mine = teaching_of
                    .get(&i.instructor_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                HeatRow {
                    instructor_id: i.instructor_id,
                    name: i.name.clone(),
                    weeks: weeks
                        .iter()
                        .map(|w| kpi::utilization(w.period(&tz), mine, std::slice::from_ref(i)).0)
                        .collect(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(KpiReport {
        time_zone: tz.as_str().to_owned(),
        period: days,
        comparison,
        tiles,
        cancellations_by_reason: if sees(Kpi::CancellationRate) {
            figures.cancellations_by_reason
        } else {
            Vec::new()
        },
        fill_over_time,
        weeks: if sees(Kpi::InstructorUtilization) {
            weeks
        } else {
            Vec::new()
        },
        utilization_by_week,
    })
}

/// The report as CSV: one line per KPI, then one per cancellation reason; empty cells where
/// there is no data.
pub fn csv(r: &KpiReport) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "kpi",
        "title",
        "from",
        "until",
        "numerator",
        "denominator",
        "value",
        "comparison_numerator",
        "comparison_denominator",
        "comparison_value",
    ]);
    let num = |r: Option<Ratio>, n: bool| {
        r.map(|r| if n { r.numerator } else { r.denominator }.to_string())
            .unwrap_or_default()
    };
    let (from, until) = (r.period.from.to_string(), r.period.until.to_string());
    for t in &r.tiles {
        let title = match t.arrives_with {
            Some(w) => format!("{} (arrives with {w})", t.title),
            None => t.title.to_owned(),
        };
        let _ = w.write_record([
            t.kpi_key(),
            &title,
            &from,
            &until,
            &num(t.figure, true),
            &num(t.figure, false),
            t.value.as_deref().unwrap_or(""),
            &num(t.comparison, true),
            &num(t.comparison, false),
            t.comparison_value.as_deref().unwrap_or(""),
        ]);
    }
    for c in &r.cancellations_by_reason {
        let label = c.reason.map(|x| x.label()).unwrap_or("Not recorded");
        let key = format!(
            "cancellations_by_reason.{}",
            c.reason.map(|x| x.as_str()).unwrap_or("not_recorded")
        );
        let _ = w.write_record([
            key.as_str(),
            label,
            &from,
            &until,
            &c.sessions.to_string(),
            "",
            "",
            "",
            "",
            "",
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

impl Tile {
    pub fn kpi_key(&self) -> &'static str {
        self.kpi.key()
    }
}

/// What a coordinator types into "Log admin time".
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AdminTimeFields {
    pub minutes: String,
    pub note: String,
}

/// Records minutes of admin work on a session (audited), for the admin-time KPI.
#[tracing::instrument(skip(app, caller, fields), fields(user = caller.user_id))]
pub async fn log_admin_time(
    app: &App,
    caller: &Caller,
    session_id: i64,
    fields: &AdminTimeFields,
) -> Result<AdminTime, AppError> {
    caller.require_operations("log admin time")?;
    let mut inv = Invalid::new();
    let minutes = match fields.minutes.trim().parse::<i64>() {
        Ok(m) if (1..=24 * 60).contains(&m) => m,
        _ => {
            inv.add(
                "minutes",
                "Enter the minutes spent, a whole number from 1 to 1440",
            );
            0
        }
    };
    let note = fields.note.trim();
    if note.chars().count() > 500 {
        inv.add("note", "Keep the note under 500 characters");
    }
    if !inv.errors.is_empty() {
        return Err(inv.into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    // Written first: the session row is the one this change guards.
    trainyard_store::sessions::touch(&mut tx, session_id)
        .await
        .about("session")?;
    let entry = repo::log_admin_time(&mut tx, session_id, caller.user_id, minutes, note, now)
        .await
        .about("session")?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.admin_time_logged",
        ("session", session_id),
        None,
        Some(&entry),
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}

/// Minutes logged on one session, for its page.
pub async fn admin_minutes(app: &App, caller: &Caller, session_id: i64) -> Result<i64, AppError> {
    caller.require_staff("see admin time")?;
    let mut conn = app.store.read().await?;
    Ok(repo::admin_minutes_of(&mut conn, session_id).await?)
}

/// The label of a cancellation reason, "Not recorded" for none.
pub fn reason_label(r: Option<StatusReason>) -> &'static str {
    r.map(|x| x.label()).unwrap_or("Not recorded")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn comparison_periods() {
        let q1 = Days::preset("quarter", d("2026-02-14")).unwrap();
        assert_eq!((q1.from, q1.until), (d("2026-01-01"), d("2026-03-31")));
        let prev = q1.compared(Compare::Previous).unwrap();
        assert_eq!((prev.from, prev.until), (d("2025-10-01"), d("2025-12-31")));
        let feb = Days::preset("month", d("2026-02-14")).unwrap();
        let ly = feb.compared(Compare::LastYear).unwrap();
        assert_eq!((ly.from, ly.until), (d("2025-02-01"), d("2025-02-28")));
        let odd = Days {
            from: d("2026-03-10"),
            until: d("2026-03-19"),
        };
        let prev = odd.compared(Compare::Previous).unwrap();
        assert_eq!((prev.from, prev.until), (d("2026-02-28"), d("2026-03-09")));
        assert_eq!(odd.compared(Compare::None), None);
    }

    #[test]
    fn weeks_are_monday_to_sunday_clipped_to_the_period() {
        let march = Days::preset("month", d("2026-03-05")).unwrap();
        let weeks = slices(march, false);
        assert_eq!(weeks.first().unwrap().until, d("2026-03-01")); // a Sunday
        assert_eq!(weeks[1].from, d("2026-03-02"));
        assert_eq!(weeks.last().unwrap().until, d("2026-03-31"));
        assert_eq!(weeks.len(), 6);
        let year = Days::preset("year", d("2026-03-05")).unwrap();
        assert_eq!(slices(year, true).len(), 12);
    }
}
