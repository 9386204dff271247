//! `trainyard bench …`: reproducible measurements (see BENCHMARKS.md).

use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use indicatif::{ProgressBar, ProgressStyle};
use std::time::{Duration, Instant};
use tower::ServiceExt;
use trainyard_app::App;
use trainyard_app::accounts::{self, NewAccount};
use trainyard_core::Role;

/// Seeds `sessions` sessions (if fewer exist), then renders the sessions list page with filters
/// applied `iterations` times per query, in process (server time: routing, auth, SQL, template).
pub async fn sessions_list(app: App, sessions: usize, iterations: usize) -> anyhow::Result<()> {
    let bar = ProgressBar::new(sessions as u64);
    bar.set_style(
        ProgressStyle::with_template("seeding {bar:40} {pos}/{len} sessions ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let total = trainyard_app::bench::seed_sessions(&app, sessions, |n| bar.set_position(n as u64))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    eprintln!(
        "{total} sessions in the database ({:?})",
        app.store.backend()
    );

    let email = "bench@trainyard.invalid";
    let password = "bench-password-123";
    let _ = accounts::create_user(
        &app,
        None,
        NewAccount {
            email: email.into(),
            display_name: "Bench".into(),
            password: password.into(),
            role: Role::Coordinator,
            client_id: None,
            instructor_id: None,
            learner_id: None,
            time_zone: "Europe/Berlin".into(),
        },
    )
    .await;
    let login = accounts::login(&app, email, password, "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let cookie = format!("ty_session={}", login.session_token);
    let router = trainyard_web::router(app.clone(), false);
    let today = chrono::Utc::now().date_naive();
    let queries = [
        format!(
            "/sessions?from={}&to={}",
            today,
            today + chrono::Duration::days(30)
        ),
        format!(
            "/sessions?status=confirmed&from={}",
            today - chrono::Duration::days(180)
        ),
        "/sessions?from=2000-01-01&sort=course&dir=desc&page=20".to_owned(),
        "/sessions?q=bench-1&from=2000-01-01".to_owned(),
        "/api/v1/sessions?status=scheduled&visibility=private&per_page=50".to_owned(),
    ];
    println!(
        "{:<75} {:>9} {:>9} {:>9} {:>7}",
        "request", "median", "p95", "max", "rows"
    );
    for q in &queries {
        let mut times = Vec::with_capacity(iterations);
        let mut bytes = 0;
        for i in 0..iterations + 3 {
            let req = Request::get(q.as_str())
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .context("request")?;
            let started = Instant::now();
            let res = router
                .clone()
                .oneshot(req)
                .await
                .context("request failed")?;
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), usize::MAX)
                .await
                .context("body")?;
            let took = started.elapsed();
            anyhow::ensure!(status == StatusCode::OK, "{q} answered {status}");
            bytes = body.len();
            if i >= 3 {
                times.push(took); // the first three warm caches and are not counted
            }
        }
        times.sort();
        let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        println!(
            "{:<75} {:>9} {:>9} {:>9} {:>6}k",
            q,
            ms(pct(0.5)),
            ms(pct(0.95)),
            ms(pct(1.0)),
            bytes / 1024
        );
    }
    Ok(())
}

/// Resident memory of this process, from /proc (Linux).
pub fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The conflict check in the core against 1,000,000 booked intervals, then the conflict-check API
/// call at `sessions` sessions with staffed instructors and rooms.
pub async fn conflicts(app: App, sessions: usize, iterations: usize) -> anyhow::Result<()> {
    use trainyard_core::Interval;
    use trainyard_planner::IntervalIndex;
    // 1. Core: one million intervals over ten years, 1–8 hours each, deterministic.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let span = 10 * 365 * 86_400_000i64;
    let items: Vec<(Interval, u32)> = (0..1_000_000u32)
        .filter_map(|i| {
            let start = (next() % span as u64) as i64;
            let len = (1 + next() % 8) as i64 * 3_600_000;
            Interval::new(start, start + len).ok().map(|iv| (iv, i))
        })
        .collect();
    let built = Instant::now();
    let index = IntervalIndex::new(items);
    let build_time = built.elapsed();
    let queries: Vec<Interval> = (0..100_000)
        .filter_map(|_| {
            let start = (next() % span as u64) as i64;
            Interval::new(start, start + 3 * 3_600_000).ok()
        })
        .collect();
    let mut hits = 0usize;
    let mut per_query = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = Instant::now();
        hits += index.overlapping(*q).len();
        per_query.push(t.elapsed());
    }
    per_query.sort();
    let pct = |v: &Vec<Duration>, p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "core: {} intervals indexed in {:.0} ms; 100,000 overlap queries (3 h each, {} hits): median {:.2} µs, p99 {:.2} µs, max {:.2} µs",
        index.len(),
        build_time.as_secs_f64() * 1000.0,
        hits,
        pct(&per_query, 0.5).as_secs_f64() * 1e6,
        pct(&per_query, 0.99).as_secs_f64() * 1e6,
        pct(&per_query, 1.0).as_secs_f64() * 1e6
    );

    // 2. The conflict-check API call over HTTP-in-process at `sessions` sessions.
    let bar = ProgressBar::new(sessions as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("seeding sessions");
    trainyard_app::bench::seed_sessions(&app, sessions, |n| bar.set_position(n as u64))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.set_message("staffing them");
    trainyard_app::bench::seed_staffing(&app, 200, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64)
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    let (router, cookie) = bench_login(&app).await?;
    let today = chrono::Utc::now().date_naive();
    // Upcoming sessions, checked against a busy instructor and a room.
    let list = Request::get(format!("/api/v1/sessions?from={today}&per_page=20"))
        .header(header::COOKIE, &cookie)
        .body(Body::empty())?;
    let res = router.clone().oneshot(list).await?;
    let page: serde_json::Value =
        serde_json::from_slice(&axum::body::to_bytes(res.into_body(), usize::MAX).await?)?;
    let ids: Vec<i64> = page["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["id"].as_i64()).collect())
        .unwrap_or_default();
    anyhow::ensure!(!ids.is_empty(), "no upcoming sessions to check");
    let mut times = Vec::new();
    let mut problems = 0;
    for i in 0..iterations + 3 {
        let sid = ids[i % ids.len()];
        let uri = format!(
            "/api/v1/sessions/{sid}/check?instructor_id={}&resource_id={}",
            1 + i % 200,
            1 + i % 200
        );
        let req = Request::get(uri.as_str())
            .header(header::COOKIE, &cookie)
            .body(Body::empty())?;
        let started = Instant::now();
        let res = router.clone().oneshot(req).await?;
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await?;
        let took = started.elapsed();
        anyhow::ensure!(
            status == StatusCode::OK,
            "{uri} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
        if i >= 3 {
            times.push(took);
            let v: serde_json::Value = serde_json::from_slice(&body)?;
            problems += v["problems"].as_array().map(|a| a.len()).unwrap_or(0);
        }
    }
    times.sort();
    println!(
        "api: GET /api/v1/sessions/{{id}}/check?instructor_id&resource_id at {sessions} sessions ({:?}), {iterations} calls ({problems} problems found): median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        app.store.backend(),
        pct(&times, 0.5).as_secs_f64() * 1000.0,
        pct(&times, 0.95).as_secs_f64() * 1000.0,
        pct(&times, 1.0).as_secs_f64() * 1000.0
    );
    Ok(())
}

async fn bench_login(app: &App) -> anyhow::Result<(axum::Router, String)> {
    let email = "bench@trainyard.invalid";
    let password = "bench-password-123";
    let _ = accounts::create_user(
        app,
        None,
        NewAccount {
            email: email.into(),
            display_name: "Bench".into(),
            password: password.into(),
            role: Role::Manager,
            client_id: None,
            instructor_id: None,
            learner_id: None,
            time_zone: "Europe/Berlin".into(),
        },
    )
    .await;
    let login = accounts::login(app, email, password, "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((
        trainyard_web::router(app.clone(), false),
        format!("ty_session={}", login.session_token),
    ))
}
