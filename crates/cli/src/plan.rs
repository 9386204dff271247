//! `trainyard plan`: run the auto-scheduler on the draft sessions with a planning window, with a
//! progress bar, then print the cost breakdown and what could not be placed; `--apply` accepts it.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use trainyard_app::planning::{self, PlanScope, RunOptions, Selection};
use trainyard_app::{App, Caller};

#[derive(clap::Args)]
pub struct PlanArgs {
    /// Only the sessions of this program.
    #[arg(long)]
    program: Option<i64>,
    /// Only sessions whose window touches this period (YYYY-MM-DD).
    #[arg(long)]
    from: Option<String>,
    #[arg(long)]
    until: Option<String>,
    /// Time limit in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Search seed: the same seed and iteration budget give the same plan.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Accept the proposal (drafts become scheduled, instructors proposed, rooms booked tentatively).
    #[arg(long)]
    apply: bool,
}

pub async fn plan(app: App, args: PlanArgs) -> anyhow::Result<()> {
    let caller = Caller::system();
    let scope = PlanScope {
        program_id: args.program,
        from: args.from.clone(),
        until: args.until.clone(),
        session_ids: Vec::new(),
    };
    let options = RunOptions {
        seconds: args.seconds,
        seed: args.seed,
        ..Default::default()
    };
    let run = planning::start_run(&app, &caller, &scope, options)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("Plan #{}: {}", run.id, run.summary);
    let bar = ProgressBar::new(100);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos:>3}% {msg}")
            .context("progress bar template")?,
    );
    let detail = planning::runs::wait(&app, &caller, run.id, |r| {
        bar.set_position(r.progress.clamp(0, 100) as u64);
        bar.set_message(format!(
            "best cost {} · hard violations {}",
            r.best_cost
                .map(|c| c.to_string())
                .unwrap_or_else(|| "—".into()),
            r.hard_violations
                .map(|c| c.to_string())
                .unwrap_or_else(|| "—".into())
        ));
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    let r = &detail.run;
    println!("{} — {}", r.status, r.message.clone().unwrap_or_default());
    if r.status != "done" {
        anyhow::bail!("the plan did not finish");
    }
    println!(
        "\nCost breakdown (total {}, hard violations {}):",
        r.best_cost.unwrap_or(0),
        r.hard_violations.unwrap_or(0)
    );
    println!(
        "  {:<26} {:>10} {:>8} {:>10}",
        "objective", "amount", "weight", "penalty"
    );
    for t in &detail.terms {
        println!(
            "  {:<26} {:>10} {:>8} {:>10}",
            t.label, t.raw, t.weight, t.penalty
        );
    }
    let placed: Vec<_> = detail
        .proposals
        .iter()
        .filter(|p| p.outcome == "placed")
        .collect();
    println!("\nPlaced: {}", placed.len());
    for p in &placed {
        let first = p.parts.first().map(|x| x.starts_at).unwrap_or(0);
        println!(
            "  {} {:<8} {}  {}  {}",
            p.session_reference,
            p.course_code,
            trainyard_core::time::rfc3339(first),
            p.instructor_name.clone().unwrap_or_default(),
            p.room_name.clone().unwrap_or_else(|| "online".into())
        );
    }
    let unplaced: Vec<_> = detail
        .proposals
        .iter()
        .filter(|p| p.outcome == "unplaced")
        .collect();
    if !unplaced.is_empty() {
        println!("\nCould not be placed: {}", unplaced.len());
        for p in &unplaced {
            println!(
                "  {} {}: {}",
                p.session_reference,
                p.course_code,
                p.reasons.join("; ")
            );
        }
    }
    if args.apply {
        let report = planning::accept(&app, &caller, run.id, Selection::All)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!(
            "\nAccepted {} sessions, refused {}.",
            report.accepted, report.refused
        );
        for x in report.results.iter().filter(|x| !x.accepted) {
            println!("  {}: {}", x.session_reference, x.message);
        }
    } else if !placed.is_empty() {
        println!(
            "\nNothing changed yet: accept on the Plan page (/plan/runs/{}) or run again with --apply.",
            run.id
        );
    }
    Ok(())
}
