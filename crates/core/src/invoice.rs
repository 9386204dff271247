//! Invoice arithmetic: line amounts, tax per rate and totals in integer minor units, and the
//! gapless numbers of a series. Exact by construction: the total is the sum of the line nets plus
//! the tax of each rate, each rounded once, so a printed invoice always adds up.

use crate::Invalid;
use crate::money::{Currency, Money, MoneyError};

/// Quantities carry three decimals (1.5 days is 1500).
pub const QUANTITY_SCALE: i64 = 1000;
/// Tax rates are in basis points of a percent: 19 % is 1900, 7.7 % is 770.
pub const RATE_SCALE: i64 = 10_000;

/// One line as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub description: String,
    /// Thousandths: 1000 is one.
    pub quantity: i64,
    /// Price of one, in minor units (negative on a credit note).
    pub unit_minor: i64,
    /// Basis points (1900 = 19 %).
    pub tax_rate: i64,
}

/// Divides and rounds half away from zero (commercial rounding).
fn div_round(numerator: i128, denominator: i128) -> i128 {
    let q = numerator / denominator;
    let r = numerator % denominator;
    if 2 * r.abs() >= denominator.abs() {
        q + numerator.signum() * denominator.signum()
    } else {
        q
    }
}

impl Line {
    /// quantity × unit price, rounded to the minor unit.
    pub fn net(&self) -> i64 {
        let n = div_round(
            self.quantity as i128 * self.unit_minor as i128,
            QUANTITY_SCALE as i128,
        );
        n.clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }
}

/// The tax of one rate: the nets at that rate, summed, then taxed and rounded once.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TaxBand {
    /// Basis points (1900 = 19 %).
    pub rate: i64,
    pub net_minor: i64,
    pub tax_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Totals {
    pub net: i64,
    pub tax: i64,
    pub gross: i64,
    pub bands: Vec<TaxBand>,
}

/// Totals of an invoice's lines.
pub fn totals(lines: &[Line]) -> Totals {
    let mut bands: Vec<TaxBand> = Vec::new();
    for line in lines {
        let net = line.net();
        match bands.iter_mut().find(|b| b.rate == line.tax_rate) {
            Some(b) => b.net_minor += net,
            None => bands.push(TaxBand {
                rate: line.tax_rate,
                net_minor: net,
                tax_minor: 0,
            }),
        }
    }
    bands.sort_by_key(|b| b.rate);
    for b in &mut bands {
        b.tax_minor = div_round(b.net_minor as i128 * b.rate as i128, RATE_SCALE as i128) as i64;
    }
    let net = bands.iter().map(|b| b.net_minor).sum();
    let tax = bands.iter().map(|b| b.tax_minor).sum();
    Totals {
        net,
        tax,
        gross: net + tax,
        bands,
    }
}

/// A tax rate as a person types it ("19", "7.7", "0"), in basis points.
pub fn parse_rate(raw: &str) -> Result<i64, String> {
    let s = raw.trim().trim_end_matches('%').trim();
    let bp = Money::parse(s, Currency::EUR)
        .map_err(|_| format!("'{s}' is not a tax rate (enter a percentage such as 19 or 7.7)"))?
        .minor;
    if !(0..=RATE_SCALE).contains(&bp) {
        return Err("must be between 0 and 100 %".into());
    }
    Ok(bp)
}

/// A quantity as typed ("2", "1.5"), in thousandths; positive.
pub fn parse_quantity(raw: &str) -> Result<i64, String> {
    let s = raw.trim();
    let q = Money::parse(s, Currency::parse("BHD").map_err(|e| e.to_string())?)
        .map_err(|e| match e {
            MoneyError::TooPrecise { .. } => "has more than three decimal places".to_owned(),
            _ => format!("'{s}' is not a quantity (enter a number such as 2 or 1.5)"),
        })?
        .minor;
    if q <= 0 {
        return Err("must be more than 0".into());
    }
    if q > 1_000_000 * QUANTITY_SCALE {
        return Err("is too large".into());
    }
    Ok(q)
}

/// One line as typed in a form or an API body.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct LineFields {
    pub description: String,
    /// A number such as "2" or "1.5".
    pub quantity: String,
    /// The price of one, a decimal string such as "990.00", in the invoice's currency.
    pub unit_price: String,
    /// A percentage such as "19" or "7.7".
    pub tax_rate: String,
}

/// Validates typed lines (skipping lines left wholly blank in a form) for `currency`; errors name
/// the line as people count ("Line 2: …").
pub fn validate_lines(fields: &[LineFields], currency: Currency) -> Result<Vec<Line>, Invalid> {
    let mut inv = Invalid::new();
    let mut lines = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let blank = f.description.trim().is_empty()
            && f.quantity.trim().is_empty()
            && f.unit_price.trim().is_empty();
        if blank {
            continue;
        }
        let at = |field: &str| format!("lines[{i}].{field}");
        let description = f.description.trim();
        if description.is_empty() {
            inv.add(&at("description"), "describe what is invoiced");
        } else if description.chars().count() > 300 {
            inv.add(&at("description"), "must be at most 300 characters");
        }
        let quantity = inv.check(
            &at("quantity"),
            parse_quantity(if f.quantity.trim().is_empty() {
                "1"
            } else {
                &f.quantity
            }),
        );
        let unit = inv.check(
            &at("unit_price"),
            Money::parse_non_negative(&f.unit_price, currency),
        );
        let rate = inv.check(
            &at("tax_rate"),
            parse_rate(if f.tax_rate.trim().is_empty() {
                "0"
            } else {
                &f.tax_rate
            }),
        );
        if let (Some(quantity), Some(unit), Some(tax_rate)) = (quantity, unit, rate) {
            lines.push(Line {
                description: description.to_owned(),
                quantity,
                unit_minor: unit.minor,
                tax_rate,
            });
        }
    }
    if lines.len() > 500 {
        inv.add("lines", "an invoice holds at most 500 lines");
    }
    inv.or_ok(lines)
}

/// The number of the `n`-th document of `series` in `year`: `2027-000123`, credit notes
/// `CN-2027-000004`.
pub fn number(series: &str, year: i32, n: i64) -> String {
    if series.is_empty() {
        format!("{year}-{n:06}")
    } else {
        format!("{series}-{year}-{n:06}")
    }
}

/// A quantity for people: "1.5", "2".
pub fn quantity_string(q: i64) -> String {
    let whole = q / QUANTITY_SCALE;
    let frac = (q % QUANTITY_SCALE).abs();
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:03}")
            .trim_end_matches('0')
            .to_owned()
    }
}

/// A rate for people: "19 %", "7.7 %".
pub fn rate_string(bp: i64) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole} %")
    } else {
        format!("{whole}.{frac:02}")
            .trim_end_matches('0')
            .to_owned()
            + " %"
    }
}

/// Each line's share of its rate's tax, for exports that carry tax per line: the running net of
/// the rate is taxed and rounded, and a line takes the step it adds. The shares of a rate then sum
/// to exactly the rate's tax on the invoice, and each is within a minor unit of the line's own tax.
pub fn line_taxes(lines: &[Line]) -> Vec<i64> {
    let mut running: Vec<(i64, i128, i128)> = Vec::new(); // (rate, net so far, tax so far)
    lines
        .iter()
        .map(|line| {
            let i = match running.iter().position(|r| r.0 == line.tax_rate) {
                Some(i) => i,
                None => {
                    running.push((line.tax_rate, 0, 0));
                    running.len() - 1
                }
            };
            let r = &mut running[i];
            r.1 += line.net() as i128;
            let tax = div_round(r.1 * line.tax_rate as i128, RATE_SCALE as i128);
            let share = tax - r.2;
            r.2 = tax;
            share.clamp(i64::MIN as i128, i64::MAX as i128) as i64
        })
        .collect()
}

/// The month a run bills, `YYYY-MM`: its first day and the first day of the next month.
pub fn parse_month(raw: &str) -> Result<(chrono::NaiveDate, chrono::NaiveDate), String> {
    let raw = raw.trim();
    let first = chrono::NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| raw.len() == 7)
        .ok_or_else(|| {
            format!(
                "'{}' is not a month: write it as YYYY-MM, e.g. 2027-01",
                raw.chars().take(20).collect::<String>()
            )
        })?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| "the month is out of range".to_owned())?;
    Ok((first, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(q: i64, unit: i64, rate: i64) -> Line {
        Line {
            description: "x".into(),
            quantity: q,
            unit_minor: unit,
            tax_rate: rate,
        }
    }

    #[test]
    fn tax_is_rounded_once_per_rate() {
        // Three lines of 0.10 at 19 %: 0.30 net, tax 0.057 → 0.06 (per-line rounding gives 0.03).
        let t = totals(&[
            line(1000, 10, 1900),
            line(1000, 10, 1900),
            line(1000, 10, 1900),
        ]);
        assert_eq!((t.net, t.tax, t.gross), (30, 6, 36));
        let t = totals(&[line(1500, 99000, 1900), line(2000, 4550, 700)]);
        assert_eq!(t.bands.len(), 2);
        assert_eq!(
            t.bands[0],
            TaxBand {
                rate: 700,
                net_minor: 9100,
                tax_minor: 637
            }
        );
        assert_eq!(
            t.bands[1],
            TaxBand {
                rate: 1900,
                net_minor: 148500,
                tax_minor: 28215
            }
        );
        assert_eq!(t.gross, 9100 + 637 + 148500 + 28215);
    }

    #[test]
    fn credit_lines_round_like_their_invoice() {
        let inv = totals(&[line(1000, 12345, 1900)]);
        let credit = totals(&[line(1000, -12345, 1900)]);
        assert_eq!(inv.gross, -credit.gross);
    }

    #[test]
    fn typed_lines_are_checked_and_named() {
        let eur = Currency::EUR;
        let ok = validate_lines(
            &[LineFields {
                description: "Excel basics, 2 seats".into(),
                quantity: "2".into(),
                unit_price: "990".into(),
                tax_rate: "19".into(),
            }],
            eur,
        )
        .unwrap();
        assert_eq!(
            (ok[0].quantity, ok[0].unit_minor, ok[0].tax_rate),
            (2000, 99000, 1900)
        );
        let err = validate_lines(
            &[
                LineFields::default(),
                LineFields {
                    description: "".into(),
                    quantity: "-1".into(),
                    unit_price: "-5".into(),
                    tax_rate: "150".into(),
                },
            ],
            eur,
        )
        .unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "lines[1].description",
                "lines[1].quantity",
                "lines[1].unit_price",
                "lines[1].tax_rate"
            ]
        );
    }

    #[test]
    fn numbers_and_people_strings() {
        assert_eq!(number("", 2027, 123), "2027-000123");
        assert_eq!(number("CN", 2027, 4), "CN-2027-000004");
        assert_eq!(quantity_string(1500), "1.5");
        assert_eq!(quantity_string(2000), "2");
        assert_eq!(rate_string(1900), "19 %");
        assert_eq!(rate_string(770), "7.7 %");
        assert_eq!(parse_rate("7.7"), Ok(770));
        assert_eq!(parse_rate("19 %"), Ok(1900));
    }

    proptest! {
        /// The total is exactly the lines' nets plus each rate's tax, in every currency's minor
        /// units, and a full credit note nets the invoice to zero.
        #[test]
        fn totals_add_up(lines in proptest::collection::vec(
            (1i64..100_000, 0i64..10_000_000, prop_oneof![Just(0i64), Just(700), Just(1900), Just(2000), Just(770)]),
            0..40,
        )) {
            let lines: Vec<Line> = lines.into_iter().map(|(q, u, r)| line(q, u, r)).collect();
            let t = totals(&lines);
            prop_assert_eq!(t.net, lines.iter().map(Line::net).sum::<i64>());
            prop_assert_eq!(t.tax, t.bands.iter().map(|b| b.tax_minor).sum::<i64>());
            prop_assert_eq!(t.gross, t.net + t.tax);
            for b in &t.bands {
                let exact = b.net_minor as f64 * b.rate as f64 / RATE_SCALE as f64;
                prop_assert!((b.tax_minor as f64 - exact).abs() <= 0.5 + 1e-9);
            }
            let credit: Vec<Line> = lines.iter().map(|l| Line { unit_minor: -l.unit_minor, ..l.clone() }).collect();
            prop_assert_eq!(totals(&credit).gross + t.gross, 0);
        }

        /// Tax per line (exports) sums to each rate's tax exactly, a line's share within a minor
        /// unit of its own tax, on invoices and credit notes alike.
        #[test]
        fn line_taxes_sum_to_the_invoice_tax(lines in proptest::collection::vec(
            (1i64..100_000, -10_000_000i64..10_000_000, prop_oneof![Just(0i64), Just(700), Just(1900), Just(810)]),
            0..40,
        )) {
            let lines: Vec<Line> = lines.into_iter().map(|(q, u, r)| line(q, u, r)).collect();
            let t = totals(&lines);
            let shares = line_taxes(&lines);
            prop_assert_eq!(shares.len(), lines.len());
            prop_assert_eq!(shares.iter().sum::<i64>(), t.tax);
            for b in &t.bands {
                let of_rate: i64 = lines.iter().zip(&shares).filter(|(l, _)| l.tax_rate == b.rate).map(|(_, s)| *s).sum();
                prop_assert_eq!(of_rate, b.tax_minor);
            }
            for (l, s) in lines.iter().zip(&shares) {
                let exact = l.net() as f64 * l.tax_rate as f64 / RATE_SCALE as f64;
                prop_assert!((*s as f64 - exact).abs() <= 1.0 + 1e-9, "{} vs {}", s, exact);
            }
        }
    }

    #[test]
    fn months_are_yyyy_mm() {
        let (a, b) = parse_month("2027-01").unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2027-01-01".into(), "2027-02-01".into())
        );
        let (_, b) = parse_month(" 2026-12 ").unwrap();
        assert_eq!(b.to_string(), "2027-01-01");
        for bad in ["2027-13", "2027-1", "27-01", "", "2027-01-05", "January"] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
    }
}
