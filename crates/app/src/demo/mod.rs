//! The demo training company: deterministic for a given day, realistic enough to explore every
//! screen. Seeding runs in one transaction, with an audit event for every record it creates, and
//! changes data the way users do: records through the store functions their use cases write with,
//! and everything the scheduling rules guard — instructors on sessions, rooms and licences —
//! through the staffing use cases themselves (`staffing`), which check every rule and write the
//! slots the database keeps from overlapping. `trainyard doctor` finds nothing to report on it.
//!
//! One module per area: `sites` (venues, rooms, pools), `catalog` (courses), `people`
//! (instructors, clients, learners, logins), `sessions`, `staffing`, `enrollments`, `programs`.

mod budgets;
mod catalog;
mod certificates;
mod compliance;
mod costs;
mod data;
mod enrollments;
mod finance;
mod people;
pub use people::GERMAN_COORDINATOR;
mod prices;
mod programs;
mod quotes;
mod report_views;
mod sessions;
mod sites;
mod staffing;
mod surveys;

use crate::{App, AppError, Caller, now_ms};
use chrono::NaiveDate;
use trainyard_store::{Conn, courses};

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
pub(super) struct Dice(u64);

impl Dice {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What every area of the seeder shares: who acts, when, and the dice.
pub(super) struct Seed {
    /// The app the use cases run in (their messages' links come from its settings).
    pub app: App,
    pub system: Caller,
    pub now: i64,
    pub today: NaiveDate,
    pub dice: Dice,
}

impl Seed {
    /// The audit event of a record the seeder created.
    async fn created(
        &self,
        c: &mut Conn,
        entity: &str,
        id: i64,
        after: serde_json::Value,
    ) -> Result<(), AppError> {
        let action = format!("{entity}.created");
        crate::audit::record(
            c,
            &self.system,
            self.now,
            &action,
            (entity, id),
            None,
            Some(&after),
        )
        .await
    }
}

fn bad(e: impl std::fmt::Display) -> AppError {
    AppError::refused(format!("demo data is inconsistent: {e}"))
}

fn ascii(s: &str) -> String {
    s.replace('ü', "ue").replace('ö', "oe").replace('ä', "ae")
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
    let mut s = Seed {
        app: app.clone(),
        system: Caller::system(),
        now,
        today: trainyard_core::time::utc(now).date_naive(),
        dice: Dice(20_261_130),
    };
    let mut tx = app.store.write().await?;
    let c: &mut Conn = &mut tx;

    let mut clock = std::time::Instant::now();
    let mut lap = |phase: &str| {
        tracing::debug!(
            phase,
            ms = clock.elapsed().as_millis() as u64,
            "demo seeding"
        );
        clock = std::time::Instant::now();
    };
    let sites = sites::seed(c, &mut s).await?;
    lap("sites");
    let course_rows = catalog::seed(c, &mut s).await?;
    lap("catalog");
    let team = people::instructors(c, &mut s, &sites.venues, &course_rows).await?;
    lap("instructors");
    let client_ids = people::clients(c, &mut s).await?;
    lap("clients");
    let learner_ids = people::learners(c, &mut s, &client_ids).await?;
    lap("learners");

    // Sessions in date order, each staffed while scheduled, then moved on to today's status.
    let mut n_sessions = 0;
    let mut n_enrollments = 0;
    let mut delivered = Vec::new();
    for k in 0..sessions::COUNT {
        let p = sessions::create(c, &mut s, k, &sites, &course_rows, &client_ids).await?;
        n_sessions += 1;
        if p.staffed() {
            let course = &course_rows[p.course_index].1;
            staffing::instructor(c, &mut s, &p, course, &team).await?;
            staffing::place(c, &mut s, &p, &sites).await?;
            sessions::finish(c, &mut s, &p).await?;
        }
        n_enrollments += enrollments::enroll(c, &mut s, &p, &learner_ids).await?;
        if matches!(
            p.status,
            trainyard_core::status::SessionStatus::Delivered
                | trainyard_core::status::SessionStatus::Closed
        ) {
            let ended = p.input.parts.iter().map(|i| i.end_ms).max().unwrap_or(now);
            delivered.push(finance::Delivered {
                id: p.id,
                ended: trainyard_core::time::utc(ended).date_naive(),
                priced: p.input.seat_price.minor > 0,
            });
        }
    }
    lap("sessions");
    let n_invoices = finance::seed(c, &mut s, &delivered).await?;
    lap("finance");
    costs::seed(c, &mut s, &sites, &delivered).await?;
    lap("costs");
    let n_certificates = certificates::seed(c, &mut s, &course_rows, &learner_ids).await?;
    lap("certificates");
    compliance::seed(c, &mut s, &client_ids, &course_rows).await?;
    lap("compliance");
    let n_answers = surveys::seed(c, &mut s).await?;
    // Operations quality signals, and renewal seats offered to one client's learners.
    crate::quality::seed_demo(c, s.now).await?;
    crate::renewals::seed_demo(app, c, &s.system, s.now, learner_ids.get(7).map(|l| l.0)).await?;
    // The answers meet (or not) the first client's feedback-rate requirement.
    crate::compliance::sync_in(c, None, s.now).await?;
    lap("surveys");

    people::logins(
        c,
        &mut s,
        &password_hash,
        client_ids[0].0,
        team[0].id,
        learner_ids[7].0,
    )
    .await?;
    programs::seed(c, &mut s, &client_ids).await?;
    lap("programs");
    report_views::seed(c, &mut s).await?;
    budgets::seed(c, &mut s, &client_ids).await?;
    let course_ids: Vec<i64> = course_rows.iter().map(|(id, _)| *id).collect();
    prices::seed(c, &mut s, &course_ids, &client_ids, &learner_ids).await?;
    lap("prices");
    let n_quotes = quotes::seed(c, &mut s, &course_ids, &client_ids).await?;
    lap("quotes");
    // Draft sessions with planning windows, for the Plan page.
    n_sessions += crate::planning::demo::seed_drafts(
        c,
        &s.system,
        now,
        s.today,
        &sites.venues,
        client_ids[0].0,
        30,
    )
    .await?;
    lap("drafts");
    // The staffing and enrollment use cases queued the e-mails they send (requests, confirmations):
    // in the demo's history those went out long ago, so the demo does not mail its made-up people.
    trainyard_store::outbox::mark_all_pending_sent(c, now).await?;
    lap("outbox");
    crate::webhooks::seed_demo(c, &s.system, now).await?;
    lap("webhooks");
    crate::xapi::seed_demo(c, &s.system, now, &app.settings.public_url, &course_ids).await?;
    lap("xapi");
    tx.commit().await?;
    lap("commit");
    app.store.settle().await?;
    lap("settle");
    Ok(SeedReport {
        created: true,
        summary: format!(
            "3 venues, {} rooms, {} courses, {} instructors, {} clients, {} learners, {n_sessions} sessions, {n_enrollments} enrollments, {n_invoices} invoices, {n_quotes} quotes, {n_certificates} certificates, {n_answers} survey answers",
            sites.rooms.len(),
            course_rows.len(),
            team.len(),
            client_ids.len(),
            learner_ids.len()
        ),
    })
}
