//! The optimizing auto-scheduler: places sessions' parts into periods, rooms and instructors.
//!
//! - [`model`]: the problem as plain data (serde), exportable to JSON;
//! - [`solve`]: [`solve()`] and [`repair()`], the result ([`Outcome`]) and its [`Plan`];
//! - [`cost`]: hard violations and soft penalties, reported separately;
//! - [`explain`]: why a session cannot be placed;
//! - [`generate`]: a seeded Trainyard-shaped quarter for benchmarks and tests.
//!
//! Inside: `compiled` lays the problem flat, `state` prices a plan incrementally, `search` runs
//! construction, a min-conflicts repair and simulated annealing over the `moves`.

mod compiled;
pub mod cost;
pub mod explain;
pub mod generate;
pub mod model;
mod moves;
mod rng;
mod search;
pub mod solve;
mod state;

pub use cost::{Constraint, CostBreakdown, HardViolations, SoftCost, Term};
pub use explain::{Reason, Unplaced};
pub use model::*;
pub use solve::{
    Change, Outcome, Phase, Plan, Progress, SessionPlan, SolveOptions, Stats, apply_changes,
    publish, repair, solve,
};

#[cfg(test)]
mod tests;
