//! Course prices in other currencies, tax rates by region, the company's base currency and tax
//! region, and dated exchange rates to the base currency.

use crate::courses::decode_err;
use crate::row::Col;
use crate::{Conn, StoreError};
use chrono::NaiveDate;
use serde::Serialize;
use sqlx::any::AnyRow;
use trainyard_core::money::{Currency, Money};
use trainyard_core::pricing::{ExchangeRate, PriceInput, RegionRate};

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn date(raw: &str) -> Result<NaiveDate, sqlx::Error> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(decode_err)
}

fn money(r: &AnyRow, col: &str, c: Currency) -> Result<Option<Money>, sqlx::Error> {
    Ok(r.oi(col)?.map(|m| Money::new(m, c)))
}

// ---------------------------------------------------------------- course prices

/// A course's prices in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CoursePrice {
    #[schema(value_type = String, example = "CHF")]
    pub currency: Currency,
    /// Public price per seat.
    pub seat_price: Option<Money>,
    /// Private session price per day.
    pub day_price: Option<Money>,
    /// Private session flat price.
    pub flat_price: Option<Money>,
}

pub async fn course_prices(
    conn: &mut Conn,
    course_id: i64,
) -> Result<Vec<CoursePrice>, StoreError> {
    let q = sqlx::query(
        "SELECT currency, seat_minor, day_minor, flat_minor FROM course_prices WHERE course_id = $1 \
         ORDER BY currency LIMIT 200",
    )
    .bind(course_id);
    crate::row::fetch_all(conn, q, |r| {
        let c = Currency::parse(&r.s("currency")?).map_err(decode_err)?;
        Ok(CoursePrice {
            currency: c,
            seat_price: money(r, "seat_minor", c)?,
            day_price: money(r, "day_minor", c)?,
            flat_price: money(r, "flat_minor", c)?,
        })
    })
    .await
}

pub async fn set_course_price(
    conn: &mut Conn,
    course_id: i64,
    p: &PriceInput,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO course_prices (course_id, currency, seat_minor, day_minor, flat_minor, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (course_id, currency) DO UPDATE SET \
         seat_minor = excluded.seat_minor, day_minor = excluded.day_minor, flat_minor = excluded.flat_minor, \
         updated_at = excluded.updated_at",
    )
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

pub async fn remove_course_price(
    conn: &mut Conn,
    course_id: i64,
    currency: Currency,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("DELETE FROM course_prices WHERE course_id = $1 AND currency = $2")
            .bind(course_id)
            .bind(currency.as_str().to_owned())
            .execute(&mut *conn)
            .await?
            .rows_affected()
            > 0,
    )
}

// ---------------------------------------------------------------- tax rates

/// A region's tax rate from a day on.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TaxRate {
    pub id: i64,
    /// The region's code, e.g. "DE".
    pub region: String,
    pub name: String,
    /// Basis points: 1900 is 19 %.
    pub rate_bp: i64,
    /// As people read it: "19", "8.1".
    pub rate: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
}

impl TaxRate {
    pub fn as_region_rate(&self) -> RegionRate {
        RegionRate {
            region: self.region.clone(),
            valid_from: self.valid_from,
            rate_bp: self.rate_bp,
        }
    }
}

pub async fn tax_rates(conn: &mut Conn) -> Result<Vec<TaxRate>, StoreError> {
    let q = sqlx::query(
        "SELECT id, region, name, rate_bp, valid_from FROM tax_rates ORDER BY region, valid_from LIMIT 2000",
    );
    crate::row::fetch_all(conn, q, |r| {
        let bp = r.i("rate_bp")?;
        Ok(TaxRate {
            id: r.i("id")?,
            region: r.s("region")?,
            name: r.s("name")?,
            rate_bp: bp,
            rate: trainyard_core::pricing::percent_number(bp),
            valid_from: date(&r.s("valid_from")?)?,
        })
    })
    .await
}

/// Adds a region's rate from a day on; the same region and day again replaces name and rate.
pub async fn set_tax_rate(
    conn: &mut Conn,
    region: &str,
    name: &str,
    rate_bp: i64,
    valid_from: NaiveDate,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tax_rates (region, name, rate_bp, valid_from, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (region, valid_from) DO UPDATE SET name = excluded.name, rate_bp = excluded.rate_bp",
    )
    .bind(region.to_owned())
    .bind(name.to_owned())
    .bind(rate_bp)
    .bind(day(valid_from))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A client's tax region (`None`: the company's).
pub async fn client_tax_region(
    conn: &mut Conn,
    client_id: i64,
) -> Result<Option<String>, StoreError> {
    let r = sqlx::query("SELECT tax_region FROM clients WHERE id = $1")
        .bind(client_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(r.os("tax_region")?)
}

pub async fn set_client_tax_region(
    conn: &mut Conn,
    client_id: i64,
    region: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE clients SET tax_region = $1, updated_at = $2, version = version + 1 WHERE id = $3",
    )
    .bind(region.map(str::to_owned))
    .bind(now)
    .bind(client_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

// ---------------------------------------------------------------- finance settings

/// The company's base currency and tax region.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FinanceSettings {
    #[schema(value_type = String, example = "EUR")]
    pub base_currency: Currency,
    /// The company's own region: the rate of clients without one.
    pub tax_region: Option<String>,
}

pub async fn settings(conn: &mut Conn) -> Result<FinanceSettings, StoreError> {
    let r = sqlx::query("SELECT base_currency, tax_region FROM finance_settings WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    match r {
        Some(r) => Ok(FinanceSettings {
            base_currency: Currency::parse(&r.s("base_currency")?).map_err(decode_err)?,
            tax_region: r.os("tax_region")?,
        }),
        None => Ok(FinanceSettings {
            base_currency: Currency::EUR,
            tax_region: None,
        }),
    }
}

pub async fn set_settings(
    conn: &mut Conn,
    s: &FinanceSettings,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO finance_settings (id, base_currency, tax_region, updated_at) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET base_currency = excluded.base_currency, tax_region = excluded.tax_region, \
         updated_at = excluded.updated_at",
    )
    .bind(s.base_currency.as_str().to_owned())
    .bind(s.tax_region.clone())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- exchange rates

/// A stored exchange rate.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredRate {
    pub id: i64,
    #[serde(flatten)]
    pub rate: ExchangeRate,
    /// The rate as text: "1.1734".
    pub rate_text: String,
}

pub async fn exchange_rates(
    conn: &mut Conn,
    currency: Option<Currency>,
) -> Result<Vec<StoredRate>, StoreError> {
    let mut q = crate::row::Sql::new(
        "SELECT id, currency, on_date, rate_micro FROM exchange_rates WHERE 1 = 1",
    );
    if let Some(c) = currency {
        q.push(" AND currency = ").text(c.as_str());
    }
    q.push(" ORDER BY currency, on_date DESC LIMIT 5000");
    crate::row::fetch_all(conn, q.query(), |r| {
        let micro = r.i("rate_micro")?;
        Ok(StoredRate {
            id: r.i("id")?,
            rate: ExchangeRate {
                currency: Currency::parse(&r.s("currency")?).map_err(decode_err)?,
                on: date(&r.s("on_date")?)?,
                rate_micro: micro,
            },
            rate_text: trainyard_core::pricing::rate_micro_string(micro),
        })
    })
    .await
}

/// Sets the rate of a currency on a day (the same day again replaces it).
pub async fn set_exchange_rate(
    conn: &mut Conn,
    r: &ExchangeRate,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO exchange_rates (currency, on_date, rate_micro, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (currency, on_date) DO UPDATE SET rate_micro = excluded.rate_micro",
    )
    .bind(r.currency.as_str().to_owned())
    .bind(day(r.on))
    .bind(r.rate_micro)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
