//! Languages and locale formats. Pure: which language a person reads (their own, else their
//! client's, else the company's, else English), and how a locale writes and reads dates, times,
//! numbers and money (`06.12.2026 09:00` and `1.234,50 €` in German, `12/6/2026 9:00 AM` and
//! `€1,234.50` in US English). The API stays locale-neutral (RFC 3339, decimal strings): these
//! are for people — pages, messages, documents — and for form input, which accepts the locale's
//! way alongside ISO.

use crate::money::{Currency, Money, MoneyError};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};
use std::fmt;

/// A BCP 47 language tag as people are given one here: a language (`de`), optionally with a
/// region (`en-GB`). Stored normalized: language lower case, region upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageTag(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocaleError {
    #[error("'{0}' is not a language tag (expected a BCP 47 tag such as de, en-GB or fr)")]
    BadTag(String),
    #[error("'{0}' is not a date (expected {1} or YYYY-MM-DD)")]
    BadDate(String, &'static str),
    #[error("'{0}' is not a time of day (expected {1} or HH:MM)")]
    BadTime(String, &'static str),
    #[error("'{0}' is not a number (expected {1})")]
    BadNumber(String, &'static str),
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// The languages offered in choosers, with their own names: the ones Trainyard ships wording for
/// first. Any well-formed tag is accepted; these are the ones a form lists.
pub const OFFERED: &[(&str, &str)] = &[
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("nl", "Nederlands"),
    ("en-GB", "English (UK)"),
    ("en-US", "English (US)"),
];

/// English, the last fallback of every resolution.
pub const ENGLISH: &str = "en";

impl LanguageTag {
    /// Parses `de`, `de-DE`, `en_gb` (underscore tolerated), `EN-us`: a 2–3 letter language with
    /// an optional 2-letter or 3-digit region.
    pub fn parse(raw: &str) -> Result<Self, LocaleError> {
        let s = raw.trim();
        let bad = || LocaleError::BadTag(s.chars().take(20).collect());
        let mut it = s.split(['-', '_']);
        let lang = it.next().unwrap_or_default();
        if !(2..=3).contains(&lang.len()) || !lang.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(bad());
        }
        let mut out = lang.to_ascii_lowercase();
        if let Some(region) = it.next() {
            let ok = (region.len() == 2 && region.chars().all(|c| c.is_ascii_alphabetic()))
                || (region.len() == 3 && region.chars().all(|c| c.is_ascii_digit()));
            if !ok {
                return Err(bad());
            }
            out.push('-');
            out.push_str(&region.to_ascii_uppercase());
        }
        if it.next().is_some() {
            return Err(bad());
        }
        Ok(Self(out))
    }

    /// An optional tag from a form or body: empty means "not set" (inherit).
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, LocaleError> {
        match raw.trim() {
            "" => Ok(None),
            s => Self::parse(s).map(Some),
        }
    }

    /// English.
    pub fn english() -> Self {
        Self(ENGLISH.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language without its region: `de` of `de-AT`.
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// The region, if the tag has one: `GB` of `en-GB`.
    pub fn region(&self) -> Option<&str> {
        self.0.split_once('-').map(|(_, r)| r)
    }

    /// The language's own name when it is offered ("Deutsch"), else the tag itself.
    pub fn own_name(&self) -> &str {
        OFFERED
            .iter()
            .find(|(t, _)| *t == self.0)
            .or_else(|| OFFERED.iter().find(|(t, _)| *t == self.language()))
            .map(|(_, n)| *n)
            .unwrap_or(&self.0)
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The language a person reads: their own when set, else their client's, else the company's,
/// else English. Stored values that do not parse are skipped (they were checked when written).
pub fn resolve(person: Option<&str>, client: Option<&str>, company: Option<&str>) -> LanguageTag {
    [person, client, company]
        .into_iter()
        .flatten()
        .find_map(|t| LanguageTag::parse(t).ok())
        .unwrap_or_else(LanguageTag::english)
}

/// Picks the best of `available` for an HTTP `Accept-Language` header: by the header's quality
/// order, an exact tag first, then the same language. `None` when nothing matches.
pub fn negotiate(accept_language: &str, available: &[&str]) -> Option<LanguageTag> {
    let mut wanted: Vec<(u32, usize, &str)> = accept_language
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut it = part.trim().split(';');
            let tag = it.next()?.trim();
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (!tag.is_empty() && tag != "*" && q > 0.0).then_some(((q * 1000.0) as u32, i, tag))
        })
        .collect();
    wanted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, raw) in wanted {
        let Ok(tag) = LanguageTag::parse(raw) else {
            continue;
        };
        if let Some(a) = available
            .iter()
            .find(|a| a.eq_ignore_ascii_case(tag.as_str()))
        {
            return LanguageTag::parse(a).ok();
        }
        if let Some(a) = available
            .iter()
            .find(|a| a.split('-').next() == Some(tag.language()))
        {
            return LanguageTag::parse(a).ok();
        }
    }
    None
}

// ------------------------------------------------------------------ formats

/// How a locale writes dates, times, numbers and money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale {
    /// The CLDR-style name of these rules (`de`, `en-US`, `en-GB`, `fr`, `es`).
    pub name: &'static str,
    date: DateStyle,
    twelve_hour: bool,
    decimal: char,
    group: char,
    /// `true`: `1.234,50 €`; `false`: `€1,234.50`.
    symbol_after: bool,
    pub first_day: Weekday,
    months: &'static [&'static str; 12],
    weekdays: &'static [&'static str; 7],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateStyle {
    /// 06.12.2026
    DayDotMonth,
    /// 12/6/2026
    MonthSlashDay,
    /// 06/12/2026
    DaySlashMonth,
}

const EN_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const EN_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DE_MONTHS: [&str; 12] = [
    "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.",
];
const DE_DAYS: [&str; 7] = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."];
const FR_MONTHS: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
const FR_DAYS: [&str; 7] = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];
const ES_MONTHS: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
];
const ES_DAYS: [&str; 7] = ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"];

pub const DE: Locale = Locale {
    name: "de",
    date: DateStyle::DayDotMonth,
    twelve_hour: false,
    decimal: ',',
    group: '.',
    symbol_after: true,
    first_day: Weekday::Mon,
    months: &DE_MONTHS,
    weekdays: &DE_DAYS,
};
pub const EN_US: Locale = Locale {
    name: "en-US",
    date: DateStyle::MonthSlashDay,
    twelve_hour: true,
    decimal: '.',
    group: ',',
    symbol_after: false,
    first_day: Weekday::Sun,
    months: &EN_MONTHS,
    weekdays: &EN_DAYS,
};
pub const EN_GB: Locale = Locale {
    name: "en-GB",
    date: DateStyle::DaySlashMonth,
    twelve_hour: false,
    decimal: '.',
    group: ',',
    symbol_after: false,
    first_day: Weekday::Mon,
    months: &EN_MONTHS,
    weekdays: &EN_DAYS,
};
pub const FR: Locale = Locale {
    name: "fr",
    date: DateStyle::DaySlashMonth,
    twelve_hour: false,
    decimal: ',',
    // A no-break space, as French writes thousands.
    group: '\u{a0}',
    symbol_after: true,
    first_day: Weekday::Mon,
    months: &FR_MONTHS,
    weekdays: &FR_DAYS,
};
pub const ES: Locale = Locale {
    name: "es",
    date: DateStyle::DaySlashMonth,
    twelve_hour: false,
    decimal: ',',
    group: '.',
    symbol_after: true,
    first_day: Weekday::Mon,
    months: &ES_MONTHS,
    weekdays: &ES_DAYS,
};

impl Locale {
    /// The rules for a language tag: German for `de*`, British English for `en-GB` (and the
    /// other day-first English regions), US English for `en` and `en-US`; English otherwise.
    pub fn for_tag(tag: &LanguageTag) -> Locale {
        match (tag.language(), tag.region()) {
            ("de", _) => DE,
            ("fr", _) => FR,
            ("es", _) => ES,
            ("en", Some("GB" | "IE" | "AU" | "NZ" | "IN" | "ZA")) => EN_GB,
            _ => EN_US,
        }
    }

    /// A date: `06.12.2026`, `12/6/2026`, `06/12/2026`.
    pub fn date(&self, d: NaiveDate) -> String {
        match self.date {
            DateStyle::DayDotMonth => format!("{:02}.{:02}.{}", d.day(), d.month(), d.year()),
            DateStyle::MonthSlashDay => format!("{}/{}/{}", d.month(), d.day(), d.year()),
            DateStyle::DaySlashMonth => format!("{:02}/{:02}/{}", d.day(), d.month(), d.year()),
        }
    }

    /// A time of day: `09:00`, or `9:00 AM`.
    pub fn time(&self, t: NaiveTime) -> String {
        if self.twelve_hour {
            let (pm, h) = t.hour12();
            format!("{h}:{:02} {}", t.minute(), if pm { "PM" } else { "AM" })
        } else {
            format!("{:02}:{:02}", t.hour(), t.minute())
        }
    }

    /// A date and time: `06.12.2026 09:00`, `12/6/2026 9:00 AM`.
    pub fn date_time(&self, dt: NaiveDateTime) -> String {
        format!("{} {}", self.date(dt.date()), self.time(dt.time()))
    }

    /// A short day with its weekday, for lists of days: `Mo. 28. Dez.`, `Mon 28 Dec`.
    pub fn short_day(&self, d: NaiveDate) -> String {
        let wd = self.weekdays[d.weekday().num_days_from_monday() as usize];
        let mon = self.months[d.month0() as usize];
        match self.date {
            DateStyle::DayDotMonth => format!("{wd} {}. {mon}", d.day()),
            DateStyle::MonthSlashDay => format!("{wd} {mon} {}", d.day()),
            DateStyle::DaySlashMonth => format!("{wd} {} {mon}", d.day()),
        }
    }

    /// The week's first day (Monday in Germany and Britain, Sunday in the US) and the days of a
    /// week in the order a calendar shows them.
    pub fn week(&self) -> [Weekday; 7] {
        let mut d = self.first_day;
        std::array::from_fn(|_| {
            let out = d;
            d = d.succ();
            out
        })
    }

    /// Short weekday name.
    pub fn weekday(&self, d: Weekday) -> &'static str {
        self.weekdays[d.num_days_from_monday() as usize]
    }

    /// A decimal number of `decimals` places from its integer of minor units:
    /// `(123450, 2)` → `1.234,50` (de), `1,234.50` (en).
    pub fn decimal(&self, minor: i64, decimals: u32) -> String {
        let neg = minor < 0;
        let abs = minor.unsigned_abs();
        let scale = 10u64.pow(decimals);
        let whole = (abs / scale).to_string();
        let mut out = String::with_capacity(whole.len() + 8);
        if neg {
            out.push('-');
        }
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                out.push(self.group);
            }
            out.push(c);
        }
        if decimals > 0 {
            out.push(self.decimal);
            out.push_str(&format!("{:0w$}", abs % scale, w = decimals as usize));
        }
        out
    }

    /// An integer with grouping: `12.345` (de), `12,345` (en).
    pub fn integer(&self, n: i64) -> String {
        self.decimal(n, 0)
    }

    /// Money: `1.234,50 €` (de), `€1,234.50` (en), `-€3.10`; currencies without a symbol here
    /// keep their code (`1.234,50 CHF`, `CHF 1,234.50`).
    pub fn money(&self, m: &Money) -> String {
        let amount = self.decimal(m.minor.abs(), m.currency.exponent());
        let sign = if m.minor < 0 { "-" } else { "" };
        let symbol = symbol(m.currency);
        if self.symbol_after {
            format!(
                "{sign}{amount}\u{a0}{}",
                symbol.unwrap_or(m.currency.as_str())
            )
        } else {
            match symbol {
                Some(s) => format!("{sign}{s}{amount}"),
                None => format!("{sign}{} {amount}", m.currency.as_str()),
            }
        }
    }

    /// What a date field says to type: `TT.MM.JJJJ`-like hints in the locale's order.
    pub fn date_hint(&self) -> &'static str {
        match self.date {
            DateStyle::DayDotMonth => "DD.MM.YYYY",
            DateStyle::MonthSlashDay => "M/D/YYYY",
            DateStyle::DaySlashMonth => "DD/MM/YYYY",
        }
    }

    /// Reads a date typed in this locale's way or as ISO `YYYY-MM-DD`.
    pub fn parse_date(&self, raw: &str) -> Result<NaiveDate, LocaleError> {
        let s = raw.trim();
        let bad = || LocaleError::BadDate(s.chars().take(30).collect(), self.date_hint());
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Ok(d);
        }
        let sep = match self.date {
            DateStyle::DayDotMonth => '.',
            _ => '/',
        };
        let parts: Vec<&str> = s.split(sep).map(str::trim).collect();
        let [a, b, y] = parts.as_slice() else {
            return Err(bad());
        };
        let num = |x: &str| -> Option<u32> {
            (!x.is_empty() && x.len() <= 4 && x.chars().all(|c| c.is_ascii_digit()))
                .then(|| x.parse().ok())
                .flatten()
        };
        let (Some(a), Some(b), Some(y)) = (num(a), num(b), num(y)) else {
            return Err(bad());
        };
        if y < 1000 {
            return Err(bad());
        }
        let (day, month) = match self.date {
            DateStyle::MonthSlashDay => (b, a),
            _ => (a, b),
        };
        NaiveDate::from_ymd_opt(y as i32, month, day).ok_or_else(bad)
    }

    /// What a time field says to type: `HH:MM`, or `H:MM AM` where the locale reads a 12-hour clock.
    pub fn time_hint(&self) -> &'static str {
        if self.twelve_hour { "H:MM AM" } else { "HH:MM" }
    }

    /// Reads a time of day typed in this locale's way (`9:00 AM`, `09:00`) or as ISO `HH:MM`
    /// (`HH:MM:SS` too). A 24-hour reading is always accepted; `AM`/`PM` (any case, with or
    /// without dots or the space) is accepted in every locale, since it is unambiguous.
    pub fn parse_time(&self, raw: &str) -> Result<NaiveTime, LocaleError> {
        let s = raw.trim();
        let bad = || LocaleError::BadTime(s.chars().take(20).collect(), self.time_hint());
        let lower = s.to_ascii_lowercase().replace('.', "");
        let (clock, half) = if let Some(c) = lower.strip_suffix("am") {
            (c.trim_end(), Some(false))
        } else if let Some(c) = lower.strip_suffix("pm") {
            (c.trim_end(), Some(true))
        } else {
            (lower.as_str(), None)
        };
        let mut it = clock.split(':');
        let num = |x: Option<&str>| -> Option<u32> {
            x.filter(|x| (1..=2).contains(&x.len()) && x.chars().all(|c| c.is_ascii_digit()))
                .and_then(|x| x.parse().ok())
        };
        let h = num(it.next()).ok_or_else(bad)?;
        let m = num(it.next()).ok_or_else(bad)?;
        let sec = match it.next() {
            Some(x) => num(Some(x)).ok_or_else(bad)?,
            None => 0,
        };
        if it.next().is_some() {
            return Err(bad());
        }
        let h = match half {
            None => h,
            Some(_) if !(1..=12).contains(&h) => return Err(bad()),
            Some(false) => h % 12,
            Some(true) => h % 12 + 12,
        };
        NaiveTime::from_hms_opt(h, m, sec).ok_or_else(bad)
    }

    /// Reads a date and time typed in this locale's way (`06.12.2026 09:00`, `12/6/2026 9:00 AM`)
    /// or as ISO (`2026-12-06T09:00`, `2026-12-06 09:00`).
    pub fn parse_date_time(&self, raw: &str) -> Result<NaiveDateTime, LocaleError> {
        let s = raw.trim();
        let (d, t) = s
            .split_once('T')
            .filter(|(d, _)| d.len() == 10 && d.as_bytes().get(4) == Some(&b'-'))
            .or_else(|| s.split_once(' '))
            .ok_or_else(|| LocaleError::BadDate(s.chars().take(30).collect(), self.date_hint()))?;
        Ok(self.parse_date(d)?.and_time(self.parse_time(t)?))
    }

    /// A decimal typed in this locale's way or plain, as the plain decimal string the records
    /// read (`1.234,50` → `1234.50`, any number of places), or `None` when it is no number here.
    pub fn plain(&self, raw: &str) -> Option<String> {
        let p = self.plain_decimal(raw.trim())?;
        let digits = p.strip_prefix('-').unwrap_or(&p);
        let (w, f) = digits.split_once('.').unwrap_or((digits, ""));
        ((!w.is_empty() || !f.is_empty())
            && w.chars().all(|c| c.is_ascii_digit())
            && f.chars().all(|c| c.is_ascii_digit()))
        .then_some(p)
    }

    /// Reads a decimal typed in this locale's way (`1.234,50` in German, group separators
    /// optional) or as a plain decimal string (`1234.50`), into minor units of `decimals` places.
    pub fn parse_decimal(&self, raw: &str, decimals: u32) -> Result<i64, LocaleError> {
        let s = raw.trim();
        let hint = if self.decimal == ',' {
            "a number such as 1.234,50 or 1234.50"
        } else {
            "a number such as 1,234.50"
        };
        let bad = || LocaleError::BadNumber(s.chars().take(40).collect(), hint);
        let plain = self.plain_decimal(s).ok_or_else(bad)?;
        let (neg, digits) = match plain.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, plain.as_str()),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if (whole.is_empty() && frac.is_empty())
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        let frac = frac.trim_end_matches('0');
        if frac.len() as u32 > decimals {
            return Err(bad());
        }
        let scale = 10i64.pow(decimals);
        let w: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let f: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse::<i64>().map_err(|_| bad())? * 10i64.pow(decimals - frac.len() as u32)
        };
        let v = w
            .checked_mul(scale)
            .and_then(|w| w.checked_add(f))
            .ok_or_else(bad)?;
        Ok(if neg { -v } else { v })
    }

    /// Reads money typed in this locale's way (with or without its symbol or code) or plain.
    pub fn parse_money(&self, raw: &str, currency: Currency) -> Result<Money, LocaleError> {
        let mut s = raw.trim().to_owned();
        for sym in [symbol(currency).unwrap_or(""), currency.as_str()] {
            if !sym.is_empty() {
                s = s.replace(sym, "");
            }
        }
        let minor = self.parse_decimal(&s, currency.exponent())?;
        Ok(Money::new(minor, currency))
    }

    /// The text as a plain decimal (`-1234.50`), or `None` when it cannot be one here. A locale
    /// whose decimal mark is a comma reads `1.234,50`, `1234,5` and `1.234` (grouping) as well as
    /// `1234.50` (plain: a single dot not followed by exactly three digits).
    fn plain_decimal(&self, s: &str) -> Option<String> {
        let s: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '_' | '\''))
            .collect();
        if s.is_empty() {
            return None;
        }
        if self.decimal == ',' {
            if s.contains(',') {
                // Locale form: dots (or the group mark) group, the comma is the mark.
                if s.matches(',').count() > 1 {
                    return None;
                }
                let (w, f) = s.split_once(',')?;
                if !grouping_ok(w, self.group) && !grouping_ok(w, '.') {
                    return None;
                }
                return Some(format!("{}.{f}", w.replace(['.', self.group], "")));
            }
            let dots = s.matches('.').count();
            // `0.075` is a fraction, not a grouped 75: no group starts with a zero.
            let grouped = dots >= 1
                && grouping_ok(&s, '.')
                && s.rsplit('.').next()?.len() == 3
                && !s.trim_start_matches('-').starts_with('0');
            if grouped && (dots > 1 || s.split('.').next()?.trim_start_matches('-').len() <= 3) {
                return Some(s.replace('.', ""));
            }
            if dots > 1 {
                return None;
            }
            Some(s)
        } else {
            if s.matches('.').count() > 1 {
                return None;
            }
            let (w, f) = s.split_once('.').unwrap_or((&s, ""));
            if w.contains(',') && !grouping_ok(w, ',') {
                return None;
            }
            let w = w.replace(',', "");
            Some(if s.contains('.') {
                format!("{w}.{f}")
            } else {
                w
            })
        }
    }
}

/// Whether `w` groups its digits by three with `sep` (`1.234.567`); a number without `sep` is
/// trivially fine.
fn grouping_ok(w: &str, sep: char) -> bool {
    let w = w.trim_start_matches('-');
    if !w.contains(sep) {
        return true;
    }
    let groups: Vec<&str> = w.split(sep).collect();
    groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
        && groups[1..].iter().all(|g| g.len() == 3)
}

/// The symbol a currency is written with, where it has a well-known one.
fn symbol(c: Currency) -> Option<&'static str> {
    match c.as_str() {
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tag(s: &str) -> LanguageTag {
        LanguageTag::parse(s).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn tags_are_normalized_and_checked() {
        assert_eq!(tag("DE").as_str(), "de");
        assert_eq!(tag("en_gb").as_str(), "en-GB");
        assert_eq!(tag(" es-419 ").as_str(), "es-419");
        assert_eq!(tag("en-GB").language(), "en");
        assert_eq!(tag("en-GB").region(), Some("GB"));
        for bad in ["", "e", "english", "de-DEU", "de-DE-x", "1a", "de-4"] {
            assert!(LanguageTag::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(LanguageTag::parse_optional("  "), Ok(None));
        assert_eq!(tag("de-AT").own_name(), "Deutsch");
    }

    #[test]
    fn the_person_then_the_client_then_the_company_then_english() {
        assert_eq!(resolve(Some("es"), Some("de"), Some("fr")).as_str(), "es");
        assert_eq!(resolve(None, Some("de"), Some("fr")).as_str(), "de");
        assert_eq!(resolve(None, None, Some("fr")).as_str(), "fr");
        assert_eq!(resolve(None, None, None).as_str(), "en");
        assert_eq!(resolve(Some("??"), None, None).as_str(), "en");
    }

    #[test]
    fn accept_language_picks_the_best_available() {
        let av = ["en", "de"];
        assert_eq!(
            negotiate("de-DE,de;q=0.9,en;q=0.8", &av).map(|t| t.to_string()),
            Some("de".into())
        );
        assert_eq!(
            negotiate("fr-CH, fr;q=0.9, en;q=0.5", &av).map(|t| t.to_string()),
            Some("en".into())
        );
        assert_eq!(
            negotiate("en;q=0.2, de;q=0.8", &av).map(|t| t.to_string()),
            Some("de".into())
        );
        assert_eq!(negotiate("fr, *;q=0.1", &av), None);
        assert_eq!(negotiate("", &av), None);
    }

    #[test]
    fn dates_and_times_per_locale() {
        let t = at(2026, 12, 6, 9, 0);
        assert_eq!(DE.date_time(t), "06.12.2026 09:00");
        assert_eq!(EN_US.date_time(t), "12/6/2026 9:00 AM");
        assert_eq!(EN_GB.date_time(t), "06/12/2026 09:00");
        assert_eq!(EN_US.time(at(2026, 1, 1, 0, 5).time()), "12:05 AM");
        assert_eq!(EN_US.time(at(2026, 1, 1, 13, 30).time()), "1:30 PM");
        assert_eq!(DE.short_day(t.date()), "So. 6. Dez.");
        assert_eq!(EN_GB.short_day(t.date()), "Sun 6 Dec");
        assert_eq!(Locale::for_tag(&tag("de-AT")), DE);
        assert_eq!(Locale::for_tag(&tag("en")), EN_US);
        assert_eq!(Locale::for_tag(&tag("en-GB")), EN_GB);
    }

    #[test]
    fn money_and_numbers_per_locale() {
        let eur = Money::new(123450, Currency::EUR);
        assert_eq!(DE.money(&eur), "1.234,50\u{a0}€");
        assert_eq!(EN_US.money(&eur), "€1,234.50");
        assert_eq!(EN_GB.money(&eur), "€1,234.50");
        assert_eq!(EN_US.money(&Money::new(-310, Currency::EUR)), "-€3.10");
        let chf = Money::new(123450, Currency::parse("CHF").unwrap());
        assert_eq!(DE.money(&chf), "1.234,50\u{a0}CHF");
        assert_eq!(EN_US.money(&chf), "CHF 1,234.50");
        assert_eq!(DE.integer(1_234_567), "1.234.567");
        assert_eq!(EN_US.decimal(5, 2), "0.05");
        assert_eq!(DE.decimal(-100_000, 2), "-1.000,00");
    }

    #[test]
    fn the_first_day_of_the_week() {
        assert_eq!(DE.week()[0], Weekday::Mon);
        assert_eq!(EN_GB.week()[0], Weekday::Mon);
        assert_eq!(EN_US.week()[0], Weekday::Sun);
        assert_eq!(EN_US.week()[6], Weekday::Sat);
    }

    #[test]
    fn input_in_the_locales_way_or_iso() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(DE.parse_date("06.12.2026"), Ok(d));
        assert_eq!(DE.parse_date("6.12.2026"), Ok(d));
        assert_eq!(DE.parse_date("2026-12-06"), Ok(d));
        assert_eq!(EN_US.parse_date("12/6/2026"), Ok(d));
        assert_eq!(EN_GB.parse_date("06/12/2026"), Ok(d));
        assert!(DE.parse_date("31.02.2026").is_err());
        assert!(DE.parse_date("06.12.26").is_err());
        assert!(DE.parse_date("12/6/2026").is_err());
        assert_eq!(DE.parse_decimal("1.234,50", 2), Ok(123450));
        assert_eq!(DE.parse_decimal("1234,5", 2), Ok(123450));
        assert_eq!(DE.parse_decimal("1234.50", 2), Ok(123450));
        assert_eq!(DE.parse_decimal("1.234", 2), Ok(123400));
        assert_eq!(DE.parse_decimal("-0,07", 2), Ok(-7));
        assert_eq!(EN_US.parse_decimal("1,234.50", 2), Ok(123450));
        assert_eq!(EN_US.parse_decimal("1234.5", 2), Ok(123450));
        assert!(DE.parse_decimal("1,2,3", 2).is_err());
        assert!(DE.parse_decimal("12,345", 2).is_err());
        assert!(EN_US.parse_decimal("1,23.5", 2).is_err());
        assert!(EN_US.parse_decimal("abc", 2).is_err());
        assert_eq!(
            DE.parse_money("1.234,50 €", Currency::EUR),
            Ok(Money::new(123450, Currency::EUR))
        );
        assert_eq!(
            EN_US.parse_money("€1,234.50", Currency::EUR),
            Ok(Money::new(123450, Currency::EUR))
        );
    }

    #[test]
    fn times_and_date_times_in_the_locales_way_or_iso() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        assert_eq!(DE.parse_time("09:00"), Ok(nine));
        assert_eq!(DE.parse_time("9:00"), Ok(nine));
        assert_eq!(EN_US.parse_time("9:00 AM"), Ok(nine));
        assert_eq!(EN_US.parse_time("9:00am"), Ok(nine));
        assert_eq!(EN_US.parse_time("09:00"), Ok(nine));
        assert_eq!(
            EN_US.parse_time("12:30 AM"),
            Ok(NaiveTime::from_hms_opt(0, 30, 0).unwrap())
        );
        assert_eq!(
            EN_US.parse_time("12:30 p.m."),
            Ok(NaiveTime::from_hms_opt(12, 30, 0).unwrap())
        );
        assert_eq!(
            DE.parse_time("17:45:00"),
            Ok(NaiveTime::from_hms_opt(17, 45, 0).unwrap())
        );
        for bad in [
            "",
            "9",
            "25:00",
            "9:60",
            "13:00 PM",
            "0:10 AM",
            "9:00:00:00",
            "nine",
        ] {
            assert!(EN_US.parse_time(bad).is_err(), "{bad}");
        }
        let t = at(2026, 12, 6, 9, 0);
        assert_eq!(DE.parse_date_time("06.12.2026 09:00"), Ok(t));
        assert_eq!(EN_US.parse_date_time("12/6/2026 9:00 AM"), Ok(t));
        assert_eq!(DE.parse_date_time("2026-12-06T09:00"), Ok(t));
        assert_eq!(EN_GB.parse_date_time("2026-12-06 09:00"), Ok(t));
        assert!(DE.parse_date_time("06.12.2026").is_err());
        assert_eq!(DE.plain("1.234,50").as_deref(), Some("1234.50"));
        assert_eq!(DE.plain("19").as_deref(), Some("19"));
        assert_eq!(DE.plain("7,5").as_deref(), Some("7.5"));
        assert_eq!(EN_US.plain("1,234.5").as_deref(), Some("1234.5"));
        assert_eq!(DE.plain("0.075").as_deref(), Some("0.075"));
        assert_eq!(DE.plain("zwölf"), None);
        assert_eq!(DE.plain("1,2,3"), None);
    }

    fn locales() -> impl Strategy<Value = Locale> {
        prop_oneof![Just(DE), Just(EN_US), Just(EN_GB), Just(FR), Just(ES)]
    }

    proptest! {
        #[test]
        fn dates_round_trip(l in locales(), days in 0i64..200_000) {
            let d = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assert_eq!(l.parse_date(&l.date(d)), Ok(d));
            prop_assert_eq!(l.parse_date(&d.format("%Y-%m-%d").to_string()), Ok(d));
        }

        #[test]
        fn times_and_date_times_round_trip(l in locales(), days in 0i64..200_000, minute in 0u32..1440) {
            let t = NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap();
            prop_assert_eq!(l.parse_time(&l.time(t)), Ok(t));
            prop_assert_eq!(l.parse_time(&t.format("%H:%M").to_string()), Ok(t));
            let dt = (NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days)).and_time(t);
            prop_assert_eq!(l.parse_date_time(&l.date_time(dt)), Ok(dt));
            prop_assert_eq!(l.parse_date_time(&dt.format("%Y-%m-%dT%H:%M").to_string()), Ok(dt));
        }

        #[test]
        fn plain_decimals_round_trip(l in locales(), minor in -10_000_000_000i64..10_000_000_000i64) {
            let plain = l.plain(&l.decimal(minor, 2)).unwrap();
            prop_assert_eq!(l.parse_decimal(&plain, 2), Ok(minor));
            prop_assert_eq!(EN_US.parse_decimal(&plain, 2), Ok(minor));
        }

        #[test]
        fn decimals_and_money_round_trip(l in locales(), minor in -10_000_000_000i64..10_000_000_000i64) {
            prop_assert_eq!(l.parse_decimal(&l.decimal(minor, 2), 2), Ok(minor));
            let m = Money::new(minor, Currency::EUR);
            prop_assert_eq!(l.parse_money(&l.money(&m), Currency::EUR), Ok(m));
            prop_assert_eq!(l.parse_decimal(&m.amount_string(), 2), Ok(minor));
        }
    }
}
