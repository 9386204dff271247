//! Languages and locales over HTTP on both databases (issue 14): a German learner enrolled by an
//! English coordinator is written to in German (German dates, German calendar summary); a Spanish
//! learner, for whom no wording exists, gets English and the template editor shows the gap; the
//! translated pages carry no English sentence of the catalogue; the language switcher keeps the
//! page and its filters; the API takes and returns language tags and filters sessions by theirs.

use crate::common;

use crate::common::{Api, Browser, PASSWORD, TestApp, course_body, mails_to, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    a_german_learner_gets_a_german_confirmation_from_an_english_coordinator,
    a_spanish_learner_gets_english_and_the_editor_shows_the_gap,
    pages_render_in_german_without_the_english_catalogue,
    every_page_renders_in_german_as_whoever_may_see_it,
    a_german_reader_types_and_reads_dates_and_amounts_the_german_way,
    a_german_reader_is_told_what_is_wrong_in_german,
    a_german_clients_invoice_prints_in_german,
    an_administrator_sets_a_users_language,
    switching_language_keeps_the_page_and_its_filters,
    the_api_takes_and_returns_language_tags_and_filters_by_them,
    a_german_coordinator_reads_refusals_and_conflicts_in_german,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// The days of a two-part session, 20 and 21 days from now.
fn days() -> (chrono::NaiveDate, chrono::NaiveDate) {
    let d = chrono::Utc::now().date_naive() + chrono::Duration::days(20);
    (d, d + chrono::Duration::days(1))
}

/// A scheduled public two-part session in Berlin taught in `language`.
async fn session(ops: &Api, code: &str, language: Option<&str>) -> Value {
    let venue = id(&ops
        .create("/venues", &venue_body(code, "Europe/Berlin"))
        .await);
    let course = id(&ops.create("/courses", &course_body(code)).await);
    let (d1, d2) = days();
    let s = ops
        .create(
            "/sessions",
            &json!({ "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10,
                     "venue_id": venue, "time_zone": "Europe/Berlin", "delivery_language": language,
                     "seat_price": { "amount": "990", "currency": "EUR" },
                     "parts": [{ "starts": format!("{d1}T09:00"), "ends": format!("{d1}T17:00") },
                               { "starts": format!("{d2}T09:00"), "ends": format!("{d2}T17:00") }] }),
        )
        .await;
    let r = ops
        .post(
            &format!("/sessions/{}/transition", id(&s)),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "schedule: {}", r.body);
    r.body
}

async fn learner(ops: &Api, email: &str, client: Option<i64>, language: Option<&str>) -> Value {
    ops.create(
        "/learners",
        &json!({ "first_name": "Lea", "last_name": "Lernt", "email": email, "client_id": client,
                 "time_zone": "Europe/Berlin", "language": language }),
    )
    .await
}

/// The calendar invitation of the last message to `email`.
async fn ics_to(t: &TestApp, email: &str) -> String {
    use trainyard_store::outbox::{self, OutboxFilter};
    let mut conn = t.app.store.read().await.unwrap();
    let page = outbox::list(
        &mut conn,
        &OutboxFilter {
            recipient: email.into(),
            per_page: 50,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let m = page.items.first().expect("a message");
    outbox::get(&mut conn, m.id)
        .await
        .unwrap()
        .ics
        .expect("an invitation")
}

async fn a_german_learner_gets_a_german_confirmation_from_an_english_coordinator(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let client = ops
        .create(
            "/clients",
            &json!({ "code": "DEKUNDE", "name": "Kunde GmbH", "billing_email": "ap@kunde.example",
                     "currency": "EUR", "time_zone": "Europe/Berlin", "language": "de" }),
        )
        .await;
    assert_eq!(client["language"], "de");
    // The learner has no language of their own: their client's is theirs.
    let l = learner(&ops, "lea@kunde.example", Some(id(&client)), None).await;
    assert_eq!(l["language"], Value::Null);
    assert_eq!(l["client_language"], "de");
    let s = session(&ops, "DE1", Some("de")).await;
    ops.create(
        &format!("/sessions/{}/enrollments", id(&s)),
        &json!({ "learner_id": id(&l) }),
    )
    .await;

    let mails = mails_to(t, "lea@kunde.example").await;
    let m = mails
        .iter()
        .find(|m| m.kind == "enrollment_confirmed")
        .expect("a confirmation");
    let (d1, d2) = days();
    let de = |d: chrono::NaiveDate| d.format("%d.%m.%Y").to_string();
    assert!(
        m.subject.starts_with("Gebucht: Course DE1 am ") && m.subject.contains(&de(d1)),
        "{}",
        m.subject
    );
    assert!(m.subject.contains(" 09:00 "), "{}", m.subject);
    assert!(m.body.starts_with("Guten Tag Lea Lernt,"), "{}", m.body);
    assert!(m.body.contains("Sie sind für Course DE1"), "{}", m.body);
    assert!(
        m.body.contains(&format!("{} 09:00–17:00", de(d1)))
            && m.body.contains(&format!("{} 09:00–17:00", de(d2))),
        "German dates: {}",
        m.body
    );
    assert!(
        !m.body.contains("Hello") && !m.body.contains("booked"),
        "{}",
        m.body
    );
    let ics = ics_to(t, "lea@kunde.example").await;
    assert!(
        ics.contains("SUMMARY:DE1 Course DE1 (Teil 1/2)") && ics.contains("(Teil 2/2)"),
        "{ics}"
    );
    assert!(ics.contains("Termin S-"), "{ics}");

    // A week ahead the reminder goes out, in German too.
    let start = trainyard_core::time::parse_rfc3339(s["starts_at"].as_str().unwrap()).unwrap();
    trainyard_app::reminders::enqueue_due(&t.app, start - 7 * 86_400_000 + 60_000)
        .await
        .unwrap();
    let mails = mails_to(t, "lea@kunde.example").await;
    let r = mails
        .iter()
        .find(|m| m.kind == "session_reminder")
        .expect("a reminder");
    assert!(
        r.subject.starts_with("Erinnerung: Course DE1 am ") && r.subject.contains(&de(d1)),
        "{}",
        r.subject
    );
    assert!(r.body.contains("eine Erinnerung:"), "{}", r.body);

    // Cancelling the place: German too, with the German calendar words.
    let e = ops
        .get(&format!("/sessions/{}/enrollments", id(&s)))
        .await
        .body;
    let e = e
        .as_array()
        .or_else(|| e["items"].as_array())
        .and_then(|a| a.first().cloned())
        .expect("the enrollment");
    let r = ops
        .post(
            &format!("/enrollments/{}/cancel", e["id"]),
            &json!({ "version": e["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mails = mails_to(t, "lea@kunde.example").await;
    let c = mails
        .iter()
        .find(|m| m.kind == "enrollment_cancelled")
        .expect("a cancellation");
    assert!(c.subject.starts_with("Storniert: "), "{}", c.subject);
    assert!(c.body.contains("ist storniert."), "{}", c.body);
}

async fn a_spanish_learner_gets_english_and_the_editor_shows_the_gap(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let l = learner(&ops, "lucia@example.es", None, Some("es")).await;
    assert_eq!(l["language"], "es");
    let s = session(&ops, "ES1", None).await;
    ops.create(
        &format!("/sessions/{}/enrollments", id(&s)),
        &json!({ "learner_id": id(&l) }),
    )
    .await;
    let mails = mails_to(t, "lucia@example.es").await;
    let m = mails
        .iter()
        .find(|m| m.kind == "enrollment_confirmed")
        .expect("a confirmation");
    assert!(
        m.subject.starts_with("Booked: Course ES1 on "),
        "{}",
        m.subject
    );
    assert!(m.body.starts_with("Hello Lea Lernt,"), "{}", m.body);
    assert!(ics_to(t, "lucia@example.es").await.contains("(part 1/2)"));

    // The editor says so, in the API and on the page.
    let admin = t.api_as(Role::Admin, None).await;
    let es = admin
        .get("/message-templates/enrollment_confirmed?language=es")
        .await;
    assert_eq!(es.status, StatusCode::OK, "{}", es.body);
    assert_eq!(es.body["language"], "es");
    assert_eq!(es.body["fallback"], true);
    assert!(es.body["subject"].as_str().unwrap().starts_with("Booked:"));
    let langs = es.body["languages"].as_array().unwrap();
    let of = |l: &str| langs.iter().find(|x| x["language"] == l).unwrap().clone();
    assert_eq!(of("en")["available"], true);
    assert_eq!(of("de")["available"], true);
    assert_eq!(of("es")["available"], false);
    assert_eq!(of("es")["name"], "Español");
    let de = admin
        .get("/message-templates/enrollment_confirmed?language=de")
        .await;
    assert_eq!(de.body["fallback"], false);
    assert!(de.body["subject"].as_str().unwrap().starts_with("Gebucht:"));
    let bad = admin
        .get("/message-templates/enrollment_confirmed?language=xx-yyyy")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);

    let b = t.browser_as(Role::Admin, None).await;
    let (st, html) = b
        .get("/admin/messages/enrollment_confirmed?language=es")
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("Español missing: English will be sent"),
        "{html}"
    );
    let (_, list) = b.get("/admin/messages").await;
    assert!(list.contains("Español missing"), "{list}");
    // A preview in German uses German sample dates.
    let p = admin
        .post(
            "/message-templates/enrollment_confirmed/preview?language=de",
            &json!({ "subject": de.body["subject"], "body": de.body["body"] }),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body["subject"].as_str().unwrap().contains("04.05.2027"));

    // Writing the Spanish wording closes the gap: the next Spanish learner reads it.
    let saved = admin
        .put(
            "/message-templates/enrollment_confirmed?language=es",
            &json!({ "subject": "Reservado: {{ course_title }} el {{ starts }}", "body": "Hola {{ learner_name }}.\n", "version": 0 }),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.body["fallback"], false);
    assert_eq!(saved.body["customized"], true);
    let l2 = learner(&ops, "pablo@example.es", None, Some("es")).await;
    ops.create(
        &format!("/sessions/{}/enrollments", id(&s)),
        &json!({ "learner_id": id(&l2) }),
    )
    .await;
    let m = mails_to(t, "pablo@example.es").await;
    assert!(
        m[0].subject.starts_with("Reservado: Course ES1 el "),
        "{}",
        m[0].subject
    );
    // Spanish dates for Spanish wording.
    let (d1, _) = days();
    assert!(
        m[0].subject.contains(&d1.format("%d/%m/%Y").to_string()),
        "{}",
        m[0].subject
    );
}

/// The English catalogue's sentences (several words, no placeholder) that German says
/// differently; labels of values (statuses, modes, roles) are names, not sentences.
fn english_sentences() -> Vec<(String, String)> {
    let value_of = |ftl: &str, key: &str| {
        ftl.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(" = ")?;
                (k == key).then(|| v.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let (_, en) = trainyard_web::i18n::CATALOGUES[0];
    let (_, de) = trainyard_web::i18n::CATALOGUES[1];
    trainyard_web::i18n::keys(en)
        .into_iter()
        .filter(|k| {
            !["status-", "mode-", "visibility-", "role-"]
                .iter()
                .any(|p| k.starts_with(p))
        })
        .map(|k| (k.to_owned(), value_of(en, k)))
        .filter(|(k, v)| v.contains(' ') && !v.contains('{') && *v != value_of(de, k))
        .collect()
}

fn assert_german(page: &str, html: &str) {
    assert!(html.contains("<html lang=\"de\">"), "{page}: not German");
    let sentences = english_sentences();
    assert!(sentences.len() > 30, "{}", sentences.len());
    for (key, en) in sentences {
        assert!(
            !html.contains(&en),
            "{page} shows the English '{en}' ({key}) in German"
        );
    }
}

async fn german_browser(t: &TestApp, role: Role) -> Browser {
    let b = t.browser_as(role, None).await;
    let csrf = b.csrf().await;
    let (st, _) = b
        .post_form(
            "/language",
            &[("lang", "de"), ("back", "/"), ("_csrf", &csrf)],
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    b
}

async fn pages_render_in_german_without_the_english_catalogue(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let s = session(&ops, "GER", Some("de")).await;
    let b = german_browser(t, Role::Coordinator).await;
    let (_, d1) = (0, days().0);
    for page in [
        "/".to_owned(),
        format!("/sessions?from={d1}"),
        "/sessions?from=2000-01-01&status=closed".to_owned(),
        format!("/sessions/{}", id(&s)),
        format!("/sessions/{}?tab=enrollments", id(&s)),
        "/admin/import".to_owned(),
    ] {
        let (st, html) = b.get(&page).await;
        assert_eq!(st, StatusCode::OK, "{page}");
        assert_german(&page, &html);
        assert!(html.contains("Abmelden"), "{page}");
    }
    let (_, list) = b.get(&format!("/sessions?from={d1}")).await;
    for de in [
        "Termine",
        "Als CSV exportieren",
        "Beginn",
        "Geplant",
        "Sprache",
    ] {
        assert!(list.contains(de), "the sessions list lacks '{de}'");
    }
    let (_, page) = b.get(&format!("/sessions/{}", id(&s))).await;
    for de in [
        "Überblick",
        "Anmeldungen",
        "Verlauf",
        "Unterrichtssprache: Deutsch",
    ] {
        assert!(page.contains(de), "the session page lacks '{de}'");
    }

    // The sign-in page follows the browser's language.
    let anonymous = reqwest::Client::new();
    let html = anonymous
        .get(t.url("/login"))
        .header("accept-language", "de-DE,de;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_german("/login", &html);
    assert!(html.contains("Passwort vergessen?"));
    let english = anonymous
        .get(t.url("/login"))
        .header("accept-language", "fr-FR, en;q=0.5")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("<html lang=\"en\">") && english.contains("Forgot your password?"));
}

async fn switching_language_keeps_the_page_and_its_filters(t: &TestApp) {
    let email = "switcher@example.com";
    t.user(email, Role::Coordinator, None).await;
    let b = Browser::new(t);
    b.login(email, PASSWORD).await;
    let here = "/sessions?status=draft&from=2020-01-01";
    let (_, html) = b.get(here).await;
    assert!(html.contains("Export CSV") && html.contains("<html lang=\"en\">"));
    // The switcher sits on the page with this very page (and query) to come back to.
    assert!(
        html.contains("name=\"back\" value=\"/sessions?status=draft&#38;from=2020-01-01\""),
        "{html}"
    );
    let csrf = b.csrf().await;
    let r = b
        .http
        .post(t.url("/language"))
        .header("origin", t.url(""))
        .form(&[("lang", "de"), ("back", here), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        &r.url().as_str()[t.url("").len()..],
        here,
        "back on the same page with its filters"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\">") && html.contains("Als CSV exportieren"));
    assert!(
        html.contains("<option value=\"draft\" selected>Entwurf</option>"),
        "the filter stays set"
    );
    // Saved with the account: a new sign-in elsewhere is German too, whatever the browser says.
    let other = Browser::new(t);
    other.login(email, PASSWORD).await;
    let (_, html) = other.get("/").await;
    assert!(
        html.contains("<html lang=\"de\">"),
        "the choice is the user's"
    );
    // Without the form's token a signed-in user's choice is refused.
    let (st, _) = other
        .post_form("/language", &[("lang", "en"), ("back", "/")])
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // An unknown language changes nothing; an outside address goes home.
    let (st, _) = other
        .post_form("/language", &[("lang", "tlh"), ("back", "/")])
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let anon = Browser::new(t);
    let r = anon
        .http
        .post(t.url("/language"))
        .header("origin", t.url(""))
        .form(&[("lang", "de"), ("back", "//evil.example/x")])
        .send()
        .await
        .unwrap();
    assert!(r.url().as_str().ends_with("/login?next=%2F") || r.url().path() == "/login");
    let (_, login) = anon.get("/login").await;
    assert!(
        login.contains("Anmelden"),
        "the cookie carries an anonymous choice"
    );
}

async fn the_api_takes_and_returns_language_tags_and_filters_by_them(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let de = session(&ops, "LDE", Some("de-AT")).await;
    let en = session(&ops, "LEN", Some("en")).await;
    assert_eq!(de["delivery_language"], "de-AT");
    let list = ops.get("/sessions?language=de&from=2000-01-01").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let ids: Vec<i64> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert!(ids.contains(&id(&de)) && !ids.contains(&id(&en)), "{ids:?}");
    let bad = ops.get("/sessions?language=german").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.to_string().contains("language"), "{}", bad.body);

    // Tags are normalised on the way in; a non-tag is refused naming the field.
    let l = learner(&ops, "norm@example.com", None, Some("EN_gb")).await;
    assert_eq!(l["language"], "en-GB");
    let r = ops
        .post(
            "/learners",
            &json!({ "first_name": "A", "last_name": "B", "email": "bad@example.com",
                     "time_zone": "Europe/Berlin", "language": "english" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("language"), "{}", r.body);
    // A PATCH clears it: the learner inherits again.
    let p = ops
        .send(
            reqwest::Method::PATCH,
            &format!("/learners/{}", id(&l)),
            Some(&json!({ "language": null, "version": l["version"] })),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.body["language"], Value::Null);

    // The company's language is the last step before English.
    let admin = t.api_as(Role::Admin, None).await;
    let r = admin
        .put(
            "/settings/language",
            &json!({ "default_language": "de", "version": 0 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["default_language"], "de");
    let nobody = learner(&ops, "nobody@example.com", None, None).await;
    ops.create(
        &format!("/sessions/{}/enrollments", id(&en)),
        &json!({ "learner_id": id(&nobody) }),
    )
    .await;
    let m = mails_to(t, "nobody@example.com").await;
    assert!(m[0].subject.starts_with("Gebucht:"), "{}", m[0].subject);
    let stale = admin
        .put(
            "/settings/language",
            &json!({ "default_language": "en", "version": 0 }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
}

// ------------------------------------------------------------------ every page, in German

/// The demo's people, signed in and reading German, in the order a page is tried as: the first
/// who is shown the page (200, HTML, not the sign-in page) renders it.
async fn demo_readers(t: &TestApp) -> Vec<(&'static str, reqwest::Client)> {
    let mut out = Vec::new();
    for (role, email) in trainyard_app::demo::LOGINS {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let r = http
            .post(t.url("/login"))
            .header("origin", t.url(""))
            .form(&[
                ("email", email),
                ("password", trainyard_app::demo::PASSWORD),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{email} signs in");
        let b = Browser {
            http: http.clone(),
            base: t.url(""),
        };
        let csrf = b.csrf().await;
        let (st, _) = b
            .post_form(
                "/language",
                &[("lang", "de"), ("back", "/"), ("_csrf", &csrf)],
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{email} chooses German");
        out.push((role, http));
    }
    // Public pages (the catalog, verification) as someone without an account, in German.
    let anonymous = reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(
            [(
                reqwest::header::ACCEPT_LANGUAGE,
                reqwest::header::HeaderValue::from_static("de-DE,de;q=0.9"),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    out.push(("anonymous", anonymous));
    out
}

async fn scalar(t: &TestApp, sql: &str) -> Option<String> {
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_optional(t.app.store.pool())
        .await
        .ok()??;
    use sqlx::Row;
    row.try_get::<i64, _>(0)
        .map(|n| n.to_string())
        .or_else(|_| row.try_get::<String, _>(0))
        .ok()
}

/// The value of a route's placeholder in the demo world: `{id}` is a record of the table its
/// path names (the segment before it), the others are named.
async fn placeholder(t: &TestApp, route: &str, name: &str, before: &str) -> Option<String> {
    let learner =
        "(SELECT learner_id FROM users WHERE email = 'learner@northwind-training.example')";
    let instructor =
        "(SELECT instructor_id FROM users WHERE email = 'anna.berg@northwind-training.example')";
    let sql = match (name, before) {
        ("event", _) => return Some("enrollment_confirmed".into()),
        ("code", _) => "SELECT min(code) FROM certificates".to_owned(),
        ("id", "enrollments") => format!("SELECT min(id) FROM enrollments WHERE learner_id = {learner}"),
        ("id", "assignments") if route.starts_with("/portal") => {
            format!("SELECT min(id) FROM assignments WHERE instructor_id = {instructor}")
        }
        ("id", "sessions") => "SELECT min(session_id) FROM enrollments".to_owned(),
        ("id", "catalog") => "SELECT min(course_id) FROM sessions WHERE visibility = 'public' AND status = 'scheduled'".to_owned(),
        ("id", "runs") if route.starts_with("/plan") => "SELECT min(id) FROM plan_runs".to_owned(),
        ("id", "runs") => "SELECT min(id) FROM invoice_runs".to_owned(),
        ("id", "windows") => "SELECT min(session_id) FROM planning_windows".to_owned(),
        ("id", "views") => "SELECT min(id) FROM saved_report_views".to_owned(),
        ("id", "audit") => "SELECT min(id) FROM audit_events".to_owned(),
        ("id", "webhooks") => "SELECT min(id) FROM webhook_endpoints".to_owned(),
        ("id", "users") => "SELECT min(id) FROM users".to_owned(),
        ("id", "documents") => "SELECT min(id) FROM documents".to_owned(),
        ("id", "substitutions") => "SELECT min(id) FROM substitutions".to_owned(),
        ("id", "items") => "SELECT min(id) FROM session_compliance_items".to_owned(),
        ("id", table) => format!("SELECT min(id) FROM {}", table.replace('-', "_")),
        _ => return None,
    };
    scalar(t, &sql).await
}

async fn fill(t: &TestApp, route: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = route;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        let before = rest[..open]
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        let before = if before.is_empty() {
            out.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
        } else {
            before
        };
        let value = placeholder(t, route, &rest[open + 1..close], before).await?;
        out.push_str(&rest[..open]);
        out.push_str(&value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Pages that are no page of their own (files, redirects, fragments a page loads, forms that
/// only answer a POST), and what a path needs beyond its route (a query) to show.
const NOT_PAGES: &[&str] = &[
    "/healthz",
    "/feeds/{file}",
    "/feeds/{kind}/{target}",
    "/certificates/{id}/pdf",
    "/invoices/{id}/pdf",
    "/quotes/{id}/pdf",
    "/invoices/export",
    "/learners/search",
    "/survey/{token}",
    "/account/confirm",
    "/account/sign-in",
    "/account/password",
    "/account/invite",
    "/documents/{id}",
    "/clients/{id}/evidence-pack",
    "/sessions/{id}/evidence-pack",
];
const QUERIES: &[(&str, &str)] = &[
    ("/calendar", "?kind=instructor&id=1"),
    ("/sessions/{id}/candidates", "?role=lead"),
];

/// English still on German pages, by page and catalogue key, known and accepted: none. A page
/// that writes a catalogue sentence in English fails the test below; list it here only with the
/// reason it cannot be translated yet (the test prints the known ones it still sees).
const STILL_ENGLISH: &[(&str, &str)] = &[];

/// The HTML around the first `needle`, to find where a page writes it.
fn around(html: &str, needle: &str) -> String {
    let at = html.find(needle).unwrap_or(0);
    let mut from = at.saturating_sub(80);
    while !html.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (at + needle.len() + 60).min(html.len());
    while !html.is_char_boundary(to) {
        to += 1;
    }
    html[from..to].replace('\n', " ")
}

async fn every_page_renders_in_german_as_whoever_may_see_it(t: &TestApp) {
    trainyard_app::demo::seed(&t.app).await.unwrap();
    let readers = demo_readers(t).await;
    let mut rendered = Vec::new();
    let mut unreached = Vec::new();
    let mut english = Vec::new();
    let mut known = Vec::new();
    for (method, route) in common::routes::page_routes() {
        if method != "GET" || NOT_PAGES.contains(&route.as_str()) {
            continue;
        }
        let Some(mut path) = fill(t, &route).await else {
            unreached.push(format!("{route} (no record in the demo)"));
            continue;
        };
        if let Some((_, q)) = QUERIES.iter().find(|(r, _)| *r == route) {
            path.push_str(q);
        }
        let mut shown = None;
        for (who, http) in &readers {
            let r = http.get(t.url(&path)).send().await.unwrap();
            let html = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html"));
            let at_login = r.url().path() == "/login" && route != "/login";
            if r.status() == StatusCode::OK && html && !at_login {
                shown = Some((*who, r.text().await.unwrap()));
                break;
            }
        }
        let Some((who, body)) = shown else {
            unreached.push(format!("{path} (nobody is shown it)"));
            continue;
        };
        if !body.contains("<html lang=\"de\">") {
            english.push(format!("{path} as {who}: not in German"));
            continue;
        }
        for (key, en) in english_sentences() {
            if body.contains(&en) {
                let line = format!(
                    "{path} as {who}: '{en}' ({key}) in …{}…",
                    around(&body, &en)
                );
                if STILL_ENGLISH.contains(&(path.as_str(), key.as_str())) {
                    known.push(line);
                } else {
                    english.push(line);
                }
            }
        }
        rendered.push(path);
    }
    assert!(
        english.is_empty(),
        "{} English sentence(s) on German pages:\n{}",
        english.len(),
        english.join("\n")
    );
    // Every page the routes declare was rendered, but for the ones the demo has no record for.
    assert!(
        rendered.len() > 70,
        "only {} pages rendered; not reached:\n{}",
        rendered.len(),
        unreached.join("\n")
    );
    eprintln!(
        "{} pages rendered in German; not reached: {:?}; English still known on them ({}):\n{}",
        rendered.len(),
        unreached,
        known.len(),
        known.join("\n")
    );
}

// ------------------------------------------------------------------ input, documents, users

async fn a_german_reader_types_and_reads_dates_and_amounts_the_german_way(t: &TestApp) {
    // Managers see and write budgets (finance data).
    let ops = t.api_as(Role::Manager, None).await;
    let client = id(&ops
        .create(
            "/clients",
            &json!({ "code": "FORM", "name": "Form GmbH", "billing_email": "ap@form.example",
                     "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await);
    let b = german_browser(t, Role::Manager).await;
    let csrf = b.csrf().await;
    let client = client.to_string();
    let mut form = vec![
        ("_csrf", csrf.as_str()),
        ("client_id", client.as_str()),
        ("name", "Führung 2027"),
        ("budget", "1.234,50"),
        ("currency", "EUR"),
        ("starts_on", "06.12.2026"),
        ("ends_on", "2027-01-31"),
    ];
    // Refused input comes back the German way, the reason at its field.
    form[6] = ("ends_on", "01.12.2026");
    let (st, html) = b.post_form("/programs", &form).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("value=\"06.12.2026\""), "{html}");
    assert!(html.contains("value=\"01.12.2026\""), "{html}");
    assert!(html.contains("value=\"1.234,50\""), "{html}");
    assert!(html.contains("placeholder=\"TT.MM.JJJJ\""), "{html}");
    form[6] = ("ends_on", "2027-01-31");
    let (st, html) = b.post_form("/programs", &form).await;
    assert_eq!(st, StatusCode::OK, "{html}");

    // The API reads ISO dates and decimal strings.
    let page = ops.get("/programs?q=F%C3%BChrung").await.body;
    let p = &page["items"][0];
    assert_eq!(p["starts_on"], "2026-12-06", "{page}");
    assert_eq!(p["ends_on"], "2027-01-31");
    assert_eq!(p["budget"]["amount"], "1234.50");
    // And the German reader sees them back their way.
    let (_, edit) = b.get(&format!("/programs/{}/edit", id(p))).await;
    assert!(edit.contains("value=\"06.12.2026\""), "{edit}");
    assert!(edit.contains("value=\"31.01.2027\""), "{edit}");
    assert!(edit.contains("value=\"1.234,50\""), "{edit}");

    // A US reader types their way too (and ISO still works for everyone).
    let us = t.browser_as(Role::Manager, None).await;
    let csrf = us.csrf().await;
    let (st, html) = us
        .post_form(
            "/programs",
            &[
                ("_csrf", csrf.as_str()),
                ("client_id", client.as_str()),
                ("name", "Leadership US"),
                ("budget", "1,234.50"),
                ("currency", "EUR"),
                ("starts_on", "12/6/2026"),
                ("ends_on", "2027-01-31"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let page = ops.get("/programs?q=Leadership%20US").await.body;
    assert_eq!(page["items"][0]["starts_on"], "2026-12-06", "{page}");
    assert_eq!(page["items"][0]["budget"]["amount"], "1234.50");
}

/// Refused input is explained in the reader's language beside its field (the problem's code
/// through the catalogue); the API's problem+json stays English.
async fn a_german_reader_is_told_what_is_wrong_in_german(t: &TestApp) {
    let ops = t.api_as(Role::Manager, None).await;
    let client = id(&ops
        .create(
            "/clients",
            &json!({ "code": "FEHL", "name": "Fehler GmbH", "billing_email": "ap@fehler.example",
                     "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await);
    let b = german_browser(t, Role::Manager).await;
    let csrf = b.csrf().await;
    let client = client.to_string();
    let mut form = vec![
        ("_csrf", csrf.as_str()),
        ("client_id", client.as_str()),
        ("name", " "),
        ("budget", "1.234,50"),
        ("currency", "EUR"),
        ("starts_on", "31.02.2026"),
        ("ends_on", "2027-01-31"),
    ];
    let (st, html) = b.post_form("/programs", &form).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("ist erforderlich"),
        "the required name in German: {html}"
    );
    assert!(
        html.contains("„31.02.2026“ ist kein Datum (erwartet TT.MM.JJJJ oder JJJJ-MM-TT)"),
        "the impossible date in German: {html}"
    );
    for en in ["is required", "is not a date", "expected DD.MM.YYYY"] {
        assert!(!html.contains(en), "'{en}' in German: {html}");
    }
    // The same mistake through the API: English, for logs and integrations.
    let r = ops
        .post(
            "/programs",
            &json!({ "client_id": client.parse::<i64>().unwrap(), "name": " ", "currency": "EUR",
                     "starts_on": "2026-12-06", "ends_on": "2027-01-31" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("is required"), "{}", r.body);

    // A stale edit (409) keeps the input and says why in German.
    form[2] = ("name", "Führung 2027");
    form[5] = ("starts_on", "06.12.2026");
    let (st, html) = b.post_form("/programs", &form).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let page = ops.get("/programs?q=F%C3%BChrung").await.body;
    let pid = id(&page["items"][0]);
    let version = page["items"][0]["version"].to_string();
    let mut edit = form.clone();
    edit.push(("version", version.as_str()));
    let (st, html) = b.post_form(&format!("/programs/{pid}"), &edit).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let (st, html) = b.post_form(&format!("/programs/{pid}"), &edit).await;
    assert_eq!(st, StatusCode::CONFLICT, "{html}");
    assert!(
        html.contains("Jemand anderes hat diesen Datensatz geändert"),
        "{html}"
    );
    assert!(!html.contains("changed by someone else"), "{html}");
    // And a number out of range, beside its field.
    let (st, html) = b
        .post_form(
            "/courses",
            &[
                ("_csrf", csrf.as_str()),
                ("code", "FEHL1"),
                ("title", "Fehlerkunde"),
                ("duration_days", "0"),
                ("min_learners", "1"),
                ("max_learners", "0"),
                ("currency", "EUR"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("muss zwischen") || html.contains("muss mindestens"),
        "a range in German: {html}"
    );
    assert!(!html.contains("must be"), "{html}");
}

async fn a_german_clients_invoice_prints_in_german(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let finance = t.api_as(Role::Finance, None).await;
    let client = id(&ops
        .create(
            "/clients",
            &json!({ "code": "DERECH", "name": "Rechnung GmbH", "billing_email": "ap@rechnung.example",
                     "currency": "EUR", "time_zone": "Europe/Berlin", "language": "de" }),
        )
        .await);
    let d = finance
        .create(
            "/invoices",
            &json!({ "client_id": client, "lines": [
                { "description": "Workshop", "quantity": "1", "unit_price": "1234.50", "tax_rate": "19" }] }),
        )
        .await;
    let r = finance
        .post(
            &format!("/invoices/{}/issue", id(&d)),
            &json!({ "version": d["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let bytes = reqwest::Client::new()
        .get(format!("{}/invoices/{}/pdf", finance.base, id(&d)))
        .bearer_auth(&finance.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let Some(text) = common::pdf_text(&bytes) else {
        return;
    };
    let text = text.replace('\u{a0}', " ");
    for de in [
        "Rechnung",
        "Rechnungsempfänger",
        "Beschreibung",
        "Einzelpreis",
        "Gesamtbetrag",
        "1.234,50 €",
        "Bitte überweisen Sie",
    ] {
        assert!(text.contains(de), "'{de}' in:\n{text}");
    }
    for en in ["Invoice", "Bill to", "Unit price", "Total", "EUR"] {
        assert!(!text.contains(en), "'{en}' in:\n{text}");
    }
    // The API stays locale-neutral; the PDF writes its total the German way.
    let inv = finance.get(&format!("/invoices/{}", id(&d))).await.body;
    let gross = inv["gross"]["amount"].as_str().unwrap().to_owned();
    let (whole, cents) = gross.split_once('.').unwrap();
    assert_eq!(whole.len(), 4, "{gross}");
    let german = format!("{}.{},{cents} €", &whole[..1], &whole[1..]);
    assert!(text.contains(&german), "'{german}' in:\n{text}");
    let due =
        chrono::NaiveDate::parse_from_str(inv["due_on"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    assert!(text.contains(&due.format("%d.%m.%Y").to_string()), "{text}");
}

async fn an_administrator_sets_a_users_language(t: &TestApp) {
    let admin = t.api_as(Role::Admin, None).await;
    let u = admin
        .create(
            "/users",
            &json!({ "email": "greta@example.com", "display_name": "Greta", "role": "coordinator",
                     "time_zone": "Europe/Berlin", "language": "de", "password": "a long enough password" }),
        )
        .await;
    assert_eq!(u["language"], "de", "{u}");
    let body = |language: Value, version: &Value| {
        json!({ "email": "greta@example.com", "display_name": "Greta", "role": "coordinator",
                "time_zone": "Europe/Berlin", "language": language, "version": version })
    };
    let r = admin
        .put(
            &format!("/users/{}", id(&u)),
            &body(json!("xx-yyyy"), &u["version"]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = admin
        .put(
            &format!("/users/{}", id(&u)),
            &body(json!("en-GB"), &u["version"]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["language"], "en-GB");
    assert_eq!(
        admin.get(&format!("/users/{}", id(&u))).await.body["language"],
        "en-GB"
    );
    // The form shows it and changes it.
    let b = t.browser_as(Role::Admin, None).await;
    let (_, html) = b.get(&format!("/admin/users/{}/edit", id(&u))).await;
    assert!(html.contains("<option value=\"en-GB\" selected>"), "{html}");
    let csrf = b.csrf().await;
    let version = r.body["version"].to_string();
    let (st, html) = b
        .post_form(
            &format!("/admin/users/{}", id(&u)),
            &[
                ("_csrf", csrf.as_str()),
                ("email", "greta@example.com"),
                ("display_name", "Greta"),
                ("role", "coordinator"),
                ("time_zone", "Europe/Berlin"),
                ("language", "de"),
                ("version", version.as_str()),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert_eq!(
        admin.get(&format!("/users/{}", id(&u))).await.body["language"],
        "de"
    );
    // Greta's pages are German and her weeks start on Monday; in US English, on Sunday.
    let instructor = id(&admin
        .create(
            "/instructors",
            &json!({ "name": "Wanda Woche", "email": "wanda@inst.example.com", "employment_type": "contractor",
                     "time_zone": "Europe/Berlin", "currency": "EUR", "max_days_week": 5, "max_days_month": 20 }),
        )
        .await);
    let greta = Browser::new(t);
    greta
        .login("greta@example.com", "a long enough password")
        .await;
    // Thursday 3 December 2026.
    let (st, page) = greta.get("/timeline?start=2026-12-03").await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("<html lang=\"de\">"));
    assert!(page.contains("datetime=\"2026-11-30\""), "{page}");
    assert!(!page.contains("datetime=\"2026-11-29\""), "{page}");
    let now = admin.get(&format!("/users/{}", id(&u))).await.body;
    let r = admin
        .put(
            &format!("/users/{}", id(&u)),
            &body(json!("en-US"), &now["version"]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (_, page) = greta.get("/timeline?start=2026-12-03").await;
    assert!(page.contains("datetime=\"2026-11-29\""), "{page}");
    assert!(!page.contains("datetime=\"2026-12-06\""), "{page}");
    let (st, month) = greta
        .get(&format!(
            "/calendar?kind=instructor&id={instructor}&month=2026-12"
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{month}");
    let head = &month[month.find("<thead>").unwrap()..];
    assert!(
        head.find(">Sun<").unwrap() < head.find(">Mon<").unwrap(),
        "{head}"
    );
    // December 2026 starts on a Tuesday: a Sunday-first grid opens on 29 November.
    assert!(month.contains("datetime=\"2026-11-29\""), "{month}");
}

/// A rule's refusal and a scheduling conflict are said in the reader's language on the page
/// (their catalogue keys, `trainyard_core::refusal!`), with German dates; the API's problem for the
/// same request stays English.
async fn a_german_coordinator_reads_refusals_and_conflicts_in_german(t: &TestApp) {
    let ops = t.api_as(Role::Coordinator, None).await;
    let venue = id(&ops
        .create("/venues", &venue_body("KON", "Europe/Berlin"))
        .await);
    let mut course = course_body("KON");
    course["required_skill"] = json!("excel");
    let course = id(&ops.create("/courses", &course).await);
    let anna = id(&ops
        .create(
            "/instructors",
            &json!({ "name": "Anna Berg", "email": "anna.konflikt@example.com", "employment_type": "staff",
                     "home_venue_id": venue, "time_zone": "Europe/Berlin", "currency": "EUR",
                     "max_days_week": 5, "max_days_month": 20, "skills": ["excel"] }),
        )
        .await);
    let at = |course: i64| {
        json!({ "course_id": course, "visibility": "public", "delivery_mode": "ilt", "capacity": 10,
                "venue_id": venue, "time_zone": "Europe/Berlin",
                "seat_price": { "amount": "0", "currency": "EUR" },
                "parts": [{ "starts": "2027-07-05T09:00", "ends": "2027-07-05T17:00" }] })
    };
    let first = ops.create("/sessions", &at(course)).await;
    let second = ops.create("/sessions", &at(course)).await;
    let (first_ref, second_ref) = (
        first["reference"].as_str().unwrap().to_owned(),
        second["reference"].as_str().unwrap().to_owned(),
    );
    // Anna teaches the first session.
    let a = ops
        .create(
            &format!("/sessions/{}/assignments", id(&first)),
            &json!({ "instructor_id": anna }),
        )
        .await;
    let mut v = a["version"].clone();
    for event in ["request", "accept", "confirm"] {
        let r = ops
            .post(
                &format!("/assignments/{}/actions", id(&a)),
                &json!({ "event": event, "version": v }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].clone();
    }

    // (a) Proposing her on the second, at the same time: the conflict in German, German dates.
    let b = german_browser(t, Role::Coordinator).await;
    let csrf = b.csrf().await;
    let anna_id = anna.to_string();
    let (st, html) = b
        .post_form(
            &format!("/sessions/{}/assignments", id(&second)),
            &[
                ("_csrf", &csrf),
                ("instructor_id", &anna_id),
                ("role", "lead"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{html}");
    let head = format!("Anna Berg kann für {second_ref} nicht vorgeschlagen werden:");
    assert!(
        html.contains(&head),
        "the conflict's head in German: {html}"
    );
    assert!(
        html.contains("Anna Berg unterrichtet am Mo. 05.07.2027 von 09:00 bis 17:00 bereits"),
        "the double booking in German: {html}"
    );
    assert!(html.contains(&first_ref), "{html}");
    for en in ["is teaching", "cannot be proposed", "Mon 05 Jul 2027"] {
        assert!(!html.contains(en), "'{en}' on a German page: {html}");
    }
    assert_german("the refused proposal", &html);
    // The same through the API: English.
    let r = ops
        .post(
            &format!("/sessions/{}/assignments", id(&second)),
            &json!({ "instructor_id": anna }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        r.body["conflicts"][0]["message"],
        format!(
            "Anna Berg is teaching {first_ref} Course KON on Mon 05 Jul 2027 from 09:00 to 17:00."
        ),
        "{}",
        r.body
    );
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Anna Berg cannot be proposed on {second_ref}")),
        "{}",
        r.body
    );
    assert!(r.body.get("key").is_none() && r.body["conflicts"][0].get("key").is_none());

    // (b) Enrolling into a cancelled session: the rule's refusal in German.
    let r = ops
        .post(
            &format!("/sessions/{}/transition", id(&second)),
            &json!({ "event": "cancel", "version": second["version"], "reason": "other",
                     "reason_note": "Konflikt" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "cancel: {}", r.body);
    let lea = id(&learner(&ops, "lea.konflikt@example.com", None, None).await);
    let lea_id = lea.to_string();
    let (st, html) = b
        .post_form(
            &format!("/sessions/{}/enrollments", id(&second)),
            &[("_csrf", &csrf), ("learner_id", &lea_id)],
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{html}");
    assert!(
        html.contains(&format!(
            "Der Termin {second_ref} ist storniert: Er nimmt keine Anmeldungen an."
        )),
        "the refusal in German: {html}"
    );
    assert!(!html.contains("takes no enrollments"), "{html}");
    assert_german("the refused enrollment", &html);
    let r = ops
        .post(
            &format!("/sessions/{}/enrollments", id(&second)),
            &json!({ "learner_id": lea }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(
        r.body["detail"],
        format!("Session {second_ref} is cancelled: it takes no enrollments."),
        "{}",
        r.body
    );

    // A lifecycle refusal (a cancelled session cannot be confirmed) on the page, in German.
    let now = ops.get(&format!("/sessions/{}", id(&second))).await.body;
    let version = now["version"].to_string();
    let (st, html) = b
        .post_form(
            &format!("/sessions/{}/transition", id(&second)),
            &[
                ("_csrf", &csrf),
                ("event", "confirm"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{html}");
    assert!(
        html.contains("Ein stornierter Termin kann nicht bestätigt werden: Er wurde storniert."),
        "{html}"
    );
}
