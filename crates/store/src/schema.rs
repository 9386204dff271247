//! OpenAPI schemas of record members that are free-form JSON, so the API document says "an
//! object with any members" instead of an object that a generated client reads as empty.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, SchemaType, Type};

fn object(nullable: bool, description: &str) -> RefOr<Schema> {
    let ty = if nullable {
        SchemaType::from_iter([Type::Object, Type::Null])
    } else {
        SchemaType::Type(Type::Object)
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .description(Some(description))
        .into()
}

/// A planner run's scope as the caller gave it.
pub fn run_scope() -> RefOr<Schema> {
    object(
        false,
        "What was asked for, as the caller gave it (the request's `scope`).",
    )
}

/// A planner run's cost breakdown.
pub fn run_cost() -> RefOr<Schema> {
    object(
        true,
        "The final cost breakdown (the planner's `CostBreakdown`: one member per objective), once done.",
    )
}

/// A snapshot of a record in the audit trail.
pub fn record_snapshot() -> RefOr<Schema> {
    object(
        true,
        "The record before (or after) the change, as its kind's `GET` returned it then; `null` \
         before a creation. Finance members are left out for readers who may not see them.",
    )
}
