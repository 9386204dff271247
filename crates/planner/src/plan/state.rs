//! A plan under construction and the bookkeeping that prices it incrementally: occupancy counts
//! per room, instructor, cohort and pool and period, and per-session day and room counts. Placing
//! or removing one part updates the raw cost array exactly, so a move is priced by applying it
//! and, if rejected, undoing it — the cost is always the cost of the current plan.

use super::compiled::Compiled;
use super::cost::*;
use super::model::NONE;

#[derive(Clone)]
pub(crate) struct State<'a> {
    pub c: &'a Compiled,
    pub pos_t: Vec<u32>,
    pub pos_r: Vec<u32>,
    pub inst_of: Vec<u32>,
    inst_cost: Vec<i64>,
    room_occ: Vec<u16>,
    /// An occupant of room × period (valid while the room is occupied).
    room_who: Vec<u32>,
    inst_occ: Vec<u16>,
    coh_occ: Vec<u16>,
    pool_use: Vec<u32>,
    sess_day: Vec<u16>,
    sess_ndays: Vec<u16>,
    sess_room: Vec<u16>,
    sess_nrooms: Vec<u16>,
    prog_day: Vec<u16>,
    inst_week: Vec<u16>,
    inst_month: Vec<u16>,
    inst_load: Vec<u32>,
    inst_day_parts: Vec<Vec<u32>>,
    /// Parts starting at each period, and each part's index in its list.
    pub period_parts: Vec<Vec<u32>>,
    part_idx: Vec<u32>,
    pub raw: [i64; N],
    w_compact: bool,
    w_min_days: bool,
    w_stability: bool,
    w_program: bool,
    w_capacity: bool,
    w_travel: bool,
    w_gap_days: bool,
}

impl<'a> State<'a> {
    pub fn new(c: &'a Compiled) -> Self {
        let n = c.n_parts();
        let s = c.sessions.len();
        let t = c.t;
        let w = &c.weights;
        State {
            c,
            pos_t: vec![NONE; n],
            pos_r: vec![NONE; n],
            inst_of: vec![NONE; s],
            inst_cost: vec![0; s],
            room_occ: vec![0; c.n_rooms * t],
            room_who: vec![NONE; c.n_rooms * t],
            inst_occ: c.inst_base.clone(),
            coh_occ: vec![0; c.n_cohorts * t],
            pool_use: c.pool_base.clone(),
            sess_day: vec![0; s * c.days],
            sess_ndays: vec![0; s],
            sess_room: vec![0; s * c.n_rooms],
            sess_nrooms: vec![0; s],
            prog_day: vec![0; c.n_programs * c.days],
            inst_week: c.inst_base_week.clone(),
            inst_month: c.inst_base_month.clone(),
            inst_load: vec![0; c.n_inst],
            inst_day_parts: if c.has_travel {
                vec![Vec::new(); c.n_inst * c.days]
            } else {
                Vec::new()
            },
            period_parts: vec![Vec::new(); t],
            part_idx: vec![NONE; n],
            raw: initial_raw(c),
            w_compact: w[COMPACTNESS] != 0,
            w_min_days: w[MIN_DAYS] != 0,
            w_stability: w[ROOM_STABILITY] != 0,
            w_program: w[PROGRAM_SPREAD] != 0,
            w_capacity: w[CAPACITY] != 0,
            w_travel: w[TRAVEL] != 0,
            w_gap_days: w[GAP_DAYS] != 0,
        }
    }

    #[inline]
    pub fn hard(&self) -> i64 {
        self.raw[..HARD_END].iter().sum()
    }

    #[inline]
    pub fn soft(&self) -> i64 {
        let w = &self.c.weights;
        self.raw[HARD_END..]
            .iter()
            .zip(&w[HARD_END..])
            .map(|(r, w)| r * w)
            .sum()
    }

    /// Who occupies room `r` at period `u` (NONE if free).
    #[inline]
    pub fn room_occupant(&self, r: u32, u: u32) -> u32 {
        let k = r as usize * self.c.t + u as usize;
        if self.room_occ[k] == 0 {
            NONE
        } else {
            self.room_who[k]
        }
    }

    #[inline]
    pub fn room_free(&self, r: u32, u: u32) -> bool {
        let k = r as usize * self.c.t + u as usize;
        self.room_occ[k] == 0 && !self.c.room_closed[k]
    }

    #[inline]
    pub fn sess_room_count(&self, s: u32, r: u32) -> u16 {
        self.sess_room[s as usize * self.c.n_rooms + r as usize]
    }

    pub fn inst_load(&self, i: u32) -> u32 {
        self.inst_load[i as usize]
    }

    /// Whether part `x` starting at `t` would certainly share a period with another part of its
    /// instructor or of one of its cohorts, or fall in its instructor's unavailability — counting
    /// neither `x` nor `y` where they are now (`y`: the other part of a swap, or NONE). A cheap,
    /// exact-when-true test that lets a feasible search refuse a move without applying it.
    #[inline]
    pub fn clashes(&self, x: u32, t: u32, y: u32) -> bool {
        let c = self.c;
        let s = c.part_session[x as usize];
        let si = &c.sessions[s as usize];
        let covers = |p: u32, u: u32| -> bool {
            if p == NONE {
                return false;
            }
            let tp = self.pos_t[p as usize];
            tp != NONE && tp <= u && u < tp + c.sessions[c.part_session[p as usize] as usize].len
        };
        let i = self.inst_of[s as usize];
        let ys = if y == NONE {
            NONE
        } else {
            c.part_session[y as usize]
        };
        for u in t..t + si.len {
            let own = covers(x, u) as u16;
            if i != NONE {
                let k = i as usize * c.t + u as usize;
                if c.inst_unavail[k] {
                    return true;
                }
                let other = (ys != NONE && self.inst_of[ys as usize] == i && covers(y, u)) as u16;
                if self.inst_occ[k] > own + other {
                    return true;
                }
            }
            for &k in &si.cohorts {
                let other = (ys != NONE
                    && c.sessions[ys as usize].cohorts.contains(&k)
                    && covers(y, u)) as u16;
                if self.coh_occ[k as usize * c.t + u as usize] > own + other {
                    return true;
                }
            }
        }
        false
    }

    /// Sets the instructor of session `s`, re-pricing its placed parts.
    pub fn set_instructor(&mut self, s: u32, i: u32) {
        let c = self.c;
        let si = &c.sessions[s as usize];
        let parts = si.first_part..si.first_part + si.parts;
        let placed: Vec<(u32, u32, u32)> = parts
            .filter(|&x| self.pos_t[x as usize] != NONE)
            .map(|x| (x, self.pos_t[x as usize], self.pos_r[x as usize]))
            .collect();
        for &(x, _, _) in &placed {
            self.unplace(x);
        }
        let old = self.inst_of[s as usize];
        if si.published_instructor != NONE {
            let was = (old != NONE && old != si.published_instructor) as i64;
            let now = (i != NONE && i != si.published_instructor) as i64;
            self.raw[INSTRUCTOR_CHANGED] += (now - was) * si.told_factor;
        }
        self.inst_of[s as usize] = i;
        self.inst_cost[s as usize] = si
            .instructors
            .iter()
            .find(|(j, _)| *j == i)
            .map_or(0, |(_, cost)| *cost);
        for &(x, t, r) in &placed {
            self.place(x, t, r);
        }
    }

    #[inline]
    pub fn place(&mut self, x: u32, t: u32, r: u32) {
        self.apply::<true>(x, t, r);
    }

    #[inline]
    pub fn unplace(&mut self, x: u32) {
        let t = self.pos_t[x as usize];
        let r = self.pos_r[x as usize];
        debug_assert!(t != NONE);
        self.apply::<false>(x, t, r);
    }

    fn apply<const ADD: bool>(&mut self, x: u32, t: u32, r: u32) {
        let c = self.c;
        let tt = c.t;
        let xs = x as usize;
        let s = c.part_session[xs] as usize;
        let si = &c.sessions[s];
        let i = self.inst_of[s];
        let len = si.len;
        let d = c.day_of[t as usize] as usize;
        let sign: i64 = if ADD { 1 } else { -1 };
        let gaps_before = if si.consecutive && self.w_gap_days {
            self.gap_days(s)
        } else {
            0
        };

        if ADD {
            self.pos_t[xs] = t;
            self.pos_r[xs] = r;
            let list = &mut self.period_parts[t as usize];
            self.part_idx[xs] = list.len() as u32;
            list.push(x);
        }

        for u in t..t + len {
            let us = u as usize;
            if r != NONE {
                let k = r as usize * tt + us;
                let o = self.room_occ[k];
                if ADD {
                    if o >= 1 {
                        self.raw[ROOM] += 1;
                    } else {
                        self.room_who[k] = x;
                    }
                    self.room_occ[k] = o + 1;
                } else {
                    if o >= 2 {
                        self.raw[ROOM] -= 1;
                    }
                    self.room_occ[k] = o - 1;
                    if o >= 2 && self.room_who[k] == x {
                        self.room_who[k] = self.find_room_occupant(r, u, x);
                    }
                }
                if c.room_closed[k] {
                    self.raw[ROOM_CLOSED] += sign;
                }
            }
            if i != NONE {
                let k = i as usize * tt + us;
                let o = self.inst_occ[k];
                if ADD {
                    if o >= 1 {
                        self.raw[INSTRUCTOR] += 1;
                    }
                    self.inst_occ[k] = o + 1;
                } else {
                    if o >= 2 {
                        self.raw[INSTRUCTOR] -= 1;
                    }
                    self.inst_occ[k] = o - 1;
                }
                if c.inst_unavail[k] {
                    self.raw[UNAVAILABLE] += sign;
                }
            }
            for &k in &si.cohorts {
                self.cohort_change::<ADD>(k as usize, us);
            }
            for &(p, n) in &si.needs {
                let k = p as usize * tt + us;
                let cap = c.pool_cap[p as usize] as i64;
                let before = self.pool_use[k] as i64;
                let after = if ADD {
                    before + n as i64
                } else {
                    before - n as i64
                };
                self.pool_use[k] = after as u32;
                self.raw[POOL] += (after - cap).max(0) - (before - cap).max(0);
            }
        }

        // Days and rooms of the session.
        let k = s * c.days + d;
        let o = self.sess_day[k];
        if ADD {
            self.sess_day[k] = o + 1;
            if o == 0 {
                let n = self.sess_ndays[s];
                self.sess_ndays[s] = n + 1;
                if self.w_min_days && (n as u32) < si.min_days {
                    self.raw[MIN_DAYS] -= 1;
                }
            }
        } else {
            self.sess_day[k] = o - 1;
            if o == 1 {
                let n = self.sess_ndays[s] - 1;
                self.sess_ndays[s] = n;
                if self.w_min_days && (n as u32) < si.min_days {
                    self.raw[MIN_DAYS] += 1;
                }
            }
        }
        if r != NONE {
            let k = s * c.n_rooms + r as usize;
            let o = self.sess_room[k];
            if ADD {
                self.sess_room[k] = o + 1;
                if o == 0 {
                    let n = self.sess_nrooms[s];
                    self.sess_nrooms[s] = n + 1;
                    if self.w_stability && n >= 1 {
                        self.raw[ROOM_STABILITY] += 1;
                    }
                }
            } else {
                self.sess_room[k] = o - 1;
                if o == 1 {
                    let n = self.sess_nrooms[s] - 1;
                    self.sess_nrooms[s] = n;
                    if self.w_stability && n >= 1 {
                        self.raw[ROOM_STABILITY] -= 1;
                    }
                }
            }
            if self.w_capacity {
                let cap = c.room_cap[r as usize];
                if si.learners > cap {
                    self.raw[CAPACITY] += sign * (si.learners - cap) as i64;
                }
            }
            if si.has_pref_rooms && !c.pref_room[s * c.n_rooms + r as usize] {
                self.raw[PREF_ROOM] += sign;
            }
        }
        if self.w_program && si.program != NONE {
            let k = si.program as usize * c.days + d;
            let o = self.prog_day[k];
            if ADD {
                self.prog_day[k] = o + 1;
                if o >= 1 {
                    self.raw[PROGRAM_SPREAD] += 1;
                }
            } else {
                self.prog_day[k] = o - 1;
                if o >= 2 {
                    self.raw[PROGRAM_SPREAD] -= 1;
                }
            }
        }
        if si.has_pref_days && !c.pref_day[s * c.days + d] {
            self.raw[PREF_DAY] += sign;
        }
        let pt = c.published_t[xs];
        if pt != NONE && pt != t {
            // A new day or time reaches everyone already told of the old one.
            self.raw[MOVED] += sign * si.told_factor;
        } else if pt != NONE && c.published_r[xs] != r {
            self.raw[MOVED] += sign;
        }

        if i != NONE {
            let iu = i as usize;
            self.raw[COST] += sign * self.inst_cost[s];
            let l = self.inst_load[iu] as i64;
            if ADD {
                self.raw[FAIRNESS] += 2 * l + 1;
                self.inst_load[iu] += 1;
            } else {
                self.raw[FAIRNESS] -= 2 * l - 1;
                self.inst_load[iu] -= 1;
            }
            if self.w_travel && r != NONE {
                self.raw[TRAVEL] += sign * c.travel(c.inst_home[iu], c.room_loc[r as usize]) as i64;
            }
            if c.has_limits {
                let w = c.week_of_day[d] as usize;
                let lim = c.inst_week_limit[iu];
                let k = iu * c.n_weeks + w;
                let o = self.inst_week[k];
                self.inst_week[k] = if ADD { o + 1 } else { o - 1 };
                if lim != NONE {
                    let hi = if ADD { o + 1 } else { o };
                    if hi as u32 > lim {
                        self.raw[LIMIT] += sign;
                    }
                }
                let m = c.month_of_day[d] as usize;
                let lim = c.inst_month_limit[iu];
                let k = iu * c.n_months + m;
                let o = self.inst_month[k];
                self.inst_month[k] = if ADD { o + 1 } else { o - 1 };
                if lim != NONE {
                    let hi = if ADD { o + 1 } else { o };
                    if hi as u32 > lim {
                        self.raw[LIMIT] += sign;
                    }
                }
            }
            if c.has_travel {
                let v = self.travel_violations(x, iu, d, t, r);
                let list = &mut self.inst_day_parts[iu * c.days + d];
                if ADD {
                    self.raw[TRAVEL_BUFFER] += v;
                    list.push(x);
                } else {
                    self.raw[TRAVEL_BUFFER] -= v;
                    if let Some(p) = list.iter().position(|&y| y == x) {
                        list.swap_remove(p);
                    }
                }
            }
        }

        if !ADD {
            let list = &mut self.period_parts[t as usize];
            let idx = self.part_idx[xs] as usize;
            let last = *list.last().expect("part listed at its period");
            list.swap_remove(idx);
            if last != x {
                self.part_idx[last as usize] = idx as u32;
            }
            self.part_idx[xs] = NONE;
            self.pos_t[xs] = NONE;
            self.pos_r[xs] = NONE;
        }
        if si.consecutive && self.w_gap_days {
            self.raw[GAP_DAYS] += self.gap_days(s) - gaps_before;
        }
    }

    /// Days between the first and last day of session `s` without a part of it (its placed parts;
    /// `sess_ndays` is kept in step with them).
    fn gap_days(&self, s: usize) -> i64 {
        let si = &self.c.sessions[s];
        let (mut lo, mut hi) = (u32::MAX, 0u32);
        for x in si.first_part..si.first_part + si.parts {
            let t = self.pos_t[x as usize];
            if t != NONE {
                let d = self.c.day_of[t as usize];
                lo = lo.min(d);
                hi = hi.max(d);
            }
        }
        if lo > hi {
            return 0;
        }
        (hi - lo + 1) as i64 - self.sess_ndays[s] as i64
    }

    #[inline]
    fn cohort_change<const ADD: bool>(&mut self, k: usize, u: usize) {
        let tt = self.c.t;
        let base = k * tt;
        let o = self.coh_occ[base + u];
        if ADD {
            if o >= 1 {
                self.raw[COHORT] += 1;
            }
        } else if o >= 2 {
            self.raw[COHORT] -= 1;
        }
        let new = if ADD { o + 1 } else { o - 1 };
        if !self.w_compact {
            self.coh_occ[base + u] = new;
            return;
        }
        let slot = self.c.slot_of[u] as usize;
        let ppd = self.c.ppd;
        let has_prev = slot > 0;
        let has_next = slot + 1 < ppd;
        let occ = &mut self.coh_occ;
        let prev = if has_prev { occ[base + u - 1] } else { 0 };
        let next = if has_next { occ[base + u + 1] } else { 0 };
        let prev2 = if slot > 1 { occ[base + u - 2] } else { 0 };
        let next2 = if slot + 2 < ppd { occ[base + u + 2] } else { 0 };
        // Isolation of u itself, and of its neighbours (whose own other neighbour is fixed).
        let iso_u = |o: u16| -> i64 {
            if o > 0 && prev == 0 && next == 0 {
                o as i64
            } else {
                0
            }
        };
        let iso_prev = |o: u16| -> i64 {
            if has_prev && prev > 0 && prev2 == 0 && o == 0 {
                prev as i64
            } else {
                0
            }
        };
        let iso_next = |o: u16| -> i64 {
            if has_next && next > 0 && next2 == 0 && o == 0 {
                next as i64
            } else {
                0
            }
        };
        let before = iso_u(o) + iso_prev(o) + iso_next(o);
        let after = iso_u(new) + iso_prev(new) + iso_next(new);
        occ[base + u] = new;
        self.raw[COMPACTNESS] += after - before;
    }

    /// Another occupant of room `r` at period `u` than `x`.
    fn find_room_occupant(&self, r: u32, u: u32, x: u32) -> u32 {
        let c = self.c;
        let lo = u.saturating_sub(c.max_len - 1);
        for s in lo..=u {
            for &y in &self.period_parts[s as usize] {
                if y != x && self.pos_r[y as usize] == r {
                    let len = c.sessions[c.part_session[y as usize] as usize].len;
                    if s + len > u {
                        return y;
                    }
                }
            }
        }
        NONE
    }

    /// Travel-buffer violations between part `x` (at `t`, room `r`) and the instructor's other
    /// parts and fixed engagements on day `d`.
    fn travel_violations(&self, x: u32, i: usize, d: usize, t: u32, r: u32) -> i64 {
        let c = self.c;
        if r == NONE {
            return 0;
        }
        let lx = c.room_loc[r as usize];
        if lx == NONE {
            return 0;
        }
        let ex = t + c.sessions[c.part_session[x as usize] as usize].len;
        let clash = |ty: u32, ey: u32, ly: u32| -> bool {
            if ly == NONE || ly == lx {
                return false;
            }
            if ex <= ty {
                ty - ex < c.travel(lx, ly)
            } else if ey <= t {
                t - ey < c.travel(ly, lx)
            } else {
                false
            }
        };
        let mut v = 0;
        for &y in &self.inst_day_parts[i * c.days + d] {
            if y == x {
                continue;
            }
            let ry = self.pos_r[y as usize];
            if ry == NONE {
                continue;
            }
            let ty = self.pos_t[y as usize];
            let ey = ty + c.sessions[c.part_session[y as usize] as usize].len;
            if clash(ty, ey, c.room_loc[ry as usize]) {
                v += 1;
            }
        }
        for &(ty, ey, ly) in &c.inst_busy_day[i * c.days + d] {
            if clash(ty, ey, ly) {
                v += 1;
            }
        }
        v
    }

    /// The hard violations part `x` takes part in now (by constraint), computed by removing it.
    pub fn part_hard(&mut self, x: u32) -> [i64; HARD_END] {
        let t = self.pos_t[x as usize];
        let r = self.pos_r[x as usize];
        let before = self.raw;
        self.unplace(x);
        let mut out = [0; HARD_END];
        for (k, o) in out.iter_mut().enumerate() {
            *o = before[k] - self.raw[k];
        }
        self.place(x, t, r);
        out
    }
}

/// Cost of the empty plan: fixed busy entries already over an instructor's limits, and every
/// session short of its minimum days.
fn initial_raw(c: &Compiled) -> [i64; N] {
    let mut raw = [0i64; N];
    if c.weights[MIN_DAYS] != 0 {
        raw[MIN_DAYS] = c
            .sessions
            .iter()
            .zip(&c.skipped)
            .filter(|(_, skip)| !**skip)
            .map(|(s, _)| s.min_days as i64)
            .sum();
    }
    // Teaching fixed outside the plan that already breaks a limit or overlaps itself is a fact
    // of the world, not of the plan: only what the plan's own parts add counts (the counters
    // start from the fixed load, so a part added to an already-full week still counts).
    raw
}
