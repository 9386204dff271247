//! The cost of a plan: hard violations by constraint and soft penalties by objective, each raw
//! (a count) and weighted. Internally a fixed array indexed by the constants below, so the search
//! updates it with plain additions.

use serde::{Deserialize, Serialize};

// Hard constraints (violation counts).
pub(crate) const ROOM: usize = 0;
pub(crate) const INSTRUCTOR: usize = 1;
pub(crate) const COHORT: usize = 2;
pub(crate) const POOL: usize = 3;
pub(crate) const UNAVAILABLE: usize = 4;
pub(crate) const ROOM_CLOSED: usize = 5;
pub(crate) const TRAVEL_BUFFER: usize = 6;
pub(crate) const LIMIT: usize = 7;
pub(crate) const SELF_OVERLAP: usize = 8;
pub(crate) const UNPLACED: usize = 9;
pub(crate) const HARD_END: usize = 10;
// Soft objectives (raw amounts).
pub(crate) const COST: usize = 10;
pub(crate) const TRAVEL: usize = 11;
pub(crate) const FAIRNESS: usize = 12;
pub(crate) const PREF_DAY: usize = 13;
pub(crate) const PREF_ROOM: usize = 14;
pub(crate) const MIN_DAYS: usize = 15;
pub(crate) const PROGRAM_SPREAD: usize = 16;
pub(crate) const COMPACTNESS: usize = 17;
pub(crate) const ROOM_STABILITY: usize = 18;
pub(crate) const CAPACITY: usize = 19;
pub(crate) const MOVED: usize = 20;
pub(crate) const INSTRUCTOR_CHANGED: usize = 21;
pub(crate) const GAP_DAYS: usize = 22;
pub(crate) const N: usize = 23;

/// A hard constraint, as the explanation of a violation or of an unplaced part names it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    RoomDoubleBooked,
    InstructorDoubleBooked,
    CohortOverlap,
    PoolExceeded,
    InstructorUnavailable,
    RoomClosed,
    TravelBuffer,
    InstructorLimit,
    PartsOverlap,
    NoRoom,
    NoInstructor,
}

impl Constraint {
    pub(crate) fn from_index(k: usize) -> Option<Self> {
        Some(match k {
            ROOM => Self::RoomDoubleBooked,
            INSTRUCTOR => Self::InstructorDoubleBooked,
            COHORT => Self::CohortOverlap,
            POOL => Self::PoolExceeded,
            UNAVAILABLE => Self::InstructorUnavailable,
            ROOM_CLOSED => Self::RoomClosed,
            TRAVEL_BUFFER => Self::TravelBuffer,
            LIMIT => Self::InstructorLimit,
            SELF_OVERLAP => Self::PartsOverlap,
            _ => return None,
        })
    }

    /// In a coordinator's words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::RoomDoubleBooked => "the room is already booked then",
            Self::InstructorDoubleBooked => "the instructor is already teaching then",
            Self::CohortOverlap => "the same learners have another session then",
            Self::PoolExceeded => "not enough pooled equipment or licences then",
            Self::InstructorUnavailable => "the instructor is unavailable then",
            Self::RoomClosed => "the room is closed then",
            Self::TravelBuffer => "the instructor cannot travel between venues in time",
            Self::InstructorLimit => "the instructor's weekly or monthly limit would be exceeded",
            Self::PartsOverlap => "two parts of the session would overlap",
            Self::NoRoom => "no suitable room",
            Self::NoInstructor => "no qualified instructor",
        }
    }
}

/// Hard violation counts; a plan is feasible when all are zero.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct HardViolations {
    pub room_double_booked: i64,
    pub instructor_double_booked: i64,
    pub cohort_overlap: i64,
    pub pool_exceeded: i64,
    pub instructor_unavailable: i64,
    pub room_closed: i64,
    pub travel_buffer: i64,
    pub instructor_limit: i64,
    pub parts_overlap: i64,
    pub unplaced_parts: i64,
}

impl HardViolations {
    pub fn total(&self) -> i64 {
        self.room_double_booked
            + self.instructor_double_booked
            + self.cohort_overlap
            + self.pool_exceeded
            + self.instructor_unavailable
            + self.room_closed
            + self.travel_buffer
            + self.instructor_limit
            + self.parts_overlap
            + self.unplaced_parts
    }
}

/// One soft objective: its raw amount, its weight, and their product.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Term {
    pub raw: i64,
    pub weight: i64,
    pub penalty: i64,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SoftCost {
    pub instructor_cost: Term,
    pub travel: Term,
    pub fairness: Term,
    pub preferred_days: Term,
    pub preferred_rooms: Term,
    pub min_days: Term,
    pub program_spread: Term,
    pub compactness: Term,
    pub room_stability: Term,
    pub capacity: Term,
    pub moved_parts: Term,
    pub instructor_changes: Term,
    #[serde(default)]
    pub gap_days: Term,
}

impl SoftCost {
    pub fn terms(&self) -> [(&'static str, Term); 13] {
        [
            ("instructor_cost", self.instructor_cost),
            ("travel", self.travel),
            ("fairness", self.fairness),
            ("preferred_days", self.preferred_days),
            ("preferred_rooms", self.preferred_rooms),
            ("min_days", self.min_days),
            ("program_spread", self.program_spread),
            ("compactness", self.compactness),
            ("room_stability", self.room_stability),
            ("capacity", self.capacity),
            ("moved_parts", self.moved_parts),
            ("instructor_changes", self.instructor_changes),
            ("gap_days", self.gap_days),
        ]
    }

    pub fn total(&self) -> i64 {
        self.terms().iter().map(|(_, t)| t.penalty).sum()
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct CostBreakdown {
    pub hard: HardViolations,
    pub soft: SoftCost,
}

impl CostBreakdown {
    pub(crate) fn from_raw(raw: &[i64; N], w: &[i64; N]) -> Self {
        let term = |k: usize| Term {
            raw: raw[k],
            weight: w[k],
            penalty: raw[k] * w[k],
        };
        CostBreakdown {
            hard: HardViolations {
                room_double_booked: raw[ROOM],
                instructor_double_booked: raw[INSTRUCTOR],
                cohort_overlap: raw[COHORT],
                pool_exceeded: raw[POOL],
                instructor_unavailable: raw[UNAVAILABLE],
                room_closed: raw[ROOM_CLOSED],
                travel_buffer: raw[TRAVEL_BUFFER],
                instructor_limit: raw[LIMIT],
                parts_overlap: raw[SELF_OVERLAP],
                unplaced_parts: raw[UNPLACED],
            },
            soft: SoftCost {
                instructor_cost: term(COST),
                travel: term(TRAVEL),
                fairness: term(FAIRNESS),
                preferred_days: term(PREF_DAY),
                preferred_rooms: term(PREF_ROOM),
                min_days: term(MIN_DAYS),
                program_spread: term(PROGRAM_SPREAD),
                compactness: term(COMPACTNESS),
                room_stability: term(ROOM_STABILITY),
                capacity: term(CAPACITY),
                moved_parts: term(MOVED),
                instructor_changes: term(INSTRUCTOR_CHANGED),
                gap_days: term(GAP_DAYS),
            },
        }
    }
}
