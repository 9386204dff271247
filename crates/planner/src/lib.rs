//! The scheduling engine. Pure and deterministic: no I/O, no clocks (beyond an optional deadline
//! the caller sets), no randomness without a seed.
//!
//! [`IntervalIndex`] answers "what overlaps this part?" against a large set of booked intervals in
//! logarithmic time, which is what conflict checks and availability ask millions of times.
//! [`plan`] is the optimizing auto-scheduler; [`ctt`] maps the ITC2007 curriculum-based course
//! timetabling benchmark onto it and checks its results with an independent evaluator.

pub mod ctt;
pub mod interval_index;
pub mod plan;
pub mod ranking;

pub use interval_index::IntervalIndex;
