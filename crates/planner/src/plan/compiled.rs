//! The problem laid flat for the search: parts numbered 0..n, per-session domains as lists of
//! allowed start periods, and dense lookup tables (period → day, room × period → closed, …), so
//! that evaluating a move touches only a few cache lines.

use super::cost::{self, N};
use super::model::{CapacityRule, Mode, NONE, Problem};

pub(crate) struct SessionInfo {
    pub first_part: u32,
    pub parts: u32,
    pub len: u32,
    pub learners: u32,
    /// Allowed start periods (grid indices), ascending.
    pub starts: Vec<u32>,
    /// Candidate rooms (empty for virtual sessions).
    pub rooms: Vec<u32>,
    pub is_virtual: bool,
    pub cohorts: Vec<u32>,
    pub needs: Vec<(u32, u32)>,
    pub program: u32,
    pub min_days: u32,
    /// Parts on consecutive days (a multi-day course): gaps are priced.
    pub consecutive: bool,
    /// (instructor, cost per part).
    pub instructors: Vec<(u32, i64)>,
    pub published_instructor: u32,
    pub pinned: bool,
    /// 1 + the people already told of its published placement: what one broken promise weighs.
    pub told_factor: i64,
    pub has_pref_days: bool,
    pub has_pref_rooms: bool,
}

pub(crate) struct Compiled {
    pub t: usize,
    pub days: usize,
    pub ppd: usize,
    pub n_rooms: usize,
    pub n_inst: usize,
    pub n_cohorts: usize,
    pub n_programs: usize,
    pub n_weeks: usize,
    pub n_months: usize,
    pub day_of: Vec<u32>,
    pub slot_of: Vec<u32>,
    pub week_of_day: Vec<u32>,
    pub month_of_day: Vec<u32>,
    pub sessions: Vec<SessionInfo>,
    /// Session of each part.
    pub part_session: Vec<u32>,
    /// Published start period and room of each part (NONE when none).
    pub published_t: Vec<u32>,
    pub published_r: Vec<u32>,
    /// Parts the search may move (not pinned, not statically impossible).
    pub movable: Vec<u32>,
    pub is_movable: Vec<bool>,
    /// Sessions left out of the search (statically impossible).
    pub skipped: Vec<bool>,
    /// `start_ok[s * t + p]`: session `s` may start a part at period `p`.
    pub start_ok: Vec<bool>,
    /// `room_ok[s * rooms + r]`.
    pub room_ok: Vec<bool>,
    pub pref_day: Vec<bool>,
    pub pref_room: Vec<bool>,
    pub room_cap: Vec<u32>,
    pub room_loc: Vec<u32>,
    pub room_closed: Vec<bool>,
    pub inst_unavail: Vec<bool>,
    pub inst_home: Vec<u32>,
    pub inst_week_limit: Vec<u32>,
    pub inst_month_limit: Vec<u32>,
    /// Busy periods fixed outside the problem: base occupancy per instructor × period.
    pub inst_base: Vec<u16>,
    pub inst_base_week: Vec<u16>,
    pub inst_base_month: Vec<u16>,
    /// Fixed busy entries per instructor × day: (start period, end period, location).
    pub inst_busy_day: Vec<Vec<(u32, u32, u32)>>,
    pub n_locations: usize,
    pub travel: Vec<u32>,
    pub has_travel: bool,
    pub pool_cap: Vec<u32>,
    /// Units of each pool × period in use outside the problem.
    pub pool_base: Vec<u32>,
    pub has_limits: bool,
    /// `conflict[a * words + b / 64]` bit: sessions a and b share a cohort (or are the same).
    pub conflict: Vec<u64>,
    pub conflict_words: usize,
    pub weights: [i64; N],
    pub all_len_one: bool,
    pub max_len: u32,
}

impl Compiled {
    pub fn new(p: &Problem, skip: &[bool]) -> Self {
        let g = &p.grid;
        let t = g.periods() as usize;
        let days = g.days as usize;
        let ppd = g.periods_per_day as usize;
        let n_rooms = p.rooms.len();
        let n_inst = p.instructors.len();
        let day_of: Vec<u32> = (0..t as u32).map(|x| x / ppd as u32).collect();
        let slot_of: Vec<u32> = (0..t as u32).map(|x| x % ppd as u32).collect();
        let week_of_day: Vec<u32> = if g.week_of_day.is_empty() {
            (0..g.days).map(|d| d / 7).collect()
        } else {
            g.week_of_day.clone()
        };
        let month_of_day: Vec<u32> = if g.month_of_day.is_empty() {
            (0..g.days).map(|d| d / 30).collect()
        } else {
            g.month_of_day.clone()
        };
        let n_weeks = week_of_day.iter().max().map_or(1, |m| *m as usize + 1);
        let n_months = month_of_day.iter().max().map_or(1, |m| *m as usize + 1);

        let mut room_closed = vec![false; n_rooms * t];
        for (r, room) in p.rooms.iter().enumerate() {
            for &q in &room.unavailable {
                room_closed[r * t + q as usize] = true;
            }
        }
        let mut inst_unavail = vec![false; n_inst * t];
        let mut inst_base = vec![0u16; n_inst * t];
        let mut inst_base_week = vec![0u16; n_inst * n_weeks];
        let mut inst_base_month = vec![0u16; n_inst * n_months];
        let mut inst_busy_day = vec![Vec::new(); n_inst * days];
        for (i, ins) in p.instructors.iter().enumerate() {
            for &q in &ins.unavailable {
                inst_unavail[i * t + q as usize] = true;
            }
            for b in &ins.busy {
                let s0 = b.day * ppd as u32 + b.start;
                for q in s0..s0 + b.len {
                    inst_base[i * t + q as usize] += 1;
                }
                inst_base_week[i * n_weeks + week_of_day[b.day as usize] as usize] += 1;
                inst_base_month[i * n_months + month_of_day[b.day as usize] as usize] += 1;
                inst_busy_day[i * days + b.day as usize].push((
                    s0,
                    s0 + b.len,
                    b.location.map_or(NONE, |l| l as u32),
                ));
            }
        }
        let n_locations = p.locations.len();
        let mut travel = vec![0u32; n_locations * n_locations];
        for (a, row) in p.travel.iter().enumerate() {
            for (b, v) in row.iter().enumerate() {
                travel[a * n_locations + b] = *v;
            }
        }
        let has_travel = travel.iter().any(|&v| v > 0);
        let has_limits = p
            .instructors
            .iter()
            .any(|i| i.max_parts_per_week.is_some() || i.max_parts_per_month.is_some());

        let capacity_hard = p.capacity == CapacityRule::Hard;
        let n_s = p.sessions.len();
        let mut sessions = Vec::with_capacity(n_s);
        let mut part_session = Vec::new();
        let mut published_t = Vec::new();
        let mut published_r = Vec::new();
        let mut movable = Vec::new();
        let mut start_ok = vec![false; n_s * t];
        let mut room_ok = vec![false; n_s * n_rooms];
        let mut pref_day = vec![false; n_s * days];
        let mut pref_room = vec![false; n_s * n_rooms];
        for (si, s) in p.sessions.iter().enumerate() {
            let first_part = part_session.len() as u32;
            let starts = domain(p, si);
            for &q in &starts {
                start_ok[si * t + q as usize] = true;
            }
            let is_virtual = s.mode == Mode::Virtual;
            let rooms: Vec<u32> = if is_virtual {
                Vec::new()
            } else {
                s.rooms
                    .iter()
                    .filter(|&&r| !capacity_hard || p.rooms[r].capacity >= s.learners)
                    .map(|&r| r as u32)
                    .collect()
            };
            for &r in &rooms {
                room_ok[si * n_rooms + r as usize] = true;
            }
            for &d in &s.preferred_days {
                pref_day[si * days + d as usize] = true;
            }
            for &r in &s.preferred_rooms {
                pref_room[si * n_rooms + r] = true;
            }
            for j in 0..s.parts {
                part_session.push(si as u32);
                match &s.published {
                    Some(pl) => {
                        let sl = pl.parts[j as usize];
                        published_t.push(sl.day * ppd as u32 + sl.start);
                        published_r.push(sl.room.map_or(NONE, |r| r as u32));
                    }
                    None => {
                        published_t.push(NONE);
                        published_r.push(NONE);
                    }
                }
                if !s.pinned && !skip[si] {
                    movable.push(first_part + j);
                }
            }
            sessions.push(SessionInfo {
                first_part,
                parts: s.parts,
                len: s.part_len,
                learners: s.learners,
                starts,
                rooms,
                is_virtual,
                cohorts: s.cohorts.iter().map(|&c| c as u32).collect(),
                needs: s
                    .resources
                    .iter()
                    .map(|n| (n.pool as u32, n.count))
                    .collect(),
                program: s.program.map_or(NONE, |g| g as u32),
                min_days: s.min_days,
                consecutive: s.consecutive_days && s.parts > 1,
                instructors: s
                    .instructors
                    .iter()
                    .map(|c| (c.instructor as u32, c.cost_per_part))
                    .collect(),
                published_instructor: s
                    .published
                    .as_ref()
                    .and_then(|pl| pl.instructor)
                    .map_or(NONE, |i| i as u32),
                pinned: s.pinned,
                told_factor: 1 + i64::from(s.told),
                has_pref_days: !s.preferred_days.is_empty(),
                has_pref_rooms: !s.preferred_rooms.is_empty(),
            });
        }

        // Sessions sharing a cohort conflict (a bitset per session).
        let words = n_s.div_ceil(64).max(1);
        let mut conflict = vec![0u64; n_s * words];
        let mut by_cohort: Vec<Vec<usize>> = vec![Vec::new(); p.cohorts.len()];
        for (si, s) in p.sessions.iter().enumerate() {
            conflict[si * words + si / 64] |= 1 << (si % 64);
            for &c in &s.cohorts {
                by_cohort[c].push(si);
            }
        }
        for members in &by_cohort {
            for &a in members {
                for &b in members {
                    conflict[a * words + b / 64] |= 1 << (b % 64);
                }
            }
        }

        let w = &p.weights;
        let mut weights = [0i64; N];
        weights[cost::COST] = w.instructor_cost;
        weights[cost::TRAVEL] = w.travel;
        weights[cost::FAIRNESS] = w.fairness;
        weights[cost::PREF_DAY] = w.preferred_day;
        weights[cost::PREF_ROOM] = w.preferred_room;
        weights[cost::MIN_DAYS] = w.min_days;
        weights[cost::PROGRAM_SPREAD] = w.program_spread;
        weights[cost::COMPACTNESS] = w.compactness;
        weights[cost::ROOM_STABILITY] = w.room_stability;
        weights[cost::CAPACITY] = if capacity_hard { 0 } else { w.capacity };
        weights[cost::MOVED] = w.moved;
        weights[cost::INSTRUCTOR_CHANGED] = w.instructor_changed;
        weights[cost::GAP_DAYS] = w.gap_days;

        let mut is_movable = vec![false; part_session.len()];
        for &x in &movable {
            is_movable[x as usize] = true;
        }
        let all_len_one = p.sessions.iter().all(|s| s.part_len == 1);
        let max_len = p.sessions.iter().map(|s| s.part_len).max().unwrap_or(1);
        Compiled {
            t,
            days,
            ppd,
            n_rooms,
            n_inst,
            n_cohorts: p.cohorts.len(),
            n_programs: p.programs.len(),
            n_weeks,
            n_months,
            day_of,
            slot_of,
            week_of_day,
            month_of_day,
            sessions,
            part_session,
            published_t,
            published_r,
            is_movable,
            movable,
            skipped: skip.to_vec(),
            start_ok,
            room_ok,
            pref_day,
            pref_room,
            room_cap: p.rooms.iter().map(|r| r.capacity).collect(),
            room_loc: p
                .rooms
                .iter()
                .map(|r| r.location.map_or(NONE, |l| l as u32))
                .collect(),
            room_closed,
            inst_unavail,
            inst_home: p
                .instructors
                .iter()
                .map(|i| i.home.map_or(NONE, |l| l as u32))
                .collect(),
            inst_week_limit: p
                .instructors
                .iter()
                .map(|i| i.max_parts_per_week.unwrap_or(NONE))
                .collect(),
            inst_month_limit: p
                .instructors
                .iter()
                .map(|i| i.max_parts_per_month.unwrap_or(NONE))
                .collect(),
            inst_base,
            inst_base_week,
            inst_base_month,
            inst_busy_day,
            n_locations,
            travel,
            has_travel,
            pool_cap: p.pools.iter().map(|q| q.capacity).collect(),
            pool_base: {
                let mut base = vec![0u32; p.pools.len() * t];
                for (k, q) in p.pools.iter().enumerate() {
                    for &(period, units) in &q.in_use {
                        base[k * t + period as usize] += units;
                    }
                }
                base
            },
            has_limits,
            conflict,
            conflict_words: words,
            weights,
            all_len_one,
            max_len,
        }
    }

    pub fn n_parts(&self) -> usize {
        self.part_session.len()
    }

    #[inline]
    pub fn sessions_conflict(&self, a: u32, b: u32) -> bool {
        self.conflict[a as usize * self.conflict_words + b as usize / 64] >> (b % 64) & 1 == 1
    }

    #[inline]
    pub fn travel(&self, a: u32, b: u32) -> u32 {
        if a == NONE || b == NONE {
            0
        } else {
            self.travel[a as usize * self.n_locations + b as usize]
        }
    }
}

/// The start periods a part of session `si` may take: inside its window, on allowed days and
/// slots, fitting in the day, and covering no forbidden period.
pub(crate) fn domain(p: &Problem, si: usize) -> Vec<u32> {
    let s = &p.sessions[si];
    let g = &p.grid;
    let ppd = g.periods_per_day;
    if s.keep_times {
        // Without a published placement there are no days and times to keep: nowhere to go.
        let mut out: Vec<u32> = s
            .published
            .iter()
            .flat_map(|pl| pl.parts.iter().map(|sl| sl.day * ppd + sl.start))
            .collect();
        out.sort_unstable();
        out.dedup();
        return out;
    }
    let (first, last) = s.window.unwrap_or((0, g.days.saturating_sub(1)));
    let mut forbidden = vec![false; g.periods() as usize];
    for &q in &s.forbidden_periods {
        forbidden[q as usize] = true;
    }
    let mut out = Vec::new();
    for d in first..=last.min(g.days.saturating_sub(1)) {
        if !s.allowed_days.is_empty() && !s.allowed_days.contains(&d) {
            continue;
        }
        for slot in 0..ppd {
            if slot + s.part_len > ppd {
                break;
            }
            if !s.allowed_starts.is_empty() && !s.allowed_starts.contains(&slot) {
                continue;
            }
            let t0 = d * ppd + slot;
            if (t0..t0 + s.part_len).any(|q| forbidden[q as usize]) {
                continue;
            }
            out.push(t0);
        }
    }
    out
}
