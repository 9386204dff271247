//! The demo training company: deterministic for a given day, realistic enough to explore every
//! screen. Seeding runs through the same store functions as the use cases, in one transaction, with
//! an audit event for every record it creates.

use crate::{App, AppError, Caller, now_ms};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde_json::json;
use trainyard_core::records::*;
use trainyard_core::status::{
    AssignmentStatus, BookingStatus, DeliveryMode, EnrollmentStatus, SessionStatus,
};
use trainyard_core::{Money, Role, TimeZoneName};
use trainyard_store::{
    Conn, assignments, bookings, clients, courses, enrollments, instructors, learners, resources,
    sessions, users, venues,
};

pub const PASSWORD: &str = "trainyard-demo";

pub const LOGINS: [(&str, &str); 7] = [
    ("admin", "admin@northwind-training.example"),
    ("manager", "maria.manager@northwind-training.example"),
    (
        "coordinator",
        "colin.coordinator@northwind-training.example",
    ),
    ("finance", "fiona.finance@northwind-training.example"),
    ("instructor", "anna.berg@northwind-training.example"),
    ("client_contact", "hr@acme-industries.example"),
    ("learner", "learner@northwind-training.example"),
];

pub struct SeedReport {
    pub created: bool,
    pub summary: String,
}

/// splitmix64: a tiny deterministic generator, so the demo is the same on every machine.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FIRST: [&str; 40] = [
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannah", "Ivan", "Jonas", "Katrin",
    "Lukas", "Mia", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sven", "Tara", "Uwe", "Vera",
    "Wim", "Xenia", "Yusuf", "Zoe", "Amir", "Bianca", "Carlos", "Dana", "Emil", "Fatima", "Georg",
    "Hiro", "Ines", "Jana", "Kofi", "Lena", "Marta", "Nils",
];
const LAST: [&str; 40] = [
    "Berg",
    "Schmidt",
    "Novak",
    "Okafor",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Huber",
    "Kaya",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
];

/// (code, title, skill, days, features)
const COURSES: [(&str, &str, &str, i64, &str); 40] = [
    ("XL-BAS", "Excel Basics", "excel", 1, "projector"),
    ("XL-ADV", "Excel Advanced", "excel", 2, "projector"),
    (
        "XL-PWR",
        "Power Query and Power Pivot",
        "excel",
        2,
        "projector",
    ),
    ("PBI-101", "Power BI Fundamentals", "data", 2, "projector"),
    ("PBI-201", "Power BI Data Modelling", "data", 2, "projector"),
    ("SQL-101", "SQL for Analysts", "data", 2, "projector"),
    (
        "PY-DATA",
        "Python for Data Analysis",
        "data",
        3,
        "projector",
    ),
    (
        "LEAD-101",
        "Leadership Essentials",
        "leadership",
        2,
        "flipchart",
    ),
    (
        "LEAD-201",
        "Leading Remote Teams",
        "leadership",
        1,
        "flipchart",
    ),
    (
        "LEAD-301",
        "Strategic Leadership",
        "leadership",
        3,
        "flipchart",
    ),
    (
        "COACH",
        "Coaching Skills for Managers",
        "leadership",
        2,
        "flipchart",
    ),
    (
        "FEEDBK",
        "Giving and Receiving Feedback",
        "communication",
        1,
        "flipchart",
    ),
    (
        "PRES",
        "Presentation Skills",
        "communication",
        2,
        "projector",
    ),
    (
        "NEGO",
        "Negotiation Skills",
        "communication",
        2,
        "flipchart",
    ),
    (
        "CONFL",
        "Conflict Resolution",
        "communication",
        1,
        "flipchart",
    ),
    ("WRITE", "Business Writing", "communication", 1, "projector"),
    (
        "PM-FUND",
        "Project Management Fundamentals",
        "project",
        2,
        "projector",
    ),
    ("PRINCE2-F", "PRINCE2 Foundation", "project", 3, "projector"),
    (
        "PRINCE2-P",
        "PRINCE2 Practitioner",
        "project",
        2,
        "projector",
    ),
    (
        "PMP-PREP",
        "PMP Exam Preparation",
        "project",
        4,
        "projector",
    ),
    ("AGILE-101", "Agile Fundamentals", "agile", 1, "whiteboard"),
    (
        "SCRUM-M",
        "Certified Scrum Master",
        "agile",
        2,
        "whiteboard",
    ),
    ("SCRUM-PO", "Scrum Product Owner", "agile", 2, "whiteboard"),
    ("KANBAN", "Kanban in Practice", "agile", 1, "whiteboard"),
    ("SAFE", "SAFe for Teams", "agile", 2, "whiteboard"),
    (
        "SEC-AWARE",
        "Security Awareness",
        "security",
        1,
        "projector",
    ),
    ("GDPR", "GDPR for Practitioners", "security", 1, "projector"),
    (
        "ISO27001",
        "ISO 27001 Lead Implementer",
        "security",
        4,
        "projector",
    ),
    ("CLOUD-101", "Cloud Fundamentals", "cloud", 1, "projector"),
    (
        "AWS-ARCH",
        "AWS Solutions Architecture",
        "cloud",
        3,
        "projector",
    ),
    ("AZ-ADM", "Azure Administration", "cloud", 3, "projector"),
    ("K8S", "Kubernetes for Developers", "cloud", 3, "projector"),
    (
        "FIN-NON",
        "Finance for Non-Financial Managers",
        "finance",
        2,
        "projector",
    ),
    (
        "BUDGET",
        "Budgeting and Forecasting",
        "finance",
        1,
        "projector",
    ),
    ("IFRS", "IFRS Update", "finance", 1, "projector"),
    ("SALES-1", "Consultative Selling", "sales", 2, "flipchart"),
    ("KAM", "Key Account Management", "sales", 2, "flipchart"),
    (
        "CS-EXC",
        "Customer Service Excellence",
        "sales",
        1,
        "flipchart",
    ),
    (
        "FIRSTAID",
        "First Aid at Work",
        "safety",
        1,
        "first-aid-kit",
    ),
    ("FIRE", "Fire Warden Training", "safety", 1, "first-aid-kit"),
];

const SKILLS: [&str; 11] = [
    "excel",
    "data",
    "leadership",
    "communication",
    "project",
    "agile",
    "security",
    "cloud",
    "finance",
    "sales",
    "safety",
];

const CLIENTS: [(&str, &str, &str); 8] = [
    ("ACME", "Acme Industries", "acme-industries.example"),
    ("GLOBEX", "Globex Corporation", "globex.example"),
    ("INITECH", "Initech GmbH", "initech.example"),
    ("UMBRELLA", "Umbrella Health", "umbrella-health.example"),
    ("STARK", "Stark Logistics", "stark-logistics.example"),
    ("WAYNE", "Wayne Financial", "wayne-financial.example"),
    ("HOOLI", "Hooli Europe", "hooli.example"),
    ("VANDELAY", "Vandelay Imports", "vandelay.example"),
];

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::Refused(format!("demo data is inconsistent: {e}"))
}

/// Seeds the demo company unless the database already has courses.
pub async fn seed(app: &App) -> Result<SeedReport, AppError> {
    {
        let mut conn = app.store.read().await?;
        let existing = courses::list(&mut conn, &courses::CourseFilter::default()).await?;
        if existing.total > 0 {
            return Ok(SeedReport {
                created: false,
                summary: String::new(),
            });
        }
    }
    let password_hash = crate::accounts::hash_password(PASSWORD.to_owned()).await?;
    let now = now_ms();
    let system = Caller::system();
    let mut tx = app.store.write().await?;
    let mut d = Dice(20_261_130);
    let c: &mut Conn = &mut tx;

    // Venues and travel times.
    let venue_specs = [
        (
            "BER",
            "Berlin Training Centre",
            "Friedrichstraße 120",
            "Berlin",
            "DE",
            "Europe/Berlin",
        ),
        (
            "MUC",
            "Munich Campus",
            "Leopoldstraße 45",
            "Munich",
            "DE",
            "Europe/Berlin",
        ),
        (
            "LON",
            "London Learning Hub",
            "12 Finsbury Square",
            "London",
            "GB",
            "Europe/London",
        ),
    ];
    let mut venue_ids = Vec::new();
    for (code, name, address, city, country, tz) in venue_specs {
        let input = VenueFields {
            code: code.into(),
            name: name.into(),
            address: address.into(),
            city: city.into(),
            country: country.into(),
            time_zone: tz.into(),
            notes: String::new(),
        }
        .validate()
        .map_err(bad)?;
        let id = venues::insert(c, &input, now).await?;
        audit(
            c,
            &system,
            now,
            "venue",
            id,
            json!({ "code": code, "name": name }),
        )
        .await?;
        venue_ids.push((id, tz));
    }
    for (a, b, minutes) in [(0, 1, 330), (0, 2, 240), (1, 2, 210)] {
        for (from, to) in [(a, b), (b, a)] {
            venues::set_travel_time(c, venue_ids[from].0, venue_ids[to].0, minutes).await?;
        }
    }

    // Rooms (4 per venue), pooled equipment and virtual-platform licences.
    let mut rooms: Vec<(i64, usize, i64)> = Vec::new(); // (id, venue index, seats)
    let room_names = [
        "Spree", "Havel", "Elbe", "Rhein", "Isar", "Lech", "Inn", "Donau", "Thames", "Severn",
        "Avon", "Trent",
    ];
    for (i, name) in room_names.iter().enumerate() {
        let venue = i / 4;
        let seats = [8, 12, 16, 24][i % 4];
        let features = match i % 4 {
            0 => "projector, whiteboard",
            1 => "projector, flipchart, whiteboard",
            2 => "projector, flipchart, whiteboard, first-aid-kit",
            _ => "projector, flipchart, whiteboard, video-conference",
        };
        let input = ResourceFields {
            kind: "room".into(),
            code: format!("{}-{}", venue_specs[venue].0, name.to_uppercase()),
            name: format!("{name} room"),
            venue_id: venue_ids[venue].0.to_string(),
            seats: seats.to_string(),
            quantity: String::new(),
            features: features.into(),
            notes: String::new(),
        }
        .validate()
        .map_err(bad)?;
        let id = resources::insert(c, &input, now).await?;
        audit(
            c,
            &system,
            now,
            "resource",
            id,
            json!({ "code": input.code, "kind": "room" }),
        )
        .await?;
        rooms.push((id, venue, seats));
    }
    let mut platform_ids = Vec::new();
    for (kind, code, name, venue, qty) in [
        (
            "equipment",
            "LAPTOPS-BER",
            "Training laptops (Berlin)",
            Some(0),
            30,
        ),
        (
            "equipment",
            "LAPTOPS-MUC",
            "Training laptops (Munich)",
            Some(1),
            20,
        ),
        ("equipment", "PROJ-MOBILE", "Mobile projectors", None, 4),
        ("platform", "ZOOM", "Zoom licences", None, 3),
        ("platform", "TEAMS", "Teams Live licences", None, 2),
        ("material", "WORKBOOKS", "Printed workbooks", None, 500),
    ] {
        let input = ResourceFields {
            kind: kind.into(),
            code: code.into(),
            name: name.into(),
            venue_id: venue
                .map(|v: usize| venue_ids[v].0.to_string())
                .unwrap_or_default(),
            seats: String::new(),
            quantity: qty.to_string(),
            features: String::new(),
            notes: String::new(),
        }
        .validate()
        .map_err(bad)?;
        let id = resources::insert(c, &input, now).await?;
        audit(
            c,
            &system,
            now,
            "resource",
            id,
            json!({ "code": code, "kind": kind }),
        )
        .await?;
        if kind == "platform" {
            platform_ids.push((id, qty as usize));
        }
    }

    // Courses.
    let mut course_rows = Vec::new();
    for (i, (code, title, skill, days, features)) in COURSES.iter().enumerate() {
        let price = 390 + 250 * days + (i as i64 % 5) * 40;
        let modes = if *skill == "safety" {
            "ilt"
        } else if i % 3 == 0 {
            "ilt,vilt"
        } else if i % 5 == 0 {
            "vilt"
        } else {
            "ilt"
        };
        let input = CourseFields {
            code: (*code).into(),
            title: (*title).into(),
            description: format!("{title}: a practical {days}-day course with exercises drawn from the participants' own work."),
            duration_days: days.to_string(),
            hours_per_day: "7".into(),
            delivery_modes: modes.into(),
            min_learners: "4".into(),
            max_learners: if *days >= 3 { "12".into() } else { "16".into() },
            currency: "EUR".into(),
            list_price: format!("{price}.00"),
            day_rate: format!("{}.00", 1400 + (i as i64 % 4) * 200),
            material_cost: format!("{}.00", 25 + (i as i64 % 3) * 15),
            certificate_name: format!("{title} certificate"),
            certificate_validity_months: if *skill == "safety" { "24".into() } else { String::new() },
            required_skill: (*skill).into(),
            required_features: (*features).into(),
        }
        .validate()
        .map_err(bad)?;
        let id = courses::insert(c, &input, now).await?;
        audit(
            c,
            &system,
            now,
            "course",
            id,
            json!({ "code": code, "title": title }),
        )
        .await?;
        course_rows.push((id, input));
    }

    // Instructors, with skills, qualifications for every course of their skills, and time off.
    let today = trainyard_core::time::utc(now).date_naive();
    let mut instructor_rows: Vec<(i64, Vec<&str>, usize)> = Vec::new(); // (id, skills, home venue)
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
            home_venue_id: venue_ids[home].0.to_string(),
            time_zone: venue_ids[home].1.into(),
            currency: "EUR".into(),
            day_rate: format!("{}.00", 650 + (i as i64 % 6) * 75),
            hour_rate: format!("{}.00", 95 + (i as i64 % 6) * 10),
            max_days_week: "4".into(),
            max_days_month: "14".into(),
            skills: skills.join(", "),
            notes: String::new(),
        }
        .validate()
        .map_err(bad)?;
        let id = instructors::insert(c, &input, now).await?;
        audit(
            c,
            &system,
            now,
            "instructor",
            id,
            json!({ "name": input.name, "skills": skills }),
        )
        .await?;
        for (course_id, course) in &course_rows {
            if course
                .required_skill
                .as_deref()
                .is_some_and(|s| skills.contains(&s))
            {
                let expires = if d.chance(8) {
                    now + 20 * 86_400_000
                } else {
                    now + (400 + d.below(700) as i64) * 86_400_000
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
        for k in 0..(1 + d.below(3)) {
            let start_day = today + Duration::days(d.below(200) as i64 - 100 + k as i64 * 30);
            let tz = TimeZoneName::parse(venue_ids[home].1).map_err(bad)?;
            let start = tz.start_of_day_ms(start_day);
            let end = tz.start_of_day_ms(start_day + Duration::days(1 + d.below(7) as i64));
            instructors::insert_time_off(
                c,
                id,
                start,
                end,
                *d.pick(&["Holiday", "Conference", "Sick leave", "Personal"]),
                now,
            )
            .await?;
        }
        instructor_rows.push((id, skills, home));
    }

    // Clients and learners.
    let mut client_ids = Vec::new();
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
        }
        .validate()
        .map_err(bad)?;
        let id = clients::insert(c, &input, now).await?;
        audit(
            c,
            &system,
            now,
            "client",
            id,
            json!({ "code": code, "name": name }),
        )
        .await?;
        client_ids.push((id, domain));
    }
    let mut learner_ids: Vec<(i64, Option<usize>)> = Vec::new();
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
        }
        .validate()
        .map_err(bad)?;
        let id = learners::insert(c, &input, now).await?;
        audit(
            c,
            &system,
            now,
            "learner",
            id,
            json!({ "email": input.email.as_str() }),
        )
        .await?;
        learner_ids.push((id, client));
    }

    // Sessions from six months back to three months ahead, with instructors, rooms and enrollments.
    let mut busy_instructor: Vec<Vec<(NaiveDate, NaiveDate)>> =
        vec![Vec::new(); instructor_rows.len()];
    let mut busy_room: Vec<Vec<(NaiveDate, NaiveDate)>> = vec![Vec::new(); rooms.len()];
    let mut platform_use: Vec<Vec<(NaiveDate, NaiveDate)>> = vec![Vec::new(); platform_ids.len()];
    let overlaps = |list: &Vec<(NaiveDate, NaiveDate)>, a: NaiveDate, b: NaiveDate| {
        list.iter().filter(|(x, y)| *x <= b && a <= *y).count()
    };
    let mut n_sessions = 0;
    let mut n_enrollments = 0;
    let first_day = today - Duration::days(182);
    for k in 0..400 {
        let mut day = first_day + Duration::days((k as i64 * 273) / 400);
        while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            day += Duration::days(1);
        }
        let (course_id, course) = &course_rows[d.below(course_rows.len())];
        let mode = *d.pick(&course.delivery_modes);
        let days = course.duration_days;
        let mut part_days = Vec::new();
        let mut cur = day;
        while (part_days.len() as i64) < days {
            if !matches!(cur.weekday(), Weekday::Sat | Weekday::Sun) {
                part_days.push(cur);
            }
            cur += Duration::days(1);
        }
        let last_day = *part_days.last().unwrap_or(&day);
        let venue_index = d.below(3);
        let tz_name = if mode == DeliveryMode::Vilt {
            "Europe/Berlin"
        } else {
            venue_ids[venue_index].1
        };
        let private = d.chance(30);
        let client = private.then(|| d.below(client_ids.len()));
        let capacity = course.max_learners;
        let fields = SessionFields {
            course_id: course_id.to_string(),
            title: String::new(),
            visibility: if private {
                "private".into()
            } else {
                "public".into()
            },
            client_id: client
                .map(|ci| client_ids[ci].0.to_string())
                .unwrap_or_default(),
            program_id: String::new(),
            delivery_mode: mode.as_str().into(),
            venue_id: if mode == DeliveryMode::Vilt {
                String::new()
            } else {
                venue_ids[venue_index].0.to_string()
            },
            capacity: capacity.to_string(),
            time_zone: tz_name.into(),
            currency: "EUR".into(),
            seat_price: course.list_price.amount_string(),
            notes: String::new(),
            joining_url: if mode == DeliveryMode::Vilt {
                format!(
                    "https://meet.example.com/{}-{k:03}",
                    course.code.to_lowercase()
                )
            } else {
                String::new()
            },
            joining_notes: if mode == DeliveryMode::Vilt {
                "Join five minutes early to test your camera and microphone.".into()
            } else {
                "Please report to reception on arrival and bring photo ID.".into()
            },
            parts: part_days
                .iter()
                .map(|pd| PartFields {
                    starts: format!("{}T09:00", pd.format("%Y-%m-%d")),
                    ends: format!(
                        "{}T{:02}:00",
                        pd.format("%Y-%m-%d"),
                        9 + course.hours_per_day + 1
                    ),
                })
                .collect(),
        };
        let input = fields.validate().map_err(bad)?;
        let past = last_day < today;
        let status = if past {
            if d.chance(6) {
                SessionStatus::Cancelled
            } else if last_day < today - Duration::days(30) {
                SessionStatus::Closed
            } else {
                SessionStatus::Delivered
            }
        } else if day < today + Duration::days(21) {
            if d.chance(4) {
                SessionStatus::Postponed
            } else {
                SessionStatus::Confirmed
            }
        } else if d.chance(10) {
            SessionStatus::Draft
        } else {
            SessionStatus::Scheduled
        };
        let sid = sessions::insert(c, &input, status, now).await?;
        audit(c, &system, now, "session", sid, json!({ "course": course.code, "status": status.as_str(), "starts": trainyard_core::time::rfc3339(input.parts[0].start_ms) })).await?;
        n_sessions += 1;
        let parts = sessions::parts(c, sid).await?;
        let staffed = status.is_active() && status != SessionStatus::Draft;

        // Instructor: qualified, not already teaching then, not travelling between venues that day.
        if staffed {
            let skill = course.required_skill.as_deref().unwrap_or_default();
            let start = d.below(instructor_rows.len());
            for off in 0..instructor_rows.len() {
                let ii = (start + off) % instructor_rows.len();
                let (iid, skills, _) = &instructor_rows[ii];
                if skills.contains(&skill) && overlaps(&busy_instructor[ii], day, last_day) == 0 {
                    let st = if status == SessionStatus::Scheduled && d.chance(30) {
                        AssignmentStatus::Requested
                    } else {
                        AssignmentStatus::Confirmed
                    };
                    let aid = assignments::insert(c, sid, *iid, "lead", st, now).await?;
                    audit(
                        c,
                        &system,
                        now,
                        "assignment",
                        aid,
                        json!({ "session": sid, "instructor": iid, "status": st.as_str() }),
                    )
                    .await?;
                    busy_instructor[ii].push((day, last_day));
                    break;
                }
            }
            // A room at the venue, big enough and free; or a platform licence for virtual sessions.
            if mode == DeliveryMode::Vilt {
                if let Some(pi) = (0..platform_ids.len())
                    .find(|pi| overlaps(&platform_use[*pi], day, last_day) < platform_ids[*pi].1)
                {
                    for p in &parts {
                        let bid = bookings::insert(
                            c,
                            p.id,
                            platform_ids[pi].0,
                            1,
                            BookingStatus::Confirmed,
                            p.starts_at,
                            p.ends_at,
                            now,
                        )
                        .await?;
                        audit(
                            c,
                            &system,
                            now,
                            "booking",
                            bid,
                            json!({ "resource": platform_ids[pi].0, "part": p.id }),
                        )
                        .await?;
                    }
                    platform_use[pi].push((day, last_day));
                }
            } else if let Some(ri) = (0..rooms.len()).find(|ri| {
                rooms[*ri].1 == venue_index
                    && rooms[*ri].2 >= capacity
                    && overlaps(&busy_room[*ri], day, last_day) == 0
            }) {
                let bstatus = if status == SessionStatus::Scheduled {
                    BookingStatus::Tentative
                } else {
                    BookingStatus::Confirmed
                };
                for p in &parts {
                    let bid = bookings::insert(
                        c,
                        p.id,
                        rooms[ri].0,
                        1,
                        bstatus,
                        p.starts_at,
                        p.ends_at,
                        now,
                    )
                    .await?;
                    audit(
                        c,
                        &system,
                        now,
                        "booking",
                        bid,
                        json!({ "resource": rooms[ri].0, "part": p.id }),
                    )
                    .await?;
                }
                busy_room[ri].push((day, last_day));
            }
        }

        // Enrollments: the client's own people for private sessions, anyone for public ones.
        if status != SessionStatus::Draft {
            let wanted = if past {
                capacity * (55 + d.below(45) as i64) / 100
            } else {
                capacity * (20 + d.below(95) as i64) / 100
            };
            let pool: Vec<i64> = learner_ids
                .iter()
                .filter(|(_, lc)| client.is_none() || *lc == client)
                .map(|(id, _)| *id)
                .collect();
            let mut chosen = Vec::new();
            let mut tries = 0;
            while (chosen.len() as i64) < wanted.min(pool.len() as i64) && tries < 1000 {
                let l = *d.pick(&pool);
                if !chosen.contains(&l) {
                    chosen.push(l);
                }
                tries += 1;
            }
            if sid == 1 || k == 390 {
                // The demo learner has a history and an upcoming session.
                if let Some((lid, _)) = learner_ids.get(7) {
                    if !chosen.contains(lid) {
                        chosen.push(*lid);
                    }
                }
            }
            for (pos, lid) in chosen.iter().enumerate() {
                let over = pos as i64 >= capacity;
                let est = if status == SessionStatus::Cancelled {
                    EnrollmentStatus::Cancelled
                } else if past {
                    if d.chance(7) {
                        EnrollmentStatus::NoShow
                    } else if status == SessionStatus::Closed {
                        EnrollmentStatus::Completed
                    } else {
                        EnrollmentStatus::Attended
                    }
                } else if over {
                    EnrollmentStatus::Waitlisted
                } else {
                    EnrollmentStatus::Booked
                };
                let eid = enrollments::insert(
                    c,
                    &enrollments::NewEnrollment {
                        session_id: sid,
                        learner_id: *lid,
                        status: est,
                        waitlist_position: over.then_some(pos as i64 - capacity + 1),
                        price: if private {
                            Money::new(0, input.seat_price.currency)
                        } else {
                            input.seat_price
                        },
                        enrolled_by: None,
                    },
                    now,
                )
                .await?;
                audit(
                    c,
                    &system,
                    now,
                    "enrollment",
                    eid,
                    json!({ "session": sid, "learner": lid, "status": est.as_str() }),
                )
                .await?;
                n_enrollments += 1;
            }
            enrollments::recount(c, sid).await?;
        }
    }

    // Logins, one per role.
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
                password_hash: &password_hash,
                role,
                client_id: (role == Role::ClientContact).then_some(client_ids[0].0),
                instructor_id: (role == Role::Instructor).then_some(instructor_rows[0].0),
                learner_id: (role == Role::Learner).then_some(learner_ids[7].0),
                time_zone: "Europe/Berlin",
            },
            now,
        )
        .await?;
        audit(
            c,
            &system,
            now,
            "user",
            id,
            json!({ "email": email, "role": role.as_str() }),
        )
        .await?;
    }
    // Programs: three clients' contracted series, holding their closed sessions.
    for (k, (client_id, _)) in client_ids.iter().enumerate().skip(1).take(3) {
        let name = [
            "Sales academy 2027",
            "Agile transformation",
            "Compliance year",
        ][k - 1];
        let input = ProgramFields {
            client_id: client_id.to_string(),
            name: name.into(),
            budget: ["45000", "80000", "25000"][k - 1].into(),
            currency: "EUR".into(),
            starts_on: (today - Duration::days(200)).format("%Y-%m-%d").to_string(),
            ends_on: (today + Duration::days(150)).format("%Y-%m-%d").to_string(),
        }
        .validate()
        .map_err(bad)?;
        let program = trainyard_store::programs::insert(c, &input, now).await?;
        audit(c, &system, now, "program", program, json!({ "name": name })).await?;
        let mut f = trainyard_store::sessions::SessionFilter::default();
        f.client_id = Some(*client_id);
        f.list.per_page = 500;
        for x in trainyard_store::sessions::list(c, &f).await?.items {
            trainyard_store::planning::set_session_program(c, x.id, Some(program)).await?;
        }
    }
    // Draft sessions with planning windows, for the Plan page.
    n_sessions +=
        crate::planning::demo::seed_drafts(c, &system, now, today, &venue_ids, client_ids[0].0, 30)
            .await?;
    tx.commit().await?;
    app.store.settle().await?;
    Ok(SeedReport {
        created: true,
        summary: format!(
            "3 venues, {} rooms, {} courses, {} instructors, {} clients, {} learners, {n_sessions} sessions, {n_enrollments} enrollments",
            rooms.len(),
            course_rows.len(),
            instructor_rows.len(),
            client_ids.len(),
            learner_ids.len()
        ),
    })
}

fn ascii(s: &str) -> String {
    s.replace('ü', "ue").replace('ö', "oe").replace('ä', "ae")
}

async fn audit(
    c: &mut Conn,
    system: &Caller,
    now: i64,
    entity: &str,
    id: i64,
    after: serde_json::Value,
) -> Result<(), AppError> {
    let action = format!("{entity}.created");
    crate::audit::record(c, system, now, &action, entity, id, None, Some(&after)).await
}
