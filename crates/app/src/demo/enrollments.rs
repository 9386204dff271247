//! Learners on the demo sessions: the client's own people on a private session, anyone on a
//! public one; attended, no-show or completed in the past, booked or waitlisted ahead.

use super::Seed;
use super::sessions::Planned;
use crate::AppError;
use serde_json::json;
use trainyard_core::Money;
use trainyard_core::status::{EnrollmentStatus, SessionStatus};
use trainyard_store::{Conn, enrollments};

/// Enrolls learners on the session; returns how many enrollments it made.
pub(super) async fn enroll(
    c: &mut Conn,
    s: &mut Seed,
    p: &Planned,
    learner_ids: &[(i64, Option<usize>)],
) -> Result<usize, AppError> {
    if p.status == SessionStatus::Draft {
        return Ok(0);
    }
    let capacity = p.capacity;
    let wanted = if p.past {
        capacity * (55 + s.dice.below(45) as i64) / 100
    } else {
        capacity * (20 + s.dice.below(95) as i64) / 100
    };
    let pool: Vec<i64> = learner_ids
        .iter()
        .filter(|(_, lc)| p.client.is_none() || *lc == p.client)
        .map(|(id, _)| *id)
        .collect();
    let mut chosen = Vec::new();
    let mut tries = 0;
    while (chosen.len() as i64) < wanted.min(pool.len() as i64) && tries < 1000 {
        let l = *s.dice.pick(&pool);
        if !chosen.contains(&l) {
            chosen.push(l);
        }
        tries += 1;
    }
    if p.id == 1 || p.k == super::sessions::COUNT - 10 {
        // The demo learner has a history and an upcoming session.
        if let Some((lid, _)) = learner_ids.get(7)
            && !chosen.contains(lid)
        {
            chosen.push(*lid);
        }
    }
    for (pos, lid) in chosen.iter().enumerate() {
        let over = pos as i64 >= capacity;
        let est = if p.status == SessionStatus::Cancelled {
            EnrollmentStatus::Cancelled
        } else if p.past {
            if s.dice.chance(7) {
                EnrollmentStatus::NoShow
            } else if p.status == SessionStatus::Closed {
                EnrollmentStatus::Completed
            } else {
                EnrollmentStatus::Attended
            }
        } else if over {
            EnrollmentStatus::Waitlisted
        } else {
            EnrollmentStatus::Booked
        };
        let eid = enrollments::insert(
            c,
            &enrollments::NewEnrollment {
                session_id: p.id,
                learner_id: *lid,
                status: est,
                waitlist_position: over.then_some(pos as i64 - capacity + 1),
                price: if p.private {
                    Money::new(0, p.input.seat_price.currency)
                } else {
                    p.input.seat_price
                },
                enrolled_by: None,
            },
            s.now,
        )
        .await?;
        s.created(
            c,
            "enrollment",
            eid,
            json!({ "session": p.id, "learner": lid, "status": est.as_str() }),
        )
        .await?;
    }
    enrollments::recount(c, p.id).await?;
    Ok(chosen.len())
}
