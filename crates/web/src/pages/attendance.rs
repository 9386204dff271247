//! The attendance sheet: taken per part by the session's instructor or a coordinator; printable.

use crate::AppState;
use crate::auth::Viewer;
use crate::pages::{Submit, error_page, saved};
use crate::views::{Chrome, viewer_tz, when};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use trainyard_app::attendance;

pub fn routes() -> Router<AppState> {
    Router::new().route("/sessions/{id}/attendance", get(show).post(save))
}

struct SheetLine {
    enrollment_id: i64,
    name: String,
    client: String,
    marks: Vec<&'static str>,
    checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "attendance.html")]
struct AttendancePage {
    chrome: Chrome,
    session_id: i64,
    reference: String,
    title: String,
    when: String,
    place: String,
    back: String,
    parts: Vec<(i64, String, bool)>,
    rows: Vec<SheetLine>,
    /// The teaching instructors with their no-show marks (staff), and whether they may be marked.
    instructors: Vec<trainyard_app::quality::InstructorAttendance>,
    may_mark_instructors: bool,
}

impl AttendancePage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }

    /// The name of part `i`, which labels its mark on a phone, where each learner is a card.
    fn part_label(&self, i: usize) -> &str {
        self.parts.get(i).map(|p| p.1.as_str()).unwrap_or("")
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct PartQuery {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    part: i64,
}

async fn show(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Path(id): Path<i64>,
    Query(q): Query<PartQuery>,
) -> Response {
    let sheet = match attendance::sheet(&s.app, &c, id).await {
        Ok(x) => x,
        Err(e) => return error_page(e, Some(&c)),
    };
    let viewer = viewer_tz(&c);
    let now = trainyard_core::time::now_ms();
    let tz = sheet.session.time_zone.clone();
    // The part being recorded: asked for, or the latest that has started.
    let current = if q.part > 0 {
        q.part
    } else {
        sheet
            .parts
            .iter()
            .filter(|p| p.starts_at <= now)
            .map(|p| p.id)
            .next_back()
            .unwrap_or_else(|| sheet.parts.first().map(|p| p.id).unwrap_or(0))
    };
    let index = sheet
        .parts
        .iter()
        .position(|p| p.id == current)
        .unwrap_or(0);
    let x = &sheet.session;
    let instructors = if c.role.is_staff() {
        trainyard_app::quality::instructor_attendance(&s.app, &c, id)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    AttendancePage {
        may_mark_instructors: c.role.can_edit_operations(),
        instructors,
        chrome: Chrome::new(
            &c,
            if c.role.is_staff() {
                "sessions"
            } else {
                "home"
            },
            None,
        ),
        session_id: id,
        reference: x.reference.clone(),
        title: x.title.clone().unwrap_or_else(|| x.course_title.clone()),
        when: when(x.starts_at, &tz, &viewer),
        place: x.venue_name.clone().unwrap_or_else(|| "Online".into()),
        back: if c.role.is_staff() {
            format!("/sessions/{id}")
        } else {
            "/".into()
        },
        parts: sheet
            .parts
            .iter()
            .map(|p| {
                (
                    p.id,
                    format!(
                        "Part {} · {}",
                        p.position,
                        trainyard_core::TimeZoneName::parse(&tz)
                            .map(|z| z.local(p.starts_at).format("%a %d %b %H:%M").to_string())
                            .unwrap_or_default()
                    ),
                    p.id == current,
                )
            })
            .collect(),
        rows: sheet
            .rows
            .iter()
            .map(|r| SheetLine {
                enrollment_id: r.enrollment.id,
                name: r.enrollment.learner_name.clone(),
                client: r
                    .enrollment
                    .client_name
                    .clone()
                    .unwrap_or_else(|| "Individual".into()),
                marks: r
                    .presence
                    .iter()
                    .map(|m| match m {
                        Some(true) => "✓ present",
                        Some(false) => "✗ absent",
                        None => "—",
                    })
                    .collect(),
                checked: r.presence.get(index).copied().flatten().unwrap_or(true),
            })
            .collect(),
    }
    .into_response()
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct SaveForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    part_id: i64,
    present: Vec<i64>,
}

async fn save(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form: f }: Submit<SaveForm>,
) -> Response {
    match attendance::record(&s.app, &c, id, f.part_id, &f.present).await {
        Ok(_) => saved(
            &format!("/sessions/{id}/attendance?part={}", f.part_id),
            &format!("Attendance saved: {} present.", f.present.len()),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}
