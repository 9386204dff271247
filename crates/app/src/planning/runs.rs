//! Planner runs: started by a coordinator, solved in the background (`spawn_blocking`) with a time
//! limit, progress written to the database every half second so that any `trainyard serve`
//! process can show it, and the proposal stored at the end.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trainyard_core::Invalid;
use trainyard_planner::plan::{self, CostBreakdown};
use trainyard_store::planning::{self as repo, DraftScope, NewProposal, NewRun, Proposal, Run};

use super::mapping::{self, Mapped};
use super::windows::parse_day;
use crate::error::About;
use crate::{App, AppError, Caller, now_ms};

/// Which draft sessions to plan: those with a planning window, narrowed by program, by period
/// (the window must touch it) or to chosen sessions.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PlanScope {
    pub program_id: Option<i64>,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub from: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub until: Option<String>,
    /// Only these sessions (empty: every draft in the scope).
    pub session_ids: Vec<i64>,
}

/// How long and how the planner searches.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Time limit in seconds (1–600).
    pub seconds: u64,
    pub seed: u64,
    /// An iteration budget per search thread instead of (or besides) the clock.
    pub max_iterations: Option<u64>,
    /// Search threads (0: one per core, at most two).
    pub threads: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            seconds: 10,
            seed: 1,
            max_iterations: None,
            threads: 0,
        }
    }
}

impl RunOptions {
    pub fn validate(self) -> Result<Self, AppError> {
        if !(1..=600).contains(&self.seconds) {
            return Err(Invalid::field("seconds", "between 1 and 600 seconds").into());
        }
        if self.threads > 2 {
            return Err(Invalid::field("threads", "0 (automatic), 1 or 2").into());
        }
        Ok(self)
    }
}

/// A run with its proposal and its cost, as the Plan page and the API show it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: Run,
    /// Each soft objective: raw amount, weight and weighted penalty.
    pub terms: Vec<CostTerm>,
    pub proposals: Vec<Proposal>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CostTerm {
    pub name: String,
    pub label: String,
    pub raw: i64,
    pub weight: i64,
    pub penalty: i64,
}

/// A run as `caller` may read it. The instructor-cost objective is money (day rates summed), and
/// the total and the raw breakdown contain it: for anyone who may not see finance data they are
/// left out, never shown as zero. The other objectives stay: they are what a coordinator weighs.
pub(crate) fn for_reader(caller: &Caller, mut run: Run) -> Run {
    if !caller.sees_finance() {
        run.best_cost = None;
        run.cost = None;
    }
    run
}

fn label(name: &str) -> &'static str {
    match name {
        "instructor_cost" => "Instructor cost",
        "travel" => "Travel",
        "fairness" => "Fairness of load",
        "preferred_days" => "Preferred days",
        "preferred_rooms" => "Preferred rooms",
        "min_days" => "Minimum days",
        "program_spread" => "Program spread",
        "compactness" => "Compactness",
        "room_stability" => "Same room for all parts",
        "capacity" => "Room capacity",
        "moved_parts" => "Moved parts, per person told",
        "instructor_changes" => "Instructor changes, per person told",
        "gap_days" => "Gaps in multi-day courses",
        _ => "Other",
    }
}

pub(crate) fn scope_days(
    scope: &PlanScope,
) -> Result<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>), AppError> {
    let mut inv = Invalid::new();
    let from = scope
        .from
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| parse_day(&mut inv, "from", s));
    let until = scope
        .until
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| parse_day(&mut inv, "until", s));
    if let (Some(a), Some(b)) = (from, until)
        && b < a
    {
        inv.add("until", "must be on or after the first day");
    }
    if !inv.is_empty() {
        return Err(inv.into());
    }
    Ok((from, until))
}

/// Plans the draft sessions in `scope`: returns the queued run at once; the planner runs in the
/// background.
pub async fn start_run(
    app: &App,
    caller: &Caller,
    scope: &PlanScope,
    options: RunOptions,
) -> Result<Run, AppError> {
    caller.require_operations("run the planner")?;
    let options = options.validate()?;
    let (from, until) = scope_days(scope)?;
    let mut conn = app.store.read().await?;
    let ds = DraftScope {
        program_id: scope.program_id,
        from_day: from.map(|d| d.format("%Y-%m-%d").to_string()),
        until_day: until.map(|d| d.format("%Y-%m-%d").to_string()),
        session_ids: scope.session_ids.clone(),
        limit: 5000,
    };
    let drafts = repo::drafts(&mut conn, &ds).await?;
    let mut targets = Vec::new();
    for d in &drafts {
        if let Some(w) = &d.window
            && let Some(mut t) = mapping::draft_target(&mut conn, w).await?
        {
            // Only the part of the window inside the chosen period.
            if let Some(f) = from {
                t.earliest = t.earliest.max(f);
            }
            if let Some(u) = until {
                t.latest = t.latest.min(u);
            }
            targets.push(t);
        }
    }
    if targets.is_empty() {
        return Err(AppError::Refused(trainyard_core::refusal!(
            "refused-plan-nothing-program",
            "There is nothing to plan: no draft session with a planning window matches this program and period."
        )));
    }
    let mapped = mapping::build(&mut conn, targets, mapping::weights()).await?;
    drop(conn);
    let mut summary = Vec::new();
    if let Some(p) = scope.program_id {
        summary.push(format!("program #{p}"));
    }
    match (from, until) {
        (Some(a), Some(b)) => summary.push(format!("{a} to {b}")),
        (Some(a), None) => summary.push(format!("from {a}")),
        (None, Some(b)) => summary.push(format!("until {b}")),
        _ => {}
    }
    summary.push(format!("{} draft sessions", mapped.targets.len()));
    let scope_json = serde_json::to_value(scope).unwrap_or_default();
    let run = create(
        app,
        caller,
        "plan",
        &scope_json,
        &summary.join(" · "),
        options,
    )
    .await?;
    launch(app.clone(), run.id, mapped, options, false);
    Ok(run)
}

pub(crate) async fn create(
    app: &App,
    caller: &Caller,
    kind: &str,
    scope: &serde_json::Value,
    summary: &str,
    options: RunOptions,
) -> Result<Run, AppError> {
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let id = repo::insert_run(
        &mut tx,
        &NewRun {
            kind,
            scope,
            summary,
            seconds: options.seconds as i64,
            seed: options.seed as i64,
            started_by: (caller.user_id != 0).then_some(caller.user_id),
        },
        now,
    )
    .await?;
    let run = repo::get_run(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        &format!("plan_run.{kind}_started"),
        ("plan_run", id),
        None,
        Some(&run),
    )
    .await?;
    tx.commit().await?;
    Ok(run)
}

#[derive(Default)]
struct Live {
    /// (hard, soft) of the best plan any search thread has reported.
    best: Option<(i64, i64)>,
    iterations: u64,
}

/// Solves in the background and records progress and the result. Returns the task, which the
/// command line awaits; the server lets it run.
pub(crate) fn launch(
    app: App,
    run_id: i64,
    mapped: Mapped,
    options: RunOptions,
    repair: bool,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = drive(&app, run_id, mapped, options, repair).await {
            tracing::error!(run_id, error = %e, "planner run failed");
            let _ =
                finish_failed(&app, run_id, &format!("The run could not be recorded: {e}")).await;
        }
    })
}

async fn finish_failed(app: &App, run_id: i64, message: &str) -> Result<(), AppError> {
    let mut tx = app.store.write().await?;
    repo::finish_run(
        &mut tx,
        run_id,
        "failed",
        (None, None),
        None,
        Some(message),
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn drive(
    app: &App,
    run_id: i64,
    mapped: Mapped,
    options: RunOptions,
    repair: bool,
) -> Result<(), AppError> {
    let live = Arc::new(Mutex::new(Live::default()));
    let started = Instant::now();
    let limit = Duration::from_secs(options.seconds);
    let solve_options = plan::SolveOptions {
        seed: options.seed,
        threads: options.threads,
        max_iterations: options.max_iterations,
        deadline: Some(started + limit),
        ..Default::default()
    };
    let problem = mapped.problem.clone();
    let seen = live.clone();
    let mut task = tokio::task::spawn_blocking(move || {
        let report = |p: &plan::Progress| {
            if let Ok(mut l) = seen.lock() {
                let key = (p.hard, p.soft);
                if l.best.is_none_or(|b| key < b) {
                    l.best = Some(key);
                }
                l.iterations = l.iterations.max(p.iterations);
            }
        };
        if repair {
            plan::repair(&problem, &[], &solve_options, &report)
        } else {
            plan::solve(&problem, &solve_options, &report)
        }
    });
    {
        let mut tx = app.store.write().await?;
        repo::set_progress(&mut tx, run_id, "running", 0, None, None, now_ms()).await?;
        tx.commit().await?;
    }
    let result = loop {
        tokio::select! {
            r = &mut task => break r,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {
                let (best, iterations) = live
                    .lock()
                    .map(|l| (l.best, l.iterations))
                    .unwrap_or((None, 0));
                let by_time = started.elapsed().as_secs_f64() / limit.as_secs_f64();
                let by_iterations = options
                    .max_iterations
                    .map(|m| iterations as f64 / m.max(1) as f64)
                    .unwrap_or(0.0);
                let pct = (by_time.max(by_iterations) * 100.0).clamp(1.0, 99.0) as i64;
                let mut tx = app.store.write().await?;
                repo::set_progress(
                    &mut tx,
                    run_id,
                    "running",
                    pct,
                    best.map(|b| b.1).filter(|s| *s < i64::MAX),
                    best.map(|b| b.0).filter(|h| *h < i64::MAX),
                    now_ms(),
                )
                .await?;
                tx.commit().await?;
            }
        }
    };
    let outcome = match result {
        Ok(Ok(o)) => o,
        Ok(Err(invalid)) => {
            return finish_failed(
                app,
                run_id,
                &format!("The planner refused the problem: {invalid}"),
            )
            .await;
        }
        Err(e) => {
            tracing::error!(run_id, error = %e, "the planner stopped");
            return finish_failed(app, run_id, "The planner stopped unexpectedly.").await;
        }
    };
    let proposals = mapped.proposals(&outcome);
    let plan = outcome.plan();
    let cost = serde_json::json!({
        "feasible": outcome.is_feasible(),
        "hard": plan.cost.hard,
        "soft": plan.cost.soft,
        "soft_total": plan.cost.soft.total(),
        "stats": plan.stats,
    });
    let unplaced = proposals.iter().filter(|p| p.outcome == "unplaced").count();
    let changed = proposals.iter().filter(|p| p.outcome == "placed").count();
    let message = match (repair, unplaced) {
        (false, 0) => format!("All {} sessions placed.", proposals.len()),
        (false, n) => format!(
            "{} of {} sessions placed; {n} could not be placed (see the reasons).",
            proposals.len() - n,
            proposals.len()
        ),
        (true, 0) => format!(
            "{changed} of {} affected sessions change; the rest stay as they are.",
            proposals.len()
        ),
        (true, n) => format!(
            "{changed} of {} affected sessions change; {n} cannot be re-placed (see the reasons).",
            proposals.len()
        ),
    };
    let hard = plan.cost.hard.total();
    let message = if hard > 0 {
        format!(
            "{message} The plan still breaks {hard} hard rule(s) (see the cost breakdown; often limits already exceeded by fixed teaching): accepting re-checks each session."
        )
    } else {
        message
    };
    let now = now_ms();
    let mut tx = app.store.write().await?;
    for p in &proposals {
        repo::insert_proposal(
            &mut tx,
            run_id,
            &NewProposal {
                session_id: p.session_id,
                session_version: p.session_version,
                outcome: p.outcome,
                instructor_id: p.instructor_id,
                room_id: p.room_id,
                parts: &p.parts,
                reasons: &p.reasons,
                notices: &p.notices,
            },
        )
        .await?;
    }
    repo::finish_run(
        &mut tx,
        run_id,
        "done",
        (Some(plan.cost.soft.total()), Some(plan.cost.hard.total())),
        Some(&cost),
        Some(&message),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A run that has not reported for this long is shown as failed: its process stopped.
const SILENT_MS: i64 = 60_000;

/// A run with its proposal.
pub async fn get(app: &App, caller: &Caller, run_id: i64) -> Result<RunDetail, AppError> {
    caller.require_staff("see planner runs")?;
    let mut conn = app.store.read().await?;
    let mut run = repo::get_run(&mut conn, run_id)
        .await
        .about("planner run")?;
    if matches!(run.status.as_str(), "queued" | "running") && run.updated_at < now_ms() - SILENT_MS
    {
        run.status = "failed".into();
        run.message = Some(
            "The process running this plan stopped before it finished; start it again.".into(),
        );
    }
    let proposals = repo::proposals(&mut conn, run_id).await?;
    let terms: Vec<CostTerm> = run
        .cost
        .as_ref()
        .and_then(|c| {
            let hard = c.get("hard")?.clone();
            let soft = c.get("soft")?.clone();
            serde_json::from_value::<CostBreakdown>(
                serde_json::json!({ "hard": hard, "soft": soft }),
            )
            .ok()
        })
        .map(|b| {
            b.soft
                .terms()
                .iter()
                .filter(|(_, t)| t.weight != 0)
                .filter(|(name, _)| *name != "instructor_cost" || caller.sees_finance())
                .map(|(name, t)| CostTerm {
                    name: (*name).to_owned(),
                    label: label(name).to_owned(),
                    raw: t.raw,
                    weight: t.weight,
                    penalty: t.penalty,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(RunDetail {
        run: for_reader(caller, run),
        terms,
        proposals,
    })
}

/// The latest runs, newest first.
pub async fn list(app: &App, caller: &Caller) -> Result<Vec<Run>, AppError> {
    caller.require_staff("see planner runs")?;
    let mut conn = app.store.read().await?;
    Ok(repo::recent_runs(&mut conn, 20)
        .await?
        .into_iter()
        .map(|r| for_reader(caller, r))
        .collect())
}

/// Waits until the run is no longer queued or running (the command line, tests).
pub async fn wait(
    app: &App,
    caller: &Caller,
    run_id: i64,
    mut on_progress: impl FnMut(&Run),
) -> Result<RunDetail, AppError> {
    loop {
        let d = get(app, caller, run_id).await?;
        on_progress(&d.run);
        if !matches!(d.run.status.as_str(), "queued" | "running") {
            return Ok(d);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
