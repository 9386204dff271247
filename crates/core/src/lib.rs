//! Trainyard's domain: identifiers, money, time, roles, state machines and the validation rules
//! for every record. Pure: no I/O, no async, no SQL. Everything a user types passes through a
//! constructor here before it reaches the database.

pub mod budget;
pub mod cancellation;
pub mod certificate;
pub mod compliance;
pub mod conflicts;
pub mod costs;
pub mod email;
pub mod ids;
pub mod invalid;
pub mod invoice;
pub mod kpi;
pub mod locale;
pub mod money;
pub mod morning;
pub mod pricing;
pub mod quality_signals;
pub mod quote;
pub mod records;
pub mod recurrence;
pub mod refusal;
pub mod report_view;
pub mod role;
pub mod scope;
pub mod sheet_conflicts;
pub mod skill;
pub mod sso;
pub mod status;
pub mod survey;
pub mod time;
pub mod webhook;
pub mod xapi;

pub use email::EmailAddress;
pub use invalid::{FieldError, Invalid};
pub use money::{Currency, Money};
pub use role::Role;
pub use skill::Skill;
pub use time::{Interval, TimeZoneName};
