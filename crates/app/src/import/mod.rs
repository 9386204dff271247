//! Spreadsheet onboarding (issue 18 §2): courses, venues and rooms, clients, instructors with
//! their qualifications, learners, sessions with their parts, assignments and enrollments, from
//! CSV or XLSX — mapped to the layouts, checked in a dry run through the real use cases, applied
//! all or nothing — and the export that writes the same layouts back.
//!
//! - [`sheet`] reads a file into rows of cells (delimiter sniffing, BOM, formulas, merged cells).
//! - [`layout`] holds each kind's columns and types, and the mapping from a sheet's headers.
//! - [`run`] checks or applies the sheets in one transaction, and lists the sheet's conflicts.
//! - [`export`] writes every kind in the same layouts.

pub mod export;
pub mod jobs;
pub mod layout;
mod run;
pub mod sheet;

pub use layout::{Kind, Mapping};
pub use run::{
    Input, ProblemGroup, Progress, Quiet, Report, RowProblem, kinds_of, mapping_for, may_import,
    run,
};
