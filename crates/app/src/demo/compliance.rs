//! Compliance: the first client wants a signed attendance sheet within 48 hours and a feedback
//! response rate of 60 % (met by the system once the surveys' answers reach it) within a week; the first
//! course wants its certificates issued within 5 days. Of the attendance sheets of its past
//! sessions, a few were uploaded in time, one late, the rest are overdue; one confirmed
//! instructor of an upcoming session has dropped out (an open substitution). A handful of rows,
//! written through the same store functions and rules as the use cases.

use super::Seed;
use crate::AppError;
use sha2::{Digest, Sha256};
use trainyard_core::compliance::{RequirementInput, RequirementKind};
use trainyard_core::records::CourseInput;
use trainyard_store::Conn;
use trainyard_store::compliance::{self as repo, DashboardFilter, NewDocument};

const HOUR: i64 = 3_600_000;

pub(super) async fn seed(
    c: &mut Conn,
    s: &mut Seed,
    client_ids: &[(i64, &'static str)],
    courses: &[(i64, CourseInput)],
) -> Result<(), AppError> {
    let (Some((client, _)), Some((course, _))) = (client_ids.first(), courses.first()) else {
        return Ok(());
    };
    let wanted = [
        (
            Some(*client),
            None,
            RequirementKind::Document,
            "Signed attendance sheet",
            48,
            "Signed attendance sheet",
        ),
        (
            Some(*client),
            None,
            RequirementKind::FeedbackResponseRate,
            "Feedback response rate at least 60 %",
            168,
            "60",
        ),
        (
            None,
            Some(*course),
            RequirementKind::CertificatesIssued,
            "Certificates sent within 5 days of the end",
            120,
            "",
        ),
    ];
    for (client_id, course_id, kind, name, hours, parameter) in wanted {
        let input =
            RequirementInput::parse(client_id, course_id, kind.as_str(), name, hours, parameter)?;
        repo::insert_requirement(c, &input, s.now).await?;
        repo::mark_sessions_of(c, input.client_id, input.course_id).await?;
    }
    crate::compliance::sync_in(c, None, s.now).await?;

    // The client's attendance sheets of sessions that have ended: in time, one late, the rest
    // overdue.
    let f = DashboardFilter {
        client_id: Some(*client),
        per_page: Some(200),
        ..Default::default()
    };
    let (page, _) = repo::dashboard(c, &f, s.now).await?;
    let sheets: Vec<_> = page
        .items
        .into_iter()
        .filter(|i| i.kind == RequirementKind::Document && i.session_ends_at < s.now)
        .collect();
    let n = sheets.len();
    for (k, item) in sheets.into_iter().enumerate() {
        // Keep the two most recent overdue, so the dashboard has something to chase.
        if k + 2 >= n {
            break;
        }
        let late = k == 0;
        let at = item.session_ends_at + if late { 70 * HOUR } else { 20 * HOUR };
        let content = format!(
            "Attendance sheet {} ({}), signed by the instructor and every learner present.\n",
            item.session_reference, item.course_title
        );
        let sha: String = Sha256::digest(content.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = format!("attendance-{}.txt", item.session_reference);
        let doc = repo::insert_document(
            c,
            &NewDocument {
                session_id: item.session_id,
                name: &name,
                content_type: "text/plain",
                sha256: &sha,
                content: content.as_bytes(),
                uploaded_by: None,
                uploaded_by_name: "Demo coordinator",
            },
            at,
        )
        .await?;
        repo::meet_item(
            c,
            item.id,
            None,
            at,
            late,
            "upload",
            None,
            "Demo coordinator",
            None,
            Some(doc),
        )
        .await?;
    }

    // A confirmed instructor of an upcoming session dropped out.
    if let Some(assignment) = repo::demo_confirmed_assignment(c, s.now).await? {
        crate::compliance::open_in(
            c,
            &s.system,
            assignment,
            "Instructor ill; not able to travel.",
            s.now,
        )
        .await?;
    }
    Ok(())
}
