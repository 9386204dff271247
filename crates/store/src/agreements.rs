//! Client agreements: a discount on list prices, negotiated rates per course, a billing mode and
//! prepaid seat credits with the ledger that explains their balance.

use crate::courses::decode_err;
use crate::row::{Col, Query};
use crate::table::{Table, list_filter, record_rows};
use crate::{Conn, Page, StoreError};
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::money::{Currency, Money};
use trainyard_core::pricing::{AgreementInput, BillingMode, CreditMove, PriceInput};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Agreement {
    pub id: i64,
    pub client_id: i64,
    pub client_name: String,
    /// The client's currency: negotiated rates are in it.
    #[schema(value_type = String, example = "EUR")]
    pub currency: Currency,
    pub reference: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_to: Option<NaiveDate>,
    /// Discount on list prices in basis points (1250 = 12.5 %).
    pub discount_bp: i64,
    pub billing_mode: BillingMode,
    pub notes: String,
    /// Prepaid seats left over every pool of the agreement.
    pub credits_left: i64,
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

const FROM: &str = " FROM agreements a JOIN clients c ON c.id = a.client_id";

const TABLE: Table = Table {
    name: "agreements",
    columns: "a.id, a.client_id, c.name AS client_name, c.currency, a.reference, a.valid_from, a.valid_to, \
        a.discount_bp, a.billing_mode, a.notes, \
        (SELECT CAST(COALESCE(sum(p.balance), 0) AS BIGINT) FROM credit_pools p WHERE p.agreement_id = a.id) AS credits_left, \
        a.created_at, a.updated_at, a.archived_at, a.version",
    from: FROM,
    count_from: FROM,
    alias: "a.",
    search: &["a.reference", "c.name", "c.code"],
    sorts: &[
        ("reference", "a.reference {dir}"),
        ("client", "c.name {dir}, a.reference {dir}"),
        ("valid_from", "a.valid_from {dir}, a.id {dir}"),
    ],
};

fn bad(e: String) -> sqlx::Error {
    sqlx::Error::Decode(e.into())
}

fn date(raw: &str) -> Result<NaiveDate, sqlx::Error> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(decode_err)
}

fn from_row(r: &AnyRow) -> Result<Agreement, sqlx::Error> {
    Ok(Agreement {
        id: r.i("id")?,
        client_id: r.i("client_id")?,
        client_name: r.s("client_name")?,
        currency: Currency::parse(&r.s("currency")?).map_err(decode_err)?,
        reference: r.s("reference")?,
        valid_from: date(&r.s("valid_from")?)?,
        valid_to: r.os("valid_to")?.as_deref().map(date).transpose()?,
        discount_bp: r.i("discount_bp")?,
        billing_mode: BillingMode::parse(&r.s("billing_mode")?).map_err(bad)?,
        notes: r.s("notes")?,
        credits_left: r.i("credits_left")?,
        created_at: r.i("created_at")?,
        updated_at: r.i("updated_at")?,
        archived_at: r.oi("archived_at")?,
        version: r.i("version")?,
    })
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The input's columns in statement order: `$1` to `$7` of both insert and update.
fn bind_input<'q>(q: Query<'q>, a: &AgreementInput) -> Query<'q> {
    q.bind(a.client_id)
        .bind(a.reference.clone())
        .bind(day(a.valid_from))
        .bind(a.valid_to.map(day))
        .bind(a.discount_bp)
        .bind(a.billing_mode.as_str())
        .bind(a.notes.clone())
}

record_rows!(
    Agreement,
    AgreementInput,
    insert = "INSERT INTO agreements (client_id, reference, valid_from, valid_to, discount_bp, billing_mode, notes, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    update = "UPDATE agreements SET client_id = $1, reference = $2, valid_from = $3, valid_to = $4, discount_bp = $5, \
         billing_mode = $6, notes = $7, updated_at = $8, version = version + 1 WHERE id = $9 AND version = $10",
);

list_filter! {
    /// The agreement list's filters.
    pub struct AgreementFilter {
        sorts: TABLE.sorts,
        /// This client's agreements.
        #[serde(deserialize_with = "crate::row::empty_as_none")]
        pub client_id: Option<i64>,
    }
}

/// Agreements matching `f`: search in the reference and the client's name and code.
pub async fn list(conn: &mut Conn, f: &AgreementFilter) -> Result<Page<Agreement>, StoreError> {
    TABLE
        .list(
            conn,
            &f.list,
            |q, _| {
                if let Some(c) = f.client_id {
                    q.push(" AND a.client_id = ").int(c);
                }
            },
            from_row,
        )
        .await
}

/// The client's agreement in force on `day` (the latest started, if several overlap).
pub async fn in_force(
    conn: &mut Conn,
    client_id: i64,
    day_: NaiveDate,
) -> Result<Option<Agreement>, StoreError> {
    let mut q = crate::row::Sql::new(&format!("SELECT {}{FROM}", TABLE.columns));
    q.push(" WHERE a.client_id = ")
        .int(client_id)
        .push(" AND a.archived_at IS NULL AND a.valid_from <= ")
        .text(&day(day_))
        .push(" AND (a.valid_to IS NULL OR a.valid_to >= ")
        .text(&day(day_))
        .push(") ORDER BY a.valid_from DESC, a.id DESC LIMIT 1");
    Ok(q.query()
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?)
}

/// What pricing an enrollment needs of a client, in one read: its currency and the agreement in
/// force on `day` (the latest started), as `(agreement id, discount in basis points)`.
pub async fn pricing_terms(
    conn: &mut Conn,
    client_id: i64,
    day_: NaiveDate,
) -> Result<(Currency, Option<(i64, i64)>), StoreError> {
    let d = day(day_);
    let r = sqlx::query(
        "SELECT c.currency, a.id AS agreement_id, a.discount_bp FROM clients c LEFT JOIN agreements a \
         ON a.client_id = c.id AND a.archived_at IS NULL AND a.valid_from <= $2 AND (a.valid_to IS NULL OR a.valid_to >= $2) \
         WHERE c.id = $1 ORDER BY a.valid_from DESC, a.id DESC LIMIT 1",
    )
    .bind(client_id)
    .bind(d)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let currency = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
    let agreement = match r.oi("agreement_id")? {
        Some(id) => Some((id, r.i("discount_bp")?)),
        None => None,
    };
    Ok((currency, agreement))
}

/// Every agreement of a client, newest first (the client page's list).
pub async fn of_client(conn: &mut Conn, client_id: i64) -> Result<Vec<Agreement>, StoreError> {
    let mut q = crate::row::Sql::new(&format!("SELECT {}{FROM}", TABLE.columns));
    q.push(" WHERE a.client_id = ")
        .int(client_id)
        .push(" ORDER BY a.valid_from DESC, a.id DESC LIMIT 200");
    crate::row::fetch_all(conn, q.query(), from_row).await
}

/// Bumps the agreement's version and time: the first write of a change to its rates or credits,
/// so concurrent changes queue on the agreement row.
pub async fn touch(conn: &mut Conn, id: i64, now: i64) -> Result<(), StoreError> {
    let n = sqlx::query("UPDATE agreements SET updated_at = $1 WHERE id = $2")
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

// ---------------------------------------------------------------- negotiated rates

/// A negotiated rate of an agreement for one course.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AgreementRate {
    pub course_id: i64,
    pub course_title: String,
    pub seat_price: Option<Money>,
    pub day_price: Option<Money>,
    pub flat_price: Option<Money>,
}

fn money(r: &AnyRow, col: &str, c: Currency) -> Result<Option<Money>, sqlx::Error> {
    Ok(r.oi(col)?.map(|m| Money::new(m, c)))
}

pub async fn rates(conn: &mut Conn, agreement_id: i64) -> Result<Vec<AgreementRate>, StoreError> {
    let q = sqlx::query(
        "SELECT r.course_id, co.title, r.currency, r.seat_minor, r.day_minor, r.flat_minor FROM agreement_rates r \
         JOIN courses co ON co.id = r.course_id WHERE r.agreement_id = $1 ORDER BY co.title, r.course_id LIMIT 1000",
    )
    .bind(agreement_id);
    crate::row::fetch_all(conn, q, |r| {
        let c = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
        Ok(AgreementRate {
            course_id: r.i("course_id")?,
            course_title: r.s("title")?,
            seat_price: money(r, "seat_minor", c)?,
            day_price: money(r, "day_minor", c)?,
            flat_price: money(r, "flat_minor", c)?,
        })
    })
    .await
}

/// The negotiated seat price of an agreement for a course, if any.
pub async fn negotiated_seat(
    conn: &mut Conn,
    agreement_id: i64,
    course_id: i64,
) -> Result<Option<Money>, StoreError> {
    let r = sqlx::query(
        "SELECT currency, seat_minor FROM agreement_rates WHERE agreement_id = $1 AND course_id = $2",
    )
    .bind(agreement_id)
    .bind(course_id)
    .fetch_optional(&mut *conn)
    .await?;
    match r {
        Some(r) => {
            let c = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
            Ok(money(&r, "seat_minor", c)?)
        }
        None => Ok(None),
    }
}

pub async fn set_rate(
    conn: &mut Conn,
    agreement_id: i64,
    course_id: i64,
    p: &PriceInput,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO agreement_rates (agreement_id, course_id, currency, seat_minor, day_minor, flat_minor, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (agreement_id, course_id) DO UPDATE SET \
         currency = excluded.currency, seat_minor = excluded.seat_minor, day_minor = excluded.day_minor, \
         flat_minor = excluded.flat_minor, updated_at = excluded.updated_at",
    )
    .bind(agreement_id)
    .bind(course_id)
    .bind(p.currency.as_str().to_owned())
    .bind(p.seat.map(|m| m.minor))
    .bind(p.day.map(|m| m.minor))
    .bind(p.flat.map(|m| m.minor))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn remove_rate(
    conn: &mut Conn,
    agreement_id: i64,
    course_id: i64,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("DELETE FROM agreement_rates WHERE agreement_id = $1 AND course_id = $2")
            .bind(agreement_id)
            .bind(course_id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
            > 0,
    )
}

// ---------------------------------------------------------------- prepaid credits

/// Prepaid seats of an agreement for one course or any.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CreditPool {
    pub id: i64,
    /// `None`: good for any course.
    pub course_id: Option<i64>,
    pub course_title: Option<String>,
    pub balance: i64,
}

/// One line of the credit ledger.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CreditEntry {
    pub id: i64,
    pub pool_id: i64,
    pub course_title: Option<String>,
    pub movement: CreditMove,
    /// Signed: + into the pool, − out of it.
    pub seats: i64,
    pub enrollment_id: Option<i64>,
    pub learner_name: Option<String>,
    pub session_reference: Option<String>,
    pub note: String,
    #[serde(serialize_with = "crate::row::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

pub async fn pools(conn: &mut Conn, agreement_id: i64) -> Result<Vec<CreditPool>, StoreError> {
    let q = sqlx::query(
        "SELECT p.id, p.course_id, co.title, p.balance FROM credit_pools p LEFT JOIN courses co ON co.id = p.course_id \
         WHERE p.agreement_id = $1 ORDER BY p.course_id IS NULL, co.title, p.id LIMIT 500",
    )
    .bind(agreement_id);
    crate::row::fetch_all(conn, q, |r| {
        Ok(CreditPool {
            id: r.i("id")?,
            course_id: r.oi("course_id")?,
            course_title: r.os("title")?,
            balance: r.i("balance")?,
        })
    })
    .await
}

pub async fn ledger(conn: &mut Conn, agreement_id: i64) -> Result<Vec<CreditEntry>, StoreError> {
    let q = sqlx::query(
        "SELECT g.id, g.pool_id, co.title, g.movement, g.seats, g.enrollment_id, l.first_name, l.last_name, \
         s.reference, g.note, g.created_at FROM credit_ledger g JOIN credit_pools p ON p.id = g.pool_id \
         LEFT JOIN courses co ON co.id = p.course_id LEFT JOIN enrollments e ON e.id = g.enrollment_id \
         LEFT JOIN learners l ON l.id = e.learner_id LEFT JOIN sessions s ON s.id = e.session_id \
         WHERE g.agreement_id = $1 ORDER BY g.id DESC LIMIT 2000",
    )
    .bind(agreement_id);
    crate::row::fetch_all(conn, q, |r| {
        let first = r.os("first_name")?;
        let last = r.os("last_name")?;
        Ok(CreditEntry {
            id: r.i("id")?,
            pool_id: r.i("pool_id")?,
            course_title: r.os("title")?,
            movement: CreditMove::parse(&r.s("movement")?).map_err(bad)?,
            seats: r.i("seats")?,
            enrollment_id: r.oi("enrollment_id")?,
            learner_name: first.zip(last).map(|(f, l)| format!("{f} {l}")),
            session_reference: r.os("reference")?,
            note: r.s("note")?,
            created_at: r.i("created_at")?,
        })
    })
    .await
}

/// The pool of an agreement for `course_id` (`None`: any course), created empty when missing.
pub async fn pool_for(
    conn: &mut Conn,
    agreement_id: i64,
    course_id: Option<i64>,
    now: i64,
) -> Result<i64, StoreError> {
    let mut q = crate::row::Sql::new("SELECT id FROM credit_pools WHERE agreement_id = ");
    q.int(agreement_id);
    match course_id {
        Some(c) => q.push(" AND course_id = ").int(c),
        None => q.push(" AND course_id IS NULL"),
    };
    q.push(" ORDER BY id LIMIT 1");
    if let Some(r) = q.query().fetch_optional(&mut *conn).await? {
        return Ok(r.i("id")?);
    }
    let r = sqlx::query(
        "INSERT INTO credit_pools (agreement_id, course_id, balance, created_at) VALUES ($1, $2, 0, $3) RETURNING id",
    )
    .bind(agreement_id)
    .bind(course_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.i("id")?)
}

/// Adds (or, negative, removes) seats; `false` when that would take the balance below zero.
pub async fn adjust_pool(conn: &mut Conn, pool_id: i64, seats: i64) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "UPDATE credit_pools SET balance = balance + $1 WHERE id = $2 AND balance + $1 >= 0",
    )
    .bind(seats)
    .bind(pool_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}

/// Draws one prepaid seat for `course_id`: from the course's own pool first, then from the
/// agreement's any-course pool. Each try is one guarded `UPDATE … WHERE balance > 0`, so
/// concurrent draws never take a pool below zero. The pool drawn from, or `None`.
pub async fn draw(
    conn: &mut Conn,
    agreement_id: i64,
    course_id: i64,
) -> Result<Option<i64>, StoreError> {
    let candidates = sqlx::query(
        "SELECT id FROM credit_pools WHERE agreement_id = $1 AND (course_id = $2 OR course_id IS NULL) \
         AND balance > 0 ORDER BY course_id IS NULL, id LIMIT 20",
    )
    .bind(agreement_id)
    .bind(course_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in candidates {
        let id = r.i("id")?;
        let n = sqlx::query(
            "UPDATE credit_pools SET balance = balance - 1 WHERE id = $1 AND balance > 0",
        )
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if n == 1 {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

pub struct NewEntry<'a> {
    pub pool_id: i64,
    pub agreement_id: i64,
    pub movement: CreditMove,
    pub seats: i64,
    pub enrollment_id: Option<i64>,
    pub note: &'a str,
    pub recorded_by: Option<i64>,
}

pub async fn record(conn: &mut Conn, e: &NewEntry<'_>, now: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO credit_ledger (pool_id, agreement_id, movement, seats, enrollment_id, note, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.pool_id)
    .bind(e.agreement_id)
    .bind(e.movement.as_str())
    .bind(e.seats)
    .bind(e.enrollment_id)
    .bind(e.note.to_owned())
    .bind(e.recorded_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The agreement and credit pool that priced an enrollment: `(agreement_id, credit_pool_id)`.
pub async fn enrollment_terms(
    conn: &mut Conn,
    enrollment_id: i64,
) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let r = sqlx::query("SELECT agreement_id, credit_pool_id FROM enrollments WHERE id = $1")
        .bind(enrollment_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((r.oi("agreement_id")?, r.oi("credit_pool_id")?))
}

/// Writes an enrollment's price with the agreement and credit pool behind it.
pub async fn price_enrollment(
    conn: &mut Conn,
    enrollment_id: i64,
    price: Money,
    agreement_id: Option<i64>,
    credit_pool_id: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE enrollments SET currency = $1, price_minor = $2, agreement_id = $3, credit_pool_id = $4 WHERE id = $5",
    )
    .bind(price.currency.as_str().to_owned())
    .bind(price.minor)
    .bind(agreement_id)
    .bind(credit_pool_id)
    .bind(enrollment_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The enrollment no longer holds a prepaid seat (it was given back).
pub async fn release_credit(conn: &mut Conn, enrollment_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE enrollments SET credit_pool_id = NULL WHERE id = $1")
        .bind(enrollment_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Pools whose balance differs from the sum of their ledger (none, when every writer went
/// through the use cases): `(pool id, balance, ledger sum)`.
pub async fn unexplained_balances(conn: &mut Conn) -> Result<Vec<(i64, i64, i64)>, StoreError> {
    let q = sqlx::query(
        "SELECT p.id, p.balance, CAST(COALESCE((SELECT sum(g.seats) FROM credit_ledger g WHERE g.pool_id = p.id), 0) AS BIGINT) AS total \
         FROM credit_pools p ORDER BY p.id LIMIT 10000",
    );
    let rows = crate::row::fetch_all(conn, q, |r| {
        Ok((r.i("id")?, r.i("balance")?, r.i("total")?))
    })
    .await?;
    Ok(rows.into_iter().filter(|(_, b, t)| b != t).collect())
}
