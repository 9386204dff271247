//! Quotes, their lines, the yearly number series and the status history. Totals are computed by
//! `trainyard_core::quote` and stored with the quote, so a sent quote reads back as it was sent.

use crate::courses::decode_err;
use crate::row::Col;
use crate::table::{Table, choice, list_filter};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::invoice;
use trainyard_core::money::{Currency, Money};
use trainyard_core::quote::{self, Pricing, QuoteLine};
use trainyard_core::status::QuoteStatus;

/// A quote as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Quote {
    pub id: i64,
    /// `Q-2027-0001`, given when the draft is written.
    pub number: String,
    pub client_id: i64,
    pub client_name: String,
    pub title: String,
    /// As stored; a sent quote past its validity is shown as expired by the use case.
    pub status: QuoteStatus,
    /// The last day the client may accept (inclusive).
    #[schema(format = Date)]
    pub valid_until: String,
    /// The Monday of the week the client would like to start; `null`: not stated.
    #[schema(format = Date)]
    pub start_week: Option<String>,
    pub notes: String,
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
    #[schema(format = Date)]
    pub sent_on: Option<String>,
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub answered_at: Option<i64>,
    /// Why the client declined (empty otherwise).
    pub decline_reason: String,
    /// The program an accepted quote created.
    pub program_id: Option<i64>,
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

/// One line of a quote.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteLineView {
    pub id: i64,
    pub position: i64,
    pub course_id: i64,
    pub course_code: String,
    pub description: String,
    pub sessions: i64,
    pub pricing: Pricing,
    /// Price per session or per seat.
    pub unit_price: Money,
    pub seats: i64,
    /// Percent off, e.g. "10 %".
    pub discount: String,
    /// Percent, e.g. "19 %".
    pub tax_rate: String,
    pub net: Money,
    #[serde(skip)]
    pub line: QuoteLine,
}

/// One step of a quote's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuoteEventRow {
    pub status: QuoteStatus,
    pub note: String,
    /// Who took the step.
    pub actor: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: i64,
}

const TABLE: Table = Table {
    name: "quotes",
    columns: "q.id, q.number, q.client_id, c.name AS client_name, q.title, q.status, q.currency, q.valid_until, \
        q.start_week, q.notes, q.net_minor, q.tax_minor, q.gross_minor, q.sent_on, q.answered_at, q.decline_reason, \
        q.program_id, q.created_at, q.updated_at, q.archived_at, q.version",
    from: " FROM quotes q JOIN clients c ON c.id = q.client_id",
    count_from: " FROM quotes q JOIN clients c ON c.id = q.client_id",
    alias: "q.",
    search: &["q.number", "q.title", "c.name"],
    sorts: &[
        ("created", "q.created_at {dir}, q.id {dir}"),
        ("number", "q.number {dir}"),
        ("client", "c.name {dir}, q.id {dir}"),
        ("valid_until", "q.valid_until {dir}, q.id {dir}"),
        ("gross", "q.gross_minor {dir}, q.id {dir}"),
        ("status", "q.status {dir}, q.id {dir}"),
    ],
};

fn from_row(r: &AnyRow) -> Result<Quote, sqlx::Error> {
    let currency = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
    let money = |col: &str| -> Result<Money, sqlx::Error> { Ok(Money::new(r.i(col)?, currency)) };
    Ok(Quote {
        id: r.i("id")?,
        number: r.s("number")?,
        client_id: r.i("client_id")?,
        client_name: r.s("client_name")?,
        title: r.s("title")?,
        status: QuoteStatus::parse(&r.s("status")?).map_err(decode_err)?,
        valid_until: r.s("valid_until")?,
        start_week: r.os("start_week")?,
        notes: r.s("notes")?,
        net: money("net_minor")?,
        tax: money("tax_minor")?,
        gross: money("gross_minor")?,
        sent_on: r.os("sent_on")?,
        answered_at: r.oi("answered_at")?,
        decline_reason: r.s("decline_reason")?,
        program_id: r.oi("program_id")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

list_filter! {
    /// The quote list's filters.
    pub struct QuoteFilter {
        sorts: TABLE.sorts,
        /// Quotes in this status (as stored).
        pub status: String => #[param(value_type = Option<QuoteStatus>)],
        /// This client's quotes; also how a client contact is scoped to their own.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub client_id: Option<i64>,
        /// Leave drafts out (what a client contact sees); set by the use case.
        #[serde(skip)]
        pub sent_only: bool,
    }
}

/// Quotes matching `f`; `q` searches the number, the title and the client's name.
pub async fn list(conn: &mut Conn, f: &QuoteFilter) -> Result<Page<Quote>, StoreError> {
    let status = choice("status", &f.status, QuoteStatus::ALL, QuoteStatus::as_str)?;
    TABLE
        .list(
            conn,
            &f.list,
            |q, _| {
                if let Some(s) = status {
                    q.push(" AND q.status = ").text(s.as_str());
                }
                if let Some(c) = f.client_id {
                    q.push(" AND q.client_id = ").int(c);
                }
                if f.sent_only {
                    q.push(" AND q.status <> 'draft'");
                }
            },
            from_row,
        )
        .await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Quote, StoreError> {
    TABLE.get(conn, id, from_row).await
}

/// Takes the next quote number of `year`. Call it as the creating transaction's first write.
pub async fn take_number(conn: &mut Conn, year: i32) -> Result<String, StoreError> {
    let r = sqlx::query(
        "INSERT INTO quote_series (year, last_number) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_number = quote_series.last_number + 1 \
         RETURNING last_number",
    )
    .bind(i64::from(year))
    .fetch_one(&mut *conn)
    .await?;
    Ok(quote::number(year, r.i("last_number")?))
}

/// What a quote's draft holds besides its lines.
pub struct DraftHead<'a> {
    pub title: &'a str,
    pub valid_until: &'a str,
    pub start_week: Option<&'a str>,
    pub notes: &'a str,
}

/// Creates a draft without lines; returns its id.
pub async fn insert(
    conn: &mut Conn,
    number: &str,
    client_id: i64,
    currency: Currency,
    head: &DraftHead<'_>,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO quotes (number, client_id, title, currency, valid_until, start_week, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(number.to_owned())
    .bind(client_id)
    .bind(head.title.to_owned())
    .bind(currency.as_str().to_owned())
    .bind(head.valid_until.to_owned())
    .bind(head.start_week.map(str::to_owned))
    .bind(head.notes.to_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Replaces a draft's head, lines and totals as read at `version` (409 when it changed, or is
/// no longer a draft).
pub async fn write_draft(
    conn: &mut Conn,
    id: i64,
    version: i64,
    currency: Currency,
    head: &DraftHead<'_>,
    lines: &[QuoteLine],
    now: i64,
) -> Result<(), StoreError> {
    let t = quote::totals(lines, currency);
    let n = sqlx::query(
        "UPDATE quotes SET title = $1, valid_until = $2, start_week = $3, notes = $4, net_minor = $5, tax_minor = $6, \
         gross_minor = $7, updated_at = $8, version = version + 1 WHERE id = $9 AND version = $10 AND status = 'draft'",
    )
    .bind(head.title.to_owned())
    .bind(head.valid_until.to_owned())
    .bind(head.start_week.map(str::to_owned))
    .bind(head.notes.to_owned())
    .bind(t.net)
    .bind(t.tax)
    .bind(t.gross)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    TABLE.check_updated(conn, id, version, n).await?;
    sqlx::query("DELETE FROM quote_lines WHERE quote_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (position, l) in lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO quote_lines (quote_id, position, course_id, description, sessions, pricing, unit_minor, seats, \
             discount_bp, tax_rate_bp, net_minor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id)
        .bind(position as i64 + 1)
        .bind(l.course_id)
        .bind(l.description.clone())
        .bind(l.sessions)
        .bind(l.pricing.as_str())
        .bind(l.unit_minor)
        .bind(l.seats)
        .bind(l.discount_bp)
        .bind(l.tax_rate)
        .bind(l.net(currency))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn lines(
    conn: &mut Conn,
    id: i64,
    currency: Currency,
) -> Result<Vec<QuoteLineView>, StoreError> {
    let q = sqlx::query(
        "SELECT l.id, l.position, l.course_id, c.code AS course_code, l.description, l.sessions, l.pricing, l.unit_minor, \
         l.seats, l.discount_bp, l.tax_rate_bp, l.net_minor FROM quote_lines l JOIN courses c ON c.id = l.course_id \
         WHERE l.quote_id = $1 ORDER BY l.position",
    )
    .bind(id);
    crate::row::fetch_all(conn, q, |r| {
        let line = QuoteLine {
            course_id: r.i("course_id")?,
            description: r.s("description")?,
            sessions: r.i("sessions")?,
            pricing: Pricing::parse(&r.s("pricing")?)
                .map_err(|e| decode_err(trainyard_core::status::Refusal::plain(e)))?,
            unit_minor: r.i("unit_minor")?,
            seats: r.i("seats")?,
            discount_bp: r.i("discount_bp")?,
            tax_rate: r.i("tax_rate_bp")?,
        };
        Ok(QuoteLineView {
            id: r.i("id")?,
            position: r.i("position")?,
            course_id: line.course_id,
            course_code: r.s("course_code")?,
            description: line.description.clone(),
            sessions: line.sessions,
            pricing: line.pricing,
            unit_price: Money::new(line.unit_minor, currency),
            seats: line.seats,
            discount: invoice::rate_string(line.discount_bp),
            tax_rate: invoice::rate_string(line.tax_rate),
            net: Money::new(r.i("net_minor")?, currency),
            line,
        })
    })
    .await
}

/// Moves a quote from `from` to `to`, but only if it is still in `from`: the statement concurrent
/// answers queue on, so exactly one of them wins. Returns whether it moved.
pub async fn move_status(
    conn: &mut Conn,
    id: i64,
    from: QuoteStatus,
    to: QuoteStatus,
    (sent_on, decline_reason): (Option<&str>, &str),
    now: i64,
) -> Result<bool, StoreError> {
    let answered = matches!(to, QuoteStatus::Accepted | QuoteStatus::Declined).then_some(now);
    let n = sqlx::query(
        "UPDATE quotes SET status = $1, sent_on = COALESCE($2, sent_on), answered_at = COALESCE($3, answered_at), \
         decline_reason = $4, updated_at = $5, version = version + 1 WHERE id = $6 AND status = $7",
    )
    .bind(to.as_str())
    .bind(sent_on.map(str::to_owned))
    .bind(answered)
    .bind(decline_reason.to_owned())
    .bind(now)
    .bind(id)
    .bind(from.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Links an accepted quote to the program it created.
pub async fn set_program(conn: &mut Conn, id: i64, program_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE quotes SET program_id = $1 WHERE id = $2")
        .bind(program_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The sent quotes whose last valid day is before `today` (at most `limit`): what the sweep
/// expires.
pub async fn due_to_expire(
    conn: &mut Conn,
    today: &str,
    limit: i64,
) -> Result<Vec<Quote>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {}{} WHERE q.status = 'sent' AND q.valid_until < $1 ORDER BY q.valid_until, q.id LIMIT $2",
        TABLE.columns, TABLE.from
    )))
    .bind(today.to_owned())
    .bind(limit);
    crate::row::fetch_all(conn, q, from_row).await
}

pub async fn add_event(
    conn: &mut Conn,
    quote_id: i64,
    status: QuoteStatus,
    note: &str,
    actor: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO quote_events (quote_id, status, note, actor, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(quote_id)
    .bind(status.as_str())
    .bind(note.to_owned())
    .bind(actor.to_owned())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn events(conn: &mut Conn, quote_id: i64) -> Result<Vec<QuoteEventRow>, StoreError> {
    let q = sqlx::query(
        "SELECT status, note, actor, at FROM quote_events WHERE quote_id = $1 ORDER BY at, id",
    )
    .bind(quote_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok(QuoteEventRow {
            status: QuoteStatus::parse(&r.s("status")?).map_err(decode_err)?,
            note: r.s("note")?,
            actor: r.s("actor")?,
            at: r.i("at")?,
        })
    })
    .await
}
