//! The planning problem as the caller states it: a discrete time grid, the sessions to place, and
//! the instructors, rooms, pools, cohorts and locations they compete for. Everything is plain data
//! (serde), indices point into the problem's own lists, so a problem can be exported to JSON and
//! solved elsewhere (the OR-Tools comparison reads the same file).
//!
//! Qualification, expiry and room features are resolved by the caller: a session lists only the
//! instructors allowed to teach it (with their cost) and the rooms that have what it needs.

use serde::{Deserialize, Serialize};

/// Marks "none" in the compact per-part arrays.
pub(crate) const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Problem {
    pub name: String,
    pub grid: Grid,
    pub sessions: Vec<Session>,
    pub instructors: Vec<Instructor>,
    pub rooms: Vec<Room>,
    #[serde(default)]
    pub pools: Vec<Pool>,
    /// Learner groups (curricula, a client's delegates) whose sessions must not overlap.
    #[serde(default)]
    pub cohorts: Vec<Named>,
    /// A client's contracted series; its sessions are spread over distinct days.
    #[serde(default)]
    pub programs: Vec<Named>,
    #[serde(default)]
    pub locations: Vec<Named>,
    /// `travel[a][b]`: periods needed to go from location `a` to `b`. Empty: no travel anywhere.
    #[serde(default)]
    pub travel: Vec<Vec<u32>>,
    #[serde(default)]
    pub weights: Weights,
    /// Room capacity below the expected learners: forbidden (hard) or penalised per learner (soft).
    #[serde(default)]
    pub capacity: CapacityRule,
}

/// `days × periods_per_day` periods; period `t` is day `t / periods_per_day`, slot
/// `t % periods_per_day`. A period is abstract: a half-day, a lecture slot, an hour.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Grid {
    pub days: u32,
    pub periods_per_day: u32,
    /// The week each day falls in (for weekly limits). Empty: `day / 7`.
    #[serde(default)]
    pub week_of_day: Vec<u32>,
    /// The month each day falls in (for monthly limits). Empty: `day / 30`.
    #[serde(default)]
    pub month_of_day: Vec<u32>,
}

impl Grid {
    pub fn periods(&self) -> u32 {
        self.days * self.periods_per_day
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Named {
    pub id: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum CapacityRule {
    #[default]
    Hard,
    Soft,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Needs a room from the session's candidate rooms.
    #[default]
    InPerson,
    /// Needs no room (perhaps a pooled platform licence, listed in `resources`).
    Virtual,
}

/// One session to place: `parts` parts, each `part_len` consecutive periods within one day, in
/// distinct periods.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Session {
    pub id: String,
    pub parts: u32,
    #[serde(default = "one")]
    pub part_len: u32,
    /// First and last day (inclusive) a part may fall on. None: the whole grid.
    #[serde(default)]
    pub window: Option<(u32, u32)>,
    /// Days a part may fall on. Empty: every day of the window.
    #[serde(default)]
    pub allowed_days: Vec<u32>,
    /// Slots of the day a part may start at. Empty: any slot where the part fits.
    #[serde(default)]
    pub allowed_starts: Vec<u32>,
    /// Periods no part of this session may cover.
    #[serde(default)]
    pub forbidden_periods: Vec<u32>,
    #[serde(default)]
    pub learners: u32,
    #[serde(default)]
    pub mode: Mode,
    /// Who may teach it (qualified, not expired), with what one part costs. One entry: fixed.
    pub instructors: Vec<Candidate>,
    /// Rooms with the features it needs (ignored for virtual sessions).
    #[serde(default)]
    pub rooms: Vec<usize>,
    /// Pooled resources every part needs while it runs.
    #[serde(default)]
    pub resources: Vec<Need>,
    #[serde(default)]
    pub cohorts: Vec<usize>,
    #[serde(default)]
    pub program: Option<usize>,
    #[serde(default)]
    pub preferred_days: Vec<u32>,
    #[serde(default)]
    pub preferred_rooms: Vec<usize>,
    /// Its parts should fall on at least this many distinct days.
    #[serde(default)]
    pub min_days: u32,
    /// Its parts should fall on consecutive days of the grid, as a multi-day course does: every
    /// day between its first and last day without a part of it costs `Weights::gap_days`.
    #[serde(default)]
    pub consecutive_days: bool,
    /// The published placement (repair minimises changes to it; it is also the starting point).
    #[serde(default)]
    pub published: Option<Placement>,
    /// Keep the published placement as it is (a confirmed session).
    #[serde(default)]
    pub pinned: bool,
    /// People already told of the published placement (booked learners, the client's contact,
    /// its instructors). A broken promise costs in proportion to them: each part moved to another
    /// day or time costs `Weights::moved` × (1 + told), a new instructor
    /// `Weights::instructor_changed` × (1 + told).
    #[serde(default)]
    pub told: u32,
    /// Keep the published days and times (the session starts within the notice period): only
    /// its instructor and room may change. Without a published placement it cannot be placed.
    #[serde(default)]
    pub keep_times: bool,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Candidate {
    pub instructor: usize,
    /// Cost of one part with this instructor (any unit; weighted by `Weights::instructor_cost`).
    #[serde(default)]
    pub cost_per_part: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Need {
    pub pool: usize,
    pub count: u32,
}

/// Where a session runs: its instructor and one slot per part.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Placement {
    pub instructor: Option<usize>,
    pub parts: Vec<Slot>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    pub day: u32,
    /// Slot of the day the part starts at.
    pub start: u32,
    /// None for a virtual part.
    pub room: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Instructor {
    pub id: String,
    /// Periods (grid indices) the instructor cannot teach.
    #[serde(default)]
    pub unavailable: Vec<u32>,
    #[serde(default)]
    pub home: Option<usize>,
    #[serde(default)]
    pub max_parts_per_week: Option<u32>,
    #[serde(default)]
    pub max_parts_per_month: Option<u32>,
    /// Parts already fixed outside this problem: they occupy the instructor and count towards limits.
    #[serde(default)]
    pub busy: Vec<Busy>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Busy {
    pub day: u32,
    pub start: u32,
    pub len: u32,
    #[serde(default)]
    pub location: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Room {
    pub id: String,
    pub capacity: u32,
    #[serde(default)]
    pub location: Option<usize>,
    /// Periods the room cannot be used (closed, booked outside the plan).
    #[serde(default)]
    pub unavailable: Vec<u32>,
}

/// Interchangeable units (projector kits, platform licences): at most `capacity` in use per period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Pool {
    pub id: String,
    pub capacity: u32,
    /// Units already in use outside the plan: (period, units).
    #[serde(default)]
    pub in_use: Vec<(u32, u32)>,
}

/// What each soft objective weighs. Zero switches an objective off (and skips its bookkeeping).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Weights {
    /// Per unit of `Candidate::cost_per_part`.
    pub instructor_cost: i64,
    /// Per period of travel from the instructor's home to the part's room.
    pub travel: i64,
    /// Per unit of Σ load² over instructors (load = parts taught): favours even loads.
    pub fairness: i64,
    /// Per part on a day outside the session's preferred days (when it has some).
    pub preferred_day: i64,
    /// Per part in a room outside the session's preferred rooms (when it has some).
    pub preferred_room: i64,
    /// Per day a session falls short of its `min_days` (ITC2007 MinimumWorkingDays).
    pub min_days: i64,
    /// Per extra session of one program on the same day.
    pub program_spread: i64,
    /// Per cohort part with no other part of the cohort adjacent on its day (ITC2007
    /// CurriculumCompactness).
    pub compactness: i64,
    /// Per room a session uses beyond its first (ITC2007 RoomStability).
    pub room_stability: i64,
    /// Per learner above room capacity, when capacity is soft (ITC2007 RoomCapacity).
    pub capacity: i64,
    /// Per part moved away from its published day or time (repair), and again per person
    /// already told of it (`Session::told`); once per part only moved to another room.
    pub moved: i64,
    /// Per session whose instructor differs from the published one (repair), and again per
    /// person already told of it.
    pub instructor_changed: i64,
    /// Per day without a part between the first and last day of a `consecutive_days` session.
    pub gap_days: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            instructor_cost: 1,
            travel: 10,
            fairness: 1,
            preferred_day: 5,
            preferred_room: 5,
            min_days: 5,
            program_spread: 5,
            compactness: 2,
            room_stability: 1,
            capacity: 1,
            moved: 100,
            instructor_changed: 100,
            gap_days: 500,
        }
    }
}

impl Weights {
    /// Every objective off; set the ones you want.
    pub fn zero() -> Self {
        Self {
            instructor_cost: 0,
            travel: 0,
            fairness: 0,
            preferred_day: 0,
            preferred_room: 0,
            min_days: 0,
            program_spread: 0,
            compactness: 0,
            room_stability: 0,
            capacity: 0,
            moved: 0,
            instructor_changed: 0,
            gap_days: 0,
        }
    }
}

/// A problem that refers to something that does not exist, or cannot be laid on its grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidProblem(pub String);

impl std::fmt::Display for InvalidProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid planning problem: {}", self.0)
    }
}

impl std::error::Error for InvalidProblem {}

impl Problem {
    /// Checks every index and size; the solver relies on it.
    pub fn validate(&self) -> Result<(), InvalidProblem> {
        let bad = |m: String| Err(InvalidProblem(m));
        let g = &self.grid;
        if g.days == 0 || g.periods_per_day == 0 {
            return bad("the grid has no periods".into());
        }
        if g.periods() > 1_000_000 {
            return bad("the grid has more than 1,000,000 periods".into());
        }
        for (name, v) in [
            ("week_of_day", &g.week_of_day),
            ("month_of_day", &g.month_of_day),
        ] {
            if !v.is_empty() && v.len() != g.days as usize {
                return bad(format!(
                    "{name} has {} entries for {} days",
                    v.len(),
                    g.days
                ));
            }
        }
        let t = g.periods();
        let nl = self.locations.len();
        if !self.travel.is_empty()
            && (self.travel.len() != nl || self.travel.iter().any(|r| r.len() != nl))
        {
            return bad(format!("travel must be a {nl}×{nl} matrix"));
        }
        let loc_ok = |l: &Option<usize>| l.is_none_or(|l| l < nl);
        if let Some(q) = self
            .pools
            .iter()
            .find(|q| q.in_use.iter().any(|(p, _)| *p >= t))
        {
            return bad(format!("pool {}: a period in use is out of the grid", q.id));
        }
        for i in &self.instructors {
            if i.unavailable.iter().any(|&p| p >= t) {
                return bad(format!(
                    "instructor {}: unavailable period out of the grid",
                    i.id
                ));
            }
            if !loc_ok(&i.home) {
                return bad(format!("instructor {}: unknown home location", i.id));
            }
            for b in &i.busy {
                if b.day >= g.days || b.len == 0 || b.start + b.len > g.periods_per_day {
                    return bad(format!("instructor {}: busy entry off the grid", i.id));
                }
                if !loc_ok(&b.location) {
                    return bad(format!(
                        "instructor {}: busy entry at an unknown location",
                        i.id
                    ));
                }
            }
        }
        for r in &self.rooms {
            if !loc_ok(&r.location) || r.unavailable.iter().any(|&p| p >= t) {
                return bad(format!("room {}: unknown location or period", r.id));
            }
        }
        for s in &self.sessions {
            let e = |m: &str| bad(format!("session {}: {m}", s.id));
            if s.parts == 0 {
                return e("has no parts");
            }
            if s.part_len == 0 || s.part_len > g.periods_per_day {
                return e("part length does not fit in a day");
            }
            if s.instructors
                .iter()
                .any(|c| c.instructor >= self.instructors.len())
            {
                return e("unknown instructor");
            }
            if s.rooms
                .iter()
                .chain(&s.preferred_rooms)
                .any(|&r| r >= self.rooms.len())
            {
                return e("unknown room");
            }
            if s.resources.iter().any(|n| n.pool >= self.pools.len()) {
                return e("unknown pool");
            }
            if s.cohorts.iter().any(|&c| c >= self.cohorts.len()) {
                return e("unknown cohort");
            }
            if s.program.is_some_and(|p| p >= self.programs.len()) {
                return e("unknown program");
            }
            if s.forbidden_periods.iter().any(|&p| p >= t)
                || s.allowed_days
                    .iter()
                    .chain(&s.preferred_days)
                    .any(|&d| d >= g.days)
                || s.allowed_starts.iter().any(|&p| p >= g.periods_per_day)
            {
                return e("period, day or slot out of the grid");
            }
            if let Some(p) = &s.published {
                if p.parts.len() != s.parts as usize {
                    return e("published placement has a different number of parts");
                }
                if p.instructor.is_some_and(|i| i >= self.instructors.len()) {
                    return e("published instructor unknown");
                }
                for sl in &p.parts {
                    if sl.day >= g.days
                        || sl.start + s.part_len > g.periods_per_day
                        || sl.room.is_some_and(|r| r >= self.rooms.len())
                    {
                        return e("published slot off the grid");
                    }
                }
            } else if s.pinned {
                return e("pinned without a published placement");
            }
        }
        Ok(())
    }
}
