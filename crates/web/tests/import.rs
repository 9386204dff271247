//! Spreadsheet onboarding (issue 18 §2) on both databases: a workbook of every kind checked in a
//! dry run (nothing changes), applied all or nothing, exported and re-imported into an empty
//! instance to the same data; bad input (wrong types, a BOM and semicolons, formulas, merged
//! cells, 100,000 rows, a failing row late in the file) reported per row with nothing changed;
//! and the conflicts a sheet holds within itself.

use crate::common::{Api, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use trainyard_app::import::export::{Table, export, to_xlsx};
use trainyard_app::import::{self, Input, Kind, Quiet, Report};
use trainyard_app::{App, Caller};

both_backends!(
    a_workbook_imports_all_or_nothing_and_round_trips,
    bad_input_is_reported_per_row_and_changes_nothing,
    the_sheets_own_conflicts_are_reported,
    the_api_runs_imports_as_jobs_and_remembers_the_mapping,
    imported_enrollments_keep_the_counters_and_the_trail,
);

fn table(kind: Kind, rows: &[&[&str]]) -> Table {
    // Rows give the leading columns; the rest are empty.
    let header: Vec<String> = kind.columns().iter().map(|c| c.field.to_owned()).collect();
    let rows = rows
        .iter()
        .map(|r| {
            let mut v: Vec<String> = r.iter().map(|s| s.to_string()).collect();
            v.resize(header.len(), String::new());
            v
        })
        .collect();
    Table { kind, header, rows }
}

/// A small training company: every kind, a two-part session, a room, a private session, a
/// confirmed instructor with a qualification, and a full session with a waiting list.
fn world() -> Vec<Table> {
    let learners: Vec<Vec<String>> = (0..15)
        .map(|i| {
            vec![
                format!("learner{i}@example.com"),
                format!("Lea{i}"),
                format!("Lerner{i}"),
                if i < 3 {
                    "ACME".to_owned()
                } else {
                    String::new()
                },
                String::new(),
                "Europe/Berlin".to_owned(),
                String::new(),
            ]
        })
        .collect();
    let learner_rows: Vec<Vec<&str>> = learners
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let learner_refs: Vec<&[&str]> = learner_rows.iter().map(|r| r.as_slice()).collect();
    let enrollments: Vec<Vec<String>> = (0..15)
        .map(|i| vec!["S-1".to_owned(), format!("learner{i}@example.com")])
        .chain((0..3).map(|i| vec!["S-3".to_owned(), format!("learner{i}@example.com")]))
        .collect();
    let enrollment_rows: Vec<Vec<&str>> = enrollments
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let enrollment_refs: Vec<&[&str]> = enrollment_rows.iter().map(|r| r.as_slice()).collect();
    vec![
        table(
            Kind::Courses,
            &[
                &[
                    "XL-1",
                    "Excel basics",
                    "Formulas and tables",
                    "2",
                    "7",
                    "ilt,vilt",
                    "2",
                    "12",
                    "EUR",
                    "690.00",
                    "1400.00",
                    "30.00",
                    "Excel certificate",
                    "24",
                    "excel",
                    "",
                ],
                &[
                    "PM-1",
                    "Project management",
                    "",
                    "1",
                    "8",
                    "ilt",
                    "1",
                    "10",
                    "EUR",
                    "450.00",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ],
            ],
        ),
        table(
            Kind::Venues,
            &[&[
                "BER",
                "Berlin Mitte",
                "Friedrichstr. 1",
                "Berlin",
                "DE",
                "Europe/Berlin",
                "",
            ]],
        ),
        table(
            Kind::Rooms,
            &[&["R1", "Room 1", "room", "BER", "12", "1", "projector", ""]],
        ),
        table(
            Kind::Clients,
            &[&[
                "ACME",
                "Acme GmbH",
                "billing@acme.example",
                "Hauptstr. 2",
                "EUR",
                "Europe/Berlin",
                "no",
                "",
                "de",
            ]],
        ),
        table(
            Kind::Instructors,
            &[
                &[
                    "anna@example.com",
                    "Anna Schmidt",
                    "",
                    "staff",
                    "BER",
                    "Europe/Berlin",
                    "EUR",
                    "900.00",
                    "120.00",
                    "5",
                    "20",
                    "excel",
                    "course:XL-1 from 2026-01-01 until 2031-12-31",
                    "",
                    "",
                ],
                &[
                    "ben@example.com",
                    "Ben Weber",
                    "",
                    "contractor",
                    "",
                    "Europe/Berlin",
                    "EUR",
                    "1000.00",
                    "",
                    "4",
                    "16",
                    "excel",
                    "skill:excel from 2026-01-01",
                    "",
                    "en",
                ],
            ],
        ),
        table(Kind::Learners, &learner_refs),
        table(
            Kind::Sessions,
            &[
                &[
                    "S-1",
                    "XL-1",
                    "2030-03-04 09:00",
                    "2030-03-04 16:00",
                    "",
                    "scheduled",
                    "public",
                    "",
                    "ilt",
                    "BER",
                    "R1",
                    "12",
                    "Europe/Berlin",
                    "EUR",
                    "690.00",
                    "de",
                    "",
                    "",
                ],
                &[
                    "S-1",
                    "XL-1",
                    "2030-03-05 09:00",
                    "2030-03-05 16:00",
                    "",
                    "scheduled",
                    "public",
                    "",
                    "ilt",
                    "BER",
                    "R1",
                    "12",
                    "Europe/Berlin",
                    "EUR",
                    "690.00",
                    "de",
                    "",
                    "",
                ],
                &[
                    "S-2",
                    "PM-1",
                    "2030-03-11 09:00",
                    "2030-03-11 17:00",
                    "Kick-off",
                    "draft",
                    "public",
                    "",
                    "ilt",
                    "BER",
                    "",
                    "10",
                    "Europe/Berlin",
                    "EUR",
                    "450.00",
                    "",
                    "",
                    "bring laptops",
                ],
                &[
                    "S-3",
                    "XL-1",
                    "2030-04-01 09:00",
                    "2030-04-01 16:00",
                    "",
                    "confirmed",
                    "private",
                    "ACME",
                    "ilt",
                    "BER",
                    "",
                    "8",
                    "Europe/Berlin",
                    "EUR",
                    "0.00",
                    "",
                    "",
                    "",
                ],
            ],
        ),
        table(
            Kind::Assignments,
            &[
                &["S-1", "anna@example.com", "lead", "confirmed"],
                &["S-3", "ben@example.com", "lead", "requested"],
            ],
        ),
        table(Kind::Enrollments, &enrollment_refs),
    ]
}

fn inputs_of(bytes: &[u8], name: &str, kind: Option<Kind>) -> Vec<Input> {
    let sheets = import::sheet::read(bytes, name).unwrap();
    import::kinds_of(kind, sheets)
        .unwrap()
        .into_iter()
        .map(|(kind, sheet)| Input {
            kind,
            sheet,
            mapping: None,
        })
        .collect()
}

async fn run(app: &App, bytes: &[u8], name: &str, kind: Option<Kind>, commit: bool) -> Report {
    import::run(
        app,
        &Caller::system(),
        inputs_of(bytes, name, kind),
        commit,
        &Quiet,
    )
    .await
    .unwrap()
}

/// Everything the instance holds, as the export writes it, with session references replaced
/// by their order (a fresh instance numbers its sessions anew).
async fn snapshot(app: &App) -> Vec<Table> {
    let mut tables = export(app, &Caller::system()).await.unwrap();
    let mut order: Vec<String> = Vec::new();
    for t in &tables {
        if t.kind == Kind::Sessions {
            for r in &t.rows {
                if !order.contains(&r[0]) {
                    order.push(r[0].clone());
                }
            }
        }
    }
    for t in tables.iter_mut() {
        if matches!(
            t.kind,
            Kind::Sessions | Kind::Assignments | Kind::Enrollments
        ) {
            for r in t.rows.iter_mut() {
                let i = order.iter().position(|k| *k == r[0]).unwrap();
                r[0] = format!("#{i}");
            }
        }
    }
    tables
}

fn rows_of(tables: &[Table], kind: Kind) -> usize {
    tables
        .iter()
        .find(|t| t.kind == kind)
        .map_or(0, |t| t.rows.len())
}

async fn a_workbook_imports_all_or_nothing_and_round_trips(t: &TestApp) {
    let book = to_xlsx(&world()).unwrap();
    let empty = snapshot(&t.app).await;

    let dry = run(&t.app, &book, "world.xlsx", None, false).await;
    assert!(dry.problems.is_empty(), "{:#?}", dry.problems);
    assert!(!dry.applied);
    assert_eq!(dry.created.get("sessions"), Some(&3));
    assert_eq!(dry.created.get("enrollments"), Some(&18));
    assert_eq!(snapshot(&t.app).await, empty, "a dry run changes nothing");

    let done = run(&t.app, &book, "world.xlsx", None, true).await;
    assert!(done.applied, "{:#?}", done.problems);
    let first = snapshot(&t.app).await;
    assert_eq!(rows_of(&first, Kind::Sessions), 4, "one row per part");
    assert_eq!(rows_of(&first, Kind::Enrollments), 18);
    assert_eq!(rows_of(&first, Kind::Assignments), 2);

    // The export holds what the sheet said: S-1 full with three waiting, in order.
    let enrolled = first.iter().find(|x| x.kind == Kind::Enrollments).unwrap();
    assert_eq!(enrolled.rows[12][1], "learner12@example.com");

    // Importing the same workbook again: every key is taken, nothing changes.
    let again = run(&t.app, &book, "world.xlsx", None, true).await;
    assert!(!again.applied);
    assert!(
        again
            .problems
            .iter()
            .any(|p| p.message.contains("already exists")),
        "{:#?}",
        again.problems
    );
    assert_eq!(snapshot(&t.app).await, first);

    // Round trip: the export into an empty instance, exported again, is the same data — through
    // the XLSX workbook and through the CSV files.
    let exported = to_xlsx(&export(&t.app, &Caller::system()).await.unwrap()).unwrap();
    let fresh = TestApp::spawn(t.kind).await;
    let back = run(&fresh.app, &exported, "export.xlsx", None, true).await;
    assert!(back.applied, "{:#?}", back.problems);
    assert_eq!(snapshot(&fresh.app).await, first);
    fresh.stop().await;

    let csvs = export(&t.app, &Caller::system()).await.unwrap();
    let fresh = TestApp::spawn(t.kind).await;
    for table in &csvs {
        let text = table.to_csv().unwrap();
        let r = run(
            &fresh.app,
            text.as_bytes(),
            &format!("{}.csv", table.kind.as_str()),
            Some(table.kind),
            true,
        )
        .await;
        assert!(r.applied, "{}: {:#?}", table.kind.as_str(), r.problems);
    }
    assert_eq!(snapshot(&fresh.app).await, first);
    fresh.stop().await;
}

async fn bad_input_is_reported_per_row_and_changes_nothing(t: &TestApp) {
    let empty = snapshot(&t.app).await;
    // Courses first, for the sessions below.
    let courses = "\u{feff}code;title;duration_days;currency;list_price\nXL-1;Excel;1;EUR;100\n";
    assert!(
        run(
            &t.app,
            courses.as_bytes(),
            "c.csv",
            Some(Kind::Courses),
            true
        )
        .await
        .applied
    );
    let venues = "code,name,address,city,country,time_zone\nBER,Berlin,Friedrichstr. 1,Berlin,DE,Europe/Berlin\n";
    let r = run(&t.app, venues.as_bytes(), "v.csv", Some(Kind::Venues), true).await;
    assert!(r.applied, "{:#?}", r.problems);
    let with_course = snapshot(&t.app).await;
    assert_ne!(with_course, empty);

    // A semicolon CSV with a BOM, a wrong date, a word for a number, a short line.
    let sheet = "\u{feff}Session;Course;Start;End;Capacity;Venue\n\
                 A;XL-1;2030-03-09 09:00;2030-03-09 17:00;12;BER\n\
                 B;XL-1;32.13.2026;2030-03-10 17:00;12;BER\n\
                 C;XL-1;2030-03-11 09:00;2030-03-11 17:00;twelve;BER\n\
                 D;XL-1;2030-03-12 09:00\n\
                 E;NOPE;2030-03-13 09:00;2030-03-13 17:00;12;BER\n";
    for commit in [false, true] {
        let r = run(
            &t.app,
            sheet.as_bytes(),
            "s.csv",
            Some(Kind::Sessions),
            commit,
        )
        .await;
        assert!(!r.applied);
        let texts: Vec<String> = r.problems.iter().map(|p| p.text()).collect();
        assert!(
            texts.contains(&"row 3, column 'Start': '32.13.2026' is not a date".to_owned()),
            "{texts:#?}"
        );
        assert!(
            texts.contains(&"row 4, column 'Capacity': 'twelve' is not a whole number".to_owned()),
            "{texts:#?}"
        );
        assert!(
            texts
                .iter()
                .any(|m| m.starts_with("row 5: this line has 3 value(s)")),
            "{texts:#?}"
        );
        assert!(
            texts
                .iter()
                .any(|m| m.starts_with("row 6, column 'Course': there is no course 'NOPE'")),
            "{texts:#?}"
        );
        assert_eq!(r.problems.len(), 4, "{texts:#?}");
        assert_eq!(snapshot(&t.app).await, with_course, "nothing changed");
    }

    // A failing row late in the file leaves nothing, though the rows before it were fine.
    let mut late = String::from("session,course,start,end,capacity,venue\n");
    for i in 0..40 {
        late.push_str(&format!(
            "K{i},XL-1,2030-05-{:02} 09:00,2030-05-{:02} 17:00,10,BER\n",
            i % 28 + 1,
            i % 28 + 1
        ));
    }
    late.push_str("LAST,XL-1,2030-06-01 17:00,2030-06-01 09:00,10,BER\n");
    let r = run(
        &t.app,
        late.as_bytes(),
        "late.csv",
        Some(Kind::Sessions),
        true,
    )
    .await;
    assert!(!r.applied);
    assert_eq!(r.problems.len(), 1, "{:#?}", r.problems);
    assert_eq!(r.problems[0].row, 42);
    assert_eq!(
        snapshot(&t.app).await,
        with_course,
        "the 40 good sessions were not kept"
    );

    // A formula and merged cells in a workbook.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("courses").unwrap();
    for (j, h) in ["code", "title", "duration_days", "currency", "list_price"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, j as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "F-1").unwrap();
    ws.write_string(1, 1, "Fine").unwrap();
    ws.write_number(1, 2, 1).unwrap();
    ws.write_string(1, 3, "EUR").unwrap();
    ws.write_number(1, 4, 100).unwrap();
    ws.write_string(2, 0, "F-2").unwrap();
    ws.write_string(2, 1, "Formula").unwrap();
    ws.write_formula(2, 2, "=1+1").unwrap();
    ws.write_string(2, 3, "EUR").unwrap();
    ws.write_number(2, 4, 100).unwrap();
    ws.merge_range(3, 0, 3, 1, "M-1", &rust_xlsxwriter::Format::new())
        .unwrap();
    ws.write_number(3, 2, 1).unwrap();
    ws.write_string(3, 3, "EUR").unwrap();
    ws.write_number(3, 4, 100).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let r = run(&t.app, &bytes, "book.xlsx", None, true).await;
    assert!(!r.applied);
    let texts: Vec<String> = r.problems.iter().map(|p| p.text()).collect();
    assert!(
        texts
            .contains(&"row 3: cell C3 holds a formula (=1+1); paste its value instead".to_owned()),
        "{texts:#?}"
    );
    assert!(
        texts.contains(
            &"row 4: cells A4:B4 are merged; unmerge them and fill in every cell".to_owned()
        ),
        "{texts:#?}"
    );
    assert_eq!(snapshot(&t.app).await, with_course);

    // 100,000 rows: each one reported, quickly, nothing changed.
    let mut big = String::from("session,learner\n");
    for i in 0..100_000 {
        big.push_str(&format!("S-{i},learner{i}@example.com\n"));
    }
    let r = run(
        &t.app,
        big.as_bytes(),
        "big.csv",
        Some(Kind::Enrollments),
        false,
    )
    .await;
    assert_eq!(r.problems.len(), 100_000);
    assert_eq!(r.groups.len(), 1);
    assert_eq!(r.groups[0].count, 100_000);
    assert_eq!(
        r.problems[99_999].text(),
        "row 100001, column 'session': there is no session 'S-99999', neither in this file nor in Trainyard"
    );
    assert_eq!(snapshot(&t.app).await, with_course);
}

async fn the_sheets_own_conflicts_are_reported(t: &TestApp) {
    let mut tables = world();
    // Anna also teaches S-2 and a new S-4, both overlapping S-1's days or each other's.
    let sessions = tables
        .iter_mut()
        .find(|x| x.kind == Kind::Sessions)
        .unwrap();
    let mut s4 = sessions.rows[2].clone();
    s4[0] = "S-4".into();
    s4[2] = "2030-03-11 10:00".into();
    s4[3] = "2030-03-11 12:00".into();
    sessions.rows.push(s4);
    let mut s5 = sessions.rows[0].clone();
    s5[0] = "S-5".into();
    s5[10] = "R1".into();
    sessions.rows.push(s5);
    let assignments = tables
        .iter_mut()
        .find(|x| x.kind == Kind::Assignments)
        .unwrap();
    for s in ["S-2", "S-4", "S-5"] {
        assignments.rows.push(vec![
            s.into(),
            "anna@example.com".into(),
            "lead".into(),
            "proposed".into(),
        ]);
    }
    let r = run(&t.app, &to_xlsx(&tables).unwrap(), "c.xlsx", None, false).await;
    let texts: Vec<&str> = r.conflicts.iter().map(|c| c.message.as_str()).collect();
    assert!(
        texts.iter().any(|m| m.starts_with(
            "your sheet double-books anna@example.com on 2 days (2030-03-04, 2030-03-11)"
        )),
        "{texts:#?}"
    );
    assert!(
        texts.contains(&"room R1 holds 12, 15 are enrolled in S-1"),
        "{texts:#?}"
    );
    assert!(
        texts
            .iter()
            .any(|m| m.starts_with("your sheet puts two sessions in room R1 at once on 1 day")),
        "{texts:#?}"
    );
    assert!(
        texts.contains(&"15 are enrolled in S-1, which takes 12: 3 would be on the waiting list"),
        "{texts:#?}"
    );
}

/// A multipart upload by hand: the file and the text fields.
async fn post_upload(
    t: &TestApp,
    api: &Api,
    path: &str,
    name: &str,
    bytes: &[u8],
    fields: &[(&str, &str)],
) -> (StatusCode, Value) {
    let boundary = "----trainyard-import-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = reqwest::Client::new()
        .post(t.url(&format!("/api/v1{path}")))
        .bearer_auth(&api.token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn finished(api: &Api, id: i64) -> Value {
    for _ in 0..600 {
        let r = api.get(&format!("/imports/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        if matches!(r.body["status"].as_str(), Some("done" | "failed")) {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("import job {id} did not finish");
}

async fn the_api_runs_imports_as_jobs_and_remembers_the_mapping(t: &TestApp) {
    let coordinator = t.api_as(trainyard_core::Role::Coordinator, None).await;
    let finance = t.api_as(trainyard_core::Role::Finance, None).await;
    let sheet = "Kurs;Titel;Tage;Waehrung;Preis\nAPI-1;Via the API;1;EUR;100\n";

    // Finance may not import.
    let (st, _) = post_upload(
        t,
        &finance,
        "/imports",
        "c.csv",
        sheet.as_bytes(),
        &[("kind", "courses")],
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The headers are not the layout's: the preview guesses nothing for them, the mapping says.
    let (st, preview) = post_upload(
        t,
        &coordinator,
        "/imports/preview",
        "c.csv",
        sheet.as_bytes(),
        &[("kind", "courses")],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{preview}");
    assert_eq!(preview[0]["kind"], "courses");
    assert_eq!(preview[0]["header"][0], "Kurs");
    let mapping = r#"{"courses": {"code": "Kurs", "title": "Titel", "duration_days": "Tage", "currency": "Waehrung", "list_price": "Preis"}}"#;
    let (st, _) = post_upload(
        t,
        &coordinator,
        "/imports",
        "c.csv",
        sheet.as_bytes(),
        &[("kind", "courses")],
    )
    .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no column for code and title: refused at once"
    );

    let (st, job) = post_upload(
        t,
        &coordinator,
        "/imports",
        "c.csv",
        sheet.as_bytes(),
        &[
            ("kind", "courses"),
            ("dry_run", "true"),
            ("mapping", mapping),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{job}");
    let done = finished(&coordinator, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["report"]["dry_run"], true, "{done}");
    assert_eq!(done["report"]["created"]["courses"], 1, "{done}");
    assert_eq!(
        coordinator.get("/courses").await.body["total"],
        0,
        "a dry run changes nothing"
    );

    let (st, job) = post_upload(
        t,
        &coordinator,
        "/imports",
        "c.csv",
        sheet.as_bytes(),
        &[("kind", "courses"), ("mapping", mapping)],
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{job}");
    let done = finished(&coordinator, job["id"].as_i64().unwrap()).await;
    assert_eq!(done["report"]["applied"], true, "{done}");
    assert_eq!(coordinator.get("/courses").await.body["total"], 1);

    // The mapping is remembered for the next sheet of courses in that layout.
    let next = "Kurs;Titel;Tage;Waehrung;Preis\nAPI-2;Second;1;EUR;100\n";
    let (_, preview) = post_upload(
        t,
        &coordinator,
        "/imports/preview",
        "c.csv",
        next.as_bytes(),
        &[("kind", "courses")],
    )
    .await;
    assert_eq!(preview[0]["mapping"]["code"], "Kurs", "{preview}");

    // The export as CSV has the layout's header and the course.
    let r = reqwest::Client::new()
        .get(t.url("/api/v1/exports/courses"))
        .bearer_auth(&coordinator.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("code,title,description"), "{csv}");
    assert!(csv.contains("API-1,Via the API"), "{csv}");
}

/// One number from the database.
async fn number(app: &App, sql: &str) -> i64 {
    let mut conn = app.store.read().await.unwrap();
    sqlx::Row::get(
        &sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        "n",
    )
}

/// Every session's seat counters equal its enrollments, every waiting list is numbered 1..n
/// without gaps, and the KPI facts (migration 0037) equal what the raw rows say.
async fn assert_counters_true(app: &App) {
    let wrong = number(
        app,
        "SELECT CAST(count(*) AS BIGINT) AS n FROM sessions s WHERE \
         s.booked_count <> (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id \
           AND e.status IN ('booked', 'attended', 'completed', 'failed', 'no_show')) \
         OR s.waitlist_count <> (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id AND e.status = 'waitlisted') \
         OR s.booked_count > s.capacity \
         OR s.kpi_came <> (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id AND e.status IN ('attended', 'completed', 'failed')) \
         OR s.kpi_no_show <> (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id AND e.status = 'no_show') \
         OR s.kpi_completed <> (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id AND e.status = 'completed')",
    )
    .await;
    assert_eq!(
        wrong, 0,
        "sessions whose counters disagree with their enrollments"
    );
    let gaps = number(
        app,
        "SELECT CAST(count(*) AS BIGINT) AS n FROM sessions s WHERE s.waitlist_count > 0 AND \
         (SELECT count(DISTINCT e.waitlist_position) FROM enrollments e WHERE e.session_id = s.id AND e.status = 'waitlisted' \
           AND e.waitlist_position BETWEEN 1 AND s.waitlist_count) <> s.waitlist_count",
    )
    .await;
    assert_eq!(gaps, 0, "waiting lists not numbered 1..n");
}

/// Enrollments written many at a time give every row the answer the use case gives it: seats
/// then the waiting list in the sheet's order, the same refusals, a re-enrollment after a
/// cancellation through the use case among them, counters and KPI facts true, and one audit
/// event per enrollment.
async fn imported_enrollments_keep_the_counters_and_the_trail(t: &TestApp) {
    let events = "SELECT CAST((SELECT count(*) FROM audit_events WHERE entity_type = 'enrollment') + \
        (SELECT count(*) FROM audit_pending WHERE entity_type = 'enrollment') AS BIGINT) AS n";
    let done = run(
        &t.app,
        &to_xlsx(&world()).unwrap(),
        "world.xlsx",
        None,
        true,
    )
    .await;
    assert!(done.applied, "{:#?}", done.problems);
    assert_counters_true(&t.app).await;
    assert_eq!(number(&t.app, events).await, 18, "one event per enrollment");
    // S-1 (12 seats): the first twelve rows booked, the last three waiting as 1, 2, 3.
    let waiting = |learner: usize| {
        format!(
            "SELECT CAST(COALESCE(MAX(e.waitlist_position), -1) AS BIGINT) AS n FROM enrollments e \
             JOIN learners l ON l.id = e.learner_id WHERE l.email = 'learner{learner}@example.com' \
             AND e.status = 'waitlisted' AND e.session_id = (SELECT session_id FROM enrollments WHERE id = \
             (SELECT MIN(id) FROM enrollments))"
        )
    };
    for (learner, position) in [(11, -1), (12, 1), (13, 2), (14, 3)] {
        assert_eq!(
            number(&t.app, &waiting(learner)).await,
            position,
            "learner{learner}"
        );
    }

    // learner0 cancels S-1 (a seat frees and the waiting list moves), then a second sheet
    // enrolls two new learners around learner0's return (through the use case), and learner5
    // again (refused as the use case refuses it).
    let first = number(
        &t.app,
        "SELECT CAST(MIN(id) AS BIGINT) AS n FROM enrollments",
    )
    .await;
    let version = number(
        &t.app,
        &format!("SELECT CAST(version AS BIGINT) AS n FROM enrollments WHERE id = {first}"),
    )
    .await;
    trainyard_app::enrollment::cancel(&t.app, &Caller::system(), first, version)
        .await
        .unwrap();
    let before = number(&t.app, events).await;
    let mut more = vec![table(
        Kind::Learners,
        &[
            &["new1@example.com", "New", "One"],
            &["new2@example.com", "New", "Two"],
            &["new3@example.com", "New", "Three"],
        ],
    )];
    let s1 = number(
        &t.app,
        &format!("SELECT CAST(session_id AS BIGINT) AS n FROM enrollments WHERE id = {first}"),
    )
    .await;
    let reference = |id: i64| format!("SELECT reference AS r FROM sessions WHERE id = {id}");
    let mut conn = t.app.store.read().await.unwrap();
    let s1_ref: String = sqlx::Row::get(
        &sqlx::query(sqlx::AssertSqlSafe(reference(s1)))
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        "r",
    );
    drop(conn);
    more.push(table(
        Kind::Enrollments,
        &[
            &[s1_ref.as_str(), "new1@example.com"],
            &[s1_ref.as_str(), "learner0@example.com"],
            &[s1_ref.as_str(), "new2@example.com"],
            &[s1_ref.as_str(), "learner5@example.com"],
        ],
    ));
    let book = to_xlsx(&more).unwrap();
    let dry = run(&t.app, &book, "more.xlsx", None, false).await;
    let texts: Vec<String> = dry.problems.iter().map(|p| p.text()).collect();
    assert_eq!(
        texts,
        vec![format!(
            "row 5: Lea5 Lerner5 is already enrolled in {s1_ref} (booked)."
        )],
        "the use case's refusal, word for word"
    );
    assert_eq!(dry.created.get("enrollments"), Some(&3));
    more[1].rows.pop();
    let book = to_xlsx(&more).unwrap();
    let r = run(&t.app, &book, "more.xlsx", None, true).await;
    assert!(r.applied, "{:#?}", r.problems);
    assert_eq!(r.created.get("enrollments"), Some(&3));
    assert_counters_true(&t.app).await;
    assert_eq!(
        number(&t.app, events).await,
        before + 3,
        "one event per enrollment"
    );
    // S-1 is full again after the promotion: all three wait, in the sheet's order, behind the
    // two still waiting.
    let position = |email: &str| {
        format!(
            "SELECT CAST(COALESCE(MAX(e.waitlist_position), -1) AS BIGINT) AS n FROM enrollments e \
             JOIN learners l ON l.id = e.learner_id WHERE l.email = '{email}' AND e.status = 'waitlisted' \
             AND e.session_id = {s1}"
        )
    };
    let mut got = Vec::new();
    for email in [
        "new1@example.com",
        "learner0@example.com",
        "new2@example.com",
    ] {
        got.push(number(&t.app, &position(email)).await);
    }
    assert_eq!(got, vec![3, 4, 5]);
}
