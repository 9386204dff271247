//! Prices and agreements: which price an enrollment carries, prepaid seat credits, tax rates by
//! region and dated exchange rates to the base currency. Pure rules over integer minor units:
//! no float anywhere, each amount rounded once, half away from zero.

use crate::invalid::{Invalid, text};
use crate::invoice::{self, RATE_SCALE};
use crate::money::{Currency, Money, MoneyError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Exchange rates are integer micro-units: 1 unit of the currency = `rate_micro / 1e6` units of
/// the base currency.
pub const RATE_MICRO: i64 = 1_000_000;

/// ISO 4217 codes in use: a three-letter code outside this list is refused as unknown.
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
];

/// A currency code that is three letters *and* a currency in use ("EUR", "chf"); anything else is
/// refused in words.
pub fn known_currency(raw: &str) -> Result<Currency, String> {
    let c = Currency::parse(raw).map_err(|e| e.to_string())?;
    if ISO_4217.binary_search(&c.as_str()).is_err() {
        return Err(format!(
            "'{}' is not a known currency (use an ISO 4217 code such as EUR, GBP, CHF or USD)",
            c
        ));
    }
    Ok(c)
}

/// `numerator / denominator` rounded half away from zero.
fn div_round(numerator: i128, denominator: i128) -> i128 {
    let q = numerator / denominator;
    let r = numerator % denominator;
    if 2 * r.abs() >= denominator.abs() {
        q + numerator.signum() * denominator.signum()
    } else {
        q
    }
}

// ---------------------------------------------------------------- the price of a seat

/// A discount in basis points (`1250` is 12.5 %) taken off `price`, the discount rounded once to
/// the currency's minor unit. Never negative, never more than the price.
pub fn discounted(price: Money, discount_bp: i64) -> Money {
    let bp = discount_bp.clamp(0, RATE_SCALE);
    let base = price.minor.max(0);
    let off = div_round(base as i128 * bp as i128, RATE_SCALE as i128) as i64;
    Money::new((base - off).max(0), price.currency)
}

/// What an agreement says about one course, for [`seat_price`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    /// The discount on list prices, in basis points.
    pub discount_bp: i64,
    /// A negotiated price per seat for this course, in the client's currency: taken as it is.
    pub negotiated_seat: Option<Money>,
}

/// Where an enrollment's price came from, in words for the page and the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriceSource {
    /// The session's seat price (no agreement, or none that applies).
    ListPrice,
    /// The course's price in the client's currency.
    CurrencyPrice,
    /// The agreement's negotiated seat rate for the course.
    NegotiatedRate,
    /// A prepaid seat credit of the agreement paid for it.
    PrepaidCredit,
}

/// The price of one seat for a learner of a client.
///
/// - A negotiated seat rate in the client's currency wins and is taken as negotiated.
/// - Otherwise the list price in the client's currency (the session's own seat price when the
///   session is priced in that currency, else the course's price for that currency when it has
///   one, else the session's seat price in its own currency), minus the agreement's discount.
/// - Without an agreement (`terms` is `None`), the same list price without discount.
pub fn seat_price(
    session_price: Money,
    course_prices: &[Money],
    client_currency: Option<Currency>,
    terms: Option<&Terms>,
) -> (Money, PriceSource) {
    let want = client_currency.unwrap_or(session_price.currency);
    if let Some(t) = terms
        && let Some(n) = t.negotiated_seat
        && n.currency == want
    {
        return (
            Money::new(n.minor.max(0), n.currency),
            PriceSource::NegotiatedRate,
        );
    }
    let (list, source) = if session_price.currency == want {
        (session_price, PriceSource::ListPrice)
    } else if let Some(p) = course_prices.iter().find(|p| p.currency == want) {
        (*p, PriceSource::CurrencyPrice)
    } else {
        (session_price, PriceSource::ListPrice)
    };
    let discount = terms.map_or(0, |t| t.discount_bp);
    (discounted(list, discount), source)
}

// ---------------------------------------------------------------- agreements

/// How an agreement's enrollments are invoiced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillingMode {
    /// One invoice line per enrollment, as sessions are delivered.
    PerEnrollment,
    /// One consolidated invoice per month.
    Monthly,
}

impl BillingMode {
    pub const ALL: [BillingMode; 2] = [BillingMode::PerEnrollment, BillingMode::Monthly];

    pub fn as_str(&self) -> &'static str {
        match self {
            BillingMode::PerEnrollment => "per_enrollment",
            BillingMode::Monthly => "monthly",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            BillingMode::PerEnrollment => "Per enrollment",
            BillingMode::Monthly => "Monthly, consolidated",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "" | "per_enrollment" => Ok(BillingMode::PerEnrollment),
            "monthly" => Ok(BillingMode::Monthly),
            other => Err(format!(
                "'{other}' is not a billing mode (per_enrollment or monthly)"
            )),
        }
    }
}

/// A percentage as typed ("12.5", "10 %") in basis points, 0 to 100 %.
pub fn parse_percent(raw: &str) -> Result<i64, String> {
    if raw.trim().is_empty() {
        return Ok(0);
    }
    invoice::parse_rate(raw).map_err(|e| {
        if e.contains("tax rate") {
            format!(
                "'{}' is not a percentage (enter a number such as 10 or 12.5)",
                raw.trim()
            )
        } else {
            e
        }
    })
}

/// Basis points as a plain percentage number, as people type it: 1900 → "19", 810 → "8.1".
pub fn percent_number(bp: i64) -> String {
    invoice::rate_string(bp).trim_end_matches(" %").to_owned()
}

/// A date as typed: `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{}' is not a date (YYYY-MM-DD)", raw.trim()))
}

/// An agreement as typed in a form or an API body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AgreementFields {
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub client_id: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub reference: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub valid_from: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub valid_to: String,
    /// Percent, e.g. "10" or "12.5".
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub discount: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub billing_mode: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AgreementInput {
    pub client_id: i64,
    pub reference: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub discount_bp: i64,
    pub billing_mode: BillingMode,
    pub notes: String,
}

impl AgreementFields {
    pub fn validate(&self) -> Result<AgreementInput, Invalid> {
        let mut inv = Invalid::new();
        let client_id = inv.check(
            "client_id",
            match self.client_id.trim().parse::<i64>() {
                Ok(v) if v > 0 => Ok(v),
                _ if self.client_id.trim().is_empty() => Err("choose the client".to_owned()),
                _ => Err(format!("'{}' is not a client id", self.client_id.trim())),
            },
        );
        let reference = inv.check("reference", text::code(&self.reference, 40));
        let valid_from = inv.check("valid_from", parse_date(&self.valid_from));
        let valid_to = inv.check(
            "valid_to",
            if self.valid_to.trim().is_empty() {
                Ok(None)
            } else {
                parse_date(&self.valid_to).map(Some)
            },
        );
        if let (Some(from), Some(Some(to))) = (valid_from, valid_to)
            && to < from
        {
            inv.add("valid_to", "must not be before the start");
        }
        let discount_bp = inv.check("discount", parse_percent(&self.discount));
        let billing_mode = inv.check("billing_mode", BillingMode::parse(&self.billing_mode));
        let notes = inv.check("notes", text::notes(&self.notes, 5000));
        match (
            client_id,
            reference,
            valid_from,
            valid_to,
            discount_bp,
            billing_mode,
            notes,
        ) {
            (
                Some(client_id),
                Some(reference),
                Some(valid_from),
                Some(valid_to),
                Some(discount_bp),
                Some(billing_mode),
                Some(notes),
            ) if inv.is_empty() => Ok(AgreementInput {
                client_id,
                reference,
                valid_from,
                valid_to,
                discount_bp,
                billing_mode,
                notes,
            }),
            _ => Err(inv),
        }
    }
}

/// Whether an agreement valid from `from` to `to` (inclusive; open-ended without) covers `day`.
pub fn covers(from: NaiveDate, to: Option<NaiveDate>, day: NaiveDate) -> bool {
    from <= day && to.is_none_or(|t| day <= t)
}

/// A price as typed in a currency that must be known; empty is `None`, negative refused.
pub fn optional_price(raw: &str, currency: Currency) -> Result<Option<Money>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    Money::parse_non_negative(raw, currency)
        .map(Some)
        .map_err(|e| match e {
            MoneyError::TooPrecise { .. } | MoneyError::Negative | MoneyError::Overflow => {
                format!("'{}' {e}", raw.trim())
            }
            e => e.to_string(),
        })
}

/// Prices per seat, per day and flat, as typed with their currency (a course's price in another
/// currency, or an agreement's negotiated rates for a course).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PriceFields {
    /// ISO 4217 code.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub currency: String,
    /// Public price per seat, e.g. "990.00"; empty for none.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub seat_price: String,
    /// Private session price per day; empty for none.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub day_price: String,
    /// Private session flat price; empty for none.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub flat_price: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceInput {
    pub currency: Currency,
    pub seat: Option<Money>,
    pub day: Option<Money>,
    pub flat: Option<Money>,
}

impl PriceFields {
    pub fn validate(&self) -> Result<PriceInput, Invalid> {
        let mut inv = Invalid::new();
        let currency = inv.check("currency", known_currency(&self.currency));
        let mut price = |field: &str, raw: &str| {
            currency.and_then(|c| inv.check(field, optional_price(raw, c)))
        };
        let seat = price("seat_price", &self.seat_price);
        let day = price("day_price", &self.day_price);
        let flat = price("flat_price", &self.flat_price);
        if let (Some(None), Some(None), Some(None)) = (seat, day, flat) {
            inv.add("seat_price", "enter at least one price");
        }
        match (currency, seat, day, flat) {
            (Some(currency), Some(seat), Some(day), Some(flat)) if inv.is_empty() => {
                Ok(PriceInput {
                    currency,
                    seat,
                    day,
                    flat,
                })
            }
            _ => Err(inv),
        }
    }
}

// ---------------------------------------------------------------- prepaid seat credits

/// One movement of a prepaid credit pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreditMove {
    /// Seats bought (or corrected) by finance.
    TopUp,
    /// An enrollment took a seat.
    Draw,
    /// A cancellation within the rules gave the seat back.
    Return,
}

impl CreditMove {
    pub fn as_str(&self) -> &'static str {
        match self {
            CreditMove::TopUp => "top_up",
            CreditMove::Draw => "draw",
            CreditMove::Return => "return",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            CreditMove::TopUp => "Top-up",
            CreditMove::Draw => "Drawn by enrollment",
            CreditMove::Return => "Returned on cancellation",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw {
            "top_up" => Ok(CreditMove::TopUp),
            "draw" => Ok(CreditMove::Draw),
            "return" => Ok(CreditMove::Return),
            other => Err(format!("'{other}' is not a credit movement")),
        }
    }
}

/// A pool's balance after one movement, or why the movement is refused: a draw from an empty
/// pool, a top-up that would make it negative. The balance never goes below zero.
pub fn apply_credit(balance: i64, movement: CreditMove, seats: i64) -> Result<i64, &'static str> {
    let next = match movement {
        CreditMove::Draw => balance.checked_sub(1),
        CreditMove::Return => balance.checked_add(1),
        CreditMove::TopUp => balance.checked_add(seats),
    };
    match next {
        Some(n) if n >= 0 => Ok(n),
        Some(_) if movement == CreditMove::Draw => Err("no prepaid seat is left"),
        _ => Err("the balance would go below zero"),
    }
}

/// Whether a cancellation at `now` gives a drawn credit back: when it comes at least the session's
/// cut-off before the start (the cancellation rule self-service changes follow too).
pub fn credit_returns_on_cancel(now: i64, starts_at: i64, cutoff_hours: i64) -> bool {
    starts_at - now >= cutoff_hours.max(0) * 3_600_000
}

// ---------------------------------------------------------------- tax regions

/// A tax rate of a region from a day on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RegionRate {
    pub region: String,
    pub valid_from: NaiveDate,
    /// Basis points: 1900 is 19 %.
    pub rate_bp: i64,
}

/// The rate of `region` on `day`: the one with the latest start on or before it.
pub fn region_rate(rates: &[RegionRate], region: &str, day: NaiveDate) -> Option<i64> {
    rates
        .iter()
        .filter(|r| r.region == region && r.valid_from <= day)
        .max_by_key(|r| r.valid_from)
        .map(|r| r.rate_bp)
}

/// A tax region's code as typed: letters, digits and '-', upper-case ("DE", "CH-ZH").
pub fn region_code(raw: &str) -> Result<String, String> {
    text::code(raw, 12)
}

// ---------------------------------------------------------------- exchange rates

/// A dated rate from `currency` to the base currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ExchangeRate {
    #[schema(value_type = String, example = "GBP")]
    pub currency: Currency,
    #[schema(value_type = String, format = Date)]
    pub on: NaiveDate,
    /// Units of the base currency for one unit of `currency`, times 1,000,000.
    pub rate_micro: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversionError {
    #[error(
        "no exchange rate from {currency} to {base} on or before {day}: enter one on the exchange rates page"
    )]
    NoRate {
        currency: Currency,
        base: Currency,
        day: NaiveDate,
    },
    #[error("the amount is too large to convert")]
    Overflow,
}

/// A rate as typed: a positive decimal with at most six places ("1.1734", "0.86"), in micro-units.
pub fn parse_rate_micro(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    let bad = || format!("'{s}' is not an exchange rate (enter a number such as 1.1734)");
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if (whole.is_empty() && frac.is_empty())
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 6 {
        return Err("has more than six decimal places".into());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac_micro: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i64>().map_err(|_| bad())? * 10i64.pow(6 - frac.len() as u32)
    };
    let micro = whole
        .checked_mul(RATE_MICRO)
        .and_then(|w| w.checked_add(frac_micro))
        .ok_or_else(|| "is too large".to_owned())?;
    if micro <= 0 {
        return Err("must be more than 0".into());
    }
    if micro > 1_000_000 * RATE_MICRO {
        return Err("is too large".into());
    }
    Ok(micro)
}

/// A micro-unit rate as text with its significant decimals ("1.1734").
pub fn rate_micro_string(micro: i64) -> String {
    let whole = micro / RATE_MICRO;
    let frac = format!("{:06}", (micro % RATE_MICRO).abs());
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{whole}")
    } else {
        format!("{whole}.{frac}")
    }
}

/// `amount` in the base currency on `day`, at the rate of the latest date on or before `day`; the
/// amount itself when it is already in the base currency. Rounded once to the base's minor unit.
pub fn to_base(
    amount: Money,
    day: NaiveDate,
    base: Currency,
    rates: &[ExchangeRate],
) -> Result<Money, ConversionError> {
    if amount.currency == base {
        return Ok(amount);
    }
    let rate = rates
        .iter()
        .filter(|r| r.currency == amount.currency && r.on <= day)
        .max_by_key(|r| r.on)
        .ok_or(ConversionError::NoRate {
            currency: amount.currency,
            base,
            day,
        })?;
    let num = amount.minor as i128 * rate.rate_micro as i128 * 10i128.pow(base.exponent());
    let den = RATE_MICRO as i128 * 10i128.pow(amount.currency.exponent());
    let minor = div_round(num, den);
    let minor = i64::try_from(minor).map_err(|_| ConversionError::Overflow)?;
    Ok(Money::new(minor, base))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(s: &str) -> Currency {
        Currency::parse(s).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn iso_list_is_sorted_for_binary_search() {
        assert!(ISO_4217.windows(2).all(|w| w[0] < w[1]));
        assert!(known_currency("chf").is_ok());
        assert!(
            known_currency("XYZ")
                .unwrap_err()
                .contains("not a known currency")
        );
        assert!(known_currency("EU").is_err());
    }

    #[test]
    fn discount_rounds_once_half_away_from_zero() {
        // 10 % of 9.95 is 0.995 → 1.00 off.
        assert_eq!(discounted(Money::new(995, c("EUR")), 1000).minor, 895);
        assert_eq!(
            discounted(Money::new(100_000, c("EUR")), 1250).minor,
            87_500
        );
        assert_eq!(discounted(Money::new(100, c("EUR")), 10_000).minor, 0);
        assert_eq!(discounted(Money::new(100, c("EUR")), 0).minor, 100);
    }

    #[test]
    fn seat_price_prefers_negotiated_then_currency_price_then_list() {
        let session = Money::new(99_000, c("EUR"));
        let chf = Money::new(95_000, c("CHF"));
        let terms = Terms {
            discount_bp: 1000,
            negotiated_seat: None,
        };
        assert_eq!(
            seat_price(session, &[chf], Some(c("CHF")), Some(&terms)),
            (Money::new(85_500, c("CHF")), PriceSource::CurrencyPrice)
        );
        assert_eq!(
            seat_price(session, &[chf], Some(c("EUR")), Some(&terms)),
            (Money::new(89_100, c("EUR")), PriceSource::ListPrice)
        );
        assert_eq!(
            seat_price(session, &[chf], Some(c("CHF")), None),
            (chf, PriceSource::CurrencyPrice)
        );
        // No price in the client's currency: the session's.
        assert_eq!(
            seat_price(session, &[], Some(c("USD")), None),
            (session, PriceSource::ListPrice)
        );
        let negotiated = Terms {
            discount_bp: 1000,
            negotiated_seat: Some(Money::new(70_000, c("CHF"))),
        };
        assert_eq!(
            seat_price(session, &[chf], Some(c("CHF")), Some(&negotiated)),
            (Money::new(70_000, c("CHF")), PriceSource::NegotiatedRate)
        );
    }

    #[test]
    fn agreement_fields_name_each_bad_field() {
        let f = AgreementFields {
            client_id: "".into(),
            reference: "bad ref!".into(),
            valid_from: "2027-02-30".into(),
            valid_to: "".into(),
            discount: "120".into(),
            billing_mode: "weekly".into(),
            notes: "".into(),
        };
        let e = f.validate().unwrap_err();
        for field in [
            "client_id",
            "reference",
            "valid_from",
            "discount",
            "billing_mode",
        ] {
            assert!(e.message_for(field).is_some(), "{field}: {e}");
        }
        let ok = AgreementFields {
            client_id: "3".into(),
            reference: "acme-2027".into(),
            valid_from: "2027-01-01".into(),
            valid_to: "2027-12-31".into(),
            discount: "12.5".into(),
            billing_mode: "monthly".into(),
            notes: "".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.discount_bp, 1250);
        assert_eq!(ok.reference, "ACME-2027");
        assert_eq!(ok.billing_mode, BillingMode::Monthly);
    }

    #[test]
    fn price_fields_refuse_negative_and_unknown_currency() {
        let e = PriceFields {
            currency: "ABC".into(),
            seat_price: "10".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(
            e.message_for("currency")
                .unwrap()
                .contains("not a known currency")
        );
        let e = PriceFields {
            currency: "CHF".into(),
            seat_price: "-10".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.message_for("seat_price").unwrap().contains("negative"));
        let ok = PriceFields {
            currency: "chf".into(),
            seat_price: "950".into(),
            day_price: "".into(),
            flat_price: "4000".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.seat, Some(Money::new(95_000, c("CHF"))));
        assert_eq!(ok.day, None);
    }

    #[test]
    fn region_rate_takes_latest_start_on_or_before() {
        let rates = vec![
            RegionRate {
                region: "CH".into(),
                valid_from: d("2018-01-01"),
                rate_bp: 770,
            },
            RegionRate {
                region: "CH".into(),
                valid_from: d("2024-01-01"),
                rate_bp: 810,
            },
        ];
        assert_eq!(region_rate(&rates, "CH", d("2023-12-31")), Some(770));
        assert_eq!(region_rate(&rates, "CH", d("2024-01-01")), Some(810));
        assert_eq!(region_rate(&rates, "CH", d("2017-01-01")), None);
        assert_eq!(region_rate(&rates, "DE", d("2024-01-01")), None);
    }

    #[test]
    fn to_base_uses_latest_rate_on_or_before_and_says_when_none() {
        let rates = vec![
            ExchangeRate {
                currency: c("GBP"),
                on: d("2027-01-01"),
                rate_micro: 1_170_000,
            },
            ExchangeRate {
                currency: c("GBP"),
                on: d("2027-02-01"),
                rate_micro: 1_180_000,
            },
            ExchangeRate {
                currency: c("JPY"),
                on: d("2027-01-01"),
                rate_micro: 6_100,
            },
        ];
        let eur = c("EUR");
        let gbp = |m| Money::new(m, c("GBP"));
        assert_eq!(
            to_base(gbp(10_000), d("2027-01-31"), eur, &rates),
            Ok(Money::new(11_700, eur))
        );
        assert_eq!(
            to_base(gbp(10_000), d("2027-02-01"), eur, &rates),
            Ok(Money::new(11_800, eur))
        );
        // 1,000 JPY (no minor unit) at 0.0061 = 6.10 EUR.
        assert_eq!(
            to_base(Money::new(1000, c("JPY")), d("2027-03-01"), eur, &rates),
            Ok(Money::new(610, eur))
        );
        let e = to_base(gbp(1), d("2026-12-31"), eur, &rates).unwrap_err();
        assert!(
            e.to_string()
                .contains("no exchange rate from GBP to EUR on or before 2026-12-31")
        );
        assert_eq!(
            to_base(Money::new(5, eur), d("2000-01-01"), eur, &[]),
            Ok(Money::new(5, eur))
        );
    }

    #[test]
    fn rates_parse_as_micro_units() {
        assert_eq!(parse_rate_micro("1.1734"), Ok(1_173_400));
        assert_eq!(parse_rate_micro("0.86"), Ok(860_000));
        assert!(parse_rate_micro("0").is_err());
        assert!(parse_rate_micro("-1").is_err());
        assert!(parse_rate_micro("1.1234567").is_err());
        assert!(parse_rate_micro("abc").is_err());
        assert_eq!(rate_micro_string(1_173_400), "1.1734");
        assert_eq!(rate_micro_string(2_000_000), "2");
    }

    proptest! {
        #[test]
        fn discounted_price_is_never_negative_nor_above_the_price(
            minor in 0i64..10_000_000_000, bp in -100i64..20_000
        ) {
            let p = discounted(Money::new(minor, Currency::EUR), bp);
            prop_assert!(p.minor >= 0);
            prop_assert!(p.minor <= minor);
            // The discount is the exact one, rounded once to the minor unit.
            let exact = minor as i128 * bp.clamp(0, RATE_SCALE) as i128;
            let off = (minor - p.minor) as i128 * RATE_SCALE as i128;
            prop_assert!((off - exact).abs() * 2 <= RATE_SCALE as i128);
        }

        #[test]
        fn seat_price_is_never_negative(
            session in 0i64..10_000_000, other in -5i64..10_000_000, bp in 0i64..=10_000,
            negotiated in proptest::option::of(-5i64..10_000_000)
        ) {
            let terms = Terms {
                discount_bp: bp,
                negotiated_seat: negotiated.map(|n| Money::new(n, Currency::parse("CHF").unwrap())),
            };
            for client in ["EUR", "CHF", "USD"] {
                let (p, _) = seat_price(
                    Money::new(session, Currency::EUR),
                    &[Money::new(other.max(0), Currency::parse("CHF").unwrap())],
                    Some(Currency::parse(client).unwrap()),
                    Some(&terms),
                );
                prop_assert!(p.minor >= 0);
            }
        }

        /// Any sequence of top-ups, draws and returns (a return only for a seat drawn and not yet
        /// returned, as cancellation gives back): the balance never goes negative, a refused draw
        /// changes nothing, and returning every draw restores the balance from before them.
        #[test]
        fn credit_balance_never_negative_and_restored_on_cancellation(
            moves in proptest::collection::vec((0u8..3, 1i64..5), 0..200)
        ) {
            let mut balance = 0i64;
            let mut outstanding = 0i64;
            let mut topped = 0i64;
            for (kind, seats) in moves {
                let movement = match kind {
                    0 => CreditMove::TopUp,
                    1 => CreditMove::Draw,
                    _ if outstanding > 0 => CreditMove::Return,
                    _ => CreditMove::Draw,
                };
                match apply_credit(balance, movement, seats) {
                    Ok(next) => {
                        match movement {
                            CreditMove::Draw => outstanding += 1,
                            CreditMove::Return => outstanding -= 1,
                            CreditMove::TopUp => topped += seats,
                        }
                        balance = next;
                    }
                    Err(_) => prop_assert_eq!(balance, 0),
                }
                prop_assert!(balance >= 0);
                prop_assert_eq!(balance + outstanding, topped);
            }
            while outstanding > 0 {
                balance = apply_credit(balance, CreditMove::Return, 1).unwrap();
                outstanding -= 1;
            }
            prop_assert_eq!(balance, topped);
        }

        #[test]
        fn to_base_is_exact_within_half_a_minor_unit(
            minor in -1_000_000_000i64..1_000_000_000, rate in 1i64..10_000_000_000
        ) {
            let rates = [ExchangeRate { currency: Currency::parse("GBP").unwrap(), on: NaiveDate::MIN, rate_micro: rate }];
            let m = to_base(Money::new(minor, Currency::parse("GBP").unwrap()), NaiveDate::MAX, Currency::EUR, &rates).unwrap();
            let exact = minor as i128 * rate as i128;
            prop_assert!((m.minor as i128 * RATE_MICRO as i128 - exact).abs() * 2 <= RATE_MICRO as i128);
        }
    }
}
