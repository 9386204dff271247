//! A month's invoicing runs (`invoice_runs`) and the question they ask: which clients have
//! delivered, not yet invoiced enrollments in a period, and in which sessions.

use crate::row::Col;
use crate::{Conn, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;

/// One run: its month, where it stands and what it did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvoiceRun {
    pub id: i64,
    /// The month billed, `YYYY-MM`.
    #[schema(example = "2027-01")]
    pub month: String,
    /// `running`, `done`, `failed` or `interrupted` (its process stopped; a new run picks up the rest).
    pub status: String,
    /// Clients with something to invoice when the run started.
    pub clients_total: i64,
    /// Clients handled so far (invoiced or refused).
    pub clients_done: i64,
    /// Invoices issued.
    pub issued: i64,
    /// Clients whose invoice could not be issued (see `message`).
    pub refused: i64,
    /// What went wrong, or the first refusal, in words.
    pub message: Option<String>,
    #[serde(skip)]
    pub started_by: Option<i64>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<i64>,
}

fn from_row(r: &AnyRow) -> Result<InvoiceRun, sqlx::Error> {
    Ok(InvoiceRun {
        id: r.i("id")?,
        month: r.s("month")?,
        status: r.s("status")?,
        clients_total: r.i("clients_total")?,
        clients_done: r.i("clients_done")?,
        issued: r.i("issued")?,
        refused: r.i("refused")?,
        message: r.os("message")?,
        started_by: r.oi("started_by")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        finished_at: r.oi("finished_at")?,
    })
}

/// Starts a run for `month` with `clients_total` clients to bill; returns its id.
pub async fn insert(
    conn: &mut Conn,
    month: &str,
    clients_total: i64,
    started_by: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO invoice_runs (month, status, clients_total, started_by, created_at, updated_at) \
         VALUES ($1, 'running', $2, $3, $4, $4) RETURNING id",
    )
    .bind(month.to_owned())
    .bind(clients_total)
    .bind(started_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<InvoiceRun, StoreError> {
    let q = sqlx::query(
        "SELECT id, month, status, clients_total, clients_done, issued, refused, message, \
         started_by, created_at, updated_at, finished_at FROM invoice_runs WHERE id = $1",
    )
    .bind(id);
    let rows = crate::row::fetch_all(conn, q, from_row).await?;
    rows.into_iter().next().ok_or(StoreError::NotFound)
}

/// The latest runs, newest first.
pub async fn recent(conn: &mut Conn, limit: i64) -> Result<Vec<InvoiceRun>, StoreError> {
    let q = sqlx::query(
        "SELECT id, month, status, clients_total, clients_done, issued, refused, message, \
         started_by, created_at, updated_at, finished_at FROM invoice_runs ORDER BY id DESC LIMIT $1",
    )
    .bind(limit.clamp(1, 200));
    crate::row::fetch_all(conn, q, from_row).await
}

/// A run of `month` still marked running (another process's, or one that was interrupted).
pub async fn running_for(conn: &mut Conn, month: &str) -> Result<Vec<InvoiceRun>, StoreError> {
    let q = sqlx::query(
        "SELECT id, month, status, clients_total, clients_done, issued, refused, message, \
         started_by, created_at, updated_at, finished_at FROM invoice_runs \
         WHERE month = $1 AND status = 'running' ORDER BY id",
    )
    .bind(month.to_owned());
    crate::row::fetch_all(conn, q, from_row).await
}

/// Records progress: one more client handled, invoiced (`issued`) or not.
pub async fn advance(
    conn: &mut Conn,
    id: i64,
    issued: bool,
    refusal: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE invoice_runs SET clients_done = clients_done + 1, issued = issued + $1, \
         refused = refused + $2, message = COALESCE(message, $3), updated_at = $4 \
         WHERE id = $5 AND status = 'running'",
    )
    .bind(i64::from(issued))
    .bind(i64::from(refusal.is_some()))
    .bind(refusal.map(str::to_owned))
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends a run: `done`, `failed` (with why) or `interrupted`.
pub async fn finish(
    conn: &mut Conn,
    id: i64,
    status: &str,
    message: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE invoice_runs SET status = $1, message = COALESCE($2, message), updated_at = $3, \
         finished_at = $3 WHERE id = $4 AND status = 'running'",
    )
    .bind(status.to_owned())
    .bind(message.map(str::to_owned))
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A client's delivered, not yet invoiced sessions in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbilled {
    pub client_id: i64,
    pub session_ids: Vec<i64>,
}

/// Clients whose learners were booked, attended or completed in sessions that ended in
/// `[from, until)` (ms) and are not on a live invoice yet, with those sessions, by client id.
pub async fn unbilled(conn: &mut Conn, from: i64, until: i64) -> Result<Vec<Unbilled>, StoreError> {
    let q = sqlx::query(
        "SELECT DISTINCT l.client_id, s.id AS session_id FROM sessions s \
         JOIN enrollments e ON e.session_id = s.id \
         JOIN learners l ON l.id = e.learner_id \
         WHERE s.archived_at IS NULL AND s.ends_at >= $1 AND s.ends_at < $2 \
           AND s.status IN ('scheduled', 'confirmed', 'delivered', 'closed') \
           AND l.client_id IS NOT NULL \
           AND e.status IN ('booked', 'attended', 'completed') \
           AND NOT EXISTS (SELECT 1 FROM invoice_lines il JOIN invoices i ON i.id = il.invoice_id \
                           WHERE il.enrollment_id = e.id AND i.kind = 'invoice' \
                             AND i.archived_at IS NULL AND i.status <> 'credited') \
         ORDER BY l.client_id, s.id",
    )
    .bind(from)
    .bind(until);
    let pairs =
        crate::row::fetch_all(conn, q, |r| Ok((r.i("client_id")?, r.i("session_id")?))).await?;
    let mut out: Vec<Unbilled> = Vec::new();
    for (client_id, session_id) in pairs {
        match out.last_mut() {
            Some(u) if u.client_id == client_id => u.session_ids.push(session_id),
            _ => out.push(Unbilled {
                client_id,
                session_ids: vec![session_id],
            }),
        }
    }
    Ok(out)
}
