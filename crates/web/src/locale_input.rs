//! Form input in the reader's way: a German user types `06.12.2026`, `09:00` and `1.234,50`, a US
//! one `12/6/2026`, `9:00 AM` and `1,234.50`, and the records read ISO dates and plain decimals.
//! Every submitted UI form passes through [`normalize`] (in the `Submit` extractor), which turns
//! the values of date, date-time, time and amount fields that read in the reader's locale into
//! ISO and plain decimals; a value that reads as neither is left as typed, so the use case refuses
//! it at its field. The API stays locale-neutral and never comes here. Forms show dates and
//! amounts back in the reader's way through [`show`].

use chrono::NaiveDate;
use trainyard_core::locale::Locale;

/// The kind of value a form field holds, told by its name (the names of the core `…Fields`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Date,
    DateTime,
    Time,
    Amount,
}

const DATES: &[&str] = &[
    "day",
    "on",
    "from",
    "to",
    "until",
    "earliest",
    "latest",
    "valid_from",
    "valid_to",
    "valid_until",
    "starts_on",
    "ends_on",
    "issued_on",
    "due_on",
    "received_on",
    "expires_on",
    "date",
];
const DATE_TIMES: &[&str] = &[
    "part_starts",
    "part_ends",
    "starts",
    "ends",
    "starts_at",
    "ends_at",
];
const TIMES: &[&str] = &["time_of_day", "start_time", "end_time"];
const AMOUNTS: &[&str] = &[
    "amount",
    "budget",
    "unit_price",
    "seat_price",
    "list_price",
    "flat_price",
    "day_price",
    "day_rate",
    "hour_rate",
    "material_cost",
    "tax_rate",
    "quantity",
    "discount",
    "price",
    "rate",
    "cost",
    "hours_per_day",
];

fn kind(name: &str) -> Option<Kind> {
    if DATES.contains(&name) || name.ends_with("_on") {
        Some(Kind::Date)
    } else if DATE_TIMES.contains(&name) {
        Some(Kind::DateTime)
    } else if TIMES.contains(&name) {
        Some(Kind::Time)
    } else if AMOUNTS.contains(&name) || name.ends_with("_price") || name.ends_with("_amount") {
        Some(Kind::Amount)
    } else {
        None
    }
}

/// The value as the records read it, if it reads in `locale` (or ISO) and differs.
fn to_neutral(kind: Kind, value: &str, locale: &Locale) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let out = match kind {
        Kind::Date => locale.parse_date(v).ok()?.format("%Y-%m-%d").to_string(),
        Kind::DateTime => locale
            .parse_date_time(v)
            .ok()?
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
        Kind::Time => locale.parse_time(v).ok()?.format("%H:%M").to_string(),
        Kind::Amount => locale.plain(v)?,
    };
    (out != value).then_some(out)
}

/// An `application/x-www-form-urlencoded` body with its dates, times and amounts in ISO and plain
/// decimals; the body itself when nothing needed it (or it is not a form).
pub fn normalize(body: &[u8], locale: &Locale) -> Option<Vec<u8>> {
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    let mut changed = false;
    for (name, value) in &mut pairs {
        if let Some(k) = kind(name)
            && let Some(v) = to_neutral(k, value, locale)
        {
            *value = v;
            changed = true;
        }
    }
    if !changed {
        return None;
    }
    serde_urlencoded::to_string(&pairs)
        .ok()
        .map(String::into_bytes)
}

/// A form field's stored value as the reader writes it: ISO dates as `06.12.2026`, plain
/// amounts as `1.234,50`. Anything else (and anything that does not read as ISO) as it is.
pub fn show(name: &str, value: &str, locale: &Locale) -> Option<String> {
    match kind(name)? {
        Kind::Date => NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
            .ok()
            .map(|d| locale.date(d)),
        Kind::Amount => {
            let v = value.trim();
            let (w, f) = v.split_once('.').unwrap_or((v, ""));
            let digits = w.strip_prefix('-').unwrap_or(w);
            if digits.is_empty()
                || !digits.chars().all(|c| c.is_ascii_digit())
                || !f.chars().all(|c| c.is_ascii_digit())
                || f.len() > 6
            {
                return None;
            }
            let places = f.len() as u32;
            let minor: i64 = format!("{w}{f}").parse().ok()?;
            Some(locale.decimal(minor, places))
        }
        Kind::DateTime | Kind::Time => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use trainyard_core::locale::{DE, EN_US};

    fn form(body: &str, l: &Locale) -> String {
        normalize(body.as_bytes(), l)
            .map(|b| String::from_utf8(b).unwrap())
            .unwrap_or_else(|| body.to_owned())
    }

    #[test]
    fn german_and_us_input_reaches_the_records_as_iso() {
        assert_eq!(
            form(
                "_csrf=x&valid_from=06.12.2026&seat_price=1.234%2C50&name=1.234%2C50",
                &DE
            ),
            "_csrf=x&valid_from=2026-12-06&seat_price=1234.50&name=1.234%2C50"
        );
        assert_eq!(
            form(
                "starts_on=12%2F6%2F2026&unit_price=1%2C234.50&time_of_day=9%3A00+AM",
                &EN_US
            ),
            "starts_on=2026-12-06&unit_price=1234.50&time_of_day=09%3A00"
        );
        assert_eq!(
            form(
                "part_starts=06.12.2026+09%3A00&part_starts=2026-12-07T09%3A00",
                &DE
            ),
            "part_starts=2026-12-06T09%3A00&part_starts=2026-12-07T09%3A00"
        );
        // ISO stays, and what reads as nothing is left for the use case to refuse.
        assert!(normalize(b"valid_from=2026-12-06&amount=12.5", &DE).is_none());
        assert!(normalize(b"valid_from=31.02.2026&amount=zw%C3%B6lf", &DE).is_none());
    }

    #[test]
    fn stored_values_are_shown_the_readers_way() {
        assert_eq!(
            show("valid_from", "2026-12-06", &DE).as_deref(),
            Some("06.12.2026")
        );
        assert_eq!(
            show("budget", "60000.00", &DE).as_deref(),
            Some("60.000,00")
        );
        assert_eq!(
            show("budget", "60000.00", &EN_US).as_deref(),
            Some("60,000.00")
        );
        assert_eq!(show("name", "2026-12-06", &DE), None);
        assert_eq!(show("valid_from", "morgen", &DE), None);
        // What is shown reads back as what was stored.
        for (n, v) in [("due_on", "2027-01-31"), ("unit_price", "-1234.5")] {
            let shown = show(n, v, &DE).unwrap();
            let body = serde_urlencoded::to_string([(n, shown)]).unwrap();
            assert_eq!(
                form(&body, &DE),
                serde_urlencoded::to_string([(n, v)]).unwrap()
            );
        }
    }
}
