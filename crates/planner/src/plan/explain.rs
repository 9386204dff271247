//! Why a session cannot be placed. Static checks run before the search (no instructor, too few
//! allowed periods, no room large enough, …) and take impossible sessions out of it; after the
//! search, parts that still break a hard constraint are taken out of the plan one by one and each
//! is explained by what blocks it at its least-blocked slot.

use serde::{Deserialize, Serialize};

use super::compiled::{Compiled, domain};
use super::cost::{Constraint, HARD_END};
use super::model::{Mode, NONE, Problem};
use super::state::State;

/// Why a part has no place in the plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    NoCandidateInstructor,
    NoCandidateRoom,
    NoRoomLargeEnough {
        learners: u32,
        largest: u32,
    },
    TooFewAllowedPeriods {
        parts: u32,
        allowed: u32,
    },
    PoolTooSmall {
        pool: String,
        needed: u32,
        capacity: u32,
    },
    /// Every candidate instructor is unavailable in all but `free` of the allowed periods.
    InstructorsUnavailable {
        parts: u32,
        free: u32,
    },
    /// Every candidate room is closed in all but `free` of the allowed periods.
    RoomsClosed {
        parts: u32,
        free: u32,
    },
    /// After the search: at its least-blocked slot the part would still break these constraints,
    /// because of these other sessions.
    Blocked {
        day: u32,
        start: u32,
        constraints: Vec<Constraint>,
        with_sessions: Vec<String>,
    },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::NoCandidateInstructor => write!(f, "no qualified instructor"),
            Reason::NoCandidateRoom => write!(f, "no room with the required features"),
            Reason::NoRoomLargeEnough { learners, largest } => write!(
                f,
                "no room for {learners} learners (the largest candidate room seats {largest})"
            ),
            Reason::TooFewAllowedPeriods { parts, allowed } => write!(
                f,
                "{parts} parts but only {allowed} allowed start periods in the window"
            ),
            Reason::PoolTooSmall {
                pool,
                needed,
                capacity,
            } => write!(f, "needs {needed} of {pool}, which has only {capacity}"),
            Reason::InstructorsUnavailable { parts, free } => write!(
                f,
                "{parts} parts, but every qualified instructor is free in at most {free} of the allowed periods"
            ),
            Reason::RoomsClosed { parts, free } => write!(
                f,
                "{parts} parts, but the suitable rooms are open in only {free} of the allowed periods"
            ),
            Reason::Blocked {
                day,
                start,
                constraints,
                with_sessions,
            } => {
                write!(f, "at best on day {day}, slot {start}: ")?;
                let words: Vec<&str> = constraints.iter().map(|c| c.describe()).collect();
                write!(f, "{}", words.join("; "))?;
                if !with_sessions.is_empty() {
                    write!(f, " (with {})", with_sessions.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

/// A part the plan leaves out, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Unplaced {
    pub session: usize,
    pub session_id: String,
    pub part: u32,
    pub reasons: Vec<Reason>,
}

/// Reasons, per session, that make it impossible whatever else happens (empty when none).
pub fn static_checks(p: &Problem) -> Vec<Vec<Reason>> {
    let t = p.grid.periods() as usize;
    p.sessions
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let mut out = Vec::new();
            if s.pinned {
                return out;
            }
            let starts = domain(p, si);
            if (starts.len() as u32) < s.parts {
                out.push(Reason::TooFewAllowedPeriods {
                    parts: s.parts,
                    allowed: starts.len() as u32,
                });
            }
            if s.instructors.is_empty() {
                out.push(Reason::NoCandidateInstructor);
            } else if !starts.is_empty() {
                let free = s
                    .instructors
                    .iter()
                    .map(|cand| {
                        let ins = &p.instructors[cand.instructor];
                        let mut blocked = vec![false; t];
                        for &u in &ins.unavailable {
                            blocked[u as usize] = true;
                        }
                        for b in &ins.busy {
                            let b0 = (b.day * p.grid.periods_per_day + b.start) as usize;
                            for slot in &mut blocked[b0..b0 + b.len as usize] {
                                *slot = true;
                            }
                        }
                        starts
                            .iter()
                            .filter(|&&q| (q..q + s.part_len).all(|u| !blocked[u as usize]))
                            .count() as u32
                    })
                    .max()
                    .unwrap_or(0);
                if free < s.parts {
                    out.push(Reason::InstructorsUnavailable {
                        parts: s.parts,
                        free,
                    });
                }
            }
            if s.mode == Mode::InPerson {
                if s.rooms.is_empty() {
                    out.push(Reason::NoCandidateRoom);
                } else {
                    let largest = s
                        .rooms
                        .iter()
                        .map(|&r| p.rooms[r].capacity)
                        .max()
                        .unwrap_or(0);
                    let hard = p.capacity == super::model::CapacityRule::Hard;
                    if hard && largest < s.learners {
                        out.push(Reason::NoRoomLargeEnough {
                            learners: s.learners,
                            largest,
                        });
                    } else if !starts.is_empty() {
                        let rooms: Vec<usize> = s
                            .rooms
                            .iter()
                            .copied()
                            .filter(|&r| !hard || p.rooms[r].capacity >= s.learners)
                            .collect();
                        let mut closed = vec![false; p.rooms.len() * t];
                        for &r in &rooms {
                            for &u in &p.rooms[r].unavailable {
                                closed[r * t + u as usize] = true;
                            }
                        }
                        let free = starts
                            .iter()
                            .filter(|&&q| {
                                rooms.iter().any(|&r| {
                                    (q..q + s.part_len).all(|u| !closed[r * t + u as usize])
                                })
                            })
                            .count() as u32;
                        if free < s.parts {
                            out.push(Reason::RoomsClosed {
                                parts: s.parts,
                                free,
                            });
                        }
                    }
                }
            }
            for n in &s.resources {
                let pool = &p.pools[n.pool];
                if n.count > pool.capacity {
                    out.push(Reason::PoolTooSmall {
                        pool: pool.id.clone(),
                        needed: n.count,
                        capacity: pool.capacity,
                    });
                }
            }
            out
        })
        .collect()
}

/// Takes parts in hard violations out of the plan, worst first, until none is left; returns them.
pub(crate) fn evict_violators(st: &mut State) -> Vec<u32> {
    let c = st.c;
    let mut out = Vec::new();
    while st.hard() - st.raw[super::cost::UNPLACED] > 0 {
        let mut worst = (0i64, NONE);
        for &x in &c.movable {
            if st.pos_t[x as usize] == NONE {
                continue;
            }
            let h: i64 = st.part_hard(x).iter().sum();
            if h > worst.0 {
                worst = (h, x);
            }
        }
        if worst.1 == NONE {
            break; // what remains involves only pinned parts
        }
        st.unplace(worst.1);
        st.raw[super::cost::UNPLACED] += 1;
        out.push(worst.1);
    }
    out
}

/// What blocks unplaced part `x` at its least-blocked slot (the plan is left as it was).
pub(crate) fn blocked(st: &mut State, p: &Problem, x: u32) -> Reason {
    let c: &Compiled = st.c;
    let s = c.part_session[x as usize] as usize;
    let si = &c.sessions[s];
    let mut best: (i64, u32, u32, [i64; HARD_END]) = (i64::MAX, NONE, NONE, [0; HARD_END]);
    let rooms: Vec<u32> = if si.is_virtual {
        vec![NONE]
    } else {
        si.rooms.clone()
    };
    for &t in &si.starts {
        for &r in &rooms {
            let before = st.raw;
            st.place(x, t, r);
            let mut d = [0i64; HARD_END];
            for (k, v) in d.iter_mut().enumerate() {
                *v = st.raw[k] - before[k];
            }
            st.unplace(x);
            let h: i64 = d.iter().sum();
            if h < best.0 {
                best = (h, t, r, d);
            }
        }
    }
    if best.1 == NONE {
        return Reason::TooFewAllowedPeriods {
            parts: si.parts,
            allowed: 0,
        };
    }
    let (_, t, r, d) = best;
    let constraints: Vec<Constraint> = d
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0)
        .filter_map(|(k, _)| Constraint::from_index(k))
        .collect();
    // Sessions sharing the slot's periods with it through a room, the instructor or a cohort.
    let mut with: Vec<String> = Vec::new();
    let inst = st.inst_of[s];
    let lo = t.saturating_sub(c.max_len - 1);
    for q in lo..t + si.len {
        for &y in &st.period_parts[q as usize] {
            let ys = c.part_session[y as usize] as usize;
            if ys == s {
                continue;
            }
            let yt = st.pos_t[y as usize];
            let ylen = c.sessions[ys].len;
            if yt + ylen <= t || yt >= t + si.len {
                continue;
            }
            let shares = (r != NONE && st.pos_r[y as usize] == r)
                || (inst != NONE && st.inst_of[ys] == inst)
                || c.sessions_conflict(s as u32, ys as u32);
            if shares && !with.contains(&p.sessions[ys].id) {
                with.push(p.sessions[ys].id.clone());
            }
        }
    }
    with.sort();
    Reason::Blocked {
        day: c.day_of[t as usize],
        start: c.slot_of[t as usize],
        constraints,
        with_sessions: with,
    }
}
