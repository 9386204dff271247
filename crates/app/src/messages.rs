//! The wording of every message Trainyard sends, by event. `compose` renders the subject and body
//! for an event from a context of placeholders (`{{ learner_name }}`, `{{ course_title }}` …).
//!
//! Wording is a [minijinja](https://docs.rs/minijinja) template: `{{ name }}` placeholders, filters
//! (`{{ starts | default("soon") }}`) and blocks (`{% if place %}Where: {{ place }}{% endif %}`).
//! An administrator or manager may replace the built-in wording of any event (`message_templates`);
//! a template is checked — parsed and rendered with sample values — before it is saved, so a
//! broken one is refused with the reason next to the field and nothing is saved. Should an edited
//! template still fail on real values, `compose` falls back to the built-in wording rather than
//! lose the message. Templates render plain text (no HTML escaping); unknown placeholders render
//! empty, and rendering is bounded (fuel), so no template can loop for ever.
//!
//! The HTML alternative of every e-mail is made from that same text when it is sent ([`html`]):
//! paragraphs, "Label: value" lines, "Label: https://…" lines as buttons, "before → after" lines
//! with the old value struck through, in a branded layout with the company name from the message
//! settings ([`get_settings`]), which also fill `{{ company }}`. Session messages share their
//! placeholders ([`session_facts`]): the days one by one in the recipient's zone (`when`), the
//! venue and its address or the joining link and notes, and a change's `changes`.

use crate::error::About;
use crate::{App, AppError, Caller, now_ms};
use minijinja::{AutoEscape, Environment, syntax::SyntaxConfig};
use serde::Serialize;
use serde_json::json;
use trainyard_core::locale::{LanguageTag, Locale};
use trainyard_core::status::DeliveryMode;
use trainyard_core::{Invalid, Role, TimeZoneName};
use trainyard_store::Conn;
use trainyard_store::sessions::{Part, Session};
use trainyard_store::templates::{self as repo, StoredTemplate};
use trainyard_store::venues::Venue;

/// One event Trainyard sends a message for, with its built-in wording.
pub struct EventInfo {
    pub event: &'static str,
    pub label: &'static str,
    pub subject: &'static str,
    pub body: &'static str,
    /// The placeholders its sender fills.
    pub placeholders: &'static [&'static str],
}

/// The "where, how to join, details" lines every session message ends with; each shows only
/// when its value is there, so a message about a classroom has no empty "Join online:".
macro_rules! where_block {
    () => {
        "Where: {{ place }}\n{% if address %}{{ address }}\n{% endif %}{% if join_url %}Join online: {{ join_url }}\n{% endif %}{% if instructions %}Notes: {{ instructions }}\n{% endif %}"
    };
}

/// A link to the recipient's page about the session, when the sender has one.
macro_rules! details_block {
    () => {
        "{% if session_url %}\nDetails: {{ session_url }}\n{% endif %}"
    };
}

/// The days ("Mon 28 Dec 09:30–17:00, Tue 29 Dec 09:30–17:00 CET"), or the older start – end.
macro_rules! when_block {
    () => {
        "{% if when %}{{ when }}{% else %}{{ starts }} – {{ ends }}{% endif %}"
    };
}

/// The closing line: the organisation's name once an administrator has set it.
macro_rules! sign_off {
    () => {
        "{% if company %}Your training team at {{ company }}{% else %}Trainyard, on behalf of your training team{% endif %}\n"
    };
}

const SESSION_KEYS: &[&str] = &[
    "recipient_name",
    "course_title",
    "course_code",
    "reference",
    "starts",
    "ends",
    "when",
    "place",
    "address",
    "join_url",
    "instructions",
    "session_url",
    "changes",
    "company",
];
const LEARNER_KEYS: &[&str] = &[
    "learner_name",
    "course_title",
    "reference",
    "starts",
    "ends",
    "when",
    "place",
    "address",
    "join_url",
    "instructions",
    "session_url",
    "company",
];
const INSTRUCTOR_KEYS: &[&str] = &[
    "instructor_name",
    "course_title",
    "reference",
    "starts",
    "ends",
    "when",
    "place",
    "address",
    "join_url",
    "instructions",
    "portal_url",
    "company",
];

/// Every event, in the order the template editor lists them.
pub const EVENTS: &[EventInfo] = &[
    EventInfo {
        event: "enrollment_confirmed",
        label: "Enrollment confirmation",
        subject: "Booked: {{ course_title }} on {{ starts }}",
        body: concat!(
            "Hello {{ learner_name }},\n\nyou are booked on {{ course_title }} ({{ reference }})",
            "{% if when %}.\nWhen: {{ when }}\n{% else %}, {{ starts }} – {{ ends }}.\n{% endif %}",
            where_block!(),
            details_block!(),
            "\nSee you there!\n"
        ),
        placeholders: LEARNER_KEYS,
    },
    EventInfo {
        event: "enrollment_waitlisted",
        label: "Waiting list",
        subject: "Waiting list: {{ course_title }} on {{ starts }}",
        body: "Hello {{ learner_name }},\n\n{{ course_title }} ({{ reference }}) on {{ starts }} is full. You are number {{ position }} on the waiting list; we will tell you as soon as a seat frees up.\n",
        placeholders: &[
            "learner_name",
            "course_title",
            "reference",
            "starts",
            "position",
        ],
    },
    EventInfo {
        event: "enrollment_requested",
        label: "Enrollment request received",
        subject: "Request received: {{ course_title }} on {{ starts }}",
        body: concat!(
            "Hello {{ learner_name }},\n\nwe have your request for {{ course_title }} ({{ reference }}), ",
            when_block!(),
            ". We will confirm your place as soon as it is approved.\n",
            details_block!()
        ),
        placeholders: LEARNER_KEYS,
    },
    EventInfo {
        event: "enrollment_promoted",
        label: "Waiting list promotion",
        subject: "A seat for you: {{ course_title }} on {{ starts }}",
        body: concat!(
            "Hello {{ learner_name }},\n\ngood news: a seat freed up and you are now booked on {{ course_title }} ({{ reference }})",
            "{% if when %}.\nWhen: {{ when }}\n{% else %}, {{ starts }} – {{ ends }}.\n{% endif %}",
            where_block!(),
            details_block!()
        ),
        placeholders: LEARNER_KEYS,
    },
    EventInfo {
        event: "enrollment_offer",
        label: "Seat offer",
        subject: "Seat offered: {{ course_title }} on {{ starts }}",
        body: "Hello {{ learner_name }},\n\na seat freed up on {{ course_title }} ({{ reference }}), {{ starts }}. It is yours if you accept before {{ offer_expires }}: {{ accept_url }}\n",
        placeholders: &[
            "learner_name",
            "course_title",
            "reference",
            "starts",
            "offer_expires",
            "accept_url",
        ],
    },
    EventInfo {
        event: "enrollment_cancelled",
        label: "Enrollment cancellation",
        subject: "Cancelled: your place on {{ course_title }}",
        body: concat!(
            "Hello {{ learner_name }},\n\nyour place on {{ course_title }} ({{ reference }}) on ",
            when_block!(),
            " is cancelled.\n",
            details_block!()
        ),
        placeholders: LEARNER_KEYS,
    },
    EventInfo {
        event: "enrollment_merged",
        label: "Enrollment moved by a merge",
        subject: "New date: {{ course_title }} on {{ starts }}",
        body: "Hello {{ learner_name }},\n\n{{ course_title }} on {{ old_starts }} ({{ old_reference }}) is cancelled: it was merged into another date.\n{% if waiting %}We have put you on the waiting list of {{ course_title }} on {{ starts }} ({{ reference }}), number {{ position }}; you will hear from us as soon as a seat is free.\n{% else %}Your new date: {{ starts }} – {{ ends }} ({{ reference }}).\nWhere: {{ place }}\n{% endif %}",
        placeholders: &[
            "learner_name",
            "course_title",
            "reference",
            "starts",
            "ends",
            "place",
            "old_reference",
            "old_starts",
            "waiting",
            "position",
        ],
    },
    EventInfo {
        event: "joining_instructions",
        label: "Joining instructions",
        subject: "How to join: {{ course_title }} on {{ starts }}",
        body: "Hello {{ recipient_name }},\n\n{{ course_title }} ({{ reference }}) starts {{ starts }}.\nWhere: {{ place }}\n{% if address %}{{ address }}\n{% endif %}{% if join_url %}Join online: {{ join_url }}\n{% endif %}{% if instructions %}\n{{ instructions }}\n{% endif %}",
        placeholders: &[
            "recipient_name",
            "learner_name",
            "course_title",
            "course_code",
            "reference",
            "starts",
            "ends",
            "place",
            "address",
            "join_url",
            "instructions",
        ],
    },
    EventInfo {
        event: "session_reminder",
        label: "Reminder",
        subject: "Reminder: {{ course_title }} on {{ starts }}",
        body: "Hello {{ recipient_name }},\n\na reminder: {{ course_title }} ({{ reference }}) starts {{ starts }}.\nWhere: {{ place }}\n{% if join_url %}Join online: {{ join_url }}\n{% endif %}",
        placeholders: &[
            "recipient_name",
            "course_title",
            "course_code",
            "reference",
            "starts",
            "ends",
            "place",
            "address",
            "join_url",
            "instructions",
            "offset",
        ],
    },
    EventInfo {
        event: "session_changed",
        label: "Session change",
        subject: "Changed: {{ course_title }} ({{ reference }})",
        body: concat!(
            "Hello {{ recipient_name }},\n\n{% if changes %}{{ course_title }} ({{ reference }}) has changed:\n{% for c in changes %}{{ c.what }}: {{ c.before }} → {{ c.after }}\n{% endfor %}\nWhen: {{ when }}\n{% else %}The session has new times: ",
            when_block!(),
            ".\n{% endif %}",
            where_block!(),
            details_block!(),
            "\n",
            sign_off!()
        ),
        placeholders: SESSION_KEYS,
    },
    EventInfo {
        event: "session_cancelled",
        label: "Session cancellation",
        subject: "Cancelled: {{ course_title }} ({{ reference }})",
        body: concat!(
            "Hello {{ recipient_name }},\n\nThe session planned for {{ starts }} – {{ ends }} is cancelled.\n{% if several_days %}Its days: {{ when }}\n{% endif %}",
            where_block!(),
            details_block!(),
            "\n",
            sign_off!()
        ),
        placeholders: SESSION_KEYS,
    },
    EventInfo {
        event: "session_postponed",
        label: "Session postponement",
        subject: "Postponed: {{ course_title }} ({{ reference }})",
        body: concat!(
            "Hello {{ recipient_name }},\n\nThe session planned for {{ starts }} – {{ ends }} is postponed; new dates will follow.\n{% if several_days %}Its days: {{ when }}\n{% endif %}",
            where_block!(),
            details_block!(),
            "\n",
            sign_off!()
        ),
        placeholders: SESSION_KEYS,
    },
    EventInfo {
        event: "session_confirmed",
        label: "Session confirmation",
        subject: "Confirmed: {{ course_title }} ({{ reference }})",
        body: concat!(
            "Hello {{ recipient_name }},\n\nThe session takes place as planned: ",
            when_block!(),
            ".\n",
            where_block!(),
            details_block!(),
            "\n",
            sign_off!()
        ),
        placeholders: SESSION_KEYS,
    },
    EventInfo {
        event: "assignment_request",
        label: "Assignment request (instructor)",
        subject: "Can you teach {{ course_title }} on {{ starts }}?",
        body: concat!(
            "Hello {{ instructor_name }},\n\nwe would like you to teach {{ course_title }} ({{ reference }}){% if when %}.\nWhen: {{ when }}\n",
            where_block!(),
            "{% else %} from {{ starts }} to {{ ends }}.\n{% endif %}Accept or decline in your portal: {{ portal_url }}\n"
        ),
        placeholders: INSTRUCTOR_KEYS,
    },
    EventInfo {
        event: "assignment_confirm",
        label: "Assignment confirmation (instructor)",
        subject: "Confirmed: {{ course_title }} on {{ starts }}",
        body: concat!(
            "Hello {{ instructor_name }},\n\nyou are confirmed to teach {{ course_title }} ({{ reference }}).\n{% if when %}\nWhen: {{ when }}\n",
            where_block!(),
            "{% endif %}{% if portal_url %}\nYour sessions: {{ portal_url }}\n{% endif %}"
        ),
        placeholders: INSTRUCTOR_KEYS,
    },
    EventInfo {
        event: "assignment_cancel",
        label: "Assignment cancellation (instructor)",
        subject: "Cancelled: {{ course_title }} on {{ starts }}",
        body: "Hello {{ instructor_name }},\n\nyour assignment to {{ course_title }} ({{ reference }}) was cancelled.\n{% if when %}It was planned for {{ when }}, {{ place }}.\n{% endif %}",
        placeholders: INSTRUCTOR_KEYS,
    },
    EventInfo {
        event: "account_confirm",
        label: "Registration: confirm your e-mail",
        subject: "Confirm your registration: {{ course_title }}",
        body: "Hello {{ recipient_name }},\n\nto confirm your registration for {{ course_title }} ({{ starts }}), follow this link and choose your password:\n{{ confirm_url }}\n\nThe link works once, until {{ expires }}. If you did not register, ignore this message: nothing happens without it.\n",
        placeholders: &[
            "recipient_name",
            "course_title",
            "starts",
            "confirm_url",
            "expires",
        ],
    },
    EventInfo {
        event: "account_sign_in",
        label: "Registration with a known address: sign-in link",
        subject: "You already have an account with us",
        body: "Hello {{ recipient_name }},\n\nsomeone (we hope you) registered for {{ course_title }} with this address, which already has an account. Nothing was changed.\n{% if sign_in_url %}\nSign in with this link (it works once, until {{ expires }}), then book your seat:\n{{ sign_in_url }}\n{% else %}\nSign in to book your seat: {{ login_url }}\n{% endif %}\nForgot your password? Set a new one here: {{ reset_url }}\nThe session: {{ session_url }}\n",
        placeholders: &[
            "recipient_name",
            "course_title",
            "sign_in_url",
            "login_url",
            "reset_url",
            "session_url",
            "expires",
        ],
    },
    EventInfo {
        event: "registration_managed",
        label: "Registration for a learner enrolled by others",
        subject: "About your registration: {{ course_title }}",
        body: "Hello {{ recipient_name }},\n\nsomeone (we hope you) registered for {{ course_title }} with this address. Your training with us is arranged by your coordinator or your organisation: please ask them to enroll you. Nothing was changed.\nThe session: {{ session_url }}\n",
        placeholders: &["recipient_name", "course_title", "session_url"],
    },
    EventInfo {
        event: "password_reset",
        label: "Set or reset a password",
        subject: "Set your Trainyard password",
        body: "Hello {{ recipient_name }},\n\nto set a new password for your account, follow this link:\n{{ reset_url }}\n\nThe link works once, until {{ expires }}. If you did not ask for it, ignore this message: your password stays as it is.\n",
        placeholders: &["recipient_name", "reset_url", "expires"],
    },
    EventInfo {
        event: "account_invite",
        label: "Invitation to Trainyard",
        subject: "{{ invited_by }} invites you to Trainyard",
        body: "Hello {{ recipient_name }},\n\n{{ invited_by }} invites you to Trainyard, where you will find your work with us ({{ role }}).\nTo accept, follow this link and choose your password:\n{{ invite_url }}\n\nThe link works once, until {{ expires }}. If you did not expect this message, ignore it: no account is created without it.\n",
        placeholders: &[
            "recipient_name",
            "invited_by",
            "role",
            "invite_url",
            "expires",
        ],
    },
    EventInfo {
        event: "certificate_expiring",
        label: "Certificate expiring",
        subject: "Your {{ certificate_name }} certificate expires on {{ expires }}",
        body: concat!(
            "Hello {{ learner_name }},\n\nyour certificate {{ certificate_name }} ({{ course_title }}) is valid until {{ expires }}, {{ days }} days from now.\n",
            "To stay certified, book a renewal session in time.\n",
            "{% if verify_url %}\nVerify it: {{ verify_url }}\n{% endif %}\n",
            sign_off!()
        ),
        placeholders: &[
            "learner_name",
            "certificate_name",
            "course_title",
            "expires",
            "days",
            "verify_url",
            "company",
        ],
    },
    EventInfo {
        event: "renewal_offered",
        label: "Renewal seat offered",
        subject: "A seat to renew your {{ certificate_name }} certificate",
        body: concat!(
            "Hello {{ learner_name }},\n\nyour certificate {{ certificate_name }} is valid until {{ expires }}. ",
            "We have kept a seat for you in {{ course_title }} ({{ reference }}), starting {{ starts }}.\n",
            "{% if waitlisted %}The session is full for now: you are on its waitlist and hear from us when a seat frees.\n",
            "{% else %}Accept the seat (no login needed): {{ accept_url }}\n{% endif %}\n",
            sign_off!()
        ),
        placeholders: &[
            "learner_name",
            "certificate_name",
            "course_title",
            "reference",
            "starts",
            "expires",
            "accept_url",
            "company",
        ],
    },
    EventInfo {
        event: "survey_invitation",
        label: "Feedback survey invitation",
        subject: "How was {{ course_title }}? Two minutes of feedback",
        body: concat!(
            "Hello {{ recipient_name }},\n\nthank you for taking part in {{ course_title }} ({{ reference }}). ",
            "Please tell us how it went: the survey takes two minutes and needs no login.\n",
            "Your survey: {{ survey_url }}\n\nThe link is personal and works once.\n\n",
            sign_off!()
        ),
        placeholders: &[
            "recipient_name",
            "course_title",
            "reference",
            "survey_url",
            "company",
        ],
    },
    EventInfo {
        event: "survey_reminder",
        label: "Feedback survey reminder",
        subject: "Reminder: your feedback on {{ course_title }}",
        body: concat!(
            "Hello {{ recipient_name }},\n\nwe have not heard from you yet about {{ course_title }} ({{ reference }}). ",
            "Your answers help us improve: it takes two minutes.\n",
            "Your survey: {{ survey_url }}\n\n",
            sign_off!()
        ),
        placeholders: &[
            "recipient_name",
            "course_title",
            "reference",
            "survey_url",
            "company",
        ],
    },
    EventInfo {
        event: "qualification_expiring",
        label: "Instructor qualification expiring (to coordinators)",
        subject: "{{ instructor_name }}'s qualification expires before {{ reference }}",
        body: concat!(
            "Hello {{ recipient_name }},\n\n{{ instructor_name }} teaches {{ course_title }} ({{ reference }}, from {{ starts }}), ",
            "but their qualification for it is valid only until {{ expires }}, before the session ends.\n",
            "Renew the qualification or find a substitute in time.\n",
            "{% if session_url %}\nSession: {{ session_url }}\n{% endif %}"
        ),
        placeholders: &[
            "recipient_name",
            "instructor_name",
            "course_title",
            "reference",
            "starts",
            "expires",
            "session_url",
        ],
    },
];

/// The catalogue entry of `event`, if Trainyard knows it.
pub fn event_info(event: &str) -> Option<&'static EventInfo> {
    EVENTS.iter().find(|e| e.event == event)
}

/// The languages the template editor lists for every event. English is the fallback: an event
/// without wording in a recipient's language is sent in English.
pub const TEMPLATE_LANGUAGES: &[&str] = &["en", "de", "fr", "es"];

/// German "where" lines (see `where_block!`).
macro_rules! where_block_de {
    () => {
        "Ort: {{ place }}\n{% if address %}{{ address }}\n{% endif %}{% if join_url %}Online teilnehmen: {{ join_url }}\n{% endif %}{% if instructions %}Hinweise: {{ instructions }}\n{% endif %}"
    };
}
macro_rules! details_block_de {
    () => {
        "{% if session_url %}\nDetails: {{ session_url }}\n{% endif %}"
    };
}
macro_rules! when_block_de {
    () => {
        "{% if when %}{{ when }}{% else %}{{ starts }} – {{ ends }}{% endif %}"
    };
}
macro_rules! sign_off_de {
    () => {
        "{% if company %}Ihr Schulungsteam von {{ company }}{% else %}Trainyard, im Auftrag Ihres Schulungsteams{% endif %}\n"
    };
}

/// Built-in German wording of every event: (event, subject, body). A test holds every event of
/// [`EVENTS`] to a German wording here, with the same placeholders; an event without one would be
/// sent in English to a German reader unless an administrator wrote a German version.
pub const GERMAN: &[(&str, &str, &str)] = &[
    (
        "assignment_request",
        "Können Sie {{ course_title }} am {{ starts }} unterrichten?",
        concat!(
            "Guten Tag {{ instructor_name }},\n\nwir möchten Sie für {{ course_title }} ({{ reference }}) einsetzen{% if when %}.\nWann: {{ when }}\n",
            where_block_de!(),
            "{% else %} von {{ starts }} bis {{ ends }}.\n{% endif %}Zusagen oder absagen in Ihrem Portal: {{ portal_url }}\n"
        ),
    ),
    (
        "assignment_confirm",
        "Bestätigt: {{ course_title }} am {{ starts }}",
        concat!(
            "Guten Tag {{ instructor_name }},\n\nIhr Einsatz für {{ course_title }} ({{ reference }}) ist bestätigt.\n{% if when %}\nWann: {{ when }}\n",
            where_block_de!(),
            "{% endif %}{% if portal_url %}\nIhre Termine: {{ portal_url }}\n{% endif %}"
        ),
    ),
    (
        "assignment_cancel",
        "Abgesagt: {{ course_title }} am {{ starts }}",
        "Guten Tag {{ instructor_name }},\n\nIhr Einsatz für {{ course_title }} ({{ reference }}) wurde abgesagt.\n{% if when %}Er war geplant für {{ when }}, {{ place }}.\n{% endif %}",
    ),
    (
        "session_changed",
        "Geändert: {{ course_title }} ({{ reference }})",
        concat!(
            "Guten Tag {{ recipient_name }},\n\n{% if changes %}{{ course_title }} ({{ reference }}) hat sich geändert:\n{% for c in changes %}{{ c.what }}: {{ c.before }} → {{ c.after }}\n{% endfor %}\nWann: {{ when }}\n{% else %}Der Termin hat neue Zeiten: ",
            when_block_de!(),
            ".\n{% endif %}",
            where_block_de!(),
            details_block_de!(),
            "\n",
            sign_off_de!()
        ),
    ),
    (
        "session_postponed",
        "Verschoben: {{ course_title }} ({{ reference }})",
        concat!(
            "Guten Tag {{ recipient_name }},\n\nder für {{ starts }} – {{ ends }} geplante Termin ist verschoben; neue Daten folgen.\n{% if several_days %}Seine Tage: {{ when }}\n{% endif %}",
            where_block_de!(),
            details_block_de!(),
            "\n",
            sign_off_de!()
        ),
    ),
    (
        "session_confirmed",
        "Bestätigt: {{ course_title }} ({{ reference }})",
        concat!(
            "Guten Tag {{ recipient_name }},\n\nder Termin findet wie geplant statt: ",
            when_block_de!(),
            ".\n",
            where_block_de!(),
            details_block_de!(),
            "\n",
            sign_off_de!()
        ),
    ),
    (
        "enrollment_confirmed",
        "Gebucht: {{ course_title }} am {{ starts }}",
        concat!(
            "Guten Tag {{ learner_name }},\n\nSie sind für {{ course_title }} ({{ reference }}) angemeldet",
            "{% if when %}.\nWann: {{ when }}\n{% else %}, {{ starts }} – {{ ends }}.\n{% endif %}",
            where_block_de!(),
            details_block_de!(),
            "\nWir freuen uns auf Sie!\n"
        ),
    ),
    (
        "enrollment_waitlisted",
        "Warteliste: {{ course_title }} am {{ starts }}",
        "Guten Tag {{ learner_name }},\n\n{{ course_title }} ({{ reference }}) am {{ starts }} ist ausgebucht. Sie stehen auf Platz {{ position }} der Warteliste; wir melden uns, sobald ein Platz frei wird.\n",
    ),
    (
        "enrollment_requested",
        "Anfrage erhalten: {{ course_title }} am {{ starts }}",
        concat!(
            "Guten Tag {{ learner_name }},\n\nwir haben Ihre Anfrage für {{ course_title }} ({{ reference }}) erhalten, ",
            when_block_de!(),
            ". Wir bestätigen Ihren Platz, sobald sie genehmigt ist.\n",
            details_block_de!()
        ),
    ),
    (
        "enrollment_offer",
        "Platz angeboten: {{ course_title }} am {{ starts }}",
        "Guten Tag {{ learner_name }},\n\nbei {{ course_title }} ({{ reference }}), {{ starts }}, ist ein Platz frei geworden. Er gehört Ihnen, wenn Sie bis {{ offer_expires }} annehmen: {{ accept_url }}\n",
    ),
    (
        "enrollment_promoted",
        "Ein Platz für Sie: {{ course_title }} am {{ starts }}",
        concat!(
            "Guten Tag {{ learner_name }},\n\ngute Nachrichten: Ein Platz ist frei geworden, und Sie sind jetzt für {{ course_title }} ({{ reference }}) angemeldet",
            "{% if when %}.\nWann: {{ when }}\n{% else %}, {{ starts }} – {{ ends }}.\n{% endif %}",
            where_block_de!(),
            details_block_de!()
        ),
    ),
    (
        "enrollment_cancelled",
        "Storniert: Ihr Platz in {{ course_title }}",
        concat!(
            "Guten Tag {{ learner_name }},\n\nIhr Platz in {{ course_title }} ({{ reference }}) am ",
            when_block_de!(),
            " ist storniert.\n",
            details_block_de!()
        ),
    ),
    (
        "joining_instructions",
        "So nehmen Sie teil: {{ course_title }} am {{ starts }}",
        "Guten Tag {{ recipient_name }},\n\n{{ course_title }} ({{ reference }}) beginnt am {{ starts }}.\nOrt: {{ place }}\n{% if address %}{{ address }}\n{% endif %}{% if join_url %}Online teilnehmen: {{ join_url }}\n{% endif %}{% if instructions %}\n{{ instructions }}\n{% endif %}",
    ),
    (
        "session_reminder",
        "Erinnerung: {{ course_title }} am {{ starts }}",
        "Guten Tag {{ recipient_name }},\n\neine Erinnerung: {{ course_title }} ({{ reference }}) beginnt am {{ starts }}.\nOrt: {{ place }}\n{% if join_url %}Online teilnehmen: {{ join_url }}\n{% endif %}",
    ),
    (
        "session_cancelled",
        "Abgesagt: {{ course_title }} ({{ reference }})",
        concat!(
            "Guten Tag {{ recipient_name }},\n\nder für {{ starts }} – {{ ends }} geplante Termin ist abgesagt.\n{% if several_days %}Seine Tage: {{ when }}\n{% endif %}",
            where_block_de!(),
            details_block_de!(),
            "\n",
            sign_off_de!()
        ),
    ),
    (
        "enrollment_merged",
        "Neuer Termin: {{ course_title }} am {{ starts }}",
        "Guten Tag {{ learner_name }},\n\n{{ course_title }} am {{ old_starts }} ({{ old_reference }}) findet nicht statt: Der Termin wurde mit einem anderen zusammengelegt.\n{% if waiting %}Wir haben Sie auf die Warteliste von {{ course_title }} am {{ starts }} ({{ reference }}) gesetzt, auf Platz {{ position }}; Sie hören von uns, sobald ein Platz frei ist.\n{% else %}Ihr neuer Termin: {{ starts }} – {{ ends }} ({{ reference }}).\nOrt: {{ place }}\n{% endif %}",
    ),
    (
        "account_confirm",
        "Bitte bestätigen Sie Ihre Anmeldung: {{ course_title }}",
        "Guten Tag {{ recipient_name }},\n\num Ihre Anmeldung für {{ course_title }} ({{ starts }}) zu bestätigen, öffnen Sie bitte diesen Link und wählen Sie Ihr Passwort:\n{{ confirm_url }}\n\nDer Link gilt einmal, bis {{ expires }}. Wenn Sie sich nicht angemeldet haben, ignorieren Sie diese Nachricht: Ohne den Link geschieht nichts.\n",
    ),
    (
        "account_sign_in",
        "Sie haben bereits ein Konto bei uns",
        "Guten Tag {{ recipient_name }},\n\njemand (hoffentlich Sie) hat sich mit dieser Adresse für {{ course_title }} angemeldet; zu dieser Adresse gibt es bereits ein Konto. Es wurde nichts geändert.\n{% if sign_in_url %}\nMelden Sie sich mit diesem Link an (er gilt einmal, bis {{ expires }}) und buchen Sie dann Ihren Platz:\n{{ sign_in_url }}\n{% else %}\nMelden Sie sich an, um Ihren Platz zu buchen: {{ login_url }}\n{% endif %}\nPasswort vergessen? Hier legen Sie ein neues fest: {{ reset_url }}\nDer Termin: {{ session_url }}\n",
    ),
    (
        "registration_managed",
        "Zu Ihrer Anmeldung: {{ course_title }}",
        "Guten Tag {{ recipient_name }},\n\njemand (hoffentlich Sie) hat sich mit dieser Adresse für {{ course_title }} angemeldet. Ihre Schulungen bei uns organisiert Ihre Koordination oder Ihre Organisation: Bitte wenden Sie sich an sie, damit sie Sie anmeldet. Es wurde nichts geändert.\nDer Termin: {{ session_url }}\n",
    ),
    (
        "password_reset",
        "Legen Sie Ihr Trainyard-Passwort fest",
        "Guten Tag {{ recipient_name }},\n\num ein neues Passwort für Ihr Konto festzulegen, öffnen Sie bitte diesen Link:\n{{ reset_url }}\n\nDer Link gilt einmal, bis {{ expires }}. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese Nachricht: Ihr Passwort bleibt, wie es ist.\n",
    ),
    (
        "account_invite",
        "{{ invited_by }} lädt Sie zu Trainyard ein",
        "Guten Tag {{ recipient_name }},\n\n{{ invited_by }} lädt Sie zu Trainyard ein, wo Sie Ihre Arbeit mit uns finden ({{ role }}).\nUm die Einladung anzunehmen, öffnen Sie bitte diesen Link und wählen Sie Ihr Passwort:\n{{ invite_url }}\n\nDer Link gilt einmal, bis {{ expires }}. Wenn Sie diese Nachricht nicht erwartet haben, ignorieren Sie sie: Ohne den Link wird kein Konto angelegt.\n",
    ),
    (
        "certificate_expiring",
        "Ihr Zertifikat {{ certificate_name }} läuft am {{ expires }} ab",
        concat!(
            "Guten Tag {{ learner_name }},\n\nIhr Zertifikat {{ certificate_name }} ({{ course_title }}) ist gültig bis {{ expires }}, also noch {{ days }} Tage.\n",
            "Damit Sie zertifiziert bleiben, buchen Sie bitte rechtzeitig einen Auffrischungstermin.\n",
            "{% if verify_url %}\nPrüfen Sie es hier: {{ verify_url }}\n{% endif %}\n",
            sign_off_de!()
        ),
    ),
    (
        "renewal_offered",
        "Ein Platz zur Erneuerung Ihres Zertifikats {{ certificate_name }}",
        concat!(
            "Guten Tag {{ learner_name }},\n\nIhr Zertifikat {{ certificate_name }} ist gültig bis {{ expires }}. ",
            "Wir haben für Sie einen Platz in {{ course_title }} ({{ reference }}) reserviert, Beginn am {{ starts }}.\n",
            "{% if waitlisted %}Der Termin ist derzeit ausgebucht: Sie stehen auf der Warteliste und hören von uns, sobald ein Platz frei wird.\n",
            "{% else %}Platz annehmen (ohne Anmeldung): {{ accept_url }}\n{% endif %}\n",
            sign_off_de!()
        ),
    ),
    (
        "survey_invitation",
        "Wie war {{ course_title }}? Zwei Minuten für Ihre Rückmeldung",
        concat!(
            "Guten Tag {{ recipient_name }},\n\nvielen Dank für Ihre Teilnahme an {{ course_title }} ({{ reference }}). ",
            "Bitte sagen Sie uns, wie es war: Die Umfrage dauert zwei Minuten und braucht keine Anmeldung.\n",
            "Ihre Umfrage: {{ survey_url }}\n\nDer Link ist persönlich und gilt einmal.\n\n",
            sign_off_de!()
        ),
    ),
    (
        "survey_reminder",
        "Erinnerung: Ihre Rückmeldung zu {{ course_title }}",
        concat!(
            "Guten Tag {{ recipient_name }},\n\nwir haben von Ihnen noch keine Rückmeldung zu {{ course_title }} ({{ reference }}) erhalten. ",
            "Ihre Antworten helfen uns, besser zu werden: Es dauert zwei Minuten.\n",
            "Ihre Umfrage: {{ survey_url }}\n\n",
            sign_off_de!()
        ),
    ),
    (
        "qualification_expiring",
        "Die Qualifikation von {{ instructor_name }} läuft vor {{ reference }} ab",
        concat!(
            "Guten Tag {{ recipient_name }},\n\n{{ instructor_name }} unterrichtet {{ course_title }} ({{ reference }}, ab {{ starts }}), ",
            "die Qualifikation dafür gilt aber nur bis {{ expires }}, also bis vor dem Ende des Termins.\n",
            "Bitte lassen Sie die Qualifikation rechtzeitig erneuern oder finden Sie eine Vertretung.\n",
            "{% if session_url %}\nTermin: {{ session_url }}\n{% endif %}"
        ),
    ),
];

/// The built-in wording of `event` in `language` (a primary tag: `en`, `de`), if Trainyard
/// ships one.
pub fn builtin_in(event: &str, language: &str) -> Option<(&'static str, &'static str)> {
    match language {
        "en" => event_info(event).map(|e| (e.subject, e.body)),
        "de" => GERMAN
            .iter()
            .find(|(e, _, _)| *e == event)
            .map(|(_, s, b)| (*s, *b)),
        _ => None,
    }
}

/// Built-in wording, used until an administrator edits it.
pub fn default_template(event: &str) -> (&'static str, &'static str) {
    match event_info(event) {
        Some(e) => (e.subject, e.body),
        None => ("{{ subject }}", "{{ body }}"),
    }
}

/// Fills `{{ name }}` placeholders from a JSON object; unknown placeholders render empty.
/// (The simple form; [`render`] understands the whole template language.)
pub fn fill(template: &str, ctx: &serde_json::Value) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => {
                let key = rest[start + 2..start + end].trim();
                if let Some(v) = ctx.get(key) {
                    match v {
                        serde_json::Value::String(s) => out.push_str(s),
                        serde_json::Value::Null => {}
                        other => out.push_str(&other.to_string()),
                    }
                }
                rest = &rest[start + end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Longest subject and body a template may have.
pub const MAX_SUBJECT: usize = 300;
pub const MAX_BODY: usize = 20_000;
/// Rendering budget: far above any real message, low enough that no template loops for long.
const FUEL: u64 = 100_000;

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_fuel(Some(FUEL));
    // What you see is what you get: no newline swallowed after a block tag (an inline
    // `{% if %}…{% endif %}` at the end of a line keeps its line break), the final one kept.
    if let Ok(syntax) = SyntaxConfig::builder().keep_trailing_newline(true).build() {
        env.set_syntax(syntax);
    }
    env
}

/// A template error in words: what, and on which line.
fn explain(e: &minijinja::Error) -> String {
    let what = match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    };
    match e.line() {
        Some(l) => format!("{what} (line {l})"),
        None => what,
    }
}

fn render_one(
    env: &Environment<'_>,
    name: &str,
    source: &str,
    ctx: &serde_json::Value,
) -> Result<String, String> {
    env.template_from_named_str(name, source)
        .and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(ctx))))
        .map_err(|e| explain(&e))
}

/// A subject is one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Renders a subject and body template with `ctx`. Errors name the field (`subject`, `body`).
pub fn render(
    subject: &str,
    body: &str,
    ctx: &serde_json::Value,
) -> Result<(String, String), Invalid> {
    let env = environment();
    let mut inv = Invalid::new();
    let s = render_one(&env, "subject", subject, ctx)
        .map_err(|e| inv.add("subject", e))
        .ok();
    let b = render_one(&env, "body", body, ctx)
        .map_err(|e| inv.add("body", e))
        .ok();
    match (s, b) {
        (Some(s), Some(b)) if inv.is_empty() => Ok((one_line(&s), b)),
        _ => Err(inv),
    }
}

/// The subject and body for `event`, rendered with `ctx`: the administrator's wording when there
/// is one, else the built-in wording. Call it inside the transaction that enqueues the message.
pub async fn compose(
    conn: &mut Conn,
    event: &str,
    ctx: &serde_json::Value,
) -> Result<(String, String), AppError> {
    Ok(wording(conn, event).await?.compose(ctx))
}

/// Like [`compose`], in the recipient's `language` (English when the event has no wording in
/// it); returns the language used with the text.
pub async fn compose_in(
    conn: &mut Conn,
    event: &str,
    language: &LanguageTag,
    ctx: &serde_json::Value,
) -> Result<(String, String, String), AppError> {
    let w = wording_in(conn, event, language).await?;
    let (subject, body) = w.compose(ctx);
    Ok((subject, body, w.language))
}

/// The wording of one event, loaded once for many messages (a reminder to a whole session).
pub struct Wording {
    event: String,
    edited: Option<StoredTemplate>,
    /// The built-in wording in `language` when it is not English (English comes from
    /// [`default_template`]).
    builtin: Option<(&'static str, &'static str)>,
    /// The language of this wording: the recipient's, or `en` when it had none.
    language: String,
    /// The organisation's name from the message settings, for `{{ company }}`; empty when unset.
    company: String,
}

/// Loads the wording `compose` would use for `event`.
pub async fn wording(conn: &mut Conn, event: &str) -> Result<Wording, AppError> {
    Ok(Wording {
        event: event.to_owned(),
        edited: repo::get(conn, event).await?,
        builtin: None,
        language: "en".into(),
        company: repo::settings(conn).await?.company_name,
    })
}

/// Loads the wording of `event` in `language`: an administrator's wording in that language, else
/// the built-in one, else — the language has none — the English wording ([`wording`]).
pub async fn wording_in(
    conn: &mut Conn,
    event: &str,
    language: &LanguageTag,
) -> Result<Wording, AppError> {
    let lang = language.language();
    if lang != "en" {
        let edited = repo::get_in(conn, event, lang).await?;
        let builtin = builtin_in(event, lang);
        if edited.is_some() || builtin.is_some() {
            return Ok(Wording {
                event: event.to_owned(),
                edited,
                builtin,
                language: lang.to_owned(),
                company: repo::settings(conn).await?.company_name,
            });
        }
    }
    wording(conn, event).await
}

impl Wording {
    /// The language this wording is in (`en` for the fallback).
    pub fn language(&self) -> &str {
        &self.language
    }

    /// How this wording's language writes dates and money.
    pub fn locale(&self) -> Locale {
        locale_of(&self.language)
    }

    /// The subject and body rendered with `ctx`; the built-in wording when the edited template
    /// fails on these values.
    pub fn compose(&self, ctx: &serde_json::Value) -> (String, String) {
        let event = self.event.as_str();
        let with_company;
        let ctx = match ctx.as_object() {
            Some(m) if !m.contains_key("company") && !self.company.is_empty() => {
                let mut m = m.clone();
                m.insert("company".into(), self.company.clone().into());
                with_company = serde_json::Value::Object(m);
                &with_company
            }
            _ => ctx,
        };
        if let Some(t) = &self.edited {
            match render(&t.subject, &t.body, ctx) {
                Ok(out) => return out,
                Err(e) => tracing::warn!(
                    event,
                    error = %e,
                    "the edited message template failed; sending the built-in wording"
                ),
            }
        }
        if let Some((subject, body)) = self.builtin
            && let Ok(out) = render(subject, body, ctx)
        {
            return out;
        }
        if event_info(event).is_none() && ctx.get("subject").is_none() {
            tracing::warn!(
                event,
                "no wording for this event: pass `subject` and `body` in the context, or add it to messages::EVENTS"
            );
        }
        let (subject, body) = default_template(event);
        render(subject, body, ctx)
            .unwrap_or_else(|_| (one_line(&fill(subject, ctx)), fill(body, ctx)))
    }
}

/// Plausible values for every placeholder, for previews and for checking a template before it
/// is saved.
pub fn sample_context() -> serde_json::Value {
    let mut sample = json!({
        "recipient_name": "Maria Lopez",
        "learner_name": "Maria Lopez",
        "instructor_name": "Anna Berg",
        "course_title": "Excel Advanced",
        "course_code": "XL-ADV",
        "reference": "S-2027-0042",
        "starts": "2027-05-04 09:00 CEST",
        "ends": "2027-05-05 17:00 CEST",
        "when": "Tue 4 May 09:00–17:00, Wed 5 May 09:00–17:00 CEST",
        "time_zone": "Europe/Berlin",
        "place": "Berlin Training Centre, Room 2",
        "address": "Friedrichstraße 100, 10117 Berlin, DE",
        "offset": "7 days",
        "position": 3,
        "offer_expires": "2027-04-28 12:00 CEST",
        "accept_url": "https://trainyard.example.com/portal/offers/123",
        "portal_url": "https://trainyard.example.com/portal/assignments/17",
        "join_url": "https://meet.example.com/xl-adv-0042",
        "instructions": "Please bring a laptop with Excel installed.",
        "survey_url": "https://trainyard.example.com/surveys/abc123",
        "certificate_code": "CERT-7F3K-22QX",
        "certificate_url": "https://trainyard.example.com/certificates/CERT-7F3K-22QX",
        "valid_until": "2029-05-05",
        "company": "Trainyard Training GmbH",
        "invoice_number": "INV-2027-0815",
        "amount": "1,780.00 EUR",
        "due_date": "2027-06-04",
        "invoice_url": "https://trainyard.example.com/invoices/815",
        "confirm_url": "https://trainyard.example.com/account/confirm?token=3f9a…",
        "sign_in_url": "https://trainyard.example.com/account/sign-in?token=8b1c…",
        "reset_url": "https://trainyard.example.com/account/password?token=c07e…",
        "login_url": "https://trainyard.example.com/login",
        "session_url": "https://trainyard.example.com/catalog/42",
        "expires": "2027-04-28 12:00 CEST",
        "changes": [
            { "what": "When", "before": "Mon 3 May 09:00–17:00 CEST", "after": "Tue 4 May 09:00–17:00, Wed 5 May 09:00–17:00 CEST" },
            { "what": "Where", "before": "Potsdam Campus", "after": "Berlin Training Centre" },
        ],
    });
    // A second object: one `json!` of every placeholder exceeds the macro's recursion limit.
    if let (Some(all), serde_json::Value::Object(invite)) = (
        sample.as_object_mut(),
        json!({
            "invited_by": "Olga Admin",
            "role": "Instructor",
            "invite_url": "https://trainyard.example.com/account/invite?token=5d2e…",
            "certificate_name": "Certified Excel Expert",
            "days": 30,
            "verify_url": "https://trainyard.example.com/verify/7KQ2M9XD4TBA",
        }),
    ) {
        all.extend(invite);
    }
    sample
}

// ------------------------------------------------------------------ what a session message says

/// One thing that changed about a session, for the "before → after" lines of a change message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub what: &'static str,
    pub before: String,
    pub after: String,
}

/// The days of a session in `zone`, one entry per part still on:
/// "Mon 28 Dec 09:30–17:00, Tue 29 Dec 09:30–17:00". A part that runs past midnight names both
/// days. The zone's abbreviation closes the list once, as all parts share the recipient's zone.
pub fn days(parts: &[Part], zone: &TimeZoneName) -> String {
    let on: Vec<&Part> = parts.iter().filter(|p| p.status != "cancelled").collect();
    let mut out: Vec<String> = on
        .iter()
        .map(|p| {
            let (a, b) = (zone.local(p.starts_at), zone.local(p.ends_at));
            if a.date_naive() == b.date_naive() {
                format!("{}–{}", a.format("%a %-d %b %H:%M"), b.format("%H:%M"))
            } else {
                format!(
                    "{} – {}",
                    a.format("%a %-d %b %H:%M"),
                    b.format("%a %-d %b %H:%M")
                )
            }
        })
        .collect();
    match on.first() {
        None => String::new(),
        Some(first) => {
            let abbr = zone.local(first.starts_at).format("%Z").to_string();
            let last = out.len() - 1;
            out[last].push_str(&format!(" {abbr}"));
            out.join(", ")
        }
    }
}

/// Where a session takes place, for a message: the venue's name, and its address; "Online" for a
/// virtual session without a venue.
fn place_of(s: &Session, venue: Option<&Venue>) -> (String, String) {
    match venue {
        Some(v) => {
            let address = [v.address.trim(), v.city.trim(), v.country.trim()]
                .into_iter()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(", ");
            (v.name.clone(), address)
        }
        None => match (&s.venue_name, s.delivery_mode) {
            (Some(name), _) => (name.clone(), String::new()),
            (None, DeliveryMode::Ilt) => ("to be announced".into(), String::new()),
            (None, _) => ("Online".into(), String::new()),
        },
    }
}

/// The placeholders every message about a session shares, for one recipient in `zone`: `when`
/// (the days), `place` with `address` (classroom) and `join_url` with `instructions` (virtual,
/// or notes for a classroom), plus the older `starts`/`ends`. The caller adds the recipient's
/// name and the absolute link to their portal page (`session_url`).
pub async fn session_facts(
    conn: &mut Conn,
    s: &Session,
    parts: &[Part],
    zone: &TimeZoneName,
) -> Result<serde_json::Map<String, serde_json::Value>, AppError> {
    let venue = match s.venue_id {
        Some(v) => Some(trainyard_store::venues::get(conn, v).await?),
        None => None,
    };
    let (place, address) = place_of(s, venue.as_ref());
    let facts = json!({
        "course_title": s.title.clone().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| s.course_title.clone()),
        "course_code": s.course_code,
        "reference": s.reference,
        "starts": zone.display(s.starts_at),
        "ends": zone.display(s.ends_at),
        "when": days(parts, zone),
        "several_days": parts.iter().filter(|p| p.status != "cancelled").count() > 1,
        "time_zone": zone.as_str(),
        "place": place,
        "address": address,
        "join_url": s.joining_url.trim(),
        "instructions": s.joining_notes.trim(),
    });
    Ok(match facts {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    })
}

/// The locale rules of a stored language tag (US English for anything unreadable).
pub fn locale_of(language: &str) -> Locale {
    Locale::for_tag(&LanguageTag::parse(language).unwrap_or_else(|_| LanguageTag::english()))
}

/// "06.12.2026 09:00 CET": an instant in `zone`, written the locale's way.
pub fn display_in(locale: &Locale, zone: &TimeZoneName, ms: i64) -> String {
    let t = zone.local(ms);
    format!("{} {}", locale.date_time(t.naive_local()), t.format("%Z"))
}

/// [`days`] written the locale's way: "So. 06.12.2026 09:30–17:00, Mo. 07.12.2026 09:30–17:00 CET".
pub fn days_in(parts: &[Part], zone: &TimeZoneName, locale: &Locale) -> String {
    let on: Vec<&Part> = parts.iter().filter(|p| p.status != "cancelled").collect();
    let day = |t: &chrono::DateTime<chrono_tz::Tz>| {
        use chrono::Datelike;
        format!(
            "{} {} {}",
            locale.weekday(t.weekday()),
            locale.date(t.date_naive()),
            locale.time(t.time())
        )
    };
    let mut out: Vec<String> = on
        .iter()
        .map(|p| {
            let (a, b) = (zone.local(p.starts_at), zone.local(p.ends_at));
            if a.date_naive() == b.date_naive() {
                format!("{}–{}", day(&a), locale.time(b.time()))
            } else {
                format!("{} – {}", day(&a), day(&b))
            }
        })
        .collect();
    if let (Some(first), Some(last)) = (on.first(), out.last_mut()) {
        last.push_str(&format!(" {}", zone.local(first.starts_at).format("%Z")));
    }
    out.join(", ")
}

/// A few words the session placeholders carry, in a language Trainyard ships (English else).
pub fn phrase(language: &str, english: &'static str) -> &'static str {
    match (language, english) {
        ("de", "Online") => "Online",
        ("de", "to be announced") => "wird noch bekannt gegeben",
        ("de", "online (the link follows in your joining instructions)") => {
            "online (den Link erhalten Sie mit den Teilnahmehinweisen)"
        }
        _ => english,
    }
}

/// [`session_facts`] for a reader of `language`: the same placeholders with dates and days
/// written the language's way (English keeps the existing forms).
pub async fn session_facts_in(
    conn: &mut Conn,
    s: &Session,
    parts: &[Part],
    zone: &TimeZoneName,
    language: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, AppError> {
    let mut m = session_facts(conn, s, parts, zone).await?;
    if language != "en" {
        let l = locale_of(language);
        m.insert("starts".into(), display_in(&l, zone, s.starts_at).into());
        m.insert("ends".into(), display_in(&l, zone, s.ends_at).into());
        m.insert("when".into(), days_in(parts, zone, &l).into());
        if let Some(serde_json::Value::String(place)) = m.get("place").cloned() {
            for p in ["Online", "to be announced"] {
                if place == p {
                    m.insert("place".into(), phrase(language, p).into());
                }
            }
        }
    }
    Ok(m)
}

/// What a recipient should know changed between two versions of a session: its days, its venue,
/// its joining link. Empty when none of these changed.
pub fn changes(
    before: &Session,
    parts_before: &[Part],
    after: &Session,
    parts_after: &[Part],
    zone: &TimeZoneName,
) -> Vec<Changed> {
    let mut out = Vec::new();
    let (a, b) = (days(parts_before, zone), days(parts_after, zone));
    if a != b {
        out.push(Changed {
            what: "When",
            before: a,
            after: b,
        });
    }
    if before.venue_id != after.venue_id {
        let name = |s: &Session| s.venue_name.clone().unwrap_or_else(|| "no venue".into());
        out.push(Changed {
            what: "Where",
            before: name(before),
            after: name(after),
        });
    }
    if before.joining_url.trim() != after.joining_url.trim() {
        let link = |s: &Session| match s.joining_url.trim() {
            "" => "none".to_owned(),
            l => l.to_owned(),
        };
        out.push(Changed {
            what: "Joining link",
            before: link(before),
            after: link(after),
        });
    }
    out
}

// ------------------------------------------------------------------ the HTML alternative

/// Who the reader sees a message from: the organisation's name and how to answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Branding {
    /// The header and sign-off name; "Trainyard" when no company name is set.
    pub company: String,
    /// Where answers go, when set: the footer invites a reply.
    pub reply_to: Option<String>,
}

/// One piece of a line: text, or text that links somewhere.
#[derive(Serialize)]
struct Segment {
    text: String,
    href: Option<String>,
}

/// One line of a paragraph: a "Label: value" line shows its label in bold; a line that is only
/// "Label: https://…" becomes a button named by its label.
#[derive(Serialize)]
struct Line {
    label: Option<String>,
    segments: Vec<Segment>,
    button: Option<Segment>,
    /// A change line ("When: before → after"): the old value, shown struck through above the new.
    before: Option<String>,
}

fn is_url(word: &str) -> bool {
    (word.starts_with("https://") || word.starts_with("http://")) && word.len() > 8
}

/// Text with its web addresses as links (a trailing full stop or comma stays text).
fn segments(line: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut text = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            text.push(' ');
        }
        let core = word.trim_end_matches(['.', ',', ';', ')']);
        if is_url(core) {
            if !text.is_empty() {
                out.push(Segment {
                    text: std::mem::take(&mut text),
                    href: None,
                });
            }
            out.push(Segment {
                text: core.to_owned(),
                href: Some(core.to_owned()),
            });
            text.push_str(&word[core.len()..]);
        } else {
            text.push_str(word);
        }
    }
    if !text.is_empty() {
        out.push(Segment { text, href: None });
    }
    out
}

fn line(raw: &str) -> Line {
    if let Some((label, rest)) = raw.split_once(": ") {
        let label = label.trim();
        let short = !label.is_empty() && label.chars().count() <= 40 && !label.contains("://");
        let rest = rest.trim();
        if short && is_url(rest) && !rest.contains(' ') {
            return Line {
                label: None,
                segments: Vec::new(),
                button: Some(Segment {
                    text: label.to_owned(),
                    href: Some(rest.to_owned()),
                }),
                before: None,
            };
        }
        // "When: …", "Where: …": a short label of at most three words.
        if short && label.split_whitespace().count() <= 3 && label.chars().count() <= 24 {
            let (before, after) = match rest.split_once(" → ") {
                Some((b, a)) => (Some(b.to_owned()), a),
                None => (None, rest),
            };
            return Line {
                label: Some(label.to_owned()),
                segments: segments(after),
                button: None,
                before,
            };
        }
    }
    Line {
        label: None,
        segments: segments(raw),
        button: None,
        before: None,
    }
}

/// A paragraph, or a button on its own.
#[derive(Serialize)]
struct Block {
    lines: Vec<Line>,
    button: Option<Segment>,
}

impl Block {
    fn text(lines: Vec<Line>) -> Self {
        Self {
            lines,
            button: None,
        }
    }
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const HTML_LAYOUT: &str = include_str!("email_layout.html");

/// The HTML alternative of a message: the same text (paragraphs, "Label:" lines, links and
/// buttons) in a simple branded layout with inline styles only and no remote images, readable
/// at any width. Everything from the text is escaped.
pub fn html(subject: &str, body: &str, brand: &Branding) -> Result<String, String> {
    // Paragraphs at blank lines; a button stands on its own between the text around it.
    let mut blocks: Vec<Block> = Vec::new();
    for p in body.replace("\r\n", "\n").split("\n\n") {
        let mut text: Vec<Line> = Vec::new();
        for l in p.lines().filter(|l| !l.trim().is_empty()).map(line) {
            match l.button {
                Some(b) => {
                    if !text.is_empty() {
                        blocks.push(Block::text(std::mem::take(&mut text)));
                    }
                    blocks.push(Block {
                        lines: Vec::new(),
                        button: Some(b),
                    });
                }
                None => text.push(l),
            }
        }
        if !text.is_empty() {
            blocks.push(Block::text(text));
        }
    }
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // Escapes what HTML needs and no more: minijinja's own escaping also turns every "/" of a
    // link into "&#x2f;", which is valid but makes links unreadable to people and filters.
    env.set_formatter(|out, _state, value| {
        let text = value.to_string();
        let written = if value.is_safe() {
            out.write_str(&text)
        } else {
            out.write_str(&escape_html(&text))
        };
        written.map_err(|_| {
            minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "could not write")
        })
    });
    env.set_fuel(Some(FUEL));
    let company = match brand.company.trim() {
        "" => "Trainyard",
        c => c,
    };
    env.template_from_named_str("email.html", HTML_LAYOUT)
        .and_then(|t| {
            t.render(minijinja::context! {
                subject => subject,
                company => company,
                reply_to => brand.reply_to.as_deref().map(str::trim).filter(|r| !r.is_empty()),
                blocks => minijinja::Value::from(minijinja::value::Serde(&blocks)),
            })
        })
        .map_err(|e| explain(&e))
}

// ------------------------------------------------------------------ use cases: the template editor

/// One language of an event's wording, for the editor's list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TemplateLanguage {
    /// A BCP 47 primary tag: `en`, `de` …
    pub language: String,
    /// The language's own name ("Deutsch").
    pub name: String,
    /// Wording exists in this language (built in or written by an administrator); false: the
    /// English wording is sent to its readers.
    pub available: bool,
    /// An administrator wrote or changed it.
    pub customized: bool,
}

/// The wording of one event, as the editor shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageTemplate {
    pub event: String,
    pub label: String,
    /// The language of this wording (`en` unless asked for another).
    pub language: String,
    pub subject: String,
    pub body: String,
    /// False while the built-in wording is in use.
    pub customized: bool,
    /// True when the event has no wording in `language`: the English wording is shown (and
    /// sent); saving writes the first wording in this language.
    pub fallback: bool,
    /// 0 for the built-in wording; send it back when saving.
    pub version: i64,
    #[serde(serialize_with = "trainyard_store::row::rfc3339_opt")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<i64>,
    pub placeholders: Vec<String>,
    /// Every language of this event: the editor's list, with the gaps.
    pub languages: Vec<TemplateLanguage>,
}

/// The event's wording in `language` from the stored rows of this event (any languages).
fn view_in(info: &EventInfo, language: &str, stored: &[StoredTemplate]) -> MessageTemplate {
    let row = |l: &str| {
        stored
            .iter()
            .find(|t| t.event == info.event && t.language == l)
    };
    let own = row(language);
    let builtin = builtin_in(info.event, language);
    let (subject, body) = match (own, builtin) {
        (Some(t), _) => (t.subject.clone(), t.body.clone()),
        (None, Some((s, b))) => (s.to_owned(), b.to_owned()),
        (None, None) => row("en").map_or_else(
            || (info.subject.to_owned(), info.body.to_owned()),
            |t| (t.subject.clone(), t.body.clone()),
        ),
    };
    let mut tags: Vec<String> = TEMPLATE_LANGUAGES.iter().map(|l| (*l).to_owned()).collect();
    for t in stored.iter().filter(|t| t.event == info.event) {
        if !tags.contains(&t.language) {
            tags.push(t.language.clone());
        }
    }
    let languages = tags
        .into_iter()
        .map(|l| {
            let customized = row(&l).is_some();
            TemplateLanguage {
                name: LanguageTag::parse(&l)
                    .map(|t| t.own_name().to_owned())
                    .unwrap_or_else(|_| l.clone()),
                available: customized || builtin_in(info.event, &l).is_some(),
                customized,
                language: l,
            }
        })
        .collect();
    MessageTemplate {
        event: info.event.into(),
        label: info.label.into(),
        language: language.to_owned(),
        subject,
        body,
        customized: own.is_some(),
        fallback: own.is_none() && builtin.is_none(),
        version: own.map_or(0, |t| t.version),
        updated_at: own.map(|t| t.updated_at),
        placeholders: info.placeholders.iter().map(|p| (*p).to_owned()).collect(),
        languages,
    }
}

fn may_edit(caller: &Caller) -> bool {
    matches!(caller.role, Role::Admin | Role::Manager)
}

fn known(event: &str) -> Result<&'static EventInfo, AppError> {
    event_info(event).ok_or(AppError::NotFound("message template"))
}

/// The template language of a tag typed in the editor or the API: its primary language.
fn template_language(raw: &str) -> Result<String, AppError> {
    match raw.trim() {
        "" => Ok("en".into()),
        raw => LanguageTag::parse(raw)
            .map(|t| t.language().to_owned())
            .map_err(|e| {
                let mut inv = Invalid::new();
                inv.add("language", e.to_string());
                AppError::from(inv)
            }),
    }
}

/// Every event with its current English wording and the languages it exists in.
pub async fn list_templates(app: &App, caller: &Caller) -> Result<Vec<MessageTemplate>, AppError> {
    list_templates_in(app, caller, "en").await
}

/// [`list_templates`] with each wording in `language` (English where it has none), for an
/// editor who reads that language.
pub async fn list_templates_in(
    app: &App,
    caller: &Caller,
    language: &str,
) -> Result<Vec<MessageTemplate>, AppError> {
    caller.require(may_edit(caller), "edit message templates")?;
    let mut conn = app.store.read().await?;
    let stored = repo::all(&mut conn).await?;
    Ok(EVENTS
        .iter()
        .map(|e| view_in(e, language, &stored))
        .collect())
}

pub async fn get_template(
    app: &App,
    caller: &Caller,
    event: &str,
) -> Result<MessageTemplate, AppError> {
    get_template_in(app, caller, event, "en").await
}

/// The event's wording in `language`; the English wording (with `fallback`) when it has none.
pub async fn get_template_in(
    app: &App,
    caller: &Caller,
    event: &str,
    language: &str,
) -> Result<MessageTemplate, AppError> {
    caller.require(may_edit(caller), "edit message templates")?;
    let info = known(event)?;
    let language = template_language(language)?;
    let mut conn = app.store.read().await?;
    let stored = stored_of(&mut conn, event).await?;
    Ok(view_in(info, &language, &stored))
}

async fn stored_of(conn: &mut Conn, event: &str) -> Result<Vec<StoredTemplate>, AppError> {
    Ok(repo::all(conn)
        .await?
        .into_iter()
        .filter(|t| t.event == event)
        .collect())
}

/// Normalised input: browser line endings, trimmed subject, length limits.
fn clean(subject: &str, body: &str) -> Result<(String, String), Invalid> {
    let subject = subject.trim().to_owned();
    let body = body.replace("\r\n", "\n");
    let mut inv = Invalid::new();
    if subject.is_empty() {
        inv.add("subject", "a message needs a subject");
    } else if subject.chars().count() > MAX_SUBJECT {
        inv.add("subject", format!("at most {MAX_SUBJECT} characters"));
    }
    if body.trim().is_empty() {
        inv.add("body", "a message needs a text");
    } else if body.chars().count() > MAX_BODY {
        inv.add("body", format!("at most {MAX_BODY} characters"));
    }
    inv.or_ok((subject, body))
}

/// The sample values written the way `language` writes dates.
pub fn sample_context_in(language: &str) -> serde_json::Value {
    let mut sample = sample_context();
    if language == "de" {
        for (k, v) in [
            ("starts", "04.05.2027 09:00 MESZ"),
            ("ends", "05.05.2027 17:00 MESZ"),
            (
                "when",
                "Di. 04.05.2027 09:00–17:00, Mi. 05.05.2027 09:00–17:00 MESZ",
            ),
            ("offer_expires", "28.04.2027 12:00 MESZ"),
            ("expires", "28.04.2027 12:00 MESZ"),
            ("amount", "1.780,00 €"),
            ("due_date", "04.06.2027"),
            ("valid_until", "05.05.2029"),
        ] {
            sample[k] = v.into();
        }
    }
    sample
}

/// Renders a draft with sample values, without saving. Template errors are `Invalid`, by field.
pub fn preview_template(
    caller: &Caller,
    event: &str,
    subject: &str,
    body: &str,
) -> Result<(String, String), AppError> {
    preview_template_in(caller, event, "en", subject, body)
}

/// [`preview_template`] with the sample values of `language`.
pub fn preview_template_in(
    caller: &Caller,
    event: &str,
    language: &str,
    subject: &str,
    body: &str,
) -> Result<(String, String), AppError> {
    caller.require(may_edit(caller), "edit message templates")?;
    known(event)?;
    let language = template_language(language)?;
    let (subject, body) = clean(subject, body)?;
    Ok(render(&subject, &body, &sample_context_in(&language))?)
}

/// Saves new English wording for `event` (see [`save_template_in`]).
pub async fn save_template(
    app: &App,
    caller: &Caller,
    event: &str,
    subject: &str,
    body: &str,
    version: i64,
) -> Result<MessageTemplate, AppError> {
    save_template_in(app, caller, event, "en", subject, body, version).await
}

/// Saves new wording for `event` in `language` after checking that it renders; audited.
/// `version` is the one the editor loaded (0 for the built-in wording or none yet).
pub async fn save_template_in(
    app: &App,
    caller: &Caller,
    event: &str,
    language: &str,
    subject: &str,
    body: &str,
    version: i64,
) -> Result<MessageTemplate, AppError> {
    caller.require(may_edit(caller), "edit message templates")?;
    let info = known(event)?;
    let language = template_language(language)?;
    let (subject, body) = clean(subject, body)?;
    render(&subject, &body, &sample_context_in(&language))?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = view_in(info, &language, &stored_of(&mut tx, event).await?);
    if before.version != version {
        return Err(AppError::Stale("the message template"));
    }
    let user = (caller.user_id != 0).then_some(caller.user_id);
    repo::save_in(
        &mut tx, event, &language, &subject, &body, user, version, now,
    )
    .await
    .about("the message template")?;
    let after = view_in(info, &language, &stored_of(&mut tx, event).await?);
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "message_template.updated",
        ("message_template", 0),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Back to the built-in English wording (see [`reset_template_in`]).
pub async fn reset_template(
    app: &App,
    caller: &Caller,
    event: &str,
    version: i64,
) -> Result<MessageTemplate, AppError> {
    reset_template_in(app, caller, event, "en", version).await
}

/// Back to the built-in wording in `language` (none: English is sent again); audited.
/// Resetting a template that is not edited changes nothing.
pub async fn reset_template_in(
    app: &App,
    caller: &Caller,
    event: &str,
    language: &str,
    version: i64,
) -> Result<MessageTemplate, AppError> {
    caller.require(may_edit(caller), "edit message templates")?;
    let info = known(event)?;
    let language = template_language(language)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = view_in(info, &language, &stored_of(&mut tx, event).await?);
    if !before.customized {
        return Ok(before);
    }
    if before.version != version || !repo::delete_in(&mut tx, event, &language, version).await? {
        return Err(AppError::Stale("the message template"));
    }
    let after = view_in(info, &language, &stored_of(&mut tx, event).await?);
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "message_template.reset",
        ("message_template", 0),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

// ------------------------------------------------------------------ use cases: who messages are from

pub use trainyard_store::templates::MessageSettings;

/// Longest company name the header and From may show.
pub const MAX_COMPANY: usize = 100;

fn may_configure(caller: &Caller) -> bool {
    caller.role == Role::Admin
}

/// The company name, sender and reply-to every message uses. Administrators only.
pub async fn get_settings(app: &App, caller: &Caller) -> Result<MessageSettings, AppError> {
    caller.require(may_configure(caller), "configure messages")?;
    let mut conn = app.store.read().await?;
    Ok(repo::settings(&mut conn).await?)
}

/// Checks and trims what an administrator entered: a name of reasonable length on one line,
/// addresses that are addresses (or empty: not configured).
fn clean_settings(company: &str, sender: &str, reply_to: &str) -> Result<MessageSettings, Invalid> {
    let mut inv = Invalid::new();
    let company = one_line(company);
    if company.chars().count() > MAX_COMPANY {
        inv.add("company_name", format!("at most {MAX_COMPANY} characters"));
    }
    let mut address = |field: &str, raw: &str| match raw.trim() {
        "" => String::new(),
        raw => match trainyard_core::EmailAddress::parse(raw) {
            Ok(a) => a.as_str().to_owned(),
            Err(e) => {
                inv.add(field, e.to_string());
                String::new()
            }
        },
    };
    let sender_email = address("sender_email", sender);
    let reply_to = address("reply_to", reply_to);
    inv.or_ok(MessageSettings {
        company_name: company,
        sender_email,
        reply_to,
        default_language: String::new(),
        updated_at: None,
        version: 0,
    })
}

/// Saves who messages are from; audited. `version` is the one the form loaded (0: never saved).
/// Messages already queued take the new sender too: it is applied when they are sent.
pub async fn save_settings(
    app: &App,
    caller: &Caller,
    company_name: &str,
    sender_email: &str,
    reply_to: &str,
    version: i64,
) -> Result<MessageSettings, AppError> {
    caller.require(may_configure(caller), "configure messages")?;
    let mut input = clean_settings(company_name, sender_email, reply_to)?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::settings(&mut tx).await?;
    if before.version != version {
        return Err(AppError::Stale("the message settings"));
    }
    // The company's language is set on its own ([`save_company_language`]).
    input.default_language = before.default_language.clone();
    let user = (caller.user_id != 0).then_some(caller.user_id);
    let after = repo::save_settings(&mut tx, &input, user, version, now)
        .await
        .about("the message settings")?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "message_settings.updated",
        ("message_settings", 1),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Sets the company's language, the last step before English when a person and their client
/// have none (empty: English). Administrators; audited. `version` as for [`save_settings`].
pub async fn save_company_language(
    app: &App,
    caller: &Caller,
    language: &str,
    version: i64,
) -> Result<MessageSettings, AppError> {
    caller.require(may_configure(caller), "configure messages")?;
    let tag = LanguageTag::parse_optional(language).map_err(|e| {
        let mut inv = Invalid::new();
        inv.add("default_language", e.to_string());
        AppError::from(inv)
    })?;
    let now = now_ms();
    let mut tx = app.store.write().await?;
    let before = repo::settings(&mut tx).await?;
    if before.version != version {
        return Err(AppError::Stale("the message settings"));
    }
    let mut input = before.clone();
    input.default_language = tag.map(|t| t.to_string()).unwrap_or_default();
    let user = (caller.user_id != 0).then_some(caller.user_id);
    let after = repo::save_settings(&mut tx, &input, user, version, now)
        .await
        .about("the message settings")?;
    crate::audit::record(
        &mut tx,
        caller,
        now,
        "message_settings.updated",
        ("message_settings", 1),
        Some(&before),
        Some(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The placeholders a template uses: every `{{ name` and `{% if name`/`for x in name`.
    fn placeholders_of(template: &str) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        for (open, _) in template.match_indices("{{") {
            let rest = template[open + 2..].trim_start();
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
        out
    }

    #[test]
    fn every_event_has_german_wording_with_the_same_placeholders() {
        let mut missing = Vec::new();
        for e in EVENTS {
            let Some((subject, body)) = builtin_in(e.event, "de") else {
                missing.push(e.event);
                continue;
            };
            assert_eq!(
                placeholders_of(subject),
                placeholders_of(e.subject),
                "{}: the German subject fills other placeholders than the English one",
                e.event
            );
            assert_eq!(
                placeholders_of(body),
                placeholders_of(e.body),
                "{}: the German body fills other placeholders than the English one",
                e.event
            );
            let (s, b) = render(subject, body, &sample_context_in("de"))
                .unwrap_or_else(|err| panic!("{}: {err}", e.event));
            assert!(!s.is_empty() && !s.contains("{{"), "{}: {s}", e.event);
            assert!(!b.contains("{{") && !b.contains("{%"), "{}: {b}", e.event);
            assert!(b.starts_with("Guten Tag"), "{}: {b}", e.event);
        }
        assert!(
            missing.is_empty(),
            "events without German wording: {missing:?}"
        );
        // And no German wording for an event Trainyard does not send.
        for (event, _, _) in GERMAN {
            assert!(event_info(event).is_some(), "{event}: no such event");
        }
    }

    #[test]
    fn a_certificate_reminder_reads_german_with_german_dates() {
        let (subject, body) = builtin_in("certificate_expiring", "de").expect("German wording");
        let mut ctx = sample_context_in("de");
        ctx["company"] = "Northwind Training".into();
        let (s, b) = render(subject, body, &ctx).expect("renders");
        assert!(s.contains("läuft am 28.04.2027 12:00 MESZ ab"), "{s}");
        assert!(b.contains("ist gültig bis 28.04.2027"), "{b}");
        assert!(
            b.contains("Ihr Schulungsteam von Northwind Training"),
            "{b}"
        );
        assert!(!b.contains("Hello") && !b.contains("valid until"), "{b}");
    }

    #[test]
    fn built_in_wording_renders_with_the_sample_for_every_event() {
        for e in EVENTS {
            let (s, b) = render(e.subject, e.body, &sample_context())
                .unwrap_or_else(|err| panic!("{}: {err}", e.event));
            assert!(!s.is_empty() && !s.contains("{{"), "{}: {s}", e.event);
            assert!(!b.contains("{{") && !b.contains("{%"), "{}: {b}", e.event);
        }
    }

    #[test]
    fn placeholders_filters_and_blocks() {
        let ctx = json!({ "learner_name": "Ada", "place": "" });
        let (s, b) = render(
            "Hi {{ learner_name | upper }}\n again",
            "{% if place %}Where: {{ place }}{% else %}Online{% endif %}\n{{ missing }}end\n",
            &ctx,
        )
        .unwrap();
        assert_eq!(s, "Hi ADA again");
        assert_eq!(b, "Online\nend\n");
    }

    #[test]
    fn syntax_errors_name_the_field_and_line() {
        let err = render("ok", "line one\n{% if x %}never closed", &json!({})).unwrap_err();
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].field, "body");
        assert!(err.errors[0].message.contains("line"), "{err}");
        let err = render("{{ broken", "fine", &json!({})).unwrap_err();
        assert_eq!(err.errors[0].field, "subject");
    }

    #[test]
    fn runaway_templates_stop() {
        let err = render(
            "x",
            "{% for a in range(100000) %}{% for b in range(100000) %}.{% endfor %}{% endfor %}",
            &json!({}),
        )
        .unwrap_err();
        assert_eq!(err.errors[0].field, "body");
    }

    #[test]
    fn session_change_wording_is_what_the_code_used_to_write() {
        let ctx = json!({
            "recipient_name": "Ada Lovelace", "course_title": "Excel", "reference": "S-00007",
            "starts": "2027-05-04 09:00 CEST", "ends": "2027-05-04 12:00 CEST", "place": "Venue BER",
        });
        let when = "2027-05-04 09:00 CEST – 2027-05-04 12:00 CEST";
        for (event, subject, line) in [
            (
                "session_changed",
                "Changed: Excel (S-00007)",
                format!("The session has new times: {when}."),
            ),
            (
                "session_cancelled",
                "Cancelled: Excel (S-00007)",
                format!("The session planned for {when} is cancelled."),
            ),
            (
                "session_postponed",
                "Postponed: Excel (S-00007)",
                format!("The session planned for {when} is postponed; new dates will follow."),
            ),
            (
                "session_confirmed",
                "Confirmed: Excel (S-00007)",
                format!("The session takes place as planned: {when}."),
            ),
        ] {
            let (s, b) = default_template(event);
            let (s, b) = render(s, b, &ctx).unwrap();
            assert_eq!(s, subject);
            assert_eq!(
                b,
                format!(
                    "Hello Ada Lovelace,\n\n{line}\nWhere: Venue BER\n\nTrainyard, on behalf of your training team\n"
                )
            );
        }
    }

    #[test]
    fn joining_instructions_show_address_link_and_notes_only_when_there() {
        let (s, b) = default_template("joining_instructions");
        let ctx = json!({
            "recipient_name": "Ada", "course_title": "Excel", "reference": "S-1", "starts": "Mon",
            "place": "Online", "join_url": "https://meet.example.com/x", "instructions": "Test your microphone.",
        });
        let (_, body) = render(s, b, &ctx).unwrap();
        assert_eq!(
            body,
            "Hello Ada,\n\nExcel (S-1) starts Mon.\nWhere: Online\nJoin online: https://meet.example.com/x\n\nTest your microphone.\n"
        );
        let ctx = json!({
            "recipient_name": "Ada", "course_title": "Excel", "reference": "S-1", "starts": "Mon",
            "place": "Venue BER, Room 2", "address": "Street 1, Berlin", "join_url": "", "instructions": "",
        });
        let (_, body) = render(s, b, &ctx).unwrap();
        assert_eq!(
            body,
            "Hello Ada,\n\nExcel (S-1) starts Mon.\nWhere: Venue BER, Room 2\nStreet 1, Berlin\n"
        );
    }

    fn part(id: i64, starts: &str, ends: &str, status: &str) -> Part {
        let z = TimeZoneName::parse("Europe/Berlin").unwrap();
        Part {
            id,
            position: id,
            starts_at: z.parse_local(starts).unwrap(),
            ends_at: z.parse_local(ends).unwrap(),
            status: status.into(),
            sequence: 0,
        }
    }

    #[test]
    fn days_read_one_by_one_in_the_recipients_zone() {
        let berlin = TimeZoneName::parse("Europe/Berlin").unwrap();
        let parts = [
            part(1, "2026-12-28T09:30", "2026-12-28T17:00", "scheduled"),
            part(2, "2026-12-29T09:30", "2026-12-29T17:00", "scheduled"),
            part(3, "2026-12-30T09:30", "2026-12-30T17:00", "cancelled"),
        ];
        assert_eq!(
            days(&parts, &berlin),
            "Mon 28 Dec 09:30–17:00, Tue 29 Dec 09:30–17:00 CET"
        );
        let london = TimeZoneName::parse("Europe/London").unwrap();
        assert_eq!(days(&parts[..1], &london), "Mon 28 Dec 08:30–16:00 GMT");
        let night = [part(1, "2026-12-28T22:00", "2026-12-29T02:00", "scheduled")];
        assert_eq!(
            days(&night, &berlin),
            "Mon 28 Dec 22:00 – Tue 29 Dec 02:00 CET"
        );
        assert_eq!(days(&[], &berlin), "");
    }

    #[test]
    fn the_html_alternative_says_the_same_escaped_with_links_and_buttons() {
        let body = "Hello <Ada> & co,\n\nWhen: Mon → Tue\nWhere: Room \"2\"\nSee https://example.com/a?b=1&c=2.\nDetails: https://example.com/p/1\n";
        let brand = Branding {
            company: "Acme & Sons".into(),
            reply_to: Some("team@acme.example".into()),
        };
        let h = html("Changed: <X>", body, &brand).unwrap();
        assert!(h.contains("Hello &lt;Ada&gt; &amp; co,"), "{h}");
        assert!(h.contains(">Acme &amp; Sons</td>"), "{h}");
        assert!(h.contains("<title>Changed: &lt;X&gt;</title>"), "{h}");
        assert!(
            h.contains("line-through;\">Mon</span>") && h.contains("Tue</strong>"),
            "{h}"
        );
        assert!(h.contains("Room &quot;2&quot;"), "{h}");
        assert!(
            h.contains("<a href=\"https://example.com/a?b=1&amp;c=2\"") && h.contains("</a>."),
            "{h}"
        );
        assert!(
            h.contains("href=\"https://example.com/p/1\"") && h.contains(">Details</a>"),
            "{h}"
        );
        assert!(h.contains("mailto:team@acme.example"), "{h}");
        assert!(!h.contains("<img") && !h.contains("<link") && !h.contains("<script"));
        let plain = html("S", "Hi", &Branding::default()).unwrap();
        assert!(
            plain.contains(">Trainyard</td>") && !plain.contains("mailto:"),
            "{plain}"
        );
    }

    #[test]
    fn session_messages_carry_days_place_or_joining_link_link_and_changes() {
        let online = json!({
            "recipient_name": "Ada", "course_title": "Excel", "reference": "S-1",
            "starts": "2026-12-28 09:30 CET", "ends": "2026-12-29 17:00 CET",
            "when": "Mon 28 Dec 09:30–17:00, Tue 29 Dec 09:30–17:00 CET", "several_days": true,
            "place": "Online", "address": "", "join_url": "https://meet.example.com/x",
            "instructions": "Test your microphone.", "session_url": "https://t.example.com/portal/enrollments/3",
            "company": "Acme Training",
        });
        let (s, b) = default_template("session_confirmed");
        let (_, body) = render(s, b, &online).unwrap();
        assert_eq!(
            body,
            "Hello Ada,\n\nThe session takes place as planned: Mon 28 Dec 09:30–17:00, Tue 29 Dec 09:30–17:00 CET.\nWhere: Online\nJoin online: https://meet.example.com/x\nNotes: Test your microphone.\n\nDetails: https://t.example.com/portal/enrollments/3\n\nYour training team at Acme Training\n"
        );
        let (s, b) = default_template("session_cancelled");
        let (_, body) = render(s, b, &online).unwrap();
        assert!(
            body.contains(
                "is cancelled.\nIts days: Mon 28 Dec 09:30–17:00, Tue 29 Dec 09:30–17:00 CET\n"
            ),
            "{body}"
        );
        let mut moved = online.clone();
        moved["changes"] = json!([{ "what": "Joining link", "before": "none", "after": "https://meet.example.com/x" }]);
        let (s, b) = default_template("session_changed");
        let (_, body) = render(s, b, &moved).unwrap();
        assert!(
            body.starts_with("Hello Ada,\n\nExcel (S-1) has changed:\nJoining link: none → https://meet.example.com/x\n\nWhen: Mon 28 Dec"),
            "{body}"
        );
    }

    #[test]
    fn fill_is_kept_for_simple_callers() {
        assert_eq!(fill("a {{ x }} b {{ y }}", &json!({ "x": 1 })), "a 1 b ");
    }
}
