//! Instructors and rooms for the demo sessions, through the staffing use cases a coordinator uses:
//! propose → request → accept → confirm, and book (confirmed or tentative). Proposing judges a
//! candidate by the rules requesting and confirming apply, and a room is checked before booking;
//! one with any problem is passed over for the next, never overridden — so the demo holds no double booking, no one
//! teaching on their time off or on a closure day, and no room taken twice, and the database's
//! own guards would refuse one anyway.

use super::Seed;
use super::people::Instructor;
use super::sessions::Planned;
use super::sites::Sites;
use crate::AppError;
use crate::staffing::{act_in, book_in, propose_in, resource_facts};
use trainyard_core::conflicts;
use trainyard_core::records::CourseInput;
use trainyard_core::status::{AssignmentEvent, DeliveryMode, SessionStatus};
use trainyard_store::{Conn, sessions};

/// Puts a qualified, free instructor on the session: confirmed, or only requested (awaiting the
/// instructor's answer) for some sessions still some weeks away. Returns whether one was found.
pub(super) async fn instructor(
    c: &mut Conn,
    s: &mut Seed,
    p: &Planned,
    course: &CourseInput,
    team: &[Instructor],
) -> Result<bool, AppError> {
    let skill = course.required_skill.as_deref().unwrap_or_default();
    let start = s.dice.below(team.len());
    let only_request = p.status == SessionStatus::Scheduled && s.dice.chance(30);
    for off in 0..team.len() {
        let candidate = &team[(start + off) % team.len()];
        if !candidate.skills.contains(&skill) {
            continue;
        }
        // Proposing judges every problem requesting and confirming judge, before it writes
        // anything: a refusal passes the candidate over.
        let mut a = match propose_in(c, &s.system, p.id, candidate.id, "lead", None, s.now).await {
            Ok(a) => a,
            Err(AppError::Conflict { .. }) => continue,
            Err(e) => return Err(e),
        };
        let events: &[AssignmentEvent] = if only_request {
            &[AssignmentEvent::Request]
        } else {
            &[
                AssignmentEvent::Request,
                AssignmentEvent::Accept,
                AssignmentEvent::Confirm,
            ]
        };
        for event in events {
            a = act_in(c, &s.app, &s.system, a.id, a.version, *event, None).await?;
        }
        return Ok(true);
    }
    Ok(false)
}

/// A free room at the venue that is big enough and has what the course needs — confirmed once
/// the session is within three weeks or over, tentative before — or, for a virtual session, a
/// platform licence from a pool that still has one free.
pub(super) async fn place(
    c: &mut Conn,
    s: &mut Seed,
    p: &Planned,
    sites: &Sites,
) -> Result<bool, AppError> {
    let session = sessions::get(c, p.id).await?;
    let parts = sessions::parts(c, p.id).await?;
    let (candidates, confirm): (Vec<i64>, bool) = if p.mode == DeliveryMode::Vilt {
        (sites.platforms.clone(), true)
    } else {
        (
            sites
                .rooms
                .iter()
                .filter(|(_, venue, seats)| *venue == p.venue_index && *seats >= p.capacity)
                .map(|(id, _, _)| *id)
                .collect(),
            p.status != SessionStatus::Scheduled,
        )
    };
    for resource in candidates {
        let facts = resource_facts(c, &session, &parts, resource, 1).await?;
        if !conflicts::check_resource(&facts).is_empty() {
            continue;
        }
        book_in(c, &s.system, p.id, resource, 1, confirm, s.now).await?;
        return Ok(true);
    }
    Ok(false)
}
