//! The core records and their validation. Each record has a `…Fields` struct of raw text, as a form
//! or an API request supplies it, and a validated `…Input` that is the only thing the store accepts.
//! `validate` collects every problem at once so a form can show them all.

use crate::EmailAddress;
use crate::Skill;
use crate::ids::{ClientId, CourseId, ProgramId, VenueId};
use crate::invalid::{Invalid, text};
use crate::locale::LanguageTag;
use crate::money::{Currency, Money};
use crate::status::{DeliveryMode, EmploymentType, ResourceKind, Visibility};
use crate::time::{Interval, TimeZoneName};
use serde::{Deserialize, Serialize};

fn int(inv: &mut Invalid, field: &str, raw: &str, min: i64, max: i64) -> Option<i64> {
    let r = raw
        .trim()
        .parse::<i64>()
        .map_err(|_| {
            if raw.trim().is_empty() {
                "is required".to_owned()
            } else {
                format!("'{}' is not a whole number", raw.trim())
            }
        })
        .and_then(|v| text::int_in(v, min, max));
    inv.check(field, r)
}

fn opt_int(inv: &mut Invalid, field: &str, raw: &str, min: i64, max: i64) -> Option<Option<i64>> {
    if raw.trim().is_empty() {
        Some(None)
    } else {
        int(inv, field, raw, min, max).map(Some)
    }
}

fn opt_id(inv: &mut Invalid, field: &str, raw: &str) -> Option<Option<i64>> {
    opt_int(inv, field, raw, 1, i64::MAX)
}

fn money(inv: &mut Invalid, field: &str, raw: &str, currency: Option<Currency>) -> Option<Money> {
    let currency = currency?;
    if raw.trim().is_empty() {
        return Some(Money::new(0, currency));
    }
    inv.check(field, Money::parse_non_negative(raw, currency))
}

fn bool_field(raw: &str) -> bool {
    matches!(raw.trim(), "true" | "on" | "1" | "yes")
}

/// A comma- or newline-separated list of short labels, trimmed, lower-cased, de-duplicated.
pub fn tag_list(raw: &str) -> Vec<String> {
    let mut tags: Vec<String> = raw
        .split([',', '\n'])
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// A list of skills, each in its one canonical spelling (`Skill::normalize`), de-duplicated.
pub fn skill_list(raw: &str) -> Vec<String> {
    let mut skills: Vec<String> = raw
        .split([',', '\n'])
        .map(Skill::normalize)
        .filter(|t| !t.is_empty())
        .collect();
    skills.sort();
    skills.dedup();
    skills
}

fn skills(inv: &mut Invalid, field: &str, raw: &str) -> Vec<String> {
    let list = skill_list(raw);
    if list.len() > 30
        || list
            .iter()
            .any(|t| t.chars().count() > crate::skill::MAX_CHARS)
    {
        inv.add(field, "at most 30 skills of up to 40 characters each");
    }
    list
}

fn tags(inv: &mut Invalid, field: &str, raw: &str) -> Vec<String> {
    let list = tag_list(raw);
    if list.len() > 30 || list.iter().any(|t| t.chars().count() > 40) {
        inv.add(field, "at most 30 entries of up to 40 characters each");
    }
    list
}

// ---------------------------------------------------------------- courses

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CourseFields {
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub code: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub title: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub description: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub duration_days: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub hours_per_day: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub delivery_modes: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub min_learners: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub max_learners: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub currency: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub list_price: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub day_rate: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub material_cost: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub certificate_name: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub certificate_validity_months: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub required_skill: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub required_features: String,
    /// The course whose sessions renew this course's certificate; empty: the same course.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub renewal_course_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CourseInput {
    pub code: String,
    pub title: String,
    pub description: String,
    pub duration_days: i64,
    pub hours_per_day: i64,
    pub delivery_modes: Vec<DeliveryMode>,
    pub min_learners: i64,
    pub max_learners: i64,
    pub list_price: Money,
    pub day_rate: Money,
    pub material_cost: Money,
    pub certificate_name: Option<String>,
    pub certificate_validity_months: Option<i64>,
    pub required_skill: Option<Skill>,
    pub required_features: Vec<String>,
    /// The course whose sessions renew this course's certificate (`None`: the same course).
    pub renewal_course_id: Option<i64>,
}

impl CourseFields {
    pub fn validate(&self) -> Result<CourseInput, Invalid> {
        let mut inv = Invalid::new();
        let code = inv.check("code", text::code(&self.code, 20));
        let title = inv.check("title", text::required(&self.title, 200));
        let description = inv.check("description", text::notes(&self.description, 5000));
        let duration_days = int(&mut inv, "duration_days", &self.duration_days, 1, 60);
        let hours_per_day = int(&mut inv, "hours_per_day", &self.hours_per_day, 1, 12);
        let mut modes = Vec::new();
        for m in self
            .delivery_modes
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            if let Some(m) = inv.check("delivery_modes", DeliveryMode::parse(m))
                && !modes.contains(&m)
            {
                modes.push(m);
            }
        }
        if modes.is_empty() && inv.message_for("delivery_modes").is_none() {
            inv.add("delivery_modes", "choose at least one delivery mode");
        }
        let min_learners = int(&mut inv, "min_learners", &self.min_learners, 0, 10_000);
        let max_learners = int(&mut inv, "max_learners", &self.max_learners, 1, 10_000);
        if let (Some(min), Some(max)) = (min_learners, max_learners)
            && min > max
        {
            inv.add(
                "min_learners",
                format!("must not exceed the maximum of {max}"),
            );
        }
        let currency = inv.check("currency", Currency::parse(&self.currency));
        let list_price = money(&mut inv, "list_price", &self.list_price, currency);
        let day_rate = money(&mut inv, "day_rate", &self.day_rate, currency);
        let material_cost = money(&mut inv, "material_cost", &self.material_cost, currency);
        let certificate_name = inv.check(
            "certificate_name",
            text::optional(&self.certificate_name, 200),
        );
        let validity = opt_int(
            &mut inv,
            "certificate_validity_months",
            &self.certificate_validity_months,
            1,
            240,
        );
        let required_skill = inv.check(
            "required_skill",
            Skill::parse_optional(&self.required_skill),
        );
        let required_features = tags(&mut inv, "required_features", &self.required_features);
        let renewal_course_id = opt_id(&mut inv, "renewal_course_id", &self.renewal_course_id);
        match (
            code,
            title,
            description,
            duration_days,
            hours_per_day,
            min_learners,
            max_learners,
            list_price,
            day_rate,
            material_cost,
            certificate_name,
            validity,
            required_skill,
            renewal_course_id,
        ) {
            (
                Some(code),
                Some(title),
                Some(description),
                Some(duration_days),
                Some(hours_per_day),
                Some(min_learners),
                Some(max_learners),
                Some(list_price),
                Some(day_rate),
                Some(material_cost),
                Some(certificate_name),
                Some(certificate_validity_months),
                Some(required_skill),
                Some(renewal_course_id),
            ) if inv.is_empty() => Ok(CourseInput {
                code,
                title,
                description,
                duration_days,
                hours_per_day,
                delivery_modes: modes,
                min_learners,
                max_learners,
                list_price,
                day_rate,
                material_cost,
                certificate_name,
                certificate_validity_months,
                required_skill,
                required_features,
                renewal_course_id,
            }),
            _ => Err(inv),
        }
    }
}

// ---------------------------------------------------------------- venues

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct VenueFields {
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub code: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub name: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub address: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub city: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub country: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub time_zone: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VenueInput {
    pub code: String,
    pub name: String,
    pub address: String,
    pub city: String,
    pub country: String,
    pub time_zone: TimeZoneName,
    pub notes: String,
}

impl VenueFields {
    pub fn validate(&self) -> Result<VenueInput, Invalid> {
        let mut inv = Invalid::new();
        let code = inv.check("code", text::code(&self.code, 20));
        let name = inv.check("name", text::required(&self.name, 200));
        let address = inv.check("address", text::notes(&self.address, 500));
        let city = inv.check("city", text::required(&self.city, 100));
        let country = inv.check(
            "country",
            text::required(&self.country, 100).and_then(|c| {
                if c.len() == 2 && c.chars().all(|c| c.is_ascii_alphabetic()) {
                    Ok(c.to_ascii_uppercase())
                } else {
                    Err("must be a two-letter ISO country code such as DE".into())
                }
            }),
        );
        let time_zone = inv.check("time_zone", TimeZoneName::parse(&self.time_zone));
        let notes = inv.check("notes", text::notes(&self.notes, 5000));
        match (code, name, address, city, country, time_zone, notes) {
            (
                Some(code),
                Some(name),
                Some(address),
                Some(city),
                Some(country),
                Some(time_zone),
                Some(notes),
            ) if inv.is_empty() => Ok(VenueInput {
                code,
                name,
                address,
                city,
                country,
                time_zone,
                notes,
            }),
            _ => Err(inv),
        }
    }
}

// ---------------------------------------------------------------- resources

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ResourceFields {
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub kind: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub code: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub name: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub venue_id: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub seats: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub quantity: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub features: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceInput {
    pub kind: ResourceKind,
    pub code: String,
    pub name: String,
    pub venue_id: Option<VenueId>,
    pub seats: i64,
    pub quantity: i64,
    pub features: Vec<String>,
    pub notes: String,
}

impl ResourceFields {
    pub fn validate(&self) -> Result<ResourceInput, Invalid> {
        let mut inv = Invalid::new();
        let kind = inv.check("kind", ResourceKind::parse(&self.kind));
        let code = inv.check("code", text::code(&self.code, 20));
        let name = inv.check("name", text::required(&self.name, 200));
        let venue_id = opt_id(&mut inv, "venue_id", &self.venue_id);
        let seats = opt_int(&mut inv, "seats", &self.seats, 1, 10_000);
        let quantity = opt_int(&mut inv, "quantity", &self.quantity, 1, 100_000);
        let features = tags(&mut inv, "features", &self.features);
        let notes = inv.check("notes", text::notes(&self.notes, 5000));
        if kind == Some(ResourceKind::Room) {
            if venue_id == Some(None) {
                inv.add("venue_id", "a room belongs to a venue: choose one");
            }
            if seats == Some(None) {
                inv.add("seats", "a room needs its number of seats");
            }
        }
        match (kind, code, name, venue_id, seats, quantity, notes) {
            (
                Some(kind),
                Some(code),
                Some(name),
                Some(venue_id),
                Some(seats),
                Some(quantity),
                Some(notes),
            ) if inv.is_empty() => {
                Ok(ResourceInput {
                    kind,
                    code,
                    name,
                    venue_id: venue_id.map(VenueId),
                    seats: seats.unwrap_or(0),
                    // A room is a unit resource; pools default to one until told otherwise.
                    quantity: if kind == ResourceKind::Room {
                        1
                    } else {
                        quantity.unwrap_or(1)
                    },
                    features,
                    notes,
                })
            }
            _ => Err(inv),
        }
    }
}

// ---------------------------------------------------------------- instructors

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InstructorFields {
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub name: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub email: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub phone: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub employment_type: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub home_venue_id: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub time_zone: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub currency: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub day_rate: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub hour_rate: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub max_days_week: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub max_days_month: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub skills: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub notes: String,
    /// The language this instructor reads (BCP 47: `de`, `en-GB`); empty: the company's.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub language: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct InstructorInput {
    pub name: String,
    pub email: EmailAddress,
    pub phone: Option<String>,
    pub employment_type: EmploymentType,
    pub home_venue_id: Option<VenueId>,
    pub time_zone: TimeZoneName,
    pub day_rate: Money,
    pub hour_rate: Money,
    pub max_days_week: i64,
    pub max_days_month: i64,
    pub skills: Vec<String>,
    pub notes: String,
    /// `None`: the company's language.
    pub language: Option<LanguageTag>,
}

impl InstructorFields {
    pub fn validate(&self) -> Result<InstructorInput, Invalid> {
        let mut inv = Invalid::new();
        let name = inv.check("name", text::required(&self.name, 200));
        let email = inv.check("email", EmailAddress::parse(&self.email));
        let phone = inv.check("phone", text::optional(&self.phone, 40));
        let employment_type = inv.check(
            "employment_type",
            EmploymentType::parse(&self.employment_type),
        );
        let home_venue_id = opt_id(&mut inv, "home_venue_id", &self.home_venue_id);
        let time_zone = inv.check("time_zone", TimeZoneName::parse(&self.time_zone));
        let currency = inv.check("currency", Currency::parse(&self.currency));
        let day_rate = money(&mut inv, "day_rate", &self.day_rate, currency);
        let hour_rate = money(&mut inv, "hour_rate", &self.hour_rate, currency);
        let max_days_week = int(&mut inv, "max_days_week", &self.max_days_week, 1, 7);
        let max_days_month = int(&mut inv, "max_days_month", &self.max_days_month, 1, 31);
        let skills = skills(&mut inv, "skills", &self.skills);
        let notes = inv.check("notes", text::notes(&self.notes, 5000));
        let language = inv.check("language", LanguageTag::parse_optional(&self.language));
        match (
            name,
            email,
            phone,
            employment_type,
            home_venue_id,
            time_zone,
            day_rate,
            hour_rate,
            max_days_week,
            max_days_month,
            notes,
        ) {
            (
                Some(name),
                Some(email),
                Some(phone),
                Some(employment_type),
                Some(home_venue_id),
                Some(time_zone),
                Some(day_rate),
                Some(hour_rate),
                Some(max_days_week),
                Some(max_days_month),
                Some(notes),
            ) if inv.is_empty() => Ok(InstructorInput {
                name,
                email,
                phone,
                employment_type,
                home_venue_id: home_venue_id.map(VenueId),
                time_zone,
                day_rate,
                hour_rate,
                max_days_week,
                max_days_month,
                skills,
                notes,
                language: language.flatten(),
            }),
            _ => Err(inv),
        }
    }
}

// ---------------------------------------------------------------- clients

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientFields {
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub code: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub name: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub billing_email: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub billing_address: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub currency: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub time_zone: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub requires_approval: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub notes: String,
    /// The language this client and its people reads (BCP 47: `de`, `en-GB`); empty: the company's.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub language: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientInput {
    pub code: String,
    pub name: String,
    pub billing_email: EmailAddress,
    pub billing_address: String,
    pub currency: Currency,
    pub time_zone: TimeZoneName,
    pub requires_approval: bool,
    pub notes: String,
    /// `None`: the company's language.
    pub language: Option<LanguageTag>,
}

impl ClientFields {
    pub fn validate(&self) -> Result<ClientInput, Invalid> {
        let mut inv = Invalid::new();
        let code = inv.check("code", text::code(&self.code, 20));
        let name = inv.check("name", text::required(&self.name, 200));
        let billing_email = inv.check("billing_email", EmailAddress::parse(&self.billing_email));
        let billing_address =
            inv.check("billing_address", text::notes(&self.billing_address, 1000));
        let currency = inv.check("currency", Currency::parse(&self.currency));
        let time_zone = inv.check("time_zone", TimeZoneName::parse(&self.time_zone));
        let notes = inv.check("notes", text::notes(&self.notes, 5000));
        let language = inv.check("language", LanguageTag::parse_optional(&self.language));
        match (
            code,
            name,
            billing_email,
            billing_address,
            currency,
            time_zone,
            notes,
        ) {
            (
                Some(code),
                Some(name),
                Some(billing_email),
                Some(billing_address),
                Some(currency),
                Some(time_zone),
                Some(notes),
            ) if inv.is_empty() => Ok(ClientInput {
                code,
                name,
                billing_email,
                billing_address,
                currency,
                time_zone,
                requires_approval: bool_field(&self.requires_approval),
                notes,
                language: language.flatten(),
            }),
            _ => Err(inv),
        }
    }
}

// ---------------------------------------------------------------- programs

/// A client's contracted series of sessions, e.g. "12 sessions of Leadership 101 for Acme between
/// March and June, budget 60,000 EUR".
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProgramFields {
    /// The client the program is contracted with.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub client_id: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub name: String,
    /// The agreed budget as a decimal amount, e.g. "60000" or "60000.00". Empty: none (0).
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub budget: String,
    /// ISO 4217 code of the budget, e.g. EUR.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub currency: String,
    /// First day of the program (YYYY-MM-DD), optional.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub starts_on: String,
    /// Last day of the program (YYYY-MM-DD, inclusive), optional.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub ends_on: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProgramInput {
    pub client_id: ClientId,
    pub name: String,
    pub budget: Money,
    pub starts_on: Option<chrono::NaiveDate>,
    pub ends_on: Option<chrono::NaiveDate>,
}

/// An optional calendar day typed as `YYYY-MM-DD`; empty is `None`.
fn opt_date(inv: &mut Invalid, field: &str, raw: &str) -> Option<Option<chrono::NaiveDate>> {
    let v = raw.trim();
    if v.is_empty() {
        return Some(None);
    }
    match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(d) => Some(Some(d)),
        Err(_) => {
            inv.add(
                field,
                format!(
                    "'{}' is not a date (expected YYYY-MM-DD)",
                    v.chars().take(20).collect::<String>()
                ),
            );
            None
        }
    }
}

impl ProgramFields {
    pub fn validate(&self) -> Result<ProgramInput, Invalid> {
        let mut inv = Invalid::new();
        let client_id = if self.client_id.trim().is_empty() {
            inv.add(
                "client_id",
                "is required: choose the client the program is for",
            );
            None
        } else {
            int(&mut inv, "client_id", &self.client_id, 1, i64::MAX)
        };
        let name = inv.check("name", text::required(&self.name, 200));
        let currency = inv.check("currency", Currency::parse(&self.currency));
        let budget = money(&mut inv, "budget", &self.budget, currency);
        let starts_on = opt_date(&mut inv, "starts_on", &self.starts_on);
        let ends_on = opt_date(&mut inv, "ends_on", &self.ends_on);
        if let (Some(Some(s)), Some(Some(e))) = (starts_on, ends_on)
            && e < s
        {
            inv.add(
                "ends_on",
                format!(
                    "must not be before the first day ({})",
                    s.format("%Y-%m-%d")
                ),
            );
        }
        match (client_id, name, budget, starts_on, ends_on) {
            (Some(client_id), Some(name), Some(budget), Some(starts_on), Some(ends_on))
                if inv.is_empty() =>
            {
                Ok(ProgramInput {
                    client_id: ClientId(client_id),
                    name,
                    budget,
                    starts_on,
                    ends_on,
                })
            }
            _ => Err(inv),
        }
    }
}

// ---------------------------------------------------------------- learners

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LearnerFields {
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub first_name: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub last_name: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub email: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub client_id: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub phone: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub time_zone: String,
    /// The language this learner reads (BCP 47: `de`, `en-GB`); empty: their client's, else the company's.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub language: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LearnerInput {
    pub first_name: String,
    pub last_name: String,
    pub email: EmailAddress,
    pub client_id: Option<ClientId>,
    pub phone: Option<String>,
    pub time_zone: TimeZoneName,
    /// `None`: their client's language, else the company's.
    pub language: Option<LanguageTag>,
}

impl LearnerFields {
    pub fn validate(&self) -> Result<LearnerInput, Invalid> {
        let mut inv = Invalid::new();
        let first_name = inv.check("first_name", text::required(&self.first_name, 100));
        let last_name = inv.check("last_name", text::required(&self.last_name, 100));
        let email = inv.check("email", EmailAddress::parse(&self.email));
        let client_id = opt_id(&mut inv, "client_id", &self.client_id);
        let phone = inv.check("phone", text::optional(&self.phone, 40));
        let time_zone = inv.check("time_zone", TimeZoneName::parse(&self.time_zone));
        let language = inv.check("language", LanguageTag::parse_optional(&self.language));
        match (first_name, last_name, email, client_id, phone, time_zone) {
            (
                Some(first_name),
                Some(last_name),
                Some(email),
                Some(client_id),
                Some(phone),
                Some(time_zone),
            ) if inv.is_empty() => Ok(LearnerInput {
                first_name,
                last_name,
                email,
                client_id: client_id.map(ClientId),
                phone,
                time_zone,
                language: language.flatten(),
            }),
            _ => Err(inv),
        }
    }
}

// ---------------------------------------------------------------- sessions

/// One part of a session as typed: local wall-clock times in the session's zone, or RFC 3339
/// instants with an offset (from the API).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PartFields {
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub starts: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub ends: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionFields {
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub course_id: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub title: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub visibility: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub client_id: String,
    /// The program (a client's contracted series) the session belongs to. Empty: none.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub program_id: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub delivery_mode: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub venue_id: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub capacity: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub time_zone: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub currency: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub seat_price: String,
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub notes: String,
    /// The link learners use to join a virtual session (`https://…`); sent with the joining
    /// instructions and shown in the learner portal. Empty: none (yet).
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub joining_url: String,
    /// Practical notes for joining, e.g. "Reception on the 2nd floor, bring ID".
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub joining_notes: String,
    pub parts: Vec<PartFields>,
    /// The language the session is taught in (BCP 47: `de`, `en`); empty: not stated.
    #[serde(deserialize_with = "crate::invalid::lenient")]
    pub delivery_language: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionInput {
    pub course_id: CourseId,
    pub title: Option<String>,
    pub visibility: Visibility,
    pub client_id: Option<ClientId>,
    pub program_id: Option<ProgramId>,
    pub delivery_mode: DeliveryMode,
    pub venue_id: Option<VenueId>,
    pub capacity: i64,
    pub time_zone: TimeZoneName,
    pub seat_price: Money,
    pub notes: String,
    /// Empty when there is none.
    pub joining_url: String,
    pub joining_notes: String,
    pub parts: Vec<Interval>,
    /// `None`: not stated.
    pub delivery_language: Option<LanguageTag>,
}

/// A session has at most this many parts (e.g. a 30-evening programme).
pub const MAX_PARTS: usize = 60;

/// A link to join a session online: empty, or an `http(s)://` address with a host, at most 500
/// characters, without spaces.
pub fn joining_url(raw: &str) -> Result<String, String> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(String::new());
    }
    if v.chars().count() > 500 {
        return Err("must be at most 500 characters".into());
    }
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"))
        .ok_or_else(|| {
            "must be a web address starting with https:// (e.g. https://meet.example.com/abc)"
                .to_owned()
        })?;
    if v.chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"'))
    {
        return Err("must not contain spaces, quotes or angle brackets".into());
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with('.') || host.starts_with(':') {
        return Err("needs a host name after https://".into());
    }
    Ok(v.to_owned())
}

impl SessionFields {
    pub fn validate(&self) -> Result<SessionInput, Invalid> {
        let mut inv = Invalid::new();
        let course_id = int(&mut inv, "course_id", &self.course_id, 1, i64::MAX);
        let title = inv.check("title", text::optional(&self.title, 200));
        let visibility = inv.check("visibility", Visibility::parse(&self.visibility));
        let client_id = opt_id(&mut inv, "client_id", &self.client_id);
        let program_id = opt_id(&mut inv, "program_id", &self.program_id);
        let delivery_mode = inv.check("delivery_mode", DeliveryMode::parse(&self.delivery_mode));
        let venue_id = opt_id(&mut inv, "venue_id", &self.venue_id);
        let capacity = int(&mut inv, "capacity", &self.capacity, 1, 10_000);
        let time_zone = inv.check("time_zone", TimeZoneName::parse(&self.time_zone));
        let currency = inv.check("currency", Currency::parse(&self.currency));
        let seat_price = money(&mut inv, "seat_price", &self.seat_price, currency);
        let notes = inv.check("notes", text::notes(&self.notes, 5000));
        let joining_url = inv.check("joining_url", joining_url(&self.joining_url));
        let joining_notes = inv.check("joining_notes", text::notes(&self.joining_notes, 2000));
        let delivery_language = inv.check(
            "delivery_language",
            LanguageTag::parse_optional(&self.delivery_language),
        );
        if visibility == Some(Visibility::Private) && client_id == Some(None) {
            inv.add(
                "client_id",
                "a private session is for one client: choose it",
            );
        }
        if delivery_mode == Some(DeliveryMode::Ilt) && venue_id == Some(None) {
            inv.add("venue_id", "a classroom session needs a venue");
        }
        let parts: Vec<&PartFields> = self
            .parts
            .iter()
            .filter(|p| !(p.starts.trim().is_empty() && p.ends.trim().is_empty()))
            .collect();
        let mut intervals = Vec::new();
        if parts.is_empty() {
            inv.add(
                "parts",
                "add at least one part (a day or an evening) with its start and end",
            );
        } else if parts.len() > MAX_PARTS {
            inv.add("parts", format!("a session has at most {MAX_PARTS} parts"));
        } else if let Some(tz) = time_zone {
            for (i, p) in parts.iter().enumerate() {
                let field = format!("parts[{i}]");
                let instant = |raw: &str| {
                    if raw.contains('Z') || raw.get(19..).is_some_and(|r| r.contains(['+', '-'])) {
                        crate::time::parse_rfc3339(raw)
                    } else {
                        tz.parse_local(raw)
                    }
                };
                let start = inv.check(&format!("{field}.starts"), instant(&p.starts));
                let end = inv.check(&format!("{field}.ends"), instant(&p.ends));
                if let (Some(s), Some(e)) = (start, end) {
                    match Interval::part(s, e) {
                        Ok(iv) => intervals.push(iv),
                        Err(err) => inv.add(&format!("{field}.ends"), err.to_string()),
                    }
                }
            }
            intervals.sort();
            if intervals.windows(2).any(|w| w[0].overlaps(&w[1])) {
                inv.add("parts", "two parts of this session overlap each other");
            }
        }
        match (
            course_id,
            title,
            visibility,
            client_id,
            delivery_mode,
            venue_id,
            capacity,
            time_zone,
            seat_price,
            notes,
            joining_url,
            joining_notes,
            program_id,
        ) {
            (
                Some(course_id),
                Some(title),
                Some(visibility),
                Some(client_id),
                Some(delivery_mode),
                Some(venue_id),
                Some(capacity),
                Some(time_zone),
                Some(seat_price),
                Some(notes),
                Some(joining_url),
                Some(joining_notes),
                Some(program_id),
            ) if inv.is_empty() => Ok(SessionInput {
                course_id: CourseId(course_id),
                title,
                visibility,
                client_id: client_id.map(ClientId),
                program_id: program_id.map(ProgramId),
                delivery_mode,
                venue_id: venue_id.map(VenueId),
                capacity,
                time_zone,
                seat_price,
                notes,
                joining_url,
                joining_notes,
                parts: intervals,
                delivery_language: delivery_language.flatten(),
            }),
            _ => Err(inv),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course() -> CourseFields {
        CourseFields {
            code: "xl-adv".into(),
            title: "Excel Advanced".into(),
            duration_days: "2".into(),
            hours_per_day: "7".into(),
            delivery_modes: "ilt,vilt".into(),
            min_learners: "4".into(),
            max_learners: "12".into(),
            currency: "EUR".into(),
            list_price: "890.00".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_course() {
        let c = course().validate().unwrap();
        assert_eq!(c.code, "XL-ADV");
        assert_eq!(c.list_price.minor, 89000);
        assert_eq!(
            c.delivery_modes,
            vec![DeliveryMode::Ilt, DeliveryMode::Vilt]
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut f = course();
        f.title = " ".into();
        f.min_learners = "20".into();
        f.currency = "Euro".into();
        let e = f.validate().unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["title", "min_learners", "currency"]);
    }

    fn session() -> SessionFields {
        SessionFields {
            course_id: "1".into(),
            visibility: "public".into(),
            delivery_mode: "ilt".into(),
            venue_id: "2".into(),
            capacity: "12".into(),
            time_zone: "Europe/Berlin".into(),
            currency: "EUR".into(),
            parts: vec![PartFields {
                starts: "2026-03-09T09:00".into(),
                ends: "2026-03-09T17:00".into(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn session_parts_are_local_times_in_the_session_zone() {
        let s = session().validate().unwrap();
        assert_eq!(
            crate::time::rfc3339(s.parts[0].start_ms),
            "2026-03-09T08:00:00Z"
        );
    }

    #[test]
    fn session_refuses_unknown_zone_and_overlapping_parts() {
        let mut f = session();
        f.time_zone = "Europe/Atlantis".into();
        assert_eq!(f.validate().unwrap_err().errors[0].field, "time_zone");
        let mut f = session();
        f.parts.push(PartFields {
            starts: "2026-03-09T16:00".into(),
            ends: "2026-03-09T18:00".into(),
        });
        assert_eq!(
            f.validate().unwrap_err().errors[0].message,
            "two parts of this session overlap each other"
        );
    }

    #[test]
    fn joining_links_are_web_addresses() {
        assert_eq!(joining_url("  ").unwrap(), "");
        assert_eq!(
            joining_url(" https://meet.example.com/abc?pwd=1 ").unwrap(),
            "https://meet.example.com/abc?pwd=1"
        );
        assert!(joining_url("meet.example.com/abc").is_err());
        assert!(joining_url("https://").is_err());
        assert!(joining_url("https://meet.example.com/a b").is_err());
        assert!(joining_url("javascript:alert(1)").is_err());
        let mut f = session();
        f.joining_url = "ftp://x".into();
        f.joining_notes = "Reception on the 2nd floor".into();
        assert_eq!(f.validate().unwrap_err().errors[0].field, "joining_url");
        f.joining_url = "https://meet.example.com/x".into();
        let s = f.validate().unwrap();
        assert_eq!(s.joining_notes, "Reception on the 2nd floor");
    }

    fn program() -> ProgramFields {
        ProgramFields {
            client_id: "3".into(),
            name: " Leadership 101 for Acme ".into(),
            budget: "60000".into(),
            currency: "eur".into(),
            starts_on: "2026-03-01".into(),
            ends_on: "2026-06-30".into(),
        }
    }

    #[test]
    fn a_valid_program() {
        let p = program().validate().unwrap();
        assert_eq!(p.client_id, ClientId(3));
        assert_eq!(p.name, "Leadership 101 for Acme");
        assert_eq!(p.budget, Money::new(6_000_000, Currency::EUR));
        assert_eq!(p.starts_on, chrono::NaiveDate::from_ymd_opt(2026, 3, 1));
        let mut f = program();
        f.budget = "60000.00".into();
        f.starts_on = String::new();
        f.ends_on = " ".into();
        let p = f.validate().unwrap();
        assert_eq!(p.budget.minor, 6_000_000);
        assert_eq!((p.starts_on, p.ends_on), (None, None));
        f.budget = String::new();
        assert_eq!(f.validate().unwrap().budget.minor, 0, "no budget is zero");
    }

    #[test]
    fn program_problems_name_their_fields() {
        let f = ProgramFields {
            client_id: String::new(),
            name: "x".repeat(201),
            budget: "-5".into(),
            currency: "EURO".into(),
            starts_on: "March".into(),
            ends_on: "2026-02-30".into(),
        };
        let e = f.validate().unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["client_id", "name", "currency", "starts_on", "ends_on"]
        );
        assert_eq!(
            e.message_for("starts_on"),
            Some("'March' is not a date (expected YYYY-MM-DD)")
        );
        assert_eq!(
            e.message_for("name"),
            Some("must be at most 200 characters")
        );
        let mut f = program();
        f.budget = "-5".into();
        assert_eq!(
            f.validate().unwrap_err().message_for("budget"),
            Some("must not be negative")
        );
        f.budget = "12.345".into();
        assert_eq!(f.validate().unwrap_err().errors[0].field, "budget");
        let mut f = program();
        f.client_id = "acme".into();
        f.name = "  ".into();
        let e = f.validate().unwrap_err();
        assert_eq!(
            e.message_for("client_id"),
            Some("'acme' is not a whole number")
        );
        assert_eq!(e.message_for("name"), Some("is required"));
    }

    #[test]
    fn a_program_does_not_end_before_it_starts() {
        let mut f = program();
        f.ends_on = "2026-02-28".into();
        let e = f.validate().unwrap_err();
        assert_eq!(e.errors.len(), 1);
        assert_eq!(
            e.message_for("ends_on"),
            Some("must not be before the first day (2026-03-01)")
        );
        f.ends_on = "2026-03-01".into();
        assert!(f.validate().is_ok(), "a one-day program");
        f.starts_on = String::new();
        f.ends_on = "2026-02-28".into();
        assert!(f.validate().is_ok(), "an open start");
    }

    #[test]
    fn a_session_may_name_its_program() {
        let mut f = session();
        assert_eq!(f.validate().unwrap().program_id, None);
        f.program_id = "7".into();
        assert_eq!(f.validate().unwrap().program_id, Some(ProgramId(7)));
        f.program_id = "seven".into();
        assert_eq!(f.validate().unwrap_err().errors[0].field, "program_id");
    }

    #[test]
    fn rfc3339_parts_from_the_api() {
        let mut f = session();
        f.parts = vec![PartFields {
            starts: "2026-03-09T09:00:00+01:00".into(),
            ends: "2026-03-09T17:00:00+01:00".into(),
        }];
        assert_eq!(
            crate::time::rfc3339(f.validate().unwrap().parts[0].start_ms),
            "2026-03-09T08:00:00Z"
        );
    }
}
