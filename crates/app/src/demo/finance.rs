//! A half-year of invoices, through the invoicing use cases: each client billed on the 1st of the
//! month for last month's delivered sessions their people attended; most paid within weeks, some
//! partly, some overdue, and one credited.

use super::{Seed, bad};
use crate::AppError;
use crate::invoicing::{
    self, PaymentFields, draft_credit_note_in, draft_for_sessions_in, issue_in, record_payment_in,
};
use chrono::{Datelike, Duration, NaiveDate};
use trainyard_store::{Conn, enrollments};

/// A delivered session: its id and the day its last part ended.
pub(super) struct Delivered {
    pub id: i64,
    pub ended: NaiveDate,
    /// It has a seat price: private sessions are priced per day with the price lists still to
    /// come, so the demo bills only priced ones.
    pub priced: bool,
}

/// Bills the delivered sessions in date order, so the numbers follow the dates. Returns how many
/// invoices were issued.
pub(super) async fn seed(
    c: &mut Conn,
    s: &mut Seed,
    delivered: &[Delivered],
) -> Result<usize, AppError> {
    // Each client is billed monthly: one invoice on the 1st for last month's delivered sessions.
    let mut months: std::collections::BTreeMap<(NaiveDate, i64), Vec<i64>> = Default::default();
    for d in delivered.iter().filter(|d| d.priced) {
        let mut clients: Vec<i64> = enrollments::for_session(c, d.id)
            .await?
            .iter()
            .filter_map(|e| e.client_id)
            .collect();
        clients.sort_unstable();
        clients.dedup();
        let first = d.ended.with_day(1).unwrap_or(d.ended);
        let next_month = (first + Duration::days(32)).with_day(1).unwrap_or(first);
        for client in clients {
            months.entry((next_month, client)).or_default().push(d.id);
        }
    }
    let mut issued = 0;
    let mut credited_one = false;
    for ((issued_on, client), sessions) in months {
        if issued_on > s.today {
            continue; // this month's sessions are billed next month
        }
        {
            let draft =
                match draft_for_sessions_in(c, &s.system, &sessions, Some(client), "19", s.now)
                    .await
                {
                    Ok(draft) => draft,
                    // Nobody of theirs still enrolled: nothing to bill.
                    Err(AppError::Refused(_)) => continue,
                    Err(e) => return Err(e),
                };
            if draft.invoice.gross.minor == 0 {
                // Private sessions are priced per day with the price lists still to come.
                trainyard_store::invoices::discard_draft(
                    c,
                    draft.invoice.id,
                    draft.invoice.version,
                    s.now,
                )
                .await?;
                continue;
            }
            let inv = issue_in(
                c,
                &s.system,
                draft.invoice.id,
                draft.invoice.version,
                s.now,
                issued_on,
            )
            .await?
            .invoice;
            issued += 1;
            let gross = inv.gross;
            let roll = s.dice.below(100);
            let paid_on = issued_on + Duration::days(10 + s.dice.below(30) as i64);
            if paid_on <= s.today && roll < 93 {
                // Paid in full, or (a few) only half so far.
                let first = if roll < 5 {
                    gross.minor / 2
                } else {
                    gross.minor
                };
                for amount in [first, if roll < 5 { 0 } else { gross.minor - first }] {
                    if amount <= 0 {
                        continue;
                    }
                    let f = PaymentFields {
                        amount: trainyard_core::Money::new(amount, gross.currency).amount_string(),
                        received_on: Some(paid_on.to_string()),
                        reference: format!("Transfer {}", inv.number.clone().unwrap_or_default()),
                    };
                    record_payment_in(c, &s.system, inv.id, &f, s.now, s.today).await?;
                }
            } else if !credited_one && roll >= 95 {
                // Billed to the wrong cost centre: taken back in full.
                let note = draft_credit_note_in(
                    c,
                    &s.system,
                    inv.id,
                    "billed to the wrong cost centre; reissued by hand",
                    s.now,
                )
                .await?;
                issue_in(
                    c,
                    &s.system,
                    note.invoice.id,
                    note.invoice.version,
                    s.now,
                    issued_on + Duration::days(3),
                )
                .await?;
                credited_one = true;
            }
        }
    }
    let check = invoicing::totals_hold(c).await?;
    if !check.is_empty() {
        return Err(bad(check));
    }
    Ok(issued)
}
