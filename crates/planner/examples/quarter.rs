//! Quick experiments: `cargo run --release -p trainyard-planner --example quarter SECONDS [SEED] [THREADS]`.
//! The supported command is `trainyard bench plan`.

use std::time::{Duration, Instant};
use trainyard_planner::plan::generate::{QuarterSpec, quarter};
use trainyard_planner::plan::{SolveOptions, solve};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs: f64 = args.get(1).map_or(10.0, |s| s.parse().expect("seconds"));
    let seed: u64 = args.get(2).map_or(1, |s| s.parse().expect("seed"));
    let threads: usize = args.get(3).map_or(1, |s| s.parse().expect("threads"));
    let problem = quarter(&QuarterSpec {
        seed,
        ..QuarterSpec::default()
    });
    if let Ok(ids) = std::env::var("DUMP") {
        for id in ids.split(",") {
            dump(&problem, id);
        }
    }
    let start = Instant::now();
    let opts = SolveOptions {
        seed,
        threads,
        deadline: Some(start + Duration::from_secs_f64(secs)),
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
    println!(
        "feasible={} unplaced={}",
        out.is_feasible(),
        out.unplaced().len()
    );
    for u in out.unplaced().iter().take(10) {
        println!(
            "  {} part {}: {}",
            u.session_id,
            u.part,
            u.reasons
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    println!("{:?}", out.plan().cost.hard);
    for (n, t) in out.plan().cost.soft.terms() {
        println!(
            "  {n:<20} raw {:>8} × {:>3} = {:>8}",
            t.raw, t.weight, t.penalty
        );
    }
    println!(
        "soft total {} iterations {}",
        out.plan().cost.soft.total(),
        out.plan().stats.iterations
    );
}

#[allow(dead_code)]
fn dump(p: &trainyard_planner::plan::Problem, id: &str) {
    let s = p.sessions.iter().find(|s| s.id == id).expect("session");
    eprintln!(
        "{} parts {} len {} window {:?} learners {} mode {:?} rooms {:?} caps {:?} cohorts {:?} instr {}",
        s.id,
        s.parts,
        s.part_len,
        s.window,
        s.learners,
        s.mode,
        s.rooms,
        s.rooms
            .iter()
            .map(|&r| p.rooms[r].capacity)
            .collect::<Vec<_>>(),
        s.cohorts,
        s.instructors.len()
    );
}
