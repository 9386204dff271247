//! Budgets (issue 15 §5): per program, per client or per internal cost centre, over whole months,
//! an amount compared with the cost lines of the sessions that start in the period, by stage
//! (planned, committed, actual), with a variance alert when what is committed or already spent
//! passes a threshold percentage of the budget.

use crate::costs::CostLine;
use crate::invalid::Invalid;
use crate::money::{Currency, Money};
use crate::status::{BudgetScope, CostStage};
use chrono::{NaiveDate, TimeZone, Utc};

/// A budget as typed: every field as text or a plain number, checked by [`BudgetFields::validate`].
#[derive(Debug, Clone, Default)]
pub struct BudgetFields {
    /// `program`, `client` or `cost_centre`.
    pub scope: String,
    /// The program, client or cost centre it is for.
    pub target_id: Option<i64>,
    pub name: String,
    /// First month (YYYY-MM).
    pub from_month: String,
    /// Last month (YYYY-MM, inclusive).
    pub to_month: String,
    /// Decimal amount, e.g. `60000` or `60000.00`.
    pub amount: String,
    pub currency: String,
    /// The alert fires when committed + actual passes this percentage of the amount (1–1000).
    pub threshold_percent: i64,
}

/// A valid budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetInput {
    pub scope: BudgetScope,
    pub target_id: i64,
    pub name: String,
    pub period: Period,
    pub amount: Money,
    pub threshold_percent: i64,
}

/// Whole months, `from` to `to` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day of the first month.
    pub from: NaiveDate,
    /// First day of the month after the last.
    pub until: NaiveDate,
}

impl Period {
    pub fn from_month(&self) -> String {
        self.from.format("%Y-%m").to_string()
    }

    /// The last month, inclusive.
    pub fn to_month(&self) -> String {
        self.until
            .checked_sub_months(chrono::Months::new(1))
            .unwrap_or(self.until)
            .format("%Y-%m")
            .to_string()
    }

    /// The bounds in UTC epoch milliseconds: `[starts_at, ends_at)`.
    pub fn bounds_ms(&self) -> (i64, i64) {
        let ms = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map(|t| Utc.from_utc_datetime(&t).timestamp_millis())
                .unwrap_or(0)
        };
        (ms(self.from), ms(self.until))
    }

    pub fn parse(from: &str, to: &str) -> Result<Period, (&'static str, String)> {
        let (first, _) = crate::invoice::parse_month(from).map_err(|e| ("from_month", e))?;
        let (_, until) = crate::invoice::parse_month(to).map_err(|e| ("to_month", e))?;
        if until <= first {
            return Err(("to_month", "must not be before the first month".into()));
        }
        let years = until.signed_duration_since(first).num_days() / 365;
        if years > 100 {
            return Err(("to_month", "a budget covers at most a hundred years".into()));
        }
        Ok(Period { from: first, until })
    }
}

impl BudgetFields {
    pub fn validate(&self) -> Result<BudgetInput, Invalid> {
        let mut inv = Invalid::new();
        let scope = inv.check("scope", BudgetScope::parse(&self.scope));
        if self.target_id.is_none_or(|t| t <= 0) {
            inv.add(
                "target_id",
                "choose the program, client or cost centre the budget is for",
            );
        }
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            inv.add("name", "give the budget a name");
        } else if name.chars().count() > 200 {
            inv.add("name", "at most 200 characters");
        }
        let period = match Period::parse(&self.from_month, &self.to_month) {
            Ok(p) => Some(p),
            Err((field, e)) => {
                inv.add(field, e);
                None
            }
        };
        let currency = inv.check("currency", Currency::parse(&self.currency));
        let amount =
            currency.and_then(|c| inv.check("amount", Money::parse_non_negative(&self.amount, c)));
        if !(1..=1000).contains(&self.threshold_percent) {
            inv.add(
                "threshold_percent",
                "must be a percentage from 1 to 1000 (e.g. 90 alerts at 90 % of the budget)",
            );
        }
        match (scope, self.target_id, period, amount) {
            (Some(scope), Some(target_id), Some(period), Some(amount)) if inv.is_empty() => {
                Ok(BudgetInput {
                    scope,
                    target_id,
                    name,
                    period,
                    amount,
                    threshold_percent: self.threshold_percent,
                })
            }
            _ => Err(inv),
        }
    }
}

/// A budget against its sessions' costs, in the budget's currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub budget: Money,
    /// Lines only planned so far.
    pub planned: Money,
    /// Lines committed (a confirmed assignment or booking, a committed manual line).
    pub committed: Money,
    /// Lines with an actual amount entered by finance.
    pub actual: Money,
    /// committed + actual: what the budget is bound to.
    pub exposure: Money,
    /// budget − exposure (negative when over).
    pub remaining: Money,
    /// exposure as a whole percentage of the budget (rounded down); none for a zero budget.
    pub used_percent: Option<i64>,
    pub threshold_percent: i64,
    /// The variance alert: exposure over the threshold.
    pub over_threshold: bool,
    /// exposure over the budget itself.
    pub over_budget: bool,
    /// Lines in other currencies, summed per currency and left out of the figures.
    pub other_currencies: Vec<Money>,
}

/// The alert rule: committed or actual (together: what is bound) over `threshold_percent` of
/// the budget. A zero budget is over as soon as anything is bound.
pub fn over_threshold(budget_minor: i64, threshold_percent: i64, exposure_minor: i64) -> bool {
    i128::from(exposure_minor) * 100 > i128::from(budget_minor) * i128::from(threshold_percent)
}

/// The figures of a budget of `budget` over the cost lines of its sessions.
pub fn figures<'a>(
    budget: Money,
    threshold_percent: i64,
    lines: impl IntoIterator<Item = &'a CostLine>,
) -> Figures {
    let cur = budget.currency;
    let (mut planned, mut committed, mut actual) = (0i64, 0i64, 0i64);
    let mut other: Vec<Money> = Vec::new();
    for l in lines {
        if l.amount.currency != cur {
            match other.iter_mut().find(|m| m.currency == l.amount.currency) {
                Some(m) => m.minor = m.minor.saturating_add(l.amount.minor),
                None => other.push(l.amount),
            }
            continue;
        }
        let bucket = match l.stage {
            CostStage::Planned => &mut planned,
            CostStage::Committed => &mut committed,
            CostStage::Actual => &mut actual,
        };
        *bucket = bucket.saturating_add(l.amount.minor);
    }
    other.sort_by(|a, b| a.currency.as_str().cmp(b.currency.as_str()));
    let exposure = committed.saturating_add(actual);
    let used_percent = (budget.minor > 0).then(|| {
        let p = i128::from(exposure) * 100 / i128::from(budget.minor);
        p.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    });
    Figures {
        budget,
        planned: Money::new(planned, cur),
        committed: Money::new(committed, cur),
        actual: Money::new(actual, cur),
        exposure: Money::new(exposure, cur),
        remaining: Money::new(budget.minor.saturating_sub(exposure), cur),
        used_percent,
        threshold_percent,
        over_threshold: over_threshold(budget.minor, threshold_percent, exposure),
        over_budget: exposure > budget.minor,
        other_currencies: other,
    }
}

/// What a change does to a budget's alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertChange {
    /// It went over its threshold: alert (once for this crossing).
    Raise,
    /// It came back under: the next crossing alerts again.
    Clear,
    Keep,
}

/// From whether the budget was alerting and whether it is over now.
pub fn alert_change(was_alerting: bool, over_now: bool) -> AlertChange {
    match (was_alerting, over_now) {
        (false, true) => AlertChange::Raise,
        (true, false) => AlertChange::Clear,
        _ => AlertChange::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::CostKind;
    use proptest::prelude::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    fn line(minor: i64, stage: CostStage, cur: &str) -> CostLine {
        let m = Money::new(minor, Currency::parse(cur).unwrap());
        CostLine {
            key: "line-1".into(),
            kind: CostKind::Other,
            description: String::new(),
            stage,
            planned: m,
            actual: (stage == CostStage::Actual).then_some(m),
            amount: m,
            note: String::new(),
            derived: false,
            assignment_id: None,
            resource_id: None,
            version: 1,
        }
    }

    #[test]
    fn figures_by_stage_and_threshold() {
        let lines = vec![
            line(10_000, CostStage::Planned, "EUR"),
            line(50_000, CostStage::Committed, "EUR"),
            line(30_000, CostStage::Actual, "EUR"),
            line(7_000, CostStage::Actual, "USD"),
        ];
        let f = figures(eur(100_000), 90, &lines);
        assert_eq!(f.planned, eur(10_000));
        assert_eq!(f.committed, eur(50_000));
        assert_eq!(f.actual, eur(30_000));
        assert_eq!(f.exposure, eur(80_000));
        assert_eq!(f.remaining, eur(20_000));
        assert_eq!(f.used_percent, Some(80));
        assert!(!f.over_threshold);
        assert_eq!(f.other_currencies.len(), 1);
        let f = figures(eur(100_000), 79, &lines);
        assert!(f.over_threshold);
        assert!(!f.over_budget);
        // Exactly at the threshold is not over it.
        assert!(!over_threshold(100_000, 80, 80_000));
        assert!(over_threshold(100_000, 80, 80_001));
        assert!(over_threshold(0, 90, 1));
        assert!(!over_threshold(0, 90, 0));
    }

    #[test]
    fn fields_are_checked_and_named() {
        let f = BudgetFields {
            scope: "department".into(),
            target_id: None,
            name: " ".into(),
            from_month: "2027-13".into(),
            to_month: "2027-01".into(),
            amount: "-5".into(),
            currency: "EURO".into(),
            threshold_percent: 0,
        };
        let inv = f.validate().unwrap_err();
        for field in [
            "scope",
            "target_id",
            "name",
            "from_month",
            "currency",
            "threshold_percent",
        ] {
            assert!(inv.message_for(field).is_some(), "{field}");
        }
        let ok = BudgetFields {
            scope: "cost_centre".into(),
            target_id: Some(3),
            name: "Academy 2027".into(),
            from_month: "2027-01".into(),
            to_month: "2027-12".into(),
            amount: "60000".into(),
            currency: "eur".into(),
            threshold_percent: 90,
        }
        .validate()
        .unwrap();
        assert_eq!(ok.amount, eur(6_000_000));
        assert_eq!(ok.period.to_month(), "2027-12");
        let (a, b) = ok.period.bounds_ms();
        assert_eq!(a, 1_798_761_600_000);
        assert_eq!(b, 1_830_297_600_000);
        let backwards = BudgetFields {
            from_month: "2027-05".into(),
            to_month: "2027-04".into(),
            ..ok_fields()
        };
        assert!(
            backwards
                .validate()
                .unwrap_err()
                .message_for("to_month")
                .is_some()
        );
    }

    fn ok_fields() -> BudgetFields {
        BudgetFields {
            scope: "program".into(),
            target_id: Some(1),
            name: "x".into(),
            from_month: "2027-01".into(),
            to_month: "2027-01".into(),
            amount: "1".into(),
            currency: "EUR".into(),
            threshold_percent: 90,
        }
    }

    #[test]
    fn one_alert_per_crossing() {
        assert_eq!(alert_change(false, true), AlertChange::Raise);
        assert_eq!(alert_change(true, true), AlertChange::Keep);
        assert_eq!(alert_change(true, false), AlertChange::Clear);
        assert_eq!(alert_change(false, false), AlertChange::Keep);
    }

    proptest! {
        /// The stages partition the lines in the budget's currency; the alert is exactly the
        /// rule on the exposure; a series of changes raises one alert per crossing.
        #[test]
        fn figures_add_up(
            amounts in proptest::collection::vec((0i64..1_000_000, 0usize..3, proptest::bool::ANY), 0..40),
            budget in 0i64..10_000_000,
            threshold in 1i64..=1000,
        ) {
            let stages = [CostStage::Planned, CostStage::Committed, CostStage::Actual];
            let lines: Vec<CostLine> = amounts
                .iter()
                .map(|(m, s, usd)| line(*m, stages[*s], if *usd { "USD" } else { "EUR" }))
                .collect();
            let f = figures(eur(budget), threshold, &lines);
            let eur_total: i64 = amounts.iter().filter(|a| !a.2).map(|a| a.0).sum();
            let usd_total: i64 = amounts.iter().filter(|a| a.2).map(|a| a.0).sum();
            prop_assert_eq!(f.planned.minor + f.committed.minor + f.actual.minor, eur_total);
            prop_assert_eq!(f.other_currencies.iter().map(|m| m.minor).sum::<i64>(), usd_total);
            prop_assert_eq!(f.exposure.minor, f.committed.minor + f.actual.minor);
            prop_assert_eq!(f.remaining.minor + f.exposure.minor, budget);
            prop_assert_eq!(
                f.over_threshold,
                (f.exposure.minor as i128) * 100 > (budget as i128) * (threshold as i128)
            );
            // Replaying the exposures one change at a time: raises equal upward crossings.
            let mut alerting = false;
            let mut raises = 0;
            let mut exposure = 0i64;
            let mut crossings = 0;
            for (m, s, usd) in &amounts {
                if *usd || *s == 0 { continue; }
                let before = over_threshold(budget, threshold, exposure);
                exposure += m;
                let after = over_threshold(budget, threshold, exposure);
                if !before && after { crossings += 1; }
                match alert_change(alerting, after) {
                    AlertChange::Raise => { raises += 1; alerting = true; }
                    AlertChange::Clear => alerting = false,
                    AlertChange::Keep => {}
                }
            }
            prop_assert_eq!(raises, crossings);
            prop_assert!(raises <= 1);
        }
    }
}
