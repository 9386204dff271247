//! Course prices in other currencies, tax rates by region (and the region of each client), the
//! company's base currency, and dated exchange rates with [`to_base`] for reports. Finance,
//! managers and admins read and write all of it.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use chrono::NaiveDate;
use trainyard_core::Invalid;
use trainyard_core::money::{Currency, Money};
use trainyard_core::pricing::{self, ConversionError, ExchangeRate, PriceFields};
use trainyard_store::Conn;
use trainyard_store::prices::{self as repo, CoursePrice, FinanceSettings, StoredRate, TaxRate};

/// Audit entities whose whole history is finance data.
pub const FINANCE_ENTITIES: &[&str] =
    &["agreement", "tax_rate", "exchange_rate", "finance_settings"];

// ---------------------------------------------------------------- course prices

/// A course's prices in other currencies (finance data).
pub async fn course_prices(
    app: &App,
    caller: &Caller,
    course_id: i64,
) -> Result<Vec<CoursePrice>, AppError> {
    caller.require_finance("see course prices")?;
    let mut conn = app.store.read().await?;
    trainyard_store::courses::get(&mut conn, course_id)
        .await
        .about("course")?;
    Ok(repo::course_prices(&mut conn, course_id).await?)
}

/// Sets a course's prices in one currency (seat, day, flat; at least one).
pub async fn set_course_price(
    app: &App,
    caller: &Caller,
    course_id: i64,
    fields: &PriceFields,
) -> Result<Vec<CoursePrice>, AppError> {
    caller.require_finance("change course prices")?;
    let input = fields.validate()?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    // Write first: the course row orders concurrent price changes.
    trainyard_store::courses::get(&mut tx, course_id)
        .await
        .about("course")?;
    let before = repo::course_prices(&mut tx, course_id).await?;
    repo::set_course_price(&mut tx, course_id, &input, now).await?;
    let after = repo::course_prices(&mut tx, course_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "course.prices_set",
        ("course", course_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn remove_course_price(
    app: &App,
    caller: &Caller,
    course_id: i64,
    currency: &str,
) -> Result<Vec<CoursePrice>, AppError> {
    caller.require_finance("change course prices")?;
    let currency = pricing::known_currency(currency).map_err(|e| Invalid::field("currency", e))?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    trainyard_store::courses::get(&mut tx, course_id)
        .await
        .about("course")?;
    let before = repo::course_prices(&mut tx, course_id).await?;
    if !repo::remove_course_price(&mut tx, course_id, currency).await? {
        return Err(AppError::NotFound("course price"));
    }
    let after = repo::course_prices(&mut tx, course_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "course.prices_set",
        ("course", course_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

// ---------------------------------------------------------------- tax rates

/// A tax rate as typed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TaxRateFields {
    /// The region's code, e.g. "DE" or "CH".
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub region: String,
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub name: String,
    /// Percent, e.g. "19" or "8.1".
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub rate: String,
    /// YYYY-MM-DD.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub valid_from: String,
}

/// Tax rates, regions and the company's settings, as the rates page and `GET /tax-rates` show them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TaxRates {
    pub settings: FinanceSettings,
    pub rates: Vec<TaxRate>,
}

pub async fn tax_rates(app: &App, caller: &Caller) -> Result<TaxRates, AppError> {
    caller.require_finance("see tax rates")?;
    let mut conn = app.store.read().await?;
    Ok(TaxRates {
        settings: repo::settings(&mut conn).await?,
        rates: repo::tax_rates(&mut conn).await?,
    })
}

/// Adds a region's tax rate from a day on (the same region and day again replaces it).
pub async fn set_tax_rate(
    app: &App,
    caller: &Caller,
    f: &TaxRateFields,
) -> Result<TaxRates, AppError> {
    caller.require_finance("change tax rates")?;
    let mut inv = Invalid::new();
    let region = inv.check("region", pricing::region_code(&f.region));
    let name = inv.check(
        "name",
        trainyard_core::invalid::text::required(&f.name, 100),
    );
    let rate = inv.check(
        "rate",
        if f.rate.trim().is_empty() {
            Err("is required".to_owned())
        } else {
            trainyard_core::invoice::parse_rate(&f.rate)
        },
    );
    let from = inv.check("valid_from", pricing::parse_date(&f.valid_from));
    let (Some(region), Some(name), Some(rate), Some(from)) = (region, name, rate, from) else {
        return Err(inv.into());
    };
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::set_tax_rate(&mut tx, &region, &name, rate, from, now).await?;
    let after = repo::tax_rates(&mut tx).await?;
    let entry = after
        .iter()
        .find(|r| r.region == region && r.valid_from == from);
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "tax_rate.set",
        ("tax_rate", entry.map_or(0, |r| r.id)),
        None,
        entry,
    )
    .await?;
    let settings = repo::settings(&mut tx).await?;
    tx.commit().await?;
    Ok(TaxRates {
        settings,
        rates: after,
    })
}

/// The company's settings as typed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SettingsFields {
    /// ISO 4217 code of the base currency reports convert to.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub base_currency: String,
    /// The company's tax region (a region with a rate); empty for none.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub tax_region: String,
}

async fn known_region(conn: &mut Conn, raw: &str) -> Result<Option<String>, Invalid> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    let code = pricing::region_code(raw).map_err(|e| Invalid::field("tax_region", e))?;
    let rates = repo::tax_rates(conn)
        .await
        .map_err(|_| Invalid::field("tax_region", "could not read the tax regions"))?;
    if !rates.iter().any(|r| r.region == code) {
        return Err(Invalid::field(
            "tax_region",
            format!("'{code}' is not a tax region: add its rate first"),
        ));
    }
    Ok(Some(code))
}

pub async fn set_settings(
    app: &App,
    caller: &Caller,
    f: &SettingsFields,
) -> Result<TaxRates, AppError> {
    caller.require_finance("change the finance settings")?;
    let base = pricing::known_currency(&f.base_currency)
        .map_err(|e| Invalid::field("base_currency", e))?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let region = known_region(&mut tx, &f.tax_region).await?;
    let before = repo::settings(&mut tx).await?;
    let after = FinanceSettings {
        base_currency: base,
        tax_region: region,
    };
    repo::set_settings(&mut tx, &after, now).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "finance_settings.updated",
        ("finance_settings", 1),
        Some(&before),
        Some(&after),
    )
    .await?;
    let rates = repo::tax_rates(&mut tx).await?;
    tx.commit().await?;
    Ok(TaxRates {
        settings: after,
        rates,
    })
}

/// A client's tax region and the rate it gives today.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ClientTax {
    pub client_id: i64,
    /// The client's own region; `None`: the company's.
    pub tax_region: Option<String>,
    /// The region that applies (the client's, else the company's).
    pub applies: Option<String>,
    /// Today's rate of that region, as people read it ("19"); `None` when it has none.
    pub rate: Option<String>,
}

async fn client_tax_in(
    conn: &mut Conn,
    client_id: i64,
    day: NaiveDate,
) -> Result<ClientTax, AppError> {
    let own = repo::client_tax_region(conn, client_id)
        .await
        .about("client")?;
    let applies = match &own {
        Some(r) => Some(r.clone()),
        None => repo::settings(conn).await?.tax_region,
    };
    let rates: Vec<_> = repo::tax_rates(conn)
        .await?
        .iter()
        .map(TaxRate::as_region_rate)
        .collect();
    let rate = applies
        .as_deref()
        .and_then(|r| pricing::region_rate(&rates, r, day))
        .map(pricing::percent_number);
    Ok(ClientTax {
        client_id,
        tax_region: own,
        applies,
        rate,
    })
}

pub async fn client_tax(app: &App, caller: &Caller, client_id: i64) -> Result<ClientTax, AppError> {
    caller.require_finance("see tax regions")?;
    let mut conn = app.store.read().await?;
    client_tax_in(&mut conn, client_id, crate::invoicing::today(caller)).await
}

/// Sets a client's tax region (empty: the company's).
pub async fn set_client_tax_region(
    app: &App,
    caller: &Caller,
    client_id: i64,
    region: &str,
) -> Result<ClientTax, AppError> {
    caller.require_finance("change tax regions")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let region = known_region(&mut tx, region).await?;
    let before = client_tax_in(&mut tx, client_id, crate::invoicing::today(caller)).await?;
    repo::set_client_tax_region(&mut tx, client_id, region.as_deref(), now)
        .await
        .about("client")?;
    let after = client_tax_in(&mut tx, client_id, crate::invoicing::today(caller)).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "client.tax_region_set",
        ("client", client_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The tax rate (basis points) of a client's region on `day` — the client's region, else the
/// company's — for invoice drafting when the user gives none. `None`: no region or no rate.
pub(crate) async fn client_rate_bp(
    conn: &mut Conn,
    client_id: i64,
    day: NaiveDate,
) -> Result<Option<i64>, AppError> {
    let region = match repo::client_tax_region(conn, client_id)
        .await
        .about("client")?
    {
        Some(r) => Some(r),
        None => repo::settings(conn).await?.tax_region,
    };
    let Some(region) = region else {
        return Ok(None);
    };
    let rates: Vec<_> = repo::tax_rates(conn)
        .await?
        .iter()
        .map(TaxRate::as_region_rate)
        .collect();
    Ok(pricing::region_rate(&rates, &region, day))
}

// ---------------------------------------------------------------- exchange rates

/// An exchange rate as typed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ExchangeRateFields {
    /// ISO 4217 code of the foreign currency.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub currency: String,
    /// YYYY-MM-DD.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub on: String,
    /// Units of the base currency for one unit of `currency`, as a decimal ("1.1734").
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub rate: String,
}

/// The exchange rates and the base currency they convert to.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ExchangeRates {
    #[schema(value_type = String, example = "EUR")]
    pub base_currency: Currency,
    /// By currency, newest first.
    pub rates: Vec<StoredRate>,
}

pub async fn exchange_rates(
    app: &App,
    caller: &Caller,
    currency: Option<&str>,
) -> Result<ExchangeRates, AppError> {
    caller.require_finance("see exchange rates")?;
    let currency = match currency.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(
            pricing::known_currency(c).map_err(|message| AppError::BadParameter {
                name: "currency",
                message,
            })?,
        ),
        None => None,
    };
    let mut conn = app.store.read().await?;
    Ok(ExchangeRates {
        base_currency: repo::settings(&mut conn).await?.base_currency,
        rates: repo::exchange_rates(&mut conn, currency).await?,
    })
}

pub async fn set_exchange_rate(
    app: &App,
    caller: &Caller,
    f: &ExchangeRateFields,
) -> Result<ExchangeRates, AppError> {
    caller.require_finance("change exchange rates")?;
    let mut inv = Invalid::new();
    let currency = inv.check("currency", pricing::known_currency(&f.currency));
    let on = inv.check("on", pricing::parse_date(&f.on));
    let rate = inv.check("rate", pricing::parse_rate_micro(&f.rate));
    let (Some(currency), Some(on), Some(rate_micro)) = (currency, on, rate) else {
        return Err(inv.into());
    };
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let base = repo::settings(&mut tx).await?.base_currency;
    if currency == base {
        return Err(Invalid::field(
            "currency",
            format!("{base} is the base currency: it needs no rate"),
        )
        .into());
    }
    let rate = ExchangeRate {
        currency,
        on,
        rate_micro,
    };
    repo::set_exchange_rate(&mut tx, &rate, now).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "exchange_rate.set",
        ("exchange_rate", 0),
        None,
        Some(&rate),
    )
    .await?;
    let rates = repo::exchange_rates(&mut tx, None).await?;
    tx.commit().await?;
    Ok(ExchangeRates {
        base_currency: base,
        rates,
    })
}

/// `amount` in the base currency on `day` at the rate of the latest date on or before it (for
/// reports). A clear refusal when no rate exists.
pub async fn to_base(
    app: &App,
    caller: &Caller,
    amount: Money,
    day: NaiveDate,
) -> Result<Money, AppError> {
    caller.require_finance("convert amounts")?;
    let mut conn = app.store.read().await?;
    to_base_in(&mut conn, amount, day).await
}

/// [`to_base`] inside a caller's connection (reports that convert many amounts read the rates
/// once with [`rates_for_reports`] and call the pure [`pricing::to_base`] instead).
pub async fn to_base_in(conn: &mut Conn, amount: Money, day: NaiveDate) -> Result<Money, AppError> {
    let (base, rates) = rates_for_reports(conn, Some(amount.currency)).await?;
    pricing::to_base(amount, day, base, &rates).map_err(|e| match e {
        ConversionError::NoRate { .. } => AppError::refused(e.to_string()),
        ConversionError::Overflow => Invalid::field("amount", e.to_string()).into(),
    })
}

/// The base currency and the exchange rates (of one currency, or all).
pub async fn rates_for_reports(
    conn: &mut Conn,
    currency: Option<Currency>,
) -> Result<(Currency, Vec<ExchangeRate>), AppError> {
    let base = repo::settings(conn).await?.base_currency;
    let rates = repo::exchange_rates(conn, currency)
        .await?
        .into_iter()
        .map(|r| r.rate)
        .collect();
    Ok((base, rates))
}
