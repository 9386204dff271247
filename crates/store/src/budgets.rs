//! Budgets per program, client or cost centre over whole months, and cost centres (issue 15 §5).
//! Which sessions count for which budget is one join ([`members_sql`]) used by every read: the
//! figures read each kind of cost row once for all the budgets asked for
//! (`costs::read(Scope::Budgets(..))`), never once per session or per budget.

use crate::courses::decode_err;
use crate::row::{Col, Sql, fetch_all};
use crate::{Conn, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::budget::BudgetInput;
use trainyard_core::money::{Currency, Money};
use trainyard_core::status::BudgetScope;

/// Which budgets a read is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetSel {
    All,
    Family(BudgetScope),
    One(i64),
}

/// `(SELECT budget_id, session_id …)`: every (budget, session) pair where the session counts for
/// the budget — not archived, starting inside the budget's months, and of its program, of its
/// client (the session's, else its program's), or of its cost centre (the session's own tag,
/// else its program's).
pub(crate) fn members_sql(q: &mut Sql, sel: BudgetSel) {
    q.push(
        "(SELECT b0.id AS budget_id, s0.id AS session_id FROM budgets b0 \
         JOIN sessions s0 ON s0.archived_at IS NULL AND s0.starts_at >= b0.starts_at AND s0.starts_at < b0.ends_at \
         LEFT JOIN programs p0 ON p0.id = s0.program_id \
         WHERE b0.archived_at IS NULL AND ( \
         (b0.scope = 'program' AND s0.program_id = b0.program_id) \
         OR (b0.scope = 'client' AND COALESCE(s0.client_id, p0.client_id) = b0.client_id) \
         OR (b0.scope = 'cost_centre' AND COALESCE(s0.cost_centre_id, p0.cost_centre_id) = b0.cost_centre_id))",
    );
    match sel {
        BudgetSel::All => {}
        BudgetSel::Family(f) => {
            q.push(" AND b0.scope = ").text(f.as_str());
        }
        BudgetSel::One(id) => {
            q.push(" AND b0.id = ").int(id);
        }
    }
    q.push(")");
}

/// (budget id, session id) of every session counting for the budgets of `sel`.
pub async fn members(conn: &mut Conn, sel: BudgetSel) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut q = Sql::new("SELECT m.budget_id, m.session_id FROM ");
    members_sql(&mut q, sel);
    q.push(" m ORDER BY m.budget_id, m.session_id");
    fetch_all(conn, q.query(), |r| {
        Ok((r.i("budget_id")?, r.i("session_id")?))
    })
    .await
}

/// The budgets a session counts for.
pub async fn covering(conn: &mut Conn, session_id: i64) -> Result<Vec<i64>, StoreError> {
    let mut q = Sql::new("SELECT DISTINCT m.budget_id FROM ");
    members_sql(&mut q, BudgetSel::All);
    q.push(" m WHERE m.session_id = ")
        .int(session_id)
        .push(" ORDER BY m.budget_id");
    fetch_all(conn, q.query(), |r| r.i("budget_id")).await
}

/// A budget as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Budget {
    pub id: i64,
    pub scope: BudgetScope,
    /// The program, client or cost centre it is for.
    pub target_id: i64,
    pub target_name: String,
    pub name: String,
    /// First month (YYYY-MM).
    #[schema(example = "2027-01")]
    pub from_month: String,
    /// Last month (YYYY-MM, inclusive).
    #[schema(example = "2027-12")]
    pub to_month: String,
    pub amount: Money,
    /// The variance alert fires when committed + actual passes this percentage of the amount.
    pub threshold_percent: i64,
    /// Over its threshold since the last change that crossed it.
    pub alerting: bool,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub alerted_at: Option<i64>,
    /// How often it went over its threshold (one alert e-mail each).
    pub crossings: i64,
    #[serde(skip)]
    pub starts_at: i64,
    #[serde(skip)]
    pub ends_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

const COLUMNS: &str = "b.id, b.scope, COALESCE(b.program_id, b.client_id, b.cost_centre_id) AS target_id, \
    COALESCE(p.name, c.name, cc.name, '') AS target_name, b.name, b.from_month, b.to_month, b.starts_at, b.ends_at, \
    b.amount_minor, b.currency, b.threshold_percent, b.alerting, b.alerted_at, b.crossings, b.created_at, b.updated_at, b.version \
    FROM budgets b LEFT JOIN programs p ON p.id = b.program_id LEFT JOIN clients c ON c.id = b.client_id \
    LEFT JOIN cost_centres cc ON cc.id = b.cost_centre_id";

fn from_row(r: &AnyRow) -> Result<Budget, sqlx::Error> {
    let cur = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
    Ok(Budget {
        id: r.i("id")?,
        scope: BudgetScope::parse(&r.s("scope")?).map_err(decode_err)?,
        target_id: r.oi("target_id")?.unwrap_or_default(),
        target_name: r.s("target_name")?,
        name: r.s("name")?,
        from_month: r.s("from_month")?,
        to_month: r.s("to_month")?,
        amount: Money::new(r.i("amount_minor")?, cur),
        threshold_percent: r.i("threshold_percent")?,
        alerting: r.b("alerting")?,
        alerted_at: r.oi("alerted_at")?,
        crossings: r.i("crossings")?,
        starts_at: r.i("starts_at")?,
        ends_at: r.i("ends_at")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        version: r.i("version")?,
    })
}

/// The budgets of `sel` that are not archived, by name (an installation has tens to hundreds;
/// bounded at 2,000).
pub async fn list(conn: &mut Conn, sel: BudgetSel) -> Result<Vec<Budget>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS).push(" WHERE b.archived_at IS NULL");
    match sel {
        BudgetSel::All => {}
        BudgetSel::Family(f) => {
            q.push(" AND b.scope = ").text(f.as_str());
        }
        BudgetSel::One(id) => {
            q.push(" AND b.id = ").int(id);
        }
    }
    q.push(" ORDER BY b.name, b.id LIMIT 2000");
    fetch_all(conn, q.query(), from_row).await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Budget, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(COLUMNS)
        .push(" WHERE b.archived_at IS NULL AND b.id = ")
        .int(id);
    match q.query().fetch_optional(&mut *conn).await? {
        Some(r) => Ok(from_row(&r)?),
        None => Err(StoreError::NotFound),
    }
}

/// The name of the program, client or cost centre a budget of `scope` would be for.
pub async fn target_name(
    conn: &mut Conn,
    scope: BudgetScope,
    id: i64,
) -> Result<String, StoreError> {
    let table = match scope {
        BudgetScope::Program => "SELECT name FROM programs WHERE archived_at IS NULL AND id = ",
        BudgetScope::Client => "SELECT name FROM clients WHERE archived_at IS NULL AND id = ",
        BudgetScope::CostCentre => "SELECT name FROM cost_centres WHERE id = ",
    };
    let mut q = Sql::new(table);
    q.int(id);
    match q.query().fetch_optional(&mut *conn).await? {
        Some(r) => Ok(r.s("name")?),
        None => Err(StoreError::NotFound),
    }
}

fn target_ids(b: &BudgetInput) -> (Option<i64>, Option<i64>, Option<i64>) {
    match b.scope {
        BudgetScope::Program => (Some(b.target_id), None, None),
        BudgetScope::Client => (None, Some(b.target_id), None),
        BudgetScope::CostCentre => (None, None, Some(b.target_id)),
    }
}

pub async fn insert(conn: &mut Conn, b: &BudgetInput, now: i64) -> Result<i64, StoreError> {
    let (p, c, cc) = target_ids(b);
    let (starts, ends) = b.period.bounds_ms();
    let r = sqlx::query(
        "INSERT INTO budgets (scope, program_id, client_id, cost_centre_id, name, from_month, to_month, starts_at, ends_at, \
         amount_minor, currency, threshold_percent, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(b.scope.as_str())
    .bind(p)
    .bind(c)
    .bind(cc)
    .bind(b.name.clone())
    .bind(b.period.from_month())
    .bind(b.period.to_month())
    .bind(starts)
    .bind(ends)
    .bind(b.amount.minor)
    .bind(b.amount.currency.as_str().to_owned())
    .bind(b.threshold_percent)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Saves an edit made from `version`: [`StoreError::NotFound`] or [`StoreError::Stale`] otherwise.
pub async fn update(
    conn: &mut Conn,
    id: i64,
    version: i64,
    b: &BudgetInput,
    now: i64,
) -> Result<(), StoreError> {
    let (p, c, cc) = target_ids(b);
    let (starts, ends) = b.period.bounds_ms();
    let n = sqlx::query(
        "UPDATE budgets SET scope = $1, program_id = $2, client_id = $3, cost_centre_id = $4, name = $5, from_month = $6, \
         to_month = $7, starts_at = $8, ends_at = $9, amount_minor = $10, currency = $11, threshold_percent = $12, \
         updated_at = $13, version = version + 1 WHERE id = $14 AND version = $15 AND archived_at IS NULL",
    )
    .bind(b.scope.as_str())
    .bind(p)
    .bind(c)
    .bind(cc)
    .bind(b.name.clone())
    .bind(b.period.from_month())
    .bind(b.period.to_month())
    .bind(starts)
    .bind(ends)
    .bind(b.amount.minor)
    .bind(b.amount.currency.as_str().to_owned())
    .bind(b.threshold_percent)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "budgets", id, version, n).await
}

/// Archives a budget read at `version`.
pub async fn archive(conn: &mut Conn, id: i64, version: i64, now: i64) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE budgets SET archived_at = $1, updated_at = $1, version = version + 1 \
         WHERE id = $2 AND version = $3 AND archived_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    crate::row::check_updated(conn, "budgets", id, version, n).await
}

/// Marks the budget as over its threshold. Written first and guarded, so that of concurrent
/// changes that cross it only one gets `Some(crossing number)`: that one queues the alert.
pub async fn raise_alert(conn: &mut Conn, id: i64, now: i64) -> Result<Option<i64>, StoreError> {
    let r = sqlx::query(
        "UPDATE budgets SET alerting = 1, alerted_at = $1, crossings = crossings + 1 \
         WHERE id = $2 AND alerting = 0 RETURNING crossings",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match r {
        Some(r) => Some(r.i("crossings")?),
        None => None,
    })
}

/// The budget is back under its threshold: the next crossing alerts again.
pub async fn clear_alert(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE budgets SET alerting = 0 WHERE id = $1 AND alerting = 1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Touches the budget's row so that concurrent alert checks of one budget run one after the
/// other (write first: DESIGN.md).
pub async fn lock(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE budgets SET alerting = alerting WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The e-mail addresses of the finance users, who receive the variance alerts.
pub async fn finance_recipients(conn: &mut Conn) -> Result<Vec<String>, StoreError> {
    fetch_all(
        conn,
        sqlx::query(
            "SELECT email FROM users WHERE role = 'finance' AND archived_at IS NULL ORDER BY id LIMIT 200",
        ),
        |r| r.s("email"),
    )
    .await
}

// ------------------------------------------------------------------ cost centres

/// An internal cost centre that sessions and programs are tagged with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CostCentre {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// Programs tagged with it.
    pub programs: i64,
    /// Sessions tagged with it directly.
    pub sessions: i64,
    pub version: i64,
}

const CC_COLUMNS: &str = "cc.id, cc.code, cc.name, cc.version, \
    (SELECT CAST(count(*) AS BIGINT) FROM programs p WHERE p.cost_centre_id = cc.id) AS programs, \
    (SELECT CAST(count(*) AS BIGINT) FROM sessions s WHERE s.cost_centre_id = cc.id) AS sessions \
    FROM cost_centres cc";

fn cc_row(r: &AnyRow) -> Result<CostCentre, sqlx::Error> {
    Ok(CostCentre {
        id: r.i("id")?,
        code: r.s("code")?,
        name: r.s("name")?,
        programs: r.i("programs")?,
        sessions: r.i("sessions")?,
        version: r.i("version")?,
    })
}

/// Every cost centre by code (a company has a handful; bounded at 500).
pub async fn cost_centres(conn: &mut Conn) -> Result<Vec<CostCentre>, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(CC_COLUMNS).push(" ORDER BY cc.code LIMIT 500");
    fetch_all(conn, q.query(), cc_row).await
}

pub async fn cost_centre(conn: &mut Conn, id: i64) -> Result<CostCentre, StoreError> {
    let mut q = Sql::new("SELECT ");
    q.push(CC_COLUMNS).push(" WHERE cc.id = ").int(id);
    match q.query().fetch_optional(&mut *conn).await? {
        Some(r) => Ok(cc_row(&r)?),
        None => Err(StoreError::NotFound),
    }
}

/// A new cost centre; a code already taken is [`StoreError::Duplicate`].
pub async fn insert_cost_centre(
    conn: &mut Conn,
    code: &str,
    name: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO cost_centres (code, name, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(code.to_owned())
    .bind(name.to_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Tags programs and sessions with a cost centre (or none). Returns how many rows were tagged;
/// ids that name no record are left out of the count.
pub async fn tag(
    conn: &mut Conn,
    cost_centre_id: Option<i64>,
    program_ids: &[i64],
    session_ids: &[i64],
    now: i64,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for (table, ids) in [("programs", program_ids), ("sessions", session_ids)] {
        if ids.is_empty() {
            continue;
        }
        let mut q = Sql::new(&format!("UPDATE {table} SET cost_centre_id = "));
        match cost_centre_id {
            Some(cc) => q.int(cc),
            None => q.push("NULL"),
        };
        q.push(", updated_at = ")
            .int(now)
            .push(", version = version + 1 WHERE id IN (");
        for (k, id) in ids.iter().enumerate() {
            if k > 0 {
                q.push(", ");
            }
            q.int(*id);
        }
        q.push(")");
        n += q.query().execute(&mut *conn).await?.rows_affected();
    }
    Ok(n)
}

/// (id, "CODE Name") of every cost centre, for choosers.
pub async fn cost_centre_options(conn: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    fetch_all(
        conn,
        sqlx::query("SELECT id, code, name FROM cost_centres ORDER BY code LIMIT 500"),
        |r| Ok((r.i("id")?, format!("{} {}", r.s("code")?, r.s("name")?))),
    )
    .await
}

/// The cost centre a session is tagged with itself (not through its program).
pub async fn session_cost_centre(
    conn: &mut Conn,
    session_id: i64,
) -> Result<Option<i64>, StoreError> {
    let q = sqlx::query("SELECT cost_centre_id FROM sessions WHERE id = $1").bind(session_id);
    let rows = fetch_all(conn, q, |r| r.oi("cost_centre_id")).await?;
    rows.into_iter().next().ok_or(StoreError::NotFound)
}
