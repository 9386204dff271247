//! The operations KPIs of DESIGN.md, computed from plain rows. Every figure is a [`Ratio`] kept as
//! numerator and denominator, so a period without data is "no data" (`None`), never 0 % and never
//! a division by zero, and a figure can be summed over a partition (by client, by course) and
//! checked against its total.
//!
//! Which period a row belongs to, once for all figures:
//! - a session counts in the period in which it starts (its first part's start instant), whole,
//!   even when later days fall after the period's end: the sessions list filters the same way, so
//!   every tile's drill-down shows exactly the sessions behind it;
//! - teaching and available hours are clipped to the period: a three-day session crossing the
//!   period's end brings only the hours inside the period to the instructor's utilization.
//!
//! The period's boundaries are instants: the caller turns "March" into instants in the reader's
//! time zone, so a session in Auckland whose local date is 1 March but which starts on
//! 28 February in Berlin counts in February for a Berlin reader.

use crate::status::{SessionStatus, StatusReason};
use crate::time::TimeZoneName;
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::{HashMap, HashSet};

const MINUTE: i64 = 60_000;

/// A figure as numerator over denominator; `value` is `None` when the denominator is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Ratio {
    pub numerator: i64,
    pub denominator: i64,
}

impl Ratio {
    pub fn new(numerator: i64, denominator: i64) -> Self {
        Self {
            numerator,
            denominator,
        }
    }

    pub fn value(&self) -> Option<f64> {
        (self.denominator != 0).then(|| self.numerator as f64 / self.denominator as f64)
    }

    /// The figure as a percentage with one decimal ("72.5"), or `None` without data.
    pub fn percent(&self) -> Option<String> {
        self.value().map(|v| format!("{:.1}", v * 100.0))
    }

    /// The figure as a plain quotient with `decimals` places ("3.25"), or `None` without data.
    pub fn per(&self, decimals: usize) -> Option<String> {
        self.value().map(|v| format!("{v:.decimals$}"))
    }

    fn add(&mut self, other: Ratio) {
        self.numerator += other.numerator;
        self.denominator += other.denominator;
    }
}

/// The half-open period `[from_ms, until_ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from_ms: i64,
    pub until_ms: i64,
}

impl Period {
    pub fn contains(&self, t: i64) -> bool {
        self.from_ms <= t && t < self.until_ms
    }

    /// Minutes of `[start, end)` inside the period.
    pub fn overlap_minutes(&self, start: i64, end: i64) -> i64 {
        let (a, b) = (start.max(self.from_ms), end.min(self.until_ms));
        if b > a { (b - a) / MINUTE } else { 0 }
    }

    /// The days `[first, last]` in `tz` as a period: from the first's midnight to the midnight
    /// after the last.
    pub fn local_days(tz: &TimeZoneName, first: NaiveDate, last: NaiveDate) -> Period {
        Period {
            from_ms: tz.start_of_day_ms(first),
            until_ms: tz.start_of_day_ms(last + Duration::days(1)),
        }
    }
}

/// One session as the KPIs see it, or several sessions they cannot tell apart counted together.
///
/// Every figure is a sum over sessions of what a row holds, narrowed by the predicates below
/// (status, postponement, reason, whether it starts in the period and ended by `as_of`). So the
/// store may hand over one row per group of sessions alike in those (`sessions` > 1): seats and
/// learners summed, `starts_at` the earliest start and `ends_at` the latest end of the group,
/// which lies in the same period and on the same side of `as_of` as each of its sessions when
/// the group was made per period slice and per side of `as_of`. The figures of the group are
/// then those of its sessions ([`group`] makes such rows from single ones; the tests hold it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The session's id (0 for a group).
    pub id: i64,
    pub client_id: Option<i64>,
    pub course_id: i64,
    pub status: SessionStatus,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: i64,
    /// Seats taken (booked, attended, completed, failed, no-show).
    pub booked: i64,
    /// Learners who came: attended, completed or failed.
    pub attended: i64,
    pub no_show: i64,
    pub completed: i64,
    /// Ever postponed (and so not delivered as first scheduled), whatever its status now.
    pub postponed: bool,
    /// The reason of its latest cancellation or postponement, if it had one.
    pub disruption: Option<StatusReason>,
    /// How many sessions the row stands for: 1 for a session, more for a group.
    pub sessions: i64,
}

impl SessionRow {
    fn held(&self) -> bool {
        matches!(
            self.status,
            SessionStatus::Scheduled
                | SessionStatus::Confirmed
                | SessionStatus::Delivered
                | SessionStatus::Closed
        )
    }

    fn delivered(&self) -> bool {
        matches!(
            self.status,
            SessionStatus::Delivered | SessionStatus::Closed
        )
    }

    /// Scheduled at some point: everything but drafts.
    fn scheduled(&self) -> bool {
        self.status != SessionStatus::Draft
    }

    fn disrupted(&self) -> bool {
        self.postponed
            || matches!(
                self.status,
                SessionStatus::Cancelled | SessionStatus::Postponed
            )
    }
}

/// One instructor teaching one part of a session (an accepted or confirmed assignment of a
/// session still held).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeachingRow {
    pub instructor_id: i64,
    pub session_id: i64,
    pub client_id: Option<i64>,
    pub course_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// A weekly working window: weekday 1 = Monday, local minutes since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub weekday: u32,
    pub start_minute: i64,
    pub end_minute: i64,
}

/// An instructor's availability: the weekly pattern in their zone, minus time off.
#[derive(Debug, Clone, PartialEq)]
pub struct InstructorRow {
    pub instructor_id: i64,
    pub name: String,
    pub time_zone: TimeZoneName,
    pub working_hours: Vec<WorkingHours>,
    /// `[start, end)` instants.
    pub time_off: Vec<(i64, i64)>,
}

impl InstructorRow {
    /// Minutes of the working pattern inside `period`, less the minutes of time off within them.
    pub fn available_minutes(&self, period: Period) -> i64 {
        self.available_in(&self.working_windows(period))
    }

    /// The working pattern's windows inside `period`, as `[start, end)` instants, clipped to it.
    /// Instructors sharing a zone and a pattern share their windows (see [`utilization`]): turning
    /// local times into instants is the costly part over a long period.
    pub fn working_windows(&self, period: Period) -> Vec<(i64, i64)> {
        let tz = &self.time_zone;
        // One day either side: a window in a far zone can start the local day before.
        let first = tz.local(period.from_ms).date_naive() - Duration::days(1);
        let last = tz.local(period.until_ms).date_naive() + Duration::days(1);
        let mut windows = Vec::new();
        let mut day = first;
        while day <= last {
            let weekday = day.weekday().number_from_monday();
            for w in self.working_hours.iter().filter(|w| w.weekday == weekday) {
                let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
                let start = tz.local_to_utc_ms(midnight + Duration::minutes(w.start_minute));
                let end = tz.local_to_utc_ms(midnight + Duration::minutes(w.end_minute));
                let (Ok(start), Ok(end)) = (start, end) else {
                    continue;
                };
                let (a, b) = (start.max(period.from_ms), end.min(period.until_ms));
                if b > a {
                    windows.push((a, b));
                }
            }
            day += Duration::days(1);
        }
        windows
    }

    /// Minutes of `windows` (from [`Self::working_windows`]) less this instructor's time off.
    pub fn available_in(&self, windows: &[(i64, i64)]) -> i64 {
        windows
            .iter()
            .map(|&(a, b)| (b - a) / MINUTE - off_minutes(&self.time_off, a, b))
            .sum()
    }

    /// What makes two instructors' working windows the same: their zone and weekly pattern.
    fn pattern_key(&self) -> PatternKey<'_> {
        (
            self.time_zone.as_str(),
            self.working_hours
                .iter()
                .map(|w| (w.weekday, w.start_minute, w.end_minute))
                .collect(),
        )
    }
}

/// A time zone and a weekly pattern (weekday, start and end minute of each window).
type PatternKey<'a> = (&'a str, Vec<(u32, i64, i64)>);

/// Minutes of `[a, b)` covered by the (possibly overlapping) time-off intervals.
fn off_minutes(time_off: &[(i64, i64)], a: i64, b: i64) -> i64 {
    let mut clipped: Vec<(i64, i64)> = time_off
        .iter()
        .map(|&(s, e)| (s.max(a), e.min(b)))
        .filter(|(s, e)| e > s)
        .collect();
    clipped.sort_unstable();
    let mut covered = 0;
    let mut reach = a;
    for (s, e) in clipped {
        let s = s.max(reach);
        if e > s {
            covered += e - s;
            reach = e;
        }
    }
    covered / MINUTE
}

/// Staff actions and logged minutes for one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminRow {
    pub session_id: i64,
    pub staff_actions: i64,
    pub minutes: i64,
}

/// How many operations ratings (1–5: the logistics, communication, materials and operations
/// questions of the feedback surveys) one session received with one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SatisfactionRow {
    pub session_id: i64,
    /// The session's start: it counts in the period in which it starts, like every KPI.
    pub starts_at: i64,
    pub rating: i64,
    pub answers: i64,
}

/// Everything the KPIs are computed from, already narrowed by the filters.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub sessions: Vec<SessionRow>,
    pub teaching: Vec<TeachingRow>,
    /// Teaching minutes inside the period per instructor (every instructor with a teaching row
    /// overlapping it), as [`taught_by_instructor`] sums them, when the store summed them
    /// already: then `teaching` may hold only the rows a chart needs.
    pub taught: Option<HashMap<i64, i64>>,
    pub instructors: Vec<InstructorRow>,
    pub admin: Vec<AdminRow>,
    pub satisfaction: Vec<SatisfactionRow>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ReasonCount {
    /// The reason, or `None` where none was recorded.
    pub reason: Option<StatusReason>,
    pub sessions: i64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct InstructorUtilization {
    pub instructor_id: i64,
    pub name: String,
    /// Teaching minutes over available minutes.
    pub utilization: Ratio,
}

/// The figures of one period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    pub fill_rate: Ratio,
    pub on_time_delivery: Ratio,
    pub cancellation_rate: Ratio,
    pub cancellations_by_reason: Vec<ReasonCount>,
    /// Teaching minutes over available minutes, all instructors in the rows.
    pub utilization: Ratio,
    pub utilization_by_instructor: Vec<InstructorUtilization>,
    pub admin_actions_per_session: Ratio,
    pub admin_minutes_per_session: Ratio,
    pub attendance_rate: Ratio,
    pub completion_rate: Ratio,
    /// Cost ÷ learners (minor units) of the sessions delivered in the period, from the finance
    /// rows (`trainyard_core::costs`); `None` until the caller fills it in (finance only).
    pub cost_per_learner: Option<Ratio>,
    /// Margin ÷ revenue of the sessions delivered in the period; as `cost_per_learner`.
    pub profitability: Option<Ratio>,
    /// Sum of the operations ratings ÷ their number, for sessions starting in the period.
    pub client_satisfaction: Ratio,
}

/// Seats filled: attended once delivered, booked before; over the capacity of sessions held.
pub fn fill_rate(period: Period, sessions: &[SessionRow]) -> Ratio {
    let mut r = Ratio::default();
    for s in sessions
        .iter()
        .filter(|s| period.contains(s.starts_at) && s.held())
    {
        let seats = if s.delivered() { s.attended } else { s.booked };
        r.add(Ratio::new(seats, s.capacity));
    }
    r
}

/// Sessions delivered without ever being postponed, over the sessions that were due by `as_of`
/// (scheduled at some point and ending before it).
pub fn on_time_delivery(period: Period, as_of: i64, sessions: &[SessionRow]) -> Ratio {
    let due: Vec<&SessionRow> = sessions
        .iter()
        .filter(|s| period.contains(s.starts_at) && s.scheduled() && s.ends_at <= as_of)
        .collect();
    Ratio::new(
        due.iter()
            .filter(|s| s.delivered() && !s.postponed)
            .map(|s| s.sessions)
            .sum(),
        due.iter().map(|s| s.sessions).sum(),
    )
}

/// Sessions cancelled or postponed (also those since rescheduled), over every session scheduled.
pub fn cancellation_rate(period: Period, sessions: &[SessionRow]) -> Ratio {
    let scheduled = sessions
        .iter()
        .filter(|s| period.contains(s.starts_at) && s.scheduled());
    let (mut n, mut d) = (0, 0);
    for s in scheduled {
        d += s.sessions;
        n += i64::from(s.disrupted()) * s.sessions;
    }
    Ratio::new(n, d)
}

/// The numerator of [`cancellation_rate`] by reason, in the order of [`StatusReason::ALL`] with
/// "not recorded" last; reasons without sessions are left out.
pub fn cancellations_by_reason(period: Period, sessions: &[SessionRow]) -> Vec<ReasonCount> {
    let disrupted: Vec<&SessionRow> = sessions
        .iter()
        .filter(|s| period.contains(s.starts_at) && s.scheduled() && s.disrupted())
        .collect();
    StatusReason::ALL
        .iter()
        .map(|r| Some(*r))
        .chain([None])
        .map(|reason| ReasonCount {
            reason,
            sessions: disrupted
                .iter()
                .filter(|s| s.disruption == reason)
                .map(|s| s.sessions)
                .sum(),
        })
        .filter(|c| c.sessions > 0)
        .collect()
}

/// Teaching minutes (clipped to the period) over available minutes, per instructor in `instructors`
/// (teaching by anyone else is left out) and in total.
pub fn utilization(
    period: Period,
    teaching: &[TeachingRow],
    instructors: &[InstructorRow],
) -> (Ratio, Vec<InstructorUtilization>) {
    utilization_of(period, &taught_by_instructor(period, teaching), instructors)
}

/// Teaching minutes inside the period per instructor, one entry for every instructor with a row
/// (even one overlapping by less than a minute). Each row's minutes are whole minutes.
pub fn taught_by_instructor(period: Period, teaching: &[TeachingRow]) -> HashMap<i64, i64> {
    let mut taught: HashMap<i64, i64> = HashMap::new();
    for t in teaching {
        *taught.entry(t.instructor_id).or_default() +=
            period.overlap_minutes(t.starts_at, t.ends_at);
    }
    taught
}

/// [`utilization`] from the teaching minutes per instructor ([`taught_by_instructor`]).
pub fn utilization_of(
    period: Period,
    taught: &HashMap<i64, i64>,
    instructors: &[InstructorRow],
) -> (Ratio, Vec<InstructorUtilization>) {
    // One set of windows per zone and pattern, so a year of 2,000 instructors costs what their
    // patterns cost, not instructors × days of time-zone arithmetic.
    let mut windows: HashMap<PatternKey<'_>, Vec<(i64, i64)>> = HashMap::new();
    let mut total = Ratio::default();
    let per: Vec<InstructorUtilization> = instructors
        .iter()
        .map(|i| {
            let w = windows
                .entry(i.pattern_key())
                .or_insert_with(|| i.working_windows(period));
            let r = Ratio::new(
                taught.get(&i.instructor_id).copied().unwrap_or(0),
                i.available_in(w),
            );
            total.add(r);
            InstructorUtilization {
                instructor_id: i.instructor_id,
                name: i.name.clone(),
                utilization: r,
            }
        })
        .collect();
    (total, per)
}

/// Teaching minutes inside the period (the utilization's numerator), without availability.
pub fn teaching_minutes(period: Period, teaching: &[TeachingRow]) -> i64 {
    teaching
        .iter()
        .map(|t| period.overlap_minutes(t.starts_at, t.ends_at))
        .sum()
}

/// Staff actions and logged minutes over the sessions delivered in the period.
pub fn admin_time(period: Period, sessions: &[SessionRow], admin: &[AdminRow]) -> (Ratio, Ratio) {
    let delivered: Vec<&SessionRow> = sessions
        .iter()
        .filter(|s| period.contains(s.starts_at) && s.delivered())
        .collect();
    // A set for the lookups: a year has tens of thousands of delivered sessions.
    let lookup: HashSet<i64> = delivered.iter().map(|s| s.id).collect();
    let (mut actions, mut minutes) = (0, 0);
    for a in admin.iter().filter(|a| lookup.contains(&a.session_id)) {
        actions += a.staff_actions;
        minutes += a.minutes;
    }
    let n = delivered.iter().map(|s| s.sessions).sum();
    (Ratio::new(actions, n), Ratio::new(minutes, n))
}

/// Over the learners whose attendance was recorded at sessions delivered in the period: those
/// who came, and those who completed.
pub fn learner_outcomes(period: Period, sessions: &[SessionRow]) -> (Ratio, Ratio) {
    let (mut came, mut completed, mut recorded) = (0, 0, 0);
    for s in sessions
        .iter()
        .filter(|s| period.contains(s.starts_at) && s.delivered())
    {
        came += s.attended;
        completed += s.completed;
        recorded += s.attended + s.no_show;
    }
    (Ratio::new(came, recorded), Ratio::new(completed, recorded))
}

/// The mean operations rating (client satisfaction) of the sessions starting in the period: the
/// sum of the ratings over their number, so it adds up over any partition of the sessions.
pub fn client_satisfaction(period: Period, ratings: &[SatisfactionRow]) -> Ratio {
    let mut r = Ratio::default();
    for x in ratings.iter().filter(|x| period.contains(x.starts_at)) {
        r.add(Ratio::new(x.rating * x.answers, x.answers));
    }
    r
}

/// What tells sessions apart for the figures, within one period slice: status, postponement,
/// reason, and whether they ended by `as_of`.
type GroupKey = (usize, SessionStatus, bool, Option<StatusReason>, bool);

/// Sessions counted together, as the store groups the sessions starting in a period: one row
/// per slice of `bounds` (the instants inside the period where a new slice starts, ascending), status, postponement, reason and side of
/// `as_of`, with the admin rows of its sessions summed under the group's id (1, 2, … in the order
/// the groups first appear). Every figure over a period made of whole slices, and over each
/// slice, is the same for the groups as for the single rows.
pub fn group(
    sessions: &[SessionRow],
    admin: &[AdminRow],
    bounds: &[i64],
    as_of: i64,
) -> (Vec<SessionRow>, Vec<AdminRow>) {
    let mut at: HashMap<GroupKey, usize> = HashMap::new();
    let mut of_session: HashMap<i64, usize> = HashMap::new();
    let mut groups: Vec<SessionRow> = Vec::new();
    for s in sessions {
        let slice = bounds.partition_point(|&b| b <= s.starts_at);
        let key = (
            slice,
            s.status,
            s.postponed,
            s.disruption,
            s.ends_at <= as_of,
        );
        let n = *at.entry(key).or_insert_with(|| {
            groups.push(SessionRow {
                id: groups.len() as i64 + 1,
                client_id: None,
                course_id: 0,
                status: s.status,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                capacity: 0,
                booked: 0,
                attended: 0,
                no_show: 0,
                completed: 0,
                postponed: s.postponed,
                disruption: s.disruption,
                sessions: 0,
            });
            groups.len() - 1
        });
        let g = &mut groups[n];
        g.starts_at = g.starts_at.min(s.starts_at);
        g.ends_at = g.ends_at.max(s.ends_at);
        g.capacity += s.capacity;
        g.booked += s.booked;
        g.attended += s.attended;
        g.no_show += s.no_show;
        g.completed += s.completed;
        g.sessions += s.sessions;
        of_session.insert(s.id, n);
    }
    let mut summed: Vec<AdminRow> = groups
        .iter()
        .map(|g| AdminRow {
            session_id: g.id,
            staff_actions: 0,
            minutes: 0,
        })
        .collect();
    for a in admin {
        if let Some(&n) = of_session.get(&a.session_id) {
            summed[n].staff_actions += a.staff_actions;
            summed[n].minutes += a.minutes;
        }
    }
    (groups, summed)
}

/// Every figure for one period.
pub fn figures(period: Period, as_of: i64, rows: &Rows) -> Figures {
    let (utilization, utilization_by_instructor) = match &rows.taught {
        Some(taught) => utilization_of(period, taught, &rows.instructors),
        None => utilization(period, &rows.teaching, &rows.instructors),
    };
    let (admin_actions_per_session, admin_minutes_per_session) =
        admin_time(period, &rows.sessions, &rows.admin);
    let (attendance_rate, completion_rate) = learner_outcomes(period, &rows.sessions);
    Figures {
        fill_rate: fill_rate(period, &rows.sessions),
        on_time_delivery: on_time_delivery(period, as_of, &rows.sessions),
        cancellation_rate: cancellation_rate(period, &rows.sessions),
        cancellations_by_reason: cancellations_by_reason(period, &rows.sessions),
        utilization,
        utilization_by_instructor,
        admin_actions_per_session,
        admin_minutes_per_session,
        attendance_rate,
        completion_rate,
        cost_per_learner: None,
        profitability: None,
        client_satisfaction: client_satisfaction(period, &rows.satisfaction),
    }
}

/// The KPIs, with the definitions the UI shows beside them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kpi {
    FillRate,
    InstructorUtilization,
    OnTimeDelivery,
    CancellationRate,
    AdminActionsPerSession,
    AdminMinutesPerSession,
    AttendanceRate,
    CompletionRate,
    CostPerLearner,
    Profitability,
    ClientSatisfaction,
}

impl Kpi {
    pub const ALL: &'static [Kpi] = &[
        Kpi::FillRate,
        Kpi::InstructorUtilization,
        Kpi::OnTimeDelivery,
        Kpi::CancellationRate,
        Kpi::AdminActionsPerSession,
        Kpi::AdminMinutesPerSession,
        Kpi::AttendanceRate,
        Kpi::CompletionRate,
        Kpi::CostPerLearner,
        Kpi::Profitability,
        Kpi::ClientSatisfaction,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Kpi::FillRate => "fill_rate",
            Kpi::InstructorUtilization => "instructor_utilization",
            Kpi::OnTimeDelivery => "on_time_delivery",
            Kpi::CancellationRate => "cancellation_rate",
            Kpi::AdminActionsPerSession => "admin_actions_per_session",
            Kpi::AdminMinutesPerSession => "admin_minutes_per_session",
            Kpi::AttendanceRate => "attendance_rate",
            Kpi::CompletionRate => "completion_rate",
            Kpi::CostPerLearner => "cost_per_learner",
            Kpi::Profitability => "profitability",
            Kpi::ClientSatisfaction => "client_satisfaction",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kpi::FillRate => "Session fill rate",
            Kpi::InstructorUtilization => "Instructor utilization",
            Kpi::OnTimeDelivery => "On-time delivery",
            Kpi::CancellationRate => "Cancellation rate",
            Kpi::AdminActionsPerSession => "Staff actions per session",
            Kpi::AdminMinutesPerSession => "Admin minutes per session",
            Kpi::AttendanceRate => "Attendance rate",
            Kpi::CompletionRate => "Completion rate",
            Kpi::CostPerLearner => "Cost per learner",
            Kpi::Profitability => "Profitability",
            Kpi::ClientSatisfaction => "Client satisfaction",
        }
    }

    /// How the figure is computed, in the coordinator's words.
    pub fn definition(self) -> &'static str {
        match self {
            Kpi::FillRate => {
                "Seats filled ÷ seats offered, over the sessions held (scheduled, confirmed, delivered \
                 or closed) that start in the period. A delivered session counts the learners who \
                 came, one still to come its bookings."
            }
            Kpi::InstructorUtilization => {
                "Hours teaching (accepted or confirmed assignments of sessions held) ÷ hours available \
                 (each instructor's weekly working pattern in their own time zone, minus time off), \
                 both counted by the hour inside the period: a session crossing the period's end \
                 brings only its hours inside it."
            }
            Kpi::OnTimeDelivery => {
                "Sessions delivered and never postponed ÷ sessions scheduled that start in the period \
                 and were due to have ended by now."
            }
            Kpi::CancellationRate => {
                "Sessions cancelled or postponed (also those since rescheduled) ÷ sessions scheduled \
                 (everything but drafts) that start in the period, by the reason last given."
            }
            Kpi::AdminActionsPerSession => {
                "Staff actions in the audit trail on a session, its assignments and its enrollments ÷ \
                 sessions delivered that start in the period."
            }
            Kpi::AdminMinutesPerSession => {
                "Admin minutes logged on sessions ÷ sessions delivered that start in the period."
            }
            Kpi::AttendanceRate => {
                "Learners who came (attended, completed or failed) ÷ learners whose attendance was \
                 recorded, at sessions delivered that start in the period."
            }
            Kpi::CompletionRate => {
                "Learners who completed ÷ learners whose attendance was recorded, at sessions \
                 delivered that start in the period."
            }
            Kpi::CostPerLearner => {
                "Total session cost (each line's actual where finance entered it, else its \
                 committed or planned amount) ÷ learners booked, over the sessions delivered that \
                 end in the period, in the currency with the most revenue."
            }
            Kpi::Profitability => {
                "Margin ÷ revenue: revenue recognised on delivery (seat prices of public sessions, \
                 invoiced net of private ones) minus cost, over the sessions delivered that end in \
                 the period. By course, client, program and more in the profitability report."
            }
            Kpi::ClientSatisfaction => {
                "Mean rating (1 to 5) given to the operations questions of the feedback surveys \
                 (organisation, logistics, communication, materials), by learners and client \
                 contacts, about the sessions that start in the period."
            }
        }
    }

    /// The issue that brings a KPI's data, for those whose data does not exist yet.
    pub fn arrives_with(self) -> Option<&'static str> {
        None
    }

    /// Finance figures: only finance, managers and admins see them.
    pub fn is_finance(self) -> bool {
        matches!(self, Kpi::CostPerLearner | Kpi::Profitability)
    }

    /// Whether a rise is good news (a higher cancellation rate or more admin per session is not).
    pub fn higher_is_better(self) -> bool {
        !matches!(
            self,
            Kpi::CancellationRate
                | Kpi::AdminActionsPerSession
                | Kpi::AdminMinutesPerSession
                | Kpi::CostPerLearner
        )
    }

    /// Shown as a percentage (the others are amounts per session).
    pub fn is_percentage(self) -> bool {
        !matches!(
            self,
            Kpi::AdminActionsPerSession
                | Kpi::AdminMinutesPerSession
                | Kpi::CostPerLearner
                | Kpi::ClientSatisfaction
        )
    }

    /// This KPI's figure, where it exists.
    pub fn of(self, f: &Figures) -> Option<Ratio> {
        Some(match self {
            Kpi::FillRate => f.fill_rate,
            Kpi::InstructorUtilization => f.utilization,
            Kpi::OnTimeDelivery => f.on_time_delivery,
            Kpi::CancellationRate => f.cancellation_rate,
            Kpi::AdminActionsPerSession => f.admin_actions_per_session,
            Kpi::AdminMinutesPerSession => f.admin_minutes_per_session,
            Kpi::AttendanceRate => f.attendance_rate,
            Kpi::CompletionRate => f.completion_rate,
            Kpi::CostPerLearner => return f.cost_per_learner,
            Kpi::Profitability => return f.profitability,
            Kpi::ClientSatisfaction => f.client_satisfaction,
        })
    }

    /// The figure as text: "72.5" (percent) or "3.25" (per session), `None` without data.
    pub fn format(self, r: Ratio) -> Option<String> {
        if self == Kpi::CostPerLearner {
            // Minor units per learner; the caller writes it with its currency.
            return crate::costs::per(r).map(|m| m.to_string());
        }
        if self.is_percentage() {
            r.percent()
        } else {
            r.per(2)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3_600_000;
    const DAY: i64 = 24 * H;

    fn session(id: i64, status: SessionStatus, starts_at: i64) -> SessionRow {
        SessionRow {
            id,
            client_id: Some(1),
            course_id: 1,
            status,
            starts_at,
            ends_at: starts_at + 8 * H,
            capacity: 10,
            booked: 6,
            attended: 5,
            no_show: 1,
            completed: 4,
            postponed: false,
            disruption: None,
            sessions: 1,
        }
    }

    fn march() -> Period {
        let utc = TimeZoneName::utc();
        Period::local_days(
            &utc,
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        )
    }

    #[test]
    fn no_sessions_is_no_data_not_zero() {
        let f = figures(march(), i64::MAX, &Rows::default());
        for k in Kpi::ALL {
            if let Some(r) = k.of(&f) {
                assert_eq!(k.format(r), None, "{k:?}");
            }
        }
        assert!(f.cancellations_by_reason.is_empty());
    }

    #[test]
    fn fill_counts_attended_once_delivered_and_booked_before() {
        let p = march();
        let t = p.from_ms + DAY;
        let rows = [
            session(1, SessionStatus::Delivered, t),
            session(2, SessionStatus::Confirmed, t),
            session(3, SessionStatus::Cancelled, t),
            session(4, SessionStatus::Draft, t),
            session(5, SessionStatus::Confirmed, p.until_ms),
        ];
        assert_eq!(fill_rate(p, &rows), Ratio::new(5 + 6, 20));
        assert_eq!(fill_rate(p, &rows).percent().as_deref(), Some("55.0"));
    }

    #[test]
    fn a_session_counts_where_it_starts() {
        let p = march();
        // Starts on the last day of March, runs three days into April.
        let mut s = session(1, SessionStatus::Confirmed, p.until_ms - 2 * H);
        s.ends_at = p.until_ms + 2 * DAY;
        assert_eq!(fill_rate(p, std::slice::from_ref(&s)).denominator, 10);
        let april = Period {
            from_ms: p.until_ms,
            until_ms: p.until_ms + 30 * DAY,
        };
        assert_eq!(fill_rate(april, &[s]).denominator, 0);
    }

    #[test]
    fn cancellations_and_postponements_by_reason() {
        let p = march();
        let t = p.from_ms;
        let mut cancelled = session(1, SessionStatus::Cancelled, t);
        cancelled.disruption = Some(StatusReason::LowEnrollment);
        let mut rescheduled = session(2, SessionStatus::Delivered, t);
        rescheduled.postponed = true;
        rescheduled.disruption = Some(StatusReason::Weather);
        let fine = session(3, SessionStatus::Delivered, t);
        let rows = [
            cancelled,
            rescheduled,
            fine,
            session(4, SessionStatus::Draft, t),
        ];
        assert_eq!(cancellation_rate(p, &rows), Ratio::new(2, 3));
        assert_eq!(
            cancellations_by_reason(p, &rows),
            vec![
                ReasonCount {
                    reason: Some(StatusReason::LowEnrollment),
                    sessions: 1
                },
                ReasonCount {
                    reason: Some(StatusReason::Weather),
                    sessions: 1
                },
            ]
        );
        // Due: all three scheduled ones; on time: only the one never postponed.
        assert_eq!(on_time_delivery(p, t + DAY, &rows), Ratio::new(1, 3));
        // Before they ended, none was due.
        assert_eq!(on_time_delivery(p, t, &rows), Ratio::new(0, 0));
    }

    fn weekdays_nine_to_five(tz: &str) -> InstructorRow {
        InstructorRow {
            instructor_id: 7,
            name: "Anna".into(),
            time_zone: TimeZoneName::parse(tz).unwrap(),
            working_hours: (1..=5)
                .map(|weekday| WorkingHours {
                    weekday,
                    start_minute: 9 * 60,
                    end_minute: 17 * 60,
                })
                .collect(),
            time_off: Vec::new(),
        }
    }

    #[test]
    fn available_hours_follow_the_pattern_in_the_instructors_zone_minus_time_off() {
        let p = march(); // March 2026: 22 weekdays
        let mut anna = weekdays_nine_to_five("Europe/Berlin");
        assert_eq!(anna.available_minutes(p), 22 * 8 * 60);
        // Monday 2 to Wednesday 4 March off, overlapping twice: three days.
        let berlin = anna.time_zone;
        let d = |n| berlin.start_of_day_ms(NaiveDate::from_ymd_opt(2026, 3, n).unwrap());
        anna.time_off = vec![(d(2), d(4)), (d(3), d(5))];
        assert_eq!(anna.available_minutes(p), 19 * 8 * 60);
        // A day in the period's zone (UTC) that is a Berlin working day starting before it:
        // Monday 2 March 09:00 Berlin is 08:00 UTC, inside a period starting at 08:30 UTC.
        let from = d(2) + 9 * H + 30 * 60_000; // 08:30 UTC
        let clipped = Period {
            from_ms: from,
            until_ms: d(3),
        };
        anna.time_off.clear();
        assert_eq!(anna.available_minutes(clipped), 7 * 60 + 30);
    }

    #[test]
    fn teaching_is_clipped_to_the_period() {
        let p = march();
        let anna = weekdays_nine_to_five("UTC");
        let part = |day: i64| TeachingRow {
            instructor_id: 7,
            session_id: 1,
            client_id: None,
            course_id: 1,
            starts_at: p.until_ms - DAY + day * DAY + 9 * H,
            ends_at: p.until_ms - DAY + day * DAY + 17 * H,
        };
        // 31 March (a Tuesday) in the period, 1 and 2 April after it.
        let teaching = [part(0), part(1), part(2)];
        let (total, per) = utilization(p, &teaching, std::slice::from_ref(&anna));
        assert_eq!(total, Ratio::new(8 * 60, 22 * 8 * 60));
        assert_eq!(per[0].utilization, total);
    }

    #[test]
    fn admin_time_is_per_delivered_session() {
        let p = march();
        let t = p.from_ms;
        let rows = [
            session(1, SessionStatus::Delivered, t),
            session(2, SessionStatus::Closed, t),
            session(3, SessionStatus::Confirmed, t),
        ];
        let admin = [
            AdminRow {
                session_id: 1,
                staff_actions: 5,
                minutes: 30,
            },
            AdminRow {
                session_id: 3,
                staff_actions: 9,
                minutes: 90,
            },
        ];
        let (actions, minutes) = admin_time(p, &rows, &admin);
        assert_eq!(actions, Ratio::new(5, 2));
        assert_eq!(minutes, Ratio::new(30, 2));
        assert_eq!(
            Kpi::AdminActionsPerSession.format(actions).as_deref(),
            Some("2.50")
        );
    }

    #[test]
    fn outcomes_over_recorded_attendance_of_delivered_sessions() {
        let p = march();
        let rows = [
            session(1, SessionStatus::Delivered, p.from_ms),
            session(2, SessionStatus::Confirmed, p.from_ms),
        ];
        let (attendance, completion) = learner_outcomes(p, &rows);
        assert_eq!(attendance, Ratio::new(5, 6));
        assert_eq!(completion, Ratio::new(4, 6));
    }

    #[test]
    fn satisfaction_is_the_mean_operations_rating_of_sessions_starting_in_the_period() {
        let p = march();
        let row = |session_id, starts_at, rating, answers| SatisfactionRow {
            session_id,
            starts_at,
            rating,
            answers,
        };
        let ratings = [
            // Session 1: two 5s and a 4; session 2: a 3 and two 2s; session 3 starts in April.
            row(1, p.from_ms, 5, 2),
            row(1, p.from_ms, 4, 1),
            row(2, p.from_ms + DAY, 3, 1),
            row(2, p.from_ms + DAY, 2, 2),
            row(3, p.until_ms, 1, 4),
        ];
        // (5 + 5 + 4 + 3 + 2 + 2) / 6 = 21 / 6 = 3.5
        let r = client_satisfaction(p, &ratings);
        assert_eq!(r, Ratio::new(21, 6));
        assert_eq!(Kpi::ClientSatisfaction.format(r).as_deref(), Some("3.50"));
        // Nobody answered: no data, not 0.
        assert_eq!(
            Kpi::ClientSatisfaction.format(client_satisfaction(p, &[])),
            None
        );
        assert_eq!(
            Kpi::ClientSatisfaction.of(&figures(p, i64::MAX, &Rows::default())),
            Some(Ratio::new(0, 0))
        );
    }

    #[test]
    fn every_kpi_has_a_definition_and_the_missing_ones_say_what_brings_them() {
        for k in Kpi::ALL {
            assert!(!k.definition().is_empty());
            // Finance figures are filled in by the caller who may see them.
            assert_eq!(
                k.of(&Figures::default()).is_none(),
                k.arrives_with().is_some() || k.is_finance()
            );
        }
    }

    fn any_session() -> impl Strategy<Value = (SessionRow, Vec<i64>)> {
        (
            (1..4_i64, 1..4_i64, 0..7_usize, -40..70_i64),
            (0..20_i64, 0..20_i64, 0..20_i64, any::<bool>(), 0..7_usize),
            proptest::collection::vec(0..5_i64, 0..3),
        )
            .prop_map(
                |(
                    (client, course, status, day),
                    (cap, booked, attended, postponed, reason),
                    teach,
                )| {
                    let p = march();
                    let starts_at = p.from_ms + day * DAY / 2;
                    let row = SessionRow {
                        id: 0,
                        client_id: (client < 3).then_some(client),
                        course_id: course,
                        status: SessionStatus::ALL[status],
                        starts_at,
                        ends_at: starts_at + 3 * DAY,
                        capacity: cap,
                        booked,
                        attended: attended.min(booked),
                        no_show: booked - attended.min(booked),
                        completed: attended.min(booked) / 2,
                        postponed,
                        disruption: StatusReason::ALL.get(reason).copied(),
                        sessions: 1,
                    };
                    (row, teach)
                },
            )
    }

    proptest! {
        /// Sessions counted in groups, as the store reads them, give every figure of the period
        /// and of each of its slices exactly as the single sessions do.
        #[test]
        fn grouped_rows_give_the_same_figures(
            raw in proptest::collection::vec(any_session(), 0..40),
            cuts in proptest::collection::vec(1..30_i64, 0..4),
            as_of_day in 0..40_i64,
        ) {
            let p = march();
            let mut rows = Rows::default();
            for (i, (mut s, teach)) in raw.into_iter().enumerate() {
                s.id = i as i64 + 100;
                for (k, instructor) in teach.into_iter().enumerate() {
                    rows.teaching.push(TeachingRow {
                        instructor_id: instructor,
                        session_id: s.id,
                        client_id: s.client_id,
                        course_id: s.course_id,
                        starts_at: s.starts_at + k as i64 * DAY + 5 * 60_000,
                        ends_at: s.starts_at + k as i64 * DAY + 7 * H + 30_000,
                    });
                }
                rows.admin.push(AdminRow { session_id: s.id, staff_actions: i as i64 % 4, minutes: i as i64 * 11 % 50 });
                rows.sessions.push(s);
            }
            let mut bounds: Vec<i64> = cuts.iter().map(|d| p.from_ms + d * DAY).collect();
            bounds.sort_unstable();
            bounds.dedup();
            let as_of = p.from_ms + as_of_day * DAY;
            // The store groups the sessions starting in the period.
            let inside: Vec<SessionRow> = rows.sessions.iter().filter(|s| p.contains(s.starts_at)).cloned().collect();
            let (sessions, admin) = group(&inside, &rows.admin, &bounds, as_of);
            rows.instructors = (0..5)
                .map(|n| InstructorRow { instructor_id: n, ..weekdays_nine_to_five("Europe/Berlin") })
                .collect();
            let grouped = Rows {
                sessions,
                admin,
                instructors: rows.instructors.clone(),
                taught: Some(taught_by_instructor(p, &rows.teaching)),
                ..Rows::default()
            };
            prop_assert_eq!(figures(p, as_of, &grouped), figures(p, as_of, &rows));
            let mut edges = vec![p.from_ms];
            edges.extend(bounds.iter().copied());
            edges.push(p.until_ms);
            for w in edges.windows(2) {
                let slice = Period { from_ms: w[0], until_ms: w[1] };
                prop_assert_eq!(fill_rate(slice, &grouped.sessions), fill_rate(slice, &rows.sessions));
            }
        }

        /// Every numerator (and denominator) summed over a partition by client, or by course,
        /// equals the total's.
        #[test]
        fn numerators_add_up_over_partitions(raw in proptest::collection::vec(any_session(), 0..40)) {
            let p = march();
            let mut rows = Rows::default();
            for (i, (mut s, teach)) in raw.into_iter().enumerate() {
                s.id = i as i64;
                for (k, instructor) in teach.into_iter().enumerate() {
                    rows.teaching.push(TeachingRow {
                        instructor_id: instructor,
                        session_id: s.id,
                        client_id: s.client_id,
                        course_id: s.course_id,
                        starts_at: s.starts_at + k as i64 * DAY,
                        ends_at: s.starts_at + k as i64 * DAY + 7 * H,
                    });
                }
                rows.admin.push(AdminRow { session_id: s.id, staff_actions: i as i64 % 5, minutes: i as i64 * 7 % 60 });
                rows.satisfaction.push(SatisfactionRow { session_id: s.id, starts_at: s.starts_at, rating: 1 + i as i64 % 5, answers: i as i64 % 3 });
                rows.sessions.push(s);
            }
            let as_of = p.from_ms + 20 * DAY;
            let total = figures(p, as_of, &rows);
            let total_teaching = teaching_minutes(p, &rows.teaching);
            type Key = fn(&SessionRow) -> Option<i64>;
            let by_client: Key = |s| s.client_id;
            let by_course: Key = |s| Some(s.course_id);
            for key in [by_client, by_course] {
                let mut groups: Vec<Option<i64>> = rows.sessions.iter().map(key).collect();
                groups.sort_unstable();
                groups.dedup();
                let mut sum = Figures::default();
                let mut reasons = std::collections::HashMap::new();
                let mut teaching = 0;
                for g in groups {
                    let part = Rows {
                        sessions: rows.sessions.iter().filter(|s| key(s) == g).cloned().collect(),
                        teaching: rows.teaching.iter().filter(|t| {
                            let s = &rows.sessions[t.session_id as usize];
                            key(s) == g
                        }).cloned().collect(),
                        instructors: Vec::new(),
                        admin: rows.admin.clone(),
                        satisfaction: rows.satisfaction.iter().filter(|x| {
                            key(&rows.sessions[x.session_id as usize]) == g
                        }).copied().collect(),
                        taught: None,
                    };
                    let f = figures(p, as_of, &part);
                    sum.fill_rate.add(f.fill_rate);
                    sum.on_time_delivery.add(f.on_time_delivery);
                    sum.cancellation_rate.add(f.cancellation_rate);
                    sum.admin_actions_per_session.add(f.admin_actions_per_session);
                    sum.admin_minutes_per_session.add(f.admin_minutes_per_session);
                    sum.attendance_rate.add(f.attendance_rate);
                    sum.completion_rate.add(f.completion_rate);
                    sum.client_satisfaction.add(f.client_satisfaction);
                    for c in f.cancellations_by_reason {
                        *reasons.entry(c.reason).or_insert(0) += c.sessions;
                    }
                    teaching += teaching_minutes(p, &part.teaching);
                }
                prop_assert_eq!(sum.fill_rate, total.fill_rate);
                prop_assert_eq!(sum.on_time_delivery, total.on_time_delivery);
                prop_assert_eq!(sum.cancellation_rate, total.cancellation_rate);
                prop_assert_eq!(sum.admin_actions_per_session, total.admin_actions_per_session);
                prop_assert_eq!(sum.admin_minutes_per_session, total.admin_minutes_per_session);
                prop_assert_eq!(sum.attendance_rate, total.attendance_rate);
                prop_assert_eq!(sum.completion_rate, total.completion_rate);
                prop_assert_eq!(sum.client_satisfaction, total.client_satisfaction);
                prop_assert_eq!(teaching, total_teaching);
                for c in &total.cancellations_by_reason {
                    prop_assert_eq!(reasons.get(&c.reason).copied().unwrap_or(0), c.sessions);
                }
                prop_assert_eq!(reasons.values().sum::<i64>(), total.cancellation_rate.numerator);
            }
        }
    }
}
