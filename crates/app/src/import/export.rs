//! Export of everything in the import's layouts: one table per kind with exactly the import's
//! columns, as CSV files or one XLSX workbook with a sheet per kind, so that an export imports
//! into an empty Trainyard to the same data.
//!
//! What is written: active (not archived) records; sessions that are draft, scheduled or
//! confirmed, one row per scheduled part (times local to the session's zone); their room (the
//! first room booked); live assignments (not declined or cancelled); enrollments that hold or
//! wait for a seat, booked first, then the waiting list in order — so a re-import decides seats
//! and waiting list the same way.

use super::layout::Kind;
use super::run::may_import;
use crate::{App, AppError, Caller};
use std::collections::HashMap;
use trainyard_core::TimeZoneName;
use trainyard_core::status::{AssignmentStatus, EnrollmentStatus, SessionStatus};
use trainyard_store::import::{Keyed, active_ids};
use trainyard_store::{
    assignments, bookings, clients, courses, enrollments, instructors, learners, resources,
    sessions, venues,
};

/// One kind's rows under its header (the import's column names).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub kind: Kind,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            header: kind.columns().iter().map(|c| c.field.to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// The table as CSV (comma-separated, quoted where needed, a header line first).
    pub fn to_csv(&self) -> Result<String, AppError> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| AppError::refused(format!("the CSV cannot be written: {e}"));
        w.write_record(&self.header).map_err(fail)?;
        for r in &self.rows {
            w.write_record(r).map_err(fail)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| AppError::refused(format!("the CSV cannot be written: {e}")))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Every table as one XLSX workbook, a sheet per kind named after it. Cells are text, so codes
/// like "0012" and times stay exactly as written.
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, AppError> {
    let fail = |e: rust_xlsxwriter::XlsxError| {
        AppError::refused(format!("the workbook cannot be written: {e}"))
    };
    let mut book = rust_xlsxwriter::Workbook::new();
    for t in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(t.kind.as_str()).map_err(fail)?;
        for (j, h) in t.header.iter().enumerate() {
            sheet.write_string(0, j as u16, h).map_err(fail)?;
        }
        for (i, r) in t.rows.iter().enumerate() {
            for (j, v) in r.iter().enumerate() {
                if !v.is_empty() {
                    sheet
                        .write_string(i as u32 + 1, j as u16, v)
                        .map_err(fail)?;
                }
            }
        }
    }
    book.save_to_buffer().map_err(fail)
}

fn money(m: Option<&trainyard_core::Money>) -> String {
    m.map(|m| m.amount_string()).unwrap_or_default()
}

/// Every kind's table, in import order. Operations staff only; finance columns are empty for a
/// caller who may not see finance data.
pub async fn export(app: &App, caller: &Caller) -> Result<Vec<Table>, AppError> {
    may_import(caller)?;
    let finance = caller.sees_finance();
    let mut conn = app.store.read().await?;
    let c = &mut *conn;
    let mut out = Vec::new();

    let mut t = Table::new(Kind::Courses);
    for id in active_ids(c, Keyed::Courses).await? {
        let x = courses::get(c, id).await?;
        t.rows.push(vec![
            x.code,
            x.title,
            x.description,
            x.duration_days.to_string(),
            x.hours_per_day.to_string(),
            x.delivery_modes
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(","),
            x.min_learners.to_string(),
            x.max_learners.to_string(),
            x.list_price.currency.as_str().to_owned(),
            x.list_price.amount_string(),
            if finance {
                money(x.day_rate.as_ref())
            } else {
                String::new()
            },
            if finance {
                money(x.material_cost.as_ref())
            } else {
                String::new()
            },
            x.certificate_name.unwrap_or_default(),
            x.certificate_validity_months
                .map(|m| m.to_string())
                .unwrap_or_default(),
            x.required_skill.unwrap_or_default(),
            x.required_features.join(","),
        ]);
    }
    out.push(t);

    let mut venue_codes = HashMap::new();
    let mut t = Table::new(Kind::Venues);
    for id in active_ids(c, Keyed::Venues).await? {
        let x = venues::get(c, id).await?;
        venue_codes.insert(x.id, x.code.clone());
        t.rows.push(vec![
            x.code,
            x.name,
            x.address,
            x.city,
            x.country,
            x.time_zone,
            x.notes,
        ]);
    }
    out.push(t);

    let mut room_codes = HashMap::new();
    let mut t = Table::new(Kind::Rooms);
    for id in active_ids(c, Keyed::Rooms).await? {
        let x = resources::get(c, id).await?;
        room_codes.insert(x.id, x.code.clone());
        t.rows.push(vec![
            x.code,
            x.name,
            x.kind.as_str().to_owned(),
            x.venue_id
                .and_then(|v| venue_codes.get(&v).cloned())
                .unwrap_or_default(),
            x.seats.to_string(),
            x.quantity.to_string(),
            x.features.join(","),
            x.notes,
        ]);
    }
    out.push(t);

    let mut client_codes = HashMap::new();
    let mut t = Table::new(Kind::Clients);
    for id in active_ids(c, Keyed::Clients).await? {
        let x = clients::get(c, id).await?;
        client_codes.insert(x.id, x.code.clone());
        t.rows.push(vec![
            x.code,
            x.name,
            x.billing_email,
            x.billing_address,
            x.currency.as_str().to_owned(),
            x.time_zone,
            if x.requires_approval { "yes" } else { "no" }.to_owned(),
            x.notes,
            x.language.unwrap_or_default(),
        ]);
    }
    out.push(t);

    let mut instructor_emails = HashMap::new();
    let mut t = Table::new(Kind::Instructors);
    for id in active_ids(c, Keyed::Instructors).await? {
        let x = instructors::get(c, id).await?;
        instructor_emails.insert(x.id, x.email.clone());
        let tz = TimeZoneName::parse_or_utc(&x.time_zone);
        let day = |ms: i64| tz.local(ms).format("%Y-%m-%d").to_string();
        let quals: Vec<String> = instructors::qualifications(c, id)
            .await?
            .into_iter()
            .map(|q| {
                let what = match (&q.course_code, &q.skill) {
                    (Some(code), _) => format!("course:{code}"),
                    (None, Some(skill)) => format!("skill:{skill}"),
                    (None, None) => String::new(),
                };
                // Stored as the start of the day after the last valid one.
                let until = q
                    .expires_at
                    .map(|e| format!(" until {}", day(e - 1)))
                    .unwrap_or_default();
                format!("{what} from {}{until}", day(q.valid_from))
            })
            .collect();
        let currency = x
            .day_rate
            .as_ref()
            .map(|m| m.currency.as_str().to_owned())
            .unwrap_or_default();
        t.rows.push(vec![
            x.email,
            x.name,
            x.phone.unwrap_or_default(),
            x.employment_type.as_str().to_owned(),
            x.home_venue_id
                .and_then(|v| venue_codes.get(&v).cloned())
                .unwrap_or_default(),
            x.time_zone,
            if finance { currency } else { String::new() },
            if finance {
                money(x.day_rate.as_ref())
            } else {
                String::new()
            },
            if finance {
                money(x.hour_rate.as_ref())
            } else {
                String::new()
            },
            x.max_days_week.to_string(),
            x.max_days_month.to_string(),
            x.skills.join(","),
            quals.join("; "),
            x.notes,
            x.language.unwrap_or_default(),
        ]);
    }
    out.push(t);

    let mut learner_emails = HashMap::new();
    let mut t = Table::new(Kind::Learners);
    for id in active_ids(c, Keyed::Learners).await? {
        let x = learners::get(c, id).await?;
        learner_emails.insert(x.id, x.email.clone());
        t.rows.push(vec![
            x.email,
            x.first_name,
            x.last_name,
            x.client_id
                .and_then(|v| client_codes.get(&v).cloned())
                .unwrap_or_default(),
            x.phone.unwrap_or_default(),
            x.time_zone,
            x.language.unwrap_or_default(),
        ]);
    }
    out.push(t);

    let mut sessions_t = Table::new(Kind::Sessions);
    let mut assignments_t = Table::new(Kind::Assignments);
    let mut enrollments_t = Table::new(Kind::Enrollments);
    for id in active_ids(c, Keyed::Sessions).await? {
        let s = sessions::get(c, id).await?;
        if !matches!(
            s.status,
            SessionStatus::Draft | SessionStatus::Scheduled | SessionStatus::Confirmed
        ) {
            continue;
        }
        let tz = TimeZoneName::parse_or_utc(&s.time_zone);
        let at = |ms: i64| tz.local(ms).format("%Y-%m-%d %H:%M").to_string();
        let room = bookings::for_session(c, id)
            .await?
            .into_iter()
            .find(|b| b.resource_kind == "room")
            .and_then(|b| room_codes.get(&b.resource_id).cloned())
            .unwrap_or_default();
        for p in sessions::parts(c, id)
            .await?
            .into_iter()
            .filter(|p| p.status == "scheduled")
        {
            sessions_t.rows.push(vec![
                s.reference.clone(),
                s.course_code.clone(),
                at(p.starts_at),
                at(p.ends_at),
                s.title.clone().unwrap_or_default(),
                s.status.as_str().to_owned(),
                s.visibility.as_str().to_owned(),
                s.client_id
                    .and_then(|v| client_codes.get(&v).cloned())
                    .unwrap_or_default(),
                s.delivery_mode.as_str().to_owned(),
                s.venue_id
                    .and_then(|v| venue_codes.get(&v).cloned())
                    .unwrap_or_default(),
                room.clone(),
                s.capacity.to_string(),
                s.time_zone.clone(),
                s.seat_price.currency.as_str().to_owned(),
                s.seat_price.amount_string(),
                s.delivery_language.clone().unwrap_or_default(),
                s.joining_url.clone(),
                s.notes.clone(),
            ]);
        }
        for a in assignments::for_session(c, id).await? {
            if matches!(
                a.status,
                AssignmentStatus::Declined | AssignmentStatus::Cancelled
            ) {
                continue;
            }
            let Some(email) = instructor_emails.get(&a.instructor_id) else {
                continue;
            };
            assignments_t.rows.push(vec![
                s.reference.clone(),
                email.clone(),
                a.role.clone(),
                a.status.as_str().to_owned(),
            ]);
        }
        let mut es: Vec<_> = enrollments::for_session(c, id)
            .await?
            .into_iter()
            .filter(|e| {
                matches!(
                    e.status,
                    EnrollmentStatus::Booked
                        | EnrollmentStatus::Requested
                        | EnrollmentStatus::Waitlisted
                )
            })
            .collect();
        es.sort_by_key(|e| {
            (
                e.status == EnrollmentStatus::Waitlisted,
                e.waitlist_position,
                e.id,
            )
        });
        for e in es {
            if let Some(email) = learner_emails.get(&e.learner_id) {
                enrollments_t
                    .rows
                    .push(vec![s.reference.clone(), email.clone()]);
            }
        }
    }
    out.push(sessions_t);
    out.push(assignments_t);
    out.push(enrollments_t);
    Ok(out)
}

/// A generated world in the import's layouts, for benchmarks and tests: 20 courses, 5 venues,
/// one learner per `per` enrollments / 10 (at least `per`), `sessions` one-day sessions from
/// 2030 on (40 a day, so no learner is in two at once), each with `per` learners enrolled.
pub fn sample(sessions: usize, per: usize) -> Vec<Table> {
    let mut courses = Table::new(Kind::Courses);
    for i in 0..20 {
        let mut r = vec![String::new(); courses.header.len()];
        r[0] = format!("C{i:02}");
        r[1] = format!("Course {i}");
        r[3] = "1".into();
        r[4] = "8".into();
        r[5] = "ilt".into();
        r[6] = "1".into();
        r[7] = "20".into();
        r[8] = "EUR".into();
        r[9] = "500.00".into();
        courses.rows.push(r);
    }
    let mut venues = Table::new(Kind::Venues);
    for i in 0..5 {
        venues.rows.push(vec![
            format!("V{i}"),
            format!("Venue {i}"),
            String::new(),
            "Berlin".into(),
            "DE".into(),
            "Europe/Berlin".into(),
            String::new(),
        ]);
    }
    let learners_n = (sessions * per / 10).max(per).max(1);
    let mut learners = Table::new(Kind::Learners);
    for i in 0..learners_n {
        learners.rows.push(vec![
            format!("learner{i}@example.com"),
            format!("First{i}"),
            format!("Last{i}"),
            String::new(),
            String::new(),
            "Europe/Berlin".into(),
            String::new(),
        ]);
    }
    let mut ss = Table::new(Kind::Sessions);
    let mut es = Table::new(Kind::Enrollments);
    let first = chrono::NaiveDate::from_ymd_opt(2030, 1, 7).unwrap_or_default();
    for i in 0..sessions {
        let day = first + chrono::Duration::days((i / 40) as i64);
        let key = format!("S-{:05}", i + 1);
        let mut r = vec![String::new(); ss.header.len()];
        r[0] = key.clone();
        r[1] = format!("C{:02}", i % 20);
        r[2] = format!("{} 09:00", day.format("%Y-%m-%d"));
        r[3] = format!("{} 17:00", day.format("%Y-%m-%d"));
        r[5] = "scheduled".into();
        r[6] = "public".into();
        r[8] = "ilt".into();
        r[9] = format!("V{}", i % 5);
        r[11] = (per + 2).to_string();
        r[12] = "Europe/Berlin".into();
        r[13] = "EUR".into();
        r[14] = "500.00".into();
        ss.rows.push(r);
        for k in 0..per {
            // Learner ids rotate by 40 sessions (a day's worth), so nobody is in two at once.
            let l = ((i % 40) * per + k + (i / 40) * 7) % learners_n;
            es.rows
                .push(vec![key.clone(), format!("learner{l}@example.com")]);
        }
    }
    vec![courses, venues, learners, ss, es]
}
