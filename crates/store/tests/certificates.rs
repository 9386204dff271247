//! Certificates in the store, on both databases: the verification is one lookup on the code's
//! unique index (explained on 50,000 certificates), a taken code is reported rather than failing
//! the transaction, a stale revoke is refused, and the filters list what they say.

#![allow(clippy::unwrap_used)]

use trainyard_store::Store;
use trainyard_store::certificates::{self as repo, CertificateFilter, NewCertificate};
use trainyard_store::testing::{Kind, TestDatabase, postgres_url};

const N: i64 = 50_000;

async fn seed(store: &Store) -> (i64, i64) {
    let now = 1_767_225_600_000_i64;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "INSERT INTO courses (code, title, description, duration_days, hours_per_day, delivery_modes, min_learners, max_learners, currency, list_price_minor, day_rate_minor, material_cost_minor, required_features, created_at, updated_at) \
         VALUES ('K1', 'Course', '', 1, 7, 'ilt', 1, 10, 'EUR', 0, 0, 0, '', {now}, {now}); \
         INSERT INTO learners (first_name, last_name, email, time_zone, created_at, updated_at) VALUES ('Ada', 'L', 'ada@example.com', 'UTC', {now}, {now});"
    )))
    .execute(store.pool())
    .await
    .unwrap();
    let mut tx = store.write().await.unwrap();
    repo::seed_bench(&mut tx, store.backend(), 1, N, 1, 1, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    store.settle().await.unwrap();
    (1, 1)
}

async fn plan(store: &Store, kind: Kind, code: &str) -> String {
    let sql = match kind {
        Kind::Sqlite => format!(
            "EXPLAIN QUERY PLAN SELECT code, status FROM certificates WHERE code = '{code}'"
        ),
        Kind::Postgres => {
            format!("EXPLAIN SELECT code, status FROM certificates WHERE code = '{code}'")
        }
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(store.pool())
        .await
        .unwrap();
    use sqlx::Row;
    rows.iter()
        .map(|r| {
            // SQLite's detail is the fourth column; PostgreSQL's plan the only one.
            r.try_get::<String, _>(r.len() - 1).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn check(kind: Kind) {
    let db = TestDatabase::create(kind).await.unwrap();
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let (learner, course) = seed(&store).await;

    let p = plan(&store, kind, "B00000012345").await;
    assert!(
        p.contains("certificates_code"),
        "the verification walks the code's unique index: {p}"
    );
    let mut conn = store.read().await.unwrap();
    let v = repo::verify(&mut conn, "B00000012345")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.learner_name, "Bench Learner");
    assert!(
        repo::verify(&mut conn, "ZZZZZZZZZZZZ")
            .await
            .unwrap()
            .is_none()
    );
    // Every 50th is revoked, every 10th expired on 2026-01-01.
    let f = |status: &str| CertificateFilter {
        status: status.into(),
        ..Default::default()
    };
    let today = "2026-06-01";
    assert_eq!(
        repo::list(&mut conn, &f("revoked"), today)
            .await
            .unwrap()
            .total,
        N / 50
    );
    assert_eq!(
        repo::list(&mut conn, &f("expired"), today)
            .await
            .unwrap()
            .total,
        N / 10 - N / 50
    );
    let soon = CertificateFilter {
        expiring_before: "2026-02-01".into(),
        ..Default::default()
    };
    assert_eq!(
        repo::list(&mut conn, &soon, "2025-12-01")
            .await
            .unwrap()
            .total,
        N / 10 - N / 50,
        "valid today and expiring by then"
    );
    assert!(repo::list(&mut conn, &f("bogus"), today).await.is_err());
    drop(conn);

    // A taken code is `None`, and the transaction goes on.
    let mut tx = store.write().await.unwrap();
    let new = |code: &'static str| NewCertificate {
        code,
        enrollment_id: None,
        learner_id: learner,
        course_id: course,
        session_id: None,
        client_id: None,
        learner_name: "Ada L",
        course_title: "Course",
        certificate_name: "Cert",
        instructor_name: "",
        issued_on: "2026-01-01",
        expires_on: None,
        issued_by: None,
    };
    assert!(
        repo::insert(&mut tx, &new("B00000000001"), 1)
            .await
            .unwrap()
            .is_none()
    );
    let id = repo::insert(&mut tx, &new("CCCCCCCCCCCC"), 1)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        repo::revoke(&mut tx, id, 7, "stale", 2).await,
        Err(trainyard_store::StoreError::Stale { .. })
    ));
    repo::revoke(&mut tx, id, 1, "wrong person", 2)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut conn = store.read().await.unwrap();
    let c = repo::get(&mut conn, id).await.unwrap();
    assert_eq!(c.revoked_reason.as_deref(), Some("wrong person"));
    assert_eq!(c.version, 2);
    drop(conn);
    store.close().await;
    db.remove().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_on_sqlite() {
    check(Kind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_on_postgres() {
    if postgres_url().is_none() {
        eprintln!("TRAINYARD_TEST_PG_URL is not set: PostgreSQL variant not run");
        return;
    }
    check(Kind::Postgres).await;
}
