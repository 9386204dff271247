use sqlx::error::ErrorKind;

/// What can go wrong in persistence. The app layer turns these into refusals a user understands.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL scheme '{0}' (use sqlite:// or postgres://)")]
    UnsupportedUrl(String),
    #[error("not found")]
    NotFound,
    /// Another request changed the record since it was read.
    #[error("the record was changed by someone else (expected version {expected})")]
    Stale { expected: i64 },
    /// A unique column (named) already holds this value.
    #[error("this {0} is already taken")]
    Duplicate(String),
    #[error("refers to a record that does not exist")]
    MissingReference,
    /// A list parameter the store cannot use: an unknown filter value, sort key or direction, a
    /// page size over the limit, a malformed timestamp. The message names the value and what is
    /// allowed instead.
    #[error("{name}: {message}")]
    BadParameter { name: &'static str, message: String },
    /// The database refused two overlapping slots (an instructor or a room booked twice).
    #[error("the database refused an overlapping booking ({0})")]
    Overlap(&'static str),
    /// The database refused a busy assignment or a confirmed room booking without its slots: a
    /// writer went around `assignments::set_status` / `bookings::confirm`.
    #[error("the database refused a {0} without its slots")]
    SlotsMissing(&'static str),
    #[error("the audit trail is broken at event {0}")]
    AuditChainBroken(i64),
    /// The audit key is missing, malformed, or not the one this database's chain was sealed with.
    #[error("audit key: {0}")]
    AuditKey(String),
    /// The trail no longer contains what a checkpoint recorded (or the checkpoint is not genuine).
    #[error("the audit trail does not match the checkpoint: {0}")]
    AuditCheckpoint(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration {version} failed: {source}")]
    Migration { version: i64, source: sqlx::Error },
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = e {
            return StoreError::NotFound;
        }
        if let sqlx::Error::Database(db) = &e {
            // PostgreSQL's exclusion constraints report 23P01; SQLite's triggers raise by name.
            let msg = db.message();
            let named = |n: &str| msg.contains(n) || db.constraint() == Some(n);
            if named("instructor_slots_no_overlap") {
                return StoreError::Overlap("instructor");
            }
            if named("unit_slots_no_overlap") {
                return StoreError::Overlap("room");
            }
            if named("assignment_slots_missing") {
                return StoreError::SlotsMissing("busy assignment");
            }
            if named("booking_slots_missing") {
                return StoreError::SlotsMissing("confirmed room booking");
            }
            match db.kind() {
                ErrorKind::UniqueViolation => {
                    return StoreError::Duplicate(unique_subject(db.message()));
                }
                ErrorKind::ForeignKeyViolation => return StoreError::MissingReference,
                _ => {}
            }
        }
        StoreError::Database(e)
    }
}

impl StoreError {
    pub(crate) fn bad_parameter(name: &'static str, message: impl Into<String>) -> Self {
        StoreError::BadParameter {
            name,
            message: message.into(),
        }
    }

    /// `value` is not one of `allowed`.
    pub(crate) fn unknown(name: &'static str, value: &str, allowed: &[&str]) -> Self {
        Self::bad_parameter(
            name,
            format!("'{}' is not one of: {}", shown(value), allowed.join(", ")),
        )
    }
}

/// A value as quoted back in a message: trimmed, at most 40 characters.
pub(crate) fn shown(value: &str) -> String {
    value.trim().chars().take(40).collect()
}

/// SQLite reports no constraint name, only "UNIQUE constraint failed: courses.code"; PostgreSQL
/// says `duplicate key value violates unique constraint "courses_code"`. Both end in table and column.
fn unique_subject(message: &str) -> String {
    let tail = message
        .rsplit([':', ' '])
        .next()
        .unwrap_or(message)
        .trim_matches('"');
    let column = tail.rsplit(['.', '_']).next().unwrap_or(tail);
    if column.is_empty() {
        "value".to_owned()
    } else {
        column.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_duplicated_column_on_both_backends() {
        assert_eq!(
            super::unique_subject("UNIQUE constraint failed: courses.code"),
            "code"
        );
        assert_eq!(
            super::unique_subject(
                "duplicate key value violates unique constraint \"courses_code\""
            ),
            "code"
        );
    }
}
