//! Instructors (skills, qualifications, time off), clients, learners and one login per role.

use super::data::{CLIENTS, FIRST, LAST, SKILLS};
use super::{LOGINS, Seed, ascii, bad};
use crate::AppError;
use chrono::Duration;
use serde_json::json;
use trainyard_core::records::{ClientFields, CourseInput, InstructorFields, LearnerFields};
use trainyard_core::{Role, TimeZoneName};
use trainyard_store::{Conn, clients, instructors, learners, users};

pub(super) struct Instructor {
    pub id: i64,
    pub skills: Vec<&'static str>,
}

/// Twenty-five instructors with two or three skills each, a qualification for every course of
/// their skills (a few about to expire) and one to three periods of time off.
pub(super) async fn instructors(
    c: &mut Conn,
    s: &mut Seed,
    venues: &[(i64, &'static str)],
    course_rows: &[(i64, CourseInput)],
) -> Result<Vec<Instructor>, AppError> {
    let now = s.now;
    let mut out = Vec::new();
    for i in 0..25 {
        let (first, last) = if i == 0 {
            ("Anna", "Berg")
        } else {
            (FIRST[(i * 7 + 3) % 40], LAST[(i * 11 + 5) % 40])
        };
        let mut skills = vec![SKILLS[i % SKILLS.len()], SKILLS[(i * 3 + 1) % SKILLS.len()]];
        if i % 3 == 0 {
            skills.push(SKILLS[(i * 5 + 2) % SKILLS.len()]);
        }
        skills.sort();
        skills.dedup();
        let home = i % 3;
        let input = InstructorFields {
            name: format!("{first} {last}"),
            email: if i == 0 {
                "anna.berg@northwind-training.example".into()
            } else {
                format!(
                    "{}.{}{}@trainers.example",
                    first.to_lowercase(),
                    ascii(last).to_lowercase(),
                    i
                )
            },
            phone: format!("+49 30 5550 {:04}", 100 + i),
            employment_type: if i % 4 == 0 {
                "contractor".into()
            } else {
                "staff".into()
            },
            home_venue_id: venues[home].0.to_string(),
            time_zone: venues[home].1.into(),
            currency: "EUR".into(),
            day_rate: format!("{}.00", 650 + (i as i64 % 6) * 75),
            hour_rate: format!("{}.00", 95 + (i as i64 % 6) * 10),
            max_days_week: "4".into(),
            max_days_month: "14".into(),
            skills: skills.join(", "),
            notes: String::new(),
            // Instructors at the German centres read German, the others the company's English.
            language: if venues[home].1 == "Europe/Berlin" {
                "de".into()
            } else {
                String::new()
            },
        }
        .validate()
        .map_err(bad)?;
        let id = instructors::insert(c, &input, now).await?;
        // Weekdays 08:00–19:00 in their own zone: room for a 09:00–18:00 day at the other
        // centre an hour away, and what utilization is measured against.
        let week: Vec<(i64, i64, i64)> = (1..=5).map(|d| (d, 8 * 60, 19 * 60)).collect();
        instructors::set_working_pattern(c, id, &week).await?;
        s.created(
            c,
            "instructor",
            id,
            json!({ "name": input.name, "skills": skills, "working_hours": week }),
        )
        .await?;
        for (course_id, course) in course_rows {
            if course
                .required_skill
                .as_deref()
                .is_some_and(|sk| skills.contains(&sk))
            {
                let expires = if s.dice.chance(8) {
                    now + 20 * 86_400_000
                } else {
                    now + (400 + s.dice.below(700) as i64) * 86_400_000
                };
                instructors::insert_qualification(
                    c,
                    id,
                    Some(*course_id),
                    None,
                    now - 400 * 86_400_000,
                    Some(expires),
                    now,
                )
                .await?;
            }
        }
        for k in 0..(1 + s.dice.below(3)) {
            let start_day =
                s.today + Duration::days(s.dice.below(200) as i64 - 100 + k as i64 * 30);
            let tz = TimeZoneName::parse(venues[home].1).map_err(bad)?;
            let start = tz.start_of_day_ms(start_day);
            let end = tz.start_of_day_ms(start_day + Duration::days(1 + s.dice.below(7) as i64));
            let reason = *s
                .dice
                .pick(&["Holiday", "Conference", "Sick leave", "Personal"]);
            instructors::insert_time_off(c, id, start, end, reason, now).await?;
        }
        out.push(Instructor { id, skills });
    }
    Ok(out)
}

/// Eight B2B clients: (id, e-mail domain).
pub(super) async fn clients(
    c: &mut Conn,
    s: &mut Seed,
) -> Result<Vec<(i64, &'static str)>, AppError> {
    let mut out = Vec::new();
    for (code, name, domain) in CLIENTS {
        let input = ClientFields {
            code: code.into(),
            name: name.into(),
            billing_email: format!("accounts@{domain}"),
            billing_address: format!("{name}\nAccounts Payable"),
            currency: "EUR".into(),
            time_zone: if code == "HOOLI" {
                "Europe/London".into()
            } else {
                "Europe/Berlin".into()
            },
            requires_approval: if code == "UMBRELLA" {
                "true".into()
            } else {
                String::new()
            },
            notes: String::new(),
            // Initech GmbH reads German: its contacts and learners inherit it.
            language: if code == "INITECH" {
                "de".into()
            } else {
                String::new()
            },
        }
        .validate()
        .map_err(bad)?;
        let id = clients::insert(c, &input, s.now).await?;
        s.created(c, "client", id, json!({ "code": code, "name": name }))
            .await?;
        out.push((id, domain));
    }
    Ok(out)
}

/// Six hundred learners, seven in ten employed by a client: (id, client index).
pub(super) async fn learners(
    c: &mut Conn,
    s: &mut Seed,
    client_ids: &[(i64, &'static str)],
) -> Result<Vec<(i64, Option<usize>)>, AppError> {
    let mut out = Vec::new();
    for i in 0..600 {
        let first = FIRST[(i * 13 + 7) % 40];
        let last = LAST[(i * 17 + i / 40) % 40];
        let client = if i % 10 < 7 {
            Some(i % CLIENTS.len())
        } else {
            None
        };
        let email = match client {
            Some(ci) => format!(
                "{}.{}.{}@{}",
                first.to_lowercase(),
                ascii(last).to_lowercase(),
                i,
                client_ids[ci].1
            ),
            None if i == 7 => "learner@northwind-training.example".to_owned(),
            None => format!(
                "{}.{}{}@mail.example",
                first.to_lowercase(),
                ascii(last).to_lowercase(),
                i
            ),
        };
        let input = LearnerFields {
            first_name: first.into(),
            last_name: last.into(),
            email,
            client_id: client
                .map(|ci| client_ids[ci].0.to_string())
                .unwrap_or_default(),
            phone: String::new(),
            time_zone: if client == Some(6) {
                "Europe/London".into()
            } else {
                "Europe/Berlin".into()
            },
            // One learner reads Spanish, a language without templates: they get English.
            language: if i == 9 { "es".into() } else { String::new() },
        }
        .validate()
        .map_err(bad)?;
        let id = learners::insert(c, &input, s.now).await?;
        s.created(c, "learner", id, json!({ "email": input.email.as_str() }))
            .await?;
        out.push((id, client));
    }
    Ok(out)
}

/// One login per role; the instructor is Anna Berg, the client contact works for Acme and the
/// learner is learner 7.
pub(super) async fn logins(
    c: &mut Conn,
    s: &mut Seed,
    password_hash: &str,
    client_id: i64,
    instructor_id: i64,
    learner_id: i64,
) -> Result<(), AppError> {
    for (role, email) in LOGINS {
        let role = Role::parse(role).map_err(bad)?;
        let name = match role {
            Role::Admin => "Ada Admin",
            Role::Manager => "Maria Manager",
            Role::Coordinator => "Colin Coordinator",
            Role::Finance => "Fiona Finance",
            Role::Instructor => "Anna Berg",
            Role::ClientContact => "Acme HR",
            Role::Learner => "Lena Learner",
        };
        let id = users::insert(
            c,
            &users::NewUser {
                email,
                display_name: name,
                password_hash,
                role,
                client_id: (role == Role::ClientContact).then_some(client_id),
                instructor_id: (role == Role::Instructor).then_some(instructor_id),
                learner_id: (role == Role::Learner).then_some(learner_id),
                time_zone: "Europe/Berlin",
            },
            s.now,
        )
        .await?;
        s.created(
            c,
            "user",
            id,
            json!({ "email": email, "role": role.as_str() }),
        )
        .await?;
    }
    // A German-speaking coordinator: her pages are in German whatever her browser says.
    let email = GERMAN_COORDINATOR;
    let id = users::insert(
        c,
        &users::NewUser {
            email,
            display_name: "Greta Koordinatorin",
            password_hash,
            role: Role::Coordinator,
            client_id: None,
            instructor_id: None,
            learner_id: None,
            time_zone: "Europe/Berlin",
        },
        s.now,
    )
    .await?;
    users::set_language(c, id, Some("de"), s.now).await?;
    s.created(
        c,
        "user",
        id,
        json!({ "email": email, "role": "coordinator", "language": "de" }),
    )
    .await?;
    Ok(())
}

/// The demo's German-speaking coordinator (same password as the other logins).
pub const GERMAN_COORDINATOR: &str = "greta.koordinatorin@northwind-training.example";
