//! Lifecycles as state machines. A transition that is not allowed is a [`Refusal`] that explains
//! itself in the coordinator's words; the UI shows that text as it is.

use std::fmt;

pub use crate::refusal::Refusal;

macro_rules! string_enum {
    ($name:ident, $what:literal { $($variant:ident => $text:literal, $label:literal),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(&self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn label(&self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }

            pub fn parse(s: &str) -> Result<Self, Refusal> {
                match s.trim() {
                    $($text => Ok($name::$variant),)*
                    other => Err(Refusal::plain(format!(
                        concat!("'{}' is not a ", $what, " (one of: {})"),
                        other.chars().take(40).collect::<String>(),
                        [$($text),*].join(", ")
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(SessionStatus, "session status" {
    Draft => "draft", "Draft",
    Scheduled => "scheduled", "Scheduled",
    Confirmed => "confirmed", "Confirmed",
    Delivered => "delivered", "Delivered",
    Closed => "closed", "Closed",
    Cancelled => "cancelled", "Cancelled",
    Postponed => "postponed", "Postponed",
});

string_enum!(SessionEvent, "session action" {
    Schedule => "schedule", "Schedule",
    Confirm => "confirm", "Confirm",
    Deliver => "deliver", "Mark delivered",
    Close => "close", "Close",
    Cancel => "cancel", "Cancel",
    Postpone => "postpone", "Postpone",
    Reschedule => "reschedule", "Reschedule",
});

string_enum!(StatusReason, "reason" {
    ClientRequest => "client_request", "Client request",
    LowEnrollment => "low_enrollment", "Low enrollment",
    InstructorUnavailable => "instructor_unavailable", "Instructor unavailable",
    Venue => "venue", "Venue",
    Weather => "weather", "Weather",
    Other => "other", "Other",
});

impl SessionEvent {
    /// Whether the coordinator must say why (cancelling or postponing): reporting slices by it.
    pub fn needs_reason(self) -> bool {
        matches!(self, SessionEvent::Cancel | SessionEvent::Postpone)
    }
}

impl SessionStatus {
    pub fn transition(self, event: SessionEvent) -> Result<SessionStatus, Refusal> {
        use SessionEvent as E;
        use SessionStatus as S;
        let next = match (self, event) {
            (S::Draft, E::Schedule) => S::Scheduled,
            (S::Scheduled, E::Confirm) => S::Confirmed,
            (S::Confirmed, E::Deliver) => S::Delivered,
            (S::Delivered, E::Close) => S::Closed,
            (S::Draft | S::Scheduled | S::Confirmed | S::Postponed, E::Cancel) => S::Cancelled,
            (S::Scheduled | S::Confirmed, E::Postpone) => S::Postponed,
            (S::Postponed, E::Reschedule) => S::Scheduled,
            (from, event) => {
                return Err(from.refuse(event));
            }
        };
        Ok(next)
    }

    /// The actions the state machine allows next, for the header of a session page.
    pub fn next_events(self) -> Vec<SessionEvent> {
        SessionEvent::ALL
            .iter()
            .copied()
            .filter(|e| self.transition(*e).is_ok())
            .collect()
    }

    /// Whether the session still occupies people and rooms.
    pub fn is_active(self) -> bool {
        !matches!(self, SessionStatus::Cancelled | SessionStatus::Postponed)
    }

    /// Why `event` cannot happen to a session in this state, and what can.
    fn refuse(self, event: SessionEvent) -> Refusal {
        let action = event.past_tense();
        match self {
            SessionStatus::Draft => crate::refusal!(
                "refused-session-draft",
                "A draft session cannot be {action}: schedule it first.",
                action = action
            ),
            SessionStatus::Scheduled => crate::refusal!(
                "refused-session-scheduled",
                "A scheduled session cannot be {action}: it can be confirmed, postponed or cancelled.",
                action = action
            ),
            SessionStatus::Confirmed => crate::refusal!(
                "refused-session-confirmed",
                "A confirmed session cannot be {action}: it can be delivered, postponed or cancelled.",
                action = action
            ),
            SessionStatus::Delivered => crate::refusal!(
                "refused-session-delivered",
                "A delivered session cannot be {action}: it can only be closed now.",
                action = action
            ),
            SessionStatus::Closed => crate::refusal!(
                "refused-session-closed",
                "A closed session cannot be {action}: it is closed and can no longer change.",
                action = action
            ),
            SessionStatus::Cancelled => crate::refusal!(
                "refused-session-cancelled",
                "A cancelled session cannot be {action}: it was cancelled.",
                action = action
            ),
            SessionStatus::Postponed => crate::refusal!(
                "refused-session-postponed",
                "A postponed session cannot be {action}: reschedule it first, or cancel it.",
                action = action
            ),
        }
    }
}

impl SessionEvent {
    fn past_tense(self) -> &'static str {
        match self {
            SessionEvent::Schedule => "scheduled",
            SessionEvent::Confirm => "confirmed",
            SessionEvent::Deliver => "marked delivered",
            SessionEvent::Close => "closed",
            SessionEvent::Cancel => "cancelled",
            SessionEvent::Postpone => "postponed",
            SessionEvent::Reschedule => "rescheduled",
        }
    }
}

string_enum!(EnrollmentStatus, "enrollment status" {
    Requested => "requested", "Requested",
    Booked => "booked", "Booked",
    Waitlisted => "waitlisted", "Waitlisted",
    Attended => "attended", "Attended",
    NoShow => "no_show", "No-show",
    Completed => "completed", "Completed",
    Failed => "failed", "Failed",
    Cancelled => "cancelled", "Cancelled",
    Transferred => "transferred", "Transferred",
});

string_enum!(AssignmentStatus, "assignment status" {
    Proposed => "proposed", "Proposed",
    Requested => "requested", "Requested",
    Accepted => "accepted", "Accepted",
    Declined => "declined", "Declined",
    Confirmed => "confirmed", "Confirmed",
    Cancelled => "cancelled", "Cancelled",
});

string_enum!(AssignmentEvent, "assignment action" {
    Request => "request", "Request",
    Accept => "accept", "Accept",
    Decline => "decline", "Decline",
    Confirm => "confirm", "Confirm",
    Cancel => "cancel", "Cancel",
});

impl AssignmentStatus {
    /// proposed → requested → accepted | declined → confirmed; cancel from any live state.
    pub fn transition(self, event: AssignmentEvent) -> Result<AssignmentStatus, Refusal> {
        use AssignmentEvent as E;
        use AssignmentStatus as S;
        Ok(match (self, event) {
            (S::Proposed, E::Request) => S::Requested,
            (S::Requested, E::Accept) => S::Accepted,
            (S::Proposed | S::Requested, E::Decline) => S::Declined,
            (S::Accepted, E::Confirm) => S::Confirmed,
            (S::Proposed | S::Requested | S::Accepted | S::Confirmed, E::Cancel) => S::Cancelled,
            (S::Proposed | S::Requested, E::Confirm) => {
                return Err(crate::refusal!(
                    "refused-assignment-not-accepted",
                    "The instructor has not accepted yet: request the assignment and wait for the answer, or record their acceptance first."
                ));
            }
            (from, e) => {
                return Err(crate::refusal!(
                    "refused-assignment-transition",
                    "A {status} assignment cannot be {action}.",
                    status = from.label().to_lowercase(),
                    action = match e {
                        E::Request => "requested",
                        E::Accept => "accepted",
                        E::Decline => "declined",
                        E::Confirm => "confirmed",
                        E::Cancel => "cancelled",
                    }
                ));
            }
        })
    }

    pub fn next_events(self) -> Vec<AssignmentEvent> {
        AssignmentEvent::ALL
            .iter()
            .copied()
            .filter(|e| self.transition(*e).is_ok())
            .collect()
    }

    /// Holding the instructor's time: an accepted or confirmed assignment occupies one instructor
    /// slot per scheduled part of an active session, so the database refuses an overlap.
    pub fn is_busy(self) -> bool {
        matches!(
            self,
            AssignmentStatus::Accepted | AssignmentStatus::Confirmed
        )
    }

    /// The instructor has agreed to teach: only then may they see the session's learners (the
    /// roster, with e-mail addresses) and take attendance. A proposed or requested instructor has
    /// not been asked or has not answered yet.
    pub fn teaches(self) -> bool {
        self.is_busy()
    }

    /// Still holding (or about to hold) the instructor.
    pub fn is_live(self) -> bool {
        !matches!(
            self,
            AssignmentStatus::Declined | AssignmentStatus::Cancelled
        )
    }
}

string_enum!(DeliveryMode, "delivery mode" {
    Ilt => "ilt", "Classroom (ILT)",
    Vilt => "vilt", "Virtual (vILT)",
    Blended => "blended", "Blended",
});

string_enum!(Visibility, "session visibility" {
    Public => "public", "Public",
    Private => "private", "Private",
});

string_enum!(ResourceKind, "resource kind" {
    Room => "room", "Room",
    Equipment => "equipment", "Equipment",
    Platform => "platform", "Virtual platform",
    Material => "material", "Material",
});

string_enum!(EmploymentType, "employment type" {
    Staff => "staff", "Staff",
    Contractor => "contractor", "Contractor",
});

string_enum!(BookingStatus, "booking status" {
    Tentative => "tentative", "Tentative",
    Confirmed => "confirmed", "Confirmed",
});

// Vocabularies that records store as text; declared here so that the API document names their
// values (`#[schema(value_type = …)]`) and code can parse them in one place.

string_enum!(PartStatus, "session part status" {
    Scheduled => "scheduled", "Scheduled",
    Cancelled => "cancelled", "Cancelled",
});

string_enum!(AssignmentRole, "instructor role" {
    Lead => "lead", "Lead instructor",
    Co => "co", "Co-instructor",
});

string_enum!(MessageStatus, "message status" {
    Pending => "pending", "Pending",
    Sent => "sent", "Sent",
    Failed => "failed", "Failed",
    Withdrawn => "withdrawn", "Withdrawn",
});

string_enum!(RunKind, "planner run kind" {
    Plan => "plan", "Plan",
    Repair => "repair", "Repair",
});

string_enum!(RunStatus, "planner run status" {
    Queued => "queued", "Queued",
    Running => "running", "Running",
    Done => "done", "Done",
    Failed => "failed", "Failed",
});

string_enum!(ProposalOutcome, "proposal outcome" {
    Placed => "placed", "Placed",
    Unplaced => "unplaced", "Not placed",
    Unchanged => "unchanged", "Unchanged",
});

string_enum!(PromotionMode, "waitlist promotion mode" {
    Auto => "auto", "Promote at once",
    Offer => "offer", "Offer the seat",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_happy_path() {
        let s = SessionStatus::Draft;
        let s = s.transition(SessionEvent::Schedule).unwrap();
        let s = s.transition(SessionEvent::Confirm).unwrap();
        let s = s.transition(SessionEvent::Deliver).unwrap();
        assert_eq!(s.transition(SessionEvent::Close), Ok(SessionStatus::Closed));
    }

    #[test]
    fn refusals_explain_themselves() {
        let e = SessionStatus::Closed
            .transition(SessionEvent::Cancel)
            .unwrap_err();
        assert_eq!(
            e.english,
            "A closed session cannot be cancelled: it is closed and can no longer change."
        );
        assert_eq!(
            SessionStatus::Scheduled.next_events(),
            vec![
                SessionEvent::Confirm,
                SessionEvent::Cancel,
                SessionEvent::Postpone
            ]
        );
    }

    #[test]
    fn parse_names_the_choices() {
        let e = DeliveryMode::parse("zoom").unwrap_err();
        assert_eq!(
            e.english,
            "'zoom' is not a delivery mode (one of: ilt, vilt, blended)"
        );
    }
}

string_enum!(InvoiceStatus, "invoice status" {
    Draft => "draft", "Draft",
    Issued => "issued", "Issued",
    PartlyPaid => "partly_paid", "Partly paid",
    Paid => "paid", "Paid",
    Credited => "credited", "Credited",
});

string_enum!(InvoiceKind, "invoice kind" {
    Invoice => "invoice", "Invoice",
    CreditNote => "credit_note", "Credit note",
});

impl InvoiceStatus {
    /// Only a draft may change; an issued invoice is corrected by a credit note.
    pub fn editable(self) -> Result<(), Refusal> {
        match self {
            InvoiceStatus::Draft => Ok(()),
            other => Err(crate::refusal!(
                "refused-invoice-not-editable",
                "This invoice is {status}: an issued invoice never changes. Correct it with a credit note.",
                status = other.label().to_lowercase()
            )),
        }
    }

    /// draft → issued.
    pub fn issue(self) -> Result<InvoiceStatus, Refusal> {
        match self {
            InvoiceStatus::Draft => Ok(InvoiceStatus::Issued),
            other => Err(crate::refusal!(
                "refused-invoice-issued-again",
                "This invoice is already {status}: it cannot be issued again.",
                status = other.label().to_lowercase()
            )),
        }
    }

    /// Where an issued invoice stands once `paid` and `credited` (minor units) are set against
    /// its `gross`: fully credited, paid, partly paid or still open.
    pub fn settled(gross: i64, paid: i64, credited: i64) -> InvoiceStatus {
        if credited >= gross && gross > 0 {
            InvoiceStatus::Credited
        } else if paid + credited >= gross {
            InvoiceStatus::Paid
        } else if paid > 0 {
            InvoiceStatus::PartlyPaid
        } else {
            InvoiceStatus::Issued
        }
    }

    /// Payments are taken on an issued, partly paid (or, as overpayment, paid) invoice.
    pub fn takes_payment(self) -> Result<(), Refusal> {
        match self {
            InvoiceStatus::Issued | InvoiceStatus::PartlyPaid | InvoiceStatus::Paid => Ok(()),
            InvoiceStatus::Draft => Err(crate::refusal!(
                "refused-invoice-draft-payment",
                "This invoice is a draft: issue it before recording a payment."
            )),
            InvoiceStatus::Credited => Err(crate::refusal!(
                "refused-invoice-credited-payment",
                "This invoice is fully credited: nothing is owed on it."
            )),
        }
    }
}

// Quotes (issue 15 §2).

string_enum!(QuoteStatus, "quote status" {
    Draft => "draft", "Draft",
    Sent => "sent", "Sent",
    Accepted => "accepted", "Accepted",
    Declined => "declined", "Declined",
    Expired => "expired", "Expired",
});

string_enum!(QuoteEvent, "quote event" {
    Send => "send", "Send",
    Accept => "accept", "Accept",
    Decline => "decline", "Decline",
    Expire => "expire", "Expire",
});

impl QuoteStatus {
    /// draft → sent → accepted | declined | expired; nothing leaves an answered quote.
    pub fn transition(self, event: QuoteEvent) -> Result<QuoteStatus, Refusal> {
        use QuoteEvent as E;
        use QuoteStatus as S;
        match (self, event) {
            (S::Draft, E::Send) => Ok(S::Sent),
            (S::Sent, E::Accept) => Ok(S::Accepted),
            (S::Sent, E::Decline) => Ok(S::Declined),
            (S::Sent, E::Expire) => Ok(S::Expired),
            (S::Draft, E::Accept | E::Decline | E::Expire) => Err(crate::refusal!(
                "refused-quote-draft",
                "This quote is still a draft: it has not been sent to the client."
            )),
            (S::Sent, E::Send) => Err(crate::refusal!(
                "refused-quote-sent-again",
                "This quote was already sent: it cannot be sent again."
            )),
            (other, _) => Err(crate::refusal!(
                "refused-quote-answered",
                "This quote is already {status}: it can no longer change.",
                status = other.label().to_lowercase()
            )),
        }
    }

    /// Only a draft may be edited; a sent quote is what the client received.
    pub fn editable(self) -> Result<(), Refusal> {
        match self {
            QuoteStatus::Draft => Ok(()),
            other => Err(crate::refusal!(
                "refused-quote-not-editable",
                "This quote is {status}: only a draft can be changed. Write a new quote instead.",
                status = other.label().to_lowercase()
            )),
        }
    }

    /// The status as of `today` (YYYY-MM-DD): a sent quote whose validity ended before today
    /// without an answer is expired, whether or not the sweep has recorded it yet.
    pub fn as_of(self, valid_until: &str, today: &str) -> QuoteStatus {
        if self == QuoteStatus::Sent && valid_until < today {
            QuoteStatus::Expired
        } else {
            self
        }
    }
}

// Costs per session (issue 15 §4).

string_enum!(CostKind, "cost kind" {
    InstructorFee => "instructor_fee", "Instructor fee",
    Travel => "travel", "Travel",
    VenueHire => "venue_hire", "Venue hire",
    Materials => "materials", "Materials",
    PlatformLicence => "platform_licence", "Platform licence",
    Catering => "catering", "Catering",
    Other => "other", "Other",
});

string_enum!(CostStage, "cost stage" {
    Planned => "planned", "Planned",
    Committed => "committed", "Committed",
    Actual => "actual", "Actual",
});

string_enum!(BudgetScope, "budget scope" {
    Program => "program", "Program",
    Client => "client", "Client",
    CostCentre => "cost_centre", "Cost centre",
});
