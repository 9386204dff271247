//! From the database to one planning problem, and from the planner's answer back to proposals.
//!
//! **The grid.** Days are the working days (Monday to Friday) from the first to the last day any
//! planned session may use; each day has two periods, the morning 09:00–12:30 and the afternoon
//! 13:30–17:00, local time. A full-day part takes both periods (09:00–17:00), a half-day part one.
//! A session's parts are laid in its own time zone (its venue's); a room's bookings and closures in
//! its venue's zone (exact: the sessions that meet it there use the same zone); an instructor's
//! time off and other teaching in the instructor's zone (exact for sessions in that zone, within
//! the zones' offset elsewhere); pooled resources in the zone of the first planned session.
//!
//! **What is planned.** Each target session needs `course.duration_days` parts within its
//! planning window, one instructor for all parts (qualified for the course or its skill for the
//! whole window, with a contract covering it when they have contracts on file), and for classroom
//! sessions a room at its venue that has the course's features and seats its capacity. Instructors'
//! time off and working pattern make periods unavailable; their other teaching (any live assignment
//! on a scheduled, confirmed or delivered session) is fixed and counts towards their weekly and
//! monthly limits; rooms booked by other sessions or closed are unavailable. Travel between venues
//! becomes whole periods: what does not fit in the lunch hour costs a period per started 3½ hours.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use trainyard_core::{Interval, TimeZoneName};
use trainyard_planner::plan::{
    self, Busy, Candidate, CapacityRule, Grid, Mode, Named, Placement, Problem, Reason, Slot,
    Weights,
};
use trainyard_store::planning::{self as repo, NoticeChange, ProposalNotice, ProposedPart};
use trainyard_store::sessions::{self, Session};
use trainyard_store::{Conn, courses, instructors, resources, venues};

use crate::AppError;
use trainyard_core::status::{DeliveryMode, ResourceKind};

/// Local start and end minute of each period of a day.
pub const PERIODS: [(u32, u32); 2] = [(9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60)];
/// Minutes between the morning and the afternoon: travel that fits here costs no period.
const LUNCH_MINUTES: i64 = 60;
const PERIOD_MINUTES: i64 = 210;
/// The planner's horizon is at most this many calendar days.
pub const MAX_HORIZON_DAYS: i64 = 400;

/// One session to place, as the caller chose it.
#[derive(Debug, Clone)]
pub struct Target {
    pub session: Session,
    /// First and last allowed day (in the session's zone).
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
    pub half_days: bool,
    /// Weekdays, cohort and pooled resource from its planning window.
    pub rules: WindowRules,
    /// For a repair: where it is now (its instructor and room ids, its parts).
    pub published: Option<Published>,
    /// For a repair: who has been told of where it is now, and whether the notice period holds it.
    pub promise: Option<Promise>,
}

/// The people already told of a published session: what moving it breaks, and who a change
/// would be told to.
#[derive(Debug, Clone, Default)]
pub struct Promise {
    /// Booked learners.
    pub learners: i64,
    /// The client whose own session it is (their contact was told), by name.
    pub client: Option<String>,
    /// Instructors asked or confirmed for it: (id, name).
    pub instructors: Vec<(i64, String)>,
    /// The notice period (days) it starts within, when that keeps its days and times.
    pub held_by_notice: Option<i64>,
}

impl Promise {
    /// How many people were told.
    pub fn told(&self) -> u32 {
        let n =
            self.learners.max(0) + i64::from(self.client.is_some()) + self.instructors.len() as i64;
        n.clamp(0, i64::from(u32::MAX)) as u32
    }
}

/// What a planning window adds to the dates: the days of the week it may and should run on, the
/// cohort it belongs to, and a pooled resource each part needs.
#[derive(Debug, Clone, Default)]
pub struct WindowRules {
    /// ISO weekday numbers (empty: any working day).
    pub weekdays: Vec<u32>,
    pub preferred_weekdays: Vec<u32>,
    pub cohort: String,
    pub pool_resource_id: Option<i64>,
}

impl From<&repo::PlanningWindow> for WindowRules {
    fn from(w: &repo::PlanningWindow) -> Self {
        WindowRules {
            weekdays: w.weekdays.clone(),
            preferred_weekdays: w.preferred_weekdays.clone(),
            cohort: w.cohort.clone(),
            pool_resource_id: w.pool_resource_id,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Published {
    pub instructor_id: Option<i64>,
    pub room_id: Option<i64>,
    pub parts: Vec<(i64, i64)>,
}

/// The problem and what its indices mean.
#[derive(Debug, Clone)]
pub struct Mapped {
    pub problem: Problem,
    pub days: Vec<NaiveDate>,
    pub grid_zone: TimeZoneName,
    pub targets: Vec<Target>,
    pub part_len: Vec<u32>,
    pub instructor_ids: Vec<i64>,
    pub instructor_names: Vec<String>,
    pub room_ids: Vec<i64>,
    pub room_names: Vec<String>,
    /// Per target: reasons found while mapping (shown beside the planner's own).
    pub notes: Vec<Vec<String>>,
}

fn zone(name: &str) -> TimeZoneName {
    TimeZoneName::parse_or_utc(name)
}

fn at(tz: &TimeZoneName, d: NaiveDate, minute: u32) -> i64 {
    let t = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or_default();
    tz.local_to_utc_ms(d.and_time(t))
        .unwrap_or_else(|_| tz.start_of_day_ms(d) + i64::from(minute) * 60_000)
}

/// The instants of a part starting in `period` of `day`, `len` periods long, in `tz`.
pub fn part_instants(tz: &TimeZoneName, day: NaiveDate, period: u32, len: u32) -> (i64, i64) {
    let first = PERIODS[(period as usize).min(PERIODS.len() - 1)];
    let last = PERIODS[((period + len.max(1) - 1) as usize).min(PERIODS.len() - 1)];
    (at(tz, day, first.0), at(tz, day, last.1))
}

/// The planner's weights for a training company: its defaults, except that a multi-day course
/// changing rooms between days is a real nuisance for learners and trainers (the ITC2007 default of
/// 1 per extra room is far too light next to day rates), and that a new instructor breaks a smaller
/// promise than a new date (the learners keep their day), so it weighs half a moved part.
pub fn weights() -> Weights {
    Weights {
        room_stability: 50,
        instructor_changed: 50,
        ..Weights::default()
    }
}

pub fn is_working_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Every grid period an interval touches: (day index, period).
fn periods_touched(
    days: &[NaiveDate],
    day_index: &HashMap<NaiveDate, u32>,
    tz: &TimeZoneName,
    start: i64,
    end: i64,
) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return out;
    };
    let from = tz.local(start).date_naive().max(*first);
    let to = tz.local(end).date_naive().min(*last);
    let mut d = from;
    while d <= to {
        if let Some(&di) = day_index.get(&d) {
            for (p, (a, b)) in PERIODS.iter().enumerate() {
                if at(tz, d, *a) < end && start < at(tz, d, *b) {
                    out.push((di, p as u32));
                }
            }
        }
        d += Duration::days(1);
    }
    out
}

/// Builds the problem for `targets` (draft sessions to place, or scheduled ones to repair).
pub async fn build(
    conn: &mut Conn,
    targets: Vec<Target>,
    weights: Weights,
) -> Result<Mapped, AppError> {
    let Some(first) = targets.first() else {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-plan-nothing",
            "There is nothing to plan: no draft session with a planning window matches."
        )));
    };
    let grid_zone = zone(&first.session.time_zone);
    let start = targets
        .iter()
        .map(|t| t.earliest)
        .min()
        .unwrap_or(first.earliest);
    let end = targets
        .iter()
        .map(|t| t.latest)
        .max()
        .unwrap_or(first.latest);
    if (end - start).num_days() > MAX_HORIZON_DAYS {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-plan-too-long",
            "The planning windows span more than {max} days ({start_day} to {end_day}); plan a shorter period.",
            max = MAX_HORIZON_DAYS,
            start_day = start,
            end_day = end
        )));
    }
    // Closure days: a company-wide one leaves the grid; a venue's closes that venue's rooms.
    let shut = trainyard_store::closures::between(conn, &start.to_string(), &end.to_string(), None)
        .await?;
    let shut_day =
        |c: &trainyard_store::closures::Closure| NaiveDate::parse_from_str(&c.day, "%Y-%m-%d").ok();
    let holidays: std::collections::HashSet<NaiveDate> = shut
        .iter()
        .filter(|c| c.venue_id.is_none())
        .filter_map(shut_day)
        .collect();
    let mut days = Vec::new();
    let mut d = start;
    while d <= end {
        if is_working_day(d) && !holidays.contains(&d) {
            days.push(d);
        }
        d += Duration::days(1);
    }
    if days.is_empty() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-plan-no-working-day",
            "The planning windows ({start_day} to {end_day}) contain no working day (Monday to Friday).",
            start_day = start,
            end_day = end
        )));
    }
    let day_index: HashMap<NaiveDate, u32> = days
        .iter()
        .enumerate()
        .map(|(i, d)| (*d, i as u32))
        .collect();
    let monday0 = days[0] - Duration::days(days[0].weekday().num_days_from_monday() as i64);
    let month0 = days[0].year() * 12 + days[0].month0() as i32;
    let grid = Grid {
        days: days.len() as u32,
        periods_per_day: PERIODS.len() as u32,
        week_of_day: days
            .iter()
            .map(|d| ((*d - monday0).num_days() / 7) as u32)
            .collect(),
        month_of_day: days
            .iter()
            .map(|d| (d.year() * 12 + d.month0() as i32 - month0).max(0) as u32)
            .collect(),
    };
    let horizon_from = grid_zone.start_of_day_ms(days[0]) - 86_400_000;
    let horizon_to = grid_zone.start_of_day_ms(*days.last().unwrap_or(&days[0])) + 2 * 86_400_000;
    let target_ids: Vec<i64> = targets.iter().map(|t| t.session.id).collect();

    // Locations: every venue, by index.
    let mut vf = venues::VenueFilter::default();
    vf.list.export = true;
    let venue_list = venues::list(conn, &vf).await?.items;
    let loc: HashMap<i64, usize> = venue_list
        .iter()
        .enumerate()
        .map(|(i, v)| (v.id, i))
        .collect();
    let travel_minutes = venues::travel_times(conn).await?;
    let travel = if travel_minutes.is_empty() {
        Vec::new()
    } else {
        let mut m = vec![vec![0u32; venue_list.len()]; venue_list.len()];
        for (a, b, minutes) in &travel_minutes {
            if let (Some(&i), Some(&j)) = (loc.get(a), loc.get(b)) {
                let over = (minutes - LUNCH_MINUTES).max(0);
                m[i][j] = ((over + PERIOD_MINUTES - 1) / PERIOD_MINUTES) as u32;
            }
        }
        m
    };

    // Instructors.
    let mut inf = instructors::InstructorFilter::default();
    inf.list.export = true;
    let inst_list = instructors::list(conn, &inf).await?.items;
    let inst_index: HashMap<i64, usize> = inst_list
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id, i))
        .collect();
    let mut quals: HashMap<i64, Vec<repo::QualificationRow>> = HashMap::new();
    for q in repo::qualifications(conn).await? {
        quals.entry(q.0).or_default().push(q);
    }
    let mut contracts: HashMap<i64, Vec<(i64, Option<i64>)>> = HashMap::new();
    for (i, from, to) in repo::contracts(conn).await? {
        contracts.entry(i).or_default().push((from, to));
    }
    let mut pattern: HashMap<i64, Vec<(i64, i64, i64)>> = HashMap::new();
    for (i, wd, a, b) in repo::working_hours(conn).await? {
        pattern.entry(i).or_default().push((wd, a, b));
    }
    let mut unavailable: Vec<Vec<u32>> = vec![Vec::new(); inst_list.len()];
    let ppd = PERIODS.len() as u32;
    // An instructor's absences and other teaching are laid on the grid in their own zone, a room's
    // bookings and closures in its venue's: exact for the sessions they meet there.
    let inst_zone: Vec<TimeZoneName> = inst_list.iter().map(|x| zone(&x.time_zone)).collect();
    for (i, a, b, _) in repo::time_off_between(conn, horizon_from, horizon_to).await? {
        if let Some(&k) = inst_index.get(&i) {
            for (di, p) in periods_touched(&days, &day_index, &inst_zone[k], a, b) {
                unavailable[k].push(di * ppd + p);
            }
        }
    }
    for (k, inst) in inst_list.iter().enumerate() {
        let Some(pat) = pattern.get(&inst.id) else {
            continue;
        };
        if pat.is_empty() {
            continue;
        }
        for (di, d) in days.iter().enumerate() {
            let wd = i64::from(d.weekday().number_from_monday());
            for (p, (a, b)) in PERIODS.iter().enumerate() {
                let fits = pat
                    .iter()
                    .any(|(w, s, e)| *w == wd && *s <= i64::from(*a) && i64::from(*b) <= *e);
                if !fits {
                    unavailable[k].push(di as u32 * ppd + p as u32);
                }
            }
        }
    }
    let mut busy: Vec<Vec<Busy>> = vec![Vec::new(); inst_list.len()];
    for (i, slot) in
        repo::teaching_between(conn, horizon_from, horizon_to, None, &target_ids).await?
    {
        let Some(&k) = inst_index.get(&i) else {
            continue;
        };
        let touched = periods_touched(
            &days,
            &day_index,
            &inst_zone[k],
            slot.starts_at,
            slot.ends_at,
        );
        let mut by_day: HashMap<u32, (u32, u32)> = HashMap::new();
        for (di, p) in touched {
            let e = by_day.entry(di).or_insert((p, p));
            e.0 = e.0.min(p);
            e.1 = e.1.max(p);
        }
        for (di, (a, b)) in by_day {
            busy[k].push(Busy {
                day: di,
                start: a,
                len: b - a + 1,
                location: slot.venue_id.and_then(|v| loc.get(&v).copied()),
            });
        }
    }
    let limit = |n: i64| (n > 0).then_some(n as u32);
    let instructors_p: Vec<plan::Instructor> = inst_list
        .iter()
        .enumerate()
        .map(|(k, x)| {
            let mut u = std::mem::take(&mut unavailable[k]);
            u.sort_unstable();
            u.dedup();
            plan::Instructor {
                id: format!("I{}", x.id),
                unavailable: u,
                home: x.home_venue_id.and_then(|v| loc.get(&v).copied()),
                max_parts_per_week: limit(x.max_days_week),
                max_parts_per_month: limit(x.max_days_month),
                busy: std::mem::take(&mut busy[k]),
            }
        })
        .collect();

    // Rooms.
    let mut rf = resources::ResourceFilter::default();
    rf.list.export = true;
    rf.kind = "room".into();
    let room_list: Vec<_> = resources::list(conn, &rf)
        .await?
        .items
        .into_iter()
        .filter(|r| r.kind == ResourceKind::Room)
        .collect();
    let room_index: HashMap<i64, usize> = room_list
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i))
        .collect();
    let mut room_closed: Vec<Vec<u32>> = vec![Vec::new(); room_list.len()];
    let closures = repo::closures_between(conn, horizon_from, horizon_to).await?;
    let booked =
        repo::room_bookings_between(conn, horizon_from, horizon_to, None, &target_ids).await?;
    let room_zone: Vec<TimeZoneName> = room_list
        .iter()
        .map(|r| {
            r.venue_id
                .and_then(|v| venue_list.iter().find(|x| x.id == v))
                .map_or(grid_zone, |v| zone(&v.time_zone))
        })
        .collect();
    for (r, a, b) in closures
        .iter()
        .map(|(r, a, b, _)| (*r, *a, *b))
        .chain(booked.iter().map(|(r, s)| (*r, s.starts_at, s.ends_at)))
    {
        if let Some(&k) = room_index.get(&r) {
            for (di, p) in periods_touched(&days, &day_index, &room_zone[k], a, b) {
                room_closed[k].push(di * ppd + p);
            }
        }
    }
    for c in shut.iter().filter(|c| c.venue_id.is_some()) {
        let Some(&di) = shut_day(c).and_then(|d| day_index.get(&d)) else {
            continue;
        };
        for (k, r) in room_list.iter().enumerate() {
            if r.venue_id == c.venue_id {
                room_closed[k].extend((0..ppd).map(|p| di * ppd + p));
            }
        }
    }
    let rooms_p: Vec<plan::Room> = room_list
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let mut u = std::mem::take(&mut room_closed[k]);
            u.sort_unstable();
            u.dedup();
            plan::Room {
                id: format!("R{}", r.id),
                capacity: r.seats.clamp(0, u32::MAX as i64) as u32,
                location: r.venue_id.and_then(|v| loc.get(&v).copied()),
                unavailable: u,
            }
        })
        .collect();

    // Programs.
    let mut programs: Vec<i64> = targets
        .iter()
        .filter_map(|t| t.session.program_id)
        .collect();
    programs.sort_unstable();
    programs.dedup();

    // Cohorts: sessions sharing a window's cohort label, and pairs of sessions sharing a learner.
    let mut cohort_names: Vec<String> = Vec::new();
    let mut cohorts_of: Vec<Vec<usize>> = vec![Vec::new(); targets.len()];
    for (k, t) in targets.iter().enumerate() {
        let label = t.rules.cohort.trim();
        if label.is_empty() {
            continue;
        }
        let c = match cohort_names.iter().position(|n| n == label) {
            Some(c) => c,
            None => {
                cohort_names.push(label.to_owned());
                cohort_names.len() - 1
            }
        };
        cohorts_of[k].push(c);
    }
    let target_pos: HashMap<i64, usize> = target_ids
        .iter()
        .enumerate()
        .map(|(k, id)| (*id, k))
        .collect();
    for (a, b) in repo::sessions_sharing_learners(conn, &target_ids).await? {
        let (Some(&ka), Some(&kb)) = (target_pos.get(&a), target_pos.get(&b)) else {
            continue;
        };
        cohort_names.push(format!(
            "learners of {} and {}",
            targets[ka].session.reference, targets[kb].session.reference
        ));
        cohorts_of[ka].push(cohort_names.len() - 1);
        cohorts_of[kb].push(cohort_names.len() - 1);
    }

    // Pools: each pooled resource a window names, less what sessions outside the plan book of it.
    let mut pool_ids: Vec<i64> = targets
        .iter()
        .filter_map(|t| t.rules.pool_resource_id)
        .collect();
    pool_ids.sort_unstable();
    pool_ids.dedup();
    let mut pools = Vec::with_capacity(pool_ids.len());
    let mut in_use: Vec<HashMap<u32, u32>> = vec![HashMap::new(); pool_ids.len()];
    for (r, a, b, quantity) in
        repo::pool_use_between(conn, &pool_ids, horizon_from, horizon_to, &target_ids).await?
    {
        let Some(k) = pool_ids.iter().position(|x| *x == r) else {
            continue;
        };
        for (di, p) in periods_touched(&days, &day_index, &grid_zone, a, b) {
            *in_use[k].entry(di * ppd + p).or_default() += quantity.clamp(0, 1_000_000) as u32;
        }
    }
    for (k, id) in pool_ids.iter().enumerate() {
        let res = resources::get(conn, *id).await?;
        let mut used: Vec<(u32, u32)> = in_use[k].iter().map(|(p, n)| (*p, *n)).collect();
        used.sort_unstable();
        pools.push(plan::Pool {
            id: format!("R{id}"),
            capacity: res.quantity.clamp(0, u32::MAX as i64) as u32,
            in_use: used,
        });
    }

    // Sessions.
    let mut course_cache: HashMap<i64, courses::Course> = HashMap::new();
    let mut sessions_p = Vec::with_capacity(targets.len());
    let mut notes = Vec::with_capacity(targets.len());
    let mut part_len = Vec::with_capacity(targets.len());
    for t in &targets {
        let s = &t.session;
        let course = match course_cache.get(&s.course_id) {
            Some(c) => c.clone(),
            None => {
                let c = courses::get(conn, s.course_id).await?;
                course_cache.insert(s.course_id, c.clone());
                c
            }
        };
        let mut why = Vec::new();
        let len = if t.half_days { 1 } else { PERIODS.len() as u32 };
        part_len.push(len);
        let tz = zone(&s.time_zone);
        let first_day = days.iter().position(|d| *d >= t.earliest);
        let last_day = days.iter().rposition(|d| *d <= t.latest);
        let window = match (first_day, last_day) {
            (Some(a), Some(b)) if a <= b => Some((a as u32, b as u32)),
            _ => {
                why.push(format!(
                    "its planning window ({} to {}) has no working day",
                    t.earliest, t.latest
                ));
                None
            }
        };
        let (win_from, win_to) = (
            tz.start_of_day_ms(t.earliest),
            tz.start_of_day_ms(t.latest) + 86_400_000,
        );
        let label = format!("{} {}", course.code, course.title);
        let mut candidates = Vec::new();
        for (k, x) in inst_list.iter().enumerate() {
            let skill_ok = |skill: &Option<String>| {
                skill
                    .as_deref()
                    .zip(course.required_skill.as_deref())
                    .is_some_and(|(a, b)| trainyard_core::Skill::same(a, b))
            };
            let qualified = x.skills.iter().any(|sk| skill_ok(&Some(sk.clone())))
                || quals.get(&x.id).is_some_and(|qs| {
                    qs.iter().any(|(_, c, sk, from, to)| {
                        (*c == Some(course.id) || skill_ok(sk))
                            && *from <= win_from
                            && to.is_none_or(|e| e >= win_to)
                    })
                });
            if !qualified {
                continue;
            }
            let contract_ok = contracts.get(&x.id).is_none_or(|cs| {
                cs.is_empty()
                    || cs
                        .iter()
                        .any(|(a, b)| *a <= win_from && b.is_none_or(|b| b >= win_to))
            });
            if !contract_ok {
                continue;
            }
            // Read from the store: the rates are always there.
            let day_rate = x.day_rate.map_or(0, |m| m.minor);
            let day_cost = if day_rate > 0 {
                day_rate
            } else {
                x.hour_rate.map_or(0, |m| m.minor) * course.hours_per_day
            };
            let per_part = if t.half_days { day_cost / 2 } else { day_cost };
            candidates.push(Candidate {
                instructor: k,
                // Whole currency units keep cost comparable with the other objectives.
                cost_per_part: per_part / 100,
            });
        }
        if candidates.is_empty() {
            why.push(format!(
                "no instructor holds a qualification for {label}{} valid from {} to {}{}",
                course
                    .required_skill
                    .as_deref()
                    .map(|s| format!(" (or the skill “{s}”)"))
                    .unwrap_or_default(),
                t.earliest,
                t.latest,
                if contracts.is_empty() {
                    ""
                } else {
                    " with a contract covering it"
                }
            ));
        }
        let virtual_ = s.delivery_mode == DeliveryMode::Vilt;
        let mut rooms = Vec::new();
        if !virtual_ {
            let at_venue: Vec<&resources::Resource> = room_list
                .iter()
                .filter(|r| r.venue_id.is_some() && r.venue_id == s.venue_id)
                .collect();
            let with_features: Vec<&&resources::Resource> = at_venue
                .iter()
                .filter(|r| {
                    course
                        .required_features
                        .iter()
                        .all(|f| r.features.iter().any(|g| g.eq_ignore_ascii_case(f)))
                })
                .collect();
            if at_venue.is_empty() {
                why.push(format!(
                    "{} has no rooms",
                    s.venue_name.as_deref().unwrap_or("its venue")
                ));
            } else if with_features.is_empty() {
                why.push(format!(
                    "no room at {} has {}",
                    s.venue_name.as_deref().unwrap_or("its venue"),
                    course.required_features.join(", ")
                ));
            }
            rooms = with_features
                .iter()
                .filter_map(|r| room_index.get(&r.id).copied())
                .collect();
        }
        let published = t.published.as_ref().and_then(|p| {
            let parts: Option<Vec<Slot>> = p
                .parts
                .iter()
                .map(|(a, _)| {
                    let local = tz.local(*a);
                    let di = *day_index.get(&local.date_naive())?;
                    let minute = local.time().hour_minute();
                    let period = PERIODS.iter().position(|(s, _)| *s == minute)? as u32;
                    (period + len <= ppd).then_some(Slot {
                        day: di,
                        start: period,
                        room: if virtual_ {
                            None
                        } else {
                            p.room_id.and_then(|r| room_index.get(&r).copied())
                        },
                    })
                })
                .collect();
            let parts = parts?;
            (parts.len() as i64 == course.duration_days.max(1)).then_some(Placement {
                instructor: p.instructor_id.and_then(|i| inst_index.get(&i).copied()),
                parts,
            })
        });
        if published.is_none()
            && let Some(days) = t.promise.as_ref().and_then(|p| p.held_by_notice)
        {
            why.push(format!(
                "it starts within the {days}-day notice period, but its times do not fit the planner's day (09:00–12:30, 13:30–17:00), so the planner cannot keep them: change its instructor or room by hand, or allow moves within the notice period"
            ));
        }
        let days_of = |weekdays: &[u32]| -> Vec<u32> {
            if weekdays.is_empty() {
                return Vec::new();
            }
            days.iter()
                .enumerate()
                .filter(|(_, d)| weekdays.contains(&d.weekday().number_from_monday()))
                .map(|(k, _)| k as u32)
                .collect()
        };
        let allowed_days = days_of(&t.rules.weekdays);
        if !t.rules.weekdays.is_empty() && allowed_days.is_empty() {
            why.push(format!(
                "its planning window has no {} between {} and {}",
                super::windows::weekdays_label(&t.rules.weekdays),
                t.earliest,
                t.latest
            ));
        }
        let resources_needed: Vec<plan::Need> = t
            .rules
            .pool_resource_id
            .and_then(|r| pool_ids.iter().position(|x| *x == r))
            .map(|pool| plan::Need { pool, count: 1 })
            .into_iter()
            .collect();
        sessions_p.push(plan::Session {
            id: s.reference.clone(),
            parts: course.duration_days.clamp(1, 60) as u32,
            part_len: len,
            window: window.or(Some((0, 0))),
            allowed_days,
            allowed_starts: if len == ppd { vec![0] } else { Vec::new() },
            forbidden_periods: Vec::new(),
            learners: s.capacity.clamp(0, u32::MAX as i64) as u32,
            mode: if virtual_ {
                Mode::Virtual
            } else {
                Mode::InPerson
            },
            instructors: if window.is_some() {
                candidates
            } else {
                Vec::new()
            },
            rooms,
            resources: resources_needed,
            cohorts: std::mem::take(&mut cohorts_of[sessions_p.len()]),
            program: s
                .program_id
                .and_then(|p| programs.iter().position(|x| *x == p)),
            preferred_days: days_of(&t.rules.preferred_weekdays),
            preferred_rooms: Vec::new(),
            min_days: 0,
            // A multi-day course runs on consecutive working days (grid days are working days).
            consecutive_days: true,
            published,
            pinned: false,
            told: t.promise.as_ref().map_or(0, Promise::told),
            keep_times: t
                .promise
                .as_ref()
                .is_some_and(|p| p.held_by_notice.is_some()),
        });
        notes.push(why);
    }
    let problem = Problem {
        name: "trainyard".into(),
        grid,
        sessions: sessions_p,
        instructors: instructors_p,
        rooms: rooms_p,
        pools,
        cohorts: cohort_names.into_iter().map(|id| Named { id }).collect(),
        programs: programs
            .iter()
            .map(|p| Named {
                id: format!("P{p}"),
            })
            .collect(),
        locations: venue_list
            .iter()
            .map(|v| Named { id: v.code.clone() })
            .collect(),
        travel,
        weights,
        capacity: CapacityRule::Hard,
    };
    Ok(Mapped {
        problem,
        days,
        grid_zone,
        targets,
        part_len,
        instructor_ids: inst_list.iter().map(|x| x.id).collect(),
        instructor_names: inst_list.iter().map(|x| x.name.clone()).collect(),
        room_ids: room_list.iter().map(|r| r.id).collect(),
        room_names: room_list.iter().map(|r| r.name.clone()).collect(),
        notes,
    })
}

trait HourMinute {
    fn hour_minute(&self) -> u32;
}

impl HourMinute for chrono::NaiveTime {
    fn hour_minute(&self) -> u32 {
        use chrono::Timelike;
        self.hour() * 60 + self.minute()
    }
}

/// A proposal for one target, ready to store.
#[derive(Debug, Clone)]
pub struct Proposed {
    pub session_id: i64,
    pub session_version: i64,
    pub outcome: &'static str,
    pub instructor_id: Option<i64>,
    pub room_id: Option<i64>,
    pub parts: Vec<ProposedPart>,
    pub reasons: Vec<String>,
    /// Who would be told what (a repair's changes to a published session).
    pub notices: Vec<ProposalNotice>,
}

/// "3 booked learners, the client contact (Acme) and Emil Ruiz"; empty when nobody.
fn audience_words(learners: i64, client: Option<&str>, instructors: &[String]) -> String {
    let mut who = Vec::new();
    match learners {
        0 => {}
        1 => who.push("1 booked learner".to_owned()),
        n => who.push(format!("{n} booked learners")),
    }
    if let Some(c) = client {
        who.push(format!("the client contact ({c})"));
    }
    who.extend(instructors.iter().cloned());
    match who.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// "Mon 14 Dec 09:00–17:00, Tue 15 Dec 09:00–17:00" in the session's zone.
fn parts_words(tz: &TimeZoneName, parts: &[(i64, i64)]) -> String {
    parts
        .iter()
        .map(|(a, b)| {
            format!(
                "{}–{}",
                tz.local(*a).format("%a %-d %b %H:%M"),
                tz.local(*b).format("%H:%M")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Mapped {
    fn instructor_name(&self, id: i64) -> String {
        self.instructor_ids
            .iter()
            .position(|x| *x == id)
            .map_or_else(
                || format!("instructor #{id}"),
                |k| self.instructor_names[k].clone(),
            )
    }

    fn room_name(&self, id: Option<i64>) -> String {
        match id {
            None => "no room".to_owned(),
            Some(id) => self
                .room_ids
                .iter()
                .position(|x| *x == id)
                .map_or_else(|| format!("room #{id}"), |k| self.room_names[k].clone()),
        }
    }

    /// Who a repair's change to a published session would be told, and what: new days or times
    /// reach everyone told of the old ones; a new instructor reaches both instructors and, as news,
    /// the learners and the client; a new room (same times) reaches the learners, the client and
    /// the instructor.
    fn notices(
        &self,
        t: &Target,
        promise: &Promise,
        instructor_id: Option<i64>,
        room_id: Option<i64>,
        parts: &[ProposedPart],
    ) -> Vec<ProposalNotice> {
        let Some(published) = &t.published else {
            return Vec::new();
        };
        let tz = zone(&t.session.time_zone);
        let client = promise.client.as_deref();
        let told = |id: i64| promise.instructors.iter().any(|(i, _)| *i == id);
        let same_instructor = published.instructor_id == instructor_id;
        // The instructor who keeps teaching it, if they had been told of it.
        let staying: Vec<String> = instructor_id
            .filter(|i| same_instructor && told(*i))
            .map(|i| self.instructor_name(i))
            .into_iter()
            .collect();
        let mut out = Vec::new();
        let now: Vec<(i64, i64)> = parts.iter().map(|p| (p.starts_at, p.ends_at)).collect();
        let dates_changed = published.parts != now;
        let room_changed = published.room_id != room_id;
        if dates_changed {
            let mut before = parts_words(&tz, &published.parts);
            let mut after = parts_words(&tz, &now);
            if room_changed {
                before.push_str(&format!(" in {}", self.room_name(published.room_id)));
                after.push_str(&format!(" in {}", self.room_name(room_id)));
            }
            let who = audience_words(promise.learners, client, &staying);
            let text = if who.is_empty() {
                format!("Nobody had been told of it yet: {before} → {after}")
            } else {
                format!("{who} would be told: {before} → {after}")
            };
            out.push(ProposalNotice {
                change: NoticeChange::Dates,
                learners: promise.learners,
                client: promise.client.clone(),
                instructors: staying.clone(),
                before,
                after,
                text,
            });
        }
        if !same_instructor && let Some(new_id) = instructor_id {
            let new = self.instructor_name(new_id);
            let old = published.instructor_id.map(|i| self.instructor_name(i));
            let mut instructors: Vec<String> = published
                .instructor_id
                .filter(|i| told(*i))
                .map(|i| self.instructor_name(i))
                .into_iter()
                .collect();
            instructors.push(new.clone());
            let others = audience_words(promise.learners, client, &[]);
            let mut text = match &old {
                Some(old) => format!("{new} replaces {old}"),
                None => format!("{new} teaches it"),
            };
            text.push_str(&format!(" ({} told", audience_words(0, None, &instructors)));
            if !others.is_empty() {
                text.push_str(&format!("; {others} told of the new instructor"));
            }
            text.push(')');
            out.push(ProposalNotice {
                change: NoticeChange::Instructor,
                learners: promise.learners,
                client: promise.client.clone(),
                instructors,
                before: old.unwrap_or_default(),
                after: new,
                text,
            });
        }
        if room_changed && !dates_changed {
            let before = self.room_name(published.room_id);
            let after = self.room_name(room_id);
            let who = audience_words(promise.learners, client, &staying);
            let text = if who.is_empty() {
                format!("Nobody had been told of it yet: {before} → {after}")
            } else {
                format!("{who} would be told: {before} → {after}")
            };
            out.push(ProposalNotice {
                change: NoticeChange::Room,
                learners: promise.learners,
                client: promise.client.clone(),
                instructors: staying,
                before,
                after,
                text,
            });
        }
        out
    }

    fn day_words(&self, day: u32, start: u32) -> String {
        let d = self
            .days
            .get(day as usize)
            .map(|d| d.format("%a %-d %b").to_string())
            .unwrap_or_else(|| format!("day {day}"));
        format!("{d} {}", if start == 0 { "morning" } else { "afternoon" })
    }

    /// A planner reason in a coordinator's words, with dates instead of grid indices.
    pub fn reason_words(&self, r: &Reason) -> String {
        match r {
            Reason::Blocked {
                day,
                start,
                constraints,
                with_sessions,
            } => {
                let words: Vec<&str> = constraints.iter().map(|c| c.describe()).collect();
                let mut s = format!(
                    "at best on {}: {}",
                    self.day_words(*day, *start),
                    words.join("; ")
                );
                if !with_sessions.is_empty() {
                    s.push_str(&format!(" (with {})", with_sessions.join(", ")));
                }
                s
            }
            Reason::TooFewAllowedPeriods { parts, allowed } => format!(
                "{parts} days to place but only {allowed} possible starts in the planning window"
            ),
            other => other.to_string(),
        }
    }

    /// The planner's outcome as one proposal per target.
    pub fn proposals(&self, outcome: &plan::Outcome) -> Vec<Proposed> {
        let plan = outcome.plan();
        let mut unplaced: HashMap<usize, Vec<String>> = HashMap::new();
        for u in outcome.unplaced() {
            let e = unplaced.entry(u.session).or_default();
            for r in &u.reasons {
                let w = self.reason_words(r);
                if !e.contains(&w) {
                    e.push(w);
                }
            }
        }
        self.targets
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let sp = plan.sessions.iter().find(|sp| sp.session == k);
                let tz = zone(&t.session.time_zone);
                let len = self.part_len[k];
                let complete = sp.is_some_and(|sp| sp.parts.iter().all(Option::is_some));
                let mut reasons = self.notes[k].clone();
                let held = t.promise.as_ref().and_then(|p| p.held_by_notice);
                let kept = self.problem.sessions[k].published.is_some();
                if let Some(days) = held
                    && kept
                {
                    reasons.push(format!(
                        "it starts within the {days}-day notice period, so its days and times stay as they are; allow moves within the notice period to let the repair move it"
                    ));
                }
                // A held session off the grid has no times to keep: the note says it all.
                if let Some(rs) = unplaced.get(&k).filter(|_| held.is_none() || kept) {
                    for r in rs {
                        if !reasons.contains(r) {
                            reasons.push(r.clone());
                        }
                    }
                }
                match sp {
                    Some(sp) if complete && sp.instructor.is_some() => {
                        let mut parts: Vec<ProposedPart> = sp
                            .parts
                            .iter()
                            .flatten()
                            .map(|sl| {
                                let day = self.days[(sl.day as usize).min(self.days.len() - 1)];
                                let (a, b) = part_instants(&tz, day, sl.start, len);
                                ProposedPart {
                                    starts_at: a,
                                    ends_at: b,
                                    room_id: sl.room.map(|r| self.room_ids[r]),
                                }
                            })
                            .collect();
                        parts.sort_by_key(|p| p.starts_at);
                        let instructor_id = sp.instructor.map(|i| self.instructor_ids[i]);
                        let room_id = parts.iter().find_map(|p| p.room_id);
                        let unchanged = t.published.as_ref().is_some_and(|p| {
                            p.instructor_id == instructor_id
                                && p.room_id == room_id
                                && p.parts
                                    == parts
                                        .iter()
                                        .map(|x| (x.starts_at, x.ends_at))
                                        .collect::<Vec<_>>()
                        });
                        let mut reasons = Vec::new();
                        if let Some(p) = &t.published
                            && !unchanged
                        {
                            if p.instructor_id != instructor_id {
                                reasons.push("new instructor".to_owned());
                            }
                            if p.room_id != room_id {
                                reasons.push("new room".to_owned());
                            }
                            if p.parts
                                != parts
                                    .iter()
                                    .map(|x| (x.starts_at, x.ends_at))
                                    .collect::<Vec<_>>()
                            {
                                reasons.push("new dates".to_owned());
                            }
                        }
                        let notices = match &t.promise {
                            Some(promise) if !unchanged => {
                                self.notices(t, promise, instructor_id, room_id, &parts)
                            }
                            _ => Vec::new(),
                        };
                        Proposed {
                            session_id: t.session.id,
                            session_version: t.session.version,
                            outcome: if unchanged { "unchanged" } else { "placed" },
                            instructor_id,
                            room_id,
                            parts,
                            reasons,
                            notices,
                        }
                    }
                    _ => {
                        if reasons.is_empty() {
                            reasons.push("the planner found no place for it".into());
                        }
                        Proposed {
                            session_id: t.session.id,
                            session_version: t.session.version,
                            outcome: "unplaced",
                            instructor_id: None,
                            room_id: None,
                            parts: Vec::new(),
                            reasons,
                            notices: Vec::new(),
                        }
                    }
                }
            })
            .collect()
    }
}

/// A target from a draft session and its window.
pub async fn draft_target(
    conn: &mut Conn,
    w: &repo::PlanningWindow,
) -> Result<Option<Target>, AppError> {
    let session = sessions::get(conn, w.session_id).await?;
    let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let (Some(earliest), Some(latest)) = (parse(&w.earliest_day), parse(&w.latest_day)) else {
        return Ok(None);
    };
    Ok(Some(Target {
        session,
        earliest,
        latest,
        half_days: w.half_days,
        rules: WindowRules::from(w),
        published: None,
        promise: None,
    }))
}

/// True when the interval lies inside `[from, to)`.
pub fn within(iv: &Interval, from: i64, to: i64) -> bool {
    iv.start_ms >= from && iv.end_ms <= to
}
