use crate::AppState;
use axum::Router;

pub fn routes(_state: AppState) -> Router<AppState> {
    Router::new()
}

pub fn openapi_json() -> String {
    String::new()
}
