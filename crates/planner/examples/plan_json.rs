//! The planner on JSON files, for the OR-Tools CP-SAT comparison in `bench/cpsat_compare.py`:
//!
//! ```text
//! cargo run --release -p trainyard-planner --example plan_json -- generate \
//!     --sessions 30 --instructors 8 --rooms 12 --weeks 2 --seed 1 --out problem.json
//! cargo run --release -p trainyard-planner --example plan_json -- solve problem.json \
//!     --seconds 5 --seed 1 --threads 0 --out solution.json
//! cargo run --release -p trainyard-planner --example plan_json -- evaluate problem.json \
//!     other_solution.json --out cost.json
//! ```
//!
//! `generate` writes `generate::quarter` as a `Problem` (the same generator as `trainyard bench
//! plan`). `solve` writes the plan (one entry per session: instructor and one slot per part), its
//! cost breakdown and timings. `evaluate` prices a plan made elsewhere (same `sessions` shape) with
//! the engine's own cost code: every session is pinned at the given placement and the planner is
//! run with nothing left to move, so the breakdown is exactly what the search would see. It also
//! lists what the engine's cost does not check because the search never does it (a start outside
//! the session's domain, a room or instructor that is not a candidate, a part not placed).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use trainyard_planner::plan::generate::{QuarterSpec, quarter};
use trainyard_planner::plan::{
    CapacityRule, CostBreakdown, Mode, Outcome, Placement, Problem, SessionPlan, SolveOptions,
    Unplaced, solve,
};

fn usage() -> ! {
    eprintln!(
        "usage:\n  plan_json generate --sessions N --instructors N --rooms N --weeks N --seed S --out FILE\n  \
         plan_json solve PROBLEM --seconds S [--seed S] [--threads N] --out FILE\n  \
         plan_json evaluate PROBLEM SOLUTION --out FILE"
    );
    std::process::exit(2)
}

/// `--name value` pairs and positional arguments.
struct Args {
    positional: Vec<String>,
    named: Vec<(String, String)>,
}

impl Args {
    fn parse(raw: &[String]) -> Self {
        let mut positional = Vec::new();
        let mut named = Vec::new();
        let mut it = raw.iter();
        while let Some(a) = it.next() {
            if let Some(name) = a.strip_prefix("--") {
                let v = it.next().unwrap_or_else(|| usage());
                named.push((name.to_owned(), v.clone()));
            } else {
                positional.push(a.clone());
            }
        }
        Args { positional, named }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.named
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn num<T: std::str::FromStr>(&self, name: &str, default: Option<T>) -> T {
        match self.get(name) {
            Some(v) => v.parse().unwrap_or_else(|_| {
                eprintln!("--{name}: not a number: {v}");
                std::process::exit(2)
            }),
            None => default.unwrap_or_else(|| {
                eprintln!("--{name} is required");
                std::process::exit(2)
            }),
        }
    }

    fn out(&self) -> &str {
        self.get("out").unwrap_or_else(|| usage())
    }
}

#[derive(Serialize)]
struct Solved<'a> {
    problem: &'a str,
    status: &'static str,
    seed: u64,
    threads: usize,
    seconds_limit: f64,
    /// Wall time of `solve` (the search stops at the limit; rebuilding the plan takes a moment).
    seconds: f64,
    /// When the best plan of some search thread first had no hard violation.
    first_feasible_seconds: Option<f64>,
    /// When a search thread last reported a new overall best (hard, soft); the search reports
    /// improvements in batches, so this is approximate (late by at most a few milliseconds).
    last_improvement_seconds: Option<f64>,
    iterations: u64,
    hard_total: i64,
    soft_total: i64,
    cost: CostBreakdown,
    sessions: &'a [SessionPlan],
    unplaced: &'a [Unplaced],
}

/// A plan to price: the `sessions` of a `solve` output, or of any other solver.
#[derive(Deserialize)]
struct Given {
    sessions: Vec<SessionPlan>,
}

#[derive(Serialize)]
struct Evaluated {
    problem: String,
    hard_total: i64,
    soft_total: i64,
    cost: CostBreakdown,
    /// What the engine's cost does not count because its search never does it.
    domain_violations: Vec<String>,
}

fn read_problem(path: &str) -> Problem {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    })
}

fn write_json<T: Serialize>(path: &str, v: &T) {
    let json = serde_json::to_string_pretty(v).expect("serialize");
    std::fs::write(path, json).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
}

fn main() {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = raw.split_first() else {
        usage()
    };
    let a = Args::parse(rest);
    match cmd.as_str() {
        "generate" => generate(&a),
        "solve" => solve_file(&a),
        "evaluate" => evaluate(&a),
        _ => usage(),
    }
}

fn generate(a: &Args) {
    let spec = QuarterSpec {
        sessions: a.num("sessions", None),
        instructors: a.num("instructors", None),
        rooms: a.num("rooms", None),
        weeks: a.num("weeks", None),
        seed: a.num("seed", Some(1)),
    };
    let problem = quarter(&spec);
    write_json(a.out(), &problem);
    let parts: u32 = problem.sessions.iter().map(|s| s.parts).sum();
    eprintln!(
        "{}: {} sessions ({parts} parts), {} instructors, {} rooms, {} days",
        problem.name,
        problem.sessions.len(),
        problem.instructors.len(),
        problem.rooms.len(),
        problem.grid.days
    );
}

fn solve_file(a: &Args) {
    let path = a.positional.first().unwrap_or_else(|| usage());
    let problem = read_problem(path);
    let seconds: f64 = a.num("seconds", Some(5.0));
    let seed: u64 = a.num("seed", Some(1));
    let threads: usize = a.num("threads", Some(0));
    let started = Instant::now();
    let first_feasible: Mutex<Option<f64>> = Mutex::new(None);
    let best: Mutex<((i64, i64), Option<f64>)> = Mutex::new(((i64::MAX, i64::MAX), None));
    let options = SolveOptions {
        seed,
        threads,
        deadline: Some(started + Duration::from_secs_f64(seconds)),
        ..SolveOptions::default()
    };
    let outcome = solve(&problem, &options, &|p| {
        {
            let mut b = best.lock().expect("lock");
            if (p.hard, p.soft) < b.0 {
                *b = ((p.hard, p.soft), Some(started.elapsed().as_secs_f64()));
            }
        }
        if p.hard == 0 {
            let mut f = first_feasible.lock().expect("lock");
            if f.is_none() {
                *f = Some(started.elapsed().as_secs_f64());
            }
        }
    })
    .unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let took = started.elapsed().as_secs_f64();
    let plan = outcome.plan();
    let out = Solved {
        problem: &problem.name,
        status: match outcome {
            Outcome::Feasible { .. } => "feasible",
            Outcome::BestEffort { .. } => "best_effort",
        },
        seed,
        threads: plan.stats.threads,
        seconds_limit: seconds,
        seconds: took,
        first_feasible_seconds: *first_feasible.lock().expect("lock"),
        last_improvement_seconds: best.lock().expect("lock").1,
        iterations: plan.stats.iterations,
        hard_total: plan.cost.hard.total(),
        soft_total: plan.cost.soft.total(),
        cost: plan.cost,
        sessions: &plan.sessions,
        unplaced: outcome.unplaced(),
    };
    write_json(a.out(), &out);
    eprintln!(
        "{}: {} hard {} soft {} in {took:.2} s",
        problem.name, out.status, out.hard_total, out.soft_total
    );
}

fn evaluate(a: &Args) {
    let (Some(ppath), Some(spath)) = (a.positional.first(), a.positional.get(1)) else {
        usage()
    };
    let mut problem = read_problem(ppath);
    let text = std::fs::read_to_string(spath).unwrap_or_else(|e| {
        eprintln!("{spath}: {e}");
        std::process::exit(1)
    });
    let given: Given = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("{spath}: {e}");
        std::process::exit(1)
    });
    let mut issues = Vec::new();
    let ppd = problem.grid.periods_per_day;
    let mut seen = vec![false; problem.sessions.len()];
    for sp in &given.sessions {
        let Some(s) = problem.sessions.get_mut(sp.session) else {
            issues.push(format!("unknown session index {}", sp.session));
            continue;
        };
        seen[sp.session] = true;
        let id = s.id.clone();
        if sp.parts.len() != s.parts as usize || sp.parts.iter().any(Option::is_none) {
            issues.push(format!("{id}: not every part is placed"));
            continue;
        }
        match sp.instructor {
            Some(i) if s.instructors.iter().any(|c| c.instructor == i) => {}
            Some(i) => issues.push(format!("{id}: instructor {i} is not a candidate")),
            None => issues.push(format!("{id}: no instructor")),
        }
        let (first, last) = s.window.unwrap_or((0, problem.grid.days - 1));
        let slots: Vec<_> = sp.parts.iter().flatten().copied().collect();
        for sl in &slots {
            let t0 = sl.day * ppd + sl.start;
            let in_domain = sl.day >= first
                && sl.day <= last
                && (s.allowed_days.is_empty() || s.allowed_days.contains(&sl.day))
                && (s.allowed_starts.is_empty() || s.allowed_starts.contains(&sl.start))
                && sl.start + s.part_len <= ppd
                && !(t0..t0 + s.part_len).any(|u| s.forbidden_periods.contains(&u));
            if !in_domain {
                issues.push(format!(
                    "{id}: day {} start {} outside its domain",
                    sl.day, sl.start
                ));
            }
            match (s.mode, sl.room) {
                (Mode::Virtual, None) => {}
                (Mode::Virtual, Some(r)) => issues.push(format!("{id}: virtual but in room {r}")),
                (Mode::InPerson, None) => issues.push(format!("{id}: in person without a room")),
                (Mode::InPerson, Some(r)) => {
                    let cap_ok = problem.capacity == CapacityRule::Soft
                        || problem
                            .rooms
                            .get(r)
                            .is_some_and(|x| x.capacity >= s.learners);
                    if !s.rooms.contains(&r) || !cap_ok {
                        issues.push(format!("{id}: room {r} is not a candidate"));
                    }
                }
            }
        }
        s.published = Some(Placement {
            instructor: sp.instructor,
            parts: slots,
        });
        s.pinned = true;
    }
    for (k, s) in problem.sessions.iter().enumerate() {
        if !seen[k] {
            issues.push(format!("{}: missing from the solution", s.id));
        }
    }
    // Pinned at the given placement, nothing is movable: the run only prices the plan.
    let options = SolveOptions {
        seed: 1,
        threads: 1,
        max_iterations: Some(1),
        ..SolveOptions::default()
    };
    let outcome = solve(&problem, &options, &|_| {}).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let cost = outcome.plan().cost;
    let out = Evaluated {
        problem: problem.name.clone(),
        hard_total: cost.hard.total(),
        soft_total: cost.soft.total(),
        cost,
        domain_violations: issues,
    };
    write_json(a.out(), &out);
    eprintln!(
        "{}: hard {} soft {} domain violations {}",
        out.problem,
        out.hard_total,
        out.soft_total,
        out.domain_violations.len()
    );
}
