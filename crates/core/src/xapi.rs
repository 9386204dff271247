//! xAPI (Experience API 1.0.3) hand-off to a Learning Record Store (issue 18 §4): which changes
//! become statements, what a statement says, how its id stays the same for the same event, the
//! LRS settings, and reading completions back. Pure: the app crate hashes, sends and stores.

use crate::Invalid;
use serde::Serialize;

/// The xAPI version every request names (`X-Experience-API-Version`).
pub const VERSION: &str = "1.0.3";

/// The ADL verbs Trainyard states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Attended,
    Completed,
    Passed,
    Failed,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Attended => "attended",
            Verb::Completed => "completed",
            Verb::Passed => "passed",
            Verb::Failed => "failed",
        }
    }

    /// The verb's IRI in the ADL vocabulary.
    pub fn iri(self) -> String {
        format!("http://adlnet.gov/expapi/verbs/{}", self.as_str())
    }

    /// Whether a statement with this verb shows an activity done (for prerequisites).
    pub fn shows_done(iri: &str) -> bool {
        iri == Verb::Completed.iri() || iri == Verb::Passed.iri()
    }
}

/// The verb an audited action states, if any: a learner attended (every part recorded, present at
/// some), completed or failed the session at its closing, or passed it with a certificate.
pub fn verb_of(action: &str) -> Option<Verb> {
    match action {
        "enrollment.attended" => Some(Verb::Attended),
        "enrollment.completed" => Some(Verb::Completed),
        "enrollment.failed" => Some(Verb::Failed),
        "certificate.issued" => Some(Verb::Passed),
        _ => None,
    }
}

/// What a statement is made of, read from the enrollment it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub enrollment_id: i64,
    pub learner_email: String,
    pub learner_name: String,
    pub course_id: i64,
    pub course_title: String,
    pub session_id: i64,
    pub session_reference: String,
}

/// The text hashed into a statement's id: the installation's address, the verb and the
/// enrollment. The same event (a retry, the status set again) always yields the same id, so the
/// LRS, which keeps one statement per id, never holds it twice.
pub fn statement_seed(base_url: &str, verb: Verb, enrollment_id: i64) -> String {
    format!(
        "trainyard-xapi|{}|{}|{enrollment_id}",
        base_url.trim_end_matches('/'),
        verb.as_str()
    )
}

/// The registration (context) of an enrollment: every statement about it shares one.
pub fn registration_seed(base_url: &str, enrollment_id: i64) -> String {
    format!(
        "trainyard-xapi|{}|registration|{enrollment_id}",
        base_url.trim_end_matches('/')
    )
}

/// A UUID (RFC 9562 version 8, "custom") from the first 16 bytes of a digest.
pub fn uuid_from_digest(digest: &[u8]) -> String {
    let mut b = [0u8; 16];
    for (i, x) in digest.iter().take(16).enumerate() {
        b[i] = *x;
    }
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The activity id of a course: an address under the installation's public URL.
pub fn course_activity(base_url: &str, course_id: i64) -> String {
    format!(
        "{}/xapi/courses/{course_id}",
        base_url.trim_end_matches('/')
    )
}

/// The activity id of a session, the statement's grouping.
pub fn session_activity(base_url: &str, session_id: i64) -> String {
    format!(
        "{}/xapi/sessions/{session_id}",
        base_url.trim_end_matches('/')
    )
}

// ------------------------------------------------------------------ the statement

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Statement {
    pub id: String,
    pub actor: Agent,
    pub verb: VerbObject,
    pub object: Activity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Outcome>,
    pub context: Context,
    pub timestamp: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Agent {
    #[serde(rename = "objectType")]
    pub object_type: &'static str,
    pub mbox: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VerbObject {
    pub id: String,
    pub display: LanguageMap,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LanguageMap {
    #[serde(rename = "en-US")]
    pub en_us: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Activity {
    #[serde(rename = "objectType")]
    pub object_type: &'static str,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<Definition>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Definition {
    pub name: LanguageMap,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<bool>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Context {
    pub registration: String,
    #[serde(rename = "contextActivities")]
    pub context_activities: ContextActivities,
    pub platform: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContextActivities {
    pub grouping: Vec<Activity>,
}

/// The statement of `verb` about `facts`: the learner (by e-mail) did the course (an activity
/// under `base_url`), in the session (grouping) of the enrollment (registration), at `timestamp`.
/// `None` when the learner has no e-mail address, the one identifier every LRS takes.
pub fn statement(
    facts: &Facts,
    verb: Verb,
    base_url: &str,
    id: String,
    registration: String,
    timestamp: String,
) -> Option<Statement> {
    let email = facts.learner_email.trim();
    if email.is_empty() || !email.contains('@') {
        return None;
    }
    let result = match verb {
        Verb::Attended => None,
        Verb::Completed => Some(Outcome {
            success: None,
            completion: Some(true),
        }),
        Verb::Passed => Some(Outcome {
            success: Some(true),
            completion: Some(true),
        }),
        Verb::Failed => Some(Outcome {
            success: Some(false),
            completion: None,
        }),
    };
    Some(Statement {
        id,
        actor: Agent {
            object_type: "Agent",
            mbox: format!("mailto:{email}"),
            name: facts.learner_name.trim().to_owned(),
        },
        verb: VerbObject {
            id: verb.iri(),
            display: LanguageMap {
                en_us: verb.as_str().to_owned(),
            },
        },
        object: Activity {
            object_type: "Activity",
            id: course_activity(base_url, facts.course_id),
            definition: Some(Definition {
                name: LanguageMap {
                    en_us: facts.course_title.clone(),
                },
                kind: "http://adlnet.gov/expapi/activities/course".into(),
            }),
        },
        result,
        context: Context {
            registration,
            context_activities: ContextActivities {
                grouping: vec![Activity {
                    object_type: "Activity",
                    id: session_activity(base_url, facts.session_id),
                    definition: Some(Definition {
                        name: LanguageMap {
                            en_us: facts.session_reference.clone(),
                        },
                        kind: "http://adlnet.gov/expapi/activities/meeting".into(),
                    }),
                }],
            },
            platform: "Trainyard",
        },
        timestamp,
    })
}

// ------------------------------------------------------------------ settings

/// The LRS as an admin types it.
#[derive(Debug, Clone, Default)]
pub struct LrsFields {
    /// The xAPI base address, e.g. `https://lrs.example.com/xAPI` (statements go to
    /// `…/statements`).
    pub url: String,
    /// The basic-auth key (user name).
    pub key: String,
    /// The basic-auth secret; empty keeps the stored one.
    pub secret: String,
    pub enabled: bool,
}

/// Validated settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LrsInput {
    pub url: String,
    pub key: String,
    /// `None`: keep the stored secret.
    pub secret: Option<String>,
    pub enabled: bool,
}

impl LrsFields {
    /// Checks the fields; `has_secret` says whether a secret is stored already (a first
    /// configuration must give one).
    pub fn validate(&self, has_secret: bool) -> Result<LrsInput, Invalid> {
        let mut inv = Invalid::new();
        let url = inv.check("url", crate::webhook::endpoint_url(&self.url));
        let key = self.key.trim().to_owned();
        if key.is_empty() {
            inv.add("key", "give the LRS key (the basic-auth user name)");
        } else if key.contains(':') || key.chars().any(char::is_control) {
            inv.add("key", "a key has no colon");
        }
        let secret = self.secret.trim();
        if secret.is_empty() && !has_secret {
            inv.add("secret", "give the LRS secret");
        }
        let input = LrsInput {
            url: url.unwrap_or_default().trim_end_matches('/').to_owned(),
            key,
            secret: (!secret.is_empty()).then(|| secret.to_owned()),
            enabled: self.enabled,
        };
        inv.or_ok(input)
    }
}

/// The e-learning activity ids typed one per line (or separated by spaces): absolute IRIs,
/// without duplicates, at most 50.
pub fn activity_ids(text: &str) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.split_whitespace() {
        let scheme_ok = raw.split_once(':').is_some_and(|(s, rest)| {
            !s.is_empty()
                && !rest.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if !scheme_ok || raw.len() > 500 {
            return Err(Invalid::field(
                "activity_ids",
                format!(
                    "'{raw}' is not an activity id (an IRI such as https://lms.example.com/activities/intro)"
                ),
            ));
        }
        if !out.iter().any(|o| o == raw) {
            out.push(raw.to_owned());
        }
    }
    if out.len() > 50 {
        return Err(Invalid::field("activity_ids", "at most 50 activities"));
    }
    Ok(out)
}

/// One statement as read back from an LRS, reduced to what readiness needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadStatement {
    pub actor_mbox: Option<String>,
    pub verb: String,
    pub object_id: String,
}

/// Which of `required` the learner `email` has done (completed or passed) according to
/// `statements`; matching the mailbox without regard to case.
pub fn done_activities<'a>(
    required: &'a [String],
    email: &str,
    statements: &[ReadStatement],
) -> Vec<&'a str> {
    let mbox = format!("mailto:{}", email.trim()).to_lowercase();
    required
        .iter()
        .filter(|a| {
            statements.iter().any(|s| {
                s.object_id == **a
                    && Verb::shows_done(&s.verb)
                    && s.actor_mbox.as_deref().map(str::to_lowercase).as_deref() == Some(&mbox)
            })
        })
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            enrollment_id: 7,
            learner_email: "anna@example.com".into(),
            learner_name: "Anna Berg".into(),
            course_id: 3,
            course_title: "First aid".into(),
            session_id: 11,
            session_reference: "FA-2026-01".into(),
        }
    }

    #[test]
    fn actions_map_to_adl_verbs() {
        assert_eq!(verb_of("enrollment.attended"), Some(Verb::Attended));
        assert_eq!(verb_of("enrollment.completed"), Some(Verb::Completed));
        assert_eq!(verb_of("enrollment.failed"), Some(Verb::Failed));
        assert_eq!(verb_of("certificate.issued"), Some(Verb::Passed));
        assert_eq!(verb_of("enrollment.booked"), None);
        assert_eq!(verb_of("certificate.revoked"), None);
        assert_eq!(Verb::Passed.iri(), "http://adlnet.gov/expapi/verbs/passed");
    }

    #[test]
    fn ids_are_stable_per_event_and_valid_uuids() {
        let a = statement_seed("https://t.example/", Verb::Completed, 7);
        assert_eq!(a, statement_seed("https://t.example", Verb::Completed, 7));
        assert_ne!(a, statement_seed("https://t.example", Verb::Attended, 7));
        assert_ne!(a, statement_seed("https://t.example", Verb::Completed, 8));
        let u = uuid_from_digest(&[0xff; 32]);
        assert_eq!(u, "ffffffff-ffff-8fff-bfff-ffffffffffff");
        assert_eq!(u.len(), 36);
        assert_eq!(
            uuid_from_digest(&[0; 32]),
            "00000000-0000-8000-8000-000000000000"
        );
    }

    #[test]
    fn a_statement_names_learner_course_and_session() {
        let s = statement(
            &facts(),
            Verb::Passed,
            "https://t.example/",
            "id".into(),
            "reg".into(),
            "2026-12-07T10:00:00Z".into(),
        )
        .expect("a learner with an address");
        assert_eq!(s.actor.mbox, "mailto:anna@example.com");
        assert_eq!(s.object.id, "https://t.example/xapi/courses/3");
        assert_eq!(
            s.context.context_activities.grouping[0].id,
            "https://t.example/xapi/sessions/11"
        );
        assert_eq!(s.result.as_ref().and_then(|r| r.success), Some(true));
        let mut no_mail = facts();
        no_mail.learner_email = " ".into();
        assert!(
            statement(
                &no_mail,
                Verb::Attended,
                "x",
                "i".into(),
                "r".into(),
                "t".into()
            )
            .is_none()
        );
    }

    #[test]
    fn settings_need_a_secret_once_and_a_safe_address() {
        let f = LrsFields {
            url: "http://127.0.0.1:8100/xAPI/".into(),
            key: "trainyard".into(),
            secret: String::new(),
            enabled: true,
        };
        assert!(f.validate(false).is_err());
        let ok = f.validate(true).expect("kept secret");
        assert_eq!(ok.url, "http://127.0.0.1:8100/xAPI");
        assert_eq!(ok.secret, None);
        let remote = LrsFields {
            url: "http://lrs.example.com/xAPI".into(),
            ..f.clone()
        };
        assert!(remote.validate(true).is_err());
        let colon = LrsFields {
            key: "a:b".into(),
            ..f
        };
        assert!(colon.validate(true).is_err());
    }

    #[test]
    fn activity_ids_are_iris_without_duplicates() {
        assert_eq!(
            activity_ids("https://lms.example/a\nhttps://lms.example/a  urn:x:b").ok(),
            Some(vec![
                "https://lms.example/a".to_owned(),
                "urn:x:b".to_owned()
            ])
        );
        assert!(activity_ids("not an id").is_err());
        assert_eq!(activity_ids("  ").ok(), Some(Vec::new()));
    }

    #[test]
    fn readiness_counts_completed_or_passed_statements_of_the_learner() {
        let req = vec!["https://lms/a".to_owned(), "https://lms/b".to_owned()];
        let st = |who: &str, verb: Verb, obj: &str| ReadStatement {
            actor_mbox: Some(format!("mailto:{who}")),
            verb: verb.iri(),
            object_id: obj.into(),
        };
        let read = vec![
            st("Anna@Example.com", Verb::Completed, "https://lms/a"),
            st("anna@example.com", Verb::Attended, "https://lms/b"),
            st("bob@example.com", Verb::Passed, "https://lms/b"),
        ];
        assert_eq!(
            done_activities(&req, "anna@example.com", &read),
            vec!["https://lms/a"]
        );
        let more = [
            read,
            vec![st("anna@example.com", Verb::Passed, "https://lms/b")],
        ]
        .concat();
        assert_eq!(done_activities(&req, "anna@example.com", &more).len(), 2);
    }
}
