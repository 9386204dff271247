//! A seeded, Trainyard-shaped quarter to plan: weeks of working days in half-day periods, venues
//! with rooms and travel times, a catalogue of courses from half-day workshops to three-day
//! classes, instructors qualified for a few courses each with rates, time off and limits,
//! virtual sessions sharing platform licences, and client programs whose learners must not be in
//! two sessions at once. The same spec and seed always give the same problem.

use super::model::*;
use super::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuarterSpec {
    pub sessions: usize,
    pub instructors: usize,
    pub rooms: usize,
    pub weeks: u32,
    pub seed: u64,
}

impl Default for QuarterSpec {
    fn default() -> Self {
        Self {
            sessions: 1000,
            instructors: 150,
            rooms: 60,
            weeks: 13,
            seed: 1,
        }
    }
}

/// Course shapes: (parts, part length in half-days, can run virtually, weight in the catalogue).
const SHAPES: [(u32, u32, bool, u32); 5] = [
    (1, 1, true, 3),  // half-day workshop
    (1, 2, true, 4),  // one-day class
    (2, 2, false, 3), // two-day class
    (3, 2, false, 2), // three-day class
    (4, 1, true, 1),  // four half-day virtual series
];

impl QuarterSpec {
    /// The longest span the generator plans over: two years of working weeks.
    pub const MAX_WEEKS: u32 = 104;

    /// Why this spec cannot be generated, if it cannot (the generator itself never panics on a
    /// spec that passes).
    pub fn check(&self) -> Result<(), String> {
        if self.weeks == 0 || self.weeks > Self::MAX_WEEKS {
            return Err(format!(
                "weeks must be between 1 and {} (got {})",
                Self::MAX_WEEKS,
                self.weeks
            ));
        }
        if self.sessions == 0 || self.sessions > 1_000_000 {
            return Err(format!(
                "sessions must be between 1 and 1000000 (got {})",
                self.sessions
            ));
        }
        if self.instructors > 100_000 || self.rooms > 100_000 {
            return Err("instructors and rooms must be at most 100000 each".into());
        }
        Ok(())
    }
}

/// Generates the problem `spec` describes. A spec that fails [`QuarterSpec::check`] is clamped
/// into range rather than panicking.
pub fn quarter(spec: &QuarterSpec) -> Problem {
    let spec = &QuarterSpec {
        weeks: spec.weeks.clamp(1, QuarterSpec::MAX_WEEKS),
        ..*spec
    };
    let mut rng = Rng::new(spec.seed);
    let days = spec.weeks * 5;
    let ppd = 2;
    let n_loc = 6usize;
    let locations: Vec<Named> = [
        "Berlin",
        "Hamburg",
        "Munich",
        "Cologne",
        "Frankfurt",
        "Leipzig",
    ]
    .iter()
    .map(|n| Named { id: (*n).into() })
    .collect();
    // Travel in half-days: neighbours one, the rest two.
    let travel: Vec<Vec<u32>> = (0..n_loc)
        .map(|a| {
            (0..n_loc)
                .map(|b| match a.abs_diff(b) {
                    0 => 0,
                    1 => 1,
                    _ => 2,
                })
                .collect()
        })
        .collect();

    let caps = [8, 12, 12, 16, 16, 20, 24, 30];
    let rooms: Vec<Room> = (0..spec.rooms)
        .map(|r| Room {
            id: format!("{}-{}", &locations[r % n_loc].id[..3], r / n_loc + 1),
            capacity: caps[rng.below(caps.len())],
            location: Some(r % n_loc),
            unavailable: Vec::new(),
        })
        .collect();

    let n_courses = 60usize;
    let shape_total: u32 = SHAPES.iter().map(|s| s.3).sum();
    let courses: Vec<(u32, u32, bool)> = (0..n_courses)
        .map(|_| {
            let mut k = rng.below(shape_total as usize) as u32;
            let mut pick = SHAPES[0];
            for s in SHAPES {
                if k < s.3 {
                    pick = s;
                    break;
                }
                k -= s.3;
            }
            (pick.0, pick.1, pick.2)
        })
        .collect();

    // Instructors: qualified for 6 courses, a half-day rate, limits.
    let n_inst = spec.instructors.max(1);
    let mut qualified: Vec<Vec<(usize, i64)>> = vec![Vec::new(); n_courses];
    let mut rates = Vec::with_capacity(n_inst);
    for i in 0..n_inst {
        let rate = 30 + rng.below(7) as i64 * 10;
        rates.push(rate);
        let mut quals = Vec::new();
        while quals.len() < 6.min(n_courses) {
            let c = rng.below(n_courses);
            if !quals.contains(&c) {
                quals.push(c);
            }
        }
        for &c in &quals {
            qualified[c].push((i, rate));
        }
    }
    // Limits count per week and per month of 21 working days; a short last month joins the one
    // before it (a 13-week quarter has three).
    let n_weeks = spec.weeks as usize;
    let n_months = (days / 21).max(1) as usize;
    let week_of_day: Vec<u32> = (0..days).map(|d| d / 5).collect();
    let month_of_day: Vec<u32> = (0..days)
        .map(|d| (d / 21).min(n_months as u32 - 1))
        .collect();
    let (max_week, max_month) = (6u32, 20u32);

    let n_programs = spec.sessions / 16 + 1;
    let programs: Vec<Named> = (0..n_programs)
        .map(|g| Named {
            id: format!("program-{:03}", g + 1),
        })
        .collect();
    let cohorts: Vec<Named> = (0..n_programs)
        .map(|g| Named {
            id: format!("cohort-{:03}", g + 1),
        })
        .collect();
    let licences = 8u32;
    let pools = vec![Pool {
        id: "virtual-classroom-licence".into(),
        capacity: licences,
        in_use: Vec::new(),
    }];

    // Every session is generated around a hidden placement that keeps all hard constraints, so
    // the quarter is feasible by construction; the planner does not see the placement.
    let t = (days * ppd) as usize;
    let mut room_busy = vec![false; rooms.len() * t];
    let mut inst_day = vec![false; n_inst * days as usize];
    let mut inst_week = vec![0u32; n_inst * n_weeks];
    let mut inst_month = vec![0u32; n_inst * n_months];
    let mut cohort_busy = vec![false; n_programs * t];
    let mut licences_used = vec![0u32; t];
    let mut sessions: Vec<Session> = Vec::with_capacity(spec.sessions);
    let mut attempts = 0;
    while sessions.len() < spec.sessions && attempts < spec.sessions * 50 {
        attempts += 1;
        let k = sessions.len();
        let c = rng.below(n_courses);
        if qualified[c].is_empty() {
            continue;
        }
        let (parts, part_len, can_virtual) = courses[c];
        let virtual_ = can_virtual && rng.chance(0.3);
        let loc = rng.below(n_loc);
        let local: Vec<usize> = (0..rooms.len())
            .filter(|&r| rooms[r].location == Some(loc))
            .collect();
        if !virtual_ && local.is_empty() {
            continue;
        }
        let biggest = local.iter().map(|&r| rooms[r].capacity).max().unwrap_or(20);
        let learners = (6 + rng.below(15) as u32).min(if virtual_ { 20 } else { biggest });
        let weeks = spec.weeks.max(1);
        let span = (2 + rng.below(4) as u32).min(weeks);
        let first_week = rng.below((weeks - span + 1) as usize) as u32;
        let (d0, d1) = (first_week * 5, (first_week + span) * 5 - 1);
        let program = if rng.chance(0.4) {
            Some(rng.below(n_programs))
        } else {
            None
        };
        let (i, _) = qualified[c][rng.below(qualified[c].len())];
        // Plant the parts: distinct free days of the instructor inside the window.
        let mut planted: Vec<(u32, u32, Option<usize>)> = Vec::new();
        for _ in 0..60 {
            if planted.len() == parts as usize {
                break;
            }
            let d = d0 + rng.below((d1 - d0 + 1) as usize) as u32;
            let start = if part_len == 2 {
                0
            } else {
                rng.below(2) as u32
            };
            let u0 = (d * ppd + start) as usize;
            let us = u0..u0 + part_len as usize;
            let (w, m) = (
                week_of_day[d as usize] as usize,
                month_of_day[d as usize] as usize,
            );
            let free_inst = !inst_day[i * days as usize + d as usize]
                && !planted.iter().any(|p| p.0 == d)
                && inst_week[i * n_weeks + w] < max_week
                && inst_month[i * n_months + m] < max_month;
            let free_cohort = program.is_none_or(|g| us.clone().all(|u| !cohort_busy[g * t + u]));
            if !free_inst || !free_cohort {
                continue;
            }
            let room = if virtual_ {
                if us.clone().any(|u| licences_used[u] >= licences) {
                    continue;
                }
                None
            } else {
                let fits: Vec<usize> = local
                    .iter()
                    .copied()
                    .filter(|&r| rooms[r].capacity >= learners)
                    .filter(|&r| us.clone().all(|u| !room_busy[r * t + u]))
                    .collect();
                if fits.is_empty() {
                    continue;
                }
                Some(fits[rng.below(fits.len())])
            };
            planted.push((d, start, room));
            // Reserve at once so later parts of this session see it.
            inst_day[i * days as usize + d as usize] = true;
            inst_week[i * n_weeks + w] += 1;
            inst_month[i * n_months + m] += 1;
            for u in us {
                if let Some(g) = program {
                    cohort_busy[g * t + u] = true;
                }
                match room {
                    Some(r) => room_busy[r * t + u] = true,
                    None => licences_used[u] += 1,
                }
            }
        }
        if planted.len() < parts as usize {
            // Give the reservations back and try another session.
            for &(d, start, room) in &planted {
                let u0 = (d * ppd + start) as usize;
                inst_day[i * days as usize + d as usize] = false;
                inst_week[i * n_weeks + week_of_day[d as usize] as usize] -= 1;
                inst_month[i * n_months + month_of_day[d as usize] as usize] -= 1;
                for u in u0..u0 + part_len as usize {
                    if let Some(g) = program {
                        cohort_busy[g * t + u] = false;
                    }
                    match room {
                        Some(r) => room_busy[r * t + u] = false,
                        None => licences_used[u] -= 1,
                    }
                }
            }
            continue;
        }
        let mut cands: Vec<Candidate> = qualified[c]
            .iter()
            .map(|&(j, rate)| Candidate {
                instructor: j,
                cost_per_part: rate * part_len as i64,
            })
            .collect();
        cands.truncate(20);
        if !cands.iter().any(|x| x.instructor == i) {
            cands.push(Candidate {
                instructor: i,
                cost_per_part: rates[i] * part_len as i64,
            });
        }
        let preferred_days = if rng.chance(0.1) {
            (0..days).filter(|d| d % 5 <= 1).collect()
        } else {
            Vec::new()
        };
        let preferred_rooms = if !virtual_ && rng.chance(0.1) {
            vec![local[rng.below(local.len())]]
        } else {
            Vec::new()
        };
        sessions.push(Session {
            id: format!("S{:04}", k + 1),
            parts,
            part_len,
            window: Some((d0, d1)),
            allowed_days: Vec::new(),
            allowed_starts: if part_len == 2 { vec![0] } else { Vec::new() },
            forbidden_periods: Vec::new(),
            learners,
            mode: if virtual_ {
                Mode::Virtual
            } else {
                Mode::InPerson
            },
            instructors: cands,
            rooms: if virtual_ { Vec::new() } else { local },
            resources: if virtual_ {
                vec![Need { pool: 0, count: 1 }]
            } else {
                Vec::new()
            },
            cohorts: program.into_iter().collect(),
            program,
            preferred_days,
            preferred_rooms,
            min_days: parts.min(if part_len == 2 { parts } else { 2 }),
            consecutive_days: false,
            published: None,
            pinned: false,
            told: 0,
            keep_times: false,
        });
    }

    // Time off and outside engagements, on days the hidden placement leaves free.
    let instructors: Vec<Instructor> = (0..n_inst)
        .map(|i| {
            let mut unavailable = Vec::new();
            for _ in 0..rng.below(4) {
                let start = rng.below(days as usize) as u32;
                let len = 1 + rng.below(5) as u32;
                for d in start..(start + len).min(days) {
                    if !inst_day[i * days as usize + d as usize] {
                        unavailable.extend([d * ppd, d * ppd + 1]);
                    }
                }
            }
            let mut busy = Vec::new();
            if rng.chance(0.1) {
                let d = rng.below(days as usize) as u32;
                if !inst_day[i * days as usize + d as usize] {
                    busy.push(Busy {
                        day: d,
                        start: 0,
                        len: 2,
                        location: Some(rng.below(n_loc)),
                    });
                }
            }
            Instructor {
                id: format!("instructor-{:03}", i + 1),
                unavailable,
                home: Some(rng.below(n_loc)),
                max_parts_per_week: Some(max_week),
                max_parts_per_month: Some(max_month),
                busy,
            }
        })
        .collect();

    Problem {
        name: format!(
            "quarter-{}s-{}i-{}r-seed{}",
            spec.sessions, spec.instructors, spec.rooms, spec.seed
        ),
        grid: Grid {
            days,
            periods_per_day: ppd,
            week_of_day,
            month_of_day,
        },
        sessions,
        instructors,
        rooms,
        pools,
        cohorts,
        programs,
        locations,
        travel,
        weights: Weights::default(),
        capacity: CapacityRule::Hard,
    }
}
