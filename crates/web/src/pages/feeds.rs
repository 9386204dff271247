//! Calendar feeds: the subscription endpoint `GET /feeds/<token>.ics` (no login: the token is the
//! credential) and the page where staff, instructors and client contacts create and revoke feeds.
//!
//! Routes: `GET /feeds/{token}.ics`, `GET /feeds/{kind}/{target_id}` (the feeds of one schedule),
//! `POST /feeds/{kind}/{target_id}` (create) and `POST /feeds/{id}/revoke`. The last two share
//! one route pattern, because the router cannot hold two differently named parameters at the
//! same position.

use super::{Submit, VersionForm, error_page, saved};
use crate::AppState;
use crate::auth::Viewer;
use crate::pages::Flash;
use crate::problem::ApiError;
use crate::views::{Chrome, viewer_tz};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use trainyard_app::feeds::{self, FeedKind};
use trainyard_app::{AppError, Caller};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feeds/{file}", get(calendar))
        .route("/feeds/{kind}/{target}", get(show).post(create_or_revoke))
}

async fn calendar(State(s): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return ApiError(AppError::NotFound("calendar feed")).into_response();
    };
    // Links inside the feed come from the configured public URL, never from the Host header.
    match feeds::render_feed(&s.app, token).await {
        Ok(text) => {
            let mut r = text.into_response();
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"trainyard.ics\""),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-cache"),
            );
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
            r
        }
        Err(e) => ApiError(e).into_response(),
    }
}

pub struct FeedRow {
    pub id: i64,
    pub created: String,
    pub revoked: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "feeds.html")]
struct FeedsPage {
    chrome: Chrome,
    kind: &'static str,
    target_id: i64,
    target_name: String,
    target_href: String,
    /// The subscription URL of a feed just created: shown this once.
    new_url: Option<String>,
    new_webcal: Option<String>,
    feeds: Vec<FeedRow>,
}

impl FeedsPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}

fn area(kind: FeedKind) -> &'static str {
    match kind {
        FeedKind::Instructor => "instructors",
        FeedKind::Room => "resources",
        FeedKind::Venue => "venues",
        FeedKind::Client => "clients",
    }
}

/// `/feeds/{kind}/{target}` with a known kind and a numeric target; `None` is a 404.
fn target_of(kind: &str, target: &str) -> Option<(FeedKind, i64)> {
    match (FeedKind::parse(kind), target.parse::<i64>()) {
        (Some(k), Ok(id)) => Some((k, id)),
        _ => None,
    }
}

async fn page(
    s: &AppState,
    c: &Caller,
    kind: FeedKind,
    target_id: i64,
    flash: Option<String>,
    new_url: Option<String>,
) -> Response {
    let name = match feeds::target_name(&s.app, c, kind, target_id).await {
        Ok(n) => n,
        Err(e) => return error_page(e, Some(c)),
    };
    let list = match feeds::list_feeds(&s.app, c, kind, target_id).await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(c)),
    };
    let tz = viewer_tz(c);
    let feeds = list
        .into_iter()
        .map(|f| FeedRow {
            id: f.id,
            created: tz.display(f.created_at),
            revoked: f.revoked_at.map(|t| tz.display(t)),
        })
        .collect();
    let new_webcal = new_url.as_deref().map(|u| {
        let rest = u
            .strip_prefix("https://")
            .or_else(|| u.strip_prefix("http://"))
            .unwrap_or(u);
        format!("webcal://{rest}")
    });
    FeedsPage {
        chrome: Chrome::new(c, area(kind), flash),
        kind: kind.as_str(),
        target_id,
        target_name: name,
        // Instructors and client contacts have no record pages of their own to go back to.
        target_href: if c.role.is_staff() {
            kind.target_href(target_id)
        } else {
            "/".into()
        },
        new_url,
        new_webcal,
        feeds,
    }
    .into_response()
}

async fn show(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Flash(flash): Flash,
    Path((kind, target)): Path<(String, String)>,
) -> Response {
    let Some((kind, target_id)) = target_of(&kind, &target) else {
        return error_page(AppError::NotFound("calendar feed"), Some(&c));
    };
    page(&s, &c, kind, target_id, flash, None).await
}

/// `POST /feeds/{kind}/{target_id}` creates a feed; `POST /feeds/{id}/revoke` revokes one.
async fn create_or_revoke(
    State(s): State<AppState>,
    Path((first, second)): Path<(String, String)>,
    Submit { caller: c, .. }: Submit<VersionForm>,
) -> Response {
    if second == "revoke" {
        let Ok(id) = first.parse::<i64>() else {
            return error_page(AppError::NotFound("calendar feed"), Some(&c));
        };
        return match feeds::revoke_feed(&s.app, &c, id).await {
            Ok(f) => saved(
                &format!("/feeds/{}/{}", f.kind, f.target_id),
                "Feed revoked: its address no longer works.",
            ),
            Err(e) => error_page(e, Some(&c)),
        };
    }
    let Some((kind, target_id)) = target_of(&first, &second) else {
        return error_page(AppError::NotFound("calendar feed"), Some(&c));
    };
    match feeds::create_feed(&s.app, &c, kind, target_id).await {
        Ok((_, path)) => {
            let url = feeds::feed_url(&s.app, &path);
            page(
                &s,
                &c,
                kind,
                target_id,
                Some("Feed created. Copy its address now: it is shown only once.".into()),
                Some(url),
            )
            .await
        }
        Err(e) => error_page(e, Some(&c)),
    }
}
