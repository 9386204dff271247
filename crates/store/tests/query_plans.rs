//! List queries are served by their indexes: every record kind's list, with its filters and sort
//! orders, is explained on a database with enough rows for the planner to care (SQLite's
//! `EXPLAIN QUERY PLAN`, PostgreSQL's `EXPLAIN`), and a full scan of the listed table or a sort
//! of its rows fails the test. Timings live in BENCHMARKS.md; this test catches the plan that
//! changed without timing anything.

#![allow(clippy::unwrap_used)]

use trainyard_store::agreements;
use trainyard_store::row::QueryPlan;
use trainyard_store::testing::{Kind, TestDatabase, capture_plans, postgres_url};
use trainyard_store::{
    ListParams, Store, clients, courses, instructors, learners, programs, resources, sessions,
    venues,
};

const SESSIONS: i64 = 30_000;
const LEARNERS: i64 = 20_000;
const INSTRUCTORS: i64 = 3_000;
const COURSES: i64 = 2_000;
const CLIENTS: i64 = 1_000;
const VENUES: i64 = 600;
const RESOURCES: i64 = 3_000;
const PROGRAMS: i64 = 2_000;
const AGREEMENTS: i64 = 3_000;
const T0: i64 = 1_767_225_600_000;

/// `n` rows of `insert`, where `{i}` in it stands for the row number 1..=n.
async fn fill(store: &Store, n: i64, columns: &str, table: &str, values: &str) {
    let sql = format!(
        "INSERT INTO {table} ({columns}) WITH RECURSIVE seq(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM seq WHERE i < {n}) SELECT {values} FROM seq"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(store.pool())
        .await
        .unwrap_or_else(|e| panic!("filling {table}: {e}"));
}

async fn seed(store: &Store) {
    let stamp = format!("{T0}, {T0}");
    fill(store, VENUES, "code, name, address, city, country, time_zone, notes, created_at, updated_at", "venues",
        &format!("'v-' || i, 'Venue ' || i, 'Street ' || i, 'City ' || (i % 40), 'DE', 'Europe/Berlin', '', {stamp}")).await;
    fill(store, CLIENTS, "code, name, billing_email, billing_address, currency, time_zone, notes, created_at, updated_at", "clients",
        &format!("'c-' || i, 'Client ' || i, 'billing' || i || '@example.com', '', 'EUR', 'Europe/Berlin', '', {stamp}")).await;
    fill(store, COURSES, "code, title, description, duration_days, hours_per_day, delivery_modes, min_learners, max_learners, currency, list_price_minor, day_rate_minor, material_cost_minor, required_features, created_at, updated_at", "courses",
        &format!("'k-' || i, 'Course ' || i, '', 1 + i % 3, 7, 'ilt', 4, 8 + i % 12, 'EUR', 100 * i, 900, 10, '', {stamp}")).await;
    fill(store, INSTRUCTORS, "name, email, employment_type, home_venue_id, time_zone, currency, day_rate_minor, hour_rate_minor, max_days_week, max_days_month, skills, notes, created_at, updated_at", "instructors",
        &format!("'Instructor ' || i, 'i' || i || '@example.com', CASE WHEN i % 3 = 0 THEN 'contractor' ELSE 'staff' END, 1 + i % {VENUES}, 'Europe/Berlin', 'EUR', 50000 + i, 8000, 5, 20, '', '', {stamp}")).await;
    fill(store, LEARNERS, "first_name, last_name, email, client_id, time_zone, created_at, updated_at", "learners",
        &format!("'First' || i, 'Last' || (i % 5000), 'l' || i || '@example.com', CASE WHEN i % 4 = 0 THEN NULL ELSE 1 + i % {CLIENTS} END, 'Europe/Berlin', {stamp}")).await;
    fill(store, RESOURCES, "kind, code, name, venue_id, seats, quantity, features, notes, created_at, updated_at", "resources",
        &format!("CASE WHEN i % 5 = 0 THEN 'equipment' ELSE 'room' END, 'r-' || i, 'Room ' || i, 1 + i % {VENUES}, 8 + i % 20, 1, '', '', {stamp}")).await;
    fill(
        store,
        PROGRAMS,
        "client_id, name, budget_minor, currency, created_at, updated_at",
        "programs",
        &format!("1 + i % {CLIENTS}, 'Program ' || i, 1000000, 'EUR', {stamp}"),
    )
    .await;
    fill(store, AGREEMENTS, "client_id, reference, valid_from, discount_bp, billing_mode, notes, created_at, updated_at", "agreements",
        &format!("1 + i % {CLIENTS}, 'A-' || i, CASE i % 3 WHEN 0 THEN '2025-01-01' WHEN 1 THEN '2026-01-01' ELSE '2026-07-01' END, 500, 'per_enrollment', '', {stamp}")).await;
    fill(store, SESSIONS, "reference, course_id, course_code, program_id, visibility, client_id, delivery_mode, venue_id, status, capacity, booked_count, time_zone, currency, seat_price_minor, notes, starts_at, ends_at, created_at, updated_at", "sessions",
        &format!("'S-' || i, 1 + i % {COURSES}, 'k-' || (1 + i % {COURSES}), CASE WHEN i % 10 = 0 THEN 1 + i % {PROGRAMS} ELSE NULL END, \
          CASE WHEN i % 4 = 0 THEN 'private' ELSE 'public' END, CASE WHEN i % 4 = 0 THEN 1 + i % {CLIENTS} ELSE NULL END, \
          CASE i % 3 WHEN 0 THEN 'ilt' WHEN 1 THEN 'vilt' ELSE 'blended' END, 1 + i % {VENUES}, \
          CASE i % 5 WHEN 0 THEN 'scheduled' WHEN 1 THEN 'confirmed' WHEN 2 THEN 'delivered' WHEN 3 THEN 'closed' ELSE 'cancelled' END, \
          12, i % 13, 'Europe/Berlin', 'EUR', 10000, '', {T0} + i * 3600000, {T0} + i * 3600000 + 28800000, {stamp}")).await;
    store.settle().await.unwrap();
}

fn page(sort: &str, dir: &str) -> ListParams {
    ListParams {
        sort: sort.to_owned(),
        dir: dir.to_owned(),
        page: 3,
        per_page: 50,
        ..Default::default()
    }
}

/// What is wrong with `plan` for a list of `table` (aliased `alias`), if anything.
fn defect(kind: Kind, plan: &QueryPlan, table: &str, alias: &str) -> Option<String> {
    match kind {
        Kind::Sqlite => {
            let lines: Vec<&str> = plan.plan.lines().map(str::trim).collect();
            // Lists that select from a derived table (`… FROM (SELECT … FROM learners l …) t`)
            // show up as `t` when SQLite does not flatten them.
            // Counting a small table's narrow rows by reading them is SQLite's cheapest plan;
            // counting sessions must stay on an index.
            let scan_allowed = plan.count && table != "sessions";
            if !scan_allowed
                && lines
                    .iter()
                    .any(|l| *l == format!("SCAN {alias}") || *l == format!("SCAN {table}"))
            {
                return Some(format!("a full scan of {table}"));
            }
            // Counting sessions never reads their rows: the partial indexes hold every column a
            // filter needs (a count that looked rows up was the 80 ms regression of the API's
            // `status=scheduled&visibility=private`).
            if plan.count
                && table == "sessions"
                && lines.iter().any(|l| {
                    (l.starts_with(&format!("SEARCH {alias} ")) || l.starts_with(&format!("SCAN {alias} ")))
                        && !l.contains("COVERING INDEX")
                        // A reference prefix finds a handful of rows by its unique index.
                        && !l.contains("sessions_reference")
                })
            {
                return Some("a count that reads the rows, not only an index".into());
            }
            // Sorting the few rows an index search found is the right plan; sorting rows read
            // by walking a whole index is not.
            let first_read = lines
                .iter()
                .find(|l| l.starts_with("SCAN ") || l.starts_with("SEARCH "));
            // The outer loop bounds the rows: a search (by key or range) of any table.
            let searched = first_read.is_some_and(|l| l.starts_with("SEARCH "));
            if !plan.count
                && !searched
                && lines
                    .iter()
                    .any(|l| l.starts_with("USE TEMP B-TREE FOR ORDER BY"))
            {
                return Some("a sort of every row".into());
            }
            None
        }
        Kind::Postgres => {
            let scan_allowed = plan.count && table != "sessions";
            for line in plan.plan.lines() {
                let l = line.trim_start_matches([' ', '-', '>']).trim();
                if !scan_allowed && l.starts_with(&format!("Seq Scan on {table}")) {
                    return Some(format!("a sequential scan of {table}"));
                }
                // A sort of the few rows an index found is fine; a sort of many is not.
                if !plan.count && l.starts_with("Sort ") && estimated_rows(l) > 2_000 {
                    return Some(format!("a sort of {} rows", estimated_rows(l)));
                }
            }
            None
        }
    }
}

/// The `rows=N` estimate of a PostgreSQL plan line.
fn estimated_rows(line: &str) -> i64 {
    line.split("rows=")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

struct Checker {
    kind: Kind,
    failures: Vec<String>,
    checked: usize,
}

impl Checker {
    fn check(&mut self, what: &str, plans: &[QueryPlan], table: &str, alias: &str) {
        assert!(!plans.is_empty(), "{what}: no list query was captured");
        for p in plans {
            self.checked += 1;
            if let Some(why) = defect(self.kind, p, table, alias) {
                self.failures.push(format!(
                    "{what} ({}): {why}\n  SQL: {}\n  plan:\n{}",
                    if p.count { "count" } else { "page" },
                    p.sql,
                    p.plan
                ));
            }
        }
    }
}

async fn check_plans(kind: Kind) {
    let db = TestDatabase::create(kind).await.unwrap();
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    seed(&store).await;
    let mut conn = store.read().await.unwrap();
    let mut c = Checker {
        kind,
        failures: Vec::new(),
        checked: 0,
    };

    // Sessions: every filter alone and the pairs people use, with every sort order.
    type SessionCase = (&'static str, fn(&mut sessions::SessionFilter));
    let filters: &[SessionCase] = &[
        ("no filter", |_| {}),
        ("status", |f| f.status = "scheduled".into()),
        ("mode", |f| f.mode = "vilt".into()),
        ("visibility", |f| f.visibility = "private".into()),
        ("course", |f| f.course_id = Some(7)),
        ("client", |f| f.client_id = Some(8)),
        ("venue", |f| f.venue_id = Some(9)),
        ("program", |f| f.program_id = Some(10)),
        ("from", |f| f.from_ms = Some(T0 + 20_000 * 3_600_000)),
        ("from and to", |f| {
            f.from_ms = Some(T0 + 1_000 * 3_600_000);
            f.to_ms = Some(T0 + 2_000 * 3_600_000)
        }),
        ("status and visibility", |f| {
            f.status = "scheduled".into();
            f.visibility = "private".into()
        }),
        ("status and from", |f| {
            f.status = "confirmed".into();
            f.from_ms = Some(T0 + 10_000 * 3_600_000)
        }),
        ("reference search", |f| f.list.q = "S-123".into()),
    ];
    let sorts = ["", "course", "status", "booked", "capacity", "reference"];
    for (name, set) in filters {
        for sort in sorts {
            for dir in ["asc", "desc"] {
                let mut f = sessions::SessionFilter {
                    list: page(sort, dir),
                    ..Default::default()
                };
                set(&mut f);
                let (r, plans) = capture_plans(sessions::list(&mut conn, &f)).await;
                r.unwrap();
                c.check(
                    &format!("sessions, {name}, sort '{sort}' {dir}"),
                    &plans,
                    "sessions",
                    "s",
                );
            }
        }
    }

    // Learners: by name, e-mail, client; one client's people.
    for sort in ["", "name", "email"] {
        for client_id in [None, Some(5)] {
            let f = learners::LearnerFilter {
                list: page(sort, "asc"),
                client_id,
            };
            let (r, plans) = capture_plans(learners::list(&mut conn, &f)).await;
            r.unwrap();
            c.check(
                &format!("learners, client {client_id:?}, sort '{sort}'"),
                &plans,
                "learners",
                "l",
            );
        }
    }

    // The smaller kinds: their default order, their filters.
    for (sort, home) in [("", None), ("name", None), ("email", None), ("", Some(3))] {
        let f = instructors::InstructorFilter {
            list: page(sort, "asc"),
            home_venue_id: home,
            ..Default::default()
        };
        let (r, plans) = capture_plans(instructors::list(&mut conn, &f)).await;
        r.unwrap();
        c.check(
            &format!("instructors, home {home:?}, sort '{sort}'"),
            &plans,
            "instructors",
            "i",
        );
    }
    for sort in ["", "code"] {
        let f = courses::CourseFilter {
            list: page(sort, "asc"),
            ..Default::default()
        };
        let (r, plans) = capture_plans(courses::list(&mut conn, &f)).await;
        r.unwrap();
        c.check(&format!("courses, sort '{sort}'"), &plans, "courses", "c");
    }
    for sort in ["", "name", "code"] {
        let f = clients::ClientFilter {
            list: page(sort, "asc"),
        };
        let (r, plans) = capture_plans(clients::list(&mut conn, &f)).await;
        r.unwrap();
        c.check(&format!("clients, sort '{sort}'"), &plans, "clients", "cl");
    }
    for sort in ["", "code"] {
        let f = venues::VenueFilter {
            list: page(sort, "asc"),
        };
        let (r, plans) = capture_plans(venues::list(&mut conn, &f)).await;
        r.unwrap();
        c.check(&format!("venues, sort '{sort}'"), &plans, "venues", "v");
    }
    for (sort, venue) in [("", None), ("code", None), ("", Some(4))] {
        let f = resources::ResourceFilter {
            list: page(sort, "asc"),
            venue_id: venue,
            ..Default::default()
        };
        let (r, plans) = capture_plans(resources::list(&mut conn, &f)).await;
        r.unwrap();
        c.check(
            &format!("resources, venue {venue:?}, sort '{sort}'"),
            &plans,
            "resources",
            "r",
        );
    }
    for (sort, client) in [("", None), ("name", None), ("", Some(6))] {
        let f = programs::ProgramFilter {
            list: page(sort, "asc"),
            client_id: client,
        };
        let (r, plans) = capture_plans(programs::list(&mut conn, &f)).await;
        r.unwrap();
        c.check(
            &format!("programs, client {client:?}, sort '{sort}'"),
            &plans,
            "programs",
            "p",
        );
    }

    for (sort, client) in [
        ("", None),
        ("reference", None),
        ("valid_from", None),
        ("", Some(6)),
    ] {
        let f = agreements::AgreementFilter {
            list: page(sort, "asc"),
            client_id: client,
        };
        let (r, plans) = capture_plans(agreements::list(&mut conn, &f)).await;
        r.unwrap();
        c.check(
            &format!("agreements, client {client:?}, sort '{sort}'"),
            &plans,
            "agreements",
            "a",
        );
    }

    // Changes since a moment, every kind: a range of its `(updated_at, id)` index, read in order.
    let since = || ListParams {
        updated_since: "2026-01-01T00:00:00.001Z".into(),
        page: 3,
        per_page: 50,
        ..Default::default()
    };
    assert_eq!(
        T0, 1_767_225_600_000,
        "`since` is one millisecond after the seeded changes"
    );
    macro_rules! since_case {
        ($module:ident, $filter:ident, $table:literal, $alias:literal) => {{
            let mut f = $module::$filter::default();
            f.list = since();
            let (r, plans) = capture_plans($module::list(&mut conn, &f)).await;
            r.unwrap();
            c.check(concat!($table, ", updated_since"), &plans, $table, $alias);
        }};
    }
    since_case!(sessions, SessionFilter, "sessions", "s");
    since_case!(learners, LearnerFilter, "learners", "l");
    since_case!(instructors, InstructorFilter, "instructors", "i");
    since_case!(courses, CourseFilter, "courses", "c");
    since_case!(clients, ClientFilter, "clients", "cl");
    since_case!(venues, VenueFilter, "venues", "v");
    since_case!(resources, ResourceFilter, "resources", "r");
    since_case!(programs, ProgramFilter, "programs", "p");
    since_case!(agreements, AgreementFilter, "agreements", "a");

    drop(conn);
    store.close().await;
    db.remove().await;
    assert!(
        c.failures.is_empty(),
        "{} of {} list queries are not served by an index on {kind:?}:\n\n{}",
        c.failures.len(),
        c.checked,
        c.failures.join("\n\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_queries_use_their_indexes_on_sqlite() {
    check_plans(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_queries_use_their_indexes_on_postgres() {
    if postgres_url().is_none() {
        eprintln!("TRAINYARD_TEST_PG_URL is not set: PostgreSQL variant not run");
        return;
    }
    check_plans(Kind::Postgres).await;
}
