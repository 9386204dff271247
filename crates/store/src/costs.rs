//! Costs per session: the rows `trainyard_core::costs` derives cost lines from (parts, assignments
//! with rates and contracts, resource bookings with day rates, materials), the lines finance
//! stores (manual lines and actuals), and revenue per session (enrollment prices, invoice lines).
//! Everything is read for a [`Scope`] — one session, or the sessions delivered in a period — with
//! one query per kind of row, never one per session.

use crate::courses::decode_err;
use crate::row::{Col, Sql, fetch_all};
use crate::{Conn, StoreError};
use std::collections::HashMap;
use trainyard_core::costs::{
    AssignmentRow, BookingRow, ContractRate, PartRow, SessionInputs, StoredLine,
};
use trainyard_core::money::{Currency, Money};
use trainyard_core::status::{
    AssignmentStatus, CostKind, CostStage, DeliveryMode, ResourceKind, SessionStatus, Visibility,
};

/// Which sessions to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    Session(i64),
    /// These sessions (the kept figures' recomputation, see [`crate::finance_facts`]).
    Ids(&'a [i64]),
    /// Sessions delivered (or closed) whose end falls in `[from_ms, until_ms)`: revenue is
    /// recognised on delivery.
    DeliveredEndingIn {
        from_ms: i64,
        until_ms: i64,
    },
    /// The sessions counting for budgets (see [`crate::budgets::members_sql`]).
    Budgets(crate::budgets::BudgetSel),
}

/// The sessions of `scope` as a subquery of ids, pushed onto `q`.
fn ids(q: &mut Sql, scope: Scope<'_>) {
    match scope {
        Scope::Session(id) => {
            q.push("(SELECT ").int(id).push(")");
        }
        Scope::Ids(list) => {
            // Integers written into the text: a chunk of ids would otherwise cost a bind each in
            // every one of the read's queries.
            let list: Vec<String> = list.iter().map(i64::to_string).collect();
            q.push("(").push(if list.is_empty() { "NULL" } else { "" });
            q.push(&list.join(", ")).push(")");
        }
        Scope::DeliveredEndingIn { from_ms, until_ms } => {
            q.push("(SELECT s0.id FROM sessions s0 WHERE s0.archived_at IS NULL AND s0.status IN ('delivered', 'closed') AND s0.ends_at >= ")
                .int(from_ms)
                .push(" AND s0.ends_at < ")
                .int(until_ms)
                .push(")");
        }
        Scope::Budgets(sel) => {
            q.push("(SELECT m0.session_id FROM ");
            crate::budgets::members_sql(q, sel);
            q.push(" m0)");
        }
    }
}

/// A session as the cost and profitability figures see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostSession {
    pub id: i64,
    pub reference: String,
    pub status: SessionStatus,
    pub visibility: Visibility,
    pub currency: Currency,
    pub time_zone: String,
    pub starts_at: i64,
    pub ends_at: i64,
    /// Seats taken.
    pub learners: i64,
    pub course: (i64, String),
    pub client: Option<(i64, String)>,
    pub program: Option<(i64, String)>,
    pub venue: Option<(i64, String)>,
    pub mode: DeliveryMode,
}

/// Everything one session's finance figures are computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCosts {
    pub session: CostSession,
    pub inputs: SessionInputs,
    pub stored: Vec<StoredLine>,
    /// Enrollment prices of the seats taken, in the session's currency (other currencies left out).
    pub enrollment_revenue: i64,
    /// Net of issued invoice and credit-note lines for the session, in its currency.
    pub invoiced_revenue: i64,
    /// The lead instructor: the first paid assignment with the lead role, else the first.
    pub lead: Option<(i64, String)>,
}

fn opt_pair(
    r: &sqlx::any::AnyRow,
    id: &str,
    name: &str,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    Ok(match r.oi(id)? {
        Some(i) => Some((i, r.os(name)?.unwrap_or_default())),
        None => None,
    })
}

/// The rows of every session in `scope`, in the order of their end.
pub async fn read(conn: &mut Conn, scope: Scope<'_>) -> Result<Vec<SessionCosts>, StoreError> {
    let mut q = Sql::new(
        "SELECT s.id, s.reference, s.status, s.visibility, s.currency, s.time_zone, s.starts_at, s.ends_at, s.booked_count, \
         s.delivery_mode, s.course_id, c.title AS course_title, c.code AS course_code, c.hours_per_day, c.material_cost_minor, c.currency AS course_currency, \
         s.client_id, cl.name AS client_name, s.program_id, pr.name AS program_name, s.venue_id, v.name AS venue_name \
         FROM sessions s JOIN courses c ON c.id = s.course_id LEFT JOIN clients cl ON cl.id = s.client_id \
         LEFT JOIN programs pr ON pr.id = s.program_id LEFT JOIN venues v ON v.id = s.venue_id WHERE s.id IN ",
    );
    ids(&mut q, scope);
    q.push(" ORDER BY s.ends_at, s.id");
    let mut out: Vec<SessionCosts> = fetch_all(conn, q.query(), |r| {
        let currency = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
        let course_currency = Currency::parse(&r.s("course_currency")?).map_err(decode_err)?;
        Ok(SessionCosts {
            session: CostSession {
                id: r.i("id")?,
                reference: r.s("reference")?,
                status: SessionStatus::parse(&r.s("status")?).map_err(decode_err)?,
                visibility: Visibility::parse(&r.s("visibility")?).map_err(decode_err)?,
                currency,
                time_zone: r.s("time_zone")?,
                starts_at: r.i("starts_at")?,
                ends_at: r.i("ends_at")?,
                learners: r.i("booked_count")?,
                course: (
                    r.i("course_id")?,
                    format!("{} {}", r.s("course_code")?, r.s("course_title")?),
                ),
                client: opt_pair(r, "client_id", "client_name")?,
                program: opt_pair(r, "program_id", "program_name")?,
                venue: opt_pair(r, "venue_id", "venue_name")?,
                mode: DeliveryMode::parse(&r.s("delivery_mode")?).map_err(decode_err)?,
            },
            inputs: SessionInputs {
                status: SessionStatus::parse(&r.s("status")?).map_err(decode_err)?,
                hours_per_day: r.i("hours_per_day")?,
                material_cost: Money::new(r.i("material_cost_minor")?, course_currency),
                learners: r.i("booked_count")?,
                parts: Vec::new(),
                assignments: Vec::new(),
                bookings: Vec::new(),
            },
            stored: Vec::new(),
            enrollment_revenue: 0,
            invoiced_revenue: 0,
            lead: None,
        })
    })
    .await?;
    if out.is_empty() {
        return Ok(out);
    }
    let at: HashMap<i64, usize> = out
        .iter()
        .enumerate()
        .map(|(n, s)| (s.session.id, n))
        .collect();

    let mut q = Sql::new(
        "SELECT p.session_id, p.starts_at, p.ends_at FROM session_parts p WHERE p.status = 'scheduled' AND p.session_id IN ",
    );
    ids(&mut q, scope);
    q.push(" ORDER BY p.session_id, p.starts_at");
    for (sid, part) in fetch_all(conn, q.query(), |r| {
        Ok((
            r.i("session_id")?,
            PartRow {
                starts_at: r.i("starts_at")?,
                ends_at: r.i("ends_at")?,
            },
        ))
    })
    .await?
    {
        if let Some(&n) = at.get(&sid) {
            out[n].inputs.parts.push(part);
        }
    }

    let mut q = Sql::new(
        "SELECT instructor_id, currency, day_rate_minor, valid_from, valid_to FROM instructor_contracts \
         WHERE instructor_id IN (SELECT a.instructor_id FROM assignments a WHERE a.session_id IN ",
    );
    ids(&mut q, scope);
    q.push(") ORDER BY instructor_id, valid_from");
    let mut contracts: HashMap<i64, Vec<ContractRate>> = HashMap::new();
    for (iid, c) in fetch_all(conn, q.query(), |r| {
        let cur = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
        Ok((
            r.i("instructor_id")?,
            ContractRate {
                valid_from: r.i("valid_from")?,
                valid_to: r.oi("valid_to")?,
                day_rate: Money::new(r.i("day_rate_minor")?, cur),
            },
        ))
    })
    .await?
    {
        contracts.entry(iid).or_default().push(c);
    }

    let mut q = Sql::new(
        "SELECT a.id, a.session_id, a.instructor_id, a.role, a.status, i.name, i.currency, i.day_rate_minor, i.hour_rate_minor \
         FROM assignments a JOIN instructors i ON i.id = a.instructor_id WHERE a.session_id IN ",
    );
    ids(&mut q, scope);
    q.push(" ORDER BY a.session_id, a.id");
    let mut has_lead = std::collections::HashSet::new();
    for (sid, role, a) in fetch_all(conn, q.query(), |r| {
        let cur = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
        let iid = r.i("instructor_id")?;
        Ok((
            r.i("session_id")?,
            r.s("role")?,
            AssignmentRow {
                id: r.i("id")?,
                instructor_id: iid,
                instructor_name: r.s("name")?,
                status: AssignmentStatus::parse(&r.s("status")?).map_err(decode_err)?,
                day_rate: Money::new(r.i("day_rate_minor")?, cur),
                hour_rate: Money::new(r.i("hour_rate_minor")?, cur),
                contracts: contracts.get(&iid).cloned().unwrap_or_default(),
            },
        ))
    })
    .await?
    {
        if let Some(&n) = at.get(&sid) {
            let s = &mut out[n];
            let paid = !matches!(
                a.status,
                AssignmentStatus::Declined | AssignmentStatus::Cancelled
            );
            // The lead instructor: the first paid lead, else the first paid assignment.
            if paid && (s.lead.is_none() || (role == "lead" && !has_lead.contains(&sid))) {
                s.lead = Some((a.instructor_id, a.instructor_name.clone()));
                if role == "lead" {
                    has_lead.insert(sid);
                }
            }
            s.inputs.assignments.push(a);
        }
    }

    let mut q = Sql::new(
        "SELECT p.session_id, b.resource_id, r.name, r.kind, r.day_rate_minor, r.rate_currency, \
         CAST(count(*) AS BIGINT) AS parts, CAST(max(b.quantity) AS BIGINT) AS qty, \
         CAST(min(CASE WHEN b.status = 'confirmed' THEN 1 ELSE 0 END) AS BIGINT) AS confirmed \
         FROM bookings b JOIN session_parts p ON p.id = b.session_part_id JOIN resources r ON r.id = b.resource_id \
         WHERE p.status = 'scheduled' AND p.session_id IN ",
    );
    ids(&mut q, scope);
    q.push(" GROUP BY p.session_id, b.resource_id, r.name, r.kind, r.day_rate_minor, r.rate_currency ORDER BY p.session_id, r.name, b.resource_id");
    for (sid, b) in fetch_all(conn, q.query(), |r| {
        let cur = Currency::parse(&r.s("rate_currency")?).map_err(decode_err)?;
        Ok((
            r.i("session_id")?,
            BookingRow {
                resource_id: r.i("resource_id")?,
                resource_name: r.s("name")?,
                kind: ResourceKind::parse(&r.s("kind")?).map_err(decode_err)?,
                confirmed: r.i("confirmed")? == 1,
                parts: r.i("parts")?,
                quantity: r.i("qty")?,
                day_rate: Money::new(r.i("day_rate_minor")?, cur),
            },
        ))
    })
    .await?
    {
        if let Some(&n) = at.get(&sid) {
            out[n].inputs.bookings.push(b);
        }
    }

    let mut q = Sql::new(&format!("{STORED} WHERE session_id IN "));
    ids(&mut q, scope);
    q.push(" ORDER BY session_id, id");
    for (sid, l) in fetch_all(conn, q.query(), stored_row).await? {
        if let Some(&n) = at.get(&sid) {
            out[n].stored.push(l);
        }
    }

    let mut q = Sql::new(
        "SELECT e.session_id, e.currency, CAST(SUM(e.price_minor) AS BIGINT) AS total FROM enrollments e \
         WHERE e.status IN ('booked', 'attended', 'completed', 'failed', 'no_show') AND e.session_id IN ",
    );
    ids(&mut q, scope);
    q.push(" GROUP BY e.session_id, e.currency");
    for (sid, cur, total) in fetch_all(conn, q.query(), |r| {
        Ok((r.i("session_id")?, r.s("currency")?, r.i("total")?))
    })
    .await?
    {
        if let Some(&n) = at.get(&sid)
            && out[n].session.currency.as_str() == cur
        {
            out[n].enrollment_revenue += total;
        }
    }

    // Invoice lines count for the session of the enrollment they bill, else of the invoice
    // (or of the invoice a credit note credits).
    let mut q = Sql::new(
        "SELECT x.sid, x.currency, CAST(SUM(x.net_minor) AS BIGINT) AS total FROM ( \
         SELECT COALESCE(e.session_id, i.session_id, ci.session_id) AS sid, i.currency, l.net_minor \
         FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id LEFT JOIN enrollments e ON e.id = l.enrollment_id \
         LEFT JOIN invoices ci ON ci.id = i.credits_invoice_id \
         WHERE i.status <> 'draft' AND i.archived_at IS NULL) x WHERE x.sid IN ",
    );
    ids(&mut q, scope);
    q.push(" GROUP BY x.sid, x.currency");
    for (sid, cur, total) in fetch_all(conn, q.query(), |r| {
        Ok((r.i("sid")?, r.s("currency")?, r.i("total")?))
    })
    .await?
    {
        if let Some(&n) = at.get(&sid)
            && out[n].session.currency.as_str() == cur
        {
            out[n].invoiced_revenue += total;
        }
    }
    Ok(out)
}

const STORED: &str = "SELECT id, session_id, derived_key, kind, description, currency, planned_minor, stage, actual_minor, note, version FROM session_cost_lines";

fn stored_row(r: &sqlx::any::AnyRow) -> Result<(i64, StoredLine), sqlx::Error> {
    let cur = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
    Ok((
        r.i("session_id")?,
        StoredLine {
            id: r.i("id")?,
            derived_key: r.os("derived_key")?,
            kind: CostKind::parse(&r.s("kind")?).map_err(decode_err)?,
            description: r.s("description")?,
            planned: Money::new(r.i("planned_minor")?, cur),
            stage: CostStage::parse(&r.s("stage")?).map_err(decode_err)?,
            actual: r.oi("actual_minor")?.map(|m| Money::new(m, cur)),
            note: r.s("note")?,
            version: r.i("version")?,
        },
    ))
}

/// The stored line of a session under `key` (`line-7` or a derived key).
pub async fn stored(
    conn: &mut Conn,
    session_id: i64,
    key: &str,
) -> Result<Option<StoredLine>, StoreError> {
    let mut q = Sql::new(&format!("{STORED} WHERE session_id = "));
    q.int(session_id);
    match key
        .strip_prefix("line-")
        .and_then(|n| n.parse::<i64>().ok())
    {
        Some(id) => q.push(" AND derived_key IS NULL AND id = ").int(id),
        None => q.push(" AND derived_key = ").text(key),
    };
    Ok(fetch_all(conn, q.query(), stored_row)
        .await?
        .into_iter()
        .next()
        .map(|(_, l)| l))
}

/// A manual line, or the first stored row of a derived line.
pub struct NewLine<'a> {
    pub session_id: i64,
    pub derived_key: Option<&'a str>,
    pub kind: CostKind,
    pub description: &'a str,
    pub planned: Money,
    pub stage: CostStage,
    pub actual: Option<i64>,
    pub note: &'a str,
    pub created_by: i64,
}

pub async fn insert(conn: &mut Conn, l: &NewLine<'_>, now: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO session_cost_lines (session_id, derived_key, kind, description, currency, planned_minor, stage, actual_minor, note, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
    )
    .bind(l.session_id)
    .bind(l.derived_key.map(str::to_owned))
    .bind(l.kind.as_str())
    .bind(l.description.to_owned())
    .bind(l.planned.currency.as_str().to_owned())
    .bind(l.planned.minor)
    .bind(l.stage.as_str())
    .bind(l.actual)
    .bind(l.note.to_owned())
    .bind((l.created_by > 0).then_some(l.created_by))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Sets (or clears) a stored line's actual read at `version`: stale → [`StoreError::Stale`].
pub async fn set_actual(
    conn: &mut Conn,
    id: i64,
    version: i64,
    actual: Option<i64>,
    note: &str,
    now: i64,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE session_cost_lines SET actual_minor = $1, note = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5",
    )
    .bind(actual)
    .bind(note.to_owned())
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale { expected: version });
    }
    Ok(())
}

/// Removes a stored line read at `version`.
pub async fn delete(conn: &mut Conn, id: i64, version: i64) -> Result<(), StoreError> {
    let done = sqlx::query("DELETE FROM session_cost_lines WHERE id = $1 AND version = $2")
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Stale { expected: version });
    }
    Ok(())
}

/// Session ids by reference, for imports.
pub async fn session_ids_by_reference(
    conn: &mut Conn,
    references: &[String],
) -> Result<HashMap<String, (i64, Currency)>, StoreError> {
    let mut out = HashMap::new();
    for chunk in references.chunks(200) {
        let mut q = Sql::new("SELECT id, reference, currency FROM sessions WHERE reference IN (");
        for (n, r) in chunk.iter().enumerate() {
            if n > 0 {
                q.push(", ");
            }
            q.text(r);
        }
        q.push(")");
        for (id, reference, cur) in fetch_all(conn, q.query(), |r| {
            Ok((r.i("id")?, r.s("reference")?, r.s("currency")?))
        })
        .await?
        {
            let cur = Currency::parse(&cur).map_err(|e| StoreError::Database(decode_err(e)))?;
            out.insert(reference, (id, cur));
        }
    }
    Ok(out)
}

/// A resource's hire per day.
pub async fn set_resource_rate(
    conn: &mut Conn,
    resource_id: i64,
    rate: Money,
) -> Result<(), StoreError> {
    let done =
        sqlx::query("UPDATE resources SET day_rate_minor = $1, rate_currency = $2 WHERE id = $3")
            .bind(rate.minor)
            .bind(rate.currency.as_str().to_owned())
            .bind(resource_id)
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A resource's hire per day, as stored.
pub async fn resource_rate(conn: &mut Conn, resource_id: i64) -> Result<Money, StoreError> {
    let r = sqlx::query("SELECT day_rate_minor, rate_currency FROM resources WHERE id = $1")
        .bind(resource_id)
        .fetch_one(&mut *conn)
        .await?;
    let cur =
        Currency::parse(&r.s("rate_currency")?).map_err(|e| StoreError::Database(decode_err(e)))?;
    Ok(Money::new(r.i("day_rate_minor")?, cur))
}
