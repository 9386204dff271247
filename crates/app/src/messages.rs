//! The wording of every message Trainyard sends, by event. `compose` renders the subject and body
//! for an event from a context of placeholders (`{{ learner_name }}`, `{{ course_title }}` …).

use crate::AppError;
use trainyard_store::Conn;

/// Built-in wording, used until an administrator edits it.
pub fn default_template(event: &str) -> (&'static str, &'static str) {
    match event {
        "enrollment_confirmed" => (
            "Booked: {{ course_title }} on {{ starts }}",
            "Hello {{ learner_name }},\n\nyou are booked on {{ course_title }} ({{ reference }}), {{ starts }} – {{ ends }}.\nWhere: {{ place }}\n\nSee you there!\n",
        ),
        "enrollment_waitlisted" => (
            "Waiting list: {{ course_title }} on {{ starts }}",
            "Hello {{ learner_name }},\n\n{{ course_title }} ({{ reference }}) on {{ starts }} is full. You are number {{ position }} on the waiting list; we will tell you as soon as a seat frees up.\n",
        ),
        "enrollment_promoted" => (
            "A seat for you: {{ course_title }} on {{ starts }}",
            "Hello {{ learner_name }},\n\ngood news: a seat freed up and you are now booked on {{ course_title }} ({{ reference }}), {{ starts }} – {{ ends }}.\nWhere: {{ place }}\n",
        ),
        "enrollment_offer" => (
            "Seat offered: {{ course_title }} on {{ starts }}",
            "Hello {{ learner_name }},\n\na seat freed up on {{ course_title }} ({{ reference }}), {{ starts }}. It is yours if you accept before {{ offer_expires }}: {{ accept_url }}\n",
        ),
        "enrollment_cancelled" => (
            "Cancelled: your place on {{ course_title }}",
            "Hello {{ learner_name }},\n\nyour place on {{ course_title }} ({{ reference }}) on {{ starts }} is cancelled.\n",
        ),
        _ => ("{{ subject }}", "{{ body }}"),
    }
}

/// Fills `{{ name }}` placeholders from a JSON object; unknown placeholders render empty.
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

/// The subject and body for `event`, rendered with `ctx`.
pub async fn compose(
    _conn: &mut Conn,
    event: &str,
    ctx: &serde_json::Value,
) -> Result<(String, String), AppError> {
    let (subject, body) = default_template(event);
    Ok((fill(subject, ctx), fill(body, ctx)))
}
