//! The revenue and cost kept per delivered session (migration 0045): recomputed with the rules of
//! `core::costs` for the sessions the database marked stale, then summed by the database for the
//! profitability report, the finance KPIs and the morning lists.

use crate::costs::finance_of;
use crate::{App, AppError};
use chrono::{Datelike, Months, NaiveDate};
use trainyard_core::TimeZoneName;
use trainyard_core::costs::{DimKey, Dimension, ProfitRow, ProfitSum, id_key};
use trainyard_core::kpi::Period;
use trainyard_core::status::DeliveryMode;
use trainyard_store::costs::{self as costs_repo, Scope};
use trainyard_store::finance_facts::{self as repo, Fact, FactFilter, FactSum, Grouping};

/// Sessions recomputed per transaction: a write lock held for a moment, not for the whole year.
const CHUNK: i64 = 1000;

/// Recomputes the figures of the delivered sessions (ending in `window`, all when `None`) that are
/// marked stale or were never kept, chunk by chunk, and forgets the figures of marked sessions
/// no longer delivered (or archived); returns how many sessions it touched.
pub async fn refresh(app: &App, window: Option<(i64, i64)>) -> Result<usize, AppError> {
    let mut done = 0;
    loop {
        let mut tx = app.store.write().await?;
        let dropped = repo::drop_undelivered(&mut tx, CHUNK).await?;
        let ids = repo::take_stale(&mut tx, window, CHUNK).await?;
        if ids.is_empty() && dropped == 0 {
            tx.rollback().await?;
            return Ok(done);
        }
        let facts: Vec<Fact> = costs_repo::read(&mut tx, Scope::Ids(&ids))
            .await?
            .into_iter()
            .map(|sc| {
                let lead = sc.lead.as_ref().map(|l| l.0);
                let f = finance_of(sc);
                Fact {
                    session_id: f.session_id,
                    revenue_minor: f.revenue.minor,
                    cost_minor: f.totals.total.minor,
                    lead_instructor_id: lead,
                }
            })
            .collect();
        repo::keep(&mut tx, &facts).await?;
        tx.commit().await?;
        done += ids.len() + dropped;
        if (ids.len() as i64) < CHUNK && (dropped as i64) < CHUNK {
            return Ok(done);
        }
    }
}

/// The background pass: every stale delivered session recomputed, the marks of sessions no longer
/// delivered forgotten. Returns how many sessions it touched.
pub async fn refresh_all(app: &App) -> Result<usize, AppError> {
    refresh(app, None).await
}

/// The months of `[from, until]` as `YYYY-MM` with the instant each month after the first starts
/// in `tz` (the slices the database groups by).
fn months(tz: &TimeZoneName, from: NaiveDate, until: NaiveDate) -> (Vec<String>, Vec<i64>) {
    let mut labels = Vec::new();
    let mut bounds = Vec::new();
    let mut m = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
    while m <= until {
        if !labels.is_empty() {
            bounds.push(Period::local_days(tz, m, m).from_ms);
        }
        labels.push(m.format("%Y-%m").to_string());
        match m.checked_add_months(Months::new(1)) {
            Some(next) => m = next,
            None => break,
        }
    }
    (labels, bounds)
}

/// A drill-down key as a filter; `None` when no session can have it (a made-up key).
pub(crate) fn narrow(
    mut f: FactFilter,
    tz: &TimeZoneName,
    d: Dimension,
    key: &str,
) -> Option<FactFilter> {
    let id = || -> Option<Option<i64>> {
        if key.is_empty() {
            Some(None)
        } else {
            key.parse::<i64>().ok().map(Some)
        }
    };
    match d {
        Dimension::Course => f.course_id = Some(key.parse().ok()?),
        Dimension::Client => f.client_id = Some(id()?),
        Dimension::Program => f.program_id = Some(id()?),
        Dimension::Instructor => f.lead_instructor_id = Some(id()?),
        Dimension::Venue => f.venue_id = Some(id()?),
        Dimension::Mode => f.mode = Some(DeliveryMode::parse(key).ok()?),
        Dimension::Session => f.session_id = Some(key.parse().ok()?),
        Dimension::Month => {
            let first = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d").ok()?;
            if first.format("%Y-%m").to_string() != key {
                return None;
            }
            let next = first.checked_add_months(Months::new(1))?;
            f.from_ms = f.from_ms.max(Period::local_days(tz, first, first).from_ms);
            f.until_ms = f.until_ms.min(Period::local_days(tz, next, next).from_ms);
        }
    }
    Some(f)
}

/// The sums of the sessions `f` selects, one per group of `by` (every session one group when
/// `by` is `None`) and currency, keyed as [`ProfitRow::key`] keys them.
pub(crate) async fn sums(
    app: &App,
    tz: &TimeZoneName,
    days: (NaiveDate, NaiveDate),
    f: &FactFilter,
    by: Option<Dimension>,
) -> Result<Vec<ProfitSum>, AppError> {
    let (month_labels, bounds) = months(tz, days.0, days.1);
    let grouping = match by {
        None => Grouping::Nothing,
        Some(Dimension::Course) => Grouping::Course,
        Some(Dimension::Client) => Grouping::Client,
        Some(Dimension::Program) => Grouping::Program,
        Some(Dimension::Instructor) => Grouping::LeadInstructor,
        Some(Dimension::Venue) => Grouping::Venue,
        Some(Dimension::Mode) => Grouping::Mode,
        Some(Dimension::Month) => Grouping::Slices(&bounds),
        Some(Dimension::Session) => Grouping::Session,
    };
    let mut conn = app.store.read().await?;
    let found = repo::sums(&mut conn, f, grouping).await?;
    Ok(found
        .into_iter()
        .map(|s| sum_of(s, by, &month_labels))
        .collect())
}

fn sum_of(s: FactSum, by: Option<Dimension>, months: &[String]) -> ProfitSum {
    let key = match by {
        None => DimKey {
            key: String::new(),
            label: String::new(),
        },
        Some(Dimension::Mode) => DimKey {
            key: s.mode.map(|m| m.as_str()).unwrap_or_default().to_owned(),
            label: s.mode.map(|m| m.label()).unwrap_or_default().to_owned(),
        },
        Some(Dimension::Month) => {
            let m =
                s.id.and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| months.get(i))
                    .cloned()
                    .unwrap_or_default();
            DimKey {
                key: m.clone(),
                label: m,
            }
        }
        Some(d) => id_key(
            &s.id.map(|i| (i, s.label.clone().unwrap_or_default())),
            d.none_label(),
        ),
    };
    ProfitSum {
        key,
        currency: s.currency,
        sessions: s.sessions,
        learners: s.learners,
        revenue_minor: s.revenue_minor,
        cost_minor: s.cost_minor,
    }
}

/// The sessions `f` selects as profit rows (months read in `tz`).
pub(crate) async fn rows(
    app: &App,
    tz: &TimeZoneName,
    f: &FactFilter,
) -> Result<Vec<ProfitRow>, AppError> {
    let mut conn = app.store.read().await?;
    Ok(repo::rows(&mut conn, f)
        .await?
        .into_iter()
        .map(|r| ProfitRow {
            session_id: r.session_id,
            reference: r.reference,
            month: tz.local(r.ends_at).format("%Y-%m").to_string(),
            ends_at: r.ends_at,
            currency: r.currency,
            revenue_minor: r.revenue_minor,
            cost_minor: r.cost_minor,
            learners: r.learners,
            course: r.course,
            client: r.client,
            program: r.program,
            instructor: r.lead,
            venue: r.venue,
            mode: r.mode,
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_start_at_local_midnight_of_each_month_after_the_first() {
        let tz = TimeZoneName::parse_or_utc("Europe/Berlin");
        let (labels, bounds) = months(&tz, day("2026-01-15"), day("2026-03-02"));
        assert_eq!(labels, ["2026-01", "2026-02", "2026-03"]);
        // 1 February and 1 March 2026, 00:00 in Berlin (UTC+1).
        assert_eq!(bounds, [1_769_900_400_000, 1_772_319_600_000]);
        let (labels, bounds) = months(&tz, day("2026-05-01"), day("2026-05-31"));
        assert_eq!(labels, ["2026-05"]);
        assert!(bounds.is_empty());
    }

    #[test]
    fn a_drill_down_key_narrows_or_selects_nothing() {
        let tz = TimeZoneName::parse_or_utc("UTC");
        let all = FactFilter {
            from_ms: 0,
            until_ms: i64::MAX,
            ..Default::default()
        };
        let f = narrow(all.clone(), &tz, Dimension::Client, "").unwrap();
        assert_eq!(
            f.client_id,
            Some(None),
            "the empty key is the public sessions"
        );
        let f = narrow(all.clone(), &tz, Dimension::Venue, "7").unwrap();
        assert_eq!(f.venue_id, Some(Some(7)));
        let f = narrow(all.clone(), &tz, Dimension::Month, "2026-02").unwrap();
        assert_eq!(
            (f.from_ms, f.until_ms),
            (1_769_904_000_000, 1_772_323_200_000)
        );
        for (d, key) in [
            (Dimension::Course, ""),
            (Dimension::Course, "x"),
            (Dimension::Month, "2026-13"),
            (Dimension::Month, "2026-2"),
            (Dimension::Mode, "teleport"),
        ] {
            assert!(narrow(all.clone(), &tz, d, key).is_none(), "{key}");
        }
    }
}
