//! The HTML UI. Each module holds the pages of one area; a kind of record is a `RecordPage`
//! declaration served by the generic handlers of `record`. The shared machinery (rendering the
//! generic list, detail and form templates, flash notices, CSRF-checked form submission) is here;
//! error pages come from `crate::error_page`.

mod accounting;
mod admin;
mod agreements;
mod attendance;
mod budgets;
mod catalog;
mod certificates;
mod client_portal;
mod clients;
mod compliance;
mod courses;
mod credentials;
mod dashboard;
mod feeds;
mod imports;
mod instructors;
mod invoice_runs;
mod invoices;
mod learners;
mod lrs;
mod messages;
mod planning;
mod prices;
mod profitability;
mod programs;
mod quality;
mod quotes;
mod record;
mod recurrence;
pub(crate) mod report_views;
pub(crate) mod reports;
mod resources;
pub(crate) mod satisfaction;
mod sessions;
mod sso;
mod surveys;
mod timeline;
mod venues;
mod webhooks;

pub(crate) use crate::error_page::{error_page, not_found};
pub(crate) use catalog::enrolled_notice;

use crate::AppState;
use crate::auth::{Viewer, cookie};
use crate::views::{Chrome, DetailView, FormView, ListView};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use trainyard_app::{AppError, Caller};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(dashboard::routes())
        .merge(courses::routes())
        .merge(venues::routes())
        .merge(resources::routes())
        .merge(instructors::routes())
        .merge(clients::routes())
        .merge(programs::routes())
        .merge(learners::routes())
        .merge(sessions::routes())
        .merge(admin::routes())
        .merge(sso::routes())
        .merge(timeline::routes())
        .merge(credentials::routes())
        .merge(attendance::routes())
        .merge(catalog::routes())
        .merge(client_portal::routes())
        .merge(messages::routes())
        .merge(feeds::routes())
        .merge(recurrence::routes())
        .merge(planning::routes())
        .merge(invoices::routes())
        .merge(invoice_runs::routes())
        .merge(quotes::routes())
        .merge(accounting::routes())
        .merge(reports::routes())
        .merge(report_views::routes())
        .merge(satisfaction::routes())
        .merge(profitability::routes())
        .merge(certificates::routes())
        .merge(compliance::routes())
        .merge(surveys::routes())
        .merge(agreements::routes())
        .merge(prices::routes())
        .merge(webhooks::routes())
        .merge(lrs::routes())
        .merge(budgets::routes())
        .merge(imports::routes())
        .merge(quality::routes())
}

const FLASH_COOKIE: &str = "ty_flash";

/// Redirects after a successful change, with a short notice for the next page.
pub fn saved(href: &str, notice: &str) -> Response {
    let value = crate::auth::urlencode(notice);
    (
        [(
            header::SET_COOKIE,
            format!("{FLASH_COOKIE}={value}; Path=/; Max-Age=60; SameSite=Lax; HttpOnly"),
        )],
        Redirect::to(href),
    )
        .into_response()
}

/// The notice left by the previous request, if any.
pub struct Flash(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Flash {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Flash(
            cookie(&parts.headers, FLASH_COOKIE)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("m={v}"))
                        .ok()
                        .and_then(|kv| kv.into_iter().next().map(|(_, m)| m))
                        .unwrap_or_default()
                }),
        ))
    }
}

/// Once a page has shown the notice, forget it.
pub async fn clear_flash(req: Request, next: Next) -> Response {
    let had_flash = cookie(req.headers(), FLASH_COOKIE).is_some_and(|v| !v.is_empty());
    let mut res = next.run(req).await;
    if had_flash
        && res.status() == StatusCode::OK
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{FLASH_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly"
        ))
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// A submitted UI form: the signed-in user and the parsed body, with the CSRF token checked.
pub struct Submit<T> {
    pub caller: Caller,
    pub form: T,
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    _csrf: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for Submit<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let Viewer(caller) = Viewer::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, crate::MAX_BODY_BYTES)
            .await
            .map_err(|_| {
                error_page(
                    AppError::refused("the form is too large".into()),
                    Some(&caller),
                )
            })?;
        let token: CsrfField = serde_html_form::from_bytes(&bytes).unwrap_or(CsrfField {
            _csrf: String::new(),
        });
        if caller.csrf_token.as_deref() != Some(token._csrf.as_str()) {
            return Err(error_page(
                AppError::Forbidden("submit this form: it expired or came from elsewhere. Reload the page and try again".into()),
                Some(&caller),
            ));
        }
        // Dates, times and amounts typed the reader's way reach the use case as ISO.
        let locale = crate::i18n::locale_of(&caller);
        let bytes = match crate::locale_input::normalize(&bytes, &locale) {
            Some(b) => axum::body::Bytes::from(b),
            None => bytes,
        };
        let form = serde_html_form::from_bytes::<T>(&bytes).map_err(|e| {
            error_page(
                AppError::refused(format!("the form could not be read: {e}")),
                Some(&caller),
            )
        })?;
        Ok(Submit { caller, form })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub view: ListView,
}

#[derive(Template, WebTemplate)]
#[template(path = "detail.html")]
pub struct DetailPage {
    pub chrome: Chrome,
    pub view: DetailView,
}

#[derive(Template, WebTemplate)]
#[template(path = "form.html")]
pub struct FormPage {
    pub chrome: Chrome,
    pub view: FormView,
}

/// A list as a page, or as CSV when `?format=csv`.
/// Sorts a document list newest first unless the reader sorts otherwise.
pub(crate) fn newest_first(list: &mut trainyard_app::store::ListParams) {
    if list.sort.trim().is_empty() {
        list.sort = "created".into();
        list.dir = "desc".into();
    }
}

/// A list's rows; a filter the list refuses (a bad status, say) gives an empty page with the
/// refusal to show above it. Any other error is the caller's to show.
pub(crate) fn page_or_refusal<T>(
    listed: Result<trainyard_app::store::Page<T>, AppError>,
) -> Result<(trainyard_app::store::Page<T>, Option<String>), AppError> {
    match listed {
        Ok(p) => Ok((p, None)),
        Err(e @ AppError::BadParameter { .. }) => Ok((
            trainyard_app::store::Page {
                items: Vec::new(),
                total: 0,
                page: 1,
                per_page: 50,
            },
            Some(crate::error_page::said(&e)),
        )),
        Err(e) => Err(e),
    }
}

pub fn list_response(chrome: Chrome, view: ListView, csv: bool) -> Response {
    if csv {
        return crate::views::csv_response(view.path.trim_start_matches('/'), &view);
    }
    ListPage { chrome, view }.into_response()
}

/// A form shown again with the user's input and the reasons it was refused; other errors get a page.
pub fn form_refused(chrome: Chrome, view: FormView, err: AppError, caller: &Caller) -> Response {
    match err {
        AppError::Invalid(inv) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FormPage {
                chrome,
                view: view.with_errors(&inv),
            },
        )
            .into_response(),
        AppError::Duplicate { entity, field } => {
            let tr = crate::i18n::Tr::for_caller(caller);
            let message = if tr.is_english() {
                format!("another {entity} already has this {field}")
            } else {
                tr.t("invalid-taken").to_owned()
            };
            let inv = trainyard_core::Invalid::field(&field, message);
            (
                StatusCode::CONFLICT,
                FormPage {
                    chrome,
                    view: view.with_errors(&inv),
                },
            )
                .into_response()
        }
        AppError::Stale(what) => {
            let mut view = view;
            let tr = crate::i18n::Tr::for_caller(caller);
            view.problems.push(if tr.is_english() {
                format!(
                    "{what} was changed by someone else while you edited it. Your input is kept below; open the record again in another tab to compare, then save."
                )
            } else {
                tr.t("error-stale-form").to_owned()
            });
            (StatusCode::CONFLICT, FormPage { chrome, view }).into_response()
        }
        other => error_page(other, Some(caller)),
    }
}

/// `?format=csv`
pub fn wants_csv(qs: &crate::views::QueryState) -> bool {
    qs.get("format") == "csv"
}

/// The version a form or action posted, for optimistic concurrency.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct VersionForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    pub version: i64,
    pub event: String,
}

/// An edit form: the record's fields plus the version the user started from.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Versioned<T> {
    #[serde(flatten)]
    pub inner: T,
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    pub version: i64,
}

impl ListPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}
impl DetailPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}
impl FormPage {
    fn chrome_opt(&self) -> Option<&Chrome> {
        Some(&self.chrome)
    }
}
