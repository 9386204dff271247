//! "Complaints" on the session page (issue 16 §6): the complaints logged against the session
//! and a form to log one, counted by the quality signals of `/quality`.

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
use trainyard_app::store::sessions::Session;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/sessions/{id}/complaints", post(log))
}

/// Operations staff only, like the form's use case.
pub(super) async fn panel(s: &AppState, c: &Caller, x: &Session) -> Option<Panel> {
    if !c.role.can_edit_operations() {
        return None;
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
    Some(Panel {
        id: "complaints",
        title: tr.t("quality-complaints").into(),
        columns: vec![
            tr.t("quality-logged"),
            tr.t("col-client"),
            tr.t("quality-complaint-text"),
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
    })
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
