//! "Complaints" on the session page (issue 16 §6): the complaints logged against the session
//! with their resolution, a form to log one and one to resolve an open one, counted by the
//! quality signals of `/quality` (whose list of complaints resolves through the same route).

use super::panels::{InlineForm, Panel, PanelRow};
use crate::AppState;
use crate::i18n::Tr;
use crate::pages::{Submit, error_page, saved};
use crate::views::*;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use trainyard_app::Caller;
use trainyard_app::quality;
use trainyard_app::store::quality::Complaint;
use trainyard_app::store::sessions::Session;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sessions/{id}/complaints", post(log))
        .route("/sessions/{id}/complaints/resolve", post(resolve))
}

/// "Resolved on … by …: what was done", or "Open".
pub(crate) fn standing(tr: &Tr, viewer: &trainyard_core::TimeZoneName, k: &Complaint) -> Cell {
    let Some(at) = k.resolved_at else {
        return Cell::text(tr.t("complaint-open"));
    };
    let mut args = vec![
        ("when", viewer.display(at)),
        ("resolution", k.resolution.clone().unwrap_or_default()),
    ];
    Cell::text(match &k.resolved_by_name {
        Some(who) => {
            args.push(("who", who.clone()));
            tr.args("complaint-resolved-by", &args)
        }
        None => tr.args("complaint-resolved", &args),
    })
}

/// Operations staff only, like the forms' use cases: the complaints, and a form to resolve an
/// open one while there is any.
pub(super) async fn panel(s: &AppState, c: &Caller, x: &Session) -> Vec<Panel> {
    if !c.role.can_edit_operations() {
        return Vec::new();
    }
    let tr = Tr::for_caller(c);
    let viewer = viewer_tz(c);
    let logged = quality::complaints(&s.app, c, x.id)
        .await
        .unwrap_or_default();
    let clients = trainyard_app::people::clients::options(&s.app, c)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(id, l)| (id.to_string(), l))
        .collect();
    let open: Vec<(String, String)> = logged
        .iter()
        .filter(|k| k.resolved_at.is_none())
        .map(|k| {
            let text: String = k.body.chars().take(60).collect();
            (
                k.id.to_string(),
                format!("{} · {text}", viewer.display(k.logged_at)),
            )
        })
        .collect();
    let resolve = (!open.is_empty()).then(|| Panel {
        id: "complaint-resolve",
        title: tr.t("complaint-resolve-title").into(),
        columns: Vec::new(),
        rows: Vec::new(),
        empty: tr.t("complaint-resolve-help").into(),
        form: Some(InlineForm {
            action: format!("/sessions/{}/complaints/resolve", x.id),
            fields: vec![
                Field::new("complaint_id", tr.t("quality-complaint-text"), "select", "")
                    .choices(open, None)
                    .required(),
                Field::new("resolution", tr.t("complaint-resolution"), "wide", "").required(),
            ],
            submit: tr.t("complaint-resolve"),
            link: None,
        }),
        override_allowed: false,
        refusal: None,
    });
    let mut out = vec![Panel {
        id: "complaints",
        title: tr.t("quality-complaints").into(),
        columns: vec![
            tr.t("quality-logged"),
            tr.t("col-client"),
            tr.t("quality-complaint-text"),
            tr.t("complaint-standing"),
        ],
        rows: logged
            .iter()
            .map(|k| PanelRow {
                href: String::new(),
                cells: vec![
                    Cell::when(format!(
                        "{} · {}",
                        viewer.display(k.logged_at),
                        k.logged_by_name.clone().unwrap_or_default()
                    )),
                    Cell::text(k.client_name.clone().unwrap_or_default()),
                    Cell::text(k.body.clone()),
                    standing(&tr, &viewer, k),
                ],
                version: 0,
                actions: Vec::new(),
                substitute: None,
            })
            .collect(),
        empty: tr.t("quality-no-complaints").into(),
        form: Some(InlineForm {
            action: format!("/sessions/{}/complaints", x.id),
            fields: vec![
                Field::new("body", tr.t("quality-complaint-text"), "wide", "").required(),
                Field::new("client_id", tr.t("col-client"), "select", "")
                    .choices(clients, Some("—")),
            ],
            submit: tr.t("quality-log-complaint"),
            link: None,
        }),
        override_allowed: false,
        refusal: None,
    }];
    out.extend(resolve);
    out
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ComplaintForm {
    body: String,
    #[serde(deserialize_with = "trainyard_app::store::row::empty_as_none")]
    client_id: Option<i64>,
}

async fn log(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<ComplaintForm>,
) -> Response {
    let tr = Tr::for_caller(&c);
    match quality::log_complaint(&s.app, &c, id, form.client_id, &form.body).await {
        Ok(_) => saved(
            &format!("/sessions/{id}#complaints"),
            tr.t("quality-complaint-logged"),
        ),
        Err(e) => error_page(e, Some(&c)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ResolveForm {
    #[serde(deserialize_with = "trainyard_app::store::row::lenient_int")]
    complaint_id: i64,
    resolution: String,
    /// "quality": back to the quality page's list (with its period); else the session page.
    back: String,
}

/// Resolves one of the session's complaints (the session page's form, or the quality page's).
async fn resolve(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Submit { caller: c, form }: Submit<ResolveForm>,
) -> Response {
    let tr = Tr::for_caller(&c);
    match quality::resolve_complaint(&s.app, &c, Some(id), form.complaint_id, &form.resolution)
        .await
    {
        Ok(_) => {
            let back = match form.back.strip_prefix("/quality") {
                Some(rest) if !rest.contains("//") => format!("/quality{rest}"),
                _ => format!("/sessions/{id}#complaints"),
            };
            saved(&back, tr.t("complaint-resolved-notice"))
        }
        Err(e) => error_page(e, Some(&c)),
    }
}
