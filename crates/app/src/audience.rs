//! Who may read and write which field of a record: decided here, per field, once, for the API and
//! the UI alike (DESIGN.md invariant 6). Rates, costs, budgets and margins are finance data: only
//! callers for whom [`Caller::sees_finance`] holds (finance, managers, admins) read or set them.
//!
//! Reading: every use case that hands a record to a caller passes it through
//! [`ForReader::for_reader`]; a hidden field becomes `None` and is left out of the JSON (never a
//! fake `0.00`). Every record type the use cases return implements the trait, so a new record kind
//! has to say what it hides; a record without finance data says so with an empty impl.
//!
//! Writing: a caller who may not see finance data submits the record's fields without them. A
//! finance field left empty (or omitted from the JSON) keeps the stored value — a replace does not
//! silently wipe a rate the caller cannot even see; on create it is zero. A value that differs from
//! the stored one is refused with 403 naming the field ([`FinanceFields`]).

use crate::{AppError, Caller};
use trainyard_core::records::{
    ClientFields, CourseFields, CourseInput, InstructorFields, InstructorInput, LearnerFields,
    ProgramFields, ProgramInput, ResourceFields, VenueFields,
};
use trainyard_core::{Money, Role};
use trainyard_store::Page;

/// The names of the finance fields of every record, for redacting snapshots of records (the audit
/// history) that are not typed.
pub const FINANCE_KEYS: &[&str] = &[
    "day_rate",
    "hour_rate",
    "material_cost",
    "budget",
    "cost_minor",
    "cost_line",
    // Course prices in other currencies (private prices) and agreements' terms.
    "day_price",
    "flat_price",
    "discount_bp",
    "credits_left",
];

/// A record as one caller may see it.
pub trait ForReader: Sized {
    fn for_reader(self, caller: &Caller) -> Self;
}

impl<T: ForReader> ForReader for Page<T> {
    fn for_reader(self, caller: &Caller) -> Self {
        self.map(|r| r.for_reader(caller))
    }
}

impl<T: ForReader> ForReader for Vec<T> {
    fn for_reader(self, caller: &Caller) -> Self {
        self.into_iter().map(|r| r.for_reader(caller)).collect()
    }
}

/// `Some(v)` for a caller who may see finance data, `None` for everyone else.
fn finance<T>(caller: &Caller, v: Option<T>) -> Option<T> {
    if caller.sees_finance() { v } else { None }
}

impl ForReader for trainyard_store::courses::Course {
    fn for_reader(mut self, caller: &Caller) -> Self {
        // The list price per seat is public (catalogue, registration pages); the day rate for
        // private sessions and the material cost are finance data.
        self.day_rate = finance(caller, self.day_rate);
        self.material_cost = finance(caller, self.material_cost);
        self
    }
}

impl ForReader for trainyard_store::instructors::Instructor {
    fn for_reader(mut self, caller: &Caller) -> Self {
        self.day_rate = finance(caller, self.day_rate);
        self.hour_rate = finance(caller, self.hour_rate);
        self
    }
}

impl ForReader for trainyard_store::instructors::Contract {
    fn for_reader(mut self, caller: &Caller) -> Self {
        self.day_rate = finance(caller, self.day_rate);
        self
    }
}

impl ForReader for trainyard_store::programs::Program {
    fn for_reader(mut self, caller: &Caller) -> Self {
        self.budget = finance(caller, self.budget);
        self
    }
}

impl ForReader for trainyard_planner::ranking::RankedInstructor {
    fn for_reader(mut self, caller: &Caller) -> Self {
        // Coordinators staff sessions: the ranking may weigh cost, but the amount is finance data.
        self.cost = finance(caller, self.cost);
        self
    }
}

impl ForReader for trainyard_store::enrollments::Enrollment {
    fn for_reader(mut self, caller: &Caller) -> Self {
        // What a learner pays is between the company and the paying side: staff, the client's
        // contact and the learner. An instructor's attendance sheet does not show it.
        if !(caller.role.is_staff() || matches!(caller.role, Role::ClientContact | Role::Learner)) {
            self.price = None;
        }
        self
    }
}

impl ForReader for crate::attendance::Sheet {
    fn for_reader(mut self, caller: &Caller) -> Self {
        for row in &mut self.rows {
            row.enrollment = row.enrollment.clone().for_reader(caller);
        }
        self
    }
}

impl ForReader for trainyard_store::audit::AuditEvent {
    fn for_reader(mut self, caller: &Caller) -> Self {
        if !caller.sees_finance() {
            for snapshot in [&mut self.before, &mut self.after].into_iter().flatten() {
                redact_json(snapshot);
            }
        }
        self
    }
}

/// Removes every finance key, at any depth, from a JSON snapshot.
fn redact_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| !FINANCE_KEYS.contains(&k.as_str()));
            for child in map.values_mut() {
                redact_json(child);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// Records with no field beyond what may see the record itself.
macro_rules! nothing_hidden {
    ($($t:ty),* $(,)?) => {
        $(impl ForReader for $t {
            fn for_reader(self, _caller: &Caller) -> Self {
                self
            }
        })*
    };
}

nothing_hidden!(
    trainyard_store::venues::Venue,
    trainyard_store::resources::Resource,
    trainyard_store::clients::Client,
    trainyard_store::learners::Learner,
    // The seat price is the public price of a place on the session.
    trainyard_store::sessions::Session,
    // A certificate holds no price: what it says is printed for its learner.
    trainyard_store::certificates::Certificate,
);

// ---------------------------------------------------------------- writes

/// The finance fields of a record's edit shape, for callers who may not see finance data.
pub trait FinanceFields: Sized + Clone {
    type Record;
    type Input;
    /// Fills each finance field left empty with the stored value (on create: left empty, which
    /// validates to zero).
    fn keep_stored(&mut self, stored: &Self::Record);
    /// On create: what a caller who cannot set finance fields gets instead (the currency a rate
    /// of zero is in, say).
    fn creating(&mut self) {}
    /// The finance fields of `input` that differ from `stored` (on create: that are not zero).
    fn changed(input: &Self::Input, stored: Option<&Self::Record>) -> Vec<&'static str>;
}

/// Validates `fields` for `caller`: finance staff as submitted; anyone else with the stored finance
/// values kept, and refused (403, naming the field) when they would change one.
pub fn validate_for<F: FinanceFields>(
    caller: &Caller,
    fields: &F,
    stored: Option<&F::Record>,
    validate: impl Fn(&F) -> Result<F::Input, trainyard_core::Invalid>,
) -> Result<F::Input, AppError> {
    if caller.sees_finance() {
        return Ok(validate(fields)?);
    }
    let mut f = fields.clone();
    match stored {
        Some(s) => f.keep_stored(s),
        None => f.creating(),
    }
    let input = validate(&f)?;
    let changed = F::changed(&input, stored);
    if !changed.is_empty() {
        return Err(AppError::Forbidden(format!(
            "set {}: rates, costs and budgets are finance data that only finance, managers and \
             administrators may change (leave the field out to keep its value)",
            changed.join(", ")
        )));
    }
    Ok(input)
}

/// `true` when `new` differs from what was stored (or, with nothing stored, is not zero). A zero
/// amount is the same in every currency.
fn differs(new: &Money, stored: Option<&Option<Money>>) -> bool {
    match stored {
        Some(Some(old)) => !(new == old || (new.minor == 0 && old.minor == 0)),
        // Stored but not readable should not happen (records here come from the store).
        Some(None) => new.minor != 0,
        None => new.minor != 0,
    }
}

fn fill(field: &mut String, stored: &Option<Money>) {
    if field.trim().is_empty()
        && let Some(m) = stored
    {
        *field = m.amount_string();
    }
}

fn fill_currency(field: &mut String, stored: &Option<Money>) {
    if field.trim().is_empty()
        && let Some(m) = stored
    {
        *field = m.currency.to_string();
    }
}

impl FinanceFields for InstructorFields {
    type Record = trainyard_store::instructors::Instructor;
    type Input = InstructorInput;
    fn keep_stored(&mut self, s: &Self::Record) {
        // The instructor's currency is only the currency of their rates.
        fill_currency(&mut self.currency, &s.day_rate);
        fill(&mut self.day_rate, &s.day_rate);
        fill(&mut self.hour_rate, &s.hour_rate);
    }
    fn creating(&mut self) {
        if self.currency.trim().is_empty() {
            self.currency = "EUR".into();
        }
    }
    fn changed(i: &InstructorInput, s: Option<&Self::Record>) -> Vec<&'static str> {
        let mut out = Vec::new();
        if differs(&i.day_rate, s.map(|s| &s.day_rate)) {
            out.push("day_rate");
        }
        if differs(&i.hour_rate, s.map(|s| &s.hour_rate)) {
            out.push("hour_rate");
        }
        out
    }
}

impl FinanceFields for CourseFields {
    type Record = trainyard_store::courses::Course;
    type Input = CourseInput;
    fn keep_stored(&mut self, s: &Self::Record) {
        // The course's currency is also the list price's (public): it is not filled in here.
        fill(&mut self.day_rate, &s.day_rate);
        fill(&mut self.material_cost, &s.material_cost);
    }
    fn changed(i: &CourseInput, s: Option<&Self::Record>) -> Vec<&'static str> {
        let mut out = Vec::new();
        if differs(&i.day_rate, s.map(|s| &s.day_rate)) {
            out.push("day_rate");
        }
        if differs(&i.material_cost, s.map(|s| &s.material_cost)) {
            out.push("material_cost");
        }
        out
    }
}

impl FinanceFields for ProgramFields {
    type Record = trainyard_store::programs::Program;
    type Input = ProgramInput;
    fn keep_stored(&mut self, s: &Self::Record) {
        // The program's currency is only its budget's.
        fill_currency(&mut self.currency, &s.budget);
        fill(&mut self.budget, &s.budget);
    }
    fn changed(i: &ProgramInput, s: Option<&Self::Record>) -> Vec<&'static str> {
        if differs(&i.budget, s.map(|s| &s.budget)) {
            vec!["budget"]
        } else {
            Vec::new()
        }
    }
}

/// Edit shapes with no finance field.
macro_rules! no_finance_fields {
    ($($fields:ty => $record:ty, $input:ty);* $(;)?) => {
        $(impl FinanceFields for $fields {
            type Record = $record;
            type Input = $input;
            fn keep_stored(&mut self, _stored: &Self::Record) {}
            fn changed(_input: &$input, _stored: Option<&Self::Record>) -> Vec<&'static str> {
                Vec::new()
            }
        })*
    };
}

no_finance_fields!(
    VenueFields => trainyard_store::venues::Venue, trainyard_core::records::VenueInput;
    ResourceFields => trainyard_store::resources::Resource, trainyard_core::records::ResourceInput;
    ClientFields => trainyard_store::clients::Client, trainyard_core::records::ClientInput;
    LearnerFields => trainyard_store::learners::Learner, trainyard_core::records::LearnerInput;
);

/// The list sort keys that would order records by finance data.
pub fn check_sort(caller: &Caller, sort: &str, finance_keys: &[&str]) -> Result<(), AppError> {
    if !caller.sees_finance() && finance_keys.contains(&sort.trim()) {
        return Err(AppError::Forbidden(format!(
            "sort by {}: it is finance data",
            sort.trim()
        )));
    }
    Ok(())
}
