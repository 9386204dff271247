//! Typed identifiers, so that a session id can never be passed where a course id is expected.

macro_rules! ids {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

ids!(
    UserId,
    ClientId,
    CourseId,
    SessionId,
    SessionPartId,
    InstructorId,
    VenueId,
    ResourceId,
    LearnerId,
    EnrollmentId,
    AssignmentId,
    BookingId,
    ProgramId,
);
