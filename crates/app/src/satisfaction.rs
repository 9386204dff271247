//! The client satisfaction KPI's drill-down: the sessions of the report's period and slices whose
//! feedback surveys someone answered, each with its operations ratings, so the tile's mean can be
//! checked by hand (the ratings of the listed sessions add up to the tile's figure).

use crate::reporting::{Days, ReportQuery, days_of, scoped};
use crate::{App, AppError, Caller, now_ms};
use trainyard_core::TimeZoneName;
use trainyard_core::kpi::{self, Kpi, Period, Ratio};
use trainyard_store::kpi::KpiFilter;
use trainyard_store::satisfaction as repo;

/// One session with answered surveys.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct SatisfactionSession {
    pub session_id: i64,
    pub reference: String,
    pub course_title: String,
    pub client_name: Option<String>,
    #[serde(serialize_with = "trainyard_store::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    /// The session's own time zone.
    pub time_zone: String,
    /// Survey invitations sent, and how many were answered.
    pub invited: i64,
    pub answered: i64,
    /// Sum of its operations ratings over their number.
    pub ratings: Ratio,
    /// The mean rating ("4.25"), `None` when no operations question was answered.
    pub average: Option<String>,
}

/// The answered surveys behind the client satisfaction tile.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct SatisfactionList {
    /// The time zone the days are read in (the reader's).
    pub time_zone: String,
    pub period: Days,
    /// The tile's figure: every listed session's ratings together.
    pub total: Ratio,
    pub average: Option<String>,
    pub sessions: Vec<SatisfactionSession>,
    /// More sessions than the list shows ([`repo::MAX_ANSWERED`]); the total counts them all.
    pub truncated: bool,
}

/// The sessions with answered surveys in the period, as `caller` may see them: staff all, a
/// client contact their client's sessions, an instructor the sessions they teach.
#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn answered(
    app: &App,
    caller: &Caller,
    q: &ReportQuery,
) -> Result<SatisfactionList, AppError> {
    let f = scoped(caller, q)?;
    let tz = TimeZoneName::parse_or_utc(&caller.time_zone);
    let days = days_of(q, tz.local(now_ms()).date_naive())?;
    let period = Period::local_days(&tz, days.from, days.until);
    let f = KpiFilter {
        from_ms: period.from_ms,
        until_ms: period.until_ms,
        ..f
    };
    let mut conn = app.store.read().await?;
    let ratings = repo::ratings(&mut conn, &f).await?;
    let listed = repo::answered_sessions(&mut conn, &f).await?;
    let total = kpi::client_satisfaction(period, &ratings);
    let truncated = listed.len() as i64 >= repo::MAX_ANSWERED;
    let sessions = listed
        .into_iter()
        .map(|s| {
            let mine: Vec<_> = ratings
                .iter()
                .filter(|r| r.session_id == s.id)
                .copied()
                .collect();
            let r = kpi::client_satisfaction(period, &mine);
            SatisfactionSession {
                session_id: s.id,
                reference: s.reference,
                course_title: s.course_title,
                client_name: s.client_name,
                starts_at: s.starts_at,
                time_zone: s.time_zone,
                invited: s.invited,
                answered: s.answered,
                ratings: r,
                average: Kpi::ClientSatisfaction.format(r),
            }
        })
        .collect();
    Ok(SatisfactionList {
        time_zone: tz.as_str().to_owned(),
        period: days,
        total,
        average: Kpi::ClientSatisfaction.format(total),
        sessions,
        truncated,
    })
}
