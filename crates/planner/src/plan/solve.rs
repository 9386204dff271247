//! The entry points: [`solve`] a problem, [`repair`] a published plan after a change.
//!
//! Determinism: one run is a pure function of the problem, the seed and the iteration budget.
//! With `threads > 1` each thread runs its own seed (derived from the given one); at fixed points
//! of the cooling (fractions of the budget) the threads meet and any thread whose best plan is
//! worse than another's continues from that plan; at the end the best plan wins, ties going to the
//! lower thread, so the result is still fixed by seed and budget. With a
//! deadline the search stops (and cools) by the clock, so the result then depends on the
//! machine's speed: use an iteration budget where reproducibility matters.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::compiled::Compiled;
use super::cost::{CostBreakdown, UNPLACED};
use super::explain::{self, Unplaced};
use super::model::{InvalidProblem, NONE, Problem, Slot, Weights};
use super::search::{Budget, Exchange, Schedule, Search, Snapshot};

#[derive(Debug, Clone)]
pub struct SolveOptions {
    pub seed: u64,
    /// Independent searches run side by side (0: one per core, at most 2).
    pub threads: usize,
    /// Attempted moves per search (construction and feasibility steps count too).
    /// None with no deadline: 2,000,000.
    pub max_iterations: Option<u64>,
    /// Stop by then (the annealing cools over the time left).
    pub deadline: Option<Instant>,
    /// Annealing start and end temperatures (None: calibrated, end = start / 30).
    pub t0: Option<f64>,
    pub t_end: Option<f64>,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            seed: 0,
            threads: 1,
            max_iterations: None,
            deadline: None,
            t0: None,
            t_end: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// A first plan, most constrained sessions first.
    Constructed,
    /// Removing hard violations.
    Feasibility,
    /// Lowering the soft cost of a feasible plan.
    Optimisation,
    Done,
}

/// Reported as the search runs: the best plan's cost so far in one search thread.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Progress {
    pub thread: usize,
    pub phase: Phase,
    pub iterations: u64,
    pub hard: i64,
    pub soft: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionPlan {
    pub session: usize,
    pub id: String,
    pub instructor: Option<usize>,
    /// One entry per part; None for a part left out (see `Outcome::BestEffort`).
    pub parts: Vec<Option<Slot>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stats {
    pub seed: u64,
    pub threads: usize,
    /// The thread whose plan won.
    pub best_thread: usize,
    /// Attempted moves, all threads.
    pub iterations: u64,
    /// Attempted moves of the winning thread until its first feasible plan.
    pub iterations_to_feasible: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Plan {
    pub sessions: Vec<SessionPlan>,
    pub cost: CostBreakdown,
    pub stats: Stats,
}

/// A plan that places everything and breaks no hard constraint, or the best plan found with the
/// parts that could not be placed and why. Never a silent partial plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    Feasible { plan: Plan },
    BestEffort { plan: Plan, unplaced: Vec<Unplaced> },
}

impl Outcome {
    pub fn plan(&self) -> &Plan {
        match self {
            Outcome::Feasible { plan } | Outcome::BestEffort { plan, .. } => plan,
        }
    }

    pub fn is_feasible(&self) -> bool {
        matches!(self, Outcome::Feasible { .. })
    }

    pub fn unplaced(&self) -> &[Unplaced] {
        match self {
            Outcome::Feasible { .. } => &[],
            Outcome::BestEffort { unplaced, .. } => unplaced,
        }
    }
}

fn thread_seed(seed: u64, thread: usize) -> u64 {
    if thread == 0 {
        seed
    } else {
        seed ^ (thread as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
}

/// Plans `problem`: construction, then hard-constraint repair, then annealing, in `threads`
/// independent searches; the best plan wins. `progress` hears of each search's best cost.
pub fn solve(
    problem: &Problem,
    options: &SolveOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Outcome, InvalidProblem> {
    problem.validate()?;
    let reasons = explain::static_checks(problem);
    let skip: Vec<bool> = reasons.iter().map(|r| !r.is_empty()).collect();
    let c = Compiled::new(problem, &skip);
    let threads = match options.threads {
        0 => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(2),
        n => n,
    };
    let max_iterations = options
        .max_iterations
        .unwrap_or(if options.deadline.is_some() {
            u64::MAX
        } else {
            2_000_000
        });
    let budget = Budget {
        max_iterations,
        deadline: options.deadline,
    };
    let schedule = Schedule {
        t0: options.t0,
        t_end: options.t_end,
    };
    let exchange = Exchange::new(threads, exchange_points());
    let runs: Vec<(Snapshot, u64, Option<u64>)> = if threads == 1 {
        vec![run(&c, options.seed, budget, schedule, None, 0, progress)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|k| {
                    let c = &c;
                    let ex = &exchange;
                    let seed = thread_seed(options.seed, k);
                    scope.spawn(move || {
                        let _attendance = ex.attend();
                        run(c, seed, budget, schedule, Some(ex), k, progress)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a search thread panicked"))
                .collect()
        })
    };
    let total_iterations = runs.iter().map(|r| r.1).sum();
    let (best_thread, (snap, _, to_feasible)) = runs
        .into_iter()
        .enumerate()
        .min_by_key(|(k, r)| (r.0.hard, r.0.soft, *k))
        .expect("at least one search");

    // The winning plan, rebuilt and priced from scratch.
    let mut se = Search::new(&c, 0);
    se.best = snap;
    se.restore_best();
    let mut st = se.st;
    let evicted = explain::evict_violators(&mut st);
    let mut unplaced: Vec<Unplaced> = Vec::new();
    for &x in &evicted {
        let reason = explain::blocked(&mut st, problem, x);
        let s = c.part_session[x as usize] as usize;
        unplaced.push(Unplaced {
            session: s,
            session_id: problem.sessions[s].id.clone(),
            part: x - c.sessions[s].first_part,
            reasons: vec![reason],
        });
    }
    for (s, rs) in reasons.iter().enumerate() {
        if rs.is_empty() {
            continue;
        }
        for part in 0..problem.sessions[s].parts {
            st.raw[UNPLACED] += 1;
            unplaced.push(Unplaced {
                session: s,
                session_id: problem.sessions[s].id.clone(),
                part,
                reasons: rs.clone(),
            });
        }
    }
    unplaced.sort_by_key(|u| (u.session, u.part));
    let ppd = c.ppd as u32;
    let sessions = problem
        .sessions
        .iter()
        .enumerate()
        .map(|(s, sess)| {
            let si = &c.sessions[s];
            let i = st.inst_of[s];
            SessionPlan {
                session: s,
                id: sess.id.clone(),
                instructor: (i != NONE && !skip[s]).then_some(i as usize),
                parts: (si.first_part..si.first_part + si.parts)
                    .map(|x| {
                        let t = st.pos_t[x as usize];
                        (t != NONE).then(|| Slot {
                            day: t / ppd,
                            start: t % ppd,
                            room: {
                                let r = st.pos_r[x as usize];
                                (r != NONE).then_some(r as usize)
                            },
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    let plan = Plan {
        sessions,
        cost: CostBreakdown::from_raw(&st.raw, &c.weights),
        stats: Stats {
            seed: options.seed,
            threads,
            best_thread,
            iterations: total_iterations,
            iterations_to_feasible: to_feasible,
        },
    };
    Ok(if unplaced.is_empty() {
        Outcome::Feasible { plan }
    } else {
        Outcome::BestEffort { plan, unplaced }
    })
}

/// When parallel searches meet to continue from the best plan among them (fractions of the
/// annealing budget).
fn exchange_points() -> Vec<f64> {
    const MEETINGS: usize = 6;
    const FROM: f64 = 0.3;
    (0..MEETINGS)
        .map(|k| FROM + (1.0 - FROM) * k as f64 / MEETINGS as f64)
        .collect()
}

fn run(
    c: &Compiled,
    seed: u64,
    budget: Budget,
    schedule: Schedule,
    exchange: Option<&Exchange>,
    thread: usize,
    progress: &(dyn Fn(&Progress) + Sync),
) -> (Snapshot, u64, Option<u64>) {
    let mut se = Search::new(c, seed);
    let tell = |se: &Search, phase: Phase| {
        progress(&Progress {
            thread,
            phase,
            iterations: se.iterations,
            hard: se.best.hard,
            soft: se.best.soft,
        })
    };
    se.construct();
    tell(&se, Phase::Constructed);
    se.repair_hard(&budget, &mut |se| tell(se, Phase::Feasibility));
    if se.cur_hard > 0 {
        se.restore_best();
    }
    tell(&se, Phase::Optimisation);
    se.anneal(
        &budget,
        schedule,
        exchange.map(|e| (e, thread)),
        &mut |se| tell(se, Phase::Optimisation),
    );
    tell(&se, Phase::Done);
    (se.best, se.iterations, se.feasible_at)
}

/// A change to the world after a plan was published.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// The instructor drops out of every session.
    InstructorRemoved { instructor: usize },
    /// The room closes for these periods (empty: for good).
    RoomClosed { room: usize, periods: Vec<u32> },
    /// The instructor becomes unavailable for these periods.
    InstructorUnavailable {
        instructor: usize,
        periods: Vec<u32>,
    },
}

/// The problem after `changes`: confirmed (pinned) sessions they hit are released so they can move.
pub fn apply_changes(problem: &Problem, changes: &[Change]) -> Problem {
    let mut p = problem.clone();
    let ppd = p.grid.periods_per_day;
    let covers = |s: &super::model::Session, sl: &Slot, periods: &[u32]| {
        let t0 = sl.day * ppd + sl.start;
        (t0..t0 + s.part_len).any(|u| periods.contains(&u))
    };
    for ch in changes {
        match ch {
            Change::InstructorRemoved { instructor } => {
                for s in &mut p.sessions {
                    s.instructors.retain(|c| c.instructor != *instructor);
                    if s.published.as_ref().and_then(|pl| pl.instructor) == Some(*instructor) {
                        s.pinned = false;
                    }
                }
            }
            Change::RoomClosed { room, periods } => {
                let all: Vec<u32> = if periods.is_empty() {
                    (0..p.grid.periods()).collect()
                } else {
                    periods.clone()
                };
                if periods.is_empty() {
                    for s in &mut p.sessions {
                        s.rooms.retain(|r| r != room);
                    }
                }
                p.rooms[*room].unavailable.extend(&all);
                for s in &mut p.sessions {
                    let hit = s.published.as_ref().is_some_and(|pl| {
                        pl.parts
                            .iter()
                            .any(|sl| sl.room == Some(*room) && covers(s, sl, &all))
                    });
                    if hit {
                        s.pinned = false;
                    }
                }
            }
            Change::InstructorUnavailable {
                instructor,
                periods,
            } => {
                p.instructors[*instructor].unavailable.extend(periods);
                for s in &mut p.sessions {
                    let hit = s.published.as_ref().is_some_and(|pl| {
                        pl.instructor == Some(*instructor)
                            && pl.parts.iter().any(|sl| covers(s, sl, periods))
                    });
                    if hit {
                        s.pinned = false;
                    }
                }
            }
        }
    }
    p
}

/// Restores feasibility after `changes` with as few changes to the published plan as possible:
/// the search starts from the published placement and pays `weights.moved` per moved part and
/// `weights.instructor_changed` per new instructor (defaults used where these are zero).
pub fn repair(
    problem: &Problem,
    changes: &[Change],
    options: &SolveOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<Outcome, InvalidProblem> {
    let mut p = apply_changes(problem, changes);
    let d = Weights::default();
    if p.weights.moved == 0 {
        p.weights.moved = d.moved;
    }
    if p.weights.instructor_changed == 0 {
        p.weights.instructor_changed = d.instructor_changed;
    }
    solve(&p, options, progress)
}

/// The plan as a published placement per session (to feed back as `Session::published`).
pub fn publish(problem: &mut Problem, plan: &Plan) {
    for sp in &plan.sessions {
        if sp.parts.iter().all(Option::is_some) {
            problem.sessions[sp.session].published = Some(super::model::Placement {
                instructor: sp.instructor,
                parts: sp.parts.iter().flatten().copied().collect(),
            });
        }
    }
}
