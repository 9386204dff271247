//! ITC2007 track 3, curriculum-based course timetabling: the public benchmark the planner is
//! measured on. [`parser`] reads instances (errors with line numbers), [`mapping`] turns one into a
//! [`crate::plan::Problem`], [`writer`] writes the competition's solution format, and
//! [`evaluator`] scores a solution by the competition's rules, independently of the engine.

pub mod evaluator;
pub mod mapping;
pub mod parser;
pub mod writer;

pub use evaluator::{Evaluation, evaluate};
pub use mapping::{lectures, to_problem};
pub use parser::{Instance, Lecture, ParseError, parse, parse_solution};
pub use writer::write;

#[cfg(test)]
mod tests;
