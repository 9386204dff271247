//! Certificates: one for each of the latest completed enrollments of the demo's history (every
//! demo course grants one; safety courses for 24 months) and for all of the demo learner's, dated
//! by the end of its session, through the same function the closing of a session issues them
//! with. Older completions stay without one (bounded, so seeding stays quick): a coordinator can
//! issue theirs by hand from the learner's page. A few recorded from before Trainyard
//! (no enrollment) expire soon, so the expiry list and the reminders have something to show; one
//! issued to the wrong person is revoked.

use super::Seed;
use crate::AppError;
use trainyard_core::certificate::{self as rules};
use trainyard_core::records::CourseInput;
use trainyard_core::status::EnrollmentStatus;
use trainyard_store::certificates::{self as repo, NewCertificate};
use trainyard_store::{Conn, enrollments, learners, sessions};

/// Certificates issued for the latest completed enrollments.
const LATEST: i64 = 400;

/// Returns how many certificates it issued.
pub(super) async fn seed(
    c: &mut Conn,
    s: &mut Seed,
    courses: &[(i64, CourseInput)],
    learner_ids: &[(i64, Option<usize>)],
) -> Result<usize, AppError> {
    let mut n = 0;
    let mut first = None;
    let mut due = repo::completed_without_certificate(c, LATEST).await?;
    // The demo learner (who signs in) sees theirs in the portal.
    if let Some((me, _)) = learner_ids.get(7) {
        for e in enrollments::for_learner(c, *me).await? {
            if e.status == EnrollmentStatus::Completed && !due.iter().any(|(id, _)| *id == e.id) {
                let ended = sessions::get(c, e.session_id).await?.ends_at;
                due.push((e.id, ended));
            }
        }
    }
    for (enrollment, ended) in due {
        if let Some(cert) =
            crate::certificates::issue_dated(c, &s.system, enrollment, ended, s.now).await?
        {
            first.get_or_insert(cert);
            n += 1;
        }
    }
    // Recorded from the previous system: valid for 24 months, issued so that they expire in a
    // few days, weeks and months.
    let safety: Vec<&(i64, CourseInput)> = courses
        .iter()
        .filter(|(_, ci)| ci.certificate_validity_months == Some(24))
        .collect();
    for (k, days) in [12_i64, 35, 80].iter().enumerate() {
        let (Some((course_id, course)), Some((learner_id, _))) = (
            safety.get(k % safety.len().max(1)),
            // The demo learner (who signs in) among them.
            learner_ids.get(if k == 0 { 7 } else { 20 + k * 13 }),
        ) else {
            continue;
        };
        let l = learners::get(c, *learner_id).await?;
        let expires = s.today + chrono::Duration::days(*days);
        let issued = expires
            .checked_sub_months(chrono::Months::new(24))
            .unwrap_or(s.today);
        let mut bytes = [0u8; rules::CODE_LEN];
        for b in bytes.iter_mut() {
            *b = s.dice.next() as u8;
        }
        let code = rules::code_from_bytes(&bytes);
        let name = format!("{} {}", l.first_name, l.last_name);
        let cert_name = course
            .certificate_name
            .clone()
            .unwrap_or_else(|| format!("{} certificate", course.title));
        let Some(id) = repo::insert(
            c,
            &NewCertificate {
                code: &code,
                enrollment_id: None,
                learner_id: l.id,
                course_id: *course_id,
                session_id: None,
                client_id: l.client_id,
                learner_name: &name,
                course_title: &course.title,
                certificate_name: &cert_name,
                instructor_name: "",
                issued_on: &issued.to_string(),
                expires_on: Some(&expires.to_string()),
                issued_by: None,
            },
            s.now,
        )
        .await?
        else {
            continue;
        };
        let after = repo::get(c, id).await?;
        crate::audit::record(
            c,
            &s.system,
            s.now,
            "certificate.recorded",
            ("certificate", id),
            None,
            Some(&after),
        )
        .await?;
        n += 1;
    }
    if let Some(cert) = first {
        crate::certificates::revoke_in(
            c,
            &s.system,
            cert.id,
            cert.version,
            "Issued to the wrong person: the learner was substituted on the day.",
            s.now,
        )
        .await?;
    }
    Ok(n)
}
