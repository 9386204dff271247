//! Errors as HTML pages. Both the login extractor (`auth`) and the pages render errors, so the
//! rendering lives here, below both of them, rather than in either.

use crate::auth::{SESSION_COOKIE, cookie};
use crate::views::Chrome;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use trainyard_app::{AppError, Caller};

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Option<Chrome>,
    pub title: String,
    pub detail: String,
    /// The reader's words (the page may have no chrome).
    pub tr: crate::i18n::Tr,
}

impl ErrorPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        self.chrome.as_ref()
    }
}

/// The page for an error of a use case: its status and words, with the site's chrome when the
/// caller is known. Unauthenticated callers go to the login page instead.
pub fn error_page(err: AppError, caller: Option<&Caller>) -> Response {
    let (status, kind, title) = crate::problem::status_of(&err);
    let tr = caller.map_or_else(crate::i18n::Tr::for_request, crate::i18n::Tr::for_caller);
    if let AppError::Internal(inner) = &err {
        tracing::error!(error = %inner, "internal error");
    }
    if status == StatusCode::UNAUTHORIZED {
        return Redirect::to("/login").into_response();
    }
    let detail = match &err {
        AppError::Forbidden(_) => tr.t1("error-forbidden-detail", "what", &err),
        AppError::Conflict { message, problems } if !problems.is_empty() => {
            format!(
                "{}\n{}",
                tr.refusal(message),
                problems
                    .iter()
                    .map(|p| format!("• {}", tr.conflict(p)))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
        _ => detail_in(&tr, &err),
    };
    let page = ErrorPage {
        chrome: caller.map(|c| Chrome::new(c, "", None)),
        title: tr.t_or(&format!("error-{kind}"), title).into(),
        detail,
        tr,
    };
    (status, page).into_response()
}

/// What went wrong in the reader's words: validation problems through their codes, the
/// common refusals (changed meanwhile, already exists, not found, a bad parameter, throttled)
/// through the catalogue, a rule's refusal and a scheduling conflict through their catalogue
/// keys (English where a refusal has none yet). The English text (`Display`) stays what logs
/// and the API say.
pub fn detail_in(tr: &crate::i18n::Tr, err: &AppError) -> String {
    if tr.is_english() {
        return err.to_string();
    }
    match err {
        AppError::Invalid(inv) => inv
            .errors
            .iter()
            .map(|e| crate::views::in_words_of(tr, &e.field, &e.message))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Stale(_) => tr.t("error-stale-detail").to_owned(),
        AppError::Duplicate { field, .. } => tr.t1(
            "error-duplicate-detail",
            "field",
            crate::views::text_in("field", field),
        ),
        AppError::NotFound(_) => tr.t("error-not-found-detail").to_owned(),
        AppError::BadParameter { name, message } => tr.t2(
            "error-bad-parameter-detail",
            "field",
            name,
            "reason",
            tr.problem(message),
        ),
        AppError::Throttled { retry_after_secs } => {
            tr.t1("error-throttled-detail", "seconds", retry_after_secs)
        }
        AppError::Refused(r) => tr.refusal(r),
        AppError::Conflict { message, problems } => std::iter::once(tr.refusal(message))
            .chain(problems.iter().map(|p| tr.conflict(p)))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// [`detail_in`] the words of the page being answered (the signed-in reader's language, else the
/// request's): what a page shows when it puts a refusal beside the form instead of on a page of
/// its own.
pub fn said(err: &AppError) -> String {
    detail_in(&crate::i18n::Tr::for_request(), err)
}

/// The fallback: problem+json under `/api/`, a page elsewhere.
pub async fn not_found(headers: axum::http::HeaderMap, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::problem::problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("there is no API endpoint at {}", uri.path()),
            Vec::new(),
        );
    }
    let _ = cookie(&headers, SESSION_COOKIE);
    let tr = crate::i18n::Tr::for_request();
    let page = ErrorPage {
        chrome: None,
        title: tr.t("error-no-page").into(),
        detail: tr.t1("error-no-page-detail", "path", uri.path()),
        tr,
    };
    (StatusCode::NOT_FOUND, page).into_response()
}
