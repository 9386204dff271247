//! Programs: a client's contracted series of sessions ("12 sessions of Leadership 101 for Acme
//! between March and June, budget 60,000 EUR"). Sessions point at their program.

use crate::courses::decode_err;
use crate::row::{Col, Query};
use crate::table::{Table, list_filter, record_rows};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::money::{Currency, Money};
use trainyard_core::records::ProgramInput;
use trainyard_core::status::SessionStatus;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Program {
    pub id: i64,
    pub client_id: i64,
    pub client_name: String,
    pub name: String,
    /// Finance data: always set when read from the store; `None` (and left out of the JSON) in
    /// the view of a reader who may not see finance data (`trainyard_app::audience`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<Money>,
    /// First day (YYYY-MM-DD), if agreed.
    #[schema(example = "2026-03-01", format = Date)]
    pub starts_on: Option<String>,
    /// Last day (YYYY-MM-DD, inclusive), if agreed.
    #[schema(example = "2026-06-30", format = Date)]
    pub ends_on: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<i64>,
    pub version: i64,
}

const TABLE: Table = Table {
    name: "programs",
    columns: "p.id, p.client_id, c.name AS client_name, p.name, p.budget_minor, p.currency, \
        p.starts_on, p.ends_on, p.created_at, p.updated_at, p.archived_at, p.version",
    from: FROM,
    count_from: FROM,
    alias: "p.",
    search: &["p.name", "c.name", "c.code"],
    // Programs without dates sort last either way, on both databases.
    sorts: &[
        ("name", "p.name {dir}, p.id {dir}"),
        ("client", "c.name {dir}, p.name {dir}, p.id {dir}"),
        (
            "starts",
            "p.starts_on IS NULL, p.starts_on {dir}, p.id {dir}",
        ),
        ("ends", "p.ends_on IS NULL, p.ends_on {dir}, p.id {dir}"),
        ("budget", "p.budget_minor {dir}, p.id {dir}"),
    ],
};

const FROM: &str = " FROM programs p JOIN clients c ON c.id = p.client_id";

fn from_row(r: &AnyRow) -> Result<Program, sqlx::Error> {
    let currency = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
    Ok(Program {
        id: r.i("id")?,
        client_id: r.i("client_id")?,
        client_name: r.s("client_name")?,
        name: r.s("name")?,
        budget: Some(Money::new(r.i("budget_minor")?, currency)),
        starts_on: r.os("starts_on")?,
        ends_on: r.os("ends_on")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

fn day(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// The input's columns in statement order: `$1` to `$6` of both insert and update.
fn bind_input<'q>(q: Query<'q>, p: &ProgramInput) -> Query<'q> {
    q.bind(p.client_id.0)
        .bind(p.name.clone())
        .bind(p.budget.minor)
        .bind(p.budget.currency.as_str().to_owned())
        .bind(day(p.starts_on))
        .bind(day(p.ends_on))
}

record_rows!(
    Program,
    ProgramInput,
    insert = "INSERT INTO programs (client_id, name, budget_minor, currency, starts_on, ends_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    update = "UPDATE programs SET client_id = $1, name = $2, budget_minor = $3, currency = $4, starts_on = $5, \
         ends_on = $6, updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9",
);

list_filter! {
    /// The program list's filters.
    pub struct ProgramFilter {
        sorts: TABLE.sorts,
        /// This client's programs.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub client_id: Option<i64>,
    }
}

/// Programs matching `f`: search in the program's name and its client's name and code.
pub async fn list(conn: &mut Conn, f: &ProgramFilter) -> Result<Page<Program>, StoreError> {
    TABLE
        .list(
            conn,
            &f.list,
            |q, _| {
                if let Some(c) = f.client_id {
                    q.push(" AND p.client_id = ").int(c);
                }
            },
            from_row,
        )
        .await
}

/// (id, "Name (Client)") of every active program, for choosers.
pub async fn options(conn: &mut Conn) -> Result<Vec<(i64, String)>, StoreError> {
    let q = sqlx::query(
        "SELECT p.id, p.name, c.name AS client_name FROM programs p JOIN clients c ON c.id = p.client_id \
         WHERE p.archived_at IS NULL ORDER BY p.name, c.name, p.id LIMIT 2000",
    );
    crate::row::fetch_all(conn, q, |r| {
        Ok((
            r.i("id")?,
            format!("{} ({})", r.s("name")?, r.s("client_name")?),
        ))
    })
    .await
}

/// Sessions of one status in a program.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusCount {
    pub status: SessionStatus,
    pub sessions: i64,
}

/// What a program holds, summed over its active (not archived) sessions.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ProgramCounts {
    /// Active sessions in the program, whatever their status.
    pub sessions: i64,
    /// The same sessions by status, in lifecycle order; statuses with none are left out.
    pub by_status: Vec<StatusCount>,
    /// Seats booked over sessions that run or ran (not cancelled or postponed).
    pub booked: i64,
    /// Seats offered over the same sessions.
    pub capacity: i64,
}

/// An aggregate: the program's sessions counted by status, with booked seats and capacity.
pub async fn session_counts(conn: &mut Conn, program_id: i64) -> Result<ProgramCounts, StoreError> {
    let rows = sqlx::query(
        "SELECT status, count(*) AS n, CAST(COALESCE(sum(booked_count), 0) AS BIGINT) AS booked, \
         CAST(COALESCE(sum(capacity), 0) AS BIGINT) AS capacity \
         FROM sessions WHERE program_id = $1 AND archived_at IS NULL GROUP BY status",
    )
    .bind(program_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = ProgramCounts::default();
    for r in &rows {
        let status = SessionStatus::parse(&r.s("status")?).map_err(decode_err)?;
        let n = r.i("n")?;
        counts.sessions += n;
        if !matches!(status, SessionStatus::Cancelled | SessionStatus::Postponed) {
            counts.booked += r.i("booked")?;
            counts.capacity += r.i("capacity")?;
        }
        counts.by_status.push(StatusCount {
            status,
            sessions: n,
        });
    }
    counts.by_status.sort_by_key(|c| {
        SessionStatus::ALL
            .iter()
            .position(|s| *s == c.status)
            .unwrap_or(usize::MAX)
    });
    Ok(counts)
}

/// Active sessions of the program whose client is not `client_id`: what changing the program's
/// client would leave inconsistent.
pub async fn sessions_of_other_clients(
    conn: &mut Conn,
    program_id: i64,
    client_id: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "SELECT count(*) AS n FROM sessions WHERE program_id = $1 AND archived_at IS NULL \
         AND client_id IS NOT NULL AND client_id <> $2",
    )
    .bind(program_id)
    .bind(client_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("n")?)
}
