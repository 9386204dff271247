//! The consistency check: proves on any database that the scheduling rules hold — every busy
//! assignment and confirmed room booking holds its slots, and no instructor or room is in two
//! places at once. `trainyard doctor` runs it; the demo's tests run it on the seeded company.

use crate::{App, AppError, Caller};
use trainyard_core::Role;
use trainyard_store::doctor as checks;
pub use trainyard_store::doctor::Finding;

/// Every finding of every check; empty when the data obeys the rules.
pub async fn check(app: &App, caller: &Caller) -> Result<Vec<Finding>, AppError> {
    caller.require(
        matches!(caller.role, Role::Admin | Role::Manager),
        "run the consistency check",
    )?;
    let mut conn = app.store.read().await?;
    let mut out = Vec::new();
    out.extend(checks::busy_assignments_without_slots(&mut conn).await?);
    out.extend(checks::confirmed_rooms_without_slots(&mut conn).await?);
    out.extend(checks::double_booked_instructors(&mut conn).await?);
    out.extend(checks::overlapping_instructor_slots(&mut conn).await?);
    out.extend(checks::overlapping_room_slots(&mut conn).await?);
    out.extend(checks::stale_instructor_slots(&mut conn).await?);
    Ok(out)
}
