//! One search run: construction (most constrained first), then a min-conflicts tabu search until
//! no hard constraint is violated, then simulated annealing on the soft cost with feasibility
//! kept. The moves live in `moves`; this module drives them and keeps the best plan seen.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::compiled::{Compiled, SessionInfo};
use super::model::NONE;
use super::moves;
use super::rng::Rng;
use super::state::State;

/// How long one run may take: iterations (attempted moves), a deadline, or both.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    pub max_iterations: u64,
    pub deadline: Option<Instant>,
}

/// Annealing temperatures; `None` calibrates from the problem.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Schedule {
    pub t0: Option<f64>,
    pub t_end: Option<f64>,
}

/// Where parallel searches meet: at fixed points of their cooling (fractions of the budget) each
/// posts its best plan, and a search whose best is worse than another's continues from that one.
/// The points are fixed fractions, so with an iteration budget the exchange is deterministic.
/// A search that dies (panics) abandons the exchange, so the others go on alone instead of
/// waiting for it forever, and the panic reaches the caller when the threads are joined.
pub(crate) struct Exchange {
    meeting: Mutex<Meeting>,
    arrived: Condvar,
    threads: usize,
    pub points: Vec<f64>,
}

struct Meeting {
    boards: Vec<Option<Snapshot>>,
    waiting: usize,
    generation: u64,
    abandoned: bool,
}

/// Abandons the exchange if its thread unwinds (see `Exchange::attend`).
pub(crate) struct Attendance<'e>(&'e Exchange);

impl Drop for Attendance<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut m = self
                .0
                .meeting
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            m.abandoned = true;
            self.0.arrived.notify_all();
        }
    }
}

impl Exchange {
    pub fn new(threads: usize, points: Vec<f64>) -> Self {
        Exchange {
            meeting: Mutex::new(Meeting {
                boards: vec![None; threads],
                waiting: 0,
                generation: 0,
                abandoned: false,
            }),
            arrived: Condvar::new(),
            threads,
            points,
        }
    }

    /// To be held by each search thread for as long as it runs.
    pub fn attend(&self) -> Attendance<'_> {
        Attendance(self)
    }

    /// Waits until every thread has arrived; None if the exchange was abandoned.
    fn all_arrive<'m>(&'m self, mut m: MutexGuard<'m, Meeting>) -> Option<MutexGuard<'m, Meeting>> {
        if m.abandoned {
            return None;
        }
        let generation = m.generation;
        m.waiting += 1;
        if m.waiting == self.threads {
            m.waiting = 0;
            m.generation += 1;
            self.arrived.notify_all();
            return Some(m);
        }
        while m.generation == generation && !m.abandoned {
            m = self.arrived.wait(m).ok()?;
        }
        (m.generation != generation).then_some(m)
    }

    fn meet(&self, thread: usize, se: &mut Search) {
        se.commit_best();
        let Ok(mut m) = self.meeting.lock() else {
            return;
        };
        m.boards[thread] = Some(se.best.clone());
        let Some(m) = self.all_arrive(m) else {
            return;
        };
        let (h, s, k) = m
            .boards
            .iter()
            .enumerate()
            .filter_map(|(k, b)| b.as_ref().map(|b| (b.hard, b.soft, k)))
            .min()
            .expect("own board");
        let better =
            (k != thread && (h, s) < (se.best.hard, se.best.soft)).then(|| m.boards[k].clone());
        // Nobody posts again before everyone has read.
        if self.all_arrive(m).is_none() {
            return;
        }
        if let Some(Some(snap)) = better {
            se.best = snap;
            se.restore_best();
        }
    }
}

/// Percent of plain moves that send a part to a room its session already uses (the rest: any
/// candidate room).
const KEEP_ROOM_PERCENT: u32 = 50;

/// Percent of annealing moves that are `moves::reassign` when sessions have a choice of
/// instructors: each re-slots a session, so it costs a few hundred plain moves.
const REASSIGN_PERCENT: usize = 2;

#[derive(Clone)]
pub(crate) struct Snapshot {
    pub pos_t: Vec<u32>,
    pub pos_r: Vec<u32>,
    pub inst_of: Vec<u32>,
    pub hard: i64,
    pub soft: i64,
}

pub(crate) struct Search<'a> {
    pub st: State<'a>,
    pub rng: Rng,
    pub iterations: u64,
    pub accepted: u64,
    /// Moves refused without being applied (they would break a hard constraint).
    pub refused_early: u64,
    /// Percent of moves that take a room the session already uses.
    pub keep_room: u32,
    /// Percent of moves that are `moves::reassign`.
    pub reassign_percent: usize,
    pub best: Snapshot,
    best_pending: bool,
    pub cur_hard: i64,
    pub cur_soft: i64,
    pub feasible_at: Option<u64>,
    /// Scratch for moves.
    pub scratch: moves::Scratch,
}

impl<'a> Search<'a> {
    pub fn new(c: &'a Compiled, seed: u64) -> Self {
        let st = State::new(c);
        let best = Snapshot {
            pos_t: st.pos_t.clone(),
            pos_r: st.pos_r.clone(),
            inst_of: st.inst_of.clone(),
            hard: i64::MAX,
            soft: i64::MAX,
        };
        Search {
            st,
            rng: Rng::new(seed),
            iterations: 0,
            accepted: 0,
            refused_early: 0,
            keep_room: KEEP_ROOM_PERCENT,
            reassign_percent: REASSIGN_PERCENT,
            best,
            best_pending: false,
            cur_hard: 0,
            cur_soft: 0,
            feasible_at: None,
            scratch: moves::Scratch::default(),
        }
    }

    pub fn refresh(&mut self) {
        self.cur_hard = self.st.hard();
        self.cur_soft = self.st.soft();
    }

    /// Notes the current plan as the best if it is; copies it lazily (see `commit_best`).
    #[inline]
    pub fn note(&mut self) {
        if (self.cur_hard, self.cur_soft) < (self.best.hard, self.best.soft) {
            self.best.hard = self.cur_hard;
            self.best.soft = self.cur_soft;
            self.best_pending = true;
            if self.cur_hard == 0 && self.feasible_at.is_none() {
                self.feasible_at = Some(self.iterations);
            }
        }
    }

    pub fn best_is_pending(&self) -> bool {
        self.best_pending
    }

    /// Copies the current plan into the best snapshot if it was noted as best since the last copy.
    /// Called before a worsening move is accepted, and at the end.
    #[inline]
    pub fn commit_best(&mut self) {
        if self.best_pending {
            self.best.pos_t.copy_from_slice(&self.st.pos_t);
            self.best.pos_r.copy_from_slice(&self.st.pos_r);
            self.best.inst_of.copy_from_slice(&self.st.inst_of);
            self.best_pending = false;
        }
    }

    fn out_of_budget(&self, budget: &Budget) -> bool {
        self.iterations >= budget.max_iterations
            || budget.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Places pinned and published parts where they are, then every other session, most
    /// constrained first, each part at its cheapest slot (hard violations first, then soft cost).
    pub fn construct(&mut self) {
        let c = self.st.c;
        let mut order: Vec<u32> = Vec::new();
        for (s, si) in c.sessions.iter().enumerate() {
            if c.skipped[s] {
                continue;
            }
            let published = c.published_t[si.first_part as usize] != NONE;
            if published || si.pinned {
                let pi = si.published_instructor;
                let i = if pi != NONE && (si.pinned || si.instructors.iter().any(|(j, _)| *j == pi))
                {
                    pi
                } else {
                    self.pick_instructor(s as u32)
                };
                self.st.set_instructor(s as u32, i);
                for x in si.first_part..si.first_part + si.parts {
                    let t = c.published_t[x as usize];
                    let r = c.published_r[x as usize];
                    let r = if si.is_virtual { NONE } else { r };
                    let ok_t = si.pinned || c.start_ok[s * c.t + t as usize];
                    let ok_r = si.pinned || r == NONE || c.room_ok[s * c.n_rooms + r as usize];
                    if si.pinned || (ok_t && ok_r && (r != NONE || si.is_virtual)) {
                        self.st.place(x, t, r);
                    }
                }
            } else {
                order.push(s as u32);
            }
        }
        // Most constrained first: fewest slots per part, then most cohort neighbours.
        let degree = |s: u32| -> usize {
            let si = &c.sessions[s as usize];
            (0..c.sessions.len())
                .filter(|&b| c.sessions_conflict(s, b as u32))
                .map(|b| c.sessions[b].parts as usize)
                .sum::<usize>()
                + si.parts as usize
        };
        let mut keyed: Vec<(u64, usize, u32)> = order
            .iter()
            .map(|&s| {
                let si = &c.sessions[s as usize];
                let slots =
                    si.starts.len().max(1) * si.rooms.len().max(1) * si.instructors.len().max(1);
                (
                    (slots / si.parts.max(1) as usize) as u64,
                    usize::MAX - degree(s),
                    s,
                )
            })
            .collect();
        keyed.sort_unstable();
        for &(_, _, s) in &keyed {
            let i = self.pick_instructor(s);
            self.st.set_instructor(s, i);
            let si = &c.sessions[s as usize];
            for x in si.first_part..si.first_part + si.parts {
                if self.st.pos_t[x as usize] == NONE {
                    let (t, r) = self.best_slot(x, 600);
                    self.st.place(x, t, r);
                }
            }
        }
        // Anything still unplaced (a published slot that is no longer allowed): cheapest slot.
        for &x in &c.movable {
            if self.st.pos_t[x as usize] == NONE {
                let (t, r) = self.best_slot(x, 600);
                self.st.place(x, t, r);
            }
        }
        self.refresh();
        self.note();
        self.commit_best();
    }

    /// The candidate instructor with the most free slots in the session's domain, then the
    /// cheapest and least loaded.
    fn pick_instructor(&mut self, s: u32) -> u32 {
        let c = self.st.c;
        let si = &c.sessions[s as usize];
        let mut best = (i64::MAX, NONE);
        for &(i, cost) in &si.instructors {
            let mut free = 0i64;
            for &t in &si.starts {
                let ok = (t..t + si.len).all(|u| {
                    let k = i as usize * c.t + u as usize;
                    !c.inst_unavail[k]
                });
                if ok {
                    free += 1;
                }
            }
            let short = (si.parts as i64 * 2 - free).max(0);
            let key = short * 1_000_000_000
                + cost * c.weights[super::cost::COST]
                + self.st.inst_load(i) as i64 * c.weights[super::cost::FAIRNESS].max(1) * 2
                + self.rng.below(3) as i64;
            if key < best.0 {
                best = (key, i);
            }
        }
        best.1
    }

    /// A random start and room of session `si` (no room for a virtual session).
    fn random_slot(&mut self, si: &SessionInfo) -> (u32, u32) {
        let t = si.starts[self.rng.below(si.starts.len())];
        let r = if si.is_virtual {
            NONE
        } else {
            si.rooms[self.rng.below(si.rooms.len())]
        };
        (t, r)
    }

    /// Offers every (start, room) of session `si` to `consider`, or `limit` random ones when
    /// there are more.
    fn each_slot(
        &mut self,
        si: &SessionInfo,
        limit: usize,
        consider: &mut impl FnMut(&mut Self, u32, u32),
    ) {
        if si.starts.len() * si.rooms.len().max(1) <= limit {
            for &t in &si.starts {
                if si.is_virtual {
                    consider(self, t, NONE);
                } else {
                    for &r in &si.rooms {
                        consider(self, t, r);
                    }
                }
            }
        } else {
            for _ in 0..limit {
                let (t, r) = self.random_slot(si);
                consider(self, t, r);
            }
        }
    }

    /// The cheapest (hard, soft) slot for unplaced part `x`, trying at most `limit` slots
    /// (sampled when the domain is larger). Ties broken at random.
    pub fn best_slot(&mut self, x: u32, limit: usize) -> (u32, u32) {
        let c = self.st.c;
        let s = c.part_session[x as usize] as usize;
        let si = &c.sessions[s];
        let mut best = ((i64::MAX, i64::MAX), NONE, NONE);
        let mut ties = 0usize;
        let mut consider = |this: &mut Self, t: u32, r: u32| {
            this.st.place(x, t, r);
            let key = (this.st.hard(), this.st.soft());
            this.st.unplace(x);
            this.iterations += 1;
            if key < best.0 {
                best = (key, t, r);
                ties = 1;
            } else if key == best.0 {
                ties += 1;
                if this.rng.below(ties) == 0 {
                    best = (key, t, r);
                }
            }
        };
        self.each_slot(si, limit, &mut consider);
        (best.1, best.2)
    }

    /// Min-conflicts with a tabu list: repeatedly takes a part in a hard violation and moves it
    /// to its cheapest non-tabu slot (or gives its session another instructor). Stops when the plan
    /// is feasible or the budget is spent.
    pub fn repair_hard(&mut self, budget: &Budget, report: &mut dyn FnMut(&Search)) {
        let c = self.st.c;
        if c.movable.is_empty() {
            return;
        }
        let tabu_len = (c.n_parts() * c.t).min(1 << 22);
        let mut tabu: Vec<u64> = vec![0; tabu_len];
        let mut violators: Vec<u32> = Vec::new();
        let mut step: u64 = 0;
        let mut last_report = 0u64;
        while self.cur_hard > 0 && !self.out_of_budget(budget) {
            step += 1;
            self.commit_best();
            if violators.is_empty() || step.is_multiple_of(50) {
                violators.clear();
                for &x in &c.movable {
                    let h = self.st.part_hard(x);
                    if h.iter().sum::<i64>() > 0 {
                        violators.push(x);
                    }
                }
                self.iterations += c.movable.len() as u64;
                if violators.is_empty() {
                    break; // only unmovable violations remain
                }
            }
            let vi = self.rng.below(violators.len());
            let x = violators[vi];
            if self.st.part_hard(x).iter().sum::<i64>() == 0 {
                violators.swap_remove(vi);
                continue;
            }
            let s = c.part_session[x as usize];
            let si = &c.sessions[s as usize];
            if si.instructors.len() > 1 && self.rng.chance(0.2) {
                self.best_instructor(s);
            } else {
                let old_t = self.st.pos_t[x as usize];
                self.st.unplace(x);
                let (t, r) = self.best_slot_tabu(x, &tabu, step);
                self.st.place(x, t, r);
                let k = (x as usize * c.t + old_t as usize) % tabu_len;
                tabu[k] = step + 10 + self.rng.below(10) as u64;
            }
            self.refresh();
            self.note();
            if self.cur_hard > 0 && self.rng.chance(0.02) {
                // A little noise against cycling: a random move of a random violator.
                let y = violators[self.rng.below(violators.len())];
                let ys = &c.sessions[c.part_session[y as usize] as usize];
                self.commit_best();
                self.st.unplace(y);
                let t = ys.starts[self.rng.below(ys.starts.len())];
                let r = if ys.is_virtual {
                    NONE
                } else {
                    ys.rooms[self.rng.below(ys.rooms.len())]
                };
                self.st.place(y, t, r);
                self.refresh();
                self.note();
            }
            if self.iterations - last_report > 200_000 {
                last_report = self.iterations;
                report(self);
            }
        }
        self.commit_best();
    }

    fn best_slot_tabu(&mut self, x: u32, tabu: &[u64], step: u64) -> (u32, u32) {
        let c = self.st.c;
        let s = c.part_session[x as usize] as usize;
        let si = &c.sessions[s];
        let limit = 600;
        let best_hard = self.best.hard;
        let mut best = ((i64::MAX, i64::MAX), NONE, NONE);
        let mut ties = 0usize;
        let mut consider = |this: &mut Self, t: u32, r: u32| {
            this.st.place(x, t, r);
            let key = (this.st.hard(), this.st.soft());
            this.st.unplace(x);
            this.iterations += 1;
            let is_tabu = tabu[(x as usize * c.t + t as usize) % tabu.len()] > step;
            if is_tabu && key.0 >= best_hard {
                return;
            }
            if key < best.0 {
                best = (key, t, r);
                ties = 1;
            } else if key == best.0 {
                ties += 1;
                if this.rng.below(ties) == 0 {
                    best = (key, t, r);
                }
            }
        };
        self.each_slot(si, limit, &mut consider);
        if best.1 == NONE {
            // Everything tabu: any slot.
            return self.random_slot(si);
        }
        (best.1, best.2)
    }

    /// Gives session `s` its cheapest (hard, soft) candidate instructor.
    fn best_instructor(&mut self, s: u32) {
        let c = self.st.c;
        let si = &c.sessions[s as usize];
        let mut best = ((i64::MAX, i64::MAX), NONE);
        let mut ties = 0;
        for &(i, _) in &si.instructors {
            self.st.set_instructor(s, i);
            self.iterations += si.parts as u64;
            let key = (self.st.hard(), self.st.soft());
            if key < best.0 {
                best = (key, i);
                ties = 1;
            } else if key == best.0 {
                ties += 1;
                if self.rng.below(ties) == 0 {
                    best = (key, i);
                }
            }
        }
        self.st.set_instructor(s, best.1);
    }

    /// Simulated annealing on the soft cost; moves that would break a hard constraint are refused.
    /// The temperature falls geometrically from `t0` to `t_end` over the budget (iterations, or
    /// time when a deadline is set).
    pub fn anneal(
        &mut self,
        budget: &Budget,
        schedule: Schedule,
        exchange: Option<(&Exchange, usize)>,
        report: &mut dyn FnMut(&Search),
    ) {
        let c = self.st.c;
        if c.movable.is_empty() {
            return;
        }
        let mut meetings = 0usize;
        let points: &[f64] = exchange.map_or(&[], |(e, _)| &e.points);
        let start_iter = self.iterations;
        let start_time = budget.deadline.map(|_| Instant::now());
        let span_iter = budget.max_iterations.saturating_sub(start_iter).max(1);
        let t0 = schedule.t0.unwrap_or_else(|| self.calibrate() * 0.15);
        let t_end = schedule.t_end.unwrap_or(t0 / 30.0).min(t0);
        let ratio = (t_end / t0).ln();
        let mut temp = t0;
        let mut last_reported = (self.best.hard, self.best.soft);
        let mut counter: u32 = 0;
        let kempe_ok = c.all_len_one;
        let instr_choice = c.sessions.iter().any(|s| s.instructors.len() > 1);
        loop {
            counter = counter.wrapping_add(1);
            if counter & 1023 == 0 {
                let frac = match (budget.deadline, start_time) {
                    (Some(d), Some(s0)) => {
                        let now = Instant::now();
                        if now >= d {
                            break;
                        }
                        let total = (d - s0).as_secs_f64().max(1e-9);
                        ((now - s0).as_secs_f64() / total).min(1.0)
                    }
                    _ => 0.0,
                };
                let frac_it = (self.iterations - start_iter) as f64 / span_iter as f64;
                if self.iterations >= budget.max_iterations {
                    break;
                }
                let f = if budget.deadline.is_some() {
                    frac.max(frac_it)
                } else {
                    frac_it
                };
                temp = t0 * (ratio * f).exp();
                while meetings < points.len() && f >= points[meetings] {
                    meetings += 1;
                    if let Some((e, k)) = exchange {
                        e.meet(k, self);
                    }
                }
                if counter & 0xFFFF == 0 && (self.best.hard, self.best.soft) < last_reported {
                    last_reported = (self.best.hard, self.best.soft);
                    report(self);
                }
            }
            self.iterations += 1;
            let roll = self.rng.below(100);
            if kempe_ok && roll < 8 {
                moves::kempe(self, temp);
            } else if instr_choice && roll < 13 {
                moves::change_instructor(self, temp);
            } else if instr_choice && roll < 13 + self.reassign_percent {
                moves::reassign(self, temp);
            } else {
                moves::move_or_swap(self, temp);
            }
        }
        // Meetings not reached (the budget ran out first): every search must attend them all.
        while meetings < points.len() {
            meetings += 1;
            if let Some((e, k)) = exchange {
                e.meet(k, self);
            }
        }
        self.commit_best();
    }

    /// A starting temperature: the mean soft worsening of random feasible moves, drawn like the
    /// annealer's (instructor changes too: sampling slot moves only, a Trainyard quarter's
    /// temperature came out near 1, far below its instructors' price differences, and the
    /// search froze in its first local optimum).
    fn calibrate(&mut self) -> f64 {
        let mut sum = 0f64;
        let mut n = 0u32;
        let c = self.st.c;
        let instr_choice = c.sessions.iter().any(|s| s.instructors.len() > 1);
        for _ in 0..2000 {
            // A new instructor one time in twenty, near the annealer's share of them.
            let d = if instr_choice && self.rng.below(20) == 0 {
                moves::probe_instructor(self)
            } else {
                moves::probe(self)
            };
            if let Some(d) = d.filter(|d| *d > 0) {
                sum += d as f64;
                n += 1;
            }
        }
        if n == 0 {
            1.0
        } else {
            (sum / n as f64).max(0.5)
        }
    }

    /// Restores the best plan into the state.
    pub fn restore_best(&mut self) {
        self.commit_best();
        let c = self.st.c;
        let mut st = State::new(c);
        for (s, &i) in self.best.inst_of.iter().enumerate() {
            st.set_instructor(s as u32, i);
        }
        for x in 0..c.n_parts() {
            let t = self.best.pos_t[x];
            if t != NONE {
                st.place(x as u32, t, self.best.pos_r[x]);
            }
        }
        self.st = st;
        self.refresh();
    }
}
