//! The five master-data repositories (venues, resources, instructors, clients, learners) against a
//! real database: SQLite always, PostgreSQL when `TRAINYARD_TEST_PG_URL` names a server.

#![allow(clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};
use trainyard_core::records::{
    ClientFields, InstructorFields, LearnerFields, ResourceFields, VenueFields,
};
use trainyard_store::{
    ListParams, Store, StoreError, clients, instructors, learners, resources, venues,
};

const T0: i64 = 1_767_225_600_000;

fn unique_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{}_{}", std::process::id(), nanos)
}

/// A default `ListParams` has `per_page` 0, which paging clamps to one row: ask for a real page.
fn all() -> ListParams {
    ListParams {
        per_page: 50,
        ..Default::default()
    }
}

fn search(q: &str) -> ListParams {
    ListParams {
        q: q.to_owned(),
        ..all()
    }
}

fn archived() -> ListParams {
    ListParams {
        archived: true,
        ..all()
    }
}

fn assert_stale<T: std::fmt::Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::Stale { expected: 1 }) => {}
        other => panic!("expected a stale-version refusal, got {other:?}"),
    }
}

async fn check_repositories(store: &Store) {
    // ------------------------------------------------------------ venues
    let mut vf = VenueFields {
        code: "ber-1".into(),
        name: "Berlin Mitte".into(),
        address: "Friedrichstraße 1".into(),
        city: "Berlin".into(),
        country: "de".into(),
        time_zone: "Europe/Berlin".into(),
        ..Default::default()
    };
    let mut tx = store.write().await.unwrap();
    let venue_id = venues::insert(&mut tx, &vf.validate().unwrap(), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let v = venues::get(&mut c, venue_id).await.unwrap();
    assert_eq!(
        (v.code.as_str(), v.country.as_str(), v.time_zone.as_str()),
        ("BER-1", "DE", "Europe/Berlin")
    );
    assert_eq!(
        (v.version, v.created_at, v.updated_at, v.archived_at),
        (1, T0, T0, None)
    );
    assert_eq!(
        venues::time_zone(&mut c, venue_id).await.unwrap(),
        "Europe/Berlin"
    );
    assert!(matches!(
        venues::time_zone(&mut c, venue_id + 1000).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        venues::get(&mut c, venue_id + 1000).await,
        Err(StoreError::NotFound)
    ));
    drop(c);

    vf.name = "Berlin Mitte 100%_done".into();
    let mut tx = store.write().await.unwrap();
    venues::update(&mut tx, venue_id, 1, &vf.validate().unwrap(), T0 + 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.write().await.unwrap();
    assert_stale(venues::update(&mut tx, venue_id, 1, &vf.validate().unwrap(), T0 + 2).await);
    drop(tx);

    let mut c = store.read().await.unwrap();
    let v = venues::get(&mut c, venue_id).await.unwrap();
    assert_eq!(
        (v.name.as_str(), v.version, v.updated_at),
        ("Berlin Mitte 100%_done", 2, T0 + 1)
    );
    let found = venues::list(
        &mut c,
        &venues::VenueFilter {
            list: search("berlin"),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        found.items.iter().map(|v| v.id).collect::<Vec<_>>(),
        vec![venue_id]
    );
    assert_eq!(found.total, 1);
    // LIKE wildcards in the search are literal characters.
    assert_eq!(
        venues::list(
            &mut c,
            &venues::VenueFilter {
                list: search("100%_")
            }
        )
        .await
        .unwrap()
        .total,
        1
    );
    assert_eq!(
        venues::list(
            &mut c,
            &venues::VenueFilter {
                list: search("100__")
            }
        )
        .await
        .unwrap()
        .total,
        0
    );
    assert_eq!(
        venues::list(
            &mut c,
            &venues::VenueFilter {
                list: search("munich")
            }
        )
        .await
        .unwrap()
        .total,
        0
    );
    assert_eq!(
        venues::options(&mut c).await.unwrap(),
        vec![(
            venue_id,
            "BER-1 — Berlin Mitte 100%_done (Berlin)".to_owned()
        )]
    );
    drop(c);

    // ------------------------------------------------------------ resources
    let mut rf = ResourceFields {
        kind: "room".into(),
        code: "ber-r1".into(),
        name: "Room Spree".into(),
        venue_id: venue_id.to_string(),
        seats: "16".into(),
        features: "projector, Whiteboard".into(),
        ..Default::default()
    };
    let mut tx = store.write().await.unwrap();
    let resource_id = resources::insert(&mut tx, &rf.validate().unwrap(), T0)
        .await
        .unwrap();
    let pool_id = resources::insert(
        &mut tx,
        &ResourceFields {
            kind: "equipment".into(),
            code: "lap".into(),
            name: "Laptops".into(),
            quantity: "12".into(),
            ..Default::default()
        }
        .validate()
        .unwrap(),
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let r = resources::get(&mut c, resource_id).await.unwrap();
    assert_eq!(r.kind, trainyard_core::status::ResourceKind::Room);
    assert_eq!(
        (r.venue_id, r.venue_name.as_deref()),
        (Some(venue_id), Some("Berlin Mitte 100%_done"))
    );
    assert_eq!((r.seats, r.quantity, r.version), (16, 1, 1));
    assert_eq!(
        r.features,
        vec!["projector".to_owned(), "whiteboard".to_owned()]
    );
    let p = resources::get(&mut c, pool_id).await.unwrap();
    assert_eq!((p.venue_id, p.venue_name, p.quantity), (None, None, 12));
    drop(c);

    rf.seats = "20".into();
    let mut tx = store.write().await.unwrap();
    resources::update(&mut tx, resource_id, 1, &rf.validate().unwrap(), T0 + 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.write().await.unwrap();
    assert_stale(resources::update(&mut tx, resource_id, 1, &rf.validate().unwrap(), T0 + 2).await);
    drop(tx);

    let mut c = store.read().await.unwrap();
    let r = resources::get(&mut c, resource_id).await.unwrap();
    assert_eq!((r.seats, r.version), (20, 2));
    let page = resources::list(
        &mut c,
        &resources::ResourceFilter {
            list: search("spree"),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        page.items[0].venue_name.as_deref(),
        Some("Berlin Mitte 100%_done")
    );
    let by_kind = |kind: &str| resources::ResourceFilter {
        kind: kind.to_owned(),
        list: all(),
        ..Default::default()
    };
    assert_eq!(
        resources::list(&mut c, &by_kind("equipment"))
            .await
            .unwrap()
            .items[0]
            .id,
        pool_id
    );
    assert_eq!(
        resources::list(&mut c, &by_kind("room"))
            .await
            .unwrap()
            .total,
        1
    );
    // An unknown kind is refused, naming the parameter (it used to be ignored, listing all).
    assert!(matches!(
        resources::list(&mut c, &by_kind("nonsense")).await,
        Err(StoreError::BadParameter { name: "kind", .. })
    ));
    assert_eq!(
        resources::list(&mut c, &by_kind("")).await.unwrap().total,
        2
    );
    let at_venue = resources::ResourceFilter {
        venue_id: Some(venue_id),
        list: all(),
        ..Default::default()
    };
    assert_eq!(
        resources::list(&mut c, &at_venue).await.unwrap().items[0].id,
        resource_id
    );
    let mut sorted = resources::ResourceFilter {
        list: all(),
        ..Default::default()
    };
    sorted.list.sort = "quantity".into();
    sorted.list.dir = "desc".into();
    let ids: Vec<i64> = resources::list(&mut c, &sorted)
        .await
        .unwrap()
        .items
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, vec![pool_id, resource_id]);
    assert_eq!(resources::options(&mut c).await.unwrap().len(), 2);
    drop(c);

    // ------------------------------------------------------------ instructors
    let mut inf = InstructorFields {
        name: "Ada Lovelace".into(),
        email: "Ada@Example.COM".into(),
        employment_type: "contractor".into(),
        home_venue_id: venue_id.to_string(),
        time_zone: "Europe/London".into(),
        currency: "GBP".into(),
        day_rate: "650.50".into(),
        hour_rate: "90".into(),
        max_days_week: "4".into(),
        max_days_month: "15".into(),
        skills: "excel, power-bi".into(),
        ..Default::default()
    };
    let mut tx = store.write().await.unwrap();
    let instructor_id = instructors::insert(&mut tx, &inf.validate().unwrap(), T0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let i = instructors::get(&mut c, instructor_id).await.unwrap();
    assert_eq!(i.email, "Ada@example.com");
    assert_eq!(
        i.employment_type,
        trainyard_core::status::EmploymentType::Contractor
    );
    assert_eq!(
        (
            i.day_rate.unwrap().minor,
            i.day_rate.unwrap().currency.as_str()
        ),
        (65050, "GBP")
    );
    assert_eq!(
        (
            i.hour_rate.unwrap().minor,
            i.hour_rate.unwrap().currency.as_str()
        ),
        (9000, "GBP")
    );
    assert_eq!(
        (i.home_venue_id, i.phone.as_deref(), i.time_zone.as_str()),
        (Some(venue_id), None, "Europe/London")
    );
    assert_eq!(i.skills, vec!["excel".to_owned(), "power-bi".to_owned()]);
    drop(c);

    inf.phone = "+44 20 7946 0000".into();
    let mut tx = store.write().await.unwrap();
    instructors::update(&mut tx, instructor_id, 1, &inf.validate().unwrap(), T0 + 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.write().await.unwrap();
    assert_stale(
        instructors::update(&mut tx, instructor_id, 1, &inf.validate().unwrap(), T0 + 2).await,
    );
    drop(tx);

    let mut c = store.read().await.unwrap();
    let i = instructors::get(&mut c, instructor_id).await.unwrap();
    assert_eq!(
        (i.phone.as_deref(), i.version),
        (Some("+44 20 7946 0000"), 2)
    );
    let f = instructors::InstructorFilter {
        list: search("LOVELACE"),
        ..Default::default()
    };
    assert_eq!(
        instructors::list(&mut c, &f).await.unwrap().items[0].id,
        instructor_id
    );
    let f = instructors::InstructorFilter {
        skill: "power".into(),
        list: all(),
        ..Default::default()
    };
    assert_eq!(instructors::list(&mut c, &f).await.unwrap().total, 1);
    let f = instructors::InstructorFilter {
        skill: "python".into(),
        list: all(),
        ..Default::default()
    };
    assert_eq!(instructors::list(&mut c, &f).await.unwrap().total, 0);
    let f = instructors::InstructorFilter {
        employment_type: "staff".into(),
        list: all(),
        ..Default::default()
    };
    assert_eq!(instructors::list(&mut c, &f).await.unwrap().total, 0);
    let f = instructors::InstructorFilter {
        employment_type: "contractor".into(),
        home_venue_id: Some(venue_id),
        list: all(),
        ..Default::default()
    };
    assert_eq!(instructors::list(&mut c, &f).await.unwrap().total, 1);
    assert_eq!(
        instructors::options(&mut c).await.unwrap(),
        vec![(instructor_id, "Ada Lovelace".to_owned())]
    );
    drop(c);

    // ------------------------------------------------------------ clients
    let mut cf = ClientFields {
        code: "acme".into(),
        name: "Acme Corporation".into(),
        billing_email: "billing@acme.example".into(),
        billing_address: "1 Road Runner Way".into(),
        currency: "EUR".into(),
        time_zone: "Europe/Berlin".into(),
        requires_approval: "on".into(),
        ..Default::default()
    };
    let mut tx = store.write().await.unwrap();
    let client_id = clients::insert(&mut tx, &cf.validate().unwrap(), T0)
        .await
        .unwrap();
    let other_client_id = clients::insert(
        &mut tx,
        &ClientFields {
            code: "globex".into(),
            name: "Globex".into(),
            billing_email: "ap@globex.example".into(),
            currency: "USD".into(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        }
        .validate()
        .unwrap(),
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let cl = clients::get(&mut c, client_id).await.unwrap();
    assert_eq!(
        (cl.code.as_str(), cl.currency.as_str(), cl.requires_approval),
        ("ACME", "EUR", true)
    );
    assert!(
        !clients::get(&mut c, other_client_id)
            .await
            .unwrap()
            .requires_approval
    );
    drop(c);

    cf.requires_approval = String::new();
    cf.name = "Acme Corp.".into();
    let mut tx = store.write().await.unwrap();
    clients::update(&mut tx, client_id, 1, &cf.validate().unwrap(), T0 + 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.write().await.unwrap();
    assert_stale(clients::update(&mut tx, client_id, 1, &cf.validate().unwrap(), T0 + 2).await);
    drop(tx);

    let mut c = store.read().await.unwrap();
    let cl = clients::get(&mut c, client_id).await.unwrap();
    assert_eq!(
        (cl.name.as_str(), cl.requires_approval, cl.version),
        ("Acme Corp.", false, 2)
    );
    let found = clients::list(
        &mut c,
        &clients::ClientFilter {
            list: search("billing@acme"),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        found.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![client_id]
    );
    assert_eq!(
        clients::list(&mut c, &clients::ClientFilter { list: all() })
            .await
            .unwrap()
            .total,
        2
    );
    assert_eq!(
        clients::options(&mut c).await.unwrap()[0],
        (client_id, "ACME — Acme Corp.".to_owned())
    );
    drop(c);

    // ------------------------------------------------------------ learners
    let mut lf = LearnerFields {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: "grace@acme.example".into(),
        client_id: client_id.to_string(),
        time_zone: "Europe/Berlin".into(),
        ..Default::default()
    };
    let mut tx = store.write().await.unwrap();
    let learner_id = learners::insert(&mut tx, &lf.validate().unwrap(), T0)
        .await
        .unwrap();
    let other_learner_id = learners::insert(
        &mut tx,
        &LearnerFields {
            first_name: "Hank".into(),
            last_name: "Scorpio".into(),
            email: "hank@globex.example".into(),
            client_id: other_client_id.to_string(),
            time_zone: "America/New_York".into(),
            ..Default::default()
        }
        .validate()
        .unwrap(),
        T0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    let l = learners::get(&mut c, learner_id).await.unwrap();
    assert_eq!(
        (l.client_id, l.client_name.as_deref()),
        (Some(client_id), Some("Acme Corp."))
    );
    assert_eq!(
        (l.first_name.as_str(), l.last_name.as_str(), l.version),
        ("Grace", "Hopper", 1)
    );
    drop(c);

    lf.phone = "+49 30 1234".into();
    lf.client_id = String::new();
    let mut tx = store.write().await.unwrap();
    learners::update(&mut tx, learner_id, 1, &lf.validate().unwrap(), T0 + 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.write().await.unwrap();
    assert_stale(learners::update(&mut tx, learner_id, 1, &lf.validate().unwrap(), T0 + 2).await);
    drop(tx);

    let mut c = store.read().await.unwrap();
    let l = learners::get(&mut c, learner_id).await.unwrap();
    assert_eq!(
        (l.client_id, l.client_name, l.phone.as_deref(), l.version),
        (None, None, Some("+49 30 1234"), 2)
    );
    drop(c);
    // Back to the client, for the scoping checks.
    lf.client_id = client_id.to_string();
    let mut tx = store.write().await.unwrap();
    learners::update(&mut tx, learner_id, 2, &lf.validate().unwrap(), T0 + 3)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut c = store.read().await.unwrap();
    let f = learners::LearnerFilter {
        list: search("hopp"),
        ..Default::default()
    };
    assert_eq!(
        learners::list(&mut c, &f).await.unwrap().items[0].id,
        learner_id
    );
    let scoped = |id: i64| learners::LearnerFilter {
        client_id: Some(id),
        list: all(),
    };
    let ids = |p: trainyard_store::Page<learners::Learner>| {
        p.items.iter().map(|l| l.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(learners::list(&mut c, &scoped(client_id)).await.unwrap()),
        vec![learner_id]
    );
    assert_eq!(
        ids(learners::list(&mut c, &scoped(other_client_id))
            .await
            .unwrap()),
        vec![other_learner_id]
    );
    let mut by_client = learners::LearnerFilter {
        list: all(),
        ..Default::default()
    };
    by_client.list.sort = "client".into();
    let page = learners::list(&mut c, &by_client).await.unwrap();
    assert_eq!(page.items[0].client_name.as_deref(), Some("Acme Corp."));
    assert_eq!(ids(page), vec![learner_id, other_learner_id]);
    drop(c);

    // ------------------------------------------------------------ archiving
    let mut tx = store.write().await.unwrap();
    venues::set_archived(&mut tx, venue_id, 2, Some(T0 + 10), T0 + 10)
        .await
        .unwrap();
    resources::set_archived(&mut tx, resource_id, 2, Some(T0 + 10), T0 + 10)
        .await
        .unwrap();
    instructors::set_archived(&mut tx, instructor_id, 2, Some(T0 + 10), T0 + 10)
        .await
        .unwrap();
    clients::set_archived(&mut tx, client_id, 2, Some(T0 + 10), T0 + 10)
        .await
        .unwrap();
    learners::set_archived(&mut tx, learner_id, 3, Some(T0 + 10), T0 + 10)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.write().await.unwrap();
    assert_stale(venues::set_archived(&mut tx, venue_id, 1, None, T0 + 11).await);
    drop(tx);

    let mut c = store.read().await.unwrap();
    assert_eq!(
        venues::list(&mut c, &venues::VenueFilter { list: all() })
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        venues::list(&mut c, &venues::VenueFilter { list: archived() })
            .await
            .unwrap()
            .items[0]
            .id,
        venue_id
    );
    assert!(venues::options(&mut c).await.unwrap().is_empty());
    let v = venues::get(&mut c, venue_id).await.unwrap();
    assert_eq!((v.archived_at, v.version), (Some(T0 + 10), 3));

    let rs = resources::list(
        &mut c,
        &resources::ResourceFilter {
            list: all(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        rs.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![pool_id]
    );
    let f = resources::ResourceFilter {
        list: archived(),
        ..Default::default()
    };
    assert_eq!(
        resources::list(&mut c, &f).await.unwrap().items[0].id,
        resource_id
    );

    let f = instructors::InstructorFilter {
        list: all(),
        ..Default::default()
    };
    assert_eq!(instructors::list(&mut c, &f).await.unwrap().total, 0);
    assert!(instructors::options(&mut c).await.unwrap().is_empty());

    let cs = clients::list(&mut c, &clients::ClientFilter { list: all() })
        .await
        .unwrap();
    assert_eq!(
        cs.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![other_client_id]
    );

    let ls = learners::list(
        &mut c,
        &learners::LearnerFilter {
            list: all(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        ls.items.iter().map(|l| l.id).collect::<Vec<_>>(),
        vec![other_learner_id]
    );
    assert_eq!(
        learners::list(&mut c, &scoped(client_id))
            .await
            .unwrap()
            .total,
        0
    );
    drop(c);

    // Unarchiving brings a record back.
    let mut tx = store.write().await.unwrap();
    venues::set_archived(&mut tx, venue_id, 3, None, T0 + 12)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut c = store.read().await.unwrap();
    assert_eq!(
        venues::list(&mut c, &venues::VenueFilter { list: all() })
            .await
            .unwrap()
            .total,
        1
    );
}

#[tokio::test]
async fn repositories_on_sqlite() {
    let path = std::env::temp_dir().join(format!("trainyard_repos_{}.db", unique_suffix()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    check_repositories(&store).await;
    store.close().await;
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
}

/// `url` with its database name replaced by `db`.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{db}?{q}"),
        None => format!("{root}/{db}"),
    }
}

#[tokio::test]
async fn repositories_on_postgres() {
    let Ok(admin_url) = std::env::var("TRAINYARD_TEST_PG_URL") else {
        eprintln!("TRAINYARD_TEST_PG_URL not set: skipping the PostgreSQL run");
        return;
    };
    let db = format!("trainyard_repos_{}", unique_suffix());
    let admin = Store::connect(&admin_url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(admin.pool())
        .await
        .unwrap();

    let store = Store::connect(&with_database(&admin_url, &db))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    check_repositories(&store).await;
    store.close().await;

    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {db}")))
        .execute(admin.pool())
        .await
        .unwrap();
    admin.close().await;
}

#[test]
fn database_name_is_replaced_in_the_url() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "x"),
        "postgres://h:5432/x"
    );
}

#[test]
fn empty_numeric_filters_mean_no_filter() {
    let f: resources::ResourceFilter =
        serde_json::from_value(serde_json::json!({ "venue_id": "", "q": "x", "kind": "room" }))
            .unwrap();
    assert_eq!(
        (f.venue_id, f.list.q.as_str(), f.kind.as_str()),
        (None, "x", "room")
    );
    let f: resources::ResourceFilter =
        serde_json::from_value(serde_json::json!({ "venue_id": "7" })).unwrap();
    assert_eq!(f.venue_id, Some(7));
    let f: learners::LearnerFilter =
        serde_json::from_value(serde_json::json!({ "client_id": 12 })).unwrap();
    assert_eq!(f.client_id, Some(12));
    let f: learners::LearnerFilter = serde_json::from_value(serde_json::json!({})).unwrap();
    assert_eq!(f.client_id, None);
    let f: instructors::InstructorFilter =
        serde_json::from_value(serde_json::json!({ "home_venue_id": null, "skill": "excel" }))
            .unwrap();
    assert_eq!((f.home_venue_id, f.skill.as_str()), (None, "excel"));
    let e = serde_json::from_value::<learners::LearnerFilter>(
        serde_json::json!({ "client_id": "abc" }),
    )
    .unwrap_err();
    assert!(e.to_string().contains("expected a number"), "{e}");
}
