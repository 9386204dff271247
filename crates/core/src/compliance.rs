//! Compliance checklists (issue 16 §4) and the substitution protocol (§5): the pure rules.
//!
//! * A **requirement** (per client or per course) is one of a few [`RequirementKind`]s with a
//!   deadline in hours after the session ends. Whole days (a multiple of 24 hours) count in the
//!   session's own time zone, so "within 5 days" of a session ending at 17:00 Berlin time is
//!   17:00 Berlin time five days later, whatever DST does in between ([`due_at`]).
//! * An **item** (one requirement on one session) is open, met, met late or overdue
//!   ([`ItemState::of`]).
//! * An **upload** has a sanitised name ([`sanitize_file_name`]), one of a few allowed types and
//!   at most [`MAX_DOCUMENT_BYTES`] ([`check_upload`]).
//! * A **substitution** is tracked by its [`SubstitutionStep`]s.

use crate::TimeZoneName;
use crate::invalid::Invalid;
use serde::{Deserialize, Serialize};

/// What meets a requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequirementKind {
    /// A document uploaded for the session (the parameter names it: "Signed attendance sheet").
    Document,
    /// Met by the system when every completed enrollment of the session has its certificate.
    CertificatesIssued,
    /// Met by the system when every teaching instructor holds the qualification (skill) named by
    /// the parameter, valid until the session ends.
    InstructorQualification,
    /// Met by a person ticking it with a note.
    Manual,
    /// Met by the system when the session's feedback surveys reach the response rate (percent)
    /// named by the parameter: answered ÷ invited ≥ threshold.
    FeedbackResponseRate,
}

impl RequirementKind {
    pub const ALL: [RequirementKind; 5] = [
        RequirementKind::Document,
        RequirementKind::CertificatesIssued,
        RequirementKind::InstructorQualification,
        RequirementKind::Manual,
        RequirementKind::FeedbackResponseRate,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            RequirementKind::Document => "document",
            RequirementKind::CertificatesIssued => "certificates_issued",
            RequirementKind::InstructorQualification => "instructor_qualification",
            RequirementKind::Manual => "manual",
            RequirementKind::FeedbackResponseRate => "feedback_response_rate",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            RequirementKind::Document => "Document uploaded",
            RequirementKind::CertificatesIssued => "Certificates issued",
            RequirementKind::InstructorQualification => "Instructor holds a qualification",
            RequirementKind::Manual => "Ticked by a person",
            RequirementKind::FeedbackResponseRate => "Feedback response rate reached",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
            .ok_or_else(|| {
                format!(
                    "'{}' is not a requirement kind (document, certificates_issued, instructor_qualification, manual, feedback_response_rate)",
                    raw.chars().take(40).collect::<String>()
                )
            })
    }

    /// Whether the system decides it (rather than an upload or a person).
    pub fn by_system(&self) -> bool {
        matches!(
            self,
            RequirementKind::CertificatesIssued
                | RequirementKind::InstructorQualification
                | RequirementKind::FeedbackResponseRate
        )
    }

    /// Whether the parameter is required (what document, which qualification, what rate).
    pub fn needs_parameter(&self) -> bool {
        matches!(
            self,
            RequirementKind::Document
                | RequirementKind::InstructorQualification
                | RequirementKind::FeedbackResponseRate
        )
    }
}

/// Longest deadline: a year after the session ends; earliest: a year before it ends.
pub const MAX_DEADLINE_HOURS: i64 = 24 * 366;

/// A checked requirement, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementInput {
    pub client_id: Option<i64>,
    pub course_id: Option<i64>,
    pub kind: RequirementKind,
    pub name: String,
    pub deadline_hours: i64,
    pub parameter: String,
}

impl RequirementInput {
    /// Checks every field at once: exactly one of client and course, a kind, a name, a deadline
    /// within a year either side of the session's end, a parameter where the kind needs one.
    pub fn parse(
        client_id: Option<i64>,
        course_id: Option<i64>,
        kind: &str,
        name: &str,
        deadline_hours: i64,
        parameter: &str,
    ) -> Result<Self, Invalid> {
        let mut e = Invalid::new();
        match (client_id, course_id) {
            (Some(_), Some(_)) => e.add(
                "client_id",
                "a requirement applies to one client or one course, not both",
            ),
            (None, None) => e.add(
                "client_id",
                "choose the client or the course the requirement applies to",
            ),
            _ => {}
        }
        let kind = e.check("kind", RequirementKind::parse(kind));
        let name = name.trim();
        if name.is_empty() {
            e.add("name", "give the requirement a name");
        } else if name.chars().count() > 200 {
            e.add("name", "at most 200 characters");
        }
        if !(-MAX_DEADLINE_HOURS..=MAX_DEADLINE_HOURS).contains(&deadline_hours) {
            e.add(
                "deadline_hours",
                format!("between -{MAX_DEADLINE_HOURS} and {MAX_DEADLINE_HOURS} hours after the session ends"),
            );
        }
        let parameter = parameter.trim();
        if parameter.chars().count() > 200 {
            e.add("parameter", "at most 200 characters");
        }
        if let Some(k) = kind
            && k.needs_parameter()
            && parameter.is_empty()
        {
            e.add(
                "parameter",
                match k {
                    RequirementKind::Document => "name the document (e.g. Signed attendance sheet)",
                    RequirementKind::FeedbackResponseRate => {
                        "give the response rate to reach, in percent (e.g. 60)"
                    }
                    _ => "name the qualification the instructor must hold",
                },
            );
        }
        if kind == Some(RequirementKind::FeedbackResponseRate)
            && !parameter.is_empty()
            && threshold_percent(parameter).is_none()
        {
            e.add(
                "parameter",
                "the response rate is a whole percentage from 1 to 100 (e.g. 60)",
            );
        }
        match kind {
            Some(kind) if e.is_empty() => Ok(Self {
                client_id,
                course_id,
                kind,
                name: name.to_owned(),
                deadline_hours,
                parameter: parameter.to_owned(),
            }),
            _ => Err(e),
        }
    }
}

const HOUR_MS: i64 = 3_600_000;

/// The response rate a feedback requirement asks for, from its parameter ("60", "60 %"): a whole
/// percentage from 1 to 100.
pub fn threshold_percent(parameter: &str) -> Option<i64> {
    let n: i64 = parameter.trim().trim_end_matches('%').trim().parse().ok()?;
    (1..=100).contains(&n).then_some(n)
}

/// When a session's feedback reached `threshold` percent of `invited`: the instant of the answer
/// that crossed it (`answered_at` in any order), or `None` while the rate is below it or nobody
/// was invited. Integer arithmetic: answered × 100 ≥ threshold × invited.
pub fn response_rate_reached_at(threshold: i64, invited: i64, answered_at: &[i64]) -> Option<i64> {
    if invited <= 0 {
        return None;
    }
    // The fewest answers that reach the rate: ⌈threshold × invited ÷ 100⌉, at least one.
    let needed = ((threshold * invited + 99) / 100).max(1);
    let needed = usize::try_from(needed).ok()?;
    let mut times = answered_at.to_vec();
    times.sort_unstable();
    times.get(needed - 1).copied()
}

/// When an item is due: `deadline_hours` after the session ends. Whole days count as calendar
/// days in the session's zone (the same wall-clock time, DST-correct); other hours are elapsed
/// time.
pub fn due_at(session_ends_at: i64, deadline_hours: i64, zone: &TimeZoneName) -> i64 {
    if deadline_hours % 24 != 0 {
        return session_ends_at + deadline_hours * HOUR_MS;
    }
    let local = zone.local(session_ends_at).naive_local();
    let shifted = local + chrono::Duration::days(deadline_hours / 24);
    zone.local_to_utc_ms(shifted)
        // The same wall-clock time falls into a spring gap: an hour later exists.
        .or_else(|_| zone.local_to_utc_ms(shifted + chrono::Duration::hours(1)))
        .unwrap_or(session_ends_at + deadline_hours * HOUR_MS)
}

/// Where one item of a session's checklist stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Not met, not due yet.
    Open,
    /// Met by its deadline.
    Met,
    /// Met after its deadline.
    MetLate,
    /// Not met and past its deadline.
    Overdue,
}

impl ItemState {
    pub fn of(due_at: i64, met_at: Option<i64>, now: i64) -> Self {
        match met_at {
            Some(m) if m <= due_at => ItemState::Met,
            Some(_) => ItemState::MetLate,
            None if now > due_at => ItemState::Overdue,
            None => ItemState::Open,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            ItemState::Open => "open",
            ItemState::Met => "met",
            ItemState::MetLate => "met_late",
            ItemState::Overdue => "overdue",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            ItemState::Open => "Open",
            ItemState::Met => "Met",
            ItemState::MetLate => "Met late",
            ItemState::Overdue => "Overdue",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        [
            ItemState::Open,
            ItemState::Met,
            ItemState::MetLate,
            ItemState::Overdue,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw.trim())
        .ok_or_else(|| {
            format!(
                "'{}' is not an item state (open, met, met_late, overdue)",
                raw.chars().take(40).collect::<String>()
            )
        })
    }

    pub fn is_met(&self) -> bool {
        matches!(self, ItemState::Met | ItemState::MetLate)
    }
}

// ------------------------------------------------------------------ uploads

/// The largest document accepted: 1 MiB (below the 2 MiB request limit, so that a too-large
/// file gets a 422 naming the field rather than a bare 413).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// The longest stored file name, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// The document types accepted, by extension, with the content type they are served as.
pub const ALLOWED_TYPES: &[(&str, &str)] = &[
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("txt", "text/plain"),
    ("csv", "text/csv"),
];

/// A file name safe to store, show and offer for download: no directories (`../../etc/passwd`
/// is refused, not shortened), no control or format characters, no leading dot, printable,
/// at most [`MAX_NAME_CHARS`] characters, with an allowed extension.
pub fn sanitize_file_name(raw: &str) -> Result<String, String> {
    if raw.chars().any(|c| c.is_control()) {
        return Err("the file name contains control characters".into());
    }
    if raw.contains('/') || raw.contains('\\') || raw.split('.').all(|p| p.is_empty()) {
        return Err("the file name must be a plain name, without folders".into());
    }
    if raw.contains("..") {
        return Err("the file name must not contain '..'".into());
    }
    let name = raw.trim();
    if name.is_empty() {
        return Err("the file has no name".into());
    }
    if name.starts_with('.') {
        return Err("the file name must not start with a dot".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "the file name is longer than {MAX_NAME_CHARS} characters"
        ));
    }
    // Bidirectional overrides and other invisible format characters disguise extensions.
    if name.chars().any(|c| {
        matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
    }) {
        return Err("the file name contains invisible formatting characters".into());
    }
    if name
        .chars()
        .any(|c| matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
    {
        return Err("the file name contains one of < > : \" | ? *".into());
    }
    content_type_of(name)?;
    Ok(name.to_owned())
}

/// The content type a (sanitised) name is stored and served as, from its extension.
pub fn content_type_of(name: &str) -> Result<&'static str, String> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    ALLOWED_TYPES
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            format!(
                "only PDF, PNG, JPEG, text and CSV files are accepted ({})",
                ALLOWED_TYPES
                    .iter()
                    .map(|(e, _)| format!(".{e}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// A checked upload: its safe name and content type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedUpload {
    pub name: String,
    pub content_type: &'static str,
}

/// Checks an upload before anything is written: the name, the type (by extension, and a PDF
/// must start like one), the size (not empty, at most [`MAX_DOCUMENT_BYTES`]). Errors name the
/// field `file`.
pub fn check_upload(raw_name: &str, bytes: &[u8]) -> Result<CheckedUpload, Invalid> {
    let name = sanitize_file_name(raw_name).map_err(|m| Invalid::field("file", m))?;
    if bytes.is_empty() {
        return Err(Invalid::field("file", "the file is empty"));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(Invalid::field(
            "file",
            format!(
                "the file is {} KiB; at most {} KiB are accepted",
                bytes.len().div_ceil(1024),
                MAX_DOCUMENT_BYTES / 1024
            ),
        ));
    }
    let content_type = content_type_of(&name).map_err(|m| Invalid::field("file", m))?;
    let looks_right = match content_type {
        "application/pdf" => bytes.starts_with(b"%PDF-"),
        "image/png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        _ => std::str::from_utf8(bytes).is_ok(),
    };
    if !looks_right {
        return Err(Invalid::field(
            "file",
            format!("the file's content is not what its name says ({content_type})"),
        ));
    }
    Ok(CheckedUpload { name, content_type })
}

// ------------------------------------------------------------------ substitutions

/// The steps of a substitution, in order. It is done when every step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubstitutionStep {
    /// A replacement instructor chosen (from the ranked finder).
    ReplacementChosen,
    /// The client (or, for a public session, the course owner) informed.
    ClientInformed,
    /// The enrolled learners informed.
    LearnersInformed,
}

impl SubstitutionStep {
    pub const ALL: [SubstitutionStep; 3] = [
        SubstitutionStep::ReplacementChosen,
        SubstitutionStep::ClientInformed,
        SubstitutionStep::LearnersInformed,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SubstitutionStep::ReplacementChosen => "replacement_chosen",
            SubstitutionStep::ClientInformed => "client_informed",
            SubstitutionStep::LearnersInformed => "learners_informed",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            SubstitutionStep::ReplacementChosen => "Replacement chosen",
            SubstitutionStep::ClientInformed => "Client informed",
            SubstitutionStep::LearnersInformed => "Learners informed",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == raw.trim())
            .ok_or_else(|| {
                format!(
                    "'{}' is not a step (replacement_chosen, client_informed, learners_informed)",
                    raw.chars().take(40).collect::<String>()
                )
            })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn berlin() -> TimeZoneName {
        TimeZoneName::parse("Europe/Berlin").unwrap()
    }

    #[test]
    fn feedback_rate_is_reached_by_the_answer_that_crosses_it() {
        // 60 % of 7 invited is 4.2: the fifth answer reaches it, whatever order they come in.
        let answers = [50, 10, 40, 30, 20, 60];
        assert_eq!(response_rate_reached_at(60, 7, &answers), Some(50));
        // Four of seven (57 %) is not enough.
        assert_eq!(response_rate_reached_at(60, 7, &answers[..4]), None);
        // Exactly 60 % of 5 is three answers.
        assert_eq!(response_rate_reached_at(60, 5, &[3, 1, 2]), Some(3));
        // Nobody invited: never met, not met by default.
        assert_eq!(response_rate_reached_at(60, 0, &[]), None);
        // 1 % of one invitation still needs that one answer.
        assert_eq!(response_rate_reached_at(1, 1, &[]), None);
        assert_eq!(response_rate_reached_at(1, 1, &[9]), Some(9));
    }

    #[test]
    fn a_feedback_requirement_names_a_percentage() {
        let parse = |p: &str| {
            RequirementInput::parse(Some(1), None, "feedback_response_rate", "Feedback", 72, p)
        };
        assert_eq!(parse("60 %").unwrap().parameter, "60 %");
        assert_eq!(threshold_percent("60 %"), Some(60));
        for bad in ["", "0", "101", "sixty", "-5"] {
            let e = parse(bad).unwrap_err();
            assert!(
                e.errors.iter().any(|x| x.field == "parameter"),
                "{bad}: {e:?}"
            );
        }
        assert!(RequirementKind::FeedbackResponseRate.by_system());
    }

    #[test]
    fn whole_days_keep_the_local_time_across_dst() {
        let z = berlin();
        // Friday 2026-10-23 17:00 CEST; five days later is after the change to CET.
        let end = z.parse_local("2026-10-23T17:00").unwrap();
        let due = due_at(end, 5 * 24, &z);
        assert_eq!(z.display(due), "2026-10-28 17:00 CET");
        // Elapsed hours stay elapsed.
        assert_eq!(due_at(end, 49, &z), end + 49 * HOUR_MS);
        assert_eq!(
            due_at(end, -24, &z),
            z.parse_local("2026-10-22T17:00").unwrap()
        );
    }

    #[test]
    fn a_day_landing_in_the_spring_gap_moves_an_hour_on() {
        let z = berlin();
        let end = z.parse_local("2026-03-28T02:30").unwrap();
        assert_eq!(z.display(due_at(end, 24, &z)), "2026-03-29 03:30 CEST");
    }

    #[test]
    fn item_states() {
        assert_eq!(ItemState::of(100, None, 50), ItemState::Open);
        assert_eq!(ItemState::of(100, None, 101), ItemState::Overdue);
        assert_eq!(ItemState::of(100, Some(100), 500), ItemState::Met);
        assert_eq!(ItemState::of(100, Some(101), 500), ItemState::MetLate);
        assert!(ItemState::MetLate.is_met());
        assert_eq!(ItemState::parse("met_late").unwrap(), ItemState::MetLate);
        assert!(ItemState::parse("done").is_err());
    }

    #[test]
    fn hostile_names_are_refused() {
        for bad in [
            "../../etc/passwd",
            "..\\..\\boot.ini",
            "/etc/passwd.txt",
            "sheet\u{0}.pdf",
            "sheet\n.pdf",
            "sheet\u{202E}fdp.exe",
            ".htaccess",
            "..",
            "",
            "   ",
            "a..pdf",
            "x<script>.pdf",
        ] {
            assert!(sanitize_file_name(bad).is_err(), "{bad:?} was accepted");
        }
        let long = format!("{}.pdf", "a".repeat(MAX_NAME_CHARS));
        assert!(sanitize_file_name(&long).is_err());
        assert_eq!(
            sanitize_file_name(" Attendance sheet 12.PDF ").unwrap(),
            "Attendance sheet 12.PDF"
        );
    }

    #[test]
    fn types_and_sizes() {
        assert!(check_upload("run.exe", b"MZ").is_err());
        assert!(check_upload("sheet.pdf", b"not a pdf").is_err());
        assert!(check_upload("sheet.pdf", b"").is_err());
        let big = vec![b'a'; MAX_DOCUMENT_BYTES + 1];
        let e = check_upload("big.txt", &big).unwrap_err();
        assert_eq!(e.errors[0].field, "file");
        let ok = check_upload("sheet.pdf", b"%PDF-1.7 ...").unwrap();
        assert_eq!(ok.content_type, "application/pdf");
        assert_eq!(
            check_upload("notes.txt", b"hello").unwrap().content_type,
            "text/plain"
        );
    }

    #[test]
    fn requirement_input() {
        let ok = RequirementInput::parse(Some(1), None, "document", " Sheet ", 48, "Signed sheet")
            .unwrap();
        assert_eq!(ok.kind, RequirementKind::Document);
        assert_eq!(ok.name, "Sheet");
        let e = RequirementInput::parse(Some(1), Some(2), "nope", "", 99_999, "").unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["client_id", "kind", "name", "deadline_hours"]);
        let e = RequirementInput::parse(None, Some(2), "instructor_qualification", "Q", 0, " ")
            .unwrap_err();
        assert_eq!(e.errors[0].field, "parameter");
    }

    #[test]
    fn steps_parse() {
        for s in SubstitutionStep::ALL {
            assert_eq!(SubstitutionStep::parse(s.as_str()).unwrap(), s);
        }
        assert!(SubstitutionStep::parse("x").is_err());
    }
}
