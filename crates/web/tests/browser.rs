//! The HTML UI in a real (headless) Chromium: login, navigation and a form round trip.
//! Skipped with a note when Chromium is not installed, unless TRAINYARD_REQUIRE_BROWSER is set.

use crate::common;

use crate::common::browser::Chrome;
use crate::common::{PASSWORD, TestApp};
use trainyard_core::Role;

both_backends!(
    coordinator_logs_in_and_opens_sessions,
    coordinator_creates_a_course_through_the_form,
    finance_issues_an_invoice_and_downloads_its_pdf,
);

fn kind_name(t: &TestApp) -> String {
    format!("{:?}", t.kind).to_lowercase()
}

async fn coordinator_logs_in_and_opens_sessions(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };
    t.user("cora@example.com", Role::Coordinator, None).await;
    b.login("cora@example.com", PASSWORD).await;
    assert_eq!(b.path().await, "/", "login lands on the dashboard");
    assert_eq!(b.text("main h1").await, "Operations dashboard");

    let link = "nav.side a[href='/sessions']";
    assert_eq!(b.text(link).await, "Sessions", "the navigation link");
    b.click(link).await;
    b.wait_for_path("/sessions?from=").await;
    // The heading carries the row count: "Sessions <small class=count>0</small>".
    b.wait_for("main h1 small.count").await;
    let h1 = b.text("main h1").await;
    let count = b.text("main h1 small.count").await;
    assert_eq!(
        h1.strip_suffix(count.as_str()).map(str::trim),
        Some("Sessions"),
        "h1 is {h1:?}"
    );
    assert!(
        b.exists("main table.list").await || b.exists("main .empty").await,
        "the sessions page shows its table or the empty state"
    );
    assert_eq!(
        b.text("nav.side a[aria-current='page']").await,
        "Sessions",
        "the navigation marks the current area"
    );
    b.screenshot(std::env::temp_dir().join(format!("trainyard-sessions-{}.png", kind_name(t))))
        .await;
    b.close().await;
}

async fn coordinator_creates_a_course_through_the_form(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };
    t.user("cole@example.com", Role::Coordinator, None).await;
    b.login("cole@example.com", PASSWORD).await;

    b.goto("/courses/new").await;
    b.wait_for("form.record").await;
    b.fill("code", "BRW-1").await;
    b.fill("title", "Browser Course").await;
    b.fill("duration_days", "2").await;
    b.fill("hours_per_day", "7").await;
    b.check("form.record input[name='mode'][value='ilt']").await;
    b.fill("min_learners", "3").await;
    b.fill("max_learners", "12").await;
    b.fill("currency", "EUR").await;
    b.fill("list_price", "890.00").await;
    b.click("form.record button.primary").await;

    // The new-course form shows no flash notice: its appearance means the detail page loaded.
    b.wait_for("main p.notice").await;
    let path = b.path().await;
    let id = path.strip_prefix("/courses/").unwrap_or("");
    assert!(
        !id.is_empty() && id.bytes().all(|c| c.is_ascii_digit()),
        "redirected to the course, at {path}"
    );
    let h1 = b.text("main h1").await;
    assert!(h1.contains("Browser Course"), "h1 is {h1:?}");
    let notice = b.text("main p.notice").await;
    assert!(notice.contains("created"), "notice is {notice:?}");

    // A validation error keeps what was typed and shows the message next to the field.
    b.goto("/courses/new").await;
    b.wait_for("form.record").await;
    b.fill("code", "BRW-2").await;
    b.fill("title", "").await;
    b.click("form.record button.primary").await;
    b.wait_for(".field.has-error .error").await;
    let error = b.text(".field.has-error .error").await;
    assert!(error.contains("is required"), "inline error is {error:?}");
    assert_eq!(
        b.text(".field.has-error #e-title").await,
        error,
        "the first inline error is the title's"
    );
    assert_eq!(b.value("code").await, "BRW-2", "the typed code is kept");
    assert!(!b.exists("main p.notice").await, "nothing was saved");
    b.close().await;
}

async fn finance_issues_an_invoice_and_downloads_its_pdf(t: &TestApp) {
    let Some(b) = Chrome::start(t).await else {
        return;
    };
    let admin = t.api_as(Role::Admin, None).await;
    admin
        .create(
            "/clients",
            &serde_json::json!({ "code": "BRINV", "name": "Browser Invoice GmbH", "billing_email": "ap@brinv.example",
                                 "currency": "EUR", "time_zone": "Europe/Berlin" }),
        )
        .await;
    t.user("fina@example.com", Role::Finance, None).await;
    b.login("fina@example.com", PASSWORD).await;

    // A draft by hand: one line of 2 × 450.00 at 19 % tax.
    b.goto("/invoices/new").await;
    b.wait_for("form.card select[name='client_id']").await;
    b.select("form.card select[name='client_id']", "Browser Invoice GmbH")
        .await;
    b.type_into("form.card [name='line_description']", "Workshop day")
        .await;
    b.type_into("form.card [name='line_quantity']", "2").await;
    b.type_into("form.card [name='line_unit_price']", "450.00")
        .await;
    b.type_into("form.card [name='line_tax_rate']", "19").await;
    b.click("form.card .actions button.primary").await;
    b.wait_for("form[action$='/issue'] button").await;

    // Issue it: the page asks first (answered yes here), then shows the number.
    b.execute("window.confirm = function () { return true; };", vec![])
        .await;
    b.click("form[action$='/issue'] button").await;
    let h1 = b.wait_for_text("main h1", "Issued").await;
    let number = h1
        .split_whitespace()
        .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()) && w.contains('-'))
        .unwrap_or_else(|| panic!("the heading names the invoice's number: {h1:?}"))
        .to_owned();

    // The PDF link, fetched as the browser would download it (its session cookie).
    let bytes = b
        .execute(
            "var href = document.querySelector(\"a[href$='/pdf']\").getAttribute('href');
             var x = new XMLHttpRequest();
             x.open('GET', href, false);
             x.overrideMimeType('text/plain; charset=x-user-defined');
             x.send();
             var out = [x.status, x.getResponseHeader('content-type')];
             for (var i = 0; i < x.responseText.length; i++) { out.push(x.responseText.charCodeAt(i) & 0xff); }
             return out;",
            vec![],
        )
        .await;
    let parts = bytes.as_array().unwrap();
    assert_eq!(parts[0], 200, "the PDF answers");
    assert_eq!(parts[1], "application/pdf");
    let pdf: Vec<u8> = parts[2..]
        .iter()
        .map(|v| v.as_u64().unwrap() as u8)
        .collect();
    assert!(pdf.starts_with(b"%PDF"), "a PDF file");
    if let Some(text) = common::pdf_text(&pdf) {
        assert!(
            text.contains(&number),
            "the PDF shows the number {number}: {text}"
        );
        assert!(
            text.contains("Browser Invoice GmbH"),
            "the PDF names the client: {text}"
        );
        // 900.00 net + 171.00 tax.
        assert!(text.contains("1,071.00"), "the PDF shows the total: {text}");
    }
    b.close().await;
}
