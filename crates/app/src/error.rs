//! The one error type of the use cases. Library crates below return their own typed errors; the
//! web edge maps this type, once, to problem+json or to a page.

use trainyard_core::Invalid;
use trainyard_core::status::Refusal;
use trainyard_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that fails validation: every field problem, for a form or a 422.
    #[error("{0}")]
    Invalid(Invalid),
    #[error("{0} was not found")]
    NotFound(&'static str),
    /// A list parameter that cannot be used (an unknown filter value, sort key or direction, a
    /// page size over the limit, a malformed timestamp): the request is wrong as sent, 400.
    #[error("invalid parameter {name}: {message}")]
    BadParameter { name: &'static str, message: String },
    /// Not logged in, or the credentials are wrong.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("you are not allowed to {0}")]
    Forbidden(String),
    /// The record changed since the caller read it.
    #[error(
        "{0} was changed by someone else since you opened it; reload to see the current version"
    )]
    Stale(&'static str),
    /// A unique value already in use.
    #[error("a {entity} with this {field} already exists")]
    Duplicate { entity: &'static str, field: String },
    /// A scheduling conflict: every problem named.
    #[error("{message}")]
    Conflict {
        message: Refusal,
        problems: Vec<trainyard_core::conflicts::Problem>,
    },
    /// A state machine or business rule says no, in words for the user: English for logs, the
    /// CLI and the API (`Display`), a catalogue key for a page in the reader's language.
    #[error("{0}")]
    Refused(Refusal),
    #[error("too many failed attempts; try again in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: i64 },
    #[error("internal error")]
    Internal(#[source] StoreError),
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::Invalid(e)
    }
}

impl From<Refusal> for AppError {
    fn from(e: Refusal) -> Self {
        AppError::Refused(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound("the record"),
            StoreError::Stale { .. } => AppError::Stale("the record"),
            StoreError::Duplicate(field) => AppError::Duplicate {
                entity: "record",
                field,
            },
            StoreError::Overlap(what) => AppError::Conflict {
                message: trainyard_core::refusal!(
                    "conflict-overlap",
                    "this change would put the {what} in two places at once: another session holds that time",
                    what = what
                ),
                problems: Vec::new(),
            },
            StoreError::BadParameter { name, message } => AppError::BadParameter { name, message },
            StoreError::MissingReference => AppError::Invalid(Invalid::field(
                "reference",
                "refers to a record that does not exist",
            )),
            other => AppError::Internal(other),
        }
    }
}

impl From<trainyard_store::SqlxError> for AppError {
    fn from(e: trainyard_store::SqlxError) -> Self {
        AppError::from(StoreError::from(e))
    }
}

impl AppError {
    /// A refusal said in English only (not in the catalogue yet); prefer
    /// `AppError::Refused(trainyard_core::refusal!(…))`, which a page says in its reader's language.
    pub fn refused(english: String) -> Self {
        AppError::Refused(Refusal::plain(english))
    }

    /// Names the entity in a store error, so messages say "the course" rather than "the record".
    pub fn about(self, entity: &'static str) -> Self {
        match self {
            AppError::NotFound(_) => AppError::NotFound(entity),
            AppError::Stale(_) => AppError::Stale(entity),
            AppError::Duplicate { field, .. } => AppError::Duplicate { entity, field },
            other => other,
        }
    }
}

/// `result.about("the course")?` on any store call.
pub(crate) trait About<T> {
    fn about(self, entity: &'static str) -> Result<T, AppError>;
}

impl<T, E: Into<AppError>> About<T> for Result<T, E> {
    fn about(self, entity: &'static str) -> Result<T, AppError> {
        self.map_err(|e| e.into().about(entity))
    }
}
