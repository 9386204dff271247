//! Budgets (issue 15 §5): per program, per client and per internal cost centre, over whole
//! months: budget vs committed vs actual, from the cost lines of the sessions that start in the
//! period (`trainyard_core::budget`). A program's budget is one of these (migration 0033 made one
//! per program), so there is one budget notion.
//!
//! The figures are computed on read, like the cost lines they sum: one read of each kind of cost
//! row for all the budgets shown (`store::budgets::members_sql`), never a query per session.
//!
//! Variance alerts: a change to a session's cost lines (and a budget's own change) rechecks the
//! budgets the session counts for, in the change's transaction. A budget that goes over its
//! threshold is marked alerting by a guarded write, so of any number of changes (concurrent or
//! not) only the one that crossed queues the alert e-mail to the finance users; coming back under
//! clears the mark so that the next crossing alerts again. Alerting budgets are on the dashboard's
//! attention list for finance, managers and admins.
//!
//! Finance data: finance, managers and admins only.

use crate::costs::finance_of;
use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use serde::Serialize;
use std::collections::HashMap;
use trainyard_core::Invalid;
use trainyard_core::budget::{self as rules, BudgetFields, Figures};
use trainyard_core::costs::CostLine;
use trainyard_core::status::{BudgetScope, SessionStatus};
use trainyard_store::Conn;
use trainyard_store::budgets::{self as repo, Budget, BudgetSel, CostCentre};
use trainyard_store::costs::{self as costs_repo, Scope};

/// The kind of the alert e-mail in the outbox.
pub const ALERT_MESSAGE: &str = "budget_alert";

fn require_finance(caller: &Caller, what: &str) -> Result<(), AppError> {
    caller.require(caller.sees_finance(), what)
}

fn not_found(e: trainyard_store::StoreError) -> AppError {
    match e {
        trainyard_store::StoreError::NotFound => AppError::NotFound("the budget"),
        trainyard_store::StoreError::Stale { .. } => AppError::Stale("the budget"),
        other => other.into(),
    }
}

/// A budget with its figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BudgetView {
    #[serde(flatten)]
    pub budget: Budget,
    pub figures: Figures,
    /// Sessions counting for it.
    pub sessions: i64,
}

/// One session behind a budget's figures, with its cost lines.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BudgetSession {
    pub session_id: i64,
    pub reference: String,
    pub course: String,
    pub status: SessionStatus,
    #[serde(serialize_with = "trainyard_store::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: i64,
    /// The session's own figures against the budget's currency (its share of the budget).
    pub figures: Figures,
    pub lines: Vec<CostLine>,
}

/// A budget, its figures and the sessions and cost lines behind them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BudgetDetail {
    #[serde(flatten)]
    pub view: BudgetView,
    pub session_rows: Vec<BudgetSession>,
}

/// The budgets of `sel` with their figures and, per budget, the sessions behind them.
async fn compute(
    conn: &mut Conn,
    sel: BudgetSel,
) -> Result<Vec<(BudgetView, Vec<BudgetSession>)>, AppError> {
    let budgets = repo::list(conn, sel).await?;
    if budgets.is_empty() {
        return Ok(Vec::new());
    }
    let members = repo::members(conn, sel).await?;
    let sessions = costs_repo::read(conn, Scope::Budgets(sel)).await?;
    let mut by_id: HashMap<i64, (trainyard_store::costs::CostSession, Vec<CostLine>)> = sessions
        .into_iter()
        .map(|sc| {
            let s = sc.session.clone();
            (s.id, (s, finance_of(sc).lines))
        })
        .collect();
    let mut of_budget: HashMap<i64, Vec<i64>> = HashMap::new();
    for (b, s) in members {
        of_budget.entry(b).or_default().push(s);
    }
    let mut out = Vec::with_capacity(budgets.len());
    for b in budgets {
        let ids = of_budget.remove(&b.id).unwrap_or_default();
        let mut rows: Vec<BudgetSession> = ids
            .iter()
            .filter_map(|id| by_id.get(id))
            .map(|(s, lines)| BudgetSession {
                session_id: s.id,
                reference: s.reference.clone(),
                course: s.course.1.clone(),
                status: s.status,
                starts_at: s.starts_at,
                figures: rules::figures(
                    trainyard_core::Money::new(0, b.amount.currency),
                    b.threshold_percent,
                    lines,
                ),
                lines: lines.clone(),
            })
            .collect();
        rows.sort_by_key(|r| (r.starts_at, r.session_id));
        let figures = rules::figures(
            b.amount,
            b.threshold_percent,
            ids.iter()
                .filter_map(|id| by_id.get(id))
                .flat_map(|(_, l)| l.iter()),
        );
        out.push((
            BudgetView {
                sessions: rows.len() as i64,
                budget: b,
                figures,
            },
            rows,
        ));
    }
    // The cost rows were only needed for the figures.
    by_id.clear();
    Ok(out)
}

/// Every budget (or one family's) with its figures.
#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn list_budgets(
    app: &App,
    caller: &Caller,
    scope: Option<BudgetScope>,
) -> Result<Vec<BudgetView>, AppError> {
    require_finance(caller, "see budgets")?;
    let mut conn = app.store.read().await?;
    let sel = scope.map_or(BudgetSel::All, BudgetSel::Family);
    Ok(compute(&mut conn, sel)
        .await?
        .into_iter()
        .map(|(v, _)| v)
        .collect())
}

/// One budget with the sessions and cost lines behind its figures.
#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn get_budget(app: &App, caller: &Caller, id: i64) -> Result<BudgetDetail, AppError> {
    require_finance(caller, "see budgets")?;
    let mut conn = app.store.read().await?;
    detail_in(&mut conn, id).await
}

async fn detail_in(conn: &mut Conn, id: i64) -> Result<BudgetDetail, AppError> {
    match compute(conn, BudgetSel::One(id)).await?.pop() {
        Some((view, session_rows)) => Ok(BudgetDetail { view, session_rows }),
        None => Err(AppError::NotFound("the budget")),
    }
}

/// The budgets over their threshold, for the dashboard (empty for whoever may not see finance).
pub async fn alerts(app: &App, caller: &Caller) -> Result<Vec<BudgetView>, AppError> {
    if !caller.sees_finance() {
        return Ok(Vec::new());
    }
    Ok(list_budgets(app, caller, None)
        .await?
        .into_iter()
        .filter(|b| b.figures.over_threshold)
        .collect())
}

async fn validated(conn: &mut Conn, f: &BudgetFields) -> Result<rules::BudgetInput, AppError> {
    let input = f.validate()?;
    if repo::target_name(conn, input.scope, input.target_id)
        .await
        .is_err()
    {
        return Err(Invalid::field(
            "target_id",
            format!(
                "no {} has id {}",
                input.scope.label().to_lowercase(),
                input.target_id
            ),
        )
        .into());
    }
    Ok(input)
}

/// Sets up a budget. Finance, managers and admins; audited.
#[tracing::instrument(skip(app, caller, f), fields(user = caller.user_id))]
pub async fn create_budget(
    app: &App,
    caller: &Caller,
    f: &BudgetFields,
) -> Result<BudgetDetail, AppError> {
    require_finance(caller, "set up budgets")?;
    let mut tx = app.store.write().await?;
    let out = create_budget_in(&mut tx, caller, f, now_ms()).await?;
    tx.commit().await?;
    Ok(out)
}

/// [`create_budget`] in the caller's transaction (the demo seeder's).
pub(crate) async fn create_budget_in(
    tx: &mut Conn,
    caller: &Caller,
    f: &BudgetFields,
    now: i64,
) -> Result<BudgetDetail, AppError> {
    require_finance(caller, "set up budgets")?;
    let input = validated(tx, f).await?;
    let id = repo::insert(tx, &input, now).await?;
    let after = repo::get(tx, id).await?;
    crate::audit::record(
        tx,
        caller,
        now,
        "budget.created",
        ("budget", id),
        None,
        Some(&after),
    )
    .await?;
    check_budget(tx, caller, id, now).await?;
    detail_in(tx, id).await
}

/// A new program's budget (its `budget` field) becomes the program's budget here, over the
/// program's months (its dates, else from this month to the end of 2099), alerting at 90 %: one
/// budget notion. Authorized by the program's creation; audited.
pub(crate) async fn program_created(
    tx: &mut Conn,
    caller: &Caller,
    program: &trainyard_store::programs::Program,
    now: i64,
) -> Result<(), AppError> {
    let Some(amount) = program.budget.filter(|m| m.minor > 0) else {
        return Ok(());
    };
    let this_month = chrono::DateTime::from_timestamp_millis(now)
        .unwrap_or_default()
        .format("%Y-%m")
        .to_string();
    let month = |d: &Option<String>| d.as_deref().and_then(|d| d.get(..7)).map(str::to_owned);
    let f = BudgetFields {
        scope: BudgetScope::Program.as_str().into(),
        target_id: Some(program.id),
        name: program.name.clone(),
        from_month: month(&program.starts_on).unwrap_or(this_month),
        to_month: month(&program.ends_on).unwrap_or_else(|| "2099-12".into()),
        amount: amount.amount_string(),
        currency: amount.currency.to_string(),
        threshold_percent: 90,
    };
    let input = f.validate()?;
    let id = repo::insert(tx, &input, now).await?;
    let after = repo::get(tx, id).await?;
    crate::audit::record(
        tx,
        caller,
        now,
        "budget.created",
        ("budget", id),
        None,
        Some(&after),
    )
    .await
}

/// Changes a budget read at `version` (stale: 409). Audited; rechecks its alert.
#[tracing::instrument(skip(app, caller, f), fields(user = caller.user_id))]
pub async fn update_budget(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
    f: &BudgetFields,
) -> Result<BudgetDetail, AppError> {
    require_finance(caller, "change budgets")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::get(&mut tx, id).await.map_err(not_found)?;
    let input = validated(&mut tx, f).await?;
    repo::update(&mut tx, id, version, &input, now)
        .await
        .map_err(not_found)?;
    let after = repo::get(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "budget.updated",
        ("budget", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    check_budget(&mut tx, caller, id, now).await?;
    let out = detail_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(out)
}

/// Archives a budget read at `version`. Audited.
#[tracing::instrument(skip(app, caller), fields(user = caller.user_id))]
pub async fn archive_budget(
    app: &App,
    caller: &Caller,
    id: i64,
    version: i64,
) -> Result<(), AppError> {
    require_finance(caller, "archive budgets")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::get(&mut tx, id).await.map_err(not_found)?;
    repo::archive(&mut tx, id, version, now)
        .await
        .map_err(not_found)?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "budget.archived",
        ("budget", id),
        Some(&before),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Rechecks the alerts of the budgets a session counts for, in the transaction of the change to
/// its costs.
pub(crate) async fn check_session(
    tx: &mut Conn,
    caller: &Caller,
    session_id: i64,
    now: i64,
) -> Result<(), AppError> {
    for id in repo::covering(tx, session_id).await? {
        check_budget(tx, caller, id, now).await?;
    }
    Ok(())
}

/// Rechecks, after a session moved, the budgets it counted for before (`before`) and those it
/// counts for now.
pub(crate) async fn check_moved(
    tx: &mut Conn,
    caller: &Caller,
    session_id: i64,
    before: &[i64],
    now: i64,
) -> Result<(), AppError> {
    let mut ids = repo::covering(tx, session_id).await?;
    ids.extend_from_slice(before);
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        check_budget(tx, caller, id, now).await?;
    }
    Ok(())
}

/// Rechecks one budget's alert: over its threshold and not yet alerting → mark it (guarded) and
/// queue one e-mail per finance user for this crossing; back under → clear the mark.
async fn check_budget(tx: &mut Conn, caller: &Caller, id: i64, now: i64) -> Result<(), AppError> {
    // Written first: concurrent checks of one budget run one after the other.
    repo::lock(tx, id).await.about("budget")?;
    let Some((view, _)) = compute(tx, BudgetSel::One(id)).await?.pop() else {
        return Ok(());
    };
    if !view.figures.over_threshold {
        repo::clear_alert(tx, id).await?;
        return Ok(());
    }
    let Some(crossing) = repo::raise_alert(tx, id, now).await? else {
        return Ok(());
    };
    let b = &view.budget;
    let f = &view.figures;
    let subject = format!(
        "Budget alert: {} at {}% of {}",
        b.name,
        f.used_percent.unwrap_or(100),
        b.amount
    );
    let body = format!(
        "Hello,\n\nthe budget \"{}\" ({} {}, {} to {}) has passed its alert threshold of {}%.\n\n\
         Budget: {}\nCommitted: {}\nActual: {}\nCommitted + actual: {}\nRemaining: {}\n\n\
         The sessions and cost lines behind these figures: /budgets/{}\n",
        b.name,
        b.scope.label(),
        b.target_name,
        b.from_month,
        b.to_month,
        b.threshold_percent,
        b.amount,
        f.committed,
        f.actual,
        f.exposure,
        f.remaining,
        b.id
    );
    for to in repo::finance_recipients(tx).await? {
        trainyard_store::outbox::enqueue(
            tx,
            &trainyard_store::outbox::NewMessage {
                kind: ALERT_MESSAGE,
                recipient: &to,
                subject: &subject,
                body: &body,
                entity_type: "budget",
                entity_id: id,
                idempotency_key: &format!("budget:{id}:crossing:{crossing}:{to}"),
            },
            now,
        )
        .await?;
    }
    crate::audit::record(
        tx,
        caller,
        now,
        "budget.threshold_passed",
        ("budget", id),
        None,
        Some(&view),
    )
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ cost centres

/// Every cost centre with how many programs and sessions carry it.
pub async fn list_cost_centres(app: &App, caller: &Caller) -> Result<Vec<CostCentre>, AppError> {
    require_finance(caller, "see cost centres")?;
    let mut conn = app.store.read().await?;
    Ok(repo::cost_centres(&mut conn).await?)
}

/// A cost centre as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CostCentreFields {
    pub code: String,
    pub name: String,
}

/// Sets up a cost centre (a unique code such as `CC-ACADEMY`, and a name). Audited.
pub async fn create_cost_centre(
    app: &App,
    caller: &Caller,
    f: &CostCentreFields,
) -> Result<CostCentre, AppError> {
    require_finance(caller, "set up cost centres")?;
    let mut tx = app.store.write().await?;
    let out = create_cost_centre_in(&mut tx, caller, f, now_ms()).await?;
    tx.commit().await?;
    Ok(out)
}

pub(crate) async fn create_cost_centre_in(
    tx: &mut Conn,
    caller: &Caller,
    f: &CostCentreFields,
    now: i64,
) -> Result<CostCentre, AppError> {
    require_finance(caller, "set up cost centres")?;
    let mut inv = Invalid::new();
    let code = f.code.trim().to_uppercase();
    let name = f.name.trim().to_owned();
    if code.is_empty()
        || code.len() > 30
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        inv.add(
            "code",
            "1 to 30 letters, digits, '-' or '_' (e.g. CC-ACADEMY)",
        );
    }
    if name.is_empty() || name.chars().count() > 200 {
        inv.add("name", "give it a name of at most 200 characters");
    }
    if !inv.is_empty() {
        return Err(inv.into());
    }
    let id = repo::insert_cost_centre(tx, &code, &name, now)
        .await
        .map_err(|e| match e {
            trainyard_store::StoreError::Duplicate(_) => {
                AppError::Invalid(Invalid::field("code", "is already taken"))
            }
            other => other.into(),
        })?;
    let after = repo::cost_centre(tx, id).await?;
    crate::audit::record(
        tx,
        caller,
        now,
        "cost_centre.created",
        ("cost_centre", id),
        None,
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// Tags programs and sessions with a cost centre; rechecks the alerts of the budgets they count
/// for (before and after). Audited.
pub async fn tag_cost_centre(
    app: &App,
    caller: &Caller,
    id: i64,
    program_ids: &[i64],
    session_ids: &[i64],
) -> Result<CostCentre, AppError> {
    require_finance(caller, "tag sessions and programs with cost centres")?;
    if program_ids.len() + session_ids.len() > 1000 {
        return Err(Invalid::field("session_ids", "at most 1000 records at once").into());
    }
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::cost_centre(&mut tx, id).await.map_err(|e| match e {
        trainyard_store::StoreError::NotFound => AppError::NotFound("the cost centre"),
        other => other.into(),
    })?;
    repo::tag(&mut tx, Some(id), program_ids, session_ids, now).await?;
    let after = repo::cost_centre(&mut tx, id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "cost_centre.tagged",
        ("cost_centre", id),
        Some(&before),
        Some(&after),
    )
    .await?;
    for b in repo::list(&mut tx, BudgetSel::Family(BudgetScope::CostCentre)).await? {
        if b.target_id == id {
            check_budget(&mut tx, caller, b.id, now).await?;
        }
    }
    tx.commit().await?;
    Ok(after)
}

/// A session's own cost centre and the cost centres to choose from (the session page's form).
pub async fn session_cost_centre(
    app: &App,
    caller: &Caller,
    session_id: i64,
) -> Result<(Option<i64>, Vec<(i64, String)>), AppError> {
    require_finance(caller, "see cost centres")?;
    let mut conn = app.store.read().await?;
    let current = repo::session_cost_centre(&mut conn, session_id)
        .await
        .about("session")?;
    Ok((current, repo::cost_centre_options(&mut conn).await?))
}

/// Tags one session with a cost centre, or clears its tag (`None`: its program's counts again);
/// rechecks the budgets it counted for before and counts for now. Audited on the session.
pub async fn set_session_cost_centre(
    app: &App,
    caller: &Caller,
    session_id: i64,
    cost_centre_id: Option<i64>,
) -> Result<Option<i64>, AppError> {
    require_finance(caller, "tag sessions with cost centres")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::session_cost_centre(&mut tx, session_id)
        .await
        .about("session")?;
    if let Some(id) = cost_centre_id {
        repo::cost_centre(&mut tx, id).await.map_err(|e| match e {
            trainyard_store::StoreError::NotFound => {
                AppError::Invalid(Invalid::field("cost_centre_id", "no such cost centre"))
            }
            other => other.into(),
        })?;
    }
    let budgets_before = repo::covering(&mut tx, session_id).await?;
    repo::tag(&mut tx, cost_centre_id, &[], &[session_id], now).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "session.cost_centre_set",
        ("session", session_id),
        Some(&serde_json::json!({ "cost_centre_id": before })),
        Some(&serde_json::json!({ "cost_centre_id": cost_centre_id })),
    )
    .await?;
    check_moved(&mut tx, caller, session_id, &budgets_before, now).await?;
    tx.commit().await?;
    Ok(cost_centre_id)
}

/// (id, label) choosers for the budget form: programs, clients, cost centres.
pub async fn targets(app: &App, caller: &Caller) -> Result<[Vec<(i64, String)>; 3], AppError> {
    require_finance(caller, "set up budgets")?;
    let mut conn = app.store.read().await?;
    Ok([
        trainyard_store::programs::options(&mut conn).await?,
        trainyard_store::clients::options(&mut conn).await?,
        repo::cost_centre_options(&mut conn).await?,
    ])
}
