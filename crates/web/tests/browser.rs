//! The HTML UI in a real (headless) Chromium: login, navigation and a form round trip.
//! Skipped with a note when Chromium is not installed, unless TRAINYARD_REQUIRE_BROWSER is set.

#![allow(clippy::unwrap_used)]

mod common;

use common::browser::Chrome;
use common::{PASSWORD, TestApp};
use trainyard_core::Role;

both_backends!(
    coordinator_logs_in_and_opens_sessions,
    coordinator_creates_a_course_through_the_form,
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
