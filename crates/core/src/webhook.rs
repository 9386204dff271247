//! Webhooks: which changes become events, which endpoints may receive them, and how often a
//! failed delivery is tried again. Pure rules; the store keeps endpoints and deliveries, the app
//! signs and sends (Standard Webhooks).
//!
//! An event's type is the audit action of the change that caused it (`session.cancelled`,
//! `enrollment.booked`, `invoice.issued`…) when the action's record kind is one of
//! [`EVENT_FAMILIES`]. Accounts, tokens, feeds and settings never leave as events.

use crate::Invalid;

/// The kinds of record whose changes are published, with what they cover, in the order the
/// endpoint form lists them.
pub const EVENT_FAMILIES: &[(&str, &str)] = &[
    (
        "session",
        "Sessions: created, updated, scheduled, confirmed, cancelled, postponed, delivered, staffed, rooms booked",
    ),
    (
        "assignment",
        "Instructor assignments: proposed, requested, accepted, declined, confirmed, cancelled, substituted",
    ),
    (
        "enrollment",
        "Enrollments: booked, waitlisted, promoted, cancelled, transferred, attended, completed",
    ),
    ("invoice", "Invoices: drafted, issued, paid, credit notes"),
    ("certificate", "Certificates: issued, revoked"),
    ("program", "Programs: created, updated"),
    ("course", "Courses: created, updated, archived"),
    ("learner", "Learners: created, updated, archived"),
    (
        "instructor",
        "Instructors: created, updated, qualifications, time off",
    ),
    ("client", "Clients: created, updated, archived"),
    ("venue", "Venues: created, updated, archived"),
    ("resource", "Rooms and equipment: created, updated, closed"),
];

/// The event type an audited change publishes, if any: its action when the action is
/// `family.verb` for a published family, with a lifecycle command in the past tense, as events
/// are facts (`session.cancel` → `session.cancelled`, `assignment.confirm` →
/// `assignment.confirmed`, `session.instructor_request` → `session.instructor_requested`).
pub fn event_type_of(action: &str) -> Option<String> {
    let (family, verb) = action.split_once('.')?;
    if !(is_family(family) && is_word(verb)) {
        return None;
    }
    let (head, last) = match verb.rsplit_once('_') {
        Some((h, l)) => (Some(h), l),
        None => (None, verb),
    };
    let past = PAST_TENSE
        .iter()
        .find(|(cmd, _)| *cmd == last)
        .map_or(last, |(_, p)| *p);
    Some(match head {
        Some(h) => format!("{family}.{h}_{past}"),
        None => format!("{family}.{past}"),
    })
}

/// The lifecycle commands of sessions and assignments, and the facts they become.
const PAST_TENSE: &[(&str, &str)] = &[
    ("schedule", "scheduled"),
    ("confirm", "confirmed"),
    ("deliver", "delivered"),
    ("close", "closed"),
    ("cancel", "cancelled"),
    ("postpone", "postponed"),
    ("reschedule", "rescheduled"),
    ("request", "requested"),
    ("accept", "accepted"),
    ("decline", "declined"),
    ("issue", "issued"),
    ("revoke", "revoked"),
];

fn is_family(f: &str) -> bool {
    EVENT_FAMILIES.iter().any(|(name, _)| *name == f)
}

fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 60
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The event types an endpoint subscribes to: `*` (everything), `family.*` or `family.verb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter(Vec<String>);

impl EventFilter {
    /// Parses patterns separated by spaces, commas or new lines. At least one; each names a
    /// published family.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut patterns: Vec<String> = Vec::new();
        for p in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let p = p.to_ascii_lowercase();
            let ok = p == "*"
                || p.split_once('.').is_some_and(|(family, verb)| {
                    is_family(family) && (verb == "*" || is_word(verb))
                });
            if !ok {
                let families: Vec<&str> = EVENT_FAMILIES.iter().map(|(f, _)| *f).collect();
                return Err(format!(
                    "'{p}' is not an event type pattern: use *, family.* or family.action, where family is one of {}",
                    families.join(", ")
                ));
            }
            if !patterns.contains(&p) {
                patterns.push(p);
            }
        }
        if patterns.is_empty() {
            return Err(
                "choose at least one event type (e.g. session.* or * for every event)".into(),
            );
        }
        if patterns.len() > 50 {
            return Err("at most 50 patterns".into());
        }
        Ok(Self(patterns))
    }

    pub fn matches(&self, event_type: &str) -> bool {
        self.0.iter().any(|p| pattern_matches(p, event_type))
    }

    pub fn patterns(&self) -> &[String] {
        &self.0
    }

    /// The stored form: patterns separated by single spaces.
    pub fn to_text(&self) -> String {
        self.0.join(" ")
    }
}

/// Whether one stored pattern covers `event_type`.
pub fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    match pattern.strip_suffix(".*") {
        _ if pattern == "*" => true,
        Some(family) => event_type.split_once('.').is_some_and(|(f, _)| f == family),
        None => pattern == event_type,
    }
}

/// Whether any of the space-separated stored `patterns` covers `event_type`.
pub fn any_matches(patterns: &str, event_type: &str) -> bool {
    patterns
        .split_whitespace()
        .any(|p| pattern_matches(p, event_type))
}

/// Checks an endpoint URL: `https://…`, or `http://` to this machine only (127.0.0.1, ::1,
/// localhost), so that events never cross a network in clear text. Returns it trimmed.
pub fn endpoint_url(raw: &str) -> Result<String, String> {
    let url = raw.trim();
    if url.is_empty() {
        return Err("enter the address events are sent to".into());
    }
    if url.len() > 2000 {
        return Err("at most 2,000 characters".into());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("an address has no spaces".into());
    }
    let lower = url.to_ascii_lowercase();
    let (https, rest) = if let Some(r) = lower.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (false, r)
    } else {
        return Err("the address must start with https:// (or http:// for this machine)".into());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, tail)) if tail.is_empty() || tail.starts_with(':') => h,
            _ => return Err("the address has a malformed IPv6 host".into()),
        }
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return Err("the address has no host".into());
    }
    if let Some(port) = host_port.rsplit_once("]:").map(|(_, p)| p).or_else(|| {
        (!host_port.starts_with('['))
            .then(|| host_port.split_once(':').map(|(_, p)| p))
            .flatten()
    }) && (port.is_empty() || port.parse::<u16>().map_or(true, |p| p == 0))
    {
        return Err(format!("'{port}' is not a port number"));
    }
    if !https && !is_loopback(host) {
        return Err(
            "plain http:// is only allowed to this machine (127.0.0.1, ::1 or localhost); use https://"
                .into(),
        );
    }
    Ok(url.to_owned())
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The waits after each failed attempt of one delivery: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h,
/// 2 h, 4 h, 8 h, 8 h. After the last, about 24 hours after the first attempt, the delivery is
/// given up and the endpoint moves on to its next event.
pub const RETRY_SCHEDULE_MS: &[i64] = &[
    5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000,
    28_800_000,
];

/// When to try a delivery again after `attempts` failed attempts (this one included), or `None`
/// to give it up.
pub fn retry_after_ms(attempts: i64) -> Option<i64> {
    usize::try_from(attempts - 1)
        .ok()
        .and_then(|i| RETRY_SCHEDULE_MS.get(i).copied())
}

/// When an endpoint is turned off: `failures` consecutive failed attempts (of any of its
/// deliveries) over at least `window_ms` since the first of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisablePolicy {
    pub failures: i64,
    pub window_ms: i64,
}

impl Default for DisablePolicy {
    /// 20 failures in a row spanning more than a day.
    fn default() -> Self {
        Self {
            failures: 20,
            window_ms: 86_400_000,
        }
    }
}

impl DisablePolicy {
    pub fn should_disable(&self, consecutive_failures: i64, failing_since: i64, now: i64) -> bool {
        consecutive_failures >= self.failures && now - failing_since >= self.window_ms
    }
}

/// Validated endpoint input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointInput {
    pub url: String,
    pub description: String,
    pub event_types: EventFilter,
    pub enabled: bool,
}

/// An endpoint as a form or API body gives it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct EndpointFields {
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub enabled: bool,
}

impl EndpointFields {
    pub fn validate(&self) -> Result<EndpointInput, Invalid> {
        let mut inv = Invalid::new();
        let url = inv.check("url", endpoint_url(&self.url));
        let description = self.description.trim().to_owned();
        if description.chars().count() > 500 {
            inv.add("description", "at most 500 characters");
        }
        let event_types = inv.check("event_types", EventFilter::parse(&self.event_types));
        match (url, event_types) {
            (Some(url), Some(event_types)) if inv.is_empty() => Ok(EndpointInput {
                url,
                description,
                event_types,
                enabled: self.enabled,
            }),
            _ => Err(inv),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_come_from_published_families_only() {
        let t = |a: &str| event_type_of(a);
        assert_eq!(t("session.cancelled").as_deref(), Some("session.cancelled"));
        assert_eq!(t("session.cancel").as_deref(), Some("session.cancelled"));
        assert_eq!(
            t("assignment.confirm").as_deref(),
            Some("assignment.confirmed")
        );
        assert_eq!(
            t("session.instructor_request").as_deref(),
            Some("session.instructor_requested")
        );
        assert_eq!(t("enrollment.booked").as_deref(), Some("enrollment.booked"));
        assert_eq!(
            t("session.resource_booked").as_deref(),
            Some("session.resource_booked")
        );
        assert_eq!(event_type_of("user.created"), None);
        assert_eq!(event_type_of("api_token.created"), None);
        assert_eq!(event_type_of("session"), None);
        assert_eq!(event_type_of("session.Bad-Verb"), None);
    }

    #[test]
    fn filters_parse_and_match() {
        let f = EventFilter::parse("session.*, invoice.issued\nenrollment.*").unwrap();
        assert_eq!(f.to_text(), "session.* invoice.issued enrollment.*");
        assert!(f.matches("session.created"));
        assert!(f.matches("invoice.issued"));
        assert!(!f.matches("invoice.drafted"));
        assert!(!f.matches("sessionx.created"));
        assert!(any_matches(&f.to_text(), "enrollment.cancelled"));
        assert!(EventFilter::parse("*").unwrap().matches("course.created"));
        assert!(EventFilter::parse("").is_err());
        assert!(EventFilter::parse("user.*").is_err());
        assert!(EventFilter::parse("session").is_err());
        assert!(EventFilter::parse("session.*.x").is_err());
        assert_eq!(
            EventFilter::parse("Session.* session.*")
                .unwrap()
                .patterns()
                .len(),
            1
        );
    }

    #[test]
    fn urls_are_https_or_loopback_http() {
        assert!(endpoint_url("https://hooks.example.com/in").is_ok());
        assert!(endpoint_url("https://user:pw@example.com:8443/x?y=1").is_ok());
        assert!(endpoint_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(endpoint_url("http://localhost/hook").is_ok());
        assert!(endpoint_url("http://[::1]:9000/hook").is_ok());
        assert!(endpoint_url("http://127.1.2.3/").is_ok());
        assert!(endpoint_url("http://example.com/hook").is_err());
        assert!(endpoint_url("http://127.0.0.1.example.com/").is_err());
        assert!(endpoint_url("http://localhost@evil.com/").is_err());
        assert!(endpoint_url("ftp://example.com").is_err());
        assert!(endpoint_url("https://").is_err());
        assert!(endpoint_url("https://example.com:notaport/").is_err());
        assert!(endpoint_url("https://exa mple.com").is_err());
        assert!(endpoint_url("").is_err());
    }

    #[test]
    fn retries_back_off_then_give_up() {
        assert_eq!(retry_after_ms(1), Some(5_000));
        assert_eq!(retry_after_ms(2), Some(30_000));
        assert_eq!(retry_after_ms(10), Some(28_800_000));
        assert_eq!(retry_after_ms(11), None);
        assert_eq!(retry_after_ms(0), None);
        let total: i64 = RETRY_SCHEDULE_MS.iter().sum();
        assert!(total > 20 * 3_600_000 && total < 30 * 3_600_000);
    }

    #[test]
    fn disabling_needs_both_the_count_and_the_span() {
        let p = DisablePolicy::default();
        assert!(!p.should_disable(19, 0, 2 * 86_400_000));
        assert!(!p.should_disable(25, 0, 3_600_000));
        assert!(p.should_disable(20, 0, 86_400_000));
    }

    #[test]
    fn fields_name_each_problem() {
        let f = EndpointFields {
            url: "http://example.com".into(),
            description: String::new(),
            event_types: "nope".into(),
            enabled: true,
        };
        let inv = f.validate().unwrap_err();
        assert!(inv.message_for("url").is_some());
        assert!(inv.message_for("event_types").is_some());
    }
}
