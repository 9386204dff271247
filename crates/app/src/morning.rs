//! The morning lists (issue 17 §4): sessions of today and the next 7 days with open problems,
//! instructors over or under the target utilization over the same days, and clients whose admin
//! effort is out of proportion to their revenue over the last 90 days. The rules are
//! `trainyard_core::morning`; this module reads the rows and decides who sees what: operations
//! staff see the sessions and instructors lists, the clients list (revenue) only those who see
//! finance figures.

use crate::reporting::Days;
use crate::{App, AppError, Caller, now_ms};
use chrono::{Duration, NaiveDate};
use std::collections::HashMap;
use trainyard_core::kpi::{Period, Ratio};
use trainyard_core::money::Money;
use trainyard_core::morning::{
    self as rules, Effort, LoadStanding, SessionProblem, UtilizationBand,
};
use trainyard_core::status::DeliveryMode;
use trainyard_core::{Currency, TimeZoneName};
use trainyard_store::kpi::{self as kpi_repo, KpiFilter};

/// Days after today the sessions and instructors lists look ahead.
pub const AHEAD_DAYS: i64 = 7;
/// Days before today the clients list looks back.
pub const BACK_DAYS: i64 = 90;

/// The filters of the morning lists, as text from a query string.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct MorningQuery {
    /// Only this client's sessions (and only this client in the clients list).
    #[serde(deserialize_with = "trainyard_store::row::empty_as_none")]
    pub client_id: Option<i64>,
    /// Only this course's sessions.
    #[serde(deserialize_with = "trainyard_store::row::empty_as_none")]
    pub course_id: Option<i64>,
    /// Only sessions this instructor teaches, and only this instructor's utilization.
    #[serde(deserialize_with = "trainyard_store::row::empty_as_none")]
    pub instructor_id: Option<i64>,
    /// Only sessions at this venue.
    #[serde(deserialize_with = "trainyard_store::row::empty_as_none")]
    pub venue_id: Option<i64>,
    /// Only sessions delivered this way.
    #[param(value_type = Option<DeliveryMode>)]
    pub mode: String,
    /// Only sessions with this problem.
    #[param(value_type = Option<SessionProblem>)]
    pub problem: String,
    /// The sessions' order: `starts` (soonest first, the default), `-starts`, `problems` (most
    /// problems first).
    pub sort: String,
}

/// An upcoming session with open problems.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct SessionProblems {
    pub session_id: i64,
    pub reference: String,
    pub course_id: i64,
    pub course_title: String,
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    pub venue_id: Option<i64>,
    pub venue_name: Option<String>,
    #[serde(serialize_with = "trainyard_store::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    /// The session's own time zone.
    pub time_zone: String,
    pub booked: i64,
    pub min_learners: i64,
    pub problems: Vec<SessionProblem>,
}

/// An instructor outside the target band over the days ahead.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct InstructorLoad {
    pub instructor_id: i64,
    pub name: String,
    /// Teaching minutes (accepted or confirmed) inside the days.
    pub teaching_minutes: i64,
    /// Working-pattern minutes less time off inside the days.
    pub available_minutes: i64,
    /// Teaching ÷ available as a percentage ("42.5"); `null` without available hours.
    pub utilization_percent: Option<String>,
    pub standing: LoadStanding,
}

/// A client whose admin effort is out of proportion to their revenue.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ClientEffort {
    pub client_id: i64,
    pub name: String,
    /// Their sessions delivered in the days looked back on.
    pub sessions: i64,
    pub staff_actions: i64,
    pub logged_minutes: i64,
    /// Logged minutes plus 3 per staff action.
    pub effort_minutes: i64,
    /// Revenue recognised on those sessions (per the profitability report).
    pub revenue: Money,
    /// Effort minutes per 1,000 of revenue (major units); `null` without revenue.
    pub minutes_per_thousand: Option<String>,
    /// The same figure for every client in this currency.
    pub overall_minutes_per_thousand: Option<String>,
}

/// The three lists.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct MorningLists {
    /// The time zone the days are read in (the reader's).
    pub time_zone: String,
    /// Today and the next 7 days: the sessions and instructors lists.
    pub ahead: Days,
    /// The last 90 days before today: the clients list.
    pub back: Days,
    pub band: UtilizationBand,
    pub sessions: Vec<SessionProblems>,
    pub instructors: Vec<InstructorLoad>,
    /// `null` for readers who do not see finance figures.
    pub clients: Option<Vec<ClientEffort>>,
    /// What the lists do not check yet.
    pub note: &'static str,
}

pub const NOTE: &str =
    "Overdue compliance items are not checked yet: they arrive with the compliance module.";

fn filter_of(q: &MorningQuery) -> Result<(KpiFilter, Option<SessionProblem>), AppError> {
    let mode = match q.mode.trim() {
        "" => None,
        m => Some(DeliveryMode::parse(m).map_err(|e| AppError::BadParameter {
            name: "mode",
            message: e.english,
        })?),
    };
    let problem = match q.problem.trim() {
        "" => None,
        p => Some(
            SessionProblem::parse(p).map_err(|message| AppError::BadParameter {
                name: "problem",
                message,
            })?,
        ),
    };
    if !matches!(q.sort.trim(), "" | "starts" | "-starts" | "problems") {
        return Err(AppError::BadParameter {
            name: "sort",
            message: "sort by starts, -starts or problems".into(),
        });
    }
    Ok((
        KpiFilter {
            client_id: q.client_id,
            course_id: q.course_id,
            instructor_id: q.instructor_id,
            venue_id: q.venue_id,
            mode,
            ..Default::default()
        },
        problem,
    ))
}

fn per_thousand(e: Effort, currency: Currency) -> Option<String> {
    // Minutes per 1,000 major units: minutes * 1,000 * 10^exponent / revenue in minor units.
    let scale = 1_000 * 10_i64.pow(currency.exponent());
    Ratio::new(e.minutes() * scale, e.revenue_minor).per(1)
}

/// The morning lists of `today` (in the caller's time zone) as `caller` may see them.
#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn morning_lists(
    app: &App,
    caller: &Caller,
    today: NaiveDate,
    q: &MorningQuery,
) -> Result<MorningLists, AppError> {
    caller.require_staff("see the morning lists")?;
    let (f, only) = filter_of(q)?;
    let tz = TimeZoneName::parse_or_utc(&caller.time_zone);
    let now = now_ms();
    let ahead = Days {
        from: today,
        until: today + Duration::days(AHEAD_DAYS),
    };
    let back = Days {
        from: today - Duration::days(BACK_DAYS),
        until: today - Duration::days(1),
    };
    let window = Period::local_days(&tz, ahead.from, ahead.until);
    let within = KpiFilter {
        from_ms: window.from_ms,
        until_ms: window.until_ms,
        ..f.clone()
    };
    let (upcoming, teaching, instructors, joining_hours) = {
        let mut conn = app.store.read().await?;
        let upcoming = trainyard_store::morning::upcoming(&mut conn, &within, now).await?;
        // Utilization over the whole operation's teaching, narrowed to one instructor at most.
        let people = KpiFilter {
            from_ms: window.from_ms,
            until_ms: window.until_ms,
            instructor_id: f.instructor_id,
            ..Default::default()
        };
        let teaching = kpi_repo::teaching(&mut conn, &people, None).await?;
        let instructors = kpi_repo::availability(&mut conn, &people).await?;
        let settings = trainyard_store::reminders::settings(&mut conn).await?;
        (upcoming, teaching, instructors, settings.joining_hours)
    };
    let mut sessions: Vec<SessionProblems> = upcoming
        .into_iter()
        .filter_map(|u| {
            let problems = rules::problems(&u.check, now, joining_hours);
            let keep = match only {
                Some(p) => problems.contains(&p),
                None => !problems.is_empty(),
            };
            if !keep {
                return None;
            }
            Some(SessionProblems {
                session_id: u.id,
                reference: u.reference,
                course_id: u.course_id,
                course_title: u.course_title,
                client_id: u.client_id,
                client_name: u.client_name,
                venue_id: u.venue_id,
                venue_name: u.venue_name,
                starts_at: u.check.starts_at,
                time_zone: u.time_zone,
                booked: u.check.booked,
                min_learners: u.check.min_learners,
                problems,
            })
        })
        .collect();
    match q.sort.trim() {
        "-starts" => sessions.reverse(),
        "problems" => sessions.sort_by(|a, b| {
            b.problems
                .len()
                .cmp(&a.problems.len())
                .then(a.starts_at.cmp(&b.starts_at))
        }),
        _ => {}
    }
    let band = UtilizationBand::default();
    let (_, per) = trainyard_core::kpi::utilization(window, &teaching, &instructors);
    let mut loads: Vec<InstructorLoad> = per
        .into_iter()
        .filter_map(|i| {
            let standing = rules::utilization_standing(i.utilization, band)?;
            Some(InstructorLoad {
                instructor_id: i.instructor_id,
                name: i.name,
                teaching_minutes: i.utilization.numerator,
                available_minutes: i.utilization.denominator,
                utilization_percent: i.utilization.percent(),
                standing,
            })
        })
        .collect();
    // Over target first (the most loaded first), then under target (the least loaded first).
    loads.sort_by(|a, b| {
        let key = |l: &InstructorLoad| match (l.standing, l.utilization_percent.as_deref()) {
            (LoadStanding::Over, None) => (0, -1.0e9),
            (LoadStanding::Over, Some(p)) => (0, -p.parse::<f64>().unwrap_or(0.0)),
            (LoadStanding::Under, p) => (1, p.and_then(|p| p.parse::<f64>().ok()).unwrap_or(0.0)),
        };
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0)
            .then(ka.1.partial_cmp(&kb.1).unwrap_or(std::cmp::Ordering::Equal))
            .then(a.name.cmp(&b.name))
    });
    let clients = if caller.sees_finance() {
        Some(client_efforts(app, &tz, back, f.client_id).await?)
    } else {
        None
    };
    Ok(MorningLists {
        time_zone: tz.as_str().to_owned(),
        ahead,
        back,
        band,
        sessions,
        instructors: loads,
        clients,
        note: NOTE,
    })
}

/// Clients out of proportion over `back`: effort and revenue of their sessions delivered in it.
async fn client_efforts(
    app: &App,
    tz: &TimeZoneName,
    back: Days,
    only: Option<i64>,
) -> Result<Vec<ClientEffort>, AppError> {
    let period = Period::local_days(tz, back.from, back.until);
    let rows = crate::costs::profit_rows(app, tz, period.from_ms, period.until_ms).await?;
    let admin = {
        let mut conn = app.store.read().await?;
        // Sessions that end in the period start at most a few weeks before it.
        kpi_repo::admin_effort_kept(
            &mut conn,
            &KpiFilter {
                from_ms: period.from_ms - 60 * 86_400_000,
                until_ms: period.until_ms,
                ..Default::default()
            },
        )
        .await?
    };
    let by_session: HashMap<i64, (i64, i64)> = admin
        .iter()
        .map(|a| (a.session_id, (a.staff_actions, a.minutes)))
        .collect();
    let mut per: HashMap<(i64, Currency), (String, i64, Effort)> = HashMap::new();
    let mut overall: HashMap<Currency, Effort> = HashMap::new();
    for r in &rows {
        let Some((client_id, name)) = &r.client else {
            continue;
        };
        let (actions, minutes) = by_session.get(&r.session_id).copied().unwrap_or((0, 0));
        let e = Effort {
            staff_actions: actions,
            logged_minutes: minutes,
            revenue_minor: r.revenue_minor,
        };
        overall.entry(r.currency).or_default().add(e);
        let slot = per
            .entry((*client_id, r.currency))
            .or_insert_with(|| (name.clone(), 0, Effort::default()));
        slot.1 += 1;
        slot.2.add(e);
    }
    let mut out: Vec<ClientEffort> = per
        .into_iter()
        .filter(|((id, _), _)| only.is_none_or(|o| o == *id))
        .filter_map(|((client_id, currency), (name, sessions, e))| {
            let all = overall.get(&currency).copied().unwrap_or_default();
            rules::out_of_proportion(e, all).then(|| ClientEffort {
                client_id,
                name,
                sessions,
                staff_actions: e.staff_actions,
                logged_minutes: e.logged_minutes,
                effort_minutes: e.minutes(),
                revenue: Money::new(e.revenue_minor, currency),
                minutes_per_thousand: per_thousand(e, currency),
                overall_minutes_per_thousand: per_thousand(all, currency),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.effort_minutes
            .cmp(&a.effort_minutes)
            .then(a.name.cmp(&b.name))
    });
    Ok(out)
}

/// The lists as CSV: one line per row of each list, the list named in the first column.
pub fn csv(m: &MorningLists) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "list",
        "id",
        "name",
        "starts_at",
        "problems",
        "booked",
        "minimum",
        "standing",
        "utilization_percent",
        "effort_minutes",
        "revenue",
        "currency",
        "minutes_per_thousand",
    ]);
    for s in &m.sessions {
        let name = match &s.client_name {
            Some(c) => format!("{} {} ({c})", s.reference, s.course_title),
            None => format!("{} {}", s.reference, s.course_title),
        };
        let _ = w.write_record([
            "sessions",
            &s.session_id.to_string(),
            &name,
            &trainyard_core::time::rfc3339(s.starts_at),
            &s.problems
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            &s.booked.to_string(),
            &s.min_learners.to_string(),
            "",
            "",
            "",
            "",
            "",
            "",
        ]);
    }
    for i in &m.instructors {
        let _ = w.write_record([
            "instructors",
            &i.instructor_id.to_string(),
            &i.name,
            "",
            "",
            "",
            "",
            i.standing.as_str(),
            i.utilization_percent.as_deref().unwrap_or(""),
            "",
            "",
            "",
            "",
        ]);
    }
    for c in m.clients.iter().flatten() {
        let _ = w.write_record([
            "clients",
            &c.client_id.to_string(),
            &c.name,
            "",
            "",
            "",
            "",
            "",
            "",
            &c.effort_minutes.to_string(),
            &c.revenue.amount_string(),
            c.revenue.currency.as_str(),
            c.minutes_per_thousand.as_deref().unwrap_or(""),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
