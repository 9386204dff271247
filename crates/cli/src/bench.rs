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
