//! Certificates (issue 16 §2, §3) over HTTP on both databases: issued with the completion,
//! verified on the public page and API (valid, expired, revoked, unknown), the PDF read back and
//! its QR code decoded, who may read whose, revocation audited, expiry reminders once per offset.

use crate::common;

use crate::common::{Api, TestApp, course_body, mails_to};
use reqwest::StatusCode;
use serde_json::{Value, json};
use trainyard_app::accounts::{self, NewAccount};
use trainyard_core::Role;
use trainyard_store::certificates::{self as repo, NewCertificate};

both_backends!(
    completing_issues_a_certificate_that_verifies,
    expired_revoked_and_unknown_codes_show_as_such,
    the_pdf_reads_back_and_its_qr_code_is_the_verification_url,
    learners_and_contacts_see_only_their_own,
    issuing_by_hand_and_its_refusals,
    expiry_reminders_go_out_once_per_offset,
    an_instructor_qualification_expiring_before_a_confirmed_session_alerts,
);

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

async fn client(api: &Api, code: &str) -> i64 {
    id(&api
        .create(
            "/clients",
            &json!({ "code": code, "name": format!("Client {code}"), "billing_email": format!("billing@{code}.example.com"),
                     "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await)
}

async fn learner(api: &Api, first: &str, client: Option<i64>) -> i64 {
    id(&api
        .create(
            "/learners",
            &json!({ "first_name": first, "last_name": "Learner", "email": format!("{first}@learner.example.com"),
                     "client_id": client, "time_zone": "Europe/Berlin" }),
        )
        .await)
}

async fn certifying_course(api: &Api, code: &str, months: Option<i64>) -> i64 {
    let mut body = course_body(code);
    body["certificate_name"] = json!(format!("Certified {code} Practitioner"));
    body["certificate_validity_months"] = json!(months);
    id(&api.create("/courses", &body).await)
}

/// A one-part session starting in half an hour, the learners enrolled, present, and the session
/// closed: each enrollment completed. Returns the session and the enrollments.
async fn complete(api: &Api, course: i64, learners: &[i64]) -> (i64, Vec<i64>) {
    let berlin = trainyard_core::TimeZoneName::parse("Europe/Berlin").unwrap();
    let soon = berlin.local(trainyard_core::time::now_ms() + 30 * 60_000);
    let fmt = |d: chrono::DateTime<chrono_tz::Tz>| d.format("%Y-%m-%dT%H:%M").to_string();
    let s = api
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "vilt", "capacity": 10,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": fmt(soon), "ends": fmt(soon + chrono::Duration::minutes(40)) }]
        }))
        .await;
    let sid = id(&s);
    let r = api
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut enrollments = Vec::new();
    for l in learners {
        enrollments.push(id(&api
            .create(
                &format!("/sessions/{sid}/enrollments"),
                &json!({ "learner_id": l }),
            )
            .await));
    }
    let sheet = api.get(&format!("/sessions/{sid}/attendance")).await.body;
    let part = sheet["parts"][0]["id"].as_i64().unwrap();
    let r = api
        .post(
            &format!("/sessions/{sid}/attendance"),
            &json!({ "part_id": part, "present": enrollments }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut v = api.get(&format!("/sessions/{sid}")).await.body["version"]
        .as_i64()
        .unwrap();
    for event in ["confirm", "deliver", "close"] {
        let r = api
            .post(
                &format!("/sessions/{sid}/transition"),
                &json!({ "event": event, "version": v }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        v = r.body["version"].as_i64().unwrap();
    }
    (sid, enrollments)
}

/// The certificates of a learner, as staff list them.
async fn certificates_of(api: &Api, learner: i64) -> Vec<Value> {
    let r = api
        .get(&format!("/certificates?learner_id={learner}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

/// The public verification page, without any login.
async fn verify_page(t: &TestApp, code: &str) -> (StatusCode, String) {
    let r = reqwest::get(t.url(&format!("/verify/{code}")))
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The public verification API, without a token.
async fn verify_api(t: &TestApp, code: &str) -> (StatusCode, Value) {
    let r = reqwest::get(t.url(&format!("/api/v1/verify/{code}")))
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn completing_issues_a_certificate_that_verifies(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = certifying_course(&api, "CPR", Some(24)).await;
    let plain = id(&api.create("/courses", &course_body("NOC")).await);
    let ada = learner(&api, "ada", None).await;
    let bob = learner(&api, "bob", None).await;
    let (sid, enrollments) = complete(&api, course, &[ada]).await;
    complete(&api, plain, &[bob]).await;

    let mine = certificates_of(&api, ada).await;
    assert_eq!(mine.len(), 1, "one certificate with the completion");
    let c = &mine[0];
    assert_eq!(c["enrollment_id"], json!(enrollments[0]));
    assert_eq!(c["session_id"], json!(sid));
    assert_eq!(c["learner_name"], "ada Learner");
    assert_eq!(c["certificate_name"], "Certified CPR Practitioner");
    assert_eq!(c["status"], "valid");
    let issued =
        chrono::NaiveDate::parse_from_str(c["issued_on"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let expires =
        chrono::NaiveDate::parse_from_str(c["expires_on"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    assert_eq!(
        expires,
        issued.checked_add_months(chrono::Months::new(24)).unwrap()
    );
    assert!(
        certificates_of(&api, bob).await.is_empty(),
        "a course without a certificate name issues none"
    );

    let code = c["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 12);
    let (status, html) = verify_page(t, &code).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Valid certificate"), "{html}");
    assert!(html.contains("ada Learner") && html.contains("Certified CPR Practitioner"));
    assert!(
        !html.contains("ada@learner.example.com"),
        "nothing beyond what the certificate says"
    );
    // Typed as printed, in lower case with dashes.
    let printed = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]).to_lowercase();
    let (status, v) = verify_api(t, &printed).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "valid");
    assert_eq!(v["learner_name"], "ada Learner");
    assert!(v.get("learner_id").is_none() && v.get("id").is_none());

    // The form on the page leads to the code's page.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(t.url(&format!("/verify?code={code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], format!("/verify/{code}"));

    // Issued in the closing's transaction, audited.
    let h = api
        .get(&format!("/history/certificate/{}", c["id"]))
        .await
        .body;
    assert!(h.to_string().contains("certificate.issued"), "{h}");
}

async fn expired_revoked_and_unknown_codes_show_as_such(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = certifying_course(&api, "FAW", Some(12)).await;
    let ada = learner(&api, "ada", None).await;
    let bob = learner(&api, "bob", None).await;
    complete(&api, course, &[ada, bob]).await;

    // An old certificate, recorded as it was issued three years ago.
    let old_code = "7KQ2M9XD4TBA";
    {
        let mut tx = t.app.store.write().await.unwrap();
        repo::insert(
            &mut tx,
            &NewCertificate {
                code: old_code,
                enrollment_id: None,
                learner_id: ada,
                course_id: course,
                session_id: None,
                client_id: None,
                learner_name: "ada Learner",
                course_title: "Course FAW",
                certificate_name: "Certified FAW Practitioner",
                instructor_name: "",
                issued_on: "2023-01-10",
                expires_on: Some("2024-01-10"),
                issued_by: None,
            },
            trainyard_core::time::now_ms(),
        )
        .await
        .unwrap()
        .unwrap();
        tx.commit().await.unwrap();
    }
    let (status, html) = verify_page(t, old_code).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Expired certificate"), "{html}");
    assert!(html.contains("2024-01-10"));
    assert_eq!(verify_api(t, old_code).await.1["status"], "expired");
    let expired = api.get("/certificates?status=expired").await.body;
    assert_eq!(expired["total"], 1, "{expired}");

    // Revoked, with a reason, audited.
    let c = certificates_of(&api, bob).await.remove(0);
    let cid = id(&c);
    let r = api
        .post(
            &format!("/certificates/{cid}/revoke"),
            &json!({ "version": c["version"], "reason": "  " }),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.to_string().contains("reason"));
    let r = api
        .post(
            &format!("/certificates/{cid}/revoke"),
            &json!({ "version": c["version"], "reason": "Issued to the wrong person" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "revoked");
    let again = api
        .post(
            &format!("/certificates/{cid}/revoke"),
            &json!({ "version": r.body["version"], "reason": "twice" }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let code = c["code"].as_str().unwrap();
    let (status, html) = verify_page(t, code).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Revoked certificate"), "{html}");
    assert!(
        !html.contains("wrong person"),
        "the reason is not public: {html}"
    );
    assert_eq!(verify_api(t, code).await.1["status"], "revoked");
    let h = api.get(&format!("/history/certificate/{cid}")).await.body;
    let text = h.to_string();
    assert!(
        text.contains("certificate.revoked") && text.contains("Issued to the wrong person"),
        "{h}"
    );
    // Only operations staff revoke.
    let finance = t.api_as(Role::Finance, None).await;
    let c2 = certificates_of(&api, ada)
        .await
        .into_iter()
        .find(|x| x["code"] != old_code)
        .unwrap();
    let r = finance
        .post(
            &format!("/certificates/{}/revoke", id(&c2)),
            &json!({ "version": c2["version"], "reason": "no" }),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A made-up code, and something that cannot be a code at all.
    for made_up in ["ZZZZZZZZZZZZ", "not-a-code", "0000-0000-000"] {
        let (status, html) = verify_page(t, made_up).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{made_up}");
        assert!(html.contains("No certificate has the code"), "{html}");
        assert_eq!(verify_api(t, made_up).await.0, StatusCode::NOT_FOUND);
    }
}

/// `cmd args…` on `input`; `None` when the tool is not installed (unless a browser run
/// requires every tool, as `.ci/run` does).
fn run_tool(cmd: &str, args: &[&str]) -> Option<std::process::Output> {
    match std::process::Command::new(cmd).args(args).output() {
        Ok(out) => Some(out),
        Err(_) if std::env::var("TRAINYARD_REQUIRE_BROWSER").as_deref() != Ok("1") => {
            eprintln!("{cmd} is not installed: the PDF is not read back");
            None
        }
        Err(e) => panic!("{cmd} is required (poppler-utils, zbar-tools): {e}"),
    }
}

async fn the_pdf_reads_back_and_its_qr_code_is_the_verification_url(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = certifying_course(&api, "QRC", None).await;
    let ada = learner(&api, "ada", None).await;
    complete(&api, course, &[ada]).await;
    let c = certificates_of(&api, ada).await.remove(0);
    let code = c["code"].as_str().unwrap().to_owned();
    let r = reqwest::Client::new()
        .get(format!("{}/certificates/{}/pdf", api.base, id(&c)))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let dir = std::env::temp_dir().join(format!(
        "trainyard-cert-{}-{}",
        std::process::id(),
        trainyard_core::time::now_ms()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("certificate.pdf");
    std::fs::write(&pdf, &bytes).unwrap();
    let pdf_s = pdf.to_str().unwrap();
    let Some(out) = run_tool("pdftotext", &["-layout", pdf_s, "-"]) else {
        return;
    };
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let grouped = format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..]);
    for want in [
        "ada Learner",
        "Course QRC",
        "Certified QRC Practitioner",
        grouped.as_str(),
        "no expiry",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    let png = dir.join("page");
    let Some(out) = run_tool(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "150",
            "-singlefile",
            pdf_s,
            png.to_str().unwrap(),
        ],
    ) else {
        return;
    };
    assert!(out.status.success(), "{out:?}");
    let image = dir.join("page.png");
    let Some(out) = run_tool("zbarimg", &["--raw", "-q", image.to_str().unwrap()]) else {
        return;
    };
    assert!(out.status.success(), "zbarimg found no QR code: {out:?}");
    let decoded = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        decoded.trim(),
        format!("{}/verify/{code}", t.app.settings.public_url),
        "the QR code is the verification URL built from the public URL"
    );
    let _ = std::fs::remove_dir_all(&dir);
    // And that URL answers.
    let (status, html) = verify_page(t, &code).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Valid certificate"));
}

async fn api_for(
    t: &TestApp,
    email: &str,
    role: Role,
    client: Option<i64>,
    learner: Option<i64>,
) -> Api {
    accounts::create_user(
        &t.app,
        None,
        NewAccount {
            email: email.into(),
            display_name: email.into(),
            password: common::PASSWORD.into(),
            role,
            client_id: client,
            instructor_id: None,
            learner_id: learner,
            time_zone: "Europe/Berlin".into(),
        },
    )
    .await
    .unwrap();
    let token = accounts::create_api_token_for(&t.app, email, "tests")
        .await
        .unwrap();
    Api {
        base: t.url("/api/v1"),
        token: token.secret,
        http: reqwest::Client::new(),
    }
}

async fn learners_and_contacts_see_only_their_own(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let acme = client(&api, "acme").await;
    let globex = client(&api, "globex").await;
    let course = certifying_course(&api, "OWN", Some(12)).await;
    let ada = learner(&api, "ada", Some(acme)).await;
    let bob = learner(&api, "bob", Some(globex)).await;
    complete(&api, course, &[ada, bob]).await;
    let ada_cert = certificates_of(&api, ada).await.remove(0);
    let bob_cert = certificates_of(&api, bob).await.remove(0);
    assert_eq!(ada_cert["client_id"], json!(acme));

    let ada_api = api_for(
        t,
        "ada@portal.example.com",
        Role::Learner,
        Some(acme),
        Some(ada),
    )
    .await;
    let r = ada_api
        .get(&format!("/certificates/{}", id(&ada_cert)))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = ada_api
        .get(&format!("/certificates/{}", id(&bob_cert)))
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "another learner's certificate"
    );
    let r = reqwest::Client::new()
        .get(format!(
            "{}/certificates/{}/pdf",
            ada_api.base,
            id(&bob_cert)
        ))
        .bearer_auth(&ada_api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "nor its PDF");
    // Asking for someone else's list gives one's own.
    let list = ada_api
        .get(&format!("/certificates?learner_id={bob}"))
        .await
        .body;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], ada_cert["id"]);

    let acme_contact = api_for(
        t,
        "contact@acme.example.com",
        Role::ClientContact,
        Some(acme),
        None,
    )
    .await;
    let list = acme_contact
        .get(&format!("/certificates?client_id={globex}"))
        .await
        .body;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["id"], ada_cert["id"]);
    assert_eq!(
        acme_contact
            .get(&format!("/certificates/{}", id(&bob_cert)))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let instructor = t.api_as(Role::Instructor, None).await;
    assert_eq!(
        instructor.get("/certificates").await.status,
        StatusCode::FORBIDDEN
    );

    // The learner portal and the client portal list them with their download links.
    let b = common::Browser::new(t);
    b.login("ada@portal.example.com", common::PASSWORD).await;
    let (_, home) = b.get("/").await;
    assert!(
        home.contains(&format!("/certificates/{}/pdf", id(&ada_cert))),
        "{home}"
    );
    assert!(!home.contains(&format!("/certificates/{}/pdf", id(&bob_cert))));
    let (status, _) = b.get(&format!("/certificates/{}/pdf", id(&ada_cert))).await;
    assert_eq!(status, StatusCode::OK);
    let c = common::Browser::new(t);
    c.login("contact@acme.example.com", common::PASSWORD).await;
    let (_, portal) = c.get("/portal/client").await;
    assert!(
        portal.contains(&format!("/certificates/{}/pdf", id(&ada_cert))),
        "{portal}"
    );
    assert!(!portal.contains(&format!("/certificates/{}/pdf", id(&bob_cert))));
}

async fn issuing_by_hand_and_its_refusals(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let plain = id(&api.create("/courses", &course_body("HND")).await);
    let ada = learner(&api, "ada", None).await;
    let (_, enrollments) = complete(&api, plain, &[ada]).await;
    let e = enrollments[0];
    // The course grants no certificate (yet).
    let r = api
        .post(&format!("/enrollments/{e}/certificate"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.to_string().contains("grants no certificate"));
    // Give the course a certificate; the coordinator issues it by hand.
    let course = api.get(&format!("/courses/{plain}")).await.body;
    let mut body = course.clone();
    body["certificate_name"] = json!("Hand Certificate");
    body["certificate_validity_months"] = json!(6);
    let r = api.put(&format!("/courses/{plain}"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The learner's page offers it.
    let b = t.browser_as(Role::Coordinator, None).await;
    let (_, page) = b.get(&format!("/learners/{ada}")).await;
    assert!(
        page.contains(&format!("/certificates/issue?enrollment_id={e}")),
        "{page}"
    );
    let r = api
        .post(&format!("/enrollments/{e}/certificate"), &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["certificate_name"], "Hand Certificate");
    let again = api
        .post(&format!("/enrollments/{e}/certificate"), &json!({}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // A booked enrollment gets none; a learner may not issue.
    let later = learner(&api, "cy", None).await;
    let s = api.get(&format!("/learners/{later}")).await.body;
    assert_eq!(id(&s), later);
    let someone = t.api_as(Role::Learner, None).await;
    assert_eq!(
        someone
            .post(&format!("/enrollments/{e}/certificate"), &json!({}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // The certificates list finds it, sorted and filtered.
    let (status, html) = b
        .get(&format!("/certificates?course_id={plain}&sort=learner"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Hand Certificate"), "{html}");
    let (status, html) = b.get("/certificates?expiring=365").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Hand Certificate"),
        "expires in 6 months: {html}"
    );
    let (_, html) = b.get("/certificates?expiring=30").await;
    assert!(!html.contains("Hand Certificate"));
    let (status, csv) = b.get("/certificates?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("Learner,"), "{csv}");
}

/// Inserts a valid certificate for `learner` expiring `days` from today.
async fn expiring_in(t: &TestApp, learner: i64, course: i64, code: &str, days: i64) -> i64 {
    let today = chrono::Utc::now().date_naive();
    let mut tx = t.app.store.write().await.unwrap();
    let id = repo::insert(
        &mut tx,
        &NewCertificate {
            code,
            enrollment_id: None,
            learner_id: learner,
            course_id: course,
            session_id: None,
            client_id: None,
            learner_name: "ada Learner",
            course_title: "Course EXP",
            certificate_name: "Expiring Cert",
            instructor_name: "",
            issued_on: &(today - chrono::Duration::days(300)).to_string(),
            expires_on: Some(&(today + chrono::Duration::days(days)).to_string()),
            issued_by: None,
        },
        trainyard_core::time::now_ms(),
    )
    .await
    .unwrap()
    .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn expiry_reminders_go_out_once_per_offset(t: &TestApp) {
    let api = t.api_as(Role::Coordinator, None).await;
    let course = certifying_course(&api, "EXP", Some(12)).await;
    let ada = learner(&api, "ada", None).await;
    let email = "ada@learner.example.com";
    expiring_in(t, ada, course, "AAAAAAAAAAA5", 5).await;
    expiring_in(t, ada, course, "AAAAAAAAAA20", 20).await;
    expiring_in(t, ada, course, "AAAAAAAAAA60", 60).await;
    expiring_in(t, ada, course, "AAAAAAAAA200", 200).await;
    let now = trainyard_core::time::now_ms();
    let day = 86_400_000;
    trainyard_app::reminders::enqueue_due(&t.app, now)
        .await
        .unwrap();
    let subjects = |m: &[common::Mail]| -> Vec<String> {
        m.iter()
            .filter(|x| x.kind == "certificate_expiring")
            .map(|x| x.body.clone())
            .collect()
    };
    let first = subjects(&mails_to(t, email).await);
    assert_eq!(
        first.len(),
        3,
        "the 7-, 30- and 90-day reminders: {first:?}"
    );
    assert!(first.iter().any(|b| b.contains("7 days from now")));
    assert!(first.iter().any(|b| b.contains("30 days from now")));
    assert!(first.iter().any(|b| b.contains("90 days from now")));
    assert!(
        first.iter().all(|b| b.contains("/verify/")),
        "with the verification link"
    );
    // Again, from two runs at once: nothing new.
    let (a, b) = (t.app.clone(), t.app.clone());
    let one = tokio::spawn(async move { trainyard_app::reminders::enqueue_due(&a, now).await });
    let two = tokio::spawn(async move { trainyard_app::reminders::enqueue_due(&b, now).await });
    one.await.unwrap().unwrap();
    two.await.unwrap().unwrap();
    assert_eq!(subjects(&mails_to(t, email).await).len(), 3);
    // Two weeks on, the 20-day certificate is within 7 days: its next reminder, once.
    trainyard_app::reminders::enqueue_due(&t.app, now + 14 * day)
        .await
        .unwrap();
    trainyard_app::reminders::enqueue_due(&t.app, now + 14 * day)
        .await
        .unwrap();
    let later = subjects(&mails_to(t, email).await);
    assert_eq!(later.len(), 4, "{later:?}");
    // Fewer offsets from the settings: admins and managers change them.
    let manager = t.api_as(Role::Manager, None).await;
    let r = manager.get("/settings/certificate-reminders").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["days"], json!([90, 30, 7]));
    let version = r.body["version"].clone();
    let r = manager
        .put(
            "/settings/certificate-reminders",
            &json!({ "days": "14, 60 days", "version": version }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["days"], json!([60, 14]));
    let stale = manager
        .put(
            "/settings/certificate-reminders",
            &json!({ "days": "30", "version": version }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let bad = manager
        .put(
            "/settings/certificate-reminders",
            &json!({ "days": "0", "version": r.body["version"] }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        api.put(
            "/settings/certificate-reminders",
            &json!({ "days": "30", "version": r.body["version"] }),
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "coordinators do not change it"
    );
    // And through the page.
    let b = t.browser_as(Role::Manager, None).await;
    let (status, html) = b.get("/admin/certificate-reminders").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("60, 14"), "{html}");
}

async fn an_instructor_qualification_expiring_before_a_confirmed_session_alerts(t: &TestApp) {
    use trainyard_store::certificates::qualification_alerts;
    let admin = t.api_as(Role::Admin, None).await;
    let coordinator_email = "colin@ops.example.com";
    api_for(t, coordinator_email, Role::Coordinator, None, None).await;
    let course = id(&admin.create("/courses", &course_body("QAL")).await);
    let inst = id(&admin
        .create(
            "/instructors",
            &json!({ "name": "Quinn Tutor", "email": "quinn@inst.example.com", "employment_type": "contractor",
                     "time_zone": "Europe/Berlin", "currency": "EUR", "day_rate": { "amount": "800", "currency": "EUR" },
                     "hour_rate": { "amount": "100", "currency": "EUR" }, "max_days_week": 5, "max_days_month": 20, "skills": [] }),
        )
        .await);
    let lasting = admin
        .create(
            &format!("/instructors/{inst}/qualifications"),
            &json!({ "course_id": course }),
        )
        .await;
    // A weekday about two weeks ahead.
    let mut day = chrono::Utc::now().date_naive() + chrono::Duration::days(14);
    while chrono::Datelike::weekday(&day).number_from_monday() > 5 {
        day += chrono::Duration::days(1);
    }
    let s = admin
        .create("/sessions", &json!({
            "course_id": course, "visibility": "public", "delivery_mode": "vilt", "capacity": 10,
            "time_zone": "Europe/Berlin", "seat_price": { "amount": "0", "currency": "EUR" },
            "parts": [{ "starts": format!("{day}T09:00"), "ends": format!("{day}T17:00") }]
        }))
        .await;
    let sid = id(&s);
    let r = admin
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "schedule", "version": s["version"] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut a = admin
        .create(
            &format!("/sessions/{sid}/assignments"),
            &json!({ "instructor_id": inst, "role": "lead" }),
        )
        .await;
    for event in ["request", "accept", "confirm"] {
        let r = admin
            .post(
                &format!("/assignments/{}/actions", id(&a)),
                &json!({ "event": event, "version": a["version"], "override_reason": "test" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{event}: {}", r.body);
        a = r.body;
    }
    let v = admin.get(&format!("/sessions/{sid}")).await.body["version"].clone();
    let r = admin
        .post(
            &format!("/sessions/{sid}/transition"),
            &json!({ "event": "confirm", "version": v }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let now = trainyard_core::time::now_ms();
    {
        let mut conn = t.app.store.read().await.unwrap();
        assert!(
            qualification_alerts(&mut conn, now, 10)
                .await
                .unwrap()
                .is_empty(),
            "qualified for good: nothing to say"
        );
    }
    // The qualification is replaced by one that runs out in three days.
    let r = admin
        .delete(&format!(
            "/instructors/{inst}/qualifications/{}",
            id(&lasting)
        ))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let soon = chrono::Utc::now().date_naive() + chrono::Duration::days(3);
    admin
        .create(
            &format!("/instructors/{inst}/qualifications"),
            &json!({ "course_id": course, "expires_on": soon.to_string() }),
        )
        .await;
    let alerts = {
        let mut conn = t.app.store.read().await.unwrap();
        qualification_alerts(&mut conn, now, 10).await.unwrap()
    };
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].session_id, sid);
    assert_eq!(alerts[0].instructor_name, "Quinn Tutor");
    // On the dashboard, and e-mailed to the coordinators once.
    let b = t.browser_as(Role::Coordinator, None).await;
    let (status, html) = b.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("qualification for it is valid only until") && html.contains("Quinn Tutor"),
        "{html}"
    );
    for _ in 0..2 {
        trainyard_app::reminders::enqueue_due(&t.app, now)
            .await
            .unwrap();
    }
    let mails: Vec<_> = mails_to(t, coordinator_email)
        .await
        .into_iter()
        .filter(|m| m.kind == "qualification_expiring")
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].body.contains("Quinn Tutor"), "{}", mails[0].body);
}
