use super::compiled::Compiled;
use super::generate::{QuarterSpec, quarter};
use super::state::State;
use super::*;
use proptest::prelude::*;

fn budget(n: u64, seed: u64) -> SolveOptions {
    SolveOptions {
        seed,
        threads: 1,
        max_iterations: Some(n),
        ..SolveOptions::default()
    }
}

fn quiet(_: &Progress) {}

/// (start period, end period, location) of an instructor's part.
type Stretch = (u32, u32, Option<usize>);

/// Every hard rule, checked from the plan alone (independently of the engine's bookkeeping).
fn violations(p: &Problem, plan: &Plan) -> Vec<String> {
    let ppd = p.grid.periods_per_day;
    let t = p.grid.periods() as usize;
    let mut out = Vec::new();
    let mut room = vec![0u32; p.rooms.len() * t];
    let mut inst = vec![0u32; p.instructors.len() * t];
    let mut cohort = vec![0u32; p.cohorts.len() * t];
    let mut pool = vec![0u32; p.pools.len() * t];
    // (instructor, day) → (start, end, location)
    let mut days: std::collections::HashMap<(usize, u32), Vec<Stretch>> = Default::default();
    for (i, ins) in p.instructors.iter().enumerate() {
        for b in &ins.busy {
            let s0 = b.day * ppd + b.start;
            for u in s0..s0 + b.len {
                inst[i * t + u as usize] += 1;
            }
            days.entry((i, b.day))
                .or_default()
                .push((s0, s0 + b.len, b.location));
        }
    }
    let mut week_parts: std::collections::HashMap<(usize, u32), u32> = Default::default();
    for sp in &plan.sessions {
        let s = &p.sessions[sp.session];
        let Some(i) = sp.instructor else {
            if sp.parts.iter().any(Option::is_some) {
                out.push(format!("{}: placed without an instructor", s.id));
            }
            continue;
        };
        if !s.pinned && !s.instructors.iter().any(|c| c.instructor == i) {
            out.push(format!("{}: instructor not a candidate", s.id));
        }
        for sl in sp.parts.iter().flatten() {
            let s0 = sl.day * ppd + sl.start;
            if sl.start + s.part_len > ppd {
                out.push(format!("{}: part spills over the day", s.id));
            }
            if !s.pinned {
                if s.window.is_some_and(|(a, b)| sl.day < a || sl.day > b) {
                    out.push(format!("{}: outside its window", s.id));
                }
                if (s0..s0 + s.part_len).any(|u| s.forbidden_periods.contains(&u)) {
                    out.push(format!("{}: in a forbidden period", s.id));
                }
            }
            *week_parts.entry((i, sl.day / 5)).or_default() += 1;
            let loc = sl.room.and_then(|r| p.rooms[r].location);
            days.entry((i, sl.day))
                .or_default()
                .push((s0, s0 + s.part_len, loc));
            for u in s0..s0 + s.part_len {
                let u = u as usize;
                if let Some(r) = sl.room {
                    room[r * t + u] += 1;
                    if p.rooms[r].unavailable.contains(&(u as u32)) {
                        out.push(format!("{}: room closed", s.id));
                    }
                    if p.capacity == CapacityRule::Hard && p.rooms[r].capacity < s.learners {
                        out.push(format!("{}: room too small", s.id));
                    }
                } else if s.mode == Mode::InPerson {
                    out.push(format!("{}: in person without a room", s.id));
                }
                inst[i * t + u] += 1;
                if p.instructors[i].unavailable.contains(&(u as u32)) {
                    out.push(format!("{}: instructor unavailable", s.id));
                }
                for &k in &s.cohorts {
                    cohort[k * t + u] += 1;
                }
                for n in &s.resources {
                    pool[n.pool * t + u] += n.count;
                }
            }
        }
    }
    if room.iter().any(|&n| n > 1) {
        out.push("a room is double-booked".into());
    }
    if inst.iter().any(|&n| n > 1) {
        out.push("an instructor is double-booked".into());
    }
    if cohort.iter().any(|&n| n > 1) {
        out.push("a cohort overlaps".into());
    }
    for (k, q) in p.pools.iter().enumerate() {
        if (0..t).any(|u| pool[k * t + u] > q.capacity) {
            out.push(format!("pool {} exceeded", q.id));
        }
    }
    for ((i, _), list) in &days {
        for a in list {
            for b in list {
                if let (Some(la), Some(lb)) = (a.2, b.2)
                    && la != lb
                    && a.1 <= b.0
                    && b.0 - a.1 < p.travel[la][lb]
                {
                    out.push(format!("instructor {i}: no time to travel"));
                }
            }
        }
    }
    for (&(i, _), &n) in &week_parts {
        if p.instructors[i]
            .max_parts_per_week
            .is_some_and(|lim| n > lim)
        {
            // The checker's weeks are day / 5, as in the generated quarters it is used on.
            if p.grid.week_of_day.is_empty() || p.grid.week_of_day.len() as u32 == p.grid.days {
                out.push(format!("instructor {i}: over the weekly limit"));
            }
        }
    }
    out
}

fn small_quarter(seed: u64) -> Problem {
    quarter(&QuarterSpec {
        sessions: 60,
        instructors: 15,
        rooms: 8,
        weeks: 4,
        seed,
    })
}

#[test]
fn a_generated_quarter_is_planned_feasibly() {
    let p = small_quarter(3);
    let out = solve(&p, &budget(300_000, 1), &quiet).expect("valid");
    assert!(out.is_feasible(), "{:?}", out.unplaced());
    assert_eq!(violations(&p, out.plan()), Vec::<String>::new());
    assert_eq!(out.plan().cost.hard.total(), 0);
}

#[test]
fn the_same_seed_and_budget_give_the_same_plan() {
    let p = small_quarter(5);
    let a = solve(&p, &budget(200_000, 42), &quiet).expect("valid");
    let b = solve(&p, &budget(200_000, 42), &quiet).expect("valid");
    assert_eq!(a, b);
    let two = SolveOptions {
        threads: 2,
        ..budget(100_000, 42)
    };
    let c = solve(&p, &two, &quiet).expect("valid");
    let d = solve(&p, &two, &quiet).expect("valid");
    assert_eq!(c, d);
}

#[test]
fn more_search_is_never_worse_than_the_first_plan() {
    let p = small_quarter(8);
    let short = solve(&p, &budget(1, 1), &quiet).expect("valid");
    let long = solve(&p, &budget(400_000, 1), &quiet).expect("valid");
    let key = |o: &Outcome| (o.unplaced().len(), o.plan().cost.soft.total());
    assert!(
        key(&long) <= key(&short),
        "{:?} > {:?}",
        key(&long),
        key(&short)
    );
}

fn tiny(sessions: Vec<Session>, instructors: usize, rooms: usize) -> Problem {
    Problem {
        name: "tiny".into(),
        grid: Grid {
            days: 2,
            periods_per_day: 2,
            week_of_day: Vec::new(),
            month_of_day: Vec::new(),
        },
        sessions,
        instructors: (0..instructors)
            .map(|i| Instructor {
                id: format!("i{i}"),
                unavailable: Vec::new(),
                home: None,
                max_parts_per_week: None,
                max_parts_per_month: None,
                busy: Vec::new(),
            })
            .collect(),
        rooms: (0..rooms)
            .map(|r| Room {
                id: format!("r{r}"),
                capacity: 10,
                location: None,
                unavailable: Vec::new(),
            })
            .collect(),
        pools: Vec::new(),
        cohorts: vec![Named { id: "c".into() }],
        programs: Vec::new(),
        locations: Vec::new(),
        travel: Vec::new(),
        weights: Weights::default(),
        capacity: CapacityRule::Hard,
    }
}

fn session(id: &str, parts: u32, instructor: usize) -> Session {
    Session {
        id: id.into(),
        parts,
        part_len: 1,
        window: None,
        allowed_days: Vec::new(),
        allowed_starts: Vec::new(),
        forbidden_periods: Vec::new(),
        learners: 5,
        mode: Mode::InPerson,
        instructors: vec![Candidate {
            instructor,
            cost_per_part: 0,
        }],
        rooms: vec![0],
        resources: Vec::new(),
        cohorts: Vec::new(),
        program: None,
        preferred_days: Vec::new(),
        preferred_rooms: Vec::new(),
        min_days: 0,
        consecutive_days: false,
        published: None,
        pinned: false,
        told: 0,
        keep_times: false,
    }
}

#[test]
fn infeasible_sessions_are_explained_not_dropped() {
    let mut no_teacher = session("no-teacher", 1, 0);
    no_teacher.instructors.clear();
    let mut too_big = session("too-big", 1, 0);
    too_big.learners = 50;
    let mut too_many = session("too-many", 3, 1);
    too_many.window = Some((0, 0));
    // Four parts for one room with four periods, and a fifth that cannot fit anywhere.
    let fill = session("fill", 4, 2);
    let extra = session("extra", 1, 3);
    let p = tiny(vec![no_teacher, too_big, too_many, fill, extra], 4, 1);
    let out = solve(&p, &budget(50_000, 1), &quiet).expect("valid");
    assert!(!out.is_feasible());
    let why = |id: &str| -> Vec<Reason> {
        out.unplaced()
            .iter()
            .filter(|u| u.session_id == id)
            .flat_map(|u| u.reasons.clone())
            .collect()
    };
    assert_eq!(why("no-teacher"), vec![Reason::NoCandidateInstructor]);
    assert_eq!(
        why("too-big"),
        vec![Reason::NoRoomLargeEnough {
            learners: 50,
            largest: 10
        }]
    );
    assert!(why("too-many").contains(&Reason::TooFewAllowedPeriods {
        parts: 3,
        allowed: 2
    }));
    // One part of fill/extra is left out, blocked by the room.
    let blocked: Vec<&Unplaced> = out
        .unplaced()
        .iter()
        .filter(|u| u.session_id == "fill" || u.session_id == "extra")
        .collect();
    assert_eq!(blocked.len(), 1);
    match &blocked[0].reasons[0] {
        Reason::Blocked { constraints, .. } => {
            assert!(constraints.contains(&Constraint::RoomDoubleBooked))
        }
        other => panic!("unexpected reason {other:?}"),
    }
    assert_eq!(out.plan().cost.hard.unplaced_parts, 1 + 1 + 3 + 1);
    assert_eq!(violations(&p, out.plan()), Vec::<String>::new());
    // The text a coordinator reads.
    assert!(
        why("no-teacher")[0]
            .to_string()
            .contains("no qualified instructor")
    );
}

#[test]
fn an_invalid_problem_is_an_error() {
    let mut s = session("bad", 1, 0);
    s.rooms = vec![7];
    let p = tiny(vec![s], 1, 1);
    assert!(solve(&p, &budget(10, 1), &quiet).is_err());
}

#[test]
fn repair_moves_only_what_the_change_forces() {
    let mut p = small_quarter(11);
    let first = solve(&p, &budget(300_000, 1), &quiet).expect("valid");
    assert!(first.is_feasible());
    publish(&mut p, first.plan());
    // The busiest instructor drops out.
    let mut load = vec![0; p.instructors.len()];
    for sp in &first.plan().sessions {
        if let Some(i) = sp.instructor {
            load[i] += 1;
        }
    }
    let gone = (0..load.len())
        .max_by_key(|&i| load[i])
        .expect("instructors");
    let change = [Change::InstructorRemoved { instructor: gone }];
    let out = repair(&p, &change, &budget(300_000, 2), &quiet).expect("valid");
    let after = apply_changes(&p, &change);
    assert_eq!(violations(&after, out.plan()), Vec::<String>::new());
    let mut unaffected_moved = 0;
    let mut unaffected = 0;
    for (before, now) in first.plan().sessions.iter().zip(&out.plan().sessions) {
        assert_ne!(now.instructor, Some(gone));
        if before.instructor != Some(gone) {
            unaffected += 1;
            if before.parts != now.parts || before.instructor != now.instructor {
                unaffected_moved += 1;
            }
        }
    }
    assert!(unaffected > 0);
    assert!(
        unaffected_moved * 20 <= unaffected,
        "{unaffected_moved} of {unaffected} unaffected sessions changed"
    );
}

#[test]
fn pinned_sessions_stay_put() {
    let mut p = small_quarter(13);
    let first = solve(&p, &budget(100_000, 1), &quiet).expect("valid");
    publish(&mut p, first.plan());
    for s in p.sessions.iter_mut().step_by(3) {
        s.pinned = true;
    }
    p.weights.moved = 0;
    let out = solve(&p, &budget(200_000, 9), &quiet).expect("valid");
    for (s, sp) in p.sessions.iter().zip(&out.plan().sessions) {
        if s.pinned {
            let pl = s.published.as_ref().expect("published");
            assert_eq!(
                sp.parts,
                pl.parts.iter().map(|x| Some(*x)).collect::<Vec<_>>()
            );
        }
    }
}

/// The incremental cost after any sequence of moves equals the cost of building the same plan
/// from nothing.
#[test]
fn incremental_cost_matches_a_fresh_evaluation() {
    let mut p = small_quarter(21);
    p.weights.moved = 7;
    for s in p.sessions.iter_mut().step_by(2) {
        s.consecutive_days = true;
    }
    let first = solve(&p, &budget(20_000, 1), &quiet).expect("valid");
    publish(&mut p, first.plan());
    p.weights.instructor_changed = 11;
    for (k, s) in p.sessions.iter_mut().enumerate().step_by(3) {
        s.told = k as u32 % 7;
    }
    let skip = vec![false; p.sessions.len()];
    let c = Compiled::new(&p, &skip);
    let mut rng = super::rng::Rng::new(5);
    let mut st = State::new(&c);
    for (s, si) in c.sessions.iter().enumerate() {
        st.set_instructor(s as u32, si.instructors[0].0);
    }
    for x in 0..c.n_parts() as u32 {
        let si = &c.sessions[c.part_session[x as usize] as usize];
        let t = si.starts[rng.below(si.starts.len())];
        let r = if si.is_virtual {
            model::NONE
        } else {
            si.rooms[rng.below(si.rooms.len())]
        };
        st.place(x, t, r);
    }
    for step in 0..5_000 {
        let x = rng.below(c.n_parts()) as u32;
        let s = c.part_session[x as usize];
        let si = &c.sessions[s as usize];
        if step % 7 == 0 {
            let i = si.instructors[rng.below(si.instructors.len())].0;
            st.set_instructor(s, i);
        } else {
            st.unplace(x);
            let t = si.starts[rng.below(si.starts.len())];
            let r = if si.is_virtual {
                model::NONE
            } else {
                si.rooms[rng.below(si.rooms.len())]
            };
            st.place(x, t, r);
        }
        if step % 500 == 0 {
            let mut fresh = State::new(&c);
            for (s, &i) in st.inst_of.iter().enumerate() {
                fresh.set_instructor(s as u32, i);
            }
            for x in 0..c.n_parts() {
                fresh.place(x as u32, st.pos_t[x], st.pos_r[x]);
            }
            assert_eq!(fresh.raw, st.raw, "after step {step}");
        }
    }
}

/// Every annealing move, accepted or refused, leaves the search's running cost equal to the
/// plan's cost from scratch, never adds a hard violation to a feasible plan, and the best plan it
/// remembers is the best it saw.
#[test]
fn every_move_keeps_the_books_exact() {
    let mut p = small_quarter(8);
    for s in p.sessions.iter_mut().step_by(3) {
        s.consecutive_days = true;
    }
    let skip = vec![false; p.sessions.len()];
    let c = Compiled::new(&p, &skip);
    let mut se = super::search::Search::new(&c, 3);
    se.construct();
    let unlimited = super::search::Budget {
        max_iterations: u64::MAX,
        deadline: None,
    };
    se.repair_hard(&unlimited, &mut |_| {});
    assert_eq!(se.cur_hard, 0, "the small quarter is feasible");
    let fresh_raw = |st: &State| {
        let mut fresh = State::new(&c);
        for (s, &i) in st.inst_of.iter().enumerate() {
            fresh.set_instructor(s as u32, i);
        }
        for x in 0..c.n_parts() {
            fresh.place(x as u32, st.pos_t[x], st.pos_r[x]);
        }
        fresh.raw
    };
    let mut reassigned = 0;
    for step in 0..4_000u32 {
        let temp = 50.0;
        let before = se.accepted;
        match step % 4 {
            0 => super::moves::reassign(&mut se, temp),
            1 => super::moves::change_instructor(&mut se, temp),
            2 => super::moves::kempe(&mut se, temp),
            _ => super::moves::move_or_swap(&mut se, temp),
        }
        if step % 4 == 0 && se.accepted > before {
            reassigned += 1;
        }
        assert_eq!((se.cur_hard, se.cur_soft), (se.st.hard(), se.st.soft()));
        assert_eq!(se.cur_hard, 0, "step {step} broke a hard constraint");
        assert!((se.best.hard, se.best.soft) <= (se.cur_hard, se.cur_soft));
        if step % 200 == 0 {
            assert_eq!(fresh_raw(&se.st), se.st.raw, "after step {step}");
        }
    }
    assert!(reassigned > 20, "reassign accepted only {reassigned} times");
    let (hard, soft) = (se.best.hard, se.best.soft);
    se.restore_best();
    assert_eq!(
        (se.cur_hard, se.cur_soft),
        (hard, soft),
        "the best plan as remembered"
    );
}

fn arb_problem() -> impl Strategy<Value = (Problem, u64)> {
    (1u64..1000, 4usize..25, 1usize..4, 1usize..5).prop_map(|(seed, n, rooms, inst)| {
        let mut rng = super::rng::Rng::new(seed);
        let mut p = tiny(Vec::new(), inst, rooms);
        p.grid.days = 3;
        p.grid.periods_per_day = 3;
        p.cohorts = (0..3)
            .map(|k| Named {
                id: format!("c{k}"),
            })
            .collect();
        for k in 0..n {
            let mut s = session(&format!("s{k}"), 1 + rng.below(3) as u32, 0);
            s.part_len = 1 + rng.below(2) as u32;
            s.instructors = Vec::new();
            for i in 0..inst {
                if rng.chance(0.6) {
                    let cost_per_part = rng.below(5) as i64;
                    s.instructors.push(Candidate {
                        instructor: i,
                        cost_per_part,
                    });
                }
            }
            s.rooms = (0..rooms).filter(|_| rng.chance(0.7)).collect();
            s.cohorts = (0..3).filter(|_| rng.chance(0.3)).collect();
            s.learners = 1 + rng.below(12) as u32;
            p.sessions.push(s);
        }
        (p, seed)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Whatever the input, the plan handed back breaks no hard rule: parts that cannot be placed
    /// are left out and explained, never double-booked.
    #[test]
    fn plans_never_double_book((p, seed) in arb_problem()) {
        let out = solve(&p, &budget(20_000, seed), &quiet).expect("valid");
        prop_assert_eq!(violations(&p, out.plan()), Vec::<String>::new());
        let placed_missing: u32 = out
            .plan()
            .sessions
            .iter()
            .map(|s| s.parts.iter().filter(|x| x.is_none()).count() as u32)
            .sum();
        prop_assert_eq!(placed_missing as usize, out.unplaced().len());
        prop_assert_eq!(out.is_feasible(), out.unplaced().is_empty());
        for u in out.unplaced() {
            prop_assert!(!u.reasons.is_empty());
        }
    }
}

#[test]
fn a_problem_round_trips_through_json() {
    let p = small_quarter(2);
    let json = serde_json::to_string(&p).expect("serialise");
    let back: Problem = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(p, back);
}

#[test]
fn multi_day_sessions_run_on_consecutive_days() {
    // One instructor, one room, ten days of one period; the instructor is away on day 1, so the
    // cheapest-looking start (day 0) would leave a gap.
    let mut s = session("three-day", 3, 0);
    s.consecutive_days = true;
    let mut p = tiny(vec![s], 1, 1);
    p.grid.days = 10;
    p.grid.periods_per_day = 1;
    p.instructors[0].unavailable = vec![1];
    let out = solve(&p, &budget(20_000, 3), &quiet).expect("valid");
    assert!(out.is_feasible());
    let mut days: Vec<u32> = out.plan().sessions[0]
        .parts
        .iter()
        .flatten()
        .map(|s| s.day)
        .collect();
    days.sort();
    assert_eq!(days.len(), 3);
    assert_eq!(days[2] - days[0], 2, "three days in a row: {days:?}");
    assert!(!days.contains(&1));
    assert_eq!(out.plan().cost.soft.gap_days.raw, 0);

    // Pinned with a gap, the gap is priced.
    let mut pinned = p.clone();
    pinned.sessions[0].pinned = true;
    pinned.sessions[0].published = Some(Placement {
        instructor: Some(0),
        parts: [0, 2, 3]
            .iter()
            .map(|&day| Slot {
                day,
                start: 0,
                room: Some(0),
            })
            .collect(),
    });
    let out = solve(&pinned, &budget(1_000, 3), &quiet).expect("valid");
    assert_eq!(out.plan().cost.soft.gap_days.raw, 1);
}

#[test]
fn teaching_fixed_outside_the_plan_is_not_the_plans_violation() {
    // Instructor 0 already teaches three parts in week 0 (two of them at once) against a weekly
    // limit of two: a fact the plan cannot change. A session for instructor 1 is still feasible.
    let mut p = tiny(vec![session("other", 1, 1)], 2, 1);
    p.instructors[0].max_parts_per_week = Some(2);
    p.instructors[0].busy = vec![
        Busy {
            day: 0,
            start: 0,
            len: 1,
            location: None,
        },
        Busy {
            day: 0,
            start: 0,
            len: 1,
            location: None,
        },
        Busy {
            day: 1,
            start: 0,
            len: 1,
            location: None,
        },
    ];
    let out = solve(&p, &budget(5_000, 1), &quiet).expect("valid");
    assert!(out.is_feasible());
    assert_eq!(out.plan().cost.hard.total(), 0);
    // A part for instructor 0 in that full week is the plan's violation, and is reported.
    let mut full = p.clone();
    full.sessions.push(session("more", 1, 0));
    let out = solve(&full, &budget(5_000, 1), &quiet).expect("valid");
    assert!(!out.is_feasible());
}

/// A search thread that dies abandons the meeting points: the other search goes on alone instead
/// of waiting for it forever.
#[test]
fn a_dead_search_does_not_hold_up_the_other() {
    let p = small_quarter(2);
    let skip = vec![false; p.sessions.len()];
    let c = Compiled::new(&p, &skip);
    let exchange = super::search::Exchange::new(2, vec![0.5]);
    std::thread::scope(|scope| {
        let dies = scope.spawn(|| {
            let _attendance = exchange.attend();
            std::thread::sleep(std::time::Duration::from_millis(50));
            panic!("a search thread fails");
        });
        let lives = scope.spawn(|| {
            let _attendance = exchange.attend();
            let mut se = super::search::Search::new(&c, 1);
            se.construct();
            let budget = super::search::Budget {
                max_iterations: 50_000,
                deadline: None,
            };
            let schedule = super::search::Schedule::default();
            se.anneal(&budget, schedule, Some((&exchange, 1)), &mut |_| {});
            se.best.hard
        });
        assert!(dies.join().is_err());
        assert!(lives.join().is_ok(), "the surviving search finished");
    });
}

/// Units of a pool in use outside the plan leave only the rest: with one licence of one booked
/// on day 0, the two sessions needing it go to the periods of day 1, one each.
#[test]
fn pool_units_in_use_outside_the_plan_are_respected() {
    let mut a = session("a", 1, 0);
    let mut b = session("b", 1, 1);
    for s in [&mut a, &mut b] {
        s.mode = Mode::Virtual;
        s.rooms = Vec::new();
        s.resources = vec![model::Need { pool: 0, count: 1 }];
    }
    let mut p = tiny(vec![a, b], 2, 1);
    p.pools = vec![model::Pool {
        id: "licence".into(),
        capacity: 1,
        in_use: vec![(0, 1), (1, 1)],
    }];
    for seed in 0..5 {
        let out = solve(&p, &budget(5_000, seed), &quiet).expect("valid");
        assert!(out.is_feasible(), "{out:?}");
        let starts: Vec<(u32, u32)> = out
            .plan()
            .sessions
            .iter()
            .map(|s| s.parts[0].map(|x| (x.day, x.start)).expect("placed"))
            .collect();
        assert!(
            starts.iter().all(|(d, _)| *d == 1),
            "day 0 is taken: {starts:?}"
        );
        assert_ne!(starts[0], starts[1], "one licence: {starts:?}");
    }
    p.pools[0].in_use.push((9, 1));
    assert!(
        p.validate().is_err(),
        "a period outside the grid is refused"
    );
}

#[test]
fn a_half_year_generates_without_panicking_and_validates() {
    // Was an index out of bounds: the limits were counted in 16 weeks and 3 months only.
    let p = quarter(&QuarterSpec {
        sessions: 400,
        instructors: 60,
        rooms: 20,
        weeks: 26,
        seed: 7,
    });
    p.validate()
        .expect("a generated half-year is a valid problem");
    assert!(p.sessions.len() > 300, "{} sessions", p.sessions.len());
    assert!(p.grid.month_of_day.iter().max() >= Some(&5));
}

#[test]
fn a_spec_out_of_range_is_explained_not_generated() {
    let bad = QuarterSpec {
        weeks: 0,
        ..QuarterSpec::default()
    };
    assert!(bad.check().unwrap_err().contains("weeks"));
    let too_long = QuarterSpec {
        weeks: 500,
        ..QuarterSpec::default()
    };
    assert!(too_long.check().is_err());
    // Clamped rather than panicking when called anyway.
    let p = quarter(&QuarterSpec {
        weeks: 500,
        sessions: 20,
        instructors: 5,
        rooms: 3,
        seed: 1,
    });
    p.validate().expect("valid");
    assert!(QuarterSpec::default().check().is_ok());
}

/// A confirmed two-day session (Monday and Tuesday) whose instructor, Amir, drops out for the
/// week. Emil is qualified and free on both days; Xenia is 150 a day cheaper but only free on
/// Thursday and Friday.
fn amir_drops_out(told: u32) -> (Problem, Vec<Change>) {
    let mut s = session("S-00275", 2, 0);
    s.part_len = 2;
    s.allowed_starts = vec![0];
    s.consecutive_days = true;
    s.learners = 3;
    s.instructors = vec![
        Candidate {
            instructor: 0,
            cost_per_part: 450,
        },
        Candidate {
            instructor: 1,
            cost_per_part: 450,
        },
        Candidate {
            instructor: 2,
            cost_per_part: 300,
        },
    ];
    let slot = |day| Slot {
        day,
        start: 0,
        room: Some(0),
    };
    s.published = Some(Placement {
        instructor: Some(0),
        parts: vec![slot(0), slot(1)],
    });
    s.told = told;
    let mut p = tiny(vec![s], 3, 1);
    p.grid.days = 5;
    // Xenia teaches elsewhere on Monday to Wednesday.
    p.instructors[2].unavailable = (0..6).collect();
    let change = vec![Change::InstructorUnavailable {
        instructor: 0,
        periods: (0..10).collect(),
    }];
    (p, change)
}

#[test]
fn a_substitute_free_on_the_original_dates_beats_a_cheaper_move() {
    // Nobody told yet: the cheaper instructor on other days wins (the old behaviour).
    let (p, change) = amir_drops_out(0);
    let out = repair(&p, &change, &budget(50_000, 3), &quiet).expect("valid");
    assert!(out.is_feasible());
    let sp = &out.plan().sessions[0];
    assert_eq!(sp.instructor, Some(2), "{sp:?}");
    // Three booked learners, the client's contact and Amir were told: Emil takes it unchanged.
    let (p, change) = amir_drops_out(5);
    let out = repair(&p, &change, &budget(50_000, 3), &quiet).expect("valid");
    assert!(out.is_feasible());
    let sp = &out.plan().sessions[0];
    assert_eq!(sp.instructor, Some(1), "{sp:?}");
    let published = p.sessions[0].published.as_ref().expect("published");
    let mut days: Vec<Slot> = sp.parts.iter().flatten().copied().collect();
    days.sort();
    assert_eq!(days, published.parts, "no date moves");
    assert_eq!(out.plan().cost.soft.moved_parts.raw, 0);
    // The new instructor is paid for once per person told, and once more.
    assert_eq!(out.plan().cost.soft.instructor_changes.raw, 6);
}

#[test]
fn a_session_inside_the_notice_period_keeps_its_dates() {
    // Emil is away too: only Xenia on Thursday and Friday could take it.
    let (mut p, change) = amir_drops_out(5);
    p.instructors[1].unavailable = (0..10).collect();
    let out = repair(&p, &change, &budget(50_000, 3), &quiet).expect("valid");
    assert!(out.is_feasible(), "allowed to move, it moves");
    let sp = &out.plan().sessions[0];
    assert_eq!(sp.instructor, Some(2));
    assert!(sp.parts.iter().flatten().all(|sl| sl.day >= 3), "{sp:?}");
    // 2 parts × (1 + 5 told).
    assert_eq!(out.plan().cost.soft.moved_parts.raw, 12);

    p.sessions[0].keep_times = true;
    let out = repair(&p, &change, &budget(50_000, 3), &quiet).expect("valid");
    assert!(
        !out.is_feasible(),
        "its dates are kept: nobody can teach then"
    );
    let sp = &out.plan().sessions[0];
    assert!(
        sp.parts.iter().flatten().all(|sl| sl.day <= 1),
        "never moved: {sp:?}"
    );
    assert!(
        out.unplaced().iter().all(|u| u.session_id == "S-00275"),
        "{:?}",
        out.unplaced()
    );
    assert!(!out.unplaced().is_empty());

    // Inside the notice period the instructor may still be substituted.
    let (mut p, change) = amir_drops_out(5);
    p.sessions[0].keep_times = true;
    let out = repair(&p, &change, &budget(50_000, 3), &quiet).expect("valid");
    assert!(out.is_feasible());
    assert_eq!(out.plan().sessions[0].instructor, Some(1));

    // Without a published placement there are no days and times to keep.
    p.sessions[0].published = None;
    let out = repair(&p, &change, &budget(50_000, 3), &quiet).expect("valid");
    assert!(
        out.unplaced()
            .iter()
            .flat_map(|u| &u.reasons)
            .any(|r| matches!(r, Reason::TooFewAllowedPeriods { allowed: 0, .. })),
        "{:?}",
        out.unplaced()
    );
}

#[test]
fn old_problem_files_load_without_the_promise_fields() {
    let (p, _) = amir_drops_out(0);
    let mut v = serde_json::to_value(&p).expect("json");
    let s = v["sessions"][0].as_object_mut().expect("session");
    s.remove("told");
    s.remove("keep_times");
    let back: Problem = serde_json::from_value(v).expect("loads");
    assert_eq!(back, p);
}
