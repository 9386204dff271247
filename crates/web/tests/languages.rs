//! Languages and locales over HTTP on both databases (issue 14): a German learner enrolled by an
//! English coordinator is written to in German (German dates, German calendar summary); a Spanish
//! learner, for whom no wording exists, gets English and the template editor shows the gap; the
//! translated pages carry no English sentence of the catalogue; the language switcher keeps the
//! page and its filters; the API takes and returns language tags and filters sessions by theirs.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Api, Browser, PASSWORD, TestApp, course_body, mails_to, venue_body};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_core::Role;

both_backends!(
    a_german_learner_gets_a_german_confirmation_from_an_english_coordinator,
    a_spanish_learner_gets_english_and_the_editor_shows_the_gap,
    pages_render_in_german_without_the_english_catalogue,
    switching_language_keeps_the_page_and_its_filters,
    the_api_takes_and_returns_language_tags_and_filters_by_them,
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
