//! The rules that decide whether an instructor can be confirmed on a session, or a resource booked
//! for it — explained in the coordinator's words. Pure: the app layer loads the facts, these
//! functions judge them. The database guards (exclusion constraints / triggers) back up the
//! overlap rules under concurrency; everything else is decided here.

use crate::time::{Interval, TimeZoneName};
use chrono::{Datelike, NaiveDate, Timelike};
use std::collections::{BTreeSet, HashMap};

/// Whether a manager may override a problem (with a recorded reason) or nobody may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Physically impossible: a double booking, too little travel time, an exhausted pool.
    Hard,
    /// A rule a manager may waive with a reason: qualification, time off, limits, contract.
    Overridable,
}

/// One scheduling rule a change breaks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = SchedulingProblem)]
pub struct Problem {
    /// A stable name of the rule, e.g. `instructor_overlap`, `travel_time`, `room_double_booked`.
    pub rule: &'static str,
    pub severity: Severity,
    /// What is wrong, in words for a coordinator.
    pub message: String,
    /// The catalogue key of `message` (`conflict-…`) for a page in its reader's language; empty
    /// when it has none. Not part of the API.
    #[serde(skip)]
    pub key: &'static str,
    /// The arguments of the catalogue's sentence. Not part of the API.
    #[serde(skip)]
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    /// A problem said in English only.
    pub fn new(rule: &'static str, severity: Severity, message: String) -> Self {
        Self {
            rule,
            severity,
            message,
            key: "",
            args: Vec::new(),
        }
    }
    /// A problem in the catalogue's words (build `said` with [`crate::refusal!`]).
    pub fn said(rule: &'static str, severity: Severity, said: crate::refusal::Refusal) -> Self {
        Self {
            rule,
            severity,
            message: said.english,
            key: said.key,
            args: said.args,
        }
    }
    fn hard(rule: &'static str, said: crate::refusal::Refusal) -> Self {
        Self::said(rule, Severity::Hard, said)
    }
    fn soft(rule: &'static str, said: crate::refusal::Refusal) -> Self {
        Self::said(rule, Severity::Overridable, said)
    }
}

/// Something already occupying the instructor or resource: a part of another session.
#[derive(Debug, Clone)]
pub struct Busy {
    pub interval: Interval,
    pub venue_id: Option<i64>,
    pub venue_name: Option<String>,
    /// "S-00044 Excel Advanced"
    pub label: String,
    /// For pooled resources: how many units it holds.
    pub quantity: i64,
}

/// A part of the session being checked, where it happens.
#[derive(Debug, Clone)]
pub struct PlannedPart {
    pub interval: Interval,
    pub venue_id: Option<i64>,
    pub venue_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Qualification {
    pub course_id: Option<i64>,
    pub skill: Option<String>,
    pub valid_from: i64,
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct InstructorFacts {
    pub name: String,
    pub time_zone: TimeZoneName,
    pub course_id: i64,
    pub course_label: String,
    pub required_skill: Option<String>,
    pub parts: Vec<PlannedPart>,
    /// Confirmed teaching of this instructor around the parts (other sessions only).
    pub busy: Vec<Busy>,
    /// Minutes from one venue to another.
    pub travel_minutes: HashMap<(i64, i64), i64>,
    pub qualifications: Vec<Qualification>,
    pub time_off: Vec<(Interval, String)>,
    pub max_days_week: i64,
    pub max_days_month: i64,
    /// Contract validity windows (from, to); empty when the instructor has no contract on file.
    pub contracts: Vec<(i64, Option<i64>)>,
    /// Weekly working pattern (weekday 1 = Monday, local start and end minute); empty = no pattern.
    pub working_hours: Vec<(u32, i64, i64)>,
}

fn hm(tz: &TimeZoneName, ms: i64) -> String {
    tz.local(ms).format("%H:%M").to_string()
}

fn day(tz: &TimeZoneName, ms: i64) -> String {
    tz.local(ms).format("%a %d %b %Y").to_string()
}

/// Every reason the instructor cannot be confirmed on the planned parts.
pub fn check_instructor(f: &InstructorFacts) -> Vec<Problem> {
    let tz = &f.time_zone;
    let mut out = Vec::new();
    for p in &f.parts {
        for b in &f.busy {
            if p.interval.overlaps(&b.interval) {
                out.push(Problem::hard(
                    "instructor_overlap",
                    crate::refusal!(
                        "conflict-instructor-overlap",
                        "{name} is teaching {session} on {day} from {from} to {to}.",
                        name = f.name,
                        session = b.label,
                        day = day(tz, b.interval.start_ms),
                        from = hm(tz, b.interval.start_ms),
                        to = hm(tz, b.interval.end_ms)
                    ),
                ));
                continue;
            }
            // Travel between different venues, applied on both sides.
            let (Some(pv), Some(bv)) = (p.venue_id, b.venue_id) else {
                continue;
            };
            if pv == bv {
                continue;
            }
            let place =
                |name: &Option<String>| name.clone().unwrap_or_else(|| "the other venue".into());
            if b.interval.end_ms <= p.interval.start_ms {
                let need = f.travel_minutes.get(&(bv, pv)).copied().unwrap_or(0);
                let gap = (p.interval.start_ms - b.interval.end_ms) / 60_000;
                if gap < need {
                    out.push(Problem::hard(
                        "travel_time",
                        crate::refusal!(
                            "conflict-travel-before",
                            "{name} is teaching {session} in {venue} until {until}; travel to {to} needs {need} minutes, but the part starts {gap} minutes later.",
                            name = f.name,
                            session = b.label,
                            venue = place(&b.venue_name),
                            until = hm(tz, b.interval.end_ms),
                            to = place(&p.venue_name),
                            need = need,
                            gap = gap
                        ),
                    ));
                }
            } else if p.interval.end_ms <= b.interval.start_ms {
                let need = f.travel_minutes.get(&(pv, bv)).copied().unwrap_or(0);
                let gap = (b.interval.start_ms - p.interval.end_ms) / 60_000;
                if gap < need {
                    out.push(Problem::hard(
                        "travel_time",
                        crate::refusal!(
                            "conflict-travel-after",
                            "{name} must be in {venue} for {session} at {at}; travel from {from} needs {need} minutes, but only {gap} are left after this part.",
                            name = f.name,
                            venue = place(&b.venue_name),
                            session = b.label,
                            at = hm(tz, b.interval.start_ms),
                            from = place(&p.venue_name),
                            need = need,
                            gap = gap
                        ),
                    ));
                }
            }
        }
        if !f.working_hours.is_empty() {
            let start = tz.local(p.interval.start_ms);
            let end = tz.local(p.interval.end_ms);
            let weekday = start.weekday().number_from_monday();
            let minute =
                |t: &chrono::DateTime<chrono_tz::Tz>| i64::from(t.hour() * 60 + t.minute());
            let fits = f.working_hours.iter().any(|(d, from, to)| {
                *d == weekday
                    && start.date_naive() == end.date_naive()
                    && minute(&start) >= *from
                    && minute(&end) <= *to
            });
            if !fits {
                out.push(Problem::soft(
                    "outside_working_hours",
                    crate::refusal!(
                        "conflict-working-hours",
                        "{name} does not work {day} {from}–{to} (outside their working pattern).",
                        name = f.name,
                        day = day(tz, p.interval.start_ms),
                        from = hm(tz, p.interval.start_ms),
                        to = hm(tz, p.interval.end_ms)
                    ),
                ));
            }
        }
        for (off, reason) in &f.time_off {
            if p.interval.overlaps(off) {
                out.push(Problem::soft(
                    "time_off",
                    crate::refusal!(
                        "conflict-time-off",
                        "{name} is unavailable ({reason}) on {day}.",
                        name = f.name,
                        reason = reason.to_lowercase(),
                        day = day(tz, p.interval.start_ms)
                    ),
                ));
            }
        }
    }
    // Qualified on every day of the session: for the course, or for the course's skill.
    let first = f
        .parts
        .iter()
        .map(|p| p.interval.start_ms)
        .min()
        .unwrap_or(0);
    let last = f.parts.iter().map(|p| p.interval.end_ms).max().unwrap_or(0);
    let valid = |q: &Qualification| q.valid_from <= first && q.expires_at.is_none_or(|e| e >= last);
    let matches = |q: &Qualification| {
        q.course_id == Some(f.course_id)
            || (q.skill.is_some()
                && f.required_skill.is_some()
                && q.skill
                    .as_deref()
                    .zip(f.required_skill.as_deref())
                    .is_some_and(|(a, b)| crate::Skill::same(a, b)))
    };
    if !f.qualifications.iter().any(|q| matches(q) && valid(q)) {
        let expired = f
            .qualifications
            .iter()
            .filter(|q| matches(q))
            .filter_map(|q| q.expires_at)
            .max();
        out.push(Problem::soft(
            "not_qualified",
            match expired {
                Some(e) if e < last => crate::refusal!(
                    "conflict-qualification-expired",
                    "{name}'s qualification for {course} expired on {day}.",
                    name = f.name,
                    course = f.course_label,
                    day = day(tz, e)
                ),
                _ => crate::refusal!(
                    "conflict-not-qualified",
                    "{name} is not qualified to teach {course}.",
                    name = f.name,
                    course = f.course_label
                ),
            },
        ));
    }
    if !f.contracts.is_empty()
        && !f
            .contracts
            .iter()
            .any(|(from, to)| *from <= first && to.is_none_or(|t| t >= last))
    {
        out.push(Problem::soft(
            "contract",
            crate::refusal!(
                "conflict-contract",
                "{name} has no contract valid on {day}.",
                name = f.name,
                day = day(tz, first)
            ),
        ));
    }
    out.extend(check_limits(f));
    out
}

fn check_limits(f: &InstructorFacts) -> Vec<Problem> {
    let tz = &f.time_zone;
    let days = |ivs: &mut dyn Iterator<Item = Interval>| -> BTreeSet<NaiveDate> {
        ivs.map(|i| tz.local(i.start_ms).date_naive()).collect()
    };
    let new_days = days(&mut f.parts.iter().map(|p| p.interval));
    let taught = days(&mut f.busy.iter().map(|b| b.interval));
    let mut out = Vec::new();
    let mut weeks_seen = BTreeSet::new();
    let mut months_seen = BTreeSet::new();
    for d in &new_days {
        let week = d.iso_week();
        if weeks_seen.insert((week.year(), week.week())) {
            let n = taught
                .union(&new_days)
                .filter(|x| x.iso_week() == week)
                .count() as i64;
            if n > f.max_days_week {
                out.push(Problem::soft(
                    "weekly_limit",
                    crate::refusal!(
                        "conflict-week-limit",
                        "{name} would teach {n} days in week {week} of {year} (limit {max}).",
                        name = f.name,
                        n = n,
                        week = week.week(),
                        year = week.year(),
                        max = f.max_days_week
                    ),
                ));
            }
        }
        if months_seen.insert((d.year(), d.month())) {
            let n = taught
                .union(&new_days)
                .filter(|x| x.year() == d.year() && x.month() == d.month())
                .count() as i64;
            if n > f.max_days_month {
                out.push(Problem::soft(
                    "monthly_limit",
                    crate::refusal!(
                        "conflict-month-limit",
                        "{name} would teach {n} days in {month} (limit {max}).",
                        name = f.name,
                        n = n,
                        month = d.format("%B %Y"),
                        max = f.max_days_month
                    ),
                ));
            }
        }
    }
    out
}

/// A day nobody teaches: a public holiday (no venue) or a day one venue is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureDay {
    pub day: NaiveDate,
    pub name: String,
    pub venue_id: Option<i64>,
    /// The venue's name, for the explanation.
    pub venue_name: Option<String>,
}

/// Every part that falls on a closure day, reading the parts' days in the session's zone. A
/// closure binds like time off: a manager may override it with a reason (a training on a holiday
/// can be agreed), nobody else.
pub fn check_closures(
    tz: &TimeZoneName,
    parts: &[Interval],
    venue_id: Option<i64>,
    closures: &[ClosureDay],
) -> Vec<Problem> {
    closures_on(tz, parts, venue_id, closures)
        .into_iter()
        .map(|c| {
            let when = c.day.format("%a %d %b %Y");
            Problem::soft(
                "closure",
                match (&c.venue_id, &c.venue_name) {
                    (Some(_), Some(v)) => crate::refusal!(
                        "conflict-venue-closed",
                        "{venue} is closed on {day} ({closure}).",
                        venue = v,
                        day = when,
                        closure = c.name
                    ),
                    _ => crate::refusal!(
                        "conflict-closure-day",
                        "{day} is a closure day ({closure}).",
                        day = when,
                        closure = c.name
                    ),
                },
            )
        })
        .collect()
}

/// The closure days the parts fall on (each once), reading the parts' days in `tz`: the
/// company-wide ones and those of `venue_id`.
pub fn closures_on<'a>(
    tz: &TimeZoneName,
    parts: &[Interval],
    venue_id: Option<i64>,
    closures: &'a [ClosureDay],
) -> Vec<&'a ClosureDay> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for p in parts {
        let first = tz.local(p.start_ms).date_naive();
        // A part ending at midnight does not touch the next day.
        let last = tz.local(p.end_ms - 1).date_naive();
        for c in closures {
            let applies = c.venue_id.is_none() || c.venue_id == venue_id;
            if applies && first <= c.day && c.day <= last && seen.insert((c.day, c.name.clone())) {
                out.push(c);
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct ResourceFacts {
    pub name: String,
    pub kind: crate::status::ResourceKind,
    pub time_zone: TimeZoneName,
    /// Units in the pool (1 for a room).
    pub quantity: i64,
    pub seats: i64,
    pub features: Vec<String>,
    pub requested_quantity: i64,
    pub capacity: i64,
    pub required_features: Vec<String>,
    pub parts: Vec<Interval>,
    /// Confirmed bookings of this resource by other sessions around the parts.
    pub busy: Vec<Busy>,
}

/// Every reason the resource cannot be confirmed for the planned parts.
pub fn check_resource(f: &ResourceFacts) -> Vec<Problem> {
    use crate::status::ResourceKind;
    let tz = &f.time_zone;
    let mut out = Vec::new();
    if f.kind == ResourceKind::Room {
        for p in &f.parts {
            for b in f.busy.iter().filter(|b| b.interval.overlaps(p)) {
                out.push(Problem::hard(
                    "room_double_booked",
                    crate::refusal!(
                        "conflict-room-booked",
                        "{room} is booked for {session} on {day} from {from} to {to}.",
                        room = f.name,
                        session = b.label,
                        day = day(tz, b.interval.start_ms),
                        from = hm(tz, b.interval.start_ms),
                        to = hm(tz, b.interval.end_ms)
                    ),
                ));
            }
        }
        if f.seats < f.capacity {
            out.push(Problem::hard(
                "room_too_small",
                crate::refusal!(
                    "conflict-room-too-small",
                    "{room} seats {seats}, but the session is for {capacity}.",
                    room = f.name,
                    seats = f.seats,
                    capacity = f.capacity
                ),
            ));
        }
        let missing: Vec<&String> = f
            .required_features
            .iter()
            .filter(|r| !f.features.contains(r))
            .collect();
        if !missing.is_empty() {
            out.push(Problem::hard(
                "missing_feature",
                crate::refusal!(
                    "conflict-missing-feature",
                    "{room} has no {features} (the course needs it).",
                    room = f.name,
                    features = missing
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    } else {
        if f.requested_quantity > f.quantity {
            out.push(Problem::hard(
                "pool_exceeded",
                crate::refusal!(
                    "conflict-pool-exceeded",
                    "{pool} has only {quantity} in the pool; {asked} were asked for.",
                    pool = f.name,
                    quantity = f.quantity,
                    asked = f.requested_quantity
                ),
            ));
            return out;
        }
        for p in &f.parts {
            // The most units in use at any instant of the part: check at every start inside it.
            let overlapping: Vec<&Busy> =
                f.busy.iter().filter(|b| b.interval.overlaps(p)).collect();
            let mut instants: Vec<i64> = overlapping
                .iter()
                .map(|b| b.interval.start_ms.max(p.start_ms))
                .collect();
            instants.push(p.start_ms);
            let peak = instants
                .iter()
                .map(|t| {
                    overlapping
                        .iter()
                        .filter(|b| b.interval.start_ms <= *t && *t < b.interval.end_ms)
                        .map(|b| b.quantity)
                        .sum::<i64>()
                })
                .max()
                .unwrap_or(0);
            if peak + f.requested_quantity > f.quantity {
                let who: Vec<&str> = overlapping.iter().map(|b| b.label.as_str()).collect();
                out.push(Problem::hard(
                    "pool_exhausted",
                    crate::refusal!(
                        "conflict-pool-exhausted",
                        "{pool}: {peak} of {quantity} already in use on {day} {from}–{to} ({sessions}); {asked} more do not fit.",
                        pool = f.name,
                        peak = peak,
                        quantity = f.quantity,
                        day = day(tz, p.start_ms),
                        from = hm(tz, p.start_ms),
                        to = hm(tz, p.end_ms),
                        sessions = who.join(", "),
                        asked = f.requested_quantity
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;
    // 2026-03-09 00:00 UTC, a Monday.
    const MON: i64 = 1_773_014_400_000;

    fn iv(a: i64, b: i64) -> Interval {
        Interval::new(MON + a * H, MON + b * H).unwrap()
    }

    fn facts() -> InstructorFacts {
        InstructorFacts {
            name: "Anna".into(),
            time_zone: TimeZoneName::parse("UTC").unwrap(),
            course_id: 1,
            course_label: "Excel Advanced".into(),
            required_skill: Some("excel".into()),
            parts: vec![PlannedPart {
                interval: iv(13, 17),
                venue_id: Some(2),
                venue_name: Some("Berlin".into()),
            }],
            busy: Vec::new(),
            travel_minutes: HashMap::from([((1, 2), 90), ((2, 1), 90)]),
            qualifications: vec![Qualification {
                course_id: None,
                skill: Some("excel".into()),
                valid_from: 0,
                expires_at: None,
            }],
            time_off: Vec::new(),
            max_days_week: 4,
            max_days_month: 14,
            contracts: Vec::new(),
            working_hours: Vec::new(),
        }
    }

    fn busy(a: i64, b: i64, venue: i64) -> Busy {
        Busy {
            interval: iv(a, b),
            venue_id: Some(venue),
            venue_name: Some(if venue == 1 {
                "Potsdam".into()
            } else {
                "Berlin".into()
            }),
            label: "S-00007 Excel Basics".into(),
            quantity: 1,
        }
    }

    #[test]
    fn a_free_qualified_instructor_passes() {
        assert_eq!(check_instructor(&facts()), vec![]);
    }

    #[test]
    fn overlap_and_travel_are_hard_and_explained() {
        let mut f = facts();
        f.busy = vec![busy(9, 14, 2)];
        let p = check_instructor(&f);
        assert_eq!(p[0].rule, "instructor_overlap");
        assert_eq!(p[0].severity, Severity::Hard);
        f.busy = vec![busy(9, 12, 1)];
        let p = check_instructor(&f);
        assert_eq!(p.len(), 1);
        assert_eq!(
            p[0].message,
            "Anna is teaching S-00007 Excel Basics in Potsdam until 12:00; travel to Berlin needs 90 minutes, but the part starts 60 minutes later."
        );
    }

    #[test]
    fn touching_at_the_same_venue_is_fine_but_not_across_town() {
        let mut f = facts();
        f.busy = vec![busy(9, 13, 2)];
        assert_eq!(check_instructor(&f), vec![]);
        f.busy = vec![busy(9, 13, 1)];
        assert_eq!(check_instructor(&f)[0].rule, "travel_time");
    }

    #[test]
    fn qualification_time_off_and_limits_are_overridable() {
        let mut f = facts();
        f.qualifications[0].expires_at = Some(MON);
        f.time_off = vec![(iv(0, 24), "Holiday".into())];
        f.max_days_week = 1;
        f.busy = vec![Busy {
            interval: Interval::new(MON + 24 * H + 9 * H, MON + 24 * H + 11 * H).unwrap(),
            ..busy(0, 1, 2)
        }];
        let rules: Vec<&str> = check_instructor(&f).iter().map(|p| p.rule).collect();
        assert_eq!(rules, vec!["time_off", "not_qualified", "weekly_limit"]);
        assert!(
            check_instructor(&f)
                .iter()
                .all(|p| p.severity == Severity::Overridable)
        );
    }

    fn room() -> ResourceFacts {
        ResourceFacts {
            name: "Spree room".into(),
            kind: crate::status::ResourceKind::Room,
            time_zone: TimeZoneName::parse("UTC").unwrap(),
            quantity: 1,
            seats: 12,
            features: vec!["projector".into()],
            requested_quantity: 1,
            capacity: 12,
            required_features: vec!["projector".into()],
            parts: vec![iv(9, 12)],
            busy: Vec::new(),
        }
    }

    #[test]
    fn rooms_double_booked_too_small_or_missing_features() {
        assert_eq!(check_resource(&room()), vec![]);
        let mut r = room();
        r.busy = vec![busy(12, 15, 2)];
        assert_eq!(check_resource(&r), vec![], "touching is not a conflict");
        r.busy = vec![busy(11, 15, 2)];
        r.capacity = 20;
        r.required_features.push("whiteboard".into());
        let rules: Vec<&str> = check_resource(&r).iter().map(|p| p.rule).collect();
        assert_eq!(
            rules,
            vec!["room_double_booked", "room_too_small", "missing_feature"]
        );
    }

    #[test]
    fn pools_never_exceed_their_quantity() {
        let mut r = room();
        r.kind = crate::status::ResourceKind::Platform;
        r.quantity = 3;
        r.busy = vec![busy(9, 10, 2), busy(9, 12, 2), busy(10, 11, 2)];
        assert_eq!(check_resource(&r), vec![], "at most 2 at once");
        r.busy.push(busy(9, 11, 2));
        assert_eq!(check_resource(&r)[0].rule, "pool_exhausted");
        r.busy.clear();
        r.requested_quantity = 4;
        assert_eq!(check_resource(&r)[0].rule, "pool_exceeded");
    }
}

#[cfg(test)]
mod closure_tests {
    use super::*;

    #[test]
    fn parts_on_a_closure_day_are_overridable_and_named() {
        let mon = 1_773_014_400_000i64; // Monday 2026-03-09 00:00 UTC
        let h = 3_600_000;
        let tz = TimeZoneName::parse("Europe/Berlin").unwrap();
        let parts = vec![Interval::new(mon + 8 * h, mon + 16 * h).unwrap()];
        let day = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        let holiday = ClosureDay {
            day,
            name: "Founders' Day".into(),
            venue_id: None,
            venue_name: None,
        };
        let p = check_closures(&tz, &parts, Some(1), std::slice::from_ref(&holiday));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].rule, "closure");
        assert_eq!(p[0].severity, Severity::Overridable);
        assert!(p[0].message.contains("Founders' Day"), "{}", p[0].message);
        let other_venue = ClosureDay {
            venue_id: Some(2),
            venue_name: Some("Potsdam".into()),
            ..holiday.clone()
        };
        assert_eq!(
            check_closures(&tz, &parts, Some(1), std::slice::from_ref(&other_venue)),
            vec![]
        );
        let p = check_closures(&tz, &parts, Some(2), &[other_venue]);
        assert_eq!(
            p[0].message,
            "Potsdam is closed on Mon 09 Mar 2026 (Founders' Day)."
        );
        let next_day = ClosureDay {
            day: day.succ_opt().unwrap(),
            ..holiday
        };
        assert_eq!(check_closures(&tz, &parts, Some(1), &[next_day]), vec![]);
    }
}

#[cfg(test)]
mod working_pattern_tests {
    use super::*;

    #[test]
    fn parts_outside_the_working_pattern_are_overridable_problems() {
        let mon = 1_773_014_400_000i64; // Monday 2026-03-09 00:00 UTC
        let h = 3_600_000;
        let mut f = InstructorFacts {
            name: "Anna".into(),
            time_zone: TimeZoneName::parse("UTC").unwrap(),
            course_id: 1,
            course_label: "X".into(),
            required_skill: None,
            parts: vec![PlannedPart {
                interval: Interval::new(mon + 9 * h, mon + 17 * h).unwrap(),
                venue_id: None,
                venue_name: None,
            }],
            busy: vec![],
            travel_minutes: HashMap::new(),
            qualifications: vec![Qualification {
                course_id: Some(1),
                skill: None,
                valid_from: 0,
                expires_at: None,
            }],
            time_off: vec![],
            max_days_week: 5,
            max_days_month: 20,
            contracts: vec![],
            working_hours: vec![(1, 8 * 60, 18 * 60)],
        };
        assert_eq!(check_instructor(&f), vec![]);
        f.working_hours = vec![(2, 8 * 60, 18 * 60)];
        let p = check_instructor(&f);
        assert_eq!(p[0].rule, "outside_working_hours");
        assert_eq!(p[0].severity, Severity::Overridable);
    }
}
