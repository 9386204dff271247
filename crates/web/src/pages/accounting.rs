//! The accounting export as a download from the Invoices page (the same export as the API's).

use crate::AppState;
use crate::api::accounting::{download, format_is_csv};
use crate::auth::Viewer;
use crate::pages::error_page;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use trainyard_app::accounting_export as uc;

pub fn routes() -> Router<AppState> {
    Router::new().route("/invoices/export", get(export))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ExportForm {
    from: String,
    to: String,
    format: String,
}

async fn export(
    State(s): State<AppState>,
    Viewer(c): Viewer,
    Query(f): Query<ExportForm>,
) -> Response {
    let result = async {
        let export = uc::export(&s.app, &c, &f.from, &f.to).await?;
        Ok::<_, trainyard_app::AppError>((export, format_is_csv(&f.format)?))
    }
    .await;
    match result {
        Ok((export, csv)) => download(&export, csv),
        Err(e) => error_page(e, Some(&c)),
    }
}
