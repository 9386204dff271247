//! Cancellation policies (per agreement, and the company's default) and the fees cancellations
//! cost (issue 15 §3, migration 0038).

use crate::courses::decode_err;
use crate::row::{Col, fetch_all};
use crate::{Conn, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::money::{Currency, Money};

/// A policy as stored: `agreement_id` `None` is the company's default.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyRow {
    pub agreement_id: Option<i64>,
    /// "14:0, 7:50, 0:100": days of notice, percent of the price kept.
    pub tiers: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    pub version: i64,
}

fn policy_row(r: &AnyRow) -> Result<PolicyRow, sqlx::Error> {
    Ok(PolicyRow {
        agreement_id: r.oi("agreement_id")?,
        tiers: r.s("tiers")?,
        updated_at: r.i("updated_at")?,
        version: r.i("version")?,
    })
}

/// The agreement's own policy (`Some(id)`) or the company's default (`None`).
pub async fn policy(
    conn: &mut Conn,
    agreement_id: Option<i64>,
) -> Result<Option<PolicyRow>, StoreError> {
    let q = sqlx::query(
        "SELECT agreement_id, tiers, updated_at, version FROM cancellation_policies \
         WHERE COALESCE(agreement_id, 0) = $1",
    )
    .bind(agreement_id.unwrap_or(0));
    Ok(fetch_all(conn, q, policy_row).await?.into_iter().next())
}

/// The policy that applies under an agreement: its own, else the company's default; `None` when
/// neither is set (cancellations cost nothing).
pub async fn policy_in_force(
    conn: &mut Conn,
    agreement_id: Option<i64>,
) -> Result<Option<PolicyRow>, StoreError> {
    if agreement_id.is_some()
        && let Some(own) = policy(conn, agreement_id).await?
    {
        return Ok(Some(own));
    }
    policy(conn, None).await
}

/// Writes a policy (the canonical tier text); an empty `tiers` removes it.
pub async fn set_policy(
    conn: &mut Conn,
    agreement_id: Option<i64>,
    tiers: &str,
    now: i64,
) -> Result<(), StoreError> {
    if tiers.is_empty() {
        sqlx::query("DELETE FROM cancellation_policies WHERE COALESCE(agreement_id, 0) = $1")
            .bind(agreement_id.unwrap_or(0))
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    let n = sqlx::query(
        "UPDATE cancellation_policies SET tiers = $1, updated_at = $2, version = version + 1 \
         WHERE COALESCE(agreement_id, 0) = $3",
    )
    .bind(tiers.to_owned())
    .bind(now)
    .bind(agreement_id.unwrap_or(0))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        sqlx::query(
            "INSERT INTO cancellation_policies (agreement_id, tiers, updated_at) VALUES ($1, $2, $3)",
        )
        .bind(agreement_id)
        .bind(tiers.to_owned())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What one cancellation cost.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Fee {
    pub id: i64,
    pub enrollment_id: i64,
    pub session_id: i64,
    pub client_id: i64,
    /// What was cancelled ("Course (S-00012, 2027-03-15): learner").
    pub description: String,
    /// The price the fee was judged on.
    pub price: Money,
    /// Days between the cancellation and the start, in the session's time zone.
    pub notice_days: i64,
    /// Share of the price kept, in basis points (5000 = 50 %).
    pub fee_bp: i64,
    pub fee: Money,
    /// The tax rate of the invoice line the fee follows (basis points), when it had one.
    pub tax_rate_bp: Option<i64>,
    /// The invoice that bills the fee: the one the enrollment was on, or the month's run's.
    pub invoice_id: Option<i64>,
    /// The credit note that gave back the rest of an invoiced price.
    pub credit_note_id: Option<i64>,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub cancelled_at: i64,
}

const FEE_COLUMNS: &str = "f.id, f.enrollment_id, f.session_id, f.client_id, f.description, f.currency, \
    f.price_minor, f.notice_days, f.fee_bp, f.fee_minor, f.tax_rate_bp, f.invoice_id, f.credit_note_id, f.cancelled_at";

fn fee_row(r: &AnyRow) -> Result<Fee, sqlx::Error> {
    let currency = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
    Ok(Fee {
        id: r.i("id")?,
        enrollment_id: r.i("enrollment_id")?,
        session_id: r.i("session_id")?,
        client_id: r.i("client_id")?,
        description: r.s("description")?,
        price: Money::new(r.i("price_minor")?, currency),
        notice_days: r.i("notice_days")?,
        fee_bp: r.i("fee_bp")?,
        fee: Money::new(r.i("fee_minor")?, currency),
        tax_rate_bp: r.oi("tax_rate_bp")?,
        invoice_id: r.oi("invoice_id")?,
        credit_note_id: r.oi("credit_note_id")?,
        cancelled_at: r.i("cancelled_at")?,
    })
}

/// A fee to record.
#[derive(Debug, Clone)]
pub struct NewFee<'a> {
    pub enrollment_id: i64,
    pub session_id: i64,
    pub client_id: i64,
    pub description: &'a str,
    pub price: Money,
    pub notice_days: i64,
    pub fee_bp: i64,
    pub fee: Money,
    pub tax_rate_bp: Option<i64>,
    pub invoice_id: Option<i64>,
    pub credit_note_id: Option<i64>,
}

/// Records a fee; a second fee for the same enrollment is [`StoreError::Duplicate`].
pub async fn insert_fee(conn: &mut Conn, f: &NewFee<'_>, now: i64) -> Result<i64, StoreError> {
    let q = sqlx::query(
        "INSERT INTO cancellation_fees (enrollment_id, session_id, client_id, description, currency, price_minor, \
         notice_days, fee_bp, fee_minor, tax_rate_bp, invoice_id, credit_note_id, cancelled_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(f.enrollment_id)
    .bind(f.session_id)
    .bind(f.client_id)
    .bind(f.description.to_owned())
    .bind(f.price.currency.as_str().to_owned())
    .bind(f.price.minor)
    .bind(f.notice_days)
    .bind(f.fee_bp)
    .bind(f.fee.minor)
    .bind(f.tax_rate_bp)
    .bind(f.invoice_id)
    .bind(f.credit_note_id)
    .bind(now);
    let ids = fetch_all(conn, q, |r| r.i("id")).await?;
    ids.into_iter().next().ok_or(StoreError::NotFound)
}

/// The fee of a cancelled enrollment, if it cost one.
pub async fn fee_of_enrollment(
    conn: &mut Conn,
    enrollment_id: i64,
) -> Result<Option<Fee>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FEE_COLUMNS} FROM cancellation_fees f WHERE f.enrollment_id = $1"
    )))
    .bind(enrollment_id);
    Ok(fetch_all(conn, q, fee_row).await?.into_iter().next())
}

/// A client's fees, newest first (the client portal, the client's page).
pub async fn fees_of_client(
    conn: &mut Conn,
    client_id: i64,
    limit: i64,
) -> Result<Vec<Fee>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FEE_COLUMNS} FROM cancellation_fees f WHERE f.client_id = $1 AND f.fee_minor > 0 \
         ORDER BY f.cancelled_at DESC, f.id DESC LIMIT $2"
    )))
    .bind(client_id)
    .bind(limit);
    fetch_all(conn, q, fee_row).await
}

/// Fees not yet on a live invoice (none yet, or theirs was discarded or credited) of
/// cancellations before `until`: what a month's run bills, by client.
pub async fn unbilled_fees(conn: &mut Conn, until: i64) -> Result<Vec<Fee>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FEE_COLUMNS} FROM cancellation_fees f LEFT JOIN invoices i ON i.id = f.invoice_id \
         WHERE f.fee_minor > 0 AND f.cancelled_at < $1 \
           AND (f.invoice_id IS NULL OR i.archived_at IS NOT NULL OR i.status = 'credited') \
         ORDER BY f.client_id, f.id"
    )))
    .bind(until);
    fetch_all(conn, q, fee_row).await
}

/// The client's fees among `fees` not yet on a live invoice (re-read inside the billing
/// transaction, so a fee billed meanwhile is not billed twice).
pub async fn still_unbilled(conn: &mut Conn, fee_ids: &[i64]) -> Result<Vec<Fee>, StoreError> {
    let mut out = Vec::new();
    for &id in fee_ids {
        let q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FEE_COLUMNS} FROM cancellation_fees f LEFT JOIN invoices i ON i.id = f.invoice_id \
             WHERE f.id = $1 AND (f.invoice_id IS NULL OR i.archived_at IS NOT NULL OR i.status = 'credited')"
        )))
        .bind(id);
        out.extend(fetch_all(conn, q, fee_row).await?);
    }
    Ok(out)
}

/// Notes the invoice that bills a fee.
pub async fn mark_invoiced(
    conn: &mut Conn,
    fee_id: i64,
    invoice_id: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE cancellation_fees SET invoice_id = $1 WHERE id = $2")
        .bind(invoice_id)
        .bind(fee_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The fees an invoice or credit note shows (billed on it, or given back by it).
pub async fn fees_of_invoice(conn: &mut Conn, invoice_id: i64) -> Result<Vec<Fee>, StoreError> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {FEE_COLUMNS} FROM cancellation_fees f WHERE f.invoice_id = $1 OR f.credit_note_id = $1 ORDER BY f.id"
    )))
    .bind(invoice_id);
    fetch_all(conn, q, fee_row).await
}

/// The live invoice line that billed an enrollment: (invoice id, unit price, tax rate bp,
/// quantity in thousandths), when an issued, not fully credited invoice bills it.
pub async fn invoiced_line(
    conn: &mut Conn,
    enrollment_id: i64,
) -> Result<Option<(i64, i64, i64, i64)>, StoreError> {
    let q = sqlx::query(
        "SELECT i.id AS invoice_id, l.unit_minor, l.tax_rate_bp, l.quantity_milli FROM invoice_lines l \
         JOIN invoices i ON i.id = l.invoice_id \
         WHERE l.enrollment_id = $1 AND i.kind = 'invoice' AND i.archived_at IS NULL \
           AND i.status NOT IN ('draft', 'credited') ORDER BY i.id DESC",
    )
    .bind(enrollment_id);
    Ok(fetch_all(conn, q, |r| {
        Ok((
            r.i("invoice_id")?,
            r.i("unit_minor")?,
            r.i("tax_rate_bp")?,
            r.i("quantity_milli")?,
        ))
    })
    .await?
    .into_iter()
    .next())
}
