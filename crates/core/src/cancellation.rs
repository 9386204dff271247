//! Cancellation policy (issue 15 §3): fee tiers by notice. A policy is a list of tiers, each "at
//! least this many days before the start: this share of the price"; a cancellation pays the fee
//! of the tier with the largest notice it still meets. Notice is counted in calendar days in the
//! session's time zone (the day of the start minus the day of the cancellation, both local), as
//! the client reads the policy: "14 days before" means the date, not 336 hours, and a time zone
//! whose date differs from UTC's counts its own date.

use crate::TimeZoneName;
use crate::money::Money;

/// One tier: cancelled at least `min_days` days before the start, `fee_bp` basis points of the
/// price are kept (10000 = 100 %).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct FeeTier {
    pub min_days: i64,
    pub fee_bp: i64,
}

/// A policy: its tiers ordered by notice, longest first, with distinct notices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    tiers: Vec<FeeTier>,
}

impl Policy {
    /// Checks and orders tiers as typed. A policy needs at least one tier; every notice is 0 to
    /// 365 days, every fee 0 to 100 %, no notice twice.
    pub fn new(mut tiers: Vec<FeeTier>) -> Result<Self, String> {
        if tiers.is_empty() {
            return Err("give at least one tier".into());
        }
        if tiers.len() > 10 {
            return Err("give at most 10 tiers".into());
        }
        for t in &tiers {
            if !(0..=365).contains(&t.min_days) {
                return Err(format!(
                    "{} days is not a notice (0 to 365 days)",
                    t.min_days
                ));
            }
            if !(0..=10_000).contains(&t.fee_bp) {
                return Err(format!(
                    "{} is not a fee (0 to 10000 basis points)",
                    t.fee_bp
                ));
            }
        }
        tiers.sort_by_key(|t| std::cmp::Reverse(t.min_days));
        if tiers.windows(2).any(|w| w[0].min_days == w[1].min_days) {
            return Err("each notice may appear once".into());
        }
        Ok(Self { tiers })
    }

    /// Reads the stored or typed form "14:0, 7:50, 0:100" (days: percent, whole or with up to
    /// two decimals).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut tiers = Vec::new();
        for part in raw.split([',', ';', '\n']).map(str::trim) {
            if part.is_empty() {
                continue;
            }
            let Some((days, pct)) = part.split_once(':') else {
                return Err(format!("'{part}' is not 'days: percent' (e.g. 7: 50)"));
            };
            let min_days = days
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("'{}' is not a number of days", days.trim()))?;
            let fee_bp = crate::pricing::parse_percent(pct)?;
            tiers.push(FeeTier { min_days, fee_bp });
        }
        Self::new(tiers)
    }

    pub fn tiers(&self) -> &[FeeTier] {
        &self.tiers
    }

    /// The form [`Policy::parse`] reads back: "14:0, 7:50, 0:100".
    pub fn to_text(&self) -> String {
        self.tiers
            .iter()
            .map(|t| format!("{}:{}", t.min_days, percent_text(t.fee_bp)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The fee share for a cancellation with `notice_days` days' notice: the tier with the
    /// largest notice not above it; none met (cancelled after the start, or no tier at 0): 100 %.
    pub fn fee_bp(&self, notice_days: i64) -> i64 {
        self.tiers
            .iter()
            .find(|t| t.min_days <= notice_days)
            .map_or(10_000, |t| t.fee_bp)
    }
}

/// Basis points as a percent without trailing zeros: 5000 → "50", 1250 → "12.5".
pub fn percent_text(bp: i64) -> String {
    let whole = bp / 100;
    match bp % 100 {
        0 => whole.to_string(),
        r if r % 10 == 0 => format!("{whole}.{}", r / 10),
        r => format!("{whole}.{r:02}"),
    }
}

/// Days of notice: the start's calendar day minus the cancellation's, both in the session's
/// time zone (negative once the session has begun on an earlier day).
pub fn notice_days(cancelled_at: i64, starts_at: i64, tz: &TimeZoneName) -> i64 {
    let start = tz.local(starts_at).date_naive();
    let cancelled = tz.local(cancelled_at).date_naive();
    (start - cancelled).num_days()
}

/// What a cancellation costs: the fee kept and the part given back, which add up to the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub notice_days: i64,
    pub fee_bp: i64,
    pub fee: Money,
    pub refund: Money,
}

/// Splits `price` by the policy for a cancellation at `cancelled_at`. The fee is rounded half up
/// to the currency's minor unit; the refund is the rest, so nothing is lost to rounding.
pub fn split(
    policy: &Policy,
    price: Money,
    cancelled_at: i64,
    starts_at: i64,
    tz: &TimeZoneName,
) -> Split {
    let notice = notice_days(cancelled_at, starts_at, tz);
    let fee_bp = policy.fee_bp(notice);
    let fee_minor = share(price.minor, fee_bp);
    Split {
        notice_days: notice,
        fee_bp,
        fee: Money::new(fee_minor, price.currency),
        refund: Money::new(price.minor - fee_minor, price.currency),
    }
}

/// `bp` basis points of `minor`, rounded half away from zero (in i128: no overflow).
pub fn share(minor: i64, bp: i64) -> i64 {
    let p = i128::from(minor) * i128::from(bp);
    let q = (p.abs() + 5_000) / 10_000;
    let q = if p < 0 { -q } else { q };
    i64::try_from(q).unwrap_or(if p < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Currency;
    use chrono::{NaiveDate, TimeZone};
    use proptest::prelude::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::parse("EUR").unwrap())
    }

    fn standard() -> Policy {
        Policy::parse("14:0, 7:50, 0:100").unwrap()
    }

    fn at(tz: &str, y: i32, m: u32, d: u32, h: u32, min: u32) -> i64 {
        let tz: chrono_tz::Tz = tz.parse().unwrap();
        tz.from_local_datetime(
            &NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(h, min, 0)
                .unwrap(),
        )
        .single()
        .unwrap()
        .timestamp_millis()
    }

    #[test]
    fn tiers_at_each_boundary() {
        let p = standard();
        let tz = TimeZoneName::parse("Europe/Berlin").unwrap();
        let start = at("Europe/Berlin", 2027, 3, 15, 9, 0);
        let price = eur(99_000);
        // 14 days before (the 1st, any hour): free; 13 days: half; 7 days: half; 6 days: all.
        let cases = [
            ((3, 1, 0, 0), 14, 0),
            ((3, 1, 23, 59), 14, 0),
            ((3, 2, 0, 0), 13, 49_500),
            ((3, 8, 23, 59), 7, 49_500),
            ((3, 9, 0, 0), 6, 99_000),
            ((3, 15, 8, 59), 0, 99_000),
        ];
        for ((m, d, h, min), notice, fee) in cases {
            let s = split(
                &p,
                price,
                at("Europe/Berlin", 2027, m, d, h, min),
                start,
                &tz,
            );
            assert_eq!(
                (s.notice_days, s.fee.minor),
                (notice, fee),
                "{m}-{d} {h}:{min}"
            );
            assert_eq!(s.fee.minor + s.refund.minor, price.minor);
        }
    }

    #[test]
    fn notice_counts_local_days_across_a_dst_change() {
        // Berlin moves to summer time on 28 March 2027: the 21st 00:30 to the 28th 09:00 is
        // 7 calendar days though 6 days 7.5 hours of clock time... still 7 days' notice.
        let tz = TimeZoneName::parse("Europe/Berlin").unwrap();
        let start = at("Europe/Berlin", 2027, 3, 28, 9, 0);
        let s = split(
            &standard(),
            eur(1_000),
            at("Europe/Berlin", 2027, 3, 21, 0, 30),
            start,
            &tz,
        );
        assert_eq!((s.notice_days, s.fee_bp), (7, 5_000));
        // And back in autumn (31 October 2027): the 17th 23:30 to the 31st 00:30 is 14 days.
        let start = at("Europe/Berlin", 2027, 10, 31, 0, 30);
        let s = split(
            &standard(),
            eur(1_000),
            at("Europe/Berlin", 2027, 10, 17, 23, 30),
            start,
            &tz,
        );
        assert_eq!((s.notice_days, s.fee_bp), (14, 0));
    }

    #[test]
    fn notice_is_counted_in_the_sessions_zone_not_utc() {
        // Auckland is UTC+13 in January: 10:00 on 2 Jan local is still the 1st in UTC.
        let tz = TimeZoneName::parse("Pacific/Auckland").unwrap();
        let start = at("Pacific/Auckland", 2027, 1, 16, 10, 0);
        let cancelled = at("Pacific/Auckland", 2027, 1, 2, 10, 0);
        assert_eq!(
            crate::time::utc(cancelled).date_naive(),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        let s = split(&standard(), eur(1_000), cancelled, start, &tz);
        assert_eq!((s.notice_days, s.fee_bp), (14, 0), "UTC would say 15 days");
        let cancelled = at("Pacific/Auckland", 2027, 1, 3, 0, 30); // 2 Jan 11:30 UTC
        let s = split(&standard(), eur(1_000), cancelled, start, &tz);
        assert_eq!(
            (s.notice_days, s.fee.minor),
            (13, 500),
            "UTC would say 14 days: free"
        );
    }

    #[test]
    fn policies_are_checked() {
        assert!(Policy::parse("").is_err());
        assert!(Policy::parse("7:50, 7:60").is_err());
        assert!(Policy::parse("7:150").is_err());
        assert!(Policy::parse("-1:50").is_err());
        assert!(Policy::parse("seven:50").is_err());
        let p = Policy::parse("0:100; 14:0\n7:12.5").unwrap();
        assert_eq!(p.to_text(), "14:0, 7:12.5, 0:100");
        assert_eq!(Policy::parse(&p.to_text()).unwrap(), p);
        // No tier at 0 days: a cancellation after the last tier keeps everything.
        assert_eq!(Policy::parse("7:50").unwrap().fee_bp(3), 10_000);
        assert_eq!(share(99_999, 5_000), 50_000);
        assert_eq!(share(-99_999, 5_000), -50_000);
    }

    proptest! {
        #[test]
        fn fee_and_refund_add_up_to_the_price(minor in 0i64..10_000_000_000, bp in 0i64..=10_000,
                                              notice in -30i64..400) {
            let p = Policy::new(vec![FeeTier { min_days: 0, fee_bp: bp }]).unwrap();
            let fee = share(minor, p.fee_bp(notice));
            prop_assert!((0..=minor).contains(&fee));
            prop_assert!(notice < 0 || fee == share(minor, bp));
        }
    }
}
