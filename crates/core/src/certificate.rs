//! Certificates of completion: the verification code's alphabet and shape, the expiry date a
//! course's validity gives, and where a certificate stands on a given day (valid, expired,
//! revoked). Pure: the random bytes and "today" come from the caller.

use crate::status::Refusal;
use chrono::{Months, NaiveDate};
use std::fmt;

/// Crockford's base32 alphabet: digits and capitals without I, L, O and U, so a code read aloud
/// or typed from paper is not mistaken.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a verification code: 12 × 5 = 60 random bits.
pub const CODE_LEN: usize = 12;

/// A verification code from random bytes (at least [`CODE_LEN`] of them; the low 5 bits of each
/// pick a character, so every character is uniform).
pub fn code_from_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(CODE_LEN)
        .map(|b| ALPHABET[(b & 31) as usize] as char)
        .collect()
}

/// A code as someone typed it: case, spaces and dashes ignored, and the letters Crockford reads
/// as digits (O → 0, I and L → 1) mapped. `None` when it cannot be a code at all, so a lookup is
/// never made for it.
pub fn normalise_code(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_LEN);
    for c in raw.trim().chars() {
        if c == '-' || c == ' ' {
            continue;
        }
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        out.push(c);
        if out.len() > CODE_LEN {
            return None;
        }
    }
    (out.len() == CODE_LEN).then_some(out)
}

/// The code in groups of four for print ("7KQ2-M9XD-4TBA").
pub fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The last day a certificate issued on `issued_on` is valid, for a validity of `months`
/// (none: it does not expire). Issued 31 January for one month → valid through 28/29 February.
pub fn expires_on(issued_on: NaiveDate, months: Option<i64>) -> Result<Option<NaiveDate>, Refusal> {
    let Some(m) = months else {
        return Ok(None);
    };
    if !(1..=1200).contains(&m) {
        return Err(Refusal::plain(format!(
            "a validity of {m} months is not between 1 and 1200"
        )));
    }
    issued_on
        .checked_add_months(Months::new(m as u32))
        .map(Some)
        .ok_or_else(|| Refusal::plain("the expiry date is out of range"))
}

/// Where a certificate stands on a day.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Issued, not revoked, and not past its expiry date.
    Valid,
    /// Past its expiry date (it was valid until then).
    Expired,
    /// Withdrawn by the training provider, with a reason.
    Revoked,
}

impl Standing {
    pub const ALL: &'static [Standing] = &[Standing::Valid, Standing::Expired, Standing::Revoked];

    /// A certificate stored as `revoked` (or not), expiring on `expires_on` (`YYYY-MM-DD`,
    /// inclusive), on `today` (`YYYY-MM-DD`).
    pub fn on(revoked: bool, expires_on: Option<&str>, today: &str) -> Self {
        if revoked {
            Standing::Revoked
        } else if expires_on.is_some_and(|e| e < today) {
            Standing::Expired
        } else {
            Standing::Valid
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Standing::Valid => "valid",
            Standing::Expired => "expired",
            Standing::Revoked => "revoked",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Standing::Valid => "Valid",
            Standing::Expired => "Expired",
            Standing::Revoked => "Revoked",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Refusal> {
        Self::ALL
            .iter()
            .copied()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| {
                Refusal::plain(format!(
                    "'{}' is not a certificate status (one of: valid, expired, revoked)",
                    s.trim().chars().take(40).collect::<String>()
                ))
            })
    }
}

impl fmt::Display for Standing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reminder offsets in days before expiry, from words ("90, 30, 7"): largest first, no repeats,
/// each between 1 and 365, at most six.
pub fn parse_reminder_days(raw: &str) -> Result<Vec<i64>, String> {
    let mut days = Vec::new();
    for part in raw.split([',', ';', '\n']).map(str::trim) {
        if part.is_empty() {
            continue;
        }
        let d: i64 = part
            .trim_end_matches("days")
            .trim_end_matches("day")
            .trim_end_matches('d')
            .trim()
            .parse()
            .map_err(|_| {
                format!(
                    "'{}' is not a number of days",
                    part.chars().take(40).collect::<String>()
                )
            })?;
        if !(1..=365).contains(&d) {
            return Err(format!(
                "{d}: each reminder is between 1 and 365 days ahead"
            ));
        }
        days.push(d);
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    if days.len() > 6 {
        return Err("at most 6 reminders".into());
    }
    Ok(days)
}

/// For each offset (days, largest first), the window of expiry dates, in days from today, in
/// which its reminder is the latest one due: `(offset, lower)` stands for certificates expiring
/// after `today + lower` and on or before `today + offset` (the smallest offset's `lower` is -1,
/// so it covers a certificate expiring today). A certificate issued 20 days before it expires
/// gets the 30-day reminder once, then the 7-day one, and never a stale 90-day one.
pub fn reminder_windows(days: &[i64]) -> Vec<(i64, i64)> {
    let mut sorted: Vec<i64> = days.iter().copied().filter(|d| *d > 0).collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    sorted
        .iter()
        .enumerate()
        .map(|(i, d)| (*d, sorted.get(i + 1).copied().unwrap_or(-1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_the_alphabet_and_read_back_as_typed() {
        let bytes: Vec<u8> = (0..=255u8).step_by(21).collect();
        let code = code_from_bytes(&bytes);
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(normalise_code(&code), Some(code.clone()));
        assert_eq!(normalise_code(&grouped(&code).to_lowercase()), Some(code));
        assert_eq!(
            normalise_code("o1il-abcd-efgh"),
            Some("0111ABCDEFGH".into())
        );
        assert_eq!(normalise_code("short"), None);
        assert_eq!(normalise_code("ABCDEFGHJKMNP"), None, "one too many");
        assert_eq!(normalise_code("ABCDEFGHJKM!"), None);
        assert_eq!(
            normalise_code("ABCDEFGHJKMU"),
            None,
            "U is not in the alphabet"
        );
        assert_eq!(normalise_code("../../etc/pas"), None);
    }

    #[test]
    fn validity_adds_calendar_months() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(expires_on(d("2027-01-31"), None).unwrap(), None);
        assert_eq!(
            expires_on(d("2027-01-31"), Some(1)).unwrap(),
            Some(d("2027-02-28"))
        );
        assert_eq!(
            expires_on(d("2027-03-15"), Some(24)).unwrap(),
            Some(d("2029-03-15"))
        );
        assert!(expires_on(d("2027-03-15"), Some(0)).is_err());
    }

    #[test]
    fn standing_on_a_day() {
        assert_eq!(Standing::on(false, None, "2030-01-01"), Standing::Valid);
        assert_eq!(
            Standing::on(false, Some("2027-05-01"), "2027-05-01"),
            Standing::Valid,
            "valid through its last day"
        );
        assert_eq!(
            Standing::on(false, Some("2027-05-01"), "2027-05-02"),
            Standing::Expired
        );
        assert_eq!(
            Standing::on(true, Some("2099-05-01"), "2027-05-02"),
            Standing::Revoked
        );
        assert_eq!(Standing::parse("expired").unwrap(), Standing::Expired);
        assert!(Standing::parse("bogus").is_err());
    }

    #[test]
    fn reminder_days_and_their_windows() {
        assert_eq!(parse_reminder_days("7, 90,30").unwrap(), vec![90, 30, 7]);
        assert_eq!(parse_reminder_days("14, 60 days").unwrap(), vec![60, 14]);
        assert_eq!(parse_reminder_days("30 days; 7d").unwrap(), vec![30, 7]);
        assert_eq!(parse_reminder_days("").unwrap(), Vec::<i64>::new());
        assert!(parse_reminder_days("0").is_err());
        assert!(parse_reminder_days("soon").is_err());
        assert_eq!(
            reminder_windows(&[7, 90, 30]),
            vec![(90, 30), (30, 7), (7, -1)]
        );
    }
}
