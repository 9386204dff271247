//! The auto-scheduler in the product: choose draft sessions (by program, period or one by one),
//! run the planner as a background job whose progress any process can show, look at the proposal
//! and its cost, accept all or some of it; or repair the published plan after an instructor drops
//! out or a room closes. `mapping` turns the database into the planner's problem (and documents the
//! grid), `runs` starts and records runs, `accept` applies proposals, `repair` starts repairs.

pub mod accept;
pub mod demo;
pub mod mapping;
pub mod repair;
pub mod runs;
pub mod windows;

pub use accept::{AcceptReport, AcceptResult, Selection, accept};
pub use repair::{NoticePeriod, RepairTrigger, repair};
pub use runs::{PlanScope, RunDetail, RunOptions, get, list, start_run};
pub use windows::{WindowFields, clear_window, drafts, set_window, weekdays_label, window};
