//! The typed write bodies of the JSON API: one per record kind, with integers, ids, booleans,
//! enums, dates and money as `{amount, currency}` — the same shapes the records are read in, so
//! a client can send back what it read. Each body is converted here, in one place, into the
//! core `…Fields` the HTML forms fill from text, so validation, the finance-field rules
//! (`trainyard_app::audience`) and the use cases are the same for both.
//!
//! Per kind this module declares `Create` (the body of POST, schema `…Fields`) and the
//! schema-only `Update` (PUT: the body plus `version`), `Patch` (PATCH: a JSON Merge Patch of the
//! body plus `version`) and `Page` (one page of a list, `$ref`-ing the record). They have concrete
//! names because utoipa names a generic `Versioned<T>` or `Page<T>` `Versioned_T`, `Page_T`, and
//! inlines `T`: generated clients then hold look-alike copies of each record they cannot tell
//! apart.
//!
//! A required member left out is read as empty, so that the core reports it by name ("is
//! required") after the use case has checked the caller may write at all; the document still
//! marks it required.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use trainyard_app::AppError;
use trainyard_core::Invalid;
use trainyard_core::money::Currency;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{KnownFormat, RefOr, SchemaFormat};

/// A write body and how it becomes the core fields (and, for PATCH, how a record becomes it).
pub trait WriteBody: Serialize + DeserializeOwned + utoipa::PartialSchema {
    /// The core edit shape the use cases validate.
    type Fields;
    /// What `GET /{kind}/{id}` returns, read back as the base of a PATCH.
    type Current;
    fn into_fields(self) -> Result<Self::Fields, Invalid>;
    fn from_current(current: &Self::Current) -> Self;
}

/// A PUT body: the record's fields and the `version` that was read.
#[derive(Deserialize)]
pub struct Versioned<T> {
    #[serde(flatten)]
    pub fields: T,
    pub version: i64,
}

/// An amount of money as it is read and written: `{ "amount": "990.00", "currency": "EUR" }`.
/// Kept as text here so that an amount the core refuses is reported against its field.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MoneyBody {
    #[serde(deserialize_with = "trainyard_core::invalid::lenient")]
    pub amount: String,
    pub currency: String,
}

impl From<&trainyard_core::Money> for MoneyBody {
    fn from(m: &trainyard_core::Money) -> Self {
        MoneyBody {
            amount: m.amount_string(),
            currency: m.currency.to_string(),
        }
    }
}

fn same_currency(a: &str, b: &str) -> bool {
    match (Currency::parse(a), Currency::parse(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

/// The amount of an optional money field in `currency` (the record's one currency); empty when
/// left out, which the core reads as zero or, for finance fields, as "keep the stored value".
fn amount_in(inv: &mut Invalid, field: &str, m: Option<&MoneyBody>, currency: &str) -> String {
    match m {
        None => String::new(),
        // Without a currency of its own the record is refused for that (by the core) instead.
        Some(m) if currency.trim().is_empty() || same_currency(&m.currency, currency) => {
            m.amount.clone()
        }
        Some(m) => {
            inv.add(
                field,
                format!(
                    "is in {} but this record's amounts are in {}: send every amount in one currency",
                    m.currency.trim().chars().take(20).collect::<String>(),
                    currency.trim()
                ),
            );
            String::new()
        }
    }
}

fn text(v: Option<String>) -> String {
    v.unwrap_or_default()
}

fn int(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn list(v: &[String]) -> String {
    v.join(",")
}

fn done<T>(inv: Invalid, fields: T) -> Result<T, Invalid> {
    if inv.is_empty() { Ok(fields) } else { Err(inv) }
}

// ------------------------------------------------------------------ schema helpers

fn version_property(object: &mut utoipa::openapi::schema::Object, what: &str) {
    let version = ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .description(Some(format!(
            "The version of the record this {what} is based on: 409 when it changed meanwhile."
        )));
    object
        .properties
        .insert("version".into(), RefOr::T(version.into()));
}

/// The create body's schema plus a required `version`.
pub fn update_schema<T: utoipa::PartialSchema>() -> RefOr<Schema> {
    match T::schema() {
        RefOr::T(Schema::Object(mut o)) => {
            version_property(&mut o, "replacement");
            o.required.push("version".into());
            o.description = Some(
                "Every field of the record (as for create) and the `version` you read. A field \
                 left out is cleared or reset to its default, except finance data a caller may not \
                 see, which keeps its stored value."
                    .into(),
            );
            RefOr::T(Schema::Object(o))
        }
        other => other,
    }
}

/// The create body's schema with every field optional (`null` clears an optional field) and a
/// required `version`: a JSON Merge Patch (RFC 7396).
pub fn patch_schema<T: utoipa::PartialSchema>() -> RefOr<Schema> {
    match T::schema() {
        RefOr::T(Schema::Object(mut o)) => {
            version_property(&mut o, "change");
            o.required = vec!["version".into()];
            o.description = Some(
                "A JSON Merge Patch (RFC 7396, `application/merge-patch+json`; `application/json` \
                 is accepted too): any of the record's fields plus the `version` you read. Fields \
                 left out keep their values; `null` clears an optional field; an object (such as \
                 an amount) replaces the stored one as a whole, and an array replaces the list."
                    .into(),
            );
            RefOr::T(Schema::Object(o))
        }
        other => other,
    }
}

/// One page of `T`, `$ref`-ing `T`'s schema.
pub fn page_schema<T: utoipa::ToSchema>() -> RefOr<Schema> {
    let count = |d: &str| {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .description(Some(d))
    };
    ObjectBuilder::new()
        .description(Some(
            "One page of a list, with the total that matched the filters.",
        ))
        .property(
            "items",
            ArrayBuilder::new().items(RefOr::Ref(
                utoipa::openapi::Ref::from_schema_name(T::name()),
            )),
        )
        .required("items")
        .property("total", count("How many records matched, over all pages."))
        .required("total")
        .property("page", count("This page's number, from 1."))
        .required("page")
        .property("per_page", count("Rows per page."))
        .required("per_page")
        .into()
}

/// Declares the schema-only `Update`, `Patch` and `Page` types of one record kind.
macro_rules! kind_schemas {
    ($update:literal, $patch:literal, $page:literal, $record:ty) => {
        /// Schema of the PUT body.
        pub struct Update;
        impl utoipa::PartialSchema for Update {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                super::update_schema::<Create>()
            }
        }
        impl utoipa::ToSchema for Update {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($update)
            }
            fn schemas(
                out: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                <Create as utoipa::ToSchema>::schemas(out);
            }
        }

        /// Schema of the PATCH body.
        pub struct Patch;
        impl utoipa::PartialSchema for Patch {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                super::patch_schema::<Create>()
            }
        }
        impl utoipa::ToSchema for Patch {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($patch)
            }
            fn schemas(
                out: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                <Create as utoipa::ToSchema>::schemas(out);
            }
        }

        page_type!(Page, $page, $record);
    };
}

/// Declares `$ty`, the schema of one page of `$record`s named `$name`.
macro_rules! page_type {
    ($ty:ident, $name:literal, $record:ty) => {
        /// Schema of one page of the list.
        pub struct $ty;
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::api::bodies::page_schema::<$record>()
            }
        }
        impl utoipa::ToSchema for $ty {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
            fn schemas(
                out: &mut Vec<(
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
                )>,
            ) {
                out.push((
                    <$record as utoipa::ToSchema>::name().into(),
                    <$record as utoipa::PartialSchema>::schema(),
                ));
                <$record as utoipa::ToSchema>::schemas(out);
            }
        }
    };
}

pub(crate) use page_type;

page_type!(
    MessagePage,
    "MessagePage",
    trainyard_app::store::outbox::Message
);
page_type!(UserPage, "UserPage", trainyard_app::store::users::User);

// ------------------------------------------------------------------ PATCH

/// RFC 7396: merges `patch` into `target`. `null` removes a member; objects merge member by
/// member; anything else replaces.
pub fn merge_patch(target: &mut Value, patch: Value) {
    match patch {
        Value::Object(members) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            if let Value::Object(t) = target {
                for (k, v) in members {
                    if v.is_null() {
                        t.remove(&k);
                    } else {
                        merge_patch(t.entry(k).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other,
    }
}

/// Takes the required `version` out of a PATCH body.
pub fn patch_version(patch: &mut Value) -> Result<i64, AppError> {
    let Value::Object(members) = patch else {
        return Err(Invalid::field(
            "body",
            "must be a JSON object: the fields to change and the version you read",
        )
        .into());
    };
    match members.remove("version") {
        Some(v) => v
            .as_i64()
            .ok_or_else(|| Invalid::field("version", "must be a whole number").into()),
        None => {
            Err(Invalid::field("version", "is required: the version of the record you read").into())
        }
    }
}

/// The record as a body, with `patch` merged in, as the fields the update use case takes.
pub fn patched<B: WriteBody>(current: &B::Current, patch: Value) -> Result<B::Fields, AppError> {
    // A body has string keys and no maps: serializing it cannot fail. Were it to, the patch
    // alone would be read and its missing fields reported.
    unknown_members::<B>(&patch)?;
    let base = serde_json::to_value(B::from_current(current)).unwrap_or_default();
    let mut doc = base.clone();
    merge_patch(&mut doc, patch.clone());
    match serde_json::from_value::<B>(doc) {
        Ok(body) => Ok(body.into_fields()?),
        Err(e) => Err(wrong_types::<B>(&base, patch, &e).into()),
    }
}

/// Refuses the members of `patch` that are not fields of the body: a misspelt or read-only
/// member would otherwise change nothing and still be answered 200.
fn unknown_members<B: WriteBody>(patch: &Value) -> Result<(), Invalid> {
    let RefOr::T(Schema::Object(schema)) = B::schema() else {
        return Ok(());
    };
    let mut inv = Invalid::new();
    if let Value::Object(members) = patch {
        for k in members.keys() {
            if !schema.properties.contains_key(k) {
                inv.add(
                    k,
                    "is not a field this record can be changed by (read-only, or misspelt)",
                );
            }
        }
    }
    done(inv, ())
}

/// The members of `patch` whose JSON type does not fit the body (a text where a number
/// belongs, say), each named: serde stops at the first and does not say where it was.
fn wrong_types<B: WriteBody>(base: &Value, patch: Value, e: &serde_json::Error) -> Invalid {
    let mut inv = Invalid::new();
    if let Value::Object(members) = patch {
        for (k, v) in members {
            let mut one = base.clone();
            merge_patch(
                &mut one,
                Value::Object([(k.clone(), v)].into_iter().collect()),
            );
            if let Err(e) = serde_json::from_value::<B>(one) {
                inv.add(&k, e.to_string());
            }
        }
    }
    if inv.is_empty() {
        inv.add("body", e.to_string());
    }
    inv
}

// ------------------------------------------------------------------ courses

pub mod courses {
    use super::*;
    use trainyard_app::store::courses::Course;
    use trainyard_core::records::CourseFields;
    use trainyard_core::status::DeliveryMode;

    /// A course as written: every amount in the currency of `list_price`. `day_rate` and
    /// `material_cost` are finance data: other callers leave them out (they keep their values).
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[schema(as = CourseFields)]
    pub struct Create {
        /// Short unique code, e.g. `XL-ADV` (stored in capitals).
        #[serde(default)]
        #[schema(example = "XL-ADV", required = true)]
        pub code: String,
        #[serde(default)]
        #[schema(required = true)]
        pub title: String,
        #[serde(default)]
        pub description: Option<String>,
        #[serde(default)]
        #[schema(value_type = i64, required = true, minimum = 1, maximum = 60)]
        pub duration_days: Option<i64>,
        #[serde(default)]
        #[schema(value_type = i64, required = true, minimum = 1, maximum = 12)]
        pub hours_per_day: Option<i64>,
        /// At least one.
        #[serde(default)]
        #[schema(required = true)]
        pub delivery_modes: Vec<DeliveryMode>,
        #[serde(default)]
        #[schema(value_type = i64, required = true, minimum = 0, maximum = 10000)]
        pub min_learners: Option<i64>,
        #[serde(default)]
        #[schema(value_type = i64, required = true, minimum = 1, maximum = 10000)]
        pub max_learners: Option<i64>,
        /// The price of a seat; its currency is the course's.
        #[serde(default)]
        #[schema(value_type = trainyard_core::Money, required = true)]
        pub list_price: Option<MoneyBody>,
        /// Finance data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<trainyard_core::Money>)]
        pub day_rate: Option<MoneyBody>,
        /// Finance data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<trainyard_core::Money>)]
        pub material_cost: Option<MoneyBody>,
        #[serde(default)]
        pub certificate_name: Option<String>,
        #[serde(default)]
        #[schema(minimum = 1, maximum = 240)]
        pub certificate_validity_months: Option<i64>,
        /// A skill an instructor needs to teach the course.
        #[serde(default)]
        pub required_skill: Option<String>,
        /// Room features the course needs, e.g. `projector`.
        #[serde(default)]
        pub required_features: Vec<String>,
        /// The course whose sessions renew this course's certificate: renewal seats are offered
        /// in its next session. Absent: the same course.
        #[serde(default)]
        pub renewal_course_id: Option<i64>,
    }

    impl WriteBody for Create {
        type Fields = CourseFields;
        type Current = Course;

        fn into_fields(self) -> Result<CourseFields, Invalid> {
            let mut inv = Invalid::new();
            // Left out, the price has no currency: the core names `currency` as missing (after the
            // use case has checked the caller may write at all).
            let list_price = self.list_price.unwrap_or(MoneyBody {
                amount: String::new(),
                currency: String::new(),
            });
            let currency = list_price.currency.clone();
            let day_rate = amount_in(&mut inv, "day_rate", self.day_rate.as_ref(), &currency);
            let material_cost = amount_in(
                &mut inv,
                "material_cost",
                self.material_cost.as_ref(),
                &currency,
            );
            done(
                inv,
                CourseFields {
                    code: self.code,
                    title: self.title,
                    description: text(self.description),
                    duration_days: int(self.duration_days),
                    hours_per_day: int(self.hours_per_day),
                    delivery_modes: self
                        .delivery_modes
                        .iter()
                        .map(|m| m.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    min_learners: int(self.min_learners),
                    max_learners: int(self.max_learners),
                    currency,
                    list_price: list_price.amount,
                    day_rate,
                    material_cost,
                    certificate_name: text(self.certificate_name),
                    certificate_validity_months: int(self.certificate_validity_months),
                    required_skill: text(self.required_skill),
                    required_features: list(&self.required_features),
                    renewal_course_id: int(self.renewal_course_id),
                },
            )
        }

        fn from_current(c: &Course) -> Self {
            Create {
                code: c.code.clone(),
                title: c.title.clone(),
                description: Some(c.description.clone()),
                duration_days: Some(c.duration_days),
                hours_per_day: Some(c.hours_per_day),
                delivery_modes: c.delivery_modes.clone(),
                min_learners: Some(c.min_learners),
                max_learners: Some(c.max_learners),
                list_price: Some((&c.list_price).into()),
                day_rate: c.day_rate.as_ref().map(Into::into),
                material_cost: c.material_cost.as_ref().map(Into::into),
                certificate_name: c.certificate_name.clone(),
                certificate_validity_months: c.certificate_validity_months,
                required_skill: c.required_skill.clone(),
                required_features: c.required_features.clone(),
                renewal_course_id: c.renewal_course_id,
            }
        }
    }

    kind_schemas!("CourseUpdate", "CoursePatch", "CoursePage", Course);
}

// ------------------------------------------------------------------ venues

pub mod venues {
    use super::*;
    use trainyard_app::store::venues::Venue;
    use trainyard_core::records::VenueFields;

    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[schema(as = VenueFields)]
    pub struct Create {
        #[serde(default)]
        #[schema(example = "BER-1", required = true)]
        pub code: String,
        #[serde(default)]
        #[schema(required = true)]
        pub name: String,
        #[serde(default)]
        pub address: Option<String>,
        #[serde(default)]
        #[schema(required = true)]
        pub city: String,
        /// Two-letter ISO country code.
        #[serde(default)]
        #[schema(example = "DE", required = true)]
        pub country: String,
        /// IANA time zone.
        #[serde(default)]
        #[schema(example = "Europe/Berlin", required = true)]
        pub time_zone: String,
        #[serde(default)]
        pub notes: Option<String>,
    }

    impl WriteBody for Create {
        type Fields = VenueFields;
        type Current = Venue;

        fn into_fields(self) -> Result<VenueFields, Invalid> {
            Ok(VenueFields {
                code: self.code,
                name: self.name,
                address: text(self.address),
                city: self.city,
                country: self.country,
                time_zone: self.time_zone,
                notes: text(self.notes),
            })
        }

        fn from_current(v: &Venue) -> Self {
            Create {
                code: v.code.clone(),
                name: v.name.clone(),
                address: Some(v.address.clone()),
                city: v.city.clone(),
                country: v.country.clone(),
                time_zone: v.time_zone.clone(),
                notes: Some(v.notes.clone()),
            }
        }
    }

    kind_schemas!("VenueUpdate", "VenuePatch", "VenuePage", Venue);
}

// ------------------------------------------------------------------ resources

pub mod resources {
    use super::*;
    use trainyard_app::store::resources::Resource;
    use trainyard_core::records::ResourceFields;
    use trainyard_core::status::ResourceKind;

    /// A room, piece of equipment, platform licence or material. A room belongs to a venue and
    /// has seats; a pool has a quantity.
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[schema(as = ResourceFields)]
    pub struct Create {
        #[serde(default)]
        #[schema(value_type = ResourceKind, required = true)]
        pub kind: Option<ResourceKind>,
        #[serde(default)]
        #[schema(required = true)]
        pub code: String,
        #[serde(default)]
        #[schema(required = true)]
        pub name: String,
        #[serde(default)]
        pub venue_id: Option<i64>,
        /// Seats of a room; `0` or left out: none.
        #[serde(default)]
        #[schema(minimum = 0, maximum = 10000)]
        pub seats: Option<i64>,
        /// How many there are (a room is always one); left out: one.
        #[serde(default)]
        #[schema(minimum = 1, maximum = 100000)]
        pub quantity: Option<i64>,
        #[serde(default)]
        pub features: Vec<String>,
        #[serde(default)]
        pub notes: Option<String>,
    }

    impl WriteBody for Create {
        type Fields = ResourceFields;
        type Current = Resource;

        fn into_fields(self) -> Result<ResourceFields, Invalid> {
            Ok(ResourceFields {
                kind: self.kind.map(|v| v.as_str().to_owned()).unwrap_or_default(),
                code: self.code,
                name: self.name,
                venue_id: int(self.venue_id),
                // Read back, a resource without seats has `0`.
                seats: int(self.seats.filter(|s| *s != 0)),
                quantity: int(self.quantity),
                features: list(&self.features),
                notes: text(self.notes),
            })
        }

        fn from_current(r: &Resource) -> Self {
            Create {
                kind: Some(r.kind),
                code: r.code.clone(),
                name: r.name.clone(),
                venue_id: r.venue_id,
                seats: Some(r.seats),
                quantity: Some(r.quantity),
                features: r.features.clone(),
                notes: Some(r.notes.clone()),
            }
        }
    }

    kind_schemas!("ResourceUpdate", "ResourcePatch", "ResourcePage", Resource);
}

// ------------------------------------------------------------------ instructors

pub mod instructors {
    use super::*;
    use trainyard_app::store::instructors::Instructor;
    use trainyard_core::records::InstructorFields;
    use trainyard_core::status::EmploymentType;

    /// An instructor. `day_rate` and `hour_rate` are finance data: other callers leave them out
    /// (they keep their values).
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[schema(as = InstructorFields)]
    pub struct Create {
        #[serde(default)]
        #[schema(required = true)]
        pub name: String,
        #[serde(default)]
        #[schema(format = Email, required = true)]
        pub email: String,
        #[serde(default)]
        pub phone: Option<String>,
        #[serde(default)]
        #[schema(value_type = EmploymentType, required = true)]
        pub employment_type: Option<EmploymentType>,
        #[serde(default)]
        pub home_venue_id: Option<i64>,
        /// IANA time zone.
        #[serde(default)]
        #[schema(example = "Europe/Berlin", required = true)]
        pub time_zone: String,
        /// Finance data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<trainyard_core::Money>)]
        pub day_rate: Option<MoneyBody>,
        /// Finance data, in the currency of `day_rate`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<trainyard_core::Money>)]
        pub hour_rate: Option<MoneyBody>,
        /// ISO 4217 code of the rates when neither is sent (a new instructor's rates are then
        /// zero in it; default EUR for callers who may not set rates).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(example = "EUR")]
        pub currency: Option<String>,
        #[serde(default)]
        #[schema(value_type = i64, required = true, minimum = 1, maximum = 7)]
        pub max_days_week: Option<i64>,
        #[serde(default)]
        #[schema(value_type = i64, required = true, minimum = 1, maximum = 31)]
        pub max_days_month: Option<i64>,
        #[serde(default)]
        pub skills: Vec<String>,
        #[serde(default)]
        pub notes: Option<String>,
        /// The language the instructor reads (BCP 47: `de`, `en-GB`); left out or null: the company's.
        #[serde(default)]
        #[schema(example = "de")]
        pub language: Option<String>,
    }

    impl WriteBody for Create {
        type Fields = InstructorFields;
        type Current = Instructor;

        fn into_fields(self) -> Result<InstructorFields, Invalid> {
            let mut inv = Invalid::new();
            let currency = self
                .day_rate
                .as_ref()
                .or(self.hour_rate.as_ref())
                .map(|m| m.currency.clone())
                .or(self.currency)
                .unwrap_or_default();
            let day_rate = amount_in(&mut inv, "day_rate", self.day_rate.as_ref(), &currency);
            let hour_rate = amount_in(&mut inv, "hour_rate", self.hour_rate.as_ref(), &currency);
            done(
                inv,
                InstructorFields {
                    name: self.name,
                    email: self.email,
                    phone: text(self.phone),
                    employment_type: self
                        .employment_type
                        .map(|v| v.as_str().to_owned())
                        .unwrap_or_default(),
                    home_venue_id: int(self.home_venue_id),
                    time_zone: self.time_zone,
                    currency,
                    day_rate,
                    hour_rate,
                    max_days_week: int(self.max_days_week),
                    max_days_month: int(self.max_days_month),
                    skills: list(&self.skills),
                    notes: text(self.notes),
                    language: text(self.language),
                },
            )
        }

        fn from_current(i: &Instructor) -> Self {
            Create {
                name: i.name.clone(),
                email: i.email.clone(),
                phone: i.phone.clone(),
                employment_type: Some(i.employment_type),
                home_venue_id: i.home_venue_id,
                time_zone: i.time_zone.clone(),
                day_rate: i.day_rate.as_ref().map(Into::into),
                hour_rate: i.hour_rate.as_ref().map(Into::into),
                currency: None,
                max_days_week: Some(i.max_days_week),
                max_days_month: Some(i.max_days_month),
                skills: i.skills.clone(),
                notes: Some(i.notes.clone()),
                language: i.language.clone(),
            }
        }
    }

    kind_schemas!(
        "InstructorUpdate",
        "InstructorPatch",
        "InstructorPage",
        Instructor
    );
}

// ------------------------------------------------------------------ clients

pub mod clients {
    use super::*;
    use trainyard_app::store::clients::Client;
    use trainyard_core::records::ClientFields;

    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[schema(as = ClientFields)]
    pub struct Create {
        #[serde(default)]
        #[schema(example = "ACME", required = true)]
        pub code: String,
        #[serde(default)]
        #[schema(required = true)]
        pub name: String,
        #[serde(default)]
        #[schema(format = Email, required = true)]
        pub billing_email: String,
        #[serde(default)]
        pub billing_address: Option<String>,
        /// ISO 4217 code the client is invoiced in.
        #[serde(default)]
        #[schema(example = "EUR", required = true)]
        pub currency: String,
        /// IANA time zone.
        #[serde(default)]
        #[schema(example = "Europe/Berlin", required = true)]
        pub time_zone: String,
        /// Whether the client's contact approves each enrollment.
        #[serde(default)]
        pub requires_approval: bool,
        #[serde(default)]
        pub notes: Option<String>,
        /// The language the client and its people reads (BCP 47: `de`, `en-GB`); left out or null: the company's.
        #[serde(default)]
        #[schema(example = "de")]
        pub language: Option<String>,
    }

    impl WriteBody for Create {
        type Fields = ClientFields;
        type Current = Client;

        fn into_fields(self) -> Result<ClientFields, Invalid> {
            Ok(ClientFields {
                code: self.code,
                name: self.name,
                billing_email: self.billing_email,
                billing_address: text(self.billing_address),
                currency: self.currency,
                time_zone: self.time_zone,
                requires_approval: self.requires_approval.to_string(),
                notes: text(self.notes),
                language: text(self.language),
            })
        }

        fn from_current(c: &Client) -> Self {
            Create {
                code: c.code.clone(),
                name: c.name.clone(),
                billing_email: c.billing_email.clone(),
                billing_address: Some(c.billing_address.clone()),
                currency: c.currency.to_string(),
                time_zone: c.time_zone.clone(),
                requires_approval: c.requires_approval,
                notes: Some(c.notes.clone()),
                language: c.language.clone(),
            }
        }
    }

    kind_schemas!("ClientUpdate", "ClientPatch", "ClientPage", Client);
}

// ------------------------------------------------------------------ programs

pub mod programs {
    use super::*;
    use trainyard_app::programs::ProgramDetail;
    use trainyard_app::store::programs::Program;
    use trainyard_core::records::ProgramFields;

    /// A client's contracted series of sessions. `budget` is finance data: other callers leave
    /// it out (it keeps its value).
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[schema(as = ProgramFields)]
    pub struct Create {
        #[serde(default)]
        #[schema(value_type = i64, required = true)]
        pub client_id: Option<i64>,
        #[serde(default)]
        #[schema(required = true)]
        pub name: String,
        /// Finance data.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(value_type = Option<trainyard_core::Money>)]
        pub budget: Option<MoneyBody>,
        /// ISO 4217 code of the budget when none is sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(example = "EUR")]
        pub currency: Option<String>,
        /// First day, if agreed.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date, example = "2026-03-01")]
        pub starts_on: Option<String>,
        /// Last day (inclusive), if agreed.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date, example = "2026-06-30")]
        pub ends_on: Option<String>,
    }

    impl WriteBody for Create {
        type Fields = ProgramFields;
        type Current = ProgramDetail;

        fn into_fields(self) -> Result<ProgramFields, Invalid> {
            let currency = self
                .budget
                .as_ref()
                .map(|m| m.currency.clone())
                .or(self.currency)
                .unwrap_or_default();
            Ok(ProgramFields {
                client_id: int(self.client_id),
                name: self.name,
                budget: self.budget.map(|m| m.amount).unwrap_or_default(),
                currency,
                starts_on: text(self.starts_on),
                ends_on: text(self.ends_on),
            })
        }

        fn from_current(d: &ProgramDetail) -> Self {
            let p: &Program = &d.program;
            Create {
                client_id: Some(p.client_id),
                name: p.name.clone(),
                budget: p.budget.as_ref().map(Into::into),
                currency: None,
                starts_on: p.starts_on.clone(),
                ends_on: p.ends_on.clone(),
            }
        }
    }

    kind_schemas!("ProgramUpdate", "ProgramPatch", "ProgramPage", Program);
}

// ------------------------------------------------------------------ learners

pub mod learners {
    use super::*;
    use trainyard_app::store::learners::Learner;
    use trainyard_core::records::LearnerFields;

    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[schema(as = LearnerFields)]
    pub struct Create {
        #[serde(default)]
        #[schema(required = true)]
        pub first_name: String,
        #[serde(default)]
        #[schema(required = true)]
        pub last_name: String,
        #[serde(default)]
        #[schema(format = Email, required = true)]
        pub email: String,
        /// The client the learner works for; left out: none (an individual).
        #[serde(default)]
        pub client_id: Option<i64>,
        #[serde(default)]
        pub phone: Option<String>,
        /// IANA time zone.
        #[serde(default)]
        #[schema(example = "Europe/Berlin", required = true)]
        pub time_zone: String,
        /// The language the learner reads (BCP 47: `de`, `en-GB`); left out or null: their client's, else the company's.
        #[serde(default)]
        #[schema(example = "de")]
        pub language: Option<String>,
    }

    impl WriteBody for Create {
        type Fields = LearnerFields;
        type Current = Learner;

        fn into_fields(self) -> Result<LearnerFields, Invalid> {
            Ok(LearnerFields {
                first_name: self.first_name,
                last_name: self.last_name,
                email: self.email,
                client_id: int(self.client_id),
                phone: text(self.phone),
                time_zone: self.time_zone,
                language: text(self.language),
            })
        }

        fn from_current(l: &Learner) -> Self {
            Create {
                first_name: l.first_name.clone(),
                last_name: l.last_name.clone(),
                email: l.email.clone(),
                client_id: l.client_id,
                phone: l.phone.clone(),
                time_zone: l.time_zone.clone(),
                language: l.language.clone(),
            }
        }
    }

    kind_schemas!("LearnerUpdate", "LearnerPatch", "LearnerPage", Learner);
}

// ------------------------------------------------------------------ sessions

pub mod sessions {
    use super::*;
    use trainyard_app::schedule::sessions::SessionDetail;
    use trainyard_app::store::sessions::Session;
    use trainyard_core::records::{PartFields, SessionFields};
    use trainyard_core::status::{DeliveryMode, Visibility};

    /// One part of a session (a day or an evening). The parts of a session as read
    /// (`starts_at`, `ends_at`, `status`) are accepted too, so a session read can be written
    /// back; its cancelled parts are history and are left out.
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[schema(as = PartFields)]
    pub struct PartBody {
        /// RFC 3339 with an offset (`2026-03-09T09:00:00+01:00`), or a local date and time in
        /// the session's time zone (`2026-03-09T09:00`).
        #[serde(default, alias = "starts_at")]
        #[schema(required = true, example = "2026-03-09T09:00:00+01:00")]
        pub starts: String,
        /// As `starts`.
        #[serde(default, alias = "ends_at")]
        #[schema(required = true, example = "2026-03-09T17:00:00+01:00")]
        pub ends: String,
        /// Only to recognise a cancelled part of a session as read.
        #[serde(default, skip_serializing)]
        #[schema(ignore)]
        pub status: Option<String>,
    }

    /// A session of a course, in one or more parts.
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[schema(as = SessionFields)]
    pub struct Create {
        #[serde(default)]
        #[schema(value_type = i64, required = true)]
        pub course_id: Option<i64>,
        /// A title of its own; left out: the course's.
        #[serde(default)]
        pub title: Option<String>,
        #[serde(default)]
        #[schema(value_type = Visibility, required = true)]
        pub visibility: Option<Visibility>,
        /// The client of a private session.
        #[serde(default)]
        pub client_id: Option<i64>,
        /// The program (a client's contracted series) the session belongs to.
        #[serde(default)]
        pub program_id: Option<i64>,
        #[serde(default)]
        #[schema(value_type = DeliveryMode, required = true)]
        pub delivery_mode: Option<DeliveryMode>,
        /// The venue; a classroom (`ilt`) session needs one.
        #[serde(default)]
        pub venue_id: Option<i64>,
        #[serde(default)]
        #[schema(value_type = i64, required = true, minimum = 1, maximum = 10000)]
        pub capacity: Option<i64>,
        /// IANA time zone of the session.
        #[serde(default)]
        #[schema(example = "Europe/Berlin", required = true)]
        pub time_zone: String,
        /// The price of a seat (`0` for free).
        #[serde(default)]
        #[schema(value_type = trainyard_core::Money, required = true)]
        pub seat_price: Option<MoneyBody>,
        #[serde(default)]
        pub notes: Option<String>,
        /// The link learners use to join a virtual session (`https://…`).
        #[serde(default)]
        pub joining_url: Option<String>,
        /// Practical notes for joining, e.g. "Reception on the 2nd floor, bring ID".
        #[serde(default)]
        pub joining_notes: Option<String>,
        /// At least one; parts must not overlap.
        #[serde(default)]
        #[schema(required = true)]
        pub parts: Vec<PartBody>,
        /// The language the session is taught in (BCP 47: `de`, `en`); left out or null: not
        /// stated.
        #[serde(default)]
        #[schema(example = "de")]
        pub delivery_language: Option<String>,
    }

    impl WriteBody for Create {
        type Fields = SessionFields;
        type Current = SessionDetail;

        fn into_fields(self) -> Result<SessionFields, Invalid> {
            // As for a course's list price: left out, the core names `currency` as missing.
            let seat_price = self.seat_price.unwrap_or(MoneyBody {
                amount: String::new(),
                currency: String::new(),
            });
            Ok(SessionFields {
                course_id: int(self.course_id),
                title: text(self.title),
                visibility: self
                    .visibility
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default(),
                client_id: int(self.client_id),
                program_id: int(self.program_id),
                delivery_mode: self
                    .delivery_mode
                    .map(|v| v.as_str().to_owned())
                    .unwrap_or_default(),
                venue_id: int(self.venue_id),
                capacity: int(self.capacity),
                time_zone: self.time_zone,
                currency: seat_price.currency,
                seat_price: seat_price.amount,
                notes: text(self.notes),
                joining_url: text(self.joining_url),
                joining_notes: text(self.joining_notes),
                parts: self
                    .parts
                    .into_iter()
                    .filter(|p| p.status.as_deref() != Some("cancelled"))
                    .map(|p| PartFields {
                        starts: p.starts,
                        ends: p.ends,
                    })
                    .collect(),
                delivery_language: text(self.delivery_language),
            })
        }

        fn from_current(d: &SessionDetail) -> Self {
            let s = &d.session;
            let empty = |v: &str| (!v.is_empty()).then(|| v.to_owned());
            Create {
                course_id: Some(s.course_id),
                title: s.title.clone(),
                visibility: Some(s.visibility),
                client_id: s.client_id,
                program_id: s.program_id,
                delivery_mode: Some(s.delivery_mode),
                venue_id: s.venue_id,
                capacity: Some(s.capacity),
                time_zone: s.time_zone.clone(),
                seat_price: Some((&s.seat_price).into()),
                notes: Some(s.notes.clone()),
                joining_url: empty(&s.joining_url),
                joining_notes: empty(&s.joining_notes),
                // As the edit page does: cancelled parts are history, not part of the edit.
                parts: d
                    .parts
                    .iter()
                    .filter(|p| p.status != "cancelled")
                    .map(|p| PartBody {
                        starts: trainyard_core::time::rfc3339(p.starts_at),
                        ends: trainyard_core::time::rfc3339(p.ends_at),
                        status: None,
                    })
                    .collect(),
                delivery_language: s.delivery_language.clone(),
            }
        }
    }

    kind_schemas!("SessionUpdate", "SessionPatch", "SessionPage", Session);
}

// ------------------------------------------------------------------ credentials

/// The typed bodies of an instructor's qualifications and contracts, converted into the text
/// fields the credential forms fill.
pub mod credentials {
    use super::*;
    use trainyard_app::credentials::{ContractFields, QualificationFields};
    use trainyard_core::status::EmploymentType;

    /// A qualification for a course or for a skill (give one of the two), with its validity.
    #[derive(Deserialize, utoipa::ToSchema)]
    #[schema(as = QualificationFields)]
    pub struct Qualification {
        /// The course this qualification is for (or leave it out and give a skill).
        #[serde(default)]
        pub course_id: Option<i64>,
        /// A skill such as "excel" that qualifies for every course requiring it.
        #[serde(default)]
        pub skill: Option<String>,
        /// Today when left out.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        pub valid_from: Option<String>,
        /// Inclusive; never expires when left out.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        pub expires_on: Option<String>,
    }

    impl From<Qualification> for QualificationFields {
        fn from(q: Qualification) -> Self {
            QualificationFields {
                course_id: int(q.course_id),
                skill: text(q.skill),
                valid_from: text(q.valid_from),
                expires_on: text(q.expires_on),
            }
        }
    }

    /// A contract: its kind, the agreed day rate (read back in the same shape) and validity.
    #[derive(Deserialize, utoipa::ToSchema)]
    #[schema(as = ContractFields)]
    pub struct Contract {
        #[serde(default)]
        #[schema(value_type = EmploymentType, required = true)]
        pub kind: Option<EmploymentType>,
        #[serde(default)]
        #[schema(value_type = trainyard_core::Money, required = true)]
        pub day_rate: Option<MoneyBody>,
        /// Today when left out.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        pub valid_from: Option<String>,
        /// Inclusive; open-ended when left out.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date)]
        pub valid_to: Option<String>,
        /// The signed agreement's file name or reference.
        #[serde(default)]
        pub document_name: Option<String>,
    }

    impl From<Contract> for ContractFields {
        fn from(c: Contract) -> Self {
            let (day_rate, currency) = c
                .day_rate
                .map(|m| (m.amount, m.currency))
                .unwrap_or_default();
            ContractFields {
                kind: c.kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
                currency,
                day_rate,
                valid_from: text(c.valid_from),
                valid_to: text(c.valid_to),
                document_name: text(c.document_name),
            }
        }
    }
}

// ------------------------------------------------------------------ agreements

pub mod agreements {
    use super::*;
    use trainyard_app::store::agreements::Agreement;
    use trainyard_core::pricing::{AgreementFields, BillingMode};

    /// A client's agreement: validity, a discount on list prices in basis points (1250 = 12.5 %)
    /// and how its enrollments are invoiced. Negotiated rates and prepaid seats have their own
    /// endpoints.
    #[derive(Serialize, Deserialize, utoipa::ToSchema)]
    #[schema(as = AgreementFields)]
    pub struct Create {
        #[serde(default)]
        #[schema(value_type = i64, required = true)]
        pub client_id: Option<i64>,
        #[serde(default)]
        #[schema(example = "ACME-2027", required = true)]
        pub reference: String,
        #[serde(default)]
        #[schema(value_type = String, format = Date, example = "2027-01-01", required = true)]
        pub valid_from: String,
        /// Inclusive; open-ended when absent.
        #[serde(default)]
        #[schema(value_type = Option<String>, format = Date, example = "2027-12-31")]
        pub valid_to: Option<String>,
        /// Basis points, 0 to 10000.
        #[serde(default)]
        #[schema(example = 1000)]
        pub discount_bp: Option<i64>,
        #[serde(default)]
        pub billing_mode: Option<BillingMode>,
        #[serde(default)]
        pub notes: Option<String>,
    }

    impl WriteBody for Create {
        type Fields = AgreementFields;
        type Current = Agreement;

        fn into_fields(self) -> Result<AgreementFields, Invalid> {
            let mut inv = Invalid::new();
            let discount = match self.discount_bp {
                None => String::new(),
                Some(bp) if (0..=10_000).contains(&bp) => {
                    trainyard_core::pricing::percent_number(bp)
                }
                Some(bp) => {
                    inv.add(
                        "discount_bp",
                        format!("{bp} is not between 0 and 10000 basis points"),
                    );
                    String::new()
                }
            };
            done(
                inv,
                AgreementFields {
                    client_id: int(self.client_id),
                    reference: self.reference,
                    valid_from: self.valid_from,
                    valid_to: text(self.valid_to),
                    discount,
                    billing_mode: self
                        .billing_mode
                        .map(|m| m.as_str().to_owned())
                        .unwrap_or_default(),
                    notes: text(self.notes),
                },
            )
        }

        fn from_current(a: &Agreement) -> Self {
            Create {
                client_id: Some(a.client_id),
                reference: a.reference.clone(),
                valid_from: a.valid_from.to_string(),
                valid_to: a.valid_to.map(|d| d.to_string()),
                discount_bp: Some(a.discount_bp),
                billing_mode: Some(a.billing_mode),
                notes: Some(a.notes.clone()),
            }
        }
    }

    kind_schemas!(
        "AgreementUpdate",
        "AgreementPatch",
        "AgreementPage",
        Agreement
    );
}
