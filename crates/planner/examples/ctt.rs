//! Quick experiments: `cargo run --release -p trainyard-planner --example ctt FILE SECONDS [SEED] [THREADS]`.
//! The supported command is `trainyard bench ctt`.

use std::time::{Duration, Instant};
use trainyard_planner::ctt;
use trainyard_planner::plan::{SolveOptions, solve};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&args[1]).expect("read");
    let secs: f64 = args.get(2).map_or(10.0, |s| s.parse().expect("seconds"));
    let seed: u64 = args.get(3).map_or(1, |s| s.parse().expect("seed"));
    let threads: usize = args.get(4).map_or(1, |s| s.parse().expect("threads"));
    let t0: Option<f64> = std::env::var("T0").ok().map(|s| s.parse().expect("t0"));
    let t_end: Option<f64> = std::env::var("TEND").ok().map(|s| s.parse().expect("tend"));
    let inst = ctt::parse(&text).expect("parse");
    let problem = ctt::to_problem(&inst);
    let start = Instant::now();
    let opts = SolveOptions {
        seed,
        threads,
        deadline: Some(start + Duration::from_secs_f64(secs)),
        t0,
        t_end,
        ..SolveOptions::default()
    };
    let out = solve(&problem, &opts, &|p| {
        eprintln!(
            "{:7.2}s t{} {:?} it={} hard={} soft={}",
            start.elapsed().as_secs_f64(),
            p.thread,
            p.phase,
            p.iterations,
            p.hard,
            p.soft
        )
    })
    .expect("solve");
    let lec = ctt::lectures(out.plan());
    let e = ctt::evaluate(&inst, &lec);
    println!(
        "{} feasible={} hard={} soft={} (cap {} mwd {} cc {} rs {}) engine_soft={} iters={} {:.1}M/s",
        inst.name,
        out.is_feasible(),
        e.hard(),
        e.soft(),
        e.room_capacity,
        e.min_working_days,
        e.curriculum_compactness,
        e.room_stability,
        out.plan().cost.soft.total(),
        out.plan().stats.iterations,
        out.plan().stats.iterations as f64 / start.elapsed().as_secs_f64() / 1e6
    );
}
