//! Money as integer minor units with an ISO 4217 currency. Never a float.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("'{0}' is not a currency code (expected three letters such as EUR)")]
    BadCurrency(String),
    #[error("'{0}' is not an amount (expected a number such as 1234.50)")]
    BadAmount(String),
    #[error("has more than {digits} decimal places for {currency}")]
    TooPrecise { digits: u32, currency: Currency },
    #[error("is too large")]
    Overflow,
    #[error("must not be negative")]
    Negative,
}

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(raw: &str) -> Result<Self, MoneyError> {
        let s = raw.trim();
        let b = s.as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_alphabetic) {
            return Err(MoneyError::BadCurrency(s.chars().take(20).collect()));
        }
        Ok(Currency([
            b[0].to_ascii_uppercase(),
            b[1].to_ascii_uppercase(),
            b[2].to_ascii_uppercase(),
        ]))
    }

    pub fn as_str(&self) -> &str {
        // Constructed only from ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Decimal places of the minor unit (ISO 4217).
    pub fn exponent(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"ISK" | b"CLP" | b"VND" | b"XOF" | b"XAF" | b"UGX" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" | b"LYD" | b"IQD" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses a decimal amount such as "1234.5" or "1,234.50" in `currency`.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        let raw = amount.trim();
        let bad = || MoneyError::BadAmount(raw.chars().take(40).collect());
        let s: String = raw.chars().filter(|c| *c != ',' && *c != '_').collect();
        let (neg, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.as_str()),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let exp = currency.exponent();
        let frac = frac.trim_end_matches('0');
        if frac.len() as u32 > exp {
            return Err(MoneyError::TooPrecise {
                digits: exp,
                currency,
            });
        }
        let scale = 10i64.pow(exp);
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| MoneyError::Overflow)?
        };
        let mut frac_minor: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        frac_minor *= 10i64.pow(exp - frac.len() as u32);
        let minor = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(frac_minor))
            .ok_or(MoneyError::Overflow)?;
        Ok(Self {
            minor: if neg { -minor } else { minor },
            currency,
        })
    }

    pub fn parse_non_negative(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        let m = Self::parse(amount, currency)?;
        if m.minor < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(m)
    }

    /// The amount as a plain decimal string with the currency's minor digits, e.g. "1234.50".
    pub fn amount_string(&self) -> String {
        let exp = self.currency.exponent();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if exp == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u64.pow(exp);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = exp as usize
        )
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur(s: &str) -> Result<i64, MoneyError> {
        Money::parse(s, Currency::EUR).map(|m| m.minor)
    }

    #[test]
    fn parses_decimal_amounts() {
        assert_eq!(eur("1234.50"), Ok(123450));
        assert_eq!(eur("1,234.5"), Ok(123450));
        assert_eq!(eur("0.07"), Ok(7));
        assert_eq!(eur("12"), Ok(1200));
        assert_eq!(eur("-3.10"), Ok(-310));
        assert_eq!(
            Money::parse("500", Currency::parse("jpy").unwrap()).map(|m| m.minor),
            Ok(500)
        );
    }

    #[test]
    fn rejects_garbage_and_excess_precision() {
        assert!(matches!(eur("12.345"), Err(MoneyError::TooPrecise { .. })));
        assert!(matches!(eur("abc"), Err(MoneyError::BadAmount(_))));
        assert!(matches!(eur("1e5"), Err(MoneyError::BadAmount(_))));
        assert!(matches!(eur("."), Err(MoneyError::BadAmount(_))));
        assert!(matches!(
            eur("99999999999999999999"),
            Err(MoneyError::Overflow)
        ));
        assert!(Currency::parse("EU").is_err());
        assert!(Currency::parse("E1R").is_err());
    }

    proptest! {
        #[test]
        fn amount_string_round_trips(minor in -10_000_000_000i64..10_000_000_000i64) {
            let m = Money::new(minor, Currency::EUR);
            prop_assert_eq!(Money::parse(&m.amount_string(), Currency::EUR), Ok(m));
        }
    }
}

/// Money travels as `{ "amount": "1234.50", "currency": "EUR" }`: a decimal string, never a float.
impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Money", 2)?;
        st.serialize_field("amount", &self.amount_string())?;
        st.serialize_field("currency", self.currency.as_str())?;
        st.end()
    }
}

impl serde::Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `{ "amount": "1234.50", "currency": "EUR" }` in the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[schema(as = Money)]
#[allow(dead_code)]
struct MoneySchema {
    /// Decimal amount with the currency's minor digits, as text.
    #[schema(example = "1234.50")]
    amount: String,
    /// ISO 4217 code.
    #[schema(example = "EUR")]
    currency: String,
}

impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <MoneySchema as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for Money {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Money")
    }
}
