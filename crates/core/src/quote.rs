//! Quote arithmetic: a line is a course delivered a number of times at a price per session, or
//! per seat for a number of seats, less a discount; the totals are the invoice's totals over the
//! line nets (tax per rate, rounded once per rate), so a quote adds up exactly as the invoice that
//! follows it will.

use crate::Invalid;
use crate::invoice::{self, Line, QUANTITY_SCALE, RATE_SCALE, Totals};
use crate::money::{Currency, Money};
use crate::pricing::discounted;

/// How a line is priced.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Pricing {
    /// A flat price per session (a private session for the whole group).
    PerSession,
    /// A price per seat, times the seats of each session.
    PerSeat,
}

impl Pricing {
    pub fn as_str(self) -> &'static str {
        match self {
            Pricing::PerSession => "per_session",
            Pricing::PerSeat => "per_seat",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Pricing::PerSession => "per session",
            Pricing::PerSeat => "per seat",
        }
    }
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "" | "per_session" => Ok(Pricing::PerSession),
            "per_seat" => Ok(Pricing::PerSeat),
            other => Err(format!(
                "'{}' is not a pricing (per_session or per_seat)",
                other.chars().take(20).collect::<String>()
            )),
        }
    }
}

/// Most sessions one line may quote.
pub const MAX_SESSIONS: i64 = 100;
/// Most seats per session.
pub const MAX_SEATS: i64 = 1000;
/// Most lines on a quote.
pub const MAX_LINES: usize = 50;

/// One quoted line, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteLine {
    pub course_id: i64,
    pub description: String,
    /// How many sessions of the course.
    pub sessions: i64,
    pub pricing: Pricing,
    /// The price per session or per seat, in minor units.
    pub unit_minor: i64,
    /// Seats per session (the group size; what a per-seat price is multiplied by).
    pub seats: i64,
    /// Basis points off the line (1000 = 10 %).
    pub discount_bp: i64,
    /// Basis points (1900 = 19 %).
    pub tax_rate: i64,
}

impl QuoteLine {
    /// How many units the price is taken: sessions, or sessions × seats.
    pub fn units(&self) -> i64 {
        match self.pricing {
            Pricing::PerSession => self.sessions,
            Pricing::PerSeat => self.sessions.saturating_mul(self.seats),
        }
    }

    /// Units × price before the discount.
    pub fn gross_before_discount(&self) -> i64 {
        self.units().saturating_mul(self.unit_minor)
    }

    /// The line's net: units × price, less the discount (rounded once).
    pub fn net(&self, currency: Currency) -> i64 {
        discounted(
            Money::new(self.gross_before_discount(), currency),
            self.discount_bp,
        )
        .minor
    }

    /// The line as an invoice line (one unit of its net), for the shared tax arithmetic.
    pub fn as_invoice_line(&self, currency: Currency) -> Line {
        Line {
            description: self.description.clone(),
            quantity: QUANTITY_SCALE,
            unit_minor: self.net(currency),
            tax_rate: self.tax_rate,
        }
    }
}

/// The quote's totals: the invoice arithmetic over the line nets.
pub fn totals(lines: &[QuoteLine], currency: Currency) -> Totals {
    let as_lines: Vec<Line> = lines.iter().map(|l| l.as_invoice_line(currency)).collect();
    invoice::totals(&as_lines)
}

/// One line as typed in a form or an API body.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct QuoteLineFields {
    /// The course quoted (required).
    pub course_id: Option<i64>,
    /// What the client reads; default: the course's title.
    pub description: String,
    /// How many sessions, e.g. "3" (default 1).
    pub sessions: String,
    /// `per_session` (default) or `per_seat`.
    pub pricing: String,
    /// Price per session or per seat, a decimal string such as "2400.00", in the quote's currency.
    pub unit_price: String,
    /// Seats per session, e.g. "12" (default 1).
    pub seats: String,
    /// A percentage off the line such as "10" (default 0).
    pub discount: String,
    /// A percentage such as "19" (default 0).
    pub tax_rate: String,
}

impl QuoteLineFields {
    fn blank(&self) -> bool {
        self.course_id.is_none()
            && self.description.trim().is_empty()
            && self.unit_price.trim().is_empty()
            && self.sessions.trim().is_empty()
    }
}

fn count(raw: &str, max: i64) -> Result<i64, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(1);
    }
    let n: i64 = s.parse().map_err(|_| {
        format!(
            "'{}' is not a whole number",
            s.chars().take(20).collect::<String>()
        )
    })?;
    if n < 1 {
        return Err("must be at least 1".into());
    }
    if n > max {
        return Err(format!("must be at most {max}"));
    }
    Ok(n)
}

/// Validates typed lines (skipping lines left wholly blank in a form); errors name the line
/// (`lines[1].unit_price`). The course's title fills an empty description later (it needs the
/// store), so a line here may still have an empty one.
pub fn validate_lines(
    fields: &[QuoteLineFields],
    currency: Currency,
) -> Result<Vec<QuoteLine>, Invalid> {
    let mut inv = Invalid::new();
    let mut lines = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if f.blank() {
            continue;
        }
        let at = |field: &str| format!("lines[{i}].{field}");
        let course_id = match f.course_id {
            Some(id) if id > 0 => Some(id),
            _ => {
                inv.add(&at("course_id"), "choose the course quoted");
                None
            }
        };
        let description = f.description.trim();
        if description.chars().count() > 300 {
            inv.add(&at("description"), "must be at most 300 characters");
        }
        let sessions = inv.check(&at("sessions"), count(&f.sessions, MAX_SESSIONS));
        let pricing = inv.check(&at("pricing"), Pricing::parse(&f.pricing));
        let unit = inv.check(
            &at("unit_price"),
            Money::parse_non_negative(&f.unit_price, currency),
        );
        let seats = inv.check(&at("seats"), count(&f.seats, MAX_SEATS));
        let discount = inv.check(
            &at("discount"),
            invoice::parse_rate(if f.discount.trim().is_empty() {
                "0"
            } else {
                &f.discount
            }),
        );
        let tax_rate = inv.check(
            &at("tax_rate"),
            invoice::parse_rate(if f.tax_rate.trim().is_empty() {
                "0"
            } else {
                &f.tax_rate
            }),
        );
        if let (
            Some(course_id),
            Some(sessions),
            Some(pricing),
            Some(unit),
            Some(seats),
            Some(discount_bp),
            Some(tax_rate),
        ) = (
            course_id, sessions, pricing, unit, seats, discount, tax_rate,
        ) {
            lines.push(QuoteLine {
                course_id,
                description: description.to_owned(),
                sessions,
                pricing,
                unit_minor: unit.minor,
                seats,
                discount_bp: discount_bp.min(RATE_SCALE),
                tax_rate,
            });
        }
    }
    if inv.is_empty() && lines.is_empty() {
        inv.add(
            "lines",
            "a quote needs at least one line: the course, sessions and price",
        );
    }
    if lines.len() > MAX_LINES {
        inv.add("lines", format!("a quote holds at most {MAX_LINES} lines"));
    }
    inv.or_ok(lines)
}

/// The number of the `n`-th quote of `year`: `Q-2027-0001`.
pub fn number(year: i32, n: i64) -> String {
    format!("Q-{year}-{n:04}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::status::{QuoteEvent, QuoteStatus};
    use proptest::prelude::*;

    fn eur() -> Currency {
        Currency::EUR
    }

    fn line(
        sessions: i64,
        pricing: Pricing,
        unit: i64,
        seats: i64,
        discount: i64,
        tax: i64,
    ) -> QuoteLine {
        QuoteLine {
            course_id: 1,
            description: "x".into(),
            sessions,
            pricing,
            unit_minor: unit,
            seats,
            discount_bp: discount,
            tax_rate: tax,
        }
    }

    #[test]
    fn a_per_seat_line_multiplies_sessions_and_seats_then_discounts() {
        // 2 sessions × 10 seats × 490.00 = 9800.00, less 10 % = 8820.00.
        let l = line(2, Pricing::PerSeat, 49_000, 10, 1000, 1900);
        assert_eq!(l.net(eur()), 882_000);
        let t = totals(
            &[l, line(3, Pricing::PerSession, 240_000, 12, 0, 1900)],
            eur(),
        );
        assert_eq!(t.net, 882_000 + 720_000);
        assert_eq!(t.tax, (1_602_000 * 19 + 50) / 100);
        assert_eq!(t.gross, t.net + t.tax);
    }

    #[test]
    fn bad_lines_are_named() {
        let f = QuoteLineFields {
            course_id: Some(1),
            unit_price: "-5".into(),
            sessions: "0".into(),
            ..Default::default()
        };
        let e = validate_lines(&[f], eur()).unwrap_err();
        assert!(e.message_for("lines[0].unit_price").is_some());
        assert!(e.message_for("lines[0].sessions").is_some());
        let e = validate_lines(&[QuoteLineFields::default()], eur()).unwrap_err();
        assert!(e.message_for("lines").is_some());
    }

    #[test]
    fn the_status_machine_allows_only_its_transitions() {
        use QuoteEvent as E;
        use QuoteStatus as S;
        assert_eq!(S::Draft.transition(E::Send).unwrap(), S::Sent);
        assert_eq!(S::Sent.transition(E::Accept).unwrap(), S::Accepted);
        assert_eq!(S::Sent.transition(E::Decline).unwrap(), S::Declined);
        assert_eq!(S::Sent.transition(E::Expire).unwrap(), S::Expired);
        assert!(S::Draft.transition(E::Accept).is_err());
        assert!(S::Accepted.transition(E::Accept).is_err());
        assert!(S::Declined.transition(E::Accept).is_err());
        assert!(S::Expired.transition(E::Accept).is_err());
        assert!(S::Sent.transition(E::Send).is_err());
        assert!(S::Draft.editable().is_ok());
        assert!(S::Sent.editable().is_err());
        assert_eq!(S::Sent.as_of("2027-01-31", "2027-02-01"), S::Expired);
        assert_eq!(S::Sent.as_of("2027-01-31", "2027-01-31"), S::Sent);
        assert_eq!(S::Accepted.as_of("2027-01-31", "2027-02-01"), S::Accepted);
    }

    #[test]
    fn numbers_are_padded() {
        assert_eq!(number(2027, 1), "Q-2027-0001");
        assert_eq!(number(2027, 12345), "Q-2027-12345");
    }

    fn any_line() -> impl Strategy<Value = QuoteLine> {
        (
            1i64..=MAX_SESSIONS,
            prop_oneof![Just(Pricing::PerSession), Just(Pricing::PerSeat)],
            0i64..10_000_000,
            1i64..=200,
            0i64..=RATE_SCALE,
            prop_oneof![Just(0i64), Just(700), Just(770), Just(1900), Just(2000)],
        )
            .prop_map(|(s, p, u, seats, d, t)| line(s, p, u, seats, d, t))
    }

    proptest! {
        #[test]
        fn the_total_is_the_sum_of_the_lines(lines in proptest::collection::vec(any_line(), 1..12)) {
            let t = totals(&lines, eur());
            let nets: i64 = lines.iter().map(|l| l.net(eur())).sum();
            prop_assert_eq!(t.net, nets);
            let as_lines: Vec<Line> = lines.iter().map(|l| l.as_invoice_line(eur())).collect();
            let line_tax: i64 = invoice::line_taxes(&as_lines).iter().sum();
            prop_assert_eq!(t.tax, line_tax);
            prop_assert_eq!(t.gross, t.net + t.tax);
            for l in &lines {
                let n = l.net(eur());
                prop_assert!(n >= 0 && n <= l.gross_before_discount());
            }
        }
    }
}
