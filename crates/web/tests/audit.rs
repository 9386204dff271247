//! The audit trail is tamper-evident against someone who can write to the database but does not
//! hold the audit key, on SQLite and PostgreSQL: rewriting an event and recomputing every later
//! link and the head with plain SHA-256 is found; so is declaring keyed events "from before the
//! key"; deleting the newest events and moving the head back is found by a checkpoint taken before;
//! a forged checkpoint is refused; a process started with another key is refused.

use crate::common::{TestApp, course_body};
use sha2::{Digest, Sha256};
use sqlx::Row;
use trainyard_app::history;
use trainyard_core::Role;
use trainyard_store::Store;
use trainyard_store::audit::AuditKey;

both_backends!(
    rewriting_and_rehashing_without_the_key_is_detected,
    truncation_behind_a_checkpoint_is_detected,
    a_process_with_another_key_is_refused,
    the_trail_page_filters_and_shows_each_change_field_by_field,
);

/// What an attacker without the key can compute: the old, unkeyed link.
fn plain_link(prev: &str, r: &sqlx::any::AnyRow) -> String {
    let id: i64 = r.get("id");
    let at: i64 = r.get("occurred_at");
    let user: Option<i64> = r.get("actor_user_id");
    let label: String = r.get("actor_label");
    let action: String = r.get("action");
    let entity_type: String = r.get("entity_type");
    let entity_id: i64 = r.get("entity_id");
    let before: Option<String> = r.get("before_json");
    let after: Option<String> = r.get("after_json");
    let mut h = Sha256::new();
    for part in [
        prev.to_owned(),
        id.to_string(),
        at.to_string(),
        format!("{}|{}", user.unwrap_or(0), label),
        action,
        entity_type,
        entity_id.to_string(),
        before.unwrap_or_default(),
        after.unwrap_or_default(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

async fn events(t: &TestApp) -> Vec<sqlx::any::AnyRow> {
    sqlx::query(
        "SELECT id, occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, \
         before_json, after_json, prev_hash, hash FROM audit_events ORDER BY id",
    )
    .fetch_all(t.app.store.pool())
    .await
    .unwrap()
}

async fn some_changes(t: &TestApp, prefix: &str, n: usize) {
    let api = t.api_as(Role::Coordinator, None).await;
    for i in 0..n {
        api.create("/courses", &course_body(&format!("{prefix}{i}")))
            .await;
    }
}

async fn rewriting_and_rehashing_without_the_key_is_detected(t: &TestApp) {
    some_changes(t, "RW", 4).await;
    let n = history::verify(&t.app, &t.system()).await.unwrap();
    assert!(n >= 4);

    // The attacker changes one event, then recomputes every later link and the head the way the
    // chain used to be computed: SHA-256, which needs no secret.
    let rows = events(t).await;
    let target_at = rows.len() - 3;
    let target: i64 = rows[target_at].get("id");
    let mut prev: String = rows[target_at].get("prev_hash");
    let pool = t.app.store.pool();
    for (i, r) in rows.iter().enumerate().skip(target_at) {
        let id: i64 = r.get("id");
        if i == target_at {
            let after: String = r.get("after_json");
            let forged = after.replacen("Course", "Forged", 1);
            assert_ne!(after, forged);
            sqlx::query("UPDATE audit_events SET after_json = $1 WHERE id = $2")
                .bind(forged)
                .bind(id)
                .execute(pool)
                .await
                .unwrap();
        }
        let row = sqlx::query(
            "SELECT id, occurred_at, actor_user_id, actor_label, action, entity_type, entity_id, \
             before_json, after_json FROM audit_events WHERE id = $1",
        )
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
        let link = plain_link(&prev, &row);
        sqlx::query("UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE id = $3")
            .bind(prev.clone())
            .bind(link.clone())
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
        prev = link;
    }
    sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE singleton = 1")
        .bind(prev)
        .execute(pool)
        .await
        .unwrap();
    let err = history::verify(&t.app, &t.system())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("tampered with at event {target}")),
        "the first rewritten event is named: {err}"
    );

    // Nor can the attacker declare the keyed events older than the key, so that plain SHA-256
    // would be accepted for them: the boundary is authenticated with the key.
    sqlx::query("UPDATE audit_head SET keyed_from = last_id + 1 WHERE singleton = 1")
        .execute(pool)
        .await
        .unwrap();
    assert!(history::verify(&t.app, &t.system()).await.is_err());
    sqlx::query(
        "UPDATE audit_head SET keyed_from = last_id + 1, key_check = '' WHERE singleton = 1",
    )
    .execute(pool)
    .await
    .unwrap();
    assert!(history::verify(&t.app, &t.system()).await.is_err());
}

async fn truncation_behind_a_checkpoint_is_detected(t: &TestApp) {
    some_changes(t, "TR", 3).await;
    let early = history::checkpoint(&t.app, &t.system()).await.unwrap();
    assert!(early.event >= 3);
    assert!(early.hmac.len() == 64);
    some_changes(t, "TS", 3).await;
    // Later events do not disturb an earlier checkpoint.
    let n = history::verify_checkpoint(&t.app, &t.system(), &early)
        .await
        .unwrap();
    assert!(n >= early.event + 3);
    let late = history::checkpoint(&t.app, &t.system()).await.unwrap();
    assert_eq!(late.event, n);

    // A checkpoint travels as a JSON file; it reads back the same.
    let json = serde_json::to_string(&late).unwrap();
    let back: trainyard_store::audit::Checkpoint = serde_json::from_str(&json).unwrap();
    assert_eq!(back, late);

    // The attacker deletes the two newest events and moves the head back to the one before: the
    // chain alone still verifies.
    let pool = t.app.store.pool();
    let rows = events(t).await;
    let keep = &rows[rows.len() - 3];
    let (keep_id, keep_hash): (i64, String) = (keep.get("id"), keep.get("hash"));
    sqlx::query("DELETE FROM audit_events WHERE id > $1")
        .bind(keep_id)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET last_id = $1, last_hash = $2 WHERE singleton = 1")
        .bind(keep_id)
        .bind(keep_hash)
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(
        history::verify(&t.app, &t.system()).await.unwrap(),
        keep_id,
        "a truncated chain with its head moved back is consistent on its own"
    );
    // The checkpoint taken before the deletion is not.
    let err = history::verify_checkpoint(&t.app, &t.system(), &late)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("event {} is gone", late.event)),
        "{err}"
    );
    // The earlier checkpoint still holds: nothing up to it was touched.
    history::verify_checkpoint(&t.app, &t.system(), &early)
        .await
        .unwrap();
    // A checkpoint edited to fit the truncated trail is not genuine.
    let mut forged = late.clone();
    forged.event = keep_id;
    forged.hash = keep.get("hash");
    let err = history::verify_checkpoint(&t.app, &t.system(), &forged)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not signed with this audit key"), "{err}");

    // Checkpoints can be e-mailed to the admins: queued in the outbox, one per admin.
    let admin = t.api_as(Role::Admin, None).await;
    let _ = admin;
    let to = trainyard_app::audit::email_checkpoint(&t.app, &t.system(), &early)
        .await
        .unwrap();
    assert!(!to.is_empty());
    let queued: i64 = sqlx::query(
        "SELECT count(*) AS n FROM outbox WHERE kind = 'audit_checkpoint' AND body LIKE $1",
    )
    .bind(format!("%{}%", early.hmac))
    .fetch_one(pool)
    .await
    .unwrap()
    .get("n");
    assert_eq!(queued, to.len() as i64);
}

async fn a_process_with_another_key_is_refused(t: &TestApp) {
    some_changes(t, "KY", 1).await;
    history::verify(&t.app, &t.system()).await.unwrap();
    let other = Store::connect(t.database_url())
        .await
        .unwrap()
        .with_audit_key(AuditKey::generate().unwrap());
    let err = other.migrate().await.unwrap_err().to_string();
    assert!(err.contains("not the key"), "{err}");
    other.close().await;
    // The right key (in its text form, as configured) is accepted.
    let text = t.app.store.audit_key().unwrap().to_text();
    let same = Store::connect(t.database_url())
        .await
        .unwrap()
        .with_audit_key(AuditKey::from_text(&text).unwrap());
    same.migrate().await.unwrap();
    same.close().await;
    assert!(AuditKey::from_text("abcd").is_err(), "too short");
    assert!(AuditKey::from_text("not a key at all!").is_err());
}

async fn the_trail_page_filters_and_shows_each_change_field_by_field(t: &TestApp) {
    let cora = t.api_as(Role::Coordinator, None).await;
    let cora_id = cora.get("/me").await.body["id"].as_i64().unwrap();
    let other = t.api_as(Role::Coordinator, None).await;
    let excel = cora.create("/courses", &course_body("AUDX")).await;
    let excel_id = excel["id"].as_i64().unwrap();
    let mut body = course_body("AUDX");
    body["title"] = serde_json::json!("Excel for Auditors");
    body["version"] = excel["version"].clone();
    let r = cora.put(&format!("/courses/{excel_id}"), &body).await;
    assert!(r.status.is_success(), "{}", r.body);
    let word = other.create("/courses", &course_body("AUDW")).await;
    let word_id = word["id"].as_i64().unwrap();

    let admin = t.browser_as(Role::Admin, None).await;
    let rows = |html: &str| html.matches("href=\"/admin/audit/").count();

    // One record (type and id): its two events, newest first, each row linking to its detail.
    let (status, html) = admin
        .get(&format!(
            "/admin/audit?entity_type=course&entity_id={excel_id}"
        ))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(rows(&html), 2, "{html}");
    assert!(html.contains("course.updated") && html.contains("course.created"));
    assert!(
        html.contains(&format!("value=\"{excel_id}\"")),
        "the filter is kept in the form"
    );
    // By action.
    let (_, html) = admin.get("/admin/audit?action=course.updated").await;
    assert_eq!(rows(&html), 1, "{html}");
    // By user.
    let (_, html) = admin
        .get(&format!(
            "/admin/audit?user_id={cora_id}&entity_type=course"
        ))
        .await;
    assert_eq!(rows(&html), 2, "{html}");
    assert!(!html.contains(&format!("course #{word_id}")));
    // The search box: who, action or record type; `#id` for a record.
    let (_, html) = admin.get("/admin/audit?q=updated").await;
    assert_eq!(rows(&html), 1, "{html}");
    let (_, html) = admin
        .get(&format!("/admin/audit?q=%23{word_id}&entity_type=course"))
        .await;
    assert_eq!(rows(&html), 1, "{html}");
    // By date: nothing yesterday, everything today.
    let today = chrono::Utc::now().date_naive();
    let (_, html) = admin
        .get(&format!(
            "/admin/audit?entity_type=course&to={}",
            today - chrono::Duration::days(2)
        ))
        .await;
    assert_eq!(rows(&html), 0, "{html}");
    let (_, html) = admin
        .get(&format!(
            "/admin/audit?entity_type=course&from={}&to={}",
            today - chrono::Duration::days(1),
            today + chrono::Duration::days(1)
        ))
        .await;
    assert_eq!(rows(&html), 3, "{html}");
    let (status, _) = admin.get("/admin/audit?from=yesterday").await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);

    // The detail of the update: before → after of the field that changed, nothing else.
    let (_, html) = admin.get("/admin/audit?action=course.updated").await;
    let start = html.find("href=\"/admin/audit/").unwrap() + "href=\"".len();
    let href = &html[start..start + html[start..].find('"').unwrap()];
    let (status, detail) = admin.get(href).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{detail}");
    assert!(detail.contains("course.updated"));
    assert!(detail.contains(">title<"), "{detail}");
    assert!(detail.contains("Course AUDX") && detail.contains("Excel for Auditors"));
    assert!(
        !detail.contains(">code<"),
        "unchanged fields are not listed"
    );
    assert!(detail.contains(&format!("href=\"/courses/{excel_id}\"")));
    // Only those who may read the trail.
    let coordinator = t.browser_as(Role::Coordinator, None).await;
    let (status, _) = coordinator.get(href).await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
}
