//! A per-client request limit on `/api/v1`: a fixed one-minute window counted per API token (per
//! client address for requests without one). It lives in this process: each `trainyard serve`
//! counts on its own, so N processes behind a balancer allow up to N times the limit.
//!
//! Every API response says where the caller stands (`RateLimit-Limit`, `RateLimit-Remaining`,
//! `RateLimit-Reset`, as in the IETF RateLimit header fields draft); a request over the limit is
//! answered 429 problem+json with `Retry-After`, and nothing runs.

use crate::problem::problem;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const LIMIT: &str = "ratelimit-limit";
pub const REMAINING: &str = "ratelimit-remaining";
pub const RESET: &str = "ratelimit-reset";
pub const POLICY: &str = "ratelimit-policy";
/// Every header the limiter sets, for layers that rebuild a response.
pub const HEADERS: [&str; 4] = [LIMIT, REMAINING, RESET, POLICY];

const WINDOW: Duration = Duration::from_secs(60);

/// Whose requests are counted together.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    /// A bearer token, kept as a keyed hash so the map holds no secrets.
    Token(u64),
    Address(Option<IpAddr>),
}

struct Window {
    started: Instant,
    counts: HashMap<Client, u32>,
}

/// Where a request stands in the current window.
struct Standing {
    allowed: bool,
    remaining: u32,
    reset_secs: u64,
}

#[derive(Clone)]
pub struct RateLimiter {
    /// Requests per client per minute; 0 turns the limit (and its headers) off.
    per_minute: u32,
    hasher: RandomState,
    window: Arc<Mutex<Window>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            hasher: RandomState::new(),
            window: Arc::new(Mutex::new(Window {
                started: Instant::now(),
                counts: HashMap::new(),
            })),
        }
    }

    fn client(&self, req: &Request) -> Client {
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        match bearer {
            Some(token) => Client::Token(self.hasher.hash_one(token)),
            None => Client::Address(
                req.extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0.ip()),
            ),
        }
    }

    fn count(&self, client: Client) -> Standing {
        let now = Instant::now();
        // A poisoned lock only means another request panicked mid-count; the counts are still usable.
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        if now.duration_since(w.started) >= WINDOW {
            // Dropping the old window's map also bounds memory to one minute's distinct clients.
            w.started = now;
            w.counts = HashMap::new();
        }
        let reset_secs = WINDOW
            .saturating_sub(now.duration_since(w.started))
            .as_secs()
            .max(1);
        let used = w.counts.entry(client).or_insert(0);
        if *used >= self.per_minute {
            return Standing {
                allowed: false,
                remaining: 0,
                reset_secs,
            };
        }
        *used += 1;
        Standing {
            allowed: true,
            remaining: self.per_minute - *used,
            reset_secs,
        }
    }

    fn annotate(&self, headers: &mut HeaderMap, s: &Standing) {
        headers.insert(LIMIT, HeaderValue::from(self.per_minute));
        headers.insert(REMAINING, HeaderValue::from(s.remaining));
        headers.insert(RESET, HeaderValue::from(s.reset_secs));
        if let Ok(v) = HeaderValue::from_str(&format!("{};w={}", self.per_minute, WINDOW.as_secs()))
        {
            headers.insert(POLICY, v);
        }
    }
}

pub async fn layer(State(limiter): State<RateLimiter>, req: Request, next: Next) -> Response {
    if limiter.per_minute == 0 {
        return next.run(req).await;
    }
    let standing = limiter.count(limiter.client(&req));
    let mut res = if standing.allowed {
        next.run(req).await
    } else {
        let mut r = problem(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
            format!(
                "this client may make {} API requests a minute; try again in {} s",
                limiter.per_minute, standing.reset_secs
            ),
            Vec::new(),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(standing.reset_secs));
        r
    };
    limiter.annotate(res.headers_mut(), &standing);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_client_apart_and_refuses_past_the_limit() {
        let l = RateLimiter::new(2);
        let a = Client::Token(1);
        let b = Client::Address(None);
        assert!(l.count(a).allowed);
        let second = l.count(a);
        assert!(second.allowed);
        assert_eq!(second.remaining, 0);
        let third = l.count(a);
        assert!(!third.allowed);
        assert!(third.reset_secs >= 1 && third.reset_secs <= 60);
        assert!(l.count(b).allowed, "another client has its own count");
    }
}
