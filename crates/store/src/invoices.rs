//! Invoices and credit notes, their lines and payments, the gapless number series and clients'
//! credit. Totals are computed by `trainyard_core::invoice` and stored with the document so that
//! an issued invoice reads back exactly as it was issued.

use crate::courses::decode_err;
use crate::row::Col;
use crate::table::{Table, choice, list_filter};
use crate::{Conn, Page, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::invoice::{self, Line, Totals};
use trainyard_core::money::{Currency, Money};
use trainyard_core::status::{InvoiceKind, InvoiceStatus};

/// An invoice or a credit note.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invoice {
    pub id: i64,
    pub kind: InvoiceKind,
    pub client_id: i64,
    pub client_name: String,
    /// The session it bills, when it bills one.
    pub session_id: Option<i64>,
    pub session_reference: Option<String>,
    /// A credit note: the invoice it credits.
    pub credits_invoice_id: Option<i64>,
    pub status: InvoiceStatus,
    /// Given on issue (`2027-000123`, credit notes `CN-2027-000004`); `null` on a draft.
    pub number: Option<String>,
    #[schema(format = Date)]
    pub issued_on: Option<String>,
    #[schema(format = Date)]
    pub due_on: Option<String>,
    /// Days from issue to due date.
    pub payment_days: i64,
    pub notes: String,
    pub net: Money,
    pub tax: Money,
    pub gross: Money,
    /// Payments received.
    pub paid: Money,
    /// Credited by credit notes (as a positive amount).
    pub credited: Money,
    /// What is still owed: gross − paid − credited (negative when overpaid).
    pub balance: Money,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    /// A discarded draft.
    #[serde(serialize_with = "crate::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<i64>,
    pub version: i64,
}

impl Invoice {
    /// Whether the due date has passed with something still owed.
    pub fn overdue_on(&self, today: &str) -> bool {
        self.kind == InvoiceKind::Invoice
            && matches!(
                self.status,
                InvoiceStatus::Issued | InvoiceStatus::PartlyPaid
            )
            && self.due_on.as_deref().is_some_and(|d| d < today)
    }
}

/// One line of an invoice.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvoiceLine {
    pub id: i64,
    pub position: i64,
    pub description: String,
    /// A decimal such as "2" or "1.5".
    pub quantity: String,
    pub unit_price: Money,
    /// Percent, e.g. "19 %".
    pub tax_rate: String,
    pub net: Money,
    /// The enrollment the line bills, when it bills one.
    pub enrollment_id: Option<i64>,
    #[serde(skip)]
    pub line: Line,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Payment {
    pub id: i64,
    pub amount: Money,
    #[schema(format = Date)]
    pub received_on: String,
    pub reference: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub recorded_at: i64,
}

const TABLE: Table = Table {
    name: "invoices",
    columns: "i.id, i.kind, i.client_id, c.name AS client_name, i.session_id, s.reference AS session_reference, \
        i.credits_invoice_id, i.status, i.currency, i.number, i.issued_on, i.due_on, i.payment_days, i.notes, \
        i.net_minor, i.tax_minor, i.gross_minor, i.paid_minor, i.credited_minor, \
        i.created_at, i.updated_at, i.archived_at, i.version",
    from: " FROM invoices i JOIN clients c ON c.id = i.client_id LEFT JOIN sessions s ON s.id = i.session_id",
    count_from: " FROM invoices i JOIN clients c ON c.id = i.client_id",
    alias: "i.",
    search: &["i.number", "c.name", "c.code"],
    // Drafts (no number) first when newest first, then by number.
    sorts: &[
        ("created", "i.created_at {dir}, i.id {dir}"),
        ("number", "i.number IS NULL, i.number {dir}, i.id {dir}"),
        ("client", "c.name {dir}, i.id {dir}"),
        ("due", "i.due_on IS NULL, i.due_on {dir}, i.id {dir}"),
        ("gross", "i.gross_minor {dir}, i.id {dir}"),
    ],
};

fn from_row(r: &AnyRow) -> Result<Invoice, sqlx::Error> {
    let currency = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
    let money = |col: &str| -> Result<Money, sqlx::Error> { Ok(Money::new(r.i(col)?, currency)) };
    let (gross, paid, credited) = (
        r.i("gross_minor")?,
        r.i("paid_minor")?,
        r.i("credited_minor")?,
    );
    Ok(Invoice {
        id: r.i("id")?,
        kind: InvoiceKind::parse(&r.s("kind")?).map_err(decode_err)?,
        client_id: r.i("client_id")?,
        client_name: r.s("client_name")?,
        session_id: r.oi("session_id")?,
        session_reference: r.os("session_reference")?,
        credits_invoice_id: r.oi("credits_invoice_id")?,
        status: InvoiceStatus::parse(&r.s("status")?).map_err(decode_err)?,
        number: r.os("number")?,
        issued_on: r.os("issued_on")?,
        due_on: r.os("due_on")?,
        payment_days: r.i("payment_days")?,
        notes: r.s("notes")?,
        net: money("net_minor")?,
        tax: money("tax_minor")?,
        gross: Money::new(gross, currency),
        paid: Money::new(paid, currency),
        credited: Money::new(credited, currency),
        balance: Money::new(gross - paid - credited, currency),
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

list_filter! {
    /// The invoice list's filters.
    pub struct InvoiceFilter {
        sorts: TABLE.sorts,
        /// Invoices in this status.
        pub status: String => #[param(value_type = Option<InvoiceStatus>)],
        /// Invoices or credit notes.
        pub kind: String => #[param(value_type = Option<InvoiceKind>)],
        /// This client's invoices; also how a client contact is scoped to their own.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub client_id: Option<i64>,
        /// Leave drafts out (what a client contact sees); set by the use case.
        #[serde(skip)]
        pub issued_only: bool,
    }
}

/// Invoices matching `f`; `q` searches the number and the client's name and code.
pub async fn list(conn: &mut Conn, f: &InvoiceFilter) -> Result<Page<Invoice>, StoreError> {
    let status = choice(
        "status",
        &f.status,
        InvoiceStatus::ALL,
        InvoiceStatus::as_str,
    )?;
    let kind = choice("kind", &f.kind, InvoiceKind::ALL, InvoiceKind::as_str)?;
    TABLE
        .list(
            conn,
            &f.list,
            |q, _| {
                if let Some(s) = status {
                    q.push(" AND i.status = ").text(s.as_str());
                }
                if let Some(k) = kind {
                    q.push(" AND i.kind = ").text(k.as_str());
                }
                if let Some(c) = f.client_id {
                    q.push(" AND i.client_id = ").int(c);
                }
                if f.issued_only {
                    q.push(" AND i.status <> 'draft'");
                }
            },
            from_row,
        )
        .await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Invoice, StoreError> {
    TABLE.get(conn, id, from_row).await
}

/// What a new draft is made of.
pub struct NewInvoice<'a> {
    pub kind: InvoiceKind,
    pub client_id: i64,
    pub session_id: Option<i64>,
    pub credits_invoice_id: Option<i64>,
    pub currency: Currency,
    pub payment_days: i64,
    pub notes: &'a str,
}

/// Creates a draft without lines; returns its id.
pub async fn insert(conn: &mut Conn, n: &NewInvoice<'_>, now: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO invoices (kind, client_id, session_id, credits_invoice_id, currency, payment_days, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(n.kind.as_str())
    .bind(n.client_id)
    .bind(n.session_id)
    .bind(n.credits_invoice_id)
    .bind(n.currency.as_str().to_owned())
    .bind(n.payment_days)
    .bind(n.notes.to_owned())
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Replaces a draft's lines and totals (and its notes and payment days) as read at `version`.
pub async fn write_draft(
    conn: &mut Conn,
    id: i64,
    version: i64,
    lines: &[(Line, Option<i64>)],
    (notes, payment_days): (&str, i64),
    now: i64,
) -> Result<(), StoreError> {
    let only: Vec<Line> = lines.iter().map(|(l, _)| l.clone()).collect();
    let t: Totals = invoice::totals(&only);
    let n = sqlx::query(
        "UPDATE invoices SET net_minor = $1, tax_minor = $2, gross_minor = $3, notes = $4, payment_days = $5, \
         updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8 AND status = 'draft'",
    )
    .bind(t.net)
    .bind(t.tax)
    .bind(t.gross)
    .bind(notes.to_owned())
    .bind(payment_days)
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    TABLE.check_updated(conn, id, version, n).await?;
    sqlx::query("DELETE FROM invoice_lines WHERE invoice_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for (position, (line, enrollment)) in lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, unit_minor, tax_rate_bp, net_minor, enrollment_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(position as i64 + 1)
        .bind(line.description.clone())
        .bind(line.quantity)
        .bind(line.unit_minor)
        .bind(line.tax_rate)
        .bind(line.net())
        .bind(*enrollment)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn lines(
    conn: &mut Conn,
    id: i64,
    currency: Currency,
) -> Result<Vec<InvoiceLine>, StoreError> {
    let q = sqlx::query(
        "SELECT id, position, description, quantity_milli, unit_minor, tax_rate_bp, net_minor, enrollment_id \
         FROM invoice_lines WHERE invoice_id = $1 ORDER BY position",
    )
    .bind(id);
    crate::row::fetch_all(conn, q, |r| {
        let line = Line {
            description: r.s("description")?,
            quantity: r.i("quantity_milli")?,
            unit_minor: r.i("unit_minor")?,
            tax_rate: r.i("tax_rate_bp")?,
        };
        Ok(InvoiceLine {
            id: r.i("id")?,
            position: r.i("position")?,
            description: line.description.clone(),
            quantity: invoice::quantity_string(line.quantity),
            unit_price: Money::new(line.unit_minor, currency),
            tax_rate: invoice::rate_string(line.tax_rate),
            net: Money::new(r.i("net_minor")?, currency),
            enrollment_id: r.oi("enrollment_id")?,
            line,
        })
    })
    .await
}

/// Takes the next number of `series` in `year`. Call it as the issuing transaction's first write:
/// concurrent issues then queue on the series row, and a rolled-back issue gives its number back.
pub async fn take_number(conn: &mut Conn, series: &str, year: i32) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO invoice_series (series, year, last_number) VALUES ($1, $2, 1) \
         ON CONFLICT (series, year) DO UPDATE SET last_number = invoice_series.last_number + 1 \
         RETURNING last_number",
    )
    .bind(series.to_owned())
    .bind(i64::from(year))
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("last_number")?)
}

/// Issues a draft read at `version`: its number and dates; nothing else may change after this.
pub async fn mark_issued(
    conn: &mut Conn,
    id: i64,
    version: i64,
    number: &str,
    (issued_on, due_on): (&str, &str),
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE invoices SET status = 'issued', number = $1, issued_on = $2, due_on = $3, updated_at = $4, \
         version = version + 1 WHERE id = $5 AND version = $6 AND status = 'draft'",
    )
    .bind(number.to_owned())
    .bind(issued_on.to_owned())
    .bind(due_on.to_owned())
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    TABLE.check_updated(conn, id, version, n).await
}

/// Sets what has been paid and credited on an issued document, and the status that follows.
pub async fn settle(
    conn: &mut Conn,
    id: i64,
    paid: i64,
    credited: i64,
    status: InvoiceStatus,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE invoices SET paid_minor = $1, credited_minor = $2, status = $3, updated_at = $4, \
         version = version + 1 WHERE id = $5 AND status <> 'draft'",
    )
    .bind(paid)
    .bind(credited)
    .bind(status.as_str())
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Discards a draft (kept, archived, for the audit trail).
pub async fn discard_draft(
    conn: &mut Conn,
    id: i64,
    version: i64,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE invoices SET archived_at = $1, updated_at = $1, version = version + 1 \
         WHERE id = $2 AND version = $3 AND status = 'draft' AND archived_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    TABLE.check_updated(conn, id, version, n).await
}

pub async fn add_payment(
    conn: &mut Conn,
    invoice_id: i64,
    amount_minor: i64,
    (received_on, reference): (&str, &str),
    recorded_by: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO invoice_payments (invoice_id, amount_minor, received_on, reference, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(invoice_id)
    .bind(amount_minor)
    .bind(received_on.to_owned())
    .bind(reference.to_owned())
    .bind(recorded_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

pub async fn payments(
    conn: &mut Conn,
    invoice_id: i64,
    currency: Currency,
) -> Result<Vec<Payment>, StoreError> {
    let q = sqlx::query(
        "SELECT id, amount_minor, received_on, reference, created_at FROM invoice_payments \
         WHERE invoice_id = $1 ORDER BY received_on, id",
    )
    .bind(invoice_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok(Payment {
            id: r.i("id")?,
            amount: Money::new(r.i("amount_minor")?, currency),
            received_on: r.s("received_on")?,
            reference: r.s("reference")?,
            recorded_at: r.i("created_at")?,
        })
    })
    .await
}

/// The credit notes written against an invoice (drafts included), oldest first.
pub async fn credit_notes_of(conn: &mut Conn, invoice_id: i64) -> Result<Vec<Invoice>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {}{} WHERE i.credits_invoice_id = $1 AND i.archived_at IS NULL ORDER BY i.id",
        TABLE.columns, TABLE.from
    )))
    .bind(invoice_id);
    crate::row::fetch_all(conn, q, from_row).await
}

/// Adds to (positive) or draws on (negative) a client's credit.
pub async fn add_client_credit(
    conn: &mut Conn,
    client_id: i64,
    amount: Money,
    invoice_id: Option<i64>,
    note: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO client_credits (client_id, currency, amount_minor, invoice_id, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(client_id)
    .bind(amount.currency.as_str().to_owned())
    .bind(amount.minor)
    .bind(invoice_id)
    .bind(note.to_owned())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A client's credit balance per currency (only the currencies with a balance).
pub async fn client_credit(conn: &mut Conn, client_id: i64) -> Result<Vec<Money>, StoreError> {
    let q = sqlx::query(
        "SELECT currency, CAST(SUM(amount_minor) AS BIGINT) AS balance FROM client_credits WHERE client_id = $1 \
         GROUP BY currency HAVING SUM(amount_minor) <> 0 ORDER BY currency",
    )
    .bind(client_id);
    crate::row::fetch_all(conn, q, |r| {
        let currency = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
        Ok(Money::new(r.i("balance")?, currency))
    })
    .await
}

/// The enrollments of a session already billed on a live invoice (not discarded, not fully
/// credited): what a new draft for the session must leave out, so nothing is invoiced twice.
pub async fn billed_enrollments(conn: &mut Conn, session_id: i64) -> Result<Vec<i64>, StoreError> {
    let q = sqlx::query(
        "SELECT l.enrollment_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id \
         JOIN enrollments e ON e.id = l.enrollment_id \
         WHERE e.session_id = $1 AND i.kind = 'invoice' AND i.archived_at IS NULL AND i.status <> 'credited'",
    )
    .bind(session_id);
    crate::row::fetch_all(conn, q, |r| r.i("enrollment_id")).await
}
