//! The scheduling engine's foundations. Pure and deterministic: no I/O, no clocks, no randomness
//! without a seed.
//!
//! [`IntervalIndex`] answers "what overlaps this part?" against a large set of booked intervals in
//! logarithmic time, which is what conflict checks, availability and the planner's local search
//! ask millions of times.

pub mod interval_index;
pub mod ranking;

pub use interval_index::IntervalIndex;
