//! Validation failures that name the field and say what is wrong in plain words.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// The problem's stable code and arguments (see [`Code`]), for a page to say it in the
    /// reader's language; `None` for a problem without one (the page shows `message`).
    pub fn code(&self) -> Option<Code> {
        Code::of(&self.message)
    }
}

/// A field problem's stable code (a catalogue key without its prefix: `required`,
/// `too-long` …) and the arguments the sentence needs. The English `message` stays what logs and
/// the API's problem+json say; a page looks the code up in the reader's catalogue
/// (`invalid-required` …) and falls back to the English message.
///
/// The codes are the problems the shared validators write ([`text`], money, dates and times,
/// e-mail addresses, language tags): recognised by their fixed English form, which
/// `codes_cover_the_shared_validators` below holds to the words those validators produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Code {
    fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: &str) -> Self {
        self.args.push((name, value.to_owned()));
        self
    }

    /// The code of an English problem as the shared validators word it.
    pub fn of(message: &str) -> Option<Self> {
        // Problems of a fixed wording.
        let fixed = match message {
            "is required" => Some("required"),
            "must not be negative" => Some("not-negative"),
            "must be more than 0" => Some("positive"),
            "is too large" => Some("too-large"),
            "must end after it starts" => Some("end-after-start"),
            "must not be before the start" => Some("not-before-start"),
            "must not contain control characters" => Some("control-characters"),
            "may contain only letters, digits, '-' and '_'" => Some("code-characters"),
            "is already taken" => Some("taken"),
            _ => None,
        };
        if let Some(key) = fixed {
            return Some(Self::new(key));
        }
        // "must be at most 200 characters", "must be at least 1", "must be between 1 and 9".
        if let Some(n) = message
            .strip_prefix("must be at most ")
            .and_then(|r| r.strip_suffix(" characters"))
            .filter(|n| is_number(n))
        {
            return Some(Self::new("too-long").with("max", n));
        }
        if let Some(n) = message
            .strip_prefix("must be at least ")
            .and_then(|r| r.strip_suffix(" characters"))
            .filter(|n| is_number(n))
        {
            return Some(Self::new("too-short").with("min", n));
        }
        if let Some(n) = message
            .strip_prefix("must be at least ")
            .filter(|n| is_number(n))
        {
            return Some(Self::new("at-least").with("min", n));
        }
        if let Some(n) = message
            .strip_prefix("must be at most ")
            .filter(|n| is_number(n))
        {
            return Some(Self::new("at-most").with("max", n));
        }
        if let Some((lo, hi)) = message
            .strip_prefix("must be between ")
            .and_then(|r| r.split_once(" and "))
            .filter(|(lo, hi)| is_number(lo) && is_number(hi))
        {
            return Some(Self::new("between").with("min", lo).with("max", hi));
        }
        if let Some((digits, currency)) = message
            .strip_prefix("has more than ")
            .and_then(|r| r.split_once(" decimal places for "))
        {
            return Some(
                Self::new("decimals")
                    .with("digits", digits)
                    .with("currency", currency),
            );
        }
        // The staffing limits of `conflicts`: "Ana would teach 6 days in week 50 of 2026 (limit 5)."
        if let Some((name, rest)) = message.split_once(" would teach ")
            && let Some((n, rest)) = rest.split_once(" days in ")
            && let Some((period, limit)) = rest
                .strip_suffix(").")
                .and_then(|r| r.rsplit_once(" (limit "))
        {
            let week = period
                .strip_prefix("week ")
                .and_then(|w| w.split_once(" of "));
            return Some(match week {
                Some((w, y)) => Self::new("week-limit")
                    .with("name", name)
                    .with("n", n)
                    .with("week", w)
                    .with("year", y)
                    .with("max", limit),
                None => Self::new("month-limit")
                    .with("name", name)
                    .with("n", n)
                    .with("month", &month_number(period))
                    .with("max", limit),
            });
        }
        // "'x' is not a date (expected DD.MM.YYYY or YYYY-MM-DD)": the value typed, then what it is not.
        let (value, rest) = message.strip_prefix('\'')?.split_once("' is not ")?;
        let (key, expected) = match rest {
            "an amount (expected a number such as 1234.50)" => ("bad-amount", None),
            "a whole number" => ("bad-whole-number", None),
            "a date (expected YYYY-MM-DD)" | "a date (YYYY-MM-DD)" => ("bad-iso-date", None),
            "a currency code (expected three letters such as EUR)" => ("bad-currency", None),
            "a date and time (expected YYYY-MM-DDTHH:MM)" => ("bad-date-time", None),
            "a known IANA time zone (for example Europe/Berlin)" => ("bad-time-zone", None),
            "an e-mail address (expected name@example.com)" => ("bad-email", None),
            "a language tag (expected a BCP 47 tag such as de, en-GB or fr)" => {
                ("bad-language", None)
            }
            r => {
                if let Some(f) = r
                    .strip_prefix("a date (expected ")
                    .and_then(|f| f.strip_suffix(" or YYYY-MM-DD)"))
                {
                    ("bad-date", Some(f))
                } else if let Some(f) = r
                    .strip_prefix("a time of day (expected ")
                    .and_then(|f| f.strip_suffix(" or HH:MM)"))
                {
                    ("bad-time", Some(f))
                } else if let Some(f) = r
                    .strip_prefix("a number (expected ")
                    .and_then(|f| f.strip_suffix(')'))
                {
                    ("bad-number", Some(f))
                } else {
                    return None;
                }
            }
        };
        let code = Self::new(key).with("value", value);
        Some(match expected {
            Some(f) => code.with("expected", f),
            None => code,
        })
    }
}

/// "December 2026" as "12/2026", which every language reads.
fn month_number(english: &str) -> String {
    chrono::NaiveDate::parse_from_str(&format!("1 {english}"), "%d %B %Y")
        .map(|d| d.format("%m/%Y").to_string())
        .unwrap_or_else(|_| english.to_owned())
}

fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// One or more fields that failed validation. Collected so that a form shows every problem at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", self.summary())]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

impl Invalid {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Returns `Ok(value)` when no error was collected.
    pub fn or_ok<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Runs a parser, records its error under `field`, and returns the value when it parsed.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn summary(&self) -> String {
        self.errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Text helpers shared by the record validators.
pub mod text {
    /// Trimmed, non-empty, at most `max` characters.
    pub fn required(value: &str, max: usize) -> Result<String, String> {
        let v = value.trim();
        if v.is_empty() {
            return Err("is required".into());
        }
        if v.chars().count() > max {
            return Err(format!("must be at most {max} characters"));
        }
        if v.chars().any(|c| c.is_control()) {
            return Err("must not contain control characters".into());
        }
        Ok(v.to_owned())
    }

    /// Trimmed; empty becomes `None`.
    pub fn optional(value: &str, max: usize) -> Result<Option<String>, String> {
        let v = value.trim();
        if v.is_empty() {
            return Ok(None);
        }
        if v.chars().count() > max {
            return Err(format!("must be at most {max} characters"));
        }
        Ok(Some(v.to_owned()))
    }

    /// Long free text (notes, descriptions): newlines allowed.
    pub fn notes(value: &str, max: usize) -> Result<String, String> {
        let v = value.trim();
        if v.chars().count() > max {
            return Err(format!("must be at most {max} characters"));
        }
        Ok(v.to_owned())
    }

    /// A short code: letters, digits, '-' and '_', stored upper-case.
    pub fn code(value: &str, max: usize) -> Result<String, String> {
        let v = required(value, max)?;
        if !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err("may contain only letters, digits, '-' and '_'".into());
        }
        Ok(v.to_ascii_uppercase())
    }

    pub fn int_in(value: i64, min: i64, max: i64) -> Result<i64, String> {
        if value < min || value > max {
            return Err(format!("must be between {min} and {max}"));
        }
        Ok(value)
    }
}

/// Reads a field as text whatever JSON type it arrives as: a form sends `"12"`, an API client
/// `12`; both mean the same. `null` is empty. Objects and arrays are refused with a clear message.
pub fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct Text;
    impl<'de> serde::de::Visitor<'de> for Text {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string, number or boolean")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
            lenient(d)
        }
    }
    d.deserialize_any(Text)
}

#[cfg(test)]
mod code_tests {
    #![allow(clippy::unwrap_used)]

    use super::{Code, text};

    fn code(message: &str) -> (&'static str, Vec<(&'static str, String)>) {
        let c = Code::of(message).unwrap_or_else(|| panic!("no code for '{message}'"));
        (c.key, c.args)
    }

    #[test]
    fn codes_cover_the_shared_validators() {
        let err = |r: Result<String, String>| r.unwrap_err();
        assert_eq!(code(&err(text::required(" ", 10))).0, "required");
        assert_eq!(
            code(&err(text::required("abcdef", 3))),
            ("too-long", vec![("max", "3".to_owned())])
        );
        assert_eq!(code(&err(text::code("a b", 10))).0, "code-characters");
        assert_eq!(
            code(&text::int_in(0, 1, 9).unwrap_err()),
            (
                "between",
                vec![("min", "1".to_owned()), ("max", "9".to_owned())]
            )
        );
        let money = |s: &str| {
            crate::money::Money::parse(s, crate::money::Currency::parse("EUR").unwrap())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            code(&money("zwölf")),
            ("bad-amount", vec![("value", "zwölf".to_owned())])
        );
        assert_eq!(code(&money("1.234")).0, "decimals");
        assert_eq!(
            code(
                &crate::money::Currency::parse("EURO")
                    .unwrap_err()
                    .to_string()
            )
            .0,
            "bad-currency"
        );
        assert_eq!(
            code(
                &crate::time::TimeZoneName::parse("Mars/Base")
                    .unwrap_err()
                    .to_string()
            )
            .0,
            "bad-time-zone"
        );
        assert_eq!(
            code(
                &crate::email::EmailAddress::parse("nobody")
                    .unwrap_err()
                    .to_string()
            )
            .0,
            "bad-email"
        );
        assert_eq!(
            code(
                &crate::email::EmailAddress::parse("")
                    .unwrap_err()
                    .to_string()
            )
            .0,
            "required"
        );
        let german =
            crate::locale::Locale::for_tag(&crate::locale::LanguageTag::parse("de").unwrap());
        let (key, args) = code(&german.parse_date("31.02.2026").unwrap_err().to_string());
        assert_eq!(key, "bad-date");
        assert_eq!(args[0], ("value", "31.02.2026".to_owned()));
        assert_eq!(
            code("must be at least 1"),
            ("at-least", vec![("min", "1".to_owned())])
        );
        assert_eq!(
            code("'March' is not a date (expected YYYY-MM-DD)").0,
            "bad-iso-date"
        );
        assert_eq!(
            code("Ana Berg would teach 6 days in week 50 of 2026 (limit 5)."),
            (
                "week-limit",
                vec![
                    ("name", "Ana Berg".to_owned()),
                    ("n", "6".to_owned()),
                    ("week", "50".to_owned()),
                    ("year", "2026".to_owned()),
                    ("max", "5".to_owned())
                ]
            )
        );
        assert_eq!(
            code("Ana would teach 21 days in December 2026 (limit 20).").1[2],
            ("month", "12/2026".to_owned())
        );
        assert_eq!(code("must end after it starts").0, "end-after-start");
        assert!(Code::of("two parts of this session overlap each other").is_none());
        assert!(Code::of("'x' is not a quantity (enter a number such as 2 or 1.5)").is_none());
    }
}
