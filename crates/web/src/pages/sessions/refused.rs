//! A refused action on the session page (a conflict, a missing reason, a stale version) is shown
//! where the user acted: the session page again, the panel's form holding what they entered and
//! the refusal beside it, instead of a separate error page they must come back from.

use super::Sessions;
use super::panels::Panel;
use crate::AppState;
use crate::error_page::detail_in;
use crate::i18n::Tr;
use crate::pages::error_page;
use crate::views::in_words_of;
use axum::response::{IntoResponse, Response};
use trainyard_app::{AppError, Caller};

/// Why the action was refused, shown in its panel (or above the panels when the action has
/// none, like the lifecycle buttons at the top).
pub(crate) struct Refusal {
    pub(crate) panel: String,
    pub(crate) message: String,
    pub(crate) problems: Vec<String>,
}

/// The words for a refusal the user can act on; `None` for the errors that deserve their own
/// page (not found, not allowed, an internal failure).
fn words(tr: &Tr, err: &AppError) -> Option<(String, Vec<String>)> {
    match err {
        AppError::Invalid(inv) => Some((
            tr.t("refused-page-invalid").to_owned(),
            inv.errors
                .iter()
                .map(|e| in_words_of(tr, &e.field, &e.message))
                .collect(),
        )),
        AppError::Stale(_) => Some((tr.t("refused-page-stale").to_owned(), Vec::new())),
        AppError::Conflict { message, problems } => Some((
            sentence(&tr.refusal(message)),
            problems.iter().map(|p| sentence(&tr.conflict(p))).collect(),
        )),
        AppError::Refused(r) => Some((sentence(&tr.refusal(r)), Vec::new())),
        AppError::Duplicate { .. } | AppError::BadParameter { .. } => {
            Some((sentence(&detail_in(tr, err)), Vec::new()))
        }
        _ => None,
    }
}

fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The session page answering a refused action of `panel`: its form filled with `typed`
/// (name, value) and the refusal next to it. The version field keeps the current version, so
/// that trying again after a stale refusal works.
pub(super) async fn refused(
    s: &AppState,
    c: &Caller,
    session_id: i64,
    panel: &str,
    typed: &[(&str, String)],
    err: AppError,
) -> Response {
    let tr = Tr::for_caller(c);
    let Some((message, problems)) = words(&tr, &err) else {
        return error_page(err, Some(c));
    };
    let (status, ..) = crate::problem::status_of(&err);
    let field_errors: Vec<(String, String)> = match &err {
        AppError::Invalid(inv) => inv
            .errors
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect(),
        _ => Vec::new(),
    };
    let refusal = Refusal {
        panel: panel.to_owned(),
        message,
        problems,
    };
    let page = crate::pages::record::show_with::<Sessions>(s, c, None, session_id, move |x| {
        let placed = fill(&mut x.panels, panel, typed, &field_errors);
        let mut refusal = refusal;
        match placed {
            // A field's problem is said beside the field; the others above the form.
            Some(fields) if !field_errors.is_empty() => {
                refusal.problems = field_errors
                    .iter()
                    .filter(|(f, _)| !fields.contains(f))
                    .map(|(f, m)| in_words_of(&tr, f, m))
                    .collect();
            }
            Some(_) => {}
            // Without the panel on the page (it shows only in some states), above the panels.
            None => refusal.panel = String::new(),
        }
        x.refusal = Some(refusal);
    })
    .await;
    if page.status().is_success() {
        (status, page).into_response()
    } else {
        // A caller who may not see the session page hears of what they sent, as before.
        error_page(err, Some(c))
    }
}

/// Puts what the user entered back into the panel's form, with each field's problem; the fields
/// that took a problem, or `None` when the panel or its form is not on the page.
fn fill(
    panels: &mut [Panel],
    panel: &str,
    typed: &[(&str, String)],
    field_errors: &[(String, String)],
) -> Option<Vec<String>> {
    let form = panels
        .iter_mut()
        .find(|p| p.id == panel)
        .and_then(|p| p.form.as_mut())?;
    let mut placed = Vec::new();
    {
        for f in form.fields.iter_mut() {
            if let Some((_, v)) = typed
                .iter()
                .find(|(name, _)| *name == f.name && f.name != "version")
            {
                f.value = v.clone();
                for o in f.options.iter_mut() {
                    o.selected = o.value == *v;
                }
            }
            if let Some((name, m)) = field_errors.iter().find(|(name, _)| name == f.name) {
                f.error = Some(m.clone());
                placed.push(name.clone());
            }
        }
    }
    Some(placed)
}
