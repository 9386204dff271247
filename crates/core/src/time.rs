//! Instants are UTC milliseconds since the epoch; every session, venue and person carries an IANA
//! time zone for display and for turning a local wall-clock time into an instant.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;

/// An IANA time zone name known to the compiled-in tz database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZoneName(Tz);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("'{0}' is not a known IANA time zone (for example Europe/Berlin)")]
    UnknownZone(String),
    #[error("'{0}' is not a date and time (expected YYYY-MM-DDTHH:MM)")]
    BadLocal(String),
    #[error("{time} does not exist in {zone}: the clocks skip it for daylight saving time")]
    InDstGap { time: String, zone: String },
    #[error("'{0}' is not an RFC 3339 timestamp (for example 2026-03-09T09:00:00+01:00)")]
    BadInstant(String),
    #[error("must end after it starts")]
    EndNotAfterStart,
    #[error("is longer than {max_hours} hours")]
    TooLong { max_hours: i64 },
}

impl TimeZoneName {
    pub fn parse(raw: &str) -> Result<Self, TimeError> {
        let s = raw.trim();
        s.parse::<Tz>()
            .map(Self)
            .map_err(|_| TimeError::UnknownZone(s.chars().take(60).collect()))
    }

    /// Coordinated Universal Time.
    pub fn utc() -> Self {
        Self(Tz::UTC)
    }

    /// The zone named `raw`, or UTC when it names none (for stored names shown back, which
    /// were checked when written).
    pub fn parse_or_utc(raw: &str) -> Self {
        Self::parse(raw).unwrap_or_else(|_| Self::utc())
    }

    pub fn tz(&self) -> Tz {
        self.0
    }

    pub fn as_str(&self) -> &'static str {
        self.0.name()
    }

    /// Converts a local wall-clock time in this zone to UTC milliseconds. In the autumn overlap
    /// the earlier instant is taken; a time inside the spring gap is refused.
    pub fn local_to_utc_ms(&self, local: NaiveDateTime) -> Result<i64, TimeError> {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) => Ok(t.timestamp_millis()),
            LocalResult::Ambiguous(a, _) => Ok(a.timestamp_millis()),
            LocalResult::None => Err(TimeError::InDstGap {
                time: local.format("%Y-%m-%d %H:%M").to_string(),
                zone: self.as_str().to_owned(),
            }),
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM` (as an HTML datetime-local field sends it) in this zone.
    pub fn parse_local(&self, raw: &str) -> Result<i64, TimeError> {
        let s = raw.trim();
        let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
            .map_err(|_| TimeError::BadLocal(s.chars().take(40).collect()))?;
        self.local_to_utc_ms(naive)
    }

    pub fn local(&self, utc_ms: i64) -> DateTime<Tz> {
        utc(utc_ms).with_timezone(&self.0)
    }

    /// "2026-03-09 09:00 CET" style display.
    pub fn display(&self, utc_ms: i64) -> String {
        self.local(utc_ms).format("%Y-%m-%d %H:%M %Z").to_string()
    }

    /// The value for an HTML datetime-local input.
    pub fn input_value(&self, utc_ms: i64) -> String {
        self.local(utc_ms).format("%Y-%m-%dT%H:%M").to_string()
    }

    /// UTC milliseconds of local midnight starting `date` in this zone.
    pub fn start_of_day_ms(&self, date: NaiveDate) -> i64 {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        match self.0.from_local_datetime(&midnight) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
            // A zone whose DST change happens at midnight: the day starts an hour later.
            LocalResult::None => self
                .0
                .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
                .map(|t| t.timestamp_millis())
                .unwrap_or_else(|| midnight.and_utc().timestamp_millis()),
        }
    }
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub fn utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

pub fn rfc3339(ms: i64) -> String {
    utc(ms).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn parse_rfc3339(raw: &str) -> Result<i64, TimeError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| TimeError::BadInstant(raw.chars().take(40).collect()))
}

/// A half-open interval `[start, end)` of UTC milliseconds. Touching intervals do not overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// The longest single session part we accept: a part is a teaching block, not a holiday.
pub const MAX_PART_HOURS: i64 = 14;

impl Interval {
    pub fn new(start_ms: i64, end_ms: i64) -> Result<Self, TimeError> {
        if end_ms <= start_ms {
            return Err(TimeError::EndNotAfterStart);
        }
        Ok(Self { start_ms, end_ms })
    }

    /// A session part: positive and at most [`MAX_PART_HOURS`] long.
    pub fn part(start_ms: i64, end_ms: i64) -> Result<Self, TimeError> {
        let i = Self::new(start_ms, end_ms)?;
        if i.minutes() > MAX_PART_HOURS * 60 {
            return Err(TimeError::TooLong {
                max_hours: MAX_PART_HOURS,
            });
        }
        Ok(i)
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start_ms < other.end_ms && other.start_ms < self.end_ms
    }

    pub fn minutes(&self) -> i64 {
        (self.end_ms - self.start_ms) / 60_000
    }
}

impl serde::Serialize for TimeZoneName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    #[test]
    fn unknown_zone_is_named() {
        let e = TimeZoneName::parse("Mars/Olympus").unwrap_err();
        assert_eq!(
            e.to_string(),
            "'Mars/Olympus' is not a known IANA time zone (for example Europe/Berlin)"
        );
    }

    #[test]
    fn nine_in_berlin_stays_nine_across_dst() {
        let berlin = TimeZoneName::parse("Europe/Berlin").unwrap();
        let before = berlin.parse_local("2026-03-27T09:00").unwrap();
        let after = berlin.parse_local("2026-03-30T09:00").unwrap();
        assert_eq!(berlin.local(before).hour(), 9);
        assert_eq!(berlin.local(after).hour(), 9);
        assert_eq!(utc(before).hour(), 8);
        assert_eq!(utc(after).hour(), 7);
    }

    #[test]
    fn a_time_in_the_spring_gap_is_refused() {
        let berlin = TimeZoneName::parse("Europe/Berlin").unwrap();
        assert!(matches!(
            berlin.parse_local("2026-03-29T02:30"),
            Err(TimeError::InDstGap { .. })
        ));
    }

    #[test]
    fn touching_intervals_do_not_overlap() {
        let a = Interval::new(0, 10).unwrap();
        let b = Interval::new(10, 20).unwrap();
        assert!(!a.overlaps(&b));
        assert!(a.overlaps(&Interval::new(9, 11).unwrap()));
    }

    #[test]
    fn parts_are_bounded() {
        assert_eq!(Interval::part(10, 10), Err(TimeError::EndNotAfterStart));
        assert_eq!(
            Interval::part(0, 30 * 24 * 3_600_000),
            Err(TimeError::TooLong { max_hours: 14 })
        );
    }
}
