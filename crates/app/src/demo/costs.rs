//! Costs for the demo's delivered sessions, through the cost use cases: day rates for the rooms
//! and platform licences (so bookings bring venue hire and licence lines), some instructor fees
//! and venue bills whose actuals differ from what was committed, travel lines, and one session
//! that clearly ran at a loss (an emergency venue move).

use super::Seed;
use super::finance::Delivered;
use super::sites::Sites;
use crate::AppError;
use crate::costs::{
    ActualFields, LineFields, RevenueSource, add_line_in, finance_in, set_actual_in,
    set_resource_rate_in,
};
use crate::invoicing::{DraftFields, draft_for_private_session_in, issue_in};
use trainyard_core::Money;
use trainyard_core::invoice::LineFields as InvoiceLine;
use trainyard_core::status::{CostKind, Visibility};
use trainyard_store::Conn;

/// How many of the latest delivered sessions get actuals (keeps seeding fast).
const WITH_ACTUALS: usize = 30;

fn amount(m: Money) -> String {
    m.amount_string()
}

/// Returns how many cost lines finance touched.
pub(super) async fn seed(
    c: &mut Conn,
    s: &mut Seed,
    sites: &Sites,
    delivered: &[Delivered],
) -> Result<usize, AppError> {
    let who = s.system.clone();
    for (n, (room, _, seats)) in sites.rooms.iter().enumerate() {
        let rate = 150 + seats * 8 + (n as i64 % 3) * 25;
        set_resource_rate_in(c, &who, *room, &rate.to_string(), "EUR", s.now).await?;
    }
    for p in &sites.platforms {
        set_resource_rate_in(c, &who, *p, "35", "EUR", s.now).await?;
    }
    // Private sessions are billed by the day at the course's day rate (their learners' seats
    // are free, so the monthly invoices leave them out): their revenue is what was invoiced.
    for d in delivered {
        let session = trainyard_store::sessions::get(c, d.id).await?;
        let (Some(client), Visibility::Private) = (session.client_id, session.visibility) else {
            continue;
        };
        let course = trainyard_store::courses::get(c, session.course_id).await?;
        let Some(rate) = course.day_rate.filter(|r| r.minor > 0) else {
            continue;
        };
        let days = trainyard_store::sessions::parts(c, d.id)
            .await?
            .len()
            .max(1);
        let draft = draft_for_private_session_in(
            c,
            &who,
            d.id,
            &DraftFields {
                client_id: Some(client),
                currency: rate.currency.to_string(),
                payment_days: Some(30),
                notes: String::new(),
                lines: vec![InvoiceLine {
                    description: format!(
                        "{} ({}), private delivery",
                        course.title, session.reference
                    ),
                    quantity: days.to_string(),
                    unit_price: rate.amount_string(),
                    tax_rate: "19".into(),
                }],
            },
            s.now,
        )
        .await?;
        issue_in(
            c,
            &who,
            draft.invoice.id,
            draft.invoice.version,
            s.now,
            s.today,
        )
        .await?;
    }
    let mut touched = 0;
    let latest: Vec<&Delivered> = delivered.iter().rev().take(WITH_ACTUALS).collect();
    for (n, d) in latest.iter().enumerate() {
        let f = finance_in(c, d.id).await?;
        // The fee as invoiced by the instructor: a little over or under what was committed.
        if n % 3 == 0
            && let Some(fee) = f.lines.iter().find(|l| l.kind == CostKind::InstructorFee)
        {
            let pct = if n % 2 == 0 { 104 } else { 97 };
            let actual = Money::new(fee.planned.minor * pct / 100, fee.planned.currency);
            set_actual_in(
                c,
                &who,
                d.id,
                &fee.key,
                &ActualFields {
                    version: fee.version,
                    amount: amount(actual),
                    note: "instructor's invoice".into(),
                },
                s.now,
            )
            .await?;
            touched += 1;
        }
        // The venue's bill, with extras.
        if n % 4 == 1
            && let Some(room) = f.lines.iter().find(|l| l.kind == CostKind::VenueHire)
        {
            let actual = Money::new(room.planned.minor + 4_500, room.planned.currency);
            set_actual_in(
                c,
                &who,
                d.id,
                &room.key,
                &ActualFields {
                    version: room.version,
                    amount: amount(actual),
                    note: "projector hire added".into(),
                },
                s.now,
            )
            .await?;
            touched += 1;
        }
        // Travel for a good part of them: committed when booked, then the actual ticket.
        if n % 3 == 1 {
            let fare = 80 + (n as i64 * 37) % 170;
            let after = add_line_in(
                c,
                &who,
                d.id,
                &LineFields {
                    kind: "travel".into(),
                    description: "Instructor's train and hotel".into(),
                    amount: fare.to_string(),
                    currency: String::new(),
                    stage: "committed".into(),
                },
                s.now,
            )
            .await?;
            touched += 1;
            if let Some(l) = after
                .lines
                .iter()
                .rev()
                .find(|l| l.kind == CostKind::Travel)
            {
                set_actual_in(
                    c,
                    &who,
                    d.id,
                    &l.key,
                    &ActualFields {
                        version: l.version,
                        amount: (fare + 12).to_string(),
                        note: "receipts".into(),
                    },
                    s.now,
                )
                .await?;
            }
        }
    }
    // One session clearly at a loss: the venue flooded and a private course moved at short
    // notice to a hotel, at the company's expense.
    let mut unlucky = None;
    for d in &latest {
        if finance_in(c, d.id).await?.revenue_source == RevenueSource::Invoices {
            unlucky = Some(d.id);
            break;
        }
    }
    if let Some(id) = unlucky {
        let after = add_line_in(
            c,
            &who,
            id,
            &LineFields {
                kind: "venue_hire".into(),
                description: "Emergency move to a hotel venue".into(),
                amount: "4500".into(),
                currency: String::new(),
                stage: "committed".into(),
            },
            s.now,
        )
        .await?;
        if let Some(l) = after
            .lines
            .iter()
            .rev()
            .find(|l| l.description.starts_with("Emergency"))
        {
            set_actual_in(
                c,
                &who,
                id,
                &l.key,
                &ActualFields {
                    version: l.version,
                    amount: "4860".into(),
                    note: "hotel invoice incl. catering".into(),
                },
                s.now,
            )
            .await?;
        }
        touched += 1;
    }
    Ok(touched)
}
