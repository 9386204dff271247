//! Saved report views and their e-mailed schedules (issue 17 §5): which reports a view may
//! name, the cadences, the recipients, and when a schedule next runs.

use crate::time::TimeZoneName;
use crate::{EmailAddress, Invalid};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime};

/// The reports a view can be saved for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// The operations KPIs (`/reports`).
    Kpis,
    /// The morning lists (`/reports/morning`).
    Morning,
    /// The profitability report (`/reports/profitability`, finance).
    Profitability,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [
        ReportKind::Kpis,
        ReportKind::Morning,
        ReportKind::Profitability,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Kpis => "kpis",
            ReportKind::Morning => "morning",
            ReportKind::Profitability => "profitability",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportKind::Kpis => "Operations KPIs",
            ReportKind::Morning => "Morning lists",
            ReportKind::Profitability => "Profitability",
        }
    }

    /// The page that shows it.
    pub fn path(self) -> &'static str {
        match self {
            ReportKind::Kpis => "/reports",
            ReportKind::Morning => "/reports/morning",
            ReportKind::Profitability => "/reports/profitability",
        }
    }

    pub fn parse(raw: &str) -> Result<ReportKind, String> {
        let raw = raw.trim();
        ReportKind::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                format!(
                    "'{}' is not a report (one of: kpis, morning, profitability)",
                    raw.chars().take(40).collect::<String>()
                )
            })
    }
}

/// How often a schedule sends.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every week on `day` (1 = Monday … 7 = Sunday).
    Weekly,
    /// Every month on `day` (1 to 28, so that every month has it).
    Monthly,
}

impl Cadence {
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
        }
    }

    pub fn parse(raw: &str) -> Result<Cadence, String> {
        match raw.trim() {
            "weekly" => Ok(Cadence::Weekly),
            "monthly" => Ok(Cadence::Monthly),
            other => Err(format!(
                "'{}' is not a cadence (one of: weekly, monthly)",
                other.chars().take(40).collect::<String>()
            )),
        }
    }
}

/// The most recipients one schedule sends to.
pub const MAX_RECIPIENTS: usize = 20;

/// A schedule as validated: every field a constructor has checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub cadence: Cadence,
    pub day: u32,
    pub time_of_day: NaiveTime,
    pub time_zone: TimeZoneName,
    pub recipients: Vec<EmailAddress>,
}

/// A schedule as typed (form or API), all text.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ScheduleFields {
    pub cadence: String,
    pub day: String,
    pub time_of_day: String,
    pub time_zone: String,
    /// Addresses separated by commas, semicolons, spaces or lines.
    pub recipients: String,
}

impl ScheduleFields {
    /// Parses every field, naming each one that is wrong.
    pub fn parse(&self) -> Result<Schedule, Invalid> {
        let mut inv = Invalid::new();
        let cadence = inv.check("cadence", Cadence::parse(&self.cadence));
        let day = match (cadence, self.day.trim().parse::<u32>()) {
            (Some(Cadence::Weekly), Ok(d)) if (1..=7).contains(&d) => Some(d),
            (Some(Cadence::Monthly), Ok(d)) if (1..=28).contains(&d) => Some(d),
            (Some(Cadence::Weekly), _) => {
                inv.add("day", "Choose a weekday: 1 (Monday) to 7 (Sunday)");
                None
            }
            (Some(Cadence::Monthly), _) => {
                inv.add("day", "Choose a day of the month from 1 to 28");
                None
            }
            (None, _) => None,
        };
        let time_of_day = match NaiveTime::parse_from_str(self.time_of_day.trim(), "%H:%M") {
            Ok(t) => Some(t),
            Err(_) => {
                inv.add("time_of_day", "Enter a time of day as HH:MM, e.g. 07:30");
                None
            }
        };
        let time_zone = inv.check("time_zone", TimeZoneName::parse(&self.time_zone));
        let mut recipients: Vec<EmailAddress> = Vec::new();
        let raw: Vec<&str> = self
            .recipients
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        if raw.is_empty() {
            inv.add("recipients", "Enter at least one e-mail address");
        } else if raw.len() > MAX_RECIPIENTS {
            inv.add(
                "recipients",
                format!("Send to at most {MAX_RECIPIENTS} addresses"),
            );
        } else {
            for r in raw {
                match EmailAddress::parse(r) {
                    Ok(a) if !recipients.contains(&a) => recipients.push(a),
                    Ok(_) => {}
                    Err(e) => {
                        inv.add("recipients", e.to_string());
                        break;
                    }
                }
            }
        }
        match (cadence, day, time_of_day, time_zone) {
            (Some(cadence), Some(day), Some(time_of_day), Some(time_zone)) if inv.is_empty() => {
                Ok(Schedule {
                    cadence,
                    day,
                    time_of_day,
                    time_zone,
                    recipients,
                })
            }
            _ => Err(inv),
        }
    }
}

impl Schedule {
    /// The first run strictly after `after_ms`: the next matching day at the time of day, in the
    /// schedule's zone (a time the clocks skip runs at the first instant after it).
    pub fn next_run_after(&self, after_ms: i64) -> i64 {
        let tz = &self.time_zone;
        let mut day = tz.local(after_ms).date_naive();
        // At most a month and a bit of days to look at.
        for _ in 0..62 {
            if self.runs_on(day) {
                let at = day.and_time(self.time_of_day);
                let ms = tz
                    .local_to_utc_ms(at)
                    .or_else(|_| tz.local_to_utc_ms(at + Duration::hours(1)))
                    .unwrap_or(i64::MAX);
                if ms > after_ms {
                    return ms;
                }
            }
            day += Duration::days(1);
        }
        i64::MAX
    }

    fn runs_on(&self, day: NaiveDate) -> bool {
        match self.cadence {
            Cadence::Weekly => day.weekday().number_from_monday() == self.day,
            Cadence::Monthly => day.day() == self.day,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fields(cadence: &str, day: &str) -> ScheduleFields {
        ScheduleFields {
            cadence: cadence.into(),
            day: day.into(),
            time_of_day: "07:30".into(),
            time_zone: "Europe/Berlin".into(),
            recipients: "ops@example.com, Boss@Example.com\nops@example.com".into(),
        }
    }

    #[test]
    fn schedules_parse_and_name_each_bad_field() {
        let s = fields("weekly", "1").parse().unwrap();
        assert_eq!(s.recipients.len(), 2);
        let e = fields("daily", "1").parse().unwrap_err();
        assert!(e.message_for("cadence").is_some());
        let e = fields("monthly", "31").parse().unwrap_err();
        assert!(e.message_for("day").is_some());
        let mut f = fields("weekly", "8");
        f.recipients = "not-an-address".into();
        f.time_of_day = "25:00".into();
        let e = f.parse().unwrap_err();
        for field in ["day", "recipients", "time_of_day"] {
            assert!(e.message_for(field).is_some(), "{field}");
        }
        assert!(ReportKind::parse("sales").is_err());
    }

    #[test]
    fn next_runs_in_the_schedules_zone() {
        let tz = TimeZoneName::parse("Europe/Berlin").unwrap();
        // Wednesday 2026-03-04 12:00 in Berlin.
        let now = tz
            .local_to_utc_ms(
                NaiveDate::from_ymd_opt(2026, 3, 4)
                    .unwrap()
                    .and_hms_opt(12, 0, 0)
                    .unwrap(),
            )
            .unwrap();
        let monday = fields("weekly", "1").parse().unwrap();
        let next = monday.next_run_after(now);
        assert_eq!(
            tz.local(next).naive_local().to_string(),
            "2026-03-09 07:30:00"
        );
        // Strictly after: a run at that very instant moves on a week.
        let after = monday.next_run_after(next);
        assert_eq!(
            tz.local(after).naive_local().to_string(),
            "2026-03-16 07:30:00"
        );
        let monthly = fields("monthly", "4").parse().unwrap();
        assert_eq!(
            tz.local(monthly.next_run_after(now))
                .naive_local()
                .to_string(),
            "2026-04-04 07:30:00"
        );
    }
}
