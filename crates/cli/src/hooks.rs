//! Webhook workers' settings on the command line, and `trainyard bench webhooks`.

use anyhow::Context;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use trainyard_app::App;
use trainyard_app::webhooks::{self, HookOptions, Hooks};
use trainyard_core::webhook::DisablePolicy;

/// How this process delivers webhooks.
#[derive(clap::Args, Clone)]
pub struct HookArgs {
    /// Webhook workers in this process (each sends to several endpoints side by side; 0: none).
    #[arg(long, env = "TRAINYARD_WEBHOOK_WORKERS", default_value_t = 2)]
    pub webhook_workers: usize,
    /// The longest a webhook request may take before it counts as failed, in seconds.
    #[arg(long, env = "TRAINYARD_WEBHOOK_TIMEOUT", default_value_t = 10)]
    pub webhook_timeout: u64,
    /// Failed attempts in a row (spanning at least a day) after which an endpoint is turned off.
    #[arg(long, env = "TRAINYARD_WEBHOOK_DISABLE_AFTER", default_value_t = 20)]
    pub webhook_disable_after: i64,
}

impl HookArgs {
    pub fn hooks(&self, settings: &trainyard_app::Settings) -> anyhow::Result<Hooks> {
        Hooks::new(HookOptions {
            extra_roots: settings.extra_roots.clone(),
            workers: self.webhook_workers.max(1),
            timeout_ms: (self.webhook_timeout.clamp(1, 300) * 1000) as i64,
            disable: DisablePolicy {
                failures: self.webhook_disable_after.max(1),
                ..DisablePolicy::default()
            },
            ..HookOptions::default()
        })
        .map_err(|e| anyhow::anyhow!("webhooks: {e}"))
    }
}

/// What the benchmark's receiver saw.
#[derive(Default)]
struct Seen {
    received: usize,
    bad_signatures: usize,
    out_of_order: usize,
    /// The last `seq` per endpoint.
    last: HashMap<usize, i64>,
}

/// `trainyard bench webhooks`: `events` events to each of `endpoints` endpoints on an in-process
/// receiver (which checks every signature and the order per endpoint), delivered by `workers`
/// workers; reports deliveries per second. Use a scratch database.
pub async fn bench(
    app: App,
    events: usize,
    endpoints: usize,
    workers: usize,
) -> anyhow::Result<()> {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let secrets: Arc<Mutex<HashMap<usize, String>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding the receiver")?;
    let addr = listener.local_addr()?;
    let receiver = {
        let (seen, secrets) = (seen.clone(), secrets.clone());
        axum::Router::new().route(
            "/e/{n}",
            axum::routing::post(
                move |axum::extract::Path(n): axum::extract::Path<usize>,
                      headers: axum::http::HeaderMap,
                      body: String| {
                    let (seen, secrets) = (seen.clone(), secrets.clone());
                    async move {
                        let h = |k: &str| {
                            headers
                                .get(k)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned()
                        };
                        let secret = secrets
                            .lock()
                            .ok()
                            .and_then(|s| s.get(&n).cloned())
                            .unwrap_or_default();
                        let ts: i64 = h("webhook-timestamp").parse().unwrap_or(0);
                        let good = webhooks::sign(&secret, &h("webhook-id"), ts, &body)
                            .is_some_and(|sig| h("webhook-signature").split(' ').any(|s| s == sig));
                        let seq = serde_json::from_str::<serde_json::Value>(&body)
                            .ok()
                            .and_then(|v| v["data"]["seq"].as_i64())
                            .unwrap_or(-1);
                        if let Ok(mut s) = seen.lock() {
                            s.received += 1;
                            if !good {
                                s.bad_signatures += 1;
                            }
                            let last = s.last.insert(n, seq).unwrap_or(-1);
                            if seq <= last {
                                s.out_of_order += 1;
                            }
                        }
                        axum::http::StatusCode::NO_CONTENT
                    }
                },
            ),
        )
    };
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, receiver).await;
    });
    let mut ids = Vec::new();
    for n in 0..endpoints.max(1) {
        let (id, secret) = webhooks::bench_endpoint(&app, &format!("http://{addr}/e/{n}"))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if let Ok(mut s) = secrets.lock() {
            s.insert(n, secret);
        }
        ids.push(id);
    }
    let bar = indicatif::ProgressBar::new(events as u64).with_message("queueing");
    webhooks::queue_bench_events(&app, &ids, events)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    let expected = events * ids.len();
    let hooks = Hooks::new(HookOptions {
        workers: workers.max(1),
        idle_ms: 20,
        ..HookOptions::default()
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = std::time::Instant::now();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(webhooks::run(
        app.clone(),
        hooks,
        webhooks::worker_id("bench"),
        async {
            let _ = stopped.await;
        },
    ));
    let deadline = started + std::time::Duration::from_secs(600);
    loop {
        let received = seen.lock().map(|s| s.received).unwrap_or(0);
        if received >= expected || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    let _ = run.await;
    server.abort();
    let (received, bad, unordered) = seen
        .lock()
        .map(|s| (s.received, s.bad_signatures, s.out_of_order))
        .unwrap_or_default();
    println!(
        "webhooks: {received} of {expected} deliveries ({events} events x {} endpoint(s)) received \
         in {secs:.2} s = {:.0} deliveries/s ({:?}, {} worker(s); {bad} bad signatures, \
         {unordered} out of order)",
        ids.len(),
        received as f64 / secs.max(1e-9),
        app.store.backend(),
        workers.max(1),
    );
    app.store.close().await;
    anyhow::ensure!(received >= expected, "not every delivery arrived");
    anyhow::ensure!(bad == 0 && unordered == 0, "bad signatures or order");
    Ok(())
}
