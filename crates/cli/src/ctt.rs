//! `trainyard bench ctt` (ITC2007 track 3 through the planner) and `trainyard bench plan` (a
//! generated Trainyard quarter). See BENCHMARKS.md, "Auto-scheduler (issue 5)".

use anyhow::Context;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use trainyard_planner::ctt;
use trainyard_planner::plan::generate::{QuarterSpec, quarter};
use trainyard_planner::plan::{Outcome, Phase, Progress, SolveOptions, solve};

#[derive(clap::Args)]
pub struct CttArgs {
    /// An instance in the ITC2007 .ctt format.
    pub file: PathBuf,
    /// Time limit.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Where to write the solution (one `course room day period` line per lecture).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Independent searches side by side (0: one per core, at most 2).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

#[derive(clap::Args)]
pub struct PlanArgs {
    #[arg(long, default_value_t = 1000)]
    pub sessions: usize,
    #[arg(long, default_value_t = 150)]
    pub instructors: usize,
    #[arg(long, default_value_t = 60)]
    pub rooms: usize,
    #[arg(long, default_value_t = 13)]
    pub weeks: u32,
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Also write the generated problem as JSON (for the OR-Tools comparison).
    #[arg(long)]
    pub export_json: Option<PathBuf>,
}

/// Prints each new best (hard, soft) with the time, and remembers when the first feasible plan
/// appeared.
struct Reporter {
    started: Instant,
    state: Mutex<(i64, i64, Option<f64>)>,
}

impl Reporter {
    fn new(started: Instant) -> Self {
        Reporter {
            started,
            state: Mutex::new((i64::MAX, i64::MAX, None)),
        }
    }

    fn hear(&self, p: &Progress) {
        if p.phase == Phase::Done {
            return;
        }
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        let secs = self.started.elapsed().as_secs_f64();
        if p.hard == 0 && s.2.is_none() {
            s.2 = Some(secs);
        }
        if (p.hard, p.soft) < (s.0, s.1) {
            *s = (p.hard, p.soft, s.2);
            eprintln!(
                "{secs:8.2} s  thread {}  {:<12} hard {:>4}  soft {:>8}  ({:.1} M moves)",
                p.thread,
                format!("{:?}", p.phase).to_lowercase(),
                p.hard,
                p.soft,
                p.iterations as f64 / 1e6
            );
        }
    }

    fn feasible_after(&self) -> Option<f64> {
        self.state.lock().ok().and_then(|s| s.2)
    }
}

fn options(seed: u64, threads: usize, seconds: f64, started: Instant) -> SolveOptions {
    SolveOptions {
        seed,
        threads,
        deadline: Some(started + Duration::from_secs_f64(seconds)),
        ..SolveOptions::default()
    }
}

pub fn bench_ctt(a: CttArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("reading {}", a.file.display()))?;
    let inst = ctt::parse(&text)
        .map_err(|e| anyhow::anyhow!("{}:{}: {}", a.file.display(), e.line, e.message))?;
    eprintln!(
        "{}: {} courses, {} lectures, {} rooms, {} × {} periods, {} curricula; {} s",
        inst.name,
        inst.courses.len(),
        inst.lectures(),
        inst.rooms.len(),
        inst.days,
        inst.periods_per_day,
        inst.curricula.len(),
        a.seconds
    );
    let problem = ctt::to_problem(&inst);
    let started = Instant::now();
    let reporter = Reporter::new(started);
    let outcome = solve(
        &problem,
        &options(a.seed, a.threads, a.seconds, started),
        &|p| reporter.hear(p),
    )?;
    let took = started.elapsed().as_secs_f64();
    let lectures = ctt::lectures(outcome.plan());
    std::fs::write(&a.out, ctt::write(&inst, &lectures))
        .with_context(|| format!("writing {}", a.out.display()))?;
    let e = ctt::evaluate(&inst, &lectures);
    let stats = &outcome.plan().stats;
    println!("instance            {}", inst.name);
    println!(
        "time                {took:.1} s, {} threads, {:.1} M moves ({:.2} M/s)",
        stats.threads,
        stats.iterations as f64 / 1e6,
        stats.iterations as f64 / took / 1e6
    );
    match reporter.feasible_after() {
        Some(s) => println!("first feasible      {s:.2} s"),
        None => println!("first feasible      never"),
    }
    println!(
        "hard violations     {} (lectures {}, room occupancy {}, conflicts {}, availability {})",
        e.hard(),
        e.lectures,
        e.room_occupancy,
        e.conflicts,
        e.availability
    );
    println!(
        "soft penalty        {} (room capacity {}, min working days {}, curriculum compactness {}, room stability {})",
        e.soft(),
        e.room_capacity,
        e.min_working_days,
        e.curriculum_compactness,
        e.room_stability
    );
    println!(
        "engine's own soft   {}{}",
        outcome.plan().cost.soft.total(),
        if outcome.plan().cost.soft.total() as u64 == e.soft() {
            " (agrees)"
        } else {
            " (DISAGREES with the evaluator)"
        }
    );
    report_unplaced(&outcome);
    println!("solution written to {}", a.out.display());
    Ok(())
}

fn report_unplaced(outcome: &Outcome) {
    for u in outcome.unplaced().iter().take(20) {
        let why: Vec<String> = u.reasons.iter().map(|r| r.to_string()).collect();
        println!(
            "unplaced            {} part {}: {}",
            u.session_id,
            u.part + 1,
            why.join("; ")
        );
    }
    if outcome.unplaced().len() > 20 {
        println!(
            "unplaced            … and {} more",
            outcome.unplaced().len() - 20
        );
    }
}

pub fn bench_plan(a: PlanArgs) -> anyhow::Result<()> {
    let generated = Instant::now();
    let spec = QuarterSpec {
        sessions: a.sessions,
        instructors: a.instructors,
        rooms: a.rooms,
        weeks: a.weeks,
        seed: a.seed,
    };
    spec.check()
        .map_err(|why| anyhow::anyhow!("bench plan: {why}"))?;
    let problem = quarter(&spec);
    let parts: u32 = problem.sessions.iter().map(|s| s.parts).sum();
    eprintln!(
        "{}: {} sessions ({parts} parts), {} instructors, {} rooms, {} days × {} periods; generated in {:.0} ms",
        problem.name,
        problem.sessions.len(),
        problem.instructors.len(),
        problem.rooms.len(),
        problem.grid.days,
        problem.grid.periods_per_day,
        generated.elapsed().as_secs_f64() * 1000.0
    );
    if let Some(path) = &a.export_json {
        let json = serde_json::to_string_pretty(&problem)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("problem written to {}", path.display());
    }
    let started = Instant::now();
    let reporter = Reporter::new(started);
    let outcome = solve(
        &problem,
        &options(a.seed, a.threads, a.seconds, started),
        &|p| reporter.hear(p),
    )?;
    let took = started.elapsed().as_secs_f64();
    let plan = outcome.plan();
    println!(
        "time                {took:.1} s, {} threads, {:.1} M moves",
        plan.stats.threads,
        plan.stats.iterations as f64 / 1e6
    );
    match reporter.feasible_after() {
        Some(s) => println!("first feasible      {s:.2} s"),
        None => println!("first feasible      never"),
    }
    println!(
        "outcome             {}",
        if outcome.is_feasible() {
            "feasible".to_owned()
        } else {
            format!("best effort, {} parts unplaced", outcome.unplaced().len())
        }
    );
    println!("hard violations     {}", plan.cost.hard.total());
    println!("soft cost           {}", plan.cost.soft.total());
    for (name, t) in plan.cost.soft.terms() {
        if t.weight != 0 {
            println!(
                "  {name:<18}{:>10} × {:<4} = {:>10}",
                t.raw, t.weight, t.penalty
            );
        }
    }
    report_unplaced(&outcome);
    Ok(())
}
