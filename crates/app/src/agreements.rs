//! Client agreements: a discount, negotiated rates per course, a billing mode and prepaid seat
//! credits. Finance, managers and admins read and write them; a client contact reads their own
//! credit balance. Enrollments are priced here (called by the enrollment use cases, inside their
//! transaction) and draw and give back prepaid seats.

use crate::audience::{FinanceFields, ForReader};
use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use chrono::NaiveDate;
use trainyard_core::Invalid;
use trainyard_core::money::Money;
use trainyard_core::pricing::{
    self, AgreementFields, AgreementInput, CreditMove, PriceFields, PriceSource, Terms,
};
use trainyard_store::agreements::{
    self as repo, AgreementFilter, AgreementRate, CreditEntry, CreditPool,
};
use trainyard_store::{Conn, Page};

pub type Record = repo::Agreement;

crate::records::record_writes!(
    trainyard_store::agreements,
    AgreementFields,
    "agreement",
    "agreements",
    require = require_finance
);

impl ForReader for Record {
    fn for_reader(self, _caller: &Caller) -> Self {
        // Only finance, managers and admins read agreements at all.
        self
    }
}

impl FinanceFields for AgreementFields {
    type Record = Record;
    type Input = AgreementInput;
    // Every field is finance data, and only callers who see finance data write agreements.
    fn keep_stored(&mut self, _stored: &Record) {}
    fn changed(_input: &AgreementInput, _stored: Option<&Record>) -> Vec<&'static str> {
        Vec::new()
    }
}

/// An agreement's page and `GET /agreements/{id}/credits`: its negotiated rates, credit pools and
/// the ledger that explains their balance.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AgreementDetail {
    pub rates: Vec<AgreementRate>,
    pub pools: Vec<CreditPool>,
    /// Newest first.
    pub ledger: Vec<CreditEntry>,
}

pub async fn get(app: &App, caller: &Caller, id: i64) -> Result<Record, AppError> {
    caller.require_finance("see agreements")?;
    let mut conn = app.store.read().await?;
    repo::get(&mut conn, id).await.about("agreement")
}

pub async fn list(
    app: &App,
    caller: &Caller,
    filter: &AgreementFilter,
) -> Result<Page<Record>, AppError> {
    caller.require_finance("see agreements")?;
    let mut conn = app.store.read().await?;
    Ok(repo::list(&mut conn, filter).await?)
}

pub async fn detail(app: &App, caller: &Caller, id: i64) -> Result<AgreementDetail, AppError> {
    caller.require_finance("see agreements")?;
    let mut conn = app.store.read().await?;
    repo::get(&mut conn, id).await.about("agreement")?;
    Ok(AgreementDetail {
        rates: repo::rates(&mut conn, id).await?,
        pools: repo::pools(&mut conn, id).await?,
        ledger: repo::ledger(&mut conn, id).await?,
    })
}

/// A client's agreements, newest first (the client page).
pub async fn of_client(
    app: &App,
    caller: &Caller,
    client_id: i64,
) -> Result<Vec<Record>, AppError> {
    caller.require_finance("see agreements")?;
    let mut conn = app.store.read().await?;
    Ok(repo::of_client(&mut conn, client_id).await?)
}

/// Prepaid seats a client has left, per agreement in force or to come.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ClientCredits {
    pub client_id: i64,
    pub agreements: Vec<AgreementCredits>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AgreementCredits {
    pub agreement_id: i64,
    pub reference: String,
    #[schema(value_type = String, format = Date)]
    pub valid_from: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_to: Option<NaiveDate>,
    pub pools: Vec<CreditPool>,
    pub credits_left: i64,
}

/// The prepaid seat balance of a client: finance, managers and admins for any client, a client
/// contact for their own (read-only, in the portal). Anyone else: not found.
pub async fn client_credits(
    app: &App,
    caller: &Caller,
    client_id: i64,
) -> Result<ClientCredits, AppError> {
    let own =
        caller.role == trainyard_core::Role::ClientContact && caller.client_id == Some(client_id);
    if !(caller.sees_finance() || own) {
        return Err(AppError::NotFound("client"));
    }
    let mut conn = app.store.read().await?;
    trainyard_store::clients::get(&mut conn, client_id)
        .await
        .about("client")?;
    let mut out = Vec::new();
    for a in repo::of_client(&mut conn, client_id).await? {
        let pools = repo::pools(&mut conn, a.id).await?;
        if a.archived_at.is_some() || pools.is_empty() {
            continue;
        }
        out.push(AgreementCredits {
            agreement_id: a.id,
            reference: a.reference,
            valid_from: a.valid_from,
            valid_to: a.valid_to,
            credits_left: a.credits_left,
            pools,
        });
    }
    Ok(ClientCredits {
        client_id,
        agreements: out,
    })
}

/// Sets the agreement's negotiated rates for a course (in the client's currency).
pub async fn set_rate(
    app: &App,
    caller: &Caller,
    agreement_id: i64,
    course_id: i64,
    fields: &PriceFields,
) -> Result<AgreementDetail, AppError> {
    caller.require_finance("change agreements")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::touch(&mut tx, agreement_id, now)
        .await
        .about("agreement")?;
    let a = repo::get(&mut tx, agreement_id).await?;
    let mut fields = fields.clone();
    if fields.currency.trim().is_empty() {
        fields.currency = a.currency.to_string();
    }
    let input = fields.validate()?;
    if input.currency != a.currency {
        return Err(Invalid::field(
            "currency",
            format!(
                "negotiated rates are in the client's currency, {}",
                a.currency
            ),
        )
        .into());
    }
    trainyard_store::courses::get(&mut tx, course_id)
        .await
        .about("course")?;
    let before = repo::rates(&mut tx, agreement_id).await?;
    repo::set_rate(&mut tx, agreement_id, course_id, &input, now).await?;
    let after = repo::rates(&mut tx, agreement_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "agreement.rate_set",
        ("agreement", agreement_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    detail(app, caller, agreement_id).await
}

pub async fn remove_rate(
    app: &App,
    caller: &Caller,
    agreement_id: i64,
    course_id: i64,
) -> Result<AgreementDetail, AppError> {
    caller.require_finance("change agreements")?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    repo::touch(&mut tx, agreement_id, now)
        .await
        .about("agreement")?;
    let before = repo::rates(&mut tx, agreement_id).await?;
    if !repo::remove_rate(&mut tx, agreement_id, course_id).await? {
        return Err(AppError::NotFound("negotiated rate"));
    }
    let after = repo::rates(&mut tx, agreement_id).await?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "agreement.rate_removed",
        ("agreement", agreement_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    detail(app, caller, agreement_id).await
}

/// A top-up as typed: seats (negative corrects a mistake, never below zero), for a course or any.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TopUpFields {
    /// Seats to add; negative to correct a top-up.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub seats: String,
    /// The course the seats are for; empty for any course.
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub course_id: String,
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub note: String,
}

/// Adds prepaid seats to an agreement (finance): one ledger line, audited.
pub async fn top_up(
    app: &App,
    caller: &Caller,
    agreement_id: i64,
    fields: &TopUpFields,
) -> Result<AgreementDetail, AppError> {
    caller.require_finance("change prepaid credits")?;
    let mut inv = Invalid::new();
    let seats = inv.check(
        "seats",
        match fields.seats.trim().parse::<i64>() {
            Ok(0) => Err("must not be 0".to_owned()),
            Ok(n) if n.abs() <= 100_000 => Ok(n),
            Ok(_) => Err("must be between -100000 and 100000".to_owned()),
            Err(_) => Err(format!(
                "'{}' is not a whole number of seats",
                fields.seats.trim()
            )),
        },
    );
    let course_id = inv.check(
        "course_id",
        match fields.course_id.trim() {
            "" => Ok(None),
            raw => raw
                .parse::<i64>()
                .ok()
                .filter(|v| *v > 0)
                .map(Some)
                .ok_or_else(|| format!("'{raw}' is not a course id")),
        },
    );
    let note = inv.check(
        "note",
        trainyard_core::invalid::text::notes(&fields.note, 500),
    );
    let (Some(seats), Some(course_id), Some(note)) = (seats, course_id, note) else {
        return Err(inv.into());
    };
    let now = now_ms();
    let mut tx = app.store.write().await?;
    top_up_in(&mut tx, caller, agreement_id, seats, course_id, &note, now).await?;
    tx.commit().await?;
    detail(app, caller, agreement_id).await
}

/// [`top_up`] with its input checked, inside the caller's transaction (the demo seeder's).
pub(crate) async fn top_up_in(
    tx: &mut Conn,
    caller: &Caller,
    agreement_id: i64,
    seats: i64,
    course_id: Option<i64>,
    note: &str,
    now: i64,
) -> Result<(), AppError> {
    caller.require_finance("change prepaid credits")?;
    let tx = &mut *tx;
    repo::touch(tx, agreement_id, now)
        .await
        .about("agreement")?;
    if let Some(c) = course_id {
        trainyard_store::courses::get(&mut *tx, c)
            .await
            .map_err(|_| Invalid::field("course_id", "no such course"))?;
    }
    let before = repo::pools(&mut *tx, agreement_id).await?;
    let pool = repo::pool_for(&mut *tx, agreement_id, course_id, now).await?;
    if !repo::adjust_pool(&mut *tx, pool, seats).await? {
        return Err(Invalid::field(
            "seats",
            "would take the balance below zero: fewer seats are left than you remove",
        )
        .into());
    }
    repo::record(
        &mut *tx,
        &repo::NewEntry {
            pool_id: pool,
            agreement_id,
            movement: CreditMove::TopUp,
            seats,
            enrollment_id: None,
            note,
            recorded_by: (caller.user_id != 0).then_some(caller.user_id),
        },
        now,
    )
    .await?;
    let after = repo::pools(&mut *tx, agreement_id).await?;
    crate::audit::record(
        &mut *tx,
        caller,
        now,
        "agreement.credits_topped_up",
        ("agreement", agreement_id),
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------- enrollments

/// How an enrollment was priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub price: Money,
    pub source: PriceSource,
    pub agreement_id: Option<i64>,
    pub credit_pool_id: Option<i64>,
}

/// The price of a seat in `session` for a learner of `learner_client`, inside the enrollment's
/// transaction (after its seat guard): the agreement of the learner's client in force on the
/// session's first day draws a prepaid seat when one is left (price 0, paid by credit; the ledger
/// line is written by [`record_price`] once the enrollment has its id); otherwise the negotiated
/// rate, else the course's price in the client's currency minus the discount
/// ([`pricing::seat_price`]). Without a client or agreement it costs one read at most.
pub(crate) async fn price_for(
    tx: &mut Conn,
    session: &trainyard_store::sessions::Session,
    learner_client: Option<i64>,
) -> Result<Priced, AppError> {
    let unpriced = |price: Money, source| Priced {
        price,
        source,
        agreement_id: None,
        credit_pool_id: None,
    };
    let Some(client) = learner_client else {
        return Ok(unpriced(session.seat_price, PriceSource::ListPrice));
    };
    let day = trainyard_core::time::utc(session.starts_at).date_naive();
    let (currency, agreement) = repo::pricing_terms(&mut *tx, client, day).await?;
    let Some((agreement_id, discount_bp)) = agreement else {
        let prices = course_prices(tx, session, currency).await?;
        let (price, source) =
            pricing::seat_price(session.seat_price, &prices, Some(currency), None);
        return Ok(unpriced(price, source));
    };
    if let Some(pool) = repo::draw(&mut *tx, agreement_id, session.course_id).await? {
        return Ok(Priced {
            price: Money::new(0, currency),
            source: PriceSource::PrepaidCredit,
            agreement_id: Some(agreement_id),
            credit_pool_id: Some(pool),
        });
    }
    let terms = Terms {
        discount_bp,
        negotiated_seat: repo::negotiated_seat(&mut *tx, agreement_id, session.course_id).await?,
    };
    let prices = if terms.negotiated_seat.is_some() {
        Vec::new()
    } else {
        course_prices(tx, session, currency).await?
    };
    let (price, source) =
        pricing::seat_price(session.seat_price, &prices, Some(currency), Some(&terms));
    Ok(Priced {
        price,
        source,
        agreement_id: Some(agreement_id),
        credit_pool_id: None,
    })
}

/// [`price_for`] when no agreement of the learner's client is in force on the session's first
/// day (the list price, or the course's price in the client's currency): the same answer, read
/// only, so an import can reuse it for every learner of that client in that session. `None`
/// when an agreement applies (a prepaid seat is drawn by writing): ask [`price_for`] then.
pub(crate) async fn price_without_agreement(
    tx: &mut Conn,
    session: &trainyard_store::sessions::Session,
    learner_client: Option<i64>,
) -> Result<Option<Priced>, AppError> {
    let unpriced = |price: Money, source| Priced {
        price,
        source,
        agreement_id: None,
        credit_pool_id: None,
    };
    let Some(client) = learner_client else {
        return Ok(Some(unpriced(session.seat_price, PriceSource::ListPrice)));
    };
    let day = trainyard_core::time::utc(session.starts_at).date_naive();
    let (currency, agreement) = repo::pricing_terms(&mut *tx, client, day).await?;
    if agreement.is_some() {
        return Ok(None);
    }
    let prices = course_prices(tx, session, currency).await?;
    let (price, source) = pricing::seat_price(session.seat_price, &prices, Some(currency), None);
    Ok(Some(unpriced(price, source)))
}

/// The course's seat prices in other currencies: read only for a client billed in another
/// currency than the session's.
async fn course_prices(
    tx: &mut Conn,
    session: &trainyard_store::sessions::Session,
    currency: trainyard_core::Currency,
) -> Result<Vec<Money>, AppError> {
    if currency == session.seat_price.currency {
        return Ok(Vec::new());
    }
    Ok(
        trainyard_store::prices::course_prices(tx, session.course_id)
            .await?
            .into_iter()
            .filter_map(|p| p.seat_price)
            .collect(),
    )
}

/// Writes what [`price_for`] decided on the enrollment (unless it was inserted at that price with
/// no agreement: `written`) and the ledger line of a drawn seat.
pub(crate) async fn record_price(
    tx: &mut Conn,
    caller: &Caller,
    enrollment_id: i64,
    priced: &Priced,
    written: bool,
    now: i64,
) -> Result<(), AppError> {
    if !(written && priced.agreement_id.is_none()) {
        repo::price_enrollment(
            &mut *tx,
            enrollment_id,
            priced.price,
            priced.agreement_id,
            priced.credit_pool_id,
        )
        .await?;
    }
    if let (Some(agreement_id), Some(pool)) = (priced.agreement_id, priced.credit_pool_id) {
        repo::record(
            &mut *tx,
            &repo::NewEntry {
                pool_id: pool,
                agreement_id,
                movement: CreditMove::Draw,
                seats: -1,
                enrollment_id: Some(enrollment_id),
                note: "",
                recorded_by: (caller.user_id != 0).then_some(caller.user_id),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// [`price_for`] and [`record_price`] for an enrollment already written.
pub(crate) async fn price_enrollment(
    tx: &mut Conn,
    caller: &Caller,
    session: &trainyard_store::sessions::Session,
    learner_client: Option<i64>,
    enrollment_id: i64,
    now: i64,
) -> Result<Priced, AppError> {
    let priced = price_for(tx, session, learner_client).await?;
    record_price(tx, caller, enrollment_id, &priced, false, now).await?;
    Ok(priced)
}

/// Gives an enrollment's prepaid seat back (a cancellation within the rules, a substitution, an
/// expired offer): one ledger line; the enrollment no longer holds a credit. `false` when it held
/// none.
pub(crate) async fn return_credit(
    tx: &mut Conn,
    caller: &Caller,
    enrollment_id: i64,
    now: i64,
) -> Result<bool, AppError> {
    let (agreement_id, pool) = repo::enrollment_terms(&mut *tx, enrollment_id).await?;
    let (Some(agreement_id), Some(pool)) = (agreement_id, pool) else {
        return Ok(false);
    };
    repo::adjust_pool(&mut *tx, pool, 1).await?;
    repo::record(
        &mut *tx,
        &repo::NewEntry {
            pool_id: pool,
            agreement_id,
            movement: CreditMove::Return,
            seats: 1,
            enrollment_id: Some(enrollment_id),
            note: "",
            recorded_by: (caller.user_id != 0).then_some(caller.user_id),
        },
        now,
    )
    .await?;
    repo::release_credit(&mut *tx, enrollment_id).await?;
    Ok(true)
}

/// On a cancellation: the prepaid seat comes back when the cancellation comes at least the
/// session's cut-off before the start ([`pricing::credit_returns_on_cancel`]); a later one uses
/// the seat up.
pub(crate) async fn on_cancel(
    tx: &mut Conn,
    caller: &Caller,
    enrollment_id: i64,
    starts_at: i64,
    cutoff_hours: i64,
    now: i64,
) -> Result<bool, AppError> {
    if !pricing::credit_returns_on_cancel(now, starts_at, cutoff_hours) {
        return Ok(false);
    }
    return_credit(tx, caller, enrollment_id, now).await
}

/// Balances that differ from their ledger (for `trainyard doctor`-style checks and tests).
pub async fn unexplained_balances(
    app: &App,
    caller: &Caller,
) -> Result<Vec<(i64, i64, i64)>, AppError> {
    caller.require_finance("check prepaid credits")?;
    let mut conn = app.store.read().await?;
    Ok(repo::unexplained_balances(&mut conn).await?)
}
