//! Costs per session and profitability (issue 15 §4 and §6), computed from plain rows.
//!
//! A session's cost lines are of two sorts:
//! - **derived** lines, computed here from the session's parts, its instructors' assignments
//!   (fee = each scheduled part at the day rate of the contract valid on that day, else the
//!   instructor's own day rate; at the hour rate when the part is shorter than the course's day
//!   and an hour rate exists), its resource bookings (the resource's day rate × parts × quantity)
//!   and its materials (the course's material cost × learners booked). A derived line is
//!   *planned* while its assignment or booking is not confirmed (materials: while the session is
//!   not confirmed) and *committed* once it is. They are computed when read, never stored, so they
//!   follow every change of rates, parts, staffing and enrollments without a hook in each.
//! - **stored** lines: what finance wrote. A manual line (travel, catering, …) with its amount,
//!   and the *actual* amount of any line (derived or manual) with a note. A line with an actual is
//!   at stage *actual*, and its actual is the amount that counts.
//!
//! Every line has a key: `assignment-12`, `resource-5`, `materials` for derived lines and `line-7`
//! for manual ones; finance's actual of a derived line is stored under the derived line's key.
//!
//! A session's cost is the sum of its lines' amounts in the session's currency (a line in another
//! currency is listed apart and not added: there is no rate table yet). Profitability is revenue
//! minus that cost, rolled up by one dimension; every sum is of integer minor units, so a roll-up
//! over any partition adds up to the total exactly.

use crate::kpi::Ratio;
use crate::money::{Currency, Money};
use crate::status::{
    AssignmentStatus, CostKind, CostStage, DeliveryMode, ResourceKind, SessionStatus,
};
use std::collections::BTreeMap;

const MINUTE: i64 = 60_000;

/// A scheduled part of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartRow {
    pub starts_at: i64,
    pub ends_at: i64,
}

/// A dated contract of an instructor: its day rate applies to parts starting in
/// `[valid_from, valid_to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractRate {
    pub valid_from: i64,
    pub valid_to: Option<i64>,
    pub day_rate: Money,
}

/// An instructor on the session with their rates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentRow {
    pub id: i64,
    pub instructor_id: i64,
    pub instructor_name: String,
    pub status: AssignmentStatus,
    pub day_rate: Money,
    pub hour_rate: Money,
    pub contracts: Vec<ContractRate>,
}

/// One resource booked for the session: over how many parts, at which quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRow {
    pub resource_id: i64,
    pub resource_name: String,
    pub kind: ResourceKind,
    /// Every booking of it for the session is confirmed.
    pub confirmed: bool,
    /// Parts (days) booked.
    pub parts: i64,
    /// The largest quantity booked for a part.
    pub quantity: i64,
    pub day_rate: Money,
}

/// What a session's derived lines are computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInputs {
    pub status: SessionStatus,
    /// The course's teaching hours a day: a part shorter than that is paid by the hour.
    pub hours_per_day: i64,
    /// The course's material cost per learner.
    pub material_cost: Money,
    /// Learners booked (seats taken).
    pub learners: i64,
    pub parts: Vec<PartRow>,
    pub assignments: Vec<AssignmentRow>,
    pub bookings: Vec<BookingRow>,
}

/// A line computed from the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub key: String,
    pub kind: CostKind,
    pub description: String,
    pub amount: Money,
    /// Planned or committed.
    pub stage: CostStage,
    pub assignment_id: Option<i64>,
    pub resource_id: Option<i64>,
}

/// What an instructor is paid for a session in one currency: days at a day rate and minutes at
/// an hour rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fee {
    pub amount: Money,
    pub days: i64,
    pub minutes: i64,
}

/// The day rate for a part starting at `at`: the contract valid then, else the instructor's own.
pub fn day_rate_at(a: &AssignmentRow, at: i64) -> Money {
    a.contracts
        .iter()
        .filter(|c| c.valid_from <= at && c.valid_to.is_none_or(|to| at < to))
        .max_by_key(|c| c.valid_from)
        .map(|c| c.day_rate)
        .unwrap_or(a.day_rate)
}

/// An instructor's fee for the parts, one entry per currency (normally one), in the order met.
pub fn instructor_fee(parts: &[PartRow], hours_per_day: i64, a: &AssignmentRow) -> Vec<Fee> {
    let day_minutes = if hours_per_day > 0 {
        hours_per_day * 60
    } else {
        8 * 60
    };
    let mut fees: Vec<Fee> = Vec::new();
    for p in parts {
        let minutes = ((p.ends_at - p.starts_at) / MINUTE).max(0);
        let (amount, days, mins) = if minutes < day_minutes && a.hour_rate.minor > 0 {
            // Rounded half up to the minor unit.
            let minor = (a.hour_rate.minor.saturating_mul(minutes) + 30) / 60;
            (Money::new(minor, a.hour_rate.currency), 0, minutes)
        } else {
            (day_rate_at(a, p.starts_at), 1, 0)
        };
        match fees
            .iter_mut()
            .find(|f| f.amount.currency == amount.currency)
        {
            Some(f) => {
                f.amount.minor = f.amount.minor.saturating_add(amount.minor);
                f.days += days;
                f.minutes += mins;
            }
            None => fees.push(Fee {
                amount,
                days,
                minutes: mins,
            }),
        }
    }
    fees
}

fn fee_words(f: &Fee) -> String {
    let mut parts = Vec::new();
    if f.days > 0 {
        parts.push(format!(
            "{} day{}",
            f.days,
            if f.days == 1 { "" } else { "s" }
        ));
    }
    if f.minutes > 0 {
        let h = f.minutes / 60;
        let m = f.minutes % 60;
        parts.push(if m == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {m} min")
        });
    }
    if parts.is_empty() {
        "no teaching time".into()
    } else {
        parts.join(" + ")
    }
}

fn pays(status: AssignmentStatus) -> Option<CostStage> {
    match status {
        AssignmentStatus::Confirmed => Some(CostStage::Committed),
        AssignmentStatus::Proposed | AssignmentStatus::Requested | AssignmentStatus::Accepted => {
            Some(CostStage::Planned)
        }
        AssignmentStatus::Declined | AssignmentStatus::Cancelled => None,
    }
}

/// The derived lines of a session; none for a cancelled or postponed one.
pub fn derive(s: &SessionInputs) -> Vec<Derived> {
    if matches!(
        s.status,
        SessionStatus::Cancelled | SessionStatus::Postponed
    ) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for a in &s.assignments {
        let Some(stage) = pays(a.status) else {
            continue;
        };
        for (n, fee) in instructor_fee(&s.parts, s.hours_per_day, a)
            .into_iter()
            .enumerate()
        {
            out.push(Derived {
                key: if n == 0 {
                    format!("assignment-{}", a.id)
                } else {
                    format!("assignment-{}-{}", a.id, fee.amount.currency)
                },
                kind: CostKind::InstructorFee,
                description: format!("{}: {}", a.instructor_name, fee_words(&fee)),
                amount: fee.amount,
                stage,
                assignment_id: Some(a.id),
                resource_id: None,
            });
        }
    }
    for b in &s.bookings {
        if b.day_rate.minor == 0 || b.parts == 0 {
            continue;
        }
        let qty = b.quantity.max(1);
        let kind = match b.kind {
            ResourceKind::Room => CostKind::VenueHire,
            ResourceKind::Platform => CostKind::PlatformLicence,
            ResourceKind::Material => CostKind::Materials,
            ResourceKind::Equipment => CostKind::Other,
        };
        out.push(Derived {
            key: format!("resource-{}", b.resource_id),
            kind,
            description: if qty > 1 {
                format!(
                    "{}: {} day{} × {qty} at {}",
                    b.resource_name,
                    b.parts,
                    if b.parts == 1 { "" } else { "s" },
                    b.day_rate
                )
            } else {
                format!(
                    "{}: {} day{} at {}",
                    b.resource_name,
                    b.parts,
                    if b.parts == 1 { "" } else { "s" },
                    b.day_rate
                )
            },
            amount: Money::new(
                b.day_rate.minor.saturating_mul(b.parts).saturating_mul(qty),
                b.day_rate.currency,
            ),
            stage: if b.confirmed {
                CostStage::Committed
            } else {
                CostStage::Planned
            },
            assignment_id: None,
            resource_id: Some(b.resource_id),
        });
    }
    if s.material_cost.minor > 0 && s.learners > 0 {
        out.push(Derived {
            key: "materials".into(),
            kind: CostKind::Materials,
            description: format!(
                "Course materials: {} learner{} at {}",
                s.learners,
                if s.learners == 1 { "" } else { "s" },
                s.material_cost
            ),
            amount: Money::new(
                s.material_cost.minor.saturating_mul(s.learners),
                s.material_cost.currency,
            ),
            stage: if matches!(
                s.status,
                SessionStatus::Confirmed | SessionStatus::Delivered | SessionStatus::Closed
            ) {
                CostStage::Committed
            } else {
                CostStage::Planned
            },
            assignment_id: None,
            resource_id: None,
        });
    }
    out
}

/// A line finance wrote: a manual line, or the actual of a derived line (`derived_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLine {
    pub id: i64,
    pub derived_key: Option<String>,
    pub kind: CostKind,
    pub description: String,
    /// A manual line's amount as planned or committed (a derived line's actual row: the derived
    /// amount when the actual was entered).
    pub planned: Money,
    /// A manual line's stage before an actual (planned or committed).
    pub stage: CostStage,
    pub actual: Option<Money>,
    pub note: String,
    pub version: i64,
}

impl StoredLine {
    pub fn key(&self) -> String {
        self.derived_key
            .clone()
            .unwrap_or_else(|| format!("line-{}", self.id))
    }
}

/// A cost line as shown: derived and stored merged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CostLine {
    /// `assignment-12`, `resource-5`, `materials` (derived) or `line-7` (added by finance).
    pub key: String,
    pub kind: CostKind,
    pub description: String,
    pub stage: CostStage,
    /// The amount as planned or committed: computed for a derived line, typed for a manual one.
    pub planned: Money,
    /// What it actually cost, once finance entered it.
    pub actual: Option<Money>,
    /// The amount that counts: the actual when there is one, else the planned or committed one.
    pub amount: Money,
    pub note: String,
    /// Computed from the session's assignments, bookings or materials.
    pub derived: bool,
    /// The assignment it derives from.
    pub assignment_id: Option<i64>,
    /// The booked resource it derives from.
    pub resource_id: Option<i64>,
    /// The stored row's version for edits; 0 while nothing is stored for a derived line.
    pub version: i64,
}

/// Derived lines with finance's actuals applied, then the manual lines (and actuals whose
/// derived line no longer exists, e.g. an assignment cancelled after its fee was paid).
pub fn merge(derived: Vec<Derived>, stored: &[StoredLine]) -> Vec<CostLine> {
    let mut out: Vec<CostLine> = derived
        .into_iter()
        .map(|d| {
            let row = stored
                .iter()
                .find(|s| s.derived_key.as_deref() == Some(d.key.as_str()));
            let actual = row.and_then(|r| r.actual);
            CostLine {
                stage: if actual.is_some() {
                    CostStage::Actual
                } else {
                    d.stage
                },
                amount: actual.unwrap_or(d.amount),
                actual,
                planned: d.amount,
                note: row.map(|r| r.note.clone()).unwrap_or_default(),
                version: row.map_or(0, |r| r.version),
                key: d.key,
                kind: d.kind,
                description: d.description,
                derived: true,
                assignment_id: d.assignment_id,
                resource_id: d.resource_id,
            }
        })
        .collect();
    for s in stored {
        let key = s.key();
        if out.iter().any(|l| l.key == key) {
            continue;
        }
        out.push(CostLine {
            stage: if s.actual.is_some() {
                CostStage::Actual
            } else {
                s.stage
            },
            amount: s.actual.unwrap_or(s.planned),
            actual: s.actual,
            planned: s.planned,
            note: s.note.clone(),
            version: s.version,
            derived: false,
            assignment_id: None,
            resource_id: None,
            kind: s.kind,
            description: s.description.clone(),
            key,
        });
    }
    out
}

/// The cost of a session by stage, in its currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct CostTotals {
    pub planned: Money,
    pub committed: Money,
    pub actual: Money,
    /// planned + committed + actual: the session's cost.
    pub total: Money,
    /// Lines in another currency, left out of the totals (summed per currency).
    pub other_currencies: Vec<Money>,
}

pub fn totals(lines: &[CostLine], currency: Currency) -> CostTotals {
    let mut t = CostTotals {
        planned: Money::new(0, currency),
        committed: Money::new(0, currency),
        actual: Money::new(0, currency),
        total: Money::new(0, currency),
        other_currencies: Vec::new(),
    };
    for l in lines {
        if l.amount.currency != currency {
            match t
                .other_currencies
                .iter_mut()
                .find(|m| m.currency == l.amount.currency)
            {
                Some(m) => m.minor += l.amount.minor,
                None => t.other_currencies.push(l.amount),
            }
            continue;
        }
        let bucket = match l.stage {
            CostStage::Planned => &mut t.planned,
            CostStage::Committed => &mut t.committed,
            CostStage::Actual => &mut t.actual,
        };
        bucket.minor += l.amount.minor;
        t.total.minor += l.amount.minor;
    }
    t
}

// ------------------------------------------------------------------ profitability

/// How the profitability report groups sessions.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = ProfitabilityDimension)]
pub enum Dimension {
    Course,
    Client,
    Program,
    Instructor,
    Venue,
    Mode,
    Month,
    Session,
}

impl Dimension {
    pub const ALL: &'static [Dimension] = &[
        Dimension::Course,
        Dimension::Client,
        Dimension::Program,
        Dimension::Instructor,
        Dimension::Venue,
        Dimension::Mode,
        Dimension::Month,
        Dimension::Session,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Course => "course",
            Dimension::Client => "client",
            Dimension::Program => "program",
            Dimension::Instructor => "instructor",
            Dimension::Venue => "venue",
            Dimension::Mode => "mode",
            Dimension::Month => "month",
            Dimension::Session => "session",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Dimension::Course => "Course",
            Dimension::Client => "Client",
            Dimension::Program => "Program",
            Dimension::Instructor => "Lead instructor",
            Dimension::Venue => "Venue",
            Dimension::Mode => "Delivery mode",
            Dimension::Month => "Month",
            Dimension::Session => "Session",
        }
    }

    /// The label of the group of sessions without one (no client: public sessions).
    pub fn none_label(self) -> &'static str {
        match self {
            Dimension::Client => "Public sessions",
            Dimension::Program => "No program",
            Dimension::Instructor => "No instructor",
            Dimension::Venue => "Virtual",
            Dimension::Course | Dimension::Mode | Dimension::Month | Dimension::Session => "",
        }
    }

    pub fn parse(raw: &str) -> Result<Dimension, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Ok(Dimension::Course);
        }
        Dimension::ALL
            .iter()
            .copied()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "'{}' is not a dimension (one of: {})",
                    s.chars().take(40).collect::<String>(),
                    Dimension::ALL
                        .iter()
                        .map(|d| d.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

/// A group's key and its label; `key` is what a drill-down filters by (`""` for "none").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DimKey {
    pub key: String,
    pub label: String,
}

pub fn id_key(v: &Option<(i64, String)>, none: &str) -> DimKey {
    match v {
        Some((id, label)) => DimKey {
            key: id.to_string(),
            label: label.clone(),
        },
        None => DimKey {
            key: String::new(),
            label: none.to_owned(),
        },
    }
}

/// One delivered session with its revenue and cost, as the profitability report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfitRow {
    pub session_id: i64,
    pub reference: String,
    pub ends_at: i64,
    pub currency: Currency,
    pub revenue_minor: i64,
    pub cost_minor: i64,
    pub learners: i64,
    pub course: (i64, String),
    pub client: Option<(i64, String)>,
    pub program: Option<(i64, String)>,
    /// The lead instructor (the first live assignment with the lead role, else the first).
    pub instructor: Option<(i64, String)>,
    pub venue: Option<(i64, String)>,
    pub mode: DeliveryMode,
    /// `YYYY-MM` of the session's end in the reader's time zone.
    pub month: String,
}

impl ProfitRow {
    pub fn key(&self, d: Dimension) -> DimKey {
        match d {
            Dimension::Course => id_key(&Some(self.course.clone()), d.none_label()),
            Dimension::Client => id_key(&self.client, d.none_label()),
            Dimension::Program => id_key(&self.program, d.none_label()),
            Dimension::Instructor => id_key(&self.instructor, d.none_label()),
            Dimension::Venue => id_key(&self.venue, d.none_label()),
            Dimension::Mode => DimKey {
                key: self.mode.as_str().to_owned(),
                label: self.mode.label().to_owned(),
            },
            Dimension::Month => DimKey {
                key: self.month.clone(),
                label: self.month.clone(),
            },
            Dimension::Session => DimKey {
                key: self.session_id.to_string(),
                label: self.reference.clone(),
            },
        }
    }
}

/// One row of the report: a group of sessions in one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ProfitGroup {
    /// What a drill-down filters by (`""` for the group of sessions without one).
    pub key: String,
    pub label: String,
    pub sessions: i64,
    pub learners: i64,
    pub revenue: Money,
    pub cost: Money,
    /// revenue − cost.
    pub margin: Money,
    /// margin ÷ revenue, in minor units.
    pub margin_ratio: Ratio,
    /// cost ÷ learners, in minor units.
    pub cost_per_learner_ratio: Ratio,
}

impl ProfitGroup {
    pub fn loss_making(&self) -> bool {
        self.margin.minor < 0
    }

    /// The margin as a percentage of revenue ("12.5"), `None` without revenue.
    pub fn margin_percent(&self) -> Option<String> {
        self.margin_ratio.percent()
    }

    /// Cost per learner, rounded half up to the minor unit; `None` without learners.
    pub fn cost_per_learner(&self) -> Option<Money> {
        per(self.cost_per_learner_ratio).map(|m| Money::new(m, self.cost.currency))
    }
}

/// `n / d` rounded half away from zero in integers, `None` when `d` is 0.
pub fn per(r: Ratio) -> Option<i64> {
    if r.denominator == 0 {
        return None;
    }
    let (n, d) = (r.numerator as i128, r.denominator as i128);
    let q = (2 * n.abs() + d.abs()) / (2 * d.abs());
    let sign = if (n < 0) != (d < 0) { -1 } else { 1 };
    i64::try_from(q * sign).ok()
}

/// Sessions already summed by a group's key and currency (the database sums the kept figures;
/// [`rollup`] sums rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfitSum {
    pub key: DimKey,
    pub currency: Currency,
    pub sessions: i64,
    pub learners: i64,
    pub revenue_minor: i64,
    pub cost_minor: i64,
}

impl ProfitRow {
    fn sum(&self, by: Dimension) -> ProfitSum {
        ProfitSum {
            key: self.key(by),
            currency: self.currency,
            sessions: 1,
            learners: self.learners,
            revenue_minor: self.revenue_minor,
            cost_minor: self.cost_minor,
        }
    }
}

/// Merges sums into one group per key and currency: loss-making groups first (the worst first),
/// then by margin, then by label.
pub fn groups(sums: impl IntoIterator<Item = ProfitSum>) -> Vec<ProfitGroup> {
    let mut groups: BTreeMap<(DimKey, String), ProfitGroup> = BTreeMap::new();
    for s in sums {
        let g = groups
            .entry((s.key.clone(), s.currency.as_str().to_owned()))
            .or_insert_with(|| ProfitGroup {
                key: s.key.key.clone(),
                label: s.key.label.clone(),
                sessions: 0,
                learners: 0,
                revenue: Money::new(0, s.currency),
                cost: Money::new(0, s.currency),
                margin: Money::new(0, s.currency),
                margin_ratio: Ratio::default(),
                cost_per_learner_ratio: Ratio::default(),
            });
        g.sessions += s.sessions;
        g.learners += s.learners;
        g.revenue.minor += s.revenue_minor;
        g.cost.minor += s.cost_minor;
        g.margin.minor += s.revenue_minor - s.cost_minor;
    }
    let mut out: Vec<ProfitGroup> = groups
        .into_values()
        .map(|mut g| {
            g.margin_ratio = Ratio::new(g.margin.minor, g.revenue.minor);
            g.cost_per_learner_ratio = Ratio::new(g.cost.minor, g.learners);
            g
        })
        .collect();
    out.sort_by(|a, b| {
        a.margin
            .minor
            .cmp(&b.margin.minor)
            .then_with(|| a.label.cmp(&b.label))
            .then_with(|| a.key.cmp(&b.key))
    });
    out
}

/// Sums sessions into groups of `by` (see [`groups`]).
pub fn rollup(rows: &[ProfitRow], by: Dimension) -> Vec<ProfitGroup> {
    groups(rows.iter().map(|r| r.sum(by)))
}

/// The whole period's figures, one group per currency (the report's total line).
pub fn total(rows: &[ProfitRow]) -> Vec<ProfitGroup> {
    totals_of(rows.iter().map(|r| r.sum(Dimension::Mode)))
}

/// The total line of sums of any grouping: one group per currency.
pub fn totals_of(sums: impl IntoIterator<Item = ProfitSum>) -> Vec<ProfitGroup> {
    groups(sums.into_iter().map(|mut s| {
        s.key = DimKey {
            key: String::new(),
            label: "Total".into(),
        };
        s
    }))
}

/// Only the rows of one group of `by` (a drill-down).
pub fn within(rows: Vec<ProfitRow>, by: Dimension, key: &str) -> Vec<ProfitRow> {
    rows.into_iter().filter(|r| r.key(by).key == key).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3_600_000;
    const DAY: i64 = 24 * H;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    fn anna(status: AssignmentStatus) -> AssignmentRow {
        AssignmentRow {
            id: 3,
            instructor_id: 7,
            instructor_name: "Anna".into(),
            status,
            day_rate: eur(80_000),
            hour_rate: eur(12_000),
            contracts: Vec::new(),
        }
    }

    fn day(n: i64, hours: i64) -> PartRow {
        PartRow {
            starts_at: n * DAY + 9 * H,
            ends_at: n * DAY + 9 * H + hours * H,
        }
    }

    #[test]
    fn a_fee_is_days_at_the_contract_rate_valid_on_the_day_else_the_instructors() {
        let mut a = anna(AssignmentStatus::Confirmed);
        a.contracts.push(ContractRate {
            valid_from: DAY,
            valid_to: Some(2 * DAY),
            day_rate: eur(90_000),
        });
        let fee = instructor_fee(&[day(0, 8), day(1, 8), day(2, 8)], 8, &a);
        assert_eq!(fee.len(), 1);
        assert_eq!(fee[0].amount, eur(80_000 + 90_000 + 80_000));
        assert_eq!((fee[0].days, fee[0].minutes), (3, 0));
    }

    #[test]
    fn a_short_part_is_paid_by_the_hour_when_there_is_an_hour_rate() {
        let a = anna(AssignmentStatus::Proposed);
        // 8 h day + 3.5 h afternoon.
        let half = PartRow {
            starts_at: DAY + 13 * H,
            ends_at: DAY + 16 * H + 30 * 60_000,
        };
        let fee = instructor_fee(&[day(0, 8), half], 8, &a);
        assert_eq!(fee[0].amount, eur(80_000 + 42_000));
        let mut no_hourly = a.clone();
        no_hourly.hour_rate = eur(0);
        let fee = instructor_fee(&[half], 8, &no_hourly);
        assert_eq!(fee[0].amount, eur(80_000));
        // Rounded half up: 100.01 an hour for 20 minutes = 33.336… → 33.34.
        let mut odd = a;
        odd.hour_rate = eur(10_001);
        let twenty = PartRow {
            starts_at: 0,
            ends_at: 20 * 60_000,
        };
        assert_eq!(instructor_fee(&[twenty], 8, &odd)[0].amount, eur(3_334));
    }

    fn inputs() -> SessionInputs {
        SessionInputs {
            status: SessionStatus::Scheduled,
            hours_per_day: 8,
            material_cost: eur(2_500),
            learners: 6,
            parts: vec![day(0, 8), day(1, 8)],
            assignments: vec![anna(AssignmentStatus::Confirmed), {
                let mut b = anna(AssignmentStatus::Requested);
                b.id = 4;
                b.instructor_name = "Ben".into();
                b
            }],
            bookings: vec![BookingRow {
                resource_id: 9,
                resource_name: "Room A".into(),
                kind: ResourceKind::Room,
                confirmed: false,
                parts: 2,
                quantity: 1,
                day_rate: eur(30_000),
            }],
        }
    }

    #[test]
    fn derived_lines_are_planned_until_confirmed() {
        let lines = derive(&inputs());
        let keys: Vec<(&str, CostStage, i64)> = lines
            .iter()
            .map(|l| (l.key.as_str(), l.stage, l.amount.minor))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("assignment-3", CostStage::Committed, 160_000),
                ("assignment-4", CostStage::Planned, 160_000),
                ("resource-9", CostStage::Planned, 60_000),
                ("materials", CostStage::Planned, 15_000),
            ]
        );
        let mut cancelled = inputs();
        cancelled.status = SessionStatus::Cancelled;
        assert!(derive(&cancelled).is_empty());
        let mut declined = inputs();
        declined.assignments[1].status = AssignmentStatus::Declined;
        assert_eq!(derive(&declined).len(), 3);
    }

    #[test]
    fn actuals_override_and_manual_lines_follow() {
        let stored = vec![
            StoredLine {
                id: 1,
                derived_key: Some("resource-9".into()),
                kind: CostKind::VenueHire,
                description: "Room A".into(),
                planned: eur(60_000),
                stage: CostStage::Committed,
                actual: Some(eur(65_000)),
                note: "invoice 77".into(),
                version: 2,
            },
            StoredLine {
                id: 2,
                derived_key: None,
                kind: CostKind::Catering,
                description: "Lunch".into(),
                planned: eur(12_000),
                stage: CostStage::Committed,
                actual: None,
                note: String::new(),
                version: 1,
            },
        ];
        let lines = merge(derive(&inputs()), &stored);
        assert_eq!(lines.len(), 5);
        let room = lines.iter().find(|l| l.key == "resource-9").unwrap();
        assert_eq!(
            (room.stage, room.amount, room.version),
            (CostStage::Actual, eur(65_000), 2)
        );
        assert_eq!(lines[4].key, "line-2");
        let t = totals(&lines, Currency::EUR);
        assert_eq!(t.actual, eur(65_000));
        assert_eq!(t.committed, eur(160_000 + 12_000));
        assert_eq!(t.planned, eur(160_000 + 15_000));
        assert_eq!(t.total.minor, 65_000 + 172_000 + 175_000);
    }

    #[test]
    fn rounding_per_learner_is_half_up() {
        assert_eq!(per(Ratio::new(10, 4)), Some(3));
        assert_eq!(per(Ratio::new(-10, 4)), Some(-3));
        assert_eq!(per(Ratio::new(9, 4)), Some(2));
        assert_eq!(per(Ratio::new(1, 0)), None);
    }

    fn any_row() -> impl Strategy<Value = ProfitRow> {
        (
            (0..4_i64, 0..4_i64, 0..3_i64, 0..4_i64, 0..3_usize, 0..3_i64),
            (0..500_000_i64, 0..500_000_i64, 0..20_i64, any::<bool>()),
        )
            .prop_map(
                |((course, client, program, instr, mode, month), (rev, cost, learners, usd))| {
                    let opt = |v: i64, name: &str| (v > 0).then(|| (v, format!("{name} {v}")));
                    ProfitRow {
                        session_id: 0,
                        reference: String::new(),
                        ends_at: 0,
                        currency: if usd {
                            Currency::parse("USD").unwrap()
                        } else {
                            Currency::EUR
                        },
                        revenue_minor: rev,
                        cost_minor: cost,
                        learners,
                        course: (course, format!("Course {course}")),
                        client: opt(client, "Client"),
                        program: opt(program, "Program"),
                        instructor: opt(instr, "Instructor"),
                        venue: opt(client, "Venue"),
                        mode: DeliveryMode::ALL[mode],
                        month: format!("2026-0{}", month + 1),
                    }
                },
            )
    }

    proptest! {
        /// Revenue, cost, margin, learners and sessions summed over the groups of any dimension
        /// equal the totals, per currency; loss-making groups come first.
        #[test]
        fn rollups_add_up_over_every_dimension(raw in proptest::collection::vec(any_row(), 0..50)) {
            let rows: Vec<ProfitRow> = raw.into_iter().enumerate().map(|(i, mut r)| {
                r.session_id = i as i64;
                r.reference = format!("S{i}");
                r
            }).collect();
            let totals = total(&rows);
            for &d in Dimension::ALL {
                let groups = rollup(&rows, d);
                for t in &totals {
                    let mine: Vec<&ProfitGroup> = groups.iter().filter(|g| g.revenue.currency == t.revenue.currency).collect();
                    prop_assert_eq!(mine.iter().map(|g| g.revenue.minor).sum::<i64>(), t.revenue.minor);
                    prop_assert_eq!(mine.iter().map(|g| g.cost.minor).sum::<i64>(), t.cost.minor);
                    prop_assert_eq!(mine.iter().map(|g| g.margin.minor).sum::<i64>(), t.margin.minor);
                    prop_assert_eq!(mine.iter().map(|g| g.learners).sum::<i64>(), t.learners);
                    prop_assert_eq!(mine.iter().map(|g| g.sessions).sum::<i64>(), t.sessions);
                }
                prop_assert_eq!(groups.iter().map(|g| g.sessions).sum::<i64>(), rows.len() as i64);
                let first_profit = groups.iter().position(|g| !g.loss_making()).unwrap_or(groups.len());
                prop_assert!(groups[first_profit..].iter().all(|g| !g.loss_making()));
                // Each group drills down to exactly its sessions.
                for g in &groups {
                    let n = within(rows.clone(), d, &g.key).iter().filter(|r| r.currency == g.revenue.currency).count();
                    prop_assert_eq!(n as i64, g.sessions);
                }
            }
        }
    }
}
